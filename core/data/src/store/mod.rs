//! The encrypted local store: one SQLite file per signed-in customer.
//!
//! Opening runs four steps, each its own function: **prepare** (connection options),
//! **connect** (which is where SQLite first reads the file), **upgrade** (numbered
//! migrations in `core/migrations`, tracked by `PRAGMA user_version`) and **unlock** (unwrap
//! the data key with the host's [`KeyStore`] and check it against the key-check value).
//!
//! # Corruption policy
//! The cached view is a copy of the bank's data and can always be fetched again; what the
//! customer asked for (consent records, the outbox of unsent requests, payment attempts)
//! cannot.
//! * A file that is not a database, is damaged, has an undecryptable data key or holds rows
//!   that fail authentication is reported as a [`StoreError`] that says so — never a panic.
//! * [`Store::open_or_rebuild`] then applies the policy: the damaged file is moved aside
//!   (quarantined, never deleted) and a fresh store is created; the returned [`OpenOutcome`]
//!   says a rebuild happened and why, so the app tells the customer and resyncs. User-intent
//!   tables are copied into the new store (by `ATTACH`) when the old one can still be read.
//!   The new store has a new data key: sealed values of the customer's own (a request's
//!   payload, a payment's request, the device's enrollment) are opened with the old key and
//!   sealed again while the key store still has it; a value that no longer opens stays
//!   behind. A payment attempt keeps its idempotency key either way, so its outcome is still
//!   reconciled with the bank. When the old file cannot be read, the outcome says so and the
//!   quarantined file stays for support. A rebuild that fails before its new store stands
//!   puts the damaged file back, so the next open tries again from it. A rebuild is written
//!   down beside the store before the file moves and crossed out once the new store holds
//!   what was carried: one cut off (the app killed) is finished by the next open, from the
//!   same quarantined file.
//! * Damage found while in use (a sealed value of the cache that no longer opens) is not
//!   seen by the fast open: [`Store::rebuild_after`] (or `Client::rebuild_store`) applies
//!   the same policy then.
//! * A database written by a newer app version is refused ([`StoreError::NewerSchema`]),
//!   never downgraded or rebuilt.
//! * Logout ([`Store::wipe`]) deletes the database, its WAL, journal and quarantined copies,
//!   and destroys the key.

mod error;
mod integrity;
mod outcome;
mod pending;
mod read;
mod salvage;
mod schema;
pub mod sync;
mod write;

pub use error::{LoadViewError, StoreError};
pub use outcome::{OpenOutcome, RebuildReason};

pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Sqlite>;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use zeroize::Zeroizing;

use crate::crypto::{FieldCipher, KeyStore, SealedColumn, generate_key};
use pending::PendingRebuild;

pub use schema::LATEST_SCHEMA_VERSION;

const KEY_CHECK_PLAINTEXT: &[u8] = b"tingshuo key check v1";

/// The encrypted local store.
#[derive(Debug)]
pub struct Store {
    pool: SqlitePool,
    cipher: FieldCipher,
    path: PathBuf,
    generations: Mutex<GenerationLog>,
}

/// Where the store's write generation is recorded outside the file after each protected
/// write (see [`Store::keep_generations_in`]), and the last generation recorded there.
struct GenerationLog {
    key_store: Option<Arc<dyn KeyStore>>,
    recorded: u64,
}

impl std::fmt::Debug for GenerationLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationLog")
            .field("kept", &self.key_store.is_some())
            .field("recorded", &self.recorded)
            .finish()
    }
}

impl GenerationLog {
    fn at(recorded: u64) -> Mutex<GenerationLog> {
        Mutex::new(GenerationLog {
            key_store: None,
            recorded,
        })
    }
}

impl Store {
    /// Opens the store at `path`, creating it when absent. Errors are reported, not repaired:
    /// see [`Store::open_or_rebuild`] for the corruption policy.
    pub async fn open(path: &Path, key_store: &dyn KeyStore) -> Result<Store, StoreError> {
        Ok(Store::open_reporting(path, key_store).await?.0)
    }

    async fn open_reporting(
        path: &Path,
        key_store: &dyn KeyStore,
    ) -> Result<(Store, bool), StoreError> {
        // What stands at `path` beside the marker is a rebuild's unfinished new store: written
        // to, it would be thrown away when the rebuild is finished.
        if pending::is_pending(path) {
            return Err(StoreError::RebuildUnfinished);
        }
        Store::open_file(path, key_store).await
    }

