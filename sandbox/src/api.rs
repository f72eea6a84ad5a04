//! The bank's HTTP API: the handlers of the routes in the API's one table
//! (`tingshuo_base::wire::routes`), which the client builds its requests from too.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Duration, Utc};
use futures_util::Stream;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, UnparsedPublicKey};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tingshuo_base::wire::routes::{self, HttpMethod, Route};
use tingshuo_base::wire::{
    self, AccountDto, AlertDto, BillDto, CardDto, ChallengeRequest, ChallengeResponse,
    ChangesResponse, DeviceDto, DevicesResponse, ErrorBody, LoginRequest, LoginResponse, Patch,
    PatchOp, PayeeDto, PaymentDto, PaymentRequest, PreferencesDto, RegisterDeviceRequest,
    RegisterDeviceResponse, StepUpProof, TransactionDto, codes, kinds, payment_status,
};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::bank::Bank;
use crate::db::{self, Tx, millis};
use crate::errors::{ApiError, error_response};
use crate::faults;

/// Serves each route of the API's one table (`tingshuo_base::wire::routes`) with its handler,
/// and lists what is served for the check against the table and the OpenAPI document.
macro_rules! serve {
    ($($route:ident => $handler:ident),+ $(,)?) => {
        /// Every route the bank serves.
        pub const SERVED: &[Route] = &[$(routes::$route),+];

        fn add_routes(router: Router<Arc<Bank>>) -> Router<Arc<Bank>> {
            router$(.route(routes::$route.template, on(routes::$route.method, $handler)))+
        }
    };
}

/// A handler on the route's method.
fn on<H, T>(method: HttpMethod, handler: H) -> MethodRouter<Arc<Bank>>
where
    H: Handler<T, Arc<Bank>>,
    T: 'static,
{
    match method {
        HttpMethod::Get => get(handler),
        HttpMethod::Post => post(handler),
        HttpMethod::Put => put(handler),
    }
}

serve! {
    HEALTH => health,
    REGISTER_DEVICE => register_device,
    DEVICES => devices,
    REVOKE_DEVICE => revoke_device,
    LOGIN_CHALLENGE => login_challenge,
    LOGIN => login,
    CHANGES => changes,
    EVENTS => events,
    LOCK_CARD => lock_card,
    UNLOCK_CARD => unlock_card,
    MARK_ALERT_READ => mark_alert_read,
    GET_PREFERENCES => get_preferences,
    PUT_PREFERENCES => put_preferences,
    PAYMENT_CHALLENGE => payment_challenge,
    MAKE_PAYMENT => make_payment,
    PAYMENT_BY_KEY => payment_by_key,
    CANCEL_PAYMENT => cancel_payment,
}

/// Fires when the server that serves the router stops. A change stream never ends by itself:
/// it ends with this, so its connection closes and the server's graceful shutdown completes
/// instead of the stream outliving the server on its own connection.
#[derive(Clone, Debug)]
pub struct Closing(tokio::sync::watch::Receiver<bool>);

impl Closing {
    pub fn new(closed: tokio::sync::watch::Receiver<bool>) -> Closing {
        Closing(closed)
    }

    async fn closed(mut self) {
        // A dropped sender closes too: its server is gone.
        let _ = self.0.wait_for(|closed| *closed).await;
    }
}

pub fn router(bank: Arc<Bank>, closing: Closing) -> Router {
    add_routes(Router::new())
        .fallback(|| async { error_response(StatusCode::NOT_FOUND, "no_route", "no such route") })
        .layer(axum::middleware::from_fn_with_state(
            bank.faults.clone(),
            faults::inject,
        ))
        .layer(Extension(closing))
        .with_state(bank)
}

// ---------------------------------------------------------------- errors

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message.into())
}

fn not_found(what: &str) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("{what} not found"),
    )
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // The description leaves the offending value out: it may be an account number.
    serde_json::from_slice(body).map_err(|e| {
        bad_request(format!(
            "invalid request body: {}",
            wire::describe_json_error(&e)
        ))
    })
}

type ApiResult = Result<Response, ApiError>;

fn json<T: serde::Serialize>(value: &T) -> ApiResult {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

fn random_token(bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0_u8; bytes];
    SystemRandom::new().fill(&mut buffer).map_err(|_| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "random source failed".into(),
        )
    })?;
    Ok(B64.encode(buffer))
}

// ---------------------------------------------------------------- auth

async fn health() -> ApiResult {
    json(&serde_json::json!({"status": "ok"}))
}

/// An issued code's row: rowid, tag, expiry, and the device and key it registered, if used.
type IssuedCode = (i64, Vec<u8>, i64, Option<String>, Option<Vec<u8>>);

fn enrollment_refused() -> ApiError {
    ApiError(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHORIZED,
        "enrollment refused".into(),
    )
}

