//! The assistant session: turns of text, speech or silence in, events out. With a host
//! step-up given, the session asks it itself when the dialogue needs one (after a read-back
//! and an explicit yes) and goes on with its answer; with host speech given, it speaks each
//! reply's speech form. A turn runs to its end on the core's runtime, whoever cancels: a
//! payment it started is sent, recorded and reconciled.

use std::collections::HashMap;
use std::sync::Arc;

use tingshuo_core::assistant::{
    Assistant, AssistantOptions, Consent, ConsentWording, Event, Purpose, Turn,
};
use tingshuo_core::understand::{ItemRef, SlotValue};
use tokio::sync::Mutex;

use crate::TingshuoError;
use crate::client::{Client, Line, locale, zone};
use crate::host::{
    HostError, HostSpeech, HostStepUp, HostTimeZone, STEP_UP_LIMIT, SpeechCommand, SpeechQueue,
    SpeechSettings,
};
use crate::runtime::run;

/// What the host does after a turn, in order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum AssistantEvent {
    /// Show and speak this (`message_id` is the Fluent message, for logs and tests).
    Say {
        message_id: String,
        display: String,
        speech: String,
    },
    /// Show and read out these lines (the transactions, cards, alerts, appointments or bills asked
    /// for).
    Show { lines: Vec<Line> },
    /// Ask for PIN or biometric; give the answer with `step_up(request, approved)` (not
    /// needed when the session has a host step-up: it asks it itself, and this event is
    /// followed by the answer's events). An answer naming an earlier request (a prompt left
    /// open while she spoke, or was asked again) approves nothing.
    StepUpRequested { request: u64 },
    /// Connect the customer to a person.
    HandOff,
    /// One of the bank's own intents (`AssistantHost.bank_intents`) was understood, with its
    /// slots by name: the app carries it out. She was told it is under way
    /// (`dlg-bank-request`); what the app then shows or says is the app's.
    BankRequest {
        intent: String,
        slots: HashMap<String, BankSlot>,
    },
    /// Speak at this percentage of the normal rate from now on.
    SpeechRate { percent: u32 },
    /// Speak at this percentage of full volume from now on.
    Volume { percent: u32 },
    /// Speak at this percentage of the voice's own pitch from now on ("a deeper voice").
    Pitch { percent: u32 },
    /// What the recognizer heard in a turn of speech.
    Heard { text: String },
    /// The assistant waits for an answer: listen again.
    Listen,
    /// The customer was never asked about this use of her data (speech came before she
    /// decided on voice recognition, or the words changed since; the speech was dropped
    /// unheard): show the consent screen (`consent_screen`), record her decision
    /// (`decide_consent`), and until she agrees take typed or tapped turns and open no
    /// microphone. After she declined, speech is dropped with a sentence saying so and no
    /// event: she changes her mind in the app's settings.
    ConsentNeeded { purpose: ConsentPurpose },
}

/// A slot of one of the bank's own intents, as understood.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum BankSlot {
    /// A value of one of the bank's slot types, as its context writes it.
    Text {
        value: String,
    },
    /// An amount, in minor units of its currency (ISO 4217 code).
    Amount {
        minor: i64,
        currency: String,
    },
    Count {
        value: i64,
    },
    /// A span of days, both included (ISO 8601 dates).
    Period {
        from: String,
        to: String,
    },
    /// One of the customer's items, by kind (`payee`, `biller`, `account`, `card`) and id; or
    /// a kind of spending (`category`, its id the category's name: `groceries`).
    Item {
        kind: String,
        id: String,
    },
}

impl From<SlotValue> for BankSlot {
    fn from(value: SlotValue) -> BankSlot {
        match value {
            SlotValue::Text(value) => BankSlot::Text { value },
            SlotValue::Money(money) => BankSlot::Amount {
                minor: money.minor(),
                currency: money.currency().code().into(),
            },
            SlotValue::Count(value) => BankSlot::Count { value },
            SlotValue::Period { from, to } => BankSlot::Period {
                from: from.to_string(),
                to: to.to_string(),
            },
            SlotValue::Item { item, .. } => BankSlot::Item {
                kind: match item {
                    ItemRef::Payee(_) => "payee",
                    ItemRef::Biller(_) => "biller",
                    ItemRef::Account(_) => "account",
                    ItemRef::Card(_) => "card",
                    ItemRef::Category(_) => "category",
                }
                .into(),
                id: item.id().into(),
            },
        }
    }
}

/// A use of the customer's data that she decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentPurpose {
    /// Her speech recognized on the phone (never sent, never kept).
    VoiceRecognition,
}

