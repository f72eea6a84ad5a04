//! Whisper's text tokens as the grammar needs them: each token's bytes, whisper.cpp's own
//! tokenizer (the longest token that starts the rest, repeatedly), and what kind of token each
//! is (a word piece after a space or glued, punctuation, figures).

use std::collections::HashMap;

use tingshuo_understand::context::is_cjk;

/// Punctuation a transcript may carry between words (whisper writes it; matching drops it).
pub(crate) const SEPARATORS: &[char] = &[
    ',', '.', '?', '!', ';', ':', '"', '-', '，', '。', '？', '！', '、', '：', '；', '“', '”',
];
/// Punctuation whisper writes between a command's words: pauses and sentence ends. (Hyphens,
/// quotes and the like would let a decoder wander from the grammar through them.)
pub(crate) const PAUSES: &[char] = &[',', '.', '?', '!', '，', '。', '？', '！', '、'];
/// Signs that may start or sit inside a number written in figures ("$1,250.50", "¥200").
pub(crate) const NUMBER_SIGNS: &[char] = &['$', '¥', '￥', '£', '€', '%', '＄'];

/// What a token is to the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Part of a word, or a whole one (with its leading space).
    Word,
    /// Punctuation between words (",", ".", " -", "?"), perhaps after a space.
    Punctuation,
    /// Digits and number signs ("50", " $", ".50"); `spaced` when it starts with a space.
    Figures { spaced: bool },
    /// "'s": a possessive, read as the word before it.
    Possessive,
    /// Only whitespace, or nothing a transcript should hold.
    Blank,
}

/// A recognizer's text tokens as the grammar needs them: each token's bytes, whisper.cpp's
/// tokenizer (the longest token that starts the rest, repeatedly), and which tokens are
/// punctuation or figures.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub(crate) bytes: Vec<u8>,
    pub(crate) ends: Vec<usize>,
    pub(crate) by_text: HashMap<Box<[u8]>, u32>,
    pub(crate) longest: usize,
    pub(crate) kinds: Vec<TokenKind>,
    pub(crate) shapes: Vec<Shape>,
    pub(crate) punctuation: Vec<u32>,
    pub(crate) figures: Vec<u32>,
    /// Tokens that write two or more Chinese characters at once ("多少", " 余额"), by their
    /// first character: whisper's own spelling of common words, which a grammar of one
    /// character per word must still let it write.
    pub(crate) chinese_runs: HashMap<char, Vec<u32>>,
    /// Each token's bytes as a piece of UTF-8 ([`Tokens::owed_after`]).
    pub(crate) utf8: Vec<Utf8Piece>,
    /// Tokens that cannot follow a finished character: they start by finishing one, or are
    /// ill-formed inside.
    pub(crate) unfinishing: Vec<u32>,
}

/// A token's bytes as a piece of UTF-8: byte-level tokens split a character that has no token
/// of its own ("，" may come as two), and whisper may start a character and never finish it,
/// which a transcript shows as "�".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utf8Piece {
    /// Continuation bytes it starts with: the end of a character begun before it.
    leading: u8,
    /// What is owed after it by a character it begins ([`utf8_step`]'s state), read from
    /// nothing owed; `None` when its bytes are not well-formed from there.
    owes: Option<u8>,
}

impl Utf8Piece {
    fn of(text: &[u8]) -> Utf8Piece {
        let leading = text.iter().take_while(|&&b| b & 0xC0 == 0x80).count();
        Utf8Piece {
            leading: u8::try_from(leading).unwrap_or(u8::MAX),
            owes: utf8_read(0, text),
        }
    }
}

/// One byte of UTF-8 read after `state`: the continuation bytes still owed (low two bits) and,
/// right after a lead byte, which second bytes it allows (the bits above: E0 needs A0–BF, ED
/// 80–9F, F0 90–BF, F4 80–8F), so that an overlong form or a surrogate is no character.
/// `None` where the byte cannot come. State 0: nothing owed.
fn utf8_step(state: u8, byte: u8) -> Option<u8> {
    let owed = state & 0b11;
    if owed == 0 {
        return match byte {
            0x00..=0x7F => Some(0),
            0xC2..=0xDF => Some(1),
            0xE0 => Some(2 | 1 << 2),
            0xED => Some(2 | 2 << 2),
            0xE1..=0xEF => Some(2),
            0xF0 => Some(3 | 3 << 2),
            0xF4 => Some(3 | 4 << 2),
            0xF1..=0xF3 => Some(3),
            _ => None,
        };
    }
    let allowed = match state >> 2 {
        1 => 0xA0..=0xBF,
        2 => 0x80..=0x9F,
        3 => 0x90..=0xBF,
        4 => 0x80..=0x8F,
        _ => 0x80..=0xBF,
    };
    allowed.contains(&byte).then_some(owed - 1)
}

