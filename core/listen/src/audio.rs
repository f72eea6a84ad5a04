//! From what a host has — a WAV file, WAV bytes, or PCM pushed from a microphone — to what the
//! recognizer wants: 16 kHz mono `f32` in [-1, 1].
//!
//! Policies, each chosen for a recognizer whose transcript may move money:
//! * **Non-finite samples are an error**, not replaced. NaN or infinity in PCM means the
//!   producer is broken (an uninitialised buffer, a division by zero in an effect); patching
//!   the samples would hide that and hand the recognizer audio with holes in it, where "five
//!   thousand" could become "five". The host asks the user again instead.
//! * **Clipping is reported, not refused.** Clipped speech is still usually understood; the
//!   count lets the host suggest holding the phone further away.
//! * **Length is bounded** by [`MAX_UTTERANCE_SECONDS`]: a WAV declaring more is refused from
//!   its header before any sample is read; a pushed stream keeps the first
//!   [`MAX_UTTERANCE_SECONDS`] and drops the rest (reported by [`Audio::was_truncated`]).
//!   Memory never holds more than that much 16 kHz audio plus one filter window.
//! * **A WAV whose data ends early is an error**: the missing end may be the amount.

use std::cell::Cell;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::time::Duration;

use crate::resample::Resampler;
pub use crate::resample::TARGET_SAMPLE_RATE;

/// The longest utterance accepted, in seconds. A spoken banking command ("pay Alice two hundred
/// yuan from my savings account") takes 2–8 s, and whisper's window is exactly 30 s, so 30 s
/// holds any command with room for hesitation while keeping the buffer under 2 MB (30 s ×
/// 16 kHz × 4 bytes). Longer audio is dictation, not a command.
pub const MAX_UTTERANCE_SECONDS: u32 = 30;

/// The shortest audio accepted, in milliseconds: shorter than the shortest spoken word, so
/// such input can only be a mistake (a stray tap, one sample).
pub const MIN_UTTERANCE_MILLIS: u32 = 100;

/// The lowest input rate accepted: telephone band. Below it speech is not intelligible.
pub const MIN_SAMPLE_RATE: u32 = 8_000;

/// The highest input rate accepted: the highest rate audio hardware offers. Beyond it the
/// header is corrupt, not the microphone exotic.
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// Why audio could not be turned into 16 kHz mono samples.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    #[error("the audio holds no samples")]
    Empty,
    #[error(
        "the audio is too short: {frames} frames at {sample_rate} Hz, \
         under {MIN_UTTERANCE_MILLIS} ms"
    )]
    TooShort { frames: u64, sample_rate: u32 },
    #[error("the audio is too long: {seconds:.1} s, at most {MAX_UTTERANCE_SECONDS} s is accepted")]
    TooLong { seconds: f64 },
    #[error("sample rate {0} Hz is outside {MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE} Hz")]
    UnsupportedSampleRate(u32),
    #[error("the audio declares zero channels")]
    NoChannels,
    #[error("sample {index} is not a finite number")]
    NonFiniteSample { index: u64 },
    #[error("not a WAV file: no RIFF/WAVE header")]
    NotWav,
    #[error("malformed WAV: {0}")]
    MalformedWav(String),
    #[error("unsupported WAV encoding: {0}")]
    UnsupportedFormat(String),
    #[error("the WAV data ends early: {frames_read} of {frames_declared} frames")]
    Truncated {
        frames_read: u64,
        frames_declared: u64,
    },
    #[error("could not read the audio: {0}")]
    Io(#[from] io::Error),
}

/// 16 kHz mono audio in [-1, 1], with what was noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    samples: Vec<f32>,
    source_sample_rate: u32,
    source_channels: u16,
    clipped_samples: u64,
    truncated: bool,
}

impl Audio {
    /// Converts interleaved 16-bit PCM. Refuses input longer than [`MAX_UTTERANCE_SECONDS`].
    pub fn from_pcm_i16(
        interleaved: &[i16],
        sample_rate: u32,
        channels: u16,
    ) -> Result<Self, AudioError> {
        let mut stream = PcmStream::new(sample_rate, channels)?;
        refuse_if_too_long(interleaved.len(), sample_rate, channels)?;
        stream.push_i16(interleaved)?;
        stream.finish()
    }

    /// Converts interleaved float PCM (nominally in [-1, 1]). Refuses input longer than
    /// [`MAX_UTTERANCE_SECONDS`] and any NaN or infinite sample.
    pub fn from_pcm_f32(
        interleaved: &[f32],
        sample_rate: u32,
        channels: u16,
    ) -> Result<Self, AudioError> {
        let mut stream = PcmStream::new(sample_rate, channels)?;
        refuse_if_too_long(interleaved.len(), sample_rate, channels)?;
        stream.push_f32(interleaved)?;
        stream.finish()
    }

    /// The 16 kHz mono samples, each in [-1, 1].
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    pub fn into_samples(self) -> Vec<f32> {
        self.samples
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(TARGET_SAMPLE_RATE))
    }

    pub fn source_sample_rate(&self) -> u32 {
        self.source_sample_rate
    }

    pub fn source_channels(&self) -> u16 {
        self.source_channels
    }

    /// Source samples at or beyond full scale (integer extremes, or floats with |x| ≥ 1).
    pub fn clipped_samples(&self) -> u64 {
        self.clipped_samples
    }

    /// Whether the source reached full scale: the input gain is too high for a clean signal.
    /// The audio is still usable.
    pub fn is_clipped(&self) -> bool {
        self.clipped_samples > 0
    }

    /// Whether a pushed stream went on past [`MAX_UTTERANCE_SECONDS`] and its end was dropped.
    pub fn was_truncated(&self) -> bool {
        self.truncated
    }
}

fn refuse_if_too_long(samples: usize, sample_rate: u32, channels: u16) -> Result<(), AudioError> {
    let frames = samples as u64 / u64::from(channels.max(1));
    if frames > max_frames(sample_rate) {
        return Err(AudioError::TooLong {
            seconds: frames as f64 / f64::from(sample_rate),
        });
    }
    Ok(())
}

fn max_frames(sample_rate: u32) -> u64 {
    u64::from(MAX_UTTERANCE_SECONDS) * u64::from(sample_rate)
}

fn validate_layout(sample_rate: u32, channels: u16) -> Result<(), AudioError> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(AudioError::UnsupportedSampleRate(sample_rate));
    }
    if channels == 0 {
        return Err(AudioError::NoChannels);
    }
    Ok(())
}

