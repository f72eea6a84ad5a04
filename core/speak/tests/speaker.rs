//! The `Speaker` against a real speech engine: a private, headless speech-dispatcher
//! (`scripts/speechd-headless.sh`: libao's null output, the espeak-ng module, its own socket).
//!
//! The speech-dispatcher client library finds its server only through the environment
//! (`SPEECHD_ADDRESS`), which a test cannot set for itself without `unsafe`; so the test
//! starts the server, then runs this test binary again with the address set, for the checks
//! in `headless_checks` alone. Without speech-dispatcher the test says why and skips.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.
#![allow(clippy::print_stdout)] // A skipped test says why, and results are worth seeing.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tingshuo_base::{Currency, Money};
use tingshuo_l10n::{Locale, Localizer, Utterance};
use tingshuo_l10n::{Reply, ReplyArg};
use tingshuo_speak::{
    MAX_RATE, MIN_RATE, RATE_STEP, SpeakError, SpeakMode, Speaker, SpeechEvent, SpeechListener,
    UtteranceId,
};

/// Set in the child run, which does the checks.
const CHILD: &str = "TINGSHUO_SPEAKER_CHILD";

/// How long anything here may take before the test calls it hung. Not a measure of speed:
/// on a loaded machine espeak-ng may be slow, and only a wait that never ends is a failure
/// (the stock speech-dispatcher without a sound card never answers `stop`).
const HANG_GUARD: Duration = Duration::from_secs(60);

/// The whole child run, under the same rule.
const CHILD_HANG_GUARD: Duration = Duration::from_secs(600);

/// Runs `work` on a thread of its own and returns its result, or fails the test, naming
/// `what`, if it has not returned within [`HANG_GUARD`]. (The hung thread is left behind;
/// the failing test ends the process.)
fn unless_hung<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(work());
    });
    match receiver.recv_timeout(HANG_GUARD) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} hung: no return within {HANG_GUARD:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

mod common {
    pub mod speechd;
}
use common::speechd::Daemon;

#[test]
fn speaker_against_a_private_headless_speech_dispatcher() {
    let daemon = match Daemon::start() {
        Ok(daemon) => daemon,
        Err(reason) => {
            // In CI (`CI=true`, set by `.ci/run`) make test has installed speech-dispatcher.
            let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !required,
                "required in CI, but there is no speech-dispatcher to test against: {reason}"
            );
            println!("SKIPPED: no speech-dispatcher to test against: {reason}");
            return;
        }
    };
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["headless_checks", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("SPEECHD_ADDRESS", &daemon.address)
        // Never start the machine's own speech-dispatcher if ours is gone: without a sound
        // card it hangs.
        .env("SPEECHD_CMD", "/bin/false")
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout_reader = drain(Box::new(child.stdout.take().unwrap()));
    let stderr_reader = drain(Box::new(child.stderr.take().unwrap()));
    // A hang guard, not a speed check: the child's own waits are bounded, so only a child
    // stuck beyond them (in the engine, say) gets here.
    let deadline = Instant::now() + CHILD_HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = String::from_utf8_lossy(&stdout_reader.join().unwrap()).into_owned();
            panic!("the checks hung: no end within {CHILD_HANG_GUARD:?}; so far:\n{stdout}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::process::Output {
        status,
        stdout: stdout_reader.join().unwrap(),
        stderr: stderr_reader.join().unwrap(),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    std::io::stdout().write_all(stdout.as_bytes()).unwrap();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("headless speech-dispatcher:") && stdout.contains("1 passed"),
        "the checks did not run: {stdout}"
    );
}

/// Collects events and what the log would have said.
#[derive(Default)]
struct Heard {
    events: Mutex<Vec<SpeechEvent>>,
}

struct Listener(Arc<Heard>);

impl SpeechListener for Listener {
    fn on_speech_event(&self, event: SpeechEvent) {
        self.0.events.lock().unwrap().push(event);
    }
}

impl Heard {
    /// Waits until `done` holds for the events so far; fails, saying what it waited for, if
    /// that has not happened within [`HANG_GUARD`] (a hang guard, not a speed check).
    fn wait_for(&self, what: &str, done: impl Fn(&[SpeechEvent]) -> bool) -> Vec<SpeechEvent> {
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            let events = self.events.lock().unwrap().clone();
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "hung: waited {HANG_GUARD:?} for {what}; got {events:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn finished(&self, id: UtteranceId) -> Vec<SpeechEvent> {
        self.wait_for("the end of an utterance", |events| {
            events
                .iter()
                .any(|e| e.utterance() == id && !matches!(e, SpeechEvent::Began(_)))
        })
    }
}

/// A log sink for the whole child run: spoken text must never reach it.
#[derive(Clone, Default)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_back(l10n: &Localizer, locale: Locale, target: &str, minor: i64) -> Utterance {
    let currency = match locale {
        Locale::ZhCn => Currency::CNY,
        Locale::EnUs => Currency::USD,
    };
    let reply = Reply {
        id: "dlg-readback-transfer",
        args: vec![
            ("target", ReplyArg::Text(target.into())),
            ("masked", ReplyArg::Masked("4411".into())),
            (
                "amount",
                ReplyArg::Money(Money::from_minor(minor, currency)),
            ),
            ("from", ReplyArg::Masked("3921".into())),
        ],
    };
    l10n.reply(locale, &reply).unwrap()
}

