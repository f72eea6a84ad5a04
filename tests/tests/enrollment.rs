//! Enrollment on the real reference bank on loopback: codes register one device and expire,
//! wrong codes are limited per customer and per address (alike for customers that do not
//! exist), a new device is told to the devices already there, devices are listed and revoked,
//! and a device added later pays only small amounts at first.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use tingshuo_core::assistant::{Consent, Purpose};
use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::crypto::{DeviceSigner, SoftwareSigner};
use tingshuo_core::model::AlertKind;
use tingshuo_core::payments::PaymentOutcome;
use tingshuo_core::sync::{NetError, SyncConfig, SyncError};
use tingshuo_core::{Client, ClientConfig, ClientError, Currency, MemoryKeyStore, Money};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, FaultPlan, FaultRule, RunningBank, start_demo_bank};
use tingshuo_tests::lines_of;

struct Device {
    client: Client,
    _dir: tempfile::TempDir,
}

async fn device(bank: &RunningBank) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: bank.url(),
        sync: SyncConfig {
            backoff_base: Duration::from_millis(1),
            backoff_cap: Duration::from_millis(5),
            ..SyncConfig::default()
        },
    };
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let (client, _) = Client::open(config, &MemoryKeyStore::new().unwrap(), Arc::new(signer))
        .await
        .unwrap();
    Device { client, _dir: dir }
}

async fn register(device: &Device, customer: DemoCustomer, code: &str) -> Result<(), ClientError> {
    device
        .client
        .sync()
        .register_device(customer.id(), OneTimeCode::new(code.to_owned()), "phone")
        .await
}

/// A device registered with a fresh code and synced once.
async fn enrolled(bank: &RunningBank, customer: DemoCustomer) -> Device {
    let device = device(bank).await;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    register(&device, customer, &code).await.unwrap();
    device.client.sync().sync_now().await.unwrap();
    device
}

/// The bank's refusal code, for an error that is one.
fn refusal(error: &ClientError) -> Option<(u16, String)> {
    match error {
        ClientError::Net(NetError::Refused { status, code })
        | ClientError::Sync(SyncError::Net(NetError::Refused { status, code })) => {
            Some((*status, code.clone()))
        }
        _ => None,
    }
}

async fn devices_at_bank(bank: &RunningBank, customer: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM device WHERE customer_id = ?")
        .bind(customer)
        .fetch_one(&bank.bank.db.pool)
        .await
        .unwrap()
}

/// A raw registration attempt: status and body.
async fn attempt(
    bank: &RunningBank,
    http: &reqwest::Client,
    customer: &str,
    code: &str,
) -> (u16, serde_json::Value) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let response = http
        .post(format!("{}/v1/devices", bank.url()))
        .json(
            &serde_json::json!({"customer_id": customer, "enrollment_code": code,
            "public_key": b64.encode(signer.login_public_key().unwrap()),
            "payment_public_key": b64.encode(signer.payment_public_key().unwrap()),
            "device_name": "raw"}),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A code that is not `right`.
fn wrong(right: &str, n: u32) -> String {
    let value = (right.parse::<u32>().unwrap() + 1 + n) % 1_000_000;
    format!("{value:06}")
}

#[tokio::test]
async fn a_code_registers_one_device_and_is_then_used_up() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    assert_eq!(code.len(), 6);
    let first = device(&bank).await;
    register(&first, customer, &code).await.unwrap();
    // The same code on another device: refused, and no device is added.
    let second = device(&bank).await;
    let error = register(&second, customer, &code).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        Some((401, "unauthorized".into())),
        "{error}"
    );
    assert_eq!(devices_at_bank(&bank, customer.id()).await, 1);
    // A new code issued voids an older unused one, and registers the second device.
    let stale = bank.enrollment_code(customer.id()).await.unwrap();
    let fresh = bank.enrollment_code(customer.id()).await.unwrap();
    if stale != fresh {
        assert!(register(&second, customer, &stale).await.is_err());
    }
    register(&second, customer, &fresh).await.unwrap();
    assert_eq!(devices_at_bank(&bank, customer.id()).await, 2);
    // The code is not stored: only its keyed tag.
    let tags: Vec<Vec<u8>> = sqlx::query_scalar("SELECT tag FROM enrollment_code")
        .fetch_all(&bank.bank.db.pool)
        .await
        .unwrap();
    assert!(
        tags.iter()
            .all(|t| t.len() == 32 && !t.windows(6).any(|w| w == fresh.as_bytes()))
    );
    bank.shutdown().await;
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let config = BankConfig {
        enrollment_code_ttl: Duration::from_millis(300),
        ..BankConfig::default()
    };
    let bank = start_demo_bank(config, Utc::now()).await.unwrap();
    let customer = DemoCustomer::MargaretWilson;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let phone = device(&bank).await;
    let error = register(&phone, customer, &code).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        Some((401, "unauthorized".into())),
        "{error}"
    );
    assert_eq!(devices_at_bank(&bank, customer.id()).await, 0);
    // A code used at once, on the same bank, works.
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    register(&phone, customer, &code).await.unwrap();
    bank.shutdown().await;
}

