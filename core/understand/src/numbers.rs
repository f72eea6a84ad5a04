//! Amounts and numbers in every form people and recognizers produce, in Mandarin and English:
//! 两百五十元, 二百五, 250块, 两块五, 一千零五十, 1.5万, ¥250, 250.00元; "two hundred and fifty
//! dollars", "$250", "a hundred and five", "250 bucks". Integer arithmetic only.
#![deny(clippy::float_arithmetic)]

use tingshuo_base::locale::Locale;
use tingshuo_base::money::{Currency, Money};

/// The value of one Chinese numeral character: digits, or a unit multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numeral {
    Digit(u64),
    Zero,
    /// 十 百 千 (10, 100, 1000).
    Unit(u64),
    /// 万 亿 (10^4, 10^8).
    Big(u64),
}

fn numeral(c: char) -> Option<Numeral> {
    Some(match c {
        '零' | '〇' | '○' | 'Ｏ' => Numeral::Zero,
        '一' | '壹' | '幺' => Numeral::Digit(1),
        '二' | '贰' | '两' | '俩' | '貳' | '兩' | '倆' => Numeral::Digit(2),
        '三' | '叁' => Numeral::Digit(3),
        '四' | '肆' => Numeral::Digit(4),
        '五' | '伍' => Numeral::Digit(5),
        '六' | '陆' | '陸' => Numeral::Digit(6),
        '七' | '柒' => Numeral::Digit(7),
        '八' | '捌' => Numeral::Digit(8),
        '九' | '玖' => Numeral::Digit(9),
        '十' | '拾' => Numeral::Unit(10),
        '百' | '佰' => Numeral::Unit(100),
        '千' | '仟' => Numeral::Unit(1000),
        '万' | '萬' => Numeral::Big(10_000),
        '亿' | '億' => Numeral::Big(100_000_000),
        _ => return None,
    })
}

/// The value of a Chinese digit (一 → 1, 两 → 2, 零 → 0); `None` for units and anything else.
pub fn zh_digit_value(c: char) -> Option<u64> {
    match numeral(c)? {
        Numeral::Digit(d) => Some(d),
        Numeral::Zero => Some(0),
        Numeral::Unit(_) | Numeral::Big(_) => None,
    }
}

/// Whether a character can be part of a Chinese number.
pub fn is_zh_numeral(c: char) -> bool {
    numeral(c).is_some()
}

/// A run of Chinese numerals as an integer: 一千零五十 → 1050, 二百五 → 250 (a trailing digit
/// after a unit counts in the next lower place), 十五 → 15, 两万 → 20000. A run of bare
/// digits is read digit by digit: 六二一七 → 6217. `None` when it overflows, is empty, or is no
/// number anyone says: units below 万 out of order ("十三百", which whisper writes for "是三百")
/// or repeated ("三百五百") are a mishearing, never a sum.
pub fn parse_zh_integer(text: &str) -> Option<u64> {
    let numerals: Vec<Numeral> = text.chars().map(numeral).collect::<Option<_>>()?;
    // "万" or "亿" alone counts nothing: it is no number ("万块" is not ¥0).
    if matches!(numerals.first(), None | Some(Numeral::Big(_))) {
        return None;
    }
    let has_unit = numerals
        .iter()
        .any(|n| matches!(n, Numeral::Unit(_) | Numeral::Big(_)));
    if !has_unit {
        // Digit by digit (card endings, years, phone numbers).
        return numerals.iter().try_fold(0_u64, |acc, n| {
            let d = match n {
                Numeral::Digit(d) => *d,
                _ => 0,
            };
            acc.checked_mul(10)?.checked_add(d)
        });
    }
    let mut total: u64 = 0; // completed 亿 and 万 groups
    let mut section: u64 = 0; // below 万
    let mut pending: Option<u64> = None; // a digit waiting for its unit
    let mut last_unit: u64 = 1; // the unit just used, for a trailing bare digit
    let mut section_unit: Option<u64> = None; // the smallest unit below 万 in this group
    let mut after_zero = false;
    for n in numerals {
        match n {
            // Two digits in a row where units are used ("五五百", "二二十") is no number anyone
            // says: a mishearing, never the last digit alone.
            Numeral::Digit(_) if pending.is_some() => return None,
            Numeral::Digit(d) => pending = Some(d),
            Numeral::Zero => {
                after_zero = true;
                pending = None;
            }
            Numeral::Unit(unit) => {
                if section_unit.is_some_and(|smallest| unit >= smallest) {
                    return None;
                }
                section_unit = Some(unit);
                let digit = pending.take().unwrap_or(1);
                section = section.checked_add(digit.checked_mul(unit)?)?;
                last_unit = unit;
                after_zero = false;
            }
            Numeral::Big(big) => {
                let group = section.checked_add(pending.take().unwrap_or(0))?;
                total = if big > 10_000 {
                    total.checked_add(group)?.checked_mul(big)?
                } else {
                    total.checked_add(group.checked_mul(big)?)?
                };
                section = 0;
                section_unit = None;
                last_unit = big;
                after_zero = false;
            }
        }
    }
    if let Some(digit) = pending {
        // 二百五 = 250, 一万五 = 15000; but 一百零五 = 105.
        let place = if after_zero || last_unit < 10 {
            1
        } else {
            last_unit / 10
        };
        section = section.checked_add(digit.checked_mul(place)?)?;
    }
    total.checked_add(section)
}

