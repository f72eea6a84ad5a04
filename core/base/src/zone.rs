//! The customer's wall clock: which UTC offset her dates and times are read at.
//!
//! The offset is not one number: where clocks change for summer, a transaction made at 00:30
//! on 1 October in New York is on 1 October at that day's offset (UTC−4), and on 30 September at
//! the winter one (UTC−5), in the wrong day and the wrong month's total. A [`CustomerZone`] is
//! either a fixed offset (Beijing keeps one all year) or a rule asked per instant — the
//! platform's own time-zone database, through the host — so every date is read at the offset
//! of its own day.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The UTC offset in force at any instant, as a time-zone database knows it.
pub trait UtcOffsetRule: Send + Sync {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset;
}

/// The customer's time zone, as a [`chrono::TimeZone`]: `with_timezone(&zone)` reads an
/// instant on her wall clock, `and_local_timezone(zone)` finds the instant of a wall time.
#[derive(Clone)]
pub enum CustomerZone {
    Fixed(FixedOffset),
    Rule(Arc<dyn UtcOffsetRule>),
}

impl CustomerZone {
    /// The offset in force at `instant`.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            CustomerZone::Fixed(offset) => *offset,
            CustomerZone::Rule(rule) => rule.offset_at(instant),
        }
    }

    /// The first instant of a day on her wall clock: its midnight, or, where clocks go
    /// forward at midnight, the instant they jump over it.
    pub fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        let offset = self
            .offset_from_local_datetime(&midnight)
            .earliest()
            // Midnight was skipped: read at the offset before the change, it is the jump.
            .or_else(|| {
                let day_before = midnight
                    .and_utc()
                    .checked_sub_signed(chrono::TimeDelta::days(1));
                day_before.map(|before| self.offset_at(before))
            });
        offset
            .and_then(|offset| midnight.checked_sub_offset(offset))
            .unwrap_or(midnight)
            .and_utc()
    }

    /// `instant` on her wall clock (at the ends of chrono's range, where her clock would run
    /// past it, UTC's).
    pub fn wall_time(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        let utc = instant.naive_utc();
        utc.checked_add_offset(self.offset_at(instant))
            .unwrap_or(utc)
    }

    /// The day `instant` falls on, on her wall clock.
    pub fn date_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        self.wall_time(instant).date()
    }
}

impl From<FixedOffset> for CustomerZone {
    fn from(offset: FixedOffset) -> CustomerZone {
        CustomerZone::Fixed(offset)
    }
}

impl fmt::Debug for CustomerZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomerZone::Fixed(offset) => write!(f, "CustomerZone::Fixed({offset})"),
            CustomerZone::Rule(_) => f.write_str("CustomerZone::Rule"),
        }
    }
}

impl TimeZone for CustomerZone {
    type Offset = FixedOffset;

