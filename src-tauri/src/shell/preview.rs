//! `kiosk://localhost/…`: binary pictures for the web view, never JSON or base64.
//!
//! - `preview?after=N&width=W`: the newest live frame after frame N as JPEG,
//!   at most W pixels wide (the size it is shown at), waiting up to a second
//!   for one (204 if none came). The screen asks for the next
//!   frame when it has drawn the last, so a slow screen skips frames.
//! - `still/SLOT`: the picture taken for a step, for the review screen.
//! - `rejected/SLOT`: the picture the service rejected, beside its reason.
//!
//! Only this window's web view can reach the scheme: no port is opened.

use std::time::Duration;

use tauri::http::{Response, StatusCode, Uri};

use crate::session::kiosk::{Kiosk, Slot};

fn empty(status: StatusCode) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("Access-Control-Allow-Origin", "*")
        .body(Vec::new())
        .expect("static response")
}

fn jpeg(bytes: Vec<u8>, seq: Option<u64>) -> Response<Vec<u8>> {
    let mut r = Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "image/jpeg")
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Expose-Headers", "X-Frame-Seq");
    if let Some(seq) = seq {
        r = r.header("X-Frame-Seq", seq.to_string());
    }
    r.body(bytes).expect("jpeg response")
}

/// No kiosk to show pictures of (out of service).
pub fn unavailable() -> Response<Vec<u8>> {
    empty(StatusCode::SERVICE_UNAVAILABLE)
}

pub fn respond(kiosk: &Kiosk, uri: &Uri) -> Response<Vec<u8>> {
    let path = uri.path().trim_start_matches('/');
    if path == "preview" {
        let param = |name: &str| {
            uri.query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix(name)))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let width = param("width=").min(u32::MAX as u64) as u32;
        return match kiosk.preview(param("after="), Duration::from_secs(1), width) {
            Some((seq, bytes)) => jpeg(bytes.to_vec(), Some(seq)),
            None => empty(StatusCode::NO_CONTENT),
        };
    }
    let slot_of = |name: &str| -> Option<Slot> {
        serde_json::from_value(serde_json::Value::String(name.into())).ok()
    };
    let picture = if let Some(slot) = path.strip_prefix("still/") {
        slot_of(slot).and_then(|s| kiosk.still(s, false))
    } else if let Some(slot) = path.strip_prefix("rejected/") {
        slot_of(slot).and_then(|s| kiosk.still(s, true))
    } else {
        return empty(StatusCode::NOT_FOUND);
    };
    match picture {
        Some(bytes) => jpeg(bytes.to_vec(), None),
        None => empty(StatusCode::NOT_FOUND),
    }
}
