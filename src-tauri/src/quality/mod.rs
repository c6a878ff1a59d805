//! Local image quality: pure functions over pixels.
//!
//! - [`Assessor::assess`]: a frame to a [`QualityReport`]: the document's
//!   outline ([`outline`]) and, inside it, sharpness, exposure and glare; the
//!   side shown ([`side`]), the portrait and a selfie's faces ([`faces`]), glare
//!   on the machine-readable zone ([`mrz`]), and on a still, the zone read
//!   and its check digits verified ([`mrz::read`]); steadiness; with stable
//!   problem codes ([`ProblemCode`]).
//! - [`Thresholds`]: every default in one place.
//! - [`crop::document`]: the document cut out and de-warped, for upload.
//! - [`AutoCapture`]: accepts after N passing, steady frames in a row.
//! - [`encode_for_upload`]: JPEG for the service, no metadata.
//! - [`decode`]: image files to frames, with limits against decompression bombs.

pub mod crop;
mod decode;
pub mod edges;
mod encode;
pub mod faces;
mod file;
pub mod glare;
pub mod grey;
pub mod mrz;
pub mod outline;
mod problems;
pub mod side;

use std::time::Instant;

use serde::Serialize;

pub use decode::{decode, jpeg_is_complete, DecodeError, DecodeLimits, MAX_PIXELS};
pub use encode::{encode_for_upload, encode_preview, EncodeError};
pub use faces::Face;
pub use file::assess_file;
pub use mrz::read::{Fields as ZoneFields, Reading as ZoneReading};
pub use outline::{Format, Outline};
use problems::{framing, light, person, problem, sharpness_and_glare};
pub use problems::{Problem, ProblemCode};
pub use side::Side;

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
    /// The ceiling inside a document's outline: its paper is white, so it is
    /// rightly brighter than a whole scene; above this the print washes out.
    pub max_document_brightness: f64,
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
    /// Share of the machine-readable zone washed out by glare above which
    /// a character or two cannot be read (and the check digits fail).
    pub max_mrz_glare: f64,
    /// The machine-readable zone's own sharpness (the Laplacian's variance
    /// over its rows, de-warped 320 pixels wide) below which its characters
    /// run together. Its dense print measures two to five times the card's
    /// as a whole; the sample card's zone is read at 1,470 and no longer at
    /// 780, while its card as a whole still passed (130).
    pub min_mrz_sharpness: f64,
    /// The smallest face a selfie may show, as a share of the frame's
    /// width: 154 pixels at 1280×720, its eyes some 60 pixels apart, what
    /// comparing it with the document's portrait needs.
    pub min_face_share: f32,
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
            max_document_brightness: 240.0,
            max_glare: 0.01,
            glare_luma: 250,
            min_glare_blob: 0.0005,
            max_motion: 3.0,
            min_document_dpi: 200.0,
            min_document_share: 0.4,
            max_document_perspective: 0.15,
            min_face_share: 0.12,
            max_mrz_glare: 0.01,
            min_mrz_sharpness: 1000.0,
        }
    }
}

/// Width the sharpness score is computed at, so a threshold means the same at 720p and 1080p.
pub const ANALYSIS_WIDTH: u32 = 640;

