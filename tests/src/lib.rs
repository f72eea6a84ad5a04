//! Shared helpers for the workspace integration tests.

pub mod answers;
pub mod module_graph;
pub mod real_speech;
pub mod speech;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, TimeZone, Utc};

/// Whether every test must run: in CI (`CI=true`, set by `.ci/run`) a missing model, data set
/// or program is a failure, since `make test` installs them; on a developer's machine the
/// test says why it skips.
pub fn all_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips a test, saying why; in CI fails it instead (see [`all_required`]).
#[allow(clippy::print_stdout)] // A skip says why.
pub fn skip(reason: &str) {
    assert!(!all_required(), "required in CI, but {reason}");
    println!("skipped: {reason}");
}

/// A fixed "now" so views and dates are reproducible.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 30, 0)
        .single()
        .expect("valid test time")
}

/// A fresh directory and a database path inside it.
pub fn temp_store_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("customer.db");
    (dir, path)
}

/// The database and every companion file SQLite may write beside it.
pub fn database_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
        .filter(|p| p.exists())
        .collect()
}

/// Every log line of the test process, captured at TRACE level from all threads.
#[derive(Debug, Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs (once per test binary) a global subscriber that records everything.
    pub fn install() -> LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let capture = LogCapture::default();
                let writer = capture.clone();
                tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::TRACE)
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .init();
                capture
            })
            .clone()
    }

    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The view as the customer would see it, one line per fact (display forms, UTC).
