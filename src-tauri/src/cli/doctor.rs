//! `kioskctl doctor`: what this kiosk needs, checked one line each, with a fix for each problem.

use std::time::Instant;

use serde::Serialize;

use crate::capture::webcam::Webcam;
use crate::capture::{choose_resolution, Camera};
use crate::config::{OperatingMode, OrganisationFile, Resolved, Settings, SettingsLayer};
use crate::credentials::{mask_token, ApiCredentials, Environment, Item, Keychain};
use crate::verification::{api, ApiError, Client};

use super::Failure;

#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The verification service's address (default: the kiosk's `api_url` setting).
    #[arg(long)]
    api_url: Option<String>,
}

/// One setting as the kiosk resolves it, and where it came from.
#[derive(Debug, Serialize)]
pub struct SettingLine {
    pub name: &'static str,
    pub value: String,
    pub source: &'static str,
}

/// The organisation's file: absent, in effect, or not valid (the kiosk then
/// stays out of service).
fn organisation_check(file: &OrganisationFile) -> Check {
    match file {
        OrganisationFile::Absent(path) => Check::ok(
            "organisation",
            format!("no file at {}: nothing is managed", path.display()),
        ),
        OrganisationFile::Loaded(path, layer) => {
            let keys = layer.set_keys();
            Check::ok(
                "organisation",
                if keys.is_empty() {
                    format!("{} sets nothing", path.display())
                } else {
                    format!("{} sets {}", path.display(), keys.join(", "))
                },
            )
        }
        OrganisationFile::Invalid(e) => Check::fail(
            "organisation",
            format!("not valid, so the kiosk stays out of service: {e}"),
            "correct the file (check it against kiosk.schema.json, on Linux in /usr/share/onboard-kiosk), then restart the kiosk",
        ),
    }
}

/// How the kiosk used its budget for reading recent applicants' reviews.
fn recheck_check() -> Check {
    let path = crate::review::recheck::RecheckUse::path();
    let Some(used) = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<crate::review::recheck::RecheckUse>(&b).ok())
    else {
        return Check::ok(
            "reviews",
            "no reads of recent applicants yet (the kiosk has not run)",
        );
    };
    let now = chrono::Utc::now();
    let mut used = used;
    used.forget_before(now);
    let budget = used.per_minute * 60;
    Check::ok(
        "reviews",
        format!(
            "{} reads in the last hour of a budget of {budget} ({} a minute); recent applicants: {} open, {} decided and still followed, {} settled",
            used.reads_last_hour.len(),
            used.per_minute,
            used.open,
            used.decided_followed,
            used.settled
        ),
    )
}

