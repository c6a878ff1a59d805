//! The one error shape that crosses into the web view: a code for the UI's
//! logic, a message key and its values for the person's language, the English
//! text for logs, and the service's correlation id where it gave one.

use std::collections::BTreeMap;

use serde::Serialize;
use specta::Type;

use crate::admin::{AdminError, AdminInvalid};
use crate::capture::CameraError;
use crate::credentials::pin::PinError;
use crate::session::kiosk::{DetailsProblem, ImportProblem, Invalid, KioskError};

/// A closed set of codes; the UI branches on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Internal,
    NoSession,
    Invalid,
    NoCamera,
    CameraBusy,
    /// The operating system does not let the kiosk use the camera (macOS privacy settings).
    CameraNotAllowed,
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

/// The text to show, as a key of the window's catalogues (every key here
/// exists in every language: the front end's type check fails otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub enum ErrorKey {
    #[serde(rename = "error.generic")]
    Generic,
    #[serde(rename = "error.no_session")]
    NoSession,
    #[serde(rename = "error.details_email")]
    DetailsEmail,
    #[serde(rename = "error.details_phone")]
    DetailsPhone,
    #[serde(rename = "error.details_date_of_birth")]
    DetailsDateOfBirth,
    #[serde(rename = "error.already_starting")]
    AlreadyStarting,
    #[serde(rename = "error.country_missing")]
    CountryMissing,
    #[serde(rename = "error.document_missing")]
    DocumentMissing,
    #[serde(rename = "error.pictures_missing")]
    PicturesMissing,
    #[serde(rename = "error.cannot_continue")]
    CannotContinue,
    #[serde(rename = "error.not_in_session")]
    NotInSession,
    #[serde(rename = "error.no_picture")]
    NoPicture,
    #[serde(rename = "error.already_accepted")]
    AlreadyAccepted,
    #[serde(rename = "error.camera_stopped")]
    CameraStopped,
    #[serde(rename = "error.camera_other_step")]
    CameraOnOtherStep,
    #[serde(rename = "error.no_frame_yet")]
    NoFrameYet,
    #[serde(rename = "error.import_staff_only")]
    ImportForStaffOnly,
    /// `{max_mb}`
    #[serde(rename = "error.file_too_large")]
    FileTooLarge,
    #[serde(rename = "error.file_empty")]
    FileEmpty,
    #[serde(rename = "error.file_unreadable")]
    FileUnreadable,
    /// `{format}`
    #[serde(rename = "error.file_unsupported")]
    FileUnsupported,
    /// `{width}`, `{height}`, `{max_megapixels}`
    #[serde(rename = "error.file_too_many_pixels")]
    FileTooManyPixels,
    #[serde(rename = "error.file_not_an_image")]
    FileNotAnImage,
    #[serde(rename = "error.file_damaged")]
    FileDamaged,
    #[serde(rename = "error.not_encodable")]
    NotEncodable,
    #[serde(rename = "error.nothing_to_correct")]
    NothingToCorrect,
    #[serde(rename = "error.training_only")]
    TrainingOnly,
    #[serde(rename = "error.outcome_for_staff")]
    OutcomeIsForStaff,
    #[serde(rename = "error.sample_camera_only")]
    SampleCameraOnly,
    #[serde(rename = "error.no_outbox")]
    NoOutbox,
    #[serde(rename = "error.not_kept")]
    NotKept,
    #[serde(rename = "error.outbox_failed")]
    OutboxFailed,
    #[serde(rename = "error.no_camera")]
    NoCamera,
    #[serde(rename = "error.camera_busy")]
    CameraBusy,
    #[serde(rename = "error.camera_not_allowed")]
    CameraNotAllowed,
    #[serde(rename = "error.camera")]
    Camera,
    #[serde(rename = "error.rejected")]
    Rejected,
    #[serde(rename = "error.rejected_staff")]
    RejectedStaffMayAccept,
    #[serde(rename = "error.service")]
    Service,
    #[serde(rename = "error.unreachable")]
    Unreachable,
    #[serde(rename = "error.out_of_service")]
    OutOfService,
    #[serde(rename = "error.forbidden")]
    Forbidden,
    #[serde(rename = "error.pin_required")]
    PinRequired,
    #[serde(rename = "error.pin_not_set_up")]
    PinNotSetUp,
    #[serde(rename = "error.pin_format")]
    PinFormat,
    /// `{remaining}`
    #[serde(rename = "error.pin_wrong")]
    PinWrong,
    /// `{minutes}`
    #[serde(rename = "error.pin_locked_out")]
    PinLockedOut,
    #[serde(rename = "error.keychain")]
    Keychain,
    #[serde(rename = "error.admin_credentials_missing")]
    AdminCredentialsMissing,
    /// `{token}`, `{kiosk}`: the service's environment names.
    #[serde(rename = "error.admin_token_environment")]
    AdminTokenForOtherEnvironment,
    #[serde(rename = "error.admin_webhook_secret_missing")]
    AdminWebhookSecretMissing,
    #[serde(rename = "error.admin_mode_from_environment")]
    AdminModeFromEnvironment,
    #[serde(rename = "error.admin_level_name")]
    AdminLevelName,
    /// The organisation's settings file sets this setting.
    #[serde(rename = "error.admin_managed")]
    AdminManaged,
}

