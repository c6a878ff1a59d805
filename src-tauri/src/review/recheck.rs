//! Which recent applicants to read again, and when.
//!
//! Open reviews are followed as they go. A decided one can still change (an
//! approval turned into a rejection later), but rarely: it is read again on
//! a decaying schedule — 1 h, 6 h and 24 h after its decision, then once a
//! day — and no longer after [`RecheckPolicy::follow_for`]. With webhooks
//! configured, the service announces changes itself, and decided reviews are
//! only reconciled once a day. The calls go one at a time, spaced out with
//! jitter, and never above the kiosk's budget ([`RecheckPolicy::per_minute`]):
//! however many applicants a kiosk served, it never bursts.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// The budget of a live kiosk: at most this many status reads a minute for
/// recent applicants (a review the open session waits for is not counted).
pub const LIVE_PER_MINUTE: u32 = 6;
/// Training reads its own stand-in, faster, so trainees see results move.
pub const TRAINING_PER_MINUTE: u32 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct RecheckPolicy {
    /// An open review (not decided yet) is read this often.
    pub open_every: Duration,
    /// A decided review is read again this long after its decision…
    pub decided_after: Vec<Duration>,
    /// …then at this interval…
    pub then_every: Duration,
    /// …until this long after the decision; later changes go unnoticed.
    pub follow_for: Duration,
    /// Webhooks announce changes: decided reviews are only reconciled daily.
    pub webhooks: bool,
    /// At most this many reads a minute, one at a time.
    pub per_minute: u32,
}

impl RecheckPolicy {
    /// A live kiosk: open reviews every 5 minutes, 6 reads a minute at most.
    pub fn live(webhooks: bool, follow_days: u32) -> Self {
        Self {
            open_every: Duration::from_secs(300),
            decided_after: vec![HOUR, 6 * HOUR, DAY],
            then_every: DAY,
            follow_for: DAY * follow_days,
            webhooks,
            per_minute: LIVE_PER_MINUTE,
        }
    }

    /// Training, where the stand-in decides in seconds and rejects an
    /// approval (the green-then-red outcome) 20 seconds later: open reviews
    /// every 5 seconds, decided ones after 10 s, 30 s and 2 minutes, then
    /// hourly.
    pub fn training(webhooks: bool, follow_days: u32) -> Self {
        Self {
            open_every: Duration::from_secs(5),
            decided_after: vec![
                Duration::from_secs(10),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
            then_every: HOUR,
            per_minute: TRAINING_PER_MINUTE,
            ..Self::live(webhooks, follow_days)
        }
    }

    /// Everything every `every`, open or decided (tests, demonstrations).
    pub fn every(every: Duration) -> Self {
        Self {
            open_every: every,
            decided_after: Vec::new(),
            then_every: every,
            follow_for: DAY,
            webhooks: false,
            per_minute: (60.0 / every.as_secs_f64().max(0.01)).ceil() as u32,
        }
    }

    /// The pause after each read, with `jitter` in 0..1 adding up to a fifth.
    pub fn spacing(&self, jitter: f64) -> Duration {
        let even = 60.0 / f64::from(self.per_minute.max(1));
        Duration::from_secs_f64(even * (1.0 + 0.2 * jitter.clamp(0.0, 1.0)))
    }

    /// When the review should have been read last at the latest, or `None`
    /// when it needs no reading now. The older the missed time, the sooner
    /// it is read.
    pub fn due(&self, review: &Tracked, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if review.final_rejection {
            return None;
        }
        let checked = review.checked_at;
        let Some(decided) = review.decided_at else {
            // Open: read every `open_every`.
            let due = checked.map_or(now, |c| c + self.open_every);
            return (due <= now).then_some(due);
        };
        let age = (now - decided).to_std().unwrap_or_default();
        if age > self.follow_for {
            return None;
        }
        let checkpoint = self.last_checkpoint(age)?;
        let due = decided + checkpoint;
        (checked.is_none_or(|c| c < due)).then_some(due)
    }

    /// The latest scheduled read at or before `age` after the decision.
    fn last_checkpoint(&self, age: Duration) -> Option<Duration> {
        let steps: &[Duration] = if self.webhooks {
            &[]
        } else {
            &self.decided_after
        };
        let first_daily = steps.last().copied().unwrap_or(Duration::ZERO) + self.then_every;
        if age >= first_daily {
            let every = self.then_every.as_secs().max(1);
            let after = (age - first_daily).as_secs() / every;
            return Some(first_daily + Duration::from_secs(after * every));
        }
        steps.iter().rev().find(|s| **s <= age).copied()
    }
}

/// What the schedule needs to know about one recent applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// When the review was decided (completed), if it was.
    pub decided_at: Option<DateTime<Utc>>,
    /// When the kiosk last read it.
    pub checked_at: Option<DateTime<Utc>>,
    /// Refused for good: nothing more can change.
    pub final_rejection: bool,
}

