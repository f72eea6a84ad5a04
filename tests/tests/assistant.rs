//! The assistant session against the reference bank, with its faults: what it says about money
//! and cards is checked against what the bank did.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use chrono::{Datelike, FixedOffset, Utc};
use std::sync::Arc;
use tingshuo_core::assistant::{
    Assistant, AssistantError, AssistantOptions, Consent, Event, Purpose, Spoken, Turn,
};
use tingshuo_core::understand::{ItemRef, SlotValue};
use tingshuo_core::{Client, Locale};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, FaultPlan, FaultRule, RunningBank, start_demo_bank};

use tingshuo_core::crypto::SignerError;
use tingshuo_tests::{
    PaymentSigningFails, registered_client, registered_client_signing_with, said,
};

/// One typed turn.
async fn tell(assistant: &mut Assistant, text: &str) -> Vec<Event> {
    assistant.turn(Turn::Text(text.into())).await.unwrap()
}

/// The host's step-up result, answering the request the assistant waits on (0, never
/// asked, when it waits on none).
async fn step_up(assistant: &mut Assistant, approved: bool) -> Vec<Event> {
    let request = assistant.step_up_awaited().unwrap_or_default();
    assistant
        .turn(Turn::StepUp { request, approved })
        .await
        .unwrap()
}

/// The bank has no payment from the English customer.
async fn assert_nothing_paid(bank: &RunningBank) {
    let made = payments(bank, DemoCustomer::MargaretWilson).await;
    assert!(made.is_empty(), "{made:?}");
}

/// Payments the bank has for the customer.
async fn payments(bank: &RunningBank, customer: DemoCustomer) -> Vec<serde_json::Value> {
    bank.bank.db.all(customer.id(), "payment").await.unwrap()
}

/// Faults on exactly one route: the first matching rule applies, so the routes that share its
/// prefix are let through untouched first.
fn faults_on(method: &str, path: &str, spared: &[&str], rule: FaultRule) -> FaultPlan {
    let mut rules: Vec<FaultRule> = spared
        .iter()
        .map(|spared| FaultRule {
            path_prefix: (*spared).to_owned(),
            ..FaultRule::default()
        })
        .collect();
    rules.push(FaultRule {
        method: Some(method.to_owned()),
        path_prefix: path.to_owned(),
        ..rule
    });
    FaultPlan { seed: 7, rules }
}

/// The customer's credit cards the bank has locked.
async fn locked_credit_cards(bank: &RunningBank) -> usize {
    bank.bank
        .db
        .all::<serde_json::Value>(DemoCustomer::MargaretWilson.id(), "card")
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c["kind"] == "credit" && c["status"] == "locked")
        .count()
}

/// An amount as the English screen shows dollars: "$1,234.56".
fn dollars(minor: i64) -> String {
    let whole = minor / 100;
    let grouped = if whole >= 1000 {
        format!("{},{:03}", whole / 1000, whole % 1000)
    } else {
        whole.to_string()
    };
    format!("${grouped}.{:02}", minor % 100)
}

/// The demo bank with this configuration, and an assistant for its English customer.
async fn session(config: BankConfig) -> (RunningBank, Assistant, tempfile::TempDir) {
    let bank = start_demo_bank(config, Utc::now()).await.unwrap();
    let (assistant, dir) = assistant_for(&bank).await;
    (bank, assistant, dir)
}

async fn assistant_for(bank: &RunningBank) -> (Assistant, tempfile::TempDir) {
    let (client, dir) = client_for(bank).await;
    (another_session(&client).await, dir)
}

/// The demo bank, the English customer's client on it, and a first conversation over that
/// client (for tests that open another session on the same client later).
async fn bank_client_and_session() -> (RunningBank, Client, Assistant, tempfile::TempDir) {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let (client, dir) = client_for(&bank).await;
    let assistant = another_session(&client).await;
    (bank, client, assistant, dir)
}

/// The English customer's client, registered and synced.
async fn client_for(bank: &RunningBank) -> (Client, tempfile::TempDir) {
    let customer = DemoCustomer::MargaretWilson;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    registered_client(&bank.url(), customer, code).await
}

/// A conversation over the client (the app opens one per screen, and again after a restart).
async fn another_session(client: &Client) -> Assistant {
    let offset = FixedOffset::west_opt(5 * 3600).unwrap();
    Assistant::open(client.clone(), Locale::EnUs, AssistantOptions::at(offset))
        .await
        .unwrap()
}

/// Says a transfer to Bob, confirms it and approves the step-up; returns what came after the
/// step-up.
async fn send_to_bob(assistant: &mut Assistant) -> Vec<Event> {
    let events = tell(assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    // A debug print of the conversation holds nothing of hers (C2: the payee, the amount).
    let printed = format!("{assistant:?}");
    assert!(
        ["Bob", "Wilson", "twenty", "20.00", "2000"]
            .iter()
            .all(|word| !printed.contains(word)),
        "{printed}"
    );
    let events = tell(assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    step_up(assistant, true).await
}

/// A payment the phone can no longer sign is said as not sent because the phone must be
/// registered again: never as a step-up she cancelled, and no money moves.
#[tokio::test]
async fn a_payment_key_gone_is_said_as_needing_the_phone_registered_again() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::MargaretWilson;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    // The platform invalidated the payment key (a fingerprint added); logins still sign.
    let signer = PaymentSigningFails::with(SignerError::KeyLost);
    let (client, _dir) =
        registered_client_signing_with(&bank.url(), customer, code, Arc::new(signer)).await;
    let mut assistant = another_session(&client).await;
    let events = send_to_bob(&mut assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-refused"],
        "{events:?}"
    );
    let Some(Event::Say(refused)) = events.get(1) else {
        panic!("{events:?}")
    };
    assert!(
        refused.display.contains("registered with the bank again"),
        "{refused:?}"
    );
    assert!(payments(&bank, customer).await.is_empty());
    bank.shutdown().await;
}

#[tokio::test]
async fn a_payment_whose_answer_was_lost_is_checked_then_told_as_the_bank_made_it() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    // The bank makes the payment, then the connection dies before its answer; asking by key
    // fails too, for now.
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-checking"],
        "never 'not sent' for an answer that never came: {events:?}"
    );
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 1);
    // The same payment again is held back while the first is unresolved.
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-payment-unresolved"], "{events:?}");
    // The bank answers again: the next turn tells what it did, once.
    bank.bank.faults.set_plan(FaultPlan::none());
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-payment-done", "dlg-balance"],
        "{events:?}"
    );
    assert_eq!(
        payments(&bank, DemoCustomer::MargaretWilson).await.len(),
        1,
        "exactly one payment"
    );
    bank.shutdown().await;
}

/// A card lock never waits behind a payment being checked: the payments route failing does
/// not keep the lock from the bank, nor make her hear that the bank cannot be reached.
#[tokio::test]
async fn a_card_is_locked_while_a_payment_is_still_being_checked() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-checking"],
        "{events:?}"
    );
    let events = tell(&mut assistant, "lock my credit card").await;
    assert_eq!(locked_credit_cards(&bank).await, 1, "{events:?}");
    assert!(said(&events).contains(&"dlg-card-locked"), "{events:?}");
    bank.shutdown().await;
}

#[tokio::test]
async fn a_new_session_goes_on_checking_the_payment_an_earlier_one_sent() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut first).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-checking"],
        "{events:?}"
    );
    drop(first);
    // The app restarted: the new session knows from the store what is still being checked.
    let mut second = another_session(&client).await;
    let events = tell(&mut second, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-payment-unresolved"], "{events:?}");
    let events = tell(&mut second, "cancel").await;
    assert_eq!(
        said(&events),
        ["dlg-payment-still-checking"],
        "never 'cancelled' for money that may have gone: {events:?}"
    );
    bank.bank.faults.set_plan(FaultPlan::none());
    let events = tell(&mut second, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-payment-done", "dlg-balance"],
        "{events:?}"
    );
    let Event::Say(done) = &events[0] else {
        panic!("{events:?}")
    };
    assert!(
        done.display.contains("Bob Wilson") && done.display.contains("$20.00"),
        "the payment told is the one sent: {done:?}"
    );
    assert_eq!(
        payments(&bank, DemoCustomer::MargaretWilson).await.len(),
        1,
        "exactly one payment"
    );
    bank.shutdown().await;
}

/// A payment sent in `first` whose answer was lost (`sending`, what it said); the app is killed,
/// starts again and syncs before the next conversation opens. That conversation's first turn
/// tells the outcome: the next conversation, and what it said.
async fn told_after_a_restart(
    bank: &RunningBank,
    client: &Client,
    first: Assistant,
    sending: &[Event],
) -> (Assistant, Spoken) {
    assert_eq!(
        said(sending),
        ["dlg-sending", "dlg-payment-checking"],
        "{sending:?}"
    );
    drop(first);
    bank.bank.faults.set_plan(FaultPlan::none());
    client.sync().sync_now().await.unwrap();
    let mut second = another_session(client).await;
    let events = tell(&mut second, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-payment-done", "dlg-balance"],
        "{events:?}"
    );
    let Some(Event::Say(done)) = events.into_iter().next() else {
        panic!()
    };
    (second, done)
}

/// The app was killed while a payment's answer was awaited, and its next start synced before
/// any conversation opened: the bank's answer is told in the next conversation, once (else
/// she might pay again, believing the first never went).
#[tokio::test]
async fn a_payment_outcome_found_while_no_conversation_was_open_is_told_in_the_next_once() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut first).await;
    let (mut second, done) = told_after_a_restart(&bank, &client, first, &events).await;
    assert!(
        done.display.contains("Bob Wilson") && done.display.contains("$20.00"),
        "{done:?}"
    );
    // Told once: not again in the same conversation, nor in the next one.
    assert_eq!(
        said(&tell(&mut second, "what's my balance").await),
        ["dlg-balance"]
    );
    drop(second);
    let mut third = another_session(&client).await;
    assert_eq!(
        said(&tell(&mut third, "what's my balance").await),
        ["dlg-balance"]
    );
    // A payment told in its own conversation is not told again in the next.
    let events = send_to_bob(&mut third).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-done"],
        "{events:?}"
    );
    drop(third);
    let mut fourth = another_session(&client).await;
    assert_eq!(
        said(&tell(&mut fourth, "what's my balance").await),
        ["dlg-balance"]
    );
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 2);
    bank.shutdown().await;
}

/// A bill paid while its answer was lost is no longer due once the bank's answer is found:
/// the next conversation still tells her it was paid, by the biller's name and amount (else
/// she might pay it again, believing the first never went).
#[tokio::test]
async fn a_bill_paid_while_no_conversation_was_open_is_told_though_no_longer_due() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    let events = tell(&mut first, "pay the electric bill").await;
    assert_eq!(said(&events), ["dlg-readback-bill"], "{events:?}");
    let Event::Say(read_back) = &events[0] else {
        panic!()
    };
    let read_back = read_back.display.clone();
    tell(&mut first, "yes").await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = step_up(&mut first, true).await;
    let (_second, done) = told_after_a_restart(&bank, &client, first, &events).await;
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    let amount = dollars(paid[0]["amount_minor"].as_i64().unwrap());
    assert!(
        done.display.contains(&amount) && read_back.contains(&amount),
        "told {done:?}, read back {read_back}"
    );
    let biller = read_back.split(',').next().unwrap_or_default();
    assert!(
        ["Electric", "electric", "Power", "power"]
            .iter()
            .any(|word| done.display.contains(word)),
        "the biller is named: {done:?} (read back {biller})"
    );
    bank.shutdown().await;
}

/// A payment whose answer was lost, its payee removed before the next conversation: the
/// outcome is still told, by its amount, without a name.
#[tokio::test]
async fn a_payment_to_a_payee_since_removed_is_still_told() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut first).await;
    let customer = DemoCustomer::MargaretWilson.id();
    let payees: Vec<serde_json::Value> = bank.bank.db.all(customer, "payee").await.unwrap();
    let bob = payees
        .into_iter()
        .find(|payee| payee["name"] == "Bob Wilson")
        .unwrap();
    let mut tx = bank.bank.db.pool.begin().await.unwrap();
    tingshuo_sandbox::db::delete(&mut tx, customer, "payee", bob["id"].as_str().unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_second, done) = told_after_a_restart(&bank, &client, first, &events).await;
    assert!(
        done.display.contains("$20.00") && done.display.contains("the person you chose"),
        "{done:?}"
    );
    bank.shutdown().await;
}

/// A payment whose answer was lost and found at once by its key is told in its own turn, and
/// never again in the next conversation (she would think a second payment was made).
#[tokio::test]
async fn a_payment_told_in_its_own_turn_is_not_told_again_in_the_next_conversation() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    // Only the payment's own answer is lost; asking by its key works.
    bank.bank.faults.set_plan(faults_on(
        "POST",
        "/v1/payments",
        &["/v1/payments/challenge"],
        FaultRule {
            reset_after_commit_per_mille: 1000,
            ..FaultRule::default()
        },
    ));
    let events = send_to_bob(&mut first).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");
    drop(first);
    bank.bank.faults.set_plan(FaultPlan::none());
    let mut second = another_session(&client).await;
    assert_eq!(
        said(&tell(&mut second, "what's my balance").await),
        ["dlg-balance"]
    );
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 1);
    bank.shutdown().await;
}

