//! Voice-activity detection and end-of-speech detection on 16 kHz mono audio.
//!
//! Our own, not a crate. `earshot` (MIT/Apache, a small neural network) was the candidate,
//! but it uses `unsafe` that extends a slice past the borrow it came from, asserts on its
//! input in debug builds, and its 40 KB of weights come without a word on their training
//! data. What the recognizer needs is narrower than general VAD — "did someone speak a
//! command into the phone, and when did they stop" — and three cues that are easy to reason
//! about answer it, each frame being 10 ms:
//!
//! * **Energy above an adaptive noise floor.** Energy is measured above 100 Hz (rumble and
//!   hum live below). The floor is the minimum of the recent smoothed energy
//!   (`FLOOR_WINDOW_FRAMES`, minimum statistics), raised at once to a sound that stays
//!   within 3 dB for 400 ms (steady noise: hiss, hum, a fan) and to a run of activity that
//!   found no voice within 300 ms. Before anything is heard it sits just under the absolute
//!   floor (−55 dBFS), so speech from the very first sample still counts, and digital silence
//!   and faint noise never do.
//! * **Voicing.** Vowels are periodic at the speaker's pitch (70–400 Hz) in every language;
//!   noise is not. Below 500 Hz (at 8 kHz) each frame's normalized autocorrelation is searched
//!   for a peak in that lag range, and a frame is voiced when it and the frame before peak at
//!   the same pitch (within 15 %): noise makes peaks too, but at random lags.
//! * **Swing.** Syllables make speech energy rise and fall by 10 dB and more; a hum switching
//!   on is as periodic as a vowel but holds its level.
//!
//! A run of activity (frames above the floor, joined across gaps shorter than the hangover)
//! is speech once it has [`EndpointerConfig::min_speech`] of activity, two voiced frames, one
//! of them strongly periodic (`STRONG_VOICING`), and a 6 dB swing. The start is then
//! reported at the run's first active frame; the end once the hangover has passed, at the
//! last active frame.
//!
//! Known limit: a pure tone that starts and stops (a beep, an earcon, DTMF) is periodic and
//! swings, so it counts as speech; hosts open the microphone after their own prompt tone.

use std::ops::Range;
use std::time::Duration;

use super::audio::TARGET_SAMPLE_RATE;

/// Analysis frame: 10 ms.
const FRAME: usize = 160;
const FRAME_MILLIS: u64 = 10;
/// No frame quieter than this (dBFS) is speech: a microphone with working gain puts a voice
/// at −40 to −10 dBFS, so this is well below whispering and above digital silence and dither.
const ABSOLUTE_FLOOR_DB: f32 = -55.0;
/// How far above the noise floor a frame must be to count as activity.
const ACTIVE_MARGIN_DB: f32 = 6.0;
/// The same for a frame that holds its pitch from the frame before: a vowel in noise.
const VOICED_MARGIN_DB: f32 = 3.0;
/// The noise floor is the minimum smoothed energy over this many frames (1.5 s): long enough
/// to reach back into the pauses of continuous speech, short enough to follow a noise that
/// starts or grows.
const FLOOR_WINDOW_FRAMES: usize = 150;
/// Frames averaged before the minimum is taken, so that one dropout does not drag the floor.
const FLOOR_SMOOTHING_FRAMES: usize = 5;
/// The floor assumed before anything is heard: just low enough that any frame above the
/// absolute floor is activity. A stream may start with speech (a recording cut tight, a user
/// who speaks as the microphone opens), so the first frames cannot be taken as the noise.
const INITIAL_FLOOR_DB: f32 = ABSOLUTE_FLOOR_DB - ACTIVE_MARGIN_DB;
/// A sound whose smoothed energy stays within [`STEADY_RANGE_DB`] for this many frames (400
/// ms) is background, not speech (syllables modulate speech energy by 10 dB or more several
/// times a second): the floor is raised to it at once instead of after the floor window.
const STEADY_FRAMES: usize = 40;
const STEADY_RANGE_DB: f32 = 3.0;
/// Energy swing (dB) a run needs, not counting its first frame (which may hold only part of
/// an onset), to be speech. A hum switching on is periodic like a vowel but does not swing.
const MIN_MODULATION_DB: f32 = 6.0;
/// Normalized autocorrelation peak a frame needs to count as periodic. Noise passes it now
/// and then, at a random lag; vowels reach 0.9 and more.
const VOICING_THRESHOLD: f32 = 0.55;
/// How far (percent of the period) the pitch may move from one frame to the next and still
/// count as the same voice: natural jitter and glides stay within it.
const PITCH_TOLERANCE_PERCENT: usize = 15;
/// Voiced frames a run of activity needs to be speech (each already held its pitch from the
/// frame before, so this is 30 ms of vowel).
const MIN_VOICED_FRAMES: u32 = 2;
/// Voicing one frame of a run must reach. Every one of the 300 spoken digits reaches it, in
/// 10 dB white noise too; white and low-frequency noise do in under 0.5 % of frames.
const STRONG_VOICING: f32 = 0.8;
/// A run of activity that has not qualified as speech after this many frames (300 ms) is
/// background that rose: the floor is raised to it. Spoken words reach a vowel sooner.
const CANDIDATE_PATIENCE_FRAMES: u64 = 30;
/// Energy is measured above this (Hz): rumble, hum and handling noise live below it, speech
/// barely (a male voice's fundamental is partly there, its harmonics are not).
const HIGHPASS_HZ: f32 = 100.0;
/// Voicing is measured below this (Hz), where vowels are strong and broadband noise weak,
/// at half the rate.
const LOWPASS_HZ: f32 = 500.0;
const VOICING_DECIMATION: usize = 2;
/// Pitch lags in 8 kHz samples: 400 Hz down to 70 Hz.
const PITCH_LAG_MIN: usize = 20;
const PITCH_LAG_MAX: usize = 114;
/// 10 ms at 8 kHz: short enough that the jitter of a creaky voice does not blur the period.
const VOICING_WINDOW: usize = 80;
const VOICING_HISTORY: usize = VOICING_WINDOW + PITCH_LAG_MAX + 1;

