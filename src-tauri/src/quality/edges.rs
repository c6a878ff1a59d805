//! The edges the document's outline is traced along: Canny's detector and a
//! small dilation closing the gaps in them, written for speed (the live
//! checks run them on every analysed frame).

use image::GrayImage;

/// Canny's edges, in integers: a 5×5 binomial blur, Sobel gradients (their
/// magnitude as |gx| + |gy|), thinning to the ridge across the gradient, and
/// hysteresis between `low` and `high`. 255 on an edge, else 0.
///
/// Written as passes over whole rows in 16-bit lanes, which the compiler
/// turns into vector instructions; the direction of the gradient is only
/// worked out where its magnitude reaches `low` (a small share of a frame).
pub fn canny(image: &[u8], w: usize, h: usize, low: u16, high: u16) -> Vec<u8> {
    let mut out = vec![0u8; w * h];
    if w < 5 || h < 5 || image.len() < w * h {
        return out;
    }
    let blurred = blur_5x5(&image[..w * h], w, h);
    // The gradient's magnitude, |gx| + |gy| of Sobel's gx and gy (each
    // within ±1,020). Its direction is worked out again where the magnitude
    // reaches `low`, rather than gx and gy stored for every pixel: on a card
    // frame that halves the memory written and makes the detector a quarter
    // faster; on a busy, empty desk, where more pixels reach `low`, it costs
    // the same.
    let mut mag = vec![0u16; w * h];
    let row = |y: usize| &blurred[y * w..(y + 1) * w];
    for y in 1..h - 1 {
        let (a, b, c) = (row(y - 1), row(y), row(y + 1));
        let mr = &mut mag[y * w..(y + 1) * w];
        for (x, m) in mr.iter_mut().enumerate().take(w - 1).skip(1) {
            let (dx, dy) = sobel(a, b, c, x);
            *m = dx.unsigned_abs() + dy.unsigned_abs();
        }
    }
    // Thinning and the strong seeds.
    let mut stack = Vec::new();
    for y in 1..h - 1 {
        let (up, mid, down) = (row(y - 1), row(y), row(y + 1));
        for x in 1..w - 1 {
            let i = y * w + x;
            let m = mag[i];
            if m < low {
                continue;
            }
            let (dx, dy) = sobel(up, mid, down, x);
            let (dx, dy) = (i32::from(dx), i32::from(dy));
            let (ax, ay) = (dx.abs(), dy.abs());
            // tan(22.5°) ≈ 0.4142 ≈ 53/128.
            let (a, b) = if ay * 128 <= ax * 53 {
                (mag[i - 1], mag[i + 1])
            } else if ax * 128 <= ay * 53 {
                (mag[i - w], mag[i + w])
            } else if (dx > 0) == (dy > 0) {
                (mag[i - w - 1], mag[i + w + 1])
            } else {
                (mag[i - w + 1], mag[i + w - 1])
            };
            if m < a || m <= b {
                continue;
            }
            if m >= high {
                out[i] = 255;
                stack.push(i);
            } else {
                out[i] = 1;
            }
        }
    }
    // Hysteresis: weak ridge pixels joined to a strong one become edges.
    // Ridge pixels never lie on the image's border, so their neighbours exist.
    while let Some(i) = stack.pop() {
        for j in [
            i - w - 1,
            i - w,
            i - w + 1,
            i - 1,
            i + 1,
            i + w - 1,
            i + w,
            i + w + 1,
        ] {
            if out[j] == 1 {
                out[j] = 255;
                stack.push(j);
            }
        }
    }
    for v in &mut out {
        if *v == 1 {
            *v = 0;
        }
    }
    out
}

/// Sobel's gx and gy at column `x` of row `b`, with row `a` above it and
/// `c` below (each within ±1,020, so 16-bit lanes hold them).
#[inline(always)]
fn sobel(a: &[u8], b: &[u8], c: &[u8], x: usize) -> (i16, i16) {
    let (al, am, ar) = (a[x - 1] as i16, a[x] as i16, a[x + 1] as i16);
    let (bl, br) = (b[x - 1] as i16, b[x + 1] as i16);
    let (cl, cm, cr) = (c[x - 1] as i16, c[x] as i16, c[x + 1] as i16);
    (
        (ar + 2 * br + cr) - (al + 2 * bl + cl),
        (cl + 2 * cm + cr) - (al + 2 * am + ar),
    )
}

