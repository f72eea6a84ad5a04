//! The bank's shared state and how it behaves: sessions, limits, holds and faults.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

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
    /// Payments at or above this amount (minor units, per currency; transfers and bills), and
    /// transfers to a payee never paid before, are held for `hold` before they execute,
    /// cancellable meanwhile (a threshold of 1 holds every payment to someone else: the MIIT
    /// correction window for every financial submission; money moved between her own
    /// accounts is never held). A zero duration disables holds.
    pub risky_threshold: BTreeMap<String, i64>,
    pub hold: Duration,
    /// How long an enrollment code the bank issues stays valid; it registers one device.
    pub enrollment_code_ttl: Duration,
    /// Wrong enrollment codes for one customer id (known or not) before its enrollment locks.
    pub enrollment_failures_per_customer: u32,
    /// Wrong enrollment codes from one source address before it is locked out.
    pub enrollment_failures_per_source: u32,
    /// How long a lockout lasts; failures are counted over a window this long.
    pub enrollment_lockout: Duration,
    /// A device registered while the customer already has one pays at most
    /// `new_device_payment_cap` (minor units, per currency) for this long. Zero disables it.
    pub new_device_cooling_off: Duration,
    pub new_device_payment_cap: BTreeMap<String, i64>,
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
            enrollment_code_ttl: Duration::from_secs(15 * 60),
            enrollment_failures_per_customer: 5,
            enrollment_failures_per_source: 20,
            enrollment_lockout: Duration::from_secs(30 * 60),
            new_device_cooling_off: Duration::from_secs(24 * 60 * 60),
            new_device_payment_cap: BTreeMap::from([
                ("CNY".into(), 50_000),
                ("USD".into(), 10_000),
            ]),
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
    /// Keys the enrollment codes' stored tags (HMAC-SHA256): the database never holds a code,
    /// and without this key, which lives only in memory, a stolen database does not give the
    /// six digits back. A restarted bank has a new key: codes issued before are void.
    pub(crate) code_key: hmac::Key,
    /// Wrong enrollment codes, per customer id and per source address.
    pub(crate) enrollment_failures: std::sync::Mutex<Failures>,
}

/// Failures counted over a window, and lockouts, per subject ("customer:…", "source:…").
#[derive(Debug, Default)]
pub(crate) struct Failures {
    subjects: HashMap<String, Attempts>,
}

#[derive(Debug, Clone, Copy)]
struct Attempts {
    window_start: DateTime<Utc>,
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
}

impl Failures {
    /// Whether `subject` is locked out at `now`.
    pub(crate) fn locked(&self, subject: &str, now: DateTime<Utc>) -> bool {
        self.subjects
            .get(subject)
            .and_then(|a| a.locked_until)
            .is_some_and(|until| until > now)
    }

    /// Counts a failure; locks the subject for `lockout` at the `max`th within a window.
    pub(crate) fn fail(&mut self, subject: &str, max: u32, lockout: Duration, now: DateTime<Utc>) {
        let lockout = chrono::Duration::from_std(lockout).unwrap_or(chrono::Duration::minutes(30));
        // Forget what no longer counts, so made-up customer ids cannot grow the map forever.
        if self.subjects.len() > 10_000 {
            self.subjects.retain(|_, a| {
                a.window_start + lockout > now || a.locked_until.is_some_and(|u| u > now)
            });
        }
        let attempts = self.subjects.entry(subject.to_owned()).or_insert(Attempts {
            window_start: now,
            failures: 0,
            locked_until: None,
        });
        if attempts.window_start + lockout <= now && attempts.locked_until.is_none_or(|u| u <= now)
        {
            *attempts = Attempts {
                window_start: now,
                failures: 0,
                locked_until: None,
            };
        }
        attempts.failures += 1;
        if attempts.failures >= max {
            attempts.locked_until = Some(now + lockout);
        }
    }

    /// A right code clears the subject's count.
    pub(crate) fn clear(&mut self, subject: &str) {
        self.subjects.remove(subject);
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
    #[error("the random source failed")]
    Random,
}

impl Bank {
    pub async fn new(config: BankConfig) -> Result<Arc<Bank>, BankError> {
        let db = db::BankDb::open(config.database.as_deref()).await?;
        let (events, _) = broadcast::channel(1024);
        let faults = Arc::new(FaultState::new(&config.faults));
        let code_key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| BankError::Random)?;
        Ok(Arc::new(Bank {
            db,
            config,
            events,
            write_lock: Arc::new(Mutex::new(())),
            faults,
            code_key,
            enrollment_failures: std::sync::Mutex::new(Failures::default()),
        }))
    }

