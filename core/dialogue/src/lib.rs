//! The dialogue manager: pure logic, no I/O. It takes what the customer said (already
//! understood) and what the host reports (step-up results, the bank's answers), and returns
//! replies and effects for the host to carry out.
//!
//! Money rules, enforced here and checked by a property test over randomized dialogues:
//! * a payment is read back (payee or biller, masked account, amount in words) before it can
//!   be confirmed, and only an explicit `confirm` of that exact read-back leads on;
//! * a confirmed payment then needs the host's step-up (PIN or biometric; voice never
//!   counts), and only a successful step-up of that same payment produces
//!   [`Effect::ExecutePayment`];
//! * anything that changes the payment (a new amount, another payee) starts the read-back
//!   again; offline, no payment is offered at all.
//!
//! Accessibility rules: one question at a time, never asking for what was said; `cancel`,
//! `repeat`, `slower`, `faster`, `help` and `human` work at any point; silence gets a gentle
//! re-prompt that keeps the customer's place (there is no time-out).
#![allow(clippy::float_arithmetic)] // Only speech rates; money stays in minor units.

mod facts;
mod hear;
mod plan;

pub use facts::{AccountFact, BillerFact, CardFact, DueBill, Facts, PayeeFact, paying_account};
pub use hear::{Expecting, Heard, context_for_speech, hear};
pub use plan::{PaymentPlan, PlanKind, PlanTarget, Target};
use tingshuo_l10n::present::owed_or_in_credit;
pub use tingshuo_l10n::{Choice, Reply, ReplyArg};

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use tingshuo_base::ids::Id;
use tingshuo_base::model::{Account, AccountKind, Biller, Card, Category};
use tingshuo_base::money::{Currency, Money};
use tingshuo_understand::courtesy::{Courtesy, courtesy_of};
use tingshuo_understand::cues::Cue;
use tingshuo_understand::{Intent, ItemRef, SlotValue};

use crate::plan::read_back;

/// What the host must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Say(Reply),
    /// Prepare this payment as it will be signed (from the local view); the host answers with
    /// [`Input::Prepared`] — what is then read back — or [`Input::PrepareRefused`].
    PreparePayment(PaymentPlan),
    /// Ask the customer for PIN or biometric to approve this payment.
    RequestStepUp(PaymentPlan),
    /// Ask the customer for PIN or biometric to approve unlocking this card.
    RequestStepUpForUnlock {
        card: Id<Card>,
    },
    /// Send this payment to the bank (it was read back, confirmed and stepped up).
    ExecutePayment(PaymentPlan),
    /// Queue a card lock (a safety action: allowed offline); the host answers with
    /// [`Input::CardActionDone`], delivered or queued.
    LockCard {
        card: Id<Card>,
    },
    UnlockCard {
        card: Id<Card>,
    },
    /// Find these transactions; the host answers with [`Input::Listed`] and keeps them for
    /// [`Effect::ReadListed`].
    ShowTransactions(TransactionsQuery),
    /// Find the customer's cards, unread alerts or appointments, the same way.
    ShowItems(Listing),
    /// Show and read out the transactions last listed (after the reply that introduces them,
    /// and again with its repeat).
    ReadListed,
    /// Add up what went out; the host answers with [`Input::Spent`].
    SumSpending(SpendingQuery),
    /// Ask the bank to cancel the payment it holds (the last one made, within its hold); the
    /// host answers with [`Input::PaymentCancelled`], [`Input::CancelRefused`] or
    /// [`Input::CancelUnknown`].
    CancelHeldPayment,
    /// Change the speech rate to this percentage of normal.
    SetSpeechRate(u32),
    /// Change the speech volume to this percentage of the engine's full volume.
    SetVolume(u32),
    /// Change the speech pitch to this percentage of the voice's own from now on.
    SetPitch(u32),
    HandOffToHuman,
    /// One of the bank's own intents (added to the context by the bank), with its slots: the
    /// host carries it out. The dialogue moves no money and changes nothing for it.
    BankRequest {
        intent: String,
        slots: BTreeMap<String, SlotValue>,
    },
}

impl Effect {
    /// Whether the host answers this with an input of its own, which says the outcome.
    fn answered_later(&self) -> bool {
        matches!(
            self,
            Effect::PreparePayment(_)
                | Effect::ExecutePayment(_)
                | Effect::LockCard { .. }
                | Effect::UnlockCard { .. }
                | Effect::SumSpending(_)
                | Effect::ShowTransactions(_)
                | Effect::ShowItems(_)
                | Effect::CancelHeldPayment
        )
    }
}

/// What happens next in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Heard(Heard),
    /// The customer said nothing for a while.
    Silence,
    StepUpSucceeded,
    StepUpFailed,
    /// The payment as the host prepared it, to be signed exactly so.
    Prepared(Prepared),
    /// The host could not prepare it (the reason in words); nothing was sent.
    PrepareRefused {
        reason: String,
    },
    /// The bank made the payment, or holds it for this many more whole minutes (cancellable
    /// until then; 0 when less than a minute is left or the bank did not say).
    PaymentDone {
        held_for_minutes: Option<u32>,
    },
    /// The bank refused the payment: nothing moved.
    PaymentRefused {
        reason: String,
    },
    /// The payment never reached the bank (it could not be reached): nothing was sent.
    PaymentNotSent,
    /// No answer came back: the bank may or may not have made the payment; the host is
    /// checking by its idempotency key, and reports what the bank says when it knows.
    PaymentUnknown,
    /// What went out in the period asked about, as the host added it up.
    Spent(Spent),
    /// How many items the host found for [`Effect::ShowTransactions`] or
    /// [`Effect::ShowItems`].
    Listed {
        what: Listing,
        count: usize,
    },
    /// The bank cancelled the held payment.
    PaymentCancelled,
    /// The bank did not cancel it (its hold is over, …; the reason in words). `still_held`:
    /// the bank still holds it (refused for another reason), so "cancel" may be tried again;
    /// otherwise it was made.
    CancelRefused {
        reason: String,
        still_held: bool,
    },
    /// No answer came to the cancellation: whether the bank cancelled is not known.
    CancelUnknown,
    /// What became of a card action the host carried out.
    CardActionDone {
        card: Id<Card>,
        lock: bool,
        outcome: ActionOutcome,
    },
}

/// Which transactions the customer asked to hear: of an account (or all), the last few, or
/// those of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionsQuery {
    pub account: Option<Id<Account>>,
    pub count: Option<usize>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Only money that came in from outside (a pension, a salary), not moves between her own
    /// accounts: "has my pension arrived".
    pub incoming_only: bool,
    /// Only payments of a kind, to a biller or to a payee ("when did I last pay the electric
    /// bill"), or money in as a pension or salary ("养老金到了没有"); `All` for every
    /// transaction.
    pub on: SpentOn,
    /// Only those the bank has not booked yet ("is there anything pending").
    pub pending_only: bool,
}

/// What is listed, shown and read out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Transactions,
    Cards,
    Alerts,
    /// Branch appointments and service requests.
    Appointments,
    /// Bills due within a month.
    Bills,
    /// The latest money that came in.
    Income,
}

impl Listing {
    const ALL: [Listing; 6] = [
        Listing::Transactions,
        Listing::Cards,
        Listing::Alerts,
        Listing::Appointments,
        Listing::Bills,
        Listing::Income,
    ];

    /// Read from the bank's money data (transactions, bills): what is said of it says how old
    /// that data is.
    fn says_data_age(self) -> bool {
        matches!(
            self,
            Listing::Transactions | Listing::Income | Listing::Bills
        )
    }

    /// The reply that introduces the lines (with `$count`).
    fn introduction(self) -> &'static str {
        match self {
            Listing::Transactions => "dlg-see-screen",
            Listing::Cards => "dlg-cards",
            Listing::Alerts => "dlg-alerts",
            Listing::Appointments => "dlg-appointments",
            Listing::Bills => "dlg-bills",
            Listing::Income => "dlg-income",
        }
    }

    /// The reply when there is nothing to list.
    fn none_found(self) -> &'static str {
        match self {
            Listing::Transactions => "dlg-no-transactions",
            Listing::Cards => "dlg-no-cards",
            Listing::Alerts => "dlg-no-alerts",
            Listing::Appointments => "dlg-no-appointments",
            Listing::Bills => "dlg-no-bills",
            Listing::Income => "dlg-no-income",
        }
    }
}

/// What the customer asked to add up: spending of an account (or all), over a period (the host
/// takes this month when none was said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingQuery {
    pub account: Option<Id<Account>>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub on: SpentOn,
}

/// What the spending asked about went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpentOn {
    All,
    /// One kind of spending: groceries, eating out, health…
    Category(Category),
    /// Payments to one of her billers ("上个月电费交了多少"), by its id and name.
    Biller {
        id: Id<Biller>,
        name: String,
    },
    /// Asked in her own words ("at Rosie's Diner", "给孙子买礼物"), as said: the host adds up
    /// what went to a shop or person of hers so named ([`SpentOn::Named`]), else all of it
    /// ([`SpentOn::Unsorted`]).
    Words(String),
    /// What went to one name in her transactions (a shop, a person), as the bank writes it.
    Named(String),
    /// Something the product does not sort spending by ("christmas presents"): all of it is
    /// added up, and said to be all of it.
    Unsorted,
}

impl SpentOn {
    /// The kinds of spending added up on their own: those a payment out is sorted into.
    pub const CATEGORIES: [Category; 8] = [
        Category::Groceries,
        Category::Dining,
        Category::Health,
        Category::Transport,
        Category::Shopping,
        Category::Utilities,
        Category::Cash,
        Category::Fees,
    ];

    /// How the locales' messages select on it: the category's name, `all` or `unsorted`.
    pub fn key(&self) -> &'static str {
        match self {
            SpentOn::All => "all",
            SpentOn::Category(category) => category.as_str(),
            SpentOn::Biller { .. } | SpentOn::Named(_) => "biller",
            SpentOn::Words(_) | SpentOn::Unsorted => "unsorted",
        }
    }
}

/// Money that went out over a period, and in how many payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    pub total: Money,
    pub count: i64,
    /// The part of `total` the bank has not booked yet (it may still change), and in how many
    /// of the payments.
    pub pending: Money,
    pub pending_count: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// What was added up.
    pub on: SpentOn,
}

/// A payment as prepared for signing: what the read-back says and what is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub amount: Money,
    pub target_name: String,
    pub target_last_four: String,
    pub from_last_four: String,
}

/// What became of an action that may wait for the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// The bank has it.
    Done,
    /// Queued on the device until the bank can be reached.
    Queued,
    /// Sent, but the bank's confirmation did not come (its answer was lost, or it was busy):
    /// it is sent again until the bank confirms, and then told.
    Unconfirmed,
    /// The bank refused it (the reason already in words); nothing changed.
    Refused { reason: String },
    /// Not sent, nor queued: it needs the bank now (an unlock's step-up is for the bank's
    /// fresh challenge), and the bank cannot be reached. Nothing changed.
    NotSent,
}