/// Registers a device with a code the bank issued. The code is single use and expires; wrong
/// codes are counted per customer id (known or not) and per source address, and past the
/// limit enrollment is locked for a while, answered alike for every customer id. The
/// customer's other devices get an alert through the change feed.
async fn register_device(
    State(bank): State<Arc<Bank>>,
    source: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> ApiResult {
    let request: RegisterDeviceRequest = parse(&body)?;
    let public_key = B64
        .decode(request.public_key.as_bytes())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| bad_request("public_key must be a base64url Ed25519 key"))?;
    let payment_key = B64
        .decode(request.payment_public_key.as_bytes())
        .ok()
        .filter(|k| k.len() == 32 && *k != public_key)
        .ok_or_else(|| {
            bad_request("payment_public_key must be a base64url Ed25519 key other than public_key")
        })?;
    let customer_subject = format!("customer:{}", request.customer_id);
    let source_subject = format!(
        "source:{}",
        source.map_or_else(|| "unknown".to_owned(), |s| s.0.0.ip().to_string())
    );
    let now = Utc::now();
    let locked = |bank: &Bank| {
        bank.enrollment_failures.lock().is_ok_and(|failures| {
            failures.locked(&customer_subject, now) || failures.locked(&source_subject, now)
        })
    };
    if locked(&bank) {
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            codes::ENROLLMENT_LOCKED,
            "too many enrollment attempts; try again later".into(),
        ));
    }
    let _write = bank.write_lock.lock().await;
    let mut tx = bank.db.pool.begin().await?;
    let codes_issued: Vec<IssuedCode> = sqlx::query_as(
        "SELECT rowid, tag, expires_at, device_id, public_key FROM enrollment_code
         WHERE customer_id = ?",
    )
    .bind(&request.customer_id)
    .fetch_all(&mut *tx)
    .await?;
    // Every stored tag is compared (in constant time), and an unknown customer is compared
    // with a tag too: the time taken says nothing of the code or of whether the customer is.
    let mut matched = None;
    for row in &codes_issued {
        if bank.code_matches(&request.customer_id, &request.enrollment_code, &row.1) {
            matched = Some(row.clone());
        }
    }
    if codes_issued.is_empty() {
        let _ = bank.code_matches(&request.customer_id, &request.enrollment_code, &[0; 32]);
    }
    let live = |expires_at: i64| expires_at > millis(now);
    let device_id = match matched {
        // Unused and valid: it registers this device, and is used up.
        Some((rowid, _, expires_at, None, _)) if live(expires_at) => {
            let device_id = format!("dev-{}", random_token(12)?);
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM device WHERE customer_id = ? AND revoked_at IS NULL",
            )
            .bind(&request.customer_id)
            .fetch_one(&mut *tx)
            .await?;
            let cooling_until =
                (others > 0 && !bank.config.new_device_cooling_off.is_zero()).then(|| {
                    now + Duration::from_std(bank.config.new_device_cooling_off)
                        .unwrap_or(Duration::hours(24))
                });
            sqlx::query(
                "INSERT INTO device (id, customer_id, public_key, payment_key, name, created_at,
                                     cooling_until)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&device_id)
            .bind(&request.customer_id)
            .bind(&public_key)
            .bind(&payment_key)
            .bind(request.device_name.chars().take(100).collect::<String>())
            .bind(millis(now))
            .bind(cooling_until.map(millis))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE enrollment_code SET device_id = ?, public_key = ? WHERE rowid = ?")
                .bind(&device_id)
                .bind(&public_key)
                .bind(rowid)
                .execute(&mut *tx)
                .await?;
            if others > 0 {
                // The customer's other devices hear of it at their next sync.
                let alert = AlertDto {
                    id: format!("alert-device-{device_id}"),
                    kind: "new_device_added".into(),
                    created_at: now,
                    read: false,
                };
                let version = db::put(
                    &mut tx,
                    &request.customer_id,
                    kinds::ALERT,
                    &alert.id,
                    &alert,
                )
                .await?;
                tx.commit().await?;
                bank.notify(&request.customer_id, version);
            } else {
                tx.commit().await?;
            }
            // A right code clears the customer's count (not the address's).
            if let Ok(mut failures) = bank.enrollment_failures.lock() {
                failures.clear(&customer_subject);
            }
            device_id
        }
        // The same key asking again (its answer was lost): the same device, nothing new.
        Some((_, _, expires_at, Some(device_id), Some(key)))
            if live(expires_at) && key == public_key =>
        {
            device_id
        }
        // Wrong, expired or used by another key: all alike.
        _ => {
            drop(tx);
            if let Ok(mut failures) = bank.enrollment_failures.lock() {
                let config = &bank.config;
                failures.fail(
                    &customer_subject,
                    config.enrollment_failures_per_customer,
                    config.enrollment_lockout,
                    now,
                );
                failures.fail(
                    &source_subject,
                    config.enrollment_failures_per_source,
                    config.enrollment_lockout,
                    now,
                );
            }
            return Err(enrollment_refused());
        }
    };
    json(&RegisterDeviceResponse { device_id })
}

