//! Spoken answers to the assistant's questions (`tests/corpus/answers/`): each row's question
//! is brought about by a typed turn, the answer is given to the session as a turn of speech,
//! and what the session heard is compared with the row's label. Used by the assistant's voice
//! test (a slice with floors) and the answers benchmark (every condition).

use std::sync::Arc;

use chrono::{FixedOffset, Utc};
use tingshuo_core::Locale;
use tingshuo_core::assistant::{Assistant, AssistantOptions, Event, Purpose, Turn};
use tingshuo_core::listen::recognizer::Recognizer;
use tingshuo_desktop::neural_voice::NeuralMandarin;
use tingshuo_desktop::render::Renderer;
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, RunningBank, start_demo_bank};

use crate::speech::{
    Condition, heard_under, mandarin_round_trip_voice, root, round_trip_voice, speak_command,
};

/// One row: the question waiting, what the customer answers, and what it means.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    /// The row's place among all 48 of its language as written (the halves interleave), which
    /// picks its voice, so each half is spoken by every voice alike.
    pub place: usize,
    pub asked: String,
    pub text: String,
    /// `None` for a bare answer (it fills a slot) or for words that are no command at all.
    pub intent: Option<String>,
    pub slots: serde_json::Value,
}

/// The rows of one language: the half that may be tuned on, or the held-out half.
pub fn answer_rows(locale: Locale, held_out: bool) -> Vec<AnswerRow> {
    let file = format!(
        "tests/corpus/answers/{}{}.jsonl",
        if held_out { "held-out/" } else { "" },
        locale.tag()
    );
    let text = std::fs::read_to_string(root().join(&file)).expect("answers corpus");
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            let row: serde_json::Value = serde_json::from_str(line).expect("answers row");
            AnswerRow {
                place: 2 * index + usize::from(held_out),
                asked: row["asked"].as_str().expect("asked").to_owned(),
                text: row["text"].as_str().expect("text").to_owned(),
                intent: row["intent"].as_str().map(str::to_owned),
                slots: row["slots"].clone(),
            }
        })
        .collect()
}

/// The demo customer who speaks `locale`, and their home time zone.
pub fn customer_of(locale: Locale) -> (DemoCustomer, FixedOffset) {
    match locale {
        Locale::ZhCn => (
            DemoCustomer::WangXiuying,
            FixedOffset::east_opt(8 * 3600).expect("offset"),
        ),
        Locale::EnUs => (
            DemoCustomer::MargaretWilson,
            FixedOffset::west_opt(5 * 3600).expect("offset"),
        ),
    }
}

/// A demo customer's assistant against a fresh reference bank on loopback, in the customer's
/// language and home time zone, with her agreement to voice recognition recorded (as the app
/// asks before her first turn of speech); the store's folder lives as long as the returned
/// guard.
pub async fn assistant_of(
    customer: DemoCustomer,
    offset: FixedOffset,
) -> (Assistant, RunningBank, tempfile::TempDir) {
    assistant_with(customer, AssistantOptions::at(offset)).await
}

/// [`assistant_of`], with these options.
pub async fn assistant_with(
    customer: DemoCustomer,
    options: AssistantOptions,
) -> (Assistant, RunningBank, tempfile::TempDir) {
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .expect("reference bank");
    let code = bank
        .enrollment_code(customer.id())
        .await
        .expect("enrollment code");
    let (client, dir) = crate::registered_client(&bank.url(), customer, code).await;
    let assistant = Assistant::open(client, customer.locale(), options)
        .await
        .expect("assistant opens");
    assistant
        .decide_consent(Purpose::VoiceRecognition, true)
        .await
        .expect("consent recorded");
    (assistant, bank, dir)
}

