//! Numbered migrations, tracked by `PRAGMA user_version`; the meta table; user-intent salvage.

use std::path::Path;

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Sqlite, Transaction};

use super::error::StoreError;
use crate::crypto::{FieldCipher, SealedColumn};

/// Migrations in order; migration `n` (1-based) brings the schema to version `n`.
/// Never edit a released migration: add the next number.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_consent.sql"),
    include_str!("../../migrations/0003_sync.sql"),
    include_str!("../../migrations/0004_outbox_actions.sql"),
    include_str!("../../migrations/0005_bind_sealed_values.sql"),
    include_str!("../../migrations/0006_seal_habits_and_places.sql"),
    include_str!("../../migrations/0007_patches_waiting_for_parents.sql"),
    include_str!("../../migrations/0008_minimum_necessary.sql"),
];

/// The version from which the protected tables carry an integrity tag and sync values and
/// outbox payloads are sealed; a file upgraded from below it gets both when it opens.
pub(crate) const INTEGRITY_SINCE: i64 = 6;

pub const LATEST_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Tables that hold what the customer asked for, with the columns carried across a rebuild.
/// Sealed columns are left out here: they were sealed under the old data key, and follow
/// only while that key still opens them (`salvage::carry_sealed_intent`). A payment attempt keeps
/// its idempotency key, so its outcome can still be reconciled with the bank. An outbox
/// payload from a file older than sealed payloads comes as plaintext (into `legacy_payload`,
/// sealed by the new store); a request whose payload could not follow (a preference change)
/// is dropped after ([`drop_unsendable_requests`]), since it could never be sent.
const USER_INTENT: &[(&str, &str, &str)] = &[
    (
        "consent",
        "purpose, granted, decided_at, wording_version",
        "",
    ),
    (
        "outbox",
        "seq, idempotency_key, priority, kind, target_id, legacy_payload, echo_previous, \
         state, attempts, next_attempt_at, last_error, created_at, finished_at",
        "seq, idempotency_key, priority, kind, target_id, \
         CASE WHEN typeof(payload) = 'text' THEN payload END, echo_previous, \
         state, attempts, next_attempt_at, last_error, created_at, finished_at",
    ),
    (
        "payment_attempt",
        "idempotency_key, state, payment_id, reason, created_at, updated_at",
        "",
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
        let mut tx = begin_write(pool).await?;
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

pub(crate) async fn meta_get<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    key: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(executor)
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
///
/// When the old file failed its integrity check (`trusted` false), its rows may be older
/// than what the customer last decided, so nothing is taken on its word: consent is not
/// carried (the customer is asked again), every payment attempt is carried as unresolved
/// (reconciled with the bank by its key), and queued requests keep their idempotency keys
/// (the bank applies a key once, so an old request sent again changes nothing).
///
/// Runs inside the caller's transaction, on a connection where the old file is attached as
/// `old` ([`attach_old`]), under a savepoint: a copy that fails midway carries nothing, and
/// the rest of the rebuild goes on.
pub(crate) async fn carry_over_user_intent(
    tx: &mut Transaction<'_, Sqlite>,
    trusted: bool,
) -> Result<Option<usize>, StoreError> {
    let mut savepoint = sqlx::Connection::begin(&mut **tx).await?;
    let connection = &mut *savepoint;
    let copied = async {
        let mut rows = 0_usize;
        for (table, columns, selected) in USER_INTENT {
            if !trusted && *table == "consent" {
                continue;
            }
            let selected = if selected.is_empty() {
                columns
            } else {
                selected
            };
            let exists: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM old.sqlite_master WHERE type = 'table' AND name = ?",
            )
            .bind(table)
            .fetch_one(&mut *connection)
            .await?;
            if exists == 0 {
                continue;
            }
            // Table and column names come from the fixed list above; rows in the order they
            // were written (payment attempts are read in that order).
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT OR IGNORE INTO main.{table} ({columns}) SELECT {selected} FROM old.{table} \
                 ORDER BY rowid"
            )))
            .execute(&mut *connection)
            .await?;
            rows += usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
        }
        if !trusted {
            sqlx::query("UPDATE main.payment_attempt SET state = 'sending'")
                .execute(&mut *connection)
                .await?;
        }
        Ok::<usize, sqlx::Error>(rows)
    }
    .await;
    match copied {
        Ok(rows) => {
            savepoint.commit().await?;
            Ok(Some(rows))
        }
        Err(_) => {
            savepoint.rollback().await?;
            Ok(None)
        }
    }
}