#[tokio::test]
async fn the_speech_rate_asked_for_is_where_the_next_conversation_starts_on_any_device() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    assert_eq!(first.speech_rate(), 100);
    tell(&mut first, "slower please").await;
    let events = tell(&mut first, "slower please").await;
    assert!(events.contains(&Event::SpeechRate(70)), "{events:?}");
    drop(first);
    // Kept on this device before the bank has it (it goes with the next sync round)…
    assert_eq!(another_session(&client).await.speech_rate(), 70);
    // …and by the bank, for every channel, once the app syncs.
    client.sync().sync_now().await.unwrap();
    let kept: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(DemoCustomer::MargaretWilson.id(), "preferences")
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["speech_rate"], 70, "{kept:?}");
    assert_eq!(another_session(&client).await.speech_rate(), 70);
    // Another of the customer's devices starts there as well.
    let (other_device, _other_dir) = client_for(&bank).await;
    assert_eq!(another_session(&other_device).await.speech_rate(), 70);
    bank.shutdown().await;
}

#[tokio::test]
async fn a_payment_the_bank_never_received_is_said_as_not_sent() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"]);
    tell(&mut assistant, "yes").await;
    // The bank goes away between the confirmation and the step-up.
    let url = bank.url();
    bank.shutdown().await;
    let events = step_up(&mut assistant, true).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-not-sent"],
        "offline is not 'refused': {events:?}"
    );
    assert!(!url.is_empty());
}

/// A lock sent without the bank's answer (the connection died after the request went out:
/// the bank may have it) is said as unconfirmed, never as "can't reach the bank"; a lock that
/// could not be sent at all (the bank is down) is said as queued; each is sent again and said
/// done once the bank confirms, and the bank's own state is what was said.
#[tokio::test]
async fn a_lock_without_the_banks_answer_is_said_as_unconfirmed_or_queued_then_delivered() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    lock_credit_card_unconfirmed(&bank, &mut assistant).await;
    assert_eq!(
        locked_credit_cards(&bank).await,
        0,
        "the bank has not locked it"
    );
    // Meanwhile, for a card that is lost: the word she is told to say puts her through to a
    // person at once.
    let events = tell(&mut assistant, "agent").await;
    assert!(events.contains(&Event::HandOff), "{events:?}");
    // Once the bank answers, the lock asked for again is sent and confirmed.
    bank.bank.faults.set_plan(FaultPlan::none());
    let events = tell(&mut assistant, "lock my credit card").await;
    assert_eq!(said(&events), ["dlg-card-locked"], "{events:?}");
    assert_eq!(locked_credit_cards(&bank).await, 1);

    // The bank down altogether: nothing can be sent, and that is what is said.
    let (state, addr) = (bank.bank.clone(), bank.addr);
    bank.shutdown().await;
    let events = tell(&mut assistant, "lock my debit card").await;
    assert_eq!(said(&events), ["dlg-card-lock-queued"], "{events:?}");
    let bank = state.serve(addr).await.unwrap();
    assert_eq!(card_status(&bank, "debit").await, "active");
    let events = tell(&mut assistant, "lock my debit card").await;
    assert_eq!(said(&events), ["dlg-card-locked"], "{events:?}");
    assert_eq!(card_status(&bank, "debit").await, "locked");
    bank.shutdown().await;
}

/// Every request to lock or unlock a card dies before the bank handles it.
fn card_requests_die() -> FaultPlan {
    faults_on(
        "POST",
        "/v1/cards/",
        &[],
        FaultRule {
            reset_before_commit_per_mille: 1000,
            ..FaultRule::default()
        },
    )
}

/// She asks for her credit card locked while no request reaches the bank: said unconfirmed.
async fn lock_credit_card_unconfirmed(bank: &RunningBank, assistant: &mut Assistant) {
    bank.bank.faults.set_plan(card_requests_die());
    let events = tell(assistant, "lock my credit card").await;
    assert_eq!(said(&events), ["dlg-card-lock-unconfirmed"], "{events:?}");
    let Some(Event::Say(reply)) = events.first() else {
        panic!("{events:?}")
    };
    assert!(reply.display.contains("say agent"), "{}", reply.display);
}

/// A lock said as unconfirmed ("I'll tell you when it's confirmed") is told as locked at the
/// start of her next turn once the bank has confirmed it, and only then.
#[tokio::test]
async fn a_lock_said_as_unconfirmed_is_told_once_the_bank_confirms_it() {
    let (bank, client, mut assistant, _dir) = bank_client_and_session().await;
    lock_credit_card_unconfirmed(&bank, &mut assistant).await;
    // Not yet: nothing more is said about it.
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(said(&events), ["dlg-balance"], "{events:?}");
    // The bank answers again and the app's background sync delivers the lock.
    bank.bank.faults.set_plan(FaultPlan::none());
    client.sync().sync_now().await.unwrap();
    assert_eq!(locked_credit_cards(&bank).await, 1);
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-card-locked", "dlg-balance"],
        "{events:?}"
    );
    // Told once.
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(said(&events), ["dlg-balance"], "{events:?}");
    bank.shutdown().await;
}

/// A lock said as unconfirmed whose answer came after the app closed is told in the next
/// conversation, once: she was promised to hear it, and may be relying on the card being
/// locked.
#[tokio::test]
async fn a_lock_confirmed_after_the_app_closed_is_told_in_the_next_conversation_once() {
    let (bank, client, mut first, _dir) = bank_client_and_session().await;
    lock_credit_card_unconfirmed(&bank, &mut first).await;
    drop(first);
    bank.bank.faults.set_plan(FaultPlan::none());
    client.sync().sync_now().await.unwrap();
    assert_eq!(locked_credit_cards(&bank).await, 1);
    let mut second = another_session(&client).await;
    let events = tell(&mut second, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-card-locked", "dlg-balance"],
        "{events:?}"
    );
    drop(second);
    let mut third = another_session(&client).await;
    let events = tell(&mut third, "what's my balance").await;
    assert_eq!(said(&events), ["dlg-balance"], "{events:?}");
    bank.shutdown().await;
}

/// The payee's account changes at the bank between the read-back and her yes (a sync in the
/// background brings it): what she confirmed is no longer what the bank would pay, so nothing
/// is sent, and she hears why.
#[tokio::test]
async fn a_payee_changed_after_the_read_back_is_not_paid_on_the_old_yes() {
    // The new account ends in the same four digits as the old: the read-back would have sounded
    // the same, and still it is not what she confirmed.
    for (new_number, ending) in [
        ("021000021999988887777", "7777"),
        ("999999999007789", "7789"),
    ] {
        a_payee_changed_to(new_number, ending).await;
    }
}

async fn a_payee_changed_to(new_number: &str, ending: &str) {
    let (bank, client, mut assistant, _dir) = bank_client_and_session().await;
    let customer = DemoCustomer::MargaretWilson.id();
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    let payees: Vec<serde_json::Value> = bank.bank.db.all(customer, "payee").await.unwrap();
    let mut bob = payees
        .into_iter()
        .find(|payee| payee["name"] == "Bob Wilson")
        .unwrap();
    bob["account_number"] = serde_json::json!(new_number);
    let id = bob["id"].as_str().unwrap().to_owned();
    bank.bank
        .db
        .put_document(customer, "payee", &id, &bob)
        .await
        .unwrap();
    client.sync().sync_now().await.unwrap();
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    let events = step_up(&mut assistant, true).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-refused"],
        "{events:?}"
    );
    assert_nothing_paid(&bank).await;
    // Asked again, it is read back as the bank now has it.
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    let Some(Event::Say(read_back)) = events.first() else {
        panic!("{events:?}")
    };
    assert!(read_back.display.contains(ending), "{read_back:?}");
    bank.shutdown().await;
}

/// The status the bank gives the customer's only payment.
async fn payment_status(bank: &RunningBank) -> String {
    let payments = payments(bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    payments[0]["status"].as_str().unwrap().to_owned()
}

/// Sends Bob Wilson $20, which a holding bank holds.
async fn held_to_bob(assistant: &mut Assistant) {
    let events = send_to_bob(assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-held"],
        "{events:?}"
    );
}

/// A bank that holds every transfer of $10 or more for `hold`.
async fn holding_bank(hold: std::time::Duration) -> RunningBank {
    let config = BankConfig {
        risky_threshold: [("USD".to_owned(), 1_000)].into(),
        hold,
        ..BankConfig::default()
    };
    start_demo_bank(config, Utc::now()).await.unwrap()
}

/// A bank holding every payment for ten minutes (the MIIT correction window for every
/// financial submission, the harness's "hold" condition).
async fn holding_every_payment() -> RunningBank {
    let config = BankConfig {
        risky_threshold: [("USD".to_owned(), 1)].into(),
        hold: std::time::Duration::from_secs(600),
        ..BankConfig::default()
    };
    start_demo_bank(config, Utc::now()).await.unwrap()
}

/// Pays the electric bill (read back, yes, step-up), which the bank holds.
async fn electric_bill_held(assistant: &mut Assistant) {
    tell(assistant, "pay the electric bill").await;
    tell(assistant, "yes").await;
    let events = step_up(assistant, true).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-held"],
        "{events:?}"
    );
}

/// A bank that holds every payment holds a bill too: she is told she can cancel,
/// her "cancel" stops it at the bank, the bill stays due and the money in her account; while
/// held, the bill is not paid a second time.
#[tokio::test]
async fn a_bill_held_for_its_correction_window_is_cancelled_and_stays_due() {
    let bank = holding_every_payment().await;
    let (client, _dir) = client_for(&bank).await;
    let mut assistant = another_session(&client).await;
    let customer = DemoCustomer::MargaretWilson;
    let electric_due = |bills: &[serde_json::Value]| {
        bills
            .iter()
            .filter(|bill| bill["biller_id"] == "en-biller-electric")
            .any(|bill| bill["status"] == "due")
    };
    let bills = bank.bank.db.all(customer.id(), "bill").await.unwrap();
    assert!(electric_due(&bills), "{bills:?}");
    let available = |accounts: Vec<serde_json::Value>| {
        accounts
            .iter()
            .map(|a| a["available_minor"].as_i64().unwrap())
            .sum::<i64>()
    };
    let before = available(bank.bank.db.all(customer.id(), "account").await.unwrap());

    electric_bill_held(&mut assistant).await;
    assert_eq!(payment_status(&bank).await, "held");
    // Asked again during the hold (the bill still shows as due): she is told it is paid and
    // how to stop it, and the bank has one payment.
    let again = tell(&mut assistant, "pay the electric bill").await;
    assert_eq!(said(&again), ["dlg-bill-held-already"], "{again:?}");
    assert_eq!(payments(&bank, customer).await.len(), 1);
    // Nor does the bank take it from an app that asks it straight (its own bill screen).
    let payments_client = client.payments();
    let draft = payments_client
        .prepare_bill(
            &tingshuo_core::ids::Id::new("en-checking"),
            &tingshuo_core::ids::Id::new("en-bill-electric"),
        )
        .await
        .unwrap();
    let second = payments_client.confirm(draft).await.unwrap();
    assert!(
        matches!(&second, tingshuo_core::payments::PaymentOutcome::Refused { code } if code == "bill_mismatch"),
        "{second:?}"
    );
    assert_eq!(payments(&bank, customer).await.len(), 1);

    // Told to say cancel to stop it, she does: the bank stops it.
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "cancelled");
    let bills = bank.bank.db.all(customer.id(), "bill").await.unwrap();
    assert!(electric_due(&bills), "{bills:?}");
    let after = available(bank.bank.db.all(customer.id(), "account").await.unwrap());
    assert_eq!(after, before);
    bank.shutdown().await;
}

/// At a bank holding every payment, a bill paid and held, then a transfer (the payment made
/// last now): asked to pay the bill again, she is told it is paid, by the bank's own record
/// of the held payment, and the bank has no second payment of it.
#[tokio::test]
async fn a_held_bill_is_not_paid_again_after_another_payment() {
    let bank = holding_every_payment().await;
    let (mut assistant, _dir) = assistant_for(&bank).await;
    electric_bill_held(&mut assistant).await;
    held_to_bob(&mut assistant).await;
    let events = tell(&mut assistant, "pay the electric bill").await;
    assert_eq!(said(&events), ["dlg-bill-paid-already"], "{events:?}");
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(
        paid.iter().filter(|p| p["kind"] == "bill").count(),
        1,
        "{paid:?}"
    );
    bank.shutdown().await;
}

#[tokio::test]
async fn a_held_payment_is_cancelled_by_voice_and_said_cancelled_only_when_the_bank_did() {
    let bank = holding_bank(std::time::Duration::from_secs(600)).await;
    let (mut assistant, _dir) = assistant_for(&bank).await;
    held_to_bob(&mut assistant).await;
    assert_eq!(payment_status(&bank).await, "held");
    // Other things in between: the payment can still be cancelled within its hold.
    tell(&mut assistant, "what's my balance").await;
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "cancelled");
    bank.shutdown().await;
}

