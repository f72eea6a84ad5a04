//! Writing the bank's data: every C2 field is sealed here, bound to its row.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, Tx, schema};
use crate::crypto::SealedColumn as Col;
use tingshuo_base::model::{
    Account, Alert, Bill, Biller, Card, Customer, CustomerSnapshot, Payee, ServiceRequest, Source,
    Transaction as Txn,
};

/// The cache tables, children before parents so deletes respect foreign keys.
const CACHE_TABLES: &[&str] = &[
    "txn",
    "card",
    "bill",
    "alert",
    "service_request",
    "payee",
    "biller",
    "account",
    "customer",
];

/// What the store holds of the customer beyond the cache, children before parents: rows
/// waiting for their parent, what waits to be sent or checked, her consent decisions and the
/// sync values (device and customer ids, cursor, what she was told).
const CUSTOMER_TABLES: &[&str] = &[
    "waiting_patch",
    "outbox",
    "payment_attempt",
    "payment",
    "consent",
    "sync_state",
];

/// Transactions written by one statement (11 columns each: far under SQLite's 32,766 bound
/// values).
const TRANSACTIONS_PER_STATEMENT: usize = 64;

/// A transaction row as written: plain columns, and the C2 ones sealed.
struct SealedTransaction {
    id: String,
    account_id: String,
    status: &'static str,
    amount: Vec<u8>,
    currency: &'static str,
    counterparty: Vec<u8>,
    description: Vec<u8>,
    category: Vec<u8>,
    occurred_at: Vec<u8>,
}

/// [`upsert_sql!`] for `rows` rows at once, of fixed column names (never data).
fn upsert_rows_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    let updates: Vec<String> = columns
        .iter()
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        vec![row; rows].join(", "),
        columns.first().copied().unwrap_or("id"),
        updates.join(", ")
    )
}

/// `INSERT … ON CONFLICT (id) DO UPDATE` for a table's columns (the first is the id). An/// `INSERT … ON CONFLICT (id) DO UPDATE` for a table's columns (the first is the id). An
/// update in place, never `REPLACE`: replacing an account row would cascade-delete its
/// transactions.
macro_rules! upsert_sql {
    ($table:literal, [$first:literal $(, $column:literal)*]) => {
        concat!(
            "INSERT INTO ", $table, " (", $first $(, ", ", $column)*, ") VALUES (?",
            $(upsert_sql!(@placeholder $column),)*
            ") ON CONFLICT (", $first, ") DO UPDATE SET ",
            $first, " = excluded.", $first $(, ", ", $column, " = excluded.", $column)*
        )
    };
    (@placeholder $column:literal) => {
        ", ?"
    };
}

/// Ids are bound into each ciphertext's associated data with NUL separators.
fn checked_id(id: &str) -> Result<&str, StoreError> {
    if id.is_empty() || id.len() > 128 || id.contains('\0') {
        Err(StoreError::InvalidInput(
            "ids must be 1-128 bytes without NUL",
        ))
    } else {
        Ok(id)
    }
}