    /// Opens the file at `path` as a store, whatever stands beside it.
    async fn open_file(path: &Path, key_store: &dyn KeyStore) -> Result<(Store, bool), StoreError> {
        let existed = path.exists();
        make_private(path)?;
        let pool = connect(prepare(path)).await?;
        let result = async {
            let recorded = key_store.recorded_generation()?;
            let found = schema::user_version(&pool).await?;
            if found > 0 && found < schema::INTEGRITY_SINCE && recorded.is_some() {
                // This key store has seen a tagged file: one that says it predates tags is
                // an older copy made to look like one, to be tagged afresh.
                return Err(StoreError::RolledBack);
            }
            schema::upgrade(&pool).await?;
            let cipher = unlock(&pool, key_store).await?;
            let generation = protect(&pool, &cipher, key_store, recorded, found).await?;
            Ok::<_, StoreError>((cipher, generation))
        }
        .await;
        match result {
            Ok((cipher, generation)) => {
                tracing::debug!(created = !existed, "store opened");
                let store = Store {
                    pool,
                    cipher,
                    path: path.to_owned(),
                    generations: GenerationLog::at(generation),
                };
                let store = if store.cipher.seal_count() > ROTATE_AFTER_SEALS {
                    store.rotate_data_key(key_store).await?
                } else {
                    store
                };
                Ok((store, !existed))
            }
            Err(error) => {
                pool.close().await;
                Err(error)
            }
        }
    }

    /// Opens the store, applying the corruption policy: a file that cannot be opened as this
    /// customer's store is quarantined and rebuilt empty (the bank's data comes back with the
    /// next sync). Fast: it reads the header, the schema and the key check, not every row;
    /// [`Store::verify`] looks deeper, and [`Store::rebuild_after`] applies the same policy
    /// to damage found later.
    pub async fn open_or_rebuild(
        path: &Path,
        key_store: &dyn KeyStore,
    ) -> Result<(Store, OpenOutcome), StoreError> {
        if let Some(pending) = Store::unfinished_rebuild(path)? {
            return Store::finish_rebuild(path, key_store, pending).await;
        }
        match Store::open_reporting(path, key_store).await {
            Ok((store, true)) => Ok((store, OpenOutcome::Created)),
            Ok((store, false)) => Ok((store, OpenOutcome::Opened)),
            Err(error) if error.calls_for_rebuild() => {
                Store::rebuild_at(path, key_store, &error).await
            }
            Err(error) => Err(error),
        }
    }

    /// Applies the corruption policy to damage found after opening (by [`Store::verify`] or
    /// while reading). Errors that do not call for a rebuild are returned unchanged.
    pub async fn rebuild_after(
        self,
        key_store: &dyn KeyStore,
        cause: StoreError,
    ) -> Result<(Store, OpenOutcome), StoreError> {
        if !cause.calls_for_rebuild() {
            return Err(cause);
        }
        let path = self.path.clone();
        self.close().await;
        Store::rebuild_at(&path, key_store, &cause).await
    }

    /// The same, for the closed store at `path` (its client shut it): the file is moved
    /// aside and a new store made, keeping what the customer asked for. A rebuild left
    /// unfinished at `path` is finished instead: the file there is its new store.
    pub async fn rebuild_at(
        path: &Path,
        key_store: &dyn KeyStore,
        cause: &StoreError,
    ) -> Result<(Store, OpenOutcome), StoreError> {
        if let Some(pending) = Store::unfinished_rebuild(path)? {
            return Store::finish_rebuild(path, key_store, pending).await;
        }
        let reason = match cause {
            StoreError::KeyRejected => RebuildReason::KeyRejected,
            StoreError::KeyUnavailable(_) => RebuildReason::KeyUnavailable,
            StoreError::Crypto(_)
            | StoreError::InvalidData { .. }
            | StoreError::IntegrityFailed
            | StoreError::RolledBack => RebuildReason::TamperedData,
            _ => RebuildReason::Corrupt,
        };
        tracing::warn!(
            ?reason,
            "rebuilding the local store under the corruption policy"
        );
        let pending = PendingRebuild {
            quarantined: quarantine_path(path),
            reason,
            // Rows of a file that failed its integrity check are not taken on their word.
            trusted: !matches!(cause, StoreError::IntegrityFailed | StoreError::RolledBack),
        };
        pending.write(path)?;
        if let Err(error) = move_store_files(path, &pending.quarantined) {
            Store::undo_rebuild(path, &pending);
            return Err(error);
        }
        Store::finish_rebuild(path, key_store, pending).await
    }

