//! Cameras: one small trait and its backends, and live capture on top of it.
//!
//! - [`Camera`]: list devices, start a stream that delivers RGB frames to a
//!   sink, stop by dropping the stream.
//! - Backends: [`webcam::Webcam`] (V4L2, Media Foundation, AVFoundation through
//!   `nokhwa`), [`sample::SampleCamera`] (frames drawn in software, for
//!   training mode and tests) and [`file`] (photos imported from disk).
//! - [`live::LiveCapture`]: keeps the latest frame only, runs the quality
//!   checks on it, decides auto-capture, and hands out preview frames.

pub mod file;
pub mod labelled;
pub mod live;
pub mod sample;
pub mod webcam;

use serde::Serialize;
use specta::Type;
use zeroize::Zeroize;

pub use sample::{Impairment, SampleCamera, Scene, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Type)]
pub struct Resolution {
    pub width: u32,
    pub height: u32,
}

impl Resolution {
    pub const FULL_HD: Self = Self::new(1920, 1080);
    pub const HD: Self = Self::new(1280, 720);

    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    pub fn pixels(self) -> u64 {
        self.width as u64 * self.height as u64
    }
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}", self.width, self.height)
    }
}

/// How a camera delivers its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    Rgb,
    Mjpeg,
    Yuyv,
}

/// One camera, as the operating system names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    /// Largest first.
    pub resolutions: Vec<Resolution>,
    pub formats: Vec<PixelFormat>,
}

impl DeviceInfo {
    pub fn best(&self) -> Option<Resolution> {
        self.resolutions.iter().copied().max_by_key(|r| r.pixels())
    }
}

/// The resolution to ask for: 1920×1080 if offered, else 1280×720, else the
/// largest there is, with a warning that documents may be too small to read.
pub fn choose_resolution(offered: &[Resolution]) -> Option<(Resolution, Option<String>)> {
    for wanted in [Resolution::FULL_HD, Resolution::HD] {
        if offered.contains(&wanted) {
            return Some((wanted, None));
        }
    }
    // A larger mode still works: frames are assessed and downscaled for upload.
    if let Some(big) = offered
        .iter()
        .copied()
        .filter(|r| r.width >= 1280 && r.height >= 720)
        .min_by_key(|r| r.pixels())
    {
        return Some((big, None));
    }
    let best = offered.iter().copied().max_by_key(|r| r.pixels())?;
    Some((
        best,
        Some(format!(
            "this camera offers at most {best}; documents may be too small to read (1280×720 or more is recommended)"
        )),
    ))
}

/// One frame in RGB, 3 bytes a pixel. Its pixels are wiped when it is dropped.
pub struct RgbFrame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl RgbFrame {
    pub fn new(width: u32, height: u32, rgb: Vec<u8>) -> Self {
        debug_assert_eq!(rgb.len(), width as usize * height as usize * 3);
        Self { width, height, rgb }
    }

    pub fn as_frame(&self) -> crate::quality::Frame<'_> {
        crate::quality::Frame {
            width: self.width,
            height: self.height,
            rgb: &self.rgb,
        }
    }

    pub fn resolution(&self) -> Resolution {
        Resolution::new(self.width, self.height)
    }
}

impl Drop for RgbFrame {
    fn drop(&mut self) {
        self.rgb.zeroize();
    }
}

impl std::fmt::Debug for RgbFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbFrame({}×{})", self.width, self.height)
    }
}

/// What a running camera reports.
pub enum CameraEvent {
    Frame(RgbFrame),
    /// The camera went away (unplugged, taken by another program, driver error).
    Lost(String),
}

pub type FrameSink = Box<dyn FnMut(CameraEvent) + Send>;

/// A running camera. Dropping it stops the camera and its thread.
pub trait CameraStream: Send + Sync {
    fn resolution(&self) -> Resolution;
}

/// A camera that runs on a thread of its own until `stop` is set: dropping
/// it sets the flag and waits for the thread, so no frame arrives afterwards.
pub(crate) struct ThreadStream {
    resolution: Resolution,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ThreadStream {
    pub(crate) fn new(
        resolution: Resolution,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
        thread: std::thread::JoinHandle<()>,
    ) -> Self {
        Self {
            resolution,
            stop,
            thread: Some(thread),
        }
    }
}

impl CameraStream for ThreadStream {
    fn resolution(&self) -> Resolution {
        self.resolution
    }
}

impl Drop for ThreadStream {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera was found")]
    NotFound,
    #[error("the camera is in use by another program ({0})")]
    Busy(String),
    /// The person or the computer's administrator did not allow the kiosk to
    /// use the camera (macOS: System Settings > Privacy & Security > Camera).
    #[error("this computer does not allow Onboard Kiosk to use the camera")]
    NotAllowed,
    #[error("the camera could not be started: {0}")]
    Failed(String),
}

/// A source of frames: a webcam backend or the sample camera.
pub trait Camera: Send + Sync {
    /// Cameras present now, with what they offer.
    fn devices(&self) -> Result<Vec<DeviceInfo>, CameraError>;
    /// Starts `device` at `resolution` (one of those it offers); frames go to `sink`.
    fn start(
        &self,
        device: &str,
        resolution: Resolution,
        sink: FrameSink,
    ) -> Result<Box<dyn CameraStream>, CameraError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_full_hd_then_hd_and_warns_below() {
        let r = Resolution::new;
        assert_eq!(
            choose_resolution(&[r(640, 480), r(1920, 1080), r(1280, 720)]),
            Some((Resolution::FULL_HD, None))
        );
        assert_eq!(
            choose_resolution(&[r(640, 480), r(1280, 720)]),
            Some((Resolution::HD, None))
        );
        assert_eq!(
            choose_resolution(&[r(3840, 2160), r(640, 480)]),
            Some((r(3840, 2160), None))
        );
        let (low, warning) = choose_resolution(&[r(320, 240), r(640, 480)]).unwrap();
        assert_eq!(low, r(640, 480));
        assert!(warning.unwrap().contains("640×480"));
        assert_eq!(choose_resolution(&[]), None);
    }
}
