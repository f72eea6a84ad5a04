//! `tingshuo say` and `tingshuo demo --speech-out` as a tester runs them: WAV files from
//! espeak-ng, speech through a private headless speech-dispatcher, and a clear failure when
//! no speech service is reachable.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.
#![allow(clippy::print_stdout)] // A skipped test says why, and results are worth seeing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{espeak_present, stdout};

fn tingshuo(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tingshuo"));
    command.args(args);
    command
}

fn run(mut command: Command) -> Output {
    command.output().expect("tingshuo runs")
}

fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "unexpectedly succeeded");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn wav_seconds(path: &Path) -> f64 {
    let reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.bits_per_sample),
        (1, 16),
        "{}",
        path.display()
    );
    f64::from(reader.duration()) / f64::from(spec.sample_rate)
}

#[test]
fn say_writes_wav_files_in_both_languages() {
    if !espeak_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let english = dir.path().join("en.wav");
    let out = stdout(&run(tingshuo(&[
        "say",
        "Your balance is one thousand dollars.",
        "--voice",
        "en-us+f3",
        "--out",
        english.to_str().unwrap(),
    ])));
    assert!(out.contains("Wrote") && out.contains("en-US"), "{out}");
    let normal = wav_seconds(&english);
    assert!((1.0..5.0).contains(&normal), "{normal}");

    // The locale follows the script; a slower rate is longer.
    let chinese = dir.path().join("zh.wav");
    let out = stdout(&run(tingshuo(&[
        "say",
        "您的余额是一千元。",
        "--rate",
        "70",
        "--out",
        chinese.to_str().unwrap(),
    ])));
    assert!(out.contains("zh-CN"), "{out}");
    assert!(wav_seconds(&chinese) > 1.0);
    let slow = dir.path().join("slow.wav");
    stdout(&run(tingshuo(&[
        "say",
        "Your balance is one thousand dollars.",
        "--voice",
        "en-us+f3",
        "--rate",
        "50",
        "--out",
        slow.to_str().unwrap(),
    ])));
    assert!(wav_seconds(&slow) > normal * 1.5);

    // Mistakes are clear errors, not panics.
    let stderr = failure(&run(tingshuo(&[
        "say",
        "hello",
        "--voice",
        "cmn",
        "--out",
        dir.path().join("x.wav").to_str().unwrap(),
    ])));
    assert!(stderr.contains("cannot speak en-US"), "{stderr}");
    let stderr = failure(&run(tingshuo(&[
        "say", "hello", "--locale", "fr-FR", "--out", "x.wav",
    ])));
    assert!(stderr.contains("unsupported locale"), "{stderr}");
    let stderr = failure(&run(tingshuo(&[
        "say", "hello", "--rate", "500", "--out", "x.wav",
    ])));
    assert!(stderr.contains("rate 500"), "{stderr}");
    assert!(!Path::new("x.wav").exists());
}

#[test]
fn demo_writes_each_reply_as_speech() {
    if !espeak_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let speech = dir.path().join("speech");
    std::fs::create_dir_all(&speech).unwrap();
    // A stale numbered file from an earlier run goes; anything else stays.
    std::fs::write(speech.join("99-en-US.wav"), b"old").unwrap();
    std::fs::write(speech.join("notes.txt"), b"mine").unwrap();
    let mut command = tingshuo(&["--data-dir", dir.path().join("data").to_str().unwrap()]);
    command
        .args(["--now", "2026-11-27T09:30:00+08:00", "demo", "--speech-out"])
        .arg(&speech);
    let out = stdout(&run(command));
    assert!(out.contains("Spoken replies"), "{out}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&speech)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    assert_eq!(names[0], "01-zh-CN.wav");
    assert!(names.iter().any(|n| n.ends_with("-en-US.wav")), "{names:?}");
    assert!(!names.contains(&"99-en-US.wav".to_owned()));
    assert!(speech.join("notes.txt").exists());
    for file in &files {
        assert!(wav_seconds(file) > 0.5, "{}", file.display());
        assert!(out.contains(&speech.display().to_string()), "{out}");
    }
}

#[path = "../../core/speak/tests/common/speechd.rs"]
mod speechd;
use speechd::Daemon;

#[test]
fn say_speaks_through_the_speech_service() {
    let daemon = match Daemon::start() {
        Ok(daemon) => daemon,
        Err(reason) => {
            common::skip(&format!("no speech-dispatcher to test against: {reason}"));
            return;
        }
    };
    let through = |args: &[&str]| {
        let mut command = tingshuo(args);
        command
            .env("SPEECHD_ADDRESS", &daemon.address)
            // Never the machine's own speech-dispatcher: without a sound card it hangs.
            .env("SPEECHD_CMD", "/bin/false");
        run(command)
    };
    let out = stdout(&through(&["say", "Your balance is one thousand dollars."]));
    assert!(
        out.contains("Spoke 37 characters (en-US, voice English (America), rate 100%)"),
        "{out}"
    );
    let out = stdout(&through(&["say", "您的余额是一千元。", "--rate", "85"]));
    assert!(out.contains("(zh-CN, voice Chinese (Mandarin"), "{out}");
    assert!(out.contains("rate 85%"), "{out}");
    let stderr = failure(&through(&["say", "hello", "--voice", "Nobody"]));
    assert!(stderr.contains("no voice named"), "{stderr}");
}

#[test]
fn say_without_a_speech_service_fails_clearly() {
    let mut command = tingshuo(&["say", "hello"]);
    command
        .env("SPEECHD_ADDRESS", "unix_socket:/nonexistent/speechd.sock")
        .env("SPEECHD_CMD", "/bin/false");
    let stderr = failure(&run(command));
    assert!(
        stderr.contains("no speech service is reachable"),
        "{stderr}"
    );
    assert!(stderr.contains("speechd-headless.sh"), "{stderr}");
}
