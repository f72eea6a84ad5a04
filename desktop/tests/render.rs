//! Speech rendered with the real espeak-ng: format, plausible durations, voices and rates,
//! Mandarin through pinyin, the noise mixer, and hostile text. Without espeak-ng each test
//! says why and skips.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.
#![allow(clippy::print_stdout)] // A skipped test says why, and results are worth seeing.

use tingshuo_core::Localizer;
use tingshuo_core::dialogue::{Reply, ReplyArg};
use tingshuo_core::{Currency, Locale, Money, Utterance};
use tingshuo_desktop::render::{
    EN_US_VOICES, NoiseKind, Pcm, RenderError, RenderOptions, Renderer, ZH_CN_VOICES,
    measure_snr_db, mix_noise, parse_wav, to_pinyin,
};

mod common;
use common::espeak_present;

/// The error of a render that must fail; an unexpected success is reported by its length,
/// not printed sample by sample.
trait Refused {
    fn refused(self) -> RenderError;
}

impl Refused for Result<Pcm, RenderError> {
    fn refused(self) -> RenderError {
        match self {
            Ok(pcm) => panic!("rendered {} samples instead of failing", pcm.samples.len()),
            Err(error) => error,
        }
    }
}

fn speech(text: &str) -> Utterance {
    Utterance {
        display: "the display form is never rendered".into(),
        speech: text.into(),
    }
}

const BALANCE: &str = "Your balance is one thousand two hundred dollars and fifty cents. \
                       Your next bill is due in three days.";

fn words_per_minute(text: &str, pcm: &Pcm) -> f64 {
    text.split_whitespace().count() as f64 / pcm.duration_secs() * 60.0
}

#[test]
fn english_wav_is_16_bit_mono_pcm_of_plausible_length() {
    if !espeak_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/balance.wav");
    let renderer = Renderer::new();
    let options = RenderOptions::new(Locale::EnUs);
    let pcm = renderer
        .render_to_file(&speech(BALANCE), &options, &path)
        .unwrap();

    // The file on disk: a complete RIFF header with the real sizes.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
        bytes.len() - 8
    );
    let reader = hound::WavReader::open(&path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    assert_eq!(spec.sample_rate, 22050);
    assert_eq!(reader.len() as usize, pcm.samples.len());
    assert_eq!(parse_wav(&bytes).unwrap(), pcm);
    assert_eq!(Pcm::read_wav(&path).unwrap(), pcm);

    // Speech, not silence, at a comfortable speed (about 150–200 words per minute).
    assert!(pcm.rms() > 500.0, "rms {}", pcm.rms());
    let wpm = words_per_minute(BALANCE, &pcm);
    assert!((150.0..=200.0).contains(&wpm), "{wpm:.0} words per minute");
    let floats = pcm.to_f32();
    assert!(floats.iter().all(|s| (-1.0..1.0).contains(s)));
    assert!(floats.iter().any(|s| s.abs() > 0.1));
}

#[test]
fn every_listed_english_voice_speaks_and_sounds_different() {
    if !espeak_present() {
        return;
    }
    let renderer = Renderer::new();
    let mut renders: Vec<(&str, Pcm)> = Vec::new();
    for voice in EN_US_VOICES {
        let options = RenderOptions::new(Locale::EnUs).with_voice(voice);
        let pcm = renderer.render(&speech(BALANCE), &options).unwrap();
        let wpm = words_per_minute(BALANCE, &pcm);
        assert!((140.0..=210.0).contains(&wpm), "{voice}: {wpm:.0} wpm");
        for (other, earlier) in &renders {
            assert_ne!(earlier.samples, pcm.samples, "{voice} sounds like {other}");
        }
        renders.push((voice, pcm));
    }
    // espeak-ng falls back from an unknown English dialect to English; an unknown voice
    // outright is its error, passed on.
    let unknown = RenderOptions::new(Locale::EnUs).with_voice("en-zz+nosuchvariant");
    assert!(renderer.render(&speech("hello"), &unknown).is_ok());
}

