//! Mel filterbank: librosa's `filters.mel(sr=16000, n_fft=400, n_mels=80)` (Slaney mel
//! scale, Slaney area normalization, float32), which is exactly OpenAI Whisper's `mel_80`.
//! CTranslate2 models do not carry it; whisper.cpp reads it from the ggml file.
//!
//! The arithmetic follows librosa step by step, including where numpy rounds to float32, and
//! takes `ln`/`exp` from the pure-Rust `libm` rather than the platform's C library, so the
//! same bits come out on every machine (the converted file's hash is pinned).

pub const SAMPLE_RATE: u32 = 16_000;
pub const N_FFT: usize = 400;
pub const N_MELS: usize = 80;
/// Frequency bins of a real FFT of `N_FFT` samples.
pub const N_BINS: usize = N_FFT / 2 + 1;

/// Slaney's scale: linear below 1 kHz, logarithmic above.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    libm::log(6.4) / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + libm::log(hz / MIN_LOG_HZ) / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * libm::exp(log_step() * (mel - MIN_LOG_MEL))
    } else {
        F_SP * mel
    }
}

/// The filterbank, row-major `[N_MELS][N_BINS]`.
pub fn mel_filters() -> Vec<f32> {
    // np.fft.rfftfreq(n_fft, 1/sr): bin * (1 / (n_fft * (1/sr))).
    let bin_width = 1.0 / (N_FFT as f64 * (1.0 / f64::from(SAMPLE_RATE)));
    let fft_freqs: Vec<f64> = (0..N_BINS).map(|bin| bin as f64 * bin_width).collect();

    // mel_frequencies(n_mels + 2, fmin=0, fmax=sr/2): np.linspace in mel, back to Hz.
    let points = N_MELS + 2;
    let max_mel = hz_to_mel(f64::from(SAMPLE_RATE) / 2.0);
    let step = max_mel / (points - 1) as f64;
    let mel_freqs: Vec<f64> = (0..points)
        .map(|i| {
            let mel = if i == points - 1 {
                max_mel
            } else {
                i as f64 * step
            };
            mel_to_hz(mel)
        })
        .collect();

    let mut weights = vec![0f32; N_MELS * N_BINS];
    for (mel, row) in weights.chunks_exact_mut(N_BINS).enumerate() {
        let (left, centre, right) = (mel_freqs[mel], mel_freqs[mel + 1], mel_freqs[mel + 2]);
        let normalization = 2.0 / (right - left);
        for (weight, &freq) in row.iter_mut().zip(&fft_freqs) {
            let lower = -(left - freq) / (centre - left);
            let upper = (right - freq) / (right - centre);
            // np.maximum(0, np.minimum(lower, upper)), whose ties keep the second operand:
            // the very first weight comes out as -0.0 in librosa, and so here.
            let smaller = if lower <= upper { lower } else { upper };
            let clamped = if 0.0 > smaller { 0.0 } else { smaller };
            // Stored as float32, then scaled in float64 and stored again (numpy's `*=`).
            let triangle = clamped as f32;
            *weight = (f64::from(triangle) * normalization) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(weights: &[f32], mel: usize, bin: usize) -> f32 {
        weights[mel * N_BINS + bin]
    }

    /// Values of openai-whisper's `assets/mel_filters.npz` (`mel_80`), read with Python.
    #[test]
    fn equals_openai_whispers_mel_80() {
        let weights = mel_filters();
        assert_eq!(weights.len(), 80 * 201);
        assert_eq!(at(&weights, 0, 1), 0.024_862_595_f32);
        assert_eq!(at(&weights, 1, 1), 0.001_990_822_f32);
        assert_eq!(at(&weights, 1, 2), 0.022_871_772_f32);
        assert_eq!(at(&weights, 10, 10), 0.019_908_218_f32);
        assert_eq!(at(&weights, 10, 11), 0.004_954_375_f32);
        assert_eq!(at(&weights, 40, 42), 0.005_411_104_8_f32);
        assert_eq!(at(&weights, 40, 43), 0.014_735_566_f32);
        assert_eq!(at(&weights, 40, 44), 0.006_518_19_f32);
        assert_eq!(at(&weights, 79, 186), 0.000_366_741_67_f32);
        assert_eq!(at(&weights, 79, 192), 0.003_164_711_9_f32);
        assert_eq!(at(&weights, 79, 199), 0.000_448_759_f32);
        assert_eq!(at(&weights, 79, 200), 0.0);
        // Every byte: the SHA-256 of mel_80 as little-endian float32.
        let bytes: Vec<u8> = weights.iter().flat_map(|w| w.to_le_bytes()).collect();
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        assert_eq!(
            crate::files::hex(digest.as_ref()),
            "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e"
        );
    }

    #[test]
    fn each_filter_is_a_triangle_of_constant_area() {
        let weights = mel_filters();
        let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        assert!((total - 1.999_024_092).abs() < 1e-6, "{total}");
        for row in weights.chunks_exact(N_BINS) {
            assert!(row.iter().all(|&w| w >= 0.0));
            assert!(row.iter().any(|&w| w > 0.0), "no empty filter");
        }
    }
}
