//! `tingshuo harness serve`: a page to test with, on loopback only. A tester converses with the
//! demo customer's assistant (the core's own session, over the reference bank started
//! in-process) by typing, uploading a WAV recording or speaking into the browser's microphone;
//! each reply is shown and played (espeak-ng), each turn logged beside (intent, slots, message
//! ids, events, latency), and the bank's condition can be switched between turns.
//!
//! The page is compiled in ([`page`]); every turn is a [`TurnRecord`] of the same
//! [`Conversation`] that `tingshuo chat` and the scenario runner use, and its replies are
//! rendered by the same [`ReplyWavs`]. Recordings are decoded and resampled by the core's
//! WAV reader and recognized by whisper with the installed model, loaded on the first one.
//! Nothing outside this computer can reach the server: it listens on 127.0.0.1, and answers
//! only requests addressed to it by that name (a page elsewhere cannot drive it).

pub(crate) mod page;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use tingshuo_core::assistant::{Purpose, Turn};
use tingshuo_core::l10n::Arg;
use tingshuo_core::listen::audio::{AudioError, MAX_UTTERANCE_SECONDS};
use tingshuo_core::listen::decode_wav_bytes;
use tingshuo_core::{Locale, Localizer};
use tingshuo_sandbox::seed::DemoCustomer;

use crate::chat::{Conversation, EventRecord, ReplyWavs, TurnInput, TurnRecord, consent_title};
use crate::conditions::{BankCondition, ConditionedBank};
use crate::{CustomerPaths, HarnessError, open_client};

/// The largest recording accepted: 30 s of 48 kHz stereo 32-bit float is 11.5 MB (the core's
/// WAV reader refuses anything longer than 30 s from its header).
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;
/// Every other request is a small JSON object.
const MAX_JSON_BYTES: usize = 16 * 1024;
/// A typed turn longer than this is no spoken command.
const MAX_TEXT_CHARS: usize = 500;

/// What `tingshuo harness serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// 0 picks a free port.
    pub port: u16,
    pub locale: Locale,
    /// Where the demo customer's store and keys live while the page runs (wiped at the start
    /// and at the end: the in-process bank is new each time).
    pub data_dir: PathBuf,
    pub now: DateTime<Utc>,
}

/// The conversation and what it has produced, one turn at a time.
struct Session {
    conversation: Conversation<'static>,
    /// `None` once the server has stopped.
    bank: Option<ConditionedBank>,
    replies: ReplyWavs,
    turns: usize,
    replies_said: usize,
    /// Whether the assistant has its recognizer (loaded on the first recording).
    listening: bool,
}

struct App {
    l10n: &'static Localizer,
    locale: Locale,
    page: String,
    replies_dir: PathBuf,
    /// "127.0.0.1:PORT" and "localhost:PORT": the only hosts the server answers to.
    hosts: [String; 2],
    session: tokio::sync::Mutex<Session>,
}

impl App {
    /// A message of the page in its locale (its id, should the message be missing).
    fn message(&self, id: &str, args: &[(&str, Arg)]) -> String {
        self.l10n
            .format(self.locale, id, args)
            .unwrap_or_else(|_| id.to_owned())
    }

    fn error(&self, status: StatusCode, id: &str, args: &[(&str, Arg)]) -> PageError {
        PageError {
            status,
            message: self.message(id, args),
        }
    }

    fn turn_failed(&self, detail: impl std::fmt::Display) -> PageError {
        self.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "harness-error-turn",
            &[("detail", Arg::Text(detail.to_string()))],
        )
    }
}