#[test]
fn rate_changes_duration() {
    if !espeak_present() {
        return;
    }
    let renderer = Renderer::new();
    let at = |rate: u32| {
        let options = RenderOptions::new(Locale::EnUs).with_rate(rate);
        renderer
            .render(&speech(BALANCE), &options)
            .unwrap()
            .duration_secs()
    };
    let (slow, normal, fast) = (at(50), at(100), at(200));
    assert!(
        (1.6..=2.4).contains(&(slow / normal)),
        "50 %: {slow:.2} s against {normal:.2} s"
    );
    assert!(
        (0.35..=0.65).contains(&(fast / normal)),
        "200 %: {fast:.2} s against {normal:.2} s"
    );
    assert!(at(85) > normal && at(115) < normal);
    let error = renderer
        .render(
            &speech("hi"),
            &RenderOptions::new(Locale::EnUs).with_rate(201),
        )
        .refused();
    assert!(error.to_string().contains("rate 201"), "{error}");
}

/// A read-back as the dialogue says it: the speech form from `locales/`, amounts in words.
fn read_back(locale: Locale, target: &str, minor: i64, currency: Currency) -> Utterance {
    let reply = Reply {
        id: "dlg-readback-transfer",
        args: vec![
            ("target", ReplyArg::Text(target.into())),
            ("masked", ReplyArg::Masked("3445".into())),
            (
                "amount",
                ReplyArg::Money(Money::from_minor(minor, currency)),
            ),
            ("from", ReplyArg::Masked("6217".into())),
        ],
    };
    Localizer::new().unwrap().reply(locale, &reply).unwrap()
}

#[test]
fn mandarin_is_spoken_from_tone_numbered_pinyin() {
    if !espeak_present() {
        return;
    }
    let utterance = read_back(Locale::ZhCn, "李伟", 20_000, Currency::CNY);
    // The speech form has no digits left: the amount and endings are words.
    assert!(
        !utterance.speech.chars().any(|c| c.is_ascii_digit()),
        "{}",
        utterance.speech
    );
    let pinyin = to_pinyin(&utterance.speech);
    assert!(
        pinyin.starts_with("zhuan3 gei3 li3 wei3, wei3 hao4 san1 si4 si4 wu3, liang3 bai3 yuan2,"),
        "{pinyin}"
    );
    assert!(!pinyin.chars().any(|c| u32::from(c) > 0x2FF), "{pinyin}");

    let renderer = Renderer::new();
    for voice in ZH_CN_VOICES {
        let options = RenderOptions::new(Locale::ZhCn).with_voice(voice);
        let pcm = renderer.render(&utterance, &options).unwrap();
        assert!(pcm.rms() > 500.0, "{voice}: rms {}", pcm.rms());
        // Mandarin at a normal pace: two to six syllables a second.
        let syllables = pinyin.split_whitespace().count() as f64;
        let per_second = syllables / pcm.duration_secs();
        assert!(
            (2.0..=6.0).contains(&per_second),
            "{voice}: {per_second:.1} syllables/s"
        );
    }
    // Text for English stays English; a Chinese voice for en-US is refused, and back.
    let error = renderer
        .render(
            &speech("hello"),
            &RenderOptions::new(Locale::EnUs).with_voice("cmn-latn-pinyin"),
        )
        .refused();
    assert!(matches!(error, RenderError::VoiceNotForLocale { .. }));
    assert!(
        renderer
            .render(
                &utterance,
                &RenderOptions::new(Locale::ZhCn).with_voice("cmn")
            )
            .is_err()
    );
}

