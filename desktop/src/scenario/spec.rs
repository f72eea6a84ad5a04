//! What a scenario file says, read and checked: the YAML format (documented by
//! `docs/scenario.schema.json`) and the errors that name the file and the place.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use tingshuo_core::{CustomerZone, Locale};
use tingshuo_sandbox::seed::DemoCustomer;

use crate::conditions::BankCondition;

/// A scenario without a clock runs at this time (a Friday morning in Beijing), so runs repeat.
pub fn default_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T10:00:00+08:00")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// The largest scenario file read (a scenario is a page of YAML; anything bigger is a mistake).
const MAX_SCENARIO_BYTES: u64 = 256 * 1024;
/// The deepest a scenario's `[…]`/`{…}` may nest: a scenario needs three or four levels, and
/// the YAML parser takes time that grows with the square of the depth.
const MAX_NESTING: usize = 32;
/// The most turns one scenario may have.
const MAX_TURNS: usize = 200;
/// The longest wait a turn may ask for.
const MAX_WAIT_SECONDS: f64 = 10.0;

/// A scenario as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `demo-zh` or `demo-en` [default: the locale's demo customer].
    #[serde(default)]
    pub customer: Option<String>,
    /// `zh-CN` or `en-US`.
    pub locale: String,
    #[serde(default)]
    pub clock: Option<ClockSpec>,
    /// The bank's condition when the scenario starts [default: online].
    #[serde(default)]
    pub bank: BankCondition,
    pub turns: Vec<TurnSpec>,
}

/// The scenario's "now" and the customer's time zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSpec {
    /// RFC 3339, e.g. `2026-11-27T10:00:00+08:00`.
    pub now: DateTime<FixedOffset>,
    /// An offset (`+08:00`) or an IANA name (`Asia/Shanghai`) [default: the customer's home].
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A step-up result the host gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepUpResult {
    Approved,
    Failed,
}

/// One turn as written: exactly one of `say`, `wav`, `silence`, `step_up`, `bank`, `wait`,
/// `consent`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnSpec {
    /// Typed text (or a transcript).
    #[serde(default)]
    pub say: Option<String>,
    /// A WAV file, relative to the scenario file, recognized on the device.
    #[serde(default)]
    pub wav: Option<String>,
    /// `silence: true`: the customer says nothing.
    #[serde(default)]
    pub silence: Option<bool>,
    /// The host's answer to a step-up the assistant asked for. Without it, the runner
    /// answers every step-up itself: approved, or failed under `step_up_failing`.
    #[serde(default)]
    pub step_up: Option<StepUpResult>,
    /// The bank's condition from this turn on.
    #[serde(default)]
    pub bank: Option<BankCondition>,
    /// Seconds of real time to let pass (at most 10): the device retries what it queued.
    /// The scenario's clock does not move.
    #[serde(default)]
    pub wait: Option<f64>,
    /// What the customer decides on the consent screen for voice recognition (shown by the
    /// app before her first turn of speech): `agree` or `decline`.
    #[serde(default)]
    pub consent: Option<ConsentDecision>,
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// A decision on a consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentDecision {
    Agree,
    Decline,
}

/// What the input of a turn is, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnKind {
    Say(String),
    Wav(PathBuf),
    Silence,
    StepUp(StepUpResult),
    Bank(BankCondition),
    Wait(std::time::Duration),
    Consent(ConsentDecision),
}

/// What the bank's own records show of payments after a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentExpect {
    /// A new payment the bank executed.
    Made,
    /// A new payment the bank holds.
    Held,
    /// A payment the bank cancelled.
    Cancelled,
    /// No new payment and no payment changed.
    None,
}

/// A card's status at the bank.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardExpect {
    /// `credit` or `debit`.
    pub kind: String,
    /// `locked` or `active`.
    pub status: String,
}

/// What a turn is expected to do.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The intent the words were understood as; `none` for nothing understood.
    #[serde(default)]
    pub intent: Option<String>,
    /// Message ids (`locales/*/dialogue.ftl`) all said in the turn.
    #[serde(default)]
    pub messages: Vec<String>,
    /// Message ids none of which is said in the turn.
    #[serde(default)]
    pub not_messages: Vec<String>,
    /// Words each found in what is shown or said in the turn.
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub payment: Option<PaymentExpect>,
    /// The dialogue's state after the turn (`idle`, `read-back`, …).
    #[serde(default)]
    pub state: Option<String>,
    /// Whether the assistant asked for a step-up.
    #[serde(default)]
    pub step_up: Option<bool>,
    #[serde(default)]
    pub card: Option<CardExpect>,
}

