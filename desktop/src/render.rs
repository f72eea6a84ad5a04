//! Speech rendered to audio with espeak-ng, for testers and for tests that close the loop
//! text → audio → recognizer → intent.
//!
//! espeak-ng is GPL-3.0-or-later, so it lives here, in the desktop harness, and only as a
//! separate program: the text goes to the `espeak-ng` command on its standard input (no
//! shell, no argument carries text) and 16-bit PCM comes back on its standard output. The
//! core library never links it.
//!
//! Mandarin: espeak-ng's `cmn` voice reads Chinese characters as if they were English words;
//! its `cmn-latn-pinyin` voice speaks real Mandarin from tone-numbered pinyin ("zhuan3
//! zhang4"). So Chinese text is first turned into pinyin with tone numbers, numbers in words,
//! and Chinese punctuation into the pauses espeak-ng knows.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pinyin::ToPinyin;
use tingshuo_core::l10n::spellout::{digit_words, number_words};
use tingshuo_core::speak::{
    MAX_PITCH, MAX_RATE, MAX_VOLUME, MIN_PITCH, MIN_RATE, SpeakError, speech_text,
};
use tingshuo_core::{Locale, Utterance};

/// espeak-ng's speed at 100 % rate: the same as speech-dispatcher's espeak-ng module
/// (`EspeakNormalRate`), so a rendered file sounds like `tingshuo say` through the speaker.
/// Inside the comfortable band for English (about 150–200 words per minute).
pub const NORMAL_WPM: u32 = 170;
/// espeak-ng's own bounds on `-s`.
const MIN_WPM: u32 = 80;
const MAX_WPM: u32 = 450;

/// English voices worth trying (base voices and espeak-ng variants: `+f3` female, `+m3`
/// male...). Any `en…` voice espeak-ng knows is accepted.
pub const EN_US_VOICES: &[&str] = &[
    "en-us",
    "en-gb",
    "en-us+f3",
    "en-us+m3",
    "en-gb-x-rp",
    "en-us+f4",
    "en-029",
];
/// Mandarin voices: `cmn-latn-pinyin` and its variants (the input is pinyin).
pub const ZH_CN_VOICES: &[&str] = &["cmn-latn-pinyin", "cmn-latn-pinyin+f3"];

/// Words whose characters are read differently from their most common reading (what the
/// `pinyin` crate gives for one character): the ones the messages in `locales/zh-CN` use.
const WORD_READINGS: &[(&str, &str)] = &[
    ("银行", "yin2 hang2"),
    ("支行", "zhi1 hang2"),
    ("分行", "fen1 hang2"),
    ("行长", "hang2 zhang3"),
    ("还款", "huan2 kuan3"),
    ("还钱", "huan2 qian2"),
    ("还清", "huan2 qing1"),
    ("待还", "dai4 huan2"),
    ("归还", "gui1 huan2"),
    ("还多少", "huan2 duo1 shao3"),
    ("用还", "yong4 huan2"),
    ("重新", "chong2 xin1"),
    ("重复", "chong2 fu4"),
    ("重试", "chong2 shi4"),
    ("了解", "liao3 jie3"),
    ("用不了", "yong4 bu4 liao3"),
    ("处理中", "chu3 li3 zhong1"),
    ("处理", "chu3 li3"),
    ("着急", "zhao2 ji2"),
    ("调大", "tiao2 da4"),
    ("调小", "tiao2 xiao3"),
    ("中奖", "zhong4 jiang3"),
    ("更新", "geng1 xin1"),
    ("更改", "geng1 gai3"),
    ("部分", "bu4 fen4"),
    ("标为", "biao1 wei2"),
    ("改为", "gai3 wei2"),
    ("参考", "can1 kao3"),
    ("上传", "shang4 chuan2"),
    ("应用", "ying4 yong4"),
    ("响应", "xiang3 ying4"),
    ("太长", "tai4 chang2"),
    ("运行", "yun4 xing2"),
    ("空间", "kong1 jian1"),
    ("音调", "yin1 diao4"),
    ("自然了", "zi4 ran2 le5"),
    ("为这张", "wei4 zhe4 zhang1"),
    ("出行", "chu1 xing2"),
];

