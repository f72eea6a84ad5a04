//! Understanding: from a transcript to an intent and its slots, in Mandarin and English.
//!
//! This module grows with the understanding issue; today it holds the built-in number and
//! amount parsers that every slot type of money uses.

pub mod context;
pub mod matcher;
pub mod normalize;
pub mod numbers;

/// The banking context of a locale, compiled in (a bank may load its own instead).
pub fn banking_context(locale: crate::l10n::Locale) -> &'static str {
    match locale {
        crate::l10n::Locale::ZhCn => include_str!("../../../locales/zh-CN/banking.yaml"),
        crate::l10n::Locale::EnUs => include_str!("../../../locales/en-US/banking.yaml"),
    }
}
