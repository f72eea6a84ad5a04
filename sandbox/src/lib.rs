//! The reference bank: an honest stand-in for a bank's backend, for tests, the demo and
//! benchmarks. It shares only the wire types (`tingshuo_base::wire`) with the client.
//!
//! * Its own SQLite database (a file, or in memory), every entity kept as its wire document
//!   with a version from one change counter, so a pull is "everything after version N".
//! * Devices register an Ed25519 key with an enrollment code the bank issues
//!   ([`Bank::issue_enrollment_code`]): single use, expiring, kept only as a keyed tag; wrong
//!   codes are limited per customer and per source address, then locked out, answered alike
//!   whether or not the customer exists. The customer's other devices get an alert through the
//!   changes; a device added later pays only small amounts for a while. Devices log in by
//!   signing a challenge, get short-lived session tokens, and can be listed and revoked.
//! * Mutations carry idempotency keys, kept with their result in the same transaction as the
//!   effect: a replay gets the same answer, a reused key with another body is refused.
//! * Payments need a step-up proof (the device key's signature over the canonical payment and
//!   a fresh single-use challenge), respect daily limits and may be held, cancellable, when
//!   risky.
//! * A change stream (server-sent events) tells connected clients to pull.
//! * Seeded fault injection per route: latency, error statuses, resets before or after commit,
//!   duplicated delivery, slow and truncated bodies.

pub mod api;
mod bank;
pub mod db;
mod errors;
pub mod faults;
pub mod seed;
mod server;

pub use bank::{Bank, BankConfig, BankError, ChangeEvent};
pub use faults::{FaultPlan, FaultRule};
pub use server::{RunningBank, demo_bank, start_demo_bank};
