//! From speech to an intent, one-shot or streaming.
//!
//! Audio → our voice-activity detection → whisper, prompted with the context's command words
//! and the customer's names and guided by the context's grammar ([`crate::grammar`]), searched
//! as the plan says ([`crate::search`]: asked again for the grammar's sentences only when the
//! first search heard none, a yes checked against the noes) → the context's matcher. The
//! confidence reported is the recognizer's (mean token probability) times the match's, so a
//! clear match of a doubtful transcript is not mistaken for a certain one.

use crate::audio::{AudioError, PcmStream};
use crate::grammar::Grammar;
use crate::guided::Guidance;
use crate::recognizer::{
    CancelToken, Options, Recognizer, RecognizerError, Transcript, bias_prompt,
};
use crate::search::{SearchPlan, WhisperDecoder, a_no_is_heard_as_well, recognize_until};
use crate::vad::{Endpointer, EndpointerConfig, VadEvent};
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

/// Recognizes and understands one utterance of 16 kHz mono audio, by the standard
/// [`SearchPlan`].
///
/// A yes must be heard clearly over a no: a transcript understood as `confirm` (which leads
/// on to a payment) stands only if, searched for the context's `deny` sentences alone, the
/// same audio yields none that would be trusted as heard; otherwise it means nothing and the
/// customer is asked again. A no is taken as heard: mistaking a yes for one costs a question,
/// not a payment (`docs/decisions/0021-a-yes-must-be-heard-over-a-no.md`).
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
    let plan = SearchPlan::standard();
    let mut decoder = WhisperDecoder::new(recognizer, cancel);
    let (transcript, mut understanding) =
        recognize_until(&mut decoder, samples, options, &plan, understood)?;
    let heard_a_yes = understanding
        .as_ref()
        .is_some_and(|understood| understood.intent == Intent::Confirm);
    if plan.yes_over_no && heard_a_yes {
        let accounted = transcript
            .as_ref()
            .is_some_and(|heard| plan.yes_accounts_for_speech(heard));
        let asked_again = match (accounted, noes_only(options, context, world)) {
            (false, _) => true,
            (true, Some(noes_only)) => {
                a_no_is_heard_as_well(&mut decoder, samples, &noes_only, &plan)?
            }
            (true, None) => false,
        };
        if asked_again {
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

/// Recognizes one utterance of 16 kHz mono audio by the standard [`SearchPlan`], asking again
/// under a grammar when need be. A command heard clearly the first time costs one search.
pub fn recognize(
    recognizer: &Recognizer,
    samples: &[f32],
    options: &Options,
    cancel: Option<&CancelToken>,
) -> Result<Option<Transcript>, RecognizerError> {
    let mut decoder = WhisperDecoder::new(recognizer, cancel);
    recognize_until(
        &mut decoder,
        samples,
        options,
        &SearchPlan::standard(),
        |_| Some(()),
    )
    .map(|(transcript, _)| transcript)
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
        if self.started.is_some() || crate::vad::contains_speech(self.stream.samples()) {
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