impl From<Purpose> for ConsentPurpose {
    fn from(purpose: Purpose) -> ConsentPurpose {
        match purpose {
            Purpose::VoiceRecognition => ConsentPurpose::VoiceRecognition,
        }
    }
}

impl From<ConsentPurpose> for Purpose {
    fn from(purpose: ConsentPurpose) -> Purpose {
        match purpose {
            ConsentPurpose::VoiceRecognition => Purpose::VoiceRecognition,
        }
    }
}

/// Where her decision on a purpose stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentState {
    /// Never asked, or asked with words that have changed since: ask.
    NotAsked,
    Granted,
    Refused,
}

impl From<Consent> for ConsentState {
    fn from(consent: Consent) -> ConsentState {
        match consent {
            Consent::NotAsked => ConsentState::NotAsked,
            Consent::Granted => ConsentState::Granted,
            Consent::Refused => ConsentState::Refused,
        }
    }
}

/// The consent screen's words, in the session's locale (from the `consent.ftl` of each locale).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentScreen {
    pub title: String,
    pub body: String,
    pub agree: String,
    pub decline: String,
}

impl From<ConsentWording> for ConsentScreen {
    fn from(wording: ConsentWording) -> ConsentScreen {
        ConsentScreen {
            title: wording.title,
            body: wording.body,
            agree: wording.agree,
            decline: wording.decline,
        }
    }
}

impl From<Event> for AssistantEvent {
    fn from(event: Event) -> AssistantEvent {
        match event {
            Event::Say(spoken) => AssistantEvent::Say {
                message_id: spoken.id.into(),
                display: spoken.display,
                speech: spoken.speech,
            },
            Event::Show(lines) => AssistantEvent::Show {
                lines: lines.into_iter().map(Line::from).collect(),
            },
            Event::StepUpRequested { request } => AssistantEvent::StepUpRequested { request },
            Event::HandOff => AssistantEvent::HandOff,
            Event::BankRequest { intent, slots } => AssistantEvent::BankRequest {
                intent,
                slots: slots
                    .into_iter()
                    .map(|(name, value)| (name, value.into()))
                    .collect(),
            },
            Event::SpeechRate(percent) => AssistantEvent::SpeechRate { percent },
            Event::Volume(percent) => AssistantEvent::Volume { percent },
            Event::Pitch(percent) => AssistantEvent::Pitch { percent },
            Event::Heard(text) => AssistantEvent::Heard { text },
            Event::Listen => AssistantEvent::Listen,
            Event::ConsentNeeded(purpose) => AssistantEvent::ConsentNeeded {
                purpose: purpose.into(),
            },
        }
    }
}

/// What the session may ask of the host; each is optional.
#[derive(uniffi::Record)]
pub struct AssistantHost {
    pub step_up: Option<Arc<dyn HostStepUp>>,
    pub speech: Option<Arc<dyn HostSpeech>>,
    /// The platform's time zone; without it, every date is at the offset given at open.
    #[uniffi(default)]
    pub time_zone: Option<Arc<dyn HostTimeZone>>,
    /// The bank's own intents for the session's locale, as context YAML (Rhino's format:
    /// `context: expressions: {intent: [...]}`, slots, macros), understood typed and spoken
    /// beside the product's and given back as `BankRequest` events. Names of the product's
    /// intents (and of its answers) are refused, as is a file that does not load: E110.
    #[uniffi(default)]
    pub bank_intents: Option<String>,
}

impl std::fmt::Debug for AssistantHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssistantHost").finish_non_exhaustive()
    }
}

/// One conversation with one customer.
#[derive(Debug, uniffi::Object)]
pub struct AssistantSession {
    assistant: Arc<Mutex<Assistant>>,
    locale: String,
    step_up: Option<Arc<dyn HostStepUp>>,
    speech: Option<SpeechQueue>,
}

impl std::fmt::Debug for dyn HostStepUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostStepUp")
    }
}

/// Opens a conversation in `locale` (`zh-CN`, `en-US`) in the customer's time zone: the
/// host's `time_zone` when given, with `utc_offset_seconds` (her offset now) standing in
/// where it fails; else that one offset for every date.
#[uniffi::export]
pub async fn open_assistant(
    client: Arc<Client>,
    locale: String,
    utc_offset_seconds: i32,
    host: AssistantHost,
) -> Result<Arc<AssistantSession>, TingshuoError> {
    let inner = client.inner.clone();
    run(async move {
        let tag = self::locale(&locale)?;
        let mut options = AssistantOptions::at(zone(utc_offset_seconds, host.time_zone)?);
        if let Some(yaml) = host.bank_intents {
            options = options.with_bank_intents(yaml);
        }
        let assistant = Assistant::open(inner, tag, options).await?;
        Ok(Arc::new(AssistantSession {
            assistant: Arc::new(Mutex::new(assistant)),
            locale: tag.tag().into(),
            step_up: host.step_up,
            speech: host.speech.and_then(SpeechQueue::new),
        }))
    })
    .await
}

