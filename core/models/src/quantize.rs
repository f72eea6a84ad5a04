//! ggml's `q8_0` weights: blocks of 32 consecutive weights of a row, each stored as an f16
//! scale `d = max|x| / 127` and 32 signed bytes `round(x / d)`, with ggml's reference
//! arithmetic (`quantize_row_q8_0_ref`: f32 division, `roundf`, the scale narrowed with ties
//! to even), so the same weights give the same bytes on every machine. Whisper's weights lose
//! little at 8 bits; what it buys and costs is measured in `docs/decisions/0043-*`.

use super::half::{f16_to_f32, f32_to_f16};

pub use tingshuo_listen::ggml::{Q8_0_BLOCK, Q8_0_BLOCK_BYTES};

const BLOCK: usize = Q8_0_BLOCK as usize;

/// A block's scale: its largest magnitude over 127, the value of one step of its bytes.
pub fn step_of(block: &[f32]) -> f32 {
    block.iter().fold(0f32, |max, v| max.max(v.abs())) / 127.0
}

/// `values` (a whole number of blocks: rows whose length is a multiple of 32) as q8_0 blocks.
pub fn to_q8_0(values: &[f32]) -> Vec<u8> {
    debug_assert!(values.len().is_multiple_of(BLOCK));
    let mut out = Vec::with_capacity(values.len() / BLOCK * Q8_0_BLOCK_BYTES as usize);
    for block in values.chunks(BLOCK) {
        let scale = step_of(block);
        let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
        out.extend(f32_to_f16(scale).to_le_bytes());
        // Within ±127 by construction; `as` saturates and sends NaN to 0 besides.
        out.extend(block.iter().map(|&v| (v * inverse).round() as i8 as u8));
    }
    out
}

/// q8_0 blocks back to f32 (to check a conversion).
pub fn from_q8_0(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(Q8_0_BLOCK_BYTES as usize)
        .flat_map(|block| {
            let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            block[2..].iter().map(move |&q| scale * f32::from(q as i8))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_its_scale_and_the_rounded_ratios() {
        // A scale of 1/64 keeps every ratio exact, so the rounding itself is what is tested.
        let mut values = [0f32; 32];
        values[0] = 127.0 / 64.0;
        values[1] = -63.5 / 64.0; // half a step: rounds away from zero, as roundf does
        values[2] = 0.5 / 64.0;
        values[3] = -0.4 / 64.0;
        let bytes = to_q8_0(&values);
        assert_eq!(bytes.len(), 34);
        assert_eq!(
            u16::from_le_bytes([bytes[0], bytes[1]]),
            f32_to_f16(1.0 / 64.0)
        );
        assert_eq!(bytes[2] as i8, 127);
        assert_eq!(bytes[3] as i8, -64);
        assert_eq!(bytes[4] as i8, 1);
        assert_eq!(bytes[5] as i8, 0);
        assert!(bytes[6..].iter().all(|&b| b == 0));
    }

    #[test]
    fn zeros_and_the_round_trip_stay_within_half_a_step() {
        assert_eq!(to_q8_0(&[0.0; 64]), vec![0u8; 68]);
        let values: Vec<f32> = (0..256)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let back = from_q8_0(&to_q8_0(&values));
        assert_eq!(back.len(), values.len());
        for (block, back) in values.chunks(32).zip(back.chunks(32)) {
            let step = step_of(block);
            for (v, b) in block.iter().zip(back) {
                // Half a step, plus what narrowing the scale to f16 moves the largest value.
                assert!(
                    (v - b).abs() <= step * 0.5 + step * 127.0 / 1024.0,
                    "{v} vs {b}"
                );
            }
        }
    }
}
