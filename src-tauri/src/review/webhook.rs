//! Webhook deliveries from the verification service (or a company relay):
//! verified, de-duplicated and applied in the order they were created.
//!
//! Off by default. When configured it listens on one address and takes
//! `POST /webhook`: the digest is checked over the raw body in constant time
//! before anything is parsed; a bad digest is 401, an unknown algorithm 400,
//! a body over 1 MiB 413 (from its `Content-Length`, before it is read),
//! non-JSON after a good digest 400. Good deliveries are answered at once and
//! handed to the status stream.
//!
//! The receiver shares the kiosk's process, so nobody who can reach its port
//! may use up what the camera, the outbox and the logs need: it holds at most
//! [`MAX_CONNECTIONS`] connections, [`PER_SOURCE`] from one address, and gives
//! each [`CONNECTION_DEADLINE`] to send its request, [`HEADER_DEADLINE`] for
//! the headers. Connections over a limit are closed as soon as they are
//! accepted; the service retries a delivery that was not answered 200.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::credentials::Sensitive;
use crate::verification::api::{HEADER_PAYLOAD_DIGEST, HEADER_PAYLOAD_DIGEST_ALG};
use crate::verification::digest::{verify, DigestAlg};
use crate::verification::models::{ReviewResult, ReviewStatus};

/// The largest delivery accepted.
pub const MAX_BODY: usize = 1024 * 1024;
/// Connections held at once; more are closed when accepted.
pub const MAX_CONNECTIONS: usize = 64;
/// Connections held at once from one address.
pub const PER_SOURCE: usize = 8;
/// Time a connection has to send its request line and headers.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(5);
/// Time a connection is held at all, body included.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(15);

/// What a delivery says about an applicant. No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub applicant_id: String,
    #[serde(default)]
    pub external_user_id: Option<String>,
    #[serde(default)]
    pub review_status: Option<ReviewStatus>,
    #[serde(default)]
    pub review_result: Option<ReviewResult>,
    /// `yyyy-MM-dd HH:mm:ss.fff` in UTC; orders events of one applicant.
    pub created_at_ms: String,
}

impl WebhookEvent {
    /// Milliseconds since the epoch, or `None` when the time is not readable.
    pub fn created_ms(&self) -> Option<i64> {
        chrono::NaiveDateTime::parse_from_str(&self.created_at_ms, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|t| t.and_utc().timestamp_millis())
    }
}

/// Why a delivery was refused, with the HTTP status it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the digest does not match the body")]
    BadDigest,
    #[error("unknown or missing digest algorithm")]
    UnknownAlgorithm,
    #[error("the body is larger than 1 MiB")]
    TooLarge,
    #[error("the body is not a review event")]
    NotJson,
}

