//! Band-limited sample-rate conversion to 16 kHz: a polyphase windowed-sinc (Kaiser) filter.
//!
//! Written here rather than taken from `rubato` because the core ships inside mobile apps
//! (size beats speed) and one fixed-ratio, streaming, mono converter is about a hundred lines;
//! `rubato` would bring an FFT library and an adapter layer for features we do not use.
//!
//! Each output sample `n` sits at input position `n · down / up` (the reduced ratio of the two
//! rates). It is the input convolved with a Kaiser-windowed sinc whose cutoff lies just under
//! the lower of the two Nyquist frequencies, evaluated at that position. The kernel's values
//! for each fractional position ("phase") are tabulated once; ratios with more phases than
//! [`MAX_PHASE_TABLES`] interpolate between the two nearest tables. No delay is introduced:
//! output sample `n` lines up with input time `n / 16000` s, so positions the voice-activity
//! detector reports can be mapped back to the source exactly.

/// The rate the recognizer (whisper) works at, which every input is converted to.
pub const TARGET_SAMPLE_RATE: u32 = 16_000;

/// Sinc zero crossings on each side of the kernel, counted at the lower of the two rates.
/// With the Kaiser window below this puts the transition band at about 9 % of that Nyquist
/// frequency; more would sharpen it at a proportional cost per output sample.
const ZERO_CROSSINGS: f64 = 32.0;
/// The filter's cutoff as a fraction of the lower Nyquist frequency, chosen so the stopband
/// begins at that Nyquist frequency: nothing above 8 kHz folds back into the 16 kHz output.
const ROLLOFF: f64 = 0.91;
/// Kaiser window shape: about 90 dB of stopband attenuation.
const KAISER_BETA: f64 = 9.0;
/// Tabulated phases at most. The common rates (8, 11.025, 22.05, 44.1, 48 kHz) need at most
/// 640 phases (11.025 kHz); anything beyond this interpolates linearly between neighbouring
/// tables, which errs by less than 10⁻⁵ of full scale for a kernel this smooth.
const MAX_PHASE_TABLES: u64 = 256;

/// A streaming converter from one fixed input rate to [`TARGET_SAMPLE_RATE`], mono.
#[derive(Debug)]
pub(crate) struct Resampler {
    /// The reduced ratio: `up` output samples for every `down` input samples.
    up: u64,
    down: u64,
    /// Kernel taps on each side of the output position.
    half_taps: usize,
    phase_tables: u64,
    /// `phase_tables + 1` rows of `2 · half_taps` coefficients; row `q` is the kernel for an
    /// output at fractional input position `q / phase_tables`.
    coefficients: Vec<f32>,
    /// Input samples still needed, the first at absolute input index `pending_start`.
    pending: Vec<f32>,
    pending_start: i64,
    /// The next output's input position: `position_whole + position_frac / up`.
    position_whole: i64,
    position_frac: u64,
    inputs: u64,
    outputs: u64,
}

impl Resampler {
    /// A converter from `input_rate` (already validated by the caller: 8 to 384 kHz).
    pub(crate) fn new(input_rate: u32) -> Self {
        let divisor = gcd(u64::from(input_rate.max(1)), u64::from(TARGET_SAMPLE_RATE));
        let up = u64::from(TARGET_SAMPLE_RATE) / divisor;
        let down = u64::from(input_rate.max(1)) / divisor;
        if up == down {
            return Self::passthrough();
        }
        let scale = (up as f64 / down as f64).min(1.0);
        let cutoff = 0.5 * ROLLOFF * scale; // cycles per input sample
        let half_width = ZERO_CROSSINGS / (2.0 * cutoff); // input samples
        let half_taps = half_width.ceil() as usize;
        let taps = 2 * half_taps;
        let phase_tables = up.min(MAX_PHASE_TABLES);
        let window_norm = bessel_i0(KAISER_BETA);
        let mut coefficients = Vec::with_capacity((phase_tables as usize + 1) * taps);
        for table in 0..=phase_tables {
            let phase = table as f64 / phase_tables as f64;
            let row: Vec<f64> = (0..taps)
                .map(|tap| {
                    let offset = phase + (half_taps as f64 - 1.0) - tap as f64;
                    kernel(offset, cutoff, half_width, window_norm)
                })
                .collect();
            // Each row sums to one so a constant input comes out unchanged at every phase.
            let sum: f64 = row.iter().sum();
            let norm = if sum.abs() > f64::EPSILON { sum } else { 1.0 };
            coefficients.extend(row.iter().map(|value| (value / norm) as f32));
        }
        Self {
            up,
            down,
            half_taps,
            phase_tables,
            coefficients,
            // Silence before the first sample, so the first outputs have a full window.
            pending: vec![0.0; half_taps.saturating_sub(1)],
            pending_start: -(half_taps.saturating_sub(1) as i64),
            position_whole: 0,
            position_frac: 0,
            inputs: 0,
            outputs: 0,
        }
    }

