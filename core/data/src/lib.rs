//! Tingshuo's data layer: the customer's data kept, protected and in step with the bank.
//!
//! * [`crypto`] — field encryption (AES-256-GCM) and the host's key-store and device-signer
//!   traits;
//! * [`store`] — the encrypted SQLite store with its outbox;
//! * [`transport`] — how requests reach the bank ([`transport::BankTransport`], which a bank may
//!   implement), and `http_transport` (cargo feature `http`, on by default), the core's own over
//!   reqwest and rustls;
//! * [`sync`] — offline-first sync with the bank: the outbox pushed, changes pulled;
//! * [`payments`] — payments prepared for read-back, confirmed online, reconciled by key;
//! * [`runtime`] — blocking work (recognition, host calls) beside the async work;
//! * [`client`] — the API banks embed: `Client` with `view()`, `sync()`, `actions()`,
//!   `payments()`.

pub mod client;
pub mod crypto;
#[cfg(feature = "http")]
pub mod http_transport;
pub mod payments;
pub mod runtime;
pub mod store;
pub mod sync;
pub mod transport;

pub use client::{Client, ClientConfig, ClientError, LoggedOut};
pub use crypto::{KeyStore, KeyStoreError, MemoryKeyStore};
pub use store::{OpenOutcome, Store, StoreError};
