//! Finding the document in a frame: its four corners, from the edges of the
//! analysis-size image of the brightest colour channel (Canny, contours, the
//! convex hull's largest quadrilateral, a line fitted to each side; failing
//! that, the contour's straight runs, in `runs`), with the darkest channel
//! and blue against yellow added when that finds nothing that looks like a
//! document (and there, failing all else, the straight runs of all contours
//! together), and what they say about the framing.

mod hull;
mod runs;
mod sides;
#[cfg(test)]
mod tests;
mod trace;

use super::edges::{canny, dilate_3x3};
use super::grey;
use hull::{hull_of_row_ends, quadrilateral, refine, row_ends, shoelace};
use image::GrayImage;
use imageproc::geometry;
use imageproc::point::Point;
use serde::Serialize;

/// The documents the kiosk photographs, by their physical size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// ID-1: identity cards, driving licences, residence permits (85.6 × 54 mm).
    Id1,
    /// A passport's data page (ID-3, 125 × 88 mm).
    Passport,
}

impl Format {
    /// Long and short side in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Self::Id1 => (85.6, 54.0),
            Self::Passport => (125.0, 88.0),
        }
    }

    /// Long side over short side.
    pub fn aspect(self) -> f32 {
        let (l, s) = self.size_mm();
        l / s
    }
}

/// A document found in a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outline {
    /// Corners in the frame's pixels, clockwise from the document's top-left
    /// (the top being a long side).
    pub corners: [[f32; 2]; 4],
    pub format: Format,
    /// Share of the frame the document covers.
    pub fill_fraction: f32,
    /// The document's width in pixels over its physical width in inches.
    pub effective_dpi: f32,
    /// How far the document leans away from the camera: the larger relative
    /// difference between opposite sides (0 when seen head-on).
    pub perspective: f32,
    /// A corner lies on or near the frame's edge, or a side is the frame's own.
    pub cut_off: bool,
}

/// Edge thresholds on the gradient magnitude (|gx| + |gy| of the Sobel
/// operator after a σ ≈ 1 blur, at most 2,040): a card against a desk makes
/// edges of 300 and more; wood grain, fabric and sensor noise stay under the
/// low one. Tuned on the labelled set (`capture::labelled`).
const CANNY_LOW: u16 = 80;
const CANNY_HIGH: u16 = 200;
/// The smallest document considered, as a share of the frame.
const MIN_AREA: f64 = 0.03;
/// Analysis pixels from the frame's border within which a corner counts as cut off.
const BORDER: f32 = 3.0;
/// Long over short side, allowing for perspective, of what can be a document.
const ASPECT: (f32, f32) = (1.15, 2.0);
/// The most elongated visible part of a cut-off document: a card pushed a
/// third of the way out of the frame shows 1.1 to 2.4; a column of bricks
/// from the top of the frame to its bottom is 20.
const MAX_CUT_OFF_ASPECT: f32 = 4.0;
/// How far from its format's proportions an outline found in the brightest
/// channel may be and still be taken without looking at the other channels
/// (see [`proportion_error`]).
const PROPORTION_TOLERANCE: f32 = 0.08;
/// How far (analysis pixels) each end of a found side may move across it
/// to lie on the document's border.
const SNAP_REACH: i32 = 8;
/// How far from a side's line (analysis pixels) the edge pixels it is
/// then fitted to lie: the widened edge is 3 wide.
const SNAP_BAND: f32 = 3.0;
/// A quadrilateral in the analysis image's pixels.
type Quad = [[f32; 2]; 4];

/// Finds the document in an analysis-size image of the brightest channel
/// (`value`, `w` × `h`: max(R, G, B) keeps the colour edges luma loses, a
/// blue band on a brown desk), in that image's coordinates; `scale`
/// converts them to the frame's pixels.
pub fn find(value: &[u8], w: usize, h: usize, scale: f32) -> Option<Outline> {
    if w < 16 || h < 16 || value.len() < w * h {
        return None;
    }
    let edges = edges_of(&[value], w, h)?;
    let quad = find_at(&edges, false).or_else(|| find_at_half(value, w, h))?;
    Some(describe(snap(quad, &edges), w, h, scale))
}

