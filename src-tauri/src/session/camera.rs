//! The camera while a capture screen is open: which device, which run of it,
//! the live preview and checks, and the frame a picture is taken from.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::capture::live::{LiveCapture, LiveConfig, LiveEvent, LiveStats};
use crate::capture::{
    choose_resolution, Camera, CameraError, DeviceInfo, Impairment, Resolution, RgbFrame,
    SampleCamera,
};
use crate::quality::{Side, Thresholds};

use super::error::{Invalid, KioskError};
use super::lock;
use super::views::{CameraStarted, CameraView, EventSink, KioskEvent, Slot};

/// Where the kiosk's pictures come from.
pub enum CameraSource {
    Sample(SampleCamera),
    Device(Arc<dyn Camera>),
}

impl CameraSource {
    fn camera(&self) -> &dyn Camera {
        match self {
            Self::Sample(s) => s,
            Self::Device(d) => d.as_ref(),
        }
    }
}

/// A camera run: the step it shows, its number, and the running capture.
type Run = (Slot, u32, Arc<LiveCapture>);

/// The kiosk's camera: one run at a time.
pub struct Cameras {
    source: CameraSource,
    /// The mode to ask for; `None` picks 1920×1080, then 1280×720.
    resolution: Option<Resolution>,
    thresholds: Thresholds,
    events: EventSink,
    live: Mutex<Option<Run>>,
    runs: AtomicU32,
    /// The camera staff or the person picked; the first one otherwise.
    chosen: Mutex<Option<String>>,
}

impl Cameras {
    pub fn new(
        source: CameraSource,
        resolution: Option<Resolution>,
        thresholds: Thresholds,
        events: EventSink,
    ) -> Self {
        Self {
            source,
            resolution,
            thresholds,
            events,
            live: Mutex::default(),
            runs: AtomicU32::new(0),
            chosen: Mutex::default(),
        }
    }

    pub fn is_sample(&self) -> bool {
        matches!(self.source, CameraSource::Sample(_))
    }

    /// Training mode: what the sample camera does to its picture.
    pub fn impair(&self, impairment: Impairment) -> Result<(), KioskError> {
        match &self.source {
            CameraSource::Sample(s) => {
                s.impair(impairment);
                Ok(())
            }
            CameraSource::Device(_) => Err(Invalid::SampleCameraOnly.into()),
        }
    }

    /// Starts the camera for `slot` (stopping any run before), comparing
    /// documents with `other_side`, the side already taken; live feedback
    /// and auto-capture follow as events.
    pub fn start(&self, slot: Slot, other_side: Option<Side>) -> Result<CameraStarted, KioskError> {
        self.stop();
        let camera = self.source.camera();
        let devices = camera.devices()?;
        let device = self.to_use(&devices).ok_or(CameraError::NotFound)?;
        let (resolution, warning) = match self.resolution {
            Some(r) if device.resolutions.contains(&r) => (r, None),
            _ => choose_resolution(&device.resolutions).unwrap_or((Resolution::HD, None)),
        };
        if let CameraSource::Sample(s) = &self.source {
            s.point_at(slot.subject());
        }
        let events = self.events.clone();
        let sink = Arc::new(move |e| {
            events(match e {
                LiveEvent::Feedback(feedback) => KioskEvent::Feedback { slot, feedback },
                LiveEvent::AutoCaptured => KioskEvent::AutoCaptured { slot },
                LiveEvent::Lost(reason) => KioskEvent::CameraLost { reason },
            })
        });
        let live = LiveCapture::start(
            camera,
            &device.id,
            resolution,
            LiveConfig {
                other_side,
                // The portrait is looked for on the picture taken, not live:
                // the detector would take the preview's share of the processor.
                portrait: false,
                mrz: slot.may_carry_mrz(),
                ..LiveConfig::new(slot.kind(), self.thresholds.clone())
            },
            sink,
        )?;
        let resolution = live.resolution().unwrap_or(resolution);
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        *lock(&self.live) = Some((slot, run, Arc::new(live)));
        Ok(CameraStarted {
            run,
            name: device.name.clone(),
            resolution,
            warning,
            mirrored: slot == Slot::Selfie,
        })
    }

    /// The cameras present now, marking the one that will be used.
    pub fn list(&self) -> Result<Vec<CameraView>, KioskError> {
        let devices = self.source.camera().devices()?;
        let in_use = self.to_use(&devices).map(|d| d.id.clone());
        Ok(devices
            .into_iter()
            .map(|d| CameraView {
                in_use: in_use.as_deref() == Some(d.id.as_str()),
                best: d.resolutions.first().copied(),
                id: d.id,
                name: d.name,
            })
            .collect())
    }

    /// The chosen camera while it is present, otherwise the first.
    fn to_use<'a>(&self, devices: &'a [DeviceInfo]) -> Option<&'a DeviceInfo> {
        let chosen = lock(&self.chosen).clone();
        chosen
            .and_then(|id| devices.iter().find(|d| d.id == id))
            .or(devices.first())
    }

    /// Uses camera `id` from now on (for example when the first one is busy).
    pub fn choose(&self, id: &str) -> Result<(), KioskError> {
        if !self.source.camera().devices()?.iter().any(|d| d.id == id) {
            return Err(CameraError::NotFound.into());
        }
        tracing::info!("another camera was chosen");
        *lock(&self.chosen) = Some(id.to_owned());
        Ok(())
    }

    pub fn stop(&self) {
        if let Some((_, _, live)) = lock(&self.live).take() {
            live.stop();
        }
    }

    /// Stops the camera only if it is still the run a screen started: a
    /// screen that closes must not stop the camera the next screen opened,
    /// whichever request arrives first.
    pub fn stop_run(&self, run: u32) {
        let mut guard = lock(&self.live);
        if guard.as_ref().is_some_and(|(_, r, _)| *r == run) {
            if let Some((_, _, live)) = guard.take() {
                drop(guard);
                live.stop();
            }
        }
    }

    /// The newest preview JPEG after frame `after`, waiting up to `wait`.
    pub fn preview(
        &self,
        after: u64,
        wait: Duration,
        max_width: u32,
    ) -> Option<(u64, Arc<Vec<u8>>)> {
        let live = lock(&self.live).as_ref().map(|(_, _, l)| l.clone())?;
        live.preview_after(after, wait, max_width)
    }

    pub fn stats(&self) -> Option<LiveStats> {
        lock(&self.live).as_ref().map(|(_, _, l)| l.stats())
    }

    /// The frame to keep for `slot`: the auto-captured one if there is one,
    /// otherwise the newest. The camera stops.
    pub fn take(&self, slot: Slot) -> Result<Arc<RgbFrame>, KioskError> {
        let frame = {
            let guard = lock(&self.live);
            let (live_slot, _, live) = guard.as_ref().ok_or(Invalid::CameraStopped)?;
            if *live_slot != slot {
                return Err(Invalid::CameraOnOtherStep.into());
            }
            live.take_auto_capture()
                .or_else(|| live.latest())
                .ok_or(Invalid::NoFrameYet)?
        };
        self.stop();
        Ok(frame)
    }
}
