//! Reading a recognizer's tokens against a grammar, one token at a time: which tokens may come
//! next, where a sequence stands, and whether it is a whole sentence. States met are
//! remembered, so a decoder can weigh hundreds of tokens a step cheaply.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use tingshuo_understand::context::is_cjk;

use crate::grammar::{FIGURES, FREE_WORD, Grammar, MAX_INTEGER_DIGITS, Place, WordId};
use crate::spellings::{NUMBER_SIGNS, PAUSES, Shape, TokenKind, Tokens, chinese_run};

/// The two roots of a state's token trie: words after a space (and Chinese characters), and
/// words glued to what came before (at the very start, or after punctuation).
const SPACED_ROOT: u32 = 0;
const BARE_ROOT: u32 = 1;

/// Stands for a pause whisper writes in several tokens: base has no token for "，" and writes
/// its three bytes one by one. Read as the punctuation it is — it moves no place in the grammar
/// and ends a word outside it — not as a word outside the grammar that swallows every glued
/// character after it ("给刘芳，不对，给李伟转一百" would be guided no further than "给刘芳").
const PAUSE: WordId = WordId::MAX - 1;
/// [`PAUSE`] for the end of a sentence ("？", "！"): as a full stop does, it ends a whole
/// sentence ([`Cursor`]'s `ended`).
const FULL_STOP: WordId = WordId::MAX - 2;

/// The sentence ends whisper writes: after one at a whole sentence, only more of the grammar.
const FULL_STOPS: &[char] = &['.', '?', '!', '。', '？', '！'];

fn is_pause(word: WordId) -> bool {
    word == PAUSE || word == FULL_STOP
}

/// One set of grammar places after whole words, with the tokens that may spell what comes
/// next.
#[derive(Debug)]
pub(crate) struct State {
    places: Vec<Place>,
    /// Token tries of the next words' spellings; `word` marks a node that completes one.
    next: Vec<BTreeMap<u32, u32>>,
    word: Vec<Option<WordId>>,
    figures: bool,
    /// When only some numbers in figures may come next (the customer's endings), their digits;
    /// empty when any may (or none).
    only_figures: Vec<String>,
    accepting: bool,
    /// A word outside the grammar may come here as one of the sentence's free words (a place
    /// has a free-word arc: an expression's `*`, the words after a scam cue).
    free: bool,
    /// The one-character Chinese words that may come next, whose multi-character tokens are
    /// candidates here.
    chinese_firsts: Vec<char>,
    /// The state after each word read here, once known, and whether it came only as a filler
    /// (`None`: the word cannot come here).
    after: HashMap<WordId, Option<(u32, bool)>>,
}

/// Reads token sequences against a grammar, one token at a time, remembering the states it
/// has met so that a decoder can weigh hundreds of tokens a step cheaply.
#[derive(Debug)]
pub struct Reader<'g> {
    grammar: &'g Grammar,
    tokens: &'g Tokens,
    states: RefCell<Vec<State>>,
    ids: RefCell<HashMap<Vec<Place>, u32>>,
    /// Each word's spellings in tokens: spaced and glued, lowercase and capitalized.
    spellings: RefCell<HashMap<WordId, Vec<Spelling>>>,
    /// The spellings of the pauses that have no token of their own, each with the word it is
    /// read as ([`PAUSE`] or [`FULL_STOP`]).
    pauses: Vec<(Spelling, WordId)>,
    /// Their first tokens.
    pause_firsts: BTreeSet<u32>,
}

/// One way whisper writes a word: the trie root it hangs from ([`SPACED_ROOT`] or
/// [`BARE_ROOT`]) and its tokens.
type Spelling = (u32, Vec<u32>);

