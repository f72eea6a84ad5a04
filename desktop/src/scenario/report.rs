//! The report of a run: `report.json` for CI and `report.html` for people — one
//! self-contained page (inline style, the replies' audio by relative path to `replies/`),
//! failures first, in the language of each scenario, built to be accessible itself (landmarks,
//! headings in order, captioned tables with header cells, labelled audio players, strong
//! contrast, a visible focus).

use std::fmt::Write as _;
use std::path::Path;

use tingshuo_core::l10n::Arg;
use tingshuo_core::{Locale, Localizer};

use super::checks::Finding;
use super::run::{RunOutcome, ScenarioInput, ScenarioRun, TurnRun};
use crate::HarnessError;
use crate::chat::{TurnInput, TurnRecord};
// Text made safe for HTML content and attribute values: the harness page's own.
use crate::conditions::BankCondition;
use crate::harness::page::escape_html as escape;

/// The runs, failed ones first (otherwise in the order run).
fn failures_first(outcome: &RunOutcome) -> Vec<&ScenarioRun> {
    let mut runs: Vec<&ScenarioRun> = outcome.runs.iter().collect();
    runs.sort_by_key(|run| run.passed);
    runs
}

/// Labels in one locale.
struct Labels<'a> {
    l10n: &'a Localizer,
    locale: Locale,
}

impl Labels<'_> {
    fn get(&self, id: &str) -> Result<String, HarnessError> {
        Ok(self.l10n.format(self.locale, id, &[])?)
    }

    fn with(&self, id: &str, args: &[(&str, Arg)]) -> Result<String, HarnessError> {
        Ok(self.l10n.format(self.locale, id, args)?)
    }

    fn finding(&self, finding: &Finding) -> Result<String, HarnessError> {
        let args: Vec<(&str, Arg)> = finding
            .args
            .iter()
            .map(|(name, value)| (*name, Arg::Text(value.clone())))
            .collect();
        self.with(finding.message, &args)
    }

    fn condition(&self, condition: BankCondition) -> Result<String, HarnessError> {
        self.get(match condition {
            BankCondition::Online => "report-condition-online",
            BankCondition::Offline => "report-condition-offline",
            BankCondition::Refusal => "report-condition-refusal",
            BankCondition::Hold => "report-condition-hold",
            BankCondition::LostAnswers => "report-condition-lost-answers",
            BankCondition::StepUpFailing => "report-condition-step-up-failing",
        })
    }

    fn verdict(&self, passed: bool) -> Result<String, HarnessError> {
        self.get(if passed {
            "report-passed"
        } else {
            "report-failed"
        })
    }

    fn check_name(&self, id: &str) -> Result<String, HarnessError> {
        self.get(match id {
            "read-back" => "report-check-read-back",
            "one-question" => "report-check-one-question",
            "redundant-entry" => "report-check-redundant-entry",
            "no-time-limit" => "report-check-no-time-limit",
            "speech-form" => "report-check-speech-form",
            "plain-language" => "report-check-plain-language",
            "masked-data" => "report-check-masked-data",
            "answer-words" => "report-check-answer-words",
            _ => "report-check-speech-rate",
        })
    }

    fn expectation(&self, what: &str) -> Result<String, HarnessError> {
        self.get(match what {
            "intent" => "report-expect-intent",
            "messages" => "report-expect-messages",
            "not_messages" => "report-expect-not-messages",
            "words" => "report-expect-words",
            "payment" => "report-expect-payment",
            "state" => "report-expect-state",
            "step_up" => "report-expect-step-up",
            _ => "report-expect-card",
        })
    }

    /// What the customer (or the runner) put in, in words.
    fn input(&self, input: &ScenarioInput) -> Result<String, HarnessError> {
        match input {
            ScenarioInput::Say { text } => Ok(text.clone()),
            ScenarioInput::Wav { file } => {
                self.with("report-input-wav", &[("file", Arg::Text(file.clone()))])
            }
            ScenarioInput::Silence => self.get("report-input-silence"),
            ScenarioInput::StepUp { approved } => self.step_up(*approved),
            ScenarioInput::Wait { ms } => self.with(
                "report-input-wait",
                &[("ms", Arg::Number(i64::try_from(*ms).unwrap_or(i64::MAX)))],
            ),
            ScenarioInput::Bank { condition } => self.with(
                "report-input-bank",
                &[("condition", Arg::Text(self.condition(*condition)?))],
            ),
            ScenarioInput::Consent { granted, title } => self.with(
                if *granted {
                    "report-input-consent-agreed"
                } else {
                    "report-input-consent-declined"
                },
                &[("title", Arg::Text(title.clone()))],
            ),
        }
    }

    fn step_up(&self, approved: bool) -> Result<String, HarnessError> {
        self.get(if approved {
            "report-input-step-up-approved"
        } else {
            "report-input-step-up-failed"
        })
    }
}