/// The customer's devices that are not revoked.
async fn devices(State(bank): State<Arc<Bank>>, headers: HeaderMap) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT id, name, created_at FROM device WHERE customer_id = ? AND revoked_at IS NULL
         ORDER BY created_at, id",
    )
    .bind(&session.customer_id)
    .fetch_all(&bank.db.pool)
    .await?;
    let devices = rows
        .into_iter()
        .map(|(id, name, created_at)| DeviceDto {
            current: id == session.device_id,
            id,
            name,
            created_at: DateTime::from_timestamp_millis(created_at).unwrap_or_default(),
            revoked_at: None,
        })
        .collect();
    json(&DevicesResponse { devices })
}

fn device_revoked() -> ApiError {
    ApiError(
        StatusCode::UNAUTHORIZED,
        codes::DEVICE_REVOKED,
        "this device was revoked".into(),
    )
}

async fn issue_challenge(bank: &Bank, device_id: &str, purpose: &str) -> ApiResult {
    let challenge = random_token(32)?;
    let ttl = Duration::from_std(bank.config.challenge_ttl).unwrap_or(Duration::minutes(5));
    let expires_at = Utc::now() + ttl;
    sqlx::query(
        "INSERT INTO challenge (value, device_id, purpose, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&challenge)
    .bind(device_id)
    .bind(purpose)
    .bind(millis(expires_at))
    .execute(&bank.db.pool)
    .await?;
    json(&ChallengeResponse {
        challenge,
        expires_at,
    })
}

async fn login_challenge(State(bank): State<Arc<Bank>>, body: Bytes) -> ApiResult {
    let request: ChallengeRequest = parse(&body)?;
    let known: Option<Option<i64>> =
        sqlx::query_scalar("SELECT revoked_at FROM device WHERE id = ?")
            .bind(&request.device_id)
            .fetch_optional(&bank.db.pool)
            .await?;
    match known {
        None => {
            return Err(ApiError(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "unknown device".into(),
            ));
        }
        Some(Some(_)) => return Err(device_revoked()),
        Some(None) => {}
    }
    issue_challenge(&bank, &request.device_id, "login").await
}

/// Consumes a challenge (single use) and checks the device's signature over `message`; a
/// revoked device's signature counts for nothing.
async fn verify_step(
    tx: &mut Tx<'_>,
    device_id: &str,
    purpose: &str,
    challenge: &str,
    message: &[u8],
    signature: &str,
) -> Result<(), ApiError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE challenge SET used = 1 WHERE value = ? AND device_id = ? AND purpose = ? AND used = 0
         RETURNING expires_at, used",
    )
    .bind(challenge)
    .bind(device_id)
    .bind(purpose)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((expires_at, _)) = row else {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            codes::CHALLENGE_EXPIRED,
            "challenge unknown or already used".into(),
        ));
    };
    if expires_at < millis(Utc::now()) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            codes::CHALLENGE_EXPIRED,
            "challenge expired".into(),
        ));
    }
    let (login_key, payment_key, revoked_at): (Vec<u8>, Vec<u8>, Option<i64>) =
        sqlx::query_as("SELECT public_key, payment_key, revoked_at FROM device WHERE id = ?")
            .bind(device_id)
            .fetch_one(&mut **tx)
            .await?;
    if revoked_at.is_some() {
        return Err(device_revoked());
    }
    // A payment is proved by the payment key alone, the one the platform guards with the
    // customer's PIN or biometric; the silent login key moves no money.
    let public_key = if purpose == "payment" {
        payment_key
    } else {
        login_key
    };
    let signature = B64.decode(signature.as_bytes()).unwrap_or_default();
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, &signature)
        .map_err(|_| {
            ApiError(
                StatusCode::FORBIDDEN,
                codes::STEP_UP_FAILED,
                "signature does not verify".into(),
            )
        })
}

async fn login(State(bank): State<Arc<Bank>>, body: Bytes) -> ApiResult {
    let request: LoginRequest = parse(&body)?;
    let mut tx = bank.db.pool.begin().await?;
    let message = wire::login_message(&request.device_id, &request.challenge);
    if let Err(error) = verify_step(
        &mut tx,
        &request.device_id,
        "login",
        &request.challenge,
        &message,
        &request.signature,
    )
    .await
    {
        tx.commit().await?;
        let code = if error.1 == codes::DEVICE_REVOKED {
            codes::DEVICE_REVOKED
        } else {
            codes::UNAUTHORIZED
        };
        return Err(ApiError(StatusCode::UNAUTHORIZED, code, error.2));
    }
    let customer_id: String = sqlx::query_scalar("SELECT customer_id FROM device WHERE id = ?")
        .bind(&request.device_id)
        .fetch_one(&mut *tx)
        .await?;
    let token = random_token(32)?;
    let ttl = Duration::from_std(bank.config.session_ttl).unwrap_or(Duration::minutes(15));
    let expires_at = Utc::now() + ttl;
    sqlx::query(
        "INSERT INTO session (token, device_id, customer_id, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&token)
    .bind(&request.device_id)
    .bind(customer_id)
    .bind(millis(expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    json(&LoginResponse { token, expires_at })
}

/// The signed-in customer and device of a request.
#[derive(Debug)]
struct Session {
    customer_id: String,
    device_id: String,
}

async fn session(bank: &Bank, headers: &HeaderMap) -> Result<Session, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "no session token".into(),
            )
        })?;
    let row: Option<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT s.customer_id, s.device_id, s.expires_at, d.revoked_at
         FROM session s JOIN device d ON d.id = s.device_id WHERE s.token = ?",
    )
    .bind(token)
    .fetch_optional(&bank.db.pool)
    .await?;
    match row {
        None => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "unknown session".into(),
        )),
        Some((_, _, _, Some(_))) => Err(device_revoked()),
        Some((_, _, expires_at, _)) if expires_at < millis(Utc::now()) => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            codes::SESSION_EXPIRED,
            "session expired; log in again".into(),
        )),
        Some((customer_id, device_id, _, _)) => Ok(Session {
            customer_id,
            device_id,
        }),
    }
}

