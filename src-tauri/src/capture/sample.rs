//! Frames drawn in software: a synthetic identity card and a selfie scene, with
//! controllable blur, darkness, glare, tilt and hand shake. Training mode uses
//! them on machines without a webcam, and tests use them as known inputs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imageproc::geometric_transformations::Projection;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{
    Camera, CameraError, CameraEvent, CameraStream, DeviceInfo, FrameSink, PixelFormat, Resolution,
    RgbFrame, ThreadStream,
};

/// What the sample camera shows, and how badly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scene {
    pub subject: Subject,
    pub width: u32,
    pub height: u32,
    /// Box-blur radius in pixels at 1080p (scaled with the frame).
    pub blur: f32,
    /// 0 = normal light, 1 = black.
    pub darkness: f32,
    /// 0 = none, 1 = a large glare spot on the card.
    pub glare: f32,
    /// Where the glare spot is, from the card's centre in card widths and heights.
    pub glare_at: (f32, f32),
    /// Rotation of the card in degrees.
    pub tilt: f32,
    /// How far the card leans away from the camera, in degrees (about its
    /// vertical axis): 0 is held flat, facing the lens.
    pub lean: f32,
    /// The card's width as a share of the frame's (0.66 for a document held
    /// well, 0.30 beside a face).
    pub size: f32,
    /// Whether a card is in the picture at all.
    pub card: bool,
    /// Whether the selfie shows the person (or the wall and the card alone).
    pub person: bool,
    /// Hand shake: how far (pixels at 1080p) the card moves between frames.
    pub shake: f32,
    /// 1 = normal; above 1 overexposed.
    pub exposure: f32,
    /// Where the card is held, in pixels at 1080p from the centre: a little different each take.
    pub offset: (f32, f32),
    pub seed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// An ID-1 card (front) on a desk.
    DocumentFront,
    /// The same card's back: text and machine-readable lines.
    DocumentBack,
    /// A person holding the card next to their face.
    Selfie,
}

/// How the sample camera spoils its picture, to show and test the live feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Impairment {
    #[default]
    None,
    Blurry,
    Dark,
    Bright,
    Glare,
    Shaky,
    /// Nothing held up: the desk alone (or the person alone).
    NoCard,
    /// The card held far from the camera.
    Far,
    /// The card pushed partly out of the picture.
    CutOff,
    /// The card leaning far back.
    Tilted,
    /// At the back step, the front shown again.
    FrontTwice,
    /// At the selfie step, the card held up without the person's face.
    NoFace,
}

impl Impairment {
    pub const ALL: [Impairment; 12] = [
        Self::None,
        Self::Blurry,
        Self::Dark,
        Self::Bright,
        Self::Glare,
        Self::Shaky,
        Self::NoCard,
        Self::Far,
        Self::CutOff,
        Self::Tilted,
        Self::FrontTwice,
        Self::NoFace,
    ];

    fn apply(self, mut scene: Scene) -> Scene {
        match self {
            Self::None => {}
            Self::Blurry => scene.blur = 9.0,
            Self::Dark => scene.darkness = 0.85,
            Self::Bright => scene.exposure = 2.6,
            Self::Glare => scene.glare = 1.0,
            Self::Shaky => scene.shake = 40.0,
            Self::NoCard => scene.card = false,
            Self::Far => scene.size *= 0.4,
            // A third of the card beyond the frame's right edge.
            Self::CutOff => {
                let beyond = 0.5 - scene.size / 6.0;
                scene.offset.0 = beyond * 1080.0 * scene.width as f32 / scene.height as f32;
            }
            Self::Tilted => {
                // Smaller, so its near side stays in the picture.
                scene.lean = 40.0;
                scene.size *= 0.75;
            }
            Self::NoFace => scene.person = false,
            Self::FrontTwice => {
                if scene.subject == Subject::DocumentBack {
                    scene.subject = Subject::DocumentFront;
                }
            }
        }
        scene
    }
}

