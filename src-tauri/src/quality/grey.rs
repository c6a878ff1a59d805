//! Grey conversion and the Laplacian, exactly as OpenCV computes them.

/// OpenCV's fixed-point RGB→grey weights (0.299, 0.587, 0.114 scaled by 2^14):
/// `cvtColor(COLOR_RGB2GRAY)` on 8-bit images gives exactly these results.
const WR: u32 = 4899;
const WG: u32 = 9617;
const WB: u32 = 1868;

/// Grey values of an interleaved RGB buffer.
///
/// Four pixels are read as three little-endian 32-bit words and their bytes
/// taken by shift and mask: that needs no byte shuffles, so the loop
/// vectorises on every x86-64 and ARM CPU (a per-byte RGB deinterleave does not).
pub fn grey_from_rgb(rgb: &[u8], out: &mut Vec<u8>) {
    let n = rgb.len() / 3;
    out.resize(n, 0);
    // Eight groups of four pixels per step; fixed sizes keep bounds checks out.
    const GROUPS: usize = 8;
    let whole = n / (4 * GROUPS) * (4 * GROUPS);
    for (o, chunk) in out[..whole]
        .chunks_exact_mut(4 * GROUPS)
        .zip(rgb[..whole * 3].chunks_exact(12 * GROUPS))
    {
        let chunk: &[u8; 12 * GROUPS] = chunk.try_into().expect("chunk size");
        let mut words = [[0u32; 3]; GROUPS];
        for (g, w) in words.iter_mut().enumerate() {
            for (k, word) in w.iter_mut().enumerate() {
                let at = 12 * g + 4 * k;
                *word =
                    u32::from_le_bytes([chunk[at], chunk[at + 1], chunk[at + 2], chunk[at + 3]]);
            }
        }
        for (o, [w0, w1, w2]) in o.chunks_exact_mut(4).zip(words) {
            o[0] = grey_of(w0 & 0xff, (w0 >> 8) & 0xff, (w0 >> 16) & 0xff);
            o[1] = grey_of(w0 >> 24, w1 & 0xff, (w1 >> 8) & 0xff);
            o[2] = grey_of((w1 >> 16) & 0xff, w1 >> 24, w2 & 0xff);
            o[3] = grey_of((w2 >> 8) & 0xff, (w2 >> 16) & 0xff, w2 >> 24);
        }
    }
    for (o, p) in out[whole..]
        .iter_mut()
        .zip(rgb[whole * 3..].chunks_exact(3))
    {
        *o = grey(p[0], p[1], p[2]);
    }
}

#[inline(always)]
fn grey_of(r: u32, g: u32, b: u32) -> u8 {
    ((r * WR + g * WG + b * WB + (1 << 13)) >> 14) as u8
}

#[inline(always)]
fn grey(r: u8, g: u8, b: u8) -> u8 {
    grey_of(r as u32, g as u32, b as u32)
}

/// Sum and sum of squares of the 4-neighbour Laplacian over the whole image,
/// with reflect-101 borders (`BORDER_DEFAULT`), as `cv::Laplacian(ksize=1)`.
pub fn laplacian_sums(grey: &[u8], width: usize, height: usize) -> (i64, i64) {
    if width == 0 || height == 0 {
        return (0, 0);
    }
    let row = |y: isize| -> &[u8] {
        let y = reflect101(y, height);
        &grey[y * width..(y + 1) * width]
    };
    let mut sum_sq = 0i64;
    let mut lap = vec![0i16; width];
    for y in 0..height as isize {
        let (up, mid, down) = (row(y - 1), row(y), row(y + 1));
        // Interior columns: zipped slices, so the loop vectorises; |L| <= 4·255
        // fits 16-bit lanes, twice as many per vector as 32-bit ones.
        if width >= 3 {
            let inner = up[1..width - 1]
                .iter()
                .zip(&down[1..width - 1])
                .zip(&mid[..width - 2])
                .zip(&mid[2..])
                .zip(&mid[1..width - 1]);
            for (l, ((((u, d), left), right), c)) in lap[1..width - 1].iter_mut().zip(inner) {
                *l = *u as i16 + *d as i16 + *left as i16 + *right as i16 - 4 * *c as i16;
            }
        }
        for x in [0, width - 1] {
            let l = mid[reflect101(x as isize - 1, width)] as i32;
            let r = mid[reflect101(x as isize + 1, width)] as i32;
            lap[x] = (up[x] as i32 + down[x] as i32 + l + r - 4 * mid[x] as i32) as i16;
        }
        // A square is at most 1020², so 2048 of them fit an i32.
        for part in lap.chunks(2048) {
            sum_sq += part.iter().map(|&v| v as i32 * v as i32).sum::<i32>() as i64;
        }
    }
    (laplacian_sum(grey, width, height), sum_sq)
}

