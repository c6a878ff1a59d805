//! The admin area: credentials in the keychain, the kiosk's profile and level,
//! the connection check and the admin PIN.
//!
//! Secrets only ever come in (to be stored); what goes out is a status with
//! the token masked. When an admin PIN is set, every call here first needs
//! [`Admin::unlock`]; wrong PINs lead to a lockout.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use specta::Type;

use crate::config::{
    OperatingMode, OrganisationFile, Profile, Resolved, SettingSource, Settings, StoredSettings,
};
use crate::credentials::pin::{PinError, PinGuard};
use crate::credentials::{mask_token, Environment, Item, Keychain, KeychainError};

mod connection;
mod mode;
mod pin;

pub use connection::{check_connection, ConnectionCheck};
pub use mode::{decide_mode, resolve_mode};

/// How long the admin area stays open after the last admin action.
const OPEN_FOR: Duration = Duration::from_secs(300);

/// The verifier copy's file in the data folder, and its content when no PIN is set.
pub const PIN_VERIFIER_FILE: &str = "admin-pin";
/// Wrong PINs and lockouts, kept in the data folder and in the keychain.
pub const PIN_GUARD_FILE: &str = "admin-pin-guard.json";
const NO_PIN: &str = "none";

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("enter the admin PIN to open the admin area")]
    PinRequired,
    /// A self-service kiosk opens its admin area only with a PIN.
    #[error("this self-service kiosk has no admin PIN yet: staff set one on this computer with `kioskctl admin set-pin`")]
    NoPinSelfService,
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error("{0}")]
    Invalid(#[from] AdminInvalid),
    #[error("the settings could not be saved: {0}")]
    Storage(String),
}

/// A setting staff entered that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminInvalid {
    #[error("enter both the app token and the secret key")]
    CredentialsMissing,
    #[error("this app token is for {token}, but this kiosk is set up for {kiosk}")]
    TokenForOtherEnvironment {
        token: &'static str,
        kiosk: &'static str,
    },
    #[error("enter the webhook secret")]
    WebhookSecretMissing,
    #[error("KIOSK_MODE is set on this computer and decides the mode: change it there")]
    ModeFromEnvironment,
    #[error("the level name is the one set up at the verification service: letters, digits, '-', '_', '.' and spaces")]
    LevelName,
    /// The organisation's settings file sets this setting.
    #[error("{setting} is set by your organisation and cannot be changed here")]
    ManagedByOrganisation { setting: &'static str },
}

/// What the admin area shows. Never a secret: the token is masked.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AdminStatus {
    /// The mode the kiosk runs in now, and the one it starts in next time.
    pub running_mode: OperatingMode,
    pub mode: OperatingMode,
    /// `KIOSK_MODE` decides the mode; the admin area cannot change it.
    pub mode_from_environment: bool,
    pub environment: String,
    pub configured: bool,
    pub masked_token: Option<String>,
    pub webhook_secret_set: bool,
    pub pin_set: bool,
    /// RFC 3339 time of the last successful connection check, and the clock difference then.
    pub last_verified_at: Option<String>,
    pub last_skew_secs: Option<i32>,
    /// The keychain cannot be read: what is wrong and how to fix it.
    pub keychain_problem: Option<String>,
    pub profile: Profile,
    pub level_name: String,
    /// Something changed that the running kiosk takes up at its next start.
    pub restart_needed: bool,
    /// The settings the organisation's file sets (`profile`, `level_name`,
    /// `mode`, …): shown as set by the organisation, not changeable here.
    pub managed: Vec<String>,
    /// The organisation's file, when one is in effect.
    pub organisation_file: Option<String>,
    /// This kiosk's id, which its log lines carry.
    pub kiosk_id: String,
}

/// Whether the admin area opens without a PIN.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AdminGate {
    pub pin_required: bool,
    pub open: bool,
    /// The self-service profile without a PIN: the admin area stays shut
    /// until staff set one on the computer (`kioskctl admin set-pin`).
    pub pin_not_set_up: bool,
}

