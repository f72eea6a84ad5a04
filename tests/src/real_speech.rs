//! Real spoken commands (`../shared/data/speech/commands-en`, issue 28): 150 crowd-sourced
//! coffee orders of Picovoice's speech-to-intent benchmark, split into a tuning half and a
//! held-out half by file name alone; the benchmark's kitchen noise mixed in by its own rule;
//! and its acceptance (the intent and every labelled slot).
//!
//! Shared by the real-speech benchmark (`benches/real_speech.rs`) and its slice in `make test`
//! (`tests/real_speech.rs`).
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)] // Signal levels.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Understanding, World};

use crate::speech::{customer_setup, shared_speech, words};

/// The recordings, their labels, the Rhino context and the kitchen noise.
pub fn commands_dir() -> PathBuf {
    shared_speech().join("commands-en")
}

/// Which half of the recordings a clip is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// Looked at, misses and all, and tuned on.
    Tuning,
    /// Reported by its figures only: its transcripts and misses are never printed.
    HeldOut,
}

impl Half {
    pub const BOTH: [Half; 2] = [Half::Tuning, Half::HeldOut];

    pub fn name(self) -> &'static str {
        match self {
            Half::Tuning => "tuning",
            Half::HeldOut => "held-out",
        }
    }
}

/// The split, fixed before anything was measured and blind to what the clips say: the clips'
/// file names (random UUIDs) sorted as bytes, the first, third, fifth… (even positions from
/// 0) tune, the second, fourth… are held out.
pub fn half_of(position_in_sorted_names: usize) -> Half {
    if position_in_sorted_names.is_multiple_of(2) {
        Half::Tuning
    } else {
        Half::HeldOut
    }
}

/// One recording and what it means, by `labels.json`.
#[derive(Debug, Clone)]
pub struct RealCommand {
    /// The file name, e.g. `01a50d1b-….wav`.
    pub name: String,
    pub path: PathBuf,
    pub half: Half,
    /// Its place within its half (0, 1, 2… in name order).
    pub index_in_half: usize,
    pub intent: String,
    /// The labelled slots, values as labelled (some start with a space: " soy milk").
    pub slots: BTreeMap<String, String>,
}

impl RealCommand {
    /// The benchmark's acceptance: the same intent and every labelled slot, and no slot the
    /// speaker did not give. Values are compared as words (`speech::words`: case, spaces and
    /// punctuation aside), since labels carry stray spaces.
    pub fn is_met_by(&self, understood: Option<&Understanding>) -> bool {
        let Some(understood) = understood else {
            return false;
        };
        let json = understood.to_json();
        let Some(slots) = json["slots"].as_object() else {
            return false;
        };
        understood.intent.name() == self.intent
            && slots.len() == self.slots.len()
            && self.slots.iter().all(|(name, labelled)| {
                slots
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|value| words(value) == words(labelled))
            })
    }

    /// What the labels say, for a printed miss: `orderDrink {coffeeDrink: mocha, …}`.
    pub fn label(&self) -> String {
        let slots: Vec<String> = self
            .slots
            .iter()
            .map(|(name, value)| format!("{name}: {}", value.trim()))
            .collect();
        format!("{} {{{}}}", self.intent, slots.join(", "))
    }
}

