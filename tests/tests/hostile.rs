//! A hostile or broken bank: every bad answer is a clear error and the local data stays
//! exactly as it was (nothing from a bad page is applied, the cursor does not move). A newer
//! bank is not a broken one: what this version cannot read is left out and said.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;
use tingshuo_core::crypto::SoftwareSigner;
use tingshuo_core::http_transport::{BankTrust, HttpTransport, rustls};
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::{Client, ClientConfig, MemoryKeyStore};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_tests::lines_of;

fn answer(bytes: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(bytes.into()))
        .unwrap()
}

/// What the scripted bank answers next, and the cursors it was asked for.
#[derive(Default)]
struct Script {
    next: Mutex<std::collections::VecDeque<Response<Body>>>,
    cursors_asked: Mutex<Vec<String>>,
}

impl Script {
    /// Queues an answer: each request takes the oldest.
    fn answer_next(&self, body: impl Into<Bytes>) {
        self.next.lock().unwrap().push_back(answer(body));
    }
}

async fn changes(
    State(script): State<Arc<Script>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let cursor = query.get("cursor").cloned().unwrap_or_default();
    script.cursors_asked.lock().unwrap().push(cursor);
    script
        .next
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| answer("{}"))
}

fn page(patches: serde_json::Value) -> Vec<u8> {
    page_to(patches, "c2")
}

/// A last page of changes that ends at `cursor`.
fn page_to(patches: serde_json::Value, cursor: &str) -> Vec<u8> {
    page_of(patches, cursor, false)
}

/// A page of changes that ends at `cursor`, with more after it or not.
fn page_of(patches: serde_json::Value, cursor: &str, has_more: bool) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"patches": patches, "cursor": cursor, "has_more": has_more, "server_time": Utc::now()}),
    )
    .unwrap()
}

fn account(overrides: serde_json::Value) -> serde_json::Value {
    let mut data = json!({"id": "zh-pension", "kind": "current", "name": "养老金账户", "currency": "CNY",
        "number": "6217000010012346217", "available_minor": 1, "booked_minor": 1, "matures_on": null, "position": 0});
    for (k, v) in overrides.as_object().unwrap() {
        data[k] = v.clone();
    }
    json!({"kind": "account", "id": data["id"].clone(), "op": "put", "data": data})
}

/// A client of the bank at `url` (through `transport` when given) that registered and synced
/// before with this version: the demo customer's data stored, a device id known, the feed read
/// by this version's reader.
async fn device_of(url: &str, transport: Option<HttpTransport>) -> (Client, tempfile::TempDir) {
    let (client, dir) = device_from_before_readers(url, transport).await;
    client
        .store()
        .set_sync_value("read_by", &tingshuo_core::wire::reader_fingerprint())
        .await
        .unwrap();
    (client, dir)
}

/// The same, as a version from before readers were named left its store.
async fn device_from_before_readers(
    url: &str,
    transport: Option<HttpTransport>,
) -> (Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("c.db"),
        bank_url: url.to_owned(),
        sync: SyncConfig::default(),
    };
    let (keys, signer) = (
        MemoryKeyStore::new().unwrap(),
        Arc::new(SoftwareSigner::generate().unwrap().0),
    );
    let (client, _) = match transport {
        None => Client::open(config, &keys, signer).await.unwrap(),
        Some(transport) => Client::open_with_transport(config, &keys, signer, Arc::new(transport))
            .await
            .unwrap(),
    };
    let store = client.store();
    store
        .save_snapshot(&DemoCustomer::WangXiuying.snapshot(Utc::now()))
        .await
        .unwrap();
    store.set_sync_value("device_id", "dev-1").await.unwrap();
    (client, dir)
}

/// A bank on loopback that signs anyone in and answers the change feed with what the test
/// puts in the returned slot, one answer per request. Returns its URL.
async fn scripted_bank() -> (String, Arc<Script>) {
    let next = Arc::new(Script::default());
    let router = Router::new()
        .route(
            "/v1/sessions/challenge",
            post(|| async { axum::Json(json!({"challenge": "c", "expires_at": Utc::now()})) }),
        )
        .route(
            "/v1/sessions",
            post(|| async { axum::Json(json!({"token": "t", "expires_at": Utc::now()})) }),
        )
        .route("/v1/changes", get(changes))
        .with_state(next.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, next)
}

