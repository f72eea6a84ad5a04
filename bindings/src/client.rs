//! The customer's client: open, register, the view, sync, queued actions, payments, logout.
//! Thin wrappers of `tingshuo_core::client`; every async call runs on the bindings' runtime
//! ([`crate::runtime::run`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, Utc};
use tingshuo_core::action::Action;
use tingshuo_core::classify::OneTimeCode;
#[cfg(feature = "http")]
use tingshuo_core::http_transport::{BankTrust, HttpTransport};
use tingshuo_core::ids::Id;
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::money::{Currency, Money};
use tingshuo_core::payments::{PaymentDraft, PaymentOutcome, Settled};
use tingshuo_core::store::OpenOutcome;
use tingshuo_core::sync::{Connectivity, SyncConfig, SyncStatus, WatchHandle};
use tingshuo_core::{ClientConfig, CustomerZone, Locale};

use crate::TingshuoError;
use crate::error::{bank_code, internal};
use crate::host::{
    HostKeyStore, HostSigner, HostTimeZone, HostZoneRule, KeyStoreAdapter, SignerAdapter,
};
use crate::runtime::{run, runtime};

/// Where the customer's store lives and which bank to talk to.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientSettings {
    /// The store's file, in the app's private storage (`Context.filesDir`, Application Support).
    pub store_path: String,
    /// The bank's API, `https://…` (plain `http://` only to loopback, for the reference bank).
    pub bank_url: String,
    /// The bank's own CA (or server) certificates, PEM: when given, only these vouch for the
    /// bank's server. When empty, public CAs do: the platform's roots on iOS and desktops,
    /// Mozilla's roots compiled into the library on Android (the platform's verifier there
    /// needs a JNI initialisation the core does not make).
    #[uniffi(default)]
    pub trusted_certificates_pem: Vec<String>,
}

/// Which certificates vouch for the bank, as the settings ask on this platform.
#[cfg(feature = "http")]
fn bank_trust(trusted_certificates_pem: Vec<String>) -> BankTrust {
    if !trusted_certificates_pem.is_empty() {
        return BankTrust::Only(trusted_certificates_pem);
    }
    #[cfg(target_os = "android")]
    return BankTrust::BundledRoots;
    #[cfg(not(target_os = "android"))]
    BankTrust::Platform
}

#[cfg(all(
    target_os = "android",
    feature = "http",
    not(feature = "bundled-roots")
))]
compile_error!(
    "Android builds with `http` need `bundled-roots`: the platform's verifier needs a JNI set-up \
     the core does not make"
);

/// What a logout left undone: the app tells the customer, since the store that held it is gone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogoutResult {
    /// Whether the bank revoked this device (else the customer can revoke it from another).
    pub revoked: bool,
    /// Card locks the bank never confirmed: the customer must lock the card another way (the
    /// bank's phone line) at once. `null`/`nil` when the store could not be read (it was
    /// wiped all the same): tell the customer to check with the bank.
    pub unconfirmed_card_locks: Option<u32>,
    /// Every request the bank never confirmed, the card locks included.
    pub unconfirmed_requests: Option<u32>,
    /// Payments whose outcome was still being checked (the bank's other channels show them).
    pub payments_unresolved: Option<u32>,
}