impl AssistantSession {
    async fn take(&self, turn: Turn) -> Result<Vec<AssistantEvent>, TingshuoError> {
        let (assistant, step_up) = (self.assistant.clone(), self.step_up.clone());
        let (speech, locale) = (self.speech.clone(), self.locale.clone());
        let events = run(async move {
            let mut assistant = assistant.lock_owned().await;
            let mut events = assistant.turn(turn).await?;
            // The step-up the dialogue asks for, asked of the host (a few rounds at most),
            // after what was said so far is spoken: she hears "confirm with your fingerprint"
            // before the prompt, not after the payment.
            let mut batch = 0;
            for _ in 0..4 {
                let Some(host) = &step_up else { break };
                let Some(request) = Event::step_up_requested(&events[batch..]) else {
                    break;
                };
                speak(speech.as_ref(), &locale, &assistant, &events[batch..]);
                let approved = ask_step_up(host.clone()).await;
                batch = events.len();
                // What was said before the prompt is spoken already; a failure here reaches
                // the app as one (it says the turn failed and listens again).
                let answer = Turn::StepUp { request, approved };
                events.extend(assistant.turn(answer).await?);
            }
            speak(speech.as_ref(), &locale, &assistant, &events[batch..]);
            Ok(events)
        })
        .await?;
        Ok(events.into_iter().map(AssistantEvent::from).collect())
    }
}

/// Queues every reply among `events`, and the lines it reads out ("I'll read them to you"),
/// in order, at the conversation's rate and volume.
fn speak(speech: Option<&SpeechQueue>, locale: &str, assistant: &Assistant, events: &[Event]) {
    let Some(speech) = speech else { return };
    let said = events.iter().flat_map(|event| match event {
        Event::Say(spoken) => vec![spoken.speech.as_str()],
        Event::Show(lines) => lines.iter().map(|line| line.speech.as_str()).collect(),
        _ => Vec::new(),
    });
    for text in said {
        speech.send(SpeechCommand::Speak {
            text: text.to_owned(),
            locale: locale.to_owned(),
            settings: SpeechSettings {
                rate_percent: assistant.speech_rate(),
                volume_percent: assistant.volume(),
                pitch_percent: assistant.pitch(),
            },
        });
    }
}

/// The host's step-up, off the core's threads and bounded in time: no answer, an exception
/// or a cancelled prompt is not approved.
async fn ask_step_up(host: Arc<dyn HostStepUp>) -> bool {
    let asked = tokio::task::spawn_blocking(move || host.authenticate());
    match tokio::time::timeout(STEP_UP_LIMIT, asked).await {
        Ok(Ok(Ok(approved))) => approved,
        Ok(Ok(Err(HostError::Cancelled | HostError::KeyUnavailable | HostError::Failed)))
        | Ok(Err(_))
        | Err(_) => false,
    }
}

#[uniffi::export]
impl AssistantSession {
    /// What the customer typed (or what the host's own recognizer heard).
    pub async fn text(&self, text: String) -> Result<Vec<AssistantEvent>, TingshuoError> {
        self.take(Turn::Text(text)).await
    }

    /// The customer said nothing for a while: a gentle prompt, never a time-out.
    pub async fn silence(&self) -> Result<Vec<AssistantEvent>, TingshuoError> {
        self.take(Turn::Silence).await
    }

    /// The result of the step-up asked for by `StepUpRequested { request }` (hosts without a
    /// step-up in `AssistantHost`). An answer to a request no longer awaited changes nothing.
    pub async fn step_up(
        &self,
        request: u64,
        approved: bool,
    ) -> Result<Vec<AssistantEvent>, TingshuoError> {
        self.take(Turn::StepUp { request, approved }).await
    }

    /// Stops the host's speech at once (the customer started talking).
    pub fn stop_speaking(&self) {
        if let Some(speech) = &self.speech {
            speech.send(SpeechCommand::Stop);
        }
    }

    /// The speech rate the customer asked for, in percent of normal.
    pub async fn speech_rate(&self) -> u32 {
        self.assistant.lock().await.speech_rate()
    }

