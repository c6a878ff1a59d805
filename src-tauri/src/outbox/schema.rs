//! The outbox file's tables, and the path from every earlier layout to the
//! current one. The layout's version is SQLite's `user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::{Destination, OutboxError};

/// The layout this kiosk writes. A file with a higher version was written by a
/// newer kiosk: it is left alone, not downgraded.
pub(super) const VERSION: u32 = 2;

/// Version 1: the first layout. Files written before versions were recorded
/// (`user_version` 0) have these tables, with or without some of version 2's
/// columns.
const VERSION_1: &str = "
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

/// Version 2: where each entry goes, and the authentication of its progress.
const VERSION_2_COLUMNS: [(&str, &str); 4] = [
    ("environment", "TEXT"),
    ("base_url", "TEXT"),
    ("account", "TEXT"),
    ("progress_mac", "BLOB"),
];

/// Brings the file to [`VERSION`], one version at a time, each in one
/// transaction with its new version number: a crash mid-way leaves the file
/// at the last finished version. Nothing waiting is touched.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), OutboxError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(OutboxError::Newer {
            found,
            supported: VERSION,
        });
    }
    for version in found + 1..=VERSION {
        let tx = conn.transaction()?;
        match version {
            1 => tx.execute_batch(VERSION_1)?,
            2 => {
                let present = columns(&tx, "entries")?;
                for (name, kind) in VERSION_2_COLUMNS {
                    if !present.iter().any(|p| p == name) {
                        tx.execute_batch(&format!("ALTER TABLE entries ADD COLUMN {name} {kind}"))?;
                    }
                }
            }
            _ => unreachable!("every version up to VERSION has a step"),
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        if found > 0 {
            tracing::info!(
                from = found,
                to = version,
                "the outbox file's layout was updated"
            );
        }
    }
    Ok(())
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare(&format!("PRAGMA table_info({table})"))?
        .query_map([], |r| r.get(1))?
        .collect()
}

/// What waits in the outbox at `path` and for where, read without the key and
/// without changing anything: for a kiosk that does not send (training), so
/// staff still see that live sessions wait. `(count, destination)` pairs.
pub fn waiting_for(path: &Path) -> Result<Vec<(u32, String)>, OutboxError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let has_destination = columns(&conn, "entries")?.iter().any(|c| c == "base_url");
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