#[uniffi::export]
impl LogoutResult {
    /// What to tell the customer after the logout, in `locale` (`zh-CN`, `en-US`), to show
    /// and to speak, from the core's messages: that she is signed out and her data deleted,
    /// then each thing left undone (the phone not removed at the bank, card locks and other
    /// requests never confirmed, payments still being checked, or that none could be read).
    pub fn describe(&self, locale: String) -> Result<Vec<Line>, TingshuoError> {
        let locale = self::locale(&locale)?;
        let l10n = crate::error::localizer()?;
        let other_requests = self
            .unconfirmed_requests
            .zip(self.unconfirmed_card_locks)
            .map(|(all, locks)| all.saturating_sub(locks));
        let counted = [
            ("app-logout-card-locks", self.unconfirmed_card_locks),
            ("app-logout-requests", other_requests),
            ("app-logout-payments", self.payments_unresolved),
        ];
        let mut said: Vec<(&str, u32)> = vec![("app-logout-done", 0)];
        if !self.revoked {
            said.push(("app-logout-not-revoked", 0));
        }
        said.extend(
            counted
                .iter()
                .filter_map(|(id, count)| count.filter(|n| *n > 0).map(|n| (*id, n))),
        );
        if counted.iter().any(|(_, count)| count.is_none()) {
            said.push(("app-logout-unknown", 0));
        }
        said.into_iter()
            .map(|(id, count)| {
                l10n.utter(locale, id, |_| {
                    Ok(vec![(
                        "count",
                        tingshuo_core::l10n::Arg::Number(i64::from(count)),
                    )])
                })
                .map(Line::from)
                .map_err(|_| internal("messages"))
            })
            .collect()
    }
}

/// How the store opened.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StoreOpened {
    Opened,
    Created,
    /// The store was damaged and its cache rebuilt (the next sync fills it); what the
    /// customer asked for was kept, unless `intent_unreadable`.
    Rebuilt {
        intent_rows_kept: u64,
        intent_unreadable: bool,
    },
}

/// One signed-in customer's client.
#[derive(Debug, uniffi::Object)]
pub struct Client {
    pub(crate) inner: tingshuo_core::Client,
    key_store: Arc<KeyStoreAdapter>,
    opened: StoreOpened,
}

/// Opens (or creates, or rebuilds under the corruption policy) the customer's store. The key
/// store wraps the store's data key; the signer holds the device's login and payment keys.
#[cfg(feature = "http")]
#[uniffi::export]
pub async fn open_client(
    settings: ClientSettings,
    key_store: Arc<dyn HostKeyStore>,
    signer: Arc<dyn HostSigner>,
) -> Result<Arc<Client>, TingshuoError> {
    run(async move {
        let key_store = Arc::new(KeyStoreAdapter(key_store));
        let transport = HttpTransport::trusting(
            &settings.bank_url,
            &bank_trust(settings.trusted_certificates_pem),
        )
        .map_err(|error| TingshuoError::from(tingshuo_core::sync::NetError::from(error)))?;
        let config = ClientConfig {
            store_path: PathBuf::from(settings.store_path),
            bank_url: settings.bank_url,
            sync: SyncConfig::default(),
        };
        let (inner, outcome) = tingshuo_core::Client::open_with_transport(
            config,
            key_store.as_ref(),
            Arc::new(SignerAdapter(signer)),
            Arc::new(transport),
        )
        .await
        // What the corruption policy could not rebuild at open cannot be rebuilt by reopening;
        // the file system or the database failing for now (full, busy) is no damage: the
        // host may try again, and nothing of hers is wiped.
        .map_err(|error| {
            let transient = matches!(
                &error,
                tingshuo_core::ClientError::Store(
                    tingshuo_core::store::StoreError::Io(_)
                        | tingshuo_core::store::StoreError::Database(_)
                )
            );
            match TingshuoError::from(error) {
                _ if transient => TingshuoError::StorageUnavailable,
                TingshuoError::StoreDamaged { .. } => {
                    TingshuoError::StoreDamaged { can_rebuild: false }
                }
                TingshuoError::Internal { what } if what == "store" => {
                    TingshuoError::StoreDamaged { can_rebuild: false }
                }
                other => other,
            }
        })?;
        Ok(Client::over(inner, key_store, &outcome))
    })
    .await
}

