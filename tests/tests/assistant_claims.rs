//! Random typed dialogues through the real assistant against the reference bank on loopback,
//! with the bank's seeded faults switched on and off along the way: after every turn, each
//! claim the assistant made about money or cards (by its message id and its display text) is
//! checked against the bank's own rows, and what it says is queued against the device's
//! outbox. A payment or an unlock the bank has is checked to have been read back, confirmed by
//! a plain yes and approved by the host's step-up, in that order.
//!
//! The generator is a seeded SplitMix64 of our own: a failing dialogue is replayed from the
//! seed printed with it, and its turns are printed too.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use tingshuo_core::Client;
use tingshuo_core::action::Action;
use tingshuo_core::assistant::{Assistant, AssistantOptions, Event, Turn};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{Bank, BankConfig, FaultPlan, FaultRule, RunningBank, start_demo_bank};
use tingshuo_tests::registered_client;

/// The run's seed: every bank, dialogue and turn follows from it.
const SEED: u64 = 0x5eed_c1a1_7115_2026;
/// Banks started in `make test`; each serves one Mandarin and one English dialogue, one
/// after the other. `TINGSHUO_CLAIMS_BANKS=N` runs N (`make bench` runs thousands of
/// dialogues).
const BANKS: u64 = 46;
/// Banks run side by side (the machine has two cores).
const WORKERS: u64 = 2;
/// Random turns per dialogue (then the faults stop and one more turn lets answers arrive).
const TURNS: (u64, u64) = (14, 40);

// ------------------------------------------------------------------------------------------
// A seeded generator of our own.

/// SplitMix64.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[low, high]`.
    fn between(&mut self, (low, high): (u64, u64)) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `per_mille` times in a thousand.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.next() % items.len() as u64).unwrap();
        items[index]
    }

    /// One of `choices`, each as likely as its weight.
    fn weighted<T: Copy>(&mut self, choices: &[(T, u64)]) -> T {
        let total: u64 = choices.iter().map(|(_, w)| w).sum();
        let mut roll = self.next() % total;
        for (choice, weight) in choices {
            if roll < *weight {
                return *choice;
            }
            roll -= weight;
        }
        choices[0].0
    }
}

// ------------------------------------------------------------------------------------------
// What the customer types.

/// The words one customer types, in their language.
#[derive(Debug)]
struct Phrases {
    /// Payees as a customer names them: full names, given names, relationships.
    payees: &'static [&'static str],
    /// Names that are none of the payees.
    strangers: &'static [&'static str],
    /// Amounts: small, big enough to be held, over the daily limit, over the balance.
    amounts: &'static [&'static str],
    /// `{p}` a payee, `{a}` an amount.
    transfers: &'static [&'static str],
    bills: &'static [&'static str],
    bare_billers: &'static [&'static str],
    questions: &'static [&'static str],
    locks: &'static [&'static str],
    unlocks: &'static [&'static str],
    bare_cards: &'static [&'static str],
    /// `{p}` a payee, `{a}` an amount.
    corrections: &'static [&'static str],
    /// Plain yeses: the only words that may confirm a read-back.
    yes: &'static [&'static str],
    no: &'static [&'static str],
    /// Questions that are not a yes.
    not_yes: &'static [&'static str],
    cancels: &'static [&'static str],
    noise: &'static [&'static str],
    /// Repeat, slower, louder, quieter, faster, help.
    meta: &'static [&'static str],
    human: &'static [&'static str],
    scam: &'static [&'static str],
}

const MANDARIN: Phrases = Phrases {
    payees: &[
        "李伟",
        "张丽",
        "王建国",
        "建国",
        "刘芳",
        "儿子",
        "儿媳",
        "邻居",
        // As the recognizer may write them by their sounds (王建国, 刘芳).
        "王建果",
        "刘方",
    ],
    strangers: &["小明", "王老板", "孙子"],
    amounts: &[
        "两百",
        "两百块",
        "三百",
        "一百块",
        "五十块",
        "八十块",
        "八百",
        "三千块",
        "四千",
        "五千块",
        "六千",
        "一万六",
        "三万",
    ],
    transfers: &[
        "给{p}转{a}",
        "转{a}给{p}",
        "把{a}转给{p}",
        "给{p}转{a}",
        "给{p}转钱",
        "我要转账",
        "给{s}转{a}",
        "还信用卡{a}",
        "帮我还信用卡",
    ],
    bills: &[
        "交电费",
        "交话费",
        "交水费",
        "交燃气费",
        "交电费五十块",
        "缴费",
        "交点费",
    ],
    bare_billers: &["电费", "话费", "水费", "燃气费"],
    questions: &[
        "查余额",
        "信用卡还欠多少",
        "这个月花了多少钱",
        "上个月花了多少钱",
        "最近的交易",
        "查鱼额",
    ],
    locks: &["锁卡", "锁定信用卡", "把借记卡锁了", "我的信用卡丢了"],
    unlocks: &[
        "解锁信用卡",
        "解锁借记卡",
        "我的卡找到了",
        "把信用卡解锁",
        "接锁信用卡",
    ],
    bare_cards: &["信用卡", "借记卡"],
    corrections: &[
        "不对，是{a}",
        "不对，转给{p}",
        "不是这个人，是{p}",
        "不对，改成{a}",
    ],
    yes: &["对", "对的", "是的", "确认", "好的", "没错", "可以"],
    no: &["不对", "不是", "不要", "错了"],
    not_yes: &["可以吗", "对吗？", "是吗", "真的吗", "安全吗"],
    cancels: &["取消", "算了，不转了", "不要了", "算了"],
    noise: &["嗯", "啊", "今天天气不错", "那个", "喂"],
    meta: &["再说一遍", "慢一点", "大点声", "小点声", "快一点", "帮助"],
    human: &["转人工"],
    scam: &["警察说让我把钱转到安全账户"],
};

const ENGLISH: Phrases = Phrases {
    payees: &[
        "Bob Wilson",
        "Bob",
        "Alice Chen",
        "Alice",
        "David Miller",
        "Dave",
        "Maria Garcia",
        "my son",
        "my caregiver",
    ],
    strangers: &["my grandson", "Tom", "Jennifer"],
    amounts: &[
        "twenty dollars",
        "20 dollars",
        "$35",
        "fifty bucks",
        "sixty dollars",
        "75 dollars",
        "one hundred twenty dollars",
        "five hundred dollars",
        "six hundred dollars",
        "$800",
        "$900",
        "two thousand dollars",
        "six thousand dollars",
    ],
    transfers: &[
        "send {a} to {p}",
        "transfer {a} to {p}",
        "send {p} {a}",
        "send {a} to {p}",
        "send money to {p}",
        "I want to make a transfer",
        "send {a} to {s}",
        "move {a} to my savings",
        "pay off my visa",
    ],
    bills: &[
        "pay the electric bill",
        "pay the gas bill",
        "pay the phone bill",
        "pay the water bill",
        "pay the electric bill, ten dollars",
        "pay my bills",
    ],
    bare_billers: &[
        "the electric bill",
        "the phone bill",
        "gas",
        "the water bill",
    ],
    questions: &[
        "what's my balance",
        "what's in my savings",
        "how much do I owe on my credit card",
        "how much did I spend last month",
        "read me the last two transactions on my credit card",
    ],
    locks: &[
        "lock my credit card",
        "lock my debit card",
        "lock my card",
        "lock the card ending in 3921",
    ],
    unlocks: &[
        "unlock my credit card",
        "unlock my debit card",
        "unlock my card",
        "I found my card",
    ],
    bare_cards: &[
        "the debit card",
        "the credit card",
        "the one ending in 4321",
    ],
    corrections: &[
        "no, I said {a}",
        "no, make it {a}",
        "no, to {p}",
        "no, I meant {a}",
    ],
    yes: &[
        "yes",
        "yeah",
        "yes please",
        "that's right",
        "correct",
        "yep",
        "okay",
    ],
    no: &["no", "that's wrong", "nope", "no thanks"],
    not_yes: &[
        "is that right?",
        "can I?",
        "are you sure?",
        "really?",
        "is it safe?",
    ],
    cancels: &["cancel", "never mind", "stop", "forget it"],
    noise: &[
        "um",
        "hmm",
        "the weather is nice today",
        "uh",
        "what a lovely day",
    ],
    meta: &[
        "repeat that",
        "slower",
        "speak up",
        "quieter",
        "faster",
        "help",
    ],
    human: &["agent"],
    scam: &["they told me to move my savings to a safe account"],
};

