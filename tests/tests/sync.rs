//! Sync against the real reference bank on loopback: initial and delta sync, paging, the
//! change stream, sessions, idempotency rules, limits, holds, offline queueing, step-up.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tingshuo_core::action::{Action, ActionKind};
use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::client::PaymentsClient;
use tingshuo_core::crypto::{DeviceSigner, SignerError, SoftwareSigner};
use tingshuo_core::http_transport::HttpTransport;
use tingshuo_core::model::{CardStatus, Source};
use tingshuo_core::payments::Settled;
use tingshuo_core::payments::{PaymentDraft, PaymentError, PaymentOutcome};
use tingshuo_core::store::{OpenOutcome, RebuildReason};
use tingshuo_core::sync::{Connectivity, NetError, SyncConfig, SyncError};
use tingshuo_core::transport::{
    BankRequest, BankResponse, BankTransport, BoxFuture, EventSource, TransportError,
};
use tingshuo_core::wire::routes::{self, HttpMethod};
use tingshuo_core::{Client, ClientConfig, Currency, KeyStore as _, MemoryKeyStore, Money};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, FaultPlan, FaultRule, RunningBank, start_demo_bank};
use tingshuo_tests::{PaymentSigningFails, lines_of};

struct TestClient {
    client: Client,
    _dir: tempfile::TempDir,
}

fn fast_sync() -> SyncConfig {
    SyncConfig {
        page_size: 500,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
    }
}

async fn client_for(url: &str, signer: Arc<dyn DeviceSigner>, page_size: u32) -> TestClient {
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: url.to_owned(),
        sync: SyncConfig {
            page_size,
            ..fast_sync()
        },
    };
    let keys = MemoryKeyStore::new().unwrap();
    let (client, _) = Client::open(config, &keys, signer).await.unwrap();
    TestClient { client, _dir: dir }
}

async fn registered(bank: &RunningBank, customer: DemoCustomer) -> TestClient {
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let test = client_for(&bank.url(), Arc::new(signer), 500).await;
    register(&test.client, bank, customer, "test phone").await;
    test
}

/// Registers the client's device for the customer with a fresh code, as `name`.
async fn register(client: &Client, bank: &RunningBank, customer: DemoCustomer, name: &str) {
    client
        .sync()
        .register_device(customer.id(), code(bank, customer).await, name)
        .await
        .unwrap();
}

/// A registered client that has done its initial sync.
async fn synced(bank: &RunningBank, customer: DemoCustomer) -> TestClient {
    let test = registered(bank, customer).await;
    test.client.sync().sync_now().await.unwrap();
    test
}

/// What a fresh device starts from: a folder for its store, the client's settings for this
/// bank (fast retries), an empty key store and new device keys.
fn fresh_device(
    bank: &RunningBank,
) -> (
    tempfile::TempDir,
    ClientConfig,
    MemoryKeyStore,
    SoftwareSigner,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: bank.url(),
        sync: fast_sync(),
    };
    let (signer, _) = SoftwareSigner::generate().unwrap();
    (dir, config, MemoryKeyStore::new().unwrap(), signer)
}

/// A fresh single-use enrollment code for the customer, as the bank issues it.
async fn code(bank: &RunningBank, customer: DemoCustomer) -> OneTimeCode {
    OneTimeCode::new(bank.enrollment_code(customer.id()).await.unwrap())
}

