//! The two demo customers and a year of their banking, generated deterministically relative
//! to "now" so that due dates and freshness read naturally whenever the demo runs.
//!
//! This is the bank's side of the data: the reference bank (`sandbox/`) will serve it over
//! the API; until then the desktop saves it straight into the store.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, Months, NaiveDate, Offset, TimeZone, Utc,
};
use tingshuo_core::classify::{AccountNumber, C2, CardNumber, IdNumber, PhoneNumber};
use tingshuo_core::model::{
    Account, AccountKind, Alert, AlertKind, Balance, Bill, BillStatus, Biller, BillerCategory,
    Card, CardKind, CardStatus, Category, Channel, Customer, CustomerSnapshot, Payee, Relationship,
    ServiceRequest, ServiceStatus, Transaction, TransactionStatus,
};
use tingshuo_core::{Currency, Locale, Money};

/// The demo customers, by the ids later issues and tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoCustomer {
    /// 王秀英, 72, retired teacher in Beijing.
    WangXiuying,
    /// Margaret Wilson, 78, retired nurse.
    MargaretWilson,
}

impl DemoCustomer {
    pub const ALL: [DemoCustomer; 2] = [DemoCustomer::WangXiuying, DemoCustomer::MargaretWilson];

    pub fn id(&self) -> &'static str {
        match self {
            DemoCustomer::WangXiuying => "demo-zh",
            DemoCustomer::MargaretWilson => "demo-en",
        }
    }

    pub fn parse(id: &str) -> Option<DemoCustomer> {
        DemoCustomer::ALL.into_iter().find(|c| c.id() == id)
    }

    pub fn for_locale(locale: Locale) -> DemoCustomer {
        match locale {
            Locale::ZhCn => DemoCustomer::WangXiuying,
            Locale::EnUs => DemoCustomer::MargaretWilson,
        }
    }

    pub fn locale(&self) -> Locale {
        match self {
            DemoCustomer::WangXiuying => Locale::ZhCn,
            DemoCustomer::MargaretWilson => Locale::EnUs,
        }
    }

    /// The customer's home UTC offset (Beijing; US Eastern standard time).
    pub fn home_offset(&self) -> FixedOffset {
        match self {
            DemoCustomer::WangXiuying => FixedOffset::east_opt(8 * 3600),
            DemoCustomer::MargaretWilson => FixedOffset::west_opt(5 * 3600),
        }
        .unwrap_or(Utc.fix())
    }

    /// The bank's data for this customer as of ten minutes before `now`.
    pub fn snapshot(&self, now: DateTime<Utc>) -> CustomerSnapshot {
        match self {
            DemoCustomer::WangXiuying => wang_xiuying(now, self.home_offset()),
            DemoCustomer::MargaretWilson => margaret_wilson(now, self.home_offset()),
        }
    }
}

fn money(minor: i64, currency: Currency) -> C2<Money> {
    C2::new(Money::from_minor(minor, currency))
}

/// A small deterministic generator (64-bit LCG) so amounts vary like real spending.
struct Variation(u64);

impl Variation {
    fn next(&mut self, spread: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let spread = spread.unsigned_abs().max(1);
        i64::try_from((self.0 >> 33) % spread).unwrap_or(0)
    }
}

/// Builds a year of history: recurring items on fixed days, plus everyday spending.
struct History {
    currency: Currency,
    offset: FixedOffset,
    now: DateTime<Utc>,
    transactions: Vec<Transaction>,
    variation: Variation,
}

/// One kind of recurring or everyday transaction.
struct Pattern<'a> {
    account: &'a str,
    counterparty: &'a str,
    description: &'a str,
    category: Category,
    /// Base amount in minor units; negative for money out.
    base: i64,
    /// Random extra in minor units, same sign as `base`.
    spread: i64,
    hour: u32,
}

impl History {
    fn new(currency: Currency, offset: FixedOffset, now: DateTime<Utc>, seed: u64) -> History {
        History {
            currency,
            offset,
            now,
            transactions: Vec::new(),
            variation: Variation(seed),
        }
    }