/// A scenario loaded and checked: ready to run.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub path: PathBuf,
    pub scenario: Scenario,
    pub locale: Locale,
    pub customer: DemoCustomer,
    pub now: DateTime<chrono::Utc>,
    pub zone: CustomerZone,
    pub turns: Vec<(TurnKind, Expect)>,
}

/// Why a scenario cannot be run: the file and the place, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// Every message id of a locale's `.ftl` files.
fn message_exists(locale: Locale, id: &str) -> bool {
    tingshuo_core::l10n::sources(locale).any(|(_, text)| {
        text.lines().any(|line| {
            line.strip_prefix(id)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    })
}

const STATES: [&str; 12] = [
    "idle",
    "collecting",
    "preparing",
    "warned",
    "read-back",
    "changing",
    "stepping-up",
    "asking-card",
    "read-back-unlock",
    "stepping-up-unlock",
    "executing",
    "confirming-cancel",
];

/// The line where `[` and `{` first nest deeper than [`MAX_NESTING`], outside quotes and
/// comments (a rough reading of YAML, enough to keep the parser's time bounded).
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line) = (0_usize, 1_usize);
    let (mut single, mut double, mut comment, mut escaped) = (false, false, false, false);
    let mut previous = '\n';
    for c in text.chars() {
        match c {
            '\n' => {
                line += 1;
                comment = false;
            }
            _ if comment => {}
            '\\' if double => escaped = !escaped,
            // A quote opens a quoted scalar only where a scalar starts ("what's" is plain).
            '"' if double && !escaped => double = false,
            '"' if !single && !double && starts_scalar(previous) => double = true,
            '\'' if single => single = false,
            '\'' if !double && starts_scalar(previous) => single = true,
            '#' if !single && !double && previous.is_whitespace() => comment = true,
            '[' | '{' if !single && !double => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(line);
                }
            }
            ']' | '}' if !single && !double => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c != '\\' {
            escaped = false;
        }
        previous = c;
    }
    None
}

/// Whether a scalar may start after this character.
fn starts_scalar(previous: char) -> bool {
    previous.is_whitespace() || matches!(previous, ':' | '[' | '{' | ',' | '-')
}