/// After another payment was begun and called off, a second "cancel" — said again, as people
/// do — does not stop the earlier payment the bank holds unasked: she is asked first, and only
/// her yes stops it.
#[tokio::test]
async fn a_cancel_said_again_after_another_payment_asks_before_stopping_a_held_one() {
    let bank = holding_bank(std::time::Duration::from_secs(600)).await;
    let (mut assistant, _dir) = assistant_for(&bank).await;
    held_to_bob(&mut assistant).await;
    let events = tell(&mut assistant, "send thirty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-cancelled-payment"], "{events:?}");
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-confirm-cancel-held"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "held");
    let events = tell(&mut assistant, "no").await;
    assert_eq!(said(&events), ["dlg-cancel-held-kept"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "held");
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-confirm-cancel-held"], "{events:?}");
    let events = tell(&mut assistant, "yes").await;
    assert_eq!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "cancelled");
    bank.shutdown().await;
}

/// A held payment already cancelled in another channel (the app's own screen, phone banking)
/// is refused by the bank when she says "cancel" — and is told as cancelled, the money kept,
/// which it is: never "the bank couldn't cancel it", never later "it has already been made".
#[tokio::test]
async fn a_held_payment_cancelled_elsewhere_is_told_as_cancelled_not_as_made() {
    let bank = holding_bank(std::time::Duration::from_secs(600)).await;
    let (client, _dir) = client_for(&bank).await;
    let mut assistant = another_session(&client).await;
    held_to_bob(&mut assistant).await;
    let payment = payments(&bank, DemoCustomer::MargaretWilson).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(matches!(
        client.payments().cancel(&payment).await.unwrap(),
        tingshuo_core::payments::PaymentOutcome::Cancelled(_)
    ));
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-nothing-to-cancel"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "cancelled");
    bank.shutdown().await;
}

#[tokio::test]
async fn a_payment_held_when_an_earlier_session_ended_is_cancelled_by_voice_in_the_next() {
    let bank = holding_bank(std::time::Duration::from_secs(600)).await;
    let (client, _dir) = client_for(&bank).await;
    let mut first = another_session(&client).await;
    held_to_bob(&mut first).await;
    drop(first);
    // Another of the customer's devices does not call it off: "cancel" there is not about
    // a payment it never made.
    let (other_device, _other_dir) = client_for(&bank).await;
    let events = tell(&mut another_session(&other_device).await, "cancel").await;
    assert_eq!(said(&events), ["dlg-nothing-to-cancel"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "held");
    let mut second = another_session(&client).await;
    let events = tell(&mut second, "cancel").await;
    assert_eq!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "cancelled");
    // Nothing is left to cancel, and "cancel" says so rather than "cancelled".
    let events = tell(&mut second, "cancel").await;
    assert_eq!(said(&events), ["dlg-nothing-to-cancel"], "{events:?}");
    bank.shutdown().await;
}

#[tokio::test]
async fn the_hold_said_is_the_one_the_bank_set() {
    for minutes in [10_u64, 25] {
        let bank = holding_bank(std::time::Duration::from_secs(minutes * 60)).await;
        let (mut assistant, _dir) = assistant_for(&bank).await;
        let events = send_to_bob(&mut assistant).await;
        let Some(Event::Say(held)) = events.last() else {
            panic!("{events:?}")
        };
        assert_eq!(held.id, "dlg-payment-held", "{events:?}");
        // Whole minutes left, rounded down: never time to cancel that is not there.
        assert!(
            [minutes - 1, minutes]
                .iter()
                .any(|left| held.display.contains(&format!("waits {left} more minutes"))),
            "{held:?}"
        );
        bank.shutdown().await;
    }
}

/// A payment being checked that the bank held, its answer found by a sync between turns and
/// its hold over before the next turn, is told as gone: never as held with time to cancel.
#[tokio::test]
async fn a_payment_checked_after_its_hold_ended_is_told_as_gone() {
    let bank = holding_bank(std::time::Duration::from_secs(1)).await;
    let (client, _dir) = client_for(&bank).await;
    let mut assistant = another_session(&client).await;
    bank.bank.faults.set_plan(FaultPlan::lost_payment_answers());
    let events = send_to_bob(&mut assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-checking"],
        "{events:?}"
    );
    // The app's background sync finds the bank's answer (held), then the hold ends.
    bank.bank.faults.set_plan(FaultPlan::none());
    client.sync().sync_now().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(
        said(&events),
        ["dlg-payment-done", "dlg-balance"],
        "{events:?}"
    );
    let events = tell(&mut assistant, "cancel").await;
    assert_ne!(said(&events), ["dlg-payment-cancelled"], "{events:?}");
    bank.shutdown().await;
}

#[tokio::test]
async fn a_payment_past_its_hold_is_not_said_cancelled() {
    let bank = holding_bank(std::time::Duration::from_millis(50)).await;
    let (mut assistant, _dir) = assistant_for(&bank).await;
    held_to_bob(&mut assistant).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-cancel-refused"], "{events:?}");
    assert_eq!(payment_status(&bank).await, "executed");
    bank.shutdown().await;
}

#[tokio::test]
async fn a_payment_made_is_never_said_cancelled() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = send_to_bob(&mut assistant).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-done"],
        "{events:?}"
    );
    // However she says it: the verb of undoing and the payment it undoes.
    for asked in [
        "cancel",
        "cancel that payment",
        "can I undo the transfer I just made",
    ] {
        let events = tell(&mut assistant, asked).await;
        assert_eq!(
            said(&events),
            ["dlg-cannot-cancel-sent"],
            "{asked}: {events:?}"
        );
    }
    assert_eq!(payment_status(&bank).await, "executed");
    bank.shutdown().await;
}

/// Another biller named at a bill's read-back ("不对，交水费") is read back at its own bill's
/// amount: the first bill's amount, which she never said, is not carried over and refused as
/// what she "asked" to pay.
#[tokio::test]
async fn another_biller_named_at_a_read_back_is_read_back_at_its_own_amount() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    let (client, _dir) = registered_client(&bank.url(), customer, code).await;
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
    let mut assistant = Assistant::open(client, Locale::ZhCn, AssistantOptions::at(beijing))
        .await
        .unwrap();
    let events = tell(&mut assistant, "交电费").await;
    assert_eq!(said(&events), ["dlg-readback-bill"], "{events:?}");
    for changed in ["交水费", "不对，是手机费"] {
        let events = tell(&mut assistant, changed).await;
        assert_eq!(
            said(&events),
            ["dlg-readback-bill"],
            "{changed}: {events:?}"
        );
    }
    let Some(Event::Say(read_back)) = tell(&mut assistant, "再说一遍").await.into_iter().next()
    else {
        panic!()
    };
    assert!(read_back.display.contains("58.00"), "{read_back:?}");
    bank.shutdown().await;
}

#[tokio::test]
async fn a_bill_read_back_at_its_whole_amount_is_what_the_bank_pays() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    // The customer names an amount the biller does not take: the whole bill is said plainly
    // and read back.
    let events = tell(&mut assistant, "pay the electric bill, ten dollars").await;
    assert_eq!(
        said(&events),
        ["dlg-bill-full-amount-only", "dlg-readback-bill"],
        "{events:?}"
    );
    let Event::Say(read_back) = &events[1] else {
        panic!()
    };
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    let events = step_up(&mut assistant, true).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-done"],
        "{events:?}"
    );
    // What the bank paid is what was read back.
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(paid.len(), 1);
    let minor = paid[0]["amount_minor"].as_i64().unwrap();
    let shown = dollars(minor);
    assert!(
        read_back.display.contains(&shown) && minor != 1_000,
        "read back {:?}, paid {shown}",
        read_back.display
    );
    bank.shutdown().await;
}

/// The bank's daily limit reaches the conversation: once today's payments have used part of
/// it, a larger amount is answered with what is left, before any read-back or step-up, and
/// an amount within it is read back and paid; the bank agrees at each step.
#[tokio::test]
async fn the_daily_limit_left_today_is_said_before_any_read_back() {
    let config = BankConfig {
        daily_limits: std::collections::BTreeMap::from([("USD".into(), 5_000)]),
        ..BankConfig::default()
    };
    let (bank, mut assistant, _dir) = session(config).await;
    let events = send_to_bob(&mut assistant).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");

    let events = tell(&mut assistant, "send forty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-over-limit-left"], "{events:?}");
    let Event::Say(over) = &events[0] else {
        panic!()
    };
    assert!(
        over.display.contains(&dollars(3_000)) && over.display.contains(&dollars(5_000)),
        "{}",
        over.display
    );
    assert!(Event::step_up_requested(&events).is_none());
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 1);

    let events = tell(&mut assistant, "twenty dollars").await;
    assert!(
        said(&events).contains(&"dlg-readback-transfer"),
        "{events:?}"
    );
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 2);
    bank.shutdown().await;
}

#[tokio::test]
async fn a_corrected_amount_is_read_back_and_paid_never_the_first_one() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    for (text, expected) in [
        ("send fifty dollars to Bob Wilson", "dlg-readback-transfer"),
        ("no, I said sixty", "dlg-readback-transfer"),
    ] {
        let events = assistant.turn(Turn::Text(text.into())).await.unwrap();
        assert_eq!(said(&events), [expected], "{text}: {events:?}");
        if text.contains("sixty") {
            let Event::Say(read_back) = &events[0] else {
                panic!()
            };
            assert!(
                read_back.display.contains("$60.00"),
                "{}",
                read_back.display
            );
        }
    }
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    step_up(&mut assistant, true).await;
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["amount_minor"], 6_000, "the corrected amount, once");
    bank.shutdown().await;
}

/// A phone revoked mid-conversation: the sync that hears it deletes her data, and the open
/// conversation keeps nothing of her either. Its next turn fails as unregistered; registered
/// again, her "yes" to the read-back from before pays nothing and "repeat" does not say it.
#[tokio::test]
async fn a_conversation_on_a_revoked_phone_keeps_nothing_of_her() {
    use tingshuo_core::ClientError;
    use tingshuo_core::classify::OneTimeCode;
    use tingshuo_core::sync::{NetError, SyncError};
    let (bank, client, mut assistant, _dir) = bank_client_and_session().await;
    let customer = DemoCustomer::MargaretWilson;
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    let this = client
        .store()
        .sync_value("device_id")
        .await
        .unwrap()
        .unwrap();
    client.sync().revoke_device(&this).await.unwrap();
    let revoked = client.sync().sync_now().await.unwrap_err();
    assert!(
        matches!(revoked, ClientError::Sync(SyncError::DeviceRevoked)),
        "{revoked}"
    );
    let error = assistant.turn(Turn::Text("yes".into())).await.unwrap_err();
    assert!(
        matches!(
            error,
            AssistantError::Client(ClientError::Sync(SyncError::Net(NetError::NotRegistered)))
        ),
        "{error}"
    );
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    client
        .sync()
        .register_device(customer.id(), OneTimeCode::new(code), "phone")
        .await
        .unwrap();
    client.sync().sync_now().await.unwrap();
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_none(), "{events:?}");
    let events = tell(&mut assistant, "repeat that").await;
    assert!(
        !said(&events).contains(&"dlg-readback-transfer"),
        "{events:?}"
    );
    assert!(payments(&bank, customer).await.is_empty());
    bank.shutdown().await;
}

/// A PIN prompt answered late approves nothing: she changed the amount at the prompt and
/// confirmed the new read-back, and the first prompt's approval arrives after the second was
/// asked. Only the answer to the prompt for what she last heard moves money, once; an answer
/// repeated after it moves nothing more. Checked against the bank's payments.
#[tokio::test]
async fn a_step_up_answered_late_approves_nothing_but_its_own_request() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson;
    tell(&mut assistant, "send fifty dollars to Bob Wilson").await;
    let events = tell(&mut assistant, "yes").await;
    let first = Event::step_up_requested(&events).expect("a step-up for $50");
    // At the prompt she corrects the amount: the prompt no longer counts.
    let events = tell(&mut assistant, "no, I said sixty").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    assert_eq!(assistant.step_up_awaited(), None);
    let late = Turn::StepUp {
        request: first,
        approved: true,
    };
    let events = assistant.turn(late.clone()).await.unwrap();
    assert!(said(&events).is_empty(), "{events:?}");
    let events = tell(&mut assistant, "yes").await;
    let second = Event::step_up_requested(&events).expect("a step-up for $60");
    assert_ne!(first, second);
    // The first prompt's approval, arriving now, neither pays nor declines.
    let events = assistant.turn(late).await.unwrap();
    assert!(said(&events).is_empty(), "{events:?}");
    assert!(payments(&bank, customer).await.is_empty());
    assert_eq!(assistant.step_up_awaited(), Some(second));
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");
    // The same answer again is a late one now.
    let again = Turn::StepUp {
        request: second,
        approved: true,
    };
    let events = assistant.turn(again).await.unwrap();
    assert!(said(&events).is_empty(), "{events:?}");
    let paid = payments(&bank, customer).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["amount_minor"], 6_000, "the amount read back last");
    bank.shutdown().await;
}

