//! The one error shape that crosses into the web view.

use serde::Serialize;
use specta::Type;

use crate::session::kiosk::KioskError;

/// A closed set of codes; the UI branches on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Internal,
    NoSession,
    Invalid,
    NoCamera,
    CameraBusy,
    Camera,
    /// The picture has quality problems.
    Rejected,
    /// The service refused the request.
    Service,
    /// The service cannot be reached; trying again later can work.
    Unreachable,
    /// The admin area needs the PIN first.
    PinRequired,
    WrongPin,
    /// Too many wrong PINs: the admin area is closed for a while.
    LockedOut,
    /// The system keychain is locked or missing; the message says how to fix it.
    Keychain,
    /// A live kiosk that cannot verify: customers are asked to fetch staff.
    OutOfService,
    /// Staff-only here: at a self-service kiosk only with the admin area open.
    Forbidden,
    /// A self-service kiosk without an admin PIN: staff set one on the computer.
    PinNotSetUp,
}

/// `{code, message}`: the message is for people, the code for the UI's logic.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Invalid,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Internal,
            message: message.into(),
        }
    }
}

impl From<super::access::Refusal> for IpcError {
    fn from(e: super::access::Refusal) -> Self {
        Self {
            code: ErrorCode::Forbidden,
            message: e.to_string(),
        }
    }
}

impl From<KioskError> for IpcError {
    fn from(e: KioskError) -> Self {
        use crate::capture::CameraError;
        let code = match &e {
            KioskError::NoSession => ErrorCode::NoSession,
            KioskError::Invalid(_) => ErrorCode::Invalid,
            KioskError::Camera(CameraError::NotFound) => ErrorCode::NoCamera,
            KioskError::Camera(CameraError::Busy(_)) => ErrorCode::CameraBusy,
            KioskError::Camera(_) => ErrorCode::Camera,
            KioskError::Rejected(_) => ErrorCode::Rejected,
            KioskError::Service(_) => ErrorCode::Service,
            KioskError::Unreachable(_) => ErrorCode::Unreachable,
            KioskError::Refused(_) => ErrorCode::OutOfService,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

impl From<crate::admin::AdminError> for IpcError {
    fn from(e: crate::admin::AdminError) -> Self {
        use crate::admin::AdminError;
        use crate::credentials::pin::PinError;
        let code = match &e {
            AdminError::PinRequired | AdminError::Pin(PinError::NotSet) => ErrorCode::PinRequired,
            AdminError::NoPinSelfService => ErrorCode::PinNotSetUp,
            AdminError::Pin(PinError::Wrong { .. }) => ErrorCode::WrongPin,
            AdminError::Pin(PinError::LockedOut { .. }) => ErrorCode::LockedOut,
            AdminError::Pin(PinError::Invalid) | AdminError::Invalid(_) => ErrorCode::Invalid,
            AdminError::Keychain(_) => ErrorCode::Keychain,
            AdminError::Storage(_) => ErrorCode::Internal,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

impl From<crate::session::service::OutOfService> for IpcError {
    fn from(e: crate::session::service::OutOfService) -> Self {
        Self {
            code: ErrorCode::OutOfService,
            message: e.detail,
        }
    }
}
