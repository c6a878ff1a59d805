//! The fallbacks for a card whose border joins the edges behind it (a cup's
//! rim, a shoulder): the joined contour's hull is not the card, but its
//! longest straight runs, taken four at a time, can be the card's sides.
//! When the border is split between contours (a hand touching one side, a
//! strap another), the straight runs of all of them, joined where they lie
//! on one line, are tried the same way.

use imageproc::geometry;
use imageproc::point::Point;

use super::{dist, proportion_off, shoelace, BORDER, MIN_AREA};

/// The shortest straight run of a contour that can be a document's side, as
/// a share of the frame's long side, and how many of the longest are tried.
const MIN_RUN: f32 = 0.06;
const MAX_RUNS: usize = 10;
/// How far (analysis pixels) a piece of a side may lie across a longer
/// piece's line and still be joined to it: the two borders of one dilated
/// edge are 3 apart.
const JOIN_ACROSS: f32 = 4.0;
/// The longest gap along a line between pieces that are joined: what a
/// finger or a strap crossing a side leaves. Pieces further apart (two
/// bricks in one row) stay apart.
const JOIN_GAP: f32 = 40.0;
/// How near its format's proportions (long over short side) a quadrilateral
/// must be to be preferred to a larger one that is not.
const SHAPED: f32 = 0.1;

/// A straight run: its two ends and its length.
pub(super) type Run = ([f32; 2], [f32; 2], f32);

/// The best plausible quadrilateral whose four sides are straight runs of
/// `points` (a contour): the contour simplified to a polygon, its long
/// edges taken four at a time, each four's lines met at the corners.
pub(super) fn quadrilateral(
    points: &[Point<i32>],
    w: usize,
    h: usize,
    fits: impl Fn(&[[f32; 2]; 4]) -> bool,
) -> Option<[[f32; 2]; 4]> {
    let mut runs = Vec::new();
    straight_runs(points, MIN_RUN * w.max(h) as f32, &mut runs);
    among(runs, w, h, fits)
}

/// The same over the straight runs of all `contours`, with the pieces of
/// one line joined first.
pub(super) fn quadrilateral_across<'a>(
    contours: impl Iterator<Item = &'a [Point<i32>]>,
    w: usize,
    h: usize,
    fits: impl Fn(&[[f32; 2]; 4]) -> bool,
    strong: impl Fn(&[[f32; 2]; 4]) -> bool,
) -> Option<[[f32; 2]; 4]> {
    let min_len = MIN_RUN * w.max(h) as f32;
    let mut pieces = Vec::new();
    for points in contours {
        // Pieces down to half a side's shortest: two of them make one.
        straight_runs(points, min_len / 2.0, &mut pieces);
    }
    let mut runs = joined(pieces);
    runs.retain(|r| r.2 >= min_len);
    among(runs.clone(), w, h, &fits).or_else(|| among_with_border(runs, w, h, fits, strong))
}

/// Whether the part of a quadrilateral inside the frame can be a document
/// pushed at most half out of it: the side facing the border is a whole
/// side of the document, the two meeting the border at least half the
/// other side and at most the whole of it.
pub(super) fn part_of_a_document(quad: &[[f32; 2]; 4], w: usize, h: usize) -> bool {
    let Some(i) = (0..4).find(|&i| super::border_line(quad[i], quad[(i + 1) % 4], w, h).is_some())
    else {
        return false;
    };
    let whole = dist(quad[(i + 2) % 4], quad[(i + 3) % 4]);
    let seen =
        (dist(quad[(i + 1) % 4], quad[(i + 2) % 4]) + dist(quad[(i + 3) % 4], quad[i])) / 2.0;
    let r = seen / whole.max(1.0);
    // Against an ID-1 card's long side, half its short side is 0.32 of it;
    // against its short side, the whole long side is 1.59 times it.
    (0.3..=1.8).contains(&r)
}