pub struct Admin {
    keychain: Keychain,
    settings_path: PathBuf,
    /// A copy of the PIN's verifier (or "none"), for a keychain that is locked.
    verifier_path: PathBuf,
    /// Set when the environment is misconfigured: no keychain entry is read.
    unusable_keychain: Option<KeychainError>,
    api_url: String,
    /// What the running kiosk started with.
    running: Settings,
    /// The organisation's file as this process read it.
    organisation: OrganisationFile,
    guard: Mutex<PinGuard>,
    open_until: Mutex<Option<Instant>>,
    restart_needed: Mutex<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keychain calls block (D-Bus on Linux): keep them off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AdminError> + Send + 'static,
) -> Result<T, AdminError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AdminError::Storage(e.to_string()))?
}

impl Admin {
    pub fn new(keychain: Keychain, settings_path: PathBuf, running: Settings) -> Self {
        Self {
            keychain,
            verifier_path: settings_path.with_file_name(PIN_VERIFIER_FILE),
            unusable_keychain: None,
            settings_path,
            api_url: running.api_url.clone(),
            running,
            organisation: OrganisationFile::current().clone(),
            guard: Mutex::new(PinGuard::default()),
            open_until: Mutex::new(None),
            restart_needed: Mutex::new(false),
        }
    }

    /// The kiosk's own keychain entries and settings file. With an invalid
    /// `KIOSK_ENVIRONMENT` the admin area still opens (with the PIN's copy),
    /// so staff can see why the kiosk is out of service and quit it.
    pub fn for_kiosk(running: Settings) -> Self {
        match Environment::configured() {
            Ok(env) => Self::new(Keychain::new(env), StoredSettings::path(), running),
            Err(e) => {
                let mut admin = Self::new(
                    Keychain::new(Environment::Sandbox),
                    StoredSettings::path(),
                    running,
                );
                admin.unusable_keychain = Some(e);
                admin
            }
        }
    }

    /// As if the organisation's file were `organisation` (tests).
    pub fn with_organisation(mut self, organisation: OrganisationFile) -> Self {
        self.organisation = organisation;
        self
    }

    /// The settings the next start would run with, given what staff stored.
    fn next_start(&self, stored: &StoredSettings) -> Resolved {
        Settings::resolve_from(stored, self.organisation.clone(), |k| std::env::var(k).ok())
    }

    /// Whether the PIN (or, away from self-service, no PIN) opened the admin area recently.
    pub fn is_open(&self) -> bool {
        lock(&self.open_until).is_some_and(|t| Instant::now() < t)
    }

    fn touch(&self) {
        *lock(&self.open_until) = Some(Instant::now() + OPEN_FOR);
    }

    /// Refuses unless the PIN was entered recently, or no PIN is set at a
    /// staffed kiosk. A self-service kiosk without a PIN opens to nobody.
    fn require_open(&self) -> Result<(), AdminError> {
        if self.is_open() {
            self.touch();
            return Ok(());
        }
        if self.pin_hash()?.is_some() {
            return Err(AdminError::PinRequired);
        }
        if self.running.profile == Profile::SelfService {
            return Err(AdminError::NoPinSelfService);
        }
        self.touch();
        Ok(())
    }

    pub async fn gate(self: &std::sync::Arc<Self>) -> Result<AdminGate, AdminError> {
        let this = self.clone();
        blocking(move || {
            let pin_set = this.pin_hash()?.is_some();
            let self_service = this.running.profile == Profile::SelfService;
            Ok(AdminGate {
                pin_required: pin_set && !this.is_open(),
                open: this.is_open() || (!pin_set && !self_service),
                pin_not_set_up: !pin_set && self_service,
            })
        })
        .await
    }