/// The analysis-size planes of a frame the document is looked for in, kept
/// between frames.
#[derive(Default)]
pub struct Planes {
    brightest: Vec<u8>,
    darkest: Vec<u8>,
    blue_yellow: Vec<u8>,
}

impl Planes {
    /// The brightest channel, the darkest and blue against yellow, for
    /// [`find_in_planes`]: as [`grey::planes_downscaled`] makes them.
    pub fn all_mut(&mut self) -> [&mut Vec<u8>; 3] {
        [
            &mut self.brightest,
            &mut self.darkest,
            &mut self.blue_yellow,
        ]
    }
}

/// Finds the document in an interleaved RGB frame (`width` × `height`),
/// looked for at 1/`factor` of its size, in frame pixels: the frame's
/// planes read, then [`find_in_planes`].
pub fn find_in_frame(
    rgb: &[u8],
    width: usize,
    height: usize,
    factor: usize,
    planes: &mut Planes,
) -> Option<Outline> {
    grey::planes_downscaled(rgb, width, height, factor, planes.all_mut());
    find_in_planes(width, height, factor, planes, Shape::Exact)
}

/// How much of a document's outline is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Its four corners as they are: a document slot draws them, judges the
    /// document inside them and cuts it out along them.
    Exact,
    /// Where it is: a selfie needs the document beside the face, whole, and
    /// tells its portrait from the person. A shape the brightest channel
    /// shows is then taken as it is, even with proportions off a
    /// document's (the card's body without its band): the other planes
    /// could only give it a better shape, never take it away.
    Whereabouts,
}

/// Finds the document in a frame (`width` × `height`) from its `planes`
/// at 1/`factor` of its size, in frame pixels. First in the brightest
/// channel; when that shows none, or a shape whose proportions are not a
/// document's, with the edges of the darkest channel and of blue against
/// yellow too. A card's blue band against a white cup hardly changes
/// max(R, G, B), so the brightest channel finds only the card's body below
/// the band, but min(R, G, B) drops by half; against a red saucer or a
/// brown desk of the same brightness only blue against yellow changes.
/// (All of them at once, always, find more cards, but also more shapes on
/// empty desks.)
pub fn find_in_planes(
    width: usize,
    height: usize,
    factor: usize,
    planes: &Planes,
    shape: Shape,
) -> Option<Outline> {
    let (w, h) = (width / factor.max(1), height / factor.max(1));
    let read = [&planes.brightest, &planes.darkest, &planes.blue_yellow];
    if w < 16 || h < 16 || read.iter().any(|p| p.len() != w * h) {
        return None;
    }
    let scale = width as f32 / w as f32;
    let brightest = edges_of(&[&planes.brightest], w, h)?;
    let first = find_at(&brightest, false).or_else(|| find_at_half(&planes.brightest, w, h));
    if first.is_some_and(|q| {
        shape == Shape::Whereabouts || proportion_error(&q) <= PROPORTION_TOLERANCE
    }) {
        return first.map(|q| describe(snap(q, &brightest), w, h, scale));
    }
    // The brightest channel's edges found once, kept. At full size only: at
    // half size too it cost a third more on an empty desk, found no more
    // cards and took two shapes for cards.
    let mut both = brightest;
    let others = edges_of(&[&planes.darkest, &planes.blue_yellow], w, h)?;
    for (e, d) in both.iter_mut().zip(others.iter()) {
        *e |= d;
    }
    let second = find_at(&both, true);
    let quad = match (first, second) {
        // The larger shape, when it is nearer a document's: the whole card
        // rather than its body without the band.
        (Some(f), Some(s))
            if area(&s) >= area(&f) && nearer_a_document(&s, &f, w, h, proportion_error) =>
        {
            s
        }
        (Some(f), _) => f,
        (None, s) => s?,
    };
    Some(describe(snap(quad, &both), w, h, scale))
}

