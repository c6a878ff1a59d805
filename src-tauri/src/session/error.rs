//! What can go wrong in a session, typed for the shell to translate.

use crate::capture::CameraError;
use crate::submission::SubmitError;
use crate::verification::ApiError;

/// Why a request from the screen could not be done. Messages are for people.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("no session is open")]
    NoSession,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Camera(#[from] CameraError),
    #[error("the picture has problems; take it again{}", if *.0 { " or let staff accept it" } else { "" })]
    Rejected(bool),
    #[error("{0}")]
    Service(String),
    #[error("the verification service cannot be reached: {0}")]
    Unreachable(String),
    /// The service refused the credentials or the clock: the kiosk goes out of service.
    #[error("{0}")]
    Refused(String),
}

impl From<ApiError> for KioskError {
    fn from(e: ApiError) -> Self {
        if e.is_refusal() {
            Self::Refused(e.to_string())
        } else if e.is_transient() {
            Self::Unreachable(e.to_string())
        } else {
            Self::Service(e.to_string())
        }
    }
}

impl From<SubmitError> for KioskError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(m) => Self::Invalid(m),
            SubmitError::Api { source, .. } if source.is_transient() => {
                Self::Unreachable(source.to_string())
            }
            SubmitError::Api { source, .. } if source.is_refusal() => {
                Self::Refused(source.to_string())
            }
            other => Self::Service(other.to_string()),
        }
    }
}
