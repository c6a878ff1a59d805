//! The outbox: finished sessions that could not be sent yet (no network, or a
//! field kiosk set to queue first), kept on disk until the service takes them.
//!
//! - One SQLite file in the data folder. A session goes in with one
//!   transaction: all of it or nothing.
//! - The applicant's data and every image are sealed with XChaCha20-Poly1305
//!   under a key kept in the system keychain (see [`seal`]); the file holds no
//!   readable personal data. What stays readable is what sending needs to
//!   order and resume the work: the kiosk's reference for the applicant, the
//!   service's ids, times, and the last error.
//! - The sender ([`drain`]) records each step's result before the next one, so
//!   a crash anywhere resumes without repeating a finished step; a step whose
//!   answer was lost is recognised by the service (an existing applicant, a
//!   duplicate image, a check already requested).
//! - A sent session's images and personal data are deleted (SQLite's
//!   `secure_delete` overwrites the freed pages). Sessions waiting longer than
//!   the retention period are deleted unsent, with a notice staff see.

mod schema;
pub mod seal;
mod sealed;
mod sender;
mod steps;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use specta::Type;
use zeroize::Zeroizing;

use crate::credentials::{Item, Keychain, KeychainError};
use crate::submission::{upload_order, validate, Submission};

pub use schema::waiting_for;
pub use seal::OutboxKey;
use sealed::{applicant_place, image_place, image_plain, KEY_CHECK_PLACE, KEY_CHECK_TEXT};
pub use sender::{drain, Drained, Sent};

pub const FILE_NAME: &str = "outbox.sqlite3";

pub use crate::config::DEFAULT_RETENTION_DAYS;

/// `outbox.sqlite3` in the kiosk's data folder.
pub fn default_path() -> PathBuf {
    crate::config::data_dir().join(FILE_NAME)
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("the outbox key is missing from the system keychain, so the {waiting} session(s) waiting in {path} cannot be read. Nothing was deleted: restore the keychain entry 'outbox-key' and try again")]
    KeyMissing { waiting: u32, path: String },
    #[error("the outbox key in the system keychain does not open {path} (it belongs to another outbox). Nothing was deleted: restore the keychain entry 'outbox-key' this outbox was made with")]
    WrongKey { path: String },
    #[error("{0}")]
    Keychain(#[from] KeychainError),
    #[error("the outbox cannot be used: {0}")]
    Store(String),
    #[error("a session with the reference {0} is waiting in the outbox already")]
    AlreadyQueued(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the outbox file was written by a newer version of the kiosk (layout {found}; this one reads up to {supported}). Nothing was changed: update the kiosk")]
    Newer { found: u32, supported: u32 },
    /// One entry cannot be opened (altered on disk); the others are unaffected.
    #[error("the waiting session {0} is damaged and cannot be read; it is kept for support")]
    Damaged(String),
    /// One entry's progress was changed outside the kiosk; it is not sent.
    #[error("the waiting session {0} was altered outside the kiosk (its progress does not match what was recorded); it is not sent and is kept for support")]
    Altered(String),
}

impl From<rusqlite::Error> for OutboxError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.to_string())
    }
}

/// Where the outbox key is kept. The system keychain in the kiosk; unit tests
/// of callers may hand in their own.
pub trait KeyStore {
    fn get(&self) -> Result<Option<Zeroizing<String>>, KeychainError>;
    fn put(&self, hex: &str) -> Result<(), KeychainError>;
}

impl KeyStore for Keychain {
    fn get(&self) -> Result<Option<Zeroizing<String>>, KeychainError> {
        Ok(Keychain::get(self, Item::OutboxKey)?.map(|s| Zeroizing::new(s.expose().clone())))
    }
    fn put(&self, hex: &str) -> Result<(), KeychainError> {
        self.set(Item::OutboxKey, hex)
    }
}

/// Where an entry goes and for which account. Recorded when the session is
/// queued; the sender refuses to send it anywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// `sandbox` or `production`, from the app token.
    pub environment: String,
    pub base_url: String,
    /// A keyed hash of the app token under the outbox key (never the token).
    pub account: String,
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {} (account {})",
            self.environment, self.base_url, self.account
        )
    }
}

impl Destination {
    /// What differs from `other`, in words: the service, the environment or the account.
    pub fn mismatch(&self, other: &Destination) -> Option<String> {
        let mut differs = Vec::new();
        if self.base_url != other.base_url {
            differs.push(format!(
                "the service ({} here, {} now)",
                self.base_url, other.base_url
            ));
        }
        if self.environment != other.environment {
            differs.push(format!(
                "the environment ({} here, {} now)",
                self.environment, other.environment
            ));
        }
        if self.account != other.account {
            differs.push(format!(
                "the account ({} here, {} now)",
                self.account, other.account
            ));
        }
        (!differs.is_empty()).then(|| differs.join(", "))
    }
}