const EN_SMALL: &[(&str, u64)] = &[
    ("zero", 0),
    ("oh", 0),
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fourty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

const EN_SCALES: &[(&str, u64)] = &[
    ("thousand", 1_000),
    ("k", 1_000),
    ("grand", 1_000),
    ("million", 1_000_000),
    ("billion", 1_000_000_000),
];

/// Every word the number and amount parsers read in a locale (Mandarin: its characters, each
/// a word): what a recognizer limited to a context's words must still be able to write.
pub fn number_words(locale: Locale) -> Vec<&'static str> {
    match locale {
        Locale::ZhCn => ZH_NUMBER_WORDS.to_vec(),
        Locale::EnUs => EN_SMALL
            .iter()
            .chain(EN_SCALES)
            .map(|(word, _)| *word)
            .chain(EN_NUMBER_WORDS.iter().copied())
            .collect(),
    }
}

/// The Mandarin numerals ([`numeral`]) and unit words of amounts.
const ZH_NUMBER_WORDS: &[&str] = &[
    "零",
    "〇",
    "一",
    "壹",
    "幺",
    "二",
    "贰",
    "两",
    "俩",
    "三",
    "叁",
    "四",
    "肆",
    "五",
    "伍",
    "六",
    "陆",
    "七",
    "柒",
    "八",
    "捌",
    "九",
    "玖",
    "十",
    "拾",
    "百",
    "佰",
    "千",
    "仟",
    "万",
    "亿",
    "点",
    "人民币",
    "元",
    "块",
    "圆",
    "钱",
    "整",
    "美元",
    "美金",
    "美分",
    "角",
    "毛",
    "分",
];
/// English words of amounts besides [`EN_SMALL`] and [`EN_SCALES`] (see [`currency_word`] and
/// the minor units of [`parse_en_amount`]).
const EN_NUMBER_WORDS: &[&str] = &[
    "hundred", "and", "dollar", "dollars", "buck", "bucks", "usd", "yuan", "rmb", "kuai", "cent",
    "cents", "penny", "pennies",
];

/// Whether a word can be part of an English number.
pub fn is_en_number_word(word: &str) -> bool {
    let word = word.trim_end_matches(',');
    word == "hundred"
        || word == "and"
        || EN_SMALL.iter().any(|(w, _)| *w == word)
        || EN_SCALES.iter().any(|(w, _)| *w == word)
        || word
            .split('-')
            .all(|part| EN_SMALL.iter().any(|(w, _)| *w == part))
            && word.contains('-')
}

/// English number words as an integer: "two hundred and fifty" → 250, "a hundred and five" →
/// 105, "twenty-one thousand" → 21000. "a"/"an" count as one only before hundred or a scale.
/// Only well-formed numbers: each word must fill a place the words before it left open, so
/// "fifty and sixty", "five six" and "two thousand three thousand" are no number (they were
/// 110, 11 and 5000, and an amount said that way would have moved the wrong sum); "and" joins
/// only a hundred or a scale to what comes below it.
pub fn parse_en_integer(words: &[&str]) -> Option<u64> {
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut seen = false;
    let mut last_scale: Option<u64> = None;
    let tokens: Vec<&str> = words
        .iter()
        .flat_map(|w| w.split('-'))
        .map(|w| w.trim_end_matches(','))
        .filter(|w| !w.is_empty())
        .collect();
    let is_scale = |word: &str| EN_SCALES.iter().any(|(w, _)| *w == word);
    for (index, word) in tokens.iter().enumerate() {
        if *word == "and" {
            let joins = index > 0
                && (tokens[index - 1] == "hundred" || is_scale(tokens[index - 1]))
                && index + 1 < tokens.len();
            if !joins {
                return None;
            }
        } else if let Some((_, value)) = EN_SMALL.iter().find(|(w, _)| w == word) {
            let article = matches!(*word, "a" | "an");
            let next_is_multiplier = tokens
                .get(index + 1)
                .is_some_and(|n| *n == "hundred" || is_scale(n));
            if article && !next_is_multiplier {
                return None;
            }
            // Below a hundred a group is a ten and a unit at most: "twenty five", not "five six".
            let place_open = current.is_multiple_of(100)
                || (current.is_multiple_of(10) && current % 100 >= 20 && (1..10).contains(value));
            if !place_open {
                return None;
            }
            current = current.checked_add(*value)?;
            seen = true;
        } else if *word == "hundred" {
            if current >= 100 {
                return None;
            }
            current = current.max(1).checked_mul(100)?;
            seen = true;
        } else if let Some((_, scale)) = EN_SCALES.iter().find(|(w, _)| w == word) {
            if last_scale.is_some_and(|last| *scale >= last) {
                return None;
            }
            last_scale = Some(*scale);
            total = total.checked_add(current.max(1).checked_mul(*scale)?)?;
            current = 0;
            seen = true;
        } else {
            return None;
        }
    }
    seen.then(|| total.checked_add(current)).flatten()
}

