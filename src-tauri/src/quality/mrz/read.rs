//! Reading a machine-readable zone, offline: the document is de-warped so
//! one character pitch is [`PITCH`] pixels wide; the zone's lines are the
//! bands of ink at its foot; each line's cells are fitted as a comb of
//! equal pitch (ICAO 9303 prints ten characters to the inch); each cell is
//! matched against OCR-B's characters ([`super::glyphs`]), only those its
//! place in the line may hold (digits in a date, letters in a name); and the
//! lines are parsed and their check digits verified by the `mrz` crate.
//!
//! A zone whose lines look like OCR-B but whose check digits do not add up
//! is [`Reading::Unreadable`]: blur, glare or a finger on a character. A
//! document without a zone gives none: the lines at its foot, if any, do not
//! make a zone's layout or do not look like OCR-B.

use std::sync::OnceLock;

use zeroize::Zeroize;

use super::glyphs::{index_of, Glyphs, ALPHABET};
use crate::quality::outline::Format;
use crate::quality::side::{bilinear, dewarp_to_width};

/// A character's pitch in millimetres: ten to the inch.
const PITCH_MM: f32 = 2.54;
/// The pitch in pixels the zone is read at: 200 dpi, the lowest effective
/// resolution the kiosk accepts a document at.
const PITCH: usize = 20;
/// How far (template pixels) a character may sit off its fitted cell.
const SHIFT: usize = 2;
/// The mean match of a line's characters with OCR-B's (normalised
/// correlation, −1 to 1) below which the line is not printed in OCR-B.
const MIN_LIKENESS: f32 = 0.45;

/// What each place in a line may hold: `A` letters, `N` digits, `X` either,
/// `S` a sex (`M`, `F`, `X`); the filler `<` everywhere.
const TD1: [&[u8; 30]; 3] = [
    b"AAAAAXXXXXXXXXNXXXXXXXXXXXXXXX",
    b"NNNNNNNSNNNNNNNAAAXXXXXXXXXXXN",
    b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
];
const TD3: [&[u8; 44]; 2] = [
    b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    b"XXXXXXXXXNAAANNNNNNNSNNNNNNNXXXXXXXXXXXXXXNN",
];

/// What the zone says, once every check digit agrees. Personal data:
/// wiped when dropped, never logged (`Debug` gives the format only).
#[derive(Clone, PartialEq, Eq)]
pub struct Fields {
    /// `TD1` (an identity card's three lines) or `TD3` (a passport's two).
    pub format: &'static str,
    pub document_number: String,
    pub issuing_country: String,
    pub surname: String,
    pub given_names: String,
    pub nationality: String,
    /// YYYY-MM-DD when the zone gives a calendar date.
    pub date_of_birth: Option<String>,
    pub date_of_expiry: Option<String>,
    /// `M`, `F`, or empty when unspecified.
    pub sex: String,
    /// The lines as read.
    pub lines: Vec<String>,
}

impl Drop for Fields {
    fn drop(&mut self) {
        for text in [
            &mut self.document_number,
            &mut self.issuing_country,
            &mut self.surname,
            &mut self.given_names,
            &mut self.nationality,
            &mut self.sex,
        ]
        .into_iter()
        .chain(self.date_of_birth.as_mut())
        .chain(self.date_of_expiry.as_mut())
        .chain(self.lines.iter_mut())
        {
            text.zeroize();
        }
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fields({}, {} lines)", self.format, self.lines.len())
    }
}

/// A zone read from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Every check digit agrees with the characters read.
    Read(Box<Fields>),
    /// The lines are there, in OCR-B, but the check digits do not add up.
    Unreadable,
}

