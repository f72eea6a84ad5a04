//! Understanding end to end: contexts, the customer's world, utterances as people say them.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

use chrono::{Datelike, Days, NaiveDate};
use tingshuo_base::ids::Id;
use tingshuo_base::locale::Locale;
use tingshuo_base::model::Category;
use tingshuo_base::money::{Currency, Money};

use crate::periods::parse_period;
use crate::similarity::{similarity, sound_key};
use crate::{Context, Intent, ItemRef, Named, Said, SlotValue, Understanding, World};

/// Understands `text` as the customer of `world` said it.
fn understand(context: &Context, world: &World, text: &str) -> Option<Understanding> {
    crate::understand(context, world, &Said::new(world.locale, text))
}

/// How a slot's value reads: an item's label, a context's own value as written.
fn label(value: &SlotValue) -> &str {
    match value {
        SlotValue::Item { label, .. } | SlotValue::Text(label) => label,
        _ => "",
    }
}

/// A payee whose id is its name (the test world's payees have distinct names but for Alice).
fn payee(name: &str, phrases: &[&str]) -> Named {
    Named::called(ItemRef::Payee(Id::new(name)), name, phrases)
}

fn biller(name: &str, phrases: &[&str]) -> Named {
    Named::called(ItemRef::Biller(Id::new(name)), name, phrases)
}

fn world(locale: Locale) -> World {
    World {
        locale,
        currency: if locale == Locale::ZhCn {
            Currency::CNY
        } else {
            Currency::USD
        },
        today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        payees: vec![
            payee("李伟", &["儿子"]).ending_in("1001"),
            payee("张丽", &[]),
            payee("王建国", &[]),
            payee("刘芳", &[]),
            payee("Alice Chen", &["my daughter"]),
            payee("Bob Wilson", &[]),
        ],
        billers: vec![
            biller("国家电网", &["电费"]),
            biller("City Electric", &["electric"]),
        ],
        accounts: vec![
            Named::called(
                ItemRef::Account(Id::new("pension")),
                "6217",
                &["养老金账户", "checking"],
            )
            .ending_in("6217"),
        ],
        cards: vec![
            Named::called(
                ItemRef::Card(Id::new("credit")),
                "4580",
                &["信用卡", "credit card"],
            )
            .ending_in("4580"),
        ],
        categories: vec![
            Named::called(
                ItemRef::Category(Category::Groceries),
                "groceries",
                &["groceries", "买菜"],
            ),
            Named::called(
                ItemRef::Category(Category::Health),
                "health",
                &["the pharmacy", "看病买药"],
            ),
        ],
    }
}

const ZH: &str = r#"
context:
  expressions:
    transfer:
      - "(我要)[给, 向]$ts.Payee:payee[转, 转账, 汇](@money)"
      - "[转, 转账](@money)[给]$ts.Payee:payee"
    balance:
      - "(我的)(@account)余额(是多少, 还有多少)"
      - "[查, 查询, 查一下](我的)(@account)余额"
  macros:
    money:
      - "$ts.Money:amount"
    account:
      - "$ts.Account:account"
"#;

#[test]
fn mandarin_transfers_and_balances() {
    let context = Context::from_yaml(ZH).unwrap();
    let w = world(Locale::ZhCn);
    let got = understand(&context, &w, "给李伟转两百块").unwrap();
    assert_eq!(got.intent.name(), "transfer");
    assert_eq!(label(&got.slots["payee"]), "李伟");
    assert_eq!(
        got.slots["amount"],
        SlotValue::Money(Money::from_minor(20_000, Currency::CNY))
    );
    assert!((got.confidence - 1.0).abs() < 1e-9);
    let corrected = understand(&context, &w, "嗯，给李伟转五百，不对，三百").unwrap();
    assert_eq!(
        corrected.slots["amount"],
        SlotValue::Money(Money::from_minor(30_000, Currency::CNY))
    );
    let traditional = understand(&context, &w, "轉賬兩百五給劉芳").unwrap();
    assert_eq!(label(&traditional.slots["payee"]), "刘芳");
    assert_eq!(
        traditional.slots["amount"],
        SlotValue::Money(Money::from_minor(25_000, Currency::CNY))
    );
    assert_eq!(
        understand(&context, &w, "我的余额是多少")
            .unwrap()
            .intent
            .name(),
        "balance"
    );
    let account = understand(&context, &w, "查一下养老金账户余额").unwrap();
    assert_eq!(label(&account.slots["account"]), "6217");
    // Outside the context: rejected, not forced.
    for other in [
        "今天天气怎么样",
        "给李伟打电话",
        "",
        "转账",
        "给陌生人转两百",
    ] {
        assert_eq!(understand(&context, &w, other), None, "{other}");
    }
}

