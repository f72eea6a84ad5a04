//! The reference bank for the bindings' JVM tests, as a process the tests drive: it prints
//! `url <base url>` when serving on loopback, then answers one line per command on stdin:
//!
//! * `code <customer>` → `code <enrollment code>`
//! * `payments <customer>` → `payments <count> <amount_minor,…>` (the bank's own records)
//! * `quit` (or end of input) → stops.
//!
//! Errors are answered as `error <reason>`. Only for tests: it is never linked into the
//! library.

use std::io::Write;

use tingshuo_sandbox::{BankConfig, start_demo_bank};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let bank = match start_demo_bank(BankConfig::default(), chrono::Utc::now()).await {
        Ok(bank) => bank,
        Err(error) => {
            eprintln!("tingshuo-testbank: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "url {}", bank.url());
    let _ = out.flush();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        let answer = match (words.next(), words.next()) {
            (Some("code"), Some(customer)) => match bank.enrollment_code(customer).await {
                Ok(code) => format!("code {code}"),
                Err(error) => format!("error {error}"),
            },
            (Some("payments"), Some(customer)) => {
                match bank
                    .bank
                    .db
                    .all::<serde_json::Value>(customer, "payment")
                    .await
                {
                    Ok(payments) => {
                        let amounts: Vec<String> = payments
                            .iter()
                            .map(|p| p["amount_minor"].as_i64().unwrap_or(0).to_string())
                            .collect();
                        format!("payments {} {}", payments.len(), amounts.join(","))
                    }
                    Err(error) => format!("error {error}"),
                }
            }
            (Some("quit"), _) => break,
            _ => "error unknown command".to_owned(),
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    bank.shutdown().await;
    std::process::ExitCode::SUCCESS
}
