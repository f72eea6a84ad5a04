//! The recognition search policy, as data: which searches are run on an utterance, on which
//! views of its audio, and which checks a transcript must pass before its words count — over a
//! [`Decoder`], so the policy is tested with a scripted decoder and run with whisper.
//!
//! The plan ([`SearchPlan::standard`]):
//! 1. one search, the grammar letting words outside it through at a cost; its transcript is
//!    taken if the grammar did not force it more than [`SearchPlan::max_forced_nats`] and it is
//!    understood;
//! 2. otherwise, searches for the grammar's sentences only, on each [`ViewPlan`] of the audio in
//!    turn (as it came, then slowed, then quickened), each barred from the openings that view's
//!    earlier searches took, until a trusted and understood sentence is heard; a first
//!    transcript that was trusted but not understood is searched again on the first view only;
//! 3. a yes stands only if its words account for the speech heard, and a search for the
//!    context's noes alone hears no trusted no.
//!
//! Why each step exists, and what it gained, is in `docs/decisions/` (0016–0021).

use std::ops::Range;

use crate::audio::TARGET_SAMPLE_RATE;
use crate::guided::Guidance;
use crate::recognizer::{CancelToken, Decoded, Options, Recognizer, RecognizerError, Transcript};
use crate::resample::resample_all;
use tingshuo_understand::context::is_cjk;
use whisper_rs::WhisperState;

/// One view of the utterance, and how many sentences-only searches it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewPlan {
    /// The rate the utterance is played as if recorded at: 16 kHz is the audio as it came; a
    /// lower rate slows and lowers it, a higher one quickens and raises it.
    pub recorded_at: u32,
    pub searches: usize,
}

/// The searches and checks of one utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPlan {
    /// How far the grammar may push the model from what it would have written freely, in nats
    /// summed over the transcript, for the words still to count as heard.
    pub max_forced_nats: f32,
    /// The sentences-only searches, view by view, after a first search that heard no trusted
    /// sentence.
    pub views: Vec<ViewPlan>,
    /// How many of the views are searched when the first transcript was trusted but not
    /// understood (words heard, one of them misheard: the sounds themselves led somewhere).
    pub views_after_words: usize,
    /// A yes stands only when a search for the noes alone hears no trusted no.
    pub yes_over_no: bool,
    /// A yes stands only when its words account for the speech heard: at most this many
    /// seconds of speech (as the voice-activity detection spans it) per syllable written. A
    /// "好。" written for two seconds of speech was written for another sentence, or for noise.
    pub longest_yes_per_syllable: f32,
}

/// See [`SearchPlan::longest_yes_per_syllable`].
pub const LONGEST_YES_PER_SYLLABLE: f32 = 1.2;

/// See [`SearchPlan::max_forced_nats`].
pub const MAX_FORCED_NATS: f32 = 8.0;

impl SearchPlan {
    /// The plan the product runs: 8 nats; four searches of the audio as it came, then two
    /// each slowed (13.3 kHz, 1.2 times as long) and quickened (18.8 kHz, 0.85 times); the
    /// yes-over-no check.
    pub fn standard() -> SearchPlan {
        SearchPlan {
            max_forced_nats: MAX_FORCED_NATS,
            views: vec![
                ViewPlan {
                    recorded_at: TARGET_SAMPLE_RATE,
                    searches: 4,
                },
                ViewPlan {
                    recorded_at: 13_333,
                    searches: 2,
                },
                ViewPlan {
                    recorded_at: 18_824,
                    searches: 2,
                },
            ],
            views_after_words: 1,
            yes_over_no: true,
            longest_yes_per_syllable: LONGEST_YES_PER_SYLLABLE,
        }
    }

    /// Whether a yes's words account for the speech it was heard in
    /// ([`SearchPlan::longest_yes_per_syllable`]).
    pub fn yes_accounts_for_speech(&self, heard: &Transcript) -> bool {
        let seconds = heard.speech.len() as f32 / TARGET_SAMPLE_RATE as f32;
        let syllables = syllables(&heard.text);
        syllables > 0 && seconds <= self.longest_yes_per_syllable * syllables as f32
    }

    /// Whether a transcript's words may be understood: under a grammar, only a sentence of it
    /// that the grammar did not force too far from what was heard.
    pub fn trusts(&self, heard: &Transcript, options: &Options) -> bool {
        match (&options.grammar, heard.forced) {
            (None, _) => true,
            (Some(_), Some(forced)) => forced <= self.max_forced_nats,
            (Some(_), None) => false,
        }
    }
}

/// How many syllables a transcript's words hold, near enough to weigh them against the time
/// they were spoken in: one per Han character and per digit, one per group of vowels of a word
/// in Latin letters ("okay" two, "yeah" one), at least one per such word.
pub fn syllables(text: &str) -> usize {
    let mut count = 0;
    let mut word_vowel_groups = 0;
    let mut in_word = false;
    let mut after_vowel = false;
    for c in text.chars() {
        // An apostrophe inside a word ("that's") is no break between words.
        if c.is_ascii_alphabetic() || (in_word && matches!(c, '\'' | '’')) {
            let vowel = matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
            if vowel && !after_vowel {
                word_vowel_groups += 1;
            }
            after_vowel = vowel;
            in_word = true;
            continue;
        }
        if in_word {
            count += word_vowel_groups.max(1);
        }
        (in_word, after_vowel, word_vowel_groups) = (false, false, 0);
        if c.is_ascii_digit() || is_cjk(c) {
            count += 1;
        }
    }
    if in_word {
        count += word_vowel_groups.max(1);
    }
    count
}