/// A card or account ending said in English, as its digits: "three nine two one", "thirty-nine
/// twenty-one" and "three thousand nine hundred twenty-one" are all "3921"; "oh five" is "05".
/// `None` when the words are not such an ending.
pub fn parse_en_ending(words: &[&str]) -> Option<String> {
    let words: Vec<&str> = words
        .iter()
        .flat_map(|w| w.split('-'))
        .map(|w| w.trim_end_matches(','))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    if words.iter().any(|w| matches!(*w, "hundred" | "thousand")) {
        // One number: its digits, at least four ("nine hundred" ends in "0900").
        return parse_en_integer(&words).map(|n| format!("{n:04}"));
    }
    let value = |word: &str| match word {
        "o" => Some(0),
        "a" | "an" => None,
        w => EN_SMALL
            .iter()
            .find(|(small, _)| *small == w)
            .map(|(_, v)| *v),
    };
    let mut digits = String::new();
    let mut index = 0;
    while index < words.len() {
        let first = value(words[index])?;
        index += 1;
        // A ten ("thirty") takes the unit after it: "thirty nine" is 39, "thirty" alone 30.
        let unit = (first >= 20)
            .then(|| words.get(index).and_then(|w| value(w)))
            .flatten()
            .filter(|unit| (1..10).contains(unit) && words[index] != "oh");
        if let Some(unit) = unit {
            index += 1;
            digits.push_str(&(first + unit).to_string());
        } else {
            digits.push_str(&first.to_string());
        }
    }
    Some(digits)
}

/// Parses an Arabic decimal ("1,250.5", "１２") into an integer scaled to `digits` decimals,
/// refusing more precision than that.
fn parse_arabic(text: &str, digits: u32) -> Option<u64> {
    let cleaned: String = text
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            _ => c,
        })
        .collect();
    let (integer, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if integer.is_empty() && fraction.is_empty()
        || !integer.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > usize::try_from(digits).ok()?
    {
        return None;
    }
    let scale = 10_u64.pow(digits);
    let whole: u64 = if integer.is_empty() {
        0
    } else {
        integer.parse().ok()?
    };
    let padded = format!("{fraction:0<width$}", width = usize::try_from(digits).ok()?);
    let part: u64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    whole.checked_mul(scale)?.checked_add(part)
}

fn money(currency: Currency, minor: u64) -> Option<Money> {
    i64::try_from(minor)
        .ok()
        .map(|m| Money::from_minor(m, currency))
}

/// Whether `raw` says an amount below zero: "负两百", "减五十", "-50", "minus fifty",
/// "negative 20". Understanding reads the amount itself without its sign; the dialogue asks
/// again instead of moving money the customer did not mean.
pub fn says_a_negative_amount(locale: Locale, raw: &str) -> bool {
    let text = raw.to_lowercase();
    let chars: Vec<char> = text.chars().collect();
    let number_follows = |from: usize| {
        chars[from..]
            .iter()
            .find(|c| !c.is_whitespace() && !matches!(c, '$' | '¥' | '￥'))
            .is_some_and(|c| c.is_ascii_digit() || is_zh_numeral(*c))
    };
    let signed = chars.iter().enumerate().any(|(at, c)| {
        matches!(c, '-' | '－' | '−' | '负' | '減' | '减') && number_follows(at + 1)
    });
    let worded = locale == Locale::EnUs && {
        let words: Vec<&str> = text.split_whitespace().collect();
        words.windows(2).any(|pair| {
            matches!(pair[0], "minus" | "negative")
                && (is_en_number_word(pair[1].trim_start_matches('$'))
                    || pair[1]
                        .trim_start_matches('$')
                        .starts_with(|c: char| c.is_ascii_digit()))
        })
    };
    signed || worded
}

/// Currency words and symbols that may come before or after an amount.
fn currency_word(word: &str) -> Option<Currency> {
    match word {
        "¥" | "￥" | "元" | "块" | "圆" | "塊" | "人民币" | "rmb" | "cny" | "yuan" | "kuai" => {
            Some(Currency::CNY)
        }
        "$" | "＄" | "美元" | "美金" | "usd" | "dollar" | "dollars" | "buck" | "bucks" => {
            Some(Currency::USD)
        }
        _ => None,
    }
}

/// A whole phrase as an amount, or `None` when it is not exactly one amount. `locale_currency`
/// is used when the phrase names none ("转两百" → CNY for zh-CN).
pub fn parse_amount(locale: Locale, phrase: &str, locale_currency: Currency) -> Option<Money> {
    match locale {
        Locale::ZhCn => parse_zh_amount(phrase, locale_currency),
        Locale::EnUs => parse_en_amount(phrase, locale_currency),
    }
}

