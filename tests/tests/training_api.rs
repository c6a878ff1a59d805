//! The training service answers what clients written from the API reference
//! send, the service's own published examples included, and every error it
//! gives — routing, extractor, size and method errors too — has the service's
//! JSON shape. Requests are signed here from the reference, not by the
//! kiosk's own client.

use std::time::Duration;

use kiosk_tests::signed_request;
use onboard_kiosk::training::TrainingService;

async fn service() -> TrainingService {
    kiosk_tests::training_service(0).await
}

/// Asserts the service's error shape and returns the description.
async fn service_error(resp: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(resp.status().as_u16(), status, "{what}");
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}"
    );
    let body: serde_json::Value = resp.json_value().await;
    assert_eq!(body["code"], status, "{what}: {body}");
    assert!(
        body["correlationId"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{what}: {body}"
    );
    let description = body["description"].as_str().unwrap_or("").to_owned();
    assert!(!description.is_empty(), "{what}: {body}");
    description
}

trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        let bytes = self.bytes().await.expect("a body");
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
    }
}

#[tokio::test]
async fn the_published_example_clients_first_calls_are_answered() {
    let svc = service().await;
    let creds = svc.credentials();
    // The example's first call: the level twice, and a Content-Encoding of utf-8.
    let created = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/applicants?levelName=id-and-liveness&levelName=id-and-liveness",
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "utf-8"),
        ],
        br#"{"externalUserId":"example-user-1"}"#.to_vec(),
    )
    .await;
    assert_eq!(created.status().as_u16(), 200);
    let applicant = created.json_value().await;
    let id = applicant["id"]
        .as_str()
        .expect("an applicant id")
        .to_owned();

    // Two different levels cannot both be meant.
    let conflicting = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/applicants?levelName=a&levelName=b",
        &[("Content-Type", "application/json")],
        br#"{"externalUserId":"example-user-2"}"#.to_vec(),
    )
    .await;
    let said = service_error(conflicting, 400, "conflicting levels").await;
    assert!(said.contains("levelName"), "{said}");

    // A document whose file part carries no Content-Type of its own.
    let boundary = "example-boundary";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{{\"idDocType\":\"PASSPORT\",\"country\":\"DEU\"}}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"passport.jpg\"\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&kiosk_tests::samples::jpeg(3));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let uploaded = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        &format!("/resources/applicants/{id}/info/idDoc"),
        &[("Content-Type", content_type.as_str())],
        form,
    )
    .await;
    assert_eq!(
        uploaded.status().as_u16(),
        200,
        "{:?}",
        uploaded.text().await
    );

    // Access tokens for the service's SDKs, both ways of asking.
    let sdk = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/accessTokens/sdk",
        &[("Content-Type", "application/json")],
        br#"{"userId":"example-user-1","levelName":"id-and-liveness"}"#.to_vec(),
    )
    .await;
    assert_eq!(sdk.status().as_u16(), 200);
    let sdk = sdk.json_value().await;
    assert_eq!(sdk["userId"], "example-user-1");
    assert!(sdk["token"].as_str().is_some_and(|t| t.len() > 20), "{sdk}");
    let older = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/accessTokens?userId=example-user-1&levelName=id-and-liveness&ttlInSecs=600",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(older.status().as_u16(), 200);
    let older = older.json_value().await;
    assert_eq!(older["userId"], "example-user-1");
    assert_ne!(older["token"], sdk["token"]);
    let without_user = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/accessTokens/sdk",
        &[("Content-Type", "application/json")],
        br#"{"levelName":"id-and-liveness"}"#.to_vec(),
    )
    .await;
    service_error(without_user, 400, "a token for nobody").await;
}

#[tokio::test]
async fn every_error_has_the_services_json_shape() {
    let svc = service().await;
    let creds = svc.credentials();
    let get = |path: &'static str, method: &'static str| {
        let (url, creds) = (svc.base_url.clone(), creds.clone());
        async move { signed_request(&url, &creds, method, path, &[], Vec::new()).await }
    };
    service_error(
        get("/resources/nothing-here", "GET").await,
        404,
        "an unknown route",
    )
    .await;
    service_error(
        get("/resources/applicants", "DELETE").await,
        405,
        "a wrong method",
    )
    .await;
    service_error(
        get("/resources/applicants/nobody/one", "GET").await,
        404,
        "an unknown applicant",
    )
    .await;
    // The document upload's extractor refuses a body that is not a form.
    let not_a_form = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/applicants/nobody/info/idDoc",
        &[("Content-Type", "application/json")],
        b"{}".to_vec(),
    )
    .await;
    let status = not_a_form.status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    service_error(not_a_form, status, "not a form").await;
    // Malformed JSON where JSON is expected.
    let broken = signed_request(
        &svc.base_url,
        &creds,
        "POST",
        "/resources/applicants?levelName=x",
        &[("Content-Type", "application/json")],
        b"{not json".to_vec(),
    )
    .await;
    service_error(broken, 400, "broken JSON").await;
    // Unsigned and wrongly signed requests.
    let unsigned = reqwest::Client::new()
        .get(format!("{}/resources/applicants/x/one", svc.base_url))
        .send()
        .await
        .unwrap();
    service_error(unsigned, 401, "unsigned").await;
}

#[tokio::test]
async fn a_large_body_is_refused_from_its_headers_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let svc = service().await;
    let creds = svc.credentials();
    let head = |token: &str, length: usize| {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        format!(
            "POST /resources/applicants/x/info/idDoc HTTP/1.1\r\nHost: training\r\nX-App-Token: {token}\r\nX-App-Access-Ts: {ts}\r\nX-App-Access-Sig: {}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n",
            "0".repeat(64)
        )
    };
    for (token, length, status, what) in [
        (
            "sbx:not-the-token",
            200 * 1024 * 1024,
            " 401 ",
            "a wrong token",
        ),
        (
            creds.app_token.as_str(),
            200 * 1024 * 1024,
            " 413 ",
            "a 200 MB body",
        ),
    ] {
        let mut s = tokio::net::TcpStream::connect(svc.addr).await.unwrap();
        s.write_all(head(token, length).as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer without the body"))
            .unwrap();
        let text = String::from_utf8_lossy(&answer[..n]);
        let first = text.lines().next().unwrap_or("");
        assert!(first.contains(status), "{what}: {first}");
        assert!(text.contains("\"correlationId\""), "{what}: {text}");
    }
}
