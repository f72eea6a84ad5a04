//! What the host gives the assistant, and what it gets back.

use std::collections::BTreeMap;

use tingshuo_base::consent::Purpose;
use tingshuo_l10n::Utterance;
use tingshuo_understand::SlotValue;

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    /// What the customer typed, or what the recognizer heard.
    Text(String),
    /// What the customer said, as 16 kHz mono samples (-1.0–1.0), recognized on the device
    /// with the recognizer given to [`crate::Assistant::listen_with`].
    #[cfg(feature = "voice")]
    Audio(Vec<f32>),
    /// The customer said nothing for a while: a gentle prompt, never a time-out.
    Silence,
    /// The result of the step-up the assistant asked for (PIN or biometric; voice never
    /// counts), naming the request it answers ([`Event::StepUpRequested`]): an answer to a
    /// request no longer awaited (she spoke meanwhile, or was asked again) approves nothing.
    StepUp { request: u64, approved: bool },
}

/// Something the assistant says, in both forms, with the message it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spoken {
    /// The Fluent message id (`locales/*/dialogue.ftl`), for logs and tests.
    pub id: &'static str,
    pub display: String,
    pub speech: String,
}

/// What the host should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Show and speak this.
    Say(Spoken),
    /// Show (and read out) these lines: the transactions, cards, alerts or appointments asked
    /// for.
    Show(Vec<Utterance>),
    /// Ask the customer for PIN or biometric to approve what was just read back and confirmed
    /// (a payment, or unlocking a card), then give the result as [`Turn::StepUp`] with this
    /// `request`. Each request has its own number within the session, so a prompt answered
    /// late can never approve what was read back after it.
    StepUpRequested { request: u64 },
    /// Connect the customer to a person.
    HandOff,
    /// One of the bank's own intents ([`crate::AssistantOptions::with_bank_intents`]) was
    /// understood, with its slots: the host carries it out (she was told it is under way).
    BankRequest {
        intent: String,
        slots: BTreeMap<String, SlotValue>,
    },
    /// Speak at this percentage of the normal rate from now on.
    SpeechRate(u32),
    /// Speak at this percentage of the speech engine's full volume from now on.
    Volume(u32),
    /// Speak at this percentage of the voice's own pitch from now on ("a deeper voice").
    Pitch(u32),
    /// What the recognizer heard in a turn of speech (shown, so the customer sees it).
    Heard(String),
    /// The assistant waits for the customer's answer: the host listens again.
    Listen,
    /// The customer was never asked about this use of her data (speech came before she
    /// decided on voice recognition, or the words she decided on have changed): show her the
    /// consent screen ([`crate::Assistant::consent_wording`]), record what she decides
    /// ([`crate::Assistant::decide_consent`]), and until she agrees, take her turns typed or
    /// tapped and open no microphone. (Speech after she declined is dropped with a sentence
    /// saying so, and no screen: she changes her mind in the app's settings.)
    ConsentNeeded(Purpose),
}

impl Event {
    /// The step-up the last of `events` asks for, if any: the request its answer names.
    pub fn step_up_requested(events: &[Event]) -> Option<u64> {
        events.iter().rev().find_map(|event| match event {
            Event::StepUpRequested { request } => Some(*request),
            _ => None,
        })
    }
}
