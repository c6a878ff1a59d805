use super::*;

fn downscale(grey: &[u8], width: usize, height: usize, factor: usize) -> (Vec<u8>, usize, usize) {
    let mut out = Vec::new();
    let (w, h) = downscale_into(grey, width, height, factor, &mut out);
    (out, w, h)
}

#[test]
fn grey_matches_opencv_rounding() {
    let mut g = Vec::new();
    grey_from_rgb(
        &[
            255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30,
        ],
        &mut g,
    );
    // 0.299*255 = 76.2, 0.587*255 = 149.7, 0.114*255 = 29.1; 0.299*10+0.587*20+0.114*30 = 18.15
    assert_eq!(g, vec![255, 0, 76, 150, 29, 18]);
}

#[test]
fn the_word_wise_conversion_equals_the_formula_for_every_length() {
    let rgb: Vec<u8> = (0..3 * 100u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    // Lengths around the 32-pixel steps, so the tail is covered too.
    for n in [0, 1, 31, 32, 33, 63, 64, 65, 100] {
        let mut g = Vec::new();
        grey_from_rgb(&rgb[..3 * n], &mut g);
        let expected: Vec<u8> = rgb[..3 * n]
            .chunks_exact(3)
            .map(|p| {
                let v = 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
                // OpenCV's fixed-point result differs from exact rounding by at most one.
                v.round() as u8
            })
            .collect();
        assert_eq!(g.len(), n);
        for (i, (a, e)) in g.iter().zip(&expected).enumerate() {
            assert!(a.abs_diff(*e) <= 1, "n {n}, pixel {i}: {a} vs {e}");
            assert_eq!(*a, grey(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
        }
    }
}

#[test]
fn reflect101_mirrors_without_repeating_the_edge() {
    assert_eq!(reflect101(-1, 5), 1);
    assert_eq!(reflect101(-2, 5), 2);
    assert_eq!(reflect101(5, 5), 3);
    assert_eq!(reflect101(6, 5), 2);
    assert_eq!(reflect101(0, 1), 0);
}

#[test]
fn laplacian_of_a_hand_built_5x5_image() {
    // One bright pixel in the centre of a dark 5x5 image.
    #[rustfmt::skip]
    let img = [
        0, 0,   0, 0, 0,
        0, 0,   0, 0, 0,
        0, 0, 100, 0, 0,
        0, 0,   0, 0, 0,
        0, 0,   0, 0, 0,
    ];
    // Laplacian: -400 at the centre, +100 at its 4 neighbours, 0 elsewhere (borders reflect zeros).
    let (s, q) = laplacian_sums(&img, 5, 5);
    assert_eq!(s, -400 + 4 * 100);
    assert_eq!(q, 400 * 400 + 4 * 100 * 100);
    let var = laplacian_variance(&img, 5, 5);
    assert!((var - 200000.0 / 25.0).abs() < 1e-9);
}

#[test]
fn reflect101_at_the_border() {
    // A bright pixel in the corner: reflect-101 mirrors its neighbour (not itself) across the edge.
    #[rustfmt::skip]
    let img = [
        10, 0, 0,
         0, 0, 0,
         0, 0, 0,
    ];
    // Corner: up = img[1][0] = 0, left = img[0][1] = 0 → 0 + 0 + 0 + 0 - 40 = -40.
    // (0,1) and (1,0) see the corner once each → 10; row -1 reflects to row 1, never to row 0.
    let (s, q) = laplacian_sums(&img, 3, 3);
    assert_eq!((s, q), (-40 + 10 + 10, 1600 + 100 + 100));
}

#[test]
fn the_sums_equal_a_pixel_by_pixel_laplacian_at_every_size() {
    for (w, h) in [
        (1, 1),
        (1, 5),
        (5, 1),
        (2, 2),
        (2, 7),
        (3, 3),
        (7, 2),
        (17, 9),
        (40, 33),
    ] {
        let img: Vec<u8> = (0..w * h)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 9) as u8)
            .collect();
        let at = |x: isize, y: isize| img[reflect101(y, h) * w + reflect101(x, w)] as i64;
        let (mut s, mut q) = (0i64, 0i64);
        for y in 0..h as isize {
            for x in 0..w as isize {
                let l = at(x, y - 1) + at(x, y + 1) + at(x - 1, y) + at(x + 1, y) - 4 * at(x, y);
                s += l;
                q += l * l;
            }
        }
        assert_eq!(laplacian_sums(&img, w, h), (s, q), "{w}x{h}");
    }
}

#[test]
fn flat_images_have_no_variance() {
    assert_eq!(laplacian_variance(&[77; 64], 8, 8), 0.0);
    assert_eq!(laplacian_variance(&[], 0, 0), 0.0);
}

#[test]
fn downscale_averages_blocks() {
    let img = [0, 10, 20, 30, 0, 10, 20, 30];
    let (d, w, h) = downscale(&img, 4, 2, 2);
    assert_eq!((w, h), (2, 1));
    assert_eq!(d, vec![5, 25]);
}

#[test]
fn downscale_rounds_like_a_division_at_every_factor() {
    // Factors on both sides of the 16-bit accumulator limit, with a ragged edge.
    for factor in [1usize, 2, 3, 5, 16, 17] {
        let (width, height) = (factor * 3 + 1, factor * 2 + 1);
        let img: Vec<u8> = (0..width * height)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
            .collect();
        let (d, w, h) = downscale(&img, width, height, factor);
        assert_eq!((w, h), (width / factor, height / factor), "factor {factor}");
        for oy in 0..h {
            for ox in 0..w {
                let mut sum = 0u32;
                for y in oy * factor..(oy + 1) * factor {
                    for x in ox * factor..(ox + 1) * factor {
                        sum += img[y * width + x] as u32;
                    }
                }
                let area = (factor * factor) as u32;
                let expected = ((sum + area / 2) / area) as u8;
                assert_eq!(d[oy * w + ox], expected, "factor {factor} at {ox},{oy}");
            }
        }
    }
    // A factor larger than the image leaves nothing, without a panic.
    assert_eq!(downscale(&[1, 2, 3, 4], 2, 2, 3), (vec![], 0, 0));
    // Saturated blocks stay saturated, the largest 16-bit sum included.
    let (d, _, _) = downscale(&[255; 16 * 16], 16, 16, 16);
    assert_eq!(d, vec![255]);
}

#[test]
fn the_channel_planes_are_the_rounded_mean_of_each_blocks_diagonal() {
    type Plane = fn(&[u8], usize, usize, usize) -> (Vec<u8>, usize, usize);
    type Pick = fn(u8, u8, u8) -> u8;
    // The three planes are made together; the brightest alone too.
    fn all(rgb: &[u8], width: usize, height: usize, factor: usize) -> [Vec<u8>; 3] {
        let mut planes = [Vec::new(), Vec::new(), Vec::new()];
        let [a, b, c] = &mut planes;
        planes_downscaled(rgb, width, height, factor, [a, b, c]);
        planes
    }
    let planes: [(Plane, Pick); 4] = [
        (
            |rgb, width, height, factor| {
                let mut out = Vec::new();
                let (w, h) = value_downscaled(rgb, width, height, factor, &mut out);
                (out, w, h)
            },
            |r, g, b| r.max(g).max(b),
        ),
        (
            |rgb, width, height, factor| {
                let [brightest, _, _] = all(rgb, width, height, factor);
                (brightest, width / factor, height / factor)
            },
            |r, g, b| r.max(g).max(b),
        ),
        (
            |rgb, width, height, factor| {
                let [_, darkest, _] = all(rgb, width, height, factor);
                (darkest, width / factor, height / factor)
            },
            |r, g, b| r.min(g).min(b),
        ),
        // Pure blue is 255, pure yellow 1, grey 128.
        (
            |rgb, width, height, factor| {
                let [_, _, blue_yellow] = all(rgb, width, height, factor);
                (blue_yellow, width / factor, height / factor)
            },
            |r, g, b| (128 + (2 * i32::from(b) - i32::from(r) - i32::from(g)) / 4) as u8,
        ),
    ];
    for (plane, pick) in planes {
        for (width, height, factor) in [(1920, 1080, 3), (641, 359, 2), (40, 30, 1), (50, 7, 5)] {
            let rgb: Vec<u8> = (0..width * height * 3)
                .map(|i| ((i * 2_654_435_761usize) >> 7) as u8)
                .collect();
            let (out, w, h) = plane(&rgb, width, height, factor);
            assert_eq!(out.len(), w * h);
            assert_eq!((w, h), (width / factor, height / factor));
            for (y, x) in [
                (0, 0),
                (h - 1, w - 1),
                (h / 2, w / 3),
                (1.min(h - 1), w - 2),
            ] {
                let sum: usize = (0..factor)
                    .map(|k| {
                        let i = ((y * factor + k) * width + x * factor + k) * 3;
                        usize::from(pick(rgb[i], rgb[i + 1], rgb[i + 2]))
                    })
                    .sum();
                let expected = ((sum as f64) / factor as f64).round() as u8;
                assert_eq!(
                    out[y * w + x],
                    expected,
                    "{width}×{height}/{factor} at ({x}, {y})"
                );
            }
        }
    }
}

#[test]
fn a_regions_mean_and_laplacian_count_its_own_pixels_only() {
    let (w, h) = (23, 17);
    let img: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 251) as u8).collect();
    // A ragged region touching the left and top borders.
    let rows: Vec<_> = (0..12).map(|y| (y, y % 3, 5 + y)).collect();
    let (mut n, mut sum) = (0.0, 0.0);
    let mut laps = Vec::new();
    for &(y, x0, x1) in &rows {
        for x in x0..=x1 {
            n += 1.0;
            sum += img[y * w + x] as f64;
            if x > 0 && y > 0 && x + 1 < w && y + 1 < h {
                let p = |x: usize, y: usize| img[y * w + x] as f64;
                laps.push(p(x, y - 1) + p(x, y + 1) + p(x - 1, y) + p(x + 1, y) - 4.0 * p(x, y));
            }
        }
    }
    let mu = laps.iter().sum::<f64>() / laps.len() as f64;
    let var = laps.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / laps.len() as f64;
    let (mean, sharpness) = region_mean_and_sharpness(&img, w, h, &rows);
    assert!((mean - sum / n).abs() < 1e-9, "{mean} vs {}", sum / n);
    assert!((sharpness - var).abs() < 1e-6 * var, "{sharpness} vs {var}");
    assert_eq!(region_mean_and_sharpness(&img, w, h, &[]), (0.0, 0.0));
}