/// Every recording of `clips/` with its label, in name order, each in its half; or why they
/// cannot be read (absent data).
pub fn real_commands() -> Result<Vec<RealCommand>, String> {
    let dir = commands_dir();
    let labels_path = dir.join("labels.json");
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&labels_path)
            .map_err(|e| format!("{} is absent: {e}", labels_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", labels_path.display()))?;
    let mut names: Vec<String> = std::fs::read_dir(dir.join("clips"))
        .map_err(|e| format!("{} is absent: {e}", dir.join("clips").display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".wav"))
        .collect();
    names.sort();
    let mut counts = [0usize; 2];
    names
        .into_iter()
        .enumerate()
        .map(|(position, name)| {
            let label = &labels[&name];
            let intent = label["intent"]
                .as_str()
                .ok_or_else(|| format!("{name} has no label"))?
                .to_owned();
            let slots = label["slots"]
                .as_object()
                .map(|slots| {
                    slots
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            let half = half_of(position);
            let count = &mut counts[usize::from(half == Half::HeldOut)];
            let index_in_half = *count;
            *count += 1;
            Ok(RealCommand {
                path: dir.join("clips").join(&name),
                name,
                half,
                index_in_half,
                intent,
                slots,
            })
        })
        .collect()
}

/// The coffee maker's Rhino context with the demo customer of its language, as
/// `tingshuo intent --context coffee_maker.yaml` loads it.
pub fn coffee_setup() -> Result<(Context, World), String> {
    let path = commands_dir().join("coffee_maker.yaml");
    let yaml =
        std::fs::read_to_string(&path).map_err(|e| format!("{} is absent: {e}", path.display()))?;
    let context = Context::from_yaml(&yaml).map_err(|e| e.to_string())?;
    let locale = context.guess_locale();
    Ok(customer_setup(context, locale))
}

/// A recording as 16 kHz mono samples in [-1, 1].
pub fn samples_of(path: &std::path::Path) -> Result<Vec<f32>, String> {
    tingshuo_core::listen::decode_wav_file(path)
        .map(tingshuo_core::listen::Audio::into_samples)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The benchmark's kitchen noise (16 kHz mono, 16-bit; two minutes, longer than a recording
/// the recognizer's decoder takes).
pub fn kitchen_noise() -> Result<Vec<f32>, String> {
    let path = commands_dir().join("kitchen-noise.wav");
    tingshuo_desktop::render::Pcm::read_wav(&path)
        .map(|pcm| pcm.to_f32())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The benchmark's frame for levels: 2048 samples.
pub const LEVEL_FRAME: usize = 2048;

/// The energy (sum of squares) of the loudest whole 2048-sample frame; a tail shorter than a
/// frame is left out.
pub fn loudest_frame_energy(samples: &[f32]) -> f64 {
    samples
        .chunks_exact(LEVEL_FRAME)
        .map(|frame| frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum())
        .fold(0.0, f64::max)
}

/// The stretch of `noise` mixed into a clip of `length` samples: it starts at an offset drawn
/// from `seed` (the same seed, the same stretch).
pub fn noise_segment(noise: &[f32], length: usize, seed: u64) -> &[f32] {
    // SplitMix64's output function: a well-spread number from any seed.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let room = noise.len().saturating_sub(length) as u64 + 1;
    let start = usize::try_from(z % room).unwrap_or(0);
    &noise[start..(start + length).min(noise.len())]
}

/// A seed of a clip from its file name (FNV-1a), so that a clip meets the same stretch of
/// noise whatever else is in the set.
pub fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The benchmark's noise mixing: a stretch of `noise` as long as the speech (from an offset
/// drawn from `seed`) scaled so that the loudest 2048-sample frame of the speech has `snr_db`
/// decibels more energy than the loudest frame of the scaled noise, and added. Where the sum
/// would clip (beyond ±1), speech and noise are scaled down together, which keeps the ratio.
/// `None` when the noise is shorter than the speech or either is silent.
pub fn mix_at_snr(speech: &[f32], noise: &[f32], snr_db: f64, seed: u64) -> Option<Vec<f32>> {
    let segment = noise_segment(noise, speech.len(), seed);
    let (speech_energy, noise_energy) =
        (loudest_frame_energy(speech), loudest_frame_energy(segment));
    if segment.len() < speech.len() || speech_energy == 0.0 || noise_energy == 0.0 {
        return None;
    }
    let gain = (speech_energy / (noise_energy * 10f64.powf(snr_db / 10.0))).sqrt();
    let mixed: Vec<f64> = speech
        .iter()
        .zip(segment)
        .map(|(&s, &n)| f64::from(s) + gain * f64::from(n))
        .collect();
    let peak = mixed.iter().fold(0.0f64, |peak, s| peak.max(s.abs()));
    let fit = if peak > 1.0 { 1.0 / peak } else { 1.0 };
    Some(mixed.iter().map(|&s| (s * fit) as f32).collect())
}
