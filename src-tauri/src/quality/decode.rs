//! Image files to RGB pixels, honouring EXIF orientation, within bounded time and memory.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_bytes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // 100 MP phone photos fit; a file declaring more is refused before decoding.
        Self {
            max_width: 16_384,
            max_height: 16_384,
            max_bytes: 64 * 1024 * 1024,
        }
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
    #[error("the image declares {0}×{1} pixels, more than the kiosk accepts")]
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
        Err(_) => return Err(DecodeError::Unsupported("These".into())),
    };
    // Refuse a decompression bomb from its header, before any decoder allocates.
    if let Some((w, h)) = declared_png_size(bytes).filter(|_| format == ImageFormat::Png) {
        if w > limits.max_width || h > limits.max_height {
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
    l.max_alloc = Some(limits.max_width as u64 * limits.max_height as u64 * 4);
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(|e| map_err(e, bytes))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (w, h) = decoder.dimensions();
    if w > limits.max_width || h > limits.max_height {
        return Err(DecodeError::TooLarge(w, h));
    }
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| map_err(e, bytes))?;
    img.apply_orientation(orientation);
    let rgb = img.into_rgb8();
    Ok((rgb.width(), rgb.height(), rgb.into_raw()))
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
