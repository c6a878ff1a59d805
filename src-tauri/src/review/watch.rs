//! Polling and webhooks as one stream: whichever learns of the decision first wins.

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use super::poller::{wait_for_review, PollPolicy, Waited};
use super::webhook::WebhookEvent;
use crate::verification::models::{ReviewState, ReviewStatus};
use crate::verification::{ApiError, Client};

/// How the decision became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnedBy {
    Polling,
    Webhook,
}

/// Where verified webhook deliveries come from.
pub trait Deliveries {
    /// The next delivery, or `None` once there will be no more.
    fn next(&mut self) -> impl std::future::Future<Output = Option<WebhookEvent>> + Send;
}

impl Deliveries for mpsc::UnboundedReceiver<WebhookEvent> {
    async fn next(&mut self) -> Option<WebhookEvent> {
        self.recv().await
    }
}

impl Deliveries for broadcast::Receiver<WebhookEvent> {
    async fn next(&mut self) -> Option<WebhookEvent> {
        loop {
            match self.recv().await {
                Ok(e) => return Some(e),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// No webhooks: polling alone.
pub struct NoDeliveries;

impl Deliveries for NoDeliveries {
    async fn next(&mut self) -> Option<WebhookEvent> {
        None
    }
}

/// Waits for the review of `applicant_id` by polling, and also through the
/// verified webhook `deliveries` (once they end, polling carries on alone). `on_status` sees each status
/// either path reports.
///
/// A delivery only says that something was decided; the decision itself is
/// then read from the service with a signed request, so a delivery can never
/// put words in the service's mouth.
pub async fn wait_for_decision(
    client: &Client,
    applicant_id: &str,
    policy: PollPolicy,
    mut deliveries: impl Deliveries,
    on_status: impl Fn(&ReviewStatus),
) -> Result<(Waited, LearnedBy), ApiError> {
    let on_status = &on_status;
    let polling = wait_for_review(client, applicant_id, policy, |state| {
        if let Some(status) = &state.review_status {
            on_status(status);
        }
    });
    let pushed = async {
        loop {
            let Some(e) = deliveries.next().await else {
                return std::future::pending::<ReviewState>().await;
            };
            if e.applicant_id != applicant_id {
                continue;
            }
            if e.review_status != Some(ReviewStatus::Completed) {
                if let Some(status) = &e.review_status {
                    on_status(status);
                }
                continue;
            }
            if let Ok(state) = client.review_status(applicant_id).await {
                if state.review_status == Some(ReviewStatus::Completed) {
                    return state;
                }
            }
        }
    };
    tokio::select! {
        waited = polling => waited.map(|w| (w, LearnedBy::Polling)),
        state = pushed => Ok((Waited::Completed(state), LearnedBy::Webhook)),
    }
}
