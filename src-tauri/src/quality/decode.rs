//! Image files to RGB pixels, honouring EXIF orientation, within bounded time and memory.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height: what decoding costs in memory (3 bytes each, twice for a turned photo).
    pub max_pixels: u64,
    pub max_bytes: usize,
}

/// The largest picture the kiosk decodes: 50 MP (a 48 MP phone photo fits).
pub const MAX_PIXELS: u64 = 50_000_000;

impl Default for DecodeLimits {
    fn default() -> Self {
        // A file declaring more is refused from its header, before any decoder allocates.
        Self {
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: MAX_PIXELS,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

impl DecodeLimits {
    fn admits(&self, w: u32, h: u32) -> bool {
        w <= self.max_width
            && h <= self.max_height
            && u64::from(w) * u64::from(h) <= self.max_pixels
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {0} MB")]
    FileTooLarge(usize),
    #[error("{0} files are not supported: use JPEG or PNG")]
    Unsupported(String),
    /// Not a picture format the decoder knows at all.
    #[error("These files are not supported: use JPEG or PNG")]
    NotAnImage,
    #[error("the image has {0}×{1} pixels; the kiosk takes pictures of up to {max} megapixels", max = MAX_PIXELS / 1_000_000)]
    TooLarge(u32, u32),
    #[error("the file is damaged or not a complete image")]
    Corrupt,
}

/// Decodes JPEG or PNG bytes to RGB, turned upright by the EXIF orientation.
pub fn decode(bytes: &[u8], limits: DecodeLimits) -> Result<(u32, u32, Vec<u8>), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::FileTooLarge(limits.max_bytes / (1024 * 1024)));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        Ok(other) => {
            return Err(DecodeError::Unsupported(
                format!("{other:?}").to_uppercase(),
            ))
        }
        Err(_) if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") => {
            return Err(DecodeError::Unsupported("TIFF".into()))
        }
        Err(_) => return Err(DecodeError::NotAnImage),
    };
    // Refuse a decompression bomb from its header, before any decoder allocates.
    if let Some((w, h)) = declared_png_size(bytes).filter(|_| format == ImageFormat::Png) {
        if !limits.admits(w, h) {
            return Err(DecodeError::TooLarge(w, h));
        }
    }
    if format == ImageFormat::Jpeg {
        // A cut-off JPEG would otherwise decode with its missing part filled in.
        if !jpeg_is_complete(bytes) {
            return Err(DecodeError::Corrupt);
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.max_pixels * 4);
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(|e| map_err(e, bytes))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (w, h) = decoder.dimensions();
    if !limits.admits(w, h) {
        return Err(DecodeError::TooLarge(w, h));
    }
    let scaled = (format == ImageFormat::Jpeg)
        .then(|| jpeg_scaled_down(bytes, w, h))
        .flatten();
    let mut img = match scaled {
        Some(img) => {
            drop(decoder);
            img
        }
        None => image::DynamicImage::from_decoder(decoder).map_err(|e| map_err(e, bytes))?,
    };
    img.apply_orientation(orientation);
    let rgb = img.into_rgb8();
    Ok((rgb.width(), rgb.height(), rgb.into_raw()))
}

/// Pictures above this many pixels are decoded at a half, quarter or eighth
/// of their size: a 48 MP phone photo becomes 12 MP, far above what the
/// checks and the service need, at a quarter of the memory.
pub const DOWNSCALE_ABOVE: u64 = 16_000_000;

/// A large JPEG decoded scaled down in the decoder itself (libjpeg-turbo's
/// DCT scaling: the full-size pixels never exist), or `None` when it is not
/// large or the decoder cannot do it (the full-size path then decodes it).
fn jpeg_scaled_down(bytes: &[u8], w: u32, h: u32) -> Option<image::DynamicImage> {
    use turbojpeg::ScalingFactor;
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= DOWNSCALE_ABOVE {
        return None;
    }
    let factor = [
        ScalingFactor::ONE_HALF,
        ScalingFactor::ONE_QUARTER,
        ScalingFactor::ONE_EIGHTH,
    ]
    .into_iter()
    .find(|f| (f.scale(w as usize) * f.scale(h as usize)) as u64 <= DOWNSCALE_ABOVE)
    .unwrap_or(ScalingFactor::ONE_EIGHTH);
    let mut decompressor = turbojpeg::Decompressor::new().ok()?;
    decompressor.set_scaling_factor(factor).ok()?;
    let header = decompressor.read_header(bytes).ok()?.scaled(factor);
    let mut out = turbojpeg::Image {
        pixels: vec![0u8; 3 * header.width * header.height],
        width: header.width,
        pitch: 3 * header.width,
        height: header.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    decompressor.decompress(bytes, out.as_deref_mut()).ok()?;
    let rgb = image::RgbImage::from_raw(header.width as u32, header.height as u32, out.pixels)?;
    Some(image::DynamicImage::ImageRgb8(rgb))
}

/// Whether a JPEG file ends with its end-of-image marker (trailing padding
/// allowed). The decoder fills a cut-off file with grey instead of failing.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && b != b'\n' && b != b'\r')
        .unwrap_or(0);
    end >= 1 && bytes[end - 1..=end] == [0xff, 0xd9]
}

fn map_err(e: image::ImageError, bytes: &[u8]) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => {
            let (w, h) = declared_png_size(bytes).unwrap_or((0, 0));
            DecodeError::TooLarge(w, h)
        }
        _ => DecodeError::Corrupt,
    }
}

fn declared_png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    None
}
