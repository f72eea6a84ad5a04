//! Decoding guided by a grammar: whisper.cpp's own beam search, with every beam's next-token
//! scores passed through the context's [`Grammar`] first.
//!
//! whisper.cpp calls a logits filter for each beam at each step with the tokens that beam has
//! written; the filter finds (or works out from the beam's parent) where those tokens stand in
//! the grammar, and lowers the score of every token that would leave it. Beams that follow the
//! grammar compete with one another on the model's own scores, so "what's the balance" spoken
//! unclearly is read as the sentence of the context it sounds most like, not as "What's the
//! mountains?". The filter also keeps, per beam, how far the grammar pushed it from what the
//! model would have written freely ([`Guided::forced`]): near zero for a command said clearly,
//! a few nats for a misheard word, many for speech the context cannot say.
//!
//! One of the two modules with `unsafe` code (the other is the clearing allocator,
//! `tingshuo_base::zeroing`): the callback whisper.cpp calls, which turns its
//! raw pointers into slices for the safe filter. whisper-rs offers the callback only through
//! an `unsafe` setter; grammar decoding through its `set_grammar` crashes (it passes one flat
//! array where whisper.cpp expects one per rule), and a decoder of our own over whisper-rs's
//! safe `decode` could only follow one hypothesis at a time.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::Mutex;

use whisper_rs::{FullParams, WhisperState};
use whisper_rs::{WhisperSysContext, WhisperSysState, WhisperTokenData};

use crate::grammar::Grammar;
use crate::reader::{Cursor, Reader, Step};
use crate::spellings::{Shape, Tokens};

/// What a token that leaves the grammar costs a beam, in nats of log-probability: enough that
/// a beam follows the grammar through a misheard word, not so much that speech the grammar
/// cannot say is forced into it (that beam then carries its own words, to be understood, or
/// not, like any transcript).
pub const LEAVE_PENALTY: f32 = 20.0;
/// What starting a word the grammar does not have costs a beam, in nats: more than a misheard
/// command word usually costs to follow the grammar, less than forcing a word that was not
/// said into it.
pub const EXTRA_WORD_PENALTY: f32 = 4.0;
/// What anything but the grammar's next token costs a beam under
/// [`Guidance::SentencesOnly`]: so much that no beam leaves (a beam that could leave for
/// [`LEAVE_PENALTY`] did, after a misheard word, and wrote on freely: "Hey, I, please,
/// please, please."), while the scores stay finite.
pub const SENTENCES_ONLY_PENALTY: f32 = 1000.0;
/// What ending before a whole sentence of the grammar costs a beam, in nats: as much as a word
/// the grammar does not have. A beam kept from ending by the full [`LEAVE_PENALTY`] goes on
/// writing after the speech is over ("Temporarily, like, my visa. Temporarily, like, my
/// visa. …") until a repeat happens to make a sentence or the tokens run out; the words it
/// heard are a better transcript, understood or not like any other.
pub const END_EARLY_PENALTY: f32 = 4.0;

/// How closely a guided search keeps to the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Guidance {
    /// Words the grammar does not have cost [`EXTRA_WORD_PENALTY`] and an early end
    /// [`END_EARLY_PENALTY`]: speech the context cannot say keeps its own words.
    #[default]
    WithExtraWords,
    /// Only the grammar's sentences: a word it does not have (but a sentence's own free
    /// words, which cost [`EXTRA_WORD_PENALTY`]), an end before a sentence or leaving it
    /// costs [`SENTENCES_ONLY_PENALTY`]. For asking the model which sentence of
    /// the context it heard, after the first search found none
    /// ([`super::spoken::recognize`]).
    SentencesOnly,
}

impl Guidance {
    fn leave_penalty(self) -> f32 {
        match self {
            Guidance::WithExtraWords => LEAVE_PENALTY,
            Guidance::SentencesOnly => SENTENCES_ONLY_PENALTY,
        }
    }

    fn extra_word_penalty(self) -> f32 {
        match self {
            Guidance::WithExtraWords => EXTRA_WORD_PENALTY,
            Guidance::SentencesOnly => self.leave_penalty(),
        }
    }

    fn end_early_penalty(self) -> f32 {
        match self {
            Guidance::WithExtraWords => END_EARLY_PENALTY,
            Guidance::SentencesOnly => self.leave_penalty(),
        }
    }
}

