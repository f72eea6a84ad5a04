//! The encrypted store: round trips, migrations, keys, corruption and the rebuild policy.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::io::{Seek, SeekFrom, Write};

use chrono::Duration;
use tingshuo_core::crypto::{CryptoError, KeyStore};
use tingshuo_core::model::{CustomerSnapshot, TransactionStatus};
use tingshuo_core::store::sync::Applied;
use tingshuo_core::store::{LATEST_SCHEMA_VERSION, OpenOutcome, RebuildReason};
use tingshuo_core::{MemoryKeyStore, Store, StoreError};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_tests::{database_files, temp_store_path, test_now};

fn snapshot(customer: DemoCustomer) -> CustomerSnapshot {
    customer.snapshot(test_now())
}

async fn seeded(path: &std::path::Path, keys: &dyn KeyStore, customer: DemoCustomer) -> Store {
    let store = Store::open(path, keys).await.unwrap();
    store.save_snapshot(&snapshot(customer)).await.unwrap();
    store
}

/// Runs raw SQL against a closed store file, as damage or an attacker would.
async fn raw_sql(path: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
}

#[tokio::test]
async fn the_view_round_trips_through_the_store() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    for customer in DemoCustomer::ALL {
        let expected = snapshot(customer);
        let store = seeded(&path, &keys, customer).await;
        store.close().await;

        let store = Store::open(&path, &keys).await.unwrap();
        let parts = store.load_view_parts().await.unwrap();
        let view = store.load_view(test_now().date_naive()).await.unwrap();
        store.close().await;

        assert_eq!(parts.customer.unwrap().item, expected.customer);
        let accounts: Vec<_> = view.accounts.iter().map(|a| a.item.clone()).collect();
        assert_eq!(accounts, expected.accounts);
        let mut payees: Vec<_> = view.payees.iter().map(|p| p.item.clone()).collect();
        let mut expected_payees = expected.payees.clone();
        payees.sort_by(|a, b| a.id.cmp(&b.id));
        expected_payees.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(payees, expected_payees);
        assert!(view.accounts.iter().all(|a| a.as_of == expected.as_of));

        // Recent transactions are the newest ones, newest first, exactly as saved.
        let mut newest = expected.transactions.clone();
        newest.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.cmp(&b.id)));
        let recent: Vec<_> = view
            .recent_transactions
            .iter()
            .map(|t| t.item.clone())
            .collect();
        assert_eq!(recent, newest[..recent.len()].to_vec());
        let pending = expected
            .transactions
            .iter()
            .filter(|t| t.status == TransactionStatus::Pending)
            .count();
        assert_eq!(view.pending_transactions.len(), pending);

        // Derived: funds are the sum of deposit accounts' available balances.
        let funds: i64 = expected
            .accounts
            .iter()
            .filter(|a| a.kind.holds_own_funds())
            .map(|a| a.balance.available.reveal().minor())
            .sum();
        assert_eq!(
            view.available_funds
                .values()
                .map(|m| m.minor())
                .sum::<i64>(),
            funds
        );
        let due: Vec<_> = view
            .upcoming_bills
            .iter()
            .map(|b| b.bill.item.due_on)
            .collect();
        assert!(due.windows(2).all(|w| w[0] <= w[1]), "bills soonest first");
        assert_eq!(view.upcoming_bills.len(), 3);
        assert!(
            view.upcoming_bills
                .iter()
                .all(|b| !b.biller_name.is_empty())
        );
    }
}

/// The view's newest transactions, checked against every transaction ordered by its time.
async fn shown(store: &Store) -> Vec<tingshuo_core::model::Transaction> {
    let view = store.load_view_parts().await.unwrap();
    let all = store
        .transactions_between(
            None,
            test_now() - Duration::days(3650),
            test_now() + Duration::days(3650),
            10,
        )
        .await
        .unwrap();
    let recent: Vec<_> = view
        .recent_transactions
        .iter()
        .map(|t| t.item.clone())
        .collect();
    let ordered: Vec<_> = all.iter().map(|t| t.item.clone()).collect();
    assert_eq!(
        recent, ordered,
        "the kept list agrees with every time opened"
    );
    recent
}

/// A transaction's time is sealed, so the view's newest transactions come from a list the
/// writes keep: a newer transaction from the bank leads it, a deleted one leaves it, and it
/// always agrees with ordering every transaction by its time.
#[tokio::test]
async fn the_newest_transactions_follow_the_banks_changes() {
    use tingshuo_core::wire::{Change, Record, kinds};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let before = shown(&store).await;
    let mut newer = before[0].clone();
    newer.id = "zh-txn-newest".into();
    newer.occurred_at = test_now() + Duration::minutes(5);
    let applied = store
        .apply_changes(
            &[Change::Put(Record::Transaction(newer.clone()))],
            "c-1",
            test_now(),
        )
        .await
        .unwrap();
    assert_eq!(applied, Applied::Applied);
    let after = shown(&store).await;
    assert_eq!(after[0], newer);
    assert_eq!(after[1..], before[..before.len() - 1]);
    store
        .apply_changes(
            &[Change::Delete {
                kind: kinds::TRANSACTION,
                id: "zh-txn-newest".into(),
            }],
            "c-2",
            test_now(),
        )
        .await
        .unwrap();
    assert_eq!(shown(&store).await, before);
    store.close().await;
}

/// The kept list follows page after page of the bank's changes, whatever their times: older
/// and newer than what it lists, ties with a listed one, a listed transaction moved back in
/// time, a page with no transaction; it always agrees with every time opened.
#[tokio::test]
async fn the_newest_transactions_follow_pages_of_changes_in_any_order() {
    use tingshuo_core::wire::{Change, Record};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let template = shown(&store).await[0].clone();
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        state >> 33
    };
    for page in 0..12 {
        let mut changes = Vec::new();
        // Every fourth page only moves the newest back; every fifth has no transaction.
        if page % 4 != 3 && page % 5 != 4 {
            for i in 0..15 {
                let mut added = template.clone();
                added.id = format!("zh-txn-page-{page}-{i}").into();
                let minutes = i64::try_from(next() % 400).unwrap() - 200;
                // Half a millisecond more now and then: the store keeps milliseconds, so such
                // times tie with the whole ones and are ordered by id.
                let extra = Duration::microseconds(i64::try_from(next() % 2).unwrap() * 500);
                added.occurred_at = test_now() + Duration::minutes(minutes) + extra;
                changes.push(Change::Put(Record::Transaction(added)));
            }
        }
        if page % 4 == 3 {
            let mut moved = shown(&store).await[0].clone();
            moved.occurred_at = test_now() - Duration::days(400);
            changes.push(Change::Put(Record::Transaction(moved)));
        }
        let cursor = format!("c-{page}");
        let applied = store
            .apply_changes(&changes, &cursor, test_now())
            .await
            .unwrap();
        assert_eq!(applied, Applied::Applied);
        shown(&store).await;
    }
    store.close().await;
}

/// A page may carry the same transaction twice (an edit after its first version): it is
/// written once, at its last version, as if each had been applied in turn.
#[tokio::test]
async fn a_transaction_twice_in_a_page_is_kept_at_its_last_version() {
    use tingshuo_core::wire::{Change, Record};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let mut first = shown(&store).await[0].clone();
    first.id = "zh-txn-twice".into();
    first.occurred_at = test_now() + Duration::minutes(1);
    let mut last = first.clone();
    last.occurred_at = test_now() + Duration::minutes(2);
    last.status = tingshuo_core::model::TransactionStatus::Booked;
    let changes = [
        Change::Put(Record::Transaction(first.clone())),
        Change::Put(Record::Transaction(last.clone())),
    ];
    let applied = store
        .apply_changes(&changes, "c-1", test_now())
        .await
        .unwrap();
    assert_eq!(applied, Applied::Applied);
    assert_eq!(shown(&store).await[0], last);
    store.close().await;
}

