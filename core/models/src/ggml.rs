//! Writing whisper.cpp's ggml model file ([`GgmlWriter`], hashing as it goes) and reading a
//! tensor back to check a conversion; the structure itself is read by
//! [`tingshuo_listen::ggml::GgmlFile`], as the recognizer reads it before loading.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

pub use tingshuo_listen::ggml::{
    FTYPE_MOSTLY_F16, FTYPE_MOSTLY_Q8_0, GgmlError, GgmlFile, Hparams, MAGIC, TYPE_F16, TYPE_F32,
    TYPE_Q8_0, TensorInfo,
};

/// Writes a ggml file in order, keeping a SHA-256 and a byte count of everything written.
pub struct GgmlWriter<W: Write> {
    out: W,
    digest: ring::digest::Context,
    written: u64,
}

impl<W: Write> std::fmt::Debug for GgmlWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgmlWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl<W: Write> GgmlWriter<W> {
    pub fn new(out: W) -> GgmlWriter<W> {
        GgmlWriter {
            out,
            digest: ring::digest::Context::new(&ring::digest::SHA256),
            written: 0,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.digest.update(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn i32(&mut self, value: i32) -> std::io::Result<()> {
        self.raw(&value.to_le_bytes())
    }

    fn length(&mut self, len: usize) -> std::io::Result<()> {
        let len = i32::try_from(len)
            .map_err(|_| std::io::Error::other(format!("length {len} does not fit in ggml")))?;
        self.i32(len)
    }

    pub fn header(&mut self, hparams: &Hparams) -> std::io::Result<()> {
        self.raw(&MAGIC.to_le_bytes())?;
        for field in hparams.fields() {
            self.i32(field)?;
        }
        Ok(())
    }

    /// The mel filterbank, row-major `[n_mels][n_bins]`.
    pub fn mel_filters(
        &mut self,
        n_mels: usize,
        n_bins: usize,
        data: &[f32],
    ) -> std::io::Result<()> {
        self.length(n_mels)?;
        self.length(n_bins)?;
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.raw(&bytes)
    }

    pub fn vocabulary(&mut self, tokens: &[Vec<u8>]) -> std::io::Result<()> {
        self.length(tokens.len())?;
        for token in tokens {
            self.length(token.len())?;
            self.raw(token)?;
        }
        Ok(())
    }

    /// One tensor: `dims` innermost first (numpy's shape reversed), `data` already in `ggml_type`.
    pub fn tensor(
        &mut self,
        name: &str,
        dims: &[u64],
        ggml_type: i32,
        data: &[u8],
    ) -> std::io::Result<()> {
        self.length(dims.len())?;
        self.length(name.len())?;
        self.i32(ggml_type)?;
        for &dim in dims {
            self.length(usize::try_from(dim).unwrap_or(usize::MAX))?;
        }
        self.raw(name.as_bytes())?;
        self.raw(data)
    }

    /// The writer, the SHA-256 (hex) and the length of what was written.
    pub fn finish(mut self) -> std::io::Result<(W, String, u64)> {
        self.out.flush()?;
        let digest = crate::files::hex(self.digest.finish().as_ref());
        Ok((self.out, digest, self.written))
    }
}

/// A tensor's data widened to f32 (to check a conversion).
pub fn read_tensor_f32(path: &Path, tensor: &TensorInfo) -> Result<Vec<f32>, GgmlError> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(tensor.offset))?;
    let len = usize::try_from(tensor.byte_len).map_err(|_| GgmlError::Implausible {
        what: format!("size of {}", tensor.name),
        value: i64::MAX,
    })?;
    let mut bytes = vec![0u8; len];
    file.read_exact(&mut bytes)?;
    Ok(match tensor.ggml_type {
        TYPE_F16 => bytes
            .chunks_exact(2)
            .map(|b| crate::half::f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        TYPE_Q8_0 => crate::quantize::from_q8_0(&bytes),
        _ => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    })
}