#[test]
fn the_banded_grey_and_planes_equal_grey_then_downscale_and_the_planes_alone() {
    // A frame of noise and a sample-camera card: every value must match.
    let card = crate::capture::sample::Scene::new(
        crate::capture::sample::Subject::DocumentFront,
        1920,
        1080,
    )
    .render(0);
    let noise: Vec<u8> = (0..3 * 331 * 207u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut band = Vec::new();
    let mut cases = vec![(&card[..], 1920, 1080, 3), (&card[..], 1920, 1080, 2)];
    // Sizes that do not divide by the factor, fewer rows than a band, a
    // last band part full, factors past the 16-bit sums, and no factor.
    for factor in [1, 2, 3, 4, 5, 7, 16, 17] {
        cases.push((&noise[..], 331, 207, factor));
    }
    cases.push((&noise[..3 * 331 * 20], 331, 20, 3));
    let mut banded = Vec::new();
    let mut planes: [Vec<u8>; 3] = Default::default();
    for (rgb, width, height, factor) in cases {
        let (mut grey, mut two_steps) = (Vec::new(), Vec::new());
        grey_from_rgb(rgb, &mut grey);
        let expected = downscale_into(&grey, width, height, factor, &mut two_steps);
        let mut alone: [Vec<u8>; 3] = Default::default();
        let [a, b, c] = &mut alone;
        planes_downscaled(rgb, width, height, factor, [a, b, c]);
        // The buffers are kept from case to case, as from frame to frame.
        let [a, b, c] = &mut planes;
        let got = grey_and_planes_downscaled(
            rgb,
            width,
            height,
            factor,
            &mut band,
            &mut banded,
            [a, b, c],
        );
        assert_eq!(got, expected, "{width}×{height} by {factor}");
        assert!(!banded.is_empty() && banded.iter().any(|&v| v != banded[0]));
        assert_eq!(banded, two_steps, "{width}×{height} by {factor}");
        for (plane, (got, alone)) in planes.iter().zip(&alone).enumerate() {
            assert!(got.iter().any(|&v| v != got[0]), "plane {plane}");
            assert_eq!(got, alone, "plane {plane}: {width}×{height} by {factor}");
        }
    }
}
