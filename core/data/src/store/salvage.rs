//! Salvage at a rebuild: what the customer asked for, carried from the quarantined file into
//! the new store — its rows, and its sealed values while the old data key opens them.

use std::path::Path;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Sqlite, Transaction};
use zeroize::Zeroizing;

use super::read::sealed_values;
use super::schema;
use super::sync::keys;
use super::{Store, StoreError};
use crate::crypto::{FieldCipher, KeyStore, SealedColumn};

impl Store {
    /// Carries the user intent of the quarantined file into this new store: its rows, their
    /// sealed values and the store's integrity tag in one transaction, so a rebuild cut off
    /// midway (the app killed) leaves a new store with none of it rather than rows the tag
    /// does not cover — which the next open would take for damage and rebuild again, from
    /// this file instead of the quarantined one.
    pub(super) async fn carry_from(
        &self,
        key_store: &dyn KeyStore,
        trusted: bool,
        quarantined: &Path,
    ) -> Result<(usize, bool), StoreError> {
        // The quarantined file is attached to one connection, outside any transaction (SQLite
        // attaches only there), and the whole carry runs on it.
        let mut connection = self.pool.acquire().await?;
        let attached = schema::attach_old(&mut connection, quarantined).await;
        let carried = self
            .carry_on(&mut connection, attached, trusted, key_store, quarantined)
            .await;
        if attached
            && sqlx::query("DETACH DATABASE old")
                .execute(&mut *connection)
                .await
                .is_err()
        {
            // Not back in the pool with the old file still attached.
            connection.close_on_drop();
        }
        match carried {
            // An error that ended the whole transaction (the disk full, an I/O error while the
            // rows were copied): the rebuild goes on without the rows, as from a file that
            // could not be read, rather than failing on every open to come.
            Err(error) if attached => {
                tracing::warn!(%error, "the quarantined file's rows could not be carried");
                self.carry_on(&mut connection, false, trusted, key_store, quarantined)
                    .await
            }
            carried => carried,
        }
    }

    /// One attempt at [`Self::carry_from`] on `connection`, the quarantined file attached as
    /// `old` when `attached`.
    async fn carry_on(
        &self,
        connection: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
        attached: bool,
        trusted: bool,
        key_store: &dyn KeyStore,
        quarantined: &Path,
    ) -> Result<(usize, bool), StoreError> {
        let mut tx = sqlx::Connection::begin_with(&mut **connection, "BEGIN IMMEDIATE").await?;
        let kept = if attached {
            schema::carry_over_user_intent(&mut tx, trusted).await?
        } else {
            None
        };
        // Sealed values follow under the new key while the old one still opens them: the
        // device's enrollment, a preference change's payload, a payment's request.
        if let Some((mut old, old_cipher)) = quarantined_data_key(quarantined, key_store).await {
            carry_sealed_intent(&mut tx, &mut old, &old_cipher, &self.cipher).await?;
        }
        schema::seal_legacy_plaintext(&mut tx, &self.cipher).await?;
        let dropped = schema::drop_unsendable_requests(&mut tx).await?;
        self.commit_protected(tx).await?;
        Ok(match kept {
            Some(rows) => (rows.saturating_sub(dropped), false),
            None => (0, true),
        })
    }
}

/// Sealed values of a quarantined file's user intent, opened with its own data key and
/// sealed again under the new store's, into the rows carried over: each request's payload,
/// each payment attempt's request, and the sync values that are the customer's own
/// ([`keys::KEPT_ACROSS_REBUILD`]: the device's enrollment, what she was told). A value that
/// no longer opens (the damage itself) stays behind. Runs inside the caller's transaction.
async fn carry_sealed_intent(
    tx: &mut Transaction<'_, Sqlite>,
    old: &mut SqliteConnection,
    old_cipher: &FieldCipher,
    cipher: &FieldCipher,
) -> Result<(), StoreError> {
    for column in [
        SealedColumn::SyncValue,
        SealedColumn::OutboxPayload,
        SealedColumn::PaymentAttemptRequest,
    ] {
        // A file from before a column has nothing of it to carry.
        let Ok(values) = sealed_values(old, column).await else {
            continue;
        };
        let (table, name) = column.location();
        let key = column.row_key_column();
        // Table and column names come from the fixed SealedColumn list. Sync values have no
        // row yet (the cache's are not carried); the others fill their carried row.
        let write = if column == SealedColumn::SyncValue {
            "INSERT INTO sync_state (value, key) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                .to_owned()
        } else {
            format!("UPDATE {table} SET {name} = ? WHERE {key} = ?")
        };
        for value in values {
            if column == SealedColumn::SyncValue
                && !keys::KEPT_ACROSS_REBUILD.contains(&value.key.as_str())
            {
                continue;
            }
            let Ok(plain) = old_cipher.open(column, &value.sealed_under, &value.sealed) else {
                tracing::warn!(table, name, "a damaged sealed value stays behind");
                continue;
            };
            let plain = Zeroizing::new(plain);
            sqlx::query(sqlx::AssertSqlSafe(write.clone()))
                .bind(cipher.seal(column, &value.sealed_under, &plain)?)
                .bind(&value.key)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The data key of a quarantined file, while the key store can still unwrap it: `None` when
/// the file cannot be read, has no key, or its key is gone or rejected (nothing of its
/// sealed values can follow then).
async fn quarantined_data_key(
    quarantined: &Path,
    key_store: &dyn KeyStore,
) -> Option<(sqlx::SqliteConnection, FieldCipher)> {
    use sqlx::ConnectOptions;
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(quarantined)
        .read_only(true)
        .connect()
        .await
        .ok()?;
    match super::data_key_of(&mut connection, key_store).await {
        Ok(Some(cipher)) => Some((connection, cipher)),
        _ => None,
    }
}
