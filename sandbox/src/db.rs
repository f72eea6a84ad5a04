//! The bank's own database. Entities are stored as their wire documents with a version
//! taken from one counter, so "changes since a cursor" is a range scan.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use tingshuo_base::model::CustomerSnapshot;
use tingshuo_base::wire::{
    self, AccountDto, AlertDto, BillDto, BillerDto, CardDto, CustomerDto, PayeeDto, PreferencesDto,
    ServiceRequestDto, TransactionDto,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customer (
    id TEXT PRIMARY KEY NOT NULL
);
-- Enrollment codes, single use: the bank's keyed tag of each (never the code), until when it
-- is valid, and the device it registered with that device's key (so a registration whose
-- answer was lost can be asked again by the same key and get the same device).
CREATE TABLE IF NOT EXISTS enrollment_code (
    customer_id TEXT NOT NULL REFERENCES customer (id),
    tag         BLOB NOT NULL,
    expires_at  INTEGER NOT NULL,
    device_id   TEXT,
    public_key  BLOB
);
CREATE INDEX IF NOT EXISTS enrollment_code_by_customer ON enrollment_code (customer_id);
CREATE TABLE IF NOT EXISTS entity (
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    data        TEXT,             -- NULL: deleted (a tombstone, so pulls see the deletion)
    version     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, kind, id)
);
CREATE INDEX IF NOT EXISTS entity_by_version ON entity (customer_id, version);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counter (name, value) VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS device (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customer (id),
    public_key  BLOB NOT NULL,       -- the login key, used silently
    payment_key BLOB NOT NULL,       -- the payment key, which needs the customer at each use
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Until when this device pays only small amounts (a device added to a customer who had one).
    cooling_until INTEGER,
    revoked_at  INTEGER
);
CREATE TABLE IF NOT EXISTS challenge (
    value      TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('login', 'payment')),
    expires_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS session (
    token      TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
-- Idempotency keys with the result they produced; kept at least 24 hours.
CREATE TABLE IF NOT EXISTS idempotency (
    customer_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, key)
);
CREATE TABLE IF NOT EXISTS payment (
    id              TEXT PRIMARY KEY NOT NULL,
    customer_id     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status          TEXT NOT NULL,
    hold_until      INTEGER,
    UNIQUE (customer_id, idempotency_key)
);
";

/// The bank's database.
#[derive(Debug, Clone)]
pub struct BankDb {
    pub pool: SqlitePool,
    /// For a throwaway bank: the directory its file lives in, removed with the bank.
    _scratch: Option<std::sync::Arc<tempfile::TempDir>>,
}

pub type Tx<'a> = Transaction<'a, Sqlite>;

