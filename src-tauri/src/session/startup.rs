//! Putting the kiosk together at start: live with stored credentials, or
//! training mode with its local service, and the camera to use.

use std::sync::Arc;

use crate::capture::webcam::Webcam;
use crate::capture::{Camera, SampleCamera};
use crate::config::{CameraChoice, Profile, Settings};
use crate::credentials::{ApiCredentials, Environment, Item, Keychain, Sensitive};
use crate::outbox::Outbox;
use crate::review::recent::{self, RecentStore};
use crate::review::webhook::WebhookReceiver;
use crate::training::{TrainingConfig, TrainingService};
use crate::verification::Client;

use super::kiosk::{CameraSource, EventSink, Kiosk, KioskOptions};

pub struct Started {
    pub kiosk: Kiosk,
    pub live: bool,
    /// Why the kiosk trains although someone may have expected it live.
    pub notice: Option<String>,
    /// Listening while kept; dropping it stops the receiver.
    pub webhooks: Option<WebhookReceiver>,
}

/// The webhook secret from `KIOSK_WEBHOOK_SECRET`, else the keychain, then the receiver.
pub async fn start_webhooks(
    addr: std::net::SocketAddr,
) -> Result<
    (
        WebhookReceiver,
        tokio::sync::mpsc::UnboundedReceiver<crate::review::webhook::WebhookEvent>,
    ),
    String,
> {
    let secret = match std::env::var("KIOSK_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(s) => Sensitive::new(s),
        None => tokio::task::spawn_blocking(|| {
            let env = Environment::configured().map_err(|e| e.to_string())?;
            Keychain::new(env)
                .get(Item::WebhookSecret)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    "no webhook secret is stored (kioskctl credentials set-webhook-secret)"
                        .to_owned()
                })
        })
        .await
        .map_err(|e| e.to_string())??,
    };
    WebhookReceiver::start(addr, secret)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Credentials from `KIOSK_APP_TOKEN`/`KIOSK_SECRET_KEY`, else from the keychain.
/// `Err` carries a plain-words reason the keychain could not be read.
fn credentials() -> Result<Option<ApiCredentials>, String> {
    if let Some(c) = ApiCredentials::from_env() {
        return Ok(Some(c));
    }
    let env = Environment::configured().map_err(|e| e.to_string())?;
    Keychain::new(env)
        .api_credentials()
        .map_err(|e| e.to_string())
}

/// Staffed kiosks keep sessions for later when the service cannot be reached.
/// A self-service kiosk does not: nobody would be there to see them waiting.
async fn open_outbox(settings: &Settings) -> Result<Outbox, String> {
    if settings.profile == Profile::SelfService {
        return Err("a self-service kiosk keeps no sessions for later".into());
    }
    let days = settings.outbox_retention_days;
    tokio::task::spawn_blocking(move || {
        let keychain = Keychain::new(Environment::configured().map_err(|e| e.to_string())?);
        Outbox::open_default(&keychain, days).map_err(|e| {
            tracing::warn!("the outbox cannot be used: {e}");
            e.to_string()
        })
    })
    .await
    .map_err(|e| e.to_string())?
}

pub async fn start(settings: &Settings, events: EventSink) -> Result<Started, String> {
    let found = tokio::task::spawn_blocking(credentials)
        .await
        .map_err(|e| e.to_string())?;
    let (creds, notice) = match found {
        Ok(c) => (c, None),
        Err(reason) => (
            None,
            Some(format!(
                "Training mode: the stored credentials could not be read ({reason})."
            )),
        ),
    };
    let (client, training) = match creds {
        Some(c) => (
            Client::new(&settings.api_url, c).map_err(|e| e.to_string())?,
            None,
        ),
        None => {
            let svc = TrainingService::start(
                "127.0.0.1:0".parse().expect("loopback address"),
                TrainingConfig::default(),
            )
            .await
            .map_err(|e| format!("the training service could not start: {e}"))?;
            let client =
                Client::new(&svc.base_url, svc.credentials()).map_err(|e| e.to_string())?;
            (client, Some(svc))
        }
    };
    let live = training.is_none();
    let camera = match settings.camera {
        CameraChoice::Sample => CameraSource::Sample(SampleCamera::default()),
        CameraChoice::Webcam => CameraSource::Device(Arc::new(Webcam)),
        CameraChoice::Auto => {
            let has_webcam =
                tokio::task::spawn_blocking(|| Webcam.devices().is_ok_and(|d| !d.is_empty()))
                    .await
                    .unwrap_or(false);
            if has_webcam || live {
                CameraSource::Device(Arc::new(Webcam))
            } else {
                CameraSource::Sample(SampleCamera::default())
            }
        }
    };
    let options = KioskOptions {
        profile: settings.profile,
        level_name: settings.level_name.clone(),
        resolution: settings
            .camera_resolution
            .map(|(w, h)| crate::capture::Resolution::new(w, h)),
        queue_first: settings.queue_first && settings.profile == Profile::Field,
        ..Default::default()
    };
    let recent = Arc::new(RecentStore::open(&recent::default_path()));
    let kiosk = Kiosk::new(client, training, camera, options, events, recent)
        .with_outbox(open_outbox(settings).await);
    kiosk.keep_outbox_sending(std::time::Duration::from_secs(30));
    // A later rejection of an approved applicant must reach staff; training decides in seconds.
    kiosk.keep_recent_current(if live {
        std::time::Duration::from_secs(300)
    } else {
        std::time::Duration::from_secs(5)
    });
    let mut notice = notice;
    let mut webhooks = None;
    if let Some(addr) = settings.webhook_listen {
        match start_webhooks(addr).await {
            Ok((receiver, deliveries)) => {
                kiosk.feed_webhooks(deliveries);
                webhooks = Some(receiver);
            }
            Err(reason) => {
                notice = Some(format!(
                    "Webhooks are off: {reason}. Reviews are followed by polling."
                ))
            }
        }
    }
    Ok(Started {
        kiosk,
        live,
        notice,
        webhooks,
    })
}
