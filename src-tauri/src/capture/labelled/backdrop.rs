//! What lies behind the card in the labelled set: drawn backdrops made to be
//! hard (fabric, stripes, granite, clutter, a person) and real photographs.

use std::path::PathBuf;

use crate::capture::sample::{background, hash};
use crate::capture::Subject;

/// What lies behind the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backdrop {
    /// The sample camera's wooden desk.
    Wood,
    /// Woven fabric: a fine, high-contrast check.
    Fabric,
    /// A patterned desk: bold stripes at an angle.
    Stripes,
    /// Granite: dense speckle in every grey.
    Granite,
    /// Papers, a keyboard and a pen: light rectangles with straight edges.
    Clutter,
    /// A person in front of a wall (the selfie scene).
    Person,
    /// A real photograph (`src-tauri/tests/backdrops`), stretched to the frame.
    Photo(Photo),
}

/// The real photographs behind the card: public-domain and CC0 pictures,
/// 640×360, with their sources in `src-tauri/tests/backdrops/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photo {
    /// A coffee cup on a wooden table.
    Coffee,
    /// A cat on a rug: fur, stripes and edges at every angle.
    Cat,
    /// A person in a uniform in front of a flag.
    Astronaut,
    /// A brick wall, in grey.
    Brick,
    /// Gravel, in grey.
    Gravel,
    /// A man with a camera on a tripod, in grey.
    Cameraman,
}

impl Photo {
    fn file(self) -> PathBuf {
        let name = match self {
            Self::Coffee => "coffee.jpg",
            Self::Cat => "chelsea.jpg",
            Self::Astronaut => "astronaut.jpg",
            Self::Brick => "brick.jpg",
            Self::Gravel => "gravel.jpg",
            Self::Cameraman => "camera.jpg",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/backdrops")
            .join(name)
    }

    /// The photograph stretched to `w` × `h`, as RGB.
    pub(super) fn load(self, w: u32, h: u32) -> Vec<u8> {
        let path = self.file();
        let picture = image::open(&path)
            .unwrap_or_else(|e| panic!("the backdrop {}: {e}", path.display()))
            .to_rgb8();
        image::imageops::resize(&picture, w, h, image::imageops::FilterType::Triangle).into_raw()
    }
}

impl Backdrop {
    /// The drawn backdrops.
    pub const DRAWN: [Backdrop; 6] = [
        Self::Wood,
        Self::Fabric,
        Self::Stripes,
        Self::Granite,
        Self::Clutter,
        Self::Person,
    ];

    /// The real photographs.
    pub const PHOTOS: [Backdrop; 6] = [
        Self::Photo(Photo::Coffee),
        Self::Photo(Photo::Cat),
        Self::Photo(Photo::Astronaut),
        Self::Photo(Photo::Brick),
        Self::Photo(Photo::Gravel),
        Self::Photo(Photo::Cameraman),
    ];

    pub(super) fn pixel(self, x: usize, y: usize, w: usize, h: usize, seed: u32) -> [u8; 3] {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let n = (hash(x as u32 ^ seed, y as u32) % 256) as f32;
        match self {
            // Read from the loaded photograph instead (see `Case::render`).
            Self::Photo(_) => [128, 128, 128],
            Self::Wood => background(Subject::DocumentFront, fx, fy, x, y),
            Self::Person => background(Subject::Selfie, fx, fy, x, y),
            Self::Fabric => {
                let cell = (w / 160).max(2);
                let on = ((x / cell) + (y / cell)) % 2 == 0;
                let v = if on { 150.0 } else { 95.0 } + (n - 128.0) * 0.1;
                [v as u8, (v * 0.8) as u8, (v * 0.9) as u8]
            }
            Self::Stripes => {
                let t = (fx * 0.8 + fy * 0.6) * 14.0;
                let on = t.fract() < 0.5;
                if on {
                    [70, 80, 60]
                } else {
                    [175, 170, 150]
                }
            }
            Self::Granite => {
                let v = 60.0 + n * 0.55;
                [v as u8, v as u8, (v + 6.0).min(255.0) as u8]
            }
            Self::Clutter => {
                // Papers (light, straight-edged, not card-shaped) on a dark desk.
                let paper =
                    |x0: f32, y0: f32, x1: f32, y1: f32| fx >= x0 && fx < x1 && fy >= y0 && fy < y1;
                // A long receipt and a square sticky note. (A sheet of A4 has
                // a passport page's proportions: the outline alone cannot
                // tell them apart.)
                if paper(0.04, 0.05, 0.13, 0.95) || paper(0.80, 0.55, 0.92, 0.76) {
                    let line = ((fy * 90.0).fract() < 0.15) as u8 as f32 * 60.0;
                    let v = 235.0 - line;
                    return [v as u8, v as u8, (v - 4.0) as u8];
                }
                if paper(0.70, 0.08, 0.97, 0.30) {
                    // A keyboard: a grid of keys.
                    let key = (fx * 60.0).fract() < 0.8 && (fy * 40.0).fract() < 0.75;
                    return if key { [55, 55, 60] } else { [25, 25, 28] };
                }
                let v = 45.0 + (n - 128.0) * 0.05;
                [v as u8, (v + 3.0) as u8, (v + 8.0) as u8]
            }
        }
    }
}
