//! Which side of the document is shown: the document de-warped to a small
//! picture of its own (its corners pulled to a rectangle), compared with the
//! picture of the side already taken. The back slot showing the front again
//! is the most common wrong picture after a blurry one.

use imageproc::geometric_transformations::Projection;
use zeroize::Zeroize;

/// Width and height of a de-warped document: enough for its layout (the
/// portrait, the bands, the blocks of text), too few pixels to read it.
const WIDTH: usize = 64;
const HEIGHT: usize = 40;

/// Similarity (a correlation, −1 to 1) from which two de-warped documents
/// count as the same side. On the labelled set the same side in another
/// pose, on another desk, scores 0.99 and the other side at most 0.09; a
/// real card's two sides share more layout (text lines), hence the margin.
pub const SAME_SIDE: f32 = 0.7;

/// A document side's layout: its de-warped picture, normalised to zero mean
/// and unit variance so light does not matter. It is a tiny picture of a
/// document: wiped when dropped.
#[derive(Clone, PartialEq)]
pub struct Side {
    values: Vec<f32>,
}

impl std::fmt::Debug for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Side(..)")
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        self.values.zeroize();
    }
}

impl Side {
    /// The document inside `corners` (in `grey`'s pixels, clockwise from its
    /// top-left), de-warped; none when the corners do not make a quadrilateral
    /// or the document is one flat colour.
    pub fn of(grey: &[u8], width: usize, height: usize, corners: &[[f32; 2]; 4]) -> Option<Self> {
        // Four samples per cell (2 × 2), averaged: the fine print blurs into
        // grey blocks instead of aliasing differently in every pose.
        let mut fine = dewarp(grey, width, height, corners, 2 * WIDTH, 2 * HEIGHT)?;
        let mut values = Vec::with_capacity(WIDTH * HEIGHT);
        for j in 0..HEIGHT {
            for i in 0..WIDTH {
                let at = |di: usize, dj: usize| fine[(2 * j + dj) * 2 * WIDTH + 2 * i + di] as f32;
                values.push((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4.0);
            }
        }
        fine.zeroize();
        let values = blur(&values);
        let n = values.len() as f32;
        let mean = values.iter().sum::<f32>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
        if sd < 2.0 {
            return None;
        }
        Some(Self {
            values: values.iter().map(|v| (v - mean) / sd).collect(),
        })
    }

    /// How alike two sides are (a correlation, −1 to 1), either way up: a
    /// card shown upside down is still the same side.
    pub fn similarity(&self, other: &Side) -> f32 {
        let n = self.values.len() as f32;
        let upright: f32 = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| a * b)
            .sum();
        let turned: f32 = self
            .values
            .iter()
            .zip(other.values.iter().rev())
            .map(|(a, b)| a * b)
            .sum();
        upright.max(turned) / n
    }

    /// Whether `other` shows the same side as this one.
    pub fn same_as(&self, other: &Side) -> bool {
        self.similarity(other) >= SAME_SIDE
    }
}

/// The document inside `corners` de-warped `out_width` pixels wide, and as
/// high as its proportions (`aspect`, its long side over its short) make it:
/// the picture and its height.
pub fn dewarp_to_width(
    grey: &[u8],
    width: usize,
    height: usize,
    corners: &[[f32; 2]; 4],
    out_width: usize,
    aspect: f32,
) -> Option<(Vec<u8>, usize)> {
    let out_height = (out_width as f32 / aspect).round() as usize;
    Some((
        dewarp(grey, width, height, corners, out_width, out_height)?,
        out_height,
    ))
}

