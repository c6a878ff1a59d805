//! Putting the kiosk together: live with its credentials (or out of service,
//! with the reason), or training with its local service, and the camera.

use std::sync::Arc;

use serde::Serialize;
use specta::Type;

use crate::admin::ConnectionCheck;
use crate::capture::webcam::Webcam;
use crate::capture::{Camera, SampleCamera};
use crate::config::{CameraChoice, Profile, Settings};
use crate::credentials::{ApiCredentials, Environment, Item, Keychain, KeychainError};
use crate::outbox::Outbox;
use crate::review::recent::{self, RecentStore};
use crate::review::recheck::RecheckPolicy;
use crate::review::webhook::WebhookReceiver;
use crate::training::{TrainingConfig, TrainingService};
use crate::verification::Client;

use super::field::{NoOutbox, Waiting};
use super::kiosk::{CameraSource, EventSink, Kiosk, KioskOptions};
use super::service::{OutOfService, OutOfServiceCause};

pub struct Started {
    pub kiosk: Arc<Kiosk>,
    /// Webhooks were configured but are off: staff should know why.
    pub notice: Option<WebhooksOff>,
    /// Listening while kept; dropping it stops the receiver.
    pub webhooks: Option<WebhookReceiver>,
}

/// Why webhooks are off although an address to take them on is configured
/// (reviews are then followed by polling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WebhooksOff {
    #[error("no webhook secret is stored (kioskctl credentials set-webhook-secret)")]
    NoSecret,
    #[error("the webhook secret cannot be read from the system keychain: {detail}")]
    Keychain { detail: String },
    #[error("cannot listen on {addr}: {detail}")]
    CannotListen { addr: String, detail: String },
}

/// The kiosk could not start at all (a training kiosk whose local service
/// cannot run); a live kiosk that cannot verify is out of service instead.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the training service could not start: {0}")]
    TrainingService(std::io::Error),
    #[error("the training service's address is not usable: {0}")]
    TrainingClient(crate::verification::ApiError),
}

/// The webhook secret from `KIOSK_WEBHOOK_SECRET`, else the keychain, then the receiver.
pub async fn start_webhooks(
    addr: std::net::SocketAddr,
) -> Result<
    (
        WebhookReceiver,
        tokio::sync::mpsc::UnboundedReceiver<crate::review::webhook::WebhookEvent>,
    ),
    WebhooksOff,
> {
    let keychain = |e: &dyn std::fmt::Display| WebhooksOff::Keychain {
        detail: e.to_string(),
    };
    let secret = match crate::credentials::webhook_secret_from_env() {
        Some(s) => s,
        None => tokio::task::spawn_blocking(move || {
            let env = Environment::configured().map_err(|e| keychain(&e))?;
            Keychain::new(env)
                .get(Item::WebhookSecret)
                .map_err(|e| keychain(&e))?
                .ok_or(WebhooksOff::NoSecret)
        })
        .await
        .map_err(|e| keychain(&e))??,
    };
    WebhookReceiver::start(addr, secret)
        .await
        .map_err(|e| WebhooksOff::CannotListen {
            addr: addr.to_string(),
            detail: e.to_string(),
        })
}

/// Credentials from `KIOSK_APP_TOKEN`/`KIOSK_SECRET_KEY`, else from the keychain;
/// a live kiosk without them is out of service, with the reason.
fn credentials() -> Result<ApiCredentials, OutOfService> {
    if let Some(c) = ApiCredentials::from_env() {
        return Ok(c);
    }
    let env = Environment::configured().map_err(keychain_problem)?;
    match Keychain::new(env).api_credentials() {
        Ok(Some(c)) => {
            let token_env = Environment::of_token(&c.app_token);
            if token_env != env {
                return Err(OutOfService::new(
                    OutOfServiceCause::WrongEnvironment,
                    format!(
                        "the stored app token is for {}, but this kiosk is set up for {} (KIOSK_ENVIRONMENT)",
                        token_env.as_str(),
                        env.as_str()
                    ),
                ));
            }
            Ok(c)
        }
        Ok(None) => Err(OutOfService::new(
            OutOfServiceCause::NoCredentials,
            format!(
                "no app token and secret key are stored for the {} environment",
                env.as_str()
            ),
        )),
        Err(e) => Err(keychain_problem(e)),
    }
}