/// How the kiosk used its budget, kept in the data folder for `kioskctl doctor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecheckUse {
    /// RFC 3339 times of the reads in the last hour.
    pub reads_last_hour: Vec<String>,
    pub per_minute: u32,
    /// Recent applicants still followed: open, and decided but within the follow period.
    pub open: usize,
    pub decided_followed: usize,
    /// Decided longer ago than the follow period: no longer read.
    pub settled: usize,
}

impl RecheckUse {
    /// The file's name, beside the recent-applicants list in the data folder.
    pub const FILE: &'static str = "recheck.json";

    pub fn path() -> std::path::PathBuf {
        crate::config::data_dir().join(Self::FILE)
    }

    /// Forgets the reads more than an hour before `now`.
    pub fn forget_before(&mut self, now: DateTime<Utc>) {
        self.reads_last_hour.retain(|t| {
            DateTime::parse_from_rfc3339(t)
                .is_ok_and(|t| now - t.with_timezone(&Utc) < chrono::Duration::hours(1))
        });
    }

    /// Notes a read at `now`, forgetting those older than an hour.
    pub fn read_at(&mut self, now: DateTime<Utc>) {
        self.forget_before(now);
        self.reads_last_hour
            .push(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: f64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::seconds((hours * 3600.0) as i64)
    }

    /// The reads a decided review gets over `days`, polled every minute.
    fn reads_over(policy: &RecheckPolicy, days: u32) -> Vec<f64> {
        let mut review = Tracked {
            decided_at: Some(at(0.0)),
            checked_at: Some(at(0.0)),
            final_rejection: false,
        };
        let mut reads = Vec::new();
        for minute in 0..days * 24 * 60 {
            let now = at(f64::from(minute) / 60.0);
            if policy.due(&review, now).is_some() {
                reads.push(f64::from(minute) / 60.0);
                review.checked_at = Some(now);
            }
        }
        reads
    }

    #[test]
    fn a_decided_review_is_read_after_1_6_and_24_hours_then_daily_then_no_more() {
        let policy = RecheckPolicy::live(false, 7);
        let reads = reads_over(&policy, 10);
        assert_eq!(
            reads,
            [1.0, 6.0, 24.0, 48.0, 72.0, 96.0, 120.0, 144.0, 168.0]
        );
    }

    #[test]
    fn with_webhooks_a_decided_review_is_only_reconciled_daily() {
        let policy = RecheckPolicy::live(true, 7);
        assert_eq!(
            reads_over(&policy, 10),
            [24.0, 48.0, 72.0, 96.0, 120.0, 144.0, 168.0]
        );
    }

    #[test]
    fn open_reviews_are_followed_and_final_ones_never() {
        let policy = RecheckPolicy::live(false, 30);
        let open = Tracked {
            decided_at: None,
            checked_at: None,
            final_rejection: false,
        };
        assert_eq!(
            policy.due(&open, at(0.0)),
            Some(at(0.0)),
            "never read: at once"
        );
        let read = Tracked {
            checked_at: Some(at(0.0)),
            ..open
        };
        assert_eq!(policy.due(&read, at(0.05)), None);
        assert!(
            policy.due(&read, at(300.0 / 3600.0)).is_some(),
            "after 5 minutes"
        );
        let last_a_while_ago = Tracked {
            checked_at: Some(at(-1.0)),
            ..open
        };
        assert!(
            policy.due(&last_a_while_ago, at(0.0)) < policy.due(&read, at(1.0)),
            "the most overdue first"
        );
        let final_no = Tracked {
            decided_at: Some(at(0.0)),
            checked_at: None,
            final_rejection: true,
        };
        assert_eq!(policy.due(&final_no, at(30.0)), None);
    }

    /// 200 decided applicants a day for a month: the reads stay within the
    /// budget of a live kiosk with room to spare.
    #[test]
    fn a_busy_kiosks_reads_fit_its_budget() {
        let policy = RecheckPolicy::live(false, 30);
        let per_review_per_day = reads_over(&policy, 30).len() as f64 / 30.0;
        let reviews_followed = 200.0 * 30.0;
        let reads_per_minute = reviews_followed * per_review_per_day / (24.0 * 60.0);
        println!("metric: 200 applicants a day, followed 30 days: {reads_per_minute:.2} reads a minute (budget {})", policy.per_minute);
        assert!(
            reads_per_minute < f64::from(policy.per_minute),
            "{reads_per_minute}"
        );
        assert_eq!(policy.spacing(0.0), Duration::from_secs(10));
        assert_eq!(policy.spacing(1.0), Duration::from_secs(12));
    }

    #[test]
    fn the_budget_counts_the_last_hour_only() {
        let mut used = RecheckUse::default();
        used.read_at(at(0.0));
        used.read_at(at(0.5));
        used.read_at(at(1.2));
        assert_eq!(used.reads_last_hour.len(), 2);
    }
}
