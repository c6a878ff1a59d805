//! Live capture: the latest frame only, quality checks on it several times a
//! second, auto-capture when it has been good and steady for a few checks, and
//! preview frames for the screen.
//!
//! A slow consumer never queues frames: the camera overwrites the one latest
//! frame, the checker takes whatever is newest when it is ready, and the
//! preview encodes only the frames someone asked for.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use specta::Type;

use crate::quality::{
    encode_preview, Assessor, AutoCapture, Kind, ProblemCode, QualityReport, Side, Thresholds,
};

use super::{Camera, CameraError, CameraEvent, CameraStream, Resolution, RgbFrame};

#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub kind: Kind,
    pub thresholds: Thresholds,
    /// Checks in a row that must pass, steady, before auto-capture.
    pub auto_capture_after: usize,
    /// At most this often a frame is checked.
    pub check_interval: Duration,
    /// The document side already taken: showing it again is a problem.
    pub other_side: Option<Side>,
    /// The document should show its holder's portrait.
    pub portrait: bool,
    /// The document may carry a machine-readable zone, judged on its own.
    pub mrz: bool,
    /// Faces are looked for in every this-many checks (the detector is the
    /// slowest check; a face moves little in between).
    pub faces_every: u32,
}

impl LiveConfig {
    pub fn new(kind: Kind, thresholds: Thresholds) -> Self {
        Self {
            kind,
            thresholds,
            auto_capture_after: 5,
            // Up to 20 checks a second: a 720p frame's checks take a few
            // milliseconds, so the preview keeps most of a core.
            check_interval: Duration::from_millis(50),
            other_side: None,
            portrait: false,
            mrz: false,
            faces_every: 3,
        }
    }
}

/// What the person should hear about the picture right now.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct LiveFeedback {
    pub problems: Vec<ProblemCode>,
    /// Good, steady checks in a row so far, out of `needed`.
    pub streak: u32,
    pub needed: u32,
    pub sharpness: f64,
    pub brightness: f64,
    pub glare_fraction: f64,
    /// The document's corners in the frame's pixels (rounded: they are
    /// drawn), clockwise from its top-left, when one was found.
    pub document: Option<[[i32; 2]; 4]>,
    /// The checked frame's size, the space `document` is in.
    pub frame_width: u32,
    pub frame_height: u32,
}

impl LiveFeedback {
    fn from_report(r: &QualityReport, streak: usize, needed: usize, steady: bool) -> Self {
        let mut problems: Vec<ProblemCode> = r.problems.iter().map(|p| p.code).collect();
        if problems.is_empty() && !steady {
            problems.push(ProblemCode::Unsteady);
        }
        Self {
            problems,
            streak: streak as u32,
            needed: needed as u32,
            sharpness: r.sharpness,
            brightness: r.brightness,
            glare_fraction: r.glare_fraction,
            document: r
                .document
                .as_ref()
                .map(|d| d.corners.map(|c| c.map(|v| v.round() as i32))),
            frame_width: r.width,
            frame_height: r.height,
        }
    }
}

pub enum LiveEvent {
    Feedback(LiveFeedback),
    /// A good, steady frame was taken: [`LiveCapture::take_auto_capture`] has it.
    AutoCaptured,
    /// The camera went away.
    Lost(String),
}

pub type LiveSink = Arc<dyn Fn(LiveEvent) + Send + Sync>;

#[derive(Default)]
struct Latest {
    seq: u64,
    frame: Option<Arc<RgbFrame>>,
}

#[derive(Default)]
struct Inner {
    latest: Mutex<Latest>,
    arrived: Condvar,
    stop: AtomicBool,
    auto_captured: Mutex<Option<Arc<RgbFrame>>>,
    preview: Mutex<Option<(u64, Arc<Vec<u8>>)>>,
    frames: AtomicU64,
    checks: AtomicU64,
    previews: AtomicU64,
}

/// Counts since the capture started, for the preview rate and the check rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Type)]
pub struct LiveStats {
    pub seconds: f64,
    pub camera_fps: f64,
    pub checks_per_second: f64,
    pub previews_per_second: f64,
}

/// A camera running with checks. Dropping it stops the camera and the checker.
pub struct LiveCapture {
    inner: Arc<Inner>,
    stream: Option<Box<dyn CameraStream>>,
    checker: Option<std::thread::JoinHandle<()>>,
    started: Instant,
    kind: Kind,
}