/// Margin kept around the speech by [`speech_span`] callers that have no better idea: enough
/// for a soft onset or a trailing consonant the detector reported late or early.
pub const DEFAULT_TRIM_MARGIN: Duration = Duration::from_millis(200);

/// How the [`Endpointer`] decides that speech started and ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointerConfig {
    /// Non-speech after the last active frame that ends the utterance. Speakers pause 200–500
    /// ms between the words of a command; much longer means they are done.
    pub hangover: Duration,
    /// Activity needed before speech is reported (shorter runs are clicks and bumps).
    pub min_speech: Duration,
    /// Speech running this long is ended there, so a stuck detector cannot hold the
    /// microphone open.
    pub max_speech: Duration,
}

impl EndpointerConfig {
    /// The shortest and longest pause an app may set as the end of speech: under the first,
    /// the pauses between words would end a command; past the second, the microphone stays
    /// open long after she is done.
    pub const PAUSES: std::ops::RangeInclusive<Duration> =
        Duration::from_millis(300)..=Duration::from_secs(5);

    /// The default, with speech ended by `pause` of non-speech (held within
    /// [`Self::PAUSES`]): a customer who pauses longer between words is not cut off.
    pub fn with_pause(pause: Duration) -> Self {
        Self {
            hangover: pause.clamp(*Self::PAUSES.start(), *Self::PAUSES.end()),
            ..Self::default()
        }
    }
}

impl Default for EndpointerConfig {
    fn default() -> Self {
        Self {
            hangover: Duration::from_millis(700),
            min_speech: Duration::from_millis(50),
            max_speech: Duration::from_secs(u64::from(super::audio::MAX_UTTERANCE_SECONDS)),
        }
    }
}

/// What the [`Endpointer`] noticed. Positions count 16 kHz samples from the first pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    /// Speech began at this sample (reported once it qualified, so a little later).
    SpeechStarted { at_sample: u64 },
    /// Speech ended at this sample (exclusive), followed by `trailing_silence` of non-speech
    /// (the hangover, or less when the stream or the maximum length ended it).
    SpeechEnded {
        at_sample: u64,
        trailing_silence: Duration,
    },
}

/// Streaming voice-activity and end-of-speech detection over 16 kHz mono audio in chunks of
/// any size. One per utterance; see the [module documentation](self) for the method.
#[derive(Debug)]
pub struct Endpointer {
    hangover_frames: u64,
    min_speech_frames: u32,
    max_speech_frames: u64,
    analyzer: FrameAnalyzer,
    partial: Vec<f32>,
    frames: u64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    Candidate(Run),
    Speech(Run),
}

#[derive(Debug, Clone, Copy)]
struct Run {
    first_frame: u64,
    last_active_frame: u64,
    active_frames: u32,
    voiced_frames: u32,
    strongest_voicing: f32,
    /// Energy range of the frames after the first (which may hold only the onset).
    quietest_db: f32,
    loudest_db: f32,
    /// The lowest smoothed energy since the run began: what lies under it.
    background_db: f32,
}

impl Endpointer {
    pub fn new(config: &EndpointerConfig) -> Self {
        let frames_of =
            |duration: Duration| duration.as_millis().div_ceil(u128::from(FRAME_MILLIS));
        Self {
            hangover_frames: u64::try_from(frames_of(config.hangover))
                .unwrap_or(u64::MAX)
                .max(1),
            min_speech_frames: u32::try_from(frames_of(config.min_speech))
                .unwrap_or(u32::MAX)
                .max(1),
            max_speech_frames: u64::try_from(frames_of(config.max_speech))
                .unwrap_or(u64::MAX)
                .max(1),
            analyzer: FrameAnalyzer::new(),
            partial: Vec::with_capacity(FRAME),
            frames: 0,
            state: State::Idle,
        }
    }

    /// Takes the next chunk of 16 kHz samples; returns what happened in it. Non-finite
    /// samples count as silence (the detector must not stop on them; [`super::Audio`] never
    /// holds any).
    pub fn push(&mut self, samples: &[f32]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        for &sample in samples {
            self.partial
                .push(if sample.is_finite() { sample } else { 0.0 });
            if self.partial.len() == FRAME {
                let frame = std::mem::take(&mut self.partial);
                self.step(&frame, &mut events);
                self.partial = frame;
                self.partial.clear();
            }
        }
        events
    }

    /// Ends the stream: speech still going on ends at its last active frame. A last partial
    /// frame (under 10 ms) is not analysed.
    pub fn finish(self) -> Option<VadEvent> {
        match self.state {
            State::Speech(run) => Some(self.end_event(run)),
            State::Idle | State::Candidate(_) => None,
        }
    }

    /// Whether speech is going on (started and not yet ended).
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech(_))
    }

    /// 16 kHz samples taken so far.
    pub fn samples_seen(&self) -> u64 {
        self.frames * FRAME as u64 + self.partial.len() as u64
    }

    fn step(&mut self, frame: &[f32], events: &mut Vec<VadEvent>) {
        let index = self.frames;
        self.frames += 1;
        let features = self.analyzer.analyze(frame);
        self.state = match self.state {
            State::Idle if features.active => self.qualify(Run::starting(index, features), events),
            State::Idle => State::Idle,
            State::Candidate(run) => {
                let run = run.observed(features);
                let run = if features.active {
                    run.extended(index, features)
                } else {
                    run
                };
                match self.qualify(run, events) {
                    State::Candidate(run)
                        if run.strongest_voicing < STRONG_VOICING
                            && index - run.first_frame >= CANDIDATE_PATIENCE_FRAMES =>
                    {
                        self.analyzer.raise_floor(run.background_db);
                        State::Idle
                    }
                    State::Candidate(run)
                        if index - run.last_active_frame >= self.hangover_frames =>
                    {
                        State::Idle
                    }
                    state => state,
                }
            }
            State::Speech(run) => {
                let run = if features.active {
                    run.extended(index, features)
                } else {
                    run
                };
                if index + 1 - run.first_frame >= self.max_speech_frames {
                    let run = Run {
                        last_active_frame: index,
                        ..run
                    };
                    events.push(self.end_event(run));
                    State::Idle
                } else if index - run.last_active_frame >= self.hangover_frames {
                    events.push(self.end_event(run));
                    State::Idle
                } else {
                    State::Speech(run)
                }
            }
        };
    }

    fn qualify(&self, run: Run, events: &mut Vec<VadEvent>) -> State {
        if run.active_frames >= self.min_speech_frames
            && run.voiced_frames >= MIN_VOICED_FRAMES
            && run.strongest_voicing >= STRONG_VOICING
            && run.loudest_db - run.quietest_db >= MIN_MODULATION_DB
        {
            events.push(VadEvent::SpeechStarted {
                at_sample: run.first_frame * FRAME as u64,
            });
            State::Speech(run)
        } else {
            State::Candidate(run)
        }
    }

    fn end_event(&self, run: Run) -> VadEvent {
        let silent_frames = self.frames.saturating_sub(run.last_active_frame + 1);
        VadEvent::SpeechEnded {
            at_sample: (run.last_active_frame + 1) * FRAME as u64,
            trailing_silence: Duration::from_millis(silent_frames * FRAME_MILLIS),
        }
    }
}

