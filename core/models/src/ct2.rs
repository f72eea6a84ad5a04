//! Reading a CTranslate2 `model.bin` (binary version 6): a header, named variables with shape,
//! type and bytes, then aliases. The header is read whole and every size is checked against
//! the others and against the file's length before any data is read, so a truncated or
//! corrupted file gives a [`Ct2Error`] naming the problem, never a panic or a huge allocation.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::half::{bf16_to_f32, f16_to_f32};

/// The binary layout this reader knows.
pub const BINARY_VERSION: u32 = 6;
/// Bounds far above any Whisper model, far below anything that could exhaust memory.
const MAX_VARIABLES: u32 = 100_000;
const MAX_NAME_BYTES: u16 = 4096;
const MAX_RANK: u8 = 8;

#[derive(Debug, thiserror::Error)]
pub enum Ct2Error {
    #[error("cannot read the model: {0}")]
    Io(#[from] std::io::Error),
    #[error("the model file ends early, in {what} at byte {offset}")]
    Truncated { what: String, offset: u64 },
    #[error("not a CTranslate2 model of binary version {BINARY_VERSION} (version field {0})")]
    UnsupportedVersion(u32),
    #[error("the model is a {0:?}, not a WhisperSpec")]
    NotWhisper(String),
    #[error("WhisperSpec revision {0} is not supported (expected 3)")]
    UnsupportedRevision(u32),
    #[error("implausible {what} in the model header: {value}")]
    Implausible { what: String, value: u64 },
    #[error("{name}: a name that is not NUL-terminated UTF-8")]
    BadName { name: String },
    #[error("{name}: unknown data type {code}")]
    UnknownDType { name: String, code: u8 },
    #[error("{name}: shape {shape:?} of {dtype:?} needs {expected} bytes, the header says {found}")]
    SizeMismatch {
        name: String,
        shape: Vec<u64>,
        dtype: DType,
        expected: u64,
        found: u64,
    },
    #[error(
        "{name}: {bytes} bytes at offset {offset} run past the end of the file ({file_len} bytes)"
    )]
    BeyondEnd {
        name: String,
        offset: u64,
        bytes: u64,
        file_len: u64,
    },
    #[error("{0} bytes follow the model's last entry (a wrongly joined or padded file)")]
    TrailingBytes(u64),
    #[error("{0}: defined twice")]
    Duplicate(String),
    #[error("the model has no variable {0}")]
    Missing(String),
    #[error("{name}: {dtype:?} cannot be read as {wanted}")]
    WrongType {
        name: String,
        dtype: DType,
        wanted: &'static str,
    },
}

/// CTranslate2's storage types, by their code in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_code(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn size(self) -> u64 {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

/// One variable: where its bytes are, not the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub shape: Vec<u64>,
    pub dtype: DType,
    pub offset: u64,
    pub byte_len: u64,
}

impl Variable {
    pub fn element_count(&self) -> u64 {
        self.byte_len / self.dtype.size()
    }
}

/// An open model file with its parsed header.
#[derive(Debug)]
pub struct Ct2Model {
    file: File,
    pub file_len: u64,
    pub revision: u32,
    variables: Vec<Variable>,
    by_name: HashMap<String, usize>,
    /// Alias → target (`decoder/projection/weight` → `decoder/embeddings/weight`).
    pub aliases: Vec<(String, String)>,
}

/// A reader that knows its position, so errors can say where the file ended.
struct Cursor {
    reader: BufReader<File>,
    position: u64,
    file_len: u64,
}

