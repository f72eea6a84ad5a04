//! Encryption of C2 fields at rest.
//!
//! Each database has a random 256-bit data key. The data key is stored only wrapped by the
//! host's key-encryption key ([`KeyStore`]: Android Keystore, iOS Keychain, a 0600 file on
//! desktop), so the database file alone reveals nothing. Every C2 field is sealed with
//! AES-256-GCM under the data key:
//!
//! * a fresh 96-bit nonce from the system CSPRNG per seal — never a counter that a crash or a
//!   restored backup could rewind. A data key seals at most 2^32 values before
//!   [`FieldCipher::seal`] refuses and the store must be rebuilt with a new key, which keeps
//!   the chance of a nonce collision below 2^-32 (NIST SP 800-38D, 8.3);
//! * the table, column and row id as associated data, so a ciphertext copied to another row
//!   or column fails authentication instead of decrypting there.
//!
//! Sealed layout: `version (1) || nonce (12) || ciphertext || tag (16)`.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

const SEAL_VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const MAX_SEALS_PER_KEY: u64 = 1 << 32;

/// Why the host's key store failed. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// The key-encryption key is gone or cannot be reached (app reinstalled, keystore reset,
    /// file missing). The wrapped data key can never be opened again.
    #[error("the key store has no key for this data: {0}")]
    Unavailable(String),
    /// The key store has a key, but it does not open this wrapped data key.
    #[error("the key store rejected the wrapped data key")]
    Rejected,
    #[error("the key store failed: {0}")]
    Failed(String),
}

/// The host's key-encryption key. Implemented by the app: Android Keystore or iOS Keychain
/// (a non-exportable AES key that wraps and unwraps), a 0600 file on desktop.
pub trait KeyStore: Send + Sync {
    /// Encrypts a data key under the key-encryption key, creating that key on first use.
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError>;
    /// Decrypts a data key wrapped by [`KeyStore::wrap`].
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError>;
    /// Destroys the key-encryption key (logout), and the recorded generation with it.
    fn delete(&self) -> Result<(), KeyStoreError>;

    /// Keeps the store's write generation outside the database file, so a whole file put
    /// back from an older copy (rows and their integrity tag together) is found at open: its
    /// generation is below the one recorded here. Called after each protected write commits.
    /// The default keeps nothing, and then only single values put back are found; a host
    /// that can keep eight bytes beside its key (a Keychain item, a file, shared
    /// preferences) implements both methods.
    fn record_generation(&self, generation: u64) -> Result<(), KeyStoreError> {
        let _ = generation;
        Ok(())
    }

    /// The generation last given to [`KeyStore::record_generation`]; `None` when nothing is
    /// kept (the default) or nothing was recorded yet.
    fn recorded_generation(&self) -> Result<Option<u64>, KeyStoreError> {
        Ok(None)
    }
}

/// AES-256-GCM key wrapping with a key held in memory: the building block of software key
/// stores (the desktop file key store, tests). The label is bound as associated data.
pub fn wrap_with_key(kek: &[u8], data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
    let key = aead_key(kek).map_err(|_| KeyStoreError::Failed("bad key length".into()))?;
    seal_raw(&key, b"tingshuo/wrap/v1", data_key)
        .map_err(|_| KeyStoreError::Failed("random source failed".into()))
}

pub fn unwrap_with_key(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
    let key = aead_key(kek).map_err(|_| KeyStoreError::Failed("bad key length".into()))?;
    open_raw(&key, b"tingshuo/wrap/v1", wrapped)
        .map(Zeroizing::new)
        .map_err(|_| KeyStoreError::Rejected)
}

/// Generates 32 random bytes for a key.
pub fn generate_key() -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut key = Zeroizing::new(vec![0_u8; KEY_LEN]);
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| CryptoError::RandomUnavailable)?;
    Ok(key)
}

/// A key store that keeps its key in process memory: for hosts that manage the key
/// themselves, and for tests. Logout (`delete`) forgets the key.
pub struct MemoryKeyStore {
    kek: Mutex<Option<Zeroizing<Vec<u8>>>>,
    generation: Mutex<Option<u64>>,
}

