//! Shared by the speech tests and the speech benchmark: the installed models, the real
//! recordings in `../shared/data/speech`, error rates, and the round-trip set (English
//! banking commands rendered by espeak-ng, clean and with noise).
#![allow(clippy::float_arithmetic)] // Error rates and signal levels.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use tingshuo_core::Locale;
use tingshuo_core::listen::recognizer::Recognizer;
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Said, Understanding, World, understand};
use tingshuo_desktop::neural_voice::{NeuralMandarin, VoiceSettings};
use tingshuo_desktop::render::{NoiseKind, Pcm, RenderError, RenderOptions, Renderer};
use tingshuo_models::{ModelCache, catalogue};
use tingshuo_sandbox::seed::DemoCustomer;

/// One test recognizes at a time. Each recognition already uses every core, and ggml's
/// worker threads spin while they wait: two tests recognizing at once on two cores made
/// `listen.rs` take 30-60 minutes instead of about 10. A guard for the test's whole body, in
/// a plain `#[test]` (outside any runtime; a panicking test releases it).
pub fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    WHISPER.blocking_lock()
}

/// The same lock for `#[tokio::test]`s (each on a runtime and thread of its own), which hold
/// it across awaits.
pub async fn one_at_a_time_async() -> tokio::sync::MutexGuard<'static, ()> {
    WHISPER.lock().await
}

static WHISPER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// With `TINGSHUO_FORCED_TRACE=1`, one line on stdout per utterance heard: the set and
/// condition, whether it should be understood (a command) or rejected, whether the outcome was
/// right, and how far the grammar forced the transcript over how many syllables — the data
/// for calibrating when a transcript is trusted (tuning halves only: a held-out half is never
/// traced). Tab-separated, starting `forced-trace`.
#[allow(clippy::print_stdout)] // The trace is what was asked for.
pub fn trace_forced(
    set: &str,
    command: bool,
    right: bool,
    heard: Option<&tingshuo_core::listen::recognizer::Transcript>,
) {
    if std::env::var("TINGSHUO_FORCED_TRACE").is_ok_and(|v| v == "1") {
        let (forced, syllables) = heard.map_or((None, 0), |heard| {
            (
                heard.forced,
                tingshuo_core::listen::search::syllables(&heard.text),
            )
        });
        let forced = forced.map_or_else(|| "-".to_owned(), |nats| format!("{nats:.2}"));
        println!("forced-trace\t{set}\t{command}\t{right}\t{forced}\t{syllables}");
    }
}

pub fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn shared_speech() -> PathBuf {
    root().join("../shared/data/speech")
}

/// An installed model, or the reason it cannot be used (printed by tests that skip).
pub fn installed_model(id: &str) -> Result<Recognizer, String> {
    let spec = catalogue::find(id).ok_or_else(|| format!("{id} is not in the catalogue"))?;
    let cache = ModelCache::from_env().map_err(|e| e.to_string())?;
    let path = cache
        .installed_path(spec)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the {id} model is not installed (make models)"))?;
    Recognizer::load_pinned(&path, spec.sha256).map_err(|e| e.to_string())
}

/// Edit distance between two token sequences.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Lowercase words without punctuation, as word error rate compares them.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Chinese characters as character error rate compares them: punctuation and spaces
/// dropped, Arabic digits read as Chinese numerals (the recognizer writes "1,2线" for "一二线").
pub fn hanzi(text: &str) -> Vec<char> {
    const NUMERALS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    text.chars()
        .filter_map(|c| match c.to_digit(10) {
            Some(d) => NUMERALS.get(d as usize).copied(),
            None => (c.is_alphanumeric()).then_some(c),
        })
        .collect()
}

/// The digit a recognized clip names ("Zero.", "8", "Oh"), if it names exactly one.
pub fn spoken_digit(text: &str) -> Option<u32> {
    const NAMES: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let heard = words(text);
    let mut digits = heard.iter().filter_map(|word| match word.as_str() {
        "oh" | "o" => Some(0),
        "won" => Some(1),
        "to" | "too" => Some(2),
        "for" => Some(4),
        "ate" => Some(8),
        w => NAMES
            .iter()
            .position(|n| *n == w)
            .and_then(|i| u32::try_from(i).ok())
            .or_else(|| (w.len() == 1).then(|| w.parse().ok()).flatten()),
    });
    let first = digits.next()?;
    digits.next().is_none().then_some(first)
}

