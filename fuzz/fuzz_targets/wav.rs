//! WAV decoding (`decode_wav_bytes`) on any bytes: no panic, and decoded audio is what the
//! recognizer is promised: non-empty 16 kHz mono within [-1, 1], at most
//! MAX_UTTERANCE_SECONDS long, from a rate and layout the decoder accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingshuo_listen::audio::{
    MAX_SAMPLE_RATE, MAX_UTTERANCE_SECONDS, MIN_SAMPLE_RATE, TARGET_SAMPLE_RATE, decode_wav_bytes,
};

fuzz_target!(|data: &[u8]| {
    let Ok(audio) = decode_wav_bytes(data) else {
        return;
    };
    let samples = audio.samples();
    assert!(!samples.is_empty());
    assert!(
        samples.iter().all(|s| (-1.0..=1.0).contains(s)),
        "a sample outside [-1, 1]"
    );
    // One second of slack for the resampler's filter tail.
    let most = (u64::from(MAX_UTTERANCE_SECONDS) + 1) * u64::from(TARGET_SAMPLE_RATE);
    assert!(samples.len() as u64 <= most, "{} samples", samples.len());
    assert!((MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&audio.source_sample_rate()));
    assert!(audio.source_channels() > 0);
});