/// Words a recognizer wrote in other characters with the same sounds are read as the
/// context's words when the utterance means nothing as written; a yes never is.
#[test]
fn mandarin_words_heard_in_characters_that_sound_alike() {
    let product = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
    let w = world(Locale::ZhCn);
    let week = understand(&product, &w, "最近期天花了多少钱").unwrap();
    assert_eq!(week.intent.name(), "spending");
    assert_eq!(
        week.slots["period"],
        SlotValue::Period {
            from: w.today.checked_sub_days(Days::new(7)).unwrap(),
            to: w.today
        }
    );
    // Discounted as a near match: read by its sounds, not as written.
    assert!((week.confidence - crate::HEARD_ALIKE_CONFIDENCE).abs() < 1e-9);
    let unlock = understand(&product, &w, "接锁我的信用卡").unwrap();
    assert_eq!(unlock.intent.name(), "unlock_card");
    // What the dialogue acts on without a read-back is never taken by its sounds: 好的 heard
    // as 号的 is asked again, not taken for a yes, and "我的卡听了" locks no card (停了).
    for acted_on_at_once in ["号的", "我的卡听了"] {
        assert_eq!(
            understand(&product, &w, acted_on_at_once),
            None,
            "{acted_on_at_once}"
        );
    }
}

/// A misheard last syllable of an amount becomes a stray character: "二百五" heard "二百鱼",
/// "三十块五" heard "三十块鱼". The amount before it is not whole, so it is not taken: the
/// transfer is understood without an amount (and the customer asked for it) or not at all.
#[test]
fn an_amount_is_taken_only_whole() {
    let context = Context::from_yaml(ZH).unwrap();
    let product = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
    let w = world(Locale::ZhCn);
    for heard in [
        "给张丽转二败鱼",
        "给张丽转二百鱼",
        "给刘芳转三十块鱼",
        "转一万鱼给李伟",
        "给李伟转两百块鱼",
        // A number passed over right before the amount is a piece of it as well.
        "给国家电网交二贰",
        "给李伟转三三块",
        "给李伟转二二十",
        "给李伟转二 二",
        "给国家电网交二贷五",
    ] {
        for context in [&context, &product] {
            let amount =
                understand(context, &w, heard).and_then(|u| u.slots.get("amount").cloned());
            assert_eq!(amount, None, "{heard}");
        }
    }
    // What follows an amount and is explained, or carries little meaning, or comes after a
    // pause or a closing 钱, leaves it whole.
    for (said, minor) in [
        ("给李伟转五百，不急", 50_000),
        ("给李伟转五百块钱过去", 50_000),
        ("给张丽转二百五", 25_000),
        ("给张丽转二百吧", 20_000),
        ("转两百块钱给张丽", 20_000),
        ("给刘芳转三十块五", 3_050),
        ("给李伟转一万五", 1_500_000),
    ] {
        let got = understand(&context, &w, said).unwrap();
        assert_eq!(
            got.slots["amount"],
            SlotValue::Money(Money::from_minor(minor, Currency::CNY)),
            "{said}"
        );
    }
}

