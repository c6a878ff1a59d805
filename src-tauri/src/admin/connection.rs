//! The connection check: one signed, harmless call, and its result in words
//! staff can act on.

use serde::Serialize;
use specta::Type;

use crate::credentials::{ApiCredentials, Environment};
use crate::verification::{api, ApiError, Client};

/// The result of a connection check, in words staff can act on.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionCheck {
    /// Credentials accepted; `skew_secs` is the service's clock minus ours.
    Ok {
        skew_secs: i32,
        warning: Option<String>,
    },
    NoCredentials,
    /// The token belongs to the other environment (sandbox vs production).
    WrongEnvironment {
        message: String,
    },
    BadCredentials {
        message: String,
    },
    ClockSkew {
        skew_secs: i32,
        message: String,
    },
    Unreachable {
        message: String,
    },
    Failed {
        message: String,
    },
}

/// Clock differences the service accepts but that are worth fixing.
const SKEW_WARN_SECS: i64 = 10;

/// The connection check in words staff can act on.
pub async fn check_connection(
    api_url: &str,
    creds: ApiCredentials,
    environment: Environment,
) -> ConnectionCheck {
    let token_env = Environment::of_token(&creds.app_token);
    if token_env != environment {
        return ConnectionCheck::WrongEnvironment {
            message: format!(
                "the stored app token is for {}, but this kiosk is set up for {}",
                token_env.as_str(),
                environment.as_str()
            ),
        };
    }
    let client = match Client::new(api_url, creds) {
        Ok(c) => c,
        Err(e) => {
            return ConnectionCheck::Failed {
                message: e.to_string(),
            }
        }
    };
    match client.verify_connection().await {
        Ok(skew) => ConnectionCheck::Ok {
            skew_secs: skew as i32,
            warning: (skew.abs() > SKEW_WARN_SECS).then(|| {
                format!(
                    "this computer's clock is {skew:+} s from the service's; the service refuses requests beyond {} s: turn on automatic time",
                    api::TIMESTAMP_WINDOW_SECS
                )
            }),
        },
        Err(ApiError::ClockSkew { skew_secs }) => ConnectionCheck::ClockSkew {
            skew_secs: skew_secs as i32,
            message: ApiError::ClockSkew { skew_secs }.to_string(),
        },
        Err(e @ (ApiError::SignatureMismatch { .. } | ApiError::Unauthorized { .. })) => {
            ConnectionCheck::BadCredentials {
                message: e.to_string(),
            }
        }
        Err(e @ ApiError::Unreachable { .. }) => ConnectionCheck::Unreachable {
            message: e.to_string(),
        },
        Err(e) => ConnectionCheck::Failed {
            message: e.to_string(),
        },
    }
}
