//! One flat error type for the app, with stable codes. Messages name what went wrong and
//! never carry user data: no names, amounts, numbers, nor anything a host exception said.

use tingshuo_core::ClientError;
use tingshuo_core::Localizer;
use tingshuo_core::assistant::AssistantError;
use tingshuo_core::crypto::{KeyStoreError, SignerError};
use tingshuo_core::l10n::Arg;
use tingshuo_core::payments::PaymentError;
use tingshuo_core::store::{LoadViewError, StoreError};
use tingshuo_core::sync::{NetError, SyncError};

use crate::client::Line;

/// What the app can act on. `code()` is stable across releases (documented in the README):
/// apps switch on it, logs carry it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TingshuoError {
    /// The bank cannot be reached now; nothing that moves money was done. Try again later.
    #[error("E100 offline")]
    Offline,
    /// The bank no longer accepts this device (never registered, or its registration
    /// ended): register again.
    #[error("E101 session expired")]
    SessionExpired,
    /// The bank refused the request, with its reason code (`insufficient_funds`, …).
    #[error("E102 refused by the bank")]
    Refused { code: String },
    /// The customer's store cannot be used. `can_rebuild`: damage found while in use;
    /// `Client.rebuildStore()` rebuilds the cache from the bank, keeping what the customer
    /// asked for and this device's registration (a store rebuilt at open is no error:
    /// `Client.opened()` says `Rebuilt`). Otherwise it cannot be rebuilt by this app (written
    /// by a newer version, or unreadable): update or log out.
    #[error("E103 store damaged")]
    StoreDamaged { can_rebuild: bool },
    /// The speech model file is absent or is not a model.
    #[error("E104 speech model missing")]
    ModelMissing,
    /// The customer (or the host) cancelled, e.g. the step-up prompt.
    #[error("E105 cancelled")]
    Cancelled,
    /// A host capability (`capability`: key store, signer, step-up) failed or timed out.
    #[error("E106 host capability failed")]
    Host { capability: String },
    /// The phone's storage failed for now (full, or the file busy with another client):
    /// nothing was lost or damaged; free space or close the other client, and try again.
    #[error("E107 storage unavailable")]
    StorageUnavailable,
    /// This prepared payment was confirmed before (sent, or being sent): it is never sent
    /// twice. Its outcome is in the payment attempts; another payment is prepared anew.
    #[error("E108 payment already sent")]
    AlreadySent,
    /// The bank revoked this device (the customer removed it from another phone, or the
    /// bank did), and the sync that heard it deleted everything the store held of her.
    /// Register again with a new code; a different customer may register on it. (Other
    /// calls that hear it get E101.)
    #[error("E109 device revoked")]
    DeviceRevoked,
    /// The bank's own intents given to the assistant do not load, or take a name of the
    /// product's (`reason` says which, for the app's developers; it carries no customer data).
    #[error("E110 bank intents refused")]
    BankIntents { reason: String },
    /// A bug or an unexpected state in the core (a panic included); `what` names the layer.
    #[error("E199 internal error")]
    Internal { what: String },
}

#[uniffi::export]
impl TingshuoError {
    /// The stable number of this error: 100 offline, 101 session expired, 102 refused, 103
    /// store damaged, 104 model missing, 105 cancelled, 106 host failed, 107 storage
    /// unavailable, 108 payment already sent, 109 device revoked, 110 bank intents refused,
    /// 199 internal.
    pub fn code(&self) -> u16 {
        match self {
            TingshuoError::Offline => 100,
            TingshuoError::SessionExpired => 101,
            TingshuoError::Refused { .. } => 102,
            TingshuoError::StoreDamaged { .. } => 103,
            TingshuoError::ModelMissing => 104,
            TingshuoError::Cancelled => 105,
            TingshuoError::Host { .. } => 106,
            TingshuoError::StorageUnavailable => 107,
            TingshuoError::AlreadySent => 108,
            TingshuoError::DeviceRevoked => 109,
            TingshuoError::BankIntents { .. } => 110,
            TingshuoError::Internal { .. } => 199,
        }
    }

    /// What to tell the customer, to show and to speak, in `locale` (`zh-CN`, `en-US`): one
    /// sentence per code from the core's messages (`common.ftl` of each locale), a refusal with
    /// the bank's reason in words. An unknown locale is an error (E199).
    pub fn describe(&self, locale: String) -> Result<Line, TingshuoError> {
        let locale = crate::client::locale(&locale)?;
        let l10n = localizer()?;
        let id = match self {
            TingshuoError::Offline => "app-error-offline",
            TingshuoError::SessionExpired => "app-error-session-expired",
            TingshuoError::Refused { .. } => "app-error-refused",
            TingshuoError::StoreDamaged { can_rebuild: true } => "app-error-store-rebuild",
            TingshuoError::StoreDamaged { can_rebuild: false } => "app-error-store-newer",
            TingshuoError::ModelMissing => "app-error-model-missing",
            TingshuoError::Cancelled => "app-error-cancelled",
            TingshuoError::Host { .. } => "app-error-host",
            TingshuoError::StorageUnavailable => "app-error-storage-unavailable",
            TingshuoError::AlreadySent => "app-error-already-sent",
            TingshuoError::DeviceRevoked => "app-error-device-revoked",
            TingshuoError::BankIntents { .. } => "app-error-bank-intents",
            TingshuoError::Internal { .. } => "app-error-internal",
        };
        let reason = match self {
            TingshuoError::Refused { code } => l10n
                .format(
                    locale,
                    "request-reason",
                    &[("code", Arg::Text(code.clone()))],
                )
                .map_err(|_| internal("messages"))?,
            _ => String::new(),
        };
        let line = l10n
            .utter(locale, id, |_| {
                Ok(vec![("reason", Arg::Text(reason.clone()))])
            })
            .map_err(|_| internal("messages"))?;
        Ok(line.into())
    }
}

