//! Every item travels by its id, from understanding through the dialogue to the bank: two
//! trusted payees with the same name are asked about, never merged, and the one the customer
//! chooses is the one the reference bank pays.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use tingshuo_core::assistant::{Assistant, AssistantOptions, Event, Turn};
use tingshuo_core::classify::{AccountNumber, C2, OneTimeCode};
use tingshuo_core::crypto::SoftwareSigner;
use tingshuo_core::model::{Payee, Relationship};
use tingshuo_core::{Client, ClientConfig, Locale, MemoryKeyStore};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{Bank, BankConfig};

/// A second payee named as the customer's daughter is, with another account.
const OTHER_ALICE: &str = "en-payee-alice-2";

#[tokio::test]
async fn two_payees_with_one_name_are_asked_about_and_the_chosen_one_is_paid() {
    let customer = DemoCustomer::MargaretWilson;
    let now = Utc::now();
    let mut snapshot = customer.snapshot(now);
    let alice = snapshot
        .payees
        .iter()
        .find(|p| p.name.reveal() == "Alice Chen")
        .unwrap()
        .clone();
    snapshot.payees.push(Payee {
        id: OTHER_ALICE.into(),
        relationship: Relationship::Other,
        account_number: C2::new(AccountNumber::new("026009593007788")),
        transfers_made: 3,
        ..alice.clone()
    });
    let bank = Bank::new(BankConfig::default()).await.unwrap();
    bank.seed(&snapshot).await.unwrap();
    let code = bank.issue_enrollment_code(customer.id()).await.unwrap();
    let bank = bank
        .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: bank.url(),
        sync: Default::default(),
    };
    let keys = MemoryKeyStore::new().unwrap();
    let (signer, _) = SoftwareSigner::generate().unwrap();
    let (client, _) = Client::open(config, &keys, Arc::new(signer)).await.unwrap();
    client
        .sync()
        .register_device(customer.id(), OneTimeCode::new(code), "test phone")
        .await
        .unwrap();
    client.sync().sync_now().await.unwrap();
    let today = now.date_naive();
    let view = client.view().current(today).await.unwrap();
    let alices: Vec<&str> = view
        .payees
        .iter()
        .filter(|p| p.item.name.reveal() == "Alice Chen")
        .map(|p| p.item.id.as_str())
        .collect();
    assert_eq!(alices, ["en-payee-alice", OTHER_ALICE], "never merged");

    let offset = chrono::FixedOffset::west_opt(5 * 3600).unwrap();
    let mut assistant = Assistant::open(client, Locale::EnUs, AssistantOptions::at(offset))
        .await
        .unwrap();
    let mut say = async |text: &str| {
        assistant
            .turn(Turn::Text(text.to_owned()))
            .await
            .unwrap()
            .into_iter()
            .filter_map(|event| match event {
                Event::Say(spoken) => Some(spoken),
                _ => None,
            })
            .collect::<Vec<_>>()
    };

    // The name fits both: the assistant asks which, telling them apart by their endings.
    let asked = say("send twenty dollars to Alice Chen").await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].id, "dlg-which-one");
    assert!(
        asked[0].display.contains("ending in 4411")
            && asked[0].display.contains("ending in 7788")
            && asked[0].display.contains("last four digits"),
        "{}",
        asked[0].display
    );

    // The customer names the second by its ending; the amount already said is kept, and the
    // read-back is of the payment as prepared for signing.
    let read_back = say("the one ending in seven seven eight eight").await;
    assert_eq!(read_back.len(), 1, "{read_back:?}");
    assert_eq!(read_back[0].id, "dlg-readback-transfer");
    assert!(
        read_back[0].display.contains("ending in 7788") && read_back[0].display.contains("$20.00"),
        "{}",
        read_back[0].display
    );
    let events = assistant.turn(Turn::Text("yes".into())).await.unwrap();
    let request = Event::step_up_requested(&events).expect("a step-up asked for");
    let events = assistant
        .turn(Turn::StepUp {
            request,
            approved: true,
        })
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Say(s) if s.id == "dlg-payment-done")),
        "{events:?}"
    );
    // And the bank paid the payee chosen, not the first of that name.
    let payments: Vec<serde_json::Value> =
        bank.bank.db.all(customer.id(), "payment").await.unwrap();
    assert_eq!(payments.len(), 1, "{payments:?}");
    let recorded = &payments[0];
    assert_eq!(recorded["target_id"], OTHER_ALICE);
    assert_eq!(recorded["amount_minor"], 2_000);
    bank.shutdown().await;
}