/// An answer the page shows in its alert region: `{"error": "…"}`.
#[derive(Debug)]
struct PageError {
    status: StatusCode,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// Starts the bank, registers the demo customer of the locale, and serves the page until
/// Ctrl-C or SIGTERM; the first line on standard output is the page's address.
pub async fn serve(options: ServeOptions) -> Result<(), HarnessError> {
    // One localizer for the life of the process, shared by the conversation and the page.
    let l10n: &'static Localizer = Box::leak(Box::new(Localizer::new()?));
    let locale = options.locale;
    let customer = DemoCustomer::for_locale(locale);
    let bank = ConditionedBank::start(options.now, BankCondition::Online).await?;
    let paths = CustomerPaths::new(&options.data_dir, customer.id())?;
    // A new in-process bank knows no devices: start this customer afresh.
    paths.wipe()?;
    let code = bank.enrollment_code(customer.id()).await?;
    let (client, _) = open_client(&paths, &bank.url(), customer.id(), Some(&code)).await?;
    let conversation =
        Conversation::new(&client, l10n, locale, customer.home_offset(), false).await?;
    let replies_dir = options.data_dir.join("harness-replies");
    let _ = std::fs::remove_dir_all(&replies_dir);
    let replies = ReplyWavs::new(&replies_dir)?;

    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port)))
        .await
        .map_err(|e| HarnessError::Usage(format!("cannot serve on port {}: {e}", options.port)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HarnessError::Usage(format!("no local address: {e}")))?;
    let bank_url = bank.url();
    let app = Arc::new(App {
        l10n,
        locale,
        page: page::render(l10n, locale)?,
        replies_dir: replies_dir.clone(),
        hosts: [
            format!("127.0.0.1:{}", addr.port()),
            format!("localhost:{}", addr.port()),
        ],
        session: tokio::sync::Mutex::new(Session {
            conversation,
            bank: Some(bank),
            replies,
            turns: 0,
            replies_said: 0,
            listening: false,
        }),
    });
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "Harness page on http://{addr}/ ({locale}, {}; the reference bank on {}). Ctrl-C stops it.",
        customer.id(),
        bank_url
    );
    let _ = out.flush();
    let served = axum::serve(listener, router(app.clone()))
        .with_graceful_shutdown(stop_signal())
        .await;
    let bank = app.session.lock().await.bank.take();
    drop(app);
    client.close().await;
    if let Some(bank) = bank {
        bank.shutdown().await;
    }
    paths.wipe()?;
    let _ = std::fs::remove_dir_all(&replies_dir);
    served.map_err(|e| HarnessError::Usage(format!("the harness server stopped: {e}")))
}

/// Ctrl-C, or SIGTERM (how a test or a service manager stops it).
async fn stop_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/page.css", get(|| asset("text/css", page::CSS)))
        .route("/page.js", get(|| asset("text/javascript", page::JS)))
        .route(
            "/capture-worklet.js",
            get(|| asset("text/javascript", page::CAPTURE_WORKLET)),
        )
        .route("/replies/{file}", get(reply_wav))
        .route("/api/turn", post(text_turn))
        .route("/api/silence", post(silence))
        .route("/api/step-up", post(step_up))
        .route("/api/condition", post(condition))
        .route("/api/consent", get(consent_state).post(consent))
        .route(
            "/api/audio",
            post(audio_turn).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(middleware::from_fn_with_state(app.clone(), same_origin))
        .with_state(app)
}

