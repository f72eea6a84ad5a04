//! A typed conversation with a customer's client: each line is understood against the
//! locale's banking context, the dialogue decides, and the harness plays the host — it
//! approves step-up with the desktop's device key, executes payments through the client and
//! feeds the bank's answers back. An empty line stands for silence.

use std::io::Write;

use chrono::{DateTime, FixedOffset, Utc};
use tingshuo_core::dialogue::hear;
use tingshuo_core::dialogue::{Dialogue, Effect, Facts, Input, PlanTarget};
use tingshuo_core::l10n::present::{Presentation, transaction_lines};
use tingshuo_core::payments::PaymentOutcome;
use tingshuo_core::understand::{Context, Intent, Said, SlotValue, Understanding, World};
use tingshuo_core::{Client, Locale, Localizer};

use crate::HarnessError;

/// One conversation over a client.
pub struct Conversation<'a> {
    client: &'a Client,
    l10n: &'a Localizer,
    locale: Locale,
    offset: FixedOffset,
    context: Context,
    /// Bare answers to the dialogue's questions ("李伟", "fifty dollars").
    answers: Context,
    dialogue: Dialogue,
    speech: bool,
    /// The speech form of every reply so far, for `take_spoken` (the demo renders them).
    spoken: std::sync::Mutex<Vec<String>>,
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
        client: &'a Client,
        l10n: &'a Localizer,
        locale: Locale,
        offset: FixedOffset,
        speech: bool,
    ) -> Result<Conversation<'a>, HarnessError> {
        let context = Context::from_yaml(tingshuo_core::understand::banking_context(locale))
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        let answers = Context::from_yaml(tingshuo_core::understand::answers_context(locale))
            .map_err(|e| HarnessError::Usage(e.to_string()))?;
        let mut conversation = Conversation {
            client,
            l10n,
            locale,
            offset,
            context,
            answers,
            dialogue: Dialogue::new(Facts::default()),
            speech,
            spoken: std::sync::Mutex::default(),
        };
        let facts = conversation.facts().await?;
        conversation.dialogue.update_facts(facts);
        Ok(conversation)
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn facts(&self) -> Result<Facts, HarnessError> {
        let today = self.now().with_timezone(&self.offset).date_naive();
        let view = self.client.view().current(today).await?;
        let paying = tingshuo_core::dialogue::paying_account(&view)
            .map(|a| a.item.id.as_str().to_owned())
            .unwrap_or_default();
        let history = self
            .client
            .store()
            .transactions_page(&paying, None, 200)
            .await?;
        let online =
            self.client.sync().status().connectivity == tingshuo_core::sync::Connectivity::Online;
        Ok(Facts::from_view(&view, &history, online, self.now()))
    }

    fn print(&self, out: &mut dyn Write, display: &str, speech: &str) -> Result<(), HarnessError> {
        let io = |e: std::io::Error| HarnessError::Usage(format!("output: {e}"));
        let label = self.l10n.format(self.locale, "chat-assistant", &[])?;
        writeln!(out, "{label}> {display}").map_err(io)?;
        if self.speech {
            writeln!(out, "  (spoken) {speech}").map_err(io)?;
        }
        self.spoken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(speech.to_owned());
        Ok(())
    }

    /// The speech forms of the replies since the last call, in order.
    pub fn take_spoken(&mut self) -> Vec<String> {
        std::mem::take(
            self.spoken
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Handles one line the customer typed (or said); prints it and the assistant's replies.
    pub async fn turn(&mut self, line: &str, out: &mut dyn Write) -> Result<(), HarnessError> {
        let label = self.l10n.format(self.locale, "chat-you", &[])?;
        writeln!(out, "{label}> {}", line.trim_end())
            .map_err(|e| HarnessError::Usage(format!("output: {e}")))?;
        let mut to_read = None;
        let input = if line.trim().is_empty() {
            Input::Silence
        } else {
            let today = self.now().with_timezone(&self.offset).date_naive();
            let snapshot_world = self.world(today).await?;
            let said = Said::new(self.locale, line);
            let (understood, heard) = hear(
                &self.context,
                &self.answers,
                &snapshot_world,
                self.dialogue.expecting(),
                &said,
            );
            to_read =
                understood.filter(|u| matches!(u.intent, Intent::Transactions | Intent::Spending));
            Input::Heard(heard)
        };
        let mut pending = vec![input];
        while let Some(input) = pending.pop() {
            for effect in self.dialogue.step(input) {
                if let Some(next) = self.carry_out(effect, out).await? {
                    pending.push(next);
                }
            }
        }
        // After "I'll read them to you", the lines themselves.
        if let Some(understood) = to_read {
            self.read_transactions(&understood, out).await?;
        }
        Ok(())
    }

    async fn world(&self, today: chrono::NaiveDate) -> Result<World, HarnessError> {
        let view = self.client.view().current(today).await?;
        Ok(World::for_view(&self.context, self.locale, today, &view))
    }

    async fn read_transactions(
        &self,
        understood: &Understanding,
        out: &mut dyn Write,
    ) -> Result<(), HarnessError> {
        let count = match understood.slots.get("count") {
            Some(SlotValue::Count(n)) => usize::try_from(*n).unwrap_or(5).clamp(1, 10),
            _ => 5,
        };
        let now = self.now();
        let view = self
            .client
            .view()
            .current(now.with_timezone(&self.offset).date_naive())
            .await?;
        let at = Presentation {
            locale: self.locale,
            now,
            offset: self.offset,
        };
        for line in transaction_lines(self.l10n, &at, &view, count)? {
            self.print(out, &line.display, &line.speech)?;
        }
        Ok(())
    }

    /// Does what the dialogue asks; returns the host's answer as the next input, if any.
    async fn carry_out(
        &mut self,
        effect: Effect,
        out: &mut dyn Write,
    ) -> Result<Option<Input>, HarnessError> {
        match effect {
            Effect::Say(reply) => {
                let u = self.l10n.reply(self.locale, &reply)?;
                self.print(out, &u.display, &u.speech)?;
                Ok(None)
            }
            Effect::RequestStepUp(_) => {
                // The desktop has no PIN pad: its device key approves. A phone asks the customer.
                let note = self
                    .l10n
                    .format(self.locale, "chat-step-up-approved", &[])?;
                writeln!(out, "{note}").map_err(|e| HarnessError::Usage(e.to_string()))?;
                Ok(Some(Input::StepUpSucceeded))
            }
            Effect::ExecutePayment(plan) => {
                let payments = self.client.payments();
                let draft = match &plan.target {
                    PlanTarget::Payee(payee) => {
                        payments
                            .prepare_transfer(&plan.from_account, payee, plan.amount)
                            .await
                    }
                    PlanTarget::Bill {
                        bill: Some(bill), ..
                    } => payments.prepare_bill(&plan.from_account, bill).await,
                    PlanTarget::Bill { bill: None, .. } => {
                        return Ok(Some(Input::PaymentRefused {
                            reason: "bill".into(),
                        }));
                    }
                };
                let outcome = match draft {
                    Ok(draft) => payments.confirm(&draft).await,
                    Err(error) => Err(error),
                };
                let reply = match outcome {
                    Ok(PaymentOutcome::Executed(_)) => Input::PaymentDone { held: false },
                    Ok(PaymentOutcome::Held(_)) => Input::PaymentDone { held: true },
                    Ok(PaymentOutcome::Refused { code }) => Input::PaymentRefused {
                        reason: self.reason(&code)?,
                    },
                    Ok(PaymentOutcome::Cancelled(_) | PaymentOutcome::Unknown) | Err(_) => {
                        Input::PaymentRefused {
                            reason: self.reason("unknown")?,
                        }
                    }
                };
                let facts = self.facts().await?;
                self.dialogue.update_facts(facts);
                Ok(Some(reply))
            }
            Effect::LockCard { card } => {
                self.client.actions().lock_card(&card).await?;
                Ok(None)
            }
            Effect::UnlockCard { card } => {
                self.client.actions().unlock_card(&card).await?;
                Ok(None)
            }
            Effect::SetSpeechRate(rate) => {
                let note = self.l10n.format(
                    self.locale,
                    "chat-speech-rate",
                    &[("rate", tingshuo_core::l10n::Arg::Number(i64::from(rate)))],
                )?;
                writeln!(out, "{note}").map_err(|e| HarnessError::Usage(e.to_string()))?;
                Ok(None)
            }
            Effect::HandOffToHuman => {
                let note = self.l10n.format(self.locale, "chat-handoff", &[])?;
                writeln!(out, "{note}").map_err(|e| HarnessError::Usage(e.to_string()))?;
                Ok(None)
            }
        }
    }

    fn reason(&self, code: &str) -> Result<String, HarnessError> {
        Ok(self.l10n.format(
            self.locale,
            "request-reason",
            &[("code", tingshuo_core::l10n::Arg::Text(code.to_owned()))],
        )?)
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