/// `bytes` read after `state` ([`utf8_step`]).
fn utf8_read(state: u8, bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .try_fold(state, |state, &byte| utf8_step(state, byte))
}

/// The Chinese characters a token writes, when it writes two or more and nothing else (after
/// at most a leading space).
pub(crate) fn chinese_run(text: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(text).ok()?;
    let run = text.strip_prefix(' ').unwrap_or(text);
    (run.chars().count() >= 2 && run.chars().all(tingshuo_understand::context::is_cjk))
        .then_some(run)
}

impl Tokens {
    /// The tokens in id order (ids below end-of-text).
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a [u8]>) -> Tokens {
        let mut tokens = Tokens::default();
        for (id, text) in texts.into_iter().enumerate() {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            tokens.bytes.extend_from_slice(text);
            tokens.ends.push(tokens.bytes.len());
            tokens.longest = tokens.longest.max(text.len());
            tokens.by_text.entry(text.into()).or_insert(id);
            if let Some(first) = chinese_run(text).and_then(|run| run.chars().next()) {
                tokens.chinese_runs.entry(first).or_default().push(id);
            }
            let kind = token_kind(text);
            match kind {
                TokenKind::Punctuation => tokens.punctuation.push(id),
                TokenKind::Figures { .. } => tokens.figures.push(id),
                _ => {}
            }
            tokens.kinds.push(kind);
            let piece = Utf8Piece::of(text);
            tokens.utf8.push(piece);
            if tokens.owed_after(id, 0).is_none() {
                tokens.unfinishing.push(id);
            }
            tokens.shapes.push(match (kind, text.first()) {
                (TokenKind::Word, Some(b' ')) => Shape::Spaced,
                (TokenKind::Word, _) if starts_a_chinese_character(text) => Shape::Chinese,
                (TokenKind::Word, Some(b)) if !b.is_ascii() => Shape::GluedNonAscii,
                (TokenKind::Word, _) => Shape::Glued,
                _ => Shape::NotWord,
            });
        }
        tokens
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// A token's bytes (empty for an id out of range).
    pub fn text(&self, id: u32) -> &[u8] {
        let id = id as usize;
        if id >= self.ends.len() {
            return &[];
        }
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.bytes[start..self.ends[id]]
    }

    /// The continuation bytes still owed after token `id` when `owed` were owed before it;
    /// `None` when it cannot come there: it leaves a character unfinished that must be
    /// finished, or finishes one that was not begun. A transcript never holds "�".
    pub(crate) fn owed_after(&self, id: u32, owed: u8) -> Option<u8> {
        let piece = self.utf8.get(id as usize)?;
        match (owed, piece.leading) {
            // Between characters, as nearly every token is read: worked out once per token.
            (0, 0) => piece.owes,
            (0, _) => None,
            // Inside a character: its bytes read one by one from what is owed.
            _ => utf8_read(owed, self.text(id)),
        }
    }

    /// Every token's [`Shape`], by id.
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    pub(crate) fn kind(&self, id: u32) -> TokenKind {
        self.kinds
            .get(id as usize)
            .copied()
            .unwrap_or(TokenKind::Blank)
    }

    /// Whisper.cpp's tokenization of a spelling: the longest token that starts the rest, over
    /// and over; `None` when some byte has no token.
    pub(crate) fn tokenize(&self, text: &[u8]) -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let longest = (at + 1..=(at + self.longest).min(text.len()))
                .rev()
                .find_map(|end| self.by_text.get(&text[at..end]).map(|&id| (id, end)))?;
            ids.push(longest.0);
            at = longest.1;
        }
        Some(ids)
    }

    /// The spellings of `text` whisper may write: its BPE merges' (what the model learned to
    /// write) and whisper.cpp's tokenizer's (what the prompt is made of), once each when they
    /// agree. They disagree on one word form in eight: " Debit" is " De" "bit" to the model and
    /// " Deb" "it" to the tokenizer, "dollars" "d" "oll" "ars" and "dollar" "s".
    pub(crate) fn spellings(&self, text: &[u8]) -> Vec<Vec<u32>> {
        let mut spellings: Vec<Vec<u32>> = self.tokenize(text).into_iter().collect();
        if let Some(merged) = self.merged(text)
            && !spellings.contains(&merged)
        {
            spellings.push(merged);
        }
        spellings
    }

    /// The text as the model's byte-pair merges spell it: from single bytes, the adjacent pair
    /// whose joined bytes are the token of the lowest id is joined first, over and over.
    /// (Whisper's tokens are numbered in the order their merges were learned, as in tiktoken,
    /// so a token's id is its merge's rank.) `None` when some byte has no token.
    pub(crate) fn merged(&self, text: &[u8]) -> Option<Vec<u32>> {
        // Where each piece starts; a piece runs to the next one's start.
        let mut starts: Vec<usize> = (0..text.len()).collect();
        let piece = |starts: &[usize], at: usize, count: usize| {
            let end = starts.get(at + count).copied().unwrap_or(text.len());
            &text[starts[at]..end]
        };
        while let Some((_, at)) = (0..starts.len().saturating_sub(1))
            .filter_map(|at| Some((*self.by_text.get(piece(&starts, at, 2))?, at)))
            .min()
        {
            starts.remove(at + 1);
        }
        (0..starts.len())
            .map(|at| self.by_text.get(piece(&starts, at, 1)).copied())
            .collect()
    }

    /// A text as whisper writes it: words with their leading spaces, punctuation apart.
    pub(crate) fn tokenize_text(&self, text: &str) -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        let mut piece = String::new();
        let flush = |piece: &mut String, ids: &mut Vec<u32>| -> Option<()> {
            if !piece.is_empty() {
                ids.extend(self.tokenize(piece.as_bytes())?);
                piece.clear();
            }
            Some(())
        };
        for c in text.chars() {
            let breaks = c == ' ' || (SEPARATORS.contains(&c) && c != '-') || is_cjk(c);
            if breaks {
                flush(&mut piece, &mut ids)?;
            }
            piece.push(c);
            if SEPARATORS.contains(&c) && c != '-' {
                flush(&mut piece, &mut ids)?;
            }
        }
        flush(&mut piece, &mut ids)?;
        Some(ids)
    }
}