/// Where the conversation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Idle,
    /// Collecting a payment's details, one question at a time.
    Collecting(Draft),
    /// The host is preparing the payment as it will be signed; its read-back (or warning)
    /// comes from what the host prepared.
    Preparing {
        plan: PaymentPlan,
        warning: Option<Warning>,
        said_amount: bool,
    },
    /// A scam-risk warning was given (for these reasons); waiting for the customer to
    /// continue or stop.
    Warned(PaymentPlan, Warning),
    /// The plan was read back; waiting for confirm or deny.
    ReadBack(PaymentPlan),
    /// The customer said no to the read-back: waiting for what to change (who, or how much).
    Changing(PaymentPlan),
    /// Confirmed; the host is asking for PIN or biometric.
    SteppingUp(PaymentPlan),
    /// "Which card?" was asked, to lock it or (`unlock`) to unlock it.
    AskingCard {
        unlock: bool,
    },
    /// Unlocking this card was read back; waiting for confirm or deny.
    ReadBackUnlock(Id<Card>),
    /// Unlocking confirmed; the host is asking for PIN or biometric.
    SteppingUpUnlock(Id<Card>),
    /// Sent to the bank; waiting for its answer.
    Executing(PaymentPlan),
    /// "Stop the payment the bank holds?" was asked (a bare "cancel" after another payment
    /// was begun); waiting for yes or no.
    ConfirmingCancel(PaymentPlan),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Draft {
    kind: Option<PlanKind>,
    target: Option<Target>,
    amount: Option<Money>,
    /// The amount came from the customer's words (not from the bill).
    said_amount: bool,
    /// The strongest scam cue heard while this payment was asked for.
    cue: Option<Cue>,
    /// The payees or billers the customer's words fitted equally: asked which one.
    choices: Vec<Target>,
    /// The account she said to pay from ("from my savings"); unsaid, the paying account.
    from: Option<Id<Account>>,
}

/// Why a transfer is warned about before its read-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Warning {
    /// Never paid before.
    new_payee: bool,
    /// Paid before, but added lately (a small first transfer is how some scams start).
    recent_payee: bool,
    large: Large,
    /// Hurry, secrecy or a scammer's story heard, named in the warning.
    cue: Option<Cue>,
}

/// How an amount stands out, in the warning before a transfer's read-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Large {
    No,
    /// Much more than her usual transfer.
    ThanUsual,
    /// More than half of what the account it leaves holds (whatever her history).
    ThanHalfTheAccount,
}

/// A payee added within this many days is warned about as recent.
const RECENT_PAYEE_DAYS: i64 = 30;

/// The last payment the bank made or holds, and whether it holds it (a held payment can be
/// cancelled until its hold ends).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Made {
    plan: PaymentPlan,
    held: bool,
    /// Another payment was begun since: a bare "cancel" may be about that one (said again),
    /// so stopping this one is asked first.
    other_payment_since: bool,
}

/// How old (in minutes since the bank last updated it) a balance said while the bank can be
/// reached must be for its age to be said too.
const SAY_AGE_AFTER_MINUTES: i64 = 15;

/// How far one "slower" or "faster" moves the speech rate, and the rates they stop at, in
/// percent of normal.
const RATE_STEP: u32 = 15;
const SLOWEST_RATE: u32 = 60;
const FASTEST_RATE: u32 = 180;

/// The volume a session starts at, in percent of the speech engine's full volume: room for
/// two "louder"s before only the phone's own volume can go higher.
const DEFAULT_VOLUME: u32 = 80;
const VOLUME_STEP: u32 = 10;
/// Below this, speech could not be heard at all.
const MIN_VOLUME: u32 = 30;

/// How far one "deeper voice" or "higher voice" moves the pitch, and the pitches they stop
/// at, in percent of the voice's own: a few steps either way, within what platform engines
/// keep natural (Android's `setPitch` and Apple's `pitchMultiplier` take far more).
const PITCH_STEP: u32 = 10;
const LOWEST_PITCH: u32 = 70;
const HIGHEST_PITCH: u32 = 130;

/// The dialogue of one session.
#[derive(Debug, Clone)]
pub struct Dialogue {
    stage: Stage,
    /// A payment sent whose answer never came: the bank is asked about it until its answer
    /// is known. Nothing is said about that money but that it is being checked, and no other
    /// payment starts meanwhile; the rest of the conversation goes on (and may change the
    /// stage), the answer is told whenever it comes.
    checking: Option<PaymentPlan>,
    made: Option<Made>,
    facts: Facts,
    speech_rate: u32,
    volume: u32,
    pitch: u32,
    last_reply: Option<Reply>,
    /// What the last answer said before `last_reply` (every account's balance before the
    /// last one's): said again with it.
    said_before_last: Vec<Reply>,
    silences: u32,
    /// A payment's question was interrupted by a question in passing ("我还有多少钱？" while
    /// asked how much): it is asked again once that is answered.
    question_waits: bool,
}

fn say(id: &'static str, args: Vec<(&'static str, ReplyArg)>) -> Reply {
    Reply { id, args }
}

fn text(value: &str) -> ReplyArg {
    ReplyArg::Text(value.to_owned())
}

/// The read-back of unlocking a card: which card, and what unlocking it means.
fn unlock_read_back(card: &CardFact) -> Reply {
    say(
        "dlg-readback-unlock",
        vec![("masked", ReplyArg::Masked(card.last_four.clone()))],
    )
}

/// "Which card?", to lock one or to unlock one.
fn ask_card(unlock: bool) -> Reply {
    say(
        if unlock {
            "dlg-ask-card-unlock"
        } else {
            "dlg-ask-card"
        },
        vec![],
    )
}

/// What the spending asked about went on: a biller, a payee or a kind of spending named,
/// something else named (words no slot holds, for the host to find among those she paid), or
/// nothing.
fn spent_on(heard: &Heard) -> SpentOn {
    match heard
        .slots
        .get("biller")
        .or_else(|| heard.slots.get("payee"))
    {
        Some(SlotValue::Item {
            item: ItemRef::Biller(id),
            label,
        }) => {
            return SpentOn::Biller {
                id: id.clone(),
                name: label.clone(),
            };
        }
        // Sent to a payee ("how much did I send my son"): what went to her name.
        Some(SlotValue::Item {
            item: ItemRef::Payee(_),
            label,
        }) => return SpentOn::Named(label.clone()),
        _ => {}
    }
    match heard.slots.get("category") {
        Some(SlotValue::Item {
            item: ItemRef::Category(category),
            ..
        }) if SpentOn::CATEGORIES.contains(category) => SpentOn::Category(*category),
        Some(_) => SpentOn::Unsorted,
        None => match &heard.free_words {
            Some(words) => SpentOn::Words(words.clone()),
            None => SpentOn::All,
        },
    }
}

/// The period the customer named ("上个月", "last week"), if any.
fn period_said(heard: &Heard) -> Option<(NaiveDate, NaiveDate)> {
    match heard.slots.get("period") {
        Some(SlotValue::Period { from, to }) => Some((*from, *to)),
        _ => None,
    }
}

/// Who a payment went to and how much, for what is said about it afterwards.
/// "The bank still holds your payment of … to …: stop it?"
fn confirm_cancel_held(plan: &PaymentPlan) -> Reply {
    say("dlg-confirm-cancel-held", made_args(plan))
}

fn made_args(plan: &PaymentPlan) -> Vec<(&'static str, ReplyArg)> {
    vec![
        ("target", text(&plan.target_name)),
        ("amount", ReplyArg::Money(plan.amount)),
    ]
}

/// The payee, biller or account of hers a slot names, for a payment of this kind.
fn target_of(kind: PlanKind, value: &SlotValue) -> Option<Target> {
    match (kind, value) {
        (
            PlanKind::Transfer,
            SlotValue::Item {
                item: ItemRef::Payee(id),
                ..
            },
        ) => Some(Target::Payee(id.clone())),
        (
            PlanKind::Bill,
            SlotValue::Item {
                item: ItemRef::Biller(id),
                ..
            },
        ) => Some(Target::Biller(id.clone())),
        (
            PlanKind::Move,
            SlotValue::Item {
                item: ItemRef::Account(id),
                ..
            },
        ) => Some(Target::Account(id.clone())),
        _ => None,
    }
}

impl Dialogue {
    pub fn new(facts: Facts) -> Dialogue {
        Dialogue {
            stage: Stage::Idle,
            checking: None,
            made: None,
            facts,
            speech_rate: 100,
            volume: DEFAULT_VOLUME,
            pitch: 100,
            last_reply: None,
            said_before_last: Vec::new(),
            silences: 0,
            question_waits: false,
        }
    }

    /// Picks up what an earlier session left with the bank, before the first turn: a payment
    /// whose answer never came (asked about until known; no other payment meanwhile) and one
    /// the bank holds (the customer may still say cancel).
    pub fn resume(&mut self, checking: Option<PaymentPlan>, held: Option<PaymentPlan>) {
        if checking.is_some() {
            self.checking = checking;
        }
        if let Some(plan) = held {
            self.made = Some(Made {
                plan,
                held: true,
                other_payment_since: false,
            });
        }
    }

    pub fn speech_rate(&self) -> u32 {
        self.speech_rate
    }

    /// Starts at the rate the customer chose before (kept by the bank for every channel),
    /// within the rates "slower" and "faster" reach.
    pub fn set_speech_rate(&mut self, rate: u32) {
        self.speech_rate = rate.clamp(SLOWEST_RATE, FASTEST_RATE);
    }

    /// The speech volume, in percent of the engine's full volume.
    pub fn volume(&self) -> u32 {
        self.volume
    }

    /// "Louder", "quieter", "a deeper voice", "a higher voice": the volume or pitch one step
    /// on, and what was said last said again in the new voice. At the end of its range it is
    /// said so instead: the engine's full volume (only the phone's own volume goes higher),
    /// the least volume still heard, or as far as a voice stays natural.
    fn voice_step(&mut self, intent: &Intent, effects: &mut Vec<Effect>) -> Reply {
        let up = matches!(intent, Intent::Louder | Intent::HigherPitch);
        let volume = matches!(intent, Intent::Louder | Intent::Quieter);
        let (setting, step, lowest, highest) = if volume {
            (&mut self.volume, VOLUME_STEP, MIN_VOLUME, 100)
        } else {
            (&mut self.pitch, PITCH_STEP, LOWEST_PITCH, HIGHEST_PITCH)
        };
        let stepped = if up {
            (*setting + step).min(highest)
        } else {
            setting.saturating_sub(step).max(lowest)
        };
        if stepped == *setting {
            let id = match (volume, up) {
                (true, true) => "dlg-volume-loudest",
                (true, false) => "dlg-volume-quietest",
                (false, true) => "dlg-pitch-highest",
                (false, false) => "dlg-pitch-lowest",
            };
            return say(id, vec![]);
        }
        *setting = stepped;
        effects.push(if volume {
            Effect::SetVolume(stepped)
        } else {
            Effect::SetPitch(stepped)
        });
        self.said_again(effects)
            .unwrap_or_else(|| say("dlg-rate-changed", vec![]))
    }

