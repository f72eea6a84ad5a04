//! A conversation with a customer's assistant: each turn is a turn of the core's own
//! [`Assistant`] session, and the harness plays the host. Every turn becomes a [`TurnRecord`]
//! (what went in, what was heard and understood, where the dialogue stands, what came back and
//! how long it took), the one record `tingshuo chat --json`, the scenario runner and the
//! harness page share. `tingshuo chat` prints records as plain lines (an empty line is a
//! silence) and approves step-up with the desktop's device key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tingshuo_core::CustomerZone;
use tingshuo_core::assistant::{Assistant, AssistantOptions, ConsentWording, Event, Purpose, Turn};
use tingshuo_core::l10n::Arg;
use tingshuo_core::understand::SlotValue;
use tingshuo_core::{Client, Locale, Localizer, Utterance};

use crate::HarnessError;
use crate::render::{RenderOptions, Renderer};

/// What went into a turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TurnInput {
    /// Typed (or a transcript given as text).
    Text {
        text: String,
    },
    /// A WAV file, recognized on the device.
    Audio {
        wav: String,
    },
    Silence,
    /// The host's step-up result; `automatic` when the harness answered it itself.
    StepUp {
        approved: bool,
        automatic: bool,
    },
}

impl TurnInput {
    /// Typed text, as recorded: the report goes to the bank, so a number typed in it is masked
    /// as one heard is (`mask_long_numbers`).
    pub fn typed(text: &str) -> TurnInput {
        TurnInput::Text {
            text: tingshuo_core::classify::mask_long_numbers(text),
        }
    }
}

/// One line shown and read out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineRecord {
    pub display: String,
    pub speech: String,
}

/// What the assistant asked the host to do, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventRecord {
    Say {
        id: String,
        display: String,
        speech: String,
    },
    Show {
        lines: Vec<LineRecord>,
    },
    StepUpRequested {
        request: u64,
    },
    HandOff,
    /// One of the bank's own intents, its slots as the turn's (items by id, never by name).
    BankRequest {
        intent: String,
        slots: BTreeMap<String, serde_json::Value>,
    },
    SpeechRate {
        rate: u32,
    },
    Volume {
        volume: u32,
    },
    Pitch {
        pitch: u32,
    },
    Heard {
        text: String,
    },
    Listen,
    /// The customer has not agreed to this use of her data (`voice-recognition`).
    ConsentNeeded {
        purpose: String,
    },
}

impl From<Event> for EventRecord {
    fn from(event: Event) -> EventRecord {
        match event {
            Event::Say(spoken) => EventRecord::Say {
                id: spoken.id.to_owned(),
                display: spoken.display,
                speech: spoken.speech,
            },
            Event::Show(lines) => EventRecord::Show {
                lines: lines
                    .into_iter()
                    .map(|line: Utterance| LineRecord {
                        display: line.display,
                        speech: line.speech,
                    })
                    .collect(),
            },
            Event::StepUpRequested { request } => EventRecord::StepUpRequested { request },
            Event::HandOff => EventRecord::HandOff,
            Event::BankRequest { intent, slots } => EventRecord::BankRequest {
                intent,
                slots: slots
                    .iter()
                    .map(|(name, value)| (name.clone(), slot_json(value)))
                    .collect(),
            },
            Event::SpeechRate(rate) => EventRecord::SpeechRate { rate },
            Event::Volume(volume) => EventRecord::Volume { volume },
            Event::Pitch(pitch) => EventRecord::Pitch { pitch },
            Event::Heard(text) => EventRecord::Heard { text },
            Event::Listen => EventRecord::Listen,
            Event::ConsentNeeded(purpose) => EventRecord::ConsentNeeded {
                purpose: purpose.key().to_owned(),
            },
        }
    }
}

/// A bank request's slots as the tester reads them: `{"branch":"朝阳"}`.
pub fn slots_text(slots: &BTreeMap<String, serde_json::Value>) -> String {
    serde_json::to_string(slots).unwrap_or_default()
}

/// A purpose's consent-screen title in `locale`, for the tester's lines (its key when no
/// purpose has it).
pub fn consent_title(l10n: &Localizer, locale: Locale, key: &str) -> String {
    Purpose::ALL
        .iter()
        .find(|purpose| purpose.key() == key)
        .and_then(|purpose| l10n.consent_wording(locale, *purpose).ok())
        .map_or_else(|| key.to_owned(), |wording| wording.title)
}

