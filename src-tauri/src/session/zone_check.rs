//! What a document's machine-readable zone says, beside what the attendant
//! entered: names and date of birth compared the way the zone writes them
//! (capitals, transliterated as ICAO 9303 prescribes), for staff to check.

use serde::Serialize;
use specta::Type;
use zeroize::Zeroize;

use crate::quality::ZoneFields;

use super::applicant::{clean, ApplicantDetails};

/// The zone's fields, every check digit verified. Personal data: shown to
/// staff, never logged (`Debug` says which comparisons failed only), wiped
/// when dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Type)]
pub struct ZoneCheck {
    pub surname: String,
    pub given_names: String,
    /// YYYY-MM-DD.
    pub date_of_birth: Option<String>,
    pub date_of_expiry: Option<String>,
    pub document_number: String,
    /// Three-letter ICAO code.
    pub nationality: String,
    /// Whether the entered names agree with the zone's; none when no name
    /// was entered.
    pub name_matches: Option<bool>,
    /// Whether the entered date of birth is the zone's; none when none was
    /// entered or the zone gives no full date.
    pub birth_date_matches: Option<bool>,
}

impl std::fmt::Debug for ZoneCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ZoneCheck(name matches: {:?}, date of birth matches: {:?})",
            self.name_matches, self.birth_date_matches
        )
    }
}

impl Drop for ZoneCheck {
    fn drop(&mut self) {
        for text in [
            &mut self.surname,
            &mut self.given_names,
            &mut self.document_number,
            &mut self.nationality,
        ]
        .into_iter()
        .chain(self.date_of_birth.as_mut())
        .chain(self.date_of_expiry.as_mut())
        {
            text.zeroize();
        }
    }
}

impl ZoneCheck {
    pub fn new(zone: &ZoneFields, entered: &ApplicantDetails) -> Self {
        let last = clean(&entered.last_name);
        let first = clean(&entered.first_name);
        let name_matches = (last.is_some() || first.is_some()).then(|| {
            let agrees = |entered: &Option<String>, printed: &str| {
                entered.as_deref().is_none_or(|e| same_name(e, printed))
            };
            agrees(&last, &zone.surname) && agrees(&first, &zone.given_names)
        });
        let birth_date_matches = match (clean(&entered.date_of_birth), &zone.date_of_birth) {
            (Some(entered), Some(printed)) => Some(entered == *printed),
            _ => None,
        };
        Self {
            surname: zone.surname.clone(),
            given_names: zone.given_names.clone(),
            date_of_birth: zone.date_of_birth.clone(),
            date_of_expiry: zone.date_of_expiry.clone(),
            document_number: zone.document_number.clone(),
            nationality: zone.nationality.clone(),
            name_matches,
            birth_date_matches,
        }
    }
}

/// Whether a name as entered is the one the zone prints: both written as
/// the zone writes names (`Müller-Lüdenscheidt` as `MUELLER LUEDENSCHEIDT`).
/// A zone's line has room for 30 or 39 characters: a longer name is cut, so
/// the printed one may be the start of the entered one.
fn same_name(entered: &str, printed: &str) -> bool {
    let words = |s: &str| -> String {
        mrz::encode_name_component(s)
            .split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (entered, printed) = (words(entered), words(printed));
    !printed.is_empty()
        && (entered == printed || (printed.len() >= 10 && entered.starts_with(&printed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(first: &str, last: &str, born: &str) -> ApplicantDetails {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ApplicantDetails {
            first_name: some(first),
            last_name: some(last),
            date_of_birth: some(born),
            ..Default::default()
        }
    }

    fn zone(surname: &str, given: &str, born: &str) -> ZoneFields {
        ZoneFields {
            format: "TD1",
            document_number: "L00580662".into(),
            issuing_country: "UTO".into(),
            surname: surname.into(),
            given_names: given.into(),
            nationality: "UTO".into(),
            date_of_birth: Some(born.into()),
            date_of_expiry: Some("2031-04-15".into()),
            sex: "F".into(),
            lines: Vec::new(),
        }
    }

    #[test]
    fn names_are_compared_as_the_zone_writes_them() {
        let z = zone("MUELLER LUEDENSCHEIDT", "ANNA MARIA", "1974-08-12");
        let check = ZoneCheck::new(
            &z,
            &details("Anna Maria", "Müller-Lüdenscheidt", "1974-08-12"),
        );
        assert_eq!(check.name_matches, Some(true));
        assert_eq!(check.birth_date_matches, Some(true));
        let other = ZoneCheck::new(&z, &details("Anna", "Müller", "1974-08-21"));
        assert_eq!(other.name_matches, Some(false));
        assert_eq!(other.birth_date_matches, Some(false));
        // Nothing entered: nothing to compare, only the zone to show.
        let blank = ZoneCheck::new(&z, &ApplicantDetails::default());
        assert_eq!((blank.name_matches, blank.birth_date_matches), (None, None));
        assert_eq!(blank.surname, "MUELLER LUEDENSCHEIDT");
        // A surname cut to fit the line is the start of the entered one.
        let cut = zone("WOLFESCHLEGELSTEINHAUSENB", "HUBERT", "1974-08-12");
        let long = details("Hubert", "Wolfeschlegelsteinhausenbergerdorff", "");
        assert_eq!(ZoneCheck::new(&cut, &long).name_matches, Some(true));
        // What is logged says nothing of the person.
        let said = format!("{check:?}");
        assert!(!said.contains("ANNA") && !said.contains("1974"), "{said}");
    }
}
