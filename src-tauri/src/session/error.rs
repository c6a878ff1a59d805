//! What can go wrong in a session, typed for the shell to translate. The
//! English text (`Display`) is for logs and `kioskctl`; the window shows each
//! reason in the person's language from its variant and data.

use crate::capture::file::ImportError;
use crate::capture::CameraError;
use crate::outbox::OutboxError;
use crate::submission::SubmitError;
use crate::verification::ApiError;

/// Why a request from the screen could not be done.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("no session is open")]
    NoSession,
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Camera(#[from] CameraError),
    #[error("the picture has problems; take it again{}", if *.0 { " or let staff accept it" } else { "" })]
    Rejected(bool),
    /// The service (or the outbox) could not do it; the detail is for staff.
    #[error("{0}")]
    Service(ServiceFailure),
    #[error("the verification service cannot be reached: {0}")]
    Unreachable(String),
    /// The outbox could not keep a session for later.
    #[error("the session could not be kept for later: {0}")]
    NotKept(OutboxError),
    /// What waits in the outbox could not be sent (staff pressed "Send now").
    #[error("the outbox could not be sent: {0}")]
    OutboxFailed(OutboxError),
    /// The service refused the credentials or the clock: the kiosk goes out of service.
    #[error("{0}")]
    Refused(String),
}

/// A request that does not fit the session as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("{0}")]
    Details(#[from] DetailsProblem),
    #[error("a session is already being started")]
    AlreadyStarting,
    #[error("choose the country that issued the document")]
    CountryMissing,
    #[error("choose the document first")]
    DocumentMissing,
    #[error("some pictures are still missing")]
    PicturesMissing,
    #[error("this applicant cannot continue: please contact support")]
    CannotContinue,
    #[error("this picture is not part of the session")]
    NotInSession,
    #[error("take the picture first")]
    NoPicture,
    #[error("this picture was already accepted by the service")]
    AlreadyAccepted,
    #[error("the camera is not running")]
    CameraStopped,
    #[error("the camera is showing another step")]
    CameraOnOtherStep,
    #[error("the camera has not delivered a picture yet")]
    NoFrameYet,
    #[error("importing photos from files is for staff profiles")]
    ImportForStaffOnly,
    #[error("the file is larger than {max_mb} MB")]
    FileTooLarge { max_mb: usize },
    #[error("this file cannot be used: {0}")]
    Unusable(ImportProblem),
    #[error("the picture could not be prepared for sending")]
    NotEncodable,
    #[error("this session has no details to correct")]
    NothingToCorrect,
    #[error("only in training mode")]
    TrainingOnly,
    #[error("the outcome is chosen by staff, not at a self-service kiosk")]
    OutcomeIsForStaff,
    #[error("only with the sample camera")]
    SampleCameraOnly,
    #[error("this kiosk keeps no sessions for later")]
    NoOutbox,
}

/// Why the details a person entered cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DetailsProblem {
    #[error("the email address is not valid")]
    Email,
    #[error("the phone number is not valid")]
    Phone,
    #[error("the date of birth must be a date (YYYY-MM-DD)")]
    DateOfBirth,
}

/// Why an imported photo file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportProblem {
    #[error("the file is empty")]
    Empty,
    #[error("the file could not be read")]
    Unreadable,
    #[error("{format} files are not supported: use JPEG or PNG")]
    Unsupported { format: String },
    #[error("it is not a JPEG or PNG picture")]
    NotAnImage,
    #[error("the image has {width}×{height} pixels; the kiosk takes pictures of up to {max_megapixels} megapixels")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_megapixels: u32,
    },
    #[error("the file is damaged or not a complete image")]
    Damaged,
    #[error("the file is larger than {max_mb} MB")]
    TooLarge { max_mb: usize },
}

impl From<ImportError> for ImportProblem {
    fn from(e: ImportError) -> Self {
        use crate::quality::DecodeError;
        match e {
            ImportError::Read(_) => Self::Unreadable,
            ImportError::Decode(DecodeError::Empty) => Self::Empty,
            ImportError::Decode(DecodeError::FileTooLarge(max_mb)) => Self::TooLarge { max_mb },
            ImportError::Decode(DecodeError::Unsupported(format)) => Self::Unsupported { format },
            ImportError::Decode(DecodeError::NotAnImage) => Self::NotAnImage,
            ImportError::Decode(DecodeError::TooLarge(width, height)) => Self::TooManyPixels {
                width,
                height,
                max_megapixels: (crate::quality::MAX_PIXELS / 1_000_000) as u32,
            },
            ImportError::Decode(DecodeError::Corrupt) => Self::Damaged,
        }
    }
}

/// The service or the outbox failed; `detail` says how (for staff and logs),
/// `correlation_id` is the service's reference for its support, when it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFailure {
    pub detail: String,
    pub correlation_id: Option<String>,
}

impl ServiceFailure {
    pub fn new(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            correlation_id: None,
        }
    }
}

impl std::fmt::Display for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<ApiError> for KioskError {
    fn from(e: ApiError) -> Self {
        if e.is_refusal() {
            Self::Refused(e.to_string())
        } else if e.is_transient() {
            Self::Unreachable(e.to_string())
        } else {
            Self::Service(ServiceFailure {
                correlation_id: e.correlation_id().map(str::to_owned),
                detail: e.to_string(),
            })
        }
    }
}

impl From<SubmitError> for KioskError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Api { source, .. } if source.is_transient() || source.is_refusal() => {
                (*source).into()
            }
            SubmitError::Api { ref source, .. } => Self::Service(ServiceFailure {
                correlation_id: source.correlation_id().map(str::to_owned),
                detail: e.to_string(),
            }),
            SubmitError::Invalid(m) => Self::Service(ServiceFailure::new(m)),
        }
    }
}
