//! The training service's HTTP surface: the same paths, shapes and errors as the real service.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

use crate::verification::api::{self, TIMESTAMP_WINDOW_SECS};
use crate::verification::models::*;
use crate::verification::signing;

use super::script::{Decision, Scenario};
use super::store::{Refusal, StoredApplicant};
use super::webhook::Event;
use super::Shared;

type Shared_ = State<Arc<Shared>>;

pub fn router(shared: Arc<Shared>) -> Router {
    let resources = Router::new()
        .route("/resources/applicants", post(create_applicant))
        .route("/resources/applicants/{key}/one", get(get_applicant))
        .route("/resources/applicants/{id}/info/idDoc", post(add_id_doc))
        .route(
            "/resources/applicants/{id}/requiredIdDocsStatus",
            get(required_docs_status),
        )
        .route("/resources/applicants/{id}/status", get(review_status))
        .route(
            "/resources/applicants/{id}/status/pending",
            post(request_check),
        )
        .route(
            "/resources/applicants/{id}/status/testCompleted",
            post(test_completed),
        )
        .route(
            "/resources/applicants/{id}/fixedInfo",
            axum::routing::patch(patch_fixed_info),
        )
        .route(
            "/resources/applicants/{id}/metadata/resources",
            get(image_metadata),
        )
        .route(
            "/resources/inspections/{inspection}/resources/{image}",
            get(download_image).delete(deactivate_image),
        )
        .route("/resources/moderationStates/{key}", get(moderation_states))
        .route("/resources/accessTokens/sdk", post(access_token_sdk))
        .route("/resources/accessTokens", post(access_token_query))
        .layer(from_fn_with_state(shared.clone(), faults));
    let control = Router::new()
        .route("/training/scenarios", post(set_scenario))
        .route("/training/stats", get(stats));
    resources
        .merge(control)
        .fallback(|| async { refusal(Refusal::new(404, "Not found")) })
        .method_not_allowed_fallback(|| async { refusal(Refusal::new(405, "Method not allowed")) })
        .layer(from_fn_with_state(shared.clone(), authenticate))
        .layer(from_fn_with_state(shared.clone(), server_date))
        .layer(axum::middleware::from_fn(errors_as_json))
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

fn correlation_id() -> String {
    format!("req-{:016x}", rand::random::<u64>())
}

pub(super) fn refusal(r: Refusal) -> Response {
    let mut body = json!({
        "description": r.description,
        "code": r.status,
        "correlationId": correlation_id(),
    });
    if let Some(code) = r.error_code {
        body["errorCode"] = json!(code);
        body["errorName"] = json!(crate::verification::ServiceErrorCode::from_code(code).name());
    }
    (
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        Json(body),
    )
        .into_response()
}

/// Whatever answers an error (a route, an extractor, a limit), the client
/// gets the service's JSON error shape, never a framework's plain text.
async fn errors_as_json(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let description = match status {
        StatusCode::NOT_FOUND => "Not found".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "The request is too large".to_owned(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported Content-Type".to_owned(),
        other => format!(
            "The request could not be processed ({})",
            other.canonical_reason().unwrap_or("error")
        ),
    };
    let mut json = refusal(Refusal::new(status.as_u16(), description));
    for (k, v) in resp.headers() {
        if k != axum::http::header::CONTENT_TYPE && k != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().insert(k.clone(), v.clone());
        }
    }
    json
}

/// The service's clock on every answer, so clients can tell their own clock is off.
async fn server_date(State(s): Shared_, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let now = std::time::SystemTime::now();
    let offset = Duration::from_secs(s.config.clock_offset_secs.unsigned_abs());
    let server = if s.config.clock_offset_secs >= 0 {
        now + offset
    } else {
        now - offset
    };
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(server)) {
        resp.headers_mut().insert(axum::http::header::DATE, v);
    }
    resp
}