/// Where one beam's tokens stand.
#[derive(Debug, Clone, Copy)]
struct Beam {
    /// `None` once the beam has left the grammar.
    cursor: Option<Cursor>,
    /// Nats the grammar cost the beam so far: at each step, the best score of any token minus
    /// the score of the grammar's token taken.
    forced: f32,
}

/// What whisper's scores were at the end of a beam: the best of any token, and those of the
/// tokens the grammar allows there (the end of text among them), by token.
#[derive(Debug)]
struct Scored {
    best: f32,
    allowed: Vec<(u32, f32)>,
}

impl Scored {
    fn allowed(&self, token: u32) -> Option<f32> {
        self.allowed
            .binary_search_by_key(&token, |&(t, _)| t)
            .ok()
            .map(|at| self.allowed[at].1)
    }
}

struct Beams<'g> {
    reader: Reader<'g>,
    tokens: &'g Tokens,
    shapes: &'g [Shape],
    end_of_text: u32,
    /// The openings ([`opening`]) of the first tokens the grammar does not offer this search
    /// ([`Guided::new`]), worked out once.
    avoided_openings: Vec<Vec<u8>>,
    beams: HashMap<Vec<u32>, Beam>,
    scored: HashMap<Vec<u32>, Scored>,
    guidance: Guidance,
}

impl Beams<'_> {
    /// The beam of these tokens, worked out from its parent's when not yet known.
    fn beam(&mut self, tokens: &[u32]) -> Beam {
        if let Some(beam) = self.beams.get(tokens) {
            return *beam;
        }
        let beam = match tokens.split_last() {
            None => Beam {
                cursor: Some(self.reader.start()),
                forced: 0.0,
            },
            Some((&last, parent_tokens)) => {
                let parent = self.beam(parent_tokens);
                let scored = self.scored.get(parent_tokens);
                let stays = parent.cursor.and_then(|mut cursor| {
                    let step = self.reader.advance(&mut cursor, last)?;
                    // A grammar token costs what the model preferred over it; a word the
                    // grammar does not have is the model's own.
                    let cost = match step {
                        Step::Grammar => {
                            let scored = scored?;
                            scored.best - scored.allowed(last)?
                        }
                        Step::Extra => 0.0,
                    };
                    Some((cursor, parent.forced + cost.max(0.0)))
                });
                Beam {
                    cursor: stays.map(|(cursor, _)| cursor),
                    forced: stays.map_or(parent.forced, |(_, forced)| forced),
                }
            }
        };
        self.beams.insert(tokens.to_vec(), beam);
        beam
    }

    /// Whether a first token opens as one of the avoided starts does, in either case and with
    /// or without the space before it: "what" and " What" open as "What" does, and a search
    /// barred only from "What" had spent itself writing "what charges are on my main …"
    /// again.
    fn is_avoided_start(&self, token: u32) -> bool {
        !self.avoided_openings.is_empty()
            && self
                .avoided_openings
                .contains(&opening(self.tokens.text(token)))
    }

    /// Lowers the scores of tokens that would take this beam out of the grammar, and of
    /// tokens that start a word the grammar does not have.
    fn filter(&mut self, tokens: &[u32], logits: &mut [f32]) {
        let beam = self.beam(tokens);
        let Some(cursor) = beam.cursor else {
            return; // left the grammar: free from here on
        };
        let eot = self.end_of_text as usize;
        let Some(scores) = logits.get(..=eot) else {
            return;
        };
        let best = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut allowed: Vec<(u32, f32)> = Vec::new();
        let mut candidates = self.reader.candidates(&cursor);
        candidates.sort_unstable();
        candidates.dedup();
        let starts = tokens.is_empty();
        // Tokens allowed only by making the word being written one the grammar does not have
        // (it began a longer grammar word, " mon" of " month", and did not go on): they cost
        // what starting such a word costs, or "Check my recent transaction mon" would be a
        // sentence the model was never charged for leaving.
        let mut abandoning = Vec::new();
        for token in candidates {
            if starts && self.is_avoided_start(token) {
                continue;
            }
            let Some(&logit) = scores.get(token as usize) else {
                continue;
            };
            let mut trial = cursor;
            if logit.is_finite() && self.reader.advance(&mut trial, token) == Some(Step::Grammar) {
                allowed.push((token, logit));
                // A pause written in byte tokens ("，" in base) costs what a word outside the
                // grammar does, as it did before it was read as a pause: its first byte is the
                // first of every full-width form, and free it would stand in for all of them
                // ("给，锁，付转" in noise).
                if trial.extra_words_written() > cursor.extra_words_written()
                    || self.reader.begins_a_pause(token)
                {
                    abandoning.push(token);
                }
            }
        }
        // The end freely after a sentence, at a cost before one, and never before a word.
        let end_logit = scores[eot];
        let ends_sentence =
            !tokens.is_empty() && self.reader.can_end(&cursor) && end_logit.is_finite();
        if ends_sentence {
            allowed.push((self.end_of_text, end_logit));
            if self.reader.ending_abandons_word(&cursor) {
                abandoning.push(self.end_of_text);
            }
        }
        let extra = self.reader.extra_words(&cursor);
        let penalty = |shape| match extra.step(shape) {
            // Inside a word outside the grammar: its start paid for it.
            Some(false) => 0.0,
            // The sentence's own free words (a `*`, the words after a scam cue) belong to it
            // even when only sentences may be written: they cost what a word outside the
            // grammar costs a first search, not what leaving the grammar does.
            Some(true) if extra.starts_a_free_word() => EXTRA_WORD_PENALTY,
            Some(true) => self.guidance.extra_word_penalty(),
            None => self.guidance.leave_penalty(),
        };
        let by_shape = [
            penalty(Shape::NotWord),
            penalty(Shape::Spaced),
            penalty(Shape::Glued),
            penalty(Shape::GluedNonAscii),
            penalty(Shape::Chinese),
        ];
        for (token, logit) in logits.iter_mut().enumerate() {
            let shape = self.shapes.get(token).copied().unwrap_or(Shape::NotWord);
            *logit -= by_shape[shape as usize];
        }
        // A token that would leave a character unfinished, or finish none, leaves the grammar
        // whatever its shape: a transcript never holds "�".
        let vocabulary = u32::try_from(logits.len()).unwrap_or(0);
        let mut unfinishing = |token: u32| {
            let shape = self
                .shapes
                .get(token as usize)
                .copied()
                .unwrap_or(Shape::NotWord);
            if let Some(logit) = logits.get_mut(token as usize) {
                *logit += by_shape[shape as usize] - self.guidance.leave_penalty();
            }
        };
        if extra.owes_nothing() {
            self.tokens
                .unfinishing
                .iter()
                .copied()
                .for_each(&mut unfinishing);
        } else {
            (0..vocabulary)
                .filter(|&token| extra.step_for(self.tokens, token).is_none())
                .for_each(&mut unfinishing);
        }
        for &(token, logit) in &allowed {
            logits[token as usize] = logit;
        }
        for &token in &abandoning {
            logits[token as usize] -= self.guidance.extra_word_penalty();
        }
        if !ends_sentence && !tokens.is_empty() {
            logits[eot] = end_logit - self.guidance.end_early_penalty();
        }
        self.scored
            .insert(tokens.to_vec(), Scored { best, allowed });
    }
}

