//! The organisation's settings file, which device management writes:
//! Linux `/etc/onboard-kiosk/kiosk.toml`, Windows
//! `%ProgramData%\Onboard Kiosk\kiosk.toml`, macOS
//! `/Library/Application Support/Onboard Kiosk/kiosk.toml`.
//!
//! A file that is not valid is never half used: the kiosk stays out of
//! service and says which file, line and setting are wrong.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::layer::SettingsLayer;

/// Points the kiosk at another organisation file (tests, a staging machine).
pub const FILE_VARIABLE: &str = "KIOSK_ORGANISATION_FILE";

/// Where device management puts the file on this platform.
pub fn default_path() -> PathBuf {
    if cfg!(target_os = "windows") {
        let program_data = std::env::var_os("ProgramData")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        program_data.join("Onboard Kiosk").join("kiosk.toml")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/Onboard Kiosk/kiosk.toml")
    } else {
        PathBuf::from("/etc/onboard-kiosk/kiosk.toml")
    }
}

/// The file this kiosk reads: `KIOSK_ORGANISATION_FILE`, else [`default_path`].
pub fn path() -> PathBuf {
    std::env::var_os(FILE_VARIABLE)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(default_path)
}

/// What is wrong with the organisation's file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default(), key.as_ref().map(|k| format!(", setting '{k}'")).unwrap_or_default())]
pub struct OrganisationError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

/// The organisation's file as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationFile {
    /// No file: nothing is managed.
    Absent(PathBuf),
    Loaded(PathBuf, SettingsLayer),
    Invalid(OrganisationError),
}

