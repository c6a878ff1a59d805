//! The client's pieces that speak HTTP: header values, transport failures,
//! and request bodies that report how much of them was sent.

use reqwest::header::HeaderValue;

use super::client::Progress;
use super::error::TransportFailure;

pub(super) fn header_value(token: &str) -> Result<HeaderValue, TransportFailure> {
    // A token with characters a header cannot carry can never be sent; report it as unreachable-by-config.
    HeaderValue::from_str(token).map_err(|_| TransportFailure::Connect)
}

pub(super) fn classify(e: reqwest::Error) -> TransportFailure {
    if e.is_connect() {
        TransportFailure::Connect
    } else if e.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Reset
    }
}

/// The exact bytes, in chunks, reporting progress as the transport takes them.
pub(super) fn body_with_progress(bytes: Vec<u8>, progress: Option<Progress>) -> reqwest::Body {
    let Some(progress) = progress else {
        return reqwest::Body::from(bytes);
    };
    const CHUNK: usize = 64 * 1024;
    let total = bytes.len() as u64;
    let bytes = bytes::Bytes::from(bytes);
    let chunks = (0..bytes.len().div_ceil(CHUNK)).map(move |i| {
        let end = ((i + 1) * CHUNK).min(bytes.len());
        progress(end as u64, total);
        Ok::<_, std::io::Error>(bytes.slice(i * CHUNK..end))
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}
