//! What the host app provides, as foreign traits the app implements in Kotlin or Swift: the
//! key store (Android Keystore, iOS Keychain), the device's two signing keys (login, and
//! payment behind PIN or biometric), the step-up prompt, speech output (the platform's own
//! engine), the time zone and logging.
//!
//! No host call may hold a core thread forever: each runs on a thread of its own and is
//! waited for at most its time limit (the time zone alone, a table lookup asked per date, is
//! called directly); a host that does not answer in time is a failed call
//! (its thread is left to finish alone). Host exceptions become errors the core already
//! knows (a key store failure, a signer failure, a step-up not approved); what the host's
//! exception said is never passed on, so no message can carry user data.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use tingshuo_core::crypto::{DeviceSigner, KeyStore, KeyStoreError, SignerError};
use tingshuo_core::zone::UtcOffsetRule;
use zeroize::Zeroizing;

/// How long a key-store or signing call may take.
pub(crate) const KEY_CALL_LIMIT: Duration = Duration::from_secs(120);
/// How long the host's step-up prompt may take before it counts as not approved.
pub(crate) const STEP_UP_LIMIT: Duration = Duration::from_secs(180);
/// How long signing a payment may take: the platform's PIN or biometric prompt is inside it
/// (asked again when the key's seconds after her step-up have passed), as long as a step-up.
const PAYMENT_SIGN_LIMIT: Duration = STEP_UP_LIMIT.saturating_add(Duration::from_secs(30));

/// What a host implementation throws.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HostError {
    /// The customer cancelled (the PIN or biometric prompt was dismissed).
    #[error("cancelled by the customer")]
    Cancelled,
    /// The key is gone (app reinstalled, keystore reset): what it protected cannot be opened.
    #[error("the key is unavailable")]
    KeyUnavailable,
    /// Anything else; the reason stays on the host's side.
    #[error("the host failed")]
    Failed,
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HostError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> HostError {
        HostError::Failed
    }
}

/// The host's key-encryption key: a non-exportable AES key of the Android Keystore or the
/// iOS Keychain that wraps the store's data key.
#[uniffi::export(foreign)]
pub trait HostKeyStore: Send + Sync {
    /// Encrypts the data key, creating the key-encryption key on first use.
    fn wrap(&self, data_key: Vec<u8>) -> Result<Vec<u8>, HostError>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, HostError>;
    /// Destroys the key-encryption key (logout).
    fn delete(&self) -> Result<(), HostError>;
    /// Keeps the store's write generation beside the key (a Keychain item, shared
    /// preferences), so that a whole older copy of the store put back is found. A host that
    /// cannot keep it does nothing here and returns `null`/`nil` below.
    fn record_generation(&self, generation: u64) -> Result<(), HostError>;
    /// The generation last recorded, if any.
    fn recorded_generation(&self) -> Result<Option<u64>, HostError>;
}

/// The device's two Ed25519 keys. The login key signs silently; the payment key is one the
/// platform releases only to the customer's PIN or biometric (`setUserAuthenticationRequired`,
/// `.userPresence`), so the platform enforces the step-up. Raw 32-byte public keys, 64-byte
/// signatures.
#[uniffi::export(foreign)]
pub trait HostSigner: Send + Sync {
    fn login_public_key(&self) -> Result<Vec<u8>, HostError>;
    fn payment_public_key(&self) -> Result<Vec<u8>, HostError>;
    fn sign_login(&self, message: Vec<u8>) -> Result<Vec<u8>, HostError>;
    fn sign_payment(&self, message: Vec<u8>) -> Result<Vec<u8>, HostError>;
}

/// The step-up the assistant asks for after a read-back and an explicit yes: the host shows
/// its PIN or biometric prompt and says whether the customer passed. Voice never counts.
#[uniffi::export(foreign)]
pub trait HostStepUp: Send + Sync {
    fn authenticate(&self) -> Result<bool, HostError>;
}

/// How a sentence is to be spoken, as the customer asked the assistant ("slower", "louder",
/// "a deeper voice"): each in percent of the engine's normal (volume: of its full volume).
/// Android: `setSpeechRate(rate / 100)`, `setPitch(pitch / 100)`, `KEY_PARAM_VOLUME`; Apple:
/// `rate`, `pitchMultiplier`, `volume` of the utterance. The voice itself (which of the
/// platform's voices) is the app's setting, chosen in its own settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SpeechSettings {
    pub rate_percent: u32,
    pub volume_percent: u32,
    pub pitch_percent: u32,
}

