//! Polling the review status until it is decided.

use std::time::{Duration, Instant};

use crate::verification::models::{ReviewState, ReviewStatus};
use crate::verification::{ApiError, Client};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    pub initial: Duration,
    pub factor: f64,
    pub max: Duration,
    /// Stop waiting after this long (the review goes on; someone can look later).
    pub give_up_after: Option<Duration>,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(2),
            factor: 1.5,
            max: Duration::from_secs(30),
            give_up_after: None,
        }
    }
}

impl PollPolicy {
    /// The wait before poll number `n` (0 for the first), with ±10 % jitter.
    pub fn delay(&self, n: u32, jitter: f64) -> Duration {
        let base = self.initial.as_secs_f64() * self.factor.powi(n.min(64) as i32);
        let capped = base.min(self.max.as_secs_f64());
        Duration::from_secs_f64(capped * (0.9 + 0.2 * jitter.clamp(0.0, 1.0)))
    }
}

/// What waiting ended with.
pub enum Waited {
    Completed(ReviewState),
    /// Gave up after `give_up_after`; the last state seen.
    StillWaiting(ReviewState),
}

/// Polls until the review is completed. `on_state` sees each new status (for progress).
pub async fn wait_for_review(
    client: &Client,
    applicant_id: &str,
    policy: PollPolicy,
    mut on_state: impl FnMut(&ReviewState),
) -> Result<Waited, ApiError> {
    let started = Instant::now();
    let mut last: Option<ReviewStatus> = None;
    let mut n = 0;
    loop {
        let state = client.review_status(applicant_id).await?;
        if state.review_status != last {
            last = state.review_status.clone();
            on_state(&state);
        }
        if state.review_status == Some(ReviewStatus::Completed) {
            return Ok(Waited::Completed(state));
        }
        if policy.give_up_after.is_some_and(|g| started.elapsed() >= g) {
            return Ok(Waited::StillWaiting(state));
        }
        tokio::time::sleep(policy.delay(n, rand::random::<f64>())).await;
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_fast_and_cap() {
        let p = PollPolicy::default();
        assert_eq!(p.delay(0, 0.5), Duration::from_secs(2));
        assert_eq!(p.delay(1, 0.5), Duration::from_secs(3));
        assert_eq!(p.delay(20, 0.5), Duration::from_secs(30));
        assert!(
            p.delay(0, 0.0) >= Duration::from_millis(1800)
                && p.delay(0, 1.0) <= Duration::from_millis(2200)
        );
    }
}
