//! CTranslate2 Whisper → whisper.cpp ggml. The mapping (see `docs/ARCHITECTURE.md`, "Models"):
//!
//! * names: `encoder/layer_i/self_attention/…` → `encoder.blocks.i.attn…` and so on;
//! * CTranslate2 fuses self-attention q/k/v into one `[3n, n]` linear and cross-attention k/v
//!   into one `[2n, n]`; whisper.cpp wants them apart, and has no key bias (CTranslate2 stores
//!   zeros there, which this checks before dropping them: a non-zero slice would mean the
//!   layout is not what this code assumes);
//! * 2-D weights in f16 or, for a [`Weights::Q8_0`] model, in ggml's 8-bit blocks
//!   ([`super::quantize`]); convolution weights in f16; biases, norms and positional
//!   embeddings in f32; convolution biases as `[n, 1]`;
//! * hyperparameters from the tensors' shapes and the `num_heads` scalars, mel filters computed
//!   ([`super::mel`]), vocabulary from `tokenizer.json` ([`super::vocab`]).
//!
//! The output is streamed to `NAME.partial`, hashed as it is written, checked against the
//! expected hash when one is given, and only then renamed into place. Nothing in it depends
//! on time, machine or order of hash maps, so the same input gives the same bytes.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::catalogue::Weights;
use super::ct2::{Ct2Error, Ct2Model, DType, Variable};
use super::ggml::{
    FTYPE_MOSTLY_F16, FTYPE_MOSTLY_Q8_0, GgmlWriter, Hparams, TYPE_F16, TYPE_F32, TYPE_Q8_0,
};
use super::half::f32_to_f16;
use super::mel;
use super::vocab::{VocabError, Vocabulary};

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Ct2(#[from] Ct2Error),
    #[error(transparent)]
    Vocab(#[from] VocabError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: shape {found:?}, expected {expected:?}")]
    WrongShape {
        name: String,
        expected: Vec<u64>,
        found: Vec<u64>,
    },
    #[error("not supported: {0}")]
    Unsupported(String),
    #[error("{name}: the key bias slice is not zero, so the fused layout is not the expected one")]
    NonZeroKeyBias { name: String },
    #[error(
        "the converted model differs from its pin: {found_size} bytes with SHA-256 {found_sha256}, \
         expected {expected_size} bytes with {expected_sha256}"
    )]
    NotAsPinned {
        expected_sha256: String,
        expected_size: u64,
        found_sha256: String,
        found_size: u64,
    },
}

/// What a conversion produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub sha256: String,
    pub size: u64,
    pub tensor_count: usize,
    pub hparams: Hparams,
}

/// The converted file's pin: its size and SHA-256 (hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin<'a> {
    pub size: u64,
    pub sha256: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    All,
    /// `count` rows from `start` of a fused matrix or bias.
    Slice {
        start: u64,
        count: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    ggml_name: String,
    source: String,
    source_shape: Vec<u64>,
    rows: Rows,
    /// Numpy-order shape written (reversed into ggml's innermost-first dims).
    shape: Vec<u64>,
    ggml_type: i32,
}

/// The tensors to write, in order, and the key-bias slices that must be zero.
#[derive(Debug)]
struct Plan {
    tensors: Vec<Planned>,
    zero_slices: Vec<(String, Rows)>,
    /// The ggml type of the 2-D weights (whisper.cpp's `wtype`).
    matrix_type: i32,
}

impl Plan {
    fn push(
        &mut self,
        ggml_name: String,
        source: String,
        source_shape: Vec<u64>,
        rows: Rows,
        shape: Vec<u64>,
        ggml_type: i32,
    ) {
        self.tensors.push(Planned {
            ggml_name,
            source,
            source_shape,
            rows,
            shape,
            ggml_type,
        });
    }

    fn norm(&mut self, ggml: &str, ct2: &str, n: u64) {
        self.push(
            format!("{ggml}.weight"),
            format!("{ct2}/gamma"),
            vec![n],
            Rows::All,
            vec![n],
            TYPE_F32,
        );
        self.push(
            format!("{ggml}.bias"),
            format!("{ct2}/beta"),
            vec![n],
            Rows::All,
            vec![n],
            TYPE_F32,
        );
    }

    fn linear(&mut self, ggml: &str, ct2: &str, out: u64, input: u64) {
        self.push(
            format!("{ggml}.weight"),
            format!("{ct2}/weight"),
            vec![out, input],
            Rows::All,
            vec![out, input],
            self.matrix_type,
        );
        self.push(
            format!("{ggml}.bias"),
            format!("{ct2}/bias"),
            vec![out],
            Rows::All,
            vec![out],
            TYPE_F32,
        );
    }

    /// Square `n × n` projections fused along the rows of `ct2`, in order; `false` marks the
    /// key, whose bias is dropped after checking it is zero. Weights first, then biases, so
    /// each fused variable is read once.
    fn fused(&mut self, parts: &[(&str, bool)], ct2: &str, n: u64) {
        let total = n * parts.len() as u64;
        let rows = |index: usize| Rows::Slice {
            start: index as u64 * n,
            count: n,
        };
        for (index, &(ggml, _)) in parts.iter().enumerate() {
            self.push(
                format!("{ggml}.weight"),
                format!("{ct2}/weight"),
                vec![total, n],
                rows(index),
                vec![n, n],
                self.matrix_type,
            );
        }
        for (index, &(ggml, has_bias)) in parts.iter().enumerate() {
            if has_bias {
                self.push(
                    format!("{ggml}.bias"),
                    format!("{ct2}/bias"),
                    vec![total],
                    rows(index),
                    vec![n],
                    TYPE_F32,
                );
            } else {
                self.zero_slices.push((format!("{ct2}/bias"), rows(index)));
            }
        }
    }

