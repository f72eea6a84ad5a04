//! The unified view as lines to show and speak: plain sentences, one fact per line, in the
//! order a customer asks about them (money first, then what needs doing, then the rest).
//! Account and card numbers appear only masked; amounts only in the owner's own view.

use chrono::{DateTime, Utc};
use tingshuo_base::CustomerZone;

use super::{Arg, Args, Form, L10nError, Locale, Localizer, Utterance};
use tingshuo_base::action::Action;
use tingshuo_base::ids::Id;
use tingshuo_base::model::{
    AccountKind, Alert, Bill, Card, CardStatus, ServiceRequest, Source, Tracked, Transaction,
    TransactionStatus,
};
use tingshuo_base::money::Money;
use tingshuo_base::view::{CustomerView, RequestState, RequestView, UpcomingBill};

/// How many recent transactions the overview reads out.
const RECENT_LINES: usize = 5;

/// What a credit card or loan's booked balance says to her: the amount and whether she owes it
/// (`"owe"`) or is in credit by it (`"credit"`, a card paid beyond its balance). Booked is
/// negative while money is owed; either way the amount is said without a sign.
pub fn owed_or_in_credit(booked: Money) -> (Money, &'static str) {
    let amount = booked.checked_abs().unwrap_or(booked);
    if booked.minor() > 0 {
        (amount, "credit")
    } else {
        (amount, "owe")
    }
}

/// Where and when the view is presented.
#[derive(Debug, Clone)]
pub struct Presentation {
    pub locale: Locale,
    pub now: DateTime<Utc>,
    /// The customer's time zone, from the device: each date at the offset of its own day.
    pub zone: CustomerZone,
}

impl Presentation {
    fn line(
        &self,
        l10n: &Localizer,
        id: &str,
        args: impl Fn(Form) -> Result<Args, L10nError>,
    ) -> Result<Utterance, L10nError> {
        l10n.utter(self.locale, id, args)
    }

    fn plain(&self, l10n: &Localizer, id: &str) -> Result<Utterance, L10nError> {
        self.line(l10n, id, |_| Ok(Vec::new()))
    }

    fn freshness(
        &self,
        l10n: &Localizer,
        form: Form,
        as_of: DateTime<Utc>,
    ) -> Result<Arg, L10nError> {
        l10n.freshness(self.locale, form, as_of, self.now, &self.zone)
            .map(Arg::Text)
    }

    fn count_args(&self, l10n: &Localizer, form: Form, count: i64) -> Args {
        vec![
            ("count", Arg::Number(count)),
            (
                "n",
                Arg::Text(l10n.count(self.locale, form, count.unsigned_abs())),
            ),
        ]
    }
}

