//! The onboarding session: one person at the kiosk, and the kiosk around it.
//!
//! - [`kiosk::Kiosk`]: one person at the kiosk, from details to the review's
//!   outcome (what is sent, and how, is [`crate::submission`]). Beside it:
//!   the session in memory (`state`), what it asks for (`steps`, pure), the
//!   camera (`camera`), a picture before it is kept (`pictures`), sending or
//!   keeping for later (`sending`), the review watch (`watch`), recent
//!   applicants kept current (`recent_feed`), and the background tasks they
//!   run as (`tasks`).
//! - [`field`]: the kiosk without a network: finished sessions to the outbox, and sending them later.
//! - [`service::Service`]: in service or out of service (a live kiosk never falls back to training).

mod applicant;
mod camera;
mod error;
pub mod field;
pub mod kiosk;
mod options;
mod outcome_view;
mod pictures;
mod recent_feed;
mod sending;
pub mod service;
pub mod startup;
mod state;
mod steps;
mod tasks;
pub mod views;
mod watch;
mod zone_check;

/// A mutex's guard, also after a panic elsewhere held it: what it guards
/// (a session, a camera run) stays usable.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
