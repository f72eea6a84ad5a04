//! What a customer can say to a context, as a grammar a recognizer can follow token by token.
//!
//! Whisper writes what it thinks it heard from all of English or Mandarin: a synthetic or
//! elderly voice saying "what's the balance" comes out as "What's the mountains?", "pay the
//! electric bill" as "Pay mill electric wheel". A command, though, is one of the context's
//! expressions, with slots filled from the customer's names or from numbers, amounts and
//! periods — which is how Picovoice Rhino hears the same contexts. So decoding is guided by
//! this grammar ([`super::guided`]): among the beams whisper weighs, those that stay inside
//! it are preferred.
//!
//! The grammar is the context's expressions compiled into one automaton over words (the
//! matcher's), with each slot a small language of its own: the customer's payees, billers,
//! accounts and cards by every name they go by (and an English card or account ending the ways
//! people read it: "three nine two one", "thirty-nine twenty-one"; an ending in figures, in
//! either locale, only as the customer's own digits, "3921" or "$3,921", followed token by
//! token so that a beam cannot write "$3,000"), a custom slot's values, or
//! a run of number, amount or period words and figures ("$1,250.50", "3921"; never two numbers
//! in figures in a row, and only well-formed ones: thousands in threes, at most two decimals,
//! at most nine digits before the point, so "600.4,0" and a loop of "000,"s are no amount).
//! Four freedoms keep it close to how people speak, as the matcher is:
//! - fillers ("um", "嗯") may come anywhere, two at most;
//! - a scam's pressure and secrecy ("急", "别告诉我儿子", "it's urgent, keep this secret") may
//!   come before or after any sentence, each with words of the customer's own after it: they
//!   change no command, but the dialogue warns on them, so they must be written, not searched
//!   away as words the grammar lacks;
//! - a slot's value may be taken back with one of the matcher's correction markers ("no
//!   wait", "sorry", "不对") and said again: the slot again ("fifty, no wait, sixty"), from the
//!   word before it ("to Maria, sorry, to David") or the whole sentence; the marker is never
//!   the end;
//! - a word the grammar does not have may come between its words ([`crate::reader::Step::Extra`]: "send my
//!   son 300 yuan *for his trip*"), eight at most and never after a finished sentence's full
//!   stop (whisper repeats a short command after itself). The guide charges for each such
//!   word, so a misheard command word is read as the grammar's word when the audio allows.
//!   An expression's `*` ("how much did I spend at * this month") is such words too: the
//!   first of them crosses it ([`Arc::Free`]), so the expression is a sentence only with them.
//!
//! A [`crate::reader::Reader`] follows whisper's tokens ([`crate::spellings::Tokens`]): each grammar word is spelled the way
//! whisper.cpp tokenizes it, after a space or glued at the start, lowercase or capitalized;
//! Chinese characters, which byte-level tokens may split, are words of their own, and a token
//! that writes several of them ("多少") reads as those words in a row.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tingshuo_base::locale::Locale;
use tingshuo_l10n::spellout::en_ending_readings;
use tingshuo_understand::automaton::{Arc as MatchArc, Automaton};
use tingshuo_understand::context::{Builtin, Context, Element, SlotType, is_cjk, tokenize};
use tingshuo_understand::cues::PRESSURE;
use tingshuo_understand::intent::Intent;
use tingshuo_understand::normalize::{correction_markers, fillers};
use tingshuo_understand::numbers;
use tingshuo_understand::periods::period_words;
use tingshuo_understand::world::World;

use crate::spellings::{NUMBER_SIGNS, SEPARATORS, fold};

pub(crate) type WordId = u32;

/// The most digits before the point: more than any amount a customer moves, and whisper's
/// loops on figures ("$3,000,000,000,000") end.
pub(crate) const MAX_INTEGER_DIGITS: u8 = 9;

/// The word that stands for any number written in figures.
pub(crate) const FIGURES: WordId = 0;

/// A context's sentences, for one customer.
#[derive(Debug, Clone)]
pub struct Grammar {
    pub(crate) words: Vec<String>,
    pub(crate) word_ids: HashMap<String, WordId>,
    /// The expressions' automaton, its slot arcs pointing into `slots`.
    pub(crate) arcs: Vec<Vec<(u32, Arc)>>,
    pub(crate) start: u32,
    pub(crate) accept: u32,
    pub(crate) slots: Vec<SlotLanguage>,
    /// Words that may come anywhere (light words and fillers).
    pub(crate) anywhere: BTreeSet<WordId>,
    /// The locale's self-correction markers ("no wait", "sorry", "不对"), as a trie of words.
    pub(crate) corrections: SlotLanguage,
    /// For each state, the states one word before it: where a self-correction may restart
    /// ("to Maria, sorry, *to* David").
    pub(crate) word_back: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arc {
    Empty,
    Word(WordId),
    Slot(u16),
    /// A `*`: words of any kind ("how much did I spend at *the pharmacy* this month"). No
    /// grammar can guide towards them; they are words outside the grammar, each paying for
    /// itself as such ([`crate::reader::Step::Extra`]), and the first of them crosses the arc
    /// ([`FREE_WORD`]). They belong to the sentence under either guidance: even where only
    /// sentences may be written they cost what a word outside the grammar costs a first
    /// search (`Reader::extra_words`, decision 0045).
    Free,
}

/// Stands, in [`Grammar::after`], for a word outside the grammar: it crosses free-word arcs.
pub(crate) const FREE_WORD: WordId = WordId::MAX;

/// What one slot type takes: whole phrases (names, custom values), and runs of words of a
/// class (numbers, amounts, periods, digits).
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotLanguage {
    /// Phrases as a trie of words: node 0 is the root.
    pub(crate) phrase_next: Vec<BTreeMap<WordId, u32>>,
    pub(crate) phrase_end: Vec<bool>,
    /// Words that may follow one another in any number (FIGURES among them when figures do).
    pub(crate) run: BTreeSet<WordId>,
}

impl Place {
    /// In a run of a slot's words, after `word`.
    pub(crate) fn run(slot: u16, from: u32, to: u32, word: WordId) -> Place {
        Place::Run {
            slot,
            from,
            to,
            figures: word == FIGURES,
        }
    }
}

impl SlotLanguage {
    pub(crate) fn empty() -> SlotLanguage {
        SlotLanguage {
            phrase_next: vec![BTreeMap::new()],
            phrase_end: vec![false],
            run: BTreeSet::new(),
        }
    }
}

/// A place in the grammar after some whole words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Place {
    At(u32),
    /// Inside a slot's phrase, at this node of its trie; the slot was taken at `from` and
    /// leads to `to`.
    Phrase {
        slot: u16,
        node: u32,
        from: u32,
        to: u32,
    },
    /// Inside a run of a slot's words (one at least read); `figures` when the last was a
    /// number in figures (two never follow each other: "062.4 0" is not an amount).
    Run {
        slot: u16,
        from: u32,
        to: u32,
        figures: bool,
    },
    /// Inside a self-correction marker (at this node of its trie) after the value of a slot
    /// taken at `from`: once the marker is whole, the sentence starts again — the slot, the
    /// word before it, or the whole sentence.
    Correcting {
        from: u32,
        node: u32,
    },
}