    /// The words of the consent screen for `purpose`, to show before the first use (and
    /// whenever `ConsentNeeded` comes).
    pub async fn consent_screen(
        &self,
        purpose: ConsentPurpose,
    ) -> Result<ConsentScreen, TingshuoError> {
        let assistant = self.assistant.lock().await;
        Ok(assistant.consent_wording(purpose.into())?.into())
    }

    /// Where her decision on `purpose` stands (kept in the store: it holds across sessions).
    pub async fn consent(&self, purpose: ConsentPurpose) -> Result<ConsentState, TingshuoError> {
        let assistant = self.assistant.clone();
        run(async move {
            let assistant = assistant.lock_owned().await;
            Ok(assistant.consent(purpose.into()).await?.into())
        })
        .await
    }

    /// Records what she decided on the consent screen: agreeing, refusing, or (from the
    /// app's settings) withdrawing what she once agreed to.
    pub async fn decide_consent(
        &self,
        purpose: ConsentPurpose,
        granted: bool,
    ) -> Result<(), TingshuoError> {
        let assistant = self.assistant.clone();
        run(async move {
            let assistant = assistant.lock_owned().await;
            Ok(assistant.decide_consent(purpose.into(), granted).await?)
        })
        .await
    }
}

#[cfg(feature = "voice")]
pub use voice::{SpeechModel, VoiceInput, VoiceState, load_speech_model};

#[cfg(feature = "voice")]
mod voice {
    use std::sync::{Arc, Mutex};

    use tingshuo_core::assistant::Turn;
    use tingshuo_core::listen::recognizer::Recognizer;
    use tingshuo_core::listen::{Endpointer, EndpointerConfig, PcmStream, VadEvent};

    use super::{AssistantEvent, AssistantSession};
    use crate::TingshuoError;
    use crate::error::internal;
    use crate::runtime::run;

    /// A speech model (ggml), loaded once and shared: loading takes seconds.
    #[derive(Debug, uniffi::Object)]
    pub struct SpeechModel {
        recognizer: Arc<Recognizer>,
    }

    /// Loads a whisper model file; with `sha256`, only that exact file.
    #[uniffi::export]
    pub async fn load_speech_model(
        path: String,
        sha256: Option<String>,
    ) -> Result<Arc<SpeechModel>, TingshuoError> {
        run(async move {
            let loaded = tokio::task::spawn_blocking(move || {
                let path = std::path::Path::new(&path);
                match sha256 {
                    Some(sha256) => Recognizer::load_pinned(path, &sha256),
                    None => Recognizer::load(path),
                }
            })
            .await
            .map_err(|_| internal("model loading"))??;
            Ok(Arc::new(SpeechModel {
                recognizer: Arc::new(loaded),
            }))
        })
        .await
    }

    /// Where the customer's speech is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
    pub enum VoiceState {
        /// Nobody has spoken yet.
        Waiting,
        Speaking,
        /// The customer stopped (or the audio ran 30 s): give this input to `voice(...)`.
        Ended,
    }

    /// The microphone's audio as the host pushes it (16-bit little-endian PCM at any rate
    /// and channel count, e.g. Android's `AudioRecord` into a direct `ByteBuffer`): resampled
    /// to 16 kHz mono with voice activity detected as it arrives. The host pushes; the core
    /// never pulls audio through a callback.
    #[derive(Debug, uniffi::Object)]
    pub struct VoiceInput {
        state: Mutex<Input>,
    }

    #[derive(Debug)]
    struct Input {
        stream: PcmStream,
        endpointer: Endpointer,
        consumed: usize,
        odd_byte: Option<u8>,
        state: VoiceState,
    }

