//! How well heard words stand for expected ones: exact, a near miss of a longer English word,
//! the same consonant skeleton ("council" for "cancel"), or, for names, the same Mandarin
//! syllable (李维 for 李伟).
#![allow(clippy::float_arithmetic)] // Similarity scores, not money.

use crate::context::tokenize;

pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// How well a heard token stands for an expected word of an expression: exact 1, a near
/// miss of a longer English word less, else 0.
pub fn similarity(expected: &str, heard: &str) -> f64 {
    token_similarity(expected, heard, false)
}

/// Like [`similarity`], for names: recognizers write a homophone for a Chinese character
/// they did not expect (李维 for 李伟, 刘方 for 刘芳), so the same syllable (tones aside) is
/// a near match. Only names get this: for command words it would hear 电 as 点.
fn token_similarity(expected: &str, heard: &str, homophones: bool) -> f64 {
    if expected == heard {
        return 1.0;
    }
    if let (Some(e), Some(h)) = (single_cjk(expected), single_cjk(heard)) {
        if !homophones {
            return 0.0;
        }
        use pinyin::ToPinyin;
        return match (e.to_pinyin(), h.to_pinyin()) {
            (Some(a), Some(b)) if a.plain() == b.plain() => 0.8,
            _ => 0.0,
        };
    }
    let length = expected.chars().count().min(heard.chars().count());
    if length < 3 || !expected.is_ascii() {
        return 0.0;
    }
    match levenshtein(expected, heard) {
        1 if length >= 4 || expected.chars().count() >= 4 => 0.85,
        2 if length >= 7 => 0.7,
        // Recognizers write a word that sounds the same ("council" for "cancel", "lack" for
        // "lock"): the same consonant skeleton is a near miss.
        _ if length >= 4
            && sound_key(expected).len() >= 3
            && sound_key(expected) == sound_key(heard) =>
        {
            0.75
        }
        _ => 0.0,
    }
}

/// A rough English sound key: the consonants in order, voiced and voiceless pairs merged
/// (b/p, d/t, g/k/c/q, v/f, z/s), silent or doubled letters collapsed, vowels dropped.
pub fn sound_key(word: &str) -> String {
    let mut key = String::new();
    let letters: Vec<char> = word
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    for (i, &c) in letters.iter().enumerate() {
        let next = letters.get(i + 1).copied();
        let class = match c {
            'b' | 'p' => 'P',
            'd' | 't' => 'T',
            'g' | 'k' | 'q' => 'K',
            'c' if matches!(next, Some('e' | 'i' | 'y')) => 'S',
            'c' => 'K',
            'v' | 'f' => 'F',
            'z' | 's' | 'x' => 'S',
            'j' => 'J',
            'l' => 'L',
            'm' | 'n' => 'N',
            'r' => 'R',
            'w' if next.is_some_and(|n| "aeiou".contains(n)) && i == 0 => 'W',
            _ => continue,
        };
        if !key.ends_with(class) {
            key.push(class);
        }
    }
    key
}

fn single_cjk(token: &str) -> Option<char> {
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if ('\u{4E00}'..='\u{9FFF}').contains(&c) => Some(c),
        _ => None,
    }
}

/// How well a span reads as a phrase (all tokens, in order).
fn phrase_similarity(phrase: &str, span: &[String]) -> f64 {
    let expected = tokenize(phrase);
    if expected.len() != span.len() {
        return 0.0;
    }
    let scores: Vec<f64> = expected
        .iter()
        .zip(span)
        .map(|(e, h)| token_similarity(e, h, true))
        .collect();
    if scores.contains(&0.0) {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

/// The candidates whose phrases read best as the span, with their score; several when they
/// tie (distinct candidates only: two items with the same name are two).
pub fn best_of<'p, T: PartialEq>(
    candidates: impl IntoIterator<Item = (T, &'p [String])>,
    span: &[String],
) -> (Vec<T>, f64) {
    let mut best: (Vec<T>, f64) = (Vec::new(), 0.0);
    for (candidate, phrases) in candidates {
        let score = phrases
            .iter()
            .map(|p| phrase_similarity(&p.to_lowercase(), span))
            .fold(0.0, f64::max);
        if score > best.1 + 1e-9 {
            best = (vec![candidate], score);
        } else if score > 0.0 && (score - best.1).abs() < 1e-9 && !best.0.contains(&candidate) {
            best.0.push(candidate);
        }
    }
    best
}