/// What the sample camera points at now. The capture flow moves it from the
/// card's front to its back to the selfie, as a person would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSettings {
    pub subject: Subject,
    pub impairment: Impairment,
}

impl Default for SampleSettings {
    fn default() -> Self {
        Self {
            subject: Subject::DocumentFront,
            impairment: Impairment::None,
        }
    }
}

/// A camera drawn in software: training mode on a machine without a webcam, and tests.
#[derive(Clone)]
pub struct SampleCamera {
    settings: Arc<Mutex<SampleSettings>>,
    fps: u32,
    takes: Arc<std::sync::atomic::AtomicU32>,
}

/// Frames rendered once per setting and replayed; shake moves between them.
/// Two checked frames are identical only when they lie a multiple of this
/// apart: a prime well above the usual two or three frames between checks,
/// so a check that falls behind (a busy machine) still sees the hand shake.
const CYCLE: u64 = 13;

impl SampleCamera {
    pub const DEVICE_ID: &'static str = "sample";

    pub fn new(fps: u32) -> Self {
        Self {
            settings: Arc::default(),
            fps: fps.max(1),
            takes: Arc::default(),
        }
    }

    pub fn point_at(&self, subject: Subject) {
        self.settings.lock().expect("sample settings").subject = subject;
    }

    pub fn impair(&self, impairment: Impairment) {
        self.settings.lock().expect("sample settings").impairment = impairment;
    }

    pub fn settings(&self) -> SampleSettings {
        *self.settings.lock().expect("sample settings")
    }
}

impl Default for SampleCamera {
    fn default() -> Self {
        Self::new(30)
    }
}

impl Camera for SampleCamera {
    fn devices(&self) -> Result<Vec<DeviceInfo>, CameraError> {
        Ok(vec![DeviceInfo {
            id: Self::DEVICE_ID.to_owned(),
            name: "Sample camera (training)".to_owned(),
            resolutions: vec![Resolution::FULL_HD, Resolution::HD],
            formats: vec![PixelFormat::Rgb],
        }])
    }

    fn start(
        &self,
        device: &str,
        resolution: Resolution,
        mut sink: FrameSink,
    ) -> Result<Box<dyn CameraStream>, CameraError> {
        if device != Self::DEVICE_ID {
            return Err(CameraError::NotFound);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let settings = self.settings.clone();
        // Nobody holds a card exactly where they held it the last time.
        let take = self.takes.fetch_add(1, Ordering::Relaxed);
        let offset = (
            ((take * 37) % 41) as f32 - 20.0,
            ((take * 53) % 31) as f32 - 15.0,
        );
        let period = Duration::from_secs_f64(1.0 / self.fps as f64);
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sample-camera".into())
            .spawn(move || {
                let mut cache: Option<(SampleSettings, Vec<Option<Vec<u8>>>)> = None;
                let mut n: u64 = 0;
                let mut next = Instant::now();
                while !stopping.load(Ordering::Relaxed) {
                    let now_settings = *settings.lock().expect("sample settings");
                    if cache.as_ref().is_none_or(|(s, _)| *s != now_settings) {
                        cache = Some((now_settings, vec![None; CYCLE as usize]));
                    }
                    let (s, frames) = cache.as_mut().expect("cache set above");
                    let slot = &mut frames[(n % CYCLE) as usize];
                    let rgb = slot.get_or_insert_with(|| {
                        let mut scene = Scene::new(s.subject, resolution.width, resolution.height);
                        scene.offset = offset;
                        let scene = s.impairment.apply(scene);
                        scene.render(n % CYCLE)
                    });
                    let mut pixels = rgb.clone();
                    sensor_noise(&mut pixels, n);
                    sink(CameraEvent::Frame(RgbFrame::new(
                        resolution.width,
                        resolution.height,
                        pixels,
                    )));
                    n += 1;
                    // A sensor's clock does not drift when the computer is
                    // busy: a frame a little late is followed by the next one
                    // on time, and frames missed altogether are skipped.
                    next += period;
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    } else if now - next > period {
                        let missed = ((now - next).as_secs_f64() / period.as_secs_f64()) as u32;
                        next += period * missed;
                    }
                }
            })
            .map_err(|e| CameraError::Failed(e.to_string()))?;
        Ok(Box::new(ThreadStream::new(resolution, stop, thread)))
    }
}