impl BankDb {
    /// Opens the bank's database file; without a path, a throwaway file in a temporary
    /// directory. (Not `:memory:`: a pooled connection dropped by a cancelled request would
    /// take an in-memory database with it.)
    pub async fn open(path: Option<&Path>) -> Result<BankDb, sqlx::Error> {
        let scratch = match path {
            Some(_) => None,
            None => Some(std::sync::Arc::new(
                tempfile::tempdir().map_err(sqlx::Error::Io)?,
            )),
        };
        let file = match (path, &scratch) {
            (Some(path), _) => path.to_owned(),
            (None, Some(dir)) => dir.path().join("bank.db"),
            (None, None) => return Err(sqlx::Error::Configuration("no database path".into())),
        };
        let options = SqliteConnectOptions::new()
            .filename(file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(BankDb {
            pool,
            _scratch: scratch,
        })
    }

    /// Loads a customer's whole snapshot into the bank, as its core system would hold it.
    /// Devices register with a code the bank issues ([`crate::Bank::issue_enrollment_code`]).
    pub async fn seed(&self, snapshot: &CustomerSnapshot) -> Result<(), sqlx::Error> {
        let customer = snapshot.customer.id.as_str();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT OR IGNORE INTO customer (id) VALUES (?)")
            .bind(customer)
            .execute(&mut *tx)
            .await?;
        let mut record = serde_json::to_value(CustomerDto::from(&snapshot.customer))
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        for (field, value) in crate::seed::bank_only_fields(customer) {
            record[*field] = serde_json::Value::from(*value);
        }
        put(&mut tx, customer, wire::kinds::CUSTOMER, customer, &record).await?;
        for (position, account) in snapshot.accounts.iter().enumerate() {
            let dto = AccountDto::from_model(account, i64::try_from(position).unwrap_or(i64::MAX));
            put(&mut tx, customer, wire::kinds::ACCOUNT, &account.id, &dto).await?;
        }
        for t in &snapshot.transactions {
            put(
                &mut tx,
                customer,
                wire::kinds::TRANSACTION,
                &t.id,
                &TransactionDto::from(t),
            )
            .await?;
        }
        for p in &snapshot.payees {
            put(
                &mut tx,
                customer,
                wire::kinds::PAYEE,
                &p.id,
                &PayeeDto::from(p),
            )
            .await?;
        }
        for b in &snapshot.billers {
            put(
                &mut tx,
                customer,
                wire::kinds::BILLER,
                &b.id,
                &BillerDto::from(b),
            )
            .await?;
        }
        for b in &snapshot.bills {
            put(
                &mut tx,
                customer,
                wire::kinds::BILL,
                &b.id,
                &BillDto::from(b),
            )
            .await?;
        }
        for c in &snapshot.cards {
            put(
                &mut tx,
                customer,
                wire::kinds::CARD,
                &c.id,
                &CardDto::from(c),
            )
            .await?;
        }
        for a in &snapshot.alerts {
            put(
                &mut tx,
                customer,
                wire::kinds::ALERT,
                &a.id,
                &AlertDto::from(a),
            )
            .await?;
        }
        for r in &snapshot.service_requests {
            put(
                &mut tx,
                customer,
                wire::kinds::SERVICE_REQUEST,
                &r.id,
                &ServiceRequestDto::from(r),
            )
            .await?;
        }
        let preferences = PreferencesDto {
            locale: snapshot.customer.locale.clone(),
            speech_rate: 100,
            elderly_mode: true,
        };
        put(
            &mut tx,
            customer,
            wire::kinds::PREFERENCES,
            "preferences",
            &preferences,
        )
        .await?;
        tx.commit().await
    }

    /// Puts one document of the change feed, in a transaction of its own.
    pub async fn put_document<T: Serialize>(
        &self,
        customer: &str,
        kind: &str,
        id: &str,
        value: &T,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        put(&mut tx, customer, kind, id, value).await?;
        tx.commit().await
    }

    /// Every live entity of one kind for a customer, as wire documents.
    pub async fn all<T: DeserializeOwned>(
        &self,
        customer: &str,
        kind: &str,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT data FROM entity WHERE customer_id = ? AND kind = ? AND data IS NOT NULL ORDER BY id",
        )
        .bind(customer)
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(data,)| {
                serde_json::from_str(&data).map_err(|e| sqlx::Error::Decode(Box::new(e)))
            })
            .collect()
    }
}

/// Takes the next version from the change counter.
async fn next_version(tx: &mut Tx<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE counter SET value = value + 1 WHERE name = 'version' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await
}

/// Writes an entity's latest state; returns its new version.
pub async fn put<T: Serialize>(
    tx: &mut Tx<'_>,
    customer: &str,
    kind: &str,
    id: &str,
    value: &T,
) -> Result<i64, sqlx::Error> {
    let version = next_version(tx).await?;
    let data = serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO entity (customer_id, kind, id, data, version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (customer_id, kind, id) DO UPDATE SET data = excluded.data, version = excluded.version",
    )
    .bind(customer)
    .bind(kind)
    .bind(id)
    .bind(data)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(version)
}

/// Deletes an entity, leaving a tombstone so clients see the deletion.
pub async fn delete(
    tx: &mut Tx<'_>,
    customer: &str,
    kind: &str,
    id: &str,
) -> Result<i64, sqlx::Error> {
    let version = next_version(tx).await?;
    sqlx::query(
        "UPDATE entity SET data = NULL, version = ? WHERE customer_id = ? AND kind = ? AND id = ?",
    )
    .bind(version)
    .bind(customer)
    .bind(kind)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(version)
}

/// Reads one live entity.
pub async fn get<T: DeserializeOwned>(
    tx: &mut Tx<'_>,
    customer: &str,
    kind: &str,
    id: &str,
) -> Result<Option<T>, sqlx::Error> {
    let data: Option<Option<String>> =
        sqlx::query_scalar("SELECT data FROM entity WHERE customer_id = ? AND kind = ? AND id = ?")
            .bind(customer)
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    data.flatten()
        .map(|d| serde_json::from_str(&d).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// Unix milliseconds, the bank's stored time unit.
pub fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}
