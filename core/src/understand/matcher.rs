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
/// A bound on the search, so no input can make matching slow.
const MAX_STEPS: usize = 200_000;

/// What the customer's data contributes to matching.
#[derive(Debug, Clone)]
pub struct World {
    pub locale: Locale,
    /// The currency of an amount that names none.
    pub currency: Currency,
    pub today: NaiveDate,
    pub payees: Vec<String>,
    pub billers: Vec<String>,
    /// (last four digits, kind words that name it)
    pub accounts: Vec<(String, Vec<String>)>,
    pub cards: Vec<(String, Vec<String>)>,
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
}

#[derive(Debug, Clone)]
struct Partial {
    pos: usize,
    slots: Vec<(String, SlotValue)>,
    score: f64,
}

struct Search<'a> {
    tokens: &'a [String],
    context: &'a Context,
    world: &'a World,
    steps: usize,
    done: Vec<Partial>,
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

/// How well a heard token stands for an expected one: exact 1, a near miss less, else 0.
fn similarity(expected: &str, heard: &str) -> f64 {
    if expected == heard {
        return 1.0;
    }
    let length = expected.chars().count().min(heard.chars().count());
    if length < 4 || !expected.is_ascii() {
        return 0.0;
    }
    match levenshtein(expected, heard) {
        1 => 0.85,
        2 if length >= 7 => 0.7,
        _ => 0.0,
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
        .map(|(e, h)| similarity(e, h))
        .collect();
    if scores.contains(&0.0) {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

/// The best-matching names for a span, with their score; several when they tie.
fn best_names(names: &[String], span: &[String]) -> (Vec<String>, f64) {
    let mut best: (Vec<String>, f64) = (Vec::new(), 0.0);
    for name in names {
        let score = phrase_similarity(&name.to_lowercase(), span);
        if score > best.1 + 1e-9 {
            best = (vec![name.clone()], score);
        } else if score > 0.0 && (score - best.1).abs() < 1e-9 {
            best.0.push(name.clone());
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

/// Periods people name, relative to today.
fn parse_period(locale: Locale, text: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let month_start = today.with_day(1)?;
    let week_start = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let period = match (locale, text) {
        (Locale::ZhCn, "今天") | (Locale::EnUs, "today") => (today, today),
        (Locale::ZhCn, "昨天") | (Locale::EnUs, "yesterday") => {
            (today - Days::new(1), today - Days::new(1))
        }
        (Locale::ZhCn, "本周" | "这周" | "这个星期") | (Locale::EnUs, "this week") => {
            (week_start, today)
        }
        (Locale::ZhCn, "上周" | "上个星期" | "上星期") | (Locale::EnUs, "last week") => {
            (week_start - Days::new(7), week_start - Days::new(1))
        }
        (Locale::ZhCn, "本月" | "这个月") | (Locale::EnUs, "this month") => {
            (month_start, today)
        }
        (Locale::ZhCn, "上个月" | "上月") | (Locale::EnUs, "last month") => (
            month_start.checked_sub_months(Months::new(1))?,
            month_start - Days::new(1),
        ),
        (Locale::EnUs, text) if text.starts_with("since ") => {
            let weekday: Weekday = text.trim_start_matches("since ").parse().ok()?;
            let back =
                (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
            (today - Days::new(u64::from(back)), today)
        }
        (Locale::ZhCn, text) if text.starts_with("最近") => {
            let rest = text.trim_start_matches("最近");
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

fn back_from(today: NaiveDate, n: u64, unit: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = match unit {
        "day" => today.checked_sub_days(Days::new(n))?,
        "week" => today.checked_sub_days(Days::new(n.checked_mul(7)?))?,
        "month" => today.checked_sub_months(Months::new(u32::try_from(n).ok()?))?,
        _ => return None,
    };
    Some((from, today))
}

impl Search<'_> {
    /// Fills a slot from a span, with the span's score, or `None`.
    fn fill(&self, kind: &SlotType, span: &[String]) -> Option<(SlotValue, f64, bool)> {
        let world = self.world;
        let text = join(world.locale, span);
        match kind {
            SlotType::Custom(name) => {
                let values = self.context.slots.get(name)?;
                let (best, score) = best_names(values, span);
                let value = best.first()?.clone();
                Some((SlotValue::Text(value), score, best.len() > 1))
            }
            SlotType::Builtin(Builtin::Money) => {
                numbers::parse_amount(world.locale, &text, world.currency)
                    .map(|m| (SlotValue::Money(m), 1.0, false))
            }
            SlotType::Builtin(Builtin::Count) => {
                parse_count(world.locale, &text).map(|n| (SlotValue::Count(n), 1.0, false))
            }
            SlotType::Builtin(Builtin::Period) => parse_period(world.locale, &text, world.today)
                .map(|(from, to)| (SlotValue::Period { from, to }, 1.0, false)),
            SlotType::Builtin(kind @ (Builtin::Payee | Builtin::Biller)) => {
                let names = if *kind == Builtin::Payee {
                    &world.payees
                } else {
                    &world.billers
                };
                let (best, score) = best_names(names, span);
                let name = best.first()?.clone();
                Some((SlotValue::Text(name), score, best.len() > 1))
            }
            SlotType::Builtin(kind @ (Builtin::Account | Builtin::Card)) => {
                let items = if *kind == Builtin::Account {
                    &world.accounts
                } else {
                    &world.cards
                };
                let digits: String = numbers::parse_zh_integer(&text)
                    .map(|n| format!("{n:04}"))
                    .unwrap_or_else(|| text.replace(' ', ""));
                let mut found: Vec<String> = items
                    .iter()
                    .filter(|(last4, _)| *last4 == digits)
                    .map(|(l, _)| l.clone())
                    .collect();
                if found.is_empty() {
                    found = items
                        .iter()
                        .filter(|(_, words)| {
                            words
                                .iter()
                                .any(|w| phrase_similarity(&w.to_lowercase(), span) >= 0.85)
                        })
                        .map(|(l, _)| l.clone())
                        .collect();
                }
                let first = found.first()?.clone();
                Some((SlotValue::Text(first), 1.0, found.len() > 1))
            }
        }
    }

    fn run(&mut self, elements: &[Element], partial: Partial, ambiguous: &mut bool) {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return;
        }
        let Some((first, rest)) = elements.split_first() else {
            if partial.pos == self.tokens.len() {
                self.done.push(partial);
            }
            return;
        };
        match first {
            Element::Token(expected) => {
                if let Some(heard) = self.tokens.get(partial.pos) {
                    let score = similarity(expected, heard);
                    if score > 0.0 {
                        let next = Partial {
                            pos: partial.pos + 1,
                            score: partial.score + score,
                            ..partial
                        };
                        self.run(rest, next, ambiguous);
                    }
                }
            }
            Element::Slot { kind, name } => {
                let last = (partial.pos + MAX_SLOT_TOKENS).min(self.tokens.len());
                for end in partial.pos + 1..=last {
                    let span = &self.tokens[partial.pos..end];
                    if let Some((value, score, tie)) = self.fill(kind, span) {
                        let mut next = partial.clone();
                        next.pos = end;
                        next.score += score * span.len() as f64;
                        next.slots.push((name.clone(), value));
                        let before = self.done.len();
                        self.run(rest, next, ambiguous);
                        if tie && self.done.len() > before {
                            *ambiguous = true;
                        }
                    }
                }
            }
            Element::Choice(alternatives) | Element::Optional(alternatives) => {
                if matches!(first, Element::Optional(_)) {
                    self.run(rest, partial.clone(), ambiguous);
                }
                for alternative in alternatives {
                    let combined: Vec<Element> = alternative.iter().chain(rest).cloned().collect();
                    self.run(&combined, partial.clone(), ambiguous);
                }
            }
        }
    }
}

/// Understands one utterance against a context, or returns `None` (no intent).
pub fn understand(context: &Context, world: &World, utterance: &str) -> Option<Understanding> {
    let normalized = normalize(world.locale, utterance);
    let tokens = tokenize(&normalized);
    if tokens.is_empty() {
        return None;
    }
    let mut best: Option<Understanding> = None;
    let mut tie = false;
    for intent in &context.intents {
        for expression in &intent.expressions {
            let mut search = Search {
                tokens: &tokens,
                context,
                world,
                steps: 0,
                done: Vec::new(),
            };
            let mut ambiguous = false;
            search.run(
                expression,
                Partial {
                    pos: 0,
                    slots: Vec::new(),
                    score: 0.0,
                },
                &mut ambiguous,
            );
            for found in search.done {
                let confidence = found.score / tokens.len() as f64;
                let better = best
                    .as_ref()
                    .is_none_or(|b| confidence > b.confidence + 1e-9);
                let same = best
                    .as_ref()
                    .is_some_and(|b| (confidence - b.confidence).abs() < 1e-9);
                if same && best.as_ref().is_some_and(|b| b.intent != intent.name) {
                    tie = true;
                }
                if better {
                    tie = false;
                    best = Some(Understanding {
                        intent: intent.name.clone(),
                        slots: found.slots.into_iter().collect(),
                        confidence,
                        ambiguous,
                    });
                }
            }
        }
    }
    best.map(|mut b| {
        b.ambiguous |= tie;
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(locale: Locale) -> World {
        World {
            locale,
            currency: if locale == Locale::ZhCn {
                Currency::CNY
            } else {
                Currency::USD
            },
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            payees: ["李伟", "张丽", "王建国", "刘芳", "Alice Chen", "Bob Wilson"]
                .map(String::from)
                .to_vec(),
            billers: ["国家电网", "City Electric"].map(String::from).to_vec(),
            accounts: vec![("6217".into(), vec!["养老金账户".into(), "checking".into()])],
            cards: vec![("4580".into(), vec!["信用卡".into(), "credit card".into()])],
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