// ---------------------------------------------------------------- pull and events

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

fn encode_cursor(version: i64) -> String {
    B64.encode(format!("v1:{version}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let text = String::from_utf8(B64.decode(cursor.as_bytes()).ok()?).ok()?;
    text.strip_prefix("v1:")?
        .parse()
        .ok()
        .filter(|v: &i64| *v >= 0)
}

async fn changes(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Query(query): Query<ChangesQuery>,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    settle_due_holds(&bank, &session.customer_id).await?;
    let after = match query.cursor.as_deref() {
        None | Some("") => 0,
        Some(cursor) => decode_cursor(cursor).ok_or_else(|| bad_request("invalid cursor"))?,
    };
    let limit = query
        .limit
        .unwrap_or(500)
        .clamp(1, i64::try_from(wire::MAX_PAGE_PATCHES).unwrap_or(1000));
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT kind, id, data, version FROM entity WHERE customer_id = ? AND version > ?
         ORDER BY version LIMIT ?",
    )
    .bind(&session.customer_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(&bank.db.pool)
    .await?;
    let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let mut last = after;
    let mut patches = Vec::with_capacity(rows.len());
    for (kind, id, data, version) in rows.into_iter().take(usize::try_from(limit).unwrap_or(0)) {
        last = version;
        let data = data
            .map(|d| serde_json::from_str::<serde_json::Value>(&d))
            .transpose()
            .map_err(|_| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "stored entity unreadable".into(),
                )
            })?;
        let op = if data.is_some() {
            PatchOp::Put
        } else {
            PatchOp::Delete
        };
        patches.push(Patch { kind, id, op, data });
    }
    json(&ChangesResponse {
        patches,
        cursor: encode_cursor(last),
        has_more,
        server_time: Utc::now(),
    })
}

async fn events(
    State(bank): State<Arc<Bank>>,
    Extension(closing): Extension<Closing>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let session = session(&bank, &headers).await?;
    let customer = session.customer_id;
    let stream =
        BroadcastStream::new(bank.events.subscribe()).filter_map(move |event| match event {
            Ok(event) if event.customer_id == customer => Some(Ok(Event::default()
                .event("changed")
                .data(encode_cursor(event.version)))),
            Ok(_) => None,
            // A slow client missed events: tell it to pull anyway.
            Err(_) => Some(Ok(Event::default().event("changed").data(""))),
        });
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("")));
    let until_closing = futures_util::StreamExt::take_until(hello.chain(stream), closing.closed());
    Ok(Sse::new(until_closing).keep_alive(KeepAlive::default()))
}

// ---------------------------------------------------------------- idempotent mutations

/// A mutation that may run: the write lock is held and its transaction is open.
struct Pending {
    tx: Tx<'static>,
    key: String,
    hash: Vec<u8>,
    customer: String,
    _write: tokio::sync::OwnedMutexGuard<()>,
}

enum Begun {
    /// The key was seen with this body: the stored answer.
    Replay(Response),
    Fresh(Pending),
}

/// Starts a mutation that runs at most once per idempotency key: the effect and the stored
/// answer commit together ([`finish`]); a replay gets the stored answer; a reused key with
/// another body is refused.
async fn begin(
    bank: &Bank,
    customer: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Begun, ApiError> {
    let key = headers
        .get(wire::IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| wire::valid_idempotency_key(k))
        .ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                codes::IDEMPOTENCY_KEY_INVALID,
                "Idempotency-Key of 1-40 characters [A-Za-z0-9_-] required".into(),
            )
        })?
        .to_owned();
    let hash = ring::digest::digest(&ring::digest::SHA256, body)
        .as_ref()
        .to_vec();
    let write = bank.write_lock.clone().lock_owned().await;
    let mut tx = bank.db.pool.begin().await?;
    let stored: Option<(Vec<u8>, i64, String)> = sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency WHERE customer_id = ? AND key = ?",
    )
    .bind(customer)
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    match stored {
        Some((stored_hash, _, _)) if stored_hash != hash => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was used with a different request".into(),
        )),
        Some((_, status, stored_body)) => {
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Ok(Begun::Replay(
                (
                    status,
                    [(header::CONTENT_TYPE, "application/json")],
                    stored_body,
                )
                    .into_response(),
            ))
        }
        None => Ok(Begun::Fresh(Pending {
            tx,
            key,
            hash,
            customer: customer.to_owned(),
            _write: write,
        })),
    }
}

