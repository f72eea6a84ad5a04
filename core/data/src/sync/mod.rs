//! Offline-first sync with the bank (the bank is authoritative).
//!
//! * **Push** first: the outbox is sent in (priority, queue) order, each request with its own
//!   idempotency key, so a retry after a crash or a lost answer is harmless. A failure worth
//!   retrying schedules a retry with exponential backoff and jitter: one that says the bank
//!   cannot be reached stops the round, a server error holds back only the later requests for
//!   the same thing (order is kept per thing); a refusal fails the request with its reason
//!   and undoes its local echo.
//! * **Pull** after the push, even while requests wait (the bank failing one, or its retry not
//!   due): a row a waiting request acts on takes the bank's state and keeps showing the
//!   request's echo, whose undo becomes the bank's value (decision 0053). Each page is
//!   validated whole and applied with the cursor in one transaction.
//! * **Payments** never queue: they need the bank at confirmation. A confirmed payment is
//!   recorded before it is sent; an unknown outcome is reconciled by its idempotency key,
//!   and a resend, if any, uses the same key, so it is never a second payment.
//! * The change stream triggers pulls; [`SyncStatus`] is observable.

pub mod bank_api;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::store::sync::{NewRequest, keys};
use crate::store::{Store, StoreError};
use crate::transport::EventSource;
use tingshuo_base::action::Action;
use tingshuo_base::ids::Id;
use tingshuo_base::model::Card;
use tingshuo_base::wire::routes::{self, Route};
use tingshuo_base::wire::{self, ChangesResponse, Patch, PatchOp, WireError};

pub use bank_api::{BankApi, NetError};

/// Tuning of the sync loop.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Patches asked for per page.
    pub page_size: u32,
    /// First retry delay; doubles per attempt up to `backoff_cap`, with jitter.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for SyncConfig {
    fn default() -> SyncConfig {
        SyncConfig {
            page_size: 500,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    Unknown,
    Online,
    Offline,
}

/// What the app shows about sync: connectivity, what waits, what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub connectivity: Connectivity,
    pub syncing: bool,
    pub pending_requests: usize,
    pub failed_requests: usize,
    pub unresolved_payments: usize,
    /// When this device last applied the bank's data, by its own clock.
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub requests_sent: usize,
    pub requests_failed: usize,
    pub pages_pulled: usize,
    pub patches_applied: usize,
    /// Rows of the bank's feed kept aside at the round's end because their account or
    /// biller has not come: applied when it does. The round is not complete while any wait.
    pub rows_waiting_for_parents: usize,
    /// Records of the bank's this version cannot read (a kind or a value it does not know),
    /// at the round's end: left out of the view, which says so, and read again by a version
    /// that knows them.
    pub records_left_out: usize,
    /// The bank's news up to now is applied (the bank was reached and its feed pulled).
    pub pulled: bool,
    /// Pulled, and nothing left waiting in the outbox: false when the round stopped early
    /// (offline), or left requests waiting (the bank failing them, their next try not due).
    pub complete: bool,
}

/// Whether a push sends requests whose next try is not due yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    WhenDue,
    Now,
}

