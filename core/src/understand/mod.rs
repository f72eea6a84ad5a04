//! Understanding: from a transcript to an intent and its slots, in Mandarin and English.
//!
//! Normalization, Rhino-compatible contexts with built-in slot types, and a matcher that
//! aligns transcripts with a context's expressions (see `docs/ARCHITECTURE.md`).

pub mod classifier;
pub mod context;
pub mod matcher;
pub mod normalize;
pub mod numbers;

/// The banking context of a locale, compiled in (a bank may load its own instead).
pub fn banking_context(locale: crate::l10n::Locale) -> &'static str {
    match locale {
        crate::l10n::Locale::ZhCn => include_str!("../../../locales/zh-CN/banking.yaml"),
        crate::l10n::Locale::EnUs => include_str!("../../../locales/en-US/banking.yaml"),
    }
}

/// How customers answer the dialogue's questions ("李伟", "fifty dollars"): one intent per slot
/// the dialogue may ask for, used only while it asks ([`crate::dialogue::Dialogue::expecting`]).
pub fn answers_context(locale: crate::l10n::Locale) -> &'static str {
    match locale {
        crate::l10n::Locale::ZhCn => include_str!("../../../locales/zh-CN/answers.yaml"),
        crate::l10n::Locale::EnUs => include_str!("../../../locales/en-US/answers.yaml"),
    }
}

/// What the customer said, as the dialogue should hear it: the banking context's expressions
/// first; when they match nothing and the dialogue is waiting for a slot, a bare answer to its
/// question; last, the banking context's statistical fallback.
pub fn hear(
    banking: &context::Context,
    answers: &context::Context,
    world: &matcher::World,
    expecting: Option<&str>,
    text: &str,
) -> (Option<matcher::Understanding>, crate::dialogue::Heard) {
    let understood = matcher::understand_by_expressions(banking, world, text);
    if understood.is_some() {
        let heard = crate::dialogue::Heard::from_understanding(understood.as_ref(), text);
        return (understood, heard);
    }
    let answer = expecting
        .and_then(|slot| matcher::understand(answers, world, text).filter(|a| a.intent == slot));
    if answer.is_none()
        && let Some(guessed) = matcher::guess_intent(banking, world, text)
    {
        let heard = crate::dialogue::Heard::from_understanding(Some(&guessed), text);
        return (Some(guessed), heard);
    }
    let mut heard = crate::dialogue::Heard::from_understanding(answer.as_ref(), text);
    // An answer fills a slot; it is not an intent of its own.
    heard.intent = None;
    (None, heard)
}
