//! On-device recognition with whisper.cpp (through `whisper-rs`, pinned exactly).
//!
//! What whisper alone gets wrong on short spoken commands, and what this module does about it
//! (the measurements behind each choice are in `docs/decisions/`):
//! * silence and noise decode as " you", "[BLANK_AUDIO]" or "thank you for watching", and the
//!   model's no-speech probability is always 0 here: our own voice-activity detection
//!   ([`super::vad`]) decides whether anyone spoke, and known hallucinations are dropped;
//! * the encoder always works on 30 s of audio: a short command may set `audio_ctx` to fit
//!   its length ([`AudioContext::FitToSpeech`]), several times faster;
//! * command words and the customer's names are misheard without a hint: the context's
//!   prompt and the payees' and billers' names go in as the initial prompt (as tokens, cached:
//!   whisper.cpp tokenizes slowly);
//! * a synthetic or unclear voice is heard as whatever English sounds nearest ("What's the
//!   mountains?"): with the context's grammar in the options, decoding is a beam search that
//!   prefers its sentences ([`super::guided`]), and the transcript says what that cost;
//! * reusing a state makes close calls flip, and temperature fallback can take seconds: a
//!   fresh state per utterance, no fallback (greedy decoding without a grammar); the
//!   sentences-only searches that may follow an utterance's first search share one state of
//!   their own (a new state for each left glibc's heap 30 MB larger after each search: 200 MB
//!   at the fifth, against 169 MB shared);
//! * more threads than free cores make times jump five-fold: threads are capped by the cores
//!   there are;
//! * Mandarin may come out in Traditional characters: zh-CN output is made Simplified.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Mutex;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
    WhisperTokenId,
};

use super::audio::TARGET_SAMPLE_RATE;
pub use super::guided::Guidance;
use super::guided::Guided;
use super::vad::{DEFAULT_TRIM_MARGIN, speech_span};
use crate::grammar::Grammar;
use crate::spellings::Tokens;
use tingshuo_base::locale::Locale;

/// Encoder frames per second of audio (whisper: 1500 frames for 30 s).
const FRAMES_PER_SECOND: u32 = 50;
/// The encoder's full window.
const FULL_AUDIO_CTX: u32 = 1500;
/// The least `audio_ctx` a short command gets (5.1 s). Measured on the round-trip set and the
/// spoken digits: 256 hears as well as 384 did (the digits a little better) in two thirds of
/// the encoder's time; below the speech's own length words are lost.
pub const MIN_SHORT_AUDIO_CTX: u32 = 256;
/// What a short command's window adds after its speech: the last word's tail and the model's
/// habit of looking a little past the end.
const SHORT_AUDIO_CTX_PADDING: u32 = 64;
/// Quiet put around the speech span before recognition (0.5 s).
const PAD_SAMPLES: usize = 8_000;
/// Beams of a grammar-guided search (whisper.cpp's default is 5): with each beam's candidates
/// its most likely tokens (vendor/README.md), three accept as many commands as four and six,
/// in less time (`docs/decisions/0015-three-beams-of-the-most-likely-tokens.md`).
pub const DEFAULT_GUIDED_BEAMS: usize = 3;
/// The most threads recognition uses; beyond this whisper gains nothing on phones.
const MAX_THREADS: usize = 4;

/// Phrases whisper produces from silence, music or noise (subtitle credits from its training
/// data). A transcript that is only these is no transcript.
const HALLUCINATIONS: &[&str] = &[
    "you",
    "thank you",
    "thank you.",
    "thanks for watching",
    "thank you for watching",
    "thanks for watching!",
    "thank you for watching!",
    "please subscribe",
    "subscribe to my channel",
    "bye",
    "bye.",
    "the end",
    "[blank_audio]",
    "[music]",
    "(music)",
    "[silence]",
    "(silence)",
    "[noise]",
    "字幕",
    "谢谢观看",
    "谢谢大家",
    "谢谢",
    "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
    "字幕由amara.org社区提供",
    "优优独播剧场——yoyo television series exclusive",
];