/// A real sensor never delivers the same frame twice: flip the lowest bit of
/// a few hundred pixels, different ones each frame, invisible to the checks.
fn sensor_noise(rgb: &mut [u8], n: u64) {
    if rgb.is_empty() {
        return;
    }
    let mut at = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16) as usize;
    for _ in 0..256 {
        at = (at.wrapping_mul(1_103_515_245).wrapping_add(12_345)) % rgb.len();
        rgb[at] ^= 1;
    }
}

impl Scene {
    pub fn new(subject: Subject, width: u32, height: u32) -> Self {
        Self {
            subject,
            width,
            height,
            blur: 0.0,
            darkness: 0.0,
            glare: 0.0,
            glare_at: (0.12, -0.1),
            tilt: 0.0,
            lean: 0.0,
            size: match subject {
                Subject::Selfie => 0.30,
                _ => 0.66,
            },
            card: true,
            person: true,
            shake: 0.0,
            exposure: 1.0,
            offset: (0.0, 0.0),
            seed: 1,
        }
    }

    /// Where the card's centre is in frame `n` (shake moves it), in pixels.
    fn centre(&self, n: u64) -> (f32, f32) {
        let (w, h) = (self.width as f32, self.height as f32);
        let scale = h / 1080.0;
        let (jx, jy) = if self.shake > 0.0 {
            let a = (n as f32) * 2.399 + self.seed as f32;
            (
                a.sin() * self.shake * scale,
                (a * 1.7).cos() * self.shake * scale,
            )
        } else {
            (0.0, 0.0)
        };
        let (jx, jy) = (jx + self.offset.0 * scale, jy + self.offset.1 * scale);
        match self.subject {
            Subject::Selfie => (0.72 * w + jx, 0.60 * h + jy),
            _ => (0.5 * w + jx, 0.5 * h + jy),
        }
    }

    /// The card's corners in frame `n`, clockwise from its top-left, or
    /// none when no card is shown (they may lie outside the frame).
    pub fn corners(&self, n: u64) -> Option<[[f32; 2]; 4]> {
        if !self.card {
            return None;
        }
        let (cx, cy) = self.centre(n);
        Some(super::labelled::card_corners(
            self.width,
            self.height,
            self.size,
            (cx / self.width as f32, cy / self.height as f32),
            self.tilt,
            0.0,
            self.lean,
        ))
    }

