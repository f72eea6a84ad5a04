//! The store's side of sync: applying the bank's changes, the outbox and payment attempts.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, Tx};
use crate::crypto::{FieldCipher, SealedColumn as Col};
use std::collections::BTreeSet;
use tingshuo_base::action::{Action, ActionKind};
use tingshuo_base::model::{Source, Tracked, Transaction as Txn};
use tingshuo_base::view::RECENT_TRANSACTIONS;

use tingshuo_base::wire::{Change, Patch, PatchOp, PaymentDto, Record, kinds, reader_fingerprint};

/// The pull cursor and other sync settings kept in the store.
pub mod keys {
    pub const CURSOR: &str = "cursor";
    pub const DEVICE_ID: &str = "device_id";
    pub const CUSTOMER_ID: &str = "customer_id";
    pub const PREFERENCES: &str = "preferences";
    pub const LAST_SYNCED_AT: &str = "last_synced_at";
    /// The bank's daily payment limits, as its `LimitsDto` (JSON).
    pub const DAILY_LIMITS: &str = "daily_limits";
    /// The ids of the newest transactions the view shows (JSON), newest first: their times
    /// are sealed, so no index can find them; each write of transactions keeps the list.
    pub const NEWEST_TRANSACTIONS: &str = "newest_transactions";
    /// The idempotency key of the newest payment attempt whose outcome the customer was told
    /// ("" before any): an outcome the app learnt while no conversation was open (killed mid-
    /// payment, the answer found by the next start's sync) is told in the next one.
    pub const PAYMENT_OUTCOMES_TOLD: &str = "payment_outcomes_told";
    /// The outbox keys of card actions the customer was told are queued or unconfirmed, whose
    /// answer she has not been told yet (JSON list): told in a later conversation if the app
    /// closed before the bank answered.
    pub const CARD_ACTIONS_AWAITED: &str = "card_actions_awaited";
    /// The records of the bank's feed this version could not read (JSON list of `kind:id`):
    /// left out of the view, which says how many.
    pub const RECORDS_LEFT_OUT: &str = "records_left_out";
    /// The reader that applied the feed up to the cursor (`wire::reader_fingerprint`): a
    /// version with another reads the feed again from the start.
    pub const READ_BY: &str = "read_by";

    /// The values that are the customer's own, not a copy of the bank's: carried across a
    /// rebuild of the store (while its old key opens them), so the bank still knows this
    /// phone and nothing she was told is told again. The cursor and the bank's copies start
    /// over with the cache.
    pub const KEPT_ACROSS_REBUILD: &[&str] = &[
        DEVICE_ID,
        CUSTOMER_ID,
        PAYMENT_OUTCOMES_TOLD,
        CARD_ACTIONS_AWAITED,
    ];
}

/// An action waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub seq: i64,
    pub idempotency_key: String,
    pub priority: i64,
    pub action: Action,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Where an outbox item stands, for the view and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    pub state: String,
}

/// A new action for the outbox; its local echo ([`LocalEcho::of`]) shows it as pending.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub idempotency_key: String,
    /// 0 for safety actions (lock card), which go first; 1 otherwise.
    pub priority: i64,
    pub action: Action,
}

/// What became of changes offered to [`Store::apply_changes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied, with the cursor moved.
    Applied,
    /// Nothing applied: this many rows would refer to an account or biller not yet sent.
    ParentsMissing(usize),
}

impl NewRequest {
    /// The action under a fresh idempotency key, with its priority.
    pub fn new(action: Action, idempotency_key: String) -> NewRequest {
        NewRequest {
            idempotency_key,
            priority: if action.is_safety() { 0 } else { 1 },
            action,
        }
    }
}

/// How a queued request shows in the view before the bank acknowledges it: one field of the
/// row it acts on, set to what the bank will make it. (A preference has no echo here: the
/// newest one waiting is read from the outbox itself.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalEcho {
    /// The kind of row it shows on (a wire kind).
    row_kind: &'static str,
    /// Reads the field, as text, by the row's id.
    read: &'static str,
    /// Writes the field (?1, cast from text), with the row's source (?2), by its id (?3).
    write: &'static str,
    /// The field's value while the request waits.
    shown: &'static str,
}

impl LocalEcho {
    pub fn of(kind: ActionKind) -> Option<LocalEcho> {
        const CARD_STATUS: (&str, &str) = (
            "SELECT status FROM card WHERE id = ?",
            "UPDATE card SET status = ?1, source = ?2 WHERE id = ?3",
        );
        let (row_kind, (read, write), shown) = match kind {
            ActionKind::LockCard => (kinds::CARD, CARD_STATUS, "locked"),
            ActionKind::UnlockCard => (kinds::CARD, CARD_STATUS, "active"),
            ActionKind::MarkAlertRead => (
                kinds::ALERT,
                (
                    "SELECT CAST(read AS TEXT) FROM alert WHERE id = ?",
                    "UPDATE alert SET read = CAST(?1 AS INTEGER), source = ?2 WHERE id = ?3",
                ),
                "1",
            ),
            ActionKind::SetPreferences => return None,
        };
        Some(LocalEcho {
            row_kind,
            read,
            write,
            shown,
        })
    }

    /// The field's value on `target` now; `None` when there is no such row.
    async fn value(&self, tx: &mut Tx<'_>, target: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(self.read)
            .bind(target)
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// Sets the field on `target` to `value`, as `source` says it.
    async fn set(
        &self,
        tx: &mut Tx<'_>,
        target: &str,
        value: &str,
        source: Source,
    ) -> Result<(), StoreError> {
        sqlx::query(self.write)
            .bind(value)
            .bind(source.as_str())
            .bind(target)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// A confirmed payment as this device recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAttempt {
    pub idempotency_key: String,
    /// The signed request (JSON); `None` when it was lost to a store rebuild.
    pub request: Option<String>,
    /// sending (outcome unknown), executed, held, cancelled, refused.
    pub state: String,
    pub payment_id: Option<String>,
    pub reason: Option<String>,
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// A sync value (sealed, bound to its key).
    pub async fn sync_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.sync_value_on(&self.pool, key).await
    }

    /// A sync value read through `executor` (the pool, or a transaction that wrote it).
    async fn sync_value_on<'e>(
        &self,
        executor: impl sqlx::SqliteExecutor<'e>,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT value FROM sync_state WHERE key = ?")
                .bind(key)
                .fetch_optional(executor)
                .await?;
        sealed
            .map(|s| self.cipher.open_string(Col::SyncValue, key, &s))
            .transpose()
            .map_err(StoreError::from)
    }

