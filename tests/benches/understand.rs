//! Understanding alone: the time `understand` takes per utterance of the team corpora, the
//! share of speech → intent latency that is not recognition. Out-of-scope rows are timed
//! apart: they go through every fallback (asides set apart, the statistical model) before
//! they are rejected. Run with `cargo bench -p tingshuo-tests --bench understand`; results go
//! in `docs/benchmarks.md`.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::time::{Duration, Instant};

use tingshuo_core::Locale;
use tingshuo_core::understand::{Said, understand};
use tingshuo_tests::bench::{ms, summarize};
use tingshuo_tests::speech::{banking_setup, root};

const ROUNDS: usize = 3;

fn main() {
    println!("| locale | rows | median ms | p95 ms | slowest ms |");
    println!("|---|---|---|---|---|");
    for locale in [Locale::ZhCn, Locale::EnUs] {
        let (context, world) = banking_setup(locale);
        let corpus =
            std::fs::read_to_string(root().join(format!("tests/corpus/{locale}.jsonl"))).unwrap();
        let rows: Vec<(String, bool)> = corpus
            .lines()
            .map(|line| {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    row["text"].as_str().unwrap().to_owned(),
                    row["intent"].is_string(),
                )
            })
            .collect();
        // Warm up: the built-in statistical model loads on first use.
        let _ = understand(&context, &world, &Said::new(locale, &rows[0].0));
        for (name, in_scope) in [("in scope", true), ("out of scope", false)] {
            let mut times: Vec<Duration> = Vec::new();
            for _ in 0..ROUNDS {
                for (text, _) in rows.iter().filter(|(_, scope)| *scope == in_scope) {
                    let start = Instant::now();
                    // Taking the words in (normalizing, tokenizing) is part of understanding.
                    std::hint::black_box(understand(&context, &world, &Said::new(locale, text)));
                    times.push(start.elapsed());
                }
            }
            let count = times.len() / ROUNDS;
            let slowest = times.iter().max().copied().unwrap_or_default();
            let summary = summarize(times);
            println!(
                "| {locale}, {name} | {count} | {} | {} | {} |",
                ms(summary.median),
                ms(summary.p95),
                ms(slowest)
            );
        }
    }
}
