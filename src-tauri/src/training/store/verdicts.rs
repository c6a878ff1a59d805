//! What a decision gives: the overall result, each step's and each image's,
//! with the texts a reviewer would write, and extracted data on approval.

use std::collections::BTreeMap;

use chrono::Utc;

use crate::verification::models::*;

use super::super::config::TrainingConfig;
use super::super::script::Decision;
use super::identity::extracted;
use super::Store;

impl Store {
    /// Applies a decision: results per step and per image, and extracted data on approval.
    pub fn complete(&mut self, config: &TrainingConfig, applicant_id: &str, decision: Decision) {
        let images: Vec<(String, IdDocDef)> = self
            .active_images(applicant_id)
            .iter()
            .map(|i| (i.id.clone(), i.def.clone()))
            .collect();
        let Some(a) = self.applicants.get_mut(applicant_id) else {
            return;
        };
        // Comments in the applicant's language, as the service writes them;
        // the labels-only scenarios write none.
        let lang = a.lang.clone();
        let comments = a.scenario.writes_comments();
        let say = |what: Said| comments.then(|| said(what, lang.as_deref()).to_owned());
        let green = ReviewResult {
            review_answer: Some(ReviewAnswer::Green),
            ..Default::default()
        };
        let red = |reject: RejectType, labels: &[&str], comment: Option<String>, client: &str| {
            ReviewResult {
                review_answer: Some(ReviewAnswer::Red),
                review_reject_type: Some(reject),
                reject_labels: labels.iter().map(|s| s.to_string()).collect(),
                moderation_comment: comment,
                client_comment: Some(client.to_owned()),
                button_ids: Vec::new(),
            }
        };
        // Which single image (by step, document side) the decision rejects.
        let rejected = |def: &IdDocDef, step: &DocSetType| -> bool {
            match decision {
                Decision::RetryFront => {
                    *step == DocSetType::Identity && def.id_doc_sub_type != Some(DocSide::BackSide)
                }
                Decision::RetryBack => {
                    *step == DocSetType::Identity
                        && (def.id_doc_sub_type == Some(DocSide::BackSide)
                            || def.id_doc_sub_type.is_none())
                }
                Decision::RetrySelfie => *step == DocSetType::Selfie,
                _ => false,
            }
        };
        let image_comment = match decision {
            Decision::RetryFront => say(Said::FrontBlurry),
            Decision::RetryBack => say(Said::BackUnreadable),
            Decision::RetrySelfie => say(Said::SelfieFace),
            _ => None,
        };
        let image_labels: &[&str] = match decision {
            Decision::RetrySelfie => &["BAD_SELFIE"],
            _ => &["UNSATISFACTORY_PHOTOS"],
        };
        let mut steps: BTreeMap<String, (ReviewResult, BTreeMap<String, ReviewResult>)> =
            BTreeMap::new();
        for (id, def) in &images {
            let Some(step) = def
                .id_doc_type
                .as_ref()
                .and_then(|t| Store::step_of(config, &a.level, t))
            else {
                continue;
            };
            let entry = steps
                .entry(step.to_string())
                .or_insert_with(|| (green.clone(), BTreeMap::new()));
            let image_result = if rejected(def, &step) {
                let mut r = red(
                    RejectType::Retry,
                    image_labels,
                    image_comment.clone(),
                    "Image quality below threshold.",
                );
                r.client_comment = None;
                entry.0 = red(
                    RejectType::Retry,
                    image_labels,
                    image_comment.clone(),
                    "Resubmission requested for one image.",
                );
                r
            } else if decision == Decision::Final {
                entry.0 = red(
                    RejectType::Final,
                    &["FORGERY"],
                    say(Said::DocumentNotVerified),
                    "Signs of tampering on the document.",
                );
                entry.0.clone()
            } else {
                green.clone()
            };
            entry.1.insert(id.clone(), image_result);
        }
        let overall = match decision {
            Decision::Green | Decision::OnHold => green.clone(),
            Decision::RetryFront | Decision::RetryBack | Decision::RetrySelfie => red(
                RejectType::Retry,
                image_labels,
                image_comment.clone(),
                "Resubmission requested for one image.",
            ),
            Decision::Final => red(
                RejectType::Final,
                &["FORGERY"],
                say(Said::IdentityNotVerified),
                "Signs of tampering on the document.",
            ),
            Decision::DataMismatch => {
                let mut r = red(
                    RejectType::Retry,
                    &["PROBLEMATIC_APPLICANT_DATA"],
                    say(Said::DataDiffers),
                    "Entered name differs from the document.",
                );
                r.button_ids = vec!["dataMismatch_fullName".into(), "dataMismatch_dob".into()];
                steps.insert("APPLICANT_DATA".into(), (r.clone(), BTreeMap::new()));
                r
            }
        };
        a.status = ReviewStatus::Completed;
        a.review_date = Some(Utc::now());
        a.round += 1;
        a.step_results = steps;
        a.info =
            (overall.review_answer == Some(ReviewAnswer::Green)).then(|| extracted(a, &images));
        a.result = Some(overall);
    }
}

