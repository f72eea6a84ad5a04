//! The dialogue's rules, turn by turn, and a property test over randomized dialogues.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tingshuo_base::ids::Id;
use tingshuo_base::model::{AccountKind, Category};
use tingshuo_base::money::{Currency, Money};
use tingshuo_l10n::{Locale, Localizer};
use tingshuo_understand::{Intent, ItemRef, Said, SlotValue};

use crate::*;

/// Steps the dialogue as a host would: a payment it asks to prepare is prepared exactly as
/// planned, and the dialogue goes on from there.
fn step(d: &mut Dialogue, input: Input) -> Vec<Effect> {
    let mut effects = Vec::new();
    for effect in d.step(input) {
        match effect {
            Effect::PreparePayment(plan) => effects.extend(d.step(Input::Prepared(Prepared {
                amount: plan.amount,
                target_name: plan.target_name,
                target_last_four: plan.target_last_four,
                from_last_four: plan.from_last_four,
            }))),
            other => effects.push(other),
        }
    }
    effects
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn facts() -> Facts {
    Facts {
        online: true,
        data_age_minutes: 10,
        balances_lack_payments: false,
        payees: vec![
            PayeeFact {
                id: Id::new("李伟"),
                name: "李伟".into(),
                account_last_four: "3445".into(),
                transfers_made: 24,
                added_days_ago: 900,
            },
            PayeeFact {
                id: Id::new("陌生人"),
                name: "陌生人".into(),
                account_last_four: "9999".into(),
                transfers_made: 0,
                added_days_ago: 900,
            },
        ],
        billers: vec![BillerFact {
            id: Id::new("国家电网"),
            name: "国家电网".into(),
            reference_last_four: "3345".into(),
            due: Some(DueBill {
                bill: Id::new("power-bill"),
                amount: cny(23_680),
            }),
        }],
        cards: vec![CardFact {
            id: Id::new("credit-card"),
            account: Id::new("zh-credit"),
            name: "信用卡".into(),
            last_four: "4580".into(),
            locked: false,
            pending: false,
        }],
        paying_account: Some(pension()),
        accounts: vec![
            pension(),
            AccountFact {
                id: Id::new("zh-credit"),
                kind: AccountKind::CreditCard,
                name: "信用卡".into(),
                last_four: "4580".into(),
                available: cny(1_871_360),
                booked: cny(-128_640),
                matures_on: None,
            },
        ],
        daily_limit: Some(tingshuo_base::view::DailyLimit {
            limit: cny(5_000_000),
            used_today: cny(0),
        }),
        usual_transfer: Some(cny(50_000)),
        payments_unresolved: 0,
        held_bills: Vec::new(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27),
    }
}

fn pension() -> AccountFact {
    AccountFact {
        id: Id::new("zh-pension"),
        kind: AccountKind::Current,
        name: "养老金账户".into(),
        last_four: "6217".into(),
        available: cny(1_852_385),
        booked: cny(1_864_885),
        matures_on: None,
    }
}

fn heard(intent: Option<&str>, slots: &[(&str, SlotValue)], text: &str) -> Input {
    Input::Heard(Heard {
        intent: intent.map(Intent::from_name),
        slots: slots
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        said: Said::new(Locale::ZhCn, text),
        alternatives: BTreeMap::new(),
        free_words: None,
    })
}

/// A payee slot naming the payee whose id is `id` (the test payees' ids are their names).
fn payee(id: &str) -> SlotValue {
    SlotValue::Item {
        item: ItemRef::Payee(Id::new(id)),
        label: id.to_owned(),
    }
}

fn biller(id: &str) -> SlotValue {
    SlotValue::Item {
        item: ItemRef::Biller(Id::new(id)),
        label: id.to_owned(),
    }
}

fn card(id: &str, last_four: &str) -> SlotValue {
    SlotValue::Item {
        item: ItemRef::Card(Id::new(id)),
        label: last_four.to_owned(),
    }
}

/// "Transfer `minor` fen to `name`", as said in `text`.
fn transfer_to(name: &str, minor: i64, text: &str) -> Input {
    heard(
        Some("transfer"),
        &[
            ("payee", payee(name)),
            ("amount", SlotValue::Money(cny(minor))),
        ],
        text,
    )
}

/// "交电费": the power bill, its amount not said.
fn pay_the_power_bill() -> Input {
    heard(
        Some("pay_bill"),
        &[("biller", biller("国家电网"))],
        "交电费",
    )
}

/// A card request naming the card: `intent` is lock_card or unlock_card.
fn card_request(intent: &str, id: &str, last_four: &str, text: &str) -> Input {
    heard(Some(intent), &[("card", card(id, last_four))], text)
}

fn ids(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| {
            if let Effect::Say(r) = e {
                Some(r.id)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn a_transfer_needs_read_back_confirm_and_step_up() {
    let mut d = Dialogue::new(facts());
    let payee = ("payee", payee("李伟"));
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[payee.clone(), ("amount", SlotValue::Money(cny(20_000)))],
            "给李伟转两百",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    // Step-up results nobody asked for approve nothing.
    assert!(step(&mut d, Input::StepUpSucceeded).is_empty());
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(20_000) && plan.target_name == "李伟")
    );
    // Saying "yes" again does not replace the step-up.
    assert_eq!(
        ids(&step(&mut d, heard(Some("confirm"), &[], "对"))),
        ["dlg-step-up"]
    );
    let effects = step(&mut d, Input::StepUpSucceeded);
    assert!(matches!(&effects[0], Effect::ExecutePayment(plan) if plan.amount == cny(20_000)));
    assert_eq!(
        ids(&step(
            &mut d,
            Input::PaymentDone {
                held_for_minutes: None
            }
        )),
        ["dlg-payment-done"]
    );
}

/// A "no" or a new amount while the step-up is asked is heard: the payment is changed, a
/// step-up given after approves nothing, and only the new read-back's yes asks again.
#[test]
fn a_correction_while_the_step_up_is_asked_changes_the_payment_and_voids_the_step_up() {
    let mut d = Dialogue::new(facts());
    step(&mut d, transfer_to("李伟", 5_000, "给李伟转五十"));
    step(&mut d, heard(Some("confirm"), &[], "对"));
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[("amount", SlotValue::Money(cny(8_000)))],
            "不对，是八十",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"], "{effects:?}");
    // The step-up she was asked for before approves nothing now.
    assert!(step(&mut d, Input::StepUpSucceeded).is_empty());
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(8_000)),
        "{effects:?}"
    );
    // A plain "no" while asked: what to change, and again nothing is approved.
    assert_eq!(
        ids(&step(&mut d, heard(Some("deny"), &[], "不对"))),
        ["dlg-what-to-change"]
    );
    assert!(step(&mut d, Input::StepUpSucceeded).is_empty());
    // Unlocking: "no" while asked keeps the card locked.
    let mut d = Dialogue::new(two_cards(true));
    let unlock = card_request("unlock_card", "credit-card", "4580", "解锁信用卡");
    assert_eq!(ids(&step(&mut d, unlock)), ["dlg-readback-unlock"]);
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RequestStepUpForUnlock { .. })),
        "{effects:?}"
    );
    let effects = step(&mut d, heard(Some("deny"), &[], "不要"));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::UnlockCard { .. })),
        "{effects:?}"
    );
    let after = step(&mut d, Input::StepUpSucceeded);
    assert!(
        !after.iter().any(|e| matches!(e, Effect::UnlockCard { .. })),
        "{after:?}"
    );
}

/// The bank's daily limit is said before any read-back, with what today's payments left of
/// it: no one confirms and steps up for a payment the bank will refuse.
#[test]
fn the_daily_limit_and_what_today_left_of_it_are_said_before_the_read_back() {
    let limit = |used_today| {
        let mut facts = facts();
        facts.daily_limit = Some(tingshuo_base::view::DailyLimit {
            limit: cny(1_000_000),
            used_today: cny(used_today),
        });
        facts
    };
    let mut d = Dialogue::new(limit(0));
    assert_eq!(
        ids(&step(
            &mut d,
            transfer_to("李伟", 1_000_100, "给李伟转一万零一块")
        )),
        ["dlg-over-limit"]
    );
    let facts = limit(950_000);
    let mut d = Dialogue::new(facts);
    let effects = step(&mut d, transfer_to("李伟", 100_000, "给李伟转一千"));
    assert_eq!(ids(&effects), ["dlg-over-limit-left"]);
    let Effect::Say(reply) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert!(
        reply
            .args
            .iter()
            .any(|(name, arg)| *name == "remaining" && *arg == ReplyArg::Money(cny(50_000)))
    );
    // A smaller amount, said next, is read back.
    assert_eq!(
        ids(&step(
            &mut d,
            heard(
                Some("transfer"),
                &[("amount", SlotValue::Money(cny(40_000)))],
                "四百"
            )
        )),
        ["dlg-readback-transfer"]
    );
}

#[test]
fn a_name_that_fits_two_payees_gets_a_clarifying_question() {
    let mut facts = facts();
    facts.payees.push(PayeeFact {
        id: Id::new("李维"),
        name: "李维".into(),
        account_last_four: "7788".into(),
        transfers_made: 3,
        added_days_ago: 900,
    });
    let mut d = Dialogue::new(facts);
    let mut ambiguous = heard(
        Some("transfer"),
        &[
            ("payee", payee("李伟")),
            ("amount", SlotValue::Money(cny(20_000))),
        ],
        "给李wei转两百",
    );
    if let Input::Heard(h) = &mut ambiguous {
        h.alternatives
            .insert("payee".into(), vec![payee("李伟"), payee("李维")]);
    }
    let effects = step(&mut d, ambiguous);
    assert_eq!(ids(&effects), ["dlg-which-one"]);
    let Effect::Say(question) = &effects[0] else {
        panic!("expected a question");
    };
    assert_eq!(
        question.args,
        vec![
            (
                "choices",
                ReplyArg::Choices(vec![
                    Choice {
                        name: "李伟".into(),
                        ending: None
                    },
                    Choice {
                        name: "李维".into(),
                        ending: None
                    }
                ])
            ),
            ("by", ReplyArg::Text("name".into()))
        ]
    );
    assert_eq!(d.expecting(), Some(Expecting::Payee));
    // Silence and "repeat" keep the question; the amount already said is kept.
    assert!(ids(&step(&mut d, Input::Silence)).contains(&"dlg-which-one"));
    let effects = step(&mut d, heard(None, &[("payee", payee("李维"))], "李维"));
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let Effect::Say(read_back) = &effects[0] else {
        panic!("expected a read-back");
    };
    assert!(
        read_back
            .args
            .contains(&("target", ReplyArg::Text("李维".into())))
    );
}

#[test]
fn one_question_at_a_time_and_never_asking_twice() {
    let mut d = Dialogue::new(facts());
    assert_eq!(
        ids(&step(&mut d, heard(Some("transfer"), &[], "转账"))),
        ["dlg-ask-payee"]
    );
    assert_eq!(
        ids(&step(
            &mut d,
            heard(None, &[("payee", payee("李伟"))], "李伟")
        )),
        ["dlg-ask-amount"]
    );
    assert_eq!(
        ids(&step(&mut d, Input::Silence)),
        ["dlg-silence", "dlg-ask-amount"]
    );
    assert_eq!(
        ids(&step(
            &mut d,
            heard(None, &[("amount", SlotValue::Money(cny(30_000)))], "三百")
        )),
        ["dlg-readback-transfer"]
    );
    // A changed amount is read back again before anything can be confirmed.
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[("amount", SlotValue::Money(cny(40_000)))],
            "转四百",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(40_000) && plan.target_name == "李伟")
    );
}