/// PCM pushed as it arrives (from a microphone callback, any chunk size), converted on the fly.
///
/// Each push returns the 16 kHz samples it made available, ready for the
/// [`Endpointer`](super::vad::Endpointer); [`finish`](Self::finish) returns the whole
/// utterance. After [`MAX_UTTERANCE_SECONDS`] further input is dropped. A NaN or infinite
/// sample poisons the stream: that push and every later call, `finish` included, fail with
/// [`AudioError::NonFiniteSample`], because audio with a hole in it must not reach the
/// recognizer.
#[derive(Debug)]
pub struct PcmStream {
    sample_rate: u32,
    channels: u16,
    frame_sum: f32,
    frame_fill: u16,
    frames: u64,
    samples_seen: u64,
    clipped_samples: u64,
    truncated: bool,
    poisoned_at: Option<u64>,
    mono: Vec<f32>,
    resampler: Resampler,
    output: Vec<f32>,
}

/// Mono samples handed to the resampler at a time while decoding a file.
const MONO_BLOCK: usize = 4_096;

impl PcmStream {
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self, AudioError> {
        validate_layout(sample_rate, channels)?;
        Ok(Self {
            sample_rate,
            channels,
            frame_sum: 0.0,
            frame_fill: 0,
            frames: 0,
            samples_seen: 0,
            clipped_samples: 0,
            truncated: false,
            poisoned_at: None,
            mono: Vec::with_capacity(MONO_BLOCK),
            resampler: Resampler::new(sample_rate),
            output: Vec::new(),
        })
    }

    /// Adds interleaved 16-bit samples; returns the new 16 kHz samples.
    pub fn push_i16(&mut self, interleaved: &[i16]) -> Result<&[f32], AudioError> {
        let produced_before = self.output.len();
        for &sample in interleaved {
            let full_scale = sample == i16::MIN || sample == i16::MAX;
            self.push_sample(f32::from(sample) / 32_768.0, full_scale)?;
        }
        self.flush_mono();
        Ok(&self.output[produced_before..])
    }

    /// Adds interleaved float samples; returns the new 16 kHz samples.
    pub fn push_f32(&mut self, interleaved: &[f32]) -> Result<&[f32], AudioError> {
        let produced_before = self.output.len();
        for &sample in interleaved {
            self.push_sample(sample, sample.abs() >= 1.0)?;
        }
        self.flush_mono();
        Ok(&self.output[produced_before..])
    }

    /// Whether [`MAX_UTTERANCE_SECONDS`] have been taken in and further input is dropped.
    pub fn is_full(&self) -> bool {
        self.frames >= max_frames(self.sample_rate)
    }

    /// 16 kHz samples produced so far.
    pub fn samples(&self) -> &[f32] {
        &self.output
    }

    /// Ends the stream. A last incomplete frame (fewer samples than channels) is dropped.
    pub fn finish(mut self) -> Result<Audio, AudioError> {
        if let Some(index) = self.poisoned_at {
            return Err(AudioError::NonFiniteSample { index });
        }
        if self.frames == 0 {
            return Err(AudioError::Empty);
        }
        if self.frames * 1_000 < u64::from(MIN_UTTERANCE_MILLIS) * u64::from(self.sample_rate) {
            return Err(AudioError::TooShort {
                frames: self.frames,
                sample_rate: self.sample_rate,
            });
        }
        self.flush_mono();
        self.resampler.finish(&mut self.output);
        Ok(Audio {
            samples: self.output,
            source_sample_rate: self.sample_rate,
            source_channels: self.channels,
            clipped_samples: self.clipped_samples,
            truncated: self.truncated,
        })
    }

    /// One interleaved sample, scaled to [-1, 1) for integers.
    fn push_sample(&mut self, sample: f32, full_scale: bool) -> Result<(), AudioError> {
        if let Some(index) = self.poisoned_at {
            return Err(AudioError::NonFiniteSample { index });
        }
        if !sample.is_finite() {
            self.poisoned_at = Some(self.samples_seen);
            self.mono.clear();
            return Err(AudioError::NonFiniteSample {
                index: self.samples_seen,
            });
        }
        self.samples_seen += 1;
        if full_scale {
            self.clipped_samples += 1;
        }
        self.frame_sum += sample.clamp(-1.0, 1.0);
        self.frame_fill += 1;
        if self.frame_fill == self.channels {
            if self.frames < max_frames(self.sample_rate) {
                self.mono.push(self.frame_sum / f32::from(self.channels));
                self.frames += 1;
                if self.mono.len() >= MONO_BLOCK {
                    self.flush_mono();
                }
            } else {
                self.truncated = true;
            }
            self.frame_sum = 0.0;
            self.frame_fill = 0;
        }
        Ok(())
    }

    fn flush_mono(&mut self) {
        if self.poisoned_at.is_none() && !self.mono.is_empty() {
            self.resampler.process(&self.mono, &mut self.output);
        }
        self.mono.clear();
    }
}

/// Decodes a WAV file: PCM (8, 16, 24, 32 bit) or IEEE float (32 bit), any channel count,
/// any rate from [`MIN_SAMPLE_RATE`] to [`MAX_SAMPLE_RATE`].
pub fn decode_wav_file(path: impl AsRef<Path>) -> Result<Audio, AudioError> {
    let file = std::fs::File::open(path)?;
    decode_wav(BufReader::new(file))
}

/// Decodes WAV bytes held in memory; see [`decode_wav_file`].
pub fn decode_wav_bytes(bytes: &[u8]) -> Result<Audio, AudioError> {
    decode_wav(bytes)
}

