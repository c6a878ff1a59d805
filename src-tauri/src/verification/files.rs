//! The service's rules for image files: format, size, and that the file decodes.
//! The kiosk checks them before sending; the training service enforces them.

use super::{api::MAX_IMAGE_BYTES, ServiceErrorCode as Code};

/// Why the service would refuse a file: its error code, HTTP status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub description: String,
    pub error_code: Option<i64>,
}

impl Refusal {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            error_code: None,
        }
    }
    pub fn coded(status: u16, code: Code, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            error_code: Some(code.code()),
        }
    }
}

/// The content type of an acceptable file, or why the service would refuse it.
pub fn inspect(bytes: &[u8]) -> Result<&'static str, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::coded(400, Code::EmptyFile, "The file is empty"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Refusal::coded(
            413,
            Code::FileTooBig,
            "The file is larger than 64 MB",
        ));
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Err(Refusal::coded(
            400,
            Code::UnsupportedFileFormat,
            "TIFF files are not supported",
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        if bytes.windows(8).any(|w| w == b"/Encrypt") {
            return Err(Refusal::coded(
                400,
                Code::EncryptedFile,
                "The PDF is encrypted",
            ));
        }
        return Ok("application/pdf");
    }
    let format = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Jpeg) => image::ImageFormat::Jpeg,
        Ok(image::ImageFormat::Png) => image::ImageFormat::Png,
        Ok(other) => {
            return Err(Refusal::coded(
                400,
                Code::UnsupportedFileFormat,
                format!("{other:?} files are not supported; use JPEG, PNG or PDF"),
            ));
        }
        Err(_) => {
            // JPEG and PNG are recognised by their first bytes: anything else is unsupported
            // unless it starts like one of them and is broken.
            let looks_like_image =
                bytes.starts_with(&[0xff, 0xd8]) || bytes.starts_with(b"\x89PNG");
            return Err(if looks_like_image {
                Refusal::coded(400, Code::CorruptedFile, "The file is corrupted")
            } else {
                Refusal::coded(
                    400,
                    Code::UnsupportedFileFormat,
                    "Unsupported file format; use JPEG, PNG or PDF",
                )
            });
        }
    };
    if format == image::ImageFormat::Jpeg && !crate::quality::jpeg_is_complete(bytes) {
        return Err(Refusal::coded(
            400,
            Code::CorruptedFile,
            "The file is corrupted (it ends early)",
        ));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    match reader.decode() {
        Ok(_) => Ok(if format == image::ImageFormat::Jpeg {
            "image/jpeg"
        } else {
            "image/png"
        }),
        Err(image::ImageError::Limits(_)) => Err(Refusal::coded(
            400,
            Code::IncorrectFileSize,
            "The image dimensions are too large",
        )),
        Err(_) => Err(Refusal::coded(
            400,
            Code::CorruptedFile,
            "The file is corrupted",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 3) as u8, 128]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    fn code(r: Result<&str, Refusal>) -> Option<i64> {
        r.err().and_then(|e| e.error_code)
    }

    #[test]
    fn accepts_jpeg_png_and_pdf() {
        assert_eq!(inspect(&jpeg(64, 48)).unwrap(), "image/jpeg");
        let mut png = Vec::new();
        image::RgbImage::new(8, 8)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(inspect(&png).unwrap(), "image/png");
        assert_eq!(inspect(b"%PDF-1.7\n...").unwrap(), "application/pdf");
    }

    #[test]
    fn refuses_with_the_documented_codes() {
        assert_eq!(code(inspect(b"")), Some(1003));
        let good = jpeg(64, 48);
        assert_eq!(code(inspect(&good[..good.len() / 2])), Some(1004));
        assert_eq!(code(inspect(b"II*\0\x08\0\0\0")), Some(1005));
        assert_eq!(code(inspect(b"random bytes that are no image")), Some(1005));
        assert_eq!(code(inspect(b"%PDF-1.7 /Encrypt 5 0 R")), Some(1011));
        // A PNG header declaring 100000 x 100000 pixels: refused by the limits, not decoded.
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(code(inspect(&bomb)), Some(1004) | Some(1007)));
    }
}
