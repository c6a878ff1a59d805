//! The training service's HTTP surface: the same paths, shapes and errors as the real service.
//!
//! - [`guards`]: what every request passes first (signature and clock, injected
//!   faults) and how refusals are answered;
//! - [`review`]: requesting a check and the review that follows, with its webhooks.

mod guards;
mod review;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::verification::api::{self};
use crate::verification::models::*;

use super::script::Scenario;
use super::store::{Refusal, StoredApplicant};
use super::Shared;

use guards::{authenticate, errors_as_json, faults, refusal, server_date};
use review::{request_check, test_completed};

type Shared_ = State<Arc<Shared>>;

pub fn router(shared: Arc<Shared>) -> Router {
    let resources = Router::new()
        .route(
            "/resources/applicants",
            post(create_applicant).patch(patch_applicant),
        )
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

/// Profile data by the applicant's id in the body; only the language is kept here.
async fn patch_applicant(State(s): Shared_, body: Bytes) -> Response {
    let Ok(patch) = serde_json::from_slice::<ApplicantPatch>(&body) else {
        return refusal(Refusal::new(400, "Invalid JSON body"));
    };
    let mut store = s.store.lock().expect("store lock");
    match store.applicant_mut(&patch.id) {
        Ok(a) => {
            if patch.lang.is_some() {
                a.lang = patch.lang;
            }
        }
        Err(r) => return refusal(r),
    }
    let a = store.applicant(&patch.id).expect("exists");
    ok_json(a.to_model(&s.config))
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
