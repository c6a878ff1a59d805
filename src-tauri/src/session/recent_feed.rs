//! Keeping recent applicants current after their sessions ended: a periodic
//! re-read of reviews that can still change, and webhook deliveries.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use crate::review::recent::RecentStore;
use crate::review::webhook::WebhookEvent;
use crate::verification::models::ReviewState;
use crate::verification::Client;

use super::tasks::Task;
use super::views::{EventSink, KioskEvent};

/// Takes a review state into the recent list, telling the window when it changed.
pub(super) fn apply(
    recent: &RecentStore,
    events: &EventSink,
    applicant_id: &str,
    state: &ReviewState,
) {
    if let Some(applicant) = recent.update(applicant_id, state) {
        if applicant.turned_red {
            tracing::warn!(applicant = %applicant_id, "an approved applicant was rejected later");
        }
        events(KioskEvent::Recent { applicant });
    }
}

/// Re-reads the review of every applicant in the recent list whose outcome
/// can still change, every `every`, so a later rejection shows up.
pub(super) fn keep_current(
    client: Client,
    recent: Arc<RecentStore>,
    events: EventSink,
    every: Duration,
) -> Task {
    Task::spawn("recent applicants", async move {
        loop {
            tokio::time::sleep(every).await;
            for id in recent.still_open() {
                if let Ok(state) = client.review_status(&id).await {
                    apply(&recent, &events, &id, &state);
                }
            }
        }
    })
}

/// Takes verified webhook deliveries into the recent list and passes them on
/// to the open session's review watch.
///
/// A delivery only says that something changed: the recent list takes the
/// status from a signed read of the service, so a replayed or reordered
/// delivery can never set an old status.
pub(super) fn feed(
    client: Client,
    recent: Arc<RecentStore>,
    events: EventSink,
    mut deliveries: mpsc::UnboundedReceiver<WebhookEvent>,
    updates: broadcast::Sender<WebhookEvent>,
) -> Task {
    Task::spawn("webhook deliveries", async move {
        while let Some(e) = deliveries.recv().await {
            if recent.contains(&e.applicant_id) {
                match client.review_status(&e.applicant_id).await {
                    Ok(state) => apply(&recent, &events, &e.applicant_id, &state),
                    Err(err) => {
                        tracing::warn!("a webhook announced a change that could not be read: {err}")
                    }
                }
            }
            let _ = updates.send(e);
        }
    })
}
