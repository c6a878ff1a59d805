//! Whether a quadrilateral's sides lie on edges of the picture: a
//! document's border, not lines drawn through a textured desk.

use image::GrayImage;

use super::{border_line, dist, proportion_off};

/// Share of each side that must lie on an edge (a side along the frame's
/// border needs none: the document goes on beyond it).
const MIN_SUPPORT: f32 = 0.6;
/// How far beside a side (analysis pixels) [`on_edges`] looks for a
/// plainer flank, and the most edge that flank may have, as a share of the
/// side's own.
const FLANK: f32 = 6.0;
const MAX_FLANK_SUPPORT: f32 = 0.8;
/// A white card against a pale sky or wall loses part of one side under the
/// edge threshold. One side may then lie on an edge for as little as
/// `WEAK.0` of its length, when the other three lie on edges for at least
/// `WEAK.1` of theirs and the whole is a document's shape in the frame.
const WEAK: (f32, f32) = (0.35, 0.85);
/// The share of its length a side must lie on an edge for where a document
/// is found with the frame's border for one side (at 0.65, lines through
/// gravel made such shapes; at 0.85, two cut-off cards were lost).
const STRONG: f32 = 0.8;
/// How near a format's proportions that shape must be.
const WEAK_SHAPE: f32 = 0.1;

/// Whether every side of `quad` runs along edges of the image (or along the
/// frame's border, where a document that goes on beyond it leaves none).
pub(super) fn on_edges(quad: &[[f32; 2]; 4], edges: &GrayImage, w: usize, h: usize) -> bool {
    // A document cut off at a corner has two sides along the border; three
    // or four are the frame itself (a textured desk's edges run everywhere).
    let along_border = (0..4)
        .filter(|&i| border_line(quad[i], quad[(i + 1) % 4], w, h).is_some())
        .count();
    if along_border > 2 {
        return false;
    }
    let mut weakest = f32::MAX;
    let mut second = f32::MAX;
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        if border_line(a, b, w, h).is_some() {
            continue;
        }
        let on = support(a, b, 0.0, edges, w, h);
        // A document's side is an edge with something plainer on at
        // least one side of it (the card's margin, a plain desk); in
        // gravel or foliage any line finds edges, and so do the lines
        // beside it.
        let beside = support(a, b, FLANK, edges, w, h).min(support(a, b, -FLANK, edges, w, h));
        if beside > on * MAX_FLANK_SUPPORT {
            return false;
        }
        if on < weakest {
            (weakest, second) = (on, weakest);
        } else if on < second {
            second = on;
        }
    }
    weakest >= MIN_SUPPORT
        || (weakest >= WEAK.0
            && second >= WEAK.1
            && along_border == 0
            && proportion_off(quad) <= WEAK_SHAPE)
}

/// Whether every side of `quad` not along the frame's border lies on edges
/// for at least [`STRONG`] of its length.
pub(super) fn strongly_on_edges(
    quad: &[[f32; 2]; 4],
    edges: &GrayImage,
    w: usize,
    h: usize,
) -> bool {
    (0..4).all(|i| {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        border_line(a, b, w, h).is_some() || support(a, b, 0.0, edges, w, h) >= STRONG
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

/// The quadrilateral whose sides are each moved, end by end, up to `reach`
/// pixels across themselves to where most of their middle lies on an edge:
/// a side found from a short piece (the rest of it faint, or another
/// object's edge taken for it) leans; the card's whole border does not.
/// Sides along the frame's border stay. Every other pixel of the middle
/// 70 % is looked at, on a grid of 2 pixels and then around its best.
pub(super) fn leaning_less(quad: &[[f32; 2]; 4], edges: &GrayImage, reach: i32) -> [[f32; 2]; 4] {
    let (w, h) = (edges.width() as usize, edges.height() as usize);
    let raw = edges.as_raw();
    let mut lines = [([0f32; 2], [0f32; 2]); 4];
    for (i, line) in lines.iter_mut().enumerate() {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        *line = (a, b);
        let len = dist(a, b);
        if len < 4.0 || border_line(a, b, w, h).is_some() {
            continue;
        }
        let n = [-(b[1] - a[1]) / len, (b[0] - a[0]) / len];
        let steps = (0.35 * len) as usize;
        // Pixels of the middle 70 % of the side with its ends moved by d0
        // and d1 that lie on an edge.
        let hits = |d0: i32, d1: i32| {
            let (d0, d1) = (d0 as f32, d1 as f32);
            (0..=steps)
                .filter(|s| {
                    let t = 0.15 + 0.7 * *s as f32 / steps.max(1) as f32;
                    let d = d0 + (d1 - d0) * t;
                    let x = a[0] + (b[0] - a[0]) * t + n[0] * d;
                    let y = a[1] + (b[1] - a[1]) * t + n[1] * d;
                    let (x, y) = (x.round(), y.round());
                    x >= 0.0
                        && y >= 0.0
                        && (x as usize) < w
                        && (y as usize) < h
                        && raw[y as usize * w + x as usize] > 0
                })
                .count()
        };
        // The most hits; among as many, the least moved.
        let better = |(d0, d1): (i32, i32), n: usize, best: &(usize, (i32, i32))| {
            n > best.0 || (n == best.0 && d0.abs() + d1.abs() < best.1 .0.abs() + best.1 .1.abs())
        };
        let mut best = (hits(0, 0), (0, 0));
        for d0 in (-reach..=reach).step_by(2) {
            for d1 in (-reach..=reach).step_by(2) {
                let n = hits(d0, d1);
                if better((d0, d1), n, &best) {
                    best = (n, (d0, d1));
                }
            }
        }
        let (c0, c1) = best.1;
        for d0 in c0 - 1..=c0 + 1 {
            for d1 in c1 - 1..=c1 + 1 {
                let n = hits(d0, d1);
                if better((d0, d1), n, &best) {
                    best = (n, (d0, d1));
                }
            }
        }
        let (d0, d1) = best.1;
        let at = |p: [f32; 2], d: i32| [p[0] + n[0] * d as f32, p[1] + n[1] * d as f32];
        *line = (at(a, d0), at(b, d1));
    }
    let mut out = *quad;
    for (i, corner) in out.iter_mut().enumerate() {
        let ((p, q), (r, s)) = (lines[(i + 3) % 4], lines[i]);
        let (d1, d2) = ([q[0] - p[0], q[1] - p[1]], [s[0] - r[0], s[1] - r[1]]);
        let det = d1[0] * d2[1] - d1[1] * d2[0];
        if det.abs() < 1e-6 {
            return *quad;
        }
        let t = ((r[0] - p[0]) * d2[1] - (r[1] - p[1]) * d2[0]) / det;
        *corner = [p[0] + t * d1[0], p[1] + t * d1[1]];
    }
    out
}
