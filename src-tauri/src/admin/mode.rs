//! Training or live: the mode a kiosk starts in.

use crate::config::{OperatingMode, Settings, StoredSettings};
use crate::credentials::{ApiCredentials, Environment, Keychain};

/// The mode to start in: `KIOSK_MODE`, else what staff chose. A kiosk that
/// never chose is live when it has credentials (from the environment, or
/// stored in the keychain: the mode is then recorded, so a keychain that is
/// locked later cannot turn it into a training kiosk), and in training when it
/// has none. When the keychain cannot be read, a kiosk whose connection was
/// verified before is live (and so out of service until the keychain opens).
/// Blocking: it may read the keychain.
pub fn resolve_mode(settings: &Settings) -> OperatingMode {
    decide_mode(settings, true)
}

/// As [`resolve_mode`]; `record` false only looks (`kioskctl doctor`).
pub fn decide_mode(settings: &Settings, record: bool) -> OperatingMode {
    if let Some(mode) = settings.mode {
        return mode;
    }
    if ApiCredentials::from_env().is_some() {
        return OperatingMode::Live;
    }
    let path = StoredSettings::path();
    let stored = StoredSettings::read(&path);
    let found = Environment::configured().and_then(|env| Keychain::new(env).api_credentials());
    match found {
        Ok(Some(_)) => {
            if !record {
                return OperatingMode::Live;
            }
            if let Err(e) = StoredSettings::set_mode(&path, OperatingMode::Live) {
                tracing::warn!("the live mode could not be recorded: {e}");
            }
            OperatingMode::Live
        }
        Ok(None) => OperatingMode::Training,
        Err(e) if stored.last_verified_at.is_some() => {
            tracing::warn!("the keychain cannot be read ({e}); this kiosk was live before");
            OperatingMode::Live
        }
        Err(_) => OperatingMode::Training,
    }
}
