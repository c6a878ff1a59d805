use super::*;
use crate::capture::sample::{Scene, Subject};

/// Photo files: decoding, scaling, orientation, refusal, and the upload's JPEG.
mod files;

fn report(scene: Scene, kind: Kind) -> QualityReport {
    let rgb = scene.render(0);
    assess(
        Frame {
            width: scene.width,
            height: scene.height,
            rgb: &rgb,
        },
        kind,
        &Thresholds::default(),
    )
}

fn codes(r: &QualityReport) -> Vec<ProblemCode> {
    r.problems.iter().map(|p| p.code).collect()
}

fn scene(subject: Subject, w: u32, h: u32, f: impl FnOnce(&mut Scene)) -> Scene {
    let mut s = Scene::new(subject, w, h);
    f(&mut s);
    s
}

#[test]
fn sharp_well_lit_documents_and_selfies_are_accepted_at_720p_and_1080p() {
    for (w, h) in [(1280, 720), (1920, 1080)] {
        for subject in [Subject::DocumentFront, Subject::DocumentBack] {
            let r = report(Scene::new(subject, w, h), Kind::Document);
            assert!(
                r.accepted(),
                "{w}x{h} {subject:?}: {:?} sharp {}",
                codes(&r),
                r.sharpness
            );
        }
        let r = report(Scene::new(Subject::Selfie, w, h), Kind::Selfie);
        assert!(r.accepted(), "{w}x{h} selfie: {:?}", codes(&r));
    }
}

#[test]
fn blur_is_caught_and_the_score_is_resolution_independent() {
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let r = report(
            scene(Subject::DocumentFront, w, h, |s| s.blur = 4.0),
            Kind::Document,
        );
        assert_eq!(codes(&r), vec![ProblemCode::TooBlurry], "{w}x{h}");
        let r = report(scene(Subject::Selfie, w, h, |s| s.blur = 6.0), Kind::Selfie);
        assert_eq!(codes(&r), vec![ProblemCode::TooBlurry], "{w}x{h} selfie");
    }
    // The same scene at two resolutions: the normalised score moves far less than the raw variance.
    let a = report(
        Scene::new(Subject::DocumentFront, 1280, 720),
        Kind::Document,
    );
    let b = report(
        Scene::new(Subject::DocumentFront, 1920, 1080),
        Kind::Document,
    );
    let ratio = |x: f64, y: f64| x.max(y) / x.min(y);
    assert!(
        ratio(a.sharpness, b.sharpness) < 1.25,
        "{} vs {}",
        a.sharpness,
        b.sharpness
    );
    let full = |r: &QualityReport| r.laplacian_variance.expect("measured for a still");
    assert!(ratio(a.sharpness, b.sharpness) < ratio(full(&a), full(&b)));
}

/// A live frame is judged without the full-size grey picture: everything
/// but the full-size Laplacian must come out as for a still. Two frames in
/// a row, so the motion measure is compared too.
#[test]
fn a_live_frame_is_judged_as_a_still_is() {
    let blurred = scene(Subject::DocumentBack, 1920, 1080, |s| s.blur = 4.0);
    let empty = scene(Subject::DocumentFront, 1280, 720, |s| s.card = false);
    let front = |w, h| Scene::new(Subject::DocumentFront, w, h);
    // Each scene, its kind, and whether a document is found there (a
    // selfie's report holds none), so both branches of the checks are run.
    for (scene, kind, found) in [
        (front(1920, 1080), Kind::Document, true),
        (front(1280, 720), Kind::Document, true),
        (front(640, 360), Kind::Document, true),
        (blurred, Kind::Document, true),
        (empty, Kind::Document, false),
        (Scene::new(Subject::Selfie, 1920, 1080), Kind::Selfie, false),
    ] {
        let (mut live, mut still) = (
            Assessor::default(),
            Assessor::default().at_full_resolution(true),
        );
        for t in [0, 5] {
            let rgb = scene.render(t);
            let frame = Frame {
                width: scene.width,
                height: scene.height,
                rgb: &rgb,
            };
            let (mut a, b) = (live.assess(frame, kind), still.assess(frame, kind));
            let name = format!("{}×{} {kind:?}", scene.width, scene.height);
            assert_eq!(b.document.is_some(), found, "{name}");
            assert_eq!(t > 0, b.motion.is_some(), "{name}");
            assert_eq!(a.laplacian_variance, None);
            // The still's is the whole frame's, at full resolution.
            let mut grey = Vec::new();
            grey::grey_from_rgb(&rgb, &mut grey);
            let (w, h) = (scene.width as usize, scene.height as usize);
            assert_eq!(
                b.laplacian_variance,
                Some(grey::laplacian_variance(&grey, w, h)),
                "{name}"
            );
            (a.laplacian_variance, a.analysis_ms) = (b.laplacian_variance, b.analysis_ms);
            assert_eq!(a, b, "{name}");
        }
    }
}

