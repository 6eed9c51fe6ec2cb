//! Dashboard login sessions (random ids set as the `backbeat_session`
//! cookie), kept across restarts.

use rusqlite::{Connection, OptionalExtension, params};

use crate::time::Millis;

pub fn insert(conn: &Connection, id: &str, now: Millis) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (id, created_at) VALUES (?1, ?2)",
        params![id, now],
    )?;
    Ok(())
}

pub fn exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn all(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM sessions")?;
    stmt.query_map([], |row| row.get(0))?.collect()
}