/// Characters read more than one common way: each time one appears in a Mandarin message, it
/// is inside a word of [`WORD_READINGS`], or in a word of [`DEFAULT_READING_WORDS`], whose
/// characters the `pinyin` crate's first reading already reads right.
#[cfg(test)]
const POLYPHONES: &str = "行还重着处调中更分了为长得地便种干难空应相当差假倒落觉教角乐数藏传率降系背薄冲参朝曾折舍供奇恶亲几量";

/// Words with a polyphone whose first reading is the right one here, as reviewed.
#[cfg(test)]
const DEFAULT_READING_WORDS: &[&str] = &[
    "分钟",
    "其中",
    "丢了",
    "偷了",
    "相关",
    "还没",
    "还在",
    "还是",
    "还要",
    "还能",
    "还不",
    "还欠",
    "变了",
    "存了",
    "务了",
    "坏了",
    "付了",
    "数据",
    "核实中",
    "过了",
    "绝了",
    "音了",
    "见了",
    "定了",
    "认了",
    "为了",
    "出了",
    "好了",
    "消了",
    "它了",
    "点了",
    "择了",
    "用了",
    "音量",
    "为您",
    "瞒着",
    "锁着",
];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "espeak-ng is not installed or not runnable ({program}): install it (Debian: espeak-ng)"
    )]
    EspeakMissing { program: String },
    #[error("espeak-ng failed ({status}): {message}")]
    EspeakFailed { status: String, message: String },
    #[error("espeak-ng's output is not 16-bit mono PCM WAV: {0}")]
    BadAudio(String),
    #[error("voice {voice:?} cannot speak {locale}; try one of {suggestions}")]
    VoiceNotForLocale {
        voice: String,
        locale: Locale,
        suggestions: String,
    },
    #[error(transparent)]
    Text(#[from] SpeakError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {path}: {detail}")]
    Write { path: PathBuf, detail: String },
    #[error("espeak-ng: {0}")]
    Io(#[from] std::io::Error),
}

/// How to render: locale, voice and the speaker's settings (percent of normal, as the
/// [`tingshuo_core::speak::Speaker`] takes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    pub locale: Locale,
    /// An espeak-ng voice, e.g. "en-us+f3" [default: the locale's first voice].
    pub voice: Option<String>,
    /// 50–200 percent of [`NORMAL_WPM`].
    pub rate: u32,
    /// 50–200 percent of normal pitch.
    pub pitch: u32,
    /// 0–100 percent of espeak-ng's normal amplitude.
    pub volume: u32,
}

impl RenderOptions {
    pub fn new(locale: Locale) -> RenderOptions {
        RenderOptions {
            locale,
            voice: None,
            rate: 100,
            pitch: 100,
            volume: 100,
        }
    }

    pub fn with_voice(mut self, voice: &str) -> RenderOptions {
        self.voice = Some(voice.to_owned());
        self
    }

    pub fn with_rate(mut self, rate: u32) -> RenderOptions {
        self.rate = rate;
        self
    }

    /// The voice to use, checked: only letters, digits, `-`, `_` and one `+variant`, and a
    /// base voice that reads what this locale's text becomes.
    fn voice(&self) -> Result<String, RenderError> {
        let (default, suggestions) = match self.locale {
            Locale::EnUs => (EN_US_VOICES[0], EN_US_VOICES),
            Locale::ZhCn => (ZH_CN_VOICES[0], ZH_CN_VOICES),
        };
        let voice = self
            .voice
            .as_deref()
            .unwrap_or(default)
            .to_ascii_lowercase();
        let bad = || RenderError::VoiceNotForLocale {
            voice: voice.chars().take(40).collect(),
            locale: self.locale,
            suggestions: suggestions.join(", "),
        };
        let well_formed = !voice.is_empty()
            && voice.len() <= 40
            && voice.matches('+').count() <= 1
            && voice
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
            && !voice.starts_with(['-', '+']);
        if !well_formed {
            return Err(bad());
        }
        let base = voice.split('+').next().unwrap_or_default();
        let fits = match self.locale {
            Locale::EnUs => base == "en" || base.starts_with("en-"),
            Locale::ZhCn => base == "cmn-latn-pinyin",
        };
        if fits { Ok(voice) } else { Err(bad()) }
    }