/// Something said in a turn: a message (with its Fluent id) or a line shown and read out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    pub id: Option<&'a str>,
    pub display: &'a str,
    pub speech: &'a str,
}

/// One turn, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnRecord {
    pub input: TurnInput,
    /// The words the turn was understood from: typed text, or what the recognizer heard.
    pub heard: Option<String>,
    /// The intent the words were understood as (`None`: nothing matched, or a bare answer
    /// filling a slot of the question asked).
    pub intent: Option<String>,
    /// The slots understood: items by id (never by name), amounts in minor units.
    pub slots: BTreeMap<String, serde_json::Value>,
    /// Where the dialogue stands after the turn (`Dialogue::stage_name`).
    pub state: String,
    pub events: Vec<EventRecord>,
    /// The speech rate after the turn, in percent of normal.
    pub speech_rate: u32,
    /// The speech pitch after the turn, in percent of the voice's own.
    pub pitch: u32,
    /// How long the assistant took, input to events.
    pub latency_ms: u64,
}

impl TurnRecord {
    /// What was said or shown, in order.
    pub fn replies(&self) -> Vec<Reply<'_>> {
        let mut replies = Vec::new();
        for event in &self.events {
            match event {
                EventRecord::Say {
                    id,
                    display,
                    speech,
                } => replies.push(Reply {
                    id: Some(id),
                    display,
                    speech,
                }),
                EventRecord::Show { lines } => {
                    replies.extend(lines.iter().map(|line| Reply {
                        id: None,
                        display: &line.display,
                        speech: &line.speech,
                    }));
                }
                _ => {}
            }
        }
        replies
    }

    /// The Fluent ids of the messages said, in order.
    pub fn message_ids(&self) -> Vec<&str> {
        self.replies().iter().filter_map(|reply| reply.id).collect()
    }

    pub fn asks_step_up(&self) -> bool {
        self.step_up_request().is_some()
    }

    /// The step-up request this turn asked for last, which its answer names.
    pub fn step_up_request(&self) -> Option<u64> {
        self.events.iter().rev().find_map(|event| match event {
            EventRecord::StepUpRequested { request } => Some(*request),
            _ => None,
        })
    }
}

/// A slot as logged: an item by its id (names stay out of the log), other values as the
/// understanding writes them.
fn slot_json(value: &SlotValue) -> serde_json::Value {
    match value {
        SlotValue::Item { item, .. } => serde_json::json!({ "id": item.id() }),
        other => other.to_json(),
    }
}

/// How `tingshuo chat` writes its turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatOutput {
    /// "you> …" and "assistant> …" lines; with `speech`, each reply's speech form too.
    Plain { speech: bool },
    /// One JSON object per turn record.
    Json,
}

/// One conversation over a client.
pub struct Conversation<'a> {
    assistant: Assistant,
    l10n: &'a Localizer,
    locale: Locale,
    speech: bool,
    /// The speech form of every reply so far, for `take_spoken` (the demo renders them).
    spoken: Vec<String>,
}

impl std::fmt::Debug for Conversation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversation")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

fn output_error(e: std::io::Error) -> HarnessError {
    HarnessError::Usage(format!("output: {e}"))
}

impl<'a> Conversation<'a> {
    /// The step-up result as a turn answering the request the assistant waits on. With none
    /// waiting it names request 0, which is never asked (requests are numbered from 1): the
    /// assistant takes it as a late answer, and it approves nothing.
    pub fn step_up_answer(&self, approved: bool) -> Turn {
        Turn::StepUp {
            request: self.assistant.step_up_awaited().unwrap_or_default(),
            approved,
        }
    }

