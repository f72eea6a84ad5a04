//! One conversation: understanding, the dialogue, and the host's part of it played against
//! the client — payments prepared, confirmed, executed and reconciled, actions queued — with
//! every outcome told as the bank gave it.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use tingshuo_base::CustomerZone;
use tingshuo_base::action::{Action, ActionKind};
use tingshuo_base::consent::{Consent, Purpose};
use tingshuo_base::ids::Id;
use tingshuo_base::locale::Locale;
use tingshuo_base::model::{Card, Category, Transaction, TransactionStatus};
use tingshuo_base::money::{Currency, Money};
use tingshuo_base::view::{CustomerView, RequestState};
use tingshuo_base::wire::{
    PaymentDto, PaymentRequest, PaymentTerms, PreferencesDto, payment_status,
};
use tingshuo_data::client::{Client, ClientError};
use tingshuo_data::crypto::SignerError;
use tingshuo_data::payments::{PaymentDraft, PaymentError, PaymentOutcome, Settled};
use tingshuo_data::store::sync::{PaymentAttempt, keys};
use tingshuo_data::sync::{Connectivity, NetError, SyncError};
use tingshuo_dialogue::{
    ActionOutcome, Dialogue, Effect, Facts, Heard, Input, Listing, PaymentPlan, PlanKind,
    PlanTarget, Prepared, SpendingQuery, Spent, SpentOn, TransactionsQuery, hear, paying_account,
};
use tingshuo_l10n::present::{
    Presentation, alert_lines, bill_lines, card_lines, service_request_lines, transaction_lines,
};
use tingshuo_l10n::{Arg, ConsentWording, L10nError, Localizer, Reply};
use tingshuo_understand::context::ContextError;
use tingshuo_understand::{Context, Said, World, answers_context, banking_context};

use crate::clock::{Clock, SystemClock};
use crate::names::{comparable, is_named, name_said};
use crate::turn::{Event, Spoken, Turn};

/// How many transactions "read me my transactions" reads when no count is said, and the most.
const DEFAULT_TRANSACTIONS: usize = 5;
/// Payments in read when she asks whether money came in: the latest few tell her when.
const DEFAULT_INCOME: usize = 3;
/// Her latest transactions looked through for payments in (months of a pension's).
const INCOME_SCANNED: u32 = 500;
const MAX_TRANSACTIONS: usize = 10;
/// The most transactions a spending total adds up (a period of an ordinary customer holds far
/// fewer; the bound keeps a hostile store from making one answer unbounded).
const MAX_SUMMED: u32 = 10_000;
/// The reason said when a payment failed on this phone, before the bank saw it.
const ON_DEVICE: &str = "on_device";
/// The history the dialogue's sense of a usual transfer is drawn from.
const HISTORY_FOR_FACTS: u32 = 200;

#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    L10n(#[from] L10nError),
    #[error("the {0} context does not load: {1}")]
    Context(Locale, ContextError),
    /// The bank's own intents ([`AssistantOptions::bank_intents`]) do not load, or take a
    /// name the product or its answers use.
    #[error("the bank's own intents do not load: {0}")]
    BankIntents(ContextError),
    /// A turn of speech came before any recognizer was given ([`Assistant::listen_with`]).
    #[error("a turn of speech needs a speech model: give the assistant a recognizer first")]
    NoRecognizer,
    /// A spending total that cannot be told whole: more transactions in the period than one
    /// answer adds up, or a sum beyond what an amount holds. A failure, never a smaller total.
    #[error("the spending over the period cannot be added up whole")]
    SpendingUnsummable,
    /// The audio could not be recognized (not 16 kHz mono samples, or the model failed).
    #[cfg(feature = "voice")]
    #[error(transparent)]
    Listen(#[from] tingshuo_listen::recognizer::RecognizerError),
}

/// Where and when the customer is.
#[derive(Debug, Clone)]
pub struct AssistantOptions {
    /// The customer's time zone, for "today", for the days a period spans and for times said
    /// aloud: each at the offset of its own day.
    pub zone: CustomerZone,
    pub clock: Arc<dyn Clock>,
    /// The bank's own intents for the conversation's locale, as context YAML (Rhino's
    /// format): understood typed and spoken beside the product's, and handed to the host as
    /// [`Event::BankRequest`].
    pub bank_intents: Option<String>,
}

impl AssistantOptions {
    /// The system clock, in this time zone (a [`chrono::FixedOffset`] where clocks never change).
    pub fn at(zone: impl Into<CustomerZone>) -> AssistantOptions {
        AssistantOptions {
            zone: zone.into(),
            clock: Arc::new(SystemClock),
            bank_intents: None,
        }
    }

    /// These options with the bank's own intents ([`AssistantOptions::bank_intents`]).
    pub fn with_bank_intents(self, yaml: impl Into<String>) -> AssistantOptions {
        AssistantOptions {
            bank_intents: Some(yaml.into()),
            ..self
        }
    }
}

/// One conversation with one customer.
pub struct Assistant {
    client: Client,
    locale: Locale,
    l10n: Localizer,
    banking: Context,
    answers: Context,
    dialogue: Dialogue,
    options: AssistantOptions,
    /// The idempotency key of a payment whose answer never came, until the bank's is known.
    unresolved: Option<String>,
    /// The bank's id of the payment it holds, which the customer may still cancel.
    held: Option<String>,
    /// Card actions said as queued or unconfirmed (outbox key, card, lock or unlock): told
    /// at the start of a later turn once the bank has answered, as promised. Kept in the
    /// store at the end of each turn, so a later conversation tells what this one could not.
    card_actions_awaited: Vec<(String, Id<Card>, bool)>,
    /// The payment attempt whose outcome this turn told her: recorded as told only when the
    /// turn ends well (a turn that fails after saying it returns no events to the host).
    told_in_turn: Option<String>,
    /// The lines last listed (transactions, cards, alerts, appointments), shown and read
    /// after the reply that introduces them and again with its repeat.
    listed: Vec<tingshuo_l10n::Utterance>,
    /// The payment as prepared for its read-back: what a confirmation sends, and nothing else.
    prepared: Option<(PaymentPlan, PaymentDraft)>,
    /// When money last moved by this session (a payment made, held or cancelled), to tell
    /// balances the bank gave before it from after.
    money_moved_at: Option<DateTime<Utc>>,
    /// Step-ups asked in this session: each request's number. The one the dialogue waits on,
    /// if any, is the last ([`Assistant::step_up_awaited`]).
    step_ups_asked: u64,
    /// What the last turn of words was heard as (intent and slots), for the host's log;
    /// `None` after a turn without words (silence, a step-up result, nothing recognized).
    last_heard: Option<Heard>,
    /// The on-device recognizer for turns of speech.
    #[cfg(feature = "voice")]
    recognizer: Option<Arc<tingshuo_listen::recognizer::Recognizer>>,
    /// What the last turn of speech was searched with, kept while the customer's world and the
    /// question waiting stay the same: building the grammar costs more than a tenth of a
    /// Mandarin turn's recognition on a desktop.
    #[cfg(feature = "voice")]
    speech_search: Option<SpeechSearch>,
}

/// Where a conversation stands, never what it holds: her payees, amounts, what she said and
/// was told are C2, and a host or a test that prints an assistant logs none of them.
impl std::fmt::Debug for Assistant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assistant")
            .field("locale", &self.locale)
            .field("stage", &self.dialogue.stage_name())
            .field("payment_unresolved", &self.unresolved.is_some())
            .field("payment_held", &self.held.is_some())
            .finish_non_exhaustive()
    }
}

/// The context and recognizer options speech is searched with, for one world and question.
#[cfg(feature = "voice")]
#[derive(Debug)]
struct SpeechSearch {
    world: World,
    expecting: Option<tingshuo_dialogue::Expecting>,
    context: Context,
    options: tingshuo_listen::recognizer::Options,
}

