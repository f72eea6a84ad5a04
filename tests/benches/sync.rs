//! Sync benchmarks on loopback, against the reference bank:
//! * initial sync of 10,000 transactions (10 accounts), next to a raw SQLite bulk insert of
//!   the same rows measured in the same run (target: ratio ≤ 2x);
//! * a no-change delta sync round trip (median).
//!
//! Run with `cargo bench -p tingshuo-tests --bench sync`; results go in `docs/benchmarks.md`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::Connection;
use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::crypto::SoftwareSigner;
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::wire::TransactionDto;
use tingshuo_core::{Client, ClientConfig, MemoryKeyStore};
use tingshuo_sandbox::seed::large_customer;
use tingshuo_sandbox::{Bank, BankConfig, RunningBank};
use tingshuo_tests::bench::{ms, summarize};

const TRANSACTIONS: usize = 10_000;
const ACCOUNTS: usize = 10;
const INITIAL_ROUNDS: usize = 7;
const DELTA_ROUNDS: usize = 200;

async fn fresh_client(running: &RunningBank, dir: &std::path::Path) -> Client {
    let url = running.url();
    let code = running.enrollment_code("bench").await.unwrap();
    let config = ClientConfig {
        store_path: dir.join("client.db"),
        bank_url: url,
        sync: SyncConfig::default(),
    };
    let (client, _) = Client::open(
        config,
        &MemoryKeyStore::new().unwrap(),
        Arc::new(SoftwareSigner::generate().unwrap().0),
    )
    .await
    .unwrap();
    client
        .sync()
        .register_device("bench", OneTimeCode::new(code), "bench")
        .await
        .unwrap();
    client
}

/// The peer: the same transaction rows inserted into a plain SQLite table in one transaction
/// with one prepared statement, on the same driver, with the same WAL and durability settings.
async fn raw_bulk_insert(rows: &[TransactionDto], dir: &std::path::Path) -> Duration {
    let path = dir.join("raw.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
    let mut connection = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE txn (id TEXT PRIMARY KEY, account_id TEXT, status TEXT, amount_minor INTEGER, currency TEXT,
                           counterparty TEXT, description TEXT, category TEXT, occurred_at INTEGER)",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    let started = Instant::now();
    let mut tx = connection.begin().await.unwrap();
    for row in rows {
        sqlx::query("INSERT INTO txn VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.status)
            .bind(row.amount_minor)
            .bind(&row.currency)
            .bind(&row.counterparty)
            .bind(&row.description)
            .bind(&row.category)
            .bind(row.occurred_at.timestamp_millis())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let elapsed = started.elapsed();
    connection.close().await.unwrap();
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(dir.join("raw.db-wal"));
    let _ = std::fs::remove_file(dir.join("raw.db-shm"));
    elapsed
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let bank = Bank::new(BankConfig::default()).await.unwrap();
        let snapshot = large_customer("bench", ACCOUNTS, TRANSACTIONS, Utc::now());
        bank.seed(&snapshot).await.unwrap();
        let running = bank.serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let rows: Vec<TransactionDto> = snapshot.transactions.iter().map(TransactionDto::from).collect();

        let mut initial = Vec::new();
        let mut raw = Vec::new();
        let mut patches = 0;
        for _ in 0..INITIAL_ROUNDS {
            let dir = tempfile::tempdir().unwrap();
            let client = fresh_client(&running, dir.path()).await;
            let started = Instant::now();
            let report = client.sync().sync_now().await.unwrap();
            initial.push(started.elapsed());
            patches = report.patches_applied;
            raw.push(raw_bulk_insert(&rows, dir.path()).await);
        }

        let dir = tempfile::tempdir().unwrap();
        let client = fresh_client(&running, dir.path()).await;
        client.sync().sync_now().await.unwrap();
        let mut delta = Vec::new();
        for _ in 0..DELTA_ROUNDS {
            let started = Instant::now();
            let report = client.sync().sync_now().await.unwrap();
            delta.push(started.elapsed());
            assert_eq!(report.patches_applied, 0);
        }

        let (initial, raw, delta) = (summarize(initial), summarize(raw), summarize(delta));
        println!("initial sync: {patches} patches ({TRANSACTIONS} transactions, {ACCOUNTS} accounts) over loopback HTTP, pages of 500");
        println!("| measure | median ms | p95 ms | min ms |");
        println!("|---|---|---|---|");
        println!("| initial sync, {INITIAL_ROUNDS} fresh stores | {} | {} | {} |", ms(initial.median), ms(initial.p95), ms(initial.min));
        println!("| raw SQLite bulk insert of the same {TRANSACTIONS} transaction rows (peer) | {} | {} | {} |", ms(raw.median), ms(raw.p95), ms(raw.min));
        println!("| no-change delta sync round trip, {DELTA_ROUNDS} rounds | {} | {} | {} |", ms(delta.median), ms(delta.p95), ms(delta.min));
        let ratio = initial.median.as_secs_f64() / raw.median.as_secs_f64();
        println!("\nratio initial sync / raw bulk insert (medians): {ratio:.2}x (target ≤ 2x)");
        running.shutdown().await;
    });
}