/// How far an outline's long over short side is from its format's, as a
/// share (0.1 for 10 %). A card held flat in front of the camera is within
/// a few per cent; its body without a coloured band, 15 % and more.
fn proportion_error(quad: &Quad) -> f32 {
    aspect(quad).map_or(f32::MAX, |a| (a / format_of(a).aspect() - 1.0).abs())
}

/// The format whose proportions (long over short side) are nearer `aspect`.
fn format_of(aspect: f32) -> Format {
    if (aspect - Format::Id1.aspect()).abs() <= (aspect - Format::Passport.aspect()).abs() {
        Format::Id1
    } else {
        Format::Passport
    }
}

/// The same for a quadrilateral, from the nearer of the two formats.
fn proportion_off(quad: &[[f32; 2]; 4]) -> f32 {
    aspect(quad).map_or(f32::MAX, |a| {
        [Format::Id1, Format::Passport]
            .iter()
            .map(|f| (a / f.aspect() - 1.0).abs())
            .fold(f32::MAX, f32::min)
    })
}

/// A blurred frame (a moving hand, a camera still focusing) spreads the
/// card's border over several pixels: at half the size it is a step again.
fn find_at_half(value: &[u8], w: usize, h: usize) -> Option<Quad> {
    let mut half = Vec::new();
    let (hw, hh) = grey::downscale_into(value, w, h, 2, &mut half);
    let quad = find_at(&edges_of(&[&half], hw, hh)?, false)?;
    Some(quad.map(|[x, y]| [x * 2.0, y * 2.0]))
}

/// The Canny edges of `planes` (`w` × `h` each), together, widened by a
/// pixel to close the small gaps glare and rounded corners leave in a
/// card's border.
fn edges_of(planes: &[&[u8]], w: usize, h: usize) -> Option<GrayImage> {
    let mut found = vec![0u8; w * h];
    for value in planes {
        for (e, f) in found
            .iter_mut()
            .zip(canny(value, w, h, CANNY_LOW, CANNY_HIGH))
        {
            *e |= f;
        }
    }
    let mut edges = GrayImage::from_raw(w as u32, h as u32, found)?;
    dilate_3x3(&mut edges);
    Some(edges)
}

