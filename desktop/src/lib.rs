//! The desktop harness behind the `tingshuo` command: paths, the file key store, the demo
//! customers, and rendering the view for a terminal or screen reader.

pub mod keystore;

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::store::{LoadViewError, OpenOutcome};
use tingshuo_core::view::ViewError;
use tingshuo_core::{Form, Locale, Localizer, Store, StoreError};

use crate::keystore::FileKeyStore;

/// Where a customer's store and key live under the data directory.
#[derive(Debug, Clone)]
pub struct CustomerPaths {
    pub database: PathBuf,
    pub key: PathBuf,
}

impl CustomerPaths {
    pub fn new(data_dir: &Path, customer_id: &str) -> CustomerPaths {
        CustomerPaths {
            database: data_dir.join(format!("{customer_id}.db")),
            key: data_dir.join("keys").join(format!("{customer_id}.key")),
        }
    }

    pub fn key_store(&self) -> FileKeyStore {
        FileKeyStore::new(&self.key)
    }
}

/// `$XDG_DATA_HOME/tingshuo`, else `~/.local/share/tingshuo`.
pub fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("tingshuo")
}

/// Opens a customer's store under the corruption policy, creating the data directory. The
/// harness verifies every row at start-up (an app would do it when idle), so damage is
/// reported before anything is read out.
pub async fn open_store(paths: &CustomerPaths) -> Result<(Store, OpenOutcome), StoreError> {
    if let Some(dir) = paths.database.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key_store = paths.key_store();
    let (store, outcome) = Store::open_or_rebuild(&paths.database, &key_store).await?;
    match store.verify().await {
        Ok(()) => Ok((store, outcome)),
        Err(damage) => store.rebuild_after(&key_store, damage).await,
    }
}

/// The lines of a customer's view in one form: the view itself, or a line saying there is
/// nothing stored yet. A rebuilt store is announced first.
pub async fn view_text(
    store: &Store,
    outcome: &OpenOutcome,
    l10n: &Localizer,
    presentation: &Presentation,
    form: Form,
) -> Result<Vec<String>, HarnessError> {
    let locale = presentation.locale;
    let mut lines = Vec::new();
    if matches!(outcome, OpenOutcome::Rebuilt { .. }) {
        lines.push(l10n.utter(locale, "store-rebuilt", |_| Ok(Vec::new()))?);
    }
    let today = presentation
        .now
        .with_timezone(&presentation.offset)
        .date_naive();
    match store.load_view(today).await {
        Ok(view) => lines.extend(view_lines(l10n, presentation, &view)?),
        Err(LoadViewError::View(ViewError::Empty)) => {
            lines.push(l10n.utter(locale, "view-empty", |_| Ok(Vec::new()))?);
        }
        Err(other) => return Err(other.into()),
    }
    Ok(lines
        .into_iter()
        .map(|u| match form {
            Form::Display => u.display,
            Form::Speech => u.speech,
        })
        .collect())
}

/// A presentation for `locale` at `now` in `offset`.
pub fn presentation(locale: Locale, now: DateTime<Utc>, offset: FixedOffset) -> Presentation {
    Presentation {
        locale,
        now,
        offset,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    LoadView(#[from] LoadViewError),
    #[error(transparent)]
    L10n(#[from] tingshuo_core::l10n::L10nError),
    #[error("{0}")]
    Usage(String),
}
