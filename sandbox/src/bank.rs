//! The bank's shared state and how it behaves: sessions, limits, holds and faults.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, broadcast};

use crate::db;
use crate::faults::{FaultPlan, FaultState};

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
    pub faults: Arc<FaultState>,
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
        let faults = Arc::new(FaultState::new(&config.faults));
        Ok(Arc::new(Bank {
            db,
            config,
            events,
            write_lock: Arc::new(Mutex::new(())),
            faults,
        }))
    }

    pub fn notify(&self, customer_id: &str, version: i64) {
        let _ = self.events.send(ChangeEvent {
            customer_id: customer_id.to_owned(),
            version,
        });
    }
}
