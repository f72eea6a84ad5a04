//! Fetching large files over HTTPS: resumable (an HTTP range request continues a `NAME.part`
//! file after a dropped connection, and in a later run), bounded by the expected size,
//! verified by SHA-256 before it is renamed into place, so a wrong file never appears under
//! the final name.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{StatusCode, Url};
use tokio::io::AsyncWriteExt;

use crate::files::{sha256_of, sync_parent, with_suffix};

/// JSON answers (PyPI's project pages) larger than this are refused.
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("cannot set up HTTPS: {0}")]
    Client(String),
    #[error("{0}: only HTTPS downloads are allowed")]
    NotHttps(String),
    #[error("{url}: gave up after {attempts} attempts: {reason}")]
    Network {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error("{url}: the server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the server sends {found} bytes, expected {expected}")]
    SizeMismatch {
        url: String,
        expected: u64,
        found: u64,
    },
    #[error("{url}: the download's SHA-256 is {found}, expected {expected}; it was deleted")]
    HashMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("{url}: the answer is not the expected JSON: {reason}")]
    BadJson { url: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// How a download behaves; the defaults are for the real network.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Tests serve over plain HTTP on loopback; real downloads are HTTPS only.
    pub allow_plain_http: bool,
    /// Attempts in a row that may fail before giving up (each resumes where the last ended).
    pub attempts: u32,
    /// Wait before the n-th retry: n times this.
    pub retry_delay: Duration,
}

impl Default for DownloadOptions {
    fn default() -> DownloadOptions {
        DownloadOptions {
            allow_plain_http: false,
            attempts: 6,
            retry_delay: Duration::from_secs(2),
        }
    }
}

/// What a downloaded file must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: &'a str,
}

/// One attempt's failure: worth another attempt, or final.
enum Failure {
    Retry(String),
    Fatal(DownloadError),
}

#[derive(Debug, Clone)]
pub struct Downloader {
    http: reqwest::Client,
    options: DownloadOptions,
}

impl Downloader {
    /// HTTPS only, trusting the platform's roots (and, on Linux, Mozilla's as well, so a
    /// machine without a CA bundle can still fetch; a TLS-inspecting proxy's root installed
    /// in the system store keeps working).
    pub fn new() -> Result<Downloader, DownloadError> {
        Downloader::with_options(DownloadOptions::default())
    }