/// The core's messages, parsed once for the library's life (every view rendered, every error
/// described).
pub(crate) fn localizer() -> Result<&'static Localizer, TingshuoError> {
    static MESSAGES: std::sync::OnceLock<Option<Localizer>> = std::sync::OnceLock::new();
    MESSAGES
        .get_or_init(|| Localizer::new().ok())
        .as_ref()
        .ok_or_else(|| internal("messages"))
}

pub(crate) fn internal(what: &str) -> TingshuoError {
    TingshuoError::Internal { what: what.into() }
}

impl From<NetError> for TingshuoError {
    fn from(error: NetError) -> TingshuoError {
        match error {
            NetError::Offline
            | NetError::AnswerLost
            | NetError::Unavailable { .. }
            | NetError::SignInFailed(_) => TingshuoError::Offline,
            NetError::NotRegistered | NetError::Refused { status: 401, .. } => {
                TingshuoError::SessionExpired
            }
            NetError::Refused { code, .. } => TingshuoError::Refused {
                code: bank_code(&code),
            },
            NetError::Invalid(_) => internal("bank answer"),
            // The bank's URL or trust settings: the app's configuration, not the network.
            NetError::Unusable(_) => internal("transport"),
            NetError::Signer(error) => error.into(),
        }
    }
}

/// A bank's reason code is a short machine word; anything else is not passed on.
pub(crate) fn bank_code(code: &str) -> String {
    let plain = code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if plain { code.into() } else { "unknown".into() }
}

impl From<SignerError> for TingshuoError {
    fn from(error: SignerError) -> TingshuoError {
        match error {
            SignerError::Cancelled => TingshuoError::Cancelled,
            SignerError::Failed(_) => TingshuoError::Host {
                capability: "signer".into(),
            },
            SignerError::KeyLost => TingshuoError::Refused {
                code: "device_key_lost".into(),
            },
        }
    }
}

impl From<KeyStoreError> for TingshuoError {
    fn from(_: KeyStoreError) -> TingshuoError {
        TingshuoError::Host {
            capability: "key store".into(),
        }
    }
}

impl From<StoreError> for TingshuoError {
    fn from(error: StoreError) -> TingshuoError {
        match error {
            StoreError::KeyStoreFailed(_) => TingshuoError::Host {
                capability: "key store".into(),
            },
            error if error.calls_for_rebuild() => TingshuoError::StoreDamaged { can_rebuild: true },
            StoreError::NewerSchema { .. } => TingshuoError::StoreDamaged { can_rebuild: false },
            StoreError::Io(_) => TingshuoError::StorageUnavailable,
            _ => internal("store"),
        }
    }
}

impl From<SyncError> for TingshuoError {
    fn from(error: SyncError) -> TingshuoError {
        match error {
            SyncError::Net(error) => error.into(),
            SyncError::Store(error) => error.into(),
            SyncError::Wire(_) => internal("bank answer"),
            SyncError::DeviceRevoked => TingshuoError::DeviceRevoked,
        }
    }
}

impl From<LoadViewError> for TingshuoError {
    fn from(error: LoadViewError) -> TingshuoError {
        match error {
            LoadViewError::Store(error) => error.into(),
            LoadViewError::View(_) => internal("view"),
        }
    }
}

impl From<ClientError> for TingshuoError {
    fn from(error: ClientError) -> TingshuoError {
        match error {
            ClientError::Store(error) => error.into(),
            ClientError::Net(error) => error.into(),
            ClientError::Sync(error) => error.into(),
            ClientError::View(error) => error.into(),
        }
    }
}

impl From<PaymentError> for TingshuoError {
    fn from(error: PaymentError) -> TingshuoError {
        match error {
            PaymentError::Offline => TingshuoError::Offline,
            PaymentError::Invalid(_) => internal("payment not possible"),
            PaymentError::StepUpCancelled => TingshuoError::Cancelled,
            // Not her cancelling: the host offers to register the phone again.
            PaymentError::DeviceKeyLost => TingshuoError::Refused {
                code: "device_key_lost".into(),
            },
            PaymentError::Store(error) => error.into(),
            PaymentError::Sync(error) => error.into(),
        }
    }
}

