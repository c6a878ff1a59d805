//! A document's corners from a contour's convex hull: the four hull points
//! spanning the largest area, then a straight line fitted to each side.

use imageproc::point::Point;

use super::{border_line, dist};

/// The leftmost and rightmost of `points` on each row from `y0` to `y1`:
/// the only ones that can be corners of their convex hull, which is
/// therefore the same, found from a few hundred points instead of the
/// thousands of a long contour.
pub(super) fn row_ends(points: &[Point<i32>], y0: i32, y1: i32) -> Vec<Point<i32>> {
    let rows = (y1 - y0 + 1).max(0) as usize;
    let mut ends = vec![(i32::MAX, i32::MIN); rows];
    for p in points {
        let (left, right) = &mut ends[(p.y - y0) as usize];
        (*left, *right) = ((*left).min(p.x), (*right).max(p.x));
    }
    let mut kept = Vec::with_capacity(2 * rows);
    for (y, (left, right)) in (y0..).zip(ends) {
        if left <= right {
            kept.push(Point::new(left, y));
            if right != left {
                kept.push(Point::new(right, y));
            }
        }
    }
    kept
}

/// The convex hull of `ends`, the row ends [`row_ends`] gives (ordered by
/// row, then by column), in linear time: their order is already the one
/// Andrew's monotone chain sorts into. Its corners come as
/// `imageproc::geometry::convex_hull` gives them, from the topmost (then
/// leftmost) one, clockwise on screen, with no point on a side between
/// two corners. That function sorts the points by angle around the first,
/// which on a busy desk's many large contours was a tenth of the outline's
/// time.
pub(super) fn hull_of_row_ends(ends: &[Point<i32>]) -> Vec<Point<i32>> {
    if ends.len() < 3 {
        return ends.to_vec();
    }
    // Positive when o → a → b turns clockwise on screen (y grows downwards).
    let turn = |o: Point<i32>, a: Point<i32>, b: Point<i32>| {
        i64::from(a.x - o.x) * i64::from(b.y - o.y) - i64::from(a.y - o.y) * i64::from(b.x - o.x)
    };
    let mut hull: Vec<Point<i32>> = Vec::with_capacity(ends.len());
    // Down the right-hand side, then up the left-hand one.
    for pass in [true, false] {
        let start = hull.len();
        let mut push = |p: Point<i32>| {
            while hull.len() >= start + 2
                && turn(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0
            {
                hull.pop();
            }
            hull.push(p);
        };
        if pass {
            ends.iter().copied().for_each(&mut push);
        } else {
            ends.iter().rev().copied().for_each(&mut push);
        }
        // Each side's last point is the other's first.
        hull.pop();
    }
    hull
}

/// Four rough corners for a convex hull: the four of its points that span
/// the largest area.
pub(super) fn quadrilateral(hull: &[Point<i32>]) -> Option<[[f32; 2]; 4]> {
    // A long hull (a large, smooth shape) thinned to every n-th point: the
    // search for the largest quadrilateral grows with the fourth power.
    let step = hull.len().div_ceil(32).max(1);
    let pts: Vec<[f32; 2]> = hull
        .iter()
        .step_by(step)
        .map(|p| [p.x as f32, p.y as f32])
        .collect();
    if pts.len() < 4 {
        return None;
    }
    largest_quadrilateral(&pts)
}

/// Sharper corners for a rough quadrilateral: a straight line fitted to the
/// contour points along the middle of each side (away from rounded corners),
/// and the corners where neighbouring lines meet.
pub(super) fn refine(
    rough: [[f32; 2]; 4],
    points: &[Point<i32>],
    w: usize,
    h: usize,
) -> Option<[[f32; 2]; 4]> {
    let mut lines = [[0f32; 3]; 4];
    for (i, line) in lines.iter_mut().enumerate() {
        let (a, b) = (rough[i], rough[(i + 1) % 4]);
        let len = dist(a, b);
        if len < 4.0 {
            return None;
        }
        // A side along the frame's border is the border itself.
        let border = border_line(a, b, w, h);
        if let Some(border) = border {
            *line = border;
            continue;
        }
        let (dx, dy) = ((b[0] - a[0]) / len, (b[1] - a[1]) / len);
        // Points within a few pixels of the side's middle 70 %.
        let near: Vec<[f32; 2]> = points
            .iter()
            .map(|p| [p.x as f32, p.y as f32])
            .filter(|p| {
                let (px, py) = (p[0] - a[0], p[1] - a[1]);
                let along = px * dx + py * dy;
                let across = (px * dy - py * dx).abs();
                along > 0.15 * len && along < 0.85 * len && across < 4.0 + 0.03 * len
            })
            .collect();
        if near.len() < 5 {
            return None;
        }
        // Total least squares: the line through the mean along the main axis.
        let n = near.len() as f32;
        let (mx, my) = (
            near.iter().map(|p| p[0]).sum::<f32>() / n,
            near.iter().map(|p| p[1]).sum::<f32>() / n,
        );
        let (mut sxx, mut sxy, mut syy) = (0f32, 0f32, 0f32);
        for p in &near {
            let (x, y) = (p[0] - mx, p[1] - my);
            sxx += x * x;
            sxy += x * y;
            syy += y * y;
        }
        let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let (ux, uy) = (angle.cos(), angle.sin());
        // The line as nx·x + ny·y = c, its normal across the direction.
        let (nx, ny) = (-uy, ux);
        *line = [nx, ny, nx * mx + ny * my];
    }
    let mut quad = [[0f32; 2]; 4];
    for i in 0..4 {
        // Corner i joins side i-1 and side i.
        let (l1, l2) = (lines[(i + 3) % 4], lines[i]);
        let det = l1[0] * l2[1] - l1[1] * l2[0];
        if det.abs() < 1e-3 {
            return None;
        }
        quad[i] = [
            (l1[2] * l2[1] - l1[1] * l2[2]) / det,
            (l1[0] * l2[2] - l1[2] * l2[0]) / det,
        ];
        // A refined corner stays near the rough one.
        if dist(quad[i], rough[i])
            > 0.25 * dist(rough[i], rough[(i + 1) % 4]).min(dist(rough[i], rough[(i + 3) % 4]))
        {
            return None;
        }
    }
    Some(quad)
}

/// The four points (in hull order) spanning the largest area.
fn largest_quadrilateral(pts: &[[f32; 2]]) -> Option<[[f32; 2]; 4]> {
    let n = pts.len();
    let mut best = None;
    let mut best_area = 0.0;
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                for d in c + 1..n {
                    let q = [pts[a], pts[b], pts[c], pts[d]];
                    let area = shoelace(&q).abs();
                    if area > best_area {
                        best_area = area;
                        best = Some(q);
                    }
                }
            }
        }
    }
    best
}

pub(super) fn shoelace(q: &[[f32; 2]; 4]) -> f32 {
    (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f32>()
        / 2.0
}