/// How a token opens a sentence, whatever its case and with or without its space.
fn opening(text: &[u8]) -> Vec<u8> {
    text.strip_prefix(b" ").unwrap_or(text).to_ascii_lowercase()
}

/// A grammar's guidance for one `full()` call. Keep it alive (and in place) until the call
/// returns: whisper.cpp holds a pointer to it.
pub struct Guided<'g> {
    beams: Mutex<Beams<'g>>,
    n_vocab: usize,
}

impl std::fmt::Debug for Guided<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guided")
            .field("n_vocab", &self.n_vocab)
            .finish_non_exhaustive()
    }
}

impl<'g> Guided<'g> {
    /// A guide for one search. `avoided_starts` are first tokens the grammar does not offer
    /// in it: under [`Guidance::SentencesOnly`] no beam starts with them, so a search asked
    /// again explores other openings than the one an earlier search got trapped after.
    pub fn new(
        grammar: &'g Grammar,
        guidance: Guidance,
        avoided_starts: &'g [u32],
        tokens: &'g Tokens,
        end_of_text: u32,
        n_vocab: usize,
    ) -> Self {
        Guided {
            beams: Mutex::new(Beams {
                reader: grammar.reader(tokens),
                tokens,
                shapes: tokens.shapes(),
                end_of_text,
                avoided_openings: avoided_starts
                    .iter()
                    .map(|&start| opening(tokens.text(start)))
                    .collect(),
                beams: HashMap::new(),
                scored: HashMap::new(),
                guidance,
            }),
            n_vocab,
        }
    }