/// Renders the whole view, top to bottom.
pub fn view_lines(
    l10n: &Localizer,
    at: &Presentation,
    view: &CustomerView,
) -> Result<Vec<Utterance>, L10nError> {
    let locale = at.locale;
    let mut lines = Vec::new();

    lines.push(at.line(l10n, "view-greeting", |form| {
        Ok(vec![
            (
                "name",
                Arg::Text(view.customer.item.full_name.reveal().clone()),
            ),
            ("freshness", at.freshness(l10n, form, view.oldest_as_of)?),
        ])
    })?);
    if view.has_unconfirmed_local_changes {
        lines.push(at.plain(l10n, "view-local-changes")?);
    }
    if view.records_left_out > 0 {
        lines.push(at.plain(l10n, "view-records-left-out")?);
    }
    if !view.requests.is_empty() || view.unresolved_payments > 0 {
        lines.push(at.plain(l10n, "view-heading-requests")?);
        for request in &view.requests {
            lines.push(at.line(l10n, "view-request", |form| {
                request_args(l10n, at, form, view, request)
            })?);
        }
        if view.unresolved_payments > 0 {
            let count = i64::try_from(view.unresolved_payments).unwrap_or(i64::MAX);
            lines.push(at.line(l10n, "view-payments-unresolved", |form| {
                Ok(at.count_args(l10n, form, count))
            })?);
        }
    }

    lines.push(at.plain(l10n, "view-heading-accounts")?);
    for tracked in &view.accounts {
        let account = &tracked.item;
        let available = *account.balance.available.reveal();
        let booked = *account.balance.booked.reveal();
        let id = match account.kind {
            AccountKind::Current | AccountKind::Savings => "view-account-deposit",
            AccountKind::TimeDeposit => "view-account-time-deposit",
            AccountKind::CreditCard => "view-account-credit-card",
            AccountKind::Loan => "view-account-loan",
        };
        lines.push(at.line(l10n, id, |form| {
            let matures = match account.matures_on {
                Some(date) => l10n.date_with_year(locale, date)?,
                None => String::new(),
            };
            let (owed, standing) = owed_or_in_credit(booked);
            Ok(vec![
                ("account", Arg::Text(account.name.clone())),
                (
                    "masked",
                    Arg::Text(l10n.masked_account(locale, form, account.number.reveal())?),
                ),
                ("available", Arg::Text(l10n.money(locale, form, available))),
                ("booked", Arg::Text(l10n.money(locale, form, booked))),
                ("owed", Arg::Text(l10n.money(locale, form, owed))),
                ("standing", Arg::from(standing)),
                (
                    "differs",
                    Arg::from(if available == booked { "no" } else { "yes" }),
                ),
                ("matures", Arg::Text(matures)),
                ("freshness", at.freshness(l10n, form, tracked.as_of)?),
            ])
        })?);
    }
    for total in view.available_funds.values() {
        lines.push(at.line(l10n, "view-funds-total", |form| {
            Ok(vec![(
                "amount",
                Arg::Text(l10n.money(locale, form, *total)),
            )])
        })?);
    }

    lines.push(at.plain(l10n, "view-heading-bills")?);
    if view.upcoming_bills.is_empty() {
        lines.push(at.plain(l10n, "view-no-bills")?);
    }
    lines.extend(bill_lines(
        l10n,
        at,
        &view.upcoming_bills,
        &view.held_bills,
    )?);

    lines.push(at.plain(l10n, "view-heading-pending")?);
    if view.pending_transactions.is_empty() {
        lines.push(at.plain(l10n, "view-no-pending")?);
    }
    for pending in &view.pending_transactions {
        lines.push(at.line(l10n, "view-pending-transaction", |form| {
            let mut args = transaction_args(l10n, at, form, pending)?;
            args.push(("when", at.freshness(l10n, form, pending.item.occurred_at)?));
            Ok(args)
        })?);
    }

    lines.push(at.plain(l10n, "view-heading-recent")?);
    let recent = &view.recent_transactions;
    lines.extend(transaction_lines(
        l10n,
        at,
        &recent[..recent.len().min(RECENT_LINES)],
    )?);

    lines.push(at.plain(l10n, "view-heading-cards")?);
    lines.extend(card_lines(l10n, at, &view.cards)?);

    if !view.payees.is_empty() {
        let names: Vec<String> = view
            .payees
            .iter()
            .map(|p| p.item.name.reveal().clone())
            .collect();
        let names = l10n.join_list(locale, &names)?;
        lines.push(at.line(l10n, "view-payees", |_| {
            Ok(vec![("names", Arg::Text(names.clone()))])
        })?);
    }

    if !view.unread_alerts.is_empty() {
        lines.push(at.plain(l10n, "view-heading-alerts")?);
        let unread = i64::try_from(view.unread_alerts.len()).unwrap_or(i64::MAX);
        lines.push(at.line(l10n, "view-alerts-unread", |form| {
            Ok(at.count_args(l10n, form, unread))
        })?);
        lines.extend(alert_lines(l10n, at, &view.unread_alerts)?);
    }

    if !view.service_requests.is_empty() {
        lines.push(at.plain(l10n, "view-heading-service")?);
        lines.extend(service_request_lines(l10n, at, &view.service_requests)?);
    }
    Ok(lines)
}

/// Each bill due and when ("国家电网，¥236.40，5天后到期。"); one that a payment the bank still
/// holds has paid (`held`: by the bank's payments) is said as paid for, not as due.
pub fn bill_lines(
    l10n: &Localizer,
    at: &Presentation,
    bills: &[UpcomingBill],
    held: &[Id<Bill>],
) -> Result<Vec<Utterance>, L10nError> {
    let locale = at.locale;
    bills
        .iter()
        .map(|upcoming| {
            at.line(l10n, "view-bill", |form| {
                let due = match upcoming.due_in_days {
                    0 => l10n.format(locale, "due-today", &[])?,
                    1 => l10n.format(locale, "due-tomorrow", &[])?,
                    d if d > 1 => {
                        l10n.format(locale, "due-in-days", &at.count_args(l10n, form, d))?
                    }
                    d => l10n.format(locale, "due-overdue", &at.count_args(l10n, form, -d))?,
                };
                let is_held = held.contains(&upcoming.bill.item.id);
                Ok(vec![
                    ("biller", Arg::Text(upcoming.biller_name.clone())),
                    (
                        "amount",
                        Arg::Text(l10n.money(locale, form, *upcoming.bill.item.amount.reveal())),
                    ),
                    ("due", Arg::Text(due)),
                    ("held", Arg::from(if is_held { "yes" } else { "no" })),
                ])
            })
        })
        .collect()
}

/// Each card and whether it is locked ("信用卡，尾号4580，已锁定。").
pub fn card_lines(
    l10n: &Localizer,
    at: &Presentation,
    cards: &[Tracked<Card>],
) -> Result<Vec<Utterance>, L10nError> {
    cards
        .iter()
        .map(|tracked| {
            let card = &tracked.item;
            at.line(l10n, "view-card", |form| {
                Ok(vec![
                    ("card", Arg::Text(card.name.clone())),
                    (
                        "masked",
                        Arg::Text(l10n.masked_card(at.locale, form, card.number.reveal())?),
                    ),
                    ("status", Arg::from(card_status(tracked))),
                ])
            })
        })
        .collect()
}