    fn from_offset(offset: &FixedOffset) -> CustomerZone {
        CustomerZone::Fixed(*offset)
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<FixedOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    /// A wall time is at one of the offsets in force within a day of it (clocks change at most
    /// once in two days): each offset that, subtracted, gives an instant where it is in force.
    /// None in a spring-forward gap; two in the repeated autumn hour, earliest first.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<FixedOffset> {
        let rule = match self {
            CustomerZone::Fixed(offset) => return MappedLocalTime::Single(*offset),
            CustomerZone::Rule(rule) => rule,
        };
        let as_utc = local.and_utc();
        let day = chrono::TimeDelta::days(1);
        // Checked: a wall time at the ends of chrono's range has no day beyond it.
        let fits = |near: Option<DateTime<Utc>>| {
            let offset = rule.offset_at(near?);
            let instant = local.checked_sub_offset(offset)?.and_utc();
            (rule.offset_at(instant) == offset).then_some((instant, offset))
        };
        let (before, after) = (
            fits(as_utc.checked_sub_signed(day)),
            fits(as_utc.checked_add_signed(day)),
        );
        match (before, after) {
            (None, None) => MappedLocalTime::None,
            (Some((_, only)), None) | (None, Some((_, only))) => MappedLocalTime::Single(only),
            (Some((_, a)), Some((_, b))) if a == b => MappedLocalTime::Single(a),
            (Some((at_a, a)), Some((at_b, b))) if at_a <= at_b => MappedLocalTime::Ambiguous(a, b),
            (Some((_, a)), Some((_, b))) => MappedLocalTime::Ambiguous(b, a),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
        self.offset_at(utc.and_time(chrono::NaiveTime::MIN).and_utc())
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
        self.offset_at(utc.and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// New York's clocks in 2026: UTC−4 from 8 March 07:00 UTC to 1 November 06:00 UTC.
    struct NewYork2026;

    impl UtcOffsetRule for NewYork2026 {
        fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
            let summer_from = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
            let summer_to = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
            let hours = if (summer_from..summer_to).contains(&instant) {
                4
            } else {
                5
            };
            FixedOffset::west_opt(hours * 3600).unwrap()
        }
    }

    fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn each_instant_is_read_at_its_own_days_offset() {
        let zone = CustomerZone::Rule(Arc::new(NewYork2026));
        // 04:30 UTC on 1 October is 00:30 that day in New York (summer time), not 23:30 the
        // day before, as today's winter offset would make it.
        let october_first = Utc.with_ymd_and_hms(2026, 10, 1, 4, 30, 0).unwrap();
        assert_eq!(zone.date_of(october_first), wall(2026, 10, 1, 0, 0).date());
        assert_eq!(
            october_first.with_timezone(&zone).naive_local(),
            wall(2026, 10, 1, 0, 30)
        );
        let winter = CustomerZone::from(FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(
            winter.date_of(october_first),
            wall(2026, 9, 30, 0, 0).date()
        );
    }

    #[test]
    fn wall_times_find_their_instants_across_the_changes() {
        let zone = CustomerZone::Rule(Arc::new(NewYork2026));
        let (summer, winter) = (
            FixedOffset::west_opt(4 * 3600).unwrap(),
            FixedOffset::west_opt(5 * 3600).unwrap(),
        );
        // The start of a summer day and of a winter day.
        assert_eq!(
            zone.offset_from_local_datetime(&wall(2026, 10, 1, 0, 0)),
            MappedLocalTime::Single(summer)
        );
        assert_eq!(
            zone.offset_from_local_datetime(&wall(2026, 12, 1, 0, 0)),
            MappedLocalTime::Single(winter)
        );
        // 02:30 on 8 March never happened; 01:30 on 1 November happened twice.
        assert_eq!(
            zone.offset_from_local_datetime(&wall(2026, 3, 8, 2, 30)),
            MappedLocalTime::None
        );
        assert_eq!(
            zone.offset_from_local_datetime(&wall(2026, 11, 1, 1, 30)),
            MappedLocalTime::Ambiguous(summer, winter)
        );
        // Midnight on the day clocks go back: still summer time.
        assert_eq!(
            zone.start_of_day(wall(2026, 11, 1, 0, 0).date()),
            Utc.with_ymd_and_hms(2026, 11, 1, 4, 0, 0).unwrap()
        );
    }

    /// Clocks that go forward at midnight, as Santiago de Chile's do in September: that day
    /// begins at 01:00, the instant they jump.
    struct SantiagoSpring;

    impl UtcOffsetRule for SantiagoSpring {
        fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
            let jump = Utc.with_ymd_and_hms(2026, 9, 6, 4, 0, 0).unwrap();
            let hours = if instant < jump { 4 } else { 3 };
            FixedOffset::west_opt(hours * 3600).unwrap()
        }
    }

    #[test]
    fn a_day_whose_midnight_was_skipped_starts_when_the_clocks_jumped() {
        let zone = CustomerZone::Rule(Arc::new(SantiagoSpring));
        let day = wall(2026, 9, 6, 0, 0).date();
        let start = zone.start_of_day(day);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 9, 6, 4, 0, 0).unwrap());
        assert_eq!(zone.date_of(start), day);
        assert_eq!(
            zone.date_of(start - chrono::TimeDelta::seconds(1)),
            day.pred_opt().unwrap()
        );
    }

    #[test]
    fn the_ends_of_time_are_read_without_overflow() {
        let zone = CustomerZone::Rule(Arc::new(NewYork2026));
        for day in [NaiveDate::MIN, NaiveDate::MAX] {
            assert_eq!(zone.start_of_day(day).date_naive(), day);
        }
        for instant in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(zone.date_of(instant), instant.date_naive());
        }
    }
}
