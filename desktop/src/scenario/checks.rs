//! The automatic accessibility checks every scenario run gets, each named with the clause it
//! tests. A check reads the turn records (and the replies' audio, and the log itself) and
//! returns findings; any finding fails the scenario. Each check has a test feeding it a
//! transcript that violates it.
//!
//! Clauses are cited as their source names them; where the brief cites a source without a
//! clause number (MIIT 适老化 2021, GB/T 37668-2019), no number is made up.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tingshuo_core::Locale;
use tingshuo_core::dialogue::{Expecting, PlanKind, hear};
use tingshuo_core::model::CustomerSnapshot;
use tingshuo_core::understand::context::Context;
use tingshuo_core::understand::{Said, World, answers_context, banking_context};
use tingshuo_sandbox::seed::DemoCustomer;

use crate::chat::{EventRecord, ReplyAudio, TurnInput, TurnRecord};

/// One thing a check found wrong: the turn, and a message (`locales/*/dialogue.ftl`,
/// `report-finding-*`) with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub turn: usize,
    pub message: &'static str,
    pub args: BTreeMap<&'static str, String>,
}

fn finding(turn: usize, message: &'static str, args: &[(&'static str, String)]) -> Finding {
    Finding {
        turn,
        message,
        args: args.iter().cloned().collect(),
    }
}

/// A check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The check's id; its name is the message `report-check-<id>`.
    pub id: &'static str,
    pub clause: &'static str,
    pub passed: bool,
    /// What was measured, when the check measures (the speech rate).
    pub measured: Option<String>,
    pub findings: Vec<Finding>,
}

/// What the checks read.
pub struct Transcript<'a> {
    pub locale: Locale,
    /// Every record with the scenario turn it belongs to.
    pub turns: Vec<(usize, &'a TurnRecord)>,
    pub audio: Vec<&'a ReplyAudio>,
    /// The customer's C2 values in full (account and card numbers, ID and phone numbers):
    /// none may appear anywhere.
    pub secrets: Vec<String>,
    /// The log as written (`log.json`'s lines of this scenario).
    pub log: &'a str,
    /// Whether the assistant understands these words (as a command or an answer).
    pub understands: &'a dyn Fn(&str) -> bool,
}

impl std::fmt::Debug for Transcript<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("locale", &self.locale)
            .field("turns", &self.turns.len())
            .finish_non_exhaustive()
    }
}

pub const READ_BACK: &str = "WCAG 2.2 SC 3.3.4 Error Prevention (Legal, Financial, Data)";
pub const ONE_QUESTION: &str =
    "MIIT 适老化 2021, plain language: one question at a time (as the brief cites it)";
pub const REDUNDANT_ENTRY: &str = "WCAG 2.2 SC 3.3.7 Redundant Entry";
pub const NO_TIME_LIMIT: &str = "WCAG 2.2 SC 2.2.1 Timing Adjustable";
pub const SPEECH_FORM: &str = "GB/T 37668-2019 and MIIT 适老化 2021 as the brief cites them: information never in one channel only";
pub const PLAIN_LANGUAGE: &str =
    "MIIT 适老化 2021, plain language (as the brief cites it; the thresholds are ours)";
pub const MASKED: &str = "JR/T 0171-2020 data classes: no C3 ever, C2 masked";
pub const ANSWER_WORDS: &str = "Tingshuo brief: the answer words asked for are the ones offered (cf. WCAG 2.2 SC 2.5.3 Label in Name)";
pub const SPEECH_RATE: &str = "Tingshuo brief: speech rate in the comfortable band";

/// Plain language, per locale, in one place.
struct PlainLanguage {
    /// The longest sentence allowed, in words (English) or characters (Chinese).
    max_sentence: usize,
    /// Words a customer should not have to know.
    jargon: &'static [&'static str],
    /// The comfortable speech rate at the normal rate setting: words (English) or characters,
    /// one syllable each (Chinese), per minute.
    rate_band: (f64, f64),
    /// The fewest syllables a rate is measured over.
    rate_sample: usize,
}