/// The sum of the Laplacian without computing it: with reflect-101 borders
/// every inner term cancels against a neighbour's, leaving the two outer rows
/// and columns on each side.
fn laplacian_sum(grey: &[u8], width: usize, height: usize) -> i64 {
    let row = |y: usize| {
        grey[y * width..][..width]
            .iter()
            .map(|&v| v as i64)
            .sum::<i64>()
    };
    let column = |x: usize| (0..height).map(|y| grey[y * width + x] as i64).sum::<i64>();
    let mut sum = 0;
    if height >= 2 {
        sum += row(1) - row(0) + row(height - 2) - row(height - 1);
    }
    if width >= 2 {
        sum += column(1) - column(0) + column(width - 2) - column(width - 1);
    }
    sum
}

/// Population variance of the Laplacian.
pub fn laplacian_variance(grey: &[u8], width: usize, height: usize) -> f64 {
    let n = (width * height) as f64;
    if n == 0.0 {
        return 0.0;
    }
    let (s, q) = laplacian_sums(grey, width, height);
    let mean = s as f64 / n;
    (q as f64 / n - mean * mean).max(0.0)
}

/// Index into 0..len with reflect-101 borders: -1 → 1, len → len - 2.
fn reflect101(i: isize, len: usize) -> usize {
    let len = len as isize;
    if len == 1 {
        return 0;
    }
    let mut i = i;
    while i < 0 || i >= len {
        i = if i < 0 { -i } else { 2 * (len - 1) - i };
    }
    i as usize
}

/// Box-averaged downscale by an integer factor (area interpolation), into a
/// buffer the caller keeps from frame to frame; returns the new width and height.
pub fn downscale_into(
    grey: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    out: &mut Vec<u8>,
) -> (usize, usize) {
    let factor = factor.max(1);
    let (w, h) = (width / factor, height / factor);
    out.clear();
    if factor == 1 {
        out.extend_from_slice(&grey[..width * height]);
        return (width, height);
    }
    out.resize(w * h, 0);
    if w == 0 || h == 0 {
        return (w, h);
    }
    let area = (factor * factor) as u32;
    // A block of up to 16×16 pixels sums to at most 65 280: 16-bit lanes,
    // twice as many per vector as 32-bit ones. Its rounded averages are
    // looked up: a division per output pixel would cost more than all the
    // additions together.
    if factor <= 16 {
        let averages: Vec<u8> = (0..=area * 255)
            .map(|s| ((s + area / 2) / area) as u8)
            .collect();
        box_average::<u16>(grey, width, factor, out, w, |s| averages[s as usize]);
    } else {
        box_average::<u32>(grey, width, factor, out, w, |s| {
            ((s + area / 2) / area) as u8
        });
    }
    (w, h)
}