/// A card's status as said: what this phone asked for and the bank has not confirmed is said
/// as asked for, never as done.
fn card_status(card: &Tracked<Card>) -> &'static str {
    match (card.item.status, card.source) {
        (CardStatus::Locked, Source::Device) => "lock_pending",
        (CardStatus::Active, Source::Device) => "unlock_pending",
        (status, Source::Bank) => status.as_str(),
    }
}

/// Each alert and when it came ("账单到期提醒，3小时前。").
pub fn alert_lines(
    l10n: &Localizer,
    at: &Presentation,
    alerts: &[Tracked<Alert>],
) -> Result<Vec<Utterance>, L10nError> {
    alerts
        .iter()
        .map(|alert| {
            at.line(l10n, "view-alert", |form| {
                Ok(vec![
                    ("kind", Arg::from(alert.item.kind.as_str())),
                    ("when", at.freshness(l10n, form, alert.item.created_at)?),
                ])
            })
        })
        .collect()
}

/// Each appointment or service request opened in any channel, where it stands and when.
pub fn service_request_lines(
    l10n: &Localizer,
    at: &Presentation,
    requests: &[Tracked<ServiceRequest>],
) -> Result<Vec<Utterance>, L10nError> {
    requests
        .iter()
        .map(|request| {
            let request = &request.item;
            at.line(l10n, "view-service-request", |_| {
                let when = match request.scheduled_at {
                    Some(at_time) => l10n.date_time(at.locale, at_time, &at.zone)?,
                    None => String::new(),
                };
                Ok(vec![
                    ("channel", Arg::from(request.channel.as_str())),
                    ("location", Arg::Text(request.location.clone())),
                    ("reference", Arg::Text(request.reference.clone())),
                    ("status", Arg::from(request.status.as_str())),
                    ("when", Arg::Text(when)),
                ])
            })
        })
        .collect()
}

/// The newest transactions, one line each ("11月27日，物美超市，支出¥126.50。"); one the bank
/// has not booked is said as pending ("待支出"), never as paid: it can still change.
pub fn transaction_lines(
    l10n: &Localizer,
    at: &Presentation,
    transactions: &[Tracked<Transaction>],
) -> Result<Vec<Utterance>, L10nError> {
    transactions
        .iter()
        .map(|recent| {
            let id = if recent.item.status == TransactionStatus::Pending {
                "view-transaction-pending"
            } else {
                "view-transaction"
            };
            at.line(l10n, id, |form| {
                let mut args = transaction_args(l10n, at, form, recent)?;
                let date = at.zone.date_of(recent.item.occurred_at);
                args.push(("date", Arg::Text(l10n.date(at.locale, date)?)));
                Ok(args)
            })
        })
        .collect()
}

/// What a queued request asked for, and where it stands.
fn request_args(
    l10n: &Localizer,
    at: &Presentation,
    form: Form,
    view: &CustomerView,
    request: &RequestView,
) -> Result<Args, L10nError> {
    let locale = at.locale;
    let action = match &request.action {
        Action::LockCard(card) | Action::UnlockCard(card, _) => {
            match view.cards.iter().find(|c| c.item.id == *card) {
                Some(card) => {
                    let described = format!(
                        "{} {}",
                        card.item.name,
                        l10n.masked_card(locale, form, card.item.number.reveal())?
                    );
                    let id = if matches!(request.action, Action::LockCard(_)) {
                        "request-lock-card"
                    } else {
                        "request-unlock-card"
                    };
                    l10n.format(locale, id, &[("card", Arg::Text(described))])?
                }
                // A card this device does not know: no name to give.
                None => l10n.format(locale, "request-other", &[])?,
            }
        }
        Action::MarkAlertRead(_) => l10n.format(locale, "request-mark-alert-read", &[])?,
        Action::SetPreferences(_) => l10n.format(locale, "request-set-preferences", &[])?,
    };
    let (state, reason) = match &request.state {
        RequestState::Pending => ("pending", String::new()),
        RequestState::Refused { reason } => (
            "refused",
            l10n.format(
                locale,
                "request-reason",
                &[("code", Arg::Text(reason.clone()))],
            )?,
        ),
    };
    Ok(vec![
        ("action", Arg::Text(action)),
        ("state", Arg::from(state)),
        ("reason", Arg::Text(reason)),
    ])
}

/// Direction, amount (unsigned) and counterparty of a transaction.
fn transaction_args(
    l10n: &Localizer,
    at: &Presentation,
    form: Form,
    transaction: &Tracked<Transaction>,
) -> Result<Args, L10nError> {
    let amount = *transaction.item.amount.reveal();
    let direction = if amount.is_negative() { "out" } else { "in" };
    let unsigned = amount.checked_abs().unwrap_or(amount);
    Ok(vec![
        ("direction", Arg::from(direction)),
        ("amount", Arg::Text(l10n.money(at.locale, form, unsigned))),
        (
            "counterparty",
            Arg::Text(transaction.item.counterparty.reveal().clone()),
        ),
    ])
}