impl Run {
    fn starting(index: u64, features: Features) -> Self {
        Self {
            first_frame: index,
            last_active_frame: index,
            active_frames: 1,
            voiced_frames: u32::from(features.voiced),
            strongest_voicing: features.voicing,
            quietest_db: f32::INFINITY,
            loudest_db: f32::NEG_INFINITY,
            background_db: features.smoothed_db,
        }
    }

    /// Notes the level of a frame of the run, active or not: the background under it, and
    /// how much the energy swings.
    fn observed(self, features: Features) -> Self {
        Self {
            background_db: self.background_db.min(features.smoothed_db),
            quietest_db: self.quietest_db.min(features.energy_db),
            loudest_db: self.loudest_db.max(features.energy_db),
            ..self
        }
    }

    fn extended(self, index: u64, features: Features) -> Self {
        Self {
            last_active_frame: index,
            active_frames: self.active_frames.saturating_add(1),
            voiced_frames: self
                .voiced_frames
                .saturating_add(u32::from(features.voiced)),
            strongest_voicing: self.strongest_voicing.max(features.voicing),
            ..self
        }
    }
}

/// Where speech is in `samples` (16 kHz mono), with the default configuration.
pub fn speech_segments(samples: &[f32]) -> Vec<Range<usize>> {
    speech_segments_with(samples, &EndpointerConfig::default())
}

/// Where speech is in `samples` (16 kHz mono): the spans the [`Endpointer`] reports.
pub fn speech_segments_with(samples: &[f32], config: &EndpointerConfig) -> Vec<Range<usize>> {
    let mut endpointer = Endpointer::new(config);
    let mut events = endpointer.push(samples);
    events.extend(endpointer.finish());
    let to_index = |at: u64| usize::try_from(at).unwrap_or(usize::MAX).min(samples.len());
    let mut segments = Vec::new();
    let mut start = None;
    for event in events {
        match event {
            VadEvent::SpeechStarted { at_sample } => start = Some(to_index(at_sample)),
            VadEvent::SpeechEnded { at_sample, .. } => {
                if let Some(begin) = start.take() {
                    segments.push(begin..to_index(at_sample));
                }
            }
        }
    }
    segments
}

/// Whether anyone spoke in `samples` (16 kHz mono). When not, the recognizer must not run:
/// it would invent words.
pub fn contains_speech(samples: &[f32]) -> bool {
    !speech_segments(samples).is_empty()
}

/// The span from the first speech to the last, widened by `margin` on both sides (within the
/// audio), so a short command can be recognized with a short audio context. `None` when no
/// one spoke.
pub fn speech_span(samples: &[f32], margin: Duration) -> Option<Range<usize>> {
    let segments = speech_segments(samples);
    let first = segments.first()?;
    let last = segments.last()?;
    let margin_samples =
        usize::try_from(margin.as_millis() * u128::from(TARGET_SAMPLE_RATE) / 1_000)
            .unwrap_or(usize::MAX);
    Some(
        first.start.saturating_sub(margin_samples)
            ..last.end.saturating_add(margin_samples).min(samples.len()),
    )
}

#[derive(Debug, Clone, Copy)]
struct Features {
    active: bool,
    voiced: bool,
    /// How periodic the frame and the one before are at the same pitch (0 when not).
    voicing: f32,
    energy_db: f32,
    smoothed_db: f32,
}

/// Per-frame cues: energy against the noise floor, and voicing.
#[derive(Debug)]
struct FrameAnalyzer {
    highpass: Biquad,
    /// Two sections: a fourth-order low-pass, so halving the rate folds nothing back.
    lowpass: [Biquad; 2],
    /// Band-passed samples at 8 kHz, oldest first, for the voicing measure.
    history: Vec<f32>,
    /// The pitch lag of the previous frame, when it was periodic.
    previous_pitch: Option<(usize, f32)>,
    /// Linear power of the last frames, for smoothing.
    recent_power: Ring,
    /// Smoothed energy (dB) of the last frames, for the floor.
    smoothed_db: Ring,
    /// Smoothed energy (dB) of the last frames, to notice a steady sound.
    recent_db: Ring,
}

impl FrameAnalyzer {
    fn new() -> Self {
        let rate = TARGET_SAMPLE_RATE as f32;
        Self {
            highpass: Biquad::highpass(HIGHPASS_HZ, rate),
            lowpass: [
                Biquad::lowpass(LOWPASS_HZ, rate),
                Biquad::lowpass(LOWPASS_HZ, rate),
            ],
            history: vec![0.0; VOICING_HISTORY],
            previous_pitch: None,
            recent_power: Ring::new(FLOOR_SMOOTHING_FRAMES),
            smoothed_db: Ring::filled(FLOOR_WINDOW_FRAMES, INITIAL_FLOOR_DB),
            recent_db: Ring::new(STEADY_FRAMES),
        }
    }