    fn at(&self, date: NaiveDate, hour: u32) -> DateTime<Utc> {
        local_time(self.offset, date, hour)
    }

    fn add(&mut self, pattern: &Pattern<'_>, date: NaiveDate, status: TransactionStatus) {
        let occurred_at = self.at(date, pattern.hour);
        self.add_at(pattern, occurred_at, status);
    }

    fn add_at(
        &mut self,
        pattern: &Pattern<'_>,
        occurred_at: DateTime<Utc>,
        status: TransactionStatus,
    ) {
        if occurred_at > self.now {
            return;
        }
        let extra = self.variation.next(pattern.spread);
        let amount = pattern.base + if pattern.base < 0 { -extra } else { extra };
        let id = format!("{}-t{:05}", pattern.account, self.transactions.len());
        self.transactions.push(Transaction {
            id,
            account_id: pattern.account.to_owned(),
            status,
            amount: money(amount, self.currency),
            counterparty: C2::new(pattern.counterparty.to_owned()),
            description: C2::new(pattern.description.to_owned()),
            category: pattern.category,
            occurred_at,
        });
    }

    /// On `day` of every month over the past year.
    fn monthly(&mut self, pattern: &Pattern<'_>, day: u32) {
        let today = self.now.with_timezone(&self.offset).date_naive();
        for months_back in (0..12).rev() {
            let Some(month) = today.checked_sub_months(Months::new(months_back)) else {
                continue;
            };
            if let Some(date) = NaiveDate::from_ymd_opt(month.year(), month.month(), day) {
                self.add(pattern, date, TransactionStatus::Booked);
            }
        }
    }

    /// Every `every_days` days over the past year, the latest `first_days_ago` days ago.
    fn every(&mut self, pattern: &Pattern<'_>, every_days: u64, first_days_ago: u64) {
        let today = self.now.with_timezone(&self.offset).date_naive();
        for days_ago in (first_days_ago..=365).step_by(usize::try_from(every_days).unwrap_or(1)) {
            if let Some(date) = today.checked_sub_days(Days::new(days_ago)) {
                self.add(pattern, date, TransactionStatus::Booked);
            }
        }
    }

    fn pending(&mut self, pattern: &Pattern<'_>, minutes_ago: i64) {
        self.add_at(
            pattern,
            self.now - Duration::minutes(minutes_ago),
            TransactionStatus::Pending,
        );
    }
}

fn local_date(now: DateTime<Utc>, offset: FixedOffset, days_ahead: i64) -> NaiveDate {
    (now + Duration::days(days_ahead))
        .with_timezone(&offset)
        .date_naive()
}

