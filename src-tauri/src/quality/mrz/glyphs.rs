//! OCR-B, the typeface every machine-readable zone is printed in (ICAO 9303
//! part 3: OCR-B size 1, ten characters to the inch), drawn from its outlines
//! (`fonts/OCRB.otf`, compiled in) into cells one character pitch wide: the
//! templates a zone's characters are matched against, and the print of the
//! sample camera's cards.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

/// OCR-B in OpenType (see `fonts/README.md` for its source and licence).
const OCR_B: &[u8] = include_bytes!("../../../fonts/OCRB.otf");

/// The characters a machine-readable zone may hold.
pub const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// A character's place in [`ALPHABET`].
pub fn index_of(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as usize),
        b'A'..=b'Z' => Some((c - b'A') as usize + 10),
        b'<' => Some(36),
        _ => None,
    }
}

/// Every character of [`ALPHABET`] drawn in a cell one pitch wide: the cap
/// height sits `cap_top` rows down, the baseline at `baseline`, with a
/// margin above and below.
pub struct Glyphs {
    pub width: usize,
    pub height: usize,
    pub cap_top: usize,
    pub baseline: usize,
    /// Coverage, 0 (paper) to 1 (ink), `width` × `height` per character.
    ink: Vec<f32>,
}

impl Glyphs {
    /// The characters at a pitch of `pitch` pixels (at least 4).
    pub fn at_pitch(pitch: usize) -> Self {
        let pitch = pitch.max(4);
        let font = FontRef::try_from_slice(OCR_B).expect("the compiled-in OCR-B font");
        // OCR-B is monospaced: every character advances the same width.
        let unit = PxScale::from(100.0);
        let advance = font.as_scaled(unit).h_advance(font.glyph_id('0'));
        let scale = PxScale::from(100.0 * pitch as f32 / advance);
        let cap = font
            .outline_glyph(font.glyph_id('H').with_scale(scale))
            .map_or(pitch as f32 * 1.4, |h| -h.px_bounds().min.y);
        let margin = (cap * 0.3).ceil();
        let cap_top = margin as usize;
        let baseline = (margin + cap).round() as usize;
        let height = baseline + margin as usize;
        let cell = pitch * height;
        let mut ink = vec![0.0f32; cell * ALPHABET.len()];
        for (i, &c) in ALPHABET.iter().enumerate() {
            let glyph = font
                .glyph_id(c as char)
                .with_scale_and_position(scale, point(0.0, baseline as f32));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let out = &mut ink[i * cell..(i + 1) * cell];
            outline.draw(|x, y, coverage| {
                let (x, y) = (
                    x as i32 + bounds.min.x as i32,
                    y as i32 + bounds.min.y as i32,
                );
                if (0..pitch as i32).contains(&x) && (0..height as i32).contains(&y) {
                    out[y as usize * pitch + x as usize] = coverage.clamp(0.0, 1.0);
                }
            });
        }
        Self {
            width: pitch,
            height,
            cap_top,
            baseline,
            ink,
        }
    }

    /// The characters drawn large, for printing them at any size.
    pub fn for_drawing() -> &'static Self {
        static LARGE: OnceLock<Glyphs> = OnceLock::new();
        LARGE.get_or_init(|| Self::at_pitch(48))
    }

    /// The `index`-th character's coverage, row by row.
    pub fn ink(&self, index: usize) -> &[f32] {
        let cell = self.width * self.height;
        &self.ink[index * cell..(index + 1) * cell]
    }

    /// Coverage of character `index` at (`x`, `y`), shares of its cell from
    /// the left and from the cap height to the baseline (so `y` 0 is the top
    /// of a capital, 1 the baseline), bilinearly; 0 outside the cell.
    pub fn coverage(&self, index: usize, x: f32, y: f32) -> f32 {
        let px = x * self.width as f32 - 0.5;
        let py = self.cap_top as f32 + y * (self.baseline - self.cap_top) as f32 - 0.5;
        let ink = self.ink(index);
        let at = |x: i32, y: i32| {
            if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
                0.0
            } else {
                ink[y as usize * self.width + x as usize]
            }
        };
        let (x0, y0) = (px.floor(), py.floor());
        let (fx, fy) = (px - x0, py - y0);
        let (x0, y0) = (x0 as i32, y0 as i32);
        (at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx) * (1.0 - fy)
            + (at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx) * fy
    }

    /// The height of a capital over the pitch (about 1 in OCR-B).
    pub fn cap_over_pitch(&self) -> f32 {
        (self.baseline - self.cap_top) as f32 / self.width as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_the_zone_is_drawn_and_each_differs_from_the_others() {
        let glyphs = Glyphs::at_pitch(20);
        let inked: Vec<f32> = (0..ALPHABET.len())
            .map(|i| glyphs.ink(i).iter().sum())
            .collect();
        // The filler is the lightest character, and every one has ink.
        for (i, &sum) in inked.iter().enumerate() {
            assert!(sum > 8.0, "{} has no ink: {sum}", ALPHABET[i] as char);
        }
        assert!(inked[36] < inked[index_of(b'B').unwrap()]);
        for (a, &first) in ALPHABET.iter().enumerate() {
            for (b, &second) in ALPHABET.iter().enumerate().skip(a + 1) {
                let differ: f32 = glyphs
                    .ink(a)
                    .iter()
                    .zip(glyphs.ink(b))
                    .map(|(x, y)| (x - y).abs())
                    .sum();
                assert!(
                    differ > 4.0,
                    "{} and {} look alike: {differ}",
                    first as char,
                    second as char
                );
            }
        }
        // A capital is about as high as a pitch is wide (2.4 mm at 2.54 mm).
        let ratio = glyphs.cap_over_pitch();
        assert!((0.85..1.15).contains(&ratio), "{ratio}");
        assert_eq!(index_of(b'Q'), Some(26));
        assert_eq!(index_of(b'a'), None);
    }
}