    /// The rebuild left unfinished at `path`, if its damaged file had begun to move aside; a
    /// marker left before that is crossed out (the damaged file is still at `path`).
    fn unfinished_rebuild(path: &Path) -> Result<Option<PendingRebuild>, StoreError> {
        let Some(pending) = PendingRebuild::read(path)? else {
            return Ok(None);
        };
        if pending.quarantine_started() {
            return Ok(Some(pending));
        }
        PendingRebuild::clear(path)?;
        Ok(None)
    }

    /// Makes the new store of `pending` at `path` from its quarantined file, and crosses the
    /// rebuild out once that store stands. Whatever stands at `path` is an earlier attempt's
    /// unfinished store and is replaced; companions of the damaged file not yet moved aside
    /// follow it first.
    async fn finish_rebuild(
        path: &Path,
        key_store: &dyn KeyStore,
        pending: PendingRebuild,
    ) -> Result<(Store, OpenOutcome), StoreError> {
        if path.exists() {
            remove_store_files(path)?;
        } else {
            move_store_files(path, &pending.quarantined)?;
        }
        match Store::rebuild_from(path, key_store, &pending).await {
            Ok((store, kept, unreadable)) => {
                if let Err(error) = PendingRebuild::clear(path) {
                    store.close().await;
                    return Err(error);
                }
                Ok((
                    store,
                    OpenOutcome::Rebuilt {
                        reason: pending.reason,
                        quarantined: pending.quarantined,
                        user_intent_rows_kept: kept,
                        user_intent_unreadable: unreadable,
                    },
                ))
            }
            Err(error) => {
                Store::undo_rebuild(path, &pending);
                Err(error)
            }
        }
    }

    /// After a rebuild failed before its new store stood: the damaged file goes back where
    /// it was, so the next open tries again from it — never an empty store that forgot what
    /// the quarantined file still holds. Should it not go back, the marker stays, and the
    /// next open finishes the rebuild from the quarantined file.
    fn undo_rebuild(path: &Path, pending: &PendingRebuild) {
        match unquarantine(&pending.quarantined, path) {
            Ok(()) => {
                if let Err(error) = PendingRebuild::clear(path) {
                    tracing::warn!(%error, "the rebuild marker could not be removed");
                }
            }
            Err(put_back) => {
                tracing::warn!(%put_back, "the damaged store could not be put back");
            }
        }
    }

    /// A new store at `path` with what the customer asked for carried from the quarantined
    /// file: the store, the user-intent rows kept and whether the old file could not be read.
    async fn rebuild_from(
        path: &Path,
        key_store: &dyn KeyStore,
        pending: &PendingRebuild,
    ) -> Result<(Store, usize, bool), StoreError> {
        // A key the key store rejects or lost cannot wrap a new data key either: start over.
        if matches!(
            pending.reason,
            RebuildReason::KeyRejected | RebuildReason::KeyUnavailable
        ) {
            key_store.delete()?;
        }
        let (store, _) = Store::open_file(path, key_store).await?;
        match store
            .carry_from(key_store, pending.trusted, &pending.quarantined)
            .await
        {
            Ok((kept, unreadable)) => Ok((store, kept, unreadable)),
            Err(error) => {
                store.close().await;
                Err(error)
            }
        }
    }