#[test]
fn exposure_and_glare_are_caught() {
    let dark = report(
        scene(Subject::DocumentFront, 1280, 720, |s| s.darkness = 0.8),
        Kind::Document,
    );
    assert_eq!(
        codes(&dark),
        vec![ProblemCode::TooDark],
        "brightness {}",
        dark.brightness
    );
    let bright = report(
        scene(Subject::DocumentFront, 1280, 720, |s| s.exposure = 2.2),
        Kind::Document,
    );
    assert!(
        bright.has(ProblemCode::TooBright),
        "{:?} {}",
        codes(&bright),
        bright.brightness
    );
    let glare = report(
        scene(Subject::DocumentFront, 1280, 720, |s| s.glare = 0.6),
        Kind::Document,
    );
    assert_eq!(
        codes(&glare),
        vec![ProblemCode::Glare],
        "{}",
        glare.glare_fraction
    );
    assert!(glare.glare_fraction > 0.01 && glare.glare_fraction < 0.2);
    // A little dimmer is fine; so is a small highlight.
    assert!(report(
        scene(Subject::DocumentFront, 1280, 720, |s| s.darkness = 0.5),
        Kind::Document
    )
    .accepted());
    let speck = report(
        scene(Subject::DocumentFront, 1280, 720, |s| s.glare = 0.1),
        Kind::Document,
    );
    assert!(speck.accepted(), "{}", speck.glare_fraction);
}

#[test]
fn resolution_depends_on_the_kind() {
    let small = report(Scene::new(Subject::DocumentFront, 640, 360), Kind::Document);
    assert!(small.has(ProblemCode::TooSmall));
    let vga_selfie = report(Scene::new(Subject::Selfie, 640, 480), Kind::Selfie);
    assert!(
        !vga_selfie.has(ProblemCode::TooSmall),
        "{:?}",
        codes(&vga_selfie)
    );
    let portrait = report(
        Scene::new(Subject::DocumentFront, 720, 1280),
        Kind::Document,
    );
    assert!(!portrait.has(ProblemCode::TooSmall));
}