#[derive(Debug, thiserror::Error)]
pub enum RecognizerError {
    #[error("speech model {path}: {reason}")]
    Model { path: String, reason: String },
    #[error("the {model} model recognizes English only; {locale} needs a multilingual model")]
    UnsupportedLocale { model: String, locale: Locale },
    #[error("recognition failed: {0}")]
    Whisper(String),
    #[error("recognition was cancelled")]
    Cancelled,
    #[error("audio: {0}")]
    Audio(String),
}

/// How much of the encoder's 30 s window to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioContext {
    /// The whole window (whisper's default): slowest, the reference for accuracy.
    Full,
    /// Just enough for the speech heard, but never below [`MIN_SHORT_AUDIO_CTX`].
    FitToSpeech,
    /// A fixed number of encoder frames (50 a second), for measuring the trade-off.
    Frames(u32),
}

impl AudioContext {
    /// The `audio_ctx` for an utterance of this many 16 kHz samples.
    pub fn frames_for(self, samples: usize) -> u32 {
        match self {
            AudioContext::Full => FULL_AUDIO_CTX,
            AudioContext::FitToSpeech => {
                let seconds_frames = u32::try_from(
                    (samples as u64 * u64::from(FRAMES_PER_SECOND))
                        .div_ceil(u64::from(TARGET_SAMPLE_RATE)),
                )
                .unwrap_or(FULL_AUDIO_CTX);
                (seconds_frames + SHORT_AUDIO_CTX_PADDING)
                    .clamp(MIN_SHORT_AUDIO_CTX, FULL_AUDIO_CTX)
            }
            AudioContext::Frames(frames) => frames.clamp(1, FULL_AUDIO_CTX),
        }
    }
}

/// How one utterance is recognized.
#[derive(Debug, Clone)]
pub struct Options {
    pub locale: Locale,
    /// Words to expect: the context's prompt and the customer's payees and billers
    /// ([`bias_prompt`]).
    pub prompt: String,
    pub audio_context: AudioContext,
    /// Threads to use; capped by the cores there are.
    pub threads: Option<usize>,
    /// What the speaker may say: decoding follows it where the audio allows
    /// ([`super::guided`]).
    pub grammar: Option<Arc<Grammar>>,
    /// Hypotheses a grammar-guided search keeps (1 to 8; ignored without a grammar).
    pub beams: usize,
    /// How closely that search keeps to the grammar.
    pub guidance: Guidance,
}

impl Options {
    pub fn new(locale: Locale) -> Options {
        Options {
            locale,
            prompt: String::new(),
            audio_context: AudioContext::FitToSpeech,
            threads: None,
            grammar: None,
            beams: DEFAULT_GUIDED_BEAMS,
            guidance: Guidance::default(),
        }
    }
}

/// What was heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// Mean probability of the text's tokens, 0–1.
    pub confidence: f32,
    /// Where the speech was, in 16 kHz samples of the audio given.
    pub speech: Range<usize>,
    /// The encoder window used.
    pub audio_ctx: u32,
    /// `Some` when the text is a sentence of the grammar that guided decoding
    /// ([`Options::grammar`]): how much less likely, to the model, those words were than what it
    /// would have written freely, in nats (0 when it wanted them anyway). `None` for free
    /// decoding, or when the words left the grammar.
    pub forced: Option<f32>,
}

/// Stops a recognition in progress from another thread.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

thread_local! {
    /// The cancel token of the recognition running on this thread. whisper-rs's safe abort
    /// callback only works with a closure that captures nothing (it casts its boxed closure
    /// to the closure's own type), so the closure reads the token from here instead; whisper
    /// calls it on the thread that runs `full()`.
    static RUNNING: std::cell::RefCell<Option<CancelToken>> = const { std::cell::RefCell::new(None) };
}

fn cancel_requested() -> bool {
    RUNNING.with(|running| {
        running
            .borrow()
            .as_ref()
            .is_some_and(CancelToken::is_cancelled)
    })
}

/// A loaded whisper model. Share it between utterances (loading takes a while); every
/// utterance gets a fresh decoding state.
pub struct Recognizer {
    context: WhisperContext,
    multilingual: bool,
    name: String,
    /// The text tokens, for following a grammar without a call into whisper per token.
    tokens: Tokens,
    /// The last prompt tokenized, with its tokens: whisper.cpp tokenizes with `std::regex`,
    /// slowly, and a customer's prompt is the same utterance after utterance.
    prompt_tokens: Mutex<Option<(String, Arc<Vec<WhisperTokenId>>)>>,
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recognizer")
            .field("name", &self.name)
            .field("multilingual", &self.multilingual)
            .finish_non_exhaustive()
    }
}