/// Reads the zone of the `format` document inside `corners` (in `grey`'s
/// pixels, clockwise from its top-left), the right way up or upside down;
/// none when it has no zone in OCR-B.
pub fn read(
    grey: &[u8],
    width: usize,
    height: usize,
    corners: &[[f32; 2]; 4],
    format: Format,
) -> Option<Reading> {
    let layout: &[&[u8]] = match format {
        Format::Id1 => &TD1.map(|l| &l[..]),
        Format::Passport => &TD3.map(|l| &l[..]),
    };
    let dw = (PITCH as f32 * format.size_mm().0 / PITCH_MM).round() as usize;
    let (mut document, dh) = dewarp_to_width(grey, width, height, corners, dw, format.aspect())?;
    let mut reading = read_upright(&document, dw, dh, layout);
    if reading.is_none() {
        document.reverse();
        reading = read_upright(&document, dw, dh, layout);
    }
    document.zeroize();
    reading
}

fn templates() -> &'static Templates {
    static AT_PITCH: OnceLock<Templates> = OnceLock::new();
    AT_PITCH.get_or_init(|| Templates::new(Glyphs::at_pitch(PITCH)))
}

/// OCR-B's characters at [`PITCH`], each less its mean and with its norm,
/// ready for normalised correlation.
struct Templates {
    glyphs: Glyphs,
    centred: Vec<Vec<f32>>,
    norms: Vec<f32>,
}

impl Templates {
    fn new(glyphs: Glyphs) -> Self {
        let (centred, norms) = (0..ALPHABET.len())
            .map(|i| {
                let ink = glyphs.ink(i);
                let mean = ink.iter().sum::<f32>() / ink.len() as f32;
                let centred: Vec<f32> = ink.iter().map(|v| v - mean).collect();
                let norm = centred.iter().map(|v| v * v).sum::<f32>().sqrt();
                (centred, norm)
            })
            .unzip();
        Self {
            glyphs,
            centred,
            norms,
        }
    }
}

fn read_upright(document: &[u8], dw: usize, dh: usize, layout: &[&[u8]]) -> Option<Reading> {
    let zone = super::find(document, dw, dh)?;
    let t = templates();
    let cap = t.glyphs.cap_over_pitch() * PITCH as f32;
    let top = zone.top.saturating_sub(PITCH).max(dh * 2 / 5);
    let bottom = (zone.bottom + PITCH).min(dh - 1);
    let ink = ink_threshold(&document[top * dw..(bottom + 1) * dw], dw)?;
    let bands = bands(document, dw, top, bottom, ink, cap);
    if bands.len() < layout.len() {
        return None;
    }
    // The zone is the document's last lines.
    let bands = &bands[bands.len() - layout.len()..];
    let mut lines = Vec::with_capacity(layout.len());
    let mut likeness = 0.0;
    for (&(y0, y1), classes) in bands.iter().zip(layout) {
        let (line, score) = read_line(document, dw, (y0, y1), ink, classes, t)?;
        lines.push(line);
        likeness += score;
    }
    if likeness / (layout.len() as f32) < MIN_LIKENESS {
        lines.iter_mut().for_each(Zeroize::zeroize);
        return None;
    }
    Some(parse(lines))
}