/// Verifies app token, timestamp window and signature over the exact bytes received.
async fn authenticate(State(s): Shared_, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    // What the headers alone decide comes before a byte of the body is read.
    if header(api::HEADER_APP_TOKEN) != s.config.app_token {
        return refusal(Refusal::new(401, "App token is invalid or missing"));
    }
    let Ok(ts) = header(api::HEADER_ACCESS_TS).parse::<i64>() else {
        return refusal(Refusal::new(401, "Request timestamp is missing or invalid"));
    };
    if (s.now_secs() - ts).abs() > TIMESTAMP_WINDOW_SECS {
        return refusal(Refusal::new(
            401,
            "Request timestamp is outside the allowed window",
        ));
    }
    if header(api::HEADER_ACCESS_SIG).len() != 64 {
        return refusal(Refusal::new(401, "Request signature mismatch"));
    }
    let limit = api::MAX_IMAGE_BYTES + 1024 * 1024;
    let too_large = || {
        refusal(Refusal::coded(
            413,
            crate::verification::ServiceErrorCode::FileTooBig,
            "The request is larger than 64 MB",
        ))
    };
    if header(axum::http::header::CONTENT_LENGTH.as_str())
        .parse::<usize>()
        .is_ok_and(|n| n > limit)
    {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    if !signing::verify(
        s.config.secret_key.as_bytes(),
        ts,
        parts.method.as_str(),
        path_and_query,
        &bytes,
        header(api::HEADER_ACCESS_SIG),
    ) {
        return refusal(Refusal::new(401, "Request signature mismatch"));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

enum Fault {
    ServerError,
    RateLimited,
    ResetBefore,
    ResetAfter,
    Slow,
}

/// Injects the configured transient failures.
async fn faults(State(s): Shared_, req: Request, next: Next) -> Response {
    let f = &s.config.faults;
    let fault = {
        let mut rng = s.rng.lock().expect("rng lock");
        let roll: f64 = rng.random();
        let mut edge = 0.0;
        [
            (f.server_error, Fault::ServerError),
            (f.rate_limited, Fault::RateLimited),
            (f.reset_before, Fault::ResetBefore),
            (f.reset_after, Fault::ResetAfter),
            (f.slow, Fault::Slow),
        ]
        .into_iter()
        .find(|(share, _)| {
            edge += share;
            roll < edge
        })
        .map(|(_, fault)| fault)
    };
    s.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if matches!(
        fault,
        Some(Fault::ServerError | Fault::RateLimited | Fault::ResetBefore | Fault::ResetAfter)
    ) {
        s.failed_on_purpose
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    match fault {
        None => next.run(req).await,
        Some(Fault::ServerError) => refusal(Refusal::new(503, "Service temporarily unavailable")),
        Some(Fault::RateLimited) => {
            let mut r = refusal(Refusal::new(429, "Too many requests"));
            r.headers_mut()
                .insert("Retry-After", HeaderValue::from_static("1"));
            r
        }
        Some(Fault::ResetBefore) => broken_answer(),
        Some(Fault::ResetAfter) => {
            let _handled = next.run(req).await;
            broken_answer()
        }
        Some(Fault::Slow) => {
            tokio::time::sleep(f.slow_delay).await;
            next.run(req).await
        }
    }
}

/// An answer whose connection breaks before the body is complete.
fn broken_answer() -> Response {
    let stream = futures_util::stream::iter([Err::<Bytes, std::io::Error>(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset (injected)",
    ))]);
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(Body::from_stream(stream))
        .expect("response")
}

fn ok_json<T: serde::Serialize>(v: T) -> Response {
    Json(v).into_response()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateBody {
    external_user_id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    lang: Option<String>,
    fixed_info: Option<FixedInfo>,
}

/// One query parameter. Clients may repeat it (the service's own examples
/// do) with the same value; two different values are refused.
fn query_param(uri: &axum::http::Uri, name: &str) -> Result<Option<String>, Refusal> {
    let mut found: Option<String> = None;
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if k != name {
            continue;
        }
        match &found {
            Some(prev) if *prev != v => {
                return Err(Refusal::new(
                    400,
                    format!("The query parameter {name} is given twice with different values"),
                ))
            }
            _ => found = Some(v.into_owned()),
        }
    }
    Ok(found.filter(|v| !v.is_empty()))
}

async fn create_applicant(State(s): Shared_, uri: axum::http::Uri, body: Bytes) -> Response {
    let level = match query_param(&uri, "levelName") {
        Ok(Some(level)) => level,
        Ok(None) => return refusal(Refusal::new(400, "levelName is required")),
        Err(r) => return refusal(r),
    };
    let Ok(b) = serde_json::from_slice::<CreateBody>(&body) else {
        return refusal(Refusal::new(400, "Invalid JSON body"));
    };
    let new = NewApplicant {
        external_user_id: b.external_user_id.unwrap_or_default(),
        email: b.email,
        phone: b.phone,
        lang: b.lang,
        fixed_info: b.fixed_info,
    };
    let (model, event) = {
        let mut store = s.store.lock().expect("store lock");
        match store.create_applicant(&s.config, &level, new) {
            Ok(a) => (a.to_model(&s.config), s.event("applicantCreated", a)),
            Err(r) => return refusal(r),
        }
    };
    s.emit(event);
    ok_json(model)
}

fn find<'a>(store: &'a super::store::Store, key: &str) -> Result<&'a StoredApplicant, Refusal> {
    match key.strip_prefix("-;externalUserId=") {
        Some(ext) => store.by_external(ext),
        None => store.applicant(key),
    }
}

async fn get_applicant(State(s): Shared_, Path(key): Path<String>) -> Response {
    let store = s.store.lock().expect("store lock");
    match find(&store, &key) {
        Ok(a) => ok_json(a.to_model(&s.config)),
        Err(r) => refusal(r),
    }
}

async fn add_id_doc(
    State(s): Shared_,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let mut metadata: Option<DocMetadata> = None;
    let mut content: Option<Bytes> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let Ok(data) = field.bytes().await else {
                    return refusal(Refusal::new(400, "Invalid multipart body"));
                };
                match name.as_str() {
                    "metadata" => match serde_json::from_slice::<DocMetadata>(&data) {
                        Ok(m) => metadata = Some(m),
                        Err(e) => {
                            return refusal(Refusal::new(400, format!("Invalid metadata: {e}")))
                        }
                    },
                    "content" => content = Some(data),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return refusal(Refusal::new(400, "Invalid multipart body")),
        }
    }
    let Some(metadata) = metadata else {
        return refusal(Refusal::new(400, "The metadata part is missing"));
    };
    if let Some(c) = &metadata.country {
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return refusal(Refusal::new(
                400,
                format!("Invalid country '{c}': use ISO 3166-1 alpha-3"),
            ));
        }
    }
    if let IdDocType::Other(t) = &metadata.id_doc_type {
        return refusal(Refusal::new(400, format!("Unknown idDocType {t}")));
    }
    let content = content.unwrap_or_default();
    let content_type = match crate::verification::files::inspect(&content) {
        Ok(ct) => ct,
        Err(r) => return refusal(r),
    };
    let image_id = {
        let mut store = s.store.lock().expect("store lock");
        match store.add_image(
            &s.config,
            &id,
            &metadata,
            content.to_vec(),
            content_type.to_owned(),
        ) {
            Ok(image_id) => image_id,
            Err(r) => return refusal(r),
        }
    };
    let mut echo = serde_json::to_value(&metadata).unwrap_or_default();
    if headers
        .get(api::HEADER_RETURN_DOC_WARNINGS)
        .is_some_and(|v| v == "true")
    {
        echo["warnings"] = json!([]);
        echo["errors"] = json!([]);
    }
    let mut resp = ok_json(echo);
    resp.headers_mut().insert(
        api::HEADER_IMAGE_ID,
        HeaderValue::from_str(&image_id).expect("digits"),
    );
    resp
}

