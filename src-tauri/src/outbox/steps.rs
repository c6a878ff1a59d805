//! What the sender reads and records: one step, one commit, and with every
//! step the authentication of the entry's progress, so an entry edited on disk
//! is refused rather than sent.

use rusqlite::{params, Connection, OptionalExtension};

use super::sealed::{applicant_place, image_from_plain, image_place};
use super::{now_secs, rfc3339, Destination, Entry, Outbox, OutboxError};
use crate::submission::DocumentImage;
use crate::verification::models::NewApplicant;

impl Outbox {
    /// Once, for an outbox made before progress was authenticated: its
    /// entries get their authentication now. Afterwards an entry without one
    /// is damaged (clearing the column cannot make an edited row pass).
    pub(super) fn authenticate_earlier_entries(&self) -> Result<(), OutboxError> {
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
    pub(super) fn reseal(&self, conn: &Connection, id: i64) -> Result<(), OutboxError> {
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
