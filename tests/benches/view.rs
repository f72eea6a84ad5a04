//! Open the encrypted store and build the unified view from cache: 10,000 transactions over
//! 10 accounts. Run with `cargo bench -p tingshuo-tests --bench view`; results go in
//! `docs/benchmarks.md`. Target: median ≤ 20 ms for open + view.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::time::Instant;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::{Locale, Localizer, MemoryKeyStore, Store};
use tingshuo_sandbox::seed::large_customer;
use tingshuo_tests::bench::{ms, summarize};

const ACCOUNTS: usize = 10;
const TRANSACTIONS: usize = 10_000;
const ROUNDS: usize = 60;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let keys = MemoryKeyStore::new().unwrap();
    let snapshot = large_customer("bench", ACCOUNTS, TRANSACTIONS, now());
    let l10n = Localizer::new().unwrap();
    let presentation = Presentation {
        locale: Locale::ZhCn,
        now: now(),
        zone: FixedOffset::east_opt(8 * 3600).unwrap().into(),
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