#[test]
fn a_name_two_payees_share_is_ambiguous_and_asides_are_set_apart() {
    let yaml = r#"
context:
  expressions:
    transfer:
      - "[send, transfer] $ts.Money:amount to $ts.Payee:payee"
      - "[给]$ts.Payee:payee[转](@money)"
    confirm:
      - "[yes, pay it]"
  macros:
    money:
      - "$ts.Money:amount"
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let mut w = world(Locale::EnUs);
    // As the world names them from the customer's data: full name and given name.
    w.payees.retain(|p| p.label != "Alice Chen");
    w.payees.push(payee("Alice Chen", &["alice"]));
    w.payees.push(payee("Alice Wong", &["alice"]));
    let got = understand(&context, &w, "send $20 to Alice").unwrap();
    assert!(got.ambiguous);
    let alternatives: Vec<&str> = got.alternatives["payee"].iter().map(label).collect();
    assert_eq!(alternatives, ["Alice Chen", "Alice Wong"]);
    assert_eq!(got.to_json()["alternatives"]["payee"][1], "Alice Wong");
    let full = understand(&context, &w, "send $20 to Alice Wong").unwrap();
    assert!(full.alternatives.is_empty());
    // An aside is set apart; one that refuses, carries an amount or asks for something
    // else is not, and a yes is never read out of a longer sentence.
    let aside = understand(
        &context,
        &w,
        "send $20 to Bob Wilson, because he mowed the lawn",
    );
    assert_eq!(aside.unwrap().intent.name(), "transfer");
    for kept in [
        "send $20 to Bob Wilson, don't do it",
        "send $20 to Bob Wilson, and $30 to someone else",
        "I got a letter, pay it",
    ] {
        assert_eq!(understand(&context, &w, kept), None, "{kept}");
    }
    let zh = world(Locale::ZhCn);
    let aside = understand(&context, &zh, "给刘芳转八十块，她帮我买了菜").unwrap();
    assert_eq!(label(&aside.slots["payee"]), "刘芳");
    assert!(aside.confidence < 1.0);
    assert_eq!(understand(&context, &zh, "给刘芳转八十块，不要转了"), None);
}

#[test]
fn words_that_sound_alike_are_near_misses() {
    assert_eq!(sound_key("cancel"), sound_key("council"));
    assert!(similarity("cancel", "council") > 0.0);
    assert!(similarity("balance", "ballots") == 0.0);
    assert!(similarity("pay", "bay") == 0.0, "too short to guess");
    assert_eq!(similarity("transfer", "transfer"), 1.0);
}

#[test]
fn english_with_near_misses() {
    let yaml = r#"
context:
  expressions:
    transfer:
      - "[send, transfer, pay] $ts.Money:amount to $ts.Payee:payee"
    pay_bill:
      - "pay (my) $ts.Biller:biller (bill)"
    transactions:
      - "(read) (me) (my) last $ts.Count:count transactions"
    spending:
      - "how much did i spend $ts.Period:period"
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let w = world(Locale::EnUs);
    let got = understand(&context, &w, "Send $250 to Alice Chen, please.").unwrap();
    assert_eq!(got.intent.name(), "transfer");
    assert_eq!(label(&got.slots["payee"]), "Alice Chen");
    let near = understand(
        &context,
        &w,
        "send two hundred and fifty dollars to alise chen",
    )
    .unwrap();
    assert_eq!(label(&near.slots["payee"]), "Alice Chen");
    assert!(
        near.confidence < 1.0 && near.confidence > 0.8,
        "{}",
        near.confidence
    );
    assert_eq!(
        understand(&context, &w, "pay my city electric bill")
            .unwrap()
            .intent
            .name(),
        "pay_bill"
    );
    let count = understand(&context, &w, "read me my last five transactions").unwrap();
    assert_eq!(count.slots["count"], SlotValue::Count(5));
    let spent = understand(&context, &w, "how much did I spend last week").unwrap();
    let monday = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    assert_eq!(
        spent.slots["period"],
        SlotValue::Period {
            from: monday,
            to: monday + Days::new(6)
        }
    );
    assert_eq!(
        understand(&context, &w, "what is the meaning of life"),
        None
    );
}

