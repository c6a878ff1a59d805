//! Glare: near-saturated pixels that form blobs, inside a 5 % margin.

/// Share of the inner image covered by connected (4-neighbour) blobs of pixels
/// at or above `luma`, counting only blobs of at least `min_blob` of the inner area.
pub fn glare_fraction(grey: &[u8], width: usize, height: usize, luma: u8, min_blob: f64) -> f64 {
    let (mx, my) = (width / 20, height / 20);
    let (x0, x1, y0, y1) = (mx, width - mx, my, height - my);
    if x1 <= x0 || y1 <= y0 {
        return 0.0;
    }
    // Most frames have no pixel that bright: one vectorised pass says so.
    // (`fold` with `max`: `Iterator::max` keeps the last of equal values and
    // does not vectorise.)
    let brightest = (y0..y1)
        .map(|y| {
            grey[y * width + x0..y * width + x1]
                .iter()
                .fold(0, |m, &v| m.max(v))
        })
        .fold(0, u8::max);
    if brightest < luma {
        return 0.0;
    }
    let rows: Vec<_> = (y0..y1).map(|y| (y, x0, x1 - 1)).collect();
    glare_fraction_in(grey, width, height, &rows, luma, min_blob)
}

/// Share of a region (`rows`, as [`super::grey::region_mean_and_sharpness`]
/// takes them) covered by connected blobs of pixels at or above `luma`,
/// counting only blobs of at least `min_blob` of the region.
pub fn glare_fraction_in(
    grey: &[u8],
    width: usize,
    height: usize,
    rows: &super::grey::Rows,
    luma: u8,
    min_blob: f64,
) -> f64 {
    let mut inside = vec![false; width * height];
    let mut area = 0usize;
    let mut bright = false;
    for &(y, x0, x1) in rows {
        if y >= height || x0 > x1 || x1 >= width {
            continue;
        }
        inside[y * width + x0..=y * width + x1].fill(true);
        area += x1 - x0 + 1;
        bright |= grey[y * width + x0..=y * width + x1]
            .iter()
            .any(|&v| v >= luma);
    }
    if area == 0 || !bright {
        return 0.0;
    }
    let min_pixels = ((area as f64 * min_blob).ceil() as usize).max(1);
    let mut stack = Vec::new();
    let mut covered = 0usize;
    for start in 0..width * height {
        if !inside[start] || grey[start] < luma {
            continue;
        }
        // A pixel taken into a blob leaves the region: it is never seen twice.
        inside[start] = false;
        stack.push(start);
        let mut size = 0usize;
        while let Some(j) = stack.pop() {
            size += 1;
            let (jx, jy) = (j % width, j / width);
            let mut visit = |k: usize| {
                if inside[k] && grey[k] >= luma {
                    inside[k] = false;
                    stack.push(k);
                }
            };
            if jx > 0 {
                visit(j - 1);
            }
            if jx + 1 < width {
                visit(j + 1);
            }
            if jy > 0 {
                visit(j - width);
            }
            if jy + 1 < height {
                visit(j + width);
            }
        }
        if size >= min_pixels {
            covered += size;
        }
    }
    covered as f64 / area as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_blobs_and_ignores_specks_and_the_margin() {
        let (w, h) = (40, 40);
        let mut img = vec![100u8; w * h];
        // A 6x6 saturated blob in the middle: 36 of the 36x36 inner pixels.
        for y in 17..23 {
            for x in 17..23 {
                img[y * w + x] = 255;
            }
        }
        // Specks: single saturated pixels, far apart.
        img[5 * w + 30] = 255;
        img[30 * w + 5] = 255;
        // In the margin (outside 5 %): ignored even when large.
        img[..40].fill(255);
        let f = glare_fraction(&img, w, h, 250, 0.01);
        assert!((f - 36.0 / (36.0 * 36.0)).abs() < 1e-12, "{f}");
        // With a smaller minimum blob the specks count too.
        let f = glare_fraction(&img, w, h, 250, 0.0);
        assert!((f - 38.0 / (36.0 * 36.0)).abs() < 1e-12, "{f}");
        assert_eq!(glare_fraction(&[100; 1600], 40, 40, 250, 0.0), 0.0);
    }

    #[test]
    fn inside_a_region_only_its_own_blobs_count() {
        let (w, h) = (40, 40);
        let mut img = vec![100u8; w * h];
        // A 4x4 blob inside the region, a 6x6 one outside it.
        for y in 12..16 {
            for x in 12..16 {
                img[y * w + x] = 255;
            }
        }
        for y in 30..36 {
            for x in 30..36 {
                img[y * w + x] = 255;
            }
        }
        // The region: a 20x20 square from (10, 10).
        let rows: Vec<_> = (10..30).map(|y| (y, 10, 29)).collect();
        let f = glare_fraction_in(&img, w, h, &rows, 250, 0.0);
        assert!((f - 16.0 / 400.0).abs() < 1e-12, "{f}");
        // A blob smaller than the minimum share of the region is a highlight.
        assert_eq!(glare_fraction_in(&img, w, h, &rows, 250, 0.05), 0.0);
        assert_eq!(glare_fraction_in(&img, w, h, &[], 250, 0.0), 0.0);
    }
}
