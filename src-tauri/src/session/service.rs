//! Whether the kiosk can serve people now.
//!
//! A live kiosk that cannot use the verification service — credentials
//! missing or unreadable, the keychain locked, the environment wrong, the
//! credentials or the clock refused — is **out of service**: customers are
//! asked to fetch staff, staff see the reason and the fix, and nothing else
//! runs (no sessions, no training service, no outbox). It never falls back to
//! training. When the cause goes away (*Try again*, or the check repeated in
//! the background every minute) it returns to service without a restart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use specta::Type;

use crate::config::{OperatingMode, Settings};

use super::kiosk::{EventSink, Kiosk, KioskError, KioskEvent};
use super::lock;
use super::startup::{self, Started};

/// How often an out-of-service kiosk checks by itself whether the cause went away.
const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// Why a live kiosk is out of service. The UI words each for customers and staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum OutOfServiceCause {
    /// No app token and secret key are stored for this environment.
    NoCredentials,
    /// The keychain is locked (or did not answer in time).
    KeychainLocked,
    /// No keychain answers at all.
    KeychainUnavailable,
    /// A setting is wrong: `KIOSK_ENVIRONMENT`, the service address, a development build for production.
    Misconfigured,
    /// The stored token belongs to the other environment.
    WrongEnvironment,
    /// The service refused the credentials (wrong secret, revoked token).
    CredentialsRefused,
    /// The service refused the request because this computer's clock is off.
    ClockRefused,
}

/// What staff see about an out-of-service kiosk (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OutOfService {
    pub cause: OutOfServiceCause,
    /// What went wrong, in plain words (English; the UI heads it with the cause).
    pub detail: String,
    /// RFC 3339, UTC.
    pub since: String,
}

impl OutOfService {
    pub fn new(cause: OutOfServiceCause, detail: impl Into<String>) -> Self {
        Self {
            cause,
            detail: detail.into(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

enum State {
    InService(Arc<Started>),
    Out(OutOfService),
}

/// The kiosk as it can serve now: in service with its [`Kiosk`], or out of service.
pub struct Service {
    mode: OperatingMode,
    settings: Settings,
    events: EventSink,
    state: Mutex<State>,
    recheck: Mutex<Option<tokio::task::AbortHandle>>,
    /// One start attempt at a time (Try again pressed twice, the background check).
    starting: tokio::sync::Mutex<()>,
    /// The settings themselves cannot be used: only a restart with valid
    /// ones brings the kiosk back.
    unusable_settings: bool,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.recheck).take() {
            task.abort();
        }
    }
}

impl Service {
    /// Starts the kiosk in `settings.mode` (resolved by the caller).
    pub async fn start(
        settings: Settings,
        events: EventSink,
    ) -> Result<Arc<Self>, startup::StartError> {
        let mode = settings.mode.unwrap_or(OperatingMode::Training);
        let first = match mode {
            OperatingMode::Training => State::InService(Arc::new(
                startup::start_training(&settings, events.clone()).await?,
            )),
            OperatingMode::Live => match startup::start_live(&settings, events.clone()).await {
                Ok(started) => State::InService(Arc::new(started)),
                Err(out) => State::Out(out),
            },
        };
        let service = Arc::new(Self {
            mode,
            settings,
            events,
            state: Mutex::new(first),
            recheck: Mutex::default(),
            starting: tokio::sync::Mutex::new(()),
            unusable_settings: false,
        });
        if let Some(out) = service.out_of_service() {
            tracing::error!(cause = ?out.cause, "the kiosk is out of service: {}", out.detail);
            service.keep_checking();
        }
        Ok(service)
    }

    /// A kiosk whose settings cannot be used (the organisation's file is not
    /// valid): out of service, in training as in live mode, until it is
    /// restarted with valid settings. Nothing else is started.
    pub fn unusable_settings(settings: Settings, events: EventSink, detail: String) -> Arc<Self> {
        let out = OutOfService::new(OutOfServiceCause::Misconfigured, detail);
        tracing::error!(cause = ?out.cause, "the kiosk is out of service: {}", out.detail);
        Arc::new(Self {
            mode: settings.mode.unwrap_or(OperatingMode::Training),
            settings,
            events,
            state: Mutex::new(State::Out(out)),
            recheck: Mutex::default(),
            starting: tokio::sync::Mutex::new(()),
            unusable_settings: true,
        })
    }

    pub fn mode(&self) -> OperatingMode {
        self.mode
    }

    /// The kiosk, when in service.
    pub fn kiosk(&self) -> Result<Arc<Kiosk>, OutOfService> {
        self.started().map(|s| s.kiosk.clone())
    }

    fn started(&self) -> Result<Arc<Started>, OutOfService> {
        match &*lock(&self.state) {
            State::InService(started) => Ok(started.clone()),
            State::Out(out) => Err(out.clone()),
        }
    }

    /// Why not in service, if so.
    pub fn out_of_service(&self) -> Option<OutOfService> {
        self.started().err()
    }

    /// Something to tell staff about how the kiosk started (webhooks off, …).
    pub fn notice(&self) -> Option<startup::WebhooksOff> {
        self.started().ok().and_then(|s| s.notice.clone())
    }

    /// Tries to come back into service now; `Err` says why it is still out.
    pub async fn try_again(self: &Arc<Self>) -> Result<(), OutOfService> {
        let _one = self.starting.lock().await;
        if self.out_of_service().is_none() {
            return Ok(());
        }
        if self.unusable_settings {
            return Err(self.out_of_service().expect("out of service"));
        }
        crate::credentials::Keychain::try_again();
        match startup::start_live(&self.settings, self.events.clone()).await {
            Ok(started) => {
                *lock(&self.state) = State::InService(Arc::new(started));
                if let Some(task) = lock(&self.recheck).take() {
                    task.abort();
                }
                tracing::info!("the kiosk is back in service");
                (self.events)(KioskEvent::Availability { in_service: true });
                Ok(())
            }
            Err(out) => {
                *lock(&self.state) = State::Out(out.clone());
                Err(out)
            }
        }
    }

    /// Passes `result` on; a refusal of the credentials or the clock takes the
    /// kiosk out of service at once (the session in progress is wiped).
    pub fn note<T>(self: &Arc<Self>, result: Result<T, KioskError>) -> Result<T, KioskError> {
        if let Err(KioskError::Refused(detail)) = &result {
            self.take_out(OutOfService::new(
                if detail.contains("clock") {
                    OutOfServiceCause::ClockRefused
                } else {
                    OutOfServiceCause::CredentialsRefused
                },
                detail.clone(),
            ));
        }
        result
    }

    fn take_out(self: &Arc<Self>, out: OutOfService) {
        if self.mode != OperatingMode::Live {
            return;
        }
        let previous = std::mem::replace(&mut *lock(&self.state), State::Out(out.clone()));
        if let State::InService(started) = previous {
            started.kiosk.end_session();
            tracing::error!(cause = ?out.cause, "the kiosk went out of service: {}", out.detail);
            (self.events)(KioskEvent::Availability { in_service: false });
            self.keep_checking();
        }
    }

    /// While out of service, checks every minute whether the cause went away.
    fn keep_checking(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(RECHECK_EVERY).await;
                let Some(service) = weak.upgrade() else {
                    return;
                };
                if service.try_again().await.is_ok() {
                    return;
                }
            }
        });
        if let Some(old) = lock(&self.recheck).replace(task.abort_handle()) {
            old.abort();
        }
    }
}
