//! The unified customer view: what the bank knows of the customer, from every channel, each
//! item with its freshness and source, plus the summaries a voice assistant speaks first.
//!
//! Building the view is pure: the store loads the parts, [`CustomerView::build`] derives.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::action::Action;
use crate::ids::Id;
use crate::model::{
    Account, Alert, Bill, BillStatus, Biller, Card, Customer, Payee, ServiceRequest, ServiceStatus,
    Source, Tracked, Transaction, TransactionStatus,
};
use crate::money::{Currency, Money, MoneyError};

/// How many recent transactions the view carries; older ones are paged from the store.
pub const RECENT_TRANSACTIONS: usize = 10;
/// Bills due within this many days are "upcoming".
pub const UPCOMING_BILL_DAYS: u64 = 30;

/// The parts of the view as the store loads them.
#[derive(Debug, Clone, Default)]
pub struct ViewParts {
    pub customer: Option<Tracked<Customer>>,
    pub accounts: Vec<Tracked<Account>>,
    /// Newest first, at most [`RECENT_TRANSACTIONS`].
    pub recent_transactions: Vec<Tracked<Transaction>>,
    /// Every pending transaction, newest first.
    pub pending_transactions: Vec<Tracked<Transaction>>,
    pub payees: Vec<Tracked<Payee>>,
    pub billers: Vec<Tracked<Biller>>,
    /// Unpaid bills, soonest due first.
    pub unpaid_bills: Vec<Tracked<Bill>>,
    pub cards: Vec<Tracked<Card>>,
    /// Unread alerts, newest first.
    pub unread_alerts: Vec<Tracked<Alert>>,
    /// Open and scheduled service requests from every channel.
    pub open_service_requests: Vec<Tracked<ServiceRequest>>,
    /// Requests from this device still waiting for the bank, or refused by it recently.
    pub requests: Vec<RequestView>,
    /// Confirmed payments whose outcome is being checked with the bank.
    pub unresolved_payments: usize,
    /// The bank's daily payment limit, one per currency.
    pub daily_limits: Vec<Money>,
    /// Payments the bank recorded today (its day, in UTC) and did not cancel: what today's
    /// limits have used.
    pub payments_today: Vec<Money>,
    /// Records of the bank's this version of the app cannot read (a newer kind or value):
    /// left out of the view, which says how many.
    pub records_left_out: usize,
    /// Bills a payment the bank still holds has paid (by the bank's latest word on its
    /// payments): due at the bank until the hold ends, said as paid for, never paid again.
    pub held_bills: Vec<Id<Bill>>,
}

/// The bank's daily payment limit in one currency, and what today's payments used of it
/// (days as the bank counts them, in UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyLimit {
    pub limit: Money,
    pub used_today: Money,
}

impl DailyLimit {
    /// What may still be paid today; never below zero.
    pub fn remaining(&self) -> Money {
        Money::from_minor(
            (self.limit.minor() - self.used_today.minor()).max(0),
            self.limit.currency(),
        )
    }
}

/// A request from this device as the customer should hear about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub action: Action,
    pub state: RequestState,
    pub queued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting to be delivered or acknowledged.
    Pending,
    /// Refused by the bank, with its reason code.
    Refused { reason: String },
}

/// An unpaid bill joined with its biller.
#[derive(Debug, Clone, PartialEq)]
pub struct UpcomingBill {
    pub bill: Tracked<Bill>,
    pub biller_name: String,
    /// Days from today to the due date; negative when overdue.
    pub due_in_days: i64,
}

/// The unified view of one customer.
#[derive(Debug, Clone)]
pub struct CustomerView {
    pub customer: Tracked<Customer>,
    pub accounts: Vec<Tracked<Account>>,
    pub recent_transactions: Vec<Tracked<Transaction>>,
    pub pending_transactions: Vec<Tracked<Transaction>>,
    pub payees: Vec<Tracked<Payee>>,
    pub billers: Vec<Tracked<Biller>>,
    pub cards: Vec<Tracked<Card>>,
    pub unread_alerts: Vec<Tracked<Alert>>,
    pub service_requests: Vec<Tracked<ServiceRequest>>,
    /// Requests waiting for the bank, and recent refusals with their reasons.
    pub requests: Vec<RequestView>,
    pub unresolved_payments: usize,
    /// Records of the bank's this version cannot read, left out (said in the view).
    pub records_left_out: usize,
    /// Bills a payment the bank still holds has paid.
    pub held_bills: Vec<Id<Bill>>,
    // Derived summaries.
    /// Available funds in deposit accounts, per currency (credit lines are not funds).
    pub available_funds: BTreeMap<Currency, Money>,
    /// Unpaid bills due within [`UPCOMING_BILL_DAYS`] days, overdue ones included.
    pub upcoming_bills: Vec<UpcomingBill>,
    /// The oldest as-of time of any item: how stale the view is at worst.
    pub oldest_as_of: DateTime<Utc>,
    /// True when any item is a local write the bank has not acknowledged.
    pub has_unconfirmed_local_changes: bool,
    /// The bank's daily limits, with what today used of each.
    pub daily_limits: Vec<DailyLimit>,
}

