//! Localization: every sentence the customer sees or hears comes from `locales/<locale>/*.ftl`.
//!
//! A message is rendered twice into an [`Utterance`]: a **display** form (digits, currency
//! symbols, masked numbers) and a **speech** form (amounts and card endings in words) that a
//! speech engine reads naturally. The `.ftl` files are compiled in, so an app needs no files.

pub mod present;
mod reply;
pub mod spellout;

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use reply::{Choice, Reply, ReplyArg};
use tingshuo_base::classify::{AccountNumber, CardNumber, IdNumber, PhoneNumber};
use tingshuo_base::consent::Purpose;
pub use tingshuo_base::locale::{Locale, UnknownLocale};
use tingshuo_base::money::Money;
use tingshuo_base::zone::CustomerZone;

/// Lists every `.ftl` file once for each locale, so a new file cannot be added to one
/// locale and forgotten in the other (each packed by `build.rs`, which lists them alike).
macro_rules! sources {
    ($($file:literal),+ $(,)?) => {
        &[
            $((Locale::ZhCn, $file, include_bytes!(concat!(env!("OUT_DIR"), "/zh-CN/", $file, ".zlib"))),)+
            $((Locale::EnUs, $file, include_bytes!(concat!(env!("OUT_DIR"), "/en-US/", $file, ".zlib"))),)+
        ]
    };
}

/// Minutes in a day, for ages said in days.
const MINUTES_A_DAY: i64 = 24 * 60;

/// The `.ftl` sources of each locale, packed at build time (`harness.ftl`: the desktop
/// harness's test page, a few kilobytes kept here so one test checks every locale's messages).
const PACKED: &[(Locale, &str, &[u8])] = sources!(
    "common.ftl",
    "view.ftl",
    "dialogue.ftl",
    "consent.ftl",
    "harness.ftl"
);

/// The same, unpacked at first use.
static SOURCES: std::sync::LazyLock<Vec<(Locale, &str, String)>> = std::sync::LazyLock::new(|| {
    PACKED
        .iter()
        .map(|(locale, file, packed)| (*locale, *file, tingshuo_base::packed::unpack(packed)))
        .collect()
});

