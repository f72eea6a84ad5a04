//! Real spoken commands (`../shared/data/speech/commands-en`, issue 28): the benchmark's
//! noise mixing measured back, and a slice of the real-speech benchmark
//! (`benches/real_speech.rs`) with floors — every fifth clip of each half, clean and with
//! kitchen noise at 12 dB, through the model `tingshuo intent` and the assistant use.
//!
//! Skips, saying why, when the shared recordings or the model are absent.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use tingshuo_core::listen::spoken::{options_for, understand_speech};
use tingshuo_tests::real_speech::*;
use tingshuo_tests::speech::{installed_model, one_at_a_time};

/// The recordings and the noise, or `None` after saying that they are absent.
fn recordings() -> Option<(Vec<RealCommand>, Vec<f32>)> {
    if !commands_dir().is_dir() {
        tingshuo_tests::skip(&format!("{} is absent", commands_dir().display()));
        return None;
    }
    Some((real_commands().unwrap(), kitchen_noise().unwrap()))
}

/// `mixed` as `a * speech + b * noise`, by least squares over the two known parts; the
/// loudest-frame SNR those weights give, in dB.
fn snr_measured_back(speech: &[f32], noise: &[f32], mixed: &[f32]) -> f64 {
    let dot = |x: &[f32], y: &[f32]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum()
    };
    let (ss, nn, sn) = (dot(speech, speech), dot(noise, noise), dot(speech, noise));
    let (ms, mn) = (dot(mixed, speech), dot(mixed, noise));
    let det = ss * nn - sn * sn;
    let a = (ms * nn - mn * sn) / det;
    let b = (mn * ss - ms * sn) / det;
    10.0 * ((a * a * loudest_frame_energy(speech)) / (b * b * loudest_frame_energy(noise))).log10()
}

#[test]
fn kitchen_noise_is_mixed_at_the_snr_asked() {
    let Some((commands, noise)) = recordings() else {
        return;
    };
    let mut scaled_down = 0;
    // Every tenth clip at the benchmark's SNRs and one beyond, as recorded and brought up to
    // full scale (a loud speaker near the microphone: there the sum would clip).
    let clips = commands.iter().step_by(10).flat_map(|command| {
        let speech = samples_of(&command.path).unwrap();
        let peak = speech.iter().fold(0.0f32, |p, s| p.max(s.abs()));
        let loud = speech.iter().map(|s| s / peak).collect();
        [(command, speech), (command, loud)]
    });
    for (command, speech) in clips {
        let seed = seed_of(&command.name);
        for snr in [24.0, 18.0, 12.0, 6.0, 0.0] {
            let mixed = mix_at_snr(&speech, &noise, snr, seed).unwrap();
            assert_eq!(mixed.len(), speech.len());
            let segment = noise_segment(&noise, speech.len(), seed);
            let measured = snr_measured_back(&speech, segment, &mixed);
            assert!(
                (measured - snr).abs() < 0.1,
                "{}: asked {snr} dB, measured {measured:.3} dB",
                command.name
            );
            assert!(
                mixed.iter().all(|s| s.abs() <= 1.0),
                "{} clips",
                command.name
            );
            // Scaled down together where the sum would clip: the loudest sample at full scale.
            let peak = mixed.iter().fold(0.0f32, |p, s| p.max(s.abs()));
            scaled_down += usize::from((peak - 1.0).abs() < 1e-6);
        }
        // Reproducible: the same seed, the same clip; another seed, another stretch.
        let again = mix_at_snr(&speech, &noise, 12.0, seed).unwrap();
        assert_eq!(again, mix_at_snr(&speech, &noise, 12.0, seed).unwrap());
        assert_ne!(again, mix_at_snr(&speech, &noise, 12.0, seed + 1).unwrap());
    }
    println!("{scaled_down} mixes scaled down not to clip");
    assert!(scaled_down > 0, "the clipping rule was not exercised");
}

#[test]
fn the_halves_are_fixed_by_name_alone() {
    let Some((commands, _)) = recordings() else {
        return;
    };
    let tuning = commands.iter().filter(|c| c.half == Half::Tuning).count();
    assert_eq!((commands.len(), tuning), (150, 75));
    let mut names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    for (position, name) in names.iter().enumerate() {
        let command = commands.iter().find(|c| c.name == *name).unwrap();
        assert_eq!(command.half, half_of(position));
    }
}

/// The clips of the slice: every fifth of each half (15 + 15), each heard clean and at 12 dB.
fn in_slice(command: &RealCommand) -> bool {
    command.index_in_half.is_multiple_of(5)
}

/// The model of `tingshuo intent --context … --audio` (`tingshuo_desktop::listen::
/// DEFAULT_MODEL`), which the demo's assistant hears the customer with too.
const PRODUCT_MODEL: &str = tingshuo_desktop::listen::DEFAULT_MODEL;

#[test]
fn a_slice_of_real_spoken_commands_is_understood() {
    let _whisper = one_at_a_time();
    let Some((commands, noise)) = recordings() else {
        return;
    };
    let recognizer = match installed_model(PRODUCT_MODEL) {
        Ok(recognizer) => recognizer,
        Err(reason) => return tingshuo_tests::skip(&reason),
    };
    let (context, world) = coffee_setup().unwrap();
    let mut options = options_for(&context, &world);
    options.threads = Some(2);
    let started = std::time::Instant::now();
    // Floors: accepted clips of 15 a half in each condition, under what was measured (see
    // `docs/benchmarks.md`, "Real spoken commands: both halves, clean and kitchen noise").
    for (condition, floors) in [(None, FLOORS_CLEAN), (Some(12.0), FLOORS_12_DB)] {
        let name = condition.map_or("clean".to_owned(), |snr| format!("{snr:.0} dB"));
        for (half, floor) in Half::BOTH.into_iter().zip(floors) {
            let mut accepted = 0;
            let mut total = 0;
            for command in commands.iter().filter(|c| c.half == half && in_slice(c)) {
                let speech = samples_of(&command.path).unwrap();
                let heard = match condition {
                    None => speech,
                    Some(snr) => mix_at_snr(&speech, &noise, snr, seed_of(&command.name)).unwrap(),
                };
                let spoken =
                    understand_speech(&recognizer, &heard, &options, &context, &world, None)
                        .unwrap();
                total += 1;
                if command.is_met_by(spoken.understanding.as_ref()) {
                    accepted += 1;
                } else if half == Half::Tuning {
                    println!(
                        "  miss ({name}) {}: heard {:?}, labelled {}",
                        command.name,
                        spoken.transcript.map(|t| t.text),
                        command.label()
                    );
                }
            }
            println!(
                "{PRODUCT_MODEL}, {name}, {} half: {accepted} of {total} accepted (floor {floor})",
                half.name()
            );
            assert!(accepted >= floor, "{name}, {} half", half.name());
        }
    }
    println!("the slice took {:.0} s", started.elapsed().as_secs_f64());
}

/// Floors, tuning half then held-out half: two clips under what was measured. Measured
/// 2026-12-05 with `base` (before any tuning to real speech): every clip of the slice
/// accepted, 15 of 15 clean and 15 of 15 at 12 dB in each half; the slice took 43 s (load
/// average 1.5 on 2 cores; 766 s when three other whisper and build jobs shared them).
const FLOORS_CLEAN: [usize; 2] = [13, 13];
const FLOORS_12_DB: [usize; 2] = [13, 13];
