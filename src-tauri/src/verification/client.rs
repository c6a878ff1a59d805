//! The REST client: signs each request, retries what is safe to retry, and
//! turns answers into typed results.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, DATE, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::api::{self, path};
use super::error::{ApiError, ServiceErrorCode, TransportFailure};
use super::models::*;
use super::multipart::{self, Part};
use super::retry::{decide, Decision, Failure, RetryPolicy};
use super::signing::sign;
use super::transport::{body_with_progress, classify, header_value};
use crate::credentials::ApiCredentials;

/// Reports bytes sent and the total, as the upload goes.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Seconds since the Unix epoch; injectable so tests can skew the clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    credentials: ApiCredentials,
    policy: RetryPolicy,
    clock: Clock,
}

/// One request, ready to be signed and sent (again, on retry).
struct Request<'a> {
    method: Method,
    path: String,
    body: Option<(&'a str, &'a [u8])>,
    headers: Vec<(&'static str, &'static str)>,
    repeatable: bool,
    progress: Option<Progress>,
    timeout: Duration,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    })
}

impl Client {
    /// A client for `base_url` (scheme and host, no path), e.g. `https://api.sumsub.com`.
    pub fn new(base_url: &str, credentials: ApiCredentials) -> Result<Self, ApiError> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| {
            ApiError::InvalidRequest(format!(
                "the service address '{base_url}' is not a URL: {e}"
            ))
        })?;
        let loopback = parsed
            .host_str()
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(ApiError::InvalidRequest(format!(
                "the service address '{base_url}' must use https (plain http only on this computer)"
            )));
        }
        if parsed.path() != "/" || parsed.query().is_some() {
            return Err(ApiError::InvalidRequest(format!(
                "the service address '{base_url}' must be just a scheme and host"
            )));
        }
        let http = reqwest::Client::builder()
            // Signing headers must never follow a redirect to another host.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("onboard-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::InvalidRequest(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base_url,
            credentials,
            policy: RetryPolicy::default(),
            clock: system_clock(),
        })
    }

    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The app token this client signs with (not a secret; never log it whole).
    pub fn app_token(&self) -> &str {
        &self.credentials.app_token
    }

    /// Whether a URL belongs to the configured service, the only place signing headers go.
    pub fn signs_for(&self, url: &str) -> bool {
        url == self.base_url || url.starts_with(&format!("{}/", self.base_url))
    }

    // ----- typed calls -----

    /// Creates the applicant, or returns the existing one when the service
    /// already has this `externalUserId` (a retried or repeated create).
    pub async fn create_applicant(
        &self,
        level_name: &str,
        applicant: &NewApplicant,
    ) -> Result<Applicant, ApiError> {
        let body =
            serde_json::to_vec(applicant).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let req =
            Request::json(Method::POST, path::create_applicant(level_name), &body).repeatable();
        match self.json(req).await {
            Err(ApiError::Service {
                status: 409,
                error_code: None,
                ..
            }) => {
                tracing::info!("applicant exists already for this external id; reusing it");
                self.applicant_by_external_id(&applicant.external_user_id)
                    .await
            }
            other => other,
        }
    }

    pub async fn applicant_by_external_id(
        &self,
        external_user_id: &str,
    ) -> Result<Applicant, ApiError> {
        self.json(Request::get(path::applicant_by_external_id(
            external_user_id,
        )))
        .await
    }

    pub async fn applicant(&self, applicant_id: &str) -> Result<Applicant, ApiError> {
        self.json(Request::get(path::applicant(applicant_id))).await
    }

    /// Uploads one image. A repeat after a lost answer is recognised by the
    /// service as a duplicate; the existing image's id is then looked up, so
    /// an image is never stored twice and never lost.
    pub async fn add_document_image(
        &self,
        applicant_id: &str,
        metadata: &DocMetadata,
        filename: &str,
        content_type: &str,
        image: &[u8],
        progress: Option<Progress>,
    ) -> Result<UploadedImage, ApiError> {
        if image.is_empty() {
            return Err(ApiError::InvalidRequest("the image is empty".into()));
        }
        if image.len() > api::MAX_IMAGE_BYTES {
            return Err(ApiError::InvalidRequest(format!(
                "the image is {} MB; the service takes at most {} MB",
                image.len() / 1_000_000,
                api::MAX_IMAGE_BYTES / 1_000_000
            )));
        }
        let meta =
            serde_json::to_vec(metadata).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let body = multipart::build(
            &[
                Part {
                    name: "metadata",
                    filename: None,
                    content_type: Some("application/json"),
                    data: &meta,
                },
                Part {
                    name: "content",
                    filename: Some(filename),
                    content_type: Some(content_type),
                    data: image,
                },
            ],
            rand::random::<u64>,
        );
        let mut req = Request {
            method: Method::POST,
            path: path::add_id_doc(applicant_id),
            body: Some((&body.content_type, &body.bytes)),
            headers: vec![(api::HEADER_RETURN_DOC_WARNINGS, "true")],
            repeatable: true,
            progress,
            timeout: Duration::from_secs(180),
        };
        req.timeout = req
            .timeout
            .max(Duration::from_secs((body.bytes.len() / 100_000) as u64));
        match self.send(req).await {
            Ok(answer) => {
                let image_id = answer
                    .headers
                    .get(api::HEADER_IMAGE_ID)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::Decode("the upload answer has no X-Image-Id".into())
                    })?;
                let echo: UploadEcho = serde_json::from_slice(&answer.body).unwrap_or_default();
                Ok(UploadedImage {
                    image_id,
                    warnings: echo.warnings,
                    errors: echo.errors,
                })
            }
            Err(ApiError::Service {
                status: 409,
                error_code: Some(ServiceErrorCode::DuplicateDocument),
                ..
            }) => {
                let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(image));
                let resources = self.image_resources(applicant_id).await?;
                let existing = resources
                    .items
                    .into_iter()
                    .filter(|r| r.deactivated != Some(true))
                    .filter(|r| r.id_doc_def.id_doc_type.as_ref() == Some(&metadata.id_doc_type))
                    .filter(|r| r.id_doc_def.id_doc_sub_type == metadata.id_doc_sub_type)
                    .find(|r| r.file_hash.as_deref().is_none_or(|h| h == hash))
                    .ok_or_else(|| {
                        ApiError::Decode(
                            "the service reports a duplicate image but lists none".into(),
                        )
                    })?;
                tracing::info!("upload had already arrived; using the stored image");
                Ok(UploadedImage {
                    image_id: existing.id,
                    warnings: Vec::new(),
                    errors: Vec::new(),
                })
            }
            Err(e) => Err(e),
        }
    }

    pub async fn image_resources(&self, applicant_id: &str) -> Result<ImageResources, ApiError> {
        self.json(Request::get(path::image_metadata(applicant_id)))
            .await
    }

    pub async fn required_docs_status(
        &self,
        applicant_id: &str,
    ) -> Result<RequiredDocsStatus, ApiError> {
        self.json(Request::get(path::required_id_docs_status(applicant_id)))
            .await
    }

    pub async fn review_status(&self, applicant_id: &str) -> Result<ReviewState, ApiError> {
        self.json(Request::get(path::review_status(applicant_id)))
            .await
    }

    /// Asks for the review. Repeating it is harmless: when the check was
    /// already requested (the service answers 409), the current status decides.
    pub async fn request_check(&self, applicant_id: &str) -> Result<(), ApiError> {
        let req = Request {
            repeatable: true,
            ..Request::empty(Method::POST, path::request_check(applicant_id))
        };
        match self.send(req).await {
            Ok(_) => Ok(()),
            Err(
                e @ ApiError::Service {
                    status: 409,
                    error_code: None,
                    ..
                },
            ) => {
                let state = self.review_status(applicant_id).await?;
                match state.review_status {
                    Some(ReviewStatus::Init) | None => Err(e),
                    Some(_) => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }

    pub async fn download_image(
        &self,
        inspection_id: &str,
        image_id: &str,
    ) -> Result<Vec<u8>, ApiError> {
        Ok(self
            .send(Request::get(path::image(inspection_id, image_id)))
            .await?
            .body)
    }

    pub async fn deactivate_image(
        &self,
        inspection_id: &str,
        image_id: &str,
    ) -> Result<(), ApiError> {
        let req = Request {
            repeatable: true,
            ..Request::empty(Method::DELETE, path::image(inspection_id, image_id))
        };
        self.send(req).await.map(|_| ())
    }

    /// Per-image rejection details, kept as the service sends them.
    pub async fn moderation_states(
        &self,
        applicant_id: &str,
    ) -> Result<serde_json::Value, ApiError> {
        self.json(Request::get(path::moderation_states(applicant_id)))
            .await
    }

    pub async fn patch_fixed_info(
        &self,
        applicant_id: &str,
        info: &FixedInfo,
    ) -> Result<Applicant, ApiError> {
        let body = serde_json::to_vec(info).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.json(Request::json(Method::PATCH, path::fixed_info(applicant_id), &body).repeatable())
            .await
    }

    /// The language the service writes the applicant's moderation comments in
    /// (`en`, `de`, `es`, …).
    pub async fn set_language(&self, applicant_id: &str, lang: &str) -> Result<(), ApiError> {
        let patch = ApplicantPatch {
            id: applicant_id.to_owned(),
            lang: Some(lang.to_owned()),
        };
        let body =
            serde_json::to_vec(&patch).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.send(Request::json(Method::PATCH, path::applicants(), &body).repeatable())
            .await
            .map(|_| ())
    }

    /// Sandbox only: completes the review with the given result.
    pub async fn simulate_review(
        &self,
        applicant_id: &str,
        result: &SimulatedReview,
    ) -> Result<(), ApiError> {
        let body =
            serde_json::to_vec(result).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.send(
            Request::json(Method::POST, path::test_completed(applicant_id), &body).repeatable(),
        )
        .await
        .map(|_| ())
    }

    /// One signed, harmless call; returns the server's clock minus ours in seconds.
    /// One attempt, no retries: a diagnosis should say what is wrong now.
    pub async fn verify_connection(&self) -> Result<i64, ApiError> {
        let req = Request::get(path::applicant_by_external_id(
            "onboard-kiosk-connection-check",
        ));
        let url = format!("{}{}", self.base_url, req.path);
        let started = Instant::now();
        let answer = self
            .attempt(&req, &url)
            .await
            .map_err(|kind| ApiError::Unreachable {
                base_url: self.base_url.clone(),
                kind,
            })?;
        tracing::info!(path = %api::template(&req.path), status = answer.status, duration_ms = started.elapsed().as_millis() as u64, "connection check");
        let skew = self.skew(&answer.headers);
        match answer.status {
            // Not found means the credentials were accepted.
            200..=299 | 404 => Ok(skew.unwrap_or(0)),
            status => Err(ApiError::from_response(status, &answer.body, None, skew)),
        }
    }

    // ----- transport -----

    async fn json<T: DeserializeOwned>(&self, req: Request<'_>) -> Result<T, ApiError> {
        let answer = self.send(req).await?;
        serde_json::from_slice(&answer.body).map_err(|e| ApiError::Decode(e.to_string()))
    }

    fn skew(&self, headers: &HeaderMap) -> Option<i64> {
        let date = headers.get(DATE)?.to_str().ok()?;
        let server = httpdate::parse_http_date(date)
            .ok()?
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_secs() as i64;
        Some(server - (self.clock)())
    }

    async fn send(&self, req: Request<'_>) -> Result<Answer, ApiError> {
        let url = format!("{}{}", self.base_url, req.path);
        debug_assert!(req.path.starts_with('/') && self.signs_for(&url));
        let template = api::template(&req.path);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.attempt(&req, &url).await;
            let ms = started.elapsed().as_millis() as u64;
            let failure = match outcome {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    // A read that worked changes nothing (polls repeat it all day): DEBUG.
                    if req.method == Method::GET {
                        tracing::debug!(method = %req.method, path = %template, status = answer.status, duration_ms = ms, attempt, "verification call");
                    } else {
                        tracing::info!(method = %req.method, path = %template, status = answer.status, duration_ms = ms, attempt, "verification call");
                    }
                    return Ok(answer);
                }
                Ok(answer) => {
                    let retry_after = answer
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let error = ApiError::from_response(
                        answer.status,
                        &answer.body,
                        retry_after,
                        self.skew(&answer.headers),
                    );
                    tracing::warn!(
                        method = %req.method, path = %template, status = answer.status, duration_ms = ms, attempt,
                        correlation_id = error.correlation_id().unwrap_or("-"),
                        error_code = error.service_code().map(|c| c.code()).unwrap_or(0),
                        "verification call failed"
                    );
                    (
                        Failure::Status {
                            status: answer.status,
                            retry_after,
                        },
                        error,
                    )
                }
                Err(kind) => {
                    tracing::warn!(method = %req.method, path = %template, duration_ms = ms, attempt, failure = ?kind, "verification call did not complete");
                    (
                        Failure::Transport(kind),
                        ApiError::Unreachable {
                            base_url: self.base_url.clone(),
                            kind,
                        },
                    )
                }
            };
            match decide(
                &self.policy,
                attempt,
                failure.0,
                req.repeatable,
                rand::random::<f64>(),
            ) {
                Decision::Retry { after } => tokio::time::sleep(after).await,
                Decision::Stop => return Err(failure.1),
            }
        }
    }

    /// One signed attempt with a fresh timestamp.
    async fn attempt(&self, req: &Request<'_>, url: &str) -> Result<Answer, TransportFailure> {
        let ts = (self.clock)();
        let body: &[u8] = req.body.map(|(_, b)| b).unwrap_or(&[]);
        let signature = sign(
            self.credentials.secret_key.expose().as_bytes(),
            ts,
            req.method.as_str(),
            &req.path,
            body,
        );
        let mut builder = self
            .http
            .request(req.method.clone(), url)
            .timeout(req.timeout)
            .header(
                api::HEADER_APP_TOKEN,
                header_value(&self.credentials.app_token)?,
            )
            .header(api::HEADER_ACCESS_TS, ts.to_string())
            .header(api::HEADER_ACCESS_SIG, signature)
            .header("Accept", "application/json");
        for (k, v) in &req.headers {
            builder = builder.header(*k, *v);
        }
        if let Some((content_type, bytes)) = req.body {
            builder = builder
                .header(CONTENT_TYPE, content_type)
                .header(CONTENT_LENGTH, bytes.len())
                .body(body_with_progress(bytes.to_vec(), req.progress.clone()));
        }
        let response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify)?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

impl<'a> Request<'a> {
    fn get(path: String) -> Self {
        Self {
            repeatable: true,
            ..Self::empty(Method::GET, path)
        }
    }
    fn empty(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            body: None,
            headers: Vec::new(),
            repeatable: false,
            progress: None,
            timeout: Duration::from_secs(30),
        }
    }
    fn json(method: Method, path: String, body: &'a [u8]) -> Self {
        Self {
            body: Some(("application/json", body)),
            ..Self::empty(method, path)
        }
    }
    fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_only_for_the_configured_service() {
        let c = Client::new("https://api.sumsub.com/", ApiCredentials::new("sbx:t", "s")).unwrap();
        assert_eq!(c.base_url(), "https://api.sumsub.com");
        assert!(c.signs_for("https://api.sumsub.com/resources/applicants"));
        assert!(!c.signs_for("https://api.sumsub.com.evil.example/resources"));
        assert!(!c.signs_for("https://evil.example/https://api.sumsub.com/"));
    }

    #[test]
    fn refuses_plain_http_except_on_this_computer() {
        assert!(Client::new("http://api.sumsub.com", ApiCredentials::new("t", "s")).is_err());
        assert!(Client::new("http://127.0.0.1:8080", ApiCredentials::new("t", "s")).is_ok());
        assert!(Client::new(
            "https://api.sumsub.com/resources",
            ApiCredentials::new("t", "s")
        )
        .is_err());
        assert!(Client::new("not a url", ApiCredentials::new("t", "s")).is_err());
    }
}