/// Payment attempts come back in the order they were made though the phone's clock was set
/// back between them: which outcome she was last told depends on that order.
#[tokio::test]
async fn payment_attempts_keep_their_order_when_the_clock_goes_back() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    for (key, at) in [
        ("pay-first", test_now()),
        ("pay-second", test_now() - Duration::days(2)),
        ("pay-third", test_now() - Duration::days(1)),
    ] {
        store.record_payment_attempt(key, "{}", at).await.unwrap();
    }
    let keys_in_order: Vec<String> = store
        .payment_attempts(false)
        .await
        .unwrap()
        .into_iter()
        .map(|attempt| attempt.idempotency_key)
        .collect();
    assert_eq!(keys_in_order, ["pay-first", "pay-second", "pay-third"]);
    store.close().await;
}

/// A payment whose connection failed here is settled as not sent only while it is still
/// being sent: another client on the same file that had the bank's answer for it meanwhile
/// (it found it open and asked by its key) keeps that answer — an executed payment is never
/// told as not sent.
#[tokio::test]
async fn a_payment_settled_by_another_client_is_not_told_as_not_sent() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let other = Store::open(&path, &keys).await.unwrap();
    for key in ["pay-raced", "pay-alone"] {
        store
            .record_payment_attempt(key, "{}", test_now())
            .await
            .unwrap();
    }
    other
        .settle_payment_attempt("pay-raced", "executed", None, None, test_now())
        .await
        .unwrap();
    for (key, settled) in [("pay-raced", false), ("pay-alone", true)] {
        assert_eq!(
            store
                .settle_unsent_payment_attempt(key, "not_sent", test_now())
                .await
                .unwrap(),
            settled,
            "{key}"
        );
    }
    let states = tingshuo_tests::attempt_states(store.payment_attempts(false).await.unwrap());
    assert_eq!(
        states,
        [
            ("pay-raced".to_owned(), "executed".to_owned()),
            ("pay-alone".to_owned(), "refused".to_owned())
        ]
    );
    other.close().await;
    store.close().await;
}

/// Pages of every account's history, at page sizes from one up, hold every transaction once:
/// several share a time, and a page that ends between them must neither drop nor repeat one.
#[tokio::test]
async fn history_pages_cover_every_transaction_once() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let snapshot = snapshot(DemoCustomer::WangXiuying);
    let mut times = std::collections::HashMap::new();
    for transaction in &snapshot.transactions {
        *times.entry(transaction.occurred_at).or_insert(0) += 1;
    }
    assert!(
        times.values().any(|&n| n > 1),
        "the data has transactions that share a time"
    );
    for account in &snapshot.accounts {
        let expected = snapshot
            .transactions
            .iter()
            .filter(|t| t.account_id == account.id)
            .count();
        for page_size in [1, 2, 3, 5, 50] {
            let mut seen = Vec::new();
            let mut after: Option<(chrono::DateTime<chrono::Utc>, String)> = None;
            loop {
                let page = store
                    .transactions_page(
                        account.id.as_str(),
                        after.as_ref().map(|(at, id)| (*at, id.as_str())),
                        page_size,
                    )
                    .await
                    .unwrap();
                let Some(last) = page.last() else { break };
                after = Some((last.item.occurred_at, last.item.id.as_str().to_owned()));
                seen.extend(page.into_iter().map(|t| t.item.id));
            }
            let unique: std::collections::HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{} by {page_size}", account.id);
            assert_eq!(seen.len(), expected, "{} by {page_size}", account.id);
        }
    }
}

#[tokio::test]
async fn a_new_store_is_created_at_the_latest_schema() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Created);
    assert_eq!(store.schema_version().await.unwrap(), LATEST_SCHEMA_VERSION);
    const { assert!(LATEST_SCHEMA_VERSION >= 2) };
    store.check_integrity().await.unwrap();
    store.close().await;
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    store.close().await;
}

#[tokio::test]
async fn a_store_from_before_the_sync_tables_upgrades_with_its_data() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    // Version 2: consent records, no sync tables yet.
    let previous = 2;
    let old = Store::open_at_schema_version(&path, &keys, previous)
        .await
        .unwrap();
    assert_eq!(old.schema_version().await.unwrap(), previous);
    // Today's code writes the cache in columns these versions did not have (a transaction's
    // sealed time) and leaves out ones they required (her ID and phone numbers): the cache is
    // the bank's to send again. What she decided is hers, and is kept.
    old.record_consent("voice", true, 1, test_now())
        .await
        .unwrap();
    // The sync tables arrive with version 3.
    assert!(old.set_sync_value("cursor", "x").await.is_err());
    old.close().await;

    let store = Store::open(&path, &keys).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_SCHEMA_VERSION);
    assert_eq!(store.consent("voice", 1).await.unwrap(), Some(true));
    assert_eq!(
        store.consent("voice", 2).await.unwrap(),
        None,
        "new wording asks again"
    );
    store.set_sync_value("cursor", "x").await.unwrap();
    assert_eq!(
        store.sync_value("cursor").await.unwrap().as_deref(),
        Some("x")
    );
    store.close().await;
}

#[tokio::test]
async fn a_store_from_a_newer_app_is_refused_not_rebuilt() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    Store::open(&path, &keys).await.unwrap().close().await;
    raw_sql(
        &path,
        &format!("PRAGMA user_version = {}", LATEST_SCHEMA_VERSION + 1),
    )
    .await;
    let error = Store::open_or_rebuild(&path, &keys).await.unwrap_err();
    assert!(matches!(error, StoreError::NewerSchema { .. }), "{error}");
    assert!(error.to_string().contains("newer"));
}

#[tokio::test]
async fn the_wrong_key_is_a_clear_error_and_the_rebuild_keeps_consent() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    store
        .record_consent("voice-recognition", true, 3, test_now())
        .await
        .unwrap();
    store.close().await;

    let other_keys = MemoryKeyStore::new().unwrap();
    let error = Store::open(&path, &other_keys).await.unwrap_err();
    assert!(matches!(error, StoreError::KeyRejected), "{error}");
    assert!(error.to_string().contains("key"));

    let (store, outcome) = Store::open_or_rebuild(&path, &other_keys).await.unwrap();
    let OpenOutcome::Rebuilt {
        reason,
        quarantined,
        user_intent_rows_kept,
        user_intent_unreadable,
    } = outcome
    else {
        panic!("expected a rebuild, got {outcome:?}");
    };
    assert_eq!(reason, RebuildReason::KeyRejected);
    assert!(
        quarantined.exists(),
        "the damaged file is kept, not deleted"
    );
    assert_eq!((user_intent_rows_kept, user_intent_unreadable), (1, false));
    assert_eq!(
        store.consent("voice-recognition", 3).await.unwrap(),
        Some(true)
    );
    let view = store.load_view(test_now().date_naive()).await;
    assert!(view.is_err(), "the cache starts empty and is synced again");
    store.close().await;
    // The rebuilt store opens normally with the new key.
    let (store, outcome) = Store::open_or_rebuild(&path, &other_keys).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    store.close().await;
}

