//! The client API banks embed: one [`Client`] per signed-in customer, with sub-clients for
//! the view, sync, queued actions and payments. Async, `Send + Sync`, owned types in and out,
//! so the uniffi facade stays a thin wrapper.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::crypto::{DeviceSigner, KeyStore};
use crate::payments::{PaymentDraft, PaymentError, PaymentOutcome, Settled};
use crate::store::sync::{OutboxEntry, PaymentAttempt, keys};
use crate::store::{LoadViewError, OpenOutcome, Store, StoreError};
use crate::sync::{
    BankApi, NetError, SyncConfig, SyncEngine, SyncError, SyncReport, SyncStatus, WatchHandle,
};
use crate::transport::BankTransport;
use tingshuo_base::action::Action;
use tingshuo_base::classify::OneTimeCode;
use tingshuo_base::consent::{Consent, Purpose};
use tingshuo_base::ids::Id;
use tingshuo_base::model::{Account, Alert, Bill, Card, Payee, Tracked};
use tingshuo_base::money::Money;
use tingshuo_base::view::CustomerView;
use tingshuo_base::wire::{DeviceDto, PaymentDto, PreferencesDto};

/// Where the client keeps its store and which bank it talks to.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub store_path: PathBuf,
    /// The bank's API base URL, e.g. `https://api.bank.example` (loopback HTTP in tests).
    pub bank_url: String,
    pub sync: SyncConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    View(#[from] LoadViewError),
}

/// What a logout left undone, for the app to tell the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOut {
    /// Whether the bank revoked this device. When it could not be reached the device's key
    /// must still be deleted, and the customer can revoke the device from another one.
    pub revoked: bool,
    /// Requests the bank never confirmed (a card lock asked for offline, …), wiped with the
    /// store: the customer has to ask again another way (the bank's phone line, a branch).
    /// `None` when the store could not be read (it is wiped all the same).
    pub unconfirmed: Option<Vec<Action>>,
    /// Payments whose outcome was still being checked: the bank has them or not, and shows
    /// them in its other channels. `None` when the store could not be read.
    pub payments_unresolved: Option<usize>,
}

/// One signed-in customer's client.
#[derive(Debug, Clone)]
pub struct Client {
    engine: Arc<SyncEngine>,
}