    /// The currency an amount said without one is in, while a payment is being made: its
    /// account's ("from my dollar account … two hundred" is dollars, and so is her bare "two
    /// hundred" when asked again). `None`: the paying account's, as the world has it.
    pub fn amount_currency(&self) -> Option<Currency> {
        match &self.stage {
            Stage::Collecting(draft) => draft
                .from
                .as_ref()
                .and_then(|id| self.facts.account(id))
                .map(|account| account.available.currency()),
            Stage::ReadBack(plan) | Stage::Changing(plan) | Stage::Warned(plan, _) => {
                Some(plan.amount.currency())
            }
            _ => None,
        }
    }

    /// The speech pitch, in percent of the voice's own.
    pub fn pitch(&self) -> u32 {
        self.pitch
    }

    /// Whether the dialogue waits for the customer's spoken answer: a question asked, a
    /// read-back or a warning to confirm (a step-up waits for the host, not for words).
    pub fn awaits_answer(&self) -> bool {
        matches!(
            self.stage,
            Stage::Collecting(_)
                | Stage::ReadBack(_)
                | Stage::Changing(_)
                | Stage::Warned(..)
                | Stage::AskingCard { .. }
                | Stage::ReadBackUnlock(_)
                | Stage::ConfirmingCancel(_)
        )
    }

    /// Whether a step-up result is what the dialogue waits for (a payment or an unlock read
    /// back and confirmed).
    pub fn awaits_step_up(&self) -> bool {
        matches!(
            self.stage,
            Stage::SteppingUp(_) | Stage::SteppingUpUnlock(_)
        )
    }