fn box_average<A>(
    grey: &[u8],
    width: usize,
    factor: usize,
    out: &mut [u8],
    w: usize,
    average: impl Fn(u32) -> u8 + Copy,
) where
    A: Copy + Default + std::ops::Add<Output = A> + std::ops::AddAssign + From<u8> + Into<u32>,
{
    // Sum `factor` rows column by column first (a vectorised add), then groups of columns.
    let mut rows = vec![A::default(); w * factor];
    for (oy, out_row) in out.chunks_exact_mut(w).enumerate() {
        let row = |k: usize| &grey[(oy * factor + k) * width..][..w * factor];
        match factor {
            // The usual factors (1280 and 1920 wide frames) in one pass each.
            2 => {
                for (a, (p, q)) in rows.iter_mut().zip(row(0).iter().zip(row(1))) {
                    *a = A::from(*p) + A::from(*q);
                }
            }
            3 => {
                let three = row(0).iter().zip(row(1)).zip(row(2));
                for (a, ((p, q), r)) in rows.iter_mut().zip(three) {
                    *a = A::from(*p) + A::from(*q) + A::from(*r);
                }
            }
            _ => {
                rows.fill(A::default());
                for k in 0..factor {
                    for (a, v) in rows.iter_mut().zip(row(k)) {
                        *a += A::from(*v);
                    }
                }
            }
        }
        match factor {
            2 => average_groups::<A, 2>(&rows, out_row, average),
            3 => average_groups::<A, 3>(&rows, out_row, average),
            4 => average_groups::<A, 4>(&rows, out_row, average),
            _ => {
                for (o, group) in out_row.iter_mut().zip(rows.chunks_exact(factor)) {
                    *o = average(group.iter().map(|&a| a.into()).sum());
                }
            }
        }
    }
}

/// Groups of `N` column sums to averages; a size known when compiling lets
/// the sums unroll.
fn average_groups<A, const N: usize>(rows: &[A], out: &mut [u8], average: impl Fn(u32) -> u8)
where
    A: Copy + Into<u32>,
{
    for (o, group) in out.iter_mut().zip(rows.chunks_exact(N)) {
        let group: &[A; N] = group.try_into().expect("chunk size");
        *o = average(group.iter().map(|&a| a.into()).sum());
    }
}

/// The brightest channel, max(R, G, B), of an interleaved RGB image at
/// 1/`factor` of its size: each output pixel the mean over its block's
/// diagonal (a fraction of the pixels, plenty for finding edges).
pub fn value_downscaled(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    out: &mut Vec<u8>,
) -> (usize, usize) {
    channel_downscaled(rgb, width, height, factor, out, |r, g, b| r.max(g).max(b))
}

/// The darkest channel, min(R, G, B), the same way: it tells a saturated
/// colour from white (a blue band against a white cup), where the brightest
/// channel barely changes.
pub fn darkest_downscaled(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    out: &mut Vec<u8>,
) -> (usize, usize) {
    channel_downscaled(rgb, width, height, factor, out, |r, g, b| r.min(g).min(b))
}

fn channel_downscaled(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    out: &mut Vec<u8>,
    pick: impl Fn(u8, u8, u8) -> u8 + Copy,
) -> (usize, usize) {
    let factor = factor.max(1);
    let (w, h) = (width / factor, height / factor);
    out.clear();
    out.resize(w * h, 0);
    // Rounded averages looked up: a division per pixel would cost more than
    // the reading.
    let averages: Vec<u8> = (0..=255 * factor as u32)
        .map(|s| ((s + factor as u32 / 2) / factor as u32) as u8)
        .collect();
    let mut sums = vec![0u32; w];
    for (y, dst) in out.chunks_exact_mut(w.max(1)).enumerate().take(h) {
        sums.fill(0);
        for k in 0..factor {
            let start = ((y * factor + k) * width + k) * 3;
            let row = &rgb[start..start + (w - 1) * factor * 3 + 3];
            // The usual factors with a fixed stride, which the compiler
            // unrolls without a bounds check per pixel.
            match factor {
                2 => diagonal::<6>(row, &mut sums, pick),
                3 => diagonal::<9>(row, &mut sums, pick),
                4 => diagonal::<12>(row, &mut sums, pick),
                _ => {
                    for (sum, p) in sums.iter_mut().zip(row.chunks(factor * 3)) {
                        *sum += u32::from(pick(p[0], p[1], p[2]));
                    }
                }
            }
        }
        for (d, s) in dst.iter_mut().zip(&sums) {
            *d = averages[*s as usize];
        }
    }
    (w, h)
}

