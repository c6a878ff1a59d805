//! A local stand-in for the verification service, on 127.0.0.1.
//!
//! It serves the same endpoints with the same shapes and errors, so the same
//! [`crate::verification::Client`] runs against it: staff train with it, a new
//! machine shows the whole flow with it, and every test uses real HTTP to it.
//!
//! - [`TrainingService::start`] runs it in-process; dropping the handle stops it.
//! - [`TrainingConfig`]: credentials, levels, review timing, faults, webhooks.
//! - [`Scenario`]: the outcome scripted per applicant (by external user id).

pub mod config;
mod http;
pub mod script;
pub mod store;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rand::SeedableRng;
use tokio::sync::{mpsc, oneshot};

pub use config::{DigestAlg, Faults, TrainingConfig, Webhooks};
pub use script::Scenario;
pub use store::Stats;

use crate::credentials::ApiCredentials;

pub(crate) struct Shared {
    pub config: TrainingConfig,
    pub store: Mutex<store::Store>,
    pub rng: Mutex<rand::rngs::StdRng>,
    pub webhooks: Option<mpsc::UnboundedSender<webhook::Event>>,
    /// Requests to `/resources`, and how many of them were failed on purpose.
    pub requests: AtomicUsize,
    pub failed_on_purpose: AtomicUsize,
}

impl Shared {
    fn now_secs(&self) -> i64 {
        crate::verification::system_clock()() + self.config.clock_offset_secs
    }

    /// What the store holds, with the request and injected-failure counts.
    fn stats(&self) -> Stats {
        let mut stats = self.store.lock().expect("store lock").stats();
        stats.requests = self.requests.load(Ordering::Relaxed);
        stats.failed_on_purpose = self.failed_on_purpose.load(Ordering::Relaxed);
        stats
    }

    fn set_scenario(&self, external_user_id: &str, scenario: Scenario) {
        let mut store = self.store.lock().expect("store lock");
        store
            .scenarios
            .insert(external_user_id.to_owned(), scenario);
        if let Some(id) = store.by_external_id.get(external_user_id).cloned() {
            if let Some(a) = store.applicants.get_mut(&id) {
                a.scenario = scenario;
            }
        }
    }
}

/// Serves `listener` until the stop signal or until the task is aborted. Each
/// connection runs in a set owned by the task, so ending the task breaks every
/// open connection too, as a network that goes away would.
fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let app = http::router(shared);
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            tracing::warn!("training service: accept failed: {e}");
                            continue;
                        }
                    };
                    let service = hyper_util::service::TowerToHyperService::new(app.clone());
                    connections.spawn(async move {
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper_util::server::conn::auto::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(io, service)
                        .await;
                    });
                }
            }
        }
    });
    (stop, task)
}

/// A running training service. Dropping it stops the server.
pub struct TrainingService {
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TrainingService {
    /// Binds `addr` (use port 0 for any free port) and serves until dropped.
    pub async fn start(addr: SocketAddr, config: TrainingConfig) -> std::io::Result<Self> {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the training service listens on this computer only (127.0.0.1 or ::1)",
            ));
        }
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let webhooks = config.webhooks.clone().map(webhook::start);
        let shared = Arc::new(Shared {
            rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(config.faults.seed)),
            config,
            store: Mutex::new(store::Store::default()),
            webhooks,
            requests: AtomicUsize::new(0),
            failed_on_purpose: AtomicUsize::new(0),
        });
        let (stop, task) = serve(listener, shared.clone());
        tracing::info!(%addr, "training service listening");
        Ok(Self {
            base_url: format!("http://{addr}"),
            addr,
            shared,
            stop: Some(stop),
            task,
        })
    }

    /// Goes away like a lost network: stops listening and breaks open
    /// connections, keeping everything it holds for [`Self::serve_again`].
    pub fn go_away(&mut self) {
        self.stop.take();
        self.task.abort();
    }

    /// Comes back at the same address with the same applicants and images.
    pub async fn serve_again(&mut self) -> std::io::Result<()> {
        self.go_away();
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let (stop, task) = serve(listener, self.shared.clone());
        self.stop = Some(stop);
        self.task = task;
        tracing::info!(addr = %self.addr, "training service listening again");
        Ok(())
    }

    pub fn credentials(&self) -> ApiCredentials {
        ApiCredentials::new(
            self.shared.config.app_token.clone(),
            self.shared.config.secret_key.clone(),
        )
    }

    pub fn config(&self) -> &TrainingConfig {
        &self.shared.config
    }

    /// Chooses the outcome of the reviews of the applicant with this external user id.
    pub fn set_scenario(&self, external_user_id: &str, scenario: Scenario) {
        self.shared.set_scenario(external_user_id, scenario);
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Forgets the entered details and images of the applicant with this
    /// external user id (the session ended); the review itself is kept.
    pub fn forget_personal_data(&self, external_user_id: &str) -> bool {
        self.shared
            .store
            .lock()
            .expect("store lock")
            .forget_personal_data(external_user_id)
    }

    /// Stops at once, breaking open connections (a service that goes away).
    pub fn abort(mut self) {
        self.stop.take();
        self.task.abort();
    }
}

impl Drop for TrainingService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
