//! Aligning an utterance's tokens with one expression by dynamic programming over its
//! automaton: words the expression does not explain may be passed over at a cost, slots take
//! spans whose text their type accepts, a `*` covers a few words of any kind.
#![allow(clippy::float_arithmetic)] // Match scores, not money.

use crate::automaton::{Arc, Automaton};
use crate::context::Element;
use crate::lexicon::is_light;
use crate::similarity::similarity;
use crate::slots::Filler;
use crate::understanding::SlotValue;

/// The longest span a slot may take, in tokens.
const MAX_SLOT_TOKENS: usize = 12;
/// The most words a `*` in an expression passes over: a purpose ("for a new pair of skis"),
/// not a second sentence.
pub const MAX_FREE_WORDS: usize = 6;
/// What each word under a `*` adds to a match: less than a word matched (1) and more than a
/// word skipped (−0.5), so the expression holds when what surrounds the `*` is said, and the
/// more the `*` has to cover, the lower the confidence.
const FREE_WORD_SCORE: f64 = 0.4;
/// The best way to be in a state having read a prefix of the utterance.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Sum of token similarities matched so far.
    pub score: f64,
    /// Utterance tokens passed over without matching.
    pub skipped: usize,
    /// Light tokens (particles, pronouns, politeness) passed over.
    pub light_skipped: usize,
    pub slots: Vec<(String, SlotValue)>,
    pub tie: bool,
    /// Slots whose value tied between several values, with all of them.
    pub alternatives: Vec<(String, Vec<SlotValue>)>,
}

impl Cell {
    /// What the alignment is worth: words matched, less what was passed over.
    pub fn value(&self) -> f64 {
        self.score
            - SKIP_PENALTY * self.skipped as f64
            - LIGHT_SKIP_PENALTY * self.light_skipped as f64
    }
}

/// What passing over one unmatched word costs: more than matching it gains, so an
/// expression that explains the word always wins, and a few extra words ("转五百当红包")
/// lower confidence without rejecting outright.
const SKIP_PENALTY: f64 = 0.5;
const LIGHT_SKIP_PENALTY: f64 = 0.1;

fn offer(cells: &mut [Option<Cell>], state: usize, candidate: Cell) -> bool {
    match &mut cells[state] {
        Some(existing) if (existing.value() - candidate.value()).abs() < 1e-9 => {
            if existing.slots != candidate.slots {
                existing.tie = true;
            }
            false
        }
        Some(existing) if existing.value() > candidate.value() => false,
        slot => {
            *slot = Some(candidate);
            true
        }
    }
}

/// Aligns the tokens with one expression. Returns the best complete alignment.
pub fn align(filler: &Filler<'_>, elements: &[Element], tokens: &[String]) -> Option<Cell> {
    let (automaton, start, accept) = Automaton::from_expression(elements);
    let states = automaton.arcs.len();
    // cells[pos][state]
    let mut cells: Vec<Vec<Option<Cell>>> = vec![vec![None; states]; tokens.len() + 1];
    cells[0][start] = Some(Cell {
        score: 0.0,
        skipped: 0,
        light_skipped: 0,
        slots: Vec::new(),
        tie: false,
        alternatives: Vec::new(),
    });
    for pos in 0..=tokens.len() {
        // Close over empty arcs (the automaton has no cycles: each pass settles more states).
        let mut changed = true;
        let mut passes = 0;
        while changed && passes <= states {
            changed = false;
            passes += 1;
            for state in 0..states {
                let Some(cell) = cells[pos][state].clone() else {
                    continue;
                };
                for (to, arc) in &automaton.arcs[state] {
                    if matches!(arc, Arc::Empty) {
                        changed |= offer(&mut cells[pos], *to, cell.clone());
                    }
                }
            }
        }
        if pos == tokens.len() {
            break;
        }
        for state in 0..states {
            let Some(cell) = cells[pos][state].clone() else {
                continue;
            };
            // Pass over this token: cheaply when it carries little meaning ("帮", "the").
            let skipped = if is_light(filler.world.locale, &tokens[pos]) {
                Cell {
                    light_skipped: cell.light_skipped + 1,
                    ..cell.clone()
                }
            } else {
                Cell {
                    skipped: cell.skipped + 1,
                    ..cell.clone()
                }
            };
            offer(&mut cells[pos + 1], state, skipped);
            for (to, arc) in &automaton.arcs[state] {
                match arc {
                    Arc::Empty => {}
                    Arc::Token(expected) => {
                        let similarity = similarity(expected, &tokens[pos]);
                        if similarity > 0.0 {
                            let next = Cell {
                                score: cell.score + similarity,
                                ..cell.clone()
                            };
                            offer(&mut cells[pos + 1], *to, next);
                        }
                    }
                    Arc::Words => {
                        let last = (pos + MAX_FREE_WORDS).min(tokens.len());
                        for (covered, row) in cells[pos + 1..=last].iter_mut().enumerate() {
                            let next = Cell {
                                score: cell.score + FREE_WORD_SCORE * (covered + 1) as f64,
                                ..cell.clone()
                            };
                            offer(row, *to, next);
                        }
                    }
                    Arc::Slot(kind, name) => {
                        let last = (pos + MAX_SLOT_TOKENS).min(tokens.len());
                        for end in pos + 1..=last {
                            let span = &tokens[pos..end];
                            if let Some(filled) = filler.fill(kind, span) {
                                let mut next = cell.clone();
                                next.score += filled.score * span.len() as f64;
                                next.tie |= !filled.ties.is_empty();
                                if !filled.ties.is_empty() {
                                    next.alternatives.push((name.clone(), filled.ties));
                                }
                                next.slots.push((name.clone(), filled.value));
                                offer(&mut cells[end], *to, next);
                            }
                        }
                    }
                }
            }
        }
    }
    cells[tokens.len()][accept].take()
}
