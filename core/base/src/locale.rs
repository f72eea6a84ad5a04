//! The locales Tingshuo speaks, named once for every layer.

use std::fmt;

use unic_langid::LanguageIdentifier;

/// The locales Tingshuo speaks. Both are complete; a test checks every message in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    ZhCn,
    EnUs,
}

/// A tag that names no locale Tingshuo speaks (at most 35 characters of it are kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale {0:?}; supported: zh-CN, en-US")]
pub struct UnknownLocale(pub String);

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::EnUs];

    /// Accepts a BCP 47 tag and maps it to a supported locale: "zh", "zh-Hans", "zh-CN" →
    /// zh-CN; "en", "en-GB", "en_US" → en-US. Anything else is an error, not a guess.
    pub fn parse(tag: &str) -> Result<Locale, UnknownLocale> {
        let shown = || UnknownLocale(tag.chars().take(35).collect());
        let normalized = tag.trim().replace('_', "-");
        let parsed: LanguageIdentifier = normalized.parse().map_err(|_| shown())?;
        match parsed.language.as_str() {
            "zh" if parsed.script.is_some_and(|s| s.as_str() == "Hant") => Err(shown()),
            "zh" => Ok(Locale::ZhCn),
            "en" => Ok(Locale::EnUs),
            _ => Err(shown()),
        }
    }

    pub fn tag(&self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::EnUs => "en-US",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        for tag in ["zh-CN", "zh", "zh-Hans-CN", "zh_CN", " zh-cn "] {
            assert_eq!(Locale::parse(tag), Ok(Locale::ZhCn), "{tag}");
        }
        for tag in ["en-US", "en", "en-GB", "en_us"] {
            assert_eq!(Locale::parse(tag), Ok(Locale::EnUs), "{tag}");
        }
        for tag in ["fr-FR", "zh-Hant-TW", "", "💥", "x".repeat(500).as_str()] {
            let refused = Locale::parse(tag).expect_err(tag);
            assert!(refused.0.chars().count() <= 35, "{tag}");
        }
    }
}