/// What a push left in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pushed {
    /// Every request delivered, or refused for good.
    All,
    /// Some wait for a later try, with the last server error the bank gave this round, if
    /// any, and its answer asking to slow down (408, 429), if any.
    Waiting {
        bank_error: Option<NetError>,
        slow_down: Option<NetError>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the bank sent invalid data: {0}; nothing from that page was applied")]
    Wire(#[from] WireError),
    /// The bank said this device was revoked, and everything the store held of the customer
    /// was deleted with that answer (only a sync says this; elsewhere the bank's refusal).
    #[error("this device was revoked; its data on the customer was deleted")]
    DeviceRevoked,
}

/// The most pages, and changes, one sync pulls: a customer with ten years of daily
/// transactions fills a few hundred pages; a bank that says "more" forever stops here.
pub const MAX_PAGES_PER_SYNC: usize = 1_000;
pub const MAX_PATCHES_PER_SYNC: usize = 500_000;

/// The sync engine for one customer's store.
#[derive(Debug)]
pub struct SyncEngine {
    pub(crate) store: Arc<Store>,
    pub(crate) api: BankApi,
    pub(crate) config: SyncConfig,
    status: watch::Sender<SyncStatus>,
    /// One round at a time; pushes must not interleave or they could reorder.
    pub(crate) round: tokio::sync::Mutex<()>,
    /// A payment being sent is not reconciled meanwhile: asked about by its key before the
    /// first send lands, the bank has not seen it, and sending it again beside the first
    /// would leave two answers racing to settle one attempt.
    pub(crate) payment_delivery: tokio::sync::Mutex<()>,
}

/// A random idempotency key (27 characters of base64url).
pub fn new_idempotency_key() -> Result<String, StoreError> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let mut bytes = [0_u8; 20];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StoreError::InvalidInput("random source failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Exponential backoff with jitter: base·2^attempts capped, then a random 50–100% of it, so
/// many clients coming back online do not retry in lockstep.
pub fn backoff(config: &SyncConfig, attempts: i64) -> Duration {
    use ring::rand::SecureRandom;
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let full = config
        .backoff_base
        .saturating_mul(2_u32.saturating_pow(exponent))
        .min(config.backoff_cap);
    let mut byte = [0_u8; 1];
    let _ = ring::rand::SystemRandom::new().fill(&mut byte);
    full / 2 + (full / 2) * u32::from(byte[0]) / 255
}

impl SyncEngine {
    pub fn new(store: Arc<Store>, api: BankApi, config: SyncConfig) -> SyncEngine {
        let (status, _) = watch::channel(SyncStatus {
            connectivity: Connectivity::Unknown,
            syncing: false,
            pending_requests: 0,
            failed_requests: 0,
            unresolved_payments: 0,
            last_synced_at: None,
            last_error: None,
        });
        SyncEngine {
            store,
            api,
            config,
            status,
            round: tokio::sync::Mutex::new(()),
            payment_delivery: tokio::sync::Mutex::new(()),
        }
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    fn update_status(&self, change: impl FnOnce(&mut SyncStatus)) {
        self.status.send_modify(change);
    }

    pub(crate) async fn refresh_counts(&self) -> Result<(), StoreError> {
        let history = self.store.outbox_history().await?;
        let pending = history.iter().filter(|e| e.state == "pending").count();
        let failed = history.iter().filter(|e| e.state == "failed").count();
        let unresolved = self.store.payment_attempts(true).await?.len();
        let last = self
            .store
            .sync_value(keys::LAST_SYNCED_AT)
            .await?
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis);
        self.update_status(|s| {
            s.pending_requests = pending;
            s.failed_requests = failed;
            s.unresolved_payments = unresolved;
            s.last_synced_at = last;
        });
        Ok(())
    }

    fn note_net_error(&self, error: &NetError) {
        let offline = matches!(error, NetError::Offline);
        let message = error.to_string();
        self.update_status(|s| {
            if offline {
                s.connectivity = Connectivity::Offline;
            }
            s.last_error = Some(message);
        });
    }

    /// Queues a request with its local echo and tries to deliver it now; a request queued
    /// while offline stays queued and goes with the next round.
    ///
    /// Once the request is in the outbox this succeeds whatever the round does: a caller that
    /// retried on a delivery error would queue the same action twice. Delivery problems show
    /// in [`SyncStatus`] and in the outbox.
    pub async fn queue(&self, request: NewRequest) -> Result<(), SyncError> {
        self.store.enqueue(&request, Utc::now()).await?;
        tracing::debug!(kind = %request.action.kind(), "request queued");
        if let Err(error) = self.sync_now().await {
            tracing::debug!(%error, "queued request not delivered yet");
        }
        Ok(())
    }

    /// Queues a request for the next sync round, without running one now: nothing the
    /// customer waits on rides on it (a preference).
    pub async fn queue_for_next_round(&self, request: NewRequest) -> Result<(), SyncError> {
        self.store.enqueue(&request, Utc::now()).await?;
        tracing::debug!(kind = %request.action.kind(), "request queued for the next round");
        self.refresh_counts().await?;
        Ok(())
    }

    /// The session signs in as the device the store registered (read once).
    async fn know_device_id(&self) -> Result<(), SyncError> {
        if self.api.device_id().is_none() {
            self.api
                .set_device_id(self.store.sync_value(keys::DEVICE_ID).await?);
        }
        Ok(())
    }

    /// One sync round: reconcile payments, push the outbox, then pull.
    pub async fn sync_now(&self) -> Result<SyncReport, SyncError> {
        let _round = self.round.lock().await;
        self.update_status(|s| s.syncing = true);
        let mut result = self.round().await;
        if let Err(SyncError::Net(error)) = &result
            && error.is_device_revoked()
        {
            // A phone revoked (lost, or removed from another device) keeps nothing of her;
            // said as deleted only once it is.
            match self.forget_customer().await {
                Ok(()) => result = Err(SyncError::DeviceRevoked),
                Err(wipe) => tracing::warn!(%wipe, "a revoked device's data could not be deleted"),
            }
        }
        match &result {
            Err(SyncError::Net(error)) => self.note_net_error(error),
            Err(error) => {
                let message = error.to_string();
                self.update_status(|s| s.last_error = Some(message));
            }
            Ok(_) => {}
        }
        if let Err(error) = self.refresh_counts().await {
            tracing::warn!(%error, "sync status counts unavailable");
        }
        self.update_status(|s| s.syncing = false);
        result
    }

    async fn round(&self) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        self.know_device_id().await?;
        // A payment's answer that cannot be had now (its route failing, the bank reachable)
        // holds back neither what is queued (a card lock goes now) nor the bank's news: the
        // round goes on, stays incomplete, and the payment is asked about again in the next.
        let unreconciled = match self.reconcile_payments().await {
            Ok(()) => None,
            Err(SyncError::Net(error)) if error.is_transient() && error != NetError::Offline => {
                Some(error)
            }
            Err(error) => {
                if let Err(push_error) = self.push(&mut report, Retries::WhenDue).await {
                    tracing::debug!(%push_error, "queued requests not sent either");
                }
                return Err(error);
            }
        };
        // The bank's news is pulled even while it keeps failing a request, or one waits for
        // its next try: the pull keeps showing what waits (`Store::apply_changes`).
        let pushed = self.push(&mut report, Retries::WhenDue).await?;
        if let Pushed::Waiting {
            slow_down: Some(error),
            ..
        } = pushed
        {
            // Asked to slow down: no pull of many pages now.
            return Err(SyncError::Net(error));
        }
        self.pull(&mut report).await?;
        report.pulled = true;
        report.complete =
            pushed == Pushed::All && unreconciled.is_none() && report.rows_waiting_for_parents == 0;
        let push_error = match pushed {
            Pushed::Waiting { bank_error, .. } => bank_error.map(|error| error.to_string()),
            Pushed::All => None,
        };
        let last_error = push_error.or(unreconciled.map(|error| error.to_string()));
        self.update_status(|s| {
            s.connectivity = Connectivity::Online;
            s.last_error = last_error;
        });
        Ok(report)
    }

    /// Sends every waiting request now, whether or not its next try is due, after asking
    /// about payments whose outcome is unknown; pulls nothing. For a logout: a card lock
    /// queued goes before the device is gone, and no feed is fetched into a store about to be
    /// wiped.
    pub async fn deliver_now(&self) -> Result<(), SyncError> {
        let _round = self.round.lock().await;
        self.know_device_id().await?;
        if let Err(error) = self.reconcile_payments().await {
            tracing::info!(%error, "payments not asked about before delivery");
        }
        let pushed = self
            .push(&mut SyncReport::default(), Retries::Now)
            .await
            .map(|_| ());
        if let Err(error) = self.refresh_counts().await {
            tracing::warn!(%error, "sync status counts unavailable");
        }
        pushed
    }

    /// Sends waiting requests in order. A request the bank answers with a server error or a
    /// "slow down" (408, 429), or whose next try is not due (`Retries::WhenDue`), holds back
    /// the later requests for the same thing, never those for another: a lock of a second
    /// card goes while the bank keeps failing the first. A failure that says the bank cannot
    /// be reached, or may not have answered, stops the push, keeping the order.
    async fn push(&self, report: &mut SyncReport, retries: Retries) -> Result<Pushed, SyncError> {
        let mut held_back: Vec<String> = Vec::new();
        let (mut bank_error, mut slow_down) = (None, None);
        for item in self.store.pending_requests().await? {
            let action = &item.action;
            if held_back.iter().any(|target| target == action.target()) {
                continue;
            }
            if retries == Retries::WhenDue && item.next_attempt_at > Utc::now() {
                held_back.push(action.target().to_owned());
                continue;
            }
            let answer = self
                .api
                .call::<serde_json::Value>(
                    action.route().method,
                    &action.path(),
                    Some(&action.body()),
                    Some(&item.idempotency_key),
                )
                .await;
            match answer {
                Ok(entity) => {
                    // Delivered: the bank said yes. An answer that does not decode is not
                    // applied (the next pull brings the state), but the request is done.
                    let change = answer_change(action, entity).unwrap_or_else(|error| {
                        tracing::warn!(kind = %action.kind(), %error, "acknowledged with an invalid answer");
                        None
                    });
                    self.store
                        .request_acknowledged(item.seq, change.as_ref(), Utc::now())
                        .await?;
                    report.requests_sent += 1;
                    self.update_status(|s| s.connectivity = Connectivity::Online);
                }
                // A 401 judged the session, not the request: it is retried like a lost answer.
                Err(NetError::Refused { status, code }) if status != 401 => {
                    tracing::warn!(kind = %action.kind(), %code, "request refused by the bank");
                    self.store
                        .request_failed(item.seq, &code, Utc::now())
                        .await?;
                    report.requests_failed += 1;
                }
                Err(NetError::Invalid(reason)) => {
                    // A 2xx answer that is not what the API promises: the bank applied the
                    // request, and would replay the same answer forever. It is delivered.
                    tracing::warn!(kind = %action.kind(), %reason, "acknowledged with an undecodable answer");
                    self.store
                        .request_acknowledged(item.seq, None, Utc::now())
                        .await?;
                    report.requests_sent += 1;
                }
                Err(error) => {
                    let next = Utc::now() + backoff(&self.config, item.attempts);
                    self.store
                        .request_retry_later(item.seq, &error.to_string(), next)
                        .await?;
                    match error {
                        NetError::Unavailable { status } => {
                            held_back.push(action.target().to_owned());
                            if status < 500 {
                                slow_down = Some(error.clone());
                            }
                            bank_error = Some(error);
                        }
                        error => return Err(SyncError::Net(error)),
                    }
                }
            }
        }
        Ok(if held_back.is_empty() {
            Pushed::All
        } else {
            Pushed::Waiting {
                bank_error,
                slow_down,
            }
        })
    }

    /// Pulls pages until the bank has nothing more, applying each as it comes (the cursor
    /// moves with it, so an interrupted sync goes on from there). A transaction, card or bill
    /// whose account or biller has not come waits aside and is applied with the page that
    /// brings it (`Store::apply_page`); how many rows wait at the end is in the report. A
    /// bank that pages past [`MAX_PAGES_PER_SYNC`] pages or [`MAX_PATCHES_PER_SYNC`] changes
    /// is an error: what was applied stays, and the next sync goes on from the cursor it
    /// reached.
    async fn pull(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        let (mut pages, mut patches) = (0_usize, 0_usize);
        let mut cursor = self
            .store
            .sync_value(keys::CURSOR)
            .await?
            .unwrap_or_default();
        let reader = wire::reader_fingerprint();
        if !cursor.is_empty()
            && self
                .store
                .sync_value(keys::READ_BY)
                .await?
                .is_none_or(|read_by| read_by != reader)
        {
            // Another version read this store (one from before readers were named, too): this
            // one may know what that one left out or read as "other", or keep less of it, so
            // it reads the bank's feed again from the start, once.
            tracing::info!("the bank's feed is read again from the start by this version");
            cursor.clear();
        }
        // From the start, the feed is the bank's whole state: what was left out starts over.
        let from_start = cursor.is_empty();
        loop {
            if pages >= MAX_PAGES_PER_SYNC || patches >= MAX_PATCHES_PER_SYNC {
                return Err(WireError::TooManyPages {
                    pages: MAX_PAGES_PER_SYNC,
                    patches: MAX_PATCHES_PER_SYNC,
                }
                .into());
            }
            let path = format!(
                "{}?limit={}&cursor={}",
                routes::CHANGES.plain(),
                self.config.page_size,
                routes::url_component(&cursor)
            );
            let page: ChangesResponse = self
                .api
                .call(routes::CHANGES.method, &path, None, None)
                .await?;
            if page.patches.len() > wire::MAX_PAGE_PATCHES {
                return Err(WireError::PageTooLarge(page.patches.len()).into());
            }
            if page.cursor.is_empty() || page.cursor.len() > 512 {
                return Err(WireError::BadText { field: "cursor" }.into());
            }
            pages += 1;
            patches += page.patches.len();
            // Every patch of the page is checked before any is applied. A record of a kind
            // or with a value this version does not know (a newer bank's) is left out, not
            // her whole sync: remembered, said in the view, read by a version that knows it.
            // Anything else wrong refuses the page.
            let mut fed = Vec::with_capacity(page.patches.len());
            let mut left_out = Vec::new();
            for patch in page.patches {
                match patch.clone().into_change() {
                    Ok(change) => fed.push((patch, change)),
                    Err(WireError::UnknownValue { field }) => {
                        wire::check_left_out(&patch)?;
                        tracing::warn!(field, "a record this version cannot read was left out");
                        left_out.push(patch);
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            let applied = self
                .store
                .apply_page(
                    &fed,
                    &left_out,
                    from_start && pages == 1,
                    &page.cursor,
                    page.server_time,
                )
                .await?;
            report.rows_waiting_for_parents = applied.rows_waiting;
            report.records_left_out = applied.records_left_out;
            report.pages_pulled += 1;
            report.patches_applied += fed.len();
            if !page.has_more {
                if report.rows_waiting_for_parents > 0 {
                    tracing::warn!(
                        rows = report.rows_waiting_for_parents,
                        "the bank's feed ended with rows whose account or biller it never sent"
                    );
                }
                return Ok(());
            }
            if page.cursor == cursor {
                // "More" without moving on would loop forever.
                return Err(WireError::BadText { field: "cursor" }.into());
            }
            cursor = page.cursor;
        }
    }

    /// Follows the bank's change stream and pulls when it says so, until the returned handle
    /// is dropped. Reconnects with backoff; a round runs at (re)connection too.
    pub fn watch_changes(self: &Arc<Self>) -> WatchHandle {
        let engine = Arc::clone(self);
        let task = tokio::spawn(async move {
            let mut attempts = 0_i64;
            // Until the store is closed (the app closed it, or a rebuild replaced it).
            while !engine.store.is_shut() {
                let _ = engine.sync_now().await;
                match engine.api.events().await {
                    Ok(events) => {
                        attempts = 0;
                        engine.follow(events).await;
                    }
                    Err(error) => engine.note_net_error(&error),
                }
                tokio::time::sleep(backoff(&engine.config, attempts)).await;
                attempts += 1;
            }
        });
        WatchHandle { task }
    }

    async fn follow(&self, mut events: Box<dyn EventSource>) {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = events.next_chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if buffer.len() > 64 * 1024 {
                return; // Not an event stream the API describes.
            }
            while let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                if event.lines().any(|l| l.trim() == "event: changed") {
                    if self.store.is_shut() {
                        return;
                    }
                    tracing::debug!("bank announced changes");
                    let _ = self.sync_now().await;
                }
            }
        }
    }

    /// Registers this device and remembers the customer and device ids.
    pub async fn register(
        &self,
        customer_id: &str,
        code: &tingshuo_base::classify::OneTimeCode,
        device_name: &str,
    ) -> Result<(), SyncError> {
        // Not beside a round: one signing in again meanwhile would take the new device's id
        // with the old session, and pull or push into the wrong customer's store.
        let _round = self.round.lock().await;
        let device_id = self.api.register(customer_id, code, device_name).await?;
        // The new device signs in anew: a session of the device it replaces is not its own.
        self.api.set_token(None);
        let stored = async {
            // Another customer's data (or data whose owner is unknown) never shows in hers:
            // a store that was someone else's starts empty. Her own (registered again) stays.
            let owner = self.store.sync_value(keys::CUSTOMER_ID).await?;
            if owner.as_deref() != Some(customer_id) {
                self.store.forget_customer().await?;
            }
            self.store
                .set_sync_value(keys::DEVICE_ID, &device_id)
                .await?;
            self.store
                .set_sync_value(keys::CUSTOMER_ID, customer_id)
                .await
        }
        .await;
        if let Err(error) = stored {
            // The store does not say who it is for: no request goes out as the new device
            // over whatever it still holds.
            self.api.set_device_id(None);
            return Err(error.into());
        }
        Ok(())
    }

    /// Deletes the customer's data from the store and forgets this device's registration
    /// and session.
    pub(crate) async fn forget_customer(&self) -> Result<(), StoreError> {
        self.api.set_token(None);
        self.api.set_device_id(None);
        self.store.forget_customer().await
    }

    /// The action as the outbox takes it: a fresh idempotency key, its priority and echo.
    pub(crate) fn queued(action: Action) -> Result<NewRequest, StoreError> {
        Ok(NewRequest::new(action, new_idempotency_key()?))
    }

    /// An unlock with the step-up's proof, under the key it was signed for: the bank's fresh
    /// challenge signed by the payment key (the host asks for PIN or biometric) over the card
    /// and the key. It needs the bank now: a proof is made for a challenge, not later.
    pub(crate) async fn unlock_request(&self, card: &Id<Card>) -> Result<NewRequest, SyncError> {
        self.know_device_id().await?;
        let challenge = self.api.step_up_challenge().await?;
        let key = new_idempotency_key()?;
        let signature =
            self.api
                .sign_payment(&wire::unlock_message(card.as_str(), &key, &challenge))?;
        let proof = wire::StepUpProof {
            challenge,
            signature,
        };
        Ok(NewRequest::new(
            Action::UnlockCard(card.clone(), Some(proof)),
            key,
        ))
    }
}

/// Stops following the change stream when dropped.
#[derive(Debug)]
pub struct WatchHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The entity a request's answer carries, validated like any pulled patch.
fn answer_change(
    action: &Action,
    entity: serde_json::Value,
) -> Result<Option<wire::Change>, SyncError> {
    let (entity_kind, id) = action.answered_with();
    let patch = Patch {
        kind: entity_kind.to_owned(),
        id: id.to_owned(),
        op: PatchOp::Put,
        data: Some(entity),
    };
    Ok(Some(patch.into_change()?))
}

/// A route's path with its parameters; a wrong count is this code's mistake, reported as an
/// invalid request rather than sent.
pub(crate) fn route_path(route: Route, params: &[&str]) -> Result<String, NetError> {
    route
        .path(params)
        .ok_or_else(|| NetError::Invalid(format!("parameters of {}", route.template)))
}
