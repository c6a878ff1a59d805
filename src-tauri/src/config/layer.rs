//! One source of settings — the organisation's file or the environment —
//! with every value optional, and each checked the same way whichever
//! source it comes from.

use std::net::SocketAddr;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::{CameraChoice, LogFormat, OperatingMode, Profile, ServiceEnvironment};

/// Settings of Onboard Kiosk that an organisation pushes to its kiosks
/// (`kiosk.toml`), or that are set in the environment (`KIOSK_` and the name
/// in capitals). Every one is optional: what is not set comes from the admin
/// area's choice or the default. Secrets never go here: they live in the
/// system keychain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Onboard Kiosk settings")]
pub struct SettingsLayer {
    /// `training` (a local stand-in for the verification service; nobody is
    /// verified for real) or `live` (the verification service, with the
    /// credentials stored in the keychain).
    pub mode: Option<OperatingMode>,
    /// Who operates the kiosk: `attendant`, `self_service` or `field`.
    pub profile: Option<Profile>,
    /// The verification level applicants are created at, as set up at the
    /// verification service.
    #[serde(default, deserialize_with = "level_name")]
    #[schemars(length(min = 1, max = 100), regex(pattern = r"^[A-Za-z0-9_. -]+$"))]
    pub level_name: Option<String>,
    /// Seconds of inactivity before the kiosk warns that the session will be
    /// wiped (20 seconds later).
    #[serde(default, deserialize_with = "idle_timeout_secs")]
    #[schemars(range(min = 10, max = 3600))]
    pub idle_timeout_secs: Option<u32>,
    /// `auto` (a webcam if one is connected), `webcam`, or `sample` (the
    /// software camera, for training and demonstrations).
    pub camera: Option<CameraChoice>,
    /// The camera mode to ask for, `WIDTHxHEIGHT` (e.g. `1280x720`); unset:
    /// 1920×1080 if offered, else 1280×720.
    #[serde(default, deserialize_with = "camera_resolution")]
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")
    )]
    pub camera_resolution: Option<(u32, u32)>,
    /// The verification service, `https://` and its host.
    #[serde(default, deserialize_with = "api_url")]
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub api_url: Option<String>,
    /// Which account's credentials the kiosk uses: `sandbox` or `production`.
    pub environment: Option<ServiceEnvironment>,
    /// Where to take the verification service's webhooks, e.g. `127.0.0.1:8787`.
    #[schemars(with = "Option<String>")]
    pub webhook_listen: Option<SocketAddr>,
    /// Field kiosks: put every finished session in the outbox and send it from there.
    #[serde(default, deserialize_with = "flag")]
    pub queue_first: Option<bool>,
    /// Send the camera's whole frame of a document instead of the document
    /// cut out and de-warped.
    #[serde(default, deserialize_with = "flag")]
    pub upload_full_frame: Option<bool>,
    /// Days a session may wait in the outbox before it is deleted unsent.
    #[serde(default, deserialize_with = "outbox_retention_days")]
    #[schemars(range(min = 1, max = 90))]
    pub outbox_retention_days: Option<u32>,
    /// Days a decided review is still read again now and then (so that a
    /// later rejection of an approval reaches staff); after that, never.
    #[serde(default, deserialize_with = "follow_decided_days")]
    #[schemars(range(min = 1, max = 365))]
    pub follow_decided_days: Option<u32>,
    /// Training: seconds the stand-in's review takes once queued.
    #[serde(default, deserialize_with = "training_review_secs")]
    #[schemars(range(min = 1, max = 900))]
    pub training_review_secs: Option<u32>,
    /// The log folder's size cap in MB; the oldest files are deleted first.
    #[serde(default, deserialize_with = "log_max_mb")]
    #[schemars(range(min = 5, max = 10000))]
    pub log_max_mb: Option<u32>,
    /// `text` (one readable line per event) or `json` (one JSON object per
    /// line, for a log collector).
    pub log_format: Option<LogFormat>,
}

/// Calls `$m!` with the name of every setting.
macro_rules! each_setting {
    ($m:ident) => {
        $m!(
            mode,
            profile,
            level_name,
            idle_timeout_secs,
            camera,
            camera_resolution,
            api_url,
            environment,
            webhook_listen,
            queue_first,
            upload_full_frame,
            outbox_retention_days,
            follow_decided_days,
            training_review_secs,
            log_max_mb,
            log_format
        )
    };
}

pub(crate) use each_setting;

macro_rules! names {
    ($($field:ident),*) => { &[$(stringify!($field)),*] };
}