    /// Renders frame number `n` (shake moves the card between frames) as RGB.
    pub fn render(&self, n: u64) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let scale = self.height as f32 / 1080.0;
        let mut rgb = vec![0u8; w * h * 3];
        let (cx, cy) = self.centre(n);
        let card_w = self.size * w as f32;
        let card_h = card_w * 54.0 / 85.6;
        let card = self
            .corners(n)
            .and_then(|c| DrawnCard::at(c, card_w, self.subject, self.seed));
        for y in 0..h {
            for x in 0..w {
                let on_card = card.as_ref().and_then(|c| c.pixel(x, y));
                let colour = on_card.unwrap_or_else(|| {
                    let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
                    if self.person || self.subject != Subject::Selfie {
                        background(self.subject, fx, fy, x, y)
                    } else {
                        wall(fy, grain(x, y))
                    }
                });
                let i = (y * w + x) * 3;
                rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
        let radius = (self.blur * scale).round() as usize;
        if radius > 0 {
            box_blur(&mut rgb, w, h, radius);
            box_blur(&mut rgb, w, h, radius);
        }
        if self.glare > 0.0 && self.card {
            let (gx, gy) = (cx + card_w * self.glare_at.0, cy + card_h * self.glare_at.1);
            let r = card_w * 0.25 * self.glare;
            for y in 0..h {
                for x in 0..w {
                    let d = ((x as f32 - gx).powi(2) / (r * r)
                        + (y as f32 - gy).powi(2) / (r * r * 0.36))
                        .sqrt();
                    if d < 1.3 {
                        let boost = if d < 1.0 {
                            255.0
                        } else {
                            255.0 * (1.3 - d) / 0.3
                        };
                        let i = (y * w + x) * 3;
                        for c in &mut rgb[i..i + 3] {
                            *c = (*c as f32 + boost).min(255.0) as u8;
                        }
                    }
                }
            }
        }
        let gain = (1.0 - self.darkness.clamp(0.0, 1.0)) * self.exposure.max(0.0);
        if (gain - 1.0).abs() > f32::EPSILON {
            for c in &mut rgb {
                *c = (*c as f32 * gain).min(255.0) as u8;
            }
        }
        rgb
    }
}

/// A card drawn in perspective: what each pixel of the frame shows of it.
pub(super) struct DrawnCard {
    to_card: Projection,
    width: f32,
    height: f32,
    subject: Subject,
    seed: u32,
}

impl DrawnCard {
    /// The card with `corners` in the frame (clockwise from its top-left),
    /// `width` pixels wide (the size of its print); none when the corners
    /// make no quadrilateral.
    pub(super) fn at(
        corners: [[f32; 2]; 4],
        width: f32,
        subject: Subject,
        seed: u32,
    ) -> Option<Self> {
        let to_card = Projection::from_control_points(
            corners.map(|[x, y]| (x, y)),
            [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
        )?;
        Some(Self {
            to_card,
            width,
            height: width * 54.0 / 85.6,
            subject,
            seed,
        })
    }

    /// The card's colour at the frame's pixel (`x`, `y`), if it lies on the card.
    pub(super) fn pixel(&self, x: usize, y: usize) -> Option<[u8; 3]> {
        let (u, v) = self.to_card * (x as f32 + 0.5, y as f32 + 0.5);
        ((0.0..1.0).contains(&u)
            && (0.0..1.0).contains(&v)
            && inside_rounded(u, v, self.width, self.height))
        .then(|| card_pixel(self.subject, u, v, self.width, self.seed))
    }
}

pub(super) fn inside_rounded(u: f32, v: f32, w: f32, h: f32) -> bool {
    let r = 0.04 * w;
    let (x, y) = (u * w, v * h);
    let dx = if x < r {
        r - x
    } else if x > w - r {
        x - (w - r)
    } else {
        0.0
    };
    let dy = if y < r {
        r - y
    } else if y > h - r {
        y - (h - r)
    } else {
        0.0
    };
    dx * dx + dy * dy <= r * r
}

pub(super) fn hash(a: u32, b: u32) -> u32 {
    let mut x = a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77);
    x ^= x >> 15;
    x = x.wrapping_mul(0x2C1B_3C6D);
    x ^ (x >> 12)
}

/// A face drawn well enough for a face detector to find it: skin shaded
/// towards the edge, brows, eyes with their whites, a nose and lips, hair,
/// a neck and shoulders. (`u`, `v`): from the centre of the face's oval in
/// its half-width and half-height. `None` where the picture shows no person.
pub(super) fn face_pixel(u: f32, v: f32, grain: f32) -> Option<[u8; 3]> {
    let d = u * u + v * v;
    if d < 1.0 {
        let shade = 1.0 - 0.25 * d.powf(1.5);
        let mut c = [
            214.0 * shade + grain,
            170.0 * shade + grain,
            140.0 * shade + grain,
        ];
        let darken = |c: &mut [f32; 3], k: f32| c.iter_mut().for_each(|v| *v *= k);
        for side in [-1.0f32, 1.0] {
            let eu = u - side * 0.38;
            if (eu / 0.22).powi(2) + ((v + 0.38) / 0.05).powi(2) < 1.0 {
                darken(&mut c, 0.35);
            }
            let ev = v + 0.2;
            if (eu / 0.2).powi(2) + (ev / 0.09).powi(2) < 1.0 {
                c = if (eu / 0.08).powi(2) + (ev / 0.08).powi(2) < 1.0 {
                    [50.0, 35.0, 30.0]
                } else {
                    [235.0, 232.0, 228.0]
                };
            } else if (eu / 0.3).powi(2) + (ev / 0.16).powi(2) < 1.0 {
                darken(&mut c, 0.8);
            }
        }
        if (u - 0.06).abs() < 0.03 && v.abs() < 0.15 {
            darken(&mut c, 0.8);
        }
        if (0.15..0.22).contains(&v) && (u.abs() - 0.08).abs() < 0.04 {
            darken(&mut c, 0.5);
        }
        if (u / 0.3).powi(2) + ((v - 0.45) / 0.07).powi(2) < 1.0 {
            c = if (v - 0.45).abs() < 0.012 {
                [80.0, 30.0, 30.0]
            } else {
                [160.0, 70.0, 70.0]
            };
        }
        return Some(c.map(|v| v.clamp(0.0, 255.0) as u8));
    }
    if v < -0.25 && u * u + (0.889 * v + 0.222).powi(2) < 1.25 {
        return Some([70, 50, 40]);
    }
    if u.abs() < 0.385 && (0.75..1.25).contains(&v) {
        return Some([190, 150, 125]);
    }
    // Round shoulders (a rectangle there would look like a card to the outline).
    if (u / 1.9).powi(2) + ((v - 2.0) / 0.95).powi(2) < 1.0 {
        return Some([
            (40.0 + grain) as u8,
            (70.0 + grain) as u8,
            (120.0 + grain) as u8,
        ]);
    }
    None
}

/// The wall behind the person of a selfie.
fn wall(fy: f32, grain: f32) -> [u8; 3] {
    let v = 196.0 - fy * 30.0 + grain;
    [v as u8, (v - 6.0) as u8, (v - 14.0) as u8]
}

/// A little noise in every surface, the same in every frame.
fn grain(x: usize, y: usize) -> f32 {
    (hash(x as u32, y as u32) % 9) as f32 - 4.0
}

pub(super) fn background(subject: Subject, fx: f32, fy: f32, x: usize, y: usize) -> [u8; 3] {
    let grain = grain(x, y);
    match subject {
        Subject::Selfie => {
            // A person in front of a wall.
            face_pixel((fx - 0.38) / 0.13, (fy - 0.42) / 0.24, grain)
                .unwrap_or_else(|| wall(fy, grain))
        }
        _ => {
            // A wooden desk.
            let wood = ((fy * 40.0 + (fx * 6.0).sin() * 0.8).sin() * 10.0) + grain;
            [
                (128.0 + wood) as u8,
                (96.0 + wood) as u8,
                (70.0 + wood) as u8,
            ]
        }
    }
}

pub(super) fn card_pixel(subject: Subject, u: f32, v: f32, card_w: f32, seed: u32) -> [u8; 3] {
    let base = [(236.0 - v * 14.0) as u8, (240.0 - v * 10.0) as u8, 246];
    let ink = [28, 40, 70];
    let front = subject != Subject::DocumentBack;
    if front && v < 0.16 {
        return [47, 111, 208];
    }
    if front && (0.05..0.33).contains(&u) && (0.24..0.86).contains(&v) {
        // The holder's portrait.
        return face_pixel((u - 0.19) / 0.105, (v - 0.5) / 0.2, 0.0).unwrap_or([201, 214, 234]);
    }
    // Text: rows of character cells, each cell a few strokes, like printed letters.
    let (rows, x0): (&[(f32, f32)], f32) = if front {
        (
            &[
                (0.26, 0.72),
                (0.36, 0.62),
                (0.46, 0.68),
                (0.56, 0.55),
                (0.66, 0.6),
                (0.76, 0.5),
            ],
            0.38,
        )
    } else {
        (&[(0.12, 0.8), (0.22, 0.7), (0.32, 0.75), (0.42, 0.6)], 0.06)
    };
    let cell = (card_w * 0.018).max(3.0);
    let line_h = cell * 1.4;
    for (i, &(row_v, len)) in rows.iter().enumerate() {
        if let Some(c) = glyph(
            u,
            v,
            row_v,
            x0,
            x0 + len * (0.96 - x0),
            card_w,
            cell,
            line_h,
            seed + i as u32,
        ) {
            return if c { ink } else { base };
        }
    }
    if !front {
        // Machine-readable lines: dense monospace characters.
        for (i, row_v) in [0.66f32, 0.76, 0.86].iter().enumerate() {
            if let Some(c) = glyph(
                u,
                v,
                *row_v,
                0.05,
                0.95,
                card_w,
                cell * 0.9,
                line_h,
                seed * 7 + 31 + i as u32,
            ) {
                return if c { [10, 10, 10] } else { base };
            }
        }
    }
    base
}

/// Whether (u, v) is ink of a character cell in the text row at `row_v`;
/// None when (u, v) is outside the row.
#[allow(clippy::too_many_arguments)]
fn glyph(
    u: f32,
    v: f32,
    row_v: f32,
    u0: f32,
    u1: f32,
    card_w: f32,
    cell: f32,
    line_h: f32,
    seed: u32,
) -> Option<bool> {
    let card_h = card_w * 54.0 / 85.6;
    let y = (v - row_v) * card_h;
    if !(0.0..line_h).contains(&y) || u < u0 || u > u1 {
        return None;
    }
    let x = (u - u0) * card_w;
    let index = (x / cell) as u32;
    let fx = (x % cell) / cell;
    let fy = y / line_h;
    let h = hash(index, seed);
    if h % 7 == 0 {
        return Some(false); // a space
    }
    let stroke = 0.16;
    let left = fx < stroke + 0.1 && fx > 0.1 && (h & 1 == 1);
    let right = fx > 0.74 && fx < 0.74 + stroke && (h & 2 == 2);
    let top = fy < stroke && fx > 0.1 && fx < 0.9 && (h & 4 == 4);
    let mid = (fy - 0.45).abs() < stroke / 2.0 && fx > 0.1 && fx < 0.9 && (h & 8 == 8);
    let bottom = fy > 0.84 && fy < 1.0 && fx > 0.1 && fx < 0.9 && (h & 16 == 16);
    let vertical = fy < 0.98;
    Some(((left || right) && vertical) || top || mid || bottom)
}

/// In-place separable box blur of an RGB image.
pub(super) fn box_blur(rgb: &mut [u8], w: usize, h: usize, r: usize) {
    let mut tmp = vec![0u8; rgb.len()];
    let n = (2 * r + 1) as u32;
    for y in 0..h {
        for c in 0..3 {
            let at = |x: isize| rgb[(y * w + x.clamp(0, w as isize - 1) as usize) * 3 + c] as u32;
            let mut acc: u32 = (-(r as isize)..=r as isize).map(at).sum();
            for x in 0..w {
                tmp[(y * w + x) * 3 + c] = (acc / n) as u8;
                acc = acc + at(x as isize + r as isize + 1) - at(x as isize - r as isize);
            }
        }
    }
    for x in 0..w {
        for c in 0..3 {
            let at = |y: isize| tmp[(y.clamp(0, h as isize - 1) as usize * w + x) * 3 + c] as u32;
            let mut acc: u32 = (-(r as isize)..=r as isize).map(at).sum();
            for y in 0..h {
                rgb[(y * w + x) * 3 + c] = (acc / n) as u8;
                acc = acc + at(y as isize + r as isize + 1) - at(y as isize - r as isize);
            }
        }
    }
}