impl Store {
    /// Deletes everything the store holds of its customer, in one write (the file, its key
    /// and schema stay, ready for a device registered anew). Deleted pages are zeroed
    /// (`secure_delete`) and the write-ahead log is emptied into the file when no reader holds
    /// it, so nothing of hers is left in either.
    pub async fn forget_customer(&self) -> Result<(), StoreError> {
        let mut tx = super::schema::begin_write(&self.pool).await?;
        for table in CUSTOMER_TABLES.iter().chain(CACHE_TABLES) {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        self.commit_protected(tx).await?;
        // The deletion stands once committed; emptying the log is the best that can be done
        // now (a reader elsewhere keeps older frames until the next checkpoint passes it).
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await
        {
            Ok((0, _, _)) => {}
            Ok((_, frames, done)) => {
                tracing::warn!(frames, done, "the write-ahead log was not emptied yet");
            }
            Err(error) => tracing::warn!(%error, "the write-ahead log was not emptied"),
        }
        tracing::info!("the customer's data was deleted from the store");
        Ok(())
    }

    /// Replaces the cached view with a complete snapshot from the bank, atomically.
    pub async fn save_snapshot(&self, snapshot: &CustomerSnapshot) -> Result<(), StoreError> {
        let as_of = snapshot.as_of;
        let mut tx = super::schema::begin_write(&self.pool).await?;
        for table in CACHE_TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        self.put_customer(&mut tx, &snapshot.customer, as_of)
            .await?;
        for (position, account) in snapshot.accounts.iter().enumerate() {
            self.put_account(&mut tx, account, position, as_of).await?;
        }
        let transactions: Vec<&Txn> = snapshot.transactions.iter().collect();
        self.put_transactions(&mut tx, &transactions, as_of, Source::Bank)
            .await?;
        for payee in &snapshot.payees {
            self.put_payee(&mut tx, payee, as_of).await?;
        }
        for biller in &snapshot.billers {
            self.put_biller(&mut tx, biller, as_of).await?;
        }
        for bill in &snapshot.bills {
            self.put_bill(&mut tx, bill, as_of).await?;
        }
        for card in &snapshot.cards {
            self.put_card(&mut tx, card, as_of).await?;
        }
        for alert in &snapshot.alerts {
            self.put_alert(&mut tx, alert, as_of).await?;
        }
        for request in &snapshot.service_requests {
            self.put_service_request(&mut tx, request, as_of).await?;
        }
        // Without transactions the list stays as it was: the ids it names are gone.
        if !snapshot.transactions.is_empty() {
            self.refresh_newest(&mut tx).await?;
        }
        self.commit_protected(tx).await?;
        tracing::debug!(
            accounts = snapshot.accounts.len(),
            transactions = snapshot.transactions.len(),
            "snapshot saved"
        );
        Ok(())
    }

    pub(super) async fn put_customer(
        &self,
        tx: &mut Tx<'_>,
        customer: &Customer,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&customer.id)?;
        let cipher = &self.cipher;
        sqlx::query(upsert_sql!(
            "customer",
            ["id", "full_name", "locale", "as_of", "source"]
        ))
        .bind(id)
        .bind(cipher.seal_str(Col::CustomerFullName, id, customer.full_name.reveal())?)
        .bind(&customer.locale)
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_account(
        &self,
        tx: &mut Tx<'_>,
        account: &Account,
        position: usize,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&account.id)?;
        let cipher = &self.cipher;
        let available = account.balance.available.reveal();
        let booked = account.balance.booked.reveal();
        if available.currency() != account.currency || booked.currency() != account.currency {
            return Err(StoreError::InvalidInput(
                "balance currency differs from the account's",
            ));
        }
        sqlx::query(upsert_sql!(
            "account",
            [
                "id",
                "kind",
                "name",
                "currency",
                "number",
                "available_minor",
                "booked_minor",
                "matures_on",
                "position",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(account.kind.as_str())
        .bind(&account.name)
        .bind(account.currency.code())
        .bind(cipher.seal_str(
            Col::AccountNumber,
            &Col::AccountNumber.row(id, &[account.kind.as_str(), &account.name]),
            account.number.reveal().as_str(),
        )?)
        .bind(cipher.seal_i64(
            Col::AccountAvailable,
            &Col::AccountAvailable.row(id, &[account.kind.as_str(), account.currency.code()]),
            available.minor(),
        )?)
        .bind(cipher.seal_i64(
            Col::AccountBooked,
            &Col::AccountBooked.row(id, &[account.kind.as_str(), account.currency.code()]),
            booked.minor(),
        )?)
        .bind(account.matures_on.map(|d| d.to_string()))
        .bind(i64::try_from(position).map_err(|_| StoreError::InvalidInput("too many accounts"))?)
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_transaction(
        &self,
        tx: &mut Tx<'_>,
        transaction: &Txn,
        as_of: DateTime<Utc>,
        source: Source,
    ) -> Result<(), StoreError> {
        self.put_transactions(tx, &[transaction], as_of, source)
            .await
    }

    /// Writes transactions many rows to a statement: each statement goes to the database's
    /// own thread and back, which cost an initial sync more than writing the rows.
    pub(super) async fn put_transactions(
        &self,
        tx: &mut Tx<'_>,
        transactions: &[&Txn],
        as_of: DateTime<Utc>,
        source: Source,
    ) -> Result<(), StoreError> {
        const COLUMNS: &[&str] = &[
            "id",
            "account_id",
            "status",
            "amount_minor",
            "currency",
            "counterparty",
            "description",
            "category",
            "occurred_at",
            "as_of",
            "source",
        ];
        if transactions.is_empty() {
            return Ok(());
        }
        // One row per id, its last version: a statement may not update a row twice.
        let mut seen = std::collections::HashSet::new();
        let mut latest: Vec<&Txn> = transactions
            .iter()
            .rev()
            .filter(|transaction| seen.insert(transaction.id.as_str()))
            .copied()
            .collect();
        latest.reverse();
        for chunk in latest.chunks(TRANSACTIONS_PER_STATEMENT) {
            let rows = chunk
                .iter()
                .map(|transaction| self.sealed_transaction(transaction))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(upsert_rows_sql(
                "txn",
                COLUMNS,
                rows.len(),
            )));
            for row in rows {
                query = query
                    .bind(row.id)
                    .bind(row.account_id)
                    .bind(row.status)
                    .bind(row.amount)
                    .bind(row.currency)
                    .bind(row.counterparty)
                    .bind(row.description)
                    .bind(row.category)
                    .bind(row.occurred_at)
                    .bind(as_of.timestamp_millis())
                    .bind(source.as_str());
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// A transaction's columns, its C2 fields sealed and bound to its row.
    fn sealed_transaction(&self, transaction: &Txn) -> Result<SealedTransaction, StoreError> {
        let id = checked_id(&transaction.id)?;
        let cipher = &self.cipher;
        let amount = transaction.amount.reveal();
        let in_account = [transaction.account_id.as_str()];
        Ok(SealedTransaction {
            id: id.to_owned(),
            account_id: transaction.account_id.as_str().to_owned(),
            status: transaction.status.as_str(),
            amount: cipher.seal_i64(
                Col::TransactionAmount,
                &Col::TransactionAmount.row(
                    id,
                    &[transaction.account_id.as_str(), amount.currency().code()],
                ),
                amount.minor(),
            )?,
            currency: amount.currency().code(),
            counterparty: cipher.seal_str(
                Col::TransactionCounterparty,
                &Col::TransactionCounterparty.row(id, &in_account),
                transaction.counterparty.reveal(),
            )?,
            description: cipher.seal_str(
                Col::TransactionDescription,
                &Col::TransactionDescription.row(id, &in_account),
                transaction.description.reveal(),
            )?,
            category: cipher.seal_str(
                Col::TransactionCategory,
                &Col::TransactionCategory.row(id, &in_account),
                transaction.category.as_str(),
            )?,
            occurred_at: cipher.seal_i64(
                Col::TransactionOccurredAt,
                &Col::TransactionOccurredAt.row(id, &in_account),
                transaction.occurred_at.timestamp_millis(),
            )?,
        })
    }

    pub(super) async fn put_payee(
        &self,
        tx: &mut Tx<'_>,
        payee: &Payee,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&payee.id)?;
        let cipher = &self.cipher;
        sqlx::query(upsert_sql!(
            "payee",
            [
                "id",
                "name",
                "relationship",
                "account_number",
                "bank_name",
                "added_on",
                "transfers_made",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(cipher.seal_str(
            Col::PayeeName,
            &Col::PayeeName.row(id, &[payee.relationship.as_str()]),
            payee.name.reveal(),
        )?)
        .bind(payee.relationship.as_str())
        .bind(cipher.seal_str(
            Col::PayeeAccountNumber,
            &Col::PayeeAccountNumber.row(id, &[payee.relationship.as_str()]),
            payee.account_number.reveal().as_str(),
        )?)
        .bind(&payee.bank_name)
        .bind(payee.added_on.to_string())
        .bind(i64::from(payee.transfers_made))
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_biller(
        &self,
        tx: &mut Tx<'_>,
        biller: &Biller,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&biller.id)?;
        sqlx::query(upsert_sql!(
            "biller",
            [
                "id",
                "name",
                "category",
                "customer_reference",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(&biller.name)
        .bind(biller.category.as_str())
        .bind(self.cipher.seal_str(
            Col::BillerCustomerReference,
            id,
            biller.customer_reference.reveal().as_str(),
        )?)
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_bill(
        &self,
        tx: &mut Tx<'_>,
        bill: &Bill,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&bill.id)?;
        let amount = bill.amount.reveal();
        sqlx::query(upsert_sql!(
            "bill",
            [
                "id",
                "biller_id",
                "amount_minor",
                "currency",
                "due_on",
                "status",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(bill.biller_id.as_str())
        .bind(self.cipher.seal_i64(
            Col::BillAmount,
            &Col::BillAmount.row(id, &[bill.biller_id.as_str(), amount.currency().code()]),
            amount.minor(),
        )?)
        .bind(amount.currency().code())
        .bind(bill.due_on.to_string())
        .bind(bill.status.as_str())
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_card(
        &self,
        tx: &mut Tx<'_>,
        card: &Card,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&card.id)?;
        sqlx::query(upsert_sql!(
            "card",
            [
                "id",
                "account_id",
                "kind",
                "name",
                "number",
                "status",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(card.account_id.as_str())
        .bind(card.kind.as_str())
        .bind(&card.name)
        .bind(self.cipher.seal_str(
            Col::CardNumber,
            &Col::CardNumber.row(id, &[card.account_id.as_str(), card.kind.as_str()]),
            card.number.reveal().as_str(),
        )?)
        .bind(card.status.as_str())
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_alert(
        &self,
        tx: &mut Tx<'_>,
        alert: &Alert,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(upsert_sql!(
            "alert",
            ["id", "kind", "created_at", "read", "as_of", "source"]
        ))
        .bind(checked_id(&alert.id)?)
        .bind(alert.kind.as_str())
        .bind(alert.created_at.timestamp_millis())
        .bind(alert.read)
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(super) async fn put_service_request(
        &self,
        tx: &mut Tx<'_>,
        request: &ServiceRequest,
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = checked_id(&request.id)?;
        let cipher = &self.cipher;
        let row =
            |column: Col| column.row(id, &[request.channel.as_str(), request.status.as_str()]);
        let scheduled_at = request
            .scheduled_at
            .map(|t| {
                let column = Col::ServiceRequestScheduledAt;
                cipher.seal_i64(column, &row(column), t.timestamp_millis())
            })
            .transpose()?;
        sqlx::query(upsert_sql!(
            "service_request",
            [
                "id",
                "channel",
                "status",
                "location",
                "reference",
                "scheduled_at",
                "opened_at",
                "as_of",
                "source"
            ]
        ))
        .bind(id)
        .bind(request.channel.as_str())
        .bind(request.status.as_str())
        .bind(cipher.seal_str(
            Col::ServiceRequestLocation,
            &row(Col::ServiceRequestLocation),
            &request.location,
        )?)
        .bind(cipher.seal_str(
            Col::ServiceRequestReference,
            &row(Col::ServiceRequestReference),
            &request.reference,
        )?)
        .bind(scheduled_at)
        .bind(cipher.seal_i64(
            Col::ServiceRequestOpenedAt,
            &row(Col::ServiceRequestOpenedAt),
            request.opened_at.timestamp_millis(),
        )?)
        .bind(as_of.timestamp_millis())
        .bind(Source::Bank.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Re-seals every sealed value under a fresh data key, wrapped by the host's key store,
    /// in one transaction with the new wrapped key: a crash leaves the old key and values or
    /// the new ones, never a mix. For a store that has sealed many values (done on open past
    /// `ROTATE_AFTER_SEALS`) or a data key the host no longer trusts.
    pub async fn rotate_data_key(
        self,
        key_store: &dyn crate::crypto::KeyStore,
    ) -> Result<Store, StoreError> {
        let data_key = crate::crypto::generate_key()?;
        let wrapped = key_store.wrap(&data_key)?;
        let fresh = crate::crypto::FieldCipher::new(&data_key)?;
        let mut tx = super::schema::begin_write(&self.pool).await?;
        for column in Col::ALL.iter().filter(|c| **c != Col::MetaKeyCheck) {
            let (table, name) = column.location();
            let key = column.row_key_column();
            for value in super::read::sealed_values(&mut tx, *column).await? {
                let plain = zeroize::Zeroizing::new(self.cipher.open(
                    *column,
                    &value.sealed_under,
                    &value.sealed,
                )?);
                let resealed = fresh.seal(*column, &value.sealed_under, &plain)?;
                // Table and column names come from the fixed SealedColumn list.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET {name} = ? WHERE {key} = ?"
                )))
                .bind(resealed)
                .bind(&value.key)
                .execute(&mut *tx)
                .await?;
            }
        }
        let check = fresh.seal(Col::MetaKeyCheck, "key_check", super::KEY_CHECK_PLAINTEXT)?;
        schema::meta_put(&mut tx, "wrapped_data_key", &wrapped).await?;
        schema::meta_put(&mut tx, "key_check", &check).await?;
        schema::meta_put(&mut tx, "seal_count", &fresh.seal_count().to_le_bytes()).await?;
        // The integrity tag is under a key derived from the data key: tagged again.
        let generation = super::integrity::bump(&mut tx, &fresh, None).await?;
        tx.commit().await?;
        tracing::info!("data key rotated");
        let store = Store {
            pool: self.pool,
            cipher: fresh,
            path: self.path,
            generations: self.generations,
        };
        store.note_generation(generation);
        Ok(store)
    }
}
