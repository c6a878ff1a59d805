//! What can be wrong with a picture, as stable codes with their messages,
//! and the rules that decide them from the measures.

use serde::Serialize;

use super::{Face, Kind, Outline, Thresholds};

/// Stable problem codes; the UI shows the message for `message_key()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    NoDocument,
    DocumentCutOff,
    DocumentTooFar,
    DocumentTilted,
    ResolutionLow,
    SameSideAgain,
    NoPortrait,
    NoFace,
    FaceTooSmall,
    TooSmall,
    TooBlurry,
    TooDark,
    TooBright,
    Glare,
    MrzGlare,
    MrzBlurry,
    MrzUnreadable,
    Unsteady,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoDocument => "no_document",
            Self::DocumentCutOff => "document_cut_off",
            Self::DocumentTooFar => "document_too_far",
            Self::DocumentTilted => "document_tilted",
            Self::ResolutionLow => "resolution_low",
            Self::SameSideAgain => "same_side_again",
            Self::NoPortrait => "no_portrait",
            Self::NoFace => "no_face",
            Self::FaceTooSmall => "face_too_small",
            Self::TooSmall => "too_small",
            Self::TooBlurry => "too_blurry",
            Self::TooDark => "too_dark",
            Self::TooBright => "too_bright",
            Self::Glare => "glare",
            Self::MrzGlare => "mrz_glare",
            Self::MrzBlurry => "mrz_blurry",
            Self::MrzUnreadable => "mrz_unreadable",
            Self::Unsteady => "unsteady",
        }
    }

    /// Key of the message in the UI's catalogues.
    pub fn message_key(self) -> String {
        format!("quality.{}", self.as_str())
    }

    /// The message in English, for the command line and logs.
    pub fn message(self) -> &'static str {
        match self {
            Self::NoDocument => "Show the document to the camera.",
            Self::DocumentCutOff => {
                "Part of the document is outside the picture: move it into the frame."
            }
            Self::DocumentTooFar => "Bring the document closer.",
            Self::DocumentTilted => "Hold the document flat, facing the camera.",
            Self::ResolutionLow => {
                "The text on the document is too small for this camera: bring it closer."
            }
            Self::SameSideAgain => "This is the side already taken: turn the document over.",
            Self::NoPortrait => "Show the side with the photo.",
            Self::NoFace => "Show your face to the camera, beside the document.",
            Self::FaceTooSmall => "Come closer to the camera: your face is too small.",
            Self::TooSmall => {
                "The picture is too small: use a camera with at least 1280×720 pixels."
            }
            Self::TooBlurry => "The picture is blurry: hold still and let the camera focus.",
            Self::TooDark => "Too dark: move to the light.",
            Self::TooBright => "Too bright: move away from direct light.",
            Self::Glare => "Glare on the card: tilt it slightly.",
            Self::MrzGlare => {
                "Glare on the machine-readable lines at the bottom: tilt the document slightly."
            }
            Self::MrzBlurry => {
                "The machine-readable lines at the bottom are blurred: hold the document still and let the camera focus on them."
            }
            Self::MrzUnreadable => {
                "The machine-readable lines at the bottom could not be read: keep them clear of fingers and glare, and hold still."
            }
            Self::Unsteady => "Hold still.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: &'static str,
}

/// Too dark or too bright, between `min` and `max` mean luma.
pub(super) fn light(brightness: f64, min: f64, max: f64) -> Option<Problem> {
    if brightness < min {
        Some(problem(ProblemCode::TooDark))
    } else if brightness > max {
        Some(problem(ProblemCode::TooBright))
    } else {
        None
    }
}

/// Blur (unless the picture is too `dark` to tell) and, on a document, glare.
pub(super) fn sharpness_and_glare(
    sharpness: f64,
    glare_fraction: f64,
    kind: Kind,
    dark: bool,
    t: &Thresholds,
) -> Vec<Problem> {
    let min_sharpness = match kind {
        Kind::Document => t.min_sharpness,
        Kind::Selfie => t.min_sharpness_selfie,
    };
    let mut problems = Vec::new();
    if sharpness < min_sharpness && !dark {
        problems.push(problem(ProblemCode::TooBlurry));
    }
    if kind == Kind::Document && glare_fraction > t.max_glare {
        problems.push(problem(ProblemCode::Glare));
    }
    problems
}

/// What is wrong with a selfie's subject: no face, a face too small to
/// compare, no document beside it.
pub(super) fn person(
    faces: &[Face],
    document: Option<&Outline>,
    frame_width: u32,
    t: &Thresholds,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    // The portrait printed on the card is a face too, but not the person's.
    match faces
        .iter()
        .find(|f| !document.is_some_and(|d| f.on(&d.corners)))
    {
        None => problems.push(problem(ProblemCode::NoFace)),
        Some(f) if f.width < t.min_face_share * frame_width as f32 => {
            problems.push(problem(ProblemCode::FaceTooSmall))
        }
        Some(_) => {}
    }
    if document.is_none() {
        problems.push(problem(ProblemCode::NoDocument));
    }
    problems
}

/// The framing problems of a document picture, in the order they are shown:
/// none found, cut off, too far, tilted, too few pixels on it. `document` is
/// `None` for a selfie, `Some(None)` when no document was found.
pub(super) fn framing(
    document: Option<&Option<Outline>>,
    frame_width: u32,
    t: &Thresholds,
) -> Vec<Problem> {
    let Some(document) = document else {
        return Vec::new();
    };
    let Some(d) = document else {
        return vec![problem(ProblemCode::NoDocument)];
    };
    let mut problems = Vec::new();
    if d.cut_off {
        problems.push(problem(ProblemCode::DocumentCutOff));
    }
    let xs = d.corners.iter().map(|c| c[0]);
    let span = xs.clone().fold(f32::MIN, f32::max) - xs.fold(f32::MAX, f32::min);
    let far = span < t.min_document_share * frame_width as f32;
    if far && !d.cut_off {
        problems.push(problem(ProblemCode::DocumentTooFar));
    }
    if d.perspective > t.max_document_perspective && !d.cut_off {
        problems.push(problem(ProblemCode::DocumentTilted));
    }
    if d.effective_dpi < t.min_document_dpi && !far && !d.cut_off {
        problems.push(problem(ProblemCode::ResolutionLow));
    }
    problems
}

pub(super) fn problem(code: ProblemCode) -> Problem {
    Problem {
        code,
        message: code.message(),
    }
}