/// Mandarin amounts: [¥|人民币] number [元|块|圆][钱] [digit [角|毛]] [digit 分] [钱], with the
/// number in Chinese numerals, Arabic digits, or Arabic digits followed by 万/千/百.
fn parse_zh_amount(phrase: &str, default: Currency) -> Option<Money> {
    let mut text: String = phrase.chars().filter(|c| !c.is_whitespace()).collect();
    let mut currency = None;
    for prefix in ["人民币", "¥", "￥", "$", "＄", "RMB", "rmb"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            currency = currency_word(&prefix.to_lowercase());
            text = rest.to_owned();
        }
    }
    for suffix in ["钱", "整"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            text = rest.to_owned();
        }
    }
    // Dollars are read 十二美元五十美分: cents count to 99 after 美元, or alone.
    let cents = text.strip_suffix("美分").map(str::to_owned);
    if let Some(rest) = cents {
        let (dollars, cents_text) = match rest.find("美元") {
            Some(at) => (&rest[..at], &rest[at + "美元".len()..]),
            None => ("", rest.as_str()),
        };
        let cents = parse_zh_integer(cents_text)
            .or_else(|| cents_text.parse().ok())
            .filter(|c| *c < 100)?;
        let dollars = if dollars.is_empty() {
            0
        } else {
            parse_zh_quantity(dollars, 2)?
        };
        return money(Currency::USD, dollars.checked_add(cents)?);
    }
    // Split at the major-unit word, if any: 两块五 → ("两", "五"), 250.00元 → ("250.00", "").
    let mut major_text = text.clone();
    let mut minor_text = String::new();
    let mut major_word = false;
    for word in ["美元", "美金", "人民币", "元", "块", "圆", "塊"] {
        if let Some(at) = text.find(word) {
            currency = currency.or(currency_word(word));
            major_text = text[..at].to_owned();
            minor_text = text[at + word.len()..].to_owned();
            major_word = true;
            break;
        }
    }
    if !major_word && text.contains(['角', '毛', '分']) {
        // 五毛, 八分: only minor units.
        minor_text = std::mem::take(&mut major_text);
    }
    let currency = currency.unwrap_or(default);
    let per_major = u64::try_from(currency.minor_per_major()).ok()?;
    let digits = u32::from(currency.minor_digits());

    let major_minor = if major_text.is_empty() {
        0
    } else {
        parse_zh_quantity(&major_text, digits)?
    };
    let minor = parse_zh_minor(&minor_text, per_major)?;
    if major_text.is_empty() && minor_text.is_empty() {
        return None;
    }
    money(currency, major_minor.checked_add(minor)?)
}

/// A quantity in major units, scaled to minor units: 两百五十, 1.5万, 250.00, 3千.
fn parse_zh_quantity(text: &str, digits: u32) -> Option<u64> {
    let scale = 10_u64.pow(digits);
    // Numerals read digit by digit ("二五", "二贰伍") are endings and years, never an amount:
    // whisper writes them for 二百五 it half heard.
    let numerals: Option<Vec<Numeral>> = text.chars().map(numeral).collect();
    if numerals.is_some_and(|numerals| {
        numerals.len() > 1
            && !numerals
                .iter()
                .any(|n| matches!(n, Numeral::Unit(_) | Numeral::Big(_)))
    }) {
        return None;
    }
    if let Some(value) = parse_zh_integer(text) {
        return value.checked_mul(scale);
    }
    match spoken_decimal_as_arabic(text) {
        Some(arabic) => parse_arabic_quantity(&arabic, digits),
        None => parse_arabic_quantity(text, digits),
    }
}

/// Arabic digits, possibly with a decimal and a trailing 万/千/百, scaled to minor units.
fn parse_arabic_quantity(text: &str, digits: u32) -> Option<u64> {
    // Arabic digits, possibly with a decimal and a trailing 万/千/百: 1.5万 = 15000.
    let split = text
        .char_indices()
        .find(|(_, c)| {
            !(c.is_ascii_digit()
                || ('０'..='９').contains(c)
                || matches!(c, '.' | ',' | '．' | '，'))
        })
        .map_or(text.len(), |(i, _)| i);
    let (number, units) = text.split_at(split);
    if number.is_empty() {
        return None;
    }
    let mut multiplier: u64 = 1;
    for c in units.chars() {
        multiplier = multiplier.checked_mul(match numeral(c)? {
            Numeral::Unit(u) | Numeral::Big(u) => u,
            _ => return None,
        })?;
    }
    // Enough decimals for "1.5万" while keeping minor-unit precision.
    let extra = if multiplier > 1 { 4 } else { 0 };
    let scaled = parse_arabic(number, digits + extra)?;
    let value = scaled.checked_mul(multiplier)?;
    let divisor = 10_u64.pow(extra);
    (value % divisor == 0).then_some(value / divisor)
}

/// A decimal said in words, written in digits: 一点五万 → "1.5万", 三点二五 → "3.25": the
/// whole part a Chinese integer, each digit after 点 one numeral, then any 万/千/百. `None`
/// for anything else.
fn spoken_decimal_as_arabic(text: &str) -> Option<String> {
    let (whole, rest) = text.split_once('点')?;
    let whole = parse_zh_integer(whole)?;
    let fraction_len = rest
        .char_indices()
        .find(|(_, c)| !matches!(numeral(*c), Some(Numeral::Digit(_) | Numeral::Zero)))
        .map_or(rest.len(), |(i, _)| i);
    let (fraction, units) = rest.split_at(fraction_len);
    if fraction.is_empty()
        || !units
            .chars()
            .all(|c| matches!(numeral(c), Some(Numeral::Unit(_) | Numeral::Big(_))))
    {
        return None;
    }
    let fraction: String = fraction
        .chars()
        .map(|c| match numeral(c) {
            Some(Numeral::Digit(d)) => {
                char::from_digit(u32::try_from(d).unwrap_or(0), 10).unwrap_or('0')
            }
            _ => '0',
        })
        .collect();
    Some(format!("{whole}.{fraction}{units}"))
}

