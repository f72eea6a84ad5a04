//! `tingshuo transcribe` and `tingshuo intent --audio`: WAV files through the recognizer (and
//! the context), the model loaded once for all of them, one-shot or streamed (`--stream`);
//! and `tingshuo intent --mic`, the default microphone through the same streaming listener.

use std::path::PathBuf;
use std::time::Duration;

use tingshuo_core::Locale;
use tingshuo_core::listen::audio::TARGET_SAMPLE_RATE;
use tingshuo_core::listen::recognizer::{AudioContext, Options, Recognizer};
use tingshuo_core::listen::spoken::{
    ListenEvent, Listener, SpokenCommand, options_for, understand_speech,
};
use tingshuo_core::listen::{Audio, decode_wav_file};
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Understanding, World};
use tingshuo_models::{ModelCache, catalogue};

use crate::HarnessError;
use crate::microphone::Microphone;

/// The product's speech model, for both languages: `base` hears real people better than
/// `tiny.en` in every condition measured (`docs/decisions/0041-the-english-model-is-chosen-on-real-speech.md`),
/// and with 8-bit weights it hears them as well in less time and memory
/// (`docs/decisions/0043-base-with-eight-bit-weights.md`).
pub const DEFAULT_MODEL: &str = "base-q8_0";

/// Loads an installed model by catalogue id, or says how to install it.
pub fn load_model(id: &str) -> Result<Recognizer, HarnessError> {
    let spec = catalogue::find(id).ok_or_else(|| {
        let known: Vec<&str> = catalogue::CATALOGUE.iter().map(|m| m.id).collect();
        HarnessError::Usage(format!("unknown model {id}; known: {}", known.join(", ")))
    })?;
    let cache = ModelCache::from_env().map_err(|e| HarnessError::Usage(e.to_string()))?;
    let path = cache
        .installed_path(spec)
        .map_err(|e| HarnessError::Usage(e.to_string()))?
        .ok_or_else(|| {
            HarnessError::Usage(format!(
                "the {id} speech model is not installed: run `tingshuo models install {id}`"
            ))
        })?;
    Recognizer::load_pinned(&path, spec.sha256).map_err(|e| HarnessError::Usage(e.to_string()))
}

/// The WAV files named: files as given, folders as their `*.wav` files in name order.
pub fn wav_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, HarnessError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| HarnessError::Usage(format!("{}: {e}", path.display())))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(HarnessError::Usage("no WAV files given".into()));
    }
    Ok(files)
}

/// `full`, `fit` or a number of encoder frames.
pub fn parse_audio_context(text: &str) -> Result<AudioContext, HarnessError> {
    match text {
        "full" => Ok(AudioContext::Full),
        "fit" => Ok(AudioContext::FitToSpeech),
        number => number.parse().map(AudioContext::Frames).map_err(|_| {
            HarnessError::Usage(format!("--audio-ctx: full, fit or a number, not {number}"))
        }),
    }
}

/// One line per file: its transcript, or why there is none. A file that cannot be read is
/// reported on its own line and the others still run.
pub fn transcribe(
    files: &[PathBuf],
    model: &str,
    locale: Locale,
    audio_context: AudioContext,
    threads: Option<usize>,
    json: bool,
) -> Result<Vec<String>, HarnessError> {
    let files = wav_inputs(files)?;
    let recognizer = load_model(model)?;
    let mut options = Options::new(locale);
    options.audio_context = audio_context;
    options.threads = threads;
    let mut lines = Vec::new();
    for file in &files {
        let outcome = decode_wav_file(file)
            .map_err(|e| e.to_string())
            .and_then(|audio| {
                recognizer
                    .transcribe(audio.samples(), &options, None)
                    .map_err(|e| e.to_string())
            });
        lines.push(match (outcome, json) {
            (Ok(heard), true) => serde_json::json!({
                "file": file.display().to_string(),
                "text": heard.as_ref().map(|h| h.text.clone()),
                "confidence": heard.as_ref().map(|h| (f64::from(h.confidence) * 100.0).round() / 100.0),
            })
            .to_string(),
            (Ok(Some(heard)), false) => format!("{}: {}", file.display(), heard.text),
            (Ok(None), false) => format!("{}: (no speech)", file.display()),
            (Err(error), true) => {
                serde_json::json!({"file": file.display().to_string(), "error": error}).to_string()
            }
            (Err(error), false) => format!("{}: error: {error}", file.display()),
        });
    }
    Ok(lines)
}

