//! From speech to an intent, one-shot or streaming.
//!
//! Audio → our voice-activity detection → whisper, prompted with the context's command words
//! and the customer's names and guided by the context's grammar ([`super::grammar`]; asked
//! again for the grammar's sentences only, with other openings, when the first search wrote
//! none, [`recognize`]) →
//! the context's matcher. What the grammar had to force is judged before the words are: a
//! transcript that is no sentence of the context (with its extra words), or that the grammar
//! pushed more than [`MAX_FORCED_NATS`] from what whisper heard, means nothing. The confidence
//! reported is the recognizer's (mean token probability) times the match's, so a clear match
//! of a doubtful transcript is not mistaken for a certain one.

use super::audio::{AudioError, PcmStream};
use super::grammar::Grammar;
use super::guided::Guidance;
use super::recognizer::{
    CancelToken, Options, Recognizer, RecognizerError, Transcript, bias_prompt,
};
use super::vad::{Endpointer, EndpointerConfig, VadEvent};
use crate::understand::context::Context;
use crate::understand::matcher::{Understanding, World, understand};

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

/// How many sentences-only searches [`recognize`] may run, each barred from the openings
/// the ones before it started with. A beam search keeps a few beams from the first token on,
/// so a loud first sound ("I'm" for "unlock" in noise) can crowd out the opening that would
/// have cost least over the whole sentence; asked again without it, the model finds
/// "Unfreeze my card." at 1.7 nats where the first try wrote "I'm please, please, …" at 77.
/// Each try is another chance for speech the context cannot say to meet a sentence within
/// [`MAX_FORCED_NATS`]: nine searches let two of the round trip's 24 non-commands through,
/// four and six none (`docs/benchmarks.md`).
pub const SENTENCE_SEARCHES: usize = 4;

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
        .map(|named| named.value.as_str())
        .collect()
}

/// Recognizes and understands one utterance of 16 kHz mono audio.
pub fn understand_speech(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    context: &Context,
    world: &World,
    cancel: Option<&CancelToken>,
) -> Result<SpokenCommand, RecognizerError> {
    let transcript = recognize(recognizer, samples, options, cancel)?;
    let understanding = transcript
        .as_ref()
        .filter(|heard| trusted(heard, options))
        .and_then(|heard| {
            understand(context, world, &heard.text).map(|mut understood| {
                understood.confidence *= f64::from(heard.confidence);
                understood
            })
        });
    Ok(SpokenCommand {
        transcript,
        understanding,
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
/// without the openings taken before, up to [`SENTENCE_SEARCHES`] sentences-only searches in
/// all (on one whisper state of their own); then the first transcript stands, to be
/// understood or not. A command heard clearly the first time costs one search.
pub fn recognize(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    cancel: Option<&CancelToken>,
) -> Result<Option<Transcript>, RecognizerError> {
    let heard = recognizer.transcribe(samples, options, cancel)?;
    let needs_asking_again = options.grammar.is_some()
        && options.guidance == Guidance::WithExtraWords
        && heard.as_ref().is_none_or(|heard| !trusted(heard, options));
    if !needs_asking_again {
        return Ok(heard);
    }
    let sentences_only = Options {
        guidance: Guidance::SentencesOnly,
        ..options.clone()
    };
    let mut avoided_starts = Vec::new();
    let mut state = None;
    for _ in 0..SENTENCE_SEARCHES {
        let again = recognizer.transcribe_avoiding(
            samples,
            &sentences_only,
            &avoided_starts,
            &mut state,
            cancel,
        )?;
        if let Some(sentence) = again
            .transcript
            .filter(|sentence| trusted(sentence, &sentences_only))
        {
            return Ok(Some(sentence));
        }
        match again.first_token {
            Some(start) if !avoided_starts.contains(&start) => avoided_starts.push(start),
            _ => break,
        }
    }
    Ok(heard)
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
    /// The utterance is over: the final transcript, or `None` when it was only noise.
    Final(Option<Transcript>),
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
#[derive(Debug)]
pub struct Listener<'a> {
    recognizer: &'a Recognizer,
    options: Options,
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
            events.push(ListenEvent::Final(None));
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
        let heard = recognize(
            self.recognizer,
            self.stream.samples(),
            &self.options,
            Some(&self.cancel),
        )?;
        Ok(ListenEvent::Final(heard))
    }
}
