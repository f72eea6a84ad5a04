//! `tingshuo transcribe` and `tingshuo intent --audio`: WAV files through the recognizer (and
//! the context), the model loaded once for all of them.

use std::path::{Path, PathBuf};

use tingshuo_core::Locale;
use tingshuo_core::listen::decode_wav_file;
use tingshuo_core::listen::grammar::Grammar;
use tingshuo_core::listen::recognizer::{AudioContext, Options, Recognizer};
use tingshuo_core::listen::spoken::{options_for, understand_speech};
use tingshuo_core::models::{ModelCache, catalogue};
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::matcher::{Understanding, World};

use crate::HarnessError;

/// The model used when none is named: `base` recognizes both languages and keeps its accuracy
/// with a short audio context (see `docs/benchmarks.md`).
pub const DEFAULT_MODEL: &str = "base";

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
    Recognizer::load(&path).map_err(|e| HarnessError::Usage(e.to_string()))
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

/// `intent --audio`: one JSON object per file, the same as the text form plus `"file"` and
/// `"transcript"`.
pub fn intents_from_audio(
    files: &[PathBuf],
    model: &str,
    context: &Context,
    world: &World,
) -> Result<Vec<String>, HarnessError> {
    let files = wav_inputs(files)?;
    let recognizer = load_model(model)?;
    let options = options_for(context, world);
    let mut lines = Vec::new();
    for file in &files {
        let mut result = match heard_in(file, &recognizer, &options, context, world) {
            Ok((transcript, Some(understood))) => {
                let mut json = understood.to_json();
                json["transcript"] = serde_json::json!(transcript);
                json
            }
            Ok((transcript, None)) => {
                let mut json = Understanding::rejected_json();
                json["transcript"] = serde_json::json!(transcript);
                json
            }
            Err(error) => serde_json::json!({"intent": null, "error": error}),
        };
        result["file"] = serde_json::json!(file.display().to_string());
        lines.push(result.to_string());
    }
    Ok(lines)
}

fn heard_in(
    file: &Path,
    recognizer: &Recognizer,
    options: &Options,
    context: &Context,
    world: &World,
) -> Result<(Option<String>, Option<Understanding>), String> {
    let audio = decode_wav_file(file).map_err(|e| e.to_string())?;
    let spoken = understand_speech(recognizer, audio.samples(), options, context, world, None)
        .map_err(|e| e.to_string())?;
    Ok((spoken.transcript.map(|t| t.text), spoken.understanding))
}

/// The demo's ear: a customer's scripted turn spoken by espeak-ng, then heard by the
/// recognizer, as if said into a microphone. English only: espeak-ng's Mandarin is not
/// recognizable by the models here (whisper fails on it in its original form too), so the
/// Mandarin demo types its turns.
#[derive(Debug)]
pub struct DemoEar {
    recognizer: Recognizer,
    renderer: crate::render::Renderer,
    options: Options,
}

impl DemoEar {
    /// An ear for the English demo customer, or `None` (with the reason) when speech cannot
    /// be heard here: no model installed, no espeak-ng.
    pub fn english(context: &Context, world: &World) -> Result<DemoEar, HarnessError> {
        // The customer may give a command or answer the dialogue's question ("Alice", "fifty
        // dollars"): the recognizer follows both contexts' sentences.
        let answers = Context::from_yaml(tingshuo_core::understand::answers_context(Locale::EnUs))
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        let mut options = options_for(context, world);
        options.grammar = Some(std::sync::Arc::new(Grammar::for_contexts(
            &[context, &answers],
            world,
        )));
        Ok(DemoEar {
            recognizer: load_model(DEFAULT_MODEL)?,
            renderer: crate::render::Renderer::new(),
            options,
        })
    }

    /// What the recognizer heard when `line` was spoken; empty for silence.
    pub fn hear(&self, line: &str) -> Result<String, HarnessError> {
        if line.trim().is_empty() {
            return Ok(String::new());
        }
        let utterance = tingshuo_core::Utterance {
            display: line.to_owned(),
            speech: line.to_owned(),
        };
        let options = crate::render::RenderOptions::new(Locale::EnUs);
        let pcm = self.renderer.render(&utterance, &options)?;
        let audio = tingshuo_core::listen::Audio::from_pcm_i16(&pcm.samples, pcm.sample_rate, 1)
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        let heard = self
            .recognizer
            .transcribe(audio.samples(), &self.options, None)
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        Ok(heard.map(|h| h.text).unwrap_or_default())
    }
}