fn keychain_problem(e: KeychainError) -> OutOfService {
    let cause = match &e {
        KeychainError::Locked { .. } => OutOfServiceCause::KeychainLocked,
        KeychainError::Refused(_) => OutOfServiceCause::Misconfigured,
        _ => OutOfServiceCause::KeychainUnavailable,
    };
    OutOfService::new(cause, e.to_string())
}

/// How long the start waits for the connection check; a service that does not
/// answer in time is treated as unreachable (the kiosk serves; sessions wait
/// in the outbox where there is one).
const START_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A live kiosk: credentials, one signed harmless call, then the kiosk. Any
/// refusal is out of service; a service that cannot be reached is not.
pub async fn start_live(settings: &Settings, events: EventSink) -> Result<Started, OutOfService> {
    let creds = tokio::task::spawn_blocking(credentials)
        .await
        .map_err(|e| OutOfService::new(OutOfServiceCause::KeychainUnavailable, e.to_string()))??;
    let client = Client::new(&settings.api_url, creds.clone())
        .map_err(|e| OutOfService::new(OutOfServiceCause::Misconfigured, e.to_string()))?;
    let environment = Environment::of_token(&creds.app_token);
    let check = tokio::time::timeout(
        START_CHECK_TIMEOUT,
        crate::admin::check_connection(&settings.api_url, creds, environment),
    )
    .await;
    match check {
        Ok(ConnectionCheck::BadCredentials { message }) => {
            return Err(OutOfService::new(
                OutOfServiceCause::CredentialsRefused,
                message,
            ))
        }
        Ok(ConnectionCheck::ClockSkew { message, .. }) => {
            return Err(OutOfService::new(OutOfServiceCause::ClockRefused, message))
        }
        Ok(ConnectionCheck::WrongEnvironment { message }) => {
            return Err(OutOfService::new(
                OutOfServiceCause::WrongEnvironment,
                message,
            ))
        }
        Ok(ConnectionCheck::Ok { .. }) => {
            tracing::info!("the verification service accepted the credentials")
        }
        Ok(other) => {
            tracing::warn!("the verification service could not be checked at start: {other:?}")
        }
        Err(_) => tracing::warn!("the verification service did not answer the check at start"),
    }
    // A live kiosk uses a webcam unless the sample camera was asked for by name
    // (`KIOSK_CAMERA=sample`: demonstrations and tests against a stand-in).
    let camera = match settings.camera {
        CameraChoice::Sample => CameraSource::Sample(SampleCamera::default()),
        CameraChoice::Auto | CameraChoice::Webcam => CameraSource::Device(Arc::new(Webcam)),
    };
    let kiosk = Kiosk::new(
        client,
        None,
        camera,
        options(settings),
        events,
        recent_store(),
    )
    .with_outbox(open_outbox(settings).await);
    Ok(finish(settings, kiosk, true).await)
}

