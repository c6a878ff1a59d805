//! Faces: where they are in a picture, with a learned detector (SeetaFace's
//! frontal model, run by the pure-Rust `rustface`), compiled into the binary.
//! A selfie needs the person's face, large enough to be compared; the front
//! of an identity card or a passport page carries a portrait.

use std::sync::OnceLock;

use rustface::{Detector, ImageData, Model};
use serde::Serialize;

/// SeetaFace's frontal face model (BSD 2-Clause; see `models/README.md`).
static MODEL_BYTES: &[u8] = include_bytes!("../../models/seeta_fd_frontal_v1.0.bin");

/// The parsed model, shared by every detector.
fn model() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| match rustface::read_model(MODEL_BYTES) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!("the face model could not be read: {e}");
                None
            }
        })
        .as_ref()
}

/// The detector's smallest window, in the pixels of the image it looks at.
pub const MIN_FACE_PIXELS: u32 = 24;
/// A face scores above this (the detector's own default is 2).
const MIN_SCORE: f64 = 2.0;

/// A face found, in the picture's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Face {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    /// The detector's confidence (above 2; a clear face scores 10 and more).
    pub score: f32,
}

/// Finds faces, frame after frame (the detector keeps its buffers).
pub struct FaceFinder {
    detector: Box<dyn Detector>,
}

impl FaceFinder {
    /// A finder, or none when the model could not be read (logged once).
    pub fn new() -> Option<Self> {
        let mut detector = rustface::create_detector_with_model(model()?.clone());
        detector.set_min_face_size(MIN_FACE_PIXELS);
        detector.set_score_thresh(MIN_SCORE);
        detector.set_pyramid_scale_factor(0.8);
        detector.set_slide_window_step(4, 4);
        Some(Self { detector })
    }

    /// The faces in `grey` (`width` × `height`), largest first, in that
    /// image's pixels times `scale`.
    pub fn find(&mut self, grey: &[u8], width: usize, height: usize, scale: f32) -> Vec<Face> {
        if width < MIN_FACE_PIXELS as usize
            || height < MIN_FACE_PIXELS as usize
            || grey.len() < width * height
        {
            return Vec::new();
        }
        let image = ImageData::new(&grey[..width * height], width as u32, height as u32);
        let mut faces: Vec<Face> = self
            .detector
            .detect(&image)
            .into_iter()
            .map(|f| {
                let b = f.bbox();
                Face {
                    x: b.x() as f32 * scale,
                    y: b.y() as f32 * scale,
                    width: b.width() as f32 * scale,
                    height: b.height() as f32 * scale,
                    score: f.score() as f32,
                }
            })
            .collect();
        faces.sort_by(|a, b| b.width.total_cmp(&a.width));
        faces
    }
}

/// Width of the de-warped document a portrait is looked for in: a portrait's
/// face (a fifth to a quarter of a card's width) is then 45 to 55 pixels wide.
const PORTRAIT_SEARCH_WIDTH: usize = 224;

/// Faces frame after frame: the detector is made once, and only every
/// `every`-th frame is looked at (a face moves little between two checks;
/// the others reuse the last answer).
pub struct FaceCheck {
    finder: Option<Option<FaceFinder>>,
    every: u32,
    seen: u32,
    last: Vec<Face>,
    half: Vec<u8>,
}

impl FaceCheck {
    pub fn every(frames: u32) -> Self {
        Self {
            finder: None,
            every: frames.max(1),
            seen: 0,
            last: Vec::new(),
            half: Vec::new(),
        }
    }

    /// Whether this frame is looked at; counts it.
    fn due(&mut self) -> bool {
        let due = self.seen % self.every == 0;
        self.seen = self.seen.wrapping_add(1);
        due
    }

    fn finder(&mut self) -> Option<&mut FaceFinder> {
        self.finder.get_or_insert_with(FaceFinder::new).as_mut()
    }

