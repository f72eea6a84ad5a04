//! Tingshuo (听说) core: the accessible voice-banking client library that banks embed in their
//! Android and iOS apps.
//!
//! Layers, from pure to I/O (see `docs/ARCHITECTURE.md`):
//! * [`money`], [`classify`], [`model`], [`view`], [`l10n`], [`wire`] — pure logic, no I/O;
//! * [`crypto`] — field encryption and the host's key-store and device-signer traits;
//! * [`store`] — the encrypted SQLite store with its outbox;
//! * [`sync`] — offline-first sync with the bank, payments;
//! * [`listen`] — the audio front end for speech recognition: any WAV or pushed PCM to 16 kHz
//!   mono, and our own voice-activity and end-of-speech detection;
//! * `speak` (cargo feature `speak`, on by default) — the `Speaker` over the platform's speech
//!   engine;
//! * [`client`] — the API banks embed: `Client` with `view()`, `sync()`, `actions()`,
//!   `payments()`.
//!
//! Rules kept next to the code: no C3 value is ever stored, logged or spoken; C2 values are
//! sealed at rest and masked on screen, in speech and in logs; money is integer minor units.

pub mod classify;
pub mod client;
pub mod crypto;
pub mod dialogue;
pub mod l10n;
pub mod listen;
pub mod model;
pub mod models;
pub mod money;
#[cfg(feature = "speak")]
pub mod speak;
pub mod store;
pub mod sync;
pub mod understand;
pub mod view;
pub mod wire;

pub use classify::{C2, C3};
pub use client::{Client, ClientConfig, ClientError};
pub use crypto::{KeyStore, KeyStoreError, MemoryKeyStore};
pub use l10n::{Form, Locale, Localizer, Utterance};
pub use money::{Currency, Money, MoneyError};
pub use store::{OpenOutcome, Store, StoreError};
pub use view::CustomerView;
