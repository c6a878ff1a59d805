//! Local image quality: pure functions over pixels.
//!
//! - [`Assessor::assess`]: a frame to a [`QualityReport`] (resolution, sharpness,
//!   exposure, glare, steadiness) with stable problem codes.
//! - [`Thresholds`]: every default in one place.
//! - [`AutoCapture`]: accepts after N passing, steady frames in a row.
//! - [`encode_for_upload`]: JPEG for the service, no metadata.
//! - [`decode`]: image files to frames, with limits against decompression bombs.

mod decode;
mod encode;
pub mod glare;
pub mod grey;
pub mod outline;

use std::time::Instant;

use serde::Serialize;

pub use decode::{decode, jpeg_is_complete, DecodeError, DecodeLimits, MAX_PIXELS};
pub use encode::{encode_for_upload, encode_preview, EncodeError};
pub use outline::{Format, Outline};

/// An RGB frame: 8 bits per channel, interleaved, rows without padding.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    pub width: u32,
    pub height: u32,
    pub rgb: &'a [u8],
}

impl Frame<'_> {
    fn is_consistent(&self) -> bool {
        self.rgb.len() == self.width as usize * self.height as usize * 3
    }
}

/// What the image is of: the requirements differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Document,
    Selfie,
}

/// The limits the checks apply. Defaults follow the capture SDKs in the field:
/// see the reference on capture quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Minimum long × short side of a document photo: a 1280×720 camera with
    /// the card filling most of the frame reaches the service's ~300 DPI on the card.
    pub document_min: (u32, u32),
    /// Minimum long × short side of a selfie (VGA, the floor peers accept).
    pub selfie_min: (u32, u32),
    /// Minimum sharpness score of a document (Laplacian variance at the 640-pixel analysis size).
    pub min_sharpness: f64,
    /// The same for a selfie: a face has far less fine detail than printed text.
    pub min_sharpness_selfie: f64,
    /// Mean luma below this is too dark, above `max_brightness` too bright (0–255).
    pub min_brightness: f64,
    pub max_brightness: f64,
    /// Share of the image (inside a 5 % margin) covered by glare blobs.
    pub max_glare: f64,
    /// Luma at or above which a pixel counts as glare.
    pub glare_luma: u8,
    /// A glare blob smaller than this share of the image is a highlight, not glare.
    pub min_glare_blob: f64,
    /// Mean absolute difference between consecutive analysis frames (0–255)
    /// below which the camera and the hand are steady.
    pub max_motion: f64,
    /// The document's effective resolution: its width in pixels over its
    /// physical width in inches. 200 dpi is the low end of what the leading
    /// capture SDKs ask (150–400): the service reads the text and the MRZ.
    pub min_document_dpi: f32,
    /// The document's long side as a share of the frame's width, below
    /// which it is too far away to frame it well.
    pub min_document_share: f32,
    /// How far a document may lean away from the camera: the larger relative
    /// difference between opposite sides (0.15: about 25° at arm's length).
    pub max_document_perspective: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            document_min: (1280, 720),
            selfie_min: (640, 480),
            min_sharpness: 120.0,
            min_sharpness_selfie: 40.0,
            min_brightness: 40.0,
            max_brightness: 215.0,
            max_glare: 0.01,
            glare_luma: 250,
            min_glare_blob: 0.0005,
            max_motion: 3.0,
            min_document_dpi: 200.0,
            min_document_share: 0.4,
            max_document_perspective: 0.15,
        }
    }
}

/// Width the sharpness score is computed at, so a threshold means the same at 720p and 1080p.
pub const ANALYSIS_WIDTH: u32 = 640;

/// Stable problem codes; the UI shows the message for `message_key()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    NoDocument,
    DocumentCutOff,
    DocumentTooFar,
    DocumentTilted,
    ResolutionLow,
    TooSmall,
    TooBlurry,
    TooDark,
    TooBright,
    Glare,
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
            Self::TooSmall => "too_small",
            Self::TooBlurry => "too_blurry",
            Self::TooDark => "too_dark",
            Self::TooBright => "too_bright",
            Self::Glare => "glare",
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
            Self::TooSmall => {
                "The picture is too small: use a camera with at least 1280×720 pixels."
            }
            Self::TooBlurry => "The picture is blurry: hold still and let the camera focus.",
            Self::TooDark => "Too dark: move to the light.",
            Self::TooBright => "Too bright: move away from direct light.",
            Self::Glare => "Glare on the card: tilt it slightly.",
            Self::Unsteady => "Hold still.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    pub width: u32,
    pub height: u32,
    /// Variance of the Laplacian at full resolution, exactly as OpenCV computes it.
    pub laplacian_variance: f64,
    /// The same measure at the analysis size: what the decision uses.
    pub sharpness: f64,
    /// Mean luma, 0–255.
    pub brightness: f64,
    /// Share of the image covered by glare blobs, 0–1.
    pub glare_fraction: f64,
    /// Mean absolute change since the previous frame, when there was one.
    pub motion: Option<f64>,
    /// Time of the checks alone, in milliseconds.
    pub analysis_ms: f64,
    /// Where the document is in the picture (documents only), if found.
    pub document: Option<Outline>,
    pub problems: Vec<Problem>,
}

