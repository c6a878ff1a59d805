//! The kiosk without a network: finished sessions go to the outbox when the
//! service cannot be reached (or at once, for a field kiosk set to queue
//! first), and a background sender delivers them when it can.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use specta::Type;

use crate::outbox::{self, Drained, Outbox, OutboxStatus, QueuedSession};
use crate::review::recent::RecentStore;
use crate::verification::Client;

use super::error::{Invalid, KioskError, ServiceFailure};
use super::tasks::Task;
use super::views::{EventSink, KioskEvent};
use crate::submission::Submission;

/// After the service was found unreachable, new sessions skip it for this long
/// (so a person is not kept waiting on a network that is known to be gone).
const OFFLINE_MEMORY: Duration = Duration::from_secs(60);

/// The outbox as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OutboxView {
    /// Whether sessions can be kept for later on this kiosk.
    pub available: bool,
    /// Why not, in plain words (a missing keychain, a key that does not fit).
    pub problem: Option<String>,
    pub status: Option<OutboxStatus>,
}

/// The kiosk's outbox, if it has one, what it knows about the network, and
/// the sender that delivers what waits.
#[derive(Default)]
pub struct Field {
    sender: Option<Sender>,
    problem: Option<String>,
    network: Network,
}

/// When the service was last found unreachable (none: it answered since),
/// shared by the sessions and the background sender.
#[derive(Clone, Default)]
struct Network(Arc<Mutex<Option<Instant>>>);

impl Network {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn unreachable(&self) {
        self.lock().get_or_insert_with(Instant::now);
    }

    fn reachable(&self) {
        self.lock().take();
    }

    fn recently_offline(&self) -> bool {
        self.lock().is_some_and(|t| t.elapsed() < OFFLINE_MEMORY)
    }
}

/// The outbox's state for staff; a status that cannot be read becomes the problem shown.
fn view(outbox: Option<&Outbox>, problem: &Option<String>) -> OutboxView {
    let (status, problem) = match outbox.map(Outbox::status) {
        Some(Ok(s)) => (Some(s), problem.clone()),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, problem.clone()),
    };
    OutboxView {
        available: outbox.is_some(),
        problem,
        status,
    }
}

impl Field {
    /// With the outbox (or why there is none); sessions it sends go to
    /// `client`'s service and into `recent`, and staff hear of it through `events`.
    pub fn new(
        outbox: Result<Outbox, String>,
        client: Client,
        recent: Arc<RecentStore>,
        events: EventSink,
    ) -> Self {
        let network = Network::default();
        match outbox {
            Ok(o) => Self {
                sender: Some(Sender {
                    outbox: Arc::new(o),
                    client,
                    recent,
                    events,
                    network: network.clone(),
                }),
                problem: None,
                network,
            },
            Err(problem) => Self {
                sender: None,
                problem: Some(problem),
                network,
            },
        }
    }

    pub fn has_outbox(&self) -> bool {
        self.sender.is_some()
    }

    /// Whether a first submission goes to the outbox without trying the
    /// service: a field kiosk that queues first, or a network known to be gone.
    pub fn goes_offline(&self, queue_first: bool) -> bool {
        self.has_outbox() && (queue_first || self.network.recently_offline())
    }

    /// The service failed to answer just now: new sessions go to the outbox for a while.
    pub fn note_unreachable(&self) {
        self.network.unreachable();
    }

    pub fn note_reachable(&self) {
        self.network.reachable();
    }

    pub fn view(&self) -> OutboxView {
        view(
            self.sender.as_ref().map(|s| s.outbox.as_ref()),
            &self.problem,
        )
    }

    /// Keeps the session for later, bound to the service and account this
    /// kiosk sends to; returns how many wait now.
    pub fn keep(
        &self,
        submission: &Submission,
        applicant_id: Option<String>,
    ) -> Result<u32, KioskError> {
        let sender = self.sender.as_ref().ok_or_else(|| match &self.problem {
            Some(problem) => KioskError::Service(ServiceFailure::new(problem.clone())),
            None => Invalid::NoOutbox.into(),
        })?;
        let outbox = &sender.outbox;
        outbox
            .enqueue(&QueuedSession {
                submission,
                applicant_id,
                image_ids: vec![None; submission.images.len()],
                destination: outbox
                    .destination(sender.client.base_url(), sender.client.app_token()),
            })
            .map_err(|e| {
                KioskError::Service(ServiceFailure::new(format!(
                    "the session could not be kept: {e}"
                )))
            })?;
        Ok(outbox.status().map(|s| s.waiting).unwrap_or(1))
    }

    /// Sends what waits now (staff pressed "Send now").
    pub async fn send(&self) -> Result<Drained, KioskError> {
        self.sender.as_ref().ok_or(Invalid::NoOutbox)?.send().await
    }

    /// Tries to send what waits every `every`, while anything waits; none
    /// without an outbox.
    pub fn keep_sending(&self, every: Duration) -> Option<Task> {
        let sender = self.sender.clone()?;
        Some(Task::spawn("outbox sender", async move {
            loop {
                let waiting = sender.outbox.status().map(|s| s.waiting).unwrap_or(0);
                if waiting > 0 {
                    if let Err(e) = sender.send().await {
                        tracing::warn!("the outbox could not be sent: {e}");
                    }
                }
                tokio::time::sleep(every).await;
            }
        }))
    }
}

/// What a drain needs, cloneable into a background task.
#[derive(Clone)]
struct Sender {
    outbox: Arc<Outbox>,
    client: Client,
    recent: Arc<RecentStore>,
    events: EventSink,
    network: Network,
}

impl Sender {
    async fn send(&self) -> Result<Drained, KioskError> {
        let recent = self.recent.clone();
        let drained = outbox::drain(&self.outbox, &self.client, |sent| {
            recent.record(&sent.applicant_id, &sent.external_user_id);
        })
        .await
        .map_err(|e| KioskError::Service(ServiceFailure::new(e.to_string())))?;
        if drained.error.is_some() && drained.remaining > 0 {
            self.network.unreachable();
        } else {
            self.network.reachable();
        }
        (self.events)(KioskEvent::Outbox {
            outbox: view(Some(&self.outbox), &None),
        });
        Ok(drained)
    }
}