/// Where a token sequence stands: the state after its whole words, and the word being
/// written. Cheap to copy, so a decoder can try a token on a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    state: u32,
    /// The node of the state's token trie inside the word being written.
    node: Option<u32>,
    /// The number in figures being written, if any.
    figures: Figures,
    /// Nothing written yet: a word may start without a space.
    at_start: bool,
    /// The last token was punctuation: no more until a word.
    after_pause: bool,
    /// Fillers written so far.
    fillers: u8,
    /// Inside a word the grammar does not have ([`Step::Extra`]).
    extra: bool,
    /// A whole sentence ended with a full stop (or question or exclamation mark): only more
    /// of the grammar, or the end, may follow, never words outside it. (Whisper repeats a short
    /// command after itself; the repetition is not the speaker's.)
    ended: bool,
    /// Such words written so far.
    pub(crate) extras: u8,
    /// The words outside the grammar being written are the free words of the sentence (an
    /// expression's `*`, the customer's own words after a scam cue): the first of them
    /// crossed a free-word arc, and the run lasts until the grammar's next word.
    free_run: bool,
    /// Bytes owed by a character begun and not yet finished ([`Tokens::owed_after`]).
    owed: u8,
}

impl Cursor {
    /// Inside a word the grammar does not have.
    pub fn is_in_extra_word(&self) -> bool {
        self.extra
    }

    /// How many words the grammar does not have were written so far, a grammar word's start
    /// that did not go on (" mon" of " month") among them once another word began.
    pub fn extra_words_written(&self) -> u8 {
        self.extras
    }
}

/// A number in figures as it is written, token by token, so that only well-formed ones pass:
/// "$1,250.50", "3921", "¥200", "1.5", "25%"; never "600.4,0", "3,00" or forty digits.
/// (A comma or point after the digits may also be a pause: "$25, please".)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Figures {
    /// Tokens read (0: no number being written).
    tokens: u8,
    /// Digits before the decimal point.
    digits: u8,
    /// Their value ([`MAX_INTEGER_DIGITS`] fit).
    value: u32,
    /// Digits since the last thousands comma (or the start).
    group: u8,
    /// A thousands comma was read.
    grouped: bool,
    /// Digits after the decimal point, once there is one.
    decimals: Option<u8>,
    /// A comma or point after the last digit: the next digit says which it was.
    separator: Option<u8>,
    /// A currency sign was read.
    signed: bool,
    /// A sign after the digits ("%"): the number is complete.
    closed: bool,
}

/// Digits after the point: cents (or fen), or one for "1.5".
const MAX_DECIMALS: u8 = 2;

impl Figures {
    fn is_some(&self) -> bool {
        self.tokens > 0
    }

    /// The digits before the point, as written ("0512" keeps its zero; "$3,921" is "3921").
    fn integer_digits(&self) -> String {
        format!("{:0width$}", self.value, width = usize::from(self.digits))
    }

    /// Whether the number may end here: digits, and a last thousands group of three.
    pub(crate) fn is_whole(&self) -> bool {
        (self.digits > 0 || self.decimals.is_some_and(|d| d > 0))
            && !(self.grouped && self.decimals.is_none() && self.group != 3)
    }

    /// Reads one token's characters; false when they make the number ill-formed.
    fn read(&mut self, text: &[u8]) -> bool {
        self.tokens = self.tokens.saturating_add(1);
        let text = std::str::from_utf8(text).unwrap_or("");
        text.trim_start_matches(' ')
            .chars()
            .all(|c| self.read_char(c))
            && self.tokens <= MAX_FIGURE_TOKENS
    }

