//! `tingshuo`: the desktop harness for accessibility testers and developers.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Local, Offset, Utc};
use clap::{Parser, Subcommand};
use tingshuo_core::{Form, Locale, Localizer};
use tingshuo_desktop::{
    CustomerPaths, HarnessError, default_data_dir, open_client, open_store, presentation, view_text,
};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{Bank, BankConfig, start_demo_bank};

/// Prints a line; when the reader has gone (`tingshuo view | head`), stops quietly instead of
/// panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    };
}

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
    /// Print the unified view of a customer, one plain line per fact
    View {
        /// zh-CN or en-US
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        /// Customer id [default: the demo customer of the locale]
        #[arg(long)]
        customer: Option<String>,
        /// Sync with this bank first (e.g. http://127.0.0.1:8080); without it, the local store
        #[arg(long)]
        bank: Option<String>,
        /// The customer's enrollment code, to register this device on first use
        /// [default for demo customers: their demo code]
        #[arg(long)]
        enrollment_code: Option<String>,
        /// Print the speech form (amounts and card endings in words) instead of the display form
        #[arg(long)]
        speech: bool,
        /// The customer's UTC offset, e.g. +08:00 [default: this machine's]
        #[arg(long, value_parser = parse_offset, allow_hyphen_values = true)]
        utc_offset: Option<FixedOffset>,
    },
    /// Start the reference bank in-process, register this device for both demo customers,
    /// sync them and print their views
    Demo {
        /// Also print the speech form of each line
        #[arg(long)]
        speech: bool,
    },
    /// A typed conversation with a demo customer's assistant against the reference bank (an
    /// empty line is silence; end with Ctrl-D)
    Chat {
        /// zh-CN or en-US
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        /// Talk to this bank [default: start the reference bank in-process]
        #[arg(long)]
        bank: Option<String>,
        /// Also print the speech form of each reply
        #[arg(long)]
        speech: bool,
    },
    /// The reference bank
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Understand one utterance against a context (Rhino-format YAML) and print the result
    Intent {
        /// The context file, e.g. locales/zh-CN/banking.yaml
        #[arg(long)]
        context: PathBuf,
        /// The utterance
        #[arg(long)]
        text: String,
        /// demo-zh or demo-en [default: the demo customer of the context's language]
        #[arg(long)]
        customer: Option<String>,
        /// The day the utterance is spoken (for "last week") [default: today]
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// Print JSON (the only output form for now)
        #[arg(long)]
        json: bool,
    },
    /// Log a customer out: delete the local store and its keys
    Logout {
        #[arg(long)]
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Serve the reference bank with the demo customers on loopback until interrupted
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Keep the bank's data in this SQLite file [default: a temporary one]
        #[arg(long)]
        database: Option<PathBuf>,
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
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
            bank,
            enrollment_code,
            speech,
            utc_offset,
        } => {
            let locale = Locale::parse(&locale)?;
            let customer_id =
                customer.unwrap_or_else(|| DemoCustomer::for_locale(locale).id().to_owned());
            let code = enrollment_code.or_else(|| {
                DemoCustomer::parse(&customer_id).map(|c| c.enrollment_code().to_owned())
            });
            let offset = utc_offset.unwrap_or_else(|| Local::now().offset().fix());
            let paths = CustomerPaths::new(&data_dir, &customer_id);
            let form = if speech { Form::Speech } else { Form::Display };
            let at = presentation(locale, now, offset);
            let lines = match bank {
                Some(url) => {
                    let (client, outcome) =
                        open_client(&paths, &url, &customer_id, code.as_deref()).await?;
                    view_text(client.store(), &outcome, &l10n, &at, form).await?
                }
                None => {
                    let (store, outcome) = open_store(&paths).await?;
                    let lines = view_text(&store, &outcome, &l10n, &at, form).await;
                    store.close().await;
                    lines?
                }
            };
            for line in lines {
                say!("{line}");
            }
        }
        Command::Demo { speech } => {
            let bank = start_demo_bank(BankConfig::default(), now)
                .await
                .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
            say!("Reference bank serving on {} (loopback)\n", bank.url());
            for customer in DemoCustomer::ALL {
                let paths = CustomerPaths::new(&data_dir, customer.id());
                // The demo bank is new each run: so are the demo customers' devices and stores.
                paths.wipe()?;
                let (client, outcome) = open_client(
                    &paths,
                    &bank.url(),
                    customer.id(),
                    Some(customer.enrollment_code()),
                )
                .await?;
                let at = presentation(customer.locale(), now, customer.home_offset());
                let display =
                    view_text(client.store(), &outcome, &l10n, &at, Form::Display).await?;
                let spoken = view_text(client.store(), &outcome, &l10n, &at, Form::Speech).await?;
                say!("== {} ({}) ==", customer.id(), customer.locale());
                for (shown, said) in display.iter().zip(spoken) {
                    say!("{shown}");
                    if speech {
                        say!("  (spoken) {said}");
                    }
                }
                say!();
                let mut conversation = tingshuo_desktop::chat::Conversation::new(
                    &client,
                    &l10n,
                    customer.locale(),
                    customer.home_offset(),
                    speech,
                )
                .await?;
                let mut stdout = std::io::stdout();
                for line in tingshuo_desktop::chat::demo_script(customer.locale()) {
                    conversation.turn(line, &mut stdout).await?;
                }
                say!();
            }
            bank.shutdown().await;
            say!(
                "Stores are in {dir}. Offline, from the store: tingshuo --data-dir {dir} view --locale en-US --speech",
                dir = data_dir.display()
            );
        }
        Command::Chat {
            locale,
            bank,
            speech,
        } => {
            let locale = Locale::parse(&locale)?;
            let customer = DemoCustomer::for_locale(locale);
            let local_bank = match bank {
                Some(_) => None,
                None => Some(
                    start_demo_bank(BankConfig::default(), now)
                        .await
                        .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?,
                ),
            };
            let url =
                bank.unwrap_or_else(|| local_bank.as_ref().map(|b| b.url()).unwrap_or_default());
            let paths = CustomerPaths::new(&data_dir, customer.id());
            if local_bank.is_some() {
                // A new in-process bank knows no devices: start this customer afresh.
                paths.wipe()?;
            }
            let (client, _) = open_client(
                &paths,
                &url,
                customer.id(),
                Some(customer.enrollment_code()),
            )
            .await?;
            let mut conversation = tingshuo_desktop::chat::Conversation::new(
                &client,
                &l10n,
                locale,
                customer.home_offset(),
                speech,
            )
            .await?;
            let mut stdout = std::io::stdout();
            let mut line = String::new();
            loop {
                line.clear();
                let read = std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| HarnessError::Usage(format!("input: {e}")))?;
                if read == 0 {
                    break;
                }
                conversation.turn(&line, &mut stdout).await?;
            }
            if let Some(bank) = local_bank {
                bank.shutdown().await;
            }
        }
        Command::Sandbox {
            command: SandboxCommand::Serve { port, database },
        } => {
            let bank = Bank::new(BankConfig {
                database,
                ..BankConfig::default()
            })
            .await
            .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
            for customer in DemoCustomer::ALL {
                bank.db
                    .seed(&customer.snapshot(now), customer.enrollment_code())
                    .await
                    .map_err(|e| HarnessError::Usage(format!("seeding: {e}")))?;
            }
            let running = bank
                .serve(SocketAddr::from(([127, 0, 0, 1], port)))
                .await
                .map_err(|e| HarnessError::Usage(format!("cannot serve on port {port}: {e}")))?;
            // The server outlives whoever reads its first lines: a closed stdout must not stop it.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "Reference bank serving on {}", running.url());
            for customer in DemoCustomer::ALL {
                let _ = writeln!(
                    out,
                    "  {} enrollment code {}",
                    customer.id(),
                    customer.enrollment_code()
                );
            }
            let _ = writeln!(
                out,
                "Try: tingshuo view --locale zh-CN --bank {}",
                running.url()
            );
            let _ = out.flush();
            let _ = tokio::signal::ctrl_c().await;
            running.shutdown().await;
        }
        Command::Intent {
            context,
            text,
            customer,
            today,
            json: _,
        } => {
            let yaml = std::fs::read_to_string(&context).map_err(|e| {
                HarnessError::Usage(format!("cannot read {}: {e}", context.display()))
            })?;
            let context = tingshuo_core::understand::context::Context::from_yaml(&yaml)
                .map_err(|e| HarnessError::Usage(e.to_string()))?;
            let locale = context.guess_locale();
            let customer = match customer {
                Some(id) => DemoCustomer::parse(&id).ok_or_else(|| {
                    HarnessError::Usage(format!("unknown customer {id}; use demo-zh or demo-en"))
                })?,
                None => DemoCustomer::for_locale(locale),
            };
            let today =
                today.unwrap_or_else(|| now.with_timezone(&customer.home_offset()).date_naive());
            let world = tingshuo_core::understand::matcher::World::for_customer(
                &context,
                locale,
                today,
                &customer.snapshot(now),
            );
            let result =
                match tingshuo_core::understand::matcher::understand(&context, &world, &text) {
                    Some(understood) => understood.to_json(),
                    None => tingshuo_core::understand::matcher::Understanding::rejected_json(),
                };
            say!("{result}");
        }
        Command::Logout { customer } => {
            let paths = CustomerPaths::new(&data_dir, &customer);
            paths.wipe()?;
            say!("Logged out {customer}: local data and keys deleted.");
        }
    }
    Ok(())
}