/// A card pushed partly out of the frame: the best quadrilateral of three
/// of the longest [`MAX_RUNS`] of `runs` and one side of the frame's border
/// that `fits`, is [`part_of_a_document`] and lies on edges along the
/// whole of its three other sides (`strong`): without a fourth side to
/// close it, lines through gravel made such shapes. The largest.
fn among_with_border(
    mut runs: Vec<Run>,
    w: usize,
    h: usize,
    fits: impl Fn(&[[f32; 2]; 4]) -> bool,
    strong: impl Fn(&[[f32; 2]; 4]) -> bool,
) -> Option<[[f32; 2]; 4]> {
    if runs.len() < 3 {
        return None;
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    runs.truncate(MAX_RUNS);
    let (x, y) = (w as f32 - 1.0, h as f32 - 1.0);
    let borders: [Run; 4] = [
        ([0.0, 0.0], [x, 0.0], x),
        ([x, 0.0], [x, y], y),
        ([x, y], [0.0, y], x),
        ([0.0, y], [0.0, 0.0], y),
    ];
    let frame_area = (w * h) as f32;
    let mut best: Option<([[f32; 2]; 4], f32)> = None;
    let m = runs.len();
    for border in borders {
        for a in 0..m {
            for b in a + 1..m {
                for c in b + 1..m {
                    let Some(quad) = quad_of_runs([runs[a], runs[b], runs[c], border], w, h) else {
                        continue;
                    };
                    let area = shoelace(&quad).abs();
                    if area < MIN_AREA as f32 * frame_area
                        || best.as_ref().is_some_and(|(_, b)| *b >= area)
                        || !part_of_a_document(&quad, w, h)
                        || !fits(&quad)
                        || !strong(&quad)
                    {
                        continue;
                    }
                    best = Some((quad, area));
                }
            }
        }
    }
    best.map(|(q, _)| q)
}

/// The straight runs of `points` (a contour) at least `min_len` long,
/// added to `runs`.
fn straight_runs(points: &[Point<i32>], min_len: f32, runs: &mut Vec<Run>) {
    let polygon = geometry::approximate_polygon_dp(points, 2.0, true);
    let n = polygon.len();
    runs.extend(
        (0..n)
            .map(|i| {
                let (a, b) = (polygon[i], polygon[(i + 1) % n]);
                let (a, b) = ([a.x as f32, a.y as f32], [b.x as f32, b.y as f32]);
                (a, b, dist(a, b))
            })
            .filter(|r| r.2 >= min_len),
    );
}

/// Runs on one straight line joined into one, longest first: each run
/// joins the first longer line it lies along (both its ends within
/// [`JOIN_ACROSS`] of it, at most [`JOIN_GAP`] beyond its ends), which then
/// spans both.
pub(super) fn joined(mut runs: Vec<Run>) -> Vec<Run> {
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut lines: Vec<Run> = Vec::new();
    'runs: for r in runs {
        for l in &mut lines {
            let u = [(l.1[0] - l.0[0]) / l.2, (l.1[1] - l.0[1]) / l.2];
            let across = |p: [f32; 2]| ((p[0] - l.0[0]) * u[1] - (p[1] - l.0[1]) * u[0]).abs();
            let along = |p: [f32; 2]| (p[0] - l.0[0]) * u[0] + (p[1] - l.0[1]) * u[1];
            let (a, b) = (along(r.0).min(along(r.1)), along(r.0).max(along(r.1)));
            if across(r.0) <= JOIN_ACROSS
                && across(r.1) <= JOIN_ACROSS
                && a <= l.2 + JOIN_GAP
                && b >= -JOIN_GAP
            {
                let (from, to) = (a.min(0.0), b.max(l.2));
                let at = |t: f32| [l.0[0] + t * u[0], l.0[1] + t * u[1]];
                *l = (at(from), at(to), to - from);
                continue 'runs;
            }
        }
        lines.push(r);
    }
    lines
}

