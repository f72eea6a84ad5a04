//! whisper.cpp's ggml model file: magic, hyperparameters, mel filters, vocabulary, tensors,
//! all little-endian. [`GgmlFile`] reads one (everything but the tensor data, which it only
//! locates), defensively: whisper.cpp trusts the file it loads, so the recognizer checks its
//! structure first. The model installer writes these files.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

pub const MAGIC: u32 = 0x6767_6d6c;
/// ggml's type codes for the types a Whisper file uses.
pub const TYPE_F32: i32 = 0;
pub const TYPE_F16: i32 = 1;
/// Blocks of 32 weights: an f16 scale and 32 signed bytes (34 bytes).
pub const TYPE_Q8_0: i32 = 8;
/// `ftype` 1: 2-D and convolution weights in f16, the rest f32.
pub const FTYPE_MOSTLY_F16: i32 = 1;
/// `ftype` 7 with quantization version 2 (ggml's `GGML_QNT_VERSION` × 1000 added, as
/// whisper.cpp reads it): the 2-D weights in q8_0, convolutions f16, the rest f32.
pub const FTYPE_MOSTLY_Q8_0: i32 = 2_007;
/// ggml's `GGML_QNT_VERSION_FACTOR`: an ftype's quantization version, times this, is added.
const QNT_VERSION_FACTOR: i32 = 1000;
/// The whole-model types (`ftype` modulo [`QNT_VERSION_FACTOR`]) whose tensors are the types
/// above: all f32, mostly f16, mostly q8_0. The library's ggml carries kernels for only these
/// (vendor/README.md, change 6): a model of any other type is refused here, before
/// whisper.cpp reads it.
const FTYPES_RUN: [i32; 3] = [0, FTYPE_MOSTLY_F16, 7];

/// ggml's name of a type code, for a refusal's message.
fn type_name(ggml_type: i32) -> &'static str {
    const NAMES: [&str; 40] = [
        "f32",
        "f16",
        "q4_0",
        "q4_1",
        "q4_2",
        "q4_3",
        "q5_0",
        "q5_1",
        "q8_0",
        "q8_1",
        "q2_K",
        "q3_K",
        "q4_K",
        "q5_K",
        "q6_K",
        "q8_K",
        "iq2_xxs",
        "iq2_xs",
        "iq3_xxs",
        "iq1_s",
        "iq4_nl",
        "iq3_s",
        "iq2_s",
        "iq4_xs",
        "i8",
        "i16",
        "i32",
        "i64",
        "f64",
        "iq1_m",
        "bf16",
        "q4_0_4_4",
        "q4_0_4_8",
        "q4_0_8_8",
        "tq1_0",
        "tq2_0",
        "iq4_nl_4_4",
        "iq4_nl_4_8",
        "iq4_nl_8_8",
        "mxfp4",
    ];
    usize::try_from(ggml_type)
        .ok()
        .and_then(|code| NAMES.get(code))
        .copied()
        .unwrap_or("unknown")
}

/// Weights per q8_0 block and the block's bytes.
pub const Q8_0_BLOCK: u64 = 32;
pub const Q8_0_BLOCK_BYTES: u64 = 34;

const MAX_TENSORS: usize = 100_000;
const MAX_NAME_BYTES: i32 = 4096;
const MAX_TOKEN_BYTES: i32 = 1024;
const MAX_TOKENS: i32 = 1_000_000;

/// Whisper's hyperparameters, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
    pub ftype: i32,
}

impl Hparams {
    /// The hyperparameters in file order.
    pub fn fields(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GgmlError {
    #[error("cannot read the ggml file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a ggml file (magic {0:#010x})")]
    BadMagic(u32),
    #[error("the ggml file ends early, in {0}")]
    Truncated(String),
    #[error("implausible {what} in the ggml file: {value}")]
    Implausible { what: String, value: i64 },
    #[error(
        "tensor {name} is in ggml type {ggml_type} ({}), which this build does not run: \
         speech models here are f32, f16 or q8_0",
        type_name(*ggml_type)
    )]
    UnknownType { name: String, ggml_type: i32 },
    #[error(
        "the model's weights are in ggml ftype {0}, which this build does not run: speech \
         models here are f32, f16 or q8_0"
    )]
    UnsupportedFtype(i32),
}

/// Where a tensor is in the file and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    /// Innermost first, as ggml's `ne`.
    pub dims: Vec<u64>,
    pub ggml_type: i32,
    pub offset: u64,
    pub byte_len: u64,
}

/// A ggml Whisper file's contents, tensor data located but not loaded.
#[derive(Debug, Clone)]
pub struct GgmlFile {
    pub hparams: Hparams,
    pub mel_shape: (usize, usize),
    pub mel_filters: Vec<f32>,
    pub vocabulary: Vec<Vec<u8>>,
    pub tensors: Vec<TensorInfo>,
    pub file_len: u64,
}

struct Reader<R> {
    inner: R,
    position: u64,
    file_len: u64,
}

impl<R: Read + Seek> Reader<R> {
    fn i32(&mut self, what: &str) -> Result<i32, GgmlError> {
        let mut buffer = [0u8; 4];
        self.fill(&mut buffer, what)?;
        Ok(i32::from_le_bytes(buffer))
    }

