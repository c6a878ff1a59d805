//! How long after the service decides a review the kiosk knows the outcome:
//! by webhook, and by polling at the default policy (2 s, ×1.5, capped at 30 s).
//!
//! The training service (default review timing) signs and delivers webhooks to
//! a local receiver; the same reviews are polled at the same time. A delivery
//! on this computer takes about a millisecond, so the webhook's arrival marks
//! when the review was decided.
//!
//! `cargo run --release -p onboard-kiosk --example review_latency [N]`

use std::time::{Duration, Instant};

use onboard_kiosk::credentials::Sensitive;
use onboard_kiosk::review::webhook::WebhookReceiver;
use onboard_kiosk::review::{wait_for_review, PollPolicy, Waited};
use onboard_kiosk::training::{DigestAlg, TrainingConfig, TrainingService, Webhooks};
use onboard_kiosk::verification::models::ReviewStatus;
use onboard_kiosk::verification::models::*;
use onboard_kiosk::verification::Client;

fn jpeg(seed: u8) -> Vec<u8> {
    let mut img = image::RgbImage::new(64, 40);
    for (i, p) in img.pixels_mut().enumerate() {
        *p = image::Rgb([(i as u8).wrapping_mul(seed), seed, 90]);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode");
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let (receiver, mut deliveries) = WebhookReceiver::start(
        "127.0.0.1:0".parse().unwrap(),
        Sensitive::new("latency".to_owned()),
    )
    .await
    .expect("receiver");
    let svc = TrainingService::start(
        "127.0.0.1:0".parse().unwrap(),
        TrainingConfig {
            webhooks: Some(Webhooks {
                url: format!("http://{}/webhook", receiver.addr),
                secret: "latency".into(),
                alg: DigestAlg::Sha256,
                retry_delays: vec![Duration::from_secs(1)],
                duplicate: false,
                out_of_order: false,
            }),
            ..Default::default()
        },
    )
    .await
    .expect("training service");
    let client = Client::new(&svc.base_url, svc.credentials()).expect("client");
    let started = Instant::now();
    let mut ids = Vec::new();
    for i in 0..n {
        let a = client
            .create_applicant(
                "id-only",
                &NewApplicant {
                    external_user_id: format!("latency-{i}"),
                    ..Default::default()
                },
            )
            .await
            .expect("applicant");
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
                &jpeg(i as u8 + 1),
                None,
            )
            .await
            .expect("upload");
        ids.push(a.id);
    }
    // Request every check, then wait for each by polling while webhooks arrive.
    let mut polls = Vec::new();
    for id in &ids {
        client.request_check(id).await.expect("check");
        let client = client.clone();
        let id = id.clone();
        polls.push(tokio::spawn(async move {
            match wait_for_review(&client, &id, PollPolicy::default(), |_| {}).await {
                Ok(Waited::Completed(_)) => (id, started.elapsed()),
                _ => panic!("the review did not complete"),
            }
        }));
    }
    let mut decided = std::collections::HashMap::new();
    let mut webhook_to_outcome = Vec::new();
    while decided.len() < n {
        let e = tokio::time::timeout(Duration::from_secs(60), deliveries.recv())
            .await
            .expect("webhook within a minute")
            .expect("receiver open");
        if e.review_status == Some(ReviewStatus::Completed)
            && !decided.contains_key(&e.applicant_id)
        {
            let at = started.elapsed();
            // The kiosk then reads the decision with one signed call.
            let read = Instant::now();
            client.review_status(&e.applicant_id).await.expect("status");
            webhook_to_outcome.push(read.elapsed().as_secs_f64() * 1000.0);
            decided.insert(e.applicant_id.clone(), at);
        }
    }
    let mut polling = Vec::new();
    for p in polls {
        let (id, at) = p.await.expect("poller");
        polling.push((at.as_secs_f64() - decided[&id].as_secs_f64()) * 1000.0);
    }
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!("reviews: {n}");
    println!(
        "webhook: decision known {:.1} ms (median) / {:.1} ms (max) after delivery (one signed status read)",
        median(webhook_to_outcome.clone()),
        max(&webhook_to_outcome)
    );
    println!(
        "polling (default 2 s ×1.5, cap 30 s): {:.0} ms (median) / {:.0} ms (max) after the decision",
        median(polling.clone()),
        max(&polling)
    );
}
