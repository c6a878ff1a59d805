//! The machine-readable zone printed on the sample card's back: three lines
//! of OCR-B (ICAO 9303's TD1) for a specimen holder of Utopia, the state
//! ICAO's own specimens are issued by. Each seed has its own holder, and
//! every check digit adds up.

use mrz::{Date, MrzDate, Sex, Td1Fields};

use super::draw::hash;
use crate::quality::mrz::glyphs::{index_of, Glyphs};

const SURNAMES: [&str; 6] = [
    "ERIKSSON",
    "MUSTERMANN",
    "DUPONT",
    "ROSSI",
    "NOWAK",
    "OKAFOR",
];
const GIVEN_NAMES: [&str; 6] = [
    "ANNA MARIA",
    "ERIKA",
    "JEAN PIERRE",
    "GIULIA",
    "PIOTR",
    "CHIDI",
];

/// The zone's first line starts this share of the card's width from its
/// left edge (thirty characters of 2.54 mm, centred on 85.6 mm).
const LEFT: f32 = (85.6 - 30.0 * 2.54) / 2.0 / 85.6;
/// The top of each line's capitals, as a share of the card's height.
const LINE_TOPS: [f32; 3] = [0.665, 0.765, 0.865];

/// The specimen zone for `seed`: three lines of thirty characters.
pub fn specimen(seed: u32) -> [String; 3] {
    let h = hash(seed, 0x4d52_5a31);
    let pick = |shift: u32, n: u32| (h >> shift) % n;
    let fields = Td1Fields {
        issuing_country: "UTO".into(),
        document_number: format!("L{:08}", h % 100_000_000),
        surname: SURNAMES[pick(3, 6) as usize].into(),
        given_names: GIVEN_NAMES[pick(7, 6) as usize].into(),
        nationality: "UTO".into(),
        date_of_birth: MrzDate::Calendar(Date::new(
            1950 + pick(11, 50) as i32,
            1 + pick(17, 12),
            1 + pick(21, 28),
        )),
        sex: if h & 1 == 0 { Sex::Female } else { Sex::Male },
        date_of_expiry: MrzDate::Calendar(Date::new(
            2030 + pick(26, 6) as i32,
            1 + pick(13, 12),
            1 + pick(5, 28),
        )),
        ..Td1Fields::default()
    };
    let text = mrz::format_td1(&fields);
    let mut lines = text.lines().map(str::to_owned);
    [(); 3].map(|_| lines.next().unwrap_or_default())
}

/// How much ink the zone `lines` puts at (`u`, `v`), shares of the card's
/// width and height (0 paper, 1 ink), or none outside its lines.
pub fn ink(lines: &[String; 3], u: f32, v: f32) -> Option<f32> {
    let glyphs = Glyphs::for_drawing();
    let pitch = 2.54 / 85.6;
    // A capital's height as a share of the card's height.
    let cap = glyphs.cap_over_pitch() * 2.54 / 54.0;
    let row = LINE_TOPS
        .iter()
        .position(|&top| v >= top - cap * 0.3 && v < top + cap * 1.3)?;
    let cell = (u - LEFT) / pitch;
    if !(0.0..30.0).contains(&cell) {
        return None;
    }
    let c = *lines[row].as_bytes().get(cell as usize)?;
    let index = index_of(c)?;
    Some(glyphs.coverage(index, cell.fract(), (v - LINE_TOPS[row]) / cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_seed_has_a_zone_of_its_own_that_adds_up() {
        let a = specimen(1);
        let b = specimen(2);
        assert_ne!(a, b);
        for lines in [&a, &b] {
            assert!(lines.iter().all(|l| l.len() == 30), "{lines:?}");
            let parsed = mrz::parse_td1(&lines[0], &lines[1], &lines[2]).expect("a TD1 zone");
            assert!(parsed.checks.all_valid(), "{lines:?}");
            assert_eq!(parsed.issuing_country, "UTO");
        }
    }
}