#[tokio::test]
async fn a_lost_key_leads_to_a_rebuild() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    seeded(&path, &keys, DemoCustomer::MargaretWilson)
        .await
        .close()
        .await;
    keys.delete().unwrap();
    let error = Store::open(&path, &keys).await.unwrap_err();
    assert!(matches!(error, StoreError::KeyUnavailable(_)), "{error}");
    // A replacement key store (the app reinstalled) gets a fresh store.
    let new_keys = MemoryKeyStore::new().unwrap();
    let (store, outcome) = Store::open_or_rebuild(&path, &new_keys).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::KeyRejected));
    store.close().await;
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_clear_error_then_rebuilt() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    std::fs::write(
        &path,
        b"this is not an SQLite database, just some bytes that got here".repeat(100),
    )
    .unwrap();
    let error = Store::open(&path, &keys).await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt(_)), "{error}");
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    let OpenOutcome::Rebuilt {
        reason,
        user_intent_unreadable,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(reason, RebuildReason::Corrupt);
    assert!(user_intent_unreadable);
    store
        .save_snapshot(&snapshot(DemoCustomer::WangXiuying))
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn damaged_files_never_panic() {
    let keys = MemoryKeyStore::new().unwrap();
    let (_dir, pristine) = temp_store_path();
    let store = seeded(&pristine, &keys, DemoCustomer::WangXiuying).await;
    store.close().await;
    let original = std::fs::read(&pristine).unwrap();
    assert!(original.len() > 64 * 1024);

    // Truncations and overwritten regions, from the header to the last page.
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let mut damages: Vec<Damage> = vec![
        Box::new(|b| b.truncate(100)),
        Box::new(|b| b.truncate(b.len() / 2)),
        Box::new(|b| b.truncate(b.len() - 1000)),
        Box::new(|b| b[16..24].fill(0xff)),
    ];
    for start in [4096_usize, 8192, 20_000, 40_000] {
        damages.push(Box::new(move |b| {
            let end = (start + 3000).min(b.len());
            for (i, byte) in b[start..end].iter_mut().enumerate() {
                *byte ^= (i as u8).wrapping_mul(31) | 1;
            }
        }));
    }
    let mut rebuilt = Vec::new();
    for (index, damage) in damages.iter().enumerate() {
        let (_dir, path) = temp_store_path();
        let mut bytes = original.clone();
        damage(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        // Either the damage is found and reported or the store is rebuilt; no panic, and the
        // view afterwards either loads or reports a clear error.
        match Store::open_or_rebuild(&path, &keys).await {
            Ok((store, outcome)) => {
                // Damage the fast open missed is found by the deeper check, then rebuilt.
                let (store, outcome) = match store.verify().await {
                    Ok(()) => (store, outcome),
                    Err(error) => store.rebuild_after(&keys, error).await.unwrap(),
                };
                eprintln!("damage case {index}: {outcome:?}");
                if matches!(outcome, OpenOutcome::Rebuilt { .. }) {
                    rebuilt.push(index);
                } else {
                    // Damage only in free space: the data is whole.
                    store.load_view(test_now().date_naive()).await.unwrap();
                }
                store.close().await;
            }
            Err(error) => {
                eprintln!("damage case {index}: {error}");
                assert!(!error.to_string().is_empty(), "case {index}");
            }
        }
    }
    // Every one of these damages touches live data and is found.
    assert_eq!(rebuilt, (0..damages.len()).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_is_detected() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    seeded(&path, &keys, DemoCustomer::WangXiuying)
        .await
        .close()
        .await;
    // Give the son's account number to the neighbour: same key, same column, other row.
    raw_sql(
        &path,
        "UPDATE payee SET account_number = (SELECT account_number FROM payee WHERE id = 'zh-payee-liwei')
         WHERE id = 'zh-payee-liufang'",
    )
    .await;
    let store = Store::open(&path, &keys).await.unwrap();
    let error = store.load_view(test_now().date_naive()).await.unwrap_err();
    assert!(
        error.to_string().contains("payee.account_number") && error.to_string().contains("moved"),
        "{error}"
    );
    let verify = store.verify().await.unwrap_err();
    assert!(matches!(
        verify,
        StoreError::Crypto(CryptoError::Tampered {
            table: "payee",
            column: "account_number"
        })
    ));
    store.close().await;

    // A balance moved into another column of the same row is caught too.
    let (_dir2, path2) = temp_store_path();
    seeded(&path2, &keys, DemoCustomer::WangXiuying)
        .await
        .close()
        .await;
    raw_sql(
        &path2,
        "UPDATE account SET available_minor = booked_minor WHERE id = 'zh-pension'",
    )
    .await;
    let (store, outcome) = Store::open_or_rebuild(&path2, &keys).await.unwrap();
    assert_eq!(
        outcome,
        OpenOutcome::Opened,
        "the fast open reads no balances"
    );
    let error = store.verify().await.unwrap_err();
    let (store, outcome) = store.rebuild_after(&keys, error).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    store.close().await;
}

#[tokio::test]
async fn logout_wipes_the_files_and_the_key() {
    let (dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::MargaretWilson).await;
    assert!(!database_files(&path).is_empty());
    // A quarantined copy from an earlier rebuild is wiped as well.
    std::fs::write(
        format!("{}.quarantine-20260101T000000Z", path.display()),
        b"old",
    )
    .unwrap();
    std::fs::write(dir.path().join("unrelated.txt"), b"keep me").unwrap();
    store.wipe(&keys).await.unwrap();
    assert!(database_files(&path).is_empty());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("unrelated.txt")]);
    assert!(keys.unwrap(b"anything").is_err(), "the key is destroyed");
}

/// Plaintext that says what a sealed value means is bound to it: a transaction moved to
/// another account or shown in another currency, a payee's relationship changed ("son" is
/// spoken in read-backs), a card moved to another account, an account renamed — each is
/// found by the store's check, and the cached view is rebuilt.
#[tokio::test]
async fn plaintext_that_gives_a_sealed_value_its_meaning_cannot_be_changed_alone() {
    let keys = MemoryKeyStore::new().unwrap();
    for (what, sql) in [
        (
            "a transaction moved to another account",
            "UPDATE txn SET account_id = (SELECT id FROM account WHERE id <> txn.account_id LIMIT 1) \
             WHERE id = (SELECT id FROM txn LIMIT 1)",
        ),
        (
            "a transaction in another currency",
            "UPDATE txn SET currency = 'USD' WHERE id = (SELECT id FROM txn LIMIT 1)",
        ),
        (
            "a payee's relationship",
            "UPDATE payee SET relationship = CASE relationship WHEN 'son' THEN 'friend' ELSE 'son' END \
             WHERE id = (SELECT id FROM payee LIMIT 1)",
        ),
        (
            "a card moved to another account",
            "UPDATE card SET account_id = (SELECT id FROM account WHERE id <> card.account_id LIMIT 1) \
             WHERE id = (SELECT id FROM card LIMIT 1)",
        ),
        (
            "an account renamed",
            "UPDATE account SET name = name || ' (savings)' WHERE id = 'zh-pension'",
        ),
        (
            "a bill moved to another biller",
            "UPDATE bill SET biller_id = (SELECT id FROM biller WHERE id <> bill.biller_id LIMIT 1) \
             WHERE id = (SELECT id FROM bill LIMIT 1)",
        ),
    ] {
        let (_dir, path) = temp_store_path();
        seeded(&path, &keys, DemoCustomer::WangXiuying)
            .await
            .close()
            .await;
        raw_sql(&path, sql).await;
        let store = Store::open(&path, &keys).await.unwrap();
        let error = store.verify().await.expect_err(what);
        assert!(
            matches!(error, StoreError::Crypto(CryptoError::Tampered { .. })),
            "{what}: {error}"
        );
        let (store, outcome) = store.rebuild_after(&keys, error).await.unwrap();
        assert_eq!(
            outcome.rebuild_reason(),
            Some(&RebuildReason::TamperedData),
            "{what}"
        );
        store.close().await;
    }
}

/// A value of the meta table or a sealed column, straight from the file.
async fn stored_bytes(path: &std::path::Path, sql: &str) -> Vec<u8> {
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut connection)
        .await
        .unwrap()
}

