//! The amount and number readers of core/understand on any text, in both locales: no panic, no
//! overflow (built with overflow checks), and what they return keeps its documented shape.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingshuo_base::locale::Locale;
use tingshuo_base::money::Currency;
use tingshuo_understand::numbers::{
    is_zh_numeral, parse_amount, parse_en_ending, parse_en_integer, parse_zh_integer,
    says_a_negative_amount,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (locale, default) in [(Locale::ZhCn, Currency::CNY), (Locale::EnUs, Currency::USD)] {
        // Understanding reads the amount without its sign (says_a_negative_amount asks again):
        // an amount read is never below zero, and is in the default currency or one it names.
        if let Some(money) = parse_amount(locale, text, default) {
            assert!(money.minor() >= 0, "{text:?} read as {}", money.minor());
            assert!(
                matches!(money.currency(), Currency::CNY | Currency::USD),
                "{text:?} read in {}",
                money.currency()
            );
        }
        let negative = says_a_negative_amount(locale, text);
        let lowered = text.to_lowercase();
        assert!(
            !negative
                || lowered.contains(['-', '－', '−', '负', '減', '减'])
                || lowered.contains("minus")
                || lowered.contains("negative"),
            "{text:?} said to be negative without a minus"
        );
    }
    // A Chinese number is made of Chinese numerals only.
    if parse_zh_integer(text).is_some() {
        assert!(
            !text.is_empty() && text.chars().all(is_zh_numeral),
            "{text:?}"
        );
    }
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let _ = parse_en_integer(&words);
    // An ending is digits, at least one.
    if let Some(ending) = parse_en_ending(&words) {
        assert!(
            !ending.is_empty() && ending.bytes().all(|b| b.is_ascii_digit()),
            "{words:?} ends in {ending:?}"
        );
    }
});
