//! Money: integer minor units plus an ISO 4217 currency. No float touches these paths.
#![deny(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::fmt;
use std::str::FromStr;

/// ISO 4217 currencies the core knows, with their minor-unit exponent.
/// Unknown codes are rejected rather than guessed: a wrong exponent would scale an amount by 100.
const KNOWN_CURRENCIES: &[(&str, u8)] = &[
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("MOP", 2),
    ("SGD", 2),
    ("TWD", 2),
    ("USD", 2),
];

/// An ISO 4217 currency code known to the core.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    minor_digits: u8,
}

impl Currency {
    pub const CNY: Currency = Currency {
        code: "CNY",
        minor_digits: 2,
    };
    pub const USD: Currency = Currency {
        code: "USD",
        minor_digits: 2,
    };

    /// Looks up an ISO 4217 code (upper case, three letters).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        KNOWN_CURRENCIES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(known, digits)| Currency {
                code: known,
                minor_digits: *digits,
            })
            .ok_or(MoneyError::UnknownCurrency)
    }

    /// Every currency the core knows.
    pub fn all() -> impl Iterator<Item = Currency> {
        KNOWN_CURRENCIES
            .iter()
            .filter_map(|(code, _)| Currency::from_code(code).ok())
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Number of decimal digits of the minor unit (2 for CNY fen and USD cents, 0 for JPY).
    pub fn minor_digits(&self) -> u8 {
        self.minor_digits
    }

    /// Minor units in one major unit (100 for CNY, 1 for JPY).
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.minor_digits))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

/// Why a money operation was refused. Carries no amounts: errors may be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount overflows 64-bit minor units")]
    Overflow,
    #[error("currencies differ ({left} and {right})")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("unknown or unsupported currency code")]
    UnknownCurrency,
    #[error("amount has more decimal places than the currency allows")]
    TooPrecise,
    #[error("malformed decimal amount")]
    Malformed,
    #[error("division by zero")]
    DivisionByZero,
}

/// How to round when an exact result has more precision than the minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Round half to even (banker's rounding): unbiased over many operations; used for interest.
    HalfEven,
    /// Round half away from zero: the everyday rule (四舍五入), used for display conversions.
    HalfAwayFromZero,
    /// Truncate toward zero: never credits more than was computed (fees in the customer's favour).
    TowardZero,
}

/// An amount of money: signed minor units (fen, cents) and a currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Whole major units (yuan, dollars), checked.
    pub fn from_major(major: i64, currency: Currency) -> Result<Money, MoneyError> {
        major
            .checked_mul(currency.minor_per_major())
            .map(|minor| Money { minor, currency })
            .ok_or(MoneyError::Overflow)
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        self.minor
            .checked_neg()
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_abs(self) -> Result<Money, MoneyError> {
        self.minor
            .checked_abs()
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        self.minor
            .checked_mul(factor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    /// `self × numerator / denominator`, rounded once at the end (for rates and shares).
    pub fn checked_mul_ratio(
        self,
        numerator: i64,
        denominator: i64,
        rounding: Rounding,
    ) -> Result<Money, MoneyError> {
        if denominator == 0 {
            return Err(MoneyError::DivisionByZero);
        }
        let product = i128::from(self.minor) * i128::from(numerator);
        let minor = divide_rounded(product, i128::from(denominator), rounding);
        i64::try_from(minor)
            .map(|minor| Money { minor, ..self })
            .map_err(|_| MoneyError::Overflow)
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(
        amounts: I,
        currency: Currency,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Parses a plain decimal such as "1234.5" or "-0.05"; more decimals than the currency
    /// has are refused, never silently rounded.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let parsed = ParsedDecimal::parse(text)?;
        if parsed.fraction_digits.len() > usize::from(currency.minor_digits) {
            return Err(MoneyError::TooPrecise);
        }
        parsed.to_minor(currency, Rounding::TowardZero)
    }

    /// Parses a decimal, rounding any extra precision with the given rule.
    pub fn parse_decimal_rounded(
        text: &str,
        currency: Currency,
        rounding: Rounding,
    ) -> Result<Money, MoneyError> {
        ParsedDecimal::parse(text)?.to_minor(currency, rounding)
    }

    /// Whole major units and the remaining minor units of the absolute value.
    pub fn major_minor_parts(&self) -> (u64, u64) {
        let abs = self.minor.unsigned_abs();
        let per = self.currency.minor_per_major().unsigned_abs();
        (abs / per, abs % per)
    }

    /// Plain decimal text ("-1234.50"): for wire formats and tests, not for people.
    pub fn to_decimal_string(&self) -> String {
        let (major, minor) = self.major_minor_parts();
        let sign = if self.minor < 0 { "-" } else { "" };
        let digits = usize::from(self.currency.minor_digits);
        if digits == 0 {
            format!("{sign}{major}")
        } else {
            format!("{sign}{major}.{minor:0digits$}")
        }
    }
}

/// Money is C2 whenever it is a customer's balance or transaction, so its `Debug` never
/// shows the amount: only the currency. Code that shows an amount to its owner formats it
/// explicitly through `l10n`.
impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money(*** {})", self.currency)
    }
}

fn divide_rounded(numerator: i128, denominator: i128, rounding: Rounding) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder == 0 {
        return quotient;
    }
    let negative = (numerator < 0) != (denominator < 0);
    let away = if negative { quotient - 1 } else { quotient + 1 };
    let twice_remainder = remainder.unsigned_abs() * 2;
    let divisor = denominator.unsigned_abs();
    match rounding {
        Rounding::TowardZero => quotient,
        Rounding::HalfAwayFromZero => {
            if twice_remainder >= divisor {
                away
            } else {
                quotient
            }
        }
        Rounding::HalfEven => match twice_remainder.cmp(&divisor) {
            std::cmp::Ordering::Less => quotient,
            std::cmp::Ordering::Greater => away,
            std::cmp::Ordering::Equal => {
                if quotient % 2 == 0 {
                    quotient
                } else {
                    away
                }
            }
        },
    }
}