    /// Runs SQLite's own structural check.
    pub async fn check_integrity(&self) -> Result<(), StoreError> {
        let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&self.pool)
            .await?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt("integrity check failed".to_owned()))
        }
    }

    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        schema::user_version(&self.pool).await
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Whether the store was closed ([`Store::shut`]): every use is an error from then on.
    pub fn is_shut(&self) -> bool {
        self.pool.is_closed()
    }

    /// Closes the store's connections and waits for them, so the file on disk is whole (its
    /// write-ahead log checkpointed); any use afterwards is an error, not a hang.
    pub async fn shut(&self) {
        self.pool.close().await;
    }

    /// Logout: closes the store, deletes the database with its WAL, journal and quarantined
    /// copies, and destroys the key-encryption key.
    pub async fn wipe(self, key_store: &dyn KeyStore) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.close().await;
        wipe_files(&path, key_store)
    }

    /// Records the customer's consent decision for one purpose of data use.
    pub async fn record_consent(
        &self,
        purpose: &str,
        granted: bool,
        wording_version: i64,
        decided_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = schema::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO consent (purpose, granted, decided_at, wording_version) VALUES (?, ?, ?, ?)
             ON CONFLICT (purpose) DO UPDATE SET granted = excluded.granted,
                 decided_at = excluded.decided_at, wording_version = excluded.wording_version",
        )
        .bind(purpose)
        .bind(granted)
        .bind(decided_at.timestamp_millis())
        .bind(wording_version)
        .execute(&mut *tx)
        .await?;
        self.commit_protected(tx).await
    }

    /// The customer's decision for a purpose, if the current wording was decided on.
    pub async fn consent(
        &self,
        purpose: &str,
        wording_version: i64,
    ) -> Result<Option<bool>, StoreError> {
        self.verify_integrity().await?;
        let row: Option<(bool, i64)> =
            sqlx::query_as("SELECT granted, wording_version FROM consent WHERE purpose = ?")
                .bind(purpose)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(granted, version)| (version == wording_version).then_some(granted)))
    }
}

/// Deletes a store's key, then its files, whether or not the store can be opened. The key
/// goes first: once it is gone, whatever file an I/O error leaves behind is unreadable.
pub fn wipe_files(path: &Path, key_store: &dyn KeyStore) -> Result<(), StoreError> {
    key_store.delete()?;
    for file in store_files(path)? {
        std::fs::remove_file(&file)?;
    }
    tracing::info!("local data wiped");
    Ok(())
}

/// Creates the database file readable and writable by its owner alone (0600) before SQLite
/// opens it, and tightens an existing one and its companions: SQLite gives its `-wal`,
/// `-shm` and `-journal` files the database file's permissions.
fn make_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for file in store_files(path)? {
            let tightened = std::fs::metadata(&file).and_then(|metadata| {
                if metadata.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                } else {
                    Ok(())
                }
            });
            match tightened {
                // SQLite removes a companion as its last connection closes, which another
                // one may just have done: a file gone is not a file to tighten.
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The database, its `-wal`, `-shm` and `-journal` companions, and quarantined copies.
fn store_files(path: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let Some(dir) = path.parent() else {
        return Ok(Vec::new());
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Err(StoreError::InvalidInput("store path is not valid UTF-8"));
    };
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(candidate) = file_name.to_str() else {
            continue;
        };
        let companion = candidate.strip_prefix(name).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with('-') || rest.starts_with(".quarantine-")
        });
        if companion {
            files.push(entry.path());
        }
    }
    Ok(files)
}

/// Where the damaged store at `path` is moved aside: beside it, named for the moment.
fn quarantine_path(path: &Path) -> PathBuf {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    path.with_file_name(format!(
        "{}.quarantine-{stamp}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("store.db")
    ))
}

/// Puts a quarantined store back at `path`, over what a failed rebuild left there.
fn unquarantine(quarantined: &Path, path: &Path) -> Result<(), StoreError> {
    if !quarantined.exists() {
        // The database never moved (it moves first): it is still at `path`, whole.
        return Ok(());
    }
    if path.exists() {
        // A new store made in its place; without one, what is at `path` is the damaged
        // file's own companions that had not moved yet.
        remove_store_files(path)?;
    }
    // Companions first, the database last: until the database is back, the quarantined copy
    // stands for the rebuild still to finish, and the next open moves any companion back to
    // it (`finish_rebuild`).
    move_store_files_in(quarantined, path, STORE_FILE_SUFFIXES.iter().rev())
}

