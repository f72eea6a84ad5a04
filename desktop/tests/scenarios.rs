//! The scenario library (`tests/scenarios/`) through the real runner (`tingshuo scenario run`)
//! with the real in-process bank: every scenario passes, and what the runner writes is there.
//! A deliberately failing scenario makes it exit 1 with the failure first in the report;
//! unusable files make it exit 2, naming the file and the place. Every library scenario is
//! valid against `docs/scenario.schema.json`, and the unusable ones are not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on any unexpected error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios")
}

/// `tingshuo scenario run --out OUT PATHS…`, with warnings kept off standard error.
fn run(out: &Path, paths: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .current_dir(root())
        .env("TINGSHUO_LOG", "error")
        .args(["scenario", "run", "--out"])
        .arg(out)
        .args(paths)
        .output()
        .expect("the tingshuo binary runs")
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Each failed scenario's error, failed checks and failed expectations with every reply of
/// the turn they failed in: enough to tell from a CI log what the assistant said.
fn what_failed(report: &serde_json::Value) -> String {
    let mut lines = Vec::new();
    let scenarios = report["scenarios"].as_array().into_iter().flatten();
    for scenario in scenarios.filter(|s| s["passed"] == false) {
        lines.push(format!("{} ({})", scenario["name"], scenario["file"]));
        if !scenario["error"].is_null() {
            lines.push(format!("  error: {}", scenario["error"]));
        }
        for check in scenario["checks"].as_array().into_iter().flatten() {
            if check["passed"] == false {
                lines.push(format!("  check {}: {}", check["id"], check["findings"]));
            }
        }
        for turn in scenario["turns"].as_array().into_iter().flatten() {
            let expectations = turn["expectations"].as_array().into_iter().flatten();
            let failed: Vec<_> = expectations.filter(|e| e["passed"] == false).collect();
            for failed in &failed {
                lines.push(format!(
                    "  turn {} {}: expected {}, was {}",
                    turn["turn"], failed["what"], failed["expected"], failed["actual"]
                ));
            }
            if !failed.is_empty() {
                for record in turn["records"].as_array().into_iter().flatten() {
                    lines.push(format!("    {}", record["events"]));
                }
            }
        }
    }
    lines.join("\n")
}

#[test]
fn the_whole_library_passes_and_every_output_is_written() {
    let out = tempfile::tempdir().unwrap();
    let library = root().join("tests/scenarios");
    let output = run(out.path(), std::slice::from_ref(&library));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    let report = report(out.path());
    assert!(
        output.status.code() == Some(0) && failed.is_empty(),
        "the library fails ({:?}): {failed:#?}\n{}\n{}",
        output.status.code(),
        what_failed(&report),
        String::from_utf8_lossy(&output.stderr)
    );
    let scenarios = report["scenarios"].as_array().unwrap();
    for locale in ["zh-CN", "en-US"] {
        let count = scenarios.iter().filter(|s| s["locale"] == locale).count();
        assert!(count >= 30, "{count} {locale} scenarios");
    }
    assert_eq!(report["summary"]["failed"], 0);
    // Every scenario had all nine checks.
    for scenario in scenarios {
        assert_eq!(
            scenario["checks"].as_array().unwrap().len(),
            9,
            "{scenario}"
        );
    }
    // The log has every turn; every reply has a WAV in the manifest, and the file is there.
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("log.json")).unwrap())
            .unwrap();
    assert!(log.as_array().unwrap().len() > 150);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("replies/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut names = std::collections::BTreeSet::new();
    for entry in manifest.as_array().unwrap() {
        let name = entry["file"].as_str().unwrap();
        assert!(names.insert(name), "{name} twice");
        let file = out.path().join("replies").join(name);
        assert!(file.is_file(), "{}", file.display());
    }
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<section lang=\"zh-CN\"") && html.contains("<section lang=\"en-US\""));
    assert!(html.contains("<audio controls"));
}

