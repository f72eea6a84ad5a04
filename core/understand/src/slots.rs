//! Filling a slot from a span of the utterance: a context's own values, amounts, counts,
//! periods, and the customer's items by name or by the ending of their number.
#![allow(clippy::float_arithmetic)] // Match scores, not money.

use tingshuo_base::locale::Locale;

use crate::context::{Builtin, Context, SlotType};
use crate::numbers;
use crate::periods::parse_period;
use crate::similarity::best_of;
use crate::understanding::SlotValue;
use crate::world::{Named, World};

/// What a span gives a slot.
#[derive(Debug, Clone)]
pub struct Filled {
    pub value: SlotValue,
    /// How well the span reads as the value: 1 for an exact match.
    pub score: f64,
    /// Every value that fits exactly as well, when several do (the first is `value`).
    pub ties: Vec<SlotValue>,
}

impl Filled {
    fn certain(value: SlotValue) -> Filled {
        Filled {
            value,
            score: 1.0,
            ties: Vec::new(),
        }
    }

    fn best(mut best: Vec<SlotValue>, score: f64) -> Option<Filled> {
        let value = best.first()?.clone();
        if best.len() < 2 {
            best.clear();
        }
        Some(Filled {
            value,
            score,
            ties: best,
        })
    }
}

/// What slots can draw on while matching.
#[derive(Debug, Clone, Copy)]
pub struct Filler<'a> {
    pub context: &'a Context,
    pub world: &'a World,
}

impl Filler<'_> {
    /// The value a span gives a slot of this type, or `None`.
    pub fn fill(&self, kind: &SlotType, span: &[String]) -> Option<Filled> {
        let world = self.world;
        let text = join(world.locale, span);
        match kind {
            SlotType::Custom(name) => {
                let values = self.context.slots.get(name)?;
                let candidates = values
                    .iter()
                    .map(|v| (SlotValue::Text(v.clone()), std::slice::from_ref(v)));
                let (best, score) = best_of(candidates, span);
                Filled::best(best, score)
            }
            SlotType::Builtin(Builtin::Money) => {
                numbers::parse_amount(world.locale, &text, world.currency)
                    .map(|m| Filled::certain(SlotValue::Money(m)))
            }
            SlotType::Builtin(Builtin::Count) => {
                parse_count(&text).map(|n| Filled::certain(SlotValue::Count(n)))
            }
            SlotType::Builtin(Builtin::Period) => parse_period(world.locale, &text, world.today)
                .map(|(from, to)| Filled::certain(SlotValue::Period { from, to })),
            SlotType::Builtin(kind @ (Builtin::Account | Builtin::Card)) => {
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
                fill_item(world.named(*kind), span, Some(&digits))
            }
            SlotType::Builtin(Builtin::Name) => {
                // Only a name no payee answers to: a payee, even misheard, is the payee.
                let payee = fill_item(world.named(Builtin::Payee), span, None);
                (payee.is_none() && is_a_name(world, span)).then(|| Filled {
                    value: SlotValue::Text(text.clone()),
                    score: NAME_SCORE,
                    ties: Vec::new(),
                })
            }
            SlotType::Builtin(Builtin::Category) => {
                fill_item(world.named(Builtin::Category), span, None)
            }
            SlotType::Builtin(kind @ (Builtin::Payee | Builtin::Biller)) => {
                // A payee or biller is named by the ending of its number only when the figures
                // are read one by one ("尾号五六七八的", "ending in five six seven eight"): an
                // amount said as a number is never taken for one.
                let ending = figures_read_one_by_one(world.locale, span);
                fill_item(world.named(*kind), span, ending.as_deref()).or_else(|| {
                    // "Alice's account", "my son's": the name, said as its owner's.
                    let owner = without_possessive(span)?;
                    fill_item(world.named(*kind), &owner, None)
                })
            }
        }
    }
}

/// The span with the possessive taken off its last word ("alice chen's" → "alice chen"), if
/// it has one.
fn without_possessive(span: &[String]) -> Option<Vec<String>> {
    let (last, before) = span.split_last()?;
    let bare = last
        .strip_suffix("'s")
        .or_else(|| last.strip_suffix("\u{2019}s"))
        .filter(|bare| !bare.is_empty())?;
    let mut owner = before.to_vec();
    owner.push(bare.to_owned());
    Some(owner)
}

/// What a word of an unknown name counts for: less than a word of a payee's, so that an
/// expression naming a payee always wins.
const NAME_SCORE: f64 = 0.3;

