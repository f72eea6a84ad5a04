//! Seeded fault injection, per run and per route. Rates are per mille so a plan is exact
//! integers; the same seed and the same request order give the same faults.

use std::io;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use crate::errors::error_response;

/// Faults for requests whose method and path match; the first matching rule applies.
#[derive(Debug, Clone, Default)]
pub struct FaultRule {
    /// "GET", "POST", …; `None` matches any method.
    pub method: Option<String>,
    /// Matches paths starting with this ("/v1/payments", "/v1/" …).
    pub path_prefix: String,
    /// Extra latency, uniformly drawn from this range (milliseconds).
    pub latency_ms: (u64, u64),
    /// A 500, 503 or 429 answer instead of handling the request.
    pub error_per_mille: u32,
    /// The connection dies before the request is handled.
    pub reset_before_commit_per_mille: u32,
    /// The request is handled and committed, then the connection dies before the answer.
    pub reset_after_commit_per_mille: u32,
    /// The request is delivered to the handler twice (the second answer is sent).
    pub duplicate_per_mille: u32,
    /// The answer's body is cut in half and the connection dies.
    pub truncate_per_mille: u32,
    /// The answer's body trickles out in small, delayed pieces.
    pub slow_body_per_mille: u32,
}

/// A run's faults: a seed and rules.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    pub seed: u64,
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    pub fn none() -> FaultPlan {
        FaultPlan::default()
    }

    /// Payments' answers lost: a payment request is handled and committed, then the
    /// connection dies before its answer, and asking about it by key dies alike. The
    /// challenge a payment is signed over still arrives (it moves no money).
    pub fn lost_payment_answers() -> FaultPlan {
        FaultPlan {
            seed: 7,
            rules: vec![
                FaultRule {
                    path_prefix: "/v1/payments/challenge".into(),
                    ..FaultRule::default()
                },
                FaultRule {
                    path_prefix: "/v1/payments".into(),
                    reset_after_commit_per_mille: 1000,
                    ..FaultRule::default()
                },
            ],
        }
    }
}

/// What the injector did, for a test's report.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub latency: AtomicU64,
    pub errors: AtomicU64,
    pub resets_before_commit: AtomicU64,
    pub resets_after_commit: AtomicU64,
    pub duplicates: AtomicU64,
    pub truncations: AtomicU64,
    pub slow_bodies: AtomicU64,
}

impl FaultCounts {
    pub fn total(&self) -> u64 {
        [
            &self.errors,
            &self.resets_before_commit,
            &self.resets_after_commit,
            &self.duplicates,
            &self.truncations,
            &self.slow_bodies,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

/// The injector's state: the plan, a SplitMix64 generator, and counts.
#[derive(Debug)]
pub struct FaultState {
    plan: Mutex<FaultPlan>,
    rng: Mutex<u64>,
    pub counts: FaultCounts,
}

impl FaultState {
    pub fn new(plan: &FaultPlan) -> FaultState {
        FaultState {
            plan: Mutex::new(plan.clone()),
            rng: Mutex::new(plan.seed),
            counts: FaultCounts::default(),
        }
    }

    /// Replaces the plan while the bank runs (a test can stop faults to converge).
    pub fn set_plan(&self, plan: FaultPlan) {
        if let Ok(mut rng) = self.rng.lock() {
            *rng = plan.seed;
        }
        if let Ok(mut current) = self.plan.lock() {
            *current = plan;
        }
    }

    fn next(&self) -> u64 {
        let Ok(mut state) = self.rng.lock() else {
            return 0;
        };
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn roll(&self, per_mille: u32) -> bool {
        per_mille > 0 && self.next() % 1000 < u64::from(per_mille)
    }

    fn rule_for(&self, method: &str, path: &str) -> Option<FaultRule> {
        let plan = self.plan.lock().ok()?;
        plan.rules
            .iter()
            .find(|r| {
                r.method.as_deref().is_none_or(|m| m == method) && path.starts_with(&r.path_prefix)
            })
            .cloned()
    }
}

fn connection_reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "injected connection reset")
}

/// A body that sends `prefix`, then fails: the client sees a broken connection.
fn broken_body(prefix: Bytes) -> Body {
    let chunks: Vec<Result<Bytes, io::Error>> = if prefix.is_empty() {
        vec![Err(connection_reset())]
    } else {
        vec![Ok(prefix), Err(connection_reset())]
    };
    Body::from_stream(stream::iter(chunks))
}

async fn body_bytes(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

/// The middleware: decides this request's faults and applies them.
pub async fn inject(
    State(faults): State<Arc<FaultState>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let Some(rule) = faults.rule_for(&method, &path) else {
        return next.run(request).await;
    };
    let counts = &faults.counts;
    let (low, high) = rule.latency_ms;
    if high > 0 {
        let span = high.saturating_sub(low) + 1;
        tokio::time::sleep(Duration::from_millis(low + faults.next() % span)).await;
        counts.latency.fetch_add(1, Ordering::Relaxed);
    }
    if faults.roll(rule.error_per_mille) {
        counts.errors.fetch_add(1, Ordering::Relaxed);
        let status = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::TOO_MANY_REQUESTS,
        ][usize::try_from(faults.next() % 3).unwrap_or(0)];
        return error_response(
            status,
            tingshuo_base::wire::codes::INJECTED_FAULT,
            "injected fault",
        );
    }
    if faults.roll(rule.reset_before_commit_per_mille) {
        counts.resets_before_commit.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::OK, broken_body(Bytes::new())).into_response();
    }
    let response = if faults.roll(rule.duplicate_per_mille) {
        counts.duplicates.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
            .await
            .unwrap_or_default();
        let first = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        let _ = next.clone().run(first).await;
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        next.run(request).await
    };
    if faults.roll(rule.reset_after_commit_per_mille) {
        counts.resets_after_commit.fetch_add(1, Ordering::Relaxed);
        let (parts, _) = body_bytes(response).await;
        return Response::from_parts(parts, broken_body(Bytes::new()));
    }
    if faults.roll(rule.truncate_per_mille) {
        counts.truncations.fetch_add(1, Ordering::Relaxed);
        let (parts, bytes) = body_bytes(response).await;
        let half = bytes.slice(..bytes.len() / 2);
        return Response::from_parts(parts, broken_body(half));
    }
    if faults.roll(rule.slow_body_per_mille) {
        counts.slow_bodies.fetch_add(1, Ordering::Relaxed);
        let (parts, bytes) = body_bytes(response).await;
        let pieces: Vec<Bytes> = bytes.chunks(64).map(Bytes::copy_from_slice).collect();
        let slow = stream::unfold(pieces.into_iter(), |mut rest| async move {
            let piece = rest.next()?;
            tokio::time::sleep(Duration::from_millis(5)).await;
            Some((Ok::<_, io::Error>(piece), rest))
        });
        return Response::from_parts(parts, Body::from_stream(slow));
    }
    response
}