impl LiveCapture {
    pub fn start(
        camera: &dyn Camera,
        device: &str,
        resolution: Resolution,
        config: LiveConfig,
        sink: LiveSink,
    ) -> Result<Self, CameraError> {
        let inner = Arc::new(Inner::default());
        let feed = inner.clone();
        let lost = sink.clone();
        let stream = camera.start(
            device,
            resolution,
            Box::new(move |event| match event {
                CameraEvent::Frame(frame) => {
                    let mut latest = feed.latest.lock().expect("latest frame");
                    latest.seq += 1;
                    latest.frame = Some(Arc::new(frame));
                    feed.frames.fetch_add(1, Ordering::Relaxed);
                    feed.arrived.notify_all();
                }
                CameraEvent::Lost(reason) => {
                    feed.stop.store(true, Ordering::Relaxed);
                    feed.arrived.notify_all();
                    lost(LiveEvent::Lost(reason));
                }
            }),
        )?;
        let kind = config.kind;
        let checking = inner.clone();
        let checker = std::thread::Builder::new()
            .name("quality-checks".into())
            .spawn(move || check_loop(&checking, config, sink))
            .map_err(|e| CameraError::Failed(e.to_string()))?;
        Ok(Self {
            inner,
            stream: Some(stream),
            checker: Some(checker),
            started: Instant::now(),
            kind,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn resolution(&self) -> Option<Resolution> {
        self.stream.as_ref().map(|s| s.resolution())
    }

    /// The newest frame (the manual shutter).
    pub fn latest(&self) -> Option<Arc<RgbFrame>> {
        self.inner
            .latest
            .lock()
            .expect("latest frame")
            .frame
            .clone()
    }

    /// The frame auto-capture took, once.
    pub fn take_auto_capture(&self) -> Option<Arc<RgbFrame>> {
        self.inner
            .auto_captured
            .lock()
            .expect("auto capture")
            .take()
    }

    /// A JPEG of a frame newer than `after`, waiting up to `wait` for one, at
    /// most `max_width` wide (the screen shows no more than that; fewer pixels
    /// decode faster in the web view). Frames nobody asks for are never encoded.
    pub fn preview_after(
        &self,
        after: u64,
        wait: Duration,
        max_width: u32,
    ) -> Option<(u64, Arc<Vec<u8>>)> {
        let deadline = Instant::now() + wait;
        let (seq, frame) = {
            let mut latest = self.inner.latest.lock().expect("latest frame");
            while latest.seq <= after {
                if self.inner.stop.load(Ordering::Relaxed) {
                    return None;
                }
                let left = deadline.checked_duration_since(Instant::now())?;
                latest = self
                    .inner
                    .arrived
                    .wait_timeout(latest, left)
                    .expect("latest frame")
                    .0;
            }
            (latest.seq, latest.frame.clone()?)
        };
        let mut cache = self.inner.preview.lock().expect("preview cache");
        if let Some((s, jpeg)) = cache.as_ref().filter(|(s, _)| *s == seq) {
            return Some((*s, jpeg.clone()));
        }
        let jpeg = if max_width > 0 && frame.width > max_width {
            let (w, h, rgb) = shrink(&frame, max_width);
            encode_preview(crate::quality::Frame {
                width: w,
                height: h,
                rgb: &rgb,
            })
            .ok()?
        } else {
            encode_preview(frame.as_frame()).ok()?
        };
        let jpeg = Arc::new(jpeg);
        *cache = Some((seq, jpeg.clone()));
        self.inner.previews.fetch_add(1, Ordering::Relaxed);
        Some((seq, jpeg))
    }

    /// Stops delivering: waiting preview requests return at once. The camera
    /// itself stops when this is dropped.
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::Relaxed);
        self.inner.arrived.notify_all();
    }

    pub fn stats(&self) -> LiveStats {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / seconds;
        LiveStats {
            seconds,
            camera_fps: rate(&self.inner.frames),
            checks_per_second: rate(&self.inner.checks),
            previews_per_second: rate(&self.inner.previews),
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Relaxed);
        self.inner.arrived.notify_all();
        // Stop the camera first so no frame arrives after the checker ended.
        self.stream.take();
        if let Some(t) = self.checker.take() {
            let _ = t.join();
        }
        self.inner.latest.lock().expect("latest frame").frame = None;
        self.inner.preview.lock().expect("preview cache").take();
        self.inner
            .auto_captured
            .lock()
            .expect("auto capture")
            .take();
    }
}

/// Nearest-neighbour shrink to `width` (preview only: never stored or checked).
fn shrink(frame: &RgbFrame, width: u32) -> (u32, u32, Vec<u8>) {
    let (sw, sh) = (frame.width as usize, frame.height as usize);
    let w = width.max(1) as usize;
    let h = ((sh * w) / sw).max(1);
    let xs: Vec<usize> = (0..w).map(|x| (x * sw / w) * 3).collect();
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let row = &frame.rgb[(y * sh / h) * sw * 3..][..sw * 3];
        for &x in &xs {
            out.extend_from_slice(&row[x..x + 3]);
        }
    }
    (w as u32, h as u32, out)
}