async fn required_docs_status(State(s): Shared_, Path(id): Path<String>) -> Response {
    let store = s.store.lock().expect("store lock");
    match store.required_docs_status(&s.config, &id) {
        Ok(v) => ok_json(v),
        Err(r) => refusal(r),
    }
}

async fn review_status(State(s): Shared_, Path(id): Path<String>) -> Response {
    let store = s.store.lock().expect("store lock");
    match store.applicant(&id) {
        Ok(a) => ok_json(a.review_state()),
        Err(r) => refusal(r),
    }
}

async fn request_check(State(s): Shared_, Path(id): Path<String>) -> Response {
    let (generation, event) = {
        let mut store = s.store.lock().expect("store lock");
        let generation = match store.request_check(&s.config, &id) {
            Ok(g) => g,
            Err(r) => return refusal(r),
        };
        let a = store.applicant(&id).expect("exists");
        (generation, s.event("applicantPending", a))
    };
    s.emit(event);
    tokio::spawn(review_lifecycle(s.clone(), id, generation));
    ok_json(json!({"ok": 1}))
}

/// pending → queued → (onHold →) completed, and for one scenario a later rejection.
async fn review_lifecycle(s: Arc<Shared>, id: String, generation: u64) {
    tokio::time::sleep(s.config.queue_delay).await;
    if !s.store.lock().expect("store lock").queue(&id, generation) {
        return;
    }
    loop {
        tokio::time::sleep(s.config.review_delay).await;
        let (decision, event, scenario) = {
            let mut store = s.store.lock().expect("store lock");
            let Some(decision) = store.decide(&s.config, &id, generation) else {
                return;
            };
            let a = store.applicant(&id).expect("exists");
            let kind = if decision == Decision::OnHold {
                "applicantOnHold"
            } else {
                "applicantReviewed"
            };
            (decision, s.event(kind, a), a.scenario)
        };
        s.emit(event);
        if decision == Decision::OnHold {
            continue;
        }
        if decision == Decision::Green && scenario == Scenario::GreenThenRed {
            // Approved, then opened again (pending, on hold), then rejected.
            let steps = [
                (Some(ReviewStatus::Pending), "applicantPending"),
                (Some(ReviewStatus::OnHold), "applicantOnHold"),
                (None, "applicantReviewed"),
            ];
            for (status, kind) in steps {
                tokio::time::sleep(s.config.later_rejection_delay / 3).await;
                let event = {
                    let mut store = s.store.lock().expect("store lock");
                    let moved = match status {
                        Some(to) => store.reopen_later(&id, generation, to),
                        None => store.reject_later(&id, generation),
                    };
                    if !moved {
                        return;
                    }
                    s.event(kind, store.applicant(&id).expect("exists"))
                };
                s.emit(event);
            }
        }
        return;
    }
}

