//! What opening a store did: opened, created, or rebuilt under the corruption policy, and why.

use std::path::PathBuf;

/// Why the store was rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildReason {
    Corrupt,
    KeyRejected,
    KeyUnavailable,
    TamperedData,
}

/// How [`Store::open_or_rebuild`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    Opened,
    Created,
    Rebuilt {
        reason: RebuildReason,
        /// Where the damaged file was moved; deleted only by logout.
        quarantined: PathBuf,
        /// User-intent rows carried over from the damaged file.
        user_intent_rows_kept: usize,
        /// True when the damaged file could not be read, so its user-intent rows (if any)
        /// remain only in the quarantined file.
        user_intent_unreadable: bool,
    },
}

impl OpenOutcome {
    /// Why the store was rebuilt, if it was.
    pub fn rebuild_reason(&self) -> Option<&RebuildReason> {
        match self {
            OpenOutcome::Rebuilt { reason, .. } => Some(reason),
            _ => None,
        }
    }
}
