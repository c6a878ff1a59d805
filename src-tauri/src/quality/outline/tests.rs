use imageproc::geometry::convex_hull;
use imageproc::point::Point;
use rand::{Rng, SeedableRng};

use super::hull::hull_of_row_ends;
use super::runs::{joined, Run};
use super::{describe, find_at, row_ends};

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
        let hull = convex_hull(points.clone());
        assert!(hull.len() >= 3 || spread < 3, "case {case}: {hull:?}");
        assert_eq!(
            hull_of_row_ends(&ends),
            hull,
            "case {case}: {} points, in linear time",
            points.len()
        );
        assert_eq!(
            convex_hull(ends),
            hull,
            "case {case}: {} points",
            points.len()
        );
    }
}

/// The same on the borders the outline search traces on busy photographs
/// (bricks, gravel, a person) with a card and without: every contour large
/// enough to be looked at.
#[test]
fn the_hull_of_traced_borders_is_found_in_linear_time() {
    let mut compared = 0;
    for (case, _) in crate::capture::labelled::photo_set(640, 360, 6) {
        let mut value = Vec::new();
        let (w, h) =
            crate::quality::grey::value_downscaled(&case.render(), 640, 360, 1, &mut value);
        let edges = super::edges_of(&[&value], w, h).expect("edges");
        for points in super::trace::borders(&edges)
            .iter()
            .filter(|c| c.len() >= 40)
        {
            let y0 = points.iter().map(|p| p.y).min().unwrap();
            let y1 = points.iter().map(|p| p.y).max().unwrap();
            let ends = row_ends(points, y0, y1);
            assert_eq!(hull_of_row_ends(&ends), convex_hull(points.clone()));
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared} contours");
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
    let mut edges = image::GrayImage::from_raw(w as u32, h as u32, edges).expect("the size");
    crate::quality::edges::dilate_3x3(&mut edges);
    assert_eq!(find_at(&edges, false), None);
    let quad = find_at(&edges, true).expect("the card, across its two halves");
    let found = describe(quad, w, h, 1.0);
    for (c, want) in found.corners.iter().zip(corners) {
        assert!((c[0] - want[0]).hypot(c[1] - want[1]) < 2.5, "{found:?}");
    }
    assert!(
        !found.cut_off && found.format == super::Format::Id1,
        "{found:?}"
    );
}

/// The edges of a quadrilateral's border, dilated as the search's are, with
/// side `i` drawn only from its start to `drawn[i]` of its length.
fn border_edges(w: usize, h: usize, corners: &[[f32; 2]; 4], drawn: [f32; 4]) -> image::GrayImage {
    let mut edges = image::GrayImage::new(w as u32, h as u32);
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        let steps = 2000;
        for s in 0..=steps {
            let t = s as f32 / steps as f32;
            if t > drawn[i] {
                break;
            }
            let (x, y) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
            edges.put_pixel(x.round() as u32, y.round() as u32, image::Luma([255]));
        }
    }
    crate::quality::edges::dilate_3x3(&mut edges);
    edges
}

/// An ID-1 card's outline, 320 pixels wide, turned a little, in a 640 × 360 image.
const CARD: [[f32; 2]; 4] = [
    [160.0, 90.0],
    [478.0, 110.0],
    [466.0, 311.0],
    [148.0, 291.0],
];

/// A white card against a pale sky loses part of one side: with the other
/// three whole and a card's shape, 45 % of it is enough. Not two such
/// sides, not 30 %, and not for a shape no document has.
#[test]
fn one_faint_side_is_enough_only_beside_three_whole_ones() {
    let (w, h) = (640, 360);
    let on = |corners: &[[f32; 2]; 4], drawn| {
        super::sides::on_edges(corners, &border_edges(w, h, corners, drawn), w, h)
    };
    assert!(on(&CARD, [1.0; 4]));
    assert!(on(&CARD, [0.45, 1.0, 1.0, 1.0]));
    assert!(on(&CARD, [1.0, 1.0, 0.45, 1.0]));
    assert!(!on(&CARD, [0.45, 1.0, 0.45, 1.0]));
    assert!(!on(&CARD, [0.3, 1.0, 1.0, 1.0]));
    // A square: whole, it lies on its edges; with a faint side, no.
    let square = [[200.0, 80.0], [400.0, 80.0], [400.0, 280.0], [200.0, 280.0]];
    assert!(on(&square, [1.0; 4]));
    assert!(!on(&square, [0.45, 1.0, 1.0, 1.0]));
}

/// A side found from a short piece leans: its far end 7 pixels off the
/// card's border. Moved, its corners come onto the edge (within its width,
/// the nearest line that lies on it all along is taken); fitted to the
/// edge's pixels after that, onto the card's corners, within a pixel. A
/// side 7 pixels off along its whole length too. Sides already on the
/// border stay where they are.
#[test]
fn a_leaning_side_is_moved_onto_the_border() {
    let (w, h) = (640, 360);
    let edges = border_edges(w, h, &CARD, [1.0; 4]);
    let error = |q: &[[f32; 2]; 4]| {
        q.iter()
            .zip(&CARD)
            .map(|(a, b)| (a[0] - b[0]).hypot(a[1] - b[1]))
            .fold(0f32, f32::max)
    };
    let mut leaning = CARD;
    leaning[1][1] -= 7.0;
    let mut shifted = CARD;
    shifted[2][0] += 7.0;
    shifted[3][0] += 7.0;
    for found in [leaning, shifted] {
        assert!(error(&found) >= 7.0);
        let moved = super::sides::leaning_less(&found, &edges, super::SNAP_REACH);
        assert!(error(&moved) < 2.5, "{moved:?}");
        let snapped = super::snap(found, &edges);
        assert!(error(&snapped) < 1.0, "{snapped:?}");
    }
    let moved = super::sides::leaning_less(&CARD, &edges, super::SNAP_REACH);
    assert!(error(&moved) < 0.5, "{moved:?}");
}

