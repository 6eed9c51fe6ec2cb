//! Dashboard login sessions (random ids set as the `backbeat_session`
//! cookie), kept across restarts while the API token stays the same.

use rusqlite::{Connection, params};

use crate::time::Millis;

pub fn insert(
    conn: &Connection,
    id: &str,
    token_fingerprint: &str,
    now: Millis,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (id, created_at, token_fingerprint) VALUES (?1, ?2, ?3)",
        params![id, now, token_fingerprint],
    )?;
    Ok(())
}

/// The sessions issued under the current token; the others are deleted.
pub fn valid(conn: &Connection, token_fingerprint: &str) -> rusqlite::Result<Vec<String>> {
    conn.execute(
        "DELETE FROM sessions WHERE token_fingerprint IS NOT ?1",
        [token_fingerprint],
    )?;
    let mut stmt = conn.prepare("SELECT id FROM sessions")?;
    stmt.query_map([], |row| row.get(0))?.collect()
}
