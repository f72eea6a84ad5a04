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

use std::collections::BTreeMap;

use crate::money::Money;
use crate::understand::matcher::{SlotValue, Understanding};

/// A reply: a Fluent message id and its arguments, rendered by the host in both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: &'static str,
    pub args: Vec<(&'static str, ReplyArg)>,
}

/// Reply arguments stay typed until rendering, so money is spoken in words and account
/// numbers only ever masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyArg {
    Text(String),
    Money(Money),
    /// The last four digits of an account or card.
    Masked(String),
    Count(i64),
    /// Names to choose from, read as "A, B or C".
    Choices(Vec<String>),
}

/// What the host must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Say(Reply),
    /// Ask the customer for PIN or biometric to approve this payment.
    RequestStepUp(PaymentPlan),
    /// Send this payment to the bank (it was read back, confirmed and stepped up).
    ExecutePayment(PaymentPlan),
    /// Queue a card lock (a safety action: allowed offline).
    LockCard {
        card_last_four: String,
    },
    UnlockCard {
        card_last_four: String,
    },
    /// Change the speech rate to this percentage of normal.
    SetSpeechRate(u32),
    HandOffToHuman,
}

/// A payment exactly as read back to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPlan {
    pub kind: PlanKind,
    /// The payee's or biller's name as in the customer's data.
    pub target: String,
    /// The payee's account (or biller reference) last four digits, for the read-back.
    pub target_last_four: String,
    pub from_account: String,
    pub from_last_four: String,
    pub amount: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Transfer,
    Bill,
}

/// What the dialogue knows of the customer (from the unified view).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub online: bool,
    /// Minutes since the view was refreshed from the bank.
    pub data_age_minutes: i64,
    pub payees: Vec<PayeeFact>,
    pub billers: Vec<BillerFact>,
    /// The account payments leave from.
    pub paying_account: Option<AccountFact>,
    pub daily_limit: Option<Money>,
    /// A typical transfer for this customer; much more than this is a scam-risk sign.
    pub usual_transfer: Option<Money>,
}

#[derive(Debug, Clone)]
pub struct PayeeFact {
    pub name: String,
    pub account_last_four: String,
    pub transfers_made: u32,
}

#[derive(Debug, Clone)]
pub struct BillerFact {
    pub name: String,
    pub reference_last_four: String,
    pub due: Option<Money>,
}

#[derive(Debug, Clone)]
pub struct AccountFact {
    pub id: String,
    pub name: String,
    pub last_four: String,
    pub available: Money,
}

/// What happens next in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Heard(Heard),
    /// The customer said nothing for a while.
    Silence,
    StepUpSucceeded,
    StepUpFailed,
    /// The bank's answer to an executed payment.
    PaymentDone {
        held: bool,
    },
    PaymentRefused {
        reason: String,
    },
}

/// An understood utterance, or one that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub intent: Option<String>,
    pub slots: BTreeMap<String, SlotValue>,
    /// The raw words, for urgency and secrecy cues.
    pub text: String,
    /// Slots whose words fit several of the customer's items equally well, with all of them.
    pub alternatives: BTreeMap<String, Vec<String>>,
}

impl Heard {
    pub fn from_understanding(understanding: Option<&Understanding>, text: &str) -> Heard {
        Heard {
            intent: understanding.map(|u| u.intent.clone()),
            slots: understanding.map(|u| u.slots.clone()).unwrap_or_default(),
            text: text.to_owned(),
            alternatives: understanding
                .map(|u| u.alternatives.clone())
                .unwrap_or_default(),
        }
    }
}

/// The account payments leave from: the first current account, else the first deposit account.
pub fn paying_account(
    view: &crate::view::CustomerView,
) -> Option<&crate::model::Tracked<crate::model::Account>> {
    use crate::model::AccountKind;
    view.accounts
        .iter()
        .find(|a| a.item.kind == AccountKind::Current)
        .or_else(|| view.accounts.iter().find(|a| a.item.kind.holds_own_funds()))
}