const STYLE: &str = "
body{font-family:system-ui,'Noto Sans CJK SC','Noto Sans',sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;margin:0 auto;max-width:72rem;padding:1rem}
a{color:#0645ad}
a:focus,audio:focus,summary:focus{outline:3px solid #1a1a1a;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:0.5rem 0 1.5rem}
caption{text-align:left;font-weight:bold;padding:0.25rem 0}
th,td{border:1px solid #6b6b6b;padding:0.35rem 0.5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.pass{color:#0b5d1e;background:#e6f4ea;padding:0 0.3rem;font-weight:bold;white-space:nowrap}
.fail{color:#8b0000;background:#fde8e8;padding:0 0.3rem;font-weight:bold;white-space:nowrap}
.speech{color:#333}
.error{color:#8b0000;font-weight:bold}
section{border-top:2px solid #6b6b6b;margin-top:2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem}
dt{font-weight:bold}
audio{display:block;margin:0.25rem 0;max-width:100%}
ul.replies{margin:0;padding-left:1.1rem}
";

/// Writes `report.json` and `report.html` into `out`.
pub fn write(out: &Path, outcome: &RunOutcome, l10n: &Localizer) -> Result<(), HarnessError> {
    let runs = failures_first(outcome);
    let passed = runs.iter().filter(|r| r.passed).count();
    let json = serde_json::json!({
        "summary": { "total": runs.len(), "passed": passed, "failed": runs.len() - passed },
        "scenarios": runs,
    });
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| HarnessError::Usage(format!("json: {e}")))?;
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| HarnessError::Usage(format!("cannot write {}: {e}", path.display())))
    };
    write("report.json", &text)?;
    write("report.html", &html(&runs, l10n)?)
}

/// The report page.
pub fn html(runs: &[&ScenarioRun], l10n: &Localizer) -> Result<String, HarnessError> {
    let page_locale = runs
        .first()
        .and_then(|r| Locale::parse(&r.locale).ok())
        .unwrap_or(Locale::EnUs);
    let page = Labels {
        l10n,
        locale: page_locale,
    };
    let passed = runs.iter().filter(|r| r.passed).count();
    let mut h = String::new();
    let title = escape(&page.get("report-title")?);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<p>{}</p>\n<p>{}</p>\n</header>\n",
        page_locale.tag(),
        escape(&page.with(
            "report-summary",
            &[
                (
                    "passed",
                    Arg::Number(i64::try_from(passed).unwrap_or(i64::MAX))
                ),
                (
                    "total",
                    Arg::Number(i64::try_from(runs.len()).unwrap_or(i64::MAX))
                ),
            ],
        )?),
        escape(&page.get("report-failures-first")?),
    );
    let _ = write!(
        h,
        "<nav aria-labelledby=\"contents\">\n<h2 id=\"contents\">{}</h2>\n<ul>\n",
        escape(&page.get("report-contents")?)
    );
    for (index, run) in runs.iter().enumerate() {
        let locale = Locale::parse(&run.locale).unwrap_or(page_locale);
        let labels = Labels { l10n, locale };
        let _ = writeln!(
            h,
            "<li><a href=\"#scenario-{}\" lang=\"{}\">{}</a> <span class=\"{}\">{}</span></li>",
            index + 1,
            locale.tag(),
            escape(&run.name),
            if run.passed { "pass" } else { "fail" },
            escape(&labels.verdict(run.passed)?)
        );
    }
    h.push_str("</ul>\n</nav>\n<main>\n");
    for (index, run) in runs.iter().enumerate() {
        scenario_html(&mut h, index + 1, run, l10n, page_locale)?;
    }
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}

fn scenario_html(
    h: &mut String,
    number: usize,
    run: &ScenarioRun,
    l10n: &Localizer,
    fallback: Locale,
) -> Result<(), HarnessError> {
    let locale = Locale::parse(&run.locale).unwrap_or(fallback);
    let t = Labels { l10n, locale };
    let verdict_class = if run.passed { "pass" } else { "fail" };
    let _ = write!(
        h,
        "<section lang=\"{lang}\" aria-labelledby=\"scenario-{number}\">\n<h2 id=\"scenario-{number}\">{name} <span class=\"{verdict_class}\">{verdict}</span></h2>\n",
        lang = locale.tag(),
        name = escape(&run.name),
        verdict = escape(&t.verdict(run.passed)?),
    );
    if let Some(description) = &run.description {
        let _ = writeln!(h, "<p>{}</p>", escape(description));
    }
    let latencies = {
        let mut all = run.latencies();
        all.sort_unstable();
        all
    };
    let median = latencies.get(latencies.len() / 2).copied().unwrap_or(0);
    let slowest = latencies.last().copied().unwrap_or(0);
    let _ = write!(
        h,
        "<dl>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>\n",
        escape(&t.get("report-file")?),
        escape(&run.file),
        escape(&t.get("report-locale")?),
        escape(&run.locale),
        escape(&t.get("report-customer")?),
        escape(&run.customer),
        escape(&t.get("report-clock")?),
        escape(&run.now.to_rfc3339()),
        escape(&t.get("report-latency")?),
        escape(&t.with(
            "report-latency-summary",
            &[
                (
                    "median",
                    Arg::Number(i64::try_from(median).unwrap_or(i64::MAX))
                ),
                (
                    "max",
                    Arg::Number(i64::try_from(slowest).unwrap_or(i64::MAX))
                ),
                (
                    "count",
                    Arg::Number(i64::try_from(latencies.len()).unwrap_or(i64::MAX)),
                ),
            ],
        )?),
    );
    if let Some(error) = &run.error {
        let _ = writeln!(
            h,
            "<p class=\"error\">{}</p>",
            escape(&t.with("report-error", &[("error", Arg::Text(error.clone()))])?)
        );
    }
    checks_html(h, number, run, &t)?;
    expectations_html(h, number, run, &t)?;
    turns_html(h, number, run, &t)?;
    h.push_str("</section>\n");
    Ok(())
}

fn checks_html(
    h: &mut String,
    number: usize,
    run: &ScenarioRun,
    t: &Labels<'_>,
) -> Result<(), HarnessError> {
    let heading = escape(&t.get("report-checks-heading")?);
    let _ = write!(
        h,
        "<h3 id=\"checks-{number}\">{heading}</h3>\n<table aria-labelledby=\"checks-{number}\">\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(&t.get("report-check")?),
        escape(&t.get("report-clause")?),
        escape(&t.get("report-result")?),
        escape(&t.get("report-measured")?),
        escape(&t.get("report-findings")?),
    );
    // Failed checks first, as failed scenarios are.
    let mut checks: Vec<_> = run.checks.iter().collect();
    checks.sort_by_key(|c| c.passed);
    for check in checks {
        let mut findings = Vec::new();
        for finding in &check.findings {
            let text = t.finding(finding)?;
            findings.push(if finding.turn > 0 {
                format!(
                    "{}: {}",
                    t.with(
                        "report-turn-number",
                        &[(
                            "turn",
                            Arg::Number(i64::try_from(finding.turn).unwrap_or(i64::MAX))
                        )]
                    )?,
                    text
                )
            } else {
                text
            });
        }
        let findings = if findings.is_empty() {
            escape(&t.get("report-none")?)
        } else {
            format!(
                "<ul>{}</ul>",
                findings
                    .iter()
                    .map(|f| format!("<li>{}</li>", escape(f)))
                    .collect::<String>()
            )
        };
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td lang=\"en\">{}</td><td><span class=\"{}\">{}</span></td><td>{}</td><td>{findings}</td></tr>",
            escape(&t.check_name(check.id)?),
            escape(check.clause),
            if check.passed { "pass" } else { "fail" },
            escape(&t.verdict(check.passed)?),
            escape(check.measured.as_deref().unwrap_or("")),
        );
    }
    h.push_str("</tbody>\n</table>\n");
    Ok(())
}

fn expectations_html(
    h: &mut String,
    number: usize,
    run: &ScenarioRun,
    t: &Labels<'_>,
) -> Result<(), HarnessError> {
    let rows: Vec<_> = run
        .turns
        .iter()
        .flat_map(|turn| turn.expectations.iter().map(move |e| (turn.turn, e)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let heading = escape(&t.get("report-expectations-heading")?);
    let _ = write!(
        h,
        "<h3 id=\"expectations-{number}\">{heading}</h3>\n<table aria-labelledby=\"expectations-{number}\">\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(&t.get("report-turn")?),
        escape(&t.get("report-expectation")?),
        escape(&t.get("report-expected")?),
        escape(&t.get("report-actual")?),
        escape(&t.get("report-result")?),
    );
    let mut sorted = rows;
    sorted.sort_by_key(|(_, e)| e.passed);
    for (turn, e) in sorted {
        let _ = writeln!(
            h,
            "<tr><td>{turn}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td><span class=\"{}\">{}</span></td></tr>",
            escape(&t.expectation(e.what)?),
            escape(&e.expected),
            escape(&e.actual),
            if e.passed { "pass" } else { "fail" },
            escape(&t.verdict(e.passed)?),
        );
    }
    h.push_str("</tbody>\n</table>\n");
    Ok(())
}

/// What went in for one record: the scenario's input for the first, the runner's step-up
/// answers after it.
fn record_input(
    t: &Labels<'_>,
    turn: &TurnRun,
    index: usize,
    record: &TurnRecord,
) -> Result<String, HarnessError> {
    match &record.input {
        TurnInput::StepUp {
            approved,
            automatic: true,
        } => t.with(
            "report-input-step-up-automatic",
            &[("result", Arg::Text(t.step_up(*approved)?))],
        ),
        _ if index == 0 => t.input(&turn.input),
        _ => Ok(String::new()),
    }
}

fn turns_html(
    h: &mut String,
    number: usize,
    run: &ScenarioRun,
    t: &Labels<'_>,
) -> Result<(), HarnessError> {
    let heading = escape(&t.get("report-turns-heading")?);
    let _ = write!(
        h,
        "<h3 id=\"turns-{number}\">{heading}</h3>\n<table aria-labelledby=\"turns-{number}\">\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(&t.get("report-turn")?),
        escape(&t.get("report-input")?),
        escape(&t.get("report-heard")?),
        escape(&t.get("report-intent")?),
        escape(&t.get("report-state")?),
        escape(&t.get("report-replies")?),
        escape(&t.get("report-latency")?),
    );
    for turn in &run.turns {
        if turn.records.is_empty() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td colspan=\"6\">{}</td></tr>",
                turn.turn,
                escape(&t.input(&turn.input)?)
            );
            continue;
        }
        let mut audio = turn.audio.iter();
        for (index, record) in turn.records.iter().enumerate() {
            let mut replies = String::from("<ul class=\"replies\">");
            for (n, reply) in record.replies().iter().enumerate() {
                let player = match audio.next() {
                    Some(wav) => format!(
                        "<audio controls preload=\"none\" src=\"replies/{}\" aria-label=\"{}\"></audio>",
                        escape(&wav.file),
                        escape(&t.with(
                            "report-audio-label",
                            &[
                                (
                                    "number",
                                    Arg::Number(i64::try_from(n + 1).unwrap_or(i64::MAX))
                                ),
                                (
                                    "turn",
                                    Arg::Number(i64::try_from(turn.turn).unwrap_or(i64::MAX))
                                ),
                            ],
                        )?)
                    ),
                    None => String::new(),
                };
                let id = reply
                    .id
                    .map(|id| format!(" <code>{}</code>", escape(id)))
                    .unwrap_or_default();
                let _ = write!(
                    replies,
                    "<li>{}{id}<br><span class=\"speech\">{}</span>{player}</li>",
                    escape(reply.display),
                    escape(reply.speech),
                );
            }
            replies.push_str("</ul>");
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{replies}</td><td>{}</td></tr>",
                turn.turn,
                escape(&record_input(t, turn, index, record)?),
                escape(record.heard.as_deref().unwrap_or("")),
                escape(record.intent.as_deref().unwrap_or("")),
                escape(&record.state),
                record.latency_ms,
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
    Ok(())
}
