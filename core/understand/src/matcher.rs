//! Matching an utterance against a context: every expression of every intent is aligned with
//! the whole utterance, and the best alignment above the confidence floor is its reading. What
//! matches no expression is rejected (no intent), never forced onto the nearest one.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

use crate::align::align;
use crate::context::Context;
use crate::said::Said;
use crate::slots::Filler;
use crate::understanding::Understanding;
use crate::world::World;

/// Longer utterances are not commands; refusing them bounds the work per utterance.
const MAX_UTTERANCE_TOKENS: usize = 60;

/// The least confidence an understanding needs; below it the utterance is rejected.
pub const MIN_CONFIDENCE: f64 = 0.65;

/// The best reading of the whole utterance by the context's expressions, or `None`.
pub fn understand_whole(context: &Context, world: &World, said: &Said) -> Option<Understanding> {
    let tokens = &said.tokens;
    if tokens.is_empty() || tokens.len() > MAX_UTTERANCE_TOKENS {
        return None;
    }
    let filler = Filler { context, world };
    let mut best: Option<(Understanding, f64)> = None;
    let mut tie = false;
    for intent in &context.intents {
        for expression in &intent.expressions {
            let Some(cell) = align(&filler, expression, tokens, &said.glued) else {
                continue;
            };
            let value = cell.value();
            // Light words passed over neither help nor count: "麻烦帮我看一下余额" is as clear
            // as "看一下余额".
            // Only when the match itself says something: "你好" is not "好" (confirm).
            let discounted = if cell.score >= 2.0 {
                cell.light_skipped
            } else {
                0
            };
            let meaningful = (tokens.len() - discounted).max(1);
            let confidence = (value / meaningful as f64).clamp(0.0, 1.0);
            if confidence < MIN_CONFIDENCE {
                continue;
            }
            match &best {
                Some((current, best_value)) if (value - best_value).abs() < 1e-9 => {
                    if current.intent != intent.intent {
                        tie = true;
                    }
                }
                Some((_, best_value)) if *best_value > value => {}
                _ => {
                    tie = false;
                    best = Some((
                        Understanding {
                            intent: intent.intent.clone(),
                            slots: cell.slots.into_iter().collect(),
                            confidence,
                            ambiguous: cell.tie,
                            alternatives: cell.alternatives.into_iter().collect(),
                            free_words: said.words_at(&cell.free_words),
                        },
                        value,
                    ));
                }
            }
        }
    }
    best.map(|(mut understanding, _)| {
        understanding.ambiguous |= tie;
        understanding
    })
}
