//! Numbered migrations, tracked by `PRAGMA user_version`; the meta table; user-intent salvage.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{Connection, Sqlite, SqliteConnection, Transaction};

use super::StoreError;

/// Migrations in order; migration `n` (1-based) brings the schema to version `n`.
/// Never edit a released migration: add the next number.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_consent.sql"),
];

pub const LATEST_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Tables that hold what the customer asked for: carried across a rebuild, never dropped.
const USER_INTENT_TABLES: &[&str] = &["consent"];

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

/// User-intent rows read from a damaged file, to carry into the rebuilt store.
#[derive(Debug, Default)]
pub(crate) struct SalvagedRows {
    consent: Vec<(String, i64, i64, i64)>,
}

/// Reads the user-intent tables of a damaged store, read-only; `None` when the file cannot be
/// read at all. A file that simply predates a table yields no rows for it.
pub(crate) async fn salvage_user_intent(path: &Path) -> Option<SalvagedRows> {
    debug_assert_eq!(USER_INTENT_TABLES, ["consent"]);
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut connection = SqliteConnection::connect_with(&options).await.ok()?;
    let has_consent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'consent'",
    )
    .fetch_one(&mut connection)
    .await
    .ok()?;
    let mut rows = SalvagedRows::default();
    if has_consent > 0 {
        rows.consent =
            sqlx::query_as("SELECT purpose, granted, decided_at, wording_version FROM consent")
                .fetch_all(&mut connection)
                .await
                .ok()?;
    }
    let _ = connection.close().await;
    Some(rows)
}

pub(crate) async fn restore_user_intent(
    pool: &SqlitePool,
    rows: &SalvagedRows,
) -> Result<usize, StoreError> {
    let mut tx = pool.begin().await?;
    for (purpose, granted, decided_at, wording_version) in &rows.consent {
        sqlx::query(
            "INSERT OR REPLACE INTO consent (purpose, granted, decided_at, wording_version) VALUES (?, ?, ?, ?)",
        )
        .bind(purpose)
        .bind(granted)
        .bind(decided_at)
        .bind(wording_version)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.consent.len())
}