    /// A conversation on the system clock in `zone`; `speech` prints speech forms too.
    pub async fn new(
        client: &Client,
        l10n: &'a Localizer,
        locale: Locale,
        zone: impl Into<CustomerZone>,
        speech: bool,
    ) -> Result<Conversation<'a>, HarnessError> {
        Conversation::open(client, l10n, locale, AssistantOptions::at(zone), speech).await
    }

    /// A conversation with the clock and zone given (a scenario's).
    pub async fn open(
        client: &Client,
        l10n: &'a Localizer,
        locale: Locale,
        options: AssistantOptions,
        speech: bool,
    ) -> Result<Conversation<'a>, HarnessError> {
        let assistant = Assistant::open(client.clone(), locale, options)
            .await
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        Ok(Conversation {
            assistant,
            l10n,
            locale,
            speech,
            spoken: Vec::new(),
        })
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Recognizes turns of speech ([`Turn::Audio`]) with this model from now on (the harness
    /// page loads it on the first recording).
    pub fn listen_with(
        &mut self,
        recognizer: std::sync::Arc<tingshuo_core::listen::recognizer::Recognizer>,
    ) {
        self.assistant.listen_with(recognizer);
    }

    /// Records the customer's decision on the consent screen for `purpose`, and returns the
    /// screen's words (what she was shown).
    pub async fn decide_consent(
        &mut self,
        purpose: Purpose,
        granted: bool,
    ) -> Result<ConsentWording, HarnessError> {
        let wording = self.consent_wording(purpose)?;
        self.assistant
            .decide_consent(purpose, granted)
            .await
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        Ok(wording)
    }

    /// Whether the customer agreed to `purpose` (on the words she would be shown now).
    pub async fn consented(&self, purpose: Purpose) -> Result<bool, HarnessError> {
        self.assistant
            .consent(purpose)
            .await
            .map(|consent| consent.granted())
            .map_err(|e| HarnessError::Usage(e.to_string()))
    }

    /// The consent screen's words for `purpose`, in the conversation's locale.
    pub fn consent_wording(&self, purpose: Purpose) -> Result<ConsentWording, HarnessError> {
        self.assistant
            .consent_wording(purpose)
            .map_err(|e| HarnessError::Usage(e.to_string()))
    }

    /// The speech forms of the replies since the last call, in order.
    pub fn take_spoken(&mut self) -> Vec<String> {
        std::mem::take(&mut self.spoken)
    }

    /// Gives the assistant one turn and records it.
    pub async fn record(
        &mut self,
        turn: Turn,
        input: TurnInput,
    ) -> Result<TurnRecord, HarnessError> {
        let typed = match &turn {
            Turn::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            _ => None,
        };
        let started = Instant::now();
        let events = self
            .assistant
            .turn(turn)
            .await
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let recognized = events.iter().find_map(|event| match event {
            Event::Heard(text) => Some(text.clone()),
            _ => None,
        });
        let heard_as = self.assistant.last_heard();
        let record = TurnRecord {
            input,
            // The report goes to the bank: a long number typed or heard keeps its last four.
            heard: typed
                .or(recognized)
                .map(|text| tingshuo_core::classify::mask_long_numbers(&text)),
            intent: heard_as
                .and_then(|h| h.intent.as_ref())
                .map(|i| i.name().to_owned()),
            slots: heard_as
                .map(|h| {
                    h.slots
                        .iter()
                        .map(|(name, value)| (name.clone(), slot_json(value)))
                        .collect()
                })
                .unwrap_or_default(),
            state: self.assistant.stage().to_owned(),
            events: events.into_iter().map(EventRecord::from).collect(),
            speech_rate: self.assistant.speech_rate(),
            pitch: self.assistant.pitch(),
            latency_ms,
        };
        self.spoken
            .extend(record.replies().iter().map(|r| r.speech.to_owned()));
        Ok(record)
    }

    /// One line the customer typed (empty: a silence), with the step-up it may lead to
    /// approved by the device key (the desktop has no PIN pad; a phone asks the customer).
    pub async fn line(&mut self, line: &str) -> Result<Vec<TurnRecord>, HarnessError> {
        let text = line.trim_end().to_owned();
        let input = if text.trim().is_empty() {
            TurnInput::Silence
        } else {
            TurnInput::typed(&text)
        };
        self.with_step_ups(Turn::Text(text), input).await
    }

    /// One turn of speech (16 kHz mono samples), heard the way the product hears it: the
    /// assistant's own recognition (the search plan, a yes checked against a no), then the
    /// step-up it may lead to, approved by the device key as for [`Conversation::line`].
    pub async fn spoken(
        &mut self,
        samples: Vec<f32>,
        input: TurnInput,
    ) -> Result<Vec<TurnRecord>, HarnessError> {
        self.with_step_ups(Turn::Audio(samples), input).await
    }

    /// A turn, and each step-up it asks for approved by the device key.
    async fn with_step_ups(
        &mut self,
        turn: Turn,
        input: TurnInput,
    ) -> Result<Vec<TurnRecord>, HarnessError> {
        let mut records = vec![self.record(turn, input).await?];
        while records.last().is_some_and(TurnRecord::asks_step_up) {
            let approved = TurnInput::StepUp {
                approved: true,
                automatic: true,
            };
            records.push(self.record(self.step_up_answer(true), approved).await?);
        }
        Ok(records)
    }

    /// Handles one line the customer typed; prints it and the assistant's replies.
    pub async fn turn(&mut self, line: &str, out: &mut dyn Write) -> Result<(), HarnessError> {
        let records = self.line(line).await?;
        self.print_plain(&records, out)
    }

    /// Writes turn records as `tingshuo chat` does without `--json`.
    pub fn print_plain(
        &self,
        records: &[TurnRecord],
        out: &mut dyn Write,
    ) -> Result<(), HarnessError> {
        self.print(
            records,
            ChatOutput::Plain {
                speech: self.speech,
            },
            out,
        )
    }

    fn note(
        &self,
        out: &mut dyn Write,
        id: &str,
        args: &[(&str, Arg)],
    ) -> Result<(), HarnessError> {
        let note = self.l10n.format(self.locale, id, args)?;
        writeln!(out, "{note}").map_err(output_error)
    }

    /// Writes turn records as `tingshuo chat` does.
    pub fn print(
        &self,
        records: &[TurnRecord],
        output: ChatOutput,
        out: &mut dyn Write,
    ) -> Result<(), HarnessError> {
        let speech = match output {
            ChatOutput::Json => {
                for record in records {
                    let json = serde_json::to_string(record)
                        .map_err(|e| HarnessError::Usage(format!("output: {e}")))?;
                    writeln!(out, "{json}").map_err(output_error)?;
                }
                return Ok(());
            }
            ChatOutput::Plain { speech } => speech,
        };
        let you = self.l10n.format(self.locale, "chat-you", &[])?;
        let assistant = self.l10n.format(self.locale, "chat-assistant", &[])?;
        for record in records {
            match &record.input {
                TurnInput::Text { text } => writeln!(out, "{you}> {text}").map_err(output_error)?,
                TurnInput::Silence => writeln!(out, "{you}> ").map_err(output_error)?,
                TurnInput::Audio { .. } | TurnInput::StepUp { .. } => {}
            }
            for event in &record.events {
                match event {
                    EventRecord::Say {
                        display, speech: s, ..
                    } => {
                        writeln!(out, "{assistant}> {display}").map_err(output_error)?;
                        if speech {
                            writeln!(out, "  (spoken) {s}").map_err(output_error)?;
                        }
                    }
                    EventRecord::Show { lines } => {
                        for line in lines {
                            writeln!(out, "{assistant}> {}", line.display).map_err(output_error)?;
                            if speech {
                                writeln!(out, "  (spoken) {}", line.speech)
                                    .map_err(output_error)?;
                            }
                        }
                    }
                    EventRecord::StepUpRequested { .. } => {
                        self.note(out, "chat-step-up-approved", &[])?
                    }
                    EventRecord::SpeechRate { rate } => {
                        self.note(
                            out,
                            "chat-speech-rate",
                            &[("rate", Arg::Number(i64::from(*rate)))],
                        )?;
                    }
                    EventRecord::Volume { volume } => self.note(
                        out,
                        "chat-volume",
                        &[("volume", Arg::Number(i64::from(*volume)))],
                    )?,
                    EventRecord::Pitch { pitch } => self.note(
                        out,
                        "chat-pitch",
                        &[("pitch", Arg::Number(i64::from(*pitch)))],
                    )?,
                    EventRecord::HandOff => self.note(out, "chat-handoff", &[])?,
                    EventRecord::BankRequest { intent, slots } => self.note(
                        out,
                        "chat-bank-request",
                        &[
                            ("intent", Arg::Text(intent.clone())),
                            ("slots", Arg::Text(slots_text(slots))),
                        ],
                    )?,
                    EventRecord::Heard { text } => {
                        self.note(out, "chat-heard", &[("text", Arg::Text(text.clone()))])?;
                    }
                    EventRecord::ConsentNeeded { purpose } => self.note(
                        out,
                        "chat-consent-needed",
                        &[(
                            "purpose",
                            Arg::Text(consent_title(self.l10n, self.locale, purpose)),
                        )],
                    )?,
                    // Typed turns: the next line is the answer.
                    EventRecord::Listen => {}
                }
            }
        }
        Ok(())
    }
}

