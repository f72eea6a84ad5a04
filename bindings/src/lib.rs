//! Tingshuo for Android and iOS: the core's facade (`tingshuo-core`) through uniffi, for
//! Kotlin and Swift. A thin wrapper: the customer's [`Client`] with its view, sync, actions
//! and payments; the [`AssistantSession`] (turns of text, speech or silence; events back);
//! the streaming [`VoiceInput`] the host pushes microphone audio into; subscriptions as a
//! listener and a [`TaskHandle`]. What the host provides (key store, device keys, step-up,
//! speech, logging) are foreign traits ([`host`]). Errors are one flat [`TingshuoError`]
//! with stable codes and no user data.
//!
//! Async calls run on the bindings' own runtime and the app only waits for them
//! ([`runtime`]): cancelling a coroutine or a `Task` never leaves a payment half done.
//!
//! Every block of memory the library frees is cleared first ([`ZeroOnFree`]): the copy of
//! the store's data key uniffi hands the host's key store, and every decrypted value, are not
//! left in freed heap.

uniffi::setup_scaffolding!();

use tingshuo_core::zeroing::ZeroOnFree;

#[global_allocator]
static ALLOCATOR: ZeroOnFree<std::alloc::System> = ZeroOnFree(std::alloc::System);

mod assistant;
mod client;
mod error;
pub mod host;
mod runtime;
mod shown;

pub use assistant::{AssistantEvent, AssistantHost, AssistantSession, open_assistant};
#[cfg(feature = "voice")]
pub use assistant::{SpeechModel, VoiceInput, VoiceState, load_speech_model};
#[cfg(feature = "http")]
pub use client::open_client;
pub use client::{
    AccountSummary, ActionsClient, Attempt, CardSummary, Client, ClientSettings, Line,
    PayeeSummary, PaymentResult, PaymentsClient, PreparedPayment, Reachability, ReadBack,
    Settlement, StoreOpened, SyncClient, SyncListener, SyncState, SyncSummary, TaskHandle,
    ViewClient, ViewSnapshot,
};
pub use error::TingshuoError;
pub use host::{
    HostError, HostKeyStore, HostLogger, HostSigner, HostSpeech, HostStepUp, HostTimeZone, LogLevel,
};

/// Sends the core's log lines (no names, amounts or numbers) to the host's log, at `level`
/// and above. Once per process.
#[uniffi::export]
pub fn set_logger(
    logger: std::sync::Arc<dyn HostLogger>,
    level: LogLevel,
) -> Result<(), TingshuoError> {
    host::install_logger(logger, level)
}

/// The library's version, for the app's diagnostics.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").into()
}
