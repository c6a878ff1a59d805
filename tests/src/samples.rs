//! Small, distinct JPEG images for tests that send documents.

use std::path::{Path, PathBuf};

/// A 640×400 JPEG whose pixels depend on `seed`, so different seeds give different files.
pub fn jpeg(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 400, |x, y| {
        let v = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(2654435761)) as u8;
        image::Rgb([v, v.wrapping_add((seed % 97) as u8), 255 - v])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode sample jpeg");
    out
}

/// Front, back and selfie files written to `dir`.
pub struct SampleFiles {
    pub front: PathBuf,
    pub back: PathBuf,
    pub selfie: PathBuf,
}

pub fn write_samples(dir: &Path, seed: u32) -> SampleFiles {
    std::fs::create_dir_all(dir).expect("sample dir");
    let write = |name: &str, s: u32| {
        let p = dir.join(name);
        std::fs::write(&p, jpeg(s)).expect("write sample");
        p
    };
    SampleFiles {
        front: write("front.jpg", seed * 3),
        back: write("back.jpg", seed * 3 + 1),
        selfie: write("selfie.jpg", seed * 3 + 2),
    }
}
