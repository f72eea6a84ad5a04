//! Payments: prepared from the local view for read-back, confirmed online with a step-up
//! proof, recorded before sending, reconciled by idempotency key when the answer is lost.

use chrono::Utc;

use crate::store::StoreError;
use crate::sync::{NetError, SyncEngine, SyncError, new_idempotency_key, route_path};
use tingshuo_base::classify::{AccountNumber, C2};
use tingshuo_base::ids::Id;
use tingshuo_base::model::{Account, Bill, Payee};
use tingshuo_base::money::Money;
use tingshuo_base::wire::routes;
use tingshuo_base::wire::{self, PaymentDto, PaymentRequest, codes, payment_status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    Transfer,
    Bill,
    /// Between two of her own accounts: to her savings, or paying off her credit card.
    Move,
}

impl PaymentKind {
    fn as_str(&self) -> &'static str {
        match self {
            PaymentKind::Transfer => "transfer",
            PaymentKind::Bill => "bill",
            PaymentKind::Move => "move",
        }
    }
}

/// Who or what a payment pays, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentTarget {
    Payee(Id<Payee>),
    Bill(Id<Bill>),
    /// Another account of hers.
    Account(Id<Account>),
}

impl PaymentTarget {
    pub fn kind(&self) -> PaymentKind {
        match self {
            PaymentTarget::Payee(_) => PaymentKind::Transfer,
            PaymentTarget::Bill(_) => PaymentKind::Bill,
            PaymentTarget::Account(_) => PaymentKind::Move,
        }
    }

    fn id(&self) -> &str {
        match self {
            PaymentTarget::Payee(id) => id,
            PaymentTarget::Bill(id) => id,
            PaymentTarget::Account(id) => id,
        }
    }
}

/// A payment ready to be read back to the customer and confirmed. Not `Clone`: confirming
/// spends it ([`crate::client::PaymentsClient::confirm`]).
#[derive(Debug, PartialEq)]
pub struct PaymentDraft {
    pub from_account: Id<Account>,
    /// Last four digits of the paying account, for the read-back.
    pub from_last_four: String,
    pub target: PaymentTarget,
    /// The payee's, the biller's or her own account's name, for the read-back.
    pub target_name: C2<String>,
    /// The last four digits of the payee's account, the customer's reference with the biller
    /// or her own account's number, for the read-back.
    pub target_last_four: String,
    pub amount: C2<Money>,
    /// A digest of what the payment is, whole: both account numbers (or the biller reference)
    /// in full — the read-back says only their last four digits — the name and the amount.
    /// Two drafts with the same digest pay the same; the numbers themselves are not kept.
    pub details: [u8; 32],
}

/// What became of a confirmed payment.
#[derive(Debug, Clone, PartialEq)]
pub enum PaymentOutcome {
    Executed(PaymentDto),
    /// A risky transfer the bank holds until `hold_until`; cancellable until then.
    Held(PaymentDto),
    Cancelled(PaymentDto),
    /// The bank refused it (limit, funds, step-up); nothing moved.
    Refused {
        code: String,
    },
    /// The answer was lost; the payment is reconciled by its idempotency key at the next
    /// sync, or when asked ([`crate::client::PaymentsClient::check`]).
    Unknown {
        key: String,
    },
}

/// Where a confirmed payment stands, as this device knows it from the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The bank has not said yet (the answer was lost, and it could not be asked).
    Unknown,
    Executed,
    /// Held by the bank, cancellable until its hold ends.
    Held,
    Cancelled,
    /// The bank refused it, with its reason code; nothing moved.
    Refused {
        reason: String,
    },
    /// It never reached the bank: nothing was sent.
    NotSent,
}

impl Settled {
    /// From a recorded attempt's state and reason.
    pub fn of(state: &str, reason: Option<&str>) -> Settled {
        match (state, reason) {
            ("executed", _) => Settled::Executed,
            ("held", _) => Settled::Held,
            ("cancelled", _) => Settled::Cancelled,
            ("refused", Some(NOT_SENT | NEVER_SENT)) => Settled::NotSent,
            ("refused", reason) => Settled::Refused {
                reason: reason.unwrap_or_default().to_owned(),
            },
            _ => Settled::Unknown,
        }
    }
}

