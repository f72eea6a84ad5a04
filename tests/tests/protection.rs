//! Data protection end to end: distinctive C2 values go through the store, the view, the
//! localizer and every log line at TRACE level, and are found nowhere they must not be.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use tingshuo_core::action::Action;
use tingshuo_core::classify::{AccountNumber, C2, CardNumber};
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::model::{Category, CustomerSnapshot};
use tingshuo_core::store::sync::NewRequest;
use tingshuo_core::wire::{Change, Patch, PreferencesDto, Record};
use tingshuo_core::{Form, Locale, Localizer, MemoryKeyStore, Money, Store};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_tests::{LogCapture, contains_bytes, database_files, temp_store_path, test_now};

/// C2 values no real data would contain, so finding one anywhere is a leak.
struct Canaries {
    account_number: &'static str,
    card_number: &'static str,
    /// Sent by the bank beside what the app uses, and kept nowhere (minimum necessary).
    id_number: &'static str,
    phone: &'static str,
    customer_name: &'static str,
    payee_name: &'static str,
    counterparty: &'static str,
    description: &'static str,
    balance_minor: i64,
    /// Not C2, but habits and places: sealed at rest too, so found in no database byte
    /// (they may appear in logs of the owner's own view, which are not at rest).
    at_rest: AtRest,
}

struct AtRest {
    /// When transactions happened and an appointment is (Unix ms, distinctive bytes).
    occurred_at_ms: i64,
    scheduled_at_ms: i64,
    /// Spending categories of the planted transactions.
    categories: [Category; 3],
    location: &'static str,
    reference: &'static str,
    /// Preferences as the bank keeps them and as the customer changed them (queued).
    speech_rate: u32,
}

const CANARIES: Canaries = Canaries {
    account_number: "6217319283746501",
    card_number: "6225774411229933",
    id_number: "11010519540412CANARY",
    phone: "13977665544",
    customer_name: "Canary Qiuxiang 秋香",
    payee_name: "Canary Payee Zhang 张三丰",
    counterparty: "Canary Counterparty 华山派",
    description: "canary-description-8d1f2e",
    balance_minor: 987_654_321,
    at_rest: AtRest {
        occurred_at_ms: 1_764_321_987_654,
        scheduled_at_ms: 1_764_987_123_456,
        categories: [Category::Groceries, Category::Health, Category::Dining],
        location: "Canary Branch 华山支行",
        reference: "CANARY-REF-4471",
        speech_rate: 73,
    },
};