/// The grey level between paper and ink in `rows` (`width` wide), by
/// Otsu's method; none when the rows are all one shade.
fn ink_threshold(rows: &[u8], width: usize) -> Option<u8> {
    let (least, most) = rows
        .iter()
        .fold((u8::MAX, u8::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if least >= most {
        return None;
    }
    let image =
        image::GrayImage::from_raw(width as u32, (rows.len() / width) as u32, rows.to_vec())?;
    let level = imageproc::contrast::otsu_level(&image);
    let mut pixels = image.into_raw();
    pixels.zeroize();
    Some(level)
}

/// The lines of characters between rows `top` and `bottom`: runs of rows
/// with ink across a good part of the width, about a capital high.
fn bands(
    document: &[u8],
    dw: usize,
    top: usize,
    bottom: usize,
    ink: u8,
    cap: f32,
) -> Vec<(usize, usize)> {
    let counts: Vec<usize> = (top..=bottom)
        .map(|y| {
            document[y * dw..(y + 1) * dw]
                .iter()
                .filter(|&&v| v <= ink)
                .count()
        })
        .collect();
    // What lies beyond the document's edges (a dark desk) darkens every
    // row alike: a line of characters is well above the emptiest row.
    let (least, most) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    let floor = least + (dw / 30).max((most - least) / 4);
    let inked = |y: usize| counts[y - top] >= floor;
    let mut bands = Vec::new();
    let mut start = None;
    for y in top..=bottom + 1 {
        match (y <= bottom && inked(y), start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                let h = (y - s) as f32;
                if h >= cap * 0.6 && h <= cap * 1.8 {
                    bands.push((s, y - 1));
                }
                start = None;
            }
            _ => {}
        }
    }
    bands
}

/// The characters of the line in rows `y0..=y1`, and how alike OCR-B they
/// are on average; none when the line does not hold `classes.len()`
/// characters at about the expected pitch.
fn read_line(
    document: &[u8],
    dw: usize,
    (y0, y1): (usize, usize),
    ink: u8,
    classes: &[u8],
    t: &Templates,
) -> Option<(String, f32)> {
    let n = classes.len();
    let dh = document.len() / dw;
    // How much ink each column holds, and where the line starts and ends.
    let profile: Vec<f32> = (0..dw)
        .map(|x| {
            (y0..=y1)
                .map(|y| (ink as f32 - document[y * dw + x] as f32).max(0.0))
                .sum()
        })
        .collect();
    let counted = |x: usize| (y0..=y1).filter(|&y| document[y * dw + x] <= ink).count() >= 2;
    // Past what lies outside the document's edge (the desk, its shadow).
    let inside = (0..dw / 8).find(|&x| !counted(x))?;
    let outside = (dw - dw / 8..dw).rev().find(|&x| !counted(x))?;
    let x0 = (inside..outside).find(|&x| counted(x))? as f32;
    let x1 = (inside..outside).rev().find(|&x| counted(x))? as f32 + 1.0;
    let (pitch, first) = comb(&profile, x0, x1, n)?;
    let g = &t.glyphs;
    let (tw, th) = (g.width, g.height);
    let (pw, ph) = (tw + 2 * SHIFT, th + 2 * SHIFT);
    // Template pixels to the document's, the same across and down (the
    // document is de-warped to its proportions): the fitted pitch gives the
    // scale, the band's middle the middle of the capitals.
    let scale = pitch / tw as f32;
    let middle = (y0 + y1 + 1) as f32 / 2.0;
    let cap_middle = (g.cap_top + g.baseline) as f32 / 2.0;
    let mut patch = vec![0f32; pw * ph];
    let mut line = String::with_capacity(n);
    let mut likeness = 0.0;
    for (k, &class) in classes.iter().enumerate() {
        let left = first + k as f32 * pitch;
        for py in 0..ph {
            let y = middle + (py as f32 + 0.5 - SHIFT as f32 - cap_middle) * scale;
            for px in 0..pw {
                let x = left + (px as f32 + 0.5 - SHIFT as f32) * scale;
                patch[py * pw + px] = 255.0 - bilinear(document, dw, dh, x, y);
            }
        }
        let (best, score) = best_match(&patch, pw, t, class);
        line.push(ALPHABET[best] as char);
        likeness += score;
    }
    patch.zeroize();
    Some((line, likeness / n as f32))
}

/// The pitch and the left edge of the first of `n` equal cells that best
/// cover the ink from `x0` to `x1`: the cells' borders fall where the
/// columns hold least ink (between characters).
fn comb(profile: &[f32], x0: f32, x1: f32, n: usize) -> Option<(f32, f32)> {
    let at = |x: f32| {
        let x = x.clamp(0.0, (profile.len() - 1) as f32);
        let i = x as usize;
        let j = (i + 1).min(profile.len() - 1);
        profile[i] + (profile[j] - profile[i]) * (x - i as f32)
    };
    let mut best: Option<(f32, f32, f32)> = None;
    let nominal = PITCH as f32;
    let mut pitch = nominal * 0.85;
    while pitch <= nominal * 1.15 {
        // The cells must hold all the ink: the first starts at or before
        // `x0`, the last ends at or after `x1`, and a character's ink
        // fills most of its cell.
        let (lo, hi) = (x1 - n as f32 * pitch, x0);
        let spare = hi - lo;
        if (0.0..=pitch * 0.6).contains(&spare) {
            let mut first = lo;
            while first <= hi {
                // Weighed over a few pixels either side: borders in the
                // middle of the gaps are better than at their edge.
                let cost: f32 = (1..n)
                    .map(|k| {
                        let border = first + k as f32 * pitch;
                        (-3i32..=3)
                            .map(|d| (4 - d.abs()) as f32 * at(border + d as f32))
                            .sum::<f32>()
                    })
                    .sum();
                if best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, pitch, first));
                }
                first += 0.25;
            }
        }
        pitch += 0.02;
    }
    best.map(|(_, pitch, first)| (pitch, first))
}

