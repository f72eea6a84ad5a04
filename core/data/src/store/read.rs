//! Reading the cached view back: every sealed field is opened against its own row.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use super::Store;
use super::error::{LoadViewError, StoreError};
use super::sync::{TxnFilter, keys, newest_ids, sealed_action};
use crate::crypto::{FieldCipher, SealedColumn as Col};
use tingshuo_base::classify::{AccountNumber, C2, CardNumber};
use tingshuo_base::ids::Id;
use tingshuo_base::model::{
    Account, AccountKind, Alert, AlertKind, Balance, Bill, BillStatus, Biller, BillerCategory,
    Card, CardKind, CardStatus, Category, Channel, Customer, Payee, Relationship, ServiceRequest,
    ServiceStatus, Source, Tracked, Transaction, TransactionStatus,
};
use tingshuo_base::money::{Currency, Money};
use tingshuo_base::view::{
    CustomerView, RECENT_TRANSACTIONS, RequestState, RequestView, ViewParts,
};
use tingshuo_base::wire::{PaymentDto, payment_status};

fn invalid(table: &'static str, column: &'static str, reason: &'static str) -> StoreError {
    StoreError::InvalidData {
        table,
        column,
        reason,
    }
}

/// Reads one column of a row, naming the place if the stored type is wrong.
struct RowReader<'r> {
    row: &'r SqliteRow,
    table: &'static str,
}

impl<'r> RowReader<'r> {
    fn text(&self, column: &'static str) -> Result<String, StoreError> {
        self.row
            .try_get::<String, _>(column)
            .map_err(|_| invalid(self.table, column, "not text"))
    }

    fn blob(&self, column: &'static str) -> Result<Vec<u8>, StoreError> {
        self.row
            .try_get::<Vec<u8>, _>(column)
            .map_err(|_| invalid(self.table, column, "not a blob"))
    }

    fn int(&self, column: &'static str) -> Result<i64, StoreError> {
        self.row
            .try_get::<i64, _>(column)
            .map_err(|_| invalid(self.table, column, "not an integer"))
    }

    fn time(&self, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp_millis(self.int(column)?)
            .ok_or_else(|| invalid(self.table, column, "time out of range"))
    }

    fn date(&self, column: &'static str) -> Result<NaiveDate, StoreError> {
        self.text(column)?
            .parse()
            .map_err(|_| invalid(self.table, column, "not a date"))
    }

    fn optional_date(&self, column: &'static str) -> Result<Option<NaiveDate>, StoreError> {
        let text: Option<String> = self
            .row
            .try_get(column)
            .map_err(|_| invalid(self.table, column, "not text"))?;
        text.map(|t| {
            t.parse()
                .map_err(|_| invalid(self.table, column, "not a date"))
        })
        .transpose()
    }

    fn currency(&self, column: &'static str) -> Result<Currency, StoreError> {
        Currency::from_code(&self.text(column)?)
            .map_err(|_| invalid(self.table, column, "unknown currency"))
    }

    fn known<T>(
        &self,
        column: &'static str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        parse(&self.text(column)?).ok_or_else(|| invalid(self.table, column, "unknown value"))
    }

    fn tracked<T>(&self, item: T) -> Result<Tracked<T>, StoreError> {
        let source = Source::parse(&self.text("source")?)
            .ok_or_else(|| invalid(self.table, "source", "unknown value"))?;
        Ok(Tracked {
            item,
            as_of: self.time("as_of")?,
            source,
        })
    }

    /// What the column's values in this row were sealed under: the id and bound columns.
    fn sealed_row(&self, column: Col, id: &str) -> Result<String, StoreError> {
        let bound = column
            .bound_columns()
            .iter()
            .map(|name| self.text(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(column.row(id, &bound.iter().map(String::as_str).collect::<Vec<_>>()))
    }

    fn sealed_string(
        &self,
        cipher: &FieldCipher,
        column: Col,
        id: &str,
    ) -> Result<String, StoreError> {
        let row = self.sealed_row(column, id)?;
        Ok(cipher.open_string(column, &row, &self.blob(column.location().1)?)?)
    }

    fn sealed_time(
        &self,
        cipher: &FieldCipher,
        column: Col,
        id: &str,
    ) -> Result<DateTime<Utc>, StoreError> {
        let row = self.sealed_row(column, id)?;
        let millis = cipher.open_i64(column, &row, &self.blob(column.location().1)?)?;
        let (table, name) = column.location();
        DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| invalid(table, name, "time out of range"))
    }

    fn optional_sealed_time(
        &self,
        cipher: &FieldCipher,
        column: Col,
        id: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (table, name) = column.location();
        let sealed: Option<Vec<u8>> = self
            .row
            .try_get(name)
            .map_err(|_| invalid(table, name, "not a blob"))?;
        match sealed {
            None => Ok(None),
            Some(_) => self.sealed_time(cipher, column, id).map(Some),
        }
    }

    fn sealed_money(
        &self,
        cipher: &FieldCipher,
        column: Col,
        id: &str,
        currency: Currency,
    ) -> Result<C2<Money>, StoreError> {
        let row = self.sealed_row(column, id)?;
        let minor = cipher.open_i64(column, &row, &self.blob(column.location().1)?)?;
        Ok(C2::new(Money::from_minor(minor, currency)))
    }
}

impl Store {
    /// Looks for damage the fast open does not see: SQLite's structural check, the protected
    /// tables' tag, then every sealed value opened once against its row. Meant for idle time
    /// after start-up.
    pub async fn verify(&self) -> Result<(), StoreError> {
        self.check_integrity().await?;
        self.verify_integrity().await?;
        verify_all_sealed(&self.pool, &self.cipher).await
    }

