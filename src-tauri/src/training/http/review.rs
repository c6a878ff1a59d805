//! Requesting a check, and the review that follows it on timers, with the
//! webhooks each change sends.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::verification::models::*;

use super::super::script::{Decision, Scenario};
use super::super::store::{Refusal, StoredApplicant};
use super::super::webhook::Event;
use super::super::Shared;
use super::{ok_json, Shared_};

use super::guards::{correlation_id, refusal};

pub(super) async fn request_check(State(s): Shared_, Path(id): Path<String>) -> Response {
    let (generation, event) = {
        let mut store = s.store.lock().expect("store lock");
        let generation = match store.request_check(&s.config, &id) {
            Ok(g) => g,
            Err(r) => return refusal(r),
        };
        let a = store.applicant(&id).expect("exists");
        (generation, s.event("applicantPending", a))
    };
    s.emit(event);
    tokio::spawn(review_lifecycle(s.clone(), id, generation));
    ok_json(json!({"ok": 1}))
}

/// pending → queued → (onHold →) completed, and for one scenario a later rejection.
pub(super) async fn review_lifecycle(s: Arc<Shared>, id: String, generation: u64) {
    tokio::time::sleep(s.config.queue_delay).await;
    if !s.store.lock().expect("store lock").queue(&id, generation) {
        return;
    }
    loop {
        tokio::time::sleep(s.config.review_delay).await;
        let (decision, event, scenario) = {
            let mut store = s.store.lock().expect("store lock");
            let Some(decision) = store.decide(&s.config, &id, generation) else {
                return;
            };
            let a = store.applicant(&id).expect("exists");
            let kind = if decision == Decision::OnHold {
                "applicantOnHold"
            } else {
                "applicantReviewed"
            };
            (decision, s.event(kind, a), a.scenario)
        };
        s.emit(event);
        if decision == Decision::OnHold {
            continue;
        }
        if decision == Decision::Green && scenario == Scenario::GreenThenRed {
            // Approved, then opened again (pending, on hold), then rejected.
            let steps = [
                (Some(ReviewStatus::Pending), "applicantPending"),
                (Some(ReviewStatus::OnHold), "applicantOnHold"),
                (None, "applicantReviewed"),
            ];
            for (status, kind) in steps {
                tokio::time::sleep(s.config.later_rejection_delay / 3).await;
                let event = {
                    let mut store = s.store.lock().expect("store lock");
                    let moved = match status {
                        Some(to) => store.reopen_later(&id, generation, to),
                        None => store.reject_later(&id, generation),
                    };
                    if !moved {
                        return;
                    }
                    s.event(kind, store.applicant(&id).expect("exists"))
                };
                s.emit(event);
            }
        }
        return;
    }
}

pub(super) async fn test_completed(
    State(s): Shared_,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !s.config.app_token.starts_with("sbx:") {
        return refusal(Refusal::new(
            400,
            "Simulated reviews are only available in the sandbox",
        ));
    }
    let Ok(sim) = serde_json::from_slice::<SimulatedReview>(&body) else {
        return refusal(Refusal::new(400, "Invalid JSON body"));
    };
    let event = {
        let mut store = s.store.lock().expect("store lock");
        let decision = match (&sim.review_answer, &sim.review_reject_type) {
            (Some(ReviewAnswer::Green), _) => Decision::Green,
            (Some(ReviewAnswer::Red), Some(RejectType::Final)) => Decision::Final,
            (Some(ReviewAnswer::Red), _) => Decision::RetryFront,
            _ => return refusal(Refusal::new(400, "reviewAnswer must be GREEN or RED")),
        };
        if let Err(r) = store.applicant(&id) {
            return refusal(r);
        }
        store.complete(&s.config, &id, decision);
        let a = store.applicant_mut(&id).expect("exists");
        a.generation += 1;
        if let Some(result) = a.result.as_mut() {
            if sim.review_answer == Some(ReviewAnswer::Red) {
                result.reject_labels = sim.reject_labels.clone();
                result.review_reject_type =
                    sim.review_reject_type.clone().or(Some(RejectType::Retry));
                result.moderation_comment = sim.moderation_comment.clone();
                result.client_comment = sim.client_comment.clone();
            }
        }
        s.event("applicantReviewed", a)
    };
    s.emit(event);
    ok_json(json!({"ok": 1}))
}

impl Shared {
    pub(super) fn event(&self, kind: &str, a: &StoredApplicant) -> Event {
        Event {
            kind: kind.to_owned(),
            applicant_id: a.id.clone(),
            inspection_id: a.inspection_id.clone(),
            correlation_id: correlation_id(),
            external_user_id: a.external_user_id.clone(),
            level_name: a.level.clone(),
            review_status: a.status.clone(),
            review_result: if a.status == ReviewStatus::Completed {
                a.result.clone()
            } else {
                None
            },
            sandbox_mode: true,
            created_at_ms: chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string(),
        }
    }

    pub(super) fn emit(&self, event: Event) {
        if let Some(tx) = &self.webhooks {
            let _ = tx.send(event);
        }
    }
}
