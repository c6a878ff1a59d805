//! A picture before it is kept: read from a photo file (staff only), checked
//! like a camera picture, and encoded for upload.

use zeroize::Zeroizing;

use crate::capture::RgbFrame;
use crate::config::Profile;
use crate::quality::{
    assess_file, crop, encode_for_upload, Assessor, DecodeLimits, Side, Thresholds, ZoneReading,
};

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

/// How a picture is checked and what of it is kept.
pub struct Checking<'a> {
    pub thresholds: &'a Thresholds,
    /// A photo file (a scan may be cropped to the document already).
    pub file: bool,
    /// The side already taken: showing it again is `same_side_again`.
    pub other_side: Option<Side>,
    /// Keep the whole frame, not the document cut out of it.
    pub full_frame: bool,
}

/// The picture for `slot` checked and encoded, ready to keep for review: of a
/// document found whole in it, the document cut out and de-warped (unless
/// the whole frame is asked for), else the whole picture.
pub fn checked(frame: &RgbFrame, slot: Slot, how: Checking<'_>) -> Result<Capture, KioskError> {
    let Checking {
        thresholds,
        file,
        other_side,
        full_frame,
    } = how;
    let report = if file {
        assess_file(
            frame.as_frame(),
            slot.kind(),
            thresholds,
            other_side.as_ref(),
            (slot.shows_portrait(), slot.may_carry_mrz()),
        )
    } else {
        Assessor::new(thresholds.clone())
            .comparing_with(other_side)
            .expecting_portrait(slot.shows_portrait())
            .judging_mrz(slot.may_carry_mrz())
            .reading_zone(slot.may_carry_mrz())
            .assess(frame.as_frame(), slot.kind())
    };
    // A document filling the picture (a scan) is sent as it is.
    let cut_out = match (&report.document, full_frame) {
        (Some(outline), false) if outline.fill_fraction < 0.9 => {
            crop::document(frame.as_frame(), outline).map(|(w, h, rgb)| RgbFrame::new(w, h, rgb))
        }
        _ => None,
    };
    // The cut-out frame is wiped when dropped, like every frame.
    let sent = cut_out.as_ref().unwrap_or(frame);
    let jpeg = encode_for_upload(sent.as_frame(), crate::verification::api::MAX_IMAGE_BYTES)
        .map_err(|e| {
            tracing::warn!("a picture could not be encoded: {e}");
            Invalid::NotEncodable
        })?;
    let zone = match report.zone {
        Some(ZoneReading::Read(fields)) => Some(fields),
        _ => None,
    };
    Ok(Capture::new(
        Zeroizing::new(jpeg),
        sent.width,
        sent.height,
        report.problems.iter().map(|p| p.code).collect(),
        report.side,
    )
    .with_zone(zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Scene, Subject};

    fn card_frame() -> RgbFrame {
        let scene = Scene::new(Subject::DocumentFront, 1280, 720);
        RgbFrame::new(1280, 720, scene.render(0))
    }

    fn how(thresholds: &Thresholds, full_frame: bool) -> Checking<'_> {
        Checking {
            thresholds,
            file: false,
            other_side: None,
            full_frame,
        }
    }

    #[test]
    fn a_cards_back_keeps_what_its_zone_says_and_a_front_has_none() {
        let t = Thresholds::default();
        let back = Scene::new(Subject::DocumentBack, 1280, 720);
        let frame = RgbFrame::new(1280, 720, back.render(0));
        let kept = checked(&frame, Slot::Back, how(&t, false)).expect("checked");
        assert!(kept.problems.is_empty(), "{:?}", kept.problems);
        let zone = kept.zone.as_ref().expect("the zone, read");
        let printed = crate::capture::sample::zone::specimen(back.seed);
        assert_eq!(zone.lines, printed.to_vec());
        // Read on the back's slot only: a front carries no zone.
        let front = checked(&card_frame(), Slot::Front, how(&t, false)).expect("checked");
        assert!(front.zone.is_none());
    }

    #[test]
    fn a_document_is_sent_cut_out_unless_the_whole_frame_is_asked_for() {
        let t = Thresholds::default();
        let frame = card_frame();
        let cut = checked(&frame, Slot::Front, how(&t, false)).expect("checked");
        assert!(cut.problems.is_empty(), "{:?}", cut.problems);
        // The card is 66 % of 1,280 pixels wide; 4 % margins on either side.
        let expected_w = 0.66 * 1280.0 * 1.08;
        assert!(
            (cut.width as f32 - expected_w).abs() < 20.0,
            "{}×{}",
            cut.width,
            cut.height
        );
        let aspect = cut.width as f32 / cut.height as f32;
        let card_with_margin = 1.08 / (54.0 / 85.6 + 0.08);
        assert!((aspect - card_with_margin).abs() < 0.03, "{aspect}");
        let whole = checked(&frame, Slot::Front, how(&t, true)).expect("checked");
        assert_eq!((whole.width, whole.height), (1280, 720));
        // A selfie is always the whole frame.
        let selfie = Scene::new(Subject::Selfie, 1280, 720);
        let selfie = RgbFrame::new(1280, 720, selfie.render(0));
        let kept = checked(&selfie, Slot::Selfie, how(&t, false)).expect("checked");
        assert_eq!((kept.width, kept.height), (1280, 720));
    }
}
