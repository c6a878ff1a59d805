//! `kioskctl doctor` and the keychain's bad days, each in a Secret Service of
//! its own (a private D-Bus session with gnome-keyring), so a locked keyring
//! here never touches the keyring other tests use.

use std::process::{Command, Output};

use serde_json::Value;

fn kioskctl() -> String {
    kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl")
        .display()
        .to_string()
}

/// Runs `script` (sh) in a fresh D-Bus session whose gnome-keyring is
/// unlocked at the start; `$KIOSKCTL` is the command line under test.
fn in_own_keyring(name: &str, env: &[(&str, &str)], script: &str) -> Output {
    let root_folder = tempfile::Builder::new()
        .prefix(&format!("kiosk-doctor-{name}-"))
        .tempdir()
        .expect("a temporary folder");
    let root = root_folder.path().to_path_buf();
    let (data, runtime, logs) = (root.join("data"), root.join("run"), root.join("logs"));
    for d in [&data, &runtime] {
        std::fs::create_dir_all(d).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let full = format!(
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1\n{script}"
    );
    Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &full])
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("KIOSK_LOG_DIR", &logs)
        .env("KIOSKCTL", kioskctl())
        // A locked keyring would open an unlock prompt on a display; here nobody answers it.
        .env_remove("DISPLAY")
        .env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("dbus-run-session runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The doctor's JSON (the last line of stdout) as name → check.
fn checks(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let json: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {}", text(&out.stderr)));
    let mut by_name = serde_json::Map::new();
    for c in json["checks"].as_array().unwrap() {
        by_name.insert(c["name"].as_str().unwrap().to_owned(), c.clone());
    }
    Value::Object(by_name)
}

const STORE: &str = r#"printf '%s' "$SECRET" | $KIOSKCTL credentials set --app-token "$TOKEN" >/dev/null || exit 9"#;

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_keychain_service_credentials_and_clock() {
    let svc = kiosk_tests::training_service(0).await;
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let env = [
        ("TOKEN", creds.app_token.as_str()),
        ("SECRET", secret.as_str()),
        ("KIOSK_API_URL", svc.base_url.as_str()),
    ];
    let out = in_own_keyring(
        "healthy",
        &env,
        &format!("{STORE}\n$KIOSKCTL doctor\n$KIOSKCTL doctor --json"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let c = checks(&out);
    assert_eq!(c["keychain"]["level"], "OK");
    let keychain = c["keychain"]["detail"].as_str().unwrap();
    assert!(
        keychain.contains("stored: app-token, secret-key")
            && keychain.contains("not stored: webhook-secret, admin-pin"),
        "{keychain}"
    );
    assert_eq!(c["service"]["level"], "OK", "{c}");
    assert_eq!(c["credentials"]["level"], "OK");
    assert!(c["credentials"]["detail"]
        .as_str()
        .unwrap()
        .contains("sbx:trai…"));
    assert_eq!(c["clock"]["level"], "OK");
    assert!(c["logs"]["level"] == "OK" && c["camera"].is_object());
    // Storing the credentials made the kiosk live.
    assert_eq!(c["mode"]["level"], "OK", "{c}");
    assert!(c["mode"]["detail"].as_str().unwrap().starts_with("live"));
    let human = text(&out.stdout);
    assert!(human.contains("OK    keychain"), "{human}");
    assert!(
        !human.contains(&secret) && !text(&out.stderr).contains(&secret),
        "the secret is never printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_a_skewed_clock_and_a_wrong_secret() {
    let slightly = kiosk_tests::training_service(30).await;
    let far = kiosk_tests::training_service(600).await;
    let creds = slightly.credentials();
    let secret = creds.secret_key.expose().clone();
    // The training services share nothing: give the second one the same credentials.
    let far_creds = far.credentials();

    let warn = in_own_keyring(
        "skew-warn",
        &[
            ("TOKEN", &creds.app_token),
            ("SECRET", &secret),
            ("KIOSK_API_URL", &slightly.base_url),
        ],
        &format!("{STORE}\n$KIOSKCTL doctor --json"),
    );
    assert_eq!(warn.status.code(), Some(0), "{}", text(&warn.stderr));
    let c = checks(&warn);
    assert_eq!(c["clock"]["level"], "WARN", "{c}");
    assert!(c["clock"]["detail"].as_str().unwrap().starts_with("+30 s"));

    let fail = in_own_keyring(
        "skew-fail",
        &[
            ("TOKEN", &far_creds.app_token),
            ("SECRET", far_creds.secret_key.expose()),
            ("KIOSK_API_URL", &far.base_url),
        ],
        &format!("{STORE}\n$KIOSKCTL doctor --json"),
    );
    assert_eq!(fail.status.code(), Some(1));
    let c = checks(&fail);
    assert_eq!(c["clock"]["level"], "FAIL", "{c}");
    assert!(c["clock"]["detail"].as_str().unwrap().starts_with("+600 s"));
    assert!(c["clock"]["fix"]
        .as_str()
        .unwrap()
        .contains("automatic time"));

    let wrong = in_own_keyring(
        "wrong-secret",
        &[
            ("TOKEN", &creds.app_token),
            ("SECRET", "not-the-secret-key"),
            ("KIOSK_API_URL", &slightly.base_url),
        ],
        &format!("{STORE}\n$KIOSKCTL doctor --json"),
    );
    assert_eq!(wrong.status.code(), Some(1));
    let c = checks(&wrong);
    assert_eq!(c["service"]["level"], "OK");
    assert_eq!(c["credentials"]["level"], "FAIL", "{c}");
    assert!(text(&wrong.stdout).contains("secret key does not match"));

    let unreachable = in_own_keyring(
        "unreachable",
        &[
            ("TOKEN", &creds.app_token),
            ("SECRET", &secret),
            ("KIOSK_API_URL", "http://127.0.0.1:9"),
        ],
        &format!("{STORE}\n$KIOSKCTL doctor --json"),
    );
    assert_eq!(unreachable.status.code(), Some(1));
    assert_eq!(checks(&unreachable)["service"]["level"], "FAIL");
}

#[test]
fn a_locked_keyring_is_named_with_its_fix() {
    let out = in_own_keyring(
        "locked",
        &[
            ("TOKEN", "sbx:locked-keyring-token"),
            ("SECRET", "locked-secret"),
        ],
        &format!(
            "{STORE}\n\
             gdbus call --session --dest org.freedesktop.secrets \
               --object-path /org/freedesktop/secrets \
               --method org.freedesktop.Secret.Service.Lock \
               \"[objectpath '/org/freedesktop/secrets/collection/login']\" >/dev/null || exit 8\n\
             $KIOSKCTL credentials status; echo \"status-exit=$?\"\n\
             $KIOSKCTL doctor --json; echo \"doctor-exit=$?\""
        ),
    );
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(stdout.contains("status-exit=1"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("kioskctl: the system keychain is locked: unlock the login keyring"),
        "{stderr}"
    );
    assert!(stdout.contains("doctor-exit=1"), "{stdout}");
    let json_line = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("doctor printed JSON");
    let json: Value = serde_json::from_str(json_line).unwrap();
    let keychain = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "keychain")
        .unwrap();
    assert_eq!(keychain["level"], "FAIL");
    assert!(keychain["detail"].as_str().unwrap().contains("locked"));
    assert!(keychain["fix"].as_str().unwrap().contains("unlock"));
    assert!(!stdout.contains("locked-secret") && !stderr.contains("locked-secret"));
}

#[test]
fn without_a_keychain_the_doctor_fails_with_the_fix() {
    let out = Command::new(kioskctl())
        .args(["doctor"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env(
            "KIOSK_LOG_DIR",
            std::env::temp_dir().join("kiosk-doctor-nokeychain"),
        )
        .env("KIOSK_MODE", "training")
        .env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  keychain     the system keychain is not available"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: no Secret Service answered"),
        "{stdout}"
    );
    assert!(stdout.contains("not checked: the keychain cannot be read"));
    assert!(
        stdout.contains("WARN  mode         training: the kiosk verifies nobody for real"),
        "{stdout}"
    );
}
