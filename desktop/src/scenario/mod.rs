//! Scenarios a tester writes (YAML, documented by `docs/scenario.schema.json`), run against
//! the reference bank in-process: `tingshuo scenario run [--out DIR] FILES|DIRS…`.
//!
//! A scenario names a customer, a locale, a clock and time zone, the bank's condition, and
//! turns (typed text, a WAV file, a silence, a step-up result, a change of the bank's
//! condition), each with what is expected of it (intent, messages or words said, a payment the
//! bank made or not — read from the bank's own database —, the dialogue's state, a card's
//! status at the bank). Every run also applies the automatic accessibility checks
//! ([`checks`]). The outputs: `log.json` (every turn), `replies/*.wav` with `manifest.json`,
//! `report.json` and `report.html` ([`report`]).

pub mod checks;
pub mod report;
mod run;
mod spec;

use std::path::PathBuf;

use tingshuo_core::Localizer;

use crate::HarnessError;

pub use run::{ExpectationResult, RunOutcome, ScenarioInput, ScenarioRun, TurnRun, run_all};
pub use spec::{
    CardExpect, ClockSpec, Expect, LoadedScenario, PaymentExpect, Scenario, ScenarioError,
    StepUpResult, TurnKind, TurnSpec, load, scenario_files,
};

/// `tingshuo scenario …`
#[derive(Debug, clap::Subcommand)]
pub enum ScenarioCommand {
    /// Run scenarios (YAML files, or folders of them); exit 0 when all pass, 1 when any
    /// expectation or check fails, 2 when a scenario cannot be used
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files or folders
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where to write log.json, replies/, report.json and report.html
    #[arg(long, default_value = "scenario-report")]
    pub out: PathBuf,
}

/// The process's exit code for a run.
pub const EXIT_PASSED: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_UNUSABLE: u8 = 2;

/// Runs the command; returns the lines to print and the exit code.
pub async fn command(command: ScenarioCommand) -> Result<(Vec<String>, u8), HarnessError> {
    let ScenarioCommand::Run(args) = command;
    let files = match scenario_files(&args.paths) {
        Ok(files) if files.is_empty() => {
            return Ok((vec!["no scenario files found".into()], EXIT_UNUSABLE));
        }
        Ok(files) => files,
        Err(error) => return Ok((vec![error.to_string()], EXIT_UNUSABLE)),
    };
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        match load(file) {
            Ok(scenario) => loaded.push(scenario),
            Err(error) => errors.push(error.to_string()),
        }
    }
    if !errors.is_empty() {
        return Ok((errors, EXIT_UNUSABLE));
    }
    let outcome = run_all(&loaded, &args.out).await?;
    report::write(&args.out, &outcome, &Localizer::new()?)?;
    let mut lines: Vec<String> = outcome
        .runs
        .iter()
        .map(|run| {
            format!(
                "{} {} ({})",
                if run.passed { "PASS" } else { "FAIL" },
                run.name,
                run.file
            )
        })
        .collect();
    let failed = outcome.runs.iter().filter(|r| !r.passed).count();
    lines.push(format!(
        "{} of {} scenarios passed; report: {}",
        outcome.runs.len() - failed,
        outcome.runs.len(),
        args.out.join("report.html").display()
    ));
    Ok((
        lines,
        if failed == 0 {
            EXIT_PASSED
        } else {
            EXIT_FAILED
        },
    ))
}