/// The platform's speech engine (Android TextToSpeech, AVSpeechSynthesizer). Called with the
/// speech form of each reply, in order, from a thread of the bindings' own; it should queue
/// the text and return.
#[uniffi::export(foreign)]
pub trait HostSpeech: Send + Sync {
    fn speak(&self, text: String, locale: String, settings: SpeechSettings);
    /// Stop speaking at once (the customer started talking).
    fn stop(&self);
}

/// The platform's time zone (`java.util.TimeZone.getDefault()`, `TimeZone.current`): the
/// customer's offset from UTC at any instant, daylight saving included, so a transaction from
/// last summer is dated at last summer's offset, not today's.
///
/// Unlike the other host calls, it is made on the core's own thread, once per date read: it
/// must answer at once from the platform's time-zone table, and never wait on anything.
#[uniffi::export(foreign)]
pub trait HostTimeZone: Send + Sync {
    /// The offset from UTC, in seconds east, in force at `epoch_seconds`.
    fn utc_offset_seconds_at(&self, epoch_seconds: i64) -> Result<i32, HostError>;
}

/// The host's time zone as the core's rule; where the host fails (an exception, an offset
/// out of range), the offset the app gave at open stands in.
pub(crate) struct HostZoneRule {
    host: Arc<dyn HostTimeZone>,
    fallback: FixedOffset,
}

impl HostZoneRule {
    pub(crate) fn new(host: Arc<dyn HostTimeZone>, fallback: FixedOffset) -> HostZoneRule {
        HostZoneRule { host, fallback }
    }
}

impl UtcOffsetRule for HostZoneRule {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self.host.utc_offset_seconds_at(instant.timestamp()) {
            Ok(seconds) => FixedOffset::east_opt(seconds).unwrap_or_else(|| {
                tracing::warn!("the host's time zone gave an offset out of range");
                self.fallback
            }),
            Err(_) => {
                tracing::warn!("the host's time zone failed; a date used the offset given");
                self.fallback
            }
        }
    }
}

/// The host's log. Lines carry no names, amounts or numbers (the core masks them).
#[uniffi::export(foreign)]
pub trait HostLogger: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

/// Runs a host call on a thread of its own, waiting at most `limit`. Called from one of the
/// runtime's two workers (a payment signed inside its confirmation, with her PIN prompt in
/// it), the wait hands that worker's other tasks to another thread first: a slow prompt does
/// not stall the sync, the other HTTP calls or the listener meanwhile.
pub(crate) fn bounded<T: Send + 'static>(
    limit: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let wait = move || {
        let (tx, rx) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("tingshuo-host-call".into())
            .spawn(move || {
                let _ = tx.send(call());
            });
        match spawned {
            Ok(_) => rx.recv_timeout(limit).ok(),
            Err(_) => None,
        }
    };
    tingshuo_core::runtime::blocking(wait)
}

/// The host's key store as the core's [`KeyStore`].
pub(crate) struct KeyStoreAdapter(pub(crate) Arc<dyn HostKeyStore>);

impl std::fmt::Debug for KeyStoreAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyStoreAdapter")
    }
}

fn key_store_error(error: Option<Result<(), HostError>>) -> KeyStoreError {
    match error {
        None => KeyStoreError::Failed("the host key store did not answer in time".into()),
        Some(Err(HostError::KeyUnavailable)) => {
            KeyStoreError::Unavailable("the host key store has no key".into())
        }
        Some(_) => KeyStoreError::Failed("the host key store failed".into()),
    }
}

