//! Open the encrypted store and build the unified view from cache: 10,000 transactions over
//! 10 accounts. Run with `cargo bench -p tingshuo-core --bench view`; results go in
//! `docs/benchmarks.md`. Target: median ≤ 20 ms for open + view.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use tingshuo_core::classify::{AccountNumber, C2, CardNumber, IdNumber, PhoneNumber};
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::model::{
    Account, AccountKind, Balance, Bill, BillStatus, Biller, BillerCategory, Card, CardKind,
    CardStatus, Category, Customer, CustomerSnapshot, Payee, Relationship, Transaction,
    TransactionStatus,
};
use tingshuo_core::{Currency, Locale, Localizer, MemoryKeyStore, Money, Store};

const ACCOUNTS: usize = 10;
const TRANSACTIONS: usize = 10_000;
const ROUNDS: usize = 60;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap()
}

fn large_customer() -> CustomerSnapshot {
    let cny = Currency::CNY;
    let money = |minor| C2::new(Money::from_minor(minor, cny));
    let kinds = [
        AccountKind::Current,
        AccountKind::Savings,
        AccountKind::TimeDeposit,
        AccountKind::CreditCard,
        AccountKind::Loan,
    ];
    let accounts: Vec<Account> = (0..ACCOUNTS)
        .map(|i| Account {
            id: format!("acct-{i}"),
            kind: kinds[i % kinds.len()],
            name: format!("账户{i}"),
            currency: cny,
            number: C2::new(AccountNumber::new(format!("62170000100{i:08}"))),
            balance: Balance {
                available: money(1_000_000 + i as i64),
                booked: money(1_000_000 + i as i64),
            },
            matures_on: None,
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
    let transactions = (0..TRANSACTIONS)
        .map(|i| Transaction {
            id: format!("txn-{i:06}"),
            account_id: format!("acct-{}", i % ACCOUNTS),
            status: if i % 500 == 0 {
                TransactionStatus::Pending
            } else {
                TransactionStatus::Booked
            },
            amount: money(-((i as i64 * 7919) % 50_000) - 100),
            counterparty: C2::new(counterparties[i % counterparties.len()].to_owned()),
            description: C2::new(format!("消费 {i}")),
            category: Category::Groceries,
            occurred_at: now() - chrono::Duration::minutes(i as i64 * 53),
        })
        .collect();
    CustomerSnapshot {
        as_of: now(),
        customer: Customer {
            id: "bench".into(),
            full_name: C2::new("测试客户".into()),
            id_number: C2::new(IdNumber::new("110105195404123326")),
            phone: C2::new(PhoneNumber::new("13901234567")),
            locale: "zh-CN".into(),
        },
        accounts,
        transactions,
        payees: (0..20)
            .map(|i| Payee {
                id: format!("payee-{i}"),
                name: C2::new(format!("收款人{i}")),
                relationship: Relationship::Other,
                account_number: C2::new(AccountNumber::new(format!("62220202{i:08}"))),
                bank_name: "银行".into(),
                added_on: now().date_naive(),
                transfers_made: i,
            })
            .collect(),
        billers: (0..4)
            .map(|i| Biller {
                id: format!("biller-{i}"),
                name: format!("缴费单位{i}"),
                category: BillerCategory::Other,
                customer_reference: C2::new(AccountNumber::new(format!("ref-{i}"))),
            })
            .collect(),
        bills: (0..12)
            .map(|i| Bill {
                id: format!("bill-{i}"),
                biller_id: format!("biller-{}", i % 4),
                amount: money(10_000 + i as i64),
                due_on: now().date_naive() + chrono::Days::new(i as u64 * 5),
                status: BillStatus::Due,
            })
            .collect(),
        cards: (0..ACCOUNTS)
            .map(|i| Card {
                id: format!("card-{i}"),
                account_id: format!("acct-{i}"),
                kind: CardKind::Debit,
                name: "借记卡".into(),
                number: C2::new(CardNumber::new(format!("62170000100{i:08}"))),
                status: CardStatus::Active,
            })
            .collect(),
        alerts: Vec::new(),
        service_requests: Vec::new(),
    }
}

struct Summary {
    median: Duration,
    p95: Duration,
    min: Duration,
}

fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Summary {
        median: at(0.5),
        p95: at(0.95),
        min: samples[0],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let keys = MemoryKeyStore::new().unwrap();
    let snapshot = large_customer();
    let l10n = Localizer::new().unwrap();
    let presentation = Presentation {
        locale: Locale::ZhCn,
        now: now(),
        offset: FixedOffset::east_opt(8 * 3600).unwrap(),
    };
    let today = now().date_naive();

    let seed_started = Instant::now();
    runtime.block_on(async {
        let store = Store::open(&path, &keys).await.unwrap();
        store.save_snapshot(&snapshot).await.unwrap();
        store.close().await;
    });
    let seed_time = seed_started.elapsed();
    let file_size = std::fs::metadata(&path).unwrap().len();

    let mut open_and_view = Vec::new();
    let mut open_only = Vec::new();
    let mut render = Vec::new();
    let mut verify = Vec::new();
    for round in 0..ROUNDS + 3 {
        let (open, total, rendered, verified) = runtime.block_on(async {
            let started = Instant::now();
            let store = Store::open(&path, &keys).await.unwrap();
            let opened = started.elapsed();
            let view = store.load_view(today).await.unwrap();
            let total = started.elapsed();
            let render_started = Instant::now();
            let lines = view_lines(&l10n, &presentation, &view).unwrap();
            assert!(lines.len() > 10);
            let rendered = render_started.elapsed();
            let verify_started = Instant::now();
            store.verify().await.unwrap();
            let verified = verify_started.elapsed();
            store.close().await;
            (opened, total, rendered, verified)
        });
        if round >= 3 {
            // The first rounds warm the page cache and allocator; they are not kept.
            open_only.push(open);
            open_and_view.push(total);
            render.push(rendered);
            verify.push(verified);
        }
    }

    println!(
        "store: {TRANSACTIONS} transactions over {ACCOUNTS} accounts, {} KiB on disk; seeding took {} ms",
        file_size / 1024,
        ms(seed_time)
    );
    println!("{ROUNDS} rounds after 3 warm-up rounds, current-thread runtime\n");
    println!("| step | median ms | p95 ms | min ms |");
    println!("|---|---|---|---|");
    for (name, samples) in [
        ("open store (connect, schema check, unwrap key)", open_only),
        (
            "open store + build unified view (target ≤ 20 ms)",
            open_and_view,
        ),
        ("render view lines, display + speech (zh-CN)", render),
        (
            "full verification: quick_check + open every sealed value",
            verify,
        ),
    ] {
        let s = summarize(samples);
        println!(
            "| {name} | {} | {} | {} |",
            ms(s.median),
            ms(s.p95),
            ms(s.min)
        );
    }
}
