//! Photos imported from disk (a field agent's phone picture), turned upright
//! by their EXIF orientation, within the decoder's limits.

use std::io::Read;
use std::path::Path;

use crate::quality::{decode, DecodeError, DecodeLimits};

use super::RgbFrame;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file could not be read: {0}")]
    Read(std::io::ErrorKind),
    #[error("{0}")]
    Decode(#[from] DecodeError),
}

/// Reads at most the decoder's byte limit from `path` and decodes it.
pub fn import(path: &Path, limits: DecodeLimits) -> Result<RgbFrame, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::Read(e.kind()))?;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImportError::Read(e.kind()))?;
    import_bytes(&bytes, limits)
}

pub fn import_bytes(bytes: &[u8], limits: DecodeLimits) -> Result<RgbFrame, ImportError> {
    let (width, height, rgb) = decode(bytes, limits)?;
    Ok(RgbFrame::new(width, height, rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 JPEG whose EXIF says "rotate 90° clockwise to view".
    fn rotated_jpeg() -> Vec<u8> {
        let mut img = image::RgbImage::new(3, 2);
        img.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 100)
            .encode_image(&img)
            .unwrap();
        // APP1 Exif segment, little-endian TIFF with one IFD entry: Orientation = 6.
        let mut exif =
            b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
        let len = (exif.len() + 2) as u16;
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&len.to_be_bytes());
        app1.append(&mut exif);
        jpeg.splice(2..2, app1);
        jpeg
    }

    #[test]
    fn honours_exif_orientation() {
        let frame = import_bytes(&rotated_jpeg(), DecodeLimits::default()).unwrap();
        assert_eq!((frame.width, frame.height), (2, 3), "turned upright");
    }

    #[test]
    fn missing_file_and_bad_bytes_are_clear_errors() {
        let e = import(Path::new("/nonexistent/photo.jpg"), DecodeLimits::default()).unwrap_err();
        assert!(e.to_string().contains("could not be read"), "{e}");
        let e = import_bytes(b"not an image", DecodeLimits::default()).unwrap_err();
        assert!(matches!(e, ImportError::Decode(_)), "{e}");
    }
}