#[test]
fn an_ending_is_heard_however_it_is_said() {
    let yaml = r#"
context:
  expressions:
    balance:
      - "balance of (the) account ending (in) $ts.Account:account"
    lock_card:
      - "lock (the) card ending (in) $ts.Card:card"
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let w = world(Locale::EnUs);
    for said in [
        "6217",
        "six two one seven",
        "sixty-two seventeen",
        "six thousand two hundred seventeen",
        // A recognizer's figures for the last, as if it were money.
        "$6,217",
    ] {
        let got = understand(
            &context,
            &w,
            &format!("balance of account ending in {said}"),
        );
        assert_eq!(
            got.map(|g| label(&g.slots["account"]).to_owned())
                .as_deref(),
            Some("6217"),
            "{said}"
        );
    }
    let card = understand(&context, &w, "lock the card ending forty-five eighty").unwrap();
    assert_eq!(label(&card.slots["card"]), "4580");
    // An ending the customer does not have names none of theirs.
    let other = understand(&context, &w, "lock the card ending forty-five eighty-one");
    assert_ne!(
        other.map(|o| label(&o.slots["card"]).to_owned()).as_deref(),
        Some("4580")
    );
}

#[test]
fn free_words_cover_a_purpose_and_never_beat_a_named_slot() {
    let yaml = r#"
context:
  expressions:
    balance:
      - "do i have enough (money) in my $ts.Account:account (account) [to, for] *"
    pay_bill:
      - "pay (my) $ts.Biller:biller bill"
      - "pay (my) * bill"
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let w = world(Locale::EnUs);
    let skis = understand(
        &context,
        &w,
        "do i have enough money in my checking account for a new pair of skis",
    )
    .unwrap();
    assert_eq!(skis.intent.name(), "balance");
    assert_eq!(label(&skis.slots["account"]), "6217");
    assert!(skis.confidence < 1.0, "{}", skis.confidence);
    // The customer's biller is named, not passed over.
    let named = understand(&context, &w, "pay my city electric bill").unwrap();
    assert_eq!(label(&named.slots["biller"]), "City Electric");
    assert!(named.confidence > 0.99, "{}", named.confidence);
    let other = understand(&context, &w, "pay my tuition bill").unwrap();
    assert_eq!((other.intent.name(), other.slots.len()), ("pay_bill", 0));
    // A `*` covers a purpose, not a second sentence, and never stands for nothing.
    let rambling = "do i have enough money in my checking account for the trip my \
                        grandson keeps telling me about every single weekend";
    assert_eq!(understand(&context, &w, rambling), None);
    assert_eq!(understand(&context, &w, "pay bill"), None);
}