/// Why these numbers: English plain-language guidance commonly aims at sentences of 15–20
/// words on average; a voice reply is heard once, so no single sentence may run past 25. A
/// Chinese sentence of 40 characters is about 12 seconds of speech at 200 characters a minute,
/// the longest we ask an older listener to hold. The English rate band is the brief's (about
/// 150–200 words a minute, counted as syllables ÷ 1.4). For Mandarin no band is given: we use
/// 150–250 characters (each one syllable) a minute — espeak-ng's normal rate reads our replies
/// at about 180–250, and English at 150–200 words is 210–280 syllables a minute; the band sits
/// lower for older listeners. These are our working thresholds, not a standard's.
fn plain_language(locale: Locale) -> PlainLanguage {
    match locale {
        Locale::EnUs => PlainLanguage {
            max_sentence: 25,
            jargon: &[
                "beneficiary",
                "remittance",
                "authenticate",
                "authentication",
                "idempotency",
                "transaction reference",
                "insufficient funds",
                "debit authorization",
                "payee identifier",
            ],
            rate_band: (150.0, 200.0),
            rate_sample: 60,
        },
        Locale::ZhCn => PlainLanguage {
            max_sentence: 40,
            jargon: &[
                "鉴权",
                "受益人",
                "幂等",
                "交易流水号",
                "身份核验",
                "收款人账号",
            ],
            rate_band: (150.0, 250.0),
            rate_sample: 60,
        },
    }
}

