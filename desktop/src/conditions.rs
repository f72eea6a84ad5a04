//! The bank's conditions a scenario (or the harness page) sets and changes between turns, and
//! the clock and time zone it sets: one place for what "offline", "a refusal", "a hold", "lost
//! answers" and "step-up failing" mean against the reference bank.
//!
//! Each condition is something the bank (or the host) really does, never a message faked:
//! offline stops the bank serving on its address; a refusal lowers the bank's daily limit below
//! any payment (the bank answers `limit_exceeded`; the device, told the old limit, sends it); a
//! hold makes every payment risky, held for the MIIT guideline's ten minutes; lost answers
//! let payment requests commit and then cut the connection before the answer (and asking by
//! key fails alike until the condition changes); step-up failing is the host's PIN or
//! biometric check answering "failed".

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use tingshuo_core::assistant::Clock;
use tingshuo_core::zone::{CustomerZone, UtcOffsetRule};
use tingshuo_sandbox::{Bank, BankConfig, FaultPlan, RunningBank, start_demo_bank};

use crate::HarnessError;

/// What the bank (or the host's step-up) does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BankCondition {
    /// The bank as configured by default: it answers, pays within its limits, holds large
    /// transfers and transfers to new payees.
    #[default]
    Online,
    /// The bank cannot be reached: nothing is served on its address.
    Offline,
    /// The bank refuses every payment: its daily limit is below any amount.
    Refusal,
    /// The bank holds every payment (transfers and bills) for ten minutes, cancellable
    /// meanwhile: the MIIT correction window for every financial submission.
    Hold,
    /// Payment requests are committed, then the connection dies before the answer; asking by
    /// idempotency key dies alike.
    LostAnswers,
    /// The bank answers, and the customer's PIN or biometric check fails.
    StepUpFailing,
}

impl BankCondition {
    pub const ALL: [BankCondition; 6] = [
        BankCondition::Online,
        BankCondition::Offline,
        BankCondition::Refusal,
        BankCondition::Hold,
        BankCondition::LostAnswers,
        BankCondition::StepUpFailing,
    ];

    /// The name scenarios and the page use ("lost_answers").
    pub fn name(self) -> &'static str {
        match self {
            BankCondition::Online => "online",
            BankCondition::Offline => "offline",
            BankCondition::Refusal => "refusal",
            BankCondition::Hold => "hold",
            BankCondition::LostAnswers => "lost_answers",
            BankCondition::StepUpFailing => "step_up_failing",
        }
    }

    pub fn parse(name: &str) -> Option<BankCondition> {
        BankCondition::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What the host answers when the assistant asks for a step-up under this condition.
    pub fn step_up_approved(self) -> bool {
        self != BankCondition::StepUpFailing
    }

    /// The bank's configuration under this condition.
    fn config(self) -> BankConfig {
        let default = BankConfig::default();
        match self {
            BankCondition::Refusal => BankConfig {
                daily_limits: [("CNY".to_owned(), 1), ("USD".to_owned(), 1)].into(),
                ..default
            },
            BankCondition::Hold => BankConfig {
                risky_threshold: [("CNY".to_owned(), 1), ("USD".to_owned(), 1)].into(),
                ..default
            },
            _ => default,
        }
    }

    /// The faults the bank injects under this condition.
    fn faults(self) -> FaultPlan {
        match self {
            BankCondition::LostAnswers => FaultPlan::lost_payment_answers(),
            _ => FaultPlan::none(),
        }
    }
}

/// The reference bank, in-process on loopback, under a condition that can change between
/// turns. Its address stays the same, so a client keeps talking to "its" bank.
#[derive(Debug)]
pub struct ConditionedBank {
    bank: Arc<Bank>,
    addr: SocketAddr,
    serving: Option<RunningBank>,
    condition: BankCondition,
}

fn bank_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Usage(format!("reference bank: {e}"))
}

