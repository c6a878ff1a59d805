//! Staff and modes: credentials in the admin area, a self-service kiosk, and a live kiosk that cannot verify.

use super::prelude::*;

#[tokio::test]
async fn credentials_set_in_the_admin_area_go_live_and_the_secret_never_comes_out() -> Result<()> {
    use kiosk_tests::keyring::PrivateKeyring;

    let svc = quick_training_service().await?;
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let keyring = PrivateKeyring::start("admin-e2e")?;
    let root_folder = tempfile::Builder::new()
        .prefix("kiosk-admin-e2e-")
        .tempdir()
        .expect("a temporary folder");
    let root = root_folder.path().to_path_buf();
    let (data, logs) = (root.join("data"), root.join("logs"));
    std::fs::create_dir_all(&data)?;
    std::fs::create_dir_all(&logs)?;
    let output = root.join("app-output.txt");
    let (bus_key, bus) = keyring.env();
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let common = [
        (bus_key, bus),
        ("KIOSK_API_URL", svc.base_url.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("RUST_LOG", "debug"),
    ];

    // 1. A self-service kiosk without credentials trains; staff store them in the admin area.
    let mut env = common.to_vec();
    env.push(("KIOSK_PROFILE", "self_service"));
    let mut f = Flow::launch_with_output("admin", &env, Some(&output)).await?;
    f.record_ipc().await?;
    f.wait("[data-testid=training-banner]", 10).await?;
    assert!(
        f.app
            .client
            .find(Locator::Css("[data-testid=training-outcome]"))
            .await
            .is_err(),
        "no outcome picker at a self-service kiosk"
    );
    // Without a PIN, a self-service kiosk's admin area opens to nobody, and
    // every staff-only command is refused through the real IPC.
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-screen=admin]", 10).await?;
    f.wait("[data-testid=admin-pin-not-set-up]", 10).await?;
    assert!(f.absent("input[name=app-token]").await);
    f.shot("no-pin-yet").await?;
    let no_details = serde_json::json!({ "details": { "email": null, "phone": null,
        "first_name": null, "last_name": null, "date_of_birth": null } });
    let staff_only: Vec<(&str, serde_json::Value)> = vec![
        ("recent_applicants", serde_json::json!({})),
        ("outbox_status", serde_json::json!({})),
        ("send_outbox", serde_json::json!({})),
        ("correct_details", no_details),
        (
            "set_training_outcome",
            serde_json::json!({ "outcome": "green" }),
        ),
        ("admin_status", serde_json::json!({})),
        (
            "admin_set_credentials",
            serde_json::json!({ "appToken": "sbx:x", "secretKey": "y" }),
        ),
        (
            "admin_set_webhook_secret",
            serde_json::json!({ "secret": "y" }),
        ),
        ("admin_clear_credentials", serde_json::json!({})),
        (
            "admin_set_pin",
            serde_json::json!({ "current": null, "pin": "111111" }),
        ),
        (
            "admin_save_settings",
            serde_json::json!({ "profile": "attendant", "levelName": "x" }),
        ),
        ("admin_set_mode", serde_json::json!({ "mode": "live" })),
        ("admin_verify_connection", serde_json::json!({})),
        ("restart_kiosk", serde_json::json!({})),
        ("quit_kiosk", serde_json::json!({})),
    ];
    for (command, args) in &staff_only {
        let refused = f.invoke_with(command, args.clone()).await?;
        assert_eq!(
            refused["error"]["code"], "forbidden",
            "{command}: {refused}"
        );
    }
    // The photo import takes raw bytes; it is refused the same way.
    let refused = f
        .app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('import_photo', new Uint8Array([255, 216, 255]), { headers: { slot: 'front' } }) \
               .then(v => done({ ok: v }), e => done({ error: e }));",
            vec![],
        )
        .await?;
    assert_eq!(
        refused["error"]["code"], "forbidden",
        "import_photo: {refused}"
    );
    f.click("[data-testid=admin-close]").await?;
    // Staff set the PIN on the computer itself.
    let mut at_computer = common.to_vec();
    at_computer.push(("KIOSK_PROFILE", "self_service"));
    let set = kioskctl(&at_computer, &["admin", "set-pin"], "135790\n")?;
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-testid=admin-pin-form]", 10).await?;
    f.type_into("input[name=admin-pin]", "135790").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("input[name=app-token]", 10).await?;
    f.type_into("input[name=app-token]", &creds.app_token)
        .await?;
    f.type_into("input[name=secret-key]", &secret).await?;
    f.click("[data-testid=admin-save-credentials]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    let token = f.app.text("[data-testid=admin-token]").await?;
    assert!(
        token.starts_with("sbx:trai") && token.contains('…'),
        "{token}"
    );
    assert_eq!(
        f.app
            .client
            .find(Locator::Css("input[name=secret-key]"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default(),
        "",
        "the secret field is emptied after saving"
    );
    f.click("[data-testid=admin-verify]").await?;
    f.wait("[data-testid=admin-verify-result][data-kind=ok]", 20)
        .await?;
    let verified = f.app.text("[data-testid=admin-verified]").await?;
    assert!(!verified.contains("Never"), "{verified}");
    f.type_into("input[name=current-pin]", "135790").await?;
    f.type_into("input[name=new-pin]", "482913").await?;
    f.type_into("input[name=repeat-pin]", "482913").await?;
    f.click("[data-testid=admin-save-pin]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    f.click("select[name=profile] option[value=attendant]")
        .await?;
    f.click("[data-testid=admin-save-settings]").await?;
    f.wait("[data-testid=admin-restart]", 10).await?;
    f.app
        .client
        .execute("document.querySelector('.content').scrollTo(0, 0);", vec![])
        .await?;
    f.shot("admin").await?;

    // 2. With a PIN set, the admin area asks for it; a wrong one is refused.
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-testid=admin-pin-form]", 10).await?;
    f.shot("admin-pin").await?;
    let refused = f.unlock_admin_after_a_wrong_pin("000000", "482913").await?;
    assert!(refused.contains("4 tries left"), "{refused}");
    f.wait("[data-testid=admin-status]", 10).await?;
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    let mut ipc = f.ipc_log().await?;
    f.close().await?;

    // 3. The next start is live (and at the counter, as saved): a whole submission.
    let mut f = Flow::launch_with_output("admin-live", &common, Some(&output)).await?;
    f.record_ipc().await?;
    assert!(
        f.app
            .client
            .find(Locator::Css("[data-testid=training-outcome]"))
            .await
            .is_err(),
        "no training banner when live"
    );
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.shot("live-approved").await?;
    f.click("[data-testid=done]").await?;
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-status]", 10).await?;
    let mode = f.app.text("[data-testid=admin-mode]").await?;
    assert!(mode.starts_with("Live"), "{mode}");
    ipc.extend(f.ipc_log().await?);
    f.close().await?;
    let stats = svc.stats();
    assert!(
        stats.applicants >= 1,
        "the submission reached the service: {stats:?}"
    );

    // 4. The secret key is in no answer to the web view, no log file, no output.
    assert!(
        ipc.iter().any(|r| r.contains("sbx:trai")),
        "the recorder saw the admin status: {} answers",
        ipc.len()
    );
    assert!(ipc.len() > 20, "the recorder saw the flow: {}", ipc.len());
    for (i, answer) in ipc.iter().enumerate() {
        assert!(!answer.contains(&secret), "IPC answer {i} holds the secret");
        assert!(
            !answer.contains(&creds.app_token),
            "IPC answer {i} holds the whole token"
        );
    }
    let mut files = Vec::new();
    for dir in [&logs, &data] {
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.path().is_file() {
                files.push(entry.path());
            }
        }
    }
    files.push(output.clone());
    let log_text: String = std::fs::read_dir(&logs)?
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        log_text.contains("verification call") && log_text.contains("API credentials stored"),
        "the logs are really there"
    );
    for file in &files {
        let bytes = std::fs::read(file)?;
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&secret),
            "{} holds the secret",
            file.display()
        );
    }
    println!(
        "metric: secret searched in {} IPC answers and {} files",
        ipc.len(),
        files.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_self_service_kiosk_fills_the_screen_stays_the_kiosk_and_runs_once() -> Result<()> {
    let data_folder = tempfile::Builder::new()
        .prefix("kiosk-lockdown-")
        .tempdir()
        .expect("a temporary folder");
    let data = data_folder.path().to_path_buf();
    std::fs::create_dir_all(&data)?;
    let data_s = data.display().to_string();
    let env = [
        ("KIOSK_PROFILE", "self_service"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", data_s.as_str()),
    ];
    let mut f = Flow::launch("lockdown", &env).await?;
    let sizes: Vec<i64> = serde_json::from_value(
        f.app
            .client
            .execute(
                "return [window.innerWidth, window.innerHeight, screen.width, screen.height];",
                vec![],
            )
            .await?,
    )?;
    assert_eq!(
        (sizes[0], sizes[1]),
        (sizes[2], sizes[3]),
        "the window fills the screen without decorations"
    );
    let prevented = f
        .app
        .client
        .execute(
            "const e = new MouseEvent('contextmenu', { bubbles: true, cancelable: true }); \
             document.querySelector('[data-screen=welcome]').dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await?;
    assert_eq!(prevented, serde_json::json!(true), "no context menu");

    // No way out of the app by navigation.
    f.app
        .client
        .execute(
            "window.location.href = 'https://example.com/'; return 1;",
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    f.wait("[data-screen=welcome]", 10).await?;
    let protocol = f
        .app
        .client
        .execute("return window.location.protocol;", vec![])
        .await?;
    assert_eq!(protocol, serde_json::json!("tauri:"));

    // A second start on the same desktop session leaves at once; the first stays.
    let (bus_key, bus) = f.bus.as_ref().expect("own bus").env();
    let mut second = std::process::Command::new(&f.app.binary)
        .envs(env)
        .env(bus_key, bus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            bail!("a second self-service kiosk kept running");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    f.wait("[data-screen=welcome]", 5).await?;
    f.shot("self-service").await?;

    // Staff quit through the admin area.
    let driver = f.app.driver_pid().expect("driver runs");
    let running = || {
        kiosk_tests::proc::tree(driver)
            .into_iter()
            .filter(|p| kiosk_tests::proc::pids_of(&f.app.binary).contains(p))
            .count()
    };
    assert_eq!(running(), 1, "the kiosk runs under the driver");
    let (bus_key, bus) = f.bus.as_ref().expect("own bus").env();
    let mut at_computer = env.to_vec();
    at_computer.push((bus_key, bus));
    let set = kioskctl(&at_computer, &["admin", "set-pin"], "482913\n")?;
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.click("[data-testid=admin-quit]").await?;
    // The app ends while this click is answered: WebDriver may report an error.
    let _ = f.click("[data-testid=admin-quit]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while running() > 0 {
        if Instant::now() > deadline {
            bail!("the kiosk did not quit from the admin area");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = f.close().await;
    Ok(())
}

#[tokio::test]
async fn a_live_kiosk_that_cannot_read_its_credentials_is_out_of_service_never_training(
) -> Result<()> {
    use kiosk_tests::keyring::PrivateKeyring;

    let svc = quick_training_service().await?;
    let creds = svc.credentials();
    let keyring = PrivateKeyring::start("out-of-service")?;
    let root_folder = tempfile::Builder::new()
        .prefix("kiosk-oos-e2e-")
        .tempdir()
        .expect("a temporary folder");
    let root = root_folder.path().to_path_buf();
    let (data, logs) = (root.join("data"), root.join("logs"));
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let (bus_key, bus) = keyring.env();
    let env = [
        (bus_key, bus),
        ("KIOSK_API_URL", svc.base_url.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("KIOSK_PROFILE", "attendant"),
    ];

    // Storing credentials makes the kiosk live.
    kioskctl(
        &env,
        &["credentials", "set", "--app-token", &creds.app_token],
        creds.secret_key.expose(),
    )?;
    let settings = std::fs::read_to_string(data.join("settings.json"))?;
    assert!(settings.contains(r#""mode": "live""#), "{settings}");

    // In service: staff set an admin PIN.
    let f = Flow::launch("oos-live", &env).await?;
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "live: no training banner"
    );
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=new-pin]", "482913").await?;
    f.type_into("input[name=repeat-pin]", "482913").await?;
    f.click("[data-testid=admin-save-pin]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    f.close().await?;

    // The keyring is locked when the kiosk starts: out of service, nothing else runs.
    keyring.lock()?;
    let mut f = Flow::launch_to("oos", &env, None, "[data-screen=out-of-service]").await?;
    let cause = f
        .app
        .client
        .find(Locator::Css("[data-screen=out-of-service]"))
        .await?
        .attr("data-cause")
        .await?;
    assert_eq!(cause.as_deref(), Some("keychain_locked"));
    let body = f.body_text().await?;
    assert!(
        body.contains("This kiosk is not available right now.")
            && body.contains("Please ask a member of staff.")
            && body.contains("keychain is locked"),
        "{body}"
    );
    assert!(f.absent("[data-testid=start]").await, "no Start");
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "never training"
    );
    assert_eq!(
        f.listening_ports()?,
        Vec::<u16>::new(),
        "no training service listens"
    );
    // Also through the IPC, behind the screen: refused.
    let refused = f
        .invoke_with(
            "start_session",
            serde_json::json!({ "details": { "email": null, "phone": null, "first_name": null,
                "last_name": null, "date_of_birth": null } }),
        )
        .await?;
    assert_eq!(refused["error"]["code"], "out_of_service", "{refused}");
    f.shot("out-of-service").await?;
    for (language, title) in [
        ("de", "Dieses Terminal ist zurzeit nicht verfügbar."),
        ("es", "Este quiosco no está disponible en este momento."),
    ] {
        f.click(&format!("[data-language={language}]")).await?;
        let shown = f.app.text("#oos-title").await?;
        assert_eq!(shown, title);
    }
    f.click("[data-language=en]").await?;

    // Staff reach the admin area with the PIN although the keychain is locked.
    f.click("[data-testid=oos-admin]").await?;
    let wrong = f.unlock_admin_after_a_wrong_pin("000000", "482913").await?;
    assert!(wrong.contains("4 tries left"), "{wrong}");
    f.wait("[data-testid=admin-oos]", 10).await?;
    f.shot("out-of-service-admin").await?;
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=out-of-service]", 10).await?;

    // Still locked: Try again says so. Unlocked: Try again brings the kiosk into service.
    f.click("[data-testid=oos-try-again]").await?;
    f.wait("[data-testid=oos-still]", 30).await?;
    keyring.unlock()?;
    f.click("[data-testid=oos-try-again]").await?;
    f.wait("[data-screen=welcome]", 30).await?;
    f.wait("[data-testid=start]", 5).await?;
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "back in service, live"
    );
    assert_eq!(f.listening_ports()?, Vec::<u16>::new());

    // Quit from the admin area ends the app.
    let pid = f.app_pid()?;
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.click("[data-testid=admin-quit]").await?;
    // The confirming click may not get its answer: the window goes with it.
    let _ = f.click("[data-testid=admin-quit]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > deadline {
            bail!("the kiosk did not quit");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(f);

    // Credentials cleared, restarted: out of service, not training.
    kioskctl(&env, &["credentials", "clear"], "")?;
    let f = Flow::launch_to("oos-cleared", &env, None, "[data-screen=out-of-service]").await?;
    let cause = f
        .app
        .client
        .find(Locator::Css("[data-screen=out-of-service]"))
        .await?
        .attr("data-cause")
        .await?;
    assert_eq!(cause.as_deref(), Some("no_credentials"));
    assert_eq!(f.listening_ports()?, Vec::<u16>::new());
    f.close().await?;
    assert_eq!(
        svc.stats().applicants,
        0,
        "nobody was created anywhere while out of service"
    );
    Ok(())
}