    /// Loads the parts of the view: the recent and pending slices of the history, not all of it.
    pub async fn load_view_parts(&self) -> Result<ViewParts, StoreError> {
        let payments = self.payments().await?;
        let pool = &self.pool;
        let cipher = &self.cipher;
        let customer = sqlx::query("SELECT * FROM customer LIMIT 1")
            .fetch_optional(pool)
            .await?
            .map(|row| decode_customer(&row, cipher))
            .transpose()?;
        let accounts = decode_all(
            sqlx::query("SELECT * FROM account ORDER BY position")
                .fetch_all(pool)
                .await?,
            |row| decode_account(row, cipher),
        )?;
        let recent_transactions = self.recent_transactions().await?;
        let pending_transactions = self
            .newest_first(
                TxnFilter {
                    pending_only: true,
                    ..TxnFilter::default()
                },
                |_, _| true,
                usize::MAX,
            )
            .await?;
        let payees = decode_all(
            sqlx::query("SELECT * FROM payee ORDER BY transfers_made DESC, id")
                .fetch_all(pool)
                .await?,
            |row| decode_payee(row, cipher),
        )?;
        let billers = decode_all(
            sqlx::query("SELECT * FROM biller ORDER BY id")
                .fetch_all(pool)
                .await?,
            |row| decode_biller(row, cipher),
        )?;
        let unpaid_bills = decode_all(
            sqlx::query("SELECT * FROM bill WHERE status = 'due' ORDER BY due_on, id")
                .fetch_all(pool)
                .await?,
            |row| decode_bill(row, cipher),
        )?;
        let cards = decode_all(
            sqlx::query("SELECT * FROM card ORDER BY kind DESC, id")
                .fetch_all(pool)
                .await?,
            |row| decode_card(row, cipher),
        )?;
        let unread_alerts = decode_all(
            sqlx::query("SELECT * FROM alert WHERE read = 0 ORDER BY created_at DESC, id")
                .fetch_all(pool)
                .await?,
            decode_alert,
        )?;
        let mut open_service_requests = decode_all(
            sqlx::query("SELECT * FROM service_request WHERE status != 'closed'")
                .fetch_all(pool)
                .await?,
            |row| decode_service_request(row, cipher),
        )?;
        // Opened time is sealed: ordered here, newest first (a customer has a handful).
        open_service_requests.sort_by(|a, b| {
            b.item
                .opened_at
                .cmp(&a.item.opened_at)
                .then_with(|| a.item.id.as_str().cmp(b.item.id.as_str()))
        });
        Ok(ViewParts {
            customer,
            accounts,
            recent_transactions,
            pending_transactions,
            payees,
            billers,
            unpaid_bills,
            cards,
            unread_alerts,
            open_service_requests,
            requests: self.request_views().await?,
            unresolved_payments: self.payment_attempts(true).await?.len(),
            daily_limits: self.daily_limits().await?,
            payments_today: payments_today(&payments),
            held_bills: held_bills(&payments),
            records_left_out: self.records_left_out().await?,
        })
    }

    /// The bank's daily limits, as it last sent them (none before it has).
    async fn daily_limits(&self) -> Result<Vec<Money>, StoreError> {
        let Some(json) = self.sync_value(super::sync::keys::DAILY_LIMITS).await? else {
            return Ok(Vec::new());
        };
        let limits: tingshuo_base::wire::LimitsDto = serde_json::from_str(&json)
            .map_err(|_| invalid("sync_state", "value", "daily limits unreadable"))?;
        Ok(limits
            .validated()
            .map_err(|_| invalid("sync_state", "value", "daily limits unreadable"))?
            .daily_money())
    }