    pub(crate) fn read_char(&mut self, c: char) -> bool {
        let started = self.digits > 0 || self.decimals.is_some();
        match c {
            _ if self.closed => false,
            '%' => {
                self.closed = started && self.separator.is_none();
                self.closed
            }
            ',' | '.' => {
                let free = started && self.separator.is_none();
                self.separator = Some(c as u8);
                free
            }
            '0'..='9' => {
                match self.separator.take() {
                    Some(b',') => {
                        let group_fits = if self.grouped {
                            self.group == 3
                        } else {
                            (1..=3).contains(&self.group)
                        };
                        if !group_fits || self.decimals.is_some() {
                            return false;
                        }
                        self.grouped = true;
                        self.group = 0;
                    }
                    Some(_) => {
                        if self.decimals.is_some() || (self.grouped && self.group != 3) {
                            return false;
                        }
                        self.decimals = Some(0);
                    }
                    None => {}
                }
                match &mut self.decimals {
                    Some(decimals) => {
                        *decimals += 1;
                        *decimals <= MAX_DECIMALS
                    }
                    None => {
                        self.digits += 1;
                        self.group += 1;
                        self.value = self
                            .value
                            .saturating_mul(10)
                            .saturating_add(c.to_digit(10).unwrap_or(0));
                        self.digits <= MAX_INTEGER_DIGITS && (!self.grouped || self.group <= 3)
                    }
                }
            }
            // A currency sign comes first.
            _ if NUMBER_SIGNS.contains(&c) => {
                let first = !started && !self.signed && self.separator.is_none();
                self.signed = true;
                first
            }
            _ => false,
        }
    }
}

/// How a token moved a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Along the grammar.
    Grammar,
    /// Into or through a word the grammar does not have: people say more than a command
    /// ("send my son three hundred yuan *for his trip*"), and the matcher passes over such
    /// words at a cost. The grammar's place stays where it was.
    Extra,
}

/// What [`Reader::extra_words`] knows about one cursor.
#[derive(Debug, Clone, Copy)]
pub struct ExtraWords {
    /// Bytes owed by a character begun: only a token that finishes it may come.
    owed: u8,
    continuing: bool,
    may_start: bool,
    at_edge: bool,
    /// A word started here is one of the sentence's free words.
    free: bool,
}

impl ExtraWords {
    /// Whether a word started here is one of the sentence's free words ([`Cursor`]'s free
    /// run), part of the sentence under any guidance.
    pub fn starts_a_free_word(&self) -> bool {
        self.free
    }

    /// For a token the grammar does not allow here: `Some(false)` when it continues the word
    /// outside the grammar being written, `Some(true)` when it starts one, `None` when it
    /// leaves the grammar (what [`Reader::advance`] decides for it).
    pub fn step_for(&self, tokens: &Tokens, token: u32) -> Option<bool> {
        tokens.owed_after(token, self.owed)?;
        self.step(tokens.shapes().get(token as usize).copied()?)
    }

    /// Whether no character is left unfinished: then [`ExtraWords::step`] by shape answers for
    /// every token but [`Tokens::unfinishing`] ones, which leave the grammar.
    pub fn owes_nothing(&self) -> bool {
        self.owed == 0
    }

    /// [`ExtraWords::step_for`] by a token's shape alone, for a token that may come after the
    /// bytes written so far.
    pub fn step(&self, shape: Shape) -> Option<bool> {
        match shape {
            Shape::NotWord => None,
            Shape::Glued | Shape::GluedNonAscii if self.continuing => Some(false),
            Shape::Glued if !self.at_edge => None,
            _ => self.may_start.then_some(true),
        }
    }
}

/// The most words outside the grammar a sentence may hold.
const MAX_EXTRA_WORDS: u8 = 8;

/// The most fillers ("um", "uh", "嗯") a sentence may hold: more, and a decoder could wander
/// through them instead of following the grammar.
const MAX_FILLERS: u8 = 2;
/// The most tokens of one number in figures (" $1,250,000.50" is 8): whisper loops on them.
const MAX_FIGURE_TOKENS: u8 = 9;

