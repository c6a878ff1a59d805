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

pub mod seal;
mod sender;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use specta::Type;
use zeroize::Zeroizing;

use crate::credentials::{Item, Keychain, KeychainError};
use crate::submission::{upload_order, validate, DocumentImage, Submission};
use crate::verification::models::{DocSide, IdDocType, NewApplicant};

pub use seal::OutboxKey;
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

#[derive(Serialize, Deserialize)]
struct ImageHeader {
    doc_type: String,
    side: Option<String>,
    country: String,
    filename: String,
    content_type: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    queued_at        INTEGER NOT NULL,
    external_user_id TEXT NOT NULL UNIQUE,
    level_name       TEXT NOT NULL,
    applicant        BLOB NOT NULL,
    applicant_id     TEXT,
    check_requested  INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
);
CREATE TABLE IF NOT EXISTS images (
    entry_id INTEGER NOT NULL,
    idx      INTEGER NOT NULL,
    sealed   BLOB NOT NULL,
    image_id TEXT,
    PRIMARY KEY (entry_id, idx)
);
";

/// Columns added since the first version: where each entry goes, and the
/// authentication of its progress.
const ADDED_COLUMNS: [(&str, &str); 4] = [
    ("environment", "TEXT"),
    ("base_url", "TEXT"),
    ("account", "TEXT"),
    ("progress_mac", "BLOB"),
];

const KEY_CHECK_PLACE: &str = "key check";
const KEY_CHECK_TEXT: &[u8] = b"onboard-kiosk outbox";

fn applicant_place(entry: i64) -> String {
    format!("entry {entry} applicant")
}

