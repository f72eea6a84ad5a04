//! Real spoken commands (issue 28): the 150 crowd-sourced coffee orders of
//! `../shared/data/speech/commands-en` through `understand_speech` with the coffee maker's
//! context, clean and with the benchmark's kitchen noise at 24, 18, 12 and 6 dB, per model;
//! each half of the recordings reported on its own (accepted, median and p95 latency on 2
//! threads), and the mean over 6–24 dB. The tuning half's misses are printed with what was
//! heard; the held-out half's are only counted.
//!
//! `cargo bench -p tingshuo-tests --bench real_speech` (after `make models`). A subset while
//! working: `TINGSHUO_BENCH_MODELS=tiny.en` (default `tiny.en,base,base-q8_0`) and
//! `TINGSHUO_BENCH_CONDITIONS=clean,12` (default `clean,24,18,12,6`; noise in dB). Results go
//! in `docs/benchmarks.md`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::time::{Duration, Instant};

use tingshuo_core::listen::spoken::{options_for, understand_speech};
use tingshuo_tests::bench::{ms, summarize};
use tingshuo_tests::real_speech::*;
use tingshuo_tests::speech::{installed_model, trace_forced};

const THREADS: usize = 2;

/// What one half made of one condition.
#[derive(Default)]
struct Tally {
    accepted: usize,
    total: usize,
    times: Vec<Duration>,
}

fn wanted(variable: &str, default: &str) -> Vec<String> {
    std::env::var(variable)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn main() {
    let (commands, noise, (context, world)) =
        match (real_commands(), kitchen_noise(), coffee_setup()) {
            (Ok(commands), Ok(noise), Ok(setup)) => (commands, noise, setup),
            (Err(reason), ..) | (_, Err(reason), _) | (.., Err(reason)) => {
                println!("real-speech bench skipped: {reason}");
                return;
            }
        };
    let speech: Vec<Vec<f32>> = commands
        .iter()
        .map(|c| samples_of(&c.path).unwrap())
        .collect();
    let seconds = speech.iter().map(|s| s.len()).sum::<usize>() as f64 / 16_000.0;
    // Conditions: None is clean, Some(dB) the kitchen noise at that SNR.
    let conditions: Vec<Option<f64>> = wanted("TINGSHUO_BENCH_CONDITIONS", "clean,24,18,12,6")
        .iter()
        .map(|c| (c != "clean").then(|| c.parse().expect("a condition is clean or a dB figure")))
        .collect();
    println!(
        "{} real spoken commands ({} tuning, {} held out), {:.1} s of audio on average; {THREADS} threads",
        commands.len(),
        commands.iter().filter(|c| c.half == Half::Tuning).count(),
        commands.iter().filter(|c| c.half == Half::HeldOut).count(),
        seconds / commands.len() as f64,
    );
    println!("| model | condition | half | accepted | median ms | p95 ms |");
    println!("|---|---|---|---|---|---|");
    for model in wanted("TINGSHUO_BENCH_MODELS", "tiny.en,base,base-q8_0") {
        let recognizer = match installed_model(&model) {
            Ok(recognizer) => recognizer,
            Err(reason) => {
                println!("| {model} | skipped: {reason} | | | | |");
                continue;
            }
        };
        let mut options = options_for(&context, &world);
        options.threads = Some(THREADS);
        // Warm up: caches, page faults, the allocator.
        understand_speech(&recognizer, &speech[0], &options, &context, &world, None).unwrap();
        // Per half, the noisy conditions' acceptance (for the mean over 6–24 dB).
        let mut noisy: [Vec<f64>; 2] = Default::default();
        for &condition in &conditions {
            let mut misses = Vec::new();
            let name = condition.map_or("clean".to_owned(), |snr| format!("{snr:.0} dB"));
            let mut tallies: [Tally; 2] = Default::default();
            for (done, (command, clean)) in commands.iter().zip(&speech).enumerate() {
                // Each clip takes seconds: a line every 25 on stderr, to follow a long run.
                if done % 25 == 0 {
                    eprintln!("{model}, {name}: {done} of {} clips heard", commands.len());
                }
                let heard = match condition {
                    None => clean.clone(),
                    Some(snr) => mix_at_snr(clean, &noise, snr, seed_of(&command.name)).unwrap(),
                };
                let start = Instant::now();
                let spoken =
                    understand_speech(&recognizer, &heard, &options, &context, &world, None)
                        .unwrap();
                let tally = &mut tallies[usize::from(command.half == Half::HeldOut)];
                tally.times.push(start.elapsed());
                tally.total += 1;
                let met = command.is_met_by(spoken.understanding.as_ref());
                if command.half == Half::Tuning {
                    trace_forced(
                        &format!("real speech {model} {name}"),
                        true,
                        met,
                        spoken.transcript.as_ref(),
                    );
                }
                if met {
                    tally.accepted += 1;
                } else if command.half == Half::Tuning {
                    let understood = spoken.understanding.as_ref().map_or_else(
                        || "nothing".to_owned(),
                        |u| format!("{} {}", u.intent.name(), u.to_json()["slots"]),
                    );
                    misses.push(format!(
                        "{model}, {name}, {}: heard {:?} → {understood}; labelled {}",
                        command.name,
                        spoken.transcript.as_ref().map(|t| t.text.as_str()),
                        command.label()
                    ));
                }
            }
            for (half, tally) in Half::BOTH.into_iter().zip(tallies) {
                let share = tally.accepted as f64 / tally.total.max(1) as f64 * 100.0;
                if condition.is_some_and(|snr| (6.0..=24.0).contains(&snr)) {
                    noisy[usize::from(half == Half::HeldOut)].push(share);
                }
                let summary = summarize(tally.times);
                println!(
                    "| {model} | {name} | {} | {} of {} ({share:.1}%) | {} | {} |",
                    half.name(),
                    tally.accepted,
                    tally.total,
                    ms(summary.median),
                    ms(summary.p95),
                );
            }
            // Printed as each condition ends, so that a run cut short keeps what it heard.
            for miss in &misses {
                println!("  tuning-half miss: {miss}");
            }
        }
        for (half, shares) in Half::BOTH.into_iter().zip(&noisy) {
            if !shares.is_empty() {
                println!(
                    "{model}, {} half: mean over {} noisy conditions (6–24 dB): {:.1}%",
                    half.name(),
                    shares.len(),
                    shares.iter().sum::<f64>() / shares.len() as f64
                );
            }
        }
    }
}
