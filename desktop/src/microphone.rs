//! The default microphone, for `tingshuo intent --mic`: on the desktop what a phone's host app
//! does with its own audio API — PCM chunks at the device's rate and channel count, pushed to
//! a core [`Listener`](tingshuo_core::listen::spoken::Listener) — with cpal (Apache-2.0; the
//! desktop harness only). A machine without an audio input device, such as a server or a CI
//! runner, gets a clear error, never a panic.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

#[derive(Debug, thiserror::Error)]
pub enum MicrophoneError {
    #[error(
        "no microphone: this machine has no audio input device; give recordings with --audio instead"
    )]
    NoDevice,
    #[error("the microphone cannot be opened ({0}); give recordings with --audio instead")]
    Open(String),
    #[error("the microphone delivers {0} samples, which this harness does not read")]
    UnsupportedFormat(String),
    #[error("the microphone stopped: {0}")]
    Stopped(String),
}

/// An open input stream from the default device. Recording stops when it is dropped.
pub struct Microphone {
    // Kept for its lifetime: dropping the stream stops the device.
    _stream: cpal::Stream,
    chunks: Receiver<Result<Vec<f32>, String>>,
    sample_rate: u32,
    channels: u16,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl Microphone {
    /// Opens the system's default input device at its own default configuration.
    pub fn open_default() -> Result<Microphone, MicrophoneError> {
        let complaints = SystemComplaints::kept();
        Microphone::open_default_device().map_err(|error| match error {
            MicrophoneError::Open(reason) => MicrophoneError::Open(complaints.added_to(reason)),
            other => other,
        })
    }

    fn open_default_device() -> Result<Microphone, MicrophoneError> {
        let host = cpal::default_host();
        let device = host
            .default_input_device()
            .ok_or(MicrophoneError::NoDevice)?;
        let supported = device
            .default_input_config()
            .map_err(|e| MicrophoneError::Open(e.to_string()))?;
        let (sample_rate, channels) = (supported.sample_rate(), supported.channels());
        let (sender, chunks) = mpsc::channel();
        let errors = sender.clone();
        // The callbacks run on the audio thread: they only hand the samples over.
        let on_error = move |error: cpal::Error| {
            let _ = errors.send(Err(error.to_string()));
        };
        let config = supported.config();
        let stream = match supported.sample_format() {
            cpal::SampleFormat::F32 => device.build_input_stream(
                config,
                move |data: &[f32], _: &cpal::InputCallbackInfo| {
                    let _ = sender.send(Ok(data.to_vec()));
                },
                on_error,
                None,
            ),
            cpal::SampleFormat::I16 => device.build_input_stream(
                config,
                move |data: &[i16], _: &cpal::InputCallbackInfo| {
                    let _ = sender.send(Ok(data
                        .iter()
                        .map(|&sample| f32::from(sample) / 32_768.0)
                        .collect()));
                },
                on_error,
                None,
            ),
            other => return Err(MicrophoneError::UnsupportedFormat(other.to_string())),
        }
        .map_err(|e| MicrophoneError::Open(e.to_string()))?;
        stream
            .play()
            .map_err(|e| MicrophoneError::Open(e.to_string()))?;
        Ok(Microphone {
            _stream: stream,
            chunks,
            sample_rate,
            channels,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// The next chunk of interleaved samples in [-1, 1], or `None` when none came within
    /// `wait`.
    pub fn next_chunk(&self, wait: Duration) -> Result<Option<Vec<f32>>, MicrophoneError> {
        match self.chunks.recv_timeout(wait) {
            Ok(Ok(chunk)) => Ok(Some(chunk)),
            Ok(Err(error)) => Err(MicrophoneError::Stopped(error)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(MicrophoneError::Stopped("the audio stream ended".into()))
            }
        }
    }
}

/// What the system's audio library says while the device is opened. ALSA writes its
/// complaints straight to standard error ("ALSA lib confmisc.c:855:(parse_card) cannot find
/// card '0'", eight lines without a sound card); they are kept on this thread instead, and
/// the last one joins the error.
struct SystemComplaints {
    #[cfg(target_os = "linux")]
    alsa: Option<std::rc::Rc<std::cell::RefCell<alsa::Output>>>,
}

impl SystemComplaints {
    fn kept() -> SystemComplaints {
        SystemComplaints {
            #[cfg(target_os = "linux")]
            alsa: alsa::Output::local_error_handler().ok(),
        }
    }

    /// `reason`, with the last complaint if there was one.
    fn added_to(&self, reason: String) -> String {
        #[cfg(target_os = "linux")]
        if let Some(output) = &self.alsa {
            let said = output.borrow().to_string();
            if let Some(last) = said.lines().map(str::trim).rfind(|line| !line.is_empty()) {
                return format!("{reason} ALSA: {last}");
            }
        }
        reason
    }
}
