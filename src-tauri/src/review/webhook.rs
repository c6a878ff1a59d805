//! Webhook deliveries from the verification service (or a company relay):
//! verified, de-duplicated and applied in the order they were created.
//!
//! Off by default. When configured it listens on one address and takes
//! `POST /webhook`: the digest is checked over the raw body in constant time
//! before anything is parsed; a bad digest is 401, an unknown algorithm 400,
//! a body over 1 MiB 413, non-JSON after a good digest 400. Good deliveries
//! are answered at once and handed to the status stream.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use crate::credentials::Sensitive;
use crate::verification::api::{HEADER_PAYLOAD_DIGEST, HEADER_PAYLOAD_DIGEST_ALG};
use crate::verification::digest::{verify, DigestAlg};
use crate::verification::models::{ReviewResult, ReviewStatus};

/// The largest delivery accepted.
pub const MAX_BODY: usize = 1024 * 1024;

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

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match check(&headers, &body, r.secret.expose().as_bytes()) {
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
            // One byte over the limit is enough to know; the handler answers 413 itself.
            .layer(DefaultBodyLimit::max(MAX_BODY + 1))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("webhook receiver stopped: {e}");
            }
        });
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
    fn times_are_read_to_the_millisecond() {
        let a = event("a", "2026-11-27 10:00:01.250").created_ms().unwrap();
        let b = event("a", "2026-11-27 10:00:01.249").created_ms().unwrap();
        assert_eq!(a - b, 1);
    }
}
