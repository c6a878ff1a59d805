//! One person at the kiosk: their details, the document they chose, the
//! pictures taken, the submission and the review, until the session is wiped.
//!
//! [`Kiosk`] is what the window drives. It owns the camera while a capture
//! screen is open, keeps the accepted pictures in memory only, and reports
//! live feedback, upload progress and review changes through one event sink.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use zeroize::Zeroize;

use crate::capture::Impairment;
use crate::config::Profile;
use crate::outbox::{Drained, Outbox};
use crate::review::recent::{RecentApplicant, RecentStore};
use crate::review::webhook::WebhookEvent;
use crate::review::ImageRef;
use crate::submission::SubmitProgress;
use crate::training::{Scenario, TrainingService};
use crate::verification::models::DocSetType;
use crate::verification::Client;

pub use super::applicant::ApplicantDetails;
pub use super::camera::CameraSource;
use super::camera::Cameras;
pub use super::error::{DetailsProblem, ImportProblem, Invalid, KioskError, ServiceFailure};
use super::field::Field;
pub use super::field::{NoOutbox, OutboxView, Waiting};
use super::lock;
pub use super::options::{KioskOptions, MAX_IMPORT_BYTES};
use super::recent_feed;
use super::sending::{self, Sending, Sent};
use super::state::{if_current, is_current, Outgoing, Session};
use super::steps::{level_steps, new_applicant, DEFAULT_LEVEL_STEPS};
use super::tasks::{Task, Tasks};
pub use super::views::*;
use super::watch::Watch;

mod camera;