#[test]
fn noise_is_mixed_at_the_requested_snr() {
    if !espeak_present() {
        return;
    }
    let renderer = Renderer::new();
    let clean = renderer
        .render(
            &read_back(Locale::EnUs, "Alice Chen", 5_000, Currency::USD),
            &RenderOptions::new(Locale::EnUs),
        )
        .unwrap();
    for kind in [NoiseKind::White, NoiseKind::Pink] {
        for snr in [20.0, 10.0, 0.0] {
            let noisy = mix_noise(&clean, snr, kind, 42).unwrap();
            assert_eq!(noisy.samples.len(), clean.samples.len());
            assert_eq!(noisy.sample_rate, clean.sample_rate);
            let measured = measure_snr_db(&clean, &noisy).unwrap();
            assert!(
                (measured - snr).abs() <= 0.1,
                "{kind:?} at {snr} dB measured {measured:.3} dB"
            );
            // The same seed gives the same noise; another seed another.
            assert_eq!(mix_noise(&clean, snr, kind, 42).unwrap(), noisy);
            assert_ne!(mix_noise(&clean, snr, kind, 43).unwrap(), noisy);
        }
    }
    // Directly: without clipping, the noise is exactly what was added.
    let noisy = mix_noise(&clean, 20.0, NoiseKind::White, 1).unwrap();
    let noise_rms = (clean
        .samples
        .iter()
        .zip(&noisy.samples)
        .map(|(&c, &n)| (f64::from(n) - f64::from(c)).powi(2))
        .sum::<f64>()
        / clean.samples.len() as f64)
        .sqrt();
    let snr = 20.0 * (clean.rms() / noise_rms).log10();
    assert!((snr - 20.0).abs() <= 0.1, "{snr:.3} dB");
    // Silence has no SNR; neither has a NaN.
    let silent = Pcm {
        sample_rate: 16_000,
        samples: vec![0; 100],
    };
    assert!(mix_noise(&silent, 10.0, NoiseKind::White, 1).is_err());
    assert!(mix_noise(&clean, f64::NAN, NoiseKind::White, 1).is_err());
}

#[test]
fn hostile_text_is_spoken_as_text_or_refused() {
    if !espeak_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let renderer = Renderer::new();
    let options = RenderOptions::new(Locale::EnUs);
    let shell = format!(
        "$(touch {m}) `touch {m}` ; touch {m} | touch {m} && touch {m} > {m}",
        m = marker.display()
    );
    let cases = [
        "<speak><audio src=\"file:///etc/passwd\"/><break time=\"60s\"/>hi</speak>".to_owned(),
        "\u{0}\u{1}\u{7}\u{1b}[2J\r\n\t text with controls \u{7f}".to_owned(),
        "[[h@l'oU]] -v en-gb --stdout -w out.wav".to_owned(),
        shell,
        "-".to_owned(),
        "零一二\u{202e}三".to_owned(),
    ];
    for text in &cases {
        let pcm = renderer.render(&speech(text), &options).unwrap();
        assert!(!pcm.samples.is_empty(), "{text:?}");
    }
    // Markup is read as words, never obeyed: no minute of silence from <break>. (The shell
    // case spells out a temporary path six times, so its length says nothing.)
    let markup = renderer.render(&speech(&cases[0]), &options).unwrap();
    assert!(markup.duration_secs() < 30.0, "{}", markup.duration_secs());
    assert!(!marker.exists(), "a shell ran the text");
    for text in ["", " \u{0} \n"] {
        let error = renderer.render(&speech(text), &options).refused();
        assert!(error.to_string().contains("empty"), "{error}");
    }
    // Very long text: the longest allowed renders, longer is a clear error.
    let longest = "word ".repeat(799) + "end.";
    assert!(longest.chars().count() <= 4000);
    let pcm = renderer.render(&speech(&longest), &options).unwrap();
    assert!(pcm.duration_secs() > 60.0, "{}", pcm.duration_secs());
    let error = renderer
        .render(&speech(&"word ".repeat(2000)), &options)
        .refused();
    assert!(error.to_string().contains("too long"), "{error}");
    // Mandarin with the same hostile text: still pinyin and Latin, still safe.
    let zh = RenderOptions::new(Locale::ZhCn);
    for text in &cases {
        renderer.render(&speech(text), &zh).unwrap();
    }
}

#[test]
fn a_failing_or_mute_espeak_is_a_clear_error() {
    let options = RenderOptions::new(Locale::EnUs);
    // Exits with failure: the status is reported.
    let error = Renderer::with_program("false")
        .render(&speech("hello"), &options)
        .refused();
    assert!(
        matches!(error, RenderError::EspeakFailed { .. }),
        "{error:?}"
    );
    // Succeeds but writes no audio.
    let error = Renderer::with_program("true")
        .render(&speech("hello"), &options)
        .refused();
    assert!(matches!(error, RenderError::BadAudio(_)), "{error:?}");
}

#[test]
fn a_missing_espeak_is_a_clear_error() {
    let renderer = Renderer::with_program("/nonexistent/espeak-ng");
    let error = renderer
        .render(&speech("hello"), &RenderOptions::new(Locale::EnUs))
        .refused();
    assert!(
        matches!(error, RenderError::EspeakMissing { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("install it"), "{error}");
}