impl QualityReport {
    pub fn accepted(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn has(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }
}

/// Runs the checks on frame after frame, reusing its buffers.
#[derive(Default)]
pub struct Assessor {
    pub thresholds: Thresholds,
    grey: Vec<u8>,
    /// The analysis-size copy of this frame and of the previous one.
    small: Vec<u8>,
    /// The analysis-size brightest channel, where the document is looked for.
    value: Vec<u8>,
    previous: Option<(u32, u32, Vec<u8>)>,
}

impl Assessor {
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            ..Self::default()
        }
    }

    /// Checks one frame. An inconsistent frame (buffer size not matching its
    /// dimensions) is reported as too small rather than read out of bounds.
    pub fn assess(&mut self, frame: Frame<'_>, kind: Kind) -> QualityReport {
        let started = Instant::now();
        let t = &self.thresholds;
        let (w, h) = (frame.width as usize, frame.height as usize);
        if !frame.is_consistent() || w < 3 || h < 3 {
            return QualityReport {
                width: frame.width,
                height: frame.height,
                laplacian_variance: 0.0,
                sharpness: 0.0,
                brightness: 0.0,
                glare_fraction: 0.0,
                motion: None,
                analysis_ms: started.elapsed().as_secs_f64() * 1000.0,
                document: None,
                problems: vec![problem(ProblemCode::TooSmall)],
            };
        }
        grey::grey_from_rgb(frame.rgb, &mut self.grey);
        let laplacian_variance = grey::laplacian_variance(&self.grey, w, h);
        let factor = (w / ANALYSIS_WIDTH as usize).max(1);
        let (sw, sh) = grey::downscale_into(&self.grey, w, h, factor, &mut self.small);
        let small = &self.small;
        let sharpness = if factor == 1 {
            laplacian_variance
        } else {
            grey::laplacian_variance(small, sw, sh)
        };
        let brightness = sum_bytes(small) as f64 / small.len().max(1) as f64;
        let glare_fraction = glare::glare_fraction(small, sw, sh, t.glare_luma, t.min_glare_blob);
        let motion = match &self.previous {
            Some((pw, ph, prev)) if (*pw, *ph) == (sw as u32, sh as u32) => {
                Some(sum_abs_differences(prev, small) as f64 / small.len() as f64)
            }
            _ => None,
        };

        let document = (kind == Kind::Document).then(|| {
            let (vw, vh) = grey::value_downscaled(frame.rgb, w, h, factor, &mut self.value);
            outline::find(&self.value, vw, vh, frame.width as f32 / vw.max(1) as f32)
        });
        let mut problems = framing(document.as_ref(), frame.width, t);
        let document = document.flatten();
        let (min_long, min_short) = match kind {
            Kind::Document => t.document_min,
            Kind::Selfie => t.selfie_min,
        };
        let (long, short) = (frame.width.max(frame.height), frame.width.min(frame.height));
        if long < min_long || short < min_short {
            problems.push(problem(ProblemCode::TooSmall));
        }
        if brightness < t.min_brightness || brightness > t.max_brightness {
            // Too dark or too bright to find a document: the light comes first.
            problems.retain(|p| p.code != ProblemCode::NoDocument);
        }
        if brightness < t.min_brightness {
            problems.push(problem(ProblemCode::TooDark));
        } else if brightness > t.max_brightness {
            problems.push(problem(ProblemCode::TooBright));
        }
        // A dark frame has little contrast: say "too dark", not "blurry" as well.
        // Without a document there is nothing to judge sharp or glaring: an
        // empty desk is not "blurry".
        if kind == Kind::Selfie || document.is_some() {
            let dark = problems.iter().any(|p| p.code == ProblemCode::TooDark);
            problems.extend(sharpness_and_glare(
                sharpness,
                glare_fraction,
                kind,
                dark,
                t,
            ));
        }
        // This frame becomes the previous one; the older buffer is reused.
        let older = self.previous.take().map(|(_, _, b)| b).unwrap_or_default();
        let this = std::mem::replace(&mut self.small, older);
        self.previous = Some((sw as u32, sh as u32, this));
        QualityReport {
            width: frame.width,
            height: frame.height,
            laplacian_variance,
            sharpness,
            brightness,
            glare_fraction,
            motion,
            analysis_ms: started.elapsed().as_secs_f64() * 1000.0,
            document,
            problems,
        }
    }

    /// Forgets the previous frame (a new capture starts).
    pub fn reset(&mut self) {
        self.previous = None;
    }
}

