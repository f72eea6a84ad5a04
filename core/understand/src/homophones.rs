//! Mandarin words written as other characters with the same sounds: a recognizer that did not
//! expect a word writes whatever characters carry its syllables ("期天" for 七天, "美七费" for
//! 煤气费, "接锁" for 解锁). Read as written they mean nothing, or worse, something else
//! ("接锁" reads as 锁, lock); read by their sounds they are the context's own words.
//!
//! Only words of two characters or more are restored, and only to a word the context, the
//! customer's billers, accounts and cards, or the periods people name already use, when no
//! other such word has the same syllables and the characters heard are no such word
//! themselves: one character alone sounds like too many others (电 and 点), and a name is
//! matched by its own rule ([`crate::similarity`]). A numeral heard stays as heard ("一千" is
//! never 以前, "转八" never 转吧), so no amount is changed by sound.

use std::collections::{BTreeMap, BTreeSet};

use pinyin::ToPinyin;

use crate::context::{Context, Element, is_cjk};
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
                if (2..=LONGEST_WORD).contains(&run.len()) {
                    alike.add(run.into_iter().collect());
                }
            }
        }
        alike
    }

    fn add(&mut self, word: String) {
        if self.words.contains(&word) {
            return;
        }
        if let Some(sound) = sound_of(&word) {
            self.by_sound
                .entry(sound)
                .and_modify(|other| *other = None)
                .or_insert_with(|| Some(word.clone()));
        }
        self.words.insert(word);
    }

    /// `text` with every run of characters that sounds like one of the words, and is none of
    /// them, written as that word; `None` when nothing sounded like another word. Read from
    /// the start, a word written as such is kept whole, and no run restored takes in the start
    /// of one ("交移动话费" keeps 移动: its 交移 is not 交易).
    pub fn restore(&self, text: &str) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        let windows = |at: usize| (2..=LONGEST_WORD.min(chars.len() - at)).rev();
        let written = |at: usize, length: usize| chars[at..at + length].iter().collect::<String>();
        let word_at = |at: usize| windows(at).find(|&l| self.words.contains(&written(at, l)));
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut at = 0;
        while at < chars.len() {
            let exact = word_at(at).unwrap_or(0);
            let alike = windows(at).find_map(|length| {
                let heard = &chars[at..at + length];
                if length <= exact
                    || !heard.iter().all(|&c| is_cjk(c))
                    || (at + 1..at + length).any(|inside| word_at(inside).is_some())
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

    #[test]
    fn a_word_heard_in_other_characters_with_its_sounds_is_that_word() {
        let words = alike(&["七天", "煤气费", "解锁", "星期"]);
        assert_eq!(words.restore("帮我把煤七费交了"), None);
        assert_eq!(
            words.restore("最近期天花了多少钱").as_deref(),
            Some("最近七天花了多少钱")
        );
        assert_eq!(
            words.restore("帮我把美气费交了").as_deref(),
            Some("帮我把煤气费交了")
        );
        assert_eq!(
            words.restore("卡找到了,接锁吧").as_deref(),
            Some("卡找到了,解锁吧")
        );
    }

    #[test]
    fn words_as_written_and_single_characters_stay() {
        let words = alike(&["七天", "星期", "电费", "交易", "移动", "最近", "近期"]);
        assert_eq!(words.restore("最近期天").as_deref(), Some("最近七天"));
        // 星期 is a word as written: its 期 is not the 七 of 七天; 移动's 移 is no 易.
        assert_eq!(words.restore("上个星期天花了多少"), None);
        assert_eq!(words.restore("交移动话费"), None);
        // One character alone is never restored by its sound (点 for 电).
        assert_eq!(words.restore("点"), None);
        assert_eq!(words.restore("交电费"), None);
    }

    #[test]
    fn words_that_sound_alike_restore_nothing_and_numerals_stay() {
        // 交费 and 缴费 sound the same: a third spelling is neither.
        let words = alike(&["交费", "缴费", "以前"]);
        assert_eq!(words.restore("焦费"), None);
        // A numeral heard is never changed by its sound ("一千" is no 以前, 亿 no 一); a
        // character may become one (是天 for 十天).
        let words = alike(&["一下", "十天", "以前", "转吧"]);
        assert_eq!(words.restore("查亿下"), None);
        assert_eq!(words.restore("转一千"), None);
        assert_eq!(words.restore("转八十"), None);
        assert_eq!(words.restore("最近是天").as_deref(), Some("最近十天"));
    }
}