/// The data key is replaced by a fresh one and every sealed value re-sealed under it, in one
/// transaction: the view reads the same, no ciphertext stays as it was, and the store opens
/// again. A store that has sealed 2^31 values rotates by itself when it opens.
#[tokio::test]
async fn the_data_key_rotates_and_every_value_is_sealed_again() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let today = test_now().date_naive();
    let before = format!("{:?}", store.load_view(today).await.unwrap());
    store.close().await;
    let wrapped = "SELECT value FROM meta WHERE key = 'wrapped_data_key'";
    let balance = "SELECT available_minor FROM account WHERE id = 'zh-pension'";
    let (old_key, old_balance) = (
        stored_bytes(&path, wrapped).await,
        stored_bytes(&path, balance).await,
    );

    let store = Store::open(&path, &keys).await.unwrap();
    let store = store.rotate_data_key(&keys).await.unwrap();
    store.verify().await.unwrap();
    assert_eq!(
        format!("{:?}", store.load_view(today).await.unwrap()),
        before
    );
    store.close().await;
    assert_ne!(stored_bytes(&path, wrapped).await, old_key);
    assert_ne!(stored_bytes(&path, balance).await, old_balance);
    let store = Store::open(&path, &keys).await.unwrap();
    assert_eq!(
        format!("{:?}", store.load_view(today).await.unwrap()),
        before
    );
    store.close().await;

    // Near the nonce limit: rotated on open.
    let rotated_key = stored_bytes(&path, wrapped).await;
    let many = (1_u64 << 31) + 5;
    raw_sql(
        &path,
        &format!(
            "UPDATE meta SET value = X'{}' WHERE key = 'seal_count'",
            many.to_le_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
    )
    .await;
    let store = Store::open(&path, &keys).await.unwrap();
    store.verify().await.unwrap();
    assert_eq!(
        format!("{:?}", store.load_view(today).await.unwrap()),
        before
    );
    store.close().await;
    assert_ne!(stored_bytes(&path, wrapped).await, rotated_key);
    let count = stored_bytes(&path, "SELECT value FROM meta WHERE key = 'seal_count'").await;
    assert!(
        u64::from_le_bytes(count.try_into().unwrap()) < 1_000_000,
        "the seal count did not start again"
    );
}

/// A wipe destroys the key first: a file that cannot be deleted (here a directory stands
/// where SQLite's journal would be) fails the wipe, but what stays is unreadable.
#[tokio::test]
async fn a_wipe_that_cannot_delete_a_file_has_destroyed_the_key_first() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let wrapped = keys.wrap(b"a data key of thirty-two bytes!!").unwrap();
    std::fs::create_dir(format!("{}-journal", path.display())).unwrap();
    store
        .wipe(&keys)
        .await
        .expect_err("a directory cannot be removed as a file");
    assert!(keys.unwrap(&wrapped).is_err(), "the key outlived the wipe");
}

/// The database and its companions are the owner's alone (0600) from the moment they exist,
/// and a store left readable by others is tightened when it opens.
#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_readable_by_their_owner_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let modes = |path: &std::path::Path| -> Vec<(String, u32)> {
        database_files(path)
            .iter()
            .map(|file| {
                let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
                (file.display().to_string(), mode)
            })
            .collect()
    };
    let open = modes(&path);
    assert!(open.len() >= 2, "{open:?}");
    assert!(open.iter().all(|(_, mode)| *mode == 0o600), "{open:?}");
    store.close().await;

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path, &keys).await.unwrap();
    let reopened = modes(&path);
    assert!(
        reopened.iter().all(|(_, mode)| *mode == 0o600),
        "{reopened:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn invalid_input_is_refused_without_partial_writes() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let mut bad = snapshot(DemoCustomer::MargaretWilson);
    bad.transactions[3].id = "bad\0id".into();
    let error = store.save_snapshot(&bad).await.unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput(_)), "{error}");
    // The earlier snapshot is intact: the failed save rolled back whole.
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    assert_eq!(view.customer.item.id, "demo-zh");

    let mut orphan = snapshot(DemoCustomer::WangXiuying);
    orphan.transactions[0].account_id = "no-such-account".into();
    assert!(store.save_snapshot(&orphan).await.is_err());
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    assert_eq!(view.customer.item.id, "demo-zh");
    store.close().await;
}

#[tokio::test]
async fn freshness_comes_from_the_bank_time() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let mut old = snapshot(DemoCustomer::WangXiuying);
    old.as_of = test_now() - Duration::days(3);
    let store = Store::open(&path, &keys).await.unwrap();
    store.save_snapshot(&old).await.unwrap();
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    assert_eq!(view.oldest_as_of, old.as_of);
    assert!(view.accounts.iter().all(|a| a.as_of == old.as_of));
    store.close().await;
}

#[tokio::test]
async fn a_damaged_file_keeps_its_bytes_in_quarantine() {
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    seeded(&path, &keys, DemoCustomer::WangXiuying)
        .await
        .close()
        .await;
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(&[0_u8; 100]).unwrap();
    drop(file);
    let damaged = std::fs::read(&path).unwrap();
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    let OpenOutcome::Rebuilt { quarantined, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(std::fs::read(&quarantined).unwrap(), damaged);
    store.close().await;
}

/// Rows whose account never comes wait aside, but not without end: a page that would leave
/// more waiting than ten pages hold is refused whole, and what waited stays as it was.
#[tokio::test]
async fn rows_waiting_for_their_parent_are_bounded() {
    use tingshuo_core::store::sync::MAX_ROWS_WAITING;
    use tingshuo_core::wire::{MAX_PAGE_PATCHES, Patch, PatchOp};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let orphans = |page: usize| -> Vec<(Patch, tingshuo_core::wire::Change)> {
        (0..MAX_PAGE_PATCHES)
            .map(|n| {
                let id = format!("c-{page}-{n}");
                let patch = Patch {
                    kind: "card".into(),
                    id: id.clone(),
                    op: PatchOp::Put,
                    data: Some(serde_json::json!({"id": id, "account_id": "nowhere",
                        "kind": "debit", "name": "卡", "number": "6217000010019999",
                        "status": "active"})),
                };
                let change = patch.clone().into_change().unwrap();
                (patch, change)
            })
            .collect()
    };
    let pages = MAX_ROWS_WAITING / MAX_PAGE_PATCHES;
    for page in 0..pages {
        let waiting = store
            .apply_page(&orphans(page), &[], false, &format!("c{page}"), test_now())
            .await
            .unwrap()
            .rows_waiting;
        assert_eq!(waiting, (page + 1) * MAX_PAGE_PATCHES);
    }
    let refused = store
        .apply_page(&orphans(pages), &[], false, "c-past", test_now())
        .await;
    assert!(refused.is_err());
    assert_eq!(
        store.sync_value("cursor").await.unwrap().as_deref(),
        Some(format!("c{}", pages - 1).as_str()),
        "nothing of the refused page applied"
    );
    store.close().await;
}

/// The bank's record of one of 王秀英's cards, as a page of changes brings it.
fn bank_card(name: &str, status: &str) -> tingshuo_core::wire::Change {
    use tingshuo_core::wire::{Patch, PatchOp};
    Patch {
        kind: "card".into(),
        id: "zh-card-credit".into(),
        op: PatchOp::Put,
        data: Some(
            serde_json::json!({"id": "zh-card-credit", "account_id": "zh-credit", "kind": "credit",
            "name": name, "number": "6225880012344580", "status": status}),
        ),
    }
    .into_change()
    .unwrap()
}

/// The outbox's number for the request queued under `key`.
async fn outbox_seq(store: &Store, key: &str) -> i64 {
    store
        .outbox_history()
        .await
        .unwrap()
        .into_iter()
        .find(|entry| entry.item.idempotency_key == key)
        .unwrap()
        .item
        .seq
}

/// The credit card as the view shows it: (name, status, source).
async fn credit_card(store: &Store) -> (String, String, tingshuo_core::model::Source) {
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-credit")
        .unwrap();
    (
        card.item.name.clone(),
        card.item.status.as_str().to_owned(),
        card.source,
    )
}

#[tokio::test]
async fn the_banks_state_lands_beside_a_pending_request_and_never_hides_it() {
    use tingshuo_core::action::Action;
    use tingshuo_core::model::Source::{Bank, Device};
    use tingshuo_core::store::sync::NewRequest;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    store.set_sync_value("cursor", "c1").await.unwrap();
    let lock = NewRequest::new(Action::LockCard("zh-card-credit".into()), "k-lock-1".into());
    store.enqueue(&lock, test_now()).await.unwrap();
    // The bank, not yet knowing of the lock, renamed the card: the name lands, the lock shows.
    let renamed = bank_card("信用卡（金卡）", "active");
    assert_eq!(
        store
            .apply_changes(&[renamed], "c2", test_now())
            .await
            .unwrap(),
        Applied::Applied
    );
    assert_eq!(
        credit_card(&store).await,
        ("信用卡（金卡）".into(), "locked".into(), Device)
    );
    assert_eq!(
        store.sync_value("cursor").await.unwrap().as_deref(),
        Some("c2")
    );
    // The bank's fraud team locks the card itself, and refuses the customer's lock: the card
    // is as the bank last said, not as it was before she asked.
    let locked = bank_card("信用卡（金卡）", "locked");
    store
        .apply_changes(&[locked], "c3", test_now())
        .await
        .unwrap();
    store
        .request_failed(
            outbox_seq(&store, "k-lock-1").await,
            "not_allowed",
            test_now(),
        )
        .await
        .unwrap();
    assert_eq!(
        credit_card(&store).await,
        ("信用卡（金卡）".into(), "locked".into(), Bank)
    );
    // She asks to unlock it, then to lock it after all; both wait. The unlock is refused: the
    // lock still shows. The lock is refused: the card is as the bank says, locked.
    for (action, key) in [
        (
            Action::UnlockCard("zh-card-credit".into(), None),
            "k-unlock-2",
        ),
        (Action::LockCard("zh-card-credit".into()), "k-lock-2"),
    ] {
        store
            .enqueue(&NewRequest::new(action, key.into()), test_now())
            .await
            .unwrap();
    }
    store
        .request_failed(
            outbox_seq(&store, "k-unlock-2").await,
            "not_allowed",
            test_now(),
        )
        .await
        .unwrap();
    assert_eq!(
        credit_card(&store).await,
        ("信用卡（金卡）".into(), "locked".into(), Device)
    );
    store
        .request_failed(
            outbox_seq(&store, "k-lock-2").await,
            "not_allowed",
            test_now(),
        )
        .await
        .unwrap();
    assert_eq!(
        credit_card(&store).await,
        ("信用卡（金卡）".into(), "locked".into(), Bank)
    );
    store.close().await;
}

/// The bank's answer to one request lands without hiding another still waiting on the same
/// card, and an alert marked read here stays read over the bank's older word until the bank
/// refuses the mark, which leaves it unread as the bank last said.
#[tokio::test]
async fn an_answer_or_a_page_never_hides_a_request_still_waiting_on_the_same_row() {
    use tingshuo_core::action::Action;
    use tingshuo_core::model::Source::{Bank, Device};
    use tingshuo_core::store::sync::NewRequest;
    use tingshuo_core::wire::{Patch, PatchOp};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    let queue = |action: Action, key: &'static str| {
        let store = &store;
        async move {
            store
                .enqueue(&NewRequest::new(action, key.into()), test_now())
                .await
                .unwrap();
            outbox_seq(store, key).await
        }
    };
    // Lock, then unlock: the bank answers the lock with the card locked; the unlock waits.
    let lock = queue(Action::LockCard("zh-card-credit".into()), "k-lock").await;
    queue(
        Action::UnlockCard("zh-card-credit".into(), None),
        "k-unlock",
    )
    .await;
    let answer = bank_card("信用卡", "locked");
    store
        .request_acknowledged(lock, Some(&answer), test_now())
        .await
        .unwrap();
    assert_eq!(
        credit_card(&store).await,
        ("信用卡".into(), "active".into(), Device),
        "the unlock still shows"
    );

    // An alert marked read here; the bank's page, older than the mark, says unread.
    let alert_as_read = |read: bool| {
        Patch {
            kind: "alert".into(),
            id: "zh-alert-bill".into(),
            op: PatchOp::Put,
            data: Some(
                serde_json::json!({"id": "zh-alert-bill", "kind": "bill_due",
                "created_at": test_now().to_rfc3339(), "read": read}),
            ),
        }
        .into_change()
        .unwrap()
    };
    let unread = || {
        let store = &store;
        async move {
            let view = store.load_view(test_now().date_naive()).await.unwrap();
            view.unread_alerts
                .iter()
                .find(|a| a.item.id == "zh-alert-bill")
                .map(|a| a.source)
        }
    };
    let mark = queue(Action::MarkAlertRead("zh-alert-bill".into()), "k-read").await;
    assert_eq!(unread().await, None, "read here");
    store
        .apply_changes(&[alert_as_read(false)], "c9", test_now())
        .await
        .unwrap();
    assert_eq!(unread().await, None, "still read here");
    store
        .request_failed(mark, "not_allowed", test_now())
        .await
        .unwrap();
    assert_eq!(unread().await, Some(Bank), "unread, as the bank said");
    store.close().await;
}