/// What kind of turn the customer takes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Transfer,
    Bill,
    Question,
    Lock,
    Unlock,
    BareCard,
    BarePayee,
    BareAmount,
    BareBiller,
    Correction,
    Yes,
    No,
    NotYes,
    Cancel,
    Silence,
    Noise,
    Meta,
    Human,
    Scam,
    StrayStepUp,
}

/// The step-ups of a session, as the host sees them.
#[derive(Debug, Clone, Copy, Default)]
struct StepUps {
    /// The request the assistant waits on (the host's prompt open), if any.
    awaited_now: Option<u64>,
    /// The highest request number asked so far.
    asked: u64,
}

/// The customer's next turn, given what the assistant said last, whether it asked for a
/// step-up and whether a card is locked: mostly what a customer would answer, sometimes
/// anything at all.
fn next_turn(
    rng: &mut Rng,
    words: &Phrases,
    last: Option<&str>,
    step_up: StepUps,
    card_locked: bool,
    offline: bool,
) -> Turn {
    use Kind::*;
    if let Some(awaited) = step_up.awaited_now
        && rng.chance(780)
    {
        // Now and then the answer to an earlier prompt, left open and answered late.
        let request = if rng.chance(100) {
            rng.between((0, awaited - 1))
        } else {
            awaited
        };
        return Turn::StepUp {
            request,
            approved: rng.chance(850),
        };
    }
    let anything: &[(Kind, u64)] = &[
        (Transfer, 24),
        (Bill, 9),
        (Question, 10),
        (Lock, 8),
        // A card found again is asked to be unlocked (often while the bank cannot be
        // reached, so that an unlock is queued too).
        (
            Unlock,
            match (card_locked, offline) {
                (_, true) => 40,
                (true, false) => 16,
                (false, false) => 5,
            },
        ),
        (Cancel, 5),
        (Yes, 4),
        (No, 3),
        (NotYes, 2),
        (Silence, 5),
        (Noise, 5),
        (Meta, 5),
        (Human, 1),
        (Scam, 1),
        (StrayStepUp, 4),
        (BareCard, 2),
        (BarePayee, 2),
        (BareAmount, 2),
        (Correction, 2),
    ];
    let kind = match last {
        _ if rng.chance(250) => rng.weighted(anything),
        Some(
            "dlg-readback-transfer"
            | "dlg-readback-bill"
            | "dlg-readback-move"
            | "dlg-scam-warning",
        ) => rng.weighted(&[
            (Yes, 52),
            (No, 8),
            (NotYes, 8),
            (Correction, 10),
            (Cancel, 6),
            (Silence, 4),
            (Meta, 5),
            (Noise, 4),
            (Transfer, 3),
            (Question, 2),
            (Lock, 1),
        ]),
        Some("dlg-readback-unlock") => rng.weighted(&[
            (Yes, 55),
            (No, 12),
            (NotYes, 8),
            (Cancel, 8),
            (Silence, 4),
            (Meta, 5),
            (Noise, 4),
            (Lock, 2),
            (Transfer, 2),
        ]),
        Some("dlg-what-to-change") => rng.weighted(&[
            (Correction, 45),
            (Yes, 10),
            (No, 10),
            (Cancel, 10),
            (BareAmount, 8),
            (BarePayee, 8),
            (Noise, 4),
        ]),
        Some(
            "dlg-ask-payee" | "dlg-unknown-payee" | "dlg-unknown-payee-named" | "dlg-which-one",
        ) => rng.weighted(&[
            (BarePayee, 60),
            (Cancel, 8),
            (Noise, 5),
            (Yes, 3),
            (Transfer, 5),
        ]),
        Some("dlg-ask-amount" | "dlg-insufficient" | "dlg-over-limit") => rng.weighted(&[
            (BareAmount, 60),
            (Cancel, 8),
            (Noise, 5),
            (Yes, 3),
            (Transfer, 5),
        ]),
        Some("dlg-ask-biller") => {
            rng.weighted(&[(BareBiller, 60), (Cancel, 8), (Noise, 5), (Bill, 5)])
        }
        Some("dlg-ask-card" | "dlg-ask-card-unlock") => {
            rng.weighted(&[(BareCard, 60), (Cancel, 8), (Noise, 5), (Yes, 3), (Lock, 4)])
        }
        Some("dlg-payment-held") => rng.weighted(&[
            (Cancel, 40),
            (Question, 10),
            (Transfer, 10),
            (Silence, 4),
            (Lock, 4),
        ]),
        Some("dlg-payment-checking" | "dlg-payment-still-checking" | "dlg-payment-unresolved") => {
            rng.weighted(&[
                (Question, 14),
                (Cancel, 8),
                (Transfer, 10),
                (Unlock, 6),
                (Lock, 6),
                (Silence, 6),
                (Human, 2),
                (Yes, 3),
                (StrayStepUp, 3),
            ])
        }
        _ => rng.weighted(anything),
    };
    let payee = |rng: &mut Rng| rng.pick(words.payees);
    let amount = |rng: &mut Rng| rng.pick(words.amounts);
    let fill = |rng: &mut Rng, template: &str| {
        template
            .replace("{p}", payee(rng))
            .replace("{a}", amount(rng))
            .replace("{s}", rng.pick(words.strangers))
    };
    let text = match kind {
        Transfer => {
            let template = rng.pick(words.transfers);
            fill(rng, template)
        }
        Bill => rng.pick(words.bills).to_owned(),
        Question => rng.pick(words.questions).to_owned(),
        Lock => rng.pick(words.locks).to_owned(),
        Unlock => rng.pick(words.unlocks).to_owned(),
        BareCard => rng.pick(words.bare_cards).to_owned(),
        BarePayee if rng.chance(150) => rng.pick(words.strangers).to_owned(),
        BarePayee => payee(rng).to_owned(),
        BareAmount => amount(rng).to_owned(),
        BareBiller => rng.pick(words.bare_billers).to_owned(),
        Correction => {
            let template = rng.pick(words.corrections);
            fill(rng, template)
        }
        Yes => rng.pick(words.yes).to_owned(),
        No => rng.pick(words.no).to_owned(),
        NotYes => rng.pick(words.not_yes).to_owned(),
        Cancel => rng.pick(words.cancels).to_owned(),
        Silence => return Turn::Silence,
        Noise => rng.pick(words.noise).to_owned(),
        Meta => rng.pick(words.meta).to_owned(),
        Human => rng.pick(words.human).to_owned(),
        Scam => rng.pick(words.scam).to_owned(),
        StrayStepUp => {
            // Any request asked so far in the session, or none ever asked (0).
            return Turn::StepUp {
                request: rng.between((0, step_up.asked)),
                approved: rng.chance(700),
            };
        }
    };
    Turn::Text(text)
}

// ------------------------------------------------------------------------------------------
// The bank, its faults, and going offline.

/// How the bank misbehaves for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weather {
    Calm,
    /// The payment is made, then the connection dies before its answer (asking by key too,
    /// or not).
    LostPayments {
        by_key: bool,
    },
    /// The connection dies before the bank handles the payment.
    ResetPayments {
        by_key: bool,
    },
    /// 5xx answers to payments.
    FailingPayments {
        by_key: bool,
    },
    /// No payment challenge can be had: nothing can be sent.
    NoChallenge,
    LostCardActions,
    ResetCardActions,
    FailingCardActions,
    /// Some of everything on payments and cards.
    Flaky,
    /// Every route answers 5xx: the bank is there but useless.
    AllFailing,
    /// The bank is stopped: no connection opens (then it is started again on the same port).
    Offline,
}