    /// Where the conversation stands, as a stable name for logs and test scenarios: `idle`,
    /// `collecting`, `preparing`, `warned`, `read-back`, `changing`, `stepping-up`,
    /// `asking-card`, `read-back-unlock`, `stepping-up-unlock`, `executing`,
    /// `confirming-cancel`.
    pub fn stage_name(&self) -> &'static str {
        match self.stage {
            Stage::Idle => "idle",
            Stage::Collecting(_) => "collecting",
            Stage::Preparing { .. } => "preparing",
            Stage::Warned(..) => "warned",
            Stage::ReadBack(_) => "read-back",
            Stage::Changing(_) => "changing",
            Stage::SteppingUp(_) => "stepping-up",
            Stage::AskingCard { .. } => "asking-card",
            Stage::ReadBackUnlock(_) => "read-back-unlock",
            Stage::SteppingUpUnlock(_) => "stepping-up-unlock",
            Stage::Executing(_) => "executing",
            Stage::ConfirmingCancel(_) => "confirming-cancel",
        }
    }

    /// Updates what is known of the customer (after a sync, or going offline).
    pub fn update_facts(&mut self, facts: Facts) {
        self.facts = facts;
    }

    /// What the dialogue knows of the customer now.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// Advances the conversation by one input.
    pub fn step(&mut self, input: Input) -> Vec<Effect> {
        let mut effects = Vec::new();
        let reply = match input {
            Input::Silence => {
                // A question left waiting by an answer the host never gave is asked here.
                self.question_waits = false;
                // Never a time-out: a gentle re-prompt that keeps the customer's place.
                self.silences += 1;
                let id = if self.silences >= 2 {
                    "dlg-silence-help"
                } else {
                    "dlg-silence"
                };
                effects.push(Effect::Say(say(id, vec![])));
                self.current_question()
            }
            Input::StepUpSucceeded => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::SteppingUp(plan) => {
                    effects.push(Effect::ExecutePayment(plan.clone()));
                    self.stage = Stage::Executing(plan);
                    Some(say("dlg-sending", vec![]))
                }
                Stage::SteppingUpUnlock(card) => {
                    // What is said comes when the host reports the unlock delivered or queued.
                    effects.push(Effect::UnlockCard { card });
                    None
                }
                other => {
                    // A step-up nobody asked for approves nothing.
                    self.stage = other;
                    None
                }
            },
            Input::StepUpFailed => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::SteppingUp(_) => Some(say("dlg-step-up-failed", vec![])),
                Stage::SteppingUpUnlock(card) => {
                    Some(self.unlock_not_made(&card, "dlg-unlock-step-up-failed"))
                }
                other => {
                    self.stage = other;
                    None
                }
            },
            Input::Prepared(prepared) => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::Preparing {
                    plan,
                    warning,
                    said_amount,
                } => self.prepared(plan, warning, said_amount, prepared, &mut effects),
                other => {
                    self.stage = other;
                    None
                }
            },
            Input::PrepareRefused { reason } => {
                match std::mem::replace(&mut self.stage, Stage::Idle) {
                    Stage::Preparing { .. } => Some(say(
                        "dlg-payment-refused",
                        vec![("reason", ReplyArg::Text(reason))],
                    )),
                    other => {
                        self.stage = other;
                        None
                    }
                }
            }
            Input::PaymentDone { held_for_minutes } => self.answered_payment().map(|plan| {
                let reply = match held_for_minutes {
                    // 0: less than a minute left, or the bank did not say.
                    Some(minutes) => {
                        let mut args = made_args(&plan);
                        args.push(("minutes", ReplyArg::Count(i64::from(minutes))));
                        say("dlg-payment-held", args)
                    }
                    None => say("dlg-payment-done", made_args(&plan)),
                };
                let held = held_for_minutes.is_some();
                self.made = Some(Made {
                    plan,
                    held,
                    other_payment_since: false,
                });
                reply
            }),
            Input::PaymentRefused { reason } => self.answered_payment().map(|_| {
                say(
                    "dlg-payment-refused",
                    vec![("reason", ReplyArg::Text(reason))],
                )
            }),
            // The payment just sent, or the one being checked (the bank never had it, and it
            // could not be sent again), did not reach the bank.
            Input::PaymentNotSent => self
                .answered_payment()
                .map(|_| say("dlg-payment-not-sent", vec![])),
            Input::PaymentUnknown => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::Executing(plan) => {
                    self.checking = Some(plan);
                    Some(say("dlg-payment-checking", vec![]))
                }
                other => {
                    self.stage = other;
                    self.checking
                        .is_some()
                        .then(|| say("dlg-payment-still-checking", vec![]))
                }
            },
            Input::Listed { what, count: 0 } if what.says_data_age() => {
                Some(say(what.none_found(), self.data_age_args()))
            }
            Input::Listed { what, count: 0 } => Some(say(what.none_found(), vec![])),
            Input::Listed { what, count } => {
                // Introduced first, then read: the reply is said before the lines.
                let count = i64::try_from(count).unwrap_or(i64::MAX);
                let mut args = vec![("count", ReplyArg::Count(count))];
                if what.says_data_age() {
                    args.extend(self.data_age_args());
                }
                let introduced = say(what.introduction(), args);
                self.remember(introduced.clone());
                effects.push(Effect::Say(introduced));
                effects.push(Effect::ReadListed);
                None
            }
            Input::Spent(spent) => Some(say(
                if spent.count == 0 {
                    "dlg-spending-none"
                } else {
                    "dlg-spending-total"
                },
                [
                    ("total", ReplyArg::Money(spent.total)),
                    ("count", ReplyArg::Count(spent.count)),
                    ("pending", ReplyArg::Money(spent.pending)),
                    ("pending_count", ReplyArg::Count(spent.pending_count)),
                    ("from", self.day(spent.from)),
                    ("to", self.day(spent.to)),
                    ("on", ReplyArg::Text(spent.on.key().to_owned())),
                    (
                        "biller",
                        ReplyArg::Text(match &spent.on {
                            SpentOn::Biller { name, .. } | SpentOn::Named(name) => name.clone(),
                            _ => String::new(),
                        }),
                    ),
                ]
                .into_iter()
                .chain(self.data_age_args())
                .collect(),
            )),
            Input::PaymentCancelled => self
                .made
                .take()
                .map(|made| say("dlg-payment-cancelled", made_args(&made.plan))),
            Input::CancelRefused { reason, still_held } => self.made.as_mut().map(|made| {
                // Made: cancelling again would only be refused again. Still held: it may be.
                made.held = still_held;
                let mut args = made_args(&made.plan);
                args.push(("reason", ReplyArg::Text(reason)));
                say("dlg-cancel-refused", args)
            }),
            Input::CancelUnknown => self
                .made
                .as_ref()
                .map(|made| say("dlg-cancel-unknown", made_args(&made.plan))),
            Input::CardActionDone {
                card,
                lock,
                outcome,
            } => {
                let masked = ReplyArg::Masked(
                    self.facts
                        .card(&card)
                        .map(|c| c.last_four.clone())
                        .unwrap_or_default(),
                );
                Some(match (lock, outcome) {
                    (true, ActionOutcome::Done) => say("dlg-card-locked", vec![("masked", masked)]),
                    (false, ActionOutcome::Done) => {
                        say("dlg-card-unlocked", vec![("masked", masked)])
                    }
                    (true, ActionOutcome::Queued) => {
                        say("dlg-card-lock-queued", vec![("masked", masked)])
                    }
                    (false, ActionOutcome::Queued) => {
                        say("dlg-card-unlock-queued", vec![("masked", masked)])
                    }
                    (true, ActionOutcome::Unconfirmed) => {
                        say("dlg-card-lock-unconfirmed", vec![("masked", masked)])
                    }
                    (false, ActionOutcome::Unconfirmed) => {
                        say("dlg-card-unlock-unconfirmed", vec![("masked", masked)])
                    }
                    (_, ActionOutcome::NotSent) => {
                        say("dlg-card-action-not-sent", vec![("masked", masked)])
                    }
                    (_, ActionOutcome::Refused { reason }) => say(
                        "dlg-card-action-refused",
                        vec![("masked", masked), ("reason", ReplyArg::Text(reason))],
                    ),
                })
            }
            Input::Heard(heard) => {
                self.silences = 0;
                // Set again below if these words are a question in passing.
                self.question_waits = false;
                let reply = self.heard(heard, &mut effects);
                if let Some(reply) = reply {
                    // Say it first: the prompt ("confirm with your fingerprint") comes before
                    // the host's step-up dialog. Only a new rate or volume goes before it (so
                    // the repeat "slower" or "louder" asks for is said slower or louder), and
                    // what was to be said before it (a scammer's story named).
                    self.remember(reply.clone());
                    let before = effects
                        .iter()
                        .take_while(|e| {
                            matches!(
                                e,
                                Effect::SetSpeechRate(_)
                                    | Effect::SetVolume(_)
                                    | Effect::SetPitch(_)
                                    | Effect::Say(_)
                            )
                        })
                        .count();
                    effects.insert(before, Effect::Say(reply));
                }
                None
            }
        };
        if let Some(reply) = reply {
            self.remember(reply.clone());
            effects.push(Effect::Say(reply));
        }
        // A yes confirms only a read-back (or warning) that was the last thing said: a step
        // that said something else while one waits ends by saying it again — unless the host
        // still owes an answer (a total, a card action), after which it will be said.
        let answer_owed = effects.iter().any(Effect::answered_later);
        let last_said = effects.iter().rev().find_map(|effect| match effect {
            Effect::Say(reply) => Some(reply.id),
            _ => None,
        });
        if let (Some(awaited), Some(last_said)) =
            (self.awaited().filter(|_| !answer_owed), last_said)
        {
            // Only a read-back (or warning) of the payment waiting is said with its id.
            if last_said != awaited.id {
                self.remember(awaited.clone());
                effects.push(Effect::Say(awaited));
            }
        }
        if self.question_waits && !answer_owed {
            self.question_waits = false;
            let question = match &self.stage {
                Stage::Collecting(draft) => Some(self.next_question(draft)),
                Stage::AskingCard { unlock } => Some(ask_card(*unlock)),
                _ => None,
            };
            if let Some(question) = question
                && last_said != Some(question.id)
            {
                self.remember(question.clone());
                effects.push(Effect::Say(question));
            }
        }
        effects
    }

    /// Keeps `reply` as what "repeat" says again, alone.
    fn remember(&mut self, reply: Reply) {
        // The same reply said again ("repeat", "slower") keeps what came before it, so the
        // next "repeat" says all of it again too.
        if self.last_reply.as_ref() != Some(&reply) {
            self.said_before_last.clear();
        }
        self.last_reply = Some(reply);
    }

    /// Several replies said in a row; "repeat" says them all again, not the last one as if it
    /// were all.
    fn say_all(&mut self, mut said: Vec<Reply>, effects: &mut Vec<Effect>) {
        let Some(last) = said.pop() else { return };
        effects.extend(said.iter().cloned().map(Effect::Say));
        effects.push(Effect::Say(last.clone()));
        self.remember(last);
        self.said_before_last = said;
    }

    /// A day as said: with its year when that is not this year's ("from January 1, 2025").
    fn day(&self, date: NaiveDate) -> ReplyArg {
        match self.facts.today {
            Some(today) if today.year() != date.year() => ReplyArg::DateWithYear(date),
            _ => ReplyArg::Date(date),
        }
    }

    /// "You have 3 accounts:", before each is said.
    fn accounts_intro(&self) -> Reply {
        let count = i64::try_from(self.facts.accounts.len()).unwrap_or(i64::MAX);
        say(
            "dlg-accounts-intro",
            vec![("count", ReplyArg::Count(count))],
        )
    }

    /// The numbers asked for, each by its last four digits: the card, account or payee's
    /// account named; every card when cards were asked for; else her one account, or each of
    /// them.
    fn numbers_asked(&self, heard: &Heard) -> Vec<Reply> {
        // "信用卡的卡号尾号4580": the bank's name for it and its last four digits.
        let number = |id: &'static str, name: &str, last_four: &str| {
            say(
                id,
                vec![
                    ("name", text(name)),
                    ("masked", ReplyArg::Masked(last_four.to_owned())),
                ],
            )
        };
        let of_card = |card: &CardFact| number("dlg-number-card", &card.name, &card.last_four);
        let of_account =
            |account: &AccountFact| number("dlg-number-account", &account.name, &account.last_four);
        if let Some(SlotValue::Item {
            item: ItemRef::Card(id),
            ..
        }) = heard.slots.get("card")
            && let Some(card) = self.facts.card(id)
        {
            return vec![of_card(card)];
        }
        if let Some(SlotValue::Item {
            item: ItemRef::Account(id),
            ..
        }) = heard.slots.get("account")
            && let Some(account) = self.facts.account(id)
        {
            return vec![of_account(account)];
        }
        // A payee's account, as the bank keeps it among her payees.
        if let Some(SlotValue::Item {
            item: ItemRef::Payee(id),
            ..
        }) = heard.slots.get("payee")
            && let Some(payee) = self.facts.payees.iter().find(|p| p.id == *id)
        {
            return vec![number(
                "dlg-number-account",
                &payee.name,
                &payee.account_last_four,
            )];
        }
        if heard.slots.contains_key("cards") && !self.facts.cards.is_empty() {
            let count = i64::try_from(self.facts.cards.len()).unwrap_or(i64::MAX);
            let mut said = vec![say("dlg-cards", vec![("count", ReplyArg::Count(count))])];
            said.extend(self.facts.cards.iter().map(of_card));
            return said;
        }
        match &self.facts.accounts[..] {
            [only] => vec![of_account(only)],
            accounts => {
                let mut said = vec![self.accounts_intro()];
                said.extend(accounts.iter().map(of_account));
                said
            }
        }
    }

    /// The last reply, to be said again ("repeat", "slower", "louder"); when it introduced
    /// transactions read out, they are read again after it.
    fn said_again(&self, effects: &mut Vec<Effect>) -> Option<Reply> {
        let reply = self.last_reply.clone()?;
        effects.extend(self.said_before_last.iter().cloned().map(Effect::Say));
        if Listing::ALL
            .iter()
            .any(|listing| listing.introduction() == reply.id)
        {
            effects.push(Effect::ReadListed);
        }
        Some(reply)
    }

    /// The payment an answer from the bank is about: the one just sent, or the one being
    /// checked (whatever the conversation moved on to meanwhile, which stays).
    fn answered_payment(&mut self) -> Option<PaymentPlan> {
        match std::mem::replace(&mut self.stage, Stage::Idle) {
            Stage::Executing(plan) => Some(plan),
            other => {
                self.stage = other;
                self.checking.take()
            }
        }
    }

    /// The read-back (or warning) a yes would confirm, if one waits.
    fn awaited(&self) -> Option<Reply> {
        match &self.stage {
            Stage::ReadBack(plan) => Some(read_back(plan)),
            Stage::Warned(plan, warning) => Some(self.warning(plan, warning)),
            Stage::ReadBackUnlock(card) => self.facts.card(card).map(unlock_read_back),
            Stage::ConfirmingCancel(plan) => Some(confirm_cancel_held(plan)),
            _ => None,
        }
    }

    /// The slot the current question asks for, so that the host can understand a bare
    /// answer ("李伟", "两百块") with the answers context.
    pub fn expecting(&self) -> Option<Expecting> {
        let draft = match &self.stage {
            Stage::Collecting(draft) => draft,
            // While the step-up is asked too: "no, make it sixty" said at its prompt changes the
            // payment, and the step-up, if still given, approves nothing.
            Stage::ReadBack(plan)
            | Stage::Changing(plan)
            | Stage::Warned(plan, _)
            | Stage::SteppingUp(plan) => {
                return Some(Expecting::Change(plan.kind()));
            }
            Stage::AskingCard { .. } => return Some(Expecting::Card),
            _ => return None,
        };
        match (draft.kind, &draft.target, &draft.amount) {
            (Some(PlanKind::Bill), None, _) => Some(Expecting::Biller),
            (_, None, _) => Some(Expecting::Payee),
            (_, Some(_), None) => Some(Expecting::Amount),
            _ => None,
        }
    }

    /// The question the customer is being asked, if any.
    fn current_question(&self) -> Option<Reply> {
        match &self.stage {
            Stage::Collecting(draft) => Some(self.next_question(draft)),
            Stage::ReadBack(plan) => Some(read_back(plan)),
            Stage::Warned(plan, warning) => Some(self.warning(plan, warning)),
            Stage::SteppingUp(_) => Some(say("dlg-step-up", vec![])),
            Stage::AskingCard { unlock } => Some(ask_card(*unlock)),
            Stage::Changing(_) => Some(say("dlg-what-to-change", vec![])),
            Stage::ReadBackUnlock(card) => self.facts.card(card).map(unlock_read_back),
            Stage::SteppingUpUnlock(_) => Some(say("dlg-step-up-unlock", vec![])),
            Stage::ConfirmingCancel(plan) => Some(confirm_cancel_held(plan)),
            _ => None,
        }
    }

    fn heard(&mut self, heard: Heard, effects: &mut Vec<Effect>) -> Option<Reply> {
        let Some(intent) = heard.intent.clone() else {
            // A new detail for a payment read back ("不对，是三百", "make it sixty"), or while its
            // step-up is asked: it changes only that, and the payment is read back again.
            let changed = match &self.stage {
                Stage::ReadBack(plan) | Stage::Changing(plan) | Stage::SteppingUp(plan) => {
                    Some((plan.clone(), None))
                }
                Stage::Warned(plan, warning) => Some((plan.clone(), warning.cue)),
                _ => None,
            };
            if let Some((plan, cue)) = changed
                && !heard.slots.is_empty()
            {
                let intent = match plan.kind() {
                    PlanKind::Bill => Intent::PayBill,
                    PlanKind::Transfer | PlanKind::Move => Intent::Transfer,
                };
                return self.start_or_amend(Some((plan, cue)), &intent, &heard, effects);
            }
            // An answer to the question asked ("李伟", "两百块") carries slots, not an intent.
            if let Stage::Collecting(draft) = &self.stage
                && !heard.slots.is_empty()
            {
                let intent = if draft.kind == Some(PlanKind::Bill) {
                    Intent::PayBill
                } else {
                    Intent::Transfer
                };
                return self.start_or_amend(None, &intent, &heard, effects);
            }
            // "信用卡", "the debit card": the card asked for.
            if let Stage::AskingCard { unlock } = self.stage
                && heard.slots.contains_key("card")
            {
                self.stage = Stage::Idle;
                let intent = if unlock {
                    Intent::UnlockCard
                } else {
                    Intent::LockCard
                };
                return self.idle_intent(&intent, &heard, effects);
            }
            // Words not understood at the step-up's prompt may have been a change she wanted
            // ("wait, sixty"): the payment goes back to its read-back, so the step-up, if still
            // given, approves nothing, and only her yes to it asks for one again.
            // So with an unlock's.
            match &self.stage {
                Stage::SteppingUp(plan) => {
                    let plan = plan.clone();
                    effects.push(Effect::Say(say("dlg-step-up-not-understood", vec![])));
                    let reply = read_back(&plan);
                    self.stage = Stage::ReadBack(plan);
                    return Some(reply);
                }
                Stage::SteppingUpUnlock(card) => {
                    let card = card.clone();
                    let Some(reply) = self.facts.card(&card).map(unlock_read_back) else {
                        let reply = self.unlock_not_made(&card, "dlg-unlock-kept-locked");
                        self.stage = Stage::Idle;
                        return Some(reply);
                    };
                    effects.push(Effect::Say(say(
                        "dlg-unlock-step-up-not-understood",
                        vec![],
                    )));
                    self.stage = Stage::ReadBackUnlock(card);
                    return Some(reply);
                }
                _ => {}
            }
            // A greeting, thanks or a goodbye said alone is answered in kind, not as words
            // not caught; a greeting with what she can say.
            return Some(match courtesy_of(&heard.said) {
                Some(Courtesy::Greeting) => self.with_example("dlg-hello"),
                Some(Courtesy::Thanks) => say("dlg-welcome", vec![]),
                Some(Courtesy::Goodbye) => say("dlg-goodbye", vec![]),
                None => self.with_example("dlg-not-understood"),
            });
        };
        // Available at any point.
        match intent {
            Intent::Repeat => {
                return Some(
                    self.said_again(effects)
                        .unwrap_or_else(|| self.with_example("dlg-help")),
                );
            }
            Intent::Slower | Intent::Faster => {
                self.speech_rate = if intent == Intent::Slower {
                    self.speech_rate.saturating_sub(RATE_STEP).max(SLOWEST_RATE)
                } else {
                    (self.speech_rate + RATE_STEP).min(FASTEST_RATE)
                };
                effects.push(Effect::SetSpeechRate(self.speech_rate));
                return Some(
                    self.said_again(effects)
                        .unwrap_or_else(|| say("dlg-rate-changed", vec![])),
                );
            }
            Intent::Louder | Intent::Quieter | Intent::LowerPitch | Intent::HigherPitch => {
                return Some(self.voice_step(&intent, effects));
            }
            Intent::Help => {
                self.question_waits = matches!(self.stage, Stage::Collecting(_));
                return Some(self.with_example("dlg-help"));
            }
            Intent::Human => {
                self.stage = Stage::Idle;
                effects.push(Effect::HandOffToHuman);
                return Some(say("dlg-handoff", vec![]));
            }
            Intent::Cancel => {
                if let Stage::ReadBackUnlock(card) | Stage::SteppingUpUnlock(card) = &self.stage {
                    let reply = self.unlock_not_made(card, "dlg-unlock-kept-locked");
                    self.stage = Stage::Idle;
                    return Some(reply);
                }
                let sent = matches!(self.stage, Stage::Executing(_));
                let checking = self.checking.is_some() || self.facts.payments_unresolved > 0;
                if sent || (checking && matches!(self.stage, Stage::Idle)) {
                    // What was sent cannot be called off before the bank's answer is known.
                    return Some(say("dlg-payment-still-checking", vec![]));
                }
                if let Stage::ConfirmingCancel(plan) = &self.stage {
                    // "Cancel" to "stop it?": a yes or a no is wanted, never guessed.
                    return Some(confirm_cancel_held(plan));
                }
                if matches!(self.stage, Stage::Idle) {
                    // Nothing in progress: "cancel" is about the last payment, if any. Only
                    // the bank can cancel one it holds (asked first when another payment was
                    // begun since), and one it made cannot be; with none, nothing is said to
                    // be cancelled.
                    return match &self.made {
                        Some(Made {
                            held: true,
                            other_payment_since: false,
                            ..
                        }) => {
                            effects.push(Effect::CancelHeldPayment);
                            None
                        }
                        Some(Made {
                            held: true, plan, ..
                        }) => {
                            let reply = confirm_cancel_held(plan);
                            self.stage = Stage::ConfirmingCancel(plan.clone());
                            Some(reply)
                        }
                        Some(made) => Some(say("dlg-cannot-cancel-sent", made_args(&made.plan))),
                        None => Some(say("dlg-nothing-to-cancel", vec![])),
                    };
                }
                let card_question = matches!(self.stage, Stage::AskingCard { .. });
                self.stage = Stage::Idle;
                return Some(say(
                    if card_question {
                        "dlg-cancelled"
                    } else {
                        "dlg-cancelled-payment"
                    },
                    vec![],
                ));
            }
            _ => {}
        }
        let stage = match std::mem::replace(&mut self.stage, Stage::Idle) {
            // "No", or a new amount or payee, while the step-up is asked: taken as at the
            // read-back, and the step-up, if still given, approves nothing; only the new
            // read-back and her yes ask for one again.
            Stage::SteppingUp(plan)
                if matches!(intent, Intent::Deny | Intent::Transfer | Intent::PayBill) =>
            {
                Stage::ReadBack(plan)
            }
            other => other,
        };
        match stage {
            Stage::ReadBack(plan) => match intent {
                Intent::Confirm => {
                    self.stage = Stage::SteppingUp(plan.clone());
                    effects.push(Effect::RequestStepUp(plan));
                    Some(say("dlg-step-up", vec![]))
                }
                Intent::Deny => {
                    // Keep what was said; ask what to change (never for all of it again).
                    self.stage = Stage::Changing(plan);
                    Some(say("dlg-what-to-change", vec![]))
                }
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(Some((plan, None)), &intent, &heard, effects)
                }
                // A question or a lock in passing is answered, and the payment waits (it is
                // read back again after); unlocking a card starts over from its own read-back.
                other => self.in_passing(&other, &heard, effects, Stage::ReadBack(plan)),
            },
            Stage::ReadBackUnlock(card) => match intent {
                Intent::Confirm => {
                    effects.push(Effect::RequestStepUpForUnlock { card: card.clone() });
                    self.stage = Stage::SteppingUpUnlock(card);
                    Some(say("dlg-step-up-unlock", vec![]))
                }
                Intent::Deny => Some(self.unlock_not_made(&card, "dlg-unlock-kept-locked")),
                // A question in passing is answered and the read-back said again after.
                question if question.is_question() => {
                    let reply = self.idle_intent(&question, &heard, effects);
                    self.stage = Stage::ReadBackUnlock(card);
                    reply
                }
                // Anything else is a new request: the card stays locked.
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(None, &intent, &heard, effects)
                }
                other => self.idle_intent(&other, &heard, effects),
            },
            Stage::AskingCard { unlock } => match intent {
                Intent::Confirm | Intent::Deny => {
                    self.stage = Stage::AskingCard { unlock };
                    Some(ask_card(unlock))
                }
                // A question in passing ("is my debit card locked?") is answered and "which
                // card?" asked again after.
                question if question.is_question() => {
                    let reply = self.idle_intent(&question, &heard, effects);
                    self.stage = Stage::AskingCard { unlock };
                    self.question_waits = true;
                    reply
                }
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(None, &intent, &heard, effects)
                }
                other => self.idle_intent(&other, &heard, effects),
            },
            Stage::SteppingUpUnlock(card) => match intent {
                // "No" while the step-up is asked: the card stays locked, and the step-up,
                // if still given, approves nothing.
                Intent::Deny => Some(self.unlock_not_made(&card, "dlg-unlock-kept-locked")),
                // Words cannot approve it: only the host's step-up can.
                _ => {
                    self.stage = Stage::SteppingUpUnlock(card);
                    Some(say("dlg-step-up-unlock", vec![]))
                }
            },
            Stage::Changing(plan) => match intent {
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(Some((plan, None)), &intent, &heard, effects)
                }
                // Nothing to change after all: the same payment, read back again.
                Intent::Confirm => {
                    self.stage = Stage::ReadBack(plan.clone());
                    Some(read_back(&plan))
                }
                Intent::Deny => {
                    self.stage = Stage::Changing(plan);
                    Some(say("dlg-what-to-change", vec![]))
                }
                // A question or a lock in passing is answered, and the payment still waits
                // for what to change (as at its read-back).
                other => self.in_passing(&other, &heard, effects, Stage::Changing(plan)),
            },
            Stage::Warned(plan, warning) => match intent {
                Intent::Confirm => {
                    self.stage = Stage::ReadBack(plan.clone());
                    Some(read_back(&plan))
                }
                Intent::Deny => Some(say("dlg-cancelled-payment", vec![])),
                // "给他转八百": a new amount or payee is taken, and checked again, the cue
                // heard still heard (the changed payment is warned about again).
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(Some((plan, warning.cue)), &intent, &heard, effects)
                }
                _ => {
                    let reply = self.warning(&plan, &warning);
                    self.stage = Stage::Warned(plan, warning);
                    Some(reply)
                }
            },
            Stage::SteppingUp(plan) => {
                // Words cannot approve a payment: only the host's step-up can.
                self.stage = Stage::SteppingUp(plan);
                Some(say("dlg-step-up", vec![]))
            }
            Stage::Executing(plan) => {
                self.stage = Stage::Executing(plan);
                Some(say("dlg-still-sending", vec![]))
            }
            preparing @ Stage::Preparing { .. } => {
                // The host answers a preparation at once; words in between wait for it.
                self.stage = preparing;
                Some(say("dlg-sending", vec![]))
            }
            Stage::Collecting(draft) => match intent {
                Intent::Transfer | Intent::PayBill => {
                    self.stage = Stage::Collecting(draft);
                    self.start_or_amend(None, &intent, &heard, effects)
                }
                Intent::Deny | Intent::Confirm => {
                    self.stage = Stage::Collecting(draft.clone());
                    Some(self.next_question(&draft))
                }
                // A question or a lock in passing is answered, and the payment being collected
                // waits (its question is asked again after); a new request, such as unlocking
                // a card, replaces it.
                other => {
                    let reply = self.idle_intent(&other, &heard, effects);
                    if matches!(self.stage, Stage::Idle) {
                        self.stage = Stage::Collecting(draft);
                        self.question_waits = true;
                    }
                    reply
                }
            },
            Stage::ConfirmingCancel(plan) => match intent {
                Intent::Confirm => {
                    effects.push(Effect::CancelHeldPayment);
                    None
                }
                Intent::Deny => Some(say("dlg-cancel-held-kept", made_args(&plan))),
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(None, &intent, &heard, effects)
                }
                // Anything else is a new request: the held payment is left as it is.
                other => self.idle_intent(&other, &heard, effects),
            },
            Stage::Idle => match intent {
                Intent::Transfer | Intent::PayBill => {
                    self.start_or_amend(None, &intent, &heard, effects)
                }
                other => self.idle_intent(&other, &heard, effects),
            },
        }
    }

    fn idle_intent(
        &mut self,
        intent: &Intent,
        heard: &Heard,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        match intent {
            Intent::Balance if heard.slots.contains_key("every") => {
                // Every account ("我一共有多少钱", "what's in all my accounts"): each is said,
                // never one of them as if it were all she has.
                if self.facts.accounts.is_empty() {
                    return Some(say("dlg-no-data", vec![]));
                }
                let mut said = vec![self.accounts_intro()];
                said.extend(
                    self.facts
                        .accounts
                        .iter()
                        .map(|account| self.balance(account)),
                );
                self.say_all(said, effects);
                None
            }
            Intent::Balance => {
                // The account named ("信用卡还欠多少", "what's in my savings"), else the one
                // payments leave from.
                let named = match heard.slots.get("account") {
                    Some(SlotValue::Item {
                        item: ItemRef::Account(id),
                        ..
                    }) => self.facts.account(id),
                    _ => None,
                };
                Some(match named.or(self.facts.paying_account.as_ref()) {
                    Some(account) => self.balance(account),
                    None => say("dlg-no-data", vec![]),
                })
            }
            Intent::LockCard | Intent::UnlockCard => {
                let unlock = *intent == Intent::UnlockCard;
                let named = match heard.slots.get("card") {
                    Some(SlotValue::Item {
                        item: ItemRef::Card(id),
                        ..
                    }) => self.facts.card(id),
                    _ => None,
                };
                // Unnamed, the card meant is the one card that can be: the one locked, to
                // unlock ("我的卡找到了"); the one not locked, to lock.
                let card = match named {
                    Some(card) => card,
                    None => {
                        let can: Vec<&CardFact> = self
                            .facts
                            .cards
                            .iter()
                            .filter(|card| card.locked == unlock)
                            .collect();
                        match can[..] {
                            [only] => only,
                            [] => {
                                return Some(say(
                                    if unlock {
                                        "dlg-no-card-locked"
                                    } else {
                                        "dlg-every-card-locked"
                                    },
                                    vec![],
                                ));
                            }
                            _ => {
                                self.stage = Stage::AskingCard { unlock };
                                return Some(ask_card(unlock));
                            }
                        }
                    }
                };
                let id = card.id.clone();
                // Nothing to do, and said so: never a read-back of unlocking a card that is not
                // locked ("stays locked" would then be untrue), nor a second lock.
                // A lock still waiting for the bank is asked for again: it is sent again.
                if card.locked != unlock && !card.pending {
                    let masked = ReplyArg::Masked(card.last_four.clone());
                    let id = if unlock {
                        "dlg-card-not-locked"
                    } else {
                        "dlg-card-already-locked"
                    };
                    return Some(say(id, vec![("masked", masked)]));
                }
                if *intent == Intent::UnlockCard {
                    // Unlocking weakens a protection: read back, confirmed, stepped up.
                    let reply = unlock_read_back(card);
                    self.stage = Stage::ReadBackUnlock(id);
                    return Some(reply);
                }
                // What is said comes when the host reports the action delivered or queued.
                effects.push(Effect::LockCard { card: id });
                None
            }
            Intent::Transactions
            | Intent::Income
            | Intent::CardStatus
            | Intent::Alerts
            | Intent::Appointments
            | Intent::Bills
                if self.facts.accounts.is_empty() =>
            {
                // Nothing synced yet: "no cards", "no money came in" would be untrue.
                Some(say("dlg-no-data", vec![]))
            }
            Intent::Transactions | Intent::Income => {
                effects.push(Effect::ShowTransactions(TransactionsQuery {
                    account: self.account_named(heard),
                    count: match heard.slots.get("count") {
                        Some(SlotValue::Count(n)) => usize::try_from(*n).ok(),
                        _ => None,
                    },
                    period: period_said(heard),
                    incoming_only: *intent == Intent::Income,
                    // Named by a slot only: words no slot holds list every transaction. A
                    // pension asked about is money in of its kind, not a son's gift.
                    on: match spent_on(heard) {
                        _ if heard.slots.contains_key("pension") => {
                            SpentOn::Category(Category::Income)
                        }
                        SpentOn::Words(_) | SpentOn::Unsorted => SpentOn::All,
                        on => on,
                    },
                    pending_only: heard.slots.contains_key("pending"),
                }));
                // What is said comes with what the host found.
                None
            }
            Intent::CardStatus | Intent::Alerts | Intent::Appointments | Intent::Bills => {
                effects.push(Effect::ShowItems(match intent {
                    Intent::CardStatus => Listing::Cards,
                    Intent::Alerts => Listing::Alerts,
                    Intent::Bills => Listing::Bills,
                    _ => Listing::Appointments,
                }));
                // What is said comes with what the host found.
                None
            }
            Intent::Spending => {
                // What is said comes with the total the host adds up.
                effects.push(Effect::SumSpending(SpendingQuery {
                    account: self.account_named(heard),
                    period: period_said(heard),
                    on: spent_on(heard),
                }));
                None
            }
            // Her trusted payees, the only people money can be sent to.
            Intent::Payees if self.facts.accounts.is_empty() => Some(say("dlg-no-data", vec![])),
            Intent::Payees if self.facts.payees.is_empty() => Some(say("dlg-no-payees", vec![])),
            Intent::Payees => {
                Some(self.with_example_args("dlg-payees", vec![("payees", self.payee_choices())]))
            }
            // An account's or a card's number: the last four digits only (C2, masked in speech),
            // and why no more is said.
            Intent::AccountNumber if self.facts.accounts.is_empty() => {
                Some(say("dlg-no-data", vec![]))
            }
            Intent::AccountNumber
                if heard.slots.contains_key("cards") && self.facts.cards.is_empty() =>
            {
                Some(say("dlg-no-cards", vec![]))
            }
            Intent::AccountNumber => {
                let mut said = self.numbers_asked(heard);
                // Where the whole number is found: hers on her card and statements.
                let whose = match heard.slots.get("payee") {
                    Some(SlotValue::Item {
                        item: ItemRef::Payee(_),
                        ..
                    }) => "payee",
                    _ => "hers",
                };
                said.push(say("dlg-number-why", vec![("whose", text(whose))]));
                self.say_all(said, effects);
                None
            }
            Intent::Confirm | Intent::Deny => Some(say("dlg-nothing-to-confirm", vec![])),
            // The bank's own: the host carries them out, and she hears it is under way.
            Intent::Bank(name) => {
                effects.push(Effect::BankRequest {
                    intent: name.clone(),
                    slots: heard.slots.clone(),
                });
                Some(say("dlg-bank-request", vec![]))
            }
            _ => Some(self.with_example("dlg-help")),
        }
    }

    /// Starts a payment, or amends the one in progress with what was just said.
    /// Answers an intent in passing (a question, a lock) and goes back to `waiting` unless the
    /// answer started something of its own.
    fn in_passing(
        &mut self,
        intent: &Intent,
        heard: &Heard,
        effects: &mut Vec<Effect>,
        waiting: Stage,
    ) -> Option<Reply> {
        let reply = self.idle_intent(intent, heard, effects);
        if matches!(self.stage, Stage::Idle) {
            self.stage = waiting;
        }
        reply
    }

    fn start_or_amend(
        &mut self,
        previous: Option<(PaymentPlan, Option<Cue>)>,
        intent: &Intent,
        heard: &Heard,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        if self.checking.is_some() || self.facts.payments_unresolved > 0 {
            // Another payment waits for the bank's answer on the one being checked (named
            // or not: one an earlier session sent may no longer match the view).
            self.stage = Stage::Idle;
            return Some(say("dlg-payment-unresolved", vec![]));
        }
        if !self.facts.online {
            self.stage = Stage::Idle;
            return Some(say(
                "dlg-offline-no-payments",
                vec![("age", ReplyArg::Age(self.facts.data_age_minutes))],
            ));
        }
        if let Some(made) = &mut self.made {
            made.other_payment_since = true;
        }
        let kind = self.kind_asked(intent, heard, previous.as_ref().map(|(plan, _)| plan));
        let mut draft = match (&self.stage, previous) {
            (Stage::Collecting(draft), _) if draft.kind == Some(kind) => draft.clone(),
            (_, Some((plan, cue))) if plan.kind() == kind => Draft {
                kind: Some(kind),
                said_amount: true,
                target: Some(match plan.target {
                    PlanTarget::Payee(id) => Target::Payee(id),
                    PlanTarget::Bill { biller, .. } => Target::Biller(biller),
                    PlanTarget::Account(id) => Target::Account(id),
                }),
                amount: Some(plan.amount),
                cue,
                choices: Vec::new(),
                from: Some(plan.from_account),
            },
            _ => Draft {
                kind: Some(kind),
                ..Draft::default()
            },
        };
        // Pressure, secrecy and scammers' scripts, read as words with negation ("不急").
        let heard_cues = tingshuo_understand::cues::scam_cues(heard.said.locale, &heard.said.raw);
        let strongest = Cue::strongest(&heard_cues);
        if let Some(cue) = strongest {
            let both: Vec<Cue> = [draft.cue, Some(cue)].into_iter().flatten().collect();
            draft.cue = Cue::strongest(&both);
        }
        let reply = self.amend(draft, kind, heard, effects);
        // A scammer's story is named at once, unless the warning before the read-back, which
        // names it, comes now.
        if let Some(cue) = strongest.filter(|cue| cue.kind.is_script())
            && kind == PlanKind::Transfer
            && !matches!(self.stage, Stage::Preparing { .. })
        {
            effects.insert(0, Effect::Say(say("dlg-scam-story-heard", cue_args(cue))));
        }
        reply
    }

    /// Which payment she asks for: a bill; a move to another account of hers (named as where
    /// the money goes, or the move in progress or read back, changed only in how much or
    /// from where); else a transfer to a payee.
    fn kind_asked(
        &self,
        intent: &Intent,
        heard: &Heard,
        previous: Option<&PaymentPlan>,
    ) -> PlanKind {
        if *intent == Intent::PayBill {
            return PlanKind::Bill;
        }
        let names_an_account = matches!(
            heard.slots.get("to_account"),
            Some(SlotValue::Item {
                item: ItemRef::Account(_),
                ..
            })
        );
        let moving = match (previous, &self.stage) {
            (Some(plan), _) => plan.kind() == PlanKind::Move,
            (None, Stage::Collecting(draft)) => draft.kind == Some(PlanKind::Move),
            _ => false,
        };
        // A move stays one only while nothing but how much, or from where, is said: a name
        // (a payee's, or one that is no payee) is a transfer to a person.
        let only_move_details = heard
            .slots
            .keys()
            .all(|slot| matches!(slot.as_str(), "amount" | "account" | "to_account"));
        if names_an_account || (moving && only_move_details) {
            PlanKind::Move
        } else {
            PlanKind::Transfer
        }
    }

    /// Fills the draft from what was just said and says what comes next.
    fn amend(
        &mut self,
        mut draft: Draft,
        kind: PlanKind,
        heard: &Heard,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        let target_slot = match kind {
            PlanKind::Bill => "biller",
            PlanKind::Transfer => "payee",
            PlanKind::Move => "to_account",
        };
        let target_before = draft.target.clone();
        let choices: Vec<Target> = heard
            .alternatives
            .get(target_slot)
            .into_iter()
            .flatten()
            .filter_map(|value| target_of(kind, value))
            .collect();
        if kind == PlanKind::Move && choices.len() > 1 {
            // Two accounts of hers answer to what she said: which one is said again whole,
            // with its ending, never picked.
            self.stage = Stage::Idle;
            return Some(say(
                "dlg-move-which-account",
                vec![("choices", ReplyArg::Choices(self.choices(&choices)))],
            ));
        }
        if choices.len() > 1 {
            // "Alice" with two payees named Alice: ask which, never pick one.
            draft.target = None;
            draft.choices = choices;
        } else if let Some(target) = heard
            .slots
            .get(target_slot)
            .and_then(|value| target_of(kind, value))
        {
            draft.target = Some(target);
            draft.choices.clear();
        }
        if let Some(SlotValue::Item {
            item: ItemRef::Account(id),
            ..
        }) = heard.slots.get("account")
            && let Some(account) = self.facts.account(id)
        {
            if account.kind.holds_own_funds() {
                draft.from = Some(account.id.clone());
            } else {
                // "From my credit card": said why not, and the account it can leave is read
                // back (she may name another).
                effects.push(Effect::Say(say(
                    "dlg-cannot-pay-from",
                    vec![("account", text(&account.name))],
                )));
            }
        }
        if let Some(SlotValue::Money(amount)) = heard.slots.get("amount") {
            if amount.minor() <= 0 || heard.said.says_a_negative_amount() {
                // "负两百", "零块": no money moves on an amount below or at zero; asked again.
                let reply = say("dlg-amount-not-positive", vec![]);
                self.stage = Stage::Collecting(draft);
                return Some(reply);
            }
            draft.amount = Some(*amount);
            draft.said_amount = true;
        } else if kind == PlanKind::Bill && target_before.is_some() && draft.target != target_before
        {
            // Another biller named, no amount with it: the amount carried over was the other
            // bill's, never said for this one; this bill's own is taken below.
            draft.amount = None;
            draft.said_amount = false;
        }
        if let Some(Target::Biller(biller_id)) = &draft.target
            && let Some(biller) = self.facts.biller(biller_id)
            && let Some(due) = &biller.due
        {
            let paid = PlanTarget::Bill {
                biller: biller_id.clone(),
                bill: Some(due.bill.clone()),
            };
            // The very bill a payment the bank holds has paid still shows as due during the
            // hold (its correction window), or until the view hears the hold ended: it is not
            // paid twice. Wording true whether or not the hold has ended since.
            if let Some(held) = self
                .made
                .as_mut()
                .filter(|made| made.held && made.plan.target == paid)
            {
                // The payment last made: her "cancel" next is about it, not asked about.
                held.other_payment_since = false;
                let reply = say("dlg-bill-held-already", made_args(&held.plan));
                self.stage = Stage::Idle;
                return Some(reply);
            }
            if self.facts.held_bills.contains(&due.bill) {
                // Held by the bank, but not the payment last made (another came since, or
                // another channel paid it): "cancel" would not reach it, so it is not offered.
                let reply = say(
                    "dlg-bill-paid-already",
                    vec![
                        ("target", text(&biller.name)),
                        ("amount", ReplyArg::Money(due.amount)),
                    ],
                );
                self.stage = Stage::Idle;
                return Some(reply);
            }
        }
        if let Some(Target::Biller(biller)) = &draft.target
            && let Some(biller) = self.facts.biller(biller)
        {
            // Bills are paid as the bank issued them: with none due there is nothing to pay.
            let Some(due) = &biller.due else {
                self.stage = Stage::Idle;
                return Some(say("dlg-nothing-due", vec![("target", text(&biller.name))]));
            };
            draft.amount = draft.amount.or(Some(due.amount));
        }
        if kind == PlanKind::Transfer
            && draft.target.is_none()
            && draft.choices.is_empty()
            && let Some(SlotValue::Text(name)) = heard.slots.get("unknown_payee")
        {
            // "给小明转一百": who the payees are, and how a new one is added; the amount stays.
            let reply = say(
                "dlg-unknown-payee-named",
                vec![("name", text(name)), ("payees", self.payee_choices())],
            );
            self.stage = Stage::Collecting(draft);
            return Some(reply);
        }
        self.advance(draft, effects)
    }

    /// Help, or "didn't catch that", with an example of a transfer to the customer's own
    /// payee: the one paid most, by name.
    fn with_example(&self, id: &'static str) -> Reply {
        self.with_example_args(id, Vec::new())
    }

    /// The same, with the message's own arguments besides.
    fn with_example_args(
        &self,
        id: &'static str,
        mut args: Vec<(&'static str, ReplyArg)>,
    ) -> Reply {
        let payee = self
            .facts
            .payees
            .iter()
            .max_by_key(|p| p.transfers_made)
            .map(|p| p.name.clone());
        args.extend([
            (
                "has_payee",
                text(if payee.is_some() { "yes" } else { "no" }),
            ),
            ("payee", text(&payee.unwrap_or_default())),
        ]);
        say(id, args)
    }

    /// The customer's payees, listed ("李伟、张丽和刘芳").
    fn payee_choices(&self) -> ReplyArg {
        let payees: Vec<Target> = self
            .facts
            .payees
            .iter()
            .map(|p| Target::Payee(p.id.clone()))
            .collect();
        ReplyArg::Names(self.choices(&payees))
    }

    fn next_question(&self, draft: &Draft) -> Reply {
        match (draft.kind, &draft.target, &draft.amount) {
            (_, None, _) if draft.choices.len() > 1 => {
                let choices = self.choices(&draft.choices);
                // Items told apart by their endings are chosen by them, not by a name they share.
                let by = if choices.iter().any(|c| c.ending.is_some()) {
                    "ending"
                } else {
                    "name"
                };
                say(
                    "dlg-which-one",
                    vec![("choices", ReplyArg::Choices(choices)), ("by", text(by))],
                )
            }
            (Some(PlanKind::Bill), None, _) => say("dlg-ask-biller", vec![]),
            (_, None, _) => say("dlg-ask-payee", vec![]),
            (_, Some(_), None) => say("dlg-ask-amount", vec![]),
            _ => self.with_example("dlg-help"),
        }
    }

    /// An amount in another currency than the account it would leave: said why, since asking
    /// "how much?" again alone would have her say the same. A bill's amount is the bank's, so
    /// the account she named gives way to the paying account (named in the read-back); a
    /// transfer's amount is asked again in the account's currency.
    fn other_currency(
        &mut self,
        mut draft: Draft,
        kind: PlanKind,
        account: &AccountFact,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        let why = say(
            "dlg-amount-other-currency",
            vec![
                ("account", text(&account.name)),
                ("currency", text(account.available.currency().code())),
            ],
        );
        if kind == PlanKind::Bill {
            if draft.from.take().is_some() {
                effects.push(Effect::Say(why));
                return self.advance(draft, effects);
            }
            // The bank's bill is in a currency her paying account does not hold.
            self.stage = Stage::Idle;
            return Some(why);
        }
        effects.push(Effect::Say(why));
        draft.amount = None;
        draft.said_amount = false;
        let question = self.next_question(&draft);
        self.stage = Stage::Collecting(draft);
        Some(question)
    }

    /// Moves a draft on: ask for what is missing, check limits and risk, or read it back.
    fn advance(&mut self, draft: Draft, effects: &mut Vec<Effect>) -> Option<Reply> {
        let kind = draft.kind.unwrap_or(PlanKind::Transfer);
        let (Some(target), Some(amount)) = (draft.target.clone(), draft.amount) else {
            let question = self.next_question(&draft);
            self.stage = Stage::Collecting(draft);
            return Some(question);
        };
        // The account she named, as the view has it now; unnamed, the paying account.
        let account = match &draft.from {
            Some(id) => self.facts.account(id),
            None => self.facts.paying_account.as_ref(),
        };
        let Some(account) = account.cloned() else {
            return Some(say("dlg-no-data", vec![]));
        };
        let known = match &target {
            Target::Payee(id) => self.facts.payee(id).map(|p| {
                (
                    PlanTarget::Payee(p.id.clone()),
                    p.name.clone(),
                    p.account_last_four.clone(),
                    (
                        p.transfers_made == 0,
                        p.transfers_made > 0 && p.added_days_ago < RECENT_PAYEE_DAYS,
                    ),
                )
            }),
            Target::Biller(id) => self.facts.biller(id).map(|b| {
                (
                    PlanTarget::Bill {
                        biller: b.id.clone(),
                        bill: b.due.as_ref().map(|due| due.bill.clone()),
                    },
                    b.name.clone(),
                    b.reference_last_four.clone(),
                    (false, false),
                )
            }),
            Target::Account(id) => self.facts.account(id).map(|to| {
                (
                    PlanTarget::Account(to.id.clone()),
                    to.name.clone(),
                    to.last_four.clone(),
                    (false, false),
                )
            }),
        };
        // Her own money moved: never to the account it leaves, nor to one a payment cannot
        // reach (a time deposit is opened, a loan repaid, at the bank).
        if let Target::Account(to) = &target
            && let Some(to) = self.facts.account(to)
        {
            if to.id == account.id {
                self.stage = Stage::Idle;
                return Some(say(
                    "dlg-move-same-account",
                    vec![("account", text(&to.name))],
                ));
            }
            if !to.kind.takes_moves() {
                self.stage = Stage::Idle;
                return Some(say("dlg-cannot-move-to", vec![("account", text(&to.name))]));
            }
            // Paying off her card: never more than it owes (a 五千 heard for 五百 would put it
            // in credit); owing nothing, there is nothing to pay.
            if to.kind == AccountKind::CreditCard {
                let owed = match owed_or_in_credit(to.booked) {
                    (owed, "owe") => owed,
                    (in_credit, _) => Money::from_minor(0, in_credit.currency()),
                };
                if owed.minor() == 0 {
                    self.stage = Stage::Idle;
                    return Some(say(
                        "dlg-card-owes-nothing",
                        vec![("account", text(&to.name))],
                    ));
                }
                if amount.currency() == owed.currency() && amount.minor() > owed.minor() {
                    let reply = say(
                        "dlg-more-than-owed",
                        vec![("account", text(&to.name)), ("owed", ReplyArg::Money(owed))],
                    );
                    self.stage = Stage::Collecting(Draft {
                        amount: None,
                        ..draft
                    });
                    return Some(reply);
                }
            }
        }
        let (plan_target, target_name, target_last_four, (new_payee, recent_payee)) =
            match (kind, known) {
                (_, Some(known)) => known,
                (PlanKind::Transfer, None) => {
                    self.stage = Stage::Collecting(Draft {
                        target: None,
                        ..draft
                    });
                    return Some(say(
                        "dlg-unknown-payee",
                        vec![("payees", self.payee_choices())],
                    ));
                }
                (PlanKind::Bill, None) => {
                    self.stage = Stage::Collecting(Draft {
                        target: None,
                        ..draft
                    });
                    return Some(say("dlg-ask-biller", vec![]));
                }
                (PlanKind::Move, None) => {
                    // Gone from her data since she named it: nothing is moved.
                    self.stage = Stage::Idle;
                    return Some(say("dlg-no-data", vec![]));
                }
            };
        // A bill is paid whole whatever amount was said: its funds and limit are checked on
        // the bill's amount, or she would confirm and step up only to be refused.
        let paid = match (&plan_target, &target) {
            (PlanTarget::Bill { .. }, Target::Biller(id)) => self
                .facts
                .biller(id)
                .and_then(|biller| biller.due.as_ref())
                .map_or(amount, |due| due.amount),
            _ => amount,
        };
        if paid.minor() <= 0 {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            return Some(say("dlg-ask-amount", vec![]));
        }
        if paid.currency() != account.available.currency() {
            return self.other_currency(draft, kind, &account, effects);
        }
        if paid.minor() > account.available.minor() {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            return Some(say(
                "dlg-insufficient",
                vec![
                    ("available", ReplyArg::Money(account.available)),
                    ("fresh", text(self.fresh_word())),
                ],
            ));
        }
        if let Some(limit) = self.facts.daily_limit
            && paid.currency() == limit.limit.currency()
            && paid.minor() > limit.remaining().minor()
        {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            // Said before the read-back, so no one confirms and steps up for a refusal.
            return Some(if limit.used_today.minor() == 0 {
                say(
                    "dlg-over-limit",
                    vec![("limit", ReplyArg::Money(limit.limit))],
                )
            } else {
                say(
                    "dlg-over-limit-left",
                    vec![
                        ("remaining", ReplyArg::Money(limit.remaining())),
                        ("limit", ReplyArg::Money(limit.limit)),
                    ],
                )
            });
        }
        let plan = PaymentPlan {
            target: plan_target,
            target_name,
            target_last_four,
            from_account: account.id.clone(),
            from_last_four: account.last_four.clone(),
            amount,
        };
        let than_usual = self.facts.usual_transfer.is_some_and(|usual| {
            usual.currency() == amount.currency()
                && amount.minor() > usual.minor().saturating_mul(5)
        });
        // With no history to compare with, a transfer that empties most of the account
        // stands out all the same.
        let than_half = amount.minor().saturating_mul(2) > account.available.minor();
        let large = match (than_usual, than_half) {
            (true, _) => Large::ThanUsual,
            (false, true) => Large::ThanHalfTheAccount,
            (false, false) => Large::No,
        };
        let warned = new_payee || recent_payee || large != Large::No || draft.cue.is_some();
        let warning = (kind == PlanKind::Transfer && warned).then_some(Warning {
            new_payee,
            recent_payee,
            large,
            cue: draft.cue,
        });
        // The host prepares the payment as it will be signed; what is read back is that.
        effects.push(Effect::PreparePayment(plan.clone()));
        self.stage = Stage::Preparing {
            plan,
            warning,
            said_amount: draft.said_amount,
        };
        None
    }

    /// A card's ending, masked, for what is said about it.
    fn card_ending(&self, card: &Id<Card>) -> ReplyArg {
        ReplyArg::Masked(
            self.facts
                .card(card)
                .map(|c| c.last_four.clone())
                .unwrap_or_default(),
        )
    }

    /// The account the customer named, directly or by one of its cards.
    fn account_named(&self, heard: &Heard) -> Option<Id<Account>> {
        match heard
            .slots
            .get("account")
            .or_else(|| heard.slots.get("card"))
        {
            Some(SlotValue::Item {
                item: ItemRef::Account(id),
                ..
            }) => Some(id.clone()),
            Some(SlotValue::Item {
                item: ItemRef::Card(id),
                ..
            }) => self.facts.card(id).map(|card| card.account.clone()),
            _ => None,
        }
    }

    /// An unlock the customer did not go through with: the card "stays locked" — unless the
    /// bank has meanwhile made it active (an earlier unlock delivered since the read-back), or
    /// an earlier unlock is still on its way to the bank, which is said instead.
    fn unlock_not_made(&self, card: &Id<Card>, stays_locked: &'static str) -> Reply {
        let masked = self.card_ending(card);
        match self.facts.card(card) {
            Some(fact) if !fact.locked && !fact.pending => {
                say("dlg-card-not-locked", vec![("masked", masked)])
            }
            Some(fact) if !fact.locked => {
                say("dlg-card-unlock-unconfirmed", vec![("masked", masked)])
            }
            _ => say(stays_locked, vec![("masked", masked)]),
        }
    }

    /// "no" when the balances do not include a payment just made yet (the `$fresh` of the
    /// balance messages), else "yes".
    /// How current what is said of her money is, for a balance, a total or a list: `stale`
    /// (yes when the bank cannot be reached, or last updated her data long enough ago to say
    /// when),
    /// `age`, and `fresh` (no while a payment just made is not in it yet).
    fn data_age_args(&self) -> Vec<(&'static str, ReplyArg)> {
        let stale = !self.facts.online || self.facts.data_age_minutes >= SAY_AGE_AFTER_MINUTES;
        vec![
            ("stale", text(if stale { "yes" } else { "no" })),
            ("age", ReplyArg::Age(self.facts.data_age_minutes)),
            ("fresh", text(self.fresh_word())),
        ]
    }

    fn fresh_word(&self) -> &'static str {
        if self.facts.balances_lack_payments {
            "no"
        } else {
            "yes"
        }
    }

    /// An account's balance as the customer asks for it: what is available in a deposit
    /// account, what is owed on a credit card or loan.
    fn balance(&self, account: &AccountFact) -> Reply {
        let online = self.facts.online;
        // A host that has not synced for a while must not have its balance said as if it were
        // current: its age ($stale, read only while the bank can be reached; offline, the
        // message says it anyway).
        let common = |amount| {
            let mut args = vec![
                ("account", text(&account.name)),
                ("masked", ReplyArg::Masked(account.last_four.clone())),
                ("amount", ReplyArg::Money(amount)),
                (
                    "measure",
                    text(if account.kind == AccountKind::TimeDeposit {
                        "principal"
                    } else {
                        "available"
                    }),
                ),
            ];
            // A time deposit's principal comes with its maturity date ("定期什么时候到期").
            match account.matures_on {
                Some(date) if account.kind == AccountKind::TimeDeposit => {
                    args.push(("maturity", text("yes")));
                    args.push(("matures", ReplyArg::DateWithYear(date)));
                }
                _ => args.push(("maturity", text("no"))),
            }
            args.extend(self.data_age_args());
            args
        };
        match account.kind {
            AccountKind::CreditCard | AccountKind::Loan => {
                // Booked is negative while she owes; a card paid beyond its balance is in credit,
                // said as such, never as "you owe minus".
                let (owed, standing) = owed_or_in_credit(account.booked);
                let mut args = common(account.available);
                args.push(("owed", ReplyArg::Money(owed)));
                args.push(("standing", text(standing)));
                let credit = account.kind == AccountKind::CreditCard;
                args.push(("credit", text(if credit { "yes" } else { "no" })));
                // What she owes on a card is due on its statement's date ("信用卡什么时候还款").
                // A date already past is not said: whether it was paid, the bank's next
                // statement will tell.
                let to_come = |date: chrono::NaiveDate| self.facts.today.is_none_or(|t| date >= t);
                match account.matures_on {
                    Some(date) if credit && standing == "owe" && to_come(date) => {
                        args.push(("due", text("yes")));
                        args.push(("due_on", self.day(date)));
                    }
                    _ => args.push(("due", text("no"))),
                }
                args.push(("online", text(if online { "yes" } else { "no" })));
                say("dlg-balance-owed", args)
            }
            AccountKind::TimeDeposit => say(
                if online {
                    "dlg-balance"
                } else {
                    "dlg-balance-offline"
                },
                common(account.booked),
            ),
            AccountKind::Current | AccountKind::Savings => say(
                if online {
                    "dlg-balance"
                } else {
                    "dlg-balance-offline"
                },
                common(account.available),
            ),
        }
    }

    /// The payees or billers to choose between, by name; where names are the same, with the
    /// ending of their number too ("李伟，尾号1234").
    fn choices(&self, targets: &[Target]) -> Vec<Choice> {
        let named: Vec<(String, String)> = targets
            .iter()
            .filter_map(|target| match target {
                Target::Payee(id) => self
                    .facts
                    .payee(id)
                    .map(|p| (p.name.clone(), p.account_last_four.clone())),
                Target::Biller(id) => self
                    .facts
                    .biller(id)
                    .map(|b| (b.name.clone(), b.reference_last_four.clone())),
                Target::Account(id) => self
                    .facts
                    .account(id)
                    .map(|a| (a.name.clone(), a.last_four.clone())),
            })
            .collect();
        named
            .iter()
            .map(|(name, ending)| Choice {
                name: name.clone(),
                ending: (named.iter().filter(|(other, _)| other == name).count() > 1)
                    .then(|| ending.clone()),
            })
            .collect()
    }

    /// The payment as prepared becomes the plan: its read-back (or first its warning) says
    /// exactly what will be signed. A bill paid only in full, when the customer named another
    /// amount, is said plainly first.
    fn prepared(
        &mut self,
        mut plan: PaymentPlan,
        warning: Option<Warning>,
        said_amount: bool,
        prepared: Prepared,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        if plan.kind() == PlanKind::Bill && said_amount && prepared.amount != plan.amount {
            let note = say(
                "dlg-bill-full-amount-only",
                vec![
                    ("target", text(&prepared.target_name)),
                    ("asked", ReplyArg::Money(plan.amount)),
                    ("amount", ReplyArg::Money(prepared.amount)),
                ],
            );
            effects.push(Effect::Say(note));
        }
        plan.amount = prepared.amount;
        plan.target_name = prepared.target_name;
        plan.target_last_four = prepared.target_last_four;
        plan.from_last_four = prepared.from_last_four;
        match warning {
            Some(warning) => {
                let reply = self.warning(&plan, &warning);
                self.stage = Stage::Warned(plan, warning);
                Some(reply)
            }
            None => {
                self.stage = Stage::ReadBack(plan.clone());
                Some(read_back(&plan))
            }
        }
    }

    /// The warning about `plan`, for the reasons found when it was prepared.
    fn warning(&self, plan: &PaymentPlan, warning: &Warning) -> Reply {
        let flag = |b: bool| ReplyArg::Text(if b { "yes" } else { "no" }.to_owned());
        let mut args = vec![
            ("target", text(&plan.target_name)),
            ("new_payee", flag(warning.new_payee)),
            ("recent_payee", flag(warning.recent_payee)),
            (
                "large",
                text(match warning.large {
                    Large::No => "no",
                    Large::ThanUsual => "usual",
                    Large::ThanHalfTheAccount => "half",
                }),
            ),
        ];
        match warning.cue {
            Some(cue) => args.extend(cue_args(cue)),
            None => args.extend([("cue_kind", text("none")), ("cue", text(""))]),
        }
        say("dlg-scam-warning", args)
    }
}

/// A scam cue as the locale files name it: its kind (`dlg-scam-cue`) and the words heard.
fn cue_args(cue: Cue) -> Vec<(&'static str, ReplyArg)> {
    vec![
        ("cue_kind", text(cue.kind.name())),
        ("cue", text(cue.phrase)),
    ]
}

#[cfg(test)]
mod tests;