fn wang_xiuying(now: DateTime<Utc>, offset: FixedOffset) -> CustomerSnapshot {
    let cny = Currency::CNY;
    let as_of = now - Duration::minutes(10);
    let mut history = History::new(cny, offset, as_of, 0x5eed_7a11);
    let pattern = |account, counterparty, description, category, base, spread, hour| Pattern {
        account,
        counterparty,
        description,
        category,
        base,
        spread,
        hour,
    };
    history.monthly(
        &pattern(
            "zh-pension",
            "北京市社会保险基金管理中心",
            "养老金",
            Category::Income,
            486_000,
            0,
            9,
        ),
        15,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "国家电网",
            "电费",
            Category::Utilities,
            -15_000,
            12_000,
            10,
        ),
        8,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "北京燃气",
            "燃气费",
            Category::Utilities,
            -6_000,
            6_000,
            10,
        ),
        9,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "中国移动",
            "话费",
            Category::Utilities,
            -5_800,
            0,
            10,
        ),
        10,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "北京自来水",
            "水费",
            Category::Utilities,
            -3_000,
            2_500,
            10,
        ),
        11,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "同仁堂药店",
            "药品",
            Category::Health,
            -12_000,
            9_000,
            15,
        ),
        20,
    );
    history.monthly(
        &pattern(
            "zh-pension",
            "李伟",
            "转账",
            Category::Transfer,
            50_000,
            0,
            19,
        ),
        1,
    );
    history.every(
        &pattern(
            "zh-pension",
            "物美超市",
            "超市购物",
            Category::Groceries,
            -6_500,
            18_000,
            10,
        ),
        4,
        2,
    );
    history.every(
        &pattern(
            "zh-pension",
            "早市",
            "蔬菜水果",
            Category::Groceries,
            -1_800,
            3_000,
            8,
        ),
        3,
        1,
    );
    history.every(
        &pattern(
            "zh-credit",
            "庆丰包子铺",
            "餐饮",
            Category::Dining,
            -2_800,
            2_000,
            12,
        ),
        9,
        3,
    );
    history.every(
        &pattern(
            "zh-credit",
            "京东商城",
            "网购",
            Category::Shopping,
            -8_900,
            30_000,
            20,
        ),
        21,
        6,
    );
    history.every(
        &pattern(
            "zh-pension",
            "刘芳",
            "代买菜",
            Category::Transfer,
            -10_000,
            0,
            17,
        ),
        30,
        12,
    );
    history.pending(
        &pattern(
            "zh-pension",
            "物美超市",
            "超市购物",
            Category::Groceries,
            -12_650,
            0,
            10,
        ),
        95,
    );

    let transactions = history.transactions;
    let customer = Customer {
        id: "demo-zh".into(),
        full_name: C2::new("王秀英".into()),
        id_number: C2::new(IdNumber::new("110105195404123326")),
        phone: C2::new(PhoneNumber::new("13901234567")),
        locale: "zh-CN".into(),
    };
    let accounts = vec![
        Account {
            id: "zh-pension".into(),
            kind: AccountKind::Current,
            name: "养老金账户".into(),
            currency: cny,
            number: C2::new(AccountNumber::new("6217000010012346217")),
            balance: Balance {
                available: money(1_852_385, cny),
                booked: money(1_865_035, cny),
            },
            matures_on: None,
        },
        Account {
            id: "zh-deposit".into(),
            kind: AccountKind::TimeDeposit,
            name: "定期存款".into(),
            currency: cny,
            number: C2::new(AccountNumber::new("6217000010019988301")),
            balance: Balance {
                available: money(0, cny),
                booked: money(10_000_000, cny),
            },
            matures_on: Some(local_date(now, offset, 158)),
        },
        Account {
            id: "zh-credit".into(),
            kind: AccountKind::CreditCard,
            name: "信用卡".into(),
            currency: cny,
            number: C2::new(AccountNumber::new("6225880012344580")),
            balance: Balance {
                available: money(1_871_360, cny),
                booked: money(-128_640, cny),
            },
            matures_on: Some(local_date(now, offset, 18)),
        },
    ];
    let payee =
        |id: &str, name: &str, relationship, number: &str, bank: &str, transfers_made| Payee {
            id: id.into(),
            name: C2::new(name.into()),
            relationship,
            account_number: C2::new(AccountNumber::new(number)),
            bank_name: bank.into(),
            added_on: local_date(now, offset, -900),
            transfers_made,
        };
    let biller = |id: &str, name: &str, category, reference: &str| Biller {
        id: id.into(),
        name: name.into(),
        category,
        customer_reference: C2::new(AccountNumber::new(reference)),
    };
    let bill = |id: &str, biller: &str, minor, days_ahead, status| Bill {
        id: id.into(),
        biller_id: biller.into(),
        amount: money(minor, cny),
        due_on: local_date(now, offset, days_ahead),
        status,
    };
    CustomerSnapshot {
        as_of,
        customer,
        accounts,
        transactions,
        payees: vec![
            payee(
                "zh-payee-liwei",
                "李伟",
                Relationship::Son,
                "6222020200112233445",
                "中国工商银行",
                24,
            ),
            payee(
                "zh-payee-zhangli",
                "张丽",
                Relationship::DaughterInLaw,
                "6227000012345678901",
                "中国建设银行",
                6,
            ),
            payee(
                "zh-payee-wangjianguo",
                "王建国",
                Relationship::Sibling,
                "6228480012345670012",
                "中国农业银行",
                3,
            ),
            payee(
                "zh-payee-liufang",
                "刘芳",
                Relationship::Neighbour,
                "6216610012345678123",
                "中国银行",
                12,
            ),
        ],
        billers: vec![
            biller(
                "zh-biller-power",
                "国家电网",
                BillerCategory::Electricity,
                "0110023345",
            ),
            biller(
                "zh-biller-gas",
                "北京燃气",
                BillerCategory::Gas,
                "2200118842",
            ),
            biller(
                "zh-biller-mobile",
                "中国移动",
                BillerCategory::Phone,
                "13901234567",
            ),
            biller(
                "zh-biller-water",
                "北京自来水",
                BillerCategory::Water,
                "3300452210",
            ),
        ],
        bills: vec![
            bill(
                "zh-bill-power",
                "zh-biller-power",
                23_680,
                5,
                BillStatus::Due,
            ),
            bill(
                "zh-bill-mobile",
                "zh-biller-mobile",
                5_800,
                12,
                BillStatus::Due,
            ),
            bill(
                "zh-bill-water",
                "zh-biller-water",
                4_560,
                20,
                BillStatus::Due,
            ),
            bill("zh-bill-gas", "zh-biller-gas", 8_920, -3, BillStatus::Paid),
        ],
        cards: vec![
            Card {
                id: "zh-card-debit".into(),
                account_id: "zh-pension".into(),
                kind: CardKind::Debit,
                name: "借记卡".into(),
                number: C2::new(CardNumber::new("6217000010012346217")),
                status: CardStatus::Active,
            },
            Card {
                id: "zh-card-credit".into(),
                account_id: "zh-credit".into(),
                kind: CardKind::Credit,
                name: "信用卡".into(),
                number: C2::new(CardNumber::new("6225880012344580")),
                status: CardStatus::Active,
            },
        ],
        alerts: vec![Alert {
            id: "zh-alert-bill".into(),
            kind: AlertKind::BillDue,
            created_at: now - Duration::hours(3),
            read: false,
        }],
        service_requests: vec![ServiceRequest {
            id: "zh-sr-branch".into(),
            channel: Channel::Branch,
            status: ServiceStatus::Scheduled,
            location: "朝阳支行".into(),
            reference: "CY-0417".into(),
            scheduled_at: Some(history_time(now, offset, 6, 10)),
            opened_at: now - Duration::days(2),
        }],
    }
}