/// The reason recorded for a payment that never reached the bank.
const NOT_SENT: &str = "offline";
/// Whether a recorded payment goes to the bank for the first time or again (after the bank
/// said, when asked by its key, that it had not seen it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    First,
    Again,
}

/// The reason recorded for a payment lost with a damaged store before the bank ever saw it.
const NEVER_SENT: &str = "never_sent";

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("the bank is not reachable, so no money was moved; payments need the bank online")]
    Offline,
    #[error("the payment is not possible: {0}")]
    Invalid(&'static str),
    #[error("the step-up check was not completed; no money was moved")]
    StepUpCancelled,
    #[error("the phone's payment key is gone; it must be registered again; no money was moved")]
    DeviceKeyLost,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<NetError> for PaymentError {
    fn from(error: NetError) -> PaymentError {
        match error {
            error if error.is_transient() => PaymentError::Offline,
            NetError::Signer(crate::crypto::SignerError::KeyLost) => PaymentError::DeviceKeyLost,
            NetError::Signer(_) => PaymentError::StepUpCancelled,
            other => PaymentError::Sync(SyncError::Net(other)),
        }
    }
}

fn outcome_of(payment: PaymentDto) -> (PaymentOutcome, &'static str) {
    match payment.status.as_str() {
        payment_status::HELD => (PaymentOutcome::Held(payment), "held"),
        payment_status::CANCELLED => (PaymentOutcome::Cancelled(payment), "cancelled"),
        _ => (PaymentOutcome::Executed(payment), "executed"),
    }
}

impl SyncEngine {
    /// A transfer to a trusted payee, checked against the local view.
    pub async fn prepare_transfer(
        &self,
        from_account: &Id<Account>,
        payee_id: &Id<Payee>,
        amount: Money,
    ) -> Result<PaymentDraft, PaymentError> {
        let parts = self.store.load_view_parts().await?;
        let payee = parts
            .payees
            .iter()
            .find(|p| p.item.id == *payee_id)
            .ok_or(PaymentError::Invalid("unknown payee"))?;
        self.draft(
            &parts,
            from_account,
            PaymentTarget::Payee(payee_id.clone()),
            payee.item.name.clone(),
            payee.item.account_number.reveal(),
            amount,
        )
    }

    /// Moving money to another of her accounts (her savings; her credit card, paying it off),
    /// checked against the local view: never to the account it leaves, nor to one that takes
    /// no money by a payment (a time deposit, a loan).
    pub async fn prepare_move(
        &self,
        from_account: &Id<Account>,
        to_account: &Id<Account>,
        amount: Money,
    ) -> Result<PaymentDraft, PaymentError> {
        let parts = self.store.load_view_parts().await?;
        let to = parts
            .accounts
            .iter()
            .find(|a| a.item.id == *to_account)
            .ok_or(PaymentError::Invalid("unknown account"))?;
        if to_account == from_account {
            return Err(PaymentError::Invalid(
                "the money would go to the account it leaves",
            ));
        }
        if !to.item.kind.takes_moves() {
            return Err(PaymentError::Invalid(
                "money moves to a current, savings or credit card account",
            ));
        }
        if to.item.currency != amount.currency() {
            return Err(PaymentError::Invalid(
                "the amount's currency differs from the account's",
            ));
        }
        self.draft(
            &parts,
            from_account,
            PaymentTarget::Account(to_account.clone()),
            C2::new(to.item.name.clone()),
            to.item.number.reveal(),
            amount,
        )
    }

    /// Paying a bill in full, checked against the local view.
    pub async fn prepare_bill(
        &self,
        from_account: &Id<Account>,
        bill_id: &Id<Bill>,
    ) -> Result<PaymentDraft, PaymentError> {
        let parts = self.store.load_view_parts().await?;
        let bill = parts
            .unpaid_bills
            .iter()
            .find(|b| b.item.id == *bill_id)
            .ok_or(PaymentError::Invalid("no such unpaid bill"))?;
        let (biller, reference) = parts
            .billers
            .iter()
            .find(|b| b.item.id == bill.item.biller_id)
            .map(|b| {
                (
                    b.item.name.clone(),
                    b.item.customer_reference.reveal().clone(),
                )
            })
            .unwrap_or_else(|| (String::new(), AccountNumber::new("")));
        let amount = *bill.item.amount.reveal();
        self.draft(
            &parts,
            from_account,
            PaymentTarget::Bill(bill_id.clone()),
            C2::new(biller),
            &reference,
            amount,
        )
    }

    fn draft(
        &self,
        parts: &tingshuo_base::view::ViewParts,
        from_account: &Id<Account>,
        target: PaymentTarget,
        target_name: C2<String>,
        target_number: &AccountNumber,
        amount: Money,
    ) -> Result<PaymentDraft, PaymentError> {
        let account = parts
            .accounts
            .iter()
            .find(|a| a.item.id == *from_account)
            .ok_or(PaymentError::Invalid("unknown account"))?;
        if !account.item.kind.holds_own_funds() {
            return Err(PaymentError::Invalid(
                "payments leave a current or savings account",
            ));
        }
        if amount.currency() != account.item.currency {
            return Err(PaymentError::Invalid(
                "the amount's currency differs from the account's",
            ));
        }
        if amount.minor() <= 0 {
            return Err(PaymentError::Invalid("the amount must be positive"));
        }
        let from_number = account.item.number.reveal();
        let mut details = ring::digest::Context::new(&ring::digest::SHA256);
        for part in [
            from_number.as_str(),
            target.id(),
            target_number.as_str(),
            target_name.reveal(),
            &amount.minor().to_string(),
            amount.currency().code(),
        ] {
            // Each part's length first: no two different payments run into the same bytes.
            details.update(&(part.len() as u64).to_le_bytes());
            details.update(part.as_bytes());
        }
        let mut digest = [0; 32];
        digest.copy_from_slice(details.finish().as_ref());
        Ok(PaymentDraft {
            from_account: from_account.clone(),
            from_last_four: from_number.last_four().to_owned(),
            target,
            target_last_four: target_number.last_four().to_owned(),
            target_name,
            amount: C2::new(amount),
            details: digest,
        })
    }

    /// Sends a payment the customer confirmed after its read-back. The device key signs the
    /// canonical payment and the bank's fresh challenge (the host asks for PIN or biometric).
    /// The attempt is recorded before sending, so its outcome is never lost.
    pub async fn confirm_payment(
        &self,
        draft: &PaymentDraft,
    ) -> Result<PaymentOutcome, PaymentError> {
        let challenge = self.api.step_up_challenge().await?;
        let key = new_idempotency_key()?;
        let amount = draft.amount.reveal();
        let mut request = PaymentRequest {
            kind: draft.target.kind().as_str().to_owned(),
            from_account: draft.from_account.as_str().to_owned(),
            target_id: draft.target.id().to_owned(),
            amount_minor: amount.minor(),
            currency: amount.currency().code().to_owned(),
            challenge,
            signature: String::new(),
        };
        request.signature = self
            .api
            .sign_payment(&wire::payment_message(&request, &key))?;
        let body = crate::sync::BankApi::body(&request)?;
        let delivering = self.payment_delivery.lock().await;
        self.store
            .record_payment_attempt(&key, &body, Utc::now())
            .await?;
        tracing::info!(
            kind = draft.target.kind().as_str(),
            "payment confirmed and recorded"
        );
        let outcome = self.deliver_payment(&key, &body, Delivery::First).await;
        drop(delivering);
        let outcome = outcome?;
        if !matches!(outcome, PaymentOutcome::Unknown { .. }) {
            // Best effort: show the new balance. The payment itself is already settled.
            let _ = self.sync_now().await;
        }
        Ok(outcome)
    }

    /// Sends a recorded payment (the first time, or again with the same key).
    async fn deliver_payment(
        &self,
        key: &str,
        body: &str,
        delivery: Delivery,
    ) -> Result<PaymentOutcome, PaymentError> {
        match self
            .api
            .call::<PaymentDto>(
                routes::MAKE_PAYMENT.method,
                routes::MAKE_PAYMENT.plain(),
                Some(body),
                Some(key),
            )
            .await
        {
            Ok(payment) => {
                let Ok(payment) = payment.validated() else {
                    // Money may have moved; the answer is unreadable. Reconciliation asks again.
                    tracing::warn!("payment answer invalid; it will be reconciled by its key");
                    return Ok(PaymentOutcome::Unknown {
                        key: key.to_owned(),
                    });
                };
                let (outcome, state) = outcome_of(payment);
                let dto = match &outcome {
                    PaymentOutcome::Executed(p)
                    | PaymentOutcome::Held(p)
                    | PaymentOutcome::Cancelled(p) => Some(p),
                    _ => None,
                };
                // The bank's answer stands even when it cannot be written down: the attempt
                // then stays open, and the next reconciliation records it by its key.
                self.record_settled(key, state, dto, None).await;
                Ok(outcome)
            }
            Err(NetError::Refused { status, code }) if status != 401 => {
                tracing::info!(%code, "payment refused by the bank");
                if self.record_settled(key, "refused", None, Some(&code)).await {
                    Ok(PaymentOutcome::Refused { code })
                } else {
                    // Left open, a later reconciliation could send it again: until the bank
                    // is asked, its outcome is said as being checked.
                    Ok(PaymentOutcome::Unknown {
                        key: key.to_owned(),
                    })
                }
            }
            // Sent again after the bank said it had not seen it: the first send may still be
            // on its way to the bank, so the connection failing now says nothing of it. It stays
            // open, asked about again by its key.
            Err(NetError::Offline | NetError::SignInFailed(_)) if delivery == Delivery::Again => {
                Ok(PaymentOutcome::Unknown {
                    key: key.to_owned(),
                })
            }
            Err(NetError::Offline | NetError::SignInFailed(_)) => {
                // The connection never opened: the bank did not receive it from here. It is
                // settled as not sent now, so it cannot go out later without the customer
                // knowing — unless another client on this file settled it meanwhile (it found
                // it open and had the bank's answer for it): then that answer stands, told
                // once asked about, never "not sent".
                match self
                    .store
                    .settle_unsent_payment_attempt(key, NOT_SENT, Utc::now())
                    .await
                {
                    Ok(true) => Err(PaymentError::Offline),
                    Ok(false) => Ok(PaymentOutcome::Unknown {
                        key: key.to_owned(),
                    }),
                    Err(error) => {
                        // Not recorded as not sent, a later reconciliation would send it: until
                        // then its outcome is not known, and it is not said as not sent.
                        tracing::warn!(%error, "a payment's outcome was not recorded");
                        Ok(PaymentOutcome::Unknown {
                            key: key.to_owned(),
                        })
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "payment outcome unknown; it will be reconciled by its key");
                Ok(PaymentOutcome::Unknown {
                    key: key.to_owned(),
                })
            }
        }
    }

    /// Writes down a payment attempt's outcome; `false` (logged) when the store would not.
    async fn record_settled(
        &self,
        key: &str,
        state: &str,
        payment: Option<&PaymentDto>,
        reason: Option<&str>,
    ) -> bool {
        match self
            .store
            .settle_payment_attempt(key, state, payment, reason, Utc::now())
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, state, "a payment's outcome was not recorded");
                false
            }
        }
    }

    /// Settles every payment whose outcome is unknown: asks the bank by key; if the bank
    /// never saw it, sends the very same signed request again under the same key.
    pub async fn reconcile_payments(&self) -> Result<(), SyncError> {
        let _delivering = self.payment_delivery.lock().await;
        // One payment's answer failing (its lookup erroring at the bank) does not keep the
        // others from being asked about; the first such failure is the round's to report.
        let mut first_failure = None;
        for attempt in self.store.payment_attempts(true).await? {
            let path = route_path(routes::PAYMENT_BY_KEY, &[&attempt.idempotency_key])?;
            match self
                .api
                .call::<PaymentDto>(routes::PAYMENT_BY_KEY.method, &path, None, None)
                .await
            {
                Ok(payment) => {
                    // An unreadable answer, or one about another payment than the key asked
                    // for, must not stop every later round, nor settle this one: next time.
                    let Ok(payment) = payment.validated().and_then(|p| {
                        (p.idempotency_key == attempt.idempotency_key)
                            .then_some(p)
                            .ok_or(wire::WireError::UnknownValue {
                                field: "payment.idempotency_key",
                            })
                    }) else {
                        tracing::warn!(
                            "reconciliation answer invalid; the payment stays unresolved"
                        );
                        continue;
                    };
                    let (_, state) = outcome_of(payment.clone());
                    self.store
                        .settle_payment_attempt(
                            &attempt.idempotency_key,
                            state,
                            Some(&payment),
                            None,
                            Utc::now(),
                        )
                        .await?;
                }
                Err(error) if error.is_refusal(codes::NOT_FOUND) => match &attempt.request {
                    Some(body) => {
                        let outcome = self
                            .deliver_payment(&attempt.idempotency_key, body, Delivery::Again)
                            .await;
                        if let Err(PaymentError::Store(e)) = outcome {
                            return Err(e.into());
                        }
                    }
                    None => {
                        // Lost with a damaged store before the bank ever saw it: nothing moved.
                        self.store
                            .settle_unsent_payment_attempt(
                                &attempt.idempotency_key,
                                NEVER_SENT,
                                Utc::now(),
                            )
                            .await?;
                    }
                },
                // The bank cannot be reached: the other payments wait for the next round (the
                // round still sends what is queued).
                Err(NetError::Offline) => return Err(NetError::Offline.into()),
                // This one's answer failed for now: asked again next round, the others now.
                Err(error) if error.is_transient() => {
                    tracing::warn!(%error, "a payment's outcome could not be had; asked again later");
                    first_failure.get_or_insert(error);
                }
                // Any other refusal must not block every later round; try again next time.
                Err(error) => tracing::warn!(%error, "payment reconciliation refused; will retry"),
            }
        }
        first_failure.map_or(Ok(()), |error| Err(error.into()))
    }

    /// Cancels a held payment before its hold ends.
    pub async fn cancel_payment(&self, payment_id: &str) -> Result<PaymentOutcome, PaymentError> {
        let key = new_idempotency_key()?;
        let path = route_path(routes::CANCEL_PAYMENT, &[payment_id])?;
        match self
            .api
            .call::<PaymentDto>(routes::CANCEL_PAYMENT.method, &path, Some("{}"), Some(&key))
            .await
        {
            // A 200 whose payment is not cancelled is said as the bank has it: made (its hold
            // over), never "cancelled, the money stays" for money that went; still held, as
            // held (the session asks the bank where it stands).
            Ok(payment) if payment.status == payment_status::EXECUTED => {
                payment.validated().map_err(SyncError::from)?;
                let _ = self.sync_now().await;
                Ok(PaymentOutcome::Refused {
                    code: codes::NOT_CANCELLABLE.into(),
                })
            }
            Ok(payment) if payment.status != payment_status::CANCELLED => {
                let payment = payment.validated().map_err(SyncError::from)?;
                Ok(PaymentOutcome::Held(payment))
            }
            Ok(payment) => {
                let payment = payment.validated().map_err(SyncError::from)?;
                if payment.id != payment_id {
                    // An answer about another payment settles none.
                    return Err(SyncError::from(wire::WireError::UnknownValue {
                        field: "payment.id",
                    })
                    .into());
                }
                self.store
                    .settle_payment_attempt(
                        &payment.idempotency_key,
                        "cancelled",
                        Some(&payment),
                        None,
                        Utc::now(),
                    )
                    .await?;
                let _ = self.sync_now().await;
                Ok(PaymentOutcome::Cancelled(payment))
            }
            Err(NetError::Refused { status, code }) if status != 401 => {
                Ok(PaymentOutcome::Refused { code })
            }
            Err(error) => Err(error.into()),
        }
    }
}
