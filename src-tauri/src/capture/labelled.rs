//! A labelled set of frames where the truth is known, made on demand (never
//! stored as frames): the sample camera's card, placed in perspective on busy
//! backgrounds, drawn ones and real photographs, blurred, noisy and
//! JPEG-compressed as webcams deliver them, with the corners it was drawn at.
//! The accuracy tests and the benchmark of the document outline run on it.

mod backdrop;

pub use backdrop::{Backdrop, Photo};

use super::sample::{box_blur, hash, DrawnCard};
use super::Subject;

/// One frame to make, and what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub width: u32,
    pub height: u32,
    pub backdrop: Backdrop,
    /// The card's corners in the frame (clockwise from its top-left), or none.
    pub corners: Option<[[f32; 2]; 4]>,
    pub side: Subject,
    /// Box-blur radius in pixels.
    pub blur: usize,
    /// Amplitude of the sensor noise added to every channel.
    pub noise: f32,
    /// JPEG quality the frame goes through, as a webcam's MJPEG stream.
    pub jpeg: Option<u8>,
    pub seed: u32,
}

impl Case {
    /// The frame as RGB.
    pub fn render(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        // The card's width in pixels, for the size of its print.
        let card_w = self.corners.map_or(1.0, |c| {
            ((c[1][0] - c[0][0]).hypot(c[1][1] - c[0][1])
                + (c[2][0] - c[3][0]).hypot(c[2][1] - c[3][1]))
                / 2.0
        });
        let card = self
            .corners
            .and_then(|c| DrawnCard::at(c, card_w, self.side, self.seed));
        let photo = match self.backdrop {
            Backdrop::Photo(p) => Some(p.load(self.width, self.height)),
            _ => None,
        };
        let mut rgb = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) * 3;
                let on_card = card.as_ref().and_then(|c| c.pixel(x, y));
                let colour = on_card.unwrap_or_else(|| match &photo {
                    Some(p) => [p[i], p[i + 1], p[i + 2]],
                    None => self.backdrop.pixel(x, y, w, h, self.seed),
                });
                rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
        if self.blur > 0 {
            box_blur(&mut rgb, w, h, self.blur);
        }
        if self.noise > 0.0 {
            for (i, c) in rgb.iter_mut().enumerate() {
                let n = (hash(i as u32, self.seed) % 1024) as f32 / 1023.0 - 0.5;
                *c = (*c as f32 + n * 2.0 * self.noise).clamp(0.0, 255.0) as u8;
            }
        }
        if let Some(quality) = self.jpeg {
            rgb = through_jpeg(rgb, self.width, self.height, quality);
        }
        rgb
    }
}

fn through_jpeg(rgb: Vec<u8>, w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality).encode(
        &rgb,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    );
    match encoded
        .ok()
        .and_then(|_| image::load_from_memory(&bytes).ok())
    {
        Some(img) => img.to_rgb8().into_raw(),
        None => rgb,
    }
}

/// What a case is meant to show, for scoring a detector against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// The whole card, well framed.
    Good,
    /// Whole, but small in the frame.
    Far,
    /// Partly outside the frame.
    CutOff,
    /// Leaning far away from the camera.
    Tilted,
    /// No card at all.
    Nothing,
}

/// A small deterministic random source (no dependency on a seed's library).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next()
    }
}