/// Answers only requests addressed to this server by its loopback name, from its own page
/// (or from no page: a test's HTTP client): another site open in the tester's browser cannot
/// drive the conversation, nor can a name rebound to 127.0.0.1. Every answer is kept out of
/// caches and may load nothing from elsewhere.
async fn same_origin(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host_is_ours = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .is_some_and(|host| app.hosts.iter().any(|ours| ours == host));
    let origin_is_ours = headers.get(header::ORIGIN).is_none_or(|origin| {
        origin.to_str().ok().is_some_and(|origin| {
            app.hosts
                .iter()
                .any(|ours| origin.strip_prefix("http://") == Some(ours.as_str()))
        })
    });
    let mut response = if host_is_ours && origin_is_ours {
        next.run(request).await
    } else {
        app.error(StatusCode::FORBIDDEN, "harness-error-not-allowed", &[])
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn index(State(app): State<Arc<App>>) -> Html<String> {
    Html(app.page.clone())
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// A reply's WAV file, by the name [`ReplyWavs`] gave it.
async fn reply_wav(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>) -> Response {
    let is_reply_name = file.len() <= 64
        && file.ends_with(".wav")
        && !file.starts_with(['.', '-'])
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        && !file.contains("..");
    if !is_reply_name {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(app.replies_dir.join(&file)).await {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"))],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct TextTurn {
    text: String,
}

#[derive(Debug, Deserialize)]
struct StepUpTurn {
    approved: bool,
    /// The request the page's prompt was shown for: a late click answers that one (and
    /// approves nothing once another was asked). Without it, the one awaited now.
    #[serde(default)]
    request: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct ConsentDecision {
    granted: bool,
}

#[derive(Debug, Deserialize)]
struct ConditionChange {
    condition: String,
}

/// The JSON a request carries, or the page's error for what it carried instead.
fn json_body<T>(app: &App, body: Result<Json<T>, JsonRejection>) -> Result<T, PageError> {
    body.map(|Json(value)| value).map_err(|rejection| {
        let mut error = app.turn_failed(rejection.body_text());
        error.status = rejection.status();
        error
    })
}

async fn text_turn(
    State(app): State<Arc<App>>,
    body: Result<Json<TextTurn>, JsonRejection>,
) -> Result<Json<Value>, PageError> {
    let text = json_body(&app, body)?.text.trim().to_owned();
    if text.is_empty() {
        return Err(app.error(StatusCode::BAD_REQUEST, "harness-error-empty-text", &[]));
    }
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    // Shown and recorded as a number heard is: masked, once (as `TurnInput::typed` records).
    let shown = tingshuo_core::classify::mask_long_numbers(&text);
    let input = app.message("harness-input-text", &[("text", Arg::Text(shown.clone()))]);
    let mut session = app.session.lock().await;
    take_turn(
        &app,
        &mut session,
        Turn::Text(text.clone()),
        TurnInput::Text { text: shown },
        input,
        Some(text),
    )
    .await
}

async fn silence(State(app): State<Arc<App>>) -> Result<Json<Value>, PageError> {
    let input = app.message("harness-input-silence", &[]);
    let mut session = app.session.lock().await;
    take_turn(
        &app,
        &mut session,
        Turn::Silence,
        TurnInput::Silence,
        input,
        None,
    )
    .await
}

async fn step_up(
    State(app): State<Arc<App>>,
    body: Result<Json<StepUpTurn>, JsonRejection>,
) -> Result<Json<Value>, PageError> {
    let StepUpTurn {
        approved: pressed,
        request,
    } = json_body(&app, body)?;
    let mut session = app.session.lock().await;
    // Under "step-up failing" the customer's PIN or biometric check fails whatever is pressed.
    let approved = pressed
        && session
            .bank
            .as_ref()
            .is_none_or(|bank| bank.condition().step_up_approved());
    let input = app.message(
        if approved {
            "harness-input-step-up-approved"
        } else {
            "harness-input-step-up-refused"
        },
        &[],
    );
    let answer = match request {
        Some(request) => Turn::StepUp { request, approved },
        None => session.conversation.step_up_answer(approved),
    };
    take_turn(
        &app,
        &mut session,
        answer,
        TurnInput::StepUp {
            approved,
            automatic: false,
        },
        input,
        None,
    )
    .await
}

async fn condition(
    State(app): State<Arc<App>>,
    body: Result<Json<ConditionChange>, JsonRejection>,
) -> Result<Json<Value>, PageError> {
    let asked = json_body(&app, body)?.condition;
    let condition = BankCondition::parse(&asked).ok_or_else(|| {
        let mut error = app.turn_failed(format!(
            "no condition {:?}",
            asked.chars().take(40).collect::<String>()
        ));
        error.status = StatusCode::BAD_REQUEST;
        error
    })?;
    let mut session = app.session.lock().await;
    let bank = session
        .bank
        .as_mut()
        .ok_or_else(|| app.turn_failed("the bank has stopped"))?;
    bank.set(condition).await.map_err(|e| app.turn_failed(e))?;
    let name = app.message(condition_message(condition), &[]);
    Ok(Json(json!({
        "turn": "",
        "input": app.message("harness-log-condition", &[("condition", Arg::Text(name.clone()))]),
        "intent": "",
        "events": [],
        "condition": app.message("harness-condition-now", &[("condition", Arg::Text(name))]),
    })))
}

/// Whether the customer agreed to voice recognition: a page (re)loaded opens the microphone
/// only then.
async fn consent_state(State(app): State<Arc<App>>) -> Result<Json<Value>, PageError> {
    let session = app.session.lock().await;
    let granted = session
        .conversation
        .consented(Purpose::VoiceRecognition)
        .await
        .map_err(|e| app.turn_failed(e))?;
    Ok(Json(json!({ "granted": granted })))
}

/// The customer's decision on the consent screen (voice recognition, the one the page asks
/// for): recorded in her store as an app records it, and logged.
async fn consent(
    State(app): State<Arc<App>>,
    body: Result<Json<ConsentDecision>, JsonRejection>,
) -> Result<Json<Value>, PageError> {
    let granted = json_body(&app, body)?.granted;
    let mut session = app.session.lock().await;
    let wording = session
        .conversation
        .decide_consent(Purpose::VoiceRecognition, granted)
        .await
        .map_err(|e| app.turn_failed(e))?;
    let input = app.message(
        if granted {
            "report-input-consent-agreed"
        } else {
            "report-input-consent-declined"
        },
        &[("title", Arg::Text(wording.title))],
    );
    Ok(Json(json!({
        "turn": "",
        "input": input,
        "intent": "",
        "events": [],
        "consent_decided": true,
        "granted": granted,
    })))
}

/// The page's words for a condition (the options of its list).
fn condition_message(condition: BankCondition) -> &'static str {
    match condition {
        BankCondition::Online => "harness-condition-online",
        BankCondition::Offline => "harness-condition-offline",
        BankCondition::Refusal => "harness-condition-refusal",
        BankCondition::Hold => "harness-condition-hold",
        BankCondition::LostAnswers => "harness-condition-lost-answers",
        BankCondition::StepUpFailing => "harness-condition-step-up-failing",
    }
}

/// A recording (an upload, or the page's microphone encoded as WAV): decoded and resampled by
/// the core's WAV reader, recognized by the assistant with the locale's model.
async fn audio_turn(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, PageError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            app.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "harness-error-too-large",
                &[(
                    "megabytes",
                    Arg::Number((MAX_UPLOAD_BYTES / (1024 * 1024)) as i64),
                )],
            )
        } else {
            app.turn_failed(rejection.body_text())
        }
    })?;
    let audio = decode_wav_bytes(&bytes).map_err(|error| audio_error(&app, &error))?;
    let seconds = format!("{:.1}", audio.duration().as_secs_f64());
    let input = app.message("harness-input-audio", &[("seconds", Arg::Text(seconds))]);
    let mut session = app.session.lock().await;
    if !session.listening {
        let model = crate::listen::DEFAULT_MODEL;
        let recognizer = tokio::task::spawn_blocking(move || crate::listen::load_model(model))
            .await
            .map_err(|e| app.turn_failed(e))?
            .map_err(|_| {
                app.error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "harness-error-no-model",
                    &[("model", Arg::Text(model.to_owned()))],
                )
            })?;
        session.conversation.listen_with(Arc::new(recognizer));
        session.listening = true;
    }
    take_turn(
        &app,
        &mut session,
        Turn::Audio(audio.into_samples()),
        TurnInput::Audio {
            wav: "harness-recording.wav".to_owned(),
        },
        input,
        None,
    )
    .await
}