    fn analyze(&mut self, frame: &[f32]) -> Features {
        let fresh = frame.len() / VOICING_DECIMATION;
        self.history.copy_within(fresh.., 0);
        let fresh_from = self.history.len() - fresh;
        let mut power = 0.0_f64;
        for (index, &sample) in frame.iter().enumerate() {
            let speech_band = self.highpass.filter(sample);
            power += f64::from(speech_band) * f64::from(speech_band);
            let half_low = self.lowpass[0].filter(speech_band);
            let low = self.lowpass[1].filter(half_low);
            if index % VOICING_DECIMATION == VOICING_DECIMATION - 1 {
                self.history[fresh_from + index / VOICING_DECIMATION] = low;
            }
        }
        let power = power / frame.len() as f64;
        let energy_db = to_db(power);
        self.recent_power.push(power as f32);
        let smoothed_db = to_db(f64::from(self.recent_power.mean()));
        self.smoothed_db.push(smoothed_db);
        self.recent_db.push(smoothed_db);
        if self.recent_db.is_full()
            && self.recent_db.max() - self.recent_db.min() <= STEADY_RANGE_DB
        {
            self.smoothed_db.fill(self.recent_db.min());
        }
        let floor_db = self.smoothed_db.min();
        let loud_enough = energy_db >= ABSOLUTE_FLOOR_DB;
        let pitch = if loud_enough {
            pitch_lag(&self.history)
        } else {
            None
        };
        // A vowel holds its pitch from one frame to the next; the peaks noise happens to
        // produce land at random lags.
        let voicing = match (pitch, self.previous_pitch) {
            (Some((lag, strength)), Some((previous, previous_strength)))
                if lag.abs_diff(previous) * 100 <= lag.max(previous) * PITCH_TOLERANCE_PERCENT =>
            {
                strength.min(previous_strength)
            }
            _ => 0.0,
        };
        self.previous_pitch = pitch;
        let margin = if voicing > 0.0 {
            VOICED_MARGIN_DB
        } else {
            ACTIVE_MARGIN_DB
        };
        let active = loud_enough && energy_db >= floor_db + margin;
        Features {
            active,
            voiced: active && voicing > 0.0,
            voicing: if active { voicing } else { 0.0 },
            energy_db,
            smoothed_db,
        }
    }
}

impl FrameAnalyzer {
    /// Takes `level` (dB) as the noise floor from now on.
    fn raise_floor(&mut self, level: f32) {
        if level > self.smoothed_db.min() {
            self.smoothed_db.fill(level);
        }
    }
}

fn to_db(power: f64) -> f32 {
    (10.0 * (power + 1e-12).log10()) as f32
}

/// The pitch period (in 8 kHz samples) when the signal is periodic: the lag of the highest
/// peak of the normalized autocorrelation, if it reaches [`VOICING_THRESHOLD`].
fn pitch_lag(history: &[f32]) -> Option<(usize, f32)> {
    let mut prefix = [0.0_f64; VOICING_HISTORY + 1];
    for (index, sample) in history.iter().enumerate() {
        prefix[index + 1] = prefix[index] + f64::from(*sample) * f64::from(*sample);
    }
    let reference = &history[..VOICING_WINDOW];
    let reference_energy = prefix[VOICING_WINDOW];
    if reference_energy < 1e-12 {
        return None;
    }
    let correlation = |lag: usize| {
        let shifted = &history[lag..lag + VOICING_WINDOW];
        let cross: f32 = reference.iter().zip(shifted).map(|(a, b)| a * b).sum();
        let shifted_energy = prefix[lag + VOICING_WINDOW] - prefix[lag];
        let denominator = (reference_energy * shifted_energy).sqrt();
        if denominator > 1e-15 {
            f64::from(cross) / denominator
        } else {
            0.0
        }
    };
    // Only a peak counts: low-frequency noise correlates strongly at short lags too, but its
    // correlation only falls as the lag grows, with no peak at a pitch period.
    let mut best: Option<(usize, f64)> = None;
    let mut before = correlation(PITCH_LAG_MIN - 1);
    let mut current = correlation(PITCH_LAG_MIN);
    for lag in PITCH_LAG_MIN..=PITCH_LAG_MAX {
        let after = correlation(lag + 1);
        if current > before && current >= after && best.is_none_or(|(_, value)| current > value) {
            best = Some((lag, current));
        }
        (before, current) = (current, after);
    }
    best.filter(|(_, value)| *value >= f64::from(VOICING_THRESHOLD))
        .map(|(lag, value)| (lag, value as f32))
}

/// A second-order Butterworth section (direct form I).
#[derive(Debug)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    inputs: [f32; 2],
    outputs: [f32; 2],
}

impl Biquad {
    fn lowpass(cutoff: f32, sample_rate: f32) -> Self {
        let (cos, alpha) = Self::prewarp(cutoff, sample_rate);
        let a0 = 1.0 + alpha;
        let b = (1.0 - cos) / 2.0 / a0;
        Self::with([b, 2.0 * b, b], [-2.0 * cos / a0, (1.0 - alpha) / a0])
    }

    fn highpass(cutoff: f32, sample_rate: f32) -> Self {
        let (cos, alpha) = Self::prewarp(cutoff, sample_rate);
        let a0 = 1.0 + alpha;
        let b = (1.0 + cos) / 2.0 / a0;
        Self::with([b, -2.0 * b, b], [-2.0 * cos / a0, (1.0 - alpha) / a0])
    }

    /// cos(ω) and sin(ω) / (2Q) with Q = 1/√2 (the audio-EQ cookbook's terms).
    fn prewarp(cutoff: f32, sample_rate: f32) -> (f32, f32) {
        let omega = 2.0 * std::f32::consts::PI * cutoff / sample_rate;
        (omega.cos(), omega.sin() / std::f32::consts::SQRT_2)
    }

    fn with(b: [f32; 3], a: [f32; 2]) -> Self {
        Self {
            b,
            a,
            inputs: [0.0; 2],
            outputs: [0.0; 2],
        }
    }

    fn filter(&mut self, input: f32) -> f32 {
        let output = self.b[0] * input + self.b[1] * self.inputs[0] + self.b[2] * self.inputs[1]
            - self.a[0] * self.outputs[0]
            - self.a[1] * self.outputs[1];
        self.inputs = [input, self.inputs[0]];
        self.outputs = [output, self.outputs[0]];
        output
    }
}