/// How `intent --audio` gives a file to the recognizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The whole recording at once (`understand_speech`): one JSON object per file, the same
    /// as the text form plus `"file"` and `"transcript"`.
    Whole,
    /// Pushed to a streaming listener in 20 ms chunks, as a microphone delivers it (`--stream`):
    /// one JSON object per event, each with its `"file"`, the final one as [`Delivery::Whole`]
    /// prints it; what has been heard so far every `partial_every` of speech, if set.
    Streamed { partial_every: Option<Duration> },
}

/// `intent --audio`: what each file means, the model loaded once. A file that cannot be read
/// gets a line with its `"error"`, and the others still run.
pub fn intents_from_audio(
    files: &[PathBuf],
    model: &str,
    context: &Context,
    world: &World,
    delivery: Delivery,
) -> Result<Vec<String>, HarnessError> {
    let files = wav_inputs(files)?;
    let recognizer = load_model(model)?;
    let options = options_for(context, world);
    let mut lines = Vec::new();
    for file in &files {
        let heard =
            decode_wav_file(file)
                .map_err(|e| e.to_string())
                .and_then(|audio| match delivery {
                    Delivery::Whole => understand_speech(
                        &recognizer,
                        audio.samples(),
                        &options,
                        context,
                        world,
                        None,
                    )
                    .map(|spoken| vec![spoken_json(&spoken)])
                    .map_err(|e| e.to_string()),
                    Delivery::Streamed { partial_every } => {
                        streamed(&recognizer, &audio, &options, context, world, partial_every)
                            .map(|events| events.iter().map(event_json).collect())
                    }
                });
        let results = heard.unwrap_or_else(|error| {
            let mut failed = serde_json::json!({"intent": null, "error": error});
            if delivery != Delivery::Whole {
                failed["event"] = serde_json::json!("final");
            }
            vec![failed]
        });
        for mut result in results {
            result["file"] = serde_json::json!(file.display().to_string());
            lines.push(result.to_string());
        }
    }
    Ok(lines)
}

/// The events of a recording pushed to a listener in 20 ms chunks.
fn streamed(
    recognizer: &Recognizer,
    audio: &Audio,
    options: &Options,
    context: &Context,
    world: &World,
    partial_every: Option<Duration>,
) -> Result<Vec<ListenEvent>, String> {
    let mut listener = Listener::new(
        recognizer,
        options.clone(),
        TARGET_SAMPLE_RATE,
        1,
        partial_every,
    )
    .map_err(|e| e.to_string())?
    .understood_in(context, world);
    let mut events = Vec::new();
    for chunk in audio.samples().chunks(STREAM_CHUNK) {
        events.extend(listener.push_f32(chunk).map_err(|e| e.to_string())?);
    }
    events.extend(listener.finish().map_err(|e| e.to_string())?);
    Ok(events)
}

/// The text form's JSON for what was heard, with its `"transcript"`.
fn spoken_json(spoken: &SpokenCommand) -> serde_json::Value {
    let mut json = spoken
        .understanding
        .as_ref()
        .map_or_else(Understanding::rejected_json, Understanding::to_json);
    json["transcript"] = serde_json::json!(spoken.transcript.as_ref().map(|heard| &heard.text));
    json
}

/// How much audio a streamed file is pushed in at a time: 20 ms, a phone's audio callback.
const STREAM_CHUNK: usize = 320;

/// A listener's event as one JSON object: `{"event": "speech_started"}`, `{"event":
/// "partial", "text": …}`, or `{"event": "final", …}` with what `intent --audio` prints.
fn event_json(event: &ListenEvent) -> serde_json::Value {
    match event {
        ListenEvent::SpeechStarted => serde_json::json!({"event": "speech_started"}),
        ListenEvent::Partial(text) => serde_json::json!({"event": "partial", "text": text}),
        ListenEvent::Final(spoken) => {
            let mut json = spoken_json(spoken);
            json["event"] = serde_json::json!("final");
            json
        }
    }
}

