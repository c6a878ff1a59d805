use imageproc::geometry::convex_hull;
use imageproc::point::Point;
use rand::{Rng, SeedableRng};

use super::row_ends;

/// The hull from each row's two ends is the hull of all the points: same
/// corners, same order, same first corner (what the largest quadrilateral
/// is then looked for among).
#[test]
fn a_contours_hull_is_found_from_its_row_ends() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for case in 0..500 {
        let n = rng.random_range(3..2_000);
        let (cx, cy) = (rng.random_range(0..640), rng.random_range(0..360));
        let spread = rng.random_range(1..200);
        let points: Vec<Point<i32>> = (0..n)
            .map(|i| {
                // Clouds, and walks along a card's border with its corners
                // and straight runs (many points on one row or column).
                if case % 2 == 0 {
                    Point::new(
                        cx + rng.random_range(-spread..=spread),
                        cy + rng.random_range(-spread..=spread),
                    )
                } else {
                    let side = i % 4;
                    let t = rng.random_range(0..=spread);
                    match side {
                        0 => Point::new(cx + t, cy),
                        1 => Point::new(cx + spread, cy + t / 2),
                        2 => Point::new(cx + t, cy + spread / 2),
                        _ => Point::new(cx, cy + t / 2),
                    }
                }
            })
            .collect();
        let y0 = points.iter().map(|p| p.y).min().unwrap();
        let y1 = points.iter().map(|p| p.y).max().unwrap();
        let ends = row_ends(&points, y0, y1);
        assert!(ends.len() <= 2 * (y1 - y0 + 1) as usize);
        assert_eq!(
            convex_hull(ends),
            convex_hull(points.clone()),
            "case {case}: {} points",
            points.len()
        );
    }
}