#[test]
fn risk_warnings_offline_refusals_and_cancel() {
    let mut d = Dialogue::new(facts());
    let stranger = ("payee", payee("陌生人"));
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[stranger, ("amount", SlotValue::Money(cny(10_000)))],
            "急，给陌生人转一百，别告诉别人",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-scam-warning"]);
    assert_eq!(
        ids(&step(&mut d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-cancelled-payment"]
    );

    let mut offline = Dialogue::new(Facts {
        online: false,
        ..facts()
    });
    let effects = step(
        &mut offline,
        heard(Some("transfer"), &[("payee", payee("李伟"))], "给李伟转钱"),
    );
    assert_eq!(ids(&effects), ["dlg-offline-no-payments"]);
    assert_eq!(
        ids(&step(&mut offline, heard(Some("balance"), &[], "余额"))),
        ["dlg-balance-offline"]
    );
    // Safety actions work offline.
    let effects = step(
        &mut offline,
        card_request("lock_card", "credit-card", "4580", "锁卡"),
    );
    assert!(effects.contains(&Effect::LockCard {
        card: Id::new("credit-card")
    }));
}

#[test]
fn repeat_and_slower_keep_the_place() {
    let mut d = Dialogue::new(facts());
    step(&mut d, pay_the_power_bill());
    assert_eq!(
        ids(&step(&mut d, heard(Some("repeat"), &[], "再说一遍"))),
        ["dlg-readback-bill"]
    );
    let effects = step(&mut d, heard(Some("slower"), &[], "慢一点"));
    // The rate changes before the repeat is said, so the repeat is slower.
    assert_eq!(effects[0], Effect::SetSpeechRate(85));
    assert_eq!(ids(&effects), ["dlg-readback-bill"]);
    assert!(
        matches!(&step(&mut d, heard(Some("confirm"), &[], "对"))[1], Effect::RequestStepUp(plan) if plan.amount == cny(23_680))
    );
}

/// "大点声" says the read-back again, louder (the volume set before it is said); at the
/// engine's full volume it says the phone's own volume buttons go higher; "小点声" never goes
/// below audible.
#[test]
fn louder_and_quieter_say_the_last_reply_again_at_the_new_volume() {
    let mut d = Dialogue::new(facts());
    step(&mut d, pay_the_power_bill());
    let start = d.volume();
    let effects = step(&mut d, heard(Some("louder"), &[], "大点声"));
    assert_eq!(effects[0], Effect::SetVolume(start + 10));
    assert_eq!(ids(&effects), ["dlg-readback-bill"]);
    let mut last = Vec::new();
    for _ in 0..5 {
        last = ids(&step(&mut d, heard(Some("louder"), &[], "大点声")));
    }
    assert_eq!(d.volume(), 100);
    // Said, then the read-back again: it stays the last thing said.
    assert_eq!(last, ["dlg-volume-loudest", "dlg-readback-bill"]);
    for _ in 0..20 {
        last = ids(&step(&mut d, heard(Some("quieter"), &[], "小点声")));
    }
    assert!(d.volume() >= 30);
    assert_eq!(last, ["dlg-volume-quietest", "dlg-readback-bill"]);
    // The read-back is still the one a yes confirms.
    assert!(
        matches!(&step(&mut d, heard(Some("confirm"), &[], "对"))[1], Effect::RequestStepUp(plan) if plan.amount == cny(23_680))
    );
}

/// "声音低沉一点" (a deeper voice, for ears that lose the high tones first) says the last reply
/// again at the new pitch, as "louder" does; at either end of the natural range it says so and
/// the read-back stays the last thing said, the one a yes confirms.
#[test]
fn a_deeper_or_higher_voice_says_the_last_reply_again_at_the_new_pitch() {
    let mut d = Dialogue::new(facts());
    step(&mut d, pay_the_power_bill());
    assert_eq!(d.pitch(), 100);
    let effects = step(&mut d, heard(Some("lower_pitch"), &[], "声音低沉一点"));
    assert_eq!(effects[0], Effect::SetPitch(90));
    assert_eq!(ids(&effects), ["dlg-readback-bill"]);
    let mut last = Vec::new();
    for _ in 0..5 {
        last = ids(&step(&mut d, heard(Some("lower_pitch"), &[], "再低沉一点")));
    }
    assert_eq!(d.pitch(), 70);
    assert_eq!(last, ["dlg-pitch-lowest", "dlg-readback-bill"]);
    for _ in 0..10 {
        last = ids(&step(
            &mut d,
            heard(Some("higher_pitch"), &[], "音调高一点"),
        ));
    }
    assert_eq!(d.pitch(), 130);
    assert_eq!(last, ["dlg-pitch-highest", "dlg-readback-bill"]);
    assert!(
        matches!(&step(&mut d, heard(Some("confirm"), &[], "对"))[1], Effect::RequestStepUp(plan) if plan.amount == cny(23_680))
    );
}

#[test]
fn every_reply_renders_in_both_locales_without_whole_numbers() {
    let l10n = Localizer::new().unwrap();
    let mut d = Dialogue::new(facts());
    let inputs = vec![
        heard(Some("help"), &[], ""),
        heard(None, &[], "?"),
        Input::Silence,
        Input::Silence,
        heard(Some("balance"), &[], ""),
        heard(Some("account_number"), &[], ""),
        heard(Some("transfer"), &[], ""),
        heard(None, &[("payee", payee("陌生人"))], ""),
        heard(None, &[("amount", SlotValue::Money(cny(900_000_000)))], ""),
        heard(None, &[("amount", SlotValue::Money(cny(10_000)))], "急"),
        heard(Some("confirm"), &[], ""),
        heard(Some("confirm"), &[], ""),
        Input::StepUpSucceeded,
        Input::PaymentDone {
            held_for_minutes: Some(10),
        },
        heard(Some("lock_card"), &[], ""),
        heard(Some("human"), &[], ""),
        heard(Some("cancel"), &[], ""),
        heard(Some("lower_pitch"), &[], ""),
        heard(Some("lower_pitch"), &[], ""),
        heard(Some("lower_pitch"), &[], ""),
        heard(Some("lower_pitch"), &[], ""),
        Input::Heard(Heard {
            intent: Some(Intent::Bank("findBranch".into())),
            slots: BTreeMap::new(),
            said: Said::new(Locale::ZhCn, "最近的网点在哪"),
            alternatives: BTreeMap::new(),
            free_words: None,
        }),
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                (
                    "amount",
                    SlotValue::Money(Money::from_minor(5_000, Currency::USD)),
                ),
            ],
            "",
        ),
    ];
    let mut rendered = Vec::new();
    for input in inputs {
        for effect in step(&mut d, input) {
            if let Effect::Say(reply) = effect {
                for locale in Locale::ALL {
                    let u = l10n.reply(locale, &reply).unwrap();
                    assert!(
                        !u.display.contains("6217")
                            || u.display.contains("尾号6217")
                            || u.display.contains("ending in 6217")
                    );
                    assert!(!u.speech.contains('¥'), "{}", u.speech);
                    rendered.push((reply.id, u.display));
                }
            }
        }
    }
    for id in [
        "dlg-pitch-lowest",
        "dlg-bank-request",
        "dlg-amount-other-currency",
    ] {
        assert!(
            rendered.iter().any(|(said, _)| *said == id),
            "{id} never said"
        );
    }
    // The account's currency named in words, not by its code.
    assert!(
        rendered
            .iter()
            .filter(|(id, _)| *id == "dlg-amount-other-currency")
            .all(|(_, text)| !text.contains("CNY")
                && (text.contains("人民币") || text.contains("yuan"))),
        "{rendered:?}"
    );
}

