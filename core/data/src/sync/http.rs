//! The bank's HTTP API as the client sees it: sessions, bounded and validated answers, and
//! errors that say whether a request could have reached the bank.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::{DeviceSigner, SignerError};
use tingshuo_base::classify::OneTimeCode;
use tingshuo_base::wire::{
    self, ChallengeRequest, ChallengeResponse, ErrorBody, LoginRequest, LoginResponse, codes,
};

/// Answers larger than this are refused as hostile (a page of 1,000 patches is far smaller).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

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
    #[error("this device is not registered with the bank")]
    NotRegistered,
    #[error("the device key could not sign: {0}")]
    Signer(#[from] SignerError),
}

impl NetError {
    /// Worth trying again later (as opposed to a refusal or a hostile answer).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            NetError::Offline | NetError::AnswerLost | NetError::Unavailable { .. }
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

/// Installs ring as the process's TLS provider (reqwest is built without one, so that only
/// one crypto library ships). Harmless when the host installed a provider first.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A session with the bank for one registered device.
pub struct BankApi {
    http: reqwest::Client,
    base: String,
    signer: Arc<dyn DeviceSigner>,
    device_id: Mutex<Option<String>>,
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for BankApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankApi")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn classify(error: &reqwest::Error) -> NetError {
    if error.is_connect() {
        NetError::Offline
    } else {
        NetError::AnswerLost
    }
}

impl BankApi {
    pub fn new(base_url: &str, signer: Arc<dyn DeviceSigner>) -> Result<BankApi, NetError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| NetError::Invalid(format!("HTTP client: {e}")))?;
        Ok(BankApi {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            signer,
            device_id: Mutex::new(None),
            token: Mutex::new(None),
        })
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

    fn set_token(&self, token: Option<String>) {
        if let Ok(mut slot) = self.token.lock() {
            *slot = token;
        }
    }

    /// Sends one request and reads the whole answer, bounded. Returns status and body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
        authenticated: bool,
    ) -> Result<(u16, Vec<u8>), NetError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        if let Some(key) = idempotency_key {
            request = request.header(wire::IDEMPOTENCY_HEADER, key);
        }
        if authenticated && let Some(token) = self.token() {
            request = request.bearer_auth(token);
        }
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(NetError::Invalid("answer larger than allowed".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, bytes))
    }

    /// Sends a request and decodes a 2xx answer, mapping everything else to a [`NetError`].
    async fn exchange<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
        authenticated: bool,
    ) -> Result<T, NetError> {
        let (status, bytes) = self
            .send(method, path, body, idempotency_key, authenticated)
            .await?;
        decode_answer(status, &bytes)
    }

    /// An authenticated call; logs in first if needed, and once more if the session expired.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<T, NetError> {
        if self.token().is_none() {
            self.login().await?;
        }
        match self
            .exchange(method.clone(), path, body, idempotency_key, true)
            .await
        {
            Err(NetError::Refused { status: 401, .. }) => {
                self.set_token(None);
                self.login().await?;
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
        let request = wire::RegisterDeviceRequest {
            customer_id: customer_id.to_owned(),
            enrollment_code: code.expose_to_authenticator().to_owned(),
            public_key: B64.encode(self.signer.public_key()?),
            device_name: device_name.to_owned(),
        };
        let body = BankApi::body(&request)?;
        let answer: wire::RegisterDeviceResponse = self
            .exchange(Method::POST, "/v1/devices", Some(&body), None, false)
            .await?;
        self.set_device_id(Some(answer.device_id.clone()));
        Ok(answer.device_id)
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
        let challenge: ChallengeResponse = self
            .exchange(
                Method::POST,
                "/v1/sessions/challenge",
                Some(&body),
                None,
                false,
            )
            .await?;
        let signature = self
            .signer
            .sign_login(&wire::login_message(&device_id, &challenge.challenge))?;
        let body = BankApi::body(&LoginRequest {
            device_id,
            challenge: challenge.challenge,
            signature: B64.encode(signature),
        })?;
        let session: LoginResponse = self
            .exchange(Method::POST, "/v1/sessions", Some(&body), None, false)
            .await?;
        self.set_token(Some(session.token));
        tracing::debug!("signed in to the bank");
        Ok(())
    }

    /// Signs with the device key after the host's step-up check.
    pub fn sign_payment(&self, message: &[u8]) -> Result<String, NetError> {
        Ok(B64.encode(self.signer.sign_payment(message)?))
    }

    /// Opens the change stream (server-sent events).
    pub async fn events(&self) -> Result<reqwest::Response, NetError> {
        if self.token().is_none() {
            self.login().await?;
        }
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .get(format!("{}/v1/events", self.base))
                .timeout(Duration::from_secs(24 * 3600));
            if let Some(token) = self.token() {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|e| classify(&e))?;
            if response.status().as_u16() == 401 && attempt == 0 {
                attempt += 1;
                self.set_token(None);
                self.login().await?;
                continue;
            }
            if !response.status().is_success() {
                return Err(NetError::Unavailable {
                    status: response.status().as_u16(),
                });
            }
            return Ok(response);
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