async fn bank_with(config: BankConfig) -> RunningBank {
    start_demo_bank(config, Utc::now()).await.unwrap()
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

async fn server_count(bank: &RunningBank, customer: &str, kind: &str) -> usize {
    bank.bank
        .db
        .all::<serde_json::Value>(customer, kind)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn initial_sync_then_delta_sync() {
    let bank = bank_with(BankConfig::default()).await;
    let wang = registered(&bank, DemoCustomer::WangXiuying).await;
    let report = wang.client.sync().sync_now().await.unwrap();
    assert!(report.complete);
    let transactions = server_count(&bank, "demo-zh", "transaction").await;
    assert!(report.patches_applied > transactions, "{report:?}");

    let view = wang.client.view().current(today()).await.unwrap();
    assert_eq!(view.customer.item.full_name.reveal(), "王秀英");
    assert_eq!(view.accounts.len(), 3);
    assert_eq!(view.payees.len(), 4);
    assert_eq!(view.upcoming_bills.len(), 3);
    assert!(view.accounts.iter().all(|a| a.source == Source::Bank));
    // The bank sends whole card numbers; the device keeps only the endings it shows.
    let bank_cards: Vec<serde_json::Value> = bank.bank.db.all("demo-zh", "card").await.unwrap();
    assert_eq!(view.cards.len(), bank_cards.len());
    for card in &view.cards {
        let sent = bank_cards.iter().find(|c| c["id"] == card.item.id.as_str());
        let sent = sent.unwrap()["number"].as_str().unwrap().to_owned();
        assert!(sent.len() > 4, "the bank's whole number");
        assert_eq!(card.item.number.reveal().as_str(), &sent[sent.len() - 4..]);
    }
    assert_eq!(
        wang.client.sync().status().connectivity,
        Connectivity::Online
    );
    assert!(
        wang.client
            .view()
            .preferences()
            .await
            .unwrap()
            .unwrap()
            .elderly_mode
    );

    // Nothing changed: the delta is empty.
    let again = wang.client.sync().sync_now().await.unwrap();
    assert_eq!((again.pages_pulled, again.patches_applied), (1, 0));

    // Another device of the same customer locks a card: the delta carries just that.
    let other = synced(&bank, DemoCustomer::WangXiuying).await;
    other
        .client
        .actions()
        .lock_card(&"zh-card-debit".into())
        .await
        .unwrap();
    let delta = wang.client.sync().sync_now().await.unwrap();
    assert!(
        delta.patches_applied >= 1 && delta.patches_applied <= 3,
        "{delta:?}"
    );
    let view = wang.client.view().current(today()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-debit")
        .unwrap();
    assert_eq!(card.item.status, CardStatus::Locked);
    // Margaret's data never reaches 王秀英's device.
    assert!(view.accounts.iter().all(|a| a.item.id.starts_with("zh-")));
    bank.shutdown().await;
}

#[tokio::test]
async fn paging_brings_every_transaction_exactly_once() {
    let bank = bank_with(BankConfig::default()).await;
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let margaret = client_for(&bank.url(), Arc::new(signer), 37).await;
    let customer = DemoCustomer::MargaretWilson;
    register(&margaret.client, &bank, customer, "p").await;
    let report = margaret.client.sync().sync_now().await.unwrap();
    let server = server_count(&bank, "demo-en", "transaction").await;
    assert!(report.pages_pulled > server / 37, "{report:?}");
    assert_eq!(stored_transactions(&margaret.client).await, server);
    bank.shutdown().await;
}

/// How many transactions the client's store holds, over all the customer's accounts, read
/// page by page.
async fn stored_transactions(client: &Client) -> usize {
    let view = client.view().current(today()).await.unwrap();
    let mut seen = 0;
    for account in &view.accounts {
        let mut after: Option<(chrono::DateTime<Utc>, String)> = None;
        loop {
            let page = client
                .store()
                .transactions_page(
                    account.item.id.as_str(),
                    after.as_ref().map(|(at, id)| (*at, id.as_str())),
                    100,
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some((last.item.occurred_at, last.item.id.as_str().to_owned()));
            seen += page.len();
        }
    }
    seen
}

#[tokio::test]
async fn the_change_stream_triggers_a_pull() {
    let bank = bank_with(BankConfig::default()).await;
    let watcher = synced(&bank, DemoCustomer::MargaretWilson).await;
    let _watching = watcher.client.sync().watch_changes();
    let actor = synced(&bank, DemoCustomer::MargaretWilson).await;
    until_followed(&bank).await;
    actor
        .client
        .actions()
        .mark_alert_read(&"en-alert-large".into())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let view = watcher.client.view().current(today()).await.unwrap();
        // (The actor's registration left an unread alert of its own: a new device.)
        if view
            .unread_alerts
            .iter()
            .all(|a| a.item.id.as_str() != "en-alert-large")
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watcher never pulled the change"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(_watching);
    bank.shutdown().await;
}

/// Waits until a watcher follows the bank's change stream (the bank's side subscribed): what
/// comes next is then seen by it, not raced by a guessed time that a loaded machine's first
/// round and connection outlast.
async fn until_followed(bank: &RunningBank) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while bank.bank.events.receiver_count() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watcher never followed the stream"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A stopped bank stops whole: a watcher's change stream ends with it, rather than go on
/// serving the old bank on its own connection after the server is gone (and after a desktop
/// condition change, beside the bank that replaced it).
#[tokio::test]
async fn a_stopped_bank_ends_its_change_streams() {
    let bank = bank_with(BankConfig::default()).await;
    let watcher = synced(&bank, DemoCustomer::WangXiuying).await;
    let _watching = watcher.client.sync().watch_changes();
    until_followed(&bank).await;
    let stopped = bank.bank.clone();
    bank.shutdown().await;
    assert_eq!(
        stopped.events.receiver_count(),
        0,
        "a change stream outlived its server"
    );
}

#[tokio::test]
async fn an_expired_session_logs_in_again() {
    let bank = bank_with(BankConfig {
        session_ttl: Duration::from_millis(800),
        ..BankConfig::default()
    })
    .await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    wang.client.sync().sync_now().await.unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM session")
        .fetch_one(&bank.bank.db.pool)
        .await
        .unwrap();
    assert!(sessions >= 2, "{sessions}");
    bank.shutdown().await;
}

#[tokio::test]
async fn replays_get_the_same_answer_and_reused_keys_are_refused() {
    let bank = bank_with(BankConfig::default()).await;
    // A raw session for hand-made requests.
    tingshuo_core::http_transport::install_tls_provider();
    let http = reqwest::Client::new();
    let (token, _) = login_token(&bank, &http).await;
    let lock = |key: &str| {
        http.post(format!("{}/v1/cards/zh-card-credit/lock", bank.url()))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .body("{}")
            .send()
    };
    let first = lock("replay-key-1").await.unwrap().text().await.unwrap();
    let second = lock("replay-key-1").await.unwrap().text().await.unwrap();
    assert_eq!(first, second, "a replay gets the stored answer");
    let alerts = server_count(&bank, "demo-zh", "alert").await;
    assert_eq!(alerts, 2, "one lock alert, not two");

    let prefs = |key: &str, rate: u32| {
        http.put(format!("{}/v1/preferences", bank.url()))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .body(format!(
                r#"{{"locale":"zh-CN","speech_rate":{rate},"elderly_mode":true}}"#
            ))
            .send()
    };
    assert_eq!(prefs("pref-key", 90).await.unwrap().status(), 200);
    let reused = prefs("pref-key", 120).await.unwrap();
    assert_eq!(reused.status(), 422);
    assert!(
        reused
            .text()
            .await
            .unwrap()
            .contains("idempotency_key_reused")
    );
    let too_long = prefs(&"k".repeat(41), 90).await.unwrap();
    assert_eq!(too_long.status(), 400);
    let missing = http
        .post(format!("{}/v1/cards/zh-card-credit/lock", bank.url()))
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    bank.shutdown().await;
}

/// The JSON a hand-made request is answered with.
async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// A session of a device registered by hand for 王秀英: its token, and the device's keys.
async fn login_token(bank: &RunningBank, http: &reqwest::Client) -> (String, SoftwareSigner) {
    use base64::Engine;
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let register = json_of(http.post(format!("{}/v1/devices", bank.url())).json(
        &serde_json::json!({"customer_id": "demo-zh",
            "enrollment_code": bank.enrollment_code("demo-zh").await.unwrap(),
            "public_key": b64.encode(signer.login_public_key().unwrap()),
            "payment_public_key": b64.encode(signer.payment_public_key().unwrap()),
            "device_name": "raw"}),
    ))
    .await;
    let device = register["device_id"].as_str().unwrap().to_owned();
    let challenge = json_of(
        http.post(format!("{}/v1/sessions/challenge", bank.url()))
            .json(&serde_json::json!({"device_id": device})),
    )
    .await;
    let challenge = challenge["challenge"].as_str().unwrap().to_owned();
    let signature = signer
        .sign_login(&tingshuo_core::wire::login_message(&device, &challenge))
        .unwrap();
    let session = json_of(
        http.post(format!("{}/v1/sessions", bank.url())).json(
            &serde_json::json!({"device_id": device, "challenge": challenge, "signature": b64.encode(signature)}),
        ),
    )
    .await;
    (session["token"].as_str().unwrap().to_owned(), signer)
}

/// The status the bank gives one of 王秀英's cards.
async fn bank_card_status(bank: &RunningBank, card: &str) -> String {
    let cards: Vec<serde_json::Value> = bank.bank.db.all("demo-zh", "card").await.unwrap();
    let card = cards.iter().find(|c| c["id"] == card).unwrap();
    card["status"].as_str().unwrap().to_owned()
}

/// Unlocking a card weakens a protection, so the bank acts only on the step-up's proof: the
/// device's payment key (behind her PIN or biometric) signing the bank's fresh challenge with
/// this card and this request's key. A session alone, a proof signed by the silent login
/// key, or one made for another card unlocks nothing; a step-up she calls off sends nothing;
/// the client's own unlock carries the proof, and the card is unlocked.
#[tokio::test]
async fn a_card_is_unlocked_only_with_the_step_ups_proof() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bank = bank_with(BankConfig::default()).await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    let card = "zh-card-credit";
    wang.client.actions().lock_card(&card.into()).await.unwrap();
    assert_eq!(bank_card_status(&bank, card).await, "locked");

    tingshuo_core::http_transport::install_tls_provider();
    let http = reqwest::Client::new();
    let (token, keys) = login_token(&bank, &http).await;
    let challenge = || async {
        let answer = json_of(
            http.post(format!("{}/v1/payments/challenge", bank.url()))
                .bearer_auth(&token)
                .body("{}"),
        )
        .await;
        answer["challenge"].as_str().unwrap().to_owned()
    };
    let unlock = |key: &'static str, body: String| {
        http.post(format!("{}/v1/cards/{card}/unlock", bank.url()))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .body(body)
            .send()
    };
    let proof = |challenge: &str, signature: Vec<u8>| {
        serde_json::json!({"challenge": challenge, "signature": b64.encode(signature)}).to_string()
    };
    let no_proof = unlock("u-none", "{}".into()).await.unwrap();
    let with_login_key = {
        let challenge = challenge().await;
        let message = tingshuo_core::wire::unlock_message(card, "u-login", &challenge);
        unlock(
            "u-login",
            proof(&challenge, keys.sign_login(&message).unwrap()),
        )
        .await
        .unwrap()
    };
    let for_another_card = {
        let challenge = challenge().await;
        let message = tingshuo_core::wire::unlock_message("zh-card-debit", "u-other", &challenge);
        unlock(
            "u-other",
            proof(&challenge, keys.sign_payment(&message).unwrap()),
        )
        .await
        .unwrap()
    };
    for (what, answer) in [
        ("no proof", no_proof),
        ("the login key's", with_login_key),
        ("another card's", for_another_card),
    ] {
        assert_eq!(answer.status(), 403, "{what}");
        assert!(
            answer.text().await.unwrap().contains("step_up_failed"),
            "{what}"
        );
    }
    assert_eq!(bank_card_status(&bank, card).await, "locked");

    // A step-up she calls off: nothing is sent, nothing queued.
    let (declined, _dir) = tingshuo_tests::registered_client_signing_with(
        &bank.url(),
        DemoCustomer::WangXiuying,
        bank.enrollment_code("demo-zh").await.unwrap(),
        Arc::new(PaymentSigningFails::with(SignerError::Cancelled)),
    )
    .await;
    assert!(matches!(
        declined.actions().unlock_card(&card.into()).await,
        Err(tingshuo_core::ClientError::Sync(SyncError::Net(
            NetError::Signer(SignerError::Cancelled)
        )))
    ));
    assert!(declined.sync().outbox().await.unwrap().is_empty());
    assert_eq!(bank_card_status(&bank, card).await, "locked");

    wang.client
        .actions()
        .unlock_card(&card.into())
        .await
        .unwrap();
    assert_eq!(bank_card_status(&bank, card).await, "active");
    bank.shutdown().await;
}

/// An unlock whose proof was made but which then never reached the bank (the connection
/// lost after the challenge) is taken back, not left waiting for a challenge that expires:
/// an error, nothing queued, the card shown locked as the bank has it.
#[tokio::test]
async fn an_unlock_that_never_reached_the_bank_is_taken_back() {
    let bank = bank_with(BankConfig::default()).await;
    let (_dir, client) = client_through(
        &bank,
        Intercepted::new(&bank, UnlocksNeverSent),
        DemoCustomer::WangXiuying,
    )
    .await;
    let card = "zh-card-credit";
    client.actions().lock_card(&card.into()).await.unwrap();
    assert!(matches!(
        client.actions().unlock_card(&card.into()).await,
        Err(tingshuo_core::ClientError::Sync(SyncError::Net(
            NetError::Offline
        )))
    ));
    let outbox = client.sync().outbox().await.unwrap();
    assert!(
        outbox
            .iter()
            .all(|e| e.item.action.kind() != ActionKind::UnlockCard),
        "{outbox:?}"
    );
    assert_eq!(client.sync().status().pending_requests, 0);
    let view = client.view().current(today()).await.unwrap();
    let shown = view.cards.iter().find(|c| c.item.id == card).unwrap();
    assert_eq!(
        (shown.item.status, shown.source),
        (CardStatus::Locked, Source::Bank)
    );
    assert_eq!(bank_card_status(&bank, card).await, "locked");
    bank.shutdown().await;
}

/// Every unlock's connection fails before it opens.
#[derive(Debug)]
struct UnlocksNeverSent;

impl Intercept for UnlocksNeverSent {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        let unlock = request.path.ends_with("/unlock");
        Box::pin(async move { unlock.then_some(Err(TransportError::NeverSent)) })
    }
}

#[tokio::test]
async fn a_transfer_executes_once_and_limits_hold() {
    let bank = bank_with(BankConfig::default()).await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    let payments = wang.client.payments();
    let before = available(&wang, "zh-pension").await;

    let draft = transfer_draft(
        &payments,
        "zh-pension",
        "zh-payee-liwei",
        Money::from_minor(20_000, Currency::CNY),
    )
    .await;
    assert_eq!(draft.target_name.reveal(), "李伟");
    assert_eq!(draft.from_last_four, "6217");
    let PaymentOutcome::Executed(payment) = payments.confirm(draft).await.unwrap() else {
        panic!("expected execution")
    };
    assert_eq!(payment.amount_minor, 20_000);
    assert_eq!(available(&wang, "zh-pension").await, before - 20_000);
    let attempts = payments.attempts().await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, "executed");

    // Above the daily limit (50,000 yuan): refused, nothing moves.
    let big = transfer_draft(
        &payments,
        "zh-pension",
        "zh-payee-liwei",
        Money::from_minor(5_000_000, Currency::CNY),
    )
    .await;
    assert_eq!(
        payments.confirm(big).await.unwrap(),
        PaymentOutcome::Refused {
            code: "limit_exceeded".into()
        }
    );
    // More than the balance: refused too.
    let much = transfer_draft(
        &payments,
        "zh-pension",
        "zh-payee-liwei",
        Money::from_minor(4_000_000, Currency::CNY),
    )
    .await;
    assert_eq!(
        payments.confirm(much).await.unwrap(),
        PaymentOutcome::Refused {
            code: "insufficient_funds".into()
        }
    );
    assert_eq!(available(&wang, "zh-pension").await, before - 20_000);

    // A bill payment marks the bill paid.
    let bill = payments
        .prepare_bill(&"zh-pension".into(), &"zh-bill-power".into())
        .await
        .unwrap();
    assert!(matches!(
        payments.confirm(bill).await.unwrap(),
        PaymentOutcome::Executed(_)
    ));
    let view = wang.client.view().current(today()).await.unwrap();
    assert!(
        view.upcoming_bills
            .iter()
            .all(|b| b.bill.item.id != "zh-bill-power")
    );
    assert_eq!(server_count(&bank, "demo-zh", "payment").await, 2);
    bank.shutdown().await;
}

