//! Typed settings with defaults.
//!
//! Everything the kiosk can be told lives here with its default, so that a
//! fresh machine runs sensibly (training mode, attendant profile) with no
//! configuration at all.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The application identifier; also namespaces log folders and keychain entries.
pub const APP_IDENTIFIER: &str = "io.onboardkiosk.kiosk";

/// Who is operating the kiosk, which decides what the screens show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
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
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(tmp, path)
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

    /// Records the operating mode in the settings file at `path`, keeping the rest.
    pub fn set_mode(path: &std::path::Path, mode: OperatingMode) -> std::io::Result<()> {
        let mut stored = Self::read(path);
        stored.mode = Some(mode);
        stored.write(path)
    }
}

/// How long a session may wait in the outbox before it is deleted unsent.
pub const DEFAULT_RETENTION_DAYS: u32 = 7;

/// Settings with their defaults. What staff stored in the admin area overrides
/// them, and environment variables (`KIOSK_*`) override both.
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
    /// The verification service (scheme and host).
    pub api_url: String,
    /// Where to take webhook deliveries (off unless set), e.g. `0.0.0.0:8787`.
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// The camera mode to ask for (width, height); unset: 1920×1080, then 1280×720.
    pub camera_resolution: Option<(u32, u32)>,
    /// Field kiosks: put every finished session in the outbox and send it from
    /// there, instead of sending at once (and queueing only when that fails).
    pub queue_first: bool,
    /// Days a session may wait in the outbox before it is deleted unsent.
    pub outbox_retention_days: u32,
    /// Training: seconds the stand-in's review takes once queued (3 unless
    /// set), so trainees can see the waiting screen as long as a real review.
    pub training_review_secs: Option<u32>,
    /// Send the camera's whole frame instead of the document cut out and
    /// de-warped (for a service configured to find the document itself).
    pub upload_full_frame: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: None,
            profile: Profile::Attendant,
            level_name: "id-and-liveness".to_owned(),
            idle_timeout_secs: 90,
            camera: CameraChoice::Auto,
            api_url: "https://api.sumsub.com".to_owned(),
            webhook_listen: None,
            camera_resolution: None,
            queue_first: false,
            outbox_retention_days: DEFAULT_RETENTION_DAYS,
            training_review_secs: None,
            upload_full_frame: false,
        }
    }
}

impl Settings {
    /// Defaults, overridden by `KIOSK_PROFILE`, `KIOSK_LEVEL_NAME` and
    /// `KIOSK_IDLE_TIMEOUT_SECS` where they are set and valid. An invalid value
    /// is reported and ignored rather than stopping the kiosk.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Defaults, then the admin area's stored choices, then the environment.
    pub fn load() -> Self {
        let stored = StoredSettings::read(&StoredSettings::path());
        Self::from_lookup_over(Self::default().with_stored(&stored), |k| {
            std::env::var(k).ok()
        })
    }

    pub fn with_stored(mut self, stored: &StoredSettings) -> Self {
        if stored.mode.is_some() {
            self.mode = stored.mode;
        }
        if let Some(p) = stored.profile {
            self.profile = p;
        }
        if let Some(l) = stored.level_name.as_ref().filter(|l| !l.trim().is_empty()) {
            self.level_name = l.trim().to_owned();
        }
        self
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self::from_lookup_over(Self::default(), get)
    }

