//! The two demo customers and a year of their banking, generated deterministically relative
//! to "now" so that due dates and freshness read naturally whenever the demo runs.
//!
//! This is the bank's side of the data, served by the reference bank over the API.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, Months, NaiveDate, Offset, TimeZone, Utc,
};
use tingshuo_base::classify::{AccountNumber, C2, CardNumber};
use tingshuo_base::model::{
    Account, AccountKind, Alert, AlertKind, Balance, Bill, BillStatus, Biller, BillerCategory,
    Card, CardKind, CardStatus, Category, Channel, Customer, CustomerSnapshot, Payee, Relationship,
    ServiceRequest, ServiceStatus, Transaction, TransactionStatus,
};
use tingshuo_base::{Currency, Locale, Money};

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
            id: id.into(),
            account_id: pattern.account.into(),
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

/// Builds one customer's records in their currency and time zone. Each table is written as
/// rows of plain values, the way a bank's test data would be.
struct Fixtures {
    now: DateTime<Utc>,
    offset: FixedOffset,
    currency: Currency,
}

/// (id, kind, name, number, available minor, booked minor, matures in days)
type AccountRow<'a> = (
    &'a str,
    AccountKind,
    &'a str,
    &'a str,
    i64,
    i64,
    Option<i64>,
);
/// (id, name, relationship, account number, bank, transfers made)
type PayeeRow<'a> = (&'a str, &'a str, Relationship, &'a str, &'a str, u32);
/// (id, name, category, customer reference)
type BillerRow<'a> = (&'a str, &'a str, BillerCategory, &'a str);
/// (id, biller id, amount minor, due in days, status)
type BillRow<'a> = (&'a str, &'a str, i64, i64, BillStatus);
/// (id, account id, kind, name, number)
type CardRow<'a> = (&'a str, &'a str, CardKind, &'a str, &'a str);

impl Fixtures {
    fn date(&self, days_ahead: i64) -> NaiveDate {
        local_date(self.now, self.offset, days_ahead)
    }