impl MemoryKeyStore {
    pub fn new() -> Result<MemoryKeyStore, CryptoError> {
        Ok(MemoryKeyStore {
            kek: Mutex::new(Some(generate_key()?)),
            generation: Mutex::new(None),
        })
    }

    fn generation_slot(&self) -> Result<std::sync::MutexGuard<'_, Option<u64>>, KeyStoreError> {
        self.generation
            .lock()
            .map_err(|_| KeyStoreError::Failed("key store lock poisoned".into()))
    }

    fn with_key<R>(
        &self,
        f: impl FnOnce(&[u8]) -> Result<R, KeyStoreError>,
    ) -> Result<R, KeyStoreError> {
        let guard = self
            .kek
            .lock()
            .map_err(|_| KeyStoreError::Failed("key store lock poisoned".into()))?;
        match guard.as_ref() {
            Some(kek) => f(kek),
            None => Err(KeyStoreError::Unavailable("key deleted".into())),
        }
    }
}

impl fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryKeyStore([redacted])")
    }
}

impl KeyStore for MemoryKeyStore {
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        let mut guard = self
            .kek
            .lock()
            .map_err(|_| KeyStoreError::Failed("key store lock poisoned".into()))?;
        if guard.is_none() {
            // As the trait asks: a deleted key is replaced by a new one on next use.
            *guard = Some(generate_key().map_err(|e| KeyStoreError::Failed(e.to_string()))?);
        }
        match guard.as_ref() {
            Some(kek) => wrap_with_key(kek, data_key),
            None => Err(KeyStoreError::Unavailable("key deleted".into())),
        }
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        self.with_key(|kek| unwrap_with_key(kek, wrapped))
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        let mut guard = self
            .kek
            .lock()
            .map_err(|_| KeyStoreError::Failed("key store lock poisoned".into()))?;
        *guard = None;
        *self.generation_slot()? = None;
        Ok(())
    }

    fn record_generation(&self, generation: u64) -> Result<(), KeyStoreError> {
        *self.generation_slot()? = Some(generation);
        Ok(())
    }

    fn recorded_generation(&self) -> Result<Option<u64>, KeyStoreError> {
        Ok(*self.generation_slot()?)
    }
}

/// Failures of sealing and opening. `Tampered` names the place, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the system random source failed")]
    RandomUnavailable,
    #[error("the data key is malformed")]
    BadKey,
    #[error(
        "sealed value in {table}.{column} failed authentication (corrupted, or moved from another row)"
    )]
    Tampered {
        table: &'static str,
        column: &'static str,
    },
    #[error("the data key has sealed its maximum number of values; rebuild the store")]
    KeyExhausted,
}

/// Every C2 column in the store. The list is the single place that says which columns are
/// encrypted; `docs/ARCHITECTURE.md` reproduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    MetaKeyCheck,
    CustomerFullName,
    AccountNumber,
    AccountAvailable,
    AccountBooked,
    TransactionAmount,
    TransactionCounterparty,
    TransactionDescription,
    TransactionCategory,
    TransactionOccurredAt,
    PayeeName,
    PayeeAccountNumber,
    BillerCustomerReference,
    BillAmount,
    CardNumber,
    ServiceRequestLocation,
    ServiceRequestReference,
    ServiceRequestScheduledAt,
    ServiceRequestOpenedAt,
    OutboxPayload,
    SyncValue,
    PaymentAttemptRequest,
    PaymentAmount,
    WaitingPatch,
}