#[test]
#[ignore = "run by speaker_against_a_private_headless_speech_dispatcher, with SPEECHD_ADDRESS set"]
fn headless_checks() {
    if std::env::var_os(CHILD).is_none() {
        println!("SKIPPED: run through speaker_against_a_private_headless_speech_dispatcher");
        return;
    }
    let log = LogSink::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let l10n = Localizer::new().unwrap();
    let heard = Arc::new(Heard::default());
    // In an `Arc`, so that `stop` and the drop can run under a hang guard.
    let speaker = Arc::new(Speaker::new(Some(Arc::new(Listener(Arc::clone(&heard))))).unwrap());
    let capabilities = speaker.capabilities();
    assert!(
        capabilities.rate
            && capabilities.pitch
            && capabilities.volume
            && capabilities.voices
            && capabilities.stop
            && capabilities.events,
        "{capabilities:?}"
    );

    // Settings: the defaults, then set and read back from the engine.
    assert_eq!(speaker.rate().unwrap(), 100);
    assert_eq!(speaker.pitch().unwrap(), 100);
    assert_eq!(speaker.volume().unwrap(), 100);
    for rate in [MIN_RATE, 70, 85, 130, 160, MAX_RATE] {
        speaker.set_rate(rate).unwrap();
        let back = speaker.rate().unwrap();
        assert!(back.abs_diff(rate) <= 1, "rate {rate} read back as {back}");
    }
    speaker.set_rate(100).unwrap();
    assert_eq!(speaker.slower().unwrap(), 100 - RATE_STEP);
    assert!(speaker.rate().unwrap().abs_diff(100 - RATE_STEP) <= 1);
    assert_eq!(speaker.faster().unwrap(), 100);
    for pitch in [50, 80, 100, 150, 200] {
        speaker.set_pitch(pitch).unwrap();
        assert_eq!(speaker.pitch().unwrap(), pitch);
    }
    for volume in [0, 35, 60, 100] {
        speaker.set_volume(volume).unwrap();
        assert_eq!(speaker.volume().unwrap(), volume);
    }
    assert!(matches!(
        speaker.set_rate(MAX_RATE + 1),
        Err(SpeakError::OutOfRange {
            setting: "rate",
            ..
        })
    ));
    assert!(matches!(
        speaker.set_volume(101),
        Err(SpeakError::OutOfRange { .. })
    ));
    speaker.set_pitch(100).unwrap();
    speaker.set_volume(100).unwrap();

    // Voices by locale, and clear errors for the rest.
    let unknown = speaker.set_locale_tag("tlh").unwrap_err();
    assert!(
        matches!(unknown, SpeakError::UnsupportedLocale(_)),
        "{unknown:?}"
    );
    assert!(
        unknown.to_string().contains("supported: zh-CN, en-US"),
        "{unknown}"
    );
    assert!(matches!(
        speaker.set_voice("No Such Voice"),
        Err(SpeakError::NoSuchVoice { .. })
    ));
    let english = speaker.set_locale_tag("en-US").unwrap();
    assert_eq!(
        english.language.to_ascii_lowercase(),
        "en-us",
        "{english:?}"
    );
    assert_eq!(speaker.locale(), Some(Locale::EnUs));

    // en-US: begin and end arrive for the utterance spoken, with the id `speak` returned.
    let canary = "Zebraquartz Canary";
    let utterance = read_back(&l10n, Locale::EnUs, canary, 5_000);
    assert!(
        utterance.speech.contains("fifty dollars"),
        "{}",
        utterance.speech
    );
    let id = speaker
        .speak(&utterance, SpeakMode::Interrupt)
        .unwrap()
        .expect("speech-dispatcher returns message ids");
    let events = heard.finished(id);
    assert!(events.contains(&SpeechEvent::Began(id)), "{events:?}");
    assert!(events.contains(&SpeechEvent::Ended(id)), "{events:?}");
    assert!(
        speaker.wait_until_done(HANG_GUARD).unwrap(),
        "hung: not everything spoken ended within {HANG_GUARD:?}"
    );

    // zh-CN.
    let chinese = speaker.set_locale(Locale::ZhCn).unwrap();
    assert_eq!(chinese.language.to_ascii_lowercase(), "cmn", "{chinese:?}");
    let utterance = read_back(&l10n, Locale::ZhCn, "李伟", 20_000);
    assert!(utterance.speech.contains("两百元"), "{}", utterance.speech);
    let id = speaker
        .speak(&utterance, SpeakMode::Interrupt)
        .unwrap()
        .unwrap();
    let events = heard.finished(id);
    assert!(events.contains(&SpeechEvent::Began(id)), "{events:?}");
    assert!(events.contains(&SpeechEvent::Ended(id)), "{events:?}");

    // Queued utterances all end, in order.
    speaker.set_locale(Locale::EnUs).unwrap();
    let lines: Vec<Utterance> = ["one", "two", "three"]
        .iter()
        .map(|w| Utterance {
            display: String::new(),
            speech: format!("Line {w}."),
        })
        .collect();
    let ids: Vec<UtteranceId> = lines
        .iter()
        .map(|u| speaker.speak(u, SpeakMode::Queue).unwrap().unwrap())
        .collect();
    let events = heard.finished(ids[2]);
    let ended: Vec<UtteranceId> = events
        .iter()
        .filter_map(|e| match e {
            SpeechEvent::Ended(id) if ids.contains(id) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ended, ids, "{events:?}");

    // stop() returns (the stock daemon without a sound card never returns; the hang guard
    // fails the test then), and every utterance it cut off or dropped is reported as ended or
    // stopped.
    let long = Utterance {
        display: String::new(),
        speech: "This is a long sentence that keeps the engine busy for a while. ".repeat(40),
    };
    let queued: Vec<UtteranceId> = (0..3)
        .map(|_| speaker.speak(&long, SpeakMode::Queue).unwrap().unwrap())
        .collect();
    let stopping = Arc::clone(&speaker);
    unless_hung("stop()", move || stopping.stop()).unwrap();
    assert!(
        speaker.wait_until_done(HANG_GUARD).unwrap(),
        "hung: what stop() cut off was not reported within {HANG_GUARD:?}"
    );
    for id in &queued {
        heard.finished(*id);
    }
    assert!(!speaker.is_speaking().unwrap());

    // Interrupting: the new utterance is spoken to its end.
    speaker.speak(&long, SpeakMode::Queue).unwrap();
    let id = speaker
        .speak(&lines[0], SpeakMode::Interrupt)
        .unwrap()
        .unwrap();
    let events = heard.finished(id);
    assert!(events.contains(&SpeechEvent::Ended(id)), "{events:?}");

    // Hostile speech forms: control characters, a NUL, markup, shell text; nothing panics.
    let hostile = Utterance {
        display: String::new(),
        speech: "<speak><audio src=\"http://x\"/>hi</speak>\u{0}\u{1b}[2J $(rm -rf /); `id` | tee"
            .into(),
    };
    let id = speaker
        .speak(&hostile, SpeakMode::Interrupt)
        .unwrap()
        .unwrap();
    heard.finished(id);
    let blank = Utterance {
        display: "shown".into(),
        speech: " \u{0}\n".into(),
    };
    assert_eq!(
        speaker.speak(&blank, SpeakMode::Queue),
        Err(SpeakError::Empty)
    );
    let too_long = Utterance {
        display: String::new(),
        speech: "a".repeat(5000),
    };
    assert!(matches!(
        speaker.speak(&too_long, SpeakMode::Queue),
        Err(SpeakError::TooLong { .. })
    ));

    // Dropping a speaker with speech queued returns (its wait for the engine's last events is
    // bounded).
    speaker.speak(&long, SpeakMode::Queue).unwrap();
    let speaker = Arc::try_unwrap(speaker).expect("the test holds the only speaker");
    unless_hung("dropping the speaker", move || drop(speaker));

    // Nothing spoken reached the log: lengths and ids only.
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("speaking"), "the speaker logs: {logged}");
    for secret in ["Zebraquartz", "李伟", "fifty dollars", "Line one"] {
        assert!(!logged.contains(secret), "{secret:?} was logged:\n{logged}");
    }
    let events = heard.events.lock().unwrap().clone();
    let count = |kind: fn(&SpeechEvent) -> bool| events.iter().filter(|e| kind(e)).count();
    println!(
        "headless speech-dispatcher: {} events ({} began, {} ended, {} stopped)",
        events.len(),
        count(|e| matches!(e, SpeechEvent::Began(_))),
        count(|e| matches!(e, SpeechEvent::Ended(_))),
        count(|e| matches!(e, SpeechEvent::Stopped(_))),
    );
}
