//! Commands the web view calls. Each is a few lines: convert, call, convert.
//! Each runs in a tracing span named after it, without its arguments (they
//! may hold personal data).

use std::sync::Arc;

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::capture::live::LiveStats;
use crate::capture::Impairment;
use crate::config::OperatingMode;
use crate::config::{Profile, Settings};
use crate::outbox::Drained;
use crate::review::recent::RecentApplicant;
use crate::session::field::OutboxView;
use crate::session::kiosk::{
    ApplicantDetails, CameraStarted, CameraView, CaptureView, DocumentChoice, Kiosk, Language,
    SessionView, Slot,
};
use crate::session::service::{OutOfService, Service};
use crate::session::startup::WebhooksOff;
use crate::training::Scenario;

use super::IpcError;
use crate::admin::{Admin, AdminGate, AdminStatus, ConnectionCheck};
use crate::credentials::Sensitive;

pub struct KioskState {
    /// The admin area (always there: also a kiosk out of service has one).
    pub admin: Arc<Admin>,
    pub settings: Settings,
    /// In service with its kiosk, or out of service with the reason.
    pub service: Arc<Service>,
    /// Set when staff quit through the admin area: the window may close.
    pub quitting: std::sync::atomic::AtomicBool,
    /// When the kiosk started, and whether its window has asked for its
    /// first screen yet (logged once: how long a start takes, per kiosk).
    pub started: std::time::Instant,
    pub first_screen: std::sync::Once,
}

