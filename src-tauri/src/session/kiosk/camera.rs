//! The camera and the pictures of the open session: live capture, taking or
//! importing a picture, and keeping or dropping it.

use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::capture::live::LiveStats;
use crate::capture::RgbFrame;
use crate::config::Profile;

use super::super::{lock, pictures};
use super::{CameraStarted, CameraView, CaptureView, Kiosk, KioskError, SessionView, Slot};

impl Kiosk {
    /// Starts the camera for `slot`; live feedback and auto-capture follow as events.
    pub fn start_camera(&self, slot: Slot) -> Result<CameraStarted, KioskError> {
        self.cameras.stop();
        let other_side = lock(&self.session)
            .as_ref()
            .ok_or(KioskError::NoSession)?
            .side_to_differ_from(slot);
        self.cameras.start(slot, other_side)
    }

    /// The cameras present now, marking the one that will be used.
    pub fn cameras(&self) -> Result<Vec<CameraView>, KioskError> {
        self.cameras.list()
    }

    /// Uses camera `id` from now on (for example when the first one is busy).
    pub fn choose_camera(&self, id: &str) -> Result<(), KioskError> {
        self.cameras.choose(id)
    }

    pub fn stop_camera(&self) {
        self.cameras.stop();
    }

    /// Stops the camera only if it is still the run the screen started.
    pub fn stop_camera_run(&self, run: u32) {
        self.cameras.stop_run(run);
    }

    /// The newest preview JPEG after frame `after`, waiting up to `wait`.
    pub fn preview(
        &self,
        after: u64,
        wait: Duration,
        max_width: u32,
    ) -> Option<(u64, Arc<Vec<u8>>)> {
        self.cameras.preview(after, wait, max_width)
    }

    pub fn camera_stats(&self) -> Option<LiveStats> {
        self.cameras.stats()
    }

    /// Takes the picture: the auto-captured frame if there is one, otherwise the newest.
    pub fn take_photo(&self, slot: Slot) -> Result<CaptureView, KioskError> {
        let frame = self.cameras.take(slot)?;
        self.keep_picture(slot, &frame, false)
    }

    /// Imports a photo from a file for `slot` (staff profiles only), checked
    /// exactly like a camera picture.
    pub fn import_photo(&self, slot: Slot, bytes: &[u8]) -> Result<CaptureView, KioskError> {
        let frame = pictures::from_file(self.options.profile, bytes)?;
        self.stop_camera();
        self.keep_picture(slot, &frame, true)
    }

    /// Checks, encodes and keeps a picture for review.
    fn keep_picture(
        &self,
        slot: Slot,
        frame: &RgbFrame,
        file: bool,
    ) -> Result<CaptureView, KioskError> {
        let other_side = lock(&self.session)
            .as_ref()
            .and_then(|s| s.side_to_differ_from(slot));
        let capture = pictures::checked(
            frame,
            slot,
            pictures::Checking {
                thresholds: &self.options.thresholds,
                file,
                other_side,
                full_frame: self.options.upload_full_frame,
            },
        )?;
        self.in_session(|s| s.keep(slot, capture)).map(|s| {
            s.captures
                .into_iter()
                .find(|c| c.slot == slot)
                .expect("just kept")
        })
    }

    /// The picture taken for `slot` (the review screen), or with `rejected`
    /// the one the service rejected, while its retake is not accepted yet.
    pub fn still(&self, slot: Slot, rejected: bool) -> Option<Zeroizing<Vec<u8>>> {
        let session = lock(&self.session);
        let s = session.as_ref()?;
        let jpeg = match rejected {
            true => s.rejected.get(&slot)?,
            false => &s.captures.get(&slot)?.jpeg,
        };
        Some(Zeroizing::new(jpeg.to_vec()))
    }

    /// Keeps the picture. One with problems is kept only when staff override
    /// it, in the attendant profile, and the override is logged.
    pub fn accept_photo(
        &self,
        slot: Slot,
        override_problems: bool,
    ) -> Result<SessionView, KioskError> {
        let staff_may_override = self.options.profile == Profile::Attendant;
        self.in_session(|s| {
            s.accept(
                slot,
                override_problems && staff_may_override,
                staff_may_override,
            )
        })
    }

    /// Drops the picture of `slot` so it can be taken again.
    pub fn retake(&self, slot: Slot) -> Result<SessionView, KioskError> {
        self.in_session(|s| s.retake(slot))
    }
}