/// Sentences of a speech form: split after . ? ! 。 ？ ！ ；
fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive(['.', '?', '!', '。', '？', '！', '；'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(u32::from(c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// How long a sentence is: words in English, characters in Chinese.
fn length(locale: Locale, sentence: &str) -> usize {
    match locale {
        Locale::EnUs => sentence
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count(),
        Locale::ZhCn => sentence
            .chars()
            .filter(|c| is_han(*c) || c.is_ascii_alphanumeric())
            .count(),
    }
}

/// Runs every check.
pub fn run_all(transcript: &Transcript<'_>) -> Vec<CheckResult> {
    vec![
        result("read-back", READ_BACK, read_back(transcript), None),
        result("one-question", ONE_QUESTION, one_question(transcript), None),
        result(
            "redundant-entry",
            REDUNDANT_ENTRY,
            redundant_entry(transcript),
            None,
        ),
        result(
            "no-time-limit",
            NO_TIME_LIMIT,
            no_time_limit(transcript),
            None,
        ),
        result("speech-form", SPEECH_FORM, speech_form(transcript), None),
        result(
            "plain-language",
            PLAIN_LANGUAGE,
            plain_words(transcript),
            None,
        ),
        result("masked-data", MASKED, masked(transcript), None),
        result("answer-words", ANSWER_WORDS, answer_words(transcript), None),
        {
            let (findings, measured) = speech_rate(transcript);
            result("speech-rate", SPEECH_RATE, findings, measured)
        },
    ]
}

fn result(
    id: &'static str,
    clause: &'static str,
    findings: Vec<Finding>,
    measured: Option<String>,
) -> CheckResult {
    CheckResult {
        id,
        clause,
        passed: findings.is_empty(),
        measured,
        findings,
    }
}

/// Money moves, or a protection is weakened (a card unlocked), only after a read-back the
/// customer confirmed: every step-up asked for and every payment sent follows a read-back
/// (`dlg-readback-*`) and then a turn understood as "confirm", within one request (a request
/// ends when the dialogue is idle again).
pub fn read_back(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut read_back_said = false;
    let mut confirmed = false;
    for (turn, record) in &t.turns {
        let ids = record.message_ids();
        if record.intent.as_deref() == Some("confirm") && read_back_said {
            confirmed = true;
        }
        let moves = record.asks_step_up() || ids.contains(&"dlg-sending");
        if moves && !confirmed {
            findings.push(finding(*turn, "report-finding-no-read-back", &[]));
        }
        if ids.iter().any(|id| id.starts_with("dlg-readback")) {
            read_back_said = true;
            confirmed = false;
        }
        if record.state == "idle" {
            read_back_said = false;
            confirmed = false;
        }
    }
    findings
}

/// One question per turn: what is said in a turn asks at most one thing.
pub fn one_question(t: &Transcript<'_>) -> Vec<Finding> {
    t.turns
        .iter()
        .filter_map(|(turn, record)| {
            let questions: usize = record
                .replies()
                .iter()
                .map(|r| r.speech.matches(['?', '？']).count())
                .sum();
            (questions > 1).then(|| {
                finding(
                    *turn,
                    "report-finding-questions",
                    &[("count", questions.to_string())],
                )
            })
        })
        .collect()
}

/// The slot a question asks for.
fn asks_for(id: &str) -> Option<&'static str> {
    match id {
        "dlg-ask-payee" => Some("payee"),
        "dlg-ask-amount" => Some("amount"),
        "dlg-ask-biller" => Some("biller"),
        "dlg-ask-card" | "dlg-ask-card-unlock" => Some("card"),
        _ => None,
    }
}

/// Nothing the customer said is asked for again in the same request: once a payee, an
/// amount, a bill or a card is given, no question asks for it, until the request ends (back
/// to idle) or the customer is asked what to change.
pub fn redundant_entry(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut given: BTreeSet<String> = BTreeSet::new();
    for (turn, record) in &t.turns {
        given.extend(record.slots.keys().cloned());
        for id in record.message_ids() {
            if id == "dlg-what-to-change" {
                given.clear();
            }
            if let Some(slot) = asks_for(id)
                && given.contains(slot)
            {
                findings.push(finding(
                    *turn,
                    "report-finding-asked-again",
                    &[("slot", slot.to_owned())],
                ));
            }
        }
        if record.state == "idle" {
            given.clear();
        }
    }
    findings
}

/// No time limit: a silence is answered (a prompt), never ends the conversation or hands
/// it off, and leaves the dialogue where it was.
pub fn no_time_limit(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut state = "idle";
    for (turn, record) in &t.turns {
        if record.input == TurnInput::Silence {
            let spoken = record.replies().iter().any(|r| !r.speech.trim().is_empty());
            if !spoken {
                findings.push(finding(*turn, "report-finding-silence-unanswered", &[]));
            }
            if record.events.contains(&EventRecord::HandOff) {
                findings.push(finding(*turn, "report-finding-silence-ended", &[]));
            }
            if record.state != state {
                findings.push(finding(
                    *turn,
                    "report-finding-silence-moved",
                    &[("from", state.to_owned()), ("to", record.state.clone())],
                ));
            }
        }
        state = &record.state;
    }
    findings
}

/// Every state has a speech form: every turn says something, and every line shown is also
/// said (a non-empty speech form), including the step-up request.
pub fn speech_form(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (turn, record) in &t.turns {
        let replies = record.replies();
        if replies.is_empty() {
            findings.push(finding(*turn, "report-finding-nothing-said", &[]));
        }
        for reply in &replies {
            if reply.speech.trim().is_empty() && !reply.display.trim().is_empty() {
                findings.push(finding(
                    *turn,
                    "report-finding-shown-not-said",
                    &[("text", reply.display.to_owned())],
                ));
            }
        }
        let step_up_said = record
            .message_ids()
            .iter()
            .any(|id| id.starts_with("dlg-step-up"));
        if record.asks_step_up() && !step_up_said {
            findings.push(finding(*turn, "report-finding-step-up-unsaid", &[]));
        }
    }
    findings
}

/// Short sentences and plain words, per locale ([`plain_language`]).
pub fn plain_words(t: &Transcript<'_>) -> Vec<Finding> {
    let rules = plain_language(t.locale);
    let mut findings = Vec::new();
    for (turn, record) in &t.turns {
        for reply in record.replies() {
            for sentence in sentences(reply.speech) {
                let length = length(t.locale, sentence);
                if length > rules.max_sentence {
                    findings.push(finding(
                        *turn,
                        "report-finding-long-sentence",
                        &[
                            ("length", length.to_string()),
                            ("max", rules.max_sentence.to_string()),
                            ("sentence", sentence.to_owned()),
                        ],
                    ));
                }
            }
            let lower = reply.speech.to_lowercase();
            for word in rules.jargon {
                if lower.contains(word) {
                    findings.push(finding(
                        *turn,
                        "report-finding-jargon",
                        &[("word", (*word).to_owned())],
                    ));
                }
            }
        }
    }
    findings
}

/// The customer's C2 values in full: account and card numbers, ID and phone numbers.
pub fn secrets_of(snapshot: &CustomerSnapshot) -> Vec<String> {
    // Her ID and phone numbers are the bank's alone (the device never keeps them): still
    // looked for, in case one reached a report some other way.
    let mut secrets: Vec<String> =
        tingshuo_sandbox::seed::bank_only_fields(snapshot.customer.id.as_str())
            .iter()
            .map(|(_, value)| (*value).to_owned())
            .collect();
    secrets.extend(
        snapshot
            .accounts
            .iter()
            .map(|a| a.number.reveal().as_str().to_owned()),
    );
    secrets.extend(
        snapshot
            .cards
            .iter()
            .map(|c| c.number.reveal().as_str().to_owned()),
    );
    secrets.extend(
        snapshot
            .payees
            .iter()
            .map(|p| p.account_number.reveal().as_str().to_owned()),
    );
    secrets.retain(|s| s.chars().filter(char::is_ascii_digit).count() >= 6);
    secrets
}

/// The longest run of ASCII digits in a text.
fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Words that name C3 data; a number of three or more digits right after one is taken for
/// the value itself.
const C3_WORDS: [&str; 7] = [
    "pin",
    "password",
    "cvv",
    "cvn",
    "passcode",
    "密码",
    "验证码",
];

fn c3_value_after_word(text: &str) -> bool {
    let lower = text.to_lowercase();
    C3_WORDS.iter().any(|word| {
        lower.match_indices(word).any(|(at, w)| {
            let after: String = lower[at + w.len()..].chars().take(12).collect();
            longest_digit_run(&after) >= 3
        })
    })
}

/// No C3 anywhere, C2 masked: no full account, card, ID or phone number of the customer, no
/// run of 12 or more digits (a card or account number), and no digits after a word naming a
/// PIN, password or code — in what is shown, what is said, what she said as recorded, and the
/// log itself.
pub fn masked(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut texts: Vec<(usize, &str, String)> = Vec::new();
    for (turn, record) in &t.turns {
        for reply in record.replies() {
            texts.push((*turn, "display", reply.display.to_owned()));
            texts.push((*turn, "speech", reply.speech.to_owned()));
        }
        // What she said, as shown and recorded: typed, or heard.
        if let TurnInput::Text { text } = &record.input {
            texts.push((*turn, "input", text.clone()));
        }
        if let Some(heard) = &record.heard {
            texts.push((*turn, "heard", heard.clone()));
        }
    }
    texts.push((0, "log", t.log.to_owned()));
    for (turn, place, text) in &texts {
        let place = (*place).to_owned();
        if t.secrets
            .iter()
            .any(|secret| text.contains(secret.as_str()))
        {
            findings.push(finding(
                *turn,
                "report-finding-c2-unmasked",
                &[("place", place.clone())],
            ));
        } else if longest_digit_run(text) >= 12 {
            findings.push(finding(
                *turn,
                "report-finding-long-number",
                &[("place", place.clone())],
            ));
        }
        if c3_value_after_word(text) {
            findings.push(finding(*turn, "report-finding-c3", &[("place", place)]));
        }
    }
    findings
}

/// The answer words a prompt offers: English "Say yes or no" and quoted phrases after
/// "say"; Chinese quoted phrases in a sentence that asks the customer to say them (请说,
/// 可以说, 或者说, 随时说), never what the customer is quoted as having said (您说了).
pub fn offered_words(locale: Locale, speech: &str) -> Vec<String> {
    let mut words = Vec::new();
    for sentence in sentences(speech) {
        match locale {
            Locale::EnUs => {
                let lower = sentence.to_lowercase();
                if lower.contains("say yes or no") {
                    words.extend(["yes".to_owned(), "no".to_owned()]);
                }
                if lower.contains("say") && !lower.contains("you said") {
                    words.extend(quoted(sentence, '"', '"'));
                    words.extend(quoted(sentence, '“', '”'));
                }
            }
            Locale::ZhCn => {
                let asks = ["请说", "可以说", "或者说", "随时说"]
                    .iter()
                    .any(|cue| sentence.contains(cue));
                if asks && !sentence.contains("说了") {
                    words.extend(quoted(sentence, '“', '”'));
                }
            }
        }
    }
    words
}

/// The phrases between `open` and `close`.
fn quoted(text: &str, open: char, close: char) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len_utf8()..];
        let Some(end) = after.find(close) else { break };
        let phrase = after[..end].trim();
        if !phrase.is_empty() {
            found.push(phrase.to_owned());
        }
        rest = &after[end + close.len_utf8()..];
    }
    found
}