/// Decodes WAV from any reader, reading only the header and the declared data (at most
/// [`MAX_UTTERANCE_SECONDS`] of it: a longer declaration is refused before any sample is read).
pub fn decode_wav<R: Read>(reader: R) -> Result<Audio, AudioError> {
    let reached_end = Cell::new(false);
    let bytes_read = Cell::new(0_u64);
    let tracked = TrackedReader {
        inner: reader,
        reached_end: &reached_end,
        bytes_read: &bytes_read,
    };
    let mut wav = hound::WavReader::new(tracked).map_err(|error| {
        if bytes_read.get() == 0 && reached_end.get() {
            return AudioError::Empty;
        }
        header_error(error, reached_end.get())
    })?;
    let spec = wav.spec();
    validate_layout(spec.sample_rate, spec.channels)?;
    let frames_declared = u64::from(wav.duration());
    if frames_declared == 0 {
        return Err(AudioError::Empty);
    }
    if frames_declared > max_frames(spec.sample_rate) {
        return Err(AudioError::TooLong {
            seconds: frames_declared as f64 / f64::from(spec.sample_rate),
        });
    }
    let mut stream = PcmStream::new(spec.sample_rate, spec.channels)?;
    let data_error = |error: hound::Error, stream: &PcmStream| match error {
        hound::Error::IoError(_) if reached_end.get() => AudioError::Truncated {
            frames_read: stream.samples_seen / u64::from(spec.channels),
            frames_declared,
        },
        other => header_error(other, false),
    };
    match spec.sample_format {
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(AudioError::UnsupportedFormat(format!(
                    "{}-bit integer samples",
                    spec.bits_per_sample
                )));
            }
            let full_scale = f64::from(1_u32 << (spec.bits_per_sample - 1));
            let lowest = -(1_i64 << (spec.bits_per_sample - 1));
            let highest = -lowest - 1;
            for sample in wav.samples::<i32>() {
                let sample = sample.map_err(|error| data_error(error, &stream))?;
                let at_limit = i64::from(sample) >= highest || i64::from(sample) <= lowest;
                stream.push_sample((f64::from(sample) / full_scale) as f32, at_limit)?;
            }
        }
        hound::SampleFormat::Float => {
            for sample in wav.samples::<f32>() {
                let sample = sample.map_err(|error| data_error(error, &stream))?;
                stream.push_sample(sample, sample.abs() >= 1.0)?;
            }
        }
    }
    stream.finish()
}

fn header_error(error: hound::Error, reached_end: bool) -> AudioError {
    match error {
        hound::Error::FormatError(reason)
            if reason.contains("RIFF tag") || reason.contains("WAVE tag") =>
        {
            AudioError::NotWav
        }
        hound::Error::FormatError(reason) => AudioError::MalformedWav(reason.to_owned()),
        hound::Error::IoError(_) if reached_end => {
            AudioError::MalformedWav("the file ends before its audio data".to_owned())
        }
        hound::Error::IoError(error) => AudioError::Io(error),
        hound::Error::Unsupported => {
            AudioError::UnsupportedFormat("only PCM and IEEE float WAV are read".to_owned())
        }
        hound::Error::TooWide | hound::Error::InvalidSampleFormat => {
            AudioError::UnsupportedFormat("sample width or type".to_owned())
        }
        other => AudioError::MalformedWav(other.to_string()),
    }
}

/// Remembers whether the source ran dry, so a short read is told apart from a failing device:
/// hound reports both as I/O errors.
struct TrackedReader<'a, R> {
    inner: R,
    reached_end: &'a Cell<bool>,
    bytes_read: &'a Cell<u64>,
}