pub(crate) fn token_kind(text: &[u8]) -> TokenKind {
    let Ok(text) = std::str::from_utf8(text) else {
        return TokenKind::Word; // a piece of a character: only words spell with it
    };
    let bare = text.strip_prefix(' ').unwrap_or(text);
    if bare.is_empty() || bare.chars().all(char::is_whitespace) {
        return TokenKind::Blank;
    }
    if matches!(bare, "'s" | "’s") && bare.len() == text.len() {
        return TokenKind::Possessive;
    }
    if bare.chars().all(|c| PAUSES.contains(&c)) {
        return TokenKind::Punctuation;
    }
    let figure = |c: char| c.is_ascii_digit() || NUMBER_SIGNS.contains(&c) || c == ',' || c == '.';
    if bare.chars().all(figure) && bare.chars().any(|c| c != ',' && c != '.') {
        return TokenKind::Figures {
            spaced: bare.len() != text.len(),
        };
    }
    if bare.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return TokenKind::Blank;
    }
    TokenKind::Word
}

/// A token's shape, for deciding quickly whether it could be (part of) a word outside the
/// grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Not a word piece: punctuation, figures, blanks.
    NotWord = 0,
    /// A word piece after a space (" pharmacy").
    Spaced = 1,
    /// A word piece glued to what came before ("macy").
    Glued = 2,
    /// A piece of a non-Latin word, which may start a word without a space.
    GluedNonAscii = 3,
    /// A Chinese character, or the first bytes of one: in Chinese, where nothing separates
    /// words, each character is a word, so it never continues a word outside the grammar.
    Chinese = 4,
}

/// Whether a token begins a new Chinese character: its first character is one, or its first
/// byte leads one (U+4000–U+9FFF are written from E4–E9) that the next tokens finish.
pub(crate) fn starts_a_chinese_character(text: &[u8]) -> bool {
    let whole = match std::str::from_utf8(text) {
        Ok(whole) => whole,
        Err(error) => std::str::from_utf8(&text[..error.valid_up_to()]).unwrap_or(""),
    };
    match whole.chars().next() {
        Some(first) => is_cjk(first),
        None => text.first().is_some_and(|b| (0xE4..=0xE9).contains(b)),
    }
}

/// One spelling for what recognizers write in several: lowercase, straight apostrophes,
/// half-width forms.
pub(crate) fn fold(c: char) -> char {
    match c {
        '’' | '‘' | '`' => '\'',
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |half| half.to_ascii_lowercase())
        }
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}