impl Grammar {
    /// Everything a customer may say to a context: its expressions with their slots filled
    /// from the customer's data and the built-in types of its locale.
    pub fn for_context(context: &Context, world: &World) -> Grammar {
        Grammar::for_contexts(&[context], world)
    }

    /// Everything a customer may say to any of several contexts: while the dialogue waits
    /// for an answer, the banking context and the answers context together.
    pub fn for_contexts(contexts: &[&Context], world: &World) -> Grammar {
        let locale = world.locale;
        let mut grammar = Grammar {
            words: vec![String::new()],
            word_ids: HashMap::new(),
            arcs: Vec::new(),
            start: 0,
            accept: 0,
            slots: Vec::new(),
            anywhere: BTreeSet::new(),
            corrections: SlotLanguage::empty(),
            word_back: Vec::new(),
        };

        let mut automaton = Automaton::default();
        let start = automaton.state();
        let accept = automaton.state();
        for intent in contexts.iter().flat_map(|context| &context.intents) {
            for expression in &intent.expressions {
                if may_be_one_character(&intent.intent) {
                    automaton.compile(expression, start, accept);
                } else {
                    compile_without_lone_characters(&mut automaton, expression, start, accept);
                }
            }
        }
        // A scam's pressure and secrecy ("急", "别告诉我儿子", "it's urgent, keep this
        // secret") may be said before or after any sentence, as often as the customer says
        // them: the dialogue warns on them, so recognition must write them, not search them
        // away as words the grammar lacks. A cue is its phrase and any words after it, as the
        // matcher drops the clause it starts (`normalize`).
        let cue = cue_clause(locale);
        automaton.compile(&cue, start, start);
        automaton.compile(&cue, accept, accept);
        let mut slot_index: Vec<(SlotType, u16)> = Vec::new();
        let mut arcs = Vec::with_capacity(automaton.arcs.len());
        for state_arcs in &automaton.arcs {
            let mut converted = Vec::with_capacity(state_arcs.len());
            for (to, arc) in state_arcs {
                let to = u32::try_from(*to).unwrap_or(u32::MAX);
                let arc = match arc {
                    MatchArc::Empty => Arc::Empty,
                    MatchArc::Token(word) => Arc::Word(grammar.word(word)),
                    MatchArc::Words => Arc::Free,
                    MatchArc::Slot(kind, _) => {
                        let slot = match slot_index.iter().find(|(k, _)| k == kind) {
                            Some((_, slot)) => *slot,
                            None => {
                                let language = grammar.slot_language(kind, contexts, world);
                                grammar.slots.push(language);
                                let slot = u16::try_from(grammar.slots.len() - 1).unwrap_or(0);
                                slot_index.push((kind.clone(), slot));
                                slot
                            }
                        };
                        Arc::Slot(slot)
                    }
                };
                converted.push((to, arc));
            }
            arcs.push(converted);
        }
        grammar.arcs = arcs;
        grammar.start = u32::try_from(start).unwrap_or(0);
        grammar.accept = u32::try_from(accept).unwrap_or(0);
        let anywhere: Vec<&str> = fillers(locale).collect();
        for word in anywhere {
            for token in tokenize(word) {
                let id = grammar.word(&token);
                grammar.anywhere.insert(id);
            }
        }
        let mut corrections = SlotLanguage::empty();
        for marker in correction_markers(locale) {
            grammar.add_phrase(&mut corrections, marker);
        }
        grammar.corrections = corrections;
        grammar.word_back = grammar.states_a_word_before();
        grammar
    }

