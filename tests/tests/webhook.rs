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

/// Sends `head` as it is and returns the first line of the answer, if one
/// comes within five seconds.
async fn raw_status_line(addr: std::net::SocketAddr, head: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(head.as_bytes()).await.ok()?;
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut answer))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_sent() {
    let (r, mut events, _url) = receiver().await;
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: kiosk\r\nX-Payload-Digest-Alg: {}\r\nX-Payload-Digest: 00\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        DigestAlg::Sha256.header_name(),
        50 * 1024 * 1024
    );
    let line = raw_status_line(r.addr, &head).await;
    assert!(
        line.as_deref().is_some_and(|l| l.contains(" 413 ")),
        "answered without waiting for 50 MiB: {line:?}"
    );
    assert!(events.try_recv().is_err());
}

#[tokio::test]
async fn silent_and_slow_senders_are_cut_off_and_cannot_crowd_out_the_service() {
    use onboard_kiosk::review::webhook::{CONNECTION_DEADLINE, HEADER_DEADLINE, PER_SOURCE};
    use tokio::io::AsyncReadExt;
    let (r, mut events, url) = receiver().await;
    // One address opens many connections and says nothing.
    let mut silent = Vec::new();
    for _ in 0..(PER_SOURCE * 4) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        silent.push(socket.connect(r.addr).await.unwrap());
    }
    // Those over the per-address limit are closed at once.
    let mut closed_at_once = 0;
    for s in &mut silent {
        let mut b = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(500), s.read(&mut b)).await
        {
            closed_at_once += 1;
        }
    }
    assert_eq!(closed_at_once, PER_SOURCE * 3, "only {PER_SOURCE} are held");
    // Another address is still served meanwhile.
    let b = body("app-busy", "2026-11-27 10:00:00.000", "GREEN");
    let d = digest(DigestAlg::Sha256, SECRET.as_bytes(), &b);
    assert_eq!(
        post(&url, DigestAlg::Sha256.header_name(), &d, b).await,
        200
    );
    assert!(events.recv().await.is_some());
    // The held ones end when the time for headers is up.
    let waited = std::time::Instant::now();
    for s in &mut silent {
        let mut b = [0u8; 1];
        let r = tokio::time::timeout(HEADER_DEADLINE * 3, s.read(&mut b)).await;
        assert!(
            matches!(r, Ok(Ok(0) | Err(_))),
            "a silent connection is closed"
        );
    }
    println!(
        "metric: silent connections held for {:.1} s",
        waited.elapsed().as_secs_f64()
    );
    // A body sent a byte at a time is cut off too.
    let mut slow = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    let started = std::time::Instant::now();
    let cut = tokio::time::timeout(CONNECTION_DEADLINE * 3, async {
        use tokio::io::AsyncWriteExt;
        let head = format!(
            "POST /webhook HTTP/1.1\r\nHost: kiosk\r\nX-Payload-Digest-Alg: {}\r\nX-Payload-Digest: 00\r\nContent-Length: 100000\r\n\r\n",
            DigestAlg::Sha256.header_name()
        );
        slow.write_all(head.as_bytes()).await?;
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            slow.write_all(b" ").await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    })
    .await;
    assert!(
        matches!(cut, Ok(Err(_))),
        "the slow body is cut off: {cut:?}"
    );
    println!(
        "metric: a slow body is cut off after {:.1} s",
        started.elapsed().as_secs_f64()
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
