//! A review's outcome as the screen shows it: pure mappings, no I/O.

use crate::review::{labels, ImageRef, Outcome};

use super::views::{OutcomeView, RetryView, Slot, VerifiedView};

pub(super) fn outcome_name(o: &OutcomeView) -> &'static str {
    match o {
        OutcomeView::Approved { .. } => "approved",
        OutcomeView::Retry { .. } => "retry",
        OutcomeView::Final { .. } => "final",
        OutcomeView::DataMismatch { .. } => "data_mismatch",
        OutcomeView::OnHold => "on_hold",
        OutcomeView::StillWaiting => "still_waiting",
        OutcomeView::Queued { .. } => "queued",
    }
}

/// What a customer alone at a self-service kiosk may read: the service's
/// reasons for a final rejection, the fields that did not match and the
/// reject labels are for staff (they can name a suspected forgery or another
/// person's data).
pub(super) fn for_customer(view: OutcomeView) -> OutcomeView {
    match view {
        OutcomeView::Retry {
            items,
            message,
            attempts_left,
        } => OutcomeView::Retry {
            items: items
                .into_iter()
                .map(|item| RetryView {
                    labels: Vec::new(),
                    ..item
                })
                .collect(),
            message,
            attempts_left,
        },
        OutcomeView::Final { .. } => OutcomeView::Final { message: None },
        OutcomeView::DataMismatch { .. } => OutcomeView::DataMismatch {
            fields: Vec::new(),
            message: None,
        },
        other => other,
    }
}

pub(super) fn view_outcome(
    outcome: Outcome,
    refs: &[(Slot, ImageRef)],
    attempt: u32,
    max_attempts: u32,
    verified: Option<crate::review::VerifiedData>,
) -> OutcomeView {
    match outcome {
        Outcome::Approved => OutcomeView::Approved {
            verified: verified.map(|v| VerifiedView {
                first_name: v.first_name,
                last_name: v.last_name,
                date_of_birth: v.date_of_birth,
                nationality: v.nationality,
                document_number: v.document_number,
                document_expiry: v.document_expiry,
            }),
        },
        Outcome::Retry { items, message } => {
            let attempts_left = max_attempts.saturating_sub(attempt);
            if attempts_left == 0 {
                return OutcomeView::Final { message };
            }
            let mut views: Vec<RetryView> = items
                .into_iter()
                .filter_map(|item| {
                    let slot = refs
                        .iter()
                        .find(|(_, r)| r.image_id == item.image_id)
                        .map(|(s, _)| *s)?;
                    Some(RetryView {
                        slot,
                        instruction: labels::instruction_for(&item.labels).to_owned(),
                        comment: item.comment,
                        labels: item.labels,
                    })
                })
                .collect();
            views.sort_by_key(|v| v.slot);
            views.dedup_by_key(|v| v.slot);
            if views.is_empty() {
                // The service named nothing the kiosk took: it cannot be fixed here.
                return OutcomeView::Final { message };
            }
            OutcomeView::Retry {
                items: views,
                message,
                attempts_left,
            }
        }
        Outcome::Final { message } => OutcomeView::Final { message },
        Outcome::DataMismatch { fields, message } => OutcomeView::DataMismatch { fields, message },
        Outcome::OnHold => OutcomeView::OnHold,
        Outcome::Pending { .. } => OutcomeView::StillWaiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::RetryItem;
    use crate::verification::models::{DocSide, IdDocType};

    fn refs() -> Vec<(Slot, ImageRef)> {
        [
            (Slot::Front, "img-front", Some(DocSide::FrontSide)),
            (Slot::Back, "img-back", Some(DocSide::BackSide)),
        ]
        .into_iter()
        .map(|(slot, id, side)| {
            (
                slot,
                ImageRef {
                    image_id: id.into(),
                    doc_type: IdDocType::IdCard,
                    side,
                },
            )
        })
        .collect()
    }

    fn retry(ids: &[&str]) -> Outcome {
        Outcome::Retry {
            items: ids
                .iter()
                .map(|id| RetryItem {
                    doc_type: IdDocType::IdCard,
                    side: None,
                    image_id: (*id).into(),
                    comment: Some(format!("{id} unreadable")),
                    labels: vec!["UNSATISFACTORY_PHOTOS".into()],
                })
                .collect(),
            message: Some("Please retake".into()),
        }
    }

    #[test]
    fn a_retry_names_the_slots_the_service_rejected() {
        let cases: [(&[&str], u32, &str); 4] = [
            (&["img-back"], 1, "retry back"),
            (
                &["img-back", "img-front", "img-back"],
                1,
                "retry back+front",
            ),
            (&["img-back"], 3, "final"),
            (&["img-unknown"], 1, "final"),
        ];
        for (ids, attempt, expected) in cases {
            let got = match view_outcome(retry(ids), &refs(), attempt, 3, None) {
                OutcomeView::Retry {
                    items,
                    attempts_left,
                    ..
                } => {
                    assert_eq!(attempts_left, 3 - attempt);
                    let slots: Vec<String> = items
                        .iter()
                        .map(|i| format!("{:?}", i.slot).to_lowercase())
                        .collect();
                    format!("retry {}", slots.join("+"))
                }
                OutcomeView::Final { .. } => "final".into(),
                other => format!("{other:?}"),
            };
            // Slots come in the order the level takes them, each once.
            let expected = expected.replace("back+front", "front+back");
            assert_eq!(got, expected, "{ids:?} at attempt {attempt}");
        }
    }

    #[test]
    fn a_customer_alone_gets_no_reasons_and_staff_get_them_all() {
        let final_ = OutcomeView::Final {
            message: Some("Signs of tampering".into()),
        };
        let mismatch = OutcomeView::DataMismatch {
            fields: vec!["dob".into()],
            message: Some("Date differs".into()),
        };
        assert_eq!(
            for_customer(final_.clone()),
            OutcomeView::Final { message: None }
        );
        assert_eq!(
            for_customer(mismatch),
            OutcomeView::DataMismatch {
                fields: Vec::new(),
                message: None
            }
        );
        let approved = OutcomeView::Approved { verified: None };
        assert_eq!(for_customer(approved.clone()), approved);
        assert_eq!(outcome_name(&final_), "final");
        let retry = view_outcome(retry(&["img-back"]), &refs(), 1, 3, None);
        let OutcomeView::Retry { items, .. } = for_customer(retry.clone()) else {
            panic!("{retry:?}")
        };
        assert!(items[0].labels.is_empty(), "labels are for staff");
        assert_eq!(items[0].instruction, "photo", "the instruction stays");
        assert_eq!(items[0].comment.as_deref(), Some("img-back unreadable"));
    }
}