    pub async fn set_sync_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        self.put_sync_value(&mut tx, key, value).await?;
        self.commit_protected(tx).await
    }

    /// Lists the newest transactions again (`keys::NEWEST_TRANSACTIONS`), inside a write
    /// that changed transactions.
    pub(crate) async fn refresh_newest(&self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        let ids = newest_ids(
            tx,
            &self.cipher,
            TxnFilter::default(),
            |_, _| true,
            RECENT_TRANSACTIONS,
        )
        .await?;
        let listed =
            serde_json::to_string(&ids).map_err(|_| StoreError::InvalidInput("transaction ids"))?;
        self.put_sync_value(tx, keys::NEWEST_TRANSACTIONS, &listed)
            .await
    }

    /// Lists the newest transactions after `changes` were written, from the list kept and the
    /// transactions the changes put, without opening every transaction's sealed time again
    /// (each page of an initial sync did, most of its time). The whole table is read again
    /// when the list kept cannot answer: none yet, a transaction or account deleted, a listed
    /// transaction changed (its time may have moved back) or gone.
    async fn advance_newest(&self, tx: &mut Tx<'_>, changes: &[Change]) -> Result<(), StoreError> {
        // Each transaction put at its last version in the changes.
        let mut put = std::collections::HashMap::new();
        for change in changes {
            match change {
                Change::Put(Record::Transaction(t)) => {
                    // At the millisecond the store keeps, as the times read back are.
                    let millis = t.occurred_at.timestamp_millis();
                    let at = DateTime::from_timestamp_millis(millis).unwrap_or(t.occurred_at);
                    put.insert(t.id.as_str().to_owned(), at);
                }
                Change::Put(_) => {}
                Change::Delete { .. } if touches_transactions(change) => {
                    return self.refresh_newest(tx).await;
                }
                Change::Delete { .. } => {}
            }
        }
        let kept: Option<Vec<String>> = self
            .sync_value_on(&mut **tx, keys::NEWEST_TRANSACTIONS)
            .await?
            .and_then(|listed| serde_json::from_str(&listed).ok());
        let Some(kept) = kept else {
            return self.refresh_newest(tx).await;
        };
        if kept.iter().any(|id| put.contains_key(id)) {
            return self.refresh_newest(tx).await;
        }
        let listed = serde_json::to_string(&kept)
            .map_err(|_| StoreError::InvalidInput("transaction ids"))?;
        let filter = TxnFilter {
            ids: Some(&listed),
            ..TxnFilter::default()
        };
        let mut timed = newest_timed(tx, &self.cipher, filter, |_, _| true).await?;
        if timed.len() != kept.len() {
            return self.refresh_newest(tx).await;
        }
        // The list kept held the newest of what was there (or all of it): with what was put,
        // it holds the newest of what is there now.
        timed.extend(put.into_iter().map(|(id, at)| (at, id)));
        timed.sort_by(newest_first);
        timed.truncate(RECENT_TRANSACTIONS);
        let ids: Vec<String> = timed.into_iter().map(|(_, id)| id).collect();
        let listed =
            serde_json::to_string(&ids).map_err(|_| StoreError::InvalidInput("transaction ids"))?;
        self.put_sync_value(tx, keys::NEWEST_TRANSACTIONS, &listed)
            .await
    }

    async fn put_sync_value(
        &self,
        tx: &mut Tx<'_>,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(self.cipher.seal_str(Col::SyncValue, key, value)?)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Applies changes of the bank's feed and moves the cursor, atomically: a page with any
    /// invalid patch was refused before it got here, and a failure applies nothing.
    ///
    /// A row a request still waiting in the outbox acts on (a card being locked) takes the
    /// bank's other fields but keeps showing the request (`show_waiting_echoes`).
    ///
    /// Applies nothing when a transaction, card or bill would be left without its account or
    /// biller ([`Applied::ParentsMissing`]); the sync engine's pages go through
    /// [`Store::apply_page`], which keeps such rows aside instead.
    pub async fn apply_changes(
        &self,
        changes: &[Change],
        cursor: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut tx = self.begin_changes().await?;
        self.write_changes(&mut tx, changes, as_of).await?;
        let orphans = orphan_rows(&mut tx).await?;
        if !orphans.is_empty() {
            tx.rollback().await?;
            return Ok(Applied::ParentsMissing(orphans.len()));
        }
        self.finish_changes(tx, changes, cursor, &reader_fingerprint())
            .await?;
        Ok(Applied::Applied)
    }

    /// Applies one page of the bank's feed (each change with the patch it came as) and moves
    /// the cursor, atomically. A transaction, card or bill whose account or biller has not
    /// come yet waits aside, sealed, and is applied with the page that brings its parent: a
    /// bank's feed lists each row at its latest version, so an account whose balance a payment
    /// changed comes after the payment's transaction. The rest of the page is applied, so a
    /// parent that never comes holds back nothing else.
    ///
    /// `left_out` are the page's records this version cannot read: listed (`kind:id`) until a
    /// later page brings them readable or removes them; a card, transaction, bill, alert or
    /// appointment among them loses its last version, an account, biller or payment keeps it
    /// (decision 0064). `from_start` says the page begins the bank's whole state, so what was
    /// listed before starts over.
    pub async fn apply_page(
        &self,
        page: &[(Patch, Change)],
        left_out: &[Patch],
        from_start: bool,
        cursor: &str,
        as_of: DateTime<Utc>,
    ) -> Result<PageApplied, StoreError> {
        let mut tx = self.begin_changes().await?;
        // What this version could not read: the page's own records take their place in it
        // first, so that a row whose parent it left out is left out too, not kept waiting.
        let mut remembered = if from_start {
            BTreeSet::new()
        } else {
            self.records_left_out_on(&mut *tx).await?
        };
        // An account or biller readable again that the device did not have: rows of it may
        // have been left out with it, so the feed is read again from the start (one whose
        // older version stayed kept its rows). A read again asked earlier in this sync stands.
        let mut read_again = !from_start
            && self
                .sync_value_on(&mut *tx, keys::READ_BY)
                .await?
                .as_deref()
                == Some("");
        for (table, id) in update_left_out(&mut remembered, page, left_out) {
            // The table name comes from the fixed list in `update_left_out`.
            let stored: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM {table} WHERE id = ?"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            read_again |= stored.is_none();
        }
        // A card, transaction, bill, alert or appointment is no longer said as it was (a card's
        // old status, a bill's old state). An account or biller keeps its last readable
        // version (its rows hang on it; its line says its age), and so does a payment (today's
        // limit and a held bill are reckoned from it). An older version waiting aside for its
        // parent is not applied later either.
        for patch in left_out {
            if REMOVED_WHEN_LEFT_OUT.contains(&patch.kind.as_str()) {
                delete_record(&mut tx, &patch.kind, &patch.id).await?;
            }
            sqlx::query("DELETE FROM waiting_patch WHERE key = ?")
                .bind(waiting_key(patch))
                .execute(&mut *tx)
                .await?;
        }
        // The rows that waited are tried again with a page that brings accounts or billers
        // (not with every page: that was quadratic), unless the page brings them again (a
        // newer version, or their removal). They are written with this page's time: their
        // parent is.
        // An account or biller left out is a parent brought too: rows that came before it and
        // wait for it are tried, and left out with it.
        let brings_parents = page.iter().any(|(_, change)| {
            matches!(change, Change::Put(Record::Account(..) | Record::Biller(_)))
        }) || left_out.iter().any(|patch| {
            patch.op == PatchOp::Put
                && [kinds::ACCOUNT, kinds::BILLER].contains(&patch.kind.as_str())
        });
        let mut fed: Vec<(Patch, Change)> = Vec::new();
        if brings_parents {
            let on_page: std::collections::HashSet<String> =
                page.iter().map(|(patch, _)| waiting_key(patch)).collect();
            fed = self
                .waiting_patches(&mut *tx)
                .await?
                .into_iter()
                .filter(|(patch, _)| !on_page.contains(&waiting_key(patch)))
                .collect();
        }
        fed.extend(page.iter().cloned());
        let (patches, changes): (Vec<Patch>, Vec<Change>) = fed.into_iter().unzip();
        self.write_changes(&mut tx, &changes, as_of).await?;
        let mut waiting = std::collections::HashSet::new();
        for (table, rowid) in orphan_rows(&mut tx).await? {
            let kind = kind_of_table(&table).ok_or(StoreError::Corrupt(format!(
                "a row of {table} without its parent"
            )))?;
            // The table name comes from the fixed list of kinds and tables. A row the check
            // lists twice is gone the second time.
            let id: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE rowid = ? RETURNING id"
            )))
            .bind(rowid)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                waiting.insert(record_key(kind, &id));
            }
        }
        // A transaction the newest list names, now aside or left out, leaves the list to be
        // made again.
        let transaction_key = format!("{}:", kinds::TRANSACTION);
        let newest_aside = waiting
            .iter()
            .cloned()
            .chain(left_out.iter().map(waiting_key))
            .filter_map(|key| {
                key.strip_prefix(transaction_key.as_str())
                    .map(str::to_owned)
            })
            .collect::<Vec<_>>();
        if !newest_aside.is_empty() {
            let listed: Option<Vec<String>> = self
                .sync_value_on(&mut *tx, keys::NEWEST_TRANSACTIONS)
                .await?
                .and_then(|listed| serde_json::from_str(&listed).ok());
            if listed.is_some_and(|listed| listed.iter().any(|id| newest_aside.contains(id))) {
                self.refresh_newest(&mut tx).await?;
            }
        }
        // What was applied: the rest (the newest transactions follow from it).
        let applied: Vec<Change> = patches
            .iter()
            .zip(&changes)
            .filter(|(patch, _)| !waiting.contains(&waiting_key(patch)))
            .map(|(_, change)| change.clone())
            .collect();
        // Every row tried is out of the waiting ones, the last version of each that still
        // waits back in, sealed (a patch carries C2 data), as the app read it: the bank's
        // patch may carry more than the device keeps (a whole card number).
        for patch in &patches {
            sqlx::query("DELETE FROM waiting_patch WHERE key = ?")
                .bind(waiting_key(patch))
                .execute(&mut *tx)
                .await?;
        }
        for (patch, change) in patches.iter().zip(&changes).rev() {
            let key = waiting_key(patch);
            if !waiting.remove(&key) {
                continue;
            }
            let Change::Put(record) = change else {
                continue; // A removal leaves no row behind to wait.
            };
            if parent_key(record).is_some_and(|parent| remembered.contains(&parent)) {
                // Its account or biller is one this version cannot read: it comes again
                // with the feed read from the start once that one is readable.
                continue;
            }
            let read = record
                .to_patch()
                .map_err(|_| StoreError::InvalidInput("patch"))?;
            let json =
                serde_json::to_string(&read).map_err(|_| StoreError::InvalidInput("patch"))?;
            sqlx::query("INSERT INTO waiting_patch (key, patch) VALUES (?, ?)")
                .bind(&key)
                .bind(self.cipher.seal_str(Col::WaitingPatch, &key, &json)?)
                .execute(&mut *tx)
                .await?;
        }
        let rows_waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM waiting_patch")
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(rows_waiting).unwrap_or(usize::MAX) > MAX_ROWS_WAITING {
            // Each page that brings a parent tries every waiting row again: a bank sending
            // rows without parents page after page is refused, not followed without end.
            tx.rollback().await?;
            return Err(StoreError::InvalidInput(
                "more rows without their account or biller than are kept waiting",
            ));
        }
        let json = serde_json::to_string(&remembered)
            .map_err(|_| StoreError::InvalidInput("records left out"))?;
        self.put_sync_value(&mut tx, keys::RECORDS_LEFT_OUT, &json)
            .await?;
        // The rows of an account or biller that was left out were not kept: the feed is read
        // again from the start (as by another reader), which brings them.
        let read_by = if read_again {
            String::new()
        } else {
            reader_fingerprint()
        };
        self.finish_changes(tx, &applied, cursor, &read_by).await?;
        Ok(PageApplied {
            rows_waiting: usize::try_from(rows_waiting).unwrap_or(usize::MAX),
            records_left_out: remembered.len(),
        })
    }

    /// The records of the bank's feed this version could not read, as `kind:id`.
    async fn records_left_out_on<'e>(
        &self,
        executor: impl sqlx::SqliteExecutor<'e>,
    ) -> Result<BTreeSet<String>, StoreError> {
        Ok(self
            .sync_value_on(executor, keys::RECORDS_LEFT_OUT)
            .await?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// The rows kept aside for their parent, as the store keeps them (for a report or a test):
    /// what the app read of each, never the bank's patch as it came.
    pub async fn rows_waiting(&self) -> Result<Vec<Patch>, StoreError> {
        let rows = self.waiting_patches(&self.pool).await?;
        Ok(rows.into_iter().map(|(patch, _)| patch).collect())
    }

    /// How many records of the bank's feed this version could not read (left out of the view).
    pub async fn records_left_out(&self) -> Result<usize, StoreError> {
        Ok(self.records_left_out_on(&self.pool).await?.len())
    }

    async fn begin_changes(&self) -> Result<Tx<'_>, StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        // Parents may come after their children within the changes: checked at the end.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Writes the changes in order; runs of transactions many to a statement.
    async fn write_changes(
        &self,
        tx: &mut Tx<'_>,
        changes: &[Change],
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut transactions: Vec<&Txn> = Vec::new();
        for change in changes {
            if let Change::Put(Record::Transaction(transaction)) = change {
                transactions.push(transaction);
                continue;
            }
            self.put_transactions(tx, &transactions, as_of, Source::Bank)
                .await?;
            transactions.clear();
            match change {
                Change::Put(record) => self.put_record(tx, record, as_of).await?,
                Change::Delete { kind, id } => delete_record(tx, kind, id).await?,
            }
        }
        self.put_transactions(tx, &transactions, as_of, Source::Bank)
            .await
    }

    /// What every application of changes ends with, given the changes applied: waiting
    /// requests shown again on their rows, the newest transactions listed again, the cursor
    /// with the reader that read up to it, the sync time, and the commit.
    async fn finish_changes(
        &self,
        mut tx: Tx<'_>,
        applied: &[Change],
        cursor: &str,
        read_by: &str,
    ) -> Result<(), StoreError> {
        show_waiting_echoes(&mut tx, applied).await?;
        if applied.iter().any(touches_transactions) {
            self.advance_newest(&mut tx, applied).await?;
        }
        self.put_sync_value(&mut tx, keys::CURSOR, cursor).await?;
        self.put_sync_value(&mut tx, keys::READ_BY, read_by).await?;
        // The device's own clock, not the bank's `as_of`: what it is compared with (how old a
        // balance is now, whether a payment came after it) is on the device's clock too.
        self.put_sync_value(
            &mut tx,
            keys::LAST_SYNCED_AT,
            &millis(Utc::now()).to_string(),
        )
        .await?;
        self.commit_protected(tx).await
    }

    /// The rows kept aside for their parent, each with the patch it came as.
    async fn waiting_patches<'e>(
        &self,
        executor: impl sqlx::SqliteExecutor<'e>,
    ) -> Result<Vec<(Patch, Change)>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT key, patch FROM waiting_patch ORDER BY rowid")
                .fetch_all(executor)
                .await?;
        rows.into_iter()
            .map(|(key, sealed)| {
                let json = self.cipher.open_string(Col::WaitingPatch, &key, &sealed)?;
                let patch: Patch =
                    serde_json::from_str(&json).map_err(|_| StoreError::InvalidData {
                        table: "waiting_patch",
                        column: "patch",
                        reason: "not a patch",
                    })?;
                let change = patch
                    .clone()
                    .into_change()
                    .map_err(|_| StoreError::InvalidData {
                        table: "waiting_patch",
                        column: "patch",
                        reason: "not a valid patch",
                    })?;
                Ok((patch, change))
            })
            .collect()
    }

    async fn put_record(
        &self,
        tx: &mut Tx<'_>,
        record: &Record,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let bank = Source::Bank;
        match record {
            Record::Customer(customer) => self.put_customer(tx, customer, as_of).await,
            Record::Account(account, position) => {
                self.put_account(tx, account, usize::try_from(*position).unwrap_or(0), as_of)
                    .await
            }
            Record::Transaction(t) => self.put_transaction(tx, t, as_of, bank).await,
            Record::Payee(p) => self.put_payee(tx, p, as_of).await,
            Record::Biller(b) => self.put_biller(tx, b, as_of).await,
            Record::Bill(b) => self.put_bill(tx, b, as_of).await,
            Record::Card(c) => self.put_card(tx, c, as_of).await,
            Record::Alert(a) => self.put_alert(tx, a, as_of).await,
            Record::ServiceRequest(r) => self.put_service_request(tx, r, as_of).await,
            Record::Preferences(p) => {
                let json = serde_json::to_string(p)
                    .map_err(|_| StoreError::InvalidInput("preferences"))?;
                self.put_sync_value(tx, keys::PREFERENCES, &json).await
            }
            Record::Payment(p) => self.put_payment(tx, p, as_of).await,
            Record::Limits(limits) => {
                let json = serde_json::to_string(limits)
                    .map_err(|_| StoreError::InvalidInput("limits"))?;
                self.put_sync_value(tx, keys::DAILY_LIMITS, &json).await
            }
        }
    }

    async fn put_payment(
        &self,
        tx: &mut Tx<'_>,
        payment: &PaymentDto,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO payment (id, idempotency_key, kind, from_account, target_id, amount_minor, currency,
                                  status, hold_until, created_at, as_of)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, hold_until = excluded.hold_until,
                 amount_minor = excluded.amount_minor, kind = excluded.kind,
                 from_account = excluded.from_account, target_id = excluded.target_id,
                 currency = excluded.currency, as_of = excluded.as_of",
        )
        .bind(&payment.id)
        .bind(&payment.idempotency_key)
        .bind(&payment.kind)
        .bind(&payment.from_account)
        .bind(&payment.target_id)
        .bind(self.cipher.seal_i64(
            Col::PaymentAmount,
            &Col::PaymentAmount.row(
                &payment.id,
                &[
                    &payment.kind,
                    &payment.from_account,
                    &payment.target_id,
                    &payment.currency,
                ],
            ),
            payment.amount_minor,
        )?)
        .bind(&payment.currency)
        .bind(&payment.status)
        .bind(payment.hold_until.map(millis))
        .bind(millis(payment.created_at))
        .bind(millis(as_of))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Payments the bank reported, newest first.
    pub async fn payments(&self) -> Result<Vec<Tracked<PaymentDto>>, StoreError> {
        let rows = sqlx::query("SELECT * FROM payment ORDER BY created_at DESC, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let sealed: Vec<u8> = row.try_get("amount_minor")?;
                let kind: String = row.try_get("kind")?;
                let from_account: String = row.try_get("from_account")?;
                let target_id: String = row.try_get("target_id")?;
                let currency: String = row.try_get("currency")?;
                let sealed_row =
                    Col::PaymentAmount.row(&id, &[&kind, &from_account, &target_id, &currency]);
                let payment = PaymentDto {
                    amount_minor: self
                        .cipher
                        .open_i64(Col::PaymentAmount, &sealed_row, &sealed)?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    kind,
                    from_account,
                    target_id,
                    currency,
                    status: row.try_get("status")?,
                    hold_until: row.try_get::<Option<i64>, _>("hold_until")?.map(time),
                    created_at: time(row.try_get("created_at")?),
                    id,
                };
                Ok(Tracked::from_bank(payment, time(row.try_get("as_of")?)))
            })
            .collect()
    }

    /// Queues a request with its local echo, in one transaction: the request is either in the
    /// outbox with its echo, or neither is.
    pub async fn enqueue(
        &self,
        request: &NewRequest,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        let target = request.action.target();
        let previous = match LocalEcho::of(request.action.kind()) {
            Some(echo) => {
                let previous = echo.value(&mut tx, target).await?;
                echo.set(&mut tx, target, echo.shown, Source::Device)
                    .await?;
                previous
            }
            None => None,
        };
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, priority, kind, target_id, payload, echo_previous,
                                 state, next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        )
        .bind(&request.idempotency_key)
        .bind(request.priority)
        .bind(request.action.kind().as_str())
        .bind(request.action.target())
        .bind(seal_payload(
            &self.cipher,
            &request.idempotency_key,
            request.action.kind().as_str(),
            request.action.target(),
            request.action.payload().as_deref(),
        )?)
        .bind(previous)
        .bind(millis(now))
        .bind(millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit_protected(tx).await
    }

    /// Pending requests in sending order: safety actions first, then as queued.
    ///
    /// A safety action jumps ahead of other requests, but never ahead of an earlier request
    /// for the same thing: "unlock, then lock" must reach the bank in that order, or the card
    /// would end up unlocked. So each request takes the most urgent priority of itself and
    /// every later request for the same target.
    pub async fn pending_requests(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.verify_integrity().await?;
        let items: Vec<OutboxItem> = self
            .outbox(true)
            .await?
            .into_iter()
            .map(|entry| entry.item)
            .collect();
        let mut keyed: Vec<(i64, OutboxItem)> = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let urgency = items[index..]
                    .iter()
                    .filter(|later| later.action.target() == item.action.target())
                    .map(|later| later.priority)
                    .min()
                    .unwrap_or(item.priority);
                (urgency, item.clone())
            })
            .collect();
        keyed.sort_by_key(|(urgency, item)| (*urgency, item.seq));
        Ok(keyed.into_iter().map(|(_, item)| item).collect())
    }

    /// Every request ever queued, with its state, in queue order.
    pub async fn outbox_history(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox(false).await
    }

    /// The outbox in queue order, all of it or its pending requests.
    async fn outbox(&self, pending_only: bool) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE ?1 = 0 OR state = 'pending' ORDER BY seq"
        ))
        .bind(pending_only)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEntry {
                    item: outbox_item(row, &self.cipher)?,
                    state: row.try_get("state")?,
                })
            })
            .collect()
    }

    /// The bank acknowledged a request: record it and apply the entity it answered with.
    pub async fn request_acknowledged(
        &self,
        seq: i64,
        answer: Option<&Change>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        let mut applied = true;
        if let Some(Change::Put(record)) = answer {
            // The answer is applied when it can be; when it cannot (its account not cached,
            // as after a rebuild), the request is still delivered — the next pull brings the
            // state — and never sent again and again, holding every later pull back.
            sqlx::query("SAVEPOINT answer").execute(&mut *tx).await?;
            match self.put_record(&mut tx, record, now).await {
                Ok(()) => {}
                Err(error) if !error.calls_for_rebuild() => {
                    tracing::warn!(%error, "a delivered request's answer was not applied");
                    sqlx::query("ROLLBACK TO answer").execute(&mut *tx).await?;
                    applied = false;
                }
                Err(error) => return Err(error),
            }
            sqlx::query("RELEASE answer").execute(&mut *tx).await?;
        }
        if applied && answer.is_some_and(touches_transactions) {
            self.refresh_newest(&mut tx).await?;
        }
        sqlx::query(
            "UPDATE outbox SET state = 'acked', finished_at = ?, last_error = NULL WHERE seq = ?",
        )
        .bind(millis(now))
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        // "Locked" answering a lock must not hide an unlock queued after it.
        if applied && let Some(answer) = answer {
            show_waiting_echoes(&mut tx, std::slice::from_ref(answer)).await?;
        }
        self.commit_protected(tx).await
    }

    /// The bank refused a request for good: record why and undo its local echo.
    pub async fn request_failed(
        &self,
        seq: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.undo_request(seq, Some((reason, now)))
            .await
            .map(|_| ())
    }

    /// Takes back a request still waiting that never reached the bank (an unlock whose
    /// step-up proof is for a challenge that will expire): the row goes and its local echo is
    /// undone. False when it no longer waits (sent meanwhile, or answered).
    pub async fn withdraw_waiting_request(&self, seq: i64) -> Result<bool, StoreError> {
        self.undo_request(seq, None).await
    }

    /// A request ended without the bank acting on it: failed with a reason, or (`None`)
    /// withdrawn while it waits. Its local echo is undone either way.
    async fn undo_request(
        &self,
        seq: i64,
        failed: Option<(&str, DateTime<Utc>)>,
    ) -> Result<bool, StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        let row: Option<(String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT kind, target_id, echo_previous, state FROM outbox WHERE seq = ?",
        )
        .bind(seq)
        .fetch_optional(&mut *tx)
        .await?;
        match failed {
            Some((reason, now)) => {
                sqlx::query(
                    "UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ?
                     WHERE seq = ?",
                )
                .bind(millis(now))
                .bind(reason)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            }
            None if row.as_ref().is_some_and(|row| row.3 == "pending") => {
                sqlx::query("DELETE FROM outbox WHERE seq = ?")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            None => return Ok(false),
        }
        if let Some((kind, target, Some(previous), _)) = row
            && let Some(echo) = ActionKind::parse(&kind).and_then(LocalEcho::of)
        {
            let on_row = waiting_echoes(&mut tx, echo.row_kind, &target).await?;
            match on_row.first() {
                // A later request on the same row still shows: it would restore, in its turn,
                // what this one would have.
                Some((next, _)) => keep_undo(&mut tx, *next, Some(&previous)).await?,
                None => echo.set(&mut tx, &target, &previous, Source::Bank).await?,
            }
        }
        self.commit_protected(tx).await?;
        Ok(true)
    }

    /// A delivery attempt failed in a way worth retrying later.
    pub async fn request_retry_later(
        &self,
        seq: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?")
            .bind(millis(next_attempt_at))
            .bind(error)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        self.commit_protected(tx).await
    }

    /// Records a confirmed payment before it is sent.
    pub async fn record_payment_attempt(
        &self,
        key: &str,
        request_json: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sealed = self
            .cipher
            .seal_str(Col::PaymentAttemptRequest, key, request_json)?;
        let mut tx = super::schema::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO payment_attempt (idempotency_key, request, state, created_at, updated_at)
             VALUES (?, ?, 'sending', ?, ?)",
        )
        .bind(key)
        .bind(sealed)
        .bind(millis(now))
        .bind(millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit_protected(tx).await
    }

    /// Records what became of a payment attempt, with the bank's payment when there is one.
    pub async fn settle_payment_attempt(
        &self,
        key: &str,
        state: &str,
        payment: Option<&PaymentDto>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        if let Some(payment) = payment {
            self.put_payment(&mut tx, payment, now).await?;
        }
        sqlx::query(
            "UPDATE payment_attempt SET state = ?, payment_id = ?, reason = ?, updated_at = ? WHERE idempotency_key = ?",
        )
        .bind(state)
        .bind(payment.map(|p| p.id.clone()))
        .bind(reason)
        .bind(millis(now))
        .bind(key)
        .execute(&mut *tx)
        .await?;
        self.commit_protected(tx).await
    }

    /// Records a payment attempt as not sent (`reason`) only while it is still being sent:
    /// `false` when it was settled already — by another client on this file that had the
    /// bank's answer for it meanwhile, which stands (an executed payment is never told as not
    /// sent).
    pub async fn settle_unsent_payment_attempt(
        &self,
        key: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        let settled = sqlx::query(
            "UPDATE payment_attempt SET state = 'refused', payment_id = NULL, reason = ?, updated_at = ? \
             WHERE idempotency_key = ? AND state = 'sending'",
        )
        .bind(reason)
        .bind(millis(now))
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        self.commit_protected(tx).await?;
        Ok(settled)
    }

    /// Payment attempts in the order they were made (the order of their rows, not the phone's
    /// clock, which can be set back), optionally only those whose outcome is still unknown.
    pub async fn payment_attempts(
        &self,
        unresolved_only: bool,
    ) -> Result<Vec<PaymentAttempt>, StoreError> {
        self.verify_integrity().await?;
        let sql = if unresolved_only {
            "SELECT * FROM payment_attempt WHERE state = 'sending' ORDER BY rowid"
        } else {
            "SELECT * FROM payment_attempt ORDER BY rowid"
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let key: String = row.try_get("idempotency_key")?;
                let sealed: Option<Vec<u8>> = row.try_get("request")?;
                let request = sealed
                    .map(|s| {
                        self.cipher
                            .open_string(Col::PaymentAttemptRequest, &key, &s)
                    })
                    .transpose()?;
                Ok(PaymentAttempt {
                    request,
                    state: row.try_get("state")?,
                    payment_id: row.try_get("payment_id")?,
                    reason: row.try_get("reason")?,
                    idempotency_key: key,
                })
            })
            .collect()
    }
}