/// A blur with [1 4 6 4 1] ⊗ [1 4 6 4 1] / 256 (σ ≈ 1), rows then columns,
/// the image's border repeated outwards. A row's sum is at most 4,080 and a
/// column's of those at most 65,280: both fit 16-bit lanes.
fn blur_5x5(image: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut tmp = vec![0u16; w * h];
    for (src, dst) in image.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
        let at = |x: isize| u16::from(src[x.clamp(0, w as isize - 1) as usize]);
        for x in [0, 1, w - 2, w - 1] {
            let x = x as isize;
            dst[x as usize] = at(x - 2) + 4 * at(x - 1) + 6 * at(x) + 4 * at(x + 1) + at(x + 2);
        }
        for (d, p) in dst[2..w - 2].iter_mut().zip(src.windows(5)) {
            let [a, b, c, d5, e] = [p[0], p[1], p[2], p[3], p[4]].map(u16::from);
            *d = a + 4 * b + 6 * c + 4 * d5 + e;
        }
    }
    let mut blurred = vec![0u8; w * h];
    for y in 0..h {
        let r = |dy: isize| {
            let row = (y as isize + dy).clamp(0, h as isize - 1) as usize;
            &tmp[row * w..(row + 1) * w]
        };
        let (a, b, c, d, e) = (r(-2), r(-1), r(0), r(1), r(2));
        let dst = &mut blurred[y * w..(y + 1) * w];
        for x in 0..w {
            let s = a[x] + 4 * b[x] + 6 * c[x] + 4 * d[x] + e[x];
            dst[x] = ((u32::from(s) + 128) >> 8) as u8;
        }
    }
    blurred
}