impl KeyStore for KeyStoreAdapter {
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        let (host, key) = (self.0.clone(), Zeroizing::new(data_key.to_vec()));
        match bounded(KEY_CALL_LIMIT, move || host.wrap(key.to_vec())) {
            Some(Ok(wrapped)) => Ok(wrapped),
            Some(Err(error)) => Err(key_store_error(Some(Err(error)))),
            None => Err(key_store_error(None)),
        }
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        let (host, wrapped) = (self.0.clone(), wrapped.to_vec());
        match bounded(KEY_CALL_LIMIT, move || host.unwrap(wrapped)) {
            Some(Ok(key)) => Ok(Zeroizing::new(key)),
            Some(Err(error)) => Err(key_store_error(Some(Err(error)))),
            None => Err(key_store_error(None)),
        }
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        let host = self.0.clone();
        match bounded(KEY_CALL_LIMIT, move || host.delete()) {
            Some(Ok(())) => Ok(()),
            other => Err(key_store_error(other)),
        }
    }

    fn record_generation(&self, generation: u64) -> Result<(), KeyStoreError> {
        let host = self.0.clone();
        match bounded(KEY_CALL_LIMIT, move || host.record_generation(generation)) {
            Some(Ok(())) => Ok(()),
            other => Err(key_store_error(other)),
        }
    }

    fn recorded_generation(&self) -> Result<Option<u64>, KeyStoreError> {
        let host = self.0.clone();
        match bounded(KEY_CALL_LIMIT, move || host.recorded_generation()) {
            Some(Ok(generation)) => Ok(generation),
            Some(Err(error)) => Err(key_store_error(Some(Err(error)))),
            None => Err(key_store_error(None)),
        }
    }
}

/// The host's keys as the core's [`DeviceSigner`].
pub(crate) struct SignerAdapter(pub(crate) Arc<dyn HostSigner>);

impl std::fmt::Debug for SignerAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignerAdapter")
    }
}

impl SignerAdapter {
    fn call(
        &self,
        limit: Duration,
        call: impl FnOnce(&dyn HostSigner) -> Result<Vec<u8>, HostError> + Send + 'static,
    ) -> Result<Vec<u8>, SignerError> {
        let host = self.0.clone();
        match bounded(limit, move || call(host.as_ref())) {
            Some(Ok(bytes)) => Ok(bytes),
            Some(Err(HostError::Cancelled)) => Err(SignerError::Cancelled),
            Some(Err(HostError::KeyUnavailable)) => Err(SignerError::KeyLost),
            Some(Err(_)) => Err(SignerError::Failed("the host signer failed".into())),
            None => Err(SignerError::Failed(
                "the host signer did not answer in time".into(),
            )),
        }
    }
}

impl DeviceSigner for SignerAdapter {
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.call(KEY_CALL_LIMIT, |host| host.login_public_key())
    }

    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.call(KEY_CALL_LIMIT, |host| host.payment_public_key())
    }

    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let message = message.to_vec();
        self.call(KEY_CALL_LIMIT, move |host| host.sign_login(message))
    }

    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let message = message.to_vec();
        self.call(PAYMENT_SIGN_LIMIT, move |host| host.sign_payment(message))
    }
}

/// Speech, in order, on one thread of its own: the core never waits for the host's engine.
#[derive(Clone)]
pub(crate) struct SpeechQueue {
    tx: mpsc::SyncSender<SpeechCommand>,
}

pub(crate) enum SpeechCommand {
    Speak {
        text: String,
        locale: String,
        settings: SpeechSettings,
    },
    Stop,
}

impl std::fmt::Debug for SpeechQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpeechQueue")
    }
}

impl SpeechQueue {
    pub(crate) fn new(host: Arc<dyn HostSpeech>) -> Option<SpeechQueue> {
        let (tx, rx) = mpsc::sync_channel::<SpeechCommand>(64);
        std::thread::Builder::new()
            .name("tingshuo-speech".into())
            .spawn(move || {
                while let Ok(command) = rx.recv() {
                    // An exception in the host's engine reaches here as a panic: that reply is
                    // lost, not every reply after it (a blind customer would hear nothing more).
                    let spoken = host_call(|| match command {
                        SpeechCommand::Speak {
                            text,
                            locale,
                            settings,
                        } => host.speak(text, locale, settings),
                        SpeechCommand::Stop => host.stop(),
                    });
                    if spoken.is_none() {
                        tracing::warn!("the host's speech engine failed on one reply");
                    }
                }
            })
            .ok()?;
        Some(SpeechQueue { tx })
    }

    /// Queues a command; when the host has fallen far behind, it is dropped.
    pub(crate) fn send(&self, command: SpeechCommand) {
        let _ = self.tx.try_send(command);
    }
}

/// One call into the host from a thread of the bindings' own: `None` when it panicked (a
/// foreign exception in a callback that returns nothing arrives as one).
fn host_call<T>(call: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).ok()
}