/// How long the microphone may deliver nothing before it is taken for broken.
const MICROPHONE_SILENT_FOR: Duration = Duration::from_secs(5);

/// `intent --mic`: the default microphone, heard by a streaming listener until the speaker
/// stops (or the listener's 30 s are full); each event is given to `print` as a JSON line,
/// as `intent --audio … --stream` prints a file's. The microphone is opened before the model
/// is loaded, so a machine without one says so at once.
pub fn intent_from_microphone(
    model: &str,
    context: &Context,
    world: &World,
    partial_every: Option<Duration>,
    mut print: impl FnMut(String),
) -> Result<(), HarnessError> {
    let microphone = Microphone::open_default().map_err(|e| HarnessError::Usage(e.to_string()))?;
    let recognizer = load_model(model)?;
    let mut listener = Listener::new(
        &recognizer,
        options_for(context, world),
        microphone.sample_rate(),
        microphone.channels(),
        partial_every,
    )
    .map_err(|e| HarnessError::Usage(e.to_string()))?
    .understood_in(context, world);
    loop {
        let chunk = microphone
            .next_chunk(MICROPHONE_SILENT_FOR)
            .map_err(|e| HarnessError::Usage(e.to_string()))?
            .ok_or_else(|| {
                HarnessError::Usage(format!(
                    "the microphone delivered no audio for {} s",
                    MICROPHONE_SILENT_FOR.as_secs()
                ))
            })?;
        let events = listener
            .push_f32(&chunk)
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        for event in &events {
            print(event_json(event).to_string());
            if matches!(event, ListenEvent::Final(_)) {
                return Ok(());
            }
        }
    }
}

/// The demo's ear: a customer's scripted turn spoken, then given to the assistant as speech,
/// which hears it as it hears a phone's microphone — its own recognition, search plan and
/// yes-over-no check (`Turn::Audio`), not a transcript typed in for it. English turns are
/// spoken by espeak-ng; Mandarin ones by the neural test voice ([`crate::neural_voice`]), since
/// whisper cannot hear espeak-ng's Mandarin.
#[derive(Debug)]
pub struct DemoEar {
    recognizer: std::sync::Arc<Recognizer>,
    voice: DemoVoice,
}

#[derive(Debug)]
enum DemoVoice {
    Espeak(crate::render::Renderer),
    Neural(crate::neural_voice::NeuralMandarin),
}

impl DemoEar {
    /// An ear for a demo customer speaking `locale`, or the reason speech cannot be heard here
    /// (no model installed, no espeak-ng, no Mandarin test voice beside the project).
    pub fn for_locale(locale: Locale) -> Result<DemoEar, HarnessError> {
        let voice = match locale {
            Locale::EnUs => DemoVoice::Espeak(crate::render::Renderer::new()),
            Locale::ZhCn => DemoVoice::Neural(crate::neural_voice::NeuralMandarin::set_up(
                std::path::Path::new("."),
            )?),
        };
        Ok(DemoEar {
            recognizer: std::sync::Arc::new(load_model(DEFAULT_MODEL)?),
            voice,
        })
    }

    /// The recognizer the assistant hears the turns with.
    pub fn recognizer(&self) -> std::sync::Arc<Recognizer> {
        self.recognizer.clone()
    }

    /// Who speaks the turns, for the demo's transcript.
    pub fn voice_name(&self) -> &'static str {
        match self.voice {
            DemoVoice::Espeak(_) => "espeak-ng",
            DemoVoice::Neural(_) => "the neural Mandarin test voice",
        }
    }

    /// `line` spoken, as the 16 kHz mono samples a microphone would deliver.
    pub fn speak(&self, line: &str) -> Result<Vec<f32>, HarnessError> {
        let pcm = match &self.voice {
            DemoVoice::Espeak(renderer) => {
                let utterance = tingshuo_core::Utterance {
                    display: line.to_owned(),
                    speech: line.to_owned(),
                };
                renderer.render(&utterance, &crate::render::RenderOptions::new(Locale::EnUs))?
            }
            DemoVoice::Neural(voice) => {
                voice.render(line, crate::neural_voice::VoiceSettings::NATURAL)?
            }
        };
        let audio = Audio::from_pcm_i16(&pcm.samples, pcm.sample_rate, 1)
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        Ok(audio.into_samples())
    }
}
