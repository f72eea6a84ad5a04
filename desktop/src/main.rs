//! `tingshuo`: the desktop harness for accessibility testers and developers.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Local, Offset, Utc};
use clap::{Parser, Subcommand};
use tingshuo_core::{Form, Locale, Localizer};
use tingshuo_desktop::{
    CustomerPaths, HarnessError, default_data_dir, open_store, presentation, view_text,
};
use tingshuo_sandbox::seed::DemoCustomer;

#[derive(Debug, Parser)]
#[command(
    name = "tingshuo",
    version,
    about = "Tingshuo (听说): accessible voice banking harness"
)]
struct Cli {
    /// Where customer stores and keys live [default: $XDG_DATA_HOME/tingshuo]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Pretend the time is this (RFC 3339), for reproducible runs
    #[arg(long, global = true, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the unified view of a customer from the local store, one plain line per fact
    View {
        /// zh-CN or en-US
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        /// Customer id [default: the demo customer of the locale]
        #[arg(long)]
        customer: Option<String>,
        /// Print the speech form (amounts and card endings in words) instead of the display form
        #[arg(long)]
        speech: bool,
        /// The customer's UTC offset, e.g. +08:00 [default: this machine's]
        #[arg(long, value_parser = parse_offset, allow_hyphen_values = true)]
        utc_offset: Option<FixedOffset>,
    },
    /// Seed both demo customers into their stores and print their views
    Demo {
        /// Also print the speech form of each line
        #[arg(long)]
        speech: bool,
    },
    /// Log a customer out: delete the local store and its key
    Logout {
        #[arg(long)]
        customer: String,
    },
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("expected RFC 3339 time such as 2026-11-27T09:00:00+08:00: {e}"))
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    text.parse::<FixedOffset>()
        .map_err(|e| format!("expected an offset such as +08:00: {e}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TINGSHUO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tingshuo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), HarnessError> {
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    let now = cli.now.unwrap_or_else(Utc::now);
    let l10n = Localizer::new()?;
    match cli.command {
        Command::View {
            locale,
            customer,
            speech,
            utc_offset,
        } => {
            let locale = Locale::parse(&locale)?;
            let customer_id =
                customer.unwrap_or_else(|| DemoCustomer::for_locale(locale).id().to_owned());
            let offset = utc_offset.unwrap_or_else(|| Local::now().offset().fix());
            let paths = CustomerPaths::new(&data_dir, &customer_id);
            let (store, outcome) = open_store(&paths).await?;
            let form = if speech { Form::Speech } else { Form::Display };
            let lines = view_text(
                &store,
                &outcome,
                &l10n,
                &presentation(locale, now, offset),
                form,
            )
            .await;
            store.close().await;
            for line in lines? {
                println!("{line}");
            }
        }
        Command::Demo { speech } => {
            for customer in DemoCustomer::ALL {
                let paths = CustomerPaths::new(&data_dir, customer.id());
                let (store, outcome) = open_store(&paths).await?;
                store.save_snapshot(&customer.snapshot(now)).await?;
                let at = presentation(customer.locale(), now, customer.home_offset());
                let display = view_text(&store, &outcome, &l10n, &at, Form::Display).await;
                let spoken = view_text(&store, &outcome, &l10n, &at, Form::Speech).await;
                store.close().await;
                println!("== {} ({}) ==", customer.id(), customer.locale());
                for (shown, said) in display?.iter().zip(spoken?) {
                    println!("{shown}");
                    if speech {
                        println!("  (spoken) {said}");
                    }
                }
                println!();
            }
            println!(
                "Stores are in {dir}. Try: tingshuo --data-dir {dir} view --locale en-US --speech",
                dir = data_dir.display()
            );
        }
        Command::Logout { customer } => {
            let paths = CustomerPaths::new(&data_dir, &customer);
            tingshuo_core::store::wipe_files(&paths.database, &paths.key_store())?;
            println!("Logged out {customer}: local data and key deleted.");
        }
    }
    Ok(())
}