/// The last `capacity` values pushed.
#[derive(Debug)]
struct Ring {
    values: Vec<f32>,
    capacity: usize,
    next: usize,
}

impl Ring {
    fn new(capacity: usize) -> Self {
        Self {
            values: Vec::with_capacity(capacity),
            capacity,
            next: 0,
        }
    }

    fn filled(capacity: usize, value: f32) -> Self {
        Self {
            values: vec![value; capacity],
            capacity,
            next: 0,
        }
    }

    fn fill(&mut self, value: f32) {
        self.values.clear();
        self.values.resize(self.capacity, value);
        self.next = 0;
    }

    fn is_full(&self) -> bool {
        self.values.len() == self.capacity
    }

    fn max(&self) -> f32 {
        self.values
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max)
    }

    fn push(&mut self, value: f32) {
        if self.values.len() < self.capacity {
            self.values.push(value);
        } else {
            self.values[self.next] = value;
        }
        self.next = (self.next + 1) % self.capacity;
    }

    fn mean(&self) -> f32 {
        self.values.iter().sum::<f32>() / self.values.len().max(1) as f32
    }

    fn min(&self) -> f32 {
        self.values.iter().copied().fold(f32::INFINITY, f32::min)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;
    use crate::audio::decode_wav_file;
    use crate::test_support::*;

    const SECOND: usize = 16_000;

    /// The clips of one `shared/data/speech` folder, decoded to 16 kHz.
    fn clips(folder: &str) -> Vec<(String, Vec<f32>)> {
        let Some(dir) = speech_dir() else {
            return Vec::new();
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "wav"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let audio = decode_wav_file(&path).unwrap();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, audio.into_samples())
            })
            .collect()
    }

    /// `clip` with a second of silence before and after.
    fn padded(clip: &[f32]) -> Vec<f32> {
        let mut samples = vec![0.0; SECOND];
        samples.extend_from_slice(clip);
        samples.extend(std::iter::repeat_n(0.0, SECOND));
        samples
    }

    /// White noise over all of `samples`, 10 dB below the power of `speech`.
    fn with_noise_under(samples: &[f32], speech: &[f32], noise: &mut Noise) -> Vec<f32> {
        let level = rms(speech) / 10.0_f32.powf(0.5);
        samples
            .iter()
            .zip(noise.white(samples.len(), level))
            .map(|(s, n)| s + n)
            .collect()
    }

    /// Every span in `segments` lies within `within` (sample positions).
    fn all_within(segments: &[Range<usize>], within: Range<usize>) -> bool {
        segments
            .iter()
            .all(|s| s.start >= within.start && s.end <= within.end)
    }

    #[test]
    fn every_spoken_digit_is_found_clean_and_in_noise() {
        let clips = clips("digits-en");
        if clips.is_empty() {
            return;
        }
        assert_eq!(clips.len(), 300, "the FSDD test split");
        let mut noise = Noise::new(7);
        let mut failures = Vec::new();
        for (name, clip) in &clips {
            // As recorded (8 kHz, cut close around the word).
            if !contains_speech(clip) {
                failures.push(format!("{name}: clean"));
            }
            // Noise at 10 dB SNR from the first sample, as if the word began as the
            // microphone opened.
            if !contains_speech(&with_noise_under(clip, clip, &mut noise)) {
                failures.push(format!("{name}: in noise"));
            }
            // After and before a second of silence, then of noise: found where it is, only.
            let around = SECOND - 800..SECOND + clip.len() + 800;
            for (condition, samples) in [
                ("padded", padded(clip)),
                (
                    "padded in noise",
                    with_noise_under(&padded(clip), clip, &mut noise),
                ),
            ] {
                let segments = speech_segments(&samples);
                if segments.is_empty() || !all_within(&segments, around.clone()) {
                    failures.push(format!("{name}: {condition}: {segments:?}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} misses: {failures:#?}",
            failures.len()
        );
    }

    #[test]
    fn english_and_mandarin_recordings_are_found() {
        let mut noise = Noise::new(11);
        for (name, clip) in clips("en").into_iter().chain(clips("zh")) {
            for (condition, samples) in [
                ("clean", padded(&clip)),
                (
                    "in noise",
                    with_noise_under(&padded(&clip), &clip, &mut noise),
                ),
            ] {
                let segments = speech_segments(&samples);
                let covered: usize = segments.iter().map(|s| s.len()).sum();
                assert!(
                    covered * 2 >= clip.len(),
                    "{name} {condition}: {segments:?} of {} samples",
                    clip.len()
                );
                assert!(
                    all_within(&segments, SECOND - 800..SECOND + clip.len() + 800),
                    "{name} {condition}: {segments:?}"
                );
            }
        }
    }

    #[test]
    fn silence_and_steady_noise_are_not_speech() {
        let mut noise = Noise::new(3);
        let five_seconds = 5 * SECOND;
        let cases: Vec<(&str, Vec<f32>)> = vec![
            ("digital silence", vec![0.0; five_seconds]),
            ("DC offset", vec![0.2; five_seconds]),
            (
                "faint white noise (-50 dBFS)",
                noise.white(five_seconds, 0.003),
            ),
            ("white noise (-30 dBFS)", noise.white(five_seconds, 0.03)),
            (
                "loud white noise (-10 dBFS)",
                noise.white(five_seconds, 0.3),
            ),
            ("loud rumble", noise.rumble(five_seconds, 0.3)),
            ("loud 50 Hz hum", hum(five_seconds, 50.0, 0.3)),
            ("loud 60 Hz hum", hum(five_seconds, 60.0, 0.3)),
            ("loud 100 Hz hum", hum(five_seconds, 100.0, 0.3)),
            (
                "hum and white noise",
                hum(five_seconds, 50.0, 0.2)
                    .iter()
                    .zip(noise.white(five_seconds, 0.1))
                    .map(|(a, b)| a + b)
                    .collect(),
            ),
        ];
        for (name, samples) in cases {
            assert_eq!(speech_segments(&samples), vec![], "{name}");
            // The same noise switching on after a second of silence, pushed in small chunks.
            let mut switched_on = vec![0.0; SECOND];
            switched_on.extend_from_slice(&samples);
            let mut endpointer = Endpointer::new(&EndpointerConfig::default());
            let mut events = Vec::new();
            for chunk in switched_on.chunks(256) {
                events.extend(endpointer.push(chunk));
            }
            events.extend(endpointer.finish());
            assert_eq!(events, vec![], "{name}, switched on");
        }
        // A click is not speech either.
        let mut click = vec![0.0; SECOND];
        click[8_000] = 1.0;
        click[8_001] = -1.0;
        assert!(!contains_speech(&click));
    }

    #[test]
    fn an_apps_pause_is_held_within_its_bounds() {
        for (asked, kept) in [(0, 300), (1_500, 1_500), (60_000, 5_000)] {
            let config = EndpointerConfig::with_pause(Duration::from_millis(asked));
            assert_eq!(config.hangover, Duration::from_millis(kept));
            assert_eq!(config.max_speech, EndpointerConfig::default().max_speech);
        }
    }

    #[test]
    fn end_of_speech_is_reported_after_the_hangover() {
        let Some(clip) = clips("en")
            .into_iter()
            .find(|(name, _)| name.contains("2830"))
            .map(|(_, clip)| clip)
        else {
            return;
        };
        // "experience proves this", then three seconds of silence.
        let mut samples = clip.clone();
        samples.extend(std::iter::repeat_n(0.0, 3 * SECOND));
        for hangover_ms in [300_u64, 700] {
            let config = EndpointerConfig {
                hangover: Duration::from_millis(hangover_ms),
                ..EndpointerConfig::default()
            };
            let expected = speech_segments_with(&samples, &config);
            assert_eq!(expected.len(), 1, "{expected:?}");
            let speech = expected[0].clone();
            // The words end in the last third of the clip, which has a little silence after.
            assert!(
                speech.end <= clip.len() && speech.end >= clip.len() * 2 / 3,
                "{speech:?}"
            );
            for chunk in [1, 37, 160, 512, 4_000] {
                let mut endpointer = Endpointer::new(&config);
                let mut seen = 0;
                let mut started = None;
                let mut ended = None;
                for part in samples.chunks(chunk) {
                    seen += part.len();
                    for event in endpointer.push(part) {
                        match event {
                            VadEvent::SpeechStarted { at_sample } => {
                                started = Some((at_sample, seen))
                            }
                            VadEvent::SpeechEnded {
                                at_sample,
                                trailing_silence,
                            } => {
                                ended = Some((at_sample, trailing_silence, seen));
                            }
                        }
                    }
                }
                let (start, _) = started.unwrap();
                let (end, silence, noticed_at) = ended.unwrap();
                assert_eq!(
                    (start as usize, end as usize),
                    (speech.start, speech.end),
                    "chunk {chunk}"
                );
                assert_eq!(silence, Duration::from_millis(hangover_ms));
                // Noticed as soon as the hangover has passed: within one frame and one chunk.
                let due = end as usize + hangover_ms as usize * 16;
                assert!(
                    noticed_at >= due && noticed_at < due + FRAME + chunk,
                    "chunk {chunk}: noticed at {noticed_at}, due {due}"
                );
                assert!(!endpointer.in_speech());
                assert_eq!(endpointer.finish(), None);
            }
        }
    }

    #[test]
    fn speech_still_going_on_ends_with_the_stream_or_at_the_maximum() {
        let Some(jfk) = clips("en")
            .into_iter()
            .find(|(name, _)| name == "jfk.wav")
            .map(|(_, clip)| clip)
        else {
            return;
        };
        let mut endpointer = Endpointer::new(&EndpointerConfig::default());
        // "And so my fellow Americans" runs past two seconds.
        let events = endpointer.push(&jfk[..2 * SECOND]);
        assert!(
            matches!(events[..], [VadEvent::SpeechStarted { .. }]),
            "{events:?}"
        );
        assert!(endpointer.in_speech());
        match endpointer.finish() {
            Some(VadEvent::SpeechEnded {
                at_sample,
                trailing_silence,
            }) => {
                assert!(
                    at_sample <= 2 * SECOND as u64 && trailing_silence < Duration::from_millis(700)
                );
            }
            other => panic!("{other:?}"),
        }
        let config = EndpointerConfig {
            max_speech: Duration::from_secs(1),
            ..EndpointerConfig::default()
        };
        for segment in speech_segments_with(&jfk, &config) {
            assert!(segment.len() <= SECOND, "{segment:?}");
        }
    }

    #[test]
    fn the_speech_span_keeps_a_margin_within_the_audio() {
        let Some((_, clip)) = clips("digits-en").into_iter().next() else {
            return;
        };
        let samples = padded(&clip);
        let segments = speech_segments(&samples);
        let span = speech_span(&samples, DEFAULT_TRIM_MARGIN).unwrap();
        assert_eq!(
            span,
            segments[0].start - 3_200..segments.last().unwrap().end + 3_200
        );
        // At the edges the margin stops at the audio's ends.
        let span = speech_span(&clip, Duration::from_secs(5)).unwrap();
        assert_eq!(span, 0..clip.len());
        assert_eq!(speech_span(&vec![0.0; SECOND], DEFAULT_TRIM_MARGIN), None);
    }

    #[test]
    fn a_tone_that_switches_on_is_not_speech_once_it_has_settled() {
        // A 100 Hz hum is as periodic as a vowel; it is told apart by not swinging in level.
        let mut samples = vec![0.0; SECOND / 2 + 37];
        samples.extend(hum(3 * SECOND, 100.0, 0.2));
        assert_eq!(speech_segments(&samples), vec![]);
    }

    // The properties below run through `check`, which prints how many cases reached each
    // assertion and fails when the speech path was reached too rarely. Random samples are
    // never speech, so most cases are synthesized voices: harmonic tones at a speaker's pitch
    // with a syllable envelope, words, and pauses short and long.

    /// One syllable: a vowel-like harmonic tone under a sin² envelope.
    #[derive(Debug, Clone)]
    struct Syllable {
        millis: u32,
        pitch_hz: f32,
        /// How far the pitch moves over the syllable, as a fraction of it.
        glide: f32,
        peak: f32,
    }

    #[derive(Debug, Clone)]
    struct Word {
        syllables: Vec<Syllable>,
        /// Silence after the word: shorter than the hangover within an utterance, longer
        /// between utterances; after the last word, what is left of the stream.
        pause_millis: u32,
    }

    /// A synthesized stream of speech, and how to push it.
    #[derive(Debug, Clone)]
    struct Voiced {
        hangover_millis: u32,
        lead_millis: u32,
        words: Vec<Word>,
        /// White noise under everything, at most −66 dBFS: under the absolute floor.
        noise_rms: f32,
        noise_seed: u64,
        /// Samples made NaN or infinite, which the endpointer must take as silence.
        poison: Vec<(proptest::sample::Index, f32)>,
        chunk: usize,
    }

    /// Either a synthesized voice or arbitrary samples, NaN and infinities included.
    #[derive(Debug, Clone)]
    enum Signal {
        Voiced(Voiced),
        Arbitrary { samples: Vec<f32>, chunk: usize },
    }

    fn syllable() -> impl Strategy<Value = Syllable> {
        (
            120_u32..=250,
            100.0_f32..250.0,
            -0.1_f32..0.1,
            0.03_f32..0.6,
        )
            .prop_map(|(millis, pitch_hz, glide, peak)| Syllable {
                millis,
                pitch_hz,
                glide,
                peak,
            })
    }

    fn voiced() -> impl Strategy<Value = Voiced> {
        proptest::sample::select(vec![300_u32, 500, 700]).prop_flat_map(|hangover| {
            let pause = prop_oneof![
                // Between words of one utterance: under the hangover, with room for the
                // envelope's quiet ends.
                40..=hangover - 150,
                // Between utterances: past the hangover.
                hangover + 100..=hangover + 500,
            ];
            let word = (proptest::collection::vec(syllable(), 1..=3), pause).prop_map(
                |(syllables, pause_millis)| Word {
                    syllables,
                    pause_millis,
                },
            );
            (
                Just(hangover),
                0_u32..=500,
                proptest::collection::vec(word, 1..=4),
                0..=hangover + 500,
                prop_oneof![Just(0.0_f32), 0.0_f32..0.0005],
                any::<u64>(),
                prop_oneof![
                    2 => Just(Vec::new()),
                    1 => proptest::collection::vec(
                        (
                            any::<proptest::sample::Index>(),
                            proptest::sample::select(vec![
                                f32::NAN,
                                f32::INFINITY,
                                f32::NEG_INFINITY,
                            ]),
                        ),
                        1..=3,
                    ),
                ],
                1_usize..2_000,
            )
                .prop_map(
                    |(
                        hangover_millis,
                        lead_millis,
                        mut words,
                        trailing,
                        noise_rms,
                        noise_seed,
                        poison,
                        chunk,
                    )| {
                        if let Some(last) = words.last_mut() {
                            last.pause_millis = trailing;
                        }
                        Voiced {
                            hangover_millis,
                            lead_millis,
                            words,
                            noise_rms,
                            noise_seed,
                            poison,
                            chunk,
                        }
                    },
                )
        })
    }

    fn signals() -> impl Strategy<Value = Signal> {
        prop_oneof![
            4 => voiced().prop_map(Signal::Voiced),
            1 => (
                proptest::collection::vec(prop_oneof![any::<f32>(), -1.0_f32..1.0], 0..6_000),
                1_usize..600,
            )
                .prop_map(|(samples, chunk)| Signal::Arbitrary { samples, chunk }),
        ]
    }

    impl Voiced {
        /// The samples, and the span of each utterance (words joined by short pauses), from
        /// the first syllable's onset to the last one's end.
        fn synthesize(&self) -> (Vec<f32>, Vec<Range<usize>>) {
            let rate = TARGET_SAMPLE_RATE as f32;
            let mut samples = vec![0.0_f32; self.lead_millis as usize * 16];
            let mut utterances: Vec<Range<usize>> = Vec::new();
            let mut open: Option<usize> = None;
            for word in &self.words {
                let onset = samples.len();
                for syllable in &word.syllables {
                    let count = syllable.millis as usize * 16;
                    let mut phase = 0.0_f32;
                    for n in 0..count {
                        let progress = n as f32 / count as f32;
                        let pitch = syllable.pitch_hz * (1.0 + syllable.glide * progress);
                        phase = (phase + 2.0 * std::f32::consts::PI * pitch / rate)
                            % (2.0 * std::f32::consts::PI);
                        let envelope = (std::f32::consts::PI * progress).sin().powi(2);
                        let tone: f32 = (1..=5).map(|k| (k as f32 * phase).sin() / k as f32).sum();
                        samples.push(syllable.peak * envelope * tone / 2.3);
                    }
                }
                let start = *open.get_or_insert(onset);
                let end = samples.len();
                samples.extend(std::iter::repeat_n(0.0, word.pause_millis as usize * 16));
                if word.pause_millis > self.hangover_millis {
                    utterances.push(start..end);
                    open = None;
                }
            }
            if let Some(start) = open {
                let end = samples.len()
                    - self
                        .words
                        .last()
                        .map_or(0, |w| w.pause_millis as usize * 16);
                utterances.push(start..end);
            }
            if self.noise_rms > 0.0 {
                let noise = Noise::new(self.noise_seed).white(samples.len(), self.noise_rms);
                for (sample, n) in samples.iter_mut().zip(noise) {
                    *sample += n;
                }
            }
            (samples, utterances)
        }
    }

    /// Each event with the number of samples pushed when it was reported (the stream's end
    /// for the one `finish` returns).
    fn events_in_chunks(
        samples: &[f32],
        chunk: usize,
        config: &EndpointerConfig,
    ) -> (Vec<(VadEvent, usize)>, u64) {
        let mut endpointer = Endpointer::new(config);
        let mut events = Vec::new();
        let mut pushed = 0;
        for part in samples.chunks(chunk) {
            pushed += part.len();
            events.extend(endpointer.push(part).into_iter().map(|e| (e, pushed)));
        }
        let seen = endpointer.samples_seen();
        events.extend(endpointer.finish().map(|e| (e, usize::MAX)));
        (events, seen)
    }

    /// Started and ended alternate, in order, within the audio, ending ended.
    fn well_formed(events: &[VadEvent], len: usize) -> Result<(), TestCaseError> {
        let mut last = 0;
        for (index, event) in events.iter().enumerate() {
            let at = match (index % 2, event) {
                (0, VadEvent::SpeechStarted { at_sample }) => *at_sample,
                (1, VadEvent::SpeechEnded { at_sample, .. }) => *at_sample,
                _ => return Err(TestCaseError::fail(format!("{events:?}"))),
            };
            prop_assert!(at >= last && at <= len as u64, "{:?}", events);
            last = at;
        }
        prop_assert_eq!(events.len() % 2, 0, "{:?}", events);
        Ok(())
    }

    #[test]
    fn speech_is_found_where_it_was_spoken_in_any_chunks() {
        // The envelope's first and last few percent lie under the absolute floor, and an
        // event falls on a frame boundary: a span may start a little late, or end a little
        // early, and stray a frame or two beyond the sound.
        const INSIDE: usize = 40 * 16;
        const OUTSIDE: usize = 2 * FRAME;
        crate::audio::tests::check(
            "speech_is_found_where_it_was_spoken_in_any_chunks",
            96,
            signals(),
            &[
                ("speech started and ended where it was spoken", 0.5),
                ("an end noticed once the hangover passed", 0.3),
                ("an end at the end of the stream", 0.1),
                ("several utterances apart", 0.1),
                ("non-finite samples taken as silence", 0.1),
            ],
            |signal, reach| {
                let voiced = match signal {
                    Signal::Arbitrary { samples, chunk } => {
                        reach.hit("arbitrary samples");
                        let config = EndpointerConfig::default();
                        let (events, seen) = events_in_chunks(&samples, chunk, &config);
                        prop_assert_eq!(seen, samples.len() as u64);
                        let events: Vec<VadEvent> = events.into_iter().map(|(e, _)| e).collect();
                        if !events.is_empty() {
                            reach.hit("arbitrary samples taken as speech");
                        }
                        return well_formed(&events, samples.len());
                    }
                    Signal::Voiced(voiced) => voiced,
                };
                let (mut samples, utterances) = voiced.synthesize();
                let chunk = voiced.chunk;
                let config = EndpointerConfig {
                    hangover: Duration::from_millis(u64::from(voiced.hangover_millis)),
                    ..EndpointerConfig::default()
                };
                let mut zeroed = samples.clone();
                for (at, bad) in &voiced.poison {
                    let index = at.index(samples.len());
                    samples[index] = *bad;
                    zeroed[index] = 0.0;
                }
                let (timed, seen) = events_in_chunks(&samples, chunk, &config);
                prop_assert_eq!(seen, samples.len() as u64);
                let events: Vec<VadEvent> = timed.iter().map(|(e, _)| *e).collect();
                well_formed(&events, samples.len())?;
                // Chunking changes nothing: the same events as pushing it all at once.
                let (at_once, _) = events_in_chunks(&samples, samples.len().max(1), &config);
                let at_once: Vec<VadEvent> = at_once.into_iter().map(|(e, _)| e).collect();
                prop_assert_eq!(&at_once, &events);
                if !voiced.poison.is_empty() {
                    reach.hit("non-finite samples taken as silence");
                    let (as_silence, _) = events_in_chunks(&zeroed, chunk, &config);
                    let as_silence: Vec<VadEvent> =
                        as_silence.into_iter().map(|(e, _)| e).collect();
                    prop_assert_eq!(&as_silence, &events);
                }
                // One span per utterance, where it was spoken.
                let spans: Vec<(u64, u64)> = events
                    .chunks(2)
                    .map(|pair| match pair {
                        [
                            VadEvent::SpeechStarted { at_sample: start },
                            VadEvent::SpeechEnded { at_sample: end, .. },
                        ] => (*start, *end),
                        _ => unreachable!("checked well formed"),
                    })
                    .collect();
                prop_assert_eq!(
                    spans.len(),
                    utterances.len(),
                    "spoken {:?}, found {:?}",
                    utterances,
                    spans
                );
                for ((start, end), spoken) in spans.iter().zip(&utterances) {
                    let (start, end) = (*start as usize, *end as usize);
                    prop_assert!(
                        start + OUTSIDE >= spoken.start + FRAME
                            && start <= spoken.start + INSIDE
                            && end + INSIDE >= spoken.end
                            && end <= spoken.end + OUTSIDE,
                        "spoken {:?}, found {}..{}",
                        spoken,
                        start,
                        end
                    );
                }
                reach.hit("speech started and ended where it was spoken");
                if utterances.len() > 1 {
                    reach.hit("several utterances apart");
                }
                // An end is noticed as soon as the hangover has passed (within a frame and a
                // chunk), or, with the stream ending first, at the end with what silence
                // there was.
                let hangover = config.hangover;
                let hangover_samples = voiced.hangover_millis as usize * 16;
                let analysed = samples.len() / FRAME * FRAME;
                let (mut by_hangover, mut at_stream_end) = (false, false);
                for (event, noticed_at) in &timed {
                    let VadEvent::SpeechEnded {
                        at_sample,
                        trailing_silence,
                    } = *event
                    else {
                        continue;
                    };
                    let end = at_sample as usize;
                    if *noticed_at == usize::MAX {
                        at_stream_end = true;
                        prop_assert!(trailing_silence < hangover, "{:?}", trailing_silence);
                        prop_assert_eq!(
                            trailing_silence,
                            Duration::from_millis((analysed - end) as u64 / 16)
                        );
                    } else {
                        by_hangover = true;
                        prop_assert_eq!(trailing_silence, hangover);
                        let due = end + hangover_samples;
                        prop_assert!(
                            *noticed_at >= due && *noticed_at < due + FRAME + chunk,
                            "noticed at {}, due {}",
                            noticed_at,
                            due
                        );
                    }
                }
                if by_hangover {
                    reach.hit("an end noticed once the hangover passed");
                }
                if at_stream_end {
                    reach.hit("an end at the end of the stream");
                }
                Ok(())
            },
        );
    }
}