/// Attaches the quarantined file at `old` to `connection` as `old`, read-only (the carry
/// never writes into the copy kept for support); false when it cannot be.
pub(crate) async fn attach_old(connection: &mut SqliteConnection, old: &Path) -> bool {
    sqlx::query("ATTACH DATABASE ? AS old")
        .bind(read_only_uri(old))
        .execute(connection)
        .await
        .is_ok()
}

/// A `file:` URI opening `path` read-only. The characters a URI gives a meaning of its own
/// are escaped, so any file name is read as written.
fn read_only_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    // A Windows path is written with forward slashes after `file:///` ("file:///C:/…").
    #[cfg(windows)]
    let text = format!("/{}", text.replace('\\', "/"));
    let mut uri = String::from("file:");
    for character in text.chars() {
        match character {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            '#' => uri.push_str("%23"),
            other => uri.push(other),
        }
    }
    uri.push_str("?mode=ro");
    uri
}

/// Drops carried requests that could never be sent: a preference change whose payload did
/// not follow, and an unlock whose step-up proof did not (sent bare, the bank would refuse it
/// — or, had it taken the proved one under that key, answer as if it were another request).
/// Returns how many.
pub(crate) async fn drop_unsendable_requests(
    tx: &mut Transaction<'_, Sqlite>,
) -> Result<usize, StoreError> {
    let done = sqlx::query(
        "DELETE FROM outbox
         WHERE payload IS NULL AND legacy_payload IS NULL
           AND (kind = 'set_preferences' OR (kind = 'unlock_card' AND state = 'pending'))",
    )
    .execute(&mut **tx)
    .await?;
    Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
}

/// Seals what an upgrade from before [`INTEGRITY_SINCE`] (or a rebuild carrying an older
/// file's outbox) left in plaintext: sync values move from `legacy_sync_state` into
/// `sync_state`, outbox payloads from `legacy_payload` into `payload`. User intent, so it is
/// sealed in place, never dropped. Runs inside the caller's transaction.
pub(crate) async fn seal_legacy_plaintext(
    tx: &mut Transaction<'_, Sqlite>,
    cipher: &FieldCipher,
) -> Result<(), StoreError> {
    let values: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM legacy_sync_state")
        .fetch_all(&mut **tx)
        .await?;
    for (key, value) in &values {
        sqlx::query(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(cipher.seal_str(SealedColumn::SyncValue, key, value)?)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("DELETE FROM legacy_sync_state")
        .execute(&mut **tx)
        .await?;
    let payloads: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT idempotency_key, kind, target_id, legacy_payload FROM outbox
         WHERE legacy_payload IS NOT NULL",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (key, kind, target, payload) in &payloads {
        let column = SealedColumn::OutboxPayload;
        sqlx::query(
            "UPDATE outbox SET payload = ?, legacy_payload = NULL WHERE idempotency_key = ?",
        )
        .bind(cipher.seal_str(column, &column.row(key, &[kind, target]), payload)?)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    }
    if !values.is_empty() || !payloads.is_empty() {
        tracing::info!(
            sync_values = values.len(),
            payloads = payloads.len(),
            "plaintext user intent sealed in place"
        );
    }
    Ok(())
}

/// Begins a transaction that writes. `BEGIN IMMEDIATE` takes the write lock first, waiting
/// for it under the busy timeout: a deferred transaction that reads before it writes fails at
/// its first write, at once and without waiting, when another connection committed since its
/// read (its snapshot cannot become a writer) — a card lock queued during a sync page's write
/// would fail.
pub(crate) async fn begin_write(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