impl Facts {
    /// What the dialogue needs from the unified view. The usual transfer is the median of the
    /// customer's recent outgoing transfers; payments leave the first current account.
    pub fn from_view(
        view: &crate::view::CustomerView,
        history: &[crate::model::Tracked<crate::model::Transaction>],
        online: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Facts {
        use crate::model::Category;
        let paying = paying_account(view);
        let mut transfers: Vec<i64> = history
            .iter()
            .filter(|t| {
                t.item.category == Category::Transfer && t.item.amount.reveal().is_negative()
            })
            .map(|t| t.item.amount.reveal().minor().saturating_abs())
            .collect();
        transfers.sort_unstable();
        let currency = paying.map(|a| a.item.currency);
        Facts {
            online,
            data_age_minutes: now
                .signed_duration_since(view.oldest_as_of)
                .num_minutes()
                .max(0),
            payees: view
                .payees
                .iter()
                .map(|p| PayeeFact {
                    name: p.item.name.reveal().clone(),
                    account_last_four: p.item.account_number.reveal().last_four().to_owned(),
                    transfers_made: p.item.transfers_made,
                })
                .collect(),
            billers: view
                .billers
                .iter()
                .map(|b| BillerFact {
                    name: b.item.name.clone(),
                    reference_last_four: b.item.customer_reference.reveal().last_four().to_owned(),
                    due: view
                        .upcoming_bills
                        .iter()
                        .find(|u| u.bill.item.biller_id == b.item.id)
                        .map(|u| *u.bill.item.amount.reveal()),
                })
                .collect(),
            paying_account: paying.map(|a| AccountFact {
                id: a.item.id.clone(),
                name: a.item.name.clone(),
                last_four: a.item.number.reveal().last_four().to_owned(),
                available: *a.item.balance.available.reveal(),
            }),
            daily_limit: None,
            usual_transfer: currency.and_then(|c| {
                transfers
                    .get(transfers.len() / 2)
                    .map(|m| Money::from_minor(*m, c))
            }),
        }
    }
}

/// Where the conversation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Idle,
    /// Collecting a payment's details, one question at a time.
    Collecting(Draft),
    /// A scam-risk warning was given; waiting for the customer to continue or stop.
    Warned(PaymentPlan),
    /// The plan was read back; waiting for confirm or deny.
    ReadBack(PaymentPlan),
    /// Confirmed; the host is asking for PIN or biometric.
    SteppingUp(PaymentPlan),
    /// Sent to the bank; waiting for its answer.
    Executing(PaymentPlan),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Draft {
    kind: Option<PlanKind>,
    target: Option<String>,
    amount: Option<Money>,
    risk_words: bool,
    /// The payees or billers the customer's words fitted equally: asked which one.
    choices: Vec<String>,
}

/// Topics scammers raise, beyond the pressure phrases normalization knows
/// ([`crate::understand::normalize::PRESSURE`]): with a transfer, either is a warning sign.
const SCAM_TOPICS: &[&str] = &[
    "安全账户",
    "公检法",
    "警察",
    "法院",
    "验证码",
    "中奖",
    "police",
    "gift card",
    "safe account",
    "irs",
    "lottery",
];

/// The dialogue of one session.
#[derive(Debug, Clone)]
pub struct Dialogue {
    stage: Stage,
    facts: Facts,
    speech_rate: u32,
    last_reply: Option<Reply>,
    silences: u32,
}

fn say(id: &'static str, args: Vec<(&'static str, ReplyArg)>) -> Reply {
    Reply { id, args }
}

fn text(value: &str) -> ReplyArg {
    ReplyArg::Text(value.to_owned())
}

impl Dialogue {
    pub fn new(facts: Facts) -> Dialogue {
        Dialogue {
            stage: Stage::Idle,
            facts,
            speech_rate: 100,
            last_reply: None,
            silences: 0,
        }
    }

    pub fn speech_rate(&self) -> u32 {
        self.speech_rate
    }

    /// Updates what is known of the customer (after a sync, or going offline).
    pub fn update_facts(&mut self, facts: Facts) {
        self.facts = facts;
    }