fn any_input() -> impl Strategy<Value = Input> {
    let intents = prop::sample::select(vec![
        "transfer",
        "pay_bill",
        "confirm",
        "deny",
        "cancel",
        "repeat",
        "slower",
        "louder",
        "quieter",
        "help",
        "balance",
        "lock_card",
        "unlock_card",
    ]);
    let payees = prop::sample::select(vec!["李伟", "李伟", "陌生人", "王五"]);
    // Amounts that reach every branch: small, usual, large, over the balance and limit.
    let amounts = prop_oneof![
        prop::sample::select(vec![
            100_i64,
            20_000,
            49_999,
            300_000,
            1_852_385,
            3_000_000,
            900_000_000
        ]),
        1_i64..10_000_000,
    ];
    prop_oneof![
        (
            proptest::option::of(intents),
            proptest::option::of(payees),
            proptest::option::of(amounts),
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.1)
        )
            .prop_map(|(intent, payee, amount, urgent, ambiguous)| {
                let mut slots = BTreeMap::new();
                if let Some(p) = payee {
                    slots.insert("payee".to_owned(), self::payee(p));
                }
                if let Some(a) = amount {
                    slots.insert("amount".to_owned(), SlotValue::Money(cny(a)));
                }
                if intent.is_some_and(|i: &str| i.ends_with("_card")) {
                    slots.insert("card".to_owned(), card("credit-card", "4580"));
                }
                Input::Heard(Heard {
                    intent: intent.map(Intent::from_name),
                    slots,
                    said: Said::new(Locale::ZhCn, if urgent { "急" } else { "" }),
                    free_words: None,
                    // Sometimes the name fitted two payees equally.
                    alternatives: if ambiguous {
                        BTreeMap::from([(
                            "payee".to_owned(),
                            vec![self::payee("李伟"), self::payee("陌生人")],
                        )])
                    } else {
                        BTreeMap::new()
                    },
                })
            }),
        Just(Input::Silence),
        Just(Input::StepUpSucceeded),
        Just(Input::StepUpFailed),
        Just(Input::PaymentDone {
            held_for_minutes: None
        }),
        Just(Input::PaymentRefused {
            reason: "limit".into()
        }),
        Just(Input::PaymentNotSent),
        Just(Input::PaymentUnknown),
        Just(Input::PaymentCancelled),
        Just(Input::CancelRefused {
            reason: "not_cancellable".into(),
            still_held: false,
        }),
        Just(Input::CancelRefused {
            reason: "device_revoked".into(),
            still_held: true,
        }),
        Just(Input::CancelUnknown),
        Just(Input::CardActionDone {
            card: Id::new("credit-card"),
            lock: true,
            outcome: ActionOutcome::Queued
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// No payment reaches the bank unless a confirm followed a read-back of exactly that
    /// payee and amount, and then the step-up succeeded — whatever the customer says.
    #[test]
    fn no_money_moves_without_read_back_confirm_and_step_up(inputs in proptest::collection::vec(any_input(), 1..40), online in any::<bool>()) {
        let mut d = Dialogue::new(Facts { online, ..facts() });
        let mut last_read_back: Option<(String, Money)> = None;
        let mut confirmed: Option<(String, Money)> = None;
        let mut step_up_requested: Option<PaymentPlan> = None;
        // A payment whose answer never came is unresolved until the bank's answer is known.
        let mut unresolved = false;
        // What was said last before this turn: a yes may only confirm a read-back said last.
        let mut said_last: Option<&'static str> = None;
        for input in inputs {
            let was_confirm = matches!(&input, Input::Heard(h) if h.intent == Some(Intent::Confirm));
            let was_step_up = matches!(input, Input::StepUpSucceeded);
            let resolves = matches!(input, Input::PaymentDone { .. } | Input::PaymentRefused { .. } | Input::PaymentNotSent);
            let bank_cancelled = matches!(input, Input::PaymentCancelled);
            let effects = step(&mut d, input);
            for effect in &effects {
                if let Effect::Say(reply) = effect {
                    // "Cancelled" about a payment is said only when the bank cancelled it.
                    prop_assert!(reply.id != "dlg-payment-cancelled" || bank_cancelled);
                    if reply.id == "dlg-payment-checking" {
                        unresolved = true;
                    }
                    // While the bank's answer is unknown, nothing says the money was or was not sent.
                    if unresolved {
                        prop_assert!(
                            !["dlg-payment-done", "dlg-payment-not-sent", "dlg-cancelled-payment"].contains(&reply.id)
                                || resolves,
                            "{} said while checking", reply.id
                        );
                    }
                }
                if unresolved {
                    prop_assert!(!matches!(effect, Effect::RequestStepUp(_) | Effect::ExecutePayment(_)), "another payment while checking");
                }
            }
            if resolves && effects.iter().any(|e| matches!(e, Effect::Say(r) if ["dlg-payment-done", "dlg-payment-held", "dlg-payment-refused"].contains(&r.id))) {
                unresolved = false;
            }
            let said_before = said_last;
            if let Some(id) = effects.iter().rev().find_map(|e| match e { Effect::Say(r) => Some(r.id), _ => None }) {
                said_last = Some(id);
            }
            for effect in effects {
                match effect {
                    Effect::Say(reply) if reply.id.starts_with("dlg-readback") => {
                        let target = reply.args.iter().find_map(|(k, v)| (*k == "target").then(|| v.clone()));
                        let amount = reply.args.iter().find_map(|(k, v)| if let ("amount", ReplyArg::Money(m)) = (*k, v) { Some(*m) } else { None });
                        if let (Some(ReplyArg::Text(t)), Some(a)) = (target, amount) {
                            last_read_back = Some((t, a));
                        }
                        confirmed = None;
                    }
                    Effect::RequestStepUp(plan) => {
                        prop_assert!(was_confirm, "step-up without a confirm");
                        prop_assert!(
                            said_before.is_some_and(|id| id.starts_with("dlg-readback")),
                            "confirmed after {:?}, not after a read-back", said_before
                        );
                        prop_assert_eq!(Some((plan.target_name.clone(), plan.amount)), last_read_back.clone());
                        confirmed = last_read_back.clone();
                        step_up_requested = Some(plan);
                    }
                    Effect::UnlockCard { .. } => {
                        prop_assert!(was_step_up, "a card unlocked without a step-up");
                    }
                    Effect::ExecutePayment(plan) => {
                        prop_assert!(online, "money moved offline");
                        prop_assert!(was_step_up, "payment without a successful step-up");
                        prop_assert_eq!(Some((plan.target_name.clone(), plan.amount)), confirmed.clone());
                        prop_assert_eq!(Some(plan.clone()), step_up_requested.clone());
                        prop_assert!(plan.target != PlanTarget::Payee(Id::new("王五")), "paid someone who is not a payee");
                        step_up_requested = None;
                        confirmed = None;
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn two_payees_with_one_name_are_asked_about_by_ending_and_the_chosen_one_is_paid() {
    let mut facts = facts();
    for (id, ending) in [("p-chen-1", "1234"), ("p-chen-2", "5678")] {
        facts.payees.push(PayeeFact {
            id: Id::new(id),
            name: "陈丽".into(),
            account_last_four: ending.into(),
            transfers_made: 5,
            added_days_ago: 900,
        });
    }
    let mut d = Dialogue::new(facts);
    let chen = |id: &str| SlotValue::Item {
        item: ItemRef::Payee(Id::new(id)),
        label: "陈丽".into(),
    };
    let mut said = heard(
        Some("transfer"),
        &[
            ("payee", chen("p-chen-1")),
            ("amount", SlotValue::Money(cny(20_000))),
        ],
        "给陈丽转两百",
    );
    if let Input::Heard(h) = &mut said {
        h.alternatives
            .insert("payee".into(), vec![chen("p-chen-1"), chen("p-chen-2")]);
    }
    let effects = step(&mut d, said);
    let Some(Effect::Say(question)) = effects.first() else {
        panic!("expected a question: {effects:?}");
    };
    assert_eq!(question.id, "dlg-which-one");
    let endings: Vec<Option<&str>> = match &question.args[..] {
        [
            ("choices", ReplyArg::Choices(choices)),
            ("by", ReplyArg::Text(by)),
        ] if by == "ending" => choices.iter().map(|c| c.ending.as_deref()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(endings, [Some("1234"), Some("5678")]);
    // Rendered, the two are told apart by their endings, in both locales.
    let l10n = Localizer::new().unwrap();
    let asked = l10n.reply(Locale::ZhCn, question).unwrap();
    assert!(
        asked.display.contains("尾号1234")
            && asked.display.contains("尾号5678")
            && asked.display.contains("后四位"),
        "{}",
        asked.display
    );
    // The answer names the second by its ending; the amount already said is kept.
    let effects = step(
        &mut d,
        heard(None, &[("payee", chen("p-chen-2"))], "尾号五六七八的"),
    );
    assert!(effects.contains(&Effect::Say(Reply {
        id: "dlg-readback-transfer",
        args: vec![
            ("target", ReplyArg::Text("陈丽".into())),
            ("masked", ReplyArg::Masked("5678".into())),
            ("amount", ReplyArg::Money(cny(20_000))),
            ("from", ReplyArg::Masked("6217".into())),
        ],
    })));
    step(&mut d, heard(Some("confirm"), &[], "对"));
    let effects = step(&mut d, Input::StepUpSucceeded);
    assert!(
        matches!(&effects[0], Effect::ExecutePayment(plan) if plan.target == PlanTarget::Payee(Id::new("p-chen-2"))),
        "{effects:?}"
    );
}

/// Steps a payment of ¥200 to 李伟 through read-back, confirm and step-up to the bank.
fn sent_to_the_bank() -> Dialogue {
    let mut d = Dialogue::new(facts());
    step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                ("amount", SlotValue::Money(cny(20_000))),
            ],
            "给李伟转两百",
        ),
    );
    step(&mut d, heard(Some("confirm"), &[], "对"));
    let effects = step(&mut d, Input::StepUpSucceeded);
    assert!(
        matches!(effects[0], Effect::ExecutePayment(_)),
        "{effects:?}"
    );
    d
}

/// While a payment's answer is being checked, another payment is held back and "cancel" calls
/// nothing off.
fn nothing_moves_or_is_called_off_while_checking(d: &mut Dialogue) {
    assert_eq!(
        ids(&step(
            d,
            heard(
                Some("transfer"),
                &[
                    ("payee", payee("李伟")),
                    ("amount", SlotValue::Money(cny(20_000)))
                ],
                "再给李伟转两百",
            )
        )),
        ["dlg-payment-unresolved"]
    );
    assert_eq!(
        ids(&step(d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-payment-still-checking"]
    );
}

#[test]
fn an_answer_that_never_came_is_checked_never_called_sent_or_not_sent() {
    let mut d = sent_to_the_bank();
    assert_eq!(
        ids(&step(&mut d, Input::PaymentUnknown)),
        ["dlg-payment-checking"]
    );
    nothing_moves_or_is_called_off_while_checking(&mut d);
    // Other questions are answered.
    assert_eq!(
        ids(&step(&mut d, heard(Some("balance"), &[], "余额"))),
        ["dlg-balance"]
    );
    assert_eq!(
        ids(&step(&mut d, Input::PaymentUnknown)),
        ["dlg-payment-still-checking"]
    );
    // The bank's answer, once known, is what is said.
    assert_eq!(
        ids(&step(
            &mut d,
            Input::PaymentDone {
                held_for_minutes: None
            }
        )),
        ["dlg-payment-done"]
    );
}

#[test]
fn payments_an_earlier_session_left_are_resumed_and_cancel_says_only_what_is_so() {
    let facts = facts();
    let account = Id::new("zh-pension");
    // What was sent, by ids, is read back as it was then; what the view no longer knows is not.
    let sent = facts
        .plan_of_sent(PlanKind::Transfer, &account, "李伟", cny(20_000), None)
        .expect("a payee in the view");
    assert_eq!(
        (sent.target_name.as_str(), sent.target_last_four.as_str()),
        ("李伟", "3445")
    );
    let bill = facts
        .plan_of_sent(PlanKind::Bill, &account, "power-bill", cny(23_680), None)
        .expect("a bill due");
    assert_eq!(bill.target_name, "国家电网");
    // A bill paid is no longer due: its biller is the one the store has it from.
    let paid = facts
        .plan_of_sent(
            PlanKind::Bill,
            &account,
            "last-months-power-bill",
            cny(21_000),
            Some(&Id::new("国家电网")),
        )
        .expect("a bill from a biller in the view");
    assert_eq!(
        (paid.target_name.as_str(), paid.amount),
        ("国家电网", cny(21_000))
    );
    assert!(
        facts
            .plan_of_sent(
                PlanKind::Bill,
                &account,
                "last-months-power-bill",
                cny(1),
                None
            )
            .is_none()
    );
    assert!(
        facts
            .plan_of_sent(PlanKind::Transfer, &account, "nobody", cny(1), None)
            .is_none()
    );
    assert!(
        facts
            .plan_of_sent(PlanKind::Transfer, &Id::new("gone"), "李伟", cny(1), None)
            .is_none()
    );

    // Nothing waits: "cancel" cancels nothing, and says so.
    let mut d = Dialogue::new(facts.clone());
    assert_eq!(
        ids(&step(&mut d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-nothing-to-cancel"]
    );

    // A payment still being checked: no other one, nothing called off, its answer told.
    let mut d = Dialogue::new(facts.clone());
    d.resume(Some(sent.clone()), None);
    nothing_moves_or_is_called_off_while_checking(&mut d);
    let effects = step(
        &mut d,
        Input::PaymentDone {
            held_for_minutes: None,
        },
    );
    assert_eq!(ids(&effects), ["dlg-payment-done"]);
    assert!(format!("{effects:?}").contains("李伟"), "{effects:?}");

    // A payment the bank holds: "cancel" asks the bank.
    let mut d = Dialogue::new(facts.clone());
    d.resume(None, Some(sent));
    let effects = step(&mut d, heard(Some("cancel"), &[], "取消"));
    assert!(
        matches!(effects[..], [Effect::CancelHeldPayment]),
        "{effects:?}"
    );

    // A payment on its way to the bank is never said to be cancelled.
    let mut d = sent_to_the_bank();
    assert_eq!(
        ids(&step(&mut d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-payment-still-checking"]
    );

    // One the store holds as unresolved but no plan names (its payee gone from the view):
    // still no other payment, and nothing is said to be cancelled.
    let mut d = Dialogue::new(Facts {
        payments_unresolved: 1,
        ..facts.clone()
    });
    assert_eq!(
        ids(&step(&mut d, transfer_to("李伟", 100, "给李伟转一块"))),
        ["dlg-payment-unresolved"]
    );
    assert_eq!(
        ids(&step(&mut d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-payment-still-checking"]
    );

    // The one being checked never reached the bank: said so, and payments go on.
    let mut d = sent_to_the_bank();
    step(&mut d, Input::PaymentUnknown);
    assert_eq!(
        ids(&step(&mut d, Input::PaymentNotSent)),
        ["dlg-payment-not-sent"]
    );
    assert_eq!(
        ids(&step(&mut d, transfer_to("李伟", 100, "给李伟转一块"))),
        ["dlg-readback-transfer"]
    );

    // A hold with under a minute left, or no end given, is "a short while", never minutes.
    let l10n = Localizer::new().unwrap();
    for (minutes, en, zh) in [
        (0, "holds it for a short while", "暂缓一小会儿"),
        (1, "waits one more minute", "等1分钟"),
        (25, "waits 25 more minutes", "等25分钟"),
    ] {
        let mut d = sent_to_the_bank();
        let effects = step(
            &mut d,
            Input::PaymentDone {
                held_for_minutes: Some(minutes),
            },
        );
        let Effect::Say(reply) = &effects[0] else {
            panic!("{effects:?}")
        };
        let said = |locale| l10n.reply(locale, reply).unwrap().display;
        assert!(said(Locale::EnUs).contains(en), "{}", said(Locale::EnUs));
        assert!(said(Locale::ZhCn).contains(zh), "{}", said(Locale::ZhCn));
    }
}

/// The power bill paid and held by the bank (its correction window) still shows as due: asked
/// again, it is not read back for a second payment, and her "cancel" then stops the first
/// without a question. A new bill of the same biller is paid as usual, and so is the same bill
/// once the bank cancelled the payment or said it was made after all.
#[test]
fn a_bill_paid_and_held_is_not_paid_again_but_a_new_bill_is() {
    let held_power_bill = || {
        let mut d = Dialogue::new(facts());
        step(&mut d, pay_the_power_bill());
        step(&mut d, heard(Some("confirm"), &[], "对"));
        step(&mut d, Input::StepUpSucceeded);
        let effects = step(
            &mut d,
            Input::PaymentDone {
                held_for_minutes: Some(10),
            },
        );
        assert_eq!(ids(&effects), ["dlg-payment-held"]);
        d
    };
    let mut d = held_power_bill();
    assert_eq!(
        ids(&step(&mut d, pay_the_power_bill())),
        ["dlg-bill-held-already"]
    );
    assert_eq!(
        step(&mut d, heard(Some("cancel"), &[], "取消")),
        [Effect::CancelHeldPayment]
    );
    // Cancelled at the bank: the bill, still due, is paid anew.
    step(&mut d, Input::PaymentCancelled);
    assert_eq!(
        ids(&step(&mut d, pay_the_power_bill())),
        ["dlg-readback-bill"]
    );

    // The bank says it was made after all (its hold ended): the next bill is read back.
    let mut d = held_power_bill();
    step(&mut d, heard(Some("cancel"), &[], "取消"));
    step(
        &mut d,
        Input::CancelRefused {
            reason: "not_cancellable".into(),
            still_held: false,
        },
    );
    let mut next_bill = facts();
    next_bill.billers[0].due = Some(DueBill {
        bill: Id::new("power-bill-next"),
        amount: cny(19_000),
    });
    d.update_facts(next_bill.clone());
    assert_eq!(
        ids(&step(&mut d, pay_the_power_bill())),
        ["dlg-readback-bill"]
    );

    // Still held, but the bank has issued the next bill: that one is paid.
    let mut d = held_power_bill();
    d.update_facts(next_bill);
    assert_eq!(
        ids(&step(&mut d, pay_the_power_bill())),
        ["dlg-readback-bill"]
    );
}

/// A bill the bank holds a payment for, known from the bank's view though not the payment
/// last made here (another came since, or another channel paid it): not read back for a second
/// payment, and "cancel" is not offered for it (it would reach the payment last made).
#[test]
fn a_bill_the_bank_holds_a_payment_for_is_not_paid_again() {
    let mut facts = facts();
    facts.held_bills = vec![Id::new("power-bill")];
    let mut d = Dialogue::new(facts);
    assert_eq!(
        ids(&step(&mut d, pay_the_power_bill())),
        ["dlg-bill-paid-already"]
    );
}

#[test]
fn not_sent_and_refused_are_told_apart() {
    let mut d = sent_to_the_bank();
    assert_eq!(
        ids(&step(&mut d, Input::PaymentNotSent)),
        ["dlg-payment-not-sent"]
    );
    let mut d = sent_to_the_bank();
    assert_eq!(
        ids(&step(
            &mut d,
            Input::PaymentRefused {
                reason: "limit".into()
            }
        )),
        ["dlg-payment-refused"]
    );
}

#[test]
fn a_card_action_is_said_as_done_only_when_the_bank_has_it() {
    let mut d = Dialogue::new(facts());
    let effects = step(
        &mut d,
        card_request("lock_card", "credit-card", "4580", "锁卡"),
    );
    assert_eq!(
        effects,
        [Effect::LockCard {
            card: Id::new("credit-card")
        }],
        "nothing said before the host reports"
    );
    for (outcome, said) in [
        (ActionOutcome::Queued, "dlg-card-lock-queued"),
        (ActionOutcome::Unconfirmed, "dlg-card-lock-unconfirmed"),
        (ActionOutcome::Done, "dlg-card-locked"),
        (
            ActionOutcome::Refused {
                reason: "the item was not found".into(),
            },
            "dlg-card-action-refused",
        ),
    ] {
        let effects = step(
            &mut d,
            Input::CardActionDone {
                card: Id::new("credit-card"),
                lock: true,
                outcome,
            },
        );
        assert_eq!(ids(&effects), [said]);
        let Effect::Say(reply) = &effects[0] else {
            panic!()
        };
        assert_eq!(reply.args[0], ("masked", ReplyArg::Masked("4580".into())));
    }
}

/// A bill is paid whole: an amount said that the account could pay does not hide that the
/// bill itself is more than the account has, or than today's limit leaves.
#[test]
fn a_bills_funds_and_limit_are_checked_on_the_whole_bill_not_the_amount_said() {
    let fifty_yuan = || {
        heard(
            Some("pay_bill"),
            &[
                ("biller", biller("国家电网")),
                ("amount", SlotValue::Money(cny(5_000))),
            ],
            "交电费五十块",
        )
    };
    // ¥100 available: enough for the ¥50 said, not for the ¥236.80 bill.
    let mut short = facts();
    short.paying_account = short.paying_account.map(|account| AccountFact {
        available: cny(10_000),
        ..account
    });
    let effects = step(&mut Dialogue::new(short), fifty_yuan());
    assert_eq!(ids(&effects), ["dlg-insufficient"], "{effects:?}");
    // ¥150 left of today's limit: the same.
    let mut limited = facts();
    limited.daily_limit = Some(tingshuo_base::view::DailyLimit {
        limit: cny(5_000_000),
        used_today: cny(4_985_000),
    });
    let effects = step(&mut Dialogue::new(limited), fifty_yuan());
    assert_eq!(ids(&effects), ["dlg-over-limit-left"], "{effects:?}");
    // Enough for the whole bill: read back (whole, as the next test shows).
    let effects = step(&mut Dialogue::new(facts()), fifty_yuan());
    assert_eq!(
        ids(&effects).last(),
        Some(&"dlg-readback-bill"),
        "{effects:?}"
    );
}

#[test]
fn the_read_back_says_the_payment_as_prepared_and_a_bill_is_paid_whole() {
    let mut d = Dialogue::new(facts());
    // "交电费一百块": the customer names ¥100; the bank takes only the whole bill.
    let effects = d.step(heard(
        Some("pay_bill"),
        &[
            ("biller", biller("国家电网")),
            ("amount", SlotValue::Money(cny(10_000))),
        ],
        "交电费一百块",
    ));
    let Some(Effect::PreparePayment(plan)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.amount, cny(10_000));
    let effects = d.step(Input::Prepared(Prepared {
        amount: cny(23_680),
        target_name: "国家电网".into(),
        target_last_four: "3345".into(),
        from_last_four: "6217".into(),
    }));
    assert_eq!(
        ids(&effects),
        ["dlg-bill-full-amount-only", "dlg-readback-bill"]
    );
    let Effect::Say(read_back) = &effects[1] else {
        panic!()
    };
    assert!(
        read_back
            .args
            .contains(&("amount", ReplyArg::Money(cny(23_680)))),
        "the read-back says what will be paid: {read_back:?}"
    );
    step(&mut d, heard(Some("confirm"), &[], "对"));
    let effects = step(&mut d, Input::StepUpSucceeded);
    assert!(
        matches!(&effects[0], Effect::ExecutePayment(plan) if plan.amount == cny(23_680)),
        "{effects:?}"
    );
}

#[test]
fn a_payment_that_cannot_be_prepared_is_said_as_not_sent() {
    let mut d = Dialogue::new(facts());
    d.step(heard(
        Some("transfer"),
        &[
            ("payee", payee("李伟")),
            ("amount", SlotValue::Money(cny(20_000))),
        ],
        "给李伟转两百",
    ));
    let effects = d.step(Input::PrepareRefused {
        reason: "the item was not found".into(),
    });
    assert_eq!(ids(&effects), ["dlg-payment-refused"]);
    // Nothing is waiting to be confirmed.
    assert_eq!(
        ids(&step(&mut d, heard(Some("confirm"), &[], "对"))),
        ["dlg-nothing-to-confirm"]
    );
}

#[test]
fn a_yes_confirms_only_a_read_back_said_last() {
    let mut d = Dialogue::new(facts());
    step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                ("amount", SlotValue::Money(cny(20_000))),
            ],
            "给李伟转两百",
        ),
    );
    // Anything else said while the read-back waits is followed by the read-back again.
    for (intent, first) in [(None, "dlg-not-understood"), (Some("help"), "dlg-help")] {
        assert_eq!(
            ids(&step(&mut d, heard(intent, &[], "嗯？"))),
            [first, "dlg-readback-transfer"]
        );
    }
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RequestStepUp(_))),
        "{effects:?}"
    );
}

#[test]
fn a_denied_hurry_raises_no_warning_and_a_scammers_script_does() {
    let mut d = Dialogue::new(facts());
    let transfer = |text: &str| {
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                ("amount", SlotValue::Money(cny(50_000))),
            ],
            text,
        )
    };
    assert_eq!(
        ids(&step(&mut d, transfer("给李伟转五百，不急"))),
        ["dlg-readback-transfer"]
    );
    let mut d = Dialogue::new(facts());
    assert_eq!(
        ids(&step(
            &mut d,
            transfer("警察说我的账户有问题，给李伟转五百")
        )),
        ["dlg-scam-warning"]
    );
}

#[test]
fn a_correction_changes_only_what_it_corrects_and_a_plain_no_asks_what_to_change() {
    let mut d = Dialogue::new(facts());
    step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                ("amount", SlotValue::Money(cny(50_000))),
            ],
            "给李伟转五百",
        ),
    );
    // The read-back waits for a change as well as for a yes or no.
    assert_eq!(d.expecting(), Some(Expecting::Change(PlanKind::Transfer)));
    // "不对，是三百": the amount changes, the payee stays, and it is read back again.
    let effects = step(
        &mut d,
        heard(
            None,
            &[("amount", SlotValue::Money(cny(30_000)))],
            "不对，是三百",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let Effect::Say(read_back) = &effects[0] else {
        panic!()
    };
    assert!(
        read_back
            .args
            .contains(&("amount", ReplyArg::Money(cny(30_000))))
    );
    assert!(
        read_back
            .args
            .contains(&("target", ReplyArg::Text("李伟".into())))
    );
    // A plain no keeps both, and asks which to change; a new payee then changes only that.
    assert_eq!(
        ids(&step(&mut d, heard(Some("deny"), &[], "不对"))),
        ["dlg-what-to-change"]
    );
    let effects = step(
        &mut d,
        heard(None, &[("payee", payee("陌生人"))], "是陌生人"),
    );
    assert_eq!(
        ids(&effects),
        ["dlg-scam-warning"],
        "a new payee is warned about"
    );
    let effects = step(&mut d, heard(Some("confirm"), &[], "确认"));
    let Effect::Say(read_back) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert!(
        read_back
            .args
            .contains(&("amount", ReplyArg::Money(cny(30_000))))
    );
    assert!(
        read_back
            .args
            .contains(&("target", ReplyArg::Text("陌生人".into())))
    );
}

#[test]
fn the_balance_asked_for_is_of_the_account_named() {
    let mut d = Dialogue::new(facts());
    let credit = SlotValue::Item {
        item: ItemRef::Account(Id::new("zh-credit")),
        label: "4580".into(),
    };
    let effects = step(
        &mut d,
        heard(Some("balance"), &[("account", credit)], "信用卡还欠多少钱"),
    );
    assert_eq!(ids(&effects), ["dlg-balance-owed"]);
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    assert!(
        reply
            .args
            .contains(&("owed", ReplyArg::Money(cny(128_640))))
    );
    assert!(
        reply
            .args
            .contains(&("masked", ReplyArg::Masked("4580".into())))
    );
    // Without an account named: the one payments leave from.
    let effects = step(&mut d, heard(Some("balance"), &[], "余额"));
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    assert_eq!(reply.id, "dlg-balance");
    assert!(
        reply
            .args
            .contains(&("masked", ReplyArg::Masked("6217".into())))
    );
    // Both render in both locales.
    let l10n = Localizer::new().unwrap();
    for locale in Locale::ALL {
        l10n.reply(locale, reply).unwrap();
    }
}

#[test]
fn a_balance_says_how_old_it_is_once_old_and_a_time_deposit_its_principal() {
    let l10n = Localizer::new().unwrap();
    let said = |facts: Facts, account: Option<&str>, locale: Locale| {
        let mut d = Dialogue::new(facts);
        let slots: Vec<(&str, SlotValue)> = account
            .map(|id| {
                (
                    "account",
                    SlotValue::Item {
                        item: ItemRef::Account(Id::new(id)),
                        label: id.into(),
                    },
                )
            })
            .into_iter()
            .collect();
        let effects = step(&mut d, heard(Some("balance"), &slots, "余额"));
        let Effect::Say(reply) = &effects[0] else {
            panic!("{effects:?}")
        };
        l10n.reply(locale, reply).unwrap().display
    };
    let aged = |minutes| Facts {
        data_age_minutes: minutes,
        ..facts()
    };
    // Just updated: no age. Three days since the bank's last word: said in days, not minutes,
    // online or not, for what is available and what is owed alike.
    assert!(!said(aged(10), None, Locale::EnUs).contains("ago"));
    assert!(
        said(aged(3 * 24 * 60 + 5), None, Locale::EnUs).contains("That was 3 days ago"),
        "{}",
        said(aged(3 * 24 * 60 + 5), None, Locale::EnUs)
    );
    assert!(said(aged(3 * 24 * 60 + 5), None, Locale::ZhCn).contains("3天前"));
    assert!(said(aged(125), Some("zh-credit"), Locale::ZhCn).contains("2小时前"));
    let offline = Facts {
        online: false,
        ..aged(90)
    };
    assert!(
        said(offline.clone(), None, Locale::EnUs).contains("That was one hour ago; I can't reach")
    );
    assert!(!said(offline, None, Locale::EnUs).contains("minutes"));
    // A time deposit is its principal, not money available.
    let mut with_deposit = facts();
    with_deposit.accounts.push(AccountFact {
        id: Id::new("zh-deposit"),
        kind: AccountKind::TimeDeposit,
        name: "定期存款".into(),
        last_four: "8301".into(),
        available: cny(0),
        booked: cny(10_000_000),
        matures_on: chrono::NaiveDate::from_ymd_opt(2027, 5, 15),
    });
    // With its maturity date, in its year ("定期什么时候到期").
    let deposit = said(with_deposit.clone(), Some("zh-deposit"), Locale::ZhCn);
    assert!(
        deposit.contains("本金")
            && !deposit.contains("可用")
            && deposit.contains("到期日2027年5月15日"),
        "{deposit}"
    );
    let deposit = said(with_deposit, Some("zh-deposit"), Locale::EnUs);
    assert!(
        deposit.contains("principal")
            && !deposit.contains("available")
            && deposit.contains("maturity date May 15, 2027"),
        "{deposit}"
    );
    assert!(!said(facts(), None, Locale::EnUs).contains("maturity"));
}

/// Who she can send money to: her payees listed, none said as none (and how one is added),
/// nothing before a first sync.
#[test]
fn payees_are_listed_and_none_is_said_as_none() {
    let l10n = Localizer::new().unwrap();
    let asked = |facts: Facts| {
        let mut d = Dialogue::new(facts);
        step(&mut d, heard(Some("payees"), &[], "我能给谁转钱"))
    };
    let effects = asked(facts());
    assert_eq!(ids(&effects), ["dlg-payees"]);
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    let said = l10n.reply(Locale::ZhCn, reply).unwrap().display;
    assert!(
        said.contains("李伟") && said.contains('和') && !said.contains("还是"),
        "{said}"
    );
    let mut none = facts();
    none.payees.clear();
    assert_eq!(ids(&asked(none)), ["dlg-no-payees"]);
    let mut unsynced = facts();
    unsynced.accounts.clear();
    assert_eq!(ids(&asked(unsynced)), ["dlg-no-data"]);
}

/// An account's or a card's number is said by its last four digits only, with why: the card
/// or account named, every card when cards are asked for, else each account; "repeat" says
/// them all again.
#[test]
fn numbers_are_said_by_their_last_four_digits_only() {
    let l10n = Localizer::new().unwrap();
    let asked = |facts: Facts, slots: &[(&str, SlotValue)]| {
        let mut d = Dialogue::new(facts);
        let effects = step(
            &mut d,
            heard(Some("account_number"), slots, "我的账号是多少"),
        );
        for _ in 0..2 {
            let again = step(&mut d, heard(Some("repeat"), &[], "再说一遍"));
            assert_eq!(ids(&again), ids(&effects), "{again:?}");
        }
        effects
    };
    let spoken = |effects: &[Effect], locale| -> String {
        effects
            .iter()
            .map(|effect| match effect {
                Effect::Say(reply) => l10n.reply(locale, reply).unwrap().display,
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let card_named = asked(two_cards(false), &[("card", card("debit-card", "6217"))]);
    assert_eq!(ids(&card_named), ["dlg-number-card", "dlg-number-why"]);
    let said = spoken(&card_named, Locale::ZhCn);
    assert!(
        said.contains("尾号6217") && said.contains("后四位"),
        "{said}"
    );
    let account_named = asked(facts(), &[from_account("zh-credit")]);
    assert_eq!(
        ids(&account_named),
        ["dlg-number-account", "dlg-number-why"]
    );
    let said = spoken(&account_named, Locale::EnUs);
    assert!(
        said.contains("信用卡") && said.contains("ending in 4580"),
        "{said}"
    );
    assert!(!said.contains("6217"), "{said}");
    let cards_slot = ("cards", SlotValue::Text("卡".into()));
    let every_card = asked(two_cards(false), std::slice::from_ref(&cards_slot));
    assert_eq!(
        ids(&every_card),
        [
            "dlg-cards",
            "dlg-number-card",
            "dlg-number-card",
            "dlg-number-why"
        ]
    );
    let said = spoken(&every_card, Locale::ZhCn);
    assert!(
        said.contains("尾号4580") && said.contains("尾号6217"),
        "{said}"
    );
    let mut no_cards = facts();
    no_cards.cards.clear();
    let mut d = Dialogue::new(no_cards);
    assert_eq!(
        ids(&step(
            &mut d,
            heard(Some("account_number"), &[cards_slot], "卡号")
        )),
        ["dlg-no-cards"]
    );
    let each_account = asked(facts(), &[]);
    assert_eq!(
        ids(&each_account),
        [
            "dlg-accounts-intro",
            "dlg-number-account",
            "dlg-number-account",
            "dlg-number-why"
        ]
    );
    let said = spoken(&each_account, Locale::ZhCn);
    assert!(
        said.contains("尾号6217") && said.contains("尾号4580"),
        "{said}"
    );
    // A payee's account, by its last four digits as her payees hold it.
    let payees = asked(facts(), &[("payee", payee("李伟"))]);
    assert_eq!(ids(&payees), ["dlg-number-account", "dlg-number-why"]);
    let said = spoken(&payees, Locale::ZhCn);
    assert!(
        said.contains("李伟的账号尾号3445") && said.contains("收款人"),
        "{said}"
    );
    let mut one_account = facts();
    one_account.accounts.truncate(1);
    assert_eq!(
        ids(&asked(one_account, &[])),
        ["dlg-number-account", "dlg-number-why"]
    );
    let mut unsynced = facts();
    unsynced.accounts.clear();
    let mut d = Dialogue::new(unsynced);
    assert_eq!(
        ids(&step(
            &mut d,
            heard(Some("account_number"), &[], "我的账号")
        )),
        ["dlg-no-data"]
    );
}

/// What spending is asked about reaches the host (a kind of spending, a biller, or words no
/// slot holds), and each is said as itself in both locales — with payments and with none.
#[test]
fn spending_on_a_kind_a_biller_or_something_else_is_said_as_such() {
    let category = |category: Category| SlotValue::Item {
        item: ItemRef::Category(category),
        label: category.as_str().to_owned(),
    };
    let biller = SlotValue::Item {
        item: ItemRef::Biller(Id::new("zh-biller-power")),
        label: "国家电网".to_owned(),
    };
    let asked = |slots: &[(&str, SlotValue)], free_words: Option<&str>| {
        let mut d = Dialogue::new(facts());
        let Input::Heard(mut heard) = heard(Some("spending"), slots, "") else {
            unreachable!()
        };
        heard.free_words = free_words.map(str::to_owned);
        let effects = step(&mut d, Input::Heard(heard));
        let [Effect::SumSpending(query)] = &effects[..] else {
            panic!("{effects:?}")
        };
        query.on.clone()
    };
    assert_eq!(asked(&[], None), SpentOn::All);
    assert_eq!(
        asked(&[("payee", payee("李伟"))], None),
        SpentOn::Named("李伟".into())
    );
    assert_eq!(
        asked(&[], Some("rosie's diner")),
        SpentOn::Words("rosie's diner".into())
    );
    assert_eq!(
        asked(&[("category", category(Category::Groceries))], None),
        SpentOn::Category(Category::Groceries)
    );
    // Money in or moved is no kind of spending.
    assert_eq!(
        asked(&[("category", category(Category::Income))], None),
        SpentOn::Unsorted
    );
    assert_eq!(
        asked(&[("biller", biller)], None),
        SpentOn::Biller {
            id: Id::new("zh-biller-power"),
            name: "国家电网".to_owned(),
        }
    );

    let l10n = Localizer::new().unwrap();
    let mut every = vec![
        SpentOn::All,
        SpentOn::Unsorted,
        SpentOn::Named("物美超市".into()),
        SpentOn::Biller {
            id: Id::new("zh-biller-power"),
            name: "国家电网".to_owned(),
        },
    ];
    every.extend(SpentOn::CATEGORIES.map(SpentOn::Category));
    for locale in Locale::ALL {
        for count in [0, 3] {
            let mut texts = std::collections::BTreeSet::new();
            for on in &every {
                let mut d = Dialogue::new(facts());
                step(&mut d, heard(Some("spending"), &[], ""));
                let effects = step(
                    &mut d,
                    Input::Spent(Spent {
                        total: cny(if count == 0 { 0 } else { 12_345 }),
                        count,
                        pending: cny(0),
                        pending_count: 0,
                        from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                        to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                        on: on.clone(),
                    }),
                );
                let Some(Effect::Say(reply)) = effects.first() else {
                    panic!("{effects:?}")
                };
                let said = l10n.reply(locale, reply).unwrap().display;
                if let SpentOn::Biller { name, .. } | SpentOn::Named(name) = on {
                    assert!(said.contains(name.as_str()), "{said}");
                }
                assert!(
                    texts.insert(said.clone()),
                    "{locale:?}: {on:?} said as another: {said}"
                );
            }
        }
    }
}

#[test]
fn spending_is_added_up_by_the_host_and_transactions_are_of_the_account_named() {
    let mut d = Dialogue::new(facts());
    let last_month = SlotValue::Period {
        from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    };
    let effects = step(
        &mut d,
        heard(
            Some("spending"),
            &[("period", last_month.clone())],
            "上个月花了多少",
        ),
    );
    let [Effect::SumSpending(query)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(query.account, None);
    assert!(query.period.is_some());
    let effects = step(
        &mut d,
        Input::Spent(Spent {
            total: cny(123_456),
            count: 7,
            pending: cny(2_000),
            pending_count: 1,
            from: query.period.unwrap().0,
            to: query.period.unwrap().1,
            on: query.on.clone(),
        }),
    );
    assert_eq!(ids(&effects), ["dlg-spending-total"]);
    let l10n = Localizer::new().unwrap();
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    for locale in Locale::ALL {
        let said = l10n.reply(locale, reply).unwrap();
        assert!(said.display.contains("1,234.56"), "{}", said.display);
        // The part the bank has not booked yet is said as such.
        assert!(said.display.contains("20.00"), "{}", said.display);
    }
    // "The last two transactions on my credit card": the card's account, two of them.
    let effects = step(
        &mut d,
        heard(
            Some("transactions"),
            &[
                ("card", card("credit-card", "4580")),
                ("count", SlotValue::Count(2)),
            ],
            "信用卡最近两笔交易",
        ),
    );
    assert!(
        effects.contains(&Effect::ShowTransactions(TransactionsQuery {
            account: Some(Id::new("zh-credit")),
            count: Some(2),
            period: None,
            incoming_only: false,
            on: SpentOn::All,
            pending_only: false,
        })),
        "{effects:?}"
    );
    // Nothing is said before the host has looked: none found is said so, never "I'll read
    // them to you" and then silence.
    assert!(ids(&effects).is_empty(), "{effects:?}");
    assert_eq!(
        ids(&step(
            &mut d,
            Input::Listed {
                what: Listing::Transactions,
                count: 0
            }
        )),
        ["dlg-no-transactions"]
    );
    // Found: introduced, then read; a repeat (or "slower") reads them again.
    let found = step(
        &mut d,
        Input::Listed {
            what: Listing::Transactions,
            count: 2,
        },
    );
    assert_eq!(ids(&found), ["dlg-see-screen"]);
    assert_eq!(found.last(), Some(&Effect::ReadListed), "{found:?}");
    let again = step(&mut d, heard(Some("repeat"), &[], "再说一遍"));
    assert_eq!(ids(&again), ["dlg-see-screen"]);
    assert_eq!(again.last(), Some(&Effect::ReadListed), "{again:?}");
    let slower = step(&mut d, heard(Some("slower"), &[], "说慢一点"));
    assert_eq!(slower.last(), Some(&Effect::ReadListed), "{slower:?}");

    // "退休金发了没有": the payments in only; none found is said so, with how old the data is.
    let effects = step(&mut d, heard(Some("income"), &[], "退休金发了没有"));
    assert_eq!(
        effects,
        [Effect::ShowTransactions(TransactionsQuery {
            account: None,
            count: None,
            period: None,
            incoming_only: true,
            on: SpentOn::All,
            pending_only: false,
        })]
    );
    let none = step(
        &mut d,
        Input::Listed {
            what: Listing::Income,
            count: 0,
        },
    );
    assert_eq!(ids(&none), ["dlg-no-income"]);
    let Effect::Say(reply) = &none[0] else {
        panic!()
    };
    assert!(
        reply.args.iter().any(|(name, _)| *name == "stale"),
        "{reply:?}"
    );
    let found = step(
        &mut d,
        Input::Listed {
            what: Listing::Income,
            count: 3,
        },
    );
    assert_eq!(ids(&found), ["dlg-income"]);
    assert_eq!(found.last(), Some(&Effect::ReadListed), "{found:?}");
}

#[test]
fn unlocking_a_card_is_read_back_confirmed_and_stepped_up() {
    let mut d = Dialogue::new(two_cards(true));
    let unlock = || card_request("unlock_card", "credit-card", "4580", "解锁信用卡");
    assert_eq!(ids(&step(&mut d, unlock())), ["dlg-readback-unlock"]);
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert_eq!(ids(&effects), ["dlg-step-up-unlock"]);
    assert!(effects.contains(&Effect::RequestStepUpForUnlock {
        card: Id::new("credit-card")
    }));
    // Words do not approve it; only the step-up does.
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::UnlockCard { .. }))
    );
    let effects = step(&mut d, Input::StepUpSucceeded);
    assert_eq!(
        effects,
        [Effect::UnlockCard {
            card: Id::new("credit-card")
        }]
    );
    // A failed step-up, a no or a cancel leaves the card locked.
    for ending in [vec![Input::StepUpFailed], vec![]] {
        let mut d = Dialogue::new(two_cards(true));
        step(&mut d, unlock());
        let mut effects = step(&mut d, heard(Some("confirm"), &[], "对"));
        for input in ending {
            effects = step(&mut d, input);
        }
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::UnlockCard { .. }))
        );
    }
    for no in ["deny", "cancel"] {
        let mut d = Dialogue::new(two_cards(true));
        step(&mut d, unlock());
        assert_eq!(
            ids(&step(&mut d, heard(Some(no), &[], "不"))),
            ["dlg-unlock-kept-locked"]
        );
    }
    // A card that is not locked is not unlocked, and one locked is not locked again: said so,
    // never read back.
    let mut d = Dialogue::new(two_cards(false));
    assert_eq!(ids(&step(&mut d, unlock())), ["dlg-card-not-locked"]);
    let mut d = Dialogue::new(two_cards(true));
    let lock = card_request("lock_card", "credit-card", "4580", "锁信用卡");
    assert_eq!(ids(&step(&mut d, lock)), ["dlg-card-already-locked"]);
}

/// The customer's cards: the credit card (locked or not) and a debit card.
fn two_cards(credit_locked: bool) -> Facts {
    let mut facts = facts();
    facts.cards[0].locked = credit_locked;
    facts.cards.push(CardFact {
        id: Id::new("debit-card"),
        account: Id::new("pension"),
        name: "借记卡".into(),
        last_four: "6217".into(),
        locked: false,
        pending: false,
    });
    facts
}

/// A question in passing while "which card?" waits is answered, then the question asked again.
#[test]
fn a_question_while_which_card_waits_is_answered_and_which_card_asked_again() {
    let mut d = Dialogue::new(two_cards(false));
    assert_eq!(
        ids(&step(&mut d, heard(Some("lock_card"), &[], "锁卡"))),
        ["dlg-ask-card"]
    );
    let effects = step(&mut d, heard(Some("card_status"), &[], "我的卡是不是锁着"));
    assert_eq!(effects, [Effect::ShowItems(Listing::Cards)]);
    let effects = step(
        &mut d,
        Input::Listed {
            what: Listing::Cards,
            count: 2,
        },
    );
    assert_eq!(ids(&effects), ["dlg-cards", "dlg-ask-card"], "{effects:?}");
    assert_eq!(
        effects[1],
        Effect::ReadListed,
        "the lines before the question"
    );
    assert_eq!(d.expecting(), Some(Expecting::Card));

    // Nothing synced yet: never "you have no cards", or no bills.
    let mut empty = Dialogue::new(Facts::default());
    assert_eq!(
        ids(&step(
            &mut empty,
            heard(Some("card_status"), &[], "我的卡是不是锁着")
        )),
        ["dlg-no-data"]
    );
    for (intent, text) in [
        ("bills", "我有什么账单要交"),
        ("income", "退休金发了没有"),
        ("transactions", "最近的交易"),
    ] {
        assert_eq!(
            ids(&step(&mut empty, heard(Some(intent), &[], text))),
            ["dlg-no-data"],
            "{intent}"
        );
    }

    // Bills asked in passing: listed, then the question again.
    let effects = step(&mut d, heard(Some("lock_card"), &[], "锁卡"));
    assert_eq!(ids(&effects), ["dlg-ask-card"]);
    let effects = step(&mut d, heard(Some("bills"), &[], "我有什么账单要交"));
    assert_eq!(effects, [Effect::ShowItems(Listing::Bills)]);
    let effects = step(
        &mut d,
        Input::Listed {
            what: Listing::Bills,
            count: 0,
        },
    );
    assert_eq!(
        ids(&effects),
        ["dlg-no-bills", "dlg-ask-card"],
        "{effects:?}"
    );
}

/// "Which card?" takes a bare answer ("信用卡"); an unnamed card that only one card can be is
/// that card ("我的卡找到了" is the locked one); a new request replaces the question.
#[test]
fn which_card_is_answered_bare_and_asked_only_when_more_than_one_can_be_meant() {
    let mut d = Dialogue::new(two_cards(false));
    assert_eq!(
        ids(&step(&mut d, heard(Some("lock_card"), &[], "锁卡"))),
        ["dlg-ask-card"]
    );
    assert_eq!(d.expecting(), Some(Expecting::Card));
    let effects = step(
        &mut d,
        heard(None, &[("card", card("credit-card", "4580"))], "信用卡"),
    );
    assert_eq!(
        effects,
        [Effect::LockCard {
            card: Id::new("credit-card")
        }]
    );
    // Only the credit card locked: finding "my card" unlocks that one, read back first.
    // Nothing locked: nothing to unlock, and said so.
    for (credit_locked, said) in [(true, "dlg-readback-unlock"), (false, "dlg-no-card-locked")] {
        let mut d = Dialogue::new(two_cards(credit_locked));
        let found = heard(Some("unlock_card"), &[], "我的卡找到了");
        assert_eq!(ids(&step(&mut d, found)), [said]);
    }
    // A question while asked which card is answered and the card asked for again (a lost
    // card is urgent); a new request drops the question.
    let mut d = Dialogue::new(two_cards(false));
    step(&mut d, heard(Some("lock_card"), &[], "锁卡"));
    assert_eq!(
        ids(&step(&mut d, heard(Some("balance"), &[], "查余额"))),
        ["dlg-balance", "dlg-ask-card"]
    );
    assert_eq!(d.expecting(), Some(Expecting::Card));
    assert_eq!(
        ids(&step(&mut d, heard(Some("human"), &[], "转人工"))),
        ["dlg-handoff"]
    );
    assert_eq!(d.expecting(), None);
}

/// A request in the middle of a read-back: a question is answered and the payment is read
/// back again, last, so that a yes confirms what was read; a lock during an unlock's
/// read-back is a new request and the card stays locked; a new amount during a warning is
/// taken.
#[test]
fn a_request_during_a_read_back_is_answered_and_the_read_back_said_again() {
    let mut d = Dialogue::new(two_cards(true));
    step(&mut d, pay_the_power_bill());
    assert_eq!(
        ids(&step(&mut d, heard(Some("balance"), &[], "还有多少钱"))),
        ["dlg-balance", "dlg-readback-bill"]
    );
    assert!(matches!(
        &step(&mut d, heard(Some("confirm"), &[], "对"))[1],
        Effect::RequestStepUp(_)
    ));

    let mut d = Dialogue::new(two_cards(true));
    step(
        &mut d,
        card_request("unlock_card", "credit-card", "4580", "解锁信用卡"),
    );
    let effects = step(
        &mut d,
        card_request("lock_card", "debit-card", "6217", "锁借记卡"),
    );
    assert_eq!(
        effects,
        [Effect::LockCard {
            card: Id::new("debit-card")
        }]
    );
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::RequestStepUpForUnlock { .. } | Effect::UnlockCard { .. }
        )),
        "{effects:?}"
    );

    // A new amount during a warning is the amount read back and paid.
    let mut d = Dialogue::new(facts());
    let warned = step(
        &mut d,
        transfer_to("陌生人", 10_000, "急，给陌生人转一百，别告诉别人"),
    );
    assert_eq!(ids(&warned), ["dlg-scam-warning"]);
    for said in [
        heard(None, &[("amount", SlotValue::Money(cny(80_000)))], "八百"),
        transfer_to("陌生人", 80_000, "给陌生人转八百"),
    ] {
        let mut d = d.clone();
        let mut effects = step(&mut d, said);
        if ids(&effects) == ["dlg-scam-warning"] {
            effects = step(&mut d, heard(Some("confirm"), &[], "对"));
        }
        assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
        let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
        assert!(
            matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(80_000)),
            "{effects:?}"
        );
    }
}