struct ParsedDecimal<'a> {
    negative: bool,
    integer_digits: &'a str,
    fraction_digits: &'a str,
}

impl<'a> ParsedDecimal<'a> {
    fn parse(text: &'a str) -> Result<ParsedDecimal<'a>, MoneyError> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (integer_digits, fraction_digits) = match unsigned.split_once('.') {
            Some((int, frac)) => (int, frac),
            None => (unsigned, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if integer_digits.is_empty()
            || !all_digits(integer_digits)
            || !all_digits(fraction_digits)
            || (unsigned.contains('.') && fraction_digits.is_empty())
        {
            return Err(MoneyError::Malformed);
        }
        Ok(ParsedDecimal {
            negative,
            integer_digits,
            fraction_digits,
        })
    }

    fn to_minor(&self, currency: Currency, rounding: Rounding) -> Result<Money, MoneyError> {
        let digits = usize::from(currency.minor_digits);
        // Scale everything to i128 in units of 10^-fraction_len, then divide once.
        let fraction_len = self.fraction_digits.len().max(digits);
        if self.integer_digits.len() + fraction_len > 36 {
            return Err(MoneyError::Overflow);
        }
        let mut scaled: i128 = 0;
        let padded_fraction = format!("{:0<fraction_len$}", self.fraction_digits);
        for b in self.integer_digits.bytes().chain(padded_fraction.bytes()) {
            scaled = scaled * 10 + i128::from(b - b'0');
        }
        if self.negative {
            scaled = -scaled;
        }
        let divisor =
            10_i128.pow(u32::try_from(fraction_len - digits).map_err(|_| MoneyError::Overflow)?);
        let minor = divide_rounded(scaled, divisor, rounding);
        i64::try_from(minor)
            .map(|minor| Money { minor, currency })
            .map_err(|_| MoneyError::Overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn addition_and_subtraction_are_checked() {
        assert_eq!(cny(150).checked_add(cny(250)), Ok(cny(400)));
        assert_eq!(cny(150).checked_sub(cny(250)), Ok(cny(-100)));
        assert_eq!(cny(i64::MAX).checked_add(cny(1)), Err(MoneyError::Overflow));
        assert_eq!(cny(i64::MIN).checked_sub(cny(1)), Err(MoneyError::Overflow));
        assert_eq!(cny(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(cny(i64::MIN).checked_abs(), Err(MoneyError::Overflow));
        assert_eq!(
            cny(i64::MAX / 2 + 1).checked_mul(2),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn mixing_currencies_is_refused() {
        let usd = Money::from_minor(100, Currency::USD);
        assert_eq!(
            cny(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::CNY,
                right: Currency::USD
            })
        );
        assert!(Money::sum([cny(1), usd], Currency::CNY).is_err());
        assert_eq!(Money::sum([cny(1), cny(2)], Currency::CNY), Ok(cny(3)));
        assert_eq!(Money::sum([], Currency::CNY), Ok(cny(0)));
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(
            Currency::from_code("JPY").map(|c| c.minor_per_major()),
            Ok(1)
        );
        assert_eq!(Currency::from_code("CNY"), Ok(Currency::CNY));
        assert_eq!(Currency::from_code("cny"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::from_code("XXX"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::from_code(""), Err(MoneyError::UnknownCurrency));
    }

    #[test]
    fn parsing_is_exact_or_refused() {
        assert_eq!(
            Money::parse_decimal("1234.50", Currency::CNY),
            Ok(cny(123_450))
        );
        assert_eq!(
            Money::parse_decimal("1234.5", Currency::CNY),
            Ok(cny(123_450))
        );
        assert_eq!(Money::parse_decimal("-0.05", Currency::CNY), Ok(cny(-5)));
        assert_eq!(Money::parse_decimal("7", Currency::CNY), Ok(cny(700)));
        assert_eq!(
            Money::parse_decimal("0.001", Currency::CNY),
            Err(MoneyError::TooPrecise)
        );
        for bad in [
            "", "-", ".5", "5.", "1,000", "1e3", "１２", "NaN", "--1", "1.2.3",
        ] {
            assert_eq!(
                Money::parse_decimal(bad, Currency::CNY),
                Err(MoneyError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            Money::parse_decimal("92233720368547758.08", Currency::CNY),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_decimal("92233720368547758.07", Currency::CNY),
            Ok(cny(i64::MAX))
        );
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            Money::parse_decimal("1.5", jpy),
            Err(MoneyError::TooPrecise)
        );
    }

    #[test]
    fn rounding_rules() {
        let parse = |s, r| {
            Money::parse_decimal_rounded(s, Currency::CNY, r)
                .unwrap()
                .minor()
        };
        assert_eq!(parse("0.125", Rounding::HalfEven), 12);
        assert_eq!(parse("0.135", Rounding::HalfEven), 14);
        assert_eq!(parse("0.125", Rounding::HalfAwayFromZero), 13);
        assert_eq!(parse("-0.125", Rounding::HalfAwayFromZero), -13);
        assert_eq!(parse("-0.125", Rounding::HalfEven), -12);
        assert_eq!(parse("0.129", Rounding::TowardZero), 12);
        assert_eq!(parse("-0.129", Rounding::TowardZero), -12);
        assert_eq!(parse("0.1251", Rounding::HalfEven), 13);

        // 1.75% interest on 1000.00: 17.50 exactly; on 0.10 at one third: 0.0333...
        assert_eq!(
            cny(100_000).checked_mul_ratio(175, 10_000, Rounding::HalfEven),
            Ok(cny(1750))
        );
        assert_eq!(
            cny(10).checked_mul_ratio(1, 3, Rounding::HalfAwayFromZero),
            Ok(cny(3))
        );
        assert_eq!(
            cny(5).checked_mul_ratio(1, 2, Rounding::HalfEven),
            Ok(cny(2))
        );
        assert_eq!(
            cny(7).checked_mul_ratio(1, 2, Rounding::HalfEven),
            Ok(cny(4))
        );
        assert_eq!(
            cny(-5).checked_mul_ratio(1, 2, Rounding::HalfAwayFromZero),
            Ok(cny(-3))
        );
        assert_eq!(
            cny(5).checked_mul_ratio(1, -2, Rounding::HalfAwayFromZero),
            Ok(cny(-3))
        );
        assert_eq!(
            cny(1).checked_mul_ratio(1, 0, Rounding::HalfEven),
            Err(MoneyError::DivisionByZero)
        );
        assert_eq!(
            cny(i64::MAX).checked_mul_ratio(2, 1, Rounding::HalfEven),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn decimal_text_round_trips() {
        for minor in [0, 1, -1, 5, 50, 123_450, -123_405, i64::MAX, i64::MIN + 1] {
            let money = cny(minor);
            assert_eq!(
                Money::parse_decimal(&money.to_decimal_string(), Currency::CNY),
                Ok(money)
            );
        }
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::from_minor(1500, jpy).to_decimal_string(), "1500");
    }

    #[test]
    fn debug_hides_the_amount() {
        assert_eq!(format!("{:?}", cny(987_654)), "Money(*** CNY)");
    }
}