    pub fn from_lookup_over(base: Self, get: impl Fn(&str) -> Option<String>) -> Self {
        let mut s = base;
        if let Some(m) = get("KIOSK_MODE").filter(|m| !m.trim().is_empty()) {
            match m.parse() {
                Ok(m) => s.mode = Some(m),
                Err(e) => tracing::warn!("KIOSK_MODE ignored: {e}"),
            }
        }
        if let Some(p) = get("KIOSK_PROFILE") {
            match p.parse() {
                Ok(p) => s.profile = p,
                Err(e) => tracing::warn!("KIOSK_PROFILE ignored: {e}"),
            }
        }
        if let Some(level) = get("KIOSK_LEVEL_NAME").filter(|l| !l.trim().is_empty()) {
            s.level_name = level.trim().to_owned();
        }
        if let Some(t) = get("KIOSK_IDLE_TIMEOUT_SECS") {
            match t.trim().parse::<u32>() {
                Ok(v) if v >= 10 => s.idle_timeout_secs = v,
                _ => tracing::warn!(
                    "KIOSK_IDLE_TIMEOUT_SECS ignored: expected whole seconds, at least 10"
                ),
            }
        }
        if let Some(c) = get("KIOSK_CAMERA") {
            match c.parse() {
                Ok(c) => s.camera = c,
                Err(e) => tracing::warn!("KIOSK_CAMERA ignored: {e}"),
            }
        }
        if let Some(addr) = get("KIOSK_WEBHOOK_LISTEN").filter(|a| !a.trim().is_empty()) {
            match addr.trim().parse() {
                Ok(a) => s.webhook_listen = Some(a),
                Err(_) => tracing::warn!(
                    "KIOSK_WEBHOOK_LISTEN ignored: expected an address such as 0.0.0.0:8787"
                ),
            }
        }
        if let Some(r) = get("KIOSK_CAMERA_RESOLUTION").filter(|r| !r.trim().is_empty()) {
            let parsed = r
                .trim()
                .split_once(['x', '×'])
                .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
                .filter(|(w, h): &(u32, u32)| *w > 0 && *h > 0);
            match parsed {
                Some(wh) => s.camera_resolution = Some(wh),
                None => tracing::warn!(
                    "KIOSK_CAMERA_RESOLUTION ignored: expected WIDTHxHEIGHT, e.g. 1280x720"
                ),
            }
        }
        if let Some(q) = get("KIOSK_QUEUE_FIRST").filter(|q| !q.trim().is_empty()) {
            match q.trim() {
                "1" | "true" | "yes" => s.queue_first = true,
                "0" | "false" | "no" => s.queue_first = false,
                _ => tracing::warn!("KIOSK_QUEUE_FIRST ignored: expected true or false"),
            }
        }
        if let Some(f) = get("KIOSK_UPLOAD_FULL_FRAME").filter(|f| !f.trim().is_empty()) {
            match f.trim() {
                "1" | "true" | "yes" => s.upload_full_frame = true,
                "0" | "false" | "no" => s.upload_full_frame = false,
                _ => tracing::warn!("KIOSK_UPLOAD_FULL_FRAME ignored: expected true or false"),
            }
        }
        if let Some(d) = get("KIOSK_OUTBOX_RETENTION_DAYS") {
            match d.trim().parse::<u32>() {
                Ok(v) if (1..=90).contains(&v) => s.outbox_retention_days = v,
                _ => tracing::warn!(
                    "KIOSK_OUTBOX_RETENTION_DAYS ignored: expected whole days from 1 to 90"
                ),
            }
        }
        if let Some(t) = get("KIOSK_TRAINING_REVIEW_SECS").filter(|t| !t.trim().is_empty()) {
            match t.trim().parse::<u32>() {
                Ok(v) if (1..=900).contains(&v) => s.training_review_secs = Some(v),
                _ => tracing::warn!(
                    "KIOSK_TRAINING_REVIEW_SECS ignored: expected whole seconds from 1 to 900"
                ),
            }
        }
        if let Some(url) = get("KIOSK_API_URL").filter(|u| !u.trim().is_empty()) {
            s.api_url = url.trim().to_owned();
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn stored_choices_override_defaults_and_the_environment_overrides_both() {
        let dir_folder = tempfile::Builder::new()
            .prefix("kiosk-settings-")
            .tempdir()
            .expect("a temporary folder");
        let dir = dir_folder.path().to_path_buf();
        let path = dir.join("settings.json");
        let stored = StoredSettings {
            profile: Some(Profile::SelfService),
            level_name: Some("kyc-poa".into()),
            ..Default::default()
        };
        stored.write(&path).unwrap();
        let read = StoredSettings::read(&path);
        assert_eq!(read, stored);
        let s = Settings::from_lookup_over(Settings::default().with_stored(&read), lookup(&[]));
        assert_eq!(
            (s.profile, s.level_name.as_str()),
            (Profile::SelfService, "kyc-poa")
        );
        let s = Settings::from_lookup_over(
            Settings::default().with_stored(&read),
            lookup(&[("KIOSK_PROFILE", "field")]),
        );
        assert_eq!(s.mode, None, "a fresh install has no mode yet");
        StoredSettings::set_mode(&path, OperatingMode::Live).unwrap();
        let read = StoredSettings::read(&path);
        assert_eq!(read.profile, Some(Profile::SelfService), "the rest is kept");
        let s = Settings::from_lookup_over(Settings::default().with_stored(&read), lookup(&[]));
        assert_eq!(s.mode, Some(OperatingMode::Live));
        let s = Settings::from_lookup_over(
            Settings::default().with_stored(&read),
            lookup(&[("KIOSK_MODE", "training")]),
        );
        assert_eq!(s.mode, Some(OperatingMode::Training), "KIOSK_MODE wins");
        let s = Settings::from_lookup_over(
            Settings::default().with_stored(&read),
            lookup(&[("KIOSK_MODE", "demo")]),
        );
        assert_eq!(
            s.mode,
            Some(OperatingMode::Live),
            "an invalid KIOSK_MODE is ignored"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "settings.json is owner-only");
        }
        let s = Settings::from_lookup_over(
            Settings::default().with_stored(&read),
            lookup(&[("KIOSK_PROFILE", "field")]),
        );
        assert_eq!(
            (s.profile, s.level_name.as_str()),
            (Profile::Field, "kyc-poa")
        );
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(StoredSettings::read(&path), StoredSettings::default());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn defaults_apply_without_environment() {
        assert_eq!(Settings::from_lookup(lookup(&[])), Settings::default());
        assert_eq!(Settings::default().profile, Profile::Attendant);
    }

    #[test]
    fn environment_overrides_valid_values_only() {
        let s = Settings::from_lookup(lookup(&[
            ("KIOSK_PROFILE", "self-service"),
            ("KIOSK_LEVEL_NAME", "  kyc-poa "),
            ("KIOSK_IDLE_TIMEOUT_SECS", "5"),
            ("KIOSK_CAMERA", "webcam"),
            ("KIOSK_CAMERA_RESOLUTION", "1280x720"),
        ]));
        assert_eq!(s.profile, Profile::SelfService);
        assert_eq!(s.level_name, "kyc-poa");
        assert_eq!(s.idle_timeout_secs, Settings::default().idle_timeout_secs);
        assert_eq!(s.camera, CameraChoice::Webcam);
        assert_eq!(s.camera_resolution, Some((1280, 720)));
        let bad = Settings::from_lookup(lookup(&[("KIOSK_CAMERA_RESOLUTION", "big")]));
        assert_eq!(bad.camera_resolution, None);
        let bad = Settings::from_lookup(lookup(&[("KIOSK_PROFILE", "admin")]));
        assert_eq!(bad.profile, Profile::Attendant);
        let review = |v: &str| {
            Settings::from_lookup(lookup(&[("KIOSK_TRAINING_REVIEW_SECS", v)])).training_review_secs
        };
        assert_eq!(review("120"), Some(120));
        assert_eq!(review("0"), None, "a review takes at least a second");
        assert_eq!(review("901"), None, "at most 15 minutes");
        assert_eq!(review("soon"), None);
    }
}