#[tokio::test]
async fn the_sixth_wrong_code_is_locked_out_even_before_the_right_one() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let right = bank.enrollment_code("demo-zh").await.unwrap();
    let mut refused = Vec::new();
    for n in 0..5 {
        let (status, body) = attempt(&bank, &http, "demo-zh", &wrong(&right, n)).await;
        assert_eq!(status, 401, "{body}");
        refused.push(body);
    }
    let (status, locked) = attempt(&bank, &http, "demo-zh", &wrong(&right, 5)).await;
    assert_eq!(status, 429, "{locked}");
    assert_eq!(locked["error"], "enrollment_locked");
    // The right code, now: still locked, and nothing registered.
    let (status, body) = attempt(&bank, &http, "demo-zh", &right).await;
    assert_eq!((status, &body), (429, &locked));
    assert_eq!(devices_at_bank(&bank, "demo-zh").await, 0);

    // A customer id that does not exist is answered alike: the same refusals, the same
    // lockout at the same count.
    for n in 0..5 {
        let (status, body) = attempt(&bank, &http, "no-such-customer", &wrong(&right, n)).await;
        assert_eq!((status, &body), (401, &refused[0]));
    }
    let (status, body) = attempt(&bank, &http, "no-such-customer", &right).await;
    assert_eq!((status, &body), (429, &locked));
    // Another customer is not locked by these.
    let code = bank.enrollment_code("demo-en").await.unwrap();
    let (status, body) = attempt(&bank, &http, "demo-en", &code).await;
    assert_eq!(status, 200, "{body}");
    bank.shutdown().await;
}

#[tokio::test]
async fn an_address_trying_many_customers_is_locked_out() {
    let config = BankConfig {
        enrollment_failures_per_source: 4,
        ..BankConfig::default()
    };
    let bank = start_demo_bank(config, Utc::now()).await.unwrap();
    let http = reqwest::Client::new();
    let right = bank.enrollment_code("demo-en").await.unwrap();
    // One wrong code each for four customer ids: no customer reaches its own limit.
    for (n, customer) in ["c1", "c2", "c3", "c4"].into_iter().enumerate() {
        let (status, _) = attempt(&bank, &http, customer, &wrong(&right, n as u32)).await;
        assert_eq!(status, 401);
    }
    let (status, body) = attempt(&bank, &http, "demo-en", &right).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "enrollment_locked");
    bank.shutdown().await;
}

#[tokio::test]
async fn the_first_device_hears_that_a_second_was_added() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let first = enrolled(&bank, DemoCustomer::MargaretWilson).await;
    let before = first.client.view().current(Utc::now().date_naive()).await;
    let new_device = |view: &tingshuo_core::CustomerView| {
        view.unread_alerts
            .iter()
            .filter(|a| a.item.kind == AlertKind::NewDeviceAdded)
            .count()
    };
    assert_eq!(new_device(&before.unwrap()), 0);
    let _second = enrolled(&bank, DemoCustomer::MargaretWilson).await;
    first.client.sync().sync_now().await.unwrap();
    let view = first
        .client
        .view()
        .current(Utc::now().date_naive())
        .await
        .unwrap();
    assert_eq!(new_device(&view), 1);
    // Said in the customer's words, from the locales.
    for (locale, words) in [
        (tingshuo_core::Locale::EnUs, "New device added"),
        (tingshuo_core::Locale::ZhCn, "新设备已添加提醒"),
    ] {
        let shown = lines_of(&view, locale);
        assert!(shown.contains(words), "{shown}");
    }
    bank.shutdown().await;
}