#[tokio::test]
async fn bad_answers_are_clear_errors_and_change_nothing() {
    let (url, next) = scripted_bank().await;
    let (client, _dir) = device_of(&url, None).await;
    let store = client.store();
    store.set_sync_value("cursor", "c1").await.unwrap();
    let today = Utc::now().date_naive();
    let before = format!("{:?}", store.load_view_parts().await.unwrap());
    let before_accounts: Vec<i64> = client
        .view()
        .current(today)
        .await
        .unwrap()
        .accounts
        .iter()
        .map(|a| a.item.balance.available.reveal().minor())
        .collect();

    let valid_then_bad = json!([
        account(json!({"available_minor": 5})),
        account(json!({"currency": "CNY", "available_minor": "5"}))
    ]);
    let huge: Vec<serde_json::Value> = (0..1001).map(|_| account(json!({}))).collect();
    let mut invalid_utf8 = page(json!([account(json!({}))]));
    let at = invalid_utf8.len() / 2;
    invalid_utf8.splice(at..at, [0xff, 0xfe, 0xfd]);
    let full = page(json!([account(json!({}))]));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "wrong types",
            br#"{"patches":"none","cursor":5,"has_more":"no","server_time":1}"#.to_vec(),
        ),
        ("not JSON", b"<html>Service Unavailable</html>".to_vec()),
        ("invalid UTF-8", invalid_utf8),
        ("truncated body", full[..full.len() / 2].to_vec()),
        ("too many patches", page(json!(huge))),
        ("a body larger than allowed", vec![b' '; 17 * 1024 * 1024]),
        (
            "negative bill",
            page(
                json!([{"kind": "bill", "id": "b", "op": "put", "data": {"id": "b", "biller_id": "x", "amount_minor": -100, "currency": "CNY", "due_on": "2026-12-01", "status": "due"}}]),
            ),
        ),
        (
            "overflowing amount",
            page(json!([account(json!({"available_minor": 1e30}))])),
        ),
        (
            "amount beyond any real balance",
            page(json!([account(json!({"available_minor": i64::MIN}))])),
        ),
        (
            "a record of a kind this version does not know, with an id no record has",
            page(json!([{"kind": "yacht", "id": "y".repeat(500), "op": "put", "data": {}}])),
        ),
        (
            "a record of a kind this version does not know, named with control characters",
            page(json!([{"kind": "yacht\u{1b}[2J", "id": "y", "op": "put", "data": {}}])),
        ),
        (
            "control characters in text",
            page(json!([account(json!({"name": "养老金\u{1b}[2J\u{7}"}))])),
        ),
        (
            "text far too long",
            page(json!([account(json!({"name": "长".repeat(10_000)}))])),
        ),
        ("a good patch then a bad one", page(valid_then_bad)),
        (
            "patch id differs from its data",
            page(
                json!([{"kind": "account", "id": "zh-deposit", "op": "put", "data": account(json!({}))["data"]}]),
            ),
        ),
    ];
    for (name, body) in cases {
        next.answer_next(body);
        let error = client.sync().sync_now().await.expect_err(name).to_string();
        assert!(
            !error.is_empty() && !error.contains("6217000010012346217"),
            "{name}: {error}"
        );
        eprintln!("{name}: {error}");
        assert_eq!(
            format!("{:?}", store.load_view_parts().await.unwrap()),
            before,
            "{name} changed local data"
        );
        assert_eq!(
            store.sync_value("cursor").await.unwrap().as_deref(),
            Some("c1"),
            "{name} moved the cursor"
        );
    }
    let after: Vec<i64> = client
        .view()
        .current(today)
        .await
        .unwrap()
        .accounts
        .iter()
        .map(|a| a.item.balance.available.reveal().minor())
        .collect();
    assert_eq!(after, before_accounts);

    // And a good page after all that is applied normally.
    next.answer_next(page(json!([account(json!({"available_minor": 4242}))])));
    client.sync().sync_now().await.unwrap();
    let view = client.view().current(today).await.unwrap();
    assert_eq!(
        view.accounts[0].item.balance.available.reveal().minor(),
        4242
    );
    assert_eq!(
        store.sync_value("cursor").await.unwrap().as_deref(),
        Some("c2")
    );
}