/// The corners of an ID-1 card `width_share` of the frame wide at its
/// nearest, centred at (`cx`, `cy`) (shares of the frame), turned `roll`
/// degrees in the picture and leaning `pitch` and `yaw` degrees away from
/// the camera, seen through a lens with a 60° horizontal field of view.
pub fn card_corners(
    w: u32,
    h: u32,
    width_share: f32,
    (cx, cy): (f32, f32),
    roll: f32,
    pitch: f32,
    yaw: f32,
) -> [[f32; 2]; 4] {
    let f = w as f32 / (2.0 * 30f32.to_radians().tan());
    let card_w = width_share * w as f32;
    // The distance at which the card, head-on, is `card_w` pixels wide.
    let z = f * 85.6 / card_w;
    let (hw, hh) = (85.6 / 2.0, 54.0 / 2.0);
    let (sr, cr) = roll.to_radians().sin_cos();
    let (sp, cp) = pitch.to_radians().sin_cos();
    let (sy, cy_) = yaw.to_radians().sin_cos();
    let (ox, oy) = ((cx - 0.5) * w as f32 * z / f, (cy - 0.5) * h as f32 * z / f);
    [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)].map(|(x, y)| {
        // Roll in the card's plane, then pitch (about x) and yaw (about y).
        let (x, y) = (x * cr - y * sr, x * sr + y * cr);
        let (y, z1) = (y * cp, y * sp);
        let (x, z2) = (x * cy_, -x * sy);
        let depth = z + z1 + z2;
        [
            w as f32 / 2.0 + f * (x + ox) / depth,
            h as f32 / 2.0 + f * (y + oy) / depth,
        ]
    })
}

/// `n` cases of each kind of [`Truth`], at `width` × `height`, on every
/// drawn backdrop in turn, with blur, noise and JPEG as webcams deliver them.
pub fn set(width: u32, height: u32, n: usize) -> Vec<(Case, Truth)> {
    set_on(&Backdrop::DRAWN, 0x05ee_d0f0_ca7d, width, height, n)
}

/// The same on the real photographs, with poses of their own.
pub fn photo_set(width: u32, height: u32, n: usize) -> Vec<(Case, Truth)> {
    set_on(&Backdrop::PHOTOS, 0x9407_0bac_d709, width, height, n)
}

/// The photographs again, posed with another seed: frames the thresholds
/// were not chosen on.
pub fn held_out_photo_set(width: u32, height: u32, n: usize) -> Vec<(Case, Truth)> {
    set_on(&Backdrop::PHOTOS, 0x1234_5678_9abc, width, height, n)
}

fn set_on(
    backdrops: &[Backdrop],
    seed: u64,
    width: u32,
    height: u32,
    n: usize,
) -> Vec<(Case, Truth)> {
    let mut rng = Lcg(seed);
    let mut cases = Vec::new();
    let kinds = [
        Truth::Good,
        Truth::Far,
        Truth::CutOff,
        Truth::Tilted,
        Truth::Nothing,
    ];
    let mut made = [0usize; 5];
    for i in 0..n * 10 {
        if made.iter().all(|&m| m >= n) {
            break;
        }
        for (k, truth) in kinds.iter().enumerate() {
            if made[k] >= n {
                continue;
            }
            let backdrop = backdrops[(i * kinds.len() + k) % backdrops.len()];
            let roll = rng.range(-20.0, 20.0);
            let corners = match truth {
                Truth::Good => Some(card_corners(
                    width,
                    height,
                    rng.range(0.5, 0.75),
                    (rng.range(0.45, 0.55), rng.range(0.45, 0.55)),
                    roll,
                    rng.range(-12.0, 12.0),
                    rng.range(-12.0, 12.0),
                )),
                Truth::Far => Some(card_corners(
                    width,
                    height,
                    rng.range(0.18, 0.3),
                    (rng.range(0.3, 0.7), rng.range(0.3, 0.7)),
                    roll,
                    rng.range(-8.0, 8.0),
                    rng.range(-8.0, 8.0),
                )),
                Truth::CutOff => {
                    // Pushed off one side by a fifth to a third of its width.
                    let share = rng.range(0.5, 0.7);
                    let out = rng.range(0.2, 0.33) * share;
                    let (cx, cy) = match i % 4 {
                        0 => (share / 2.0 - out, 0.5),
                        1 => (1.0 - share / 2.0 + out, 0.5),
                        2 => (0.5, share * 0.32 - out),
                        _ => (0.5, 1.0 - share * 0.32 + out),
                    };
                    Some(card_corners(
                        width,
                        height,
                        share,
                        (cx, cy),
                        roll * 0.3,
                        0.0,
                        0.0,
                    ))
                }
                Truth::Tilted => {
                    let lean = rng.range(32.0, 42.0) * if i % 2 == 0 { 1.0 } else { -1.0 };
                    let (pitch, yaw) = if i % 3 == 0 { (lean, 0.0) } else { (0.0, lean) };
                    Some(card_corners(
                        width,
                        height,
                        rng.range(0.5, 0.65),
                        (0.5, 0.5),
                        roll * 0.5,
                        pitch,
                        yaw,
                    ))
                }
                Truth::Nothing => None,
            };
            let inside = |c: &[[f32; 2]; 4], m: f32| {
                c.iter().all(|p| {
                    p[0] >= m * width as f32
                        && p[0] <= (1.0 - m) * width as f32
                        && p[1] >= m * height as f32
                        && p[1] <= (1.0 - m) * height as f32
                })
            };
            let fits = match (truth, &corners) {
                (Truth::CutOff, Some(c)) => !inside(c, 0.0),
                (Truth::Nothing, _) => true,
                (_, Some(c)) => inside(c, 0.03),
                (_, None) => false,
            };
            if !fits {
                continue;
            }
            let case = Case {
                width,
                height,
                backdrop,
                corners,
                side: if i % 2 == 0 {
                    Subject::DocumentFront
                } else {
                    Subject::DocumentBack
                },
                blur: (rng.next() * 2.0) as usize,
                noise: rng.range(0.0, 8.0),
                jpeg: Some(rng.range(70.0, 92.0) as u8),
                seed: i as u32 + 1,
            };
            made[k] += 1;
            cases.push((case, *truth));
        }
    }
    cases
}

