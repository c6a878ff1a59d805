//! The webhook receiver over real HTTP: signatures for all three algorithms,
//! every refusal with its status, duplicates and late deliveries, and the
//! training service delivering a review outcome to it.

use std::time::Duration;

use onboard_kiosk::credentials::Sensitive;
use onboard_kiosk::review::webhook::{WebhookEvent, WebhookReceiver};
use onboard_kiosk::training::{DigestAlg, Scenario, TrainingConfig, TrainingService, Webhooks};
use onboard_kiosk::verification::digest::digest;
use onboard_kiosk::verification::models::*;
use onboard_kiosk::verification::Client;
use tokio::sync::mpsc::UnboundedReceiver;

const SECRET: &str = "webhook-secret-for-tests";

async fn receiver() -> (WebhookReceiver, UnboundedReceiver<WebhookEvent>, String) {
    let (r, events) = WebhookReceiver::start(
        "127.0.0.1:0".parse().unwrap(),
        Sensitive::new(SECRET.to_owned()),
    )
    .await
    .unwrap();
    let url = format!("http://{}/webhook", r.addr);
    (r, events, url)
}

fn body(applicant: &str, at: &str, answer: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "applicantReviewed",
        "applicantId": applicant,
        "externalUserId": "ext-1",
        "reviewStatus": "completed",
        "reviewResult": { "reviewAnswer": answer },
        "createdAtMs": at,
    }))
    .unwrap()
}

async fn post(url: &str, alg: &str, digest: &str, body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("X-Payload-Digest-Alg", alg)
        .header("X-Payload-Digest", digest)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn signed_deliveries_are_accepted_for_every_algorithm() {
    let (_r, mut events, url) = receiver().await;
    for (i, alg) in [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512]
        .into_iter()
        .enumerate()
    {
        let b = body(&format!("app-{i}"), "2026-11-27 10:00:00.000", "GREEN");
        let d = digest(alg, SECRET.as_bytes(), &b);
        assert_eq!(post(&url, alg.header_name(), &d, b).await, 200, "{alg:?}");
        let e = tokio::time::timeout(Duration::from_secs(2), events.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.applicant_id, format!("app-{i}"));
    }
}

#[tokio::test]
async fn forged_unknown_truncated_oversized_and_non_json_deliveries_are_refused() {
    let (_r, mut events, url) = receiver().await;
    let b = body("app", "2026-11-27 10:00:00.000", "GREEN");
    let good = digest(DigestAlg::Sha256, SECRET.as_bytes(), &b);
    let alg = DigestAlg::Sha256.header_name();
    let mut flipped = good.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        post(&url, alg, std::str::from_utf8(&flipped).unwrap(), b.clone()).await,
        401,
        "wrong digest"
    );
    let other = digest(DigestAlg::Sha256, b"another-secret", &b);
    assert_eq!(
        post(&url, alg, &other, b.clone()).await,
        401,
        "wrong secret"
    );
    assert_eq!(
        post(&url, "HMAC_MD5_HEX", &good, b.clone()).await,
        400,
        "unknown algorithm"
    );
    assert_eq!(
        post(&url, alg, &good, b[..b.len() - 5].to_vec()).await,
        401,
        "truncated body"
    );
    let big = vec![b' '; 1024 * 1024 + 10];
    let big_digest = digest(DigestAlg::Sha256, SECRET.as_bytes(), &big);
    assert_eq!(post(&url, alg, &big_digest, big).await, 413, "oversized");
    let text = b"not json at all".to_vec();
    let text_digest = digest(DigestAlg::Sha256, SECRET.as_bytes(), &text);
    assert_eq!(post(&url, alg, &text_digest, text).await, 400, "non-JSON");
    assert!(
        events.try_recv().is_err(),
        "nothing refused reaches the status stream"
    );
}

#[tokio::test]
async fn duplicates_and_late_deliveries_leave_the_newest_state() {
    let (_r, mut events, url) = receiver().await;
    let alg = DigestAlg::Sha256;
    let send = |at: &'static str, answer: &'static str| {
        let url = url.clone();
        async move {
            let b = body("app", at, answer);
            let d = digest(alg, SECRET.as_bytes(), &b);
            post(&url, alg.header_name(), &d, b).await
        }
    };
    assert_eq!(send("2026-11-27 10:00:02.000", "RED").await, 200);
    assert_eq!(
        send("2026-11-27 10:00:02.000", "RED").await,
        200,
        "a duplicate is acknowledged"
    );
    assert_eq!(
        send("2026-11-27 10:00:01.000", "GREEN").await,
        200,
        "a late delivery is acknowledged"
    );
    let first = events.recv().await.unwrap();
    assert_eq!(
        first.review_result.unwrap().review_answer,
        Some(ReviewAnswer::Red)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        events.try_recv().is_err(),
        "neither the duplicate nor the older event was applied"
    );
}

#[tokio::test]
async fn the_training_service_delivers_review_outcomes_out_of_order_and_twice() {
    let (_r, mut events, url) = receiver().await;
    let svc = TrainingService::start(
        "127.0.0.1:0".parse().unwrap(),
        TrainingConfig {
            queue_delay: Duration::from_millis(50),
            review_delay: Duration::from_millis(150),
            webhooks: Some(Webhooks {
                url,
                secret: SECRET.into(),
                alg: DigestAlg::Sha512,
                retry_delays: vec![Duration::from_millis(100)],
                duplicate: true,
                out_of_order: true,
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    svc.set_scenario("ext-webhook", Scenario::Green);
    let a = client
        .create_applicant(
            "id-only",
            &NewApplicant {
                external_user_id: "ext-webhook".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let jpeg = kiosk_tests::samples::jpeg(7);
    client
        .add_document_image(
            &a.id,
            &DocMetadata {
                id_doc_type: IdDocType::Passport,
                id_doc_sub_type: None,
                country: Some("DEU".into()),
            },
            "p.jpg",
            "image/jpeg",
            &jpeg,
            None,
        )
        .await
        .unwrap();
    client.request_check(&a.id).await.unwrap();
    let mut last = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(2500), events.recv()).await {
            Ok(Some(e)) => {
                let done = e.review_status == Some(ReviewStatus::Completed);
                last = Some(e);
                if done {
                    break;
                }
            }
            _ => break,
        }
    }
    let last = last.expect("events arrived");
    assert_eq!(last.review_status, Some(ReviewStatus::Completed));
    assert_eq!(
        last.review_result.unwrap().review_answer,
        Some(ReviewAnswer::Green)
    );
}