impl SealedColumn {
    pub const ALL: &'static [SealedColumn] = &[
        SealedColumn::MetaKeyCheck,
        SealedColumn::CustomerFullName,
        SealedColumn::AccountNumber,
        SealedColumn::AccountAvailable,
        SealedColumn::AccountBooked,
        SealedColumn::TransactionAmount,
        SealedColumn::TransactionCounterparty,
        SealedColumn::TransactionDescription,
        SealedColumn::TransactionCategory,
        SealedColumn::TransactionOccurredAt,
        SealedColumn::PayeeName,
        SealedColumn::PayeeAccountNumber,
        SealedColumn::BillerCustomerReference,
        SealedColumn::BillAmount,
        SealedColumn::CardNumber,
        SealedColumn::ServiceRequestLocation,
        SealedColumn::ServiceRequestReference,
        SealedColumn::ServiceRequestScheduledAt,
        SealedColumn::ServiceRequestOpenedAt,
        SealedColumn::OutboxPayload,
        SealedColumn::SyncValue,
        SealedColumn::PaymentAttemptRequest,
        SealedColumn::PaymentAmount,
        SealedColumn::WaitingPatch,
    ];

    /// (table, column) as in the schema.
    pub fn location(&self) -> (&'static str, &'static str) {
        match self {
            SealedColumn::MetaKeyCheck => ("meta", "value"),
            SealedColumn::CustomerFullName => ("customer", "full_name"),
            SealedColumn::AccountNumber => ("account", "number"),
            SealedColumn::AccountAvailable => ("account", "available_minor"),
            SealedColumn::AccountBooked => ("account", "booked_minor"),
            SealedColumn::TransactionAmount => ("txn", "amount_minor"),
            SealedColumn::TransactionCounterparty => ("txn", "counterparty"),
            SealedColumn::TransactionDescription => ("txn", "description"),
            SealedColumn::TransactionCategory => ("txn", "category"),
            SealedColumn::TransactionOccurredAt => ("txn", "occurred_at"),
            SealedColumn::PayeeName => ("payee", "name"),
            SealedColumn::PayeeAccountNumber => ("payee", "account_number"),
            SealedColumn::BillerCustomerReference => ("biller", "customer_reference"),
            SealedColumn::BillAmount => ("bill", "amount_minor"),
            SealedColumn::CardNumber => ("card", "number"),
            SealedColumn::ServiceRequestLocation => ("service_request", "location"),
            SealedColumn::ServiceRequestReference => ("service_request", "reference"),
            SealedColumn::ServiceRequestScheduledAt => ("service_request", "scheduled_at"),
            SealedColumn::ServiceRequestOpenedAt => ("service_request", "opened_at"),
            SealedColumn::OutboxPayload => ("outbox", "payload"),
            SealedColumn::SyncValue => ("sync_state", "value"),
            SealedColumn::PaymentAttemptRequest => ("payment_attempt", "request"),
            SealedColumn::PaymentAmount => ("payment", "amount_minor"),
            SealedColumn::WaitingPatch => ("waiting_patch", "patch"),
        }
    }

    /// Plaintext columns of the same row whose values are bound into this column's sealed
    /// values, in order: an amount moved to another account or shown in another currency, a
    /// payee's name under another relationship, no longer opens, and the store's check
    /// finds it.
    pub fn bound_columns(&self) -> &'static [&'static str] {
        match self {
            SealedColumn::AccountNumber => &["kind", "name"],
            SealedColumn::AccountAvailable | SealedColumn::AccountBooked => &["kind", "currency"],
            SealedColumn::TransactionAmount => &["account_id", "currency"],
            SealedColumn::TransactionCounterparty
            | SealedColumn::TransactionDescription
            | SealedColumn::TransactionCategory
            | SealedColumn::TransactionOccurredAt => &["account_id"],
            SealedColumn::PayeeName | SealedColumn::PayeeAccountNumber => &["relationship"],
            SealedColumn::BillAmount => &["biller_id", "currency"],
            SealedColumn::CardNumber => &["account_id", "kind"],
            SealedColumn::ServiceRequestLocation
            | SealedColumn::ServiceRequestReference
            | SealedColumn::ServiceRequestScheduledAt
            | SealedColumn::ServiceRequestOpenedAt => &["channel", "status"],
            SealedColumn::OutboxPayload => &["kind", "target_id"],
            SealedColumn::PaymentAmount => &["kind", "from_account", "target_id", "currency"],
            _ => &[],
        }
    }

    /// What a value of this column is sealed under: the row's id, then the values of its
    /// [`bound columns`](SealedColumn::bound_columns), NUL-separated (neither ids nor stored
    /// text contain NUL).
    pub fn row(&self, row_id: &str, bound: &[&str]) -> String {
        debug_assert_eq!(bound.len(), self.bound_columns().len(), "{self:?}");
        let mut row = row_id.to_owned();
        for value in bound {
            row.push('\0');
            row.push_str(value);
        }
        row
    }

    /// The column naming the row a sealed value is bound to.
    pub fn row_key_column(&self) -> &'static str {
        match self {
            SealedColumn::PaymentAttemptRequest | SealedColumn::OutboxPayload => "idempotency_key",
            SealedColumn::SyncValue | SealedColumn::WaitingPatch => "key",
            _ => "id",
        }
    }

    fn associated_data(&self, row_id: &str) -> Vec<u8> {
        let (table, column) = self.location();
        // NUL separators: ids cannot contain NUL (the store rejects them), so no two
        // (table, column, row) triples produce the same bytes.
        let mut aad = Vec::with_capacity(16 + table.len() + column.len() + row_id.len());
        aad.extend_from_slice(b"tingshuo/v1\0");
        aad.extend_from_slice(table.as_bytes());
        aad.push(0);
        aad.extend_from_slice(column.as_bytes());
        aad.push(0);
        aad.extend_from_slice(row_id.as_bytes());
        aad
    }
}