fn setting_lines(resolved: &Resolved) -> Vec<SettingLine> {
    SettingsLayer::KEYS
        .iter()
        .map(|k| SettingLine {
            name: k,
            value: resolved.value(k),
            source: resolved.sources[k].as_str(),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    pub detail: String,
    /// What to do about a WARN or FAIL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            level: Level::Ok,
            detail: detail.into(),
            fix: None,
        }
    }
    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            level: Level::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            level: Level::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Clock differences the service still accepts but that are worth fixing.
const SKEW_WARN_SECS: i64 = 10;

const ENTRIES: [Item; 4] = [
    Item::AppToken,
    Item::SecretKey,
    Item::WebhookSecret,
    Item::AdminPinHash,
];

/// What the keychain gave: the stored credentials, or why they could not be read.
type Stored = Result<Option<ApiCredentials>, ()>;

/// Which entries exist (never their values), and the stored credentials if both halves are there.
fn keychain_check() -> (Check, Stored) {
    let keychain = match Environment::configured() {
        Ok(env) => Keychain::new(env),
        Err(e) => {
            return (
                Check::fail(
                    "keychain",
                    e.to_string(),
                    "set KIOSK_ENVIRONMENT to sandbox or production",
                ),
                Err(()),
            )
        }
    };
    let mut stored = Vec::new();
    let mut missing = Vec::new();
    for item in ENTRIES {
        match keychain.contains(item) {
            Ok(true) => stored.push(item.name()),
            Ok(false) => missing.push(item.name()),
            Err(e) => {
                let fix = match &e {
                    crate::credentials::KeychainError::Locked { hint }
                    | crate::credentials::KeychainError::Unavailable { hint } => (*hint).to_owned(),
                    _ => "check the system keychain, then run kioskctl doctor again".to_owned(),
                };
                let what = e.to_string();
                let what = what.split(':').next().unwrap_or(&what).to_owned();
                return (Check::fail("keychain", what, fix), Err(()));
            }
        }
    }
    let list = |v: &[&str]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let detail = format!(
        "reachable ({} entries); stored: {}; not stored: {}",
        keychain.environment.as_str(),
        list(&stored),
        list(&missing)
    );
    let credentials = keychain.api_credentials().map_err(|_| ());
    (Check::ok("keychain", detail), credentials)
}

fn camera_check() -> Check {
    match Webcam.devices() {
        Ok(devices) if devices.is_empty() => Check::warn(
            "camera",
            "no camera found; the kiosk shows the sample camera in training mode",
            "connect a USB camera (1920×1080 or 1280×720), or import photos from files in the field profile",
        ),
        Ok(devices) => {
            let names: Vec<String> = devices
                .iter()
                .map(|d| {
                    let best = d
                        .resolutions
                        .first()
                        .map(|r| format!("{}×{}", r.width, r.height))
                        .unwrap_or_else(|| "no modes".into());
                    format!("{} (up to {best})", d.name)
                })
                .collect();
            let first = &devices[0];
            match choose_resolution(&first.resolutions) {
                Some((_, None)) => Check::ok("camera", names.join("; ")),
                Some((_, Some(warning))) => Check::warn(
                    "camera",
                    format!("{}: {warning}", names.join("; ")),
                    "use a camera with 1920×1080 or 1280×720 for readable documents",
                ),
                None => Check::fail(
                    "camera",
                    format!("{}: no usable picture mode", names.join("; ")),
                    "use another camera",
                ),
            }
        }
        Err(e) => Check::fail(
            "camera",
            format!("cameras cannot be listed: {e}"),
            "check that this user may use the camera (video group on Linux, privacy settings on macOS and Windows)",
        ),
    }
}

/// Service, credentials and clock: one signed harmless call.
async fn service_checks(api_url: &str, credentials: Stored) -> Vec<Check> {
    let credentials = match credentials {
        Ok(Some(c)) => c,
        Ok(None) => {
            return vec![Check::warn(
                "credentials",
                "none stored; the kiosk runs in training mode",
                "store them with `kioskctl credentials set --app-token TOKEN` or in the admin area",
            )]
        }
        Err(()) => {
            return vec![Check::warn(
                "credentials",
                "not checked: the keychain cannot be read",
                "fix the keychain first",
            )]
        }
    };
    let masked = mask_token(&credentials.app_token);
    let client = match Client::new(api_url, credentials) {
        Ok(c) => c,
        Err(e) => {
            return vec![Check::fail(
                "service",
                e.to_string(),
                "set KIOSK_API_URL to the service's https address",
            )]
        }
    };
    let started = Instant::now();
    let answer = client.verify_connection().await;
    let ms = started.elapsed().as_millis();
    match answer {
        Ok(skew) => {
            let clock = if skew.abs() <= SKEW_WARN_SECS {
                Check::ok("clock", format!("{skew:+} s from the service's clock"))
            } else {
                Check::warn(
                    "clock",
                    format!("{skew:+} s from the service's clock; requests fail beyond {} s", api::TIMESTAMP_WINDOW_SECS),
                    "turn on automatic time (NTP) on this computer",
                )
            };
            vec![
                Check::ok("service", format!("{api_url} answered in {ms} ms")),
                Check::ok("credentials", format!("{masked} accepted")),
                clock,
            ]
        }
        Err(e @ ApiError::Unreachable { .. }) => vec![Check::fail(
            "service",
            e.to_string(),
            "check the network, proxy and firewall for https to the service",
        )],
        Err(ApiError::ClockSkew { skew_secs }) => vec![
            Check::ok("service", format!("{api_url} answered in {ms} ms")),
            Check::fail(
                "clock",
                format!("{skew_secs:+} s from the service's clock; the service refuses requests beyond {} s", api::TIMESTAMP_WINDOW_SECS),
                "set the clock right: turn on automatic time (NTP)",
            ),
        ],
        Err(e @ (ApiError::SignatureMismatch { .. } | ApiError::Unauthorized { .. })) => vec![
            Check::ok("service", format!("{api_url} answered in {ms} ms")),
            Check::fail(
                "credentials",
                format!("{masked}: {e}"),
                "store the matching app token and secret key again (admin area or kioskctl credentials set)",
            ),
        ],
        Err(e) => vec![Check::fail(
            "service",
            e.to_string(),
            "try again later; if it persists, contact the service's support with the correlation id",
        )],
    }
}

fn logs_check() -> Check {
    let dir = crate::logging::log_dir();
    let probe = dir.join(".doctor-write-test");
    let writable = std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(&probe, b""))
        .and_then(|_| std::fs::remove_file(&probe));
    match writable {
        Ok(()) => {
            let used: u64 = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter_map(|e| e.metadata().ok())
                        .filter(|m| m.is_file())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
            Check::ok(
                "logs",
                format!(
                    "{} ({:.1} MB of its {:.0} MB cap)",
                    dir.display(),
                    mb(used),
                    mb(crate::logging::max_bytes())
                ),
            )
        }
        Err(e) => Check::fail(
            "logs",
            format!("{} is not writable: {e}", dir.display()),
            "give this user write access, or set KIOSK_LOG_DIR",
        ),
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let resolved = Settings::resolve();
    let settings = resolved.settings.clone();
    let mut checks = vec![
        Check::ok(
            "kiosk",
            format!(
                "id {}, profile {}, level {}",
                crate::config::kiosk_id(),
                settings.profile.as_str(),
                settings.level_name
            ),
        ),
        organisation_check(&resolved.organisation),
    ];
    for ignored in &resolved.ignored {
        checks.push(Check::warn(
            "settings",
            ignored.clone(),
            "correct or unset the variable",
        ));
    }
    let api_url = args.api_url.unwrap_or_else(|| settings.api_url.clone());
    let looked_at = settings.clone();
    let mode = tokio::task::spawn_blocking(move || crate::admin::decide_mode(&looked_at, false))
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    checks.push(match mode {
        OperatingMode::Live => {
            Check::ok("mode", "live: reviews come from the verification service")
        }
        OperatingMode::Training => Check::warn(
            "mode",
            "training: the kiosk verifies nobody for real; every result is simulated",
            "store the credentials (kioskctl credentials set) to make the kiosk live",
        ),
    });
    let (keychain, stored) = tokio::task::spawn_blocking(keychain_check)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    checks.push(keychain);
    checks.push(
        tokio::task::spawn_blocking(camera_check)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?,
    );
    let credentials = match ApiCredentials::from_env() {
        Some(c) => Ok(Some(c)),
        None => stored,
    };
    checks.extend(service_checks(&api_url, credentials).await);
    checks.push(recheck_check());
    checks.push(logs_check());

    let failed = checks.iter().any(|c| c.level == Level::Fail);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "ok": !failed,
                "kiosk_id": crate::config::kiosk_id(),
                "checks": checks,
                "settings": setting_lines(&resolved),
            })
        );
    } else {
        for c in &checks {
            let level = match c.level {
                Level::Ok => "OK",
                Level::Warn => "WARN",
                Level::Fail => "FAIL",
            };
            println!("{level:<5} {:<12} {}", c.name, c.detail);
            if let Some(fix) = &c.fix {
                println!("{:<18} fix: {fix}", "");
            }
        }
        println!("\nsettings (environment > organisation > admin area > default):");
        for line in setting_lines(&resolved) {
            println!("  {:<22} {:<26} {}", line.name, line.value, line.source);
        }
    }
    if failed {
        Err(Failure::Rejected)
    } else {
        Ok(())
    }
}