async fn available(test: &TestClient, account: &str) -> i64 {
    let view = test.client.view().current(today()).await.unwrap();
    view.accounts
        .iter()
        .find(|a| a.item.id == account)
        .unwrap()
        .item
        .balance
        .available
        .reveal()
        .minor()
}

#[tokio::test]
async fn a_risky_transfer_is_held_and_can_be_cancelled_or_executes_after_the_hold() {
    let bank = bank_with(BankConfig {
        hold: Duration::from_millis(1500),
        ..BankConfig::default()
    })
    .await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    let payments = wang.client.payments();
    let before = available(&wang, "zh-pension").await;
    // 10,000 yuan is at the risky threshold.
    let ten_thousand = Money::from_minor(1_000_000, Currency::CNY);
    let draft = transfer_draft(&payments, "zh-pension", "zh-payee-zhangli", ten_thousand).await;
    let PaymentOutcome::Held(held) = payments.confirm(draft).await.unwrap() else {
        panic!("expected a hold")
    };
    assert!(held.hold_until.is_some());
    assert_eq!(available(&wang, "zh-pension").await, before - 1_000_000);
    let PaymentOutcome::Cancelled(cancelled) = payments.cancel(&held.id).await.unwrap() else {
        panic!("expected cancel")
    };
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(
        available(&wang, "zh-pension").await,
        before,
        "the money is back"
    );

    // Held again, not cancelled: it executes when the hold ends.
    let draft = transfer_draft(&payments, "zh-pension", "zh-payee-zhangli", ten_thousand).await;
    let PaymentOutcome::Held(held) = payments.confirm(draft).await.unwrap() else {
        panic!("expected a hold")
    };
    tokio::time::sleep(Duration::from_millis(1700)).await;
    wang.client.sync().sync_now().await.unwrap();
    let executed = wang.client.view().payments().await.unwrap();
    let payment = executed.iter().find(|p| p.item.id == held.id).unwrap();
    assert_eq!(payment.item.status, "executed");
    assert_eq!(
        payments.cancel(&held.id).await.unwrap(),
        PaymentOutcome::Refused {
            code: "not_cancellable".into()
        }
    );
    bank.shutdown().await;
}