/// Why a recording cannot be used, in the page's words.
fn audio_error(app: &App, error: &AudioError) -> PageError {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match error {
        AudioError::NotWav => app.error(status, "harness-error-not-wav", &[]),
        AudioError::TooLong { .. } => app.error(
            status,
            "harness-error-too-long",
            &[("seconds", Arg::Number(i64::from(MAX_UTTERANCE_SECONDS)))],
        ),
        AudioError::Empty | AudioError::TooShort { .. } => {
            app.error(status, "harness-error-too-short", &[])
        }
        other => app.error(
            status,
            "harness-error-bad-audio",
            &[("detail", Arg::Text(other.to_string()))],
        ),
    }
}

/// Gives the assistant one turn and answers with what the page shows, plays and logs.
async fn take_turn(
    app: &App,
    session: &mut Session,
    turn: Turn,
    input: TurnInput,
    input_label: String,
    typed: Option<String>,
) -> Result<Json<Value>, PageError> {
    let heard_from_speech = matches!(input, TurnInput::Audio { .. });
    let record = session
        .conversation
        .record(turn, input)
        .await
        .map_err(|e| app.turn_failed(e))?;
    session.turns += 1;
    let number = session.turns;
    // A reply that cannot be rendered (no espeak-ng) is still shown.
    let audio = session
        .replies
        .write("harness", number, app.locale, &record)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "replies not rendered");
            Vec::new()
        });
    let mut replies = Vec::new();
    for (index, reply) in record.replies().iter().enumerate() {
        session.replies_said += 1;
        let audio = audio.get(index).map(|entry| {
            json!({
                "src": format!("/replies/{}", entry.file),
                "label": app.message(
                    "harness-reply-audio",
                    &[("n", Arg::Number(session.replies_said as i64))],
                ),
            })
        });
        replies.push(json!({ "id": reply.id, "display": reply.display, "audio": audio }));
    }
    // Speech before she agreed: the page shows its consent screen.
    let consent = record
        .events
        .iter()
        .any(|event| matches!(event, EventRecord::ConsentNeeded { .. }));
    let heard = record
        .heard
        .as_ref()
        .filter(|_| heard_from_speech)
        .map(|text| app.message("harness-heard", &[("text", Arg::Text(text.clone()))]));
    Ok(Json(json!({
        "turn": number,
        "input": input_label,
        "customer": typed,
        "heard": heard,
        "replies": replies,
        "step_up": record.asks_step_up(),
        "step_up_request": record.step_up_request(),
        "consent": consent,
        "intent": intent_label(&record),
        "events": event_labels(app, &record),
        "latency": app.message(
            "harness-log-latency-ms",
            &[("ms", Arg::Number(i64::try_from(record.latency_ms).unwrap_or(i64::MAX)))],
        ),
        "record": record,
    })))
}

