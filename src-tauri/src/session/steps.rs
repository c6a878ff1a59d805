//! What a session asks for, worked out without a camera or a server: the
//! level's steps, the pictures a document needs, the document type each
//! picture is sent as, and the applicant the service is given.

use crate::verification::models::{Applicant, DocSetType, IdDocType, NewApplicant};

use super::applicant::{clean, ApplicantDetails};
use super::views::{DocumentType, Language, Slot};

/// What a level asks for when the service has not said (offline, or no
/// applicant created yet): an identity document and a selfie.
pub const DEFAULT_LEVEL_STEPS: [DocSetType; 2] = [DocSetType::Identity, DocSetType::Selfie];

/// The steps of the level an applicant was created at, in the service's order.
pub fn level_steps(created: Option<&Applicant>) -> Vec<DocSetType> {
    created
        .and_then(|c| c.required_id_docs.as_ref())
        .map(|r| {
            r.doc_sets
                .iter()
                .filter_map(|d| d.id_doc_set_type.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The pictures to take, in order, for the level's steps and the chosen
/// document: a passport is one page, other documents a front and a back.
/// A step the kiosk cannot capture is left out (and logged).
pub fn slots_for(level_steps: &[DocSetType], document: DocumentType) -> Vec<Slot> {
    let mut slots = Vec::new();
    for set in level_steps {
        match set {
            DocSetType::Identity if document == DocumentType::Passport => slots.push(Slot::Single),
            DocSetType::Identity => slots.extend([Slot::Front, Slot::Back]),
            DocSetType::Selfie => slots.push(Slot::Selfie),
            DocSetType::ProofOfResidence => slots.push(Slot::Residence),
            other => tracing::warn!("the level asks for a step the kiosk cannot capture: {other}"),
        }
    }
    slots
}

/// The document type a picture is sent as.
pub fn doc_type_of(slot: Slot, document: DocumentType) -> IdDocType {
    match slot {
        Slot::Selfie => IdDocType::Selfie,
        Slot::Residence => IdDocType::UtilityBill,
        Slot::Front | Slot::Back | Slot::Single => document.id_doc_type(),
    }
}

/// The applicant as the service is given it: a random reference and what
/// the person entered, blank fields left out.
pub fn new_applicant(
    external_user_id: &str,
    details: &ApplicantDetails,
    language: Language,
) -> NewApplicant {
    NewApplicant {
        external_user_id: external_user_id.to_owned(),
        email: clean(&details.email),
        phone: clean(&details.phone),
        lang: Some(language.code().to_owned()),
        fixed_info: details.fixed_info(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verification::models::{DocSet, RequiredIdDocs};
    use DocSetType::{Identity, ProofOfResidence, Selfie};

    #[test]
    fn each_document_and_level_asks_for_its_pictures() {
        let table: [(&[DocSetType], DocumentType, &[Slot]); 7] = [
            (
                &[Identity, Selfie],
                DocumentType::Passport,
                &[Slot::Single, Slot::Selfie],
            ),
            (
                &[Identity, Selfie],
                DocumentType::IdCard,
                &[Slot::Front, Slot::Back, Slot::Selfie],
            ),
            (
                &[Identity, Selfie],
                DocumentType::DrivingLicence,
                &[Slot::Front, Slot::Back, Slot::Selfie],
            ),
            (
                &[Identity, Selfie],
                DocumentType::ResidencePermit,
                &[Slot::Front, Slot::Back, Slot::Selfie],
            ),
            (
                &[Identity],
                DocumentType::IdCard,
                &[Slot::Front, Slot::Back],
            ),
            (
                &[Identity, Selfie, ProofOfResidence],
                DocumentType::Passport,
                &[Slot::Single, Slot::Selfie, Slot::Residence],
            ),
            // A step the kiosk cannot take a picture for is left out.
            (
                &[Identity, DocSetType::Other("QUESTIONNAIRE".into()), Selfie],
                DocumentType::Passport,
                &[Slot::Single, Slot::Selfie],
            ),
        ];
        for (steps, document, expected) in table {
            assert_eq!(
                slots_for(steps, document),
                expected,
                "{steps:?} with {document:?}"
            );
        }
    }

    #[test]
    fn each_picture_is_sent_as_its_document_type() {
        let table = [
            (Slot::Single, DocumentType::Passport, IdDocType::Passport),
            (Slot::Front, DocumentType::IdCard, IdDocType::IdCard),
            (Slot::Back, DocumentType::IdCard, IdDocType::IdCard),
            (
                Slot::Front,
                DocumentType::DrivingLicence,
                IdDocType::Drivers,
            ),
            (
                Slot::Back,
                DocumentType::ResidencePermit,
                IdDocType::ResidencePermit,
            ),
            (Slot::Selfie, DocumentType::IdCard, IdDocType::Selfie),
            (
                Slot::Residence,
                DocumentType::Passport,
                IdDocType::UtilityBill,
            ),
        ];
        for (slot, document, expected) in table {
            assert_eq!(
                doc_type_of(slot, document),
                expected,
                "{slot:?} of {document:?}"
            );
        }
    }

    #[test]
    fn the_levels_steps_come_from_the_created_applicant() {
        assert!(level_steps(None).is_empty());
        let created = Applicant {
            required_id_docs: Some(RequiredIdDocs {
                doc_sets: vec![
                    DocSet {
                        id_doc_set_type: Some(Selfie),
                        ..Default::default()
                    },
                    DocSet {
                        id_doc_set_type: None,
                        ..Default::default()
                    },
                    DocSet {
                        id_doc_set_type: Some(Identity),
                        ..Default::default()
                    },
                ],
            }),
            ..Default::default()
        };
        assert_eq!(level_steps(Some(&created)), vec![Selfie, Identity]);
    }

    #[test]
    fn blank_details_are_left_out_of_the_applicant() {
        let details = ApplicantDetails {
            email: Some("  ".into()),
            phone: Some(" +49 30 1234 ".into()),
            ..Default::default()
        };
        let applicant = new_applicant("kiosk-1", &details, Language::De);
        assert_eq!(applicant.external_user_id, "kiosk-1");
        assert_eq!(
            applicant.lang.as_deref(),
            Some("de"),
            "the kiosk's language"
        );
        assert_eq!(applicant.email, None);
        assert_eq!(applicant.phone.as_deref(), Some("+49 30 1234"));
        assert!(
            applicant.fixed_info.is_none(),
            "no names, no date of birth: nothing to send"
        );
    }
}