/// A reply rendered to a WAV file, as listed in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyAudio {
    /// The file's name, relative to the manifest.
    pub file: String,
    /// Which conversation (a scenario's name, or "chat").
    pub conversation: String,
    /// The turn it answered (1-based).
    pub turn: usize,
    pub message_id: Option<String>,
    pub locale: String,
    pub speech: String,
    pub rate: u32,
    pub duration_ms: u64,
    /// From the first to the last sound above the noise floor: the file without the
    /// engine's silence at either end (what a speech rate is measured over).
    pub voiced_ms: u64,
}

/// The milliseconds from the first to the last sample louder than 2% of full scale.
fn voiced_ms(pcm: &crate::render::Pcm) -> u64 {
    let floor = i16::MAX / 50;
    let loud = |s: &i16| s.unsigned_abs() > floor.unsigned_abs();
    let first = pcm.samples.iter().position(loud);
    let last = pcm.samples.iter().rposition(loud);
    match (first, last) {
        (Some(first), Some(last)) if pcm.sample_rate > 0 => {
            let samples = u64::try_from(last - first + 1).unwrap_or(0);
            samples * 1000 / u64::from(pcm.sample_rate)
        }
        _ => 0,
    }
}

/// Every reply rendered to a WAV file with espeak-ng, at the speech rate the customer chose,
/// with a manifest (`manifest.json`) saying which turn and message each file speaks.
#[derive(Debug)]
pub struct ReplyWavs {
    dir: PathBuf,
    renderer: Renderer,
    written: Vec<ReplyAudio>,
}