/// The threads to use: what was asked for, at most the cores there are.
/// The largest model file read: whisper `large` is about 3 GB.
const MAX_MODEL_BYTES: u64 = 4 << 30;

pub fn thread_count(requested: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    requested.unwrap_or(cores).clamp(1, cores.min(MAX_THREADS))
}

impl Recognizer {
    /// Loads a ggml model after checking its structure (whisper.cpp trusts the file). A file
    /// someone else can write is better loaded with [`Recognizer::load_pinned`].
    pub fn load(path: &Path) -> Result<Recognizer, RecognizerError> {
        let model_error = |reason: String| RecognizerError::Model {
            path: path.display().to_string(),
            reason,
        };
        let file = crate::ggml::GgmlFile::open(path).map_err(|e| model_error(e.to_string()))?;
        // Keep whisper.cpp's and ggml's own chatter off the host's console.
        whisper_rs::install_logging_hooks();
        let path_text = path
            .to_str()
            .ok_or_else(|| model_error("the path is not UTF-8".into()))?;
        // Flash attention (off in whisper-rs's defaults) made no difference here; left off.
        let context =
            WhisperContext::new_with_params(path_text, WhisperContextParameters::default())
                .map_err(|e| model_error(e.to_string()))?;
        Ok(Recognizer::with_context(context, path, &file))
    }