/// How far inside its outline a document is measured (a share of the way to
/// its centre): its own border against the desk is not its sharpness.
const DOCUMENT_INSET: f32 = 0.06;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    pub width: u32,
    pub height: u32,
    /// Variance of the Laplacian at full resolution, exactly as OpenCV
    /// computes it: for a single picture (a file, a still), not for live
    /// frames (see [`Assessor::at_full_resolution`]).
    pub laplacian_variance: Option<f64>,
    /// The same measure at the analysis size, inside the document when one
    /// was found: what the decision uses.
    pub sharpness: f64,
    /// Mean luma, 0–255, of the document when one was found, else of the picture.
    pub brightness: f64,
    /// Share of the document (else of the picture) covered by glare blobs, 0–1.
    pub glare_fraction: f64,
    /// Mean absolute change since the previous frame, when there was one.
    pub motion: Option<f64>,
    /// Time of the checks alone, in milliseconds.
    pub analysis_ms: f64,
    /// Where the document is in the picture (documents only), if found.
    pub document: Option<Outline>,
    /// The document's side, de-warped, when it lies wholly in the picture:
    /// kept with a front to tell the back from it.
    #[serde(skip)]
    pub side: Option<Side>,
    /// Faces found, largest first, in the frame's pixels: the person on a
    /// selfie, the portrait on a document's front.
    pub faces: Vec<Face>,
    /// The machine-readable zone read, on a still that asked for it.
    #[serde(skip)]
    pub zone: Option<ZoneReading>,
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
pub struct Assessor {
    pub thresholds: Thresholds,
    /// The full-size grey picture, or a band of its rows.
    grey: Vec<u8>,
    /// Also measure the whole picture's sharpness at full resolution.
    full_resolution: bool,
    /// The analysis-size copy of this frame and of the previous one.
    small: Vec<u8>,
    /// The analysis-size channels the document is looked for in.
    planes: outline::Planes,
    previous: Option<(u32, u32, Vec<u8>)>,
    /// The side already taken (the front, at the back slot): a document
    /// showing it again is `same_side_again`.
    other_side: Option<Side>,
    /// The document should show its holder's portrait (a card's front, a
    /// passport page).
    portrait: bool,
    /// The document may carry a machine-readable zone (a card's back, a
    /// passport page): glare on it is judged on its own.
    mrz: bool,
    /// Read that zone too (a still: too slow for every live frame).
    read_zone: bool,
    faces: faces::FaceCheck,
}

impl Default for Assessor {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            grey: Vec::new(),
            full_resolution: false,
            small: Vec::new(),
            planes: outline::Planes::default(),
            previous: None,
            other_side: None,
            portrait: false,
            mrz: false,
            read_zone: false,
            faces: faces::FaceCheck::every(1),
        }
    }
}