impl Client {
    /// Opens (or creates, or rebuilds under the corruption policy) the customer's store, to
    /// talk to the bank at `config.bank_url` over the core's own HTTP transport.
    #[cfg(feature = "http")]
    pub async fn open(
        config: ClientConfig,
        key_store: &dyn KeyStore,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<(Client, OpenOutcome), ClientError> {
        let transport =
            crate::http_transport::HttpTransport::new(&config.bank_url).map_err(NetError::from)?;
        let transport = Arc::new(transport);
        Client::open_with_transport(config, key_store, signer, transport).await
    }

    /// The same, with the bank's own transport (its networking stack, its pinning).
    pub async fn open_with_transport(
        config: ClientConfig,
        key_store: &dyn KeyStore,
        signer: Arc<dyn DeviceSigner>,
        transport: Arc<dyn BankTransport>,
    ) -> Result<(Client, OpenOutcome), ClientError> {
        let (store, outcome) = Store::open_or_rebuild(&config.store_path, key_store).await?;
        let client = Client::over(store, BankApi::new(transport, signer), config.sync).await?;
        Ok((client, outcome))
    }

    /// A client over an opened store, signing in to the bank as the device it registered.
    async fn over(store: Store, api: BankApi, sync: SyncConfig) -> Result<Client, ClientError> {
        api.set_device_id(store.sync_value(keys::DEVICE_ID).await?);
        let engine = Arc::new(SyncEngine::new(Arc::new(store), api, sync));
        Ok(Client { engine })
    }

    pub fn view(&self) -> ViewClient {
        ViewClient {
            engine: self.engine.clone(),
        }
    }

    pub fn sync(&self) -> SyncClient {
        SyncClient {
            engine: self.engine.clone(),
        }
    }

    pub fn actions(&self) -> ActionsClient {
        ActionsClient {
            engine: self.engine.clone(),
        }
    }

    pub fn payments(&self) -> PaymentsClient {
        PaymentsClient {
            engine: self.engine.clone(),
        }
    }

    /// The customer's decision on `purpose`, as far as it was made on the wording of this
    /// version (an older wording's decision is no decision: she is asked again).
    pub async fn consent(
        &self,
        purpose: Purpose,
        wording_version: u32,
    ) -> Result<Consent, ClientError> {
        let decided = self
            .engine
            .store
            .consent(purpose.key(), i64::from(wording_version))
            .await?;
        Ok(match decided {
            None => Consent::NotAsked,
            Some(true) => Consent::Granted,
            Some(false) => Consent::Refused,
        })
    }

    /// Records what the customer decided on `purpose`, having seen the wording of this
    /// version: agreeing, refusing, or withdrawing what she once agreed to.
    pub async fn record_consent(
        &self,
        purpose: Purpose,
        granted: bool,
        wording_version: u32,
        decided_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ClientError> {
        tracing::info!(%purpose, granted, wording_version, "consent decided");
        Ok(self
            .engine
            .store
            .record_consent(
                purpose.key(),
                granted,
                i64::from(wording_version),
                decided_at,
            )
            .await?)
    }

    /// The store, for the harness and tests.
    pub fn store(&self) -> &Store {
        &self.engine.store
    }

    /// Closes the store and waits for it: a process about to end calls this, or the last
    /// writes may stay in the write-ahead log beside the database file.
    pub async fn close(&self) {
        self.engine.store.shut().await;
    }

    /// Applies the corruption policy to damage found while in use (an error of this client
    /// whose store error `calls_for_rebuild()`: a sealed value that no longer opens, a row
    /// that cannot be read), which opening again does not look deep enough to find. Closes
    /// this client's store (its handles fail from then on), moves the file aside, and returns
    /// a client over a new one: the cache comes back with the next sync, what the customer
    /// asked for and the device's enrollment are kept (`Store::rebuild_after`). The damage is
    /// named by the store's own check when it finds it; called on a store that check finds
    /// whole, it rebuilds all the same (the host saw damage it does not). The old client's
    /// change stream stops; the host subscribes again on the new client, and gives its store
    /// the generation log again (`Store::keep_generations_in`).
    pub async fn rebuild_store(
        self,
        key_store: &dyn KeyStore,
    ) -> Result<(Client, OpenOutcome), ClientError> {
        // One rebuild at a time, and none of a store already closed: that file is a live
        // store another rebuild made (or the app closed it) — moving it aside would lose it.
        let _round = self.engine.round.lock().await;
        let store = &self.engine.store;
        if store.is_shut() {
            return Err(StoreError::InvalidInput("this client's store is closed").into());
        }
        let damage = match store.verify().await {
            Err(damage) if damage.calls_for_rebuild() => damage,
            _ => StoreError::Corrupt("damage found while in use".to_owned()),
        };
        let path = store.path().to_owned();
        store.shut().await;
        let (store, outcome) = Store::rebuild_at(&path, key_store, &damage).await?;
        let client =
            Client::over(store, self.engine.api.again(), self.engine.config.clone()).await?;
        Ok((client, outcome))
    }

    /// Logout: first delivers what the customer asked for (a card lock queued offline goes
    /// before the device is gone), asks the bank to revoke this device (when it can be
    /// reached), then destroys the data key and deletes the store with its companions. The
    /// host deletes its own device keys. What the bank never confirmed is said in the
    /// outcome, for the app to tell the customer: the store that held it is gone.
    pub async fn logout(self, key_store: &dyn KeyStore) -> Result<LoggedOut, ClientError> {
        if let Err(error) = self.engine.deliver_now().await {
            tracing::info!(%error, "logout without a last delivery");
        }
        // Read best effort: a store that cannot be read is still wiped.
        let unconfirmed = match self.engine.store.outbox_history().await {
            Ok(history) => Some(
                history
                    .into_iter()
                    .filter(|entry| entry.state == "pending")
                    .map(|entry| entry.item.action)
                    .collect(),
            ),
            Err(error) => {
                tracing::warn!(%error, "logout: the outbox could not be read");
                None
            }
        };
        let payments_unresolved = match self.engine.store.payment_attempts(true).await {
            Ok(attempts) => Some(attempts.len()),
            Err(error) => {
                tracing::warn!(%error, "logout: the payments being checked could not be read");
                None
            }
        };
        let revoked = match self.engine.api.device_id() {
            Some(device) => self.sync().revoke_device(&device).await.is_ok(),
            None => false,
        };
        let path = self.engine.store.path().to_owned();
        self.engine.store.shut().await;
        crate::store::wipe_files(&path, key_store)?;
        Ok(LoggedOut {
            revoked,
            unconfirmed,
            payments_unresolved,
        })
    }
}

/// The unified view from the local store: works offline, says how fresh it is.
#[derive(Debug, Clone)]
pub struct ViewClient {
    engine: Arc<SyncEngine>,
}

impl ViewClient {
    /// Transactions that occurred in `[from, to)` — of one account, or of all — newest
    /// first, at most `limit`.
    pub async fn transactions(
        &self,
        account: Option<&Id<Account>>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<Tracked<tingshuo_base::model::Transaction>>, ClientError> {
        Ok(self
            .engine
            .store
            .transactions_between(account.map(|a| a.as_str()), from, to, limit)
            .await?)
    }

    pub async fn current(&self, today: NaiveDate) -> Result<CustomerView, ClientError> {
        Ok(self.engine.store.load_view(today).await?)
    }

    pub async fn payments(&self) -> Result<Vec<Tracked<PaymentDto>>, ClientError> {
        Ok(self.engine.store.payments().await?)
    }

    pub async fn preferences(&self) -> Result<Option<PreferencesDto>, ClientError> {
        let json = self.engine.store.sync_value(keys::PREFERENCES).await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }
}

/// Device registration, sync rounds, the change stream and sync status.
#[derive(Debug, Clone)]
pub struct SyncClient {
    engine: Arc<SyncEngine>,
}

impl SyncClient {
    pub async fn register_device(
        &self,
        customer_id: &str,
        code: OneTimeCode,
        device_name: &str,
    ) -> Result<(), ClientError> {
        Ok(self
            .engine
            .register(customer_id, &code, device_name)
            .await?)
    }

    /// The customer's devices that the bank has not revoked (this one is `current`).
    pub async fn devices(&self) -> Result<Vec<DeviceDto>, ClientError> {
        Ok(self.engine.api.devices().await?)
    }

    /// Revokes one of the customer's devices (a lost or unknown phone): it can no longer log
    /// in, and its signatures move no money. Online only; a lost answer is retried once with
    /// the same idempotency key.
    pub async fn revoke_device(&self, device_id: &str) -> Result<DeviceDto, ClientError> {
        let key = crate::sync::new_idempotency_key()?;
        match self.engine.api.revoke_device(device_id, &key).await {
            Err(NetError::AnswerLost) => Ok(self.engine.api.revoke_device(device_id, &key).await?),
            other => Ok(other?),
        }
    }

    pub async fn is_registered(&self) -> Result<bool, ClientError> {
        Ok(self
            .engine
            .store
            .sync_value(keys::DEVICE_ID)
            .await?
            .is_some())
    }

    pub async fn sync_now(&self) -> Result<SyncReport, ClientError> {
        Ok(self.engine.sync_now().await?)
    }

    pub fn status(&self) -> SyncStatus {
        self.engine.status()
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<SyncStatus> {
        self.engine.subscribe()
    }

    /// Follows the bank's change stream until the handle is dropped.
    pub fn watch_changes(&self) -> WatchHandle {
        self.engine.watch_changes()
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, ClientError> {
        Ok(self.engine.store.outbox_history().await?)
    }
}

/// Requests that may wait in the outbox when the bank is unreachable.
#[derive(Debug, Clone)]
pub struct ActionsClient {
    engine: Arc<SyncEngine>,
}

impl ActionsClient {
    /// A safety action: queued even offline, sent before anything else.
    pub async fn lock_card(&self, card: &Id<Card>) -> Result<(), ClientError> {
        self.queue(Action::LockCard(card.clone())).await
    }

    /// Unlocking weakens a protection: the host's signer proves the step-up (its PIN or
    /// biometric prompt) over the bank's fresh challenge, and the bank acts only on that
    /// proof. Needs the bank now (an error when it cannot be reached, nothing queued); sent at
    /// once, and again under the same key if its answer is lost.
    pub async fn unlock_card(&self, card: &Id<Card>) -> Result<(), ClientError> {
        let request = self.engine.unlock_request(card).await?;
        let key = request.idempotency_key.clone();
        self.engine.queue(request).await?;
        // Its proof is for the bank's challenge of now, which expires: an unlock that has not
        // reached the bank (offline since the challenge, or waiting behind another request
        // for the card) is taken back and said not sent, never left to be refused later. One
        // that may have reached it (its answer lost, a 5xx) waits: sent again under its key,
        // the bank answers as it did.
        let _round = self.engine.round.lock().await;
        let offline = NetError::Offline.to_string();
        let history = self.engine.store.outbox_history().await?;
        if let Some(entry) = history.iter().find(|e| e.item.idempotency_key == key)
            && entry.state == "pending"
            && (entry.item.attempts == 0 || entry.item.last_error.as_deref() == Some(&offline))
            && self
                .engine
                .store
                .withdraw_waiting_request(entry.item.seq)
                .await?
        {
            self.engine.refresh_counts().await?;
            return Err(SyncError::Net(NetError::Offline).into());
        }
        Ok(())
    }

    pub async fn mark_alert_read(&self, alert: &Id<Alert>) -> Result<(), ClientError> {
        self.queue(Action::MarkAlertRead(alert.clone())).await
    }

    pub async fn set_preferences(&self, preferences: &PreferencesDto) -> Result<(), ClientError> {
        self.queue(Action::SetPreferences(preferences.clone()))
            .await
    }

    /// The same, sent with the next sync round rather than now: for what nobody waits on.
    pub async fn queue_for_next_round(&self, action: Action) -> Result<(), ClientError> {
        let request = SyncEngine::queued(action)?;
        Ok(self.engine.queue_for_next_round(request).await?)
    }

    /// Queues an action (any of the above) with its local echo. An unlock is not queued
    /// here: its proof is made for its own key (`unlock_card`).
    pub async fn queue(&self, action: Action) -> Result<(), ClientError> {
        if matches!(action, Action::UnlockCard(..)) {
            return Err(StoreError::InvalidInput("an unlock goes through unlock_card").into());
        }
        let request = SyncEngine::queued(action)?;
        Ok(self.engine.queue(request).await?)
    }
}

/// Transfers and bill payments: never queued, confirmed online, reconciled by key.
#[derive(Debug, Clone)]
pub struct PaymentsClient {
    engine: Arc<SyncEngine>,
}

impl PaymentsClient {
    pub async fn prepare_transfer(
        &self,
        from_account: &Id<Account>,
        payee_id: &Id<Payee>,
        amount: Money,
    ) -> Result<PaymentDraft, PaymentError> {
        self.engine
            .prepare_transfer(from_account, payee_id, amount)
            .await
    }

    pub async fn prepare_move(
        &self,
        from_account: &Id<Account>,
        to_account: &Id<Account>,
        amount: Money,
    ) -> Result<PaymentDraft, PaymentError> {
        self.engine
            .prepare_move(from_account, to_account, amount)
            .await
    }

    pub async fn prepare_bill(
        &self,
        from_account: &Id<Account>,
        bill_id: &Id<Bill>,
    ) -> Result<PaymentDraft, PaymentError> {
        self.engine.prepare_bill(from_account, bill_id).await
    }

    /// Sends a payment the customer confirmed after hearing its read-back. The draft is spent:
    /// one confirmation sends one payment, and another needs a draft prepared (and read back)
    /// again, so a double tap or a retry cannot pay twice.
    pub async fn confirm(&self, draft: PaymentDraft) -> Result<PaymentOutcome, PaymentError> {
        self.engine.confirm_payment(&draft).await
    }

    pub async fn cancel(&self, payment_id: &str) -> Result<PaymentOutcome, PaymentError> {
        self.engine.cancel_payment(payment_id).await
    }

    pub async fn reconcile(&self) -> Result<(), ClientError> {
        Ok(self.engine.reconcile_payments().await?)
    }

    pub async fn attempts(&self) -> Result<Vec<PaymentAttempt>, ClientError> {
        Ok(self.engine.store.payment_attempts(false).await?)
    }

    /// Asks the bank about a confirmed payment by its idempotency key (when its answer was
    /// lost, the bank is asked again; if it never saw the payment, the very same signed request
    /// goes again under the same key) and says where it stands.
    pub async fn check(&self, key: &str) -> Result<Settled, ClientError> {
        match self.engine.reconcile_payments().await {
            Ok(()) => {}
            // The bank cannot be asked now: the outcome stays unknown, to be asked again.
            Err(SyncError::Net(error)) if error.is_transient() => return Ok(Settled::Unknown),
            Err(error) => return Err(error.into()),
        }
        let attempts = self.engine.store.payment_attempts(false).await?;
        Ok(attempts
            .iter()
            .find(|attempt| attempt.idempotency_key == key)
            .map_or(Settled::Unknown, |attempt| {
                Settled::of(&attempt.state, attempt.reason.as_deref())
            }))
    }
}
