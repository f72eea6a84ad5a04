//! How requests reach the bank: one exchange at a time, and the change stream. The core's own
//! transport is HTTP over reqwest and rustls (`http_transport::HttpTransport`, feature `http`); a bank
//! may plug in its own (its networking stack, its certificate pinning, a test double) by
//! implementing [`BankTransport`]. Sessions, signing, idempotency and validation stay in the
//! core, above the transport, whoever carries the bytes.

use std::future::Future;
use std::pin::Pin;

use tingshuo_base::wire::routes::HttpMethod;

/// A boxed future, so the transport traits can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One request to the bank.
#[derive(Debug, Clone, Copy)]
pub struct BankRequest<'a> {
    pub method: HttpMethod,
    /// The path and query, from the route table (`/v1/cards/c-1/lock`).
    pub path: &'a str,
    /// A JSON body.
    pub body: Option<&'a str>,
    /// The session token, sent as a bearer token.
    pub bearer: Option<&'a str>,
    /// Sent in the `Idempotency-Key` header.
    pub idempotency_key: Option<&'a str>,
}

/// The bank's answer: its status and the whole body (at most [`MAX_RESPONSE_BYTES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Answers larger than this are refused as hostile (a page of 1,000 patches is far smaller).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// What went wrong carrying an exchange. Which of the first two it is keeps money safe: only
/// [`TransportError::NeverSent`] proves the bank never saw the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection was opened: the request cannot have reached the bank.
    #[error("the bank cannot be reached")]
    NeverSent,
    /// The request may have reached the bank, but no whole answer came back.
    #[error("the answer was lost")]
    AnswerLost,
    /// A success's answer larger than allowed (a failure's is passed on without its body).
    #[error("the answer is larger than allowed")]
    TooLarge,
    /// The bank answered with a redirect, which is never followed: the request may have
    /// reached the bank, and no outcome came back.
    #[error("the bank answered with a redirect ({0}), which is not followed")]
    Redirected(u16),
    /// The transport itself could not be set up (a configuration problem, not the network).
    #[error("the transport is unusable: {0}")]
    Unusable(String),
}

/// The bank's change stream, opened: its status, then chunks of server-sent events.
pub trait EventSource: Send {
    fn status(&self) -> u16;
    /// The next chunk, or `None` when the bank closed the stream.
    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>>;
}

/// Carries requests to the bank.
pub trait BankTransport: Send + Sync + std::fmt::Debug {
    /// Sends one request and reads its whole answer.
    fn exchange<'a>(
        &'a self,
        request: BankRequest<'a>,
    ) -> BoxFuture<'a, Result<BankResponse, TransportError>>;

    /// Opens the change stream at `path` with the session token; it stays open until the bank
    /// closes it or the source is dropped.
    fn events<'a>(
        &'a self,
        path: &'a str,
        bearer: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Box<dyn EventSource>, TransportError>>;
}