/// A card pushed a quarter out of the frame's left side, held by a strap,
/// leaves three sides joined to the strap's edge, and the frame's border:
/// found from them, cut off, its visible corners where they are. A tall strip of paper against the same border (its
/// sides in the frame four times its width apart, no document's part) is
/// not taken for one.
#[test]
fn a_card_pushed_out_of_the_frame_is_found_with_the_border_for_a_side() {
    let (w, h) = (640usize, 360usize);
    let edges_of_three = |corners: &[[f32; 2]; 4]| {
        // Side 3 (from the last corner to the first) is the frame's border.
        border_edges(w, h, corners, [1.0, 1.0, 1.0, 0.0])
    };
    let card = [[0.0, 60.0], [250.0, 70.0], [244.0, 282.0], [0.0, 276.0]];
    let mut edges = edges_of_three(&card);
    // A strap from the card's right side to the frame's corner joins its
    // border to more: the contour's hull is not the card's.
    for s in 0..=1000 {
        let t = s as f32 / 1000.0;
        let (x, y) = (247.0 + 392.0 * t, 176.0 + 183.0 * t);
        edges.put_pixel(x as u32, y as u32, image::Luma([255]));
    }
    let quad = find_at(&edges, true).expect("the visible part of the card");
    let found = describe(quad, w, h, 1.0);
    assert!(found.cut_off, "{found:?}");
    for want in card {
        let nearest = found
            .corners
            .iter()
            .map(|c| (c[0] - want[0]).hypot(c[1] - want[1]))
            .fold(f32::MAX, f32::min);
        assert!(nearest < 2.5, "{want:?} in {found:?}");
    }
    let strip = [[0.0, 20.0], [60.0, 20.0], [60.0, 340.0], [0.0, 340.0]];
    assert_eq!(find_at(&edges_of_three(&strip), true), None);
}

/// What can be the visible part of a document pushed out of the frame:
/// from half of it to all of it, either way round.
#[test]
fn the_part_of_a_document_in_the_frame_is_half_of_it_or_more() {
    let (w, h) = (640usize, 360usize);
    // The border on the left; the side facing it, 200 long; the two
    // meeting the border, `seen` long.
    let part = |seen: f32| [[0.0, 80.0], [seen, 80.0], [seen, 280.0], [0.0, 280.0]];
    // Half an ID-1 card's short side against its long side, and its whole
    // long side against its short side: 0.32 and 1.59 of the side.
    for seen in [64.0, 200.0, 317.0] {
        assert!(super::runs::part_of_a_document(&part(seen), w, h), "{seen}");
    }
    for seen in [50.0, 380.0] {
        assert!(
            !super::runs::part_of_a_document(&part(seen), w, h),
            "{seen}"
        );
    }
    // Not against the border: not a part.
    let inside = [[10.0, 80.0], [200.0, 80.0], [200.0, 280.0], [10.0, 280.0]];
    assert!(!super::runs::part_of_a_document(&inside, w, h));
}

/// The borders traced are imageproc's contours, point for point and in the
/// same order: on the edges of labelled frames (photographs and drawn
/// backdrops, with and without a card, cut off at the frame's border), on
/// random speckle touching every side of the image, and on images a pixel
/// or two wide.
#[test]
fn the_traced_borders_are_imageprocs_contours() {
    use crate::capture::labelled;
    use imageproc::contours::find_contours;

    let same = |edges: &image::GrayImage, what: &str| {
        let theirs: Vec<Vec<Point<i32>>> = find_contours::<i32>(edges)
            .into_iter()
            .map(|c| c.points)
            .collect();
        let ours = super::trace::borders(edges);
        assert_eq!(ours.len(), theirs.len(), "{what}: number of borders");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a, b, "{what}: border {i}");
        }
        theirs.len()
    };
    let mut frames = labelled::photo_set(640, 360, 3);
    frames.extend(labelled::set(640, 360, 2));
    let mut traced = 0;
    for (case, truth) in &frames {
        let rgb = case.render();
        let mut value = Vec::new();
        let (w, h) = super::grey::value_downscaled(&rgb, 640, 360, 1, &mut value);
        let edges = super::edges_of(&[&value], w, h).expect("edges");
        traced += same(&edges, &format!("{truth:?} seed {}", case.seed));
    }
    assert!(traced > 1_000, "{traced} borders: frames without edges");
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    for (w, h) in [(1, 1), (1, 7), (7, 1), (2, 2), (3, 5), (64, 48), (200, 120)] {
        for density in [0.05, 0.3, 0.6] {
            let pixels = (0..w * h)
                .map(|_| if rng.random_bool(density) { 255 } else { 0 })
                .collect();
            let speckle = image::GrayImage::from_raw(w, h, pixels).unwrap();
            same(&speckle, &format!("speckle {w}x{h} at {density}"));
        }
    }
}
