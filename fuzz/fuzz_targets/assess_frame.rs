//! Any pixels with any declared size (also sizes that do not match the
//! buffer): the checks report, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onboard_kiosk::quality::{self, Frame, Kind, Thresholds};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let width = u32::from(u16::from_le_bytes([data[0], data[1]]) % 512);
    let height = u32::from(u16::from_le_bytes([data[2], data[3]]) % 512);
    let rgb = &data[4..];
    for kind in [Kind::Document, Kind::Selfie] {
        let _ = quality::assess(Frame { width, height, rgb }, kind, &Thresholds::default());
    }
});