fn margaret_wilson(now: DateTime<Utc>, offset: FixedOffset) -> CustomerSnapshot {
    let usd = Currency::USD;
    let as_of = now - Duration::minutes(10);
    let mut history = History::new(usd, offset, as_of, 0x0dd_ba11);
    let pattern = |account, counterparty, description, category, base, spread, hour| Pattern {
        account,
        counterparty,
        description,
        category,
        base,
        spread,
        hour,
    };
    history.monthly(
        &pattern(
            "en-checking",
            "Social Security Administration",
            "Social Security benefit",
            Category::Income,
            189_400,
            0,
            9,
        ),
        3,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "St. Mary's Hospital Pension Plan",
            "Pension",
            Category::Income,
            125_000,
            0,
            9,
        ),
        1,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "City Electric",
            "Electricity",
            Category::Utilities,
            -6_500,
            5_000,
            10,
        ),
        7,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "Metro Water",
            "Water",
            Category::Utilities,
            -3_200,
            1_800,
            10,
        ),
        9,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "Bell Phone",
            "Phone",
            Category::Utilities,
            -4_500,
            0,
            10,
        ),
        12,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "Valley Gas",
            "Gas",
            Category::Utilities,
            -4_000,
            6_000,
            10,
        ),
        14,
    );
    history.monthly(
        &pattern(
            "en-savings",
            "Everyday Checking",
            "Transfer to savings",
            Category::Transfer,
            20_000,
            0,
            8,
        ),
        4,
    );
    history.monthly(
        &pattern(
            "en-checking",
            "Savings",
            "Transfer to savings",
            Category::Transfer,
            -20_000,
            0,
            8,
        ),
        4,
    );
    history.every(
        &pattern(
            "en-checking",
            "Maria Garcia",
            "Caregiver",
            Category::Transfer,
            -24_000,
            0,
            18,
        ),
        14,
        5,
    );
    history.every(
        &pattern(
            "en-checking",
            "Green Valley Market",
            "Groceries",
            Category::Groceries,
            -3_500,
            9_000,
            11,
        ),
        5,
        1,
    );
    history.every(
        &pattern(
            "en-visa",
            "Corner Pharmacy",
            "Pharmacy",
            Category::Health,
            -1_800,
            6_000,
            14,
        ),
        12,
        4,
    );
    history.every(
        &pattern(
            "en-visa",
            "Rosie's Diner",
            "Lunch",
            Category::Dining,
            -1_400,
            1_600,
            13,
        ),
        10,
        2,
    );
    history.every(
        &pattern(
            "en-visa",
            "Book Nook",
            "Books",
            Category::Shopping,
            -1_900,
            2_500,
            15,
        ),
        28,
        9,
    );
    history.pending(
        &pattern(
            "en-visa",
            "Corner Pharmacy",
            "Pharmacy",
            Category::Health,
            -2_415,
            0,
            14,
        ),
        240,
    );

    let transactions = history.transactions;
    let customer = Customer {
        id: "demo-en".into(),
        full_name: C2::new("Margaret Wilson".into()),
        id_number: C2::new(IdNumber::new("900-12-3456")),
        phone: C2::new(PhoneNumber::new("+1 555 010 4477")),
        locale: "en-US".into(),
    };
    let accounts = vec![
        Account {
            id: "en-checking".into(),
            kind: AccountKind::Current,
            name: "Everyday Checking".into(),
            currency: usd,
            number: C2::new(AccountNumber::new("021000089003921")),
            balance: Balance {
                available: money(412_873, usd),
                booked: money(412_873, usd),
            },
            matures_on: None,
        },
        Account {
            id: "en-savings".into(),
            kind: AccountKind::Savings,
            name: "Savings".into(),
            currency: usd,
            number: C2::new(AccountNumber::new("021000089007710")),
            balance: Balance {
                available: money(2_845_000, usd),
                booked: money(2_845_000, usd),
            },
            matures_on: None,
        },
        Account {
            id: "en-visa".into(),
            kind: AccountKind::CreditCard,
            name: "Visa credit card".into(),
            currency: usd,
            number: C2::new(AccountNumber::new("4111110000004321")),
            balance: Balance {
                available: money(436_585, usd),
                booked: money(-63_415, usd),
            },
            matures_on: Some(local_date(now, offset, 16)),
        },
    ];
    let payee =
        |id: &str, name: &str, relationship, number: &str, bank: &str, transfers_made| Payee {
            id: id.into(),
            name: C2::new(name.into()),
            relationship,
            account_number: C2::new(AccountNumber::new(number)),
            bank_name: bank.into(),
            added_on: local_date(now, offset, -700),
            transfers_made,
        };
    let biller = |id: &str, name: &str, category, reference: &str| Biller {
        id: id.into(),
        name: name.into(),
        category,
        customer_reference: C2::new(AccountNumber::new(reference)),
    };
    let bill = |id: &str, biller: &str, minor, days_ahead, status| Bill {
        id: id.into(),
        biller_id: biller.into(),
        amount: money(minor, usd),
        due_on: local_date(now, offset, days_ahead),
        status,
    };
    CustomerSnapshot {
        as_of,
        customer,
        accounts,
        transactions,
        payees: vec![
            payee(
                "en-payee-alice",
                "Alice Chen",
                Relationship::Daughter,
                "026009593004411",
                "Harbor Bank",
                18,
            ),
            payee(
                "en-payee-bob",
                "Bob Wilson",
                Relationship::Son,
                "121000248007789",
                "Summit Credit Union",
                9,
            ),
            payee(
                "en-payee-david",
                "David Miller",
                Relationship::Neighbour,
                "011000138002255",
                "First Town Bank",
                2,
            ),
            payee(
                "en-payee-maria",
                "Maria Garcia",
                Relationship::Caregiver,
                "031100209006630",
                "Keystone Savings",
                26,
            ),
        ],
        billers: vec![
            biller(
                "en-biller-electric",
                "City Electric",
                BillerCategory::Electricity,
                "CE-55102",
            ),
            biller(
                "en-biller-water",
                "Metro Water",
                BillerCategory::Water,
                "MW-20931",
            ),
            biller(
                "en-biller-phone",
                "Bell Phone",
                BillerCategory::Phone,
                "BP-77120",
            ),
            biller(
                "en-biller-gas",
                "Valley Gas",
                BillerCategory::Gas,
                "VG-31877",
            ),
        ],
        bills: vec![
            bill(
                "en-bill-electric",
                "en-biller-electric",
                8_742,
                3,
                BillStatus::Due,
            ),
            bill(
                "en-bill-phone",
                "en-biller-phone",
                4_500,
                9,
                BillStatus::Due,
            ),
            bill("en-bill-gas", "en-biller-gas", 6_130, 1, BillStatus::Due),
            bill(
                "en-bill-water",
                "en-biller-water",
                3_985,
                -6,
                BillStatus::Paid,
            ),
        ],
        cards: vec![
            Card {
                id: "en-card-debit".into(),
                account_id: "en-checking".into(),
                kind: CardKind::Debit,
                name: "Debit card".into(),
                number: C2::new(CardNumber::new("5500000000003921")),
                status: CardStatus::Active,
            },
            Card {
                id: "en-card-visa".into(),
                account_id: "en-visa".into(),
                kind: CardKind::Credit,
                name: "Visa credit card".into(),
                number: C2::new(CardNumber::new("4111110000004321")),
                status: CardStatus::Active,
            },
        ],
        alerts: vec![Alert {
            id: "en-alert-large".into(),
            kind: AlertKind::LargeTransaction,
            created_at: now - Duration::hours(26),
            read: false,
        }],
        service_requests: vec![ServiceRequest {
            id: "en-sr-phone".into(),
            channel: Channel::Phone,
            status: ServiceStatus::Open,
            location: "Customer care line".into(),
            reference: "TCK-48213".into(),
            scheduled_at: None,
            opened_at: now - Duration::days(1),
        }],
    }
}

