//! The fallback for a card whose border joins the edges behind it (a cup's
//! rim, a shoulder): the joined contour's hull is not the card, but its
//! longest straight runs, taken four at a time, can be the card's sides.

use imageproc::geometry;
use imageproc::point::Point;

use super::{dist, shoelace, BORDER, MIN_AREA};

/// The shortest straight run of a contour that can be a document's side, as
/// a share of the frame's long side, and how many of the longest are tried.
const MIN_RUN: f32 = 0.06;
const MAX_RUNS: usize = 10;

/// The largest plausible quadrilateral whose four sides are straight runs
/// of `points` (a contour): the contour simplified to a polygon, its long
/// edges taken four at a time, each four's lines met at the corners.
pub(super) fn quadrilateral(
    points: &[Point<i32>],
    w: usize,
    h: usize,
    fits: impl Fn(&[[f32; 2]; 4]) -> bool,
) -> Option<[[f32; 2]; 4]> {
    let polygon = geometry::approximate_polygon_dp(points, 2.0, true);
    let n = polygon.len();
    let min_len = MIN_RUN * w.max(h) as f32;
    let mut runs: Vec<([f32; 2], [f32; 2], f32)> = (0..n)
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % n]);
            let (a, b) = ([a.x as f32, a.y as f32], [b.x as f32, b.y as f32]);
            (a, b, dist(a, b))
        })
        .filter(|r| r.2 >= min_len)
        .collect();
    if runs.len() < 4 {
        return None;
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    runs.truncate(MAX_RUNS);
    let frame_area = (w * h) as f32;
    let mut best: Option<([[f32; 2]; 4], f32)> = None;
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
                    if area < MIN_AREA as f32 * frame_area
                        || best.as_ref().is_some_and(|(_, b)| *b >= area)
                        || !fits(&quad)
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

/// The quadrilateral four straight runs are the sides of: the runs ordered
/// around their common centre, neighbours roughly square to each other and
/// each run lying along its side. `None` when they are not such four.
fn quad_of_runs(
    mut runs: [([f32; 2], [f32; 2], f32); 4],
    w: usize,
    h: usize,
) -> Option<[[f32; 2]; 4]> {
    let mid = |r: &([f32; 2], [f32; 2], f32)| [(r.0[0] + r.1[0]) / 2.0, (r.0[1] + r.1[1]) / 2.0];
    let cx = runs.iter().map(|r| mid(r)[0]).sum::<f32>() / 4.0;
    let cy = runs.iter().map(|r| mid(r)[1]).sum::<f32>() / 4.0;
    runs.sort_by(|a, b| {
        let (ma, mb) = (mid(a), mid(b));
        (ma[1] - cy)
            .atan2(ma[0] - cx)
            .total_cmp(&(mb[1] - cy).atan2(mb[0] - cx))
    });
    let unit = |r: &([f32; 2], [f32; 2], f32)| [(r.1[0] - r.0[0]) / r.2, (r.1[1] - r.0[1]) / r.2];
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
        // Side i runs from corner i to corner i + 1.
        let side = dist(quad[i], quad[(i + 1) % 4]);
        if run.2 < 0.1 * side || run.2 > 1.1 * side {
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