/// A store as an earlier release left it at schema `version`, closed; a raw connection to it.
async fn at_schema(
    path: &std::path::Path,
    keys: &MemoryKeyStore,
    version: i64,
) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    Store::open_at_schema_version(path, keys, version)
        .await
        .unwrap()
        .close()
        .await;
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

/// Closes the raw connection, then opens an older store at the latest schema; returns it with its pending requests (key and
/// action, in sending order).
async fn upgraded_with_pending(
    connection: sqlx::SqliteConnection,
    path: &std::path::Path,
    keys: &MemoryKeyStore,
) -> (Store, Vec<(String, tingshuo_core::action::Action)>) {
    use sqlx::Connection;
    connection.close().await.unwrap();
    let store = Store::open(path, keys).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_SCHEMA_VERSION);
    let pending = store
        .pending_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|item| (item.idempotency_key, item.action))
        .collect();
    (store, pending)
}

/// Outboxes queued by the version that stored HTTP requests (schema 3) carry over as typed
/// actions: the migration keeps each row, and a preference change keeps its payload.
#[tokio::test]
async fn an_outbox_of_http_requests_carries_over_as_actions() {
    use tingshuo_core::action::Action;
    use tingshuo_core::wire::PreferencesDto;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let preferences = PreferencesDto {
        locale: "zh-CN".into(),
        speech_rate: 85,
        elderly_mode: true,
    };
    let body = serde_json::to_string(&preferences).unwrap();
    let mut connection = at_schema(&path, &keys, 3).await;
    for (seq, key, priority, kind, target, method, route, body) in [
        (
            1,
            "k-1",
            1,
            "set_preferences",
            "preferences",
            "PUT",
            "/v1/preferences".to_owned(),
            body.clone(),
        ),
        (
            2,
            "k-2",
            0,
            "lock_card",
            "zh-card-credit",
            "POST",
            "/v1/cards/zh-card-credit/lock".to_owned(),
            "{}".to_owned(),
        ),
        (
            3,
            "k-3",
            1,
            "mark_alert_read",
            "zh-alert-bill",
            "POST",
            "/v1/alerts/zh-alert-bill/read".to_owned(),
            "{}".to_owned(),
        ),
    ] {
        sqlx::query(
            "INSERT INTO outbox (seq, idempotency_key, priority, kind, target_id, method, path, body,
                                 state, next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0)",
        )
        .bind(seq)
        .bind(key)
        .bind(priority)
        .bind(kind)
        .bind(target)
        .bind(method)
        .bind(route)
        .bind(body)
        .execute(&mut connection)
        .await
        .unwrap();
    }

    let (store, pending) = upgraded_with_pending(connection, &path, &keys).await;
    assert_eq!(
        pending,
        [
            ("k-2".to_owned(), Action::LockCard("zh-card-credit".into())),
            ("k-1".to_owned(), Action::SetPreferences(preferences)),
            (
                "k-3".to_owned(),
                Action::MarkAlertRead("zh-alert-bill".into())
            ),
        ],
        "the safety action first, each under its own key"
    );
    // And each is sent as the route table says.
    assert_eq!(pending[0].1.path(), "/v1/cards/zh-card-credit/lock");
    store.close().await;
}

