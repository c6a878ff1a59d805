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

/// The detector's window, in the pixels of the image it looks at: the
/// smallest face it finds (it does not enlarge the picture for smaller ones).
pub const MIN_FACE_PIXELS: u32 = 40;
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

impl Face {
    /// Whether the face's centre lies on the document inside `quad` (in the
    /// same pixels, either way round): the portrait printed on it.
    pub fn on(&self, quad: &[[f32; 2]; 4]) -> bool {
        let (x, y) = (self.x + self.width / 2.0, self.y + self.height / 2.0);
        let side =
            |a: [f32; 2], b: [f32; 2]| (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
        let sides = [0, 1, 2, 3].map(|i| side(quad[i], quad[(i + 1) % 4]));
        sides.iter().all(|&s| s >= 0.0) || sides.iter().all(|&s| s <= 0.0)
    }
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
        self.find_up_to(grey, width, height, scale, 0)
    }

    /// As [`find`](Self::find), for faces up to `largest` pixels wide (0:
    /// any size) only: the detector then looks at fewer sizes.
    pub fn find_up_to(
        &mut self,
        grey: &[u8],
        width: usize,
        height: usize,
        scale: f32,
        largest: u32,
    ) -> Vec<Face> {
        if width < MIN_FACE_PIXELS as usize
            || height < MIN_FACE_PIXELS as usize
            || grey.len() < width * height
        {
            return Vec::new();
        }
        self.detector.set_max_face_size(largest);
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
    /// A selfie's faces from the last look at half size, and from the last
    /// closer look (since the other found nobody).
    large: Vec<Face>,
    small: Vec<Face>,
    /// The last look at half size found nobody: the next looks closer.
    look_closer: bool,
}

impl FaceCheck {
    pub fn every(frames: u32) -> Self {
        Self {
            finder: None,
            every: frames.max(1),
            seen: 0,
            last: Vec::new(),
            half: Vec::new(),
            large: Vec::new(),
            small: Vec::new(),
            look_closer: false,
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
    /// in the frame's pixels (`to_frame` times the analysis image's), the
    /// document held beside them at `document` (in the frame's pixels).
    ///
    /// They are looked for at half that size, where the detector's window is
    /// 12.5 % of the picture's width (the faces it reports, their boxes
    /// refined, from about a tenth): a person at the counter shows a larger
    /// face. When that finds none but the document's portrait, the person may
    /// stand too far back to be compared, and a closer look at two thirds of
    /// the analysis size finds the faces down to about 8 % of the width: the
    /// person is then asked to come closer, not to show their face. Frame
    /// after frame the two looks take turns, and the faces of the last of
    /// each are reported; a picture looked at once (`every` 1) has both.
    pub fn selfie(
        &mut self,
        small: &[u8],
        width: usize,
        height: usize,
        to_frame: f32,
        document: Option<&[[f32; 2]; 4]>,
    ) -> Vec<Face> {
        if !self.due() {
            return self.last.clone();
        }
        let once = self.every == 1;
        if self.look_closer && !once {
            self.small = self.closer_look(small, width, height, to_frame);
            self.look_closer = false;
        } else {
            let mut half = std::mem::take(&mut self.half);
            let (hw, hh) = super::grey::downscale_into(small, width, height, 2, &mut half);
            self.large = match self.finder() {
                Some(f) => f.find(&half, hw, hh, to_frame * 2.0),
                None => Vec::new(),
            };
            self.half = half;
            let nobody = self.large.iter().all(|f| document.is_some_and(|d| f.on(d)));
            self.look_closer = nobody;
            if !nobody {
                self.small.clear();
            } else if once {
                self.small = self.closer_look(small, width, height, to_frame);
            }
        }
        self.last.clear();
        self.last
            .extend(self.large.iter().chain(&self.small).copied());
        self.last.sort_by(|a, b| b.width.total_cmp(&a.width));
        self.last.clone()
    }

    /// The faces smaller than the look at half size finds (its window, 12.5 %
    /// of the analysis image's width), looked for at two thirds of its size,
    /// where the window is 9.4 % of the width.
    fn closer_look(
        &mut self,
        small: &[u8],
        width: usize,
        height: usize,
        to_frame: f32,
    ) -> Vec<Face> {
        let (cw, ch) = (width as u32 * 2 / 3, height as u32 * 2 / 3);
        let Some(view) = image::ImageBuffer::<image::Luma<u8>, _>::from_raw(
            width as u32,
            height as u32,
            &small[..(width * height).min(small.len())],
        ) else {
            return Vec::new();
        };
        let mut closer =
            image::imageops::resize(&view, cw, ch, image::imageops::FilterType::Triangle);
        // Up to the faces the look at half size finds: its window (40 of
        // its pixels) is 53 of these.
        let found = match self.finder() {
            Some(f) => f.find_up_to(
                &closer,
                cw as usize,
                ch as usize,
                to_frame * width as f32 / cw as f32,
                MIN_FACE_PIXELS * 4 / 3,
            ),
            None => Vec::new(),
        };
        zeroize::Zeroize::zeroize(&mut *closer);
        found
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
        let dw = PORTRAIT_SEARCH_WIDTH;
        let Some((mut document, dh)) =
            super::side::dewarp_to_width(small, width, height, quad, dw, aspect)
        else {
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

    /// Whether `faces` (in a 1280-pixel-wide frame) has the sample person's.
    fn has_the_person(faces: &[Face]) -> bool {
        faces
            .iter()
            .any(|f| ((f.x + f.width / 2.0) / 1280.0 - 0.38).abs() < 0.03)
    }

    #[test]
    fn frame_after_frame_the_closer_look_takes_turns_and_its_face_stays() {
        // A third as large as at the counter, the person's face is too small
        // for the look at half size; the card beside it, with its portrait.
        let mut standing_back = Scene::new(Subject::Selfie, 640, 360);
        standing_back.person_size = 0.33;
        let card = standing_back
            .corners(0)
            .expect("the card")
            .map(|[x, y]| [x * 2.0, y * 2.0]);
        let standing_back = grey_of(&standing_back);
        let mut check = FaceCheck::every(3);
        let found: Vec<bool> = (0..12)
            .map(|_| has_the_person(&check.selfie(&standing_back, 640, 360, 2.0, Some(&card))))
            .collect();
        // The look at half size (frame 0) finds nobody; the next look (frame
        // 3) is the closer one and finds the face, which stays reported as
        // the looks take turns (frames 6 and 9).
        assert_eq!(found[..3], [false; 3], "{found:?}");
        assert!(found[3..].iter().all(|&f| f), "{found:?}");
        // The person steps up: the next look, at half size (frame 12), finds
        // the face at its new size, and no closer look follows.
        let at_the_counter = grey_of(&Scene::new(Subject::Selfie, 640, 360));
        let mut widths = Vec::new();
        for _ in 0..9 {
            let faces = check.selfie(&at_the_counter, 640, 360, 2.0, Some(&card));
            assert!(!check.look_closer, "{widths:?}");
            widths.push(faces.iter().map(|f| f.width / 1280.0).collect::<Vec<_>>());
        }
        assert!(
            widths.iter().all(|w| w.len() == 1 && w[0] > 0.2),
            "{widths:?}"
        );
        // The portrait on a card held up by nobody is not a person: the
        // closer look follows it.
        let mut nobody = Scene::new(Subject::Selfie, 640, 360);
        nobody.person = false;
        // Large, in the middle: its portrait is as large as a face the look
        // at half size finds.
        (nobody.size, nobody.offset) = (0.65, (-400.0, 0.0));
        let card = nobody
            .corners(0)
            .expect("the card")
            .map(|[x, y]| [x * 2.0, y * 2.0]);
        let mut check = FaceCheck::every(3);
        let faces = check.selfie(&grey_of(&nobody), 640, 360, 2.0, Some(&card));
        assert!(!faces.is_empty() && check.look_closer, "{faces:?}");
        assert!(faces.iter().all(|f| f.on(&card)), "{faces:?}");
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