    /// Loads a ggml model whose bytes hash to `sha256` (hex), the digest the app that ships
    /// the model pinned. The file is read once, hashed, checked for structure and handed to
    /// whisper.cpp from memory, so whisper.cpp reads exactly the bytes proved: a file edited
    /// in any way, whatever its timestamps say, is refused before whisper.cpp sees it. While
    /// it loads, the process holds the file and the model both (about twice its size).
    pub fn load_pinned(path: &Path, sha256: &str) -> Result<Recognizer, RecognizerError> {
        let model_error = |reason: String| RecognizerError::Model {
            path: path.display().to_string(),
            reason,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| model_error(e.to_string()))?
            .len();
        if size > MAX_MODEL_BYTES {
            return Err(model_error(format!(
                "{size} bytes, more than any speech model ({MAX_MODEL_BYTES})"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| model_error(e.to_string()))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let found: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        if !found.eq_ignore_ascii_case(sha256.trim()) {
            return Err(model_error(format!(
                "SHA-256 {found}, not the pinned {sha256}: the file was changed or damaged; \
                 install it again"
            )));
        }
        let file =
            crate::ggml::GgmlFile::from_bytes(&bytes).map_err(|e| model_error(e.to_string()))?;
        whisper_rs::install_logging_hooks();
        let context = WhisperContext::new_from_buffer_with_params(
            &bytes,
            WhisperContextParameters::default(),
        )
        .map_err(|e| model_error(e.to_string()))?;
        drop(bytes);
        Ok(Recognizer::with_context(context, path, &file))
    }

    fn with_context(
        context: WhisperContext,
        path: &Path,
        file: &crate::ggml::GgmlFile,
    ) -> Recognizer {
        let multilingual = context.is_multilingual();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::debug!(model = %name, multilingual, vocab = file.vocabulary.len(), "speech model loaded");
        let tokens = Tokens::new(
            (0..context.token_eot()).map(|id| context.token_to_bytes(id).unwrap_or_default()),
        );
        Recognizer {
            context,
            multilingual,
            name,
            tokens,
            prompt_tokens: Mutex::new(None),
        }
    }

    /// The model's text tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The prompt's tokens, from the cache when the prompt is the last one seen.
    fn prompt_tokens(&self, prompt: &str) -> Result<Arc<Vec<WhisperTokenId>>, RecognizerError> {
        let mut cached = self
            .prompt_tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((text, tokens)) = cached.as_ref()
            && text == prompt
        {
            return Ok(tokens.clone());
        }
        // A token is at least one byte, so this many never runs short (whisper-rs would read a
        // short count's negative answer as a length).
        let tokens = Arc::new(
            self.context
                .tokenize(prompt, prompt.len() + 1)
                .map_err(|e| RecognizerError::Whisper(format!("the prompt: {e}")))?,
        );
        *cached = Some((prompt.to_owned(), tokens.clone()));
        Ok(tokens)
    }

    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Recognizes one utterance of 16 kHz mono audio. `Ok(None)` when nobody spoke, or when
    /// all whisper heard was one of its known hallucinations.
    ///
    /// With a grammar in the options, decoding is a beam search guided by it
    /// ([`super::guided`]); the transcript says whether it is a sentence of the grammar, and how
    /// far the grammar pushed the model to write it ([`Transcript::forced`]).
    pub fn transcribe(
        &self,
        samples: &[f32],
        options: &Options,
        cancel: Option<&CancelToken>,
    ) -> Result<Option<Transcript>, RecognizerError> {
        Ok(self
            .transcribe_avoiding(samples, options, &[], &mut None, cancel)?
            .transcript)
    }

    /// [`Recognizer::transcribe`], with first tokens the grammar does not offer this time
    /// ([`Guided::new`]); says which token the search started with, so that a search asked
    /// again can avoid that opening too.
    pub(crate) fn transcribe_avoiding(
        &self,
        samples: &[f32],
        options: &Options,
        avoided_starts: &[u32],
        state: &mut Option<WhisperState>,
        cancel: Option<&CancelToken>,
    ) -> Result<Decoded, RecognizerError> {
        if options.locale != Locale::EnUs && !self.multilingual {
            return Err(RecognizerError::UnsupportedLocale {
                model: self.name.clone(),
                locale: options.locale,
            });
        }
        // The front end refuses these; a host that calls here directly must not feed whisper
        // NaN (it decodes garbage from it).
        if samples.iter().any(|s| !s.is_finite()) {
            return Err(RecognizerError::Audio("NaN or infinite samples".into()));
        }
        let Some(speech) = speech_span(samples, DEFAULT_TRIM_MARGIN) else {
            return Ok(Decoded::default());
        };
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(RecognizerError::Cancelled);
        }
        let prompt = self.prompt_tokens(&options.prompt)?;
        // Quiet before and after: whisper drops a first word that starts at the very first
        // sample ("Send $50" → "And $50").
        let pad = vec![0.0_f32; PAD_SAMPLES];
        let padded = [pad.as_slice(), &samples[speech.clone()], pad.as_slice()].concat();
        let audio = padded.as_slice();
        let audio_ctx = options.audio_context.frames_for(audio.len());
        let mut params = match options.grammar {
            // Beams cost little next to the encoder, and let the grammar weigh alternatives.
            Some(_) => FullParams::new(SamplingStrategy::BeamSearch {
                beam_size: i32::try_from(options.beams.clamp(1, 8)).unwrap_or(1),
                patience: -1.0,
            }),
            None => FullParams::new(SamplingStrategy::Greedy { best_of: 1 }),
        };
        params.set_language(Some(language_code(options.locale)));
        params.set_n_threads(i32::try_from(thread_count(options.threads)).unwrap_or(1));
        params.set_audio_ctx(i32::try_from(audio_ctx).unwrap_or(1500));
        // A command has few words; a decoder stuck in a loop has many. Capping the tokens by the
        // speech's length ends loops early (and their cost with them).
        params.set_max_tokens(max_tokens_for(audio.len()));
        params.set_no_timestamps(true);
        params.set_single_segment(true);
        params.set_no_context(true);
        params.set_temperature(0.0);
        params.set_temperature_inc(0.0);
        // whisper.cpp would drop a transcript it judges "no speech" from the prompt's first
        // logits row, which the vendored decoder no longer keeps (vendor/README.md, item 1);
        // silence is the voice detector's to judge and trust the recognizer's. No probability
        // exceeds 1, so nothing is dropped — as before, when that row held no real logits.
        params.set_no_speech_thold(1.0);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        if !prompt.is_empty() {
            params.set_tokens(&prompt);
        }
        // A closure that captures nothing, so it is zero-sized: whisper-rs's trampoline reads
        // its user data as the closure itself (see `RUNNING`), which only a zero-sized closure
        // survives. A function pointer would not.
        #[allow(clippy::redundant_closure)]
        let abort = || cancel_requested();
        params.set_abort_callback_safe(abort);

        let end_of_text = self.context.token_eot();
        let guide = options.grammar.as_deref().map(|grammar| {
            Guided::new(
                grammar,
                options.guidance,
                avoided_starts,
                &self.tokens,
                u32::try_from(end_of_text).unwrap_or(0),
                usize::try_from(self.context.n_vocab()).unwrap_or(0),
            )
        });
        let state = match state {
            Some(state) => state,
            None => state.insert(
                self.context
                    .create_state()
                    .map_err(|e| RecognizerError::Whisper(e.to_string()))?,
            ),
        };
        RUNNING.with(|running| *running.borrow_mut() = cancel.cloned());
        let result = match &guide {
            Some(guide) => guide.full(state, params, audio),
            None => state.full(params, audio),
        };
        RUNNING.with(|running| *running.borrow_mut() = None);
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(RecognizerError::Cancelled);
        }
        result.map_err(|e| RecognizerError::Whisper(e.to_string()))?;

        let mut text = String::new();
        let mut probabilities = Vec::new();
        let mut tokens = Vec::new();
        for segment in state.as_iter() {
            text.push_str(
                &segment
                    .to_str_lossy()
                    .map_err(|e| RecognizerError::Whisper(e.to_string()))?,
            );
            for index in 0..segment.n_tokens() {
                if let Some(token) = segment.get_token(index)
                    && token.token_id() < end_of_text
                {
                    probabilities.push(token.token_probability());
                    tokens.push(u32::try_from(token.token_id()).unwrap_or(u32::MAX));
                }
            }
        }
        let forced = guide.and_then(|guide| guide.forced(&tokens));
        let first_token = tokens.first().copied();
        let text = cut_short_echo(&cut_loop(&clean(options.locale, &text)), speech.len());
        if text.is_empty() || is_hallucination(&text) {
            return Ok(Decoded {
                transcript: None,
                first_token,
            });
        }
        let confidence = if probabilities.is_empty() {
            0.0
        } else {
            probabilities.iter().sum::<f32>() / probabilities.len() as f32
        };
        Ok(Decoded {
            transcript: Some(Transcript {
                text,
                confidence: confidence.clamp(0.0, 1.0),
                speech,
                audio_ctx,
                forced,
            }),
            first_token,
        })
    }
}

/// One search's result: the transcript, and the token it started with (kept when the text
/// was dropped as a loop or a hallucination, which an earlier opening can lead to).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decoded {
    pub transcript: Option<Transcript>,
    pub first_token: Option<u32>,
}

