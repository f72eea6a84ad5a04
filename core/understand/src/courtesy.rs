//! Courtesies said on their own ("hello", "thank you", "谢谢您", "再见"): no command, so understanding
//! rejects them as it rejects anything outside banking, but a reply of "I didn't catch that"
//! to an old lady's thanks is rude. The dialogue answers them in kind.

use tingshuo_base::locale::Locale;

use crate::said::Said;

/// Which courtesy was said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Courtesy {
    Greeting,
    Thanks,
    Goodbye,
}

const EN_GREETING: &[&str] = &[
    "hello",
    "hello there",
    "hello dear",
    "hi",
    "hi there",
    "hey",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
    "morning",
    "hello good morning",
    "hi good morning",
];

const EN_THANKS: &[&str] = &[
    "thank you",
    "thanks",
    "thank you very much",
    "thank you so much",
    "thanks a lot",
    "thanks so much",
    "many thanks",
    "thank you kindly",
    "thank you dear",
    "thanks dear",
    "thank you that's all",
    "thanks that's all",
    "ok thank you",
    "okay thank you",
    "thank you that's very helpful",
];

const EN_GOODBYE: &[&str] = &[
    "goodbye",
    "good bye",
    "bye",
    "bye bye",
    "bye now",
    "see you",
    "see you later",
    "good night",
    "that's all goodbye",
    "thank you goodbye",
    "thanks goodbye",
    "thanks bye",
    "thank you bye",
];

const ZH_GREETING: &[&str] = &[
    "你好",
    "您好",
    "喂",
    "喂你好",
    "喂您好",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "早",
    "你好你好",
];

const ZH_THANKS: &[&str] = &[
    "谢谢",
    "谢谢你",
    "谢谢您",
    "多谢",
    "多谢你",
    "谢了",
    "谢谢啦",
    "太谢谢了",
    "太感谢了",
    "感谢",
    "非常感谢",
    "麻烦你了",
    "麻烦您了",
    "辛苦了",
    "辛苦你了",
    "好的谢谢",
    "好谢谢",
    "行谢谢",
];

const ZH_GOODBYE: &[&str] = &[
    "再见",
    "拜拜",
    "好的再见",
    "谢谢再见",
    "谢谢你再见",
    "谢谢您再见",
    "没事了再见",
    "回头见",
];

/// Particles and addresses a courtesy may carry that change nothing ("谢谢你啊", "谢谢您呐").
const ZH_TRAILING: &[char] = &['啊', '呀', '哈', '啦', '呐', '哦', '喔'];

/// The courtesy `said` is, if it is nothing else.
pub fn courtesy_of(said: &Said) -> Option<Courtesy> {
    let text: String = said
        .normalized
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let (greeting, thanks, goodbye, text) = match said.locale {
        Locale::EnUs => (
            EN_GREETING,
            EN_THANKS,
            EN_GOODBYE,
            text.split_whitespace().collect::<Vec<_>>().join(" "),
        ),
        Locale::ZhCn => {
            let joined: String = text.split_whitespace().collect();
            (
                ZH_GREETING,
                ZH_THANKS,
                ZH_GOODBYE,
                joined.trim_end_matches(ZH_TRAILING).to_owned(),
            )
        }
    };
    if goodbye.contains(&text.as_str()) {
        Some(Courtesy::Goodbye)
    } else if thanks.contains(&text.as_str()) {
        Some(Courtesy::Thanks)
    } else if greeting.contains(&text.as_str()) {
        Some(Courtesy::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(locale: Locale, text: &str) -> Option<Courtesy> {
        courtesy_of(&Said::new(locale, text))
    }

    #[test]
    fn a_courtesy_alone_is_one_and_a_command_with_one_is_not() {
        assert_eq!(of(Locale::EnUs, "Thank you."), Some(Courtesy::Thanks));
        assert_eq!(of(Locale::EnUs, "thank you, dear"), Some(Courtesy::Thanks));
        assert_eq!(of(Locale::EnUs, "Goodbye!"), Some(Courtesy::Goodbye));
        assert_eq!(of(Locale::EnUs, "thanks, bye"), Some(Courtesy::Goodbye));
        assert_eq!(of(Locale::ZhCn, "谢谢你啊"), Some(Courtesy::Thanks));
        assert_eq!(of(Locale::ZhCn, "谢谢！"), Some(Courtesy::Thanks));
        assert_eq!(of(Locale::ZhCn, "好的，再见"), Some(Courtesy::Goodbye));
        assert_eq!(of(Locale::EnUs, "Hello!"), Some(Courtesy::Greeting));
        assert_eq!(of(Locale::EnUs, "good morning"), Some(Courtesy::Greeting));
        assert_eq!(of(Locale::ZhCn, "你好啊"), Some(Courtesy::Greeting));
        assert_eq!(of(Locale::ZhCn, "喂，你好"), Some(Courtesy::Greeting));
        for command in [
            "thank you, what's my balance",
            "thanks for nothing",
            "no thanks",
            "what's the weather",
            "hello, what's my balance",
        ] {
            assert_eq!(of(Locale::EnUs, command), None, "{command}");
        }
        for command in [
            "账户余额，谢谢",
            "不用了谢谢",
            "今天天气怎么样",
            "你好，查余额",
        ] {
            assert_eq!(of(Locale::ZhCn, command), None, "{command}");
        }
    }
}
