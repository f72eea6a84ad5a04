//! Running scenarios: a reference bank and a registered customer per scenario, the turns
//! through the assistant, expectations read from the turn records and the bank's own
//! database, the automatic checks, and the outputs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::DateTime;
use serde::Serialize;
use tingshuo_core::Localizer;
use tingshuo_core::assistant::{AssistantOptions, Purpose, Turn};
use tingshuo_core::listen::recognizer::Recognizer;
use tingshuo_core::wire::payment_status;

use super::checks::{self, CheckResult, Transcript};
use super::spec::{ConsentDecision, Expect, LoadedScenario, PaymentExpect, StepUpResult, TurnKind};
use crate::chat::{Conversation, ReplyAudio, ReplyWavs, TurnInput, TurnRecord};
use crate::conditions::{BankCondition, ConditionedBank, FixedClock};
use crate::{CustomerPaths, HarnessError, open_client};

/// The most step-ups the runner answers by itself in one turn.
const MAX_AUTOMATIC_STEP_UPS: usize = 3;

/// One expectation of a turn, met or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectationResult {
    /// `intent`, `messages`, `not_messages`, `words`, `payment`, `state`, `step_up`, `card`.
    pub what: &'static str,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
}

/// What a scenario turn put in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScenarioInput {
    Say {
        text: String,
    },
    Wav {
        file: String,
    },
    Silence,
    StepUp {
        approved: bool,
    },
    Bank {
        condition: BankCondition,
    },
    Wait {
        ms: u64,
    },
    /// The customer's decision on the consent screen (`title`: what it asked for).
    Consent {
        granted: bool,
        title: String,
    },
}

/// One scenario turn: its input, the records it produced (the turn, and any step-up the
/// runner answered), what was expected, the replies' audio.
#[derive(Debug, Clone, Serialize)]
pub struct TurnRun {
    pub turn: usize,
    pub input: ScenarioInput,
    pub condition: BankCondition,
    pub records: Vec<TurnRecord>,
    pub expectations: Vec<ExpectationResult>,
    pub audio: Vec<ReplyAudio>,
}

/// One scenario, run.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRun {
    pub file: String,
    pub name: String,
    pub description: Option<String>,
    pub locale: String,
    pub customer: String,
    /// The scenario's time, in the customer's time zone.
    pub now: DateTime<chrono::FixedOffset>,
    pub utc_offset: String,
    pub passed: bool,
    /// Why the scenario could not be run to its end, when it could not.
    pub error: Option<String>,
    pub turns: Vec<TurnRun>,
    pub checks: Vec<CheckResult>,
}

impl ScenarioRun {
    pub fn failed_expectations(&self) -> usize {
        self.turns
            .iter()
            .flat_map(|t| &t.expectations)
            .filter(|e| !e.passed)
            .count()
    }

    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed).count()
    }

    pub fn latencies(&self) -> Vec<u64> {
        self.turns
            .iter()
            .flat_map(|t| &t.records)
            .map(|r| r.latency_ms)
            .collect()
    }
}

/// Every scenario of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub runs: Vec<ScenarioRun>,
}

/// A line of `log.json`: one turn record of one scenario.
#[derive(Debug, Serialize)]
struct LogLine<'a> {
    scenario: &'a str,
    file: &'a str,
    turn: usize,
    condition: BankCondition,
    #[serde(flatten)]
    record: &'a TurnRecord,
}

fn log_lines(run: &ScenarioRun) -> Vec<LogLine<'_>> {
    run.turns
        .iter()
        .flat_map(|turn| {
            turn.records.iter().map(move |record| LogLine {
                scenario: &run.name,
                file: &run.file,
                turn: turn.turn,
                condition: turn.condition,
                record,
            })
        })
        .collect()
}

fn write_file(path: &Path, text: &str) -> Result<(), HarnessError> {
    std::fs::write(path, text)
        .map_err(|e| HarnessError::Usage(format!("cannot write {}: {e}", path.display())))
}

fn json_text<T: Serialize>(value: &T) -> Result<String, HarnessError> {
    serde_json::to_string_pretty(value).map_err(|e| HarnessError::Usage(format!("json: {e}")))
}

/// How many scenarios run at once: each has its own bank and customer, and a scenario mostly
/// waits (for the bank, for espeak-ng), so a few at a time use two cores.
const AT_ONCE: usize = 3;