#[test]
fn a_failing_scenario_exits_1_and_comes_first_in_the_report() {
    let out = tempfile::tempdir().unwrap();
    let output = run(out.path(), &[fixtures().join("failing")]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = report(out.path());
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    let first = &scenarios[0];
    assert_eq!(first["passed"], false);
    assert!(
        first["name"].as_str().unwrap().contains("fails on purpose"),
        "{first}"
    );
    // It failed on what the bank's records show, not on what was said.
    let failed: Vec<&serde_json::Value> = first["turns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["expectations"].as_array().unwrap())
        .filter(|e| e["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["what"], "payment");
    assert_eq!(scenarios[1]["passed"], true);
    // The page shows the failure first as well.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let failing = html.find("fails on purpose").unwrap();
    let passing = html.find("A balance (passes)").unwrap();
    assert!(failing < passing);
}

#[test]
fn unusable_files_exit_2_naming_the_file_and_the_place() {
    let cases = [
        ("malformed.yaml", "line 6"),
        ("unknown-field.yaml", "unknown field `intnet`"),
        ("unknown-locale.yaml", "fr-FR"),
        ("two-inputs.yaml", "turns[0]: more than one input"),
    ];
    for (file, says) in cases {
        let out = tempfile::tempdir().unwrap();
        let path = fixtures().join("unusable").join(file);
        let output = run(out.path(), std::slice::from_ref(&path));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{file}: {stdout}");
        assert!(
            stdout.contains(file) && stdout.contains(says),
            "{file}: {stdout}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("panicked"),
            "{file}"
        );
    }
}

/// Hostile files: nesting fifty thousand deep, aliases that would expand a billion times, a
/// file too big to be a scenario. Each is refused (exit 2), none overflows the stack or hangs.
#[test]
fn hostile_files_are_refused_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "name: deep\nlocale: en-US\nturns: {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let mut laughs = String::from("locale: en-US\na: &a [\"lol\"]\n");
    for (name, previous) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
    ] {
        let items = vec![format!("*{previous}"); 10].join(", ");
        laughs.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    laughs.push_str("name: *g\nturns: [*g]\n");
    let big = format!(
        "name: big\nlocale: en-US\n# {}\nturns: []\n",
        "x".repeat(300_000)
    );
    for (file, text) in [
        ("deep.yaml", deep),
        ("laughs.yaml", laughs),
        ("big.yaml", big),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let out = tempfile::tempdir().unwrap();
        let output = run(out.path(), std::slice::from_ref(&path));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{file}: {stdout}");
        assert!(stdout.contains(file), "{file}: {stdout}");
    }
}

#[test]
fn every_library_scenario_is_valid_against_the_schema_and_the_unusable_ones_are_not() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let as_json = |path: &Path| -> Option<serde_json::Value> {
        serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).ok()
    };
    let library = yaml_files(&root().join("tests/scenarios"));
    assert!(library.len() >= 60);
    for path in library
        .iter()
        .chain(&yaml_files(&fixtures().join("failing")))
    {
        let scenario = as_json(path).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&scenario)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    for file in [
        "unknown-field.yaml",
        "unknown-locale.yaml",
        "two-inputs.yaml",
    ] {
        let scenario = as_json(&fixtures().join("unusable").join(file)).unwrap();
        assert!(!validator.is_valid(&scenario), "{file}");
    }
}

/// `tingshuo chat --json --speech-out DIR`: one JSON record per turn (the step-up the desktop
/// approves is a record of its own), a WAV per reply and a manifest naming them.
#[test]
fn chat_prints_a_json_record_per_turn_and_renders_every_reply() {
    let data = tempfile::tempdir().unwrap();
    let speech = data.path().join("speech");
    let output = common::run_with_input(
        Command::new(env!("CARGO_BIN_EXE_tingshuo"))
            .current_dir(root())
            .env("TINGSHUO_LOG", "error")
            .arg("--data-dir")
            .arg(data.path().join("stores"))
            .args(["chat", "--locale", "en-US", "--json", "--speech-out"])
            .arg(&speech),
        b"send fifty dollars to Alice Chen\nyes\n\n",
    );
    assert!(output.status.success());
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["input"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "text", "step_up", "silence"]);
    assert_eq!(records[0]["intent"], "transfer");
    assert_eq!(records[0]["slots"]["payee"]["id"], "en-payee-alice");
    assert_eq!(records[0]["state"], "read-back");
    assert!(records[0]["latency_ms"].is_u64());
    assert_eq!(records[2]["events"][1]["id"], "dlg-payment-done");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(speech.join("manifest.json")).unwrap())
            .unwrap();
    let files = manifest.as_array().unwrap();
    assert_eq!(files.len(), 5, "{manifest}");
    for entry in files {
        assert!(speech.join(entry["file"].as_str().unwrap()).is_file());
    }
}
