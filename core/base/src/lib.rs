//! Tingshuo's base: the vocabulary every other layer speaks, with no I/O at all.
//!
//! * [`locale`] — the locales Tingshuo speaks;
//! * [`money`] — integer minor units plus an ISO 4217 currency;
//! * [`consent`] — the uses of her data the customer decides on;
//! * [`classify`] — the JR/T 0171-2020 data classes (`C2`, `C3`) and masking;
//! * [`ids`] — identifiers typed by what they identify (`Id<Payee>`, `Id<Card>`);
//! * [`model`] — the customer's data as the client keeps it, each value with its freshness;
//! * [`view`] — the unified view derived from it;
//! * [`wire`] — the bank API's types and its route table, the bytes devices sign, and the
//!   validation every server answer passes before it becomes model data;
//! * [`action`] — what the customer asks the bank to do that may wait for it (the outbox);
//! * [`packed`] — texts compiled in compressed, unpacked at first use;
//! * [`zone`] — the customer's wall clock: the UTC offset of each instant's own day;
//! * [`zeroing`] — an allocator that clears memory before it is freed (the library's).
//!
//! The reference bank depends on this crate alone, so it shares with the client only what a
//! real bank's backend would: the API.

pub mod action;
pub mod classify;
pub mod consent;
pub mod ids;
pub mod locale;
pub mod model;
pub mod money;
pub mod packed;
pub mod view;
pub mod wire;
pub mod zeroing;
pub mod zone;

pub use classify::{C2, C3};
pub use ids::Id;
pub use locale::{Locale, UnknownLocale};
pub use money::{Currency, Money, MoneyError};
pub use view::CustomerView;
pub use zone::CustomerZone;
