//! Matching normalized text against a context: every expression of every intent is tried
//! against the whole utterance; slots take spans whose text their type accepts. What matches
//! no expression is rejected (no intent), never forced onto the nearest one.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::context::{Builtin, Context, Element, SlotType, tokenize};
use super::normalize::normalize;
use super::numbers;
use crate::l10n::Locale;
use crate::money::{Currency, Money};

/// The longest span a slot may take, in tokens.
const MAX_SLOT_TOKENS: usize = 12;
/// The most words a `*` in an expression passes over: a purpose ("for a new pair of skis"),
/// not a second sentence.
const MAX_FREE_WORDS: usize = 6;
/// What each word under a `*` adds to a match: less than a word matched (1) and more than a
/// word skipped (−0.5), so the expression holds when what surrounds the `*` is said, and the
/// more the `*` has to cover, the lower the confidence.
const FREE_WORD_SCORE: f64 = 0.4;
/// Longer utterances are not commands; refusing them bounds the work per utterance.
const MAX_UTTERANCE_TOKENS: usize = 60;

/// Something of the customer's that a slot can name: the slot's value, and the phrases that
/// name it (its own name, and words such as "my son" or "电费").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub value: String,
    pub phrases: Vec<String>,
}

#[cfg(test)]
impl Named {
    /// An item named by its value and these phrases (for tests).
    pub(crate) fn called(value: &str, phrases: &[&str]) -> Named {
        let mut all = vec![value.to_owned()];
        all.extend(phrases.iter().map(|p| (*p).to_owned()));
        Named {
            value: value.to_owned(),
            phrases: all,
        }
    }
}

/// What the customer's data contributes to matching.
#[derive(Debug, Clone)]
pub struct World {
    pub locale: Locale,
    /// The currency of an amount that names none.
    pub currency: Currency,
    pub today: NaiveDate,
    /// Value: the payee's name as in the data.
    pub payees: Vec<Named>,
    /// Value: the biller's name.
    pub billers: Vec<Named>,
    /// Value: the last four digits.
    pub accounts: Vec<Named>,
    pub cards: Vec<Named>,
}

impl World {
    /// The customer's items a built-in slot names: payees, billers, accounts or cards (none
    /// for numbers, amounts and periods).
    pub(crate) fn named(&self, kind: Builtin) -> &[Named] {
        match kind {
            Builtin::Payee => &self.payees,
            Builtin::Biller => &self.billers,
            Builtin::Account => &self.accounts,
            Builtin::Card => &self.cards,
            Builtin::Money | Builtin::Count | Builtin::Period => &[],
        }
    }

    /// The world of one customer: their payees, billers, accounts and cards, named as the
    /// context's vocabulary says people name them.
    pub fn for_customer(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        customer: &crate::model::CustomerSnapshot,
    ) -> World {
        World::build(
            context,
            locale,
            today,
            customer.payees.iter(),
            customer.billers.iter(),
            customer.accounts.iter(),
            customer.cards.iter(),
        )
    }

    /// The same, from the unified view the customer hears about.
    pub fn for_view(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        view: &crate::view::CustomerView,
    ) -> World {
        World::build(
            context,
            locale,
            today,
            view.payees.iter().map(|t| &t.item),
            view.billers.iter().map(|t| &t.item),
            view.accounts.iter().map(|t| &t.item),
            view.cards.iter().map(|t| &t.item),
        )
    }

    fn build<'a>(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        payees: impl Iterator<Item = &'a crate::model::Payee>,
        billers: impl Iterator<Item = &'a crate::model::Biller>,
        accounts: impl Iterator<Item = &'a crate::model::Account>,
        cards: impl Iterator<Item = &'a crate::model::Card>,
    ) -> World {
        let vocabulary = &context.vocabulary;
        let words = |map: &BTreeMap<String, Vec<String>>, key: &str| {
            map.get(key).cloned().unwrap_or_default()
        };
        let payees = payees
            .map(|p| {
                let name = p.name.reveal().clone();
                let mut names = vec![name.clone()];
                // People say "Alice" for Alice Chen; two payees sharing it make it ambiguous.
                if let Some((given, _)) = name.split_once(' ') {
                    names.push(given.to_owned());
                }
                let relationships = words(&vocabulary.relationships, p.relationship.as_str());
                // "my neighbour David", "我儿子李伟": the relationship and the name together.
                let separator = match locale {
                    Locale::ZhCn => "",
                    Locale::EnUs => " ",
                };
                let together: Vec<String> = relationships
                    .iter()
                    .flat_map(|r| names.iter().map(move |n| format!("{r}{separator}{n}")))
                    .collect();
                let mut phrases = names;
                phrases.extend(relationships);
                phrases.extend(together);
                Named {
                    value: name,
                    phrases,
                }
            })
            .collect();
        let billers = billers
            .map(|b| {
                let mut phrases = vec![b.name.clone()];
                phrases.extend(words(&vocabulary.biller_categories, b.category.as_str()));
                Named {
                    value: b.name.clone(),
                    phrases,
                }
            })
            .collect();
        let accounts = accounts
            .map(|a| {
                let mut phrases = vec![a.name.clone()];
                phrases.extend(words(&vocabulary.account_kinds, a.kind.as_str()));
                Named {
                    value: a.number.reveal().last_four().to_owned(),
                    phrases,
                }
            })
            .collect();
        let cards = cards
            .map(|c| {
                let mut phrases = vec![c.name.clone()];
                phrases.extend(words(&vocabulary.card_kinds, c.kind.as_str()));
                Named {
                    value: c.number.reveal().last_four().to_owned(),
                    phrases,
                }
            })
            .collect();
        World {
            locale,
            currency: match locale {
                Locale::ZhCn => Currency::CNY,
                Locale::EnUs => Currency::USD,
            },
            today,
            payees,
            billers,
            accounts,
            cards,
        }
    }
}

