//! How a kiosk behaves: its profile, level, checks and limits.

use std::time::Duration;

use crate::capture::Resolution;
use crate::config::Profile;
use crate::quality::Thresholds;
use crate::review::PollPolicy;

/// The largest photo file staff may import (phone photos are 2–12 MB).
pub const MAX_IMPORT_BYTES: usize = 25 * 1024 * 1024;

/// How the kiosk behaves; defaults suit a counter.
#[derive(Debug, Clone)]
pub struct KioskOptions {
    pub profile: Profile,
    pub level_name: String,
    pub thresholds: Thresholds,
    pub max_attempts: u32,
    pub poll: PollPolicy,
    /// Camera resolution to ask for; `None` picks 1920×1080, then 1280×720.
    pub resolution: Option<Resolution>,
    /// Put finished sessions in the outbox instead of sending them at once.
    pub queue_first: bool,
    /// Send a document's whole frame instead of the document cut out.
    pub upload_full_frame: bool,
}

impl Default for KioskOptions {
    fn default() -> Self {
        Self {
            profile: Profile::Attendant,
            level_name: "id-and-liveness".into(),
            thresholds: Thresholds::default(),
            max_attempts: 3,
            poll: PollPolicy {
                give_up_after: Some(Duration::from_secs(180)),
                ..PollPolicy::default()
            },
            resolution: None,
            queue_first: false,
            upload_full_frame: false,
        }
    }
}
