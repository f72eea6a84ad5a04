//! Understanding: from a transcript to an intent and its slots, in Mandarin and English.
//!
//! An utterance is taken in once ([`said`]: normalized and tokenized), then matched against a
//! context in Picovoice Rhino's YAML format ([`context`]): each expression compiled to an
//! [`automaton`] and [`align`]ed with the utterance, slots [`slots`] filled from the customer's
//! [`world`], words compared by [`similarity`]; [`asides`] set apart remarks around a command;
//! a context may name a statistical fallback ([`classifier`]). The result is an
//! [`Understanding`]: an [`Intent`] and its slots, the customer's items by id.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

pub mod align;
pub mod asides;
pub mod automaton;
pub mod classifier;
pub mod context;
pub mod courtesy;
pub mod cues;
pub mod homophones;
pub mod intent;
pub mod lexicon;
pub mod matcher;
pub mod normalize;
pub mod numbers;
pub mod periods;
pub mod said;
pub mod similarity;
pub mod slots;
pub mod understanding;
pub mod world;

use std::collections::BTreeMap;

use tingshuo_base::locale::Locale;
use tingshuo_base::packed::PackedText;

pub use context::Context;
pub use intent::Intent;
pub use said::Said;
pub use understanding::{SlotValue, Understanding};
pub use world::{ItemRef, Named, World};

/// A context of `locale/` packed by the build (`build.rs`).
macro_rules! packed_context {
    ($locale:literal, $context:literal) => {{
        static TEXT: PackedText = PackedText::new(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $locale,
            "/",
            $context,
            ".yaml.zlib"
        )));
        TEXT.text()
    }};
}

/// The banking context of a locale, compiled in (a bank may load its own instead).
pub fn banking_context(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => packed_context!("zh-CN", "banking"),
        Locale::EnUs => packed_context!("en-US", "banking"),
    }
}

/// How customers answer the dialogue's questions ("李伟", "fifty dollars"): one intent per slot
/// the dialogue may ask for, used only while it asks (the dialogue's `expecting`).
pub fn answers_context(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => packed_context!("zh-CN", "answers"),
        Locale::EnUs => packed_context!("en-US", "answers"),
    }
}

/// Understands one utterance against a context, or returns `None` (no intent): the whole
/// utterance first, then as one command said again clause by clause or with asides set apart
/// ([`asides`]), last the context's statistical
/// fallback.
pub fn understand(context: &Context, world: &World, said: &Said) -> Option<Understanding> {
    understand_by_expressions(context, world, said).or_else(|| guess_intent(context, said))
}

/// Understanding by the context's expressions alone, without its statistical fallback.
pub fn understand_by_expressions(
    context: &Context,
    world: &World,
    said: &Said,
) -> Option<Understanding> {
    let as_written = understand_as_written(context, world, said);
    // A reading by sounds is discounted: it cannot beat one this sure, so it is not sought.
    let best = match as_written {
        Some(written) if written.confidence >= HEARD_ALIKE_CONFIDENCE => Some(written),
        as_written => {
            let heard_alike = understand_heard_alike(context, world, said);
            match (as_written, heard_alike) {
                (Some(written), Some(alike)) if alike.confidence <= written.confidence => {
                    Some(written)
                }
                (written, alike) => alike.or(written),
            }
        }
    };
    // "可以吗", "is that right", "right?": a question is never taken for a yes.
    best.filter(|understood| !(understood.intent == Intent::Confirm && said.is_question()))
}

/// The utterance read by its words as written: whole, said again clause by clause, or with
/// asides set apart.
fn understand_as_written(context: &Context, world: &World, said: &Said) -> Option<Understanding> {
    understand_whole_with_repeats(context, world, said)
        .or_else(|| asides::understand_said_again(context, world, said))
        .or_else(|| asides::understand_without_asides(context, world, said))
}

/// How much less sure a reading is when a word had to be read by its sounds
/// ([`homophones`]): like a name heard in a homophone ([`similarity`]), a near match.
pub(crate) const HEARD_ALIKE_CONFIDENCE: f64 = 0.9;

/// A Mandarin utterance read with its words restored by their sounds ([`homophones`]), when
/// one was written in characters that only sound like it. It stands when it reads better than
/// the words as written, a little discounted: "接锁我的信用卡" (解锁, unlock) as written is a
/// lock with one word passed over, and would lock the card. Never what the dialogue acts on
/// without reading it back: a yes stands only as written ("号的" is not 好的), and so does a
/// card lock ("我的卡听了" is not 停了).
fn understand_heard_alike(context: &Context, world: &World, said: &Said) -> Option<Understanding> {
    if said.locale != Locale::ZhCn
        || said.tokens.is_empty()
        || !said.raw.chars().any(context::is_cjk)
    {
        return None; // Not Mandarin, or too long to be a command (`said::MAX_SAID_CHARS`).
    }
    let restored = homophones::HeardAlike::of(context, world).restore(&said.raw)?;
    let mut understood = understand_as_written(context, world, &Said::new(said.locale, &restored))?;
    understood.confidence *= HEARD_ALIKE_CONFIDENCE;
    let acted_on_at_once = matches!(understood.intent, Intent::Confirm | Intent::LockCard);
    (understood.confidence >= matcher::MIN_CONFIDENCE && !acted_on_at_once).then_some(understood)
}

/// The whole utterance's reading, with a word said twice read as a stutter unless keeping it
/// reads the same intent with more of its slots filled ("a medium, medium roast americano": a
/// size and a roast, not a roast alone).
fn understand_whole_with_repeats(
    context: &Context,
    world: &World,
    said: &Said,
) -> Option<Understanding> {
    let collapsed = matcher::understand_whole(context, world, said)?;
    let kept = said
        .repeats_kept
        .as_deref()
        .and_then(|kept| matcher::understand_whole(context, world, kept))
        .filter(|kept| kept.intent == collapsed.intent && kept.slots.len() > collapsed.slots.len());
    Some(kept.unwrap_or(collapsed))
}

/// The context's statistical fallback, if it names one: an intent without slots, at a
/// confidence just above the least accepted (the dialogue asks for the details).
pub fn guess_intent(context: &Context, said: &Said) -> Option<Understanding> {
    let model = classifier::builtin(context.fallback.as_deref()?)?;
    let allowed: Vec<&Intent> = context.intents.iter().map(|i| &i.intent).collect();
    let guess = model.guess(said, &allowed)?;
    Some(Understanding {
        intent: guess.intent,
        slots: BTreeMap::new(),
        confidence: (matcher::MIN_CONFIDENCE
            + 0.3 * (guess.probability - classifier::ACCEPT_PROBABILITY))
            .min(0.8),
        ambiguous: false,
        alternatives: BTreeMap::new(),
        // The model reads the intent alone: whatever else was said is in no slot.
        free_words: Some(said.normalized.clone()),
    })
}

#[cfg(test)]
mod tests;
