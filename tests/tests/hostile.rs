//! A hostile or broken bank: every bad answer is a clear error and the local data stays
//! exactly as it was (nothing from a bad page is applied, the cursor does not move).

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;
use tingshuo_core::crypto::SoftwareSigner;
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::{Client, ClientConfig, MemoryKeyStore};
use tingshuo_sandbox::seed::DemoCustomer;

fn answer(bytes: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(bytes.into()))
        .unwrap()
}

async fn changes(State(next): State<Arc<Mutex<Option<Response<Body>>>>>) -> Response {
    next.lock().unwrap().take().unwrap_or_else(|| answer("{}"))
}

fn page(patches: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"patches": patches, "cursor": "c2", "has_more": false, "server_time": Utc::now()}),
    )
    .unwrap()
}

fn account(overrides: serde_json::Value) -> serde_json::Value {
    let mut data = json!({"id": "zh-pension", "kind": "current", "name": "养老金账户", "currency": "CNY",
        "number": "6217000010012346217", "available_minor": 1, "booked_minor": 1, "matures_on": null, "position": 0});
    for (k, v) in overrides.as_object().unwrap() {
        data[k] = v.clone();
    }
    json!({"kind": "account", "id": "zh-pension", "op": "put", "data": data})
}

#[tokio::test]
async fn bad_answers_are_clear_errors_and_change_nothing() {
    let next: Arc<Mutex<Option<Response<Body>>>> = Arc::new(Mutex::new(None));
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

    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("c.db"),
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
    let store = client.store();
    store
        .save_snapshot(&DemoCustomer::WangXiuying.snapshot(Utc::now()))
        .await
        .unwrap();
    store.set_sync_value("device_id", "dev-1").await.unwrap();
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
        account(json!({"kind": "offshore"}))
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
            "unknown enum value",
            page(json!([account(json!({"kind": "offshore"}))])),
        ),
        (
            "unknown currency",
            page(json!([account(json!({"currency": "DOGE"}))])),
        ),
        (
            "unknown patch kind",
            page(json!([{"kind": "yacht", "id": "y", "op": "put", "data": {}}])),
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
            "a card of an account never sent",
            page(
                json!([{"kind": "card", "id": "c9", "op": "put", "data": {"id": "c9", "account_id": "nowhere", "kind": "debit", "name": "卡", "number": "6217000010019999", "status": "active"}}]),
            ),
        ),
        (
            "patch id differs from its data",
            page(
                json!([{"kind": "account", "id": "zh-deposit", "op": "put", "data": account(json!({}))["data"]}]),
            ),
        ),
    ];
    for (name, body) in cases {
        *next.lock().unwrap() = Some(answer(body));
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
    *next.lock().unwrap() = Some(answer(page(json!([account(
        json!({"available_minor": 4242})
    )]))));
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
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("c.db"),
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
    let store = client.store();
    store
        .save_snapshot(&DemoCustomer::WangXiuying.snapshot(Utc::now()))
        .await
        .unwrap();
    store.set_sync_value("device_id", "dev-1").await.unwrap();
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