/// The part after 元/块: "五" or "五角" or "五毛三分" or "零五分" (in minor units).
fn parse_zh_minor(text: &str, per_major: u64) -> Option<u64> {
    if text.is_empty() {
        return Some(0);
    }
    if per_major != 100 {
        return None;
    }
    let text = text.trim_start_matches(['零', '〇']);
    let mut minor = 0_u64;
    let mut rest = text;
    if let Some(at) = rest.find(['角', '毛']) {
        let tenths = parse_zh_integer(&rest[..at]).or_else(|| rest[..at].parse().ok())?;
        if tenths > 9 {
            return None;
        }
        minor += tenths * 10;
        rest = &rest[at + '角'.len_utf8()..];
    }
    if let Some(at) = rest.find('分') {
        let hundredths = parse_zh_integer(&rest[..at]).or_else(|| rest[..at].parse().ok())?;
        if hundredths > 9 {
            return None;
        }
        minor += hundredths;
        rest = &rest[at + '分'.len_utf8()..];
    }
    if !rest.is_empty() {
        // 两块五: a bare digit after 块 means 角.
        if minor != 0 {
            return None;
        }
        let tenths = parse_zh_integer(rest).or_else(|| rest.parse().ok())?;
        if tenths > 9 {
            return None;
        }
        minor = tenths * 10;
    }
    Some(minor)
}