/// Adds a word's spelling under a root of a state's token trie.
fn add_spelling(
    next: &mut Vec<BTreeMap<u32, u32>>,
    ends: &mut Vec<Option<WordId>>,
    root: u32,
    spelling: &[u32],
    word: WordId,
) {
    let mut node = root as usize;
    for &token in spelling {
        node = match next[node].get(&token) {
            Some(&n) => n as usize,
            None => {
                next.push(BTreeMap::new());
                ends.push(None);
                let n = next.len() - 1;
                next[node].insert(token, u32::try_from(n).unwrap_or(0));
                n
            }
        };
    }
    ends[node] = Some(word);
}

impl Reader<'_> {
    /// The spellings of a word in tokens, each with the trie root it belongs under.
    fn spellings(&self, word: WordId) -> Vec<Spelling> {
        if let Some(known) = self.spellings.borrow().get(&word) {
            return known.clone();
        }
        let text = &self.grammar.words[word as usize];
        let mut forms = Vec::new();
        if text.chars().all(is_cjk) {
            forms.push((SPACED_ROOT, text.clone()));
            forms.push((SPACED_ROOT, format!(" {text}")));
            forms.push((BARE_ROOT, text.clone()));
        } else {
            let mut capitalized = String::new();
            for (index, c) in text.chars().enumerate() {
                if index == 0 {
                    capitalized.extend(c.to_uppercase());
                } else {
                    capitalized.push(c);
                }
            }
            for form in [text.clone(), capitalized] {
                forms.push((SPACED_ROOT, format!(" {form}")));
                forms.push((BARE_ROOT, form));
            }
        }
        let mut spellings: Vec<Spelling> = forms
            .into_iter()
            .flat_map(|(root, form)| {
                self.tokens
                    .spellings(form.as_bytes())
                    .into_iter()
                    .map(move |spelling| (root, spelling))
            })
            .collect();
        spellings.sort();
        spellings.dedup();
        self.spellings.borrow_mut().insert(word, spellings.clone());
        spellings
    }

    fn intern(&self, places: Vec<Place>) -> Option<u32> {
        if places.is_empty() {
            return None;
        }
        if let Some(&id) = self.ids.borrow().get(&places) {
            return Some(id);
        }
        let grammar = self.grammar;
        let mut next = vec![BTreeMap::new(), BTreeMap::new()];
        let mut ends = vec![None, None];
        let words = grammar.next_words(&places);
        let mut figures = false;
        let mut figure_words = Vec::new();
        let mut chinese_firsts = Vec::new();
        // Pauses first: a grammar word spelled the same way takes the spelling.
        for ((root, spelling), pause) in &self.pauses {
            add_spelling(&mut next, &mut ends, *root, spelling, *pause);
        }
        for &word in &words {
            if word == FIGURES || grammar.is_figure_word(word) {
                figures = true;
                if word != FIGURES {
                    figure_words.push(grammar.words[word as usize].clone());
                }
                continue;
            }
            let text = &grammar.words[word as usize];
            let mut chars = text.chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && is_cjk(c)
            {
                chinese_firsts.push(c);
            }
            for (root, spelling) in self.spellings(word) {
                add_spelling(&mut next, &mut ends, root, &spelling, word);
            }
        }
        let state = State {
            accepting: places.contains(&Place::At(grammar.accept)),
            free: grammar.has_free_arc(&places),
            chinese_firsts,
            places: places.clone(),
            next,
            word: ends,
            figures,
            only_figures: if words.contains(&FIGURES) {
                Vec::new()
            } else {
                figure_words
            },
            after: HashMap::new(),
        };
        let mut states = self.states.borrow_mut();
        let id = u32::try_from(states.len()).unwrap_or(u32::MAX);
        states.push(state);
        self.ids.borrow_mut().insert(places, id);
        Some(id)
    }

    /// The state after reading a whole word in a state, and whether the word came only as a
    /// filler; `None` when it cannot come there.
    fn after(&self, state: u32, word: WordId) -> Option<(u32, bool)> {
        if is_pause(word) {
            return Some((state, false));
        }
        if let Some(known) = self.states.borrow()[state as usize].after.get(&word) {
            return *known;
        }
        let (places, filler) = self
            .grammar
            .after(&self.states.borrow()[state as usize].places, word);
        let next = self.intern(places).map(|next| (next, filler));
        self.states.borrow_mut()[state as usize]
            .after
            .insert(word, next);
        next
    }

    /// Counts a word outside the grammar, which takes the cursor across the free-word arcs
    /// where it stands.
    fn begin_extra_word(&self, cursor: &mut Cursor) {
        cursor.extras += 1;
        cursor.free_run = self.free_word_here(cursor);
        if let Some((state, _)) = self.after(cursor.state, FREE_WORD) {
            cursor.state = state;
        }
    }

    /// Whether a word outside the grammar written at `cursor` would be one of the sentence's
    /// free words: it crosses a free-word arc, or goes on a run that crossed one.
    fn free_word_here(&self, cursor: &Cursor) -> bool {
        cursor.free_run || self.states.borrow()[cursor.state as usize].free
    }

    /// A cursor at the start of a transcript.
    pub fn start(&self) -> Cursor {
        Cursor {
            state: 0,
            node: None,
            figures: Figures::default(),
            at_start: true,
            after_pause: false,
            fillers: 0,
            extra: false,
            ended: false,
            free_run: false,
            extras: 0,
            owed: 0,
        }
    }

    /// Completes the word being written, if any: the cursor moves to the state after it.
    fn finish_word(&self, cursor: &mut Cursor) -> bool {
        if cursor.extra {
            cursor.extra = false;
            return true;
        }
        let word = if cursor.figures.is_some() {
            if !cursor.figures.is_whole() {
                return false;
            }
            self.grammar.figures_word(&cursor.figures)
        } else if let Some(node) = cursor.node {
            let completed = self.states.borrow()[cursor.state as usize].word[node as usize];
            match completed {
                Some(word) => word,
                // The start of a longer grammar word (" for" of "forget") that did not go on:
                // it was a word outside the grammar after all.
                None if cursor.extras < MAX_EXTRA_WORDS && !cursor.ended => {
                    cursor.node = None;
                    self.begin_extra_word(cursor);
                    return true;
                }
                None => return false,
            }
        } else {
            return true;
        };
        match self.after(cursor.state, word) {
            Some((_, true)) if cursor.fillers >= MAX_FILLERS => false,
            Some((state, filler)) => {
                cursor.fillers += u8::from(filler);
                cursor.state = state;
                cursor.node = None;
                cursor.figures = Figures::default();
                if word == FULL_STOP && self.states.borrow()[state as usize].accepting {
                    cursor.ended = true;
                }
                true
            }
            None => false,
        }
    }

    /// Whether the number in figures being written may still become one that can come here:
    /// where only the customer's endings may, its digits so far start one of them ("3,9" of
    /// "3,921", never "3,0"), so that a beam is kept to the digits it can finish.
    fn figures_may_go_on(&self, cursor: &Cursor) -> bool {
        let states = self.states.borrow();
        let only = &states[cursor.state as usize].only_figures;
        if only.is_empty() {
            return true;
        }
        let figures = &cursor.figures;
        if figures.decimals.is_some() {
            return false;
        }
        if figures.digits == 0 {
            return true;
        }
        let written = figures.integer_digits();
        only.iter().any(|digits| digits.starts_with(&written))
    }

    /// Whether the word being written is a Chinese character or a pause written in several
    /// tokens (which figures may follow without a space: "转300块", "，300块").
    fn after_chinese(&self, cursor: &Cursor) -> bool {
        cursor.node.is_some_and(|node| {
            self.states.borrow()[cursor.state as usize].word[node as usize].is_some_and(|word| {
                is_pause(word)
                    || self
                        .grammar
                        .words
                        .get(word as usize)
                        .is_some_and(|text| text.chars().all(is_cjk))
            })
        })
    }

    /// Reads a token that writes several Chinese characters as that many one-character words
    /// in a row (whisper writes "多少" as one token, the grammar has 多 then 少); leaves the
    /// cursor as it was when one of them cannot come.
    fn read_chinese_run(&self, cursor: &mut Cursor, run: &str) -> bool {
        let mut next = *cursor;
        let mut buffer = [0_u8; 4];
        for c in run.chars() {
            let Some(&word) = self.grammar.word_ids.get(&*c.encode_utf8(&mut buffer)) else {
                return false;
            };
            match self.after(next.state, word) {
                Some((_, true)) if next.fillers >= MAX_FILLERS => return false,
                Some((state, filler)) => {
                    next.fillers += u8::from(filler);
                    next.state = state;
                    next.node = None;
                }
                None => return false,
            }
        }
        *cursor = next;
        true
    }

    /// A token at a word's start: a word's first token under the spaced root (or, at the very
    /// start, the glued one).
    fn begin_word(&self, cursor: &mut Cursor, token: u32, spaced_root: bool) -> bool {
        let states = self.states.borrow();
        let state = &states[cursor.state as usize];
        let root = if spaced_root { SPACED_ROOT } else { BARE_ROOT };
        let Some(&node) = state.next[root as usize].get(&token) else {
            return false;
        };
        drop(states);
        if self.refused_filler(cursor, node) {
            return false;
        }
        cursor.node = Some(node);
        true
    }

    /// Whether every word the trie node can still become is a filler that this cursor may not
    /// take (it has had its [`MAX_FILLERS`]): its token must not be read as the grammar's, for
    /// no word it begins could be finished, and a beam that took it would have nowhere to go.
    fn refused_filler(&self, cursor: &Cursor, node: u32) -> bool {
        if cursor.fillers < MAX_FILLERS {
            return false;
        }
        let mut words = Vec::new();
        {
            let states = self.states.borrow();
            let state = &states[cursor.state as usize];
            let mut below = vec![node];
            while let Some(at) = below.pop() {
                words.extend(state.word[at as usize]);
                below.extend(state.next[at as usize].values());
            }
        }
        words
            .into_iter()
            .all(|word| matches!(self.after(cursor.state, word), Some((_, true))))
    }

    /// Reads the next token: how it moved the cursor, or `None` (leaving the cursor as it
    /// was) when it leaves the grammar.
    pub fn advance(&self, cursor: &mut Cursor, token: u32) -> Option<Step> {
        let owed = self.tokens.owed_after(token, cursor.owed)?;
        let mut next = *cursor;
        let text = self.tokens.text(token);
        let spaced = text.first() == Some(&b' ');
        let kind = self.tokens.kind(token);
        // A token inside the word being written comes first: "'s" in "what's", "-" in
        // "daughter-in-law".
        let inside = next.node.and_then(|node| {
            self.states.borrow()[next.state as usize].next[node as usize]
                .get(&token)
                .copied()
        });
        let step = if let Some(node) = inside {
            if self.refused_filler(&next, node) {
                return None;
            }
            next.node = Some(node);
            Some(Step::Grammar)
        } else {
            let grammar = |taken: bool| taken.then_some(Step::Grammar);
            match kind {
                TokenKind::Blank => None,
                TokenKind::Punctuation if next.figures.is_some() && matches!(text, b"," | b".") => {
                    // Inside a number ("1,250.50"), or its end.
                    grammar(next.figures.read(text))
                }
                TokenKind::Punctuation => grammar(!next.after_pause && self.finish_word(&mut next)),
                TokenKind::Possessive => {
                    grammar((next.node.is_some() || next.extra) && self.finish_word(&mut next))
                }
                TokenKind::Figures { spaced } => {
                    if next.figures.is_some() && !spaced {
                        grammar(next.figures.read(text) && self.figures_may_go_on(&next))
                    } else if !spaced && !next.at_start && !self.after_chinese(&next) {
                        None // digits glued to an English word or to punctuation
                    } else {
                        // A number the grammar takes is its next word: a run of free words
                        // ends there, as at any other grammar word.
                        next.free_run = false;
                        grammar(
                            self.finish_word(&mut next) && {
                                next.figures.read(text)
                                    && self.states.borrow()[next.state as usize].figures
                                    && self.figures_may_go_on(&next)
                            },
                        )
                    }
                }
                // A pause ends the word outside the grammar it follows; so does a Chinese
                // character, which is a word of its own.
                TokenKind::Word
                    if next.extra
                        && !spaced
                        && !self.pause_firsts.contains(&token)
                        && self.tokens.shapes().get(token as usize) != Some(&Shape::Chinese) =>
                {
                    Some(Step::Extra)
                }
                TokenKind::Word => {
                    // A word may start after a space, at the start, after punctuation, or (in
                    // Chinese, where nothing separates words) at any character.
                    let starts = spaced
                        || next.at_start
                        || next.after_pause
                        || text.first().is_some_and(|b| !b.is_ascii());
                    let at_start = next.at_start;
                    let extras_before = next.extras;
                    if !self.finish_word(&mut next) {
                        None
                    } else if self.begin_word(&mut next, token, spaced || !at_start) {
                        next.free_run = false;
                        Some(Step::Grammar)
                    } else if let Some(run) = chinese_run(text)
                        && self.read_chinese_run(&mut next, run)
                    {
                        next.free_run = false;
                        Some(Step::Grammar)
                    } else if next.extras > extras_before && cursor.owed > 0 {
                        // Bytes that began a grammar character finish another: that character
                        // is the one word outside the grammar.
                        next.extra = true;
                        Some(Step::Extra)
                    } else if starts && next.extras < MAX_EXTRA_WORDS && !next.ended {
                        next.extra = true;
                        self.begin_extra_word(&mut next);
                        Some(Step::Extra)
                    } else {
                        None
                    }
                }
            }
        };
        if step.is_some() {
            next.owed = owed;
            next.at_start = false;
            next.after_pause = kind == TokenKind::Punctuation && !next.figures.is_some();
            let full_stop = std::str::from_utf8(text).is_ok_and(|t| {
                let mut chars = t.trim_start().chars();
                chars.next().is_some_and(|c| FULL_STOPS.contains(&c)) && chars.next().is_none()
            });
            if next.after_pause && full_stop && self.states.borrow()[next.state as usize].accepting
            {
                next.ended = true;
            }
            *cursor = next;
        }
        step
    }

    /// How tokens the grammar does not allow at `cursor` would fare as words outside it: the
    /// same answer [`Reader::advance`] gives for them, worked out once for all tokens.
    pub fn extra_words(&self, cursor: &Cursor) -> ExtraWords {
        let mut finished = *cursor;
        let may_start =
            cursor.extras < MAX_EXTRA_WORDS && !cursor.ended && self.finish_word(&mut finished);
        ExtraWords {
            owed: cursor.owed,
            continuing: cursor.extra,
            // Where the word being written, once finished, leaves the sentence.
            free: may_start && self.free_word_here(&finished),
            may_start,
            at_edge: cursor.at_start || cursor.after_pause,
        }
    }

    /// Whether a token begins a pause written in several tokens ([`PAUSE`]).
    pub fn begins_a_pause(&self, token: u32) -> bool {
        self.pause_firsts.contains(&token)
    }

    /// Whether the transcript may end here: a whole sentence of the grammar.
    pub fn can_end(&self, cursor: &Cursor) -> bool {
        cursor.owed == 0
            && self
                .closed(cursor)
                .is_some_and(|closed| self.states.borrow()[closed.state as usize].accepting)
    }

    /// Whether ending here makes the word being written one the grammar does not have: it
    /// only began a longer grammar word (" mon" of " month").
    pub fn ending_abandons_word(&self, cursor: &Cursor) -> bool {
        self.closed(cursor)
            .is_some_and(|closed| closed.extras > cursor.extras)
    }

    /// The cursor with the word being written finished, if it can be.
    fn closed(&self, cursor: &Cursor) -> Option<Cursor> {
        let mut closed = *cursor;
        self.finish_word(&mut closed).then_some(closed)
    }

    /// Tokens that may come next (a superset: each must still pass [`Reader::advance`]).
    pub fn candidates(&self, cursor: &Cursor) -> Vec<u32> {
        let mut candidates = Vec::new();
        let children = |state: u32, node: u32, out: &mut Vec<u32>| {
            out.extend(self.states.borrow()[state as usize].next[node as usize].keys());
        };
        if let Some(node) = cursor.node {
            children(cursor.state, node, &mut candidates);
        }
        let mut finished = *cursor;
        if self.finish_word(&mut finished) {
            children(finished.state, SPACED_ROOT, &mut candidates);
            for first in &self.states.borrow()[finished.state as usize].chinese_firsts {
                candidates.extend(self.tokens.chinese_runs.get(first).into_iter().flatten());
            }
            if cursor.at_start {
                children(finished.state, BARE_ROOT, &mut candidates);
            }
            if self.states.borrow()[finished.state as usize].figures {
                candidates.extend(&self.tokens.figures);
            }
        }
        if cursor.figures.is_some() {
            candidates.extend(&self.tokens.figures);
        }
        candidates.extend(&self.tokens.punctuation);
        candidates.extend(self.tokens.by_text.get(&b"'s"[..]));
        candidates
    }
}