impl Client {
    /// The host's client over a core client just opened (or rebuilt) with `outcome`. The
    /// host's key store records the store's write generation after every protected write,
    /// not only at open, so a copy of the file taken during this session is found when put
    /// back.
    fn over(
        inner: tingshuo_core::Client,
        key_store: Arc<KeyStoreAdapter>,
        outcome: &OpenOutcome,
    ) -> Arc<Client> {
        inner.store().keep_generations_in(key_store.clone());
        let opened = match outcome {
            OpenOutcome::Opened => StoreOpened::Opened,
            OpenOutcome::Created => StoreOpened::Created,
            OpenOutcome::Rebuilt {
                user_intent_rows_kept,
                user_intent_unreadable,
                ..
            } => StoreOpened::Rebuilt {
                intent_rows_kept: u64::try_from(*user_intent_rows_kept).unwrap_or(u64::MAX),
                intent_unreadable: *user_intent_unreadable,
            },
        };
        Arc::new(Client {
            inner,
            key_store,
            opened,
        })
    }
}

#[uniffi::export]
impl Client {
    /// How the store opened: a rebuilt store is worth telling the customer about.
    pub fn opened(&self) -> StoreOpened {
        self.opened.clone()
    }

    pub fn view(&self) -> Arc<ViewClient> {
        Arc::new(ViewClient {
            inner: self.inner.view(),
        })
    }

    pub fn sync(&self) -> Arc<SyncClient> {
        Arc::new(SyncClient {
            inner: self.inner.sync(),
        })
    }

    pub fn actions(&self) -> Arc<ActionsClient> {
        Arc::new(ActionsClient {
            inner: self.inner.actions(),
        })
    }

    pub fn payments(&self) -> Arc<PaymentsClient> {
        Arc::new(PaymentsClient {
            inner: self.inner.payments(),
        })
    }

    /// Registers this device with the code the bank gave the customer (single use).
    pub async fn register(
        &self,
        customer_id: String,
        enrollment_code: String,
        device_name: String,
    ) -> Result<(), TingshuoError> {
        let sync = self.inner.sync();
        run(async move {
            sync.register_device(
                &customer_id,
                OneTimeCode::new(enrollment_code),
                &device_name,
            )
            .await
            .map_err(TingshuoError::from)
        })
        .await
    }

    /// After `StoreDamaged { canRebuild = true }` (damage found while in use, which opening
    /// again does not look deep enough to find): closes this client's store — this client and
    /// everything taken from it fail from then on — moves the damaged file aside and returns
    /// a client over a new store, whose `opened()` says `Rebuilt`. The bank's data comes back
    /// with the next sync; what the customer asked for and this device's registration are
    /// kept (no new enrollment code). Listeners and change watching of the old client end:
    /// subscribe and watch again on the new one. Asked of a client already rebuilt (a second
    /// tap), it is an error and the new store is left alone.
    pub async fn rebuild_store(&self) -> Result<Arc<Client>, TingshuoError> {
        let (inner, key_store) = (self.inner.clone(), self.key_store.clone());
        run(async move {
            let (inner, outcome) = inner
                .rebuild_store(key_store.as_ref())
                .await
                .map_err(TingshuoError::from)?;
            Ok(Client::over(inner, key_store, &outcome))
        })
        .await
    }

    /// Closes the store (the app is going away): the last writes reach the database file.
    pub async fn close_store(&self) -> Result<(), TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            inner.close().await;
            Ok(())
        })
        .await
    }

    /// Delivers what the customer asked for while it can, asks the bank to revoke this
    /// device, then destroys the data key and deletes the store. When it returns, the bank
    /// reached or not, the app deletes its device keys and tells the customer what the bank
    /// never confirmed; when it fails (the phone's storage could not delete the store), the
    /// app keeps the keys and lets her sign out again.
    pub async fn logout(&self) -> Result<LogoutResult, TingshuoError> {
        let (inner, key_store) = (self.inner.clone(), self.key_store.clone());
        run(async move {
            let logged_out = inner
                .logout(key_store.as_ref())
                .await
                .map_err(TingshuoError::from)?;
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            let unconfirmed = logged_out.unconfirmed.as_deref();
            Ok(LogoutResult {
                revoked: logged_out.revoked,
                unconfirmed_card_locks: unconfirmed.map(|actions| {
                    count(
                        actions
                            .iter()
                            .filter(|action| matches!(action, Action::LockCard(_)))
                            .count(),
                    )
                }),
                unconfirmed_requests: unconfirmed.map(|actions| count(actions.len())),
                payments_unresolved: logged_out.payments_unresolved.map(count),
            })
        })
        .await
    }
}