/// "transfer {"amount":…,"payee":{"id":…}}": the intent and its slots as the record logs them
/// (items by id, never by name).
fn intent_label(record: &TurnRecord) -> Option<String> {
    let intent = record.intent.as_ref()?;
    if record.slots.is_empty() {
        return Some(intent.clone());
    }
    let slots = serde_json::to_string(&record.slots).unwrap_or_default();
    Some(format!("{intent} {slots}"))
}

/// The events of a turn for the log: message ids as they are, the rest in words, then the
/// dialogue's state.
fn event_labels(app: &App, record: &TurnRecord) -> Vec<String> {
    let mut labels = Vec::new();
    for event in &record.events {
        let label = match event {
            EventRecord::Say { id, .. } => id.clone(),
            EventRecord::Show { lines } => app.message(
                "harness-log-lines",
                &[("count", Arg::Number(lines.len() as i64))],
            ),
            EventRecord::StepUpRequested { .. } => app.message("harness-log-step-up", &[]),
            EventRecord::HandOff => app.message("harness-log-handoff", &[]),
            EventRecord::BankRequest { intent, slots } => app.message(
                "harness-log-bank-request",
                &[
                    ("intent", Arg::Text(intent.clone())),
                    ("slots", Arg::Text(crate::chat::slots_text(slots))),
                ],
            ),
            EventRecord::SpeechRate { rate } => app.message(
                "harness-log-rate",
                &[("rate", Arg::Number(i64::from(*rate)))],
            ),
            EventRecord::Volume { volume } => app.message(
                "harness-log-volume",
                &[("volume", Arg::Number(i64::from(*volume)))],
            ),
            EventRecord::Pitch { pitch } => app.message(
                "harness-log-pitch",
                &[("pitch", Arg::Number(i64::from(*pitch)))],
            ),
            EventRecord::Heard { text } => {
                app.message("harness-heard", &[("text", Arg::Text(text.clone()))])
            }
            EventRecord::Listen => app.message("harness-log-listen", &[]),
            EventRecord::ConsentNeeded { purpose } => app.message(
                "harness-log-consent",
                &[(
                    "purpose",
                    Arg::Text(consent_title(app.l10n, app.locale, purpose)),
                )],
            ),
        };
        labels.push(label);
    }
    labels.push(app.message(
        "harness-log-state",
        &[("state", Arg::Text(record.state.clone()))],
    ));
    labels
}
