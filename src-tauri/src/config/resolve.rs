//! Where each setting comes from: environment > organisation file > the
//! admin area's choice > default.

use std::collections::BTreeMap;

use serde::Serialize;
use specta::Type;

use super::layer::SettingsLayer;
use super::organisation::OrganisationFile;
use super::{Settings, StoredSettings};

/// Which source decided a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    Default,
    /// Staff's choice in the admin area (`settings.json`).
    AdminArea,
    /// The organisation's file (device management).
    Organisation,
    /// A `KIOSK_*` environment variable.
    Environment,
}

impl SettingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::AdminArea => "admin area",
            Self::Organisation => "organisation",
            Self::Environment => "environment",
        }
    }
}

/// The settings a kiosk runs with, and where each came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub settings: Settings,
    /// Every setting's name, with the source that decided it.
    pub sources: BTreeMap<&'static str, SettingSource>,
    pub organisation: OrganisationFile,
    /// Environment values that were not valid and were ignored.
    pub ignored: Vec<String>,
}

impl Resolved {
    /// The settings `source` decided.
    pub fn decided_by(&self, source: SettingSource) -> Vec<&'static str> {
        self.sources
            .iter()
            .filter(|(_, s)| **s == source)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The value of the setting `key`, as it would be written in the file.
    pub fn value(&self, key: &str) -> String {
        let s = &self.settings;
        let or_unset = |v: Option<String>| v.unwrap_or_else(|| "unset".to_owned());
        match key {
            "mode" => or_unset(s.mode.map(|m| m.as_str().to_owned())),
            "profile" => s.profile.as_str().to_owned(),
            "level_name" => s.level_name.clone(),
            "idle_timeout_secs" => s.idle_timeout_secs.to_string(),
            "camera" => format!("{:?}", s.camera).to_ascii_lowercase(),
            "camera_resolution" => or_unset(s.camera_resolution.map(|(w, h)| format!("{w}x{h}"))),
            "api_url" => s.api_url.clone(),
            "environment" => s.environment.as_str().to_owned(),
            "webhook_listen" => or_unset(s.webhook_listen.map(|a| a.to_string())),
            "queue_first" => s.queue_first.to_string(),
            "upload_full_frame" => s.upload_full_frame.to_string(),
            "outbox_retention_days" => s.outbox_retention_days.to_string(),
            "follow_decided_days" => s.follow_decided_days.to_string(),
            "training_review_secs" => or_unset(s.training_review_secs.map(|t| t.to_string())),
            "log_max_mb" => s.log_max_mb.to_string(),
            "log_format" => format!("{:?}", s.log_format).to_ascii_lowercase(),
            _ => "unknown".to_owned(),
        }
    }

    fn apply(&mut self, layer: &SettingsLayer, source: SettingSource) {
        let s = &mut self.settings;
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = layer.$field.clone() { Place::place(&mut s.$field, v); } )* };
        }
        super::layer::each_setting!(set);
        for key in layer.set_keys() {
            self.sources.insert(key, source);
        }
    }
}

/// A layer's value put into a setting: as it is, or as `Some` for a setting
/// that may be unset (such as the webhook listener).
trait Place<V> {
    fn place(&mut self, value: V);
}

impl<T> Place<T> for T {
    fn place(&mut self, value: T) {
        *self = value;
    }
}

impl<T> Place<T> for Option<T> {
    fn place(&mut self, value: T) {
        *self = Some(value);
    }
}

impl Settings {
    /// The settings this process runs with: the admin area's choices, the
    /// organisation's file (read once per process) and the environment.
    pub fn resolve() -> Resolved {
        Self::resolve_from(
            &StoredSettings::read(&StoredSettings::path()),
            OrganisationFile::current().clone(),
            |k| std::env::var(k).ok(),
        )
    }

    /// As [`Settings::resolve`], from the given sources. An organisation file
    /// that is not valid decides nothing (the caller refuses to serve).
    pub fn resolve_from(
        stored: &StoredSettings,
        organisation: OrganisationFile,
        get: impl Fn(&str) -> Option<String>,
    ) -> Resolved {
        let sources = SettingsLayer::KEYS
            .iter()
            .map(|k| (*k, SettingSource::Default))
            .collect();
        let (environment, ignored) = SettingsLayer::from_lookup(get);
        let mut resolved = Resolved {
            settings: Settings::default(),
            sources,
            organisation,
            ignored,
        };
        resolved.apply(&stored.layer(), SettingSource::AdminArea);
        if let Some(layer) = resolved.organisation.layer().cloned() {
            resolved.apply(&layer, SettingSource::Organisation);
        }
        resolved.apply(&environment, SettingSource::Environment);
        resolved
    }