    fn block(&mut self, ggml: &str, ct2: &str, n: u64) {
        self.norm(
            &format!("{ggml}.attn_ln"),
            &format!("{ct2}/self_attention/layer_norm"),
            n,
        );
        self.fused(
            &[
                (&format!("{ggml}.attn.query"), true),
                (&format!("{ggml}.attn.key"), false),
                (&format!("{ggml}.attn.value"), true),
            ],
            &format!("{ct2}/self_attention/linear_0"),
            n,
        );
        self.linear(
            &format!("{ggml}.attn.out"),
            &format!("{ct2}/self_attention/linear_1"),
            n,
            n,
        );
    }

    fn mlp(&mut self, ggml: &str, ct2: &str, n: u64, hidden: u64) {
        self.norm(
            &format!("{ggml}.mlp_ln"),
            &format!("{ct2}/ffn/layer_norm"),
            n,
        );
        self.linear(
            &format!("{ggml}.mlp.0"),
            &format!("{ct2}/ffn/linear_0"),
            hidden,
            n,
        );
        self.linear(
            &format!("{ggml}.mlp.2"),
            &format!("{ct2}/ffn/linear_1"),
            n,
            hidden,
        );
    }
}

/// Hyperparameters read off the model's shapes, plus the FFN width.
fn hparams(model: &mut Ct2Model, weights: Weights) -> Result<(Hparams, u64, u64), ConvertError> {
    let shape = |model: &Ct2Model, name: &str| -> Result<Vec<u64>, ConvertError> {
        Ok(model.variable(name)?.shape.clone())
    };
    let conv1 = shape(model, "encoder/conv1/weight")?;
    let [n_audio_state, n_mels, 3] = conv1[..] else {
        return Err(wrong_shape(
            "encoder/conv1/weight",
            &conv1,
            "[n, n_mels, 3]",
        ));
    };
    if n_mels != mel::N_MELS as u64 {
        return Err(ConvertError::Unsupported(format!(
            "{n_mels} mel bins (this converter computes the 80-bin filterbank)"
        )));
    }
    // A 2-D variable's two dimensions, or an error naming the shape expected.
    let matrix = |model: &Ct2Model, name: &str, expected: &str| -> Result<[u64; 2], ConvertError> {
        let found = shape(model, name)?;
        <[u64; 2]>::try_from(found.as_slice()).map_err(|_| wrong_shape(name, &found, expected))
    };
    let [n_audio_ctx, width] = matrix(model, "encoder/position_encodings/encodings", "[ctx, n]")?;
    check_equal("encoder/position_encodings/encodings", width, n_audio_state)?;
    let [n_vocab, n_text_state] = matrix(model, "decoder/embeddings/weight", "[n_vocab, n]")?;
    let [n_text_ctx, width] = matrix(model, "decoder/position_encodings/encodings", "[ctx, n]")?;
    check_equal("decoder/position_encodings/encodings", width, n_text_state)?;
    let [encoder_hidden, _] = matrix(model, "encoder/layer_0/ffn/linear_0/weight", "[4n, n]")?;
    let [decoder_hidden, _] = matrix(model, "decoder/layer_0/ffn/linear_0/weight", "[4n, n]")?;
    let n_audio_layer = layer_count(model, "encoder")?;
    let n_text_layer = layer_count(model, "decoder")?;
    let n_audio_head = heads(model, "encoder/num_heads", n_audio_state)?;
    let n_text_head = heads(model, "decoder/num_heads", n_text_state)?;
    let int = |name: &str, value: u64| {
        i32::try_from(value)
            .map_err(|_| ConvertError::Unsupported(format!("{name} {value} does not fit ggml")))
    };
    Ok((
        Hparams {
            n_vocab: int("n_vocab", n_vocab)?,
            n_audio_ctx: int("n_audio_ctx", n_audio_ctx)?,
            n_audio_state: int("n_audio_state", n_audio_state)?,
            n_audio_head: int("n_audio_head", n_audio_head)?,
            n_audio_layer: int("n_audio_layer", n_audio_layer)?,
            n_text_ctx: int("n_text_ctx", n_text_ctx)?,
            n_text_state: int("n_text_state", n_text_state)?,
            n_text_head: int("n_text_head", n_text_head)?,
            n_text_layer: int("n_text_layer", n_text_layer)?,
            n_mels: int("n_mels", n_mels)?,
            ftype: match weights {
                Weights::F16 => FTYPE_MOSTLY_F16,
                Weights::Q8_0 => FTYPE_MOSTLY_Q8_0,
            },
        },
        encoder_hidden,
        decoder_hidden,
    ))
}

fn wrong_shape(name: &str, found: &[u64], expected: &str) -> ConvertError {
    ConvertError::Unsupported(format!("{name} has shape {found:?}, expected {expected}"))
}

