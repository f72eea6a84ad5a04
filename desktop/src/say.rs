//! `tingshuo say`: speak a text through the platform's speech engine (the core's `Speaker`,
//! speech-dispatcher on Linux), or render it to a WAV file with espeak-ng (`--out`).

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use tingshuo_core::speak::{SpeakMode, Speaker};
use tingshuo_core::{Locale, Utterance};

use crate::HarnessError;
use crate::neural_voice::{NeuralMandarin, VoiceSettings};
use crate::render::{Pcm, RenderError, RenderOptions, Renderer};

#[derive(Debug, clap::Args)]
pub struct SayArgs {
    /// What to say (as it should be spoken: numbers in words read best)
    pub text: String,
    /// zh-CN or en-US [default: zh-CN when the text has Chinese characters, else en-US]
    #[arg(long)]
    pub locale: Option<String>,
    /// The voice: an espeak-ng voice with --out (en-us, en-gb, en-us+f3, cmn-latn-pinyin…),
    /// else a name the speech engine lists [default: the locale's]
    #[arg(long)]
    pub voice: Option<String>,
    /// Speech rate in percent of normal, 50–200
    #[arg(long, default_value_t = 100)]
    pub rate: u32,
    /// Write a WAV file (16-bit PCM, mono) instead of speaking
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The locale of the text: the one asked for, else guessed from its script.
fn locale_of(args: &SayArgs) -> Result<Locale, HarnessError> {
    match &args.locale {
        Some(tag) => Ok(Locale::parse(tag)?),
        None if args.text.chars().any(is_han) => Ok(Locale::ZhCn),
        None => Ok(Locale::EnUs),
    }
}

fn is_han(c: char) -> bool {
    matches!(u32::from(c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Runs the command; returns the lines to print.
pub fn run(args: &SayArgs) -> Result<Vec<String>, HarnessError> {
    let locale = locale_of(args)?;
    // Text typed at the command line is its own speech form.
    let utterance = Utterance {
        display: args.text.clone(),
        speech: args.text.clone(),
    };
    match &args.out {
        Some(path) => {
            let mut options = RenderOptions::new(locale).with_rate(args.rate);
            options.voice = args.voice.clone();
            let pcm = Renderer::new().render_to_file(&utterance, &options, path)?;
            Ok(vec![format!(
                "Wrote {} ({locale}, {:.2} s, {} Hz, 16-bit mono)",
                path.display(),
                pcm.duration_secs(),
                pcm.sample_rate
            )])
        }
        None => speak(args, locale, &utterance),
    }
}

/// How long speaking may take: long enough for the slowest rate (a few characters a
/// second), so the command neither returns while still speaking nor waits for ever on an
/// engine that never reports the end.
fn speaking_time(chars: usize) -> Duration {
    Duration::from_secs(10).saturating_add(
        Duration::from_millis(300).saturating_mul(u32::try_from(chars).unwrap_or(u32::MAX)),
    )
}

/// Speaks through the core's `Speaker` on a thread of its own: a speech service that
/// accepts the connection and then never answers (the stock speech-dispatcher on a machine
/// without a sound card) blocks inside its client library, and the command must still end
/// with a clear message.
fn speak(
    args: &SayArgs,
    locale: Locale,
    utterance: &Utterance,
) -> Result<Vec<String>, HarnessError> {
    let chars = utterance.speech.chars().count();
    let limit = speaking_time(chars).saturating_add(Duration::from_secs(10));
    let (sender, receiver) = mpsc::channel();
    let (voice, rate, utterance) = (args.voice.clone(), args.rate, utterance.clone());
    std::thread::Builder::new()
        .name("tingshuo-say".into())
        .spawn(move || {
            let _ = sender.send(speak_now(voice.as_deref(), rate, locale, &utterance));
        })
        .map_err(|e| HarnessError::Usage(format!("cannot start speaking: {e}")))?;
    receiver.recv_timeout(limit).unwrap_or_else(|_| {
        Err(HarnessError::Usage(format!(
            "the speech service did not answer within {} s. Without a sound card the stock \
             speech-dispatcher hangs; use a private headless one: \
             scripts/speechd-headless.sh run tingshuo say …",
            limit.as_secs()
        )))
    })
}

fn speak_now(
    voice: Option<&str>,
    rate: u32,
    locale: Locale,
    utterance: &Utterance,
) -> Result<Vec<String>, HarnessError> {
    let speaker = Speaker::new(None)?;
    let voice = match voice {
        Some(name) => speaker.set_voice(name)?,
        None => speaker.set_locale(locale)?,
    };
    speaker.set_rate(rate)?;
    speaker.speak(utterance, SpeakMode::Interrupt)?;
    let chars = utterance.speech.chars().count();
    let timeout = speaking_time(chars);
    if !speaker.wait_until_done(timeout)? {
        return Err(HarnessError::Usage(format!(
            "the speech engine did not finish speaking within {} s",
            timeout.as_secs()
        )));
    }
    Ok(vec![format!(
        "Spoke {chars} characters ({locale}, voice {}, rate {rate}%)",
        voice.name
    )])
}

/// The demo's spoken replies as WAV files, numbered across the run: `DIR/01-zh-CN.wav`,
/// `DIR/02-zh-CN.wav`, … `DIR/12-en-US.wav`.
#[derive(Debug)]
pub struct SpeechFiles {
    dir: Option<PathBuf>,
    next: usize,
    renderer: Renderer,
    /// The Mandarin test voice, once looked for (or why it is not there).
    mandarin: Option<Result<NeuralMandarin, String>>,
}

impl SpeechFiles {
    /// Creates `dir` and removes the files an earlier run numbered there (and only those),
    /// so the directory holds this run's replies alone. `None` writes nothing.
    pub fn new(dir: Option<PathBuf>) -> Result<SpeechFiles, HarnessError> {
        if let Some(dir) = &dir {
            let cannot = |e: std::io::Error| {
                HarnessError::Usage(format!("cannot prepare {}: {e}", dir.display()))
            };
            std::fs::create_dir_all(dir).map_err(cannot)?;
            for entry in std::fs::read_dir(dir).map_err(cannot)? {
                let path = entry.map_err(cannot)?.path();
                if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_numbered_reply)
                {
                    std::fs::remove_file(&path).map_err(cannot)?;
                }
            }
        }
        Ok(SpeechFiles {
            dir,
            next: 1,
            renderer: Renderer::new(),
            mandarin: None,
        })
    }

    /// Renders each speech form; returns a line saying where they went, or why not (a
    /// missing espeak-ng does not stop the demo). Mandarin replies are spoken by the neural
    /// test voice when it is beside the project (espeak-ng's Mandarin is a pinyin voice few
    /// listeners follow), else by espeak-ng.
    pub fn write(&mut self, locale: Locale, speech: &[String]) -> Option<String> {
        let dir = self.dir.clone()?;
        let neural = match locale {
            Locale::ZhCn => self.mandarin().ok(),
            Locale::EnUs => None,
        };
        let voice = if neural.is_some() {
            "the neural Mandarin test voice"
        } else {
            "espeak-ng"
        };
        let rendered: Result<Vec<Pcm>, RenderError> = match &neural {
            Some(neural) => {
                let requests: Vec<_> = speech
                    .iter()
                    .map(|text| (text.as_str(), VoiceSettings::NATURAL))
                    .collect();
                neural.render_all(&requests)
            }
            None => speech
                .iter()
                .map(|text| {
                    let utterance = Utterance {
                        display: String::new(),
                        speech: text.clone(),
                    };
                    self.renderer
                        .render(&utterance, &RenderOptions::new(locale))
                })
                .collect(),
        };
        let mut written = Vec::new();
        let outcome = rendered.and_then(|pcms| {
            pcms.iter().try_for_each(|pcm| {
                let path = dir.join(format!("{:02}-{locale}.wav", self.next));
                pcm.write_wav(&path)?;
                written.push(path);
                self.next += 1;
                Ok(())
            })
        });
        if let Err(error) = outcome {
            return Some(format!("Speech not written: {error}"));
        }
        Some(match (written.first(), written.last()) {
            (Some(first), Some(last)) if written.len() > 1 => format!(
                "Spoken replies ({} WAV files, {voice}): {} … {}",
                written.len(),
                first.display(),
                last.display()
            ),
            (Some(only), _) => format!("Spoken reply (WAV, {voice}): {}", only.display()),
            _ => "No replies to render.".to_owned(),
        })
    }

    /// The neural Mandarin voice, set up once.
    fn mandarin(&mut self) -> Result<NeuralMandarin, String> {
        self.mandarin
            .get_or_insert_with(|| {
                NeuralMandarin::set_up(std::path::Path::new(".")).map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// "07-zh-CN.wav": a name `SpeechFiles` gives.
fn is_numbered_reply(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".wav") else {
        return false;
    };
    let Some((number, locale)) = stem.split_once('-') else {
        return false;
    };
    number.len() >= 2
        && number.chars().all(|c| c.is_ascii_digit())
        && Locale::ALL.iter().any(|l| l.tag() == locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_reply_names() {
        assert!(is_numbered_reply("01-zh-CN.wav"));
        assert!(is_numbered_reply("123-en-US.wav"));
        for other in [
            "notes.wav",
            "1-en-US.wav",
            "01-en-US.txt",
            "01-fr-FR.wav",
            "ab-en-US.wav",
        ] {
            assert!(!is_numbered_reply(other), "{other}");
        }
    }
}
