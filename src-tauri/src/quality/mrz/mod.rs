//! The machine-readable zone: the two or three lines of monospace characters
//! across the bottom of a passport page or an identity card's back. It is
//! found on the de-warped document (the rows in its lower half whose
//! characters run across nearly its whole width) and judged on its own:
//! glare or blur there makes the service ask for the picture again even when
//! the rest of the document is clear. On a still, its characters are read
//! ([`read`]) and its check digits verified.

pub mod glyphs;
pub mod read;

/// Width of the de-warped document the zone is looked for in: the
/// characters are then 5 to 7 pixels wide.
pub const SEARCH_WIDTH: usize = 320;
/// A row belongs to the zone when this share of its blocks holds characters
/// (the zone runs across about 90 % of the width; other text is left-aligned
/// and shorter).
const MIN_COVERAGE: f32 = 0.82;
/// Blocks a row is split into to measure how far its characters run.
const BLOCKS: usize = 20;
/// A step in brightness this large between neighbours is a character's edge.
const EDGE: i16 = 30;
/// Brighter than any paper: glare.
const WASHED_OUT: u8 = 250;

/// The zone in the de-warped document: its first and last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub top: usize,
    pub bottom: usize,
}

/// How the zone looks, judged on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Share of it washed out by glare.
    pub glare: f64,
    /// Its own sharpness ([`sharpness`]).
    pub sharpness: f64,
}

/// Glare and sharpness of the document's machine-readable zone, when it has
/// one; the document is `quad` in `small`'s pixels.
pub fn look_on_document(
    small: &[u8],
    sw: usize,
    sh: usize,
    quad: &[[f32; 2]; 4],
    aspect: f32,
    luma: u8,
) -> Option<Look> {
    let dw = SEARCH_WIDTH;
    let (mut document, dh) = super::side::dewarp_to_width(small, sw, sh, quad, dw, aspect)?;
    let look = find(&document, dw, dh).map(|zone| Look {
        glare: glare(&document, dw, zone, luma),
        sharpness: sharpness(&document, dw, zone),
    });
    zeroize::Zeroize::zeroize(&mut document);
    look
}

/// How sharp the zone is: the variance of the Laplacian over its rows
/// (the same measure as the document's, at [`SEARCH_WIDTH`]).
pub fn sharpness(document: &[u8], width: usize, zone: Zone) -> f64 {
    let rows = &document[zone.top * width..(zone.bottom + 1) * width];
    super::grey::laplacian_variance(rows, width, zone.bottom + 1 - zone.top)
}

/// The zone in `document` (`width` × `height`, de-warped, grey), if its
/// lower half has one.
pub fn find(document: &[u8], width: usize, height: usize) -> Option<Zone> {
    if width < BLOCKS * 4 || height < 20 || document.len() < width * height {
        return None;
    }
    let block = width / BLOCKS;
    let covered = |y: usize| {
        let row = &document[y * width..(y + 1) * width];
        // A block holds characters, or glare has washed them out.
        let busy = (0..BLOCKS)
            .filter(|b| {
                let part = &row[b * block..((b + 1) * block).min(width - 1) + 1];
                let edges = part
                    .windows(2)
                    .filter(|p| (p[0] as i16 - p[1] as i16).abs() >= EDGE)
                    .count();
                let washed = part.iter().filter(|&&v| v >= WASHED_OUT).count();
                edges >= 2 || 2 * washed >= part.len()
            })
            .count();
        busy as f32 / BLOCKS as f32 >= MIN_COVERAGE
    };
    let rows: Vec<usize> = (height * 45 / 100..height)
        .filter(|&y| covered(y))
        .collect();
    let (&top, &bottom) = (rows.first()?, rows.last()?);
    // Two lines at least: a zone is more than one busy row band.
    (bottom - top >= height / 12).then_some(Zone { top, bottom })
}

/// Share of the zone's pixels at or above `luma` (glare washes the
/// characters out).
pub fn glare(document: &[u8], width: usize, zone: Zone, luma: u8) -> f64 {
    let rows = &document[zone.top * width..(zone.bottom + 1) * width];
    rows.iter().filter(|&&v| v >= luma).count() as f64 / rows.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Scene, Subject};
    use crate::quality::{grey, outline, side};

    /// The sample card's side, de-warped from its analysis-size picture.
    fn dewarped(scene: &Scene) -> Vec<u8> {
        let rgb = scene.render(0);
        let (w, h) = (scene.width as usize, scene.height as usize);
        let mut g = Vec::new();
        grey::grey_from_rgb(&rgb, &mut g);
        let mut small = Vec::new();
        let (sw, sh) = grey::downscale_into(&g, w, h, 2, &mut small);
        let mut value = Vec::new();
        grey::value_downscaled(&rgb, w, h, 2, &mut value);
        let card = outline::find(&value, sw, sh, 1.0).expect("the card");
        side::dewarp(&small, sw, sh, &card.corners, SEARCH_WIDTH, 202).expect("de-warped")
    }

    #[test]
    fn the_zone_is_found_on_a_cards_back_and_not_on_its_front() {
        let back = dewarped(&Scene::new(Subject::DocumentBack, 1280, 720));
        let zone = find(&back, SEARCH_WIDTH, 202).expect("the back's zone");
        // Its three lines run from 66 % to 90 % of the card's height.
        let (top, bottom) = (zone.top as f32 / 202.0, zone.bottom as f32 / 202.0);
        assert!(
            (top - 0.66).abs() < 0.03 && (bottom - 0.90).abs() < 0.03,
            "{zone:?}"
        );
        let front = dewarped(&Scene::new(Subject::DocumentFront, 1280, 720));
        assert_eq!(find(&front, SEARCH_WIDTH, 202), None);
        assert_eq!(glare(&back, SEARCH_WIDTH, zone, 250), 0.0);
    }

    #[test]
    fn glare_on_the_zone_is_measured_there() {
        let mut scene = Scene::new(Subject::DocumentBack, 1280, 720);
        scene.glare = 0.5;
        scene.glare_at = (0.0, 0.3);
        let back = dewarped(&scene);
        let zone = find(&back, SEARCH_WIDTH, 202).expect("the zone, glare and all");
        let share = glare(&back, SEARCH_WIDTH, zone, 250);
        assert!(share > 0.05, "{share}");
    }
}
