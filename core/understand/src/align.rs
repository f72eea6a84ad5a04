//! Aligning an utterance's tokens with one expression by dynamic programming over its
//! automaton: words the expression does not explain may be passed over at a cost, slots take
//! spans whose text their type accepts, a `*` covers a few words of any kind.
#![allow(clippy::float_arithmetic)] // Match scores, not money.

use crate::automaton::{Arc, Automaton};
use crate::context::{Builtin, Element, SlotType, is_cjk};
use crate::lexicon::is_light;
use crate::numbers::{is_en_number_word, is_zh_numeral};
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
    /// The tokens each `*` covered (start, end), in order: something was said that no slot
    /// holds.
    pub free_words: Vec<(usize, usize)>,
    /// What the last slot read was, when it was a number: what may not be passed over next.
    number_just_ended: Option<NumberSlot>,
    /// A number was passed over, and nothing since but characters glued to it, also passed
    /// over: a number slot may not start here ("三三" is not ¥3, "二二十" not ¥20, "二贷五" —
    /// 二百五 misheard — not ¥5).
    number_word_just_passed: bool,
}

/// A slot that holds a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberSlot {
    /// `closed` when the amount's last word ends it ("三百块钱"): nothing of it may follow.
    Amount { closed: bool },
    /// An account's or card's ending.
    Ending,
}

impl NumberSlot {
    fn of(kind: &SlotType, span: &[String]) -> Option<NumberSlot> {
        match kind {
            SlotType::Builtin(Builtin::Money) => Some(NumberSlot::Amount {
                closed: span
                    .last()
                    .is_some_and(|last| AMOUNT_ENDS.contains(&last.as_str())),
            }),
            SlotType::Builtin(Builtin::Account | Builtin::Card) => Some(NumberSlot::Ending),
            _ => None,
        }
    }

    /// Whether the word right after the number may be passed over (`glued`: written against
    /// it, no pause between). A number is taken only whole: never when the word goes on being
    /// a number ("sixty two *fifty*", "forty-five eighty *one*"), and never a Chinese character
    /// glued to an amount that is not closed, which is how a misheard last syllable comes out
    /// ("二百五" heard "二百鱼" is not ¥200). Then the slot is not taken from these words, and
    /// the customer is asked for it.
    fn lets_pass(self, word: &str, glued: bool) -> bool {
        let misheard_syllable =
            self == NumberSlot::Amount { closed: false } && glued && word.chars().all(is_cjk);
        !(is_number_word(word) || misheard_syllable)
    }
}

/// Whether a word is a number, or a piece of one: figures, Chinese numerals, English number
/// words. A number slot takes every such word next to it, or none.
fn is_number_word(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit() || is_zh_numeral(c)) || is_en_number_word(word)
}

/// Whether the token at `pos` comes right after words that introduce a number's ending:
/// "ending (in, with)", "尾号", "末尾是".
fn follows_an_ending_word(tokens: &[String], pos: usize) -> bool {
    let before = |back: usize| pos.checked_sub(back).and_then(|at| tokens.get(at));
    let is =
        |back: usize, words: &[&str]| before(back).is_some_and(|t| words.contains(&t.as_str()));
    is(1, &["ending", "尾号", "尾数"])
        || (is(1, &["in", "with"]) && is(2, &["ending"]))
        || (is(1, &["号"]) && is(2, &["尾"]))
}

/// Words after which no more of an amount comes ("三百块钱", "五百元整").
const AMOUNT_ENDS: &[&str] = &["钱", "整"];

impl Cell {
    /// What the alignment is worth: words matched, less what was passed over.
    pub fn value(&self) -> f64 {
        self.score
            - SKIP_PENALTY * self.skipped as f64
            - LIGHT_SKIP_PENALTY * self.light_skipped as f64
    }
}

/// What passing over one unmatched word costs: more than matching it gains, so an
/// expression that explains the word always wins, and a few extra words ("转五百给他当红包")
/// lower confidence without rejecting outright; what follows a number may not be passed over
/// ([`NumberSlot::lets_pass`]).
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
///
/// `glued[i]` says token `i` was written against the one before it, no space or pause between
/// (Chinese characters within a clause).
pub fn align(
    filler: &Filler<'_>,
    elements: &[Element],
    tokens: &[String],
    glued: &[bool],
) -> Option<Cell> {
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
        free_words: Vec::new(),
        number_just_ended: None,
        number_word_just_passed: false,
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
        // What this token is, whatever the state: light ("帮", "the"), glued to the one before,
        // a number, a Chinese character.
        let token = &tokens[pos];
        let light = is_light(filler.world.locale, token);
        let glued_here = glued.get(pos).copied().unwrap_or(false);
        let number_word = is_number_word(token);
        let glued_character = glued_here && token.chars().all(is_cjk);
        for state in 0..states {
            let Some(cell) = cells[pos][state].clone() else {
                continue;
            };
            // Pass over this token: cheaply when it carries little meaning.
            if light
                || cell
                    .number_just_ended
                    .is_none_or(|number| number.lets_pass(token, glued_here))
            {
                let number_word_just_passed =
                    number_word || (cell.number_word_just_passed && glued_character);
                let skipped = if light {
                    Cell {
                        light_skipped: cell.light_skipped + 1,
                        number_just_ended: None,
                        number_word_just_passed,
                        ..cell.clone()
                    }
                } else {
                    Cell {
                        skipped: cell.skipped + 1,
                        number_just_ended: None,
                        number_word_just_passed,
                        ..cell.clone()
                    }
                };
                offer(&mut cells[pos + 1], state, skipped);
            }
            let number_word_just_passed = cell.number_word_just_passed;
            let cell = Cell {
                number_just_ended: None,
                number_word_just_passed: false,
                ..cell
            };
            for (to, arc) in &automaton.arcs[state] {
                match arc {
                    Arc::Empty => {}
                    Arc::Token(expected) => {
                        let similarity = similarity(expected, token);
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
                            let mut next = Cell {
                                score: cell.score + FREE_WORD_SCORE * (covered + 1) as f64,
                                ..cell.clone()
                            };
                            next.free_words.push((pos, pos + covered + 1));
                            offer(row, *to, next);
                        }
                    }
                    Arc::Slot(kind, _)
                        if number_word_just_passed && NumberSlot::of(kind, &[]).is_some() => {}
                    // The number after "ending in" / "尾号" is an account's ending, never an
                    // amount ("pay off the card ending in 4321" is not $4,321).
                    Arc::Slot(SlotType::Builtin(Builtin::Money), _)
                        if follows_an_ending_word(tokens, pos) => {}
                    // A slot is filled once: a second amount in the same sentence ("send 50
                    // dollars to Alice Chen ending in 4411") is not the amount over the first.
                    Arc::Slot(_, name) if cell.slots.iter().any(|(filled, _)| filled == name) => {}
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
                                next.number_just_ended = NumberSlot::of(kind, span);
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