/// Stores the answer with the effect and commits both, or rolls both back on a server error.
async fn finish(
    bank: &Bank,
    mut pending: Pending,
    result: Result<(StatusCode, String), ApiError>,
) -> ApiResult {
    let (status, answer) = match result {
        Ok(done) => done,
        // Refusals are answers too: a replay must get the same one. Malformed requests are not
        // stored, so a corrected request can reuse the key.
        Err(ApiError(status, code, message))
            if status.is_client_error() && status != StatusCode::BAD_REQUEST =>
        {
            // Roll back any partial effect, keep only the refusal.
            pending.tx.rollback().await?;
            pending.tx = bank.db.pool.begin().await?;
            let body = serde_json::to_string(&ErrorBody {
                error: code.to_owned(),
                message,
            })
            .unwrap_or_default();
            (status, body)
        }
        Err(error) => return Err(error),
    };
    let mut tx = pending.tx;
    sqlx::query("INSERT INTO idempotency (customer_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&pending.customer)
        .bind(&pending.key)
        .bind(pending.hash)
        .bind(i64::from(status.as_u16()))
        .bind(&answer)
        .bind(millis(Utc::now()))
        .execute(&mut *tx)
        .await?;
    let version: i64 = sqlx::query_scalar("SELECT value FROM counter WHERE name = 'version'")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    bank.notify(&pending.customer, version);
    Ok((status, [(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

/// Runs `$effect` (an expression using `$tx: &mut Tx`) as an idempotent mutation.
macro_rules! idempotent {
    ($bank:expr, $customer:expr, $headers:expr, $body:expr, |$tx:ident| $effect:expr) => {{
        match begin(&$bank, $customer, &$headers, &$body).await? {
            Begun::Replay(response) => Ok(response),
            Begun::Fresh(mut pending) => {
                let result = {
                    let $tx = &mut pending.tx;
                    $effect.await
                };
                finish(&$bank, pending, result).await
            }
        }
    }};
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<(StatusCode, String), ApiError> {
    serde_json::to_string(value)
        .map(|body| (StatusCode::OK, body))
        .map_err(|_| {
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "encoding failed".into(),
            )
        })
}

/// The request's idempotency key as sent ("" when absent: `begin` refuses it then).
fn idempotency_key(headers: &HeaderMap) -> String {
    headers
        .get(wire::IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Gives one of the customer's cards a status (an alert goes with a lock).
async fn put_card_status(
    tx: &mut Tx<'_>,
    customer: &str,
    id: &str,
    status: &'static str,
) -> Result<(StatusCode, String), ApiError> {
    let mut card: CardDto = db::get(tx, customer, kinds::CARD, id)
        .await?
        .ok_or_else(|| not_found("card"))?;
    card.status = status.to_owned();
    db::put(tx, customer, kinds::CARD, id, &card).await?;
    if status == "locked" {
        let alert = AlertDto {
            id: format!("alert-lock-{id}-{}", Utc::now().timestamp_millis()),
            kind: "card_locked".into(),
            created_at: Utc::now(),
            read: false,
        };
        db::put(tx, customer, kinds::ALERT, &alert.id, &alert).await?;
    }
    to_json(&card)
}

/// A lock protects: any signed-in device may ask for it, even long after (it was queued
/// offline).
async fn lock_card(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let customer = session.customer_id.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        put_card_status(tx, &customer, &id, "locked").await
    })
}

/// An unlock weakens a protection: only with the step-up's proof — the device's payment key
/// (behind the customer's PIN or biometric) signing this card, this request's key and a
/// fresh challenge. The silent login key, or a session alone, unlocks nothing.
async fn unlock_card(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let key = idempotency_key(&headers);
    let customer = session.customer_id.clone();
    let device = session.device_id.clone();
    // A refusal is the request's answer, kept for its key like any other.
    let proof: Result<StepUpProof, ApiError> = parse(&body).map_err(|_| {
        ApiError(
            StatusCode::FORBIDDEN,
            codes::STEP_UP_FAILED,
            "unlocking a card needs the step-up's proof".into(),
        )
    });
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        let proof = proof?;
        verify_step(
            tx,
            &device,
            "payment",
            &proof.challenge,
            &wire::unlock_message(&id, &key, &proof.challenge),
            &proof.signature,
        )
        .await?;
        put_card_status(tx, &customer, &id, "active").await
    })
}

async fn mark_alert_read(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let customer = session.customer_id.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        let mut alert: AlertDto = db::get(tx, &customer, kinds::ALERT, &id)
            .await?
            .ok_or_else(|| not_found("alert"))?;
        alert.read = true;
        db::put(tx, &customer, kinds::ALERT, &id, &alert).await?;
        to_json(&alert)
    })
}

/// Revokes one of the customer's devices (this one too, if asked): its sessions end, it
/// cannot log in again, and its signatures move no money.
async fn revoke_device(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let customer = session.customer_id.clone();
    let current = session.device_id.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT name, created_at, revoked_at FROM device WHERE id = ? AND customer_id = ?",
        )
        .bind(&id)
        .bind(&customer)
        .fetch_optional(&mut **tx)
        .await?;
        let (name, created_at, revoked_at) = row.ok_or_else(|| not_found("device"))?;
        let revoked_at = revoked_at.unwrap_or_else(|| millis(Utc::now()));
        sqlx::query("UPDATE device SET revoked_at = ? WHERE id = ?")
            .bind(revoked_at)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM session WHERE device_id = ?")
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        to_json(&DeviceDto {
            current: id == current,
            id: id.clone(),
            name,
            created_at: DateTime::from_timestamp_millis(created_at).unwrap_or_default(),
            revoked_at: DateTime::from_timestamp_millis(revoked_at),
        })
    })
}

