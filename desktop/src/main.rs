//! `tingshuo`: the desktop harness for accessibility testers and developers.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Utc};
use clap::{Parser, Subcommand};
use tingshuo_core::assistant::{AssistantOptions, Purpose};
use tingshuo_core::{CustomerZone, Form, Locale, Localizer};
use tingshuo_desktop::{
    CustomerPaths, HarnessError, default_data_dir, open_client, open_store, presentation, view_text,
};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, demo_bank, start_demo_bank};

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
        /// The customer's enrollment code, to register this device on first use (single use,
        /// expiring: `sandbox serve` prints fresh ones for the demo customers)
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
        /// Also render the speech form of each of the assistant's replies to a WAV file in
        /// this directory (NN-locale.wav, with espeak-ng)
        #[arg(long)]
        speech_out: Option<PathBuf>,
        /// Speak the English customer's turns with espeak-ng and recognize them with the
        /// installed speech model, instead of typing them
        #[arg(long)]
        listen: bool,
    },
    /// Speak a text through the speech engine, or render it to a WAV file with --out
    Say(tingshuo_desktop::say::SayArgs),
    /// A typed conversation with a demo customer's assistant against the reference bank (an
    /// empty line is silence; end with Ctrl-D)
    Chat {
        /// zh-CN or en-US
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        /// Talk to this bank [default: start the reference bank in-process]
        #[arg(long)]
        bank: Option<String>,
        /// With --bank: the customer's enrollment code, to register this device on first use
        #[arg(long)]
        enrollment_code: Option<String>,
        /// Also print the speech form of each reply
        #[arg(long)]
        speech: bool,
        /// Print one JSON object per turn (input, transcript, intent, slots, state, events,
        /// message ids, latency) instead of plain lines
        #[arg(long)]
        json: bool,
        /// Render every reply to a WAV file in this directory (espeak-ng), with manifest.json
        #[arg(long)]
        speech_out: Option<PathBuf>,
        /// The bank's own intents for this locale (context YAML, Rhino's format): understood
        /// beside the product's, and printed as the requests the bank's app would carry out
        #[arg(long)]
        bank_intents: Option<PathBuf>,
    },
    /// Scenarios a tester writes, run against the reference bank with the accessibility
    /// checks; writes log.json, replies/, report.json and report.html
    Scenario {
        #[command(subcommand)]
        command: tingshuo_desktop::scenario::ScenarioCommand,
    },
    /// The reference bank
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// The page to test with: a conversation in the browser on loopback
    Harness {
        #[command(subcommand)]
        command: HarnessCommand,
    },
    /// Understand one utterance against a context (Rhino-format YAML) and print the result
    Intent {
        /// The context file, e.g. locales/zh-CN/banking.yaml
        #[arg(long)]
        context: PathBuf,
        /// The utterance as text
        #[arg(long, required_unless_present_any = ["audio", "mic"], conflicts_with_all = ["audio", "mic"])]
        text: Option<String>,
        /// The utterance as speech: WAV files or folders of them (repeatable); prints one
        /// JSON object per file, with its "file" and "transcript"
        #[arg(long, conflicts_with = "mic")]
        audio: Vec<PathBuf>,
        /// Push each --audio file to the streaming listener in 20 ms chunks, as a microphone
        /// delivers it: one JSON line per event ("speech_started", "partial", "final")
        #[arg(long, requires = "audio")]
        stream: bool,
        /// Listen to the default microphone until the speaker stops, printing the events as
        /// --stream does (a machine without one says so)
        #[arg(long)]
        mic: bool,
        /// With --stream or --mic: what has been heard so far, every this many milliseconds
        /// of speech
        #[arg(long)]
        partial_ms: Option<u64>,
        /// The speech model for --audio and --mic (tiny.en, base or base-q8_0)
        #[arg(long, default_value = tingshuo_desktop::listen::DEFAULT_MODEL)]
        model: String,
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
    /// Transcribe WAV files (or folders of them) with an installed speech model
    Transcribe {
        /// WAV files or folders
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// tiny.en, base or base-q8_0
        #[arg(long, default_value = tingshuo_desktop::listen::DEFAULT_MODEL)]
        model: String,
        /// zh-CN or en-US
        #[arg(long, default_value = "en-US")]
        locale: String,
        /// The encoder window: full, fit (to the speech) or a number of frames (50 a second)
        #[arg(long, default_value = "fit")]
        audio_ctx: String,
        /// Threads (at most the cores there are)
        #[arg(long)]
        threads: Option<usize>,
        /// One JSON object per file
        #[arg(long)]
        json: bool,
    },
    /// Train the English intent fallback model from CLINC150's training splits
    TrainIntents {
        /// CLINC150's train_val.json
        #[arg(long, default_value = "../shared/data/text/clinc150/train_val.json")]
        clinc: PathBuf,
        /// NLU++'s banking folds (their banking texts that are none of Tingshuo's intents)
        #[arg(long, default_value = "../shared/data/text/nlupp-banking/data/banking")]
        nlupp: PathBuf,
        /// Where to write the model
        #[arg(long, default_value = "locales/en-US/intent-model.tsv")]
        out: PathBuf,
    },
    /// Log a customer out: delete the local store and its keys
    Logout {
        #[arg(long)]
        customer: String,
    },
    /// Speech models: install, list, path
    Models {
        #[command(subcommand)]
        command: tingshuo_desktop::models::ModelsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HarnessCommand {
    /// Serve the page on 127.0.0.1 until Ctrl-C: type, upload a WAV or speak to the demo
    /// customer's assistant over the reference bank in-process, with replies played, the event
    /// log beside and the bank's condition switchable
    Serve {
        /// 0 picks a free port (the first line printed gives the address)
        #[arg(long, default_value_t = 8090)]
        port: u16,
        /// zh-CN or en-US
        #[arg(long, default_value = "zh-CN")]
        locale: String,
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
            let code = enrollment_code;
            let zone = utc_offset.map_or_else(
                tingshuo_desktop::conditions::this_machines_zone,
                CustomerZone::from,
            );
            let paths = CustomerPaths::new(&data_dir, &customer_id)?;
            let form = if speech { Form::Speech } else { Form::Display };
            let at = presentation(locale, now, zone);
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
        Command::Demo {
            speech,
            speech_out,
            listen,
        } => {
            let mut speech_files = tingshuo_desktop::say::SpeechFiles::new(speech_out)?;
            let bank = start_demo_bank(BankConfig::default(), now)
                .await
                .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
            say!("Reference bank serving on {} (loopback)\n", bank.url());
            for customer in DemoCustomer::ALL {
                let paths = CustomerPaths::new(&data_dir, customer.id())?;
                // The demo bank is new each run: so are the demo customers' devices and stores.
                paths.wipe()?;
                let code = bank
                    .enrollment_code(customer.id())
                    .await
                    .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
                let (client, outcome) =
                    open_client(&paths, &bank.url(), customer.id(), Some(&code)).await?;
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
                let ear = if listen {
                    match tingshuo_desktop::listen::DemoEar::for_locale(customer.locale()) {
                        Ok(ear) => {
                            // As an app does before the first turn of speech: the consent
                            // screen, and her answer.
                            let wording = conversation
                                .decide_consent(Purpose::VoiceRecognition, true)
                                .await?;
                            say!(
                                "(consent screen) {}: {}\n(pressed) {}",
                                wording.title,
                                wording.body,
                                wording.agree
                            );
                            conversation.listen_with(ear.recognizer());
                            Some(ear)
                        }
                        Err(reason) => {
                            say!("(The turns are typed: {reason}.)");
                            None
                        }
                    }
                } else {
                    None
                };
                for line in tingshuo_desktop::chat::demo_script(customer.locale()) {
                    match &ear {
                        Some(ear) if !line.trim().is_empty() => {
                            // Rendered in memory: there is no file to name.
                            let input =
                                tingshuo_desktop::chat::TurnInput::Audio { wav: String::new() };
                            let records = conversation.spoken(ear.speak(line)?, input).await?;
                            let heard = records
                                .first()
                                .and_then(|record| record.heard.as_deref())
                                .unwrap_or_default();
                            say!(
                                "(spoken by {}) {line}\n(recognized) {heard}",
                                ear.voice_name()
                            );
                            conversation.print_plain(&records, &mut stdout)?;
                        }
                        _ => conversation.turn(line, &mut stdout).await?,
                    }
                }
                if let Some(note) =
                    speech_files.write(customer.locale(), &conversation.take_spoken())
                {
                    say!("{note}");
                }
                say!();
                // The store is whole on disk before the next customer (and before the process
                // ends): its last writes are not left in the write-ahead log.
                drop(conversation);
                client.close().await;
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
            enrollment_code,
            speech,
            json,
            speech_out,
            bank_intents,
        } => {
            let locale = Locale::parse(&locale)?;
            let customer = DemoCustomer::for_locale(locale);
            let bank_intents = bank_intents
                .map(|path| {
                    std::fs::read_to_string(&path).map_err(|e| {
                        HarnessError::Usage(format!("--bank-intents {}: {e}", path.display()))
                    })
                })
                .transpose()?;
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
            let paths = CustomerPaths::new(&data_dir, customer.id())?;
            let code = match &local_bank {
                Some(local) => {
                    // A new in-process bank knows no devices: start this customer afresh.
                    paths.wipe()?;
                    Some(
                        local
                            .enrollment_code(customer.id())
                            .await
                            .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?,
                    )
                }
                None => enrollment_code,
            };
            let (client, _) = open_client(&paths, &url, customer.id(), code.as_deref()).await?;
            let mut options = AssistantOptions::at(customer.home_offset());
            if let Some(yaml) = bank_intents {
                options = options.with_bank_intents(yaml);
            }
            let mut conversation =
                tingshuo_desktop::chat::Conversation::open(&client, &l10n, locale, options, speech)
                    .await?;
            let mut stdout = std::io::stdout();
            let output = if json {
                tingshuo_desktop::chat::ChatOutput::Json
            } else {
                tingshuo_desktop::chat::ChatOutput::Plain { speech }
            };
            let mut wavs = speech_out
                .as_deref()
                .map(tingshuo_desktop::chat::ReplyWavs::new)
                .transpose()?;
            let mut turns = 0;
            let mut line = String::new();
            loop {
                line.clear();
                let read = std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| HarnessError::Usage(format!("input: {e}")))?;
                if read == 0 {
                    break;
                }
                let records = conversation.line(&line).await?;
                conversation.print(&records, output, &mut stdout)?;
                for record in &records {
                    turns += 1;
                    if let Some(wavs) = wavs.as_mut() {
                        wavs.write("chat", turns, locale, record)?;
                    }
                }
            }
            if let Some(wavs) = wavs {
                wavs.finish()?;
            }
            drop(conversation);
            client.close().await;
            if let Some(bank) = local_bank {
                bank.shutdown().await;
            }
        }
        Command::Harness {
            command: HarnessCommand::Serve { port, locale },
        } => {
            tingshuo_desktop::harness::serve(tingshuo_desktop::harness::ServeOptions {
                port,
                locale: Locale::parse(&locale)?,
                data_dir,
                now,
            })
            .await?;
        }
        Command::Sandbox {
            command: SandboxCommand::Serve { port, database },
        } => {
            let bank = demo_bank(
                BankConfig {
                    database,
                    ..BankConfig::default()
                },
                now,
            )
            .await
            .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
            let running = bank
                .serve(SocketAddr::from(([127, 0, 0, 1], port)))
                .await
                .map_err(|e| HarnessError::Usage(format!("cannot serve on port {port}: {e}")))?;
            // The server outlives whoever reads its first lines: a closed stdout must not stop it.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "Reference bank serving on {}", running.url());
            // Fresh codes, each for one device, valid for the bank's enrollment_code_ttl.
            let minutes = BankConfig::default().enrollment_code_ttl.as_secs() / 60;
            for customer in DemoCustomer::ALL {
                let code = running
                    .enrollment_code(customer.id())
                    .await
                    .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?;
                let _ = writeln!(
                    out,
                    "  {} enrollment code {code} (one device, {minutes} minutes)",
                    customer.id(),
                );
            }
            let _ = writeln!(
                out,
                "Try: tingshuo view --locale zh-CN --bank {} --enrollment-code CODE",
                running.url()
            );
            let _ = out.flush();
            let _ = tokio::signal::ctrl_c().await;
            running.shutdown().await;
        }
        Command::Intent {
            context,
            text,
            audio,
            stream,
            mic,
            partial_ms,
            model,
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
            let world = tingshuo_core::understand::World::for_customer(
                &context,
                locale,
                today,
                &customer.snapshot(now),
            );
            let partial_every = partial_ms.map(std::time::Duration::from_millis);
            if mic {
                return tingshuo_desktop::listen::intent_from_microphone(
                    &model,
                    &context,
                    &world,
                    partial_every,
                    |line| say!("{line}"),
                );
            }
            if !audio.is_empty() {
                let delivery = if stream {
                    tingshuo_desktop::listen::Delivery::Streamed { partial_every }
                } else {
                    tingshuo_desktop::listen::Delivery::Whole
                };
                for line in tingshuo_desktop::listen::intents_from_audio(
                    &audio, &model, &context, &world, delivery,
                )? {
                    say!("{line}");
                }
                return Ok(());
            }
            let text = text.unwrap_or_default();
            let said = tingshuo_core::understand::Said::new(world.locale, &text);
            let result = match tingshuo_core::understand::understand(&context, &world, &said) {
                Some(understood) => understood.to_json(),
                None => tingshuo_core::understand::Understanding::rejected_json(),
            };
            say!("{result}");
        }
        Command::Scenario { command } => {
            let (lines, code) = tingshuo_desktop::scenario::command(command).await?;
            for line in lines {
                say!("{line}");
            }
            if code != tingshuo_desktop::scenario::EXIT_PASSED {
                let _ = std::io::stdout().flush();
                std::process::exit(i32::from(code));
            }
        }
        Command::Say(args) => {
            for line in tingshuo_desktop::say::run(&args)? {
                say!("{line}");
            }
        }
        Command::Transcribe {
            files,
            model,
            locale,
            audio_ctx,
            threads,
            json,
        } => {
            let locale = Locale::parse(&locale).map_err(|e| HarnessError::Usage(e.to_string()))?;
            let audio_context = tingshuo_desktop::listen::parse_audio_context(&audio_ctx)?;
            for line in tingshuo_desktop::listen::transcribe(
                &files,
                &model,
                locale,
                audio_context,
                threads,
                json,
            )? {
                say!("{line}");
            }
        }
        Command::TrainIntents { clinc, nlupp, out } => {
            let model = tingshuo_core::understand::classifier::train_from_files(&clinc, &nlupp)
                .map_err(|e| HarnessError::Usage(e.to_string()))?;
            std::fs::write(&out, model.to_tsv())
                .map_err(|e| HarnessError::Usage(format!("{}: {e}", out.display())))?;
            say!("Wrote {}", out.display());
        }
        Command::Logout { customer } => {
            let paths = CustomerPaths::new(&data_dir, &customer)?;
            paths.wipe()?;
            say!("Logged out {customer}: local data and keys deleted.");
        }
        Command::Models { command } => tingshuo_desktop::models::run(command).await?,
    }
    Ok(())
}