/// One search the plan asks for.
#[derive(Debug)]
pub struct Search<'a> {
    /// 16 kHz mono audio (a view of the utterance).
    pub audio: &'a [f32],
    pub options: &'a Options,
    /// First tokens the grammar does not offer this time.
    pub avoided_starts: &'a [u32],
    /// The sentences-only searches of one utterance share one decoder state; the others start
    /// afresh.
    pub shared_state: bool,
}

/// Runs one search.
pub trait Decoder {
    fn decode(&mut self, search: &Search<'_>) -> Result<Decoded, RecognizerError>;
}

/// The decoder the product uses: whisper, through the recognizer.
#[derive(Debug)]
pub struct WhisperDecoder<'a> {
    recognizer: &'a Recognizer,
    cancel: Option<&'a CancelToken>,
    shared: Option<WhisperState>,
}

impl<'a> WhisperDecoder<'a> {
    pub fn new(recognizer: &'a Recognizer, cancel: Option<&'a CancelToken>) -> WhisperDecoder<'a> {
        WhisperDecoder {
            recognizer,
            cancel,
            shared: None,
        }
    }
}

impl Decoder for WhisperDecoder<'_> {
    fn decode(&mut self, search: &Search<'_>) -> Result<Decoded, RecognizerError> {
        let mut fresh = None;
        let state = if search.shared_state {
            &mut self.shared
        } else {
            &mut fresh
        };
        self.recognizer.transcribe_avoiding(
            search.audio,
            search.options,
            search.avoided_starts,
            state,
            self.cancel,
        )
    }
}

/// Finds what was said by the plan: the transcript that stands (`None` when nobody spoke), and
/// what it was `understood` as (`None` when nothing trusted was understood).
pub fn recognize_until<Meaning>(
    decoder: &mut impl Decoder,
    samples: &[f32],
    options: &Options,
    plan: &SearchPlan,
    understood: impl Fn(&Transcript) -> Option<Meaning>,
) -> Result<(Option<Transcript>, Option<Meaning>), RecognizerError> {
    let first = decoder.decode(&Search {
        audio: samples,
        options,
        avoided_starts: &[],
        shared_state: false,
    })?;
    let heard = first.transcript;
    let heard_as_words = heard.as_ref().filter(|heard| plan.trusts(heard, options));
    let meaning = heard_as_words.and_then(&understood);
    let asks_again = options.grammar.is_some() && options.guidance == Guidance::WithExtraWords;
    if meaning.is_some() || !asks_again {
        return Ok((heard, meaning));
    }
    let sentences_only = Options {
        guidance: Guidance::SentencesOnly,
        ..options.clone()
    };
    let views = if heard_as_words.is_some() {
        &plan.views[..plan.views_after_words.min(plan.views.len())]
    } else {
        &plan.views[..]
    };
    for view_plan in views {
        let mut view = View::new(samples, view_plan.recorded_at);
        for _ in 0..view_plan.searches {
            let again = decoder.decode(&Search {
                audio: view.audio(samples),
                options: &sentences_only,
                avoided_starts: &view.avoided_starts,
                shared_state: true,
            })?;
            if let Some(mut sentence) = again
                .transcript
                .filter(|sentence| plan.trusts(sentence, &sentences_only))
                && let Some(meaning) = understood(&sentence)
            {
                sentence.speech = view.as_heard(&sentence.speech, samples.len());
                return Ok((Some(sentence), Some(meaning)));
            }
            match again.first_token {
                Some(start) if !view.avoided_starts.contains(&start) => {
                    view.avoided_starts.push(start);
                }
                // The same opening again: this view's search would only repeat itself.
                _ => break,
            }
        }
    }
    Ok((heard, None))
}

/// The yes-over-no check: whether a search of the same audio for the context's noes alone
/// (`noes_only`: sentences only, under a grammar of the deny sentences) hears a trusted no.
pub fn a_no_is_heard_as_well(
    decoder: &mut impl Decoder,
    samples: &[f32],
    noes_only: &Options,
    plan: &SearchPlan,
) -> Result<bool, RecognizerError> {
    let no = decoder.decode(&Search {
        audio: samples,
        options: noes_only,
        avoided_starts: &[],
        shared_state: false,
    })?;
    Ok(no.transcript.is_some_and(|no| plan.trusts(&no, noes_only)))
}

/// One view of an utterance, with the openings its searches took.
#[derive(Debug)]
struct View {
    recorded_at: u32,
    audio: Option<Vec<f32>>,
    avoided_starts: Vec<u32>,
}

impl View {
    /// The utterance played as if recorded at `recorded_at` Hz (no copy at 16 kHz).
    fn new(samples: &[f32], recorded_at: u32) -> View {
        View {
            recorded_at,
            audio: (recorded_at != TARGET_SAMPLE_RATE).then(|| resample_all(samples, recorded_at)),
            avoided_starts: Vec::new(),
        }
    }

    /// The utterance as this view hears it.
    fn audio<'a>(&'a self, samples: &'a [f32]) -> &'a [f32] {
        self.audio.as_deref().unwrap_or(samples)
    }

    /// A span of this view's samples as the same span of the utterance given.
    fn as_heard(&self, span: &Range<usize>, len: usize) -> Range<usize> {
        let back = |at: usize| {
            let at = u64::try_from(at).unwrap_or(u64::MAX) * u64::from(self.recorded_at)
                / u64::from(TARGET_SAMPLE_RATE);
            usize::try_from(at).unwrap_or(usize::MAX).min(len)
        };
        back(span.start)..back(span.end)
    }
}

#[cfg(test)]
mod tests;
