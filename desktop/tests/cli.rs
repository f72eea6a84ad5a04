//! The `tingshuo` command as a tester runs it: demo, view, damage, logout.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::stdout;

fn tingshuo(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--now", "2026-11-27T09:30:00+08:00"])
        .args(args)
        .output()
        .expect("tingshuo runs")
}

#[test]
fn demo_then_view_in_both_locales() {
    let dir = tempfile::tempdir().unwrap();
    let demo = stdout(&tingshuo(dir.path(), &["demo"]));
    // The scripted conversation: read-back, step-up, execution, and a scam warning.
    for expected in [
        "转给李伟，尾号3445，¥200.00，从您尾号6217的账户转出。对吗？",
        "办好了：¥200.00已经付给李伟。",
        "请注意：",
        "好的，已取消，钱没有转出。",
        "Send $50.00 to Alice Chen, ending in 4411, from your account ending in 3921. Is that right?",
        "Done: $50.00 sent to Alice Chen.",
        "Please be careful.",
    ] {
        assert!(demo.contains(expected), "missing {expected} in\n{demo}");
    }
    assert!(
        demo.contains("王秀英，您好") && demo.contains("Hello, Margaret Wilson"),
        "{demo}"
    );

    let zh = stdout(&tingshuo(
        dir.path(),
        &["view", "--locale", "zh-CN", "--utc-offset", "+08:00"],
    ));
    for expected in [
        "养老金账户，尾号6217",
        "定期存款",
        "信用卡，尾号4580",
        "国家电网",
        "朝阳支行预约",
        "李伟",
    ] {
        assert!(zh.contains(expected), "missing {expected} in\n{zh}");
    }
    let spoken = stdout(&tingshuo(
        dir.path(),
        &[
            "view",
            "--locale",
            "zh",
            "--speech",
            "--utc-offset",
            "+08:00",
        ],
    ));
    assert!(
        spoken.contains("尾号六二一七") && spoken.contains("元") && !spoken.contains('¥'),
        "{spoken}"
    );

    let en = stdout(&tingshuo(
        dir.path(),
        &["view", "--locale", "en-US", "--utc-offset", "-05:00"],
    ));
    for expected in [
        "Everyday Checking, ending in 3921",
        "Savings, ending in 7710",
        "ending in 4321",
        "City Electric",
        "Phone support ticket",
        "Maria Garcia",
    ] {
        assert!(en.contains(expected), "missing {expected} in\n{en}");
    }
    // Screen-reader friendly: plain lines, no box drawing, no escape sequences, nothing unmasked.
    for text in [&zh, &en, &spoken] {
        assert!(
            !text
                .chars()
                .any(|c| ('\u{2500}'..='\u{257f}').contains(&c) || c == '\u{1b}')
        );
        assert!(!text.contains("6217000010012346217") && !text.contains("021000089003921"));
    }
}

#[test]
fn unknown_locale_and_empty_store_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let output = tingshuo(dir.path(), &["view", "--locale", "fr-FR"]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("unsupported locale") && error.contains("zh-CN"),
        "{error}"
    );

    let empty = stdout(&tingshuo(dir.path(), &["view", "--locale", "en-US"]));
    assert!(
        empty.contains("There is no account information on this device yet"),
        "{empty}"
    );
}

#[test]
fn a_damaged_store_is_announced_and_rebuilt_then_logout_wipes_it() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&tingshuo(dir.path(), &["demo"]));
    let database = dir.path().join("demo-zh.db");
    let mut bytes = std::fs::read(&database).unwrap();
    bytes[..100].fill(0x5a);
    std::fs::write(&database, bytes).unwrap();
    let view = stdout(&tingshuo(dir.path(), &["view", "--locale", "zh-CN"]));
    assert!(
        view.contains("已重新建立") && view.contains("本机还没有您的账户信息"),
        "{view}"
    );

    let logout = stdout(&tingshuo(dir.path(), &["logout", "--customer", "demo-zh"]));
    assert!(logout.contains("demo-zh"));
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("demo-zh"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!dir.path().join("keys/demo-zh.key").exists());
    assert!(
        dir.path().join("keys/demo-en.key").exists(),
        "other customers are untouched"
    );
}