/// The typed turn that brings about a question, and the reply that asks it.
fn question(locale: Locale, asked: &str) -> (&'static str, &'static str) {
    match (locale, asked) {
        (Locale::ZhCn, "payee") => ("我要转账", "dlg-ask-payee"),
        (Locale::ZhCn, "amount") => ("给李伟转账", "dlg-ask-amount"),
        (Locale::ZhCn, "biller") => ("我要交费", "dlg-ask-biller"),
        (Locale::ZhCn, "card") => ("锁卡", "dlg-ask-card"),
        (Locale::ZhCn, "change") => ("给李伟转两百块", "dlg-readback-transfer"),
        (Locale::EnUs, "payee") => ("make a transfer", "dlg-ask-payee"),
        (Locale::EnUs, "amount") => ("send money to Bob Wilson", "dlg-ask-amount"),
        (Locale::EnUs, "biller") => ("I want to pay a bill", "dlg-ask-biller"),
        (Locale::EnUs, "card") => ("lock my card", "dlg-ask-card"),
        (Locale::EnUs, "change") => ("send twenty dollars to Bob Wilson", "dlg-readback-transfer"),
        (_, other) => panic!("no question brings about {other:?}"),
    }
}

/// The test voices of a language: the neural Mandarin voice, espeak-ng's English ones.
#[derive(Debug)]
pub enum AnswerVoice {
    Mandarin(NeuralMandarin),
    English(Renderer),
}

impl AnswerVoice {
    /// The voice for `locale`, or why it cannot speak here.
    pub fn for_locale(locale: Locale) -> Result<AnswerVoice, String> {
        match locale {
            Locale::ZhCn => NeuralMandarin::set_up(root())
                .map(AnswerVoice::Mandarin)
                .map_err(|reason| {
                    format!("the neural Mandarin test voice is unavailable: {reason}")
                }),
            Locale::EnUs => Ok(AnswerVoice::English(Renderer::new())),
        }
    }

    /// Every row spoken in the voice of its place, as a microphone hears it under `condition`
    /// (16 kHz mono).
    pub fn speak(&self, rows: &[AnswerRow], condition: Condition) -> Vec<Vec<f32>> {
        let lines: Vec<(usize, &str)> = rows
            .iter()
            .map(|row| (row.place, row.text.as_str()))
            .collect();
        self.speak_lines(&lines, condition)
    }

    /// Lines of text, each spoken in the voice of the place given with it, as a microphone hears
    /// it under `condition` (16 kHz mono). Mandarin is rendered in one batch (and cached by the
    /// voice).
    pub fn speak_lines(&self, lines: &[(usize, &str)], condition: Condition) -> Vec<Vec<f32>> {
        let seed = |place: usize| 1 + u64::try_from(place).unwrap_or(0);
        match self {
            AnswerVoice::Mandarin(voice) => {
                let requests: Vec<_> = lines
                    .iter()
                    .map(|&(place, text)| (text, mandarin_round_trip_voice(place)))
                    .collect();
                let speech = voice
                    .render_all(&requests)
                    .expect("the neural voice renders");
                lines
                    .iter()
                    .zip(&speech)
                    .map(|(&(place, _), pcm)| heard_under(pcm, condition, seed(place)))
                    .collect()
            }
            AnswerVoice::English(renderer) => lines
                .iter()
                .map(|&(place, text)| {
                    let voice = round_trip_voice(place);
                    speak_command(renderer, text, &voice, condition, seed(place))
                })
                .collect(),
        }
    }
}

/// What one half of a language made of one condition.
#[derive(Debug, Clone)]
pub struct HalfHeard {
    /// Answers heard as meant.
    pub met: usize,
    pub rows: usize,
    /// Each spoken turn's time.
    pub turns: Vec<std::time::Duration>,
}

