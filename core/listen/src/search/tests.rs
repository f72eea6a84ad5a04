//! The search policy against a scripted decoder: which searches run, in which order, on which
//! views, barred from which openings, and which transcripts stand.

use std::sync::Arc;

use tingshuo_base::locale::Locale;

use super::*;
use crate::grammar::tests::grammar;

/// What the policy asked for, search by search.
#[derive(Debug, Clone, PartialEq)]
struct Asked {
    audio_len: usize,
    sentences_only: bool,
    avoided: Vec<u32>,
    shared_state: bool,
}

/// Answers searches from a script, in order; an exhausted script hears nothing.
struct Scripted {
    answers: Vec<Decoded>,
    asked: Vec<Asked>,
}

impl Scripted {
    fn new(answers: Vec<Decoded>) -> Scripted {
        Scripted {
            answers: answers.into_iter().rev().collect(),
            asked: Vec::new(),
        }
    }
}

impl Decoder for Scripted {
    fn decode(&mut self, search: &Search<'_>) -> Result<Decoded, RecognizerError> {
        self.asked.push(Asked {
            audio_len: search.audio.len(),
            sentences_only: search.options.guidance == Guidance::SentencesOnly,
            avoided: search.avoided_starts.to_vec(),
            shared_state: search.shared_state,
        });
        Ok(self.answers.pop().unwrap_or_default())
    }
}

const SECONDS: usize = 2;

fn audio() -> Vec<f32> {
    vec![0.0; 16_000 * SECONDS]
}

fn guided() -> Options {
    let mut options = Options::new(Locale::EnUs);
    options.grammar = Some(Arc::new(grammar(Locale::EnUs)));
    options
}

/// A transcript the grammar forced by `forced` nats, starting with token `first`.
fn heard(text: &str, forced: f32, first: u32) -> Decoded {
    Decoded {
        transcript: Some(Transcript {
            text: text.to_owned(),
            confidence: 0.9,
            speech: 0..16_000,
            audio_ctx: 256,
            forced: Some(forced),
        }),
        first_token: Some(first),
    }
}

/// Only these sentences mean something.
fn understood(transcript: &Transcript) -> Option<String> {
    ["Lock my card.", "Cancel."]
        .contains(&transcript.text.as_str())
        .then(|| transcript.text.clone())
}

#[test]
fn a_command_heard_clearly_costs_one_search() {
    let mut decoder = Scripted::new(vec![heard("Lock my card.", 0.5, 1)]);
    let plan = SearchPlan::standard();
    let (transcript, meaning) =
        recognize_until(&mut decoder, &audio(), &guided(), &plan, understood).unwrap();
    assert_eq!(meaning.as_deref(), Some("Lock my card."));
    assert_eq!(transcript.unwrap().text, "Lock my card.");
    assert_eq!(decoder.asked.len(), 1);
    assert!(!decoder.asked[0].sentences_only && !decoder.asked[0].shared_state);
}

#[test]
fn sounds_that_led_nowhere_are_searched_on_every_view_barred_from_earlier_openings() {
    let plan = SearchPlan::standard();
    // The first search forced too far; every sentences-only search too, each opening anew.
    let mut script = vec![heard("I'm please, please.", 40.0, 100)];
    script.extend((1..=8).map(|first| heard("Lock my card.", 30.0, first)));
    let mut decoder = Scripted::new(script);
    let (transcript, meaning) =
        recognize_until(&mut decoder, &audio(), &guided(), &plan, understood).unwrap();
    assert_eq!(meaning, None, "nothing trusted was heard");
    assert_eq!(
        transcript.unwrap().text,
        "I'm please, please.",
        "the first stands"
    );
    let asked = &decoder.asked;
    assert_eq!(asked.len(), 1 + 4 + 2 + 2);
    assert!(
        asked[1..]
            .iter()
            .all(|a| a.sentences_only && a.shared_state)
    );
    let avoided: Vec<&[u32]> = asked[1..].iter().map(|a| a.avoided.as_slice()).collect();
    assert_eq!(
        avoided,
        [
            &[][..],
            &[1],
            &[1, 2],
            &[1, 2, 3],
            // Each view bars only its own earlier openings.
            &[],
            &[5],
            &[],
            &[7],
        ]
    );
    // The audio as it came, then slowed (longer), then quickened (shorter).
    let lengths: Vec<usize> = asked[1..].iter().map(|a| a.audio_len).collect();
    assert!(lengths[..4].iter().all(|&n| n == 16_000 * SECONDS));
    assert!(lengths[4..6].iter().all(|&n| n > 16_000 * SECONDS));
    assert!(lengths[6..].iter().all(|&n| n < 16_000 * SECONDS));
}