/// Seals and opens C2 fields under one database's data key, and tags the store's
/// protected tables with a key derived from it (`HMAC(data key, INTEGRITY_LABEL)`), so the
/// tag cannot be made without the data key and no sealed value is ever under the same key.
pub struct FieldCipher {
    key: LessSafeKey,
    integrity: hmac::Key,
    seals: AtomicU64,
}

const INTEGRITY_LABEL: &[u8] = b"tingshuo/integrity/v1";

impl fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FieldCipher([redacted])")
    }
}

fn aead_key(bytes: &[u8]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::BadKey)
}

fn seal_raw(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce_bytes = [0_u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce_bytes)
        .map_err(|_| CryptoError::RandomUnavailable)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad),
            &mut out[1 + NONCE_LEN..],
        )
        .map_err(|_| CryptoError::BadKey)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Returns `Err(())` for any failure: callers name the place.
fn open_raw(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, ()> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEAL_VERSION {
        return Err(());
    }
    let nonce = Nonce::try_assume_unique_for_key(&sealed[1..=NONCE_LEN]).map_err(|_| ())?;
    let mut buffer = sealed[1 + NONCE_LEN..].to_vec();
    let plaintext_len = key
        .open_in_place(nonce, Aad::from(aad), &mut buffer)
        .map_err(|_| ())?
        .len();
    buffer.truncate(plaintext_len);
    Ok(buffer)
}

