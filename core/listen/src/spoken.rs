//! From speech to an intent, one-shot or streaming.
//!
//! Audio → our voice-activity detection → whisper, prompted with the context's command words
//! and the customer's names and guided by the context's grammar ([`super::grammar`]; asked
//! again for the grammar's sentences only, with other openings and then on the audio slowed
//! and quickened, when the first search wrote none, [`recognize`], or wrote one the context
//! does not understand, [`understand_speech`]) → the context's matcher. What the grammar had
//! to force is judged before the words are: a transcript that is no sentence of the context
//! (with its extra words), or that the grammar pushed more than [`MAX_FORCED_NATS`] from what
//! whisper heard, means nothing; a yes means nothing when a no was heard about as well
//! ([`understand_speech`]). The confidence reported is the recognizer's (mean token
//! probability) times the match's, so a clear match of a doubtful transcript is not mistaken
//! for a certain one.

use std::ops::Range;

use super::audio::{AudioError, PcmStream, TARGET_SAMPLE_RATE};
use super::grammar::Grammar;
use super::guided::Guidance;
use super::recognizer::{
    CancelToken, Options, Recognizer, RecognizerError, Transcript, bias_prompt,
};
use super::resample::resample_all;
use super::vad::{Endpointer, EndpointerConfig, VadEvent};
use tingshuo_understand::context::Context;
use tingshuo_understand::{Intent, Said, Understanding, World, understand};

/// What was heard and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct SpokenCommand {
    /// `None` when nobody spoke (or only noise was heard).
    pub transcript: Option<Transcript>,
    /// `None` when the words match nothing in the context.
    pub understanding: Option<Understanding>,
}

/// How far the grammar may push whisper from what it would have written freely, in nats of
/// log-probability summed over the transcript, for the words still to count as heard. A
/// command said clearly costs nothing and a misheard command word a few nats; speech the
/// context cannot say, forced into its sentences, costs more (the round trip's in-scope and
/// out-of-scope sentences, `docs/benchmarks.md`).
pub const MAX_FORCED_NATS: f32 = 8.0;

/// How the sentences-only searches of [`recognize`] hear the audio, in turn, and how many
/// searches each view gets: the audio as it came, four; then played as if recorded at 13.3 kHz
/// (slower and lower: 1.2 times as long), two; then at 18.8 kHz (quicker and higher: 0.85
/// times), two.
///
/// Each search on a view is barred from the openings that view's earlier searches started
/// with. A beam search keeps a few beams from the first token on, so a loud first sound ("I'm"
/// for "unlock" in noise) can crowd out the opening that would have cost least over the whole
/// sentence; asked again without it, the model finds "Unfreeze my card." at 1.7 nats where the
/// first try wrote "I'm please, please, …" at 77. Where every opening of the sounds as they
/// came leads into a trap ("Can's, uh, uh, …" for "cancel" at 10 dB), the same words slowed
/// or quickened can lead elsewhere ("Cancel.", 1.6 nats): tiny.en hears espeak-ng's quick
/// voices better slowed. The other views come last, so that a command heard the old way is
/// heard the same. Each try is another chance for speech the context cannot say to meet a
/// sentence within [`MAX_FORCED_NATS`]: nine searches of the audio as it came let two of the
/// round trip's 24 non-commands through, these eight none (`docs/benchmarks.md`).
pub const SEARCH_VIEWS: [(u32, usize); 3] = [(TARGET_SAMPLE_RATE, 4), (13_333, 2), (18_824, 2)];

/// The recognizer's options for a context and a customer: the locale's language, a prompt
/// naming the context's command words and the customer's payees and billers, and the
/// grammar of what the customer can say.
pub fn options_for(context: &Context, world: &World) -> Options {
    let mut options = Options::new(world.locale);
    options.prompt = bias_prompt(
        context.prompt.as_deref(),
        &customer_names(world),
        world.locale,
    );
    options.grammar = Some(std::sync::Arc::new(Grammar::for_context(context, world)));
    options
}

/// The customer's payees and billers, as the recognizer should expect to hear them.
pub fn customer_names(world: &World) -> Vec<&str> {
    world
        .payees
        .iter()
        .chain(&world.billers)
        .map(|named| named.label.as_str())
        .collect()
}

