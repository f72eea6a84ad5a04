//! Thousands of operations against a bank that injects seeded faults, with the client process
//! killed (SIGKILL) and restarted at random points. After convergence: every confirmed
//! payment executed exactly once, none executed that was not confirmed, no queued safety
//! action lost, and the client's view equals the bank's state.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tingshuo_core::action::ActionKind;
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::wire::{AccountDto, AlertDto, CardDto, PayeeDto, PaymentDto, TransactionDto};
use tingshuo_core::{Client, ClientConfig};
use tingshuo_desktop::keystore::{FileDeviceSigner, FileKeyStore};
use tingshuo_sandbox::{BankConfig, FaultPlan, FaultRule, start_demo_bank};

const SEED: u64 = 20_261_127;
/// Runs continue until this many operations have completed (at most 120 runs per 1,500: a
/// run does 20-30 before it is killed), so a slower machine runs longer rather than testing
/// less. `TINGSHUO_FAULT_OPERATIONS` asks for more: `make bench` runs 4,000 (thousands of
/// faults injected).
const TARGET_OPERATIONS: usize = 1500;
const RUNS_PER_TARGET: u64 = 120;

fn target_operations() -> usize {
    std::env::var("TINGSHUO_FAULT_OPERATIONS")
        .ok()
        .and_then(|asked| asked.parse().ok())
        .unwrap_or(TARGET_OPERATIONS)
        .max(TARGET_OPERATIONS)
}
const OPS_PER_RUN: usize = 220;

fn faults() -> FaultPlan {
    FaultPlan {
        seed: SEED,
        rules: vec![
            // The change stream is left alone: the child does not follow it.
            FaultRule {
                path_prefix: "/v1/events".into(),
                ..FaultRule::default()
            },
            FaultRule {
                path_prefix: "/v1/".into(),
                latency_ms: (0, 3),
                error_per_mille: 40,
                reset_before_commit_per_mille: 40,
                reset_after_commit_per_mille: 50,
                duplicate_per_mille: 40,
                truncate_per_mille: 30,
                slow_body_per_mille: 10,
                ..FaultRule::default()
            },
        ],
    }
}