/// The account she names is the one the bank pays from: read back by its ending, and changed
/// at the read-back by "no, from my savings"; a card payments cannot leave is said so, never
/// silently swapped for another account.
#[tokio::test]
async fn the_account_she_names_is_the_one_the_bank_pays_from() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson;
    let accounts: Vec<serde_json::Value> =
        bank.bank.db.all(customer.id(), "account").await.unwrap();
    let ending = |kind: &str| {
        let account = accounts.iter().find(|a| a["kind"] == kind).unwrap();
        let number = account["number"].as_str().unwrap();
        (
            account["id"].as_str().unwrap().to_owned(),
            number[number.len() - 4..].to_owned(),
        )
    };
    let (savings, savings_ending) = ending("savings");
    let (_, checking_ending) = ending("current");

    // What was said, ending with the read-back of a payment from the account so ending.
    let reads_back_from = |events: &[Event], ids: &[&str], ending: &str| {
        assert_eq!(said(events), ids, "{events:?}");
        let Some(Event::Say(read_back)) = events.iter().rfind(|e| matches!(e, Event::Say(_)))
        else {
            panic!("{events:?}")
        };
        assert!(read_back.display.contains(ending), "{}", read_back.display);
    };
    let events = tell(
        &mut assistant,
        "send twenty dollars from my savings to Bob Wilson",
    )
    .await;
    reads_back_from(&events, &["dlg-readback-transfer"], &savings_ending);
    tell(&mut assistant, "yes").await;
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");

    let events = tell(
        &mut assistant,
        "pay Bob Wilson ten dollars with my visa card",
    )
    .await;
    let refused = ["dlg-cannot-pay-from", "dlg-readback-transfer"];
    reads_back_from(&events, &refused, &checking_ending);
    let events = tell(&mut assistant, "no, take it out of my savings").await;
    reads_back_from(&events, &["dlg-readback-transfer"], &savings_ending);
    tell(&mut assistant, "yes").await;
    step_up(&mut assistant, true).await;

    let paid = payments(&bank, customer).await;
    assert_eq!(paid.len(), 2, "{paid:?}");
    for payment in &paid {
        assert_eq!(payment["from_account"], savings.as_str(), "{payment}");
    }
    bank.shutdown().await;
}

#[tokio::test]
async fn the_balance_said_is_of_the_account_named_as_the_bank_has_it() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let accounts: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(DemoCustomer::MargaretWilson.id(), "account")
        .await
        .unwrap();
    for (text, id, owed) in [
        ("what's in my savings", "en-savings", false),
        ("how much do I owe on my credit card", "en-visa", true),
    ] {
        let account = accounts.iter().find(|a| a["id"] == id).unwrap();
        let number = account["number"].as_str().unwrap();
        let ending = &number[number.len() - 4..];
        let events = assistant.turn(Turn::Text(text.into())).await.unwrap();
        let Some(Event::Say(reply)) = events.first() else {
            panic!("{events:?}")
        };
        assert!(
            reply.display.contains(&format!("ending in {ending}")),
            "{text}: {}",
            reply.display
        );
        assert_eq!(reply.id == "dlg-balance-owed", owed, "{text}: {}", reply.id);
        // The amount said is the bank's: available in savings, the balance owed on a card.
        let minor = if owed {
            -account["booked_minor"].as_i64().unwrap()
        } else {
            account["available_minor"].as_i64().unwrap()
        };
        let grouped = dollars(minor);
        assert!(
            reply.display.contains(&grouped),
            "{text}: {} lacks {grouped}",
            reply.display
        );
    }
    bank.shutdown().await;
}

/// A total of spending, or "no transactions", said while the bank cannot be reached says how
/// old the data it counts is, as a balance does: never as if it were today's.
#[tokio::test]
async fn spending_and_no_transactions_said_offline_say_how_old_the_data_is() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let (client, _dir) = client_for(&bank).await;
    let mut assistant = another_session(&client).await;
    let asked = [
        "how much did I spend this month",
        "show my transactions from today",
    ];
    for text in asked {
        let events = tell(&mut assistant, text).await;
        let Some(Event::Say(reply)) = events.first() else {
            panic!("{events:?}")
        };
        assert!(!reply.display.contains("updated"), "{text}: {reply:?}");
    }
    bank.shutdown().await;
    assert!(client.sync().sync_now().await.is_err());
    let mut said_offline = Vec::new();
    for text in asked {
        let events = tell(&mut assistant, text).await;
        let Some(Event::Say(reply)) = events.first() else {
            panic!("{events:?}")
        };
        assert!(
            reply.display.contains("last updated your data"),
            "{text}: {reply:?}"
        );
        said_offline.push(reply.id.to_string());
    }
    assert!(
        said_offline.contains(&"dlg-spending-total".to_owned()),
        "{said_offline:?}"
    );
}

/// The English customer's spending as the bank has it, over her local days `[from, to)` in
/// `zone`: money out, in dollars, leaving out money moved between her own accounts (the bank
/// names the other account as the counterparty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BankSpending {
    cents: i64,
    count: usize,
    /// Moves between her own accounts, left out.
    moved: usize,
    /// What of it the bank has not booked yet.
    pending_cents: i64,
    pending_count: usize,
}

async fn bank_spending(
    bank: &RunningBank,
    zone: &tingshuo_core::CustomerZone,
    period: (chrono::NaiveDate, chrono::NaiveDate),
) -> BankSpending {
    bank_spending_of(bank, zone, period, &|_| true).await
}

/// The same, of the bank's transactions `only` keeps (its own record of each, as JSON).
async fn bank_spending_of(
    bank: &RunningBank,
    zone: &tingshuo_core::CustomerZone,
    period: (chrono::NaiveDate, chrono::NaiveDate),
    only: &dyn Fn(&serde_json::Value) -> bool,
) -> BankSpending {
    bank_spending_for(bank, DemoCustomer::MargaretWilson, zone, period, only).await
}

/// The same, of any demo customer, in her currency.
async fn bank_spending_for(
    bank: &RunningBank,
    customer: DemoCustomer,
    zone: &tingshuo_core::CustomerZone,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    only: &dyn Fn(&serde_json::Value) -> bool,
) -> BankSpending {
    let currency = match customer {
        DemoCustomer::WangXiuying => "CNY",
        _ => "USD",
    };
    let customer = customer.id();
    let transactions: Vec<serde_json::Value> =
        bank.bank.db.all(customer, "transaction").await.unwrap();
    let accounts: Vec<serde_json::Value> = bank.bank.db.all(customer, "account").await.unwrap();
    let her_own =
        |counterparty: &serde_json::Value| accounts.iter().any(|a| a["name"] == *counterparty);
    let mut spent = BankSpending {
        cents: 0,
        count: 0,
        moved: 0,
        pending_cents: 0,
        pending_count: 0,
    };
    for t in &transactions {
        let at: chrono::DateTime<Utc> = t["occurred_at"].as_str().unwrap().parse().unwrap();
        let day = zone.date_of(at);
        let minor = t["amount_minor"].as_i64().unwrap();
        if day >= from && day < to && minor < 0 && t["currency"] == currency && only(t) {
            if her_own(&t["counterparty"]) {
                spent.moved += 1;
                continue;
            }
            spent.cents -= minor;
            spent.count += 1;
            if t["status"] == "pending" {
                spent.pending_cents -= minor;
                spent.pending_count += 1;
            }
        }
    }
    spent
}

/// Last month's first day and this month's, on the day `today`.
fn last_month(today: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use chrono::Datelike;
    let this_month = today.with_day(1).unwrap();
    let last_month = this_month.pred_opt().unwrap().with_day(1).unwrap();
    (last_month, this_month)
}

/// Says the reply is the spending total the bank's transactions make, with the part not
/// booked yet said as such (and nothing said pending when none is).
fn assert_spending_said(events: &[Event], spent: BankSpending) {
    let Some(Event::Say(reply)) = events.first() else {
        panic!("{events:?}")
    };
    assert_eq!(reply.id, "dlg-spending-total", "{events:?}");
    let said = &reply.display;
    let shown = dollars(spent.cents);
    assert!(said.contains(&shown), "{said} lacks {shown}");
    let payments = match spent.count {
        1 => "one payment".to_owned(),
        count => format!("{count} payments"),
    };
    assert!(said.contains(&payments), "{said} lacks {payments}");
    let pending = format!("{} of it", dollars(spent.pending_cents));
    match spent.pending_count {
        0 => assert!(!said.contains("still pending"), "{said}"),
        1 => assert!(
            said.contains(&format!("{pending} is still pending")),
            "{said}"
        ),
        n => assert!(
            said.contains(&format!("{pending}, in {n} payments, is still pending")),
            "{said}"
        ),
    }
}

#[tokio::test]
async fn spending_said_is_the_banks_outgoing_money_of_the_period_asked() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    // The bank's own transactions of the period, in the customer's time zone: money out only.
    let zone: tingshuo_core::CustomerZone = FixedOffset::west_opt(5 * 3600).unwrap().into();
    let today = zone.date_of(Utc::now());
    let events = tell(&mut assistant, "how much did I spend last month").await;
    let before = bank_spending(&bank, &zone, last_month(today)).await;
    assert!(before.count > 0, "the demo customer spent last month");
    assert!(before.moved > 0, "and moved money to her savings");
    assert_spending_said(&events, before);
    // This month holds the pharmacy's payment the bank has not booked yet: said as pending.
    let events = tell(&mut assistant, "how much did I spend this month").await;
    let this_month = (last_month(today).1, today.succ_opt().unwrap());
    let spent = bank_spending(&bank, &zone, this_month).await;
    assert_spending_said(&events, spent);
    assert!(
        before.pending_count + spent.pending_count > 0,
        "the pharmacy's payment, four hours old, is pending"
    );
    bank.shutdown().await;
}

/// Spending on a kind of thing is the bank's payments of that category; to a biller, the
/// payments to it; on something the bank sorts nothing by, all of it — and said to be all of
/// it, not passed off as what she named.
#[tokio::test]
async fn spending_on_a_kind_or_a_biller_is_the_banks_payments_of_it() {
    use tingshuo_core::wire::TransactionDto;
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let zone: tingshuo_core::CustomerZone = FixedOffset::west_opt(5 * 3600).unwrap().into();
    let month = last_month(zone.date_of(Utc::now()));
    // The bank names a biller's payment its own way: still the biller's.
    let named_otherwise = TransactionDto {
        id: "en-txn-electric-named-otherwise".into(),
        account_id: "en-checking".into(),
        status: "booked".into(),
        amount_minor: -1_234,
        currency: "USD".into(),
        counterparty: "CITY ELECTRIC CO 0042".into(),
        description: "Late fee".into(),
        category: "utilities".into(),
        occurred_at: zone.start_of_day(month.0.succ_opt().unwrap()) + chrono::Duration::hours(12),
    };
    bank.bank
        .db
        .put_document(
            DemoCustomer::MargaretWilson.id(),
            "transaction",
            &named_otherwise.id,
            &named_otherwise,
        )
        .await
        .unwrap();
    let (mut assistant, _dir) = assistant_for(&bank).await;
    for (asked, category, told) in [
        (
            "how much did I spend on groceries last month",
            "groceries",
            "went on groceries",
        ),
        (
            "how much did I spend at the pharmacy last month",
            "health",
            "went on health and medicine",
        ),
        (
            "how much have I spent on eating out last month",
            "dining",
            "went on eating out",
        ),
    ] {
        let events = tell(&mut assistant, asked).await;
        let spent = bank_spending_of(&bank, &zone, month, &|t| t["category"] == category).await;
        assert!(spent.count > 0, "{asked}: she paid for it last month");
        assert_spending_said(&events, spent);
        assert!(said_text(&events).contains(told), "{asked}: {events:?}");
    }
    let events = tell(&mut assistant, "how much was my electric bill last month").await;
    let spent = bank_spending_of(&bank, &zone, month, &|t| {
        t["counterparty"] == "City Electric" || t["id"] == "en-txn-electric-named-otherwise"
    })
    .await;
    assert!(spent.count > 1, "she paid City Electric last month, twice");
    assert_spending_said(&events, spent);
    assert!(said_text(&events).contains("went to City Electric"));
    // Nothing the bank sorts by: the whole month, said as the whole month.
    let events = tell(
        &mut assistant,
        "how much did I spend on christmas presents last month",
    )
    .await;
    assert_spending_said(&events, bank_spending(&bank, &zone, month).await);
    let said = said_text(&events);
    assert!(
        said.starts_with("I can add up spending by kind") && said.contains("In all, from"),
        "{said}"
    );
    bank.shutdown().await;
}

