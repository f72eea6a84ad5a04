//! Data classes of JR/T 0171-2020 in the type system.
//!
//! * **C3** (authentication data: passwords, PINs, CVN, card track data, biometrics) lives only
//!   in [`C3`]: no `Display`, no `Clone`, no serialization, no database encoding, a redacted
//!   `Debug`, and its memory is zeroized on drop. The only way out is
//!   [`C3::expose_to_authenticator`], which hands the bytes to the host's step-up check.
//! * **C2** (account and card numbers, ID numbers, phone numbers, counterparty names,
//!   balances, transactions) lives in [`C2`]: its `Debug` and `Display` print the masked
//!   log form, so a C2 value that slips into a `tracing` field or an error message stays
//!   masked. Code that shows a value to its owner calls [`C2::reveal`] and formats it through
//!   `l10n`, which applies the screen and speech masking rules.
//! * **C1** is everything else (product names, currencies, categories, statuses).

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::money::Money;

/// How a C2 value is written into a log line or an error: masked, never whole.
pub trait LogMasked {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A C2 value: masked in `Debug` and `Display`, revealed only on purpose.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct C2<T>(T);

impl<T> C2<T> {
    pub fn new(value: T) -> C2<T> {
        C2(value)
    }

    /// The value itself, for the owner's screen or speech (after masking rules) or for
    /// sealing into the store. Every call site is a place where C2 leaves its wrapper.
    pub fn reveal(&self) -> &T {
        &self.0
    }

    pub fn into_revealed(self) -> T {
        self.0
    }
}

impl<T: LogMasked> fmt::Debug for C2<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_masked(f)
    }
}

impl<T: LogMasked> fmt::Display for C2<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_masked(f)
    }
}

impl LogMasked for Money {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "*** {}", self.currency())
    }
}

impl LogMasked for String {
    /// Free text (names, descriptions): nothing of it reaches a log.
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[C2 text]")
    }
}

impl<T: LogMasked> LogMasked for Option<T> {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => value.fmt_masked(f),
            None => f.write_str("none"),
        }
    }
}

/// Text the customer said or typed with the numbers in it that may be hers to keep masked: a
/// card, account, phone or ID number she spoke is never shown or logged whole, and a secret
/// (a PIN, a code) not even in part.
///
/// * A number is a run of digits (ASCII, full-width or Chinese said one by one), a single
///   space, hyphen or comma (with a space after it, as whisper writes digits read out one by
///   one: "1, 2, 3") between two of them.
/// * A number of three or more digits said just after a secret's word (密码, 验证码, PIN,
///   password, code, CVV …) is hidden whole.
/// * Otherwise a run of ten or more digits keeps its last four (a card's, an account's, a
///   phone's); one of six to nine is hidden whole, its last four being most of it (a six-digit
///   PIN said alone); shorter ones (a card's ending), and figures said as money
///   ("转100000块", "$250000"), stay as they are.
pub fn mask_long_numbers(text: &str) -> String {
    const LONG: usize = 6;
    const ENDING_SHOWN_FROM: usize = 10;
    let chars: Vec<char> = text.chars().collect();
    // Digits as whisper writes them, and as Mandarin says them one by one (a card number read
    // out: 六二二二…, 幺 for one): a run of six of those is a number, never an amount (an
    // amount has 十, 百, 千 or 万 in it).
    let is_digit = |c: char| {
        c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇零一二三四五六七八九幺两".contains(c)
    };
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        if !is_digit(chars[at]) {
            masked.push(chars[at]);
            at += 1;
            continue;
        }
        // The run: digits, and a single separator (a comma may have a space after it) only
        // between two digits.
        let mut end = at;
        let mut digits = 0;
        while end < chars.len() {
            if is_digit(chars[end]) {
                digits += 1;
                end += 1;
                continue;
            }
            let separator = match chars[end] {
                ' ' | '-' => 1,
                ',' | '，' | '、' if chars.get(end + 1) == Some(&' ') => 2,
                ',' | '，' | '、' => 1,
                _ => 0,
            };
            if separator > 0 && chars.get(end + separator).is_some_and(|&c| is_digit(c)) {
                end += separator;
            } else {
                break;
            }
        }
        let mut left_to_hide = if digits >= 3 && after_a_secrets_word(&chars[..at], is_digit) {
            digits
        } else if digits < LONG || said_as_money(&chars, at, end) {
            0
        } else if digits < ENDING_SHOWN_FROM {
            digits
        } else {
            digits - 4
        };
        for &c in &chars[at..end] {
            if is_digit(c) && left_to_hide > 0 {
                masked.push('*');
                left_to_hide -= 1;
            } else {
                masked.push(c);
            }
        }
        at = end;
    }
    masked
}