/// English amounts: "$250", "$12.50", "250 dollars", "two hundred and fifty dollars", "a
/// hundred and five", "250 bucks", "twelve dollars and fifty cents", "twelve dollars fifty",
/// "fifty cents".
fn parse_en_amount(phrase: &str, default: Currency) -> Option<Money> {
    // Recognizers write "eighty five dollars and forty cents" as "$85 and $0.40", and "one
    // hundred and five dollars fifty" as "$100 and $5.50": one amount, the second part filling
    // the places the first left empty. Two amounts that overlap ("$50 and $60") are none.
    if let Some((whole, rest)) = phrase.split_once(" and ")
        && whole.contains('$')
        && rest.trim_start().starts_with('$')
    {
        let whole = parse_en_amount(whole, default)?;
        let rest = parse_en_amount(rest, default)?;
        let per_major = whole.currency().minor_per_major();
        let major = whole.minor() / per_major;
        if whole.minor() % per_major != 0 || major == 0 {
            return None;
        }
        // After "hundred and", the places below the whole's first non-zero digit; else cents.
        let mut places = 1_i64;
        if major % 100 == 0 {
            while major % (places * 10) == 0 {
                places *= 10;
            }
        }
        return (whole.currency() == rest.currency()
            && rest.minor() < places * per_major
            && rest.minor() > 0)
            .then(|| {
                let sum = whole.minor().checked_add(rest.minor())?;
                money(whole.currency(), u64::try_from(sum).ok()?)
            })
            .flatten();
    }
    let lowered = phrase.to_lowercase().replace('$', " $ ").replace(',', "");
    let words: Vec<&str> = lowered.split_whitespace().collect();
    if words.last() == Some(&"and") {
        return None;
    }
    let mut currency = None;
    let mut major_words: Vec<&str> = Vec::new();
    let mut minor_words: Vec<&str> = Vec::new();
    let mut in_minor = false;
    let mut saw_major_unit = false;
    let mut minor_unit = false;
    for (index, word) in words.iter().enumerate() {
        if let Some(found) = currency_word(word) {
            currency = Some(found);
            saw_major_unit = *word != "$";
            // "twelve dollars fifty": what follows the major unit is its cents.
            if saw_major_unit && !major_words.is_empty() && index + 1 < words.len() {
                in_minor = true;
            }
            continue;
        }
        if matches!(*word, "cent" | "cents" | "fen" | "penny" | "pennies") {
            minor_unit = true;
            if !saw_major_unit {
                // "fifty cents": everything so far was cents.
                minor_words = std::mem::take(&mut major_words);
            }
            continue;
        }
        if *word == "and" && saw_major_unit && index + 1 < words.len() {
            in_minor = true;
            continue;
        }
        if in_minor {
            minor_words.push(word);
        } else {
            major_words.push(word);
        }
    }
    if in_minor && !minor_unit && minor_words.is_empty() {
        return None;
    }
    let currency = currency.unwrap_or(default);
    let digits = u32::from(currency.minor_digits());
    let scale = 10_u64.pow(digits);
    let major = if major_words.is_empty() {
        0
    } else if let [number] = major_words.as_slice()
        && let Some(value) = parse_arabic(number, digits)
    {
        value
    } else {
        parse_en_integer(&major_words)?.checked_mul(scale)?
    };
    let minor = if minor_words.is_empty() {
        0
    } else {
        let value = match minor_words.as_slice() {
            [number] if number.bytes().all(|b| b.is_ascii_digit()) => number.parse().ok()?,
            words => parse_en_integer(words)?,
        };
        if value >= scale {
            return None;
        }
        value
    };
    if major_words.is_empty() && minor_words.is_empty() {
        return None;
    }
    money(currency, major.checked_add(minor)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingshuo_l10n::spellout;

    #[test]
    fn a_negative_amount_is_noticed_and_a_lone_big_unit_is_no_number() {
        for (locale, said) in [
            (Locale::ZhCn, "给李伟转负两百块"),
            (Locale::ZhCn, "给李伟转-50"),
            (Locale::ZhCn, "转减五十"),
            (Locale::EnUs, "send minus fifty dollars to Bob"),
            (Locale::EnUs, "send -$50 to Bob"),
            (Locale::EnUs, "negative 20 to Alice"),
        ] {
            assert!(says_a_negative_amount(locale, said), "{said}");
        }
        for (locale, said) in [
            (Locale::ZhCn, "给李伟转两百块"),
            (Locale::ZhCn, "减肥"),
            (Locale::EnUs, "send fifty dollars to Mary-Ann"),
            (Locale::EnUs, "the minus sign"),
        ] {
            assert!(!says_a_negative_amount(locale, said), "{said}");
        }
        assert_eq!(parse_zh_integer("万"), None);
        assert_eq!(parse_amount(Locale::ZhCn, "万块", Currency::CNY), None);
        assert_eq!(parse_zh_integer("十"), Some(10));
    }

    #[test]
    fn every_reading_of_every_ending_is_heard_as_its_digits() {
        for n in 0..10_000 {
            let digits = format!("{n:04}");
            for reading in spellout::en_ending_readings(&digits) {
                let words: Vec<&str> = reading.split(' ').collect();
                assert_eq!(parse_en_ending(&words), Some(digits.clone()), "{reading}");
            }
        }
    }

    #[test]
    fn card_endings_said_every_way() {
        let ending = |text: &str| parse_en_ending(&text.split(' ').collect::<Vec<_>>());
        for said in [
            "three nine two one",
            "thirty-nine twenty-one",
            "thirty nine twenty one",
            "three nine twenty-one",
            "thirty-nine two one",
            "three thousand nine hundred twenty-one",
            "three thousand nine hundred and twenty one",
            "thirty-nine hundred twenty-one",
        ] {
            assert_eq!(ending(said).as_deref(), Some("3921"), "{said}");
        }
        assert_eq!(ending("oh five oh eight").as_deref(), Some("0508"));
        assert_eq!(ending("o five twelve").as_deref(), Some("0512"));
        assert_eq!(ending("forty oh five").as_deref(), Some("4005"));
        assert_eq!(ending("twenty twenty").as_deref(), Some("2020"));
        assert_eq!(ending("nine hundred").as_deref(), Some("0900"));
        for not_an_ending in ["", "the visa", "three dollars", "one two three four x"] {
            assert_eq!(ending(not_an_ending), None, "{not_an_ending}");
        }
    }

    fn zh(text: &str) -> Option<i64> {
        parse_amount(Locale::ZhCn, text, Currency::CNY).map(|m| m.minor())
    }

    fn en(text: &str) -> Option<i64> {
        parse_amount(Locale::EnUs, text, Currency::USD).map(|m| m.minor())
    }

    #[test]
    fn chinese_integers() {
        for (text, value) in [
            ("两百五十", 250),
            ("二百五", 250),
            ("一千零五十", 1050),
            ("十五", 15),
            ("十", 10),
            ("一百一十", 110),
            ("一百十", 110),
            ("两万", 20_000),
            ("一万五", 15_000),
            ("一千五", 1500),
            ("一百零五", 105),
            ("三千零二", 3002),
            ("十万零一十", 100_010),
            ("一亿二千万", 120_000_000),
            ("一万亿", 1_000_000_000_000),
            ("六二一七", 6217),
            ("二零二六", 2026),
            ("壹仟贰佰", 1200),
            ("兩百", 200),
            ("零", 0),
        ] {
            assert_eq!(parse_zh_integer(text), Some(value), "{text}");
        }
        assert_eq!(parse_zh_integer(""), None);
        // Units below 万 out of order or repeated: a mishearing ("是三百" written "十三百"),
        // never a sum such as 310.
        for misheard in [
            "十三百",
            "三百五百",
            "五十三千",
            "一千两千",
            "三十五十",
            "两万十三百",
        ] {
            assert_eq!(parse_zh_integer(misheard), None, "{misheard}");
            assert_eq!(zh(&format!("{misheard}块")), None, "{misheard}块");
        }
        // A new group after 万 or 亿 starts its units again.
        assert_eq!(parse_zh_integer("十万八千"), Some(108_000));
        assert_eq!(parse_zh_integer("三百万五百"), Some(3_000_500));
        assert_eq!(parse_zh_integer("五块"), None);
    }

    #[test]
    fn chinese_amounts() {
        for (text, minor) in [
            ("两百五十元", 25_000),
            ("二百五", 25_000),
            ("250块", 25_000),
            ("两块五", 250),
            ("一千零五十", 105_000),
            ("1.5万", 1_500_000),
            ("¥250", 25_000),
            ("250.00元", 25_000),
            ("三块五毛", 350),
            ("五毛", 50),
            ("八分", 8),
            ("一块零五分", 105),
            ("两百块钱", 20_000),
            ("人民币五百元整", 50_000),
            ("3千", 300_000),
            ("１２０元", 12_000),
            ("一千二百三十四元五角", 123_450),
            ("两万五千", 2_500_000),
            ("0.5元", 50),
            ("一点五万", 1_500_000),
            ("两点五万块", 2_500_000),
            ("三点五元", 350),
            ("一点二五", 125),
        ] {
            assert_eq!(zh(text), Some(minor), "{text}");
        }
        assert_eq!(
            parse_amount(Locale::ZhCn, "五十美元", Currency::CNY),
            Some(Money::from_minor(5000, Currency::USD))
        );
        for bad in [
            "",
            "元",
            "李伟",
            "两块五毛五",
            "1.234元",
            "一点",
            "点五",
            "一点五点五",
            "一点五李伟",
            "二贰伍",
            "两贰",
            "二五块",
            "五五百",
            "五十五角",
            "一二三四五六七八九零一二三四五六七八九零一",
        ] {
            assert_eq!(zh(bad), None, "{bad}");
        }
    }

    #[test]
    fn english_amounts() {
        for (text, minor) in [
            ("two hundred and fifty dollars", 25_000),
            ("$250", 25_000),
            ("a hundred and five", 10_500),
            ("250 bucks", 25_000),
            ("$12.50", 1250),
            ("twelve dollars and fifty cents", 1250),
            ("fifty cents", 50),
            ("one thousand two hundred thirty-four dollars", 123_400),
            ("$1,250.00", 125_000),
            ("twenty-five", 2500),
            ("a thousand dollars", 100_000),
            ("5 dollars and 5 cents", 505),
            ("three grand", 300_000),
            ("one dollar", 100),
            // A recognizer's figures for "eighty five dollars and forty cents".
            ("$85 and $0.40", 8540),
            // … and "one hundred and five dollars fifty", "two hundred and fifty dollars".
            ("$100 and $5.50", 10_550),
            ("$200 and $50", 25_000),
            ("$1,000 and $5", 100_500),
            ("twelve dollars fifty", 1250),
            ("105 dollars 50", 10_550),
            ("twenty five hundred dollars", 250_000),
            ("one thousand and five", 100_500),
        ] {
            assert_eq!(en(text), Some(minor), "{text}");
        }
        assert_eq!(
            parse_amount(Locale::EnUs, "fifty yuan", Currency::USD),
            Some(Money::from_minor(5000, Currency::CNY))
        );
        for bad in [
            "",
            "dollars",
            "alice",
            "a",
            "$12.505",
            "ten dollars and",
            "two dollars and two hundred cents",
            "$85 and $1.40",
            "$85.50 and $0.40",
            // Two amounts, not one: none of them is to be moved.
            "$50 and $60",
            "$100 and $100",
            "$100 and $150",
            "fifty and sixty dollars",
            "five six dollars",
            "two thousand three thousand",
            "twenty twelve",
            "two hundred hundred",
            "fifty and",
        ] {
            assert_eq!(en(bad), None, "{bad}");
        }
    }

    #[test]
    fn spoken_forms_parse_back_to_themselves() {
        for minor in [
            1_i64,
            5,
            10,
            50,
            99,
            100,
            105,
            250,
            25_000,
            123_450,
            123_405,
            1_000_000,
            10_000_000_000,
            999_999_999,
        ] {
            for currency in [Currency::CNY, Currency::USD] {
                let amount = Money::from_minor(minor, currency);
                for locale in Locale::ALL {
                    let words = spellout::money_words(locale, amount);
                    assert_eq!(
                        parse_amount(locale, &words, currency),
                        Some(amount),
                        "{locale}: {words}"
                    );
                }
            }
        }
    }

    /// Amounts in minor units, as people move them: mostly everyday sums (a cent to a thousand
    /// units), whole units, cents alone, round numbers and just off them, numbers with zeros
    /// inside (一千零五十, "one thousand and fifty"), the edges of 万 and 亿, and the full
    /// range up to 10¹³.
    fn amounts() -> impl proptest::strategy::Strategy<Value = i64> {
        use proptest::prelude::*;
        const EDGES: &[i64] = &[
            0,
            1,
            9,
            10,
            11,
            99,
            100,
            101,
            105,
            110,
            1_000,
            1_001,
            1_010,
            1_099,
            9_999,
            10_000,
            10_001,
            100_000,
            100_005,
            999_999,
            1_000_000,
            1_000_001,
            1_000_100,
            99_999_999,
            100_000_000,
            100_000_001,
            9_999_999_999,
            10_000_000_000,
            10_000_000_001,
            10_000_000_100,
            1_000_000_000_000,
            9_999_999_999_999,
        ];
        prop_oneof![
            4 => 1_i64..=100_000,
            2 => (1_i64..=10_000).prop_map(|major| major * 100),
            1 => 0_i64..100,
            2 => (1_i64..=9, 0_u32..=12, 0_usize..4).prop_map(|(digit, place, off)| {
                let round = digit * 10_i64.pow(place);
                round + [0, 1, 5, 10_i64.pow(place / 2)][off]
            }),
            2 => proptest::collection::vec(prop_oneof![3 => Just(0_i64), 2 => 1_i64..=9], 1..=13)
                .prop_map(|digits| digits.iter().fold(0, |n, d| n * 10 + d)),
            1 => proptest::sample::select(EDGES),
            1 => 0_i64..10_000_000_000_000,
        ]
    }

    /// Whether the units of `minor` (its part before the cents) have a zero followed by a
    /// non-zero digit: the forms with 零 and "and".
    fn zero_inside(minor: i64) -> bool {
        let units = (minor / 100).to_string();
        units.trim_end_matches('0').contains('0')
    }

    #[test]
    fn any_amount_spoken_parses_back() {
        use proptest::test_runner::{Config, TestCaseError, TestRunner};
        use std::cell::RefCell;

        let reached = RefCell::new(Vec::<(&str, usize)>::new());
        let hit = |what: &'static str| {
            let mut reached = reached.borrow_mut();
            match reached.iter_mut().find(|(name, _)| *name == what) {
                Some((_, count)) => *count += 1,
                None => reached.push((what, 1)),
            }
        };
        let cases = 2_000;
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(
            &(amounts(), proptest::bool::ANY),
            |(minor, dollars)| -> Result<(), TestCaseError> {
                let (currency, other) = if dollars {
                    (Currency::USD, Currency::CNY)
                } else {
                    (Currency::CNY, Currency::USD)
                };
                let amount = Money::from_minor(minor, currency);
                hit("the spoken and displayed forms parsed back");
                if minor >= 100 {
                    hit("the currency named by the words");
                }
                for (what, holds) in [
                    (
                        "an everyday amount (a cent to 1,000 units)",
                        (1..=100_000).contains(&minor),
                    ),
                    ("cents", minor % 100 != 0),
                    ("whole units", minor > 0 && minor % 100 == 0),
                    ("no cents and no units", minor == 0),
                    ("a zero inside the units", zero_inside(minor)),
                    ("10,000 units (万) or more", minor >= 1_000_000),
                    ("100,000,000 units (亿) or more", minor >= 10_000_000_000),
                ] {
                    if holds {
                        hit(what);
                    }
                }
                for locale in Locale::ALL {
                    let words = spellout::money_words(locale, amount);
                    proptest::prop_assert_eq!(
                        parse_amount(locale, &words, currency),
                        Some(amount),
                        "{}",
                        words
                    );
                    let display = spellout::money_display(locale, amount);
                    let plain = display.trim_start_matches(|c: char| !c.is_ascii_digit());
                    proptest::prop_assert_eq!(
                        parse_amount(locale, plain, currency),
                        Some(amount),
                        "{}",
                        display
                    );
                    // Units said name their currency: heard with the other one as the
                    // default, they are still this amount.
                    if minor >= 100 {
                        proptest::prop_assert_eq!(
                            parse_amount(locale, &words, other),
                            Some(amount),
                            "{}",
                            words
                        );
                    }
                    // The locale's own currency symbol is read as that currency.
                    let own = match locale {
                        Locale::ZhCn => Currency::CNY,
                        Locale::EnUs => Currency::USD,
                    };
                    if currency == own {
                        // One locale in each case: this counts cases.
                        hit("the currency named by the displayed symbol");
                        proptest::prop_assert_eq!(
                            parse_amount(locale, &display, other),
                            Some(amount),
                            "{}",
                            display
                        );
                    }
                }
                Ok(())
            },
        );
        if let Err(error) = result {
            panic!("any_amount_spoken_parses_back: {error}");
        }
        let reached = reached.into_inner();
        println!("any_amount_spoken_parses_back: {cases} cases");
        for (what, count) in &reached {
            println!("  {count:>5} reached {what}");
        }
        let count = |what: &str| {
            reached
                .iter()
                .find(|(name, _)| *name == what)
                .map_or(0, |(_, count)| *count)
        };
        for (what, share) in [
            ("the spoken and displayed forms parsed back", 1.0),
            ("an everyday amount (a cent to 1,000 units)", 0.3),
            ("cents", 0.3),
            ("whole units", 0.2),
            ("a zero inside the units", 0.1),
            ("10,000 units (万) or more", 0.1),
            ("100,000,000 units (亿) or more", 0.03),
        ] {
            let count = count(what);
            assert!(
                count as f64 >= share * f64::from(cases),
                "only {count} of {cases} cases reached {what:?} (at least {:.0}% must)",
                share * 100.0
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn no_input_makes_a_parser_panic(text in "\\PC{0,40}") {
            for locale in Locale::ALL {
                let _ = parse_amount(locale, &text, Currency::CNY);
            }
            let _ = parse_zh_integer(&text);
            let words: Vec<&str> = text.split_whitespace().collect();
            let _ = parse_en_integer(&words);
        }

        #[test]
        fn numeral_soup_never_panics(text in "[零一二两三四五六七八九十百千万亿元块角毛分美0-9.,$ ]{0,30}") {
            for locale in Locale::ALL {
                let _ = parse_amount(locale, &text, Currency::USD);
            }
        }
    }
}