impl Cursor {
    fn bytes<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N], Ct2Error> {
        let mut buffer = [0u8; N];
        self.fill(&mut buffer, what)?;
        Ok(buffer)
    }

    fn fill(&mut self, buffer: &mut [u8], what: &dyn Fn() -> String) -> Result<(), Ct2Error> {
        match self.reader.read_exact(buffer) {
            Ok(()) => {
                self.position += buffer.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Ct2Error::Truncated {
                what: what(),
                offset: self.position,
            }),
            Err(e) => Err(Ct2Error::Io(e)),
        }
    }

    fn u8(&mut self, what: &dyn Fn() -> String) -> Result<u8, Ct2Error> {
        Ok(self.bytes::<1>(what)?[0])
    }

    fn u16(&mut self, what: &dyn Fn() -> String) -> Result<u16, Ct2Error> {
        Ok(u16::from_le_bytes(self.bytes(what)?))
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32, Ct2Error> {
        Ok(u32::from_le_bytes(self.bytes(what)?))
    }

    /// A u16-length-prefixed, NUL-terminated string.
    fn name(&mut self, what: &dyn Fn() -> String) -> Result<String, Ct2Error> {
        let len = self.u16(what)?;
        if len == 0 || len > MAX_NAME_BYTES {
            return Err(Ct2Error::Implausible {
                what: format!("name length of {}", what()),
                value: u64::from(len),
            });
        }
        // Bounded by MAX_NAME_BYTES, and only after the file proved to have the bytes.
        if u64::from(len) > self.file_len.saturating_sub(self.position) {
            return Err(Ct2Error::Truncated {
                what: what(),
                offset: self.position,
            });
        }
        let mut bytes = vec![0u8; usize::from(len)];
        self.fill(&mut bytes, what)?;
        match bytes.split_last() {
            Some((0, text)) => String::from_utf8(text.to_vec()).map_err(|_| Ct2Error::BadName {
                name: String::from_utf8_lossy(text).into_owned(),
            }),
            _ => Err(Ct2Error::BadName {
                name: String::from_utf8_lossy(&bytes).into_owned(),
            }),
        }
    }

    fn skip(&mut self, bytes: u64) -> Result<(), Ct2Error> {
        let offset = i64::try_from(bytes).map_err(|_| Ct2Error::Implausible {
            what: "byte count".into(),
            value: bytes,
        })?;
        self.reader.seek_relative(offset)?;
        self.position += bytes;
        Ok(())
    }
}

