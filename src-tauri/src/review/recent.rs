//! The applicants this kiosk submitted, kept across restarts for staff: ids,
//! times and review status only — no names, no images, no entered data.
//!
//! The list is one small JSON file in the kiosk's data folder, replaced
//! atomically on every change. A status change after an approval (GREEN, then
//! RED) is flagged so staff see it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::verification::models::{ReviewAnswer, ReviewState, ReviewStatus};

/// How many applicants the list keeps (oldest dropped first).
pub const KEEP: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct RecentApplicant {
    pub applicant_id: String,
    pub external_user_id: String,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub updated_at: String,
    /// The service's review status: `pending`, `queued`, `onHold`, `completed`, …
    pub status: String,
    /// `GREEN` or `RED` once decided.
    pub answer: Option<String>,
    /// `RETRY` or `FINAL` for a RED answer.
    pub reject_type: Option<String>,
    /// Approved earlier, rejected now: staff must act.
    pub turned_red: bool,
    /// Approved at some point, whatever came after (pending, on hold, …):
    /// a rejection after any approval is flagged.
    #[serde(default)]
    pub was_approved: bool,
    /// When the review was decided (RFC 3339): it is then read again on a
    /// decaying schedule only ([`crate::review::recheck`]).
    #[serde(default)]
    pub decided_at: Option<String>,
    /// When the kiosk last read the review.
    #[serde(default)]
    pub checked_at: Option<String>,
}

