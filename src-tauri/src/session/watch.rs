//! Following the open session's review to its outcome: polling (woken early
//! by webhooks), then the outcome as the screen shows it.

use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::config::Profile;
use crate::review::recent::RecentStore;
use crate::review::webhook::WebhookEvent;
use crate::review::{
    interpret, verified_data, wait_for_decision, ImageRef, Outcome, PollPolicy, Waited,
};
use crate::verification::models::ReviewStatus;
use crate::verification::Client;

use super::outcome_view::{for_customer, outcome_name, view_outcome};
use super::recent_feed;
use super::state::{if_current, is_current, Session};
use super::tasks::Task;
use super::views::{EventSink, KioskEvent, OutcomeView, Slot};

/// What a review watch needs, taken from the kiosk when it starts.
pub(super) struct Watch {
    pub client: Client,
    pub session: Arc<Mutex<Option<Session>>>,
    pub events: EventSink,
    pub policy: PollPolicy,
    pub max_attempts: u32,
    pub profile: Profile,
    pub updates: broadcast::Receiver<WebhookEvent>,
    pub recent: Arc<RecentStore>,
}

impl Watch {
    /// Follows `applicant_id`'s review for the session of `generation`. A
    /// session wiped meanwhile hears nothing: its review goes on in recent
    /// applicants, never on the next customer's screen.
    pub fn start(self, applicant_id: String, refs: Vec<(Slot, ImageRef)>, generation: u64) -> Task {
        Task::spawn("review watch", self.run(applicant_id, refs, generation))
    }

    async fn run(self, applicant_id: String, refs: Vec<(Slot, ImageRef)>, generation: u64) {
        let Watch {
            client,
            session,
            events,
            policy,
            max_attempts,
            profile,
            updates,
            recent,
        } = self;
        let status_events = events.clone();
        let waiting = session.clone();
        let waited = wait_for_decision(&client, &applicant_id, policy, updates, |s| {
            if is_current(&waiting, generation) {
                status_events(KioskEvent::Review {
                    status: s.to_string(),
                })
            }
        })
        .await
        .map(|(waited, _)| waited);
        if let Ok(Waited::Completed(state) | Waited::StillWaiting(state)) = &waited {
            recent_feed::apply(&recent, &events, &applicant_id, state);
        }
        let outcome = match waited {
            Ok(Waited::Completed(state)) => {
                let steps = client
                    .required_docs_status(&applicant_id)
                    .await
                    .unwrap_or_default();
                let images: Vec<ImageRef> = refs.iter().map(|(_, r)| r.clone()).collect();
                let outcome = interpret(&state, &steps, &images);
                let attempt = super::lock(&session)
                    .as_ref()
                    .map(|s| s.attempt)
                    .unwrap_or(1);
                // Staff see what the service read from the document; a
                // customer alone at the kiosk is never shown personal data.
                let verified =
                    if matches!(outcome, Outcome::Approved) && profile != Profile::SelfService {
                        client
                            .applicant(&applicant_id)
                            .await
                            .ok()
                            .as_ref()
                            .and_then(verified_data)
                    } else {
                        None
                    };
                let view = view_outcome(outcome, &refs, attempt, max_attempts, verified);
                if profile == Profile::SelfService {
                    for_customer(view)
                } else {
                    view
                }
            }
            Ok(Waited::StillWaiting(state))
                if state.review_status == Some(ReviewStatus::OnHold) =>
            {
                OutcomeView::OnHold
            }
            Ok(Waited::StillWaiting(_)) => OutcomeView::StillWaiting,
            Err(e) => {
                if is_current(&session, generation) {
                    events(KioskEvent::Failed {
                        message: format!("following the review failed: {e}"),
                    });
                }
                return;
            }
        };
        if if_current(&session, generation, |s| s.decided(&outcome)).is_none() {
            return;
        }
        tracing::info!(applicant = %applicant_id, outcome = outcome_name(&outcome), "review decided");
        events(KioskEvent::Outcome { outcome });
    }
}
