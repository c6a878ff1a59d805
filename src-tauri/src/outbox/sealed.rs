//! What the sealed values hold, and the place each is bound to: a sealed value
//! moved to another row or column does not open.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::OutboxError;
use crate::submission::DocumentImage;
use crate::verification::models::{DocSide, IdDocType};

pub(super) const KEY_CHECK_PLACE: &str = "key check";
pub(super) const KEY_CHECK_TEXT: &[u8] = b"onboard-kiosk outbox";

pub(super) fn applicant_place(entry: i64) -> String {
    format!("entry {entry} applicant")
}

pub(super) fn image_place(entry: i64, idx: i64) -> String {
    format!("entry {entry} image {idx}")
}

#[derive(Serialize, Deserialize)]
struct ImageHeader {
    doc_type: String,
    side: Option<String>,
    country: String,
    filename: String,
    content_type: String,
}

/// header length (4 bytes, little endian) ‖ header JSON ‖ image bytes.
pub(super) fn image_plain(img: &DocumentImage) -> Result<Zeroizing<Vec<u8>>, OutboxError> {
    let header = serde_json::to_vec(&ImageHeader {
        doc_type: img.doc_type.to_string(),
        side: img.side.as_ref().map(|s| s.to_string()),
        country: img.country.clone(),
        filename: img.filename.clone(),
        content_type: img.content_type.clone(),
    })
    .map_err(|e| OutboxError::Invalid(e.to_string()))?;
    let mut out = Zeroizing::new(Vec::with_capacity(4 + header.len() + img.bytes.len()));
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&img.bytes);
    Ok(out)
}

pub(super) fn image_from_plain(plain: &[u8]) -> Option<DocumentImage> {
    let len = u32::from_le_bytes(plain.get(..4)?.try_into().ok()?) as usize;
    let header: ImageHeader = serde_json::from_slice(plain.get(4..4 + len)?).ok()?;
    Some(DocumentImage {
        doc_type: IdDocType::from(header.doc_type.as_str()),
        side: header.side.as_deref().map(DocSide::from),
        country: header.country,
        filename: header.filename,
        content_type: header.content_type,
        bytes: plain.get(4 + len..)?.to_vec(),
    })
}
