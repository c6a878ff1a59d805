//! The whole onboarding flow in the real app window (Xvfb), driven through its
//! web view like a person would, with the training service and the sample
//! camera. The harness (one helper per screen) is `kiosk_tests::flow`.

mod field;
mod framing;
mod journeys;
mod layout;
mod photos;
mod robustness;
mod staff;

/// What every part of these tests uses.
mod prelude {
    pub use std::time::{Duration, Instant};

    pub use anyhow::{bail, Result};
    pub use fantoccini::Locator;
    pub use kiosk_tests::artifacts_dir;
    pub use kiosk_tests::flow::*;
}
