//! `kioskctl check-image` on generated photos with known problems, and on bad files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use onboard_kiosk::capture::labelled::{card_corners, Backdrop, Case};
use onboard_kiosk::capture::sample::{zone, Scene, Subject};
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
    check_with(path, kind, &[])
}

fn check_with(path: &Path, kind: &str, more: &[&str]) -> (i32, serde_json::Value, String) {
    let out = std::process::Command::new(kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl"))
        .args([
            "check-image",
            path.to_str().unwrap(),
            "--kind",
            kind,
            "--json",
        ])
        .args(more)
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
    // The card is drawn centred, 66 % of the width: its corners, 1,267
    // pixels over 85.6 mm (about 376 dpi), 1,267 × 799 of 1,920 × 1,080 pixels.
    let corners: Vec<Vec<f64>> = serde_json::from_value(v["document"]["corners"].clone()).unwrap();
    let drawn = [
        [326.4, 140.5],
        [1593.6, 140.5],
        [1593.6, 939.5],
        [326.4, 939.5],
    ];
    for (found, drawn) in corners.iter().zip(drawn) {
        assert!(
            (found[0] - drawn[0]).abs() < 12.0 && (found[1] - drawn[1]).abs() < 12.0,
            "{corners:?}"
        );
    }
    let dpi = v["document"]["effective_dpi"].as_f64().unwrap();
    assert!((dpi - 376.0).abs() < 10.0, "{dpi}");
    let fill = v["document"]["fill_fraction"].as_f64().unwrap();
    assert!((0.45..0.53).contains(&fill), "{fill}");
    for (name, scene, expected) in [
        ("blurry.jpg", with(|s| s.blur = 5.0), &["too_blurry"][..]),
        ("dark.jpg", with(|s| s.darkness = 0.82), &["too_dark"]),
        ("glare.jpg", with(|s| s.glare = 0.6), &["glare"]),
        // Pushed off the right edge by a third of its width.
        (
            "cut-off.jpg",
            with(|s| s.offset = (750.0, 0.0)),
            &["document_cut_off"],
        ),
        (
            "small.jpg",
            Scene::new(Subject::DocumentFront, 960, 540),
            &["resolution_low", "too_small"],
        ),
    ] {
        let (code, v, _) = check(&write_jpeg(&dir, name, scene), "document");
        assert_eq!(code, 1, "{name}: {v}");
        assert_eq!(v["verdict"], "reject");
        assert_eq!(codes(&v), expected, "{name}");
        assert!(!v["problems"][0]["message"].as_str().unwrap().is_empty());
    }
    // A desk with nothing on it, and a card far away.
    for (name, corners, expected) in [
        ("empty.jpg", None, "no_document"),
        (
            "far.jpg",
            Some(card_corners(1920, 1080, 0.25, (0.5, 0.5), 5.0, 0.0, 0.0)),
            "document_too_far",
        ),
    ] {
        let case = Case {
            width: 1920,
            height: 1080,
            backdrop: Backdrop::Wood,
            corners,
            side: Subject::DocumentFront,
            blur: 0,
            noise: 2.0,
            jpeg: None,
            seed: 3,
        };
        let path = dir.join(name);
        let rgb = case.render();
        std::fs::write(
            &path,
            encode_for_upload(
                Frame {
                    width: 1920,
                    height: 1080,
                    rgb: &rgb,
                },
                onboard_kiosk::verification::api::MAX_IMAGE_BYTES,
            )
            .unwrap(),
        )
        .unwrap();
        let (code, v, _) = check(&path, "document");
        assert_eq!(code, 1, "{name}: {v}");
        assert_eq!(codes(&v), vec![expected], "{name}: {v}");
        assert_eq!(v["document"].is_null(), corners.is_none(), "{name}: {v}");
    }
    // A selfie: the person's face, where it is drawn (centred at 38 % of
    // the width and 42 % of the height), and without the person, none.
    let selfie = write_jpeg(&dir, "selfie.jpg", Scene::new(Subject::Selfie, 1280, 720));
    let (code, v, _) = check(&selfie, "selfie");
    assert_eq!(code, 0, "{v}");
    let face = &v["faces"][0];
    let (cx, cy) = (
        face["x"].as_f64().unwrap() + face["width"].as_f64().unwrap() / 2.0,
        face["y"].as_f64().unwrap() + face["height"].as_f64().unwrap() / 2.0,
    );
    assert!(
        (cx / 1280.0 - 0.38).abs() < 0.05 && (cy / 720.0 - 0.42).abs() < 0.08,
        "{v}"
    );
    assert!(face["score"].as_f64().unwrap() > 2.0, "{v}");
    let mut nobody = Scene::new(Subject::Selfie, 1280, 720);
    nobody.person = false;
    let (code, v, _) = check(&write_jpeg(&dir, "nobody.jpg", nobody), "selfie");
    assert_eq!((code, codes(&v)), (1, vec!["no_face".to_owned()]), "{v}");
    assert_eq!(v["faces"], serde_json::json!([]));

    // The front shows its portrait; the back given as a front does not.
    let (code, v, _) = check_with(&good, "document", &["--side", "front"]);
    assert_eq!(code, 0, "{v}");
    let portrait_x = v["faces"][0]["x"].as_f64().expect("the portrait");
    assert!(
        (326.0..326.0 + 0.33 * 1267.0).contains(&portrait_x),
        "the portrait in the card's left third: {v}"
    );
    let back = write_jpeg(
        &dir,
        "back.jpg",
        Scene::new(Subject::DocumentBack, 1920, 1080),
    );
    let (code, v, _) = check_with(&back, "document", &["--side", "front"]);
    assert_eq!(
        (code, codes(&v)),
        (1, vec!["no_portrait".to_owned()]),
        "{v}"
    );

    // The back checked against the front: the front again is caught.
    let front = good.to_str().unwrap();
    let again = write_jpeg(&dir, "again.jpg", with(|s| s.offset = (90.0, -40.0)));
    let (code, v, _) = check_with(&again, "document", &["--side", "back", "--front", front]);
    assert_eq!(
        (code, codes(&v)),
        (1, vec!["same_side_again".to_owned()]),
        "{v}"
    );
    let (code, v, _) = check_with(&back, "document", &["--side", "back", "--front", front]);
    assert_eq!(code, 0, "{v}");

    // A scan of a back whose zone is misprinted: its check digits do not
    // add up. The same scan printed right passes.
    let printed = zone::specimen(4);
    let (code, v, _) = check_with(
        &scanned_back(&dir, "zone.jpg", &printed),
        "document",
        &["--side", "back"],
    );
    assert_eq!(code, 0, "{v}");
    let mut misprinted = printed.clone();
    let digit = misprinted[1].as_bytes()[2];
    let other = if digit == b'9' { "0" } else { "9" };
    misprinted[1].replace_range(2..3, other);
    let scan = scanned_back(&dir, "misprinted.jpg", &misprinted);
    let (code, v, _) = check_with(&scan, "document", &["--side", "back"]);
    assert_eq!(
        (code, codes(&v)),
        (1, vec!["mrz_unreadable".to_owned()]),
        "{v}"
    );
    // Not a back: the zone is not read, nor judged.
    let (code, v, _) = check(&scan, "document");
    assert_eq!(code, 0, "{v}");
}

/// A card's back scanned to its edges (1,280 pixels wide): paper and its
/// machine-readable zone, `lines`.
fn scanned_back(dir: &Path, name: &str, lines: &[String; 3]) -> PathBuf {
    let (w, h) = (1280usize, 807usize);
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (u, v) = ((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32);
            let ink = zone::ink(lines, u, v).unwrap_or(0.0);
            let paper = 228.0 - 10.0 * v;
            let level = (paper - (paper - 12.0) * ink) as u8;
            rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[level; 3]);
        }
    }
    let bytes = encode_for_upload(
        Frame {
            width: w as u32,
            height: h as u32,
            rgb: &rgb,
        },
        onboard_kiosk::verification::api::MAX_IMAGE_BYTES,
    )
    .unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
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