fn check_loop(inner: &Inner, config: LiveConfig, sink: LiveSink) {
    let mut assessor = Assessor::new(config.thresholds.clone())
        .comparing_with(config.other_side.clone())
        .expecting_portrait(config.portrait)
        .judging_mrz(config.mrz)
        .faces_every(config.faces_every);
    let mut auto = AutoCapture::new(config.auto_capture_after, config.thresholds.max_motion);
    let mut checked = 0u64;
    let mut last_check = Instant::now() - config.check_interval;
    loop {
        let since = last_check.elapsed();
        if since < config.check_interval {
            std::thread::sleep(config.check_interval - since);
        }
        let frame = {
            let mut latest = inner.latest.lock().expect("latest frame");
            while latest.seq == checked && !inner.stop.load(Ordering::Relaxed) {
                latest = inner
                    .arrived
                    .wait_timeout(latest, Duration::from_millis(200))
                    .expect("latest frame")
                    .0;
            }
            if inner.stop.load(Ordering::Relaxed) {
                return;
            }
            checked = latest.seq;
            latest.frame.clone()
        };
        let Some(frame) = frame else { continue };
        last_check = Instant::now();
        let report = assessor.assess(frame.as_frame(), config.kind);
        inner.checks.fetch_add(1, Ordering::Relaxed);
        let steady = report
            .motion
            .is_some_and(|m| m <= config.thresholds.max_motion);
        let take = auto.observe(&report);
        let streak = if take { auto.needed } else { auto.streak() };
        sink(LiveEvent::Feedback(LiveFeedback::from_report(
            &report,
            streak,
            auto.needed,
            steady,
        )));
        if take {
            *inner.auto_captured.lock().expect("auto capture") = Some(frame);
            sink(LiveEvent::AutoCaptured);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Impairment, SampleCamera, Subject};
    use std::sync::mpsc;

    fn run(
        impairment: Impairment,
        subject: Subject,
        kind: Kind,
    ) -> (Vec<LiveFeedback>, bool, LiveStats) {
        run_against(impairment, subject, kind, None)
    }

    fn run_against(
        impairment: Impairment,
        subject: Subject,
        kind: Kind,
        other_side: Option<Side>,
    ) -> (Vec<LiveFeedback>, bool, LiveStats) {
        let camera = SampleCamera::new(30);
        camera.point_at(subject);
        camera.impair(impairment);
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let sink: LiveSink = Arc::new(move |e| {
            let _ = tx.lock().unwrap().send(e);
        });
        let live = LiveCapture::start(
            &camera,
            SampleCamera::DEVICE_ID,
            Resolution::HD,
            LiveConfig {
                other_side,
                ..LiveConfig::new(kind, Thresholds::default())
            },
            sink,
        )
        .unwrap();
        let mut feedback = Vec::new();
        let mut captured = false;
        // Generous: on a busy machine the first checks can take seconds to come.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && feedback.len() < 20 && !captured {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(LiveEvent::Feedback(f)) => feedback.push(f),
                Ok(LiveEvent::AutoCaptured) => captured = live.take_auto_capture().is_some(),
                Ok(LiveEvent::Lost(r)) => panic!("sample camera lost: {r}"),
                Err(_) => break,
            }
        }
        let (seq, jpeg) = live
            .preview_after(0, Duration::from_secs(2), 0)
            .expect("a preview frame");
        assert!(
            seq > 0 && jpeg.starts_with(&[0xFF, 0xD8]),
            "preview is a JPEG"
        );
        (feedback, captured, live.stats())
    }

    #[test]
    fn a_good_steady_card_is_auto_captured() {
        let (feedback, captured, stats) =
            run(Impairment::None, Subject::DocumentFront, Kind::Document);
        assert!(captured, "auto-captured: {feedback:?}");
        let last = feedback.last().unwrap();
        assert!(last.problems.is_empty());
        // The card, two thirds of the frame's width, is outlined for the preview.
        let corners = last.document.expect("the card's outline");
        let width = (corners[1][0] - corners[0][0]) as f32;
        assert!(
            (width / last.frame_width as f32 - 0.66).abs() < 0.03,
            "{corners:?}"
        );
        assert!(stats.checks_per_second > 0.0 && stats.camera_fps > 0.0);
    }

    #[test]
    fn problems_are_reported_and_block_auto_capture() {
        for (impairment, code) in [
            (Impairment::Blurry, ProblemCode::TooBlurry),
            (Impairment::Dark, ProblemCode::TooDark),
            (Impairment::Glare, ProblemCode::Glare),
            (Impairment::Shaky, ProblemCode::Unsteady),
            (Impairment::NoCard, ProblemCode::NoDocument),
            (Impairment::Far, ProblemCode::DocumentTooFar),
            (Impairment::CutOff, ProblemCode::DocumentCutOff),
            (Impairment::Tilted, ProblemCode::DocumentTilted),
        ] {
            let (feedback, captured, _) = run(impairment, Subject::DocumentBack, Kind::Document);
            assert!(!captured, "{impairment:?} must not be auto-captured");
            let last = feedback.last().expect("feedback");
            assert!(
                last.problems.contains(&code),
                "{impairment:?}: {:?}",
                last.problems
            );
        }
    }

    #[test]
    fn a_person_standing_back_is_asked_to_come_closer_and_not_taken() {
        let (feedback, captured, _) = run(Impairment::StandingBack, Subject::Selfie, Kind::Selfie);
        assert!(!captured, "a face too small to compare was taken");
        // The closer look takes its turn after the first look found nobody.
        let last = feedback.last().expect("feedback");
        assert_eq!(
            last.problems,
            vec![ProblemCode::FaceTooSmall],
            "{feedback:?}"
        );
    }

    #[test]
    fn the_front_shown_again_at_the_back_is_caught() {
        // The front as it was taken, held a little elsewhere.
        let mut scene = crate::capture::Scene::new(Subject::DocumentFront, 1280, 720);
        scene.offset = (60.0, -30.0);
        let rgb = scene.render(0);
        let frame = crate::quality::Frame {
            width: 1280,
            height: 720,
            rgb: &rgb,
        };
        let front = crate::quality::assess(frame, Kind::Document, &Thresholds::default())
            .side
            .expect("the front's side");
        let (feedback, captured, _) = run_against(
            Impairment::FrontTwice,
            Subject::DocumentBack,
            Kind::Document,
            Some(front.clone()),
        );
        assert!(!captured, "the front again must not be taken as the back");
        let last = feedback.last().expect("feedback");
        assert_eq!(last.problems, vec![ProblemCode::SameSideAgain]);
        // The back itself is taken.
        let (feedback, captured, _) = run_against(
            Impairment::None,
            Subject::DocumentBack,
            Kind::Document,
            Some(front),
        );
        assert!(captured, "the back is taken: {feedback:?}");
    }

    #[test]
    fn a_selfie_without_a_face_is_not_taken() {
        let (feedback, captured, _) = run(Impairment::NoFace, Subject::Selfie, Kind::Selfie);
        assert!(!captured, "a selfie without a face was taken");
        let last = feedback.last().expect("feedback");
        assert_eq!(last.problems, vec![ProblemCode::NoFace]);
    }

    #[test]
    fn a_selfie_scene_is_auto_captured_as_a_selfie() {
        let (_, captured, _) = run(Impairment::None, Subject::Selfie, Kind::Selfie);
        assert!(captured);
    }

    #[test]
    fn previews_shrink_to_the_width_asked_for() {
        let frame = RgbFrame::new(4, 2, (0..24).collect());
        let (w, h, rgb) = shrink(&frame, 2);
        assert_eq!((w, h), (2, 1));
        assert_eq!(rgb, vec![0, 1, 2, 6, 7, 8]);
    }

    #[test]
    fn dropping_stops_the_camera_and_wipes_frames() {
        let camera = SampleCamera::new(60);
        let live = LiveCapture::start(
            &camera,
            SampleCamera::DEVICE_ID,
            Resolution::HD,
            LiveConfig::new(Kind::Document, Thresholds::default()),
            Arc::new(|_| {}),
        )
        .unwrap();
        let frame = live.preview_after(0, Duration::from_secs(2), 640);
        assert!(frame.is_some());
        let inner = live.inner.clone();
        drop(live);
        assert!(inner.latest.lock().unwrap().frame.is_none());
        let frames = inner.frames.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(
            inner.frames.load(Ordering::Relaxed),
            frames,
            "no frames after stop"
        );
    }
}