/// Blocks whose byte sums cannot overflow 32-bit lanes (64-bit lanes
/// vectorise poorly on x86).
const SUM_BLOCK: usize = 1 << 16;

fn sum_bytes(values: &[u8]) -> u64 {
    values
        .chunks(SUM_BLOCK)
        .map(|c| c.iter().map(|&v| u32::from(v)).sum::<u32>() as u64)
        .sum()
}

fn sum_abs_differences(a: &[u8], b: &[u8]) -> u64 {
    a.chunks(SUM_BLOCK)
        .zip(b.chunks(SUM_BLOCK))
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| u32::from(x.abs_diff(*y)))
                .sum::<u32>() as u64
        })
        .sum()
}

/// Blur (unless the picture is too `dark` to tell) and, on a document, glare.
fn sharpness_and_glare(
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

/// The framing problems of a document picture, in the order they are shown:
/// none found, cut off, too far, tilted, too few pixels on it. `document` is
/// `None` for a selfie, `Some(None)` when no document was found.
fn framing(document: Option<&Option<Outline>>, frame_width: u32, t: &Thresholds) -> Vec<Problem> {
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

fn problem(code: ProblemCode) -> Problem {
    Problem {
        code,
        message: code.message(),
    }
}

/// Checks one still image (a photo taken).
pub fn assess(frame: Frame<'_>, kind: Kind, thresholds: &Thresholds) -> QualityReport {
    Assessor::new(thresholds.clone()).assess(frame, kind)
}

/// Checks a photo file (an import, `kioskctl check-image`). A file cropped
/// to the document (a scan) has no edges around it: when no document is
/// found and the picture has the proportions of an ID-1 card or a passport
/// page, the whole picture is taken as the document.
pub fn assess_file(frame: Frame<'_>, kind: Kind, thresholds: &Thresholds) -> QualityReport {
    let mut report = assess(frame, kind, thresholds);
    if kind == Kind::Document && report.document.is_none() {
        if let Some(whole) = outline::whole_picture(frame.width, frame.height) {
            // The framing of the whole picture, what was found besides, and
            // now that there is a document, its sharpness and glare.
            let mut problems = framing(Some(&Some(whole.clone())), frame.width, thresholds);
            problems.extend(
                report
                    .problems
                    .into_iter()
                    .filter(|p| p.code != ProblemCode::NoDocument),
            );
            let dark = problems.iter().any(|p| p.code == ProblemCode::TooDark);
            problems.extend(sharpness_and_glare(
                report.sharpness,
                report.glare_fraction,
                kind,
                dark,
                thresholds,
            ));
            report.problems = problems;
            report.document = Some(whole);
        }
    }
    report
}

/// Accepts a capture when `needed` frames in a row pass every check and are steady.
pub struct AutoCapture {
    pub needed: usize,
    pub max_motion: f64,
    streak: usize,
}

impl AutoCapture {
    pub fn new(needed: usize, max_motion: f64) -> Self {
        Self {
            needed: needed.max(1),
            max_motion,
            streak: 0,
        }
    }

    /// Feeds one preview frame's report; true when the capture should be taken now.
    pub fn observe(&mut self, report: &QualityReport) -> bool {
        let steady = report.motion.is_some_and(|m| m <= self.max_motion);
        if report.accepted() && steady {
            self.streak += 1;
        } else {
            self.streak = 0;
        }
        if self.streak >= self.needed {
            self.streak = 0;
            return true;
        }
        false
    }

    /// Frames in a row that passed so far (for a progress ring).
    pub fn streak(&self) -> usize {
        self.streak
    }
}

#[cfg(test)]
mod tests;