/// The args a reply was said with, by name.
fn arg<'a>(effects: &'a [Effect], id: &str, name: &str) -> Option<&'a ReplyArg> {
    effects.iter().find_map(|effect| match effect {
        Effect::Say(reply) if reply.id == id => reply
            .args
            .iter()
            .find(|(arg, _)| *arg == name)
            .map(|(_, value)| value),
        _ => None,
    })
}

/// After "no" to a read-back, a question in passing is answered and the payment still waits
/// for what to change; a silence there asks it again, as it does at an unlock's read-back.
#[test]
fn a_payment_waiting_for_what_to_change_outlasts_a_question_and_a_silence() {
    let mut d = Dialogue::new(facts());
    step(&mut d, transfer_to("李伟", 5_000, "给李伟转五十"));
    assert_eq!(
        ids(&step(&mut d, heard(Some("deny"), &[], "不对"))),
        ["dlg-what-to-change"]
    );
    let asked = step(&mut d, heard(Some("balance"), &[], "我还有多少钱"));
    assert!(!ids(&asked).is_empty(), "{asked:?}");
    assert_eq!(
        ids(&step(&mut d, Input::Silence)),
        ["dlg-silence", "dlg-what-to-change"]
    );
    let effects = step(
        &mut d,
        heard(None, &[("amount", SlotValue::Money(cny(8_000)))], "八十"),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"], "{effects:?}");

    let mut d = Dialogue::new(two_cards(true));
    step(
        &mut d,
        card_request("unlock_card", "credit-card", "4580", "解锁信用卡"),
    );
    assert_eq!(
        ids(&step(&mut d, Input::Silence)),
        ["dlg-silence", "dlg-readback-unlock"]
    );
}

/// A payment warned about for a scam cue, then changed before she answered the warning, is
/// warned about again: a new amount never skips the question the cue raised.
#[test]
fn a_payment_changed_at_its_scam_warning_is_warned_about_again() {
    for change in [
        heard(None, &[("amount", SlotValue::Money(cny(30_000)))], "三百"),
        transfer_to("李伟", 30_000, "给李伟转三百"),
    ] {
        let mut d = Dialogue::new(facts());
        let effects = step(
            &mut d,
            transfer_to("李伟", 50_000, "急，别告诉我儿子，给李伟转五百"),
        );
        assert_eq!(ids(&effects), ["dlg-scam-warning"]);
        let effects = step(&mut d, change);
        assert_eq!(ids(&effects), ["dlg-scam-warning"], "{effects:?}");
        // Her yes to the warning, then to the read-back of the changed amount.
        let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
        assert_eq!(ids(&effects), ["dlg-readback-transfer"], "{effects:?}");
        let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
        assert!(
            matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(30_000)),
            "{effects:?}"
        );
    }
}

