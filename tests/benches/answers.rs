//! Spoken answers to the assistant's questions (`tests/corpus/answers/`): every row of both
//! languages given, at its question, to the assistant session as a turn of speech — clean and
//! with pink noise at 20 and 10 dB SNR — with the product's model; each half reported on its own
//! (answers heard as meant, and the spoken turn's median and p95 time: recognition,
//! understanding and the dialogue, on 2 threads). The tuning half's misses are printed.
//!
//! `cargo bench -p tingshuo-tests --bench answers` (after `make models`; Mandarin needs the
//! neural test voice, which `make test` sets up). `TINGSHUO_BENCH_LANGS=zh` or `en` runs one
//! language. Results go in `docs/benchmarks.md`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;

use tingshuo_core::Locale;
use tingshuo_tests::answers::{AnswerVoice, hear_half};
use tingshuo_tests::bench::{ms, summarize};
use tingshuo_tests::speech::{Condition, installed_model};

fn main() {
    let model = match installed_model(tingshuo_desktop::listen::DEFAULT_MODEL) {
        Ok(model) => Arc::new(model),
        Err(reason) => {
            println!("answers: skipped: {reason}");
            return;
        }
    };
    let langs = std::env::var("TINGSHUO_BENCH_LANGS").unwrap_or_else(|_| "zh,en".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "Spoken answers at the assistant's questions, {} (product model), each row in a fresh session",
        tingshuo_desktop::listen::DEFAULT_MODEL
    );
    println!("| language | half | condition | heard as meant | turn median ms | turn p95 ms |");
    println!("|---|---|---|---|---|---|");
    for locale in [Locale::ZhCn, Locale::EnUs] {
        if !langs.contains(&locale.tag()[..2]) {
            continue;
        }
        let voice = match AnswerVoice::for_locale(locale) {
            Ok(voice) => voice,
            Err(reason) => {
                println!("{}: skipped: {reason}", locale.tag());
                continue;
            }
        };
        for held_out in [false, true] {
            for condition in Condition::ALL {
                let half = runtime.block_on(hear_half(
                    &model,
                    &voice,
                    locale,
                    held_out,
                    condition,
                    |_| true,
                ));
                let summary = summarize(half.turns);
                println!(
                    "| {} | {} | {} | {}/{} | {} | {} |",
                    locale.tag(),
                    if held_out { "held-out" } else { "tuning" },
                    condition.name(),
                    half.met,
                    half.rows,
                    ms(summary.median),
                    ms(summary.p95)
                );
            }
        }
    }
}
