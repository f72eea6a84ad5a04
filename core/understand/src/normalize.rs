//! Normalization of what recognizers and people produce, before matching: full-width forms,
//! Traditional characters (recognizers often write 轉賬 for 转账), case, punctuation, fillers
//! (嗯, 啊, 那个, um, uh, please), stuttered words, and self-corrections ("转五百，不对，转三百").

use crate::cues::PRESSURE;
use crate::numbers;
use tingshuo_base::locale::Locale;

/// Chinese fillers removed wherever they appear: none is part of a banking word.
const ZH_FILLERS: &[&str] = &[
    "那个",
    "就是说",
    "麻烦你",
    "嗯",
    "啊",
    "呃",
    "哎",
    "唉",
    "呀",
    "哦",
    "喔",
];
/// Fillers that are also parts of words (余额, 申请): removed only as whole tokens or, for
/// 请, at the start.
const ZH_STANDALONE_FILLERS: &[&str] = &["额", "请", "麻烦"];
const EN_FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "er", "erm", "hmm", "ah", "please", "kindly",
];
/// Fillers of a locale: sounds people make while thinking, removed before matching.
pub fn fillers(locale: Locale) -> impl Iterator<Item = &'static str> {
    let (fillers, standalone): (&[&str], &[&str]) = match locale {
        Locale::ZhCn => (ZH_FILLERS, ZH_STANDALONE_FILLERS),
        Locale::EnUs => (EN_FILLERS, &[]),
    };
    fillers.iter().chain(standalone).copied()
}

const ZH_CORRECTIONS: &[&str] = &[
    "不对不对",
    "不对",
    "不是不是",
    "说错了",
    "我是说",
    "应该是",
    "改成",
    "哦不是",
    "噢不是",
    "哦不对",
];
const EN_CORRECTIONS: &[&str] = &[
    "no wait",
    "sorry i mean",
    "i mean",
    "no sorry",
    "correction",
    "actually make that",
    "make that",
    "no",
    "sorry",
];

/// The phrases with which a speaker takes back what they just said ("no wait", "不对").
pub fn correction_markers(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::ZhCn => ZH_CORRECTIONS,
        Locale::EnUs => EN_CORRECTIONS,
    }
}

