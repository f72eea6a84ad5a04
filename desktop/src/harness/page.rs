//! The page itself: HTML, CSS and JavaScript compiled in (nothing is fetched from elsewhere),
//! every word from `locales/*/harness.ftl`.

use tingshuo_core::{Locale, Localizer};

use crate::HarnessError;

pub const HTML: &str = include_str!("page.html");
pub const CSS: &str = include_str!("page.css");
pub const JS: &str = include_str!("page.js");
pub const CAPTURE_WORKLET: &str = include_str!("capture-worklet.js");

/// The messages written into the HTML, where `{{id}}` stands.
const PAGE_MESSAGES: &[&str] = &[
    "harness-title",
    "harness-intro",
    "harness-conversation-heading",
    "harness-turn-heading",
    "harness-text-label",
    "harness-send",
    "harness-silence",
    "harness-upload-label",
    "harness-upload-send",
    "harness-mic-start",
    "consent-voice-recognition-title",
    "consent-voice-recognition-body",
    "consent-agree",
    "consent-decline",
    "harness-step-up-heading",
    "harness-step-up-approve",
    "harness-step-up-refuse",
    "harness-condition-heading",
    "harness-condition-label",
    "harness-condition-apply",
    "harness-condition-online",
    "harness-condition-offline",
    "harness-condition-refusal",
    "harness-condition-hold",
    "harness-condition-lost-answers",
    "harness-condition-step-up-failing",
    "harness-play-aloud",
    "harness-log-heading",
    "harness-log-turn",
    "harness-log-input",
    "harness-log-intent",
    "harness-log-events",
    "harness-log-latency",
];

/// The messages the script needs (none takes a variable: those are formatted by the server).
const SCRIPT_MESSAGES: &[&str] = &[
    "harness-you",
    "harness-assistant",
    "harness-mic-start",
    "harness-mic-stop",
    "harness-mic-listening",
    "harness-recognizing",
    "harness-working",
    "harness-no-intent",
    "harness-error-empty-text",
    "harness-error-no-file",
    "harness-error-mic",
    "harness-error-server",
];

/// The page in `locale`: `lang` set, every `{{id}}` replaced by its message (HTML-escaped),
/// and the script's messages as a JSON block.
pub fn render(l10n: &Localizer, locale: Locale) -> Result<String, HarnessError> {
    let mut html = HTML.replace("{{lang}}", locale.tag());
    for id in PAGE_MESSAGES {
        let text = l10n.format(locale, id, &[])?;
        html = html.replace(&format!("{{{{{id}}}}}"), &escape_html(&text));
    }
    let mut strings = serde_json::Map::new();
    for id in SCRIPT_MESSAGES {
        strings.insert(
            (*id).to_owned(),
            serde_json::Value::String(l10n.format(locale, id, &[])?),
        );
    }
    // Inside <script>, "</script>" would end the block: JSON allows "<" written as \u003c.
    let strings = serde_json::Value::Object(strings)
        .to_string()
        .replace('<', "\\u003c");
    html = html.replace("{{strings}}", &strings);
    if let Some(left) = html.find("{{") {
        let name: String = html[left..].chars().take(60).collect();
        return Err(HarnessError::Usage(format!(
            "the harness page names a message it does not fill: {name}"
        )));
    }
    Ok(html)
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_in_both_locales() {
        let l10n = Localizer::new().unwrap_or_else(|e| panic!("{e}"));
        for locale in Locale::ALL {
            let html = render(&l10n, locale).unwrap_or_else(|e| panic!("{locale}: {e}"));
            assert!(html.contains(&format!("<html lang=\"{}\">", locale.tag())));
            assert!(!html.contains("{{"), "{locale}");
        }
    }

    #[test]
    fn every_placeholder_of_the_html_is_a_listed_message() {
        let mut rest = HTML;
        while let Some(start) = rest.find("{{") {
            let end = rest[start..].find("}}").map_or(rest.len(), |e| start + e);
            let name = &rest[start + 2..end];
            assert!(
                ["lang", "strings"].contains(&name) || PAGE_MESSAGES.contains(&name),
                "{name}"
            );
            rest = &rest[end..];
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
    }
}
