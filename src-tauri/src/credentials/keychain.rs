//! The operating system's keychain: Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows. There is no plain-text fallback.

use super::Sensitive;

/// Which account the credentials open. Entries are kept apart per environment,
/// so a sandbox kiosk never reads production secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Sandbox,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }

    /// The environment an app token belongs to, from its prefix (`sbx:` is the sandbox).
    pub fn of_token(token: &str) -> Self {
        if token.trim_start().starts_with("sbx:") {
            Self::Sandbox
        } else {
            Self::Production
        }
    }

    /// `KIOSK_ENVIRONMENT`, else the organisation's file, else the sandbox.
    /// Development builds refuse production.
    pub fn configured() -> Result<Self, KeychainError> {
        let organisation = crate::config::OrganisationFile::current()
            .layer()
            .and_then(|l| l.environment);
        let variable = std::env::var("KIOSK_ENVIRONMENT").unwrap_or_default();
        let env = match variable.trim() {
            "" => match organisation {
                Some(crate::config::ServiceEnvironment::Production) => Self::Production,
                _ => Self::Sandbox,
            },
            "sandbox" => Self::Sandbox,
            "production" => Self::Production,
            other => {
                return Err(KeychainError::Refused(format!(
                    "KIOSK_ENVIRONMENT is '{other}': use sandbox or production"
                )))
            }
        };
        if env == Self::Production && cfg!(debug_assertions) {
            return Err(KeychainError::Refused(
                "development builds never read production credentials: use a release build".into(),
            ));
        }
        Ok(env)
    }
}

/// One stored secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    AppToken,
    SecretKey,
    WebhookSecret,
    /// A salted Argon2 hash of the admin PIN, never the PIN.
    AdminPinHash,
    /// Wrong PINs and lockouts so far (a copy is also in the data folder).
    AdminPinGuard,
    /// The key the outbox is encrypted with. Never cleared with the credentials:
    /// without it, sessions waiting to be sent could not be read.
    OutboxKey,
}

impl Item {
    pub const ALL: [Item; 6] = [
        Self::AppToken,
        Self::SecretKey,
        Self::WebhookSecret,
        Self::AdminPinHash,
        Self::AdminPinGuard,
        Self::OutboxKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::AppToken => "app-token",
            Self::SecretKey => "secret-key",
            Self::WebhookSecret => "webhook-secret",
            Self::AdminPinHash => "admin-pin",
            Self::AdminPinGuard => "admin-pin-guard",
            Self::OutboxKey => "outbox-key",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeychainError {
    #[error("the system keychain is not available: {hint}")]
    Unavailable { hint: &'static str },
    #[error("the system keychain is locked: {hint}")]
    Locked { hint: &'static str },
    #[error("{0}")]
    Refused(String),
    #[error("the system keychain failed: {0}")]
    Failed(String),
}

fn unavailable_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "no Secret Service answered. Log in to a desktop session (GNOME Keyring or KWallet), or install gnome-keyring and start it"
    } else if cfg!(target_os = "macos") {
        "the login keychain could not be opened. Open Keychain Access and check the login keychain"
    } else {
        "Windows Credential Manager could not be opened. Sign in to Windows with a user account"
    }
}

fn locked_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "unlock the login keyring (log in again, or open Passwords and Keys and unlock it)"
    } else if cfg!(target_os = "macos") {
        "unlock the login keychain in Keychain Access"
    } else {
        "sign in to Windows again"
    }
}

fn map(e: keyring::Error) -> KeychainError {
    match e {
        keyring::Error::NoStorageAccess(_) => KeychainError::Locked {
            hint: locked_hint(),
        },
        keyring::Error::PlatformFailure(_) => KeychainError::Unavailable {
            hint: unavailable_hint(),
        },
        // The message of other errors names the failing operation, never the secret.
        other => KeychainError::Failed(other.to_string()),
    }
}

/// The kiosk's entries for one environment.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
    pub environment: Environment,
    /// A locked keyring may wait for a password prompt nobody answers (a kiosk
    /// without a desktop session): after this long the call reports it as locked.
    pub timeout: std::time::Duration,
}

/// After a call waited out its time on a locked keychain (an unlock prompt
/// nobody answers), further calls report it locked at once for this long
/// rather than each waiting again; [`Keychain::try_again`] ends it sooner.
const LOCKED_MEMORY: std::time::Duration = std::time::Duration::from_secs(30);

