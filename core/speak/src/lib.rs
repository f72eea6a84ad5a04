//! Speech output through the platform's own engine: Android TextToSpeech, AVSpeechSynthesizer
//! on iOS, speech-dispatcher on Linux desktops (through the `tts` crate).
//!
//! The [`Speaker`] speaks the **speech form** of an [`Utterance`] (amounts and card endings in
//! words, numbers masked) and never its display form. Spoken text is never logged: it may
//! carry masked account endings and payee names; logs carry lengths and ids only.
//!
//! Settings are in one platform-neutral scale, percent of the engine's normal:
//! * rate 50–200 (100 = the engine's normal rate, which for the engines here lies in the
//!   comfortable band of about 150–200 words per minute for English; espeak-ng behind
//!   speech-dispatcher speaks 170), with [`RATE_STEP`] steps for "slower" and "faster";
//! * pitch 50–200 (100 = normal);
//! * volume 0–100 (100 = the engine's normal, which is full volume).
//!
//! The engine tells the host when an utterance begins, ends or is stopped through a
//! [`SpeechListener`]; events are delivered on a thread of their own, so a listener may call
//! back into the `Speaker` (to speak the next line, say) without deadlocking the engine.

use std::collections::HashSet;
use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tingshuo_l10n::{Locale, UnknownLocale, Utterance};

/// Rates, in percent of the engine's normal, the customer may choose (the bank keeps the same
/// range in the customer's preferences).
pub const MIN_RATE: u32 = 50;
pub const MAX_RATE: u32 = 200;
/// One "slower" or "faster" step, in percentage points (the dialogue's step).
pub const RATE_STEP: u32 = 15;
pub const MIN_PITCH: u32 = 50;
pub const MAX_PITCH: u32 = 200;
pub const MAX_VOLUME: u32 = 100;
/// Android's TextToSpeech refuses longer input (`getMaxSpeechInputLength`); one limit on
/// every platform keeps behaviour the same. Replies are short sentences, far below it.
pub const MAX_SPEECH_CHARS: usize = 4000;

/// speech-dispatcher's rate is -100..=100 around 0; with its espeak-ng module (the engine set
/// up on Linux desktops) -100, 0 and +100 are 80, 170 and 449 words per minute
/// (`EspeakMinRate`, `EspeakNormalRate`, `EspeakMaxRate` in its module configuration).
const CENTERED_SLOWEST_FACTOR: f32 = 80.0 / 170.0;
const CENTERED_FASTEST_FACTOR: f32 = 449.0 / 170.0;

/// Rate, pitch and volume in the platform-neutral scale (percent; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeechSettings {
    pub rate: u32,
    pub pitch: u32,
    pub volume: u32,
}

impl Default for SpeechSettings {
    fn default() -> SpeechSettings {
        SpeechSettings {
            rate: 100,
            pitch: 100,
            volume: 100,
        }
    }
}

impl SpeechSettings {
    /// Checks each value against its range.
    pub fn validated(self) -> Result<SpeechSettings, SpeakError> {
        check_rate(self.rate)?;
        check_pitch(self.pitch)?;
        check_volume(self.volume)?;
        Ok(self)
    }

    /// One step slower, never below [`MIN_RATE`].
    pub fn slower(self) -> SpeechSettings {
        SpeechSettings {
            rate: self.rate.saturating_sub(RATE_STEP).max(MIN_RATE),
            ..self
        }
    }

    /// One step faster, never above [`MAX_RATE`].
    pub fn faster(self) -> SpeechSettings {
        SpeechSettings {
            rate: (self.rate + RATE_STEP).min(MAX_RATE),
            ..self
        }
    }
}

fn check_rate(rate: u32) -> Result<(), SpeakError> {
    if (MIN_RATE..=MAX_RATE).contains(&rate) {
        Ok(())
    } else {
        Err(SpeakError::OutOfRange {
            setting: "rate",
            value: rate,
            min: MIN_RATE,
            max: MAX_RATE,
        })
    }
}

fn check_pitch(pitch: u32) -> Result<(), SpeakError> {
    if (MIN_PITCH..=MAX_PITCH).contains(&pitch) {
        Ok(())
    } else {
        Err(SpeakError::OutOfRange {
            setting: "pitch",
            value: pitch,
            min: MIN_PITCH,
            max: MAX_PITCH,
        })
    }
}

