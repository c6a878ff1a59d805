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
        let green = ReviewResult {
            review_answer: Some(ReviewAnswer::Green),
            ..Default::default()
        };
        let red = |reject: RejectType, labels: &[&str], comment: &str, client: &str| ReviewResult {
            review_answer: Some(ReviewAnswer::Red),
            review_reject_type: Some(reject),
            reject_labels: labels.iter().map(|s| s.to_string()).collect(),
            moderation_comment: Some(comment.to_owned()),
            client_comment: Some(client.to_owned()),
            button_ids: Vec::new(),
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
            Decision::RetryFront => "The front side is blurry. Please take a new photo of the front side.",
            Decision::RetryBack => "The text on the back side is not readable. Please take a new photo of the back side.",
            Decision::RetrySelfie => "Your face is not clearly visible in the selfie. Please take a new selfie holding the document.",
            _ => "",
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
                    &["UNSATISFACTORY_PHOTOS"],
                    image_comment,
                    "Image quality below threshold.",
                );
                r.client_comment = None;
                entry.0 = red(
                    RejectType::Retry,
                    &["UNSATISFACTORY_PHOTOS"],
                    image_comment,
                    "Resubmission requested for one image.",
                );
                r
            } else if decision == Decision::Final {
                entry.0 = red(
                    RejectType::Final,
                    &["FORGERY"],
                    "We could not verify this document.",
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
                &["UNSATISFACTORY_PHOTOS"],
                image_comment,
                "Resubmission requested for one image.",
            ),
            Decision::Final => red(
                RejectType::Final,
                &["FORGERY"],
                "We could not verify your identity. Please contact support.",
                "Signs of tampering on the document.",
            ),
            Decision::DataMismatch => {
                let mut r = red(
                    RejectType::Retry,
                    &["PROBLEMATIC_APPLICANT_DATA"],
                    "The name or date of birth you entered does not match the document.",
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