/// Removes the store at `path`: SQLite's companions, then the database (a kill between leaves
/// a database, never companions without one, which the next rebuild would take for the
/// damaged file's own).
fn remove_store_files(path: &Path) -> Result<(), StoreError> {
    for suffix in STORE_FILE_SUFFIXES.iter().rev() {
        match std::fs::remove_file(format!("{}{suffix}", path.display())) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The database file and SQLite's companions beside it.
const STORE_FILE_SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// Moves a store's files from one name to another, the database first: once it has moved,
/// the copy at `to` stands for the store, and a companion left behind follows it.
fn move_store_files(from: &Path, to: &Path) -> Result<(), StoreError> {
    move_store_files_in(from, to, STORE_FILE_SUFFIXES.iter())
}

/// Moves a store's files from one name to another, in the order of `suffixes`.
fn move_store_files_in<'a>(
    from: &Path,
    to: &Path,
    suffixes: impl Iterator<Item = &'a &'static str>,
) -> Result<(), StoreError> {
    for suffix in suffixes {
        let source = PathBuf::from(format!("{}{suffix}", from.display()));
        match std::fs::rename(&source, format!("{}{suffix}", to.display())) {
            Ok(()) => {}
            // SQLite may remove its companion files as the last connection closes.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn prepare(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Every commit on disk before it returns: a payment attempt is recorded before it is
        // sent, and the store's generation is kept by the host after each protected commit;
        // a commit lost to a power cut would lose the one and read the other as a rollback.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // Overwrite deleted content so freed pages keep no old ciphertext or metadata.
        .pragma("secure_delete", "on")
}

async fn connect(options: SqliteConnectOptions) -> Result<SqlitePool, StoreError> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .connect_with(options)
        .await?;
    // SQLite reads the header lazily; touch the schema so a damaged file fails here.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await?;
    Ok(pool)
}

async fn unlock(pool: &SqlitePool, key_store: &dyn KeyStore) -> Result<FieldCipher, StoreError> {
    let mut connection = pool.acquire().await?;
    match data_key_of(&mut connection, key_store).await? {
        Some(cipher) => Ok(cipher),
        None => {
            drop(connection);
            initialise_key(pool, key_store).await
        }
    }
}

/// The data key of the file behind `connection`, unwrapped by the key store and checked
/// against the file's key-check value; `None` when the file has no data key yet.
pub(super) async fn data_key_of(
    connection: &mut sqlx::SqliteConnection,
    key_store: &dyn KeyStore,
) -> Result<Option<FieldCipher>, StoreError> {
    let Some(wrapped) = schema::meta_get(&mut *connection, "wrapped_data_key").await? else {
        return Ok(None);
    };
    let data_key = key_store.unwrap(&wrapped)?;
    let seal_count = schema::meta_get(&mut *connection, "seal_count")
        .await?
        .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
        .map_or(0, u64::from_le_bytes);
    let cipher = FieldCipher::with_seal_count(&data_key, seal_count)?;
    let check = schema::meta_get(&mut *connection, "key_check")
        .await?
        .ok_or_else(|| StoreError::Corrupt("key check value missing".to_owned()))?;
    match cipher.open(SealedColumn::MetaKeyCheck, "key_check", &check) {
        Ok(plain) if plain == KEY_CHECK_PLAINTEXT => Ok(Some(cipher)),
        _ => Err(StoreError::KeyRejected),
    }
}

async fn initialise_key(
    pool: &SqlitePool,
    key_store: &dyn KeyStore,
) -> Result<FieldCipher, StoreError> {
    if schema::holds_sealed_rows(pool).await? {
        // Sealed data without a data key: the meta table was damaged.
        return Err(StoreError::Corrupt("data key missing".to_owned()));
    }
    let data_key: Zeroizing<Vec<u8>> = generate_key()?;
    let wrapped = key_store.wrap(&data_key)?;
    let cipher = FieldCipher::new(&data_key)?;
    let check = cipher.seal(SealedColumn::MetaKeyCheck, "key_check", KEY_CHECK_PLAINTEXT)?;
    let mut tx = schema::begin_write(pool).await?;
    schema::meta_put(&mut tx, "wrapped_data_key", &wrapped).await?;
    schema::meta_put(&mut tx, "key_check", &check).await?;
    tx.commit().await?;
    Ok(cipher)
}

/// Rollback protection at open. A file upgraded from before the integrity tag (or just
/// created) gets its plaintext user intent sealed and its first tag, its generation starting
/// above any the key store recorded; any other file must match its tag, and its generation
/// must not be below the recorded one (a whole older copy put back). The generation is then
/// recorded. Returns it.
async fn protect(
    pool: &SqlitePool,
    cipher: &FieldCipher,
    key_store: &dyn KeyStore,
    recorded: Option<u64>,
    found_version: i64,
) -> Result<u64, StoreError> {
    let generation = if found_version < schema::INTEGRITY_SINCE {
        let mut tx = schema::begin_write(pool).await?;
        schema::seal_legacy_plaintext(&mut tx, cipher).await?;
        schema::meta_put(&mut tx, "seal_count", &cipher.seal_count().to_le_bytes()).await?;
        let generation = integrity::bump(&mut tx, cipher, recorded).await?;
        tx.commit().await?;
        generation
    } else {
        let mut tx = schema::begin_write(pool).await?;
        let generation = integrity::check(&mut tx, cipher).await?;
        tx.rollback().await?;
        if recorded.is_some_and(|r| generation < r) {
            return Err(StoreError::RolledBack);
        }
        generation
    };
    if recorded.is_none_or(|r| generation > r) {
        key_store.record_generation(generation)?;
    }
    Ok(generation)
}

impl Store {
    /// Records the store's write generation in `key_store` after every protected write, not
    /// only at open, so a copy of the file taken during this session is found when put back.
    /// For hosts that hold their key store shared (the desktop harness; a phone's app).
    pub fn keep_generations_in(&self, key_store: Arc<dyn KeyStore>) {
        if let Ok(mut log) = self.generations.lock() {
            log.key_store = Some(key_store);
        }
    }

    /// Checks the protected tables (consent, outbox, payment attempts, sync values, card
    /// status) against their integrity tag. Done at open and before they are used.
    pub async fn verify_integrity(&self) -> Result<(), StoreError> {
        let mut tx = schema::begin_write(&self.pool).await?;
        integrity::check(&mut tx, &self.cipher).await?;
        tx.rollback().await?;
        Ok(())
    }

    /// Commits a write transaction with the seal count, a new generation and the protected
    /// tables' tag, then records the generation outside the file. Every write of the store
    /// ends here.
    pub(crate) async fn commit_protected(&self, mut tx: Tx<'_>) -> Result<(), StoreError> {
        schema::meta_put(
            &mut tx,
            "seal_count",
            &self.cipher.seal_count().to_le_bytes(),
        )
        .await?;
        let generation = integrity::bump(&mut tx, &self.cipher, None).await?;
        tx.commit().await?;
        self.note_generation(generation);
        Ok(())
    }

    /// Records a committed generation where the host keeps it. A failure there is logged,
    /// not returned: the write is done, and a lower record only weakens the check.
    pub(crate) fn note_generation(&self, generation: u64) {
        let Ok(mut log) = self.generations.lock() else {
            return;
        };
        if generation <= log.recorded {
            return;
        }
        if let Some(key_store) = &log.key_store
            && let Err(error) = key_store.record_generation(generation)
        {
            tracing::warn!(%error, "the store's generation could not be recorded");
            return;
        }
        log.recorded = generation;
    }
}

/// Seals under one data key before it is replaced by a fresh one: far below the 2^32 that
/// random 96-bit nonces allow, so a store rotates long before it could refuse to write.
pub(crate) const ROTATE_AFTER_SEALS: u64 = 1 << 31;

impl Store {
    /// Test support: opens a store whose schema stops at `version`, as an earlier release
    /// left it, so upgrade tests start from real older files.
    #[doc(hidden)]
    pub async fn open_at_schema_version(
        path: &Path,
        key_store: &dyn KeyStore,
        version: i64,
    ) -> Result<Store, StoreError> {
        let pool = connect(prepare(path)).await?;
        schema::upgrade_to(&pool, version).await?;
        let cipher = unlock(&pool, key_store).await?;
        // A release with tags tagged its file as it wrote it.
        let generation = if version >= schema::INTEGRITY_SINCE {
            let mut tx = schema::begin_write(&pool).await?;
            let generation = integrity::bump(&mut tx, &cipher, None).await?;
            tx.commit().await?;
            generation
        } else {
            0
        };
        Ok(Store {
            pool,
            cipher,
            path: path.to_owned(),
            generations: GenerationLog::at(generation),
        })
    }
}

#[cfg(test)]
mod tests {
    use static_assertions::assert_not_impl_any;
    use tingshuo_base::classify::{AccountNumber, C2, Cvn, TrackData};
    use tingshuo_base::money::Money;

    // C3 can never be bound into a database statement, and C2 reaches the store only through
    // the field cipher.
    assert_not_impl_any!(Cvn: sqlx::Encode<'static, sqlx::Sqlite>, sqlx::Type<sqlx::Sqlite>);
    assert_not_impl_any!(TrackData: sqlx::Encode<'static, sqlx::Sqlite>);
    assert_not_impl_any!(C2<AccountNumber>: sqlx::Encode<'static, sqlx::Sqlite>);
    assert_not_impl_any!(C2<Money>: sqlx::Encode<'static, sqlx::Sqlite>);
}