/// A line to show and to speak.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct Line {
    pub display: String,
    pub speech: String,
}

impl From<tingshuo_core::Utterance> for Line {
    fn from(utterance: tingshuo_core::Utterance) -> Line {
        Line {
            display: utterance.display,
            speech: utterance.speech,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct AccountSummary {
    pub id: String,
    /// `current`, `savings`, `time_deposit`, `credit_card`, `loan`.
    pub kind: String,
    pub name: String,
    pub number_ending: String,
    /// ISO 4217.
    pub currency: String,
    pub available_minor: i64,
    pub booked_minor: i64,
    pub as_of_unix_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct PayeeSummary {
    pub id: String,
    pub name: String,
    pub relationship: String,
    pub account_ending: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct CardSummary {
    pub id: String,
    pub name: String,
    pub ending: String,
    pub locked: bool,
}

/// The unified view from the local store (works offline), with its lines rendered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct ViewSnapshot {
    pub accounts: Vec<AccountSummary>,
    pub payees: Vec<PayeeSummary>,
    pub cards: Vec<CardSummary>,
    pub unpaid_bills: u32,
    pub unread_alerts: u32,
    pub unresolved_payments: u32,
    pub has_unconfirmed_local_changes: bool,
    /// Records of the bank's this version of the app cannot read (a kind or value added after
    /// it): left out of the view, which says so in its lines; shown by a version that reads them.
    pub records_left_out: u32,
    pub oldest_as_of_unix_ms: i64,
    /// The whole view as lines, in the locale asked for (display and speech forms).
    pub lines: Vec<Line>,
}

#[derive(Debug, uniffi::Object)]
pub struct ViewClient {
    inner: tingshuo_core::client::ViewClient,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The customer's zone: the host's, when it gives one, with `utc_offset_seconds` (her offset
/// now) standing in where it fails; else that one offset for every date.
pub(crate) fn zone(
    utc_offset_seconds: i32,
    time_zone: Option<Arc<dyn HostTimeZone>>,
) -> Result<CustomerZone, TingshuoError> {
    let offset = FixedOffset::east_opt(utc_offset_seconds)
        .ok_or_else(|| internal("utc offset out of range"))?;
    Ok(match time_zone {
        Some(host) => CustomerZone::Rule(Arc::new(HostZoneRule::new(host, offset))),
        None => offset.into(),
    })
}

pub(crate) fn locale(tag: &str) -> Result<Locale, TingshuoError> {
    Locale::parse(tag).map_err(|_| internal("unknown locale"))
}

#[uniffi::export]
impl ViewClient {
    /// The view now, rendered in `locale` (`zh-CN`, `en-US`) in the customer's time zone:
    /// the host's `time_zone` when given (each date at its own day's offset), else her UTC
    /// offset now for every date.
    #[uniffi::method(default(time_zone = None))]
    pub async fn current(
        &self,
        locale: String,
        utc_offset_seconds: i32,
        time_zone: Option<Arc<dyn HostTimeZone>>,
    ) -> Result<ViewSnapshot, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            let locale = self::locale(&locale)?;
            let zone = zone(utc_offset_seconds, time_zone)?;
            let now = Utc::now();
            let view = inner.current(zone.date_of(now)).await?;
            let l10n = crate::error::localizer()?;
            let at = Presentation { locale, now, zone };
            let lines = view_lines(l10n, &at, &view).map_err(|_| internal("messages"))?;
            Ok(ViewSnapshot {
                accounts: view
                    .accounts
                    .iter()
                    .map(|account| {
                        let item = &account.item;
                        AccountSummary {
                            id: item.id.as_str().into(),
                            kind: item.kind.as_str().into(),
                            name: item.name.clone(),
                            number_ending: item.number.reveal().last_four().into(),
                            currency: item.currency.code().into(),
                            available_minor: item.balance.available.reveal().minor(),
                            booked_minor: item.balance.booked.reveal().minor(),
                            as_of_unix_ms: account.as_of.timestamp_millis(),
                        }
                    })
                    .collect(),
                payees: view
                    .payees
                    .iter()
                    .map(|payee| PayeeSummary {
                        id: payee.item.id.as_str().into(),
                        name: payee.item.name.reveal().clone(),
                        relationship: payee.item.relationship.as_str().into(),
                        account_ending: payee.item.account_number.reveal().last_four().into(),
                    })
                    .collect(),
                cards: view
                    .cards
                    .iter()
                    .map(|card| CardSummary {
                        id: card.item.id.as_str().into(),
                        name: card.item.name.clone(),
                        ending: card.item.number.reveal().last_four().into(),
                        locked: card.item.status.as_str() == "locked",
                    })
                    .collect(),
                unpaid_bills: count(view.upcoming_bills.len()),
                unread_alerts: count(view.unread_alerts.len()),
                unresolved_payments: count(view.unresolved_payments),
                has_unconfirmed_local_changes: view.has_unconfirmed_local_changes,
                records_left_out: count(view.records_left_out),
                oldest_as_of_unix_ms: view.oldest_as_of.timestamp_millis(),
                lines: lines.into_iter().map(Line::from).collect(),
            })
        })
        .await
    }
}

/// What one sync round did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    pub requests_sent: u32,
    pub requests_failed: u32,
    pub pages_pulled: u32,
    pub patches_applied: u32,
    /// Rows of the bank's feed (transactions, cards, bills) kept aside because their account
    /// or biller has not come yet: shown once it does.
    pub rows_waiting_for_parents: u32,
    /// Records of the bank's this version cannot read, left out of the view (which says so).
    pub records_left_out: u32,
    /// The bank was reached and its news up to now applied (requests may still wait).
    pub pulled: bool,
    /// Pulled, nothing left waiting in the outbox, and no row waiting for its parent.
    pub complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Reachability {
    Unknown,
    Online,
    Offline,
}

/// What the app shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncState {
    pub reachability: Reachability,
    pub syncing: bool,
    pub pending_requests: u32,
    pub failed_requests: u32,
    pub unresolved_payments: u32,
    pub last_synced_unix_ms: Option<i64>,
}

impl From<SyncStatus> for SyncState {
    fn from(status: SyncStatus) -> SyncState {
        SyncState {
            reachability: match status.connectivity {
                Connectivity::Unknown => Reachability::Unknown,
                Connectivity::Online => Reachability::Online,
                Connectivity::Offline => Reachability::Offline,
            },
            syncing: status.syncing,
            pending_requests: count(status.pending_requests),
            failed_requests: count(status.failed_requests),
            unresolved_payments: count(status.unresolved_payments),
            last_synced_unix_ms: status
                .last_synced_at
                .map(|t: DateTime<Utc>| t.timestamp_millis()),
        }
    }
}

/// Told of each change of the sync state, on a thread of the core's.
#[uniffi::export(foreign)]
pub trait SyncListener: Send + Sync {
    fn on_state(&self, state: SyncState);
}

/// A running subscription: cancelled by `cancel()` or when the app drops it (`close()`).
#[derive(Debug, uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<Subscription>>,
}

#[derive(Debug)]
enum Subscription {
    Task(tokio::task::JoinHandle<()>),
    Watch(WatchHandle),
}

impl Subscription {
    fn stop(self) {
        match self {
            Subscription::Task(task) => task.abort(),
            Subscription::Watch(watch) => drop(watch),
        }
    }
}

#[uniffi::export]
impl TaskHandle {
    pub fn cancel(&self) {
        if let Ok(mut task) = self.task.lock()
            && let Some(task) = task.take()
        {
            task.stop();
        }
    }