#[allow(clippy::unwrap_used)] // The product's own messages: a failure is the test's finding.
pub fn lines_of(view: &tingshuo_core::CustomerView, locale: tingshuo_core::Locale) -> String {
    let l10n = tingshuo_core::Localizer::new().unwrap();
    let at = tingshuo_core::l10n::present::Presentation {
        locale,
        now: Utc::now(),
        zone: chrono::FixedOffset::east_opt(0).unwrap().into(),
    };
    tingshuo_core::l10n::present::view_lines(&l10n, &at, view)
        .unwrap()
        .into_iter()
        .map(|u| u.display)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Helpers for the benchmarks in `benches/`.
pub mod bench {
    use std::time::Duration;

    /// Median, 95th percentile and minimum of a set of timings.
    #[derive(Debug, Clone, Copy)]
    pub struct Summary {
        pub median: Duration,
        pub p95: Duration,
        pub min: Duration,
    }

    pub fn summarize(mut samples: Vec<Duration>) -> Summary {
        samples.sort();
        if samples.is_empty() {
            return Summary {
                median: Duration::ZERO,
                p95: Duration::ZERO,
                min: Duration::ZERO,
            };
        }
        let last = samples.len() - 1;
        let at = |percent: usize| samples[(last * percent + 50) / 100];
        Summary {
            median: at(50),
            p95: at(95),
            min: samples[0],
        }
    }

    /// Opens the encrypted store and builds the unified view from cache, 10,000 transactions
    /// over 10 accounts, 60 rounds after 3 warm-up rounds; prints the table
    /// `docs/benchmarks.md` keeps, under the allocator's name.
    #[allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]
    pub fn view_from_cache(allocator: &str) {
        use chrono::{FixedOffset, TimeZone, Utc};
        use std::time::Instant;
        use tingshuo_core::l10n::present::{Presentation, view_lines};
        use tingshuo_core::{Locale, Localizer, MemoryKeyStore, Store};
        use tingshuo_sandbox::seed::large_customer;

        const ACCOUNTS: usize = 10;
        const TRANSACTIONS: usize = 10_000;
        const ROUNDS: usize = 60;
        let now = || Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.db");
        let keys = MemoryKeyStore::new().unwrap();
        let snapshot = large_customer("bench", ACCOUNTS, TRANSACTIONS, now());
        let l10n = Localizer::new().unwrap();
        let presentation = Presentation {
            locale: Locale::ZhCn,
            now: now(),
            zone: FixedOffset::east_opt(8 * 3600).unwrap().into(),
        };
        let today = now().date_naive();

        let seed_started = Instant::now();
        runtime.block_on(async {
            let store = Store::open(&path, &keys).await.unwrap();
            store.save_snapshot(&snapshot).await.unwrap();
            store.close().await;
        });
        let seed_time = seed_started.elapsed();
        let file_size = std::fs::metadata(&path).unwrap().len();

        let mut open_and_view = Vec::new();
        let mut open_only = Vec::new();
        let mut render = Vec::new();
        let mut verify = Vec::new();
        for round in 0..ROUNDS + 3 {
            let (open, total, rendered, verified) = runtime.block_on(async {
                let started = Instant::now();
                let store = Store::open(&path, &keys).await.unwrap();
                let opened = started.elapsed();
                let view = store.load_view(today).await.unwrap();
                let total = started.elapsed();
                let render_started = Instant::now();
                let lines = view_lines(&l10n, &presentation, &view).unwrap();
                assert!(lines.len() > 10);
                let rendered = render_started.elapsed();
                let verify_started = Instant::now();
                store.verify().await.unwrap();
                let verified = verify_started.elapsed();
                store.close().await;
                (opened, total, rendered, verified)
            });
            if round >= 3 {
                // The first rounds warm the page cache and allocator; they are not kept.
                open_only.push(open);
                open_and_view.push(total);
                render.push(rendered);
                verify.push(verified);
            }
        }

        println!(
            "store: {TRANSACTIONS} transactions over {ACCOUNTS} accounts, {} KiB on disk; seeding took {} ms",
            file_size / 1024,
            ms(seed_time)
        );
        println!("{ROUNDS} rounds after 3 warm-up rounds, current-thread runtime\n");
        println!("| step | median ms | p95 ms | min ms |");
        println!("|---|---|---|---|");
        for (name, samples) in [
            ("open store (connect, schema check, unwrap key)", open_only),
            (
                "open store + build unified view (target ≤ 20 ms)",
                open_and_view,
            ),
            ("render view lines, display + speech (zh-CN)", render),
            (
                "full verification: quick_check + open every sealed value",
                verify,
            ),
        ] {
            let s = summarize(samples);
            println!(
                "| {name} | {} | {} | {} |",
                ms(s.median),
                ms(s.p95),
                ms(s.min)
            );
        }

        println!("(allocator: {allocator})");
    }

    /// Milliseconds with two decimals.
    pub fn ms(duration: Duration) -> String {
        let micros = duration.as_micros();
        format!("{}.{:02}", micros / 1000, (micros % 1000) / 10)
    }
}

/// What cargo prints for these arguments, run in the workspace (cargo metadata, cargo tree);
/// a failure panics with cargo's own message.
pub fn cargo_output(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

/// A client of the reference bank at `url`, registered for `customer` with `code` (one the
/// bank issued: `RunningBank::enrollment_code`) and synced once, with its store in a directory
/// of its own (kept as long as the value).
pub async fn registered_client(
    url: &str,
    customer: tingshuo_sandbox::seed::DemoCustomer,
    code: String,
) -> (tingshuo_core::Client, tempfile::TempDir) {
    let (signer, _) = tingshuo_core::crypto::SoftwareSigner::generate().expect("device key");
    registered_client_signing_with(url, customer, code, Arc::new(signer)).await
}

/// A device whose logins sign as a phone's do and whose every payment signature fails with
/// one error: the step-up declined (`SignerError::Cancelled`), the payment key gone
/// (`SignerError::KeyLost`).
#[derive(Debug)]
pub struct PaymentSigningFails {
    keys: tingshuo_core::crypto::SoftwareSigner,
    error: tingshuo_core::crypto::SignerError,
}

impl PaymentSigningFails {
    pub fn with(error: tingshuo_core::crypto::SignerError) -> PaymentSigningFails {
        let (keys, _) = tingshuo_core::crypto::SoftwareSigner::generate().expect("device key");
        PaymentSigningFails { keys, error }
    }
}

impl tingshuo_core::crypto::DeviceSigner for PaymentSigningFails {
    fn login_public_key(&self) -> Result<Vec<u8>, tingshuo_core::crypto::SignerError> {
        self.keys.login_public_key()
    }
    fn payment_public_key(&self) -> Result<Vec<u8>, tingshuo_core::crypto::SignerError> {
        self.keys.payment_public_key()
    }
    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, tingshuo_core::crypto::SignerError> {
        self.keys.sign_login(message)
    }
    fn sign_payment(&self, _: &[u8]) -> Result<Vec<u8>, tingshuo_core::crypto::SignerError> {
        Err(self.error.clone())
    }
}

/// [`registered_client`] with the device's keys held by `signer`.
pub async fn registered_client_signing_with(
    url: &str,
    customer: tingshuo_sandbox::seed::DemoCustomer,
    code: String,
    signer: Arc<dyn tingshuo_core::crypto::DeviceSigner>,
) -> (tingshuo_core::Client, tempfile::TempDir) {
    use tingshuo_core::classify::OneTimeCode;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = tingshuo_core::ClientConfig {
        store_path: dir.path().join("client.db"),
        bank_url: url.to_owned(),
        sync: tingshuo_core::sync::SyncConfig {
            backoff_base: std::time::Duration::from_millis(1),
            backoff_cap: std::time::Duration::from_millis(5),
            ..Default::default()
        },
    };
    let keys = tingshuo_core::MemoryKeyStore::new().expect("key store");
    let (client, _) = tingshuo_core::Client::open(config, &keys, signer)
        .await
        .expect("client opens");
    client
        .sync()
        .register_device(customer.id(), OneTimeCode::new(code), "test phone")
        .await
        .expect("device registers");
    client.sync().sync_now().await.expect("first sync");
    (client, dir)
}

/// The message ids the assistant said in these events, in order.
pub fn said(events: &[tingshuo_core::assistant::Event]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|event| match event {
            tingshuo_core::assistant::Event::Say(spoken) => Some(spoken.id),
            _ => None,
        })
        .collect()
}

/// Payment attempts as (idempotency key, state), in the order they were made.
pub fn attempt_states(
    attempts: Vec<tingshuo_core::store::sync::PaymentAttempt>,
) -> Vec<(String, String)> {
    attempts
        .into_iter()
        .map(|attempt| (attempt.idempotency_key, attempt.state))
        .collect()
}

/// A bank's own commands, as a bank writes them (the repository's example: Rhino's context
/// format, its own slot types and the product's built-in ones).
pub const BANK_INTENTS_EN: &str = include_str!("../../docs/examples/bank-intents.en-US.yaml");

/// The same, in Mandarin (the repository's zh-CN example).
pub const BANK_INTENTS_ZH: &str = include_str!("../../docs/examples/bank-intents.zh-CN.yaml");