/// `days_ahead` days from now at `hour` o'clock local time.
fn history_time(
    now: DateTime<Utc>,
    offset: FixedOffset,
    days_ahead: i64,
    hour: u32,
) -> DateTime<Utc> {
    local_time(offset, local_date(now, offset, days_ahead), hour)
}

fn local_time(offset: FixedOffset, date: NaiveDate, hour: u32) -> DateTime<Utc> {
    let local = date.and_hms_opt(hour, 0, 0).unwrap_or_default();
    // A fixed offset has no gaps or folds, so the local time is always unique.
    offset
        .from_local_datetime(&local)
        .earliest()
        .unwrap_or_default()
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_of_history_for_each_customer() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap();
        for customer in DemoCustomer::ALL {
            let snapshot = customer.snapshot(now);
            assert!(
                snapshot.transactions.len() > 200,
                "{}",
                snapshot.transactions.len()
            );
            let oldest = snapshot
                .transactions
                .iter()
                .map(|t| t.occurred_at)
                .min()
                .unwrap();
            assert!(now - oldest > Duration::days(300));
            assert!(
                snapshot
                    .transactions
                    .iter()
                    .all(|t| t.occurred_at <= snapshot.as_of)
            );
            let ids: std::collections::HashSet<_> =
                snapshot.transactions.iter().map(|t| &t.id).collect();
            assert_eq!(ids.len(), snapshot.transactions.len());
            assert_eq!(snapshot.payees.len(), 4);
            assert_eq!(snapshot.billers.len(), 4);
            assert_eq!(customer.snapshot(now), snapshot, "deterministic");
        }
    }
}