#[tokio::test]
async fn a_revoked_device_cannot_log_in_or_pay_and_the_other_still_can() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    let kept = enrolled(&bank, customer).await;
    let lost = enrolled(&bank, customer).await;
    let listed = kept.client.sync().devices().await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let this = listed.iter().find(|d| d.current).unwrap().id.clone();
    let other = listed.iter().find(|d| !d.current).unwrap().id.clone();
    assert_eq!(
        kept.client.store().sync_value("device_id").await.unwrap(),
        Some(this.clone())
    );

    let revoked = kept.client.sync().revoke_device(&other).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let listed = kept.client.sync().devices().await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        [this]
    );

    // The revoked device: its session is gone and its login refused, with a stable code.
    // Its sync hears it revoked, and deletes what it held of her before saying so.
    let error = lost.client.sync().sync_now().await.unwrap_err();
    assert!(
        matches!(error, ClientError::Sync(SyncError::DeviceRevoked)),
        "{error}"
    );
    // Nothing is asked of the bank in a registration it no longer has.
    let error = lost.client.sync().devices().await.unwrap_err();
    assert!(
        matches!(error, ClientError::Net(NetError::NotRegistered)),
        "{error}"
    );
    // The lost phone keeps nothing of her: no view, no payee to pay, no registration.
    assert_forgotten(&lost).await;
    assert!(
        lost.client
            .payments()
            .prepare_transfer(
                &"zh-pension".into(),
                &"zh-payee-liwei".into(),
                Money::from_minor(20_000, Currency::CNY),
            )
            .await
            .is_err()
    );
    assert_eq!(payments_at_bank(&bank, customer.id()).await, 0);
    // Registered again with a new code, it is hers again, as the bank has her.
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    register(&lost, customer, &code).await.unwrap();
    lost.client.sync().sync_now().await.unwrap();
    assert_eq!(
        account_ids(&lost).await,
        bank_account_ids(&bank, customer.id()).await
    );

    // The device kept still pays.
    let payments = kept.client.payments();
    let transfer = payments
        .prepare_transfer(
            &"zh-pension".into(),
            &"zh-payee-liwei".into(),
            Money::from_minor(20_000, Currency::CNY),
        )
        .await
        .unwrap();
    assert!(matches!(
        payments.confirm(transfer).await.unwrap(),
        PaymentOutcome::Executed(_)
    ));
    assert_eq!(payments_at_bank(&bank, customer.id()).await, 1);
    // A device of another customer is not this customer's to revoke.
    let stranger = enrolled(&bank, DemoCustomer::MargaretWilson).await;
    let error = stranger
        .client
        .sync()
        .revoke_device(
            &kept
                .client
                .store()
                .sync_value("device_id")
                .await
                .unwrap()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&error), Some((404, "not_found".into())), "{error}");
    bank.shutdown().await;
}

/// A phone registered to another customer (a phone handed on, or a relative's set up again
/// after its session ended) shows her nothing of the one before: not their accounts, payees,
/// requests waiting or consent, and her own history whole, as the bank has it.
#[tokio::test]
async fn a_phone_registered_to_another_customer_shows_nothing_of_the_one_before() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let first = DemoCustomer::WangXiuying;
    let next = DemoCustomer::MargaretWilson;
    let phone = enrolled(&bank, first).await;
    phone
        .client
        .record_consent(Purpose::VoiceRecognition, true, 1, Utc::now())
        .await
        .unwrap();
    // The bank fails when she asks for a card lock: it waits in the outbox.
    bank.bank.faults.set_plan(FaultPlan {
        seed: 3,
        rules: vec![FaultRule {
            path_prefix: "/v1/".into(),
            error_per_mille: 1000,
            ..FaultRule::default()
        }],
    });
    phone
        .client
        .actions()
        .lock_card(&"zh-card-credit".into())
        .await
        .unwrap();
    bank.bank.faults.set_plan(FaultPlan::none());
    assert_eq!(rows(&phone, "outbox").await, 1);

    let code = bank.enrollment_code(next.id()).await.unwrap();
    register(&phone, next, &code).await.unwrap();
    let before_sync = phone.client.view().current(Utc::now().date_naive()).await;
    assert!(
        before_sync
            .as_ref()
            .map_or(true, |view| view.accounts.is_empty()),
        "{before_sync:?}"
    );
    assert_eq!(rows(&phone, "outbox").await, 0);
    assert_eq!(
        phone
            .client
            .consent(Purpose::VoiceRecognition, 1)
            .await
            .unwrap(),
        Consent::NotAsked
    );
    phone.client.sync().sync_now().await.unwrap();
    assert_eq!(
        account_ids(&phone).await,
        bank_account_ids(&bank, next.id()).await
    );
    let view = phone
        .client
        .view()
        .current(Utc::now().date_naive())
        .await
        .unwrap();
    assert!(
        view.payees
            .iter()
            .all(|payee| !payee.item.id.as_str().starts_with("zh-")),
        "{:?}",
        view.payees
    );
    // Every one of her transactions, none of the first customer's.
    assert_eq!(
        rows(&phone, "txn").await,
        rows_at_bank(&bank, next.id(), "transaction").await
    );
    // The first customer's lock never went out under the new registration.
    assert_eq!(locked_cards_at_bank(&bank, first.id()).await, 0);
    bank.shutdown().await;
}