/// Money moved to her savings or onto her card is what the bank moved: read back as hers,
/// confirmed, stepped up, then one payment of kind "move" at the bank, the amount gone from
/// the account it left and arrived in the other (on the card, owed that much less), and said
/// done; refused with the step-up, nothing moves.
#[tokio::test]
async fn money_moved_between_her_accounts_is_what_the_bank_moved() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson;
    let account = |accounts: &[serde_json::Value], id: &str| -> (i64, i64) {
        let a = accounts.iter().find(|a| a["id"] == id).unwrap();
        (
            a["available_minor"].as_i64().unwrap(),
            a["booked_minor"].as_i64().unwrap(),
        )
    };
    let before: Vec<serde_json::Value> = bank.bank.db.all(customer.id(), "account").await.unwrap();

    let events = tell(&mut assistant, "move 100 dollars from checking to savings").await;
    assert_eq!(said(&events), ["dlg-readback-move"], "{events:?}");
    assert!(said_text(&events).contains("$100.00 to your own Savings"));
    tell(&mut assistant, "yes").await;
    // The step-up refused: nothing moves.
    step_up(&mut assistant, false).await;
    assert!(payments(&bank, customer).await.is_empty());

    tell(&mut assistant, "move 100 dollars from checking to savings").await;
    tell(&mut assistant, "yes").await;
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");
    tell(&mut assistant, "pay off my visa").await;
    tell(&mut assistant, "200 dollars").await;
    tell(&mut assistant, "yes").await;
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).contains(&"dlg-payment-done"), "{events:?}");

    let made = payments(&bank, customer).await;
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(
        made.iter()
            .all(|p| p["kind"] == "move" && p["status"] == "executed")
    );
    let after: Vec<serde_json::Value> = bank.bank.db.all(customer.id(), "account").await.unwrap();
    let (checking, savings, visa) = ("en-checking", "en-savings", "en-visa");
    let moved = |id: &str| {
        let (available, booked) = account(&after, id);
        let (was_available, was_booked) = account(&before, id);
        (available - was_available, booked - was_booked)
    };
    assert_eq!(moved(checking), (-30_000, -30_000));
    assert_eq!(moved(savings), (10_000, 10_000));
    assert_eq!(moved(visa), (20_000, 20_000));
    // What she hears of the card is what the bank has now.
    let events = tell(&mut assistant, "how much do I owe on my credit card").await;
    let owed = -account(&after, visa).1;
    assert!(
        said_text(&events).contains(&format!("you owe {}", dollars(owed))),
        "{events:?}"
    );
    bank.shutdown().await;
}

/// "What's my account number" is answered with each account's last four digits as the bank
/// has them, never more of any number; a card asked for by kind is that card's.
#[tokio::test]
async fn numbers_are_said_by_the_banks_last_four_digits_only() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson.id();
    let accounts: Vec<serde_json::Value> = bank.bank.db.all(customer, "account").await.unwrap();
    let cards: Vec<serde_json::Value> = bank.bank.db.all(customer, "card").await.unwrap();
    let numbers: Vec<&str> = accounts
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert!(numbers.len() > 1, "the demo customer has several accounts");
    let events = tell(&mut assistant, "what's my account number").await;
    let spoken: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Say(spoken) => Some(spoken.display.clone()),
            _ => None,
        })
        .collect();
    let all = spoken.join(" ");
    for number in &numbers {
        let last_four = &number[number.len() - 4..];
        assert!(
            all.contains(&format!("ending in {last_four}")),
            "{all} lacks {last_four}"
        );
        let more = &number[number.len() - 5..];
        assert!(!all.contains(more), "{all} says more of {number}");
    }
    assert!(all.contains("only ever say the last four digits"), "{all}");
    let visa = cards.iter().find(|c| c["kind"] == "credit").unwrap();
    let card_number = visa["number"].as_str().unwrap();
    let events = tell(&mut assistant, "what is my credit card number").await;
    let said = said_text(&events);
    assert!(
        said.contains(&format!(
            "ending in {}",
            &card_number[card_number.len() - 4..]
        )),
        "{said}"
    );
    assert_nothing_paid(&bank).await;
    bank.shutdown().await;
}

/// Spending at a shop she names is the bank's payments to it: named whole or by how its name
/// begins, in either language, and to a payee named or called by relationship, the money sent
/// to her; a shop paid before the period but not in it is said to have
/// had nothing; a name no payment has is the whole, said as the whole.
#[tokio::test]
async fn spending_at_a_shop_she_names_is_the_banks_payments_to_it() {
    use tingshuo_core::wire::TransactionDto;
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let zone: tingshuo_core::CustomerZone = FixedOffset::west_opt(5 * 3600).unwrap().into();
    let month = last_month(zone.date_of(Utc::now()));
    // Paid three months before last month, and not since.
    let earlier = month.0.checked_sub_months(chrono::Months::new(3)).unwrap();
    let hardware = TransactionDto {
        id: "en-txn-hardware".into(),
        account_id: "en-checking".into(),
        status: "booked".into(),
        amount_minor: -4_599,
        currency: "USD".into(),
        counterparty: "Harbor Hardware".into(),
        description: "Light bulbs".into(),
        category: "shopping".into(),
        occurred_at: zone.start_of_day(earlier) + chrono::Duration::hours(12),
    };
    bank.bank
        .db
        .put_document(
            DemoCustomer::MargaretWilson.id(),
            "transaction",
            &hardware.id,
            &hardware,
        )
        .await
        .unwrap();
    let (mut assistant, _dir) = assistant_for(&bank).await;
    for (asked, shop) in [
        (
            "how much did I spend at Rosie's Diner last month",
            "Rosie's Diner",
        ),
        (
            "how much did I spend at green valley last month",
            "Green Valley Market",
        ),
        ("how much did I pay my caregiver last month", "Maria Garcia"),
    ] {
        let events = tell(&mut assistant, asked).await;
        let spent = bank_spending_of(&bank, &zone, month, &|t| t["counterparty"] == shop).await;
        assert!(spent.count > 0, "{asked}: she paid {shop} last month");
        assert_spending_said(&events, spent);
        let said = said_text(&events);
        assert!(said.contains(&format!("went to {shop}")), "{asked}: {said}");
    }
    let events = tell(
        &mut assistant,
        "how much did I spend at harbor hardware last month",
    )
    .await;
    assert_eq!(said(&events), ["dlg-spending-none"], "{events:?}");
    assert!(
        said_text(&events).contains("nothing went to Harbor Hardware"),
        "{events:?}"
    );
    let events = tell(
        &mut assistant,
        "how much did I spend at the mall last month",
    )
    .await;
    assert_spending_said(&events, bank_spending(&bank, &zone, month).await);
    assert!(said_text(&events).starts_with("I can add up spending by kind"));
    bank.shutdown().await;

    let customer = DemoCustomer::WangXiuying;
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    let (mut assistant, bank, _dir) =
        tingshuo_tests::answers::assistant_with(customer, AssistantOptions::at(offset)).await;
    let zone: tingshuo_core::CustomerZone = offset.into();
    let month = last_month(zone.date_of(Utc::now()));
    for (asked, shop) in [
        ("上个月在物美超市花了多少钱", "物美超市"),
        ("上个月在京东花了多少钱", "京东商城"),
        ("上个月给邻居转了多少钱", "刘芳"),
    ] {
        let events = tell(&mut assistant, asked).await;
        let spent = bank_spending_for(&bank, customer, &zone, month, &|t| {
            t["counterparty"] == shop
        })
        .await;
        assert!(spent.count > 0, "{asked}: she paid {shop} last month");
        let said = said_text(&events);
        let told = format!("付给{shop}的一共支出");
        let payments = format!("共{}笔", spent.count);
        assert!(
            said.contains(&told) && said.contains(&payments),
            "{asked}: {said}"
        );
    }
    bank.shutdown().await;
}

/// A card's payment due date is the one the bank has for its statement, said with what she
/// owes; thanks and a goodbye are answered in kind, and a payment's question is asked again
/// after them, nothing paid.
#[tokio::test]
async fn a_cards_due_date_is_the_banks_and_thanks_are_answered_in_kind() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson.id();
    let accounts: Vec<serde_json::Value> = bank.bank.db.all(customer, "account").await.unwrap();
    let visa = accounts.iter().find(|a| a["id"] == "en-visa").unwrap();
    let due: chrono::NaiveDate = visa["matures_on"].as_str().unwrap().parse().unwrap();
    let events = tell(&mut assistant, "when is my credit card payment due").await;
    let answer = said_text(&events);
    let told = format!("Payment is due {}.", due.format("%B %-d"));
    assert!(answer.contains(&told), "{answer} lacks {told}");
    assert!(answer.contains("you owe"), "{answer}");
    // A deposit account has nothing due.
    let events = tell(&mut assistant, "what's my checking balance").await;
    assert!(!said_text(&events).contains("due"), "{events:?}");

    let events = tell(&mut assistant, "thank you").await;
    assert_eq!(said(&events), ["dlg-welcome"]);
    tell(&mut assistant, "send fifty dollars to Maria Garcia").await;
    let events = tell(&mut assistant, "thanks, bye").await;
    assert_eq!(said(&events)[0], "dlg-goodbye", "{events:?}");
    assert!(
        said(&events).contains(&"dlg-readback-transfer"),
        "{events:?}"
    );
    assert_nothing_paid(&bank).await;
    bank.shutdown().await;
}

/// "How much money do I have in total" is every account the bank has for her, each said with
/// its own balance (what is owed on the card as owed) — never the one payments leave from as
/// if it were all she has.
#[tokio::test]
async fn every_account_is_said_when_she_asks_for_all_of_them() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson.id();
    let accounts: Vec<serde_json::Value> = bank.bank.db.all(customer, "account").await.unwrap();
    assert!(accounts.len() > 1, "the demo customer has several accounts");
    for asked in [
        "how much money do I have in total",
        "what's in all my accounts",
    ] {
        let events = tell(&mut assistant, asked).await;
        let replies: Vec<&tingshuo_core::assistant::Spoken> = events
            .iter()
            .filter_map(|event| match event {
                Event::Say(reply) => Some(reply),
                _ => None,
            })
            .collect();
        assert_eq!(replies[0].id, "dlg-accounts-intro", "{asked}: {events:?}");
        assert!(
            replies[0]
                .display
                .contains(&format!("{} accounts", accounts.len())),
            "{asked}: {events:?}"
        );
        assert_eq!(replies.len(), accounts.len() + 1, "{asked}: {events:?}");
        // Said again, it is all of them again.
        let again = tell(&mut assistant, "repeat").await;
        assert_eq!(said(&again), said(&events), "{asked}");
        for account in &accounts {
            let number = account["number"].as_str().unwrap();
            let ending = &number[number.len() - 4..];
            let line = replies
                .iter()
                .find(|reply| reply.display.contains(ending))
                .unwrap_or_else(|| panic!("{asked}: no line for {ending}: {events:?}"));
            let amount = if account["kind"] == "credit_card" {
                -account["booked_minor"].as_i64().unwrap()
            } else if account["kind"] == "time_deposit" {
                account["booked_minor"].as_i64().unwrap()
            } else {
                account["available_minor"].as_i64().unwrap()
            };
            assert!(
                line.display.contains(&dollars(amount)),
                "{asked}: {} lacks {}",
                line.display,
                dollars(amount)
            );
        }
    }
    bank.shutdown().await;
}

/// "Who can I send money to" names every trusted payee the bank has for her, as a list (not as
/// a question's "or"), and is answered in passing while a transfer asks who to pay.
#[tokio::test]
async fn her_payees_are_the_banks_named_as_a_list() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let customer = DemoCustomer::MargaretWilson.id();
    let payees: Vec<serde_json::Value> = bank.bank.db.all(customer, "payee").await.unwrap();
    assert!(payees.len() > 1, "the demo customer has several payees");
    tell(&mut assistant, "send money").await;
    let events = tell(&mut assistant, "who can I send money to").await;
    assert_eq!(said(&events), ["dlg-payees", "dlg-ask-payee"], "{events:?}");
    let listed = said_text(&events);
    for payee in &payees {
        let name = payee["name"].as_str().unwrap();
        assert!(listed.contains(name), "{listed} lacks {name}");
    }
    assert!(
        listed.contains(" and ") && !listed.contains(" or "),
        "{listed}"
    );
    assert_nothing_paid(&bank).await;
    bank.shutdown().await;
}

/// What the first reply of `events` shows.
fn said_text(events: &[Event]) -> String {
    match events.first() {
        Some(Event::Say(reply)) => reply.display.clone(),
        other => panic!("{other:?}"),
    }
}

/// Each day is read at its own offset: in New York, a payment at 00:30 on 1 November (summer
/// time still) is November's, though she asks in December, in winter time — read at winter's
/// one offset, it would be October's.
#[tokio::test]
async fn a_months_spending_reads_each_day_at_its_own_offset() {
    use tingshuo_core::wire::TransactionDto;
    let now: chrono::DateTime<Utc> = "2026-12-06T15:00:00Z".parse().unwrap();
    let bank = start_demo_bank(BankConfig::default(), now).await.unwrap();
    let (client, _dir) = client_for(&bank).await;
    let late = TransactionDto {
        id: "en-txn-late-pharmacy".into(),
        account_id: "en-checking".into(),
        status: "booked".into(),
        amount_minor: -4_321,
        currency: "USD".into(),
        counterparty: "Corner Pharmacy".into(),
        description: "Night pharmacy".into(),
        category: "health".into(),
        occurred_at: "2026-11-01T04:30:00Z".parse().unwrap(),
    };
    let customer = DemoCustomer::MargaretWilson.id();
    bank.bank
        .db
        .put_document(customer, "transaction", &late.id, &late)
        .await
        .unwrap();
    client.sync().sync_now().await.unwrap();
    let zone = tingshuo_desktop::conditions::zone_named("America/New_York").unwrap();
    let options = AssistantOptions {
        zone: zone.clone(),
        clock: Arc::new(tingshuo_desktop::conditions::FixedClock(now)),
        bank_intents: None,
    };
    let mut assistant = Assistant::open(client, Locale::EnUs, options)
        .await
        .unwrap();
    let events = tell(&mut assistant, "how much did I spend last month").await;
    let november = last_month(zone.date_of(now));
    let spent = bank_spending(&bank, &zone, november).await;
    assert_spending_said(&events, spent);
    let winter = FixedOffset::west_opt(5 * 3600).unwrap().into();
    let at_winter_offset = bank_spending(&bank, &winter, november).await;
    assert_eq!(
        spent.cents - at_winter_offset.cents,
        4_321,
        "the late payment is what differs"
    );
    bank.shutdown().await;
}

