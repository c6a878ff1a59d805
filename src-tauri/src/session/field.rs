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

use super::kiosk::{EventSink, Kiosk, KioskError, KioskEvent};
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

/// The kiosk's outbox, if it has one, and what it knows about the network.
#[derive(Default)]
pub struct Field {
    outbox: Option<Arc<Outbox>>,
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
    pub fn new(outbox: Result<Outbox, String>) -> Self {
        match outbox {
            Ok(o) => Self {
                outbox: Some(Arc::new(o)),
                ..Default::default()
            },
            Err(problem) => Self {
                problem: Some(problem),
                ..Default::default()
            },
        }
    }

    pub(super) fn has_outbox(&self) -> bool {
        self.outbox.is_some()
    }

    /// The service failed to answer just now: new sessions go to the outbox for a while.
    pub(super) fn note_unreachable(&self) {
        self.network.unreachable();
    }

    pub(super) fn note_reachable(&self) {
        self.network.reachable();
    }

    pub(super) fn recently_offline(&self) -> bool {
        self.network.recently_offline()
    }

    pub(super) fn view(&self) -> OutboxView {
        view(self.outbox.as_deref(), &self.problem)
    }

    /// Keeps the session for later; returns how many wait now.
    pub(super) fn keep(
        &self,
        submission: &Submission,
        applicant_id: Option<String>,
        client: &Client,
    ) -> Result<u32, KioskError> {
        let outbox = self.outbox.as_ref().ok_or_else(|| {
            KioskError::Service(
                self.problem
                    .clone()
                    .unwrap_or_else(|| "this kiosk keeps no sessions for later".into()),
            )
        })?;
        outbox
            .enqueue(&QueuedSession {
                submission,
                applicant_id,
                image_ids: vec![None; submission.images.len()],
                destination: outbox.destination(client.base_url(), client.app_token()),
            })
            .map_err(|e| KioskError::Service(format!("the session could not be kept: {e}")))?;
        Ok(outbox.status().map(|s| s.waiting).unwrap_or(1))
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
    problem: Option<String>,
}

impl Sender {
    async fn send(&self) -> Result<Drained, KioskError> {
        let recent = self.recent.clone();
        let drained = outbox::drain(&self.outbox, &self.client, |sent| {
            recent.record(&sent.applicant_id, &sent.external_user_id);
        })
        .await
        .map_err(|e| KioskError::Service(e.to_string()))?;
        if drained.error.is_some() && drained.remaining > 0 {
            self.network.unreachable();
        } else {
            self.network.reachable();
        }
        (self.events)(KioskEvent::Outbox {
            outbox: view(Some(&self.outbox), &self.problem),
        });
        Ok(drained)
    }
}

impl Kiosk {
    fn sender(&self) -> Option<Sender> {
        let field = self.field();
        Some(Sender {
            outbox: field.outbox.clone()?,
            client: self.client().clone(),
            recent: self.recent_store(),
            events: self.event_sink(),
            network: field.network.clone(),
            problem: field.problem.clone(),
        })
    }

    pub fn outbox(&self) -> OutboxView {
        self.field().view()
    }

    /// Sends what waits now (staff pressed "Send now", or `kioskctl`-like automation).
    pub async fn send_outbox(&self) -> Result<Drained, KioskError> {
        let sender = self
            .sender()
            .ok_or_else(|| KioskError::Invalid("this kiosk keeps no sessions for later".into()))?;
        sender.send().await
    }

    /// Tries to send what waits every `every`, while anything waits.
    pub fn keep_outbox_sending(&self, every: Duration) {
        let Some(sender) = self.sender() else {
            return;
        };
        self.own(tokio::spawn(async move {
            loop {
                let waiting = sender.outbox.status().map(|s| s.waiting).unwrap_or(0);
                if waiting > 0 {
                    if let Err(e) = sender.send().await {
                        tracing::warn!("the outbox could not be sent: {e}");
                    }
                }
                tokio::time::sleep(every).await;
            }
        }));
    }
}
