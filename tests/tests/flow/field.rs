//! Without a network: sessions wait in the outbox and go out later.

use super::prelude::*;

#[tokio::test]
async fn without_a_network_a_field_session_waits_in_the_outbox_and_goes_out_later() -> Result<()> {
    use onboard_kiosk::training::{TrainingConfig, TrainingService};

    let mut svc = TrainingService::start(
        "127.0.0.1:0".parse()?,
        TrainingConfig {
            queue_delay: Duration::from_millis(100),
            review_delay: Duration::from_millis(500),
            ..TrainingConfig::default()
        },
    )
    .await?;
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let root_folder = tempfile::Builder::new()
        .prefix("kiosk-outbox-e2e-")
        .tempdir()
        .expect("a temporary folder");
    let root = root_folder.path().to_path_buf();
    let (data, logs) = (root.join("data"), root.join("logs"));
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let base_url = svc.base_url.clone();
    // One keychain across the restarts below: it holds the outbox key.
    let keyring = kiosk_tests::keyring::PrivateKeyring::start("outbox-e2e")?;
    let env = [
        keyring.env(),
        ("KIOSK_API_URL", base_url.as_str()),
        ("KIOSK_APP_TOKEN", creds.app_token.as_str()),
        ("KIOSK_SECRET_KEY", secret.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("KIOSK_PROFILE", "field"),
        ("KIOSK_QUEUE_FIRST", "true"),
    ];
    // The field agent is out of reach of the network.
    svc.go_away();
    let mut f = Flow::launch("outbox", &env).await?;
    // The web view's processes do not inherit the secret key given to the kiosk.
    let app = f.app_pid()?;
    let helpers: Vec<u32> = kiosk_tests::proc::tree(app)
        .into_iter()
        .filter(|p| *p != app)
        .collect();
    assert!(
        !helpers.is_empty(),
        "the web view runs in processes of its own"
    );
    for pid in helpers {
        let environ = std::fs::read(format!("/proc/{pid}/environ"))?;
        let environ = String::from_utf8_lossy(&environ);
        assert!(
            !environ.contains("KIOSK_SECRET_KEY") && !environ.contains(secret.as_str()),
            "process {pid} inherited the secret key"
        );
        assert!(
            environ.contains("KIOSK_APP_TOKEN"),
            "process {pid}: the environment was read"
        );
    }
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=queued]", 30)
        .await?;
    let waiting = f.app.text("[data-testid=queued-waiting]").await?;
    assert!(waiting.starts_with('1'), "{waiting}");
    f.shot("queued").await?;

    // Back at the start, staff see what waits; a try without the network says why it failed.
    f.click("[data-testid=done]").await?;
    f.wait("[data-testid=outbox-waiting]", 10).await?;
    let count = f.app.text("[data-testid=outbox-waiting]").await?;
    assert!(count.starts_with("1 session"), "{count}");
    f.click("[data-testid=outbox-send]").await?;
    if let Err(e) = f.wait("[data-testid=outbox-error]", 60).await {
        f.shot("outbox-no-error").await?;
        bail!("{e}: {}", f.body_text().await?);
    }
    let error = f.app.text("[data-testid=outbox-error]").await?;
    assert!(error.contains("creating the applicant failed"), "{error}");
    f.shot("outbox-waiting").await?;

    // What waits on disk is sealed: no email, no picture.
    let stored = kiosk_tests::sqlite_bytes(&data.join("outbox.sqlite3"));
    assert!(
        stored.len() > 50_000,
        "the pictures are kept ({} bytes)",
        stored.len()
    );
    for needle in [
        &b"anna.weber@example.com"[..],
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ] {
        assert!(
            !kiosk_tests::contains(&stored, needle),
            "{} is readable in the outbox",
            String::from_utf8_lossy(needle)
        );
    }
    assert_eq!(svc.stats().applicants, 0);
    f.close().await?;

    // Restarted in training (the network is back meanwhile): the live session is
    // not sent anywhere, staff are told what waits and for which service, and it stays.
    svc.serve_again().await?;
    let mut training_env = env.to_vec();
    training_env.push(("KIOSK_MODE", "training"));
    let f = Flow::launch("outbox-training", &training_env).await?;
    f.wait("[data-testid=training-banner]", 10).await?;
    f.wait("[data-testid=outbox]", 10).await?;
    let told = f.app.text("[data-testid=outbox]").await?;
    assert!(
        told.contains(
            "Sessions from live mode wait in the outbox (1 for sandbox at http://127.0.0.1"
        ) && told.contains("never sends them"),
        "{told}"
    );
    let refused = f.invoke("send_outbox").await?;
    assert!(refused["error"].is_object(), "{refused}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    f.close().await?;
    let waiting: i64 = rusqlite::Connection::open(data.join("outbox.sqlite3"))?.query_row(
        "SELECT COUNT(*) FROM entries",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(waiting, 1, "still waiting");
    assert_eq!(
        svc.stats().applicants,
        0,
        "not sent to the live service either"
    );

    // Live again with the account it was queued for: the sender delivers it
    // (it tries at once on start), once, and it moves to recent applicants.
    let mut f = Flow::launch("outbox-live-again", &env).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while f
        .app
        .client
        .find(Locator::Css("[data-testid=outbox]"))
        .await
        .is_ok()
    {
        if Instant::now() > deadline {
            f.shot("outbox-stuck").await?;
            bail!("the outbox did not empty");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    f.shot("outbox-sent").await?;
    let stats = svc.stats();
    assert_eq!((stats.applicants, stats.images), (1, 2), "{stats:?}");
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
    let recent = f.invoke("recent_applicants").await?;
    assert_eq!(recent.as_array().map(Vec::len), Some(1), "{recent}");
    f.close().await?;
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}
