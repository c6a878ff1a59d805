//! `kioskctl check-image` on generated photos with known problems, and on bad files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use onboard_kiosk::capture::sample::{Scene, Subject};
use onboard_kiosk::quality::{encode_for_upload, Frame};

fn write_jpeg(dir: &Path, name: &str, scene: Scene) -> PathBuf {
    let rgb = scene.render(0);
    let bytes = encode_for_upload(
        Frame {
            width: scene.width,
            height: scene.height,
            rgb: &rgb,
        },
        onboard_kiosk::verification::api::MAX_IMAGE_BYTES,
    )
    .unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn check(path: &Path, kind: &str) -> (i32, serde_json::Value, String) {
    let out = std::process::Command::new(kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl"))
        .args([
            "check-image",
            path.to_str().unwrap(),
            "--kind",
            kind,
            "--json",
        ])
        .env(
            "KIOSK_LOG_DIR",
            std::env::temp_dir().join("kioskctl-check-image-logs"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn verdicts_match_the_known_problems() {
    let dir_folder = tempfile::Builder::new()
        .prefix("kiosk-check-image-")
        .tempdir()
        .expect("a temporary folder");
    let dir = dir_folder.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let with = |f: fn(&mut Scene)| {
        let mut s = Scene::new(Subject::DocumentFront, 1920, 1080);
        f(&mut s);
        s
    };
    let good = write_jpeg(
        &dir,
        "good.jpg",
        Scene::new(Subject::DocumentFront, 1920, 1080),
    );
    let (code, v, _) = check(&good, "document");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("accept")), "{v}");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    for key in [
        "laplacian_variance",
        "sharpness",
        "brightness",
        "glare_fraction",
        "analysis_ms",
    ] {
        assert!(v[key].as_f64().is_some(), "{key} in {v}");
    }
    for (name, scene, expected) in [
        ("blurry.jpg", with(|s| s.blur = 5.0), "too_blurry"),
        ("dark.jpg", with(|s| s.darkness = 0.82), "too_dark"),
        ("glare.jpg", with(|s| s.glare = 0.6), "glare"),
        (
            "small.jpg",
            Scene::new(Subject::DocumentFront, 960, 540),
            "too_small",
        ),
    ] {
        let (code, v, _) = check(&write_jpeg(&dir, name, scene), "document");
        assert_eq!(code, 1, "{name}: {v}");
        assert_eq!(v["verdict"], "reject");
        assert_eq!(codes(&v), vec![expected], "{name}");
        assert!(!v["problems"][0]["message"].as_str().unwrap().is_empty());
    }
    let selfie = write_jpeg(&dir, "selfie.jpg", Scene::new(Subject::Selfie, 1280, 720));
    assert_eq!(check(&selfie, "selfie").0, 0);
}

#[test]
fn unusable_files_exit_2_with_one_line_quickly() {
    let dir_folder = tempfile::Builder::new()
        .prefix("kiosk-check-image-bad-")
        .tempdir()
        .expect("a temporary folder");
    let dir = dir_folder.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let good = {
        let rgb = Scene::new(Subject::DocumentFront, 640, 400).render(0);
        encode_for_upload(
            Frame {
                width: 640,
                height: 400,
                rgb: &rgb,
            },
            onboard_kiosk::verification::api::MAX_IMAGE_BYTES,
        )
        .unwrap()
    };
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend_from_slice(&200_000u32.to_be_bytes());
    bomb.extend_from_slice(&200_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.jpg", vec![], "empty"),
        ("truncated.jpg", good[..good.len() / 2].to_vec(), "damaged"),
        ("random.bin", random, "not supported"),
        ("scan.tif", b"II*\0\x08\0\0\0\0\0".to_vec(), "TIFF"),
        ("bomb.png", bomb, "200000×200000"),
    ];
    for (name, bytes, expect) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let started = Instant::now();
        let (code, _, stderr) = check(&p, "document");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name} took {:?}",
            started.elapsed()
        );
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(expect), "{name}: {stderr}");
    }
    let (code, _, stderr) = check(&dir.join("missing.jpg"), "document");
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"));
}