pub struct Kiosk {
    client: Client,
    training: Option<TrainingService>,
    cameras: Cameras,
    options: KioskOptions,
    events: EventSink,
    session: Arc<Mutex<Option<Session>>>,
    scenario: Mutex<Scenario>,
    /// Set while a session is being started: a second tap on Start creates no second applicant.
    starting: AtomicBool,
    generation: AtomicU64,
    webhook_updates: broadcast::Sender<WebhookEvent>,
    recent: Arc<RecentStore>,
    field: Field,
    /// The steps of the level, from the last applicant created online: what an
    /// offline session asks for.
    known_steps: Mutex<Option<Vec<DocSetType>>>,
    /// Background work (recent applicants, webhooks, the outbox sender):
    /// stopped when the kiosk is dropped (out of service, or the end).
    tasks: Tasks,
    /// The open session's review watch: stopped when the session is wiped
    /// (recent applicants follows the review from then on).
    watching: Mutex<Option<Task>>,
    /// The language the window shows: new applicants are created in it.
    language: Mutex<Language>,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.shut_down();
    }
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
            cameras: Cameras::new(
                camera,
                options.resolution,
                options.thresholds.clone(),
                events.clone(),
            ),
            client,
            training,
            options,
            events,
            session: Arc::default(),
            scenario: Mutex::new(Scenario::Green),
            starting: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            webhook_updates: broadcast::channel(256).0,
            recent,
            field: Field::default(),
            known_steps: Mutex::default(),
            tasks: Tasks::default(),
            watching: Mutex::default(),
            language: Mutex::default(),
        }
    }

    /// Stops every background task of this kiosk (also done when it is dropped).
    pub fn shut_down(&self) {
        self.tasks.stop_all();
        if let Some(watch) = lock(&self.watching).take() {
            watch.stop();
        }
    }

    /// The background tasks of this kiosk still running, by name: the loops
    /// it was asked to keep and the open session's review watch.
    pub fn running_tasks(&self) -> Vec<&'static str> {
        let mut running = self.tasks.running();
        if let Some(watch) = lock(&self.watching).as_ref().filter(|t| t.is_running()) {
            running.push(watch.name());
        }
        running
    }

    pub fn profile(&self) -> Profile {
        self.options.profile
    }

    pub fn is_training(&self) -> bool {
        self.training.is_some()
    }

    /// Gives the kiosk an outbox for sessions that cannot be sent at once (or why it has none).
    pub fn with_outbox(mut self, outbox: Result<Outbox, NoOutbox>) -> Self {
        self.field = Field::new(
            outbox,
            self.client.clone(),
            self.recent.clone(),
            self.events.clone(),
        );
        self
    }

    pub fn outbox(&self) -> OutboxView {
        self.field.view()
    }

    /// Sends what waits now (staff pressed "Send now").
    pub async fn send_outbox(&self) -> Result<Drained, KioskError> {
        self.field.send().await
    }

    /// Tries to send what waits every `every`, while anything waits.
    pub fn keep_outbox_sending(&self, every: Duration) {
        if let Some(task) = self.field.keep_sending(every) {
            self.tasks.keep(task);
        }
    }

    /// The applicants this kiosk submitted, newest first.
    pub fn recent_applicants(&self) -> Vec<RecentApplicant> {
        self.recent.list()
    }

    /// Reads the reviews of recent applicants again as `policy` schedules
    /// them, so a later rejection shows up.
    pub fn keep_recent_current(&self, policy: crate::review::recheck::RecheckPolicy) {
        self.tasks.keep(recent_feed::keep_current(
            self.client.clone(),
            self.recent.clone(),
            self.events.clone(),
            policy,
        ));
    }

    /// Takes verified webhook deliveries (see [`crate::review::webhook`]) into
    /// the recent list and the open session's review watch.
    pub fn feed_webhooks(&self, deliveries: mpsc::UnboundedReceiver<WebhookEvent>) {
        self.tasks.keep(recent_feed::feed(
            self.client.clone(),
            self.recent.clone(),
            self.events.clone(),
            deliveries,
            self.webhook_updates.clone(),
        ));
    }

    /// The training service's credentials (tests and `kioskctl` use them to look inside).
    pub fn training_credentials(&self) -> Option<crate::credentials::ApiCredentials> {
        self.training.as_ref().map(|t| t.credentials())
    }

    pub fn has_sample_camera(&self) -> bool {
        self.cameras.is_sample()
    }

    /// Training mode: the outcome the next reviews will have.
    pub fn set_training_outcome(&self, scenario: Scenario) -> Result<(), KioskError> {
        let training = self.training.as_ref().ok_or(Invalid::TrainingOnly)?;
        // A customer alone at the kiosk never chooses a review's outcome.
        if self.options.profile == Profile::SelfService {
            return Err(Invalid::OutcomeIsForStaff.into());
        }
        *lock(&self.scenario) = scenario;
        if let Some(s) = lock(&self.session).as_ref() {
            training.set_scenario(&s.external_user_id, scenario);
        }
        Ok(())
    }

    /// Training mode: what the sample camera does to its picture.
    pub fn set_sample_impairment(&self, impairment: Impairment) -> Result<(), KioskError> {
        self.cameras.impair(impairment)
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
            return Err(Invalid::Details(problem).into());
        }
        if self.starting.swap(true, Ordering::SeqCst) {
            return Err(Invalid::AlreadyStarting.into());
        }
        struct Started<'a>(&'a AtomicBool);
        impl Drop for Started<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::SeqCst);
            }
        }
        let _starting = Started(&self.starting);
        self.end_session();
        // A random id: unique per kiosk and session, no personal data.
        let external_user_id = format!("kiosk-{}", uuid::Uuid::new_v4());
        if let Some(t) = &self.training {
            // The outcome staff chose is this person's; the next one's is approved.
            let chosen = std::mem::take(&mut *lock(&self.scenario));
            t.set_scenario(&external_user_id, chosen);
        }
        let language = *lock(&self.language);
        let applicant = new_applicant(&external_user_id, &details, language);
        // Offline (or queueing first), the session goes on without the service:
        // the applicant is created when the outbox sends it.
        let created = if self.field.goes_offline(self.options.queue_first) {
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
        let mut level_steps = level_steps(created.as_ref());
        if applicant_id.is_some() && !level_steps.is_empty() {
            *lock(&self.known_steps) = Some(level_steps.clone());
        }
        if level_steps.is_empty() {
            level_steps = lock(&self.known_steps)
                .clone()
                .unwrap_or_else(|| DEFAULT_LEVEL_STEPS.to_vec());
        }
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        match &applicant_id {
            Some(id) => tracing::info!(applicant = %id, "session started"),
            None => tracing::info!("session started without the service"),
        }
        *lock(&self.session) = Some(Session::new(
            external_user_id,
            details,
            level_steps,
            applicant_id,
            generation,
            language,
        ));
        self.view()
    }

    /// The document the person shows decides the sides to take.
    pub fn choose_document(&self, choice: DocumentChoice) -> Result<SessionView, KioskError> {
        let country = choice.country.trim().to_uppercase();
        if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Invalid::CountryMissing.into());
        }
        self.in_session(|s| {
            s.choose_document(DocumentChoice {
                document_type: choice.document_type,
                country,
            });
            Ok(())
        })
    }

    /// The window shows `language` now: new applicants are created in it, and
    /// the open one follows while it may (so the service writes its comments in
    /// the language the person reads). A service that cannot be reached keeps
    /// the earlier one: logged, nothing else fails.
    pub async fn set_language(&self, language: Language) {
        *lock(&self.language) = language;
        let applicant = lock(&self.session)
            .as_mut()
            .and_then(|s| s.follow_language(language));
        if let Some(id) = applicant {
            if let Err(e) = self.client.set_language(&id, language.code()).await {
                tracing::warn!(applicant = %id, "the applicant's language could not be changed: {e}");
            }
        }
    }

    /// Changes the open session with `change`, then shows it.
    fn in_session(
        &self,
        change: impl FnOnce(&mut Session) -> Result<(), KioskError>,
    ) -> Result<SessionView, KioskError> {
        let mut guard = lock(&self.session);
        let s = guard.as_mut().ok_or(KioskError::NoSession)?;
        change(s)?;
        Ok(s.view(self.options.max_attempts))
    }

    /// Sends what is not sent yet and asks for the review, then follows the
    /// review in the background. On a retry only the retaken pictures go out.
    /// A first submission that cannot reach the service (or a field kiosk's,
    /// queueing first) goes to the outbox instead: phase `Queued`.
    pub async fn submit(&self) -> Result<SessionView, KioskError> {
        let Outgoing {
            submission,
            slots,
            generation,
            retry,
            known_applicant,
        } = lock(&self.session)
            .as_mut()
            .ok_or(KioskError::NoSession)?
            .outgoing(&self.options.level_name)?;
        let total = submission.images.len() as u32;
        let events = self.events.clone();
        let session = self.session.clone();
        // The applicant the service holds: created when the session started,
        // for an earlier submission, or by this one.
        let held = known_applicant
            .clone()
            .or_else(|| retry.as_ref().and_then(|(id, _)| id.clone()));
        let held = Arc::new(Mutex::new(held));
        let created = held.clone();
        let progress = move |p: SubmitProgress| {
            if let SubmitProgress::Applicant { applicant_id } = &p {
                *lock(&created) = Some(applicant_id.clone());
            }
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
        let sent = sending::send(
            &self.client,
            &self.field,
            self.options.queue_first,
            Sending {
                submission: &submission,
                retry,
                known_applicant,
            },
            progress,
        )
        .await;
        let mut submission = submission;
        for img in &mut submission.images {
            img.bytes.zeroize();
        }
        let receipt = match sent {
            Ok(Sent::Received(receipt)) => receipt,
            Ok(Sent::Queued(waiting)) => {
                if_current(&self.session, generation, |s| s.queued(waiting));
                tracing::info!(waiting, "session kept in the outbox");
                (self.events)(KioskEvent::Outbox {
                    outbox: self.outbox(),
                });
                return self.view();
            }
            Err(e) => {
                if if_current(&self.session, generation, |s| s.phase = Phase::Capturing).is_some() {
                    return Err(e);
                }
                // Wiped while it was being sent (the training stand-in then
                // forgets the pictures that had arrived, and the check finds
                // them missing): what failed is no one's to retry, but staff
                // must still find the applicant the service holds.
                if let Some(id) = lock(&held).take() {
                    self.recent
                        .record(&id, &submission.applicant.external_user_id);
                }
                tracing::info!("the session was wiped while it was being sent: {e}");
                return Err(KioskError::NoSession);
            }
        };
        // The service holds this applicant now: staff must find it in recent
        // applicants even if the session was wiped while it was being sent.
        self.recent
            .record(&receipt.applicant_id, &receipt.external_user_id);
        let Some(refs) = if_current(&self.session, generation, |s| s.sent(&slots, &receipt)) else {
            tracing::info!(applicant = %receipt.applicant_id, "sent after the session was wiped; it is followed in recent applicants");
            return Err(KioskError::NoSession);
        };
        self.watch(receipt.applicant_id, refs, generation);
        self.view()
    }

    /// Follows the review of the open session (replacing any earlier watch).
    fn watch(&self, applicant_id: String, refs: Vec<(Slot, ImageRef)>, generation: u64) {
        let watch = Watch {
            client: self.client.clone(),
            session: self.session.clone(),
            events: self.events.clone(),
            policy: self.options.poll,
            max_attempts: self.options.max_attempts,
            profile: self.options.profile,
            updates: self.webhook_updates.subscribe(),
            recent: self.recent.clone(),
        };
        let task = watch.start(applicant_id, refs, generation);
        if let Some(earlier) = lock(&self.watching).replace(task) {
            earlier.stop();
        }
    }

    /// Corrects the entered data after a data mismatch and asks for the review again.
    pub async fn correct_details(
        &self,
        details: ApplicantDetails,
    ) -> Result<SessionView, KioskError> {
        if let Some(problem) = details.problem() {
            return Err(Invalid::Details(problem).into());
        }
        let (applicant_id, generation, refs) = {
            let mut guard = lock(&self.session);
            let s = guard.as_mut().ok_or(KioskError::NoSession)?;
            if !matches!(s.outcome, Some(OutcomeView::DataMismatch { .. })) {
                return Err(Invalid::NothingToCorrect.into());
            }
            let id = s.applicant_id.clone().ok_or(KioskError::NoSession)?;
            let refs = s.image_refs();
            s.details.wipe();
            s.details = details.clone();
            (id, s.generation, refs)
        };
        let info = details.fixed_info().unwrap_or_default();
        self.client.patch_fixed_info(&applicant_id, &info).await?;
        self.client.request_check(&applicant_id).await?;
        let asked_again = if_current(&self.session, generation, |s| {
            s.phase = Phase::Waiting;
            s.outcome = None;
            s.attempt += 1;
        });
        if asked_again.is_none() {
            // Wiped meanwhile: the check goes on in recent applicants.
            return Err(KioskError::NoSession);
        }
        self.watch(applicant_id, refs, generation);
        self.view()
    }

    /// Wipes the session: camera stopped, pictures and entered data dropped.
    pub fn end_session(&self) {
        self.cameras.stop();
        if let Some(watch) = lock(&self.watching).take() {
            watch.stop();
        }
        if let Some(mut s) = lock(&self.session).take() {
            s.wipe();
            // The training stand-in keeps the ids and the review, nothing of the person.
            if let Some(t) = &self.training {
                t.forget_personal_data(&s.external_user_id);
            }
            tracing::info!("session wiped");
        }
        self.generation.fetch_add(1, Ordering::Relaxed);
    }
}
