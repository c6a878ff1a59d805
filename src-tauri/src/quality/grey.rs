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
    out.resize(rgb.len() / 3, 0);
    grey_into(rgb, out);
}

/// The same into a slice of `rgb.len() / 3` pixels.
fn grey_into(rgb: &[u8], out: &mut [u8]) {
    let n = rgb.len() / 3;
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

/// Output rows [`grey_and_value_downscaled`] makes from one band of rows.
const BAND_ROWS: usize = 8;

/// Luma of an interleaved RGB image at 1/`factor` of its size, into `out`,
/// and the three planes the document is looked for in (see
/// [`planes_downscaled`]), into `planes`: the values [`grey_from_rgb`] then
/// [`downscale_into`], and [`planes_downscaled`], give, in one reading of
/// the frame and without the whole full-size grey image in between (a
/// 1080p frame's is 2 MB, written and read again). The frame is made grey a
/// band of rows at a time, in `band`, a buffer the caller keeps; each band
/// is averaged, and its planes read, while its rows are still in the cache.
/// (Read in a second pass over the frame, when the brightest channel showed
/// no document, the two other planes cost a tenth of a busy, empty desk's
/// analysis; read here, they add about a third of a millisecond to every
/// 1080p frame.)
pub fn grey_and_planes_downscaled(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    band: &mut Vec<u8>,
    out: &mut Vec<u8>,
    mut planes: [&mut Vec<u8>; 3],
) -> (usize, usize) {
    let factor = factor.max(1);
    let (w, h) = (width / factor, height / factor);
    if factor == 1 || factor > 16 || w == 0 || h == 0 {
        grey_from_rgb(&rgb[..width * height * 3], band);
        planes_downscaled(rgb, width, height, factor, planes);
        return downscale_into(band, width, height, factor, out);
    }
    out.clear();
    out.resize(w * h, 0);
    for plane in planes.iter_mut() {
        plane.clear();
        plane.resize(w * h, 0);
    }
    let mut planes = planes.map(|p| p.as_mut_slice());
    let mut diagonals = Diagonals::<3>::new(factor, w);
    // The pixels of a row that fall in a block: the last column's remainder
    // is left out, as the downscale leaves it out.
    let span = w * factor;
    band.resize(BAND_ROWS * factor * span, 0);
    let block_averages = averages((factor * factor) as u32);
    for (i, out_rows) in out.chunks_mut(BAND_ROWS * w).enumerate() {
        let rows = out_rows.len() / w * factor;
        for (k, grey) in band.chunks_exact_mut(span).take(rows).enumerate() {
            let y = i * BAND_ROWS * factor + k;
            grey_into(&rgb[y * width * 3..][..span * 3], grey);
        }
        box_average::<u16>(&band[..rows * span], span, factor, out_rows, w, |s| {
            block_averages[s as usize]
        });
        let first = i * BAND_ROWS;
        let ys = first..first + out_rows.len() / w;
        diagonals.rows(rgb, width, ys, &mut planes, three_planes);
    }
    (w, h)
}

/// Rounded averages of blocks of `area` pixels, by their sum: looked up for
/// the unusual factors, where the area is not known when compiling and a
/// division per output pixel would cost more than all the additions (the
/// usual factors, 2 to 4, divide by a constant the compiler turns into a
/// multiplication on vectors).
fn averages(area: u32) -> Vec<u8> {
    (0..=area * 255)
        .map(|s| ((s + area / 2) / area) as u8)
        .collect()
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
    // twice as many per vector as 32-bit ones.
    if factor <= 16 {
        let block_averages = averages(area);
        box_average::<u16>(grey, width, factor, out, w, |s| block_averages[s as usize]);
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
            2 => average_groups::<A, 2>(&rows, out_row),
            3 => average_groups::<A, 3>(&rows, out_row),
            4 => average_groups::<A, 4>(&rows, out_row),
            _ => {
                for (o, group) in out_row.iter_mut().zip(rows.chunks_exact(factor)) {
                    *o = average(group.iter().map(|&a| a.into()).sum());
                }
            }
        }
    }
}