/// A 3×3 dilation (the largest value of each pixel's neighbourhood, the
/// image's border repeated), as a row pass and a column pass.
pub fn dilate_3x3(image: &mut GrayImage) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < 2 || h < 2 {
        return;
    }
    let mut rows = vec![0u8; w * h];
    for (src, dst) in image.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        dst[0] = src[0].max(src[1]);
        dst[w - 1] = src[w - 2].max(src[w - 1]);
        for (d, p) in dst[1..w - 1].iter_mut().zip(src.windows(3)) {
            *d = p[0].max(p[1]).max(p[2]);
        }
    }
    let out: &mut [u8] = image;
    for y in 0..h {
        let (a, c) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let (ra, rb, rc) = (
            &rows[a * w..(a + 1) * w],
            &rows[y * w..(y + 1) * w],
            &rows[c * w..(c + 1) * w],
        );
        for (x, d) in out[y * w..(y + 1) * w].iter_mut().enumerate() {
            *d = ra[x].max(rb[x]).max(rc[x]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::sample::{Scene, Subject};
    use crate::quality::grey;
    use imageproc::distance_transform::Norm;

    /// The plain form of the same detector, pixel by pixel: the fast one
    /// must find exactly the same edges.
    /// Canny's edges, in integers: a 3×3 binomial blur, Sobel gradients (their
    /// magnitude as |gx| + |gy|), thinning to the ridge across the gradient, and
    /// hysteresis between `low` and `high`. 255 on an edge, else 0.
    pub fn canny_reference(image: &[u8], w: usize, h: usize, low: u16, high: u16) -> Vec<u8> {
        let mut out = vec![0u8; w * h];
        if w < 5 || h < 5 {
            return out;
        }
        // Blur: [1 4 6 4 1] ⊗ [1 4 6 4 1] / 256 (σ ≈ 1), rows then columns.
        let mut tmp = vec![0u16; w * h];
        for y in 0..h {
            let src = &image[y * w..(y + 1) * w];
            let at = |x: isize| src[x.clamp(0, w as isize - 1) as usize] as u16;
            for x in 0..w {
                let x = x as isize;
                tmp[y * w + x as usize] =
                    at(x - 2) + 4 * at(x - 1) + 6 * at(x) + 4 * at(x + 1) + at(x + 2);
            }
        }
        let mut blurred = vec![0u16; w * h];
        for y in 0..h {
            let r = |dy: isize| ((y as isize + dy).clamp(0, h as isize - 1) as usize) * w;
            let (a, b, c, d, e) = (r(-2), r(-1), r(0), r(1), r(2));
            for x in 0..w {
                let s = tmp[a + x] as u32
                    + 4 * tmp[b + x] as u32
                    + 6 * tmp[c + x] as u32
                    + 4 * tmp[d + x] as u32
                    + tmp[e + x] as u32;
                blurred[c + x] = ((s + 128) >> 8) as u16;
            }
        }
        // Gradients and their direction (0: horizontal edge normal along x, 1: 45°, 2: vertical, 3: 135°).
        let mut mag = vec![0u16; w * h];
        let mut dir = vec![0u8; w * h];
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let p = |dx: isize, dy: isize| {
                    blurred[((y as isize + dy) as usize) * w + (x as isize + dx) as usize] as i32
                };
                let gx = (p(1, -1) + 2 * p(1, 0) + p(1, 1)) - (p(-1, -1) + 2 * p(-1, 0) + p(-1, 1));
                let gy = (p(-1, 1) + 2 * p(0, 1) + p(1, 1)) - (p(-1, -1) + 2 * p(0, -1) + p(1, -1));
                let (ax, ay) = (gx.abs(), gy.abs());
                let i = y * w + x;
                mag[i] = (ax + ay).min(u16::MAX as i32) as u16;
                // tan(22.5°) ≈ 0.4142 ≈ 53/128.
                dir[i] = if ay * 128 <= ax * 53 {
                    0
                } else if ax * 128 <= ay * 53 {
                    2
                } else if (gx > 0) == (gy > 0) {
                    1
                } else {
                    3
                };
            }
        }
        // Thinning and the strong seeds.
        let mut stack = Vec::new();
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let i = y * w + x;
                let m = mag[i];
                if m < low {
                    continue;
                }
                let (a, b) = match dir[i] {
                    0 => (mag[i - 1], mag[i + 1]),
                    2 => (mag[i - w], mag[i + w]),
                    1 => (mag[i - w - 1], mag[i + w + 1]),
                    _ => (mag[i - w + 1], mag[i + w - 1]),
                };
                if m < a || m <= b {
                    continue;
                }
                if m >= high {
                    out[i] = 255;
                    stack.push(i);
                } else {
                    out[i] = 1;
                }
            }
        }
        // Hysteresis: weak ridge pixels joined to a strong one become edges.
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            for dy in -1isize..=1 {
                for dx in -1isize..=1 {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if out[j] == 1 {
                        out[j] = 255;
                        stack.push(j);
                    }
                }
            }
        }
        for v in &mut out {
            if *v == 1 {
                *v = 0;
            }
        }
        out
    }

    fn value_of(subject: Subject, t: u64) -> (Vec<u8>, usize, usize) {
        let rgb = Scene::new(subject, 1920, 1080).render(t);
        let mut value = Vec::new();
        let (w, h) = grey::value_downscaled(&rgb, 1920, 1080, 3, &mut value);
        (value, w, h)
    }

    #[test]
    fn the_fast_detector_finds_the_same_edges_as_the_plain_one() {
        for (subject, t) in [
            (Subject::DocumentFront, 0),
            (Subject::DocumentBack, 7),
            (Subject::Selfie, 3),
        ] {
            let (value, w, h) = value_of(subject, t);
            let fast = canny(&value, w, h, 80, 200);
            let plain = canny_reference(&value, w, h, 80, 200);
            let edges = plain.iter().filter(|v| **v == 255).count();
            assert!(edges > 1_000, "{subject:?}: a card makes edges ({edges})");
            assert_eq!(fast, plain, "{subject:?}");
        }
        // Photographs (bricks, gravel, a person), where most of the frame
        // is texture.
        for (case, _) in crate::capture::labelled::photo_set(640, 360, 1) {
            let mut value = Vec::new();
            let (w, h) = grey::value_downscaled(&case.render(), 640, 360, 1, &mut value);
            let plain = canny_reference(&value, w, h, 80, 200);
            assert_eq!(canny(&value, w, h, 80, 200), plain, "{:?}", case.backdrop);
        }
        // Odd sizes and the smallest image handled.
        for (w, h) in [(5, 5), (7, 13), (33, 6)] {
            let img: Vec<u8> = (0..w * h).map(|i| ((i * 97) % 251) as u8).collect();
            assert_eq!(
                canny(&img, w, h, 80, 200),
                canny_reference(&img, w, h, 80, 200),
                "{w}×{h}"
            );
        }
    }

    #[test]
    fn the_dilation_is_imageprocs_3x3_one() {
        let (value, w, h) = value_of(Subject::DocumentFront, 0);
        let edges = canny(&value, w, h, 80, 200);
        let mut ours = GrayImage::from_raw(w as u32, h as u32, edges).unwrap();
        let mut theirs = ours.clone();
        dilate_3x3(&mut ours);
        imageproc::morphology::dilate_mut(&mut theirs, Norm::LInf, 1);
        assert!(theirs.iter().filter(|v| **v > 0).count() > 3_000);
        assert_eq!(ours, theirs);
    }
}
