//! Speech → intent: latency from the end of the utterance to the intent, per model and audio
//! context, on 2 threads, next to command acceptance on the round-trip set (clean and pink
//! noise at 10 dB); peak memory; and faster-whisper (PyPI) on the same clips and the same
//! weights as the peer, in the same run.
//!
//! Then Mandarin: 王秀英's commands of the spoken Mandarin set, rendered by the neural test
//! voice, through the product's model (`base-q8_0`) guided by the zh-CN grammar — latency
//! (all, heard at once, missed), acceptance and peak memory, beside `tiny.en`'s English
//! figures of the same run, and the peer at both its float32 and its int8 precision.
//!
//! `cargo bench -p tingshuo-tests --bench speech` (after `make models`; the peer is set up by
//! `scripts/bench-peer.sh`, and reported unavailable when it cannot be;
//! `TINGSHUO_BENCH_LANGS=zh` runs the Mandarin part only). Results go in `docs/benchmarks.md`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use tingshuo_core::Locale;
use tingshuo_core::listen::recognizer::{
    AudioContext, DEFAULT_GUIDED_BEAMS, Options, Recognizer, bias_prompt,
};
use tingshuo_core::listen::spoken::{customer_names, options_for, understand_speech};
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Understanding, World};
use tingshuo_desktop::render::{Pcm, Renderer};
use tingshuo_tests::bench::summarize;
use tingshuo_tests::speech::*;

const THREADS: usize = 2;

/// The model the product hears both languages with.
const PRODUCT: &str = tingshuo_desktop::listen::DEFAULT_MODEL;

/// Resets the kernel's peak-RSS mark of this process (Linux: `clear_refs` 5), so each
/// configuration's peak is its own.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Set in a child run of this benchmark: the model to load; the clip is in [`PEAK_CLIP`].
const PEAK_MODEL: &str = "TINGSHUO_BENCH_PEAK_MODEL";
const PEAK_CLIP: &str = "TINGSHUO_BENCH_PEAK_CLIP";
/// The language of the child run's context (`zh-CN` or `en-US`, the default).
const PEAK_LOCALE: &str = "TINGSHUO_BENCH_PEAK_LOCALE";

/// The child run: a process that does only what an app does to hear one command (load the
/// model, recognize and understand one clip with the fitted context and the prompt) and
/// prints its peak resident memory in MB.
fn recognize_once_and_report_peak(model: &str, clip: &str, locale: Locale) {
    let (context, world) = banking_setup(locale);
    let recognizer = installed_model(model).unwrap();
    let audio = tingshuo_core::listen::audio::decode_wav_file(clip).unwrap();
    let mut options = options_for(&context, &world);
    options.threads = Some(THREADS);
    options.audio_context = AudioContext::FitToSpeech;
    understand_speech(
        &recognizer,
        audio.samples(),
        &options,
        &context,
        &world,
        None,
    )
    .unwrap();
    println!("{:.0}", peak_rss_mb().unwrap_or(f64::NAN));
}

/// Peak memory (MB) of a fresh process recognizing one command with `model`.
fn peak_of_one_recognition(
    model: &str,
    clip: &std::path::Path,
    locale: Locale,
) -> Result<f64, String> {
    let output = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .env(PEAK_MODEL, model)
        .env(PEAK_CLIP, clip)
        .env(PEAK_LOCALE, locale.tag())
        .output()
        .map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| String::from_utf8_lossy(&output.stderr).into_owned())
}

struct Run {
    median: Duration,
    p95: Duration,
    clean: usize,
    noisy: usize,
    /// Out-of-scope sentences understood as some intent (clean).
    false_accepts: usize,
}

