//! Where models live: `$XDG_CACHE_HOME/tingshuo/models` (else `~/.cache/tingshuo/models`),
//! one ggml file per model under its customary name, wheels being fetched in `downloads/`.
//!
//! A model is used only when its size and SHA-256 match the catalogue. Hashing 140 MB takes
//! about a second here, and every `make test` and every `tingshuo models path` would pay it,
//! so a successful check is remembered in a sidecar (`NAME.verified`: the hash checked, the
//! size, the modification time to the nanosecond). While the file still has that size and
//! mtime and the catalogue still pins that hash, the check stands; anything that rewrites the
//! file changes its mtime and so brings the full hash back. This guards against damage and
//! half-written files, not against someone who can write the cache (they can put an edited
//! file's mtime back, or rewrite the sidecar): it answers "is it installed" quickly. The proof
//! comes when the model is used: `Recognizer::load_pinned` hashes the very bytes it hands to
//! whisper.cpp and refuses any that are not the pinned ones.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::catalogue::ModelSpec;
use crate::error::ModelError;
use crate::files::{sha256_of, with_suffix};

/// The state of one model in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelStatus {
    Missing,
    Installed(PathBuf),
    /// A file is there but it is not the pinned one (size or hash differ).
    Damaged {
        path: PathBuf,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCache {
    root: PathBuf,
}

impl ModelCache {
    pub fn new(root: impl Into<PathBuf>) -> ModelCache {
        ModelCache { root: root.into() }
    }

    /// The cache of this user: `$XDG_CACHE_HOME/tingshuo/models`, else
    /// `$HOME/.cache/tingshuo/models`. (The XDG spec ignores a relative `XDG_CACHE_HOME`.)
    pub fn from_env() -> Result<ModelCache, ModelError> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|home| PathBuf::from(home).join(".cache"))
            })
            .ok_or(ModelError::NoCacheDirectory)?;
        Ok(ModelCache::new(base.join("tingshuo").join("models")))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the model's ggml file is, installed or not.
    pub fn model_path(&self, spec: &ModelSpec) -> PathBuf {
        self.root.join(spec.file_name)
    }

    /// Where wheels are fetched and unpacked before conversion.
    pub fn downloads(&self) -> PathBuf {
        self.root.join("downloads")
    }

    fn sidecar(&self, spec: &ModelSpec) -> PathBuf {
        with_suffix(&self.model_path(spec), ".verified")
    }

    /// Whether the pinned file is there; cheap when a recent check still stands (see the
    /// module's notes), a full hash otherwise.
    pub fn status(&self, spec: &ModelSpec) -> Result<ModelStatus, ModelError> {
        let path = self.model_path(spec);
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ModelStatus::Missing),
            Err(e) => return Err(ModelError::io(&path, e)),
        };
        if metadata.len() != spec.size {
            return Ok(ModelStatus::Damaged {
                path,
                reason: format!("{} bytes, expected {}", metadata.len(), spec.size),
            });
        }
        let stamp = stamp(&metadata);
        if let Ok(sidecar) = std::fs::read_to_string(self.sidecar(spec))
            && sidecar == sidecar_text(spec, stamp)
        {
            return Ok(ModelStatus::Installed(path));
        }
        let (sha256, _) = sha256_file(&path)?;
        if sha256 != spec.sha256 {
            return Ok(ModelStatus::Damaged {
                path,
                reason: format!("SHA-256 {sha256}, expected {}", spec.sha256),
            });
        }
        self.remember_verified(spec)?;
        Ok(ModelStatus::Installed(path))
    }

    /// The model's path when it is installed and intact.
    pub fn installed_path(&self, spec: &ModelSpec) -> Result<Option<PathBuf>, ModelError> {
        Ok(match self.status(spec)? {
            ModelStatus::Installed(path) => Some(path),
            _ => None,
        })
    }

    /// Records that the model file, as it is now, was checked against its pin.
    pub(crate) fn remember_verified(&self, spec: &ModelSpec) -> Result<(), ModelError> {
        let path = self.model_path(spec);
        let metadata = std::fs::metadata(&path).map_err(|e| ModelError::io(&path, e))?;
        let sidecar = self.sidecar(spec);
        let partial = with_suffix(&sidecar, ".partial");
        std::fs::write(&partial, sidecar_text(spec, stamp(&metadata)))
            .and_then(|()| std::fs::rename(&partial, &sidecar))
            .map_err(|e| ModelError::io(&sidecar, e))
    }

    /// Removes the model and its sidecar (before a reinstall over a damaged file).
    pub(crate) fn remove(&self, spec: &ModelSpec) -> Result<(), ModelError> {
        for path in [self.sidecar(spec), self.model_path(spec)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ModelError::io(&path, e)),
            }
        }
        Ok(())
    }
}

/// Size and modification time (ns since the epoch; 0 where the platform has none).
fn stamp(metadata: &std::fs::Metadata) -> (u64, u128) {
    let mtime = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    (metadata.len(), mtime)
}

fn sidecar_text(spec: &ModelSpec, (size, mtime): (u64, u128)) -> String {
    format!("sha256 {}\nsize {size}\nmtime_ns {mtime}\n", spec.sha256)
}

/// The SHA-256 (hex) and length of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), ModelError> {
    let file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
    sha256_of(file).map_err(|e| ModelError::io(path, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::fs::File;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::hex;

    fn spec_for(bytes: &[u8]) -> &'static ModelSpec {
        let (sha256, size) = sha256_of(bytes).unwrap();
        let mut spec = *crate::catalogue::find("tiny.en").unwrap();
        spec.file_name = "test.bin";
        spec.size = size;
        spec.sha256 = Box::leak(sha256.into_boxed_str());
        Box::leak(Box::new(spec))
    }

    fn set_mtime(path: &Path, time: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    }

    #[test]
    fn a_check_is_remembered_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModelCache::new(dir.path());
        let spec = spec_for(b"model bytes");
        assert_eq!(cache.status(spec).unwrap(), ModelStatus::Missing);

        let path = cache.model_path(spec);
        std::fs::write(&path, b"model bytes").unwrap();
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set_mtime(&path, then);
        assert_eq!(
            cache.status(spec).unwrap(),
            ModelStatus::Installed(path.clone())
        );
        assert!(cache.sidecar(spec).exists());

        // Same size and mtime: the remembered check stands, no hash is taken. (This is the
        // trade-off the module describes: the sidecar guards against accidents, not forgers.)
        std::fs::write(&path, b"model BYTES").unwrap();
        set_mtime(&path, then);
        assert_eq!(
            cache.status(spec).unwrap(),
            ModelStatus::Installed(path.clone())
        );

        // Any other mtime brings the full hash back, which finds the change.
        set_mtime(&path, then + Duration::from_nanos(1));
        assert!(matches!(
            cache.status(spec).unwrap(),
            ModelStatus::Damaged { .. }
        ));
        std::fs::write(&path, b"short").unwrap();
        let ModelStatus::Damaged { reason, .. } = cache.status(spec).unwrap() else {
            panic!("a wrong size is damage");
        };
        assert!(reason.contains("5 bytes"), "{reason}");

        cache.remove(spec).unwrap();
        assert_eq!(cache.status(spec).unwrap(), ModelStatus::Missing);
        assert!(!cache.sidecar(spec).exists());
        assert_eq!(hex(&[0xab, 0x01]), "ab01");
    }
}