/// A filled slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotValue {
    Text(String),
    Money(Money),
    Count(i64),
    Period { from: NaiveDate, to: NaiveDate },
}

/// The best reading of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    pub intent: String,
    pub slots: BTreeMap<String, SlotValue>,
    /// 0–1: how closely the words matched (1 when every token matched exactly).
    pub confidence: f64,
    /// Another intent or slot reading scored the same: the dialogue should ask.
    pub ambiguous: bool,
    /// For a slot whose words fit several of the customer's items equally well ("Alice" with
    /// two payees named Alice), every one of them: the dialogue asks which.
    pub alternatives: BTreeMap<String, Vec<String>>,
}

impl SlotValue {
    /// The canonical JSON form: amounts as `{"minor", "currency"}`, periods as `{"from", "to"}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            SlotValue::Text(text) => serde_json::Value::String(text.clone()),
            SlotValue::Money(money) => {
                serde_json::json!({"minor": money.minor(), "currency": money.currency().code()})
            }
            SlotValue::Count(count) => serde_json::json!(count),
            SlotValue::Period { from, to } => {
                serde_json::json!({"from": from.to_string(), "to": to.to_string()})
            }
        }
    }
}

impl Understanding {
    /// `{"intent": "transfer", "slots": {…}, "confidence": 0.93}`.
    pub fn to_json(&self) -> serde_json::Value {
        let slots: serde_json::Map<String, serde_json::Value> = self
            .slots
            .iter()
            .map(|(name, value)| (name.clone(), value.to_json()))
            .collect();
        let confidence = (self.confidence * 100.0).round() / 100.0;
        let mut json = serde_json::json!({"intent": self.intent, "slots": slots, "confidence": confidence, "ambiguous": self.ambiguous});
        if !self.alternatives.is_empty() {
            json["alternatives"] = serde_json::json!(self.alternatives);
        }
        json
    }