async fn get_preferences(State(bank): State<Arc<Bank>>, headers: HeaderMap) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let mut tx = bank.db.pool.begin().await?;
    let preferences: PreferencesDto = db::get(
        &mut tx,
        &session.customer_id,
        kinds::PREFERENCES,
        "preferences",
    )
    .await?
    .ok_or_else(|| not_found("preferences"))?;
    json(&preferences)
}

async fn put_preferences(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    let preferences: PreferencesDto = parse(&body)?;
    let preferences = preferences
        .validated()
        .map_err(|e| bad_request(e.to_string()))?;
    let customer = session.customer_id.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        db::put(
            tx,
            &customer,
            kinds::PREFERENCES,
            "preferences",
            &preferences,
        )
        .await?;
        to_json(&preferences)
    })
}

// ---------------------------------------------------------------- payments

async fn payment_challenge(State(bank): State<Arc<Bank>>, headers: HeaderMap) -> ApiResult {
    let session = session(&bank, &headers).await?;
    issue_challenge(&bank, &session.device_id, "payment").await
}

fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |t| t.and_utc())
}

async fn make_payment(State(bank): State<Arc<Bank>>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let session = session(&bank, &headers).await?;
    settle_due_holds(&bank, &session.customer_id).await?;
    let request: PaymentRequest = parse(&body)?;
    let key = idempotency_key(&headers);
    let customer = session.customer_id.clone();
    let device = session.device_id.clone();
    let config = bank.config.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        let message = wire::payment_message(&request, &key);
        verify_step(
            tx,
            &device,
            "payment",
            &request.challenge,
            &message,
            &request.signature,
        )
        .await?;
        cooling_off(tx, &config, &device, &request).await?;
        execute_payment(tx, &config, &customer, &key, &request).await
    })
}

/// A device added to a customer who already had one pays only small amounts at first: a
/// stolen enrollment code does not empty the account before the customer hears of it.
async fn cooling_off(
    tx: &mut Tx<'_>,
    config: &crate::bank::BankConfig,
    device: &str,
    request: &PaymentRequest,
) -> Result<(), ApiError> {
    let cooling_until: Option<i64> =
        sqlx::query_scalar("SELECT cooling_until FROM device WHERE id = ?")
            .bind(device)
            .fetch_one(&mut **tx)
            .await?;
    let cap = config
        .new_device_payment_cap
        .get(&request.currency)
        .copied()
        .unwrap_or(0);
    if cooling_until.is_some_and(|until| until > millis(Utc::now())) && request.amount_minor > cap {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            codes::NEW_DEVICE_COOLING_OFF,
            "a newly added device pays only small amounts for now".into(),
        ));
    }
    Ok(())
}

