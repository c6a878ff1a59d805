//! The training service's own behaviour over real HTTP: webhooks, the
//! standalone `kioskctl sandbox`, and the calls the review screens use.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use kiosk_tests::samples::jpeg;
use onboard_kiosk::training::webhook::digest;
use onboard_kiosk::training::{DigestAlg, Scenario, TrainingConfig, TrainingService, Webhooks};
use onboard_kiosk::verification::models::*;
use onboard_kiosk::verification::Client;

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// Answer 500 to this many deliveries first.
    fail_first: Arc<Mutex<usize>>,
}

async fn receiver(inbox: Inbox) -> String {
    let app = axum::Router::new()
        .route(
            "/webhook",
            post(
                |axum::extract::State(inbox): axum::extract::State<Inbox>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let mut fail = inbox.fail_first.lock().unwrap();
                    if *fail > 0 {
                        *fail -= 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    inbox.received.lock().unwrap().push((headers, body));
                    StatusCode::OK
                },
            ),
        )
        .with_state(inbox);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/webhook")
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Runs one approved applicant through a service that sends webhooks as configured.
async fn approved_applicant(webhooks: Webhooks) -> (TrainingService, String) {
    let svc = TrainingService::start(
        any_port(),
        TrainingConfig {
            queue_delay: Duration::from_millis(50),
            review_delay: Duration::from_millis(150),
            webhooks: Some(webhooks),
            ..TrainingConfig::default()
        },
    )
    .await
    .unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let id = kiosk_tests::passport_applicant(&client, "ext-hooks", 1).await;
    (svc, id)
}

async fn wait_for(inbox: &Inbox, n: usize) -> Vec<(HeaderMap, Bytes)> {
    for _ in 0..100 {
        if inbox.received.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    inbox.received.lock().unwrap().clone()
}

fn kinds(received: &[(HeaderMap, Bytes)]) -> Vec<String> {
    received
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<serde_json::Value>(b).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_signed_with_each_algorithm() {
    for (alg, name) in [
        (DigestAlg::Sha1, "HMAC_SHA1_HEX"),
        (DigestAlg::Sha256, "HMAC_SHA256_HEX"),
        (DigestAlg::Sha512, "HMAC_SHA512_HEX"),
    ] {
        let inbox = Inbox::default();
        let url = receiver(inbox.clone()).await;
        let hooks = Webhooks {
            url,
            secret: "hook-secret".into(),
            alg,
            retry_delays: vec![],
            duplicate: false,
            out_of_order: false,
        };
        let (_svc, applicant_id) = approved_applicant(hooks).await;
        let got = wait_for(&inbox, 3).await;
        assert_eq!(
            kinds(&got),
            vec!["applicantCreated", "applicantPending", "applicantReviewed"],
            "{name}"
        );
        for (headers, body) in &got {
            assert_eq!(headers["x-payload-digest-alg"], name);
            assert_eq!(
                headers["x-payload-digest"].to_str().unwrap(),
                digest(alg, b"hook-secret", body)
            );
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(v["applicantId"], applicant_id.as_str());
            assert_eq!(v["externalUserId"], "ext-hooks");
            assert!(
                v["createdAtMs"].as_str().unwrap().len() == 23,
                "yyyy-MM-dd HH:mm:ss.fff"
            );
            assert!(
                v.get("email").is_none() && v.get("fixedInfo").is_none(),
                "no personal data"
            );
        }
        let reviewed: serde_json::Value = serde_json::from_slice(&got[2].1).unwrap();
        assert_eq!(reviewed["reviewResult"]["reviewAnswer"], "GREEN");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_are_retried_and_can_come_twice_or_out_of_order() {
    // Retried after failures.
    let inbox = Inbox::default();
    *inbox.fail_first.lock().unwrap() = 2;
    let url = receiver(inbox.clone()).await;
    let hooks = Webhooks {
        url,
        secret: "s".into(),
        alg: DigestAlg::Sha256,
        retry_delays: vec![Duration::from_millis(100), Duration::from_millis(200)],
        duplicate: false,
        out_of_order: false,
    };
    let (_svc, _) = approved_applicant(hooks.clone()).await;
    let got = wait_for(&inbox, 3).await;
    assert_eq!(
        got.len(),
        3,
        "every event arrives despite two failed deliveries: {:?}",
        kinds(&got)
    );

    // Duplicated.
    let inbox = Inbox::default();
    let url = receiver(inbox.clone()).await;
    let (_svc, _) = approved_applicant(Webhooks {
        url,
        duplicate: true,
        ..hooks.clone()
    })
    .await;
    let got = wait_for(&inbox, 6).await;
    let mut k = kinds(&got);
    k.sort();
    assert_eq!(
        k,
        vec![
            "applicantCreated",
            "applicantCreated",
            "applicantPending",
            "applicantPending",
            "applicantReviewed",
            "applicantReviewed"
        ]
    );

    // Out of order: a newer event arrives before an older one.
    let inbox = Inbox::default();
    let url = receiver(inbox.clone()).await;
    let (_svc, _) = approved_applicant(Webhooks {
        url,
        out_of_order: true,
        ..hooks
    })
    .await;
    let got = wait_for(&inbox, 3).await;
    let times: Vec<String> = got
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<serde_json::Value>(b).unwrap()["createdAtMs"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(got.len(), 3);
    assert!(
        times.windows(2).any(|w| w[0] > w[1]),
        "some event arrived after a newer one: {times:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kioskctl_sandbox_prints_what_other_tools_need() {
    let bin = kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(bin)
        .args([
            "sandbox",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--json",
            "--review-delay-ms",
            "100",
        ])
        .env(
            "KIOSK_LOG_DIR",
            std::env::temp_dir().join("kioskctl-sandbox-test-logs"),
        )
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["base_url"], format!("http://127.0.0.1:{port}"));
    let token = info["app_token"].as_str().unwrap();
    assert!(token.starts_with("sbx:"));
    let client = Client::new(
        info["base_url"].as_str().unwrap(),
        onboard_kiosk::credentials::ApiCredentials::new(
            token,
            info["secret_key"].as_str().unwrap(),
        ),
    )
    .unwrap();
    let a = client
        .create_applicant(
            "id-and-liveness",
            &NewApplicant {
                external_user_id: "ext-sandbox".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client
            .applicant_by_external_id("ext-sandbox")
            .await
            .unwrap()
            .id,
        a.id
    );
    let _ = child.start_kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn review_screens_can_fetch_deactivate_and_correct() {
    let svc = TrainingService::start(
        any_port(),
        TrainingConfig {
            queue_delay: Duration::from_millis(20),
            review_delay: Duration::from_millis(80),
            ..TrainingConfig::default()
        },
    )
    .await
    .unwrap();
    svc.set_scenario("ext-screens", Scenario::DataMismatch);
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let a = client
        .create_applicant(
            "id-only",
            &NewApplicant {
                external_user_id: "ext-screens".into(),
                fixed_info: Some(FixedInfo {
                    first_name: Some("Jon".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let inspection = a.inspection_id.clone().unwrap();
    let meta = DocMetadata {
        id_doc_type: IdDocType::Passport,
        id_doc_sub_type: None,
        country: Some("DEU".into()),
    };
    let photo = jpeg(7);
    let up = client
        .add_document_image(&a.id, &meta, "p.jpg", "image/jpeg", &photo, None)
        .await
        .unwrap();
    // The attendant can show the image next to its comment.
    assert_eq!(
        client
            .download_image(&inspection, &up.image_id)
            .await
            .unwrap(),
        photo
    );

    client.request_check(&a.id).await.unwrap();
    let mut state = client.review_status(&a.id).await.unwrap();
    while state.review_status != Some(ReviewStatus::Completed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        state = client.review_status(&a.id).await.unwrap();
    }
    let steps = client.required_docs_status(&a.id).await.unwrap();
    assert!(matches!(
        onboard_kiosk::review::interpret(&state, &steps, &[]),
        onboard_kiosk::review::Outcome::DataMismatch { ref fields, .. } if fields.contains(&"fullName".to_string())
    ));
    let moderation = client.moderation_states(&a.id).await.unwrap();
    assert!(moderation["items"].as_array().is_some());

    // Correct the data, then ask again: approved.
    let fixed = client
        .patch_fixed_info(
            &a.id,
            &FixedInfo {
                first_name: Some("Jonas".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        fixed.fixed_info.unwrap().first_name.as_deref(),
        Some("Jonas")
    );
    client.request_check(&a.id).await.unwrap();
    // Asking twice is harmless: the check is already under way.
    client.request_check(&a.id).await.unwrap();
    loop {
        let s = client.review_status(&a.id).await.unwrap();
        if s.review_status == Some(ReviewStatus::Completed) {
            assert_eq!(
                s.review_result.unwrap().review_answer,
                Some(ReviewAnswer::Green)
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let approved = client.applicant(&a.id).await.unwrap();
    assert_eq!(approved.info.unwrap().first_name.as_deref(), Some("Jonas"));

    // Deactivating an image removes it from the applicant's documents.
    client
        .deactivate_image(&inspection, &up.image_id)
        .await
        .unwrap();
    let listed = client.image_resources(&a.id).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].deactivated, Some(true));
}