impl OrganisationFile {
    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => match parse(path, &bytes) {
                Ok(layer) => Self::Loaded(path.to_path_buf(), layer),
                Err(e) => Self::Invalid(e),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::Absent(path.to_path_buf()),
            Err(e) => Self::Invalid(OrganisationError {
                path: path.to_path_buf(),
                line: None,
                key: None,
                message: format!("cannot be read: {e}"),
            }),
        }
    }

    /// The file this process read at its first use (read once: a kiosk runs
    /// with the settings it started with).
    pub fn current() -> &'static Self {
        static CURRENT: OnceLock<OrganisationFile> = OnceLock::new();
        CURRENT.get_or_init(|| Self::read(&path()))
    }

    pub fn path(&self) -> &Path {
        match self {
            Self::Absent(p) | Self::Loaded(p, _) => p,
            Self::Invalid(e) => &e.path,
        }
    }

    /// The settings it sets (none when absent or invalid).
    pub fn layer(&self) -> Option<&SettingsLayer> {
        match self {
            Self::Loaded(_, layer) => Some(layer),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&OrganisationError> {
        match self {
            Self::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// Settings that must never be written into a file.
const SECRETS: [&str; 4] = ["app_token", "secret_key", "webhook_secret", "admin_pin"];

/// Parses the file's text; an error names the line and the setting.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<SettingsLayer, OrganisationError> {
    let fail = |line: Option<usize>, key: Option<String>, message: String| OrganisationError {
        path: path.to_path_buf(),
        line,
        key,
        message,
    };
    let text =
        std::str::from_utf8(bytes).map_err(|_| fail(None, None, "is not UTF-8 text".to_owned()))?;
    toml::from_str::<SettingsLayer>(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        let message = e.message().trim().to_owned();
        let unknown = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        let key = unknown
            .clone()
            .or_else(|| line.and_then(|l| key_on_line(text, l)));
        let message = match &unknown {
            Some(k) if SECRETS.contains(&k.to_ascii_lowercase().as_str()) => {
                "secrets are never read from this file: store them in the keychain (kioskctl credentials set)".to_owned()
            }
            Some(_) => format!(
                "not a setting of Onboard Kiosk; the settings are: {}",
                SettingsLayer::KEYS.join(", ")
            ),
            None => message
                .replace("expected u32", "expected a whole number")
                .replace("expected a boolean", "expected true or false"),
        };
        fail(line, key, message)
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The key a `key = value` line sets.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let (key, _) = text.lines().nth(line - 1)?.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{OperatingMode, Profile};

    fn parse_text(text: &str) -> Result<SettingsLayer, OrganisationError> {
        parse(Path::new("/etc/onboard-kiosk/kiosk.toml"), text.as_bytes())
    }

    #[test]
    fn a_valid_file_sets_what_it_names_and_nothing_else() {
        let layer = parse_text(
            "# pushed by IT\nprofile = \"self_service\"\nmode = \"live\"\nidle_timeout_secs = 120\ncamera_resolution = \"1280x720\"\nwebhook_listen = \"127.0.0.1:8787\"\nqueue_first = false\n",
        )
        .expect("a valid file");
        assert_eq!(layer.profile, Some(Profile::SelfService));
        assert_eq!(layer.mode, Some(OperatingMode::Live));
        assert_eq!(layer.idle_timeout_secs, Some(120));
        assert_eq!(layer.camera_resolution, Some((1280, 720)));
        assert_eq!(layer.queue_first, Some(false));
        assert_eq!(layer.level_name, None);
        assert_eq!(
            layer.set_keys(),
            [
                "mode",
                "profile",
                "idle_timeout_secs",
                "camera_resolution",
                "webhook_listen",
                "queue_first"
            ]
        );
        assert_eq!(parse_text("").unwrap(), SettingsLayer::default());
    }

    #[test]
    fn an_invalid_file_names_the_line_and_the_setting() {
        let cases = [
            // out of range
            (
                "profile = \"field\"\n\nidle_timeout_secs = 5\n",
                3,
                "idle_timeout_secs",
                "from 10 to 3600",
            ),
            // wrong type
            (
                "outbox_retention_days = \"seven\"\n",
                1,
                "outbox_retention_days",
                "expected a whole number",
            ),
            // unknown key
            (
                "profile = \"field\"\nprofil = \"attendant\"\n",
                2,
                "profil",
                "not a setting",
            ),
            // not one of the choices
            ("mode = \"demo\"\n", 1, "mode", "training"),
            ("log_format = \"xml\"\n", 1, "log_format", "json"),
            (
                "api_url = \"ftp://example.com\"\n",
                1,
                "api_url",
                "https://",
            ),
            (
                "camera_resolution = \"big\"\n",
                1,
                "camera_resolution",
                "WIDTHxHEIGHT",
            ),
        ];
        for (text, line, key, says) in cases {
            let e = parse_text(text).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert_eq!(e.key.as_deref(), Some(key), "{text}: {e}");
            assert!(e.message.contains(says), "{text}: {e}");
            let shown = e.to_string();
            assert!(
                shown.starts_with(&format!(
                    "/etc/onboard-kiosk/kiosk.toml, line {line}, setting '{key}': "
                )),
                "{shown}"
            );
        }
    }

    #[test]
    fn a_secret_in_the_file_is_refused_without_repeating_it() {
        let e = parse_text("profile = \"field\"\nsecret_key = \"s3cr3t-value\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("secret_key")));
        assert!(e.message.contains("keychain"), "{e}");
        assert!(!e.to_string().contains("s3cr3t-value"), "{e}");
    }

    #[test]
    fn an_absent_file_manages_nothing_and_an_unreadable_one_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("kiosk.toml");
        assert_eq!(
            OrganisationFile::read(&missing),
            OrganisationFile::Absent(missing.clone())
        );
        std::fs::write(&missing, [0xff, 0xfe, 0x00]).unwrap();
        let read = OrganisationFile::read(&missing);
        assert!(
            read.error().is_some_and(|e| e.message.contains("UTF-8")),
            "{read:?}"
        );
        std::fs::write(&missing, "level_name = \"kyc-basic\"\n").unwrap();
        let read = OrganisationFile::read(&missing);
        assert_eq!(
            read.layer().and_then(|l| l.level_name.as_deref()),
            Some("kyc-basic")
        );
    }
}