/// Whether a number starting after `before` follows a word for a secret (C3: a PIN, a
/// password, a code, a card's security number) within the few characters before it, with no
/// other number between.
fn after_a_secrets_word(before: &[char], is_digit: impl Fn(char) -> bool) -> bool {
    const WITHIN: usize = 12;
    const SECRETS: &[&str] = &[
        "密码",
        "口令",
        "验证码",
        "校验码",
        "安全码",
        "动态码",
        "pin",
        "password",
        "passcode",
        "code",
        "cvv",
        "cvn",
        "cvc",
    ];
    let window = &before[before.len().saturating_sub(WITHIN)..];
    let after_other_numbers = window
        .iter()
        .rposition(|&c| is_digit(c))
        .map_or(0, |at| at + 1);
    let near = window[after_other_numbers..]
        .iter()
        .collect::<String>()
        .to_lowercase();
    SECRETS.iter().any(|word| near.contains(word))
}

/// Whether the figures at `chars[start..end]` are an amount: a currency sign before them, or a
/// decimal part or a currency or unit word after them ("转100000块", "$250000", "150000 dollars").
/// Only figures: Chinese digits said one by one are never an amount.
fn said_as_money(chars: &[char], start: usize, end: usize) -> bool {
    const SIGNS: &str = "$¥￥";
    const UNITS: &[&str] = &[
        "块",
        "元",
        "圆",
        "万",
        "千",
        "百",
        "亿",
        "毛",
        "角",
        "美元",
        "人民币",
        "dollar",
        "buck",
        "yuan",
        "rmb",
        "usd",
        "cny",
    ];
    if !chars[start..end].iter().all(|&c| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || matches!(c, ' ' | '-' | ',' | '，' | '、')
    }) {
        return false;
    }
    let before = chars[..start].iter().rev().find(|c| **c != ' ');
    if before.is_some_and(|c| SIGNS.contains(*c)) {
        return true;
    }
    let after: String = chars[end..]
        .iter()
        .skip_while(|c| **c == ' ')
        .take(8)
        .collect::<String>()
        .to_lowercase();
    let decimal = after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
    decimal || UNITS.iter().any(|unit| after.starts_with(unit))
}

/// The last four characters (or fewer, for short numbers), which the masking rules allow.
fn last_four(digits: &str) -> &str {
    let start = digits
        .char_indices()
        .rev()
        .nth(3)
        .map_or(0, |(index, _)| index);
    &digits[start..]
}

macro_rules! identifier_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> $name {
                $name(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        /// Debug output is the masked log form, even outside a [`C2`] wrapper.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.fmt_masked(f)
            }
        }
    };
}

identifier_type!(
    /// A bank account number (C2). Shown as its last four digits only.
    AccountNumber
);
identifier_type!(
    /// A card number, PAN (C2). Shown as its last four digits only.
    CardNumber
);
identifier_type!(
    /// A national ID number (C2). Shown as its first and last character only.
    IdNumber
);
identifier_type!(
    /// A phone number (C2). Shown as its first three and last four digits.
    PhoneNumber
);

impl AccountNumber {
    pub fn last_four(&self) -> &str {
        last_four(&self.0)
    }
}

impl CardNumber {
    pub fn last_four(&self) -> &str {
        last_four(&self.0)
    }
}

impl IdNumber {
    /// "110101199003077777" → ("1", "7", 16 hidden characters).
    pub fn masked_parts(&self) -> (String, String, usize) {
        let chars: Vec<char> = self.0.chars().collect();
        match chars.len() {
            0 => (String::new(), String::new(), 0),
            1 => (String::new(), String::new(), 1),
            n => (chars[0].to_string(), chars[n - 1].to_string(), n - 2),
        }
    }

