//! The picture that is sent of a document: the document alone, de-warped to
//! a rectangle of its own proportions, with a small margin of what lies
//! around it so that all four edges stay visible (the service checks that
//! the whole document is there).

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};
use zeroize::Zeroize;

use super::{Frame, Outline};

/// The margin around the document, as a share of its long side.
pub const MARGIN: f32 = 0.04;

/// The document of `outline` cut out of `frame` and de-warped, at the
/// resolution it has in the frame (its longer long side), with [`MARGIN`]
/// around it: (width, height, RGB). `None` for a document partly outside
/// the frame (the whole frame is sent then) or a degenerate outline.
pub fn document(frame: Frame<'_>, outline: &Outline) -> Option<(u32, u32, Vec<u8>)> {
    if outline.cut_off || !frame.is_consistent() {
        return None;
    }
    let c = outline.corners;
    let dist = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
    let long = dist(c[0], c[1]).max(dist(c[3], c[2]));
    let short = long / outline.format.aspect();
    let margin = (long * MARGIN).round();
    let (width, height) = (
        (long + 2.0 * margin).round() as u32,
        (short + 2.0 * margin).round() as u32,
    );
    if width < 8 || height < 8 || width > 2 * frame.width || height > 2 * frame.width {
        return None;
    }
    let to_picture = Projection::from_control_points(
        c.map(|[x, y]| (x, y)),
        [
            (margin, margin),
            (margin + long, margin),
            (margin + long, margin + short),
            (margin, margin + short),
        ],
    )?;
    // A copy of the frame for the warp: wiped as soon as it is done.
    let source = RgbImage::from_raw(frame.width, frame.height, frame.rgb.to_vec())?;
    let mut out = RgbImage::new(width, height);
    warp_into(
        &source,
        to_picture,
        Interpolation::Bilinear,
        Border::Constant(Rgb([0, 0, 0])),
        &mut out,
    );
    source.into_raw().zeroize();
    Some((width, height, out.into_raw()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::labelled::{card_corners, Backdrop, Case};
    use crate::capture::Subject;
    use crate::quality::{assess, Kind, Thresholds};

    #[test]
    fn a_tilted_card_comes_out_upright_with_its_edges_and_a_margin() {
        let (w, h) = (1280u32, 720u32);
        let corners = card_corners(w, h, 0.6, (0.5, 0.5), 12.0, 8.0, -10.0);
        let rgb = Case {
            width: w,
            height: h,
            backdrop: Backdrop::Wood,
            corners: Some(corners),
            side: Subject::DocumentFront,
            blur: 0,
            noise: 0.0,
            jpeg: None,
            seed: 3,
        }
        .render();
        let frame = Frame {
            width: w,
            height: h,
            rgb: &rgb,
        };
        let report = assess(frame, Kind::Document, &Thresholds::default());
        let outline = report.document.expect("the card");
        let (cw, ch, out) = document(frame, &outline).expect("a crop");
        // The card's proportions plus the margin on every side.
        let margin = (cw as f32 / (1.0 + 2.0 * MARGIN)) * MARGIN;
        let card_aspect = (cw as f32 - 2.0 * margin) / (ch as f32 - 2.0 * margin);
        assert!((card_aspect - 85.6 / 54.0).abs() < 0.02, "{cw}×{ch}");
        // About as many pixels across the card as it had in the frame.
        assert!(
            (cw as f32 - 0.6 * w as f32 * 1.08).abs() < 0.12 * w as f32,
            "{cw}"
        );
        let px = |x: u32, y: u32| {
            let i = ((y * cw + x) * 3) as usize;
            [out[i], out[i + 1], out[i + 2]]
        };
        // The margin is the desk (brown: red well above blue) on all four sides…
        let m = (margin / 2.0) as u32;
        for (x, y) in [
            (m, ch / 2),
            (cw - 1 - m, ch / 2),
            (cw / 2, m),
            (cw / 2, ch - 1 - m),
        ] {
            let [r, _, b] = px(x, y);
            assert!(
                r as i32 - b as i32 > 30,
                "desk at ({x}, {y}): {:?}",
                px(x, y)
            );
        }
        // …and the card's blue band runs along its top, level: the card is upright.
        for x in [cw / 4, cw / 2, 3 * cw / 4] {
            let [r, _, b] = px(x, (margin + 0.06 * (ch as f32 - 2.0 * margin)) as u32);
            assert!(b as i32 - r as i32 > 80, "blue band at x {x}: {r} {b}");
        }
    }

    #[test]
    fn a_card_cut_off_by_the_frame_is_not_cropped() {
        let outline = Outline {
            corners: [[0.0, 10.0], [400.0, 10.0], [400.0, 260.0], [0.0, 260.0]],
            format: crate::quality::Format::Id1,
            fill_fraction: 0.3,
            effective_dpi: 120.0,
            perspective: 0.0,
            cut_off: true,
        };
        let rgb = vec![0u8; 640 * 360 * 3];
        let frame = Frame {
            width: 640,
            height: 360,
            rgb: &rgb,
        };
        assert!(document(frame, &outline).is_none());
    }
}