    fn words_per_minute(&self) -> Result<u32, RenderError> {
        if !(MIN_RATE..=MAX_RATE).contains(&self.rate) {
            return Err(RenderError::Invalid(format!(
                "rate {} is out of range {MIN_RATE}–{MAX_RATE}",
                self.rate
            )));
        }
        Ok((NORMAL_WPM * self.rate / 100).clamp(MIN_WPM, MAX_WPM))
    }

    /// espeak-ng's pitch runs 0–99 with 50 as normal.
    fn espeak_pitch(&self) -> Result<u32, RenderError> {
        if !(MIN_PITCH..=MAX_PITCH).contains(&self.pitch) {
            return Err(RenderError::Invalid(format!(
                "pitch {} is out of range {MIN_PITCH}–{MAX_PITCH}",
                self.pitch
            )));
        }
        Ok((self.pitch / 2).min(99))
    }

    /// espeak-ng's amplitude runs 0–200 with 100 as normal.
    fn espeak_amplitude(&self) -> Result<u32, RenderError> {
        if self.volume > MAX_VOLUME {
            return Err(RenderError::Invalid(format!(
                "volume {} is out of range 0–{MAX_VOLUME}",
                self.volume
            )));
        }
        Ok(self.volume)
    }
}

/// Mono 16-bit PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

impl Pcm {
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.samples.len() as f64 / f64::from(self.sample_rate)
        }
    }

    /// Root mean square, in sample units.
    pub fn rms(&self) -> f64 {
        rms(self.samples.iter().map(|&s| f64::from(s)))
    }

    /// Samples scaled to -1.0..1.0, as recognizers take them.
    pub fn to_f32(&self) -> Vec<f32> {
        self.samples
            .iter()
            .map(|&s| f32::from(s) / 32768.0)
            .collect()
    }

    /// The same audio as a complete WAV file (16-bit PCM, mono).
    pub fn to_wav_bytes(&self) -> Result<Vec<u8>, RenderError> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut bytes, self.wav_spec())
            .map_err(|e| RenderError::BadAudio(e.to_string()))?;
        for &sample in &self.samples {
            writer
                .write_sample(sample)
                .map_err(|e| RenderError::BadAudio(e.to_string()))?;
        }
        writer
            .finalize()
            .map_err(|e| RenderError::BadAudio(e.to_string()))?;
        Ok(bytes.into_inner())
    }

    /// Writes a WAV file (16-bit PCM, mono), creating its directory.
    pub fn write_wav(&self, path: &Path) -> Result<(), RenderError> {
        let write_error = |detail: String| RenderError::Write {
            path: path.to_owned(),
            detail,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| write_error(e.to_string()))?;
        }
        let bytes = self.to_wav_bytes()?;
        std::fs::write(path, bytes).map_err(|e| write_error(e.to_string()))
    }

    /// Reads a WAV file with 16-bit mono PCM (what [`Pcm::write_wav`] writes).
    pub fn read_wav(path: &Path) -> Result<Pcm, RenderError> {
        let bytes = std::fs::read(path)?;
        parse_wav(&bytes)
    }

    fn wav_spec(&self) -> hound::WavSpec {
        hound::WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }
}

fn rms(samples: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = samples.fold((0.0, 0usize), |(sum, n), s| (sum + s * s, n + 1));
    if count == 0 {
        0.0
    } else {
        (sum / count as f64).sqrt()
    }
}

