//! What the screen is shown of a session, and what it is told without asking:
//! the types that cross into the web view. No images and no entered data.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::capture::live::LiveFeedback;
use crate::capture::{Resolution, Subject};
use crate::quality::{Kind, ProblemCode};
use crate::verification::models::{DocSide, IdDocType};

use super::field::OutboxView;
use crate::review::recent::RecentApplicant;

/// One picture the level asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Front of a two-sided document.
    Front,
    /// Back of a two-sided document.
    Back,
    /// The photo page of a passport.
    Single,
    /// The person holding the document next to their face.
    Selfie,
    /// A utility bill or bank statement.
    Residence,
}

impl Slot {
    pub fn kind(self) -> Kind {
        match self {
            Self::Selfie => Kind::Selfie,
            _ => Kind::Document,
        }
    }

    /// Whether the picture shows the holder's portrait (an identity card's
    /// front, a passport's photo page).
    pub fn shows_portrait(self) -> bool {
        matches!(self, Self::Front | Self::Single)
    }

    /// Whether the picture may carry a machine-readable zone (an identity
    /// card's back, a passport's photo page).
    pub fn may_carry_mrz(self) -> bool {
        matches!(self, Self::Back | Self::Single)
    }

    pub(super) fn subject(self) -> Subject {
        match self {
            Self::Back => Subject::DocumentBack,
            Self::Selfie => Subject::Selfie,
            _ => Subject::DocumentFront,
        }
    }

    pub(super) fn side(self) -> Option<DocSide> {
        match self {
            Self::Front => Some(DocSide::FrontSide),
            Self::Back => Some(DocSide::BackSide),
            _ => None,
        }
    }
}

/// The languages the kiosk speaks. The applicant is created in the one shown
/// at the time, so the service writes its comments in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
    Es,
}

impl Language {
    /// The service's code for it.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Es => "es",
        }
    }
}

/// The identity documents the kiosk captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Passport,
    IdCard,
    DrivingLicence,
    ResidencePermit,
}

impl DocumentType {
    pub(super) fn id_doc_type(self) -> IdDocType {
        match self {
            Self::Passport => IdDocType::Passport,
            Self::IdCard => IdDocType::IdCard,
            Self::DrivingLicence => IdDocType::Drivers,
            Self::ResidencePermit => IdDocType::ResidencePermit,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct DocumentChoice {
    pub document_type: DocumentType,
    /// ISO 3166-1 alpha-3.
    pub country: String,
}

/// What the screen shows of one picture.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CaptureView {
    pub slot: Slot,
    pub width: u32,
    pub height: u32,
    pub problems: Vec<ProblemCode>,
    pub accepted: bool,
    pub overridden: bool,
    pub uploaded: bool,
    /// What its machine-readable zone says, beside what was entered.
    pub zone: Option<super::zone_check::ZoneCheck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Capturing,
    Submitting,
    Waiting,
    Decided,
    /// Kept in the outbox: it is sent when the service can be reached.
    Queued,
}

/// The session as the screen sees it. No images and no entered data.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SessionView {
    pub external_user_id: String,
    pub applicant_id: Option<String>,
    pub document: Option<DocumentType>,
    /// The pictures the level requires, in the order they are taken.
    pub steps: Vec<Slot>,
    /// The pictures still to take (all of them at first; only the rejected ones on a retry).
    pub to_capture: Vec<Slot>,
    pub captures: Vec<CaptureView>,
    pub attempt: u32,
    pub max_attempts: u32,
    pub phase: Phase,
    pub outcome: Option<OutcomeView>,
}

/// A picture the service rejected, with its words for why.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RetryView {
    pub slot: Slot,
    /// The service's own words for the person, in the applicant's language, if it wrote any.
    pub comment: Option<String>,
    /// The service's reject labels, explained to staff (never shown as codes to the person).
    pub labels: Vec<String>,
    /// What the person is asked to do: a group of the reject label catalogue
    /// (`ui/src/lib/i18n/reject-labels.json`), for when there is no comment.
    pub instruction: String,
}

/// What the service extracted and verified; shown to staff only.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct VerifiedView {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub document_number: Option<String>,
    pub document_expiry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutcomeView {
    Approved {
        verified: Option<VerifiedView>,
    },
    Retry {
        items: Vec<RetryView>,
        message: Option<String>,
        attempts_left: u32,
    },
    Final {
        message: Option<String>,
    },
    DataMismatch {
        fields: Vec<String>,
        message: Option<String>,
    },
    OnHold,
    /// The review takes longer than the kiosk keeps a person waiting; it goes on in recent applicants.
    StillWaiting,
    /// No connection: the session waits in the outbox with `waiting - 1` others.
    Queued {
        waiting: u32,
    },
}

/// Everything the screen hears about without asking.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KioskEvent {
    Feedback {
        slot: Slot,
        feedback: LiveFeedback,
    },
    AutoCaptured {
        slot: Slot,
    },
    CameraLost {
        reason: String,
    },
    Upload {
        image: u32,
        images: u32,
        sent: f64,
        total: f64,
    },
    Review {
        status: String,
    },
    Outcome {
        outcome: OutcomeView,
    },
    Failed {
        message: String,
    },
    /// An applicant in the recent list changed (any session, also long after it ended).
    Recent {
        applicant: RecentApplicant,
    },
    /// The outbox changed: sessions were kept or sent.
    Outbox {
        outbox: OutboxView,
    },
    /// The kiosk went out of service, or came back.
    Availability {
        in_service: bool,
    },
}

pub type EventSink = Arc<dyn Fn(KioskEvent) + Send + Sync>;

/// A camera the kiosk can use.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CameraView {
    pub id: String,
    pub name: String,
    pub best: Option<Resolution>,
    /// The camera the next start uses.
    pub in_use: bool,
}

/// Information about the camera that was started.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CameraStarted {
    /// Identifies this camera run; stopping with it never stops a later run.
    pub run: u32,
    pub name: String,
    pub resolution: Resolution,
    pub warning: Option<String>,
    pub mirrored: bool,
}