/// The character of `class` the patch (`pw` wide, the template's size plus
/// [`SHIFT`] on every side) is most like, at the best shift, and its
/// normalised correlation.
fn best_match(patch: &[f32], pw: usize, t: &Templates, class: u8) -> (usize, f32) {
    let (tw, th) = (t.glyphs.width, t.glyphs.height);
    let mut best = (36, f32::MIN);
    for dy in 0..=2 * SHIFT {
        for dx in 0..=2 * SHIFT {
            let at = |x: usize, y: usize| patch[(y + dy) * pw + x + dx];
            let mut sum = 0.0;
            let mut squares = 0.0;
            for y in 0..th {
                for x in 0..tw {
                    let v = at(x, y);
                    sum += v;
                    squares += v * v;
                }
            }
            let count = (tw * th) as f32;
            let spread = (squares - sum * sum / count).max(1e-3).sqrt();
            for (i, &c) in ALPHABET.iter().enumerate() {
                if !allowed(class, c) || t.norms[i] == 0.0 {
                    continue;
                }
                let template = &t.centred[i];
                let mut dot = 0.0;
                for y in 0..th {
                    let row = &template[y * tw..(y + 1) * tw];
                    for (x, &w) in row.iter().enumerate() {
                        dot += w * at(x, y);
                    }
                }
                let score = dot / (spread * t.norms[i]);
                if score > best.1 {
                    best = (i, score);
                }
            }
        }
    }
    best
}

/// Whether a place of `class` may hold `c`.
fn allowed(class: u8, c: u8) -> bool {
    c == b'<'
        || match class {
            b'A' => c.is_ascii_uppercase(),
            b'N' => c.is_ascii_digit(),
            b'S' => matches!(c, b'M' | b'F' | b'X'),
            _ => index_of(c).is_some(),
        }
}

/// The lines parsed, their check digits verified.
fn parse(mut lines: Vec<String>) -> Reading {
    let parsed = match lines.as_slice() {
        [a, b, c] => mrz::parse_td1(a, b, c),
        [a, b] => mrz::parse_td3(a, b),
        _ => return Reading::Unreadable,
    };
    let reading = match parsed {
        Ok(data) if data.checks.all_valid() => {
            let date = |d: mrz::MrzDate| d.calendar().map(|_| d.to_string());
            Reading::Read(Box::new(Fields {
                format: if lines.len() == 3 { "TD1" } else { "TD3" },
                document_number: data
                    .document_number_full
                    .clone()
                    .unwrap_or_else(|| data.document_number.clone()),
                issuing_country: data.issuing_country.clone(),
                surname: data.surname.clone(),
                given_names: data.given_names.clone(),
                nationality: data.nationality.clone(),
                date_of_birth: date(data.date_of_birth),
                date_of_expiry: date(data.date_of_expiry),
                sex: match data.sex {
                    mrz::Sex::Male => "M".into(),
                    mrz::Sex::Female => "F".into(),
                    _ => String::new(),
                },
                lines: std::mem::take(&mut lines),
            }))
        }
        _ => Reading::Unreadable,
    };
    lines.iter_mut().for_each(Zeroize::zeroize);
    reading
}

#[cfg(test)]
mod tests;
