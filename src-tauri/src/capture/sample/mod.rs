//! Frames drawn in software: a synthetic identity card and a selfie scene, with
//! controllable blur, darkness, glare, tilt and hand shake. Training mode uses
//! them on machines without a webcam, and tests use them as known inputs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use specta::Type;

mod draw;
pub mod zone;

pub(in crate::capture) use draw::{background, box_blur, hash, DrawnCard};
use draw::{grain, person, wall};

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
    /// The person's size: 1 at the counter, 0.5 standing twice as far back.
    pub person_size: f32,
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
    /// At the selfie step, the person standing too far back to be compared.
    StandingBack,
}

impl Impairment {
    pub const ALL: [Impairment; 13] = [
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
        Self::StandingBack,
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
            // A third as large: the face under a tenth of the picture's width.
            Self::StandingBack => scene.person_size = 0.33,
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
            person_size: 1.0,
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
                    match (self.subject, self.person) {
                        (Subject::Selfie, true) => person(fx, fy, x, y, self.person_size),
                        (Subject::Selfie, false) => wall(fy, grain(x, y)),
                        _ => background(self.subject, fx, fy, x, y),
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
