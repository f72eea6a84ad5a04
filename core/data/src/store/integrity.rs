//! Rollback protection: the protected tables' integrity tag and the store's write generation.
//!
//! AES-GCM binds each sealed value to its table, column and row, but an older ciphertext of
//! the same cell, or an older plaintext status, still opens. So the tables whose rollback
//! matters carry one tag together: an HMAC-SHA256, under a key derived from the data key,
//! over their canonical content and a generation that every write to them bumps. A cell put
//! back from an older copy no longer matches the tag; a whole older file (rows and tag
//! together) has a generation below the one the host's key store recorded.

use sqlx::SqliteConnection;

use super::error::StoreError;
use crate::crypto::FieldCipher;

/// The rows whose rollback matters: table, columns tagged (`None`: every column, as the
/// schema has them) and which rows. What the customer asked for — consent; queued requests
/// not yet acknowledged; payments whose outcome is unknown — the sync values (preferences,
/// limits, the device id, the cursor) and a card's status (a lock shown at once). A row
/// that leaves the set (a pending request marked acknowledged) or enters it (an
/// acknowledged one made pending again) changes the tag as much as a value does; what stays
/// outside (the history of settled requests and payments) is the bank's to tell, and would
/// make every write cost more as it grows.
const PROTECTED: &[(&str, Option<&[&str]>, &str)] = &[
    ("consent", None, ""),
    ("outbox", None, " WHERE state <> 'acked'"),
    ("payment_attempt", None, " WHERE state = 'sending'"),
    ("sync_state", None, ""),
    ("card", Some(&["id", "status"]), ""),
];

const GENERATION: &str = "generation";
const TAG: &str = "integrity_tag";

/// The canonical content of the protected tables at `generation`: for each table its name,
/// its columns and its rows, each row as SQLite's own `quote()` of every value (an
/// unambiguous literal: text quoted, blobs in hex), rows sorted, each after its length.
async fn content(
    connection: &mut SqliteConnection,
    generation: u64,
) -> Result<Vec<u8>, StoreError> {
    let mut message = b"tingshuo/integrity/v1\0".to_vec();
    message.extend_from_slice(&generation.to_le_bytes());
    for (table, columns, rows) in PROTECTED {
        let columns: Vec<String> = match columns {
            Some(list) => list.iter().map(|c| (*c).to_owned()).collect(),
            None => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&mut *connection)
                    .await?
            }
        };
        if columns.is_empty() {
            // A table an older schema does not have yet (test stores at old versions).
            continue;
        }
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{}\")", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        // Table names and filters come from the fixed list above, column names from the schema.
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {row} FROM {table}{rows} ORDER BY 1"
        )))
        .fetch_all(&mut *connection)
        .await?;
        message.extend_from_slice(table.as_bytes());
        message.push(0);
        message.extend_from_slice(columns.join(",").as_bytes());
        message.push(0);
        message.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        for row in rows {
            message.extend_from_slice(&(row.len() as u64).to_le_bytes());
            message.extend_from_slice(row.as_bytes());
        }
    }
    Ok(message)
}

async fn meta(connection: &mut SqliteConnection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(&mut *connection)
        .await?)
}

async fn put_meta(
    connection: &mut SqliteConnection,
    key: &str,
    value: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// The generation the file records, if it has one.
async fn stored_generation(connection: &mut SqliteConnection) -> Result<Option<u64>, StoreError> {
    match meta(connection, GENERATION).await? {
        None => Ok(None),
        Some(bytes) => <[u8; 8]>::try_from(bytes.as_slice())
            .map(|b| Some(u64::from_le_bytes(b)))
            .map_err(|_| StoreError::IntegrityFailed),
    }
}

/// Inside a write transaction, after its writes: moves the generation on (past `floor`, the
/// one the key store recorded, when given) and tags the protected tables as they now are.
/// Returns the new generation, for the key store once the transaction commits.
pub(crate) async fn bump(
    connection: &mut SqliteConnection,
    cipher: &FieldCipher,
    floor: Option<u64>,
) -> Result<u64, StoreError> {
    let current = stored_generation(connection).await?.unwrap_or(0);
    let generation = current.max(floor.unwrap_or(0)).saturating_add(1);
    let tag = cipher.integrity_tag(&content(connection, generation).await?);
    put_meta(connection, GENERATION, &generation.to_le_bytes()).await?;
    put_meta(connection, TAG, &tag).await?;
    Ok(generation)
}

/// Checks the protected tables against their tag, in one read (call it inside a
/// transaction, so no write lands between the rows and the tag). Returns the generation.
pub(crate) async fn check(
    connection: &mut SqliteConnection,
    cipher: &FieldCipher,
) -> Result<u64, StoreError> {
    let (Some(generation), Some(tag)) = (
        stored_generation(connection).await?,
        meta(connection, TAG).await?,
    ) else {
        return Err(StoreError::IntegrityFailed);
    };
    if cipher.integrity_holds(&content(connection, generation).await?, &tag) {
        Ok(generation)
    } else {
        Err(StoreError::IntegrityFailed)
    }
}