    /// What a rejected utterance prints.
    pub fn rejected_json() -> serde_json::Value {
        serde_json::json!({"intent": null})
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
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
fn similarity(expected: &str, heard: &str) -> f64 {
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
fn sound_key(word: &str) -> String {
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

fn join(locale: Locale, tokens: &[String]) -> String {
    match locale {
        Locale::ZhCn => tokens.concat(),
        Locale::EnUs => tokens.join(" "),
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

/// Values that tie, or nothing when one stands alone.
fn ties(values: Vec<String>) -> Vec<String> {
    if values.len() > 1 { values } else { Vec::new() }
}

/// The best-matching values for a span, with their score; several when they tie.
fn best_named(items: &[Named], span: &[String]) -> (Vec<String>, f64) {
    let mut best: (Vec<String>, f64) = (Vec::new(), 0.0);
    for item in items {
        let score = item
            .phrases
            .iter()
            .map(|p| phrase_similarity(&p.to_lowercase(), span))
            .fold(0.0, f64::max);
        if score > best.1 + 1e-9 {
            best = (vec![item.value.clone()], score);
        } else if score > 0.0 && (score - best.1).abs() < 1e-9 && !best.0.contains(&item.value) {
            best.0.push(item.value.clone());
        }
    }
    best
}

fn parse_count(locale: Locale, text: &str) -> Option<i64> {
    let value = text
        .parse::<u64>()
        .ok()
        .or_else(|| numbers::parse_zh_integer(text))
        .or_else(|| numbers::parse_en_integer(&text.split_whitespace().collect::<Vec<_>>()));
    let _ = locale;
    value
        .and_then(|v| i64::try_from(v).ok())
        .filter(|v| *v <= 1_000_000)
}

/// The words of the periods [`parse_period`] reads (Mandarin: phrases, split into characters
/// by whoever needs them).
const EN_PERIOD_WORDS: &[&str] = &[
    "today",
    "yesterday",
    "the",
    "day",
    "before",
    "this",
    "last",
    "past",
    "week",
    "weeks",
    "month",
    "months",
    "days",
    "since",
    "so",
    "far",
    "for",
    "in",
    "during",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const ZH_PERIOD_WORDS: &[&str] = &[
    "今天",
    "昨天",
    "前天",
    "本礼拜",
    "这个礼拜",
    "上个礼拜",
    "月份",
    "本周",
    "这周",
    "这个星期",
    "上周",
    "上星期",
    "本月",
    "上个月",
    "最近半年",
    "近半年",
    "这半年",
    "从周一到现在",
    "这周一以来",
    "从星期一到现在",
    "星期一以来",
    "天",
];

/// The words of the periods a locale's customers name.
pub(crate) fn period_words(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::ZhCn => ZH_PERIOD_WORDS,
        Locale::EnUs => EN_PERIOD_WORDS,
    }
}

/// Periods people name, relative to today.
fn parse_period(locale: Locale, text: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    // "in the last ten days", "for the past 60 days", "this month so far"
    let text = text
        .trim_end_matches(" so far")
        .trim_start_matches("so far ")
        .trim_start_matches("for ")
        .trim_start_matches("in ")
        .trim_start_matches("during ")
        .trim_start_matches("the ");
    let month_start = today.with_day(1)?;
    let week_start = days_before(today, u64::from(today.weekday().num_days_from_monday()))?;
    let yesterday = days_before(today, 1)?;
    let period = match (locale, text) {
        (Locale::ZhCn, "今天") | (Locale::EnUs, "today") => (today, today),
        (Locale::ZhCn, "昨天") | (Locale::EnUs, "yesterday") => (yesterday, yesterday),
        (Locale::ZhCn, "前天") | (Locale::EnUs, "day before yesterday") => {
            let day = days_before(yesterday, 1)?;
            (day, day)
        }
        (Locale::ZhCn, "本礼拜" | "这礼拜" | "这个礼拜") => (week_start, today),
        (Locale::ZhCn, "上礼拜" | "上个礼拜") => {
            (days_before(week_start, 7)?, days_before(week_start, 1)?)
        }
        (Locale::ZhCn, text)
            if text.ends_with("月份")
                || (text.ends_with('月')
                    && !text.contains('个')
                    && !matches!(text, "本月" | "上月")) =>
        {
            let number = text.trim_end_matches("份").trim_end_matches('月');
            let month =
                u32::try_from(numbers::parse_zh_integer(number).or_else(|| number.parse().ok())?)
                    .ok()?;
            let year = if month <= today.month() {
                today.year()
            } else {
                today.year() - 1
            };
            let from = NaiveDate::from_ymd_opt(year, month, 1)?;
            let to = days_before(from.checked_add_months(Months::new(1))?, 1)?.min(today);
            (from, to)
        }
        (Locale::ZhCn, "本周" | "这周" | "这个星期") | (Locale::EnUs, "this week") => {
            (week_start, today)
        }
        (Locale::ZhCn, "上周" | "上个星期" | "上星期") | (Locale::EnUs, "last week") => {
            (days_before(week_start, 7)?, days_before(week_start, 1)?)
        }
        (Locale::ZhCn, "本月" | "这个月") | (Locale::EnUs, "this month") => {
            (month_start, today)
        }
        (Locale::ZhCn, "上个月" | "上月") | (Locale::EnUs, "last month") => (
            month_start.checked_sub_months(Months::new(1))?,
            days_before(month_start, 1)?,
        ),
        (Locale::EnUs, text) if text.starts_with("since ") => {
            let weekday: Weekday = text.trim_start_matches("since ").parse().ok()?;
            let back =
                (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
            (days_before(today, u64::from(back))?, today)
        }
        (Locale::ZhCn, "最近半年" | "近半年" | "这半年") => back_from(today, 6, "month")?,
        (
            Locale::ZhCn,
            "从周一到现在" | "周一以来" | "这周一以来" | "从星期一到现在" | "星期一以来",
        ) => (week_start, today),
        (Locale::ZhCn, text) if text.starts_with("最近") || text.starts_with('近') => {
            let rest = text.trim_start_matches("最近").trim_start_matches('近');
            let (count, unit) = if let Some(n) = rest.strip_suffix("个月") {
                (n, "month")
            } else if let Some(n) = rest.strip_suffix("天") {
                (n, "day")
            } else if let Some(n) = rest.strip_suffix("周") {
                (n, "week")
            } else {
                return None;
            };
            let n = numbers::parse_zh_integer(count).or_else(|| count.parse().ok())?;
            back_from(today, n, unit)?
        }
        (Locale::EnUs, text) if text.starts_with("last ") || text.starts_with("past ") => {
            let words: Vec<&str> = text.split_whitespace().skip(1).collect();
            let (unit, count) = words.split_last()?;
            let n = if count.is_empty() {
                1
            } else {
                numbers::parse_en_integer(count).or_else(|| count.first()?.parse().ok())?
            };
            back_from(today, n, unit.trim_end_matches('s'))?
        }
        _ => return None,
    };
    Some(period)
}

/// The day `n` days before `date`, or `None` before the calendar's first day: a period is
/// never worth a panic, whatever clock the host reports.
fn days_before(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(n))
}

fn back_from(today: NaiveDate, n: u64, unit: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = match unit {
        "day" => days_before(today, n)?,
        "week" => days_before(today, n.checked_mul(7)?)?,
        "month" => today.checked_sub_months(Months::new(u32::try_from(n).ok()?))?,
        _ => return None,
    };
    Some((from, today))
}

/// What slots can draw on while matching.
struct Filler<'a> {
    context: &'a Context,
    world: &'a World,
}

impl Filler<'_> {
    /// Fills a slot from a span, with the span's score, or `None`.
    /// The value a span gives a slot, its score, and the tied values when several fit equally.
    fn fill(&self, kind: &SlotType, span: &[String]) -> Option<(SlotValue, f64, Vec<String>)> {
        let world = self.world;
        let text = join(world.locale, span);
        match kind {
            SlotType::Custom(name) => {
                let values: Vec<Named> = self
                    .context
                    .slots
                    .get(name)?
                    .iter()
                    .map(|v| Named {
                        value: v.clone(),
                        phrases: vec![v.clone()],
                    })
                    .collect();
                let (best, score) = best_named(&values, span);
                let value = best.first()?.clone();
                Some((SlotValue::Text(value), score, ties(best)))
            }
            SlotType::Builtin(Builtin::Money) => {
                numbers::parse_amount(world.locale, &text, world.currency)
                    .map(|m| (SlotValue::Money(m), 1.0, Vec::new()))
            }
            SlotType::Builtin(Builtin::Count) => {
                parse_count(world.locale, &text).map(|n| (SlotValue::Count(n), 1.0, Vec::new()))
            }
            SlotType::Builtin(Builtin::Period) => parse_period(world.locale, &text, world.today)
                .map(|(from, to)| (SlotValue::Period { from, to }, 1.0, Vec::new())),
            SlotType::Builtin(kind @ (Builtin::Payee | Builtin::Biller)) => {
                let (best, score) = best_named(world.named(*kind), span);
                let name = best.first()?.clone();
                Some((SlotValue::Text(name), score, ties(best)))
            }
            SlotType::Builtin(kind @ (Builtin::Account | Builtin::Card)) => {
                let items = world.named(*kind);
                // Said as digits ("6217", "六二一七", "thirty-nine twenty-one"; a recognizer
                // may write "3,921", or "$3,921" for "three thousand nine hundred twenty-one")
                // or by name ("信用卡", "savings").
                let digits: String = numbers::parse_zh_integer(&text)
                    .map(|n| format!("{n:04}"))
                    .or_else(|| {
                        let words: Vec<&str> = span.iter().map(String::as_str).collect();
                        numbers::parse_en_ending(&words)
                    })
                    .unwrap_or_else(|| text.replace([' ', ',', '$', '¥', '￥'], ""));
                let by_digits: Vec<String> = items
                    .iter()
                    .filter(|i| i.value == digits)
                    .map(|i| i.value.clone())
                    .collect();
                if let Some(first) = by_digits.first() {
                    return Some((SlotValue::Text(first.clone()), 1.0, ties(by_digits)));
                }
                let (best, score) = best_named(items, span);
                let first = best.first()?.clone();
                Some((SlotValue::Text(first), score, ties(best)))
            }
        }
    }
}

/// An expression compiled to an automaton: states joined by arcs that read one token, a slot
/// span, or nothing.
#[derive(Debug, Default)]
pub(crate) struct Automaton {
    pub(crate) arcs: Vec<Vec<(usize, Arc)>>,
}

#[derive(Debug, Clone)]
pub(crate) enum Arc {
    Empty,
    Token(String),
    Slot(SlotType, String),
    /// One to [`MAX_FREE_WORDS`] tokens of any kind.
    Words,
}

impl Automaton {
    pub(crate) fn state(&mut self) -> usize {
        self.arcs.push(Vec::new());
        self.arcs.len() - 1
    }

    pub(crate) fn compile(&mut self, elements: &[Element], from: usize, to: usize) {
        let mut current = from;
        for (index, element) in elements.iter().enumerate() {
            let next = if index + 1 == elements.len() {
                to
            } else {
                self.state()
            };
            match element {
                Element::Token(token) => self.arcs[current].push((next, Arc::Token(token.clone()))),
                Element::Slot { kind, name } => {
                    self.arcs[current].push((next, Arc::Slot(kind.clone(), name.clone())))
                }
                Element::Words => self.arcs[current].push((next, Arc::Words)),
                Element::Choice(alternatives) | Element::Optional(alternatives) => {
                    if matches!(element, Element::Optional(_)) {
                        self.arcs[current].push((next, Arc::Empty));
                    }
                    for alternative in alternatives {
                        if alternative.is_empty() {
                            self.arcs[current].push((next, Arc::Empty));
                        } else {
                            self.compile(alternative, current, next);
                        }
                    }
                }
            }
            current = next;
        }
        if elements.is_empty() {
            self.arcs[from].push((to, Arc::Empty));
        }
    }

    fn from_expression(elements: &[Element]) -> (Automaton, usize, usize) {
        let mut automaton = Automaton::default();
        let start = automaton.state();
        let accept = automaton.state();
        automaton.compile(elements, start, accept);
        (automaton, start, accept)
    }
}

/// The best way to be in a state having read a prefix of the utterance.
#[derive(Debug, Clone)]
struct Cell {
    /// Sum of token similarities matched so far.
    score: f64,
    /// Utterance tokens passed over without matching.
    skipped: usize,
    /// Light tokens (particles, pronouns, politeness) passed over.
    light_skipped: usize,
    slots: Vec<(String, SlotValue)>,
    tie: bool,
    /// Slots whose value tied between several items, with all of them.
    alternatives: Vec<(String, Vec<String>)>,
}

impl Cell {
    fn value(&self) -> f64 {
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

/// Words that carry little meaning in a command: passing over them costs little. Negations
/// are never light ("不要转" is not "转").
pub(crate) fn light_words(locale: Locale) -> &'static [&'static str] {
    const ZH: &[&str] = &[
        "帮", "我", "请", "的", "了", "吧", "嘛", "呢", "吗", "下", "个", "那", "这", "把", "就",
        "先", "想", "要", "你", "一", "些", "能", "可", "以", "还", "都", "们", "家", "啥", "麻",
        "烦", "谢", "问", "是",
    ];
    const EN: &[&str] = &[
        "the", "a", "an", "my", "me", "i", "please", "to", "for", "of", "can", "could", "would",
        "you", "just", "now", "right", "thanks", "thank", "hi", "hello", "okay", "ok", "so",
        "well", "oh", "hey", "is", "it", "that", "this", "in", "on", "at", "some", "kindly",
        "dear", "and",
    ];
    match locale {
        Locale::ZhCn => ZH,
        Locale::EnUs => EN,
    }
}

fn is_light(locale: Locale, token: &str) -> bool {
    light_words(locale).contains(&token)
}

/// The least confidence an understanding needs; below it the utterance is rejected.
pub const MIN_CONFIDENCE: f64 = 0.65;

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
fn align(filler: &Filler<'_>, elements: &[Element], tokens: &[String]) -> Option<Cell> {
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
                            if let Some((value, score, tied)) = filler.fill(kind, span) {
                                let mut next = cell.clone();
                                next.score += score * span.len() as f64;
                                next.tie |= !tied.is_empty();
                                if !tied.is_empty() {
                                    next.alternatives.push((name.clone(), tied));
                                }
                                next.slots.push((name.clone(), value));
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

/// Understands one utterance against a context, or returns `None` (no intent).
///
/// The whole utterance is tried first. When it matches nothing, an aside may be set apart:
/// "给刘芳转八十块，她帮我买了菜" is a transfer and a remark. Clauses are left out only when
/// they refuse or correct nothing, carry no amount and do not themselves ask for something
/// else; each one left out lowers the confidence.
pub fn understand(context: &Context, world: &World, utterance: &str) -> Option<Understanding> {
    understand_by_expressions(context, world, utterance)
        .or_else(|| guess_intent(context, world, utterance))
}

/// Understanding by the context's expressions alone, without its statistical fallback.
pub fn understand_by_expressions(
    context: &Context,
    world: &World,
    utterance: &str,
) -> Option<Understanding> {
    understand_whole(context, world, utterance)
        .or_else(|| understand_without_asides(context, world, utterance))
}

/// The context's statistical fallback, if it names one: an intent without slots, at a
/// confidence just above the least accepted (the dialogue asks for the details).
pub fn guess_intent(context: &Context, world: &World, utterance: &str) -> Option<Understanding> {
    let model = super::classifier::builtin(context.fallback.as_deref()?)?;
    let allowed: Vec<&str> = context.intents.iter().map(|i| i.name.as_str()).collect();
    let guess = model.guess(world.locale, utterance, &allowed)?;
    Some(Understanding {
        intent: guess.intent,
        slots: BTreeMap::new(),
        confidence: (MIN_CONFIDENCE
            + 0.3 * (guess.probability - super::classifier::ACCEPT_PROBABILITY))
            .min(0.8),
        ambiguous: false,
        alternatives: BTreeMap::new(),
    })
}

/// Beyond this many clauses an utterance is not a command with asides; the subsets tried grow
/// as 2^n.
const MAX_CLAUSES: usize = 5;
/// What each clause set aside costs, as a factor on confidence.
const ASIDE_FACTOR: f64 = 0.95;

fn understand_without_asides(
    context: &Context,
    world: &World,
    utterance: &str,
) -> Option<Understanding> {
    let clauses = super::normalize::clauses(world.locale, utterance);
    if clauses.len() < 2 || clauses.len() > MAX_CLAUSES {
        return None;
    }
    let asides: Vec<bool> = clauses
        .iter()
        .map(|clause| super::normalize::may_set_aside(world.locale, clause))
        .collect();
    let alone: Vec<Option<String>> = clauses
        .iter()
        .zip(&asides)
        .map(|(clause, aside)| {
            aside
                .then(|| understand_whole(context, world, clause).map(|u| u.intent))
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
        let Some(mut understood) = understand_whole(context, world, &kept.join(" ")) else {
            continue;
        };
        // A yes or no must be said plainly: "…, can you pay it" is not a confirmation.
        if matches!(understood.intent.as_str(), "confirm" | "deny") {
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

fn understand_whole(context: &Context, world: &World, utterance: &str) -> Option<Understanding> {
    let normalized = normalize(world.locale, utterance);
    let tokens = tokenize(&normalized);
    if tokens.is_empty() || tokens.len() > MAX_UTTERANCE_TOKENS {
        return None;
    }
    let filler = Filler { context, world };
    let mut best: Option<(Understanding, f64)> = None;
    let mut tie = false;
    for intent in &context.intents {
        for expression in &intent.expressions {
            let Some(cell) = align(&filler, expression, &tokens) else {
                continue;
            };
            let value = cell.value();
            // Light words passed over neither help nor count: "麻烦帮我看一下余额" is as clear
            // as "看一下余额".
            // Only when the match itself says something: "你好" is not "好" (confirm).
            let discounted = if cell.score >= 2.0 {
                cell.light_skipped
            } else {
                0
            };
            let meaningful = (tokens.len() - discounted).max(1);
            let confidence = (value / meaningful as f64).clamp(0.0, 1.0);
            if confidence < MIN_CONFIDENCE {
                continue;
            }
            match &best {
                Some((current, best_value)) if (value - best_value).abs() < 1e-9 => {
                    if current.intent != intent.name {
                        tie = true;
                    }
                }
                Some((_, best_value)) if *best_value > value => {}
                _ => {
                    tie = false;
                    best = Some((
                        Understanding {
                            intent: intent.name.clone(),
                            slots: cell.slots.into_iter().collect(),
                            confidence,
                            ambiguous: cell.tie,
                            alternatives: cell.alternatives.into_iter().collect(),
                        },
                        value,
                    ));
                }
            }
        }
    }
    best.map(|(mut understanding, _)| {
        understanding.ambiguous |= tie;
        understanding
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(value: &str, phrases: &[&str]) -> Named {
        Named::called(value, phrases)
    }

    fn world(locale: Locale) -> World {
        World {
            locale,
            currency: if locale == Locale::ZhCn {
                Currency::CNY
            } else {
                Currency::USD
            },
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            payees: vec![
                named("李伟", &["儿子"]),
                named("张丽", &[]),
                named("王建国", &[]),
                named("刘芳", &[]),
                named("Alice Chen", &["my daughter"]),
                named("Bob Wilson", &[]),
            ],
            billers: vec![
                named("国家电网", &["电费"]),
                named("City Electric", &["electric"]),
            ],
            accounts: vec![Named {
                value: "6217".into(),
                phrases: vec!["养老金账户".into(), "checking".into()],
            }],
            cards: vec![Named {
                value: "4580".into(),
                phrases: vec!["信用卡".into(), "credit card".into()],
            }],
        }
    }

    const ZH: &str = r#"
context:
  expressions:
    transfer:
      - "(我要)[给, 向]$ts.Payee:payee[转, 转账, 汇](@money)"
      - "[转, 转账](@money)[给]$ts.Payee:payee"
    balance:
      - "(我的)(@account)余额(是多少, 还有多少)"
      - "[查, 查询, 查一下](我的)(@account)余额"
  macros:
    money:
      - "$ts.Money:amount"
    account:
      - "$ts.Account:account"
"#;

    #[test]
    fn mandarin_transfers_and_balances() {
        let context = Context::from_yaml(ZH).unwrap();
        let w = world(Locale::ZhCn);
        let got = understand(&context, &w, "给李伟转两百块").unwrap();
        assert_eq!(got.intent, "transfer");
        assert_eq!(got.slots["payee"], SlotValue::Text("李伟".into()));
        assert_eq!(
            got.slots["amount"],
            SlotValue::Money(Money::from_minor(20_000, Currency::CNY))
        );
        assert!((got.confidence - 1.0).abs() < 1e-9);
        let corrected = understand(&context, &w, "嗯，给李伟转五百，不对，三百").unwrap();
        assert_eq!(
            corrected.slots["amount"],
            SlotValue::Money(Money::from_minor(30_000, Currency::CNY))
        );
        let traditional = understand(&context, &w, "轉賬兩百五給劉芳").unwrap();
        assert_eq!(traditional.slots["payee"], SlotValue::Text("刘芳".into()));
        assert_eq!(
            traditional.slots["amount"],
            SlotValue::Money(Money::from_minor(25_000, Currency::CNY))
        );
        assert_eq!(
            understand(&context, &w, "我的余额是多少").unwrap().intent,
            "balance"
        );
        let account = understand(&context, &w, "查一下养老金账户余额").unwrap();
        assert_eq!(account.slots["account"], SlotValue::Text("6217".into()));
        // Outside the context: rejected, not forced.
        for other in [
            "今天天气怎么样",
            "给李伟打电话",
            "",
            "转账",
            "给陌生人转两百",
        ] {
            assert_eq!(understand(&context, &w, other), None, "{other}");
        }
    }

    #[test]
    fn a_name_two_payees_share_is_ambiguous_and_asides_are_set_apart() {
        let yaml = r#"
context:
  expressions:
    transfer:
      - "[send, transfer] $ts.Money:amount to $ts.Payee:payee"
      - "[给]$ts.Payee:payee[转](@money)"
    confirm:
      - "[yes, pay it]"
  macros:
    money:
      - "$ts.Money:amount"
"#;
        let context = Context::from_yaml(yaml).unwrap();
        let mut w = world(Locale::EnUs);
        // As the world names them from the customer's data: full name and given name.
        w.payees.retain(|p| p.value != "Alice Chen");
        w.payees.push(named("Alice Chen", &["alice"]));
        w.payees.push(named("Alice Wong", &["alice"]));
        let got = understand(&context, &w, "send $20 to Alice").unwrap();
        assert!(got.ambiguous);
        assert_eq!(
            got.alternatives["payee"],
            vec!["Alice Chen".to_owned(), "Alice Wong".to_owned()]
        );
        assert_eq!(got.to_json()["alternatives"]["payee"][1], "Alice Wong");
        let full = understand(&context, &w, "send $20 to Alice Wong").unwrap();
        assert!(full.alternatives.is_empty());
        // An aside is set apart; one that refuses, carries an amount or asks for something
        // else is not, and a yes is never read out of a longer sentence.
        let aside = understand(
            &context,
            &w,
            "send $20 to Bob Wilson, because he mowed the lawn",
        );
        assert_eq!(aside.unwrap().intent, "transfer");
        for kept in [
            "send $20 to Bob Wilson, don't do it",
            "send $20 to Bob Wilson, and $30 to someone else",
            "I got a letter, pay it",
        ] {
            assert_eq!(understand(&context, &w, kept), None, "{kept}");
        }
        let zh = world(Locale::ZhCn);
        let aside = understand(&context, &zh, "给刘芳转八十块，她帮我买了菜").unwrap();
        assert_eq!(aside.slots["payee"], SlotValue::Text("刘芳".into()));
        assert!(aside.confidence < 1.0);
        assert_eq!(understand(&context, &zh, "给刘芳转八十块，不要转了"), None);
    }

    #[test]
    fn words_that_sound_alike_are_near_misses() {
        assert_eq!(sound_key("cancel"), sound_key("council"));
        assert!(similarity("cancel", "council") > 0.0);
        assert!(similarity("balance", "ballots") == 0.0);
        assert!(similarity("pay", "bay") == 0.0, "too short to guess");
        assert_eq!(similarity("transfer", "transfer"), 1.0);
    }

    #[test]
    fn english_with_near_misses() {
        let yaml = r#"
context:
  expressions:
    transfer:
      - "[send, transfer, pay] $ts.Money:amount to $ts.Payee:payee"
    pay_bill:
      - "pay (my) $ts.Biller:biller (bill)"
    transactions:
      - "(read) (me) (my) last $ts.Count:count transactions"
    spending:
      - "how much did i spend $ts.Period:period"
"#;
        let context = Context::from_yaml(yaml).unwrap();
        let w = world(Locale::EnUs);
        let got = understand(&context, &w, "Send $250 to Alice Chen, please.").unwrap();
        assert_eq!(got.intent, "transfer");
        assert_eq!(got.slots["payee"], SlotValue::Text("Alice Chen".into()));
        let near = understand(
            &context,
            &w,
            "send two hundred and fifty dollars to alise chen",
        )
        .unwrap();
        assert_eq!(near.slots["payee"], SlotValue::Text("Alice Chen".into()));
        assert!(
            near.confidence < 1.0 && near.confidence > 0.8,
            "{}",
            near.confidence
        );
        assert_eq!(
            understand(&context, &w, "pay my city electric bill")
                .unwrap()
                .intent,
            "pay_bill"
        );
        let count = understand(&context, &w, "read me my last five transactions").unwrap();
        assert_eq!(count.slots["count"], SlotValue::Count(5));
        let spent = understand(&context, &w, "how much did I spend last week").unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        assert_eq!(
            spent.slots["period"],
            SlotValue::Period {
                from: monday,
                to: monday + Days::new(6)
            }
        );
        assert_eq!(
            understand(&context, &w, "what is the meaning of life"),
            None
        );
    }

    #[test]
    fn an_ending_is_heard_however_it_is_said() {
        let yaml = r#"
context:
  expressions:
    balance:
      - "balance of (the) account ending (in) $ts.Account:account"
    lock_card:
      - "lock (the) card ending (in) $ts.Card:card"
"#;
        let context = Context::from_yaml(yaml).unwrap();
        let w = world(Locale::EnUs);
        for said in [
            "6217",
            "six two one seven",
            "sixty-two seventeen",
            "six thousand two hundred seventeen",
            // A recognizer's figures for the last, as if it were money.
            "$6,217",
        ] {
            let got = understand(
                &context,
                &w,
                &format!("balance of account ending in {said}"),
            );
            assert_eq!(
                got.map(|g| g.slots["account"].clone()),
                Some(SlotValue::Text("6217".into())),
                "{said}"
            );
        }
        let card = understand(&context, &w, "lock the card ending forty-five eighty").unwrap();
        assert_eq!(card.slots["card"], SlotValue::Text("4580".into()));
        // An ending the customer does not have names none of theirs.
        let other = understand(&context, &w, "lock the card ending forty-five eighty-one");
        assert_ne!(
            other.map(|o| o.slots["card"].clone()),
            Some(SlotValue::Text("4580".into()))
        );
    }

    #[test]
    fn free_words_cover_a_purpose_and_never_beat_a_named_slot() {
        let yaml = r#"
context:
  expressions:
    balance:
      - "do i have enough (money) in my $ts.Account:account (account) [to, for] *"
    pay_bill:
      - "pay (my) $ts.Biller:biller bill"
      - "pay (my) * bill"
"#;
        let context = Context::from_yaml(yaml).unwrap();
        let w = world(Locale::EnUs);
        let skis = understand(
            &context,
            &w,
            "do i have enough money in my checking account for a new pair of skis",
        )
        .unwrap();
        assert_eq!(skis.intent, "balance");
        assert_eq!(skis.slots["account"], SlotValue::Text("6217".into()));
        assert!(skis.confidence < 1.0, "{}", skis.confidence);
        // The customer's biller is named, not passed over.
        let named = understand(&context, &w, "pay my city electric bill").unwrap();
        assert_eq!(
            named.slots["biller"],
            SlotValue::Text("City Electric".into())
        );
        assert!(named.confidence > 0.99, "{}", named.confidence);
        let other = understand(&context, &w, "pay my tuition bill").unwrap();
        assert_eq!((other.intent.as_str(), other.slots.len()), ("pay_bill", 0));
        // A `*` covers a purpose, not a second sentence, and never stands for nothing.
        let rambling = "do i have enough money in my checking account for the trip my \
                        grandson keeps telling me about every single weekend";
        assert_eq!(understand(&context, &w, rambling), None);
        assert_eq!(understand(&context, &w, "pay bill"), None);
    }

    /// Any day chrono can represent, the calendar's first and last weeks and months often.
    fn any_day() -> impl proptest::strategy::Strategy<Value = NaiveDate> {
        use proptest::prelude::*;
        let (first, last) = (
            NaiveDate::MIN.num_days_from_ce(),
            NaiveDate::MAX.num_days_from_ce(),
        );
        prop_oneof![first..first + 62, last - 62..=last, first..=last,]
            .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    /// A period as people say it: a fixed phrase, or a count of days, weeks or months back,
    /// or a month by number (Mandarin), or a weekday (English); with or without the words
    /// around it.
    fn any_period_phrase() -> impl proptest::strategy::Strategy<Value = (Locale, String)> {
        use proptest::prelude::*;
        const EN_FIXED: &[&str] = &[
            "today",
            "yesterday",
            "the day before yesterday",
            "this week",
            "last week",
            "this month",
            "last month",
        ];
        const ZH_FIXED: &[&str] = &[
            "今天",
            "昨天",
            "前天",
            "本周",
            "上周",
            "本月",
            "上个月",
            "这个礼拜",
            "上个礼拜",
            "最近半年",
            "星期一以来",
        ];
        const ZH_COUNTS: &[&str] = &["一", "两", "三", "十", "十二", "一百", "3", "30"];
        let english = prop_oneof![
            proptest::sample::select(EN_FIXED).prop_map(str::to_owned),
            (
                0_u32..5000,
                proptest::sample::select(&["day", "days", "week", "weeks", "month", "months"][..])
            )
                .prop_map(|(n, unit)| format!("last {n} {unit}")),
            proptest::sample::select(&["monday", "wednesday", "sunday"][..])
                .prop_map(|day| format!("since {day}")),
        ];
        let english = (
            english,
            proptest::sample::select(&["", "in the ", "for the ", "during the "][..]),
            proptest::sample::select(&["", " so far"][..]),
        )
            .prop_map(|(period, before, after)| (Locale::EnUs, format!("{before}{period}{after}")));
        let chinese = prop_oneof![
            proptest::sample::select(ZH_FIXED).prop_map(str::to_owned),
            (
                proptest::sample::select(ZH_COUNTS),
                proptest::sample::select(&["天", "周", "个月"][..])
            )
                .prop_map(|(n, unit)| format!("最近{n}{unit}")),
            (1_u32..=13).prop_map(|month| format!("{month}月")),
        ]
        .prop_map(|period| (Locale::ZhCn, period));
        prop_oneof![english, chinese]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Whatever the text and whatever day the host's clock says, the period parser
        /// answers or declines; it never panics.
        #[test]
        fn no_text_or_day_makes_the_period_parser_panic(text in "\\PC{0,30}", today in any_day()) {
            for locale in Locale::ALL {
                let _ = parse_period(locale, &text, today);
            }
        }

        /// Every period understood runs forward and ends no later than today; a count of
        /// days back is exactly that many days.
        #[test]
        fn periods_run_forward_and_end_by_today((locale, phrase) in any_period_phrase(), today in any_day()) {
            if let Some((from, to)) = parse_period(locale, &phrase, today) {
                proptest::prop_assert!(from <= to && to <= today, "{} on {}: {} to {}", phrase, today, from, to);
                if let Some(n) = phrase.strip_prefix("last ").and_then(|rest| rest.strip_suffix(" days")) {
                    proptest::prop_assert_eq!((to - from).num_days(), n.parse::<i64>().unwrap());
                }
            }
        }
    }

    #[test]
    fn periods_are_understood_on_ordinary_days() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        for (locale, phrase) in [
            (Locale::EnUs, "in the last 30 days"),
            (Locale::EnUs, "since monday"),
            (Locale::EnUs, "last month"),
            (Locale::ZhCn, "最近三个月"),
            (Locale::ZhCn, "3月"),
            (Locale::ZhCn, "前天"),
            (Locale::EnUs, "the day before yesterday"),
        ] {
            assert!(parse_period(locale, phrase, day).is_some(), "{phrase}");
        }
        // The calendar's first day has no yesterday: declined, not a panic.
        assert_eq!(
            parse_period(Locale::EnUs, "yesterday", NaiveDate::MIN),
            None
        );
    }

    #[test]
    fn no_input_makes_matching_slow_or_panic() {
        let context = Context::from_yaml(ZH).unwrap();
        let w = world(Locale::ZhCn);
        let long = "给李伟转".repeat(200);
        for text in [
            long.as_str(),
            "\u{1b}[2J",
            "两两两两两两两两两两两两两两两两两两两两两两两两",
        ] {
            let _ = understand(&context, &w, text);
        }
    }
}
