//! Shared by the listen tests: the real recordings in `shared/data` and synthetic signals.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

/// `shared/data/speech` beside the project, or `None` (with the reason printed) when this
/// checkout has no shared data: those tests then skip instead of failing.
pub(crate) fn speech_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/speech");
    if dir.is_dir() {
        Some(dir)
    } else {
        // In CI (`CI=true`, set by `.ci/run`) the shared data sits beside the checkout.
        let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !required,
            "required in CI, but there is no shared speech data at {}",
            dir.display()
        );
        eprintln!(
            "skipped: no shared speech data at {} (see shared/data/README.md)",
            dir.display()
        );
        None
    }
}

/// Deterministic noise source (xorshift), so failures reproduce.
#[derive(Debug)]
pub(crate) struct Noise(u64);

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// Uniform in [-1, 1).
    pub(crate) fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1_u64 << 23) as f32 - 1.0
    }

    /// White noise with the given RMS level.
    pub(crate) fn white(&mut self, count: usize, rms: f32) -> Vec<f32> {
        // A uniform variable on [-1, 1) has RMS 1/√3.
        (0..count)
            .map(|_| self.uniform() * rms * 3.0_f32.sqrt())
            .collect()
    }

    /// Pink-ish noise (white through a leaky integrator), normalized to `rms`.
    pub(crate) fn rumble(&mut self, count: usize, rms: f32) -> Vec<f32> {
        let mut state = 0.0_f32;
        let raw: Vec<f32> = (0..count)
            .map(|_| {
                state = 0.98 * state + self.uniform();
                state
            })
            .collect();
        scale_to_rms(raw, rms)
    }
}

/// Mains hum: a fundamental with decaying harmonics, normalized to `rms`.
pub(crate) fn hum(count: usize, fundamental: f32, rms: f32) -> Vec<f32> {
    let raw = (0..count)
        .map(|n| {
            let t = n as f32 / 16_000.0;
            (1..=6)
                .map(|k| (2.0 * std::f32::consts::PI * fundamental * k as f32 * t).sin() / k as f32)
                .sum()
        })
        .collect();
    scale_to_rms(raw, rms)
}

pub(crate) fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

pub(crate) fn scale_to_rms(samples: Vec<f32>, target: f32) -> Vec<f32> {
    let current = rms(&samples).max(1e-12);
    samples.into_iter().map(|s| s * target / current).collect()
}