/// Writes a copy of a closed store's files (or puts one back, replacing what is there).
fn copy_store_files(from: &std::path::Path, to: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let target = std::path::PathBuf::from(format!("{}{suffix}", to.display()));
        let _ = std::fs::remove_file(&target);
        let source = std::path::PathBuf::from(format!("{}{suffix}", from.display()));
        if source.exists() {
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn preferences(speech_rate: u32) -> tingshuo_core::wire::PreferencesDto {
    tingshuo_core::wire::PreferencesDto {
        locale: "zh-CN".into(),
        speech_rate,
        elderly_mode: true,
    }
}

/// The customer decides on consent and preferences.
async fn decide(store: &Store, granted: bool, speech_rate: u32) {
    store
        .record_consent("voice", granted, 1, test_now())
        .await
        .unwrap();
    let preferences = serde_json::to_string(&preferences(speech_rate)).unwrap();
    store
        .set_sync_value("preferences", &preferences)
        .await
        .unwrap();
}

/// One value put back from an older state of the same file: a revoked consent granted
/// again, an older sealed preference (it opens: same row, same column, same key), a settled
/// payment made unresolved. Each is found at open by the protected tables' tag, and the
/// rebuild takes nothing of that file on its word: consent is asked again, payments are
/// reconciled with the bank by their keys, queued requests keep their keys.
#[tokio::test]
async fn a_value_put_back_from_an_older_copy_is_detected() {
    use tingshuo_core::action::Action;
    use tingshuo_core::store::sync::NewRequest;
    for (what, sql) in [
        (
            "a revoked consent granted again",
            "UPDATE consent SET granted = 1 WHERE purpose = 'voice'".to_owned(),
        ),
        ("an older sealed preference", String::new()),
        (
            "a settled payment made unresolved",
            "UPDATE payment_attempt SET state = 'sending' WHERE idempotency_key = 'pay-1'"
                .to_owned(),
        ),
        (
            "a locked card shown active",
            "UPDATE card SET status = 'active' WHERE id = 'zh-card-debit'".to_owned(),
        ),
    ] {
        let (_dir, path) = temp_store_path();
        let keys = MemoryKeyStore::new().unwrap();
        let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
        decide(&store, true, 80).await;
        store.close().await;
        let older = stored_bytes(
            &path,
            "SELECT value FROM sync_state WHERE key = 'preferences'",
        )
        .await;
        let store = Store::open(&path, &keys).await.unwrap();
        decide(&store, false, 120).await;
        store
            .record_payment_attempt("pay-1", "{}", test_now())
            .await
            .unwrap();
        store
            .settle_payment_attempt("pay-1", "executed", None, None, test_now())
            .await
            .unwrap();
        store
            .enqueue(
                &NewRequest::new(Action::LockCard("zh-card-debit".into()), "lock-1".into()),
                test_now(),
            )
            .await
            .unwrap();
        store.close().await;
        let sql = if sql.is_empty() {
            format!(
                "UPDATE sync_state SET value = X'{}' WHERE key = 'preferences'",
                hex(&older)
            )
        } else {
            sql
        };
        raw_sql(&path, &sql).await;

        let error = Store::open(&path, &keys).await.expect_err(what);
        assert!(
            matches!(error, StoreError::IntegrityFailed),
            "{what}: {error}"
        );
        assert!(error.calls_for_rebuild());
        let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
        assert_eq!(
            outcome.rebuild_reason(),
            Some(&RebuildReason::TamperedData),
            "{what}"
        );
        assert_eq!(
            store.consent("voice", 1).await.unwrap(),
            None,
            "{what}: asked again"
        );
        let payments = store.payment_attempts(false).await.unwrap();
        assert_eq!(payments.len(), 1, "{what}");
        assert_eq!(
            payments[0].state, "sending",
            "{what}: reconciled by its key"
        );
        let queued = store.pending_requests().await.unwrap();
        assert_eq!(queued.len(), 1, "{what}");
        assert_eq!(queued[0].idempotency_key, "lock-1", "{what}");
        store.close().await;
        // The rebuilt store opens as itself.
        let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
        assert_eq!(outcome, OpenOutcome::Opened, "{what}");
        store.close().await;
    }
}

/// A rebuild keeps what is the customer's own, sealed again under the new data key while the
/// old key still opens it: the device's enrollment (the bank still knows this phone, no new
/// enrollment code), a queued preference change with its payload, a payment's signed
/// request; the bank's copies (the cursor) start over with the cache. A value that is itself
/// the damage stays behind, and with the key gone none of it can follow (a preference change
/// that could never be sent is dropped, not kept unsendable).
#[tokio::test]
async fn a_rebuild_keeps_the_enrollment_and_the_requests_sealed_again() {
    use tingshuo_core::action::Action;
    let request = HER_PAYMENT_REQUEST;
    let prepared = |path: std::path::PathBuf, keys: MemoryKeyStore| async move {
        with_her_intent(&path, &keys).await;
        (path, keys)
    };

    // Damage found in use (a balance moved into another column): everything of hers follows.
    let (_dir, path) = temp_store_path();
    let (path, keys) = prepared(path, MemoryKeyStore::new().unwrap()).await;
    raw_sql(
        &path,
        "UPDATE account SET available_minor = booked_minor WHERE id = 'zh-pension'",
    )
    .await;
    let (store, _) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    let error = store.verify().await.unwrap_err();
    let (store, outcome) = store.rebuild_after(&keys, error).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    assert_eq!(
        sync_values(&store).await,
        [Some("dev-7".to_owned()), Some("cust-wang".to_owned()), None]
    );
    let queued = store.pending_requests().await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].action, Action::SetPreferences(preferences(91)));
    let attempts = store.payment_attempts(false).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].request.as_deref(), Some(request));
    store.verify().await.unwrap();
    store.close().await;
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    store.close().await;

    // The device id's own ciphertext replaced by another value's: found at open by the tag,
    // and that value stays behind while the rest follows.
    let (_dir, path) = temp_store_path();
    let (path, keys) = prepared(path, MemoryKeyStore::new().unwrap()).await;
    raw_sql(
        &path,
        "UPDATE sync_state SET value = (SELECT value FROM sync_state WHERE key = 'customer_id')
         WHERE key = 'device_id'",
    )
    .await;
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    assert_eq!(
        sync_values(&store).await,
        [None, Some("cust-wang".to_owned()), None]
    );
    assert_eq!(store.pending_requests().await.unwrap().len(), 1);
    store.close().await;

    // The key gone (the app reinstalled): nothing sealed can follow.
    let (_dir, path) = temp_store_path();
    let (path, _) = prepared(path, MemoryKeyStore::new().unwrap()).await;
    let new_keys = MemoryKeyStore::new().unwrap();
    let (store, outcome) = Store::open_or_rebuild(&path, &new_keys).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::KeyRejected));
    let OpenOutcome::Rebuilt {
        user_intent_rows_kept,
        ..
    } = outcome
    else {
        unreachable!()
    };
    assert_eq!(user_intent_rows_kept, 1, "the payment attempt, by its key");
    assert_eq!(sync_values(&store).await, [None, None, None]);
    assert!(store.pending_requests().await.unwrap().is_empty());
    let attempts = store.payment_attempts(false).await.unwrap();
    assert_eq!(attempts[0].request, None);
    store.close().await;
}

/// The payment request [`with_her_intent`] records.
const HER_PAYMENT_REQUEST: &str = r#"{"amount_minor":50000,"currency":"CNY"}"#;

/// A closed store at `path` holding what only she could have asked for: this device's
/// enrollment (device dev-7, customer cust-wang, cursor c-9), a queued preference change
/// (speech rate 91) and a payment attempt (pay-1), beside the bank's view of 王秀英.
async fn with_her_intent(path: &std::path::Path, keys: &dyn KeyStore) {
    use tingshuo_core::action::Action;
    use tingshuo_core::store::sync::NewRequest;
    let store = seeded(path, keys, DemoCustomer::WangXiuying).await;
    for (key, value) in [
        ("device_id", "dev-7"),
        ("customer_id", "cust-wang"),
        ("cursor", "c-9"),
    ] {
        store.set_sync_value(key, value).await.unwrap();
    }
    store
        .enqueue(
            &NewRequest::new(Action::SetPreferences(preferences(91)), "k-prefs".into()),
            test_now(),
        )
        .await
        .unwrap();
    store
        .record_payment_attempt("pay-1", HER_PAYMENT_REQUEST, test_now())
        .await
        .unwrap();
    store.close().await;
}

/// A key store whose key opens what it wrapped before, but that fails to wrap anything new
/// (the platform's keystore busy or failing just then).
struct WrapFails<'a>(&'a MemoryKeyStore);

