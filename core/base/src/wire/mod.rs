//! The bank API's wire types: what `docs/api/openapi.yaml` describes. The reference bank
//! (`sandbox/`) and the sync client share these and nothing else.
//!
//! Everything that arrives from a server is checked before it becomes model data
//! ([`Patch::into_change`]): out-of-range amounts, oversized or control-character text,
//! unknown enum values are clear [`WireError`]s, never panics. An unknown value is a newer
//! bank's, not a broken one's: the sync leaves that record out and says so, and a category,
//! biller category or relationship reads as "other" ([`reader_fingerprint`] says how a later
//! version reads them again). Fields a document carries beyond these are ignored, never kept:
//! a bank may send more than the app uses (an ID number, a phone, a field added later), and
//! the device stores only what it uses (minimum necessary).

pub mod routes;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::classify::{AccountNumber, C2, CardNumber};
use crate::ids::Id;
use crate::model::{
    Account, AccountKind, Alert, AlertKind, Balance, Bill, BillStatus, Biller, BillerCategory,
    Card, CardKind, CardStatus, Category, Channel, Customer, Payee, Relationship, ServiceRequest,
    ServiceStatus, Transaction, TransactionStatus,
};
use crate::money::{Currency, Money};

/// Idempotency keys are at most this long (the bank's limit).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 40;
/// The most patches a page may carry; a longer page is refused as hostile.
pub const MAX_PAGE_PATCHES: usize = 1000;
/// The most characters any text field may carry.
pub const MAX_TEXT_CHARS: usize = 200;
/// Amounts beyond ±10^15 minor units (10 trillion yuan) are refused as corrupt.
pub const MAX_ABS_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Why server data was refused. Names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("field {field}: unknown value")]
    UnknownValue { field: &'static str },
    #[error("field {field}: out of range")]
    OutOfRange { field: &'static str },
    #[error("field {field}: text too long or containing control characters")]
    BadText { field: &'static str },
    #[error("patch of kind {kind} is missing its data")]
    MissingData { kind: &'static str },
    #[error("patch data does not match its kind: {0}")]
    Shape(String),
    #[error("page has {0} patches, more than allowed")]
    PageTooLarge(usize),
    /// A bank that says "more" page after page past what any customer's data fills.
    #[error("the bank sent more than {pages} pages or {patches} changes in one sync")]
    TooManyPages { pages: usize, patches: usize },
}

/// An idempotency key: 1 to 40 characters of `[A-Za-z0-9_-]`.
pub fn valid_idempotency_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn text(field: &'static str, value: String) -> Result<String, WireError> {
    if value.chars().count() > MAX_TEXT_CHARS || value.chars().any(char::is_control) {
        Err(WireError::BadText { field })
    } else {
        Ok(value)
    }
}

fn id<T>(field: &'static str, value: String) -> Result<Id<T>, WireError> {
    // A dot segment could not name it in a URL: a request for it would reach another route.
    if value.is_empty()
        || value.len() > 128
        || value.contains('\0')
        || routes::is_dot_segment(&value)
    {
        return Err(WireError::BadText { field });
    }
    text(field, value).map(Id::new)
}

fn amount(field: &'static str, minor: i64, currency: Currency) -> Result<Money, WireError> {
    if minor
        .checked_abs()
        .is_none_or(|abs| abs > MAX_ABS_AMOUNT_MINOR)
    {
        return Err(WireError::OutOfRange { field });
    }
    Ok(Money::from_minor(minor, currency))
}

fn non_negative(field: &'static str, minor: i64, currency: Currency) -> Result<Money, WireError> {
    if minor < 0 {
        return Err(WireError::OutOfRange { field });
    }
    amount(field, minor, currency)
}

fn currency(field: &'static str, code: &str) -> Result<Currency, WireError> {
    Currency::from_code(code).map_err(|_| WireError::UnknownValue { field })
}

fn known<T>(
    field: &'static str,
    value: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, WireError> {
    parse(value).ok_or(WireError::UnknownValue { field })
}

/// A value of a field whose "other" says what the app needs of one it does not know: a
/// spending category or a payee's relationship a newer bank added still shows the row (its
/// amount counts in the summary's "other", the payee is read back without "your son"). A
/// version that knows the value reads it again ([`reader_fingerprint`]).
fn known_or_other<T>(value: &str, parse: fn(&str) -> Option<T>, other: T) -> T {
    parse(value).unwrap_or(other)
}

/// How fields are read, beyond which kinds and values are known: raised when a release keeps
/// something differently (1: a card's number kept as its last four digits), so that stores
/// read before are read again.
const READING_REVISION: &str = "reading 1";

/// Names what this version of the app can read of the bank's feed: every kind of record and
/// every value of a field it knows, and how it reads them ([`READING_REVISION`]). A store
/// read by a reader with another fingerprint is read again from the start, so a version that
/// knows more reads what an older one left out or read as "other" (FNV-1a over the names,
/// stable across platforms and runs).
pub fn reader_fingerprint() -> String {
    let statuses = payment_status::ALL.iter().copied();
    let names = std::iter::once(READING_REVISION)
        .chain(kinds::ALL.iter().copied())
        .chain(statuses)
        .chain(PAYMENT_KINDS.iter().copied())
        .chain(AccountKind::ALL.iter().map(|v| v.as_str()))
        .chain(TransactionStatus::ALL.iter().map(|v| v.as_str()))
        .chain(Category::ALL.iter().map(|v| v.as_str()))
        .chain(CardStatus::ALL.iter().map(|v| v.as_str()))
        .chain(CardKind::ALL.iter().map(|v| v.as_str()))
        .chain(BillStatus::ALL.iter().map(|v| v.as_str()))
        .chain(Relationship::ALL.iter().map(|v| v.as_str()))
        .chain(BillerCategory::ALL.iter().map(|v| v.as_str()))
        .chain(AlertKind::ALL.iter().map(|v| v.as_str()))
        .chain(Channel::ALL.iter().map(|v| v.as_str()))
        .chain(ServiceStatus::ALL.iter().map(|v| v.as_str()))
        .chain(Currency::all().map(|c| c.code()))
        .chain(crate::locale::Locale::ALL.iter().map(|l| l.tag()));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in names {
        for byte in name.bytes().chain([b'\n']) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

// ---------------------------------------------------------------- authentication

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterDeviceRequest {
    pub customer_id: String,
    /// The one-time enrollment code the bank gave the customer (C3 on the client side).
    pub enrollment_code: String,
    /// The login key: 32-byte Ed25519, base64url without padding.
    pub public_key: String,
    /// The payment key, another 32-byte Ed25519 key (base64url), which the platform lets be
    /// used only after the customer's PIN or biometric: payments verify against it alone.
    pub payment_public_key: String,
    pub device_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterDeviceResponse {
    pub device_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeRequest {
    pub device_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeResponse {
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub device_id: String,
    pub challenge: String,
    /// Ed25519 signature of [`login_message`], base64url.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// One of the customer's registered devices, as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceDto {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The device this session belongs to.
    pub current: bool,
    /// Set once the device is revoked; the list shows only devices not revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl DeviceDto {
    /// The device as checked server data: ids and names within the text limits.
    pub fn validated(self) -> Result<DeviceDto, WireError> {
        let id = id::<DeviceDto>("device.id", self.id)?.as_str().to_owned();
        Ok(DeviceDto {
            id,
            name: text("device.name", self.name)?,
            ..self
        })
    }
}

/// The customer's devices that are not revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub devices: Vec<DeviceDto>,
}

/// The bytes a device signs to log in.
pub fn login_message(device_id: &str, challenge: &str) -> Vec<u8> {
    format!("tingshuo-login-v1\n{device_id}\n{challenge}").into_bytes()
}

/// The body of a request that weakens a protection (a card unlocked): the bank's fresh
/// challenge and the device's payment-key signature over the request, made behind the
/// customer's PIN or biometric. The bank refuses such a request without one that verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpProof {
    pub challenge: String,
    pub signature: String,
}

/// The bytes the payment key signs to unlock a card: the card, the request's idempotency key
/// and the bank's challenge (so the proof is for this card, this request, once).
pub fn unlock_message(card_id: &str, idempotency_key: &str, challenge: &str) -> Vec<u8> {
    format!("tingshuo-unlock-v1\n{card_id}\n{idempotency_key}\n{challenge}").into_bytes()
}

// ---------------------------------------------------------------- errors

/// Every error response: a stable code the client acts on, and a message for people.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// Stable error codes.
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const SESSION_EXPIRED: &str = "session_expired";
    pub const NOT_FOUND: &str = "not_found";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const IDEMPOTENCY_KEY_INVALID: &str = "idempotency_key_invalid";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const STEP_UP_FAILED: &str = "step_up_failed";
    pub const CHALLENGE_EXPIRED: &str = "challenge_expired";
    pub const LIMIT_EXCEEDED: &str = "limit_exceeded";
    pub const INSUFFICIENT_FUNDS: &str = "insufficient_funds";
    pub const NOT_CANCELLABLE: &str = "not_cancellable";
    pub const INJECTED_FAULT: &str = "injected_fault";
    /// Too many wrong enrollment codes for this customer or from this address: enrollment
    /// waits. Said the same whether or not the customer exists.
    pub const ENROLLMENT_LOCKED: &str = "enrollment_locked";
    /// The device was revoked: it cannot log in, and its signatures move no money.
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// A device added to a customer who already had one pays only small amounts at first.
    pub const NEW_DEVICE_COOLING_OFF: &str = "new_device_cooling_off";
}

// ---------------------------------------------------------------- pull

/// One page of changes since a cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangesResponse {
    pub patches: Vec<Patch>,
    /// Opaque: pass it back to get the changes after this page.
    pub cursor: String,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
}

/// A changed entity: its latest state (`put`) or its removal (`delete`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Patch {
    pub kind: String,
    pub id: String,
    pub op: PatchOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchOp {
    Put,
    Delete,
}

/// The entity kinds a patch carries.
pub mod kinds {
    pub const CUSTOMER: &str = "customer";
    pub const ACCOUNT: &str = "account";
    pub const TRANSACTION: &str = "transaction";
    pub const PAYEE: &str = "payee";
    pub const BILLER: &str = "biller";
    pub const BILL: &str = "bill";
    pub const CARD: &str = "card";
    pub const ALERT: &str = "alert";
    pub const SERVICE_REQUEST: &str = "service_request";
    pub const PREFERENCES: &str = "preferences";
    pub const PAYMENT: &str = "payment";
    /// The customer's daily payment limits (one document, like the preferences).
    pub const LIMITS: &str = "limits";
    pub const ALL: &[&str] = &[
        CUSTOMER,
        ACCOUNT,
        TRANSACTION,
        PAYEE,
        BILLER,
        BILL,
        CARD,
        ALERT,
        SERVICE_REQUEST,
        PREFERENCES,
        PAYMENT,
        LIMITS,
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDto {
    pub id: String,
    pub full_name: String,
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDto {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub currency: String,
    pub number: String,
    pub available_minor: i64,
    pub booked_minor: i64,
    pub matures_on: Option<NaiveDate>,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionDto {
    pub id: String,
    pub account_id: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub counterparty: String,
    pub description: String,
    pub category: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayeeDto {
    pub id: String,
    pub name: String,
    pub relationship: String,
    pub account_number: String,
    pub bank_name: String,
    pub added_on: NaiveDate,
    pub transfers_made: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillerDto {
    pub id: String,
    pub name: String,
    pub category: String,
    pub customer_reference: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillDto {
    pub id: String,
    pub biller_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub due_on: NaiveDate,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardDto {
    pub id: String,
    pub account_id: String,
    pub kind: String,
    pub name: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertDto {
    pub id: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequestDto {
    pub id: String,
    pub channel: String,
    pub status: String,
    pub location: String,
    pub reference: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
}

/// The customer's preferences, kept by the bank so every channel uses them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencesDto {
    pub locale: String,
    /// Speech rate in percent of normal (50–200).
    pub speech_rate: u32,
    pub elderly_mode: bool,
}

/// The bank's daily payment limits for the customer: today's payments in a currency may
/// add up to its limit (days counted in UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitsDto {
    pub daily: Vec<DailyLimitDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLimitDto {
    pub currency: String,
    pub amount_minor: i64,
}

impl LimitsDto {
    /// At most one limit per currency, each between zero and any real amount. A limit in a
    /// currency this version does not know is dropped (it could not be paid in anyway); the
    /// others stand, rather than the whole document being left out and the old limits said.
    pub fn validated(mut self) -> Result<LimitsDto, WireError> {
        let mut seen = std::collections::BTreeSet::new();
        self.daily
            .retain(|limit| Currency::from_code(&limit.currency).is_ok());
        for limit in &self.daily {
            if !(0..=MAX_ABS_AMOUNT_MINOR).contains(&limit.amount_minor) {
                return Err(WireError::OutOfRange {
                    field: "limits.daily.amount_minor",
                });
            }
            if !seen.insert(limit.currency.clone()) {
                return Err(WireError::Shape("two daily limits for one currency".into()));
            }
        }
        Ok(self)
    }

    /// The limits as money.
    pub fn daily_money(&self) -> Vec<Money> {
        self.daily
            .iter()
            .filter_map(|l| {
                Currency::from_code(&l.currency)
                    .ok()
                    .map(|c| Money::from_minor(l.amount_minor, c))
            })
            .collect()
    }
}

/// A payment as the bank records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDto {
    pub id: String,
    pub idempotency_key: String,
    /// "transfer", "bill" or "move" (between two of her own accounts).
    pub kind: String,
    pub from_account: String,
    /// The payee id (transfer), the bill id (bill payment) or her other account's id (move).
    pub target_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// "executed", "held" (risky transfer, cancellable until `hold_until`) or "cancelled".
    pub status: String,
    pub hold_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

// ---------------------------------------------------------------- payments

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    pub kind: String,
    pub from_account: String,
    pub target_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// A fresh single-use challenge from `POST /v1/payments/challenge`.
    pub challenge: String,
    /// Ed25519 signature of [`payment_message`] by the device key, base64url.
    pub signature: String,
}

/// What a payment is, whether as sent or as the bank has it: the kind, the account it leaves,
/// the payee or bill, the amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaymentTerms<'a> {
    pub kind: &'a str,
    pub from_account: &'a str,
    pub target_id: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// `terms()` for the wire types that carry a payment's terms under the same field names.
macro_rules! payment_terms {
    ($($carrier:ty),+) => {$(
        impl $carrier {
            pub fn terms(&self) -> PaymentTerms<'_> {
                PaymentTerms {
                    kind: &self.kind,
                    from_account: &self.from_account,
                    target_id: &self.target_id,
                    amount_minor: self.amount_minor,
                    currency: &self.currency,
                }
            }
        }
    )+};
}
payment_terms!(PaymentRequest, PaymentDto);

/// The canonical bytes of a payment that the device key signs (the step-up proof): amount,
/// currency, payee or biller, idempotency key and the server's challenge.
pub fn payment_message(request: &PaymentRequest, idempotency_key: &str) -> Vec<u8> {
    format!(
        "tingshuo-payment-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        request.kind,
        request.from_account,
        request.target_id,
        request.amount_minor,
        request.currency,
        idempotency_key,
        request.challenge
    )
    .into_bytes()
}

/// A decoded, validated patch.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Customer(Customer),
    Account(Account, i64),
    Transaction(Transaction),
    Payee(Payee),
    Biller(Biller),
    Bill(Bill),
    Card(Card),
    Alert(Alert),
    ServiceRequest(ServiceRequest),
    Preferences(PreferencesDto),
    Payment(PaymentDto),
    Limits(LimitsDto),
}

/// What a patch asks the client to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Put(Record),
    Delete { kind: &'static str, id: String },
}

fn decode<T: serde::de::DeserializeOwned>(data: serde_json::Value) -> Result<T, WireError> {
    serde_json::from_value(data).map_err(|e| WireError::Shape(describe_json_error(&e)))
}

/// A JSON error without the offending value: serde's "invalid type: string \"6217…\",
/// expected i64" would carry C2 data into an error message and from there into a log.
pub fn describe_json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let located = |text: &str| {
        if error.line() > 0 {
            format!("{text} at line {} column {}", error.line(), error.column())
        } else {
            text.to_owned()
        }
    };
    if message.starts_with("invalid") && message.contains(", expected") {
        let what = message.split(':').next().unwrap_or("invalid value");
        let expected = message
            .find(", expected")
            .map(|i| {
                message[i + 2..]
                    .split(" at line")
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .unwrap_or_default();
        located(&format!("{what} ({expected})"))
    } else {
        // Missing and unknown fields name fields, not values; syntax errors name positions.
        message
    }
}

impl Patch {
    /// Validates the patch and turns it into model data.
    pub fn into_change(self) -> Result<Change, WireError> {
        let kind = kinds::ALL
            .iter()
            .find(|k| **k == self.kind)
            .copied()
            .ok_or(WireError::UnknownValue {
                field: "patch.kind",
            })?;
        let patch_id: String = id::<()>("patch.id", self.id)?.into_string();
        if self.op == PatchOp::Delete {
            return Ok(Change::Delete { kind, id: patch_id });
        }
        let data = self.data.ok_or(WireError::MissingData { kind })?;
        let record = match kind {
            kinds::CUSTOMER => Record::Customer(decode::<CustomerDto>(data)?.into_model()?),
            kinds::ACCOUNT => {
                let dto: AccountDto = decode(data)?;
                let position = dto.position;
                Record::Account(dto.into_model()?, position)
            }
            kinds::TRANSACTION => {
                Record::Transaction(decode::<TransactionDto>(data)?.into_model()?)
            }
            kinds::PAYEE => Record::Payee(decode::<PayeeDto>(data)?.into_model()?),
            kinds::BILLER => Record::Biller(decode::<BillerDto>(data)?.into_model()?),
            kinds::BILL => Record::Bill(decode::<BillDto>(data)?.into_model()?),
            kinds::CARD => Record::Card(decode::<CardDto>(data)?.into_model()?),
            kinds::ALERT => Record::Alert(decode::<AlertDto>(data)?.into_model()?),
            kinds::SERVICE_REQUEST => {
                Record::ServiceRequest(decode::<ServiceRequestDto>(data)?.into_model()?)
            }
            kinds::PREFERENCES => Record::Preferences(decode::<PreferencesDto>(data)?.validated()?),
            kinds::LIMITS => Record::Limits(decode::<LimitsDto>(data)?.validated()?),
            _ => Record::Payment(decode::<PaymentDto>(data)?.validated()?),
        };
        if record_id(&record) != Some(patch_id.as_str())
            && !matches!(record, Record::Preferences(_) | Record::Limits(_))
        {
            return Err(WireError::Shape(
                "patch id differs from its data's id".into(),
            ));
        }
        Ok(Change::Put(record))
    }
}

/// The most characters of a record kind the app does not know that it remembers.
const MAX_KIND_CHARS: usize = 64;

/// Checks what is remembered of a record left out ([`reader_fingerprint`]): its kind and id,
/// as short text an id may be. A record too malformed to be remembered refuses its page.
pub fn check_left_out(patch: &Patch) -> Result<(), WireError> {
    if patch.kind.is_empty() || patch.kind.chars().count() > MAX_KIND_CHARS {
        return Err(WireError::BadText {
            field: "patch.kind",
        });
    }
    text("patch.kind", patch.kind.clone())?;
    id::<()>("patch.id", patch.id.clone()).map(|_| ())
}

fn record_id(record: &Record) -> Option<&str> {
    Some(match record {
        Record::Customer(r) => r.id.as_str(),
        Record::Account(r, _) => r.id.as_str(),
        Record::Transaction(r) => r.id.as_str(),
        Record::Payee(r) => r.id.as_str(),
        Record::Biller(r) => r.id.as_str(),
        Record::Bill(r) => r.id.as_str(),
        Record::Card(r) => r.id.as_str(),
        Record::Alert(r) => r.id.as_str(),
        Record::ServiceRequest(r) => r.id.as_str(),
        Record::Payment(r) => r.id.as_str(),
        Record::Preferences(_) | Record::Limits(_) => return None,
    })
}

impl CustomerDto {
    pub fn into_model(self) -> Result<Customer, WireError> {
        Ok(Customer {
            id: id("customer.id", self.id)?,
            full_name: C2::new(text("customer.full_name", self.full_name)?),
            locale: text("customer.locale", self.locale)?,
        })
    }
}

impl AccountDto {
    pub fn into_model(self) -> Result<Account, WireError> {
        let currency = currency("account.currency", &self.currency)?;
        Ok(Account {
            id: id("account.id", self.id)?,
            kind: known("account.kind", &self.kind, AccountKind::parse)?,
            name: text("account.name", self.name)?,
            currency,
            number: C2::new(AccountNumber::new(text("account.number", self.number)?)),
            balance: Balance {
                available: C2::new(amount(
                    "account.available_minor",
                    self.available_minor,
                    currency,
                )?),
                booked: C2::new(amount("account.booked_minor", self.booked_minor, currency)?),
            },
            matures_on: self.matures_on,
        })
    }
}

impl TransactionDto {
    pub fn into_model(self) -> Result<Transaction, WireError> {
        let currency = currency("transaction.currency", &self.currency)?;
        Ok(Transaction {
            id: id("transaction.id", self.id)?,
            account_id: id("transaction.account_id", self.account_id)?,
            status: known("transaction.status", &self.status, TransactionStatus::parse)?,
            amount: C2::new(amount(
                "transaction.amount_minor",
                self.amount_minor,
                currency,
            )?),
            counterparty: C2::new(text("transaction.counterparty", self.counterparty)?),
            description: C2::new(text("transaction.description", self.description)?),
            category: known_or_other(&self.category, Category::parse, Category::Other),
            occurred_at: self.occurred_at,
        })
    }
}

impl PayeeDto {
    pub fn into_model(self) -> Result<Payee, WireError> {
        Ok(Payee {
            id: id("payee.id", self.id)?,
            name: C2::new(text("payee.name", self.name)?),
            relationship: known_or_other(
                &self.relationship,
                Relationship::parse,
                Relationship::Other,
            ),
            account_number: C2::new(AccountNumber::new(text(
                "payee.account_number",
                self.account_number,
            )?)),
            bank_name: text("payee.bank_name", self.bank_name)?,
            added_on: self.added_on,
            transfers_made: self.transfers_made,
        })
    }
}

impl BillerDto {
    pub fn into_model(self) -> Result<Biller, WireError> {
        Ok(Biller {
            id: id("biller.id", self.id)?,
            name: text("biller.name", self.name)?,
            category: known_or_other(&self.category, BillerCategory::parse, BillerCategory::Other),
            customer_reference: C2::new(AccountNumber::new(text(
                "biller.customer_reference",
                self.customer_reference,
            )?)),
        })
    }
}

impl BillDto {
    pub fn into_model(self) -> Result<Bill, WireError> {
        let currency = currency("bill.currency", &self.currency)?;
        Ok(Bill {
            id: id("bill.id", self.id)?,
            biller_id: id("bill.biller_id", self.biller_id)?,
            amount: C2::new(non_negative(
                "bill.amount_minor",
                self.amount_minor,
                currency,
            )?),
            due_on: self.due_on,
            status: known("bill.status", &self.status, BillStatus::parse)?,
        })
    }
}

impl CardDto {
    pub fn into_model(self) -> Result<Card, WireError> {
        Ok(Card {
            id: id("card.id", self.id)?,
            account_id: id("card.account_id", self.account_id)?,
            kind: known("card.kind", &self.kind, CardKind::parse)?,
            name: text("card.name", self.name)?,
            // Only the ending the app shows and says: a card number truncated to its last
            // four is no longer one (minimum necessary; PCI DSS). The bank may send it whole.
            number: C2::new(CardNumber::new(
                CardNumber::new(text("card.number", self.number)?).last_four(),
            )),
            status: known("card.status", &self.status, CardStatus::parse)?,
        })
    }
}

impl AlertDto {
    pub fn into_model(self) -> Result<Alert, WireError> {
        Ok(Alert {
            id: id("alert.id", self.id)?,
            kind: known("alert.kind", &self.kind, AlertKind::parse)?,
            created_at: self.created_at,
            read: self.read,
        })
    }
}

impl ServiceRequestDto {
    pub fn into_model(self) -> Result<ServiceRequest, WireError> {
        Ok(ServiceRequest {
            id: id("service_request.id", self.id)?,
            channel: known("service_request.channel", &self.channel, Channel::parse)?,
            status: known("service_request.status", &self.status, ServiceStatus::parse)?,
            location: text("service_request.location", self.location)?,
            reference: text("service_request.reference", self.reference)?,
            scheduled_at: self.scheduled_at,
            opened_at: self.opened_at,
        })
    }
}

impl PreferencesDto {
    pub fn validated(self) -> Result<PreferencesDto, WireError> {
        crate::locale::Locale::parse(&self.locale).map_err(|_| WireError::UnknownValue {
            field: "preferences.locale",
        })?;
        if !(50..=200).contains(&self.speech_rate) {
            return Err(WireError::OutOfRange {
                field: "preferences.speech_rate",
            });
        }
        Ok(self)
    }
}

/// The kinds of payment.
pub const PAYMENT_KINDS: &[&str] = &["transfer", "bill", "move"];

/// Payment statuses.
pub mod payment_status {
    pub const EXECUTED: &str = "executed";
    pub const HELD: &str = "held";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: &[&str] = &[EXECUTED, HELD, CANCELLED];
}

impl PaymentDto {
    pub fn validated(self) -> Result<PaymentDto, WireError> {
        if !payment_status::ALL.contains(&self.status.as_str()) {
            return Err(WireError::UnknownValue {
                field: "payment.status",
            });
        }
        if !PAYMENT_KINDS.contains(&self.kind.as_str()) {
            return Err(WireError::UnknownValue {
                field: "payment.kind",
            });
        }
        let currency = currency("payment.currency", &self.currency)?;
        non_negative("payment.amount_minor", self.amount_minor, currency)?;
        if !valid_idempotency_key(&self.idempotency_key) {
            return Err(WireError::BadText {
                field: "payment.idempotency_key",
            });
        }
        // Stored, shown in the attempts and put in a URL to cancel it: checked as every id is.
        for (field, value) in [
            ("payment.id", &self.id),
            ("payment.from_account", &self.from_account),
            ("payment.target_id", &self.target_id),
        ] {
            id::<PaymentDto>(field, value.clone())?;
        }
        Ok(self)
    }
}

// ------------------------------------------------- model → wire (the bank's side)

impl Record {
    /// The record as a patch would bring it, with only what the app read of it: what a
    /// device keeps of a patch it holds aside (the bank's own patch may carry more).
    pub fn to_patch(&self) -> Result<Patch, WireError> {
        fn data(dto: impl Serialize) -> Result<serde_json::Value, WireError> {
            serde_json::to_value(dto).map_err(|e| WireError::Shape(describe_json_error(&e)))
        }
        let (kind, id, data) = match self {
            Record::Customer(r) => (kinds::CUSTOMER, r.id.as_str(), data(CustomerDto::from(r))?),
            Record::Account(r, position) => (
                kinds::ACCOUNT,
                r.id.as_str(),
                data(AccountDto::from_model(r, *position))?,
            ),
            Record::Transaction(r) => (
                kinds::TRANSACTION,
                r.id.as_str(),
                data(TransactionDto::from(r))?,
            ),
            Record::Payee(r) => (kinds::PAYEE, r.id.as_str(), data(PayeeDto::from(r))?),
            Record::Biller(r) => (kinds::BILLER, r.id.as_str(), data(BillerDto::from(r))?),
            Record::Bill(r) => (kinds::BILL, r.id.as_str(), data(BillDto::from(r))?),
            Record::Card(r) => (kinds::CARD, r.id.as_str(), data(CardDto::from(r))?),
            Record::Alert(r) => (kinds::ALERT, r.id.as_str(), data(AlertDto::from(r))?),
            Record::ServiceRequest(r) => (
                kinds::SERVICE_REQUEST,
                r.id.as_str(),
                data(ServiceRequestDto::from(r))?,
            ),
            Record::Preferences(r) => (kinds::PREFERENCES, kinds::PREFERENCES, data(r)?),
            Record::Limits(r) => (kinds::LIMITS, kinds::LIMITS, data(r)?),
            Record::Payment(r) => (kinds::PAYMENT, r.id.as_str(), data(r)?),
        };
        Ok(Patch {
            kind: kind.to_owned(),
            id: id.to_owned(),
            op: PatchOp::Put,
            data: Some(data),
        })
    }
}

impl From<&Customer> for CustomerDto {
    fn from(c: &Customer) -> CustomerDto {
        CustomerDto {
            id: c.id.as_str().to_owned(),
            full_name: c.full_name.reveal().clone(),
            locale: c.locale.clone(),
        }
    }
}

impl AccountDto {
    pub fn from_model(a: &Account, position: i64) -> AccountDto {
        AccountDto {
            id: a.id.as_str().to_owned(),
            kind: a.kind.as_str().to_owned(),
            name: a.name.clone(),
            currency: a.currency.code().to_owned(),
            number: a.number.reveal().as_str().to_owned(),
            available_minor: a.balance.available.reveal().minor(),
            booked_minor: a.balance.booked.reveal().minor(),
            matures_on: a.matures_on,
            position,
        }
    }
}

impl From<&Transaction> for TransactionDto {
    fn from(t: &Transaction) -> TransactionDto {
        TransactionDto {
            id: t.id.as_str().to_owned(),
            account_id: t.account_id.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            amount_minor: t.amount.reveal().minor(),
            currency: t.amount.reveal().currency().code().to_owned(),
            counterparty: t.counterparty.reveal().clone(),
            description: t.description.reveal().clone(),
            category: t.category.as_str().to_owned(),
            occurred_at: t.occurred_at,
        }
    }
}

impl From<&Payee> for PayeeDto {
    fn from(p: &Payee) -> PayeeDto {
        PayeeDto {
            id: p.id.as_str().to_owned(),
            name: p.name.reveal().clone(),
            relationship: p.relationship.as_str().to_owned(),
            account_number: p.account_number.reveal().as_str().to_owned(),
            bank_name: p.bank_name.clone(),
            added_on: p.added_on,
            transfers_made: p.transfers_made,
        }
    }
}

impl From<&Biller> for BillerDto {
    fn from(b: &Biller) -> BillerDto {
        BillerDto {
            id: b.id.as_str().to_owned(),
            name: b.name.clone(),
            category: b.category.as_str().to_owned(),
            customer_reference: b.customer_reference.reveal().as_str().to_owned(),
        }
    }
}

impl From<&Bill> for BillDto {
    fn from(b: &Bill) -> BillDto {
        BillDto {
            id: b.id.as_str().to_owned(),
            biller_id: b.biller_id.as_str().to_owned(),
            amount_minor: b.amount.reveal().minor(),
            currency: b.amount.reveal().currency().code().to_owned(),
            due_on: b.due_on,
            status: b.status.as_str().to_owned(),
        }
    }
}

impl From<&Card> for CardDto {
    fn from(c: &Card) -> CardDto {
        CardDto {
            id: c.id.as_str().to_owned(),
            account_id: c.account_id.as_str().to_owned(),
            kind: c.kind.as_str().to_owned(),
            name: c.name.clone(),
            number: c.number.reveal().as_str().to_owned(),
            status: c.status.as_str().to_owned(),
        }
    }
}

impl From<&Alert> for AlertDto {
    fn from(a: &Alert) -> AlertDto {
        AlertDto {
            id: a.id.as_str().to_owned(),
            kind: a.kind.as_str().to_owned(),
            created_at: a.created_at,
            read: a.read,
        }
    }
}

impl From<&ServiceRequest> for ServiceRequestDto {
    fn from(r: &ServiceRequest) -> ServiceRequestDto {
        ServiceRequestDto {
            id: r.id.as_str().to_owned(),
            channel: r.channel.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            location: r.location.clone(),
            reference: r.reference.clone(),
            scheduled_at: r.scheduled_at,
            opened_at: r.opened_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(kind: &str, id: &str, data: serde_json::Value) -> Patch {
        Patch {
            kind: kind.into(),
            id: id.into(),
            op: PatchOp::Put,
            data: Some(data),
        }
    }

    fn account(overrides: serde_json::Value) -> serde_json::Value {
        let mut base = json!({
            "id": "a1", "kind": "current", "name": "养老金账户", "currency": "CNY",
            "number": "6217000010012346217", "available_minor": 100, "booked_minor": 100,
            "matures_on": null, "position": 0
        });
        for (k, v) in overrides.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    #[test]
    fn good_patches_decode() {
        let change = patch("account", "a1", account(json!({})))
            .into_change()
            .unwrap();
        assert!(matches!(change, Change::Put(Record::Account(_, 0))));
        let delete = Patch {
            kind: "card".into(),
            id: "c1".into(),
            op: PatchOp::Delete,
            data: None,
        };
        assert_eq!(
            delete.into_change().unwrap(),
            Change::Delete {
                kind: "card",
                id: "c1".into()
            }
        );
    }

    #[test]
    fn a_value_with_an_other_reads_as_other_and_the_reader_is_named_by_what_it_knows() {
        let biller = patch(
            "biller",
            "b1",
            json!({"id": "b1", "name": "供暖公司", "category": "heating",
                "customer_reference": "88001234"}),
        );
        let Ok(Change::Put(Record::Biller(biller))) = biller.into_change() else {
            panic!("a biller of a category this version does not know is read");
        };
        assert_eq!(biller.category, BillerCategory::Other);

        // Pinned: a kind, value, currency, locale or reading revision added, removed or
        // reordered changes it, and then every store reads the bank's feed again once. Change
        // this line only knowing that.
        assert_eq!(reader_fingerprint(), "11ed4ba04e312f6d");

        let left_out = |kind: &str, id: &str| {
            check_left_out(&Patch {
                kind: kind.into(),
                id: id.into(),
                op: PatchOp::Put,
                data: Some(json!({})),
            })
        };
        assert_eq!(left_out("insurance_policy", "ip-1"), Ok(()));
        assert!(left_out(&"k".repeat(65), "ip-1").is_err());
        assert!(left_out("policy\u{7}", "ip-1").is_err());
        assert!(left_out("policy", "..").is_err());
    }

    /// A card's whole number and a field the app does not use come in; what the device keeps
    /// of the card, and of its patch held aside, is the ending and the fields it reads.
    #[test]
    fn a_card_is_kept_as_its_ending_and_its_patch_as_read() {
        let sent = patch(
            "card",
            "c1",
            json!({"id": "c1", "account_id": "a1", "kind": "debit", "name": "借记卡",
                "number": "6217000010014580", "status": "active", "cvn_hint": "later"}),
        );
        let Ok(Change::Put(record)) = sent.into_change() else {
            panic!("a card is read");
        };
        let Record::Card(card) = &record else {
            panic!("as a card");
        };
        assert_eq!(card.number.reveal().as_str(), "4580");
        let kept = record.to_patch().unwrap();
        let data = kept.data.clone().unwrap();
        assert_eq!((kept.kind.as_str(), kept.id.as_str()), ("card", "c1"));
        assert_eq!(data["number"], "4580");
        assert!(data.get("cvn_hint").is_none());
        assert_eq!(kept.into_change().unwrap(), Change::Put(record));
    }

    #[test]
    fn hostile_patches_are_clear_errors() {
        let cases = [
            (
                patch("account", "a1", account(json!({"kind": "offshore"}))),
                "account.kind",
            ),
            (
                patch("account", "a1", account(json!({"currency": "XBT"}))),
                "account.currency",
            ),
            (
                patch(
                    "account",
                    "a1",
                    account(json!({"available_minor": i64::MIN})),
                ),
                "available_minor",
            ),
            (
                patch("account", "a1", account(json!({"name": "x".repeat(500)}))),
                "account.name",
            ),
            (
                patch("account", "a1", account(json!({"name": "evil\u{1b}[2J"}))),
                "account.name",
            ),
            (patch("account", "a2", account(json!({}))), "differs"),
            (
                patch("account", "a1", account(json!({"available_minor": "100"}))),
                "invalid type",
            ),
            (patch("spaceship", "a1", json!({})), "patch.kind"),
            (
                patch(
                    "bill",
                    "b1",
                    json!({"id": "b1", "biller_id": "x", "amount_minor": -5, "currency": "CNY", "due_on": "2026-12-01", "status": "due"}),
                ),
                "bill.amount_minor",
            ),
            (
                Patch {
                    kind: "card".into(),
                    id: "c1".into(),
                    op: PatchOp::Put,
                    data: None,
                },
                "missing",
            ),
            (patch("account", "", account(json!({"id": ""}))), "patch.id"),
            // A dot segment: a request naming it would reach another route.
            (
                patch("account", "..", account(json!({"id": ".."}))),
                "patch.id",
            ),
        ];
        for (patch, expected) in cases {
            let error = patch.into_change().unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "{error} should mention {expected}"
            );
            assert!(
                !error.contains("6217000010012346217"),
                "errors carry no values: {error}"
            );
        }
    }

    #[test]
    fn overflowing_json_numbers_are_refused() {
        let body = r#"{"id":"a1","kind":"current","name":"n","currency":"CNY","number":"1","available_minor":99999999999999999999,"booked_minor":0,"matures_on":null,"position":0}"#;
        assert!(serde_json::from_str::<AccountDto>(body).is_err());
    }

    #[test]
    fn a_payment_answer_naming_an_id_no_request_could_is_refused() {
        let payment = |field: &str, value: &str| {
            let mut body = json!({
                "id": "p1", "idempotency_key": "k1", "kind": "transfer", "from_account": "a1",
                "target_id": "payee-1", "amount_minor": 100, "currency": "CNY",
                "status": "executed", "hold_until": null, "created_at": "2026-12-07T00:00:00Z"
            });
            body[field] = json!(value);
            serde_json::from_value::<PaymentDto>(body)
                .unwrap()
                .validated()
        };
        assert!(payment("id", "p1").is_ok());
        for (field, value) in [
            ("id", ".."),
            ("id", ""),
            ("from_account", "."),
            ("target_id", "evil\u{1b}[2J"),
        ] {
            let error = payment(field, value).unwrap_err().to_string();
            assert!(error.contains(field), "{field}: {error}");
        }
    }

    #[test]
    fn idempotency_keys() {
        assert!(valid_idempotency_key("a-B_9"));
        assert!(valid_idempotency_key(&"k".repeat(40)));
        assert!(!valid_idempotency_key(&"k".repeat(41)));
        assert!(!valid_idempotency_key(""));
        assert!(!valid_idempotency_key("has space"));
        assert!(!valid_idempotency_key("中文"));
    }
}