/// Any day chrono can represent, the calendar's first and last weeks and months often.
fn any_day() -> impl proptest::strategy::Strategy<Value = NaiveDate> {
    use proptest::prelude::*;
    let (first, last) = (
        NaiveDate::MIN.num_days_from_ce(),
        NaiveDate::MAX.num_days_from_ce(),
    );
    prop_oneof![first..first + 62, last - 62..=last, first..=last,]
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

/// A period as people say it: a fixed phrase, or a count of days, weeks or months back,
/// or a month by number (Mandarin), or a weekday (English); with or without the words
/// around it.
fn any_period_phrase() -> impl proptest::strategy::Strategy<Value = (Locale, String)> {
    use proptest::prelude::*;
    const EN_FIXED: &[&str] = &[
        "today",
        "yesterday",
        "the day before yesterday",
        "this week",
        "last week",
        "this month",
        "last month",
        "this year",
        "last year",
    ];
    const ZH_FIXED: &[&str] = &[
        "今天",
        "昨天",
        "前天",
        "本周",
        "上周",
        "本月",
        "上个月",
        "这个礼拜",
        "上个礼拜",
        "最近半年",
        "星期一以来",
        "今年",
        "去年",
    ];
    const ZH_COUNTS: &[&str] = &["一", "两", "三", "十", "十二", "一百", "3", "30"];
    let english = prop_oneof![
        proptest::sample::select(EN_FIXED).prop_map(str::to_owned),
        (
            0_u32..5000,
            proptest::sample::select(&["day", "days", "week", "weeks", "month", "months"][..])
        )
            .prop_map(|(n, unit)| format!("last {n} {unit}")),
        proptest::sample::select(&["monday", "wednesday", "sunday"][..])
            .prop_map(|day| format!("since {day}")),
    ];
    let english = (
        english,
        proptest::sample::select(&["", "in the ", "for the ", "during the "][..]),
        proptest::sample::select(&["", " so far"][..]),
    )
        .prop_map(|(period, before, after)| (Locale::EnUs, format!("{before}{period}{after}")));
    let chinese = prop_oneof![
        proptest::sample::select(ZH_FIXED).prop_map(str::to_owned),
        (
            proptest::sample::select(ZH_COUNTS),
            proptest::sample::select(&["天", "周", "个月"][..])
        )
            .prop_map(|(n, unit)| format!("最近{n}{unit}")),
        (1_u32..=13).prop_map(|month| format!("{month}月")),
    ]
    .prop_map(|period| (Locale::ZhCn, period));
    prop_oneof![english, chinese]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// Whatever the text and whatever day the host's clock says, the period parser
    /// answers or declines; it never panics.
    #[test]
    fn no_text_or_day_makes_the_period_parser_panic(text in "\\PC{0,30}", today in any_day()) {
        for locale in Locale::ALL {
            let _ = parse_period(locale, &text, today);
        }
    }

    /// Every period understood runs forward and ends no later than today; a count of
    /// days back is exactly that many days.
    #[test]
    fn periods_run_forward_and_end_by_today((locale, phrase) in any_period_phrase(), today in any_day()) {
        if let Some((from, to)) = parse_period(locale, &phrase, today) {
            proptest::prop_assert!(from <= to && to <= today, "{} on {}: {} to {}", phrase, today, from, to);
            if let Some(n) = phrase.strip_prefix("last ").and_then(|rest| rest.strip_suffix(" days")) {
                proptest::prop_assert_eq!((to - from).num_days(), n.parse::<i64>().unwrap());
            }
        }
    }
}

#[test]
fn periods_are_understood_on_ordinary_days() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    for (locale, phrase) in [
        (Locale::EnUs, "in the last 30 days"),
        (Locale::EnUs, "since monday"),
        (Locale::EnUs, "last month"),
        (Locale::ZhCn, "最近三个月"),
        (Locale::ZhCn, "3月"),
        (Locale::ZhCn, "前天"),
        (Locale::EnUs, "the day before yesterday"),
    ] {
        assert!(parse_period(locale, phrase, day).is_some(), "{phrase}");
    }
    // Years as calendar years, as months are; a count of years back from today.
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    for (locale, phrase, from, to) in [
        (Locale::EnUs, "this year", date(2026, 1, 1), day),
        (Locale::ZhCn, "今年", date(2026, 1, 1), day),
        (
            Locale::EnUs,
            "last year",
            date(2025, 1, 1),
            date(2025, 12, 31),
        ),
        (Locale::ZhCn, "去年", date(2025, 1, 1), date(2025, 12, 31)),
        (Locale::ZhCn, "最近一年", date(2025, 11, 27), day),
        (Locale::EnUs, "the past 2 years", date(2024, 11, 27), day),
    ] {
        assert_eq!(
            parse_period(locale, phrase, day),
            Some((from, to)),
            "{phrase}"
        );
    }
    // The calendar's first day has no yesterday: declined, not a panic.
    assert_eq!(
        parse_period(Locale::EnUs, "yesterday", NaiveDate::MIN),
        None
    );
    assert_eq!(
        parse_period(Locale::EnUs, "last year", NaiveDate::MIN),
        None
    );
}