/// The Free Spoken Digit clips with their digits.
pub fn digit_clips() -> Option<Vec<(PathBuf, u32)>> {
    let dir = shared_speech().join("digits-en");
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).ok()?;
    Some(
        labels
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let file = fields.next()?;
                let digit = fields.nth(1)?.parse().ok()?;
                Some((dir.join(file), digit))
            })
            .collect(),
    )
}

/// The banking context of a locale and its demo customer's world, as on 2026-11-27.
pub fn banking_setup(locale: Locale) -> (Context, World) {
    let context =
        Context::from_yaml(tingshuo_core::understand::banking_context(locale)).expect("context");
    customer_setup(context, locale)
}

/// A context with the demo customer of `locale` and their world, as on 2026-11-27 (what
/// `tingshuo intent --context …` makes of a context file, on that day).
pub fn customer_setup(context: Context, locale: Locale) -> (Context, World) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 27, 2, 0, 0)
        .single()
        .expect("time");
    let world = World::for_customer(
        &context,
        locale,
        today,
        &DemoCustomer::for_locale(locale).snapshot(now),
    );
    (context, world)
}

/// The English banking context and the demo customer's world.
pub fn english_setup() -> (Context, World) {
    banking_setup(Locale::EnUs)
}

/// The round-trip commands: every fifth in-scope row of the English corpus that the context
/// understands from its text and that reads as a plain spoken command (no more than 12
/// words, no digits glued to words), with that understanding — at least 50.
pub fn round_trip_commands(context: &Context, world: &World) -> Vec<(String, Understanding)> {
    let corpus = std::fs::read_to_string(root().join("tests/corpus/en-US.jsonl")).expect("corpus");
    let mut commands = Vec::new();
    for (index, line) in corpus.lines().enumerate() {
        let row: serde_json::Value = serde_json::from_str(line).expect("corpus row");
        let (Some(text), Some(_)) = (row["text"].as_str(), row["intent"].as_str()) else {
            continue;
        };
        if index % 5 != 0 || text.split_whitespace().count() > 12 {
            continue;
        }
        if let Some(understood) = understand(context, world, &Said::new(world.locale, text)) {
            commands.push((text.to_owned(), understood));
        }
    }
    commands
}

/// Every row of a locale's team corpus labelled with `intent`, as written.
pub fn corpus_texts(locale: Locale, intent: &str) -> Vec<String> {
    labelled_rows(&format!("{}.jsonl", locale.tag()))
        .into_iter()
        .filter(|row| row.intent.as_deref() == Some(intent))
        .map(|row| row.text)
        .collect()
}

/// Out-of-scope sentences for the round trip: every third row of the English corpus that has
/// no intent, is no longer than 12 words and that the context rejects as text — so that any
/// intent understood from its speech is a false accept the recognizer caused.
pub fn round_trip_out_of_scope(context: &Context, world: &World) -> Vec<String> {
    let corpus = std::fs::read_to_string(root().join("tests/corpus/en-US.jsonl")).expect("corpus");
    corpus
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("corpus row"))
        .filter(|row| row["intent"].is_null())
        .filter_map(|row| row["text"].as_str().map(str::to_owned))
        .enumerate()
        .filter(|(index, text)| {
            index % 3 == 0
                && text.split_whitespace().count() <= 12
                && understand(context, world, &Said::new(world.locale, text)).is_none()
        })
        .map(|(_, text)| text)
        .collect()
}

/// How a round-trip command is spoken: voices and speeds in turn.
pub fn round_trip_voice(index: usize) -> RenderOptions {
    const VOICES: [&str; 4] = ["en-us", "en-gb", "en-us+f3", "en-us+m3"];
    const RATES: [u32; 3] = [100, 85, 115];
    RenderOptions::new(Locale::EnUs)
        .with_voice(VOICES[index % VOICES.len()])
        .with_rate(RATES[index % RATES.len()])
}

/// A noise condition of the round trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    Clean,
    Noise { snr_db: f64 },
}

impl Condition {
    pub const ALL: [Condition; 3] = [
        Condition::Clean,
        Condition::Noise { snr_db: 20.0 },
        Condition::Noise { snr_db: 10.0 },
    ];

    pub fn name(self) -> String {
        match self {
            Condition::Clean => "clean".into(),
            Condition::Noise { snr_db } => format!("{snr_db:.0} dB"),
        }
    }
}

/// A command spoken in a voice under a condition: half a second of quiet (the noise alone, if
/// any) before and after, as a microphone hears it; 16 kHz mono in [-1, 1].
pub fn speak_command(
    renderer: &Renderer,
    text: &str,
    options: &RenderOptions,
    condition: Condition,
    seed: u64,
) -> Vec<f32> {
    let utterance = tingshuo_core::Utterance {
        display: text.to_owned(),
        speech: text.to_owned(),
    };
    let speech = renderer
        .render(&utterance, options)
        .expect("espeak-ng renders");
    heard_under(&speech, condition, seed)
}

