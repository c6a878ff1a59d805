//! A picture before it is kept: read from a photo file (staff only), checked
//! like a camera picture, and encoded for upload.

use zeroize::Zeroizing;

use crate::capture::RgbFrame;
use crate::config::Profile;
use crate::quality::{assess, assess_file, encode_for_upload, DecodeLimits, Thresholds};

use super::error::{Invalid, KioskError};
use super::options::MAX_IMPORT_BYTES;
use super::state::Capture;
use super::views::Slot;

/// A photo file's picture (a field agent's phone picture, or a kiosk without
/// a working camera): for staff profiles only, within the size limits.
pub fn from_file(profile: Profile, bytes: &[u8]) -> Result<RgbFrame, KioskError> {
    if profile == Profile::SelfService {
        return Err(Invalid::ImportForStaffOnly.into());
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Invalid::FileTooLarge {
            max_mb: MAX_IMPORT_BYTES / (1024 * 1024),
        }
        .into());
    }
    let frame = crate::capture::file::import_bytes(bytes, DecodeLimits::default())
        .map_err(|e| Invalid::Unusable(e.into()))?;
    tracing::info!(
        width = frame.width,
        height = frame.height,
        "photo imported from a file"
    );
    Ok(frame)
}

/// The picture for `slot` checked (as a photo `file` or a camera's picture)
/// and encoded, ready to keep for review.
pub fn checked(
    frame: &RgbFrame,
    slot: Slot,
    thresholds: &Thresholds,
    file: bool,
) -> Result<Capture, KioskError> {
    let report = if file {
        assess_file(frame.as_frame(), slot.kind(), thresholds)
    } else {
        assess(frame.as_frame(), slot.kind(), thresholds)
    };
    let jpeg = encode_for_upload(frame.as_frame(), crate::verification::api::MAX_IMAGE_BYTES)
        .map_err(|e| {
            tracing::warn!("a picture could not be encoded: {e}");
            Invalid::NotEncodable
        })?;
    Ok(Capture::new(
        Zeroizing::new(jpeg),
        frame.width,
        frame.height,
        report.problems.iter().map(|p| p.code).collect(),
    ))
}
