//! Scam cues in what the customer said: pressure ("急", "it's urgent"), secrecy ("别告诉我儿子",
//! "keep this secret") and the scripts scammers use (公检法, 安全账户, 冒充客服退款, 刷单; the
//! IRS, gift cards, a grandchild in jail, crypto investment). Read as words — "first" holds no
//! "IRS" — and with negation: "不急" and "no rush" are no pressure.

use tingshuo_base::locale::Locale;

use crate::context::tokenize;

/// Pressure and secrecy phrases ("急", "别告诉我儿子", "it's urgent", "keep this secret"): they
/// do not change what is asked, so matching ignores them, but the dialogue hears them in the
/// raw words and warns about a possible scam.
pub const PRESSURE: &[&str] = &[
    "急用",
    "急",
    "马上",
    "赶紧",
    "别告诉",
    "不要告诉",
    "保密",
    "别跟",
    "不要跟",
    "it's urgent",
    "its urgent",
    "urgent",
    "right now",
    "immediately",
    "keep this secret",
    "keep it secret",
    "don't tell",
    "dont tell",
];

/// What kind of cue a phrase is: hurry, secrecy, or one of the stories scammers tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CueKind {
    /// Hurry: a scammer's pressure.
    Pressure,
    /// Keep it from the family.
    Secrecy,
    /// A "safe account" to move the money to (named first: it is the story's demand).
    SafeAccount,
    /// The police, a court, a prosecutor or the tax office asking for money (公检法, the IRS).
    Authority,
    /// Customer service, a refund or tech support that first wants money.
    Refund,
    /// Paid tasks, order brushing (刷单).
    Task,
    /// A prize, a lottery or a deposit to release it.
    Prize,
    /// A verification code someone asks for.
    Code,
    /// Gift cards as payment.
    GiftCards,
    /// A family member in jail or in trouble.
    FamilyEmergency,
    /// Crypto or an investment that promises returns.
    Investment,
}

impl CueKind {
    /// A story scammers tell, rather than pressure or secrecy.
    pub fn is_script(self) -> bool {
        !matches!(self, CueKind::Pressure | CueKind::Secrecy)
    }

    /// The name the locale files select on (`dlg-scam-cue`).
    pub fn name(self) -> &'static str {
        match self {
            CueKind::Pressure => "pressure",
            CueKind::Secrecy => "secrecy",
            CueKind::Authority => "authority",
            CueKind::SafeAccount => "safe_account",
            CueKind::Refund => "refund",
            CueKind::Task => "task",
            CueKind::Prize => "prize",
            CueKind::Code => "code",
            CueKind::GiftCards => "gift_cards",
            CueKind::FamilyEmergency => "family_emergency",
            CueKind::Investment => "investment",
        }
    }
}

/// A cue heard, with the words that carried it (as the warning names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub kind: CueKind,
    pub phrase: &'static str,
}

impl Cue {
    /// Of the cues heard, the one a warning names: a scammer's story before secrecy, secrecy
    /// before hurry.
    pub fn strongest(cues: &[Cue]) -> Option<Cue> {
        cues.iter().copied().max_by_key(|cue| {
            (
                cue.kind.is_script(),
                cue.kind == CueKind::Secrecy,
                std::cmp::Reverse(cue.kind),
            )
        })
    }
}

const ZH_CUES: &[(CueKind, &[&str])] = &[
    (
        CueKind::Pressure,
        &["急用", "着急", "急", "马上", "赶紧", "立刻", "快点"],
    ),
    (
        CueKind::Secrecy,
        &["别告诉", "不要告诉", "保密", "别跟", "不要跟", "别让"],
    ),
    (CueKind::SafeAccount, &["安全账户"]),
    (
        CueKind::Authority,
        &[
            "公检法",
            "警察",
            "公安",
            "法院",
            "检察院",
            "洗钱",
            "涉嫌",
            "通缉",
            "逮捕",
        ],
    ),
    (CueKind::Refund, &["冒充客服", "客服", "退款", "理赔"]),
    (CueKind::Task, &["刷单", "返利", "做任务"]),
    (CueKind::Prize, &["中奖", "保证金", "手续费"]),
    (CueKind::Code, &["验证码"]),
    (CueKind::FamilyEmergency, &["派出所", "出事了", "住院"]),
    (
        CueKind::Investment,
        &["投资", "理财群", "虚拟币", "比特币", "高回报"],
    ),
];

const EN_CUES: &[(CueKind, &[&str])] = &[
    (
        CueKind::Pressure,
        &[
            "it's urgent",
            "its urgent",
            "urgent",
            "right now",
            "immediately",
            "hurry",
            "asap",
        ],
    ),
    (
        CueKind::Secrecy,
        &[
            "keep this secret",
            "keep it secret",
            "keep it quiet",
            "don't tell",
            "dont tell",
            "secret",
        ],
    ),
    (CueKind::SafeAccount, &["safe account", "secure account"]),
    (
        CueKind::Authority,
        &["IRS", "police", "warrant", "sheriff", "Social Security"],
    ),
    (CueKind::Refund, &["tech support", "refund", "Microsoft"]),
    (CueKind::Prize, &["lottery", "sweepstakes", "prize"]),
    (CueKind::Code, &["verification code"]),
    (CueKind::GiftCards, &["gift card", "gift cards"]),
    (
        CueKind::FamilyEmergency,
        &["jail", "bail", "arrested", "hospital"],
    ),
    (CueKind::Investment, &["crypto", "bitcoin", "investment"]),
];

