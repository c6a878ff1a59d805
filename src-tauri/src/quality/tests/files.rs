use crate::capture::sample::{Scene, Subject};
use crate::quality::*;

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let rgb = Scene::new(Subject::DocumentFront, w, h).render(0);
    encode_for_upload(
        Frame {
            width: w,
            height: h,
            rgb: &rgb,
        },
        crate::verification::api::MAX_IMAGE_BYTES,
    )
    .unwrap()
}

#[test]
fn upload_jpeg_has_no_metadata_and_round_trips() {
    let bytes = jpeg(640, 400);
    assert!(bytes.starts_with(&[0xff, 0xd8]) && bytes.ends_with(&[0xff, 0xd9]));
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "no EXIF");
    let (w, h, rgb) = decode(&bytes, DecodeLimits::default()).unwrap();
    assert_eq!((w, h, rgb.len()), (640, 400, 640 * 400 * 3));
    assert!(encode_for_upload(
        Frame {
            width: 10,
            height: 10,
            rgb: &[0; 5]
        },
        crate::verification::api::MAX_IMAGE_BYTES
    )
    .is_err());
}

#[test]
fn bad_files_give_clear_errors() {
    let limits = DecodeLimits::default();
    let good = jpeg(320, 200);
    assert_eq!(decode(b"", limits), Err(DecodeError::Empty));
    assert_eq!(
        decode(&good[..good.len() / 2], limits),
        Err(DecodeError::Corrupt)
    );
    assert_eq!(
        decode(b"\x00\x01random bytes", limits),
        Err(DecodeError::NotAnImage)
    );
    assert!(
        matches!(decode(b"II*\0\x08\0\0\0", limits), Err(DecodeError::Unsupported(ref f)) if f == "TIFF")
    );
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[1, 0, 1, 0, 0, 0, 0]);
    assert!(matches!(
        decode(&gif, limits),
        Err(DecodeError::Unsupported(ref f)) if f == "GIF"
    ));
    // A PNG declaring 100000 x 100000 pixels (a decompression bomb) is refused from its header.
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let started = std::time::Instant::now();
    assert_eq!(
        decode(&bomb, limits),
        Err(DecodeError::TooLarge(100_000, 100_000))
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Within each side's limit, but 256 MP in all.
    let mut wide = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    wide.extend_from_slice(&16_000u32.to_be_bytes());
    wide.extend_from_slice(&16_000u32.to_be_bytes());
    wide.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        decode(&wide, limits),
        Err(DecodeError::TooLarge(16_000, 16_000))
    );
    let big = DecodeLimits {
        max_bytes: 100,
        ..limits
    };
    assert_eq!(decode(&good, big), Err(DecodeError::FileTooLarge(0)));
}

#[test]
fn a_large_jpeg_is_decoded_scaled_down_and_upright() {
    // 6000×4000 (24 MP) with a bright left half: decoded at half size, same picture.
    let (w, h) = (6000u32, 4000u32);
    let img = image::RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            image::Rgb([230, 230, 230])
        } else {
            image::Rgb([20, 20, 20])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .unwrap();
    let (dw, dh, rgb) = decode(&jpeg, DecodeLimits::default()).unwrap();
    assert_eq!((dw, dh), (3000, 2000));
    assert!(u64::from(dw) * u64::from(dh) <= super::decode::DOWNSCALE_ABOVE);
    let at = |x: u32, y: u32| rgb[((y * dw + x) * 3) as usize];
    assert!(
        at(100, 1000) > 200 && at(2900, 1000) < 50,
        "the same picture"
    );
    // A small one keeps its size.
    let mut small = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut small, 90)
        .encode_image(&image::RgbImage::new(1600, 1200))
        .unwrap();
    let (sw, sh, _) = decode(&small, DecodeLimits::default()).unwrap();
    assert_eq!((sw, sh), (1600, 1200));
}

#[test]
fn exif_orientation_turns_the_photo_upright() {
    // A 40x20 JPEG with EXIF orientation 6 (rotate 90° clockwise to view).
    let rgb = vec![128u8; 40 * 20 * 3];
    let plain = encode_for_upload(
        Frame {
            width: 40,
            height: 20,
            rgb: &rgb,
        },
        crate::verification::api::MAX_IMAGE_BYTES,
    )
    .unwrap();
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01".to_vec();
    exif.extend_from_slice(&[
        0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0, 0, 0, 0, 0,
    ]);
    // An APP1 segment right after the start of image, as cameras write it.
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    let (w, h, _) = decode(&out, DecodeLimits::default()).unwrap();
    assert_eq!((w, h), (20, 40));
}

/// Every seed of the fuzz targets (and every crash they ever found, kept as a
/// seed) decodes or fails with a clear error, and what decodes is assessed.
#[test]
fn fuzz_seeds_decode_or_fail_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/decode_assess");
    let mut decoded = 0;
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fuzz seeds") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        match crate::quality::decode(&bytes, crate::quality::DecodeLimits::default()) {
            Ok((w, h, rgb)) => {
                assert_eq!(rgb.len(), w as usize * h as usize * 3, "{}", path.display());
                let report = assess(
                    Frame {
                        width: w,
                        height: h,
                        rgb: &rgb,
                    },
                    Kind::Document,
                    &Thresholds::default(),
                );
                assert!(report.laplacian_variance.is_some_and(f64::is_finite));
                decoded += 1;
            }
            Err(e) => refused.push((path.file_name().unwrap().to_owned(), e)),
        }
    }
    assert!(decoded >= 5, "{decoded} seeds decoded");
    let names: Vec<_> = refused
        .iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    for expected in ["bomb.png", "tiny.tiff", "truncated.jpg"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} must be refused: {names:?}"
        );
    }
}
