//! The audio front end for on-device speech recognition: whatever audio the host has becomes
//! 16 kHz mono `f32` in [-1, 1] ([`audio`]), and our own voice-activity detection says whether
//! and where someone spoke and when they stopped ([`vad`]). The recognizer sees only the speech
//! span, and nothing at all when no one spoke: whisper's own no-speech probability is always
//! zero for the models used here, and silence then decodes as `" you"` or `"[BLANK_AUDIO]"`.

pub mod audio;
pub mod ggml;
pub mod grammar;
mod guided;
pub mod reader;
pub mod recognizer;
mod resample;
pub mod search;
pub mod spellings;
pub mod spoken;
pub mod vad;

#[cfg(test)]
mod test_support;

pub use audio::{
    Audio, AudioError, MAX_SAMPLE_RATE, MAX_UTTERANCE_SECONDS, MIN_SAMPLE_RATE,
    MIN_UTTERANCE_MILLIS, PcmStream, TARGET_SAMPLE_RATE, decode_wav, decode_wav_bytes,
    decode_wav_file,
};
pub use vad::{
    DEFAULT_TRIM_MARGIN, Endpointer, EndpointerConfig, VadEvent, contains_speech, speech_segments,
    speech_segments_with, speech_span,
};