/// A scammer's story in a transfer request is named at once, before the first question; the
/// warning before the read-back names it again and asks for the read-back's own answer words;
/// hurry alone waits for the warning.
#[test]
fn a_scammers_story_is_named_at_once_and_the_warning_names_the_cue() {
    let mut d = Dialogue::new(facts());
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[],
            "警察说我的账户有问题，让我转到安全账户",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-scam-story-heard", "dlg-ask-payee"]);
    assert_eq!(
        arg(&effects, "dlg-scam-story-heard", "cue"),
        Some(&ReplyArg::Text("安全账户".into()))
    );
    let effects = step(&mut d, transfer_to("李伟", 20_000, "给李伟转两百"));
    assert_eq!(ids(&effects), ["dlg-scam-warning"]);
    assert_eq!(
        arg(&effects, "dlg-scam-warning", "cue_kind"),
        Some(&ReplyArg::Text("safe_account".into()))
    );
    let mut d = Dialogue::new(facts());
    let effects = step(&mut d, heard(Some("transfer"), &[], "急，我要转账"));
    assert_eq!(ids(&effects), ["dlg-ask-payee"]);
    let effects = step(&mut d, transfer_to("李伟", 20_000, "给李伟转两百"));
    assert_eq!(
        arg(&effects, "dlg-scam-warning", "cue"),
        Some(&ReplyArg::Text("急".into()))
    );
    // Both ask for the same answer words, in both locales.
    let warning = effects
        .iter()
        .find_map(|e| match e {
            Effect::Say(reply) => Some(reply.clone()),
            _ => None,
        })
        .unwrap();
    let read_back = step(&mut d, heard(Some("confirm"), &[], "对"))
        .into_iter()
        .find_map(|e| match e {
            Effect::Say(reply) => Some(reply),
            _ => None,
        })
        .unwrap();
    assert_eq!(read_back.id, "dlg-readback-transfer");
    let l10n = Localizer::new().unwrap();
    for locale in [Locale::ZhCn, Locale::EnUs] {
        let last_sentence = |reply: &Reply| {
            let display = l10n.reply(locale, reply).unwrap().display;
            display
                .split(['。', '？', '.', '?'])
                .map(str::trim)
                .rfind(|s| !s.is_empty())
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            last_sentence(&warning),
            last_sentence(&read_back),
            "{locale}"
        );
    }
}