    /// For actions outside this module that only staff may take (such as a restart).
    pub async fn ensure_open(self: &std::sync::Arc<Self>) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || this.require_open()).await
    }

    /// Closes the admin area (the next visit needs the PIN again, if one is set).
    pub fn close(&self) {
        *lock(&self.open_until) = None;
    }

    pub async fn status(self: &std::sync::Arc<Self>) -> Result<AdminStatus, AdminError> {
        let this = self.clone();
        blocking(move || {
            this.require_open()?;
            let stored = StoredSettings::read(&this.settings_path);
            let next = this.next_start(&stored);
            let from_env = next.sources["mode"] == SettingSource::Environment;
            let managed = next.decided_by(SettingSource::Organisation);
            let settings = next.settings;
            let mut status = AdminStatus {
                running_mode: this.running_mode(),
                mode: settings.mode.unwrap_or_else(|| this.running_mode()),
                mode_from_environment: from_env,
                environment: this.keychain.environment.as_str().to_owned(),
                configured: false,
                masked_token: None,
                webhook_secret_set: false,
                pin_set: false,
                last_verified_at: stored.last_verified_at.clone(),
                last_skew_secs: stored.last_skew_secs.map(|s| s as i32),
                keychain_problem: None,
                profile: settings.profile,
                level_name: settings.level_name,
                restart_needed: *lock(&this.restart_needed),
                organisation_file: next
                    .organisation
                    .layer()
                    .map(|_| next.organisation.path().display().to_string()),
                managed: managed.into_iter().map(str::to_owned).collect(),
                kiosk_id: crate::config::kiosk_id().to_owned(),
            };
            let mut read = || -> Result<(), KeychainError> {
                let token = this.keychain.get(Item::AppToken)?;
                status.masked_token = token.as_ref().map(|t| mask_token(t.expose()));
                status.configured = token.is_some() && this.keychain.contains(Item::SecretKey)?;
                status.webhook_secret_set = this.keychain.contains(Item::WebhookSecret)?;
                status.pin_set = this.keychain.contains(Item::AdminPinHash)?;
                Ok(())
            };
            if let Err(e) = read() {
                status.keychain_problem = Some(e.to_string());
            }
            Ok(status)
        })
        .await
    }

    /// Stores the app token and its secret key (replacing what was there).
    pub async fn set_credentials(
        self: &std::sync::Arc<Self>,
        app_token: String,
        secret_key: crate::credentials::Sensitive<String>,
    ) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            // Secrets go to the keychain of a valid environment only.
            this.require_open_keychain()?;
            let token = app_token.trim().to_owned();
            if token.is_empty() || secret_key.expose().trim().is_empty() {
                return Err(AdminInvalid::CredentialsMissing.into());
            }
            let env = Environment::of_token(&token);
            if env != this.keychain.environment {
                return Err(AdminInvalid::TokenForOtherEnvironment {
                    token: env.as_str(),
                    kiosk: this.keychain.environment.as_str(),
                }
                .into());
            }
            this.keychain.set(Item::AppToken, &token)?;
            this.keychain
                .set(Item::SecretKey, secret_key.expose().trim())?;
            // Storing credentials is choosing the live service.
            let mut stored = StoredSettings::read(&this.settings_path);
            stored.last_verified_at = None;
            stored.last_skew_secs = None;
            stored.mode = Some(OperatingMode::Live);
            this.save(&stored)?;
            *lock(&this.restart_needed) = true;
            tracing::info!(token = %mask_token(&token), "API credentials stored; the kiosk is live from its next start");
            Ok(())
        })
        .await
    }

    pub async fn set_webhook_secret(
        self: &std::sync::Arc<Self>,
        secret: crate::credentials::Sensitive<String>,
    ) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            // Secrets go to the keychain of a valid environment only.
            this.require_open_keychain()?;
            if secret.expose().trim().is_empty() {
                return Err(AdminInvalid::WebhookSecretMissing.into());
            }
            this.keychain
                .set(Item::WebhookSecret, secret.expose().trim())?;
            *lock(&this.restart_needed) = true;
            tracing::info!("webhook secret stored");
            Ok(())
        })
        .await
    }

    /// Deletes the API credentials and the webhook secret (the PIN stays).
    pub async fn clear_credentials(self: &std::sync::Arc<Self>) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            // Secrets go to the keychain of a valid environment only.
            this.require_open_keychain()?;
            for item in [Item::AppToken, Item::SecretKey, Item::WebhookSecret] {
                this.keychain.delete(item)?;
            }
            *lock(&this.restart_needed) = true;
            tracing::info!("API credentials cleared");
            Ok(())
        })
        .await
    }

    /// The mode the running kiosk is in.
    fn running_mode(&self) -> OperatingMode {
        self.running.mode.unwrap_or(OperatingMode::Training)
    }

    /// Chooses training or live for the next start. Going to training is what
    /// staff choose knowingly: the kiosk then verifies nobody for real.
    pub async fn set_mode(
        self: &std::sync::Arc<Self>,
        mode: OperatingMode,
    ) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            this.require_open_keychain()?;
            let mut stored = StoredSettings::read(&this.settings_path);
            match this.next_start(&stored).sources["mode"] {
                SettingSource::Environment => return Err(AdminInvalid::ModeFromEnvironment.into()),
                SettingSource::Organisation => {
                    return Err(AdminInvalid::ManagedByOrganisation { setting: "mode" }.into())
                }
                _ => {}
            }
            stored.mode = Some(mode);
            this.save(&stored)?;
            if mode != this.running_mode() {
                *lock(&this.restart_needed) = true;
            }
            tracing::warn!(
                mode = mode.as_str(),
                "operating mode chosen in the admin area"
            );
            Ok(())
        })
        .await
    }

    /// Saves the profile and level for the next start.
    pub async fn save_settings(
        self: &std::sync::Arc<Self>,
        profile: Profile,
        level_name: String,
    ) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            this.require_open()?;
            let level = level_name.trim();
            if !crate::config::layer::valid_level_name(level) {
                return Err(AdminInvalid::LevelName.into());
            }
            let mut stored = StoredSettings::read(&this.settings_path);
            let next = this.next_start(&stored);
            let managed = |setting| next.sources[setting] == SettingSource::Organisation;
            // What the organisation sets is kept as it is, never stored over.
            if managed("profile") && profile != next.settings.profile {
                return Err(AdminInvalid::ManagedByOrganisation { setting: "profile" }.into());
            }
            if managed("level_name") && level != next.settings.level_name {
                return Err(AdminInvalid::ManagedByOrganisation {
                    setting: "level_name",
                }
                .into());
            }
            if !managed("profile") {
                stored.profile = Some(profile);
            }
            if !managed("level_name") {
                stored.level_name = Some(level.to_owned());
            }
            this.save(&stored)?;
            if profile != this.running.profile || level != this.running.level_name {
                *lock(&this.restart_needed) = true;
            }
            tracing::info!(profile = profile.as_str(), level, "kiosk settings saved");
            Ok(())
        })
        .await
    }

    fn save(&self, stored: &StoredSettings) -> Result<(), AdminError> {
        stored
            .write(&self.settings_path)
            .map_err(|e| AdminError::Storage(e.to_string()))
    }

    /// One signed, harmless call with the stored credentials.
    pub async fn verify_connection(
        self: &std::sync::Arc<Self>,
    ) -> Result<ConnectionCheck, AdminError> {
        let this = self.clone();
        let creds = blocking(move || {
            this.require_open()?;
            Ok(this.keychain.api_credentials()?)
        })
        .await?;
        let Some(creds) = creds else {
            return Ok(ConnectionCheck::NoCredentials);
        };
        let check = check_connection(&self.api_url, creds, self.keychain.environment).await;
        if let ConnectionCheck::Ok { skew_secs, .. } = &check {
            let path = self.settings_path.clone();
            let skew = *skew_secs as i64;
            let this = self.clone();
            blocking(move || {
                let mut stored = StoredSettings::read(&path);
                stored.last_verified_at = Some(now_rfc3339());
                stored.last_skew_secs = Some(skew);
                this.save(&stored)
            })
            .await?;
        }
        Ok(check)
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
