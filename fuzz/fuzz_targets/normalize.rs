//! The normalizer and whole-utterance understanding on any text, against the banking and answer
//! contexts of both locales, as the demo customers of tests/corpus/README.md: no panic, and a
//! confidence that is a probability.
#![no_main]

use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use tingshuo_base::ids::Id;
use tingshuo_base::locale::Locale;
use tingshuo_base::model::Category;
use tingshuo_base::money::Currency;
use tingshuo_understand::normalize::{clauses, may_set_aside, normalize};
use tingshuo_understand::{
    Context, ItemRef, Named, Said, World, answers_context, banking_context, understand,
};

struct Setting {
    locale: Locale,
    contexts: [Context; 2],
    world: World,
}

fn named(item: ItemRef, label: &str, phrases: &[&str]) -> Named {
    Named::called(item, label, phrases)
}

fn world(locale: Locale) -> World {
    let payee = |name: &str, phrases: &[&str]| named(ItemRef::Payee(Id::new(name)), name, phrases);
    let biller =
        |name: &str, phrases: &[&str]| named(ItemRef::Biller(Id::new(name)), name, phrases);
    let zh = locale == Locale::ZhCn;
    World {
        locale,
        currency: if zh { Currency::CNY } else { Currency::USD },
        today: NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date"),
        payees: if zh {
            vec![
                payee("李伟", &["儿子"]),
                payee("张丽", &["儿媳"]),
                payee("王建国", &["弟弟", "哥哥"]),
                payee("刘芳", &["邻居"]),
            ]
        } else {
            vec![
                payee("Alice Chen", &["my daughter"]),
                payee("Bob Wilson", &["my son"]),
                payee("David Miller", &["my neighbour"]),
                payee("Maria Garcia", &["my caregiver"]),
            ]
        },
        billers: if zh {
            vec![
                biller("国家电网", &["电费"]),
                biller("北京燃气", &["燃气费"]),
            ]
        } else {
            vec![
                biller("City Electric", &["electric"]),
                biller("Metro Water", &["water"]),
            ]
        },
        accounts: vec![
            named(
                ItemRef::Account(Id::new("current")),
                if zh { "6217" } else { "3921" },
                if zh {
                    &["养老金账户"]
                } else {
                    &["checking"]
                },
            )
            .ending_in(if zh { "6217" } else { "3921" }),
        ],
        cards: vec![
            named(
                ItemRef::Card(Id::new("credit")),
                if zh { "4580" } else { "4321" },
                if zh { &["信用卡"] } else { &["credit card"] },
            )
            .ending_in(if zh { "4580" } else { "4321" }),
        ],
        categories: vec![
            named(
                ItemRef::Category(Category::Groceries),
                "groceries",
                if zh {
                    &["买菜", "超市"]
                } else {
                    &["groceries", "the supermarket"]
                },
            ),
            named(
                ItemRef::Category(Category::Health),
                "health",
                if zh {
                    &["看病", "买药"]
                } else {
                    &["the pharmacy", "medicine"]
                },
            ),
        ],
    }
}

fn locales() -> &'static [Setting; 2] {
    static LOCALES: OnceLock<[Setting; 2]> = OnceLock::new();
    LOCALES.get_or_init(|| {
        [Locale::ZhCn, Locale::EnUs].map(|locale| Setting {
            locale,
            contexts: [banking_context(locale), answers_context(locale)]
                .map(|yaml| Context::from_yaml(yaml).expect("a shipped context loads")),
            world: world(locale),
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for one in locales() {
        let _ = normalize(one.locale, text);
        for clause in clauses(one.locale, text) {
            let _ = may_set_aside(one.locale, &clause);
        }
        let said = Said::new(one.locale, text);
        let _ = said.says_a_negative_amount();
        for context in &one.contexts {
            if let Some(understood) = understand(context, &one.world, &said) {
                assert!(
                    (0.0..=1.0).contains(&understood.confidence),
                    "{text:?}: confidence {}",
                    understood.confidence
                );
            }
        }
    }
});