fn check_equal(name: &str, found: u64, expected: u64) -> Result<(), ConvertError> {
    if found == expected {
        Ok(())
    } else {
        Err(ConvertError::Unsupported(format!(
            "{name}: width {found} differs from the model width {expected}"
        )))
    }
}

/// The number of `{stack}/layer_i` blocks, which must be numbered 0, 1, … without gaps.
fn layer_count(model: &Ct2Model, stack: &str) -> Result<u64, ConvertError> {
    let prefix = format!("{stack}/layer_");
    let layers: BTreeSet<u64> = model
        .variables()
        .iter()
        .filter_map(|v| v.name.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('/').next()?.parse().ok())
        .collect();
    let count = layers.len() as u64;
    if count == 0 || layers.iter().copied().ne(0..count) {
        return Err(ConvertError::Unsupported(format!(
            "{stack} layers numbered {layers:?}"
        )));
    }
    Ok(count)
}

fn heads(model: &mut Ct2Model, name: &str, width: u64) -> Result<u64, ConvertError> {
    let heads = match model.read_scalar_int(name) {
        Ok(heads) => u64::try_from(heads).unwrap_or(0),
        // Older exports lack the scalar; Whisper's heads are 64 wide.
        Err(Ct2Error::Missing(_)) => width / 64,
        Err(other) => return Err(other.into()),
    };
    if heads == 0 || !width.is_multiple_of(heads) {
        return Err(ConvertError::Unsupported(format!(
            "{name} = {heads} does not divide the width {width}"
        )));
    }
    Ok(heads)
}

fn plan(hparams: &Hparams, encoder_hidden: u64, decoder_hidden: u64, weights: Weights) -> Plan {
    let audio = hparams.n_audio_state as u64;
    let text = hparams.n_text_state as u64;
    let mels = hparams.n_mels as u64;
    let mut plan = Plan {
        tensors: Vec::new(),
        zero_slices: Vec::new(),
        matrix_type: match weights {
            Weights::F16 => TYPE_F16,
            Weights::Q8_0 => TYPE_Q8_0,
        },
    };

    plan.push(
        "encoder.positional_embedding".into(),
        "encoder/position_encodings/encodings".into(),
        vec![hparams.n_audio_ctx as u64, audio],
        Rows::All,
        vec![hparams.n_audio_ctx as u64, audio],
        TYPE_F32,
    );
    for (conv, input) in [("conv1", mels), ("conv2", audio)] {
        plan.push(
            format!("encoder.{conv}.weight"),
            format!("encoder/{conv}/weight"),
            vec![audio, input, 3],
            Rows::All,
            vec![audio, input, 3],
            TYPE_F16,
        );
        plan.push(
            format!("encoder.{conv}.bias"),
            format!("encoder/{conv}/bias"),
            vec![audio],
            Rows::All,
            vec![audio, 1],
            TYPE_F32,
        );
    }
    for layer in 0..hparams.n_audio_layer {
        let ggml = format!("encoder.blocks.{layer}");
        let ct2 = format!("encoder/layer_{layer}");
        plan.block(&ggml, &ct2, audio);
        plan.mlp(&ggml, &ct2, audio, encoder_hidden);
    }
    plan.norm("encoder.ln_post", "encoder/layer_norm", audio);

    plan.push(
        "decoder.positional_embedding".into(),
        "decoder/position_encodings/encodings".into(),
        vec![hparams.n_text_ctx as u64, text],
        Rows::All,
        vec![hparams.n_text_ctx as u64, text],
        TYPE_F32,
    );
    plan.push(
        "decoder.token_embedding.weight".into(),
        "decoder/embeddings/weight".into(),
        vec![hparams.n_vocab as u64, text],
        Rows::All,
        vec![hparams.n_vocab as u64, text],
        plan.matrix_type,
    );
    for layer in 0..hparams.n_text_layer {
        let ggml = format!("decoder.blocks.{layer}");
        let ct2 = format!("decoder/layer_{layer}");
        plan.block(&ggml, &ct2, text);
        plan.norm(
            &format!("{ggml}.cross_attn_ln"),
            &format!("{ct2}/attention/layer_norm"),
            text,
        );
        plan.linear(
            &format!("{ggml}.cross_attn.query"),
            &format!("{ct2}/attention/linear_0"),
            text,
            text,
        );
        plan.fused(
            &[
                (&format!("{ggml}.cross_attn.key"), false),
                (&format!("{ggml}.cross_attn.value"), true),
            ],
            &format!("{ct2}/attention/linear_1"),
            text,
        );
        plan.linear(
            &format!("{ggml}.cross_attn.out"),
            &format!("{ct2}/attention/linear_2"),
            text,
            text,
        );
        plan.mlp(&ggml, &ct2, text, decoder_hidden);
    }
    plan.norm("decoder.ln", "decoder/layer_norm", text);
    plan
}

/// The bytes of `rows` of a variable (whose shape was checked).
fn rows_of<'a>(variable: &Variable, bytes: &'a [u8], rows: Rows) -> &'a [u8] {
    match rows {
        Rows::All => bytes,
        Rows::Slice { start, count } => {
            let row_bytes = variable.shape.iter().skip(1).product::<u64>() * variable.dtype.size();
            let from = (start * row_bytes) as usize;
            let to = ((start + count) * row_bytes) as usize;
            bytes.get(from..to).unwrap_or_default()
        }
    }
}

