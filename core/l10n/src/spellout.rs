//! Numbers and money as words and as display text, per locale.
//!
//! This is locale data in code form, as ICU's rule-based number formats are: Fluent passes
//! formatted values into sentences, and the sentences themselves live in `locales/`.

use tingshuo_base::money::Money;

use tingshuo_base::locale::Locale;

const ZH_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
const ZH_GROUP_UNITS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
const ZH_PLACE_UNITS: [&str; 4] = ["", "十", "百", "千"];

const EN_ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const EN_SCALES: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

/// A non-negative integer in words: 1050 → "一千零五十" / "one thousand fifty".
pub fn number_words(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => zh_number(n),
        Locale::EnUs => en_number(n),
    }
}

/// A count before a measure word in words: Mandarin says 两, not 二, for a two that counts
/// something or leads a hundred, thousand, ten thousand or hundred million ("两元", "两千元",
/// "两万", "两百五十"), and keeps 二 in tens and inside the number ("二十", "一千二百").
pub fn quantity_words(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => zh_quantity(n),
        Locale::EnUs => en_number(n),
    }
}

fn zh_quantity(n: u64) -> String {
    let words = zh_number(n);
    let mut characters = words.chars();
    match (characters.next(), characters.next()) {
        (Some('二'), None | Some('百' | '千' | '万' | '亿')) => {
            format!("两{}", &words['二'.len_utf8()..])
        }
        _ => words,
    }
}

/// A signed integer in words ("负五" / "minus five").
pub fn signed_number_words(locale: Locale, n: i64) -> String {
    let words = number_words(locale, n.unsigned_abs());
    if n >= 0 {
        words
    } else {
        match locale {
            Locale::ZhCn => format!("负{words}"),
            Locale::EnUs => format!("minus {words}"),
        }
    }
}

/// Digits read one at a time, as people read card endings: "6217" → "六二一七" / "six two one
/// seven". Characters other than ASCII digits are kept as they are.
pub fn digit_words(locale: Locale, digits: &str) -> String {
    let words: Vec<String> = digits
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => match locale {
                Locale::ZhCn => ZH_DIGITS[d as usize].to_owned(),
                Locale::EnUs => EN_ONES[d as usize].to_owned(),
            },
            None => c.to_string(),
        })
        .collect();
    match locale {
        Locale::ZhCn => words.concat(),
        Locale::EnUs => words.join(" "),
    }
}

/// The ways an English speaker reads a card or account ending: digit by digit ("three nine two
/// one", a zero as "zero" or "oh"), in pairs ("thirty-nine twenty-one", "oh five twelve",
/// "thirty-nine hundred") and, without a leading zero, as one number ("three thousand nine
/// hundred twenty-one"). Empty when `digits` holds anything but ASCII digits.
pub fn en_ending_readings(digits: &str) -> Vec<String> {
    let Some(values) = digits
        .chars()
        .map(|c| c.to_digit(10).map(|d| d as usize))
        .collect::<Option<Vec<usize>>>()
        .filter(|values| !values.is_empty())
    else {
        return Vec::new();
    };
    let one_by_one = |zero: &str| -> String {
        let words: Vec<&str> = values
            .iter()
            .map(|&d| if d == 0 { zero } else { EN_ONES[d] })
            .collect();
        words.join(" ")
    };
    let mut readings = vec![one_by_one("zero"), one_by_one("oh")];
    if values.len() % 2 == 0 {
        let pairs: Vec<[usize; 2]> = values.chunks(2).map(|p| [p[0], p[1]]).collect();
        let mut words: Vec<String> = Vec::new();
        for (index, &[tens, ones]) in pairs.iter().enumerate() {
            let last = index + 1 == pairs.len();
            words.push(match (tens, ones) {
                // "3900": thirty-nine hundred.
                (0, 0) if last && index > 0 && pairs[index - 1][0] != 0 => "hundred".to_owned(),
                (0, _) => format!("oh {}", EN_ONES[ones]),
                (1, _) => EN_ONES[10 + ones].to_owned(),
                (_, 0) => EN_TENS[tens].to_owned(),
                _ => format!("{}-{}", EN_TENS[tens], EN_ONES[ones]),
            });
        }
        readings.push(words.join(" "));
    }
    if values[0] != 0
        && let Ok(n) = digits.parse::<u64>()
    {
        let whole = en_number(n);
        readings.push(whole.replace("hundred ", "hundred and "));
        readings.push(whole);
    }
    readings.sort();
    readings.dedup();
    readings
}

