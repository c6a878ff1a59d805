//! What a review means for the person at the counter: a pure function of the service's data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::verification::models::*;

/// An uploaded image the kiosk knows the document side of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    pub image_id: String,
    pub doc_type: IdDocType,
    pub side: Option<DocSide>,
}

/// One image to take again, with the service's words for why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryItem {
    pub doc_type: IdDocType,
    pub side: Option<DocSide>,
    pub image_id: String,
    /// The moderation comment (meant for the applicant); never the client comment.
    pub comment: Option<String>,
    /// The image's reject labels, or its step's where the image has none.
    pub labels: Vec<String>,
}

/// A retry item as `kioskctl` prints it: with the English instruction for its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryReport {
    #[serde(flatten)]
    pub item: RetryItem,
    pub instruction: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Not decided yet.
    Pending {
        status: ReviewStatus,
    },
    /// Waiting for a compliance officer.
    OnHold,
    Approved,
    /// Take these images again; the others stay.
    Retry {
        items: Vec<RetryItem>,
        message: Option<String>,
    },
    /// Do not continue: the person goes to support.
    Final {
        message: Option<String>,
    },
    /// The entered data does not match the document; these fields need correcting.
    DataMismatch {
        fields: Vec<String>,
        message: Option<String>,
    },
}

/// Interprets the review. `images` maps the kiosk's uploads to their sides; an
/// image the kiosk does not know is described by its step.
pub fn interpret(state: &ReviewState, steps: &RequiredDocsStatus, images: &[ImageRef]) -> Outcome {
    let status = state.review_status.clone().unwrap_or(ReviewStatus::Init);
    match status {
        ReviewStatus::Completed => {}
        ReviewStatus::OnHold => return Outcome::OnHold,
        other => return Outcome::Pending { status: other },
    }
    let result = state.review_result.clone().unwrap_or_default();
    let message = result
        .moderation_comment
        .clone()
        .filter(|m| !m.trim().is_empty());
    match (result.review_answer, result.review_reject_type) {
        (Some(ReviewAnswer::Green), _) => Outcome::Approved,
        (Some(ReviewAnswer::Red), Some(RejectType::Final)) => Outcome::Final { message },
        (Some(ReviewAnswer::Red), reject) => {
            if result
                .reject_labels
                .iter()
                .any(|l| l == "PROBLEMATIC_APPLICANT_DATA")
            {
                let mut fields: Vec<String> = result
                    .button_ids
                    .iter()
                    .filter_map(|b| b.strip_prefix("dataMismatch_").map(str::to_owned))
                    .collect();
                fields.dedup();
                return Outcome::DataMismatch { fields, message };
            }
            let items = retry_items(steps, images);
            match reject {
                // RED without a reject type is treated as final: resubmitting cannot help when we cannot say what to fix.
                None if items.is_empty() => Outcome::Final { message },
                _ => Outcome::Retry { items, message },
            }
        }
        // Completed without an answer we understand: nothing to act on yet.
        _ => Outcome::Pending {
            status: ReviewStatus::Completed,
        },
    }
}

/// The rejected images: per-image results where the service gives them,
/// otherwise every image of a rejected step.
fn retry_items(steps: &RequiredDocsStatus, images: &[ImageRef]) -> Vec<RetryItem> {
    let by_id: BTreeMap<&str, &ImageRef> =
        images.iter().map(|i| (i.image_id.as_str(), i)).collect();
    let mut items = Vec::new();
    for step in steps.values().flatten() {
        let Some(step_result) = &step.review_result else {
            continue;
        };
        if step_result.review_answer != Some(ReviewAnswer::Red) {
            continue;
        }
        let step_comment = step_result
            .moderation_comment
            .clone()
            .filter(|c| !c.trim().is_empty());
        let step_labels = &step_result.reject_labels;
        let rejected: Vec<(&String, Option<String>, Vec<String>)> =
            if step.image_review_results.is_empty() {
                step.image_ids
                    .iter()
                    .map(|id| (id, step_comment.clone(), step_labels.clone()))
                    .collect()
            } else {
                step.image_review_results
                    .iter()
                    .filter(|(_, r)| r.review_answer == Some(ReviewAnswer::Red))
                    .map(|(id, r)| {
                        let comment = r
                            .moderation_comment
                            .clone()
                            .filter(|c| !c.trim().is_empty())
                            .or_else(|| step_comment.clone());
                        let labels = if r.reject_labels.is_empty() {
                            step_labels.clone()
                        } else {
                            r.reject_labels.clone()
                        };
                        (id, comment, labels)
                    })
                    .collect()
            };
        for (id, comment, labels) in rejected {
            let (doc_type, side) = match by_id.get(id.as_str()) {
                Some(i) => (i.doc_type.clone(), i.side.clone()),
                None => (
                    step.id_doc_type
                        .clone()
                        .unwrap_or(IdDocType::Other("UNKNOWN".into())),
                    None,
                ),
            };
            items.push(RetryItem {
                doc_type,
                side,
                image_id: id.clone(),
                comment,
                labels,
            });
        }
    }
    items
}

