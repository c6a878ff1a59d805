use imageproc::geometry::convex_hull;
use imageproc::point::Point;
use rand::{Rng, SeedableRng};

use super::runs::{joined, Run};
use super::{find_at, row_ends};

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

/// Pieces of one line are joined across a gap a finger leaves, and across
/// the width of one dilated edge; a parallel line beside it and a piece
/// further along (the next brick in a row) stay apart.
#[test]
fn pieces_of_one_side_are_joined_and_others_kept_apart() {
    let run = |a: [f32; 2], b: [f32; 2]| -> Run { (a, b, (b[0] - a[0]).hypot(b[1] - a[1])) };
    // A side leaning at about 14°, in two pieces 30 pixels apart, the
    // shorter reversed and 3 pixels across (the dilated edge's other border).
    let (u, n) = ([0.97f32, 0.243], [-0.243f32, 0.97]);
    let at = |t: f32, off: f32| [100.0 + t * u[0] + off * n[0], 50.0 + t * u[1] + off * n[1]];
    let lines = joined(vec![
        run(at(0.0, 0.0), at(200.0, 0.0)),
        run(at(330.0, 3.0), at(230.0, 3.0)),
    ]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!((lines[0].2 - 330.0).abs() < 0.5, "{lines:?}");
    for (end, want) in [(lines[0].0, at(0.0, 0.0)), (lines[0].1, at(330.0, 0.0))] {
        assert!(
            (end[0] - want[0]).hypot(end[1] - want[1]) < 0.5,
            "{lines:?}"
        );
    }
    // 8 pixels beside it: another line. 60 pixels further along: another piece.
    for other in [
        run(at(230.0, 8.0), at(330.0, 8.0)),
        run(at(260.0, 0.0), at(360.0, 0.0)),
    ] {
        let lines = joined(vec![run(at(0.0, 0.0), at(200.0, 0.0)), other]);
        assert_eq!(lines.len(), 2, "{other:?} joined: {lines:?}");
    }
}

/// A card whose border is split in two (a gap in its top and its bottom
/// side, where fingers hold it) is no single contour: it is found from the
/// straight runs of both halves together, and only so.
#[test]
fn a_border_split_between_contours_is_found_across_them() {
    let (w, h) = (640usize, 360usize);
    let corners = [
        [150.0f32, 80.0],
        [467.0, 95.0],
        [458.0, 295.0],
        [141.0, 280.0],
    ];
    let mut edges = vec![0u8; w * h];
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        let steps = 2000;
        for s in 0..=steps {
            let t = s as f32 / steps as f32;
            // The gaps: 10 pixels in the middle of the top and bottom sides.
            if i % 2 == 0 && (t - 0.5).abs() < 5.0 / 317.0 {
                continue;
            }
            let (x, y) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
            edges[y.round() as usize * w + x.round() as usize] = 255;
        }
    }
    assert_eq!(find_at(edges.clone(), w, h, 1.0, false), None);
    let found = find_at(edges, w, h, 1.0, true).expect("the card, across its two halves");
    for (c, want) in found.corners.iter().zip(corners) {
        assert!((c[0] - want[0]).hypot(c[1] - want[1]) < 2.5, "{found:?}");
    }
    assert!(
        !found.cut_off && found.format == super::Format::Id1,
        "{found:?}"
    );
}