/// Whether a span can be a person's name or what the customer calls someone ("小明", "王大爷",
/// "孙子", "Tom", "grandson"): two or three Chinese characters, or one or two English words,
/// with no number, no word that carries little meaning ("我", "the") and no money word.
fn is_a_name(world: &World, span: &[String]) -> bool {
    let locale = world.locale;
    // Money and account words are never in a name; numerals only after its first character
    // ("张三", not "三百").
    const ZH_NOT_IN_NAMES: &str = "块元钱毛角分卡账户号尾";
    const ZH_NUMERALS: &str = "零一二三四五六七八九十两百千万亿";
    const EN_NOT_NAMES: &[&str] = &[
        "dollars", "dollar", "bucks", "cents", "money", "account", "card", "bill", "him", "her",
        "them", "us", "someone", "somebody", "everyone", "it", "yes", "no",
    ];
    let light = |token: &String| crate::lexicon::is_light(locale, token);
    if span.iter().any(light) {
        return false;
    }
    match locale {
        Locale::ZhCn => {
            (2..=3).contains(&span.len())
                && span.iter().enumerate().all(|(at, token)| {
                    token.chars().all(crate::context::is_cjk)
                        && !token.chars().any(|c| ZH_NOT_IN_NAMES.contains(c))
                        && (at > 0 || !token.chars().any(|c| ZH_NUMERALS.contains(c)))
                })
        }
        Locale::EnUs => {
            (1..=2).contains(&span.len())
                && span.iter().all(|token| {
                    token
                        .chars()
                        .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
                        && !EN_NOT_NAMES.contains(&token.as_str())
                        && numbers::parse_amount(locale, token, world.currency).is_none()
                })
        }
    }
}

/// The customer's item a span names: by the ending of its number when `ending` is given and
/// some item has it, else by its phrases.
fn fill_item(items: &[Named], span: &[String], ending: Option<&str>) -> Option<Filled> {
    let value = |named: &Named| SlotValue::Item {
        item: named.item.clone(),
        label: named.label.clone(),
    };
    if let Some(ending) = ending {
        let by_ending: Vec<SlotValue> = items
            .iter()
            .filter(|named| named.ending.as_deref() == Some(ending))
            .map(value)
            .collect();
        if !by_ending.is_empty() {
            return Filled::best(by_ending, 1.0);
        }
    }
    let candidates = items
        .iter()
        .map(|named| (value(named), named.phrases.as_slice()));
    let (best, score) = best_of(candidates, span);
    Filled::best(best, score)
}

/// Four figures read one by one, as people read out the end of a number: "5678", "五六七八",
/// "five six seven eight".
fn figures_read_one_by_one(locale: Locale, span: &[String]) -> Option<String> {
    const ZH_FIGURES: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    const EN_FIGURES: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let text = join(locale, span);
    let mut figures = String::new();
    if span.len() == 1 || locale == Locale::ZhCn {
        for c in text.chars() {
            let figure = match c {
                '0'..='9' => c,
                '〇' => '0',
                _ => char::from_digit(
                    u32::try_from(ZH_FIGURES.iter().position(|z| *z == c)?).ok()?,
                    10,
                )?,
            };
            figures.push(figure);
        }
    } else {
        for word in span {
            let figure = EN_FIGURES
                .iter()
                .position(|w| w == word)
                .or_else(|| (word == "oh").then_some(0))?;
            figures.push(char::from_digit(u32::try_from(figure).ok()?, 10)?);
        }
    }
    (figures.chars().count() == 4).then_some(figures)
}

/// A count ("three", "三", "10"), up to a million.
fn parse_count(text: &str) -> Option<i64> {
    let value = text
        .parse::<u64>()
        .ok()
        .or_else(|| numbers::parse_zh_integer(text))
        .or_else(|| numbers::parse_en_integer(&text.split_whitespace().collect::<Vec<_>>()));
    value
        .and_then(|v| i64::try_from(v).ok())
        .filter(|v| *v <= 1_000_000)
}

/// The span's words as one text, the way the locale writes them.
pub fn join(locale: Locale, tokens: &[String]) -> String {
    match locale {
        Locale::ZhCn => tokens.concat(),
        Locale::EnUs => tokens.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn figures_one_by_one_and_nothing_else() {
        let zh = |t: &str| figures_read_one_by_one(Locale::ZhCn, &crate::context::tokenize(t));
        assert_eq!(zh("五六七八").as_deref(), Some("5678"));
        assert_eq!(zh("5678").as_deref(), Some("5678"));
        assert_eq!(zh("五百"), None);
        assert_eq!(zh("五千六百七十八"), None);
        let en = |t: &str| figures_read_one_by_one(Locale::EnUs, &words(t));
        assert_eq!(en("five six seven eight").as_deref(), Some("5678"));
        assert_eq!(en("oh one two three").as_deref(), Some("0123"));
        assert_eq!(en("5678").as_deref(), Some("5678"));
        assert_eq!(en("fifty six seventy eight"), None);
        assert_eq!(en("five six seven"), None);
        assert_eq!(en("$5,678"), None);
    }
}
