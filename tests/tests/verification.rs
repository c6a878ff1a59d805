//! The verification client and `kioskctl submit` against the training service, over real HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use kiosk_tests::samples::{jpeg, write_samples, SampleFiles};
use onboard_kiosk::credentials::ApiCredentials;
use onboard_kiosk::training::{Scenario, TrainingConfig, TrainingService};
use onboard_kiosk::verification::models::*;
use onboard_kiosk::verification::{ApiError, Client, ServiceErrorCode};
use serde_json::{json, Value};

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn quick() -> TrainingConfig {
    TrainingConfig {
        queue_delay: Duration::from_millis(100),
        review_delay: Duration::from_millis(300),
        later_rejection_delay: Duration::from_millis(1500),
        ..TrainingConfig::default()
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

async fn kioskctl(svc: &TrainingService, creds: &ApiCredentials, args: &[&str]) -> Run {
    kioskctl_with(svc, creds, args, &[]).await
}

async fn kioskctl_with(
    svc: &TrainingService,
    creds: &ApiCredentials,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let bin = kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl");
    let log_dir_folder = tempfile::Builder::new()
        .prefix("kioskctl-test-logs-")
        .tempdir()
        .expect("a temporary folder");
    let log_dir = log_dir_folder.path().to_path_buf();
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new(bin)
            .args(args)
            .env("KIOSK_API_URL", &svc.base_url)
            .env("KIOSK_APP_TOKEN", &creds.app_token)
            .env("KIOSK_SECRET_KEY", creds.secret_key.expose())
            .env("KIOSK_LOG_DIR", &log_dir)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .output(),
    )
    .await
    .expect("kioskctl finished within 90 s")
    .expect("kioskctl ran");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn id_card_args<'a>(files: &'a SampleFiles, ext: &'a str) -> Vec<&'a str> {
    vec![
        "submit",
        "--doc-type",
        "ID_CARD",
        "--country",
        "DEU",
        "--front",
        files.front.to_str().unwrap(),
        "--back",
        files.back.to_str().unwrap(),
        "--selfie",
        files.selfie.to_str().unwrap(),
        "--external-user-id",
        ext,
        "--wait",
        "--json",
    ]
}

fn temp(name: &str) -> std::path::PathBuf {
    // Kept after the test: the samples are read after this returns.
    let d = tempfile::Builder::new()
        .prefix(&format!("kiosk-verification-{name}-"))
        .tempdir()
        .expect("a temporary folder")
        .keep();
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn submit_with(scenario: Scenario, ext: &str) -> (TrainingService, Value) {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    svc.set_scenario(ext, scenario);
    let files = write_samples(&temp(ext), 1);
    let run = kioskctl(&svc, &svc.credentials(), &id_card_args(&files, ext)).await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let json = run.json();
    (svc, json)
}

fn outcome(json: &Value) -> &Value {
    &json["outcome"]
}

#[tokio::test(flavor = "multi_thread")]
async fn green_id_card_end_to_end() {
    let (svc, json) = submit_with(Scenario::Green, "ext-green").await;
    assert_eq!(json["external_user_id"], "ext-green");
    assert_eq!(json["applicant_id"].as_str().unwrap().len(), 24);
    let images = json["images"].as_array().unwrap();
    let sides: Vec<(&str, Option<&str>)> = images
        .iter()
        .map(|i| (i["doc_type"].as_str().unwrap(), i["side"].as_str()))
        .collect();
    assert_eq!(
        sides,
        vec![
            ("ID_CARD", Some("FRONT_SIDE")),
            ("ID_CARD", Some("BACK_SIDE")),
            ("SELFIE", None)
        ]
    );
    let o = outcome(&json);
    assert_eq!(o["review_status"], "completed");
    assert_eq!(o["answer"], "GREEN");
    assert!(o["reject_type"].is_null());
    assert!(o["retry"].as_array().unwrap().is_empty());

    // After approval the applicant carries the data read from the document.
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let applicant = client
        .applicant(json["applicant_id"].as_str().unwrap())
        .await
        .unwrap();
    let verified = onboard_kiosk::review::verified_data(&applicant).expect("extracted data");
    assert!(verified.last_name.is_some() && verified.date_of_birth.is_some());
    assert!(verified.document_number.is_some() && verified.document_expiry.is_some());
    assert_eq!(verified.nationality.as_deref(), Some("DEU"));
    assert_eq!(verified.document_type, Some(IdDocType::IdCard));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_names_only_the_rejected_side_with_its_comment() {
    for (scenario, doc_type, side) in [
        (Scenario::RetryBack, "ID_CARD", Some("BACK_SIDE")),
        (Scenario::RetryFront, "ID_CARD", Some("FRONT_SIDE")),
        (Scenario::RetrySelfie, "SELFIE", None),
    ] {
        let ext = format!("ext-{}", scenario.name());
        let (_svc, json) = submit_with(scenario, &ext).await;
        let o = outcome(&json);
        assert_eq!(o["answer"], "RED", "{scenario:?}");
        assert_eq!(o["reject_type"], "RETRY");
        let retry = o["retry"].as_array().unwrap();
        assert_eq!(retry.len(), 1, "{scenario:?}: {retry:?}");
        assert_eq!(retry[0]["doc_type"], doc_type);
        assert_eq!(retry[0]["side"].as_str(), side);
        let uploaded = json["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["doc_type"] == doc_type && i["side"].as_str() == side)
            .unwrap();
        assert_eq!(retry[0]["image_id"], uploaded["image_id"]);
        assert!(retry[0]["comment"]
            .as_str()
            .unwrap()
            .contains("Please take a new"));
        // The internal client comment never reaches the output.
        assert!(
            !json.to_string().contains("threshold")
                && !json.to_string().contains("Resubmission requested")
        );
        assert_eq!(retry[0]["labels"].as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn labels_without_comments_give_the_labels_instruction() {
    for (scenario, label, instruction) in [
        (
            Scenario::RetryBackLabels,
            "UNSATISFACTORY_PHOTOS",
            "Please take the photo again: hold the document still and flat in good light",
        ),
        (
            Scenario::RetrySelfieLabels,
            "BAD_SELFIE",
            "Please take the selfie again: look at the camera with your whole face visible",
        ),
    ] {
        let ext = format!("ext-{}", scenario.name());
        let (svc, json) = submit_with(scenario, &ext).await;
        let o = outcome(&json);
        assert_eq!(
            (&o["answer"], &o["reject_type"]),
            (&json!("RED"), &json!("RETRY"))
        );
        assert_eq!(o["moderation_comment"], Value::Null, "{o}");
        let retry = o["retry"].as_array().unwrap();
        assert_eq!(retry.len(), 1, "{retry:?}");
        assert_eq!(retry[0]["comment"], Value::Null);
        assert_eq!(retry[0]["labels"], json!([label]));
        assert!(
            retry[0]["instruction"]
                .as_str()
                .unwrap()
                .starts_with(instruction),
            "{}",
            retry[0]["instruction"]
        );
        // Said in words to a person reading the terminal, not as a code.
        let id = json["applicant_id"].as_str().unwrap();
        let human = kioskctl(&svc, &svc.credentials(), &["watch", id]).await;
        assert!(
            human.stdout.contains(instruction) && !human.stdout.contains(label),
            "{}",
            human.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn final_and_data_mismatch_and_on_hold() {
    let (_s, json) = submit_with(Scenario::Final, "ext-final").await;
    assert_eq!(outcome(&json)["answer"], "RED");
    assert_eq!(outcome(&json)["reject_type"], "FINAL");
    assert!(outcome(&json)["moderation_comment"]
        .as_str()
        .unwrap()
        .contains("contact support"));

    let (_s, json) = submit_with(Scenario::DataMismatch, "ext-mismatch").await;
    assert_eq!(outcome(&json)["reject_type"], "RETRY");
    assert_eq!(
        outcome(&json)["labels"],
        serde_json::json!(["PROBLEMATIC_APPLICANT_DATA"])
    );

    // On hold: the wait goes on through the hold until the officer decides.
    let (_s, json) = submit_with(Scenario::OnHold, "ext-hold").await;
    assert_eq!(outcome(&json)["answer"], "GREEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn green_that_later_turns_red() {
    // The rejection comes well after the first poll (2 s by default) has seen the approval.
    let svc = TrainingService::start(
        any_port(),
        TrainingConfig {
            later_rejection_delay: Duration::from_secs(6),
            ..quick()
        },
    )
    .await
    .unwrap();
    svc.set_scenario("ext-later-red", Scenario::GreenThenRed);
    let files = write_samples(&temp("later-red"), 1);
    let run = kioskctl(
        &svc,
        &svc.credentials(),
        &id_card_args(&files, "ext-later-red"),
    )
    .await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let json = run.json();
    assert_eq!(outcome(&json)["answer"], "GREEN");
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let id = json["applicant_id"].as_str().unwrap();
    let mut state = client.review_status(id).await.unwrap();
    for _ in 0..150 {
        if state
            .review_result
            .as_ref()
            .and_then(|r| r.review_answer.clone())
            == Some(ReviewAnswer::Red)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = client.review_status(id).await.unwrap();
    }
    let r = state.review_result.unwrap();
    assert_eq!(r.review_answer, Some(ReviewAnswer::Red));
    assert_eq!(r.review_reject_type, Some(RejectType::Final));
    assert_eq!(r.reject_labels, vec!["BLACKLIST"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn passport_has_one_side_and_simulated_review_completes_it() {
    let svc = TrainingService::start(
        any_port(),
        TrainingConfig {
            review_delay: Duration::from_secs(600),
            ..quick()
        },
    )
    .await
    .unwrap();
    let dir = temp("passport");
    let files = write_samples(&dir, 9);
    let run = kioskctl(
        &svc,
        &svc.credentials(),
        &[
            "submit",
            "--doc-type",
            "PASSPORT",
            "--country",
            "ESP",
            "--front",
            files.front.to_str().unwrap(),
            "--selfie",
            files.selfie.to_str().unwrap(),
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["images"][0]["side"], Value::Null);
    assert!(json.get("outcome").is_none());
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let id = json["applicant_id"].as_str().unwrap();
    client
        .simulate_review(
            id,
            &SimulatedReview {
                review_answer: Some(ReviewAnswer::Red),
                reject_labels: vec!["BAD_SELFIE".into()],
                review_reject_type: Some(RejectType::Retry),
                moderation_comment: Some("Selfie too dark".into()),
                client_comment: None,
            },
        )
        .await
        .unwrap();
    let state = client.review_status(id).await.unwrap();
    assert_eq!(state.review_status, Some(ReviewStatus::Completed));
    assert_eq!(
        state.review_result.unwrap().reject_labels,
        vec!["BAD_SELFIE"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_and_skewed_clock_are_named() {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    let files = write_samples(&temp("auth"), 2);
    let wrong = ApiCredentials::new(svc.credentials().app_token, "not-the-secret");
    let run = kioskctl(&svc, &wrong, &id_card_args(&files, "ext-wrong-secret")).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("secret key does not match"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.trim().lines().count(),
        1,
        "one line: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-secret"));

    let wrong_token = ApiCredentials::new(
        "sbx:someone-else",
        svc.credentials().secret_key.expose().clone(),
    );
    let run = kioskctl(&svc, &wrong_token, &id_card_args(&files, "ext-wrong-token")).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("refused the app token"),
        "{}",
        run.stderr
    );

    let skewed = TrainingService::start(
        any_port(),
        TrainingConfig {
            clock_offset_secs: 3600,
            ..quick()
        },
    )
    .await
    .unwrap();
    let run = kioskctl(
        &skewed,
        &skewed.credentials(),
        &id_card_args(&files, "ext-skew"),
    )
    .await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("clock is 3600 s away"),
        "{}",
        run.stderr
    );

    // Nothing listening.
    let gone = svc.base_url.clone();
    let creds = svc.credentials();
    drop(svc);
    let out = tokio::process::Command::new(kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl"))
        .args(id_card_args(&files, "ext-unreachable"))
        .env("KIOSK_API_URL", &gone)
        .env("KIOSK_APP_TOKEN", &creds.app_token)
        .env("KIOSK_SECRET_KEY", creds.secret_key.expose())
        .env("RUST_LOG", "off")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("cannot be reached"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_before_anything_is_sent() {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    let dir = temp("bad-input");
    let files = write_samples(&dir, 3);
    let broken = dir.join("broken.jpg");
    std::fs::write(&broken, &jpeg(5)[..300]).unwrap();
    let tiff = dir.join("scan.tif");
    std::fs::write(&tiff, b"II*\0\x08\0\0\0rest").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "submit",
                "--doc-type",
                "ID_CARD",
                "--country",
                "DEU",
                "--front",
                files.front.to_str().unwrap(),
                "--selfie",
                files.selfie.to_str().unwrap(),
            ],
            "back side",
        ),
        (
            vec![
                "submit",
                "--doc-type",
                "LIBRARY_CARD",
                "--country",
                "DEU",
                "--front",
                files.front.to_str().unwrap(),
                "--selfie",
                files.selfie.to_str().unwrap(),
            ],
            "unknown document type",
        ),
        (
            vec![
                "submit",
                "--doc-type",
                "PASSPORT",
                "--country",
                "DEU",
                "--front",
                broken.to_str().unwrap(),
                "--selfie",
                files.selfie.to_str().unwrap(),
            ],
            "corrupted",
        ),
        (
            vec![
                "submit",
                "--doc-type",
                "PASSPORT",
                "--country",
                "DEU",
                "--front",
                tiff.to_str().unwrap(),
                "--selfie",
                files.selfie.to_str().unwrap(),
            ],
            "TIFF",
        ),
        (
            vec![
                "submit",
                "--doc-type",
                "PASSPORT",
                "--country",
                "DEU",
                "--front",
                "/nonexistent/front.jpg",
                "--selfie",
                files.selfie.to_str().unwrap(),
            ],
            "cannot read",
        ),
    ];
    for (args, expect) in cases {
        let run = kioskctl(&svc, &svc.credentials(), &args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expect), "{args:?}: {}", run.stderr);
    }
    assert_eq!(svc.stats().applicants, 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_submission_reuses_the_applicant_and_its_images() {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let files = write_samples(&temp("resume"), 4);
    // A first attempt created the applicant and uploaded the front, then stopped.
    let first = client
        .create_applicant(
            "id-and-liveness",
            &NewApplicant {
                external_user_id: "ext-resume".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let again = client
        .create_applicant(
            "id-and-liveness",
            &NewApplicant {
                external_user_id: "ext-resume".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        first.id, again.id,
        "a repeated create resolves to the same applicant"
    );
    let front = std::fs::read(&files.front).unwrap();
    let meta = DocMetadata {
        id_doc_type: IdDocType::IdCard,
        id_doc_sub_type: Some(DocSide::FrontSide),
        country: Some("DEU".into()),
    };
    let uploaded = client
        .add_document_image(&first.id, &meta, "front.jpg", "image/jpeg", &front, None)
        .await
        .unwrap();

    let run = kioskctl(
        &svc,
        &svc.credentials(),
        &id_card_args(&files, "ext-resume"),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["applicant_id"], first.id.as_str());
    assert_eq!(
        json["images"][0]["image_id"],
        uploaded.image_id.as_str(),
        "the stored front is reused"
    );
    assert_eq!(json["outcome"]["answer"], "GREEN");
    let stats = svc.stats();
    assert_eq!(
        (stats.applicants, stats.images, stats.active_images),
        (1, 3, 3)
    );
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
    // The count the resumption tests rely on does see a side sent twice,
    // although the second upload sets the first aside.
    let other_front = kiosk_tests::samples::jpeg(9);
    client
        .add_document_image(
            &first.id,
            &meta,
            "front.jpg",
            "image/jpeg",
            &other_front,
            None,
        )
        .await
        .unwrap();
    let stats = svc.stats();
    assert_eq!(stats.images, 4);
    assert_eq!(stats.active_images, 3, "the first front was set aside");
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn service_error_codes_arrive_typed() {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let a = client
        .create_applicant(
            "id-only",
            &NewApplicant {
                external_user_id: "ext-codes".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let passport = DocMetadata {
        id_doc_type: IdDocType::Passport,
        id_doc_sub_type: None,
        country: Some("DEU".into()),
    };
    let code = |r: Result<UploadedImage, ApiError>| r.unwrap_err().service_code();
    let good = jpeg(11);
    assert_eq!(
        code(
            client
                .add_document_image(
                    &a.id,
                    &passport,
                    "p.jpg",
                    "image/jpeg",
                    &good[..good.len() / 3],
                    None
                )
                .await
        ),
        Some(ServiceErrorCode::CorruptedFile)
    );
    assert_eq!(
        code(
            client
                .add_document_image(
                    &a.id,
                    &passport,
                    "p.tif",
                    "image/tiff",
                    b"MM\0*\0\0\0\x08",
                    None
                )
                .await
        ),
        Some(ServiceErrorCode::UnsupportedFileFormat)
    );
    let bill = DocMetadata {
        id_doc_type: IdDocType::UtilityBill,
        id_doc_sub_type: None,
        country: Some("DEU".into()),
    };
    assert_eq!(
        code(
            client
                .add_document_image(&a.id, &bill, "b.jpg", "image/jpeg", &good, None)
                .await
        ),
        Some(ServiceErrorCode::DocTypeNotInRequiredDocs)
    );
    // Checks cannot be requested while documents are missing.
    let missing = client.request_check(&a.id).await.unwrap_err();
    assert_eq!(missing.status(), Some(409));
    // After a FINAL rejection, uploads are refused with 1009.
    client
        .add_document_image(&a.id, &passport, "p.jpg", "image/jpeg", &good, None)
        .await
        .unwrap();
    client
        .simulate_review(
            &a.id,
            &SimulatedReview {
                review_answer: Some(ReviewAnswer::Red),
                review_reject_type: Some(RejectType::Final),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .add_document_image(&a.id, &passport, "p2.jpg", "image/jpeg", &jpeg(12), None)
                .await
        ),
        Some(ServiceErrorCode::ApplicantWithFinalReject)
    );
    let missing_applicant = client
        .applicant("ffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(missing_applicant.status(), Some(404));
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_progress_reaches_the_total() {
    let svc = TrainingService::start(any_port(), quick()).await.unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let a = client
        .create_applicant(
            "id-only",
            &NewApplicant {
                external_user_id: "ext-progress".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u64, u64)>::new()));
    let s2 = seen.clone();
    let img = jpeg(13);
    let meta = DocMetadata {
        id_doc_type: IdDocType::Passport,
        id_doc_sub_type: None,
        country: Some("DEU".into()),
    };
    client
        .add_document_image(
            &a.id,
            &meta,
            "p.jpg",
            "image/jpeg",
            &img,
            Some(std::sync::Arc::new(move |s, t| {
                s2.lock().unwrap().push((s, t))
            })),
        )
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    let (last_sent, total) = *seen.last().unwrap();
    assert_eq!(last_sent, total);
    assert!(
        total > img.len() as u64,
        "the total is the whole multipart body"
    );
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_prints_the_same_outcome_as_submit_wait() {
    let (svc, submitted) = submit_with(Scenario::RetryBack, "ext-watch-retry").await;
    let id = submitted["applicant_id"].as_str().unwrap();
    let run = kioskctl(&svc, &svc.credentials(), &["watch", id, "--json"]).await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let watched = run.json();
    assert_eq!(watched["applicant_id"], id);
    assert_eq!(watched["learned_by"], "polling");
    assert_eq!(watched["outcome"], submitted["outcome"]);
    assert_eq!(watched["outcome"]["retry"][0]["side"], "BACK_SIDE");

    let human = kioskctl(&svc, &svc.credentials(), &["watch", id]).await;
    assert_eq!(human.code, 0, "stderr: {}", human.stderr);
    assert!(
        human.stdout.contains("please retake") && human.stdout.contains("learned by polling"),
        "{}",
        human.stdout
    );

    let unknown = kioskctl(
        &svc,
        &svc.credentials(),
        &["watch", "0123456789abcdef01234567"],
    )
    .await;
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("kioskctl:"), "{}", unknown.stderr);
    let bad = kioskctl(&svc, &svc.credentials(), &["watch", "../etc"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_learns_the_decision_from_a_webhook_before_the_next_poll() {
    // A free port for the watcher, known to the service before it starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = "watch-webhook-secret";
    let svc = TrainingService::start(
        any_port(),
        TrainingConfig {
            queue_delay: Duration::from_millis(100),
            // Decided between the second poll (about 2 s) and the third (about 5 s).
            review_delay: Duration::from_millis(3000),
            webhooks: Some(onboard_kiosk::training::Webhooks {
                url: format!("http://127.0.0.1:{port}/webhook"),
                secret: secret.into(),
                alg: onboard_kiosk::training::DigestAlg::Sha256,
                retry_delays: vec![Duration::from_millis(300); 5],
                duplicate: true,
                out_of_order: false,
            }),
            ..quick()
        },
    )
    .await
    .unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let a_id = kiosk_tests::passport_applicant(&client, "ext-watch-hook", 3).await;
    let listen = format!("127.0.0.1:{port}");
    let run = kioskctl_with(
        &svc,
        &svc.credentials(),
        &["watch", &a_id, "--webhook-listen", &listen, "--json"],
        &[("KIOSK_WEBHOOK_SECRET", secret)],
    )
    .await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let json = run.json();
    assert_eq!(json["learned_by"], "webhook", "{json}");
    assert_eq!(json["outcome"]["answer"], "GREEN");

    // A watcher with the wrong secret refuses the deliveries and learns by polling.
    let b_id = kiosk_tests::passport_applicant(&client, "ext-watch-forged", 4).await;
    let run = kioskctl_with(
        &svc,
        &svc.credentials(),
        &["watch", &b_id, "--webhook-listen", &listen, "--json"],
        &[("KIOSK_WEBHOOK_SECRET", "not-the-secret")],
    )
    .await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["learned_by"], "polling");
}