/// Parses 16-bit mono PCM WAV. espeak-ng writing to a pipe cannot go back to fill in the
/// sizes, so it puts placeholders there: the data chunk runs to the end of the bytes when its
/// stated size is larger than what is there.
pub fn parse_wav(bytes: &[u8]) -> Result<Pcm, RenderError> {
    let bad = |what: &str| RenderError::BadAudio(what.to_owned());
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("no RIFF/WAVE header"));
    }
    let u16_at = |at: usize| -> Option<u16> {
        bytes
            .get(at..at + 2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
    };
    let u32_at = |at: usize| -> Option<u32> {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let mut at = 12;
    let mut sample_rate = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(at + 4).ok_or_else(|| bad("truncated chunk"))? as usize;
        let body = at + 8;
        if id == b"fmt " {
            let format = u16_at(body).ok_or_else(|| bad("truncated fmt chunk"))?;
            let channels = u16_at(body + 2).ok_or_else(|| bad("truncated fmt chunk"))?;
            let rate = u32_at(body + 4).ok_or_else(|| bad("truncated fmt chunk"))?;
            let bits = u16_at(body + 14).ok_or_else(|| bad("truncated fmt chunk"))?;
            if format != 1 || channels != 1 || bits != 16 || rate == 0 {
                return Err(RenderError::BadAudio(format!(
                    "format {format}, {channels} channels, {bits} bits, {rate} Hz"
                )));
            }
            sample_rate = Some(rate);
        } else if id == b"data" {
            let rate = sample_rate.ok_or_else(|| bad("data before fmt"))?;
            let end = body.saturating_add(size).min(bytes.len());
            let data = &bytes[body..end];
            let samples = data
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            return Ok(Pcm {
                sample_rate: rate,
                samples,
            });
        }
        // Chunks are padded to an even size.
        at = body.saturating_add(size).saturating_add(size & 1);
    }
    Err(bad("no data chunk"))
}

/// Renders speech forms with the `espeak-ng` program.
#[derive(Debug, Clone)]
pub struct Renderer {
    program: PathBuf,
}

impl Default for Renderer {
    fn default() -> Renderer {
        Renderer::new()
    }
}

impl Renderer {
    /// `espeak-ng` from `PATH`.
    pub fn new() -> Renderer {
        Renderer {
            program: PathBuf::from("espeak-ng"),
        }
    }

    /// Another espeak-ng executable (a test may name one that does not exist).
    pub fn with_program(program: impl Into<PathBuf>) -> Renderer {
        Renderer {
            program: program.into(),
        }
    }

    /// Renders the speech form of `utterance` to PCM in memory.
    pub fn render(
        &self,
        utterance: &Utterance,
        options: &RenderOptions,
    ) -> Result<Pcm, RenderError> {
        let voice = options.voice()?;
        let wpm = options.words_per_minute()?;
        let pitch = options.espeak_pitch()?;
        let amplitude = options.espeak_amplitude()?;
        let text = espeak_text(options.locale, utterance)?;
        let mut child = Command::new(&self.program)
            .args(["-b", "1", "--stdout", "-v", &voice])
            .args(["-s", &wpm.to_string()])
            .args(["-p", &pitch.to_string()])
            .args(["-a", &amplitude.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                    RenderError::EspeakMissing {
                        program: self.program.display().to_string(),
                    }
                }
                _ => RenderError::Io(e),
            })?;
        // Feed the text from another thread while this one reads the audio: a long text
        // could otherwise fill both pipes and stall both processes.
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| RenderError::Invalid("espeak-ng has no input pipe".into()))?;
        let feeder = std::thread::spawn(move || -> std::io::Result<()> {
            stdin.write_all(text.as_bytes())?;
            stdin.write_all(b"\n")
            // Dropping stdin closes it: espeak-ng speaks what it has and exits.
        });
        let mut audio = Vec::new();
        if let Some(mut stdout) = child.stdout.take() {
            stdout.read_to_end(&mut audio)?;
        }
        let mut errors = Vec::new();
        if let Some(mut stderr) = child.stderr.take() {
            stderr.read_to_end(&mut errors)?;
        }
        let status = child.wait()?;
        let fed = feeder
            .join()
            .map_err(|_| RenderError::Invalid("the thread feeding espeak-ng failed".into()))?;
        if !status.success() {
            return Err(RenderError::EspeakFailed {
                status: status.to_string(),
                message: String::from_utf8_lossy(&errors)
                    .lines()
                    .next()
                    .unwrap_or("no message")
                    .chars()
                    .take(200)
                    .collect(),
            });
        }
        match fed {
            // It exited without reading all its input: what it wrote decides (no audio is
            // `BadAudio` below), not the closed pipe.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
        let pcm = parse_wav(&audio)?;
        tracing::debug!(
            locale = %options.locale,
            samples = pcm.samples.len(),
            "rendered speech"
        );
        Ok(pcm)
    }

    /// Renders the speech form of `utterance` to a WAV file; returns the audio too.
    pub fn render_to_file(
        &self,
        utterance: &Utterance,
        options: &RenderOptions,
        path: &Path,
    ) -> Result<Pcm, RenderError> {
        let pcm = self.render(utterance, options)?;
        pcm.write_wav(path)?;
        Ok(pcm)
    }
}

