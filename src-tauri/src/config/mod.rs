//! Typed settings with defaults.
//!
//! Everything the kiosk can be told lives here with its default, so that a
//! fresh machine runs sensibly (training mode, attendant profile) with no
//! configuration at all.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use specta::Type;

pub mod layer;
pub mod organisation;
mod resolve;

pub use layer::SettingsLayer;
pub use organisation::{OrganisationError, OrganisationFile};
pub use resolve::{Resolved, SettingSource};

/// The application identifier; also namespaces log folders and keychain entries.
pub const APP_IDENTIFIER: &str = "io.onboardkiosk.kiosk";

/// Who is operating the kiosk, which decides what the screens show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Staff at a counter, who may see staff-only details such as correlation ids.
    #[default]
    Attendant,
    /// A customer alone at a kiosk: large targets, idle timeout, admin area behind a PIN.
    SelfService,
    /// A field agent on a laptop: offline outbox on.
    Field,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attendant => "attendant",
            Self::SelfService => "self-service",
            Self::Field => "field",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "attendant" => Ok(Self::Attendant),
            "self_service" | "selfservice" | "kiosk" => Ok(Self::SelfService),
            "field" => Ok(Self::Field),
            other => Err(format!(
                "unknown profile '{other}': expected attendant, self-service or field"
            )),
        }
    }
}

/// Which camera the kiosk uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CameraChoice {
    /// A webcam if one is connected; in training mode the sample camera otherwise.
    #[default]
    Auto,
    /// The software sample camera (training and demonstrations).
    Sample,
    /// A connected webcam only.
    Webcam,
}

impl std::str::FromStr for CameraChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "sample" => Ok(Self::Sample),
            "webcam" => Ok(Self::Webcam),
            other => Err(format!(
                "unknown camera '{other}': expected auto, sample or webcam"
            )),
        }
    }
}

/// Whether the kiosk verifies real people or trains staff with a local stand-in.
///
/// A mode is chosen by a person, never fallen into: a fresh install is in
/// training, storing credentials makes it live, and only staff (behind the
/// PIN) or `KIOSK_MODE` set it back to training. A live kiosk that cannot use
/// the service is out of service; it never trains instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatingMode {
    /// A local stand-in for the verification service; nothing leaves the machine.
    Training,
    /// The real verification service with the credentials in the keychain.
    Live,
}

impl OperatingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Live => "live",
        }
    }
}

impl std::str::FromStr for OperatingMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "training" => Ok(Self::Training),
            "live" => Ok(Self::Live),
            other => Err(format!("unknown mode '{other}': expected training or live")),
        }
    }
}

/// Which of the verification service's accounts the kiosk uses; the
/// keychain keeps each one's credentials apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ServiceEnvironment {
    /// Test applicants; nothing is checked against real registers.
    #[default]
    Sandbox,
    /// Real applicants (release builds only).
    Production,
}

impl ServiceEnvironment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }
}

/// How log lines are written to the log files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for a log collector (Vector, Fluent Bit, Elastic Agent).
    Json,
}