impl ReplyWavs {
    /// Creates `dir`.
    pub fn new(dir: &Path) -> Result<ReplyWavs, HarnessError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| HarnessError::Usage(format!("cannot create {}: {e}", dir.display())))?;
        Ok(ReplyWavs {
            dir: dir.to_owned(),
            renderer: Renderer::new(),
            written: Vec::new(),
        })
    }

    /// Renders the replies of one turn record; returns the manifest entries written.
    /// `prefix` names the conversation in the files ("chat", a scenario's file stem); the
    /// files are `PREFIX-TURN-N.wav`, N counting every file this writer wrote.
    pub fn write(
        &mut self,
        prefix: &str,
        turn: usize,
        locale: Locale,
        record: &TurnRecord,
    ) -> Result<Vec<ReplyAudio>, HarnessError> {
        let mut entries = Vec::new();
        for reply in record.replies() {
            // Numbered across the writer: a turn may come in several records (its step-up).
            let file = format!("{prefix}-{turn:03}-{:03}.wav", self.written.len() + 1);
            let utterance = Utterance {
                display: reply.display.to_owned(),
                speech: reply.speech.to_owned(),
            };
            let rate = record.speech_rate.clamp(50, 200);
            let options = RenderOptions {
                pitch: record.pitch.clamp(50, 200),
                ..RenderOptions::new(locale).with_rate(rate)
            };
            let pcm = self
                .renderer
                .render_to_file(&utterance, &options, &self.dir.join(&file))?;
            let entry = ReplyAudio {
                file,
                conversation: prefix.to_owned(),
                turn,
                message_id: reply.id.map(str::to_owned),
                locale: locale.tag().to_owned(),
                speech: reply.speech.to_owned(),
                rate,
                duration_ms: (pcm.duration_secs() * 1000.0).round() as u64,
                voiced_ms: voiced_ms(&pcm),
            };
            self.written.push(entry.clone());
            entries.push(entry);
        }
        Ok(entries)
    }

    /// Writes `manifest.json` beside the files.
    pub fn finish(&self) -> Result<PathBuf, HarnessError> {
        write_manifest(&self.dir, &self.written)
    }

    /// The files written so far, for a manifest written elsewhere ([`write_manifest`]).
    pub fn into_written(self) -> Vec<ReplyAudio> {
        self.written
    }
}

/// Writes `dir/manifest.json` listing these reply files.
pub fn write_manifest(dir: &Path, written: &[ReplyAudio]) -> Result<PathBuf, HarnessError> {
    let path = dir.join("manifest.json");
    let json = serde_json::to_string_pretty(written)
        .map_err(|e| HarnessError::Usage(format!("manifest: {e}")))?;
    std::fs::write(&path, json)
        .map_err(|e| HarnessError::Usage(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// The scripted conversation `tingshuo demo` plays: balance, recent transactions, a transfer
/// with read-back, confirmation and step-up, and a transfer under pressure that is warned
/// about and cancelled.
pub fn demo_script(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::ZhCn => &[
            "我的余额是多少",
            "最近三笔交易",
            "给李伟转两百块",
            "对",
            "给刘芳转五千块，急，别告诉我儿子",
            "取消",
        ],
        Locale::EnUs => &[
            "what's my balance",
            "read me my last three transactions",
            "send fifty dollars to Alice Chen",
            "yes",
            "transfer nine hundred dollars to David Miller, it's urgent, keep this secret",
            "cancel",
        ],
    }
}
