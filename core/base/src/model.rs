//! The customer's data as the bank reports it. C2 fields sit in [`C2`]; everything else is C1.

use chrono::{DateTime, NaiveDate, Utc};

use crate::classify::{AccountNumber, C2, CardNumber};
use crate::ids::Id;
use crate::money::{Currency, Money};

/// Where a value came from: the bank (authoritative) or this device (a local write the bank
/// has not acknowledged yet, shown as pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Bank,
    Device,
}

impl Source {
    /// The name a store keeps it under.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Bank => "bank",
            Source::Device => "device",
        }
    }

    pub fn parse(name: &str) -> Option<Source> {
        [Source::Bank, Source::Device]
            .into_iter()
            .find(|source| source.as_str() == name)
    }
}

/// A value with its provenance: when the bank said it was true, and who said it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked<T> {
    pub item: T,
    /// The server's as-of time for this value.
    pub as_of: DateTime<Utc>,
    pub source: Source,
}

impl<T> Tracked<T> {
    pub fn from_bank(item: T, as_of: DateTime<Utc>) -> Tracked<T> {
        Tracked {
            item,
            as_of,
            source: Source::Bank,
        }
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the store, on the wire and in message ids.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// The kinds of account the view knows.
    AccountKind {
        Current = "current",
        Savings = "savings",
        TimeDeposit = "time_deposit",
        CreditCard = "credit_card",
        Loan = "loan",
    }
);

impl AccountKind {
    /// Deposit accounts hold the customer's own money; their available balance counts as funds.
    pub fn holds_own_funds(&self) -> bool {
        matches!(self, AccountKind::Current | AccountKind::Savings)
    }

    /// Accounts money of hers can be moved into by a payment: a deposit account, or a credit
    /// card (paying it off). A time deposit is opened, and a loan repaid, at the bank.
    pub fn takes_moves(&self) -> bool {
        self.holds_own_funds() || *self == AccountKind::CreditCard
    }
}

/// The account payments leave from, of `accounts` (each read as an [`Account`] by `account`):
/// the first current account, else the first that holds the customer's own funds.
pub fn paying_account<T>(accounts: &[T], account: impl Fn(&T) -> &Account) -> Option<&T> {
    accounts
        .iter()
        .find(|a| account(a).kind == AccountKind::Current)
        .or_else(|| accounts.iter().find(|a| account(a).kind.holds_own_funds()))
}

string_enum!(
    TransactionStatus {
        Pending = "pending",
        Booked = "booked",
    }
);

string_enum!(
    /// Spending categories (C1) used for summaries.
    Category {
        Income = "income",
        Transfer = "transfer",
        Utilities = "utilities",
        Groceries = "groceries",
        Dining = "dining",
        Shopping = "shopping",
        Health = "health",
        Transport = "transport",
        Cash = "cash",
        Fees = "fees",
        Other = "other",
    }
);

string_enum!(
    CardStatus {
        Active = "active",
        Locked = "locked",
    }
);

string_enum!(
    CardKind {
        Debit = "debit",
        Credit = "credit",
    }
);

string_enum!(
    BillStatus {
        Due = "due",
        Paid = "paid",
    }
);

string_enum!(
    /// How the customer knows a payee; spoken in read-backs ("your son").
    Relationship {
        Son = "son",
        Daughter = "daughter",
        DaughterInLaw = "daughter_in_law",
        Sibling = "sibling",
        Neighbour = "neighbour",
        Caregiver = "caregiver",
        Other = "other",
    }
);

string_enum!(
    BillerCategory {
        Electricity = "electricity",
        Gas = "gas",
        Water = "water",
        Phone = "phone",
        Other = "other",
    }
);

string_enum!(
    AlertKind {
        LargeTransaction = "large_transaction",
        LowBalance = "low_balance",
        NewDeviceLogin = "new_device_login",
        BillDue = "bill_due",
        CardLocked = "card_locked",
        NewDeviceAdded = "new_device_added",
    }
);

string_enum!(
    /// Offline channels where a customer opens a service request.
    Channel {
        Branch = "branch",
        Phone = "phone",
        Online = "online",
    }
);

string_enum!(
    ServiceStatus {
        Open = "open",
        Scheduled = "scheduled",
        Closed = "closed",
    }
);

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: Id<Customer>,
    pub full_name: C2<String>,
    /// BCP 47 tag of the customer's preferred language, e.g. "zh-CN".
    pub locale: String,
}

/// Available and booked balance of one account, in the account's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    pub available: C2<Money>,
    pub booked: C2<Money>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: Id<Account>,
    pub kind: AccountKind,
    /// The product name the bank gives the account ("养老金账户", "Everyday Checking"): C1.
    pub name: String,
    pub currency: Currency,
    pub number: C2<AccountNumber>,
    pub balance: Balance,
    /// Maturity of a time deposit; due date of a credit-card statement.
    pub matures_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub id: Id<Transaction>,
    pub account_id: Id<Account>,
    pub status: TransactionStatus,
    /// Negative for money leaving the account.
    pub amount: C2<Money>,
    pub counterparty: C2<String>,
    pub description: C2<String>,
    pub category: Category,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payee {
    pub id: Id<Payee>,
    pub name: C2<String>,
    pub relationship: Relationship,
    pub account_number: C2<AccountNumber>,
    pub bank_name: String,
    pub added_on: NaiveDate,
    /// How many transfers the customer has made to this payee (scam checks use it).
    pub transfers_made: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Biller {
    pub id: Id<Biller>,
    /// A company's public name ("国家电网", "City Electric"): C1.
    pub name: String,
    pub category: BillerCategory,
    /// The customer's reference number with the biller: C2.
    pub customer_reference: C2<AccountNumber>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    pub id: Id<Bill>,
    pub biller_id: Id<Biller>,
    pub amount: C2<Money>,
    pub due_on: NaiveDate,
    pub status: BillStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub id: Id<Card>,
    pub account_id: Id<Account>,
    pub kind: CardKind,
    pub name: String,
    /// The bank's side holds the whole number; a device keeps only its last four digits, all
    /// the app shows or says (the wire reading keeps no more).
    pub number: C2<CardNumber>,
    pub status: CardStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: Id<Alert>,
    pub kind: AlertKind,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// A request the customer opened outside the app: a branch appointment, a phone ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRequest {
    pub id: Id<ServiceRequest>,
    pub channel: Channel,
    pub status: ServiceStatus,
    /// Branch name or phone line ("朝阳支行"): C1.
    pub location: String,
    /// The ticket or booking reference the customer can quote: C1.
    pub reference: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
}

/// Everything the bank reports for one customer at one moment: what the store saves and what
/// a sync delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSnapshot {
    pub as_of: DateTime<Utc>,
    pub customer: Customer,
    pub accounts: Vec<Account>,
    pub transactions: Vec<Transaction>,
    pub payees: Vec<Payee>,
    pub billers: Vec<Biller>,
    pub bills: Vec<Bill>,
    pub cards: Vec<Card>,
    pub alerts: Vec<Alert>,
    pub service_requests: Vec<ServiceRequest>,
}
