//! The reference bank: an honest stand-in for a bank's backend, for tests, the demo and
//! benchmarks. It shares only the wire types (`tingshuo_core::wire`) with the client.
//!
//! * Its own SQLite database (a file, or in memory), every entity kept as its wire document
//!   with a version from one change counter, so a pull is "everything after version N".
//! * Devices register an Ed25519 key with an enrollment code, log in by signing a challenge,
//!   and get short-lived session tokens.
//! * Mutations carry idempotency keys, kept with their result in the same transaction as the
//!   effect: a replay gets the same answer, a reused key with another body is refused.
//! * Payments need a step-up proof (the device key's signature over the canonical payment and
//!   a fresh single-use challenge), respect daily limits and may be held, cancellable, when
//!   risky.
//! * A change stream (server-sent events) tells connected clients to pull.
//! * Seeded fault injection per route: latency, error statuses, resets before or after commit,
//!   duplicated delivery, slow and truncated bodies.

pub mod api;
pub mod db;
pub mod faults;
pub mod seed;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, broadcast};

pub use faults::{FaultPlan, FaultRule};

/// How the bank behaves: sessions, limits, holds and faults.
#[derive(Debug, Clone)]
pub struct BankConfig {
    /// `None` keeps the database in memory.
    pub database: Option<std::path::PathBuf>,
    pub session_ttl: Duration,
    pub challenge_ttl: Duration,
    /// Daily payment limit per currency code, in minor units.
    pub daily_limits: BTreeMap<String, i64>,
    /// Transfers at or above this amount (minor units, per currency), or to a payee never paid
    /// before, are held for `hold` before they execute, cancellable meanwhile. A zero
    /// duration disables holds.
    pub risky_threshold: BTreeMap<String, i64>,
    pub hold: Duration,
    pub faults: FaultPlan,
}

impl Default for BankConfig {
    fn default() -> BankConfig {
        BankConfig {
            database: None,
            session_ttl: Duration::from_secs(15 * 60),
            challenge_ttl: Duration::from_secs(5 * 60),
            daily_limits: BTreeMap::from([("CNY".into(), 5_000_000), ("USD".into(), 500_000)]),
            risky_threshold: BTreeMap::from([("CNY".into(), 1_000_000), ("USD".into(), 200_000)]),
            // The MIIT guideline's 10-minute correction window for financial submissions.
            hold: Duration::from_secs(10 * 60),
            faults: FaultPlan::none(),
        }
    }
}

/// A change the stream announces: this customer's data moved to `version`.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub customer_id: String,
    pub version: i64,
}

/// The bank's shared state.
#[derive(Debug)]
pub struct Bank {
    pub db: db::BankDb,
    pub config: BankConfig,
    pub events: broadcast::Sender<ChangeEvent>,
    /// Serializes writes so idempotency checks and effects are atomic under duplicates.
    pub write_lock: Arc<Mutex<()>>,
    pub faults: faults::FaultState,
}

/// A bank serving on loopback until dropped or shut down.
#[derive(Debug)]
pub struct RunningBank {
    pub addr: SocketAddr,
    pub bank: Arc<Bank>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningBank {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits briefly for open ones; long-lived ones (change
    /// streams) are cut after that.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(Duration::from_secs(2), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for RunningBank {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

impl Bank {
    pub async fn new(config: BankConfig) -> Result<Arc<Bank>, BankError> {
        let db = db::BankDb::open(config.database.as_deref()).await?;
        let (events, _) = broadcast::channel(1024);
        let faults = faults::FaultState::new(&config.faults);
        Ok(Arc::new(Bank {
            db,
            config,
            events,
            write_lock: Arc::new(Mutex::new(())),
            faults,
        }))
    }

    /// Starts serving on `addr` (port 0 picks a free port).
    pub async fn serve(self: Arc<Bank>, addr: SocketAddr) -> Result<RunningBank, BankError> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = api::router(self.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "reference bank stopped");
            }
        });
        tracing::info!(%addr, "reference bank listening");
        Ok(RunningBank {
            addr,
            bank: self,
            shutdown: Some(tx),
            task,
        })
    }

    pub fn notify(&self, customer_id: &str, version: i64) {
        let _ = self.events.send(ChangeEvent {
            customer_id: customer_id.to_owned(),
            version,
        });
    }
}

/// Starts a bank with both demo customers seeded, on a free loopback port.
pub async fn start_demo_bank(
    config: BankConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RunningBank, BankError> {
    let bank = Bank::new(config).await?;
    for customer in seed::DemoCustomer::ALL {
        bank.db
            .seed(&customer.snapshot(now), customer.enrollment_code())
            .await?;
    }
    bank.serve(SocketAddr::from(([127, 0, 0, 1], 0))).await
}