/// What a reviewer writes to the person.
#[derive(Debug, Clone, Copy)]
pub(super) enum Said {
    CannotContinue,
    FrontBlurry,
    BackUnreadable,
    SelfieFace,
    DocumentNotVerified,
    IdentityNotVerified,
    DataDiffers,
}

/// `what` in the applicant's language (`de`, `es`; English otherwise), as the
/// service answers in the language the applicant was given.
pub(super) fn said(what: Said, lang: Option<&str>) -> &'static str {
    use Said::*;
    match (lang.unwrap_or("en"), what) {
        ("de", CannotContinue) => "Wir können diesen Antrag nicht fortsetzen. Bitte wenden Sie sich an den Support.",
        ("es", CannotContinue) => "No podemos continuar con esta solicitud. Por favor, póngase en contacto con el servicio de atención.",
        (_, CannotContinue) => "We cannot continue with this application. Please contact support.",
        ("de", FrontBlurry) => "Die Vorderseite ist unscharf. Bitte fotografieren Sie die Vorderseite noch einmal.",
        ("de", BackUnreadable) => "Der Text auf der Rückseite ist nicht lesbar. Bitte fotografieren Sie die Rückseite noch einmal.",
        ("de", SelfieFace) => "Ihr Gesicht ist auf dem Selfie nicht gut zu erkennen. Bitte machen Sie ein neues Selfie mit dem Dokument in der Hand.",
        ("de", DocumentNotVerified) => "Wir konnten dieses Dokument nicht prüfen.",
        ("de", IdentityNotVerified) => "Wir konnten Ihre Identität nicht bestätigen. Bitte wenden Sie sich an den Support.",
        ("de", DataDiffers) => "Der eingegebene Name oder das Geburtsdatum stimmt nicht mit dem Dokument überein.",
        ("es", FrontBlurry) => "El anverso está borroso. Por favor, haga una foto nueva del anverso.",
        ("es", BackUnreadable) => "El texto del reverso no se puede leer. Por favor, haga una foto nueva del reverso.",
        ("es", SelfieFace) => "Su cara no se ve con claridad en el selfie. Por favor, haga un selfie nuevo sosteniendo el documento.",
        ("es", DocumentNotVerified) => "No hemos podido verificar este documento.",
        ("es", IdentityNotVerified) => "No hemos podido verificar su identidad. Por favor, póngase en contacto con el servicio de atención.",
        ("es", DataDiffers) => "El nombre o la fecha de nacimiento introducidos no coinciden con el documento.",
        (_, FrontBlurry) => "The front side is blurry. Please take a new photo of the front side.",
        (_, BackUnreadable) => "The text on the back side is not readable. Please take a new photo of the back side.",
        (_, SelfieFace) => "Your face is not clearly visible in the selfie. Please take a new selfie holding the document.",
        (_, DocumentNotVerified) => "We could not verify this document.",
        (_, IdentityNotVerified) => "We could not verify your identity. Please contact support.",
        (_, DataDiffers) => "The name or date of birth you entered does not match the document.",
    }
}