    /// The faces in a selfie's analysis image (`small`, `width` × `height`),
    /// in the frame's pixels (`to_frame` times the analysis image's): looked
    /// for at half that size, where the detector's smallest window is 7.5 %
    /// of the picture's width.
    pub fn selfie(
        &mut self,
        small: &[u8],
        width: usize,
        height: usize,
        to_frame: f32,
    ) -> Vec<Face> {
        if self.due() {
            let mut half = std::mem::take(&mut self.half);
            let (hw, hh) = super::grey::downscale_into(small, width, height, 2, &mut half);
            self.last = match self.finder() {
                Some(f) => f.find(&half, hw, hh, to_frame * 2.0),
                None => Vec::new(),
            };
            self.half = half;
        }
        self.last.clone()
    }

    /// The faces printed on the document inside `quad` (in the analysis
    /// image's pixels), looked for on the document de-warped, in the
    /// frame's pixels (the boxes around where they lie in the frame).
    pub fn portrait(
        &mut self,
        small: &[u8],
        width: usize,
        height: usize,
        quad: &[[f32; 2]; 4],
        to_frame: f32,
        aspect: f32,
    ) -> Vec<Face> {
        if !self.due() {
            return self.last.clone();
        }
        let (dw, dh) = (
            PORTRAIT_SEARCH_WIDTH,
            (PORTRAIT_SEARCH_WIDTH as f32 / aspect).round() as usize,
        );
        let Some(mut document) = super::side::dewarp(small, width, height, quad, dw, dh) else {
            self.last.clear();
            return Vec::new();
        };
        let found = match self.finder() {
            Some(f) => f.find(&document, dw, dh, 1.0),
            None => Vec::new(),
        };
        zeroize::Zeroize::zeroize(&mut document);
        let to_analysis = imageproc::geometric_transformations::Projection::from_control_points(
            [
                (0.0, 0.0),
                (dw as f32, 0.0),
                (dw as f32, dh as f32),
                (0.0, dh as f32),
            ],
            quad.map(|[x, y]| (x, y)),
        );
        self.last = match to_analysis {
            Some(p) => found
                .into_iter()
                .map(|f| {
                    let corners = [
                        (f.x, f.y),
                        (f.x + f.width, f.y),
                        (f.x + f.width, f.y + f.height),
                        (f.x, f.y + f.height),
                    ]
                    .map(|c| p * c);
                    let xs = corners.map(|c| c.0 * to_frame);
                    let ys = corners.map(|c| c.1 * to_frame);
                    let (x0, x1) = (
                        xs.iter().copied().fold(f32::MAX, f32::min),
                        xs.iter().copied().fold(f32::MIN, f32::max),
                    );
                    let (y0, y1) = (
                        ys.iter().copied().fold(f32::MAX, f32::min),
                        ys.iter().copied().fold(f32::MIN, f32::max),
                    );
                    Face {
                        x: x0,
                        y: y0,
                        width: x1 - x0,
                        height: y1 - y0,
                        score: f.score,
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        self.last.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Scene, Subject};

    fn grey_of(scene: &Scene) -> Vec<u8> {
        let mut grey = Vec::new();
        crate::quality::grey::grey_from_rgb(&scene.render(0), &mut grey);
        grey
    }

    #[test]
    fn the_sample_selfie_has_a_face_and_the_card_its_portrait() {
        let mut finder = FaceFinder::new().expect("the model compiled in");
        let selfie = Scene::new(Subject::Selfie, 640, 360);
        let faces = finder.find(&grey_of(&selfie), 640, 360, 2.0);
        assert!(!faces.is_empty(), "no face on the sample selfie");
        let face = faces[0];
        // The sample person's face: centred at 38 % of the width, 42 % of the height.
        let (cx, cy) = (face.x + face.width / 2.0, face.y + face.height / 2.0);
        assert!((cx / 1280.0 - 0.38).abs() < 0.05, "{face:?}");
        assert!((cy / 720.0 - 0.42).abs() < 0.08, "{face:?}");
        assert!(face.score > 5.0, "{face:?}");
        // The same scene without the person: the wall, and the card with
        // the holder's portrait on it, a face too.
        let mut alone = selfie;
        alone.person = false;
        let card = alone.corners(0).expect("the card");
        let faces = finder.find(&grey_of(&alone), 640, 360, 1.0);
        assert_eq!(faces.len(), 1, "{faces:?}");
        let (cx, cy) = (
            faces[0].x + faces[0].width / 2.0,
            faces[0].y + faces[0].height / 2.0,
        );
        assert!(
            cx > card[0][0] && cx < card[1][0] && cy > card[0][1] && cy < card[3][1],
            "the portrait on the card {card:?}: {faces:?}"
        );
        // A desk with a card's back and nothing else.
        let desk = Scene::new(Subject::DocumentBack, 640, 360);
        assert_eq!(finder.find(&grey_of(&desk), 640, 360, 1.0), vec![]);
    }

    #[test]
    fn too_small_a_picture_is_looked_at_without_failing() {
        let mut finder = FaceFinder::new().expect("the model compiled in");
        assert!(finder.find(&[0; 10 * 10], 10, 10, 1.0).is_empty());
        assert!(finder.find(&[0; 10], 64, 64, 1.0).is_empty());
    }

    #[test]
    fn faces_are_found_on_the_labelled_selfies_and_not_on_desks() {
        use crate::capture::labelled::{card_corners, Backdrop, Case};
        let mut finder = FaceFinder::new().expect("the model compiled in");
        let (w, h) = (640u32, 360u32);
        let mut found = 0;
        let mut wrong = 0;
        let n = 12;
        for i in 0..n {
            let f = i as f32 / n as f32;
            // The card held beside the face, at different places and angles;
            // blur, noise and JPEG as a webcam gives them.
            let corners = card_corners(
                w,
                h,
                0.26 + 0.08 * f,
                (0.68 + 0.1 * f, 0.55 + 0.15 * f),
                -20.0 + 40.0 * f,
                0.0,
                10.0 * f,
            );
            let selfie = Case {
                width: w,
                height: h,
                backdrop: Backdrop::Person,
                corners: Some(corners),
                side: crate::capture::Subject::DocumentFront,
                blur: i % 3,
                noise: 6.0 * f,
                jpeg: Some(70 + (i as u8 % 4) * 7),
                seed: i as u32 + 1,
            };
            let mut grey = Vec::new();
            crate::quality::grey::grey_from_rgb(&selfie.render(), &mut grey);
            let faces = finder.find(&grey, w as usize, h as usize, 1.0);
            // The person's face: centred at 38 % of the width, 42 % of the height.
            if faces.first().is_some_and(|f| {
                ((f.x + f.width / 2.0) / w as f32 - 0.38).abs() < 0.05
                    && ((f.y + f.height / 2.0) / h as f32 - 0.42).abs() < 0.08
            }) {
                found += 1;
            }
            // The same card on a desk: no face but the card's small portrait.
            let desk = Case {
                backdrop: [
                    Backdrop::Wood,
                    Backdrop::Fabric,
                    Backdrop::Granite,
                    Backdrop::Clutter,
                ][i % 4],
                side: crate::capture::Subject::DocumentBack,
                ..selfie
            };
            let mut grey = Vec::new();
            crate::quality::grey::grey_from_rgb(&desk.render(), &mut grey);
            if !finder.find(&grey, w as usize, h as usize, 1.0).is_empty() {
                wrong += 1;
            }
        }
        println!("metric: faces found on selfies: {found}/{n}; faces reported on desks without one: {wrong}/{n}");
        assert!(found >= n - 1, "faces found on {found} of {n} selfies");
        assert_eq!(wrong, 0, "faces reported where there is none");
    }
}