impl Assessor {
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            ..Self::default()
        }
    }

    /// Asks a document for its holder's portrait: `no_portrait` without one.
    pub fn expecting_portrait(mut self, portrait: bool) -> Self {
        self.portrait = portrait;
        self
    }

    /// Also reports the Laplacian's variance over the whole full-size
    /// picture, for one picture. A live frame is judged on its analysis-size
    /// copy; making the full-size grey picture and measuring it would add
    /// about a fifth to a 1080p frame's analysis.
    pub fn at_full_resolution(mut self, full: bool) -> Self {
        self.full_resolution = full;
        self
    }

    /// Looks for a machine-readable zone on the document and judges glare on it.
    pub fn judging_mrz(mut self, mrz: bool) -> Self {
        self.mrz = mrz;
        self
    }

    /// Reads the machine-readable zone of a document judged with
    /// [`Self::judging_mrz`] and verifies its check digits: `mrz_unreadable`
    /// when they do not add up. For a still: it takes some 30 ms.
    pub fn reading_zone(mut self, read: bool) -> Self {
        self.read_zone = read;
        self
    }

    /// Looks for faces in every `frames`-th frame only, reusing the last
    /// answer in between (a live preview: the detector is the slowest check).
    pub fn faces_every(mut self, frames: u32) -> Self {
        self.faces = faces::FaceCheck::every(frames);
        self
    }

    /// Compares every document with `side`, the one already taken.
    pub fn comparing_with(mut self, side: Option<Side>) -> Self {
        self.other_side = side;
        self
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
                laplacian_variance: None,
                sharpness: 0.0,
                brightness: 0.0,
                glare_fraction: 0.0,
                motion: None,
                analysis_ms: started.elapsed().as_secs_f64() * 1000.0,
                document: None,
                side: None,
                faces: Vec::new(),
                zone: None,
                problems: vec![problem(ProblemCode::TooSmall)],
            };
        }
        let factor = (w / ANALYSIS_WIDTH as usize).max(1);
        let (laplacian_variance, (sw, sh)) = if self.full_resolution {
            grey::grey_from_rgb(frame.rgb, &mut self.grey);
            let variance = grey::laplacian_variance(&self.grey, w, h);
            let small = grey::downscale_into(&self.grey, w, h, factor, &mut self.small);
            grey::planes_downscaled(frame.rgb, w, h, factor, self.planes.all_mut());
            (Some(variance), small)
        } else {
            let small = grey::grey_and_planes_downscaled(
                frame.rgb,
                w,
                h,
                factor,
                &mut self.grey,
                &mut self.small,
                self.planes.all_mut(),
            );
            (None, small)
        };
        let small = &self.small;
        let motion = match &self.previous {
            Some((pw, ph, prev)) if (*pw, *ph) == (sw as u32, sh as u32) => {
                Some(grey::sum_abs_differences(prev, small) as f64 / small.len() as f64)
            }
            _ => None,
        };
        // A selfie shows the document too, beside the face.
        let shape = match kind {
            Kind::Document => outline::Shape::Exact,
            Kind::Selfie => outline::Shape::Whereabouts,
        };
        let found = outline::find_in_planes(w, h, factor, &self.planes, shape);
        let document = (kind == Kind::Document).then_some(found.clone());
        let to_frame = frame.width as f32 / sw as f32;
        let mut faces = match kind {
            Kind::Selfie => {
                let beside = found.as_ref().filter(|d| !d.cut_off).map(|d| &d.corners);
                self.faces.selfie(small, sw, sh, to_frame, beside)
            }
            Kind::Document => Vec::new(),
        };
        // The whole picture's light: its brightness without a document, and
        // with one, whether the scene as a whole is washed out.
        let scene_brightness = grey::sum_bytes(small) as f64 / small.len().max(1) as f64;
        // Sharpness, light and glare of the document when there is one (the
        // desk around it says nothing about the card), else of the picture.
        let mut side = None;
        let mut mrz_look = None;
        let mut zone = None;
        let (sharpness, brightness, glare_fraction) = match document
            .as_ref()
            .and_then(|d| d.as_ref())
        {
            Some(d) => {
                let scale = sw as f32 / frame.width as f32;
                let quad = d.corners.map(|[x, y]| [x * scale, y * scale]);
                if !d.cut_off {
                    side = Side::of(small, sw, sh, &quad);
                    let aspect = d.format.aspect();
                    if self.portrait {
                        faces = self.faces.portrait(small, sw, sh, &quad, to_frame, aspect);
                    }
                    if self.mrz {
                        mrz_look =
                            mrz::look_on_document(small, sw, sh, &quad, aspect, t.glare_luma);
                        if self.read_zone {
                            // At full size: a character is a few pixels wide
                            // at the analysis size.
                            if !self.full_resolution {
                                grey::grey_from_rgb(frame.rgb, &mut self.grey);
                            }
                            zone = mrz::read::read(&self.grey, w, h, &d.corners, d.format);
                        }
                    }
                }
                let rows = outline::spans(&quad, DOCUMENT_INSET, sw, sh);
                let (brightness, sharpness) = grey::region_mean_and_sharpness(small, sw, sh, &rows);
                let glare =
                    glare::glare_fraction_in(small, sw, sh, &rows, t.glare_luma, t.min_glare_blob);
                (sharpness, brightness, glare)
            }
            None => {
                let sharpness = grey::laplacian_variance(small, sw, sh);
                let glare = glare::glare_fraction(small, sw, sh, t.glare_luma, t.min_glare_blob);
                (sharpness, scene_brightness, glare)
            }
        };
        let mut problems = match kind {
            Kind::Document => framing(document.as_ref(), frame.width, t),
            // The document whole beside the face (not the shoulders the
            // frame cuts off, nor the card half out of the picture).
            Kind::Selfie => person(
                &faces,
                found.as_ref().filter(|d| !d.cut_off),
                frame.width,
                t,
            ),
        };
        problems.extend(self.same_side(side.as_ref()));
        let whole_document = document
            .as_ref()
            .is_some_and(|d| d.as_ref().is_some_and(|d| !d.cut_off));
        if self.portrait && whole_document && faces.is_empty() {
            problems.push(problem(ProblemCode::NoPortrait));
        }
        let document = document.flatten();
        let (min_long, min_short) = match kind {
            Kind::Document => t.document_min,
            Kind::Selfie => t.selfie_min,
        };
        let (long, short) = (frame.width.max(frame.height), frame.width.min(frame.height));
        if long < min_long || short < min_short {
            problems.push(problem(ProblemCode::TooSmall));
        }
        let max_brightness = if document.is_some() {
            t.max_document_brightness
        } else {
            t.max_brightness
        };
        // A camera that does not expose for the room washes out the whole
        // scene, not just the card's white paper: too bright, though the
        // card alone would pass (its saturated paper would read as glare).
        let light = light(brightness, t.min_brightness, max_brightness).or_else(|| {
            (document.is_some() && scene_brightness > t.max_brightness)
                .then(|| problem(ProblemCode::TooBright))
        });
        if light.is_some() {
            // Too dark or too bright to find a document or a face: the light comes first.
            problems.retain(|p| {
                !matches!(
                    p.code,
                    ProblemCode::NoDocument | ProblemCode::NoFace | ProblemCode::NoPortrait
                )
            });
        }
        problems.extend(light);
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
        if let Some(look) = mrz_look {
            let has = |problems: &[Problem], code| problems.iter().any(|p| p.code == code);
            if look.sharpness < t.min_mrz_sharpness
                && !has(&problems, ProblemCode::TooBlurry)
                && !has(&problems, ProblemCode::TooDark)
            {
                // Blur comes before glare.
                let at = problems
                    .iter()
                    .position(|p| p.code == ProblemCode::Glare)
                    .unwrap_or(problems.len());
                problems.insert(at, problem(ProblemCode::MrzBlurry));
            }
            if look.glare > t.max_mrz_glare && !has(&problems, ProblemCode::Glare) {
                problems.push(problem(ProblemCode::MrzGlare));
            }
        }
        problems.extend(unreadable_zone(&problems, zone.as_ref()));
        if kind == Kind::Selfie && problems.iter().any(|p| p.code == ProblemCode::TooBlurry) {
            // The card beside a blurred face is lost in the blur: say what to fix.
            problems.retain(|p| p.code != ProblemCode::NoDocument);
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
            side,
            faces,
            zone,
            problems,
        }
    }

    /// `same_side_again` when `side` is the one already taken.
    fn same_side(&self, side: Option<&Side>) -> Option<Problem> {
        match (&self.other_side, side) {
            (Some(taken), Some(shown)) if taken.same_as(shown) => {
                Some(problem(ProblemCode::SameSideAgain))
            }
            _ => None,
        }
    }

    /// Forgets the previous frame (a new capture starts).
    pub fn reset(&mut self) {
        self.previous = None;
    }
}

/// `mrz_unreadable` when the zone was read but its check digits do not add
/// up, and nothing else is wrong with the picture (blur, glare, a document
/// too far are what made it unreadable: they say what to do).
fn unreadable_zone(problems: &[Problem], zone: Option<&ZoneReading>) -> Option<Problem> {
    (problems.is_empty() && zone == Some(&ZoneReading::Unreadable))
        .then(|| problem(ProblemCode::MrzUnreadable))
}

/// Checks one still image (a photo taken), its full-size sharpness too.
pub fn assess(frame: Frame<'_>, kind: Kind, thresholds: &Thresholds) -> QualityReport {
    Assessor::new(thresholds.clone())
        .at_full_resolution(true)
        .assess(frame, kind)
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