#[allow(clippy::too_many_arguments)]
fn measure(
    recognizer: &Recognizer,
    options: &Options,
    context: &Context,
    world: &World,
    meanings: &[&Understanding],
    clean: &[Vec<f32>],
    noisy: &[Vec<f32>],
    out_of_scope: &[Vec<f32>],
) -> Run {
    // Warm up: caches, page faults, the allocator.
    understand_speech(recognizer, &clean[0], options, context, world, None).unwrap();
    let mut times = Vec::new();
    let mut accepted_clean = 0;
    for (samples, meaning) in clean.iter().zip(meanings) {
        let start = Instant::now();
        let spoken = understand_speech(recognizer, samples, options, context, world, None).unwrap();
        times.push(start.elapsed());
        accepted_clean += usize::from(same_meaning(spoken.understanding.as_ref(), meaning));
    }
    let accepted_noisy = noisy
        .iter()
        .zip(meanings)
        .filter(|(samples, meaning)| {
            let spoken =
                understand_speech(recognizer, samples, options, context, world, None).unwrap();
            same_meaning(spoken.understanding.as_ref(), meaning)
        })
        .count();
    let false_accepts = out_of_scope
        .iter()
        .filter(|samples| {
            understand_speech(recognizer, samples, options, context, world, None)
                .unwrap()
                .understanding
                .is_some()
        })
        .count();
    let summary = summarize(times);
    Run {
        median: summary.median,
        p95: summary.p95,
        clean: accepted_clean,
        noisy: accepted_noisy,
        false_accepts,
    }
}

/// The peer's weights and CTranslate2 compute type for one of our models: the same export,
/// at the precision nearest ours (8-bit weights against its `int8`, f16 against `float32`, the
/// fastest exact type on a CPU without f16 arithmetic).
fn peer_of(model: &str) -> (&'static str, &'static str) {
    // The peer's exports (scripts/bench-peer.sh) come from the same wheels as ours.
    let export = if model.starts_with("tiny.en") {
        "tiny.en"
    } else {
        "base"
    };
    let compute = match tingshuo_models::catalogue::find(model).map(|spec| spec.weights) {
        Some(tingshuo_models::Weights::Q8_0) => "int8",
        _ => "float32",
    };
    (export, compute)
}

/// faster-whisper's median and p95 (ms) and its process's peak memory (MB) on the clips, or
/// why it could not run; `compute` is its CTranslate2 compute type (`float32`, `int8`).
fn peer(
    model: &str,
    compute: &str,
    language: &str,
    prompt: &str,
    clips: &[PathBuf],
) -> Result<(f64, f64, f64), String> {
    let root = root();
    let setup = Command::new(root.join("scripts/bench-peer.sh"))
        .status()
        .map_err(|e| e.to_string())?;
    if !setup.success() {
        return Err("scripts/bench-peer.sh failed (PyPI unreachable?)".into());
    }
    let output = Command::new(root.join("target/bench-peer/venv/bin/python"))
        .arg(root.join("scripts/bench-peer.py"))
        .arg(root.join("target/bench-peer/models").join(model))
        .arg(compute)
        .arg(language)
        .arg(prompt)
        .args(clips)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    Ok((
        json["median_ms"].as_f64().unwrap_or(f64::NAN),
        json["p95_ms"].as_f64().unwrap_or(f64::NAN),
        json["peak_rss_mb"].as_f64().unwrap_or(f64::NAN),
    ))
}

fn main() {
    if let (Ok(model), Ok(clip)) = (std::env::var(PEAK_MODEL), std::env::var(PEAK_CLIP)) {
        let locale = std::env::var(PEAK_LOCALE)
            .ok()
            .and_then(|tag| Locale::parse(&tag).ok())
            .unwrap_or(Locale::EnUs);
        recognize_once_and_report_peak(&model, &clip, locale);
        return;
    }
    let langs = std::env::var("TINGSHUO_BENCH_LANGS").unwrap_or_else(|_| "en,zh".into());
    let wants = |lang: &str| langs.split(',').any(|l| l.trim() == lang);
    if wants("en") {
        english();
    }
    if wants("zh") {
        mandarin();
    }
}

