//! Hundreds of complete submissions against the training service while it
//! fails a fifth of all requests: nothing duplicated, nothing lost.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosk_tests::samples::jpeg;
use onboard_kiosk::review::{self, PollPolicy, Waited};
use onboard_kiosk::submission::{self, DocumentImage, Submission, SubmitError};
use onboard_kiosk::training::{Faults, Scenario, TrainingConfig, TrainingService};
use onboard_kiosk::verification::models::*;
use onboard_kiosk::verification::retry::RetryPolicy;
use onboard_kiosk::verification::Client;

const RUNS: usize = 200;
const CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_submissions_under_injected_faults() {
    let faults = Faults {
        server_error: 0.06,
        rate_limited: 0.04,
        reset_before: 0.05,
        reset_after: 0.07,
        slow: 0.03,
        slow_delay: Duration::from_millis(300),
        seed: 20261126,
    };
    assert!(faults.total_failing() >= 0.20);
    let svc = TrainingService::start(
        "127.0.0.1:0".parse().unwrap(),
        TrainingConfig {
            queue_delay: Duration::from_millis(20),
            review_delay: Duration::from_millis(50),
            faults,
            ..TrainingConfig::default()
        },
    )
    .await
    .unwrap();
    let client = Client::new(&svc.base_url, svc.credentials())
        .unwrap()
        .with_retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        });
    let images = Arc::new([jpeg(1), jpeg(2), jpeg(3)]);
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::new();
    for n in 0..RUNS {
        let client = client.clone();
        let images = images.clone();
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let ext = format!("soak-{n:04}");
        if n % 5 == 4 {
            svc.set_scenario(&ext, Scenario::RetryBack);
        }
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            one_run(&client, &ext, &images).await
        }));
    }
    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    let mut resubmissions = 0;
    let mut receipts = Vec::new();
    for t in tasks {
        let (end, resubmitted, receipt) = t.await.unwrap();
        *ends.entry(end).or_default() += 1;
        resubmissions += resubmitted;
        receipts.extend(receipt);
    }
    let wall = started.elapsed();
    let stats = svc.stats();
    println!("soak: {RUNS} runs in {:.1} s, ends {ends:?}, resubmissions {resubmissions}, service {stats:?}", wall.as_secs_f64());

    let failed_share = stats.failed_on_purpose as f64 / stats.requests as f64;
    println!(
        "soak: {} requests, {} failed on purpose ({:.1} %)",
        stats.requests,
        stats.failed_on_purpose,
        failed_share * 100.0
    );
    assert!(
        failed_share >= 0.18,
        "the soak must really fail about a fifth of the requests"
    );
    // Every run ended completed, or with an error that named the step to retry.
    let unclear: usize = ends
        .iter()
        .filter(|(k, _)| !k.starts_with("completed") && !k.starts_with("failed while"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(unclear, 0, "{ends:?}");
    // No duplicate applicants: one per external id used.
    assert_eq!(stats.applicants, stats.external_ids);
    assert!(stats.applicants <= RUNS);
    // No duplicated or missing images: every submitted applicant holds exactly its three images, once.
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
    assert_eq!(
        stats.images, stats.active_images,
        "no image was stored twice"
    );
    for r in &receipts {
        assert_eq!(r.images.len(), 3);
        let mut ids: Vec<&str> = r.images.iter().map(|i| i.image_id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3);
    }
    // No applicant holds more than its three images, and every receipt's images are stored.
    assert!(stats.images <= stats.applicants * 3, "{stats:?}");
    assert!(stats.images >= receipts.len() * 3, "{stats:?}");
    let completed: usize = ends
        .iter()
        .filter(|(k, _)| k.starts_with("completed"))
        .map(|(_, v)| v)
        .sum();
    assert!(
        completed >= RUNS * 95 / 100,
        "most runs complete despite faults: {ends:?}"
    );
}

/// A submission as staff would run it: on a clear error, submit once more.
async fn one_run(
    client: &Client,
    ext: &str,
    images: &[Vec<u8>; 3],
) -> (String, usize, Option<submission::Receipt>) {
    let doc = |i: usize, doc_type: IdDocType, side: Option<DocSide>| DocumentImage {
        doc_type,
        side,
        country: "DEU".into(),
        filename: format!("{i}.jpg"),
        content_type: "image/jpeg".into(),
        bytes: images[i].clone(),
    };
    let plan = Submission {
        level_name: "id-and-liveness".into(),
        applicant: NewApplicant {
            external_user_id: ext.into(),
            ..Default::default()
        },
        images: vec![
            doc(0, IdDocType::IdCard, Some(DocSide::FrontSide)),
            doc(1, IdDocType::IdCard, Some(DocSide::BackSide)),
            doc(2, IdDocType::Selfie, None),
        ],
    };
    let mut resubmitted = 0;
    let receipt = loop {
        match submission::submit(client, &plan, |_| {}).await {
            Ok(r) => break r,
            Err(SubmitError::Api { step, .. }) if resubmitted < 2 => {
                let _ = step;
                resubmitted += 1;
            }
            Err(SubmitError::Api { step, source }) => {
                return (
                    format!("failed while {step}: {}", source.status().unwrap_or(0)),
                    resubmitted,
                    None,
                )
            }
            Err(e) => return (format!("invalid: {e}"), resubmitted, None),
        }
    };
    let fast = PollPolicy {
        initial: Duration::from_millis(50),
        factor: 1.5,
        max: Duration::from_millis(500),
        give_up_after: Some(Duration::from_secs(60)),
    };
    match review::wait_for_review(client, &receipt.applicant_id, fast, |_| {}).await {
        Ok(Waited::Completed(state)) => {
            let answer = state
                .review_result
                .and_then(|r| r.review_answer)
                .map(|a| a.to_string())
                .unwrap_or_default();
            (format!("completed {answer}"), resubmitted, Some(receipt))
        }
        Ok(Waited::StillWaiting(_)) => ("still waiting".into(), resubmitted, Some(receipt)),
        Err(e) => (
            format!("failed while waiting: {e}"),
            resubmitted,
            Some(receipt),
        ),
    }
}