async fn execute_payment(
    tx: &mut Tx<'_>,
    config: &crate::bank::BankConfig,
    customer: &str,
    key: &str,
    request: &PaymentRequest,
) -> Result<(StatusCode, String), ApiError> {
    if request.amount_minor <= 0 || request.amount_minor > wire::MAX_ABS_AMOUNT_MINOR {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
            "amount must be positive".into(),
        ));
    }
    let mut account: AccountDto = db::get(tx, customer, kinds::ACCOUNT, &request.from_account)
        .await?
        .ok_or_else(|| not_found("account"))?;
    if !["current", "savings"].contains(&account.kind.as_str())
        || account.currency != request.currency
    {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_account",
            "payments leave a deposit account in its currency".into(),
        ));
    }
    let now = Utc::now();
    // Every payment of hers, read once: a held bill's and today's spending are checked on it.
    let payments: Vec<PaymentDto> = all_payments(tx, customer).await?;
    let threshold = config
        .risky_threshold
        .get(&request.currency)
        .copied()
        .unwrap_or(i64::MAX);
    // Money moved to another of her accounts arrives there too.
    let mut moved_to: Option<AccountDto> = None;
    let (counterparty, risky) = match request.kind.as_str() {
        "move" => {
            let to: AccountDto = db::get(tx, customer, kinds::ACCOUNT, &request.target_id)
                .await?
                .ok_or_else(|| not_found("account"))?;
            if to.id == account.id
                || !["current", "savings", "credit_card"].contains(&to.kind.as_str())
                || to.currency != request.currency
            {
                return Err(ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_account",
                    "money moves to another current, savings or credit card account in its currency"
                        .into(),
                ));
            }
            let name = to.name.clone();
            moved_to = Some(to);
            // Her own money staying hers: never held as a risky transfer is.
            (name, false)
        }
        "transfer" => {
            let payee: PayeeDto = db::get(tx, customer, kinds::PAYEE, &request.target_id)
                .await?
                .ok_or_else(|| not_found("payee"))?;
            (
                payee.name,
                payee.transfers_made == 0 || request.amount_minor >= threshold,
            )
        }
        "bill" => {
            let bill: BillDto = db::get(tx, customer, kinds::BILL, &request.target_id)
                .await?
                .ok_or_else(|| not_found("bill"))?;
            if bill.status != "due"
                || bill.amount_minor != request.amount_minor
                || bill.currency != request.currency
            {
                return Err(ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bill_mismatch",
                    "the bill is paid or its amount differs".into(),
                ));
            }
            // A bill paid and held is paid: it is not paid again while its hold runs.
            let held_already = payments.iter().any(|p| {
                p.status == payment_status::HELD && p.kind == "bill" && p.target_id == bill.id
            });
            if held_already {
                return Err(ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bill_mismatch",
                    "the bill is paid, held for its correction window".into(),
                ));
            }
            let biller: wire::BillerDto = db::get(tx, customer, kinds::BILLER, &bill.biller_id)
                .await?
                .ok_or_else(|| not_found("biller"))?;
            // Held like a transfer at or above the threshold: a bank holding every payment
            // (the MIIT correction window) holds bills too.
            (biller.name, request.amount_minor >= threshold)
        }
        _ => return Err(bad_request("kind must be transfer, bill or move")),
    };
    let limit = config
        .daily_limits
        .get(&request.currency)
        .copied()
        .unwrap_or(0);
    let spent: i64 = payments
        .iter()
        .filter(|p| {
            p.status != payment_status::CANCELLED
                && p.currency == request.currency
                && p.created_at >= start_of_day(now)
        })
        .map(|p| p.amount_minor)
        .sum();
    if spent.saturating_add(request.amount_minor) > limit {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::LIMIT_EXCEEDED,
            "daily limit reached".into(),
        ));
    }
    if account.available_minor < request.amount_minor {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INSUFFICIENT_FUNDS,
            "not enough available funds".into(),
        ));
    }
    let hold = risky && !config.hold.is_zero();
    let payment = PaymentDto {
        id: format!("pay-{}", random_token(9)?),
        idempotency_key: key.to_owned(),
        kind: request.kind.clone(),
        from_account: request.from_account.clone(),
        target_id: request.target_id.clone(),
        amount_minor: request.amount_minor,
        currency: request.currency.clone(),
        status: if hold {
            payment_status::HELD
        } else {
            payment_status::EXECUTED
        }
        .to_owned(),
        hold_until: hold
            .then(|| now + Duration::from_std(config.hold).unwrap_or(Duration::minutes(10))),
        created_at: now,
    };
    account.available_minor -= request.amount_minor;
    if !hold {
        account.booked_minor -= request.amount_minor;
    }
    db::put(tx, customer, kinds::ACCOUNT, &account.id, &account).await?;
    let transaction = TransactionDto {
        id: format!("txn-{}", payment.id),
        account_id: account.id.clone(),
        status: if hold { "pending" } else { "booked" }.to_owned(),
        amount_minor: -request.amount_minor,
        currency: request.currency.clone(),
        counterparty,
        description: if request.kind == "bill" {
            "Bill payment"
        } else {
            "Transfer"
        }
        .to_owned(),
        category: if request.kind == "bill" {
            "utilities"
        } else {
            "transfer"
        }
        .to_owned(),
        occurred_at: now,
    };
    db::put(
        tx,
        customer,
        kinds::TRANSACTION,
        &transaction.id,
        &transaction,
    )
    .await?;
    if let Some(mut to) = moved_to {
        to.available_minor += request.amount_minor;
        to.booked_minor += request.amount_minor;
        db::put(tx, customer, kinds::ACCOUNT, &to.id, &to).await?;
        let arrived = TransactionDto {
            id: format!("txn-{}-in", payment.id),
            account_id: to.id.clone(),
            status: "booked".to_owned(),
            amount_minor: request.amount_minor,
            currency: request.currency.clone(),
            counterparty: account.name.clone(),
            description: "Transfer".to_owned(),
            category: "transfer".to_owned(),
            occurred_at: now,
        };
        db::put(tx, customer, kinds::TRANSACTION, &arrived.id, &arrived).await?;
    }
    if !hold {
        complete_target(tx, customer, &payment).await?;
    }
    save_payment(tx, customer, &payment).await?;
    to_json(&payment)
}

async fn all_payments(tx: &mut Tx<'_>, customer: &str) -> Result<Vec<PaymentDto>, ApiError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT data FROM entity WHERE customer_id = ? AND kind = 'payment' AND data IS NOT NULL",
    )
    .bind(customer)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(d,)| serde_json::from_str(&d).ok())
        .collect())
}