impl FieldCipher {
    pub fn new(data_key: &[u8]) -> Result<FieldCipher, CryptoError> {
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, data_key),
            INTEGRITY_LABEL,
        );
        Ok(FieldCipher {
            key: aead_key(data_key)?,
            integrity: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            seals: AtomicU64::new(0),
        })
    }

    /// Starts the seal count where the store's persisted counter left it.
    pub fn with_seal_count(data_key: &[u8], seals: u64) -> Result<FieldCipher, CryptoError> {
        let cipher = FieldCipher::new(data_key)?;
        cipher.seals.store(seals, Ordering::Relaxed);
        Ok(cipher)
    }

    /// The integrity tag (HMAC-SHA256) of a message, under the key derived for it.
    pub fn integrity_tag(&self, message: &[u8]) -> Vec<u8> {
        hmac::sign(&self.integrity, message).as_ref().to_vec()
    }

    /// True when `tag` is the message's integrity tag (compared in constant time).
    pub fn integrity_holds(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.integrity, message, tag).is_ok()
    }

    pub fn seal_count(&self) -> u64 {
        self.seals.load(Ordering::Relaxed)
    }

    pub fn seal(
        &self,
        column: SealedColumn,
        row_id: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if self.seals.fetch_add(1, Ordering::Relaxed) >= MAX_SEALS_PER_KEY {
            return Err(CryptoError::KeyExhausted);
        }
        seal_raw(&self.key, &column.associated_data(row_id), plaintext)
    }

    pub fn open(
        &self,
        column: SealedColumn,
        row_id: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        open_raw(&self.key, &column.associated_data(row_id), sealed).map_err(|()| {
            let (table, column) = column.location();
            CryptoError::Tampered { table, column }
        })
    }

    pub fn seal_str(
        &self,
        column: SealedColumn,
        row_id: &str,
        text: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.seal(column, row_id, text.as_bytes())
    }

    pub fn open_string(
        &self,
        column: SealedColumn,
        row_id: &str,
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        let bytes = self.open(column, row_id, sealed)?;
        String::from_utf8(bytes).map_err(|_| {
            let (table, column) = column.location();
            CryptoError::Tampered { table, column }
        })
    }

    pub fn seal_i64(
        &self,
        column: SealedColumn,
        row_id: &str,
        value: i64,
    ) -> Result<Vec<u8>, CryptoError> {
        self.seal(column, row_id, &value.to_le_bytes())
    }

    pub fn open_i64(
        &self,
        column: SealedColumn,
        row_id: &str,
        sealed: &[u8],
    ) -> Result<i64, CryptoError> {
        let bytes = self.open(column, row_id, sealed)?;
        let array: [u8; 8] = bytes.as_slice().try_into().map_err(|_| {
            let (table, column) = column.location();
            CryptoError::Tampered { table, column }
        })?;
        Ok(i64::from_le_bytes(array))
    }
}

/// Why the device key could not sign. The host prompts for PIN or biometric inside
/// [`DeviceSigner::sign`]; voice is never a factor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    #[error("the customer did not complete the step-up check")]
    Cancelled,
    #[error("the device key failed: {0}")]
    Failed(String),
    /// A device key is gone for good (a fingerprint added or the screen lock removed
    /// invalidates a phone's payment key, which needs her): nothing it signed can be signed
    /// until the phone is registered again with new keys.
    #[error("a device key is gone; the phone must be registered again")]
    KeyLost,
}

/// The device's signing key (Ed25519), held by the host: Android Keystore or the Secure
/// Enclave on phones, where signing requires the customer's PIN or biometric. The bank
/// verifies logins and payments (the step-up proof) with its public key.
pub trait DeviceSigner: Send + Sync {
    /// The raw 32-byte Ed25519 public key of the login key, used silently (no prompt).
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError>;
    /// The raw 32-byte Ed25519 public key of the payment key: a different key, which on a
    /// phone needs the user (PIN or biometric) at every use — a Keystore key with
    /// `setUserAuthenticationRequired`, a Secure Enclave key with `.userPresence` — so the
    /// platform, not app code, enforces the step-up. The bank checks payments against it only.
    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError>;
    /// Signs a login challenge with the login key (no prompt needed).
    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
    /// Signs a payment with the payment key, after the host's step-up (PIN or biometric).
    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Two Ed25519 keys in memory, login and payment: for the desktop harness and tests. Its
/// step-up always succeeds; a phone's signer asks the customer first.
pub struct SoftwareSigner {
    login: ring::signature::Ed25519KeyPair,
    payment: ring::signature::Ed25519KeyPair,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SoftwareSigner([redacted])")
    }
}