#[test]
fn an_opening_taken_again_ends_its_view() {
    let plan = SearchPlan::standard();
    let mut decoder = Scripted::new(vec![
        heard("Mumble.", 40.0, 100),
        heard("Lock my card.", 30.0, 1),
        heard("Lock my card.", 30.0, 1),
        // The slowed view hears the sentence, trusted.
        heard("Cancel.", 1.6, 2),
    ]);
    let (transcript, meaning) =
        recognize_until(&mut decoder, &audio(), &guided(), &plan, understood).unwrap();
    assert_eq!(meaning.as_deref(), Some("Cancel."));
    assert_eq!(decoder.asked.len(), 4);
    assert!(
        decoder.asked[3].audio_len > 16_000 * SECONDS,
        "on the slowed view"
    );
    // Its span is the utterance's, not the slowed view's: 16,000 samples of the slowed view
    // are about 13,333 of the utterance.
    let speech = transcript.unwrap().speech;
    assert!(speech.end.abs_diff(13_333) <= 2, "{speech:?}");
}

#[test]
fn words_heard_but_not_understood_are_searched_again_on_the_audio_as_it_came_only() {
    let plan = SearchPlan::standard();
    // Trusted (2 nats) but meaningless; then four sentences-only searches find nothing.
    let mut script = vec![heard("N. Alice 50, No wait, 60, no,", 2.0, 100)];
    script.extend((1..=8).map(|first| heard("Unknown.", 1.0, first)));
    let mut decoder = Scripted::new(script);
    let (transcript, meaning) =
        recognize_until(&mut decoder, &audio(), &guided(), &plan, understood).unwrap();
    assert_eq!(meaning, None);
    assert_eq!(transcript.unwrap().text, "N. Alice 50, No wait, 60, no,");
    assert_eq!(decoder.asked.len(), 1 + 4);
    assert!(
        decoder.asked[1..]
            .iter()
            .all(|a| a.audio_len == 16_000 * SECONDS)
    );
}

#[test]
fn without_a_grammar_nothing_is_forced_and_nothing_asked_again() {
    let plan = SearchPlan::standard();
    let mut decoder = Scripted::new(vec![Decoded {
        transcript: Some(Transcript {
            forced: None,
            ..heard("What's the weather?", 0.0, 1).transcript.unwrap()
        }),
        first_token: Some(1),
    }]);
    let free = Options::new(Locale::EnUs);
    let (transcript, meaning) =
        recognize_until(&mut decoder, &audio(), &free, &plan, understood).unwrap();
    assert_eq!(meaning, None);
    assert!(transcript.is_some());
    assert_eq!(decoder.asked.len(), 1);
}

#[test]
fn the_forcing_limit_is_the_plans() {
    let options = guided();
    let plan = SearchPlan::standard();
    let at = |forced| heard("Cancel.", forced, 1).transcript.unwrap();
    assert!(plan.trusts(&at(MAX_FORCED_NATS), &options));
    assert!(!plan.trusts(&at(MAX_FORCED_NATS + 0.1), &options));
    let strict = SearchPlan {
        max_forced_nats: 1.0,
        ..SearchPlan::standard()
    };
    assert!(!strict.trusts(&at(1.5), &options));
    // Words that left the grammar are never trusted under it.
    let left = Transcript {
        forced: None,
        ..at(0.0)
    };
    assert!(!plan.trusts(&left, &options));
}