#[tokio::test]
async fn transactions_read_are_of_the_card_named() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = assistant
        .turn(Turn::Text(
            "read me the last two transactions on my credit card".into(),
        ))
        .await
        .unwrap();
    assert_eq!(said(&events), ["dlg-see-screen"], "{events:?}");
    let Some(Event::Show(lines)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
    // The card's account's two latest, as the bank has them.
    let mut on_card: Vec<serde_json::Value> = bank
        .bank
        .db
        .all::<serde_json::Value>(DemoCustomer::MargaretWilson.id(), "transaction")
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t["account_id"] == "en-visa")
        .collect();
    on_card.sort_by_key(|t| std::cmp::Reverse(t["occurred_at"].as_str().unwrap().to_owned()));
    for (line, transaction) in lines.iter().zip(&on_card) {
        let counterparty = transaction["counterparty"].as_str().unwrap();
        assert!(
            line.display.contains(counterparty),
            "{} lacks {counterparty}",
            line.display
        );
    }
    bank.shutdown().await;
}

/// The English customer's transactions as the bank has them, newest first.
async fn bank_transactions_newest_first(bank: &RunningBank) -> Vec<serde_json::Value> {
    let mut all: Vec<serde_json::Value> = bank
        .bank
        .db
        .all::<serde_json::Value>(DemoCustomer::MargaretWilson.id(), "transaction")
        .await
        .unwrap();
    all.sort_by_key(|t| std::cmp::Reverse(t["occurred_at"].as_str().unwrap().to_owned()));
    all
}

/// "When did I last pay the electric bill" reads the bank's latest payments to that biller,
/// and "show me my payments to my caregiver" those to that payee — each line one of them,
/// newest first — and no bill payment is begun; "is there anything pending", those the bank
/// has not booked.
#[tokio::test]
async fn payments_to_a_biller_or_payee_asked_about_are_the_banks_latest_to_it() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let all = bank_transactions_newest_first(&bank).await;
    for (asked, to) in [
        ("when did I last pay the electric bill", "City Electric"),
        ("show me my payments to my caregiver", "Maria Garcia"),
    ] {
        let events = tell(&mut assistant, asked).await;
        assert_eq!(said(&events), ["dlg-see-screen"], "{asked}: {events:?}");
        let Some(Event::Show(lines)) = events.last() else {
            panic!("{events:?}")
        };
        let paid: Vec<&serde_json::Value> =
            all.iter().filter(|t| t["counterparty"] == to).collect();
        assert!(paid.len() > lines.len(), "{asked}: she paid {to} often");
        assert_eq!(lines.len(), 5, "{asked}: {lines:?}");
        for (line, transaction) in lines.iter().zip(&paid) {
            let amount = dollars(-transaction["amount_minor"].as_i64().unwrap());
            assert!(
                line.display.contains(to) && line.display.contains(&amount),
                "{asked}: {} is not {transaction}",
                line.display
            );
        }
    }
    // Pending alone: what the bank has not booked, each said as pending.
    let events = tell(&mut assistant, "is there anything pending").await;
    let lines = shown(&events);
    let pending: Vec<&serde_json::Value> =
        all.iter().filter(|t| t["status"] == "pending").collect();
    assert!(!pending.is_empty(), "the pharmacy's payment is pending");
    assert_eq!(lines.len(), pending.len(), "{lines:?}");
    for (line, transaction) in lines.iter().zip(&pending) {
        let counterparty = transaction["counterparty"].as_str().unwrap();
        assert!(
            line.display.contains(counterparty) && line.display.contains("pending"),
            "{line:?} {transaction}"
        );
    }
    assert_nothing_paid(&bank).await;
    bank.shutdown().await;
}

#[tokio::test]
async fn a_transaction_the_bank_has_not_booked_is_read_as_pending_never_as_paid() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "read me my last five transactions").await;
    let Some(Event::Show(lines)) = events.last() else {
        panic!("{events:?}")
    };
    let all = bank_transactions_newest_first(&bank).await;
    assert_eq!(lines.len(), 5, "{lines:?}");
    let mut pending = 0;
    for (line, transaction) in lines.iter().zip(&all) {
        let counterparty = transaction["counterparty"].as_str().unwrap();
        assert!(
            line.display.contains(counterparty),
            "{line:?} {transaction}"
        );
        let said_pending = line.display.contains("pending") && line.speech.contains("pending");
        let said_done = line.display.contains("paid") || line.display.contains("received");
        if transaction["status"] == "pending" {
            pending += 1;
            assert!(said_pending && !said_done, "{line:?} {transaction}");
        } else {
            assert!(said_done && !said_pending, "{line:?} {transaction}");
        }
    }
    assert!(
        pending > 0,
        "the demo customer's newest transaction is pending"
    );
    bank.shutdown().await;
}

#[tokio::test]
async fn cards_alerts_and_appointments_are_read_out_as_the_bank_has_them() {
    let (bank, client, mut assistant, _dir) = bank_client_and_session().await;
    let customer = DemoCustomer::MargaretWilson;
    let lines_of = |events: &[Event]| match events.last() {
        Some(Event::Show(lines)) => lines.clone(),
        _ => panic!("{events:?}"),
    };
    let at_bank = |kind: &'static str| {
        let bank = &bank;
        async move {
            bank.bank
                .db
                .all::<serde_json::Value>(customer.id(), kind)
                .await
                .unwrap()
        }
    };

    // Cards: each with its status as the bank has it.
    tell(&mut assistant, "lock my credit card").await;
    let events = tell(&mut assistant, "is my card locked").await;
    assert_eq!(said(&events), ["dlg-cards"], "{events:?}");
    let lines = lines_of(&events);
    let cards = at_bank("card").await;
    assert_eq!(lines.len(), cards.len(), "{lines:?}");
    for card in &cards {
        let number = card["number"].as_str().unwrap();
        let ending = &number[number.len() - 4..];
        let line = lines
            .iter()
            .find(|line| line.display.contains(ending))
            .unwrap_or_else(|| panic!("no line for {card}: {lines:?}"));
        assert_eq!(
            line.display.contains("locked"),
            card["status"] == "locked",
            "{line:?} {card}"
        );
    }

    // A lock asked for while the bank cannot be reached is said as asked for, never as done.
    bank.bank.faults.set_plan(FaultPlan {
        seed: 5,
        rules: vec![FaultRule {
            path_prefix: "/v1/".into(),
            error_per_mille: 1000,
            ..FaultRule::default()
        }],
    });
    tell(&mut assistant, "lock my debit card").await;
    let events = tell(&mut assistant, "is my debit card locked").await;
    let pending: Vec<_> = lines_of(&events)
        .into_iter()
        .filter(|line| line.display.contains("not confirmed by the bank yet"))
        .collect();
    assert_eq!(pending.len(), 1, "{events:?}");
    assert!(pending[0].display.contains("Debit card"), "{pending:?}");
    bank.bank.faults.set_plan(FaultPlan::none());
    client.sync().sync_now().await.unwrap();

    // Unread alerts: read out, then read (the bank told with the next sync).
    let unread = at_bank("alert")
        .await
        .into_iter()
        .filter(|alert| alert["read"] == false)
        .count();
    assert!(unread > 0, "the demo customer has an unread alert");
    let events = tell(&mut assistant, "do I have any new alerts").await;
    // The lock the sync delivered is told first, as its unconfirmed reply promised.
    assert_eq!(
        said(&events),
        ["dlg-card-locked", "dlg-alerts"],
        "{events:?}"
    );
    assert_eq!(lines_of(&events).len(), unread);
    client.sync().sync_now().await.unwrap();
    assert!(
        at_bank("alert")
            .await
            .iter()
            .all(|alert| alert["read"] == true),
        "alerts read out are read at the bank"
    );
    let events = tell(&mut assistant, "do I have any new alerts").await;
    assert_eq!(said(&events), ["dlg-no-alerts"], "{events:?}");

    // Appointments and service requests from every channel.
    let requests = at_bank("service_request").await;
    let events = tell(&mut assistant, "what's happening with my support ticket").await;
    assert_eq!(said(&events), ["dlg-appointments"], "{events:?}");
    let lines = lines_of(&events);
    assert_eq!(lines.len(), requests.len(), "{lines:?}");
    for request in &requests {
        let reference = request["reference"].as_str().unwrap();
        assert!(
            lines.iter().any(|line| line.display.contains(reference)),
            "{reference} not read: {lines:?}"
        );
    }
    bank.shutdown().await;
}

/// The lines a listing showed (its last event).
fn shown(events: &[Event]) -> Vec<tingshuo_core::l10n::Utterance> {
    match events.last() {
        Some(Event::Show(lines)) => lines.clone(),
        _ => panic!("nothing shown: {events:?}"),
    }
}

