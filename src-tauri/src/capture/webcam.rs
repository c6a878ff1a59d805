//! Webcams through `nokhwa`: V4L2 on Linux, Media Foundation on Windows,
//! AVFoundation on macOS. MJPEG, YUYV, NV12 and grey frames become RGB here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution as NResolution,
};

use super::{
    Camera, CameraError, CameraEvent, CameraStream, DeviceInfo, FrameSink, PixelFormat, Resolution,
    RgbFrame, ThreadStream,
};

/// The computer's cameras.
#[derive(Debug, Default, Clone, Copy)]
pub struct Webcam;

fn index_of(id: &str) -> CameraIndex {
    match id.parse::<u32>() {
        Ok(n) => CameraIndex::Index(n),
        Err(_) => CameraIndex::String(id.to_owned()),
    }
}

fn classify(e: nokhwa::NokhwaError) -> CameraError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("busy") || lower.contains("in use") {
        CameraError::Busy(text)
    } else if lower.contains("no such") || lower.contains("not found") {
        CameraError::NotFound
    } else {
        CameraError::Failed(text)
    }
}

fn pixel_format(f: FrameFormat) -> Option<PixelFormat> {
    match f {
        FrameFormat::MJPEG => Some(PixelFormat::Mjpeg),
        FrameFormat::YUYV => Some(PixelFormat::Yuyv),
        FrameFormat::RAWRGB => Some(PixelFormat::Rgb),
        _ => None,
    }
}

/// How long the kiosk waits for the person to answer the system's question
/// whether it may use the camera.
const PERMISSION_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The operating system's permission to use the camera. macOS asks the
/// person once (the question shows the Info.plist's `NSCameraUsageDescription`)
/// and remembers the answer; elsewhere it is always granted (nokhwa answers
/// at once). A refusal is [`CameraError::NotAllowed`], which the window
/// explains with where to allow it.
fn camera_permission() -> Result<(), CameraError> {
    if nokhwa::nokhwa_check() {
        return Ok(());
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    nokhwa::nokhwa_initialize(move |granted| {
        let _ = tx.try_send(granted);
    });
    match rx.recv_timeout(PERMISSION_WAIT) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(CameraError::NotAllowed),
    }
}

fn open(id: &str, wanted: RequestedFormatType) -> Result<nokhwa::Camera, CameraError> {
    nokhwa::Camera::new(index_of(id), RequestedFormat::new::<RgbFormat>(wanted)).map_err(classify)
}

impl Camera for Webcam {
    fn devices(&self) -> Result<Vec<DeviceInfo>, CameraError> {
        camera_permission()?;
        let found = nokhwa::query(ApiBackend::Auto).map_err(classify)?;
        let mut devices = Vec::new();
        for info in found {
            let id = info.index().to_string();
            let mut device = DeviceInfo {
                id: id.clone(),
                name: info.human_name(),
                resolutions: Vec::new(),
                formats: Vec::new(),
            };
            // A camera another program holds still gets listed, without its modes.
            if let Ok(mut camera) = open(&id, RequestedFormatType::None) {
                if let Ok(formats) = camera.compatible_camera_formats() {
                    for f in formats {
                        let r = Resolution::new(f.width(), f.height());
                        if !device.resolutions.contains(&r) {
                            device.resolutions.push(r);
                        }
                        if let Some(p) = pixel_format(f.format()) {
                            if !device.formats.contains(&p) {
                                device.formats.push(p);
                            }
                        }
                    }
                }
            }
            device
                .resolutions
                .sort_by_key(|r| std::cmp::Reverse(r.pixels()));
            devices.push(device);
        }
        Ok(devices)
    }

    fn start(
        &self,
        device: &str,
        resolution: Resolution,
        mut sink: FrameSink,
    ) -> Result<Box<dyn CameraStream>, CameraError> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let id = device.to_owned();
        let stopping = stop.clone();
        // nokhwa's camera is not Send: it lives and dies on its own thread.
        let thread = std::thread::Builder::new()
            .name("webcam".into())
            .spawn(move || {
                let wanted = RequestedFormatType::Closest(CameraFormat::new(
                    NResolution::new(resolution.width, resolution.height),
                    FrameFormat::MJPEG,
                    30,
                ));
                let mut camera = match open(&id, wanted).and_then(|mut c| {
                    c.open_stream().map_err(classify)?;
                    Ok(c)
                }) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let r = camera.resolution();
                let _ = ready_tx.send(Ok(Resolution::new(r.width(), r.height())));
                while !stopping.load(Ordering::Relaxed) {
                    match camera.frame() {
                        Ok(buffer) => {
                            let r = buffer.resolution();
                            match to_rgb(
                                buffer.source_frame_format(),
                                r.width(),
                                r.height(),
                                buffer.buffer(),
                            ) {
                                Some(frame) => sink(CameraEvent::Frame(frame)),
                                // One damaged MJPEG frame is skipped, not fatal.
                                None => tracing::debug!("skipped an undecodable camera frame"),
                            }
                        }
                        Err(e) => {
                            tracing::warn!("camera lost: {e}");
                            sink(CameraEvent::Lost(e.to_string()));
                            break;
                        }
                    }
                }
                let _ = camera.stop_stream();
            })
            .map_err(|e| CameraError::Failed(e.to_string()))?;
        let resolution = ready_rx
            .recv()
            .map_err(|_| CameraError::Failed("the camera thread ended".into()))??;
        Ok(Box::new(ThreadStream::new(resolution, stop, thread)))
    }
}

fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// BT.601 limited range, integer arithmetic.
fn yuv_to_rgb(y: u8, u: u8, v: u8, out: &mut [u8]) {
    let c = (y as i32 - 16).max(0) * 298;
    let d = u as i32 - 128;
    let e = v as i32 - 128;
    out[0] = clamp((c + 409 * e + 128) >> 8);
    out[1] = clamp((c - 100 * d - 208 * e + 128) >> 8);
    out[2] = clamp((c + 516 * d + 128) >> 8);
}

/// Converts one camera buffer to RGB; `None` when it is damaged or too short.
pub fn to_rgb(format: FrameFormat, width: u32, height: u32, data: &[u8]) -> Option<RgbFrame> {
    let (w, h) = (width as usize, height as usize);
    let pixels = w * h;
    let mut rgb = vec![0u8; pixels * 3];
    match format {
        FrameFormat::MJPEG => {
            let img = image::load_from_memory_with_format(data, image::ImageFormat::Jpeg).ok()?;
            let img = img.into_rgb8();
            return Some(RgbFrame::new(img.width(), img.height(), img.into_raw()));
        }
        FrameFormat::YUYV => {
            if data.len() < pixels * 2 || w % 2 != 0 {
                return None;
            }
            for (i, q) in data[..pixels * 2].chunks_exact(4).enumerate() {
                let o = i * 6;
                yuv_to_rgb(q[0], q[1], q[3], &mut rgb[o..o + 3]);
                yuv_to_rgb(q[2], q[1], q[3], &mut rgb[o + 3..o + 6]);
            }
        }
        FrameFormat::NV12 => {
            if data.len() < pixels * 3 / 2 || w % 2 != 0 || h % 2 != 0 {
                return None;
            }
            let (luma, chroma) = data.split_at(pixels);
            for y in 0..h {
                for x in 0..w {
                    let c = (y / 2) * w + (x & !1);
                    let o = (y * w + x) * 3;
                    yuv_to_rgb(
                        luma[y * w + x],
                        chroma[c],
                        chroma[c + 1],
                        &mut rgb[o..o + 3],
                    );
                }
            }
        }
        FrameFormat::GRAY => {
            if data.len() < pixels {
                return None;
            }
            for (i, &g) in data[..pixels].iter().enumerate() {
                rgb[i * 3..i * 3 + 3].fill(g);
            }
        }
        FrameFormat::RAWRGB | FrameFormat::RAWBGR => {
            if data.len() < pixels * 3 {
                return None;
            }
            rgb.copy_from_slice(&data[..pixels * 3]);
            if format == FrameFormat::RAWBGR {
                for p in rgb.chunks_exact_mut(3) {
                    p.swap(0, 2);
                }
            }
        }
    }
    Some(RgbFrame::new(width, height, rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_grey_and_bgr_become_rgb() {
        // Two pixels: white and black, no colour.
        let f = to_rgb(FrameFormat::YUYV, 2, 1, &[235, 128, 16, 128]).unwrap();
        assert_eq!(f.rgb, vec![255, 255, 255, 0, 0, 0]);
        // Pure red in YUV (Y 81, U 90, V 240) comes out red.
        let red = to_rgb(FrameFormat::YUYV, 2, 1, &[81, 90, 81, 240]).unwrap();
        assert!(
            red.rgb[0] > 250 && red.rgb[1] < 5 && red.rgb[2] < 5,
            "{:?}",
            red.rgb
        );
        let g = to_rgb(FrameFormat::GRAY, 2, 1, &[7, 9]).unwrap();
        assert_eq!(g.rgb, vec![7, 7, 7, 9, 9, 9]);
        let b = to_rgb(FrameFormat::RAWBGR, 1, 1, &[1, 2, 3]).unwrap();
        assert_eq!(b.rgb, vec![3, 2, 1]);
    }

    #[test]
    fn short_or_damaged_buffers_are_skipped() {
        assert!(to_rgb(FrameFormat::YUYV, 4, 4, &[0; 5]).is_none());
        assert!(to_rgb(FrameFormat::MJPEG, 4, 4, &[0xFF, 0xD8, 1, 2]).is_none());
        assert!(to_rgb(FrameFormat::NV12, 2, 2, &[0; 3]).is_none());
    }

    #[test]
    fn a_missing_camera_is_an_error_not_a_hang() {
        // No camera on this machine with this id; starting it must fail promptly.
        let e = Webcam
            .start("no-such-camera-9", Resolution::HD, Box::new(|_| {}))
            .err()
            .expect("no camera");
        assert!(!e.to_string().is_empty());
    }
}