impl Assistant {
    /// A conversation in `locale` over the customer's client.
    pub async fn open(
        client: Client,
        locale: Locale,
        options: AssistantOptions,
    ) -> Result<Assistant, AssistantError> {
        let load = |yaml| Context::from_yaml(yaml).map_err(|e| AssistantError::Context(locale, e));
        let answers = load(answers_context(locale))?;
        let mut banking = load(banking_context(locale))?;
        if let Some(yaml) = &options.bank_intents {
            banking = Context::from_yaml(yaml)
                .and_then(|bank| banking.with_bank_intents(&bank, &answers))
                .map_err(AssistantError::BankIntents)?;
        }
        let mut assistant = Assistant {
            client,
            locale,
            l10n: Localizer::new()?,
            banking,
            answers,
            dialogue: Dialogue::new(Facts::default()),
            options,
            unresolved: None,
            held: None,
            card_actions_awaited: Vec::new(),
            told_in_turn: None,
            listed: Vec::new(),
            prepared: None,
            money_moved_at: None,
            step_ups_asked: 0,
            last_heard: None,
            #[cfg(feature = "voice")]
            recognizer: None,
            #[cfg(feature = "voice")]
            speech_search: None,
        };
        // One read of the view serves the facts and the preferences asked for.
        let view = assistant.client.view().current(assistant.today()).await?;
        assistant.update_facts(&view).await?;
        assistant.resume_payments().await?;
        assistant.card_actions_awaited = assistant.card_actions_awaited_kept().await?;
        if let Some(preferences) = assistant.preferences_in(&view).await? {
            assistant.dialogue.set_speech_rate(preferences.speech_rate);
        }
        Ok(assistant)
    }

    /// The customer's preferences: the newest this device asked the bank to keep (still
    /// waiting to be delivered), else the bank's.
    async fn preferences(&self) -> Result<Option<PreferencesDto>, AssistantError> {
        let view = self.client.view().current(self.today()).await?;
        self.preferences_in(&view).await
    }

    /// [`Self::preferences`], with the view already read.
    async fn preferences_in(
        &self,
        view: &CustomerView,
    ) -> Result<Option<PreferencesDto>, AssistantError> {
        let asked = view
            .requests
            .iter()
            .filter(|request| request.state == RequestState::Pending)
            .filter_map(|request| match &request.action {
                Action::SetPreferences(preferences) => Some((request.queued_at, preferences)),
                _ => None,
            })
            .max_by_key(|(queued_at, _)| *queued_at)
            .map(|(_, preferences)| preferences.clone());
        match asked {
            Some(preferences) => Ok(Some(preferences)),
            None => Ok(self.client.view().preferences().await?),
        }
    }