/// Recognizes and understands one utterance of 16 kHz mono audio.
///
/// A yes must be heard clearly over a no: a transcript understood as `confirm` (which leads
/// on to a payment) stands only if, searched for the context's `deny` sentences alone, the
/// same audio yields none that would be trusted as heard ([`MAX_FORCED_NATS`]); otherwise it
/// means nothing and the customer is asked again. Whisper wrote "Yeah." for a synthetic "nah"
/// with "No." only 1.9 nats behind, and "That's right." for "not quite" with "That's not
/// right." 5.6 behind; most yeses leave the likeliest no 10 to 60 nats behind. On the English
/// corpus's noes and yeses in four voices, clean and at 10 dB, the check took noes heard as a
/// yes from 13 of 144 to 7, and asked again for 4 more of 176 yeses (`docs/benchmarks.md`).
/// A no is taken as heard: mistaking a yes for one costs a question, not a payment.
pub fn understand_speech(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    context: &Context,
    world: &World,
    cancel: Option<&CancelToken>,
) -> Result<SpokenCommand, RecognizerError> {
    let understood = |heard: &Transcript| {
        understand(context, world, &Said::new(world.locale, &heard.text)).map(|mut understood| {
            understood.confidence *= f64::from(heard.confidence);
            understood
        })
    };
    let (transcript, mut understanding) =
        recognize_until(recognizer, samples, options, cancel, understood)?;
    let heard_a_yes = understanding
        .as_ref()
        .is_some_and(|understood| understood.intent == Intent::Confirm);
    if heard_a_yes && let Some(noes_only) = noes_only(options, context, world) {
        // One search: a second, barred from the first one's opening, caught two more noes but
        // asked again for five more yeses ("That's right." met "That's not right.").
        let no = recognizer.transcribe(samples, &noes_only, cancel)?;
        if no.is_some_and(|no| trusted(&no, &noes_only)) {
            understanding = None;
        }
    }
    Ok(SpokenCommand {
        transcript,
        understanding,
    })
}

/// Options that search for the context's `deny` sentences alone; `None` when the context has
/// no such intent or there is no grammar to search with.
fn noes_only(options: &Options, context: &Context, world: &World) -> Option<Options> {
    options.grammar.as_ref()?;
    let mut denials = context.clone();
    denials
        .intents
        .retain(|intent| intent.intent == Intent::Deny);
    (!denials.intents.is_empty()).then(|| Options {
        grammar: Some(std::sync::Arc::new(Grammar::for_context(&denials, world))),
        guidance: Guidance::SentencesOnly,
        ..options.clone()
    })
}

/// Recognizes one utterance of 16 kHz mono audio, asking again under a grammar when need be.
/// The first search lets words the grammar does not have through at a cost, so that speech
/// the context cannot say keeps its own words. When what it wrote is no trusted sentence of
/// the grammar (or only a loop or a hallucination, dropped: "Transfer actions, transactions,
/// transactions, …"), a second search allows only the grammar's sentences: the model then
/// says which one it heard, and how far from its own reading that was ("What charges are on
/// my means of" → "… on my Visa this month", 6 nats). That sentence is taken only if it is
/// trusted on the same terms ([`MAX_FORCED_NATS`]); if it is not, the search is run again
/// without the openings taken before, on each of the [`SEARCH_VIEWS`] of the audio in turn
/// (all on one whisper state of their own); then the first transcript stands, to be
/// understood or not. A command heard clearly the first time costs one search.
pub fn recognize(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    cancel: Option<&CancelToken>,
) -> Result<Option<Transcript>, RecognizerError> {
    recognize_until(recognizer, samples, options, cancel, |_| Some(()))
        .map(|(transcript, _)| transcript)
}

/// [`recognize`], where a trusted transcript is taken only if it is also `understood`, with
/// what it was understood as (`None` with a transcript that is not).
///
/// A first transcript that is trusted but not understood ("N. Alice 50, No wait, 60, no,"
/// for "send alice fifty, no wait, sixty dollars") was heard as words, one of them misheard:
/// the sentences-only searches of the audio as it came are asked for the sentence ("Send
/// Alice 50, no wait, $60.", 0.8 nats), not the slowed and quickened views, which are for
/// sounds that led nowhere (on them a non-command heard as words, "How much is the most fair
/// to town?", met a balance question).
fn recognize_until<Meaning>(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    cancel: Option<&CancelToken>,
    understood: impl Fn(&Transcript) -> Option<Meaning>,
) -> Result<(Option<Transcript>, Option<Meaning>), RecognizerError> {
    let heard = recognizer.transcribe(samples, options, cancel)?;
    let heard_as_words = heard.as_ref().filter(|heard| trusted(heard, options));
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
        &SEARCH_VIEWS[..1]
    } else {
        &SEARCH_VIEWS[..]
    };
    let mut state = None;
    for &(recorded_at, searches) in views {
        let mut view = View::new(samples, recorded_at);
        for _ in 0..searches {
            let again = recognizer.transcribe_avoiding(
                view.audio(samples),
                &sentences_only,
                &view.avoided_starts,
                &mut state,
                cancel,
            )?;
            if let Some(mut sentence) = again
                .transcript
                .filter(|sentence| trusted(sentence, &sentences_only))
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

/// One of the [`SEARCH_VIEWS`] of an utterance, with the openings its searches took.
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

/// Whether a transcript's words may be understood: under a grammar, only a sentence of it
/// that the grammar did not force too far from what was heard.
fn trusted(heard: &Transcript, options: &Options) -> bool {
    match (&options.grammar, heard.forced) {
        (None, _) => true,
        (Some(_), Some(forced)) => forced <= MAX_FORCED_NATS,
        (Some(_), None) => false,
    }
}

/// What a [`Listener`] reports as audio arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenEvent {
    SpeechStarted,
    /// What has been said so far (recognized again as more audio arrives).
    Partial(String),
    /// The utterance is over: what was heard (no transcript when it was only noise) and, for
    /// a listener given a context ([`Listener::understood_in`]), what it means.
    Final(SpokenCommand),
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(transparent)]
    Recognizer(#[from] RecognizerError),
}

/// Streaming recognition of one utterance: push PCM chunks as the host's microphone delivers
/// them (any rate and channel count); it tells when speech starts, what it has heard so far
/// (every `partial_every` of new speech, if set), and the final transcript when the speaker
/// stops. One per utterance.
///
/// Given a context ([`Listener::understood_in`]), the final transcript is found and understood
/// as [`understand_speech`] does it, asking again when a trusted transcript means nothing
/// there, so a host that streams its microphone hears a command as well as one that hands
/// over the whole recording.
#[derive(Debug)]
pub struct Listener<'a> {
    recognizer: &'a Recognizer,
    options: Options,
    understood_in: Option<(&'a Context, &'a World)>,
    stream: PcmStream,
    endpointer: Endpointer,
    consumed: usize,
    started: Option<usize>,
    partial_every: Option<usize>,
    last_partial_at: usize,
    cancel: CancelToken,
    done: bool,
}