/// Which transactions a history read looks at, before their sealed time is opened.
#[derive(Default)]
pub(crate) struct TxnFilter<'a> {
    pub account_id: Option<&'a str>,
    pub pending_only: bool,
    /// Only these ids (a JSON list), when given.
    pub ids: Option<&'a str>,
}

/// Bytes from upper- or lower-case hex (SQLite's `hex()`); `None` if it is not hex.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
            _ => None,
        })
        .collect()
}

/// The ids of the transactions `keep` keeps (by sealed time and id), newest first (then by id), at most
/// `limit`. Every time is read in one row (id, account, sealed time in hex), not a row each:
/// for a long history, handing rows over one by one costs more than opening the times.
pub(crate) async fn newest_ids(
    connection: &mut sqlx::SqliteConnection,
    cipher: &FieldCipher,
    filter: TxnFilter<'_>,
    keep: impl Fn(DateTime<Utc>, &str) -> bool,
    limit: usize,
) -> Result<Vec<String>, StoreError> {
    let mut timed = newest_timed(connection, cipher, filter, keep).await?;
    timed.truncate(limit);
    Ok(timed.into_iter().map(|(_, id)| id).collect())
}

/// The transactions `filter` names that `keep` keeps, with their times, newest first (ties
/// by id).
async fn newest_timed(
    connection: &mut sqlx::SqliteConnection,
    cipher: &FieldCipher,
    filter: TxnFilter<'_>,
    keep: impl Fn(DateTime<Utc>, &str) -> bool,
) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
    let listed: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, account_id, hex(occurred_at))) FROM txn
         WHERE (?1 IS NULL OR account_id = ?1) AND (?2 = 0 OR status = 'pending')
           AND (?3 IS NULL OR id IN (SELECT value FROM json_each(?3)))",
    )
    .bind(filter.account_id)
    .bind(filter.pending_only)
    .bind(filter.ids)
    .fetch_one(&mut *connection)
    .await?;
    let unreadable = || StoreError::InvalidData {
        table: "txn",
        column: "occurred_at",
        reason: "not a sealed time",
    };
    let listed: Vec<(String, String, String)> =
        serde_json::from_str(listed.as_deref().unwrap_or("[]")).map_err(|_| unreadable())?;
    let column = Col::TransactionOccurredAt;
    let mut timed = Vec::with_capacity(listed.len());
    for (id, account, sealed) in listed {
        let sealed = from_hex(&sealed).ok_or_else(unreadable)?;
        let millis = cipher.open_i64(column, &column.row(&id, &[&account]), &sealed)?;
        let at = DateTime::from_timestamp_millis(millis).ok_or_else(unreadable)?;
        if keep(at, &id) {
            timed.push((at, id));
        }
    }
    timed.sort_by(newest_first);
    Ok(timed)
}

