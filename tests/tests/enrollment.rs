//! Enrollment on the real reference bank on loopback: codes register one device and expire,
//! wrong codes are limited per customer and per address (alike for customers that do not
//! exist), a new device is told to the devices already there, devices are listed and revoked,
//! and a device added later pays only small amounts at first.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::crypto::{DeviceSigner, SoftwareSigner};
use tingshuo_core::model::AlertKind;
use tingshuo_core::payments::PaymentOutcome;
use tingshuo_core::sync::{NetError, SyncConfig, SyncError};
use tingshuo_core::{Client, ClientConfig, ClientError, Currency, MemoryKeyStore, Money};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, RunningBank, start_demo_bank};

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
    let error = lost.client.sync().sync_now().await.unwrap_err();
    assert_eq!(
        refusal(&error),
        Some((401, "device_revoked".into())),
        "{error}"
    );
    let error = lost.client.sync().devices().await.unwrap_err();
    assert_eq!(refusal(&error), Some((401, "device_revoked".into())));
    // Its payment moves nothing.
    let transfer = lost
        .client
        .payments()
        .prepare_transfer(
            &"zh-pension".into(),
            &"zh-payee-liwei".into(),
            Money::from_minor(20_000, Currency::CNY),
        )
        .await
        .unwrap();
    let outcome = lost.client.payments().confirm(transfer).await;
    assert!(
        !matches!(
            outcome,
            Ok(PaymentOutcome::Executed(_) | PaymentOutcome::Held(_))
        ),
        "{outcome:?}"
    );
    assert_eq!(payments_at_bank(&bank, customer.id()).await, 0);

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

/// The view as the customer would see it, one line per fact.
fn lines_of(view: &tingshuo_core::CustomerView, locale: tingshuo_core::Locale) -> String {
    let l10n = tingshuo_core::Localizer::new().unwrap();
    let at = tingshuo_core::l10n::present::Presentation {
        locale,
        now: Utc::now(),
        zone: chrono::FixedOffset::east_opt(0).unwrap().into(),
    };
    tingshuo_core::l10n::present::view_lines(&l10n, &at, view)
        .unwrap()
        .into_iter()
        .map(|u| u.display)
        .collect::<Vec<_>>()
        .join("\n")
}
