//! Any bytes as an image file: decoding either fails with a clear error or
//! gives consistent pixels, and the checks run on them without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onboard_kiosk::quality::{self, DecodeLimits, Frame, Kind, Thresholds};

fuzz_target!(|data: &[u8]| {
    // Smaller limits than the kiosk's keep each run fast; the checks that
    // refuse a declared size before decoding are the same code.
    let limits = DecodeLimits {
        max_width: 4096,
        max_height: 4096,
        max_bytes: 8 * 1024 * 1024,
    };
    if let Ok((width, height, rgb)) = quality::decode(data, limits) {
        assert_eq!(rgb.len(), width as usize * height as usize * 3);
        for kind in [Kind::Document, Kind::Selfie] {
            let report = quality::assess(
                Frame {
                    width,
                    height,
                    rgb: &rgb,
                },
                kind,
                &Thresholds::default(),
            );
            assert!(report.laplacian_variance.is_some_and(f64::is_finite));
        }
    }
});