fn parse_time(t: &Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

impl RecentApplicant {
    /// What the re-read schedule needs. A list from before decisions were
    /// timed takes the last change of a completed review as its decision.
    pub fn tracked(&self) -> crate::review::recheck::Tracked {
        let completed = self.status == ReviewStatus::Completed.to_string();
        crate::review::recheck::Tracked {
            decided_at: if completed {
                parse_time(&self.decided_at).or_else(|| parse_time(&Some(self.updated_at.clone())))
            } else {
                None
            },
            checked_at: parse_time(&self.checked_at),
            final_rejection: self.reject_type.as_deref() == Some("FINAL"),
        }
    }
}

/// Where the list is kept: `KIOSK_DATA_DIR`, else the platform's per-user data folder.
pub fn default_path() -> PathBuf {
    crate::config::data_dir().join("recent-applicants.json")
}

pub struct RecentStore {
    path: PathBuf,
    entries: Mutex<Vec<RecentApplicant>>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl RecentStore {
    /// Opens the list at `path`. A damaged file is set aside (renamed with
    /// `.damaged`) rather than overwritten, and the list starts empty.
    pub fn open(path: &Path) -> Self {
        let entries = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("the recent-applicants list is damaged ({e}); it was set aside");
                let _ = std::fs::rename(path, path.with_extension("json.damaged"));
                Vec::new()
            }),
            Err(_) => Vec::new(),
        };
        Self {
            path: path.to_path_buf(),
            entries: Mutex::new(entries),
        }
    }

    fn save(&self, entries: &[RecentApplicant]) {
        let write = || -> std::io::Result<()> {
            crate::config::write_private(&self.path, &serde_json::to_vec_pretty(entries)?)
        };
        if let Err(e) = write() {
            tracing::warn!("the recent-applicants list could not be saved: {e}");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecentApplicant>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the list is kept; files about it go beside it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Newest first.
    pub fn list(&self) -> Vec<RecentApplicant> {
        let mut v = self.lock().clone();
        v.reverse();
        v
    }

    /// Notes a submission (again, after a retry: the entry is moved to the top).
    pub fn record(&self, applicant_id: &str, external_user_id: &str) {
        let mut entries = self.lock();
        let mut entry = match entries.iter().position(|e| e.applicant_id == applicant_id) {
            Some(i) => entries.remove(i),
            None => RecentApplicant {
                applicant_id: applicant_id.to_owned(),
                external_user_id: external_user_id.to_owned(),
                submitted_at: now(),
                updated_at: now(),
                status: ReviewStatus::Pending.to_string(),
                answer: None,
                reject_type: None,
                turned_red: false,
                was_approved: false,
                decided_at: None,
                checked_at: None,
            },
        };
        entry.decided_at = None;
        entry.updated_at = now();
        entry.status = ReviewStatus::Pending.to_string();
        entries.push(entry);
        let excess = entries.len().saturating_sub(KEEP);
        entries.drain(..excess);
        self.save(&entries);
    }

    /// Applies a review state of a listed applicant; returns the entry when it changed.
    pub fn update(&self, applicant_id: &str, state: &ReviewState) -> Option<RecentApplicant> {
        let mut entries = self.lock();
        let entry = entries
            .iter_mut()
            .find(|e| e.applicant_id == applicant_id)?;
        let status = state.review_status.as_ref()?.to_string();
        let result = state.review_result.clone().unwrap_or_default();
        let answer = result.review_answer.as_ref().map(|a| a.to_string());
        let reject_type = result.review_reject_type.as_ref().map(|r| r.to_string());
        if entry.status == status && entry.answer == answer && entry.reject_type == reject_type {
            return None;
        }
        let was_green = entry.was_approved || entry.answer.as_deref() == Some("GREEN");
        if was_green && result.review_answer == Some(ReviewAnswer::Red) {
            entry.turned_red = true;
        }
        if result.review_answer == Some(ReviewAnswer::Green) {
            entry.was_approved = true;
        }
        entry.decided_at = (status == ReviewStatus::Completed.to_string()).then(now);
        entry.status = status;
        entry.answer = answer;
        entry.reject_type = reject_type;
        entry.updated_at = now();
        let changed = entry.clone();
        self.save(&entries);
        Some(changed)
    }

    /// Whether the list holds this applicant.
    pub fn contains(&self, applicant_id: &str) -> bool {
        self.lock().iter().any(|e| e.applicant_id == applicant_id)
    }

    /// The applicants whose review is due to be read (see
    /// [`crate::review::recheck`]), the most overdue first.
    pub fn due(
        &self,
        policy: &crate::review::recheck::RecheckPolicy,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<String> {
        let mut due: Vec<_> = self
            .lock()
            .iter()
            .filter_map(|e| {
                policy
                    .due(&e.tracked(), now)
                    .map(|d| (d, e.applicant_id.clone()))
            })
            .collect();
        due.sort();
        due.into_iter().map(|(_, id)| id).collect()
    }

    /// Notes that the review was read at `now` (whatever it said).
    pub fn checked(&self, applicant_id: &str, now: chrono::DateTime<chrono::Utc>) {
        let mut entries = self.lock();
        if let Some(e) = entries.iter_mut().find(|e| e.applicant_id == applicant_id) {
            e.checked_at = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            self.save(&entries);
        }
    }

    /// How many are open, decided and still followed, and settled (no longer read).
    pub fn followed(
        &self,
        policy: &crate::review::recheck::RecheckPolicy,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (usize, usize, usize) {
        let (mut open, mut followed, mut settled) = (0, 0, 0);
        for e in self.lock().iter() {
            let t = e.tracked();
            match t.decided_at {
                None if !t.final_rejection => open += 1,
                Some(d)
                    if !t.final_rejection
                        && (now - d).to_std().unwrap_or_default() <= policy.follow_for =>
                {
                    followed += 1
                }
                _ => settled += 1,
            }
        }
        (open, followed, settled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: &str) -> ReviewState {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keeps_ids_and_status_across_restarts_and_flags_green_then_red() {
        let dir_folder = tempfile::Builder::new()
            .prefix("kiosk-recent-")
            .tempdir()
            .expect("a temporary folder");
        let dir = dir_folder.path().to_path_buf();
        let path = dir.join("recent.json");
        let _ = std::fs::remove_dir_all(&dir);
        let store = RecentStore::open(&path);
        store.record("app-1", "kiosk-ext-1");
        let green =
            state(r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}"#);
        assert!(store.update("app-1", &green).is_some());
        assert!(
            store.update("app-1", &green).is_none(),
            "no change, no update"
        );
        assert!(store.update("unknown", &green).is_none());

        let reopened = RecentStore::open(&path);
        assert_eq!(reopened.list()[0].answer.as_deref(), Some("GREEN"));
        let red = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"FINAL"}}"#,
        );
        let changed = reopened.update("app-1", &red).unwrap();
        assert!(changed.turned_red);
        // Whatever the schedule and however late, a final rejection is never read again.
        let every = crate::review::recheck::RecheckPolicy::every(std::time::Duration::from_secs(1));
        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        assert!(
            reopened.due(&every, later).is_empty(),
            "a final rejection is settled"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("kiosk-ext-1") && !text.contains("@"),
            "ids only"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_rejection_after_an_approval_is_flagged_across_states_without_a_result() {
        let dir_folder = tempfile::Builder::new()
            .prefix("kiosk-recent-hold-")
            .tempdir()
            .expect("a temporary folder");
        let dir = dir_folder.path().to_path_buf();
        let path = dir.join("recent.json");
        let _ = std::fs::remove_dir_all(&dir);
        let store = RecentStore::open(&path);
        store.record("app-2", "kiosk-ext-2");
        let green =
            state(r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}"#);
        store.update("app-2", &green).unwrap();
        store
            .update("app-2", &state(r#"{"reviewStatus":"pending"}"#))
            .unwrap();
        // Across a restart, while the review has no result.
        let store = RecentStore::open(&path);
        let held = store
            .update("app-2", &state(r#"{"reviewStatus":"onHold"}"#))
            .unwrap();
        assert_eq!((held.answer, held.turned_red), (None, false));
        let red = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"FINAL"}}"#,
        );
        assert!(store.update("app-2", &red).unwrap().turned_red);
        // A retry rejection followed by an approval is not a later rejection.
        store.record("app-3", "kiosk-ext-3");
        let retry = state(
            r#"{"reviewStatus":"completed","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY"}}"#,
        );
        assert!(!store.update("app-3", &retry).unwrap().turned_red);
        assert!(!store.update("app-3", &green).unwrap().turned_red);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_file_is_set_aside_not_lost() {
        let dir_folder = tempfile::Builder::new()
            .prefix("kiosk-recent-bad-")
            .tempdir()
            .expect("a temporary folder");
        let dir = dir_folder.path().to_path_buf();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("recent.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let store = RecentStore::open(&path);
        assert!(store.list().is_empty());
        assert!(path.with_extension("json.damaged").exists());
        store.record("a", "b");
        assert_eq!(RecentStore::open(&path).list().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keeps_at_most_the_newest_entries() {
        let dir_folder = tempfile::Builder::new()
            .prefix("kiosk-recent-cap-")
            .tempdir()
            .expect("a temporary folder");
        let dir = dir_folder.path().to_path_buf();
        let store = RecentStore::open(&dir.join("recent.json"));
        for i in 0..KEEP + 5 {
            store.record(&format!("a{i}"), "x");
        }
        let list = store.list();
        assert_eq!(list.len(), KEEP);
        assert_eq!(list[0].applicant_id, format!("a{}", KEEP + 4));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
