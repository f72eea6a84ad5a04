//! What the customer said, taken in once: the words as they came (for cues normalization would
//! remove, such as "马上"), the normalized text and its tokens. Understanding, its fallback and
//! the dialogue all read the same `Said`.

use tingshuo_base::locale::Locale;

use crate::context::tokenize_glued;
use crate::normalize::{normalize_keeping_repeats, without_repeats};

/// One utterance, normalized and tokenized once at the entrance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub locale: Locale,
    /// As typed or transcribed.
    pub raw: String,
    /// Full-width forms, Traditional characters, fillers, stutters and self-corrections
    /// resolved ([`crate::normalize::normalize`]).
    pub normalized: String,
    pub tokens: Vec<String>,
    /// For each token, whether it was written against the one before it
    /// ([`tokenize_glued`]).
    pub glued: Vec<bool>,
    /// The same words with what was said twice kept ([`normalize_keeping_repeats`]), when
    /// that differs: a repeated word may be a stutter or one word for two slots.
    pub repeats_kept: Option<Box<Said>>,
}

/// Longer than this, what was said is no command (a spoken command is a sentence or two);
/// it is kept as said but not read, so that hostile text costs nothing.
pub const MAX_SAID_CHARS: usize = 1000;

impl Said {
    pub fn new(locale: Locale, raw: &str) -> Said {
        if raw.chars().nth(MAX_SAID_CHARS).is_some() {
            return Said::of(locale, raw, String::new(), None);
        }
        let kept = normalize_keeping_repeats(locale, raw);
        let normalized = without_repeats(&kept);
        let repeats_kept =
            (kept != normalized).then(|| Box::new(Said::of(locale, raw, kept, None)));
        Said::of(locale, raw, normalized, repeats_kept)
    }

    fn of(locale: Locale, raw: &str, normalized: String, repeats_kept: Option<Box<Said>>) -> Said {
        let (tokens, glued) = tokenize_glued(&normalized);
        Said {
            locale,
            raw: raw.to_owned(),
            normalized,
            tokens,
            glued,
            repeats_kept,
        }
    }
}

impl Said {
    /// Whether the words put a minus before an amount ([`crate::numbers::says_a_negative_amount`]).
    pub fn says_a_negative_amount(&self) -> bool {
        crate::numbers::says_a_negative_amount(self.locale, &self.raw)
    }

    /// Whether the words ask rather than answer ([`crate::lexicon::is_question`]).
    pub fn is_question(&self) -> bool {
        crate::lexicon::is_question(self.locale, &self.raw, &self.tokens)
    }

    /// The tokens of each span (start, end) as written: glued ones together, the others and
    /// the spans apart by a space; `None` for no words.
    pub fn words_at(&self, spans: &[(usize, usize)]) -> Option<String> {
        let mut words = String::new();
        for &(start, end) in spans {
            for (at, token) in self.tokens.iter().enumerate().take(end).skip(start) {
                let glued = at > start && self.glued.get(at).copied().unwrap_or(false);
                if !words.is_empty() && !glued {
                    words.push(' ');
                }
                words.push_str(token);
            }
        }
        (!words.is_empty()).then_some(words)
    }
}