#[test]
fn no_input_makes_matching_slow_or_panic() {
    let context = Context::from_yaml(ZH).unwrap();
    let w = world(Locale::ZhCn);
    let long = "给李伟转".repeat(200);
    for text in [
        long.as_str(),
        "\u{1b}[2J",
        "两两两两两两两两两两两两两两两两两两两两两两两两",
    ] {
        let _ = understand(&context, &w, text);
    }
}

#[test]
fn a_question_is_never_a_yes() {
    let zh = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
    let en = Context::from_yaml(crate::banking_context(Locale::EnUs)).unwrap();
    let (zh_world, en_world) = (world(Locale::ZhCn), world(Locale::EnUs));
    let intent = |context: &Context, world: &World, text: &str| {
        understand(context, world, text).map(|u| u.intent.name().to_owned())
    };
    for asked in ["可以吗", "对不对", "是不是这样", "好吗？", "行么"] {
        assert_ne!(
            intent(&zh, &zh_world, asked).as_deref(),
            Some("confirm"),
            "{asked}"
        );
    }
    for answered in ["对", "好吧", "可以", "确认", "没问题"] {
        assert_eq!(
            intent(&zh, &zh_world, answered).as_deref(),
            Some("confirm"),
            "{answered}"
        );
    }
    for asked in [
        "is that right",
        "right?",
        "is it ok",
        "are you sure",
        "do you think so",
    ] {
        assert_ne!(
            intent(&en, &en_world, asked).as_deref(),
            Some("confirm"),
            "{asked}"
        );
    }
    for answered in [
        "yes",
        "that's right",
        "right",
        "do it",
        "yes do it",
        "go ahead",
    ] {
        assert_eq!(
            intent(&en, &en_world, answered).as_deref(),
            Some("confirm"),
            "{answered}"
        );
    }
}

/// A command said twice in other words is that command; clauses that disagree, or one that is
/// not the command, make no command ("好的，等一下" is not a yes).
#[test]
fn a_command_said_again_clause_by_clause_is_that_command() {
    let zh = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
    let en = Context::from_yaml(crate::banking_context(Locale::EnUs)).unwrap();
    let (zh_world, en_world) = (world(Locale::ZhCn), world(Locale::EnUs));
    let intent = |context: &Context, world: &World, text: &str| {
        understand(context, world, text).map(|u| u.intent.name().to_owned())
    };
    for (said, meant) in [
        ("取消，不办了", "cancel"),
        ("对，没错", "confirm"),
        ("不对，错了", "deny"),
        ("再说一遍，没听清", "repeat"),
        ("大声点，声音太小了", "louder"),
    ] {
        assert_eq!(
            intent(&zh, &zh_world, said).as_deref(),
            Some(meant),
            "{said}"
        );
    }
    for (said, meant) in [
        ("cancel, stop", "cancel"),
        ("yes, correct", "confirm"),
        ("no, wrong", "deny"),
        ("pardon, say that again", "repeat"),
        ("louder, I can't hear you", "louder"),
    ] {
        assert_eq!(
            intent(&en, &en_world, said).as_deref(),
            Some(meant),
            "{said}"
        );
    }
    for said in ["好的，等一下", "对，不对", "取消，确认"] {
        let heard = intent(&zh, &zh_world, said);
        assert!(
            !matches!(heard.as_deref(), Some("confirm" | "deny" | "cancel")),
            "{said}: {heard:?}"
        );
    }
    for said in ["yes, wait", "yes, no", "ok, hold on a second"] {
        let heard = intent(&en, &en_world, said);
        assert!(
            !matches!(heard.as_deref(), Some("confirm" | "deny")),
            "{said}: {heard:?}"
        );
    }
}

