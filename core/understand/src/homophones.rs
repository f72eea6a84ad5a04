//! Mandarin words written as other characters with the same sounds: a recognizer that did not
//! expect a word writes whatever characters carry its syllables ("期天" for 七天, "美气费" for
//! 煤气费, "接锁" for 解锁). Read as written they mean nothing, or worse, something else
//! ("接锁" reads as 锁, lock); read by their sounds they are the context's own words.
//!
//! A run of two to four characters is restored only to a whole run of words the context, the
//! customer's billers, accounts and cards, or the periods people name write (an expression's
//! words between its slots and choices, a value, a vocabulary phrase), when no other such run
//! has the same syllables, and never to a word that refuses or takes back (不对, 不是, 别, 错了:
//! restored, "部队" would cancel what came before it). One character alone sounds like too
//! many others (电 and 点), and a name is matched by its own rule ([`crate::similarity`]).
//! What is written as a word stays whole: any piece of two to four characters of those runs,
//! read from the start, is kept, and no restored run takes in the start of one ("上个星期天"
//! keeps 星期). A numeral heard stays as heard ("一千" is never 以前, "转八" never 转吧), so no
//! amount is changed by sound.

use std::collections::{BTreeMap, BTreeSet};

use pinyin::ToPinyin;
use tingshuo_base::locale::Locale;

use crate::context::{Context, Element, is_cjk};
use crate::normalize::{correction_markers, simplified};
use crate::numbers::is_zh_numeral;
use crate::periods::{counted_period_phrases, period_words};
use crate::world::World;

/// Words longer than this are not looked for: commands' words are short, and the scan stays
/// linear in the utterance.
const LONGEST_WORD: usize = 4;

/// The context's words by their syllables, tones aside; `None` where two words share them.
#[derive(Debug, Default)]
pub struct HeardAlike {
    by_sound: BTreeMap<String, Option<String>>,
    words: BTreeSet<String>,
}

impl HeardAlike {
    /// The words of a context and of a customer's items.
    pub fn of(context: &Context, world: &World) -> HeardAlike {
        let mut phrases: Vec<String> = Vec::new();
        for expression in context.intents.iter().flat_map(|i| &i.expressions) {
            runs_of(expression, &mut phrases);
        }
        phrases.extend(context.slots.values().flatten().cloned());
        let vocabulary = &context.vocabulary;
        for words in [
            &vocabulary.relationships,
            &vocabulary.biller_categories,
            &vocabulary.account_kinds,
            &vocabulary.card_kinds,
            &vocabulary.spending_categories,
        ] {
            phrases.extend(words.values().flatten().cloned());
        }
        for items in [&world.billers, &world.accounts, &world.cards] {
            phrases.extend(items.iter().flat_map(|item| item.phrases.iter().cloned()));
        }
        phrases.extend(period_words(world.locale).iter().map(|&w| w.to_owned()));
        phrases.extend(counted_period_phrases(world.locale));

        let mut alike = HeardAlike::default();
        for phrase in &phrases {
            for run in cjk_runs(phrase) {
                for length in 2..=LONGEST_WORD.min(run.len()) {
                    for piece in run.windows(length) {
                        alike.words.insert(piece.iter().collect());
                    }
                }
                if (2..=LONGEST_WORD).contains(&run.len()) {
                    alike.add(run.into_iter().collect());
                }
            }
        }
        alike
    }

    /// A word runs of characters with its sounds may be restored to.
    fn add(&mut self, word: String) {
        let refuses = word.contains(['不', '别', '没', '错'])
            || correction_markers(Locale::ZhCn)
                .iter()
                .any(|marker| word.contains(marker));
        if let Some(sound) = sound_of(&word).filter(|_| !refuses) {
            match self.by_sound.get_mut(&sound) {
                Some(other) if other.as_ref() != Some(&word) => *other = None,
                Some(_) => {}
                None => {
                    self.by_sound.insert(sound, Some(word.clone()));
                }
            }
        }
        self.words.insert(word);
    }