/// A card whose account the bank has not sent waits aside — sealed, not shown — while the
/// rest of the page is applied and the cursor moves: it holds back nothing else (it had
/// failed every sync, the balances never updated again). The round says a row waits and is
/// not complete; the card is shown once its account comes.
#[tokio::test]
async fn a_row_whose_account_never_came_waits_aside_and_holds_back_nothing() {
    let (url, next) = scripted_bank().await;
    let (client, dir) = device_of(&url, None).await;
    client.store().set_sync_value("cursor", "c1").await.unwrap();
    let card_number = "6217000010019999";
    let orphan = json!({"kind": "card", "id": "c9", "op": "put", "data": {"id": "c9",
        "account_id": "nowhere", "kind": "debit", "name": "卡", "number": card_number,
        "status": "active", "embossed_name": "WANG XIUYING"}});
    next.answer_next(page(json!([
        orphan,
        account(json!({"available_minor": 4242}))
    ])));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(
        (report.rows_waiting_for_parents, report.complete),
        (1, false)
    );
    // Kept aside as the app read it: the number's ending, none of what it does not use.
    let waiting = client.store().rows_waiting().await.unwrap();
    let [kept] = &waiting[..] else {
        panic!("{waiting:?}")
    };
    let data = kept.data.as_ref().unwrap();
    assert_eq!(data["number"], "9999");
    assert!(data.get("embossed_name").is_none(), "{data}");
    let today = Utc::now().date_naive();
    let view = client.view().current(today).await.unwrap();
    let pension = view.accounts.iter().find(|a| a.item.id == "zh-pension");
    assert_eq!(
        pension.unwrap().item.balance.available.reveal().minor(),
        4242,
        "the rest of the page is applied"
    );
    assert!(
        view.cards.iter().all(|c| c.item.id != "c9"),
        "not shown yet"
    );
    assert_eq!(
        client
            .store()
            .sync_value("cursor")
            .await
            .unwrap()
            .as_deref(),
        Some("c2")
    );
    for file in tingshuo_tests::database_files(&dir.path().join("c.db")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !tingshuo_tests::contains_bytes(&bytes, card_number.as_bytes()),
            "the waiting card's number in {} unsealed",
            file.display()
        );
    }

    // Its account comes in a later page: the card is applied with it.
    let mut account_page = account(json!({"id": "nowhere", "number": "6217000010015555"}));
    account_page["id"] = json!("nowhere");
    next.answer_next(page(json!([account_page])));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(report.rows_waiting_for_parents, 0);
    let view = client.view().current(today).await.unwrap();
    let card = view.cards.iter().find(|c| c.item.id == "c9").unwrap();
    assert_eq!(card.item.account_id.as_str(), "nowhere");
    assert_eq!(
        card.item.number.reveal().as_str(),
        "9999",
        "kept aside as read: its ending"
    );
}

/// A transaction of 王秀英's pension account as the bank's feed sends it.
fn transaction(id: &str, overrides: serde_json::Value) -> serde_json::Value {
    let mut data = json!({"id": id, "account_id": "zh-pension", "status": "booked",
        "amount_minor": -1_234, "currency": "CNY", "counterparty": "超市", "description": "买菜",
        "category": "groceries", "occurred_at": Utc::now()});
    for (k, v) in overrides.as_object().unwrap() {
        data[k] = v.clone();
    }
    json!({"kind": "transaction", "id": id, "op": "put", "data": data})
}