impl Weather {
    fn name(self) -> &'static str {
        match self {
            Weather::Calm => "calm",
            Weather::LostPayments { .. } => "payment answers lost (reset after commit)",
            Weather::ResetPayments { .. } => "payments reset before commit",
            Weather::FailingPayments { .. } => "payments 5xx",
            Weather::NoChallenge => "payment challenge 5xx",
            Weather::LostCardActions => "card answers lost (reset after commit)",
            Weather::ResetCardActions => "card actions reset before commit",
            Weather::FailingCardActions => "card actions 5xx",
            Weather::Flaky => "flaky payments and cards",
            Weather::AllFailing => "every route 5xx",
            Weather::Offline => "offline (bank stopped)",
        }
    }

    fn random(rng: &mut Rng) -> Weather {
        let by_key = rng.chance(500);
        rng.weighted(&[
            (Weather::Calm, 30),
            (Weather::LostPayments { by_key }, 10),
            (Weather::ResetPayments { by_key }, 7),
            (Weather::FailingPayments { by_key }, 7),
            (Weather::NoChallenge, 3),
            (Weather::LostCardActions, 6),
            (Weather::ResetCardActions, 5),
            (Weather::FailingCardActions, 5),
            (Weather::Flaky, 8),
            (Weather::AllFailing, 5),
            (Weather::Offline, 6),
        ])
    }

    /// The fault plan (the first matching rule applies, so spared routes come first).
    fn plan(self, seed: u64) -> FaultPlan {
        let spare = |path: &str, method: Option<&str>| FaultRule {
            method: method.map(str::to_owned),
            path_prefix: path.to_owned(),
            ..FaultRule::default()
        };
        let on = |path: &str, rule: FaultRule| FaultRule {
            path_prefix: path.to_owned(),
            ..rule
        };
        let payments = |by_key: bool, rule: FaultRule| {
            let mut rules = vec![spare("/v1/payments/challenge", None)];
            if !by_key {
                rules.push(spare("/v1/payments/by-key", Some("GET")));
            }
            rules.push(on("/v1/payments", rule));
            rules
        };
        let lost = FaultRule {
            reset_after_commit_per_mille: 1000,
            ..FaultRule::default()
        };
        let reset = FaultRule {
            reset_before_commit_per_mille: 1000,
            ..FaultRule::default()
        };
        let failing = FaultRule {
            error_per_mille: 1000,
            ..FaultRule::default()
        };
        let rules = match self {
            Weather::Calm | Weather::Offline => Vec::new(),
            Weather::LostPayments { by_key } => payments(by_key, lost),
            Weather::ResetPayments { by_key } => payments(by_key, reset),
            Weather::FailingPayments { by_key } => payments(by_key, failing),
            Weather::NoChallenge => vec![on("/v1/payments/challenge", failing)],
            Weather::LostCardActions => vec![on("/v1/cards/", lost)],
            Weather::ResetCardActions => vec![on("/v1/cards/", reset)],
            Weather::FailingCardActions => vec![on("/v1/cards/", failing)],
            Weather::Flaky => {
                let flaky = FaultRule {
                    error_per_mille: 150,
                    reset_before_commit_per_mille: 150,
                    reset_after_commit_per_mille: 150,
                    duplicate_per_mille: 100,
                    truncate_per_mille: 50,
                    ..FaultRule::default()
                };
                vec![on("/v1/payments", flaky.clone()), on("/v1/cards/", flaky)]
            }
            Weather::AllFailing => vec![on("/", failing)],
        };
        FaultPlan { seed, rules }
    }
}

/// The bank: its state (which outlives a stop) and, while it serves, its server.
#[derive(Debug)]
struct Net {
    bank: Arc<Bank>,
    addr: SocketAddr,
    serving: Option<RunningBank>,
    weather: Weather,
}

impl Net {
    async fn start(seed: u64) -> Net {
        let config = BankConfig {
            // Transfers of $500 / ¥3,000 or more are held, ten minutes: a voice cancel lands.
            risky_threshold: [("USD".to_owned(), 50_000), ("CNY".to_owned(), 300_000)].into(),
            hold: Duration::from_secs(600),
            // Below the balances, so that the bank, not the dialogue, refuses some payments.
            daily_limits: [("USD".to_owned(), 150_000), ("CNY".to_owned(), 1_500_000)].into(),
            faults: FaultPlan {
                seed,
                rules: Vec::new(),
            },
            ..BankConfig::default()
        };
        let running = start_demo_bank(config, Utc::now()).await.unwrap();
        Net {
            bank: running.bank.clone(),
            addr: running.addr,
            serving: Some(running),
            weather: Weather::Calm,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn set_weather(&mut self, weather: Weather, seed: u64) {
        if weather == Weather::Offline {
            if let Some(running) = self.serving.take() {
                running.shutdown().await;
            }
        } else if self.serving.is_none() {
            let running = self.bank.clone().serve(self.addr).await.unwrap();
            self.serving = Some(running);
        }
        self.bank.faults.set_plan(weather.plan(seed));
        self.weather = weather;
    }
}

// ------------------------------------------------------------------------------------------
// What the bank and the device hold.

/// A payment as the bank has it.
#[derive(Debug, Clone, PartialEq)]
struct Paid {
    amount: i64,
    /// The payee's or biller's name.
    target: String,
    status: String,
}

/// The bank's rows that claims are about, and the device's attempts and outbox.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    /// By idempotency key.
    payments: BTreeMap<String, Paid>,
    /// Card id → status.
    cards: BTreeMap<String, String>,
    /// Account ending → (kind, available, booked).
    accounts: BTreeMap<String, (String, i64, i64)>,
    /// The device's payment attempts: key → state.
    attempts: BTreeMap<String, String>,
    /// The device's card actions: (seq, card id, unlock, state).
    outbox: Vec<(i64, String, bool, String)>,
}

impl Snapshot {
    /// Whether the device's outbox has a pending lock (or unlock) of this card.
    fn pending(&self, card: &str, unlock: bool) -> bool {
        self.outbox
            .iter()
            .any(|(_, c, u, state)| c == card && *u == unlock && state == "pending")
    }
}

/// What does not change in a dialogue: names and endings of payees, billers and cards.
#[derive(Debug, Clone, Default)]
struct Names {
    /// (name, ending) of each payee.
    payees: Vec<(String, String)>,
    /// (name, ending) of each biller.
    billers: Vec<(String, String)>,
    /// (name, ending) of each of her accounts (money moved to one of them).
    accounts: Vec<(String, String)>,
    /// Biller name → the amounts of its bills.
    bill_amounts: BTreeMap<String, Vec<i64>>,
    /// Payee or bill id → the name a payment to it is said with.
    targets: BTreeMap<String, String>,
    /// Card ending → card id.
    cards: BTreeMap<String, String>,
}

fn last_four(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

fn text_of(row: &Value, field: &str) -> String {
    row[field].as_str().unwrap_or_default().to_owned()
}

async fn rows(bank: &Bank, customer: &str, kind: &str) -> Vec<Value> {
    bank.db.all(customer, kind).await.unwrap()
}

async fn names(bank: &Bank, customer: &str) -> Names {
    let mut names = Names::default();
    for payee in rows(bank, customer, "payee").await {
        let name = text_of(&payee, "name");
        names.targets.insert(text_of(&payee, "id"), name.clone());
        names
            .payees
            .push((name, last_four(&text_of(&payee, "account_number"))));
    }
    let mut billers = BTreeMap::new();
    for biller in rows(bank, customer, "biller").await {
        let name = text_of(&biller, "name");
        billers.insert(text_of(&biller, "id"), name.clone());
        names
            .billers
            .push((name, last_four(&text_of(&biller, "customer_reference"))));
    }
    for bill in rows(bank, customer, "bill").await {
        let biller = billers
            .get(&text_of(&bill, "biller_id"))
            .cloned()
            .unwrap_or_default();
        names.targets.insert(text_of(&bill, "id"), biller.clone());
        names
            .bill_amounts
            .entry(biller)
            .or_default()
            .push(bill["amount_minor"].as_i64().unwrap_or_default());
    }
    for account in rows(bank, customer, "account").await {
        let name = text_of(&account, "name");
        names.targets.insert(text_of(&account, "id"), name.clone());
        names
            .accounts
            .push((name, last_four(&text_of(&account, "number"))));
    }
    for card in rows(bank, customer, "card").await {
        names
            .cards
            .insert(last_four(&text_of(&card, "number")), text_of(&card, "id"));
    }
    names
}

async fn snapshot(bank: &Bank, customer: &str, device: &Client, names: &Names) -> Snapshot {
    let mut snap = Snapshot::default();
    for payment in rows(bank, customer, "payment").await {
        let target = names
            .targets
            .get(&text_of(&payment, "target_id"))
            .cloned()
            .unwrap_or_default();
        snap.payments.insert(
            text_of(&payment, "idempotency_key"),
            Paid {
                amount: payment["amount_minor"].as_i64().unwrap_or_default(),
                target,
                status: text_of(&payment, "status"),
            },
        );
    }
    for card in rows(bank, customer, "card").await {
        snap.cards
            .insert(text_of(&card, "id"), text_of(&card, "status"));
    }
    for account in rows(bank, customer, "account").await {
        snap.accounts.insert(
            last_four(&text_of(&account, "number")),
            (
                text_of(&account, "kind"),
                account["available_minor"].as_i64().unwrap_or_default(),
                account["booked_minor"].as_i64().unwrap_or_default(),
            ),
        );
    }
    for attempt in device.payments().attempts().await.unwrap() {
        snap.attempts.insert(attempt.idempotency_key, attempt.state);
    }
    for entry in device.sync().outbox().await.unwrap() {
        let (card, unlock) = match &entry.item.action {
            Action::LockCard(card) => (card.as_str().to_owned(), false),
            Action::UnlockCard(card, _) => (card.as_str().to_owned(), true),
            _ => continue,
        };
        snap.outbox
            .push((entry.item.seq, card, unlock, entry.state));
    }
    snap
}

// ------------------------------------------------------------------------------------------
// Reading what was said.

/// Every amount on the screen text, in minor units, in order ("$1,234.50", "¥200.00").
fn amounts_in(display: &str) -> Vec<i64> {
    let chars: Vec<char> = display.chars().collect();
    let mut found = Vec::new();
    for (index, c) in chars.iter().enumerate() {
        if *c != '$' && *c != '¥' {
            continue;
        }
        let number: String = chars[index + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == ',' || **c == '.')
            .filter(|c| **c != ',')
            .collect();
        let number = number.trim_end_matches('.');
        let (whole, cents) = number.split_once('.').unwrap_or((number, "0"));
        if let (Ok(whole), Ok(cents)) =
            (whole.parse::<i64>(), format!("{cents:0<2}").parse::<i64>())
        {
            found.push(whole * 100 + cents);
        }
    }
    found
}

/// The endings said ("ending in 3445", "尾号3445"), in order.
fn endings_in(display: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["ending in ", "尾号"] {
        let mut rest = display;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let digits: String = rest.chars().take(4).collect();
            if digits.chars().count() == 4 && digits.chars().all(|c| c.is_ascii_digit()) {
                found.push(digits);
            }
        }
    }
    found
}

/// The longest of `names` the text says.
fn name_in<'a>(display: &str, names: impl Iterator<Item = &'a String>) -> Option<String> {
    names
        .filter(|name| display.contains(name.as_str()))
        .max_by_key(|name| name.chars().count())
        .cloned()
}