/// What crosses into the web view when a command fails.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    /// The text to show, in the person's language, with `params` filled in.
    pub key: ErrorKey,
    pub params: BTreeMap<String, String>,
    /// The English text: for logs, and for staff where it says more.
    pub message: String,
    /// The verification service's reference for its support, when it gave one.
    pub correlation_id: Option<String>,
}

impl IpcError {
    fn new(code: ErrorCode, key: ErrorKey, message: impl Into<String>) -> Self {
        Self {
            code,
            key,
            params: BTreeMap::new(),
            message: message.into(),
            correlation_id: None,
        }
    }

    fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }

    /// A request the window should never make (a bug, not a person's mistake).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, ErrorKey::Generic, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, ErrorKey::Generic, message)
    }
}

impl From<super::access::Refusal> for IpcError {
    fn from(e: super::access::Refusal) -> Self {
        Self::new(ErrorCode::Forbidden, ErrorKey::Forbidden, e.to_string())
    }
}

fn invalid_key(e: &Invalid) -> (ErrorKey, Vec<(&'static str, String)>) {
    use ErrorKey as K;
    let none = Vec::new();
    match e {
        Invalid::Details(DetailsProblem::Email) => (K::DetailsEmail, none),
        Invalid::Details(DetailsProblem::Phone) => (K::DetailsPhone, none),
        Invalid::Details(DetailsProblem::DateOfBirth) => (K::DetailsDateOfBirth, none),
        Invalid::AlreadyStarting => (K::AlreadyStarting, none),
        Invalid::CountryMissing => (K::CountryMissing, none),
        Invalid::DocumentMissing => (K::DocumentMissing, none),
        Invalid::PicturesMissing => (K::PicturesMissing, none),
        Invalid::CannotContinue => (K::CannotContinue, none),
        Invalid::NotInSession => (K::NotInSession, none),
        Invalid::NoPicture => (K::NoPicture, none),
        Invalid::AlreadyAccepted => (K::AlreadyAccepted, none),
        Invalid::CameraStopped => (K::CameraStopped, none),
        Invalid::CameraOnOtherStep => (K::CameraOnOtherStep, none),
        Invalid::NoFrameYet => (K::NoFrameYet, none),
        Invalid::ImportForStaffOnly => (K::ImportForStaffOnly, none),
        Invalid::FileTooLarge { max_mb }
        | Invalid::Unusable(ImportProblem::TooLarge { max_mb }) => {
            (K::FileTooLarge, vec![("max_mb", max_mb.to_string())])
        }
        Invalid::Unusable(ImportProblem::Empty) => (K::FileEmpty, none),
        Invalid::Unusable(ImportProblem::Unreadable) => (K::FileUnreadable, none),
        Invalid::Unusable(ImportProblem::Unsupported { format }) => {
            (K::FileUnsupported, vec![("format", format.clone())])
        }
        Invalid::Unusable(ImportProblem::TooManyPixels {
            width,
            height,
            max_megapixels,
        }) => (
            K::FileTooManyPixels,
            vec![
                ("width", width.to_string()),
                ("height", height.to_string()),
                ("max_megapixels", max_megapixels.to_string()),
            ],
        ),
        Invalid::Unusable(ImportProblem::NotAnImage) => (K::FileNotAnImage, none),
        Invalid::Unusable(ImportProblem::Damaged) => (K::FileDamaged, none),
        Invalid::NotEncodable => (K::NotEncodable, none),
        Invalid::NothingToCorrect => (K::NothingToCorrect, none),
        Invalid::TrainingOnly => (K::TrainingOnly, none),
        Invalid::OutcomeIsForStaff => (K::OutcomeIsForStaff, none),
        Invalid::SampleCameraOnly => (K::SampleCameraOnly, none),
        Invalid::NoOutbox => (K::NoOutbox, none),
    }
}

impl From<KioskError> for IpcError {
    fn from(e: KioskError) -> Self {
        let message = e.to_string();
        let (code, key) = match &e {
            KioskError::NoSession => (ErrorCode::NoSession, ErrorKey::NoSession),
            KioskError::Invalid(invalid) => {
                let (key, params) = invalid_key(invalid);
                let mut error = Self::new(ErrorCode::Invalid, key, message);
                for (name, value) in params {
                    error = error.with(name, value);
                }
                return error;
            }
            KioskError::Camera(CameraError::NotFound) => (ErrorCode::NoCamera, ErrorKey::NoCamera),
            KioskError::Camera(CameraError::Busy(_)) => {
                (ErrorCode::CameraBusy, ErrorKey::CameraBusy)
            }
            KioskError::Camera(CameraError::NotAllowed) => {
                (ErrorCode::CameraNotAllowed, ErrorKey::CameraNotAllowed)
            }
            KioskError::Camera(_) => (ErrorCode::Camera, ErrorKey::Camera),
            KioskError::Rejected(false) => (ErrorCode::Rejected, ErrorKey::Rejected),
            KioskError::Rejected(true) => (ErrorCode::Rejected, ErrorKey::RejectedStaffMayAccept),
            KioskError::Service(failure) => {
                let mut error = Self::new(ErrorCode::Service, ErrorKey::Service, message);
                error.correlation_id = failure.correlation_id.clone();
                return error;
            }
            KioskError::Unreachable(_) => (ErrorCode::Unreachable, ErrorKey::Unreachable),
            KioskError::NotKept(_) => (ErrorCode::Internal, ErrorKey::NotKept),
            KioskError::OutboxFailed(_) => (ErrorCode::Internal, ErrorKey::OutboxFailed),
            KioskError::Refused(_) => (ErrorCode::OutOfService, ErrorKey::OutOfService),
        };
        Self::new(code, key, message)
    }
}

impl From<AdminError> for IpcError {
    fn from(e: AdminError) -> Self {
        let message = e.to_string();
        match &e {
            AdminError::PinRequired | AdminError::Pin(PinError::NotSet) => {
                Self::new(ErrorCode::PinRequired, ErrorKey::PinRequired, message)
            }
            AdminError::NoPinSelfService => {
                Self::new(ErrorCode::PinNotSetUp, ErrorKey::PinNotSetUp, message)
            }
            AdminError::Pin(PinError::Wrong { remaining }) => {
                Self::new(ErrorCode::WrongPin, ErrorKey::PinWrong, message)
                    .with("remaining", remaining)
            }
            AdminError::Pin(PinError::LockedOut { seconds }) => {
                Self::new(ErrorCode::LockedOut, ErrorKey::PinLockedOut, message)
                    .with("minutes", seconds.div_ceil(60))
            }
            AdminError::Pin(PinError::Invalid) => {
                Self::new(ErrorCode::Invalid, ErrorKey::PinFormat, message)
            }
            AdminError::Invalid(invalid) => {
                let key = match invalid {
                    AdminInvalid::CredentialsMissing => ErrorKey::AdminCredentialsMissing,
                    AdminInvalid::TokenForOtherEnvironment { token, kiosk } => {
                        return Self::new(
                            ErrorCode::Invalid,
                            ErrorKey::AdminTokenForOtherEnvironment,
                            message,
                        )
                        .with("token", token)
                        .with("kiosk", kiosk)
                    }
                    AdminInvalid::WebhookSecretMissing => ErrorKey::AdminWebhookSecretMissing,
                    AdminInvalid::ModeFromEnvironment => ErrorKey::AdminModeFromEnvironment,
                    AdminInvalid::LevelName => ErrorKey::AdminLevelName,
                    AdminInvalid::ManagedByOrganisation { .. } => ErrorKey::AdminManaged,
                };
                Self::new(ErrorCode::Invalid, key, message)
            }
            AdminError::Keychain(_) => Self::new(ErrorCode::Keychain, ErrorKey::Keychain, message),
            AdminError::Storage(_) => Self::new(ErrorCode::Internal, ErrorKey::Generic, message),
        }
    }
}

impl From<crate::session::service::OutOfService> for IpcError {
    fn from(e: crate::session::service::OutOfService) -> Self {
        Self::new(ErrorCode::OutOfService, ErrorKey::OutOfService, e.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::kiosk::ServiceFailure;

    #[test]
    fn a_refusal_carries_its_key_and_values_and_the_english_text() {
        let e = IpcError::from(KioskError::from(Invalid::Unusable(
            ImportProblem::TooManyPixels {
                width: 16000,
                height: 16000,
                max_megapixels: 50,
            },
        )));
        assert_eq!(e.code, ErrorCode::Invalid);
        assert_eq!(e.key, ErrorKey::FileTooManyPixels);
        assert_eq!(e.params["width"], "16000");
        assert_eq!(e.params["max_megapixels"], "50");
        assert!(e.message.contains("16000×16000"), "{}", e.message);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["key"], "error.file_too_many_pixels");
    }

    #[test]
    fn the_services_reference_reaches_staff_and_its_wording_stays_in_the_message() {
        let e = IpcError::from(KioskError::Service(ServiceFailure {
            detail: "verification service error 400: bad (correlation id req-7)".into(),
            correlation_id: Some("req-7".into()),
        }));
        assert_eq!((e.code, e.key), (ErrorCode::Service, ErrorKey::Service));
        assert_eq!(e.correlation_id.as_deref(), Some("req-7"));
        assert!(
            e.params.is_empty(),
            "the service's wording is never shown as text to translate"
        );
    }

    #[test]
    fn a_lockout_is_said_in_whole_minutes() {
        let e = IpcError::from(AdminError::Pin(PinError::LockedOut { seconds: 61 }));
        assert_eq!(
            (e.code, e.key),
            (ErrorCode::LockedOut, ErrorKey::PinLockedOut)
        );
        assert_eq!(e.params["minutes"], "2");
    }
}