/// Why a view could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    #[error("no customer data is stored yet; sync with the bank first")]
    Empty,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl CustomerView {
    pub fn build(parts: ViewParts, today: NaiveDate) -> Result<CustomerView, ViewError> {
        let customer = parts.customer.ok_or(ViewError::Empty)?;

        let mut available_funds: BTreeMap<Currency, Money> = BTreeMap::new();
        for account in parts
            .accounts
            .iter()
            .filter(|a| a.item.kind.holds_own_funds())
        {
            let available = *account.item.balance.available.reveal();
            let total = available_funds
                .entry(available.currency())
                .or_insert_with(|| Money::zero(available.currency()));
            *total = total.checked_add(available)?;
        }

        let horizon = today
            .checked_add_days(Days::new(UPCOMING_BILL_DAYS))
            .unwrap_or(NaiveDate::MAX);
        let upcoming_bills = parts
            .unpaid_bills
            .into_iter()
            .filter(|bill| bill.item.status == BillStatus::Due && bill.item.due_on <= horizon)
            .map(|bill| {
                let biller_name = parts
                    .billers
                    .iter()
                    .find(|b| b.item.id == bill.item.biller_id)
                    .map(|b| b.item.name.clone())
                    .unwrap_or_default();
                let due_in_days = (bill.item.due_on - today).num_days();
                UpcomingBill {
                    bill,
                    biller_name,
                    due_in_days,
                }
            })
            .collect();

        let service_requests: Vec<_> = parts
            .open_service_requests
            .into_iter()
            .filter(|r| r.item.status != ServiceStatus::Closed)
            .collect();
        let pending_transactions: Vec<_> = parts
            .pending_transactions
            .into_iter()
            .filter(|t| t.item.status == TransactionStatus::Pending)
            .collect();

        let provenance = std::iter::once((customer.as_of, customer.source))
            .chain(parts.accounts.iter().map(|t| (t.as_of, t.source)))
            .chain(pending_transactions.iter().map(|t| (t.as_of, t.source)))
            .chain(parts.cards.iter().map(|t| (t.as_of, t.source)))
            .chain(parts.payees.iter().map(|t| (t.as_of, t.source)));
        let mut oldest_as_of = customer.as_of;
        let mut has_unconfirmed_local_changes = parts
            .requests
            .iter()
            .any(|r| r.state == RequestState::Pending)
            || parts.unresolved_payments > 0;
        for (as_of, source) in provenance {
            oldest_as_of = oldest_as_of.min(as_of);
            has_unconfirmed_local_changes |= source == Source::Device;
        }

        let daily_limits = parts
            .daily_limits
            .iter()
            .map(|limit| DailyLimit {
                limit: *limit,
                used_today: Money::from_minor(
                    parts
                        .payments_today
                        .iter()
                        .filter(|amount| amount.currency() == limit.currency())
                        .map(Money::minor)
                        .fold(0_i64, i64::saturating_add),
                    limit.currency(),
                ),
            })
            .collect();

        Ok(CustomerView {
            customer,
            accounts: parts.accounts,
            recent_transactions: parts.recent_transactions,
            pending_transactions,
            payees: parts.payees,
            billers: parts.billers,
            cards: parts.cards,
            unread_alerts: parts.unread_alerts,
            service_requests,
            requests: parts.requests,
            unresolved_payments: parts.unresolved_payments,
            records_left_out: parts.records_left_out,
            held_bills: parts.held_bills,
            available_funds,
            upcoming_bills,
            oldest_as_of,
            has_unconfirmed_local_changes,
            daily_limits,
        })
    }
}
