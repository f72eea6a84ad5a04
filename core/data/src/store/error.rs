//! What can go wrong with the store. Messages name tables and columns, never values.

use tingshuo_base::money::MoneyError;
use tingshuo_base::view::ViewError;

use crate::crypto::{CryptoError, KeyStoreError};

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database file is damaged or is not a Tingshuo database ({0})")]
    Corrupt(String),
    #[error("the data key could not be opened with the key store's key (wrong or replaced key)")]
    KeyRejected,
    #[error("the key store has no key for this database: {0}")]
    KeyUnavailable(String),
    #[error("the key store failed: {0}")]
    KeyStoreFailed(String),
    #[error("the database has schema version {found}, newer than this app supports ({supported})")]
    NewerSchema { found: i64, supported: i64 },
    /// The protected tables (consent, outbox, payment attempts, sync values, card status) do
    /// not match their integrity tag: a value was put back from an older copy, or changed.
    #[error(
        "the store's protected tables fail their integrity check (a value put back from an older copy, or changed)"
    )]
    IntegrityFailed,
    /// The file is older than the last one this device wrote (its write generation is below
    /// the one the key store recorded): a whole older copy was put back.
    #[error(
        "the database file is older than the last one this device wrote (restored from a copy)"
    )]
    RolledBack,
    /// A rebuild of the store was cut off (the app killed midway): the file at the store's
    /// path is its unfinished new store. [`super::Store::open_or_rebuild`] finishes it.
    #[error(
        "a rebuild of the store was cut off; opening it under the corruption policy finishes it"
    )]
    RebuildUnfinished,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("stored value in {table}.{column} is invalid: {reason}")]
    InvalidData {
        table: &'static str,
        column: &'static str,
        reason: &'static str,
    },
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    /// Errors the corruption policy answers by rebuilding the cache.
    pub fn calls_for_rebuild(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt(_)
                | StoreError::KeyRejected
                | StoreError::KeyUnavailable(_)
                | StoreError::InvalidData { .. }
                | StoreError::IntegrityFailed
                | StoreError::RolledBack
                | StoreError::RebuildUnfinished
                | StoreError::Crypto(CryptoError::Tampered { .. })
                | StoreError::Crypto(CryptoError::KeyExhausted)
        )
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        const SQLITE_CORRUPT: i64 = 11;
        const SQLITE_NOTADB: i64 = 26;
        if let sqlx::Error::Database(db) = &error {
            let primary = db
                .code()
                .and_then(|c| c.parse::<i64>().ok())
                .map(|c| c & 0xff);
            if matches!(primary, Some(SQLITE_CORRUPT | SQLITE_NOTADB)) {
                return StoreError::Corrupt(db.message().to_owned());
            }
        }
        StoreError::Database(error.to_string())
    }
}

impl From<KeyStoreError> for StoreError {
    fn from(error: KeyStoreError) -> StoreError {
        match error {
            KeyStoreError::Rejected => StoreError::KeyRejected,
            KeyStoreError::Unavailable(why) => StoreError::KeyUnavailable(why),
            KeyStoreError::Failed(why) => StoreError::KeyStoreFailed(why),
        }
    }
}

/// Loading a view fails either in the store or because there is nothing to show yet.
#[derive(Debug, thiserror::Error)]
pub enum LoadViewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    View(#[from] ViewError),
}
