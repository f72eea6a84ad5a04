//! Hearing an utterance as the dialogue should: the banking context, a bare answer to the
//! dialogue's own question, then the statistical fallback.

use std::collections::BTreeMap;

use crate::plan::PlanKind;

use tingshuo_understand::{
    Context, Intent, Said, SlotValue, Understanding, World, guess_intent, understand,
    understand_by_expressions,
};

/// The slot the dialogue's current question asks for, so that a bare answer ("李伟", "两百块")
/// is understood with the answers context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expecting {
    Payee,
    Biller,
    Amount,
    /// Which card ("信用卡", "the debit card", "4580").
    Card,
    /// A change to a payment read back: who it goes to, how much, or the account it leaves.
    Change(PlanKind),
}

impl Expecting {
    /// Whether an answer filling `slot` answers what is asked (the answers context names its
    /// slots so).
    pub fn accepts(self, slot: &str) -> bool {
        match self {
            Expecting::Payee => slot == "payee",
            Expecting::Biller => slot == "biller",
            Expecting::Amount => slot == "amount",
            Expecting::Card => slot == "card",
            Expecting::Change(PlanKind::Transfer) => {
                matches!(slot, "payee" | "amount" | "account")
            }
            Expecting::Change(PlanKind::Bill) => matches!(slot, "biller" | "amount" | "account"),
            // Where her own money goes stays as read back; how much and from where may change.
            Expecting::Change(PlanKind::Move) => matches!(slot, "amount" | "account"),
        }
    }
}

/// An understood utterance, or one that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub intent: Option<Intent>,
    pub slots: BTreeMap<String, SlotValue>,
    /// What was said, as taken in once: the raw words carry urgency and secrecy cues.
    pub said: Said,
    /// Slots whose words fit several values equally well, with all of them.
    pub alternatives: BTreeMap<String, Vec<SlotValue>>,
    /// Words said that no slot holds (see [`Understanding::free_words`]).
    pub free_words: Option<String>,
}

impl Heard {
    pub fn from_understanding(understanding: Option<&Understanding>, said: &Said) -> Heard {
        Heard {
            intent: understanding.map(|u| u.intent.clone()),
            slots: understanding.map(|u| u.slots.clone()).unwrap_or_default(),
            said: said.clone(),
            alternatives: understanding
                .map(|u| u.alternatives.clone())
                .unwrap_or_default(),
            free_words: understanding.and_then(|u| u.free_words.clone()),
        }
    }
}

/// Everything the customer may say now, as one context for a recognizer to expect: the
/// banking context and, while a question waits, the answers that fill what it asks ("李伟",
/// "两百块", "不对，是三百"). Searched for under the banking context alone, a bare answer is
/// forced into some command ("两百块" heard "两百账", transactions) or costs every search.
pub fn context_for_speech(
    banking: &Context,
    answers: &Context,
    expecting: Option<Expecting>,
) -> Context {
    let mut context = banking.clone();
    if let Some(expected) = expecting {
        context.intents.extend(
            answers
                .intents
                .iter()
                .filter(|answer| expected.accepts(answer.intent.name()))
                .cloned(),
        );
    }
    context
}

/// What the customer said, as the dialogue should hear it: the banking context's expressions
/// first; when they match nothing and the dialogue is waiting for a slot, a bare answer to its
/// question; last, the banking context's statistical fallback.
pub fn hear(
    banking: &Context,
    answers: &Context,
    world: &World,
    expecting: Option<Expecting>,
    said: &Said,
) -> (Option<Understanding>, Heard) {
    let understood = understand_by_expressions(banking, world, said);
    if understood.is_some() {
        let heard = Heard::from_understanding(understood.as_ref(), said);
        return (understood, heard);
    }
    let answer = expecting.and_then(|expected| {
        understand(answers, world, said).filter(|a| a.slots.keys().any(|s| expected.accepts(s)))
    });
    if answer.is_none()
        && let Some(guessed) = guess_intent(banking, said)
    {
        let heard = Heard::from_understanding(Some(&guessed), said);
        return (Some(guessed), heard);
    }
    let mut heard = Heard::from_understanding(answer.as_ref(), said);
    // An answer fills a slot; it is not an intent of its own.
    heard.intent = None;
    (None, heard)
}
