//! The bank's API as the client sees it, over whatever [`BankTransport`] carries it: sessions
//! with re-login on expiry, requests made from the route table, validated answers, and errors
//! that say whether a request could have reached the bank.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::{DeviceSigner, SignerError};
use crate::transport::{BankRequest, BankTransport, EventSource, TransportError};
use tingshuo_base::classify::OneTimeCode;
use tingshuo_base::wire::routes::{self, HttpMethod};
use tingshuo_base::wire::{
    self, ChallengeRequest, ChallengeResponse, ErrorBody, LoginRequest, LoginResponse, codes,
};

/// What went wrong talking to the bank. The distinction between [`NetError::Offline`] and
/// [`NetError::AnswerLost`] is what keeps money safe: only the first proves that the request
/// never reached the bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("the bank cannot be reached")]
    Offline,
    #[error("the request may have reached the bank, but its answer was lost")]
    AnswerLost,
    #[error("the bank is temporarily unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    #[error("the bank refused the request: {code} (HTTP {status})")]
    Refused { status: u16, code: String },
    #[error("the bank's answer is invalid: {0}")]
    Invalid(String),
    /// Signing in before a request failed other than on the session (an answer it could not
    /// read, a refusal for another reason): the request itself was never sent.
    #[error("signing in to the bank failed: {0}")]
    SignInFailed(String),
    #[error("this device is not registered with the bank")]
    NotRegistered,
    #[error("the device key could not sign: {0}")]
    Signer(#[from] SignerError),
    /// The transport could not be set up (a configuration problem): nothing was sent, so no
    /// request may be taken as answered — a queued one stays queued.
    #[error("the transport is unusable: {0}")]
    Unusable(String),
}

impl NetError {
    /// Worth trying again later (as opposed to a refusal or a hostile answer).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            NetError::Offline
                | NetError::AnswerLost
                | NetError::Unavailable { .. }
                | NetError::SignInFailed(_)
        )
    }

    /// A sign-in's failure as the request that needed it sees it: an answer the sign-in could
    /// not read, or a refusal for a reason other than the session, judged nothing the request
    /// asked (it was never sent), so it must not read as the request's own answer.
    fn at_sign_in(self) -> NetError {
        match self {
            NetError::Invalid(reason) => NetError::SignInFailed(reason),
            NetError::Refused { status, code } if status != 401 => {
                NetError::SignInFailed(format!("{code} (HTTP {status})"))
            }
            other => other,
        }
    }

    /// The bank says this device was revoked (from another device, or by the bank): it no
    /// longer stands for the customer, and what it holds of her is wiped.
    pub fn is_device_revoked(&self) -> bool {
        matches!(
            self,
            NetError::Refused { status: 401, code } if code == tingshuo_base::wire::codes::DEVICE_REVOKED
        )
    }

    /// The bank did not accept this device's session: the request itself was not judged.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            NetError::Refused { status: 401, .. } | NetError::NotRegistered
        )
    }

    pub fn is_refusal(&self, code: &str) -> bool {
        matches!(self, NetError::Refused { code: c, .. } if c == code)
    }
}

/// A session with the bank for one registered device.
pub struct BankApi {
    transport: Arc<dyn BankTransport>,
    signer: Arc<dyn DeviceSigner>,
    device_id: Mutex<Option<String>>,
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for BankApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankApi")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl From<TransportError> for NetError {
    fn from(error: TransportError) -> NetError {
        match error {
            TransportError::NeverSent => NetError::Offline,
            // A redirect brought no outcome: reconciled by the idempotency key like a lost one.
            TransportError::AnswerLost | TransportError::Redirected(_) => NetError::AnswerLost,
            TransportError::TooLarge => NetError::Invalid("answer larger than allowed".into()),
            TransportError::Unusable(why) => NetError::Unusable(why),
        }
    }
}