/// Intersection over union of two convex quadrilaterals, measured on a
/// `width` × `height` pixel grid.
pub fn iou(a: &[[f32; 2]; 4], b: &[[f32; 2]; 4], width: usize, height: usize) -> f64 {
    let rows = |q: &[[f32; 2]; 4]| {
        let mut m = vec![None; height];
        for (y, x0, x1) in crate::quality::outline::spans(q, 0.0, width, height) {
            m[y] = Some((x0, x1));
        }
        m
    };
    let (ra, rb) = (rows(a), rows(b));
    let (mut inter, mut union) = (0usize, 0usize);
    for (sa, sb) in ra.iter().zip(&rb) {
        let len = |s: &Option<(usize, usize)>| s.map_or(0, |(a, b)| b + 1 - a);
        let both = match (sa, sb) {
            (Some((a0, a1)), Some((b0, b1))) => {
                let (lo, hi) = (*a0.max(b0), *a1.min(b1));
                if hi >= lo {
                    hi + 1 - lo
                } else {
                    0
                }
            }
            _ => 0,
        };
        inter += both;
        union += len(sa) + len(sb) - both;
    }
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::{outline, Thresholds, ANALYSIS_WIDTH};

    /// The document found in a case's frame, as the live checks look for it.
    fn found(case: &Case) -> Option<outline::Outline> {
        let rgb = case.render();
        let (w, h) = (case.width as usize, case.height as usize);
        let factor = (w / ANALYSIS_WIDTH as usize).max(1);
        outline::find_in_frame(&rgb, w, h, factor, &mut outline::Planes::default())
    }

    /// Frames judged right, by (backdrop family, kind of frame): (right, all).
    type Right = std::collections::BTreeMap<(&'static str, &'static str), (usize, usize)>;

    /// Scores the outline on `set`, prints the shares, the median corner
    /// error on good frames and the misses, and returns the shares and the
    /// median error of each backdrop family.
    fn score(set: &[(Case, Truth)]) -> (Right, impl Fn(&str) -> f32) {
        let t = Thresholds::default();
        let mut right = Right::new();
        let mut corner_error = std::collections::BTreeMap::<&str, Vec<f32>>::new();
        let mut misses = Vec::new();
        for (case, truth) in set {
            let family = match case.backdrop {
                Backdrop::Photo(_) => "photo",
                _ => "drawn",
            };
            let found = found(case);
            let span = |o: &outline::Outline| {
                let xs = o.corners.iter().map(|c| c[0]);
                xs.clone().fold(f32::MIN, f32::max) - xs.fold(f32::MAX, f32::min)
            };
            let (name, ok) = match truth {
                Truth::Good => {
                    let ok = found.as_ref().is_some_and(|o| {
                        let c = case.corners.expect("a card");
                        corner_error.entry(family).or_default().push(
                            o.corners
                                .iter()
                                .zip(&c)
                                .map(|(a, b)| (a[0] - b[0]).hypot(a[1] - b[1]))
                                .sum::<f32>()
                                / 4.0,
                        );
                        iou(&o.corners, &c, 1280, 720) >= 0.9
                            && !o.cut_off
                            && o.perspective <= t.max_document_perspective
                    });
                    ("good", ok)
                }
                Truth::Far => (
                    "far",
                    found
                        .as_ref()
                        .is_some_and(|o| span(o) < t.min_document_share * 1280.0),
                ),
                Truth::CutOff => (
                    "cut off",
                    found.as_ref().is_some_and(|o| {
                        o.cut_off
                            && iou(&o.corners, &case.corners.expect("a card"), 1280, 720) >= 0.8
                    }),
                ),
                Truth::Tilted => (
                    "tilted",
                    found
                        .as_ref()
                        .is_some_and(|o| o.perspective > t.max_document_perspective),
                ),
                Truth::Nothing => ("nothing", found.is_none()),
            };
            let e = right.entry((family, name)).or_default();
            e.1 += 1;
            e.0 += ok as usize;
            if !ok {
                misses.push(format!("{name} (seed {}, {:?})", case.seed, case.backdrop));
            }
        }
        // The median: a frame where another shape was taken for the card
        // is counted by the shares above, not averaged into this.
        let median_error = move |family: &str| {
            let mut e = corner_error.get(family).cloned().unwrap_or_default();
            e.sort_by(f32::total_cmp);
            e.get(e.len() / 2).copied().unwrap_or(f32::MAX)
        };
        for ((family, k), (ok, all)) in &right {
            println!("metric: outline accuracy, {family}, {k}: {ok}/{all}");
        }
        for family in ["drawn", "photo"]
            .into_iter()
            .filter(|f| right.keys().any(|(g, _)| g == f))
        {
            println!(
                "metric: outline median corner error on good frames, {family}: {:.1} px",
                median_error(family)
            );
        }
        println!("metric: outline misses: {}", misses.join(", "));
        (right, median_error)
    }

    /// A selfie asks where the document is, not its exact shape, and takes
    /// the brightest channel's shape as it is: it must find a document in
    /// the same frames as the exact search (the other planes only ever give
    /// a better shape), on the same document.
    #[test]
    fn a_documents_whereabouts_are_found_where_its_outline_is() {
        let (mut found_in, mut rougher) = (0, 0);
        for (case, truth) in set(640, 360, 6).into_iter().chain(photo_set(640, 360, 6)) {
            let rgb = case.render();
            let (w, h) = (case.width as usize, case.height as usize);
            let exact = found(&case);
            let mut planes = outline::Planes::default();
            crate::quality::grey::planes_downscaled(&rgb, w, h, 1, planes.all_mut());
            let rough = outline::find_in_planes(w, h, 1, &planes, outline::Shape::Whereabouts);
            match (&exact, &rough) {
                (None, None) => {}
                (Some(e), Some(r)) => {
                    found_in += 1;
                    if e.corners != r.corners {
                        rougher += 1;
                    }
                    let centre = |c: &[[f32; 2]; 4]| {
                        let (x, y) = c.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
                        (x / 4.0, y / 4.0)
                    };
                    let (x, y) = centre(&r.corners);
                    let (xs, ys) = (e.corners.map(|p| p[0]), e.corners.map(|p| p[1]));
                    let within = |v: f32, vs: [f32; 4]| {
                        v >= vs.iter().copied().fold(f32::MAX, f32::min)
                            && v <= vs.iter().copied().fold(f32::MIN, f32::max)
                    };
                    assert!(
                        within(x, xs) && within(y, ys),
                        "{truth:?} on {:?}: {e:?} and {r:?}",
                        case.backdrop
                    );
                }
                _ => panic!(
                    "{truth:?} on {:?}: {exact:?} exactly, {rough:?} roughly",
                    case.backdrop
                ),
            }
        }
        // Frames where the rough shape was taken instead of a better one:
        // without them this test would show nothing.
        println!(
            "metric: whereabouts: documents in {found_in} frames, a rougher shape in {rougher}"
        );
        assert!(
            rougher > 0 && found_in > 20,
            "{found_in} found, {rougher} rougher"
        );
    }

    /// Accuracy of the document outline on the labelled set: the share of
    /// each kind of frame judged right, on drawn backdrops and on real
    /// photographs. The goals are the (95 % of good frames found
    /// with IoU ≥ 0.9, 98 % of empty frames empty); the assertions hold the
    /// measured floor of each, so a change that loses accuracy fails.
    #[test]
    fn the_outline_is_found_on_the_labelled_set() {
        let set = [set(1280, 720, 12), photo_set(1280, 720, 24)].concat();
        let (right, median_error) = score(&set);
        // Frames judged right, at least as many as measured: the set is made
        // the same way every time, so one frame lost is a change that fails.
        // Drawn: wood, fabric, stripes, granite, clutter, a person (12 per
        // kind); photographs: harder (24 per kind). A cut-off card counts
        // only when the outline covers its visible part (IoU ≥ 0.8): any
        // shape touching the frame's border is "cut off", and brick columns
        // had counted.
        let floors = [
            (("drawn", "good"), 10),
            (("drawn", "nothing"), 12),
            (("drawn", "far"), 12),
            (("drawn", "tilted"), 12),
            (("drawn", "cut off"), 10),
            (("photo", "good"), 23),
            (("photo", "nothing"), 24),
            (("photo", "far"), 20),
            (("photo", "tilted"), 18),
            (("photo", "cut off"), 12),
        ];
        for (kind, floor) in floors {
            assert!(right[&kind].0 >= floor, "{kind:?} under {floor}: {right:?}");
        }
        assert!(median_error("drawn") < 2.5, "{}", median_error("drawn"));
        assert!(median_error("photo") < 2.5, "{}", median_error("photo"));
    }

    /// The same on photographs posed with another seed. Thresholds are
    /// chosen on the set above; this one shows whether the numbers hold on
    /// frames they were not fitted to (its misses are looked at, to learn
    /// why, but no value is picked for its score). Floors as measured.
    #[test]
    fn the_outline_is_found_on_a_held_out_photo_set() {
        let (right, median_error) = score(&held_out_photo_set(1280, 720, 24));
        let floors = [
            ("good", 24),
            ("nothing", 24),
            ("far", 17),
            ("tilted", 19),
            ("cut off", 12),
        ];
        for (kind, floor) in floors {
            assert!(
                right[&("photo", kind)].0 >= floor,
                "{kind} under {floor}: {right:?}"
            );
        }
        assert!(median_error("photo") < 2.5, "{}", median_error("photo"));
    }

    #[test]
    fn the_sample_cameras_card_is_found_where_it_is_drawn() {
        // The training camera's card, head-on in the middle: 66 % of the width.
        let corners = card_corners(1280, 720, 0.66, (0.5, 0.5), 0.0, 0.0, 0.0);
        let case = Case {
            width: 1280,
            height: 720,
            backdrop: Backdrop::Wood,
            corners: Some(corners),
            side: Subject::DocumentFront,
            blur: 0,
            noise: 0.0,
            jpeg: None,
            seed: 1,
        };
        let o = found(&case).expect("the card is found");
        assert!(iou(&o.corners, &corners, 1280, 720) > 0.95, "{o:?}");
        // 66 % of 1,280 pixels over 85.6 mm: 250 dpi.
        assert!(
            (o.effective_dpi - 250.0).abs() < 10.0,
            "{}",
            o.effective_dpi
        );
        assert_eq!(o.format, outline::Format::Id1);
        assert!(!o.cut_off && o.perspective < 0.05, "{o:?}");
    }
}
