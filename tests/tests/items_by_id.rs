//! Every item travels by its id, from understanding through the dialogue to the bank: two
//! trusted payees with the same name are asked about, never merged, and the one the customer
//! chooses is the one the reference bank pays.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use tingshuo_core::classify::{AccountNumber, C2, OneTimeCode};
use tingshuo_core::crypto::SoftwareSigner;
use tingshuo_core::dialogue::{Dialogue, Effect, Facts, Input, PlanTarget, ReplyArg, hear};
use tingshuo_core::model::{Payee, Relationship};
use tingshuo_core::payments::PaymentOutcome;
use tingshuo_core::understand::{Context, Said, World, answers_context, banking_context};
use tingshuo_core::{Client, ClientConfig, Locale, Localizer, MemoryKeyStore};
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
    bank.db
        .seed(&snapshot, customer.enrollment_code())
        .await
        .unwrap();
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
        .register_device(
            customer.id(),
            OneTimeCode::new(customer.enrollment_code().to_owned()),
            "test phone",
        )
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

    let locale = Locale::EnUs;
    let banking = Context::from_yaml(banking_context(locale)).unwrap();
    let answers = Context::from_yaml(answers_context(locale)).unwrap();
    let world = World::for_view(&banking, locale, today, &view);
    let mut dialogue = Dialogue::new(Facts::from_view(&view, &[], true, now));
    let l10n = Localizer::new().unwrap();
    let say = |dialogue: &mut Dialogue, text: &str| {
        let (_, heard) = hear(
            &banking,
            &answers,
            &world,
            dialogue.expecting(),
            &Said::new(locale, text),
        );
        dialogue.step(Input::Heard(heard))
    };

    // The name fits both: the assistant asks which, telling them apart by their endings.
    let effects = say(&mut dialogue, "send twenty dollars to Alice Chen");
    let Some(Effect::Say(question)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(question.id, "dlg-which-one");
    let asked = l10n.reply(locale, question).unwrap();
    assert!(
        asked.display.contains("ending in 4411")
            && asked.display.contains("ending in 7788")
            && asked.display.contains("last four digits"),
        "{}",
        asked.display
    );

    // The customer names the second by its ending; the amount already said is kept.
    let effects = say(&mut dialogue, "the one ending in seven seven eight eight");
    let Some(Effect::Say(read_back)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(read_back.id, "dlg-readback-transfer", "{effects:?}");
    assert!(
        read_back
            .args
            .contains(&("masked", ReplyArg::Masked("7788".into()))),
        "{read_back:?}"
    );
    let effects = say(&mut dialogue, "yes");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RequestStepUp(_))),
        "{effects:?}"
    );
    let effects = dialogue.step(Input::StepUpSucceeded);
    let Some(Effect::ExecutePayment(plan)) = effects.first() else {
        panic!("{effects:?}");
    };
    let PlanTarget::Payee(payee) = &plan.target else {
        panic!("{plan:?}");
    };
    assert_eq!(payee.as_str(), OTHER_ALICE);

    // The host pays that plan, by id.
    let draft = client
        .payments()
        .prepare_transfer(&plan.from_account, payee, plan.amount)
        .await
        .unwrap();
    let outcome = client.payments().confirm(&draft).await.unwrap();
    let (PaymentOutcome::Executed(paid) | PaymentOutcome::Held(paid)) = outcome else {
        panic!("{outcome:?}");
    };
    // And the bank paid the payee chosen, not the first of that name.
    let payments: Vec<serde_json::Value> =
        bank.bank.db.all(customer.id(), "payment").await.unwrap();
    let recorded = payments
        .iter()
        .find(|p| p["id"] == paid.id.as_str())
        .unwrap();
    assert_eq!(recorded["target_id"], OTHER_ALICE);
    assert_eq!(recorded["amount_minor"], 2_000);
    bank.shutdown().await;
}