// ------------------------------------------------------------------------------------------
// The checker.

/// What a yes after a read-back can lead to.
#[derive(Debug, Clone, PartialEq)]
enum ReadBack {
    Payment { amount: i64, target: String },
    Unlock { card: String },
}

/// A payment the device recorded (before sending it), and what was said of it.
#[derive(Debug, Clone, Default)]
struct Attempt {
    /// The read-back (amount, payee or biller) a plain yes and the step-up approved, if any.
    approved: Option<(i64, String)>,
    /// What was told of it: done, held, not sent, refused.
    told: Option<&'static str>,
    /// Told not sent or refused: the bank must never have it.
    no_money: bool,
}

/// Claims checked, by kind.
const KINDS: &[&str] = &[
    "read-back (payee/biller and ending, bill amount)",
    "payment done",
    "payment held",
    "payment not sent",
    "payment refused",
    "payment checking / still checking",
    "payment cancelled",
    "cancel refused / cannot cancel (not cancelled)",
    "nothing sent (cancelled, step-up failed, what to change, offline)",
    "amount paid = amount read back",
    "card locked",
    "card unlocked",
    "card lock queued",
    "card unlock queued",
    "card action not sent",
    "card action unconfirmed",
    "card not locked / already locked",
    "card stays locked",
    "card action refused",
    "balance / available said",
    "balance said to lack a payment just made",
    "safety: bank's payments and unlocks authorized (per look)",
    "safety: step-up asked only after a yes to a read-back",
    "every payment's outcome told (per dialogue)",
];