/// The bills the bank has due for a customer within a month: (biller's name, amount in minor
/// units).
async fn bills_due_at_bank(bank: &RunningBank, customer: DemoCustomer) -> Vec<(String, i64)> {
    let db = &bank.bank.db;
    let billers: Vec<serde_json::Value> = db.all(customer.id(), "biller").await.unwrap();
    let bills: Vec<serde_json::Value> = db.all(customer.id(), "bill").await.unwrap();
    let horizon = (Utc::now() + chrono::Duration::days(30))
        .date_naive()
        .to_string();
    bills
        .iter()
        .filter(|bill| {
            bill["status"] == "due" && bill["due_on"].as_str().unwrap() <= horizon.as_str()
        })
        .map(|bill| {
            let biller = billers
                .iter()
                .find(|b| b["id"] == bill["biller_id"])
                .unwrap();
            (
                biller["name"].as_str().unwrap().to_owned(),
                bill["amount_minor"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// "What bills do I have" / "我有什么账单要交": each bill the bank has due within a month is
/// read out with its biller and amount, none more; one that a payment the bank holds has paid
/// is said as paid and cancellable, not as due; with nothing synced it is "no data", not "no
/// bills".
#[tokio::test]
async fn bills_are_read_out_as_the_bank_has_them_and_a_held_one_as_held() {
    let bank = holding_every_payment().await;
    let (client, _dir) = client_for(&bank).await;
    let mut assistant = another_session(&client).await;
    let customer = DemoCustomer::MargaretWilson;
    let due = bills_due_at_bank(&bank, customer).await;
    assert!(due.len() >= 2, "the demo customer has bills due: {due:?}");
    let dollars = |minor: i64| format!("${}.{:02}", minor / 100, minor % 100);

    let events = tell(&mut assistant, "what bills do I have").await;
    assert_eq!(said(&events), ["dlg-bills"], "{events:?}");
    let lines = shown(&events);
    assert_eq!(lines.len(), due.len(), "{lines:?}");
    for (biller, minor) in &due {
        assert!(
            lines.iter().any(|line| line
                .display
                .starts_with(&format!("{biller}: {}, due", dollars(*minor)))),
            "{biller} {minor} not read as due: {lines:?}"
        );
    }

    electric_bill_held(&mut assistant).await;
    let events = tell(&mut assistant, "do I have any bills due").await;
    let lines = shown(&events);
    let electric: Vec<_> = lines
        .iter()
        .filter(|line| line.display.starts_with("City Electric"))
        .collect();
    assert_eq!(electric.len(), 1, "{lines:?}");
    assert!(
        electric[0]
            .display
            .contains("you've already made a payment for it"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .filter(|line| !line.display.starts_with("City Electric"))
            .all(|line| line.display.contains(", due")),
        "{lines:?}"
    );
    // The screen's overview says the same.
    let view = client
        .view()
        .current(Utc::now().date_naive())
        .await
        .unwrap();
    let overview = tingshuo_tests::lines_of(&view, Locale::EnUs);
    assert!(
        overview.contains("City Electric: $87.42, you've already made a payment for it."),
        "{overview}"
    );
    bank.shutdown().await;

    // Mandarin, as the bank has 王秀英's bills.
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    let (mut assistant, bank, _dir) = tingshuo_tests::answers::assistant_with(
        DemoCustomer::WangXiuying,
        AssistantOptions::at(offset),
    )
    .await;
    let due = bills_due_at_bank(&bank, DemoCustomer::WangXiuying).await;
    let events = tell(&mut assistant, "我有什么账单要交").await;
    assert_eq!(said(&events), ["dlg-bills"], "{events:?}");
    let lines = shown(&events);
    assert_eq!(lines.len(), due.len(), "{lines:?}");
    for (biller, minor) in &due {
        let amount = format!("¥{}.{:02}", minor / 100, minor % 100);
        assert!(
            lines.iter().any(
                |line| line.display.starts_with(&format!("{biller}，{amount}，"))
                    && line.display.contains("到期")
            ),
            "{biller} {amount}: {lines:?}"
        );
    }
    bank.shutdown().await;
}

/// The latest payments into a customer's accounts from outside, as the bank has them, newest
/// first: (counterparty, amount in minor units). A move between two of her accounts (money
/// out of one met by the same amount into another within a day) is not money in.
async fn money_in_at_bank(
    bank: &RunningBank,
    customer: DemoCustomer,
    pension_only: bool,
) -> Vec<(String, i64)> {
    let mut all: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(customer.id(), "transaction")
        .await
        .unwrap();
    let at = |t: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(t["occurred_at"].as_str().unwrap()).unwrap()
    };
    all.sort_by_key(|t| std::cmp::Reverse(at(t)));
    let amount = |t: &serde_json::Value| t["amount_minor"].as_i64().unwrap();
    all.iter()
        .filter(|t| amount(t) > 0 && (!pension_only || t["category"] == "income"))
        .filter(|t| {
            !all.iter().any(|out| {
                amount(out) == -amount(t)
                    && out["account_id"] != t["account_id"]
                    && (at(out) - at(t)).num_hours().abs() <= 24
            })
        })
        .take(3)
        .map(|t| (t["counterparty"].as_str().unwrap().to_owned(), amount(t)))
        .collect()
}

/// "Has my social security check come in" / "退休金发了没有": the latest three payments of her
/// pension or salary the bank has into her accounts are read, newest first, each with who paid
/// and how much — not her son's gift; "有没有钱打进来": the latest three from outside, any.
#[tokio::test]
async fn whether_money_came_in_is_read_from_the_banks_payments_in() {
    let dollars = |minor: i64| format!("${}.{:02}", minor / 100, minor % 100);
    let yuan = |minor: i64| format!("¥{}.{:02}", minor / 100, minor % 100);
    for (customer, asked, pension_only, amount) in [
        (
            DemoCustomer::MargaretWilson,
            "has my social security check come in",
            true,
            dollars as fn(i64) -> String,
        ),
        (DemoCustomer::WangXiuying, "退休金发了没有", true, yuan),
        (DemoCustomer::WangXiuying, "有没有钱打进来", false, yuan),
    ] {
        let offset = FixedOffset::east_opt(0).unwrap();
        let (mut assistant, bank, _dir) =
            tingshuo_tests::answers::assistant_with(customer, AssistantOptions::at(offset)).await;
        let expected = money_in_at_bank(&bank, customer, pension_only).await;
        assert_eq!(
            expected.len(),
            3,
            "{customer:?} has money coming in: {expected:?}"
        );
        let events = tell(&mut assistant, asked).await;
        assert_eq!(said(&events), ["dlg-income"], "{events:?}");
        let lines = shown(&events);
        assert_eq!(lines.len(), expected.len(), "{lines:?}");
        for (line, (from, minor)) in lines.iter().zip(&expected) {
            let shown = line.display.replace(',', "");
            assert!(
                shown.contains(from.as_str()) && shown.contains(&amount(*minor)),
                "{from} {minor}: {lines:?}"
            );
        }
        bank.shutdown().await;
    }
}

/// "定期什么时候到期": the time deposit's principal and the maturity date the bank has for it,
/// with its year.
#[tokio::test]
async fn a_time_deposits_maturity_is_said_as_the_bank_has_it() {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    let customer = DemoCustomer::WangXiuying;
    let (mut assistant, bank, _dir) =
        tingshuo_tests::answers::assistant_with(customer, AssistantOptions::at(offset)).await;
    let accounts: Vec<serde_json::Value> =
        bank.bank.db.all(customer.id(), "account").await.unwrap();
    let deposit = accounts
        .iter()
        .find(|a| a["kind"] == "time_deposit")
        .unwrap();
    let matures =
        chrono::NaiveDate::parse_from_str(deposit["matures_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let events = tell(&mut assistant, "定期什么时候到期").await;
    assert_eq!(said(&events), ["dlg-balance"], "{events:?}");
    let Some(Event::Say(spoken)) = events.iter().find(|e| matches!(e, Event::Say(_))) else {
        panic!("{events:?}")
    };
    let date = format!(
        "{}年{}月{}日",
        matures.year(),
        matures.month(),
        matures.day()
    );
    assert!(
        spoken.display.contains("本金") && spoken.display.contains(&format!("到期日{date}")),
        "{}",
        spoken.display
    );
    bank.shutdown().await;
}

/// The status the bank has for the English customer's card of this kind ("credit", "debit").
async fn card_status(bank: &RunningBank, kind: &str) -> String {
    card_status_of(bank, DemoCustomer::MargaretWilson, kind).await
}

/// The status the bank has for a customer's card of this kind.
async fn card_status_of(bank: &RunningBank, customer: DemoCustomer, kind: &str) -> String {
    let cards: Vec<serde_json::Value> = bank.bank.db.all(customer.id(), "card").await.unwrap();
    let card = cards.iter().find(|c| c["kind"] == kind).unwrap();
    card["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_card_is_unlocked_only_after_its_read_back_a_yes_and_the_step_up() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "lock my credit card").await;
    assert_eq!(said(&events), ["dlg-card-locked"]);
    // A failed step-up leaves it locked.
    tell(&mut assistant, "unlock my credit card").await;
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    let events = step_up(&mut assistant, false).await;
    assert_eq!(said(&events), ["dlg-unlock-step-up-failed"]);
    assert_eq!(card_status(&bank, "credit").await, "locked");
    // Words not understood at the step-up's prompt send it back to its read-back: the
    // step-up given after approves nothing.
    tell(&mut assistant, "unlock my credit card").await;
    tell(&mut assistant, "yes").await;
    let events = tell(&mut assistant, "hmm, the other one maybe").await;
    assert_eq!(
        said(&events),
        ["dlg-unlock-step-up-not-understood", "dlg-readback-unlock"]
    );
    let events = step_up(&mut assistant, true).await;
    assert!(said(&events).is_empty(), "{events:?}");
    assert_eq!(card_status(&bank, "credit").await, "locked");
    tell(&mut assistant, "cancel").await;
    // Read back, confirmed, stepped up: unlocked at the bank, and said so.
    let events = tell(&mut assistant, "unlock my credit card").await;
    assert_eq!(said(&events), ["dlg-readback-unlock"]);
    tell(&mut assistant, "yes").await;
    let events = step_up(&mut assistant, true).await;
    assert_eq!(said(&events), ["dlg-card-unlocked"]);
    assert_eq!(card_status(&bank, "credit").await, "active");
    bank.shutdown().await;
}

/// Words the recognizer wrote by their sounds ("接锁" for 解锁, "王建果" for 王建国) are
/// understood as the context's words, and act only as written ones do: the read-back names
/// what the bank will do, and the bank does nothing before her yes and the step-up.
#[tokio::test]
async fn mandarin_words_heard_by_their_sounds_act_only_after_a_read_back_a_yes_and_the_step_up() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let customer = DemoCustomer::WangXiuying;
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    let (client, _dir) = registered_client(&bank.url(), customer, code).await;
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
    let mut assistant = Assistant::open(client, Locale::ZhCn, AssistantOptions::at(beijing))
        .await
        .unwrap();
    let read_back = |events: &[Event]| match events.first() {
        Some(Event::Say(spoken)) => spoken.display.clone(),
        _ => panic!("{events:?}"),
    };

    let events = tell(&mut assistant, "锁定信用卡").await;
    assert_eq!(said(&events), ["dlg-card-locked"]);
    // 解锁 heard as "接锁" (the same syllables, tones aside).
    let events = tell(&mut assistant, "接锁信用卡").await;
    assert_eq!(said(&events), ["dlg-readback-unlock"], "{events:?}");
    assert!(read_back(&events).contains("4580"), "{events:?}");
    let events = tell(&mut assistant, "对").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    assert_eq!(card_status_of(&bank, customer, "credit").await, "locked");
    let events = step_up(&mut assistant, true).await;
    assert_eq!(said(&events), ["dlg-card-unlocked"]);
    assert_eq!(card_status_of(&bank, customer, "credit").await, "active");

    // 王建国 heard as "王建果": read back by the name the bank has, paid to that payee.
    let events = tell(&mut assistant, "给王建果转两百").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    assert!(read_back(&events).contains("王建国"), "{events:?}");
    let events = tell(&mut assistant, "对").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    assert!(payments(&bank, customer).await.is_empty());
    step_up(&mut assistant, true).await;
    let paid = payments(&bank, customer).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["amount_minor"], 20_000, "{paid:?}");
    assert_eq!(paid[0]["target_id"], "zh-payee-wangjianguo", "{paid:?}");
    bank.shutdown().await;
}

/// "Slower" and "speak up" change the voice before the read-back is said again, so the repeat
/// they ask for is slower and louder; the read-back is still the one a yes confirms, and the
/// transfer made is the one read back.
#[tokio::test]
async fn slower_and_louder_change_the_voice_of_the_repeat_they_ask_for() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"]);
    let rate = assistant.speech_rate();
    let events = tell(&mut assistant, "slower").await;
    assert!(
        matches!(&events[..], [Event::SpeechRate(slower), Event::Say(spoken), Event::Listen] if *slower < rate && spoken.id == "dlg-readback-transfer"),
        "{events:?}"
    );
    let volume = assistant.volume();
    let events = tell(&mut assistant, "speak up").await;
    assert!(
        matches!(&events[..], [Event::Volume(louder), Event::Say(spoken), Event::Listen] if *louder > volume && spoken.id == "dlg-readback-transfer"),
        "{events:?}"
    );
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    let events = step_up(&mut assistant, true).await;
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-done"],
        "{events:?}"
    );
    let made = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["amount_minor"], 2000);
}

/// "Which card?" takes a bare "the debit card", and the bank locks that one; "I found my card"
/// then means the one card locked, which is read back, confirmed and stepped up before the
/// bank unlocks it.
#[tokio::test]
async fn which_card_takes_a_bare_answer_and_a_found_card_is_the_locked_one() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "lock my card").await;
    assert_eq!(said(&events), ["dlg-ask-card"]);
    let events = tell(&mut assistant, "the debit card").await;
    assert_eq!(said(&events), ["dlg-card-locked"], "{events:?}");
    assert_eq!(card_status(&bank, "debit").await, "locked");
    assert_eq!(card_status(&bank, "credit").await, "active");
    let events = tell(&mut assistant, "I found my card").await;
    assert_eq!(said(&events), ["dlg-readback-unlock"], "{events:?}");
    let Event::Say(read_back) = &events[0] else {
        panic!("{events:?}")
    };
    assert!(read_back.display.contains("3921"), "{}", read_back.display);
    tell(&mut assistant, "yes").await;
    let events = step_up(&mut assistant, true).await;
    assert_eq!(said(&events), ["dlg-card-unlocked"]);
    assert_eq!(card_status(&bank, "debit").await, "active");
    bank.shutdown().await;
}

/// A name that is none of the payees is said as such, with who the payees are and how a new
/// one is added, never "didn't catch that"; the amount said stays, and the payee named next is
/// paid it. A bill with nothing due is said to have nothing due, and nothing is paid.
#[tokio::test]
async fn an_unknown_payee_is_explained_and_a_bill_with_nothing_due_said_so() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    let events = tell(&mut assistant, "send fifty bucks to my grandson").await;
    assert_eq!(said(&events), ["dlg-unknown-payee-named"], "{events:?}");
    let Event::Say(explained) = &events[0] else {
        panic!("{events:?}")
    };
    for payee in ["Alice Chen", "Bob Wilson", "David Miller", "Maria Garcia"] {
        assert!(explained.display.contains(payee), "{}", explained.display);
    }
    let events = tell(&mut assistant, "Bob").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    tell(&mut assistant, "yes").await;
    step_up(&mut assistant, true).await;
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["amount_minor"], 5_000);

    // The water bill was paid last month; nothing is due.
    let bills: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(DemoCustomer::MargaretWilson.id(), "bill")
        .await
        .unwrap();
    let water: Vec<&serde_json::Value> = bills
        .iter()
        .filter(|b| b["biller_id"] == "en-biller-water")
        .collect();
    assert!(
        !water.is_empty() && water.iter().all(|b| b["status"] == "paid"),
        "{water:?}"
    );
    let events = tell(&mut assistant, "pay the water bill").await;
    assert_eq!(said(&events), ["dlg-nothing-due"], "{events:?}");
    assert_eq!(payments(&bank, DemoCustomer::MargaretWilson).await.len(), 1);
    bank.shutdown().await;
}