fn check_volume(volume: u32) -> Result<(), SpeakError> {
    if volume <= MAX_VOLUME {
        Ok(())
    } else {
        Err(SpeakError::OutOfRange {
            setting: "volume",
            value: volume,
            min: 0,
            max: MAX_VOLUME,
        })
    }
}

/// What went wrong. Messages carry settings, locales and voice names, never spoken text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpeakError {
    #[error(
        "no speech service is reachable ({detail}); on Linux, start speech-dispatcher or point \
         SPEECHD_ADDRESS at one (scripts/speechd-headless.sh starts a private one)"
    )]
    EngineUnavailable { detail: String },
    #[error(transparent)]
    UnsupportedLocale(#[from] UnknownLocale),
    #[error("the speech engine has no voice for {locale}")]
    NoVoiceForLocale { locale: Locale },
    #[error("the speech engine has no voice named {name:?}")]
    NoSuchVoice { name: String },
    #[error("this speech engine cannot {what}")]
    Unsupported { what: &'static str },
    #[error("{setting} {value} is out of range {min}–{max}")]
    OutOfRange {
        setting: &'static str,
        value: u32,
        min: u32,
        max: u32,
    },
    #[error("nothing to speak: the speech form is empty")]
    Empty,
    #[error("the speech form is too long to speak ({chars} characters; at most {max})")]
    TooLong { chars: usize, max: usize },
    #[error("the speech engine failed to {operation}: {detail}")]
    Engine {
        operation: &'static str,
        detail: String,
    },
}

fn engine(operation: &'static str) -> impl FnOnce(tts::Error) -> SpeakError {
    move |error| match error {
        tts::Error::UnsupportedFeature => SpeakError::Unsupported { what: operation },
        // tts's own messages name the failure, never the text.
        other => SpeakError::Engine {
            operation,
            detail: other.to_string(),
        },
    }
}

/// Whether a new utterance cuts off what is being said or waits its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakMode {
    /// Stop current and queued speech, then speak (a new reply to a new question).
    Interrupt,
    /// Speak after what is already queued (the next line of a list).
    Queue,
}

/// Identifies one spoken utterance in events. Stable within a process only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtteranceId(pub u64);

impl UtteranceId {
    /// The engines' ids differ per platform (numbers on Linux and Android, object pointers
    /// that only implement `Debug` on iOS), so the same FNV-1a hash of the `Debug` form is
    /// taken for the id `speak` returns and for the ids events carry.
    fn of(id: &tts::UtteranceId) -> UtteranceId {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in format!("{id:?}").bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        UtteranceId(hash)
    }
}

impl fmt::Display for UtteranceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What the engine reports about an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechEvent {
    Began(UtteranceId),
    Ended(UtteranceId),
    /// Stopped before its end, or dropped from the queue, by `stop` or an interrupting `speak`.
    Stopped(UtteranceId),
}

impl SpeechEvent {
    pub fn utterance(&self) -> UtteranceId {
        match self {
            SpeechEvent::Began(id) | SpeechEvent::Ended(id) | SpeechEvent::Stopped(id) => *id,
        }
    }
}

/// The host's side of speech events (a UI showing what is being said, the next line queued
/// when one ends). Called on the speaker's event thread, in the order the engine reports.
pub trait SpeechListener: Send + Sync {
    fn on_speech_event(&self, event: SpeechEvent);
}

/// A channel is the simplest listener: the host reads events when it likes.
impl SpeechListener for mpsc::Sender<SpeechEvent> {
    fn on_speech_event(&self, event: SpeechEvent) {
        // A host that dropped its receiver no longer wants events.
        let _ = self.send(event);
    }
}

/// A voice the engine offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceInfo {
    pub name: String,
    /// BCP 47 tag as the engine reports it ("en-US", "cmn", "zh-CN").
    pub language: String,
}

fn info(voice: &tts::Voice) -> VoiceInfo {
    VoiceInfo {
        name: voice.name(),
        language: voice.language().as_str().to_owned(),
    }
}

/// What this engine supports; the rest returns [`SpeakError::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub rate: bool,
    pub pitch: bool,
    pub volume: bool,
    pub voices: bool,
    pub stop: bool,
    pub events: bool,
}