impl Ct2Model {
    /// Opens and checks a model: every variable's size agrees with its shape and type and
    /// lies inside the file, and nothing follows the aliases.
    pub fn open(path: &Path) -> Result<Ct2Model, Ct2Error> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        let mut cursor = Cursor {
            reader: BufReader::new(file.try_clone()?),
            position: 0,
            file_len,
        };
        let version = cursor.u32(&|| "the version".into())?;
        if version != BINARY_VERSION {
            return Err(Ct2Error::UnsupportedVersion(version));
        }
        let spec = cursor.name(&|| "the spec name".into())?;
        if spec != "WhisperSpec" {
            return Err(Ct2Error::NotWhisper(spec));
        }
        let revision = cursor.u32(&|| "the spec revision".into())?;
        if revision != 3 {
            return Err(Ct2Error::UnsupportedRevision(revision));
        }
        let count = cursor.u32(&|| "the variable count".into())?;
        if count > MAX_VARIABLES {
            return Err(Ct2Error::Implausible {
                what: "variable count".into(),
                value: u64::from(count),
            });
        }
        let mut variables = Vec::new();
        let mut by_name = HashMap::new();
        for index in 0..count {
            let name = cursor.name(&|| format!("the name of variable {index}"))?;
            let about = |what: &str| {
                let name = name.clone();
                let what = what.to_owned();
                move || format!("{what} of {name}")
            };
            let rank = cursor.u8(&about("the rank"))?;
            if rank > MAX_RANK {
                return Err(Ct2Error::Implausible {
                    what: format!("rank of {name}"),
                    value: u64::from(rank),
                });
            }
            let mut shape = Vec::with_capacity(usize::from(rank));
            for _ in 0..rank {
                shape.push(u64::from(cursor.u32(&about("the shape"))?));
            }
            let code = cursor.u8(&about("the data type"))?;
            let dtype = DType::from_code(code).ok_or_else(|| Ct2Error::UnknownDType {
                name: name.clone(),
                code,
            })?;
            let byte_len = u64::from(cursor.u32(&about("the byte count"))?);
            let expected = shape
                .iter()
                .try_fold(dtype.size(), |acc, &dim| acc.checked_mul(dim))
                .ok_or_else(|| Ct2Error::Implausible {
                    what: format!("shape of {name}"),
                    value: shape.iter().copied().max().unwrap_or_default(),
                })?;
            if expected != byte_len {
                return Err(Ct2Error::SizeMismatch {
                    name,
                    shape,
                    dtype,
                    expected,
                    found: byte_len,
                });
            }
            let offset = cursor.position;
            if offset.saturating_add(byte_len) > file_len {
                return Err(Ct2Error::BeyondEnd {
                    name,
                    offset,
                    bytes: byte_len,
                    file_len,
                });
            }
            cursor.skip(byte_len)?;
            if by_name.insert(name.clone(), variables.len()).is_some() {
                return Err(Ct2Error::Duplicate(name));
            }
            variables.push(Variable {
                name,
                shape,
                dtype,
                offset,
                byte_len,
            });
        }
        let alias_count = cursor.u32(&|| "the alias count".into())?;
        if alias_count > MAX_VARIABLES {
            return Err(Ct2Error::Implausible {
                what: "alias count".into(),
                value: u64::from(alias_count),
            });
        }
        let mut aliases = Vec::new();
        for index in 0..alias_count {
            let alias = cursor.name(&|| format!("alias {index}"))?;
            let target = cursor.name(&|| format!("the target of alias {index}"))?;
            aliases.push((alias, target));
        }
        if cursor.position != file_len {
            return Err(Ct2Error::TrailingBytes(
                file_len.saturating_sub(cursor.position),
            ));
        }
        Ok(Ct2Model {
            file,
            file_len,
            revision,
            variables,
            by_name,
            aliases,
        })
    }

    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// A variable by name, following aliases.
    pub fn variable(&self, name: &str) -> Result<&Variable, Ct2Error> {
        let target = self
            .aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map_or(name, |(_, target)| target.as_str());
        self.by_name
            .get(target)
            .and_then(|&index| self.variables.get(index))
            .ok_or_else(|| Ct2Error::Missing(name.to_owned()))
    }

    /// A variable's raw little-endian bytes (its size was checked against the file at open).
    pub fn read_bytes(&mut self, variable: &Variable) -> Result<Vec<u8>, Ct2Error> {
        let len = usize::try_from(variable.byte_len).map_err(|_| Ct2Error::Implausible {
            what: format!("size of {}", variable.name),
            value: variable.byte_len,
        })?;
        let mut bytes = vec![0u8; len];
        self.file.seek(SeekFrom::Start(variable.offset))?;
        self.file.read_exact(&mut bytes).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Ct2Error::Truncated {
                    what: variable.name.clone(),
                    offset: variable.offset,
                }
            } else {
                Ct2Error::Io(e)
            }
        })?;
        Ok(bytes)
    }

    /// A floating-point variable widened to f32.
    pub fn read_f32(&mut self, variable: &Variable) -> Result<Vec<f32>, Ct2Error> {
        let bytes = self.read_bytes(variable)?;
        widen_to_f32(variable.dtype, &bytes).ok_or_else(|| Ct2Error::WrongType {
            name: variable.name.clone(),
            dtype: variable.dtype,
            wanted: "floating point",
        })
    }

    /// An integer scalar (such as `encoder/num_heads`).
    pub fn read_scalar_int(&mut self, name: &str) -> Result<i64, Ct2Error> {
        let variable = self.variable(name)?.clone();
        let bytes = self.read_bytes(&variable)?;
        let wrong = || Ct2Error::WrongType {
            name: name.to_owned(),
            dtype: variable.dtype,
            wanted: "an integer scalar",
        };
        if !variable.shape.iter().all(|&d| d == 1) {
            return Err(wrong());
        }
        Ok(match (variable.dtype, bytes.as_slice()) {
            (DType::I8, [b]) => i64::from(*b as i8),
            (DType::I16, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
            (DType::I32, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            _ => return Err(wrong()),
        })
    }
}

/// Little-endian floating-point bytes of `dtype` widened to f32; `None` for any other type.
pub(crate) fn widen_to_f32(dtype: DType, bytes: &[u8]) -> Option<Vec<f32>> {
    let pairs = || {
        bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    match dtype {
        DType::F32 => Some(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        DType::F16 => Some(pairs().map(f16_to_f32).collect()),
        DType::BF16 => Some(pairs().map(bf16_to_f32).collect()),
        _ => None,
    }
}