impl SettingsLayer {
    /// The names of the settings, as in the file (`KIOSK_` and the name in
    /// capitals in the environment).
    pub const KEYS: &'static [&'static str] = each_setting!(names);

    /// The names of the settings this layer sets.
    pub fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        macro_rules! collect {
            ($($field:ident),*) => { $( if self.$field.is_some() { keys.push(stringify!($field)); } )* };
        }
        each_setting!(collect);
        keys
    }

    /// The settings set in the environment (`KIOSK_PROFILE`, …). A value that
    /// is not valid is left out, and what is wrong with it is returned.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut layer = Self::default();
        let mut problems = Vec::new();
        for key in Self::KEYS {
            let name = format!("KIOSK_{}", key.to_ascii_uppercase());
            let Some(value) = get(&name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let mut value = value.trim().to_owned();
            if *key == "profile" {
                // `self-service`, as written elsewhere, is the file's `self_service`.
                value = value.replace('-', "_");
            }
            let one = std::iter::once((name.clone(), value));
            match envy::prefixed("KIOSK_").from_iter::<_, Self>(one) {
                Ok(parsed) => layer.take(parsed),
                Err(e) => problems.push(format!("{name} ignored: {}", env_message(e))),
            }
        }
        (layer, problems)
    }

    /// Takes every setting `other` sets.
    fn take(&mut self, other: Self) {
        macro_rules! take {
            ($($field:ident),*) => { $( if other.$field.is_some() { self.$field = other.$field; } )* };
        }
        each_setting!(take);
    }

    /// The JSON Schema of the organisation's file, for device-management
    /// tools to check a file before pushing it.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(SettingsLayer);
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
        text.push('\n');
        text
    }
}

fn env_message(e: envy::Error) -> String {
    match e {
        envy::Error::Custom(message) => message,
        other => other.to_string(),
    }
}

fn checked<'de, D, T, U>(
    d: D,
    check: impl FnOnce(T) -> Result<U, String>,
) -> Result<Option<U>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let value = T::deserialize(d)?;
    check(value).map(Some).map_err(de::Error::custom)
}

fn whole(v: u32, min: u32, max: u32, unit: &str) -> Result<u32, String> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "expected whole {unit} from {min} to {max}, found {v}"
        ))
    }
}

fn idle_timeout_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    checked(d, |v| whole(v, 10, 3600, "seconds"))
}

fn outbox_retention_days<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    checked(d, |v| whole(v, 1, 90, "days"))
}

fn follow_decided_days<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    checked(d, |v| whole(v, 1, 365, "days"))
}

fn training_review_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    checked(d, |v| whole(v, 1, 900, "seconds"))
}

fn log_max_mb<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    checked(d, |v| whole(v, 5, 10_000, "megabytes"))
}

/// Whether `level` can be a verification level's name.
pub fn valid_level_name(level: &str) -> bool {
    !level.is_empty()
        && level.len() <= 100
        && level
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_ .".contains(c))
}

fn level_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |v: String| {
        let level = v.trim();
        if valid_level_name(level) {
            Ok(level.to_owned())
        } else {
            Err("expected a level name: letters, digits, '-', '_', '.' and spaces".to_owned())
        }
    })
}

fn api_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |v: String| {
        let url = v.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match host {
            Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
                Ok(url.trim_end_matches('/').to_owned())
            }
            _ => Err(format!(
                "expected the service's address, such as https://api.sumsub.com, found '{url}'"
            )),
        }
    })
}

fn camera_resolution<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(u32, u32)>, D::Error> {
    checked(d, |v: String| {
        v.trim()
            .split_once(['x', '×'])
            .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
            .filter(|&(w, h): &(u32, u32)| (1..=16_384).contains(&w) && (1..=16_384).contains(&h))
            .ok_or_else(|| format!("expected WIDTHxHEIGHT, such as 1280x720, found '{v}'"))
    })
}

/// `true`/`false`; from the environment also `1`/`0` and `yes`/`no`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct Flag;
    impl Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("true or false")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" => Ok(false),
                other => Err(E::custom(format!(
                    "expected true or false, found '{other}'"
                ))),
            }
        }
    }
    d.deserialize_any(Flag).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_the_schemas_properties() {
        let schema: serde_json::Value =
            serde_json::from_str(&SettingsLayer::json_schema()).unwrap();
        let mut properties: Vec<&str> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        properties.sort_unstable();
        let mut keys = SettingsLayer::KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(keys, properties);
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    }

    /// The committed schema (`packaging/kiosk.schema.json`) is the one the
    /// settings type makes; `UPDATE_BINDINGS=1` rewrites it.
    #[test]
    fn bindings_schema_of_the_organisation_file_is_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/kiosk.schema.json");
        let made = SettingsLayer::json_schema();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &made).expect("the schema is written");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == made,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p onboard-kiosk bindings` and commit it",
            path.display()
        );
    }

    /// The example file in `packaging/` is valid, and sets every setting.
    #[test]
    fn the_example_organisation_file_is_valid_and_complete() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../packaging/kiosk.example.toml");
        let text = std::fs::read_to_string(&path).expect("the example file");
        let uncommented: String = text
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let layer =
            crate::config::organisation::parse(&path, uncommented.as_bytes()).expect("valid");
        assert_eq!(layer.set_keys(), SettingsLayer::KEYS);
    }
}
