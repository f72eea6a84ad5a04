//! A typed conversation with a customer's assistant: each line is a turn of the core's own
//! [`Assistant`] session, and the harness plays the host — it prints (and collects the speech
//! of) what the assistant says, and approves step-up with the desktop's device key. An empty
//! line stands for silence.

use std::io::Write;

use chrono::FixedOffset;
use tingshuo_core::assistant::{Assistant, AssistantOptions, Event, Turn};
use tingshuo_core::{Client, Locale, Localizer};

use crate::HarnessError;

/// One conversation over a client.
pub struct Conversation<'a> {
    assistant: Assistant,
    l10n: &'a Localizer,
    locale: Locale,
    speech: bool,
    /// The speech form of every reply so far, for `take_spoken` (the demo renders them).
    spoken: Vec<String>,
}

impl std::fmt::Debug for Conversation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversation")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl<'a> Conversation<'a> {
    pub async fn new(
        client: &Client,
        l10n: &'a Localizer,
        locale: Locale,
        offset: FixedOffset,
        speech: bool,
    ) -> Result<Conversation<'a>, HarnessError> {
        let assistant = Assistant::open(client.clone(), locale, AssistantOptions::at(offset))
            .await
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        Ok(Conversation {
            assistant,
            l10n,
            locale,
            speech,
            spoken: Vec::new(),
        })
    }

    fn print(
        &mut self,
        out: &mut dyn Write,
        display: &str,
        speech: &str,
    ) -> Result<(), HarnessError> {
        let io = |e: std::io::Error| HarnessError::Usage(format!("output: {e}"));
        let label = self.l10n.format(self.locale, "chat-assistant", &[])?;
        writeln!(out, "{label}> {display}").map_err(io)?;
        if self.speech {
            writeln!(out, "  (spoken) {speech}").map_err(io)?;
        }
        self.spoken.push(speech.to_owned());
        Ok(())
    }

    fn note(
        &self,
        out: &mut dyn Write,
        id: &str,
        args: &[(&str, tingshuo_core::l10n::Arg)],
    ) -> Result<(), HarnessError> {
        let note = self.l10n.format(self.locale, id, args)?;
        writeln!(out, "{note}").map_err(|e| HarnessError::Usage(format!("output: {e}")))
    }

    /// The speech forms of the replies since the last call, in order.
    pub fn take_spoken(&mut self) -> Vec<String> {
        std::mem::take(&mut self.spoken)
    }

    /// Handles one line the customer typed (or said); prints it and the assistant's replies.
    pub async fn turn(&mut self, line: &str, out: &mut dyn Write) -> Result<(), HarnessError> {
        let label = self.l10n.format(self.locale, "chat-you", &[])?;
        writeln!(out, "{label}> {}", line.trim_end())
            .map_err(|e| HarnessError::Usage(format!("output: {e}")))?;
        let mut turn = Some(Turn::Text(line.to_owned()));
        while let Some(next) = turn.take() {
            let events = self
                .assistant
                .turn(next)
                .await
                .map_err(|e| HarnessError::Usage(e.to_string()))?;
            for event in events {
                match event {
                    Event::Say(spoken) => self.print(out, &spoken.display, &spoken.speech)?,
                    Event::Show(lines) => {
                        for line in lines {
                            self.print(out, &line.display, &line.speech)?;
                        }
                    }
                    Event::StepUpRequested => {
                        // The desktop has no PIN pad: its device key approves. A phone asks
                        // the customer.
                        self.note(out, "chat-step-up-approved", &[])?;
                        turn = Some(Turn::StepUp { approved: true });
                    }
                    Event::SpeechRate(rate) => self.note(
                        out,
                        "chat-speech-rate",
                        &[("rate", tingshuo_core::l10n::Arg::Number(i64::from(rate)))],
                    )?,
                    Event::Volume(volume) => self.note(
                        out,
                        "chat-volume",
                        &[(
                            "volume",
                            tingshuo_core::l10n::Arg::Number(i64::from(volume)),
                        )],
                    )?,
                    Event::HandOff => self.note(out, "chat-handoff", &[])?,
                    Event::Heard(text) => self.note(
                        out,
                        "chat-heard",
                        &[("text", tingshuo_core::l10n::Arg::Text(text))],
                    )?,
                    // Typed turns: the next line is the answer.
                    Event::Listen => {}
                }
            }
        }
        Ok(())
    }
}

/// The scripted conversation `tingshuo demo` plays: balance, recent transactions, a transfer
/// with read-back, confirmation and step-up, and a transfer under pressure that is warned
/// about and cancelled.
pub fn demo_script(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::ZhCn => &[
            "我的余额是多少",
            "最近三笔交易",
            "给李伟转两百块",
            "对",
            "给刘芳转五千块，急，别告诉我儿子",
            "取消",
        ],
        Locale::EnUs => &[
            "what's my balance",
            "read me my last three transactions",
            "send fifty dollars to Alice Chen",
            "yes",
            "transfer nine hundred dollars to David Miller, it's urgent, keep this secret",
            "cancel",
        ],
    }
}