    /// Asks the bank to keep the speech rate the customer chose, so the next conversation (in
    /// this app or another channel) starts at it: sent with the next sync round, so the
    /// repeat asked for is not kept waiting on the network. Best effort: the rate already
    /// changed here.
    async fn keep_speech_rate(&self, rate: u32) {
        let kept = match self.preferences().await {
            Ok(Some(preferences)) if preferences.speech_rate != rate => {
                let preferences = PreferencesDto {
                    speech_rate: rate,
                    ..preferences
                };
                self.client
                    .actions()
                    .queue_for_next_round(Action::SetPreferences(preferences))
                    .await
                    .map_err(AssistantError::from)
            }
            // Already kept; or nothing synced yet, no locale or mode to keep beside the rate.
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        if let Err(error) = kept {
            tracing::warn!(%error, "the speech rate was not kept for later");
        }
    }

    /// What earlier sessions left with the bank, told to the dialogue before the first turn:
    /// the store, not the session, knows which payment's answer never came (asked about again
    /// at every turn, said as being checked, no other payment meanwhile) and which payment the
    /// bank holds (the customer may still say cancel). Without it a new session — the app
    /// restarted — would start a second payment beside one still unknown, and take "cancel"
    /// as if nothing were waiting.
    async fn resume_payments(&mut self) -> Result<(), AssistantError> {
        let attempts = self.client.payments().attempts().await?;
        let told = self.told_through(&attempts).await?;
        // The oldest first; the others are reconciled with it (and no payment starts while
        // any is unresolved: `Facts::payments_unresolved`). Else the newest whose outcome
        // the bank gave while no conversation was open: the first turn tells it.
        let untold = attempts
            .iter()
            .position(|attempt| attempt.idempotency_key == told)
            .map_or(0, |at| at + 1);
        let unresolved = attempts
            .iter()
            .find(|attempt| attempt.state == "sending")
            .or_else(|| attempts[untold..].last())
            .cloned();
        let mut checking = None;
        if let Some(attempt) = unresolved {
            self.unresolved = Some(attempt.idempotency_key);
            let request = attempt
                .request
                .and_then(|json| serde_json::from_str::<PaymentRequest>(&json).ok());
            if let Some(sent) = request {
                checking = self.plan_of_sent(sent.terms()).await;
            }
        }
        // The newest payment this device sent that the bank held when last asked, its hold
        // not yet over: "cancel" never reaches a payment made in another channel, or one
        // long gone.
        let sent_here: Vec<String> = attempts
            .iter()
            .map(|attempt| attempt.idempotency_key.clone())
            .collect();
        let now = self.now();
        let newest_held = self
            .client
            .view()
            .payments()
            .await?
            .into_iter()
            .filter(|payment| {
                payment.item.status == payment_status::HELD
                    && sent_here.contains(&payment.item.idempotency_key)
                    && payment.item.hold_until.is_none_or(|until| until > now)
            })
            .max_by_key(|payment| payment.item.created_at);
        let mut held = None;
        if let Some(payment) = newest_held {
            let sent = payment.item;
            held = self.plan_of_sent(sent.terms()).await;
            if held.is_some() {
                self.held = Some(sent.id);
            }
        }
        self.dialogue.resume(checking, held);
        Ok(())
    }

    /// The key of the newest payment attempt whose outcome she was told (`""` for none). The
    /// first conversation with this record counts every earlier attempt as told.
    async fn told_through(&self, attempts: &[PaymentAttempt]) -> Result<String, AssistantError> {
        let store = self.client.store();
        if let Some(key) = store
            .sync_value(keys::PAYMENT_OUTCOMES_TOLD)
            .await
            .map_err(ClientError::from)?
        {
            return Ok(key);
        }
        let newest = attempts
            .last()
            .map(|attempt| attempt.idempotency_key.clone())
            .unwrap_or_default();
        // Not written (a full disk): the conversation still opens, and asks again next time.
        self.note_told(&newest).await;
        Ok(newest)
    }

    /// Records that she was told the outcome of this attempt (and of every earlier one). A
    /// failure is logged: at worst the outcome is told once more in the next conversation.
    async fn note_told(&self, key: &str) {
        if let Err(error) = self
            .client
            .store()
            .set_sync_value(keys::PAYMENT_OUTCOMES_TOLD, key)
            .await
        {
            tracing::warn!(%error, "a payment's outcome was told but not recorded as told");
        }
    }

    /// A payment as the bank was sent it, as the dialogue would have read it back.
    async fn plan_of_sent(&self, sent: PaymentTerms<'_>) -> Option<PaymentPlan> {
        let kind = match sent.kind {
            "transfer" => PlanKind::Transfer,
            "bill" => PlanKind::Bill,
            "move" => PlanKind::Move,
            _ => return None,
        };
        let amount = Money::from_minor(sent.amount_minor, Currency::from_code(sent.currency).ok()?);
        let target = sent.target_id;
        // A bill paid is no longer due, so not in the view: its biller comes from the store.
        let bill_from = match kind {
            PlanKind::Bill => match self.client.store().biller_of_bill(target).await {
                Ok(biller) => biller.map(Id::new),
                Err(error) => {
                    tracing::warn!(%error, "a bill's biller could not be read");
                    None
                }
            },
            PlanKind::Transfer | PlanKind::Move => None,
        };
        let facts = self.dialogue.facts();
        let from = Id::new(sent.from_account);
        if let Some(plan) = facts.plan_of_sent(kind, &from, target, amount, bill_from.as_ref()) {
            return Some(plan);
        }
        // The payee or biller is gone from her data (removed since): the outcome is still told,
        // by its amount and without a name, never left unsaid.
        tracing::warn!("a payment sent earlier names what the view no longer has");
        let unnamed = self
            .l10n
            .format(
                self.locale,
                "payment-target-unnamed",
                &[(
                    "kind",
                    Arg::Text(
                        match kind {
                            PlanKind::Bill => "bill",
                            PlanKind::Transfer => "transfer",
                            PlanKind::Move => "move",
                        }
                        .into(),
                    ),
                )],
            )
            .ok()?;
        Some(PaymentPlan {
            target: match kind {
                PlanKind::Transfer => PlanTarget::Payee(Id::new(target)),
                PlanKind::Move => PlanTarget::Account(Id::new(target)),
                PlanKind::Bill => PlanTarget::Bill {
                    biller: bill_from.unwrap_or_else(|| Id::new("")),
                    bill: Some(Id::new(target)),
                },
            },
            target_name: unnamed,
            target_last_four: String::new(),
            from_last_four: facts
                .account(&from)
                .map(|account| account.last_four.clone())
                .unwrap_or_default(),
            from_account: from,
            amount,
        })
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Recognizes turns of speech with this model from now on (load it once and share it: a
    /// model takes seconds to load). Mandarin needs a multilingual model.
    #[cfg(feature = "voice")]
    pub fn listen_with(&mut self, recognizer: Arc<tingshuo_listen::recognizer::Recognizer>) {
        self.recognizer = Some(recognizer);
    }

    /// The words that ask for the customer's consent to `purpose`, in the session's locale,
    /// for the app's consent screen.
    pub fn consent_wording(&self, purpose: Purpose) -> Result<ConsentWording, AssistantError> {
        Ok(self.l10n.consent_wording(self.locale, purpose)?)
    }

    /// Where the customer's decision on `purpose` stands, for the wording she would see now.
    pub async fn consent(&self, purpose: Purpose) -> Result<Consent, AssistantError> {
        let wording = self.consent_wording(purpose)?;
        Ok(self.client.consent(purpose, wording.version).await?)
    }

    /// Records her decision on `purpose`, made on the wording [`Assistant::consent_wording`]
    /// gave: agreeing, refusing, or withdrawing.
    pub async fn decide_consent(
        &self,
        purpose: Purpose,
        granted: bool,
    ) -> Result<(), AssistantError> {
        let wording = self.consent_wording(purpose)?;
        Ok(self
            .client
            .record_consent(purpose, granted, wording.version, self.now())
            .await?)
    }

    /// The speech rate the customer asked for, in percent of normal.
    pub fn speech_rate(&self) -> u32 {
        self.dialogue.speech_rate()
    }

    /// The speech volume, in percent of the engine's full volume.
    pub fn volume(&self) -> u32 {
        self.dialogue.volume()
    }

    /// The speech pitch, in percent of the voice's own: speak every sentence at it.
    pub fn pitch(&self) -> u32 {
        self.dialogue.pitch()
    }

    /// What the last turn's words were heard as: the intent (`None` when nothing matched, or
    /// when the words were a bare answer filling a slot) and the slots, as the dialogue got
    /// them. `None` when the last turn had no words (silence, a step-up result).
    pub fn last_heard(&self) -> Option<&Heard> {
        self.last_heard.as_ref()
    }

    /// Drops everything the conversation holds of the customer: what was listed, read back,
    /// made or awaited, the dialogue with its facts, and the speech search built from her
    /// payees' names.
    fn forget_customer(&mut self) {
        self.dialogue = Dialogue::new(Facts::default());
        self.unresolved = None;
        self.held = None;
        self.card_actions_awaited.clear();
        self.told_in_turn = None;
        self.listed.clear();
        self.prepared = None;
        self.money_moved_at = None;
        self.last_heard = None;
        #[cfg(feature = "voice")]
        {
            self.speech_search = None;
        }
    }

    /// The step-up request asked and not yet answered (numbered from 1 within the session):
    /// the one a [`Turn::StepUp`] must name to count.
    pub fn step_up_awaited(&self) -> Option<u64> {
        // A prompt the dialogue no longer waits on (she spoke at it, or it was answered) can
        // no longer be answered; one it waits on is the last asked.
        self.dialogue
            .awaits_step_up()
            .then_some(self.step_ups_asked)
    }

    /// Where the conversation stands after the last turn (see [`Dialogue::stage_name`]).
    pub fn stage(&self) -> &'static str {
        self.dialogue.stage_name()
    }

    fn now(&self) -> DateTime<Utc> {
        self.options.clock.now()
    }

    fn today(&self) -> NaiveDate {
        self.options.zone.date_of(self.now())
    }

    /// Takes one turn and returns what the host should do, in order.
    pub async fn turn(&mut self, turn: Turn) -> Result<Vec<Event>, AssistantError> {
        // The store no longer holds a customer (the bank revoked this phone and a sync deleted
        // her data, or another customer registered on it): nothing of this conversation is
        // kept or said again, and the turn fails as unregistered.
        if !self.client.sync().is_registered().await? {
            self.forget_customer();
            return Err(ClientError::Sync(SyncError::Net(NetError::NotRegistered)).into());
        }
        self.told_in_turn = None;
        let awaited_before = self.card_actions_awaited.clone();
        let events = self.take_turn(turn).await?;
        if let Some(key) = self.told_in_turn.take() {
            self.note_told(&key).await;
        }
        if self.card_actions_awaited != awaited_before {
            self.keep_card_actions_awaited().await;
        }
        Ok(events)
    }

    async fn take_turn(&mut self, turn: Turn) -> Result<Vec<Event>, AssistantError> {
        let mut events = Vec::new();
        // What the host synced since the last turn is what the customer hears about.
        self.refresh_facts().await?;
        // A payment whose answer never came is asked about again before anything else.
        if let Some(key) = self.unresolved.clone()
            && let Some(input) = self.settled(&key).await?
        {
            self.unresolved = None;
            let before = events.len();
            self.step(input, &mut events).await?;
            // Told only if the dialogue could say it (it names the payment from its plan).
            if events[before..]
                .iter()
                .any(|event| matches!(event, Event::Say(_)))
            {
                self.told_in_turn = Some(key);
            }
        }
        // A card action said as waiting, now answered by the bank.
        for input in self.card_actions_answered().await? {
            self.step(input, &mut events).await?;
        }
        self.last_heard = None;
        let input = match turn {
            Turn::Text(text) if text.trim().is_empty() => Input::Silence,
            Turn::Text(text) => {
                let world = self.world().await?;
                let said = Said::new(self.locale, &text);
                let (_, heard) = hear(
                    &self.banking,
                    &self.answers,
                    &world,
                    self.dialogue.expecting(),
                    &said,
                );
                self.last_heard = Some(heard.clone());
                Input::Heard(heard)
            }
            #[cfg(feature = "voice")]
            Turn::Audio(samples) => {
                // Her voice is not listened to before she agreed, nor after she declined or
                // withdrew: the samples are dropped unheard. Never asked, the app asks her now;
                // her "no" stands until she changes it in the app's settings.
                let (id, ask) = match self.consent(Purpose::VoiceRecognition).await? {
                    Consent::Granted => (None, false),
                    Consent::NotAsked => (Some("consent-voice-needed"), true),
                    Consent::Refused => (Some("consent-voice-declined"), false),
                };
                if let Some(id) = id {
                    let reply = Reply {
                        id,
                        args: Vec::new(),
                    };
                    events.push(Event::Say(self.render(&reply)?));
                    if ask {
                        events.push(Event::ConsentNeeded(Purpose::VoiceRecognition));
                    }
                    return Ok(events);
                }
                self.heard_in_speech(&samples, &mut events).await?
            }
            Turn::Silence => Input::Silence,
            Turn::StepUp { request, approved } => {
                if self.step_up_awaited() != Some(request) {
                    // A prompt answered after she moved on (spoke meanwhile, or confirmed
                    // again and was asked anew) approves nothing and declines nothing.
                    if self.dialogue.awaits_answer() {
                        events.push(Event::Listen);
                    }
                    return Ok(events);
                }
                if approved {
                    Input::StepUpSucceeded
                } else {
                    Input::StepUpFailed
                }
            }
        };
        self.step(input, &mut events).await?;
        if self.dialogue.awaits_answer() {
            events.push(Event::Listen);
        }
        Ok(events)
    }

    /// A turn of speech, recognized under the banking context, the answers to a question that
    /// waits, and the customer's names. Nothing heard is a silence. A yes the recognizer could
    /// not tell from a no is no yes: the words are heard as not understood, and what waits is
    /// asked again.
    #[cfg(feature = "voice")]
    async fn heard_in_speech(
        &mut self,
        samples: &[f32],
        events: &mut Vec<Event>,
    ) -> Result<Input, AssistantError> {
        use tingshuo_listen::spoken::{options_for, understand_speech};
        let recognizer = self
            .recognizer
            .clone()
            .ok_or(AssistantError::NoRecognizer)?;
        let world = self.world().await?;
        let expecting = self.dialogue.expecting();
        let search = match self.speech_search.take() {
            Some(kept) if kept.world == world && kept.expecting == expecting => kept,
            _ => {
                let context =
                    tingshuo_dialogue::context_for_speech(&self.banking, &self.answers, expecting);
                SpeechSearch {
                    options: options_for(&context, &world),
                    world: world.clone(),
                    expecting,
                    context,
                }
            }
        };
        // Recognition is CPU work of a second or so: the host calls turns off its UI thread,
        // and the runtime's other tasks are handed to another thread meanwhile.
        let spoken = tingshuo_data::runtime::blocking(|| {
            understand_speech(
                &recognizer,
                samples,
                &search.options,
                &search.context,
                &world,
                None,
            )
        });
        self.speech_search = Some(search);
        let spoken = spoken?;
        let Some(transcript) = spoken.transcript else {
            return Ok(Input::Silence);
        };
        // Shown and logged by the host: a number she spoke (a card's, a PIN) never whole.
        events.push(Event::Heard(tingshuo_base::classify::mask_long_numbers(
            &transcript.text,
        )));
        let said = Said::new(self.locale, &transcript.text);
        let (_, mut heard) = hear(&self.banking, &self.answers, &world, expecting, &said);
        // A yes stands only as the search heard it, over a no: the search's own reading must be
        // the yes (it reads the answers as well as the commands, `hear` commands first).
        let confirm = Some(tingshuo_understand::Intent::Confirm);
        let yes_doubted = heard.intent == confirm
            && spoken.understanding.map(|understood| understood.intent) != confirm;
        if yes_doubted {
            heard.intent = None;
            heard.slots.clear();
        }
        self.last_heard = Some(heard.clone());
        Ok(Input::Heard(heard))
    }

    /// Steps the dialogue, carrying out its effects and feeding it their outcomes, until it
    /// has nothing more to do.
    async fn step(&mut self, input: Input, events: &mut Vec<Event>) -> Result<(), AssistantError> {
        let mut pending = vec![input];
        while let Some(input) = pending.pop() {
            for effect in self.dialogue.step(input) {
                match effect {
                    Effect::Say(reply) => events.push(Event::Say(self.render(&reply)?)),
                    Effect::PreparePayment(plan) => pending.push(self.prepare(plan).await?),
                    Effect::RequestStepUp(_) | Effect::RequestStepUpForUnlock { .. } => {
                        self.step_ups_asked += 1;
                        events.push(Event::StepUpRequested {
                            request: self.step_ups_asked,
                        });
                    }
                    Effect::ExecutePayment(plan) => {
                        let outcome = self.execute(&plan).await?;
                        pending.extend(outcome);
                    }
                    Effect::LockCard { card } => {
                        pending.push(self.card_action(card, true).await?);
                    }
                    Effect::UnlockCard { card } => {
                        pending.push(self.card_action(card, false).await?);
                    }
                    Effect::CancelHeldPayment => pending.push(self.cancel_held().await?),
                    Effect::ShowTransactions(query) => {
                        self.listed = self.transactions(&query).await?;
                        pending.push(Input::Listed {
                            what: if query.incoming_only {
                                Listing::Income
                            } else {
                                Listing::Transactions
                            },
                            count: self.listed.len(),
                        });
                    }
                    Effect::ShowItems(listing) => {
                        self.listed = self.items(listing).await?;
                        pending.push(Input::Listed {
                            what: listing,
                            count: self.listed.len(),
                        });
                    }
                    Effect::ReadListed => events.push(Event::Show(self.listed.clone())),
                    Effect::SumSpending(query) => pending.push(self.spending(&query).await?),
                    Effect::SetSpeechRate(rate) => {
                        events.push(Event::SpeechRate(rate));
                        self.keep_speech_rate(rate).await;
                    }
                    Effect::SetVolume(volume) => events.push(Event::Volume(volume)),
                    Effect::SetPitch(pitch) => events.push(Event::Pitch(pitch)),
                    Effect::HandOffToHuman => events.push(Event::HandOff),
                    Effect::BankRequest { intent, slots } => {
                        events.push(Event::BankRequest { intent, slots });
                    }
                }
            }
        }
        Ok(())
    }

    fn render(&self, reply: &Reply) -> Result<Spoken, AssistantError> {
        let utterance = self.l10n.reply(self.locale, reply)?;
        Ok(Spoken {
            id: reply.id,
            display: utterance.display,
            speech: utterance.speech,
        })
    }

    /// The bank's reason code in words.
    fn reason(&self, code: &str) -> Result<String, AssistantError> {
        Ok(self.l10n.format(
            self.locale,
            "request-reason",
            &[("code", Arg::Text(code.to_owned()))],
        )?)
    }

    /// Prepares a payment from the local view exactly as it will be signed: the dialogue reads
    /// back what this returns.
    async fn prepare(&mut self, plan: PaymentPlan) -> Result<Input, AssistantError> {
        let Some(draft) = self.draft_from_view(&plan).await else {
            return Ok(Input::PrepareRefused {
                reason: self.reason("not_found")?,
            });
        };
        match draft {
            Ok(draft) => {
                let prepared = Prepared {
                    amount: *draft.amount.reveal(),
                    target_name: draft.target_name.reveal().clone(),
                    target_last_four: draft.target_last_four.clone(),
                    from_last_four: draft.from_last_four.clone(),
                };
                self.prepared = Some((plan, draft));
                Ok(Input::Prepared(prepared))
            }
            Err(error) => {
                tracing::warn!(%error, "payment not prepared");
                Ok(Input::PrepareRefused {
                    reason: self.reason(ON_DEVICE)?,
                })
            }
        }
    }

    /// The payment a plan comes to by the view as it is now; `None` for a bill not known.
    async fn draft_from_view(
        &self,
        plan: &PaymentPlan,
    ) -> Option<Result<PaymentDraft, PaymentError>> {
        let payments = self.client.payments();
        Some(match &plan.target {
            PlanTarget::Payee(payee) => {
                payments
                    .prepare_transfer(&plan.from_account, payee, plan.amount)
                    .await
            }
            PlanTarget::Bill {
                bill: Some(bill), ..
            } => payments.prepare_bill(&plan.from_account, bill).await,
            PlanTarget::Bill { bill: None, .. } => return None,
            PlanTarget::Account(to) => {
                payments
                    .prepare_move(&plan.from_account, to, plan.amount)
                    .await
            }
        })
    }

    /// Confirms and sends the payment prepared for this plan — the one read back — and returns
    /// what the bank said, as the dialogue's input (more than one when an answer that never
    /// came is asked about at once).
    async fn execute(&mut self, plan: &PaymentPlan) -> Result<Vec<Input>, AssistantError> {
        let draft = match self.prepared.take() {
            // The plan confirmed is the one prepared, as read back.
            Some((prepared, draft))
                if prepared.target == plan.target
                    && prepared.from_account == plan.from_account
                    && *draft.amount.reveal() == plan.amount =>
            {
                draft
            }
            _ => {
                tracing::warn!("a payment confirmed that was not the one prepared; not sent");
                return Ok(vec![Input::PaymentRefused {
                    reason: self.reason(ON_DEVICE)?,
                }]);
            }
        };
        // What she confirmed is still what the view says it is: a sync between the read-back
        // and her yes may have changed the payee's account or the bill; the bank pays what it
        // has, so a payment read back with details since changed is not sent.
        let changed = match self.draft_from_view(plan).await {
            Some(Ok(now)) => {
                // Whole numbers, not the last four digits the read-back said.
                (now.details != draft.details).then_some("details_changed")
            }
            // The bill is no longer there to pay (paid in another channel meanwhile).
            None => Some("not_found"),
            Some(Err(error)) => {
                tracing::warn!(%error, "a payment could not be checked against the view");
                Some(ON_DEVICE)
            }
        };
        if let Some(reason) = changed {
            tracing::warn!(reason, "a payment no longer as read back; not sent");
            return Ok(vec![Input::PaymentRefused {
                reason: self.reason(reason)?,
            }]);
        }
        let outcome = self.client.payments().confirm(draft).await;
        let inputs = match outcome {
            Ok(PaymentOutcome::Executed(_)) => vec![Input::PaymentDone {
                held_for_minutes: None,
            }],
            Ok(PaymentOutcome::Held(payment)) => {
                let minutes = self.minutes_held(&payment);
                self.held = Some(payment.id);
                vec![Input::PaymentDone {
                    held_for_minutes: Some(minutes),
                }]
            }
            Ok(PaymentOutcome::Refused { code }) => vec![Input::PaymentRefused {
                reason: self.reason(&code)?,
            }],
            Ok(PaymentOutcome::Cancelled(_)) => vec![Input::PaymentRefused {
                reason: self.reason("cancelled")?,
            }],
            Ok(PaymentOutcome::Unknown { key }) => {
                // Said at once: checking. Then asked at once; if the bank still cannot say,
                // asked again at the start of every later turn.
                let mut inputs = Vec::new();
                match self.settled(&key).await {
                    Ok(Some(known)) => inputs.push(known),
                    Ok(None) => self.unresolved = Some(key),
                    // Asked again at the next turn: the bank's answer is never dropped.
                    Err(error) => {
                        tracing::warn!(%error, "a payment's outcome could not be asked now");
                        self.unresolved = Some(key);
                    }
                }
                // `pending` is a stack: the checking message goes first.
                inputs.push(Input::PaymentUnknown);
                inputs
            }
            Err(PaymentError::Offline) => vec![Input::PaymentNotSent],
            Err(error) => {
                // Refused before the payment went: by the bank (its challenge), or on this
                // phone — the step-up called off, a draft the view no longer supports, the
                // store. No money moved; only the bank's own refusal is said as the bank's.
                tracing::warn!(%error, "payment not sent");
                let code = match &error {
                    PaymentError::Sync(SyncError::Net(NetError::Refused { code, .. })) => code,
                    // The bank's answer to its challenge was unusable: nothing was signed.
                    PaymentError::Sync(SyncError::Net(_)) => "bank_unavailable",
                    PaymentError::StepUpCancelled => "step_up_cancelled",
                    PaymentError::DeviceKeyLost => "device_key_lost",
                    _ => ON_DEVICE,
                };
                vec![Input::PaymentRefused {
                    reason: self.reason(code)?,
                }]
            }
        };
        // The attempt just sent (the newest) is told in this turn, unless it is still being
        // checked (its answer, once known, is told at a later turn).
        if self.unresolved.is_none()
            && let Ok(attempts) = self.client.payments().attempts().await
            && let Some(newest) = attempts.last()
        {
            self.told_in_turn = Some(newest.idempotency_key.clone());
        }
        // What the bank did is told whatever happens next: a store that cannot be read back
        // now must not leave the dialogue waiting on a payment it never hears about.
        let settled = if inputs
            .iter()
            .any(|input| matches!(input, Input::PaymentDone { .. }))
        {
            self.catch_up().await
        } else {
            self.refresh_facts().await
        };
        if let Err(error) = settled {
            tracing::warn!(%error, "the view was not refreshed after a payment");
        }
        Ok(inputs)
    }

    /// After money moved: the bank's own balances and history, pulled (when it can be reached)
    /// before anything more is said about them.
    async fn catch_up(&mut self) -> Result<(), AssistantError> {
        self.money_moved_at = Some(self.now());
        if let Err(error) = self.client.sync().sync_now().await {
            tracing::info!(%error, "no sync after a payment; the view is as it was");
        }
        self.refresh_facts().await
    }

    /// What the bank says of a payment whose answer was lost, as the dialogue's input; `None`
    /// while it still cannot say.
    async fn settled(&mut self, key: &str) -> Result<Option<Input>, AssistantError> {
        let settled = self.client.payments().check(key).await?;
        if settled == Settled::Held {
            // The attempt was recorded held, perhaps long ago: the bank's latest word on the
            // payment says whether its hold is over (it went) or it was cancelled since.
            self.catch_up().await?;
            return self.held_payment(key).await.map(Some);
        }
        let input = match settled {
            Settled::Unknown => None,
            Settled::Executed | Settled::Held => Some(Input::PaymentDone {
                held_for_minutes: None,
            }),
            Settled::NotSent => Some(Input::PaymentNotSent),
            Settled::Cancelled => Some(Input::PaymentRefused {
                reason: self.reason("cancelled")?,
            }),
            Settled::Refused { reason } => Some(Input::PaymentRefused {
                reason: self.reason(&reason)?,
            }),
        };
        if input.is_some() {
            self.catch_up().await?;
        }
        Ok(input)
    }

    /// A payment the bank held when last asked, as it stands now in the view (after a sync):
    /// still held (with the minutes left to cancel it), made (the bank makes a held payment at
    /// its hold's end), or cancelled.
    async fn held_payment(&mut self, key: &str) -> Result<Input, AssistantError> {
        let attempts = self.client.payments().attempts().await?;
        let id = attempts
            .into_iter()
            .find(|attempt| attempt.idempotency_key == key)
            .and_then(|attempt| attempt.payment_id);
        let payments = self.client.view().payments().await?;
        let payment = payments
            .iter()
            .find(|payment| Some(&payment.item.id) == id.as_ref())
            .map(|payment| &payment.item);
        self.held = None;
        Ok(match payment {
            Some(payment) if payment.status == payment_status::CANCELLED => Input::PaymentRefused {
                reason: self.reason("cancelled")?,
            },
            // Made: its hold over by the bank's word, never by this phone's clock (a clock
            // ahead would take her time to cancel away).
            Some(payment) if payment.status == payment_status::EXECUTED => Input::PaymentDone {
                held_for_minutes: None,
            },
            held => {
                self.held = id;
                Input::PaymentDone {
                    held_for_minutes: Some(held.map_or(0, |held| self.minutes_held(held))),
                }
            }
        })
    }

    /// How many more whole minutes the bank holds a payment, as said to the customer: never
    /// more than its hold by the bank's own times (a device clock behind the bank's would
    /// stretch it), less what has passed since, rounded down — the customer is never told of
    /// time to cancel that is not there; 0 when under a minute is left or the bank gave no
    /// end (said as "a short while").
    fn minutes_held(&self, payment: &PaymentDto) -> u32 {
        let Some(until) = payment.hold_until else {
            return 0;
        };
        let left = (until - payment.created_at).min(until - self.now());
        u32::try_from(left.num_minutes().max(0)).unwrap_or(u32::MAX)
    }

    /// Asks the bank to cancel the payment it holds, and says what the bank did: cancelled,
    /// or not — by the payment's state once asked again, whenever the bank refused or did not
    /// answer: a payment cancelled in another channel is refused here, yet the money stayed.
    async fn cancel_held(&mut self) -> Result<Input, AssistantError> {
        let Some(payment) = self.held.clone() else {
            return Ok(Input::CancelRefused {
                reason: self.reason("not_found")?,
                still_held: false,
            });
        };
        let (refused, answered) = match self.client.payments().cancel(&payment).await {
            Ok(PaymentOutcome::Cancelled(_)) => (None, true),
            Ok(PaymentOutcome::Refused { code }) => (Some(code), true),
            other => {
                if let Err(error) = &other {
                    tracing::warn!(%error, "no answer to a cancellation");
                }
                (None, false)
            }
        };
        let input = if answered && refused.is_none() {
            Input::PaymentCancelled
        } else {
            // Whatever the bank said last about the payment, once asked again.
            let _ = self.client.sync().sync_now().await;
            let known = self.client.view().payments().await?;
            let status = known
                .iter()
                .find(|p| p.item.id == payment)
                .map(|p| p.item.status.clone());
            match (status.as_deref(), refused) {
                (Some(payment_status::CANCELLED), _) => Input::PaymentCancelled,
                (Some(payment_status::EXECUTED), code) => Input::CancelRefused {
                    reason: self.reason(code.as_deref().unwrap_or("not_cancellable"))?,
                    still_held: false,
                },
                (_, Some(code)) => Input::CancelRefused {
                    reason: self.reason(&code)?,
                    still_held: true,
                },
                (_, None) => Input::CancelUnknown,
            }
        };
        if matches!(
            input,
            Input::PaymentCancelled
                | Input::CancelRefused {
                    still_held: false,
                    ..
                }
        ) {
            self.held = None;
        }
        self.refresh_facts().await?;
        Ok(input)
    }

    /// Queues a card action and says where it stands: with the bank, queued on the device, or
    /// refused.
    async fn card_action(&mut self, card: Id<Card>, lock: bool) -> Result<Input, AssistantError> {
        let actions = self.client.actions();
        if lock {
            actions.lock_card(&card).await?;
        } else if let Err(error) = actions.unlock_card(&card).await {
            // An unlock needs the bank now (its step-up proof is for the bank's fresh
            // challenge): not sent is said as such, a step-up the signer refused as refused.
            let outcome = match error {
                ClientError::Sync(SyncError::Net(error)) if error.is_transient() => {
                    ActionOutcome::NotSent
                }
                ClientError::Sync(SyncError::Net(NetError::Signer(SignerError::KeyLost))) => {
                    ActionOutcome::Refused {
                        reason: self.reason("device_key_lost")?,
                    }
                }
                ClientError::Sync(SyncError::Net(NetError::Signer(_))) => ActionOutcome::Refused {
                    reason: self.reason("step_up_cancelled")?,
                },
                ClientError::Sync(SyncError::Net(NetError::Refused { code, .. })) => {
                    ActionOutcome::Refused {
                        reason: self.reason(&code)?,
                    }
                }
                other => return Err(other.into()),
            };
            return Ok(Input::CardActionDone {
                card,
                lock,
                outcome,
            });
        }
        let outbox = self.client.sync().outbox().await?;
        let entry = outbox.iter().rev().find(|entry| {
            entry.item.action.kind()
                == if lock {
                    ActionKind::LockCard
                } else {
                    ActionKind::UnlockCard
                }
                && entry.item.action.target() == card.as_str()
        });
        // Only the newest request for a card is told later: an earlier one is superseded.
        self.card_actions_awaited
            .retain(|(_, awaited, _)| *awaited != card);
        let outcome = match entry.map(|entry| (entry.state.as_str(), &entry.item.last_error)) {
            Some(("acked", _)) => ActionOutcome::Done,
            Some(("failed", reason)) => ActionOutcome::Refused {
                reason: self.reason(reason.as_deref().unwrap_or("other"))?,
            },
            // Waiting: queued when no request for this card can have reached the bank (none
            // was sent, or the bank could not be reached); unconfirmed when one was sent, this
            // one or an earlier one still waiting, and its answer was lost or the bank was busy
            // — the bank may already have acted on it.
            Some(_) => {
                let offline = NetError::Offline.to_string();
                let reached = outbox.iter().any(|other| {
                    other.state == "pending"
                        && matches!(&other.item.action,
                            Action::LockCard(id) | Action::UnlockCard(id, _) if *id == card)
                        && other
                            .item
                            .last_error
                            .as_ref()
                            .is_some_and(|error| *error != offline)
                });
                if reached {
                    ActionOutcome::Unconfirmed
                } else {
                    ActionOutcome::Queued
                }
            }
            None => ActionOutcome::Queued,
        };
        if matches!(outcome, ActionOutcome::Queued | ActionOutcome::Unconfirmed)
            && let Some(entry) = entry
        {
            self.card_actions_awaited.push((
                entry.item.idempotency_key.clone(),
                card.clone(),
                lock,
            ));
        }
        self.refresh_facts().await?;
        Ok(Input::CardActionDone {
            card,
            lock,
            outcome,
        })
    }

    /// The card actions an earlier conversation said were waiting and did not tell the
    /// answer of, with the card and lock or unlock their outbox entry asks for.
    async fn card_actions_awaited_kept(
        &self,
    ) -> Result<Vec<(String, Id<Card>, bool)>, AssistantError> {
        let kept = self
            .client
            .store()
            .sync_value(keys::CARD_ACTIONS_AWAITED)
            .await
            .map_err(ClientError::from)?;
        let Some(kept) = kept else {
            return Ok(Vec::new());
        };
        let keys: Vec<String> = serde_json::from_str(&kept).unwrap_or_else(|error| {
            tracing::warn!(%error, "the card actions awaited could not be read");
            Vec::new()
        });
        let outbox = self.client.sync().outbox().await?;
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                let entry = outbox
                    .iter()
                    .find(|entry| entry.item.idempotency_key == key)?;
                match &entry.item.action {
                    Action::LockCard(card) => Some((key, card.clone(), true)),
                    Action::UnlockCard(card, _) => Some((key, card.clone(), false)),
                    _ => None,
                }
            })
            .collect())
    }

    /// Keeps the card actions awaited for the next conversation. A failure is logged: at worst
    /// an answer is not told, as before they were kept.
    async fn keep_card_actions_awaited(&self) {
        let keys: Vec<&str> = self
            .card_actions_awaited
            .iter()
            .map(|(key, _, _)| key.as_str())
            .collect();
        let json = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".to_owned());
        if let Err(error) = self
            .client
            .store()
            .set_sync_value(keys::CARD_ACTIONS_AWAITED, &json)
            .await
        {
            tracing::warn!(%error, "the card actions awaited were not kept");
        }
    }

    /// The card actions said as waiting that the bank has since answered (acknowledged or
    /// refused), as the dialogue's inputs; those still waiting stay awaited. An answer is told
    /// only while no later request for the same card followed it.
    async fn card_actions_answered(&mut self) -> Result<Vec<Input>, AssistantError> {
        if self.card_actions_awaited.is_empty() {
            return Ok(Vec::new());
        }
        let outbox = self.client.sync().outbox().await?;
        let mut answered = Vec::new();
        let mut still = Vec::new();
        for (key, card, lock) in std::mem::take(&mut self.card_actions_awaited) {
            let Some(at) = outbox
                .iter()
                .position(|entry| entry.item.idempotency_key == key)
            else {
                continue;
            };
            let later_for_card = outbox[at + 1..].iter().any(|entry| {
                matches!(&entry.item.action,
                    Action::LockCard(id) | Action::UnlockCard(id, _) if *id == card)
            });
            let entry = &outbox[at];
            let outcome = match entry.state.as_str() {
                _ if later_for_card => continue,
                "acked" => ActionOutcome::Done,
                "failed" => ActionOutcome::Refused {
                    reason: self.reason(entry.item.last_error.as_deref().unwrap_or("other"))?,
                },
                "pending" => {
                    still.push((key, card, lock));
                    continue;
                }
                _ => continue,
            };
            answered.push(Input::CardActionDone {
                card,
                lock,
                outcome,
            });
        }
        self.card_actions_awaited = still;
        Ok(answered)
    }

    /// The customer's world for understanding, from the view.
    async fn world(&self) -> Result<World, AssistantError> {
        let today = self.today();
        let view = self.client.view().current(today).await?;
        let mut world = World::for_view(&self.banking, self.locale, today, &view);
        if let Some(currency) = self.dialogue.amount_currency() {
            world.currency = currency;
        }
        Ok(world)
    }

    /// What the dialogue knows, from the view: after any change the bank made.
    async fn refresh_facts(&mut self) -> Result<(), AssistantError> {
        let view = self.client.view().current(self.today()).await?;
        self.update_facts(&view).await
    }

    /// [`Self::refresh_facts`], with the view already read.
    async fn update_facts(&mut self, view: &CustomerView) -> Result<(), AssistantError> {
        let now = self.now();
        let paying = paying_account(view).map(|a| a.item.id.clone());
        let history = match paying {
            Some(account) => self
                .client
                .store()
                .transactions_page(&account, None, HISTORY_FOR_FACTS)
                .await
                .map_err(ClientError::from)?,
            None => Vec::new(),
        };
        // Not yet known (nothing asked of the bank since the app started) is not offline: a
        // payment is tried, and one that cannot reach the bank is said as not sent.
        let online = self.client.sync().status().connectivity != Connectivity::Offline;
        let mut facts = Facts::from_view(view, &history, online, now);
        facts.today = Some(self.today());
        // The last time the bank's data was pulled whole (else the newest balance the view has).
        let balances_as_of = self
            .client
            .sync()
            .status()
            .last_synced_at
            .or_else(|| view.accounts.iter().map(|a| a.as_of).max());
        facts.balances_lack_payments = self
            .money_moved_at
            .zip(balances_as_of)
            .is_some_and(|(moved, as_of)| moved > as_of);
        // A balance is as old as the bank's last word on it: the view's oldest item can be a
        // payee unchanged for months, which a delta sync leaves as it was.
        if let Some(as_of) = balances_as_of {
            facts.data_age_minutes = now.signed_duration_since(as_of).num_minutes().max(0);
        }
        self.dialogue.update_facts(facts);
        Ok(())
    }

    /// The start of a local day, in UTC.
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.options.zone.start_of_day(day)
    }

    /// `[from, to]` in local days as `[start, end)` in UTC.
    fn span(&self, (from, to): (NaiveDate, NaiveDate)) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = to.succ_opt().unwrap_or(to);
        (self.start_of(from), self.start_of(end))
    }

    /// The transactions asked for, as lines to show and read: of the account named (or all),
    /// of the period named, the last few; asked whether money came in, the last few payments in
    /// from outside (moves between her own accounts left out), among her latest
    /// [`INCOME_SCANNED`] transactions.
    async fn transactions(
        &self,
        query: &TransactionsQuery,
    ) -> Result<Vec<tingshuo_l10n::Utterance>, AssistantError> {
        let count = query
            .count
            .unwrap_or(if query.incoming_only {
                DEFAULT_INCOME
            } else {
                DEFAULT_TRANSACTIONS
            })
            .clamp(1, MAX_TRANSACTIONS);
        let (from, to) = match query.period {
            Some(period) => self.span(period),
            None => (
                DateTime::<Utc>::MIN_UTC,
                self.now() + chrono::Duration::days(1),
            ),
        };
        let limit = if query.incoming_only {
            INCOME_SCANNED
        } else {
            u32::try_from(count).unwrap_or(u32::MAX)
        };
        let picked = query.on != SpentOn::All || query.pending_only;
        let limit = if picked { INCOME_SCANNED } else { limit };
        let mut listed = self
            .client
            .view()
            .transactions(query.account.as_ref(), from, to, limit)
            .await?;
        if picked {
            // Of a kind, or with a name (either way: each line says which), the latest
            // `count` of them.
            let biller = biller_name(&query.on);
            listed.retain(|t| {
                paid_on(&t.item, &query.on, &biller)
                    && (!query.pending_only || t.item.status == TransactionStatus::Pending)
            });
            listed.truncate(count);
        }
        if query.incoming_only {
            let (_, came_in) = external_moves(
                listed.iter().map(|t| &t.item),
                None,
                query.account.is_none(),
            );
            let came_in: std::collections::HashSet<Id<Transaction>> =
                came_in.into_iter().map(|t| t.id.clone()).collect();
            listed.retain(|t| came_in.contains(&t.item.id));
            listed.truncate(count);
        }
        let at = Presentation {
            locale: self.locale,
            now: self.now(),
            zone: self.options.zone.clone(),
        };
        Ok(transaction_lines(&self.l10n, &at, &listed)?)
    }

    /// The customer's cards, unread alerts or appointments, as lines to show and read. Alerts
    /// read out count as read: the bank is told with the next sync round.
    async fn items(
        &self,
        listing: Listing,
    ) -> Result<Vec<tingshuo_l10n::Utterance>, AssistantError> {
        let view = self.client.view().current(self.today()).await?;
        let at = Presentation {
            locale: self.locale,
            now: self.now(),
            zone: self.options.zone.clone(),
        };
        let lines = match listing {
            // Listed by `transactions`, with the customer's query.
            Listing::Transactions | Listing::Income => Vec::new(),
            Listing::Cards => card_lines(&self.l10n, &at, &view.cards)?,
            Listing::Appointments => {
                service_request_lines(&self.l10n, &at, &view.service_requests)?
            }
            Listing::Bills => bill_lines(&self.l10n, &at, &view.upcoming_bills, &view.held_bills)?,
            Listing::Alerts => {
                let lines = alert_lines(&self.l10n, &at, &view.unread_alerts)?;
                for alert in &view.unread_alerts {
                    let read = Action::MarkAlertRead(alert.item.id.clone());
                    if let Err(error) = self.client.actions().queue_for_next_round(read).await {
                        tracing::warn!(%error, "an alert read out was not marked read");
                    }
                }
                lines
            }
        };
        Ok(lines)
    }

    /// What went out over the period asked about (this month when none was said), of the
    /// account named or of all (moves between her own accounts left out), in the paying
    /// account's currency.
    async fn spending(&self, query: &SpendingQuery) -> Result<Input, AssistantError> {
        let today = self.today();
        let period = query
            .period
            .unwrap_or_else(|| (today.with_day(1).unwrap_or(today), today));
        let (from, to) = self.span(period);
        let view = self.client.view().current(today).await?;
        let currency = query
            .account
            .as_ref()
            .and_then(|id| view.accounts.iter().find(|a| a.item.id == *id))
            .or_else(|| paying_account(&view))
            .map(|a| a.item.currency);
        let listed = self
            .client
            .view()
            .transactions(query.account.as_ref(), from, to, MAX_SUMMED + 1)
            .await?;
        if listed.len() > MAX_SUMMED as usize {
            return Err(AssistantError::SpendingUnsummable);
        }
        let mut outgoing = went_out(
            listed.iter().map(|t| &t.item),
            currency,
            query.account.is_none(),
        );
        // Her own words name a shop or person paid, or nothing spending is sorted by.
        let on = match &query.on {
            SpentOn::Words(words) => match self.name_said(words, &outgoing, currency, today).await?
            {
                Some(name) => SpentOn::Named(name),
                None => SpentOn::Unsorted,
            },
            on => on.clone(),
        };
        let biller = biller_name(&on);
        outgoing.retain(|t| paid_on(t, &on, &biller));
        let zero = Money::from_minor(0, currency.unwrap_or(Currency::CNY));
        let sum = |spent: &[&Transaction]| total_out(spent, zero);
        let count = |spent: &[&Transaction]| i64::try_from(spent.len()).unwrap_or(i64::MAX);
        // Money the bank has not booked yet may still change (a hotel's hold, a tip added).
        let pending: Vec<&Transaction> = outgoing
            .iter()
            .copied()
            .filter(|t| t.status == TransactionStatus::Pending)
            .collect();
        Ok(Input::Spent(Spent {
            total: sum(&outgoing)?,
            count: count(&outgoing),
            pending: sum(&pending)?,
            pending_count: count(&pending),
            from: period.0,
            to: period.1,
            on,
        }))
    }

    /// The shop or person her words name ([`name_said`]), among those her money went to over
    /// the period and in the year before today (a name paid only then: nothing went to it in
    /// the period, and that is what is said). Moves between her own accounts are no one's.
    async fn name_said(
        &self,
        words: &str,
        outgoing: &[&Transaction],
        currency: Option<Currency>,
        today: NaiveDate,
    ) -> Result<Option<String>, AssistantError> {
        let year_before = today.checked_sub_months(Months::new(12)).unwrap_or(today);
        let (from, to) = self.span((year_before, today));
        let year = self
            .client
            .view()
            .transactions(None, from, to, MAX_SUMMED)
            .await?;
        let names: Vec<&str> = outgoing
            .iter()
            .copied()
            .chain(went_out(year.iter().map(|t| &t.item), currency, true))
            .map(|t| t.counterparty.reveal().as_str())
            .collect();
        Ok(name_said(words, &names).map(str::to_owned))
    }
}