async fn test_completed(State(s): Shared_, Path(id): Path<String>, body: Bytes) -> Response {
    if !s.config.app_token.starts_with("sbx:") {
        return refusal(Refusal::new(
            400,
            "Simulated reviews are only available in the sandbox",
        ));
    }
    let Ok(sim) = serde_json::from_slice::<SimulatedReview>(&body) else {
        return refusal(Refusal::new(400, "Invalid JSON body"));
    };
    let event = {
        let mut store = s.store.lock().expect("store lock");
        let decision = match (&sim.review_answer, &sim.review_reject_type) {
            (Some(ReviewAnswer::Green), _) => Decision::Green,
            (Some(ReviewAnswer::Red), Some(RejectType::Final)) => Decision::Final,
            (Some(ReviewAnswer::Red), _) => Decision::RetryFront,
            _ => return refusal(Refusal::new(400, "reviewAnswer must be GREEN or RED")),
        };
        if let Err(r) = store.applicant(&id) {
            return refusal(r);
        }
        store.complete(&s.config, &id, decision);
        let a = store.applicant_mut(&id).expect("exists");
        a.generation += 1;
        if let Some(result) = a.result.as_mut() {
            if sim.review_answer == Some(ReviewAnswer::Red) {
                result.reject_labels = sim.reject_labels.clone();
                result.review_reject_type =
                    sim.review_reject_type.clone().or(Some(RejectType::Retry));
                result.moderation_comment = sim.moderation_comment.clone();
                result.client_comment = sim.client_comment.clone();
            }
        }
        s.event("applicantReviewed", a)
    };
    s.emit(event);
    ok_json(json!({"ok": 1}))
}