    pub fn is_active(&self) -> bool {
        self.task
            .lock()
            .map(|task| match task.as_ref() {
                Some(Subscription::Task(task)) => !task.is_finished(),
                Some(Subscription::Watch(_)) => true,
                None => false,
            })
            .unwrap_or(false)
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[derive(Debug, uniffi::Object)]
pub struct SyncClient {
    inner: tingshuo_core::client::SyncClient,
}

#[uniffi::export]
impl SyncClient {
    pub async fn is_registered(&self) -> Result<bool, TingshuoError> {
        let inner = self.inner.clone();
        run(async move { inner.is_registered().await.map_err(TingshuoError::from) }).await
    }

    /// Sends what waits in the outbox, then pulls the bank's changes.
    pub async fn sync_now(&self) -> Result<SyncSummary, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            let report = inner.sync_now().await?;
            Ok(SyncSummary {
                requests_sent: count(report.requests_sent),
                requests_failed: count(report.requests_failed),
                pages_pulled: count(report.pages_pulled),
                patches_applied: count(report.patches_applied),
                rows_waiting_for_parents: count(report.rows_waiting_for_parents),
                records_left_out: count(report.records_left_out),
                pulled: report.pulled,
                complete: report.complete,
            })
        })
        .await
    }

    pub fn state(&self) -> SyncState {
        self.inner.status().into()
    }