    /// Runs whisper over the audio with this guide called for every beam at every step.
    pub fn full(
        &self,
        state: &mut WhisperState,
        mut params: FullParams<'_, '_>,
        audio: &[f32],
    ) -> Result<(), whisper_rs::WhisperError> {
        let user_data = std::ptr::from_ref(self).cast_mut().cast::<c_void>();
        // SAFETY: `filter_logits` matches whisper.cpp's logits-filter signature and only reads
        // `user_data` as the `Guided` it points to, which `&self` keeps alive and in place for
        // this whole call; whisper.cpp keeps neither pointer after `full()` returns.
        unsafe {
            params.set_filter_logits_callback(Some(filter_logits));
            params.set_filter_logits_callback_user_data(user_data);
        }
        state.full(params, audio)
    }

    /// The decoded text tokens' standing after decoding: `Some(nats)` when they are a whole
    /// sentence of the grammar, with how far the grammar pushed the model to write them
    /// (the end of text included); `None` when they left the grammar or stop short of a
    /// sentence's end.
    pub fn forced(&self, tokens: &[u32]) -> Option<f32> {
        let mut beams = self
            .beams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let beam = beams.beam(tokens);
        let cursor = beam.cursor?;
        if !beams.reader.can_end(&cursor) {
            return None;
        }
        let end = beams
            .scored
            .get(tokens)
            .and_then(|scored| Some(scored.best - scored.allowed(beams.end_of_text)?))
            .unwrap_or(0.0);
        Some(beam.forced + end.max(0.0))
    }

    fn filter(&self, tokens: &[WhisperTokenData], logits: &mut [f32]) {
        let ids: Vec<u32> = tokens
            .iter()
            .map(|t| u32::try_from(t.id).unwrap_or(u32::MAX))
            .collect();
        let mut beams = self
            .beams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        beams.filter(&ids, logits);
    }
}

