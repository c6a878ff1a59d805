//! Keeping recent applicants current after their sessions ended: a periodic
//! re-read of reviews that can still change, and webhook deliveries.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use crate::review::recent::RecentStore;
use crate::review::recheck::{RecheckPolicy, RecheckUse};
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

/// Reads recent applicants' reviews again as `policy` schedules them: one
/// at a time, spaced out with jitter, never more than its budget a minute,
/// however many applicants the kiosk served. What it used is kept for
/// `kioskctl doctor` ([`RecheckUse`]).
pub(super) fn keep_current(
    client: Client,
    recent: Arc<RecentStore>,
    events: EventSink,
    policy: RecheckPolicy,
) -> Task {
    Task::spawn("recent applicants", async move {
        let mut used = RecheckUse {
            per_minute: policy.per_minute,
            ..RecheckUse::default()
        };
        let idle = policy.open_every.min(Duration::from_secs(60));
        loop {
            let now = chrono::Utc::now();
            let Some(id) = recent.due(&policy, now).into_iter().next() else {
                note_use(&mut used, &recent, &policy, None);
                tokio::time::sleep(idle).await;
                continue;
            };
            match client.review_status(&id).await {
                Ok(state) => apply(&recent, &events, &id, &state),
                Err(e) => {
                    tracing::debug!(applicant = %id, "a recent applicant's review could not be read: {e}")
                }
            }
            recent.checked(&id, now);
            note_use(&mut used, &recent, &policy, Some(now));
            tokio::time::sleep(policy.spacing(rand::random::<f64>())).await;
        }
    })
}

/// Notes a read (when `read` is given) and keeps the budget's use on disk
/// when it changed.
fn note_use(
    used: &mut RecheckUse,
    recent: &RecentStore,
    policy: &RecheckPolicy,
    read: Option<chrono::DateTime<chrono::Utc>>,
) {
    let now = chrono::Utc::now();
    let before = used.clone();
    used.forget_before(now);
    if let Some(at) = read {
        used.read_at(at);
    }
    (used.open, used.decided_followed, used.settled) = recent.followed(policy, now);
    if *used == before && read.is_none() {
        return;
    }
    let bytes = serde_json::to_vec(used).expect("the budget's use serialises");
    let path = recent.path().with_file_name(RecheckUse::FILE);
    if let Err(e) = crate::config::write_private(&path, &bytes) {
        tracing::debug!("the re-read budget's use could not be kept: {e}");
    }
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