/// Runs scenarios, a few at a time, and writes the log and the replies into `out` (the
/// report is written from the outcome: `report::write`).
pub async fn run_all(scenarios: &[LoadedScenario], out: &Path) -> Result<RunOutcome, HarnessError> {
    std::fs::create_dir_all(out)
        .map_err(|e| HarnessError::Usage(format!("cannot create {}: {e}", out.display())))?;
    let replies = out.join("replies");
    std::fs::create_dir_all(&replies)
        .map_err(|e| HarnessError::Usage(format!("cannot create {}: {e}", replies.display())))?;
    let needs_ear = scenarios
        .iter()
        .any(|s| s.turns.iter().any(|(k, _)| matches!(k, TurnKind::Wav(_))));
    // Loaded once for every scenario: a model takes seconds to load.
    let ear = if needs_ear {
        Some(Arc::new(crate::listen::load_model(
            crate::listen::DEFAULT_MODEL,
        )?))
    } else {
        None
    };
    let mut done: Vec<Option<(ScenarioRun, Vec<ReplyAudio>)>> =
        (0..scenarios.len()).map(|_| None).collect();
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < scenarios.len() || !running.is_empty() {
        while next < scenarios.len() && running.len() < AT_ONCE {
            let scenario = scenarios[next].clone();
            let prefix = reply_prefix(next, &scenario);
            let (ear, replies, index) = (ear.clone(), replies.clone(), next);
            running
                .spawn(async move { (index, run_scenario(scenario, ear, replies, prefix).await) });
            next += 1;
        }
        if let Some(joined) = running.join_next().await {
            let (index, result) = joined
                .map_err(|e| HarnessError::Usage(format!("a scenario's task failed: {e}")))?;
            if let Some(slot) = done.get_mut(index) {
                *slot = Some(result);
            }
        }
    }
    let mut runs = Vec::new();
    let mut audio = Vec::new();
    for (run, written) in done.into_iter().flatten() {
        runs.push(run);
        audio.extend(written);
    }
    let log: Vec<LogLine<'_>> = runs.iter().flat_map(log_lines).collect();
    write_file(&out.join("log.json"), &json_text(&log)?)?;
    crate::chat::write_manifest(&replies, &audio)?;
    Ok(RunOutcome { runs })
}

/// The start of a scenario's reply files: its place in the run and its file's name.
fn reply_prefix(index: usize, scenario: &LoadedScenario) -> String {
    format!(
        "{:03}-{}",
        index + 1,
        scenario
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect::<String>()
    )
}

/// One scenario on a task of its own, with its own localizer and reply writer.
async fn run_scenario(
    scenario: LoadedScenario,
    ear: Option<Arc<Recognizer>>,
    replies: std::path::PathBuf,
    prefix: String,
) -> (ScenarioRun, Vec<ReplyAudio>) {
    let prepared = Localizer::new()
        .map_err(HarnessError::from)
        .and_then(|l10n| Ok((l10n, ReplyWavs::new(&replies)?)));
    match prepared {
        Ok((l10n, mut wavs)) => {
            let run = run_one(&scenario, &l10n, ear, &mut wavs, &prefix).await;
            (run, wavs.into_written())
        }
        Err(error) => {
            let mut run = empty_run(&scenario);
            run.error = Some(error.to_string());
            (run, Vec::new())
        }
    }
}

fn empty_run(scenario: &LoadedScenario) -> ScenarioRun {
    let offset = scenario.zone.offset_at(scenario.now);
    ScenarioRun {
        file: scenario.path.display().to_string(),
        name: scenario.scenario.name.clone(),
        description: scenario.scenario.description.clone(),
        locale: scenario.locale.tag().to_owned(),
        customer: scenario.customer.id().to_owned(),
        now: scenario.now.with_timezone(&offset),
        utc_offset: offset.to_string(),
        passed: false,
        error: None,
        turns: Vec::new(),
        checks: Vec::new(),
    }
}

/// Runs one scenario; whatever goes wrong is the scenario's failure, not the run's.
async fn run_one(
    scenario: &LoadedScenario,
    l10n: &Localizer,
    ear: Option<Arc<Recognizer>>,
    wavs: &mut ReplyWavs,
    prefix: &str,
) -> ScenarioRun {
    let mut run = empty_run(scenario);
    if let Err(error) = play(scenario, l10n, ear, wavs, prefix, &mut run).await {
        run.error = Some(error.to_string());
    }
    let log = serde_json::to_string(&log_lines(&run)).unwrap_or_default();
    let secrets = checks::secrets_of(&scenario.customer.snapshot(scenario.now));
    let understands = checks::Understander::new(scenario.locale, scenario.customer, scenario.now);
    let transcript = Transcript {
        locale: scenario.locale,
        turns: run
            .turns
            .iter()
            .flat_map(|t| t.records.iter().map(move |r| (t.turn, r)))
            .collect(),
        audio: run.turns.iter().flat_map(|t| t.audio.iter()).collect(),
        secrets,
        log: &log,
        understands: &|words: &str| understands.understands(words),
    };
    let results = checks::run_all(&transcript);
    run.checks = results;
    run.passed = run.error.is_none() && run.failed_expectations() == 0 && run.failed_checks() == 0;
    run
}