/// Adds `pick` of the first pixel of each `STRIDE`-byte step of `row` to
/// `sums` (the last step may be a lone pixel).
fn diagonal<const STRIDE: usize>(row: &[u8], sums: &mut [u32], pick: impl Fn(u8, u8, u8) -> u8) {
    let steps = row.chunks_exact(STRIDE);
    let last = steps.remainder();
    let n = sums.len();
    for (sum, p) in sums.iter_mut().zip(steps) {
        let p: &[u8; STRIDE] = p.try_into().expect("chunk size");
        *sum += u32::from(pick(p[0], p[1], p[2]));
    }
    if last.len() >= 3 && n > 0 {
        sums[n - 1] += u32::from(pick(last[0], last[1], last[2]));
    }
}

/// A region of an image: rows `(y, x0, x1)`, both ends included, as
/// [`super::outline::spans`] gives them.
pub type Rows = [(usize, usize, usize)];

/// Mean grey value and variance of the 4-neighbour Laplacian over the pixels
/// of `rows` (those on the image's own border are left out of the Laplacian:
/// a region is inside the picture). Zero for an empty region.
pub fn region_mean_and_sharpness(
    grey: &[u8],
    width: usize,
    height: usize,
    rows: &Rows,
) -> (f64, f64) {
    let (mut n, mut sum) = (0u64, 0u64);
    let (mut m, mut lap_sum, mut lap_sq) = (0u64, 0i64, 0i64);
    for &(y, x0, x1) in rows {
        if y >= height || x0 > x1 || x1 >= width {
            continue;
        }
        let row = &grey[y * width..(y + 1) * width];
        n += (x1 - x0 + 1) as u64;
        sum += sum_u8(&row[x0..=x1]);
        if y == 0 || y + 1 >= height {
            continue;
        }
        let (a, b) = (x0.max(1), x1.min(width - 2));
        if a > b {
            continue;
        }
        let (up, down) = (
            &grey[(y - 1) * width..y * width],
            &grey[(y + 1) * width..(y + 2) * width],
        );
        let (s, q) = up[a..=b]
            .iter()
            .zip(&down[a..=b])
            .zip(&row[a - 1..b])
            .zip(&row[a + 1..=b + 1])
            .zip(&row[a..=b])
            .map(|((((u, d), l), r), c)| {
                *u as i32 + *d as i32 + *l as i32 + *r as i32 - 4 * *c as i32
            })
            .fold((0i64, 0i64), |(s, q), v| (s + v as i64, q + (v * v) as i64));
        m += (b - a + 1) as u64;
        lap_sum += s;
        lap_sq += q;
    }
    let mean = if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    let sharpness = if m == 0 {
        0.0
    } else {
        let mu = lap_sum as f64 / m as f64;
        (lap_sq as f64 / m as f64 - mu * mu).max(0.0)
    };
    (mean, sharpness)
}

fn sum_u8(values: &[u8]) -> u64 {
    values.iter().map(|&v| v as u64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn downscale(
        grey: &[u8],
        width: usize,
        height: usize,
        factor: usize,
    ) -> (Vec<u8>, usize, usize) {
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
                    let l =
                        at(x, y - 1) + at(x, y + 1) + at(x - 1, y) + at(x + 1, y) - 4 * at(x, y);
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
    fn the_brightest_and_darkest_channels_are_the_rounded_mean_of_each_blocks_diagonal() {
        type Plane = fn(&[u8], usize, usize, usize, &mut Vec<u8>) -> (usize, usize);
        type Pick = fn(u8, u8, u8) -> u8;
        let planes: [(Plane, Pick); 2] = [
            (value_downscaled, |r, g, b| r.max(g).max(b)),
            (darkest_downscaled, |r, g, b| r.min(g).min(b)),
        ];
        for (plane, pick) in planes {
            for (width, height, factor) in [(1920, 1080, 3), (641, 359, 2), (40, 30, 1), (50, 7, 5)]
            {
                let rgb: Vec<u8> = (0..width * height * 3)
                    .map(|i| ((i * 2_654_435_761usize) >> 7) as u8)
                    .collect();
                let mut out = Vec::new();
                let (w, h) = plane(&rgb, width, height, factor, &mut out);
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
                    laps.push(
                        p(x, y - 1) + p(x, y + 1) + p(x - 1, y) + p(x + 1, y) - 4.0 * p(x, y),
                    );
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
}
