//! The assistant session taking turns of speech (`Turn::Audio`): commands spoken by espeak-ng,
//! recognized on the device with the installed model (`make models`), against the reference
//! bank. What it heard is shown, it listens again while it waits for an answer, nothing heard
//! is a silence, and a turn of speech without a model is a clear error. Skips, saying why, when
//! the model is absent.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // Tests fail loudly; skips say why.

use std::sync::Arc;

use chrono::FixedOffset;
use tingshuo_core::Locale;
use tingshuo_core::assistant::{AssistantError, AssistantOptions, Event, Turn};
use tingshuo_core::listen::recognizer::Recognizer;
use tingshuo_desktop::render::Renderer;
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_tests::answers::{AnswerVoice, assistant_of, assistant_with, customer_of, hear_half};
use tingshuo_tests::said;
use tingshuo_tests::speech::{
    Condition, installed_model, one_at_a_time_async, round_trip_voice, speak_command,
};

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

#[tokio::test]
async fn spoken_turns_pay_what_was_read_back_and_silence_is_no_answer() {
    let _whisper = one_at_a_time_async().await;
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
    let request = Event::step_up_requested(&events).expect("a step-up asked for");
    let events = assistant
        .turn(Turn::StepUp {
            request,
            approved: true,
        })
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
            Ok(events) => assert!(
                said(&events).iter().all(|id| id.starts_with("dlg-silence")),
                "{events:?}"
            ),
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

/// A bank's own command, spoken: the speech search expects the bank's words as it does the
/// product's, and the request reaches the host with its slot.
#[tokio::test]
async fn a_banks_own_command_is_heard_by_voice() {
    let _whisper = one_at_a_time_async().await;
    let Some(model) = product_model() else {
        return;
    };
    let offset = FixedOffset::west_opt(5 * 3600).unwrap();
    let options = AssistantOptions::at(offset).with_bank_intents(tingshuo_tests::BANK_INTENTS_EN);
    let (mut assistant, bank, _dir) = assistant_with(DemoCustomer::MargaretWilson, options).await;
    assistant.listen_with(model);
    let renderer = Renderer::new();
    let spoken = speak_command(
        &renderer,
        "where is the nearest branch in Shelbyville",
        &round_trip_voice(0),
        Condition::Clean,
        1,
    );
    let events = assistant.turn(Turn::Audio(spoken)).await.unwrap();
    let request = events.iter().find_map(|event| match event {
        Event::BankRequest { intent, slots } => Some((intent.as_str(), slots.get("town"))),
        _ => None,
    });
    assert_eq!(
        request,
        Some((
            "findBranch",
            Some(&tingshuo_core::understand::SlotValue::Text(
                "shelbyville".into()
            ))
        )),
        "{events:?}"
    );
    assert_eq!(said(&events), ["dlg-bank-request"], "{events:?}");
    bank.shutdown().await;
}

/// 王秀英 says a transfer with a scammer's hurry and secrecy in it, by voice. The words the
/// warning rests on are no command, yet recognition must write them (the speech grammar lets
/// a scam's cues come with any sentence): the assistant warns, quoting what she said, and
/// after her 取消 the bank has no payment.
#[tokio::test]
async fn a_scams_secrecy_said_in_mandarin_is_heard_and_warned_about() {
    let _whisper = one_at_a_time_async().await;
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

/// A transfer asked for one detail at a time, every answer spoken, in both languages: the
/// payee, the amount, a correction of the amount read back, a yes and the step-up. The bank
/// makes exactly the corrected payment, to the payee named. (Searched for under the banking
/// context alone, the spoken answers had been forced into commands: "两百块" heard as "两百账",
/// the transactions; "fifty dollars" heard as "$3." and read back.)
#[tokio::test]
async fn a_transfer_answered_one_question_at_a_time_by_voice_pays_what_was_said() {
    let _whisper = one_at_a_time_async().await;
    let Some(model) = product_model() else {
        return;
    };
    for (locale, turns, payee, minor) in [
        (
            Locale::ZhCn,
            ["我要转账", "刘芳", "两百块", "不对，是三百", "对"],
            "zh-payee-liufang",
            30_000,
        ),
        (
            Locale::EnUs,
            [
                "make a transfer",
                "Alice Chen",
                "fifty dollars",
                "no, thirty dollars",
                "yes",
            ],
            "en-payee-alice",
            3_000,
        ),
    ] {
        let voice = match AnswerVoice::for_locale(locale) {
            Ok(voice) => voice,
            Err(reason) => {
                tingshuo_tests::skip(&reason);
                continue;
            }
        };
        let (customer, offset) = customer_of(locale);
        let (mut assistant, bank, _dir) = assistant_of(customer, offset).await;
        assistant.listen_with(model.clone());
        let lines: Vec<(usize, &str)> = turns.iter().copied().enumerate().collect();
        let mut replies = Vec::new();
        for audio in voice.speak_lines(&lines, Condition::Clean) {
            let mut events = assistant.turn(Turn::Audio(audio)).await.unwrap();
            if let Some(request) = Event::step_up_requested(&events) {
                events.extend(
                    assistant
                        .turn(Turn::StepUp {
                            request,
                            approved: true,
                        })
                        .await
                        .unwrap(),
                );
            }
            replies.push(said(&events));
        }
        assert_eq!(
            replies,
            [
                vec!["dlg-ask-payee"],
                vec!["dlg-ask-amount"],
                vec!["dlg-readback-transfer"],
                vec!["dlg-readback-transfer"],
                vec!["dlg-step-up", "dlg-sending", "dlg-payment-done"],
            ],
            "{locale:?}"
        );
        let paid: Vec<serde_json::Value> =
            bank.bank.db.all(customer.id(), "payment").await.unwrap();
        assert_eq!(paid.len(), 1, "{paid:?}");
        assert_eq!(paid[0]["target_id"], payee, "{paid:?}");
        assert_eq!(paid[0]["amount_minor"], minor, "{paid:?}");
        bank.shutdown().await;
    }
}

/// The spoken answers of `tests/corpus/answers/`' held-out halves, each at its question, every
/// row heard once (even rows clean, odd rows at 10 dB): what the session hears must be what
/// the customer meant — the slot asked for, the command said instead, or nothing for words
/// that are neither. Floors a few rows under what is measured (`docs/benchmarks.md`). Each row
/// has a conversation and a bank of its own, and no bank may have made a payment.
#[tokio::test]
async fn answers_spoken_at_the_assistants_questions_fill_what_was_asked() {
    let _whisper = one_at_a_time_async().await;
    let Some(model) = product_model() else {
        return;
    };
    // (locale, condition, which rows, floor of 12). The held-out halves only, each row once:
    // heard at both conditions, both halves, this test took more than twelve minutes of the
    // suite on a slower machine; `make bench` (`cargo bench --bench answers`) measures every
    // row of both halves at three conditions. Floors two under what was measured (10, 5, 12,
    // 10 of 12: docs/benchmarks.md); the AVX2-only machine heard two to three fewer Mandarin
    // answers of the held-out half than this one.
    let floors = [
        (Locale::ZhCn, Condition::Clean, 0, 8),
        (Locale::ZhCn, Condition::Noise { snr_db: 10.0 }, 1, 3),
        (Locale::EnUs, Condition::Clean, 0, 10),
        (Locale::EnUs, Condition::Noise { snr_db: 10.0 }, 1, 8),
    ];
    let mut failures = Vec::new();
    for locale in [Locale::ZhCn, Locale::EnUs] {
        let voice = match AnswerVoice::for_locale(locale) {
            Ok(voice) => voice,
            Err(reason) => {
                tingshuo_tests::skip(&reason);
                continue;
            }
        };
        for &(_, condition, parity, floor) in floors.iter().filter(|f| f.0 == locale) {
            let heard = hear_half(&model, &voice, locale, true, condition, |index| {
                index % 2 == parity
            })
            .await;
            let met = heard.met;
            println!(
                "{} held-out {}: {met}/{} answers heard as meant (floor {floor})",
                locale.tag(),
                condition.name(),
                heard.rows
            );
            if met < floor {
                failures.push(format!(
                    "{} held-out {}: {met} < {floor}",
                    locale.tag(),
                    condition.name()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
