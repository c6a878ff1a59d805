//! One person at the kiosk: their details, the document they chose, the
//! pictures taken, the submission and the review, until the session is wiped.
//!
//! [`Kiosk`] is what the window drives. It owns the camera while a capture
//! screen is open, keeps the accepted pictures in memory only, and reports
//! live feedback, upload progress and review changes through one event sink.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zeroize::{Zeroize, Zeroizing};

use crate::capture::live::{LiveCapture, LiveConfig, LiveEvent, LiveStats};
use crate::capture::{
    choose_resolution, Camera, CameraError, DeviceInfo, Impairment, Resolution, RgbFrame,
    SampleCamera,
};
use crate::config::Profile;
use crate::outbox::Outbox;
use crate::quality::{assess, encode_for_upload, DecodeLimits, ProblemCode, Thresholds};
use tokio::sync::{broadcast, mpsc};

use crate::review::recent::{RecentApplicant, RecentStore};
use crate::review::webhook::WebhookEvent;
use crate::review::{
    interpret, verified_data, wait_for_decision, ImageRef, Outcome, PollPolicy, Waited,
};
use crate::training::{Scenario, TrainingService};
use crate::verification::models::{DocSetType, IdDocType, NewApplicant, ReviewState, ReviewStatus};
use crate::verification::Client;

use super::applicant::clean;
pub use super::applicant::ApplicantDetails;
pub use super::error::KioskError;
use super::field::Field;
pub use super::field::OutboxView;
use super::outcome_view::{for_customer, outcome_name, view_outcome};
pub use super::views::*;
use crate::submission::{
    request_check, submit, upload, DocumentImage, Receipt, Submission, SubmitProgress,
};

/// A picture the person took, kept until the session ends.
struct Capture {
    jpeg: Zeroizing<Vec<u8>>,
    width: u32,
    height: u32,
    problems: Vec<ProblemCode>,
    accepted: bool,
    overridden: bool,
    /// The service's id once uploaded; a retaken picture has none yet.
    image_id: Option<String>,
}

/// A first submission that did not reach the service.
enum Kept {
    /// In the outbox, with this many waiting.
    Queued(u32),
    Failed(KioskError),
}

/// How the kiosk behaves; defaults suit a counter.
#[derive(Debug, Clone)]
pub struct KioskOptions {
    pub profile: Profile,
    pub level_name: String,
    pub thresholds: Thresholds,
    pub max_attempts: u32,
    pub poll: PollPolicy,
    /// Camera resolution to ask for; `None` picks 1920×1080, then 1280×720.
    pub resolution: Option<Resolution>,
    /// Put finished sessions in the outbox instead of sending them at once.
    pub queue_first: bool,
}

impl Default for KioskOptions {
    fn default() -> Self {
        Self {
            profile: Profile::Attendant,
            level_name: "id-and-liveness".into(),
            thresholds: Thresholds::default(),
            max_attempts: 3,
            poll: PollPolicy {
                give_up_after: Some(Duration::from_secs(180)),
                ..PollPolicy::default()
            },
            resolution: None,
            queue_first: false,
        }
    }
}

struct Session {
    external_user_id: String,
    details: ApplicantDetails,
    document: Option<DocumentChoice>,
    level_steps: Vec<DocSetType>,
    applicant_id: Option<String>,
    steps: Vec<Slot>,
    to_capture: Vec<Slot>,
    captures: BTreeMap<Slot, Capture>,
    attempt: u32,
    phase: Phase,
    outcome: Option<OutcomeView>,
    /// Images the service rejected, set aside when their retakes are sent.
    rejected_image_ids: Vec<String>,
    /// Bumped on every wipe, so a review watcher of an old session stays silent.
    generation: u64,
}

impl Session {
    fn view(&self, max_attempts: u32) -> SessionView {
        SessionView {
            external_user_id: self.external_user_id.clone(),
            applicant_id: self.applicant_id.clone(),
            document: self.document.as_ref().map(|d| d.document_type),
            steps: self.steps.clone(),
            to_capture: self.to_capture.clone(),
            captures: self
                .captures
                .iter()
                .map(|(slot, c)| CaptureView {
                    slot: *slot,
                    width: c.width,
                    height: c.height,
                    problems: c.problems.clone(),
                    accepted: c.accepted,
                    overridden: c.overridden,
                    uploaded: c.image_id.is_some(),
                })
                .collect(),
            attempt: self.attempt,
            max_attempts,
            phase: self.phase,
            outcome: self.outcome.clone(),
        }
    }
}

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