/// The words a prompt offers are words the assistant understands.
pub fn answer_words(t: &Transcript<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut tried = BTreeSet::new();
    for (turn, record) in &t.turns {
        for reply in record.replies() {
            for word in offered_words(t.locale, reply.speech) {
                if tried.insert(word.clone()) && !(t.understands)(&word) {
                    findings.push(finding(
                        *turn,
                        "report-finding-offered-not-understood",
                        &[("words", word)],
                    ));
                }
            }
        }
    }
    findings
}

/// The syllables of an English word, estimated: groups of vowels (y counts), less a silent
/// final e, at least one.
fn english_syllables(word: &str) -> usize {
    let letters: Vec<char> = word
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return 0;
    }
    let vowel = |c: &char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut groups = 0;
    let mut in_vowels = false;
    for c in &letters {
        let v = vowel(c);
        if v && !in_vowels {
            groups += 1;
        }
        in_vowels = v;
    }
    let silent_e = letters.len() > 2
        && letters.last() == Some(&'e')
        && !letters.ends_with(&['l', 'e'])
        && groups > 1;
    (groups - usize::from(silent_e)).max(1)
}

/// Syllables of a speech form: estimated per English word (words joined by hyphens counted
/// apart), one per Chinese character.
fn syllables(locale: Locale, speech: &str) -> usize {
    match locale {
        Locale::EnUs => speech
            .split(|c: char| c.is_whitespace() || c == '-')
            .map(english_syllables)
            .sum(),
        Locale::ZhCn => speech.chars().filter(|c| is_han(*c)).count(),
    }
}