/// The `.ftl` sources of a locale: (file name, text).
pub fn sources(locale: Locale) -> impl Iterator<Item = (&'static str, &'static str)> {
    SOURCES
        .iter()
        .filter(move |(of, _, _)| *of == locale)
        .map(|(_, file, text)| (*file, text.as_str()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L10nError {
    #[error(transparent)]
    UnknownLocale(#[from] UnknownLocale),
    #[error("message {id} is missing in {locale}")]
    MissingMessage { locale: Locale, id: String },
    #[error("message {id} in {locale} failed to format: {detail}")]
    Format {
        locale: Locale,
        id: String,
        detail: String,
    },
    #[error("{file} in {locale} does not parse: {detail}")]
    Syntax {
        locale: Locale,
        file: &'static str,
        detail: String,
    },
}

/// Which rendering of a message is being made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Display,
    Speech,
}

/// One reply or line: what is shown and what is spoken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub display: String,
    pub speech: String,
}

/// A message argument: text, or a number (numbers drive plural and other selectors).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}

pub type Args = Vec<(&'static str, Arg)>;

/// What the app shows (and its screen reader reads) to ask for the customer's consent to one
/// purpose, with the version of that wording to record beside her decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentWording {
    pub purpose: Purpose,
    pub title: String,
    pub body: String,
    pub agree: String,
    pub decline: String,
    /// A digest of the purpose's title and body in every locale: a decision recorded under
    /// another version was made on other words, and she is asked again.
    pub version: u32,
}

/// The message bundles of every locale.
pub struct Localizer {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Localizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Localizer")
            .field("locales", &Locale::ALL)
            .finish()
    }
}

impl Localizer {
    /// Parses the embedded `.ftl` sources of every locale.
    pub fn new() -> Result<Localizer, L10nError> {
        let mut bundles = Vec::new();
        for locale in Locale::ALL {
            let langid: LanguageIdentifier = locale
                .tag()
                .parse()
                .map_err(|_| UnknownLocale(locale.tag().to_owned()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Bidi isolation marks are invisible on screen but are read aloud or shown as
            // boxes by some speech engines and terminals.
            bundle.set_use_isolating(false);
            for (file, text) in sources(locale) {
                let resource =
                    FluentResource::try_new(text.to_owned()).map_err(|(_, errors)| {
                        L10nError::Syntax {
                            locale,
                            file,
                            detail: format!("{errors:?}"),
                        }
                    })?;
                bundle
                    .add_resource(resource)
                    .map_err(|errors| L10nError::Syntax {
                        locale,
                        file,
                        detail: format!("{errors:?}"),
                    })?;
            }
            bundles.push((locale, bundle));
        }
        Ok(Localizer { bundles })
    }

    fn bundle(&self, locale: Locale) -> Result<&FluentBundle<FluentResource>, L10nError> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, b)| b)
            .ok_or_else(|| UnknownLocale(locale.tag().to_owned()).into())
    }

    /// Formats one message. Any formatting problem (a missing variable, a missing message) is
    /// an error, so tests catch it rather than the customer hearing "{$amount}".
    pub fn format(
        &self,
        locale: Locale,
        id: &str,
        args: &[(&str, Arg)],
    ) -> Result<String, L10nError> {
        let bundle = self.bundle(locale)?;
        let pattern = bundle
            .get_message(id)
            .and_then(|m| m.value())
            .ok_or_else(|| L10nError::MissingMessage {
                locale,
                id: id.to_owned(),
            })?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(L10nError::Format {
                locale,
                id: id.to_owned(),
                detail: format!("{errors:?}"),
            })
        }
    }

    /// Renders a message in both forms; `args` builds the arguments for each form.
    pub fn utter(
        &self,
        locale: Locale,
        id: &str,
        args: impl Fn(Form) -> Result<Args, L10nError>,
    ) -> Result<Utterance, L10nError> {
        Ok(Utterance {
            display: self.format(locale, id, &args(Form::Display)?)?,
            speech: self.format(locale, id, &args(Form::Speech)?)?,
        })
    }

    /// Money in the given form: "¥1,234.50" or "一千二百三十四元五角".
    pub fn money(&self, locale: Locale, form: Form, money: Money) -> String {
        match form {
            Form::Display => spellout::money_display(locale, money),
            Form::Speech => spellout::money_words(locale, money),
        }
    }

    /// A count in the given form: "10" or "十" / "ten".
    pub fn count(&self, locale: Locale, form: Form, n: u64) -> String {
        match form {
            Form::Display => n.to_string(),
            // Before a measure word Mandarin says 两, not 二: 两天, 两千条.
            Form::Speech => spellout::quantity_words(locale, n),
        }
    }

    fn last_four(&self, locale: Locale, form: Form, last4: &str) -> Result<String, L10nError> {
        let digits = match form {
            Form::Display => last4.to_owned(),
            Form::Speech => spellout::digit_words(locale, last4),
        };
        self.format(locale, "masked-ending", &[("last4", Arg::Text(digits))])
    }

    /// "尾号6217" / "ending in 6217"; spoken digit by digit.
    pub fn masked_account(
        &self,
        locale: Locale,
        form: Form,
        number: &AccountNumber,
    ) -> Result<String, L10nError> {
        self.last_four(locale, form, number.last_four())
    }

    pub fn masked_card(
        &self,
        locale: Locale,
        form: Form,
        number: &CardNumber,
    ) -> Result<String, L10nError> {
        self.last_four(locale, form, number.last_four())
    }

    /// Phone numbers: 3 + 4 on screen ("138****5678"), the ending when spoken.
    pub fn masked_phone(
        &self,
        locale: Locale,
        form: Form,
        phone: &PhoneNumber,
    ) -> Result<String, L10nError> {
        match form {
            Form::Display => Ok(phone.masked()),
            Form::Speech => self.last_four(locale, form, phone.last_four()),
        }
    }

    /// ID numbers: first and last character only ("1****************7").
    pub fn masked_id_number(
        &self,
        locale: Locale,
        form: Form,
        id: &IdNumber,
    ) -> Result<String, L10nError> {
        match form {
            Form::Display => Ok(id.masked()),
            Form::Speech => {
                let (first, last, _) = id.masked_parts();
                self.format(
                    locale,
                    "masked-id-number",
                    &[
                        ("first", Arg::Text(spellout::digit_words(locale, &first))),
                        ("last", Arg::Text(spellout::digit_words(locale, &last))),
                    ],
                )
            }
        }
    }

    /// "11月27日" / "November 27".
    pub fn date(&self, locale: Locale, date: NaiveDate) -> Result<String, L10nError> {
        self.format(
            locale,
            "date-month-day",
            &[
                ("month", Arg::Number(i64::from(date.month()))),
                ("day", Arg::Number(i64::from(date.day()))),
            ],
        )
    }

    /// A date with its year: "2027年5月15日" / "May 15, 2027".
    pub fn date_with_year(&self, locale: Locale, date: NaiveDate) -> Result<String, L10nError> {
        self.format(
            locale,
            "date-year-month-day",
            &[
                // Text, not a number: a year is never grouped ("2,027").
                ("year", Arg::Text(date.year().to_string())),
                ("month", Arg::Number(i64::from(date.month()))),
                ("day", Arg::Number(i64::from(date.day()))),
            ],
        )
    }

    /// A date and time in the customer's offset: "12月3日 上午10:00" / "December 3, 10:00 AM".
    pub fn date_time(
        &self,
        locale: Locale,
        at: DateTime<Utc>,
        zone: &CustomerZone,
    ) -> Result<String, L10nError> {
        let local = zone.wall_time(at);
        let (pm, hour12) = local.hour12();
        let time = self.format(
            locale,
            "time-of-day",
            &[
                ("hour12", Arg::Number(i64::from(hour12))),
                ("minute", Arg::Text(format!("{:02}", local.minute()))),
                ("pm", Arg::Text(if pm { "yes" } else { "no" }.to_owned())),
            ],
        )?;
        let date = self.date(locale, local.date())?;
        self.format(
            locale,
            "date-and-time",
            &[("date", Arg::Text(date)), ("time", Arg::Text(time))],
        )
    }

    /// How old a value is: "刚刚" / "just now", "十分钟前" / "ten minutes ago", then the date.
    pub fn freshness(
        &self,
        locale: Locale,
        form: Form,
        as_of: DateTime<Utc>,
        now: DateTime<Utc>,
        zone: &CustomerZone,
    ) -> Result<String, L10nError> {
        let minutes = now.signed_duration_since(as_of).num_minutes();
        if minutes < 7 * MINUTES_A_DAY {
            self.age(locale, form, minutes)
        } else {
            let date = self.date(locale, zone.date_of(as_of))?;
            self.format(locale, "freshness-on-date", &[("date", Arg::Text(date))])
        }
    }

    /// How long ago something was, in the largest whole unit: "just now", "5 minutes ago",
    /// "3 hours ago", "2 days ago" (never "4320 minutes ago").
    pub fn age(&self, locale: Locale, form: Form, minutes: i64) -> Result<String, L10nError> {
        let counted = |id: &str, count: i64| {
            let n = self.count(locale, form, count.unsigned_abs());
            self.format(
                locale,
                id,
                &[("count", Arg::Number(count)), ("n", Arg::Text(n))],
            )
        };
        if minutes < 1 {
            self.format(locale, "freshness-just-now", &[])
        } else if minutes < 60 {
            counted("freshness-minutes-ago", minutes)
        } else if minutes < MINUTES_A_DAY {
            counted("freshness-hours-ago", minutes / 60)
        } else {
            counted("freshness-days-ago", minutes / MINUTES_A_DAY)
        }
    }

    /// Renders a dialogue reply in both forms: amounts in words for speech, account numbers
    /// only as their masked ending.
    pub fn reply(&self, locale: Locale, reply: &Reply) -> Result<Utterance, L10nError> {
        self.utter(locale, reply.id, |form| {
            reply
                .args
                .iter()
                .map(|(name, value)| {
                    Ok((
                        *name,
                        match value {
                            ReplyArg::Text(text) => Arg::Text(text.clone()),
                            ReplyArg::Money(money) => Arg::Text(self.money(locale, form, *money)),
                            ReplyArg::Masked(last_four) => {
                                Arg::Text(self.last_four(locale, form, last_four)?)
                            }
                            ReplyArg::Count(n) => Arg::Number(*n),
                            ReplyArg::Age(minutes) => Arg::Text(self.age(locale, form, *minutes)?),
                            ReplyArg::Date(date) => Arg::Text(self.date(locale, *date)?),
                            ReplyArg::DateWithYear(date) => {
                                Arg::Text(self.date_with_year(locale, *date)?)
                            }
                            ReplyArg::Choices(choices) | ReplyArg::Names(choices) => {
                                let names = choices
                                    .iter()
                                    .map(|choice| self.choice(locale, form, choice))
                                    .collect::<Result<Vec<_>, _>>()?;
                                let last_joined_by = match value {
                                    ReplyArg::Choices(_) => "list-or",
                                    _ => "list-and",
                                };
                                Arg::Text(self.join_last_by(locale, &names, last_joined_by)?)
                            }
                        },
                    ))
                })
                .collect()
        })
    }

    /// One choice as a question offers it: its name, with the masked ending when it has one.
    fn choice(&self, locale: Locale, form: Form, choice: &Choice) -> Result<String, L10nError> {
        match &choice.ending {
            None => Ok(choice.name.clone()),
            Some(ending) => self.format(
                locale,
                "choice-with-ending",
                &[
                    ("name", Arg::Text(choice.name.clone())),
                    ("masked", Arg::Text(self.last_four(locale, form, ending)?)),
                ],
            ),
        }
    }

    /// Joins names with the list separator, the last by the message `last_joined_by`: as a
    /// question offers them (`list-or`: "李伟还是李维", "A, B or C") or as a list says them
    /// (`list-and`: "A, B and C", "A、B和C").
    fn join_last_by(
        &self,
        locale: Locale,
        names: &[String],
        last_joined_by: &str,
    ) -> Result<String, L10nError> {
        let joiner = self.format(locale, last_joined_by, &[])?;
        Ok(match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("{}{joiner}{last}", self.join_list(locale, rest)?)
            }
            _ => names.concat(),
        })
    }

    /// The words that ask for consent to `purpose`, in `locale`.
    pub fn consent_wording(
        &self,
        locale: Locale,
        purpose: Purpose,
    ) -> Result<ConsentWording, L10nError> {
        let (title_id, body_id) = match purpose {
            Purpose::VoiceRecognition => (
                "consent-voice-recognition-title",
                "consent-voice-recognition-body",
            ),
        };
        // FNV-1a: stable across builds and platforms, unlike the standard library's hasher;
        // over the words alone (a line wrapped otherwise in the .ftl file asks nobody again).
        let mut version: u32 = 0x811c_9dc5;
        for of in Locale::ALL {
            for id in [title_id, body_id] {
                let text = self.format(of, id, &[])?;
                let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
                for byte in words.bytes().chain([0]) {
                    version = (version ^ u32::from(byte)).wrapping_mul(0x0100_0193);
                }
            }
        }
        Ok(ConsentWording {
            purpose,
            title: self.format(locale, title_id, &[])?,
            body: self.format(locale, body_id, &[])?,
            agree: self.format(locale, "consent-agree", &[])?,
            decline: self.format(locale, "consent-decline", &[])?,
            version,
        })
    }

    /// Joins items with the locale's list separator ("、" / ", ").
    pub fn join_list(&self, locale: Locale, items: &[String]) -> Result<String, L10nError> {
        let separator = self.format(locale, "list-separator", &[])?;
        Ok(items.join(&separator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};
    use tingshuo_base::money::Currency;

    /// Voice recognition's consent wording, as of its last change.
    const VOICE_RECOGNITION_WORDING: u32 = 2_595_699_978;

    /// The version recorded with a decision changes only when the words do, and then on
    /// purpose: changing a consent screen's title or body means updating this value, which
    /// asks every customer again.
    #[test]
    fn the_consent_wording_version_is_pinned() {
        let l10n = Localizer::new().unwrap_or_else(|e| panic!("{e}"));
        let versions: Vec<u32> = Locale::ALL
            .iter()
            .map(|locale| {
                l10n.consent_wording(*locale, Purpose::VoiceRecognition)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .version
            })
            .collect();
        assert_eq!(versions, [VOICE_RECOGNITION_WORDING; 2]);
    }

    #[test]
    fn masked_forms_per_locale() {
        let l10n = Localizer::new().unwrap();
        let number = AccountNumber::new("6222020200116217");
        assert_eq!(
            l10n.masked_account(Locale::ZhCn, Form::Display, &number)
                .unwrap(),
            "尾号6217"
        );
        assert_eq!(
            l10n.masked_account(Locale::ZhCn, Form::Speech, &number)
                .unwrap(),
            "尾号六二一七"
        );
        assert_eq!(
            l10n.masked_account(Locale::EnUs, Form::Display, &number)
                .unwrap(),
            "ending in 6217"
        );
        assert_eq!(
            l10n.masked_account(Locale::EnUs, Form::Speech, &number)
                .unwrap(),
            "ending in six two one seven"
        );
        let phone = PhoneNumber::new("13812345678");
        assert_eq!(
            l10n.masked_phone(Locale::ZhCn, Form::Display, &phone)
                .unwrap(),
            "138****5678"
        );
        assert_eq!(
            l10n.masked_phone(Locale::EnUs, Form::Speech, &phone)
                .unwrap(),
            "ending in five six seven eight"
        );
        let id = IdNumber::new("110101194811207723");
        assert_eq!(
            l10n.masked_id_number(Locale::ZhCn, Form::Display, &id)
                .unwrap(),
            "1****************3"
        );
        let spoken = l10n
            .masked_id_number(Locale::EnUs, Form::Speech, &id)
            .unwrap();
        assert!(
            spoken.contains("one") && spoken.contains("three") && !spoken.contains("7723"),
            "{spoken}"
        );
    }

    #[test]
    fn relative_times() {
        let l10n = Localizer::new().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let offset = FixedOffset::east_opt(8 * 3600).unwrap();
        let ago = |minutes, locale, form| {
            l10n.freshness(
                locale,
                form,
                now - chrono::Duration::minutes(minutes),
                now,
                &offset.into(),
            )
            .unwrap()
        };
        assert_eq!(ago(10, Locale::ZhCn, Form::Speech), "十分钟前");
        assert_eq!(ago(10, Locale::ZhCn, Form::Display), "10分钟前");
        assert_eq!(ago(10, Locale::EnUs, Form::Speech), "ten minutes ago");
        assert_eq!(ago(1, Locale::EnUs, Form::Speech), "one minute ago");
        assert_eq!(ago(0, Locale::EnUs, Form::Display), "just now");
        assert_eq!(ago(180, Locale::EnUs, Form::Display), "3 hours ago");
        assert_eq!(ago(60 * 24 * 2, Locale::ZhCn, Form::Speech), "两天前");
        assert_eq!(
            ago(60 * 24 * 30, Locale::EnUs, Form::Display),
            "on October 28"
        );
        assert_eq!(ago(60 * 24 * 30, Locale::ZhCn, Form::Display), "10月28日");
        // A clock running behind the server's does not produce "minus five minutes ago".
        assert_eq!(ago(-5, Locale::EnUs, Form::Display), "just now");
    }

    #[test]
    fn dates_and_times() {
        let l10n = Localizer::new().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(
            l10n.date_time(Locale::ZhCn, at, &beijing.into()).unwrap(),
            "12月3日 上午10:00"
        );
        let new_york = FixedOffset::west_opt(5 * 3600).unwrap();
        assert_eq!(
            l10n.date_time(Locale::EnUs, at, &new_york.into()).unwrap(),
            "December 2, 9:00 PM"
        );
    }

    #[test]
    fn money_forms() {
        let l10n = Localizer::new().unwrap();
        let amount = Money::from_minor(123_450, Currency::CNY);
        assert_eq!(l10n.money(Locale::ZhCn, Form::Display, amount), "¥1,234.50");
        assert_eq!(
            l10n.money(Locale::ZhCn, Form::Speech, amount),
            "一千二百三十四元五角"
        );
    }
}
