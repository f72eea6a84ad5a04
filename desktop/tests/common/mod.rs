//! Helpers shared by the `tingshuo` command's integration tests.
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code, clippy::print_stdout)] // A skipped test says why.

use std::process::{Command, Output};

/// The standard output of a command that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Runs a command with `input` on its standard input (closed after it), collecting its output.
pub fn run_with_input(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    child
        .stdin
        .take()
        .expect("piped standard input")
        .write_all(input)
        .expect("input written");
    child.wait_with_output().expect("the command ends")
}

/// Skips a test, saying why; in CI (`CI=true`, set by `.ci/run`, where `make test` has
/// installed every program and model) fails it instead.
pub fn skip(reason: &str) {
    let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!required, "required in CI, but {reason}");
    println!("SKIPPED: {reason}");
}

/// Whether espeak-ng is installed; says why a test skips when it is not.
pub fn espeak_present() -> bool {
    let present = Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        skip("espeak-ng is not installed (Debian: espeak-ng)");
    }
    present
}