impl<R: Read> Read for TrackedReader<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        if count == 0 && !buffer.is_empty() {
            self.reached_end.set(true);
        }
        self.bytes_read.set(self.bytes_read.get() + count as u64);
        Ok(count)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use std::cell::RefCell;
    use std::io::Cursor;

    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::test_support::{rms, speech_dir};

    const PCM: u16 = 1;
    const IEEE_FLOAT: u16 = 3;
    const A_LAW: u16 = 6;

    /// A canonical 44-byte-header WAV; `declared_data_len` may lie about the data that follows.
    fn wav(
        format: u16,
        channels: u16,
        rate: u32,
        bits: u16,
        data: &[u8],
        declared_data_len: u32,
    ) -> Vec<u8> {
        let block_align = channels.wrapping_mul(bits) / 8;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&declared_data_len.wrapping_add(36).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16_u32.to_le_bytes());
        bytes.extend_from_slice(&format.to_le_bytes());
        bytes.extend_from_slice(&channels.to_le_bytes());
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&rate.wrapping_mul(u32::from(block_align)).to_le_bytes());
        bytes.extend_from_slice(&block_align.to_le_bytes());
        bytes.extend_from_slice(&bits.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&declared_data_len.to_le_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn wav_i16(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        wav(PCM, channels, rate, 16, &data, data.len() as u32)
    }

    fn wav_f32(rate: u32, samples: &[f32]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        wav(IEEE_FLOAT, 1, rate, 32, &data, data.len() as u32)
    }

    fn sine(frequency: f32, amplitude: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let count = (seconds * rate as f32) as usize;
        (0..count)
            .map(|n| {
                amplitude * (2.0 * std::f32::consts::PI * frequency * n as f32 / rate as f32).sin()
            })
            .collect()
    }

    fn to_i16(samples: &[f32]) -> Vec<i16> {
        samples
            .iter()
            .map(|s| (s * 32_767.0).round() as i16)
            .collect()
    }

    /// Peak of the middle half, away from the edges' filter ramps.
    fn middle_peak(samples: &[f32]) -> f32 {
        let quarter = samples.len() / 4;
        samples[quarter..3 * quarter]
            .iter()
            .fold(0.0, |peak, s| peak.max(s.abs()))
    }

    #[test]
    fn sixteen_khz_mono_passes_through_unchanged() {
        let samples: Vec<i16> = (0..3_200)
            .map(|n| ((n % 200) * 100 - 10_000) as i16)
            .collect();
        let audio = decode_wav_bytes(&wav_i16(16_000, 1, &samples)).unwrap();
        assert_eq!(audio.samples().len(), 3_200);
        for (got, sample) in audio.samples().iter().zip(&samples) {
            assert_eq!(*got, f32::from(*sample) / 32_768.0);
        }
        assert_eq!(audio.duration(), Duration::from_millis(200));
        assert!(!audio.is_clipped());
    }

    #[test]
    fn common_rates_and_stereo_become_sixteen_khz_mono() {
        for (rate, channels) in [
            (8_000, 1),
            (22_050, 1),
            (44_100, 1),
            (48_000, 1),
            (44_100, 2),
            (48_000, 2),
            (32_000, 6),
        ] {
            let tone = to_i16(&sine(1_000.0, 0.5, rate, 0.5));
            let interleaved: Vec<i16> = tone
                .iter()
                .flat_map(|s| std::iter::repeat_n(*s, usize::from(channels)))
                .collect();
            let audio = decode_wav_bytes(&wav_i16(rate, channels, &interleaved)).unwrap();
            assert_eq!(audio.samples().len(), 8_000, "{rate} Hz × {channels}");
            assert_eq!(audio.source_sample_rate(), rate);
            assert_eq!(audio.source_channels(), channels);
            let peak = middle_peak(audio.samples());
            assert!(
                (peak - 0.5).abs() < 0.01,
                "{rate} Hz × {channels}: peak {peak}"
            );
        }
    }

    #[test]
    fn stereo_is_the_average_of_its_channels() {
        // Opposite signals cancel; a constant pair averages.
        let tone = to_i16(&sine(440.0, 0.5, 16_000, 0.2));
        let opposed: Vec<i16> = tone.iter().flat_map(|s| [*s, -*s]).collect();
        let audio = decode_wav_bytes(&wav_i16(16_000, 2, &opposed)).unwrap();
        assert!(audio.samples().iter().all(|s| *s == 0.0));

        let pairs: Vec<f32> = (0..3_200).flat_map(|_| [0.4, 0.2]).collect();
        let audio = Audio::from_pcm_f32(&pairs, 16_000, 2).unwrap();
        assert!(audio.samples().iter().all(|s| (s - 0.3).abs() < 1e-6));

        // At 44.1 kHz too: left only at half the level gives a quarter after averaging.
        let left_only: Vec<f32> = sine(1_000.0, 0.5, 44_100, 0.5)
            .into_iter()
            .flat_map(|s| [s, 0.0])
            .collect();
        let audio = Audio::from_pcm_f32(&left_only, 44_100, 2).unwrap();
        assert!((middle_peak(audio.samples()) - 0.25).abs() < 0.005);
    }

    #[test]
    fn every_pcm_width_and_float_decode_to_the_same_scale() {
        let tone = sine(1_000.0, 0.5, 16_000, 0.2);
        let spec = |bits, format| hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: bits,
            sample_format: format,
        };
        let mut files = Vec::new();
        for bits in [8_u16, 16, 24, 32] {
            let mut bytes = Cursor::new(Vec::new());
            let mut writer =
                hound::WavWriter::new(&mut bytes, spec(bits, hound::SampleFormat::Int)).unwrap();
            let full_scale = (1_i64 << (bits - 1)) as f32;
            for sample in &tone {
                writer.write_sample((sample * full_scale) as i32).unwrap();
            }
            writer.finalize().unwrap();
            files.push((format!("{bits}-bit PCM"), bytes.into_inner()));
        }
        let mut bytes = Cursor::new(Vec::new());
        let mut writer =
            hound::WavWriter::new(&mut bytes, spec(32, hound::SampleFormat::Float)).unwrap();
        for sample in &tone {
            writer.write_sample(*sample).unwrap();
        }
        writer.finalize().unwrap();
        files.push(("float".to_owned(), bytes.into_inner()));
        for (name, bytes) in files {
            let audio = decode_wav_bytes(&bytes).unwrap();
            assert_eq!(audio.samples().len(), tone.len(), "{name}");
            let peak = middle_peak(audio.samples());
            assert!((peak - 0.5).abs() < 0.01, "{name}: peak {peak}");
        }
    }

    #[test]
    fn empty_inputs_are_refused() {
        assert!(matches!(decode_wav_bytes(&[]), Err(AudioError::Empty)));
        // Header only: a data chunk of zero bytes.
        assert!(matches!(
            decode_wav_bytes(&wav_i16(16_000, 1, &[])),
            Err(AudioError::Empty)
        ));
        assert!(matches!(
            Audio::from_pcm_i16(&[], 16_000, 1),
            Err(AudioError::Empty)
        ));
        assert!(matches!(
            PcmStream::new(48_000, 2).unwrap().finish(),
            Err(AudioError::Empty)
        ));
    }

    #[test]
    fn a_single_sample_is_too_short() {
        let error = decode_wav_bytes(&wav_i16(16_000, 1, &[1_000])).unwrap_err();
        assert!(
            matches!(
                error,
                AudioError::TooShort {
                    frames: 1,
                    sample_rate: 16_000
                }
            ),
            "{error}"
        );
        assert!(matches!(
            Audio::from_pcm_f32(&[0.5], 44_100, 1),
            Err(AudioError::TooShort { .. })
        ));
        // 100 ms is enough.
        assert!(Audio::from_pcm_f32(&[0.0; 800], 8_000, 1).is_ok());
    }

    #[test]
    fn truncated_and_garbage_headers_are_refused() {
        let valid = wav_i16(16_000, 1, &[0; 16_000]);
        // The data chunk promises a second of audio; 100 samples follow.
        let error = decode_wav_bytes(&valid[..44 + 200]).unwrap_err();
        assert!(
            matches!(
                error,
                AudioError::Truncated {
                    frames_read: 100,
                    frames_declared: 16_000
                }
            ),
            "{error}"
        );
        // Cut inside the header.
        for cut in [4, 12, 20, 30, 40] {
            let error = decode_wav_bytes(&valid[..cut]).unwrap_err();
            assert!(
                matches!(error, AudioError::MalformedWav(_)),
                "cut at {cut}: {error}"
            );
        }
        // Wrong magic.
        let mut wrong = valid.clone();
        wrong[..4].copy_from_slice(b"RIFX");
        assert!(matches!(decode_wav_bytes(&wrong), Err(AudioError::NotWav)));
        let mut wrong = valid.clone();
        wrong[8..12].copy_from_slice(b"AVI ");
        assert!(matches!(decode_wav_bytes(&wrong), Err(AudioError::NotWav)));
        assert!(matches!(
            decode_wav_bytes(b"ID3\x03\x00 an mp3 perhaps"),
            Err(AudioError::NotWav)
        ));
        // Zero channels.
        let error = decode_wav_bytes(&wav(PCM, 0, 16_000, 16, &[0; 32], 32)).unwrap_err();
        assert!(
            matches!(error, AudioError::MalformedWav(_) | AudioError::NoChannels),
            "{error}"
        );
    }

    #[test]
    fn unsupported_encodings_and_rates_are_refused() {
        let error = decode_wav_bytes(&wav(A_LAW, 1, 8_000, 8, &[0; 1_600], 1_600)).unwrap_err();
        assert!(matches!(error, AudioError::UnsupportedFormat(_)), "{error}");
        for rate in [0, 1, 4_000, 384_001, 1_000_000, u32::MAX / 4] {
            let error = decode_wav_bytes(&wav_i16(rate, 1, &[0; 1_600])).unwrap_err();
            assert!(
                matches!(error, AudioError::UnsupportedSampleRate(r) if r == rate),
                "{rate}: {error}"
            );
            assert!(matches!(
                Audio::from_pcm_i16(&[0; 1_600], rate, 1),
                Err(AudioError::UnsupportedSampleRate(_))
            ));
        }
        assert!(matches!(
            PcmStream::new(16_000, 0),
            Err(AudioError::NoChannels)
        ));
        // The extremes themselves work.
        assert!(Audio::from_pcm_f32(&vec![0.0; 38_400], MAX_SAMPLE_RATE, 1).is_ok());
        assert!(Audio::from_pcm_f32(&[0.0; 800], MIN_SAMPLE_RATE, 1).is_ok());
    }

    #[test]
    fn nan_and_infinite_samples_are_refused() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut samples = vec![0.1; 1_600];
            samples[700] = bad;
            let error = decode_wav_bytes(&wav_f32(16_000, &samples)).unwrap_err();
            assert!(
                matches!(error, AudioError::NonFiniteSample { index: 700 }),
                "{bad}: {error}"
            );
            assert!(matches!(
                Audio::from_pcm_f32(&samples, 44_100, 1),
                Err(AudioError::NonFiniteSample { index: 700 })
            ));
        }
        // A stream stays refused after a bad chunk, even if later chunks are fine.
        let mut stream = PcmStream::new(16_000, 1).unwrap();
        stream.push_f32(&[0.1; 800]).unwrap();
        assert!(stream.push_f32(&[0.1, f32::NAN]).is_err());
        assert!(stream.push_f32(&[0.1; 8_000]).is_err());
        assert!(matches!(
            stream.finish(),
            Err(AudioError::NonFiniteSample { index: 801 })
        ));
    }

    #[test]
    fn clipping_is_reported_and_the_audio_still_usable() {
        let mut loud: Vec<i16> = to_i16(&sine(300.0, 0.9, 16_000, 0.5));
        for sample in loud.iter_mut().step_by(50) {
            *sample = i16::MAX;
        }
        loud[1] = i16::MIN;
        let audio = decode_wav_bytes(&wav_i16(16_000, 1, &loud)).unwrap();
        assert!(audio.is_clipped());
        assert_eq!(audio.clipped_samples(), 161);

        // Floats beyond full scale are clamped into [-1, 1] and counted.
        let hot: Vec<f32> = sine(300.0, 1.5, 44_100, 0.5);
        let audio = Audio::from_pcm_f32(&hot, 44_100, 1).unwrap();
        assert!(audio.is_clipped());
        assert!(audio.samples().iter().all(|s| (-1.0..=1.0).contains(s)));

        let clean = Audio::from_pcm_f32(&sine(300.0, 0.5, 44_100, 0.5), 44_100, 1).unwrap();
        assert!(!clean.is_clipped());
    }

    /// Serves a header and then zeros for ever, counting what was read.
    struct EndlessWav {
        header: Vec<u8>,
        position: usize,
    }

    impl Read for EndlessWav {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            for byte in buffer.iter_mut() {
                *byte = self.header.get(self.position).copied().unwrap_or(0);
                self.position += 1;
            }
            Ok(buffer.len())
        }
    }

    #[test]
    fn ten_minutes_declared_is_refused_from_the_header() {
        let ten_minutes = 10 * 60 * 48_000 * 2 * 2;
        let header = wav(PCM, 2, 48_000, 16, &[], ten_minutes);
        let mut source = EndlessWav {
            header,
            position: 0,
        };
        let error = decode_wav(&mut source).unwrap_err();
        assert!(
            matches!(error, AudioError::TooLong { seconds } if seconds == 600.0),
            "{error}"
        );
        assert!(source.position < 64, "read {} bytes", source.position);
        // One frame over the limit is refused too; the limit itself is accepted.
        let limit = MAX_UTTERANCE_SECONDS * 8_000 * 2;
        let header = wav(PCM, 1, 8_000, 16, &[], limit + 2);
        assert!(matches!(
            decode_wav(EndlessWav {
                header,
                position: 0
            }),
            Err(AudioError::TooLong { .. })
        ));
        let header = wav(PCM, 1, 8_000, 16, &[], limit);
        let audio = decode_wav(EndlessWav {
            header,
            position: 0,
        })
        .unwrap();
        assert_eq!(
            audio.duration(),
            Duration::from_secs(u64::from(MAX_UTTERANCE_SECONDS))
        );
        // Slices are refused up front too.
        let long = vec![0_i16; (MAX_UTTERANCE_SECONDS as usize + 1) * 16_000];
        assert!(matches!(
            Audio::from_pcm_i16(&long, 16_000, 1),
            Err(AudioError::TooLong { .. })
        ));
    }

    #[test]
    fn a_stream_keeps_the_first_thirty_seconds() {
        let mut stream = PcmStream::new(8_000, 1).unwrap();
        let chunk = vec![100_i16; 8_000];
        let mut produced = 0;
        for _ in 0..(MAX_UTTERANCE_SECONDS + 5) {
            produced += stream.push_i16(&chunk).unwrap().len();
        }
        assert!(stream.is_full());
        assert!(produced <= MAX_UTTERANCE_SECONDS as usize * 16_000);
        let audio = stream.finish().unwrap();
        assert!(audio.was_truncated());
        assert_eq!(
            audio.samples().len(),
            MAX_UTTERANCE_SECONDS as usize * 16_000
        );
    }

    #[test]
    fn pushing_in_chunks_equals_converting_at_once() {
        let tone = to_i16(&sine(700.0, 0.3, 44_100, 0.4));
        let stereo: Vec<i16> = tone.iter().flat_map(|s| [*s, s / 2]).collect();
        let whole = Audio::from_pcm_i16(&stereo, 44_100, 2).unwrap();
        let mut stream = PcmStream::new(44_100, 2).unwrap();
        let mut streamed = Vec::new();
        // Odd chunk sizes split frames between pushes.
        for chunk in stereo.chunks(333) {
            streamed.extend_from_slice(stream.push_i16(chunk).unwrap());
        }
        let finished = stream.finish().unwrap();
        assert!(streamed.len() < finished.samples().len());
        assert_eq!(finished.samples()[..streamed.len()], streamed[..]);
        assert_eq!(finished, whole);
    }

    #[test]
    fn the_shared_recordings_decode() {
        let Some(dir) = speech_dir() else { return };
        for (file, rate) in [
            ("en/jfk.wav", 16_000),
            ("zh/BAC009S0724W0121.wav", 16_000),
            ("digits-en/0_george_0.wav", 8_000),
        ] {
            let audio = decode_wav_file(dir.join(file)).unwrap();
            assert_eq!(audio.source_sample_rate(), rate, "{file}");
            assert!(rms(audio.samples()) > 0.01, "{file}");
        }
        assert!(matches!(
            decode_wav_file(dir.join("no-such-file.wav")),
            Err(AudioError::Io(_))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn decoding_arbitrary_bytes_never_panics(
            bytes in proptest::collection::vec(any::<u8>(), 0..2_000),
        ) {
            let _ = decode_wav_bytes(&bytes);
        }
    }

    // The properties below run through `check` (shared with the voice-activity tests), which
    // counts how many generated cases reached each assertion, prints the counts and fails when
    // the interesting branch was reached too rarely: a property whose assertions sit behind a
    // condition the generator seldom meets passes on nothing.

    /// How many of a property's cases reached each of its assertions.
    #[derive(Debug, Default)]
    pub(crate) struct Reach {
        counts: RefCell<Vec<(&'static str, usize)>>,
    }

    impl Reach {
        pub(crate) fn hit(&self, what: &'static str) {
            let mut counts = self.counts.borrow_mut();
            match counts.iter_mut().find(|(name, _)| *name == what) {
                Some((_, count)) => *count += 1,
                None => counts.push((what, 1)),
            }
        }

        fn count(&self, what: &str) -> usize {
            self.counts
                .borrow()
                .iter()
                .find(|(name, _)| *name == what)
                .map_or(0, |(_, count)| *count)
        }
    }

    /// Runs `property` over `cases` generated inputs (proptest's runner: a failure is shrunk
    /// and reported with its minimal input), prints how many cases reached each assertion,
    /// and requires each `(assertion, share)` of `floors` to have been reached by at least
    /// that share of the cases.
    pub(crate) fn check<S: Strategy>(
        name: &str,
        cases: u32,
        strategy: S,
        floors: &[(&str, f64)],
        property: impl Fn(S::Value, &Reach) -> Result<(), TestCaseError>,
    ) {
        let reach = Reach::default();
        let mut runner = TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let ran = Cell::new(0_usize);
        let result = runner.run(&strategy, |value| {
            ran.set(ran.get() + 1);
            property(value, &reach)
        });
        if let Err(error) = result {
            panic!("{name}: {error}");
        }
        let ran = ran.get();
        println!("{name}: {ran} cases");
        for (what, count) in reach.counts.borrow().iter() {
            println!("  {count:>5} reached {what}");
        }
        for (what, share) in floors {
            let count = reach.count(what);
            assert!(
                count as f64 >= share * ran as f64,
                "{name}: only {count} of {ran} cases reached {what:?} (at least {:.0}% must)",
                share * 100.0
            );
        }
    }

    /// What converting `len` interleaved samples must give, by the policies of this module.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Outcome {
        BadRate,
        NoChannels,
        Empty,
        TooShort { frames: u64 },
        Audio { frames: u64 },
    }

    fn outcome(len: usize, rate: u32, channels: u16) -> Outcome {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
            return Outcome::BadRate;
        }
        if channels == 0 {
            return Outcome::NoChannels;
        }
        let frames = (len / usize::from(channels)) as u64;
        if frames == 0 {
            Outcome::Empty
        } else if frames * 1_000 < u64::from(MIN_UTTERANCE_MILLIS) * u64::from(rate) {
            Outcome::TooShort { frames }
        } else {
            Outcome::Audio { frames }
        }
    }

    /// Whether `result` is the refusal `expected` names (for the outcomes that are refusals).
    fn refused_as(result: &Result<Audio, AudioError>, expected: Outcome, rate: u32) -> bool {
        match (result, expected) {
            (Err(AudioError::UnsupportedSampleRate(r)), Outcome::BadRate) => *r == rate,
            (Err(AudioError::NoChannels), Outcome::NoChannels)
            | (Err(AudioError::Empty), Outcome::Empty) => true,
            (
                Err(AudioError::TooShort {
                    frames,
                    sample_rate,
                }),
                Outcome::TooShort { frames: expected },
            ) => *frames == expected && *sample_rate == rate,
            _ => false,
        }
    }

    /// Whether `result` is the refusal of a non-finite sample at `index`.
    fn refused_at<T>(result: &Result<T, AudioError>, index: usize) -> bool {
        matches!(result, Err(AudioError::NonFiniteSample { index: i }) if *i == index as u64)
    }

    /// Interleaved float PCM with its layout and a chunk size to push it in.
    #[derive(Debug, Clone)]
    struct Pcm {
        samples: Vec<f32>,
        rate: u32,
        channels: u16,
        chunk: usize,
    }

    /// `len` finite samples from a seed (xorshift, so a failing case reproduces): in a
    /// quarter of the buffers all within full scale; in the rest, mostly in range, some beyond
    /// full scale, some exactly at it, and now and then any finite `f32` (subnormals, zeros
    /// and the extremes included). Never NaN nor infinite.
    fn finite_samples(seed: u64, len: usize) -> Vec<f32> {
        let mut state = seed.max(1);
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let unit = |bits: u64| (bits >> 40) as f32 / (1_u64 << 23) as f32 - 1.0;
        let within_full_scale = seed.is_multiple_of(4);
        (0..len)
            .map(|_| {
                let bits = next();
                if within_full_scale {
                    return unit(bits) * 0.99;
                }
                match bits % 20 {
                    0..=13 => unit(bits),
                    14..=16 => unit(bits) * 2.0,
                    17 => [
                        1.0,
                        -1.0,
                        0.0,
                        -0.0,
                        f32::MAX,
                        f32::MIN,
                        f32::MIN_POSITIVE,
                        1e-40,
                    ][(bits >> 8) as usize % 8],
                    _ => {
                        let any = f32::from_bits((bits >> 32) as u32);
                        if any.is_finite() { any } else { unit(bits) }
                    }
                }
            })
            .collect()
    }

    /// Finite PCM, most of it long enough to convert (100–200 ms, mostly at a common rate), the rest
    /// empty, too short, or with a layout that is refused. Buffers stay under 50,000 samples.
    fn finite_pcm() -> impl Strategy<Value = Pcm> {
        let common = proptest::sample::select(vec![
            8_000_u32, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000,
        ]);
        let valid = prop_oneof![
            16 => (common, 1_u16..=4),
            2 => (MIN_SAMPLE_RATE..=96_000, 1_u16..=2),
            1 => (96_001..=MAX_SAMPLE_RATE, Just(1_u16)),
        ];
        let millis = |rate: u32| {
            let longest = if rate > 96_000 { 120_u32 } else { 200 };
            prop_oneof![
                1 => Just(0_u32),
                2 => 1..MIN_UTTERANCE_MILLIS,
                17 => MIN_UTTERANCE_MILLIS..=longest,
            ]
        };
        let valid_len = valid.prop_flat_map(move |(rate, channels)| {
            (
                Just(rate),
                Just(channels),
                millis(rate),
                0..usize::from(channels),
            )
                .prop_map(|(rate, channels, millis, extra)| {
                    let frames = (u64::from(rate) * u64::from(millis)).div_ceil(1_000) as usize;
                    (rate, channels, frames * usize::from(channels) + extra)
                })
        });
        let refused_layout = prop_oneof![
            (
                prop_oneof![0..MIN_SAMPLE_RATE, MAX_SAMPLE_RATE + 1..=u32::MAX],
                0_u16..4
            ),
            (common_rates(), Just(0_u16)),
        ]
        .prop_flat_map(|(rate, channels)| (Just(rate), Just(channels), 0_usize..3_000));
        prop_oneof![12 => valid_len, 1 => refused_layout]
            .prop_flat_map(|(rate, channels, len)| {
                (
                    any::<u64>().prop_map(move |seed| finite_samples(seed, len)),
                    Just(rate),
                    Just(channels),
                    1_usize..2_000,
                )
            })
            .prop_map(|(samples, rate, channels, chunk)| Pcm {
                samples,
                rate,
                channels,
                chunk,
            })
    }

    fn common_rates() -> impl Strategy<Value = u32> {
        proptest::sample::select(vec![8_000_u32, 16_000, 44_100, 48_000])
    }

    /// Float WAV bytes of `samples`, any channel count.
    fn wav_f32_interleaved(rate: u32, channels: u16, samples: &[f32]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        wav(IEEE_FLOAT, channels, rate, 32, &data, data.len() as u32)
    }

    #[test]
    fn converting_finite_samples_gives_the_predicted_audio() {
        check(
            "converting_finite_samples_gives_the_predicted_audio",
            128,
            finite_pcm(),
            &[("the converted audio", 0.5), ("a refusal", 0.05)],
            |Pcm {
                 samples,
                 rate,
                 channels,
                 chunk,
             },
             reach| {
                let expected = outcome(samples.len(), rate, channels);
                let converted = Audio::from_pcm_f32(&samples, rate, channels);
                match expected {
                    Outcome::Audio { frames } => {
                        reach.hit("the converted audio");
                        let audio = converted.map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert!(audio.samples().iter().all(|s| (-1.0..=1.0).contains(s)));
                        let expected_len = (frames * 16_000).div_ceil(u64::from(rate));
                        prop_assert_eq!(audio.samples().len() as u64, expected_len);
                        prop_assert_eq!(audio.source_sample_rate(), rate);
                        prop_assert_eq!(audio.source_channels(), channels);
                        prop_assert!(!audio.was_truncated());
                        let full_scale = samples.iter().filter(|s| s.abs() >= 1.0).count();
                        prop_assert_eq!(audio.clipped_samples(), full_scale as u64);
                        if full_scale > 0 {
                            reach.hit("a clipped count");
                        }
                        if rate == 16_000 && channels == 1 {
                            reach.hit("16 kHz mono passing through");
                            let clamped: Vec<f32> =
                                samples.iter().map(|s| s.clamp(-1.0, 1.0)).collect();
                            prop_assert_eq!(audio.samples(), &clamped[..]);
                        }
                        // The same audio read from a float WAV file (whole frames only).
                        let whole = &samples[..frames as usize * usize::from(channels)];
                        let decoded = decode_wav_bytes(&wav_f32_interleaved(rate, channels, whole))
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert_eq!(decoded.samples(), audio.samples());
                        reach.hit("the same audio from a WAV file");
                    }
                    refusal => {
                        reach.hit("a refusal");
                        prop_assert!(
                            refused_as(&converted, refusal, rate),
                            "expected {:?}, got {:?}",
                            refusal,
                            converted
                        );
                    }
                }
                // As 16-bit PCM pushed in chunks: every chunk's output is in range, and the
                // whole equals converting at once (or both are refused alike).
                let as_i16: Vec<i16> = samples
                    .iter()
                    .map(|s| (s.clamp(-1.0, 1.0) * 32_767.0) as i16)
                    .collect();
                let at_once = Audio::from_pcm_i16(&as_i16, rate, channels);
                if let Ok(mut stream) = PcmStream::new(rate, channels) {
                    for part in as_i16.chunks(chunk) {
                        let produced = stream
                            .push_i16(part)
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert!(produced.iter().all(|s| (-1.0..=1.0).contains(s)));
                    }
                    match (stream.finish(), at_once) {
                        (Ok(streamed), Ok(whole)) => {
                            reach.hit("chunks equal converting at once");
                            prop_assert_eq!(streamed, whole);
                        }
                        (streamed, whole) => {
                            prop_assert!(
                                refused_as(&streamed, expected, rate)
                                    && refused_as(&whole, expected, rate),
                                "expected {:?}: streamed {:?}, at once {:?}",
                                expected,
                                streamed,
                                whole
                            );
                        }
                    }
                } else {
                    prop_assert!(refused_as(&at_once, expected, rate), "{:?}", at_once);
                }
                Ok(())
            },
        );
    }

    #[test]
    fn one_non_finite_sample_anywhere_is_refused_at_its_index() {
        let poisoned = (
            finite_pcm().prop_filter("a sample to poison", |pcm| !pcm.samples.is_empty()),
            any::<proptest::sample::Index>(),
            proptest::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
        );
        check(
            "one_non_finite_sample_anywhere_is_refused_at_its_index",
            128,
            poisoned,
            &[("the refusal at the poisoned index", 0.8)],
            |(mut pcm, at, bad), reach| {
                let index = at.index(pcm.samples.len());
                pcm.samples[index] = bad;
                let Pcm {
                    samples,
                    rate,
                    channels,
                    chunk,
                } = pcm;
                let converted = Audio::from_pcm_f32(&samples, rate, channels);
                let layout = outcome(samples.len(), rate, channels);
                if matches!(layout, Outcome::BadRate | Outcome::NoChannels) {
                    reach.hit("a layout refusal");
                    prop_assert!(refused_as(&converted, layout, rate), "{:?}", converted);
                    return Ok(());
                }
                reach.hit("the refusal at the poisoned index");
                prop_assert!(refused_at(&converted, index), "{}: {:?}", index, converted);
                // Pushed in chunks: fine up to the chunk holding it, refused from then on,
                // the end included.
                let mut stream = PcmStream::new(rate, channels)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for (number, part) in samples.chunks(chunk).enumerate() {
                    let pushed = stream.push_f32(part).map(<[f32]>::to_vec);
                    if (number + 1) * chunk <= index {
                        prop_assert!(pushed.is_ok(), "chunk {}: {:?}", number, pushed);
                    } else {
                        prop_assert!(refused_at(&pushed, index), "chunk {}: {:?}", number, pushed);
                    }
                }
                let finished = stream.finish();
                prop_assert!(refused_at(&finished, index), "{:?}", finished);
                // From a float WAV file, when the sample is in a whole frame.
                let whole = samples.len() / usize::from(channels) * usize::from(channels);
                if index < whole {
                    reach.hit("the refusal from a WAV file");
                    let decoded =
                        decode_wav_bytes(&wav_f32_interleaved(rate, channels, &samples[..whole]));
                    prop_assert!(refused_at(&decoded, index), "{:?}", decoded);
                }
                Ok(())
            },
        );
    }

    /// A WAV file: its header fields and data, and what its data holds when it is well formed.
    #[derive(Debug, Clone)]
    struct WavCase {
        format: u16,
        channels: u16,
        rate: u32,
        bits: u16,
        data: Vec<u8>,
        declared: u32,
        kind: WavKind,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum WavKind {
        /// Consistent fields, all the data declared, at least 100 ms.
        WellFormed,
        /// Consistent fields; the data stops `missing` bytes before its declared end.
        Cut,
        /// Any fields, any data.
        Arbitrary,
    }

    /// Deterministic bytes from a seed (xorshift), so a failing case reproduces.
    fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut state = seed.max(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect()
    }

    fn wav_cases() -> impl Strategy<Value = WavCase> {
        let encoding = proptest::sample::select(vec![
            (PCM, 8_u16),
            (PCM, 16),
            (PCM, 24),
            (PCM, 32),
            (IEEE_FLOAT, 32),
        ]);
        let consistent = (
            encoding,
            1_u16..=2,
            proptest::sample::select(vec![8_000_u32, 16_000, 22_050, 44_100, 48_000]),
            MIN_UTTERANCE_MILLIS..=200,
            any::<u64>(),
        )
            .prop_map(|((format, bits), channels, rate, millis, seed)| {
                let frames = (u64::from(rate) * u64::from(millis)).div_ceil(1_000) as usize;
                let count = frames * usize::from(channels);
                let data = if format == IEEE_FLOAT {
                    // Finite floats around full scale, some beyond it.
                    seeded_bytes(seed, count * 2)
                        .chunks(2)
                        .flat_map(|pair| {
                            let value = f32::from(i16::from_le_bytes([pair[0], pair[1]]))
                                / f32::from(i16::MAX)
                                * 1.2;
                            value.to_le_bytes()
                        })
                        .collect()
                } else {
                    seeded_bytes(seed, count * usize::from(bits / 8))
                };
                let declared = data.len() as u32;
                WavCase {
                    format,
                    channels,
                    rate,
                    bits,
                    data,
                    declared,
                    kind: WavKind::WellFormed,
                }
            });
        let cut =
            (consistent.clone(), any::<proptest::sample::Index>()).prop_map(|(mut case, at)| {
                let keep = at.index(case.data.len());
                case.data.truncate(keep);
                case.kind = WavKind::Cut;
                case
            });
        let arbitrary = (
            prop_oneof![Just(PCM), Just(IEEE_FLOAT), any::<u16>()],
            0_u16..12,
            prop_oneof![Just(8_000_u32), Just(44_100), 0_u32..500_000],
            prop_oneof![Just(8_u16), Just(16), Just(24), Just(32), any::<u16>()],
            proptest::collection::vec(any::<u8>(), 0..3_000),
            prop_oneof![Just(None), any::<u32>().prop_map(Some)],
        )
            .prop_map(|(format, channels, rate, bits, data, declared)| WavCase {
                format,
                channels,
                rate,
                bits,
                declared: declared.unwrap_or(data.len() as u32),
                data,
                kind: WavKind::Arbitrary,
            });
        prop_oneof![6 => consistent, 1 => cut, 2 => arbitrary]
    }

    /// The samples a well-formed WAV's data holds, scaled to [-1, 1) (integers) the way any
    /// reader would: 8-bit is unsigned, the wider widths are signed little-endian.
    fn reference_samples(format: u16, bits: u16, data: &[u8]) -> Vec<f32> {
        let width = usize::from(bits / 8);
        data.chunks(width)
            .map(|b| match (format, bits) {
                (IEEE_FLOAT, 32) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                (PCM, 8) => (f64::from(i32::from(b[0]) - 128) / 128.0) as f32,
                (PCM, 16) => (f64::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0) as f32,
                (PCM, 24) => {
                    let value = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                    (f64::from(value) / f64::from(1 << 23)) as f32
                }
                (PCM, 32) => {
                    let value = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    (f64::from(value) / 2_147_483_648.0) as f32
                }
                other => unreachable!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn decoding_a_wav_with_any_header_fields_never_panics_and_reads_well_formed_files() {
        check(
            "decoding_a_wav_with_any_header_fields_never_panics_and_reads_well_formed_files",
            160,
            wav_cases(),
            &[
                ("a well-formed file read exactly", 0.5),
                ("a cut file refused as truncated", 0.02),
            ],
            |case, reach| {
                let bytes = wav(
                    case.format,
                    case.channels,
                    case.rate,
                    case.bits,
                    &case.data,
                    case.declared,
                );
                let decoded = decode_wav_bytes(&bytes);
                let block = usize::from(case.channels) * usize::from(case.bits / 8);
                match case.kind {
                    WavKind::WellFormed => {
                        reach.hit("a well-formed file read exactly");
                        let audio = decoded.map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let reference = reference_samples(case.format, case.bits, &case.data);
                        let expected = Audio::from_pcm_f32(&reference, case.rate, case.channels)
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert_eq!(audio.samples(), expected.samples());
                        let frames = (case.data.len() / block) as u64;
                        prop_assert_eq!(
                            audio.samples().len() as u64,
                            (frames * 16_000).div_ceil(u64::from(case.rate))
                        );
                        prop_assert_eq!(audio.source_sample_rate(), case.rate);
                        prop_assert_eq!(audio.source_channels(), case.channels);
                        if audio.is_clipped() {
                            reach.hit("a clipped well-formed file");
                        }
                    }
                    WavKind::Cut => {
                        reach.hit("a cut file refused as truncated");
                        let width = usize::from(case.bits / 8);
                        let frames_read =
                            (case.data.len() / width / usize::from(case.channels)) as u64;
                        let frames_declared = (case.declared as usize / block) as u64;
                        prop_assert!(
                            matches!(
                                decoded,
                                Err(AudioError::Truncated { frames_read: r, frames_declared: d })
                                    if r == frames_read && d == frames_declared
                            ),
                            "{} of {} frames: {:?}",
                            frames_read,
                            frames_declared,
                            decoded
                        );
                    }
                    WavKind::Arbitrary => {
                        reach.hit("arbitrary fields");
                        if let Ok(audio) = decoded {
                            reach.hit("arbitrary fields that decode");
                            prop_assert!(audio.samples().iter().all(|s| (-1.0..=1.0).contains(s)));
                            prop_assert_eq!(audio.source_sample_rate(), case.rate);
                            prop_assert_eq!(audio.source_channels(), case.channels);
                        }
                    }
                }
                Ok(())
            },
        );
    }
}