    /// `text` (Simplified, half-width: [`simplified`]) with every run of characters that
    /// sounds like one of the words, and is none of them, written as that word; `None` when
    /// nothing sounded like another word. Read from the start, a word written as such is kept
    /// whole, and no run restored takes in the start of one.
    pub fn restore(&self, text: &str) -> Option<String> {
        let chars: Vec<char> = simplified(text).chars().collect();
        let windows = |at: usize| (2..=LONGEST_WORD.min(chars.len() - at)).rev();
        let written = |at: usize, length: usize| chars[at..at + length].iter().collect::<String>();
        // The length of the longest word written at each place (0 where none starts).
        let word_at: Vec<usize> = (0..chars.len())
            .map(|at| {
                windows(at)
                    .find(|&l| self.words.contains(&written(at, l)))
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut at = 0;
        while at < chars.len() {
            let exact = word_at[at];
            let alike = windows(at).find_map(|length| {
                let heard = &chars[at..at + length];
                if exact > 0
                    || !heard.iter().all(|&c| is_cjk(c))
                    || word_at[at + 1..at + length]
                        .iter()
                        .any(|&inside| inside > 0)
                {
                    return None;
                }
                let word = self
                    .by_sound
                    .get(&sound_of(&written(at, length))?)?
                    .as_ref()?;
                let numerals_kept = heard
                    .iter()
                    .zip(word.chars())
                    .all(|(&h, w)| h == w || !is_zh_numeral(h));
                numerals_kept.then_some((length, word))
            });
            if let Some((length, word)) = alike {
                out.push_str(word);
                changed = true;
                at += length;
            } else {
                let kept = exact.max(1);
                out.extend(&chars[at..at + kept]);
                at += kept;
            }
        }
        changed.then_some(out)
    }
}

/// The syllables of a run of Chinese characters, tones aside, or `None` when one has none.
fn sound_of(word: &str) -> Option<String> {
    let mut sound = String::new();
    for c in word.chars() {
        if !sound.is_empty() {
            sound.push(' ');
        }
        sound.push_str(c.to_pinyin()?.plain());
    }
    Some(sound)
}

/// The runs of Chinese characters in a phrase.
fn cjk_runs(phrase: &str) -> Vec<Vec<char>> {
    phrase
        .split(|c: char| !is_cjk(c))
        .filter(|run| !run.is_empty())
        .map(|run| run.chars().collect())
        .collect()
}

/// The runs of words an expression writes one after another (each choice's alternatives on
/// their own): "(我的)[余额, 存款]是多少" has 我的, 余额, 存款 and 是多少.
fn runs_of(elements: &[Element], runs: &mut Vec<String>) {
    let mut run = String::new();
    for element in elements {
        match element {
            Element::Token(token) => run.push_str(token),
            Element::Choice(alternatives) | Element::Optional(alternatives) => {
                runs.push(std::mem::take(&mut run));
                for alternative in alternatives {
                    runs_of(alternative, runs);
                }
            }
            Element::Slot { .. } | Element::Words => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alike(words: &[&str]) -> HeardAlike {
        let mut alike = HeardAlike::default();
        for word in words {
            alike.add((*word).to_owned());
        }
        alike
    }

    /// The product's zh-CN banking context, for a customer with no items of their own.
    fn product() -> HeardAlike {
        let context = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
        let world = World {
            locale: Locale::ZhCn,
            currency: tingshuo_base::money::Currency::CNY,
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            payees: Vec::new(),
            billers: Vec::new(),
            accounts: Vec::new(),
            cards: Vec::new(),
            categories: Vec::new(),
        };
        HeardAlike::of(&context, &world)
    }

    #[test]
    fn a_word_heard_in_other_characters_with_its_sounds_is_that_word() {
        let words = product();
        assert_eq!(
            words.restore("最近期天花了多少钱").as_deref(),
            Some("最近七天花了多少钱")
        );
        assert_eq!(
            words.restore("卡找到了,接锁吧").as_deref(),
            Some("卡找到了,解锁吧")
        );
        // Traditional characters are read as Simplified ones.
        assert_eq!(words.restore("接鎖吧").as_deref(), Some("解锁吧"));
        let words = alike(&["煤气费"]);
        assert_eq!(
            words.restore("帮我把美气费交了").as_deref(),
            Some("帮我把煤气费交了")
        );
    }

    #[test]
    fn words_as_written_and_single_characters_stay() {
        let words = product();
        // 星期 is written in the context's periods: its 期 is not the 七 of 七天.
        assert_eq!(words.restore("上个星期天花了多少"), None);
        // One character alone is never restored by its sound (点 for 电).
        assert_eq!(words.restore("点"), None);
        assert_eq!(words.restore("交电费"), None);
        // A word written is kept whole even where a longer run sounds like another word
        // (事儿天 has the sounds of 十二天), and no run takes in the start of one.
        let words = alike(&["事儿", "十二天", "交易", "移动"]);
        assert_eq!(words.restore("有点事儿天天忙"), None);
        assert_eq!(words.restore("交移动话费"), None);
        assert_eq!(words.restore("交移话费").as_deref(), Some("交易话费"));
    }

    #[test]
    fn nothing_is_restored_to_a_refusal_or_a_correction() {
        // Restored, "部队" would be 不对 and cancel what was said before it.
        let words = product();
        for heard in ["给李伟转五百部队三百", "不适", "算了部署", "说措了"] {
            let restored = words.restore(heard).unwrap_or_default();
            for refusal in ["不对", "不是", "说错了", "别"] {
                assert!(!restored.contains(refusal), "{heard} -> {restored}");
            }
        }
    }

    #[test]
    fn words_that_sound_alike_restore_nothing_and_numerals_stay() {
        // 交费 and 缴费 sound the same: a third spelling is neither.
        let words = alike(&["交费", "缴费"]);
        assert_eq!(words.restore("焦费"), None);
        // A numeral heard is never changed by its sound ("一千" is no 以前, 亿 no 一); a
        // character may become one (是天 for 十天).
        let words = alike(&["一下", "十天", "以前", "转吧"]);
        assert_eq!(words.restore("查亿下"), None);
        assert_eq!(words.restore("转一千"), None);
        assert_eq!(words.restore("转八十"), None);
        assert_eq!(words.restore("最近是天").as_deref(), Some("最近十天"));
        // The same against the product's words: no amount said is changed.
        let words = product();
        for amount in [
            "给李伟转一千",
            "给李伟转八十八",
            "转二百五给刘芳",
            "交十八块",
        ] {
            let restored = words.restore(amount).unwrap_or_else(|| amount.to_owned());
            let numerals = |text: &str| {
                text.chars()
                    .filter(|&c| is_zh_numeral(c))
                    .collect::<String>()
            };
            assert_eq!(
                numerals(&restored),
                numerals(amount),
                "{amount} -> {restored}"
            );
        }
    }
}