/// Sends the core's log lines to the host, from one thread of the bindings' own (a full
/// queue drops lines rather than wait).
pub(crate) fn install_logger(
    host: Arc<dyn HostLogger>,
    level: LogLevel,
) -> Result<(), crate::TingshuoError> {
    use tracing_subscriber::layer::SubscriberExt;
    let (tx, rx) = mpsc::sync_channel::<(LogLevel, String, String)>(1024);
    std::thread::Builder::new()
        .name("tingshuo-log".into())
        .spawn(move || {
            while let Ok((level, target, message)) = rx.recv() {
                // A line the host's logger threw on is dropped; the next ones still go.
                let _ = host_call(|| host.log(level, target, message));
            }
        })
        .map_err(|_| crate::error::internal("log thread"))?;
    let filter = match level {
        LogLevel::Error => tracing::level_filters::LevelFilter::ERROR,
        LogLevel::Warn => tracing::level_filters::LevelFilter::WARN,
        LogLevel::Info => tracing::level_filters::LevelFilter::INFO,
        LogLevel::Debug => tracing::level_filters::LevelFilter::DEBUG,
    };
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(HostLayer { tx });
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| crate::error::internal("a logger is already set"))
}

struct HostLayer {
    tx: mpsc::SyncSender<(LogLevel, String, String)>,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for HostLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let metadata = event.metadata();
        let level = match *metadata.level() {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        };
        let mut line = LineWriter(String::new());
        event.record(&mut line);
        let _ = self
            .tx
            .try_send((level, metadata.target().to_owned(), line.0));
    }
}

struct LineWriter(String);

impl tracing::field::Visit for LineWriter {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = if field.name() == "message" {
            write!(self.0, "{value:?}")
        } else {
            write!(self.0, "{}={value:?}", field.name())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_that_never_answers_frees_the_core_thread() {
        let started = std::time::Instant::now();
        let answer = bounded(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(5));
            1
        });
        assert_eq!(answer, None);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(bounded(Duration::from_secs(5), || 2), Some(2));
    }

    /// A host call waiting on one worker of the runtime leaves the runtime's other work going:
    /// two calls hold both workers until a third task has run, which it can only do on a
    /// thread the waits handed their work to (else both calls give up at their limit).
    #[test]
    fn a_slow_host_call_on_a_worker_does_not_stall_the_other_tasks() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let released = Arc::new(std::sync::Barrier::new(3));
        let waiting = Arc::new(AtomicUsize::new(0));
        runtime.block_on(async {
            let held = || {
                let (released, waiting) = (released.clone(), waiting.clone());
                tokio::spawn(async move {
                    waiting.fetch_add(1, Ordering::SeqCst);
                    bounded(Duration::from_secs(10), move || {
                        released.wait();
                    })
                })
            };
            let (first, second) = (held(), held());
            // Both workers are in their host calls before the third task is spawned.
            while waiting.load(Ordering::SeqCst) < 2 {
                std::thread::sleep(Duration::from_millis(5));
            }
            let third = {
                let released = released.clone();
                tokio::spawn(async move {
                    tokio::task::spawn_blocking(move || {
                        released.wait();
                    })
                    .await
                })
            };
            assert!(matches!(first.await, Ok(Some(()))));
            assert!(matches!(second.await, Ok(Some(()))));
            assert!(matches!(third.await, Ok(Ok(()))));
        });
    }

    /// A speech engine that throws on its first reply, then speaks.
    #[derive(Default)]
    struct ThrowsOnce {
        spoken: std::sync::Mutex<Vec<String>>,
    }

    impl HostSpeech for ThrowsOnce {
        fn speak(&self, text: String, _: String, _: SpeechSettings) {
            let mut spoken = self.spoken.lock().unwrap_or_else(|e| e.into_inner());
            let first = spoken.is_empty();
            spoken.push(text);
            drop(spoken);
            assert!(!first, "the engine throws");
        }

        fn stop(&self) {}
    }

    #[test]
    fn a_reply_the_host_engine_threw_on_does_not_silence_the_ones_after_it() {
        let engine = Arc::new(ThrowsOnce::default());
        let queue = SpeechQueue::new(engine.clone()).unwrap();
        for text in ["first", "second", "third"] {
            queue.send(SpeechCommand::Speak {
                text: text.into(),
                locale: "en-US".into(),
                settings: SpeechSettings {
                    rate_percent: 100,
                    volume_percent: 100,
                    pitch_percent: 100,
                },
            });
        }
        let waited = std::time::Instant::now();
        while engine
            .spoken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
            < 3
            && waited.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let spoken = engine.spoken.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(*spoken, ["first", "second", "third"]);
    }
}
