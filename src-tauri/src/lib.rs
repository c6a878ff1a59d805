//! Onboard Kiosk: in-person identity onboarding.
//!
//! Domain modules below know nothing of the desktop shell; `shell` is the one
//! place that talks to Tauri and turns domain calls into commands and events.
//!
//! The floors, top to bottom. A module uses only modules on floors below its
//! own (`tests/architecture.rs` fails on an import that points up or sideways):
//!
//! 8. `shell`, `cli` — the window and the command line
//! 7. `session` — one person at the kiosk, and the kiosk around it
//! 6. `outbox`, `admin` — sessions kept for later; the admin area
//! 5. `submission` — what is sent for one applicant, in which order
//! 4. `review`, `training`, `capture` — following a review; the stand-in service; cameras
//! 3. `verification` — the service's API: signing, models, errors
//! 2. `quality`, `credentials` — picture checks; secrets and the keychain
//! 1. `logging`
//! 0. `config` — settings and where files go

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
pub mod submission;
pub mod training;
pub mod verification;