/// Help gives a transfer example with the customer's own payee (the one paid most), and none
/// when there is no payee; the messages read well either way.
#[test]
fn help_names_the_customers_own_payee() {
    let l10n = Localizer::new().unwrap();
    let mut facts = facts();
    facts.payees[0].transfers_made = 0;
    let most_paid = facts
        .payees
        .iter()
        .max_by_key(|p| p.transfers_made)
        .unwrap()
        .name
        .clone();
    let mut d = Dialogue::new(facts.clone());
    let effects = step(&mut d, heard(Some("help"), &[], "帮助"));
    let Some(Effect::Say(help)) = effects.first() else {
        panic!("{effects:?}")
    };
    let said = l10n.reply(Locale::ZhCn, help).unwrap().display;
    assert!(said.contains(&most_paid), "{said}");
    facts.payees.clear();
    let mut d = Dialogue::new(facts);
    for (intent, text) in [(Some("help"), "帮助"), (None, "嗯嗯")] {
        let effects = step(&mut d, heard(intent, &[], text));
        let Some(Effect::Say(reply)) = effects.first() else {
            panic!("{effects:?}")
        };
        for locale in [Locale::ZhCn, Locale::EnUs] {
            let said = l10n.reply(locale, reply).unwrap().display;
            assert!(
                !said.contains("转两百") && !said.contains("fifty"),
                "{said}"
            );
        }
    }
}