fn language_code(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "zh",
        Locale::EnUs => "en",
    }
}

/// Trims, collapses spaces and, for zh-CN, makes the text Simplified.
fn clean(locale: Locale, text: &str) -> String {
    let trimmed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match locale {
        Locale::ZhCn => fast2s::convert(&trimmed),
        Locale::EnUs => trimmed,
    }
}

/// Whether a transcript is only what whisper makes of silence or noise: a known phrase, text
/// in brackets ("[MUSIC]", "(applause)"), or one word repeated over and over.
pub fn is_hallucination(text: &str) -> bool {
    let lowered = text.trim().to_lowercase();
    let bare = lowered.trim_matches(|c: char| {
        c.is_ascii_punctuation() || c.is_whitespace() || "。，！？".contains(c)
    });
    if bare.is_empty()
        || HALLUCINATIONS.contains(&bare)
        || HALLUCINATIONS.contains(&lowered.as_str())
    {
        return true;
    }
    let bracketed = |open: char, close: char| lowered.starts_with(open) && lowered.ends_with(close);
    if bracketed('[', ']') || bracketed('(', ')') || bracketed('*', '*') || bracketed('♪', '♪')
    {
        return true;
    }
    repeats_in_a_loop(bare)
}

/// Cuts a decoding loop down to its first pass: when the text ends in a run of words (or
/// Chinese characters) repeated back to back — "Pay my electric bill. Pay my electric bill.
/// Pay my…" — only the first copy is kept. Whisper falls into this after short speech,
/// especially with a prompt.
pub fn cut_loop(text: &str) -> String {
    let chinese = text.chars().any(|c| c > '\u{2E80}');
    // Units with their byte ends in `text`, so the cut keeps the original spelling.
    let mut units: Vec<(String, usize)> = Vec::new();
    if chinese {
        for (at, c) in text.char_indices() {
            if !c.is_whitespace() && !c.is_ascii_punctuation() && !"，。！？、".contains(c) {
                units.push((c.to_string(), at + c.len_utf8()));
            }
        }
    } else {
        let mut at = 0;
        for word in text.split_inclusive(char::is_whitespace) {
            at += word.len();
            let bare = word
                .trim()
                .trim_matches(|c: char| c.is_ascii_punctuation())
                .to_lowercase();
            if !bare.is_empty() {
                units.push((bare, at - (word.len() - word.trim_end().len())));
            }
        }
    }
    let n = units.len();
    for width in (if chinese { 2 } else { 1 })..=n / 2 {
        // The earliest start from which the rest repeats with this period, twice at least
        // (three times for single words: "no no no" is said).
        let least = if width == 1 { 3 } else { 2 };
        let periodic_from = (0..n)
            .rev()
            .take_while(|&i| i + width >= n || units[i].0 == units[i + width].0)
            .last();
        if let Some(start) = periodic_from
            && n - start >= width * least
        {
            let end = units[start + width - 1].1;
            return text[..end].trim_end().to_owned();
        }
    }
    text.to_owned()
}