/// Prepares a speech form for an engine: control characters become spaces (an engine may
/// choke on them, and speech-dispatcher's client library cannot pass a NUL), runs of spaces
/// collapse, and angle brackets go, because some engines (Google's on Android) read text
/// that looks like `<speak>…</speak>` as SSML markup that can change voice or insert audio.
/// Speech forms from `locales/` contain none of these; text from a bank (a payee's name)
/// might.
pub fn speech_text(utterance: &Utterance) -> Result<String, SpeakError> {
    let mut text = String::with_capacity(utterance.speech.len());
    let mut pending_space = false;
    for c in utterance.speech.chars() {
        if c.is_control() || c.is_whitespace() || c == '<' || c == '>' {
            pending_space = !text.is_empty();
            continue;
        }
        if pending_space {
            text.push(' ');
            pending_space = false;
        }
        text.push(c);
    }
    let chars = text.chars().count();
    if chars == 0 {
        Err(SpeakError::Empty)
    } else if chars > MAX_SPEECH_CHARS {
        Err(SpeakError::TooLong {
            chars,
            max: MAX_SPEECH_CHARS,
        })
    } else {
        Ok(text)
    }
}

/// How well a voice's language fits a locale: `None` when it must not be used.
fn voice_fit(locale: Locale, language: &str) -> Option<u8> {
    let lower = language.to_ascii_lowercase();
    let mut subtags = lower.split(['-', '_']);
    let primary = subtags.next().unwrap_or_default();
    let mut script = None;
    let mut region = None;
    let mut other = false;
    for subtag in subtags {
        match subtag.len() {
            4 if script.is_none() && region.is_none() => script = Some(subtag),
            2 | 3 if region.is_none() && subtag.chars().all(|c| c.is_ascii_alphanumeric()) => {
                region = Some(subtag);
            }
            _ => other = true,
        }
    }
    match locale {
        Locale::EnUs => {
            if primary != "en" || script.is_some_and(|s| s != "latn") {
                return None;
            }
            Some(match (region, other) {
                (Some("us"), false) => 4,
                (None, false) => 3,
                (Some("us"), true) => 2,
                _ => 1,
            })
        }
        Locale::ZhCn => {
            // Mandarin in Simplified characters: "zh", "zh-CN", "zh-Hans", "cmn". Not
            // Cantonese or Hakka, not Traditional, and not espeak-ng's "cmn-latn-pinyin",
            // which reads romanized pinyin rather than characters.
            if !matches!(primary, "zh" | "cmn") {
                return None;
            }
            if script.is_some_and(|s| s != "hans") || other {
                return None;
            }
            match region {
                Some("cn") => Some(4),
                None if script.is_some() => Some(3),
                None => Some(2),
                Some("sg") => Some(1),
                Some(_) => None,
            }
        }
    }
}

/// Picks the best voice for a locale from (name, language) pairs; ties go to the base voice
/// over a variant (speech-dispatcher lists "English (America)+Annie" next to the base), then
/// to the first listed.
pub fn choose_voice(locale: Locale, voices: &[VoiceInfo]) -> Option<&VoiceInfo> {
    voices
        .iter()
        .enumerate()
        .filter_map(|(index, voice)| {
            voice_fit(locale, &voice.language).map(|fit| {
                let base = !voice.name.contains('+');
                ((fit, base, std::cmp::Reverse(index)), voice)
            })
        })
        .max_by_key(|(key, _)| *key)
        .map(|(_, voice)| voice)
}

/// One engine scale: the `tts` crate reports min, normal and max per platform.
#[derive(Debug, Clone, Copy)]
struct Scale {
    min: f32,
    normal: f32,
    max: f32,
}

impl Scale {
    /// speech-dispatcher's scales run from -100 to 100 around a normal of 0; the others are
    /// multipliers of a positive normal (Android 1.0, AVSpeechSynthesizer 0.5).
    fn centered(&self) -> bool {
        self.normal == 0.0 && self.min < 0.0
    }

    fn clamp(&self, value: f32) -> f32 {
        value.clamp(self.min, self.max)
    }

    /// speech-dispatcher keeps whole numbers (`tts` truncates toward zero): round first, so
    /// a value read back is the one that was meant.
    fn settle(&self, value: f32) -> f32 {
        if self.max - self.min >= 20.0 {
            value.round()
        } else {
            value
        }
    }

    fn rate_to_engine(&self, percent: u32) -> f32 {
        let factor = percent as f32 / 100.0;
        if self.centered() {
            if factor >= 1.0 {
                self.clamp((factor - 1.0) / (CENTERED_FASTEST_FACTOR - 1.0) * self.max)
            } else {
                self.clamp((1.0 - factor) / (1.0 - CENTERED_SLOWEST_FACTOR) * self.min)
            }
            .round()
        } else {
            self.clamp(self.normal * factor)
        }
    }

