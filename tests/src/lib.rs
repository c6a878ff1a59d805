//! Helpers for the end-to-end tests: starting the real kiosk app through
//! tauri-driver, reading process metrics, and saving artifacts.

pub mod cage;
pub mod display;
pub mod driver;
pub mod flow;
pub mod keyring;
pub mod layout;
pub mod proc;

use std::path::PathBuf;

/// A binary the test command built, named by an environment variable, with a
/// fallback to the default target folder so a plain `cargo test` finds it too.
pub fn built_binary(env: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} not found: build it (`cargo build -p onboard-kiosk`) or run `./kiosk-dev test`",
        path.display()
    );
    path
}

/// Where tests leave screenshots and measurements for people to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("KIOSK_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts"));
    std::fs::create_dir_all(&dir).expect("create artifacts folder");
    dir
}

pub mod samples;

/// A SQLite file's bytes with those of its journals (WAL, rollback, shared
/// memory), as they lie on disk: what a search for leaked data must read.
pub fn sqlite_bytes(path: &std::path::Path) -> Vec<u8> {
    ["", "-wal", "-journal", "-shm"]
        .iter()
        .flat_map(|s| std::fs::read(format!("{}{s}", path.display())).unwrap_or_default())
        .collect()
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A training service on a free loopback port whose clock runs
/// `clock_offset_secs` ahead of this computer's (negative: behind).
pub async fn training_service(clock_offset_secs: i64) -> onboard_kiosk::training::TrainingService {
    onboard_kiosk::training::TrainingService::start(
        "127.0.0.1:0".parse().expect("loopback address"),
        onboard_kiosk::training::TrainingConfig {
            clock_offset_secs,
            queue_delay: std::time::Duration::from_millis(50),
            ..Default::default()
        },
    )
    .await
    .expect("the training service starts")
}

/// Creates an applicant at the "id-only" level with one passport picture
/// (made from `seed`) and requests the check; returns the applicant id.
pub async fn passport_applicant(
    client: &onboard_kiosk::verification::Client,
    external_user_id: &str,
    seed: u32,
) -> String {
    use onboard_kiosk::verification::models::{DocMetadata, IdDocType, NewApplicant};
    let a = client
        .create_applicant(
            "id-only",
            &NewApplicant {
                external_user_id: external_user_id.into(),
                ..Default::default()
            },
        )
        .await
        .expect("applicant created");
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
            &samples::jpeg(seed),
            None,
        )
        .await
        .expect("passport uploaded");
    client.request_check(&a.id).await.expect("check requested");
    a.id
}

/// A request signed as the API reference describes (`X-App-Token`,
/// `X-App-Access-Ts`, `X-App-Access-Sig` over ts + method + path + body),
/// written here rather than taken from the kiosk's client, so that the
/// training service is tested against the reference, not against itself.
pub async fn signed_request(
    base_url: &str,
    credentials: &onboard_kiosk::credentials::ApiCredentials,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    use hmac::Mac;
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(credentials.secret_key.expose().as_bytes())
            .expect("any key length");
    mac.update(format!("{ts}{}{path_and_query}", method.to_uppercase()).as_bytes());
    mac.update(&body);
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut request = reqwest::Client::new()
        .request(
            method.parse().expect("an HTTP method"),
            format!("{base_url}{path_and_query}"),
        )
        .header("X-App-Token", &credentials.app_token)
        .header("X-App-Access-Ts", ts.to_string())
        .header("X-App-Access-Sig", signature)
        .body(body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.expect("the training service answers")
}