/// A customer id is a name: "../victim" is refused with a reason, and the file it would have
/// reached outside the data directory is untouched.
#[test]
fn a_customer_id_that_is_a_path_is_refused() {
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let victim = outer.path().join("victim.db");
    std::fs::write(&victim, b"precious").unwrap();
    let output = tingshuo(&data, &["logout", "--customer", "../victim"]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("not a customer id"), "{error}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

#[test]
fn view_against_a_running_reference_bank() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .args(["sandbox", "serve", "--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.contains("Reference bank serving"), "{first}");
    // The bank prints a fresh single-use code per demo customer.
    let mut code = None;
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(rest) = line.trim().strip_prefix("demo-zh enrollment code ") {
            code = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    let code = code.expect("a code for demo-zh");
    // Keep reading what the server prints, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = format!("http://127.0.0.1:{port}");

    let zh = stdout(&tingshuo(
        dir.path(),
        &[
            "view",
            "--locale",
            "zh-CN",
            "--bank",
            &url,
            "--enrollment-code",
            &code,
            "--utc-offset",
            "+08:00",
        ],
    ));
    assert!(
        zh.contains("养老金账户，尾号6217") && zh.contains("朝阳支行预约"),
        "{zh}"
    );
    // Registered once: the next run reuses the device and its key.
    let again = stdout(&tingshuo(
        dir.path(),
        &["view", "--locale", "zh-CN", "--bank", &url],
    ));
    assert!(again.contains("尾号6217"));
    assert!(dir.path().join("keys/demo-zh.device").exists());

    // A customer the harness has no code for is a clear usage error.
    let unknown = tingshuo(
        dir.path(),
        &["view", "--customer", "stranger", "--bank", &url],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("enrollment-code"));

    server.kill().unwrap();
    server.wait().unwrap();
    // The bank is gone: the view still comes from the local store.
    let offline = stdout(&tingshuo(
        dir.path(),
        &["view", "--locale", "zh-CN", "--bank", &url],
    ));
    assert!(offline.contains("尾号6217"), "{offline}");
    stdout(&tingshuo(dir.path(), &["logout", "--customer", "demo-zh"]));
    assert!(!dir.path().join("keys/demo-zh.device").exists());
}

#[test]
fn intent_json_for_both_locales_and_a_rhino_context() {
    let dir = tempfile::tempdir().unwrap();
    let context = |locale: &str| {
        format!(
            "{}/../locales/{locale}/banking.yaml",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let run = |context: &str, text: &str| -> serde_json::Value {
        let out = stdout(&tingshuo(
            dir.path(),
            &[
                "intent",
                "--context",
                context,
                "--text",
                text,
                "--today",
                "2026-11-27",
                "--json",
            ],
        ));
        serde_json::from_str(out.trim()).unwrap()
    };
    let zh = run(&context("zh-CN"), "嗯，给李维转两百五十块");
    assert_eq!(zh["intent"], "transfer");
    assert_eq!(zh["slots"]["payee"], "李伟");
    assert_eq!(
        zh["slots"]["amount"],
        serde_json::json!({"minor": 25000, "currency": "CNY"})
    );
    let en = run(&context("en-US"), "How much did I spend last week?");
    assert_eq!(en["intent"], "spending");
    assert_eq!(
        en["slots"]["period"],
        serde_json::json!({"from": "2026-11-16", "to": "2026-11-22"})
    );
    assert_eq!(
        run(&context("en-US"), "tell me a joke"),
        serde_json::json!({"intent": null})
    );

    // A context written for Rhino works unchanged; its slot values come back as written.
    let coffee = dir.path().join("coffee.yaml");
    std::fs::write(
        &coffee,
        "context:\n  expressions:\n    orderDrink:\n      - \"(i want) (a) $size:size $drink:drink (please)\"\n  slots:\n    size: [small, Large]\n    drink: [Cafe Latte, americano]\n",
    )
    .unwrap();
    let order = run(coffee.to_str().unwrap(), "I want a large cafe latte please");
    assert_eq!(order["intent"], "orderDrink");
    assert_eq!(
        order["slots"],
        serde_json::json!({"size": "Large", "drink": "Cafe Latte"})
    );
}

#[test]
fn a_typed_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::run_with_input(
        Command::new(env!("CARGO_BIN_EXE_tingshuo"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["chat", "--locale", "en-US", "--speech"]),
        b"pay my electric bill\nslower\nno\n\nwhat's the weather\nlock my visa card\nagent\n",
    );
    let text = stdout(&output);
    for expected in [
        "Pay $87.42 to City Electric",
        "(spoken) Pay eighty-seven dollars and forty-two cents to City Electric",
        "[speech rate: 85%]",
        "All right, nothing was sent.",
        "I'm still here.",
        "Sorry, I didn't catch that.",
        "Your card ending in 4321 is locked.",
        "I'm connecting you to a person now.",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}

/// A bank's own intents given to `chat` (the repository's sample file): its command is
/// printed as the request the bank's app would carry out, with its slot; one that takes a
/// product intent's name is refused with the reason, before any turn.
#[test]
fn a_chat_with_the_banks_own_intents() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/examples/bank-intents.en-US.yaml"
    );
    let output = common::run_with_input(
        Command::new(env!("CARGO_BIN_EXE_tingshuo"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["chat", "--locale", "en-US", "--bank-intents", sample]),
        b"where is the nearest branch in springfield
what's my balance
",
    );
    let text = stdout(&output);
    for expected in [
        "All right, one moment.",
        "[for the bank's app: findBranch {\"town\":\"springfield\"}]",
        "Everyday Checking, ending in 3921",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    let taken = dir.path().join("taken.yaml");
    std::fs::write(
        &taken,
        "context:\n  expressions:\n    transfer:\n      - \"wire it\"\n",
    )
    .unwrap();
    let refused = common::run_with_input(
        Command::new(env!("CARGO_BIN_EXE_tingshuo"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["chat", "--locale", "en-US", "--bank-intents"])
            .arg(&taken)
            .stderr(std::process::Stdio::piped()),
        b"where is the nearest branch\n",
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("transfer"), "{said}");
}

/// Speech through the command: `say --out`, then `intent --audio` (a file and a folder, one
/// JSON line each) and `transcribe`; a missing model is a clear error, not a panic. Skips,
/// saying why, when the speech model or espeak-ng is not installed.
#[test]
fn intent_from_audio_and_transcribe() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("clips").join("balance.wav");
    std::fs::create_dir_all(wav.parent().unwrap()).unwrap();
    let said = tingshuo(
        dir.path(),
        &[
            "say",
            "what's my balance",
            "--locale",
            "en-US",
            "--out",
            wav.to_str().unwrap(),
        ],
    );
    if !said.status.success() {
        common::skip(&format!(
            "espeak-ng cannot render ({})",
            String::from_utf8_lossy(&said.stderr)
        ));
        return;
    }
    let model = tingshuo_desktop::listen::DEFAULT_MODEL;
    let installed = tingshuo(dir.path(), &["models", "path", model]);
    if !installed.status.success() {
        common::skip(&format!("the {model} model is not installed (make models)"));
        return;
    }
    let context = concat!(env!("CARGO_MANIFEST_DIR"), "/../locales/en-US/banking.yaml");
    let folder = wav.parent().unwrap().to_str().unwrap();
    // `intent --context … ARGS --json`: its output and its JSON lines.
    let intent = |args: &[&str]| {
        let mut all = vec!["intent", "--context", context];
        all.extend(args);
        all.push("--json");
        let out = stdout(&tingshuo(dir.path(), &all));
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (out, lines)
    };
    let (out, lines) = intent(&["--audio", wav.to_str().unwrap(), "--audio", folder]);
    assert_eq!(lines.len(), 2, "{out}");
    for line in &lines {
        assert_eq!(line["intent"], "balance", "{out}");
        assert!(line["file"].as_str().unwrap().ends_with("balance.wav"));
        assert!(
            line["transcript"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("balance")
        );
    }
    // Streamed in 20 ms chunks, as a microphone delivers it: the speech starts, then the
    // same understanding arrives as the final event.
    let (out, events) = intent(&[
        "--audio",
        wav.to_str().unwrap(),
        "--stream",
        "--partial-ms",
        "500",
    ]);
    assert_eq!(events.first().unwrap()["event"], "speech_started", "{out}");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "final", "{out}");
    assert_eq!(last["intent"], "balance", "{out}");
    assert!(last["file"].as_str().unwrap().ends_with("balance.wav"));
    assert!(
        events[1..events.len() - 1]
            .iter()
            .all(|event| event["event"] == "partial" && event["text"].is_string()),
        "{out}"
    );
    let text = stdout(&tingshuo(
        dir.path(),
        &["transcribe", folder, "--model", model],
    ));
    assert!(text.to_lowercase().contains("balance"), "{text}");

    // No model in an empty cache: a clear message.
    let output = Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .env("XDG_CACHE_HOME", dir.path().join("empty-cache"))
        .args(["transcribe", folder])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains(&format!("tingshuo models install {model}")),
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
}

/// `intent --mic` on a machine without a sound card (these machines, a CI runner) says there
/// is no microphone and exits with an error, without a panic; where a microphone works, it
/// listens and ends with a final event (30 s at most of silence).
#[test]
fn the_microphone_path_fails_clearly_without_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let context = concat!(env!("CARGO_MANIFEST_DIR"), "/../locales/en-US/banking.yaml");
    let output = tingshuo(
        dir.path(),
        &["intent", "--context", context, "--mic", "--json"],
    );
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(!error.contains("panicked"), "{error}");
    if output.status.success() {
        let out = stdout(&output);
        let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(last["event"], "final", "{out}");
        println!("a microphone works here: {out}");
    } else {
        assert!(error.contains("microphone"), "{error}");
        assert!(
            error.contains("--audio"),
            "the message says what to do instead: {error}"
        );
    }
}

/// `make demo`'s conversation heard by voice (`demo --listen`): each customer's turns are
/// spoken (Mandarin by the neural test voice, English by espeak-ng) and given to the
/// assistant as speech, which hears them through its own search plan: both payments are read
/// back and made, and both scam warnings quote the secrecy the customer said. Skips, saying
/// why, when a voice or the speech model is missing (the demo then types the turns).
#[test]
fn demo_heard_by_voice_pays_and_warns_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let output = Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .current_dir(root)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--now", "2026-11-27T09:30:00+08:00", "demo", "--listen"])
        .output()
        .expect("tingshuo runs");
    let demo = stdout(&output);
    if let Some(reason) = demo
        .lines()
        .find(|line| line.starts_with("(The turns are typed"))
    {
        common::skip(reason);
        return;
    }
    assert_eq!(demo.matches("(recognized) ").count(), 12, "{demo}");
    for expected in [
        "办好了：¥200.00已经付给李伟。",
        "您说到“别告诉”",
        "好的，已取消，钱没有转出。",
        "Done: $50.00 sent to Alice Chen.",
        "You said “keep this secret”",
        "All right, cancelled. No money was sent.",
    ] {
        assert!(demo.contains(expected), "missing {expected} in\n{demo}");
    }
}