impl KeyStore for WrapFails<'_> {
    fn wrap(&self, _: &[u8]) -> Result<Vec<u8>, tingshuo_core::crypto::KeyStoreError> {
        Err(tingshuo_core::crypto::KeyStoreError::Failed(
            "keystore busy".into(),
        ))
    }
    fn unwrap(
        &self,
        wrapped: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, tingshuo_core::crypto::KeyStoreError> {
        self.0.unwrap(wrapped)
    }
    fn delete(&self) -> Result<(), tingshuo_core::crypto::KeyStoreError> {
        self.0.delete()
    }
}

/// A rebuild that fails before its new store stands (the key store cannot wrap a new data
/// key) puts the damaged file back: the next open tries again from it, and what it holds is
/// not forgotten behind an empty store.
#[tokio::test]
async fn a_rebuild_that_fails_puts_the_damaged_file_back() {
    let (dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = seeded(&path, &keys, DemoCustomer::WangXiuying).await;
    store.set_sync_value("device_id", "dev-7").await.unwrap();
    store.close().await;
    raw_sql(
        &path,
        "UPDATE account SET available_minor = booked_minor WHERE id = 'zh-pension'",
    )
    .await;
    let store = Store::open(&path, &keys).await.unwrap();
    let damage = store.verify().await.unwrap_err();
    let failed = store.rebuild_after(&WrapFails(&keys), damage).await;
    assert!(failed.is_err());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|name| !name.contains("quarantine")),
        "{names:?}"
    );
    // The same file, damage and all: the next rebuild starts from it and keeps her device.
    let store = Store::open(&path, &keys).await.unwrap();
    assert_eq!(
        store.sync_value("device_id").await.unwrap().as_deref(),
        Some("dev-7")
    );
    let damage = store.verify().await.unwrap_err();
    let (store, outcome) = store.rebuild_after(&keys, damage).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    assert_eq!(
        store.sync_value("device_id").await.unwrap().as_deref(),
        Some("dev-7")
    );
    store.close().await;
}

/// A rebuild killed midway (the app killed, the phone switched off) is finished by the next
/// open, from the same quarantined file: the customer's device, queued request and payment
/// are in the store she goes on with — never an empty one that forgot them, nor one that
/// holds them twice. Killed before the new store has a key, after it stands tagged and empty,
/// before a rejected key is deleted, and after what she asked for was carried but before the
/// rebuild was crossed out (the marker the kill left put back over the finished store: no
/// key-store call comes between the two to be killed at); the store the kill left is not
/// opened as hers in between.
#[tokio::test]
async fn a_rebuild_killed_midway_is_finished_by_the_next_open() {
    use std::process::Command;
    use tingshuo_core::action::Action;
    use tingshuo_desktop::keystore::FileKeyStore;
    let child = env!("CARGO_BIN_EXE_rebuild_child");
    let request = HER_PAYMENT_REQUEST;
    // Files whose name holds `part`, SQLite's companions of them aside.
    let copies = |dir: &std::path::Path, part: &str| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|file| {
                let name = file.to_string_lossy();
                name.contains(part) && !name.ends_with("-wal") && !name.ends_with("-shm")
            })
            .collect();
        found.sort();
        found
    };
    for (when, point, reason) in [
        ("in-use", "wrap", RebuildReason::TamperedData),
        ("in-use", "record", RebuildReason::TamperedData),
        ("at-open", "delete", RebuildReason::KeyRejected),
        ("at-open", "record", RebuildReason::KeyRejected),
    ] {
        let (dir, path) = temp_store_path();
        let key_file = dir.path().join("store.key");
        let keys = FileKeyStore::new(&key_file);
        with_her_intent(&path, &keys).await;
        if reason == RebuildReason::TamperedData {
            raw_sql(
                &path,
                "UPDATE account SET available_minor = booked_minor WHERE id = 'zh-pension'",
            )
            .await;
        } else {
            // Another key in the key store: the file's data key no longer opens.
            keys.delete().unwrap();
            keys.wrap(b"another app's key").unwrap();
        }

        let status = Command::new(child)
            .arg(&path)
            .arg(&key_file)
            .args([when, point])
            .status()
            .unwrap();
        assert_eq!(status.code(), None, "{when} {point}: not killed ({status})");
        let quarantined = copies(dir.path(), ".quarantine-");
        assert_eq!(quarantined.len(), 1, "{when} {point}: {quarantined:?}");
        let marker = copies(dir.path(), "rebuild-pending");
        assert_eq!(marker.len(), 1, "{when} {point}: {marker:?}");
        let marker_left = std::fs::read(&marker[0]).unwrap();
        // After the kill; then as after a kill once the carry committed: the marker put back
        // over the finished store, which is made again from the same copy.
        for again in [false, true] {
            if again {
                std::fs::write(&marker[0], &marker_left).unwrap();
            }
            assert!(
                matches!(
                    Store::open(&path, &keys).await,
                    Err(StoreError::RebuildUnfinished)
                ),
                "{when} {point}: the unfinished store opened as hers"
            );

            let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
            let OpenOutcome::Rebuilt {
                reason: told,
                quarantined: from,
                user_intent_rows_kept,
                user_intent_unreadable,
            } = outcome
            else {
                panic!("{when} {point}: {outcome:?}")
            };
            assert_eq!(
                (told, &from),
                (reason.clone(), &quarantined[0]),
                "{when} {point}"
            );
            assert!(!user_intent_unreadable, "{when} {point}");
            let attempts = store.payment_attempts(false).await.unwrap();
            assert_eq!(attempts.len(), 1, "{when} {point}");
            if reason == RebuildReason::TamperedData {
                assert_eq!(user_intent_rows_kept, 2, "{when} {point}");
                assert_eq!(
                    store.sync_value("device_id").await.unwrap().as_deref(),
                    Some("dev-7")
                );
                let queued = store.pending_requests().await.unwrap();
                assert_eq!(queued.len(), 1, "{when} {point}");
                assert_eq!(queued[0].action, Action::SetPreferences(preferences(91)));
                assert_eq!(attempts[0].request.as_deref(), Some(request));
            } else {
                // Nothing sealed under the lost key can follow; the payment keeps its key.
                assert_eq!(user_intent_rows_kept, 1, "{when} {point}");
                assert_eq!(store.sync_value("device_id").await.unwrap(), None);
                assert_eq!(attempts[0].request, None);
            }
            store.verify().await.unwrap();
            store.close().await;

            // Finished: an ordinary open follows, from one quarantined copy.
            let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
            assert_eq!(outcome, OpenOutcome::Opened, "{when} {point}");
            store.close().await;
        }
        assert_eq!(copies(dir.path(), ".quarantine-"), quarantined);
        assert!(copies(dir.path(), "rebuild-pending").is_empty());
    }
}

/// The device id, customer id and cursor a store holds.
async fn sync_values(store: &Store) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for key in ["device_id", "customer_id", "cursor"] {
        values.push(store.sync_value(key).await.unwrap());
    }
    values
}

