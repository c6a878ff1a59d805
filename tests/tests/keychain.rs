//! Credentials in the real Secret Service (gnome-keyring under dbus-run-session).

use std::process::{Command, Stdio};
use std::time::Duration;

use onboard_kiosk::credentials::{Environment, Item, Keychain, KeychainError};
use onboard_kiosk::training::{TrainingConfig, TrainingService};

fn namespace(name: &str) -> String {
    format!("io.onboardkiosk.test-{}-{name}", std::process::id())
}

/// Keychain calls block on D-Bus: run them off the async threads, as the kiosk does.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn secret_tool_lookup(service: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn set_read_replace_delete_in_the_secret_service() {
    let ns = namespace("crud");
    let ns2 = ns.clone();
    blocking(move || {
        let k = Keychain::with_namespace(&ns2, Environment::Sandbox);
        assert!(k.get(Item::SecretKey).unwrap().is_none());
        k.set(Item::SecretKey, "first-secret").unwrap();
        assert_eq!(
            k.get(Item::SecretKey).unwrap().unwrap().expose(),
            "first-secret"
        );
        k.set(Item::SecretKey, "second-secret").unwrap();
        assert_eq!(
            k.get(Item::SecretKey).unwrap().unwrap().expose(),
            "second-secret"
        );
        k.set(Item::AppToken, "sbx:token-for-tests").unwrap();
        let creds = k.api_credentials().unwrap().unwrap();
        assert_eq!(creds.app_token, "sbx:token-for-tests");
        assert!(!format!("{creds:?}").contains("second-secret"));
    })
    .await;
    // The same entry, seen by another Secret Service client: it is really in the keyring.
    let seen = secret_tool_lookup(&format!("{ns}/sandbox"), "secret-key")
        .expect("secret-tool finds the entry");
    assert_eq!(seen.trim(), "second-secret");
    blocking(move || {
        let k = Keychain::with_namespace(&ns, Environment::Sandbox);
        k.delete(Item::SecretKey).unwrap();
        k.delete(Item::SecretKey).unwrap();
        assert!(k.get(Item::SecretKey).unwrap().is_none());
        k.delete(Item::AppToken).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_and_apps_are_kept_apart() {
    let ns = namespace("envs");
    blocking(move || {
        let sandbox = Keychain::with_namespace(&ns, Environment::Sandbox);
        let production = Keychain::with_namespace(&ns, Environment::Production);
        let other_app = Keychain::with_namespace(&format!("{ns}-other"), Environment::Sandbox);
        sandbox.set(Item::SecretKey, "sandbox-secret").unwrap();
        assert!(production.get(Item::SecretKey).unwrap().is_none());
        assert!(other_app.get(Item::SecretKey).unwrap().is_none());
        // A token is stored only in its own environment.
        assert!(matches!(
            production.set(Item::AppToken, "sbx:abc"),
            Err(KeychainError::Refused(_))
        ));
        assert!(matches!(
            sandbox.set(Item::AppToken, "prd:abc"),
            Err(KeychainError::Refused(_))
        ));
        sandbox.delete(Item::SecretKey).unwrap();
    })
    .await;
}

fn kioskctl() -> Command {
    let mut c = Command::new(kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl"));
    c.env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .env_remove("KIOSK_ENVIRONMENT");
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn kioskctl_stores_credentials_and_submits_without_leaking_the_secret() {
    let svc = TrainingService::start(
        "127.0.0.1:0".parse().unwrap(),
        TrainingConfig {
            queue_delay: Duration::from_millis(50),
            review_delay: Duration::from_millis(100),
            ..TrainingConfig::default()
        },
    )
    .await
    .unwrap();
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let logs_folder = tempfile::Builder::new()
        .prefix("kioskctl-keychain-logs-")
        .tempdir()
        .expect("a temporary folder");
    let logs = logs_folder.path().to_path_buf();

    // The secret comes on stdin, never on the command line.
    let mut set = kioskctl()
        .args(["credentials", "set", "--app-token", &creds.app_token])
        .env("KIOSK_LOG_DIR", &logs)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut set.stdin.take().unwrap(),
        format!("{secret}\n").as_bytes(),
    )
    .unwrap();
    let set = set.wait_with_output().unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );

    let status = kioskctl()
        .args(["credentials", "status"])
        .env("KIOSK_LOG_DIR", &logs)
        .output()
        .unwrap();
    let status_text = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        status_text.contains("environment: sandbox"),
        "{status_text}"
    );
    assert!(
        status_text.contains("sbx:trai…"),
        "masked token: {status_text}"
    );
    assert!(status_text.contains("secret-key:     set"), "{status_text}");

    // A submission takes the credentials from the keychain.
    let dir_folder = tempfile::Builder::new()
        .prefix("kiosk-keychain-submit-")
        .tempdir()
        .expect("a temporary folder");
    let dir = dir_folder.path().to_path_buf();
    let files = kiosk_tests::samples::write_samples(&dir, 5);
    let submit = kioskctl()
        .args([
            "submit",
            "--doc-type",
            "PASSPORT",
            "--country",
            "DEU",
            "--front",
            files.front.to_str().unwrap(),
            "--selfie",
            files.selfie.to_str().unwrap(),
            "--wait",
            "--json",
            "-v",
        ])
        .env("KIOSK_API_URL", &svc.base_url)
        .env("KIOSK_LOG_DIR", &logs)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(
        submit.status.success(),
        "{}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let out: serde_json::Value = serde_json::from_slice(&submit.stdout).unwrap();
    assert_eq!(out["outcome"]["answer"], "GREEN");

    // The secret is in none of the outputs or log files, even at debug level.
    let mut seen = vec![
        String::from_utf8_lossy(&set.stdout).to_string(),
        String::from_utf8_lossy(&set.stderr).to_string(),
        status_text,
        String::from_utf8_lossy(&status.stderr).to_string(),
        String::from_utf8_lossy(&submit.stdout).to_string(),
        String::from_utf8_lossy(&submit.stderr).to_string(),
    ];
    let log_files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
    assert!(!log_files.is_empty(), "kioskctl wrote log files");
    seen.extend(
        log_files
            .iter()
            .map(|e| std::fs::read_to_string(e.path()).unwrap()),
    );
    assert!(
        seen.iter().any(|s| s.contains("verification call")),
        "the logs are really there"
    );
    for (i, text) in seen.iter().enumerate() {
        assert!(
            !text.contains(&secret),
            "output {i} contains the secret key"
        );
    }

    let clear = kioskctl()
        .args(["credentials", "clear"])
        .env("KIOSK_LOG_DIR", &logs)
        .output()
        .unwrap();
    assert!(clear.status.success());
    let after = kioskctl()
        .args(["credentials", "status"])
        .env("KIOSK_LOG_DIR", &logs)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&after.stdout).contains("app token:      not set"));
}