/// A name where a payee goes that is none of the payees is kept as said, so the dialogue can
/// say who the payees are; a payee, even misheard or with a word before it, stays the payee.
#[test]
fn a_name_that_is_no_payee_is_kept_as_said() {
    let zh = Context::from_yaml(crate::banking_context(Locale::ZhCn)).unwrap();
    let en = Context::from_yaml(crate::banking_context(Locale::EnUs)).unwrap();
    let (zh_world, en_world) = (world(Locale::ZhCn), world(Locale::EnUs));
    let slot = |context: &Context, world: &World, text: &str, name: &str| {
        understand(context, world, text)
            .and_then(|u| u.slots.get(name).map(|v| label(v).to_owned()))
    };
    for (said, name) in [("给小明转一百", "小明"), ("转两百给张三", "张三")] {
        assert_eq!(
            slot(&zh, &zh_world, said, "unknown_payee").as_deref(),
            Some(name),
            "{said}"
        );
    }
    for said in ["给李维转五百", "把五百块转给隔壁李伟"] {
        assert_eq!(slot(&zh, &zh_world, said, "unknown_payee"), None, "{said}");
        assert!(slot(&zh, &zh_world, said, "payee").is_some(), "{said}");
    }
    assert_eq!(
        slot(&en, &en_world, "send Tom twenty dollars", "unknown_payee").as_deref(),
        Some("tom")
    );
    assert_eq!(
        slot(
            &en,
            &en_world,
            "send twenty dollars to Bob Wilson",
            "unknown_payee"
        ),
        None
    );
    // Money words, numbers and pronouns are no name.
    for said in ["send twenty dollars to him", "give it to me"] {
        assert_eq!(slot(&en, &en_world, said, "unknown_payee"), None, "{said}");
    }
}

/// Self-corrections are read without recursion: thousands of "不对" neither overflow a
/// phone-sized worker stack nor take long; a few are still read as corrections.
#[test]
fn many_self_corrections_fit_a_small_stack() {
    let run = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let context = Context::from_yaml(ZH).unwrap();
            let w = world(Locale::ZhCn);
            for text in [
                "给李伟转五百不对".repeat(20_000),
                "给李伟转五百不对".repeat(100),
            ] {
                let _ = understand(&context, &w, &text);
            }
            understand(&context, &w, "给李伟转五百，不对，转三百")
                .and_then(|u| u.slots.get("amount").cloned())
        })
        .unwrap();
    assert_eq!(
        run.join().unwrap(),
        Some(SlotValue::Money(Money::from_minor(30_000, Currency::CNY)))
    );
}

#[test]
fn a_word_said_twice_is_a_stutter_unless_two_slots_need_it() {
    let yaml = r#"
context:
  expressions:
    orderDrink:
      - "(I want) (a) ($size:size) ($roast:roast) $drink:drink"
    pay_bill:
      - "pay (my) bill"
  slots:
    size: [small, medium, large]
    roast: [medium roast, dark roast]
    drink: [americano, latte]
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let w = world(Locale::EnUs);
    let order = understand(&context, &w, "I want a medium, medium roast americano").unwrap();
    assert_eq!(label(&order.slots["size"]), "medium");
    assert_eq!(label(&order.slots["roast"]), "medium roast");
    // A stutter is still one word.
    let stutter = understand(&context, &w, "I want a large, large latte").unwrap();
    assert_eq!(label(&stutter.slots["size"]), "large");
    assert!(!stutter.slots.contains_key("roast"));
    assert_eq!(
        understand(&context, &w, "pay pay my bill").map(|u| u.intent),
        Some(Intent::PayBill)
    );
}

