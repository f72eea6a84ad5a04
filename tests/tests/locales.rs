//! Localization completeness: zh-CN and en-US carry the same messages with the same variables,
//! every message is used by the code, and every view line renders in both locales.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use tingshuo_core::l10n::present::{Presentation, view_lines};
use tingshuo_core::{Locale, Localizer, MemoryKeyStore, Store};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_tests::{temp_store_path, test_now};

type Messages = BTreeMap<String, BTreeSet<String>>;

fn variables_in_pattern(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            variables_in_expression(expression, out);
        }
    }
}

fn variables_in_expression(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            variables_in_inline(selector, out);
            for variant in variants {
                variables_in_pattern(&variant.value, out);
            }
        }
        Expression::Inline(inline) => variables_in_inline(inline, out),
    }
}

fn variables_in_inline(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => variables_in_expression(expression, out),
        InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                variables_in_inline(argument, out);
            }
            for named in &arguments.named {
                variables_in_inline(&named.value, out);
            }
        }
        _ => {}
    }
}

fn messages(locale: Locale) -> Messages {
    let mut messages = Messages::new();
    for (file, text) in tingshuo_core::l10n::sources(locale) {
        let resource = fluent_syntax::parser::parse(text)
            .unwrap_or_else(|(_, errors)| panic!("{locale}/{file} does not parse: {errors:?}"));
        for entry in resource.body {
            match entry {
                Entry::Message(message) => {
                    let mut variables = BTreeSet::new();
                    let value = message
                        .value
                        .unwrap_or_else(|| panic!("{} has no value", message.id.name));
                    variables_in_pattern(&value, &mut variables);
                    let previous = messages.insert(message.id.name.to_owned(), variables);
                    assert!(
                        previous.is_none(),
                        "{} defined twice in {locale}",
                        message.id.name
                    );
                }
                Entry::Term(term) => {
                    panic!("term -{} in {locale}: terms are not used", term.id.name)
                }
                Entry::Junk { content } => panic!("junk in {locale}/{file}: {content}"),
                _ => {}
            }
        }
    }
    messages
}

#[test]
fn every_message_exists_in_every_locale_with_the_same_variables() {
    let zh = messages(Locale::ZhCn);
    let en = messages(Locale::EnUs);
    let zh_ids: BTreeSet<_> = zh.keys().collect();
    let en_ids: BTreeSet<_> = en.keys().collect();
    assert_eq!(
        zh_ids.difference(&en_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "only in zh-CN"
    );
    assert_eq!(
        en_ids.difference(&zh_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "only in en-US"
    );
    for (id, variables) in &zh {
        assert_eq!(
            variables, &en[id],
            "variables of {id} differ between zh-CN and en-US"
        );
    }
    assert!(zh.len() > 40, "{} messages", zh.len());
}

#[test]
fn every_message_is_used_by_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut source = String::new();
    let mut sources: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("core"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    sources.push(root.join("desktop/src"));
    sources.push(root.join("bindings/src"));
    assert!(sources.len() > 5, "{sources:?}");
    for dir in sources {
        collect_rust(&dir, &mut source);
    }
    // A message is used by the code, or by another message that places it ("{ dlg-scam-cue }").
    let placed: String = tingshuo_core::l10n::sources(Locale::EnUs)
        .map(|(_, text)| text)
        .collect();
    let unused: Vec<_> = messages(Locale::EnUs)
        .into_keys()
        .filter(|id| {
            !source.contains(&format!("\"{id}\"")) && !placed.contains(&format!("{{ {id} }}"))
        })
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

fn collect_rust(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[tokio::test]
async fn every_view_line_renders_in_both_locales_and_both_forms() {
    let l10n = Localizer::new().unwrap();
    for customer in DemoCustomer::ALL {
        let (_dir, path) = temp_store_path();
        let keys = MemoryKeyStore::new().unwrap();
        let store = Store::open(&path, &keys).await.unwrap();
        store
            .save_snapshot(&customer.snapshot(test_now()))
            .await
            .unwrap();
        let view = store.load_view(test_now().date_naive()).await.unwrap();
        store.close().await;
        // Each customer's data is rendered in both languages: a bank serves both.
        for locale in Locale::ALL {
            let at = Presentation {
                locale,
                now: test_now(),
                zone: customer.home_offset().into(),
            };
            let lines = view_lines(&l10n, &at, &view).unwrap();
            assert!(lines.len() > 20);
            for line in &lines {
                for text in [&line.display, &line.speech] {
                    assert!(
                        !text.is_empty() && !text.contains('{') && !text.contains('\u{2068}'),
                        "{text}"
                    );
                }
                // Speech never carries symbols a speech engine reads badly.
                assert!(
                    !line.speech.contains('¥') && !line.speech.contains('$'),
                    "{}",
                    line.speech
                );
            }
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let headings: Vec<_> = lines
                .iter()
                .filter(|l| !l.display.contains(['，', ',', ':', '：']))
                .collect();
            for heading in headings {
                assert_eq!(
                    cjk(&heading.display),
                    locale == Locale::ZhCn,
                    "{}",
                    heading.display
                );
            }
        }
    }
}

/// The reasons the core itself gives for a payment not made each have their own words in both
/// locales: none falls through to the catch-all "the bank declined it", which would be untrue
/// (a payment the bank cancelled, one that never left the phone).
#[test]
fn the_reasons_the_core_gives_are_each_said_in_their_own_words() {
    let l10n = Localizer::new().unwrap();
    for locale in [Locale::ZhCn, Locale::EnUs] {
        let reason = |code: &str| {
            l10n.format(
                locale,
                "request-reason",
                &[("code", tingshuo_core::l10n::Arg::Text(code.to_owned()))],
            )
            .unwrap()
        };
        let catch_all = reason("a code nobody sends");
        for code in [
            "cancelled",
            "bank_unavailable",
            "on_device",
            "step_up_cancelled",
            "device_key_lost",
            "details_changed",
        ] {
            assert_ne!(reason(code), catch_all, "{locale:?} {code}");
        }
    }
}
