//! Credentials for the verification service and how they are held.
//!
//! - [`Sensitive`] wraps every secret: redacted `Debug`, no `Serialize`, zeroised on drop.
//! - [`Keychain`]: the operating system's keychain, namespaced by app and environment.
//! - [`pin`]: the admin PIN as a salted Argon2 hash, with a lockout.
//! - [`ApiCredentials`]: what a client needs.

mod keychain;
pub mod pin;
mod sensitive;

pub use keychain::{Environment, Item, Keychain, KeychainError};
pub use sensitive::Sensitive;

/// The app token and its secret key.
#[derive(Debug, Clone)]
pub struct ApiCredentials {
    pub app_token: String,
    pub secret_key: Sensitive<String>,
}

impl ApiCredentials {
    pub fn new(app_token: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            app_token: app_token.into(),
            secret_key: Sensitive::new(secret_key.into()),
        }
    }

    /// `KIOSK_APP_TOKEN` and `KIOSK_SECRET_KEY`, when both are set (automation).
    pub fn from_env() -> Option<Self> {
        let token = std::env::var("KIOSK_APP_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())?;
        let secret = env_secrets().secret_key.clone()?;
        Some(Self {
            app_token: token.trim().to_owned(),
            secret_key: secret,
        })
    }

    /// The token as staff may see it: environment prefix and a few characters.
    pub fn masked_token(&self) -> String {
        mask_token(&self.app_token)
    }
}

/// Secrets given through the environment (automation), held by the process.
struct EnvSecrets {
    secret_key: Option<Sensitive<String>>,
    webhook_secret: Option<Sensitive<String>>,
}

static ENV_SECRETS: std::sync::OnceLock<EnvSecrets> = std::sync::OnceLock::new();

const SECRET_VARIABLES: [&str; 2] = ["KIOSK_SECRET_KEY", "KIOSK_WEBHOOK_SECRET"];

fn read_env_secrets() -> EnvSecrets {
    let read = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|s| !s.is_empty())
            .map(Sensitive::new)
    };
    EnvSecrets {
        secret_key: read(SECRET_VARIABLES[0]),
        webhook_secret: read(SECRET_VARIABLES[1]),
    }
}

fn env_secrets() -> &'static EnvSecrets {
    ENV_SECRETS.get_or_init(read_env_secrets)
}

/// Moves `KIOSK_SECRET_KEY` and `KIOSK_WEBHOOK_SECRET` out of the process
/// environment into memory, so processes started later (the web view's among
/// them) do not inherit them. Call first thing in `main`, before any thread starts.
pub fn take_secrets_from_env() {
    ENV_SECRETS.get_or_init(|| {
        let secrets = read_env_secrets();
        for name in SECRET_VARIABLES {
            std::env::remove_var(name);
        }
        secrets
    });
}

/// `KIOSK_WEBHOOK_SECRET`, when set (automation).
pub fn webhook_secret_from_env() -> Option<Sensitive<String>> {
    env_secrets().webhook_secret.clone()
}

/// `sbx:uY0CgwELmgUAEyl4hNWxLngb.bad…` becomes `sbx:uY0C…bad`.
pub fn mask_token(token: &str) -> String {
    let (prefix, rest) = match token.split_once(':') {
        Some((p, r)) => (format!("{p}:"), r),
        None => (String::new(), token),
    };
    let chars: Vec<char> = rest.chars().collect();
    if chars.len() <= 8 {
        return format!("{prefix}…");
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{prefix}{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_tokens() {
        assert_eq!(mask_token("sbx:uY0CgwELmgUAEyl4hNWxLngbad"), "sbx:uY0C…bad");
        assert_eq!(mask_token("prd:short"), "prd:…");
        assert_eq!(mask_token("abcdefghijkl"), "abcd…jkl");
    }

    #[test]
    fn debug_of_credentials_hides_the_secret() {
        let c = ApiCredentials::new("sbx:token", "s3cr3t-value");
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