/// A finished session to keep until it can be sent.
pub struct QueuedSession<'a> {
    pub submission: &'a Submission,
    /// The applicant, when it was created before the connection went.
    pub applicant_id: Option<String>,
    /// Per image of the submission: the service's id when it was uploaded already.
    pub image_ids: Vec<Option<String>>,
    /// The service and account it is for (see [`Outbox::destination`]).
    pub destination: Destination,
}

/// A purge of sessions that waited too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PurgeNotice {
    pub count: u32,
    /// RFC 3339, UTC.
    pub at: String,
    pub retention_days: u32,
}

/// One waiting session, without its personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct EntryView {
    pub external_user_id: String,
    pub queued_at: String,
    pub applicant_created: bool,
    pub images: u32,
    pub images_sent: u32,
    pub check_requested: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// What staff see about the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OutboxStatus {
    pub waiting: u32,
    pub oldest_queued_at: Option<String>,
    pub oldest_age_secs: Option<u32>,
    /// The last sending attempt's error, until a later attempt gets through.
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    pub purged: Option<PurgeNotice>,
    pub retention_days: u32,
    pub entries: Vec<EntryView>,
}

/// A waiting session as the sender sees it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: i64,
    pub external_user_id: String,
    pub level_name: String,
    pub applicant_id: Option<String>,
    pub check_requested: bool,
    /// `None` for a session queued before destinations were recorded.
    pub destination: Option<Destination>,
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub struct Outbox {
    path: PathBuf,
    conn: Mutex<Connection>,
    key: OutboxKey,
    retention: Duration,
    /// One drain at a time in this process.
    pub(crate) sending: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Outbox({})", self.path.display())
    }
}