    /// For each state, the states from which one word arc reaches it (through empty arcs).
    pub(crate) fn states_a_word_before(&self) -> Vec<Vec<u32>> {
        let mut back: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); self.arcs.len()];
        for (state, state_arcs) in self.arcs.iter().enumerate() {
            let state = u32::try_from(state).unwrap_or(u32::MAX);
            for &(to, arc) in state_arcs {
                if let Arc::Word(_) = arc {
                    let mut reached = BTreeSet::from([Place::At(to)]);
                    self.close(&mut reached);
                    for place in reached {
                        if let Place::At(after) = place {
                            back[after as usize].insert(state);
                        }
                    }
                }
            }
        }
        back.into_iter()
            .map(|states| states.into_iter().collect())
            .collect()
    }

    /// Adds a phrase to a trie of phrases.
    pub(crate) fn add_phrase(&mut self, language: &mut SlotLanguage, phrase: &str) {
        let mut node = 0_usize;
        for word in self.phrase_words(phrase) {
            node = match language.phrase_next[node].get(&word) {
                Some(&next) => next as usize,
                None => {
                    language.phrase_next.push(BTreeMap::new());
                    language.phrase_end.push(false);
                    let next = language.phrase_next.len() - 1;
                    language.phrase_next[node].insert(word, u32::try_from(next).unwrap_or(0));
                    next
                }
            };
        }
        if node != 0 {
            language.phrase_end[node] = true;
        }
    }

    /// Whether a word is a number in figures the grammar names as such (an ending): it is
    /// written through the figures path of [`Reader::advance`], never spelled out in tokens,
    /// and it may also come wherever any number in figures may.
    pub(crate) fn is_figure_word(&self, word: WordId) -> bool {
        word != FIGURES
            && self
                .words
                .get(word as usize)
                .is_some_and(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The id of a word, added when new.
    pub(crate) fn word(&mut self, word: &str) -> WordId {
        let word: String = word.chars().map(fold).collect();
        if let Some(&id) = self.word_ids.get(&word) {
            return id;
        }
        let id = WordId::try_from(self.words.len()).unwrap_or(FIGURES);
        self.word_ids.insert(word.clone(), id);
        self.words.push(word);
        id
    }

    /// The words of a phrase as the grammar reads them: digits as a word of their own (a
    /// figure word, [`Grammar::is_figure_word`]), other figures ("$25") as [`FIGURES`],
    /// punctuation dropped, hyphenated words in parts ("sixty-five").
    pub(crate) fn phrase_words(&mut self, phrase: &str) -> Vec<WordId> {
        let mut ids = Vec::new();
        for token in tokenize(phrase) {
            for part in token.split(|c: char| SEPARATORS.contains(&c)) {
                let part = part.trim_matches(|c: char| c.is_ascii_punctuation() && c != '\'');
                if part.is_empty() {
                    continue;
                }
                let digits_only = part.len() <= usize::from(MAX_INTEGER_DIGITS)
                    && part.bytes().all(|b| b.is_ascii_digit());
                if digits_only {
                    // This number, and only it, in figures ("3921", "$3,921").
                    ids.push(self.word(part));
                } else if part
                    .chars()
                    .any(|c| c.is_ascii_digit() || NUMBER_SIGNS.contains(&c))
                {
                    ids.push(FIGURES);
                } else {
                    ids.push(self.word(part));
                }
            }
        }
        ids
    }

    pub(crate) fn slot_language(
        &mut self,
        kind: &SlotType,
        contexts: &[&Context],
        world: &World,
    ) -> SlotLanguage {
        let mut language = SlotLanguage::empty();
        let locale = world.locale;
        let endings = matches!(kind, SlotType::Builtin(Builtin::Account | Builtin::Card));
        let phrases: Vec<String> = match kind {
            SlotType::Custom(name) => contexts
                .iter()
                .flat_map(|context| context.slots.get(name).into_iter().flatten())
                .cloned()
                .collect(),
            SlotType::Builtin(kind) => {
                let items = world.named(*kind);
                let mut phrases = phrases_of(items);
                // An ending in figures is the customer's own too ("3921", "$3,921"): any number
                // in figures let "three thousand nine hundred twenty-one" heard as "$3,000,
                // $9,000, $21,000" pass as an account, which the matcher could not name.
                if endings {
                    phrases.extend(items.iter().filter_map(|item| item.ending.clone()));
                }
                // English endings by the ways people read them, only the customer's own: a
                // run of any number words would let "Send" heard as "Ten" be an account.
                if locale == Locale::EnUs && endings {
                    phrases.extend(
                        items
                            .iter()
                            .filter_map(|item| item.ending.as_deref())
                            .flat_map(en_ending_readings),
                    );
                }
                phrases
            }
        };
        for phrase in &phrases {
            self.add_phrase(&mut language, phrase);
        }
        let run_words: Vec<&str> = match kind {
            SlotType::Builtin(Builtin::Money) => numbers::number_words(locale),
            SlotType::Builtin(Builtin::Count) => numbers::number_words(locale),
            SlotType::Builtin(Builtin::Period) => {
                let mut words = numbers::number_words(locale);
                words.extend(period_words(locale));
                words
            }
            // Mandarin endings in numerals, one word each; English ones are phrases (above).
            SlotType::Builtin(Builtin::Account | Builtin::Card) if locale == Locale::ZhCn => {
                numbers::number_words(locale)
            }
            _ => Vec::new(),
        };
        // Mandarin amounts, counts and periods are followed in words only: in figures whisper
        // drops what it half heard ("25" for 二百五, "2005" for 二百五), while in numerals
        // the audio still decides between 二十五 and 二百五.
        if !run_words.is_empty() && !endings && locale != Locale::ZhCn {
            language.run.insert(FIGURES);
        }
        for phrase in run_words {
            for word in self.phrase_words(phrase) {
                language.run.insert(word);
            }
        }
        language
    }

    /// How many distinct words the grammar uses.
    pub fn word_count(&self) -> usize {
        self.words.len() - 1
    }

    /// Adds, to `places`, every place reachable from them without reading a word.
    pub(crate) fn close(&self, places: &mut BTreeSet<Place>) {
        let mut stack: Vec<Place> = places.iter().copied().collect();
        while let Some(place) = stack.pop() {
            let mut reach = |next: Place, stack: &mut Vec<Place>| {
                if places.insert(next) {
                    stack.push(next);
                }
            };
            match place {
                Place::At(state) => {
                    for &(to, arc) in &self.arcs[state as usize] {
                        if arc == Arc::Empty {
                            reach(Place::At(to), &mut stack);
                        }
                    }
                }
                Place::Phrase { slot, node, to, .. } => {
                    if self.slots[usize::from(slot)].phrase_end[node as usize] {
                        reach(Place::At(to), &mut stack);
                    }
                }
                Place::Run { to, .. } => reach(Place::At(to), &mut stack),
                // The sentence starts again only with a word: "no wait" ends nothing.
                Place::Correcting { .. } => {}
            }
        }
    }

    /// The places after reading one more word (empty when the word cannot come here), and
    /// whether only its being a filler let it come.
    pub(crate) fn after(&self, places: &[Place], word: WordId) -> (Vec<Place>, bool) {
        if word == FREE_WORD {
            return (self.after_free_word(places), false);
        }
        let mut next = BTreeSet::new();
        let also_figures = self.is_figure_word(word);
        for &place in places {
            self.step(place, word, &mut next);
            if also_figures {
                self.step(place, FIGURES, &mut next);
            }
        }
        let only_as_filler = next.is_empty() && self.anywhere.contains(&word);
        if self.anywhere.contains(&word) {
            next.extend(places.iter().copied());
        }
        self.close(&mut next);
        (next.into_iter().collect(), only_as_filler)
    }

    /// Whether a free-word arc leaves one of these places.
    pub(crate) fn has_free_arc(&self, places: &[Place]) -> bool {
        places.iter().any(|place| match place {
            Place::At(from) => self.arcs[*from as usize]
                .iter()
                .any(|&(_, arc)| arc == Arc::Free),
            _ => false,
        })
    }

    /// The places after a word outside the grammar: where they were (such a word leaves the
    /// grammar's place as it was), and past every free-word arc from them.
    pub(crate) fn after_free_word(&self, places: &[Place]) -> Vec<Place> {
        let mut next: BTreeSet<Place> = places.iter().copied().collect();
        for &place in places {
            if let Place::At(from) = place {
                for &(to, arc) in &self.arcs[from as usize] {
                    if arc == Arc::Free {
                        next.insert(Place::At(to));
                    }
                }
            }
        }
        self.close(&mut next);
        next.into_iter().collect()
    }

    /// Adds to `next` where one word leads from one place.
    pub(crate) fn step(&self, place: Place, word: WordId, next: &mut BTreeSet<Place>) {
        match place {
            Place::At(from) => {
                for &(to, arc) in &self.arcs[from as usize] {
                    match arc {
                        Arc::Word(expected) if expected == word => {
                            next.insert(Place::At(to));
                        }
                        Arc::Slot(slot) => {
                            let language = &self.slots[usize::from(slot)];
                            if let Some(&node) = language.phrase_next[0].get(&word) {
                                next.insert(Place::Phrase {
                                    slot,
                                    node,
                                    from,
                                    to,
                                });
                            }
                            if language.run.contains(&word) {
                                next.insert(Place::run(slot, from, to, word));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Place::Phrase {
                slot,
                node,
                from,
                to,
            } => {
                let language = &self.slots[usize::from(slot)];
                if let Some(&node) = language.phrase_next[node as usize].get(&word) {
                    next.insert(Place::Phrase {
                        slot,
                        node,
                        from,
                        to,
                    });
                }
                if language.phrase_end[node as usize] {
                    self.start_correction(from, word, next);
                }
            }
            Place::Run {
                slot,
                from,
                to,
                figures,
            } => {
                let again = figures && word == FIGURES;
                if !again && self.slots[usize::from(slot)].run.contains(&word) {
                    next.insert(Place::run(slot, from, to, word));
                }
                self.start_correction(from, word, next);
            }
            Place::Correcting { from, node } => {
                if let Some(&node) = self.corrections.phrase_next[node as usize].get(&word) {
                    next.insert(Place::Correcting { from, node });
                }
                if self.corrections.phrase_end[node as usize] {
                    for again in self.restarts(from) {
                        self.step(again, word, next);
                    }
                }
            }
        }
    }

    /// After a slot's whole value, the first word of a correction marker.
    pub(crate) fn start_correction(&self, from: u32, word: WordId, next: &mut BTreeSet<Place>) {
        if let Some(&node) = self.corrections.phrase_next[0].get(&word) {
            next.insert(Place::Correcting { from, node });
        }
    }

    /// Where a sentence starts again after a correction of a slot taken at `from`: the slot
    /// ("fifty, no wait, sixty"), the word before it ("to Maria, sorry, to David") or the
    /// sentence's start.
    pub(crate) fn restarts(&self, from: u32) -> Vec<Place> {
        let mut places: BTreeSet<Place> = std::iter::once(from)
            .chain(self.word_back[from as usize].iter().copied())
            .chain([self.start])
            .map(Place::At)
            .collect();
        self.close(&mut places);
        places.into_iter().collect()
    }

    /// Every word that may come next from these places.
    pub(crate) fn next_words(&self, places: &[Place]) -> BTreeSet<WordId> {
        let mut words = self.anywhere.clone();
        let slot_words = |slot: u16, node: usize, words: &mut BTreeSet<WordId>| {
            let language = &self.slots[usize::from(slot)];
            words.extend(language.phrase_next[node].keys().copied());
        };
        for &place in places {
            match place {
                Place::At(state) => {
                    for &(_, arc) in &self.arcs[state as usize] {
                        match arc {
                            Arc::Word(word) => {
                                words.insert(word);
                            }
                            Arc::Slot(slot) => {
                                slot_words(slot, 0, &mut words);
                                words.extend(self.slots[usize::from(slot)].run.iter().copied());
                            }
                            Arc::Empty | Arc::Free => {}
                        }
                    }
                }
                Place::Phrase { slot, node, .. } => {
                    slot_words(slot, node as usize, &mut words);
                    if self.slots[usize::from(slot)].phrase_end[node as usize] {
                        words.extend(self.corrections.phrase_next[0].keys().copied());
                    }
                }
                Place::Run { slot, figures, .. } => {
                    let run = self.slots[usize::from(slot)].run.iter().copied();
                    words.extend(run.filter(|&word| !(figures && word == FIGURES)));
                    words.extend(self.corrections.phrase_next[0].keys().copied());
                }
                Place::Correcting { from, node } => {
                    words.extend(self.corrections.phrase_next[node as usize].keys().copied());
                    if self.corrections.phrase_end[node as usize] {
                        words.extend(self.next_words(&self.restarts(from)));
                    }
                }
            }
        }
        words
    }
}

/// Whether a sentence of one Chinese character, one syllable, may stand for this intent when
/// heard. People answer and interrupt in one syllable ("对", "不", "停", "啥"), but nobody asks
/// for their balance with "钱" or their transactions with "账", while whisper writes one
/// syllable for any short sound ("谢谢你" heard "账。"): such sentences in the speech grammar only
/// draw short non-commands to an intent — a bank's own intent's too. (Typed text is not
/// affected: the matcher keeps them.) `Other` intents are the answers context's.
fn may_be_one_character(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::Confirm | Intent::Deny | Intent::Cancel | Intent::Repeat | Intent::Other(_)
    )
}

/// One scam cue of the locale ([`PRESSURE`]): its phrase, then, if any, words of the
/// customer's own ("别告诉*我儿子*").
fn cue_clause(locale: Locale) -> Vec<Element> {
    let phrases: Vec<Vec<Element>> = PRESSURE
        .iter()
        .filter(|phrase| phrase.chars().any(is_cjk) == (locale == Locale::ZhCn))
        .map(|phrase| tokenize(phrase).into_iter().map(Element::Token).collect())
        .collect();
    vec![
        Element::Choice(phrases),
        Element::Optional(vec![vec![Element::Words]]),
    ]
}

/// Compiles an expression between `from` and `to` without its sentences of a single Chinese
/// character: the expression's automaton times a count of the characters read (0, 1, or
/// [`ENOUGH`]), keeping only the states from which a sentence of more than one still ends.
fn compile_without_lone_characters(
    automaton: &mut Automaton,
    expression: &[Element],
    from: usize,
    to: usize,
) {
    /// More than one character, or a word that is no single character (a slot's value, an
    /// English word): a sentence from here on is long enough.
    const ENOUGH: u8 = 2;
    let (part, part_start, part_accept) = Automaton::from_expression(expression);
    let weight = |arc: &MatchArc| match arc {
        MatchArc::Empty => 0,
        MatchArc::Token(token) if token.chars().all(is_cjk) => {
            u8::try_from(token.chars().count()).unwrap_or(ENOUGH)
        }
        MatchArc::Token(_) | MatchArc::Slot(..) | MatchArc::Words => ENOUGH,
    };
    // A state of the product: the expression's state, and the characters read (capped).
    type Counted = (usize, u8);
    // Each product state's arcs: where they lead, and which arc of the expression's state.
    let mut edges: BTreeMap<Counted, Vec<(Counted, usize)>> = BTreeMap::new();
    let mut pending = vec![(part_start, 0_u8)];
    while let Some(product) = pending.pop() {
        if edges.contains_key(&product) {
            continue;
        }
        let (state, count) = product;
        let out: Vec<(Counted, usize)> = part.arcs[state]
            .iter()
            .enumerate()
            .map(|(index, (next, arc))| {
                (
                    (*next, count.saturating_add(weight(arc)).min(ENOUGH)),
                    index,
                )
            })
            .collect();
        pending.extend(out.iter().map(|(next, _)| *next));
        edges.insert(product, out);
    }
    // The product states from which a long enough sentence ends.
    let goal = (part_accept, ENOUGH);
    let mut ending = BTreeSet::from([goal]);
    loop {
        let before = ending.len();
        for (product, out) in &edges {
            if out.iter().any(|(next, _)| ending.contains(next)) {
                ending.insert(*product);
            }
        }
        if ending.len() == before {
            break;
        }
    }
    let mut states: BTreeMap<Counted, usize> =
        BTreeMap::from([((part_start, 0), from), (goal, to)]);
    for (product, out) in &edges {
        if !ending.contains(product) {
            continue;
        }
        for (next, index) in out {
            if !ending.contains(next) {
                continue;
            }
            let source = *states.entry(*product).or_insert_with(|| automaton.state());
            let target = *states.entry(*next).or_insert_with(|| automaton.state());
            let arc = part.arcs[product.0][*index].1.clone();
            automaton.arcs[source].push((target, arc));
        }
    }
}

pub(crate) fn phrases_of(items: &[tingshuo_understand::world::Named]) -> Vec<String> {
    items
        .iter()
        .flat_map(|named| named.phrases.iter().cloned())
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::reader::*;
    use crate::spellings::*;
    use chrono::NaiveDate;
    use tingshuo_base::ids::Id;
    use tingshuo_base::money::Currency;
    use tingshuo_understand::banking_context;
    use tingshuo_understand::world::{ItemRef, Named};

    /// A small byte-level vocabulary in whisper's manner: every single byte, then whole words
    /// and pieces with and without their leading space, punctuation and figures.
    pub(crate) fn vocabulary() -> Tokens {
        let texts = vocabulary_texts();
        Tokens::new(texts.iter().map(Vec::as_slice))
    }

    /// [`vocabulary`] as base's is: with no token for "，", which is written as its three bytes.
    fn vocabulary_without_fullwidth_comma() -> Tokens {
        let texts: Vec<Vec<u8>> = vocabulary_texts()
            .into_iter()
            .filter(|text| text.as_slice() != "，".as_bytes())
            .collect();
        Tokens::new(texts.iter().map(Vec::as_slice))
    }

    /// [`vocabulary`]'s token texts.
    fn vocabulary_texts() -> Vec<Vec<u8>> {
        let mut texts: Vec<Vec<u8>> = (0..=255_u8).map(|b| vec![b]).collect();
        // As in GPT-2's vocabulary, a space never stands alone before a letter.
        texts.extend(
            (b'a'..=b'z')
                .chain(b'A'..=b'Z')
                .chain(b'0'..=b'9')
                .map(|b| vec![b' ', b]),
        );
        for piece in [
            " pay",
            " Pay",
            " my",
            " electric",
            " Electric",
            " bill",
            " What",
            "What",
            "'s",
            " the",
            " balance",
            " send",
            " Send",
            " Alice",
            " Chen",
            " son",
            " to",
            " for",
            " his",
            " trip",
            " yuan",
            " check",
            " Check",
            " lock",
            " Lock",
            " card",
            " um",
            " Um",
            " uh",
            " er",
            " $",
            " 300",
            "300",
            "25",
            "0",
            "250",
            "50",
            "000",
            ",",
            ".",
            "?",
            " mountains",
            " City",
            " elect",
            "ric",
            " Mm",
            "-hmm",
            " yes",
            " Yes",
            " no",
            " it",
            " not",
            " that",
            " That",
            " transfer",
            " Transfer",
            "给",
            "转",
            "块",
            "。",
            "，",
            // Whisper writes common Chinese words as one token of several characters.
            "余额",
            "多少",
            " 李伟",
        ] {
            texts.push(piece.as_bytes().to_vec());
        }
        texts
    }

    fn payee(name: &str, phrases: &[&str]) -> Named {
        Named::called(ItemRef::Payee(Id::new(name)), name, phrases)
    }

    fn biller(name: &str, phrases: &[&str]) -> Named {
        Named::called(ItemRef::Biller(Id::new(name)), name, phrases)
    }

    pub(crate) fn grammar(locale: Locale) -> Grammar {
        let context = Context::from_yaml(banking_context(locale)).unwrap();
        Grammar::for_context(&context, &world(locale))
    }

    fn world(locale: Locale) -> World {
        World {
            locale,
            currency: match locale {
                Locale::ZhCn => Currency::CNY,
                Locale::EnUs => Currency::USD,
            },
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            payees: vec![
                payee("Alice Chen", &["Alice", "my daughter"]),
                payee("Bob Wilson", &["Bob", "my son", "my son Bob"]),
                payee("李伟", &["儿子"]),
            ],
            billers: vec![
                biller("City Electric", &["electric"]),
                biller("国家电网", &["电费"]),
            ],
            accounts: vec![
                Named::called(
                    ItemRef::Account(Id::new("checking")),
                    "3921",
                    &["Everyday Checking", "checking", "养老金账户"],
                )
                .ending_in("3921"),
            ],
            cards: vec![
                Named::called(
                    ItemRef::Card(Id::new("visa")),
                    "4321",
                    &["Visa", "credit card", "信用卡"],
                )
                .ending_in("4321"),
            ],
            categories: Vec::new(),
        }
    }

    /// How a text's tokens step through the grammar (`None` for a token that leaves it).
    fn steps(grammar: &Grammar, tokens: &Tokens, text: &str) -> (Vec<Option<Step>>, bool) {
        let reader = grammar.reader(tokens);
        let mut cursor = reader.start();
        let ids = tokens.tokenize_text(text).unwrap();
        let steps: Vec<Option<Step>> = ids
            .iter()
            .map(|&id| reader.advance(&mut cursor, id))
            .collect();
        (steps, reader.can_end(&cursor))
    }

    /// Asserts that the grammar accepts each of `accepted` and none of `refused`.
    fn assert_accepts(grammar: &Grammar, tokens: &Tokens, accepted: &[&str], refused: &[&str]) {
        for text in accepted {
            assert!(grammar.accepts(tokens, text), "{text:?}");
        }
        for text in refused {
            assert!(!grammar.accepts(tokens, text), "{text:?}");
        }
    }

    /// Asserts that the English banking grammar accepts each of `accepted` and none of
    /// `refused`.
    fn assert_english_accepts(accepted: &[&str], refused: &[&str]) {
        assert_accepts(&grammar(Locale::EnUs), &vocabulary(), accepted, refused);
    }

    #[test]
    fn sentences_of_the_context_and_only_they_are_accepted() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        assert_accepts(
            &english,
            &tokens,
            &[
                "What's the balance?",
                "Pay my electric bill.",
                " pay my City Electric bill",
                "Send Alice $25.",
                "Send my son, Bob, $300.",
                "Lock my card.",
                "Check my balance.",
                "Yes, send it.",
                "Um, check my balance.",
                "That's not it.",
            ],
            &[
                // Only a `*` expression says this: its free words are words outside the
                // grammar, never its sentence.
                "Can I afford new skis?",
                "What's the mountains?",
                "Pay my",
                "Send Alice $25 $300.",
                "Lock my card 25",
                "",
            ],
        );
        let chinese = grammar(Locale::ZhCn);
        for text in ["给李伟转三百块。", "给儿子转三百块", "查余额", "余额是多少"]
        {
            assert!(chinese.accepts(&tokens, text), "{text:?}");
        }
        assert!(!chinese.accepts(&tokens, "给李维转三百块"));
        // Mandarin amounts are followed in words: in figures whisper drops what it half
        // heard ("25" for 二百五).
        assert!(!chinese.accepts(&tokens, "给李伟转300块"));
    }

    #[test]
    fn a_scams_pressure_and_secrecy_may_come_with_any_sentence_but_are_none() {
        let tokens = vocabulary();
        assert_english_accepts(
            &[
                "Send Alice $25, it's urgent.",
                "It's urgent, send Alice $25, keep this secret.",
                "Check my balance right now.",
            ],
            &["It's urgent.", "Keep this secret.", "Urgent, urgent."],
        );
        assert_accepts(
            &grammar(Locale::ZhCn),
            &tokens,
            &[
                "给李伟转三百块，急。",
                "急，给李伟转三百块，别告诉",
                "赶紧查余额",
            ],
            &["急", "别告诉", "急，急。", "给李伟转三百块，it's urgent"],
        );
    }

    #[test]
    fn one_syllable_stands_for_an_answer_or_an_interruption_only() {
        let tokens = vocabulary();
        let chinese = grammar(Locale::ZhCn);
        assert_accepts(
            &chinese,
            &tokens,
            &[
                "对。",
                "不",
                "好",
                "停",
                "啥?",
                "账上有多少钱",
                "查账",
                "转账",
                "交电费",
                "最近的交易",
            ],
            // Balance, transactions and transfer each have a sentence of one character as
            // text ("钱", "账", "汇"); heard alone, they are the short sound whisper wrote.
            &["钱", "账。", "汇", "打"],
        );
        // English words are not syllables counted: a one-word command stays one.
        assert_english_accepts(&["Balance.", "Help.", "Transactions"], &[]);
        // Nor for a bank's own intent: "存" alone is the short sound, "我要存钱" the command.
        let product = Context::from_yaml(banking_context(Locale::ZhCn)).unwrap();
        let answers =
            Context::from_yaml(tingshuo_understand::answers_context(Locale::ZhCn)).unwrap();
        let deposit = Context::from_yaml(
            "context:\n  expressions:\n    deposit:\n      - \"[存, 我要存钱]\"\n",
        )
        .unwrap();
        let with_bank = product.with_bank_intents(&deposit, &answers).unwrap();
        let grammar = Grammar::for_context(&with_bank, &world(Locale::ZhCn));
        assert_accepts(&grammar, &tokens, &["我要存钱", "对"], &["存", "存。"]);
    }

    #[test]
    fn an_english_ending_is_the_customers_own_read_as_people_read_it() {
        assert_english_accepts(
            &[
                "Lock the card ending 4321.",
                "Lock the card ending four three two one.",
                // Written apart: the grammar reads a hyphenated word as two (whisper writes
                // numbers in figures or words apart; "-" would let a beam wander).
                "Lock the card ending forty three twenty one.",
                "Lock the card ending four thousand three hundred twenty one.",
                "What's the balance of the account ending thirty nine twenty one?",
                // In figures, as whisper writes them; "four thousand three hundred twenty-one"
                // as money.
                "Lock the card ending $4,321.",
                "What's the balance of the account ending 3921?",
            ],
            &[
                // Not the customer's ending, or not an ending at all.
                "Lock the card ending forty three twenty two.",
                "Lock the card ending four three two.",
                "Lock the card ending ten.",
                "Lock the card ending 4322.",
                "Lock the card ending 43.",
                "Lock the card ending $4,000, $300, $21.",
                "Lock the card ending 4321.50.",
                "Lock the card ending 432.",
                "Lock the card ending 04321.",
            ],
        );
    }

    #[test]
    fn figures_that_cannot_become_the_customers_ending_leave_the_grammar_at_once() {
        // Refused at the token that rules the ending out, not only at the end: a beam writing
        // "ending 3,000" is stopped at "000" and must write the digits of "3921".
        let (english, tokens) = (grammar(Locale::EnUs), vocabulary());
        let (going_on, _) = steps(&english, &tokens, "Check my account ending 3,92");
        assert!(going_on.iter().all(Option::is_some), "{going_on:?}");
        let (ruled_out, _) = steps(&english, &tokens, "Check my account ending 3,0");
        assert_eq!(ruled_out.last(), Some(&None), "{ruled_out:?}");
        assert!(ruled_out[..ruled_out.len() - 1].iter().all(Option::is_some));
        // Where any amount may come, figures are not held to an ending.
        let (amount, _) = steps(&english, &tokens, "Send Alice $3,0");
        assert!(amount.iter().all(Option::is_some), "{amount:?}");
        // Mandarin endings in figures alike.
        let chinese = grammar(Locale::ZhCn);
        assert!(chinese.accepts(&tokens, "把尾号4321的卡锁了"));
        assert!(!chinese.accepts(&tokens, "把尾号4322的卡锁了"));
    }

    #[test]
    fn a_value_may_be_taken_back_and_said_again() {
        assert_english_accepts(
            &[
                // The slot again, the word before it again, or the whole sentence again.
                "Send Alice $25, no wait, $300.",
                "Send my son $300, sorry, $25.",
                "Send $25 to Alice, sorry, to my son.",
                "Pay the City Electric, sorry, the electric bill.",
                "Send Alice $25, no wait, send my son $300.",
                "Send Alice 25, no, 30, I mean 40 dollars.",
            ],
            &[
                // Nothing said again, nothing taken back, or no value before the marker.
                "Send Alice $25, no wait.",
                "Send Alice $25, no wait, the.",
                "Send, no wait, Alice $25.",
                "No wait, send Alice $25.",
            ],
        );
        let tokens = vocabulary();
        let chinese = grammar(Locale::ZhCn);
        for text in [
            "给李伟转三百块，不对，转二百块。",
            "给李伟转三百块不对二百块",
            "转三百块给李伟，不对，给儿子",
            // Whisper may end the first sentence before the correction.
            "给李伟转三百块。不对,是二百块。",
            "给李伟转三百。不对，转二百块。",
        ] {
            assert!(chinese.accepts(&tokens, text), "{text:?}");
        }
        assert!(!chinese.accepts(&tokens, "给李伟转三百块，不对。"));
    }

    #[test]
    fn words_are_followed_in_whispers_own_spellings() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        let reader = english.reader(&tokens);
        let id = |text: &str| tokens.tokenize(text.as_bytes()).unwrap();
        // " electric" is one token, and so are the merges that lead to it: neither whisper's
        // merges nor its tokenizer spell it " elect" + "ric".
        let mut cursor = reader.start();
        for token in id(" Pay my") {
            assert_eq!(reader.advance(&mut cursor, token), Some(Step::Grammar));
        }
        let mut split = cursor;
        assert_eq!(
            reader.advance(&mut split, id(" elect")[0]),
            Some(Step::Extra)
        );
        assert_eq!(reader.advance(&mut split, id("ric")[0]), Some(Step::Extra));
        assert_eq!(
            reader.advance(&mut cursor, id(" electric")[0]),
            Some(Step::Grammar)
        );
        // A Chinese character split into byte tokens is still one word.
        let chinese = grammar(Locale::ZhCn);
        let reader = chinese.reader(&tokens);
        let mut cursor = reader.start();
        for &byte in "查余额".as_bytes() {
            assert_eq!(
                reader.advance(&mut cursor, u32::from(byte)),
                Some(Step::Grammar)
            );
        }
        assert!(reader.can_end(&cursor));
    }

    #[test]
    fn a_word_is_spelled_as_the_merges_make_it_and_as_the_tokenizer_does() {
        // As in whisper's vocabulary, each token after the bytes joins two before it, in the
        // order the merges were learned: " Debit" merges into " De" "bit", while the longest
        // tokens that start the rest are " Deb" "it".
        let mut texts: Vec<Vec<u8>> = (0..=255_u8).map(|b| vec![b]).collect();
        texts.extend([" D", " De", "bi", "bit", " Deb", "it"].map(|t| t.as_bytes().to_vec()));
        let tokens = Tokens::new(texts.iter().map(Vec::as_slice));
        let id = |text: &str| {
            u32::try_from(texts.iter().position(|t| t == text.as_bytes()).unwrap()).unwrap()
        };
        assert_eq!(
            tokens.spellings(b" Debit"),
            vec![vec![id(" Deb"), id("it")], vec![id(" De"), id("bit")]]
        );
        // One spelling when both agree; none when a byte has no token.
        assert_eq!(tokens.spellings(b" De"), vec![vec![id(" De")]]);
        let no_bytes = Tokens::new([&b"a"[..]]);
        assert!(no_bytes.spellings(b"ab").is_empty());
    }

    #[test]
    fn words_outside_the_grammar_may_come_between_its_words() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        let reader = english.reader(&tokens);
        let mut cursor = reader.start();
        for id in tokens
            .tokenize_text("Send my son 300 yuan for his trip.")
            .unwrap()
        {
            assert!(reader.advance(&mut cursor, id).is_some());
        }
        assert!(reader.can_end(&cursor));
        assert_eq!(cursor.extras, 3); // " for" (which began "forget"), " his", " trip"
        // Not after a finished sentence's full stop: that is whisper repeating itself.
        let (step, _) = steps_after(&english, &tokens, "Check my balance.", " his");
        assert_eq!(step, None);
        // Nor more than two fillers: a third is a word outside the grammar, never a token the
        // grammar takes and then cannot finish (a beam that took it had nowhere to go).
        let (taken, ends) = steps(&english, &tokens, "Um, er, um, check my balance.");
        let outside = taken
            .iter()
            .filter(|&&step| step == Some(Step::Extra))
            .count();
        assert_eq!(outside, 1, "the third filler only: {taken:?}");
        assert!(taken.iter().all(Option::is_some) && ends, "{taken:?}");
        let (taken, _) = steps(
            &english,
            &tokens,
            "Um, er, um, hmm, um, uh, er, um, check my balance.",
        );
        assert!(
            taken.contains(&None),
            "eight words outside at most: {taken:?}"
        );
    }

    #[test]
    fn a_free_word_expression_takes_words_outside_the_grammar_for_its_star() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        // "(@ask) afford * ([with, from, out of, in, on] my (@account) (account))": the first
        // word outside the grammar crosses the star, so the sentence may end after it.
        let (taken, ends) = steps(&english, &tokens, "Can I afford new skis?");
        assert!(taken.iter().all(Option::is_some) && ends, "{taken:?}");
        assert!(taken.contains(&Some(Step::Extra)), "{taken:?}");
        // The star is one word at least.
        let (taken, ends) = steps(&english, &tokens, "Can I afford?");
        assert!(!ends, "{taken:?}");
        // After its words the expression goes on in the grammar.
        let (taken, ends) = steps(&english, &tokens, "Can I afford new skis from my checking?");
        assert!(taken.iter().all(Option::is_some) && ends, "{taken:?}");
    }

    fn steps_after(
        grammar: &Grammar,
        tokens: &Tokens,
        text: &str,
        next: &str,
    ) -> (Option<Step>, bool) {
        let reader = grammar.reader(tokens);
        let mut cursor = reader.start();
        for id in tokens.tokenize_text(text).unwrap() {
            assert!(reader.advance(&mut cursor, id).is_some(), "{text:?}");
        }
        let next = tokens.tokenize(next.as_bytes()).unwrap()[0];
        (reader.advance(&mut cursor, next), reader.can_end(&cursor))
    }

    /// Whether a word outside the grammar started after `text` would be one of the
    /// sentence's free words.
    fn next_word_is_free(grammar: &Grammar, tokens: &Tokens, text: &str) -> bool {
        let reader = grammar.reader(tokens);
        let mut cursor = reader.start();
        for id in tokens.tokenize_text(text).unwrap() {
            assert!(reader.advance(&mut cursor, id).is_some(), "{text:?}");
        }
        reader.extra_words(&cursor).starts_a_free_word()
    }

    #[test]
    fn a_run_of_free_words_ends_at_the_grammars_next_word_a_number_too() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        // "… enough (money) (left) (in my (*) (@account) (account)) [to, for, …] * …": a word
        // of hers may describe the account…
        let before_the_account = "Do I have enough money in my old";
        assert!(next_word_is_free(&english, &tokens, before_the_account));
        // …but once the account is named, by its name or by its last digits, another word is
        // not hers: only "account" or "to"/"for" may follow.
        for account in [" checking", " 3921"] {
            let named = format!("{before_the_account}{account}");
            assert!(!next_word_is_free(&english, &tokens, &named), "{named:?}");
        }
    }

    #[test]
    fn numbers_in_figures_only_where_a_number_may_be() {
        let tokens = vocabulary();
        let english = grammar(Locale::EnUs);
        assert!(english.accepts(&tokens, "Send Alice $1,250.50."));
        assert!(english.accepts(&tokens, "Lock the card ending in 4321."));
        // Digits glued to a word are no number.
        let (step, _) = steps_after(&english, &tokens, "Send Alice", "25");
        assert_eq!(step, None);
        // Whisper's loops on figures end.
        assert!(!english.accepts(&tokens, "Send Alice $300,000,000,000,000,000."));
        // Only well-formed numbers: thousands in threes, cents after one point.
        assert_accepts(
            &english,
            &tokens,
            &[
                "Send Alice $62.40.",
                "Send Alice $25, please.",
                "Send Alice 1,250 dollars.",
                "Send Alice $25.",
            ],
            &[
                "Send Alice 600.4,0.",
                "Send Alice 3,00 dollars.",
                "Send Alice $1,2345.",
                "Send Alice $25.505.",
                "Send Alice 25$.",
            ],
        );
    }

    #[test]
    fn figures_are_read_as_well_formed_numbers_only() {
        let read = |text: &str| {
            let mut figures = Figures::default();
            text.chars().all(|c| figures.read_char(c)) && figures.is_whole()
        };
        for good in [
            "3921",
            "$1,250.50",
            "¥200",
            "1.5",
            "25%",
            "$25,",
            "$25.",
            "250.00",
            "1,000,000",
            "0521",
        ] {
            assert!(read(good), "{good}");
        }
        for bad in [
            "600.4,0",
            "3,00",
            "1,2345",
            "25.505",
            "25$",
            "$$5",
            "1..5",
            "1,,000",
            "12,345.6.7",
            "1234567890",
            "25%5",
            ".5",
            ",",
        ] {
            assert!(!read(bad), "{bad}");
        }
    }

    /// The guide trusts two shortcuts: every token the grammar allows is among the
    /// candidates, and [`ExtraWords`] answers as [`Reader::advance`] does for all others.
    #[test]
    fn a_token_of_several_chinese_characters_reads_as_those_words() {
        let tokens = vocabulary();
        let chinese = grammar(Locale::ZhCn);
        let reader = chinese.reader(&tokens);
        let id = |text: &str| *tokens.by_text.get(text.as_bytes()).unwrap();
        let mut cursor = reader.start();
        for token in tokens.tokenize_text("查").unwrap() {
            assert_eq!(reader.advance(&mut cursor, token), Some(Step::Grammar));
        }
        assert!(reader.candidates(&cursor).contains(&id("余额")));
        let mut balance = cursor;
        assert_eq!(
            reader.advance(&mut balance, id("余额")),
            Some(Step::Grammar)
        );
        assert!(reader.can_end(&balance));
        // Spaced, as whisper writes a name after a word.
        let mut transfer = reader.start();
        for token in tokens.tokenize_text("给").unwrap() {
            assert_eq!(reader.advance(&mut transfer, token), Some(Step::Grammar));
        }
        assert_eq!(
            reader.advance(&mut transfer, id(" 李伟")),
            Some(Step::Grammar)
        );
        // A run the grammar cannot read from here is a word outside it, as any other.
        let mut after_balance = balance;
        assert_eq!(
            reader.advance(&mut after_balance, id(" 李伟")),
            Some(Step::Extra)
        );
    }

    #[test]
    fn candidates_and_extra_words_agree_with_advance() {
        for tokens in [vocabulary(), vocabulary_without_fullwidth_comma()] {
            candidates_and_extra_words_agree_with_advance_in(&tokens);
        }
    }

    fn candidates_and_extra_words_agree_with_advance_in(tokens: &Tokens) {
        for (locale, texts) in [
            (
                Locale::EnUs,
                &[
                    "What's the balance?",
                    "Send my son 300 yuan for his trip.",
                    "Um, pay my electric bill.",
                    "Send Alice $25.",
                ][..],
            ),
            (
                Locale::ZhCn,
                // "很" has no token of its own here: it is written a byte at a time.
                &[
                    "给李伟转三百块。",
                    "查余额",
                    "余额是多少",
                    "查余额很快",
                    "给李伟转三百，不对，五百",
                    "查余额，很快",
                ][..],
            ),
        ] {
            let grammar = grammar(locale);
            let reader = grammar.reader(tokens);
            for text in texts {
                let mut cursor = reader.start();
                for id in tokens.tokenize_text(text).unwrap() {
                    let candidates: BTreeSet<u32> =
                        reader.candidates(&cursor).into_iter().collect();
                    let extra = reader.extra_words(&cursor);
                    for token in 0..u32::try_from(tokens.len()).unwrap() {
                        let mut trial = cursor;
                        match reader.advance(&mut trial, token) {
                            Some(Step::Grammar) => assert!(
                                candidates.contains(&token),
                                "{text:?}: {:?} missing",
                                String::from_utf8_lossy(tokens.text(token))
                            ),
                            other => assert_eq!(
                                extra.step_for(tokens, token).is_some(),
                                other == Some(Step::Extra),
                                "{text:?}: {:?}",
                                String::from_utf8_lossy(tokens.text(token))
                            ),
                        }
                    }
                    assert!(reader.advance(&mut cursor, id).is_some(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn a_character_begun_is_finished_before_anything_else() {
        let tokens = vocabulary();
        let chinese = grammar(Locale::ZhCn);
        let reader = chinese.reader(&tokens);
        let byte = |b: u8| tokens.by_text[&[b][..]];
        // "很" (E5 BE 88), outside the grammar, a byte at a time after "查余额" (its first bytes
        // may begin a grammar character as well).
        let mut cursor = reader.start();
        for id in tokens.tokenize_text("查余额").unwrap() {
            reader.advance(&mut cursor, id).unwrap();
        }
        assert!(reader.can_end(&cursor));
        assert!(reader.advance(&mut cursor, byte(0xE5)).is_some());
        assert!(reader.advance(&mut cursor, byte(0xBE)).is_some());
        let unfinished = cursor;
        assert!(
            !reader.can_end(&unfinished),
            "the transcript would end in \"�\""
        );
        for next in ["。", "块", "很"] {
            let mut trial = unfinished;
            let first = tokens.tokenize_text(next).unwrap()[0];
            assert_eq!(
                reader.advance(&mut trial, first),
                None,
                "{next:?} after half a character"
            );
        }
        assert!(reader.advance(&mut cursor, byte(0x88)).is_some());
        assert!(reader.can_end(&cursor));
        // Bytes that finish no character never come.
        let mut trial = reader.start();
        assert_eq!(reader.advance(&mut trial, byte(0x88)), None);
    }

    #[test]
    fn a_chinese_character_outside_the_grammar_is_one_word() {
        // Whisper wrote 一 as 衣 (一下 → 衣下): the grammar's words after it are the grammar's
        // again, not more of one word outside it that runs to the end of the clause.
        let tokens = vocabulary();
        let chinese = grammar(Locale::ZhCn);
        let reader = chinese.reader(&tokens);
        for (text, outside) in [("查衣余额", 1), ("查衣衣余额", 2), ("给李伟衣转三百块", 1)]
        {
            let mut cursor = reader.start();
            for id in tokens.tokenize_text(text).unwrap() {
                assert!(reader.advance(&mut cursor, id).is_some(), "{text:?}");
            }
            assert!(reader.can_end(&cursor), "{text:?}");
            assert_eq!(cursor.extra_words_written(), outside, "{text:?}");
        }
    }

    #[test]
    fn a_pause_written_a_byte_at_a_time_is_a_pause() {
        let tokens = vocabulary_without_fullwidth_comma();
        assert_eq!(tokens.tokenize("，".as_bytes()).unwrap().len(), 3);
        let chinese = grammar(Locale::ZhCn);
        assert_accepts(
            &chinese,
            &tokens,
            &["给李伟转三百，不对，五百", "查余额，", "给儿子，转三百块"],
            &["给李伟，，"],
        );
        // What follows a pause is guided again: a word outside the grammar after it is one,
        // not the pause's own continuation.
        let reader = chinese.reader(&tokens);
        let mut cursor = reader.start();
        for id in tokens.tokenize_text("查余额，很").unwrap() {
            reader.advance(&mut cursor, id).unwrap();
        }
        assert_eq!(cursor.extra_words_written(), 1);
        assert!(reader.can_end(&cursor));
        // "？" is written the same way, and ends a sentence as "?" does: no word outside the
        // grammar after it (whisper repeats a short command after itself).
        assert_eq!(tokens.tokenize("？".as_bytes()).unwrap().len(), 3);
        for (text, words_outside) in [("查余额？很", None), ("查余额，很", Some(1))] {
            let mut cursor = reader.start();
            let read = tokens
                .tokenize_text(text)
                .unwrap()
                .into_iter()
                .all(|id| reader.advance(&mut cursor, id).is_some());
            assert_eq!(
                read.then(|| cursor.extra_words_written()),
                words_outside,
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_overlong_form_or_a_surrogate_in_byte_tokens_is_no_character() {
        let tokens = vocabulary();
        let read = |bytes: &[u8]| {
            bytes.iter().try_fold(0_u8, |owed, &byte| {
                let id = tokens.tokenize(&[byte]).unwrap()[0];
                tokens.owed_after(id, owed)
            })
        };
        assert_eq!(read("中".as_bytes()), Some(0));
        assert_eq!(read("\u{10348}".as_bytes()), Some(0));
        for ill_formed in [
            &[0xE0, 0x80, 0x80][..],
            &[0xED, 0xA0, 0x80],
            &[0xF0, 0x80, 0x80, 0x80],
            &[0xF4, 0x90, 0x80, 0x80],
        ] {
            assert_eq!(read(ill_formed), None, "{ill_formed:02x?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever tokens whisper weighs, in whatever order (the guide reads them inside
        /// whisper.cpp's callback, where a panic would abort the app), the reader answers, and
        /// what it lets through is UTF-8: never half a character, however the bytes were split.
        #[test]
        fn any_tokens_are_read_without_panic_and_only_whole_characters_end(
            ids in proptest::collection::vec(0_u32..600, 0..40),
            chinese in proptest::bool::ANY,
        ) {
            let tokens = if chinese { vocabulary_without_fullwidth_comma() } else { vocabulary() };
            let grammar = grammar(if chinese { Locale::ZhCn } else { Locale::EnUs });
            let reader = grammar.reader(&tokens);
            let mut cursor = reader.start();
            let mut written = Vec::new();
            for id in ids {
                let _ = reader.candidates(&cursor);
                let _ = reader.extra_words(&cursor).step_for(&tokens, id);
                if reader.advance(&mut cursor, id).is_some() {
                    written.extend_from_slice(tokens.text(id));
                }
                if reader.can_end(&cursor) {
                    proptest::prop_assert!(std::str::from_utf8(&written).is_ok());
                }
            }
        }
    }

    #[test]
    fn token_kinds() {
        assert_eq!(token_kind(b" pay"), TokenKind::Word);
        assert_eq!(token_kind(b","), TokenKind::Punctuation);
        assert_eq!(token_kind(b" ?"), TokenKind::Punctuation);
        assert_eq!(token_kind(b"-"), TokenKind::Word);
        assert_eq!(token_kind(b" $"), TokenKind::Figures { spaced: true });
        assert_eq!(token_kind(b"250"), TokenKind::Figures { spaced: false });
        assert_eq!(token_kind(b"'s"), TokenKind::Possessive);
        assert_eq!(token_kind(b" "), TokenKind::Blank);
        assert_eq!(token_kind(&[0xE4, 0xBD]), TokenKind::Word);
    }
}