/// A signer that signs payments with a key the bank does not know.
struct WrongKeySigner(SoftwareSigner, SoftwareSigner);

impl DeviceSigner for WrongKeySigner {
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.0.login_public_key()
    }
    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.0.payment_public_key()
    }
    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0.sign_login(message)
    }
    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.1.sign_payment(message)
    }
}

/// A signer that signs payments with its silent login key: what app code could do if one key
/// served both, skipping the customer's PIN or biometric.
struct LoginKeyPaysSigner(SoftwareSigner);

impl DeviceSigner for LoginKeyPaysSigner {
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.0.login_public_key()
    }
    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.0.payment_public_key()
    }
    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0.sign_login(message)
    }
    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0.sign_login(message)
    }
}

#[tokio::test]
async fn no_step_up_no_payment() {
    let bank = bank_with(BankConfig::default()).await;
    for signer in [
        // The customer declines the step-up.
        Arc::new(PaymentSigningFails::with(SignerError::Cancelled)) as Arc<dyn DeviceSigner>,
        Arc::new(WrongKeySigner(
            SoftwareSigner::generate().unwrap().0,
            SoftwareSigner::generate().unwrap().0,
        )),
        Arc::new(LoginKeyPaysSigner(SoftwareSigner::generate().unwrap().0)),
    ] {
        let test = client_for(&bank.url(), signer, 500).await;
        let customer = DemoCustomer::MargaretWilson;
        register(&test.client, &bank, customer, "p").await;
        test.client.sync().sync_now().await.unwrap();
        let draft = fifty_dollars_to_maria(&test.client).await;
        match test.client.payments().confirm(draft).await {
            Err(PaymentError::StepUpCancelled) => {}
            Ok(PaymentOutcome::Refused { code }) => assert_eq!(code, "step_up_failed"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 0);
    bank.shutdown().await;
}

#[tokio::test]
async fn offline_safety_actions_queue_and_go_first_payments_refuse() {
    // Reserve a port, leave it closed: the bank is unreachable.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (signer, pkcs8) = SoftwareSigner::generate().unwrap();
    let wang = client_for(&url, Arc::new(signer), 500).await;
    // Seed the device as registered and the cache as synced earlier.
    let bank = bank_with(BankConfig::default()).await;
    let online = {
        let (signer, _) = (SoftwareSigner::from_key_material(&pkcs8).unwrap(), ());
        let test = client_for(&bank.url(), Arc::new(signer), 500).await;
        let customer = DemoCustomer::WangXiuying;
        register(&test.client, &bank, customer, "p").await;
        test.client.sync().sync_now().await.unwrap();
        test
    };
    let device = online
        .client
        .store()
        .sync_value("device_id")
        .await
        .unwrap()
        .unwrap();
    let snapshot = DemoCustomer::WangXiuying.snapshot(Utc::now());
    wang.client.store().save_snapshot(&snapshot).await.unwrap();
    wang.client
        .store()
        .set_sync_value("device_id", &device)
        .await
        .unwrap();

    // Offline: queue a non-urgent action, an unlock, then a safety action on the same card.
    // An unlock needs the bank now (its step-up proof is for the bank's fresh challenge):
    // offline it is an error and nothing is queued. One queued without a proof (as an
    // earlier version did) still waits its turn, and the bank refuses it.
    wang.client
        .actions()
        .mark_alert_read(&"zh-alert-bill".into())
        .await
        .unwrap();
    assert!(matches!(
        wang.client
            .actions()
            .unlock_card(&"zh-card-credit".into())
            .await,
        Err(tingshuo_core::ClientError::Sync(SyncError::Net(
            NetError::Offline
        )))
    ));
    assert_eq!(wang.client.sync().status().pending_requests, 1);
    assert!(
        wang.client
            .actions()
            .queue(Action::UnlockCard("zh-card-credit".into(), None))
            .await
            .is_err(),
        "an unlock is not queued bare"
    );
    wang.client
        .store()
        .enqueue(
            &tingshuo_core::store::sync::NewRequest::new(
                Action::UnlockCard("zh-card-credit".into(), None),
                "unlock-of-an-older-version".into(),
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    wang.client
        .actions()
        .lock_card(&"zh-card-credit".into())
        .await
        .unwrap();
    let status = wang.client.sync().status();
    assert_eq!(status.connectivity, Connectivity::Offline);
    assert_eq!(status.pending_requests, 3);
    let view = wang.client.view().current(today()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-credit")
        .unwrap();
    assert_eq!(
        (card.item.status, card.source),
        (CardStatus::Locked, Source::Device),
        "local echo, pending"
    );
    assert!(view.has_unconfirmed_local_changes);
    let shown = lines_of(&view, tingshuo_core::Locale::ZhCn);
    assert!(
        shown.contains("锁定信用卡 尾号4580，正在等待银行确认。"),
        "{shown}"
    );
    assert!(
        shown.contains("部分信息是您在本机的操作，银行尚未确认"),
        "{shown}"
    );
    // Payments are never queued offline.
    let draft = transfer_draft(
        &wang.client.payments(),
        "zh-pension",
        "zh-payee-liwei",
        Money::from_minor(100, Currency::CNY),
    )
    .await;
    assert!(matches!(
        wang.client.payments().confirm(draft).await,
        Err(PaymentError::Offline)
    ));
    assert!(wang.client.payments().attempts().await.unwrap().is_empty());

    // The bank comes back on that port.
    let running = bank
        .bank
        .clone()
        .serve(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    let history = answered_all(&wang.client).await;
    // The safety action was delivered first: its alert is older than the read mark's version.
    let order: Vec<(String,)> = sqlx::query_as(
        "SELECT key FROM idempotency WHERE customer_id = 'demo-zh' ORDER BY created_at, rowid",
    )
    .fetch_all(&bank.bank.db.pool)
    .await
    .unwrap();
    let lock_key = &history
        .iter()
        .find(|e| e.item.action.kind() == ActionKind::LockCard)
        .unwrap()
        .item
        .idempotency_key;
    let read_key = &history
        .iter()
        .find(|e| e.item.action.kind() == ActionKind::MarkAlertRead)
        .unwrap()
        .item
        .idempotency_key;
    let unlock_key = &history
        .iter()
        .find(|e| e.item.action.kind() == ActionKind::UnlockCard)
        .unwrap()
        .item
        .idempotency_key;
    let position = |key: &String| order.iter().position(|(k,)| k == key).unwrap();
    assert!(
        position(lock_key) < position(read_key),
        "the safety action goes first"
    );
    assert!(
        position(unlock_key) < position(lock_key),
        "but never ahead of an earlier request for the same card"
    );
    let unlock = history
        .iter()
        .find(|e| e.item.action.kind() == ActionKind::UnlockCard)
        .unwrap();
    assert_eq!(
        (unlock.state.as_str(), unlock.item.last_error.as_deref()),
        ("failed", Some("step_up_failed")),
        "an unlock without its proof"
    );
    let view = wang.client.view().current(today()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-credit")
        .unwrap();
    assert_eq!(
        (card.item.status, card.source),
        (CardStatus::Locked, Source::Bank)
    );
    drop(online);
    running.shutdown().await;
}

#[tokio::test]
async fn a_refused_request_fails_with_its_reason_and_undoes_its_echo() {
    let bank = bank_with(BankConfig::default()).await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    wang.client
        .actions()
        .lock_card(&"no-such-card".into())
        .await
        .unwrap();
    let history = wang.client.sync().outbox().await.unwrap();
    let failed = history
        .iter()
        .find(|e| e.item.action.target() == "no-such-card")
        .unwrap();
    assert_eq!(failed.state, "failed");
    assert_eq!(failed.item.last_error.as_deref(), Some("not_found"));
    assert_eq!(wang.client.sync().status().failed_requests, 1);
    let view = wang.client.view().current(today()).await.unwrap();
    let shown = lines_of(&view, tingshuo_core::Locale::EnUs);
    assert!(
        shown.contains("A request: not accepted by the bank, the item was not found."),
        "{shown}"
    );
    bank.shutdown().await;
}

/// A request the bank keeps failing (its route answering 5xx) waits for its retries and holds
/// back neither the bank's news nor another card's lock: pulls bring a pension paid in and the
/// card renamed while its lock still shows as waiting; the debit card locked after it is
/// locked at the bank; the first lock goes once its route recovers.
#[tokio::test]
async fn a_request_the_bank_keeps_failing_holds_back_none_of_its_news() {
    let bank = bank_with(BankConfig::default()).await;
    let wang = synced(&bank, DemoCustomer::WangXiuying).await;
    let card = "zh-card-credit";
    bank.bank.faults.set_plan(FaultPlan {
        seed: 5,
        rules: vec![FaultRule {
            method: Some("POST".into()),
            path_prefix: format!("/v1/cards/{card}/lock"),
            error_per_mille: 1000,
            ..FaultRule::default()
        }],
    });
    let bank_doc = |kind: &'static str, id: &'static str| {
        let bank = &bank;
        async move {
            let all: Vec<serde_json::Value> = bank.bank.db.all("demo-zh", kind).await.unwrap();
            all.into_iter().find(|doc| doc["id"] == id).unwrap()
        }
    };
    wang.client.actions().lock_card(&card.into()).await.unwrap();
    let before = available(&wang, "zh-pension").await;
    let mut pension = bank_doc("account", "zh-pension").await;
    pension["available_minor"] = serde_json::json!(before + 320_000);
    let mut renamed = bank_doc("card", card).await;
    renamed["name"] = serde_json::json!("信用卡（金卡）");
    for (kind, id, doc) in [
        ("account", "zh-pension", &pension),
        ("card", card, &renamed),
    ] {
        bank.bank
            .db
            .put_document("demo-zh", kind, id, doc)
            .await
            .unwrap();
    }
    // Another card's lock, queued behind the failing one, goes at once.
    wang.client
        .actions()
        .lock_card(&"zh-card-debit".into())
        .await
        .unwrap();
    assert_eq!(bank_doc("card", "zh-card-debit").await["status"], "locked");
    let report = wang.client.sync().sync_now().await.unwrap();
    assert!(
        report.pulled && !report.complete,
        "the news pulled, the lock still waits: {report:?}"
    );
    assert_eq!(available(&wang, "zh-pension").await, before + 320_000);
    let view = wang.client.view().current(today()).await.unwrap();
    let shown = view.cards.iter().find(|c| c.item.id == card).unwrap();
    assert_eq!(
        (shown.item.name.as_str(), shown.item.status, shown.source),
        ("信用卡（金卡）", CardStatus::Locked, Source::Device)
    );
    let status = wang.client.sync().status();
    assert_eq!(status.connectivity, Connectivity::Online);
    assert_eq!(status.pending_requests, 1);

    bank.bank.faults.set_plan(FaultPlan::none());
    delivered_all(&wang.client).await;
    let view = wang.client.view().current(today()).await.unwrap();
    let shown = view.cards.iter().find(|c| c.item.id == card).unwrap();
    assert_eq!(
        (shown.item.status, shown.source),
        (CardStatus::Locked, Source::Bank)
    );
    assert_eq!(bank_doc("card", card).await["status"], "locked");
    assert_eq!(wang.client.sync().status().last_error, None);
    bank.shutdown().await;
}

/// A customer's second device syncs after the first has paid: the bank's payment rows refer
/// to accounts and bills the new device learns in the same sync, whatever order they come in.
#[tokio::test]
async fn a_second_device_syncs_after_the_first_has_paid() {
    let bank = bank_with(BankConfig::default()).await;
    let first = synced(&bank, DemoCustomer::WangXiuying).await;
    let payments = first.client.payments();
    let transfer = transfer_draft(
        &payments,
        "zh-pension",
        "zh-payee-liwei",
        Money::from_minor(20_000, Currency::CNY),
    )
    .await;
    assert!(matches!(
        payments.confirm(transfer).await.unwrap(),
        PaymentOutcome::Executed(_)
    ));
    let bill = payments
        .prepare_bill(&"zh-pension".into(), &"zh-bill-power".into())
        .await
        .unwrap();
    assert!(matches!(
        payments.confirm(bill).await.unwrap(),
        PaymentOutcome::Executed(_)
    ));

    for page_size in [500, 1] {
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let second = client_for(&bank.url(), Arc::new(signer), page_size).await;
        second
            .client
            .sync()
            .register_device(
                DemoCustomer::WangXiuying.id(),
                code(&bank, DemoCustomer::WangXiuying).await,
                "second phone",
            )
            .await
            .unwrap();
        second.client.sync().sync_now().await.unwrap();
        let paid = second.client.view().payments().await.unwrap();
        assert_eq!(paid.len(), 2, "page size {page_size}: {paid:?}");
        // Every transaction, the ones listed before their account included.
        assert_eq!(
            stored_transactions(&second.client).await,
            server_count(&bank, DemoCustomer::WangXiuying.id(), "transaction").await,
            "page size {page_size}"
        );
        assert_eq!(
            available(&second, "zh-pension").await,
            available(&first, "zh-pension").await,
            "page size {page_size}"
        );
    }
    bank.shutdown().await;
}

/// Logout revokes the device at the bank and leaves nothing readable behind: the store's
/// files are gone and the data key with them; the bank refuses the device from then on.
#[tokio::test]
async fn logout_revokes_the_device_and_wipes_the_store() {
    let bank = bank_with(BankConfig::default()).await;
    let (_dir, config, keys, signer) = fresh_device(&bank);
    let store_path = config.store_path.clone();
    let (client, _) = Client::open(config, &keys, Arc::new(signer)).await.unwrap();
    let customer = DemoCustomer::WangXiuying;
    register(&client, &bank, customer, "old phone").await;
    client.sync().sync_now().await.unwrap();
    let wrapped = keys.wrap(b"a data key of thirty-two bytes!!").unwrap();
    let other = synced(&bank, customer).await;
    let device = other
        .client
        .sync()
        .devices()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "old phone")
        .unwrap()
        .id;

    assert!(
        client.logout(&keys).await.unwrap().revoked,
        "the bank revoked it"
    );
    assert!(tingshuo_tests::database_files(&store_path).is_empty());
    assert!(keys.unwrap(&wrapped).is_err(), "the data key is destroyed");
    let devices = other.client.sync().devices().await.unwrap();
    assert!(devices.iter().all(|d| d.id != device), "{devices:?}");
    bank.shutdown().await;
}

/// Damage found while in use — a balance's sealed value put in another column, which the
/// fast open does not read — is rebuilt through the client, and the rebuilt store keeps the
/// device's enrollment: the next sync brings the bank's data back with no new enrollment
/// code, the balances read as the bank has them, and the bank knows one device, not two.
#[tokio::test]
async fn damage_found_in_use_is_rebuilt_and_syncs_again_without_a_new_enrollment() {
    let bank = bank_with(BankConfig::default()).await;
    let (_dir, config, keys, signer) = fresh_device(&bank);
    let signer: Arc<dyn DeviceSigner> = Arc::new(signer);
    let store_path = config.store_path.clone();
    let (client, _) = Client::open(config.clone(), &keys, signer.clone())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    register(&client, &bank, customer, "her phone").await;
    client.sync().sync_now().await.unwrap();
    let before = lines_of(
        &client.view().current(today()).await.unwrap(),
        tingshuo_core::Locale::ZhCn,
    );
    client.close().await;
    {
        use sqlx::Connection;
        let mut file =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", store_path.display()))
                .await
                .unwrap();
        sqlx::query("UPDATE account SET available_minor = booked_minor WHERE id = 'zh-pension'")
            .execute(&mut file)
            .await
            .unwrap();
    }

    let (client, outcome) = Client::open(config, &keys, signer).await.unwrap();
    assert_eq!(
        outcome,
        OpenOutcome::Opened,
        "the fast open reads no balance"
    );
    let damage = client.view().current(today()).await.unwrap_err();
    assert!(damage.to_string().contains("available_minor"), "{damage}");
    let old = client.clone();
    let (client, outcome) = client.rebuild_store(&keys).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    // Asked again of the old client (a second tap): refused, the new store left alone.
    assert!(old.rebuild_store(&keys).await.is_err());
    client.sync().sync_now().await.unwrap();
    let after = lines_of(
        &client.view().current(today()).await.unwrap(),
        tingshuo_core::Locale::ZhCn,
    );
    assert_eq!(after, before);
    let devices = client.sync().devices().await.unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    bank.shutdown().await;
}

/// A card lock asked for while the bank could not be reached is delivered by the logout when it
/// can be; when it still cannot, the logout says it was never confirmed (the app tells the
/// customer to lock the card another way) instead of wiping it in silence.
#[tokio::test]
async fn logout_delivers_a_queued_card_lock_first_and_says_what_the_bank_never_confirmed() {
    let bank = bank_with(BankConfig::default()).await;
    let customer = DemoCustomer::WangXiuying;
    let card = "zh-card-credit";
    let unreachable = FaultPlan {
        seed: 3,
        rules: vec![FaultRule {
            path_prefix: "/v1/".into(),
            error_per_mille: 1000,
            ..FaultRule::default()
        }],
    };
    let card_at_bank = || async {
        bank.bank
            .db
            .all::<serde_json::Value>(customer.id(), "card")
            .await
            .unwrap()
            .into_iter()
            .find(|c| c["id"] == card)
            .unwrap()["status"]
            .clone()
    };
    // Still unreachable at logout first (the card stays unlocked at the bank), then back.
    for bank_back in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store_path = dir.path().join("client.db");
        // Retries an hour apart: the lock's next try is not due at logout, which sends it
        // all the same.
        let config = ClientConfig {
            store_path: store_path.clone(),
            bank_url: bank.url(),
            sync: SyncConfig {
                backoff_base: Duration::from_secs(3_600),
                backoff_cap: Duration::from_secs(3_600),
                ..fast_sync()
            },
        };
        let keys = MemoryKeyStore::new().unwrap();
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let (client, _) = Client::open(config, &keys, Arc::new(signer)).await.unwrap();
        register(&client, &bank, customer, "phone").await;
        client.sync().sync_now().await.unwrap();
        bank.bank.faults.set_plan(unreachable.clone());
        client.actions().lock_card(&card.into()).await.unwrap();
        assert_eq!(client.sync().status().pending_requests, 1);
        if bank_back {
            bank.bank.faults.set_plan(FaultPlan::none());
        }
        let logged_out = client.logout(&keys).await.unwrap();
        assert!(tingshuo_tests::database_files(&store_path).is_empty());
        if bank_back {
            assert!(logged_out.revoked, "{logged_out:?}");
            assert_eq!(logged_out.unconfirmed, Some(Vec::new()), "{logged_out:?}");
            assert_eq!(card_at_bank().await, "locked");
        } else {
            assert!(!logged_out.revoked, "{logged_out:?}");
            assert_eq!(
                logged_out.unconfirmed,
                Some(vec![Action::LockCard(card.into())]),
                "{logged_out:?}"
            );
            assert_eq!(card_at_bank().await, "active");
        }
        bank.bank.faults.set_plan(FaultPlan::none());
    }
    bank.shutdown().await;
}

/// A request as it was when a transport kept it back.
#[derive(Debug, Clone)]
struct KeptRequest {
    path: String,
    body: Option<String>,
    bearer: Option<String>,
    idempotency_key: Option<String>,
}

/// A transfer of `amount` from `from` to `payee`, prepared for its read-back.
async fn transfer_draft(
    payments: &PaymentsClient,
    from: &str,
    payee: &str,
    amount: Money,
) -> PaymentDraft {
    payments
        .prepare_transfer(&from.into(), &payee.into(), amount)
        .await
        .unwrap()
}

/// Margaret's $50 to Maria Garcia from her checking account, prepared for its read-back.
async fn fifty_dollars_to_maria(client: &Client) -> PaymentDraft {
    let fifty = Money::from_minor(5_000, Currency::USD);
    transfer_draft(&client.payments(), "en-checking", "en-payee-maria", fifty).await
}

/// A client of a fresh device whose exchanges with the bank go through `transport`,
/// registered for `customer` and synced.
async fn client_through(
    bank: &RunningBank,
    transport: Arc<dyn BankTransport>,
    customer: DemoCustomer,
) -> (tempfile::TempDir, Client) {
    let (dir, config, keys, signer) = fresh_device(bank);
    let (client, _) = Client::open_with_transport(config, &keys, Arc::new(signer), transport)
        .await
        .unwrap();
    register(&client, bank, customer, "test phone").await;
    client.sync().sync_now().await.unwrap();
    (dir, client)
}

/// What a test's transport does with a request on its way to the real bank: `Some(answer)`
/// answers it here (the bank never sees it), `None` lets the bank answer.
trait Intercept: std::fmt::Debug + Send + Sync {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>>;
}

/// The real transport to the bank, with an interceptor in front of it.
#[derive(Debug)]
struct Intercepted<I> {
    inner: HttpTransport,
    by: I,
}

impl<I> Intercepted<I> {
    fn new(bank: &RunningBank, by: I) -> Arc<Intercepted<I>> {
        Arc::new(Intercepted {
            inner: HttpTransport::new(&bank.url()).unwrap(),
            by,
        })
    }
}

impl<I: Intercept> BankTransport for Intercepted<I> {
    fn exchange<'a>(
        &'a self,
        request: BankRequest<'a>,
    ) -> BoxFuture<'a, Result<BankResponse, TransportError>> {
        Box::pin(async move {
            if let Some(answer) = self.by.intercept(&request).await {
                return answer;
            }
            self.inner.exchange(request).await
        })
    }

    fn events<'a>(
        &'a self,
        path: &'a str,
        bearer: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Box<dyn EventSource>, TransportError>> {
        self.inner.events(path, bearer)
    }
}

/// Sync rounds until the outbox is delivered (the first retries may wait for their backoff);
/// the outbox's history, every request in it acknowledged.
async fn delivered_all(client: &Client) -> Vec<tingshuo_core::store::sync::OutboxEntry> {
    let history = answered_all(client).await;
    assert!(history.iter().all(|e| e.state == "acked"), "{history:?}");
    history
}

/// Sync rounds until the bank has answered every request in the outbox (acknowledged or
/// refused); the outbox's history.
async fn answered_all(client: &Client) -> Vec<tingshuo_core::store::sync::OutboxEntry> {
    for _ in 0..100 {
        if client.sync().sync_now().await.is_ok_and(|r| r.complete) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let history = client.sync().outbox().await.unwrap();
    assert!(history.iter().all(|e| e.state != "pending"), "{history:?}");
    history
}

/// Whether a request sends a payment.
fn sends_a_payment(request: &BankRequest<'_>) -> bool {
    request.method == HttpMethod::Post && request.path == routes::MAKE_PAYMENT.plain()
}

/// The first payment is kept back on its way (its answer lost: the bank has not seen it yet)
/// and the next one cannot connect; the test delivers the one kept back later, as a slow
/// network would.
#[derive(Debug, Default)]
struct FirstPaymentLate {
    payments_sent: AtomicUsize,
    kept: std::sync::Mutex<Option<KeptRequest>>,
}

impl Intercepted<FirstPaymentLate> {
    /// Delivers the payment kept back: the bank makes it now.
    async fn deliver_late(&self) {
        let kept = self.by.kept.lock().unwrap().clone().unwrap();
        let request = BankRequest {
            method: HttpMethod::Post,
            path: &kept.path,
            body: kept.body.as_deref(),
            bearer: kept.bearer.as_deref(),
            idempotency_key: kept.idempotency_key.as_deref(),
        };
        let answer = self.inner.exchange(request).await.unwrap();
        assert!((200..300).contains(&answer.status), "{answer:?}");
    }
}

impl Intercept for FirstPaymentLate {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        Box::pin(async move {
            if !sends_a_payment(request) {
                return None;
            }
            match self.payments_sent.fetch_add(1, Ordering::SeqCst) {
                0 => {
                    *self.kept.lock().unwrap() = Some(KeptRequest {
                        path: request.path.to_owned(),
                        body: request.body.map(str::to_owned),
                        bearer: request.bearer.map(str::to_owned),
                        idempotency_key: request.idempotency_key.map(str::to_owned),
                    });
                    Some(Err(TransportError::AnswerLost))
                }
                1 => Some(Err(TransportError::NeverSent)),
                _ => None,
            }
        })
    }
}

/// While `garbled` is set, the sign-in is answered by a gateway's maintenance page: a 200
/// whose body is no session.
#[derive(Debug, Default)]
struct SignInGarbled {
    garbled: std::sync::atomic::AtomicBool,
}

impl Intercept for SignInGarbled {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        let garbled = request.path == routes::LOGIN.plain() && self.garbled.load(Ordering::SeqCst);
        Box::pin(async move {
            garbled.then(|| {
                Ok(BankResponse {
                    status: 200,
                    body: b"<html><body>Down for maintenance</body></html>".to_vec(),
                })
            })
        })
    }
}

/// The first payment is slow to fail: it tells the test it is under way, and after a while
/// its connection turns out never to have opened.
#[derive(Debug, Default)]
struct FirstPaymentSlowToFail {
    payments_sent: AtomicUsize,
    under_way: tokio::sync::Notify,
}

impl Intercept for FirstPaymentSlowToFail {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        Box::pin(async move {
            if !sends_a_payment(request) || self.payments_sent.fetch_add(1, Ordering::SeqCst) > 0 {
                return None;
            }
            self.under_way.notify_one();
            tokio::time::sleep(Duration::from_millis(600)).await;
            Some(Err(TransportError::NeverSent))
        })
    }
}

/// A card lock whose sign-in is answered with a page that is no session was never sent: it
/// stays queued, its echo kept, and goes when the bank signs in again — never taken as
/// delivered because an answer (the sign-in's, not its own) could not be read.
#[tokio::test]
async fn a_request_whose_sign_in_fails_is_kept_not_taken_as_delivered() {
    let bank = bank_with(BankConfig {
        session_ttl: Duration::from_millis(500),
        ..BankConfig::default()
    })
    .await;
    let transport = Intercepted::new(&bank, SignInGarbled::default());
    let (_dir, client) = client_through(&bank, transport.clone(), DemoCustomer::WangXiuying).await;
    // The session ends; signing in again meets the maintenance page.
    tokio::time::sleep(Duration::from_millis(800)).await;
    transport.by.garbled.store(true, Ordering::SeqCst);
    client
        .actions()
        .lock_card(&"zh-card-debit".into())
        .await
        .unwrap();
    let bank_card = || async {
        bank.bank
            .db
            .all::<serde_json::Value>("demo-zh", "card")
            .await
            .unwrap()
            .into_iter()
            .find(|card| card["id"] == "zh-card-debit")
            .unwrap()["status"]
            .clone()
    };
    let history = client.sync().outbox().await.unwrap();
    let lock = history
        .iter()
        .find(|e| e.item.action.kind() == ActionKind::LockCard)
        .unwrap();
    assert_eq!(lock.state, "pending", "{history:?}");
    assert_eq!(bank_card().await, "active");
    let view = client.view().current(today()).await.unwrap();
    let card = view
        .cards
        .iter()
        .find(|c| c.item.id == "zh-card-debit")
        .unwrap();
    assert_eq!(card.item.status, CardStatus::Locked, "the echo stays");

    transport.by.garbled.store(false, Ordering::SeqCst);
    delivered_all(&client).await;
    assert_eq!(bank_card().await, "locked");
    bank.shutdown().await;
}

/// A sync round while a payment is being sent does not send it a second time: asked by its
/// key, the bank has not seen it yet, and a second send beside the first would race it to
/// settle the one attempt (the first, failing to connect, could say "not sent" of a payment
/// the second made). The round waits; the payment is told as the bank has it.
#[tokio::test]
async fn a_sync_round_while_a_payment_is_sent_never_sends_it_again() {
    let bank = bank_with(BankConfig::default()).await;
    let transport = Intercepted::new(&bank, FirstPaymentSlowToFail::default());
    let (_dir, client) =
        client_through(&bank, transport.clone(), DemoCustomer::MargaretWilson).await;
    let client = Arc::new(client);
    let draft = fifty_dollars_to_maria(&client).await;
    let confirming = {
        let client = Arc::clone(&client);
        tokio::spawn(async move { client.payments().confirm(draft).await })
    };
    transport.by.under_way.notified().await;
    let round = client.sync().sync_now().await;
    let outcome = confirming.await.unwrap();
    assert!(matches!(outcome, Err(PaymentError::Offline)), "{outcome:?}");
    round.unwrap();
    assert_eq!(transport.by.payments_sent.load(Ordering::SeqCst), 1);
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 0);
    let attempts = client.payments().attempts().await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, "refused");
    bank.shutdown().await;
}