/// Reads and checks one scenario file.
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let fail = |message: String| ScenarioError {
        file: path.to_owned(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .len();
    if size > MAX_SCENARIO_BYTES {
        return Err(fail(format!(
            "{size} bytes: a scenario is at most {MAX_SCENARIO_BYTES}"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if let Some(line) = too_deep(&text) {
        return Err(fail(format!(
            "line {line}: brackets nest deeper than {MAX_NESTING}"
        )));
    }
    let scenario: Scenario = serde_norway::from_str(&text).map_err(|e| {
        let place = e
            .location()
            .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
            .unwrap_or_default();
        fail(format!("{place}{e}"))
    })?;
    let locale = Locale::parse(&scenario.locale)
        .map_err(|_| fail(format!("locale {:?}: use zh-CN or en-US", scenario.locale)))?;
    let customer = match &scenario.customer {
        Some(id) => DemoCustomer::parse(id)
            .ok_or_else(|| fail(format!("customer {id:?}: use demo-zh or demo-en")))?,
        None => DemoCustomer::for_locale(locale),
    };
    let (now, zone) = match &scenario.clock {
        Some(clock) => (clock.now.to_utc(), clock.time_zone.clone()),
        None => (default_now(), None),
    };
    let zone = match zone {
        Some(zone) => crate::conditions::zone_named(&zone)
            .map_err(|e| fail(format!("clock.time_zone: {e}")))?,
        None => customer.home_offset().into(),
    };
    if scenario.turns.is_empty() {
        return Err(fail("turns: a scenario needs at least one turn".into()));
    }
    if scenario.turns.len() > MAX_TURNS {
        return Err(fail(format!("turns: at most {MAX_TURNS}")));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut turns = Vec::new();
    for (index, spec) in scenario.turns.iter().enumerate() {
        let at = |message: String| fail(format!("turns[{index}]: {message}"));
        let mut kinds = Vec::new();
        if let Some(text) = &spec.say {
            kinds.push(TurnKind::Say(text.clone()));
        }
        if let Some(wav) = &spec.wav {
            let file = dir.join(wav);
            if !file.is_file() {
                return Err(at(format!("wav {wav:?}: no such file beside the scenario")));
            }
            kinds.push(TurnKind::Wav(file));
        }
        match spec.silence {
            Some(true) => kinds.push(TurnKind::Silence),
            Some(false) => {
                return Err(at("silence: write `silence: true`, or leave it out".into()));
            }
            None => {}
        }
        if let Some(result) = spec.step_up {
            kinds.push(TurnKind::StepUp(result));
        }
        if let Some(condition) = spec.bank {
            kinds.push(TurnKind::Bank(condition));
        }
        if let Some(seconds) = spec.wait {
            if !(seconds > 0.0 && seconds <= MAX_WAIT_SECONDS) {
                return Err(at(format!(
                    "wait: between 0 and {MAX_WAIT_SECONDS} seconds"
                )));
            }
            kinds.push(TurnKind::Wait(std::time::Duration::from_secs_f64(seconds)));
        }
        if let Some(decision) = spec.consent {
            kinds.push(TurnKind::Consent(decision));
        }
        let kind = match kinds.len() {
            1 => kinds.remove(0),
            0 => {
                return Err(at(
                    "no input: give one of say, wav, silence, step_up, bank, wait, consent".into(),
                ));
            }
            _ => {
                return Err(at(
                    "more than one input: give one of say, wav, silence, step_up, bank, wait, \
                     consent"
                        .into(),
                ));
            }
        };
        let expect = spec.expect.clone().unwrap_or_default();
        if matches!(kind, TurnKind::Bank(_)) && spec.expect.is_some() {
            return Err(at(
                "expect: a change of the bank's condition says nothing to expect".into(),
            ));
        }
        if matches!(kind, TurnKind::Consent(_)) && spec.expect.is_some() {
            return Err(at(
                "expect: a decision on the consent screen says nothing to expect".into(),
            ));
        }
        for id in expect.messages.iter().chain(&expect.not_messages) {
            if !message_exists(locale, id) {
                return Err(at(format!("expect: no message {id:?} in locales/{locale}")));
            }
        }
        if let Some(state) = &expect.state
            && !STATES.contains(&state.as_str())
        {
            return Err(at(format!(
                "expect.state {state:?}: one of {}",
                STATES.join(", ")
            )));
        }
        turns.push((kind, expect));
    }
    Ok(LoadedScenario {
        path: path.to_owned(),
        scenario,
        locale,
        customer,
        now,
        zone,
        turns,
    })
}

/// The scenario files named: files as given, folders as their `*.yaml`/`*.yml` files (and
/// their sub-folders'), in name order. Folders are walked with a list, not by recursion.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            if !path.is_file() {
                return Err(ScenarioError {
                    file: path.clone(),
                    message: "no such file or folder".into(),
                });
            }
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut folders = vec![path.clone()];
        while let Some(folder) = folders.pop() {
            let entries = std::fs::read_dir(&folder).map_err(|e| ScenarioError {
                file: folder.clone(),
                message: format!("cannot read: {e}"),
            })?;
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                let is_yaml = path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")
                });
                if path.is_dir() {
                    folders.push(path);
                } else if is_yaml {
                    found.push(path);
                }
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_measured_outside_quotes_and_comments() {
        let deep = format!("turns: {}{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(too_deep(&deep), Some(1));
        assert_eq!(too_deep(&format!("a: 1\n{deep}")), Some(2));
        let quoted = format!("say: '{}'\nwords: \"{}\"", "[".repeat(40), "{".repeat(40));
        assert_eq!(too_deep(&quoted), None);
        let plain = format!("say: what's my balance\nturns: {}", "[".repeat(40));
        assert_eq!(
            too_deep(&plain),
            Some(2),
            "an apostrophe in a word opens no quote"
        );
        assert_eq!(too_deep(&format!("# {}\nname: x", "[".repeat(40))), None);
        assert_eq!(too_deep("expect: {messages: [dlg-balance]}"), None);
    }
}