    /// The same bank — its database, devices, faults and write lock — under another
    /// configuration's limits and holds, to serve in place of this one (a scenario changes
    /// what the bank refuses or holds between turns). The limits documents devices were
    /// given are left as they were, so the bank, not the device, refuses; enrollment codes
    /// not yet used are void, as after a restart.
    pub fn reconfigured(&self, config: BankConfig) -> Result<Arc<Bank>, BankError> {
        let code_key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| BankError::Random)?;
        Ok(Arc::new(Bank {
            db: self.db.clone(),
            config,
            events: self.events.clone(),
            write_lock: self.write_lock.clone(),
            faults: self.faults.clone(),
            code_key,
            enrollment_failures: std::sync::Mutex::new(Failures::default()),
        }))
    }

    /// Seeds a customer's data, with the bank's daily limits as a document of the change
    /// feed, so every device knows them before it pays.
    pub async fn seed(
        &self,
        snapshot: &tingshuo_base::model::CustomerSnapshot,
    ) -> Result<(), sqlx::Error> {
        self.db.seed(snapshot).await?;
        let limits = tingshuo_base::wire::LimitsDto {
            daily: self
                .config
                .daily_limits
                .iter()
                .map(|(currency, minor)| tingshuo_base::wire::DailyLimitDto {
                    currency: currency.clone(),
                    amount_minor: *minor,
                })
                .collect(),
        };
        self.db
            .put_document(
                snapshot.customer.id.as_str(),
                tingshuo_base::wire::kinds::LIMITS,
                "limits",
                &limits,
            )
            .await
    }

    /// The tag stored for a customer's enrollment code.
    pub(crate) fn code_tag(&self, customer_id: &str, code: &str) -> Vec<u8> {
        hmac::sign(&self.code_key, &code_message(customer_id, code))
            .as_ref()
            .to_vec()
    }

    /// Whether `tag` is the tag of this customer's `code`, compared in constant time.
    pub(crate) fn code_matches(&self, customer_id: &str, code: &str, tag: &[u8]) -> bool {
        hmac::verify(&self.code_key, &code_message(customer_id, code), tag).is_ok()
    }

    /// Issues a fresh enrollment code for a customer, as the bank's branch, letter or SMS
    /// would: six random digits, valid for `enrollment_code_ttl`, registering one device.
    /// Codes issued before and not yet used are void. The code is returned to be given to the
    /// customer; the bank keeps only its keyed tag.
    pub async fn issue_enrollment_code(&self, customer_id: &str) -> Result<String, BankError> {
        let code = random_code()?;
        let expires_at = Utc::now()
            + chrono::Duration::from_std(self.config.enrollment_code_ttl)
                .unwrap_or(chrono::Duration::minutes(15));
        let mut tx = self.db.pool.begin().await?;
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM customer WHERE id = ?")
            .bind(customer_id)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(BankError::Invalid("no such customer".into()));
        }
        sqlx::query("DELETE FROM enrollment_code WHERE customer_id = ? AND device_id IS NULL")
            .bind(customer_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO enrollment_code (customer_id, tag, expires_at) VALUES (?, ?, ?)")
            .bind(customer_id)
            .bind(self.code_tag(customer_id, &code))
            .bind(db::millis(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(code)
    }

    pub fn notify(&self, customer_id: &str, version: i64) {
        let _ = self.events.send(ChangeEvent {
            customer_id: customer_id.to_owned(),
            version,
        });
    }
}

fn code_message(customer_id: &str, code: &str) -> Vec<u8> {
    format!("tingshuo-enrollment-v1\n{customer_id}\n{code}").into_bytes()
}

/// Six uniformly random digits.
fn random_code() -> Result<String, BankError> {
    let rng = SystemRandom::new();
    loop {
        let mut bytes = [0_u8; 4];
        rng.fill(&mut bytes).map_err(|_| BankError::Random)?;
        let value = u32::from_le_bytes(bytes);
        // Rejection sampling: no digit string is likelier than another.
        if value < 4_294_000_000 {
            return Ok(format!("{:06}", value % 1_000_000));
        }
    }
}
