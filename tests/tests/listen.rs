//! Recognition on real speech and on synthesized commands, with the installed models (`make
//! models`): word error rate on the English clips, character error rate on the AISHELL-1
//! Mandarin clips, digit accuracy on the 300 spoken-digit clips (8 kHz, resampled), silence
//! and noise heard as nothing, bad audio refused without a panic, and a round trip of English
//! banking commands: text → espeak-ng → recognizer → understanding → the text's own meaning.
//!
//! Each test prints its figures; the floors below sit under what was measured (see
//! `docs/benchmarks.md`) so a regression fails here. Tests skip, saying why, when a model or
//! the shared recordings are absent.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::sync::OnceLock;

use tingshuo_core::Locale;
use tingshuo_core::listen::recognizer::{
    CancelToken, Options, Recognizer, RecognizerError, Transcript,
};
use tingshuo_core::listen::spoken::{
    ListenEvent, Listener, SpokenCommand, options_for, understand_speech,
};
use tingshuo_core::listen::{Audio, decode_wav_file};
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Intent, Understanding, World};
use tingshuo_desktop::render::Renderer;
use tingshuo_tests::speech::*;

/// The model the product hears both languages with.
const PRODUCT: &str = tingshuo_desktop::listen::DEFAULT_MODEL;

fn model(id: &'static str) -> Option<&'static Recognizer> {
    static PRODUCT_MODEL: OnceLock<Result<Recognizer, String>> = OnceLock::new();
    static TINY: OnceLock<Result<Recognizer, String>> = OnceLock::new();
    let cell = match id {
        PRODUCT => &PRODUCT_MODEL,
        "tiny.en" => &TINY,
        other => panic!("no test loads {other}"),
    };
    match cell.get_or_init(|| installed_model(id)) {
        Ok(recognizer) => Some(recognizer),
        Err(reason) => {
            tingshuo_tests::skip(reason);
            None
        }
    }
}

fn shared_present() -> bool {
    let present = shared_speech().is_dir();
    if !present {
        tingshuo_tests::skip(&format!("{} is absent", shared_speech().display()));
    }
    present
}

const ENGLISH_CLIPS: [(&str, &str); 3] = [
    (
        "en/jfk.wav",
        "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
    ),
    (
        "en/librispeech-2830-3980-0043.wav",
        "experience proves this",
    ),
    (
        "en/librispeech-1995-1837-0001.wav",
        "it was the first great sorrow of his life it was not so much the loss of the cotton itself but the fantasy the hopes the dreams built around it",
    ),
];

const MANDARIN_CLIPS: [(&str, &str); 3] = [
    ("zh/BAC009S0724W0121.wav", "广州市房地产中介协会分析"),
    ("zh/BAC009S0764W0121.wav", "甚至出现交易几乎停滞的情况"),
    ("zh/BAC009S0764W0122.wav", "一二线城市虽然也处于调整中"),
];

#[test]
fn english_word_error_rate() {
    let _whisper = one_at_a_time();
    if !shared_present() {
        return;
    }
    for (id, ceiling) in [(PRODUCT, 0.10), ("tiny.en", 0.15)] {
        let Some(recognizer) = model(id) else { return };
        let (mut errors, mut total) = (0, 0);
        for (file, reference) in ENGLISH_CLIPS {
            let audio = decode_wav_file(shared_speech().join(file)).unwrap();
            let mut options = Options::new(Locale::EnUs);
            // Long read speech, not a command: the whole window.
            options.audio_context = tingshuo_core::listen::recognizer::AudioContext::Full;
            let heard = recognizer
                .transcribe(audio.samples(), &options, None)
                .unwrap()
                .unwrap();
            let (expected, got) = (words(reference), words(&heard.text));
            errors += edit_distance(&expected, &got);
            total += expected.len();
            println!("{id} {file}: {:?}", heard.text);
        }
        let wer = errors as f64 / total as f64;
        println!(
            "{id}: English word error rate {:.1}% ({errors} of {total} words)",
            wer * 100.0
        );
        assert!(wer <= ceiling, "{id} WER {wer}");
    }
}

#[test]
fn mandarin_character_error_rate() {
    let _whisper = one_at_a_time();
    if !shared_present() {
        return;
    }
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    // Free, and guided as a command is (the banking context's prompt and grammar, with the
    // words outside it that the grammar allows): what guidance costs speech that is no
    // command. Only the free figure has a floor.
    let (context, world) = banking_setup(Locale::ZhCn);
    let mut cer = 0.0;
    for (name, options) in [
        ("free", Options::new(Locale::ZhCn)),
        ("guided", options_for(&context, &world)),
    ] {
        let (mut errors, mut total) = (0, 0);
        for (file, reference) in MANDARIN_CLIPS {
            let audio = decode_wav_file(shared_speech().join(file)).unwrap();
            let heard = recognizer
                .transcribe(audio.samples(), &options, None)
                .unwrap()
                .map(|t| t.text)
                .unwrap_or_default();
            let (expected, got) = (hanzi(reference), hanzi(&heard));
            errors += edit_distance(&expected, &got);
            total += expected.len();
            println!("{PRODUCT}, {name}, {file}: {heard:?}");
        }
        let rate = errors as f64 / total as f64;
        println!(
            "{PRODUCT}, {name}: Mandarin character error rate {:.1}% ({errors} of {total})",
            rate * 100.0
        );
        if name == "free" {
            cer = rate;
        }
    }
    assert!(cer <= 0.20, "CER {cer}");
    // An English-only model refuses Mandarin rather than guessing.
    if let Some(tiny) = model("tiny.en") {
        let audio = decode_wav_file(shared_speech().join(MANDARIN_CLIPS[0].0)).unwrap();
        assert!(matches!(
            tiny.transcribe(audio.samples(), &Options::new(Locale::ZhCn), None),
            Err(RecognizerError::UnsupportedLocale { .. })
        ));
    }
}

#[test]
fn spoken_digits_resampled_from_8_khz() {
    let _whisper = one_at_a_time();
    let Some(clips) = digit_clips() else {
        tingshuo_tests::skip("the spoken-digit clips are absent");
        return;
    };
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    // Every other clip in `make test` (each speaker and digit keeps two or three of its five);
    // all 300 in the full sweep.
    let clips: Vec<_> = clips
        .into_iter()
        .enumerate()
        .filter(|(row, _)| full_sweep() || row % 2 == 0)
        .map(|(_, clip)| clip)
        .collect();
    // No prompt: a list of digits as a prompt makes whisper continue the list.
    let options = Options::new(Locale::EnUs);
    let mut right = 0;
    let mut wrong = Vec::new();
    for (path, digit) in &clips {
        let audio = decode_wav_file(path).unwrap();
        assert_eq!(audio.source_sample_rate(), 8_000);
        let heard = recognizer
            .transcribe(audio.samples(), &options, None)
            .unwrap();
        let text = heard.map(|h| h.text).unwrap_or_default();
        if spoken_digit(&text) == Some(*digit) {
            right += 1;
        } else {
            wrong.push(format!(
                "{} ({digit}): {text:?}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let accuracy = f64::from(right) / clips.len() as f64;
    println!(
        "{PRODUCT}: spoken digits {:.1}% right ({right} of {}); misses: {wrong:?}",
        accuracy * 100.0,
        clips.len()
    );
    assert_eq!(clips.len(), if full_sweep() { 300 } else { 150 });
    // Floor seven clips of the slice under what was measured (124 of 150, 82.7%; all 300:
    // docs/benchmarks.md); whisper's multi-threaded decoding is not bit-for-bit repeatable, so
    // close calls move a little between runs.
    assert!(accuracy >= 0.78, "digit accuracy {accuracy}");
}

/// Silence, hum and noise at several levels: nothing heard, no intent.
#[test]
fn silence_and_noise_are_heard_as_nothing() {
    let _whisper = one_at_a_time();
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    let (context, world) = english_setup();
    let options = options_for(&context, &world);
    let second = 16_000;
    let mut signals: Vec<(String, Vec<f32>)> = vec![
        ("digital silence".into(), vec![0.0; 3 * second]),
        ("one sample".into(), vec![0.1]),
        ("nothing".into(), Vec::new()),
    ];
    for (kind, name) in [
        (tingshuo_desktop::render::NoiseKind::White, "white"),
        (tingshuo_desktop::render::NoiseKind::Pink, "pink"),
    ] {
        for level in [0.001, 0.01, 0.1, 0.3] {
            let noise = tingshuo_desktop::render::noise(kind, 3 * second, 7);
            signals.push((
                format!("{name} noise at {level}"),
                noise
                    .iter()
                    .map(|n| (n * level).clamp(-1.0, 1.0) as f32)
                    .collect(),
            ));
        }
    }
    let hum: Vec<f32> = (0..3 * second)
        .map(|i| (0.2 * (std::f64::consts::TAU * 50.0 * i as f64 / 16_000.0).sin()) as f32)
        .collect();
    signals.push(("50 Hz hum".into(), hum));
    for (name, samples) in &signals {
        let spoken =
            understand_speech(recognizer, samples, &options, &context, &world, None).unwrap();
        assert_eq!(spoken.transcript, None, "{name}");
        assert_eq!(spoken.understanding, None, "{name}");
    }
    println!(
        "{} silence and noise signals: no text, no intent",
        signals.len()
    );
}

/// Bad audio: a clear error or correct handling, never a panic.
#[test]
fn bad_audio_is_refused_or_handled() {
    let _whisper = one_at_a_time();
    // Refused by the front end before any recognizer sees it.
    assert!(Audio::from_pcm_f32(&[0.1, f32::NAN, 0.2], 16_000, 1).is_err());
    assert!(Audio::from_pcm_f32(&[f32::INFINITY; 1600], 16_000, 1).is_err());
    assert!(Audio::from_pcm_i16(&vec![0; 16_000 * 600], 16_000, 1).is_err());
    assert!(Audio::from_pcm_i16(&[0; 100], 0, 1).is_err());
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.wav");
    std::fs::write(&truncated, b"RIFF\x24\x00\x00\x00WAVEfmt ").unwrap();
    assert!(decode_wav_file(&truncated).is_err());
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    // The recognizer itself refuses what no front end would pass on.
    let options = Options::new(Locale::EnUs);
    for (name, samples) in [
        ("NaN", vec![f32::NAN; 16_000]),
        ("infinite", vec![f32::NEG_INFINITY; 16_000]),
    ] {
        assert!(
            matches!(
                recognizer.transcribe(&samples, &options, None),
                Err(RecognizerError::Audio(_))
            ),
            "{name}"
        );
    }
    // Clipped speech is still speech.
    let audio = decode_wav_file(shared_speech().join("en/librispeech-2830-3980-0043.wav"));
    if let Ok(audio) = audio {
        let clipped: Vec<f32> = audio
            .samples()
            .iter()
            .map(|s| (s * 8.0).clamp(-1.0, 1.0))
            .collect();
        let heard = recognizer
            .transcribe(&clipped, &options, None)
            .unwrap()
            .unwrap();
        println!("clipped ×8: {:?}", heard.text);
        assert!(
            words(&heard.text).contains(&"experience".to_owned()),
            "{}",
            heard.text
        );
    }
}

/// Streaming: chunks of any size and rate in, speech start, a final transcript when the
/// speaker stops; cancellation stops a recognition in progress.
#[test]
fn streaming_and_cancellation() {
    let _whisper = one_at_a_time();
    if !shared_present() {
        return;
    }
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    let audio = decode_wav_file(shared_speech().join("en/librispeech-2830-3980-0043.wav")).unwrap();
    // Back to 16-bit stereo at 44.1 kHz, as a phone's microphone might deliver it.
    let original = audio.samples();
    let stereo_44k: Vec<i16> = (0..original.len() * 441 / 160)
        .flat_map(|i| {
            let s = original[(i * 160 / 441).min(original.len() - 1)];
            let v = (s * 32767.0) as i16;
            [v, v]
        })
        .chain(std::iter::repeat_n(0, 2 * 44_100))
        .collect();
    let mut listener =
        Listener::new(recognizer, Options::new(Locale::EnUs), 44_100, 2, None).unwrap();
    let mut events = Vec::new();
    for chunk in stereo_44k.chunks(2 * 441 * 3) {
        events.extend(listener.push_i16(chunk).unwrap());
    }
    events.extend(listener.finish().unwrap());
    assert_eq!(
        events.first(),
        Some(&ListenEvent::SpeechStarted),
        "{events:?}"
    );
    let finals: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ListenEvent::Final(spoken) => Some(spoken.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(finals.len(), 1, "{events:?}");
    assert_eq!(
        finals[0].understanding, None,
        "a plain listener only transcribes"
    );
    let text = finals[0].transcript.as_ref().unwrap().text.clone();
    println!("streamed: {text:?}");
    assert!(words(&text).contains(&"experience".to_owned()));

    let cancel = CancelToken::new();
    cancel.cancel();
    assert!(matches!(
        recognizer.transcribe(original, &Options::new(Locale::EnUs), Some(&cancel)),
        Err(RecognizerError::Cancelled)
    ));
    // Cancelled from another thread while whisper runs.
    let cancel = CancelToken::new();
    let long = decode_wav_file(shared_speech().join("en/jfk.wav")).unwrap();
    let mut options = Options::new(Locale::EnUs);
    options.audio_context = tingshuo_core::listen::recognizer::AudioContext::Full;
    let result = std::thread::scope(|scope| {
        let canceller = cancel.clone();
        scope.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            canceller.cancel();
        });
        recognizer.transcribe(long.samples(), &options, Some(&cancel))
    });
    assert!(
        matches!(result, Err(RecognizerError::Cancelled)),
        "{result:?}"
    );
}

/// The round trip's parts: tiny.en (the synthetic round trip's model since it was tuned on it;
/// the product hears through base-q8_0, measured beside it in `make bench`), espeak-ng, the banking
/// context and its commands.
struct RoundTrip {
    recognizer: &'static Recognizer,
    renderer: Renderer,
    context: Context,
    world: World,
    commands: Vec<(String, Understanding)>,
    options: Options,
}

impl RoundTrip {
    /// `None`, saying why, when tiny.en is not installed.
    fn new() -> Option<RoundTrip> {
        let recognizer = model("tiny.en")?;
        let (context, world) = english_setup();
        let commands = round_trip_commands(&context, &world);
        let options = options_for(&context, &world);
        Some(RoundTrip {
            recognizer,
            renderer: Renderer::new(),
            context,
            world,
            commands,
            options,
        })
    }

    /// A sentence spoken in the index's voice under a condition.
    fn speak(&self, text: &str, index: usize, condition: Condition, seed: u64) -> Vec<f32> {
        speak_command(
            &self.renderer,
            text,
            &round_trip_voice(index),
            condition,
            seed,
        )
    }

    /// One-shot recognition and understanding.
    fn hear(&self, samples: &[f32]) -> SpokenCommand {
        understand_speech(
            self.recognizer,
            samples,
            &self.options,
            &self.context,
            &self.world,
            None,
        )
        .unwrap()
    }
}

/// One spoken answer: what was said and how, the transcript, the intent understood.
type HeardAnswer = (String, Option<String>, Option<Intent>);

/// Prints how the noes were heard; returns how many were taken for a yes.
fn noes_taken_for_yes(language: &str, noes: &[HeardAnswer]) -> usize {
    let taken_for_yes: Vec<_> = noes
        .iter()
        .filter(|(_, _, intent)| *intent == Some(Intent::Confirm))
        .collect();
    let understood_noes = noes
        .iter()
        .filter(|(_, _, intent)| *intent == Some(Intent::Deny))
        .count();
    println!(
        "{language}noes: {understood_noes} of {} understood as no; taken for yes: {taken_for_yes:#?}",
        noes.len()
    );
    taken_for_yes.len()
}

/// Prints how the yeses were heard; returns how many were understood as yes.
fn yeses_heard(language: &str, yeses: &[HeardAnswer]) -> usize {
    let missed: Vec<_> = yeses
        .iter()
        .filter(|(_, _, intent)| *intent != Some(Intent::Confirm))
        .collect();
    println!(
        "{language}yeses: {} of {} understood as yes; missed: {missed:#?}",
        yeses.len() - missed.len(),
        yeses.len()
    );
    yeses.len() - missed.len()
}

/// A spoken no is seldom taken for a yes, which leads on to a payment (and its step-up): every
/// no of the English corpus, in four voices, clean and at 10 dB. A yes stands only when the
/// same audio, searched for the context's noes alone, yields no trusted no
/// (`spoken::understand_speech`). Without that check 13 of the 144 were understood as
/// `confirm` ("nah" as "Yeah.", "not quite" as "That's right."), with it 7: tiny.en hears
/// "that's right" and "that's not right" from espeak-ng's voices nearly alike, so the bound
/// is a rate, not zero. The corpus's yeses, spoken the same way, are mostly still understood
/// as `confirm`: 165 of 176 (169 without the check, which asks again where "that's correct"
/// leaves "that's not correct" within reach; `docs/benchmarks.md`). `make test`'s slice of
/// yeses, in one of the four voices, measured 40 of 44.
#[test]
fn a_spoken_no_is_seldom_taken_for_a_yes() {
    let _whisper = one_at_a_time();
    let Some(round_trip) = RoundTrip::new() else {
        return;
    };
    let conditions = [Condition::Clean, Condition::Noise { snr_db: 10.0 }];
    // Every no in all four voices, always (a no taken for a yes is what this test guards; on
    // two voices the bound left no room for a clip of variation); the yeses in one of the four
    // in `make test`'s slice (each clip costs a search or two), all four in the full sweep.
    let heard_as = |intent: &str, voices: usize| {
        let mut heard = Vec::new();
        for (row, text) in corpus_texts(Locale::EnUs, intent).iter().enumerate() {
            for voice in (row..row + 4).step_by(4 / voices) {
                for condition in conditions {
                    let seed = u64::try_from(voice).unwrap();
                    let spoken = round_trip.hear(&round_trip.speak(text, voice, condition, seed));
                    let said = format!("{text:?} in voice {voice}, {}", condition.name());
                    println!("{said}: {}", described(spoken.transcript.as_ref()));
                    heard.push((
                        said,
                        spoken.transcript.map(|t| t.text),
                        spoken.understanding.map(|u| u.intent),
                    ));
                }
            }
        }
        heard
    };
    let noes = heard_as("deny", 4);
    let taken_for_yes = noes_taken_for_yes("", &noes);
    // Measured 7, and 8 on 2026-12-05 and 2026-12-07, of 144 (13 without the check): the
    // bound, 6% (8 of 144), is at what was measured; a trend past it fails.
    assert!(
        taken_for_yes * 100 <= noes.len() * 6,
        "{} noes taken for a yes",
        taken_for_yes
    );
    let yeses = heard_as("confirm", if full_sweep() { 4 } else { 1 });
    let understood_yeses = yeses_heard("", &yeses);
    // Two clips of the slice under what it measured.
    assert!(
        understood_yeses * 100 >= yeses.len() * 86,
        "{} yeses understood",
        understood_yeses
    );
}

/// A command streamed in 20 ms chunks to a listener given the banking context is heard and
/// understood as the one-shot path hears the same audio: the same transcript and the same
/// meaning, re-searches included (a trusted transcript the context does not understand is
/// asked for again on both paths). Every eighth round-trip command in `make test`'s slice,
/// every fourth in the full sweep, clean and at 10 dB.
#[test]
fn streaming_a_command_understands_it_as_one_shot_does() {
    let _whisper = one_at_a_time();
    let Some(round_trip) = RoundTrip::new() else {
        return;
    };
    let mut compared = 0;
    let mut understood = 0;
    for condition in [Condition::Clean, Condition::Noise { snr_db: 10.0 }] {
        let every = if full_sweep() { 4 } else { 8 };
        for (index, (text, _)) in round_trip.commands.iter().enumerate().step_by(every) {
            let samples = round_trip.speak(text, index, condition, index as u64);
            let one_shot = round_trip.hear(&samples);
            let mut listener = Listener::new(
                round_trip.recognizer,
                round_trip.options.clone(),
                16_000,
                1,
                None,
            )
            .unwrap()
            .understood_in(&round_trip.context, &round_trip.world);
            let mut events = Vec::new();
            for chunk in samples.chunks(320) {
                events.extend(listener.push_f32(chunk).unwrap());
            }
            events.extend(listener.finish().unwrap());
            let finals: Vec<_> = events
                .iter()
                .filter_map(|event| match event {
                    ListenEvent::Final(spoken) => Some(spoken),
                    _ => None,
                })
                .collect();
            assert_eq!(finals.len(), 1, "{text:?}: {events:?}");
            let streamed = finals[0];
            let words =
                |spoken: &SpokenCommand| spoken.transcript.as_ref().map(|heard| heard.text.clone());
            assert_eq!(
                words(streamed),
                words(&one_shot),
                "{text:?} {}",
                condition.name()
            );
            let meaning = |spoken: &SpokenCommand| {
                spoken
                    .understanding
                    .as_ref()
                    .map(|u| (u.intent.clone(), u.slots.clone()))
            };
            assert_eq!(
                meaning(streamed),
                meaning(&one_shot),
                "{text:?} {}",
                condition.name()
            );
            compared += 1;
            understood += usize::from(streamed.understanding.is_some());
        }
    }
    println!("streamed {compared} commands, {understood} understood, each as one-shot");
    // Not a vacuous agreement of two empty results.
    assert!(
        understood * 10 >= compared * 8,
        "{understood} of {compared} understood"
    );
}

/// English banking commands spoken by espeak-ng in several voices and speeds, clean and with
/// pink noise at 10 dB (and 20 dB in the full sweep), recognized and understood: the share that
/// means what the text means (every fourth command in `make test`'s slice, all in the full
/// sweep); and out-of-scope sentences spoken the same way, all of them, which must stay
/// rejected.
#[test]
fn round_trip_of_spoken_banking_commands() {
    let _whisper = one_at_a_time();
    let Some(round_trip) = RoundTrip::new() else {
        return;
    };
    let commands = &round_trip.commands;
    assert!(commands.len() >= 50, "{} commands", commands.len());
    let out_of_scope = round_trip_out_of_scope(&round_trip.context, &round_trip.world);
    assert!(
        out_of_scope.len() >= 15,
        "{} out-of-scope sentences",
        out_of_scope.len()
    );
    let hear = |text: &str, index: usize, condition: Condition, seed: u64| {
        round_trip.hear(&round_trip.speak(text, index, condition, seed))
    };
    for &condition in round_trip_conditions() {
        let mut accepted = 0;
        let mut misses = Vec::new();
        // Every command in the full sweep; every fourth (each keeping its voice) in the
        // slice. The out-of-scope sentences are all spoken either way.
        let spoken_commands: Vec<_> = commands
            .iter()
            .enumerate()
            .filter(|(index, _)| full_sweep() || index % 4 == 0)
            .collect();
        let heard_commands = spoken_commands.len();
        for (index, (text, meaning)) in spoken_commands {
            let spoken = hear(text, index, condition, index as u64);
            let met = same_meaning(spoken.understanding.as_ref(), meaning);
            trace_forced(
                &format!("en round trip {}", condition.name()),
                true,
                met,
                spoken.transcript.as_ref(),
            );
            if met {
                accepted += 1;
            } else {
                misses.push(format!(
                    "{text:?} heard {:?}",
                    spoken.transcript.map(|t| t.text)
                ));
            }
        }
        let rate = f64::from(accepted) / heard_commands as f64;
        println!(
            "round trip {}: {:.1}% accepted ({accepted} of {heard_commands}); misses: {misses:#?}",
            condition.name(),
            rate * 100.0,
        );
        // Sentences that are not banking commands, spoken the same way: nothing is understood
        // from them, or the recognizer turned them into a command.
        let mut false_accepts = Vec::new();
        // Each out-of-scope sentence in one of the slice's two conditions (each is rejected
        // only after every search, the round trip's costliest clips); in all three in the
        // full sweep.
        let spoken_out_of_scope: Vec<_> = out_of_scope
            .iter()
            .enumerate()
            .filter(|(index, _)| {
                full_sweep() || (index % 2 == 0) == (condition == Condition::Clean)
            })
            .collect();
        for &(index, text) in &spoken_out_of_scope {
            let spoken = hear(text, index, condition, 1_000 + index as u64);
            trace_forced(
                &format!("en round trip {}", condition.name()),
                false,
                spoken.understanding.is_none(),
                spoken.transcript.as_ref(),
            );
            if let Some(understood) = spoken.understanding {
                false_accepts.push(format!(
                    "{text:?} heard {:?} as {}",
                    spoken.transcript.map(|t| t.text),
                    understood.intent
                ));
            }
        }
        println!(
            "round trip {}, out of scope: {} of {} accepted {false_accepts:#?}",
            condition.name(),
            false_accepts.len(),
            spoken_out_of_scope.len()
        );
        // Measured: at most one of 24 in any condition, one of the slice's 12
        // (docs/benchmarks.md). The bound is 10% of the whole set (two sentences) in the slice
        // too: room for whisper's run-to-run variation of a clip, not for a trend.
        assert!(
            false_accepts.len() * 100 <= out_of_scope.len() * 10,
            "{} out-of-scope false accepts rose",
            condition.name()
        );
        // Floors under what was measured with grammar-guided decoding and the sentences-only
        // searches with other openings and other views of the audio (all commands: 97.5%
        // clean, 97.5% at 20 dB, 87.5% at 10 dB, docs/benchmarks.md; the slice's 20: 20 clean,
        // 17 at 10 dB): two clips of the slice, room for whisper's run-to-run and
        // machine-to-machine variation, not for a trend. The product targets, 98% clean and
        // 95% at 10 dB, are above: whisper still mishears espeak-ng's synthetic voices.
        let floor = match condition {
            Condition::Clean => 0.89,
            Condition::Noise { snr_db } if snr_db >= 20.0 => 0.88,
            Condition::Noise { .. } => 0.75,
        };
        assert!(rate >= floor, "{} acceptance {rate}", condition.name());
    }
}

/// Whether the speech tests run their whole sweeps (`TINGSHUO_SPEECH=full`, as `make bench`
/// does) or a slice (`make test`: the speech tests take most of the suite's time, and each
/// Mandarin clip costs the product model one to ten searches).
fn full_sweep() -> bool {
    std::env::var("TINGSHUO_SPEECH").is_ok_and(|v| v == "full")
}

/// The round trips' conditions: all three in the full sweep; in the slice, clean and 10 dB
/// (20 dB has measured at or above 10 dB in every run; the sweep keeps it).
fn round_trip_conditions() -> &'static [Condition] {
    const SLICE: [Condition; 2] = [Condition::Clean, Condition::Noise { snr_db: 10.0 }];
    if full_sweep() {
        &Condition::ALL
    } else {
        &SLICE
    }
}

/// The Mandarin round trip's sentences, each with its place in its half (which sets its voice
/// and its noise): all of them in the full sweep, else every fourth row of each half.
fn mandarin_round_trip_rows(held_out: bool) -> Vec<(usize, Labelled)> {
    let full = full_sweep();
    spoken_mandarin(held_out)
        .into_iter()
        .enumerate()
        .filter(|(place, _)| full || place % 4 == 0)
        .collect()
}

/// What one half of the Mandarin round trip measured under one condition.
#[derive(Debug, Default)]
struct MandarinScore {
    commands: usize,
    accepted: usize,
    out_of_scope: usize,
    false_accepts: usize,
    misses: Vec<String>,
}

/// 王秀英's commands spoken by the neural Mandarin test voice at three speeds and three pitches,
/// clean and with pink noise at 10 dB (and 20 dB in the full sweep), recognized by the product model (`base-q8_0`) guided by the zh-CN
/// grammar and understood: the share that means what its label says (intent and every slot);
/// and sentences that are not commands, spoken the same way, which must stay rejected. The
/// held-out half is reported by counts only: its misses are never printed.
#[test]
fn mandarin_round_trip_of_spoken_banking_commands() {
    let _whisper = one_at_a_time();
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    let voice = match tingshuo_desktop::neural_voice::NeuralMandarin::set_up(root()) {
        Ok(voice) => voice,
        Err(reason) => {
            tingshuo_tests::skip(&reason.to_string());
            return;
        }
    };
    let (context, world) = banking_setup(Locale::ZhCn);
    let options = options_for(&context, &world);
    for held_out in [false, true] {
        let rows = mandarin_round_trip_rows(held_out);
        let speech = render_mandarin(&voice, &rows).unwrap();
        let half = if held_out { "held-out" } else { "tuning" };
        for &condition in round_trip_conditions() {
            let mut score = MandarinScore::default();
            for ((place, row), pcm) in rows.iter().zip(&speech) {
                let samples = heard_under(pcm, condition, *place as u64);
                let spoken =
                    understand_speech(recognizer, &samples, &options, &context, &world, None)
                        .unwrap();
                let met = row.is_met_by(spoken.understanding.as_ref());
                if !held_out {
                    trace_forced(
                        &format!("zh round trip {}", condition.name()),
                        row.intent.is_some(),
                        met,
                        spoken.transcript.as_ref(),
                    );
                }
                if row.intent.is_some() {
                    score.commands += 1;
                    score.accepted += usize::from(met);
                } else {
                    score.out_of_scope += 1;
                    score.false_accepts += usize::from(!met);
                }
                if !met && !held_out {
                    score.misses.push(format!(
                        "{:?} heard {:?} (forced {:?} nats) as {:?}",
                        row.text,
                        spoken.transcript.as_ref().map(|t| &t.text),
                        spoken.transcript.as_ref().and_then(|t| t.forced),
                        spoken.understanding.map(|u| u.to_json())
                    ));
                }
            }
            println!(
                "Mandarin round trip, {half} half, {}: {} of {} commands accepted ({:.1}%), \
                 {} of {} out-of-scope accepted; misses: {:#?}",
                condition.name(),
                score.accepted,
                score.commands,
                100.0 * score.accepted as f64 / score.commands.max(1) as f64,
                score.false_accepts,
                score.out_of_scope,
                score.misses
            );
            if full_sweep() {
                continue; // The sweep reports; the floors are the slice's.
            }
            // The slice (12 commands and 4 other sentences a half, each in its voice in the
            // whole set) measured, with base-q8_0, 12 and 11 of 12 clean and 11 and 8 of 12 at
            // 10 dB (tuning, held out), no out-of-scope sentence accepted (docs/benchmarks.md).
            // Floors two clips under the lower half, for whisper's variation from machine to
            // machine; one false accept a half at most.
            let floor = match condition {
                Condition::Clean => 9,
                _ => 6,
            };
            assert!(
                score.accepted >= floor,
                "Mandarin round trip, {half} half, {}: acceptance fell",
                condition.name()
            );
            assert!(
                score.false_accepts <= 1,
                "Mandarin round trip, {half} half, {}: out-of-scope sentences accepted",
                condition.name()
            );
        }
    }
}

/// Measured over the whole set (2026-12-05, one run on loaded cores): 1 of 32 noes taken for a
/// yes ("不對" in Traditional characters, which the test voice does not read as 不对, heard
/// "可以。"), 22 of 32 understood as no; 27 of 36 yeses heard (the misses mostly heard as
/// nothing, or "账" — a question again). The slice `make test` runs, every fourth row,
/// measured 0 of 8 noes taken for a yes and 8 of 10 yeses heard. Bounds a clip or so from
/// what the whole set measured.
const MANDARIN_NOES_TAKEN_FOR_YES: usize = 2;
const MANDARIN_YESES_HEARD_PERCENT: usize = 60;

/// A transcript as the tests print it: its words, how far the grammar forced them and how
/// long the speech was.
fn described(heard: Option<&Transcript>) -> String {
    heard.map_or_else(
        || "nothing".to_owned(),
        |heard| {
            format!(
                "{:?}, forced {}, {:.2} s of speech",
                heard.text,
                heard
                    .forced
                    .map_or_else(|| "—".to_owned(), |nats| format!("{nats:.2} nats")),
                heard.speech.len() as f64 / 16_000.0
            )
        },
    )
}

/// In Mandarin as in English, a spoken no is seldom taken for a yes, and a yes is heard: the
/// noes and yeses of the zh-CN team corpus (every fourth row; all in the full sweep), spoken by
/// the neural test voice (each row in the round
/// trip's voice of its index), clean and at 10 dB, through the product model and the zh-CN grammar. A yes
/// stands only when the same audio, searched for the context's noes alone, yields no trusted
/// no (对 / 不对, 是 / 不是, 好 / 不好 differ by one syllable).
#[test]
fn a_spoken_mandarin_no_is_seldom_taken_for_a_yes() {
    let _whisper = one_at_a_time();
    let Some(recognizer) = model(PRODUCT) else {
        return;
    };
    let voice = match tingshuo_desktop::neural_voice::NeuralMandarin::set_up(root()) {
        Ok(voice) => voice,
        Err(reason) => {
            tingshuo_tests::skip(&reason.to_string());
            return;
        }
    };
    let (context, world) = banking_setup(Locale::ZhCn);
    let options = options_for(&context, &world);
    let heard_as = |intent: &str| {
        // Each row keeps its index in the corpus: its voice and noise seed are the same in
        // the slice as in the full sweep.
        let rows: Vec<(usize, String)> = corpus_texts(Locale::ZhCn, intent)
            .into_iter()
            .enumerate()
            .filter(|(row, _)| full_sweep() || row % 4 == 0)
            .collect();
        let requests: Vec<_> = rows
            .iter()
            .map(|(row, text)| (text.as_str(), mandarin_round_trip_voice(*row)))
            .collect();
        let speech = voice.render_all(&requests).unwrap();
        let mut heard = Vec::new();
        for ((row, text), pcm) in rows.iter().zip(&speech) {
            for condition in [Condition::Clean, Condition::Noise { snr_db: 10.0 }] {
                let samples = heard_under(pcm, condition, *row as u64);
                let spoken =
                    understand_speech(recognizer, &samples, &options, &context, &world, None)
                        .unwrap();
                let said = format!("{text:?}, {}", condition.name());
                println!("{said}: {}", described(spoken.transcript.as_ref()));
                heard.push((
                    said,
                    spoken.transcript.map(|t| t.text),
                    spoken.understanding.map(|u| u.intent),
                ));
            }
        }
        heard
    };
    let noes = heard_as("deny");
    let taken_for_yes = noes_taken_for_yes("Mandarin ", &noes);
    assert!(
        taken_for_yes <= MANDARIN_NOES_TAKEN_FOR_YES,
        "{} Mandarin noes taken for a yes",
        taken_for_yes
    );
    let yeses = heard_as("confirm");
    let heard_yeses = yeses_heard("Mandarin ", &yeses);
    assert!(
        heard_yeses * 100 >= yeses.len() * MANDARIN_YESES_HEARD_PERCENT,
        "{} Mandarin yeses missed",
        yeses.len() - heard_yeses
    );
}