impl Outbox {
    /// Opens (or creates) the outbox at `path` with the key from `keys`. A new
    /// key is made only when nothing waits that an old key would be needed for.
    pub fn open(
        path: &Path,
        keys: &dyn KeyStore,
        retention_days: u32,
    ) -> Result<Self, OutboxError> {
        if let Some(dir) = path.parent() {
            crate::config::create_private_dir(dir)
                .map_err(|e| OutboxError::Store(format!("{}: {e}", dir.display())))?;
        }
        // Created owner-only before SQLite opens it; SQLite gives the WAL and
        // its index the database file's permissions.
        let mut create = std::fs::OpenOptions::new();
        create.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            create.mode(0o600);
        }
        create
            .open(path)
            .map_err(|e| OutboxError::Store(format!("{}: {e}", path.display())))?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit reaches the disk before the sender goes on: a power cut
        // after "sent" never brings back a step that was done.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        schema::migrate(&mut conn)?;
        let shown = path.display().to_string();
        let check: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let waiting: u32 = conn.query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))?;
        let key = match keys.get()? {
            Some(hex) => OutboxKey::from_hex(&hex).ok_or_else(|| OutboxError::WrongKey {
                path: shown.clone(),
            })?,
            None if check.is_some() && waiting > 0 => {
                return Err(OutboxError::KeyMissing {
                    waiting,
                    path: shown,
                })
            }
            None => {
                let key = OutboxKey::generate();
                keys.put(&key.to_hex())?;
                tracing::info!("a new outbox key was stored in the system keychain");
                key
            }
        };
        match check {
            Some(c) if key.open(KEY_CHECK_PLACE, &c).is_some() => {}
            Some(_) if waiting > 0 => return Err(OutboxError::WrongKey { path: shown }),
            _ => {
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('key_check', ?1)",
                    params![key.seal(KEY_CHECK_PLACE, KEY_CHECK_TEXT)],
                )?;
            }
        }
        let outbox = Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            key,
            retention: Duration::from_secs(u64::from(retention_days) * 86_400),
            sending: tokio::sync::Mutex::new(()),
        };
        outbox.authenticate_earlier_entries()?;
        Ok(outbox)
    }

    /// Opens the outbox at the default place with the key in the system keychain.
    pub fn open_default(keychain: &Keychain, retention_days: u32) -> Result<Self, OutboxError> {
        Self::open(&default_path(), keychain, retention_days)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn retention_days(&self) -> u32 {
        (self.retention.as_secs() / 86_400) as u32
    }

    /// Keeps a finished session until it is sent: all of it, in one transaction, or nothing.
    pub fn enqueue(&self, session: &QueuedSession<'_>) -> Result<(), OutboxError> {
        let submission = session.submission;
        validate(submission).map_err(|e| OutboxError::Invalid(e.to_string()))?;
        if session.image_ids.len() != submission.images.len() {
            return Err(OutboxError::Invalid(
                "every image needs its upload state".into(),
            ));
        }
        let applicant = Zeroizing::new(
            serde_json::to_vec(&submission.applicant)
                .map_err(|e| OutboxError::Invalid(e.to_string()))?,
        );
        let external = &submission.applicant.external_user_id;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO entries (queued_at, external_user_id, level_name, applicant, applicant_id,
                                  environment, base_url, account)
             VALUES (?1, ?2, ?3, x'', ?4, ?5, ?6, ?7)",
            params![
                now_secs(),
                external,
                submission.level_name,
                session.applicant_id,
                session.destination.environment,
                session.destination.base_url,
                session.destination.account,
            ],
        );
        if let Err(rusqlite::Error::SqliteFailure(f, _)) = &inserted {
            if f.code == rusqlite::ErrorCode::ConstraintViolation {
                return Err(OutboxError::AlreadyQueued(external.clone()));
            }
        }
        inserted?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE entries SET applicant = ?1 WHERE id = ?2",
            params![self.key.seal(&applicant_place(id), &applicant), id],
        )?;
        for (n, i) in upload_order(&submission.images).into_iter().enumerate() {
            let idx = n as i64;
            let plain = image_plain(&submission.images[i])?;
            tx.execute(
                "INSERT INTO images (entry_id, idx, sealed, image_id) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id,
                    idx,
                    self.key.seal(&image_place(id, idx), &plain),
                    session.image_ids[i]
                ],
            )?;
        }
        self.reseal(&tx, id)?;
        tx.commit()?;
        tracing::info!(
            images = submission.images.len(),
            "a session was put in the outbox"
        );
        Ok(())
    }

    /// Deletes sessions older than the retention period, unsent; returns how many.
    pub fn purge_expired(&self) -> Result<u32, OutboxError> {
        let cutoff = now_secs() - self.retention.as_secs() as i64;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM images WHERE entry_id IN (SELECT id FROM entries WHERE queued_at < ?1)",
            params![cutoff],
        )?;
        let count = tx.execute("DELETE FROM entries WHERE queued_at < ?1", params![cutoff])? as u32;
        if count > 0 {
            let notice = PurgeNotice {
                count,
                at: rfc3339(now_secs()),
                retention_days: self.retention_days(),
            };
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('purged', ?1)",
                params![serde_json::to_vec(&notice).unwrap_or_default()],
            )?;
            tracing::warn!(
                count,
                retention_days = notice.retention_days,
                "sessions waited longer than the retention period and were deleted unsent"
            );
        }
        tx.commit()?;
        Ok(count)
    }

    /// How many sessions wait, without reading them.
    pub fn waiting(&self) -> Result<u32, OutboxError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))?)
    }

    pub fn status(&self) -> Result<OutboxStatus, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT e.external_user_id, e.queued_at, e.applicant_id IS NOT NULL, e.check_requested,
                    e.attempts, e.last_error,
                    (SELECT COUNT(*) FROM images i WHERE i.entry_id = e.id),
                    (SELECT COUNT(*) FROM images i WHERE i.entry_id = e.id AND i.image_id IS NOT NULL)
             FROM entries e ORDER BY e.id",
        )?;
        let mut oldest: Option<i64> = None;
        let entries = stmt
            .query_map([], |r| {
                let queued: i64 = r.get(1)?;
                Ok((
                    queued,
                    EntryView {
                        external_user_id: r.get(0)?,
                        queued_at: rfc3339(queued),
                        applicant_created: r.get(2)?,
                        check_requested: r.get(3)?,
                        attempts: r.get(4)?,
                        last_error: r.get(5)?,
                        images: r.get(6)?,
                        images_sent: r.get(7)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(queued, view)| {
                oldest = Some(oldest.map_or(queued, |o: i64| o.min(queued)));
                view
            })
            .collect::<Vec<_>>();
        let meta = |key: &str| -> Result<Option<Vec<u8>>, rusqlite::Error> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        };
        let text = |v: Option<Vec<u8>>| v.map(|b| String::from_utf8_lossy(&b).into_owned());
        Ok(OutboxStatus {
            waiting: entries.len() as u32,
            oldest_queued_at: oldest.map(rfc3339),
            oldest_age_secs: oldest.map(|o| (now_secs() - o).clamp(0, u32::MAX as i64) as u32),
            last_error: text(meta("last_error")?),
            last_attempt_at: text(meta("last_attempt_at")?),
            purged: meta("purged")?.and_then(|b| serde_json::from_slice(&b).ok()),
            retention_days: self.retention_days(),
            entries,
        })
    }
}

#[cfg(test)]
mod tests;