/// A payment whose answer was lost, which the bank had not seen yet when asked by its key, and
/// whose second send could not connect, is still being checked — the first send may yet reach
/// the bank — never settled as not sent; when it lands, it is told as made.
#[tokio::test]
async fn a_payment_sent_again_that_cannot_connect_stays_checked_not_said_not_sent() {
    let bank = bank_with(BankConfig::default()).await;
    let transport = Intercepted::new(&bank, FirstPaymentLate::default());
    let customer = DemoCustomer::MargaretWilson;
    let (_dir, client) = client_through(&bank, transport.clone(), customer).await;
    let payments = client.payments();
    let draft = fifty_dollars_to_maria(&client).await;
    let PaymentOutcome::Unknown { key } = payments.confirm(draft).await.unwrap() else {
        panic!("the first send's answer was lost")
    };
    // Asked by its key: the bank has not seen it; sent again: no connection.
    assert_eq!(payments.check(&key).await.unwrap(), Settled::Unknown);
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 0);
    // The first send lands after all.
    transport.deliver_late().await;
    assert_eq!(payments.check(&key).await.unwrap(), Settled::Executed);
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 1);
    bank.shutdown().await;
}

/// The bank's answer to "what became of payment K?" must be about K: an answer about another
/// payment (a confused gateway answering with the payment before) settles nothing — K, which
/// the bank never made, was once recorded as made, with the other one's id.
#[tokio::test]
async fn an_answer_about_another_payment_settles_none() {
    let bank = bank_with(BankConfig::default()).await;
    let transport = Intercepted::new(
        &bank,
        AnsweredWithTheFirstPayment {
            bank: HttpTransport::new(&bank.url()).unwrap(),
            payments: PaymentsSeen::default(),
        },
    );
    let (_dir, client) = client_through(&bank, transport, DemoCustomer::MargaretWilson).await;
    let payments = client.payments();
    let first = fifty_dollars_to_maria(&client).await;
    assert!(matches!(
        payments.confirm(first).await.unwrap(),
        PaymentOutcome::Executed(_)
    ));
    let second = fifty_dollars_to_maria(&client).await;
    let PaymentOutcome::Unknown { key } = payments.confirm(second).await.unwrap() else {
        panic!("the second send's answer was lost")
    };
    assert_eq!(payments.check(&key).await.unwrap(), Settled::Unknown);
    let attempts = payments.attempts().await.unwrap();
    let asked = attempts
        .iter()
        .find(|attempt| attempt.idempotency_key == key)
        .unwrap();
    assert_eq!(asked.state, "sending", "{attempts:?}");
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 1);
    bank.shutdown().await;
}

