//! The desktop harness behind the `tingshuo` command: paths, the file key store, the demo
//! customers, and rendering the view for a terminal or screen reader.

pub mod chat;
pub mod conditions;
pub mod harness;
pub mod keystore;
pub mod listen;
pub mod microphone;
pub mod models;
pub mod neural_voice;
pub mod render;
pub mod say;
pub mod scenario;

use std::sync::Arc;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use tingshuo_core::CustomerZone;
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::store::{LoadViewError, OpenOutcome};
use tingshuo_core::view::ViewError;
use tingshuo_core::{Form, Locale, Localizer, Store, StoreError};

use tingshuo_core::classify::OneTimeCode;
use tingshuo_core::sync::SyncConfig;
use tingshuo_core::{Client, ClientConfig};

use crate::keystore::{FileDeviceSigner, FileKeyStore};

/// Where a customer's store and keys live under the data directory.
#[derive(Debug, Clone)]
pub struct CustomerPaths {
    pub database: PathBuf,
    pub key: PathBuf,
    pub device_key: PathBuf,
}

impl CustomerPaths {
    /// The files of one customer in `data_dir`. A customer id is a name, never a path: letters,
    /// digits, `-` and `_`, up to 64 of them ("../victim" is refused, and nothing outside the
    /// data directory is ever touched).
    pub fn new(data_dir: &Path, customer_id: &str) -> Result<CustomerPaths, HarnessError> {
        let is_name = !customer_id.is_empty()
            && customer_id.len() <= 64
            && customer_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !is_name {
            return Err(HarnessError::Usage(format!(
                "{:?} is not a customer id: use letters, digits, - and _ only",
                customer_id.chars().take(80).collect::<String>()
            )));
        }
        Ok(CustomerPaths {
            database: data_dir.join(format!("{customer_id}.db")),
            key: data_dir.join("keys").join(format!("{customer_id}.key")),
            device_key: data_dir.join("keys").join(format!("{customer_id}.device")),
        })
    }

    pub fn key_store(&self) -> FileKeyStore {
        FileKeyStore::new(&self.key)
    }

    /// Deletes the customer's store, its companions and both keys (logout, or a fresh start
    /// against a new in-process bank that knows no devices).
    pub fn wipe(&self) -> Result<(), HarnessError> {
        tingshuo_core::store::wipe_files(&self.database, &self.key_store())?;
        keystore::destroy_private_file(&self.device_key)
            .map_err(|e| HarnessError::Usage(format!("cannot delete the device key: {e}")))
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
        keystore::create_private_dir(dir)?;
    }
    let key_store = paths.key_store();
    let (store, outcome) = Store::open_or_rebuild(&paths.database, &key_store).await?;
    let (store, outcome) = match store.verify().await {
        Ok(()) => (store, outcome),
        Err(damage) => store.rebuild_after(&key_store, damage).await?,
    };
    store.keep_generations_in(Arc::new(key_store));
    Ok((store, outcome))
}

/// Opens a customer's client against a bank, registering this device on first use with the
/// customer's enrollment code, then syncs once. A bank that cannot be reached is not an
/// error: the view then comes from the local store, with its age.
pub async fn open_client(
    paths: &CustomerPaths,
    bank_url: &str,
    customer_id: &str,
    enrollment_code: Option<&str>,
) -> Result<(Client, OpenOutcome), HarnessError> {
    if let Some(dir) = paths.database.parent() {
        keystore::create_private_dir(dir).map_err(StoreError::from)?;
    }
    let signer = Arc::new(
        FileDeviceSigner::open_or_create(&paths.device_key)
            .map_err(|e| HarnessError::Usage(format!("device key: {e}")))?,
    );
    let config = ClientConfig {
        store_path: paths.database.clone(),
        bank_url: bank_url.to_owned(),
        sync: SyncConfig::default(),
    };
    let (client, outcome) = Client::open(config, &paths.key_store(), signer).await?;
    client
        .store()
        .keep_generations_in(Arc::new(paths.key_store()));
    if !client.sync().is_registered().await? {
        let code = enrollment_code.ok_or_else(|| {
            HarnessError::Usage(format!(
                "{customer_id} is not registered on this device: give --enrollment-code"
            ))
        })?;
        client
            .sync()
            .register_device(
                customer_id,
                OneTimeCode::new(code.to_owned()),
                "Tingshuo desktop harness",
            )
            .await?;
    }
    if let Err(error) = client.sync().sync_now().await {
        tracing::warn!(%error, "sync failed; showing the local store");
    }
    Ok((client, outcome))
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
    let today = presentation.zone.date_of(presentation.now);
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

/// A presentation for `locale` at `now` in `zone`.
pub fn presentation(
    locale: Locale,
    now: DateTime<Utc>,
    zone: impl Into<CustomerZone>,
) -> Presentation {
    Presentation {
        locale,
        now,
        zone: zone.into(),
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
    #[error(transparent)]
    Locale(#[from] tingshuo_core::locale::UnknownLocale),
    #[error(transparent)]
    Client(#[from] tingshuo_core::ClientError),
    #[error(transparent)]
    Speak(#[from] tingshuo_core::speak::SpeakError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("{0}")]
    Usage(String),
}