/// The largest photo file staff may import (phone photos are 2–12 MB).
pub const MAX_IMPORT_BYTES: usize = 25 * 1024 * 1024;

pub struct Kiosk {
    client: Client,
    training: Option<TrainingService>,
    camera: CameraSource,
    options: KioskOptions,
    events: EventSink,
    session: Arc<Mutex<Option<Session>>>,
    live: Mutex<Option<(Slot, u32, Arc<LiveCapture>)>>,
    camera_runs: AtomicU32,
    /// The camera staff or the person picked; the first one otherwise.
    chosen_camera: Mutex<Option<String>>,
    scenario: Mutex<Scenario>,
    /// Set while a session is being started: a second tap on Start creates no second applicant.
    starting: std::sync::atomic::AtomicBool,
    generation: std::sync::atomic::AtomicU64,
    webhook_updates: broadcast::Sender<WebhookEvent>,
    recent: Arc<RecentStore>,
    field: Field,
    /// The steps of the level, from the last applicant created online: what an
    /// offline session asks for.
    known_steps: Mutex<Option<Vec<DocSetType>>>,
    /// Background work (review polling, webhooks, the outbox sender): stopped
    /// when the kiosk is dropped (out of service, or the end).
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    /// The open session's review watch: stopped when the session is wiped
    /// (recent applicants follows the review from then on).
    watching: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Kiosk {
    pub fn new(
        client: Client,
        training: Option<TrainingService>,
        camera: CameraSource,
        options: KioskOptions,
        events: EventSink,
        recent: Arc<RecentStore>,
    ) -> Self {
        Self {
            client,
            training,
            camera,
            options,
            events,
            session: Arc::default(),
            live: Mutex::default(),
            camera_runs: AtomicU32::new(0),
            chosen_camera: Mutex::default(),
            scenario: Mutex::new(Scenario::Green),
            starting: Default::default(),
            generation: Default::default(),
            webhook_updates: broadcast::channel(256).0,
            recent,
            field: Field::default(),
            known_steps: Mutex::default(),
            tasks: Mutex::default(),
            watching: Mutex::default(),
        }
    }

    /// Keeps `task` running while this kiosk lives.
    pub(super) fn own(&self, task: tokio::task::JoinHandle<()>) {
        lock(&self.tasks).push(task.abort_handle());
    }

    /// Stops every background task of this kiosk (also done when it is dropped).
    pub fn shut_down(&self) {
        for task in lock(&self.tasks).iter() {
            task.abort();
        }
        if let Some(watch) = lock(&self.watching).as_ref() {
            watch.abort();
        }
    }

    /// Background tasks of this kiosk still running: the loops it was asked
    /// to keep and the open session's review watch.
    pub fn running_tasks(&self) -> usize {
        let loops = lock(&self.tasks)
            .iter()
            .filter(|t| !t.is_finished())
            .count();
        let watch = lock(&self.watching)
            .as_ref()
            .is_some_and(|t| !t.is_finished());
        loops + usize::from(watch)
    }

    pub fn profile(&self) -> Profile {
        self.options.profile
    }

    pub fn is_training(&self) -> bool {
        self.training.is_some()
    }

    /// Gives the kiosk an outbox for sessions that cannot be sent at once (or why it has none).
    pub fn with_outbox(mut self, outbox: Result<Outbox, String>) -> Self {
        self.field = Field::new(outbox);
        self
    }

    pub(super) fn field(&self) -> &Field {
        &self.field
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn recent_store(&self) -> Arc<RecentStore> {
        self.recent.clone()
    }

    pub(super) fn event_sink(&self) -> EventSink {
        self.events.clone()
    }

    /// The applicants this kiosk submitted, newest first.
    pub fn recent_applicants(&self) -> Vec<RecentApplicant> {
        self.recent.list()
    }

    fn apply_recent(
        recent: &RecentStore,
        events: &EventSink,
        applicant_id: &str,
        state: &ReviewState,
    ) {
        if let Some(applicant) = recent.update(applicant_id, state) {
            if applicant.turned_red {
                tracing::warn!(applicant = %applicant_id, "an approved applicant was rejected later");
            }
            events(KioskEvent::Recent { applicant });
        }
    }

    /// Re-reads the review of every applicant in the recent list whose outcome
    /// can still change, every `every`, so a later rejection shows up.
    pub fn keep_recent_current(&self, every: Duration) {
        let client = self.client.clone();
        let recent = self.recent.clone();
        let events = self.events.clone();
        self.own(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                for id in recent.still_open() {
                    if let Ok(state) = client.review_status(&id).await {
                        Self::apply_recent(&recent, &events, &id, &state);
                    }
                }
            }
        }));
    }

    /// Takes verified webhook deliveries (see [`crate::review::webhook`]) into the status stream.
    ///
    /// A delivery only says that something changed: the recent list takes the
    /// status from a signed read of the service, so a replayed or reordered
    /// delivery can never set an old status.
    pub fn feed_webhooks(&self, mut deliveries: mpsc::UnboundedReceiver<WebhookEvent>) {
        let updates = self.webhook_updates.clone();
        let recent = self.recent.clone();
        let events = self.events.clone();
        let client = self.client.clone();
        self.own(tokio::spawn(async move {
            while let Some(e) = deliveries.recv().await {
                if recent.contains(&e.applicant_id) {
                    match client.review_status(&e.applicant_id).await {
                        Ok(state) => Self::apply_recent(&recent, &events, &e.applicant_id, &state),
                        Err(err) => tracing::warn!(
                            "a webhook announced a change that could not be read: {err}"
                        ),
                    }
                }
                let _ = updates.send(e);
            }
        }));
    }

    /// The training service's credentials (tests and `kioskctl` use them to look inside).
    pub fn training_credentials(&self) -> Option<crate::credentials::ApiCredentials> {
        self.training.as_ref().map(|t| t.credentials())
    }

    pub fn has_sample_camera(&self) -> bool {
        matches!(self.camera, CameraSource::Sample(_))
    }

    /// Training mode: the outcome the next reviews will have.
    pub fn set_training_outcome(&self, scenario: Scenario) -> Result<(), KioskError> {
        let training = self
            .training
            .as_ref()
            .ok_or_else(|| KioskError::Invalid("only in training mode".into()))?;
        // A customer alone at the kiosk never chooses a review's outcome.
        if self.options.profile == Profile::SelfService {
            return Err(KioskError::Invalid(
                "the outcome is chosen by staff, not at a self-service kiosk".into(),
            ));
        }
        *lock(&self.scenario) = scenario;
        if let Some(s) = lock(&self.session).as_ref() {
            training.set_scenario(&s.external_user_id, scenario);
        }
        Ok(())
    }

    /// Training mode: what the sample camera does to its picture.
    pub fn set_sample_impairment(&self, impairment: Impairment) -> Result<(), KioskError> {
        match &self.camera {
            CameraSource::Sample(s) => {
                s.impair(impairment);
                Ok(())
            }
            CameraSource::Device(_) => {
                Err(KioskError::Invalid("only with the sample camera".into()))
            }
        }
    }

    fn view(&self) -> Result<SessionView, KioskError> {
        lock(&self.session)
            .as_ref()
            .map(|s| s.view(self.options.max_attempts))
            .ok_or(KioskError::NoSession)
    }

    pub fn session(&self) -> Option<SessionView> {
        self.view().ok()
    }

    /// Opens a session: creates the applicant (found again by its external id
    /// if it exists) and reads which steps its level requires.
    pub async fn start_session(
        &self,
        details: ApplicantDetails,
    ) -> Result<SessionView, KioskError> {
        if let Some(problem) = details.problem() {
            return Err(KioskError::Invalid(problem));
        }
        use std::sync::atomic::Ordering::SeqCst;
        if self.starting.swap(true, SeqCst) {
            return Err(KioskError::Invalid(
                "a session is already being started".into(),
            ));
        }
        struct Started<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Started<'_> {
            fn drop(&mut self) {
                self.0.store(false, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let _starting = Started(&self.starting);
        self.end_session();
        // A random id: unique per kiosk and session, no personal data.
        let external_user_id = format!("kiosk-{}", uuid::Uuid::new_v4());
        if let Some(t) = &self.training {
            t.set_scenario(&external_user_id, *lock(&self.scenario));
        }
        let applicant = NewApplicant {
            external_user_id: external_user_id.clone(),
            email: clean(&details.email),
            phone: clean(&details.phone),
            lang: None,
            fixed_info: details.fixed_info(),
        };
        // Offline (or queueing first), the session goes on without the service:
        // the applicant is created when the outbox sends it.
        let offline =
            self.field.has_outbox() && (self.options.queue_first || self.field.recently_offline());
        let created = if offline {
            None
        } else {
            match self
                .client
                .create_applicant(&self.options.level_name, &applicant)
                .await
            {
                Ok(created) => {
                    self.field.note_reachable();
                    Some(created)
                }
                Err(e) if e.is_transient() && self.field.has_outbox() => {
                    tracing::warn!(
                        "the service cannot be reached; this session will wait in the outbox: {e}"
                    );
                    self.field.note_unreachable();
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        let applicant_id = created.as_ref().map(|c| c.id.clone());
        let mut level_steps: Vec<DocSetType> = created
            .and_then(|c| c.required_id_docs)
            .map(|r| {
                r.doc_sets
                    .into_iter()
                    .filter_map(|d| d.id_doc_set_type)
                    .collect()
            })
            .unwrap_or_default();
        if applicant_id.is_some() && !level_steps.is_empty() {
            *lock(&self.known_steps) = Some(level_steps.clone());
        }
        if level_steps.is_empty() {
            level_steps = lock(&self.known_steps)
                .clone()
                .unwrap_or_else(|| vec![DocSetType::Identity, DocSetType::Selfie]);
        }
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        match &applicant_id {
            Some(id) => tracing::info!(applicant = %id, "session started"),
            None => tracing::info!("session started without the service"),
        }
        *lock(&self.session) = Some(Session {
            external_user_id,
            details,
            document: None,
            level_steps,
            applicant_id,
            steps: Vec::new(),
            to_capture: Vec::new(),
            captures: BTreeMap::new(),
            attempt: 1,
            phase: Phase::Capturing,
            outcome: None,
            rejected_image_ids: Vec::new(),
            generation,
        });
        self.view()
    }

    /// The document the person shows decides the sides to take.
    pub fn choose_document(&self, choice: DocumentChoice) -> Result<SessionView, KioskError> {
        let country = choice.country.trim().to_uppercase();
        if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(KioskError::Invalid(
                "choose the country that issued the document".into(),
            ));
        }
        {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            let mut steps = Vec::new();
            for set in &s.level_steps {
                match set {
                    DocSetType::Identity => {
                        if choice.document_type == DocumentType::Passport {
                            steps.push(Slot::Single);
                        } else {
                            steps.extend([Slot::Front, Slot::Back]);
                        }
                    }
                    DocSetType::Selfie => steps.push(Slot::Selfie),
                    DocSetType::ProofOfResidence => steps.push(Slot::Residence),
                    other => tracing::warn!(
                        "the level asks for a step the kiosk cannot capture: {other}"
                    ),
                }
            }
            s.captures.clear();
            s.to_capture = steps.clone();
            s.steps = steps;
            s.document = Some(DocumentChoice {
                document_type: choice.document_type,
                country,
            });
        }
        self.view()
    }

    /// Starts the camera for `slot`; live feedback and auto-capture follow as events.
    pub fn start_camera(&self, slot: Slot) -> Result<CameraStarted, KioskError> {
        self.stop_camera();
        lock(&self.session).as_ref().ok_or(KioskError::NoSession)?;
        let camera = self.camera.camera();
        let devices = camera.devices()?;
        let device = self.camera_to_use(&devices).ok_or(CameraError::NotFound)?;
        let (resolution, warning) = match self.options.resolution {
            Some(r) if device.resolutions.contains(&r) => (r, None),
            _ => choose_resolution(&device.resolutions).unwrap_or((Resolution::HD, None)),
        };
        if let CameraSource::Sample(s) = &self.camera {
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
            LiveConfig::new(slot.kind(), self.options.thresholds.clone()),
            sink,
        )?;
        let resolution = live.resolution().unwrap_or(resolution);
        let run = self.camera_runs.fetch_add(1, Ordering::Relaxed) + 1;
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
    pub fn cameras(&self) -> Result<Vec<CameraView>, KioskError> {
        let devices = self.camera.camera().devices()?;
        let in_use = self.camera_to_use(&devices).map(|d| d.id.clone());
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
    fn camera_to_use<'a>(&self, devices: &'a [DeviceInfo]) -> Option<&'a DeviceInfo> {
        let chosen = lock(&self.chosen_camera).clone();
        chosen
            .and_then(|id| devices.iter().find(|d| d.id == id))
            .or(devices.first())
    }

    /// Uses camera `id` from now on (for example when the first one is busy).
    pub fn choose_camera(&self, id: &str) -> Result<(), KioskError> {
        if !self.camera.camera().devices()?.iter().any(|d| d.id == id) {
            return Err(CameraError::NotFound.into());
        }
        tracing::info!("another camera was chosen");
        *lock(&self.chosen_camera) = Some(id.to_owned());
        Ok(())
    }

    pub fn stop_camera(&self) {
        if let Some((_, _, live)) = lock(&self.live).take() {
            live.stop();
        }
    }

    /// Stops the camera only if it is still the run a screen started: a
    /// screen that closes must not stop the camera the next screen opened,
    /// whichever request arrives first.
    pub fn stop_camera_run(&self, run: u32) {
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

    pub fn camera_stats(&self) -> Option<LiveStats> {
        lock(&self.live).as_ref().map(|(_, _, l)| l.stats())
    }

    /// Takes the picture: the auto-captured frame if there is one, otherwise the newest.
    pub fn take_photo(&self, slot: Slot) -> Result<CaptureView, KioskError> {
        let frame = {
            let guard = lock(&self.live);
            let (live_slot, _, live) = guard
                .as_ref()
                .ok_or(KioskError::Invalid("the camera is not running".into()))?;
            if *live_slot != slot {
                return Err(KioskError::Invalid(
                    "the camera is showing another step".into(),
                ));
            }
            live.take_auto_capture()
                .or_else(|| live.latest())
                .ok_or(KioskError::Invalid(
                    "the camera has not delivered a picture yet".into(),
                ))?
        };
        self.stop_camera();
        self.keep_picture(slot, frame)
    }

    /// Imports a photo from a file (a field agent's phone picture, or a kiosk
    /// without a working camera) for `slot`: staff profiles only, checked
    /// exactly like a camera picture.
    pub fn import_photo(&self, slot: Slot, bytes: &[u8]) -> Result<CaptureView, KioskError> {
        if self.options.profile == Profile::SelfService {
            return Err(KioskError::Invalid(
                "importing photos from files is for staff profiles".into(),
            ));
        }
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(KioskError::Invalid(format!(
                "the file is larger than {} MB",
                MAX_IMPORT_BYTES / (1024 * 1024)
            )));
        }
        let frame = crate::capture::file::import_bytes(bytes, DecodeLimits::default())
            .map_err(|e| KioskError::Invalid(format!("this file cannot be used: {e}")))?;
        self.stop_camera();
        tracing::info!(slot = ?slot, width = frame.width, height = frame.height, "photo imported from a file");
        self.keep_picture(slot, Arc::new(frame))
    }

    /// Checks, encodes and keeps a picture for review.
    fn keep_picture(&self, slot: Slot, frame: Arc<RgbFrame>) -> Result<CaptureView, KioskError> {
        let report = assess(frame.as_frame(), slot.kind(), &self.options.thresholds);
        let jpeg = encode_for_upload(frame.as_frame(), crate::verification::api::MAX_IMAGE_BYTES)
            .map_err(|e| KioskError::Invalid(e.to_string()))?;
        let problems: Vec<ProblemCode> = report.problems.iter().map(|p| p.code).collect();
        let mut guard = lock(&self.session);
        let s = guard.as_mut().ok_or(KioskError::NoSession)?;
        if !s.steps.contains(&slot) {
            return Err(KioskError::Invalid(
                "this picture is not part of the session".into(),
            ));
        }
        s.captures.insert(
            slot,
            Capture {
                jpeg: Zeroizing::new(jpeg),
                width: frame.width,
                height: frame.height,
                problems,
                accepted: false,
                overridden: false,
                image_id: None,
            },
        );
        Ok(s.view(self.options.max_attempts)
            .captures
            .into_iter()
            .find(|c| c.slot == slot)
            .expect("just inserted"))
    }

    /// The still picture of `slot` for the review screen.
    pub fn still(&self, slot: Slot) -> Option<Zeroizing<Vec<u8>>> {
        lock(&self.session)
            .as_ref()?
            .captures
            .get(&slot)
            .map(|c| Zeroizing::new(c.jpeg.to_vec()))
    }

    /// Keeps the picture. One with problems is kept only when staff override
    /// it, in the attendant profile, and the override is logged.
    pub fn accept_photo(
        &self,
        slot: Slot,
        override_problems: bool,
    ) -> Result<SessionView, KioskError> {
        let staff_may_override = self.options.profile == Profile::Attendant;
        {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            let c = s
                .captures
                .get_mut(&slot)
                .ok_or(KioskError::Invalid("take the picture first".into()))?;
            if !c.problems.is_empty() {
                if !(override_problems && staff_may_override) {
                    return Err(KioskError::Rejected(staff_may_override));
                }
                c.overridden = true;
                let codes: Vec<&str> = c.problems.iter().map(|p| p.as_str()).collect();
                tracing::warn!(?slot, problems = ?codes, "staff accepted a picture with quality problems");
            }
            c.accepted = true;
            s.to_capture.retain(|x| *x != slot);
        }
        self.view()
    }

    /// Drops the picture of `slot` so it can be taken again.
    pub fn retake(&self, slot: Slot) -> Result<SessionView, KioskError> {
        {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            if s.captures.get(&slot).is_some_and(|c| c.image_id.is_some()) {
                return Err(KioskError::Invalid(
                    "this picture was already accepted by the service".into(),
                ));
            }
            s.captures.remove(&slot);
            if !s.to_capture.contains(&slot) {
                s.to_capture.push(slot);
                let order = s.steps.clone();
                s.to_capture
                    .sort_by_key(|x| order.iter().position(|o| o == x));
            }
        }
        self.view()
    }

    /// Sends what is not sent yet and asks for the review, then follows the
    /// review in the background. On a retry only the retaken pictures go out.
    /// A first submission that cannot reach the service (or a field kiosk's,
    /// queueing first) goes to the outbox instead: phase `Queued`.
    pub async fn submit(&self) -> Result<SessionView, KioskError> {
        let (submission, slots, generation, retry, known_applicant) = {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            if !s.to_capture.is_empty() || s.steps.is_empty() {
                return Err(KioskError::Invalid(
                    "some pictures are still missing".into(),
                ));
            }
            if matches!(s.outcome, Some(OutcomeView::Final { .. })) {
                return Err(KioskError::Invalid(
                    "this applicant cannot continue: please contact support".into(),
                ));
            }
            let doc = s
                .document
                .clone()
                .ok_or(KioskError::Invalid("choose the document first".into()))?;
            let mut images = Vec::new();
            let mut slots = Vec::new();
            for (slot, c) in s.captures.iter().filter(|(_, c)| c.image_id.is_none()) {
                images.push(DocumentImage {
                    doc_type: match slot {
                        Slot::Selfie => IdDocType::Selfie,
                        Slot::Residence => IdDocType::UtilityBill,
                        _ => doc.document_type.id_doc_type(),
                    },
                    side: slot.side(),
                    country: doc.country.clone(),
                    filename: format!("{slot:?}.jpg").to_lowercase(),
                    content_type: "image/jpeg".into(),
                    bytes: c.jpeg.to_vec(),
                });
                slots.push(*slot);
            }
            s.phase = Phase::Submitting;
            s.outcome = None;
            let applicant = NewApplicant {
                external_user_id: s.external_user_id.clone(),
                email: clean(&s.details.email),
                phone: clean(&s.details.phone),
                lang: None,
                fixed_info: s.details.fixed_info(),
            };
            let retry = s.captures.values().any(|c| c.image_id.is_some());
            (
                Submission {
                    level_name: self.options.level_name.clone(),
                    applicant,
                    images,
                },
                slots,
                s.generation,
                retry.then(|| {
                    (
                        s.applicant_id.clone(),
                        std::mem::take(&mut s.rejected_image_ids),
                    )
                }),
                s.applicant_id.clone(),
            )
        };
        let total = submission.images.len() as u32;
        let events = self.events.clone();
        let session = self.session.clone();
        let progress = move |p: SubmitProgress| {
            if !is_current(&session, generation) {
                return;
            }
            if let SubmitProgress::Uploading {
                index,
                sent,
                total: bytes,
            } = p
            {
                events(KioskEvent::Upload {
                    image: index as u32,
                    images: total,
                    sent: sent as f64,
                    total: bytes as f64,
                });
            }
        };
        let queue_now = retry.is_none()
            && self.field.has_outbox()
            && (self.options.queue_first || self.field.recently_offline());
        let keep = |submission: &Submission, applicant: Option<String>| match self.field.keep(
            submission,
            applicant,
            &self.client,
        ) {
            Ok(waiting) => Kept::Queued(waiting),
            Err(e) => Kept::Failed(e),
        };
        let result = match retry {
            None if queue_now => Err(keep(&submission, known_applicant)),
            None => {
                let sent = match &known_applicant {
                    // Created when the session started: only the pictures and the check are left.
                    Some(id) => self.resubmit(id, &[], &submission, progress).await,
                    None => submit(&self.client, &submission, progress)
                        .await
                        .map_err(KioskError::from),
                };
                match sent {
                    // A first submission that cannot reach the service waits in the outbox.
                    Err(KioskError::Unreachable(reason)) if self.field.has_outbox() => {
                        tracing::warn!(
                            "the service cannot be reached; the session goes to the outbox: {reason}"
                        );
                        self.field.note_unreachable();
                        Err(keep(&submission, known_applicant))
                    }
                    other => other.map_err(Kept::Failed),
                }
            }
            Some((applicant_id, rejected)) => {
                let applicant_id = applicant_id.ok_or(KioskError::NoSession)?;
                self.resubmit(&applicant_id, &rejected, &submission, progress)
                    .await
                    .map_err(Kept::Failed)
            }
        };
        if result.is_ok() {
            self.field.note_reachable();
        }
        let mut submission = submission;
        for img in &mut submission.images {
            img.bytes.zeroize();
        }
        let receipt = match result {
            Ok(r) => r,
            Err(Kept::Queued(waiting)) => {
                if let Some(s) = lock(&self.session)
                    .as_mut()
                    .filter(|s| s.generation == generation)
                {
                    s.phase = Phase::Queued;
                    s.outcome = Some(OutcomeView::Queued { waiting });
                }
                tracing::info!(waiting, "session kept in the outbox");
                (self.events)(KioskEvent::Outbox {
                    outbox: self.outbox(),
                });
                return self.view();
            }
            Err(Kept::Failed(e)) => {
                if let Some(s) = lock(&self.session)
                    .as_mut()
                    .filter(|s| s.generation == generation)
                {
                    s.phase = Phase::Capturing;
                }
                return Err(e);
            }
        };
        // The service holds this applicant now: staff must find it in recent
        // applicants even if the session was wiped while it was being sent.
        self.recent
            .record(&receipt.applicant_id, &receipt.external_user_id);
        let refs = {
            let mut guard = lock(&self.session);
            let Some(s) = guard.as_mut().filter(|s| s.generation == generation) else {
                tracing::info!(applicant = %receipt.applicant_id, "sent after the session was wiped; it is followed in recent applicants");
                return Err(KioskError::NoSession);
            };
            for (slot, img) in slots.iter().zip(&receipt.images) {
                if let Some(c) = s.captures.get_mut(slot) {
                    c.image_id = Some(img.image_id.clone());
                }
            }
            s.applicant_id = Some(receipt.applicant_id.clone());
            s.phase = Phase::Waiting;
            image_refs(s)
        };
        self.watch(receipt.applicant_id, refs, generation);
        self.view()
    }

    /// A retry: the rejected pictures are set aside, the retaken ones
    /// uploaded, and the check requested again.
    async fn resubmit(
        &self,
        applicant_id: &str,
        rejected: &[String],
        submission: &Submission,
        progress: impl Fn(SubmitProgress) + Send + Sync + 'static,
    ) -> Result<Receipt, KioskError> {
        for image_id in rejected {
            if let Err(e) = self.client.deactivate_image(applicant_id, image_id).await {
                // The review only looks at the newest image of a side: going on is safe.
                tracing::warn!("a rejected image could not be set aside: {e}");
            }
        }
        let images = upload(&self.client, applicant_id, &submission.images, progress).await?;
        request_check(&self.client, applicant_id).await?;
        Ok(Receipt {
            applicant_id: applicant_id.to_owned(),
            inspection_id: None,
            external_user_id: submission.applicant.external_user_id.clone(),
            images,
        })
    }

    fn watch(&self, applicant_id: String, refs: Vec<(Slot, ImageRef)>, generation: u64) {
        let client = self.client.clone();
        let session = self.session.clone();
        let events = self.events.clone();
        let policy = self.options.poll;
        let max_attempts = self.options.max_attempts;
        let profile = self.options.profile;
        let updates = self.webhook_updates.subscribe();
        let recent = self.recent.clone();
        let task = tokio::spawn(async move {
            let status_events = events.clone();
            let waiting = session.clone();
            let waited = wait_for_decision(&client, &applicant_id, policy, updates, |s| {
                // A wiped session's review goes on in recent applicants, never on the next customer's screen.
                if is_current(&waiting, generation) {
                    status_events(KioskEvent::Review {
                        status: s.to_string(),
                    })
                }
            })
            .await
            .map(|(waited, _)| waited);
            if let Ok(Waited::Completed(state) | Waited::StillWaiting(state)) = &waited {
                Self::apply_recent(&recent, &events, &applicant_id, state);
            }
            let outcome = match waited {
                Ok(Waited::Completed(state)) => {
                    let steps = client
                        .required_docs_status(&applicant_id)
                        .await
                        .unwrap_or_default();
                    let images: Vec<ImageRef> = refs.iter().map(|(_, r)| r.clone()).collect();
                    let outcome = interpret(&state, &steps, &images);
                    let attempt = lock(&session).as_ref().map(|s| s.attempt).unwrap_or(1);
                    let verified = if matches!(outcome, Outcome::Approved)
                        && profile != Profile::SelfService
                    {
                        client
                            .applicant(&applicant_id)
                            .await
                            .ok()
                            .as_ref()
                            .and_then(verified_data)
                    } else {
                        None
                    };
                    let view = view_outcome(outcome, &refs, attempt, max_attempts, verified);
                    if profile == Profile::SelfService {
                        for_customer(view)
                    } else {
                        view
                    }
                }
                Ok(Waited::StillWaiting(state))
                    if state.review_status == Some(ReviewStatus::OnHold) =>
                {
                    OutcomeView::OnHold
                }
                Ok(Waited::StillWaiting(_)) => OutcomeView::StillWaiting,
                Err(e) => {
                    if is_current(&session, generation) {
                        events(KioskEvent::Failed {
                            message: format!("following the review failed: {e}"),
                        });
                    }
                    return;
                }
            };
            {
                let mut guard = lock(&session);
                let Some(s) = guard.as_mut().filter(|s| s.generation == generation) else {
                    return;
                };
                s.phase = Phase::Decided;
                if let OutcomeView::Retry { items, .. } = &outcome {
                    for item in items {
                        if let Some(mut c) = s.captures.remove(&item.slot) {
                            s.rejected_image_ids.extend(c.image_id.take());
                            c.jpeg.zeroize();
                        }
                    }
                    s.to_capture = s
                        .steps
                        .iter()
                        .copied()
                        .filter(|x| !s.captures.contains_key(x))
                        .collect();
                    s.attempt += 1;
                }
                s.outcome = Some(outcome.clone());
            }
            tracing::info!(applicant = %applicant_id, outcome = outcome_name(&outcome), "review decided");
            events(KioskEvent::Outcome { outcome });
        });
        if let Some(earlier) = lock(&self.watching).replace(task.abort_handle()) {
            earlier.abort();
        }
    }

    /// Corrects the entered data after a data mismatch and asks for the review again.
    pub async fn correct_details(
        &self,
        details: ApplicantDetails,
    ) -> Result<SessionView, KioskError> {
        if let Some(problem) = details.problem() {
            return Err(KioskError::Invalid(problem));
        }
        let (applicant_id, generation, refs) = {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            if !matches!(s.outcome, Some(OutcomeView::DataMismatch { .. })) {
                return Err(KioskError::Invalid(
                    "this session has no details to correct".into(),
                ));
            }
            let id = s.applicant_id.clone().ok_or(KioskError::NoSession)?;
            let refs = image_refs(s);
            s.details.wipe();
            s.details = details.clone();
            (id, s.generation, refs)
        };
        let info = details.fixed_info().unwrap_or_default();
        self.client.patch_fixed_info(&applicant_id, &info).await?;
        self.client.request_check(&applicant_id).await?;
        {
            let mut guard = lock(&self.session);
            let Some(s) = guard.as_mut().filter(|s| s.generation == generation) else {
                // Wiped meanwhile: the check goes on in recent applicants.
                return Err(KioskError::NoSession);
            };
            s.phase = Phase::Waiting;
            s.outcome = None;
            s.attempt += 1;
        }
        self.watch(applicant_id, refs, generation);
        self.view()
    }

    /// Wipes the session: camera stopped, pictures and entered data dropped.
    pub fn end_session(&self) {
        self.stop_camera();
        if let Some(watch) = lock(&self.watching).take() {
            watch.abort();
        }
        if let Some(mut s) = lock(&self.session).take() {
            for c in s.captures.values_mut() {
                c.jpeg.zeroize();
            }
            s.details.wipe();
            // The training stand-in keeps the ids and the review, nothing of the person.
            if let Some(t) = &self.training {
                t.forget_personal_data(&s.external_user_id);
            }
            tracing::info!("session wiped");
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether the session of `generation` is still the open one.
fn is_current(session: &Mutex<Option<Session>>, generation: u64) -> bool {
    lock(session)
        .as_ref()
        .is_some_and(|s| s.generation == generation)
}

fn image_refs(s: &Session) -> Vec<(Slot, ImageRef)> {
    let doc = s.document.as_ref().map(|d| d.document_type.id_doc_type());
    s.captures
        .iter()
        .filter_map(|(slot, c)| {
            Some((
                *slot,
                ImageRef {
                    image_id: c.image_id.clone()?,
                    doc_type: match slot {
                        Slot::Selfie => IdDocType::Selfie,
                        Slot::Residence => IdDocType::UtilityBill,
                        _ => doc.clone()?,
                    },
                    side: slot.side(),
                },
            ))
        })
        .collect()
}