/// Payments sent through an interceptor, counted, and the first one's key.
#[derive(Debug, Default)]
struct PaymentsSeen {
    sent: AtomicUsize,
    first_key: std::sync::Mutex<Option<String>>,
}

impl PaymentsSeen {
    /// How many payments were sent before `request` (one that sends a payment), the first's
    /// key kept.
    fn count(&self, request: &BankRequest<'_>) -> usize {
        let before = self.sent.fetch_add(1, Ordering::SeqCst);
        if before == 0 {
            *self.first_key.lock().unwrap() = request.idempotency_key.map(str::to_owned);
        }
        before
    }

    /// The path that asks the bank about the first payment by its key.
    fn first_lookup(&self) -> Option<String> {
        let first = self.first_key.lock().unwrap().clone()?;
        routes::PAYMENT_BY_KEY.path(&[&first])
    }
}

/// The second payment's answer is lost before the bank sees it, and asked about by its key,
/// the answer is the first payment's (asked of the bank by the first one's key).
#[derive(Debug)]
struct AnsweredWithTheFirstPayment {
    bank: HttpTransport,
    payments: PaymentsSeen,
}

impl Intercept for AnsweredWithTheFirstPayment {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        Box::pin(async move {
            if sends_a_payment(request) {
                return (self.payments.count(request) > 0)
                    .then_some(Err(TransportError::AnswerLost));
            }
            let first_path = self.payments.first_lookup()?;
            let asks_another = request.method == HttpMethod::Get
                && request.path.starts_with("/v1/payments/by-key/")
                && request.path != first_path;
            if !asks_another {
                return None;
            }
            Some(
                self.bank
                    .exchange(BankRequest {
                        path: &first_path,
                        ..*request
                    })
                    .await,
            )
        })
    }
}