/// A bank newer than this version of the app sends kinds of record and values it does not
/// know. Her sync goes on: a spending category it does not know reads as "other" (the row
/// shown); a record it cannot read is left out — an account keeps its last readable version
/// (with its own, older time), a card or transaction is no longer said as it was — and the view
/// says so in both languages; a later page that brings one readable, or removes it, takes it
/// off the list. The transactions and cards of an account of a kind it does not know do not
/// wait aside for it; once the account is readable the feed is read again from the start,
/// which brings them. A version with another reader, or from before readers were named, reads
/// the feed again from the start, once, and what was left out starts over.
#[tokio::test]
async fn records_a_newer_bank_sends_are_left_out_said_and_read_again_by_a_newer_reader() {
    let (url, script) = scripted_bank().await;
    let (client, _dir) = device_from_before_readers(&url, None).await;
    let store = client.store();
    store.set_sync_value("cursor", "c1").await.unwrap();
    let today = Utc::now().date_naive();
    let before = client.view().current(today).await.unwrap();
    let pension_before = before
        .accounts
        .iter()
        .find(|a| a.item.id == "zh-pension")
        .unwrap()
        .clone();
    let card = before.cards[0].item.clone();
    let card_patch = |status: &str| {
        json!({"kind": "card", "id": card.id.as_str(), "op": "put", "data": {
            "id": card.id.as_str(), "account_id": card.account_id.as_str(), "kind": card.kind.as_str(),
            "name": card.name, "number": "6217000010014580", "status": status}})
    };
    // A transaction she has heard of, now in a status this version does not know.
    let known = before
        .recent_transactions
        .iter()
        .find(|t| t.item.account_id == "zh-pension")
        .unwrap()
        .item
        .id
        .clone();
    let reversed_known = transaction(known.as_str(), json!({"status": "reversed"}));
    let plan_card = json!({"kind": "card", "id": "c-plan", "op": "put", "data": {
        "id": "c-plan", "account_id": "zh-plan", "kind": "debit", "name": "卡",
        "number": "6217000010017777", "status": "active"}});

    script.answer_next(page_to(
        json!([
            account(json!({"kind": "pension_plan", "available_minor": 777})),
            {"kind": "insurance_policy", "id": "ip-1", "op": "put", "data": {"id": "ip-1", "cover": 1}},
            transaction("t-reversed", json!({"status": "reversed"})),
            reversed_known,
            transaction("t-pets", json!({"category": "pet_care", "amount_minor": -4_200})),
            account(json!({"id": "zh-other", "currency": "XTS"})),
            card_patch("frozen_by_bank"),
            transaction("t-plan", json!({"account_id": "zh-plan"})),
            plan_card.clone(),
            account(json!({"id": "zh-plan", "kind": "pension_plan"})),
        ]),
        "c2",
    ));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(
        (
            report.records_left_out,
            report.rows_waiting_for_parents,
            report.pulled
        ),
        (7, 0, true),
        "the plan's transaction and card wait for nothing"
    );
    assert_eq!(
        store.sync_value("cursor").await.unwrap().as_deref(),
        Some("c2")
    );
    let view = client.view().current(today).await.unwrap();
    assert_eq!(view.records_left_out, 7);
    let pension = view
        .accounts
        .iter()
        .find(|a| a.item.id == "zh-pension")
        .unwrap();
    assert_eq!(
        (
            pension.item.balance.available.reveal().minor(),
            pension.as_of
        ),
        (
            pension_before.item.balance.available.reveal().minor(),
            pension_before.as_of
        ),
        "the last readable version stays, with its own time"
    );
    assert!(
        view.cards.iter().all(|c| c.item.id != card.id),
        "a card whose status it cannot read is not said as it was"
    );
    let shown = |id: &str| {
        view.recent_transactions
            .iter()
            .chain(&view.pending_transactions)
            .find(|t| t.item.id == id)
            .map(|t| t.item.category)
    };
    assert_eq!(shown("t-pets"), Some(tingshuo_core::model::Category::Other));
    assert_eq!(shown("t-reversed"), None);
    assert_eq!(shown(known.as_str()), None, "no longer read as it was");
    assert_eq!(shown("t-plan"), None);
    assert!(store.rows_waiting().await.unwrap().is_empty());
    let english = lines_of(&view, tingshuo_core::Locale::EnUs);
    assert!(
        english.contains("This version of the app could not read some of your bank's records"),
        "{english}"
    );
    let chinese = lines_of(&view, tingshuo_core::Locale::ZhCn);
    assert!(
        chinese.contains("这个版本的应用无法读取银行发来的部分记录"),
        "{chinese}"
    );

    // The policy removed, the card readable: five left.
    script.answer_next(page_to(
        json!([
            {"kind": "insurance_policy", "id": "ip-1", "op": "delete"},
            card_patch("locked"),
        ]),
        "c3",
    ));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(report.records_left_out, 5);
    let view = client.view().current(today).await.unwrap();
    assert!(view.cards.iter().any(|c| c.item.id == card.id));

    // The plan's account readable, which the device never had: its rows were not kept, so the
    // next sync reads the feed from the start, where the bank sends its whole state (what
    // this version still cannot read among it).
    script.answer_next(page_to(
        json!([account(json!({"id": "zh-plan", "kind": "savings"}))]),
        "c4",
    ));
    assert_eq!(client.sync().sync_now().await.unwrap().records_left_out, 4);
    script.answer_next(page_to(
        json!([
            account(json!({"kind": "pension_plan", "available_minor": 777})),
            account(json!({"id": "zh-plan", "kind": "savings"})),
            plan_card,
            transaction("t-plan", json!({"account_id": "zh-plan"})),
            transaction("t-reversed", json!({"status": "reversed"})),
            transaction(known.as_str(), json!({"status": "reversed"})),
        ]),
        "c5",
    ));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(
        report.records_left_out, 3,
        "from the start, what was left out starts over"
    );
    let view = client.view().current(today).await.unwrap();
    assert!(view.cards.iter().any(|c| c.item.id == "c-plan"));
    assert!(
        view.recent_transactions
            .iter()
            .any(|t| t.item.id == "t-plan")
    );

    // A row that came a page before its account, which then comes unreadable, stops waiting.
    script.answer_next(page_of(
        json!([transaction("t-plan3", json!({"account_id": "zh-plan3"}))]),
        "c6",
        true,
    ));
    script.answer_next(page_to(
        json!([account(json!({"id": "zh-plan3", "kind": "pension_plan"}))]),
        "c7",
    ));
    let report = client.sync().sync_now().await.unwrap();
    assert_eq!(
        (report.records_left_out, report.rows_waiting_for_parents),
        (4, 0)
    );
    // Readable again on the first of two pages: the read from the start still follows.
    script.answer_next(page_of(
        json!([account(json!({"id": "zh-plan3", "kind": "savings"}))]),
        "c8",
        true,
    ));
    script.answer_next(page_to(json!([]), "c9"));
    client.sync().sync_now().await.unwrap();
    script.answer_next(page_to(json!([]), "c10"));
    client.sync().sync_now().await.unwrap();

    // Another reader starts from the beginning, once; a bank with nothing unreadable left.
    store
        .set_sync_value("read_by", "an older reader")
        .await
        .unwrap();
    script.answer_next(page_to(
        json!([account(json!({"available_minor": 999}))]),
        "c11",
    ));
    assert_eq!(client.sync().sync_now().await.unwrap().records_left_out, 0);
    script.answer_next(page_to(json!([]), "c12"));
    client.sync().sync_now().await.unwrap();
    assert_eq!(
        *script.cursors_asked.lock().unwrap(),
        ["", "c2", "c3", "", "c5", "c6", "c7", "c8", "", "", "c11"],
        "a store from before readers were named is read again too"
    );
    let view = client.view().current(today).await.unwrap();
    assert_eq!(view.records_left_out, 0);
    assert!(!lines_of(&view, tingshuo_core::Locale::EnUs).contains("could not read"));
}