impl Grammar {
    /// Reads token sequences of a recognizer against this grammar (one decoding's worth of
    /// memoized states).
    pub fn reader<'a>(&'a self, tokens: &'a Tokens) -> Reader<'a> {
        let mut start = BTreeSet::from([Place::At(self.start)]);
        self.close(&mut start);
        let pauses: Vec<(Spelling, WordId)> = PAUSES
            .iter()
            .flat_map(|&pause| {
                let word = if FULL_STOPS.contains(&pause) {
                    FULL_STOP
                } else {
                    PAUSE
                };
                tokens
                    .spellings(pause.to_string().as_bytes())
                    .into_iter()
                    .filter(|spelling| spelling.len() > 1)
                    .flat_map(move |spelling| {
                        [(SPACED_ROOT, spelling.clone()), (BARE_ROOT, spelling)]
                            .map(|spelling| (spelling, word))
                    })
            })
            .collect();
        let reader = Reader {
            grammar: self,
            tokens,
            states: RefCell::new(Vec::new()),
            ids: RefCell::new(HashMap::new()),
            spellings: RefCell::new(HashMap::new()),
            pause_firsts: pauses
                .iter()
                .map(|((_, spelling), _)| spelling[0])
                .collect(),
            pauses,
        };
        reader.intern(start.into_iter().collect());
        reader
    }

    /// Whether a whole text, tokenized as the recognizer would, is a sentence of the grammar.
    pub fn accepts(&self, tokens: &Tokens, text: &str) -> bool {
        let reader = self.reader(tokens);
        let mut cursor = reader.start();
        tokens.tokenize_text(text).is_some_and(|ids| {
            ids.iter()
                .all(|&id| reader.advance(&mut cursor, id) == Some(Step::Grammar))
                && reader.can_end(&cursor)
        })
    }

    /// The word a whole number in figures is: its digits' figure word when the grammar has
    /// one ("$3,921" is "3921"), else [`FIGURES`].
    pub(crate) fn figures_word(&self, figures: &Figures) -> WordId {
        if figures.decimals.is_some() || figures.closed || figures.digits == 0 {
            return FIGURES;
        }
        self.word_ids
            .get(&figures.integer_digits())
            .copied()
            .filter(|&word| self.is_figure_word(word))
            .unwrap_or(FIGURES)
    }
}
