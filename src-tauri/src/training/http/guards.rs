//! What every request passes first, and how a refusal is answered.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::json;

use crate::verification::api::{self, TIMESTAMP_WINDOW_SECS};
use crate::verification::signing;

use super::super::store::Refusal;
use super::Shared_;

pub(super) fn correlation_id() -> String {
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
pub(super) async fn errors_as_json(req: Request, next: Next) -> Response {
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
pub(super) async fn server_date(State(s): Shared_, req: Request, next: Next) -> Response {
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
pub(super) async fn authenticate(State(s): Shared_, req: Request, next: Next) -> Response {
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
pub(super) async fn faults(State(s): Shared_, req: Request, next: Next) -> Response {
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
