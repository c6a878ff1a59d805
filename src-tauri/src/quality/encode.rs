//! JPEG for upload: quality 90, no metadata, within the service's size limit.

use super::Frame;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the frame's size does not match its pixels")]
    Inconsistent,
    #[error("the image could not be encoded: {0}")]
    Encoder(String),
}

pub const UPLOAD_QUALITY: u8 = 90;

/// Encodes the frame. The encoder writes no EXIF, GPS or other metadata; an
/// image that would exceed `max_bytes` (the service's limit, given by the
/// caller) is halved until it fits.
pub fn encode_for_upload(frame: Frame<'_>, max_bytes: usize) -> Result<Vec<u8>, EncodeError> {
    if !frame.is_consistent()
        || frame.width == 0
        || frame.height == 0
        || frame.width > 65_535
        || frame.height > 65_535
    {
        return Err(EncodeError::Inconsistent);
    }
    let mut out = encode(frame.rgb, frame.width, frame.height)?;
    let (mut w, mut h, mut pixels) = (frame.width, frame.height, None::<Vec<u8>>);
    while out.len() > max_bytes && w > 1 && h > 1 {
        let src = pixels.as_deref().unwrap_or(frame.rgb);
        let (nw, nh, half) = halve(src, w, h);
        out = encode(&half, nw, nh)?;
        (w, h, pixels) = (nw, nh, Some(half));
    }
    Ok(out)
}

/// Quality of live preview frames: only looked at, never stored or sent.
pub const PREVIEW_QUALITY: u8 = 70;

/// Encodes a live preview frame (lower quality, same metadata-free encoder).
pub fn encode_preview(frame: Frame<'_>) -> Result<Vec<u8>, EncodeError> {
    if !frame.is_consistent() || frame.width == 0 || frame.height == 0 {
        return Err(EncodeError::Inconsistent);
    }
    encode_with(frame.rgb, frame.width, frame.height, PREVIEW_QUALITY)
}

fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, EncodeError> {
    encode_with(rgb, width, height, UPLOAD_QUALITY)
}

thread_local! {
    /// A compressor per thread: making one allocates libjpeg-turbo's state.
    static COMPRESSOR: std::cell::RefCell<Option<turbojpeg::Compressor>> =
        const { std::cell::RefCell::new(None) };
}

/// Baseline JPEG with 4:2:0 chroma, as cameras and OpenCV write it. TurboJPEG
/// writes a JFIF header only: no EXIF, GPS or other metadata.
fn encode_with(rgb: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let failed = |e: turbojpeg::Error| EncodeError::Encoder(e.to_string());
    let image = turbojpeg::Image {
        pixels: rgb,
        width: width as usize,
        pitch: width as usize * 3,
        height: height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(turbojpeg::Compressor::new().map_err(failed)?),
        };
        compressor.set_quality(i32::from(quality)).map_err(failed)?;
        compressor
            .set_subsamp(turbojpeg::Subsamp::Sub2x2)
            .map_err(failed)?;
        compressor.compress_to_vec(image).map_err(failed)
    })
}

fn halve(rgb: &[u8], w: u32, h: u32) -> (u32, u32, Vec<u8>) {
    let (nw, nh) = (w / 2, h / 2);
    let mut out = Vec::with_capacity(nw as usize * nh as usize * 3);
    for y in 0..nh as usize {
        for x in 0..nw as usize {
            for c in 0..3 {
                let at = |dx: usize, dy: usize| {
                    rgb[((2 * y + dy) * w as usize + 2 * x + dx) * 3 + c] as u16
                };
                out.push(((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8);
            }
        }
    }
    (nw, nh, out)
}