#[test]
fn without_a_keychain_the_command_says_so_plainly() {
    let out = kioskctl()
        .args(["credentials", "status"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env(
            "KIOSK_LOG_DIR",
            std::env::temp_dir().join("kioskctl-nokeychain-logs"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the system keychain is not available"),
        "{stderr}"
    );
    assert!(stderr.contains("gnome-keyring"), "names the fix: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1);
}

mod admin_area {
    use std::sync::Arc;

    use onboard_kiosk::admin::{Admin, AdminError, ConnectionCheck};
    use onboard_kiosk::config::{Profile, Settings, StoredSettings};
    use onboard_kiosk::credentials::pin::PinError;
    use onboard_kiosk::credentials::{Environment, Item, Keychain, Sensitive};

    use super::{namespace, secret_tool_lookup};

    fn admin(
        name: &str,
        api_url: &str,
        profile: Profile,
    ) -> (Arc<Admin>, String, std::path::PathBuf) {
        let ns = namespace(name);
        // Kept after this returns: the admin area writes its files there.
        let dir = tempfile::Builder::new()
            .prefix(&format!("kiosk-admin-{name}-"))
            .tempdir()
            .expect("a temporary folder")
            .keep();
        let settings_path = dir.join("settings.json");
        let running = Settings {
            api_url: api_url.to_owned(),
            profile,
            ..Settings::default()
        };
        let admin = Admin::new(
            Keychain::with_namespace(&ns, Environment::Sandbox),
            settings_path.clone(),
            running,
        );
        (Arc::new(admin), ns, settings_path)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn credentials_are_set_verified_and_cleared_without_coming_back_out() {
        let svc = kiosk_tests::training_service(0).await;
        let creds = svc.credentials();
        let secret = creds.secret_key.expose().clone();
        let (admin, ns, settings_path) = admin("admin-creds", &svc.base_url, Profile::Attendant);

        assert!(matches!(
            admin.verify_connection().await.unwrap(),
            ConnectionCheck::NoCredentials
        ));
        let wrong_env = admin
            .set_credentials("prd:abcdefghijklmnop".into(), Sensitive::new("x".into()))
            .await
            .unwrap_err();
        assert!(
            wrong_env.to_string().contains("for production"),
            "{wrong_env}"
        );

        admin
            .set_credentials(creds.app_token.clone(), Sensitive::new(secret.clone()))
            .await
            .unwrap();
        let status = admin.status().await.unwrap();
        assert!(status.configured && status.restart_needed);
        assert!(status
            .masked_token
            .as_deref()
            .unwrap()
            .starts_with("sbx:trai"));
        let shown = serde_json::to_string(&status).unwrap();
        assert!(!shown.contains(&secret) && !shown.contains(&creds.app_token));
        // Really in the Secret Service, under this kiosk's namespace.
        assert_eq!(
            secret_tool_lookup(&format!("{ns}/sandbox"), "secret-key")
                .unwrap()
                .trim(),
            secret
        );

        match admin.verify_connection().await.unwrap() {
            ConnectionCheck::Ok { skew_secs, warning } => {
                assert!(skew_secs.abs() <= 2 && warning.is_none())
            }
            other => panic!("{other:?}"),
        }
        let stored = StoredSettings::read(&settings_path);
        assert!(stored.last_verified_at.is_some(), "{stored:?}");
        assert!(admin.status().await.unwrap().last_verified_at.is_some());

        admin
            .set_credentials(
                creds.app_token.clone(),
                Sensitive::new("wrong-secret".into()),
            )
            .await
            .unwrap();
        assert!(matches!(
            admin.verify_connection().await.unwrap(),
            ConnectionCheck::BadCredentials { .. }
        ));

        admin.clear_credentials().await.unwrap();
        let status = admin.status().await.unwrap();
        assert!(!status.configured && status.masked_token.is_none());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_connection_check_names_a_skewed_clock() {
        for (offset, expect_warning) in [(30, true), (600, false)] {
            let svc = kiosk_tests::training_service(offset).await;
            let creds = svc.credentials();
            let (admin, _, _) = admin(
                &format!("admin-skew-{offset}"),
                &svc.base_url,
                Profile::Attendant,
            );
            admin
                .set_credentials(creds.app_token.clone(), creds.secret_key.clone())
                .await
                .unwrap();
            match admin.verify_connection().await.unwrap() {
                ConnectionCheck::Ok { skew_secs, warning } if expect_warning => {
                    assert!((29..=31).contains(&skew_secs), "{skew_secs}");
                    assert!(warning.unwrap().contains("automatic time"));
                }
                ConnectionCheck::ClockSkew { skew_secs, message } if !expect_warning => {
                    assert!((599..=601).contains(&skew_secs));
                    assert!(message.contains("clock"), "{message}");
                }
                other => panic!("offset {offset}: {other:?}"),
            }
            admin.clear_credentials().await.unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_pin_guards_the_admin_area_with_a_lockout_and_is_stored_hashed() {
        let (admin, ns, settings_path) =
            admin("admin-pin", "http://127.0.0.1:9", Profile::SelfService);
        // A self-service kiosk without a PIN opens its admin area to nobody.
        let gate = admin.gate().await.unwrap();
        assert!(!gate.open && !gate.pin_required && gate.pin_not_set_up);
        assert!(matches!(
            admin.status().await,
            Err(AdminError::NoPinSelfService)
        ));
        assert!(matches!(
            admin.set_pin(None, "482913".into()).await,
            Err(AdminError::NoPinSelfService)
        ));
        // Staff set it on the computer itself.
        let on_computer = |pin: &'static str| {
            let admin = admin.clone();
            tokio::task::spawn_blocking(move || admin.set_pin_on_this_computer(None, pin))
        };
        assert!(matches!(
            on_computer("12ab56").await.unwrap(),
            Err(AdminError::Pin(PinError::Invalid))
        ));
        on_computer("482913").await.unwrap().unwrap();
        assert!(
            on_computer("111111").await.unwrap().is_err(),
            "replacing a PIN on the computer needs the current one"
        );
        admin.unlock("482913".into()).await.unwrap();
        let stored = secret_tool_lookup(&format!("{ns}/sandbox"), Item::AdminPinHash.name())
            .expect("the PIN entry is in the keychain");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("482913"));

        admin.close();
        let gate = admin.gate().await.unwrap();
        assert!(gate.pin_required && !gate.open);
        assert!(matches!(admin.status().await, Err(AdminError::PinRequired)));
        assert!(matches!(
            admin.save_settings(Profile::Attendant, "x".into()).await,
            Err(AdminError::PinRequired)
        ));
        assert!(matches!(
            admin.unlock("000000".into()).await,
            Err(AdminError::Pin(PinError::Wrong { remaining: 4 }))
        ));
        admin.unlock("482913".into()).await.unwrap();
        admin
            .save_settings(Profile::Attendant, "kyc-level".into())
            .await
            .unwrap();
        let saved = StoredSettings::read(&settings_path);
        assert_eq!(saved.profile, Some(Profile::Attendant));
        assert_eq!(saved.level_name.as_deref(), Some("kyc-level"));
        assert!(admin.status().await.unwrap().restart_needed);
        // Changing the PIN needs the current one.
        assert!(admin
            .set_pin(Some("111111".into()), "135790".into())
            .await
            .is_err());
        admin
            .set_pin(Some("482913".into()), "135790".into())
            .await
            .unwrap();

        admin.close();
        for _ in 0..4 {
            assert!(matches!(
                admin.unlock("999999".into()).await,
                Err(AdminError::Pin(PinError::Wrong { .. }))
            ));
        }
        assert!(matches!(
            admin.unlock("999999".into()).await,
            Err(AdminError::Pin(PinError::LockedOut { .. }))
        ));
        assert!(
            matches!(
                admin.unlock("135790".into()).await,
                Err(AdminError::Pin(PinError::LockedOut { .. }))
            ),
            "even the right PIN waits out the lockout"
        );

        // A restart does not end the lockout, and neither does deleting the
        // data folder's copy of it (the keychain keeps one too).
        let restarted = || {
            Arc::new(Admin::new(
                Keychain::with_namespace(&ns, Environment::Sandbox),
                settings_path.clone(),
                Settings {
                    profile: Profile::SelfService,
                    ..Settings::default()
                },
            ))
        };
        let after_restart = restarted().unlock("135790".into()).await;
        assert!(
            matches!(
                after_restart,
                Err(AdminError::Pin(PinError::LockedOut { seconds })) if seconds > 250 && seconds <= 300
            ),
            "{after_restart:?}"
        );
        let copy = settings_path.with_file_name(onboard_kiosk::admin::PIN_GUARD_FILE);
        let remembered = std::fs::read_to_string(&copy).unwrap();
        assert!(remembered.contains(r#""lockouts":1"#), "{remembered}");
        std::fs::remove_file(&copy).unwrap();
        assert!(matches!(
            restarted().unlock("135790".into()).await,
            Err(AdminError::Pin(PinError::LockedOut { .. }))
        ));
        let in_keychain =
            secret_tool_lookup(&format!("{ns}/sandbox"), Item::AdminPinGuard.name()).unwrap();
        assert!(in_keychain.contains(r#""lockouts":1"#), "{in_keychain}");

        let k = Keychain::with_namespace(&ns, Environment::Sandbox);
        tokio::task::spawn_blocking(move || {
            k.delete(Item::AdminPinHash).unwrap();
            k.delete(Item::AdminPinGuard).unwrap();
        })
        .await
        .unwrap();
    }
}
