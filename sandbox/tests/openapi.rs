//! The OpenAPI document and the served routes agree, both ways.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::BTreeSet;

use tingshuo_base::wire::routes;
use tingshuo_sandbox::api::SERVED;
use tingshuo_sandbox::{BankConfig, start_demo_bank};

fn documented() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api/openapi.yaml");
    let document: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut routes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                routes.insert((method.clone(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn every_served_route_is_documented_and_the_other_way_round() {
    let as_documented = |route: &routes::Route| {
        (
            route.method.as_str().to_lowercase(),
            route.template.to_owned(),
        )
    };
    let served: BTreeSet<(String, String)> = SERVED.iter().map(as_documented).collect();
    // The bank serves exactly the table the client builds its requests from.
    let table: BTreeSet<(String, String)> = routes::ALL.iter().map(as_documented).collect();
    assert_eq!(served, table);
    let documented = documented();
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
}

#[tokio::test]
async fn every_documented_route_answers_on_a_real_server() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bank = start_demo_bank(BankConfig::default(), chrono::Utc::now())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    for (method, path) in documented() {
        let concrete = path.replace("{id}", "x").replace("{key}", "k");
        let url = format!("{}{concrete}", bank.url());
        let request = match method.as_str() {
            "get" => http.get(&url),
            "post" => http.post(&url),
            "put" => http.put(&url),
            other => panic!("unexpected method {other}"),
        };
        let response = request.body("{}").send().await.unwrap();
        let status = response.status();
        assert_ne!(
            status,
            reqwest::StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body = response.text().await.unwrap_or_default();
        assert!(
            !body.contains("no_route"),
            "{method} {path} is not served: {status} {body}"
        );
    }
    // And an undocumented route is not served.
    let response = http
        .get(format!("{}/v1/secret-admin", bank.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("no_route"));
    bank.shutdown().await;
}