    fn rate_from_engine(&self, value: f32) -> u32 {
        let factor = if self.centered() {
            if value >= 0.0 {
                1.0 + value / self.max * (CENTERED_FASTEST_FACTOR - 1.0)
            } else {
                1.0 - value / self.min * (1.0 - CENTERED_SLOWEST_FACTOR)
            }
        } else {
            value / self.normal
        };
        percent(factor)
    }

    fn pitch_to_engine(&self, percent: u32) -> f32 {
        let factor = percent as f32 / 100.0;
        if self.centered() {
            // 200 % is the top of the scale, 50 % the bottom.
            if factor >= 1.0 {
                self.clamp((factor - 1.0) * self.max)
            } else {
                self.clamp((1.0 - factor) * 2.0 * self.min)
            }
            .round()
        } else {
            self.clamp(self.normal * factor)
        }
    }

    fn pitch_from_engine(&self, value: f32) -> u32 {
        let factor = if self.centered() {
            if value >= 0.0 {
                1.0 + value / self.max
            } else {
                1.0 - value / self.min / 2.0
            }
        } else {
            value / self.normal
        };
        percent(factor)
    }

    /// Volume runs from the engine's minimum (0 %) to its normal (100 %), which is full volume
    /// on every engine here.
    fn volume_to_engine(&self, percent: u32) -> f32 {
        self.settle(self.min + (self.normal - self.min) * percent as f32 / 100.0)
    }

    fn volume_from_engine(&self, value: f32) -> u32 {
        percent((value - self.min) / (self.normal - self.min))
    }
}

fn percent(factor: f32) -> u32 {
    let rounded = (factor * 100.0).round();
    if rounded.is_finite() && rounded > 0.0 {
        rounded as u32
    } else {
        0
    }
}

/// Utterances spoken and not yet ended or stopped, so that dropping the speaker can wait for
/// the engine's last events: the `tts` crate unregisters its callbacks before it closes the
/// connection, and an event arriving in between would find none.
#[derive(Debug, Default)]
struct Pending {
    speaking: HashSet<UtteranceId>,
    /// Ended before `speak` returned its id (a short text on a fast engine).
    finished_early: HashSet<UtteranceId>,
}

#[derive(Debug, Default)]
struct Tracker {
    pending: Mutex<Pending>,
    changed: Condvar,
}

impl Tracker {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spoken(&self, id: UtteranceId) {
        let mut pending = self.lock();
        if !pending.finished_early.remove(&id) {
            pending.speaking.insert(id);
        }
    }

    fn finished(&self, id: UtteranceId) {
        let mut pending = self.lock();
        if !pending.speaking.remove(&id) {
            // An engine reporting ids `speak` never returned must not grow this for ever.
            if pending.finished_early.len() >= 1024 {
                pending.finished_early.clear();
            }
            pending.finished_early.insert(id);
        }
        self.changed.notify_all();
    }

    fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut pending = self.lock();
        while !pending.speaking.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            pending = self
                .changed
                .wait_timeout(pending, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// Speaks utterances through the platform's engine. `Send + Sync`: share it in an `Arc`.
pub struct Speaker {
    tts: Mutex<tts::Tts>,
    capabilities: Capabilities,
    rate: Option<Scale>,
    pitch: Option<Scale>,
    volume: Option<Scale>,
    tracker: Arc<Tracker>,
    locale: Mutex<Option<Locale>>,
    voices: Mutex<Option<Vec<tts::Voice>>>,
}

impl fmt::Debug for Speaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Speaker")
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

impl Speaker {
    /// Connects to the platform's engine (on Linux, the speech-dispatcher at
    /// `SPEECHD_ADDRESS` or the user's default one) and applies the default settings.
    /// `listener` receives begin, end and stop events when the engine reports them.
    pub fn new(listener: Option<Arc<dyn SpeechListener>>) -> Result<Speaker, SpeakError> {
        let tts = tts::Tts::default().map_err(|e| SpeakError::EngineUnavailable {
            detail: e.to_string(),
        })?;
        let features = tts.supported_features();
        let capabilities = Capabilities {
            rate: features.rate,
            pitch: features.pitch,
            volume: features.volume,
            voices: features.voice,
            stop: features.stop,
            events: features.utterance_callbacks,
        };
        // Each scale is read only where the engine supports it: Android's volume bounds panic.
        let rate = features.rate.then(|| Scale {
            min: tts.min_rate(),
            normal: tts.normal_rate(),
            max: tts.max_rate(),
        });
        let pitch = features.pitch.then(|| Scale {
            min: tts.min_pitch(),
            normal: tts.normal_pitch(),
            max: tts.max_pitch(),
        });
        let volume = features.volume.then(|| Scale {
            min: tts.min_volume(),
            normal: tts.normal_volume(),
            max: tts.max_volume(),
        });
        let tracker = Arc::new(Tracker::default());
        if features.utterance_callbacks {
            register_events(&tts, &tracker, listener)?;
        }
        let speaker = Speaker {
            tts: Mutex::new(tts),
            capabilities,
            rate,
            pitch,
            volume,
            tracker,
            locale: Mutex::new(None),
            voices: Mutex::new(None),
        };
        speaker.apply(SpeechSettings::default())?;
        tracing::debug!(?capabilities, "speech engine ready");
        Ok(speaker)
    }

    fn tts(&self) -> MutexGuard<'_, tts::Tts> {
        // A panic elsewhere while holding the engine leaves nothing half-changed in it.
        self.tts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    /// Speaks the speech form of `utterance` (never its display form).
    pub fn speak(
        &self,
        utterance: &Utterance,
        mode: SpeakMode,
    ) -> Result<Option<UtteranceId>, SpeakError> {
        let text = speech_text(utterance)?;
        let chars = text.chars().count();
        let id = self
            .tts()
            .speak(text, mode == SpeakMode::Interrupt)
            .map_err(engine("speak"))?
            .map(|id| UtteranceId::of(&id));
        if let Some(id) = id
            && self.capabilities.events
        {
            self.tracker.spoken(id);
        }
        tracing::debug!(chars, ?mode, id = ?id, "speaking");
        Ok(id)
    }

    /// Stops what is being said and drops the queue.
    pub fn stop(&self) -> Result<(), SpeakError> {
        self.tts().stop().map_err(engine("stop"))?;
        tracing::debug!("speech stopped");
        Ok(())
    }

    pub fn is_speaking(&self) -> Result<bool, SpeakError> {
        self.tts()
            .is_speaking()
            .map_err(engine("tell whether it is speaking"))
    }

    /// Waits until every utterance spoken through this speaker has ended or been stopped, at
    /// most `timeout`; true when it has. Needs engine events (every engine here has them).
    pub fn wait_until_done(&self, timeout: Duration) -> Result<bool, SpeakError> {
        if !self.capabilities.events {
            return Err(SpeakError::Unsupported {
                what: "report when speech ends",
            });
        }
        Ok(self.tracker.wait_idle(timeout))
    }

    /// The engine's voices, listed once: speech-dispatcher's espeak-ng module offers some
    /// thirteen thousand (every language with every variant), slow to send and to parse.
    fn engine_voices(&self) -> Result<Vec<tts::Voice>, SpeakError> {
        let mut cache = self.voices.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(voices) = cache.as_ref() {
            return Ok(voices.clone());
        }
        let voices = self.tts().voices().map_err(engine("list voices"))?;
        *cache = Some(voices.clone());
        Ok(voices)
    }

    /// The voices the engine offers.
    pub fn voices(&self) -> Result<Vec<VoiceInfo>, SpeakError> {
        Ok(self.engine_voices()?.iter().map(info).collect())
    }

    /// Chooses the best voice for `locale` and uses it. Engines that cannot choose voices
    /// (Android's, through `tts`) answer [`SpeakError::Unsupported`]: there the host sets
    /// the engine's language.
    pub fn set_locale(&self, locale: Locale) -> Result<VoiceInfo, SpeakError> {
        let voices = self.engine_voices()?;
        let infos: Vec<VoiceInfo> = voices.iter().map(info).collect();
        let chosen = choose_voice(locale, &infos).ok_or(SpeakError::NoVoiceForLocale { locale })?;
        let index = infos
            .iter()
            .position(|v| std::ptr::eq(v, chosen))
            .ok_or(SpeakError::NoVoiceForLocale { locale })?;
        self.tts()
            .set_voice(&voices[index])
            .map_err(engine("set the voice"))?;
        *self.locale.lock().unwrap_or_else(PoisonError::into_inner) = Some(locale);
        tracing::debug!(%locale, voice = %chosen.name, "voice chosen");
        Ok(chosen.clone())
    }

    /// As [`Speaker::set_locale`], from a BCP 47 tag ("zh-CN", "en"); other languages are
    /// [`SpeakError::UnsupportedLocale`].
    pub fn set_locale_tag(&self, tag: &str) -> Result<VoiceInfo, SpeakError> {
        self.set_locale(Locale::parse(tag)?)
    }

    /// The locale last chosen with `set_locale`.
    pub fn locale(&self) -> Option<Locale> {
        *self.locale.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Uses the voice with this exact name (as [`Speaker::voices`] lists it).
    pub fn set_voice(&self, name: &str) -> Result<VoiceInfo, SpeakError> {
        let voice = self
            .engine_voices()?
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| SpeakError::NoSuchVoice {
                name: name.chars().take(80).collect(),
            })?;
        self.tts()
            .set_voice(&voice)
            .map_err(engine("set the voice"))?;
        Ok(info(&voice))
    }

    /// Applies all three settings (those the engine supports).
    pub fn apply(&self, settings: SpeechSettings) -> Result<(), SpeakError> {
        let settings = settings.validated()?;
        if self.rate.is_some() {
            self.set_rate(settings.rate)?;
        }
        if self.pitch.is_some() {
            self.set_pitch(settings.pitch)?;
        }
        if self.volume.is_some() {
            self.set_volume(settings.volume)?;
        }
        Ok(())
    }

    /// Sets the rate in percent of normal, [`MIN_RATE`]–[`MAX_RATE`].
    pub fn set_rate(&self, percent: u32) -> Result<(), SpeakError> {
        check_rate(percent)?;
        let scale = self.rate.ok_or(SpeakError::Unsupported {
            what: "change the rate",
        })?;
        self.tts()
            .set_rate(scale.rate_to_engine(percent))
            .map_err(engine("set the rate"))?;
        Ok(())
    }

    /// The engine's current rate in percent of normal (rounded: engines keep coarser steps).
    pub fn rate(&self) -> Result<u32, SpeakError> {
        let scale = self.rate.ok_or(SpeakError::Unsupported {
            what: "report the rate",
        })?;
        let value = self.tts().get_rate().map_err(engine("report the rate"))?;
        Ok(scale.rate_from_engine(value))
    }

    /// One [`RATE_STEP`] slower; returns the new rate.
    pub fn slower(&self) -> Result<u32, SpeakError> {
        let rate = SpeechSettings {
            rate: self.rate()?.clamp(MIN_RATE, MAX_RATE),
            ..SpeechSettings::default()
        }
        .slower()
        .rate;
        self.set_rate(rate)?;
        Ok(rate)
    }

    /// One [`RATE_STEP`] faster; returns the new rate.
    pub fn faster(&self) -> Result<u32, SpeakError> {
        let rate = SpeechSettings {
            rate: self.rate()?.clamp(MIN_RATE, MAX_RATE),
            ..SpeechSettings::default()
        }
        .faster()
        .rate;
        self.set_rate(rate)?;
        Ok(rate)
    }

    pub fn set_pitch(&self, percent: u32) -> Result<(), SpeakError> {
        check_pitch(percent)?;
        let scale = self.pitch.ok_or(SpeakError::Unsupported {
            what: "change the pitch",
        })?;
        self.tts()
            .set_pitch(scale.pitch_to_engine(percent))
            .map_err(engine("set the pitch"))?;
        Ok(())
    }

    pub fn pitch(&self) -> Result<u32, SpeakError> {
        let scale = self.pitch.ok_or(SpeakError::Unsupported {
            what: "report the pitch",
        })?;
        let value = self.tts().get_pitch().map_err(engine("report the pitch"))?;
        Ok(scale.pitch_from_engine(value))
    }

    pub fn set_volume(&self, percent: u32) -> Result<(), SpeakError> {
        check_volume(percent)?;
        let scale = self.volume.ok_or(SpeakError::Unsupported {
            what: "change the volume",
        })?;
        self.tts()
            .set_volume(scale.volume_to_engine(percent))
            .map_err(engine("set the volume"))?;
        Ok(())
    }

    pub fn volume(&self) -> Result<u32, SpeakError> {
        let scale = self.volume.ok_or(SpeakError::Unsupported {
            what: "report the volume",
        })?;
        let value = self
            .tts()
            .get_volume()
            .map_err(engine("report the volume"))?;
        Ok(scale.volume_from_engine(value))
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        // Let the engine deliver the last events before `tts` unregisters its callbacks (see
        // `Pending`); bounded, so a silent engine cannot hold the drop forever.
        if self.capabilities.events && !self.tracker.wait_idle(Duration::ZERO) {
            if self.capabilities.stop {
                let _ = self.stop();
            }
            if !self.tracker.wait_idle(Duration::from_secs(2)) {
                tracing::warn!("speech engine did not report the end of every utterance");
            }
        }
    }
}

/// Registers the engine callbacks. They run on the engine's own thread (speech-dispatcher's
/// reader thread, which also carries replies to our requests), so they only record the event
/// and pass it on; the host's listener runs on a thread of its own and may call the speaker.
fn register_events(
    tts: &tts::Tts,
    tracker: &Arc<Tracker>,
    listener: Option<Arc<dyn SpeechListener>>,
) -> Result<(), SpeakError> {
    let (sender, receiver) = mpsc::channel::<SpeechEvent>();
    if let Some(listener) = listener {
        std::thread::Builder::new()
            .name("tingshuo-speech-events".into())
            .spawn(move || {
                // Ends when the engine drops its callbacks (the speaker is dropped).
                for event in receiver {
                    listener.on_speech_event(event);
                }
            })
            .map_err(|e| SpeakError::Engine {
                operation: "start its event thread",
                detail: e.to_string(),
            })?;
    }
    let callback = |make: fn(UtteranceId) -> SpeechEvent, finishes: bool| {
        let sender = sender.clone();
        let tracker = Arc::clone(tracker);
        Some(Box::new(move |id: tts::UtteranceId| {
            let id = UtteranceId::of(&id);
            if finishes {
                tracker.finished(id);
            }
            let _ = sender.send(make(id));
        }) as Box<dyn FnMut(tts::UtteranceId)>)
    };
    tts.on_utterance_begin(callback(SpeechEvent::Began, false))
        .map_err(engine("report speech events"))?;
    tts.on_utterance_end(callback(SpeechEvent::Ended, true))
        .map_err(engine("report speech events"))?;
    tts.on_utterance_stop(callback(SpeechEvent::Stopped, true))
        .map_err(engine("report speech events"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utterance(speech: &str) -> Utterance {
        Utterance {
            display: "shown, never spoken".into(),
            speech: speech.into(),
        }
    }

    fn voice(name: &str, language: &str) -> VoiceInfo {
        VoiceInfo {
            name: name.into(),
            language: language.into(),
        }
    }

    #[test]
    fn speech_text_is_the_speech_form_made_safe() {
        assert_eq!(
            speech_text(&utterance("ending in six two one seven")),
            Ok("ending in six two one seven".into())
        );
        assert_eq!(
            speech_text(&utterance("  a\u{0}b\r\n\tc\u{1b}[31m  ")),
            Ok("a b c [31m".into())
        );
        assert_eq!(
            speech_text(&utterance("<speak><audio src=\"x\"/>hi</speak>")),
            Ok("speak audio src=\"x\"/ hi /speak".into())
        );
        assert_eq!(speech_text(&utterance(" \u{7}\n ")), Err(SpeakError::Empty));
        let long = "a".repeat(MAX_SPEECH_CHARS + 1);
        assert!(matches!(
            speech_text(&utterance(&long)),
            Err(SpeakError::TooLong { .. })
        ));
        assert_eq!(
            speech_text(&utterance(&"汉".repeat(MAX_SPEECH_CHARS))).map(|t| t.chars().count()),
            Ok(MAX_SPEECH_CHARS)
        );
    }

    #[test]
    fn voices_by_locale() {
        // As speech-dispatcher's espeak-ng module lists them.
        let voices = [
            voice("Chinese (Cantonese)", "yue"),
            voice("Chinese (Mandarin, latin as Pinyin)", "cmn-LATN-PINYIN"),
            voice("Chinese (Mandarin, latin as English)+Annie", "cmn"),
            voice("Chinese (Mandarin, latin as English)", "cmn"),
            voice("English (Great Britain)", "en-GB"),
            voice("English (America)+Annie", "en-US"),
            voice("English (America)", "en-US"),
            voice("English (America, New York City)", "en-US-NYC"),
        ];
        assert_eq!(
            choose_voice(Locale::EnUs, &voices).map(|v| v.name.as_str()),
            Some("English (America)")
        );
        assert_eq!(
            choose_voice(Locale::ZhCn, &voices).map(|v| v.name.as_str()),
            Some("Chinese (Mandarin, latin as English)")
        );
        // As AVSpeechSynthesizer lists them.
        let apple = [
            voice("Mei-Jia", "zh-TW"),
            voice("Sinji", "zh-HK"),
            voice("Ting-Ting", "zh-CN"),
            voice("Samantha", "en-US"),
            voice("Daniel", "en-GB"),
        ];
        assert_eq!(
            choose_voice(Locale::ZhCn, &apple).map(|v| v.name.as_str()),
            Some("Ting-Ting")
        );
        assert_eq!(
            choose_voice(Locale::EnUs, &apple).map(|v| v.name.as_str()),
            Some("Samantha")
        );
        // British English is better than nothing for en-US; Taiwanese Mandarin is not zh-CN.
        let few = [voice("Daniel", "en-GB"), voice("Mei-Jia", "zh-TW")];
        assert_eq!(
            choose_voice(Locale::EnUs, &few).map(|v| v.name.as_str()),
            Some("Daniel")
        );
        assert_eq!(choose_voice(Locale::ZhCn, &few), None);
        assert_eq!(
            choose_voice(Locale::ZhCn, &[voice("x", "zh-Hant-TW"), voice("y", "hak")]),
            None
        );
        assert_eq!(
            choose_voice(Locale::ZhCn, &[voice("z", "zh-Hans")]).map(|v| v.name.as_str()),
            Some("z")
        );
    }

    #[test]
    fn settings_steps_and_ranges() {
        let normal = SpeechSettings::default();
        assert_eq!(normal.slower().rate, 85);
        assert_eq!(normal.faster().faster().rate, 130);
        let mut slow = normal;
        for _ in 0..10 {
            slow = slow.slower();
        }
        assert_eq!(slow.rate, MIN_RATE);
        let mut fast = normal;
        for _ in 0..10 {
            fast = fast.faster();
        }
        assert_eq!(fast.rate, MAX_RATE);
        assert!(SpeechSettings { rate: 49, ..normal }.validated().is_err());
        assert!(
            SpeechSettings {
                pitch: 201,
                ..normal
            }
            .validated()
            .is_err()
        );
        assert!(
            SpeechSettings {
                volume: 101,
                ..normal
            }
            .validated()
            .is_err()
        );
        assert_eq!(normal.validated(), Ok(normal));
    }

    #[test]
    fn engine_scales_round_trip() {
        let speechd = Scale {
            min: -100.0,
            normal: 0.0,
            max: 100.0,
        };
        let android = Scale {
            min: 0.1,
            normal: 1.0,
            max: 10.0,
        };
        let apple_rate = Scale {
            min: 0.1,
            normal: 0.5,
            max: 2.0,
        };
        assert_eq!(speechd.rate_to_engine(100), 0.0);
        assert_eq!(speechd.rate_to_engine(MAX_RATE), 61.0);
        assert_eq!(speechd.rate_to_engine(MIN_RATE), -94.0);
        assert_eq!(android.rate_to_engine(150), 1.5);
        assert_eq!(apple_rate.rate_to_engine(200), 1.0);
        for percent in (MIN_RATE..=MAX_RATE).step_by(5) {
            for scale in [speechd, android, apple_rate] {
                let back = scale.rate_from_engine(scale.rate_to_engine(percent));
                assert!(back.abs_diff(percent) <= 1, "{scale:?} {percent} → {back}");
            }
        }
        for percent in (MIN_PITCH..=MAX_PITCH).step_by(10) {
            let back = speechd.pitch_from_engine(speechd.pitch_to_engine(percent));
            assert!(back.abs_diff(percent) <= 1, "pitch {percent} → {back}");
        }
        // speech-dispatcher's volume: -100..=100 with full volume as normal.
        let speechd_volume = Scale {
            min: -100.0,
            normal: 100.0,
            max: 100.0,
        };
        assert_eq!(speechd_volume.volume_to_engine(100), 100.0);
        assert_eq!(speechd_volume.volume_to_engine(50), 0.0);
        assert_eq!(speechd_volume.volume_to_engine(0), -100.0);
        let apple_volume = Scale {
            min: 0.0,
            normal: 1.0,
            max: 1.0,
        };
        for percent in 0..=MAX_VOLUME {
            assert_eq!(
                speechd_volume.volume_from_engine(speechd_volume.volume_to_engine(percent)),
                percent
            );
            assert_eq!(
                apple_volume.volume_from_engine(apple_volume.volume_to_engine(percent)),
                percent
            );
        }
    }
}