/// The document inside `corners` (in `grey`'s pixels, clockwise from its
/// top-left) pulled to a `out_width` × `out_height` rectangle, sampled
/// bilinearly at each output pixel's centre; none for a degenerate outline.
pub fn dewarp(
    grey: &[u8],
    width: usize,
    height: usize,
    corners: &[[f32; 2]; 4],
    out_width: usize,
    out_height: usize,
) -> Option<Vec<u8>> {
    if grey.len() < width * height || width < 2 || height < 2 {
        return None;
    }
    let to_frame = Projection::from_control_points(
        [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
        corners.map(|[x, y]| (x, y)),
    )?;
    let mut out = Vec::with_capacity(out_width * out_height);
    for j in 0..out_height {
        for i in 0..out_width {
            let (u, v) = (
                (i as f32 + 0.5) / out_width as f32,
                (j as f32 + 0.5) / out_height as f32,
            );
            let (x, y) = to_frame * (u, v);
            out.push(bilinear(grey, width, height, x, y).round() as u8);
        }
    }
    Some(out)
}

/// `grey` (`width` × `height`, at least 2 × 2) sampled bilinearly at
/// (`x`, `y`), in pixels from its top-left corner (a pixel's centre is at
/// its index plus a half), the border repeated beyond it.
pub(crate) fn bilinear(grey: &[u8], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let x = (x - 0.5).clamp(0.0, (width - 1) as f32);
    let y = (y - 0.5).clamp(0.0, (height - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: usize, y: usize| grey[y * width + x] as f32;
    (at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx) * (1.0 - fy)
        + (at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx) * fy
}

/// A 3 × 3 box blur with the border repeated.
fn blur(values: &[f32]) -> Vec<f32> {
    let at = |i: isize, j: isize| {
        let i = i.clamp(0, WIDTH as isize - 1) as usize;
        let j = j.clamp(0, HEIGHT as isize - 1) as usize;
        values[j * WIDTH + i]
    };
    let mut out = Vec::with_capacity(values.len());
    for j in 0..HEIGHT as isize {
        for i in 0..WIDTH as isize {
            let mut sum = 0.0;
            for dj in -1..=1 {
                for di in -1..=1 {
                    sum += at(i + di, j + dj);
                }
            }
            out.push(sum / 9.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::labelled::{card_corners, Backdrop, Case};
    use crate::capture::Subject;

    fn side_of(case: &Case) -> Side {
        let rgb = case.render();
        let mut grey = Vec::new();
        crate::quality::grey::grey_from_rgb(&rgb, &mut grey);
        Side::of(
            &grey,
            case.width as usize,
            case.height as usize,
            &case.corners.expect("a card"),
        )
        .expect("a side")
    }

    fn case(side: Subject, backdrop: Backdrop, corners: [[f32; 2]; 4], seed: u32) -> Case {
        Case {
            width: 640,
            height: 360,
            backdrop,
            corners: Some(corners),
            side,
            blur: 1,
            noise: 5.0,
            jpeg: Some(80),
            seed,
        }
    }

    #[test]
    fn the_same_side_in_another_pose_is_the_same_and_the_other_side_is_not() {
        let poses = [
            card_corners(640, 360, 0.66, (0.5, 0.5), 0.0, 0.0, 0.0),
            card_corners(640, 360, 0.55, (0.45, 0.55), 12.0, 10.0, -8.0),
            card_corners(640, 360, 0.6, (0.55, 0.48), -15.0, -6.0, 12.0),
            // Upside down.
            card_corners(640, 360, 0.6, (0.5, 0.5), 178.0, 0.0, 5.0),
        ];
        let backdrops = [
            Backdrop::Wood,
            Backdrop::Granite,
            Backdrop::Stripes,
            Backdrop::Fabric,
        ];
        let front = side_of(&case(Subject::DocumentFront, Backdrop::Wood, poses[0], 1));
        let mut same = Vec::new();
        let mut other = Vec::new();
        for (k, (pose, backdrop)) in poses.iter().zip(backdrops).enumerate() {
            let seed = 10 + k as u32;
            same.push(front.similarity(&side_of(&case(
                Subject::DocumentFront,
                backdrop,
                *pose,
                seed,
            ))));
            other.push(front.similarity(&side_of(&case(
                Subject::DocumentBack,
                backdrop,
                *pose,
                seed,
            ))));
        }
        println!("metric: side similarity, same side {same:.2?}, other side {other:.2?}");
        assert!(same.iter().all(|&s| s >= SAME_SIDE), "same side: {same:?}");
        assert!(
            other.iter().all(|&s| s < SAME_SIDE - 0.15),
            "other side: {other:?}"
        );
    }

    #[test]
    fn a_flat_patch_or_a_degenerate_outline_is_no_side() {
        let grey = vec![128u8; 64 * 64];
        let square = [[8.0, 8.0], [56.0, 8.0], [56.0, 56.0], [8.0, 56.0]];
        assert!(Side::of(&grey, 64, 64, &square).is_none());
        let line = [[8.0, 8.0], [56.0, 8.0], [56.0, 8.0], [8.0, 8.0]];
        assert!(Side::of(&grey, 64, 64, &line).is_none());
        assert!(Side::of(&grey[..10], 64, 64, &square).is_none());
    }
}
