//! What the dialogue knows of the customer, taken from the unified view: each item by id,
//! with the name and number ending it is spoken by.

use chrono::{DateTime, Utc};
use tingshuo_base::ids::Id;
use tingshuo_base::model::{
    Account, AccountKind, Bill, Biller, Card, CardStatus, Category, Payee, Source, Tracked,
};
use tingshuo_base::money::Money;
use tingshuo_base::view::{CustomerView, DailyLimit};

use crate::plan::{PaymentPlan, PlanKind, PlanTarget};

/// What the dialogue knows of the customer (from the unified view).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub online: bool,
    /// Minutes since the view was refreshed from the bank.
    pub data_age_minutes: i64,
    /// Money moved (a payment made, held or cancelled) after the balances were last brought
    /// from the bank: a balance said now lacks it, and says so.
    pub balances_lack_payments: bool,
    pub payees: Vec<PayeeFact>,
    pub billers: Vec<BillerFact>,
    pub cards: Vec<CardFact>,
    /// The account payments leave from.
    pub paying_account: Option<AccountFact>,
    /// Every account, as the customer may ask about one by name.
    pub accounts: Vec<AccountFact>,
    /// The bank's daily limit in the paying account's currency, with what today used.
    pub daily_limit: Option<DailyLimit>,
    /// A typical transfer for this customer; much more than this is a scam-risk sign.
    pub usual_transfer: Option<Money>,
    /// Payments sent whose outcome the bank has not given yet (from any session): no other
    /// payment starts while there is one.
    pub payments_unresolved: usize,
    /// Bills a payment the bank still holds has paid (its correction window): they show as
    /// due until the hold ends, and are not paid twice.
    pub held_bills: Vec<Id<Bill>>,
    /// The customer's day, when known: a card's due date already past is not said as to come.
    pub today: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct PayeeFact {
    pub id: Id<Payee>,
    pub name: String,
    pub account_last_four: String,
    pub transfers_made: u32,
    /// Days since the payee was added (0 today): a payee added lately is a scam sign even
    /// after a first small transfer.
    pub added_days_ago: i64,
}

#[derive(Debug, Clone)]
pub struct BillerFact {
    pub id: Id<Biller>,
    pub name: String,
    pub reference_last_four: String,
    /// The biller's unpaid bill, if one is due.
    pub due: Option<DueBill>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueBill {
    pub bill: Id<Bill>,
    pub amount: Money,
}

#[derive(Debug, Clone)]
pub struct CardFact {
    pub id: Id<Card>,
    /// The account the card draws on (its transactions are that account's).
    pub account: Id<Account>,
    /// The bank's name for the card ("借记卡", "Visa credit card").
    pub name: String,
    pub last_four: String,
    /// Locked as the view shows it: at the bank, or by a lock queued on this device.
    pub locked: bool,
    /// The status is this device's own action, not yet confirmed by the bank.
    pub pending: bool,
}

#[derive(Debug, Clone)]
pub struct AccountFact {
    pub id: Id<Account>,
    pub kind: AccountKind,
    pub name: String,
    pub last_four: String,
    pub available: Money,
    /// The booked balance: negative on a credit card or loan (what is owed).
    pub booked: Money,
    /// A time deposit's maturity date.
    pub matures_on: Option<chrono::NaiveDate>,
}

impl AccountFact {
    fn of(account: &Account) -> AccountFact {
        AccountFact {
            id: account.id.clone(),
            kind: account.kind,
            name: account.name.clone(),
            last_four: account.number.reveal().last_four().to_owned(),
            available: *account.balance.available.reveal(),
            booked: *account.balance.booked.reveal(),
            matures_on: account.matures_on,
        }
    }
}

/// The account payments leave from: the first current account, else the first deposit account.
pub fn paying_account(view: &CustomerView) -> Option<&Tracked<Account>> {
    tingshuo_base::model::paying_account(&view.accounts, |a| &a.item)
}

impl Facts {
    /// What the dialogue needs from the unified view. The usual transfer is the median of the
    /// customer's recent outgoing transfers to others (not to her own accounts); payments
    /// leave the first current account.
    pub fn from_view(
        view: &CustomerView,
        history: &[Tracked<tingshuo_base::model::Transaction>],
        online: bool,
        now: DateTime<Utc>,
    ) -> Facts {
        let paying = paying_account(view);
        // Money moved to another of her own accounts (the bank names that account as the
        // counterparty) is no transfer to a person: it would raise what counts as usual.
        let her_own =
            |counterparty: &str| view.accounts.iter().any(|a| a.item.name == counterparty);
        let mut transfers: Vec<i64> = history
            .iter()
            .filter(|t| {
                t.item.category == Category::Transfer
                    && t.item.amount.reveal().is_negative()
                    && !her_own(t.item.counterparty.reveal())
            })
            .map(|t| t.item.amount.reveal().minor().saturating_abs())
            .collect();
        transfers.sort_unstable();
        let currency = paying.map(|a| a.item.currency);
        Facts {
            online,
            data_age_minutes: now
                .signed_duration_since(view.oldest_as_of)
                .num_minutes()
                .max(0),
            balances_lack_payments: false,
            payees: view
                .payees
                .iter()
                .map(|p| PayeeFact {
                    id: p.item.id.clone(),
                    name: p.item.name.reveal().clone(),
                    account_last_four: p.item.account_number.reveal().last_four().to_owned(),
                    transfers_made: p.item.transfers_made,
                    added_days_ago: (now.date_naive() - p.item.added_on).num_days().max(0),
                })
                .collect(),
            billers: view
                .billers
                .iter()
                .map(|b| BillerFact {
                    id: b.item.id.clone(),
                    name: b.item.name.clone(),
                    reference_last_four: b.item.customer_reference.reveal().last_four().to_owned(),
                    due: view
                        .upcoming_bills
                        .iter()
                        .find(|u| u.bill.item.biller_id == b.item.id)
                        .map(|u| DueBill {
                            bill: u.bill.item.id.clone(),
                            amount: *u.bill.item.amount.reveal(),
                        }),
                })
                .collect(),
            cards: view
                .cards
                .iter()
                .map(|c| CardFact {
                    id: c.item.id.clone(),
                    account: c.item.account_id.clone(),
                    name: c.item.name.clone(),
                    last_four: c.item.number.reveal().last_four().to_owned(),
                    locked: c.item.status == CardStatus::Locked,
                    pending: c.source == Source::Device,
                })
                .collect(),
            paying_account: paying.map(|a| AccountFact::of(&a.item)),
            accounts: view
                .accounts
                .iter()
                .map(|a| AccountFact::of(&a.item))
                .collect(),
            daily_limit: currency.and_then(|c| {
                view.daily_limits
                    .iter()
                    .find(|l| l.limit.currency() == c)
                    .copied()
            }),
            payments_unresolved: view.unresolved_payments,
            held_bills: view.held_bills.clone(),
            // The host, which knows her time zone, says which day it is for her.
            today: None,
            usual_transfer: currency.and_then(|c| {
                transfers
                    .get(transfers.len() / 2)
                    .map(|m| Money::from_minor(*m, c))
            }),
        }
    }