/// Speech as a microphone hears it under a condition: half a second of quiet (the noise
/// alone, if any) before and after; 16 kHz mono in [-1, 1].
pub fn heard_under(speech: &Pcm, condition: Condition, seed: u64) -> Vec<f32> {
    let pad = vec![0_i16; speech.sample_rate as usize / 2];
    let padded = Pcm {
        sample_rate: speech.sample_rate,
        samples: [pad.as_slice(), &speech.samples, pad.as_slice()].concat(),
    };
    let heard = match condition {
        Condition::Clean => padded,
        Condition::Noise { snr_db } => {
            // The SNR is set against the speech itself, not the padded quiet around it.
            let level = speech.rms() / 10f64.powf(snr_db / 20.0);
            let noise =
                tingshuo_desktop::render::noise(NoiseKind::Pink, padded.samples.len(), seed);
            Pcm {
                sample_rate: padded.sample_rate,
                samples: padded
                    .samples
                    .iter()
                    .zip(noise)
                    .map(|(&s, n)| {
                        (f64::from(s) + n * level)
                            .round()
                            .clamp(f64::from(i16::MIN), f64::from(i16::MAX))
                            as i16
                    })
                    .collect(),
            }
        }
    };
    tingshuo_core::listen::Audio::from_pcm_i16(&heard.samples, heard.sample_rate, 1)
        .expect("valid audio")
        .into_samples()
}

/// One labelled row of a corpus: the text, its intent (`None`: not a banking command) and
/// its slots as `Understanding::to_json` writes them.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub text: String,
    pub intent: Option<String>,
    pub slots: serde_json::Value,
}

impl Labelled {
    /// Whether an understanding (or none) is what the row means: the same intent and every
    /// slot, or nothing at all for a sentence that is not a command.
    pub fn is_met_by(&self, understood: Option<&Understanding>) -> bool {
        match (&self.intent, understood) {
            (None, None) => true,
            (Some(intent), Some(understood)) => {
                understood.intent.name() == intent && understood.to_json()["slots"] == self.slots
            }
            _ => false,
        }
    }
}

/// The rows of a corpus file under `tests/corpus/`.
pub fn labelled_rows(relative: &str) -> Vec<Labelled> {
    let text =
        std::fs::read_to_string(root().join("tests/corpus").join(relative)).expect("corpus file");
    text.lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("corpus row");
            Labelled {
                text: row["text"].as_str().expect("text").to_owned(),
                intent: row["intent"].as_str().map(str::to_owned),
                slots: row["slots"].clone(),
            }
        })
        .collect()
}

/// The spoken Mandarin commands (`tests/corpus/spoken/`): the half tuned on, or the held-out
/// half.
pub fn spoken_mandarin(held_out: bool) -> Vec<Labelled> {
    labelled_rows(if held_out {
        "spoken/held-out/zh-CN.jsonl"
    } else {
        "spoken/zh-CN.jsonl"
    })
}

/// How the Mandarin round trip speaks sentence `index`: three speeds (natural, slower,
/// slower still, as older speakers talk) and three pitches, spread evenly over the set, not
/// chosen by what passes.
pub fn mandarin_round_trip_voice(index: usize) -> VoiceSettings {
    const DURATIONS: [f32; 3] = [1.0, 1.2, 1.4];
    const PITCHES: [f32; 3] = [1.0, 0.9, 0.8];
    VoiceSettings {
        duration: DURATIONS[index % DURATIONS.len()],
        pitch: PITCHES[(index / DURATIONS.len()) % PITCHES.len()],
    }
}

/// Each row spoken by the neural test voice in the Mandarin round trip's voice of its place in
/// its set (the number beside it), so that a slice of the set is heard as the whole set hears it.
pub fn render_mandarin(
    voice: &NeuralMandarin,
    rows: &[(usize, Labelled)],
) -> Result<Vec<Pcm>, RenderError> {
    let requests: Vec<_> = rows
        .iter()
        .map(|(place, row)| (row.text.as_str(), mandarin_round_trip_voice(*place)))
        .collect();
    voice.render_all(&requests)
}

/// Whether two understandings agree on intent and every slot.
pub fn same_meaning(a: Option<&Understanding>, b: &Understanding) -> bool {
    a.is_some_and(|a| a.intent == b.intent && a.slots == b.slots)
}
