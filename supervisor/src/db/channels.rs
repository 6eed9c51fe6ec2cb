//! SQL for notification channels (config stored as JSON, secrets included).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::notify::channel::{Channel, ChannelKind};
use crate::time::Millis;

const COLUMNS: &str = "id, name, kind, config, enabled, created_at, updated_at";

fn from_row(row: &Row) -> rusqlite::Result<Channel> {
    let config: String = row.get(3)?;
    let kind: String = row.get(2)?;
    Ok(Channel {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: ChannelKind::parse(&kind).unwrap_or(ChannelKind::Webhook),
        config: serde_json::from_str(&config).unwrap_or(Value::Null),
        enabled: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

pub fn insert(
    conn: &Connection,
    name: &str,
    kind: ChannelKind,
    config: &Value,
    enabled: bool,
    now: Millis,
) -> rusqlite::Result<Channel> {
    conn.execute(
        "INSERT INTO channels (name, kind, config, enabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![name, kind.as_str(), config.to_string(), enabled, now],
    )?;
    get(conn, conn.last_insert_rowid()).map(|c| c.expect("just inserted"))
}

pub fn update(conn: &Connection, channel: &Channel, now: Millis) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE channels SET name = ?2, config = ?3, enabled = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            channel.id,
            channel.name,
            channel.config.to_string(),
            channel.enabled,
            now
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Channel>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM channels WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Channel>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM channels ORDER BY id"))?;
    stmt.query_map([], from_row)?.collect()
}

pub fn ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM channels ORDER BY id")?;
    stmt.query_map([], |row| row.get(0))?.collect()
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM channels WHERE id = ?1", [id])? > 0)
}