#[test]
fn a_yes_meets_a_no_only_when_the_no_is_trusted() {
    let plan = SearchPlan::standard();
    let mut noes = guided();
    noes.guidance = Guidance::SentencesOnly;
    for (answer, expected) in [
        (heard("No.", 1.9, 1), true),
        (heard("That's not right.", 12.8, 1), false),
        (Decoded::default(), false),
    ] {
        let mut decoder = Scripted::new(vec![answer]);
        assert_eq!(
            a_no_is_heard_as_well(&mut decoder, &audio(), &noes, &plan).unwrap(),
            expected
        );
        assert_eq!(decoder.asked.len(), 1);
        assert!(!decoder.asked[0].shared_state, "a search of its own");
    }
}

#[test]
fn a_span_heard_in_a_slower_or_quicker_view_maps_back_to_the_utterance() {
    let samples = vec![0.1_f32; 48_000]; // 3 s
    let as_it_came = View::new(&samples, TARGET_SAMPLE_RATE);
    assert!(
        as_it_came.audio.is_none(),
        "no copy of the audio as it came"
    );
    assert_eq!(as_it_came.audio(&samples).len(), 48_000);
    assert_eq!(as_it_came.as_heard(&(8_000..40_000), 48_000), 8_000..40_000);
    // Slowed to 1.2 times as long: 9_600 of its samples are 8_000 of the utterance's.
    let slowed = View::new(&samples, 13_333);
    assert_eq!(slowed.audio(&samples).len(), 57_602);
    // Within two samples of the span: the views' rates are rounded.
    let near_the_span =
        |back: Range<usize>| back.start.abs_diff(8_000) <= 2 && back.end.abs_diff(40_000) <= 2;
    assert!(near_the_span(slowed.as_heard(&(9_600..48_000), 48_000)));
    // A span running to the view's end stops at the utterance's.
    assert_eq!(slowed.as_heard(&(0..57_602), 48_000).end, 48_000);
    let quickened = View::new(&samples, 18_824);
    assert_eq!(quickened.audio(&samples).len(), 40_799);
    assert!(near_the_span(quickened.as_heard(&(6_800..34_000), 48_000)));
}

#[test]
fn syllables_are_counted_by_characters_and_vowel_groups() {
    for (text, expected) in [
        ("对。", 1),
        ("不对不对", 4),
        ("好,交吧", 3),
        ("Yes.", 1),
        ("Yeah.", 1),
        ("Okay.", 2),
        ("That's correct.", 3),
        ("Pay 300.", 4),
        ("Hmm.", 1),
        ("", 0),
        ("。", 0),
    ] {
        assert_eq!(syllables(text), expected, "{text:?}");
    }
}

#[test]
fn a_yes_must_account_for_the_speech_it_was_heard_in() {
    let plan = SearchPlan::standard();
    let spoken_for = |text: &str, seconds: f32| Transcript {
        speech: 0..(seconds * 16_000.0) as usize,
        ..heard(text, 0.0, 1).transcript.unwrap()
    };
    assert!(plan.yes_accounts_for_speech(&spoken_for("对。", 0.6)));
    assert!(plan.yes_accounts_for_speech(&spoken_for("好,交吧", 1.6)));
    assert!(plan.yes_accounts_for_speech(&spoken_for("Yes.", 0.8)));
    // A yes drawn out, as older customers may say it.
    assert!(plan.yes_accounts_for_speech(&spoken_for("是。", 1.15)));
    // "好。" written for a sentence of two seconds ("红烧肉怎么做"), "Yeah." for a long one.
    assert!(!plan.yes_accounts_for_speech(&spoken_for("好。", 2.0)));
    assert!(!plan.yes_accounts_for_speech(&spoken_for("Yeah.", 2.2)));
    // Nothing written at all accounts for nothing.
    assert!(!plan.yes_accounts_for_speech(&spoken_for("。", 0.3)));
}
