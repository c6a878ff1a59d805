//! The full quality assessment of a 1920×1080 frame (the document's outline,
//! the checks inside it, the portrait and the faces of a selfie included),
//! a still's machine-readable zone read, and JPEG encoding for upload.
//! Run with `cargo bench -p onboard-kiosk --bench quality`.

use criterion::{criterion_group, criterion_main, Criterion};
use onboard_kiosk::capture::labelled::{Backdrop, Case, Photo};
use onboard_kiosk::capture::sample::{Scene, Subject};
use onboard_kiosk::quality::faces::FaceFinder;
use onboard_kiosk::quality::{
    edges, encode_for_upload, glare, grey, outline, Assessor, Frame, Kind,
};

fn quality(c: &mut Criterion) {
    let scene = Scene::new(Subject::DocumentFront, 1920, 1080);
    let rgb = scene.render(0);
    let frame = Frame {
        width: 1920,
        height: 1080,
        rgb: &rgb,
    };
    let mut assessor = Assessor::default();
    c.bench_function("assess 1920x1080", |b| {
        b.iter(|| assessor.assess(std::hint::black_box(frame), Kind::Document))
    });
    // A card's front, its portrait looked for in every frame (stills), and
    // in every third as the live checks do.
    let mut every = Assessor::default().expecting_portrait(true);
    c.bench_function("assess 1920x1080 front, portrait every frame", |b| {
        b.iter(|| every.assess(std::hint::black_box(frame), Kind::Document))
    });
    let mut live = Assessor::default().expecting_portrait(true).faces_every(3);
    c.bench_function("assess 1920x1080 front, portrait every third frame", |b| {
        b.iter(|| live.assess(std::hint::black_box(frame), Kind::Document))
    });
    let selfie = Scene::new(Subject::Selfie, 1920, 1080).render(0);
    let selfie_frame = Frame {
        width: 1920,
        height: 1080,
        rgb: &selfie,
    };
    let mut every = Assessor::default();
    c.bench_function("assess 1920x1080 selfie, faces every frame", |b| {
        b.iter(|| every.assess(std::hint::black_box(selfie_frame), Kind::Selfie))
    });
    let mut live = Assessor::default().faces_every(3);
    c.bench_function("assess 1920x1080 selfie, faces every third frame", |b| {
        b.iter(|| live.assess(std::hint::black_box(selfie_frame), Kind::Selfie))
    });
    // A person standing too far back: the look at half size finds nobody,
    // and the closer look takes its turn.
    let mut back = Scene::new(Subject::Selfie, 1920, 1080);
    back.person_size = 0.33;
    let back = back.render(0);
    let back_frame = Frame {
        width: 1920,
        height: 1080,
        rgb: &back,
    };
    let mut live = Assessor::default().faces_every(3);
    c.bench_function(
        "assess 1920x1080 selfie standing back, faces every third frame",
        |b| b.iter(|| live.assess(std::hint::black_box(back_frame), Kind::Selfie)),
    );
    let hd = Scene::new(Subject::DocumentFront, 1280, 720).render(0);
    let hd_frame = Frame {
        width: 1280,
        height: 720,
        rgb: &hd,
    };
    c.bench_function("assess 1280x720", |b| {
        b.iter(|| assessor.assess(std::hint::black_box(hd_frame), Kind::Document))
    });
    // Where the time of a 1080p assessment goes, step by step.
    // Each step's input is made before it, so that any one step can be run
    // alone (`-- "step laplacian"`).
    let mut g = Vec::new();
    grey::grey_from_rgb(&rgb, &mut g);
    c.bench_function("step grey 1920x1080", |b| {
        b.iter(|| grey::grey_from_rgb(std::hint::black_box(&rgb), &mut g))
    });
    c.bench_function("step laplacian 1920x1080", |b| {
        b.iter(|| grey::laplacian_sums(std::hint::black_box(&g), 1920, 1080))
    });
    let mut small = Vec::new();
    grey::downscale_into(&g, 1920, 1080, 3, &mut small);
    c.bench_function("step downscale 1920x1080 by 3", |b| {
        b.iter(|| grey::downscale_into(std::hint::black_box(&g), 1920, 1080, 3, &mut small))
    });
    c.bench_function("step glare 640x360", |b| {
        b.iter(|| glare::glare_fraction(std::hint::black_box(&small), 640, 360, 250, 0.0005))
    });
    let mut value = Vec::new();
    grey::value_downscaled(&rgb, 1920, 1080, 3, &mut value);
    c.bench_function("step value 1920x1080 by 3", |b| {
        b.iter(|| grey::value_downscaled(std::hint::black_box(&rgb), 1920, 1080, 3, &mut value))
    });
    let (mut band, mut grey_small, mut planes) =
        (Vec::new(), Vec::new(), outline::Planes::default());
    c.bench_function("step grey and planes 1920x1080 by 3", |b| {
        b.iter(|| {
            grey::grey_and_planes_downscaled(
                std::hint::black_box(&rgb),
                1920,
                1080,
                3,
                &mut band,
                &mut grey_small,
                planes.all_mut(),
            )
        })
    });
    c.bench_function("step canny 640x360", |b| {
        b.iter(|| edges::canny(std::hint::black_box(&value), 640, 360, 80, 200))
    });
    c.bench_function("step outline 640x360", |b| {
        b.iter(|| outline::find(std::hint::black_box(&value), 640, 360, 3.0))
    });
    // The worst case: no card, and a photograph's edges everywhere (each
    // large contour's straight runs tried four at a time), in the brightest
    // channel and then again with the darkest.
    for photo in [Photo::Brick, Photo::Astronaut] {
        let empty = Case {
            width: 1920,
            height: 1080,
            backdrop: Backdrop::Photo(photo),
            corners: None,
            side: Subject::DocumentFront,
            blur: 0,
            noise: 3.0,
            jpeg: Some(85),
            seed: 1,
        }
        .render();
        let mut planes = outline::Planes::default();
        c.bench_function(
            &format!("step outline 1920x1080 by 3, no card on {photo:?}"),
            |b| {
                b.iter(|| {
                    outline::find_in_frame(std::hint::black_box(&empty), 1920, 1080, 3, &mut planes)
                })
            },
        );
        // The whole analysis of the same frame, as the live checks run it.
        let mut assessor = Assessor::default();
        let frame = Frame {
            width: 1920,
            height: 1080,
            rgb: &empty,
        };
        c.bench_function(&format!("assess 1920x1080, no card on {photo:?}"), |b| {
            b.iter(|| assessor.assess(std::hint::black_box(frame), Kind::Document))
        });
    }
    let mut selfie_grey = Vec::new();
    grey::grey_from_rgb(&selfie, &mut selfie_grey);
    let mut selfie_small = Vec::new();
    grey::downscale_into(&selfie_grey, 1920, 1080, 6, &mut selfie_small);
    let mut finder = FaceFinder::new().expect("the face model");
    c.bench_function("step faces 320x180", |b| {
        b.iter(|| finder.find(std::hint::black_box(&selfie_small), 320, 180, 6.0))
    });
    // A still of a card's back: every check, then with its zone read (90
    // characters matched against OCR-B, once per photo taken).
    let back = Scene::new(Subject::DocumentBack, 1920, 1080).render(0);
    let back = Frame {
        width: 1920,
        height: 1080,
        rgb: &back,
    };
    let mut still = Assessor::default()
        .at_full_resolution(true)
        .judging_mrz(true);
    c.bench_function("still 1920x1080 back", |b| {
        b.iter(|| still.assess(std::hint::black_box(back), Kind::Document))
    });
    let mut reading = Assessor::default()
        .at_full_resolution(true)
        .judging_mrz(true)
        .reading_zone(true);
    c.bench_function("still 1920x1080 back, zone read", |b| {
        b.iter(|| reading.assess(std::hint::black_box(back), Kind::Document))
    });
    c.bench_function("encode jpeg q90 1920x1080", |b| {
        b.iter(|| {
            encode_for_upload(
                std::hint::black_box(frame),
                onboard_kiosk::verification::api::MAX_IMAGE_BYTES,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, quality);
criterion_main!(benches);