    /// 16-bit little-endian samples from bytes pushed in chunks of any length: a chunk's odd
    /// last byte is kept for the next chunk that has any (an empty push changes nothing), so
    /// no sample is ever split across chunks and shifted by a byte.
    fn little_endian_samples(odd_byte: &mut Option<u8>, pcm: &[u8]) -> Vec<i16> {
        let mut bytes = pcm;
        let mut samples = Vec::with_capacity(pcm.len() / 2 + 1);
        if let Some((&second, rest)) = bytes.split_first()
            && let Some(first) = odd_byte.take()
        {
            samples.push(i16::from_le_bytes([first, second]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        samples.extend(
            pairs
                .by_ref()
                .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
        );
        if let Some(&last) = pairs.remainder().first() {
            *odd_byte = Some(last);
        }
        samples
    }

    #[cfg(test)]
    mod tests {
        use super::little_endian_samples;

        #[test]
        fn samples_pushed_in_chunks_of_any_length_are_the_samples_pushed_whole() {
            let samples: Vec<i16> = vec![1, -2, 300, -32_768, 32_767, 12_345, -7];
            let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
            // Odd lengths, empty pushes between them (an `AudioRecord` read of nothing).
            for lengths in [
                &[3_usize, 0, 1, 0, 0, 5, 2, 3][..],
                &[1, 1, 1, 0, 11],
                &[14],
            ] {
                let mut odd = None;
                let mut heard = Vec::new();
                let mut at = 0;
                for &length in lengths {
                    heard.extend(little_endian_samples(&mut odd, &bytes[at..at + length]));
                    at += length;
                }
                assert_eq!(at, bytes.len());
                assert_eq!(heard, samples, "{lengths:?}");
                assert_eq!(odd, None);
            }
        }
    }

    #[uniffi::export]
    impl VoiceInput {
        /// Speech ends after 700 ms without it (typical pauses between words are shorter).
        #[uniffi::constructor]
        pub fn new(sample_rate: u32, channels: u16) -> Result<Arc<VoiceInput>, TingshuoError> {
            VoiceInput::listening(sample_rate, channels, EndpointerConfig::default())
        }

        /// Speech ends after `pause_ms` without it (held within 300–5,000 ms): the app's
        /// setting for a customer who pauses longer between words (1,500–2,500 ms for a slow
        /// or hesitant speaker), so that she is never cut off mid-command.
        #[uniffi::constructor]
        pub fn with_pause(
            sample_rate: u32,
            channels: u16,
            pause_ms: u32,
        ) -> Result<Arc<VoiceInput>, TingshuoError> {
            let pause = std::time::Duration::from_millis(u64::from(pause_ms));
            VoiceInput::listening(sample_rate, channels, EndpointerConfig::with_pause(pause))
        }
    }

    impl VoiceInput {
        fn listening(
            sample_rate: u32,
            channels: u16,
            end: EndpointerConfig,
        ) -> Result<Arc<VoiceInput>, TingshuoError> {
            let stream =
                PcmStream::new(sample_rate, channels).map_err(|_| internal("audio format"))?;
            Ok(Arc::new(VoiceInput {
                state: Mutex::new(Input {
                    stream,
                    endpointer: Endpointer::new(&end),
                    consumed: 0,
                    odd_byte: None,
                    state: VoiceState::Waiting,
                }),
            }))
        }
    }

    #[uniffi::export]
    impl VoiceInput {
        /// Pushes interleaved 16-bit little-endian samples; cheap (no recognition here).
        pub fn push(&self, pcm: &[u8]) -> Result<VoiceState, TingshuoError> {
            let mut input = self.state.lock().map_err(|_| internal("voice input"))?;
            if input.state == VoiceState::Ended {
                return Ok(VoiceState::Ended);
            }
            let samples = little_endian_samples(&mut input.odd_byte, pcm);
            input
                .stream
                .push_i16(&samples)
                .map_err(|_| internal("audio"))?;
            let Input {
                stream,
                endpointer,
                consumed,
                state,
                ..
            } = &mut *input;
            let all = stream.samples();
            let fresh = &all[(*consumed).min(all.len())..];
            for event in endpointer.push(fresh) {
                match event {
                    VadEvent::SpeechStarted { .. } => *state = VoiceState::Speaking,
                    VadEvent::SpeechEnded { .. } => *state = VoiceState::Ended,
                }
            }
            *consumed = all.len();
            if stream.is_full() {
                *state = VoiceState::Ended;
            }
            Ok(*state)
        }

        /// The microphone stopped: what was pushed is the whole utterance.
        pub fn finish(&self) {
            if let Ok(mut input) = self.state.lock() {
                input.state = VoiceState::Ended;
            }
        }

        pub fn state(&self) -> VoiceState {
            self.state
                .lock()
                .map(|input| input.state)
                .unwrap_or(VoiceState::Ended)
        }
    }

    #[uniffi::export]
    impl AssistantSession {
        /// Recognizes turns of speech with this model from now on (Mandarin needs a
        /// multilingual one).
        pub async fn listen_with(&self, model: Arc<SpeechModel>) {
            self.assistant
                .lock()
                .await
                .listen_with(model.recognizer.clone());
        }

        /// A turn of speech: what was pushed into `input` (the whole of it; nobody speaking
        /// is a silence), recognized on the device.
        pub async fn voice(
            &self,
            input: Arc<VoiceInput>,
        ) -> Result<Vec<AssistantEvent>, TingshuoError> {
            let samples = {
                let mut input = input.state.lock().map_err(|_| internal("voice input"))?;
                input.state = VoiceState::Ended;
                input.stream.samples().to_vec()
            };
            self.take(Turn::Audio(samples)).await
        }
    }
}