impl BankApi {
    pub fn new(transport: Arc<dyn BankTransport>, signer: Arc<dyn DeviceSigner>) -> BankApi {
        BankApi {
            transport,
            signer,
            device_id: Mutex::new(None),
            token: Mutex::new(None),
        }
    }

    /// A new session over the same transport and signer (for a store rebuilt under the
    /// same client): no device id and no token until they are set or signed in again.
    pub fn again(&self) -> BankApi {
        BankApi::new(self.transport.clone(), self.signer.clone())
    }

    pub fn set_device_id(&self, device_id: Option<String>) {
        if let Ok(mut slot) = self.device_id.lock() {
            *slot = device_id;
        }
    }

    pub fn device_id(&self) -> Option<String> {
        self.device_id.lock().ok().and_then(|d| d.clone())
    }

    fn token(&self) -> Option<String> {
        self.token.lock().ok().and_then(|t| t.clone())
    }

    pub(crate) fn set_token(&self, token: Option<String>) {
        if let Ok(mut slot) = self.token.lock() {
            *slot = token;
        }
    }

    /// A request made before there is a session (registration and login).
    async fn before_login<T: DeserializeOwned>(
        &self,
        route: routes::Route,
        body: &str,
    ) -> Result<T, NetError> {
        self.exchange(route.method, route.plain(), Some(body), None, false)
            .await
    }