impl Canaries {
    fn texts(&self) -> Vec<&'static str> {
        vec![
            self.account_number,
            self.card_number,
            self.id_number,
            self.phone,
            self.customer_name,
            self.payee_name,
            self.counterparty,
            self.description,
        ]
    }

    fn preferences(&self) -> PreferencesDto {
        PreferencesDto {
            locale: "zh-CN".into(),
            speech_rate: self.at_rest.speech_rate,
            elderly_mode: true,
        }
    }

    /// Byte patterns of what is sealed at rest though not C2.
    fn at_rest_patterns(&self) -> Vec<(String, Vec<u8>)> {
        let mut patterns = vec![
            (
                "location".to_owned(),
                self.at_rest.location.as_bytes().to_vec(),
            ),
            (
                "reference".to_owned(),
                self.at_rest.reference.as_bytes().to_vec(),
            ),
            // Any preferences document (the bank's, or a queued change).
            ("preferences".to_owned(), b"elderly_mode".to_vec()),
            ("speech rate".to_owned(), b"\"speech_rate\":73".to_vec()),
        ];
        for category in self.at_rest.categories {
            patterns.push((
                format!("category {category:?}"),
                category.as_str().as_bytes().to_vec(),
            ));
        }
        // SQLite keeps an integer in the fewest big-endian bytes (six for these times).
        for (what, millis) in [
            ("occurred_at", self.at_rest.occurred_at_ms),
            ("scheduled_at", self.at_rest.scheduled_at_ms),
        ] {
            patterns.push((what.to_owned(), millis.to_be_bytes()[2..].to_vec()));
            patterns.push((what.to_owned(), millis.to_string().into_bytes()));
        }
        patterns
    }

    fn plant(&self, snapshot: &mut CustomerSnapshot) {
        snapshot.customer.full_name = C2::new(self.customer_name.to_owned());
        let account = &mut snapshot.accounts[0];
        account.number = C2::new(AccountNumber::new(self.account_number));
        account.balance.available =
            C2::new(Money::from_minor(self.balance_minor, account.currency));
        account.balance.booked = C2::new(Money::from_minor(self.balance_minor, account.currency));
        snapshot.cards[0].number = C2::new(CardNumber::new(self.card_number));
        snapshot.payees[0].name = C2::new(self.payee_name.to_owned());
        snapshot.payees[0].account_number = C2::new(AccountNumber::new(self.account_number));
        for transaction in snapshot.transactions.iter_mut().take(50) {
            transaction.counterparty = C2::new(self.counterparty.to_owned());
            transaction.description = C2::new(self.description.to_owned());
        }
        for (index, transaction) in snapshot.transactions.iter_mut().enumerate() {
            transaction.category = self.at_rest.categories[index % 3];
        }
        for transaction in snapshot.transactions.iter_mut().take(3) {
            transaction.occurred_at =
                chrono::DateTime::from_timestamp_millis(self.at_rest.occurred_at_ms).unwrap();
        }
        let request = &mut snapshot.service_requests[0];
        request.location = self.at_rest.location.to_owned();
        request.reference = self.at_rest.reference.to_owned();
        request.scheduled_at =
            Some(chrono::DateTime::from_timestamp_millis(self.at_rest.scheduled_at_ms).unwrap());
        snapshot.transactions[0].amount = C2::new(Money::from_minor(
            -self.balance_minor,
            account_currency(snapshot),
        ));
    }
}