impl Refused {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadDigest => StatusCode::UNAUTHORIZED,
            Self::UnknownAlgorithm | Self::NotJson => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

/// Checks one delivery: algorithm, size, digest over the raw bytes, then the JSON.
pub fn check(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> Result<WebhookEvent, Refused> {
    let alg = headers
        .get(HEADER_PAYLOAD_DIGEST_ALG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DigestAlg::from_header(v.trim()))
        .ok_or(Refused::UnknownAlgorithm)?;
    if body.len() > MAX_BODY {
        return Err(Refused::TooLarge);
    }
    let received = headers
        .get(HEADER_PAYLOAD_DIGEST)
        .and_then(|v| v.to_str().ok())
        .ok_or(Refused::BadDigest)?;
    if !verify(alg, secret, body, received) {
        return Err(Refused::BadDigest);
    }
    serde_json::from_slice(body).map_err(|_| Refused::NotJson)
}

/// Remembers what was applied, so repeated and late deliveries change nothing.
#[derive(Default)]
pub struct Ordering {
    seen: HashSet<(String, String, String)>,
    newest: HashMap<String, i64>,
}

impl Ordering {
    /// True when the event is new and not older than what was applied for its applicant.
    pub fn admit(&mut self, e: &WebhookEvent) -> bool {
        let key = (
            e.applicant_id.clone(),
            e.kind.clone(),
            e.created_at_ms.clone(),
        );
        if !self.seen.insert(key) {
            return false;
        }
        let at = e.created_ms().unwrap_or(i64::MIN);
        match self.newest.get(&e.applicant_id) {
            Some(newest) if *newest > at => false,
            _ => {
                self.newest.insert(e.applicant_id.clone(), at);
                true
            }
        }
    }
}

struct Receiver {
    secret: Sensitive<String>,
    ordering: Mutex<Ordering>,
    out: mpsc::UnboundedSender<WebhookEvent>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Body) -> StatusCode {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // A declared size over the limit is refused unread; otherwise one byte
    // over the limit is enough to know.
    let body = if declared.is_some_and(|n| n > MAX_BODY as u64) {
        None
    } else {
        axum::body::to_bytes(body, MAX_BODY + 1).await.ok()
    };
    let checked = match body {
        Some(body) => check(&headers, &body, r.secret.expose().as_bytes()),
        None => Err(Refused::TooLarge),
    };
    match checked {
        Ok(event) => {
            if r.ordering.lock().expect("webhook ordering").admit(&event) {
                let _ = r.out.send(event);
            }
            StatusCode::OK
        }
        Err(refused) => {
            tracing::warn!("webhook refused: {refused}");
            refused.status()
        }
    }
}

/// A running receiver. Dropping it stops listening.
pub struct WebhookReceiver {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl WebhookReceiver {
    /// Listens on `addr`; admitted events arrive on the returned channel, oldest first per applicant.
    pub async fn start(
        addr: SocketAddr,
        secret: Sensitive<String>,
    ) -> std::io::Result<(Self, mpsc::UnboundedReceiver<WebhookEvent>)> {
        let (out, events) = mpsc::unbounded_channel();
        let state = Arc::new(Receiver {
            secret,
            ordering: Mutex::default(),
            out,
        });
        let app = axum::Router::new()
            .route("/webhook", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, app, stopped));
        tracing::info!(%addr, "webhook receiver listening");
        Ok((
            Self {
                addr,
                stop: Some(stop),
            },
            events,
        ))
    }
}

/// Who holds a connection: released when the connection ends.
struct Slot {
    _global: OwnedSemaphorePermit,
    source: IpAddr,
    sources: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut sources = self.sources.lock().expect("webhook sources");
        if let Some(n) = sources.get_mut(&self.source) {
            *n -= 1;
            if *n == 0 {
                sources.remove(&self.source);
            }
        }
    }
}

/// A slot for a connection from `source`, or `None` when a limit is reached.
fn admit(
    global: &Arc<Semaphore>,
    sources: &Arc<Mutex<HashMap<IpAddr, usize>>>,
    source: IpAddr,
) -> Option<Slot> {
    let mut held = sources.lock().expect("webhook sources");
    if held.get(&source).is_some_and(|n| *n >= PER_SOURCE) {
        return None;
    }
    let permit = global.clone().try_acquire_owned().ok()?;
    *held.entry(source).or_insert(0) += 1;
    Some(Slot {
        _global: permit,
        source,
        sources: sources.clone(),
    })
}

/// Accepts connections until `stopped`; each runs in a set owned by this
/// task, so stopping the receiver ends them too.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stopped: oneshot::Receiver<()>,
) {
    let global = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let sources = Arc::new(Mutex::new(HashMap::new()));
    let mut connections = tokio::task::JoinSet::new();
    let mut refused_since_logged = 0u64;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors or similar: let the process breathe.
                        tracing::warn!("webhook receiver: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(slot) = admit(&global, &sources, peer.ip()) else {
                    drop(stream);
                    if refused_since_logged == 0 {
                        tracing::warn!(
                            "webhook receiver: connection limit reached ({MAX_CONNECTIONS} in all, {PER_SOURCE} per address); closing new connections"
                        );
                    }
                    refused_since_logged += 1;
                    continue;
                };
                if refused_since_logged > 1 {
                    tracing::warn!("webhook receiver: {refused_since_logged} connections were closed over the limit");
                }
                refused_since_logged = 0;
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                connections.spawn(async move {
                    let _slot = slot;
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let mut builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .http1_only();
                    builder
                        .http1()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_DEADLINE)
                        .keep_alive(false);
                    let _ = tokio::time::timeout(
                        CONNECTION_DEADLINE,
                        builder.serve_connection(io, service),
                    )
                    .await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(applicant: &str, at: &str) -> WebhookEvent {
        WebhookEvent {
            kind: "applicantReviewed".into(),
            applicant_id: applicant.into(),
            external_user_id: None,
            review_status: Some(ReviewStatus::Completed),
            review_result: None,
            created_at_ms: at.into(),
        }
    }

    #[test]
    fn duplicates_and_older_events_are_not_applied() {
        let mut o = Ordering::default();
        assert!(o.admit(&event("a", "2026-11-27 10:00:01.000")));
        assert!(
            !o.admit(&event("a", "2026-11-27 10:00:01.000")),
            "duplicate"
        );
        assert!(!o.admit(&event("a", "2026-11-27 10:00:00.500")), "older");
        assert!(
            o.admit(&event("b", "2026-11-27 09:00:00.000")),
            "other applicant"
        );
        assert!(o.admit(&event("a", "2026-11-27 10:00:02.000")));
    }

    #[test]
    fn connections_are_limited_per_address_and_in_all() {
        let global = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let sources = Arc::new(Mutex::new(HashMap::new()));
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let mut held: Vec<Slot> = (0..PER_SOURCE)
            .map(|_| admit(&global, &sources, a).expect("under the limit"))
            .collect();
        assert!(
            admit(&global, &sources, a).is_none(),
            "one address is capped"
        );
        held.pop();
        assert!(
            admit(&global, &sources, a).is_some(),
            "a closed connection frees its slot"
        );
        let mut others = Vec::new();
        for i in 0..=255u8 {
            if let Some(s) = admit(&global, &sources, IpAddr::from([10, 0, 1, i])) {
                others.push(s);
            }
        }
        assert_eq!(
            others.len() + held.len(),
            MAX_CONNECTIONS,
            "the total is capped"
        );
        drop(others);
        drop(held);
        assert!(
            sources.lock().unwrap().is_empty(),
            "every slot was given back"
        );
        assert_eq!(global.available_permits(), MAX_CONNECTIONS);
    }

    #[test]
    fn times_are_read_to_the_millisecond() {
        let a = event("a", "2026-11-27 10:00:01.250").created_ms().unwrap();
        let b = event("a", "2026-11-27 10:00:01.249").created_ms().unwrap();
        assert_eq!(a - b, 1);
    }
}