/// The account a payment leaves, named at its read-back in either language, is heard by the
/// answers context as that account.
#[test]
fn the_account_a_payment_leaves_is_heard_as_an_answer() {
    for (locale, texts) in [
        (
            Locale::ZhCn,
            &["从养老金账户出", "不对，从养老金账户转吧"][..],
        ),
        (
            Locale::EnUs,
            &["from my checking account", "no, take it out of my checking"][..],
        ),
    ] {
        let answers = Context::from_yaml(crate::answers_context(locale)).unwrap();
        let world = world(locale);
        for text in texts {
            let heard = understand(&answers, &world, text).expect(text);
            assert_eq!(heard.intent.name(), "account", "{text}");
            assert!(
                matches!(
                    heard.slots.get("account"),
                    Some(SlotValue::Item { item: ItemRef::Account(id), .. }) if id.as_str() == "pension"
                ),
                "{text}: {heard:?}"
            );
        }
    }
}

/// A payee or biller said as an owner ("Alice's account", "my daughter's") is that payee; the
/// words `*` took are handed on as said, glued Chinese together.
#[test]
fn an_owner_is_the_payee_and_free_words_are_handed_on_as_said() {
    let yaml = r#"
context:
  expressions:
    transfer:
      - "send $ts.Money:amount to $ts.Payee:payee (account)"
    spending:
      - "how much did i spend at *"
      - "在*花了多少钱"
"#;
    let context = Context::from_yaml(yaml).unwrap();
    let w = world(Locale::EnUs);
    for said in [
        "send fifty dollars to alice chen's",
        "send fifty dollars to Alice Chen's account",
        "send fifty dollars to my daughter’s account",
    ] {
        let heard = understand(&context, &w, said).expect(said);
        assert_eq!(label(&heard.slots["payee"]), "Alice Chen", "{said}");
        assert_eq!(heard.free_words, None, "{said}");
    }
    let heard = understand(&context, &w, "how much did i spend at rosie's diner").unwrap();
    assert_eq!(heard.free_words.as_deref(), Some("rosie's diner"));
    let w = world(Locale::ZhCn);
    let heard = understand(&context, &w, "在物美超市花了多少钱").unwrap();
    assert_eq!(heard.free_words.as_deref(), Some("物美超市"));
}

/// A payee's name next to a verb of sending is a transfer, never a question about transfers
/// to them ("给李伟转账" is not "给李伟的转账记录"), in the product's own contexts.
#[test]
fn sending_to_a_payee_is_a_transfer_not_a_question_about_one() {
    for (locale, commands) in [
        (
            Locale::ZhCn,
            &["给李伟转账", "给儿子转钱", "给李伟转两百", "给刘芳打钱"][..],
        ),
        (
            Locale::EnUs,
            &[
                "send money to alice chen",
                "transfer fifty dollars to my daughter",
                "pay bob wilson twenty dollars",
            ][..],
        ),
    ] {
        let context = Context::from_yaml(crate::banking_context(locale)).unwrap();
        let w = world(locale);
        for command in commands {
            let heard = understand(&context, &w, command).map(|u| u.intent.name().to_owned());
            assert_eq!(heard.as_deref(), Some("transfer"), "{command}");
        }
    }
}

/// The number after "ending in" / "尾号" is an account's ending, never an amount, and an
/// amount is filled once: a second number never replaces the first.
#[test]
fn an_ending_is_never_an_amount_nor_a_second_number_the_amount() {
    for (locale, said, not_minor) in [
        (
            Locale::EnUs,
            "send 50 dollars to alice chen ending in 4411",
            441_100,
        ),
        (Locale::EnUs, "pay off the card ending in 4580", 458_000),
        (
            Locale::EnUs,
            "move 100 dollars to checking ending in 6217",
            621_700,
        ),
        (Locale::ZhCn, "还尾号4580的信用卡", 458_000),
        (Locale::ZhCn, "给尾号1001的李伟转两百", 100_100),
    ] {
        let context = Context::from_yaml(crate::banking_context(locale)).unwrap();
        let heard = understand(&context, &world(locale), said);
        let amount = heard.as_ref().and_then(|u| match u.slots.get("amount") {
            Some(SlotValue::Money(money)) => Some(money.minor()),
            _ => None,
        });
        assert_ne!(amount, Some(not_minor), "{said}: {heard:?}");
    }
}