    fn fill(&mut self, buffer: &mut [u8], what: &str) -> Result<(), GgmlError> {
        self.inner.read_exact(buffer).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                GgmlError::Truncated(what.to_owned())
            } else {
                GgmlError::Io(e)
            }
        })?;
        self.position += buffer.len() as u64;
        Ok(())
    }

    /// A count or length: non-negative, at most `max`, and (as bytes) inside the file.
    fn bounded(&mut self, what: &str, max: i32, bytes_each: u64) -> Result<usize, GgmlError> {
        let value = self.i32(what)?;
        let remaining = self.file_len.saturating_sub(self.position);
        let needed = u64::try_from(value)
            .unwrap_or(u64::MAX)
            .saturating_mul(bytes_each);
        if value < 0 || value > max || needed > remaining {
            return Err(GgmlError::Implausible {
                what: what.to_owned(),
                value: i64::from(value),
            });
        }
        usize::try_from(value).map_err(|_| GgmlError::Implausible {
            what: what.to_owned(),
            value: i64::from(value),
        })
    }
}

impl GgmlFile {
    pub fn open(path: &Path) -> Result<GgmlFile, GgmlError> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        GgmlFile::read(BufReader::new(file), file_len)
    }

    /// The same, from the file's bytes in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<GgmlFile, GgmlError> {
        GgmlFile::read(Cursor::new(bytes), bytes.len() as u64)
    }

    fn read(inner: impl Read + Seek, file_len: u64) -> Result<GgmlFile, GgmlError> {
        let mut reader = Reader {
            inner,
            position: 0,
            file_len,
        };
        let magic = reader.i32("the magic")? as u32;
        if magic != MAGIC {
            return Err(GgmlError::BadMagic(magic));
        }
        let mut fields = [0i32; 11];
        for field in &mut fields {
            *field = reader.i32("the hyperparameters")?;
        }
        let [
            n_vocab,
            n_audio_ctx,
            n_audio_state,
            n_audio_head,
            n_audio_layer,
            n_text_ctx,
            n_text_state,
            n_text_head,
            n_text_layer,
            n_mels,
            ftype,
        ] = fields;
        if ftype < 0 || !FTYPES_RUN.contains(&(ftype % QNT_VERSION_FACTOR)) {
            return Err(GgmlError::UnsupportedFtype(ftype));
        }
        let hparams = Hparams {
            n_vocab,
            n_audio_ctx,
            n_audio_state,
            n_audio_head,
            n_audio_layer,
            n_text_ctx,
            n_text_state,
            n_text_head,
            n_text_layer,
            n_mels,
            ftype,
        };

        let mel_rows = reader.bounded("the mel filter rows", 1024, 1)?;
        let mel_columns = reader.bounded("the mel filter columns", 4096, 4 * mel_rows as u64)?;
        let mut mel_bytes = vec![0u8; mel_rows * mel_columns * 4];
        reader.fill(&mut mel_bytes, "the mel filters")?;
        let mel_filters = mel_bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();

        let token_count = reader.bounded("the vocabulary size", MAX_TOKENS, 4)?;
        let mut vocabulary = Vec::with_capacity(token_count);
        for _ in 0..token_count {
            let len = reader.bounded("a token's length", MAX_TOKEN_BYTES, 1)?;
            let mut token = vec![0u8; len];
            reader.fill(&mut token, "a token")?;
            vocabulary.push(token);
        }

        let mut tensors = Vec::new();
        while reader.position < file_len {
            if tensors.len() >= MAX_TENSORS {
                return Err(GgmlError::Implausible {
                    what: "tensor count".into(),
                    value: tensors.len() as i64,
                });
            }
            let n_dims = reader.bounded("a tensor's rank", 4, 4)?;
            let name_len = reader.bounded("a tensor's name length", MAX_NAME_BYTES, 1)?;
            let ggml_type = reader.i32("a tensor's type")?;
            let mut dims = Vec::with_capacity(n_dims);
            for _ in 0..n_dims {
                dims.push(reader.bounded("a tensor's dimension", i32::MAX, 0)? as u64);
            }
            let mut name = vec![0u8; name_len];
            reader.fill(&mut name, "a tensor's name")?;
            let name = String::from_utf8_lossy(&name).into_owned();
            // (weights per block, bytes per block); a row is whole blocks.
            let (block, block_bytes) = match ggml_type {
                TYPE_F32 => (1, 4),
                TYPE_F16 => (1, 2),
                TYPE_Q8_0 => (Q8_0_BLOCK, Q8_0_BLOCK_BYTES),
                _ => return Err(GgmlError::UnknownType { name, ggml_type }),
            };
            if dims.first().is_some_and(|&row| row % block != 0) {
                return Err(GgmlError::Implausible {
                    what: format!("row length of {name} for its type"),
                    value: dims[0] as i64,
                });
            }
            let byte_len = dims
                .iter()
                .try_fold(1, |acc: u64, &d| acc.checked_mul(d))
                .and_then(|elements| (elements / block).checked_mul(block_bytes))
                .filter(|&len| len <= file_len.saturating_sub(reader.position))
                .ok_or_else(|| GgmlError::Truncated(format!("the data of {name}")))?;
            let offset = reader.position;
            let skip = i64::try_from(byte_len).map_err(|_| GgmlError::Implausible {
                what: format!("size of {name}"),
                value: i64::MAX,
            })?;
            reader.inner.seek(SeekFrom::Current(skip))?;
            reader.position += byte_len;
            tensors.push(TensorInfo {
                name,
                dims,
                ggml_type,
                offset,
                byte_len,
            });
        }
        Ok(GgmlFile {
            hparams,
            mel_shape: (mel_rows, mel_columns),
            mel_filters,
            vocabulary,
            tensors,
            file_len,
        })
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }
}