/// The bank's payments (id → status) and cards (kind, status) for the customer.
struct BankState {
    payments: BTreeMap<String, String>,
    cards: Vec<(String, String)>,
}

async fn bank_state(bank: &ConditionedBank, customer: &str) -> Result<BankState, HarnessError> {
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
    let payments = bank
        .payments(customer)
        .await?
        .iter()
        .map(|p| (text(p, "id"), text(p, "status")))
        .collect();
    let cards = bank
        .bank()
        .db
        .all::<serde_json::Value>(customer, "card")
        .await
        .map_err(|e| HarnessError::Usage(format!("reference bank: {e}")))?
        .iter()
        .map(|c| (text(c, "kind"), text(c, "status")))
        .collect();
    Ok(BankState { payments, cards })
}

/// What the bank's payments did between two states, as a scenario names it.
fn payment_change(before: &BankState, after: &BankState) -> (Vec<PaymentExpect>, String) {
    let mut seen = Vec::new();
    let mut words = Vec::new();
    for (id, status) in &after.payments {
        match before.payments.get(id) {
            None => {
                words.push(format!("new {status}"));
                match status.as_str() {
                    payment_status::EXECUTED => seen.push(PaymentExpect::Made),
                    payment_status::HELD => seen.push(PaymentExpect::Held),
                    _ => {}
                }
            }
            Some(old) if old != status => {
                words.push(format!("{old} → {status}"));
                if status == payment_status::CANCELLED {
                    seen.push(PaymentExpect::Cancelled);
                }
            }
            Some(_) => {}
        }
    }
    if words.is_empty() {
        seen.push(PaymentExpect::None);
        words.push("none".into());
    }
    (seen, words.join(", "))
}