    /// [`Settings::resolve`]'s settings; ignored environment values are logged.
    pub fn load() -> Self {
        let resolved = Self::resolve();
        for problem in &resolved.ignored {
            tracing::warn!("{problem}");
        }
        if let Some(e) = resolved.organisation.error() {
            tracing::error!("the organisation's settings file is not valid: {e}");
        }
        resolved.settings
    }

    /// Defaults and the environment alone.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let absent = OrganisationFile::Absent(std::path::PathBuf::new());
        Self::resolve_from(&StoredSettings::default(), absent, get).settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CameraChoice, LogFormat, OperatingMode, Profile};
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn organisation(text: &str) -> OrganisationFile {
        let path = Path::new("/etc/onboard-kiosk/kiosk.toml");
        match crate::config::organisation::parse(path, text.as_bytes()) {
            Ok(layer) => OrganisationFile::Loaded(path.to_path_buf(), layer),
            Err(e) => OrganisationFile::Invalid(e),
        }
    }

    fn absent() -> OrganisationFile {
        OrganisationFile::Absent(PathBuf::from("/nowhere/kiosk.toml"))
    }

    #[test]
    fn environment_beats_organisation_beats_admin_area_beats_default() {
        let stored = StoredSettings {
            mode: Some(OperatingMode::Live),
            profile: Some(Profile::Field),
            level_name: Some("staff-choice".into()),
            ..Default::default()
        };
        let org = organisation("profile = \"self_service\"\nidle_timeout_secs = 45\n");
        let r = Settings::resolve_from(&stored, org.clone(), lookup(&[]));
        assert_eq!(
            r.settings.profile,
            Profile::SelfService,
            "the organisation beats staff"
        );
        assert_eq!(
            r.settings.level_name, "staff-choice",
            "staff beat the default"
        );
        assert_eq!(r.settings.idle_timeout_secs, 45);
        assert_eq!(r.settings.mode, Some(OperatingMode::Live));
        assert_eq!(r.settings.camera, CameraChoice::Auto, "the default");
        assert_eq!(r.sources["profile"], SettingSource::Organisation);
        assert_eq!(r.sources["level_name"], SettingSource::AdminArea);
        assert_eq!(r.sources["camera"], SettingSource::Default);
        assert_eq!(
            r.decided_by(SettingSource::Organisation),
            ["idle_timeout_secs", "profile"]
        );

        let r = Settings::resolve_from(
            &stored,
            org,
            lookup(&[
                ("KIOSK_PROFILE", "attendant"),
                ("KIOSK_IDLE_TIMEOUT_SECS", "5"),
            ]),
        );
        assert_eq!(
            r.settings.profile,
            Profile::Attendant,
            "the environment beats all"
        );
        assert_eq!(r.sources["profile"], SettingSource::Environment);
        assert_eq!(
            r.settings.idle_timeout_secs, 45,
            "an invalid value is ignored"
        );
        assert_eq!(r.ignored.len(), 1, "{:?}", r.ignored);
        assert!(
            r.ignored[0].starts_with(
                "KIOSK_IDLE_TIMEOUT_SECS ignored: expected whole seconds from 10 to 3600"
            ),
            "{:?}",
            r.ignored
        );
    }

    #[test]
    fn an_invalid_organisation_file_decides_nothing() {
        let org = organisation("profile = \"self_service\"\nidle_timeout_secs = 5\n");
        assert!(org.error().is_some());
        let r = Settings::resolve_from(&StoredSettings::default(), org, lookup(&[]));
        assert!(r.decided_by(SettingSource::Organisation).is_empty());
        assert!(
            r.organisation.error().is_some(),
            "kept for the caller to refuse"
        );
    }

    #[test]
    fn every_setting_has_a_source_and_an_environment_variable() {
        let all: Vec<(&str, &str)> = vec![
            ("KIOSK_MODE", "training"),
            ("KIOSK_PROFILE", "self-service"),
            ("KIOSK_LEVEL_NAME", "  kyc-poa "),
            ("KIOSK_IDLE_TIMEOUT_SECS", "30"),
            ("KIOSK_CAMERA", "webcam"),
            ("KIOSK_CAMERA_RESOLUTION", "1280x720"),
            ("KIOSK_API_URL", "http://127.0.0.1:9000/"),
            ("KIOSK_ENVIRONMENT", "production"),
            ("KIOSK_WEBHOOK_LISTEN", "127.0.0.1:8787"),
            ("KIOSK_QUEUE_FIRST", "yes"),
            ("KIOSK_UPLOAD_FULL_FRAME", "1"),
            ("KIOSK_OUTBOX_RETENTION_DAYS", "30"),
            ("KIOSK_FOLLOW_DECIDED_DAYS", "60"),
            ("KIOSK_TRAINING_REVIEW_SECS", "120"),
            ("KIOSK_LOG_MAX_MB", "200"),
            ("KIOSK_LOG_FORMAT", "json"),
        ];
        let r = Settings::resolve_from(&StoredSettings::default(), absent(), lookup(&all));
        assert!(r.ignored.is_empty(), "{:?}", r.ignored);
        assert_eq!(r.sources.len(), SettingsLayer::KEYS.len());
        assert_eq!(
            r.decided_by(SettingSource::Environment).len(),
            all.len(),
            "each variable sets one setting"
        );
        let s = &r.settings;
        assert_eq!(s.mode, Some(OperatingMode::Training));
        assert_eq!(s.profile, Profile::SelfService);
        assert_eq!(s.level_name, "kyc-poa");
        assert_eq!(s.idle_timeout_secs, 30);
        assert_eq!(s.camera_resolution, Some((1280, 720)));
        assert_eq!(s.api_url, "http://127.0.0.1:9000");
        assert!(s.queue_first && s.upload_full_frame);
        assert_eq!(
            (s.outbox_retention_days, s.training_review_secs),
            (30, Some(120))
        );
        assert_eq!((s.log_max_mb, s.log_format), (200, LogFormat::Json));
        // Each value reads back as it was given (as in the file).
        let shown: Vec<String> = SettingsLayer::KEYS.iter().map(|k| r.value(k)).collect();
        assert_eq!(
            shown,
            [
                "training",
                "self-service",
                "kyc-poa",
                "30",
                "webcam",
                "1280x720",
                "http://127.0.0.1:9000",
                "production",
                "127.0.0.1:8787",
                "true",
                "true",
                "30",
                "60",
                "120",
                "200",
                "json"
            ]
        );
    }

    #[test]
    fn invalid_environment_values_are_ignored_one_by_one() {
        let s = |pairs: &[(&str, &str)]| Settings::from_lookup(lookup(pairs));
        assert_eq!(s(&[]), Settings::default());
        assert_eq!(
            s(&[("KIOSK_CAMERA_RESOLUTION", "big")]).camera_resolution,
            None
        );
        assert_eq!(s(&[("KIOSK_PROFILE", "admin")]).profile, Profile::Attendant);
        assert_eq!(s(&[("KIOSK_MODE", "demo")]).mode, None);
        assert_eq!(
            s(&[("KIOSK_TRAINING_REVIEW_SECS", "0")]).training_review_secs,
            None
        );
        assert_eq!(
            s(&[("KIOSK_TRAINING_REVIEW_SECS", "901")]).training_review_secs,
            None
        );
        assert_eq!(
            s(&[("KIOSK_TRAINING_REVIEW_SECS", "soon")]).training_review_secs,
            None
        );
        assert!(!s(&[("KIOSK_QUEUE_FIRST", "maybe")]).queue_first);
        assert_eq!(s(&[("KIOSK_LOG_MAX_MB", "1")]).log_max_mb, 50);
        let mixed = s(&[("KIOSK_PROFILE", "field"), ("KIOSK_CAMERA", "x")]);
        assert_eq!(
            (mixed.profile, mixed.camera),
            (Profile::Field, CameraChoice::Auto),
            "one bad value spoils no other"
        );
    }

    #[test]
    fn the_kiosk_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk-id");
        let first = crate::config::read_or_make_id(&path);
        assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
        assert_eq!(crate::config::read_or_make_id(&path), first, "kept");
        std::fs::write(&path, "garbage").unwrap();
        let second = crate::config::read_or_make_id(&path);
        assert_ne!(second, first, "a damaged id is replaced");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), second);
    }

    #[test]
    fn processes_starting_together_agree_on_one_kiosk_id() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kiosk-id");
            let start = std::sync::Barrier::new(8);
            let ids: Vec<String> = std::thread::scope(|s| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            crate::config::read_or_make_id(&path)
                        })
                    })
                    .collect();
                racers.into_iter().map(|r| r.join().unwrap()).collect()
            });
            assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), ids[0]);
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert_eq!(left.len(), 1, "no temporary files are left behind");
        }
    }

    #[test]
    fn stored_choices_round_trip_owner_only_and_survive_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let stored = StoredSettings {
            profile: Some(Profile::SelfService),
            level_name: Some("kyc-poa".into()),
            ..Default::default()
        };
        stored.write(&path).unwrap();
        assert_eq!(StoredSettings::read(&path), stored);
        StoredSettings::set_mode(&path, OperatingMode::Live).unwrap();
        let read = StoredSettings::read(&path);
        assert_eq!(
            (read.profile, read.mode),
            (Some(Profile::SelfService), Some(OperatingMode::Live)),
            "the rest is kept"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "settings.json is owner-only");
        }
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(StoredSettings::read(&path), StoredSettings::default());
    }
}
