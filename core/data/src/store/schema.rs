//! Numbered migrations, tracked by `PRAGMA user_version`; the meta table; user-intent salvage.

use std::path::Path;

use sqlx::sqlite::SqlitePool;
use sqlx::{Sqlite, Transaction};

use super::error::StoreError;

/// Migrations in order; migration `n` (1-based) brings the schema to version `n`.
/// Never edit a released migration: add the next number.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_consent.sql"),
    include_str!("../../migrations/0003_sync.sql"),
    include_str!("../../migrations/0004_outbox_actions.sql"),
    include_str!("../../migrations/0005_bind_sealed_values.sql"),
];

pub const LATEST_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Tables that hold what the customer asked for, with the columns carried across a rebuild.
/// Sealed columns are left out: they were sealed under the old data key. A payment attempt
/// keeps its idempotency key, so its outcome can still be reconciled with the bank.
const USER_INTENT: &[(&str, &str)] = &[
    ("consent", "purpose, granted, decided_at, wording_version"),
    (
        "outbox",
        "seq, idempotency_key, priority, kind, target_id, payload, echo_previous, state, \
         attempts, next_attempt_at, last_error, created_at, finished_at",
    ),
    (
        "payment_attempt",
        "idempotency_key, state, payment_id, reason, created_at, updated_at",
    ),
];

pub(crate) async fn user_version(pool: &SqlitePool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(pool)
        .await?)
}

/// Applies every migration above the file's version, each in its own transaction together
/// with the version bump, so a crash leaves the file at a whole version.
pub(crate) async fn upgrade(pool: &SqlitePool) -> Result<(), StoreError> {
    upgrade_to(pool, LATEST_SCHEMA_VERSION).await
}

pub(crate) async fn upgrade_to(pool: &SqlitePool, target: i64) -> Result<(), StoreError> {
    let found = user_version(pool).await?;
    if found > LATEST_SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: LATEST_SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version =
            i64::try_from(index).map_err(|_| StoreError::InvalidInput("migration count"))? + 1;
        if version <= found || version > target {
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(*migration).execute(&mut *tx).await?;
        // PRAGMA takes no bound parameters; `version` is an integer we computed.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {version}"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version, "store schema upgraded");
    }
    Ok(())
}

pub(crate) async fn meta_get(pool: &SqlitePool, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn meta_put(
    tx: &mut Transaction<'_, Sqlite>,
    key: &str,
    value: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// True when any table holds sealed data (so a missing data key means damage, not a new file).
pub(crate) async fn holds_sealed_rows(pool: &SqlitePool) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM customer) + (SELECT count(*) FROM account)
              + (SELECT count(*) FROM payee) + (SELECT count(*) FROM biller)",
    )
    .fetch_one(pool)
    .await?;
    Ok(count > 0)
}

/// Copies the user-intent tables of a damaged (quarantined) store into the new one.
/// Returns how many rows were carried over, or `None` when the old file cannot be read.
/// A file that predates a table simply has no rows for it.
pub(crate) async fn carry_over_user_intent(
    pool: &SqlitePool,
    old: &Path,
) -> Result<Option<usize>, StoreError> {
    let mut connection = pool.acquire().await?;
    let attached = sqlx::query("ATTACH DATABASE ? AS old")
        .bind(old.to_string_lossy().into_owned())
        .execute(&mut *connection)
        .await;
    if attached.is_err() {
        return Ok(None);
    }
    let copied = async {
        let mut rows = 0_usize;
        for (table, columns) in USER_INTENT {
            let exists: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM old.sqlite_master WHERE type = 'table' AND name = ?",
            )
            .bind(table)
            .fetch_one(&mut *connection)
            .await?;
            if exists == 0 {
                continue;
            }
            // Table and column names come from the fixed list above.
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT OR IGNORE INTO main.{table} ({columns}) SELECT {columns} FROM old.{table}"
            )))
            .execute(&mut *connection)
            .await?;
            rows += usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
        }
        Ok::<usize, sqlx::Error>(rows)
    }
    .await;
    let _ = sqlx::query("DETACH DATABASE old")
        .execute(&mut *connection)
        .await;
    Ok(copied.ok())
}