/// An amount below or at zero moves no money: it is asked again, and what else was said stays.
#[test]
fn an_amount_below_or_at_zero_is_asked_again() {
    for (minor, said) in [(20_000, "给李伟转负两百"), (0, "给李伟转零块")] {
        let mut d = Dialogue::new(facts());
        let effects = step(&mut d, transfer_to("李伟", minor, said));
        assert_eq!(ids(&effects), ["dlg-amount-not-positive"], "{said}");
        assert_eq!(d.expecting(), Some(Expecting::Amount), "{said}");
        let effects = step(
            &mut d,
            heard(None, &[("amount", SlotValue::Money(cny(20_000)))], "两百"),
        );
        assert_eq!(ids(&effects), ["dlg-readback-transfer"], "{said}");
    }
}

/// Speech is searched for the answers to the question waiting, and for no other answer: a
/// bare amount is no sentence while the payee is asked for.
#[test]
fn speech_expects_the_answers_to_the_question_waiting_and_no_others() {
    use tingshuo_understand::{Context, answers_context, banking_context};
    for locale in [Locale::ZhCn, Locale::EnUs] {
        let load = |yaml| Context::from_yaml(yaml).unwrap();
        let (banking, answers) = (load(banking_context(locale)), load(answers_context(locale)));
        let answered = |expecting| {
            context_for_speech(&banking, &answers, expecting).intents[banking.intents.len()..]
                .iter()
                .map(|answer| answer.intent.name().to_owned())
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(context_for_speech(&banking, &answers, None), banking);
        let names = |names: &[&str]| names.iter().map(|&name| name.to_owned()).collect();
        assert_eq!(answered(Some(Expecting::Payee)), names(&["payee"]));
        assert_eq!(answered(Some(Expecting::Amount)), names(&["amount"]));
        assert_eq!(answered(Some(Expecting::Card)), names(&["card"]));
        assert_eq!(
            answered(Some(Expecting::Change(PlanKind::Bill))),
            names(&["biller", "amount", "account"])
        );
    }
}

/// A question in passing while a payment is being collected ("我还有多少钱？" when asked how
/// much — or an answer misheard as one) is answered, and the payment waits: its question is
/// asked again, and the next answer completes it. A new request of another kind, unlocking a
/// card, replaces it; 取消 ends it.
#[test]
fn a_question_in_passing_keeps_the_payment_being_collected() {
    let mut d = Dialogue::new(facts());
    step(&mut d, heard(Some("transfer"), &[], "转账"));
    step(&mut d, heard(None, &[("payee", payee("李伟"))], "李伟"));
    assert_eq!(
        ids(&step(&mut d, heard(Some("balance"), &[], "我还有多少钱"))),
        ["dlg-balance", "dlg-ask-amount"]
    );
    assert_eq!(
        ids(&step(&mut d, heard(Some("repeat"), &[], "再说一遍"))),
        ["dlg-ask-amount"]
    );
    let effects = step(
        &mut d,
        heard(None, &[("amount", SlotValue::Money(cny(30_000)))], "三百"),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    assert!(
        matches!(&effects[1], Effect::RequestStepUp(plan) if plan.amount == cny(30_000) && plan.target_name == "李伟"),
        "{effects:?}"
    );

    let mut d = Dialogue::new(facts());
    step(&mut d, heard(Some("transfer"), &[], "转账"));
    assert_eq!(
        ids(&step(&mut d, heard(Some("help"), &[], "你能做什么"))),
        ["dlg-help", "dlg-ask-payee"]
    );
    assert_eq!(d.expecting(), Some(Expecting::Payee));
    assert_eq!(
        ids(&step(&mut d, heard(Some("cancel"), &[], "取消"))),
        ["dlg-cancelled-payment"]
    );
    assert_eq!(d.expecting(), None);

    // A card lock in passing waits for the bank's answer before the question; if that answer
    // never comes, the next turn asks the question once, not twice.
    let mut d = Dialogue::new(facts());
    step(&mut d, heard(Some("transfer"), &[], "转账"));
    let effects = step(
        &mut d,
        card_request("lock_card", "credit-card", "4580", "把信用卡锁了"),
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::LockCard { .. })),
        "{effects:?}"
    );
    assert!(ids(&effects).is_empty(), "{effects:?}");
    assert_eq!(
        ids(&step(&mut d, Input::Silence)),
        ["dlg-silence", "dlg-ask-payee"]
    );
}

fn savings() -> AccountFact {
    AccountFact {
        id: Id::new("zh-savings"),
        kind: AccountKind::Savings,
        name: "储蓄账户".into(),
        last_four: "7788".into(),
        available: cny(900_000),
        booked: cny(900_000),
        matures_on: None,
    }
}

/// "From my savings" (`account` slot) naming the account with this id.
fn from_account(id: &str) -> (&'static str, SlotValue) {
    (
        "account",
        SlotValue::Item {
            item: ItemRef::Account(Id::new(id)),
            label: id.to_owned(),
        },
    )
}

/// The account she names is the one read back and paid from; one payments cannot leave is
/// said so and never paid from; "no, from my savings" at the read-back changes only that.
#[test]
fn the_account_she_names_is_the_one_read_back_and_paid_from() {
    let mut facts = facts();
    facts.accounts.push(savings());
    let step_up_plan = |effects: &[Effect]| {
        effects.iter().find_map(|effect| match effect {
            Effect::RequestStepUp(plan) => Some(plan.clone()),
            _ => None,
        })
    };

    // A new dialogue, and ¥200 to 李伟 from the account so named, as said in `text`.
    let transfer_from = |account: &str, text: &str| {
        let mut d = Dialogue::new(facts.clone());
        let slots = [
            ("payee", payee("李伟")),
            ("amount", SlotValue::Money(cny(20_000))),
            from_account(account),
        ];
        let effects = step(&mut d, heard(Some("transfer"), &slots, text));
        (d, effects)
    };
    let (mut d, effects) = transfer_from("zh-savings", "从储蓄账户给李伟转两百");
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let Some(Effect::Say(read_back)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(
        read_back
            .args
            .iter()
            .any(|arg| *arg == ("from", ReplyArg::Masked("7788".into()))),
        "{read_back:?}"
    );
    let plan = step_up_plan(&step(&mut d, heard(Some("confirm"), &[], "对"))).unwrap();
    assert_eq!(plan.from_account, Id::new("zh-savings"));
    assert_eq!(plan.amount, cny(20_000));

    // A credit card is no account payments leave: said so, and the paying account read back.
    let (mut d, effects) = transfer_from("zh-credit", "用信用卡给李伟转两百");
    assert_eq!(
        ids(&effects),
        ["dlg-cannot-pay-from", "dlg-readback-transfer"]
    );
    // At the read-back she names her savings: only the account changes.
    let effects = step(
        &mut d,
        heard(None, &[from_account("zh-savings")], "不对，从储蓄账户出"),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);
    let plan = step_up_plan(&step(&mut d, heard(Some("confirm"), &[], "对"))).unwrap();
    assert_eq!(plan.from_account, Id::new("zh-savings"));
    assert_eq!(plan.amount, cny(20_000));
    assert_eq!(plan.target_name, "李伟");
}

/// An amount in another currency than the account it would leave is said so, never asked for
/// again without a reason (she would say the same); a bill named from such an account is paid
/// from the paying account, read back by its ending.
#[test]
fn an_amount_in_another_currency_is_said_so_not_asked_again_silently() {
    let mut facts = facts();
    facts.accounts.push(AccountFact {
        id: Id::new("zh-dollars"),
        kind: AccountKind::Savings,
        name: "美元账户".into(),
        last_four: "5566".into(),
        available: Money::from_minor(300_000, Currency::USD),
        booked: Money::from_minor(300_000, Currency::USD),
        matures_on: None,
    });
    let dollars = SlotValue::Money(Money::from_minor(20_000, Currency::USD));

    // Dollars from her yuan account: why, then the amount asked for; yuan then goes on.
    let mut d = Dialogue::new(facts.clone());
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[("payee", payee("李伟")), ("amount", dollars.clone())],
            "给李伟转两百美元",
        ),
    );
    assert_eq!(
        ids(&effects),
        ["dlg-amount-other-currency", "dlg-ask-amount"]
    );
    let effects = step(
        &mut d,
        heard(None, &[("amount", SlotValue::Money(cny(20_000)))], "两百"),
    );
    assert_eq!(ids(&effects), ["dlg-readback-transfer"]);

    // Yuan from her dollar account: the same reason, naming that account and its currency.
    let mut d = Dialogue::new(facts.clone());
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                ("payee", payee("李伟")),
                ("amount", SlotValue::Money(cny(20_000))),
                from_account("zh-dollars"),
            ],
            "从美元账户给李伟转两百块",
        ),
    );
    assert_eq!(
        ids(&effects),
        ["dlg-amount-other-currency", "dlg-ask-amount"]
    );
    // Her bare "two hundred" next is in the account's currency, not the paying account's.
    assert_eq!(d.amount_currency(), Some(Currency::USD));
    let Some(Effect::Say(why)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(
        why.args
            .contains(&("currency", ReplyArg::Text("USD".into())))
            && why
                .args
                .contains(&("account", ReplyArg::Text("美元账户".into()))),
        "{why:?}"
    );

    // The yuan electricity bill from the dollar account: said why, and read back from the
    // paying account.
    let mut d = Dialogue::new(facts);
    let effects = step(
        &mut d,
        heard(
            Some("pay_bill"),
            &[("biller", biller("国家电网")), from_account("zh-dollars")],
            "用美元账户交电费",
        ),
    );
    assert_eq!(
        ids(&effects),
        ["dlg-amount-other-currency", "dlg-readback-bill"]
    );
}