    /// Calls `listener` with the sync state now and on each change, until the handle is
    /// cancelled or dropped.
    pub fn subscribe(
        &self,
        listener: Arc<dyn SyncListener>,
    ) -> Result<Arc<TaskHandle>, TingshuoError> {
        let mut changes = self.inner.subscribe();
        let task = runtime()?.spawn(async move {
            loop {
                let state: SyncState = changes.borrow_and_update().clone().into();
                let listener = listener.clone();
                // The host's listener runs off the core's threads.
                let _ = tokio::task::spawn_blocking(move || listener.on_state(state)).await;
                if changes.changed().await.is_err() {
                    break;
                }
            }
        });
        Ok(Arc::new(TaskHandle {
            task: Mutex::new(Some(Subscription::Task(task))),
        }))
    }

    /// Follows the bank's change stream (applying what it announces) until the handle is
    /// cancelled or dropped; subscribe to the state to hear about it.
    pub fn watch_changes(&self) -> Result<Arc<TaskHandle>, TingshuoError> {
        let _entered = runtime()?.enter();
        let watch = self.inner.watch_changes();
        Ok(Arc::new(TaskHandle {
            task: Mutex::new(Some(Subscription::Watch(watch))),
        }))
    }
}

#[derive(Debug, uniffi::Object)]
pub struct ActionsClient {
    inner: tingshuo_core::client::ActionsClient,
}

impl ActionsClient {
    async fn queue(&self, action: Action) -> Result<(), TingshuoError> {
        let inner = self.inner.clone();
        run(async move { inner.queue(action).await.map_err(TingshuoError::from) }).await
    }
}

#[uniffi::export]
impl ActionsClient {
    /// Queued even offline, sent before anything else.
    pub async fn lock_card(&self, card_id: String) -> Result<(), TingshuoError> {
        self.queue(Action::LockCard(Id::new(card_id))).await
    }

    /// Unlocking weakens a protection: the core asks the host's signer to sign the bank's
    /// fresh challenge with the payment key (its PIN or biometric prompt), and the bank acts
    /// only on that proof. Read the card back and have the customer confirm it first. Needs
    /// the bank now: `Offline` when it cannot be reached (nothing queued), `Cancelled` when
    /// the customer called the prompt off.
    pub async fn unlock_card(&self, card_id: String) -> Result<(), TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            inner
                .unlock_card(&Id::new(card_id))
                .await
                .map_err(TingshuoError::from)
        })
        .await
    }

    pub async fn mark_alert_read(&self, alert_id: String) -> Result<(), TingshuoError> {
        self.queue(Action::MarkAlertRead(Id::new(alert_id))).await
    }
}