/// Called by whisper.cpp, possibly from several of its threads at once, for each beam at each
/// step: `tokens` are the beam's tokens so far and `logits` its scores for the next one.
unsafe extern "C" fn filter_logits(
    _context: *mut WhisperSysContext,
    _state: *mut WhisperSysState,
    tokens: *const WhisperTokenData,
    n_tokens: c_int,
    logits: *mut f32,
    user_data: *mut c_void,
) {
    if user_data.is_null() || logits.is_null() {
        return;
    }
    // SAFETY: `user_data` is the `Guided` that `Guided::full` registered, alive until whisper's
    // `full()` returns (see there); it is only read through a shared reference, its state behind a
    // mutex, so concurrent calls are sound.
    let guided = unsafe { &*user_data.cast::<Guided<'_>>() };
    let count = usize::try_from(n_tokens).unwrap_or(0);
    // SAFETY: whisper.cpp passes the beam's `n_tokens` tokens (a live vector's data) and its
    // logits vector of `n_vocab` floats, which nothing else touches during the call.
    let (tokens, logits) = unsafe {
        let tokens = if count == 0 || tokens.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(tokens, count)
        };
        (
            tokens,
            std::slice::from_raw_parts_mut(logits, guided.n_vocab),
        )
    };
    // A panic must not cross into C++: a filter that fails leaves the scores as they were.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        guided.filter(tokens, logits);
    }));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp)]
    use super::*;
    use crate::grammar::tests::{grammar, vocabulary};
    use tingshuo_base::locale::Locale;

    /// A guide over the test vocabulary, with the end of text right after its text tokens
    /// (as in whisper's vocabulary), and that end's id.
    fn guide<'g>(
        grammar: &'g Grammar,
        guidance: Guidance,
        tokens: &'g Tokens,
    ) -> (Guided<'g>, u32) {
        let end = u32::try_from(tokens.len()).unwrap();
        (
            Guided::new(grammar, guidance, &[], tokens, end, tokens.len() + 1),
            end,
        )
    }

    #[test]
    fn the_guide_keeps_the_grammar_prefers_its_words_and_counts_what_that_cost() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let (guided, end) = guide(&grammar, Guidance::WithExtraWords, &tokens);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap();
        let said = id("What's the");
        let (balance, mountains, figures) = (id(" balance")[0], id(" mountains")[0], id("250")[0]);
        let mut beams = guided.beams.lock().unwrap();
        // Every step before: the model wanted exactly the grammar's words.
        for at in 0..said.len() {
            let mut logits = vec![0.0_f32; tokens.len() + 1];
            logits[said[at] as usize] = 9.0;
            beams.filter(&said[..at], &mut logits);
            assert_eq!(logits[said[at] as usize], 9.0);
            if at == 0 {
                assert_eq!(logits[end as usize], -LEAVE_PENALTY, "no end before a word");
            }
        }
        // Now it hears " mountains" more than " balance".
        let mut logits = vec![0.0_f32; tokens.len() + 1];
        logits[mountains as usize] = 5.0;
        logits[balance as usize] = 3.0;
        logits[figures as usize] = 1.0;
        beams.filter(&said, &mut logits);
        assert_eq!(
            logits[balance as usize], 3.0,
            "the grammar's word is left alone"
        );
        assert_eq!(logits[mountains as usize], 5.0 - EXTRA_WORD_PENALTY);
        assert_eq!(logits[figures as usize], 1.0 - LEAVE_PENALTY);
        assert_eq!(
            logits[end as usize], -END_EARLY_PENALTY,
            "an end before a sentence costs"
        );
        // The beam that took " balance" was pushed 2 nats; its sentence may end.
        let mut sentence = said.clone();
        sentence.push(balance);
        let mut logits = vec![0.0_f32; tokens.len() + 1];
        logits[end as usize] = 4.0;
        beams.filter(&sentence, &mut logits);
        assert_eq!(logits[end as usize], 4.0);
        drop(beams);
        assert_eq!(guided.forced(&sentence), Some(2.0));
        // The beam that took " mountains" is outside the grammar's sentences.
        let mut heard = said.clone();
        heard.push(mountains);
        assert_eq!(guided.forced(&heard), None);
    }

    #[test]
    fn a_beam_that_left_the_grammar_is_free_and_never_a_sentence() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let (guided, _) = guide(&grammar, Guidance::WithExtraWords, &tokens);
        // Digits glued to a word leave the grammar.
        let pay = tokens.tokenize(b" Pay").unwrap();
        let glued = tokens.tokenize(b"250").unwrap()[0];
        let mut logits = vec![1.0_f32; tokens.len() + 1];
        guided.beams.lock().unwrap().filter(&[], &mut logits);
        let mut logits = vec![1.0_f32; tokens.len() + 1];
        guided.beams.lock().unwrap().filter(&pay, &mut logits);
        assert_eq!(logits[glued as usize], 1.0 - LEAVE_PENALTY);
        let left = [pay[0], glued];
        let mut logits = vec![1.0_f32; tokens.len() + 1];
        guided.beams.lock().unwrap().filter(&left, &mut logits);
        assert!(logits.iter().all(|&l| l == 1.0), "no guidance once outside");
        assert_eq!(guided.forced(&left), None);
    }

    #[test]
    fn an_avoided_start_is_never_a_sentences_first_token() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap()[0];
        let (what, pay) = (id("What"), id(" Pay"));
        let end = u32::try_from(tokens.len()).unwrap();
        let avoided = [what];
        let guided = Guided::new(
            &grammar,
            Guidance::SentencesOnly,
            &avoided,
            &tokens,
            end,
            tokens.len() + 1,
        );
        let mut beams = guided.beams.lock().unwrap();
        let mut logits = vec![0.0_f32; tokens.len() + 1];
        logits[what as usize] = 5.0;
        logits[pay as usize] = 3.0;
        beams.filter(&[], &mut logits);
        assert_eq!(logits[what as usize], 5.0 - SENTENCES_ONLY_PENALTY);
        let single_tokens: Vec<u32> = ["what", " what", " What"]
            .iter()
            .filter_map(|text| match tokens.tokenize(text.as_bytes()).as_deref() {
                Some(&[single]) => Some(single),
                _ => None,
            })
            .collect();
        assert!(!single_tokens.is_empty());
        for same_opening in single_tokens {
            assert_ne!(same_opening, what);
            assert!(
                logits[same_opening as usize] < 0.0,
                "{:?} opens as \"What\" does",
                String::from_utf8_lossy(tokens.text(same_opening))
            );
        }
        assert_eq!(
            logits[pay as usize], 3.0,
            "other openings are offered as before"
        );
        assert_eq!(logits[id(" pay") as usize], 0.0, "and in every case");
        // Only the opening is avoided: after another one, the grammar goes on as before.
        let said = [pay];
        let mut logits = vec![0.0_f32; tokens.len() + 1];
        beams.filter(&said, &mut logits);
        assert_eq!(logits[id(" the") as usize], 0.0, "\"Pay the …\" goes on");
        drop(beams);
        assert_eq!(
            guided.forced(&[what]),
            None,
            "a beam that took it anyway left"
        );
    }

    #[test]
    fn a_grammar_words_start_that_does_not_go_on_costs_what_a_word_outside_it_costs() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap();
        // " E" begins " Everyday" (an account's name) but is no word of the grammar.
        let mut said = id("Check my");
        said.push(id(" E")[0]);
        let (balance, v) = (id(" balance")[0], id("v")[0]);
        for (guidance, penalty) in [
            (Guidance::WithExtraWords, EXTRA_WORD_PENALTY),
            (Guidance::SentencesOnly, SENTENCES_ONLY_PENALTY),
        ] {
            let (guided, _) = guide(&grammar, guidance, &tokens);
            let mut beams = guided.beams.lock().unwrap();
            for at in 0..=said.len() {
                let mut logits = vec![0.0_f32; tokens.len() + 1];
                beams.filter(&said[..at], &mut logits);
                if at == said.len() {
                    assert_eq!(logits[v as usize], 0.0, "\"Ev…\" goes on as the grammar's");
                    assert_eq!(
                        logits[balance as usize], -penalty,
                        "\"Check my E balance\" has a word outside the grammar ({guidance:?})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_sentences_free_words_cost_what_a_word_outside_it_costs_under_either_guidance() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap();
        // After a scam cue come the customer's own words ("keep this secret *from my son*"):
        // the sentence's, under either guidance; a word outside the grammar where the
        // sentence has no free words is not.
        let cue = id("Send Alice $25, keep this secret");
        let mut cue_and_a_word = cue.clone();
        cue_and_a_word.extend(id(" my"));
        let no_free_words_here = id("Send Alice");
        let (my, son, chen) = (id(" my")[0], id(" son")[0], id(" Chen")[0]);
        for guidance in [Guidance::WithExtraWords, Guidance::SentencesOnly] {
            let (guided, _) = guide(&grammar, guidance, &tokens);
            let mut beams = guided.beams.lock().unwrap();
            let mut after = |said: &[u32]| {
                let mut logits = vec![0.0_f32; tokens.len() + 1];
                for at in 0..=said.len() {
                    logits = vec![0.0_f32; tokens.len() + 1];
                    beams.filter(&said[..at], &mut logits);
                }
                logits
            };
            let logits = after(&cue);
            assert_eq!(logits[my as usize], -EXTRA_WORD_PENALTY, "{guidance:?}");
            let logits = after(&cue_and_a_word);
            assert_eq!(logits[son as usize], -EXTRA_WORD_PENALTY, "{guidance:?}");
            let logits = after(&no_free_words_here);
            assert_eq!(logits[chen as usize], 0.0, "{guidance:?}");
            assert_eq!(
                logits[son as usize],
                -guidance.extra_word_penalty(),
                "{guidance:?}"
            );
        }
    }

    #[test]
    fn sentences_only_guidance_keeps_every_beam_inside_the_grammar() {
        let tokens = vocabulary();
        let grammar = grammar(Locale::EnUs);
        let (guided, end) = guide(&grammar, Guidance::SentencesOnly, &tokens);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap();
        let said = id("What's the");
        let (balance, mountains) = (id(" balance")[0], id(" mountains")[0]);
        let mut beams = guided.beams.lock().unwrap();
        for at in 0..=said.len() {
            let mut logits = vec![0.0_f32; tokens.len() + 1];
            logits[mountains as usize] = 5.0;
            logits[balance as usize] = 3.0;
            beams.filter(&said[..at], &mut logits);
            if at == said.len() {
                assert_eq!(logits[balance as usize], 3.0);
                assert_eq!(logits[mountains as usize], 5.0 - SENTENCES_ONLY_PENALTY);
                assert_eq!(logits[end as usize], -SENTENCES_ONLY_PENALTY);
            }
        }
    }
}