/// The replies rendered at the normal rate (100%) are, together, in the comfortable band,
/// measured over their voiced time (the engine's silence at either end left out). Speech is
/// counted in syllables, so that "four three two one" and "four thousand seventy-eight" weigh
/// what they take to say; English syllables are turned into words at
/// [`ENGLISH_SYLLABLES_PER_WORD`]. A rate the customer chose is theirs and not measured; fewer
/// syllables than the locale's `rate_sample` are too few to judge a rate by (one short reply's
/// pauses weigh too much), and the figure is then shown in brackets.
pub fn speech_rate(t: &Transcript<'_>) -> (Vec<Finding>, Option<String>) {
    let rules = plain_language(t.locale);
    let (count, millis) = t
        .audio
        .iter()
        .filter(|a| a.rate == 100)
        .fold((0_usize, 0_u64), |(count, ms), a| {
            (count + syllables(t.locale, &a.speech), ms + a.voiced_ms)
        });
    if millis == 0 {
        return (Vec::new(), None);
    }
    let per_word = match t.locale {
        Locale::EnUs => ENGLISH_SYLLABLES_PER_WORD,
        Locale::ZhCn => 1.0,
    };
    let per_minute = count as f64 / per_word * 60_000.0 / millis as f64;
    if count < rules.rate_sample {
        return (Vec::new(), Some(format!("({per_minute:.0})")));
    }
    let measured = format!("{per_minute:.0}");
    let (low, high) = rules.rate_band;
    let findings = if per_minute < low || per_minute > high {
        vec![finding(
            0,
            "report-finding-rate",
            &[
                ("rate", measured.clone()),
                ("low", format!("{low:.0}")),
                ("high", format!("{high:.0}")),
            ],
        )]
    } else {
        Vec::new()
    };
    (findings, Some(measured))
}