/// A payment prepared from the local view, to be read back before it is confirmed.
#[derive(Debug, uniffi::Object)]
pub struct PreparedPayment {
    read_back: ReadBack,
    /// Taken by the first `confirm`: a prepared payment is sent at most once, so a second tap
    /// or a retry after a timeout or a cancelled call cannot pay twice.
    draft: std::sync::Mutex<Option<PaymentDraft>>,
}

/// What the read-back says.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct ReadBack {
    pub from_ending: String,
    pub to_name: String,
    pub to_ending: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[uniffi::export]
impl PreparedPayment {
    pub fn read_back(&self) -> ReadBack {
        self.read_back.clone()
    }
}

impl PreparedPayment {
    fn new(draft: PaymentDraft) -> Arc<PreparedPayment> {
        let amount = draft.amount.reveal();
        let read_back = ReadBack {
            from_ending: draft.from_last_four.clone(),
            to_name: draft.target_name.reveal().clone(),
            to_ending: draft.target_last_four.clone(),
            amount_minor: amount.minor(),
            currency: amount.currency().code().into(),
        };
        Arc::new(PreparedPayment {
            read_back,
            draft: std::sync::Mutex::new(Some(draft)),
        })
    }

    /// The draft, once: `AlreadySent` after it was taken.
    fn take(&self) -> Result<PaymentDraft, TingshuoError> {
        self.draft
            .lock()
            // Nothing panics while holding it; a poisoned lock still guards the draft.
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or(TingshuoError::AlreadySent)
    }
}

/// Where a payment stands, as the bank said.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentResult {
    Executed {
        payment_id: String,
    },
    /// Held by the bank (a risky transfer), cancellable until it ends.
    Held {
        payment_id: String,
        hold_until_unix_ms: Option<i64>,
    },
    Cancelled {
        payment_id: String,
    },
    Refused {
        code: String,
    },
    /// The answer was lost: it is reconciled by its idempotency key (`check`).
    Unknown {
        key: String,
    },
}