#[test]
fn tiny_hand_built_images() {
    // 5x5 black: too small and too dark.
    let black = [0u8; 5 * 5 * 3];
    let r = assess(
        Frame {
            width: 5,
            height: 5,
            rgb: &black,
        },
        Kind::Document,
        &Thresholds::default(),
    );
    assert_eq!(codes(&r), vec![ProblemCode::TooSmall, ProblemCode::TooDark]);
    assert_eq!(r.brightness, 0.0);
    assert_eq!(r.laplacian_variance, Some(0.0));
    // 5x5 white: too bright, and glare everywhere inside the margin.
    let white = [255u8; 5 * 5 * 3];
    let r = assess(
        Frame {
            width: 5,
            height: 5,
            rgb: &white,
        },
        Kind::Document,
        &Thresholds::default(),
    );
    // Glare is measured, but not judged: there is no document to judge.
    assert!(r.has(ProblemCode::TooBright) && !r.has(ProblemCode::Glare));
    assert_eq!(r.glare_fraction, 1.0);
    // A buffer that does not match its dimensions is refused, not read.
    let r = assess(
        Frame {
            width: 100,
            height: 100,
            rgb: &white,
        },
        Kind::Document,
        &Thresholds::default(),
    );
    assert_eq!(codes(&r), vec![ProblemCode::TooSmall]);
    // A checkerboard has the Laplacian OpenCV gives it: ±4·255 everywhere inside.
    let mut board = vec![0u8; 6 * 6 * 3];
    for y in 0..6 {
        for x in 0..6 {
            if (x + y) % 2 == 0 {
                board[(y * 6 + x) * 3..(y * 6 + x) * 3 + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
    }
    let r = assess(
        Frame {
            width: 6,
            height: 6,
            rgb: &board,
        },
        Kind::Document,
        &Thresholds::default(),
    );
    // Interior and border pixels alike see four opposite neighbours (reflect-101 keeps the pattern).
    let variance = r.laplacian_variance.expect("measured for a still");
    assert!(
        (variance - (4.0f64 * 255.0).powi(2)).abs() < 1e-6,
        "{variance}"
    );
}

#[test]
fn auto_capture_needs_steady_passing_frames() {
    let mut assessor = Assessor::default();
    let mut auto = AutoCapture::new(5, assessor.thresholds.max_motion);
    let still = Scene::new(Subject::DocumentFront, 1280, 720);
    let mut taken_at = None;
    for n in 0..10 {
        let rgb = still.render(n);
        let r = assessor.assess(
            Frame {
                width: 1280,
                height: 720,
                rgb: &rgb,
            },
            Kind::Document,
        );
        if auto.observe(&r) {
            taken_at = Some(n);
            break;
        }
    }
    // The first frame has nothing to compare with, so frames 1..=5 make the streak.
    assert_eq!(taken_at, Some(5));

    assessor.reset();
    let shaky = scene(Subject::DocumentFront, 1280, 720, |s| s.shake = 25.0);
    let mut auto = AutoCapture::new(5, assessor.thresholds.max_motion);
    for n in 0..12 {
        let rgb = shaky.render(n);
        let r = assessor.assess(
            Frame {
                width: 1280,
                height: 720,
                rgb: &rgb,
            },
            Kind::Document,
        );
        assert!(
            r.motion.is_none() || r.motion.unwrap() > assessor.thresholds.max_motion,
            "frame {n}: {:?}",
            r.motion
        );
        assert!(!auto.observe(&r), "a shaking hand is never captured");
    }
}

#[test]
fn a_scan_cropped_to_the_card_is_the_document_and_still_judged_for_blur() {
    use crate::capture::labelled::{Backdrop, Case};
    // 1,284 × 810 pixels: a card's proportions, the card filling the picture.
    let (w, h) = (1284u32, 810u32);
    // The back: mostly white paper, whose light is judged as a document's
    // (a whole scene that bright would be overexposed).
    let picture = |corners: Option<[[f32; 2]; 4]>, blur: usize| {
        Case {
            width: w,
            height: h,
            backdrop: Backdrop::Wood,
            corners,
            side: Subject::DocumentBack,
            blur,
            noise: 0.0,
            jpeg: None,
            seed: 2,
        }
        .render()
    };
    let whole_card = [
        [0.0, 0.0],
        [w as f32, 0.0],
        [w as f32, h as f32],
        [0.0, h as f32],
    ];
    let scan = |blur: usize| {
        let rgb = picture(Some(whole_card), blur);
        assess_file(
            Frame {
                width: w,
                height: h,
                rgb: &rgb,
            },
            Kind::Document,
            &Thresholds::default(),
            None,
            (false, false),
        )
    };
    let sharp = scan(0);
    assert!(sharp.accepted(), "{:?}", codes(&sharp));
    let whole = sharp.document.expect("the whole picture is the document");
    assert_eq!(whole.fill_fraction, 1.0);
    // 1,284 pixels over 85.6 mm: 381 dpi.
    assert!(
        (whole.effective_dpi - 381.0).abs() < 2.0,
        "{}",
        whole.effective_dpi
    );
    let blurred = scan(6);
    assert_eq!(
        codes(&blurred),
        vec![ProblemCode::TooBlurry],
        "{}",
        blurred.sharpness
    );
    // A camera frame of the same size, of the desk alone, gets no such
    // benefit of the doubt.
    let desk = picture(None, 0);
    let frame = Frame {
        width: w,
        height: h,
        rgb: &desk,
    };
    assert_eq!(
        codes(&assess(frame, Kind::Document, &Thresholds::default())),
        vec![ProblemCode::NoDocument]
    );
}

#[test]
fn a_selfie_needs_a_face_large_enough_and_the_document_beside_it() {
    let selfie = |scene: Scene| {
        let rgb = scene.render(0);
        assess(
            Frame {
                width: scene.width,
                height: scene.height,
                rgb: &rgb,
            },
            Kind::Selfie,
            &Thresholds::default(),
        )
    };
    let good = selfie(Scene::new(Subject::Selfie, 1280, 720));
    assert!(good.accepted(), "{:?}", codes(&good));
    let face = good.faces.first().expect("the person's face");
    assert!(face.width > 0.12 * 1280.0, "{face:?}");
    let mut nobody = Scene::new(Subject::Selfie, 1280, 720);
    nobody.person = false;
    assert_eq!(codes(&selfie(nobody)), vec![ProblemCode::NoFace]);
    let mut no_card = Scene::new(Subject::Selfie, 1280, 720);
    no_card.card = false;
    assert_eq!(codes(&selfie(no_card)), vec![ProblemCode::NoDocument]);
    // The rule for size, on faces as the detector gives them.
    let t = Thresholds::default();
    let at = |width: f32| Face {
        x: 100.0,
        y: 100.0,
        width,
        height: width,
        score: 10.0,
    };
    let card = crate::quality::outline::whole_picture(856, 540).expect("a card");
    let card = Outline {
        corners: card.corners.map(|[x, y]| [x + 400.0, y + 100.0]),
        ..card
    };
    assert_eq!(person(&[at(160.0)], Some(&card), 1280, &t), vec![]);
    assert_eq!(
        person(&[at(120.0), at(60.0)], Some(&card), 1280, &t),
        vec![problem(ProblemCode::FaceTooSmall)]
    );
    // A face on the card is its portrait: alone, it is no person.
    let portrait = Face {
        x: 500.0,
        y: 250.0,
        ..at(170.0)
    };
    assert_eq!(
        person(&[portrait], Some(&card), 1280, &t),
        vec![problem(ProblemCode::NoFace)]
    );
    assert_eq!(
        person(&[portrait, at(160.0)], Some(&card), 1280, &t),
        vec![]
    );
    assert_eq!(
        person(&[at(160.0)], None, 1280, &t),
        vec![problem(ProblemCode::NoDocument)]
    );
}

#[test]
fn a_cards_front_shows_its_portrait_and_its_back_does_not() {
    let check = |subject: Subject| {
        let rgb = Scene::new(subject, 1280, 720).render(0);
        Assessor::new(Thresholds::default())
            .expecting_portrait(true)
            .assess(
                Frame {
                    width: 1280,
                    height: 720,
                    rgb: &rgb,
                },
                Kind::Document,
            )
    };
    let front = check(Subject::DocumentFront);
    assert!(front.accepted(), "{:?}", codes(&front));
    // The portrait sits in the card's left third: 5–33 % of its width.
    let portrait = front.faces.first().expect("the portrait");
    let card = front.document.as_ref().expect("the card").corners;
    let u = (portrait.x + portrait.width / 2.0 - card[0][0]) / (card[1][0] - card[0][0]);
    assert!((0.05..0.33).contains(&u), "{portrait:?} on {card:?}");
    assert_eq!(
        codes(&check(Subject::DocumentBack)),
        vec![ProblemCode::NoPortrait]
    );
}

#[test]
fn glare_on_the_machine_readable_lines_is_its_own_problem() {
    let back = |glare: f32, at: (f32, f32)| {
        let mut scene = Scene::new(Subject::DocumentBack, 1280, 720);
        scene.glare = glare;
        scene.glare_at = at;
        let rgb = scene.render(0);
        Assessor::new(Thresholds::default())
            .judging_mrz(true)
            .assess(
                Frame {
                    width: 1280,
                    height: 720,
                    rgb: &rgb,
                },
                Kind::Document,
            )
    };
    assert!(back(0.0, (0.0, 0.0)).accepted());
    // A small spot on the lines: little of the card, much of its zone.
    let on_zone = back(0.15, (-0.2, 0.3));
    assert!(
        on_zone.glare_fraction <= Thresholds::default().max_glare,
        "{}",
        on_zone.glare_fraction
    );
    assert_eq!(codes(&on_zone), vec![ProblemCode::MrzGlare]);
    // The same spot on the text above the zone is no problem.
    assert!(back(0.15, (-0.2, -0.25)).accepted());
}

#[test]
fn a_blurred_zone_is_its_own_problem_though_the_card_passes() {
    let back = |blur: f32| {
        let mut scene = Scene::new(Subject::DocumentBack, 1920, 1080);
        scene.blur = blur;
        let rgb = scene.render(0);
        let frame = Frame {
            width: 1920,
            height: 1080,
            rgb: &rgb,
        };
        // Live, as the preview judges it.
        Assessor::new(Thresholds::default())
            .judging_mrz(true)
            .assess(frame, Kind::Document)
    };
    assert!(back(0.0).accepted());
    assert!(back(2.0).accepted());
    // The card as a whole is still sharp enough; its zone's characters run
    // together (and are not read: see `mrz::read`).
    let soft = back(4.0);
    assert!(
        soft.sharpness >= Thresholds::default().min_sharpness,
        "{}",
        soft.sharpness
    );
    assert_eq!(codes(&soft), vec![ProblemCode::MrzBlurry]);
    // Blurred all over: the picture is blurry, said once.
    assert_eq!(codes(&back(8.0)), vec![ProblemCode::TooBlurry]);
}

#[test]
fn a_person_standing_back_is_asked_to_come_closer() {
    // At the counter the sample person's face is 0.3 of the picture's
    // width; a third as large (standing well back) it is under a tenth:
    // found by the closer look, and too small to compare with the
    // document's portrait.
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let back = report(
            scene(Subject::Selfie, w, h, |s| s.person_size = 0.33),
            Kind::Selfie,
        );
        assert_eq!(
            codes(&back),
            vec![ProblemCode::FaceTooSmall],
            "{w}x{h}: {:?}",
            back.faces
        );
        let face = back.faces.first().expect("the person's face");
        let (share, centre) = (
            face.width / w as f32,
            (face.x + face.width / 2.0) / w as f32,
        );
        // The person's face, under a tenth of the width (what the look at
        // half size misses), not the card's portrait (0.068 of it).
        assert!(share > 0.07 && share < 0.1, "{w}x{h}: {face:?}");
        assert!((centre - 0.38).abs() < 0.03, "{w}x{h}: {face:?}");
        // A step nearer, the face is large enough.
        let nearer = report(
            scene(Subject::Selfie, w, h, |s| s.person_size = 0.6),
            Kind::Selfie,
        );
        assert!(nearer.accepted(), "{w}x{h}: {:?}", codes(&nearer));
    }
}