/// The warning before a transfer's read-back also names a payee added lately (though paid
/// once already: a small first transfer is how some scams begin) and an amount over half of
/// the account it leaves when there is no history to call it unusual; an amount within half,
/// to a payee of long standing, goes straight to its read-back.
#[test]
fn a_payee_added_lately_and_most_of_the_account_are_warned_about() {
    let warning_args = |facts: Facts, minor: i64| {
        let mut d = Dialogue::new(facts);
        let effects = step(&mut d, transfer_to("李伟", minor, "给李伟转钱"));
        match effects.first() {
            Some(Effect::Say(reply)) if reply.id == "dlg-scam-warning" => Some(reply.args.clone()),
            Some(Effect::Say(reply)) if reply.id == "dlg-readback-transfer" => None,
            _ => panic!("{effects:?}"),
        }
    };
    let flag = |args: &[(&'static str, ReplyArg)], name: &str| {
        args.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    };
    let text = |value: &str| Some(ReplyArg::Text(value.to_owned()));

    // Added five days ago, paid three times since.
    let mut recent = facts();
    recent.payees[0].added_days_ago = 5;
    let args = warning_args(recent, 20_000).expect("a warning");
    assert_eq!(flag(&args, "recent_payee"), text("yes"));
    assert_eq!(flag(&args, "new_payee"), text("no"));
    assert_eq!(flag(&args, "large"), text("no"));

    // No transfers in her history: more than half the account is large, half is not.
    let mut no_history = facts();
    no_history.usual_transfer = None;
    let half = no_history
        .paying_account
        .as_ref()
        .unwrap()
        .available
        .minor()
        / 2;
    let args = warning_args(no_history.clone(), half + 100).expect("a warning");
    assert_eq!(flag(&args, "large"), text("half"));
    assert_eq!(flag(&args, "recent_payee"), text("no"));
    assert_eq!(warning_args(no_history, half), None);

    // Much more than usual is said as such.
    let args = warning_args(facts(), 300_000).expect("a warning");
    assert_eq!(flag(&args, "large"), text("usual"));
}

/// A period of another year is said with its year; this year's without.
#[test]
fn a_day_of_another_year_is_said_with_its_year() {
    let l10n = Localizer::new().unwrap();
    let said = |from: (i32, u32, u32), to: (i32, u32, u32)| {
        let mut d = Dialogue::new(facts());
        step(&mut d, heard(Some("spending"), &[], "去年花了多少钱"));
        let effects = step(
            &mut d,
            Input::Spent(Spent {
                total: cny(12_345),
                count: 2,
                pending: cny(0),
                pending_count: 0,
                from: chrono::NaiveDate::from_ymd_opt(from.0, from.1, from.2).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(to.0, to.1, to.2).unwrap(),
                on: SpentOn::All,
            }),
        );
        let Some(Effect::Say(reply)) = effects.first() else {
            panic!("{effects:?}")
        };
        l10n.reply(Locale::ZhCn, reply).unwrap().display
    };
    let last_year = said((2025, 1, 1), (2025, 12, 31));
    assert!(
        last_year.contains("2025年1月1日") && last_year.contains("2025年12月31日"),
        "{last_year}"
    );
    let this_year = said((2026, 1, 1), (2026, 11, 27));
    assert!(!this_year.contains("2026年"), "{this_year}");
}

/// A pension asked about is money in of its kind; pending ones asked for are only those.
#[test]
fn a_pension_is_income_of_its_kind_and_pending_is_only_pending() {
    let query = |intent: &str, slots: &[(&str, SlotValue)]| {
        let mut d = Dialogue::new(facts());
        let effects = step(&mut d, heard(Some(intent), slots, ""));
        let [Effect::ShowTransactions(query)] = &effects[..] else {
            panic!("{effects:?}")
        };
        query.clone()
    };
    let pension = query("income", &[("pension", SlotValue::Text("养老金".into()))]);
    assert_eq!(pension.on, SpentOn::Category(Category::Income));
    assert!(pension.incoming_only && !pension.pending_only);
    assert_eq!(query("income", &[]).on, SpentOn::All);
    let pending = query(
        "transactions",
        &[("pending", SlotValue::Text("还没入账".into()))],
    );
    assert!(pending.pending_only && !pending.incoming_only);
    assert_eq!(pending.on, SpentOn::All);
}

/// "To account `id`": where money of hers is moved.
fn to_account(id: &str) -> (&'static str, SlotValue) {
    (
        "to_account",
        SlotValue::Item {
            item: ItemRef::Account(Id::new(id)),
            label: id.to_owned(),
        },
    )
}

/// Money moved to another account of hers is read back as hers, confirmed and stepped up like
/// any payment, but never warned about as a transfer to a stranger; never to the account it
/// leaves, nor into a time deposit; "还信用卡" asks how much.
#[test]
fn money_moved_between_her_accounts_is_read_back_and_stepped_up_as_hers() {
    let l10n = Localizer::new().unwrap();
    let mut with_savings = facts();
    with_savings.accounts.push(savings());
    // Most of the account: a transfer to a payee would be warned about first.
    let mut d = Dialogue::new(with_savings.clone());
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                to_account("zh-savings"),
                ("amount", SlotValue::Money(cny(1_500_000))),
            ],
            "转一万五到储蓄账户",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-move"], "{effects:?}");
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    let read_back = l10n.reply(Locale::ZhCn, reply).unwrap().display;
    assert!(
        read_back.contains("储蓄账户") && read_back.contains("尾号7788"),
        "{read_back}"
    );
    // A new amount at the read-back changes only that: still a move.
    let effects = step(
        &mut d,
        heard(
            None,
            &[("amount", SlotValue::Money(cny(20_000)))],
            "不对，是两百",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-readback-move"], "{effects:?}");
    let effects = step(&mut d, heard(Some("confirm"), &[], "对"));
    let Some(Effect::RequestStepUp(plan)) = effects
        .iter()
        .find(|e| matches!(e, Effect::RequestStepUp(_)))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(plan.target, PlanTarget::Account(Id::new("zh-savings")));
    assert_eq!(plan.amount, cny(20_000));

    // Back where it leaves, or into a time deposit: said why, nothing prepared.
    let mut d = Dialogue::new(with_savings.clone());
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                to_account("zh-pension"),
                ("amount", SlotValue::Money(cny(20_000))),
            ],
            "转两百到养老金账户",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-move-same-account"], "{effects:?}");
    let mut with_deposit = with_savings.clone();
    with_deposit.accounts.push(AccountFact {
        id: Id::new("zh-deposit"),
        kind: AccountKind::TimeDeposit,
        name: "定期存款".into(),
        last_four: "8301".into(),
        available: cny(10_000_000),
        booked: cny(10_000_000),
        matures_on: None,
    });
    let mut d = Dialogue::new(with_deposit);
    let effects = step(
        &mut d,
        heard(
            Some("transfer"),
            &[
                to_account("zh-deposit"),
                ("amount", SlotValue::Money(cny(100_000))),
            ],
            "从养老金账户转一千到定期",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-cannot-move-to"], "{effects:?}");

    // Two accounts of hers answer to what she said: said again whole, never picked.
    let mut d = Dialogue::new(with_savings.clone());
    let Input::Heard(mut both) = heard(
        Some("transfer"),
        &[
            to_account("zh-savings"),
            ("amount", SlotValue::Money(cny(20_000))),
        ],
        "转两百到储蓄",
    ) else {
        unreachable!()
    };
    both.alternatives.insert(
        "to_account".into(),
        vec![to_account("zh-savings").1, to_account("zh-credit").1],
    );
    let effects = step(&mut d, Input::Heard(both));
    assert_eq!(ids(&effects), ["dlg-move-which-account"], "{effects:?}");
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    let asked = l10n.reply(Locale::ZhCn, reply).unwrap().display;
    assert!(
        asked.contains("储蓄账户") && asked.contains("信用卡"),
        "{asked}"
    );

    // Paying off the card, the amount asked for and answered.
    let mut d = Dialogue::new(with_savings);
    let effects = step(
        &mut d,
        heard(Some("transfer"), &[to_account("zh-credit")], "帮我还信用卡"),
    );
    assert_eq!(ids(&effects), ["dlg-ask-amount"], "{effects:?}");
    // More than the card owes (¥1,286.40): said, and asked again.
    let effects = step(
        &mut d,
        heard(None, &[("amount", SlotValue::Money(cny(500_000)))], "五千"),
    );
    assert_eq!(ids(&effects), ["dlg-more-than-owed"], "{effects:?}");
    let Effect::Say(reply) = &effects[0] else {
        panic!()
    };
    let said = l10n.reply(Locale::ZhCn, reply).unwrap().display;
    assert!(said.contains("¥1,286.40"), "{said}");
    let effects = step(
        &mut d,
        heard(None, &[("amount", SlotValue::Money(cny(50_000)))], "五百"),
    );
    assert_eq!(ids(&effects), ["dlg-readback-move"], "{effects:?}");
    // A card that owes nothing has nothing to pay.
    let mut paid_off = facts();
    for account in &mut paid_off.accounts {
        if account.kind == AccountKind::CreditCard {
            account.booked = cny(0);
        }
    }
    let mut other = Dialogue::new(paid_off);
    let effects = step(
        &mut other,
        heard(
            Some("transfer"),
            &[
                to_account("zh-credit"),
                ("amount", SlotValue::Money(cny(50_000))),
            ],
            "还信用卡五百",
        ),
    );
    assert_eq!(ids(&effects), ["dlg-card-owes-nothing"], "{effects:?}");
    // A name said at the move's read-back is a transfer to a person, never this move.
    let effects = step(
        &mut d,
        heard(
            None,
            &[("unknown_payee", SlotValue::Text("小明".into()))],
            "给小明转五百",
        ),
    );
    assert!(!ids(&effects).contains(&"dlg-readback-move"), "{effects:?}");
}