/// A bank that says "more" forever, with a fresh cursor each time, stops one sync with a clear
/// error after a bounded number of pages; the customer's data stays as it was.
#[tokio::test]
async fn a_bank_that_pages_forever_stops_a_sync_with_an_error() {
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    let router = Router::new()
        .route(
            "/v1/sessions/challenge",
            post(|| async { axum::Json(json!({"challenge": "c", "expires_at": Utc::now()})) }),
        )
        .route(
            "/v1/sessions",
            post(|| async { axum::Json(json!({"token": "t", "expires_at": Utc::now()})) }),
        )
        .route(
            "/v1/changes",
            get(move || {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move {
                    axum::Json(json!({"patches": [], "cursor": format!("c{n}"),
                        "has_more": true, "server_time": Utc::now()}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let (client, _dir) = device_of(&url, None).await;
    let store = client.store();
    let before = format!("{:?}", store.load_view_parts().await.unwrap());
    let error = client.sync().sync_now().await.expect_err("endless paging");
    assert!(error.to_string().contains("pages"), "{error}");
    let pages = served.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (tingshuo_core::sync::MAX_PAGES_PER_SYNC..=tingshuo_core::sync::MAX_PAGES_PER_SYNC + 1)
            .contains(&pages),
        "{pages} pages"
    );
    assert_eq!(
        format!("{:?}", store.load_view_parts().await.unwrap()),
        before
    );
}

/// Tokens, enrollment codes and payments never travel in clear text: a bank URL that is not
/// https:// is refused when the client opens (plain http only to this machine, where the
/// reference bank runs), before anything is sent.
#[tokio::test]
async fn a_bank_url_without_tls_is_refused_before_anything_is_sent() {
    for url in [
        "http://bank.example",
        "http://10.0.0.7:8080",
        "ftp://bank.example",
        "bank.example",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = ClientConfig {
            store_path: dir.path().join("c.db"),
            bank_url: url.to_owned(),
            sync: SyncConfig::default(),
        };
        let opened = Client::open(
            config,
            &MemoryKeyStore::new().unwrap(),
            Arc::new(SoftwareSigner::generate().unwrap().0),
        )
        .await;
        let error = opened.expect_err(url).to_string();
        assert!(
            error.contains("https") || error.contains("URL"),
            "{url}: {error}"
        );
    }
    for url in [
        "https://bank.example",
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = ClientConfig {
            store_path: dir.path().join("c.db"),
            bank_url: url.to_owned(),
            sync: SyncConfig::default(),
        };
        Client::open(
            config,
            &MemoryKeyStore::new().unwrap(),
            Arc::new(SoftwareSigner::generate().unwrap().0),
        )
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

/// A bank that answers with a redirect is not followed: the bearer token and the request
/// never reach the place it points to, and the sync fails clearly.
#[tokio::test]
async fn a_redirect_is_never_followed() {
    let reached = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = reached.clone();
    let elsewhere = Router::new().fallback(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { axum::Json(json!({"challenge": "c", "expires_at": Utc::now()})) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, elsewhere).await.unwrap() });

    let target = elsewhere_url.clone();
    let bank = Router::new().fallback(move |uri: axum::http::Uri| {
        let target = target.clone();
        async move {
            Response::builder()
                .status(307)
                .header("location", format!("{target}{uri}"))
                .body(Body::empty())
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bank).await.unwrap() });

    let (client, _dir) = device_of(&url, None).await;
    let error = client.sync().sync_now().await.expect_err("a redirect");
    eprintln!("{error}");
    assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Trusts exactly one certificate: what a bank that pins its certificate passes in.
#[derive(Debug)]
struct PinnedCertificate {
    pin: Vec<u8>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pin.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn pinned_tls(pin: &[u8]) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
            pin: pin.to_vec(),
            provider,
        }))
        .with_no_client_auth()
}

/// A bank on loopback serving HTTPS with a self-signed certificate for 127.0.0.1: its URL, its
/// certificate, and how many requests reached it (counted once a TLS session is up, so a
/// refused handshake sends nothing). It answers every request 503.
async fn self_signed_bank() -> (
    String,
    rcgen::CertifiedKey,
    Arc<std::sync::atomic::AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key_der.into())
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (acceptor, counter) = (acceptor.clone(), counter.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = vec![0_u8; 4096];
                if tls.read(&mut head).await.unwrap_or(0) > 0 {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (url, certified, requests)
}

/// A bank brings its own TLS settings (here: a pin of its one certificate) through
/// `HttpTransport::with_tls_config`: a self-signed bank certificate no root vouches for is
/// refused by default, reached when pinned, and refused again when another one is pinned.
#[tokio::test]
async fn a_bank_pins_its_certificate_through_its_own_tls_settings() {
    let (url, certified, requests) = self_signed_bank().await;
    let cert_der = certified.cert.der().clone();
    let open = |transport: Option<HttpTransport>| {
        let url = url.clone();
        async move {
            let (client, dir) = device_of(&url, transport).await;
            let error = client.sync().sync_now().await.expect_err("503 or refused");
            (dir, error.to_string())
        }
    };
    let seen = || requests.load(std::sync::atomic::Ordering::SeqCst);

    let (_dir, error) = open(None).await;
    assert_eq!(
        seen(),
        0,
        "the default trust reached a self-signed bank: {error}"
    );

    let pinned = HttpTransport::with_tls_config(&url, pinned_tls(cert_der.as_ref())).unwrap();
    let (_dir, error) = open(Some(pinned)).await;
    assert!(
        seen() >= 1,
        "the pinned certificate was not reached: {error}"
    );

    let before = seen();
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let wrong =
        HttpTransport::with_tls_config(&url, pinned_tls(other.cert.der().as_ref())).unwrap();
    let (_dir, error) = open(Some(wrong)).await;
    assert_eq!(seen(), before, "another pin reached the bank: {error}");
}

/// The trust an app names for its bank (`BankTrust`, the bindings' `trustedCertificatesPem`):
/// the bank's own certificate reaches it, Mozilla's bundled roots (Android's default, with no
/// platform verifier to initialise) and another certificate do not, and text that is no
/// certificate is refused when the transport is made, naming which one.
#[tokio::test]
async fn a_bank_is_reached_only_through_the_certificates_named_to_trust() {
    let (url, certified, requests) = self_signed_bank().await;
    let seen = || requests.load(std::sync::atomic::Ordering::SeqCst);
    let reach = |trust: BankTrust| {
        let url = url.clone();
        async move {
            let transport = HttpTransport::trusting(&url, &trust).unwrap();
            let (client, dir) = device_of(&url, Some(transport)).await;
            let error = client.sync().sync_now().await.expect_err("503 or refused");
            (dir, error.to_string())
        }
    };

    let (_dir, error) = reach(BankTrust::BundledRoots).await;
    assert_eq!(
        seen(),
        0,
        "a public root vouched for a self-signed bank: {error}"
    );
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (_dir, error) = reach(BankTrust::Only(vec![other.cert.pem()])).await;
    assert_eq!(seen(), 0, "another certificate reached the bank: {error}");
    let (_dir, error) = reach(BankTrust::Only(vec![
        other.cert.pem(),
        certified.cert.pem(),
    ]))
    .await;
    assert!(
        seen() >= 1,
        "the bank's own certificate did not reach it: {error}"
    );

    for unusable in [
        BankTrust::Only(vec!["not a certificate".into()]),
        BankTrust::Only(vec![certified.cert.pem(), String::new()]),
        BankTrust::Only(Vec::new()),
    ] {
        let error = HttpTransport::trusting(&url, &unusable).expect_err("refused");
        assert!(
            error.to_string().contains("certificate"),
            "{unusable:?}: {error}"
        );
    }
}

/// An answer larger than allowed is an invalid answer when it is a success (the request was
/// applied: its outcome is unreadable), but a failure's body is only its reason: a 503 with a
/// huge page is still a 503, judged by its status — a card lock it answered stays queued,
/// where it had been taken as delivered.
#[tokio::test]
async fn a_huge_answer_is_judged_by_its_status() {
    use tingshuo_core::transport::{BankRequest, BankTransport, TransportError};
    use tingshuo_core::wire::routes::HttpMethod;
    let huge = || vec![b' '; 17 * 1024 * 1024];
    let bank = Router::new()
        .route(
            "/v1/ok",
            get(move || async move {
                Response::builder()
                    .status(200)
                    .body(Body::from(huge()))
                    .unwrap()
            }),
        )
        .fallback(move || async move {
            Response::builder()
                .status(503)
                .body(Body::from(huge()))
                .unwrap()
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bank).await.unwrap() });
    let transport = HttpTransport::new(&url).unwrap();
    let request = |path| BankRequest {
        method: HttpMethod::Get,
        path,
        body: None,
        bearer: None,
        idempotency_key: None,
    };
    assert_eq!(
        transport.exchange(request("/v1/ok")).await.unwrap_err(),
        TransportError::TooLarge
    );
    let failed = transport
        .exchange(request("/v1/cards/c-1/lock"))
        .await
        .unwrap();
    assert_eq!((failed.status, failed.body.len()), (503, 0));
}