/// Words that deny the pressure after them: "不急", "别着急", "不用马上".
const ZH_NEGATIONS: &[&str] = &["不用", "不必", "不", "别", "没", "无需"];
/// Words that deny the pressure after them: "not urgent", "no rush", "isn't urgent".
const EN_NEGATIONS: &[&str] = &["not", "no", "isn't", "isnt", "wasn't", "never", "without"];

/// The scam cues in `raw`, each once, in the order of the lists.
pub fn scam_cues(locale: Locale, raw: &str) -> Vec<Cue> {
    let lists = match locale {
        Locale::ZhCn => ZH_CUES,
        Locale::EnUs => EN_CUES,
    };
    let lowered = raw.to_lowercase();
    let words: Vec<String> = lowered
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut cues = Vec::new();
    for (kind, phrases) in lists {
        for phrase in *phrases {
            let heard = match locale {
                Locale::ZhCn => zh_heard(&lowered, &phrase.to_lowercase(), *kind),
                Locale::EnUs => en_heard(&words, phrase, *kind),
            };
            if heard && !cues.iter().any(|cue: &Cue| cue.kind == *kind) {
                cues.push(Cue {
                    kind: *kind,
                    phrase,
                });
            }
        }
    }
    cues
}

/// A Mandarin phrase said, and (for pressure) not denied: neither it nor a longer pressure
/// phrase it is part of ("急" in "着急") comes right after a negation ("别着急").
fn zh_heard(text: &str, phrase: &str, kind: CueKind) -> bool {
    let denied = |at: usize| {
        ZH_CUES
            .iter()
            .filter(|(kind, _)| *kind == CueKind::Pressure)
            .flat_map(|(_, phrases)| phrases.iter())
            .filter_map(|longer| longer.find(phrase).map(|inside| (longer, inside)))
            .any(|(longer, inside)| {
                // `get`: a start inside a character is no match, never a panic.
                at.checked_sub(inside).is_some_and(|start| {
                    text.get(start..)
                        .is_some_and(|rest| rest.starts_with(longer))
                        && text.get(..start).is_some_and(|before| {
                            ZH_NEGATIONS.iter().any(|no| before.ends_with(no))
                        })
                })
            })
    };
    text.match_indices(phrase)
        .any(|(at, _)| kind != CueKind::Pressure || !denied(at))
}

/// An English phrase said as whole words, and not denied by one of the two words before it
/// (for pressure).
fn en_heard(words: &[String], phrase: &str, kind: CueKind) -> bool {
    let wanted = tokenize(phrase);
    if wanted.is_empty() || words.len() < wanted.len() {
        return false;
    }
    (0..=words.len() - wanted.len()).any(|at| {
        words[at..at + wanted.len()] == wanted[..]
            && (kind != CueKind::Pressure
                || !words[at.saturating_sub(2)..at]
                    .iter()
                    .any(|w| EN_NEGATIONS.contains(&w.as_str()) || w.ends_with("n't")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(locale: Locale, raw: &str) -> Vec<CueKind> {
        scam_cues(locale, raw).into_iter().map(|c| c.kind).collect()
    }

    #[test]
    fn cues_are_words_and_a_denied_hurry_is_none() {
        use CueKind::*;
        assert_eq!(kinds(Locale::ZhCn, "给李伟转五百，不急"), []);
        assert_eq!(kinds(Locale::ZhCn, "别着急，慢慢来"), []);
        assert_eq!(
            kinds(Locale::ZhCn, "急，给刘芳转五千，别告诉我儿子"),
            [Pressure, Secrecy]
        );
        assert_eq!(
            kinds(Locale::ZhCn, "警察说我的账户有问题，让我转到安全账户"),
            [SafeAccount, Authority]
        );
        assert_eq!(kinds(Locale::ZhCn, "客服说给我退款，要我先转钱"), [Refund]);
        assert_eq!(kinds(Locale::ZhCn, "在家刷单能挣钱，先转一千"), [Task]);
        // Any text at all: no panic, whatever characters come before a cue.
        assert_eq!(kinds(Locale::ZhCn, "éab急"), [Pressure]);
        assert_eq!(kinds(Locale::EnUs, "send fifty dollars to Alice first"), []);
        assert_eq!(kinds(Locale::EnUs, "my stairs need fixing, pay David"), []);
        assert_eq!(kinds(Locale::EnUs, "no rush, it's not urgent"), []);
        assert_eq!(
            kinds(
                Locale::EnUs,
                "the IRS says I owe taxes, pay now, it's urgent"
            ),
            [Pressure, Authority]
        );
        assert_eq!(
            kinds(
                Locale::EnUs,
                "buy gift cards for my grandson in jail, keep it secret"
            ),
            [Secrecy, GiftCards, FamilyEmergency]
        );
        assert_eq!(
            kinds(Locale::EnUs, "a great crypto investment"),
            [Investment]
        );
        // The warning names the story first, then secrecy, then hurry.
        let heard = scam_cues(Locale::ZhCn, "急，警察说要转到安全账户，别告诉别人");
        assert_eq!(
            Cue::strongest(&heard).map(|c| (c.kind, c.phrase)),
            Some((SafeAccount, "安全账户"))
        );
        let heard = scam_cues(Locale::ZhCn, "急，别告诉我儿子");
        assert_eq!(Cue::strongest(&heard).map(|c| c.kind), Some(Secrecy));
    }
}