fn expectations(
    expect: &Expect,
    records: &[TurnRecord],
    before: &BankState,
    after: &BankState,
) -> Vec<ExpectationResult> {
    let mut results = Vec::new();
    let mut check = |what, expected: String, actual: String, passed| {
        results.push(ExpectationResult {
            what,
            expected,
            actual,
            passed,
        });
    };
    let ids: Vec<&str> = records.iter().flat_map(TurnRecord::message_ids).collect();
    let said: Vec<String> = records
        .iter()
        .flat_map(|r| {
            r.replies()
                .iter()
                .map(|reply| format!("{}\n{}", reply.display, reply.speech))
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(intent) = &expect.intent {
        let actual = records
            .first()
            .and_then(|r| r.intent.clone())
            .unwrap_or_else(|| "none".into());
        check("intent", intent.clone(), actual.clone(), *intent == actual);
    }
    for id in &expect.messages {
        check(
            "messages",
            id.clone(),
            ids.join(" "),
            ids.contains(&id.as_str()),
        );
    }
    for id in &expect.not_messages {
        check(
            "not_messages",
            id.clone(),
            ids.join(" "),
            !ids.contains(&id.as_str()),
        );
    }
    for word in &expect.words {
        let lower = word.to_lowercase();
        let found = said.iter().any(|s| s.to_lowercase().contains(&lower));
        check("words", word.clone(), said.join(" | "), found);
    }
    if let Some(state) = &expect.state {
        let actual = records.last().map(|r| r.state.clone()).unwrap_or_default();
        check("state", state.clone(), actual.clone(), *state == actual);
    }
    if let Some(step_up) = expect.step_up {
        let asked = records.iter().any(TurnRecord::asks_step_up);
        check(
            "step_up",
            step_up.to_string(),
            asked.to_string(),
            asked == step_up,
        );
    }
    if let Some(payment) = expect.payment {
        let (seen, words) = payment_change(before, after);
        let name = serde_json::to_value(payment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        check("payment", name, words, seen.contains(&payment));
    }
    if let Some(card) = &expect.card {
        let statuses: Vec<&str> = after
            .cards
            .iter()
            .filter(|(kind, _)| *kind == card.kind)
            .map(|(_, status)| status.as_str())
            .collect();
        check(
            "card",
            format!("{} {}", card.kind, card.status),
            format!("{} {}", card.kind, statuses.join("/")),
            !statuses.is_empty() && statuses.iter().all(|s| *s == card.status),
        );
    }
    results
}

/// Plays the scenario's turns into `run`.
async fn play(
    scenario: &LoadedScenario,
    l10n: &Localizer,
    ear: Option<Arc<Recognizer>>,
    wavs: &mut ReplyWavs,
    prefix: &str,
    run: &mut ScenarioRun,
) -> Result<(), HarnessError> {
    let customer = scenario.customer;
    let data =
        tempfile::tempdir().map_err(|e| HarnessError::Usage(format!("a temporary folder: {e}")))?;
    // The device registers while the bank answers; then the scenario's condition holds.
    let mut bank = ConditionedBank::start(scenario.now, BankCondition::Online).await?;
    let paths = CustomerPaths::new(data.path(), customer.id())?;
    let code = bank.enrollment_code(customer.id()).await?;
    let (client, _) = open_client(&paths, &bank.url(), customer.id(), Some(&code)).await?;
    bank.set(scenario.scenario.bank).await?;
    let options = AssistantOptions {
        zone: scenario.zone.clone(),
        clock: Arc::new(FixedClock(scenario.now)),
        bank_intents: None,
    };
    let mut conversation =
        Conversation::open(&client, l10n, scenario.locale, options, false).await?;
    if let Some(ear) = ear {
        conversation.listen_with(ear);
    }
    let played = play_turns(scenario, &mut conversation, &mut bank, wavs, prefix, run).await;
    drop(conversation);
    client.close().await;
    bank.shutdown().await;
    played
}

async fn play_turns(
    scenario: &LoadedScenario,
    conversation: &mut Conversation<'_>,
    bank: &mut ConditionedBank,
    wavs: &mut ReplyWavs,
    prefix: &str,
    run: &mut ScenarioRun,
) -> Result<(), HarnessError> {
    let customer = scenario.customer.id();
    let locale = scenario.locale;
    for (index, (kind, expect)) in scenario.turns.iter().enumerate() {
        let number = index + 1;
        let (turn, input, logged) = match kind {
            TurnKind::Bank(condition) => {
                bank.set(*condition).await?;
                run.turns.push(TurnRun {
                    turn: number,
                    input: ScenarioInput::Bank {
                        condition: *condition,
                    },
                    condition: *condition,
                    records: Vec::new(),
                    expectations: Vec::new(),
                    audio: Vec::new(),
                });
                continue;
            }
            TurnKind::Wait(duration) => {
                tokio::time::sleep(*duration).await;
                run.turns.push(TurnRun {
                    turn: number,
                    input: ScenarioInput::Wait {
                        ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                    },
                    condition: bank.condition(),
                    records: Vec::new(),
                    expectations: Vec::new(),
                    audio: Vec::new(),
                });
                continue;
            }
            TurnKind::Consent(decision) => {
                let granted = *decision == ConsentDecision::Agree;
                let wording = conversation
                    .decide_consent(Purpose::VoiceRecognition, granted)
                    .await?;
                run.turns.push(TurnRun {
                    turn: number,
                    input: ScenarioInput::Consent {
                        granted,
                        title: wording.title,
                    },
                    condition: bank.condition(),
                    records: Vec::new(),
                    expectations: Vec::new(),
                    audio: Vec::new(),
                });
                continue;
            }
            TurnKind::Say(text) => (
                Turn::Text(text.clone()),
                ScenarioInput::Say { text: text.clone() },
                TurnInput::Text { text: text.clone() },
            ),
            TurnKind::Silence => (Turn::Silence, ScenarioInput::Silence, TurnInput::Silence),
            TurnKind::StepUp(result) => {
                let approved = *result == StepUpResult::Approved;
                (
                    conversation.step_up_answer(approved),
                    ScenarioInput::StepUp { approved },
                    TurnInput::StepUp {
                        approved,
                        automatic: false,
                    },
                )
            }
            TurnKind::Wav(path) => {
                let audio = tingshuo_core::listen::decode_wav_file(path)
                    .map_err(|e| HarnessError::Usage(format!("{}: {e}", path.display())))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    Turn::Audio(audio.into_samples()),
                    ScenarioInput::Wav { file: name.clone() },
                    TurnInput::Audio { wav: name },
                )
            }
        };
        let before = bank_state(bank, customer).await?;
        let mut records = vec![conversation.record(turn, logged).await?];
        let next_is_step_up = matches!(
            scenario.turns.get(index + 1),
            Some((TurnKind::StepUp(_), _))
        );
        let mut automatic = 0;
        while records.last().is_some_and(TurnRecord::asks_step_up)
            && !next_is_step_up
            && automatic < MAX_AUTOMATIC_STEP_UPS
        {
            automatic += 1;
            let approved = bank.condition().step_up_approved();
            let answer = conversation.step_up_answer(approved);
            records.push(
                conversation
                    .record(
                        answer,
                        TurnInput::StepUp {
                            approved,
                            automatic: true,
                        },
                    )
                    .await?,
            );
        }
        let after = bank_state(bank, customer).await?;
        let mut audio = Vec::new();
        for record in &records {
            audio.extend(wavs.write(prefix, number, locale, record)?);
        }
        run.turns.push(TurnRun {
            turn: number,
            input,
            condition: bank.condition(),
            expectations: expectations(expect, &records, &before, &after),
            records,
            audio,
        });
    }
    Ok(())
}