#[tokio::test]
async fn her_voice_is_not_listened_to_until_she_agrees_and_her_decision_outlives_the_session() {
    let (bank, client, mut assistant, _dir) = bank_client_and_session().await;
    // No model given: a turn of speech that got past the consent would fail for want of one.
    let speech = || Turn::Audio(vec![0.1; 16_000]);
    // Dropped unheard, with the sentence that says why; the app asked to show the consent
    // screen only while she was never asked.
    let unheard = |events: &[Event], message: &str, screen: bool| {
        assert_eq!(said(events), [message], "{events:?}");
        assert_eq!(
            events.contains(&Event::ConsentNeeded(Purpose::VoiceRecognition)),
            screen,
            "{events:?}"
        );
        assert!(
            !events
                .iter()
                .any(|event| matches!(event, Event::Heard(_) | Event::Listen)),
            "{events:?}"
        );
    };
    let asked = |events: &[Event]| unheard(events, "consent-voice-needed", true);
    let declined = |events: &[Event]| unheard(events, "consent-voice-declined", false);
    assert_eq!(
        assistant.consent(Purpose::VoiceRecognition).await.unwrap(),
        Consent::NotAsked
    );
    asked(&assistant.turn(speech()).await.unwrap());
    // Asked in the middle of a payment: the read-back still waits for a typed answer.
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    asked(&assistant.turn(speech()).await.unwrap());
    assert_eq!(assistant.stage(), "read-back");
    let events = tell(&mut assistant, "cancel").await;
    assert_eq!(said(&events), ["dlg-cancelled-payment"], "{events:?}");
    assert_nothing_paid(&bank).await;

    // The screen's words, in each locale, under one version.
    let english = assistant
        .consent_wording(Purpose::VoiceRecognition)
        .unwrap();
    assert!(
        english.body.contains("never sent to the bank"),
        "{english:?}"
    );
    let chinese = tingshuo_core::Localizer::new()
        .unwrap()
        .consent_wording(Locale::ZhCn, Purpose::VoiceRecognition)
        .unwrap();
    assert!(chinese.body.contains("不会发给银行"), "{chinese:?}");
    assert_eq!(english.version, chinese.version);

    // Declined: still not listened to, and not asked again at every turn.
    assistant
        .decide_consent(Purpose::VoiceRecognition, false)
        .await
        .unwrap();
    assert_eq!(
        assistant.consent(Purpose::VoiceRecognition).await.unwrap(),
        Consent::Refused
    );
    declined(&assistant.turn(speech()).await.unwrap());

    // Agreed: the speech goes on to recognition (none given here: the clear error).
    assistant
        .decide_consent(Purpose::VoiceRecognition, true)
        .await
        .unwrap();
    let past_the_consent = assistant.turn(speech()).await;
    assert!(
        matches!(past_the_consent, Err(AssistantError::NoRecognizer)),
        "{past_the_consent:?}"
    );
    // The decision is the store's: the next session (the app restarted) keeps it, and a
    // decision made on other words is no decision.
    drop(assistant);
    let mut assistant = another_session(&client).await;
    assert_eq!(
        assistant.consent(Purpose::VoiceRecognition).await.unwrap(),
        Consent::Granted
    );
    assert!(matches!(
        assistant.turn(speech()).await,
        Err(AssistantError::NoRecognizer)
    ));
    assert_eq!(
        client
            .consent(Purpose::VoiceRecognition, english.version.wrapping_add(1))
            .await
            .unwrap(),
        Consent::NotAsked
    );
    // Withdrawn from the settings: not listened to again.
    assistant
        .decide_consent(Purpose::VoiceRecognition, false)
        .await
        .unwrap();
    declined(&assistant.turn(speech()).await.unwrap());
    bank.shutdown().await;
}

/// A credit card paid beyond what was owed is in credit: said and shown as such in both
/// languages, at the bank's figure, never as owing a negative amount.
#[tokio::test]
async fn a_credit_card_paid_beyond_its_balance_is_said_in_credit_never_owing_minus() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    for (customer, locale, card, question, in_credit, owing) in [
        (
            DemoCustomer::MargaretWilson,
            Locale::EnUs,
            "en-visa",
            "how much do I owe on my credit card",
            "$123.45 in credit",
            "you owe",
        ),
        (
            DemoCustomer::WangXiuying,
            Locale::ZhCn,
            "zh-credit",
            "信用卡还欠多少钱",
            "多存了¥123.45",
            "欠款",
        ),
    ] {
        let code = bank.enrollment_code(customer.id()).await.unwrap();
        let (client, _dir) = registered_client(&bank.url(), customer, code).await;
        let accounts: Vec<serde_json::Value> =
            bank.bank.db.all(customer.id(), "account").await.unwrap();
        let mut account = accounts.into_iter().find(|a| a["id"] == card).unwrap();
        account["booked_minor"] = serde_json::json!(12_345);
        bank.bank
            .db
            .put_document(customer.id(), "account", card, &account)
            .await
            .unwrap();
        client.sync().sync_now().await.unwrap();
        let view = client
            .view()
            .current(Utc::now().date_naive())
            .await
            .unwrap();
        let mut assistant = Assistant::open(
            client,
            locale,
            AssistantOptions::at(FixedOffset::east_opt(0).unwrap()),
        )
        .await
        .unwrap();
        let events = tell(&mut assistant, question).await;
        let Some(Event::Say(reply)) = events.first() else {
            panic!("{events:?}")
        };
        assert_eq!(reply.id, "dlg-balance-owed", "{events:?}");
        let l10n = tingshuo_core::Localizer::new().unwrap();
        let at = tingshuo_core::l10n::present::Presentation {
            locale,
            now: Utc::now(),
            zone: FixedOffset::east_opt(0).unwrap().into(),
        };
        let shown = tingshuo_core::l10n::present::view_lines(&l10n, &at, &view).unwrap();
        let card_line = shown
            .iter()
            .find(|line| {
                let number = account["number"].as_str().unwrap();
                line.display.contains(&number[number.len() - 4..])
            })
            .unwrap();
        for text in [
            &reply.display,
            &reply.speech,
            &card_line.display,
            &card_line.speech,
        ] {
            assert!(!text.contains(owing), "{text}");
            assert!(
                !text.to_lowercase().contains("minus") && !text.contains('负'),
                "{text}"
            );
        }
        for shown in [&reply.display, &card_line.display] {
            assert!(!shown.contains('-') && !shown.contains('−'), "{shown}");
        }
        assert!(reply.display.contains(in_credit), "{}", reply.display);
        assert!(
            card_line.display.contains("123.45"),
            "{}",
            card_line.display
        );
    }
    bank.shutdown().await;
}

/// Said while the step-up is asked, a change is taken as at the read-back ("no, make it sixty
/// dollars" was once not understood, and the step-up then sent the twenty she had just
/// refused), and words not understood send the payment back to its read-back: in both, the
/// step-up still given approves nothing, and only a yes to the new read-back moves money —
/// what it read back.
#[tokio::test]
async fn words_said_at_the_step_up_prompt_are_never_overruled_by_it() {
    let (bank, mut assistant, _dir) = session(BankConfig::default()).await;
    // The amount the read-back among `events` says, as shown.
    let to_bob = |events: &[Event]| {
        events.iter().find_map(|event| match event {
            Event::Say(spoken) if spoken.id == "dlg-readback-transfer" => ["$20.00", "$60.00"]
                .into_iter()
                .find(|amount| spoken.display.contains(amount))
                .map(str::to_owned),
            _ => None,
        })
    };
    for (said_then, read_back_then) in [
        ("no, make it sixty dollars", "$60.00"),
        ("make it sixty", "$60.00"),
        ("wait, sixty dollars", "$20.00"),
    ] {
        let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
        assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
        let events = tell(&mut assistant, "yes").await;
        assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
        let events = tell(&mut assistant, said_then).await;
        assert_eq!(
            to_bob(&events).as_deref(),
            Some(read_back_then),
            "{said_then}: {events:?}"
        );
        let events = step_up(&mut assistant, true).await;
        assert!(said(&events).is_empty(), "{said_then}: {events:?}");
        assert!(
            payments(&bank, DemoCustomer::MargaretWilson)
                .await
                .is_empty()
        );
        tell(&mut assistant, "cancel").await;
    }
    let events = tell(&mut assistant, "send twenty dollars to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    tell(&mut assistant, "yes").await;
    tell(&mut assistant, "no, make it sixty dollars").await;
    let events = tell(&mut assistant, "yes").await;
    assert!(Event::step_up_requested(&events).is_some(), "{events:?}");
    step_up(&mut assistant, true).await;
    let paid = payments(&bank, DemoCustomer::MargaretWilson).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["amount_minor"], 6_000, "{paid:?}");
    bank.shutdown().await;
}

/// 王秀英's bank's own commands in Mandarin (the repository's zh-CN example) reach the host
/// with their slots, and her payments are still the product's.
#[tokio::test]
async fn a_banks_own_mandarin_commands_reach_the_host() {
    let options = AssistantOptions::at(FixedOffset::east_opt(8 * 3600).unwrap())
        .with_bank_intents(tingshuo_tests::BANK_INTENTS_ZH);
    let (mut assistant, _bank, _dir) =
        tingshuo_tests::answers::assistant_with(DemoCustomer::WangXiuying, options).await;
    let request = |events: &[Event]| {
        events.iter().find_map(|event| match event {
            Event::BankRequest { intent, slots } => Some((intent.clone(), slots.clone())),
            _ => None,
        })
    };
    let events = tell(&mut assistant, "帮我在海淀区附近找个网点").await;
    let (intent, slots) = request(&events).expect("a bank request");
    assert_eq!(intent, "findBranch");
    assert_eq!(
        slots.get("district"),
        Some(&SlotValue::Text("海淀区".into()))
    );
    assert_eq!(said(&events), ["dlg-bank-request"]);
    let events = tell(&mut assistant, "我要申请支票本").await;
    assert_eq!(
        request(&events).map(|(intent, _)| intent).as_deref(),
        Some("orderCheckbook")
    );
    let events = tell(&mut assistant, "给李伟转两百块").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    assert!(request(&events).is_none());
}

/// A bank's own intents, given at open, are understood beside the product's and handed to the
/// host with their slots; she is told it is under way, nothing moves at the bank, and a
/// payment being collected waits for its answer. One that takes the name of a product intent
/// or answer, or does not load, is refused at open with the reason.
#[tokio::test]
async fn a_banks_own_intents_reach_the_host_and_move_nothing() {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let (client, _dir) = client_for(&bank).await;
    let offset = FixedOffset::west_opt(5 * 3600).unwrap();
    let open = |yaml: &str| {
        let options = AssistantOptions::at(offset).with_bank_intents(yaml);
        Assistant::open(client.clone(), Locale::EnUs, options)
    };
    let mut assistant = open(tingshuo_tests::BANK_INTENTS_EN).await.unwrap();
    let customer = DemoCustomer::MargaretWilson;
    let payments_before = payments(&bank, customer).await.len();

    let events = tell(&mut assistant, "where is the nearest branch in Springfield").await;
    assert_eq!(said(&events), ["dlg-bank-request"], "{events:?}");
    let request = events.iter().find_map(|event| match event {
        Event::BankRequest { intent, slots } => Some((intent.clone(), slots.clone())),
        _ => None,
    });
    let (intent, slots) = request.expect("a bank request");
    assert_eq!(intent, "findBranch");
    assert_eq!(
        slots.get("town"),
        Some(&SlotValue::Text("springfield".into()))
    );

    // The product's built-in slot types fill a bank's intent with her own items.
    let events = tell(&mut assistant, "order checks for my savings account").await;
    let slots = events.iter().find_map(|event| match event {
        Event::BankRequest { intent, slots } if intent == "orderCheckbook" => Some(slots.clone()),
        _ => None,
    });
    let account = slots.as_ref().and_then(|slots| slots.get("account"));
    assert!(
        matches!(
            account,
            Some(SlotValue::Item {
                item: ItemRef::Account(_),
                ..
            })
        ),
        "{events:?}"
    );

    // The product's own commands are still its own.
    let events = tell(&mut assistant, "what's my balance").await;
    assert_eq!(said(&events), ["dlg-balance"], "{events:?}");
    // Asked mid-payment, the payment's question waits and comes back.
    let events = tell(&mut assistant, "send money to Bob Wilson").await;
    assert_eq!(said(&events), ["dlg-ask-amount"], "{events:?}");
    let events = tell(&mut assistant, "find me a branch").await;
    assert!(
        events.iter().any(
            |event| matches!(event, Event::BankRequest { intent, .. } if intent == "findBranch")
        ),
        "{events:?}"
    );
    let events = tell(&mut assistant, "twenty dollars").await;
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    tell(&mut assistant, "cancel").await;
    assert_eq!(payments(&bank, customer).await.len(), payments_before);

    // Refused at open, saying why: a product intent's name, an answer's, a sentence the
    // product says already (heard, her "no thanks" would be the bank's), a file that is not
    // a context.
    for (yaml, reason) in [
        (
            "context:\n  expressions:\n    transfer:\n      - \"wire it\"\n",
            "transfer",
        ),
        (
            "context:\n  expressions:\n    declineOffer:\n      - \"(please) no thanks\"\n",
            "\"no thanks\"",
        ),
        (
            "context:\n  expressions:\n    amount:\n      - \"that much\"\n",
            "amount",
        ),
        ("context: [", "YAML"),
    ] {
        match open(yaml).await {
            Err(AssistantError::BankIntents(error)) => {
                assert!(error.to_string().contains(reason), "{error}");
            }
            other => panic!("{yaml:?} opened: {:?}", other.map(|_| ())),
        }
    }
}
