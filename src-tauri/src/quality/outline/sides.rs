//! Whether a quadrilateral's sides lie on edges of the picture: a
//! document's border, not lines drawn through a textured desk.

use image::GrayImage;

use super::{border_line, dist};

/// Share of each side that must lie on an edge (a side along the frame's
/// border needs none: the document goes on beyond it).
const MIN_SUPPORT: f32 = 0.6;
/// How far beside a side (analysis pixels) [`on_edges`] looks for a
/// plainer flank, and the most edge that flank may have, as a share of the
/// side's own.
const FLANK: f32 = 6.0;
const MAX_FLANK_SUPPORT: f32 = 0.8;

/// Whether every side of `quad` runs along edges of the image (or along the
/// frame's border, where a document that goes on beyond it leaves none).
pub(super) fn on_edges(quad: &[[f32; 2]; 4], edges: &GrayImage, w: usize, h: usize) -> bool {
    // A document cut off at a corner has two sides along the border; three
    // or four are the frame itself (a textured desk's edges run everywhere).
    let along_border = (0..4)
        .filter(|&i| border_line(quad[i], quad[(i + 1) % 4], w, h).is_some())
        .count();
    along_border <= 2
        && (0..4).all(|i| {
            let (a, b) = (quad[i], quad[(i + 1) % 4]);
            if border_line(a, b, w, h).is_some() {
                return true;
            }
            let on = support(a, b, 0.0, edges, w, h);
            // A document's side is an edge with something plainer on at
            // least one side of it (the card's margin, a plain desk); in
            // gravel or foliage any line finds edges, and so do the lines
            // beside it.
            let beside = support(a, b, FLANK, edges, w, h).min(support(a, b, -FLANK, edges, w, h));
            on >= MIN_SUPPORT && beside <= on * MAX_FLANK_SUPPORT
        })
}

/// The share of the side from `a` to `b`, moved `offset` pixels to its
/// left (negative: to its right), that lies on an edge.
fn support(a: [f32; 2], b: [f32; 2], offset: f32, edges: &GrayImage, w: usize, h: usize) -> f32 {
    let len = dist(a, b).max(1e-3);
    let (nx, ny) = (-(b[1] - a[1]) / len * offset, (b[0] - a[0]) / len * offset);
    let steps = len.ceil().max(1.0) as usize;
    let mut hits = 0;
    for s in 0..=steps {
        let t = s as f32 / steps as f32;
        let (x, y) = (a[0] + (b[0] - a[0]) * t + nx, a[1] + (b[1] - a[1]) * t + ny);
        // The dilated edge, or a pixel beside it (the hull lies on its outside).
        let near = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
            .iter()
            .any(|(dx, dy)| {
                let (px, py) = (x.round() as i64 + dx, y.round() as i64 + dy);
                px >= 0
                    && py >= 0
                    && (px as usize) < w
                    && (py as usize) < h
                    && edges.get_pixel(px as u32, py as u32)[0] > 0
            });
        if near {
            hits += 1;
        }
    }
    hits as f32 / (steps + 1) as f32
}