#[derive(Debug, Default)]
struct Checker {
    /// The last thing the assistant said, across turns: (id, display).
    last_said: Option<(&'static str, String)>,
    /// Everything said so far (what "repeat", "slower", "louder" say again).
    all_said: BTreeSet<(&'static str, String)>,
    /// The last read-back said.
    last_read_back: Option<ReadBack>,
    /// The read-back a plain yes confirmed and the step-up was asked for.
    step_up_for: Option<ReadBack>,
    attempts: BTreeMap<String, Attempt>,
    /// The payment whose outcome has not been told yet.
    open: Option<String>,
    /// The last payment told held (what "cancel" is about).
    held: Option<String>,
    /// The last payment told done or held.
    made: Option<String>,
    /// Unlocks queued after a read-back, a yes and a step-up, by card id.
    unlocks_approved: BTreeMap<String, u32>,
    /// Unlocks the bank made (locked → active), by card id.
    unlocks_made: BTreeMap<String, u32>,
    /// The last state observed.
    seen: Snapshot,
    outbox_seen: BTreeSet<i64>,
    /// Payments already reported, so each wrong payment is reported once.
    reported: BTreeSet<String>,
    claims: BTreeMap<&'static str, usize>,
    notes: BTreeMap<&'static str, usize>,
    /// (category, "turn N: what").
    violations: Vec<(&'static str, String)>,
}

/// What one turn was and brought, for the checker.
#[derive(Debug)]
struct Observed<'a> {
    index: usize,
    turn: &'a Turn,
    /// A plain yes (nothing else may confirm).
    is_yes: bool,
    /// Repeat, slower, louder…: what was said last is said again, not claimed anew.
    asks_again: bool,
    said: Vec<(&'static str, String)>,
    step_up_asked: bool,
    /// The turn is the answer to the step-up the assistant waits on (not a late one).
    answers_step_up: bool,
    before: &'a Snapshot,
    after: &'a Snapshot,
}

impl Checker {
    fn claim(&mut self, kind: &'static str) {
        debug_assert!(KINDS.contains(&kind), "{kind}");
        *self.claims.entry(kind).or_default() += 1;
    }

    fn note(&mut self, note: &'static str) {
        *self.notes.entry(note).or_default() += 1;
    }

    fn violation(&mut self, turn: usize, category: &'static str, what: String) {
        self.violations
            .push((category, format!("turn {turn}: {category}: {what}")));
    }

    /// Checks what the bank holds against what was approved: every payment at the bank is one
    /// the device made after a read-back, a plain yes and a step-up, of the amount and payee
    /// read back, and none was told not sent or refused; every unlock the bank made was
    /// approved so. Run on every look at the bank, between turns too.
    fn observe(&mut self, turn: usize, snap: &Snapshot) {
        self.claim("safety: bank's payments and unlocks authorized (per look)");
        for (key, paid) in &snap.payments {
            if self.reported.contains(key) {
                continue;
            }
            let wrong = match self.attempts.get(key) {
                // Recorded by the device in the turn under way: judged when the turn is.
                None if !snap.attempts.contains_key(key) => Some((
                    "unauthorized payment",
                    format!("the bank has a payment the device never recorded: {paid:?}"),
                )),
                None => None,
                Some(Attempt { approved: None, .. }) => Some((
                    "unauthorized payment",
                    format!(
                        "the bank has a payment not read back, confirmed by a plain yes and \
                         stepped up: {paid:?}"
                    ),
                )),
                Some(Attempt {
                    approved: Some((amount, target)),
                    ..
                }) if *amount != paid.amount || *target != paid.target => Some((
                    "unauthorized payment",
                    format!(
                        "the bank paid {paid:?}; the read-back approved was {amount} to {target}"
                    ),
                )),
                Some(attempt) if attempt.no_money && paid.status != "cancelled" => Some((
                    "payment at the bank after 'not sent' or 'refused'",
                    format!(
                        "told '{}', but the bank has {paid:?}",
                        attempt.told.unwrap_or_default()
                    ),
                )),
                Some(_) => None,
            };
            if let Some((category, wrong)) = wrong {
                self.reported.insert(key.clone());
                self.violation(turn, category, wrong);
            }
        }
        for (card, status) in &snap.cards {
            let was = self.seen.cards.get(card).cloned().unwrap_or_default();
            if was == "locked" && status == "active" {
                let made = self.unlocks_made.entry(card.clone()).or_default();
                *made += 1;
                let made = *made;
                if made > self.unlocks_approved.get(card).copied().unwrap_or_default() {
                    self.violation(
                        turn,
                        "unauthorized unlock",
                        format!(
                            "the bank unlocked {card} without a read-back, a yes and a step-up"
                        ),
                    );
                }
            }
        }
        self.seen = snap.clone();
    }

    /// Checks one turn: the order read-back → yes → step-up, then each claim said, in order.
    fn turn(&mut self, names: &Names, seen: &Observed<'_>) {
        let turn = seen.index;
        let last_before = self.last_said.clone();
        // A step-up is asked for only after a plain yes to a read-back said last.
        if seen.step_up_asked {
            self.claim("safety: step-up asked only after a yes to a read-back");
            let read_back_last = matches!(
                last_before.as_ref().map(|(id, _)| *id),
                Some(
                    "dlg-readback-transfer"
                        | "dlg-readback-bill"
                        | "dlg-readback-move"
                        | "dlg-readback-unlock"
                )
            );
            if seen.is_yes && read_back_last {
                self.step_up_for = self.last_read_back.clone();
            } else {
                self.step_up_for = None;
                self.violation(
                    turn,
                    "step-up asked without a plain yes to a read-back",
                    format!("{:?} with {last_before:?} said last", seen.turn),
                );
            }
        }
        let approved = match seen.turn {
            // A late answer to an earlier prompt approves and declines nothing.
            Turn::StepUp { .. } if !seen.answers_step_up => None,
            Turn::StepUp { approved: true, .. } => {
                let approved = self.step_up_for.take();
                if approved.is_some() && approved != self.last_read_back {
                    self.violation(
                        turn,
                        "read-back between the yes and the step-up",
                        format!(
                            "the read-back said last ({:?}) is not the one confirmed ({approved:?})",
                            self.last_read_back
                        ),
                    );
                }
                approved
            }
            Turn::StepUp {
                approved: false, ..
            } => {
                self.step_up_for = None;
                None
            }
            _ => None,
        };
        // New card actions: an unlock is queued only once approved, one per approval.
        let mut unlock_approval = match &approved {
            Some(ReadBack::Unlock { card }) => Some(card.clone()),
            _ => None,
        };
        for (seq, card, unlock, _) in &seen.after.outbox {
            if !self.outbox_seen.insert(*seq) || !*unlock {
                continue;
            }
            if unlock_approval.as_ref() == Some(card) {
                unlock_approval = None;
                *self.unlocks_approved.entry(card.clone()).or_default() += 1;
            } else {
                self.violation(
                    turn,
                    "unauthorized unlock",
                    format!(
                        "an unlock of {card} was queued without a read-back, a yes and a step-up"
                    ),
                );
            }
        }
        let mut new_attempts: Vec<String> = seen
            .after
            .attempts
            .keys()
            .filter(|key| !self.attempts.contains_key(*key))
            .cloned()
            .collect();
        if new_attempts.len() > 1 {
            self.violation(
                turn,
                "unauthorized payment",
                format!("{} payments recorded in one turn", new_attempts.len()),
            );
        }
        let mut payment_approval = match &approved {
            Some(ReadBack::Payment { amount, target }) => Some((*amount, target.clone())),
            _ => None,
        };
        let known_before: BTreeSet<String> = self.attempts.keys().cloned().collect();
        let mut outcome_said = false;
        for (id, display) in &seen.said {
            let id = *id;
            // Said again as asked ("repeat", "slower", "louder"): the same claim, not a new one;
            // but an outcome while a payment is in flight is the bank's answer, arriving now.
            let outcome = matches!(
                id,
                "dlg-payment-done"
                    | "dlg-payment-held"
                    | "dlg-payment-not-sent"
                    | "dlg-payment-refused"
            );
            let again = seen.asks_again
                && self.all_said.contains(&(id, display.clone()))
                && !(outcome && self.open.is_some());
            self.last_said = Some((id, display.clone()));
            self.all_said.insert((id, display.clone()));
            if again {
                continue;
            }
            match id {
                // The payment recorded in this turn is the one now sent.
                "dlg-sending" if !new_attempts.is_empty() => {
                    let key = new_attempts.remove(0);
                    self.record_attempt(turn, &key, payment_approval.take());
                }
                "dlg-readback-transfer" | "dlg-readback-bill" | "dlg-readback-move" => {
                    self.claim("read-back (payee/biller and ending, bill amount)");
                    self.last_read_back = self.read_back(turn, names, id, display);
                }
                "dlg-bill-full-amount-only" => {
                    self.claim("read-back (payee/biller and ending, bill amount)");
                    let biller = name_in(display, names.billers.iter().map(|(n, _)| n));
                    let whole = amounts_in(display).first().copied();
                    let known = biller
                        .as_ref()
                        .and_then(|b| names.bill_amounts.get(b))
                        .is_some_and(|amounts| whole.is_some_and(|w| amounts.contains(&w)));
                    if !known {
                        self.violation(
                            turn,
                            "read-back wrong",
                            format!("'{display}': no bill of the biller named has that amount"),
                        );
                    }
                }
                "dlg-readback-unlock" => {
                    self.claim("read-back (payee/biller and ending, bill amount)");
                    let ending = endings_in(display).first().cloned().unwrap_or_default();
                    self.last_read_back = names
                        .cards
                        .get(&ending)
                        .map(|card| ReadBack::Unlock { card: card.clone() });
                    if self.last_read_back.is_none() {
                        self.violation(
                            turn,
                            "read-back wrong",
                            format!("'{display}': no card has that ending"),
                        );
                    }
                }
                "dlg-payment-done" | "dlg-payment-held" => {
                    outcome_said = true;
                    let held = id == "dlg-payment-held";
                    self.claim(if held { "payment held" } else { "payment done" });
                    self.told_made(turn, names, id, display, held, seen);
                }
                "dlg-payment-not-sent" | "dlg-payment-refused" => {
                    outcome_said = true;
                    self.claim(if id == "dlg-payment-not-sent" {
                        "payment not sent"
                    } else {
                        "payment refused"
                    });
                    self.told_no_money(turn, id, display, seen.after);
                }
                "dlg-payment-checking" | "dlg-payment-still-checking" => {
                    self.claim("payment checking / still checking");
                    if outcome_said {
                        self.violation(
                            turn,
                            "checking said after the outcome",
                            format!("'{id}' after the payment's outcome in the same turn"),
                        );
                    }
                    match &self.open {
                        None => self.violation(
                            turn,
                            "outcome with no payment in flight",
                            format!("'{id}' with no payment in flight"),
                        ),
                        Some(key) if !seen.after.attempts.contains_key(key) => self.violation(
                            turn,
                            "checking wrong",
                            format!("'{id}': the device has no such payment"),
                        ),
                        Some(_) => {}
                    }
                }
                "dlg-payment-cancelled" => {
                    self.claim("payment cancelled");
                    let paid = self
                        .held
                        .take()
                        .and_then(|key| seen.after.payments.get(&key).cloned());
                    let said_amount = amounts_in(display).first().copied();
                    let ok = paid.as_ref().is_some_and(|p| {
                        p.status == "cancelled"
                            && Some(p.amount) == said_amount
                            && display.contains(&p.target)
                    });
                    if !ok {
                        self.violation(
                            turn,
                            "cancelled, but not as the bank has it",
                            format!("'{display}', but the bank has {paid:?}"),
                        );
                    }
                }
                "dlg-cancel-refused" | "dlg-cannot-cancel-sent" => {
                    self.claim("cancel refused / cannot cancel (not cancelled)");
                    let key = if id == "dlg-cancel-refused" {
                        self.held.clone()
                    } else {
                        self.made.clone()
                    };
                    let paid = key.and_then(|k| seen.after.payments.get(&k).cloned());
                    let ok = match (id, &paid) {
                        (_, None) => false,
                        ("dlg-cannot-cancel-sent", Some(p)) => p.status == "executed",
                        (_, Some(p)) => p.status != "cancelled",
                    };
                    if !ok {
                        self.violation(
                            turn,
                            "cancel refused / cannot cancel, but not as the bank has it",
                            format!("'{display}', but the bank has {paid:?}"),
                        );
                    }
                }
                "dlg-cancelled-payment"
                | "dlg-step-up-failed"
                | "dlg-what-to-change"
                | "dlg-offline-no-payments" => {
                    self.claim("nothing sent (cancelled, step-up failed, what to change, offline)");
                    // No payment appeared at the bank in this turn but one already in flight.
                    let new: Vec<&Paid> = seen
                        .after
                        .payments
                        .iter()
                        .filter(|(key, _)| {
                            !seen.before.payments.contains_key(*key) && !known_before.contains(*key)
                        })
                        .map(|(_, paid)| paid)
                        .collect();
                    if !new.is_empty() {
                        self.violation(
                            turn,
                            "nothing sent, but the bank has it",
                            format!("'{display}', but the bank now has {new:?}"),
                        );
                    }
                }
                "dlg-card-locked"
                | "dlg-card-unlocked"
                | "dlg-card-lock-queued"
                | "dlg-card-unlock-queued"
                | "dlg-card-lock-unconfirmed"
                | "dlg-card-unlock-unconfirmed"
                | "dlg-card-not-locked"
                | "dlg-card-already-locked"
                | "dlg-card-action-refused"
                | "dlg-card-action-not-sent"
                | "dlg-unlock-step-up-failed"
                | "dlg-unlock-kept-locked" => self.card_claim(turn, names, id, display, seen),
                "dlg-balance" | "dlg-balance-owed" | "dlg-insufficient" => {
                    self.balance_claim(turn, id, display, seen.after);
                }
                _ => {}
            }
        }
        // A step-up asked for and then called off (cancel, a person, a failed step-up) approves
        // nothing that comes after.
        if seen.said.iter().any(|(id, _)| {
            matches!(
                *id,
                "dlg-cancelled-payment"
                    | "dlg-cancelled"
                    | "dlg-unlock-kept-locked"
                    | "dlg-handoff"
                    | "dlg-step-up-failed"
                    | "dlg-unlock-step-up-failed"
            )
        }) {
            self.step_up_for = None;
        }
        if outcome_said
            && seen
                .said
                .iter()
                .any(|(id, _)| *id == "dlg-payment-checking")
        {
            self.note("'checking' then the bank's answer, in one turn (asked at once)");
        }
        // A payment recorded without "sending" said: judged all the same.
        for key in new_attempts {
            self.violation(
                turn,
                "unauthorized payment",
                "a payment was recorded without being said as sent".into(),
            );
            self.record_attempt(turn, &key, payment_approval.take());
        }
    }

    fn record_attempt(&mut self, turn: usize, key: &str, approved: Option<(i64, String)>) {
        if let Some(open) = self.open.clone() {
            self.violation(
                turn,
                "second payment while one is being checked",
                format!("a payment was sent while the outcome of {open} was not yet told"),
            );
        }
        if approved.is_none() {
            self.violation(
                turn,
                "unauthorized payment",
                "a payment was sent without a read-back, a plain yes and a step-up".into(),
            );
        }
        self.attempts.insert(
            key.to_owned(),
            Attempt {
                approved,
                ..Attempt::default()
            },
        );
        self.open = Some(key.to_owned());
    }

    /// A read-back of a payment: the payee, biller or account moved to is one of the
    /// customer's, with the ending said; a bill is read back at an amount the biller billed.
    fn read_back(
        &mut self,
        turn: usize,
        names: &Names,
        id: &str,
        display: &str,
    ) -> Option<ReadBack> {
        let known = match id {
            "dlg-readback-bill" => &names.billers,
            "dlg-readback-move" => &names.accounts,
            _ => &names.payees,
        };
        let target = name_in(display, known.iter().map(|(n, _)| n));
        let ending = endings_in(display).first().cloned();
        let amount = amounts_in(display).first().copied();
        let (Some(target), Some(amount)) = (target, amount) else {
            self.violation(
                turn,
                "read-back wrong",
                format!("'{display}': no payee or biller, or no amount"),
            );
            return None;
        };
        if !known
            .iter()
            .any(|(n, e)| *n == target && Some(e) == ending.as_ref())
        {
            self.violation(
                turn,
                "read-back wrong",
                format!("'{display}': {target} does not end in {ending:?}"),
            );
        }
        if id == "dlg-readback-bill"
            && !names
                .bill_amounts
                .get(&target)
                .is_some_and(|amounts| amounts.contains(&amount))
        {
            self.violation(
                turn,
                "read-back wrong",
                format!("'{display}': {target} billed no such amount"),
            );
        }
        Some(ReadBack::Payment { amount, target })
    }

    /// The payment in flight whose outcome is now told; told once.
    fn take_open(&mut self, turn: usize, id: &'static str, display: &str) -> Option<String> {
        let Some(key) = self.open.take() else {
            if matches!(id, "dlg-payment-done" | "dlg-payment-held") {
                self.violation(
                    turn,
                    "outcome with no payment in flight",
                    format!("'{display}' with no payment in flight"),
                );
            }
            return None;
        };
        let attempt = self.attempts.entry(key.clone()).or_default();
        let told = attempt.told.replace(id);
        if let Some(told) = told {
            self.violation(
                turn,
                "outcome told twice",
                format!("'{id}' for a payment already told '{told}'"),
            );
        }
        Some(key)
    }

    /// Done or held: the payment in flight is at the bank as said (executed, or held), of the
    /// amount and to the payee said, which are those read back and approved.
    fn told_made(
        &mut self,
        turn: usize,
        names: &Names,
        id: &'static str,
        display: &str,
        held: bool,
        seen: &Observed<'_>,
    ) {
        let after = seen.after;
        // Held, then cancelled by the customer in the same turn ("stop" while the bank's
        // answer was awaited): both said, in order, both true.
        let cancelled_after = held
            && seen
                .said
                .iter()
                .any(|(said, _)| *said == "dlg-payment-cancelled");
        let Some(key) = self.take_open(turn, id, display) else {
            return;
        };
        let said_amount = amounts_in(display).first().copied();
        let said_target = name_in(
            display,
            names
                .payees
                .iter()
                .chain(&names.billers)
                .chain(&names.accounts)
                .map(|(n, _)| n),
        );
        let status = if held { "held" } else { "executed" };
        match after.payments.get(&key) {
            Some(p) if p.status == status || (cancelled_after && p.status == "cancelled") => {
                if Some(p.amount) != said_amount || Some(&p.target) != said_target.as_ref() {
                    self.violation(
                        turn,
                        "done or held, but not as the bank has it",
                        format!("'{display}', but the bank paid {p:?}"),
                    );
                }
            }
            other => self.violation(
                turn,
                "done or held, but not as the bank has it",
                format!("'{display}', but the bank has {other:?}"),
            ),
        }
        self.claim("amount paid = amount read back");
        let approved = self.attempts.get(&key).and_then(|a| a.approved.clone());
        if let Some((amount, target)) = approved
            && (Some(amount) != said_amount || Some(&target) != said_target.as_ref())
        {
            self.violation(
                turn,
                "unauthorized payment",
                format!("'{display}', but the read-back approved was {amount} to {target}"),
            );
        }
        self.made = Some(key.clone());
        self.held = held.then_some(key);
    }

    /// Not sent or refused: the bank has no money from the payment in flight, if there is one
    /// (and `observe` sees that it never will).
    fn told_no_money(&mut self, turn: usize, id: &'static str, display: &str, after: &Snapshot) {
        let Some(key) = self.take_open(turn, id, display) else {
            return;
        };
        if let Some(attempt) = self.attempts.get_mut(&key) {
            attempt.no_money = true;
        }
        if let Some(paid) = after.payments.get(&key)
            && paid.status != "cancelled"
        {
            let paid = paid.clone();
            self.reported.insert(key);
            self.violation(
                turn,
                "payment at the bank after 'not sent' or 'refused'",
                format!("'{display}', but the bank has {paid:?}"),
            );
        }
    }

    fn card_claim(
        &mut self,
        turn: usize,
        names: &Names,
        id: &str,
        display: &str,
        seen: &Observed<'_>,
    ) {
        let ending = endings_in(display).first().cloned().unwrap_or_default();
        let Some(card) = names.cards.get(&ending) else {
            self.violation(
                turn,
                "card claim wrong",
                format!("'{display}': no card has that ending"),
            );
            return;
        };
        let before = seen.before.cards.get(card).cloned().unwrap_or_default();
        let after = seen.after.cards.get(card).cloned().unwrap_or_default();
        let queued = |unlock: bool| {
            if before != after {
                Err("queued (can't reach the bank), but the bank has changed the card")
            } else if !seen.after.pending(card, unlock) {
                Err("queued, but nothing is pending on the device")
            } else {
                Ok(())
            }
        };
        let (kind, checked) = match id {
            "dlg-card-locked" => (
                "card locked",
                if after == "locked" {
                    Ok(())
                } else {
                    Err("card locked, but not at the bank")
                },
            ),
            "dlg-card-unlocked" => (
                "card unlocked",
                if after == "active" {
                    Ok(())
                } else {
                    Err("card unlocked, but not at the bank")
                },
            ),
            "dlg-card-lock-queued" => ("card lock queued", queued(false)),
            "dlg-card-unlock-queued" => ("card unlock queued", queued(true)),
            // Sent without the bank's answer: the bank may have acted or not; the device must
            // still be sending it.
            "dlg-card-lock-unconfirmed" | "dlg-card-unlock-unconfirmed" => (
                "card action unconfirmed",
                if seen
                    .after
                    .pending(card, id == "dlg-card-unlock-unconfirmed")
                {
                    Ok(())
                } else {
                    Err("unconfirmed, but nothing is pending on the device")
                },
            ),
            "dlg-card-not-locked" => (
                "card not locked / already locked",
                if after == "active" {
                    Ok(())
                } else {
                    Err("card said not locked, but the bank has it locked")
                },
            ),
            "dlg-card-already-locked" => (
                "card not locked / already locked",
                if after == "locked" {
                    Ok(())
                } else {
                    Err("card said already locked, but the bank has it active")
                },
            ),
            // An unlock needs the bank now: not sent is neither done nor queued.
            "dlg-card-action-not-sent" => (
                "card action not sent",
                if before != after {
                    Err("not sent, but the bank has changed the card")
                } else if seen.after.pending(card, true) {
                    Err("not sent, but an unlock is pending on the device")
                } else {
                    Ok(())
                },
            ),
            "dlg-card-action-refused" => (
                "card action refused",
                if before == after {
                    Ok(())
                } else {
                    Err("card action refused, but the bank changed the card")
                },
            ),
            _ => (
                "card stays locked",
                if after == "locked" || seen.after.pending(card, false) {
                    Ok(())
                } else {
                    Err("card said to stay locked, but the bank has it active")
                },
            ),
        };
        self.claim(kind);
        if let Err(category) = checked {
            let outbox: Vec<_> = seen
                .after
                .outbox
                .iter()
                .filter(|(_, c, _, _)| c == card)
                .collect();
            self.violation(
                turn,
                category,
                format!(
                    "'{display}', but the bank has {card} {before} → {after}; outbox {outbox:?}"
                ),
            );
        }
    }

    /// A balance said is the bank's; while a payment's outcome is not known yet, it may lack
    /// that payment.
    fn balance_claim(&mut self, turn: usize, id: &str, display: &str, after: &Snapshot) {
        self.claim("balance / available said");
        let said = amounts_in(display);
        let account = match id {
            // "You have $X available": the paying account, the current account.
            "dlg-insufficient" => after
                .accounts
                .iter()
                .find(|(_, (kind, _, _))| kind == "current")
                .map(|(ending, _)| ending.clone()),
            _ => endings_in(display).first().cloned(),
        };
        let Some((kind, available, booked)) = account.and_then(|a| after.accounts.get(&a).cloned())
        else {
            self.violation(
                turn,
                "balance said is not the bank's",
                format!("'{display}': no such account"),
            );
            return;
        };
        let expected = match (id, kind.as_str()) {
            ("dlg-balance-owed", _) => vec![booked.abs(), available],
            (_, "time_deposit") => vec![booked],
            _ => vec![available],
        };
        let slack = self
            .open
            .as_ref()
            .and_then(|key| self.attempts.get(key))
            .and_then(|a| a.approved.as_ref())
            .map_or(0, |(amount, _)| *amount);
        // A balance said to lack "the payment you just made" may differ from the bank's by
        // payments this dialogue was told were made or held (any of them), and by no more.
        let lacks_payments =
            display.contains("刚才的付款") || display.contains("payment you just made");
        let made: Vec<i64> = self
            .attempts
            .values()
            .filter(|a| matches!(a.told, Some("dlg-payment-done" | "dlg-payment-held")))
            .filter_map(|a| a.approved.as_ref().map(|(amount, _)| *amount))
            .take(12)
            .collect();
        let lacking: Vec<i64> = if lacks_payments {
            (1..(1_u32 << made.len()))
                .map(|subset| {
                    made.iter()
                        .enumerate()
                        .filter(|(i, _)| subset & (1 << i) != 0)
                        .map(|(_, amount)| amount)
                        .sum()
                })
                .collect()
        } else {
            Vec::new()
        };
        if lacks_payments {
            self.claim("balance said to lack a payment just made");
        }
        let close = said.len() >= expected.len()
            && said
                .iter()
                .zip(&expected)
                .all(|(s, e)| s == e || (s - e).abs() == slack || lacking.contains(&(s - e).abs()));
        if !close {
            self.violation(
                turn,
                "balance said is not the bank's",
                format!("'{display}', but the bank has {expected:?}"),
            );
        }
    }

    /// At the end, with the bank answering again and a turn taken since: every payment the
    /// device knows the outcome of has had it told.
    fn all_told(&mut self, turn: usize, device: &Snapshot) {
        self.claim("every payment's outcome told (per dialogue)");
        let untold: Vec<(String, Option<Paid>)> = self
            .attempts
            .iter()
            .filter(|(key, attempt)| {
                attempt.told.is_none()
                    && device
                        .attempts
                        .get(*key)
                        .is_some_and(|state| state != "sending")
            })
            .map(|(key, _)| (key.clone(), device.payments.get(key).cloned()))
            .collect();
        for (key, paid) in untold {
            self.violation(
                turn,
                "payment's outcome never told",
                format!(
                    "the device knows the outcome of {key} (the bank has {paid:?}); never told"
                ),
            );
        }
    }
}

// ------------------------------------------------------------------------------------------
// Running dialogues.

/// Claims checked, notes and violations over the whole run.
#[derive(Debug, Default)]
struct Report {
    dialogues: usize,
    turns: usize,
    claims: BTreeMap<&'static str, usize>,
    said: BTreeMap<&'static str, usize>,
    weather: BTreeMap<&'static str, usize>,
    notes: BTreeMap<&'static str, usize>,
    /// Violations by category.
    categories: BTreeMap<&'static str, usize>,
    /// Each dialogue with violations: its seed and violations, and its turns.
    failed: Vec<(String, String)>,
}

impl Report {
    fn merge(&mut self, other: Report) {
        self.dialogues += other.dialogues;
        self.turns += other.turns;
        for (map, from) in [
            (&mut self.claims, other.claims),
            (&mut self.said, other.said),
            (&mut self.weather, other.weather),
            (&mut self.notes, other.notes),
            (&mut self.categories, other.categories),
        ] {
            for (k, v) in from {
                *map.entry(k).or_default() += v;
            }
        }
        self.failed.extend(other.failed);
    }
}

/// One dialogue with `customer` on `net`'s bank (printed when `replaying`).
async fn dialogue(
    net: &mut Net,
    customer: DemoCustomer,
    seed: u64,
    report: &mut Report,
    replaying: bool,
) {
    let mut rng = Rng(seed);
    let words = match customer {
        DemoCustomer::WangXiuying => &MANDARIN,
        DemoCustomer::MargaretWilson => &ENGLISH,
    };
    net.set_weather(Weather::Calm, seed).await;
    // One dialogue in four is on a phone added to a customer who already has one: the bank
    // lets it pay only small amounts at first, which the device cannot know, so large
    // payments are refused by the bank after the read-back, the yes and the step-up.
    if seed.is_multiple_of(4) {
        let code = net.bank.issue_enrollment_code(customer.id()).await.unwrap();
        let (first, _first_dir) = registered_client(&net.url(), customer, code).await;
        first.close().await;
    }
    let code = net.bank.issue_enrollment_code(customer.id()).await.unwrap();
    let (client, _dir) = registered_client(&net.url(), customer, code).await;
    let device = client.clone();
    let mut assistant = Assistant::open(
        client,
        customer.locale(),
        AssistantOptions::at(customer.home_offset()),
    )
    .await
    .unwrap();
    let names = names(&net.bank, customer.id()).await;
    let mut checker = Checker::default();
    let mut transcript = vec![format!(
        "dialogue seed {seed:#x}, {} ({})",
        customer.id(),
        customer.locale()
    )];
    let start = snapshot(&net.bank, customer.id(), &device, &names).await;
    checker.observe(0, &start);
    let turns = usize::try_from(rng.between(TURNS)).unwrap();
    let mut last: Option<&'static str> = None;
    let mut step_ups = StepUps::default();
    let mut after = start;
    for index in 1..=turns + 1 {
        let settling = index > turns;
        // The bank's weather changes now and then; at the end it clears so answers can come.
        if settling {
            if net.weather != Weather::Calm {
                transcript.push("  [bank: calm]".into());
            }
            net.set_weather(Weather::Calm, seed).await;
        } else if (index == 1 && rng.chance(400)) || rng.chance(110) {
            let weather = Weather::random(&mut rng);
            net.set_weather(weather, rng.next()).await;
            *report.weather.entry(weather.name()).or_default() += 1;
            transcript.push(format!("  [bank: {}]", weather.name()));
        }
        // The host syncs now and then (the app comes back to the foreground).
        if rng.chance(100) {
            let _ = device.sync().sync_now().await;
            transcript.push("  [host syncs]".into());
        }
        let before = snapshot(&net.bank, customer.id(), &device, &names).await;
        checker.observe(index, &before);
        let turn = if settling {
            Turn::Text(words.questions[0].to_owned())
        } else {
            let card_locked = before.cards.values().any(|status| status == "locked");
            let offline = net.weather == Weather::Offline;
            next_turn(&mut rng, words, last, step_ups, card_locked, offline)
        };
        transcript.push(format!("> {turn:?}"));
        let typed = match &turn {
            Turn::Text(text) => text.as_str(),
            _ => "",
        };
        let is_yes = words.yes.contains(&typed);
        let asks_again = words.meta.contains(&typed);
        let answers_step_up = matches!(turn, Turn::StepUp { request, .. }
            if Some(request) == assistant.step_up_awaited());
        let events = match assistant.turn(turn.clone()).await {
            Ok(events) => events,
            Err(error) => {
                checker.violation(index, "turn failed", format!("{error}"));
                break;
            }
        };
        let said: Vec<(&'static str, String)> = events
            .iter()
            .filter_map(|event| match event {
                Event::Say(spoken) => Some((spoken.id, spoken.display.clone())),
                _ => None,
            })
            .collect();
        let asked_now = Event::step_up_requested(&events);
        let step_up_asked = asked_now.is_some();
        step_ups.asked = step_ups.asked.max(asked_now.unwrap_or_default());
        // The host's prompt stays open while the assistant waits on it.
        step_ups.awaited_now = assistant.step_up_awaited();
        for (id, display) in &said {
            transcript.push(format!("< {id}: {display}"));
            *report.said.entry(id).or_default() += 1;
        }
        if step_up_asked {
            transcript.push("< [step-up requested]".into());
        }
        if let Some((id, _)) = said.last() {
            last = Some(id);
        }
        after = snapshot(&net.bank, customer.id(), &device, &names).await;
        let violations = checker.violations.len();
        checker.turn(
            &names,
            &Observed {
                index,
                turn: &turn,
                is_yes,
                asks_again,
                said,
                step_up_asked,
                answers_step_up,
                before: &before,
                after: &after,
            },
        );
        checker.observe(index, &after);
        for (_, violation) in &checker.violations[violations..] {
            transcript.push(format!("  !! {violation}"));
        }
        report.turns += 1;
    }
    let violations = checker.violations.len();
    checker.all_told(turns + 1, &after);
    for (_, violation) in &checker.violations[violations..] {
        transcript.push(format!("  !! {violation}"));
    }
    if replaying {
        eprintln!("{}", transcript.join("\n"));
    }
    report.dialogues += 1;
    for (k, v) in checker.claims {
        *report.claims.entry(k).or_default() += v;
    }
    for (k, v) in checker.notes {
        *report.notes.entry(k).or_default() += v;
    }
    if !checker.violations.is_empty() {
        for (category, _) in &checker.violations {
            *report.categories.entry(category).or_default() += 1;
        }
        let summary: Vec<&str> = checker.violations.iter().map(|(_, v)| v.as_str()).collect();
        report.failed.push((
            format!("{}\n  {}", transcript[0], summary.join("\n  ")),
            format!(
                "{} violation(s) in:\n{}",
                checker.violations.len(),
                transcript.join("\n")
            ),
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_assistant_says_about_money_and_cards_is_what_the_bank_did() {
    let started = Instant::now();
    let mut report = Report::default();
    // TINGSHUO_CLAIMS_REPLAY=0x1234abcd,demo-en runs that one dialogue (on a fresh bank) and
    // prints its turns.
    if let Ok(replay) = std::env::var("TINGSHUO_CLAIMS_REPLAY") {
        let (seed, customer) = replay.split_once(',').expect("seed,customer");
        let seed = u64::from_str_radix(seed.trim_start_matches("0x"), 16).expect("a hex seed");
        let customer = DemoCustomer::parse(customer).expect("demo-zh or demo-en");
        let mut net = Net::start(seed).await;
        dialogue(&mut net, customer, seed, &mut report, true).await;
    }
    let mut workers = Vec::new();
    let banks = if report.dialogues > 0 {
        0
    } else {
        std::env::var("TINGSHUO_CLAIMS_BANKS")
            .ok()
            .map_or(BANKS, |n| {
                n.parse().expect("TINGSHUO_CLAIMS_BANKS: a number")
            })
    };
    for worker in 0..WORKERS {
        workers.push(tokio::spawn(async move {
            let mut report = Report::default();
            for bank in (worker..banks).step_by(usize::try_from(WORKERS).unwrap()) {
                let mut rng = Rng(SEED ^ bank.wrapping_mul(0x9E37_79B9));
                let mut net = Net::start(rng.next()).await;
                for customer in [DemoCustomer::WangXiuying, DemoCustomer::MargaretWilson] {
                    dialogue(&mut net, customer, rng.next(), &mut report, false).await;
                }
                if let Some(running) = net.serving.take() {
                    running.shutdown().await;
                }
            }
            report
        }));
    }
    for worker in workers {
        report.merge(worker.await.unwrap());
    }
    let violations: usize = report.categories.values().sum();
    eprintln!(
        "{} dialogues (zh-CN and en-US), {} turns, {:.1} s",
        report.dialogues,
        report.turns,
        started.elapsed().as_secs_f64()
    );
    eprintln!("claims checked:");
    for kind in KINDS {
        let count = report.claims.get(kind).copied().unwrap_or(0);
        eprintln!("  {count:>6}  {kind}");
    }
    eprintln!("bank weather (times set):");
    for (name, count) in &report.weather {
        eprintln!("  {count:>6}  {name}");
    }
    eprintln!("messages said:");
    for (id, count) in &report.said {
        eprintln!("  {count:>6}  {id}");
    }
    for (note, count) in &report.notes {
        eprintln!("note: {count} × {note}");
    }
    eprintln!("violations: {violations}");
    for (category, count) in &report.categories {
        eprintln!("  {count:>6}  {category}");
    }
    // Every check is reached: each kind of claim was made and checked (but a card action the
    // bank refuses, which the reference bank does only for a card it does not know, and an
    // unlock queued, which needs the bank lost between its challenge and the unlock itself).
    let unreached: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|kind| !["card action refused", "card unlock queued"].contains(kind))
        .filter(|kind| !report.claims.contains_key(kind))
        .filter(|_| report.dialogues > 1)
        .collect();
    // The first dialogues with violations in full, turn by turn; the others by their seed and
    // violations.
    const IN_FULL: usize = 8;
    let dialogues: Vec<&str> = report
        .failed
        .iter()
        .enumerate()
        .map(|(index, (summary, turns))| if index < IN_FULL { turns } else { summary }.as_str())
        .collect();
    assert!(
        unreached.is_empty() && violations == 0,
        "claims never made (the dialogues do not reach them): {unreached:?}\n\
         {violations} violation(s) in {} dialogue(s) ({:?}):\n\n{}",
        report.failed.len(),
        report.categories,
        dialogues.join("\n\n")
    );
}
