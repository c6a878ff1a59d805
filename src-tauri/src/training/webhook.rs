//! Signed webhook deliveries with the service's retry behaviour.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::verification::models::{ReviewResult, ReviewStatus};

use super::config::Webhooks;

/// One event, as the service sends it. No personal data.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub applicant_id: String,
    pub inspection_id: String,
    pub correlation_id: String,
    pub external_user_id: String,
    pub level_name: String,
    pub review_status: ReviewStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_result: Option<ReviewResult>,
    pub sandbox_mode: bool,
    /// `yyyy-MM-dd HH:mm:ss.fff` UTC
    pub created_at_ms: String,
}

pub use crate::verification::digest::digest;

/// Starts the delivery loop; events sent to the returned channel are delivered in the background.
pub fn start(config: Webhooks) -> mpsc::UnboundedSender<Event> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("webhook HTTP client");
        let mut held: Option<Event> = None;
        loop {
            let next = if config.out_of_order && held.is_some() {
                // Hold an event back until the next one went out, or at most half a second.
                match tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
                    Ok(e) => e,
                    Err(_) => {
                        if let Some(h) = held.take() {
                            deliver(&http, &config, h);
                        }
                        continue;
                    }
                }
            } else {
                rx.recv().await
            };
            let Some(event) = next else {
                if let Some(h) = held.take() {
                    deliver(&http, &config, h);
                }
                break;
            };
            if config.out_of_order {
                match held.take() {
                    Some(older) => {
                        deliver(&http, &config, event);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        deliver(&http, &config, older);
                    }
                    None => held = Some(event),
                }
            } else {
                deliver(&http, &config, event);
            }
        }
    });
    tx
}

fn deliver(http: &reqwest::Client, config: &Webhooks, event: Event) {
    let body = serde_json::to_vec(&event).expect("events serialise");
    let copies = if config.duplicate { 2 } else { 1 };
    for _ in 0..copies {
        let http = http.clone();
        let config = config.clone();
        let body = body.clone();
        tokio::spawn(async move {
            let sig = digest(config.alg, config.secret.as_bytes(), &body);
            let mut delays = config.retry_delays.iter();
            loop {
                let sent = http
                    .post(&config.url)
                    .header("Content-Type", "application/json")
                    .header(crate::verification::api::HEADER_PAYLOAD_DIGEST, &sig)
                    .header(
                        crate::verification::api::HEADER_PAYLOAD_DIGEST_ALG,
                        config.alg.header_name(),
                    )
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => return,
                    _ => match delays.next() {
                        Some(d) => tokio::time::sleep(*d).await,
                        None => {
                            tracing::warn!("training webhook not delivered after all retries");
                            return;
                        }
                    },
                }
            }
        });
    }
}