impl From<AssistantError> for TingshuoError {
    fn from(error: AssistantError) -> TingshuoError {
        match error {
            AssistantError::Client(error) => error.into(),
            AssistantError::L10n(_) => internal("messages"),
            AssistantError::Context(..) => internal("understanding context"),
            AssistantError::BankIntents(error) => TingshuoError::BankIntents {
                reason: error.to_string(),
            },
            AssistantError::NoRecognizer => TingshuoError::ModelMissing,
            AssistantError::SpendingUnsummable => internal("spending total"),
            #[cfg(feature = "voice")]
            AssistantError::Listen(error) => error.into(),
        }
    }
}

#[cfg(feature = "voice")]
impl From<tingshuo_core::listen::recognizer::RecognizerError> for TingshuoError {
    fn from(error: tingshuo_core::listen::recognizer::RecognizerError) -> TingshuoError {
        use tingshuo_core::listen::recognizer::RecognizerError;
        match error {
            RecognizerError::Model { .. } | RecognizerError::UnsupportedLocale { .. } => {
                TingshuoError::ModelMissing
            }
            RecognizerError::Cancelled => TingshuoError::Cancelled,
            RecognizerError::Whisper(_) => internal("recognizer"),
            RecognizerError::Audio(_) => internal("audio"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_carry_no_detail() {
        let all = [
            (TingshuoError::Offline, 100),
            (TingshuoError::SessionExpired, 101),
            (
                TingshuoError::Refused {
                    code: "insufficient_funds".into(),
                },
                102,
            ),
            (TingshuoError::StoreDamaged { can_rebuild: true }, 103),
            (TingshuoError::ModelMissing, 104),
            (TingshuoError::Cancelled, 105),
            (
                TingshuoError::Host {
                    capability: "signer".into(),
                },
                106,
            ),
            (TingshuoError::StorageUnavailable, 107),
            (TingshuoError::AlreadySent, 108),
            (TingshuoError::DeviceRevoked, 109),
            (
                TingshuoError::BankIntents {
                    reason: "intent transfer is already defined".into(),
                },
                110,
            ),
            (internal("store"), 199),
        ];
        for (error, code) in all {
            assert_eq!(error.code(), code);
            assert!(error.to_string().starts_with(&format!("E{code} ")));
        }
        let refused: TingshuoError = NetError::Refused {
            status: 422,
            code: "Bob Wilson owes 20".into(),
        }
        .into();
        assert_eq!(
            refused,
            TingshuoError::Refused {
                code: "unknown".into()
            }
        );
        // Revoked, as a payment or a list of devices hears it: registered no longer; "deleted"
        // only from the sync that deleted it.
        let refused: TingshuoError = NetError::Refused {
            status: 401,
            code: "device_revoked".into(),
        }
        .into();
        assert_eq!(refused, TingshuoError::SessionExpired);
        assert_eq!(
            TingshuoError::from(SyncError::DeviceRevoked),
            TingshuoError::DeviceRevoked
        );
        let host: TingshuoError = SignerError::Failed("PIN 1234 for Bob".into()).into();
        assert!(!format!("{host:?}").contains("Bob"));
    }

    #[test]
    fn every_error_is_described_in_each_locale_in_its_own_words() {
        let all = [
            TingshuoError::Offline,
            TingshuoError::SessionExpired,
            TingshuoError::Refused {
                code: "insufficient_funds".into(),
            },
            TingshuoError::Refused {
                code: "unknown".into(),
            },
            TingshuoError::StoreDamaged { can_rebuild: true },
            TingshuoError::StoreDamaged { can_rebuild: false },
            TingshuoError::ModelMissing,
            TingshuoError::Cancelled,
            TingshuoError::Host {
                capability: "signer".into(),
            },
            TingshuoError::StorageUnavailable,
            TingshuoError::AlreadySent,
            TingshuoError::DeviceRevoked,
            internal("store"),
        ];
        for locale in ["en-US", "zh-CN"] {
            let described: Vec<Line> = all
                .iter()
                .map(|error| error.describe(locale.into()).unwrap())
                .collect();
            for (error, line) in all.iter().zip(&described) {
                assert!(
                    !line.display.is_empty() && !line.speech.is_empty(),
                    "{error:?} in {locale}"
                );
                assert!(
                    !line.display.contains(['{', '}']) && !line.display.contains("E1"),
                    "{line:?}"
                );
            }
            // No two errors said the same way: each tells her what to do about it.
            let mut distinct: Vec<&str> = described.iter().map(|l| l.display.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), all.len(), "{described:?}");
        }
        let refused = TingshuoError::Refused {
            code: "insufficient_funds".into(),
        };
        assert!(
            refused
                .describe("en-US".into())
                .unwrap()
                .display
                .contains("not enough money")
        );
        assert!(
            refused
                .describe("zh-CN".into())
                .unwrap()
                .display
                .contains("余额不足")
        );
        assert_eq!(
            TingshuoError::Offline.describe("fr-FR".into()),
            Err(internal("unknown locale"))
        );
    }
}