    fn passthrough() -> Self {
        Self {
            up: 1,
            down: 1,
            half_taps: 0,
            phase_tables: 1,
            coefficients: Vec::new(),
            pending: Vec::new(),
            pending_start: 0,
            position_whole: 0,
            position_frac: 0,
            inputs: 0,
            outputs: 0,
        }
    }

    fn is_passthrough(&self) -> bool {
        self.up == self.down
    }

    /// Consumes `input` and appends every output sample it makes computable.
    pub(crate) fn process(&mut self, input: &[f32], output: &mut Vec<f32>) {
        self.inputs += input.len() as u64;
        if self.is_passthrough() {
            output.extend(input.iter().map(|sample| sample.clamp(-1.0, 1.0)));
            self.outputs += input.len() as u64;
            return;
        }
        self.pending.extend_from_slice(input);
        self.produce(u64::MAX, output);
    }

    /// Ends the stream: the outputs up to the last input's time, with silence after it.
    pub(crate) fn finish(&mut self, output: &mut Vec<f32>) {
        if self.is_passthrough() {
            return;
        }
        let expected =
            (u128::from(self.inputs) * u128::from(self.up)).div_ceil(u128::from(self.down));
        let expected = u64::try_from(expected).unwrap_or(u64::MAX);
        self.pending
            .resize(self.pending.len() + self.half_taps + 1, 0.0);
        self.produce(expected, output);
    }

    fn produce(&mut self, limit: u64, output: &mut Vec<f32>) {
        let taps = 2 * self.half_taps;
        let reach_back = self.half_taps as i64 - 1;
        let reach_ahead = self.half_taps as i64;
        let available_end = self.pending_start + self.pending.len() as i64;
        while self.outputs < limit && self.position_whole + reach_ahead < available_end {
            let start =
                usize::try_from(self.position_whole - reach_back - self.pending_start).unwrap_or(0);
            let Some(window) = self.pending.get(start..start + taps) else {
                break;
            };
            // position_frac < up ≤ 16000 and phase_tables ≤ 256: no overflow.
            let scaled = self.position_frac * self.phase_tables;
            let table = (scaled / self.up) as usize;
            let blend = (scaled % self.up) as f32 / self.up as f32;
            let row = |index: usize| &self.coefficients[index * taps..(index + 1) * taps];
            let mut value = dot(window, row(table));
            if blend > 0.0 {
                let next = dot(window, row(table + 1));
                value += blend * (next - value);
            }
            output.push(value.clamp(-1.0, 1.0));
            self.outputs += 1;
            self.position_frac += self.down % self.up;
            self.position_whole += (self.down / self.up) as i64;
            if self.position_frac >= self.up {
                self.position_frac -= self.up;
                self.position_whole += 1;
            }
        }
        let keep_from = self.position_whole - reach_back;
        let consumed = usize::try_from(keep_from - self.pending_start)
            .unwrap_or(0)
            .min(self.pending.len());
        self.pending.drain(..consumed);
        self.pending_start += consumed as i64;
    }
}

/// All of `input`, taken as recorded at `input_rate`, converted to 16 kHz in one go. Given
/// 16 kHz samples and another rate, this plays them as a tape at the wrong speed: taken as
/// recorded at 13.3 kHz they come out 1.2 times as long and as much lower.
pub(crate) fn resample_all(input: &[f32], input_rate: u32) -> Vec<f32> {
    let mut resampler = Resampler::new(input_rate);
    let mut output = Vec::new();
    resampler.process(input, &mut output);
    resampler.finish(&mut output);
    output
}

fn dot(left: &[f32], right: &[f32]) -> f32 {
    left.iter().zip(right).map(|(a, b)| a * b).sum()
}

/// The low-pass kernel at `offset` input samples from the output position.
fn kernel(offset: f64, cutoff: f64, half_width: f64, window_norm: f64) -> f64 {
    if offset.abs() >= half_width {
        return 0.0;
    }
    let argument = 2.0 * cutoff * offset;
    let sinc = if argument.abs() < 1e-12 {
        1.0
    } else {
        (std::f64::consts::PI * argument).sin() / (std::f64::consts::PI * argument)
    };
    let ratio = offset / half_width;
    let window = bessel_i0(KAISER_BETA * (1.0 - ratio * ratio).max(0.0).sqrt()) / window_norm;
    2.0 * cutoff * sinc * window
}