/// Under this much speech (the span with its margins), a word heard twice ("5 5", "Nine.
/// Nine.") is the decoder echoing a short clip, not the speaker.
const ECHO_SPAN_SAMPLES: usize = 16_000;

/// Keeps one copy of a single word that came out twice from under a second of speech.
fn cut_short_echo(text: &str, speech_samples: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| c.is_ascii_punctuation())
            .to_lowercase()
    };
    if speech_samples < ECHO_SPAN_SAMPLES && words.len() == 2 && bare(words[0]) == bare(words[1]) {
        words[1].to_owned()
    } else {
        text.to_owned()
    }
}

/// Tokens a transcript of this much speech may need: people say at most about 5 words (or 8
/// Chinese characters) a second, a few tokens each.
fn max_tokens_for(samples: usize) -> i32 {
    let seconds = samples.div_ceil(TARGET_SAMPLE_RATE as usize);
    i32::try_from(16 + seconds * 12).unwrap_or(i32::MAX)
}

/// Whether some run of words (or, in Chinese, characters) repeats back to back (four times,
/// or three for runs of three or more): the decoder's loop, not speech ("of the Central Committee of the Central Committee
/// …").
fn repeats_in_a_loop(text: &str) -> bool {
    let units: Vec<String> = if text.chars().any(|c| c > '\u{2E80}') {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .map(String::from)
            .collect()
    } else {
        text.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| c.is_ascii_punctuation())
                    .to_owned()
            })
            .collect()
    };
    (1..=8).any(|width| {
        // Short runs repeat in real speech ("no no no"); a phrase said three times over is a
        // loop.
        let times = if width >= 3 { 3 } else { 4 };
        units.len() >= width * times
            && (0..=units.len() - width * times).any(|start| {
                let unit = &units[start..start + width];
                (1..times).all(|k| &units[start + k * width..start + (k + 1) * width] == unit)
            })
    })
}