/// The English part: every model and configuration on the round-trip set, and the peer.
fn english() {
    let (context, world) = english_setup();
    let commands = round_trip_commands(&context, &world);
    let renderer = Renderer::new();
    let meanings: Vec<&Understanding> = commands.iter().map(|(_, m)| m).collect();
    let speak = |condition| -> Vec<Vec<f32>> {
        commands
            .iter()
            .enumerate()
            .map(|(i, (text, _))| {
                speak_command(&renderer, text, &round_trip_voice(i), condition, i as u64)
            })
            .collect()
    };
    let clean = speak(Condition::Clean);
    let noisy = speak(Condition::Noise { snr_db: 10.0 });
    let out_of_scope: Vec<Vec<f32>> = round_trip_out_of_scope(&context, &world)
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let voice = round_trip_voice(i);
            speak_command(&renderer, text, &voice, Condition::Clean, 1_000 + i as u64)
        })
        .collect();
    let seconds: f64 =
        clean.iter().map(|c| c.len() as f64 / 16_000.0).sum::<f64>() / clean.len() as f64;

    // The same clean clips for the peer, as 16 kHz 16-bit WAV files.
    let clip_dir = root().join("target/bench-peer/clips");
    std::fs::create_dir_all(&clip_dir).unwrap();
    let clip_files: Vec<PathBuf> = clean
        .iter()
        .enumerate()
        .map(|(i, samples)| write_clip(samples, &clip_dir.join(format!("{i:03}.wav"))))
        .collect();

    println!(
        "{} round-trip commands, {seconds:.1} s of audio on average (speech with 0.5 s of quiet each side); {THREADS} threads",
        commands.len()
    );
    println!(
        "| model | audio_ctx | median ms | p95 ms | accepted clean | accepted 10 dB | out of scope accepted | peak RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // TINGSHUO_BENCH_MODELS=tiny.en measures one model only (a quicker run while working).
    let wanted =
        std::env::var("TINGSHUO_BENCH_MODELS").unwrap_or_else(|_| "tiny.en,base,base-q8_0".into());
    for model in ["tiny.en", "base", "base-q8_0"] {
        if !wanted.split(',').any(|w| w.trim() == model) {
            continue;
        }
        reset_peak_rss();
        let recognizer = match installed_model(model) {
            Ok(r) => r,
            Err(reason) => {
                println!("| {model} | skipped: {reason} | | | | | | |");
                continue;
            }
        };
        let mut options = options_for(&context, &world);
        options.threads = Some(THREADS);
        let mut fitted_median = None;
        let mut peer_median: Option<f64> = None;
        let prompt = options.prompt.clone();
        let grammar = options.grammar.clone();
        // The customer's names alone: what the names half of the prompt costs and buys.
        let names_only = bias_prompt(None, &customer_names(&world), world.locale);
        let no_prompt = String::new();
        // (row, window, prompt, beams of the grammar-guided search; None: free decoding)
        let guided = Some(DEFAULT_GUIDED_BEAMS);
        for (name, audio_context, row_prompt, beams) in [
            ("1500 (full)", AudioContext::Full, &prompt, guided),
            (
                "1500 (full), free decoding",
                AudioContext::Full,
                &prompt,
                None,
            ),
            ("768", AudioContext::Frames(768), &prompt, guided),
            ("fit (≥256)", AudioContext::FitToSpeech, &prompt, guided),
            (
                "fit (≥256), free decoding",
                AudioContext::FitToSpeech,
                &prompt,
                None,
            ),
            (
                "fit (≥256), 2 beams",
                AudioContext::FitToSpeech,
                &prompt,
                Some(2),
            ),
            (
                "fit (≥256), 4 beams",
                AudioContext::FitToSpeech,
                &prompt,
                Some(4),
            ),
            (
                "fit (≥256), names only",
                AudioContext::FitToSpeech,
                &names_only,
                guided,
            ),
            (
                "fit (≥256), no prompt",
                AudioContext::FitToSpeech,
                &no_prompt,
                guided,
            ),
        ] {
            let default = row_prompt == &prompt && beams == guided;
            options.audio_context = audio_context;
            options.prompt = row_prompt.clone();
            options.grammar = beams.and(grammar.clone());
            options.beams = beams.unwrap_or(DEFAULT_GUIDED_BEAMS);
            let run = measure(
                &recognizer,
                &options,
                &context,
                &world,
                &meanings,
                &clean,
                &noisy,
                &out_of_scope,
            );
            let n = commands.len() as f64;
            // The model is loaded and the clips are in memory: the peak covers both.
            println!(
                "| {model} | {name} | {:.0} | {:.0} | {:.1}% | {:.1}% | {} of {} | {:.0} |",
                run.median.as_secs_f64() * 1000.0,
                run.p95.as_secs_f64() * 1000.0,
                run.clean as f64 / n * 100.0,
                run.noisy as f64 / n * 100.0,
                run.false_accepts,
                out_of_scope.len(),
                peak_rss_mb().unwrap_or(f64::NAN)
            );
            reset_peak_rss();
            if audio_context == AudioContext::FitToSpeech && default {
                fitted_median = Some(run.median);
            }
            // The peer decodes freely (greedy): it is set against our free decoding.
            if audio_context == AudioContext::Full && beams.is_none() {
                let (export, compute) = peer_of(model);
                match peer(export, compute, "en", &options.prompt, &clip_files) {
                    Ok((median, p95, peak)) => {
                        peer_median = Some(median);
                        println!(
                            "| {model} | faster-whisper 1.2.1 (peer: 30 s window, same weights, {compute}, same prompt, greedy) | {median:.0} | {p95:.0} | ours free at 1500 / peer: {:.2}x | | | {peak:.0} (its process, all clips) |",
                            run.median.as_secs_f64() * 1000.0 / median
                        );
                    }
                    Err(reason) => println!("| {model} | peer unavailable: {reason} | | | | | | |"),
                }
            }
        }
        match peak_of_one_recognition(model, &clip_files[0], Locale::EnUs) {
            Ok(peak) => println!(
                "| {model} | one command in a fresh process (fit, prompt, grammar): peak memory | | | | | | {peak:.0} |"
            ),
            Err(reason) => {
                println!("| {model} | fresh-process peak unavailable: {reason} | | | | | | |")
            }
        }
        let fitted_ms = fitted_median.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
        println!(
            "| {model} | ours fit (guided) / peer | | | {:.2}x | | | |",
            peer_median.map_or(f64::NAN, |peer| fitted_ms / peer)
        );
    }
}

