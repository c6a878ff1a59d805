//! Onboard Kiosk: in-person identity onboarding.
//!
//! Domain modules below know nothing of the desktop shell; `shell` is the one
//! place that talks to Tauri and turns domain calls into commands and events.

pub mod admin;
pub mod capture;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod logging;
pub mod outbox;
pub mod quality;
pub mod review;
pub mod session;
pub mod shell;
pub mod training;
pub mod verification;