    pub fn masked(&self) -> String {
        let (first, last, hidden) = self.masked_parts();
        format!("{first}{}{last}", "*".repeat(hidden))
    }
}

impl PhoneNumber {
    /// "13812345678" → "138****5678"; a shorter number keeps its last four only ("****5678":
    /// its first three too would leave one digit hidden), and one under eight none.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().filter(|c| !c.is_whitespace()).collect();
        if chars.len() < 8 {
            return "*".repeat(chars.len());
        }
        let head_length = if chars.len() >= 11 { 3 } else { 0 };
        let head: String = chars[..head_length].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - head_length - 4))
    }

    pub fn last_four(&self) -> &str {
        last_four(&self.0)
    }
}

impl LogMasked for AccountNumber {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.last_four())
    }
}

impl LogMasked for CardNumber {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.last_four())
    }
}

impl LogMasked for IdNumber {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl LogMasked for PhoneNumber {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// A C3 secret. Deliberately implements neither `Clone`, `Display`, `serde::Serialize` nor
/// `sqlx::Encode` (checked at compile time in the tests here and in the store), so it cannot be copied, printed,
/// stored or sent anywhere but to the host's authenticator; zeroized on drop.
pub struct C3<K: C3Kind> {
    secret: Zeroizing<String>,
    kind: std::marker::PhantomData<K>,
}

/// The kinds of C3 data; each is a zero-sized marker so the types cannot be mixed up.
pub trait C3Kind {
    const NAME: &'static str;
}

macro_rules! c3_kind {
    ($name:ident, $label:literal) => {
        #[derive(Debug)]
        pub enum $name {}
        impl C3Kind for $name {
            const NAME: &'static str = $label;
        }
    };
}

c3_kind!(PinKind, "PIN");
c3_kind!(PasswordKind, "password");
c3_kind!(CvnKind, "CVN");
c3_kind!(TrackDataKind, "card track data");
c3_kind!(BiometricKind, "biometric template");
c3_kind!(OneTimeCodeKind, "one-time code");

pub type Pin = C3<PinKind>;
pub type Password = C3<PasswordKind>;
pub type Cvn = C3<CvnKind>;
pub type TrackData = C3<TrackDataKind>;
pub type BiometricTemplate = C3<BiometricKind>;
/// An enrollment or SMS code: authenticates the customer once, then is forgotten.
pub type OneTimeCode = C3<OneTimeCodeKind>;

impl<K: C3Kind> C3<K> {
    /// Takes ownership of the secret text; the caller's `String` is moved, not copied.
    pub fn new(secret: String) -> C3<K> {
        C3 {
            secret: Zeroizing::new(secret),
            kind: std::marker::PhantomData,
        }
    }

    /// Hands the secret to the host's authenticator (PIN pad check, keystore unlock).
    pub fn expose_to_authenticator(&self) -> &str {
        &self.secret
    }

    /// Wipes the secret now rather than at drop.
    pub fn wipe(&mut self) {
        self.secret.zeroize();
    }

    pub fn is_empty(&self) -> bool {
        self.secret.is_empty()
    }
}

impl<K: C3Kind> fmt::Debug for C3<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C3<{}>([redacted])", K::NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use static_assertions::assert_not_impl_any;

    // C3 can never be printed, cloned, serialized or bound into a database statement.
    assert_not_impl_any!(Pin: fmt::Display, Clone, Copy, serde::Serialize, ToString);
    assert_not_impl_any!(Password: fmt::Display, Clone, serde::Serialize);
    assert_not_impl_any!(TrackData: serde::Serialize);
    assert_not_impl_any!(BiometricTemplate: Clone, serde::Serialize, fmt::Display);
    // C2 leaves the wrapper only through `reveal()`; the store's own assertions add that
    // neither can be bound into a database statement.
    assert_not_impl_any!(C2<AccountNumber>: serde::Serialize);
    assert_not_impl_any!(C2<Money>: serde::Serialize);

    #[test]
    fn c3_debug_is_redacted_and_wipe_clears() {
        let mut pin = Pin::new("483920".to_owned());
        assert_eq!(format!("{pin:?}"), "C3<PIN>([redacted])");
        assert_eq!(pin.expose_to_authenticator(), "483920");
        pin.wipe();
        assert!(pin.is_empty());
    }