/// SplitMix64 for the kill schedule.
fn next(state: &mut u64, below: u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % below
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_exactly_once_through_faults_and_kills() {
    // The bank's own errors (not injected faults) are bugs: show them.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::ERROR)
        .with_writer(std::io::stderr)
        .try_init();
    let config = BankConfig {
        hold: Duration::ZERO,
        faults: faults(),
        ..BankConfig::default()
    };
    let bank = start_demo_bank(config, Utc::now()).await.unwrap();
    let initial: Vec<AccountDto> = bank.bank.db.all("demo-zh", "account").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let child = env!("CARGO_BIN_EXE_sync_child");
    // One code for the app: every run until one learns its device registers with it.
    let code = bank.enrollment_code("demo-zh").await.unwrap();

    let mut schedule = SEED;
    let (mut operations, mut kills) = (0_usize, 0_usize);
    let mut runs = 0;
    let target = target_operations();
    let max_runs = RUNS_PER_TARGET * u64::try_from(target.div_ceil(TARGET_OPERATIONS)).unwrap();
    while operations < target && runs < max_runs {
        let run = runs;
        runs += 1;
        let mut process = Command::new(child)
            .args([
                &bank.url(),
                &dir.path().display().to_string(),
                &(SEED + run).to_string(),
                &OPS_PER_RUN.to_string(),
                "run",
                &code,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter(|l| l.starts_with("op "))
                .count()
        });
        // Kill each run at a random moment (a run that finishes first is not killed).
        let lifetime = Duration::from_millis(150 + next(&mut schedule, 3000));
        let started = Instant::now();
        let killed = loop {
            if process.try_wait().unwrap().is_some() {
                break false;
            }
            if started.elapsed() >= lifetime {
                process.kill().unwrap(); // SIGKILL
                process.wait().unwrap();
                break true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        kills += usize::from(killed);
        operations += reader.join().unwrap();
    }

    // The faults stop; the app runs once more and catches up.
    bank.bank.faults.set_plan(FaultPlan::none());
    let status = Command::new(child)
        .args([
            &bank.url(),
            &dir.path().display().to_string(),
            "0",
            "0",
            "converge",
            &code,
        ])
        .status()
        .unwrap();
    assert!(status.success(), "the client did not converge");
    let faults_injected = bank.bank.faults.counts.total();

    // Open the client's store as the app would and compare with the bank.
    let keys = FileKeyStore::new(dir.path().join("keys/store.key"));
    let signer =
        Arc::new(FileDeviceSigner::open_or_create(&dir.path().join("keys/device.pk8")).unwrap());
    let config = ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: bank.url(),
        sync: SyncConfig::default(),
    };
    let (client, _) = Client::open(config, &keys, signer).await.unwrap();
    client.sync().sync_now().await.unwrap();

    // Payments: exactly once, and only what the customer confirmed.
    let attempts = client.payments().attempts().await.unwrap();
    let server_payments: Vec<PaymentDto> = bank.bank.db.all("demo-zh", "payment").await.unwrap();
    let by_key: BTreeMap<&str, &PaymentDto> = server_payments
        .iter()
        .map(|p| (p.idempotency_key.as_str(), p))
        .collect();
    assert_eq!(
        by_key.len(),
        server_payments.len(),
        "two bank payments share a key"
    );
    let confirmed: BTreeSet<&str> = attempts
        .iter()
        .map(|a| a.idempotency_key.as_str())
        .collect();
    for payment in &server_payments {
        assert!(
            confirmed.contains(payment.idempotency_key.as_str()),
            "the bank executed a payment nobody confirmed"
        );
    }
    let mut executed = 0;
    for attempt in &attempts {
        match attempt.state.as_str() {
            "executed" => {
                let payment = by_key
                    .get(attempt.idempotency_key.as_str())
                    .expect("an executed attempt the bank does not have");
                assert_eq!(payment.status, "executed");
                executed += 1;
            }
            "refused" => assert!(
                !by_key.contains_key(attempt.idempotency_key.as_str()),
                "refused, yet executed"
            ),
            other => panic!("payment left in state {other}"),
        }
    }
    // Exactly once in money too: the balance moved by the sum of the executed payments.
    let spent: i64 = server_payments.iter().map(|p| p.amount_minor).sum();
    let now_accounts: Vec<AccountDto> = bank.bank.db.all("demo-zh", "account").await.unwrap();
    let pension = |accounts: &[AccountDto]| {
        accounts
            .iter()
            .find(|a| a.id == "zh-pension")
            .unwrap()
            .available_minor
    };
    assert_eq!(pension(&initial) - pension(&now_accounts), spent);
    let transfers: Vec<TransactionDto> = bank.bank.db.all("demo-zh", "transaction").await.unwrap();
    assert_eq!(
        transfers
            .iter()
            .filter(|t| t.id.starts_with("txn-pay-"))
            .count(),
        server_payments.len()
    );

    // No queued action lost: every request was delivered (acknowledged) and the bank has it.
    let outbox = client.sync().outbox().await.unwrap();
    let delivered: Vec<(String,)> =
        sqlx::query_as("SELECT key FROM idempotency WHERE customer_id = 'demo-zh'")
            .fetch_all(&bank.bank.db.pool)
            .await
            .unwrap();
    let delivered: BTreeSet<String> = delivered.into_iter().map(|(k,)| k).collect();
    for entry in &outbox {
        assert_eq!(
            entry.state,
            "acked",
            "{:?} {:?}",
            entry.item.action.kind(),
            entry.item.last_error
        );
        assert!(delivered.contains(&entry.item.idempotency_key));
    }
    let locks = outbox
        .iter()
        .filter(|e| e.item.action.kind() == ActionKind::LockCard)
        .count();

    // The client's view equals the bank's state.
    let view = client
        .view()
        .current(Utc::now().date_naive())
        .await
        .unwrap();
    let server_cards: Vec<CardDto> = bank.bank.db.all("demo-zh", "card").await.unwrap();
    for card in &server_cards {
        let local = view
            .cards
            .iter()
            .find(|c| c.item.id == card.id.as_str())
            .unwrap();
        assert_eq!(local.item.status.as_str(), card.status, "card {}", card.id);
    }
    for account in &now_accounts {
        let local = view
            .accounts
            .iter()
            .find(|a| a.item.id == account.id.as_str())
            .unwrap();
        assert_eq!(
            local.item.balance.available.reveal().minor(),
            account.available_minor
        );
        assert_eq!(
            local.item.balance.booked.reveal().minor(),
            account.booked_minor
        );
    }
    let server_alerts: Vec<AlertDto> = bank.bank.db.all("demo-zh", "alert").await.unwrap();
    assert_eq!(
        view.unread_alerts.len(),
        server_alerts.iter().filter(|a| !a.read).count()
    );
    let server_payees: Vec<PayeeDto> = bank.bank.db.all("demo-zh", "payee").await.unwrap();
    for payee in &server_payees {
        let local = view
            .payees
            .iter()
            .find(|p| p.item.id == payee.id.as_str())
            .unwrap();
        assert_eq!(local.item.transfers_made, payee.transfers_made);
    }
    let mut local_transactions = 0;
    for account in &now_accounts {
        local_transactions += client
            .store()
            .transactions_page(&account.id, None, 100_000)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(local_transactions, transfers.len());
    assert!(!view.has_unconfirmed_local_changes);

    println!(
        "fault run: {operations} operations over {runs} runs, {kills} kills (SIGKILL), {faults_injected} faults injected, \
         {} payments confirmed ({executed} executed), {} requests delivered ({locks} card locks)",
        attempts.len(),
        outbox.len()
    );
    assert!(operations >= target, "only {operations} operations ran");
    assert!(
        kills >= usize::try_from(runs / 2).unwrap(),
        "only {kills} kills"
    );
    assert!(faults_injected >= 100, "only {faults_injected} faults");
    // What the run did, not only what it tried: failed operations count toward the target
    // above, so these floors (well under a run's ~370 payments and ~800 requests) make sure
    // money moved and requests arrived while the faults and kills went on.
    assert!(executed >= 150, "only {executed} payments executed");
    assert!(
        outbox.len() >= 300,
        "only {} requests delivered",
        outbox.len()
    );
    assert!(locks >= 100, "only {locks} card locks delivered");
    bank.shutdown().await;
}