/// Drops clauses that are only pressure ("急", "别告诉我儿子") and pressure words elsewhere.
fn drop_pressure(text: &str) -> String {
    let mut clauses = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // Not the separator or the point inside a number ("1,250.00").
        let in_number = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let ascii_break = matches!(c, ',' | '.' | '!' | '?' | ';') && !in_number;
        if matches!(c, '，' | '。' | '！' | '？' | '；' | '、') || ascii_break {
            clauses.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    clauses.push(current);
    let kept: Vec<String> = clauses
        .into_iter()
        .map(|clause| clause.trim().to_owned())
        .filter(|clause| !clause.is_empty() && !PRESSURE.iter().any(|p| clause.starts_with(p)))
        .map(|clause| PRESSURE.iter().fold(clause, |c, p| c.replace(p, " ")))
        .collect();
    kept.join("，")
}

/// The units of an amount by their syllable, for [`restore_heard_units`]. 十 (shi) is left
/// out: 是 and 时 follow numerals in plain speech ("是三百", "三点时").
const UNIT_SYLLABLES: [(&str, char); 6] = [
    ("bai", '百'),
    ("qian", '千'),
    ("wan", '万'),
    ("kuai", '块'),
    ("yuan", '元'),
    ("mao", '毛'),
];

/// A unit of an amount written as another character with its sound, right after a numeral,
/// is that unit: a recognizer writes "两败" for 两百, "五百员" for 五百元, "一碗" for 一万 — and
/// read as written, "两败" would be ¥2. 钱 (qian) stays: "五块钱" is money, and a unit too
/// many is refused later rather than made up.
///
/// After a unit, 五 is restored the same way ("二百物" is 二百五, not ¥200): the trailing digit
/// people say most, whose syllable (wu) no particle after an amount shares. Other digits are
/// left as written — 吧, 就, 以, 儿 follow amounts in plain speech — and a character left over
/// after an amount keeps the amount from being read whole.
fn restore_heard_units(text: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::with_capacity(text.len());
    let mut after_numeral = false;
    let mut after_unit = false;
    for c in text.chars() {
        let numeral = crate::numbers::is_zh_numeral(c);
        let sound = (after_numeral && !numeral && c != '钱')
            .then(|| c.to_pinyin())
            .flatten()
            .map(|sound| sound.plain());
        let unit = sound.and_then(|sound| {
            UNIT_SYLLABLES
                .iter()
                .find(|(syllable, _)| *syllable == sound)
                .map(|&(_, unit)| unit)
        });
        let digit = (after_unit && sound == Some("wu")).then_some('五');
        let restored = unit.or(digit);
        let written = restored.unwrap_or(c);
        out.push(written);
        after_numeral = numeral || restored.is_some();
        after_unit = after_numeral && crate::numbers::zh_digit_value(written).is_none();
    }
    out
}

/// Full-width ASCII to ASCII, the ideographic space to a space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Keeps what matters for matching; punctuation becomes a space, except the decimal point
/// and thousands separator inside a number, an apostrophe inside a word and the currency
/// symbols. A hyphen parts words: whisper joins words it hears run together ("ice-mocca",
/// "triple-shot-ice", "sixty-five"), and each is matched as said.
fn strip_punctuation(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1].is_ascii_digit();
        let in_word = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphabetic()
            && chars[i + 1].is_alphabetic();
        let keep = c.is_alphanumeric()
            || matches!(c, '$' | '¥' | '￥')
            || (matches!(c, '.' | ',') && between_digits)
            || (matches!(c, '\'' | '’') && in_word);
        out.push(if keep {
            if c == '’' { '\'' } else { c }
        } else {
            ' '
        });
    }
    out
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Removes filler words. Chinese fillers are removed as substrings; English ones as words.
fn remove_fillers(locale: Locale, text: &str) -> String {
    match locale {
        Locale::ZhCn => {
            let mut out = text.to_owned();
            for filler in ZH_FILLERS {
                out = out.replace(filler, " ");
            }
            out.split_whitespace()
                .filter(|w| !ZH_STANDALONE_FILLERS.contains(w))
                .map(|w| {
                    w.strip_prefix('请')
                        .filter(|rest| !rest.is_empty())
                        .unwrap_or(w)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Locale::EnUs => text
            .split_whitespace()
            .filter(|w| !EN_FILLERS.contains(w))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Collapses stutters: "pay pay my bill", "我我我要转账". Two identical Chinese characters
/// stay (妈妈, 看看, 谢谢); three or more become one. Numerals are never collapsed.
fn collapse_repeats(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    for word in words {
        let numeric = word
            .chars()
            .any(|c| c.is_ascii_digit() || numbers::is_zh_numeral(c));
        if kept.last() == Some(&word) && !numeric && !numbers::is_en_number_word(word) {
            continue;
        }
        kept.push(word);
    }
    let joined = collapse_repeated_phrases(&kept.join(" "));
    let chars: Vec<char> = joined.chars().collect();
    let mut out = String::with_capacity(joined.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let keep = if is_cjk(c) && !numbers::is_zh_numeral(c) && run >= 3 {
            1
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, keep));
        i += run;
    }
    out
}

/// "算了算了" → "算了", "慢一点慢一点" → "慢一点": a Chinese phrase said twice. Phrases
/// with numerals stay ("二十二十" could be a number read digit by digit).
fn collapse_repeated_phrases(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut changed = true;
    while changed {
        changed = false;
        'scan: for length in (2..=4).rev() {
            for start in 0..chars.len().saturating_sub(2 * length - 1) {
                let first = &chars[start..start + length];
                let second = &chars[start + length..start + 2 * length];
                let words = first.iter().all(|c| is_cjk(*c))
                    && !first.iter().all(|c| numbers::is_zh_numeral(*c));
                if first == second && words {
                    chars.drain(start + length..start + 2 * length);
                    changed = true;
                    break 'scan;
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Where an amount-like run starts and ends (character offsets) in the text, last one first.
fn last_amount_span(locale: Locale, text: &str) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let is_part = |c: char| match locale {
        Locale::ZhCn => {
            numbers::is_zh_numeral(c)
                || c.is_ascii_digit()
                || matches!(c, '.' | '元' | '块' | '角' | '毛' | '分' | '¥' | '$' | '钱')
        }
        Locale::EnUs => c.is_ascii_digit() || matches!(c, '.' | '$' | ','),
    };
    let mut end = chars.len();
    while end > 0 && !is_part(chars[end - 1]) {
        end -= 1;
    }
    if end == 0 {
        return None;
    }
    let mut start = end;
    while start > 0 && is_part(chars[start - 1]) {
        start -= 1;
    }
    Some((start, end))
}

/// Words that open an aside in English speech when no punctuation marks it ("give David sixty
/// dollars for mowing the lawn", "wire fifty cents to Dave just to see if it works").
const EN_ASIDE_OPENERS: &[&str] = &[
    "because", "cause", "since", "for", "just", "so", "who", "which", "as", "she", "he", "they",
    "it's", "its",
];

/// The clauses of an utterance as said: split at clause punctuation (a comma between digits is
/// part of a number) and, in English, before words that open an aside. Used to set asides
/// apart ("给刘芳转八十块，她帮我买了菜") when the whole utterance matches nothing.
pub fn clauses(locale: Locale, raw: &str) -> Vec<String> {
    let half: String = raw.chars().map(half_width).collect();
    let chars: Vec<char> = half.chars().collect();
    let mut clauses = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1].is_ascii_digit();
        let boundary = matches!(
            c,
            ',' | '.' | '!' | '?' | ';' | ':' | '、' | '，' | '。' | '…'
        ) && !between_digits;
        if boundary {
            clauses.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    clauses.push(current);
    if locale == Locale::EnUs {
        clauses = clauses
            .into_iter()
            .flat_map(|clause| {
                let mut parts: Vec<String> = vec![String::new()];
                for word in clause.split_whitespace() {
                    let lowered = word.to_lowercase();
                    let last = parts.last().map(|p| !p.is_empty()).unwrap_or(false);
                    if last && EN_ASIDE_OPENERS.contains(&lowered.as_str()) {
                        parts.push(String::new());
                    }
                    if let Some(part) = parts.last_mut() {
                        if !part.is_empty() {
                            part.push(' ');
                        }
                        part.push_str(word);
                    }
                }
                parts
            })
            .collect();
    }
    clauses
        .into_iter()
        .filter(|clause| clause.chars().any(char::is_alphanumeric))
        .collect()
}

/// Whether a clause may be set aside as an aside: it must not take back, refuse or correct
/// anything ("不要", "别", "don't", "no") and must carry no amount — an amount is never
/// ignored.
pub fn may_set_aside(locale: Locale, clause: &str) -> bool {
    let plain = strip_punctuation(&clause.to_lowercase());
    match locale {
        Locale::ZhCn => {
            let chars: Vec<char> = plain.chars().collect();
            // "行不行" asks; it does not refuse.
            let refuses = chars.iter().enumerate().any(|(i, &c)| {
                c == '不' && !(i > 0 && i + 1 < chars.len() && chars[i - 1] == chars[i + 1])
            }) || ["别", "取消", "算了", "错"]
                .iter()
                .any(|w| plain.contains(w));
            !refuses && last_amount_span(locale, &plain).is_none()
        }
        Locale::EnUs => {
            const REFUSALS: &[&str] = &[
                "no",
                "not",
                "don't",
                "dont",
                "never",
                "cancel",
                "stop",
                "wait",
                "wrong",
                "nope",
                "didn't",
                "isn't",
                "instead",
                "actually",
                "mean",
                "sorry",
                "correction",
            ];
            !plain.split_whitespace().any(|word| {
                REFUSALS.contains(&word)
                    || (word != "and" && numbers::is_en_number_word(word))
                    || word.chars().any(|c| c.is_ascii_digit())
                    || matches!(word, "dollar" | "dollars" | "bucks" | "cents" | "grand")
            }) && !plain.contains('$')
        }
    }
}

/// The most self-corrections one utterance is read with; markers further back stay as said.
/// People correct themselves once or twice; the bound keeps hostile text linear.
const MAX_CORRECTIONS: usize = 8;

/// Applies the self-corrections: "转五百 不对 转三百" → "转三百"; "转五百 不对 三百" →
/// "转三百" (only the amount was corrected); "pay alice 50 no wait 60" → "pay alice 60". Each
/// correction applies to what precedes it as already corrected; worked from the first to the
/// last, without recursion.
fn apply_corrections(locale: Locale, text: &str) -> String {
    // The cuts, last first: the last marker of the text, then of what precedes it, and so on.
    let mut levels: Vec<(&str, usize, usize)> = Vec::new();
    let mut rest = text;
    while levels.len() < MAX_CORRECTIONS
        && let Some((at, len)) = last_marker(locale, rest)
    {
        levels.push((rest, at, len));
        rest = rest[..at].trim();
    }
    let mut corrected = rest.to_owned();
    for (level, at, len) in levels.into_iter().rev() {
        corrected = correct_once(locale, level, at, len, &corrected);
    }
    corrected
}

/// Where the last correction marker of `text` is, and its length: of markers ending at the
/// same place, the longest ("不对不对").
fn last_marker(locale: Locale, text: &str) -> Option<(usize, usize)> {
    correction_markers(locale)
        .iter()
        .filter_map(|m| rfind_marker(locale, text, m).map(|at| (at, m.len())))
        .max_by_key(|(at, len)| (*at + *len, *len))
}

/// One correction: `text` has its last marker at `at` (`len` bytes); `before` is what precedes
/// the marker, already corrected.
fn correct_once(locale: Locale, text: &str, at: usize, len: usize, before: &str) -> String {
    let after = text[at + len..].trim();
    if before.is_empty() {
        // Nothing said before it: "不对" is an answer (deny), not a correction.
        return text.to_owned();
    }
    if after.is_empty() {
        // "In total, I mean.": a trailing "I mean" explains, it corrects nothing.
        if locale == Locale::EnUs && text[at..].trim() == "i mean" {
            return before.to_owned();
        }
        // "金额不对": a complaint about what was heard (deny), not a correction.
        return text.to_owned();
    }
    let currency = match locale {
        Locale::ZhCn => tingshuo_base::money::Currency::CNY,
        Locale::EnUs => tingshuo_base::money::Currency::USD,
    };
    // "转五百，不对，转三百": the verb repeated before the new amount still corrects the amount.
    let parses = |text: &str| numbers::parse_amount(locale, text, currency).is_some();
    let leading_verb = match locale {
        Locale::ZhCn if !parses(after) => after
            .char_indices()
            .skip(1)
            .take(3)
            .map(|(i, _)| i)
            .find(|i| !after[..*i].chars().any(numbers::is_zh_numeral) && parses(&after[*i..])),
        _ => None,
    };
    let after = leading_verb.map_or(after, |i| &after[i..]);
    // "send fifty no seventy dollars to david": a new amount leading the correction.
    let words_after: Vec<&str> = after.split_whitespace().collect();
    let leading_amount = locale == Locale::EnUs
        && words_after.len() > 1
        && (1..words_after.len()).any(|k| parses(&words_after[..k].join(" ")));
    let only_amount = leading_amount || numbers::parse_amount(locale, after, currency).is_some();
    if only_amount && locale == Locale::EnUs {
        // Replace the last run of amount words: "send alice fifty dollars" + "sixty dollars".
        let words: Vec<&str> = before.split_whitespace().collect();
        let amount_word = |w: &str| {
            numbers::is_en_number_word(w)
                || w.chars().any(|c| c.is_ascii_digit() || c == '$')
                || matches!(
                    w,
                    "dollar" | "dollars" | "bucks" | "buck" | "cents" | "cent" | "yuan"
                )
        };
        if let Some(end) = words.iter().rposition(|w| amount_word(w)) {
            let start = words[..end]
                .iter()
                .rposition(|w| !amount_word(w))
                .map_or(0, |i| i + 1);
            let mut out: Vec<&str> = words[..start].to_vec();
            out.push(after);
            out.extend(&words[end + 1..]);
            return out.join(" ");
        }
    }
    if only_amount && let Some((start, end)) = last_amount_span(locale, before) {
        let chars: Vec<char> = before.chars().collect();
        let head: String = chars[..start].iter().collect();
        let tail: String = chars[end..].iter().collect();
        let glue = if locale == Locale::EnUs { " " } else { "" };
        return format!(
            "{}{glue}{after}{glue}{}",
            head.trim_end(),
            tail.trim_start()
        )
        .trim()
        .to_owned();
    }
    // "how much did i spend last week, no, this week": a new period replaces the last one.
    if locale == Locale::EnUs
        && let Some(corrected) = replace_last_period(before, after)
    {
        return corrected;
    }
    // "transfer 300 dollars to maria sorry to david": the correction restarts from the word
    // it repeats ("to", "给"), keeping what came before it.
    let first = match locale {
        Locale::EnUs => after.split_whitespace().next().map(str::to_owned),
        Locale::ZhCn => after.chars().next().map(String::from),
    };
    if let Some(first) = first {
        let cut = match locale {
            Locale::EnUs => {
                let words: Vec<&str> = before.split_whitespace().collect();
                words
                    .iter()
                    .rposition(|w| *w == first)
                    .map(|i| words[..i].join(" "))
            }
            Locale::ZhCn => before.rfind(first.as_str()).map(|i| before[..i].to_owned()),
        };
        if let Some(head) = cut {
            let glue = if locale == Locale::EnUs && !head.is_empty() {
                " "
            } else {
                ""
            };
            return format!("{head}{glue}{after}");
        }
    }
    // Nothing follows the last marker but the correction itself.
    after.to_owned()
}

/// Replaces the last English period phrase of `before` ("last week", "yesterday") when
/// `after` is nothing but a period phrase.
fn replace_last_period(before: &str, after: &str) -> Option<String> {
    const OPENERS: &[&str] = &["this", "last", "past"];
    const SINGLE: &[&str] = &["yesterday", "today"];
    let phrase_len = |words: &[&str], at: usize| -> Option<usize> {
        let word = *words.get(at)?;
        if SINGLE.contains(&word) {
            Some(1)
        } else if OPENERS.contains(&word) && words.len() > at + 1 {
            Some(2)
        } else {
            None
        }
    };
    let after_words: Vec<&str> = after.split_whitespace().collect();
    if phrase_len(&after_words, 0)? != after_words.len() {
        return None;
    }
    let words: Vec<&str> = before.split_whitespace().collect();
    let start = (0..words.len())
        .rev()
        .find(|&i| phrase_len(&words, i).is_some())?;
    let end = start + phrase_len(&words, start)?;
    let mut out: Vec<&str> = words[..start].to_vec();
    out.extend(&after_words);
    out.extend(&words[end..]);
    Some(out.join(" "))
}

/// Where a correction marker last occurs; English markers only as whole words ("no" is not
/// the end of "piano").
fn rfind_marker(locale: Locale, text: &str, marker: &str) -> Option<usize> {
    match locale {
        Locale::ZhCn => text.rfind(marker),
        Locale::EnUs => {
            let padded = format!(" {text} ");
            // In `padded` the match starts at the space before the marker: the marker's own index
            // in `text`.
            padded.rfind(&format!(" {marker} "))
        }
    }
}

/// "uh huh" and "mm hmm" say yes, however whisper spells them ("Mm-hm", "mhm", "uh-huh", "Uhh
/// huh"): each becomes one word in one spelling (`uh-huh`, `mm-hmm`) before fillers ("uh",
/// "hmm") are dropped.
fn spoken_yes_sounds_whole(plain: &str) -> String {
    // The letters with each run read once: "mhmm" is [m, h, m].
    fn runs(word: &str) -> Vec<char> {
        let mut letters: Vec<char> = word.chars().collect();
        letters.dedup();
        letters
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut index = 0;
    while let Some(&word) = words.get(index) {
        let next = words.get(index + 1).copied().unwrap_or_default();
        let (one, two) = (runs(word), runs(&format!("{word}{next}")));
        let whole = match (one.as_slice(), two.as_slice()) {
            (['m', 'h', 'm'], _) => Some(("mm-hmm", 1)),
            (['u', 'h', 'u', 'h'], _) => Some(("uh-huh", 1)),
            (['m'], ['m', 'h', 'm']) => Some(("mm-hmm", 2)),
            (['u', 'h'], ['u', 'h', 'u', 'h']) => Some(("uh-huh", 2)),
            _ => None,
        };
        let (word, taken) = whole.unwrap_or((word, 1));
        out.push(word);
        index += taken;
    }
    out.join(" ")
}

/// The text as matching sees it.
pub fn normalize(locale: Locale, raw: &str) -> String {
    without_repeats(&normalize_keeping_repeats(locale, raw))
}

/// [`normalize`] from what [`normalize_keeping_repeats`] made: words and phrases said twice
/// read once.
pub fn without_repeats(kept: &str) -> String {
    collapse_repeats(kept)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text in half-width forms and Simplified characters (轉賬 and 轉帳 as 转账), all else as
/// written: the first step of [`normalize`], and what words are looked for in.
pub fn simplified(raw: &str) -> String {
    let half: String = raw.chars().map(half_width).collect();
    fast2s::convert(&half).replace('帐', "账")
}

/// The text as matching sees it, with what was said twice kept: "a medium, medium roast" may be
/// one word for two slots (a size and a roast), not a stutter.
pub fn normalize_keeping_repeats(locale: Locale, raw: &str) -> String {
    let simplified = simplified(raw);
    let simplified = match locale {
        Locale::ZhCn => restore_heard_units(&simplified),
        Locale::EnUs => simplified,
    };
    let lowered = simplified.to_lowercase();
    let plain = strip_punctuation(&drop_pressure(&lowered));
    let plain = match locale {
        Locale::EnUs => spoken_yes_sounds_whole(&plain),
        Locale::ZhCn => plain.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let corrected = apply_corrections(locale, &plain);
    let unfilled = remove_fillers(locale, &corrected);
    unfilled.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizer_and_people_noise() {
        let zh = |t| normalize(Locale::ZhCn, t);
        assert_eq!(zh("轉賬給李偉兩百塊。"), "转账给李伟两百块");
        assert_eq!(zh("嗯，那个，我的余额是多少啊？"), "我的余额是多少");
        assert_eq!(zh("查一下帳戶餘額"), "查一下账户余额");
        assert_eq!(zh("我我我要转账"), "我要转账");
        assert_eq!(zh("看看我的账单"), "看看我的账单");
        assert_eq!(zh("算了算了"), "算了");
        assert_eq!(zh("慢一点慢一点"), "慢一点");
        assert_eq!(zh("不对"), "不对");
        assert_eq!(zh("快点说"), "快点说");
        assert_eq!(zh("转给李伟１２０元"), "转给李伟120元");
        assert_eq!(zh("给刘芳转两败"), "给刘芳转两百");
        assert_eq!(zh("转五百员"), "转五百元");
        assert_eq!(zh("转一碗五"), "转一万五");
        assert_eq!(zh("转三快"), "转三块");
        assert_eq!(zh("给张丽转二败物"), "给张丽转二百五");
        assert_eq!(zh("一万午"), "一万五");
        assert_eq!(zh("五物"), "五物");
        assert_eq!(zh("三百块吧"), "三百块吧");
        assert_eq!(zh("五块钱"), "五块钱");
        assert_eq!(zh("是三百是吧"), "是三百是吧");
        assert_eq!(zh("白天"), "白天");
        assert_eq!(zh("转一一零元"), "转一一零元");
        assert_eq!(zh("额，请帮我查一下余额"), "帮我查一下余额");
        assert_eq!(zh("我想申请挂失"), "我想申请挂失");
        assert_eq!(zh("给刘芳转五千块，急，别告诉我儿子"), "给刘芳转五千块");
        assert_eq!(
            normalize(
                Locale::EnUs,
                "Send David $900 right now, it's urgent, keep this secret."
            ),
            "send david $900"
        );
        let en = |t| normalize(Locale::EnUs, t);
        assert_eq!(
            en("Um, PAY my electricity bill, please!"),
            "pay my electricity bill"
        );
        assert_eq!(en("Send $1,250.00 to Alice."), "send $1,250.00 to alice");
        assert_eq!(en("what's my balance?"), "what's my balance");
        assert_eq!(en("pay pay my bill"), "pay my bill");
        assert_eq!(en("send fifty fifty dollars"), "send fifty fifty dollars");
        assert_eq!(en("Ice-mocha, triple-shot."), "ice mocha triple shot");
    }

    #[test]
    fn a_yes_sound_is_one_word_however_it_is_spelled() {
        let en = |t| normalize(Locale::EnUs, t);
        for (said, seen) in [
            ("Mm-hm, yes.", "mm-hmm yes"),
            ("Mm-hmm.", "mm-hmm"),
            ("mm hmm", "mm-hmm"),
            ("Mhm.", "mm-hmm"),
            ("Uh-huh.", "uh-huh"),
            ("uh huh, go ahead", "uh-huh go ahead"),
            ("Uhh, huh.", "uh-huh"),
            // Fillers stay fillers.
            ("Hmm, pay my bill.", "pay my bill"),
            ("Um, uh, what's my balance?", "what's my balance"),
        ] {
            assert_eq!(en(said), seen, "{said:?}");
        }
    }

    #[test]
    fn self_corrections() {
        let zh = |t| normalize(Locale::ZhCn, t);
        assert_eq!(zh("转五百，不对，转三百"), "转三百");
        assert_eq!(zh("给李伟转五百，不对，三百"), "给李伟转三百");
        assert_eq!(zh("给李伟转五百块钱，说错了，三百块钱"), "给李伟转三百块钱");
        assert_eq!(zh("金额不对"), "金额不对");
        assert_eq!(zh("给儿媳转一千，不对不对，转一千五"), "给儿媳转一千五");
        let en = |t| normalize(Locale::EnUs, t);
        assert_eq!(en("send alice $50, no wait, $60"), "send alice $60");
        assert_eq!(
            en("pay the gas bill, no wait, pay the water bill"),
            "pay the water bill"
        );
        assert_eq!(
            en("send my daughter fifty dollars, no wait, sixty dollars"),
            "send my daughter sixty dollars"
        );
        assert_eq!(
            en("send fifty no sixty no seventy dollars to david"),
            "send seventy dollars to david"
        );
        assert_eq!(
            en("transfer 300 dollars to maria, sorry, to david"),
            "transfer 300 dollars to david"
        );
        assert_eq!(en("no, that's not it"), "no that's not it");
        assert_eq!(
            en("I know nothing about piano"),
            "i know nothing about piano"
        );
        assert_eq!(zh("给李伟，哦不是，给王建国转两千"), "给王建国转两千");
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "",
            " ",
            "，。！",
            "\u{0}\u{7}\u{1b}[2J",
            "不对不对不对",
            "no wait",
            &"嗯".repeat(1000),
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ 🏦",
        ] {
            for locale in Locale::ALL {
                let _ = normalize(locale, text);
            }
        }
    }
}