    /// Pending requests, and those the bank refused in the last week.
    async fn request_views(&self) -> Result<Vec<RequestView>, StoreError> {
        let week_ago = Utc::now() - chrono::Duration::days(7);
        // key, kind, target, sealed payload, state, last error, queued at.
        type Row = (
            String,
            String,
            String,
            Option<Vec<u8>>,
            String,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT idempotency_key, kind, target_id, payload, state, last_error, created_at
             FROM outbox WHERE state = 'pending' OR (state = 'failed' AND finished_at >= ?)
             ORDER BY seq",
        )
        .bind(week_ago.timestamp_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(key, kind, target, payload, state, reason, created_at)| {
                Ok(RequestView {
                    action: sealed_action(&self.cipher, &key, &kind, &target, payload.as_deref())?,
                    state: if state == "failed" {
                        RequestState::Refused {
                            reason: reason.unwrap_or_default(),
                        }
                    } else {
                        RequestState::Pending
                    },
                    queued_at: DateTime::from_timestamp_millis(created_at).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The biller a bill is from, paid or not (the view keeps only bills still due): `None`
    /// when the bank no longer sends the bill.
    pub async fn biller_of_bill(&self, bill: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT biller_id FROM bill WHERE id = ?")
                .bind(bill)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The unified view from the local cache, as of `today` (the customer's local date).
    pub async fn load_view(&self, today: NaiveDate) -> Result<CustomerView, LoadViewError> {
        let parts = self.load_view_parts().await?;
        Ok(CustomerView::build(parts, today)?)
    }

    /// A page of one account's history, newest first (the same time by id), after the
    /// transaction `after` names by its time and id — the last of the page before. By both:
    /// transactions that share a time across a page's end are neither dropped nor repeated.
    pub async fn transactions_page(
        &self,
        account_id: &str,
        after: Option<(DateTime<Utc>, &str)>,
        limit: u32,
    ) -> Result<Vec<Tracked<Transaction>>, StoreError> {
        self.newest_first(
            TxnFilter {
                account_id: Some(account_id),
                ..TxnFilter::default()
            },
            |at, id| after.is_none_or(|(time, last)| at < time || (at == time && id > last)),
            usize::try_from(limit).unwrap_or(usize::MAX),
        )
        .await
    }

    /// Transactions that occurred in `[from, to)`, of one account or all, newest first; at
    /// most `limit` of them.
    pub async fn transactions_between(
        &self,
        account_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Tracked<Transaction>>, StoreError> {
        self.newest_first(
            TxnFilter {
                account_id,
                ..TxnFilter::default()
            },
            |at, _| from <= at && at < to,
            usize::try_from(limit).unwrap_or(usize::MAX),
        )
        .await
    }
}

impl Store {
    /// Transactions that `keep` keeps by their sealed time and id, newest first (then by id),
    /// at most `limit`.
    /// Time and category are sealed, so history is ordered and filtered here, not by SQL (a
    /// customer's cache is small): the ids and times come first, and only the rows kept are
    /// read and opened in full, in the same read transaction.
    async fn newest_first(
        &self,
        filter: TxnFilter<'_>,
        keep: impl Fn(DateTime<Utc>, &str) -> bool,
        limit: usize,
    ) -> Result<Vec<Tracked<Transaction>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ids = newest_ids(&mut tx, &self.cipher, filter, keep, limit).await?;
        let found = transactions_by_id(&mut tx, &self.cipher, &ids).await;
        tx.rollback().await?;
        found
    }

    /// The newest transactions, for the view: from the sealed list the writes keep
    /// (`keys::NEWEST_TRANSACTIONS`), so the first screen reads only what it shows; from
    /// every transaction's time when a store has no list yet.
    async fn recent_transactions(&self) -> Result<Vec<Tracked<Transaction>>, StoreError> {
        let Some(listed) = self.sync_value(keys::NEWEST_TRANSACTIONS).await? else {
            return self
                .newest_first(TxnFilter::default(), |_, _| true, RECENT_TRANSACTIONS)
                .await;
        };
        let ids: Vec<String> = serde_json::from_str(&listed)
            .map_err(|_| invalid("sync_state", "value", "newest transactions unreadable"))?;
        let mut connection = self.pool.acquire().await?;
        transactions_by_id(&mut connection, &self.cipher, &ids).await
    }
}

/// The transactions of `ids`, in that order (an id no longer stored is left out).
async fn transactions_by_id(
    connection: &mut sqlx::SqliteConnection,
    cipher: &FieldCipher,
    ids: &[String],
) -> Result<Vec<Tracked<Transaction>>, StoreError> {
    let listed =
        serde_json::to_string(ids).map_err(|_| StoreError::InvalidInput("transaction ids"))?;
    let mut full: std::collections::HashMap<String, SqliteRow> =
        sqlx::query("SELECT * FROM txn WHERE id IN (SELECT value FROM json_each(?))")
            .bind(listed)
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .map(|row| {
                let r = RowReader {
                    row: &row,
                    table: "txn",
                };
                Ok((r.text("id")?, row))
            })
            .collect::<Result<_, StoreError>>()?;
    ids.iter()
        .filter_map(|id| full.remove(id))
        .map(|row| decode_transaction(&row, cipher))
        .collect()
}

fn decode_all<T>(
    rows: Vec<SqliteRow>,
    decode: impl Fn(&SqliteRow) -> Result<Tracked<T>, StoreError>,
) -> Result<Vec<Tracked<T>>, StoreError> {
    rows.iter().map(decode).collect()
}

fn decode_customer(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Customer>, StoreError> {
    let r = RowReader {
        row,
        table: "customer",
    };
    let id = r.text("id")?;
    let customer = Customer {
        full_name: C2::new(r.sealed_string(cipher, Col::CustomerFullName, &id)?),
        locale: r.text("locale")?,
        id: id.into(),
    };
    r.tracked(customer)
}

fn decode_account(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Account>, StoreError> {
    let r = RowReader {
        row,
        table: "account",
    };
    let id = r.text("id")?;
    let currency = r.currency("currency")?;
    let account = Account {
        kind: r.known("kind", AccountKind::parse)?,
        name: r.text("name")?,
        currency,
        number: C2::new(AccountNumber::new(r.sealed_string(
            cipher,
            Col::AccountNumber,
            &id,
        )?)),
        balance: Balance {
            available: r.sealed_money(cipher, Col::AccountAvailable, &id, currency)?,
            booked: r.sealed_money(cipher, Col::AccountBooked, &id, currency)?,
        },
        matures_on: r.optional_date("matures_on")?,
        id: id.into(),
    };
    r.tracked(account)
}

fn decode_transaction(
    row: &SqliteRow,
    cipher: &FieldCipher,
) -> Result<Tracked<Transaction>, StoreError> {
    let r = RowReader { row, table: "txn" };
    let id = r.text("id")?;
    let transaction = Transaction {
        account_id: r.text("account_id")?.into(),
        status: r.known("status", TransactionStatus::parse)?,
        amount: r.sealed_money(cipher, Col::TransactionAmount, &id, r.currency("currency")?)?,
        counterparty: C2::new(r.sealed_string(cipher, Col::TransactionCounterparty, &id)?),
        description: C2::new(r.sealed_string(cipher, Col::TransactionDescription, &id)?),
        category: Category::parse(&r.sealed_string(cipher, Col::TransactionCategory, &id)?)
            .ok_or_else(|| invalid("txn", "category", "unknown value"))?,
        occurred_at: r.sealed_time(cipher, Col::TransactionOccurredAt, &id)?,
        id: id.into(),
    };
    r.tracked(transaction)
}

fn decode_payee(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Payee>, StoreError> {
    let r = RowReader {
        row,
        table: "payee",
    };
    let id = r.text("id")?;
    let payee = Payee {
        name: C2::new(r.sealed_string(cipher, Col::PayeeName, &id)?),
        relationship: r.known("relationship", Relationship::parse)?,
        account_number: C2::new(AccountNumber::new(r.sealed_string(
            cipher,
            Col::PayeeAccountNumber,
            &id,
        )?)),
        bank_name: r.text("bank_name")?,
        added_on: r.date("added_on")?,
        transfers_made: u32::try_from(r.int("transfers_made")?)
            .map_err(|_| invalid("payee", "transfers_made", "out of range"))?,
        id: id.into(),
    };
    r.tracked(payee)
}

fn decode_biller(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Biller>, StoreError> {
    let r = RowReader {
        row,
        table: "biller",
    };
    let id = r.text("id")?;
    let biller = Biller {
        name: r.text("name")?,
        category: r.known("category", BillerCategory::parse)?,
        customer_reference: C2::new(AccountNumber::new(r.sealed_string(
            cipher,
            Col::BillerCustomerReference,
            &id,
        )?)),
        id: id.into(),
    };
    r.tracked(biller)
}

fn decode_bill(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Bill>, StoreError> {
    let r = RowReader { row, table: "bill" };
    let id = r.text("id")?;
    let bill = Bill {
        biller_id: r.text("biller_id")?.into(),
        amount: r.sealed_money(cipher, Col::BillAmount, &id, r.currency("currency")?)?,
        due_on: r.date("due_on")?,
        status: r.known("status", BillStatus::parse)?,
        id: id.into(),
    };
    r.tracked(bill)
}

fn decode_card(row: &SqliteRow, cipher: &FieldCipher) -> Result<Tracked<Card>, StoreError> {
    let r = RowReader { row, table: "card" };
    let id = r.text("id")?;
    let card = Card {
        account_id: r.text("account_id")?.into(),
        kind: r.known("kind", CardKind::parse)?,
        name: r.text("name")?,
        number: C2::new(CardNumber::new(r.sealed_string(
            cipher,
            Col::CardNumber,
            &id,
        )?)),
        status: r.known("status", CardStatus::parse)?,
        id: id.into(),
    };
    r.tracked(card)
}

fn decode_alert(row: &SqliteRow) -> Result<Tracked<Alert>, StoreError> {
    let r = RowReader {
        row,
        table: "alert",
    };
    let alert = Alert {
        id: r.text("id")?.into(),
        kind: r.known("kind", AlertKind::parse)?,
        created_at: r.time("created_at")?,
        read: r.int("read")? != 0,
    };
    r.tracked(alert)
}

fn decode_service_request(
    row: &SqliteRow,
    cipher: &FieldCipher,
) -> Result<Tracked<ServiceRequest>, StoreError> {
    let r = RowReader {
        row,
        table: "service_request",
    };
    let id = r.text("id")?;
    let request = ServiceRequest {
        channel: r.known("channel", Channel::parse)?,
        status: r.known("status", ServiceStatus::parse)?,
        location: r.sealed_string(cipher, Col::ServiceRequestLocation, &id)?,
        reference: r.sealed_string(cipher, Col::ServiceRequestReference, &id)?,
        scheduled_at: r.optional_sealed_time(cipher, Col::ServiceRequestScheduledAt, &id)?,
        opened_at: r.sealed_time(cipher, Col::ServiceRequestOpenedAt, &id)?,
        id: id.into(),
    };
    r.tracked(request)
}

/// Opens every sealed value of every row once, to find damage before the app relies on it.
async fn verify_all_sealed(pool: &SqlitePool, cipher: &FieldCipher) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await?;
    for column in Col::ALL.iter().filter(|c| **c != Col::MetaKeyCheck) {
        for value in sealed_values(&mut connection, *column).await? {
            cipher.open(*column, &value.sealed_under, &value.sealed)?;
        }
    }
    Ok(())
}

/// One sealed value as stored: the key of its row, what it was sealed under, its bytes.
pub(super) struct SealedValue {
    pub key: String,
    pub sealed_under: String,
    pub sealed: Vec<u8>,
}

/// Every sealed value of a column.
pub(super) async fn sealed_values(
    connection: &mut sqlx::SqliteConnection,
    column: Col,
) -> Result<Vec<SealedValue>, StoreError> {
    let (table, name) = column.location();
    let key = column.row_key_column();
    // Table and column names come from the fixed SealedColumn list, never from input.
    // Named columns, not `*` (see `outbox_columns`): the row key, the bound ones, the value.
    let mut columns = vec![key];
    columns.extend_from_slice(column.bound_columns());
    columns.push(name);
    let columns = columns.join(", ");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM {table} WHERE {name} IS NOT NULL"
    )))
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let reader = RowReader { row, table };
            let key = reader.text(key)?;
            Ok(SealedValue {
                sealed_under: reader.sealed_row(column, &key)?,
                sealed: reader.blob(name)?,
                key,
            })
        })
        .collect()
}

/// Payments made since the start of the bank's day (UTC) that it did not cancel.
fn payments_today(payments: &[Tracked<PaymentDto>]) -> Vec<Money> {
    let today = Utc::now().date_naive();
    payments
        .iter()
        .filter(|p| p.item.created_at.date_naive() == today && p.item.status != "cancelled")
        .filter_map(|p| {
            Currency::from_code(&p.item.currency)
                .ok()
                .map(|c| Money::from_minor(p.item.amount_minor, c))
        })
        .collect()
}

/// Bills a payment the bank holds has paid, by the bank's latest word on each: due at the bank
/// until the hold ends, and not to be paid again.
fn held_bills(payments: &[Tracked<PaymentDto>]) -> Vec<Id<Bill>> {
    payments
        .iter()
        .filter(|p| p.item.kind == "bill" && p.item.status == payment_status::HELD)
        .map(|p| Id::new(p.item.target_id.clone()))
        .collect()
}