impl SoftwareSigner {
    /// New keys; returns the signer and its key material (both keys' PKCS#8 documents, each
    /// after its two-byte length) for the caller to keep.
    pub fn generate() -> Result<(SoftwareSigner, Zeroizing<Vec<u8>>), CryptoError> {
        let mut material = Zeroizing::new(Vec::new());
        for _ in 0..2 {
            let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| CryptoError::RandomUnavailable)?;
            let len = u16::try_from(pkcs8.as_ref().len()).map_err(|_| CryptoError::BadKey)?;
            material.extend_from_slice(&len.to_be_bytes());
            material.extend_from_slice(pkcs8.as_ref());
        }
        Ok((SoftwareSigner::from_key_material(&material)?, material))
    }

    /// The signer of key material made by [`SoftwareSigner::generate`].
    pub fn from_key_material(material: &[u8]) -> Result<SoftwareSigner, CryptoError> {
        let mut rest = material;
        let mut next = || -> Result<ring::signature::Ed25519KeyPair, CryptoError> {
            let (len, tail) = rest.split_first_chunk::<2>().ok_or(CryptoError::BadKey)?;
            let len = usize::from(u16::from_be_bytes(*len));
            let (pkcs8, tail) = tail.split_at_checked(len).ok_or(CryptoError::BadKey)?;
            rest = tail;
            ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError::BadKey)
        };
        let (login, payment) = (next()?, next()?);
        if !rest.is_empty() {
            return Err(CryptoError::BadKey);
        }
        Ok(SoftwareSigner { login, payment })
    }
}

impl DeviceSigner for SoftwareSigner {
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError> {
        use ring::signature::KeyPair;
        Ok(self.login.public_key().as_ref().to_vec())
    }

    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError> {
        use ring::signature::KeyPair;
        Ok(self.payment.public_key().as_ref().to_vec())
    }

    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.login.sign(message).as_ref().to_vec())
    }

    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.payment.sign(message).as_ref().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn cipher() -> FieldCipher {
        FieldCipher::new(&generate_key().unwrap()).unwrap()
    }

    #[test]
    fn round_trip_and_binding() {
        let cipher = cipher();
        let sealed = cipher
            .seal_str(SealedColumn::PayeeName, "p1", "李伟")
            .unwrap();
        assert_eq!(
            cipher
                .open_string(SealedColumn::PayeeName, "p1", &sealed)
                .unwrap(),
            "李伟"
        );
        assert_eq!(
            cipher.open_string(SealedColumn::PayeeName, "p2", &sealed),
            Err(CryptoError::Tampered {
                table: "payee",
                column: "name"
            })
        );
        assert!(
            cipher
                .open(SealedColumn::TransactionCounterparty, "p1", &sealed)
                .is_err()
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(
            cipher
                .open(SealedColumn::PayeeName, "p1", &flipped)
                .is_err()
        );
        assert!(
            cipher
                .open(SealedColumn::PayeeName, "p1", &sealed[..10])
                .is_err()
        );
        assert!(cipher.open(SealedColumn::PayeeName, "p1", &[]).is_err());
    }

    #[test]
    fn nonces_are_never_reused() {
        let cipher = cipher();
        let nonces: HashSet<Vec<u8>> = (0..20_000)
            .map(|_| {
                cipher
                    .seal_i64(SealedColumn::TransactionAmount, "t", 42)
                    .unwrap()[1..13]
                    .to_vec()
            })
            .collect();
        assert_eq!(nonces.len(), 20_000);
        assert_eq!(cipher.seal_count(), 20_000);
    }

    #[test]
    fn an_exhausted_key_refuses_to_seal() {
        let cipher =
            FieldCipher::with_seal_count(&generate_key().unwrap(), MAX_SEALS_PER_KEY).unwrap();
        assert_eq!(
            cipher.seal_str(SealedColumn::PayeeName, "p1", "x"),
            Err(CryptoError::KeyExhausted)
        );
    }

    #[test]
    fn key_wrapping_detects_the_wrong_key() {
        let store_a = MemoryKeyStore::new().unwrap();
        let store_b = MemoryKeyStore::new().unwrap();
        let wrapped = store_a.wrap(b"0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(
            store_a.unwrap(&wrapped).unwrap().as_slice(),
            b"0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            store_b.unwrap(&wrapped).map(|_| ()),
            Err(KeyStoreError::Rejected)
        );
        store_a.delete().unwrap();
        assert!(matches!(
            store_a.unwrap(&wrapped),
            Err(KeyStoreError::Unavailable(_))
        ));
    }
}