/// The document among `edges` (255 on an edge, see [`edges_of`]). With
/// `across_contours`, when no contour is a document or the best has not a
/// document's proportions (a card's body without its band), its sides are also
/// looked for among the straight runs of all contours together (a border
/// split where a hand and a strap touch it): on all the planes' edges only,
/// where it found more cards and tilts, and no more shapes on empty desks
/// (in every pass, it found fewer).
fn find_at(edges: &GrayImage, across_contours: bool) -> Option<Quad> {
    let (w, h) = (edges.width() as usize, edges.height() as usize);
    if w < 16 || h < 16 {
        return None;
    }
    let frame_area = (w * h) as f64;
    // Cut off, the visible part has any proportions.
    let fits = |quad: &[[f32; 2]; 4]| {
        sides::on_edges(quad, edges, w, h)
            && ((touches_border(quad, w, h)
                && aspect(quad).is_some_and(|a| a <= MAX_CUT_OFF_ASPECT))
                || plausible_aspect(quad))
    };
    let mut best: Option<([[f32; 2]; 4], f64)> = None;
    // Outer borders, and holes: a card whose border touches something
    // outside it (a hand, a head) still has a clean inner border.
    let contours = trace::borders(edges);
    for points in &contours {
        if points.len() < 40 {
            continue;
        }
        // Too small to be a document, whatever its shape: skipped before the hull.
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for p in points {
            (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
        }
        if (((x1 - x0) * (y1 - y0)) as f64) < MIN_AREA * frame_area {
            continue;
        }
        let hull = hull_of_row_ends(&row_ends(points, y0, y1));
        let area = geometry::contour_area(&hull);
        if area < MIN_AREA * frame_area || best.as_ref().is_some_and(|(_, a)| *a >= area) {
            continue;
        }
        let quad = quadrilateral(&hull)
            .and_then(|q| refine(q, points, w, h))
            .filter(fits)
            // The card's border joined to edges behind it (a cup's rim, a
            // shoulder): its hull is not the card's, but its sides are still
            // the contour's longest straight runs.
            .or_else(|| runs::quadrilateral(points, w, h, fits));
        let Some(quad) = quad else { continue };
        let area = geometry::contour_area(&to_points(&quad));
        if best.as_ref().is_none_or(|(_, a)| *a < area) {
            best = Some((quad, area));
        }
    }
    // Also tried when the contours' best is not a document's shape (the
    // card's body without its band), and then taken when larger and nearer.
    if across_contours
        && best
            .as_ref()
            .is_none_or(|(q, _)| proportion_off(q) > PROPORTION_TOLERANCE)
    {
        let pieces = contours
            .iter()
            .filter(|c| c.len() >= 40)
            .map(|c| c.as_slice());
        let strong = |quad: &Quad| sides::strongly_on_edges(quad, edges, w, h);
        let across = runs::quadrilateral_across(pieces, w, h, fits, strong)
            .map(|quad| (quad, geometry::contour_area(&to_points(&quad))));
        best = match (best, across) {
            (Some(b), Some(a))
                if a.1 >= b.1 && nearer_a_document(&a.0, &b.0, w, h, proportion_off) =>
            {
                Some(a)
            }
            (Some(b), _) => Some(b),
            (None, a) => a,
        };
    }
    best.map(|(quad, _)| quad)
}

/// Whether the shape `a` is nearer a document's than `b`: its proportions
/// nearer a format's (by `off`), or, when both are cut off by the frame's
/// border, whatever their proportions. The visible part of a card has any:
/// a printed box on a card pushed out at the top (1.3 times as wide as
/// high) is nearer a card's 1.59 than the card's own visible part (2.6).
fn nearer_a_document(a: &Quad, b: &Quad, w: usize, h: usize, off: fn(&Quad) -> f32) -> bool {
    off(a) < off(b) || (touches_border(a, w, h) && touches_border(b, w, h))
}

/// The outline a quadrilateral of the analysis image (`w` × `h`) makes in
/// the frame, `scale` times larger.
fn describe(quad: Quad, w: usize, h: usize, scale: f32) -> Outline {
    let quad = clockwise_from_top_left(quad);
    let cut_off = touches_border(&quad, w, h);
    let (top, right, bottom, left) = (
        dist(quad[0], quad[1]),
        dist(quad[1], quad[2]),
        dist(quad[2], quad[3]),
        dist(quad[3], quad[0]),
    );
    let (long, short) = ((top + bottom) / 2.0, (left + right) / 2.0);
    let format = format_of(long / short.max(1.0));
    let perspective = (1.0 - top.min(bottom) / top.max(bottom).max(1e-3))
        .max(1.0 - left.min(right) / left.max(right).max(1e-3));
    let width_inches = format.size_mm().0 / 25.4;
    Outline {
        corners: quad.map(|[x, y]| [x * scale, y * scale]),
        format,
        fill_fraction: (area(&quad) / (w * h) as f64) as f32,
        effective_dpi: long * scale / width_inches,
        perspective,
        cut_off,
    }
}

fn area(quad: &Quad) -> f64 {
    geometry::contour_area(&to_points(quad))
}

/// The document's sides moved onto the edges they were found near, and
/// their lines fitted to them: a side found from a short piece of itself
/// (the rest faint against a pale sky, or another object's edge taken for
/// part of it) leans, and a corner from the hull's row ends lies a pixel or
/// two outside the border. The quadrilateral as found when the fitted one
/// leaves its edges or crosses the frame's border.
fn snap(quad: Quad, edges: &GrayImage) -> Quad {
    let (w, h) = (edges.width() as usize, edges.height() as usize);
    // Looked for on the edges widened once more, as `sides::on_edges` looks
    // a pixel beside them: a side a pixel or two off its edge along part of
    // its length is on it.
    let mut wide = edges.clone();
    dilate_3x3(&mut wide);
    let moved = sides::leaning_less(&quad, &wide, SNAP_REACH);
    refine(moved, &edge_points_near(&moved, edges), w, h)
        .filter(|q| {
            touches_border(q, w, h) == touches_border(&quad, w, h)
                && sides::on_edges(q, edges, w, h)
        })
        .unwrap_or(quad)
}

/// The edge pixels within [`SNAP_BAND`] of a side's line, inside the
/// quadrilateral's bounds.
fn edge_points_near(quad: &Quad, edges: &GrayImage) -> Vec<Point<i32>> {
    let (w, h) = (edges.width() as usize, edges.height() as usize);
    let bound =
        |i: usize, of: fn(f32, f32) -> f32, start: f32| quad.iter().map(|p| p[i]).fold(start, of);
    let margin = SNAP_BAND + 1.0;
    let x0 = (bound(0, f32::min, f32::MAX) - margin).max(0.0) as usize;
    let y0 = (bound(1, f32::min, f32::MAX) - margin).max(0.0) as usize;
    let x1 = ((bound(0, f32::max, f32::MIN) + margin) as usize).min(w - 1);
    let y1 = ((bound(1, f32::max, f32::MIN) + margin) as usize).min(h - 1);
    // Each side as n·p = c, n of unit length.
    let lines = (0..4).map(|i| {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let len = dist(a, b).max(1e-3);
        let n = [(b[1] - a[1]) / len, -(b[0] - a[0]) / len];
        (n, n[0] * a[0] + n[1] * a[1])
    });
    let lines: Vec<_> = lines.collect();
    let raw = edges.as_raw();
    let mut points = Vec::new();
    for y in y0..=y1 {
        for x in x0..=x1 {
            if raw[y * w + x] == 0 {
                continue;
            }
            let (px, py) = (x as f32, y as f32);
            if lines
                .iter()
                .any(|(n, c)| (n[0] * px + n[1] * py - c).abs() < SNAP_BAND)
            {
                points.push(Point::new(x as i32, y as i32));
            }
        }
    }
    points
}

/// A picture cropped to the document (a scan): the whole picture as the
/// document, when its proportions are those of a card or a passport page
/// (within 8 %, either way up).
pub fn whole_picture(width: u32, height: u32) -> Option<Outline> {
    let (long, short) = (width.max(height) as f32, width.min(height).max(1) as f32);
    let aspect = long / short;
    let format = [Format::Id1, Format::Passport]
        .into_iter()
        .find(|f| (aspect / f.aspect() - 1.0).abs() <= 0.08)?;
    let (w, h) = (width as f32 - 1.0, height as f32 - 1.0);
    let corners = if width >= height {
        [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]
    } else {
        // Upright: the long side on the left is the top.
        [[0.0, h], [0.0, 0.0], [w, 0.0], [w, h]]
    };
    Some(Outline {
        corners,
        format,
        fill_fraction: 1.0,
        effective_dpi: long / (format.size_mm().0 / 25.4),
        perspective: 0.0,
        cut_off: false,
    })
}

/// The frame's border as a line `[nx, ny, c]` (nx·x + ny·y = c), when the
/// side from `a` to `b` runs along it.
fn border_line(a: [f32; 2], b: [f32; 2], w: usize, h: usize) -> Option<[f32; 3]> {
    let (xmax, ymax) = (w as f32 - 1.0, h as f32 - 1.0);
    if a[0] < BORDER && b[0] < BORDER {
        Some([1.0, 0.0, 0.0])
    } else if a[0] > xmax - BORDER && b[0] > xmax - BORDER {
        Some([1.0, 0.0, xmax])
    } else if a[1] < BORDER && b[1] < BORDER {
        Some([0.0, 1.0, 0.0])
    } else if a[1] > ymax - BORDER && b[1] > ymax - BORDER {
        Some([0.0, 1.0, ymax])
    } else {
        None
    }
}

/// Whether a corner lies on or near the frame's edge.
fn touches_border(quad: &[[f32; 2]; 4], w: usize, h: usize) -> bool {
    let (xmax, ymax) = (w as f32 - 1.0 - BORDER, h as f32 - 1.0 - BORDER);
    quad.iter()
        .any(|[x, y]| *x < BORDER || *y < BORDER || *x > xmax || *y > ymax)
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn to_points(quad: &[[f32; 2]; 4]) -> Vec<Point<f32>> {
    quad.iter().map(|[x, y]| Point::new(*x, *y)).collect()
}

fn plausible_aspect(quad: &[[f32; 2]; 4]) -> bool {
    aspect(quad).is_some_and(|a| a >= ASPECT.0 && a <= ASPECT.1)
}

/// Long over short side (each the mean of two opposite sides), or `None`
/// for a sliver.
fn aspect(quad: &[[f32; 2]; 4]) -> Option<f32> {
    let a = (dist(quad[0], quad[1]) + dist(quad[2], quad[3])) / 2.0;
    let b = (dist(quad[1], quad[2]) + dist(quad[3], quad[0])) / 2.0;
    let (long, short) = (a.max(b), a.min(b));
    (short >= 8.0).then(|| long / short)
}

/// The corners clockwise on screen (y grows downwards), starting at the
/// top-left one: the first side is the upper of the two long sides.
fn clockwise_from_top_left(quad: [[f32; 2]; 4]) -> [[f32; 2]; 4] {
    let cx = quad.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = quad.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    let mut q = quad;
    q.sort_by(|a, b| {
        let (ta, tb) = ((a[1] - cy).atan2(a[0] - cx), (b[1] - cy).atan2(b[0] - cx));
        ta.total_cmp(&tb)
    });
    // Long sides first: 0→1 and 2→3.
    if dist(q[1], q[2]) + dist(q[3], q[0]) > dist(q[0], q[1]) + dist(q[2], q[3]) {
        q.rotate_left(1);
    }
    // The upper long side first.
    if q[2][1] + q[3][1] < q[0][1] + q[1][1] {
        q.rotate_left(2);
    }
    q
}

/// Rows of the quadrilateral, shrunk towards its centre by `shrink` (0–1),
/// as (y, first x, last x) in the analysis image, for measuring inside it.
pub fn spans(quad: &[[f32; 2]; 4], shrink: f32, w: usize, h: usize) -> Vec<(usize, usize, usize)> {
    let cx = quad.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = quad.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    let q = quad.map(|[x, y]| {
        [
            cx + (x - cx) * (1.0 - shrink),
            cy + (y - cy) * (1.0 - shrink),
        ]
    });
    let top = q
        .iter()
        .map(|p| p[1])
        .fold(f32::MAX, f32::min)
        .max(0.0)
        .ceil() as usize;
    let bottom = q
        .iter()
        .map(|p| p[1])
        .fold(f32::MIN, f32::max)
        .min(h as f32 - 1.0)
        .floor();
    if bottom < 0.0 {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for y in top..=bottom as usize {
        let yf = y as f32 + 0.5;
        let mut xs = [f32::MAX, f32::MIN];
        for i in 0..4 {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            if (a[1] <= yf) != (b[1] <= yf) {
                let x = a[0] + (yf - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                xs = [xs[0].min(x), xs[1].max(x)];
            }
        }
        if xs[0] > xs[1] {
            continue;
        }
        let x0 = xs[0].max(0.0).ceil() as usize;
        let x1 = xs[1].min(w as f32 - 1.0).floor();
        if x1 >= 0.0 && x0 <= x1 as usize {
            rows.push((y, x0, x1 as usize));
        }
    }
    rows
}