async fn patch_fixed_info(State(s): Shared_, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(patch) = serde_json::from_slice::<FixedInfo>(&body) else {
        return refusal(Refusal::new(400, "Invalid JSON body"));
    };
    let (model, event) = {
        let mut store = s.store.lock().expect("store lock");
        let a = match store.applicant_mut(&id) {
            Ok(a) => a,
            Err(r) => return refusal(r),
        };
        let f = &mut a.fixed_info;
        for (slot, value) in [
            (&mut f.first_name, patch.first_name),
            (&mut f.last_name, patch.last_name),
            (&mut f.dob, patch.dob),
            (&mut f.country, patch.country),
            (&mut f.nationality, patch.nationality),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
        let a = store.applicant(&id).expect("exists");
        (
            a.to_model(&s.config),
            s.event("applicantPersonalInfoChanged", a),
        )
    };
    s.emit(event);
    ok_json(model)
}

async fn image_metadata(State(s): Shared_, Path(id): Path<String>) -> Response {
    let store = s.store.lock().expect("store lock");
    if let Err(r) = store.applicant(&id) {
        return refusal(r);
    }
    let mut items: Vec<ImageResource> = store
        .images
        .values()
        .filter(|i| i.applicant_id == id)
        .map(|i| ImageResource {
            id: i.id.clone(),
            id_doc_def: i.def.clone(),
            added_date: Some(i.added.format("%Y-%m-%d %H:%M:%S").to_string()),
            deactivated: Some(!i.active),
            file_hash: None,
        })
        .collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    ok_json(ImageResources { items })
}

async fn download_image(
    State(s): Shared_,
    Path((inspection, image)): Path<(String, String)>,
) -> Response {
    let store = s.store.lock().expect("store lock");
    let Some(img) = store.images.get(&image).filter(|i| {
        store
            .applicants
            .get(&i.applicant_id)
            .is_some_and(|a| a.inspection_id == inspection)
    }) else {
        return refusal(Refusal::new(404, "Image not found"));
    };
    (
        [("Content-Type", img.content_type.clone())],
        img.bytes.clone(),
    )
        .into_response()
}

async fn deactivate_image(
    State(s): Shared_,
    Path((inspection, image)): Path<(String, String)>,
) -> Response {
    let mut store = s.store.lock().expect("store lock");
    let owner_ok = store
        .images
        .get(&image)
        .and_then(|i| store.applicants.get(&i.applicant_id))
        .is_some_and(|a| a.inspection_id == inspection);
    match store.images.get_mut(&image) {
        Some(img) if owner_ok => {
            img.active = false;
            ok_json(json!({"ok": 1}))
        }
        _ => refusal(Refusal::new(404, "Image not found")),
    }
}

async fn moderation_states(State(s): Shared_, Path(key): Path<String>) -> Response {
    let Some(id) = key.strip_prefix("-;applicantId=") else {
        return refusal(Refusal::new(400, "Expected -;applicantId={id}"));
    };
    let store = s.store.lock().expect("store lock");
    let a = match store.applicant(id) {
        Ok(a) => a,
        Err(r) => return refusal(r),
    };
    let items: Vec<serde_json::Value> = a
        .step_results
        .values()
        .flat_map(|(step, images)| {
            images.iter().map(move |(image_id, r)| {
                json!({
                    "applicantId": id,
                    "imageId": image_id,
                    "reviewAnswer": r.review_answer,
                    "buttonIds": if r.button_ids.is_empty() { step.button_ids.clone() } else { r.button_ids.clone() },
                    "moderationComment": r.moderation_comment,
                })
            })
        })
        .collect();
    ok_json(json!({ "items": items }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScenarioBody {
    external_user_id: String,
    scenario: String,
}

async fn set_scenario(State(s): Shared_, Json(b): Json<ScenarioBody>) -> Response {
    match b.scenario.parse::<Scenario>() {
        Ok(scenario) => {
            s.set_scenario(&b.external_user_id, scenario);
            ok_json(json!({"ok": 1}))
        }
        Err(e) => refusal(Refusal::new(400, e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    user_id: Option<String>,
    level_name: Option<String>,
    ttl_in_secs: Option<u64>,
}

/// `POST /resources/accessTokens/sdk` with `{userId, levelName, ttlInSecs?}`.
async fn access_token_sdk(body: Bytes) -> Response {
    match serde_json::from_slice::<TokenBody>(&body) {
        Ok(b) => access_token(b),
        Err(e) => refusal(Refusal::new(400, format!("Invalid JSON body: {e}"))),
    }
}

/// The older `POST /resources/accessTokens?userId=…&levelName=…&ttlInSecs=…`.
async fn access_token_query(uri: axum::http::Uri) -> Response {
    let param = |name| query_param(&uri, name);
    let body = (|| {
        Ok::<_, Refusal>(TokenBody {
            user_id: param("userId")?,
            level_name: param("levelName")?,
            ttl_in_secs: match param("ttlInSecs")? {
                Some(t) => Some(
                    t.parse()
                        .map_err(|_| Refusal::new(400, "ttlInSecs must be a number of seconds"))?,
                ),
                None => None,
            },
        })
    })();
    match body {
        Ok(b) => access_token(b),
        Err(r) => refusal(r),
    }
}

/// A token for the service's own SDKs. The training service never accepts
/// one back: it only shows that the request was understood.
fn access_token(b: TokenBody) -> Response {
    let Some(user_id) = b.user_id.filter(|u| !u.is_empty()) else {
        return refusal(Refusal::new(400, "userId is required"));
    };
    if b.level_name.as_deref().is_some_and(str::is_empty) {
        return refusal(Refusal::new(400, "levelName must not be empty"));
    }
    let ttl = b.ttl_in_secs.unwrap_or(600);
    ok_json(json!({
        "token": format!("_act-sbx-training-{:032x}-{ttl}", rand::random::<u128>()),
        "userId": user_id,
    }))
}

async fn stats(State(s): Shared_) -> Response {
    ok_json(s.stats())
}

impl Shared {
    pub(super) fn event(&self, kind: &str, a: &StoredApplicant) -> Event {
        Event {
            kind: kind.to_owned(),
            applicant_id: a.id.clone(),
            inspection_id: a.inspection_id.clone(),
            correlation_id: correlation_id(),
            external_user_id: a.external_user_id.clone(),
            level_name: a.level.clone(),
            review_status: a.status.clone(),
            review_result: if a.status == ReviewStatus::Completed {
                a.result.clone()
            } else {
                None
            },
            sandbox_mode: true,
            created_at_ms: chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string(),
        }
    }

    pub(super) fn emit(&self, event: Event) {
        if let Some(tx) = &self.webhooks {
            let _ = tx.send(event);
        }
    }
}