/// Groups of `N` column sums to their rounded averages; a size known when
/// compiling lets the sums unroll, and the division become a
/// multiplication the compiler can run on a vector of them.
fn average_groups<A, const N: usize>(rows: &[A], out: &mut [u8])
where
    A: Copy + Into<u32>,
{
    let area = (N * N) as u32;
    for (o, group) in out.iter_mut().zip(rows.chunks_exact(N)) {
        let group: &[A; N] = group.try_into().expect("chunk size");
        let sum: u32 = group.iter().map(|&a| a.into()).sum();
        *o = ((sum + area / 2) / area) as u8;
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
    channels_downscaled(rgb, width, height, factor, [out], brightest)
}

fn brightest(r: u8, g: u8, b: u8) -> [u8; 1] {
    [r.max(g).max(b)]
}

/// The three planes the document is looked for in, at 1/`factor` of an
/// interleaved RGB image's size, each as [`value_downscaled`] reads it, in
/// one reading of the image:
/// - the brightest channel, max(R, G, B) (see [`value_downscaled`]);
/// - the darkest channel, min(R, G, B): it tells a saturated colour from
///   white (a blue band against a white cup), where the brightest channel
///   barely changes;
/// - blue against yellow, (2B − R − G) / 4 + 128: it tells a blue band from
///   a red or brown desk of the same brightness, where both the brightest
///   and the darkest channel barely change.
pub fn planes_downscaled(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    planes: [&mut Vec<u8>; 3],
) -> (usize, usize) {
    channels_downscaled(rgb, width, height, factor, planes, three_planes)
}

fn three_planes(r: u8, g: u8, b: u8) -> [u8; 3] {
    [
        r.max(g).max(b),
        r.min(g).min(b),
        ((2 * i32::from(b) - i32::from(r) - i32::from(g)) / 4 + 128) as u8,
    ]
}

/// `N` planes `pick`ed from each pixel, downscaled by block diagonals.
fn channels_downscaled<const N: usize>(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    mut outs: [&mut Vec<u8>; N],
    pick: impl Fn(u8, u8, u8) -> [u8; N] + Copy,
) -> (usize, usize) {
    let factor = factor.max(1);
    let (w, h) = (width / factor, height / factor);
    for out in outs.iter_mut() {
        out.clear();
        out.resize(w * h, 0);
    }
    let mut outs = outs.map(|o| o.as_mut_slice());
    Diagonals::new(factor, w).rows(rgb, width, 0..h, &mut outs, pick);
    (w, h)
}

/// What reading planes by block diagonals at 1/`factor` of a frame's
/// size needs from row to row: the rounded averages of `factor` values
/// (see [`averages`]), one row's diagonal pixels, and one output row's
/// sums, plane by plane.
///
/// The pixels are first gathered, each as one 32-bit word, then picked and
/// summed a whole row at a time: contiguous rows the compiler turns into
/// vector instructions. Picked and summed pixel by pixel from the
/// interleaved frame, three planes cost as much as a second pass over it.
struct Diagonals<const N: usize> {
    factor: usize,
    averages: Vec<u8>,
    pixels: Vec<u32>,
    sums: [Vec<u16>; N],
}

impl<const N: usize> Diagonals<N> {
    fn new(factor: usize, w: usize) -> Self {
        Self {
            factor,
            averages: averages(factor as u32),
            pixels: vec![0; w],
            sums: std::array::from_fn(|_| vec![0; w]),
        }
    }

    /// Rows `ys` of the planes `pick`ed from the `width`-pixel frame
    /// `rgb`, into `outs` (whole planes, as wide as the sums).
    fn rows(
        &mut self,
        rgb: &[u8],
        width: usize,
        ys: std::ops::Range<usize>,
        outs: &mut [&mut [u8]; N],
        pick: impl Fn(u8, u8, u8) -> [u8; N] + Copy,
    ) {
        let factor = self.factor;
        let w = self.pixels.len();
        // The sums of `factor` values of 255 fit 16 bits: far more than a
        // frame the kiosk decodes needs (16,384 pixels wide, analysed at
        // 640, is a factor of 25).
        assert!(factor <= 256, "a factor of {factor}");
        for y in ys {
            for sum in &mut self.sums {
                sum.fill(0);
            }
            for k in 0..factor {
                let start = ((y * factor + k) * width + k) * 3;
                let row = &rgb[start..start + (w - 1) * factor * 3 + 3];
                // The usual factors with a fixed stride, which the compiler
                // unrolls without a bounds check per pixel.
                match factor {
                    2 => gather::<6>(row, &mut self.pixels),
                    3 => gather::<9>(row, &mut self.pixels),
                    4 => gather::<12>(row, &mut self.pixels),
                    _ => {
                        for (d, p) in self.pixels.iter_mut().zip(row.chunks(factor * 3)) {
                            *d = u32::from_le_bytes([p[0], p[1], p[2], 0]);
                        }
                    }
                }
                accumulate(&self.pixels, &mut self.sums, pick);
            }
            for (out, sums) in outs.iter_mut().zip(&self.sums) {
                let out = &mut out[y * w..(y + 1) * w];
                match factor {
                    2 => rounded_means::<2>(sums, out),
                    3 => rounded_means::<3>(sums, out),
                    4 => rounded_means::<4>(sums, out),
                    _ => {
                        for (d, s) in out.iter_mut().zip(sums) {
                            *d = self.averages[usize::from(*s)];
                        }
                    }
                }
            }
        }
    }
}

/// Sums of `F` values to their rounded means: a division by a number known
/// when compiling, which becomes a multiplication on a vector of sums.
fn rounded_means<const F: u16>(sums: &[u16], out: &mut [u8]) {
    for (d, s) in out.iter_mut().zip(sums) {
        *d = ((s + F / 2) / F) as u8;
    }
}

/// The first pixel of each `STRIDE`-byte step of `row` (the last step may
/// be a lone pixel), into `pixels`, red in the lowest byte: one 32-bit
/// read a pixel, the byte after blue included (masked out when picked).
fn gather<const STRIDE: usize>(row: &[u8], pixels: &mut [u32]) {
    let n = pixels.len();
    if n == 0 {
        return;
    }
    // Every step but the last has its fourth byte in the row.
    for (d, p) in pixels[..n - 1].iter_mut().zip(row.chunks_exact(STRIDE)) {
        let p: &[u8; STRIDE] = p.try_into().expect("chunk size");
        *d = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
    }
    let last = &row[(n - 1) * STRIDE..];
    pixels[n - 1] = u32::from_le_bytes([last[0], last[1], last[2], 0]);
}

/// Adds each plane `pick`ed from the gathered pixels to its sums, a plane
/// at a time (the loop over the planes unrolls, and each pass keeps only
/// its own plane of `pick`).
fn accumulate<const N: usize>(
    pixels: &[u32],
    sums: &mut [Vec<u16>; N],
    pick: impl Fn(u8, u8, u8) -> [u8; N] + Copy,
) {
    for (n, sum) in sums.iter_mut().enumerate() {
        for (s, p) in sum.iter_mut().zip(pixels) {
            let [r, g, b, _] = p.to_le_bytes();
            *s += u16::from(pick(r, g, b)[n]);
        }
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
        sum += sum_bytes(&row[x0..=x1]);
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

/// Blocks whose byte sums cannot overflow 32-bit lanes (64-bit lanes
/// vectorise poorly on x86).
const SUM_BLOCK: usize = 1 << 16;

/// The sum of `values`.
pub fn sum_bytes(values: &[u8]) -> u64 {
    values
        .chunks(SUM_BLOCK)
        .map(|c| c.iter().map(|&v| u32::from(v)).sum::<u32>() as u64)
        .sum()
}

/// The sum of the absolute differences between `a` and `b`, value by value.
pub fn sum_abs_differences(a: &[u8], b: &[u8]) -> u64 {
    a.chunks(SUM_BLOCK)
        .zip(b.chunks(SUM_BLOCK))
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| u32::from(x.abs_diff(*y)))
                .sum::<u32>() as u64
        })
        .sum()
}

#[cfg(test)]
mod tests;