fn image_place(entry: i64, idx: i64) -> String {
    format!("entry {entry} image {idx}")
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
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit reaches the disk before the sender goes on: a power cut
        // after "sent" never brings back a step that was done.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(SCHEMA)?;
        add_columns(&conn)?;
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

    /// Once, for an outbox made before progress was authenticated: its
    /// entries get their authentication now. Afterwards an entry without one
    /// is damaged (clearing the column cannot make an edited row pass).
    fn authenticate_earlier_entries(&self) -> Result<(), OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let done: Option<Vec<u8>> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'progress_authenticated'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_none() {
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM entries WHERE progress_mac IS NULL")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &ids {
                self.reseal(&tx, *id)?;
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('progress_authenticated', x'01')",
                [],
            )?;
            if !ids.is_empty() {
                tracing::info!(entries = ids.len(), "waiting sessions were authenticated");
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The destination a client with this base URL and app token sends to.
    pub fn destination(&self, base_url: &str, app_token: &str) -> Destination {
        let account = self.key.mac("account", &[app_token.trim().as_bytes()]);
        Destination {
            environment: crate::credentials::Environment::of_token(app_token)
                .as_str()
                .to_owned(),
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            account: hex::encode(&account[..8]),
        }
    }

    /// The authentication of an entry's progress: its plain columns (ids,
    /// destination, what was sent) together with its sealed data.
    fn progress_mac(&self, conn: &Connection, id: i64) -> Result<[u8; 32], OutboxError> {
        use sha2::{Digest, Sha256};
        type Row = (
            String,
            String,
            Vec<u8>,
            Option<String>,
            bool,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Row = conn.query_row(
            "SELECT external_user_id, level_name, applicant, applicant_id, check_requested,
                    environment, base_url, account
             FROM entries WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )?;
        let opt = |v: &Option<String>| match v {
            Some(s) => format!("1{s}"),
            None => "0".to_owned(),
        };
        let mut parts: Vec<Vec<u8>> = vec![
            id.to_le_bytes().to_vec(),
            row.0.into_bytes(),
            row.1.into_bytes(),
            Sha256::digest(&row.2).to_vec(),
            opt(&row.3).into_bytes(),
            vec![u8::from(row.4)],
            opt(&row.5).into_bytes(),
            opt(&row.6).into_bytes(),
            opt(&row.7).into_bytes(),
        ];
        let mut stmt = conn
            .prepare("SELECT idx, sealed, image_id FROM images WHERE entry_id = ?1 ORDER BY idx")?;
        let images = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for image in images {
            let (idx, sealed, image_id) = image?;
            parts.push(idx.to_le_bytes().to_vec());
            parts.push(Sha256::digest(&sealed).to_vec());
            parts.push(opt(&image_id).into_bytes());
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Ok(self.key.mac("progress", &refs))
    }

    /// Records the authentication of the entry's progress as it is now.
    fn reseal(&self, conn: &Connection, id: i64) -> Result<(), OutboxError> {
        let mac = self.progress_mac(conn, id)?;
        conn.execute(
            "UPDATE entries SET progress_mac = ?1 WHERE id = ?2",
            params![mac.to_vec(), id],
        )?;
        Ok(())
    }

    /// Whether the entry's progress is as the kiosk recorded it: an edited row
    /// (another applicant id, a check marked requested, a moved image) fails.
    pub(crate) fn verify(&self, entry: &Entry) -> Result<(), OutboxError> {
        let conn = self.conn();
        let stored: Option<Vec<u8>> = conn.query_row(
            "SELECT progress_mac FROM entries WHERE id = ?1",
            [entry.id],
            |r| r.get(0),
        )?;
        let expected = self.progress_mac(&conn, entry.id)?;
        if stored.as_deref() == Some(expected.as_slice()) {
            Ok(())
        } else {
            tracing::warn!(entry = entry.id, "a waiting session was altered on disk");
            Err(OutboxError::Altered(entry.external_user_id.clone()))
        }
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

    // ----- for the sender: one step, one commit -----

    /// The oldest waiting session after `after` (entry ids only grow).
    pub(crate) fn next_entry(&self, after: i64) -> Result<Option<Entry>, OutboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, external_user_id, level_name, applicant_id, check_requested,
                        environment, base_url, account
                 FROM entries WHERE id > ?1 ORDER BY id LIMIT 1",
                [after],
                |r| {
                    let destination = match (r.get(5)?, r.get(6)?, r.get(7)?) {
                        (Some(environment), Some(base_url), Some(account)) => Some(Destination {
                            environment,
                            base_url,
                            account,
                        }),
                        _ => None,
                    };
                    Ok(Entry {
                        id: r.get(0)?,
                        external_user_id: r.get(1)?,
                        level_name: r.get(2)?,
                        applicant_id: r.get(3)?,
                        check_requested: r.get(4)?,
                        destination,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn applicant(&self, entry: &Entry) -> Result<NewApplicant, OutboxError> {
        let sealed: Vec<u8> = self.conn().query_row(
            "SELECT applicant FROM entries WHERE id = ?1",
            [entry.id],
            |r| r.get(0),
        )?;
        let plain = self
            .key
            .open(&applicant_place(entry.id), &sealed)
            .ok_or_else(|| OutboxError::Damaged(entry.external_user_id.clone()))?;
        serde_json::from_slice(&plain)
            .map_err(|_| OutboxError::Damaged(entry.external_user_id.clone()))
    }

    /// The images of `entry` not uploaded yet, in upload order.
    pub(crate) fn unsent_images(&self, entry: &Entry) -> Result<Vec<i64>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT idx FROM images WHERE entry_id = ?1 AND image_id IS NULL ORDER BY idx",
        )?;
        let rows = stmt.query_map([entry.id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn image(&self, entry: &Entry, idx: i64) -> Result<DocumentImage, OutboxError> {
        let sealed: Vec<u8> = self.conn().query_row(
            "SELECT sealed FROM images WHERE entry_id = ?1 AND idx = ?2",
            params![entry.id, idx],
            |r| r.get(0),
        )?;
        let damaged = || OutboxError::Damaged(entry.external_user_id.clone());
        let plain = self
            .key
            .open(&image_place(entry.id, idx), &sealed)
            .ok_or_else(damaged)?;
        image_from_plain(&plain).ok_or_else(damaged)
    }

    /// One step of progress and its new authentication, in one transaction.
    fn record(
        &self,
        entry: &Entry,
        sql: &str,
        values: impl rusqlite::Params,
    ) -> Result<(), OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(sql, values)?;
        self.reseal(&tx, entry.id)?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn record_applicant(
        &self,
        entry: &Entry,
        applicant_id: &str,
    ) -> Result<(), OutboxError> {
        self.record(
            entry,
            "UPDATE entries SET applicant_id = ?1 WHERE id = ?2",
            params![applicant_id, entry.id],
        )
    }

    pub(crate) fn record_image(
        &self,
        entry: &Entry,
        idx: i64,
        image_id: &str,
    ) -> Result<(), OutboxError> {
        self.record(
            entry,
            "UPDATE images SET image_id = ?1 WHERE entry_id = ?2 AND idx = ?3",
            params![image_id, entry.id, idx],
        )
    }

    pub(crate) fn record_check_requested(&self, entry: &Entry) -> Result<(), OutboxError> {
        self.record(
            entry,
            "UPDATE entries SET check_requested = 1 WHERE id = ?1",
            [entry.id],
        )
    }

    /// A session queued before destinations were recorded goes to the first
    /// live service and account that sends it, and stays bound to them.
    pub(crate) fn record_destination(
        &self,
        entry: &Entry,
        to: &Destination,
    ) -> Result<(), OutboxError> {
        self.record(
            entry,
            "UPDATE entries SET environment = ?1, base_url = ?2, account = ?3 WHERE id = ?4",
            params![to.environment, to.base_url, to.account, entry.id],
        )
    }

    /// A sending attempt failed at this entry.
    pub(crate) fn record_failure(&self, entry: &Entry, error: &str) -> Result<(), OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE entries SET attempts = attempts + 1, last_error = ?1 WHERE id = ?2",
            params![error, entry.id],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_error', ?1)",
            [error.as_bytes()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn record_attempt(&self, clears_error: bool) -> Result<(), OutboxError> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_attempt_at', ?1)",
            [rfc3339(now_secs()).as_bytes()],
        )?;
        if clears_error {
            conn.execute("DELETE FROM meta WHERE key = 'last_error'", [])?;
        }
        Ok(())
    }

    /// The session went out: its images and personal data go, in one transaction.
    pub(crate) fn finish(&self, entry: &Entry) -> Result<(), OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM images WHERE entry_id = ?1", [entry.id])?;
        tx.execute("DELETE FROM entries WHERE id = ?1", [entry.id])?;
        tx.commit()?;
        Ok(())
    }
}

fn add_columns(conn: &Connection) -> Result<(), OutboxError> {
    let present: Vec<String> = conn
        .prepare("PRAGMA table_info(entries)")?
        .query_map([], |r| r.get(1))?
        .collect::<Result<_, _>>()?;
    for (name, kind) in ADDED_COLUMNS {
        if !present.iter().any(|p| p == name) {
            conn.execute_batch(&format!("ALTER TABLE entries ADD COLUMN {name} {kind}"))?;
        }
    }
    Ok(())
}

/// What waits in the outbox at `path` and for where, read without the key and
/// without changing anything: for a kiosk that does not send (training), so
/// staff still see that live sessions wait. `(count, destination)` pairs.
pub fn waiting_for(path: &Path) -> Result<Vec<(u32, String)>, OutboxError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let has_destination = conn
        .prepare("PRAGMA table_info(entries)")?
        .query_map([], |r| r.get::<_, String>(1))?
        .filter_map(Result::ok)
        .any(|c| c == "base_url");
    let sql = if has_destination {
        "SELECT COUNT(*), environment, base_url, account FROM entries
         GROUP BY environment, base_url, account"
    } else {
        "SELECT COUNT(*), NULL, NULL, NULL FROM entries HAVING COUNT(*) > 0"
    };
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        let count: u32 = r.get(0)?;
        let place = match (
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ) {
            (Some(environment), Some(base_url), Some(account)) => Destination {
                environment,
                base_url,
                account,
            }
            .to_string(),
            _ => "the live service".to_owned(),
        };
        Ok((count, place))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// header length (4 bytes, little endian) ‖ header JSON ‖ image bytes.
fn image_plain(img: &DocumentImage) -> Result<Zeroizing<Vec<u8>>, OutboxError> {
    let header = serde_json::to_vec(&ImageHeader {
        doc_type: img.doc_type.to_string(),
        side: img.side.as_ref().map(|s| s.to_string()),
        country: img.country.clone(),
        filename: img.filename.clone(),
        content_type: img.content_type.clone(),
    })
    .map_err(|e| OutboxError::Invalid(e.to_string()))?;
    let mut out = Zeroizing::new(Vec::with_capacity(4 + header.len() + img.bytes.len()));
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&img.bytes);
    Ok(out)
}

fn image_from_plain(plain: &[u8]) -> Option<DocumentImage> {
    let len = u32::from_le_bytes(plain.get(..4)?.try_into().ok()?) as usize;
    let header: ImageHeader = serde_json::from_slice(plain.get(4..4 + len)?).ok()?;
    Some(DocumentImage {
        doc_type: IdDocType::from(header.doc_type.as_str()),
        side: header.side.as_deref().map(DocSide::from),
        country: header.country,
        filename: header.filename,
        content_type: header.content_type,
        bytes: plain.get(4 + len..)?.to_vec(),
    })
}

#[cfg(test)]
mod tests;
