//! The kiosk without a network: finished sessions go to the outbox when the
//! service cannot be reached (or at once, for a field kiosk set to queue
//! first), and a background sender delivers them when it can.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use specta::Type;

use crate::outbox::{self, Drained, Outbox, OutboxError, OutboxStatus, QueuedSession};
use crate::review::recent::RecentStore;
use crate::verification::Client;

use super::error::{Invalid, KioskError};
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
    /// Why not (a missing keychain, a key that does not fit), or why what
    /// waits cannot be read now.
    pub problem: Option<NoOutbox>,
    pub status: Option<OutboxStatus>,
}

/// Why sessions cannot be kept for later on this kiosk, for the window to say
/// in the person's language (the detail is in the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoOutbox {
    /// A self-service kiosk: nobody would be there to see sessions waiting.
    #[error("a self-service kiosk keeps no sessions for later")]
    SelfService,
    /// A training kiosk, with sessions from live mode waiting that it never sends.
    #[error("sessions from live mode wait in the outbox ({}); a training kiosk never sends them", waiting_list(.waiting))]
    LiveSessionsWaiting { waiting: Vec<Waiting> },
    /// The system keychain that holds the outbox's key cannot be used.
    #[error("the system keychain cannot be used")]
    Keychain,
    /// The outbox's key is gone from the keychain; what waits is kept, unread.
    #[error(
        "the outbox key is missing from the system keychain; {waiting} session(s) wait unread"
    )]
    KeyMissing { waiting: u32 },
    /// The key in the keychain belongs to another outbox.
    #[error("the outbox key in the system keychain does not open this outbox")]
    WrongKey,
    /// Written by a newer version of the kiosk.
    #[error("the outbox was written by a newer version of the kiosk")]
    Newer,
    /// The file cannot be opened or read.
    #[error("the outbox cannot be read")]
    Unreadable,
}

/// Sessions from live mode waiting for one service and account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Waiting {
    pub count: u32,
    /// The environment, address and account they will be sent to.
    pub destination: String,
}

fn waiting_list(waiting: &[Waiting]) -> String {
    let listed: Vec<String> = waiting
        .iter()
        .map(|w| format!("{} for {}", w.count, w.destination))
        .collect();
    listed.join("; ")
}

impl From<&OutboxError> for NoOutbox {
    fn from(e: &OutboxError) -> Self {
        match e {
            OutboxError::KeyMissing { waiting, .. } => Self::KeyMissing { waiting: *waiting },
            OutboxError::WrongKey { .. } => Self::WrongKey,
            OutboxError::Keychain(_) => Self::Keychain,
            OutboxError::Newer { .. } => Self::Newer,
            _ => Self::Unreadable,
        }
    }
}

impl NoOutbox {
    /// The reason for `e`, with its detail (a path, the database's words) in the log only.
    pub fn logged(e: &OutboxError) -> Self {
        tracing::warn!("the outbox cannot be used: {e}");
        Self::from(e)
    }
}

/// The kiosk's outbox, if it has one, what it knows about the network, and
/// the sender that delivers what waits.
#[derive(Default)]
pub struct Field {
    sender: Option<Sender>,
    problem: Option<NoOutbox>,
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
fn view(outbox: Option<&Outbox>, problem: &Option<NoOutbox>) -> OutboxView {
    let (status, problem) = match outbox.map(Outbox::status) {
        Some(Ok(s)) => (Some(s), problem.clone()),
        Some(Err(e)) => (None, Some(NoOutbox::logged(&e))),
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
        outbox: Result<Outbox, NoOutbox>,
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
        let sender = self.sender.as_ref().ok_or(Invalid::NoOutbox)?;
        let outbox = &sender.outbox;
        outbox
            .enqueue(&QueuedSession {
                submission,
                applicant_id,
                image_ids: vec![None; submission.images.len()],
                destination: outbox
                    .destination(sender.client.base_url(), sender.client.app_token()),
            })
            .map_err(KioskError::NotKept)?;
        Ok(outbox.waiting().unwrap_or(1))
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
                let waiting = sender.outbox.waiting().unwrap_or(0);
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
        .map_err(KioskError::OutboxFailed)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_the_reason_and_its_values_never_the_outboxs_path() {
        let missing = OutboxError::KeyMissing {
            waiting: 3,
            path: "/home/kiosk/.local/share/onboard-kiosk/outbox.sqlite3".into(),
        };
        let json = serde_json::to_value(NoOutbox::from(&missing)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"reason": "key_missing", "waiting": 3})
        );
        let other = OutboxError::WrongKey {
            path: "/somewhere".into(),
        };
        assert_eq!(NoOutbox::from(&other), NoOutbox::WrongKey);
        assert_eq!(
            NoOutbox::from(&OutboxError::Store("disk I/O error".into())),
            NoOutbox::Unreadable
        );
        let training = NoOutbox::LiveSessionsWaiting {
            waiting: vec![Waiting {
                count: 2,
                destination: "sandbox at https://api.example".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&training).unwrap(),
            serde_json::json!({"reason": "live_sessions_waiting",
                "waiting": [{"count": 2, "destination": "sandbox at https://api.example"}]})
        );
        assert!(training.to_string().contains("2 for sandbox"), "{training}");
    }
}
