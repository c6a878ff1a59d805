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
                // Hold an event back until the next one went out, or at most two seconds.
                match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vectors() {
        let body = br#"{"type":"applicantReviewed","applicantId":"65a1b2c3d4e5f60718293a4b","reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}"#;
        let secret = b"webhook-docs-example-secret";
        assert_eq!(
            digest(DigestAlg::Sha1, secret, body),
            "68c955a5d57e8c4852956dad357bd9ee31516372"
        );
        assert_eq!(
            digest(DigestAlg::Sha256, secret, body),
            "da62f7c78da78b3f44e6fe56627ed13c7518753ff885df83614c30fc02ddc314"
        );
        assert_eq!(
            digest(DigestAlg::Sha512, secret, body),
            "65c6089dceea95d45a3a4453c09b49b4e59f5baa0e229e157a58c67cc5d96f5c6a5b85471e9bb14ba5f24e5fd48d551dd4dcee2eb2968cb271485fad5791d1bd"
        );
    }
}
