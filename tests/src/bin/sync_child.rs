//! A customer's app as a separate process, for the fault-injection test to kill at random
//! points: it opens the real store, registers once, and performs seeded random operations
//! (card locks, alert reads, preferences, transfers, syncs). `converge` mode syncs until
//! nothing is pending and every payment is settled.
//!
//! Usage: sync_child BANK_URL DIR SEED OPS run|converge ENROLLMENT_CODE
//!
//! The code is the one the bank issued for this app: a run killed before it learnt its device
//! asks again with the same key and the same code, and gets the same device.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::wire::PreferencesDto;
use tingshuo_core::{Client, ClientConfig, Currency, Money};
use tingshuo_desktop::keystore::{FileDeviceSigner, FileKeyStore};
use tingshuo_sandbox::seed::DemoCustomer;

/// SplitMix64: the same seed gives the same operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below.max(1)
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, bank, dir, seed, ops, mode, code] = args.as_slice() else {
        eprintln!("usage: sync_child BANK_URL DIR SEED OPS run|converge ENROLLMENT_CODE");
        return ExitCode::from(2);
    };
    match run(
        bank,
        PathBuf::from(dir),
        seed.parse().unwrap_or(1),
        ops.parse().unwrap_or(10),
        mode,
        code,
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sync_child: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    bank: &str,
    dir: PathBuf,
    seed: u64,
    ops: usize,
    mode: &str,
    enrollment_code: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let customer = DemoCustomer::WangXiuying;
    let keys = FileKeyStore::new(dir.join("keys/store.key"));
    let signer = Arc::new(FileDeviceSigner::open_or_create(
        &dir.join("keys/device.pk8"),
    )?);
    let config = ClientConfig {
        store_path: dir.join("client.db"),
        bank_url: bank.to_owned(),
        sync: SyncConfig {
            page_size: 200,
            backoff_base: Duration::from_millis(2),
            backoff_cap: Duration::from_millis(40),
        },
    };
    let (client, outcome) = Client::open(config, &keys, signer).await?;
    say(&format!("opened {outcome:?}"));
    while !client.sync().is_registered().await? {
        let code = OneTimeCode::new(enrollment_code.to_owned());
        if let Err(error) = client
            .sync()
            .register_device(customer.id(), code, "fault-test phone")
            .await
        {
            say(&format!("register failed: {error}"));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    if mode == "converge" {
        for round in 0..2000 {
            let result = client.sync().sync_now().await;
            let done = result.as_ref().is_ok_and(|r| r.complete);
            let status = client.sync().status();
            if round % 500 == 499 {
                eprintln!("sync_child: round {round}: {result:?} {status:?}");
            }
            if done && status.pending_requests == 0 && status.unresolved_payments == 0 {
                say(&format!("converged after {round} rounds"));
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        return Err("did not converge".into());
    }

    let mut rng = Rng(seed);
    let cards = ["zh-card-debit", "zh-card-credit"];
    let payees = [
        "zh-payee-liwei",
        "zh-payee-zhangli",
        "zh-payee-wangjianguo",
        "zh-payee-liufang",
    ];
    let today = chrono::Utc::now().date_naive();
    for op in 0..ops {
        let choice = rng.next(100);
        let result: Result<String, Box<dyn std::error::Error>> = async {
            Ok(match choice {
                0..=19 => {
                    let card = cards[usize::try_from(rng.next(2))?];
                    client.actions().lock_card(&card.into()).await?;
                    format!("lock {card}")
                }
                20..=34 => {
                    let card = cards[usize::try_from(rng.next(2))?];
                    client.actions().unlock_card(&card.into()).await?;
                    format!("unlock {card}")
                }
                35..=44 => match client.view().current(today).await {
                    Ok(view) => match view.unread_alerts.first() {
                        Some(alert) => {
                            client.actions().mark_alert_read(&alert.item.id).await?;
                            "read alert".to_owned()
                        }
                        None => "no alert".to_owned(),
                    },
                    Err(_) => "no view yet".to_owned(),
                },
                45..=52 => {
                    let rate = 80 + u32::try_from(rng.next(60))?;
                    client
                        .actions()
                        .set_preferences(&PreferencesDto {
                            locale: "zh-CN".into(),
                            speech_rate: rate,
                            elderly_mode: true,
                        })
                        .await?;
                    format!("preferences {rate}")
                }
                53..=79 => {
                    let payee = payees[usize::try_from(rng.next(4))?];
                    let amount =
                        Money::from_minor(100 + i64::try_from(rng.next(4900))?, Currency::CNY);
                    match client
                        .payments()
                        .prepare_transfer(&"zh-pension".into(), &payee.into(), amount)
                        .await
                    {
                        Ok(draft) => match client.payments().confirm(draft).await {
                            Ok(outcome) => format!("transfer {outcome:?}"),
                            Err(error) => format!("transfer not sent: {error}"),
                        },
                        Err(error) => format!("transfer not prepared: {error}"),
                    }
                }
                _ => match client.sync().sync_now().await {
                    Ok(report) => format!("sync {report:?}"),
                    Err(error) => format!("sync failed: {error}"),
                },
            })
        }
        .await;
        match result {
            Ok(done) => say(&format!("op {op} {done}")),
            Err(error) => say(&format!("op {op} error {error}")),
        }
    }
    Ok(())
}
