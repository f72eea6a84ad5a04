//! The assistant: one conversation with one customer, inside the core, so every app that embeds
//! Tingshuo holds the same one.
//!
//! An [`Assistant`] is opened on a [`tingshuo_data::Client`] and a locale. The host gives it
//! turns ([`Turn`]: what the customer typed or said, a silence, the result of the step-up it
//! asked for) and carries out what comes back ([`Event`]: something to say, lines to show, a
//! step-up to ask for, a hand-off, a speech-rate change). The assistant understands, runs the
//! dialogue, and prepares, confirms, executes and reconciles payments and queues actions through
//! the client itself.
//!
//! What it says about money is what the bank did: a payment whose answer never came is being
//! checked (by its idempotency key) until the bank's answer is known; "not sent" only when it
//! never reached the bank; "refused" only when the bank refused; an action queued offline is
//! said as queued.

mod clock;
mod names;
mod session;
mod turn;

pub use clock::{Clock, SystemClock};
pub use session::{Assistant, AssistantError, AssistantOptions};
pub use tingshuo_base::consent::{Consent, Purpose};
pub use tingshuo_l10n::ConsentWording;
pub use turn::{Event, Spoken, Turn};