    pub fn with_options(options: DownloadOptions) -> Result<Downloader, DownloadError> {
        // ring as the TLS provider: reqwest is built without one, so one crypto library ships.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            // Between two reads, not for the whole body: a slow but live download goes on.
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("tingshuo/", env!("CARGO_PKG_VERSION")))
            .https_only(!options.allow_plain_http);
        #[cfg(target_os = "linux")]
        let builder = builder.tls_certs_merge(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok()),
        );
        let http = builder
            .build()
            .map_err(|e| DownloadError::Client(e.to_string()))?;
        Ok(Downloader { http, options })
    }

    fn check_scheme(&self, url: &Url) -> Result<(), DownloadError> {
        if url.scheme() == "https" || (self.options.allow_plain_http && url.scheme() == "http") {
            Ok(())
        } else {
            Err(DownloadError::NotHttps(url.to_string()))
        }
    }

    /// A small JSON document (with the same retries as a download).
    pub async fn get_json(&self, url: &Url) -> Result<serde_json::Value, DownloadError> {
        self.check_scheme(url)?;
        let mut failures = 0;
        loop {
            let reason = match self.http.get(url.clone()).send().await {
                Ok(mut response) if response.status().is_success() => {
                    let mut body = Vec::new();
                    let mut failed = None;
                    loop {
                        match response.chunk().await {
                            Ok(Some(chunk)) => {
                                if body.len() + chunk.len() > MAX_JSON_BYTES {
                                    return Err(DownloadError::BadJson {
                                        url: url.to_string(),
                                        reason: format!("larger than {MAX_JSON_BYTES} bytes"),
                                    });
                                }
                                body.extend_from_slice(&chunk);
                            }
                            Ok(None) => break,
                            Err(e) => {
                                failed = Some(e.to_string());
                                break;
                            }
                        }
                    }
                    match failed {
                        None => {
                            return serde_json::from_slice(&body).map_err(|e| {
                                DownloadError::BadJson {
                                    url: url.to_string(),
                                    reason: e.to_string(),
                                }
                            });
                        }
                        Some(reason) => reason,
                    }
                }
                Ok(response) if retryable(response.status()) => {
                    format!("HTTP {}", response.status().as_u16())
                }
                Ok(response) => {
                    return Err(DownloadError::Status {
                        url: url.to_string(),
                        status: response.status().as_u16(),
                    });
                }
                Err(e) => e.to_string(),
            };
            failures += 1;
            self.back_off(url, failures, reason).await?;
        }
    }

    async fn back_off(
        &self,
        url: &Url,
        failures: u32,
        reason: String,
    ) -> Result<(), DownloadError> {
        if failures >= self.options.attempts {
            return Err(DownloadError::Network {
                url: url.to_string(),
                attempts: failures,
                reason,
            });
        }
        tracing::info!(%url, failures, %reason, "download interrupted; resuming");
        tokio::time::sleep(self.options.retry_delay * failures).await;
        Ok(())
    }

    /// Fetches `url` to `destination`, resuming `destination.part` if an earlier attempt left
    /// one. `progress` hears (bytes so far, bytes in all). The file appears under its final
    /// name only once its size and SHA-256 are as expected; a mismatch deletes it.
    pub async fn fetch(
        &self,
        url: &Url,
        destination: &Path,
        expected: Expected<'_>,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), DownloadError> {
        self.check_scheme(url)?;
        let part = with_suffix(destination, ".part");
        let mut failures = 0;
        loop {
            let have = match tokio::fs::metadata(&part).await {
                Ok(metadata) => metadata.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(io_error(&part)(e)),
            };
            if have > expected.size {
                remove(&part).await?;
                continue;
            }
            if have == expected.size {
                break;
            }
            progress(have, expected.size);
            match self
                .attempt(url, &part, have, expected.size, progress)
                .await
            {
                Ok(()) => failures = 0,
                Err(Failure::Fatal(error)) => return Err(error),
                Err(Failure::Retry(reason)) => {
                    // Only attempts in a row that bring nothing count against the limit.
                    let now = tokio::fs::metadata(&part).await.map_or(0, |m| m.len());
                    if now > have {
                        failures = 0;
                    }
                    failures += 1;
                    self.back_off(url, failures, reason).await?;
                }
            }
        }
        let (found, _) = {
            let to_hash = part.clone();
            tokio::task::spawn_blocking(move || std::fs::File::open(&to_hash).and_then(sha256_of))
                .await
                .map_err(std::io::Error::other)
                .and_then(|hashed| hashed)
                .map_err(io_error(&part))?
        };
        if found != expected.sha256 {
            remove(&part).await?;
            return Err(DownloadError::HashMismatch {
                url: url.to_string(),
                expected: expected.sha256.to_owned(),
                found,
            });
        }
        tokio::fs::rename(&part, destination)
            .await
            .map_err(io_error(destination))?;
        sync_parent(destination);
        Ok(())
    }

    /// One request, appending to `part` from byte `have`.
    async fn attempt(
        &self,
        url: &Url,
        part: &Path,
        have: u64,
        size: u64,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), Failure> {
        let mut request = self.http.get(url.clone());
        if have > 0 {
            request = request.header(RANGE, format!("bytes={have}-"));
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let status = response.status();
        let mut offset = match status {
            StatusCode::PARTIAL_CONTENT => {
                match content_range(&response) {
                    Some((start, total)) if start == have && total.is_none_or(|t| t == size) => {
                        have
                    }
                    Some((_, Some(total))) if total != size => {
                        return Err(Failure::Fatal(DownloadError::SizeMismatch {
                            url: url.to_string(),
                            expected: size,
                            found: total,
                        }));
                    }
                    // A range other than the one asked for: start again from nothing.
                    _ => {
                        remove(part).await.map_err(Failure::Fatal)?;
                        return Err(Failure::Retry("the server sent another range".into()));
                    }
                }
            }
            StatusCode::OK => {
                if let Some(length) = response.content_length()
                    && length != size
                {
                    return Err(Failure::Fatal(DownloadError::SizeMismatch {
                        url: url.to_string(),
                        expected: size,
                        found: length,
                    }));
                }
                0 // The server ignored the range: the whole file comes again.
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                remove(part).await.map_err(Failure::Fatal)?;
                return Err(Failure::Retry("the server refused the range".into()));
            }
            status if retryable(status) => {
                return Err(Failure::Retry(format!("HTTP {}", status.as_u16())));
            }
            status => {
                return Err(Failure::Fatal(DownloadError::Status {
                    url: url.to_string(),
                    status: status.as_u16(),
                }));
            }
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(offset > 0)
            .truncate(offset == 0)
            .open(part)
            .await
            .map_err(|e| Failure::Fatal(io_error(part)(e)))?;
        let outcome = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let end = offset + chunk.len() as u64;
                    if end > size {
                        drop(file);
                        remove(part).await.map_err(Failure::Fatal)?;
                        return Err(Failure::Fatal(DownloadError::SizeMismatch {
                            url: url.to_string(),
                            expected: size,
                            found: end,
                        }));
                    }
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| Failure::Fatal(io_error(part)(e)))?;
                    offset = end;
                    progress(offset, size);
                }
                Ok(None) if offset == size => break Ok(()),
                Ok(None) => {
                    break Err(Failure::Retry(format!(
                        "the connection closed after {offset} of {size} bytes"
                    )));
                }
                Err(e) => break Err(Failure::Retry(e.to_string())),
            }
        };
        // What arrived is kept either way: the next attempt resumes after it.
        file.flush()
            .await
            .and(file.sync_all().await)
            .map_err(|e| Failure::Fatal(io_error(part)(e)))?;
        outcome
    }
}

fn retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL unless `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = match total {
        "*" => None,
        total => Some(total.parse().ok()?),
    };
    Some((start.parse().ok()?, total))
}

async fn remove(path: &Path) -> Result<(), DownloadError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}