/// A training kiosk: the local stand-in for the service, the sample camera
/// unless a webcam is connected, and no outbox (what waits there belongs to
/// the live service and is never sent from training).
pub async fn start_training(settings: &Settings, events: EventSink) -> Result<Started, StartError> {
    let mut config = TrainingConfig::default();
    if let Some(secs) = settings.training_review_secs {
        config.review_delay = std::time::Duration::from_secs(secs.into());
    }
    let svc = TrainingService::start("127.0.0.1:0".parse().expect("loopback address"), config)
        .await
        .map_err(StartError::TrainingService)?;
    let client =
        Client::new(&svc.base_url, svc.credentials()).map_err(StartError::TrainingClient)?;
    let camera = match settings.camera {
        CameraChoice::Sample => CameraSource::Sample(SampleCamera::default()),
        CameraChoice::Webcam => CameraSource::Device(Arc::new(Webcam)),
        CameraChoice::Auto => {
            let has_webcam =
                tokio::task::spawn_blocking(|| Webcam.devices().is_ok_and(|d| !d.is_empty()))
                    .await
                    .unwrap_or(false);
            if has_webcam {
                CameraSource::Device(Arc::new(Webcam))
            } else {
                CameraSource::Sample(SampleCamera::default())
            }
        }
    };
    let mut kiosk = Kiosk::new(
        client,
        Some(svc),
        camera,
        options(settings),
        events,
        recent_store(),
    );
    if let Some(waiting) = live_sessions_waiting() {
        kiosk = kiosk.with_outbox(Err(waiting));
    }
    Ok(finish(settings, kiosk, false).await)
}

/// What a training kiosk tells staff about the outbox: live sessions that
/// wait there (never sent from training), if any.
fn live_sessions_waiting() -> Option<NoOutbox> {
    match crate::outbox::waiting_for(&crate::outbox::default_path()) {
        Ok(groups) if !groups.is_empty() => Some(NoOutbox::LiveSessionsWaiting {
            waiting: groups
                .into_iter()
                .map(|(count, destination)| Waiting { count, destination })
                .collect(),
        }),
        Ok(_) => None,
        Err(e) => Some(NoOutbox::logged(&e)),
    }
}

fn options(settings: &Settings) -> KioskOptions {
    KioskOptions {
        profile: settings.profile,
        level_name: settings.level_name.clone(),
        resolution: settings
            .camera_resolution
            .map(|(w, h)| crate::capture::Resolution::new(w, h)),
        queue_first: settings.queue_first && settings.profile == Profile::Field,
        upload_full_frame: settings.upload_full_frame,
        ..Default::default()
    }
}

fn recent_store() -> Arc<RecentStore> {
    Arc::new(RecentStore::open(&recent::default_path()))
}

/// Staffed kiosks keep sessions for later when the service cannot be reached.
/// A self-service kiosk does not: nobody would be there to see them waiting.
async fn open_outbox(settings: &Settings) -> Result<Outbox, NoOutbox> {
    if settings.profile == Profile::SelfService {
        return Err(NoOutbox::SelfService);
    }
    let days = settings.outbox_retention_days;
    tokio::task::spawn_blocking(move || {
        let environment = Environment::configured().map_err(|e| {
            tracing::warn!("the outbox cannot be used: {e}");
            NoOutbox::Keychain
        })?;
        Outbox::open_default(&Keychain::new(environment), days).map_err(|e| NoOutbox::logged(&e))
    })
    .await
    .unwrap_or(Err(NoOutbox::Unreadable))
}

/// The background work every kiosk runs, and the webhooks where configured.
async fn finish(settings: &Settings, kiosk: Kiosk, live: bool) -> Started {
    kiosk.keep_outbox_sending(std::time::Duration::from_secs(30));
    let mut notice = None;
    let mut webhooks = None;
    if let Some(addr) = settings.webhook_listen {
        match start_webhooks(addr).await {
            Ok((receiver, deliveries)) => {
                kiosk.feed_webhooks(deliveries);
                webhooks = Some(receiver);
            }
            Err(off) => {
                tracing::warn!("webhooks are off, reviews are followed by polling: {off}");
                notice = Some(off);
            }
        }
    }
    // A later rejection of an approved applicant must reach staff: recent
    // applicants are read again on a schedule, within the kiosk's budget.
    let (webhooks_on, days) = (webhooks.is_some(), settings.follow_decided_days);
    kiosk.keep_recent_current(if live {
        RecheckPolicy::live(webhooks_on, days)
    } else {
        RecheckPolicy::training(webhooks_on, days)
    });
    Started {
        kiosk: Arc::new(kiosk),
        notice,
        webhooks,
    }
}
