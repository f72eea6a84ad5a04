//! Utterances of several clauses: a command said with a remark around it, or said again in
//! other words.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

use crate::context::Context;
use crate::intent::Intent;
use crate::matcher::{MIN_CONFIDENCE, understand_whole};
use crate::normalize::{clauses, may_set_aside};
use crate::said::Said;
use crate::understanding::Understanding;
use crate::world::World;

/// Beyond this many clauses an utterance is not a command with asides; the subsets tried grow
/// as 2^n.
const MAX_CLAUSES: usize = 5;
/// What each clause set aside costs, as a factor on confidence.
const ASIDE_FACTOR: f64 = 0.95;

/// When the whole utterance matches nothing, an aside may be set apart: "给刘芳转八十块，她帮我
/// 买了菜" is a transfer and a remark. Clauses are left out only when they refuse or correct
/// nothing, carry no amount and do not themselves ask for something else; each one left out
/// lowers the confidence. The clauses and the sentences left after setting some apart are new
/// utterances, each taken in as a [`Said`] of its own.
pub fn understand_without_asides(
    context: &Context,
    world: &World,
    said: &Said,
) -> Option<Understanding> {
    let clauses = clauses(world.locale, &said.raw);
    if clauses.len() < 2 || clauses.len() > MAX_CLAUSES {
        return None;
    }
    let asides: Vec<bool> = clauses
        .iter()
        .map(|clause| may_set_aside(world.locale, clause))
        .collect();
    let alone: Vec<Option<Intent>> = clauses
        .iter()
        .zip(&asides)
        .map(|(clause, aside)| {
            aside
                .then(|| {
                    understand_whole(context, world, &Said::new(world.locale, clause))
                        .map(|u| u.intent)
                })
                .flatten()
        })
        .collect();
    let full = (1u32 << clauses.len()) - 1;
    let mut best: Option<Understanding> = None;
    // More clauses kept first, so that of equal confidences the fuller reading wins.
    let mut masks: Vec<u32> = (1..full).collect();
    masks.sort_by_key(|mask| std::cmp::Reverse(mask.count_ones()));
    for mask in masks {
        let left_out: Vec<usize> = (0..clauses.len())
            .filter(|i| mask & (1 << i) == 0)
            .collect();
        if left_out.iter().any(|&i| !asides[i]) {
            continue;
        }
        let kept: Vec<&str> = (0..clauses.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| clauses[i].as_str())
            .collect();
        let kept = Said::new(world.locale, &kept.join(" "));
        let Some(mut understood) = understand_whole(context, world, &kept) else {
            continue;
        };
        // A yes or no must be said plainly: "…, can you pay it" is not a confirmation.
        if understood.intent.is_yes_or_no() {
            continue;
        }
        if left_out.iter().any(|&i| {
            alone[i]
                .as_ref()
                .is_some_and(|intent| *intent != understood.intent)
        }) {
            continue;
        }
        understood.confidence *= ASIDE_FACTOR.powi(left_out.len() as i32);
        if understood.confidence < MIN_CONFIDENCE {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|current| understood.confidence > current.confidence + 1e-9)
        {
            best = Some(understood);
        }
    }
    best
}

/// A command said again in other words, one clause after another: "算了，不转了", "nope,
/// that's wrong", "correct, go ahead". When every clause alone is the same command (an intent
/// without slots: a yes, a no, cancel, repeat, help, a hand-off, a rate or volume) the whole
/// is that command, as sure as its least sure clause. A clause that is anything else, or
/// nothing understood, makes it no command: "好的，等一下" is not a yes.
pub fn understand_said_again(
    context: &Context,
    world: &World,
    said: &Said,
) -> Option<Understanding> {
    let clauses = clauses(world.locale, &said.raw);
    if clauses.len() < 2 || clauses.len() > MAX_CLAUSES {
        return None;
    }
    let understood = clauses
        .iter()
        .map(|clause| understand_whole(context, world, &Said::new(world.locale, clause)))
        .collect::<Option<Vec<Understanding>>>()?;
    let command = &understood.first()?.intent;
    let agree = understood
        .iter()
        .all(|u| u.intent == *command && u.slots.is_empty());
    if !agree || !command.is_command() {
        return None;
    }
    understood
        .into_iter()
        .min_by(|a, b| a.confidence.total_cmp(&b.confidence))
}