    fn accounts(&self, rows: &[AccountRow<'_>]) -> Vec<Account> {
        rows.iter()
            .map(
                |&(id, kind, name, number, available, booked, matures)| Account {
                    id: id.into(),
                    kind,
                    name: name.into(),
                    currency: self.currency,
                    number: C2::new(AccountNumber::new(number)),
                    balance: Balance {
                        available: money(available, self.currency),
                        booked: money(booked, self.currency),
                    },
                    matures_on: matures.map(|days| self.date(days)),
                },
            )
            .collect()
    }

    fn payees(&self, added_days_ago: i64, rows: &[PayeeRow<'_>]) -> Vec<Payee> {
        rows.iter()
            .map(
                |&(id, name, relationship, number, bank, transfers_made)| Payee {
                    id: id.into(),
                    name: C2::new(name.into()),
                    relationship,
                    account_number: C2::new(AccountNumber::new(number)),
                    bank_name: bank.into(),
                    added_on: self.date(-added_days_ago),
                    transfers_made,
                },
            )
            .collect()
    }

    fn billers(&self, rows: &[BillerRow<'_>]) -> Vec<Biller> {
        rows.iter()
            .map(|&(id, name, category, reference)| Biller {
                id: id.into(),
                name: name.into(),
                category,
                customer_reference: C2::new(AccountNumber::new(reference)),
            })
            .collect()
    }

    fn bills(&self, rows: &[BillRow<'_>]) -> Vec<Bill> {
        rows.iter()
            .map(|&(id, biller, minor, due_in, status)| Bill {
                id: id.into(),
                biller_id: biller.into(),
                amount: money(minor, self.currency),
                due_on: self.date(due_in),
                status,
            })
            .collect()
    }

    fn cards(&self, rows: &[CardRow<'_>]) -> Vec<Card> {
        rows.iter()
            .map(|&(id, account, kind, name, number)| Card {
                id: id.into(),
                account_id: account.into(),
                kind,
                name: name.into(),
                number: C2::new(CardNumber::new(number)),
                status: CardStatus::Active,
            })
            .collect()
    }
}

impl<'a> Pattern<'a> {
    fn new(
        account: &'a str,
        counterparty: &'a str,
        description: &'a str,
        category: Category,
        (base, spread): (i64, i64),
        hour: u32,
    ) -> Pattern<'a> {
        Pattern {
            account,
            counterparty,
            description,
            category,
            base,
            spread,
            hour,
        }
    }
}

fn wang_xiuying(now: DateTime<Utc>, offset: FixedOffset) -> CustomerSnapshot {
    let fixtures = Fixtures {
        now,
        offset,
        currency: Currency::CNY,
    };
    let as_of = now - Duration::minutes(10);
    let mut history = History::new(fixtures.currency, offset, as_of, 0x5eed_7a11);
    use Category::*;
    let p = Pattern::new;
    history.monthly(
        &p(
            "zh-pension",
            "北京市社会保险基金管理中心",
            "养老金",
            Income,
            (486_000, 0),
            9,
        ),
        15,
    );
    history.monthly(
        &p(
            "zh-pension",
            "国家电网",
            "电费",
            Utilities,
            (-15_000, 12_000),
            10,
        ),
        8,
    );
    history.monthly(
        &p(
            "zh-pension",
            "北京燃气",
            "燃气费",
            Utilities,
            (-6_000, 6_000),
            10,
        ),
        9,
    );
    history.monthly(
        &p("zh-pension", "中国移动", "话费", Utilities, (-5_800, 0), 10),
        10,
    );
    history.monthly(
        &p(
            "zh-pension",
            "北京自来水",
            "水费",
            Utilities,
            (-3_000, 2_500),
            10,
        ),
        11,
    );
    history.monthly(
        &p(
            "zh-pension",
            "同仁堂药店",
            "药品",
            Health,
            (-12_000, 9_000),
            15,
        ),
        20,
    );
    history.monthly(
        &p("zh-pension", "李伟", "转账", Transfer, (50_000, 0), 19),
        1,
    );
    history.every(
        &p(
            "zh-pension",
            "物美超市",
            "超市购物",
            Groceries,
            (-6_500, 18_000),
            10,
        ),
        4,
        2,
    );
    history.every(
        &p(
            "zh-pension",
            "早市",
            "蔬菜水果",
            Groceries,
            (-1_800, 3_000),
            8,
        ),
        3,
        1,
    );
    history.every(
        &p(
            "zh-credit",
            "庆丰包子铺",
            "餐饮",
            Dining,
            (-2_800, 2_000),
            12,
        ),
        9,
        3,
    );
    history.every(
        &p(
            "zh-credit",
            "京东商城",
            "网购",
            Shopping,
            (-8_900, 30_000),
            20,
        ),
        21,
        6,
    );
    history.every(
        &p("zh-pension", "刘芳", "代买菜", Transfer, (-10_000, 0), 17),
        30,
        12,
    );
    history.pending(
        &p(
            "zh-pension",
            "物美超市",
            "超市购物",
            Groceries,
            (-12_650, 0),
            10,
        ),
        95,
    );

    CustomerSnapshot {
        as_of,
        customer: Customer {
            id: "demo-zh".into(),
            full_name: C2::new("王秀英".into()),
            locale: "zh-CN".into(),
        },
        accounts: fixtures.accounts(&[
            (
                "zh-pension",
                AccountKind::Current,
                "养老金账户",
                "6217000010012346217",
                1_852_385,
                1_865_035,
                None,
            ),
            (
                "zh-deposit",
                AccountKind::TimeDeposit,
                "定期存款",
                "6217000010019988301",
                0,
                10_000_000,
                Some(158),
            ),
            (
                "zh-credit",
                AccountKind::CreditCard,
                "信用卡",
                "6225880012344580",
                1_871_360,
                -128_640,
                Some(18),
            ),
        ]),
        transactions: history.transactions,
        payees: fixtures.payees(
            900,
            &[
                (
                    "zh-payee-liwei",
                    "李伟",
                    Relationship::Son,
                    "6222020200112233445",
                    "中国工商银行",
                    24,
                ),
                (
                    "zh-payee-zhangli",
                    "张丽",
                    Relationship::DaughterInLaw,
                    "6227000012345678901",
                    "中国建设银行",
                    6,
                ),
                (
                    "zh-payee-wangjianguo",
                    "王建国",
                    Relationship::Sibling,
                    "6228480012345670012",
                    "中国农业银行",
                    3,
                ),
                (
                    "zh-payee-liufang",
                    "刘芳",
                    Relationship::Neighbour,
                    "6216610012345678123",
                    "中国银行",
                    12,
                ),
            ],
        ),
        billers: fixtures.billers(&[
            (
                "zh-biller-power",
                "国家电网",
                BillerCategory::Electricity,
                "0110023345",
            ),
            (
                "zh-biller-gas",
                "北京燃气",
                BillerCategory::Gas,
                "2200118842",
            ),
            (
                "zh-biller-mobile",
                "中国移动",
                BillerCategory::Phone,
                "13901234567",
            ),
            (
                "zh-biller-water",
                "北京自来水",
                BillerCategory::Water,
                "3300452210",
            ),
        ]),
        bills: fixtures.bills(&[
            (
                "zh-bill-power",
                "zh-biller-power",
                23_680,
                5,
                BillStatus::Due,
            ),
            (
                "zh-bill-mobile",
                "zh-biller-mobile",
                5_800,
                12,
                BillStatus::Due,
            ),
            (
                "zh-bill-water",
                "zh-biller-water",
                4_560,
                20,
                BillStatus::Due,
            ),
            ("zh-bill-gas", "zh-biller-gas", 8_920, -3, BillStatus::Paid),
        ]),
        cards: fixtures.cards(&[
            (
                "zh-card-debit",
                "zh-pension",
                CardKind::Debit,
                "借记卡",
                "6217000010012346217",
            ),
            (
                "zh-card-credit",
                "zh-credit",
                CardKind::Credit,
                "信用卡",
                "6225880012344580",
            ),
        ]),
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
    let fixtures = Fixtures {
        now,
        offset,
        currency: Currency::USD,
    };
    let as_of = now - Duration::minutes(10);
    let mut history = History::new(fixtures.currency, offset, as_of, 0x0dd_ba11);
    use Category::*;
    let p = Pattern::new;
    history.monthly(
        &p(
            "en-checking",
            "Social Security Administration",
            "Social Security benefit",
            Income,
            (189_400, 0),
            9,
        ),
        3,
    );
    history.monthly(
        &p(
            "en-checking",
            "St. Mary's Hospital Pension Plan",
            "Pension",
            Income,
            (125_000, 0),
            9,
        ),
        1,
    );
    history.monthly(
        &p(
            "en-checking",
            "City Electric",
            "Electricity",
            Utilities,
            (-6_500, 5_000),
            10,
        ),
        7,
    );
    history.monthly(
        &p(
            "en-checking",
            "Metro Water",
            "Water",
            Utilities,
            (-3_200, 1_800),
            10,
        ),
        9,
    );
    history.monthly(
        &p(
            "en-checking",
            "Bell Phone",
            "Phone",
            Utilities,
            (-4_500, 0),
            10,
        ),
        12,
    );
    history.monthly(
        &p(
            "en-checking",
            "Valley Gas",
            "Gas",
            Utilities,
            (-4_000, 6_000),
            10,
        ),
        14,
    );
    history.monthly(
        &p(
            "en-savings",
            "Everyday Checking",
            "Transfer to savings",
            Transfer,
            (20_000, 0),
            8,
        ),
        4,
    );
    history.monthly(
        &p(
            "en-checking",
            "Savings",
            "Transfer to savings",
            Transfer,
            (-20_000, 0),
            8,
        ),
        4,
    );
    history.every(
        &p(
            "en-checking",
            "Maria Garcia",
            "Caregiver",
            Transfer,
            (-24_000, 0),
            18,
        ),
        14,
        5,
    );
    history.every(
        &p(
            "en-checking",
            "Green Valley Market",
            "Groceries",
            Groceries,
            (-3_500, 9_000),
            11,
        ),
        5,
        1,
    );
    history.every(
        &p(
            "en-visa",
            "Corner Pharmacy",
            "Pharmacy",
            Health,
            (-1_800, 6_000),
            14,
        ),
        12,
        4,
    );
    history.every(
        &p(
            "en-visa",
            "Rosie's Diner",
            "Lunch",
            Dining,
            (-1_400, 1_600),
            13,
        ),
        10,
        2,
    );
    history.every(
        &p(
            "en-visa",
            "Book Nook",
            "Books",
            Shopping,
            (-1_900, 2_500),
            15,
        ),
        28,
        9,
    );
    history.pending(
        &p(
            "en-visa",
            "Corner Pharmacy",
            "Pharmacy",
            Health,
            (-2_415, 0),
            14,
        ),
        240,
    );

    CustomerSnapshot {
        as_of,
        customer: Customer {
            id: "demo-en".into(),
            full_name: C2::new("Margaret Wilson".into()),
            locale: "en-US".into(),
        },
        accounts: fixtures.accounts(&[
            (
                "en-checking",
                AccountKind::Current,
                "Everyday Checking",
                "021000089003921",
                412_873,
                412_873,
                None,
            ),
            (
                "en-savings",
                AccountKind::Savings,
                "Savings",
                "021000089007710",
                2_845_000,
                2_845_000,
                None,
            ),
            (
                "en-visa",
                AccountKind::CreditCard,
                "Visa credit card",
                "4111110000004321",
                436_585,
                -63_415,
                Some(16),
            ),
        ]),
        transactions: history.transactions,
        payees: fixtures.payees(
            700,
            &[
                (
                    "en-payee-alice",
                    "Alice Chen",
                    Relationship::Daughter,
                    "026009593004411",
                    "Harbor Bank",
                    18,
                ),
                (
                    "en-payee-bob",
                    "Bob Wilson",
                    Relationship::Son,
                    "121000248007789",
                    "Summit Credit Union",
                    9,
                ),
                (
                    "en-payee-david",
                    "David Miller",
                    Relationship::Neighbour,
                    "011000138002255",
                    "First Town Bank",
                    2,
                ),
                (
                    "en-payee-maria",
                    "Maria Garcia",
                    Relationship::Caregiver,
                    "031100209006630",
                    "Keystone Savings",
                    26,
                ),
            ],
        ),
        billers: fixtures.billers(&[
            (
                "en-biller-electric",
                "City Electric",
                BillerCategory::Electricity,
                "CE-55102",
            ),
            (
                "en-biller-water",
                "Metro Water",
                BillerCategory::Water,
                "MW-20931",
            ),
            (
                "en-biller-phone",
                "Bell Phone",
                BillerCategory::Phone,
                "BP-77120",
            ),
            (
                "en-biller-gas",
                "Valley Gas",
                BillerCategory::Gas,
                "VG-31877",
            ),
        ]),
        bills: fixtures.bills(&[
            (
                "en-bill-electric",
                "en-biller-electric",
                8_742,
                3,
                BillStatus::Due,
            ),
            (
                "en-bill-phone",
                "en-biller-phone",
                4_500,
                9,
                BillStatus::Due,
            ),
            ("en-bill-gas", "en-biller-gas", 6_130, 1, BillStatus::Due),
            (
                "en-bill-water",
                "en-biller-water",
                3_985,
                -6,
                BillStatus::Paid,
            ),
        ]),
        cards: fixtures.cards(&[
            (
                "en-card-debit",
                "en-checking",
                CardKind::Debit,
                "Debit card",
                "5500000000003921",
            ),
            (
                "en-card-visa",
                "en-visa",
                CardKind::Credit,
                "Visa credit card",
                "4111110000004321",
            ),
        ]),
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

/// A synthetic customer with `transactions` transactions spread over `accounts` accounts, for
/// benchmarks: the shape of real data without its story.
pub fn large_customer(
    id: &str,
    accounts: usize,
    transactions: usize,
    now: DateTime<Utc>,
) -> CustomerSnapshot {
    let fixtures = Fixtures {
        now,
        offset: FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix()),
        currency: Currency::CNY,
    };
    let kinds = [
        AccountKind::Current,
        AccountKind::Savings,
        AccountKind::TimeDeposit,
        AccountKind::CreditCard,
        AccountKind::Loan,
    ];
    let account_ids: Vec<String> = (0..accounts).map(|i| format!("{id}-acct-{i}")).collect();
    let numbers: Vec<String> = (0..accounts)
        .map(|i| format!("62170000100{i:08}"))
        .collect();
    let names: Vec<String> = (0..accounts).map(|i| format!("账户{i}")).collect();
    let account_rows: Vec<AccountRow<'_>> = (0..accounts)
        .map(|i| {
            let balance = 1_000_000 + i64::try_from(i).unwrap_or(0);
            (
                account_ids[i].as_str(),
                kinds[i % kinds.len()],
                names[i].as_str(),
                numbers[i].as_str(),
                balance,
                balance,
                None,
            )
        })
        .collect();
    let counterparties = [
        "物美超市",
        "国家电网",
        "同仁堂药店",
        "李伟",
        "京东商城",
        "早市",
        "庆丰包子铺",
    ];
    let transactions = (0..transactions)
        .map(|i| {
            let n = i64::try_from(i).unwrap_or(0);
            Transaction {
                id: format!("{id}-txn-{i:06}").into(),
                account_id: account_ids[i % accounts.max(1)].as_str().into(),
                status: if i % 500 == 0 {
                    TransactionStatus::Pending
                } else {
                    TransactionStatus::Booked
                },
                amount: money(-((n * 7919) % 50_000) - 100, fixtures.currency),
                counterparty: C2::new(counterparties[i % counterparties.len()].to_owned()),
                description: C2::new(format!("消费 {i}")),
                category: Category::Groceries,
                occurred_at: now - Duration::minutes(n * 53),
            }
        })
        .collect();
    let payee_rows: Vec<(String, String, String)> = (0..20)
        .map(|i| {
            (
                format!("{id}-payee-{i}"),
                format!("收款人{i}"),
                format!("62220202{i:08}"),
            )
        })
        .collect();
    let payees: Vec<PayeeRow<'_>> = payee_rows
        .iter()
        .zip(0_u32..)
        .map(|((pid, name, number), made)| {
            (
                pid.as_str(),
                name.as_str(),
                Relationship::Other,
                number.as_str(),
                "银行",
                made,
            )
        })
        .collect();
    let card_rows: Vec<(String, String)> = (0..accounts)
        .map(|i| (format!("{id}-card-{i}"), numbers[i].clone()))
        .collect();
    let cards: Vec<CardRow<'_>> = card_rows
        .iter()
        .zip(&account_ids)
        .map(|((cid, number), account)| {
            (
                cid.as_str(),
                account.as_str(),
                CardKind::Debit,
                "借记卡",
                number.as_str(),
            )
        })
        .collect();
    let biller_ids: Vec<String> = (0..4).map(|i| format!("{id}-biller-{i}")).collect();
    let bill_ids: Vec<String> = (0..12).map(|i| format!("{id}-bill-{i}")).collect();
    CustomerSnapshot {
        as_of: now,
        customer: Customer {
            id: id.into(),
            full_name: C2::new("测试客户".into()),
            locale: "zh-CN".into(),
        },
        accounts: fixtures.accounts(&account_rows),
        transactions,
        payees: fixtures.payees(30, &payees),
        billers: fixtures.billers(
            &biller_ids
                .iter()
                .map(|b| (b.as_str(), "缴费单位", BillerCategory::Other, "ref"))
                .collect::<Vec<_>>(),
        ),
        bills: fixtures.bills(
            &bill_ids
                .iter()
                .zip(0_i64..)
                .map(|(b, i)| {
                    (
                        b.as_str(),
                        biller_ids[usize::try_from(i % 4).unwrap_or(0)].as_str(),
                        10_000 + i,
                        i * 5,
                        BillStatus::Due,
                    )
                })
                .collect::<Vec<_>>(),
        ),
        cards: fixtures.cards(&cards),
        alerts: Vec::new(),
        service_requests: Vec::new(),
    }
}

/// What a bank's customer record holds beyond what the app uses (her ID number and phone):
/// the reference bank sends it with the customer, as a real one would, and the app keeps
/// none of it (minimum necessary).
pub fn bank_only_fields(customer: &str) -> &'static [(&'static str, &'static str)] {
    match customer {
        "demo-zh" => &[
            ("id_number", "110105195404123326"),
            ("phone", "13901234567"),
        ],
        "demo-en" => &[("id_number", "900-12-3456"), ("phone", "+1 555 010 4477")],
        _ => &[],
    }
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
