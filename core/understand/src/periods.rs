//! Periods people name ("上个月", "last week", "since Monday"), as dates relative to today.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use tingshuo_base::locale::Locale;

use crate::numbers;

/// The words of the periods [`parse_period`] reads (Mandarin: phrases, split into characters
/// by whoever needs them).
const EN_PERIOD_WORDS: &[&str] = &[
    "today",
    "yesterday",
    "the",
    "day",
    "before",
    "this",
    "last",
    "past",
    "week",
    "weeks",
    "month",
    "months",
    "days",
    "year",
    "years",
    "since",
    "so",
    "far",
    "for",
    "in",
    "during",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const ZH_PERIOD_WORDS: &[&str] = &[
    "今天",
    "昨天",
    "前天",
    "本礼拜",
    "这个礼拜",
    "上个礼拜",
    "月份",
    "本周",
    "这周",
    "这个星期",
    "上周",
    "上星期",
    "本月",
    "上个月",
    "最近半年",
    "近半年",
    "这半年",
    "从周一到现在",
    "这周一以来",
    "从星期一到现在",
    "星期一以来",
    "今年",
    "今年以来",
    "今年到现在",
    "去年",
    "上一年",
    "天",
];

/// The words of the periods a locale's customers name.
pub fn period_words(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::ZhCn => ZH_PERIOD_WORDS,
        Locale::EnUs => EN_PERIOD_WORDS,
    }
}

/// The counted periods people name ("七天", "两周", "三个月": the part after 最近 that
/// [`parse_period`] reads as a count and a unit), for counts one to twelve; none in English,
/// whose counted periods are words apart.
pub fn counted_period_phrases(locale: Locale) -> Vec<String> {
    const COUNTS: [&str; 13] = [
        "一", "两", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
    ];
    match locale {
        Locale::ZhCn => COUNTS
            .iter()
            .flat_map(|count| ["天", "周", "个月", "年"].map(|unit| format!("{count}{unit}")))
            .collect(),
        Locale::EnUs => Vec::new(),
    }
}

/// Periods people name, relative to today.
pub fn parse_period(
    locale: Locale,
    text: &str,
    today: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    // "in the last ten days", "for the past 60 days", "this month so far"
    let text = text
        .trim_end_matches(" so far")
        .trim_start_matches("so far ")
        .trim_start_matches("for ")
        .trim_start_matches("in ")
        .trim_start_matches("during ")
        .trim_start_matches("the ");
    let month_start = today.with_day(1)?;
    let week_start = days_before(today, u64::from(today.weekday().num_days_from_monday()))?;
    let yesterday = days_before(today, 1)?;
    let period = match (locale, text) {
        (Locale::ZhCn, "今天") | (Locale::EnUs, "today") => (today, today),
        (Locale::ZhCn, "昨天") | (Locale::EnUs, "yesterday") => (yesterday, yesterday),
        (Locale::ZhCn, "前天") | (Locale::EnUs, "day before yesterday") => {
            let day = days_before(yesterday, 1)?;
            (day, day)
        }
        (Locale::ZhCn, "本礼拜" | "这礼拜" | "这个礼拜") => (week_start, today),
        (Locale::ZhCn, "上礼拜" | "上个礼拜") => {
            (days_before(week_start, 7)?, days_before(week_start, 1)?)
        }
        (Locale::ZhCn, text)
            if text.ends_with("月份")
                || (text.ends_with('月')
                    && !text.contains('个')
                    && !matches!(text, "本月" | "上月")) =>
        {
            let number = text.trim_end_matches("份").trim_end_matches('月');
            let month =
                u32::try_from(numbers::parse_zh_integer(number).or_else(|| number.parse().ok())?)
                    .ok()?;
            let year = if month <= today.month() {
                today.year()
            } else {
                today.year() - 1
            };
            let from = NaiveDate::from_ymd_opt(year, month, 1)?;
            let to = days_before(from.checked_add_months(Months::new(1))?, 1)?.min(today);
            (from, to)
        }
        (Locale::ZhCn, "本周" | "这周" | "这个星期") | (Locale::EnUs, "this week") => {
            (week_start, today)
        }
        (Locale::ZhCn, "上周" | "上个星期" | "上星期") | (Locale::EnUs, "last week") => {
            (days_before(week_start, 7)?, days_before(week_start, 1)?)
        }
        (Locale::ZhCn, "本月" | "这个月") | (Locale::EnUs, "this month") => {
            (month_start, today)
        }
        (Locale::ZhCn, "上个月" | "上月") | (Locale::EnUs, "last month") => (
            month_start.checked_sub_months(Months::new(1))?,
            days_before(month_start, 1)?,
        ),
        // Calendar years, as months are: "今年" from 1 January, "去年" the whole year before.
        (Locale::ZhCn, "今年" | "今年以来" | "今年到现在")
        | (Locale::EnUs, "this year" | "so far this year") => {
            (NaiveDate::from_ymd_opt(today.year(), 1, 1)?, today)
        }
        (Locale::ZhCn, "去年" | "上一年") | (Locale::EnUs, "last year") => (
            NaiveDate::from_ymd_opt(today.year().checked_sub(1)?, 1, 1)?,
            NaiveDate::from_ymd_opt(today.year().checked_sub(1)?, 12, 31)?,
        ),
        (Locale::EnUs, text) if text.starts_with("since ") => {
            let weekday: Weekday = text.trim_start_matches("since ").parse().ok()?;
            let back =
                (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
            (days_before(today, u64::from(back))?, today)
        }
        (Locale::ZhCn, "最近半年" | "近半年" | "这半年") => back_from(today, 6, "month")?,
        (
            Locale::ZhCn,
            "从周一到现在" | "周一以来" | "这周一以来" | "从星期一到现在" | "星期一以来",
        ) => (week_start, today),
        (Locale::ZhCn, text) if text.starts_with("最近") || text.starts_with('近') => {
            let rest = text.trim_start_matches("最近").trim_start_matches('近');
            let (count, unit) = if let Some(n) = rest.strip_suffix("个月") {
                (n, "month")
            } else if let Some(n) = rest.strip_suffix("天") {
                (n, "day")
            } else if let Some(n) = rest.strip_suffix("周") {
                (n, "week")
            } else if let Some(n) = rest.strip_suffix("年") {
                (n, "year")
            } else {
                return None;
            };
            let n = numbers::parse_zh_integer(count).or_else(|| count.parse().ok())?;
            back_from(today, n, unit)?
        }
        (Locale::EnUs, text) if text.starts_with("last ") || text.starts_with("past ") => {
            let words: Vec<&str> = text.split_whitespace().skip(1).collect();
            let (unit, count) = words.split_last()?;
            let n = if count.is_empty() {
                1
            } else {
                numbers::parse_en_integer(count).or_else(|| count.first()?.parse().ok())?
            };
            back_from(today, n, unit.trim_end_matches('s'))?
        }
        _ => return None,
    };
    Some(period)
}

/// The day `n` days before `date`, or `None` before the calendar's first day: a period is
/// never worth a panic, whatever clock the host reports.
fn days_before(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(n))
}

fn back_from(today: NaiveDate, n: u64, unit: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = match unit {
        "day" => days_before(today, n)?,
        "week" => days_before(today, n.checked_mul(7)?)?,
        "month" => today.checked_sub_months(Months::new(u32::try_from(n).ok()?))?,
        "year" => today.checked_sub_months(Months::new(u32::try_from(n.checked_mul(12)?).ok()?))?,
        _ => return None,
    };
    Some((from, today))
}