impl KioskState {
    pub fn quitting(&self) -> bool {
        self.quitting.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The window asks for the kiosk's status before it shows its first
    /// screen: the first time, the time since the start is logged.
    pub fn note_first_screen(&self) {
        self.first_screen.call_once(|| {
            let after_ms = self.started.elapsed().as_millis() as u64;
            tracing::info!(after_ms, "the window shows its first screen");
        });
    }

    /// The kiosk, or the out-of-service error the UI shows.
    pub fn kiosk(&self) -> Res<Arc<Kiosk>> {
        self.service.kiosk().map_err(IpcError::from)
    }
}

type Res<T> = Result<T, IpcError>;

/// What the welcome screen needs to know about this kiosk.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppStatus {
    pub product: String,
    pub version: String,
    pub mode: OperatingMode,
    pub profile: Profile,
    pub idle_timeout_secs: u32,
    /// Webhooks were configured but are off (reviews are followed by polling): why.
    pub notice: Option<WebhooksOff>,
    /// A live kiosk that cannot verify: why (customers see only that it is unavailable).
    pub out_of_service: Option<OutOfService>,
    /// The sample camera (training) rather than a real one.
    pub sample_camera: bool,
    /// Training mode: the outcomes staff can choose for the next review.
    pub training_outcomes: Vec<Scenario>,
    pub sample_impairments: Vec<Impairment>,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn app_status(state: State<'_, KioskState>) -> Res<AppStatus> {
    let status = app_status_of(&state);
    state.note_first_screen();
    Ok(status)
}

fn app_status_of(state: &KioskState) -> AppStatus {
    let kiosk = state.service.kiosk().ok();
    let sample_camera = kiosk.as_ref().is_some_and(|k| k.has_sample_camera());
    // The outcome picker is for staff: never at a self-service kiosk.
    let staff_training = kiosk
        .as_ref()
        .is_some_and(|k| k.is_training() && k.profile() != Profile::SelfService);
    AppStatus {
        product: "Onboard Kiosk".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        mode: state.service.mode(),
        profile: state.settings.profile,
        idle_timeout_secs: state.settings.idle_timeout_secs,
        notice: state.service.notice(),
        out_of_service: state.service.out_of_service(),
        sample_camera,
        training_outcomes: if staff_training {
            Scenario::ALL.to_vec()
        } else {
            Vec::new()
        },
        sample_impairments: if sample_camera {
            Impairment::ALL.to_vec()
        } else {
            Vec::new()
        },
    }
}

/// An out-of-service kiosk checks again now (the *Try again* button).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn try_again(state: State<'_, KioskState>) -> Res<AppStatus> {
    let _ = state.service.try_again().await;
    Ok(app_status_of(&state))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn start_session(
    state: State<'_, KioskState>,
    details: ApplicantDetails,
) -> Res<SessionView> {
    Ok(state
        .service
        .note(state.kiosk()?.start_session(details).await)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn choose_document(
    state: State<'_, KioskState>,
    choice: DocumentChoice,
) -> Res<SessionView> {
    Ok(state.kiosk()?.choose_document(choice)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn start_camera(state: State<'_, KioskState>, slot: Slot) -> Res<CameraStarted> {
    let kiosk = state.kiosk()?;
    blocking(move || Ok(kiosk.start_camera(slot)?)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn stop_camera(state: State<'_, KioskState>, run: u32) -> Res<()> {
    if let Ok(kiosk) = state.service.kiosk() {
        kiosk.stop_camera_run(run);
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn camera_stats(state: State<'_, KioskState>) -> Res<Option<LiveStats>> {
    Ok(state.service.kiosk().ok().and_then(|k| k.camera_stats()))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn cameras(state: State<'_, KioskState>) -> Res<Vec<CameraView>> {
    let kiosk = state.kiosk()?;
    blocking(move || Ok(kiosk.cameras()?)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn choose_camera(state: State<'_, KioskState>, id: String) -> Res<()> {
    let kiosk = state.kiosk()?;
    blocking(move || Ok(kiosk.choose_camera(&id)?)).await
}

/// A photo from a file instead of the camera (staff profiles). The file's
/// bytes are the raw request body (never a JSON array of numbers), the slot
/// is the `slot` header. Not in the generated bindings: `backend.importPhoto`
/// sends it.
#[tauri::command]
pub async fn import_photo(
    state: State<'_, KioskState>,
    request: tauri::ipc::Request<'_>,
) -> Res<CaptureView> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::invalid("the photo must be sent as bytes"));
    };
    let slot = request
        .headers()
        .get("slot")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_value::<Slot>(serde_json::Value::from(v)).ok())
        .ok_or_else(|| IpcError::invalid("which picture this is was not said"))?;
    let kiosk = state.kiosk()?;
    // Decoded where the request holds it (no second 25 MB copy), with this
    // worker handed over to blocking work for the time.
    Ok(tokio::task::block_in_place(|| {
        kiosk.import_photo(slot, bytes)
    })?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn take_photo(state: State<'_, KioskState>, slot: Slot) -> Res<CaptureView> {
    let kiosk = state.kiosk()?;
    blocking(move || Ok(kiosk.take_photo(slot)?)).await
}

/// Runs `f` on a blocking thread: decoding, JPEG encoding and camera calls
/// never hold one of the few async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Res<T> + Send + 'static) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::internal(e.to_string()))?
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn accept_photo(
    state: State<'_, KioskState>,
    slot: Slot,
    override_problems: bool,
) -> Res<SessionView> {
    Ok(state.kiosk()?.accept_photo(slot, override_problems)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn retake(state: State<'_, KioskState>, slot: Slot) -> Res<SessionView> {
    Ok(state.kiosk()?.retake(slot)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn submit(state: State<'_, KioskState>) -> Res<SessionView> {
    Ok(state.service.note(state.kiosk()?.submit().await)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn correct_details(
    state: State<'_, KioskState>,
    details: ApplicantDetails,
) -> Res<SessionView> {
    Ok(state
        .service
        .note(state.kiosk()?.correct_details(details).await)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn current_session(state: State<'_, KioskState>) -> Res<Option<SessionView>> {
    Ok(state.service.kiosk().ok().and_then(|k| k.session()))
}

/// The language the window shows now (at start and whenever the person switches).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn set_language(state: State<'_, KioskState>, language: Language) -> Res<()> {
    if let Ok(kiosk) = state.service.kiosk() {
        kiosk.set_language(language).await;
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn end_session(state: State<'_, KioskState>) -> Res<()> {
    if let Ok(kiosk) = state.service.kiosk() {
        kiosk.end_session();
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn set_training_outcome(state: State<'_, KioskState>, outcome: Scenario) -> Res<()> {
    Ok(state.kiosk()?.set_training_outcome(outcome)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn set_sample_impairment(
    state: State<'_, KioskState>,
    impairment: Impairment,
) -> Res<()> {
    Ok(state.kiosk()?.set_sample_impairment(impairment)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn recent_applicants(state: State<'_, KioskState>) -> Res<Vec<RecentApplicant>> {
    Ok(state.kiosk()?.recent_applicants())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn outbox_status(state: State<'_, KioskState>) -> Res<OutboxView> {
    Ok(state.kiosk()?.outbox())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn send_outbox(state: State<'_, KioskState>) -> Res<Drained> {
    Ok(state.kiosk()?.send_outbox().await?)
}

// ----- admin area: secrets only come in; what goes out is masked -----

impl KioskState {
    fn admin(&self) -> Res<&Arc<Admin>> {
        Ok(&self.admin)
    }
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_gate(state: State<'_, KioskState>) -> Res<AdminGate> {
    Ok(state.admin()?.gate().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_unlock(state: State<'_, KioskState>, pin: String) -> Res<()> {
    Ok(state.admin()?.unlock(pin).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_close(state: State<'_, KioskState>) -> Res<()> {
    state.admin()?.close();
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_status(state: State<'_, KioskState>) -> Res<AdminStatus> {
    Ok(state.admin()?.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_set_credentials(
    state: State<'_, KioskState>,
    app_token: String,
    secret_key: String,
) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin
        .set_credentials(app_token, Sensitive::new(secret_key))
        .await?;
    Ok(admin.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_set_webhook_secret(
    state: State<'_, KioskState>,
    secret: String,
) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin.set_webhook_secret(Sensitive::new(secret)).await?;
    Ok(admin.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_clear_credentials(state: State<'_, KioskState>) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin.clear_credentials().await?;
    Ok(admin.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_set_pin(
    state: State<'_, KioskState>,
    current: Option<String>,
    pin: String,
) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin.set_pin(current, pin).await?;
    Ok(admin.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_save_settings(
    state: State<'_, KioskState>,
    profile: Profile,
    level_name: String,
) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin.save_settings(profile, level_name).await?;
    Ok(admin.status().await?)
}

/// Training or live from the next start (staff only; training says what it means in the UI).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_set_mode(state: State<'_, KioskState>, mode: OperatingMode) -> Res<AdminStatus> {
    let admin = state.admin()?;
    admin.set_mode(mode).await?;
    Ok(admin.status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_verify_connection(state: State<'_, KioskState>) -> Res<ConnectionCheck> {
    Ok(state.admin()?.verify_connection().await?)
}

/// Restarts the kiosk so stored changes take effect (staff only).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn restart_kiosk(app: tauri::AppHandle, state: State<'_, KioskState>) -> Res<()> {
    state.admin()?.ensure_open().await?;
    if let Ok(kiosk) = state.service.kiosk() {
        kiosk.end_session();
    }
    app.restart()
}

/// Ends the kiosk app (staff only: a self-service window cannot be closed otherwise).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn quit_kiosk(app: tauri::AppHandle, state: State<'_, KioskState>) -> Res<()> {
    state.admin()?.ensure_open().await?;
    if let Ok(kiosk) = state.service.kiosk() {
        kiosk.end_session();
    }
    state
        .quitting
        .store(true, std::sync::atomic::Ordering::SeqCst);
    tracing::info!("the kiosk was quit from the admin area");
    app.exit(0);
    Ok(())
}
