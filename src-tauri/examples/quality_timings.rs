//! Writes sample 1920×1080 frames as raw RGB and times the kiosk's checks and
//! JPEG encoding on them, for `tests/bench/compare_opencv.py` to compare with
//! OpenCV in the same run. Usage: quality_timings OUT_DIR [ITERATIONS]

use std::time::Instant;

use onboard_kiosk::capture::sample::{Scene, Subject};
use onboard_kiosk::quality::{encode_for_upload, Assessor, Frame, Kind};

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .expect("usage: quality_timings OUT_DIR [ITERATIONS]"),
    );
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    std::fs::create_dir_all(&out).expect("output folder");
    let scenes = [
        (
            "document-sharp",
            Scene::new(Subject::DocumentFront, 1920, 1080),
        ),
        (
            "document-back",
            Scene::new(Subject::DocumentBack, 1920, 1080),
        ),
        (
            "document-blurred",
            Scene {
                blur: 3.0,
                ..Scene::new(Subject::DocumentFront, 1920, 1080)
            },
        ),
        ("selfie", Scene::new(Subject::Selfie, 1920, 1080)),
        (
            "document-glare-tilt",
            Scene {
                glare: 0.5,
                tilt: 7.0,
                ..Scene::new(Subject::DocumentFront, 1920, 1080)
            },
        ),
    ];
    let mut frames = Vec::new();
    let mut assessor = Assessor::default();
    for (name, scene) in scenes {
        let rgb = scene.render(0);
        let file = out.join(format!("{name}.rgb"));
        std::fs::write(&file, &rgb).expect("write frame");
        let frame = Frame {
            width: 1920,
            height: 1080,
            rgb: &rgb,
        };
        // The full-size Laplacian, which OpenCV's recipe measures, is
        // measured for a still; the live checks are what is timed.
        let report = Assessor::default()
            .at_full_resolution(true)
            .assess(frame, Kind::Document);
        let mut assess = Vec::with_capacity(iterations);
        let mut encode = Vec::with_capacity(iterations / 4 + 1);
        for i in 0..iterations {
            let t = Instant::now();
            std::hint::black_box(assessor.assess(std::hint::black_box(frame), Kind::Document));
            assess.push(t.elapsed().as_secs_f64() * 1000.0);
            if i % 4 == 0 {
                let t = Instant::now();
                std::hint::black_box(
                    encode_for_upload(frame, onboard_kiosk::verification::api::MAX_IMAGE_BYTES)
                        .expect("encode"),
                );
                encode.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        frames.push(serde_json::json!({
            "name": name,
            "file": file,
            "width": 1920,
            "height": 1080,
            "laplacian_variance": report.laplacian_variance,
            "assess_median_ms": median_ms(assess),
            "encode_median_ms": median_ms(encode),
        }));
    }
    println!("{}", serde_json::json!({ "frames": frames }));
}
