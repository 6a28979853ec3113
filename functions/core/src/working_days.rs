//! Working days in Italy, for response targets ("taken in charge within 3 working days"):
//! Monday to Friday, less the national holidays and the comune's own (its patron saint).
//! A target of N working days ends at midnight, Rome time, after the Nth working day that
//! follows the day of filing, so a report filed on Friday evening is not already late on
//! Monday morning.

use crate::italian_time::rome_offset_hours;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// Fixed-date national holidays (month, day).
const NATIONAL_HOLIDAYS: [(u32, u32); 10] = [
    (1, 1),   // Capodanno
    (1, 6),   // Epifania
    (4, 25),  // Liberazione
    (5, 1),   // Festa del lavoro
    (6, 2),   // Festa della Repubblica
    (8, 15),  // Ferragosto
    (11, 1),  // Ognissanti
    (12, 8),  // Immacolata
    (12, 25), // Natale
    (12, 26), // Santo Stefano
];

/// Easter Sunday (anonymous Gregorian algorithm); Easter Monday is a holiday.
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// The comune's calendar: national holidays plus local ones given as `MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    local: Vec<(u32, u32)>,
}

impl Calendar {
    /// Local holidays as `MM-DD` (validated with the configuration; bad entries are skipped).
    pub fn new(local_holidays: &[String]) -> Self {
        let local = local_holidays
            .iter()
            .filter_map(|text| {
                let (month, day) = text.split_once('-')?;
                Some((month.parse().ok()?, day.parse().ok()?))
            })
            .collect();
        Self { local }
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        let month_day = (date.month(), date.day());
        NATIONAL_HOLIDAYS.contains(&month_day)
            // San Francesco, national holiday again from 2026 (law 151/2025).
            || (month_day == (10, 4) && date.year() >= 2026)
            || date == easter_sunday(date.year()) + Duration::days(1)
            || self.local.contains(&month_day)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(date)
    }

    /// The instant a target of `days` working days runs out for something filed at `from`.
    pub fn deadline(&self, from: DateTime<Utc>, days: u16) -> DateTime<Utc> {
        let mut date = rome_date(from);
        let mut left = days;
        while left > 0 {
            date = date.succ_opt().expect("dates stay within chrono's range");
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        end_of_rome_day(date)
    }

    /// Working days from `from` to `to` (both instants), counting the days that ended
    /// between them: 0 when handled the same working day. For response-time statistics.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let (mut date, end) = (rome_date(from), rome_date(to));
        let mut count = 0;
        while date < end {
            date = date.succ_opt().expect("dates stay within chrono's range");
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }
}

/// The calendar day in Rome at this instant.
pub fn rome_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(rome_offset_hours(at))).date_naive()
}

/// Midnight at the start of `date` in Rome, as a UTC instant.
pub fn start_of_rome_day(date: NaiveDate) -> DateTime<Utc> {
    end_of_rome_day(date.pred_opt().expect("dates stay within chrono's range"))
}

/// Midnight at the end of `date` in Rome, as a UTC instant.
pub fn end_of_rome_day(date: NaiveDate) -> DateTime<Utc> {
    let next_midnight = date
        .succ_opt()
        .expect("dates stay within chrono's range")
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    // The offset two hours before local midnight is the one in force then (changes happen at night, not at midnight).
    let guess = Utc.from_utc_datetime(&next_midnight) - Duration::hours(2);
    Utc.from_utc_datetime(&next_midnight) - Duration::hours(rome_offset_hours(guess))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_falls_on_the_known_dates() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
    }

    #[test]
    fn weekends_national_and_local_holidays_are_not_working_days() {
        let calendar = Calendar::new(&["08-26".into()]);
        assert!(!calendar.is_working_day(date(2026, 11, 28))); // Saturday
        assert!(!calendar.is_working_day(date(2026, 11, 29))); // Sunday
        assert!(!calendar.is_working_day(date(2026, 4, 6))); // Easter Monday
        assert!(!calendar.is_working_day(date(2026, 6, 2)));
        assert!(!calendar.is_working_day(date(2026, 8, 26))); // Sant'Alessandro, Bergamo
        assert!(!calendar.is_working_day(date(2027, 10, 4))); // San Francesco
        assert!(calendar.is_working_day(date(2025, 10, 6)));
        assert!(calendar.is_working_day(date(2026, 11, 24)));
        assert!(Calendar::default().is_working_day(date(2026, 8, 26)));
    }

    #[test]
    fn a_friday_evening_report_with_one_day_is_due_at_the_end_of_monday() {
        let calendar = Calendar::default();
        // Friday 27 November 2026, 19:00 in Rome (18:00 UTC).
        let due = calendar.deadline(utc(2026, 11, 27, 18, 0), 1);
        // End of Monday 30 November in Rome = 23:00 UTC.
        assert_eq!(due, utc(2026, 11, 30, 23, 0));
    }

    #[test]
    fn deadlines_skip_holidays_and_respect_summer_time() {
        let calendar = Calendar::default();
        // Thursday 2 April 2026; Easter Monday 6 April is skipped: 3 working days end on Wednesday 8.
        let due = calendar.deadline(utc(2026, 4, 2, 9, 0), 3);
        assert_eq!(due, utc(2026, 4, 8, 22, 0)); // midnight CEST
                                                 // Zero days: the end of the filing day.
        assert_eq!(
            calendar.deadline(utc(2026, 1, 12, 22, 30), 0),
            utc(2026, 1, 12, 23, 0)
        );
    }

    #[test]
    fn a_report_filed_late_in_the_evening_counts_on_the_italian_day() {
        let calendar = Calendar::default();
        // 23:30 UTC on Monday 12 January is already Tuesday 00:30 in Rome.
        assert_eq!(
            calendar.deadline(utc(2026, 1, 12, 23, 30), 1),
            utc(2026, 1, 14, 23, 0)
        );
    }

    #[test]
    fn working_days_between_counts_only_working_days_that_passed() {
        let calendar = Calendar::default();
        let friday = utc(2026, 11, 27, 9, 0);
        assert_eq!(calendar.working_days_between(friday, friday), 0);
        assert_eq!(
            calendar.working_days_between(friday, utc(2026, 11, 29, 9, 0)),
            0
        );
        assert_eq!(
            calendar.working_days_between(friday, utc(2026, 12, 1, 9, 0)),
            2
        );
        assert_eq!(
            calendar.working_days_between(utc(2026, 12, 7, 9, 0), utc(2026, 12, 9, 9, 0)),
            1 // 8 December is a holiday
        );
    }
}