/// A whole older copy of the file (rows and tag together) is found when the key store keeps
/// the generation: every protected write records it, and the copy's is lower. The rebuild
/// starts above the recorded generation, so it opens afterwards.
#[tokio::test]
async fn a_whole_older_copy_of_the_file_is_detected() {
    use std::sync::Arc;
    let (dir, path) = temp_store_path();
    let keys = Arc::new(MemoryKeyStore::new().unwrap());
    let store = Store::open(&path, keys.as_ref()).await.unwrap();
    store.keep_generations_in(keys.clone());
    store
        .save_snapshot(&snapshot(DemoCustomer::WangXiuying))
        .await
        .unwrap();
    store
        .record_consent("voice", true, 1, test_now())
        .await
        .unwrap();
    store.close().await;
    let copy = dir.path().join("copy.db");
    copy_store_files(&path, &copy);

    let store = Store::open(&path, keys.as_ref()).await.unwrap();
    store.keep_generations_in(keys.clone());
    store
        .record_consent("voice", false, 1, test_now())
        .await
        .unwrap();
    let recorded = keys.recorded_generation().unwrap().unwrap();
    store.close().await;

    copy_store_files(&copy, &path);
    let error = Store::open(&path, keys.as_ref()).await.unwrap_err();
    assert!(matches!(error, StoreError::RolledBack), "{error}");
    assert!(error.calls_for_rebuild());
    let (store, outcome) = Store::open_or_rebuild(&path, keys.as_ref()).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    assert_eq!(
        store.consent("voice", 1).await.unwrap(),
        None,
        "asked again"
    );
    store.close().await;
    assert!(keys.recorded_generation().unwrap().unwrap() > recorded);
    let (store, outcome) = Store::open_or_rebuild(&path, keys.as_ref()).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    store.close().await;

    // A file made to look as if it predated the tag is not tagged afresh.
    raw_sql(&path, "PRAGMA user_version = 5").await;
    let error = Store::open(&path, keys.as_ref()).await.unwrap_err();
    assert!(matches!(error, StoreError::RolledBack), "{error}");
}

/// A store written by schema 5 kept its outbox payloads and sync values in plaintext. It
/// opens with its queued requests and its device id, now sealed in place, and the plaintext
/// is gone from the file; its cache (and cursor) is fetched again.
#[tokio::test]
async fn a_version_5_store_keeps_its_outbox_and_seals_it() {
    use tingshuo_core::action::Action;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let body = serde_json::to_string(&preferences(91)).unwrap();
    let mut connection = at_schema(&path, &keys, 5).await;
    sqlx::query(
        "INSERT INTO outbox (idempotency_key, priority, kind, target_id, payload, state,
                             next_attempt_at, created_at)
         VALUES ('k-prefs', 1, 'set_preferences', 'preferences', ?, 'pending', 0, 0),
                ('k-lock', 0, 'lock_card', 'zh-card-credit', NULL, 'pending', 0, 0)",
    )
    .bind(&body)
    .execute(&mut connection)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sync_state (key, value) VALUES ('device_id', 'dev-canary-77'),
             ('preferences', ?), ('cursor', 'c-9')",
    )
    .bind(&body)
    .execute(&mut connection)
    .await
    .unwrap();

    let (store, pending) = upgraded_with_pending(connection, &path, &keys).await;
    assert_eq!(
        pending,
        [
            (
                "k-lock".to_owned(),
                Action::LockCard("zh-card-credit".into())
            ),
            (
                "k-prefs".to_owned(),
                Action::SetPreferences(preferences(91))
            ),
        ]
    );
    assert_eq!(
        store.sync_value("device_id").await.unwrap().as_deref(),
        Some("dev-canary-77")
    );
    assert_eq!(store.sync_value("preferences").await.unwrap(), Some(body));
    assert_eq!(
        store.sync_value("cursor").await.unwrap(),
        None,
        "fetched again"
    );
    store.verify().await.unwrap();
    store.close().await;
    for file in database_files(&path) {
        let bytes = std::fs::read(&file).unwrap();
        for canary in [&b"elderly_mode"[..], b"dev-canary-77"] {
            assert!(
                !tingshuo_tests::contains_bytes(&bytes, canary),
                "{} left in {}",
                String::from_utf8_lossy(canary),
                file.display()
            );
        }
    }
    let (store, outcome) = Store::open_or_rebuild(&path, &keys).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    assert_eq!(store.pending_requests().await.unwrap().len(), 2);
    store.close().await;
}

/// A card lock queued while another connection writes (a sync page being stored) waits for
/// it and is kept: a transaction that reads before it writes takes the write lock first, so
/// the other's commit cannot leave it unable to write.
#[tokio::test]
async fn a_request_queued_while_another_connection_writes_waits_and_is_kept() {
    use sqlx::Connection;
    use std::sync::Arc;
    use tingshuo_core::action::Action;
    use tingshuo_core::store::sync::NewRequest;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = Arc::new(seeded(&path, &keys, DemoCustomer::WangXiuying).await);
    let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "BEGIN IMMEDIATE; CREATE TABLE elsewhere (x INTEGER); INSERT INTO elsewhere VALUES (1);",
    )
    .execute(&mut writer)
    .await
    .unwrap();
    let queued = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let request =
                NewRequest::new(Action::LockCard("zh-card-credit".into()), "k-lock-1".into());
            store.enqueue(&request, test_now()).await
        })
    };
    // The request reads the card while the other connection still holds the write lock.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::raw_sql("COMMIT").execute(&mut writer).await.unwrap();
    writer.close().await.unwrap();
    queued.await.unwrap().unwrap();
    let pending = store.pending_requests().await.unwrap();
    assert_eq!(pending.len(), 1);
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-credit")
        .unwrap();
    assert_eq!(card.item.status.as_str(), "locked");
}

/// A request the bank acknowledged with an entity the store cannot hold yet (a card whose
/// account is not cached, as after a rebuild) is still recorded as delivered, never left to be
/// sent again at every round, holding back the pull that would bring the account.
#[tokio::test]
async fn a_delivered_request_whose_answer_cannot_be_applied_is_still_delivered() {
    use tingshuo_core::action::Action;
    use tingshuo_core::store::sync::NewRequest;
    use tingshuo_core::wire::{Change, Patch, PatchOp};
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let store = Store::open(&path, &keys).await.unwrap();
    let request = NewRequest::new(Action::LockCard("zh-card-credit".into()), "k-lock-1".into());
    store.enqueue(&request, test_now()).await.unwrap();
    let pending = store.pending_requests().await.unwrap();
    assert_eq!(pending.len(), 1);
    let answer: Change = Patch {
        kind: "card".into(),
        id: "zh-card-credit".into(),
        op: PatchOp::Put,
        data: Some(
            serde_json::json!({"id": "zh-card-credit", "account_id": "zh-credit", "kind": "credit",
            "name": "信用卡", "number": "6225880012344580", "status": "locked"}),
        ),
    }
    .into_change()
    .unwrap();
    store
        .request_acknowledged(pending[0].seq, Some(&answer), test_now())
        .await
        .unwrap();
    assert!(store.pending_requests().await.unwrap().is_empty());
    // The store is whole: the bank's data, once pulled, lands.
    store
        .save_snapshot(&snapshot(DemoCustomer::WangXiuying))
        .await
        .unwrap();
    store.close().await;
    let store = Store::open(&path, &keys).await.unwrap();
    assert!(store.pending_requests().await.unwrap().is_empty());
}

/// A store from before minimum necessary (schema 7) kept her ID number and phone, sealed:
/// the upgrade drops both columns, and neither value is left in any byte of the files.
#[tokio::test]
async fn an_upgrade_drops_the_id_and_phone_numbers_the_app_never_used() {
    use sqlx::Connection;
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let mut old = at_schema(&path, &keys, 7).await;
    // As sealed values they would be ciphertext; planted as plaintext, any copy left shows.
    sqlx::query(
        "INSERT INTO customer (id, full_name, id_number, phone, locale, as_of, source)
         VALUES ('demo-zh', x'00', CAST('CANARY-ID-110105' AS BLOB),
                 CAST('CANARY-PHONE-139' AS BLOB), 'zh-CN', 0, 'bank')",
    )
    .execute(&mut old)
    .await
    .unwrap();
    old.close().await.unwrap();

    let store = Store::open(&path, &keys).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_SCHEMA_VERSION);
    store.close().await;
    let mut file = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('customer') ORDER BY cid")
            .fetch_all(&mut file)
            .await
            .unwrap();
    assert!(
        !columns.iter().any(|c| c == "id_number" || c == "phone"),
        "{columns:?}"
    );
    file.close().await.unwrap();
    for file in database_files(&path) {
        let bytes = std::fs::read(&file).unwrap();
        for canary in [&b"CANARY-ID-110105"[..], b"CANARY-PHONE-139"] {
            assert!(
                !tingshuo_tests::contains_bytes(&bytes, canary),
                "{} keeps {}",
                file.display(),
                String::from_utf8_lossy(canary)
            );
        }
    }
}