/// The text espeak-ng is given for a speech form: made safe as for any engine
/// ([`speech_text`]), square brackets dropped (espeak-ng reads `[[…]]` as phonemes), and in
/// Mandarin turned into tone-numbered pinyin.
pub fn espeak_text(locale: Locale, utterance: &Utterance) -> Result<String, RenderError> {
    let text: String = speech_text(utterance)?
        .chars()
        .map(|c| if matches!(c, '[' | ']') { ' ' } else { c })
        .collect();
    Ok(match locale {
        Locale::EnUs => text,
        Locale::ZhCn => to_pinyin(&text),
    })
}

/// Chinese text → tone-numbered pinyin for espeak-ng's `cmn-latn-pinyin` voice. Numbers
/// still in digits are read as Mandarin numbers (speech forms already spell them out),
/// Chinese punctuation becomes the ASCII punctuation espeak-ng pauses at, full-width letters
/// and digits become ASCII, and anything else (a Latin word such as "ATM") stays as it is.
pub fn to_pinyin(text: &str) -> String {
    let chars: Vec<char> = text.chars().map(half_width).collect();
    let mut words: Vec<String> = Vec::new();
    // Latin letters and other characters are gathered into one word until a break.
    let mut other = String::new();
    let flush = |other: &mut String, words: &mut Vec<String>| {
        if !other.is_empty() {
            words.push(std::mem::take(other));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some((word, reading)) = WORD_READINGS.iter().find(|(word, _)| {
            let n = word.chars().count();
            chars
                .get(i..i + n)
                .is_some_and(|s| s.iter().copied().eq(word.chars()))
        }) {
            flush(&mut other, &mut words);
            words.push((*reading).to_owned());
            i += word.chars().count();
            continue;
        }
        if c.is_ascii_digit() {
            flush(&mut other, &mut words);
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let whole: String = chars[start..i].iter().collect();
            let mut spoken = digits_in_words(&whole);
            // "1.5" → 一点五: the fraction digit by digit.
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                let fraction_start = i + 1;
                i = fraction_start;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let fraction: String = chars[fraction_start..i].iter().collect();
                spoken.push('点');
                spoken.push_str(&digit_words(Locale::ZhCn, &fraction));
            } else if let Some(minutes) = clock_minutes(&chars, i) {
                // "10:05" → 十点零五分, "10:00" → 十点: times of day as they are said.
                spoken.push('点');
                if minutes > 0 {
                    if minutes < 10 {
                        spoken.push('零');
                    }
                    spoken.push_str(&number_words(Locale::ZhCn, minutes));
                    spoken.push('分');
                }
                i += 3;
            }
            words.push(hanzi_to_pinyin(&spoken));
            continue;
        }
        if let Some(reading) = c.to_pinyin() {
            flush(&mut other, &mut words);
            words.push(reading.with_tone_num_end().to_owned());
        } else if let Some(mark) = pause(c) {
            flush(&mut other, &mut words);
            match words.last_mut() {
                // The mark follows the syllable it ends: "yuan2," rather than "yuan2 ,".
                Some(last) if !last.ends_with([',', '.', '?', '!', ':', ';']) => last.push(mark),
                Some(_) => {}
                None => {}
            }
        } else if c.is_whitespace() || is_decoration(c) {
            flush(&mut other, &mut words);
        } else {
            other.push(c);
        }
        i += 1;
    }
    flush(&mut other, &mut words);
    words.join(" ")
}