fn zh_group(group: u64) -> String {
    let digits = [
        group / 1000 % 10,
        group / 100 % 10,
        group / 10 % 10,
        group % 10,
    ];
    let mut out = String::new();
    let mut pending_zero = false;
    for (index, digit) in digits.iter().enumerate() {
        let place = 3 - index;
        if *digit == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        out.push_str(ZH_DIGITS[*digit as usize]);
        out.push_str(ZH_PLACE_UNITS[place]);
    }
    out
}

fn zh_number(n: u64) -> String {
    if n == 0 {
        return ZH_DIGITS[0].to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut zero_between = false;
    for (index, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            zero_between = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (zero_between || *group < 1000) {
            out.push('零');
        }
        out.push_str(&zh_group(*group));
        out.push_str(ZH_GROUP_UNITS[index]);
        zero_between = false;
    }
    // 10–19 are read 十, 十五 (not 一十五) when they lead the number.
    match out.strip_prefix("一十") {
        Some(rest) => format!("十{rest}"),
        None => out,
    }
}

fn en_below_thousand(n: u64) -> String {
    let hundreds = n / 100;
    let rest = n % 100;
    let mut parts = Vec::new();
    if hundreds > 0 {
        parts.push(format!("{} hundred", EN_ONES[hundreds as usize]));
    }
    if rest > 0 {
        parts.push(if rest < 20 {
            EN_ONES[rest as usize].to_owned()
        } else if rest.is_multiple_of(10) {
            EN_TENS[(rest / 10) as usize].to_owned()
        } else {
            format!(
                "{}-{}",
                EN_TENS[(rest / 10) as usize],
                EN_ONES[(rest % 10) as usize]
            )
        });
    }
    parts.join(" ")
}

fn en_number(n: u64) -> String {
    if n == 0 {
        return EN_ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    let mut rest = n;
    let mut scale = 0;
    while rest > 0 {
        let chunk = rest % 1000;
        if chunk > 0 {
            let words = en_below_thousand(chunk);
            parts.push(if scale == 0 {
                words
            } else {
                format!("{words} {}", EN_SCALES[scale])
            });
        }
        rest /= 1000;
        scale += 1;
    }
    parts.reverse();
    parts.join(" ")
}

/// Currency unit names and symbols per locale.
struct CurrencyNames {
    code: &'static str,
    zh_major: &'static str,
    zh_minor: &'static str,
    en_major: (&'static str, &'static str),
    en_minor: (&'static str, &'static str),
    zh_symbol: &'static str,
    en_symbol: &'static str,
}

const CURRENCY_NAMES: &[CurrencyNames] = &[
    CurrencyNames {
        code: "CNY",
        zh_major: "元",
        zh_minor: "分",
        en_major: ("yuan", "yuan"),
        en_minor: ("fen", "fen"),
        zh_symbol: "¥",
        en_symbol: "CN¥",
    },
    CurrencyNames {
        code: "USD",
        zh_major: "美元",
        zh_minor: "美分",
        en_major: ("dollar", "dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "US$",
        en_symbol: "$",
    },
    CurrencyNames {
        code: "EUR",
        zh_major: "欧元",
        zh_minor: "欧分",
        en_major: ("euro", "euros"),
        en_minor: ("cent", "cents"),
        zh_symbol: "€",
        en_symbol: "€",
    },
    CurrencyNames {
        code: "GBP",
        zh_major: "英镑",
        zh_minor: "便士",
        en_major: ("pound", "pounds"),
        en_minor: ("penny", "pence"),
        zh_symbol: "£",
        en_symbol: "£",
    },
    CurrencyNames {
        code: "HKD",
        zh_major: "港元",
        zh_minor: "仙",
        en_major: ("Hong Kong dollar", "Hong Kong dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "HK$",
        en_symbol: "HK$",
    },
    CurrencyNames {
        code: "JPY",
        zh_major: "日元",
        zh_minor: "",
        en_major: ("yen", "yen"),
        en_minor: ("", ""),
        zh_symbol: "JP¥",
        en_symbol: "¥",
    },
    CurrencyNames {
        code: "AUD",
        zh_major: "澳元",
        zh_minor: "分",
        en_major: ("Australian dollar", "Australian dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "A$",
        en_symbol: "A$",
    },
    CurrencyNames {
        code: "CAD",
        zh_major: "加元",
        zh_minor: "分",
        en_major: ("Canadian dollar", "Canadian dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "CA$",
        en_symbol: "CA$",
    },
    CurrencyNames {
        code: "CHF",
        zh_major: "瑞士法郎",
        zh_minor: "生丁",
        en_major: ("Swiss franc", "Swiss francs"),
        en_minor: ("centime", "centimes"),
        zh_symbol: "CHF ",
        en_symbol: "CHF ",
    },
    CurrencyNames {
        code: "KRW",
        zh_major: "韩元",
        zh_minor: "",
        en_major: ("won", "won"),
        en_minor: ("", ""),
        zh_symbol: "₩",
        en_symbol: "₩",
    },
    CurrencyNames {
        code: "MOP",
        zh_major: "澳门元",
        zh_minor: "仙",
        en_major: ("pataca", "patacas"),
        en_minor: ("avo", "avos"),
        zh_symbol: "MOP$",
        en_symbol: "MOP$",
    },
    CurrencyNames {
        code: "SGD",
        zh_major: "新加坡元",
        zh_minor: "分",
        en_major: ("Singapore dollar", "Singapore dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "S$",
        en_symbol: "S$",
    },
    CurrencyNames {
        code: "TWD",
        zh_major: "新台币",
        zh_minor: "分",
        en_major: ("New Taiwan dollar", "New Taiwan dollars"),
        en_minor: ("cent", "cents"),
        zh_symbol: "NT$",
        en_symbol: "NT$",
    },
];

fn names_for(code: &str) -> Option<&'static CurrencyNames> {
    CURRENCY_NAMES.iter().find(|n| n.code == code)
}

fn plural<'a>(count: u64, forms: (&'a str, &'a str)) -> &'a str {
    if count == 1 { forms.0 } else { forms.1 }
}

/// Money for the ear: 1234.50 CNY → "一千二百三十四元五角" / "one thousand two hundred
/// thirty-four yuan and fifty fen"; USD in dollars and cents. Currencies without names are
/// read as their code.
pub fn money_words(locale: Locale, money: Money) -> String {
    let (major, minor) = money.major_minor_parts();
    let code = money.currency().code();
    let names = names_for(code);
    let body = match locale {
        Locale::ZhCn => zh_money(major, minor, code, names),
        Locale::EnUs => en_money(major, minor, code, names),
    };
    if money.is_negative() {
        match locale {
            Locale::ZhCn => format!("负{body}"),
            Locale::EnUs => format!("minus {body}"),
        }
    } else {
        body
    }
}

fn zh_money(major: u64, minor: u64, code: &str, names: Option<&CurrencyNames>) -> String {
    let (major_unit, minor_unit) = names.map_or((code, code), |n| (n.zh_major, n.zh_minor));
    let mut out = String::new();
    if major > 0 || minor == 0 {
        out.push_str(&zh_quantity(major));
        out.push_str(major_unit);
    }
    if minor == 0 {
        return out;
    }
    if code == "CNY" {
        // Renminbi is read in 角 (tenths) and 分 (hundredths): 五角, 五角三分, 零五分.
        let (jiao, fen) = (minor / 10, minor % 10);
        if jiao > 0 {
            out.push_str(&zh_quantity(jiao));
            out.push('角');
        }
        if fen > 0 {
            if jiao == 0 && major > 0 {
                out.push('零');
            }
            out.push_str(&zh_quantity(fen));
            out.push('分');
        }
    } else {
        out.push_str(&zh_quantity(minor));
        out.push_str(minor_unit);
    }
    out
}

fn en_money(major: u64, minor: u64, code: &str, names: Option<&CurrencyNames>) -> String {
    let (major_forms, minor_forms) =
        names.map_or(((code, code), (code, code)), |n| (n.en_major, n.en_minor));
    let major_part = format!("{} {}", en_number(major), plural(major, major_forms));
    if minor == 0 {
        return major_part;
    }
    let minor_part = format!("{} {}", en_number(minor), plural(minor, minor_forms));
    if major == 0 {
        minor_part
    } else {
        format!("{major_part} and {minor_part}")
    }
}

/// Money for the eye: "¥1,234.50", "$1,234.50", "-¥85.20".
pub fn money_display(locale: Locale, money: Money) -> String {
    let code = money.currency().code();
    let symbol = names_for(code).map(|n| match locale {
        Locale::ZhCn => n.zh_symbol,
        Locale::EnUs => n.en_symbol,
    });
    let decimal = money.to_decimal_string();
    let unsigned = decimal.trim_start_matches('-');
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let grouped = group_thousands(integer);
    let number = match fraction {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    };
    let sign = if money.is_negative() { "-" } else { "" };
    match symbol {
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{code} {number}"),
    }
}

/// "1234567" → "1,234,567".
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingshuo_base::money::Currency;

    #[test]
    fn an_ending_is_read_every_way_people_read_it() {
        let readings = en_ending_readings("3921");
        for expected in [
            "three nine two one",
            "thirty-nine twenty-one",
            "three thousand nine hundred twenty-one",
            "three thousand nine hundred and twenty-one",
        ] {
            assert!(readings.iter().any(|r| r == expected), "{readings:?}");
        }
        let zeros = en_ending_readings("0508");
        assert!(zeros.iter().any(|r| r == "oh five oh eight"), "{zeros:?}");
        assert!(
            zeros.iter().any(|r| r == "zero five zero eight"),
            "{zeros:?}"
        );
        assert!(!zeros.iter().any(|r| r.contains("hundred")), "{zeros:?}");
        assert!(
            en_ending_readings("3900")
                .iter()
                .any(|r| r == "thirty-nine hundred")
        );
        assert!(
            en_ending_readings("4512")
                .iter()
                .any(|r| r == "forty-five twelve")
        );
        assert!(en_ending_readings("12a4").is_empty());
        assert!(en_ending_readings("").is_empty());
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            (0, "零"),
            (2, "二"),
            (10, "十"),
            (15, "十五"),
            (20, "二十"),
            (101, "一百零一"),
            (110, "一百一十"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1050, "一千零五十"),
            (1234, "一千二百三十四"),
            (10_000, "一万"),
            (10_050, "一万零五十"),
            (100_000, "十万"),
            (100_010, "十万零一十"),
            (110_000, "十一万"),
            (1_000_500, "一百万零五百"),
            (10_001_000, "一千万一千"),
            (100_000_000, "一亿"),
            (100_000_050, "一亿零五十"),
            (120_000_000, "一亿二千万"),
            (1_000_000_000_000, "一万亿"),
        ];
        for (n, words) in cases {
            assert_eq!(zh_number(n), words, "{n}");
        }
        assert!(!zh_number(u64::MAX).is_empty());
    }

    #[test]
    fn english_numbers() {
        let cases = [
            (0, "zero"),
            (7, "seven"),
            (13, "thirteen"),
            (40, "forty"),
            (42, "forty-two"),
            (105, "one hundred five"),
            (1234, "one thousand two hundred thirty-four"),
            (1_000_000, "one million"),
            (2_000_017, "two million seventeen"),
        ];
        for (n, words) in cases {
            assert_eq!(en_number(n), words, "{n}");
        }
        assert!(en_number(u64::MAX).starts_with("eighteen quintillion"));
    }

    #[test]
    fn money_in_words() {
        assert_eq!(
            money_words(Locale::ZhCn, cny(123_450)),
            "一千二百三十四元五角"
        );
        assert_eq!(
            money_words(Locale::ZhCn, cny(123_405)),
            "一千二百三十四元零五分"
        );
        assert_eq!(
            money_words(Locale::ZhCn, cny(123_453)),
            "一千二百三十四元五角三分"
        );
        assert_eq!(money_words(Locale::ZhCn, cny(50)), "五角");
        assert_eq!(money_words(Locale::ZhCn, cny(5)), "五分");
        assert_eq!(money_words(Locale::ZhCn, cny(0)), "零元");
        // 两 before a measure word and leading a hundred, thousand or ten thousand; 二 in tens
        // and inside the number.
        assert_eq!(money_words(Locale::ZhCn, cny(25_000)), "两百五十元");
        assert_eq!(money_words(Locale::ZhCn, cny(200_000)), "两千元");
        assert_eq!(money_words(Locale::ZhCn, cny(2_000_000)), "两万元");
        assert_eq!(money_words(Locale::ZhCn, cny(200)), "两元");
        assert_eq!(money_words(Locale::ZhCn, cny(220)), "两元两角");
        assert_eq!(money_words(Locale::ZhCn, cny(2_000)), "二十元");
        assert_eq!(money_words(Locale::ZhCn, cny(122_000)), "一千二百二十元");
        assert_eq!(money_words(Locale::ZhCn, cny(2_200_000)), "两万二千元");
        assert_eq!(money_words(Locale::ZhCn, cny(-8520)), "负八十五元两角");
        assert_eq!(
            money_words(Locale::EnUs, cny(123_450)),
            "one thousand two hundred thirty-four yuan and fifty fen"
        );
        let usd = |m| Money::from_minor(m, Currency::USD);
        assert_eq!(money_words(Locale::EnUs, usd(100)), "one dollar");
        assert_eq!(money_words(Locale::EnUs, usd(1)), "one cent");
        assert_eq!(
            money_words(Locale::EnUs, usd(25_050)),
            "two hundred fifty dollars and fifty cents"
        );
        assert_eq!(money_words(Locale::ZhCn, usd(1250)), "十二美元五十美分");
        let jpy = Money::from_minor(1500, Currency::from_code("JPY").unwrap());
        assert_eq!(
            money_words(Locale::EnUs, jpy),
            "one thousand five hundred yen"
        );
        let sgd = Money::from_minor(150, Currency::from_code("SGD").unwrap());
        assert_eq!(
            money_words(Locale::EnUs, sgd),
            "one Singapore dollar and fifty cents"
        );
    }

    #[test]
    fn every_known_currency_has_names_and_symbols() {
        for currency in Currency::all() {
            let names =
                names_for(currency.code()).unwrap_or_else(|| panic!("{currency} has no names"));
            assert!(!names.zh_major.is_empty() && !names.en_major.0.is_empty());
            assert_eq!(
                names.zh_minor.is_empty(),
                currency.minor_digits() == 0,
                "{currency}"
            );
        }
    }

    #[test]
    fn money_for_the_eye() {
        assert_eq!(money_display(Locale::ZhCn, cny(123_450)), "¥1,234.50");
        assert_eq!(money_display(Locale::EnUs, cny(123_450)), "CN¥1,234.50");
        assert_eq!(
            money_display(Locale::EnUs, Money::from_minor(-8520, Currency::USD)),
            "-$85.20"
        );
        assert_eq!(
            money_display(Locale::EnUs, Money::from_minor(i64::MIN, Currency::USD)),
            "-$92,233,720,368,547,758.08"
        );
        let sgd = Money::from_minor(100_000, Currency::from_code("SGD").unwrap());
        assert_eq!(money_display(Locale::EnUs, sgd), "S$1,000.00");
    }

    #[test]
    fn digits_one_by_one() {
        assert_eq!(digit_words(Locale::ZhCn, "6217"), "六二一七");
        assert_eq!(digit_words(Locale::EnUs, "4580"), "four five eight zero");
        assert_eq!(digit_words(Locale::EnUs, "12X"), "one two X");
    }
}