impl From<PaymentOutcome> for PaymentResult {
    fn from(outcome: PaymentOutcome) -> PaymentResult {
        match outcome {
            PaymentOutcome::Executed(payment) => PaymentResult::Executed {
                payment_id: payment.id,
            },
            PaymentOutcome::Held(payment) => PaymentResult::Held {
                payment_id: payment.id,
                hold_until_unix_ms: payment.hold_until.map(|t| t.timestamp_millis()),
            },
            PaymentOutcome::Cancelled(payment) => PaymentResult::Cancelled {
                payment_id: payment.id,
            },
            PaymentOutcome::Refused { code } => PaymentResult::Refused {
                code: bank_code(&code),
            },
            PaymentOutcome::Unknown { key } => PaymentResult::Unknown { key },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Settlement {
    Unknown,
    Executed,
    Held,
    Cancelled,
    Refused { reason: String },
    NotSent,
}

impl From<Settled> for Settlement {
    fn from(settled: Settled) -> Settlement {
        match settled {
            Settled::Unknown => Settlement::Unknown,
            Settled::Executed => Settlement::Executed,
            Settled::Held => Settlement::Held,
            Settled::Cancelled => Settlement::Cancelled,
            Settled::Refused { reason } => Settlement::Refused {
                reason: bank_code(&reason),
            },
            Settled::NotSent => Settlement::NotSent,
        }
    }
}

/// A confirmed payment this device knows of.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attempt {
    pub idempotency_key: String,
    pub state: String,
}

#[derive(Debug, uniffi::Object)]
pub struct PaymentsClient {
    inner: tingshuo_core::client::PaymentsClient,
}

fn money(amount_minor: i64, currency: &str) -> Result<Money, TingshuoError> {
    let currency = Currency::from_code(currency).map_err(|_| internal("unknown currency"))?;
    Ok(Money::from_minor(amount_minor, currency))
}

#[uniffi::export]
impl PaymentsClient {
    pub async fn prepare_transfer(
        &self,
        from_account: String,
        payee_id: String,
        amount_minor: i64,
        currency: String,
    ) -> Result<Arc<PreparedPayment>, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            let amount = money(amount_minor, &currency)?;
            let draft = inner
                .prepare_transfer(&Id::new(from_account), &Id::new(payee_id), amount)
                .await?;
            Ok(PreparedPayment::new(draft))
        })
        .await
    }

    pub async fn prepare_bill(
        &self,
        from_account: String,
        bill_id: String,
    ) -> Result<Arc<PreparedPayment>, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            let draft = inner
                .prepare_bill(&Id::new(from_account), &Id::new(bill_id))
                .await?;
            Ok(PreparedPayment::new(draft))
        })
        .await
    }

    /// Sends a payment the customer confirmed after its read-back (the device's payment key
    /// signs it, behind the platform's PIN or biometric). Runs to its end on the core's
    /// runtime even when the caller is cancelled: the attempt is recorded and reconciled. A
    /// prepared payment is sent once: confirming it again is `AlreadySent` (E108), whatever
    /// became of the first (`attempts` and `check` tell); another payment is prepared, and
    /// read back, anew.
    pub async fn confirm(
        &self,
        payment: Arc<PreparedPayment>,
    ) -> Result<PaymentResult, TingshuoError> {
        let inner = self.inner.clone();
        let draft = payment.take()?;
        run(async move {
            let outcome = inner.confirm(draft).await?;
            Ok(PaymentResult::from(outcome))
        })
        .await
    }

    /// Cancels a payment the bank holds.
    pub async fn cancel(&self, payment_id: String) -> Result<PaymentResult, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            let outcome = inner.cancel(&payment_id).await?;
            Ok(PaymentResult::from(outcome))
        })
        .await
    }

    /// Asks the bank about every payment whose answer was lost.
    pub async fn reconcile(&self) -> Result<(), TingshuoError> {
        let inner = self.inner.clone();
        run(async move { inner.reconcile().await.map_err(TingshuoError::from) }).await
    }

    /// Where the payment confirmed under `key` stands.
    pub async fn check(&self, key: String) -> Result<Settlement, TingshuoError> {
        let inner = self.inner.clone();
        run(async move { Ok(inner.check(&key).await?.into()) }).await
    }

    /// The payments this device confirmed that the bank has not finished with.
    pub async fn attempts(&self) -> Result<Vec<Attempt>, TingshuoError> {
        let inner = self.inner.clone();
        run(async move {
            Ok(inner
                .attempts()
                .await?
                .into_iter()
                .map(|attempt| Attempt {
                    idempotency_key: attempt.idempotency_key,
                    state: attempt.state,
                })
                .collect())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::LogoutResult;

    #[test]
    fn a_logout_is_told_in_each_locale_with_each_thing_left_undone() {
        let clean = LogoutResult {
            revoked: true,
            unconfirmed_card_locks: Some(0),
            unconfirmed_requests: Some(0),
            payments_unresolved: Some(0),
        };
        let undone = LogoutResult {
            revoked: false,
            unconfirmed_card_locks: Some(2),
            unconfirmed_requests: Some(3),
            payments_unresolved: Some(1),
        };
        let unread = LogoutResult {
            revoked: true,
            unconfirmed_card_locks: None,
            unconfirmed_requests: None,
            payments_unresolved: None,
        };
        for locale in ["en-US", "zh-CN"] {
            let told = |result: &LogoutResult| result.describe(locale.into()).unwrap();
            assert_eq!(told(&clean).len(), 1, "{locale}");
            // Signed out, not removed at the bank, 2 locks, 1 other request, 1 payment.
            let lines = told(&undone);
            assert_eq!(lines.len(), 5, "{locale}: {lines:?}");
            assert!(lines[2].display.contains('2'), "{locale}: {lines:?}");
            assert!(lines.iter().all(|line| !line.speech.is_empty()));
            // Nothing could be read: signed out, and check with the bank.
            assert_eq!(told(&unread).len(), 2, "{locale}");
        }
        assert!(clean.describe("fr-FR".into()).is_err());
    }
}
