//! Time of one live preview JPEG at 1280×720 from the sample camera's card.
//! `cargo run --release -p onboard-kiosk --example preview_encode`

use std::time::Instant;

use onboard_kiosk::capture::{Scene, Subject};
use onboard_kiosk::quality::{encode_preview, Frame};

fn main() {
    let rgb = Scene::new(Subject::DocumentFront, 1280, 720).render(0);
    let frame = Frame {
        width: 1280,
        height: 720,
        rgb: &rgb,
    };
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..60 {
        let t = Instant::now();
        size = encode_preview(frame).expect("encode").len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "preview JPEG 1280×720: {:.2} ms median, {} KiB",
        times[times.len() / 2],
        size / 1024
    );
}