/// The syllables of an average English word in conversation (about 1.4–1.5; we take 1.4).
pub const ENGLISH_SYLLABLES_PER_WORD: f64 = 1.4;

/// Whether words are understood by the customer's assistant: as a command of the banking
/// context, or as the answer to any question it asks.
#[derive(Debug)]
pub struct Understander {
    locale: Locale,
    contexts: Option<(Context, Context, World)>,
}

impl Understander {
    pub fn new(
        locale: Locale,
        customer: DemoCustomer,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Understander {
        let contexts = Context::from_yaml(banking_context(locale))
            .ok()
            .zip(Context::from_yaml(answers_context(locale)).ok())
            .map(|(banking, answers)| {
                let today = now.with_timezone(&customer.home_offset()).date_naive();
                let world = World::for_customer(&banking, locale, today, &customer.snapshot(now));
                (banking, answers, world)
            });
        Understander { locale, contexts }
    }

    pub fn understands(&self, words: &str) -> bool {
        let Some((banking, answers, world)) = &self.contexts else {
            return false;
        };
        let said = Said::new(self.locale, words);
        let questions = [
            None,
            Some(Expecting::Payee),
            Some(Expecting::Biller),
            Some(Expecting::Amount),
            Some(Expecting::Card),
            Some(Expecting::Change(PlanKind::Transfer)),
            Some(Expecting::Change(PlanKind::Bill)),
            Some(Expecting::Change(PlanKind::Move)),
        ];
        questions.into_iter().any(|expecting| {
            let (understood, heard) = hear(banking, answers, world, expecting, &said);
            understood.is_some() || heard.intent.is_some() || !heard.slots.is_empty()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        input: TurnInput,
        intent: Option<&str>,
        state: &str,
        events: Vec<EventRecord>,
    ) -> TurnRecord {
        TurnRecord {
            input,
            heard: None,
            intent: intent.map(str::to_owned),
            slots: BTreeMap::new(),
            state: state.to_owned(),
            events,
            speech_rate: 100,
            pitch: 100,
            latency_ms: 1,
        }
    }

    fn say(id: &str, text: &str) -> EventRecord {
        EventRecord::Say {
            id: id.to_owned(),
            display: text.to_owned(),
            speech: text.to_owned(),
        }
    }

    fn text(words: &str) -> TurnInput {
        TurnInput::Text {
            text: words.to_owned(),
        }
    }

    fn transcript<'a>(
        records: &'a [TurnRecord],
        audio: &'a [ReplyAudio],
        log: &'a str,
        understands: &'a dyn Fn(&str) -> bool,
    ) -> Transcript<'a> {
        Transcript {
            locale: Locale::EnUs,
            turns: records
                .iter()
                .enumerate()
                .map(|(i, r)| (i + 1, r))
                .collect(),
            audio: audio.iter().collect(),
            secrets: vec!["6217000012346217".into()],
            log,
            understands,
        }
    }

    const EVERYTHING: &dyn Fn(&str) -> bool = &|_| true;

    #[test]
    fn a_step_up_without_a_read_back_is_found_and_one_after_a_confirmed_read_back_is_not() {
        let bad = [record(
            text("send fifty dollars to Alice"),
            Some("transfer"),
            "stepping-up",
            vec![
                say("dlg-step-up", "Please confirm."),
                EventRecord::StepUpRequested { request: 1 },
            ],
        )];
        assert_eq!(read_back(&transcript(&bad, &[], "", EVERYTHING)).len(), 1);
        let good = [
            record(
                text("send fifty dollars to Alice"),
                Some("transfer"),
                "read-back",
                vec![say(
                    "dlg-readback-transfer",
                    "Send $50 to Alice? Say yes or no.",
                )],
            ),
            record(
                text("yes"),
                Some("confirm"),
                "stepping-up",
                vec![
                    say("dlg-step-up", "Please confirm."),
                    EventRecord::StepUpRequested { request: 1 },
                ],
            ),
            record(
                TurnInput::StepUp {
                    approved: true,
                    automatic: true,
                },
                None,
                "idle",
                vec![
                    say("dlg-sending", "Working."),
                    say("dlg-payment-done", "Done."),
                ],
            ),
        ];
        assert_eq!(read_back(&transcript(&good, &[], "", EVERYTHING)), vec![]);
        // A read-back the customer did not confirm moves nothing.
        let unconfirmed = [good[0].clone(), good[2].clone()];
        assert!(!read_back(&transcript(&unconfirmed, &[], "", EVERYTHING)).is_empty());
    }

    #[test]
    fn two_questions_in_a_turn_are_found() {
        let bad = [record(
            text("send money"),
            Some("transfer"),
            "collecting",
            vec![say("dlg-ask-payee", "Who to? And how much?")],
        )];
        assert_eq!(
            one_question(&transcript(&bad, &[], "", EVERYTHING)).len(),
            1
        );
    }

    #[test]
    fn a_slot_asked_for_again_is_found() {
        let mut first = record(
            text("send fifty dollars"),
            Some("transfer"),
            "collecting",
            vec![say("dlg-ask-payee", "Who to?")],
        );
        first.slots.insert("amount".into(), serde_json::json!(5000));
        let again = record(
            text("Alice"),
            None,
            "collecting",
            vec![say("dlg-ask-amount", "How much?")],
        );
        let records = [first, again];
        let found = redundant_entry(&transcript(&records, &[], "", EVERYTHING));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].args.get("slot").map(String::as_str),
            Some("amount")
        );
    }

    #[test]
    fn a_silence_that_ends_or_moves_the_conversation_is_found() {
        let records = [
            record(
                text("send fifty dollars to Alice"),
                Some("transfer"),
                "read-back",
                vec![say("dlg-readback-transfer", "Right?")],
            ),
            record(TurnInput::Silence, None, "idle", vec![EventRecord::HandOff]),
        ];
        let found = no_time_limit(&transcript(&records, &[], "", EVERYTHING));
        let kinds: Vec<&str> = found.iter().map(|f| f.message).collect();
        assert_eq!(
            kinds,
            [
                "report-finding-silence-unanswered",
                "report-finding-silence-ended",
                "report-finding-silence-moved"
            ]
        );
    }

    #[test]
    fn a_line_shown_but_not_said_and_a_silent_turn_are_found() {
        let records = [
            record(
                text("balance"),
                Some("balance"),
                "idle",
                vec![EventRecord::Say {
                    id: "dlg-balance".into(),
                    display: "$5.00".into(),
                    speech: String::new(),
                }],
            ),
            record(text("repeat"), Some("repeat"), "idle", vec![]),
        ];
        assert_eq!(
            speech_form(&transcript(&records, &[], "", EVERYTHING)).len(),
            2
        );
    }

    #[test]
    fn a_long_sentence_and_jargon_are_found() {
        let long = "word ".repeat(30) + ".";
        let records = [record(
            text("help"),
            Some("help"),
            "idle",
            vec![
                say("dlg-help", &long),
                say("dlg-help", "Add a beneficiary first."),
            ],
        )];
        let found = plain_words(&transcript(&records, &[], "", EVERYTHING));
        let kinds: Vec<&str> = found.iter().map(|f| f.message).collect();
        assert_eq!(
            kinds,
            ["report-finding-long-sentence", "report-finding-jargon"]
        );
    }

    #[test]
    fn unmasked_numbers_and_c3_values_are_found_in_replies_and_in_the_log() {
        let records = [record(
            text("balance"),
            Some("balance"),
            "idle",
            vec![say("dlg-balance", "Account 6217000012346217 has $5.")],
        )];
        let found = masked(&transcript(
            &records,
            &[],
            "{\"pin\": \"1234\"}",
            EVERYTHING,
        ));
        let kinds: Vec<&str> = found.iter().map(|f| f.message).collect();
        assert!(kinds.contains(&"report-finding-c2-unmasked"), "{kinds:?}");
        assert!(kinds.contains(&"report-finding-c3"), "{kinds:?}");
        let other = [record(
            text("balance"),
            Some("balance"),
            "idle",
            vec![say("dlg-balance", "Card 4580123412341234.")],
        )];
        let found = masked(&transcript(&other, &[], "", EVERYTHING));
        assert_eq!(found[0].message, "report-finding-long-number");
        // What she typed or was heard saying counts as shown: as recorded it is masked.
        let mut said = record(text("my pin is 4821, lock my card"), None, "idle", vec![]);
        said.heard = Some("card 6217000012346217".to_owned());
        let found = masked(&transcript(
            std::slice::from_ref(&said),
            &[],
            "",
            EVERYTHING,
        ));
        let places: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.message, f.args["place"].as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("report-finding-c3", "input"),
                ("report-finding-c2-unmasked", "heard")
            ]
        );
        let masked_said = record(
            TurnInput::typed("my pin is 4821, card 6217000012346217"),
            None,
            "idle",
            vec![],
        );
        assert_eq!(masked(&transcript(&[masked_said], &[], "", EVERYTHING)), []);
    }

    #[test]
    fn offered_words_the_assistant_does_not_understand_are_found() {
        assert_eq!(
            offered_words(Locale::ZhCn, "对吗？请说“对”或“不对”。您说了“急”。"),
            ["对", "不对"]
        );
        assert_eq!(
            offered_words(Locale::EnUs, "Is that right? Say yes or no."),
            ["yes", "no"]
        );
        let records = [record(
            text("send fifty dollars to Alice"),
            Some("transfer"),
            "read-back",
            vec![say(
                "dlg-readback-transfer",
                "Is that right? Say \"okey-dokey\" or \"nope\".",
            )],
        )];
        let only_yes: &dyn Fn(&str) -> bool = &|w| w == "yes";
        let found = answer_words(&transcript(&records, &[], "", only_yes));
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn speech_too_fast_is_found_and_a_rate_the_customer_chose_is_not_measured() {
        let audio = |rate, voiced_ms| ReplyAudio {
            file: "x.wav".into(),
            conversation: "t".into(),
            turn: 1,
            message_id: None,
            locale: "en-US".into(),
            speech: "one two three four five six eight nine ten twelve".into(),
            rate,
            duration_ms: voiced_ms + 300,
            voiced_ms,
        };
        // Eighty one-syllable words in eight seconds: 600 syllables, 429 words a minute.
        let fast = vec![audio(100, 1000); 8];
        let (found, measured) = speech_rate(&transcript(&[], &fast, "", EVERYTHING));
        assert_eq!(found.len(), 1);
        assert_eq!(measured.as_deref(), Some("429"));
        // A rate the customer chose is not measured.
        let chosen = vec![audio(150, 1000); 8];
        assert!(
            speech_rate(&transcript(&[], &chosen, "", EVERYTHING))
                .0
                .is_empty()
        );
        // 240 syllables a minute: 171 words.
        let fine = vec![audio(100, 2500); 8];
        assert!(
            speech_rate(&transcript(&[], &fine, "", EVERYTHING))
                .0
                .is_empty()
        );
        // Ten syllables are too few to judge a rate by.
        assert!(
            speech_rate(&transcript(&[], &fast[..1], "", EVERYTHING))
                .0
                .is_empty()
        );
    }

    #[test]
    fn syllables_are_estimated() {
        assert_eq!(
            syllables(Locale::EnUs, "four thousand seventy-eight dollars"),
            9
        );
        assert_eq!(syllables(Locale::EnUs, "Please confirm this payment"), 6);
        assert_eq!(syllables(Locale::ZhCn, "两百元，对吗？"), 5);
    }

    #[test]
    fn the_assistant_understands_the_words_its_prompts_offer() {
        let now = chrono::Utc::now();
        let en = Understander::new(Locale::EnUs, DemoCustomer::MargaretWilson, now);
        assert!(en.understands("yes") && en.understands("no"));
        assert!(!en.understands("abracadabra"));
        let zh = Understander::new(Locale::ZhCn, DemoCustomer::for_locale(Locale::ZhCn), now);
        assert!(zh.understands("对") && zh.understands("不对"));
    }
}