impl ConditionedBank {
    /// Starts the bank with the demo customers seeded as of `now`, under `condition`.
    pub async fn start(
        now: DateTime<Utc>,
        condition: BankCondition,
    ) -> Result<ConditionedBank, HarnessError> {
        let running = start_demo_bank(BankConfig::default(), now)
            .await
            .map_err(bank_error)?;
        let mut bank = ConditionedBank {
            bank: running.bank.clone(),
            addr: running.addr,
            serving: Some(running),
            condition: BankCondition::Online,
        };
        bank.set(condition).await?;
        Ok(bank)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn condition(&self) -> BankCondition {
        self.condition
    }

    /// The bank's state (its database: what it really did).
    pub fn bank(&self) -> &Arc<Bank> {
        &self.bank
    }

    /// A fresh enrollment code for a customer (while the bank serves).
    pub async fn enrollment_code(&self, customer_id: &str) -> Result<String, HarnessError> {
        self.bank
            .issue_enrollment_code(customer_id)
            .await
            .map_err(bank_error)
    }

    /// Changes the condition: the bank's limits and holds, its faults, whether it serves.
    pub async fn set(&mut self, condition: BankCondition) -> Result<(), HarnessError> {
        let policy_changes = condition.config().daily_limits != self.bank.config.daily_limits
            || condition.config().risky_threshold != self.bank.config.risky_threshold;
        if (condition == BankCondition::Offline || policy_changes)
            && let Some(running) = self.serving.take()
        {
            running.shutdown().await;
        }
        if policy_changes {
            self.bank = self
                .bank
                .reconfigured(condition.config())
                .map_err(bank_error)?;
        }
        self.bank.faults.set_plan(condition.faults());
        if condition != BankCondition::Offline && self.serving.is_none() {
            self.serving = Some(
                self.bank
                    .clone()
                    .serve(self.addr)
                    .await
                    .map_err(bank_error)?,
            );
        }
        self.condition = condition;
        Ok(())
    }

    /// The payments the bank has for a customer, from its own database (never what the
    /// dialogue said): each as its wire document (`status`, `amount_minor`, `currency`…).
    pub async fn payments(
        &self,
        customer_id: &str,
    ) -> Result<Vec<serde_json::Value>, HarnessError> {
        self.bank
            .db
            .all(customer_id, "payment")
            .await
            .map_err(bank_error)
    }

    pub async fn shutdown(mut self) {
        if let Some(running) = self.serving.take() {
            running.shutdown().await;
        }
    }
}

/// A clock stopped at one instant: the scenario's "now".
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A time zone as a scenario writes it: an offset ("+08:00", "-05:00", "Z") or an IANA name
/// ("Asia/Shanghai", "America/New_York"), whose offset follows daylight saving.
pub fn zone_named(zone: &str) -> Result<CustomerZone, String> {
    let zone = zone.trim();
    if zone == "Z" || zone == "UTC" {
        return Ok(Utc.fix().into());
    }
    if let Ok(offset) = zone.parse::<FixedOffset>() {
        return Ok(offset.into());
    }
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| {
        format!(
            "{:?} is no time zone: write an offset such as +08:00 or an IANA name such as Asia/Shanghai",
            zone.chars().take(60).collect::<String>()
        )
    })?;
    Ok(CustomerZone::Rule(Arc::new(NamedZone(tz))))
}

/// This machine's time zone, daylight saving included (what a phone's host gives the core).
pub fn this_machines_zone() -> CustomerZone {
    CustomerZone::Rule(Arc::new(MachineZone))
}

/// A zone of the IANA database compiled into the harness.
struct NamedZone(chrono_tz::Tz);

impl UtcOffsetRule for NamedZone {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        self.0.offset_from_utc_datetime(&instant.naive_utc()).fix()
    }
}

/// The machine's own zone, as its time-zone database has it.
struct MachineZone;

impl UtcOffsetRule for MachineZone {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        chrono::Local
            .offset_from_utc_datetime(&instant.naive_utc())
            .fix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_by_offset_and_by_name() {
        let winter: DateTime<Utc> = "2026-01-15T02:00:00Z".parse().unwrap_or_default();
        let summer: DateTime<Utc> = "2026-07-15T02:00:00Z".parse().unwrap_or_default();
        let east8 = FixedOffset::east_opt(8 * 3600);
        let offset_at = |zone: &str, at| zone_named(zone).map(|zone| zone.offset_at(at));
        assert_eq!(offset_at("+08:00", winter).ok(), east8);
        assert_eq!(offset_at("Asia/Shanghai", winter).ok(), east8);
        assert_eq!(
            offset_at("America/New_York", winter).ok(),
            FixedOffset::west_opt(5 * 3600)
        );
        assert_eq!(
            offset_at("America/New_York", summer).ok(),
            FixedOffset::west_opt(4 * 3600)
        );
        assert!(offset_at("Mars/Olympus", winter).is_err());
    }

    #[test]
    fn condition_names_round_trip() {
        for condition in BankCondition::ALL {
            assert_eq!(BankCondition::parse(condition.name()), Some(condition));
        }
        assert_eq!(BankCondition::parse("sunny"), None);
    }
}