/// The name a biller's payments carry, compared ([`comparable`]): the biller's name as her
/// data has it, which the understanding named it by.
fn biller_name(on: &SpentOn) -> Option<String> {
    match on {
        SpentOn::Biller { name, .. } => Some(comparable(name)),
        _ => None,
    }
}

/// Whether `t` is of what `on` names: of its category; paid to a biller, the bank naming it
/// in the counterparty perhaps in other letters or with more ("CITY ELECTRIC CO 0042";
/// `biller` from [`biller_name`]); with a shop or person of that name ([`is_named`]);
/// anything, for all of it.
fn paid_on(t: &Transaction, on: &SpentOn, biller: &Option<String>) -> bool {
    match on {
        SpentOn::Category(category) => t.category == *category,
        SpentOn::Biller { .. } => biller.as_ref().is_some_and(|name| {
            !name.is_empty() && comparable(t.counterparty.reveal()).contains(name.as_str())
        }),
        SpentOn::Named(name) => is_named(t.counterparty.reveal(), name),
        SpentOn::All | SpentOn::Words(_) | SpentOn::Unsorted => true,
    }
}

/// The money that went out by `spent` (debits, negative), as a positive total from `zero`:
/// told whole or not at all — past what an amount holds it is a failure, never a smaller sum.
fn total_out(spent: &[&Transaction], zero: Money) -> Result<Money, AssistantError> {
    spent
        .iter()
        .try_fold(zero, |sum, t| sum.checked_sub(*t.amount.reveal()))
        .map_err(|_| AssistantError::SpendingUnsummable)
}

