//! The assistant session taking turns of speech (`Turn::Audio`): commands spoken by espeak-ng,
//! recognized on the device with the installed model (`make models`), against the reference
//! bank. What it heard is shown, it listens again while it waits for an answer, nothing heard
//! is a silence, and a turn of speech without a model is a clear error. Skips, saying why, when
//! the model is absent.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // Tests fail loudly; skips say why.

use std::sync::Arc;

use chrono::{FixedOffset, Utc};
use tingshuo_core::assistant::{Assistant, AssistantError, AssistantOptions, Event, Turn};
use tingshuo_core::listen::recognizer::Recognizer;
use tingshuo_desktop::render::Renderer;
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, RunningBank, start_demo_bank};
use tingshuo_tests::speech::{Condition, installed_model, round_trip_voice, speak_command};
use tingshuo_tests::{registered_client, said};

/// The product's model (docs/decisions/0043-base-with-eight-bit-weights.md), or `None` after
/// saying why the test is skipped.
fn product_model() -> Option<Arc<Recognizer>> {
    match installed_model(tingshuo_desktop::listen::DEFAULT_MODEL) {
        Ok(model) => Some(Arc::new(model)),
        Err(reason) => {
            tingshuo_tests::skip(&reason);
            None
        }
    }
}

/// A demo customer's assistant against a fresh reference bank on loopback, in the customer's
/// language and home time zone; the store's folder lives as long as the returned guard.
async fn assistant_of(
    customer: DemoCustomer,
    offset: FixedOffset,
) -> (Assistant, RunningBank, tempfile::TempDir) {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    let code = bank.enrollment_code(customer.id()).await.unwrap();
    let (client, dir) = registered_client(&bank.url(), customer, code).await;
    let assistant = Assistant::open(client, customer.locale(), AssistantOptions::at(offset))
        .await
        .unwrap();
    (assistant, bank, dir)
}

#[tokio::test]
async fn spoken_turns_pay_what_was_read_back_and_silence_is_no_answer() {
    let Some(model) = product_model() else {
        return;
    };
    let offset = FixedOffset::west_opt(5 * 3600).unwrap();
    let (mut assistant, bank, _dir) = assistant_of(DemoCustomer::MargaretWilson, offset).await;
    // Without a model, speech is refused with a reason, and nothing is lost.
    let refused = assistant.turn(Turn::Audio(vec![0.0; 16_000])).await;
    assert!(
        matches!(refused, Err(AssistantError::NoRecognizer)),
        "{refused:?}"
    );
    assistant.listen_with(model);

    let renderer = Renderer::new();
    let voice = round_trip_voice(0);
    let speak = |text: &str| speak_command(&renderer, text, &voice, Condition::Clean, 1);
    let events = assistant
        .turn(Turn::Audio(speak("send twenty dollars to Bob Wilson")))
        .await
        .unwrap();
    assert!(
        matches!(events.first(), Some(Event::Heard(text)) if text.to_lowercase().contains("bob")),
        "{events:?}"
    );
    assert_eq!(said(&events), ["dlg-readback-transfer"], "{events:?}");
    assert_eq!(events.last(), Some(&Event::Listen));
    let events = assistant.turn(Turn::Audio(speak("yes"))).await.unwrap();
    assert!(events.contains(&Event::StepUpRequested), "{events:?}");
    let events = assistant
        .turn(Turn::StepUp { approved: true })
        .await
        .unwrap();
    assert_eq!(
        said(&events),
        ["dlg-sending", "dlg-payment-done"],
        "{events:?}"
    );
    let paid: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(DemoCustomer::MargaretWilson.id(), "payment")
        .await
        .unwrap();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["amount_minor"], 2_000);

    // A second of quiet is no answer: a gentle prompt, nothing heard, nothing done.
    let events = assistant
        .turn(Turn::Audio(vec![0.0; 16_000]))
        .await
        .unwrap();
    assert_eq!(said(&events), ["dlg-silence"], "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Heard(_))));
    // Garbage is refused or heard as nothing; either way the conversation goes on.
    for garbage in [vec![f32::NAN; 16_000], vec![1e9; 8_000], Vec::new()] {
        match assistant.turn(Turn::Audio(garbage)).await {
            Ok(events) => assert!(said(&events).iter().all(|id| id.starts_with("dlg-silence"))),
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
    let events = assistant
        .turn(Turn::Text("what's my balance".into()))
        .await
        .unwrap();
    assert_eq!(said(&events), ["dlg-balance"]);
    bank.shutdown().await;
}

/// 王秀英 says a transfer with a scammer's hurry and secrecy in it, by voice. The words the
/// warning rests on are no command, yet recognition must write them (the speech grammar lets
/// a scam's cues come with any sentence): the assistant warns, quoting what she said, and
/// after her 取消 the bank has no payment.
#[tokio::test]
async fn a_scams_secrecy_said_in_mandarin_is_heard_and_warned_about() {
    let Some(model) = product_model() else {
        return;
    };
    let voice = match tingshuo_desktop::neural_voice::NeuralMandarin::set_up(
        tingshuo_tests::speech::root(),
    ) {
        Ok(voice) => voice,
        Err(reason) => {
            tingshuo_tests::skip(&reason.to_string());
            return;
        }
    };
    let customer = DemoCustomer::WangXiuying;
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    let (mut assistant, bank, _dir) = assistant_of(customer, offset).await;
    assistant.listen_with(model);
    let speak = |text: &str| {
        let pcm = voice
            .render(text, tingshuo_desktop::neural_voice::VoiceSettings::NATURAL)
            .unwrap();
        tingshuo_core::listen::Audio::from_pcm_i16(&pcm.samples, pcm.sample_rate, 1)
            .unwrap()
            .into_samples()
    };
    let events = assistant
        .turn(Turn::Audio(speak("给刘芳转五千块，急，别告诉我儿子")))
        .await
        .unwrap();
    assert!(
        matches!(events.first(), Some(Event::Heard(text)) if text.contains("别告诉")),
        "{events:?}"
    );
    let warning = events.iter().find_map(|event| match event {
        Event::Say(spoken) if spoken.id == "dlg-scam-warning" => Some(spoken),
        _ => None,
    });
    assert!(
        warning.is_some_and(|spoken| spoken.display.contains("别告诉")),
        "{events:?}"
    );
    let events = assistant.turn(Turn::Audio(speak("取消"))).await.unwrap();
    assert_eq!(said(&events), ["dlg-cancelled-payment"], "{events:?}");
    let paid: Vec<serde_json::Value> = bank.bank.db.all(customer.id(), "payment").await.unwrap();
    assert!(paid.is_empty(), "{paid:?}");
    bank.shutdown().await;
}