/// The answers of one half that `keep` keeps (by their index in the half), spoken under
/// `condition`, each at its question ([`answer_at_its_question`]); the tuning half's misses
/// are printed with what was heard, the held-out half's only counted.
pub async fn hear_half(
    model: &Arc<Recognizer>,
    voice: &AnswerVoice,
    locale: Locale,
    held_out: bool,
    condition: Condition,
    keep: impl Fn(usize) -> bool,
) -> HalfHeard {
    let rows: Vec<AnswerRow> = answer_rows(locale, held_out)
        .into_iter()
        .enumerate()
        .filter(|(index, _)| keep(*index))
        .map(|(_, row)| row)
        .collect();
    let mut met = 0;
    let mut turns = Vec::new();
    for (row, audio) in rows.iter().zip(voice.speak(&rows, condition)) {
        let outcome = answer_at_its_question(model, locale, row, audio).await;
        turns.push(outcome.turn);
        if outcome.met {
            met += 1;
        } else if !held_out {
            eprintln!(
                "missed ({}, {}): {:?} heard {:?}",
                locale.tag(),
                condition.name(),
                row.text,
                outcome.heard
            );
        }
    }
    HalfHeard {
        met,
        rows: rows.len(),
        turns,
    }
}

/// What the session made of one spoken answer.
#[derive(Debug, Clone)]
pub struct AnswerOutcome {
    /// The transcript, if anything was heard.
    pub heard: Option<String>,
    /// Whether the session heard the row's meaning: the command said instead of an answer, or
    /// no command and exactly the slots of the answer (none for words that are neither).
    pub met: bool,
    /// How long the spoken turn took the session (recognition, understanding, the dialogue).
    pub turn: std::time::Duration,
}

/// Gives the spoken answer at the row's question, in a fresh conversation with a fresh bank
/// (an answer may lock a card): the question is brought about by a typed turn, what was heard
/// is judged, and no answer may ask for a payment's step-up (a yes heard where none was said)
/// or leave the bank with a payment.
pub async fn answer_at_its_question(
    model: &Arc<Recognizer>,
    locale: Locale,
    row: &AnswerRow,
    audio: Vec<f32>,
) -> AnswerOutcome {
    let (customer, offset) = customer_of(locale);
    let (mut assistant, bank, _dir) = assistant_of(customer, offset).await;
    assistant.listen_with(Arc::clone(model));
    let (lead_in, asking) = question(locale, &row.asked);
    let events = assistant
        .turn(Turn::Text(lead_in.into()))
        .await
        .expect("typed turn");
    assert_eq!(
        crate::said(&events),
        [asking],
        "{lead_in:?} asks: {events:?}"
    );
    let started = std::time::Instant::now();
    let events = assistant
        .turn(Turn::Audio(audio))
        .await
        .expect("spoken turn");
    let turn = started.elapsed();
    // No answer may lead to a payment's step-up (a yes heard where none was said).
    assert!(
        Event::step_up_requested(&events).is_none(),
        "{:?} asked for a step-up: {events:?}",
        row.text
    );
    let heard = events.iter().find_map(|event| match event {
        Event::Heard(text) => Some(text.clone()),
        _ => None,
    });
    let (intent, slots) = assistant
        .last_heard()
        .map_or((None, serde_json::json!({})), |heard| {
            let slots: serde_json::Map<String, serde_json::Value> = heard
                .slots
                .iter()
                .map(|(name, value)| (name.clone(), value.to_json()))
                .collect();
            (
                heard.intent.as_ref().map(|intent| intent.name().to_owned()),
                slots.into(),
            )
        });
    let paid: Vec<serde_json::Value> = bank
        .bank
        .db
        .all(customer.id(), "payment")
        .await
        .expect("the bank's payments");
    assert!(paid.is_empty(), "{:?} paid {paid:?}", row.text);
    bank.shutdown().await;
    // "转给王建国" for "王建国": the request the question belongs to, with the slot asked, is
    // the same answer, and the dialogue takes it so.
    let answered_as_request = row.intent.is_none()
        && row.slots.as_object().is_some_and(|slots| !slots.is_empty())
        && intent.as_deref() == Some(request_asking(&row.asked));
    AnswerOutcome {
        heard,
        met: slots == row.slots && (intent == row.intent || answered_as_request),
        turn,
    }
}

/// The request whose question `asked` is.
fn request_asking(asked: &str) -> &'static str {
    match asked {
        "biller" => "pay_bill",
        "card" => "lock_card",
        _ => "transfer",
    }
}
