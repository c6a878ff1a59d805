//! The service's reject labels: what the person is asked to do next and what
//! staff are told, in every language the kiosk speaks. One catalogue, shared
//! with the window (`ui/src/lib/i18n/reject-labels.json`).

use std::collections::{BTreeMap, HashSet};
use std::sync::{LazyLock, Mutex};

use serde::Deserialize;

/// A text in each of the kiosk's languages.
#[derive(Debug, Deserialize)]
pub struct Texts {
    pub en: String,
    pub de: String,
    pub es: String,
}

/// A label's instruction group (its staff explanation is read by the window).
#[derive(Debug, Deserialize)]
struct Label {
    instruction: String,
}

#[derive(Debug, Deserialize)]
struct Catalogue {
    /// Instruction groups, the one to give first when labels differ first.
    order: Vec<String>,
    instructions: BTreeMap<String, Texts>,
    labels: BTreeMap<String, Label>,
}

const SOURCE: &str = include_str!("../../../ui/src/lib/i18n/reject-labels.json");

static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| serde_json::from_str(SOURCE).expect("the reject label catalogue is valid"));

/// The instruction for labels the catalogue does not know.
pub const GENERIC: &str = "generic";

/// Labels already logged as unknown: each is logged once per run.
static UNKNOWN: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// The instruction group to give for these labels: the most important one
/// (support before details before the document before the photo). Labels the
/// catalogue does not know give the generic instruction and are logged once.
pub fn instruction_for(labels: &[String]) -> &'static str {
    let catalogue = &*CATALOGUE;
    let mut groups: Vec<&str> = Vec::new();
    for label in labels {
        match catalogue.labels.get(label) {
            Some(known) => groups.push(&known.instruction),
            None => {
                let mut unknown = UNKNOWN.lock().unwrap_or_else(|p| p.into_inner());
                if unknown.insert(label.clone()) {
                    tracing::warn!(label = %label, "the service gave a reject label the kiosk does not know; the person gets the general instruction");
                }
            }
        }
    }
    catalogue
        .order
        .iter()
        .find(|g| groups.contains(&g.as_str()))
        .map(String::as_str)
        .unwrap_or(GENERIC)
}

/// The English text of an instruction group (for `kioskctl` and logs).
pub fn instruction_text(group: &str) -> &'static str {
    let catalogue = &*CATALOGUE;
    catalogue
        .instructions
        .get(group)
        .or_else(|| catalogue.instructions.get(GENERIC))
        .map(|t| t.en.as_str())
        .unwrap_or_default()
}

/// Every label the catalogue knows.
pub fn known() -> impl Iterator<Item = &'static str> {
    CATALOGUE.labels.keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    /// The labels the API reference names, which must each have their own instruction.
    const DOCUMENTED: [&str; 15] = [
        "UNSATISFACTORY_PHOTOS",
        "SCREENSHOTS",
        "BLACK_AND_WHITE",
        "INCOMPLETE_DOCUMENT",
        "DOCUMENT_PAGE_MISSING",
        "FRONT_SIDE_MISSING",
        "BACK_SIDE_MISSING",
        "BAD_FACE_MATCHING",
        "BAD_SELFIE",
        "SELFIE_MISMATCH",
        "EXPIRATION_DATE",
        "PROBLEMATIC_APPLICANT_DATA",
        "FORGERY",
        "BLACKLIST",
        "FRAUDULENT_PATTERNS",
    ];

    #[test]
    fn every_label_and_instruction_is_said_in_every_language_without_a_code() {
        let c = &*CATALOGUE;
        for label in DOCUMENTED {
            assert!(c.labels.contains_key(label), "{label} has no entry");
        }
        let codes: Vec<&str> = c.labels.keys().map(String::as_str).collect();
        for (group, t) in &c.instructions {
            assert!(c.order.contains(group), "{group} is not in the order");
            for (lang, text) in [("en", &t.en), ("de", &t.de), ("es", &t.es)] {
                assert!(text.trim().len() > 20, "{group}/{lang} is empty");
                // A customer never reads a label code.
                for code in &codes {
                    assert!(!text.contains(code), "{group}/{lang} names {code}");
                }
                assert!(!text.contains('_'), "{group}/{lang}: {text}");
            }
            assert_ne!(t.en, t.de, "{group}: German is English");
            assert_ne!(t.en, t.es, "{group}: Spanish is English");
        }
        let raw: serde_json::Value = serde_json::from_str(SOURCE).unwrap();
        for (label, l) in &c.labels {
            assert!(
                c.instructions.contains_key(&l.instruction),
                "{label}: no instruction {}",
                l.instruction
            );
            let staff = &raw["labels"][label]["staff"];
            let texts: Vec<&str> = ["en", "de", "es"]
                .iter()
                .map(|lang| staff[lang].as_str().unwrap_or_default())
                .collect();
            for (lang, text) in ["en", "de", "es"].iter().zip(&texts) {
                assert!(text.trim().len() > 10, "{label}/{lang} has no staff text");
            }
            assert!(
                texts[0] != texts[1] && texts[0] != texts[2],
                "{label} is not translated"
            );
        }
        assert_eq!(c.order.len(), c.instructions.len());
    }

    #[test]
    fn the_most_important_label_decides_and_an_accusation_is_never_an_instruction() {
        assert_eq!(
            instruction_for(&labels(&["UNSATISFACTORY_PHOTOS"])),
            "photo"
        );
        assert_eq!(instruction_for(&labels(&["BACK_SIDE_MISSING"])), "back");
        assert_eq!(
            instruction_for(&labels(&["UNSATISFACTORY_PHOTOS", "EXPIRATION_DATE"])),
            "expired"
        );
        for fraud in [
            "FORGERY",
            "BLACKLIST",
            "FRAUDULENT_PATTERNS",
            "SELFIE_MISMATCH",
        ] {
            assert_eq!(
                instruction_for(&labels(&["UNSATISFACTORY_PHOTOS", fraud])),
                "support",
                "{fraud}"
            );
        }
        assert_eq!(
            instruction_text("support"),
            "We cannot continue with this verification here. Please contact support."
        );
    }

    #[test]
    fn an_unknown_label_gets_the_general_instruction() {
        assert_eq!(instruction_for(&labels(&["SOMETHING_NEW"])), GENERIC);
        assert_eq!(instruction_for(&[]), GENERIC);
        assert_eq!(
            instruction_for(&labels(&["SOMETHING_NEW", "SCREENSHOTS"])),
            "original"
        );
        assert!(instruction_text("no-such-group").starts_with("Please take this photo again"));
    }
}