static LOCKED_SINCE: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

fn locked_since() -> std::sync::MutexGuard<'static, Option<std::time::Instant>> {
    LOCKED_SINCE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs a keychain call on its own thread and waits at most `timeout` for it.
fn bounded<T: Send + 'static>(
    timeout: std::time::Duration,
    call: impl FnOnce() -> Result<T, keyring::Error> + Send + 'static,
) -> Result<T, KeychainError> {
    if locked_since().is_some_and(|t| t.elapsed() < LOCKED_MEMORY) {
        return Err(KeychainError::Locked {
            hint: locked_hint(),
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    match rx.recv_timeout(timeout) {
        Ok(result) => result.map_err(map),
        Err(_) => {
            *locked_since() = Some(std::time::Instant::now());
            Err(KeychainError::Locked {
                hint: locked_hint(),
            })
        }
    }
}

impl Keychain {
    /// Entries live under `<app identifier>/<environment>`.
    pub fn new(environment: Environment) -> Self {
        Self::with_namespace(crate::config::APP_IDENTIFIER, environment)
    }

    /// A different namespace: for tests, so they never touch the kiosk's own entries.
    pub fn with_namespace(namespace: &str, environment: Environment) -> Self {
        Self {
            service: format!("{namespace}/{}", environment.as_str()),
            environment,
            timeout: std::time::Duration::from_secs(10),
        }
    }

    /// Forgets that the keychain was found locked: the next call asks it again
    /// (staff pressed *Try again*, or the periodic check runs).
    pub fn try_again() {
        locked_since().take();
    }

    fn entry(&self, item: Item) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, item.name()).map_err(map)
    }

    pub fn get(&self, item: Item) -> Result<Option<Sensitive<String>>, KeychainError> {
        let entry = self.entry(item)?;
        bounded(self.timeout, move || match entry.get_password() {
            Ok(v) => Ok(Some(Sensitive::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    pub fn contains(&self, item: Item) -> Result<bool, KeychainError> {
        Ok(self.get(item)?.is_some())
    }

    /// Stores or replaces an entry. An app token of the other environment is refused.
    pub fn set(&self, item: Item, value: &str) -> Result<(), KeychainError> {
        if value.is_empty() {
            return Err(KeychainError::Refused(format!(
                "the {} is empty",
                item.name()
            )));
        }
        if item == Item::AppToken && Environment::of_token(value) != self.environment {
            return Err(KeychainError::Refused(format!(
                "this app token belongs to {}, not {}",
                Environment::of_token(value).as_str(),
                self.environment.as_str()
            )));
        }
        let entry = self.entry(item)?;
        let value = Sensitive::new(value.to_owned());
        bounded(self.timeout, move || entry.set_password(value.expose()))
    }

    /// Deletes an entry; deleting one that is not there is fine.
    pub fn delete(&self, item: Item) -> Result<(), KeychainError> {
        let entry = self.entry(item)?;
        bounded(self.timeout, move || match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }

    /// The API credentials, when both parts are stored.
    pub fn api_credentials(&self) -> Result<Option<super::ApiCredentials>, KeychainError> {
        let (Some(token), Some(secret)) = (self.get(Item::AppToken)?, self.get(Item::SecretKey)?)
        else {
            return Ok(None);
        };
        Ok(Some(super::ApiCredentials {
            app_token: token.expose().clone(),
            secret_key: secret,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_comes_from_the_token_prefix() {
        assert_eq!(Environment::of_token("sbx:abc"), Environment::Sandbox);
        assert_eq!(Environment::of_token("prd:abc"), Environment::Production);
        assert_eq!(Environment::of_token("abc"), Environment::Production);
    }

    #[test]
    fn errors_say_what_is_wrong_and_how_to_fix_it() {
        let e = map(keyring::Error::PlatformFailure(
            "Unable to autolaunch a dbus-daemon".into(),
        ));
        assert!(matches!(e, KeychainError::Unavailable { .. }));
        assert!(e
            .to_string()
            .starts_with("the system keychain is not available"));
        let e = map(keyring::Error::NoStorageAccess("locked".into()));
        assert!(e.to_string().contains("unlock"));
    }
}