fn widen(name: &str, dtype: DType, bytes: &[u8]) -> Result<Vec<f32>, ConvertError> {
    super::ct2::widen_to_f32(dtype, bytes).ok_or_else(|| {
        ConvertError::Unsupported(format!(
            "{name} is {dtype:?} (a quantized model); convert a float16 or float32 export"
        ))
    })
}

/// `bytes` of `dtype` as ggml `ggml_type` data.
fn encode(name: &str, dtype: DType, bytes: &[u8], ggml_type: i32) -> Result<Vec<u8>, ConvertError> {
    Ok(match (dtype, ggml_type) {
        (DType::F16, TYPE_F16) | (DType::F32, TYPE_F32) => bytes.to_vec(),
        (_, TYPE_Q8_0) => super::quantize::to_q8_0(&widen(name, dtype, bytes)?),
        (_, TYPE_F32) => widen(name, dtype, bytes)?
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
        _ => widen(name, dtype, bytes)?
            .iter()
            .flat_map(|&v| f32_to_f16(v).to_le_bytes())
            .collect(),
    })
}

/// Converts `model_bin` (+ its `tokenizer.json`) into a ggml file at `destination`, its 2-D
/// weights stored as `weights` says. With a `pin`, a result that differs from it is deleted
/// and reported instead of installed. `progress` hears (tensors written, tensors in all).
pub fn convert(
    model_bin: &Path,
    tokenizer_json: &[u8],
    weights: Weights,
    destination: &Path,
    pin: Option<Pin<'_>>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Converted, ConvertError> {
    let mut model = Ct2Model::open(model_bin)?;
    let vocabulary = Vocabulary::from_tokenizer_json(tokenizer_json)?;
    let (hparams, encoder_hidden, decoder_hidden) = hparams(&mut model, weights)?;
    if i64::from(vocabulary.end_of_text) >= i64::from(hparams.n_vocab) {
        return Err(ConvertError::Unsupported(format!(
            "<|endoftext|> is id {} but the embedding has only {} rows",
            vocabulary.end_of_text, hparams.n_vocab
        )));
    }
    let plan = plan(&hparams, encoder_hidden, decoder_hidden, weights);

    // Shapes first, so a mismatch is reported before anything is written.
    for planned in &plan.tensors {
        let variable = model.variable(&planned.source)?;
        if variable.shape != planned.source_shape {
            return Err(ConvertError::WrongShape {
                name: planned.source.clone(),
                expected: planned.source_shape.clone(),
                found: variable.shape.clone(),
            });
        }
        let row = planned.shape.last().copied().unwrap_or(0);
        if planned.ggml_type == TYPE_Q8_0 && !row.is_multiple_of(super::quantize::Q8_0_BLOCK) {
            return Err(ConvertError::Unsupported(format!(
                "{}: rows of {row} weights do not split into 8-bit blocks of {}",
                planned.source,
                super::quantize::Q8_0_BLOCK
            )));
        }
    }
    for (name, rows) in &plan.zero_slices {
        let variable = model.variable(name)?.clone();
        let bytes = model.read_bytes(&variable)?;
        let slice = widen(name, variable.dtype, rows_of(&variable, &bytes, *rows))?;
        if slice.iter().any(|&v| v != 0.0) {
            return Err(ConvertError::NonZeroKeyBias { name: name.clone() });
        }
    }

    let partial = crate::files::with_suffix(destination, ".partial");
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ConvertError::Io { path, source }
    };
    let result = (|| {
        let file = File::create(&partial).map_err(io(&partial))?;
        let mut writer = GgmlWriter::new(BufWriter::with_capacity(1 << 20, file));
        writer.header(&hparams).map_err(io(&partial))?;
        writer
            .mel_filters(mel::N_MELS, mel::N_BINS, &mel::mel_filters())
            .map_err(io(&partial))?;
        writer
            .vocabulary(&vocabulary.tokens)
            .map_err(io(&partial))?;
        let total = plan.tensors.len();
        let mut cached: Option<(String, Vec<u8>)> = None;
        for (done, planned) in plan.tensors.iter().enumerate() {
            let variable = model.variable(&planned.source)?.clone();
            let bytes = match cached.take() {
                Some((name, bytes)) if name == variable.name => bytes,
                _ => model.read_bytes(&variable)?,
            };
            let data = encode(
                &planned.source,
                variable.dtype,
                rows_of(&variable, &bytes, planned.rows),
                planned.ggml_type,
            )?;
            let dims: Vec<u64> = planned.shape.iter().rev().copied().collect();
            writer
                .tensor(&planned.ggml_name, &dims, planned.ggml_type, &data)
                .map_err(io(&partial))?;
            cached = Some((variable.name, bytes));
            progress(done + 1, total);
        }
        let (buffered, sha256, size) = writer.finish().map_err(io(&partial))?;
        let file = buffered
            .into_inner()
            .map_err(|e| io(&partial)(e.into_error()))?;
        file.sync_all().map_err(io(&partial))?;
        Ok(Converted {
            sha256,
            size,
            tensor_count: total,
            hparams,
        })
    })();
    let converted = match result {
        Ok(converted) => converted,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    if let Some(pin) = pin
        && (pin.size != converted.size || pin.sha256 != converted.sha256)
    {
        let _ = std::fs::remove_file(&partial);
        return Err(ConvertError::NotAsPinned {
            expected_sha256: pin.sha256.to_owned(),
            expected_size: pin.size,
            found_sha256: converted.sha256,
            found_size: converted.size,
        });
    }
    std::fs::rename(&partial, destination).map_err(io(destination))?;
    crate::files::sync_parent(destination);
    Ok(converted)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ggml::GgmlFile;

    /// One variable as written in a CT2 file; the fields are free so tests can lie in them.
    struct RawVariable {
        name: String,
        shape: Vec<u32>,
        dtype: u8,
        byte_count: u32,
        data: Vec<u8>,
    }

    /// A small but complete WhisperSpec model: width 8, 2 heads, 2 encoder layers, 1 decoder
    /// layer, 12 embedding rows. Every float is its row number (its index for 1-D tensors),
    /// so slices can be recognised after conversion; key-bias slices are zero.
    pub(crate) struct Synthetic {
        variables: Vec<RawVariable>,
        aliases: Vec<(String, String)>,
        version: u32,
        spec: String,
        width: u32,
    }

    const WIDTH: u32 = 8;
    pub(crate) const TOKENIZER: &[u8] = br#"{
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "\u0120c": 2, "d": 3,
                                           "<|endoftext|>": 4, "<|x|>": 5}},
        "added_tokens": [{"id": 4, "content": "<|endoftext|>"}, {"id": 5, "content": "<|x|>"}]
    }"#;

    fn f16_rows(shape: &[u32], zero_rows: std::ops::Range<u32>) -> Vec<u8> {
        let row_len: u32 = shape.iter().skip(1).product();
        let rows = shape.first().copied().unwrap_or(1);
        let mut data = Vec::new();
        for row in 0..rows {
            let value = if zero_rows.contains(&row) {
                0.0
            } else {
                row as f32
            };
            for _ in 0..row_len.max(1) {
                data.extend_from_slice(&f32_to_f16(value).to_le_bytes());
            }
        }
        data
    }

    impl Synthetic {
        pub(crate) fn new() -> Synthetic {
            Synthetic::with_width(WIDTH)
        }

        /// A model `n` wide (the encoder's FFN 4n, conv1 reading 80 mels).
        pub(crate) fn with_width(n: u32) -> Synthetic {
            let mut s = Synthetic {
                variables: Vec::new(),
                aliases: vec![(
                    "decoder/projection/weight".into(),
                    "decoder/embeddings/weight".into(),
                )],
                version: 6,
                spec: "WhisperSpec".into(),
                width: n,
            };
            s.float("encoder/conv1/weight", &[n, 80, 3]);
            s.float("encoder/conv1/bias", &[n]);
            s.float("encoder/conv2/weight", &[n, n, 3]);
            s.float("encoder/conv2/bias", &[n]);
            s.float("encoder/position_encodings/encodings", &[6, n]);
            s.norm("encoder/layer_norm");
            s.scalar("encoder/num_heads", 2, vec![2, 0]);
            for layer in 0..2 {
                let p = format!("encoder/layer_{layer}");
                s.self_attention(&p);
                s.ffn(&p);
            }
            s.float("decoder/embeddings/weight", &[12, n]);
            s.float("decoder/position_encodings/encodings", &[5, n]);
            s.norm("decoder/layer_norm");
            s.scalar("decoder/num_heads", 2, vec![2, 0]);
            s.scalar("decoder/scale_embeddings", 1, vec![0]);
            let p = "decoder/layer_0";
            s.self_attention(p);
            s.norm(&format!("{p}/attention/layer_norm"));
            s.linear(&format!("{p}/attention/linear_0"), n, 0..0);
            s.linear(&format!("{p}/attention/linear_1"), 2 * n, 0..n);
            s.linear(&format!("{p}/attention/linear_2"), n, 0..0);
            s.ffn(p);
            s
        }

        fn float(&mut self, name: &str, shape: &[u32]) {
            self.float_with_zeros(name, shape, 0..0);
        }

        fn float_with_zeros(&mut self, name: &str, shape: &[u32], zero_rows: std::ops::Range<u32>) {
            let data = f16_rows(shape, zero_rows);
            self.variables.push(RawVariable {
                name: name.into(),
                shape: shape.to_vec(),
                dtype: 4,
                byte_count: data.len() as u32,
                data,
            });
        }

        fn scalar(&mut self, name: &str, dtype: u8, data: Vec<u8>) {
            self.variables.push(RawVariable {
                name: name.into(),
                shape: vec![],
                dtype,
                byte_count: data.len() as u32,
                data,
            });
        }

        fn norm(&mut self, prefix: &str) {
            self.float(&format!("{prefix}/gamma"), &[self.width]);
            self.float(&format!("{prefix}/beta"), &[self.width]);
        }

        fn linear(&mut self, prefix: &str, out: u32, zero_bias_rows: std::ops::Range<u32>) {
            self.float(&format!("{prefix}/weight"), &[out, self.width]);
            self.float_with_zeros(&format!("{prefix}/bias"), &[out], zero_bias_rows);
        }

        fn self_attention(&mut self, layer: &str) {
            self.norm(&format!("{layer}/self_attention/layer_norm"));
            self.linear(
                &format!("{layer}/self_attention/linear_0"),
                3 * self.width,
                self.width..2 * self.width,
            );
            self.linear(
                &format!("{layer}/self_attention/linear_1"),
                self.width,
                0..0,
            );
        }

        fn ffn(&mut self, layer: &str) {
            self.norm(&format!("{layer}/ffn/layer_norm"));
            self.float(
                &format!("{layer}/ffn/linear_0/weight"),
                &[4 * self.width, self.width],
            );
            self.float(&format!("{layer}/ffn/linear_0/bias"), &[4 * self.width]);
            self.float(
                &format!("{layer}/ffn/linear_1/weight"),
                &[self.width, 4 * self.width],
            );
            self.float(&format!("{layer}/ffn/linear_1/bias"), &[self.width]);
        }

        fn get(&mut self, name: &str) -> &mut RawVariable {
            self.variables.iter_mut().find(|v| v.name == name).unwrap()
        }

        pub(crate) fn bytes(&self) -> Vec<u8> {
            fn name(out: &mut Vec<u8>, text: &str) {
                out.extend_from_slice(&(text.len() as u16 + 1).to_le_bytes());
                out.extend_from_slice(text.as_bytes());
                out.push(0);
            }
            let mut out = Vec::new();
            out.extend_from_slice(&self.version.to_le_bytes());
            name(&mut out, &self.spec);
            out.extend_from_slice(&3u32.to_le_bytes());
            out.extend_from_slice(&(self.variables.len() as u32).to_le_bytes());
            for v in &self.variables {
                name(&mut out, &v.name);
                out.push(v.shape.len() as u8);
                for d in &v.shape {
                    out.extend_from_slice(&d.to_le_bytes());
                }
                out.push(v.dtype);
                out.extend_from_slice(&v.byte_count.to_le_bytes());
                out.extend_from_slice(&v.data);
            }
            out.extend_from_slice(&(self.aliases.len() as u32).to_le_bytes());
            for (alias, target) in &self.aliases {
                name(&mut out, alias);
                name(&mut out, target);
            }
            out
        }

        fn write(&self, dir: &Path) -> PathBuf {
            let path = dir.join("model.bin");
            std::fs::write(&path, self.bytes()).unwrap();
            path
        }
    }

    fn run(model: &Path, out: &Path, pin: Option<Pin<'_>>) -> Result<Converted, ConvertError> {
        convert(model, TOKENIZER, Weights::F16, out, pin, &mut |_, _| {})
    }

    #[test]
    fn a_synthetic_model_converts_to_what_whisper_cpp_expects() {
        let dir = tempfile::tempdir().unwrap();
        let model = Synthetic::new().write(dir.path());
        let out = dir.path().join("ggml.bin");
        let mut calls = Vec::new();
        let converted = convert(
            &model,
            TOKENIZER,
            Weights::F16,
            &out,
            None,
            &mut |done, total| {
                calls.push((done, total));
            },
        )
        .unwrap();
        // 7 encoder tensors + 15 per encoder block + 4 decoder tensors + 24 per decoder block.
        assert_eq!(converted.tensor_count, 7 + 2 * 15 + 4 + 24);
        assert_eq!(calls.last(), Some(&(65, 65)));

        let ggml = GgmlFile::open(&out).unwrap();
        assert_eq!(ggml.file_len, converted.size);
        assert_eq!(
            ggml.hparams,
            Hparams {
                n_vocab: 12,
                n_audio_ctx: 6,
                n_audio_state: 8,
                n_audio_head: 2,
                n_audio_layer: 2,
                n_text_ctx: 5,
                n_text_state: 8,
                n_text_head: 2,
                n_text_layer: 1,
                n_mels: 80,
                ftype: 1,
            }
        );
        assert_eq!(ggml.mel_shape, (80, 201));
        assert_eq!(ggml.mel_filters, mel::mel_filters());
        assert_eq!(
            ggml.vocabulary,
            vec![b"a".to_vec(), b"b".to_vec(), b" c".to_vec(), b"d".to_vec()]
        );
        assert_eq!(ggml.tensors.len(), 65);
        let tensor = |name: &str| ggml.tensor(name).unwrap_or_else(|| panic!("{name}"));
        let values = |name: &str| crate::ggml::read_tensor_f32(&out, tensor(name)).unwrap();
        let shape = |name: &str| (tensor(name).dims.clone(), tensor(name).ggml_type);

        assert_eq!(shape("encoder.conv1.weight"), (vec![3, 80, 8], TYPE_F16));
        assert_eq!(shape("encoder.conv1.bias"), (vec![1, 8], TYPE_F32));
        assert_eq!(
            shape("encoder.positional_embedding"),
            (vec![8, 6], TYPE_F32)
        );
        assert_eq!(
            shape("decoder.token_embedding.weight"),
            (vec![8, 12], TYPE_F16)
        );
        assert_eq!(
            shape("encoder.blocks.1.mlp.0.weight"),
            (vec![8, 32], TYPE_F16)
        );
        assert_eq!(shape("encoder.blocks.1.mlp.0.bias"), (vec![32], TYPE_F32));
        assert_eq!(
            shape("decoder.blocks.0.cross_attn_ln.weight"),
            (vec![8], TYPE_F32)
        );
        assert!(ggml.tensor("encoder.blocks.0.attn.key.bias").is_none());
        assert!(
            ggml.tensor("decoder.blocks.0.cross_attn.key.bias")
                .is_none()
        );

        // q/k/v are rows 0..8, 8..16, 16..24 of the fused matrix; cross k/v rows 0..8, 8..16.
        let rows =
            |from: u32| -> Vec<f32> { (from..from + 8).flat_map(|r| [r as f32; 8]).collect() };
        assert_eq!(values("encoder.blocks.0.attn.query.weight"), rows(0));
        assert_eq!(values("encoder.blocks.0.attn.key.weight"), rows(8));
        assert_eq!(values("encoder.blocks.0.attn.value.weight"), rows(16));
        let indices = |from: u32| -> Vec<f32> { (from..from + 8).map(|i| i as f32).collect() };
        assert_eq!(values("encoder.blocks.0.attn.query.bias"), indices(0));
        assert_eq!(values("encoder.blocks.0.attn.value.bias"), indices(16));
        assert_eq!(values("decoder.blocks.0.cross_attn.key.weight"), rows(0));
        assert_eq!(values("decoder.blocks.0.cross_attn.value.weight"), rows(8));
        assert_eq!(values("decoder.blocks.0.cross_attn.value.bias"), indices(8));
        assert_eq!(values("encoder.conv1.bias"), indices(0));
    }

    #[test]
    fn eight_bit_weights_are_the_matrices_only_and_read_back_within_a_step() {
        let dir = tempfile::tempdir().unwrap();
        let model = Synthetic::with_width(32).write(dir.path());
        let quantized = dir.path().join("q8.bin");
        let half = dir.path().join("f16.bin");
        let convert_as = |weights, out: &Path| {
            convert(&model, TOKENIZER, weights, out, None, &mut |_, _| {}).unwrap()
        };
        let converted = convert_as(Weights::Q8_0, &quantized);
        convert_as(Weights::F16, &half);
        assert_eq!(converted.hparams.ftype, FTYPE_MOSTLY_Q8_0);
        let (q8, f16) = (
            GgmlFile::open(&quantized).unwrap(),
            GgmlFile::open(&half).unwrap(),
        );
        assert!(q8.file_len < f16.file_len);
        for (q, h) in q8.tensors.iter().zip(&f16.tensors) {
            assert_eq!((&q.name, &q.dims), (&h.name, &h.dims));
            // whisper.cpp's `wtype` tensors: the projections and the token embedding.
            let matrix = q.dims.len() == 2 && h.ggml_type == TYPE_F16;
            let expected = if matrix { TYPE_Q8_0 } else { h.ggml_type };
            assert_eq!(q.ggml_type, expected, "{}", q.name);
            let exact = crate::ggml::read_tensor_f32(&half, h).unwrap();
            let read = crate::ggml::read_tensor_f32(&quantized, q).unwrap();
            for (row_q, row_h) in read.chunks(32).zip(exact.chunks(32)) {
                let step = crate::quantize::step_of(row_h);
                for (a, b) in row_q.iter().zip(row_h) {
                    assert!((a - b).abs() <= step, "{}: {a} vs {b}", q.name);
                }
            }
        }
        // Rows that do not split into blocks of 32 are refused, not written.
        let narrow = Synthetic::new().write(dir.path());
        let error = convert(
            &narrow,
            TOKENIZER,
            Weights::Q8_0,
            &dir.path().join("n.bin"),
            None,
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(error.to_string().contains("blocks of 32"), "{error}");
        assert!(!dir.path().join("n.bin").exists());
    }

    #[test]
    fn eight_bit_tensors_are_read_as_whole_blocks_or_refused() {
        let hparams = Hparams {
            n_vocab: 1,
            n_audio_ctx: 1,
            n_audio_state: 1,
            n_audio_head: 1,
            n_audio_layer: 1,
            n_text_ctx: 1,
            n_text_state: 1,
            n_text_head: 1,
            n_text_layer: 1,
            n_mels: 1,
            ftype: FTYPE_MOSTLY_Q8_0,
        };
        let file = |dims: &[u64], data: &[u8]| {
            let mut writer = GgmlWriter::new(Vec::new());
            writer.header(&hparams).unwrap();
            writer.mel_filters(1, 1, &[0.0]).unwrap();
            writer.vocabulary(&[b"a".to_vec()]).unwrap();
            writer.tensor("m", dims, TYPE_Q8_0, data).unwrap();
            writer.finish().unwrap().0
        };
        // Two rows of 32: two blocks of 34 bytes.
        let blocks = crate::quantize::to_q8_0(&[0.5; 64]);
        let read = GgmlFile::from_bytes(&file(&[32, 2], &blocks)).unwrap();
        assert_eq!(read.tensors[0].byte_len, 68);
        // A row of 8 is no whole block; a block cut short is a truncated file.
        let error = GgmlFile::from_bytes(&file(&[8, 2], &blocks[..34])).unwrap_err();
        assert!(error.to_string().contains("row length of m"), "{error}");
        let error = GgmlFile::from_bytes(&file(&[32, 2], &blocks[..60])).unwrap_err();
        assert!(error.to_string().contains("ends early"), "{error}");
    }

    #[test]
    fn the_conversion_is_deterministic_and_checked_against_its_pin() {
        let dir = tempfile::tempdir().unwrap();
        let model = Synthetic::new().write(dir.path());
        let first = run(&model, &dir.path().join("a.bin"), None).unwrap();
        let second = run(&model, &dir.path().join("b.bin"), None).unwrap();
        assert_eq!(first, second);
        assert_eq!(
            std::fs::read(dir.path().join("a.bin")).unwrap(),
            std::fs::read(dir.path().join("b.bin")).unwrap()
        );

        let out = dir.path().join("c.bin");
        let pin = Pin {
            size: first.size,
            sha256: &first.sha256,
        };
        run(&model, &out, Some(pin)).unwrap();
        std::fs::remove_file(&out).unwrap();
        let wrong = Pin {
            size: first.size,
            sha256: "00",
        };
        let error = run(&model, &out, Some(wrong)).unwrap_err();
        assert!(matches!(error, ConvertError::NotAsPinned { .. }), "{error}");
        assert!(!out.exists());
        assert!(!crate::files::with_suffix(&out, ".partial").exists());
    }

    fn open_error(model: &Synthetic) -> Ct2Error {
        let dir = tempfile::tempdir().unwrap();
        Ct2Model::open(&model.write(dir.path())).unwrap_err()
    }

    #[test]
    fn every_truncation_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = Synthetic::new().bytes();
        let path = dir.path().join("model.bin");
        let out = dir.path().join("out.bin");
        for len in (0..bytes.len()).filter(|len| len % 7 == 0 || *len < 300) {
            std::fs::write(&path, &bytes[..len]).unwrap();
            let error = run(&path, &out, None).unwrap_err();
            assert!(
                matches!(
                    error,
                    ConvertError::Ct2(Ct2Error::Truncated { .. } | Ct2Error::BeyondEnd { .. })
                ),
                "{len}: {error}"
            );
            assert!(!out.exists());
        }
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let error = run(&path, &out, None).unwrap_err();
        assert!(error.to_string().contains("ends early"), "{error}");
    }

    #[test]
    fn corrupted_headers_are_clear_errors() {
        let mut model = Synthetic::new();
        model.version = 7;
        assert!(matches!(
            open_error(&model),
            Ct2Error::UnsupportedVersion(7)
        ));

        let mut model = Synthetic::new();
        model.spec = "TransformerSpec".into();
        assert!(matches!(open_error(&model), Ct2Error::NotWhisper(_)));

        // Dimensions whose product overflows.
        let mut model = Synthetic::new();
        model.get("encoder/conv1/weight").shape = vec![u32::MAX, u32::MAX, u32::MAX];
        assert!(matches!(open_error(&model), Ct2Error::Implausible { .. }));

        let mut model = Synthetic::new();
        model.get("encoder/conv1/weight").shape = vec![1; 200];
        assert!(matches!(open_error(&model), Ct2Error::Implausible { .. }));

        // Large dimensions that the byte count does not back.
        let mut model = Synthetic::new();
        model.get("encoder/conv1/weight").shape = vec![65_536, 65_536];
        let error = open_error(&model);
        assert!(matches!(error, Ct2Error::SizeMismatch { .. }), "{error}");

        // A consistent header promising more bytes than the file has.
        let mut model = Synthetic::new();
        let variable = model.get("decoder/layer_norm/beta");
        variable.shape = vec![1_000_000];
        variable.byte_count = 2_000_000;
        let error = open_error(&model);
        assert!(matches!(error, Ct2Error::BeyondEnd { .. }), "{error}");
        assert!(error.to_string().contains("past the end"));

        let mut model = Synthetic::new();
        model.get("encoder/conv1/bias").dtype = 9;
        assert!(matches!(
            open_error(&model),
            Ct2Error::UnknownDType { code: 9, .. }
        ));

        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Synthetic::new().bytes();
        bytes.extend_from_slice(b"junk");
        std::fs::write(dir.path().join("model.bin"), bytes).unwrap();
        assert!(matches!(
            Ct2Model::open(&dir.path().join("model.bin")),
            Err(Ct2Error::TrailingBytes(4))
        ));
    }

    #[test]
    fn layout_surprises_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.bin");

        // A non-zero key bias means the fused order is not q, k, v.
        let mut model = Synthetic::new();
        let name = "encoder/layer_1/self_attention/linear_0/bias";
        model.get(name).data = f16_rows(&[3 * WIDTH], 0..0);
        let error = run(&model.write(dir.path()), &out, None).unwrap_err();
        assert!(
            matches!(error, ConvertError::NonZeroKeyBias { .. }),
            "{error}"
        );

        // A wrongly shaped projection.
        let mut model = Synthetic::new();
        model
            .variables
            .retain(|v| v.name != "decoder/layer_0/attention/linear_2/weight");
        model.float(
            "decoder/layer_0/attention/linear_2/weight",
            &[WIDTH, 2 * WIDTH],
        );
        let error = run(&model.write(dir.path()), &out, None).unwrap_err();
        assert!(matches!(error, ConvertError::WrongShape { .. }), "{error}");

        // A missing tensor.
        let mut model = Synthetic::new();
        model
            .variables
            .retain(|v| v.name != "decoder/layer_norm/beta");
        let error = run(&model.write(dir.path()), &out, None).unwrap_err();
        assert!(
            error.to_string().contains("decoder/layer_norm/beta"),
            "{error}"
        );

        // Quantized weights.
        let mut model = Synthetic::new();
        let variable = model.get("encoder/conv2/weight");
        variable.dtype = 1;
        variable.byte_count /= 2;
        variable.data.truncate(variable.byte_count as usize);
        let error = run(&model.write(dir.path()), &out, None).unwrap_err();
        assert!(matches!(error, ConvertError::Unsupported(_)), "{error}");
        assert!(!out.exists());
    }
}
