//! The core's own transport: HTTP over reqwest, TLS by rustls with ring (one crypto library
//! in the app), bounded answers, and errors that say whether a request could have reached
//! the bank.

use std::time::Duration;

use tingshuo_base::wire::{self, routes::HttpMethod};

use crate::transport::{
    BankRequest, BankResponse, BankTransport, BoxFuture, EventSource, MAX_RESPONSE_BYTES,
    TransportError,
};

/// Installs ring as the process's TLS provider (reqwest is built without one, so that only
/// one crypto library ships). Harmless when the host installed a provider first.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The TLS library, for a bank that brings its own settings ([`HttpTransport::with_tls_config`]).
pub use rustls;

/// Which certificates vouch for the bank's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankTrust {
    /// The platform's own roots, through its verifier. On Android that verifier needs a JNI
    /// initialisation with the app's `Context` first, and fails without it: use another.
    Platform,
    /// Mozilla's roots, compiled into the library (`webpki-root-certs`, cargo feature
    /// `bundled-roots`): any public CA, with no platform code — what an Android app gets unless
    /// it names its bank's own roots.
    #[cfg(feature = "bundled-roots")]
    BundledRoots,
    /// Only these certificates (PEM), the bank's own CA or its servers': nothing else is
    /// trusted, a public CA's certificate for the bank's name included.
    Only(Vec<String>),
}

/// HTTP to one bank's API base URL.
pub struct HttpTransport {
    http: reqwest::Client,
    base: String,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn classify(error: &reqwest::Error) -> TransportError {
    if error.is_connect() {
        TransportError::NeverSent
    } else {
        TransportError::AnswerLost
    }
}

fn method(method: HttpMethod) -> reqwest::Method {
    match method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
    }
}

impl HttpTransport {
    /// The bank at `base_url` (`https://api.bank.example`; plain HTTP only to loopback, where
    /// the reference bank runs), trusting the platform's usual certificate roots.
    pub fn new(base_url: &str) -> Result<HttpTransport, TransportError> {
        HttpTransport::build(base_url, None)
    }

    /// The bank at `base_url`, trusting what `trust` names (a certificate that is not PEM is
    /// refused here, not at the first request).
    pub fn trusting(base_url: &str, trust: &BankTrust) -> Result<HttpTransport, TransportError> {
        let roots = match trust {
            BankTrust::Platform => return HttpTransport::new(base_url),
            #[cfg(feature = "bundled-roots")]
            BankTrust::BundledRoots => webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|der| reqwest::Certificate::from_der(der.as_ref()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| TransportError::Unusable(format!("bundled roots: {e}")))?,
            BankTrust::Only(pems) => {
                let mut roots = Vec::new();
                for (at, pem) in pems.iter().enumerate() {
                    let found = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                        .ok()
                        .filter(|found| !found.is_empty())
                        .ok_or_else(|| {
                            TransportError::Unusable(format!(
                                "trusted certificate {} is not a PEM certificate",
                                at + 1
                            ))
                        })?;
                    roots.extend(found);
                }
                if roots.is_empty() {
                    return Err(TransportError::Unusable(
                        "no trusted certificate was given".into(),
                    ));
                }
                roots
            }
        };
        HttpTransport::build_with(base_url, None, roots)
    }

    /// The same, with the bank's own TLS settings: its certificate pins or its own verifier
    /// (`rustls::ClientConfig::dangerous().set_certificate_verifier`), its roots. The
    /// configuration should be built on ring, the provider the core installs.
    pub fn with_tls_config(
        base_url: &str,
        tls: rustls::ClientConfig,
    ) -> Result<HttpTransport, TransportError> {
        HttpTransport::build(base_url, Some(tls))
    }

    fn build(
        base_url: &str,
        tls: Option<rustls::ClientConfig>,
    ) -> Result<HttpTransport, TransportError> {
        HttpTransport::build_with(base_url, tls, Vec::new())
    }