/// The transactions by which money went out, in `currency` (none without one): every
/// outgoing one — but, summed across all her accounts (`across_accounts`), not a move between
/// two of them (an outgoing transfer met by an incoming transfer of the same amount on another
/// of her accounts within a day). Money she moved to her savings did not go out; said of one
/// account, it went out of that one.
fn went_out<'a>(
    transactions: impl Iterator<Item = &'a Transaction>,
    currency: Option<Currency>,
    across_accounts: bool,
) -> Vec<&'a Transaction> {
    match currency {
        Some(_) => external_moves(transactions, currency, across_accounts).0,
        None => Vec::new(),
    }
}

/// The transactions by which money left her and came to her from outside, in `currency` (in
/// any when `None`), in the order given: a move between two of her accounts (paired as
/// [`went_out`] says) is neither.
fn external_moves<'a>(
    transactions: impl Iterator<Item = &'a Transaction>,
    currency: Option<Currency>,
    across_accounts: bool,
) -> (Vec<&'a Transaction>, Vec<&'a Transaction>) {
    let (mut incoming, outgoing): (Vec<&Transaction>, Vec<&Transaction>) = transactions
        .filter(|t| currency.is_none_or(|c| t.amount.reveal().currency() == c))
        .filter(|t| t.amount.reveal().minor() != 0)
        .partition(|t| !t.amount.reveal().is_negative());
    let mut went = Vec::new();
    for spent in outgoing {
        let amount = *spent.amount.reveal();
        // Both sides transfers, in one currency: a pension in and a bill out of the same
        // amount on one day are no move of hers.
        let moved_to_her_own = (across_accounts && spent.category == Category::Transfer)
            .then(|| {
                incoming.iter().position(|received| {
                    received.account_id != spent.account_id
                        && received.category == Category::Transfer
                        && received.amount.reveal().currency() == amount.currency()
                        && received.amount.reveal().minor() == amount.minor().saturating_neg()
                        && (received.occurred_at - spent.occurred_at).num_hours().abs() <= 24
                })
            })
            .flatten();
        match moved_to_her_own {
            Some(at) => {
                // In the order given: the payments in are read newest first.
                incoming.remove(at);
            }
            None => went.push(spent),
        }
    }
    (went, incoming)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingshuo_base::classify::C2;
    use tingshuo_base::model::TransactionStatus;

    fn debit(id: &str, minor: i64) -> Transaction {
        Transaction {
            id: Id::new(id),
            account_id: Id::new("checking"),
            status: TransactionStatus::Booked,
            amount: C2::new(Money::from_minor(minor, Currency::USD)),
            counterparty: C2::new("Shop".to_owned()),
            description: C2::new("Goods".to_owned()),
            category: Category::Shopping,
            occurred_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_total_too_large_for_an_amount_is_a_failure_not_a_smaller_sum() {
        let zero = Money::from_minor(0, Currency::USD);
        let (a, b) = (debit("a", -1_250), debit("b", -750));
        assert_eq!(
            total_out(&[&a, &b], zero).unwrap(),
            Money::from_minor(2_000, Currency::USD)
        );
        let huge = debit("huge", -(i64::MAX / 2 + 10));
        assert!(matches!(
            total_out(&[&huge, &huge], zero),
            Err(AssistantError::SpendingUnsummable)
        ));
    }

    /// Money in from outside, newest first as given: a transfer from her checking to her
    /// savings is neither money out nor money in across her accounts (of the savings alone it
    /// came in); a pension and a payment out of the same amount that day are no such move, nor
    /// are the same digits in another currency.
    #[test]
    fn money_in_is_what_came_from_outside_in_the_order_given() {
        let transfer = |id: &str, account: &str, minor: i64| {
            let mut t = debit(id, minor);
            t.account_id = Id::new(account);
            t.category = Category::Transfer;
            t
        };
        let mut pension = debit("pension", 180_000);
        pension.category = Category::Income;
        let mut rent = debit("rent", -180_000);
        rent.account_id = Id::new("savings");
        let to_savings = transfer("to-savings", "checking", -50_000);
        let into_savings = transfer("into-savings", "savings", 50_000);
        let mut in_yuan = transfer("in-yuan", "savings", 50_000);
        in_yuan.amount = C2::new(Money::from_minor(50_000, Currency::CNY));
        let refund = debit("refund", 1_999);
        let gift = debit("gift", 2_000);
        let shop = debit("shop", -2_500);
        let newest_first = [
            &refund,
            &in_yuan,
            &into_savings,
            &gift,
            &shop,
            &to_savings,
            &rent,
            &pension,
        ];
        let ids = |moved: &[&Transaction]| -> Vec<String> {
            moved.iter().map(|t| t.id.as_str().to_owned()).collect()
        };
        let (went, came) = external_moves(newest_first.into_iter(), None, true);
        assert_eq!(ids(&went), ["shop", "rent"]);
        assert_eq!(ids(&came), ["refund", "in-yuan", "gift", "pension"]);
        let (_, came) = external_moves(newest_first.into_iter(), None, false);
        assert_eq!(
            ids(&came),
            ["refund", "in-yuan", "into-savings", "gift", "pension"]
        );
        assert!(went_out(newest_first.into_iter(), None, true).is_empty());
    }
}