/// The Mandarin part: every command of the spoken Mandarin set (both halves; latency needs no
/// held-out half, and acceptance is reported by the listen test), in the round trip's voices,
/// clean, through `base` on 2 threads with the zh-CN grammar. A command heard at once costs
/// one search; a miss costs up to ten, so the three are reported apart.
fn mandarin() {
    let voice = match tingshuo_desktop::neural_voice::NeuralMandarin::set_up(root()) {
        Ok(voice) => voice,
        Err(reason) => {
            println!("Mandarin: skipped, the neural test voice is unavailable: {reason}");
            return;
        }
    };
    let recognizer = match installed_model(PRODUCT) {
        Ok(recognizer) => recognizer,
        Err(reason) => {
            println!("Mandarin: skipped: {reason}");
            return;
        }
    };
    let (context, world) = banking_setup(Locale::ZhCn);
    let mut clips = Vec::new();
    for held_out in [false, true] {
        // Each command keeps its place in the set: its voice is the round trip's.
        let rows: Vec<(usize, Labelled)> = spoken_mandarin(held_out)
            .into_iter()
            .enumerate()
            .filter(|(_, row)| row.intent.is_some())
            .collect();
        let speech = render_mandarin(&voice, &rows).unwrap();
        for ((place, row), pcm) in rows.into_iter().zip(&speech) {
            clips.push((row, heard_under(pcm, Condition::Clean, place as u64)));
        }
    }
    let seconds = clips
        .iter()
        .map(|(_, c)| c.len() as f64 / 16_000.0)
        .sum::<f64>()
        / clips.len() as f64;
    reset_peak_rss();
    let mut options = options_for(&context, &world);
    options.threads = Some(THREADS);
    understand_speech(&recognizer, &clips[0].1, &options, &context, &world, None).unwrap();
    let (mut all, mut hits, mut misses) = (Vec::new(), Vec::new(), Vec::new());
    for (row, samples) in &clips {
        let start = Instant::now();
        let spoken =
            understand_speech(&recognizer, samples, &options, &context, &world, None).unwrap();
        let took = start.elapsed();
        all.push(took);
        if row.is_met_by(spoken.understanding.as_ref()) {
            hits.push(took);
        } else {
            misses.push(took);
        }
    }
    let peak = peak_rss_mb().unwrap_or(f64::NAN);
    println!(
        "Mandarin: {} commands of the spoken set, {seconds:.1} s of audio on average (speech with 0.5 s of quiet each side), clean; {PRODUCT}, {THREADS} threads",
        clips.len()
    );
    println!("| {PRODUCT}, zh-CN grammar | clips | median ms | p95 ms | peak RSS MB |");
    println!("|---|---|---|---|---|");
    for (name, times) in [
        ("every command", all),
        ("understood as labelled", hits),
        ("not understood as labelled", misses),
    ] {
        let count = times.len();
        let summary = summarize(times);
        println!(
            "| {name} | {count} | {:.0} | {:.0} | {peak:.0} |",
            summary.median.as_secs_f64() * 1000.0,
            summary.p95.as_secs_f64() * 1000.0,
        );
    }
    // Free decoding (one greedy search, no grammar): what the peer is set against.
    let free = Options {
        grammar: None,
        ..options.clone()
    };
    let free_times: Vec<Duration> = clips
        .iter()
        .map(|(_, samples)| {
            let start = Instant::now();
            understand_speech(&recognizer, samples, &free, &context, &world, None).unwrap();
            start.elapsed()
        })
        .collect();
    let free_summary = summarize(free_times);
    println!(
        "| ours, free decoding (one greedy search, same prompt) | {} | {:.0} | {:.0} | |",
        clips.len(),
        free_summary.median.as_secs_f64() * 1000.0,
        free_summary.p95.as_secs_f64() * 1000.0,
    );
    let clip_dir = root().join("target/bench-peer/zh-clips");
    std::fs::create_dir_all(&clip_dir).unwrap();
    let clip_files: Vec<PathBuf> = clips
        .iter()
        .enumerate()
        .map(|(i, (_, samples))| write_clip(samples, &clip_dir.join(format!("{i:03}.wav"))))
        .collect();
    for compute in ["float32", "int8"] {
        match peer("base", compute, "zh", &options.prompt, &clip_files) {
            Ok((median, p95, peak)) => println!(
                "| faster-whisper 1.2.1 (peer: 30 s window, base, {compute}, same prompt, greedy) | {} | {median:.0} | {p95:.0} | {peak:.0} (its process, all clips) |",
                clip_files.len()
            ),
            Err(reason) => println!("| peer unavailable: {reason} | | | | |"),
        }
    }
    match peak_of_one_recognition(PRODUCT, &clip_files[0], Locale::ZhCn) {
        Ok(peak) => println!(
            "| one command in a fresh process (fit, prompt, grammar): peak memory | 1 | | | {peak:.0} |"
        ),
        Err(reason) => println!("| fresh-process peak unavailable: {reason} | | | | |"),
    }
}

/// Writes 16 kHz mono samples as a 16-bit WAV file for the peer; returns its path.
fn write_clip(samples: &[f32], path: &std::path::Path) -> PathBuf {
    Pcm {
        sample_rate: 16_000,
        samples: samples
            .iter()
            .map(|s| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect(),
    }
    .write_wav(path)
    .unwrap();
    path.to_path_buf()
}