async fn save_payment(
    tx: &mut Tx<'_>,
    customer: &str,
    payment: &PaymentDto,
) -> Result<(), ApiError> {
    db::put(tx, customer, kinds::PAYMENT, &payment.id, payment).await?;
    sqlx::query(
        "INSERT INTO payment (id, customer_id, idempotency_key, status, hold_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, hold_until = excluded.hold_until",
    )
    .bind(&payment.id)
    .bind(customer)
    .bind(&payment.idempotency_key)
    .bind(&payment.status)
    .bind(payment.hold_until.map(millis))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What an executed payment does to its target: a payee has one more transfer, a bill is paid.
async fn complete_target(
    tx: &mut Tx<'_>,
    customer: &str,
    payment: &PaymentDto,
) -> Result<(), ApiError> {
    if payment.kind == "move" {
        return Ok(());
    }
    if payment.kind == "transfer" {
        if let Some(mut payee) =
            db::get::<PayeeDto>(tx, customer, kinds::PAYEE, &payment.target_id).await?
        {
            payee.transfers_made += 1;
            db::put(tx, customer, kinds::PAYEE, &payee.id, &payee).await?;
        }
    } else if let Some(mut bill) =
        db::get::<BillDto>(tx, customer, kinds::BILL, &payment.target_id).await?
    {
        bill.status = "paid".into();
        db::put(tx, customer, kinds::BILL, &bill.id, &bill).await?;
    }
    Ok(())
}

/// Executes held payments whose hold has passed.
async fn settle_due_holds(bank: &Bank, customer: &str) -> Result<(), ApiError> {
    let due: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM payment WHERE customer_id = ? AND status = 'held' AND hold_until <= ?",
    )
    .bind(customer)
    .bind(millis(Utc::now()))
    .fetch_all(&bank.db.pool)
    .await?;
    if due.is_empty() {
        return Ok(());
    }
    let _guard = bank.write_lock.lock().await;
    let mut tx = bank.db.pool.begin().await?;
    for (id,) in due {
        let Some(mut payment) =
            db::get::<PaymentDto>(&mut tx, customer, kinds::PAYMENT, &id).await?
        else {
            continue;
        };
        if payment.status != payment_status::HELD {
            continue;
        }
        payment.status = payment_status::EXECUTED.into();
        if let Some(mut account) =
            db::get::<AccountDto>(&mut tx, customer, kinds::ACCOUNT, &payment.from_account).await?
        {
            account.booked_minor -= payment.amount_minor;
            db::put(&mut tx, customer, kinds::ACCOUNT, &account.id, &account).await?;
        }
        let txn_id = format!("txn-{}", payment.id);
        if let Some(mut transaction) =
            db::get::<TransactionDto>(&mut tx, customer, kinds::TRANSACTION, &txn_id).await?
        {
            transaction.status = "booked".into();
            db::put(&mut tx, customer, kinds::TRANSACTION, &txn_id, &transaction).await?;
        }
        complete_target(&mut tx, customer, &payment).await?;
        save_payment(&mut tx, customer, &payment).await?;
    }
    let version: i64 = sqlx::query_scalar("SELECT value FROM counter WHERE name = 'version'")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    bank.notify(customer, version);
    Ok(())
}

async fn payment_by_key(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    settle_due_holds(&bank, &session.customer_id).await?;
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM payment WHERE customer_id = ? AND idempotency_key = ?")
            .bind(&session.customer_id)
            .bind(&key)
            .fetch_optional(&bank.db.pool)
            .await?;
    let id = id.ok_or_else(|| not_found("payment"))?;
    let mut tx = bank.db.pool.begin().await?;
    let payment: PaymentDto = db::get(&mut tx, &session.customer_id, kinds::PAYMENT, &id)
        .await?
        .ok_or_else(|| not_found("payment"))?;
    json(&payment)
}

async fn cancel_payment(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let session = session(&bank, &headers).await?;
    settle_due_holds(&bank, &session.customer_id).await?;
    let customer = session.customer_id.clone();
    idempotent!(bank, &session.customer_id, headers, body, |tx| async {
        let mut payment: PaymentDto = db::get(tx, &customer, kinds::PAYMENT, &id)
            .await?
            .ok_or_else(|| not_found("payment"))?;
        if payment.status != payment_status::HELD
            || payment.hold_until.is_none_or(|until| until <= Utc::now())
        {
            return Err(ApiError(
                StatusCode::CONFLICT,
                codes::NOT_CANCELLABLE,
                "only a held payment can be cancelled, before its hold ends".into(),
            ));
        }
        payment.status = payment_status::CANCELLED.into();
        if let Some(mut account) =
            db::get::<AccountDto>(tx, &customer, kinds::ACCOUNT, &payment.from_account).await?
        {
            account.available_minor += payment.amount_minor;
            db::put(tx, &customer, kinds::ACCOUNT, &account.id, &account).await?;
        }
        db::delete(
            tx,
            &customer,
            kinds::TRANSACTION,
            &format!("txn-{}", payment.id),
        )
        .await?;
        save_payment(tx, &customer, &payment).await?;
        to_json(&payment)
    })
}