/// The initial prompt for an utterance: the context's own prompt (its command words) and the
/// names the customer may say.
pub fn bias_prompt(context_prompt: Option<&str>, names: &[&str], locale: Locale) -> String {
    let separator = match locale {
        Locale::ZhCn => "，",
        Locale::EnUs => ", ",
    };
    let mut prompt = context_prompt.unwrap_or_default().trim().to_owned();
    if !names.is_empty() {
        if !prompt.is_empty() {
            prompt.push(' ');
        }
        prompt.push_str(&names.join(separator));
        prompt.push_str(match locale {
            Locale::ZhCn => "。",
            Locale::EnUs => ".",
        });
    }
    prompt
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_commands_get_a_window_that_fits() {
        let second = TARGET_SAMPLE_RATE as usize;
        assert_eq!(AudioContext::Full.frames_for(3 * second), 1500);
        assert_eq!(
            AudioContext::FitToSpeech.frames_for(second),
            MIN_SHORT_AUDIO_CTX
        );
        assert_eq!(AudioContext::FitToSpeech.frames_for(8 * second), 400 + 64);
        assert_eq!(AudioContext::FitToSpeech.frames_for(60 * second), 1500);
        assert_eq!(AudioContext::Frames(0).frames_for(second), 1);
        assert_eq!(AudioContext::Frames(9000).frames_for(second), 1500);
    }

    #[test]
    fn hallucinations_are_recognized() {
        for text in [
            " you",
            "Thank you for watching!",
            "[BLANK_AUDIO]",
            "(music)",
            "谢谢观看",
            "  ",
            "the the the the the the the",
            "and the Central Committee of the Central Committee of the Central Committee of the Central Committee",
            "谢谢谢谢谢谢谢谢",
        ] {
            assert!(is_hallucination(text), "{text:?}");
        }
        for text in [
            "Pay my electric bill.",
            "查余额",
            "thank you, send it",
            "Yes.",
            "no no no",
            "one two one two one two",
        ] {
            assert!(!is_hallucination(text), "{text:?}");
        }
    }

    #[test]
    fn decoding_loops_are_cut_to_their_first_pass() {
        assert_eq!(
            cut_loop("Pay my electric bill. Pay my electric bill. Pay my electric bill. Pay"),
            "Pay my electric bill."
        );
        assert_eq!(cut_loop("查余额查余额查余额"), "查余额");
        assert_eq!(
            cut_loop("send it to alice, alice"),
            "send it to alice, alice"
        );
        assert_eq!(cut_loop("no no no no"), "no");
        assert_eq!(cut_loop("no no"), "no no");
        assert_eq!(cut_loop("谢谢"), "谢谢");
        assert_eq!(cut_loop("What's my balance?"), "What's my balance?");
        assert_eq!(cut_loop(""), "");
    }

    #[test]
    fn a_short_clip_heard_twice_is_one_word() {
        assert_eq!(cut_short_echo("5 5", 12_000), "5");
        assert_eq!(cut_short_echo("Nine. Nine.", 12_000), "Nine.");
        assert_eq!(cut_short_echo("no no", 40_000), "no no");
        assert_eq!(cut_short_echo("send it", 12_000), "send it");
    }

    #[test]
    fn prompts_name_what_to_expect() {
        assert_eq!(
            bias_prompt(
                Some("Check my balance."),
                &["Alice Chen", "Bob Wilson"],
                Locale::EnUs
            ),
            "Check my balance. Alice Chen, Bob Wilson."
        );
        assert_eq!(
            bias_prompt(None, &["李伟", "刘芳"], Locale::ZhCn),
            "李伟，刘芳。"
        );
        assert_eq!(bias_prompt(None, &[], Locale::EnUs), "");
    }

    #[test]
    fn threads_never_exceed_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        assert!(thread_count(Some(64)) <= cores);
        assert_eq!(thread_count(Some(0)), 1);
    }

    #[test]
    fn a_missing_or_broken_model_is_a_clear_error() {
        let missing = Recognizer::load(Path::new("/nonexistent/ggml-tiny.en.bin"));
        assert!(matches!(missing, Err(RecognizerError::Model { .. })));
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.bin");
        std::fs::write(&garbage, b"not a model at all").unwrap();
        let error = Recognizer::load(&garbage).unwrap_err().to_string();
        assert!(error.contains("garbage.bin"), "{error}");

        // Pinned: a file that is not the pinned one is refused by its hash; one that is, but
        // is no model, by its structure; whisper.cpp never sees either.
        let other = "0".repeat(64);
        let error = Recognizer::load_pinned(&garbage, &other)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("SHA-256") && error.contains(&other),
            "{error}"
        );
        let its_own = ring::digest::digest(&ring::digest::SHA256, b"not a model at all");
        let its_own: String = its_own
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let error = Recognizer::load_pinned(&garbage, &its_own)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("SHA-256"), "{error}");
        assert!(matches!(
            Recognizer::load_pinned(Path::new("/nonexistent/ggml-tiny.en.bin"), &other),
            Err(RecognizerError::Model { .. })
        ));
    }
}
