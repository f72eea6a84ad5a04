//! Shops and people her words name, found among those she paid: one comparison for a name she
//! says and a name the bank writes in a payment's counterparty.

use tingshuo_understand::context::is_cjk;

/// Words with which people name a place, not part of its name ("the diner", "The Home Depot").
const NOT_A_NAME: [&str; 6] = ["the", "my", "a", "an", "our", "that"];

/// A name as compared with another: lower case, without spaces or punctuation.
pub(crate) fn comparable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A name's words as compared: each [`comparable`], leading articles off; Chinese, written
/// without spaces, is compared character by character.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Words {
    words: Vec<String>,
    chinese: bool,
}

impl Words {
    fn of(name: &str) -> Words {
        let mut words: Vec<String> = name
            .split_whitespace()
            .map(comparable)
            .filter(|word| !word.is_empty())
            .collect();
        let articles = words
            .iter()
            .take_while(|word| NOT_A_NAME.contains(&word.as_str()))
            .count();
        words.drain(..articles);
        Words {
            words,
            chinese: name.chars().any(is_cjk),
        }
    }

    fn joined(&self) -> String {
        self.words.concat()
    }

    /// At least two Chinese characters, else `letters` letters: fewer could be part of any
    /// word ("Ed" in "spEnD"), or begin too many names.
    fn long_enough(&self, letters: usize) -> bool {
        let count = self.joined().chars().count();
        count >= if self.chinese { 2 } else { letters }
    }

    /// Whether these words say `name` whole: its words in a row among them (Chinese: its
    /// characters within theirs).
    fn hold(&self, name: &Words) -> bool {
        if name.words.is_empty() {
            return false;
        }
        if self.chinese || name.chinese {
            return self.joined().contains(&name.joined());
        }
        self.words
            .windows(name.words.len())
            .any(|run| run == name.words.as_slice())
    }

    /// Whether these words are how `name` begins: its first words (Chinese: characters).
    fn begin(&self, name: &Words) -> bool {
        if self.words.is_empty() {
            return false;
        }
        if self.chinese || name.chinese {
            return name.joined().starts_with(&self.joined());
        }
        name.words.starts_with(&self.words)
    }
}

/// The one name among `names` (shops and people paid, as the bank writes them) that `words`
/// say: a name said whole within them ("物美超市", "Rosie's Diner", also in a whole sentence),
/// else the one name her words begin ("京东" for 京东商城, "green valley" for Green Valley
/// Market; at least two characters or three letters) when no other name begins so. Words are
/// compared whole ("mark" is not "Market"); names under two characters or four letters are
/// never found; `None` when her words say none, or begin several ("北京": 北京燃气, 北京自来水).
pub(crate) fn name_said<'a>(words: &str, names: &[&'a str]) -> Option<&'a str> {
    let said = Words::of(words);
    let mut distinct: Vec<(Words, &str)> = Vec::new();
    for name in names {
        let compared = Words::of(name);
        if compared.long_enough(4) && !distinct.iter().any(|(seen, _)| *seen == compared) {
            distinct.push((compared, name));
        }
    }
    let whole = distinct
        .iter()
        .filter(|(name, _)| said.hold(name))
        .max_by_key(|(name, _)| name.joined().chars().count());
    if let Some((_, name)) = whole {
        return Some(name);
    }
    if !said.long_enough(3) {
        return None;
    }
    match distinct
        .iter()
        .filter(|(name, _)| said.begin(name))
        .collect::<Vec<_>>()[..]
    {
        [(_, name)] => Some(name),
        _ => None,
    }
}

/// Whether the bank's `counterparty` is `name`: the same Chinese name, or a name's words in a
/// row within it ("Transfer to Bob Wilson" is Bob Wilson's; "Green Valley Market" is not
/// Mark's, nor 王芳芳 王芳's).
pub(crate) fn is_named(counterparty: &str, name: &str) -> bool {
    let (counterparty, name) = (Words::of(counterparty), Words::of(name));
    if counterparty.chinese || name.chinese {
        return !name.words.is_empty() && counterparty.joined() == name.joined();
    }
    counterparty.hold(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name said whole (in any letters, in a whole sentence too) or begun unmistakably;
    /// never one of several alike, never inside a word, never a word or a character too
    /// short to tell.
    #[test]
    fn a_shop_is_named_whole_or_by_a_beginning_no_other_shares() {
        let names = [
            "Rosie's Diner",
            "GREEN VALLEY MARKET",
            "Green Valley Market",
            "City Electric",
            "The Home Depot",
            "Mark",
            "Apple",
            "物美超市",
            "京东商城",
            "北京燃气",
            "北京自来水",
        ];
        let said = |words: &str| name_said(words, &names);
        assert_eq!(said("rosie's diner"), Some("Rosie's Diner"));
        assert_eq!(said("Rosies Diner"), Some("Rosie's Diner"));
        assert_eq!(
            said("how much did i spend at rosie's diner last month"),
            Some("Rosie's Diner")
        );
        assert_eq!(said("the green valley"), Some("GREEN VALLEY MARKET"));
        assert_eq!(said("rosie's"), Some("Rosie's Diner"));
        assert_eq!(said("home depot"), Some("The Home Depot"));
        assert_eq!(said("mark"), Some("Mark"));
        assert_eq!(said("物美超市"), Some("物美超市"));
        assert_eq!(said("京东"), Some("京东商城"));
        assert_eq!(said("北京燃气"), Some("北京燃气"));
        // Shared by two, inside a word, too short to tell, or no name of hers.
        assert_eq!(said("北京"), None);
        assert_eq!(said("the market"), None);
        assert_eq!(said("apples"), None);
        assert_eq!(said("京"), None);
        assert_eq!(said("ro"), None);
        assert_eq!(said("the"), None);
        assert_eq!(said("the mall"), None);
        assert_eq!(said("christmas presents"), None);
        assert_eq!(name_said("anything", &[]), None);
        assert_eq!(name_said("how much did i spend", &["Ed", "喜"]), None);
    }

    #[test]
    fn a_counterparty_is_a_name_by_its_whole_words() {
        assert!(is_named("Transfer to Bob Wilson", "Bob Wilson"));
        assert!(is_named("ROSIE'S DINER", "Rosie's Diner"));
        assert!(is_named("李伟", "李伟"));
        assert!(!is_named("Green Valley Market", "Mark"));
        assert!(!is_named("王芳芳", "王芳"));
        assert!(!is_named("Bob Wilson", ""));
        assert!(!is_named("The Shop", "the"));
    }
}