    pub fn payee(&self, id: &Id<Payee>) -> Option<&PayeeFact> {
        self.payees.iter().find(|p| p.id == *id)
    }

    pub fn biller(&self, id: &Id<Biller>) -> Option<&BillerFact> {
        self.billers.iter().find(|b| b.id == *id)
    }

    pub fn account(&self, id: &Id<Account>) -> Option<&AccountFact> {
        self.accounts.iter().find(|a| a.id == *id)
    }

    pub fn card(&self, id: &Id<Card>) -> Option<&CardFact> {
        self.cards.iter().find(|c| c.id == *id)
    }

    /// A payment sent earlier — in this session or one before it — as it was read back, from
    /// what the bank was sent: the account it left, the payee or bill it paid, the amount.
    /// `None` when one of them is no longer in the view. A bill's biller is found by the bill
    /// it has due, or, the bill paid and no longer due, by `bill_from` (the biller the store
    /// has the bill from).
    pub fn plan_of_sent(
        &self,
        kind: PlanKind,
        from_account: &Id<Account>,
        target: &str,
        amount: Money,
        bill_from: Option<&Id<Biller>>,
    ) -> Option<PaymentPlan> {
        let account = self.account(from_account)?;
        let (target, target_name, target_last_four) = match kind {
            PlanKind::Transfer => {
                let payee = self.payee(&Id::new(target))?;
                (
                    PlanTarget::Payee(payee.id.clone()),
                    payee.name.clone(),
                    payee.account_last_four.clone(),
                )
            }
            PlanKind::Move => {
                let to = self.account(&Id::new(target))?;
                (
                    PlanTarget::Account(to.id.clone()),
                    to.name.clone(),
                    to.last_four.clone(),
                )
            }
            PlanKind::Bill => {
                let biller = self
                    .billers
                    .iter()
                    .find(|b| {
                        b.due
                            .as_ref()
                            .is_some_and(|due| due.bill.as_str() == target)
                    })
                    .or_else(|| self.biller(bill_from?))?;
                (
                    PlanTarget::Bill {
                        biller: biller.id.clone(),
                        bill: Some(Id::new(target)),
                    },
                    biller.name.clone(),
                    biller.reference_last_four.clone(),
                )
            }
        };
        Some(PaymentPlan {
            target,
            target_name,
            target_last_four,
            from_account: account.id.clone(),
            from_last_four: account.last_four.clone(),
            amount,
        })
    }
}