/// The minutes of a time of day whose hour ends just before `at`: ":" and exactly two
/// digits, 00–59.
fn clock_minutes(chars: &[char], at: usize) -> Option<u64> {
    let digits = chars.get(at + 1..at + 3)?;
    let more = chars.get(at + 3).is_some_and(char::is_ascii_digit);
    if chars.get(at) != Some(&':') || more || !digits.iter().all(char::is_ascii_digit) {
        return None;
    }
    let minutes: String = digits.iter().collect();
    minutes.parse().ok().filter(|m| *m < 60)
}

/// A number as Mandarin words: grouped when it reads as a quantity, digit by digit when it
/// has a leading zero or is too long to be one (a reference, a phone number).
fn digits_in_words(digits: &str) -> String {
    match digits.parse::<u64>() {
        Ok(n) if digits.len() <= 12 && !(digits.len() > 1 && digits.starts_with('0')) => {
            number_words(Locale::ZhCn, n)
        }
        _ => digit_words(Locale::ZhCn, digits),
    }
}

fn hanzi_to_pinyin(text: &str) -> String {
    text.to_pinyin()
        .flatten()
        .map(|p| p.with_tone_num_end())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Full-width ASCII forms (Ａ, １, ！) and the ideographic space become their ASCII selves.
fn half_width(c: char) -> char {
    match u32::from(c) {
        0x3000 => ' ',
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The ASCII punctuation espeak-ng pauses at, for Chinese and ASCII marks.
fn pause(c: char) -> Option<char> {
    Some(match c {
        '，' | '、' | ',' | '—' | '…' | '（' | '）' | '(' | ')' => ',',
        '。' | '.' => '.',
        '？' | '?' => '?',
        '！' | '!' => '!',
        '：' | ':' => ':',
        '；' | ';' => ';',
        _ => return None,
    })
}

/// Quotation marks and brackets: nothing to say, no pause needed.
fn is_decoration(c: char) -> bool {
    matches!(
        c,
        '“' | '”' | '‘' | '’' | '"' | '\'' | '《' | '》' | '「' | '」' | '【' | '】' | '·'
    )
}

/// Noise to mix into rendered speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseKind {
    /// Flat spectrum (Gaussian samples).
    White,
    /// Power falling 3 dB per octave, closer to room and street noise.
    Pink,
}

/// SplitMix64: small, fast and the same on every machine, so a seed names one noise.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// `count` samples of noise with unit RMS.
pub fn noise(kind: NoiseKind, count: usize, seed: u64) -> Vec<f64> {
    let mut random = SplitMix64(seed);
    let mut samples: Vec<f64> = match kind {
        NoiseKind::White => (0..count).map(|_| random.gaussian()).collect(),
        NoiseKind::Pink => {
            // Paul Kellet's filter: white noise through parallel one-pole filters.
            let mut b = [0.0f64; 7];
            (0..count)
                .map(|_| {
                    let white = random.gaussian();
                    b[0] = 0.99886 * b[0] + white * 0.0555179;
                    b[1] = 0.99332 * b[1] + white * 0.0750759;
                    b[2] = 0.96900 * b[2] + white * 0.1538520;
                    b[3] = 0.86650 * b[3] + white * 0.3104856;
                    b[4] = 0.55000 * b[4] + white * 0.5329522;
                    b[5] = -0.7616 * b[5] - white * 0.0168980;
                    let pink = b.iter().sum::<f64>() + white * 0.5362;
                    b[6] = white * 0.115926;
                    pink
                })
                .collect()
        }
    };
    let level = rms(samples.iter().copied());
    if level > 0.0 {
        for s in &mut samples {
            *s /= level;
        }
    }
    samples
}

/// Mixes seeded noise into `speech` at `snr_db` decibels: the noise's RMS is the speech's
/// RMS (over the whole signal, pauses included) divided by 10^(snr/20). When the sum would
/// clip, speech and noise are scaled down together, which keeps the ratio.
pub fn mix_noise(
    speech: &Pcm,
    snr_db: f64,
    kind: NoiseKind,
    seed: u64,
) -> Result<Pcm, RenderError> {
    if !snr_db.is_finite() {
        return Err(RenderError::Invalid(format!(
            "SNR {snr_db} dB is not a number"
        )));
    }
    let signal_rms = speech.rms();
    if signal_rms == 0.0 {
        return Err(RenderError::Invalid(
            "the speech is silent: no SNR can be set".into(),
        ));
    }
    let noise_rms = signal_rms / 10f64.powf(snr_db / 20.0);
    let mixed: Vec<f64> = speech
        .samples
        .iter()
        .zip(noise(kind, speech.samples.len(), seed))
        .map(|(&s, n)| f64::from(s) + n * noise_rms)
        .collect();
    let peak = mixed.iter().fold(0.0f64, |peak, s| peak.max(s.abs()));
    let gain = if peak > f64::from(i16::MAX) {
        f64::from(i16::MAX) / peak
    } else {
        1.0
    };
    Ok(Pcm {
        sample_rate: speech.sample_rate,
        samples: mixed
            .into_iter()
            .map(|s| {
                (s * gain)
                    .round()
                    .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
            })
            .collect(),
    })
}

/// The SNR of `noisy` against the `clean` speech it was made from, in dB: the clean part is
/// the least-squares projection of `noisy` onto `clean` (so a common gain does not count as
/// noise), the noise is the rest. `None` when the lengths differ or either part is silent.
pub fn measure_snr_db(clean: &Pcm, noisy: &Pcm) -> Option<f64> {
    if clean.samples.len() != noisy.samples.len() {
        return None;
    }
    let (dot, energy) =
        clean
            .samples
            .iter()
            .zip(&noisy.samples)
            .fold((0.0, 0.0), |(dot, energy), (&c, &n)| {
                let c = f64::from(c);
                (dot + c * f64::from(n), energy + c * c)
            });
    if energy == 0.0 {
        return None;
    }
    let gain = dot / energy;
    let signal = rms(clean.samples.iter().map(|&c| gain * f64::from(c)));
    let residual = rms(clean
        .samples
        .iter()
        .zip(&noisy.samples)
        .map(|(&c, &n)| f64::from(n) - gain * f64::from(c)));
    (residual > 0.0).then(|| 20.0 * (signal / residual).log10())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every polyphone in a Mandarin message is in a word whose reading was checked: the
    /// renderer reads "处理中" chǔ, "着急" zháo, "调大" tiáo, not the characters' first readings.
    #[test]
    fn every_polyphone_in_the_messages_is_read_as_checked() {
        let spans = |line: &str, words: &mut dyn Iterator<Item = &str>| {
            let mut covered = Vec::new();
            for word in words {
                for (at, _) in line.match_indices(word) {
                    covered.push(at..at + word.len());
                }
            }
            covered
        };
        let mut unchecked = Vec::new();
        for (file, text) in tingshuo_core::l10n::sources(Locale::ZhCn) {
            for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                let covered = spans(
                    line,
                    &mut WORD_READINGS
                        .iter()
                        .map(|(word, _)| *word)
                        .chain(DEFAULT_READING_WORDS.iter().copied()),
                );
                for (at, c) in line.char_indices() {
                    if POLYPHONES.contains(c) && !covered.iter().any(|span| span.contains(&at)) {
                        let around: String = line[at.saturating_sub(3)..]
                            .chars()
                            .skip_while(|_| false)
                            .take(4)
                            .collect();
                        unchecked.push(format!("{file}: {c} in {around}"));
                    }
                }
            }
        }
        assert!(
            unchecked.is_empty(),
            "polyphones not checked: {unchecked:#?}"
        );
        assert_eq!(to_pinyin("处理中"), "chu3 li3 zhong1");
        assert_eq!(to_pinyin("其中丢了"), "qi2 zhong1 diu1 le");
        assert_eq!(to_pinyin("相关"), "xiang1 guan1");
        assert_eq!(to_pinyin("别着急"), "bie2 zhao2 ji2");
        assert_eq!(to_pinyin("把音量调大"), "ba3 yin1 liang4 tiao2 da4");
    }

    #[test]
    fn mandarin_becomes_tone_numbered_pinyin() {
        assert_eq!(to_pinyin("您好"), "nin2 hao3");
        assert_eq!(
            to_pinyin("您的银行卡尾号六二一七，余额两百元。"),
            "nin2 de yin2 hang2 ka3 wei3 hao4 liu4 er4 yi1 qi1, yu2 e2 liang3 bai3 yuan2."
        );
        assert_eq!(to_pinyin("请重新告诉我"), "qing3 chong2 xin1 gao4 su4 wo3");
        assert_eq!(to_pinyin("转200元"), "zhuan3 er4 bai3 yuan2");
        assert_eq!(to_pinyin("１．５万"), "yi1 dian3 wu3 wan4");
        assert_eq!(to_pinyin("尾号0217"), "wei3 hao4 ling2 er4 yi1 qi1");
        assert_eq!(to_pinyin("在ATM机取款"), "zai4 ATM ji1 qu3 kuan3");
        assert_eq!(to_pinyin("“好”吗？"), "hao3 ma?");
        assert_eq!(to_pinyin("绿"), "lü4");
        assert_eq!(to_pinyin("上午10:00"), "shang4 wu3 shi2 dian3");
        assert_eq!(to_pinyin("9:05，"), "jiu3 dian3 ling2 wu3 fen1,");
        assert_eq!(to_pinyin("14:30"), "shi2 si4 dian3 san1 shi2 fen1");
        assert_eq!(to_pinyin("比分3:2"), "bi3 fen1 san1: er4");
    }

    #[test]
    fn voices_are_checked_per_locale() {
        let en = RenderOptions::new(Locale::EnUs);
        assert_eq!(en.voice().ok().as_deref(), Some("en-us"));
        for voice in EN_US_VOICES {
            assert!(en.clone().with_voice(voice).voice().is_ok(), "{voice}");
        }
        for bad in ["cmn", "-w", "en-us; rm -rf /", "en+a+b", "", "../en", "+f3"] {
            assert!(en.clone().with_voice(bad).voice().is_err(), "{bad:?}");
        }
        let zh = RenderOptions::new(Locale::ZhCn);
        assert_eq!(zh.voice().ok().as_deref(), Some("cmn-latn-pinyin"));
        assert!(zh.clone().with_voice("cmn").voice().is_err());
        assert!(zh.clone().with_voice("en-us").voice().is_err());
        assert!(zh.with_voice("cmn-latn-pinyin+f3").voice().is_ok());
        assert!(en.clone().with_rate(49).words_per_minute().is_err());
        assert_eq!(en.words_per_minute().ok(), Some(NORMAL_WPM));
    }

    #[test]
    fn wav_parsing_tolerates_placeholder_sizes_and_refuses_junk() {
        let pcm = Pcm {
            sample_rate: 22050,
            samples: vec![0, 1, -1, i16::MAX, i16::MIN],
        };
        let mut bytes = pcm.to_wav_bytes().ok().unwrap_or_default();
        assert_eq!(parse_wav(&bytes).ok(), Some(pcm.clone()));
        // As espeak-ng writes to a pipe: sizes it could not know.
        bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(parse_wav(&bytes).ok(), Some(pcm));
        assert!(parse_wav(b"").is_err());
        assert!(parse_wav(b"RIFF\0\0\0\0WAVEdata\xff\xff\xff\xff").is_err());
        assert!(parse_wav(&[b'R'; 100]).is_err());
    }

    #[test]
    fn noise_is_seeded_and_unit_level() {
        for kind in [NoiseKind::White, NoiseKind::Pink] {
            let a = noise(kind, 10_000, 7);
            assert_eq!(a, noise(kind, 10_000, 7));
            assert_ne!(a, noise(kind, 10_000, 8));
            assert!((rms(a.iter().copied()) - 1.0).abs() < 1e-9);
        }
    }
}
