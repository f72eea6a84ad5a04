//! Tingshuo (听说) core: the accessible voice-banking client library that banks embed in their
//! Android and iOS apps. This crate is the one a bank links; it gathers the layers, each its
//! own crate (see `docs/ARCHITECTURE.md`):
//!
//! * pure, no I/O: [`locale`], [`money`], [`classify`], [`consent`], [`ids`], [`model`], [`view`], [`wire`], [`action`]
//!   (`tingshuo-base`); [`l10n`] (`tingshuo-l10n`); [`understand`] (`tingshuo-understand`);
//!   [`dialogue`] (`tingshuo-dialogue`);
//! * data: [`crypto`], [`store`], [`transport`], [`sync`], [`payments`] and [`client`]
//!   (`tingshuo-data`; its HTTP transport behind the cargo feature `http`) — `Client` with
//!   `view()`, `sync()`, `actions()`, `payments()`;
//! * [`assistant`] (`tingshuo-assistant`): the conversation a bank embeds — one session over
//!   the `Client` that understands, runs the dialogue and carries out payments and actions;
//! * `listen` (cargo feature `voice`): audio in, voice activity, on-device recognition with
//!   whisper.cpp (`tingshuo-listen`); without it nothing of whisper.cpp is linked;
//! * `speak` (cargo feature `speak`): the `Speaker` over the platform's speech engine
//!   (`tingshuo-speak`); mobile hosts speak through their own engine and leave it off.
//!
//! Rules kept next to the code: no C3 value is ever stored, logged or spoken; C2 values are
//! sealed at rest and masked on screen, in speech and in logs; money is integer minor units.

pub use tingshuo_assistant as assistant;
pub use tingshuo_base::{
    action, classify, consent, ids, locale, model, money, view, wire, zeroing, zone,
};
#[cfg(feature = "http")]
pub use tingshuo_data::http_transport;
pub use tingshuo_data::{client, crypto, payments, runtime, store, sync, transport};
pub use tingshuo_dialogue as dialogue;
pub use tingshuo_l10n as l10n;
#[cfg(feature = "voice")]
pub use tingshuo_listen as listen;
#[cfg(feature = "speak")]
pub use tingshuo_speak as speak;
pub use tingshuo_understand as understand;

pub use tingshuo_base::{C2, C3, Currency, CustomerView, CustomerZone, Locale, Money, MoneyError};
pub use tingshuo_data::{
    Client, ClientConfig, ClientError, KeyStore, KeyStoreError, LoggedOut, MemoryKeyStore,
    OpenOutcome, Store, StoreError,
};
pub use tingshuo_l10n::{Form, Localizer, Utterance};