    /// `only_roots`, when not empty, are the only roots trusted (no platform verifier).
    fn build_with(
        base_url: &str,
        tls: Option<rustls::ClientConfig>,
        only_roots: Vec<reqwest::Certificate>,
    ) -> Result<HttpTransport, TransportError> {
        install_tls_provider();
        let base = base_url.trim_end_matches('/').to_owned();
        if !base.is_ascii() {
            // The library carries no Unicode tables for host names (idna_adapter 1.0).
            return Err(TransportError::Unusable(
                "the bank URL must be ASCII: write an internationalized host name in its \
                 punycode form (xn--…)"
                    .into(),
            ));
        }
        let url = reqwest::Url::parse(&base)
            .map_err(|e| TransportError::Unusable(format!("the bank URL is not a URL: {e}")))?;
        let loopback = url.host_str().is_some_and(|host| {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            scheme => {
                // Tokens, enrollment codes and payments never travel in clear text.
                return Err(TransportError::Unusable(format!(
                    "the bank URL must use https:// (it uses {scheme}://; plain http is allowed \
                     only to this machine, for the reference bank)"
                )));
            }
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // A redirect would carry the bearer token and the request somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!loopback);
        if let Some(tls) = tls {
            builder = builder.tls_backend_preconfigured(tls);
        }
        if !only_roots.is_empty() {
            builder = builder.tls_certs_only(only_roots);
        }
        let http = builder
            .build()
            .map_err(|e| TransportError::Unusable(format!("HTTP client: {e}")))?;
        Ok(HttpTransport { http, base })
    }
}

struct HttpEvents(reqwest::Response);

impl EventSource for HttpEvents {
    fn status(&self) -> u16 {
        self.0.status().as_u16()
    }

    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>> {
        Box::pin(async move {
            let chunk = self.0.chunk().await.map_err(|e| classify(&e))?;
            Ok(chunk.map(|bytes| bytes.to_vec()))
        })
    }
}

impl BankTransport for HttpTransport {
    fn exchange<'a>(
        &'a self,
        request: BankRequest<'a>,
    ) -> BoxFuture<'a, Result<BankResponse, TransportError>> {
        Box::pin(async move {
            let mut http = self.http.request(
                method(request.method),
                format!("{}{}", self.base, request.path),
            );
            if let Some(body) = request.body {
                http = http
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_owned());
            }
            if let Some(key) = request.idempotency_key {
                http = http.header(wire::IDEMPOTENCY_HEADER, key);
            }
            if let Some(token) = request.bearer {
                http = http.bearer_auth(token);
            }
            let mut response = http.send().await.map_err(|e| classify(&e))?;
            let status = response.status().as_u16();
            if response.status().is_redirection() {
                // Not followed: the bank answered, but not with an outcome.
                return Err(TransportError::Redirected(status));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    if response.status().is_success() {
                        return Err(TransportError::TooLarge);
                    }
                    // A failure's body is only its reason: one too large is dropped, and the
                    // status alone judges the request (a 503 is not an answer to keep).
                    return Ok(BankResponse {
                        status,
                        body: Vec::new(),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(BankResponse { status, body })
        })
    }

    fn events<'a>(
        &'a self,
        path: &'a str,
        bearer: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Box<dyn EventSource>, TransportError>> {
        Box::pin(async move {
            let mut request = self
                .http
                .get(format!("{}{path}", self.base))
                .timeout(Duration::from_secs(24 * 3600));
            if let Some(token) = bearer {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|e| classify(&e))?;
            Ok(Box::new(HttpEvents(response)) as Box<dyn EventSource>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_url_is_https_and_ascii_or_refused_with_the_reason() {
        let refused = |url: &str| match HttpTransport::new(url) {
            Err(TransportError::Unusable(reason)) => reason,
            other => panic!("{url}: {other:?}"),
        };
        assert!(refused("https://银行.example").contains("punycode"));
        assert!(refused("http://bank.example").contains("https://"));
        assert!(refused("not a url").contains("not a URL"));
        assert!(HttpTransport::new("https://xn--fiq228c.example/").is_ok());
        assert!(HttpTransport::new("http://127.0.0.1:8080").is_ok());
    }
}