/// Nothing of a customer is left in the device's store.
async fn assert_forgotten(device: &Device) {
    assert!(!device.client.sync().is_registered().await.unwrap());
    let view = device.client.view().current(Utc::now().date_naive()).await;
    assert!(
        view.as_ref().map_or(true, |view| view.accounts.is_empty()),
        "{view:?}"
    );
    for table in [
        "customer",
        "account",
        "txn",
        "payee",
        "card",
        "outbox",
        "sync_state",
    ] {
        assert_eq!(rows(device, table).await, 0, "{table}");
    }
}

/// Rows in one of the device store's tables, read from the file itself.
async fn rows(device: &Device, table: &str) -> i64 {
    use sqlx::Connection;
    let path = device.client.store().path().display().to_string();
    let mut file = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut file)
        .await
        .unwrap()
}

async fn account_ids(device: &Device) -> Vec<String> {
    let view = device
        .client
        .view()
        .current(Utc::now().date_naive())
        .await
        .unwrap();
    let mut ids: Vec<String> = view
        .accounts
        .iter()
        .map(|a| a.item.id.as_str().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn bank_account_ids(bank: &RunningBank, customer: &str) -> Vec<String> {
    let mut ids: Vec<String> = bank
        .bank
        .db
        .all::<serde_json::Value>(customer, "account")
        .await
        .unwrap()
        .into_iter()
        .map(|account| account["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn rows_at_bank(bank: &RunningBank, customer: &str, kind: &str) -> i64 {
    i64::try_from(
        bank.bank
            .db
            .all::<serde_json::Value>(customer, kind)
            .await
            .unwrap()
            .len(),
    )
    .unwrap()
}

async fn locked_cards_at_bank(bank: &RunningBank, customer: &str) -> usize {
    bank.bank
        .db
        .all::<serde_json::Value>(customer, "card")
        .await
        .unwrap()
        .into_iter()
        .filter(|card| card["status"] == "locked")
        .count()
}

#[tokio::test]
async fn a_device_added_later_pays_only_small_amounts_at_first() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    let first = enrolled(&bank, customer).await;
    let added = enrolled(&bank, customer).await;
    let pay = |device: &Device, minor: i64| {
        let payments = device.client.payments();
        async move {
            let draft = payments
                .prepare_transfer(
                    &"zh-pension".into(),
                    &"zh-payee-liwei".into(),
                    Money::from_minor(minor, Currency::CNY),
                )
                .await
                .unwrap();
            payments.confirm(draft).await.unwrap()
        }
    };
    // ¥600 from the device just added: refused; ¥200: paid.
    match pay(&added, 60_000).await {
        PaymentOutcome::Refused { code } => assert_eq!(code, "new_device_cooling_off"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        pay(&added, 20_000).await,
        PaymentOutcome::Executed(_)
    ));
    // The first device is not held back.
    assert!(matches!(
        pay(&first, 60_000).await,
        PaymentOutcome::Executed(_)
    ));
    assert_eq!(payments_at_bank(&bank, customer.id()).await, 2);
    bank.shutdown().await;
}

async fn payments_at_bank(bank: &RunningBank, customer: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM payment WHERE customer_id = ?")
        .bind(customer)
        .fetch_one(&bank.bank.db.pool)
        .await
        .unwrap()
}