/// Among the longest [`MAX_RUNS`] of `runs`, the four that make the best
/// quadrilateral that `fits`: one with a document's proportions before one
/// without (a card rather than the card and the desk's edge), then the
/// larger.
fn among(
    mut runs: Vec<Run>,
    w: usize,
    h: usize,
    fits: impl Fn(&[[f32; 2]; 4]) -> bool,
) -> Option<[[f32; 2]; 4]> {
    if runs.len() < 4 {
        return None;
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    runs.truncate(MAX_RUNS);
    let frame_area = (w * h) as f32;
    // The best so far, and its rank: (a document's proportions, area).
    type Ranked = ([[f32; 2]; 4], (bool, f32));
    let mut best: Option<Ranked> = None;
    let m = runs.len();
    for a in 0..m {
        for b in a + 1..m {
            for c in b + 1..m {
                for d in c + 1..m {
                    let Some(quad) = quad_of_runs([runs[a], runs[b], runs[c], runs[d]], w, h)
                    else {
                        continue;
                    };
                    let area = shoelace(&quad).abs();
                    if area < MIN_AREA as f32 * frame_area {
                        continue;
                    }
                    let rank = (proportion_off(&quad) <= SHAPED, area);
                    if best.as_ref().is_some_and(|(_, b)| *b >= rank) || !fits(&quad) {
                        continue;
                    }
                    best = Some((quad, rank));
                }
            }
        }
    }
    best.map(|(q, _)| q)
}

/// The quadrilateral four straight runs are the sides of: the runs ordered
/// around their common centre, neighbours roughly square to each other and
/// each run lying along its side. `None` when they are not such four.
fn quad_of_runs(runs: [Run; 4], w: usize, h: usize) -> Option<[[f32; 2]; 4]> {
    let mid = |r: &Run| [(r.0[0] + r.1[0]) / 2.0, (r.0[1] + r.1[1]) / 2.0];
    let cx = runs.iter().map(|r| mid(r)[0]).sum::<f32>() / 4.0;
    let cy = runs.iter().map(|r| mid(r)[1]).sum::<f32>() / 4.0;
    // Each run's angle around the centre worked out once, not at every
    // comparison: this is tried for hundreds of fours a frame.
    let mut around = runs.map(|r| {
        let m = mid(&r);
        ((m[1] - cy).atan2(m[0] - cx), r)
    });
    around.sort_by(|a, b| a.0.total_cmp(&b.0));
    let runs = around.map(|(_, r)| r);
    let unit = |r: &Run| [(r.1[0] - r.0[0]) / r.2, (r.1[1] - r.0[1]) / r.2];
    let mut quad = [[0f32; 2]; 4];
    for i in 0..4 {
        let (r1, r2) = (&runs[(i + 3) % 4], &runs[i]);
        let (u1, u2) = (unit(r1), unit(r2));
        // Neighbouring sides meet at 55° to 125°.
        let cos = (u1[0] * u2[0] + u1[1] * u2[1]).abs();
        if cos > 0.57 {
            return None;
        }
        // Where the two runs' lines cross.
        let det = u1[0] * u2[1] - u1[1] * u2[0];
        let (dx, dy) = (r2.0[0] - r1.0[0], r2.0[1] - r1.0[1]);
        let t = (dx * u2[1] - dy * u2[0]) / det;
        quad[i] = [r1.0[0] + t * u1[0], r1.0[1] + t * u1[1]];
        let margin = 2.0 * BORDER;
        if quad[i][0] < -margin
            || quad[i][1] < -margin
            || quad[i][0] > w as f32 - 1.0 + margin
            || quad[i][1] > h as f32 - 1.0 + margin
        {
            return None;
        }
    }
    // Opposite sides within 35° of parallel (perspective), and each run on
    // its side, no longer than it (the edges along the whole side are
    // checked afterwards).
    for i in 0..2 {
        let (u1, u2) = (unit(&runs[i]), unit(&runs[i + 2]));
        if (u1[0] * u2[0] + u1[1] * u2[1]).abs() < 0.82 {
            return None;
        }
    }
    for (i, run) in runs.iter().enumerate() {
        // Side i runs from corner i to corner i + 1; the frame's border
        // goes on beyond a cut-off card's.
        let side = dist(quad[i], quad[(i + 1) % 4]);
        let border = super::border_line(run.0, run.1, w, h).is_some();
        if run.2 < 0.1 * side || (run.2 > 1.1 * side && !border) {
            return None;
        }
    }
    // Clockwise or not, as a convex polygon: every turn the same way.
    let turns: Vec<f32> = (0..4)
        .map(|i| {
            let (a, b, c) = (quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]);
            (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        })
        .collect();
    if !(turns.iter().all(|t| *t > 0.0) || turns.iter().all(|t| *t < 0.0)) {
        return None;
    }
    Some(quad.map(|[x, y]| [x.clamp(0.0, w as f32 - 1.0), y.clamp(0.0, h as f32 - 1.0)]))
}