/// Owner-only files from the first write: every file and folder this process
/// creates afterwards (data folder, outbox and its WAL, lists, logs) is
/// readable by this user alone (Unix 0700/0600). On Windows the per-user
/// folders the kiosk writes to are already private to the user.
pub fn private_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Creates `dir` (and its parents) readable by this user alone.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path` through a temporary file created owner-only, so a
/// crash never leaves half a file and nobody else can read it even briefly.
/// Each write has a temporary file of its own, so two processes writing the
/// same file at once each leave a whole one.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    private_temp(path, bytes)?
        .persist(path)
        .map(drop)
        .map_err(|e| e.error)
}

/// As [`write_private`], only when nothing is at `path` yet: `false` when
/// something already was (and is left as it was).
pub fn write_private_new(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<bool> {
    match private_temp(path, bytes)?.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

/// `bytes` in a new owner-only temporary file beside `path`, flushed to disk.
fn private_temp(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    create_private_dir(dir)?;
    // tempfile creates the file readable and writable by its owner alone.
    let mut file = tempfile::Builder::new()
        .prefix(".writing-")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// Where the kiosk keeps its files: `KIOSK_DATA_DIR`, else the user's local data folder.
pub fn data_dir() -> std::path::PathBuf {
    std::env::var_os("KIOSK_DATA_DIR")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            dirs::data_local_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join(APP_IDENTIFIER)
        })
}

/// This kiosk's id: generated once and kept in the data folder
/// (`kiosk-id`), so that a fleet's logs, `kioskctl doctor` and admin areas can
/// be told apart. Random (UUID v4): nothing about the machine or its place.
pub fn kiosk_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| read_or_make_id(&data_dir().join("kiosk-id")))
}

/// The id kept at `path`, or a new one written there.
pub fn read_or_make_id(path: &std::path::Path) -> String {
    let damaged = match std::fs::read_to_string(path) {
        Ok(text) => match uuid::Uuid::parse_str(text.trim()) {
            Ok(id) => return id.hyphenated().to_string(),
            Err(_) => true,
        },
        Err(_) => false,
    };
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    // A missing id is made by whichever process comes first (the kiosk and
    // `kioskctl` may start together); a damaged one is replaced.
    let written = if damaged {
        write_private(path, id.as_bytes()).map(|()| true)
    } else {
        write_private_new(path, id.as_bytes())
    };
    match written {
        Ok(true) => id,
        Ok(false) => std::fs::read_to_string(path)
            .ok()
            .and_then(|text| uuid::Uuid::parse_str(text.trim()).ok())
            .map_or(id, |kept| kept.hyphenated().to_string()),
        Err(e) => {
            tracing::warn!(
                "the kiosk's id could not be kept, so it changes at the next start: {e}"
            );
            id
        }
    }
}

/// What staff chose in the admin area, kept in `settings.json` (nothing secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredSettings {
    /// Training or live; absent on a fresh install (see [`OperatingMode`]).
    pub mode: Option<OperatingMode>,
    pub profile: Option<Profile>,
    pub level_name: Option<String>,
    /// When the connection to the service was last verified (RFC 3339), and the clock difference then.
    pub last_verified_at: Option<String>,
    pub last_skew_secs: Option<i64>,
}

impl StoredSettings {
    pub fn path() -> std::path::PathBuf {
        data_dir().join("settings.json")
    }

    /// The stored choices; a missing or unreadable file means none (reported, never fatal).
    pub fn read(path: &std::path::Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("{} ignored: {e}", path.display());
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Writes through a temporary file, so a crash never leaves half a file.
    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        write_private(
            path,
            &serde_json::to_vec_pretty(self).expect("settings serialise"),
        )
    }

    /// The choices as one layer of settings.
    pub fn layer(&self) -> SettingsLayer {
        SettingsLayer {
            mode: self.mode,
            profile: self.profile,
            level_name: self
                .level_name
                .as_ref()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty()),
            ..Default::default()
        }
    }

    /// Records the operating mode in the settings file at `path`, keeping the rest.
    pub fn set_mode(path: &std::path::Path, mode: OperatingMode) -> std::io::Result<()> {
        let mut stored = Self::read(path);
        stored.mode = Some(mode);
        stored.write(path)
    }
}

/// How long a session may wait in the outbox before it is deleted unsent.
pub const DEFAULT_RETENTION_DAYS: u32 = 7;

/// Settings with their defaults. What staff chose in the admin area
/// overrides them, the organisation's file overrides that, and environment
/// variables (`KIOSK_*`) override everything (see [`Settings::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `KIOSK_MODE`, else what is stored; `None` on a fresh install (the
    /// start decides: training unless credentials are stored).
    pub mode: Option<OperatingMode>,
    pub profile: Profile,
    /// The verification level applicants are created at.
    pub level_name: String,
    /// Seconds of inactivity before the kiosk warns that the session will be
    /// wiped; the warning then gives the person 20 more seconds.
    pub idle_timeout_secs: u32,
    pub camera: CameraChoice,
    /// The camera mode to ask for (width, height); unset: 1920×1080, then 1280×720.
    pub camera_resolution: Option<(u32, u32)>,
    /// The verification service (scheme and host).
    pub api_url: String,
    /// Which account's keychain entries the kiosk uses.
    pub environment: ServiceEnvironment,
    /// Where to take webhook deliveries (off unless set), e.g. `0.0.0.0:8787`.
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// Field kiosks: put every finished session in the outbox and send it from
    /// there, instead of sending at once (and queueing only when that fails).
    pub queue_first: bool,
    /// Send the camera's whole frame instead of the document cut out and
    /// de-warped (for a service configured to find the document itself).
    pub upload_full_frame: bool,
    /// Days a session may wait in the outbox before it is deleted unsent.
    pub outbox_retention_days: u32,
    /// Days a decided review is still read again now and then.
    pub follow_decided_days: u32,
    /// Training: seconds the stand-in's review takes once queued (3 unless
    /// set), so trainees can see the waiting screen as long as a real review.
    pub training_review_secs: Option<u32>,
    /// The log folder's size cap in MB.
    pub log_max_mb: u32,
    pub log_format: LogFormat,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: None,
            profile: Profile::Attendant,
            level_name: "id-and-liveness".to_owned(),
            idle_timeout_secs: 90,
            camera: CameraChoice::Auto,
            camera_resolution: None,
            api_url: "https://api.sumsub.com".to_owned(),
            environment: ServiceEnvironment::Sandbox,
            webhook_listen: None,
            queue_first: false,
            upload_full_frame: false,
            outbox_retention_days: DEFAULT_RETENTION_DAYS,
            follow_decided_days: 30,
            training_review_secs: None,
            log_max_mb: DEFAULT_LOG_MAX_MB,
            log_format: LogFormat::Text,
        }
    }
}

/// The log folder's cap in MB unless set.
pub const DEFAULT_LOG_MAX_MB: u32 = 50;
