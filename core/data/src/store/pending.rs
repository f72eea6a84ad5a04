//! A rebuild in progress, written down beside the store before the damaged file is moved
//! aside and removed once the new store holds what was carried. A rebuild the app did not
//! finish (killed, the phone switched off) is finished by the next open from the same
//! quarantined file, instead of leaving a new, empty store that forgot what it holds.

use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::outcome::RebuildReason;

/// After the store's own file name: a companion, so logout wipes it and it is kept private.
const MARKER_SUFFIX: &str = "-rebuild-pending";

/// What a rebuild needs to be finished by another process: where the damaged file went, why
/// it was rebuilt (the host is told when it finishes), and whether its rows are trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PendingRebuild {
    pub(super) quarantined: PathBuf,
    pub(super) reason: RebuildReason,
    /// False for a file that failed its integrity check: its rows are not taken on their word.
    pub(super) trusted: bool,
}

impl PendingRebuild {
    /// Writes the marker for the store at `path`, whole or not at all (a new file synced, then
    /// renamed over the name, the directory synced), before anything of the store is moved.
    pub(super) fn write(&self, path: &Path) -> Result<(), StoreError> {
        use std::io::Write as _;
        let marker = marker_of(path);
        let partial = PathBuf::from(format!("{}.partial", marker.display()));
        let quarantined = self
            .quarantined
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or(StoreError::InvalidInput("store path is not valid UTF-8"))?;
        let text = format!(
            "quarantined {quarantined}\nreason {}\ntrusted {}\n",
            reason_word(&self.reason),
            if self.trusted { "yes" } else { "no" }
        );
        let mut file = private_file(&partial)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&partial, &marker)?;
        sync_directory_of(path)
    }

    /// The marker of an unfinished rebuild of the store at `path`, if one was left. One that
    /// does not read as this store's (damaged, or naming a file elsewhere) is removed and
    /// `None` returned: nothing can be finished from it.
    pub(super) fn read(path: &Path) -> Result<Option<PendingRebuild>, StoreError> {
        let marker = marker_of(path);
        let text = match std::fs::read_to_string(&marker) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => String::new(),
            Err(e) => return Err(e.into()),
        };
        match parse(path, &text) {
            Some(pending) => Ok(Some(pending)),
            None => {
                tracing::warn!("an unreadable rebuild marker was removed");
                PendingRebuild::clear(path)?;
                Ok(None)
            }
        }
    }

    /// Removes the marker once the rebuild stands (or was undone), durably: a marker that came
    /// back after a power cut would have the next open throw away the store written since.
    pub(super) fn clear(path: &Path) -> Result<(), StoreError> {
        match std::fs::remove_file(marker_of(path)) {
            Ok(()) => sync_directory_of(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the damaged file had begun to move aside when the rebuild was cut off. If not,
    /// the file at the store's path is still the damaged one, and the rebuild starts afresh.
    pub(super) fn quarantine_started(&self) -> bool {
        self.quarantined.exists()
    }
}

/// Whether an unfinished rebuild's marker stands beside the store at `path`.
pub(super) fn is_pending(path: &Path) -> bool {
    marker_of(path).exists()
}

fn marker_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}{MARKER_SUFFIX}", path.display()))
}

fn parse(path: &Path, text: &str) -> Option<PendingRebuild> {
    let mut lines = text.lines();
    let quarantined = lines.next()?.strip_prefix("quarantined ")?;
    let reason = match lines.next()?.strip_prefix("reason ")? {
        "corrupt" => RebuildReason::Corrupt,
        "key-rejected" => RebuildReason::KeyRejected,
        "key-unavailable" => RebuildReason::KeyUnavailable,
        "tampered-data" => RebuildReason::TamperedData,
        _ => return None,
    };
    let trusted = match lines.next()?.strip_prefix("trusted ")? {
        "yes" => true,
        "no" => false,
        _ => return None,
    };
    if lines.next().is_some() {
        return None;
    }
    // Only this store's own quarantined copy, beside it: never a path the marker could point
    // anywhere else with.
    let own = format!("{}.quarantine-", path.file_name()?.to_str()?);
    let named_here = quarantined.starts_with(&own)
        && !quarantined.contains(['/', '\\'])
        && quarantined.len() > own.len();
    named_here.then(|| PendingRebuild {
        quarantined: path.with_file_name(quarantined),
        reason,
        trusted,
    })
}

fn reason_word(reason: &RebuildReason) -> &'static str {
    match reason {
        RebuildReason::Corrupt => "corrupt",
        RebuildReason::KeyRejected => "key-rejected",
        RebuildReason::KeyUnavailable => "key-unavailable",
        RebuildReason::TamperedData => "tampered-data",
    }
}

/// A new file readable by its owner alone, as the store's own files are.
fn private_file(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    Ok(options.open(path)?)
}

/// Makes a rename or removal in the store's directory durable (where the platform allows).
fn sync_directory_of(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_reads_back_as_written_and_names_only_its_own_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let pending = PendingRebuild {
            quarantined: dir.path().join("store.db.quarantine-20261207T100000.000Z"),
            reason: RebuildReason::TamperedData,
            trusted: false,
        };
        pending.write(&path).unwrap();
        assert_eq!(PendingRebuild::read(&path).unwrap(), Some(pending));
        assert!(is_pending(&path));
        PendingRebuild::clear(&path).unwrap();
        assert_eq!(PendingRebuild::read(&path).unwrap(), None);

        for hostile in [
            "quarantined ../elsewhere.db\nreason corrupt\ntrusted yes\n",
            "quarantined store.db.quarantine-/../../x\nreason corrupt\ntrusted yes\n",
            "quarantined other.db.quarantine-1\nreason corrupt\ntrusted yes\n",
            "quarantined store.db.quarantine-1\nreason sunspots\ntrusted yes\n",
            "quarantined store.db.quarantine-1\nreason corrupt\n",
            "",
        ] {
            std::fs::write(marker_of(&path), hostile).unwrap();
            assert_eq!(PendingRebuild::read(&path).unwrap(), None, "{hostile:?}");
            assert!(!is_pending(&path), "an unreadable marker is removed");
        }
        std::fs::write(marker_of(&path), [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(PendingRebuild::read(&path).unwrap(), None);
    }
}