    /// Sends a request and decodes a 2xx answer, mapping everything else to a [`NetError`].
    async fn exchange<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
        authenticated: bool,
    ) -> Result<T, NetError> {
        let token = if authenticated { self.token() } else { None };
        let answer = self
            .transport
            .exchange(BankRequest {
                method,
                path,
                body,
                bearer: token.as_deref(),
                idempotency_key,
            })
            .await?;
        decode_answer(answer.status, &answer.body)
    }

    /// An authenticated call; logs in first if needed, and once more if the session expired.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<T, NetError> {
        if self.token().is_none() {
            self.login().await.map_err(NetError::at_sign_in)?;
        }
        match self
            .exchange(method, path, body, idempotency_key, true)
            .await
        {
            Err(NetError::Refused { status: 401, .. }) => {
                self.set_token(None);
                self.login().await.map_err(NetError::at_sign_in)?;
                self.exchange(method, path, body, idempotency_key, true)
                    .await
            }
            other => other,
        }
    }

    /// A JSON body for a call.
    pub fn body<T: Serialize>(value: &T) -> Result<String, NetError> {
        serde_json::to_string(value).map_err(|e| NetError::Invalid(e.to_string()))
    }

    /// Registers this device's key with the customer's enrollment code.
    pub async fn register(
        &self,
        customer_id: &str,
        code: &OneTimeCode,
        device_name: &str,
    ) -> Result<String, NetError> {
        let mut request = wire::RegisterDeviceRequest {
            customer_id: customer_id.to_owned(),
            enrollment_code: code.expose_to_authenticator().to_owned(),
            public_key: B64.encode(self.signer.login_public_key()?),
            payment_public_key: B64.encode(self.signer.payment_public_key()?),
            device_name: device_name.to_owned(),
        };
        // The code is C3: every copy of it made here is wiped when it is no longer needed.
        let body = BankApi::body(&request).map(zeroize::Zeroizing::new);
        zeroize::Zeroize::zeroize(&mut request.enrollment_code);
        let body = body?;
        let answer: wire::RegisterDeviceResponse =
            self.before_login(routes::REGISTER_DEVICE, &body).await?;
        self.set_device_id(Some(answer.device_id.clone()));
        Ok(answer.device_id)
    }

    /// The customer's devices that are not revoked, as checked server data.
    pub async fn devices(&self) -> Result<Vec<wire::DeviceDto>, NetError> {
        let answer: wire::DevicesResponse = self
            .call(HttpMethod::Get, routes::DEVICES.plain(), None, None)
            .await?;
        if answer.devices.len() > 1000 {
            return Err(NetError::Invalid("more devices than allowed".into()));
        }
        answer
            .devices
            .into_iter()
            .map(|d| d.validated().map_err(|e| NetError::Invalid(e.to_string())))
            .collect()
    }

    /// Revokes one of the customer's devices. Safe to repeat with the same key after a lost
    /// answer, and revoking a revoked device changes nothing.
    pub async fn revoke_device(
        &self,
        device_id: &str,
        idempotency_key: &str,
    ) -> Result<wire::DeviceDto, NetError> {
        let path = routes::REVOKE_DEVICE
            .path(&[device_id])
            .ok_or_else(|| NetError::Invalid("parameters of the revoke route".into()))?;
        let answer: wire::DeviceDto = self
            .call(HttpMethod::Post, &path, Some("{}"), Some(idempotency_key))
            .await?;
        answer
            .validated()
            .map_err(|e| NetError::Invalid(e.to_string()))
    }

    /// Logs in by signing a fresh challenge with the device key. A refused login is tried
    /// again with a new challenge: a duplicated delivery of the first attempt consumes its
    /// challenge, and the duplicate's refusal may be the answer that arrives.
    pub async fn login(&self) -> Result<(), NetError> {
        let mut attempt = 0;
        loop {
            match self.login_once().await {
                Err(error) if error.is_auth() && attempt < 2 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn login_once(&self) -> Result<(), NetError> {
        let device_id = self.device_id().ok_or(NetError::NotRegistered)?;
        let body = BankApi::body(&ChallengeRequest {
            device_id: device_id.clone(),
        })?;
        let challenge: ChallengeResponse =
            self.before_login(routes::LOGIN_CHALLENGE, &body).await?;
        let signature = self
            .signer
            .sign_login(&wire::login_message(&device_id, &challenge.challenge))?;
        let body = BankApi::body(&LoginRequest {
            device_id,
            challenge: challenge.challenge,
            signature: B64.encode(signature),
        })?;
        let session: LoginResponse = self.before_login(routes::LOGIN, &body).await?;
        self.set_token(Some(session.token));
        tracing::debug!("signed in to the bank");
        Ok(())
    }

    /// Signs with the device key after the host's step-up check.
    /// The bank's fresh, single-use challenge for a step-up proof (a payment, an unlock).
    pub async fn step_up_challenge(&self) -> Result<String, NetError> {
        let challenge: ChallengeResponse = self
            .call(
                routes::PAYMENT_CHALLENGE.method,
                routes::PAYMENT_CHALLENGE.plain(),
                Some("{}"),
                None,
            )
            .await?;
        Ok(challenge.challenge)
    }

    pub fn sign_payment(&self, message: &[u8]) -> Result<String, NetError> {
        Ok(B64.encode(self.signer.sign_payment(message)?))
    }

    /// Opens the change stream (server-sent events).
    pub async fn events(&self) -> Result<Box<dyn EventSource>, NetError> {
        if self.token().is_none() {
            self.login().await?;
        }
        let mut attempt = 0;
        loop {
            let token = self.token();
            let source = self
                .transport
                .events(routes::EVENTS.plain(), token.as_deref())
                .await?;
            let status = source.status();
            if status == 401 && attempt == 0 {
                attempt += 1;
                self.set_token(None);
                self.login().await?;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(NetError::Unavailable { status });
            }
            return Ok(source);
        }
    }
}

/// Maps a status and body to the decoded answer or a [`NetError`].
pub fn decode_answer<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> Result<T, NetError> {
    match status {
        200..=299 => serde_json::from_slice(bytes)
            .map_err(|e| NetError::Invalid(wire::describe_json_error(&e))),
        408 | 429 | 500..=599 => Err(NetError::Unavailable { status }),
        _ => {
            let code = serde_json::from_slice::<ErrorBody>(bytes)
                .map(|e| e.error)
                .unwrap_or_else(|_| codes::BAD_REQUEST.to_owned());
            // Keep the code short and printable: it is logged and matched, never shown raw.
            let code: String = code
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            Err(NetError::Refused { status, code })
        }
    }
}