/// The modified Bessel function of the first kind, order zero (its power series converges
/// fast for the arguments a Kaiser window uses).
fn bessel_i0(x: f64) -> f64 {
    let quarter_square = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..64 {
        term *= quarter_square / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-16 {
            break;
        }
    }
    sum
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sine(frequency: f64, amplitude: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let count = (seconds * f64::from(rate)) as usize;
        (0..count)
            .map(|n| {
                (amplitude
                    * (2.0 * std::f64::consts::PI * frequency * n as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    /// Amplitude of the `frequency` component (projection on sine and cosine).
    fn amplitude_at(samples: &[f32], frequency: f64, rate: u32) -> f64 {
        let (mut in_phase, mut quadrature) = (0.0, 0.0);
        for (n, sample) in samples.iter().enumerate() {
            let angle = 2.0 * std::f64::consts::PI * frequency * n as f64 / f64::from(rate);
            in_phase += f64::from(*sample) * angle.cos();
            quadrature += f64::from(*sample) * angle.sin();
        }
        2.0 * (in_phase * in_phase + quadrature * quadrature).sqrt() / samples.len() as f64
    }

    fn rms(samples: &[f32]) -> f64 {
        (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
    }

    #[test]
    fn output_length_follows_the_ratio() {
        for (rate, input, expected) in [
            (44_100, 44_100, 16_000),
            (48_000, 48_000, 16_000),
            (8_000, 8_000, 16_000),
            (22_050, 2_205, 1_600),
            (16_000, 1_234, 1_234),
            (44_100, 1, 1),
            (11_025, 11_025, 16_000),
        ] {
            assert_eq!(
                resample_all(&vec![0.0; input], rate).len(),
                expected,
                "{rate} Hz"
            );
        }
    }

    #[test]
    fn chunked_input_gives_the_same_output_as_whole_input() {
        let signal = sine(440.0, 0.5, 44_100, 0.3);
        let whole = resample_all(&signal, 44_100);
        let mut resampler = Resampler::new(44_100);
        let mut chunked = Vec::new();
        for chunk in signal.chunks(37) {
            resampler.process(chunk, &mut chunked);
        }
        resampler.finish(&mut chunked);
        assert_eq!(whole, chunked);
    }

    #[test]
    fn passband_tone_keeps_frequency_amplitude_and_timing() {
        for rate in [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 12_345] {
            let input = sine(1_000.0, 0.5, rate, 1.0);
            let output = resample_all(&input, rate);
            let middle = &output[2_000..14_000];
            let expected = sine(1_000.0, 0.5, 16_000, 1.0);
            let amplitude = amplitude_at(middle, 1_000.0, 16_000);
            assert!(
                (amplitude - 0.5).abs() < 0.005,
                "{rate} Hz: amplitude {amplitude}"
            );
            // Same frequency and no delay: the output matches the ideal 16 kHz sine sample for
            // sample, not just in level.
            let error: Vec<f32> = middle
                .iter()
                .zip(&expected[2_000..14_000])
                .map(|(a, b)| a - b)
                .collect();
            assert!(rms(&error) < 0.005, "{rate} Hz: error {}", rms(&error));
            // Neighbouring frequencies carry nothing: the tone did not move.
            assert!(amplitude_at(middle, 1_100.0, 16_000) < 0.005, "{rate} Hz");
        }
    }

    #[test]
    fn tones_above_eight_khz_do_not_alias_into_the_passband() {
        for (rate, frequency) in [
            (44_100, 10_000.0),
            (48_000, 9_000.0),
            (44_100, 15_000.0),
            (22_050, 8_600.0),
        ] {
            let input = sine(frequency, 0.5, rate, 1.0);
            let output = resample_all(&input, rate);
            let middle = &output[2_000..14_000];
            // -66 dB relative to the input tone; the filter does better than 80 dB.
            assert!(
                rms(middle) < 0.5 * 5e-4,
                "{rate} Hz, {frequency} Hz tone: rms {}",
                rms(middle)
            );
            let alias = 16_000.0 - frequency;
            assert!(
                amplitude_at(middle, alias, 16_000) < 1e-4,
                "{rate} Hz: alias at {alias} Hz"
            );
        }
    }

    #[test]
    fn sixteen_khz_audio_taken_as_slower_plays_longer_and_lower() {
        let tone = sine(440.0, 0.5, 16_000, 1.0);
        let slowed = resample_all(&tone, 13_333);
        assert_eq!(slowed.len(), 19_201, "1.2 times as long");
        let middle = &slowed[2_000..17_000];
        let lowered = 440.0 * 13_333.0 / 16_000.0;
        assert!(
            amplitude_at(middle, lowered, 16_000) > 0.45,
            "the tone, lowered"
        );
        assert!(
            amplitude_at(middle, 440.0, 16_000) < 0.01,
            "not the tone as it was"
        );
        let quickened = resample_all(&tone, 18_824);
        assert_eq!(quickened.len(), 13_600, "0.85 times as long");
    }

    #[test]
    fn constant_input_stays_constant() {
        let output = resample_all(&[0.25; 4_410], 44_100);
        for sample in &output[200..1_400] {
            assert!((sample - 0.25).abs() < 1e-4, "{sample}");
        }
    }
}