impl<'a> Listener<'a> {
    /// A listener that only transcribes, unless told where to understand what it hears
    /// ([`Listener::understood_in`]).
    pub fn new(
        recognizer: &'a Recognizer,
        options: Options,
        sample_rate: u32,
        channels: u16,
        partial_every: Option<std::time::Duration>,
    ) -> Result<Listener<'a>, ListenError> {
        Ok(Listener {
            recognizer,
            options,
            understood_in: None,
            stream: PcmStream::new(sample_rate, channels)?,
            endpointer: Endpointer::new(&EndpointerConfig::default()),
            consumed: 0,
            started: None,
            partial_every: partial_every
                .map(|every| usize::try_from(every.as_millis()).unwrap_or(usize::MAX) * 16),
            last_partial_at: 0,
            cancel: CancelToken::new(),
            done: false,
        })
    }

    /// This listener's final transcript is found and understood in `context`, for the
    /// customer of `world`, as [`understand_speech`] does it. The options given should be
    /// [`options_for`] the two, so that the grammar guides what is heard.
    pub fn understood_in(mut self, context: &'a Context, world: &'a World) -> Listener<'a> {
        self.understood_in = Some((context, world));
        self
    }

    /// A token that cancels this listener's recognition from another thread.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Pushes interleaved 16-bit samples.
    pub fn push_i16(&mut self, interleaved: &[i16]) -> Result<Vec<ListenEvent>, ListenError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.stream.push_i16(interleaved)?;
        self.advance()
    }

    /// Pushes interleaved float samples in [-1, 1].
    pub fn push_f32(&mut self, interleaved: &[f32]) -> Result<Vec<ListenEvent>, ListenError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.stream.push_f32(interleaved)?;
        self.advance()
    }

    /// The audio ended (the host stopped the microphone): recognize what was said, if anything.
    pub fn finish(mut self) -> Result<Vec<ListenEvent>, ListenError> {
        if self.done {
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        if self.started.is_some() || super::vad::contains_speech(self.stream.samples()) {
            events.push(self.final_event()?);
        } else {
            events.push(ListenEvent::Final(SpokenCommand {
                transcript: None,
                understanding: None,
            }));
        }
        Ok(events)
    }

    fn advance(&mut self) -> Result<Vec<ListenEvent>, ListenError> {
        let samples = self.stream.samples();
        let fresh = &samples[self.consumed.min(samples.len())..];
        let vad_events = self.endpointer.push(fresh);
        self.consumed = samples.len();
        let mut events = Vec::new();
        for event in vad_events {
            match event {
                VadEvent::SpeechStarted { at_sample } => {
                    self.started = Some(usize::try_from(at_sample).unwrap_or(0));
                    self.last_partial_at = self.consumed;
                    events.push(ListenEvent::SpeechStarted);
                }
                VadEvent::SpeechEnded { .. } => {
                    events.push(self.final_event()?);
                    return Ok(events);
                }
            }
        }
        if self.stream.is_full() {
            events.push(self.final_event()?);
            return Ok(events);
        }
        if let (Some(_), Some(every)) = (self.started, self.partial_every)
            && self.consumed - self.last_partial_at >= every
        {
            self.last_partial_at = self.consumed;
            if let Some(heard) = self.recognizer.transcribe(
                self.stream.samples(),
                &self.options,
                Some(&self.cancel),
            )? {
                events.push(ListenEvent::Partial(heard.text));
            }
        }
        Ok(events)
    }

    fn final_event(&mut self) -> Result<ListenEvent, ListenError> {
        self.done = true;
        let (samples, cancel) = (self.stream.samples(), Some(&self.cancel));
        let spoken = match self.understood_in {
            Some((context, world)) => understand_speech(
                self.recognizer,
                samples,
                &self.options,
                context,
                world,
                cancel,
            )?,
            None => SpokenCommand {
                transcript: recognize(self.recognizer, samples, &self.options, cancel)?,
                understanding: None,
            },
        };
        Ok(ListenEvent::Final(spoken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