    /// Advances the conversation by one input.
    pub fn step(&mut self, input: Input) -> Vec<Effect> {
        let mut effects = Vec::new();
        let reply = match input {
            Input::Silence => {
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
                other => {
                    // A step-up nobody asked for approves nothing.
                    self.stage = other;
                    None
                }
            },
            Input::StepUpFailed => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::SteppingUp(_) => Some(say("dlg-step-up-failed", vec![])),
                other => {
                    self.stage = other;
                    None
                }
            },
            Input::PaymentDone { held } => match std::mem::replace(&mut self.stage, Stage::Idle) {
                Stage::Executing(plan) => Some(say(
                    if held {
                        "dlg-payment-held"
                    } else {
                        "dlg-payment-done"
                    },
                    vec![
                        ("target", text(&plan.target)),
                        ("amount", ReplyArg::Money(plan.amount)),
                    ],
                )),
                other => {
                    self.stage = other;
                    None
                }
            },
            Input::PaymentRefused { reason } => {
                match std::mem::replace(&mut self.stage, Stage::Idle) {
                    Stage::Executing(_) => Some(say(
                        "dlg-payment-refused",
                        vec![("reason", ReplyArg::Text(reason))],
                    )),
                    other => {
                        self.stage = other;
                        None
                    }
                }
            }
            Input::Heard(heard) => {
                self.silences = 0;
                let reply = self.heard(heard, &mut effects);
                if let Some(reply) = reply {
                    // Say it first: the prompt ("confirm with your fingerprint") comes before
                    // the host's step-up dialog.
                    self.last_reply = Some(reply.clone());
                    effects.insert(0, Effect::Say(reply));
                }
                None
            }
        };
        if let Some(reply) = reply {
            self.last_reply = Some(reply.clone());
            effects.push(Effect::Say(reply));
        }
        effects
    }

    /// The slot the current question asks for ("payee", "biller" or "amount"), so that the
    /// host can understand a bare answer ("李伟", "两百块") with the answers context.
    pub fn expecting(&self) -> Option<&'static str> {
        let Stage::Collecting(draft) = &self.stage else {
            return None;
        };
        match (draft.kind, &draft.target, &draft.amount) {
            (Some(PlanKind::Bill), None, _) => Some("biller"),
            (_, None, _) => Some("payee"),
            (_, Some(_), None) => Some("amount"),
            _ => None,
        }
    }

    /// The question the customer is being asked, if any.
    fn current_question(&self) -> Option<Reply> {
        match &self.stage {
            Stage::Collecting(draft) => Some(self.next_question(draft)),
            Stage::ReadBack(plan) => Some(read_back(plan)),
            Stage::Warned(plan) => Some(self.warning(plan)),
            Stage::SteppingUp(_) => Some(say("dlg-step-up", vec![])),
            _ => None,
        }
    }

    fn heard(&mut self, heard: Heard, effects: &mut Vec<Effect>) -> Option<Reply> {
        let Some(intent) = heard.intent.clone() else {
            // An answer to the question asked ("李伟", "两百块") carries slots, not an intent.
            if let Stage::Collecting(draft) = &self.stage
                && !heard.slots.is_empty()
            {
                let intent = if draft.kind == Some(PlanKind::Bill) {
                    "pay_bill"
                } else {
                    "transfer"
                };
                return self.start_or_amend(None, intent, &heard);
            }
            return Some(say("dlg-not-understood", vec![]));
        };
        // Available at any point.
        match intent.as_str() {
            "repeat" => {
                return Some(
                    self.last_reply
                        .clone()
                        .unwrap_or_else(|| say("dlg-help", vec![])),
                );
            }
            "slower" | "faster" => {
                self.speech_rate = if intent == "slower" {
                    self.speech_rate.saturating_sub(15).max(60)
                } else {
                    (self.speech_rate + 15).min(180)
                };
                effects.push(Effect::SetSpeechRate(self.speech_rate));
                return Some(
                    self.last_reply
                        .clone()
                        .unwrap_or_else(|| say("dlg-rate-changed", vec![])),
                );
            }
            "help" => return Some(say("dlg-help", vec![])),
            "human" => {
                self.stage = Stage::Idle;
                effects.push(Effect::HandOffToHuman);
                return Some(say("dlg-handoff", vec![]));
            }
            "cancel" => {
                let was_payment = !matches!(self.stage, Stage::Idle | Stage::Executing(_));
                if !matches!(self.stage, Stage::Executing(_)) {
                    self.stage = Stage::Idle;
                }
                return Some(say(
                    if was_payment {
                        "dlg-cancelled-payment"
                    } else {
                        "dlg-cancelled"
                    },
                    vec![],
                ));
            }
            _ => {}
        }
        match std::mem::replace(&mut self.stage, Stage::Idle) {
            Stage::ReadBack(plan) => match intent.as_str() {
                "confirm" => {
                    self.stage = Stage::SteppingUp(plan.clone());
                    effects.push(Effect::RequestStepUp(plan));
                    Some(say("dlg-step-up", vec![]))
                }
                "deny" => {
                    // Keep what was said; ask again from the start of the details.
                    self.stage = Stage::Collecting(Draft {
                        kind: Some(plan.kind),
                        ..Draft::default()
                    });
                    Some(say("dlg-what-to-change", vec![]))
                }
                "transfer" | "pay_bill" => self.start_or_amend(Some(plan), &intent, &heard),
                _ => {
                    self.stage = Stage::ReadBack(plan.clone());
                    Some(read_back(&plan))
                }
            },
            Stage::Warned(plan) => match intent.as_str() {
                "confirm" => {
                    self.stage = Stage::ReadBack(plan.clone());
                    Some(read_back(&plan))
                }
                "deny" => Some(say("dlg-cancelled-payment", vec![])),
                _ => {
                    self.stage = Stage::Warned(plan.clone());
                    Some(self.warning(&plan))
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
            Stage::Collecting(draft) => match intent.as_str() {
                "transfer" | "pay_bill" => {
                    self.stage = Stage::Collecting(draft);
                    self.start_or_amend(None, &intent, &heard)
                }
                "deny" | "confirm" => {
                    self.stage = Stage::Collecting(draft.clone());
                    Some(self.next_question(&draft))
                }
                other => {
                    // A new request replaces an unfinished payment.
                    self.idle_intent(other, &heard, effects)
                }
            },
            Stage::Idle => match intent.as_str() {
                "transfer" | "pay_bill" => self.start_or_amend(None, &intent, &heard),
                other => self.idle_intent(other, &heard, effects),
            },
        }
    }

    fn idle_intent(
        &mut self,
        intent: &str,
        heard: &Heard,
        effects: &mut Vec<Effect>,
    ) -> Option<Reply> {
        match intent {
            "balance" => Some(match &self.facts.paying_account {
                Some(account) => {
                    let id = if self.facts.online {
                        "dlg-balance"
                    } else {
                        "dlg-balance-offline"
                    };
                    say(
                        id,
                        vec![
                            ("account", text(&account.name)),
                            ("masked", ReplyArg::Masked(account.last_four.clone())),
                            ("amount", ReplyArg::Money(account.available)),
                            ("minutes", ReplyArg::Count(self.facts.data_age_minutes)),
                        ],
                    )
                }
                None => say("dlg-no-data", vec![]),
            }),
            "lock_card" | "unlock_card" => match heard.slots.get("card") {
                Some(SlotValue::Text(last_four)) => {
                    let card_last_four = last_four.clone();
                    let lock = intent == "lock_card";
                    effects.push(if lock {
                        Effect::LockCard {
                            card_last_four: card_last_four.clone(),
                        }
                    } else {
                        Effect::UnlockCard {
                            card_last_four: card_last_four.clone(),
                        }
                    });
                    Some(say(
                        if lock {
                            "dlg-card-locked"
                        } else {
                            "dlg-card-unlocked"
                        },
                        vec![("masked", ReplyArg::Masked(card_last_four))],
                    ))
                }
                _ => Some(say("dlg-ask-card", vec![])),
            },
            "transactions" | "spending" => Some(say("dlg-see-screen", vec![])),
            "confirm" | "deny" => Some(say("dlg-nothing-to-confirm", vec![])),
            _ => Some(say("dlg-help", vec![])),
        }
    }

    /// Starts a payment, or amends the one in progress with what was just said.
    fn start_or_amend(
        &mut self,
        previous: Option<PaymentPlan>,
        intent: &str,
        heard: &Heard,
    ) -> Option<Reply> {
        if !self.facts.online {
            self.stage = Stage::Idle;
            return Some(say(
                "dlg-offline-no-payments",
                vec![("minutes", ReplyArg::Count(self.facts.data_age_minutes))],
            ));
        }
        let kind = if intent == "pay_bill" {
            PlanKind::Bill
        } else {
            PlanKind::Transfer
        };
        let mut draft = match (&self.stage, previous) {
            (Stage::Collecting(draft), _) if draft.kind == Some(kind) => draft.clone(),
            (_, Some(plan)) if plan.kind == kind => Draft {
                kind: Some(kind),
                target: Some(plan.target),
                amount: Some(plan.amount),
                risk_words: false,
                choices: Vec::new(),
            },
            _ => Draft {
                kind: Some(kind),
                ..Draft::default()
            },
        };
        let lowered = heard.text.to_lowercase();
        draft.risk_words |= crate::understand::normalize::PRESSURE
            .iter()
            .chain(SCAM_TOPICS)
            .any(|w| lowered.contains(w));
        let target_slot = if kind == PlanKind::Bill {
            "biller"
        } else {
            "payee"
        };
        if let Some(choices) = heard.alternatives.get(target_slot).filter(|c| c.len() > 1) {
            // "Alice" with two payees named Alice: ask which, never pick one.
            draft.target = None;
            draft.choices = choices.clone();
        } else if let Some(SlotValue::Text(name)) = heard.slots.get(target_slot) {
            draft.target = Some(name.clone());
            draft.choices.clear();
        }
        if let Some(SlotValue::Money(amount)) = heard.slots.get("amount") {
            draft.amount = Some(*amount);
        }
        if kind == PlanKind::Bill && draft.amount.is_none() {
            draft.amount = draft
                .target
                .as_ref()
                .and_then(|t| self.facts.billers.iter().find(|b| &b.name == t))
                .and_then(|b| b.due);
        }
        self.advance(draft)
    }

    fn next_question(&self, draft: &Draft) -> Reply {
        match (draft.kind, &draft.target, &draft.amount) {
            (_, None, _) if draft.choices.len() > 1 => say(
                "dlg-which-one",
                vec![("choices", ReplyArg::Choices(draft.choices.clone()))],
            ),
            (Some(PlanKind::Bill), None, _) => say("dlg-ask-biller", vec![]),
            (_, None, _) => say("dlg-ask-payee", vec![]),
            (_, Some(_), None) => say("dlg-ask-amount", vec![]),
            _ => say("dlg-help", vec![]),
        }
    }

    /// Moves a draft on: ask for what is missing, check limits and risk, or read it back.
    fn advance(&mut self, draft: Draft) -> Option<Reply> {
        let kind = draft.kind.unwrap_or(PlanKind::Transfer);
        let (Some(target), Some(amount)) = (draft.target.clone(), draft.amount) else {
            let question = self.next_question(&draft);
            self.stage = Stage::Collecting(draft);
            return Some(question);
        };
        let Some(account) = self.facts.paying_account.clone() else {
            return Some(say("dlg-no-data", vec![]));
        };
        let (target_last_four, new_payee) = match kind {
            PlanKind::Transfer => match self.facts.payees.iter().find(|p| p.name == target) {
                Some(p) => (p.account_last_four.clone(), p.transfers_made == 0),
                None => {
                    self.stage = Stage::Collecting(Draft {
                        target: None,
                        ..draft
                    });
                    return Some(say("dlg-unknown-payee", vec![]));
                }
            },
            PlanKind::Bill => match self.facts.billers.iter().find(|b| b.name == target) {
                Some(b) => (b.reference_last_four.clone(), false),
                None => {
                    self.stage = Stage::Collecting(Draft {
                        target: None,
                        ..draft
                    });
                    return Some(say("dlg-ask-biller", vec![]));
                }
            },
        };
        if amount.minor() <= 0 || amount.currency() != account.available.currency() {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            return Some(say("dlg-ask-amount", vec![]));
        }
        if amount.minor() > account.available.minor() {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            return Some(say(
                "dlg-insufficient",
                vec![("available", ReplyArg::Money(account.available))],
            ));
        }
        if let Some(limit) = self.facts.daily_limit
            && amount.currency() == limit.currency()
            && amount.minor() > limit.minor()
        {
            self.stage = Stage::Collecting(Draft {
                amount: None,
                ..draft
            });
            return Some(say(
                "dlg-over-limit",
                vec![("limit", ReplyArg::Money(limit))],
            ));
        }
        let plan = PaymentPlan {
            kind,
            target,
            target_last_four,
            from_account: account.id.clone(),
            from_last_four: account.last_four.clone(),
            amount,
        };
        let large = self.facts.usual_transfer.is_some_and(|usual| {
            usual.currency() == amount.currency()
                && amount.minor() > usual.minor().saturating_mul(5)
        });
        if kind == PlanKind::Transfer && (new_payee || large || draft.risk_words) {
            let reply = self.warning_with(&plan, new_payee, large, draft.risk_words);
            self.stage = Stage::Warned(plan);
            return Some(reply);
        }
        self.stage = Stage::ReadBack(plan.clone());
        Some(read_back(&plan))
    }

    fn warning(&self, plan: &PaymentPlan) -> Reply {
        let new_payee = self
            .facts
            .payees
            .iter()
            .any(|p| p.name == plan.target && p.transfers_made == 0);
        let large = self
            .facts
            .usual_transfer
            .is_some_and(|usual| plan.amount.minor() > usual.minor().saturating_mul(5));
        self.warning_with(plan, new_payee, large, !new_payee && !large)
    }

    fn warning_with(
        &self,
        plan: &PaymentPlan,
        new_payee: bool,
        large: bool,
        pressure: bool,
    ) -> Reply {
        let flag = |b: bool| ReplyArg::Text(if b { "yes" } else { "no" }.to_owned());
        say(
            "dlg-scam-warning",
            vec![
                ("target", text(&plan.target)),
                ("new_payee", flag(new_payee)),
                ("large", flag(large)),
                ("pressure", flag(pressure)),
            ],
        )
    }
}

/// The read-back: who, which account, how much — the only thing a `confirm` confirms.
fn read_back(plan: &PaymentPlan) -> Reply {
    let id = match plan.kind {
        PlanKind::Transfer => "dlg-readback-transfer",
        PlanKind::Bill => "dlg-readback-bill",
    };
    say(
        id,
        vec![
            ("target", text(&plan.target)),
            ("masked", ReplyArg::Masked(plan.target_last_four.clone())),
            ("amount", ReplyArg::Money(plan.amount)),
            ("from", ReplyArg::Masked(plan.from_last_four.clone())),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::l10n::{Locale, Localizer};
    use crate::money::Currency;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn facts() -> Facts {
        Facts {
            online: true,
            data_age_minutes: 10,
            payees: vec![
                PayeeFact {
                    name: "李伟".into(),
                    account_last_four: "3445".into(),
                    transfers_made: 24,
                },
                PayeeFact {
                    name: "陌生人".into(),
                    account_last_four: "9999".into(),
                    transfers_made: 0,
                },
            ],
            billers: vec![BillerFact {
                name: "国家电网".into(),
                reference_last_four: "3345".into(),
                due: Some(cny(23_680)),
            }],
            paying_account: Some(AccountFact {
                id: "zh-pension".into(),
                name: "养老金账户".into(),
                last_four: "6217".into(),
                available: cny(1_852_385),
            }),
            daily_limit: Some(cny(5_000_000)),
            usual_transfer: Some(cny(50_000)),
        }
    }

    fn heard(intent: Option<&str>, slots: &[(&str, SlotValue)], text: &str) -> Input {
        Input::Heard(Heard {
            intent: intent.map(str::to_owned),
            slots: slots
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            text: text.to_owned(),
            alternatives: BTreeMap::new(),
        })
    }

    fn ids(effects: &[Effect]) -> Vec<&'static str> {
        effects
            .iter()
            .filter_map(|e| {
                if let Effect::Say(r) = e {
                    Some(r.id)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn a_transfer_needs_read_back_confirm_and_step_up() {
        let mut d = Dialogue::new(facts());
        let payee = ("payee", SlotValue::Text("李伟".into()));
        let effects = d.step(heard(
            Some("transfer"),
            &[payee.clone(), ("amount", SlotValue::Money(cny(20_000)))],
            "给李伟转两百",
        ));
        assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
        // Step-up results nobody asked for approve nothing.
        assert!(d.step(Input::StepUpSucceeded).is_empty());
        let effects = d.step(heard(Some("confirm"), &[], "对"));
        assert!(
            matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(20_000) && plan.target == "李伟")
        );
        // Saying "yes" again does not replace the step-up.
        assert_eq!(
            ids(&d.step(heard(Some("confirm"), &[], "对"))),
            ["dlg-step-up"]
        );
        let effects = d.step(Input::StepUpSucceeded);
        assert!(matches!(&effects[0], Effect::ExecutePayment(plan) if plan.amount == cny(20_000)));
        assert_eq!(
            ids(&d.step(Input::PaymentDone { held: false })),
            ["dlg-payment-done"]
        );
    }

    #[test]
    fn a_name_that_fits_two_payees_gets_a_clarifying_question() {
        let mut facts = facts();
        facts.payees.push(PayeeFact {
            name: "李维".into(),
            account_last_four: "7788".into(),
            transfers_made: 3,
        });
        let mut d = Dialogue::new(facts);
        let mut ambiguous = heard(
            Some("transfer"),
            &[
                ("payee", SlotValue::Text("李伟".into())),
                ("amount", SlotValue::Money(cny(20_000))),
            ],
            "给李wei转两百",
        );
        if let Input::Heard(h) = &mut ambiguous {
            h.alternatives
                .insert("payee".into(), vec!["李伟".into(), "李维".into()]);
        }
        let effects = d.step(ambiguous);
        assert_eq!(ids(&effects), ["dlg-which-one"]);
        let Effect::Say(question) = &effects[0] else {
            panic!("expected a question");
        };
        assert_eq!(
            question.args,
            vec![(
                "choices",
                ReplyArg::Choices(vec!["李伟".into(), "李维".into()])
            )]
        );
        assert_eq!(d.expecting(), Some("payee"));
        // Silence and "repeat" keep the question; the amount already said is kept.
        assert!(ids(&d.step(Input::Silence)).contains(&"dlg-which-one"));
        let effects = d.step(heard(
            None,
            &[("payee", SlotValue::Text("李维".into()))],
            "李维",
        ));
        assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
        let Effect::Say(read_back) = &effects[0] else {
            panic!("expected a read-back");
        };
        assert!(
            read_back
                .args
                .contains(&("target", ReplyArg::Text("李维".into())))
        );
    }

    #[test]
    fn one_question_at_a_time_and_never_asking_twice() {
        let mut d = Dialogue::new(facts());
        assert_eq!(
            ids(&d.step(heard(Some("transfer"), &[], "转账"))),
            ["dlg-ask-payee"]
        );
        assert_eq!(
            ids(&d.step(heard(
                None,
                &[("payee", SlotValue::Text("李伟".into()))],
                "李伟"
            ))),
            ["dlg-ask-amount"]
        );
        assert_eq!(
            ids(&d.step(Input::Silence)),
            ["dlg-silence", "dlg-ask-amount"]
        );
        assert_eq!(
            ids(&d.step(heard(
                None,
                &[("amount", SlotValue::Money(cny(30_000)))],
                "三百"
            ))),
            ["dlg-readback-transfer"]
        );
        // A changed amount is read back again before anything can be confirmed.
        let effects = d.step(heard(
            Some("transfer"),
            &[("amount", SlotValue::Money(cny(40_000)))],
            "转四百",
        ));
        assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
        let effects = d.step(heard(Some("confirm"), &[], "对"));
        assert!(
            matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(40_000) && plan.target == "李伟")
        );
    }

    #[test]
    fn risk_warnings_offline_refusals_and_cancel() {
        let mut d = Dialogue::new(facts());
        let stranger = ("payee", SlotValue::Text("陌生人".into()));
        let effects = d.step(heard(
            Some("transfer"),
            &[stranger, ("amount", SlotValue::Money(cny(10_000)))],
            "急，给陌生人转一百，别告诉别人",
        ));
        assert_eq!(ids(&effects), ["dlg-scam-warning"]);
        assert_eq!(
            ids(&d.step(heard(Some("cancel"), &[], "取消"))),
            ["dlg-cancelled-payment"]
        );

        let mut offline = Dialogue::new(Facts {
            online: false,
            ..facts()
        });
        let effects = offline.step(heard(
            Some("transfer"),
            &[("payee", SlotValue::Text("李伟".into()))],
            "给李伟转钱",
        ));
        assert_eq!(ids(&effects), ["dlg-offline-no-payments"]);
        assert_eq!(
            ids(&offline.step(heard(Some("balance"), &[], "余额"))),
            ["dlg-balance-offline"]
        );
        // Safety actions work offline.
        let effects = offline.step(heard(
            Some("lock_card"),
            &[("card", SlotValue::Text("4580".into()))],
            "锁卡",
        ));
        assert!(effects.contains(&Effect::LockCard {
            card_last_four: "4580".into()
        }));
    }

    #[test]
    fn repeat_and_slower_keep_the_place() {
        let mut d = Dialogue::new(facts());
        d.step(heard(
            Some("pay_bill"),
            &[("biller", SlotValue::Text("国家电网".into()))],
            "交电费",
        ));
        assert_eq!(
            ids(&d.step(heard(Some("repeat"), &[], "再说一遍"))),
            ["dlg-readback-bill"]
        );
        let effects = d.step(heard(Some("slower"), &[], "慢一点"));
        assert!(effects.contains(&Effect::SetSpeechRate(85)));
        assert_eq!(ids(&effects), ["dlg-readback-bill"]);
        assert!(
            matches!(&d.step(heard(Some("confirm"), &[], "对"))[1], Effect::RequestStepUp(plan) if plan.amount == cny(23_680))
        );
    }

    #[test]
    fn every_reply_renders_in_both_locales_without_whole_numbers() {
        let l10n = Localizer::new().unwrap();
        let mut d = Dialogue::new(facts());
        let inputs = vec![
            heard(Some("help"), &[], ""),
            heard(None, &[], "?"),
            Input::Silence,
            Input::Silence,
            heard(Some("balance"), &[], ""),
            heard(Some("transfer"), &[], ""),
            heard(None, &[("payee", SlotValue::Text("陌生人".into()))], ""),
            heard(None, &[("amount", SlotValue::Money(cny(900_000_000)))], ""),
            heard(None, &[("amount", SlotValue::Money(cny(10_000)))], "急"),
            heard(Some("confirm"), &[], ""),
            heard(Some("confirm"), &[], ""),
            Input::StepUpSucceeded,
            Input::PaymentDone { held: true },
            heard(Some("lock_card"), &[], ""),
            heard(Some("human"), &[], ""),
            heard(Some("cancel"), &[], ""),
        ];
        for input in inputs {
            for effect in d.step(input) {
                if let Effect::Say(reply) = effect {
                    for locale in Locale::ALL {
                        let u = l10n.reply(locale, &reply).unwrap();
                        assert!(
                            !u.display.contains("6217")
                                || u.display.contains("尾号6217")
                                || u.display.contains("ending in 6217")
                        );
                        assert!(!u.speech.contains('¥'), "{}", u.speech);
                    }
                }
            }
        }
    }

    fn any_input() -> impl Strategy<Value = Input> {
        let intents = prop::sample::select(vec![
            "transfer",
            "pay_bill",
            "confirm",
            "deny",
            "cancel",
            "repeat",
            "slower",
            "help",
            "balance",
            "lock_card",
        ]);
        let payees = prop::sample::select(vec!["李伟", "李伟", "陌生人", "王五"]);
        // Amounts that reach every branch: small, usual, large, over the balance and limit.
        let amounts = prop_oneof![
            prop::sample::select(vec![
                100_i64,
                20_000,
                49_999,
                300_000,
                1_852_385,
                3_000_000,
                900_000_000
            ]),
            1_i64..10_000_000,
        ];
        prop_oneof![
            (
                proptest::option::of(intents),
                proptest::option::of(payees),
                proptest::option::of(amounts),
                proptest::bool::weighted(0.1),
                proptest::bool::weighted(0.1)
            )
                .prop_map(|(intent, payee, amount, urgent, ambiguous)| {
                    let mut slots = BTreeMap::new();
                    if let Some(p) = payee {
                        slots.insert("payee".to_owned(), SlotValue::Text(p.to_owned()));
                    }
                    if let Some(a) = amount {
                        slots.insert("amount".to_owned(), SlotValue::Money(cny(a)));
                    }
                    Input::Heard(Heard {
                        intent: intent.map(str::to_owned),
                        slots,
                        text: if urgent { "急".into() } else { String::new() },
                        // Sometimes the name fitted two payees equally.
                        alternatives: if ambiguous {
                            BTreeMap::from([(
                                "payee".to_owned(),
                                vec!["李伟".to_owned(), "陌生人".to_owned()],
                            )])
                        } else {
                            BTreeMap::new()
                        },
                    })
                }),
            Just(Input::Silence),
            Just(Input::StepUpSucceeded),
            Just(Input::StepUpFailed),
            Just(Input::PaymentDone { held: false }),
            Just(Input::PaymentRefused {
                reason: "limit".into()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// No payment reaches the bank unless a confirm followed a read-back of exactly that
        /// payee and amount, and then the step-up succeeded — whatever the customer says.
        #[test]
        fn no_money_moves_without_read_back_confirm_and_step_up(inputs in proptest::collection::vec(any_input(), 1..40), online in any::<bool>()) {
            let mut d = Dialogue::new(Facts { online, ..facts() });
            let mut last_read_back: Option<(String, Money)> = None;
            let mut confirmed: Option<(String, Money)> = None;
            let mut step_up_requested: Option<PaymentPlan> = None;
            for input in inputs {
                let was_confirm = matches!(&input, Input::Heard(h) if h.intent.as_deref() == Some("confirm"));
                let was_step_up = matches!(input, Input::StepUpSucceeded);
                for effect in d.step(input) {
                    match effect {
                        Effect::Say(reply) if reply.id.starts_with("dlg-readback") => {
                            let target = reply.args.iter().find_map(|(k, v)| (*k == "target").then(|| v.clone()));
                            let amount = reply.args.iter().find_map(|(k, v)| if let ("amount", ReplyArg::Money(m)) = (*k, v) { Some(*m) } else { None });
                            if let (Some(ReplyArg::Text(t)), Some(a)) = (target, amount) {
                                last_read_back = Some((t, a));
                            }
                            confirmed = None;
                        }
                        Effect::RequestStepUp(plan) => {
                            prop_assert!(was_confirm, "step-up without a confirm");
                            prop_assert_eq!(Some((plan.target.clone(), plan.amount)), last_read_back.clone());
                            confirmed = last_read_back.clone();
                            step_up_requested = Some(plan);
                        }
                        Effect::ExecutePayment(plan) => {
                            prop_assert!(online, "money moved offline");
                            prop_assert!(was_step_up, "payment without a successful step-up");
                            prop_assert_eq!(Some((plan.target.clone(), plan.amount)), confirmed.clone());
                            prop_assert_eq!(Some(plan.clone()), step_up_requested.clone());
                            prop_assert!(plan.target != "王五", "paid someone who is not a payee");
                            step_up_requested = None;
                            confirmed = None;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
