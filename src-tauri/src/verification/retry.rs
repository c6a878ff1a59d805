//! Whether to try a failed request again, and when: a pure function.

use std::time::Duration;

use super::error::TransportFailure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for; the error goes to the caller.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Transport(TransportFailure),
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Retry { after: Duration },
    Stop,
}

/// Decides after attempt number `attempt` (1 for the first) failed.
///
/// `repeatable` says whether sending the request twice is harmless: true for
/// reads, and for writes whose repetition the caller detects and resolves
/// (a repeated create answers 409 for the same external id; a repeated upload
/// is found by its content). A request that never left (connect failure) is
/// always safe to retry. `jitter` is a number in [0, 1) from the caller's RNG.
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    failure: Failure,
    repeatable: bool,
    jitter: f64,
) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::Stop;
    }
    let backoff = backoff(policy, attempt, jitter);
    match failure {
        Failure::Transport(TransportFailure::Connect) => Decision::Retry { after: backoff },
        Failure::Transport(TransportFailure::Timeout | TransportFailure::Reset) if repeatable => {
            Decision::Retry { after: backoff }
        }
        Failure::Transport(_) => Decision::Stop,
        Failure::Status {
            status: 429,
            retry_after,
        } => match retry_after {
            Some(wait) if wait > policy.max_retry_after => Decision::Stop,
            Some(wait) => Decision::Retry {
                after: wait.max(backoff),
            },
            None => Decision::Retry { after: backoff },
        },
        // Gateway and availability errors happen before the service acts.
        Failure::Status {
            status: 502..=504,
            retry_after,
        } => Decision::Retry {
            after: retry_after
                .map_or(backoff, |w| w.max(backoff))
                .min(policy.max_retry_after),
        },
        Failure::Status {
            status: 500 | 507..=599,
            ..
        } if repeatable => Decision::Retry { after: backoff },
        Failure::Status { .. } => Decision::Stop,
    }
}

/// Capped exponential backoff with equal jitter: half fixed, half random.
fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .min(policy.max_delay);
    let half = exp / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use TransportFailure::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::default();
        let status = |s: u16| Failure::Status {
            status: s,
            retry_after: None,
        };
        #[rustfmt::skip]
        let table: &[(u32, Failure, bool, f64, Decision)] = &[
            // attempt, failure, repeatable, jitter, decision
            (1, Failure::Transport(Connect), false, 0.0, Retry { after: ms(125) }),
            (1, Failure::Transport(Connect), false, 1.0, Retry { after: ms(250) }),
            (2, Failure::Transport(Timeout), true, 0.0, Retry { after: ms(250) }),
            (2, Failure::Transport(Timeout), false, 0.0, Stop),
            (3, Failure::Transport(Reset), true, 0.5, Retry { after: ms(750) }),
            (3, Failure::Transport(Reset), false, 0.5, Stop),
            (1, status(503), false, 0.0, Retry { after: ms(125) }),
            (1, status(502), true, 0.0, Retry { after: ms(125) }),
            (1, status(500), true, 0.0, Retry { after: ms(125) }),
            (1, status(500), false, 0.0, Stop),
            (1, status(429), false, 0.0, Retry { after: ms(125) }),
            (1, Failure::Status { status: 429, retry_after: Some(Duration::from_secs(3)) }, false, 0.0, Retry { after: Duration::from_secs(3) }),
            (1, Failure::Status { status: 429, retry_after: Some(Duration::from_secs(600)) }, true, 0.0, Stop),
            (1, status(400), true, 0.0, Stop),
            (1, status(401), true, 0.0, Stop),
            (1, status(404), true, 0.0, Stop),
            (1, status(409), true, 0.0, Stop),
            // capped: 250 ms · 2^9 is far above 8 s
            (10, Failure::Transport(Connect), true, 1.0, Stop),
            (5, Failure::Transport(Connect), true, 1.0, Retry { after: Duration::from_secs(4) }),
        ];
        for (i, (attempt, failure, repeatable, jitter, want)) in table.iter().enumerate() {
            assert_eq!(
                decide(&p, *attempt, *failure, *repeatable, *jitter),
                *want,
                "row {i}"
            );
        }
    }

    #[test]
    fn backoff_grows_then_caps() {
        let p = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        let delays: Vec<Duration> = (1..12)
            .map(
                |a| match decide(&p, a, Failure::Transport(Connect), true, 1.0) {
                    Retry { after } => after,
                    Stop => panic!("stopped at {a}"),
                },
            )
            .collect();
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*delays.last().unwrap(), p.max_delay);
    }
}