/// The data the service extracted and verified, for staff to continue with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct VerifiedData {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub document_type: Option<IdDocType>,
    pub document_number: Option<String>,
    pub document_expiry: Option<String>,
}

pub fn verified_data(applicant: &Applicant) -> Option<VerifiedData> {
    let info = applicant.info.as_ref()?;
    let doc = info
        .id_docs
        .iter()
        .find(|d| d.id_doc_type.as_ref() != Some(&IdDocType::Selfie));
    Some(VerifiedData {
        first_name: info
            .first_name
            .clone()
            .or_else(|| doc.and_then(|d| d.first_name.clone())),
        last_name: info
            .last_name
            .clone()
            .or_else(|| doc.and_then(|d| d.last_name.clone())),
        date_of_birth: info.dob.clone().or_else(|| doc.and_then(|d| d.dob.clone())),
        nationality: info
            .nationality
            .clone()
            .or_else(|| doc.and_then(|d| d.nationality.clone())),
        document_type: doc.and_then(|d| d.id_doc_type.clone()),
        document_number: doc.and_then(|d| d.number.clone()),
        document_expiry: doc.and_then(|d| d.valid_until.clone()),
    })
}

/// The outcome in the shape `kioskctl submit --wait --json` and `kioskctl watch --json` print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeReport {
    pub review_status: String,
    pub answer: Option<String>,
    pub reject_type: Option<String>,
    pub labels: Vec<String>,
    pub moderation_comment: Option<String>,
    pub retry: Vec<RetryReport>,
}