/// Newest first; the same time by id.
fn newest_first(a: &(DateTime<Utc>, String), b: &(DateTime<Utc>, String)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// The bank's state has just been written over rows that requests still waiting in the outbox
/// act on. Each such row shows the newest waiting request's echo again, and the oldest one
/// takes the bank's value as the one to restore should the bank refuse it: the bank's news
/// lands (a pull need not wait for a request the bank keeps failing), and never hides what the
/// customer asked for.
async fn show_waiting_echoes(tx: &mut Tx<'_>, changes: &[Change]) -> Result<(), StoreError> {
    let mut rows: Vec<(&str, &str)> = Vec::new();
    for change in changes {
        let row = match change {
            Change::Put(Record::Card(card)) => (kinds::CARD, card.id.as_str()),
            Change::Put(Record::Alert(alert)) => (kinds::ALERT, alert.id.as_str()),
            _ => continue,
        };
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    for (row_kind, id) in rows {
        let on_row = waiting_echoes(tx, row_kind, id).await?;
        let (Some((oldest, echo)), Some((_, newest))) = (on_row.first(), on_row.last()) else {
            continue;
        };
        let bank_value = echo.value(tx, id).await?;
        keep_undo(tx, *oldest, bank_value.as_deref()).await?;
        newest.set(tx, id, newest.shown, Source::Device).await?;
    }
    Ok(())
}

/// What a waiting request restores to its row should the bank refuse it.
async fn keep_undo(tx: &mut Tx<'_>, seq: i64, value: Option<&str>) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET echo_previous = ? WHERE seq = ?")
        .bind(value)
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The requests waiting in the outbox that show on one row, oldest first, with their echo.
async fn waiting_echoes(
    tx: &mut Tx<'_>,
    row_kind: &str,
    id: &str,
) -> Result<Vec<(i64, LocalEcho)>, StoreError> {
    let waiting: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, kind FROM outbox WHERE state = 'pending' AND target_id = ? ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(waiting
        .into_iter()
        .filter_map(|(seq, kind)| {
            let echo = ActionKind::parse(&kind).and_then(LocalEcho::of)?;
            (echo.row_kind == row_kind).then_some((seq, echo))
        })
        .collect())
}

/// True when a change can add, move or remove transactions.
fn touches_transactions(change: &Change) -> bool {
    match change {
        Change::Put(record) => matches!(record, Record::Transaction(_)),
        Change::Delete { kind, .. } => matches!(*kind, kinds::TRANSACTION | kinds::ACCOUNT),
    }
}

/// The action an outbox row holds.
pub(crate) fn stored_action(
    kind: &str,
    target: &str,
    payload: Option<&str>,
) -> Result<Action, StoreError> {
    Action::from_parts(kind, target, payload).map_err(|_| StoreError::InvalidData {
        table: "outbox",
        column: "kind",
        reason: "not an action this app queues",
    })
}

/// The outbox columns [`outbox_item`] reads, named rather than `*`: SQLite prepares a
/// statement again after a migration adds a column, and sqlx keeps the column list it first
/// saw.
macro_rules! outbox_columns {
    () => {
        "seq, idempotency_key, priority, kind, target_id, payload, attempts, next_attempt_at, \
         last_error, state"
    };
}
use outbox_columns;

/// An outbox payload sealed under its request's key, kind and target.
fn seal_payload(
    cipher: &FieldCipher,
    key: &str,
    kind: &str,
    target: &str,
    payload: Option<&str>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let column = Col::OutboxPayload;
    Ok(payload
        .map(|p| cipher.seal_str(column, &column.row(key, &[kind, target]), p))
        .transpose()?)
}

/// The action of an outbox row (kind, target and sealed payload, under its key).
pub(crate) fn sealed_action(
    cipher: &FieldCipher,
    key: &str,
    kind: &str,
    target: &str,
    sealed: Option<&[u8]>,
) -> Result<Action, StoreError> {
    let column = Col::OutboxPayload;
    let payload = sealed
        .map(|s| cipher.open_string(column, &column.row(key, &[kind, target]), s))
        .transpose()?;
    stored_action(kind, target, payload.as_deref())
}

fn outbox_item(
    row: &sqlx::sqlite::SqliteRow,
    cipher: &FieldCipher,
) -> Result<OutboxItem, StoreError> {
    let kind: String = row.try_get("kind")?;
    let target: String = row.try_get("target_id")?;
    let key: String = row.try_get("idempotency_key")?;
    let payload: Option<Vec<u8>> = row.try_get("payload")?;
    let action = sealed_action(cipher, &key, &kind, &target, payload.as_deref())?;
    Ok(OutboxItem {
        seq: row.try_get("seq")?,
        idempotency_key: key,
        priority: row.try_get("priority")?,
        action,
        attempts: row.try_get("attempts")?,
        next_attempt_at: time(row.try_get("next_attempt_at")?),
        last_error: row.try_get("last_error")?,
    })
}

/// The most rows of the bank's feed kept waiting for their account or biller: ten full
/// pages. A page that would leave more is refused, and nothing of it applied.
pub const MAX_ROWS_WAITING: usize = 10 * tingshuo_base::wire::MAX_PAGE_PATCHES;
/// The most records this version cannot read that the store lists (a page's worth): the view
/// says some were left out, not how many past that.
pub const MAX_RECORDS_LEFT_OUT: usize = tingshuo_base::wire::MAX_PAGE_PATCHES;

/// The kinds of record whose last version is removed when a newer one cannot be read.
const REMOVED_WHEN_LEFT_OUT: &[&str] = &[
    kinds::TRANSACTION,
    kinds::CARD,
    kinds::BILL,
    kinds::ALERT,
    kinds::SERVICE_REQUEST,
];

/// The `kind:id` of the account or biller a record hangs on.
fn parent_key(record: &Record) -> Option<String> {
    match record {
        Record::Transaction(t) => Some(record_key(kinds::ACCOUNT, t.account_id.as_str())),
        Record::Card(c) => Some(record_key(kinds::ACCOUNT, c.account_id.as_str())),
        Record::Bill(b) => Some(record_key(kinds::BILLER, b.biller_id.as_str())),
        _ => None,
    }
}

/// Keeps the list of records left out true for a page: a record the page brings readable or
/// removes leaves it, one it brings unreadable joins it (up to [`MAX_RECORDS_LEFT_OUT`]: past
/// that, the list stops growing rather than her sync stopping). Returns the accounts and
/// billers left out before that are readable now, as (table, id).
fn update_left_out(
    remembered: &mut BTreeSet<String>,
    page: &[(Patch, Change)],
    left_out: &[Patch],
) -> Vec<(&'static str, String)> {
    let mut readable_again = Vec::new();
    for (patch, change) in page {
        if !remembered.remove(&waiting_key(patch)) {
            continue;
        }
        match change {
            Change::Put(Record::Account(account, _)) => {
                readable_again.push(("account", account.id.as_str().to_owned()));
            }
            Change::Put(Record::Biller(biller)) => {
                readable_again.push(("biller", biller.id.as_str().to_owned()));
            }
            _ => {}
        }
    }
    for patch in left_out {
        let key = waiting_key(patch);
        if patch.op == PatchOp::Delete {
            remembered.remove(&key);
        } else if remembered.len() < MAX_RECORDS_LEFT_OUT || remembered.contains(&key) {
            remembered.insert(key);
        } else {
            tracing::warn!("more records this version cannot read than it lists");
        }
    }
    readable_again
}

/// What applying a page left: rows waiting for their parent, records left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageApplied {
    pub rows_waiting: usize,
    pub records_left_out: usize,
}

/// The kinds of the bank's feed kept in tables of their own, with their tables.
const KIND_TABLES: &[(&str, &str)] = &[
    (kinds::CUSTOMER, "customer"),
    (kinds::ACCOUNT, "account"),
    (kinds::TRANSACTION, "txn"),
    (kinds::PAYEE, "payee"),
    (kinds::BILLER, "biller"),
    (kinds::BILL, "bill"),
    (kinds::CARD, "card"),
    (kinds::ALERT, "alert"),
    (kinds::SERVICE_REQUEST, "service_request"),
    (kinds::PAYMENT, "payment"),
];

fn kind_of_table(table: &str) -> Option<&'static str> {
    KIND_TABLES
        .iter()
        .find(|(_, named)| *named == table)
        .map(|(kind, _)| *kind)
}

/// Where a row of a patch waits aside: its kind and id.
fn waiting_key(patch: &Patch) -> String {
    record_key(&patch.kind, &patch.id)
}

/// A record's `kind:id`: how rows aside and records left out are listed.
fn record_key(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

/// Rows written in this transaction whose account or biller is not there: (table, rowid).
async fn orphan_rows(tx: &mut Tx<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
            .fetch_all(&mut **tx)
            .await?,
    )
}

async fn delete_record(tx: &mut Tx<'_>, kind: &str, id: &str) -> Result<(), StoreError> {
    if kind == kinds::LIMITS {
        sqlx::query("DELETE FROM sync_state WHERE key = ?")
            .bind(keys::DAILY_LIMITS)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    let Some(&(_, table)) = KIND_TABLES.iter().find(|(named, _)| *named == kind) else {
        return Ok(());
    };
    // The table name comes from the fixed list above.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id = ?"
    )))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