fn account_currency(snapshot: &CustomerSnapshot) -> tingshuo_core::Currency {
    snapshot.accounts[0].currency
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_c2_value_reaches_the_database_bytes_or_any_log_line() {
    let logs = LogCapture::install();
    let (_dir, path) = temp_store_path();
    let keys = MemoryKeyStore::new().unwrap();
    let mut snapshot = DemoCustomer::WangXiuying.snapshot(test_now());
    CANARIES.plant(&mut snapshot);

    // Everything a session does: save, reopen, read, verify, present, fail, log.
    let store = Store::open(&path, &keys).await.unwrap();
    store.save_snapshot(&snapshot).await.unwrap();
    // The bank's customer record carries more than the app uses (her ID number and phone, a
    // field added later): it is applied, and those values are kept nowhere.
    let customer: Patch = serde_json::from_value(serde_json::json!({
        "kind": "customer",
        "id": snapshot.customer.id.as_str(),
        "op": "put",
        "data": {
            "id": snapshot.customer.id.as_str(),
            "full_name": CANARIES.customer_name,
            "locale": "zh-CN",
            "id_number": CANARIES.id_number,
            "phone": CANARIES.phone,
            "risk_segment": "added-later",
        },
    }))
    .unwrap();
    // The bank's preferences arrive with the changes; the customer queues a change of them.
    store
        .apply_changes(
            &[
                customer.into_change().unwrap(),
                Change::Put(Record::Preferences(CANARIES.preferences())),
            ],
            "cursor-1",
            test_now(),
        )
        .await
        .unwrap();
    store
        .enqueue(
            &NewRequest::new(
                Action::SetPreferences(CANARIES.preferences()),
                "canary-key-1".into(),
            ),
            test_now(),
        )
        .await
        .unwrap();
    // Sealed, not lost: the store reads them back.
    let queued = store.pending_requests().await.unwrap();
    assert_eq!(
        queued[0].action,
        Action::SetPreferences(CANARIES.preferences())
    );
    let kept = store.sync_value("preferences").await.unwrap().unwrap();
    assert!(kept.contains("\"elderly_mode\":true"), "{kept}");
    tracing::info!(
        ?snapshot,
        "logging a whole snapshot is safe by construction"
    );
    tracing::info!(customer = %snapshot.customer.full_name, account = %snapshot.accounts[0].number, "display too");
    let view = store.load_view(test_now().date_naive()).await.unwrap();
    tracing::debug!(?view, "and a whole view");
    store.verify().await.unwrap();
    let mut orphan = snapshot.clone();
    orphan.transactions[0].account_id = "no-such-account".into();
    let error = store.save_snapshot(&orphan).await.unwrap_err();
    tracing::error!(%error, ?error, "a failed save");
    let files_open = database_files(&path);
    assert!(
        files_open
            .iter()
            .any(|f| f.to_string_lossy().ends_with("-wal")),
        "WAL present: {files_open:?}"
    );
    scan_database_files(&path);
    let l10n = Localizer::new().unwrap();
    let presentation = Presentation {
        locale: Locale::ZhCn,
        now: test_now(),
        zone: DemoCustomer::WangXiuying.home_offset().into(),
    };
    let lines = view_lines(&l10n, &presentation, &view).unwrap();
    tracing::debug!(lines = lines.len(), "view presented");
    store.close().await;
    let store = Store::open(&path, &keys).await.unwrap();
    let reopened = store.load_view(test_now().date_naive()).await.unwrap();
    tracing::trace!(?reopened);
    store.close().await;

    // The owner's own view does show the values it should (the test can see a leak).
    let shown: String = lines
        .iter()
        .map(|u| u.display.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(shown.contains(CANARIES.customer_name) && shown.contains("9,876,543.21"));
    // ...and never whole account or card numbers, on screen or in speech.
    for line in &lines {
        for form in [&line.display, &line.speech] {
            assert!(
                !form.contains(CANARIES.account_number) && !form.contains(CANARIES.card_number),
                "{form}"
            );
        }
    }
    let spoken_account = l10n
        .masked_account(
            Locale::ZhCn,
            Form::Speech,
            &AccountNumber::new(CANARIES.account_number),
        )
        .unwrap();
    assert_eq!(spoken_account, "尾号六五零一");

    // After close SQLite has checkpointed the WAL into the main file.
    let after_close = scan_database_files(&path);
    assert!(after_close > 100_000, "scanned {after_close} bytes");

    let log_text = logs.text();
    assert!(
        log_text.contains("logging a whole snapshot") && log_text.contains("sqlx"),
        "capture works:\n{}",
        &log_text[..log_text.len().min(2000)]
    );
    for canary in CANARIES.texts() {
        assert!(!log_text.contains(canary), "{canary} found in the logs");
    }
    for amount in ["987654321", "9876543.21", "9,876,543.21"] {
        assert!(
            !log_text.contains(amount),
            "balance {amount} found in the logs"
        );
    }
    // Masked forms are what the logs carry.
    assert!(log_text.contains("****6501"));
}

/// Scans the database, WAL, shared-memory and journal files for every canary; returns bytes read.
fn scan_database_files(path: &std::path::Path) -> usize {
    let mut scanned = 0;
    for file in database_files(path) {
        let bytes = std::fs::read(&file).unwrap();
        scanned += bytes.len();
        for canary in CANARIES.texts() {
            assert!(
                !contains_bytes(&bytes, canary.as_bytes()),
                "{canary} found in {}",
                file.display()
            );
        }
        for (what, pattern) in CANARIES.at_rest_patterns() {
            assert!(
                !contains_bytes(&bytes, &pattern),
                "{what} found in {}",
                file.display()
            );
        }
        let balance = CANARIES.balance_minor;
        for pattern in [
            balance.to_string().into_bytes(),
            balance.to_le_bytes().to_vec(),
            balance.to_be_bytes().to_vec(),
        ] {
            assert!(
                !contains_bytes(&bytes, &pattern),
                "balance found in {}",
                file.display()
            );
        }
    }
    scanned
}