    #[test]
    fn c2_debug_and_display_are_masked() {
        let account = C2::new(AccountNumber::new("6217000012346217"));
        assert_eq!(format!("{account:?}"), "****6217");
        assert_eq!(account.to_string(), "****6217");
        let name = C2::new("李伟".to_owned());
        assert_eq!(format!("{name:?} {name}"), "[C2 text] [C2 text]");
        let balance = C2::new(Money::from_minor(123_450, Currency::CNY));
        assert_eq!(format!("{balance:?}"), "*** CNY");
    }

    #[test]
    fn masking_rules() {
        assert_eq!(CardNumber::new("4580").last_four(), "4580");
        assert_eq!(CardNumber::new("62").last_four(), "62");
        assert_eq!(CardNumber::new("6225880012344580").last_four(), "4580");
        assert_eq!(
            IdNumber::new("110101199003077777").masked(),
            "1****************7"
        );
        assert_eq!(
            IdNumber::new("11010119900307777X").masked(),
            "1****************X"
        );
        assert_eq!(IdNumber::new("A").masked(), "*");
        assert_eq!(IdNumber::new("").masked(), "");
        assert_eq!(PhoneNumber::new("13812345678").masked(), "138****5678");
        assert_eq!(PhoneNumber::new("+1 555 010 4477").masked(), "+15*****4477");
        assert_eq!(PhoneNumber::new("12345").masked(), "*****");
        assert_eq!(PhoneNumber::new("87654321").masked(), "****4321");
        assert_eq!(PhoneNumber::new("0108765432").masked(), "******5432");
    }

    #[test]
    fn numbers_said_or_typed_keep_at_most_their_last_four_and_secrets_nothing() {
        for (said, shown) in [
            ("卡号是6222020200112233", "卡号是************2233"),
            (
                "card 6222 0202 0011 2233 please",
                "card **** **** **** 2233 please",
            ),
            ("卡号是六二二二零二零二幺幺", "卡号是******零二幺幺"),
            ("call 138-1234-5678", "call ***-****-5678"),
            ("card 622202020011 block", "card ********0011 block"),
            // Digits read out one by one, as whisper writes them.
            ("6222，0202，0011，2233", "****，****，****，2233"),
            (
                "6, 2, 2, 2, 0, 2, 0, 2, 0, 0, 1, 1",
                "*, *, *, *, *, *, *, *, 0, 0, 1, 1",
            ),
            // Six to nine digits: the last four would be most of it.
            ("123456", "******"),
            ("1, 2, 3, 4, 5, 6", "*, *, *, *, *, *"),
            ("12 345 678", "** *** ***"),
            ("卡号六二二二零二零二元", "卡号********元"),
            // After a secret's word, hidden whole at any length.
            ("密码是１２３４５６", "密码是******"),
            ("验证码123456", "验证码******"),
            ("my PIN is 1234", "my PIN is ****"),
            ("the CVV is 321", "the CVV is ***"),
            ("密码是一二三四", "密码是****"),
            ("密码忘了一下", "密码忘了一下"),
            (
                "my pin is 1234 and send 50 dollars",
                "my pin is **** and send 50 dollars",
            ),
            // Amounts in words, a date and a card's ending stay.
            ("给李伟转一万五千块", "给李伟转一万五千块"),
            ("二零二六年十二月", "二零二六年十二月"),
            ("尾号四五八零的卡", "尾号四五八零的卡"),
            ("最近3、5笔", "最近3、5笔"),
            // Amounts and a card's ending stay.
            ("给李伟转30000块", "给李伟转30000块"),
            ("send $1,250.50 to Bob", "send $1,250.50 to Bob"),
            (
                "lock the card ending in 4321",
                "lock the card ending in 4321",
            ),
            ("12,345,678 dollars", "12,345,678 dollars"),
            // Figures said as money: a sign before, a decimal part or a unit after.
            ("给李伟转100000块", "给李伟转100000块"),
            ("转１２００００元", "转１２００００元"),
            ("send $250000 to Bob", "send $250000 to Bob"),
            ("send 150000 dollars", "send 150000 dollars"),
            ("pay 123456.78", "pay 123456.78"),
            ("", ""),
        ] {
            assert_eq!(mask_long_numbers(said), shown, "{said:?}");
        }
    }
}