pub fn report(state: &ReviewState, outcome: &Outcome) -> OutcomeReport {
    let result = state.review_result.clone().unwrap_or_default();
    OutcomeReport {
        review_status: state
            .review_status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "init".into()),
        answer: result.review_answer.map(|a| a.to_string()),
        reject_type: result.review_reject_type.map(|r| r.to_string()),
        labels: result.reject_labels,
        moderation_comment: result.moderation_comment,
        retry: match outcome {
            Outcome::Retry { items, .. } => items
                .iter()
                .map(|item| RetryReport {
                    instruction: super::labels::instruction_text(super::labels::instruction_for(
                        &item.labels,
                    )),
                    item: item.clone(),
                })
                .collect(),
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: &str) -> ReviewState {
        serde_json::from_str(json).unwrap()
    }

    fn images() -> Vec<ImageRef> {
        vec![
            ImageRef {
                image_id: "11".into(),
                doc_type: IdDocType::IdCard,
                side: Some(DocSide::FrontSide),
            },
            ImageRef {
                image_id: "12".into(),
                doc_type: IdDocType::IdCard,
                side: Some(DocSide::BackSide),
            },
            ImageRef {
                image_id: "13".into(),
                doc_type: IdDocType::Selfie,
                side: None,
            },
        ]
    }

    #[test]
    fn not_completed_is_pending_or_on_hold() {
        let none = RequiredDocsStatus::new();
        assert_eq!(
            interpret(&state(r#"{"reviewStatus":"queued"}"#), &none, &[]),
            Outcome::Pending {
                status: ReviewStatus::Queued
            }
        );
        assert_eq!(
            interpret(&state(r#"{"reviewStatus":"onHold"}"#), &none, &[]),
            Outcome::OnHold
        );
        assert_eq!(
            interpret(&state(r#"{"reviewStatus":"awaitingService"}"#), &none, &[]),
            Outcome::Pending {
                status: ReviewStatus::Other("awaitingService".into())
            }
        );
    }

    #[test]
    fn green_is_approved_and_final_is_final() {
        let none = RequiredDocsStatus::new();
        let green =
            state(r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}"#);
        assert_eq!(interpret(&green, &none, &[]), Outcome::Approved);
        let fin = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"FINAL","rejectLabels":["FORGERY","SOMETHING_NEW"],"moderationComment":"Please contact support.","clientComment":"tampering"}}"#,
        );
        assert_eq!(
            interpret(&fin, &none, &[]),
            Outcome::Final {
                message: Some("Please contact support.".into())
            }
        );
    }

    #[test]
    fn retry_maps_rejected_images_to_sides_with_their_comments() {
        let st = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY","moderationComment":"Please retake a photo.","clientComment":"internal"}}"#,
        );
        let steps: RequiredDocsStatus = serde_json::from_str(r#"{
          "IDENTITY": {"reviewResult": {"reviewAnswer":"RED","reviewRejectType":"RETRY","rejectLabels":["UNSATISFACTORY_PHOTOS"],"moderationComment":"Step comment","clientComment":"never shown"},
                       "idDocType":"ID_CARD","imageIds":[11,12],
                       "imageReviewResults":{"11":{"reviewAnswer":"GREEN"},"12":{"reviewAnswer":"RED","moderationComment":"The text is not readable."}}},
          "SELFIE": {"reviewResult": {"reviewAnswer":"GREEN"}, "imageIds":[13], "imageReviewResults":{"13":{"reviewAnswer":"GREEN"}}}
        }"#).unwrap();
        let out = interpret(&st, &steps, &images());
        let Outcome::Retry { items, message } = out else {
            panic!("{out:?}")
        };
        assert_eq!(message.as_deref(), Some("Please retake a photo."));
        assert_eq!(
            items,
            vec![RetryItem {
                doc_type: IdDocType::IdCard,
                side: Some(DocSide::BackSide),
                image_id: "12".into(),
                comment: Some("The text is not readable.".into()),
                labels: vec!["UNSATISFACTORY_PHOTOS".into()],
            }]
        );
        let json = serde_json::to_string(&items).unwrap();
        assert!(!json.contains("never shown") && !json.contains("internal"));
    }

    #[test]
    fn labels_without_comments_give_the_labels_instruction_in_the_report() {
        let st = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY","rejectLabels":["UNSATISFACTORY_PHOTOS","BAD_FACE_MATCHING"]}}"#,
        );
        let steps: RequiredDocsStatus = serde_json::from_str(r#"{
          "IDENTITY": {"reviewResult": {"reviewAnswer":"RED","reviewRejectType":"RETRY","rejectLabels":["UNSATISFACTORY_PHOTOS"]},
                       "idDocType":"ID_CARD","imageIds":[11,12],
                       "imageReviewResults":{"11":{"reviewAnswer":"GREEN"},"12":{"reviewAnswer":"RED","moderationComment":" "}}},
          "SELFIE": {"reviewResult": {"reviewAnswer":"RED","rejectLabels":["BAD_FACE_MATCHING"]}, "idDocType":"SELFIE", "imageIds":[13],
                     "imageReviewResults":{"13":{"reviewAnswer":"RED","rejectLabels":["BAD_FACE_MATCHING"]}}}
        }"#).unwrap();
        let out = interpret(&st, &steps, &images());
        let r = report(&st, &out);
        let json = serde_json::to_value(&r.retry).unwrap();
        assert_eq!(json[0]["image_id"], "12");
        assert_eq!(
            json[0]["comment"],
            serde_json::Value::Null,
            "a blank comment is none"
        );
        assert_eq!(
            json[0]["labels"],
            serde_json::json!(["UNSATISFACTORY_PHOTOS"])
        );
        assert_eq!(
            json[0]["instruction"],
            super::super::labels::instruction_text("photo")
        );
        assert_eq!(json[1]["image_id"], "13");
        assert_eq!(
            json[1]["instruction"],
            super::super::labels::instruction_text("face_match")
        );
        assert_ne!(json[0]["instruction"], json[1]["instruction"]);
    }

    #[test]
    fn a_rejected_step_without_image_results_retakes_all_its_images_with_the_step_comment() {
        let st = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY"}}"#,
        );
        let steps: RequiredDocsStatus = serde_json::from_str(r#"{
          "SELFIE": {"reviewResult": {"reviewAnswer":"RED","moderationComment":"Face not visible."}, "idDocType":"SELFIE", "imageIds":[13, 99]}
        }"#).unwrap();
        let Outcome::Retry { items, .. } = interpret(&st, &steps, &images()) else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].doc_type, IdDocType::Selfie);
        assert_eq!(items[0].comment.as_deref(), Some("Face not visible."));
        // An image the kiosk did not upload is described by its step.
        assert_eq!(items[1].image_id, "99");
        assert_eq!(items[1].doc_type, IdDocType::Selfie);
    }

    #[test]
    fn problematic_applicant_data_names_the_fields() {
        let st = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY","rejectLabels":["PROBLEMATIC_APPLICANT_DATA"],"buttonIds":["dataMismatch_fullName","dataMismatch_dob","other"],"moderationComment":"Name differs."}}"#,
        );
        assert_eq!(
            interpret(&st, &RequiredDocsStatus::new(), &[]),
            Outcome::DataMismatch {
                fields: vec!["fullName".into(), "dob".into()],
                message: Some("Name differs.".into())
            }
        );
    }

    #[test]
    fn report_carries_the_raw_fields() {
        let st = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"FINAL","rejectLabels":["BLACKLIST"]}}"#,
        );
        let r = report(&st, &interpret(&st, &RequiredDocsStatus::new(), &[]));
        assert_eq!(r.review_status, "completed");
        assert_eq!(r.answer.as_deref(), Some("RED"));
        assert_eq!(r.reject_type.as_deref(), Some("FINAL"));
        assert_eq!(r.labels, vec!["BLACKLIST"]);
    }
}