/// One payment whose lookup keeps failing at the bank (its answer lost, then 503 whenever it
/// is asked about) holds back neither the other payments waiting for their answers nor the
/// bank's news: the round asks about the others, pulls, and stays incomplete, the failing one
/// still being checked.
#[tokio::test]
async fn one_payment_whose_lookup_keeps_failing_holds_back_neither_others_nor_the_news() {
    let bank = bank_with(BankConfig::default()).await;
    let transport = Intercepted::new(&bank, FirstLookupFailing::default());
    let (_dir, client) =
        client_through(&bank, transport.clone(), DemoCustomer::MargaretWilson).await;
    let payments = client.payments();
    let mut keys = Vec::new();
    for _ in 0..2 {
        let draft = fifty_dollars_to_maria(&client).await;
        let PaymentOutcome::Unknown { key } = payments.confirm(draft).await.unwrap() else {
            panic!("the answer was lost")
        };
        keys.push(key);
    }
    let report = client.sync().sync_now().await.unwrap();
    assert!(report.pulled && !report.complete, "{report:?}");
    let states = tingshuo_tests::attempt_states(payments.attempts().await.unwrap());
    assert_eq!(
        states,
        [
            (keys[0].clone(), "sending".to_owned()),
            (keys[1].clone(), "executed".to_owned())
        ]
    );
    assert_eq!(server_count(&bank, "demo-en", "payment").await, 1);
    // The news pulled: the payment the bank made is in her view.
    let made = client.view().payments().await.unwrap();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(client.sync().status().last_error.is_some());
    bank.shutdown().await;
}

