//! Commands the web view calls. Each is a few lines: convert, call, convert.

use serde::Serialize;
use specta::Type;

use crate::config::{Profile, Settings};

use super::IpcError;

/// Whether the kiosk talks to the real verification service or trains locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A local stand-in for the verification service; nothing leaves the machine.
    Training,
    Live,
}

pub struct KioskState {
    pub mode: Mode,
    pub settings: Settings,
}

impl KioskState {
    pub fn from_environment() -> Self {
        let has_credentials = ["KIOSK_APP_TOKEN", "KIOSK_SECRET_KEY"]
            .iter()
            .all(|k| std::env::var(k).is_ok_and(|v| !v.is_empty()));
        Self {
            mode: if has_credentials {
                Mode::Live
            } else {
                Mode::Training
            },
            settings: Settings::from_env(),
        }
    }
}

/// What the welcome screen needs to know about this kiosk.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppStatus {
    pub product: String,
    pub version: String,
    pub mode: Mode,
    pub profile: Profile,
}

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: tauri::State<'_, KioskState>) -> Result<AppStatus, IpcError> {
    Ok(AppStatus {
        product: "Onboard Kiosk".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        mode: state.mode,
        profile: state.settings.profile,
    })
}