/// The first two payments' answers are lost before the bank sees them; the first one's
/// lookup by its key is answered 503, always.
#[derive(Debug, Default)]
struct FirstLookupFailing {
    payments: PaymentsSeen,
}

impl Intercept for FirstLookupFailing {
    fn intercept<'a>(
        &'a self,
        request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        Box::pin(async move {
            if sends_a_payment(request) {
                return (self.payments.count(request) < 2)
                    .then_some(Err(TransportError::AnswerLost));
            }
            (request.path == self.payments.first_lookup()?).then(|| {
                Ok(BankResponse {
                    status: 503,
                    body: br#"{"code":"unavailable","message":"try later"}"#.to_vec(),
                })
            })
        })
    }
}

/// A transport that cannot be used (set up wrong) sent nothing: a card lock it was given stays
/// queued and goes once it works — where its failure had been taken as the bank's unreadable
/// answer, and the lock as delivered.
#[tokio::test]
async fn a_request_an_unusable_transport_never_sent_stays_queued() {
    let bank = bank_with(BankConfig::default()).await;
    let transport = Intercepted::new(&bank, UnusableWhile::default());
    let (_dir, client) = client_through(&bank, transport.clone(), DemoCustomer::WangXiuying).await;
    transport.by.unusable.store(true, Ordering::SeqCst);
    client
        .actions()
        .lock_card(&"zh-card-debit".into())
        .await
        .unwrap();
    assert!(client.sync().sync_now().await.is_err());
    let lock_state = || async {
        client
            .sync()
            .outbox()
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.item.action.kind() == ActionKind::LockCard)
            .unwrap()
            .state
    };
    assert_eq!(lock_state().await, "pending");
    transport.by.unusable.store(false, Ordering::SeqCst);
    delivered_all(&client).await;
    assert_eq!(lock_state().await, "acked");
    bank.shutdown().await;
}

/// While `unusable` is set, every request fails as a transport that cannot be used.
#[derive(Debug, Default)]
struct UnusableWhile {
    unusable: std::sync::atomic::AtomicBool,
}

impl Intercept for UnusableWhile {
    fn intercept<'a>(
        &'a self,
        _request: &'a BankRequest<'a>,
    ) -> BoxFuture<'a, Option<Result<BankResponse, TransportError>>> {
        let unusable = self.unusable.load(Ordering::SeqCst);
        Box::pin(async move {
            unusable.then(|| Err(TransportError::Unusable("no client certificate".into())))
        })
    }
}
