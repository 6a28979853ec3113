//! Dates as people in Italy read them: Europe/Rome local time (CET, or CEST from the last
//! Sunday of March to the last Sunday of October, switching at 01:00 UTC, as EU law fixes),
//! with month names in Italian or English. A rule this simple spares a time-zone database.

use crate::report::Language;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};

const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid month");
    let mut day = first_of_next - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

/// Hours ahead of UTC in Italy at that instant: 2 in summer time, else 1.
pub fn rome_offset_hours(at: DateTime<Utc>) -> i64 {
    let year = at.year();
    let switch = |month| {
        Utc.from_utc_datetime(
            &last_sunday(year, month)
                .and_hms_opt(1, 0, 0)
                .expect("valid time"),
        )
    };
    if at >= switch(3) && at < switch(10) {
        2
    } else {
        1
    }
}

/// `22 novembre 2026` and the local time of `at`, in Italian local time.
fn local_day(at: DateTime<Utc>, language: Language) -> (String, DateTime<Utc>) {
    let local = at + Duration::hours(rome_offset_hours(at));
    (format_day(local.date_naive(), language), local)
}

/// The month's name, `month` counted from 1: `dicembre`, `December`.
pub fn month_name(month: u32, language: Language) -> &'static str {
    let months = match language {
        Language::It => &MONTHS_IT,
        Language::En => &MONTHS_EN,
    };
    months[(month.clamp(1, 12) - 1) as usize]
}

/// A calendar day as written in prose: `1 dicembre 2025`, `1 December 2025`.
pub fn format_day(day: NaiveDate, language: Language) -> String {
    format!(
        "{} {} {}",
        day.day(),
        month_name(day.month(), language),
        day.year()
    )
}

/// `22 novembre 2026, 23:37` or `22 November 2026, 23:37`, in Italian local time.
pub fn format_datetime(at: DateTime<Utc>, language: Language) -> String {
    let (day, local) = local_day(at, language);
    format!("{day}, {:02}:{:02}", local.hour(), local.minute())
}

/// The last day before a deadline, `7 aprile 2026`: deadlines are the midnight that ends
/// their day, so the day shown is the one that instant closes.
pub fn format_deadline_day(deadline: DateTime<Utc>, language: Language) -> String {
    local_day(deadline - Duration::seconds(1), language).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_shows_the_day_its_midnight_closes() {
        // Midnight between 7 and 8 April in Rome (summer time) is 22:00 UTC on 7 April.
        assert_eq!(
            format_deadline_day(utc(2026, 4, 7, 22, 0), Language::It),
            "7 aprile 2026"
        );
        assert_eq!(
            format_deadline_day(utc(2026, 1, 7, 23, 0), Language::En),
            "7 January 2026"
        );
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn winter_time_is_one_hour_ahead_and_summer_time_two() {
        assert_eq!(rome_offset_hours(utc(2026, 1, 15, 12, 0)), 1);
        assert_eq!(rome_offset_hours(utc(2026, 7, 15, 12, 0)), 2);
    }

    #[test]
    fn summer_time_starts_and_ends_at_one_utc_on_the_last_sundays() {
        // 2026: last Sunday of March is the 29th, of October the 25th.
        assert_eq!(rome_offset_hours(utc(2026, 3, 29, 0, 59)), 1);
        assert_eq!(rome_offset_hours(utc(2026, 3, 29, 1, 0)), 2);
        assert_eq!(rome_offset_hours(utc(2026, 10, 25, 0, 59)), 2);
        assert_eq!(rome_offset_hours(utc(2026, 10, 25, 1, 0)), 1);
    }

    #[test]
    fn formats_dates_in_local_time_with_month_names() {
        assert_eq!(
            format_datetime(utc(2026, 11, 22, 22, 37), Language::It),
            "22 novembre 2026, 23:37"
        );
        assert_eq!(
            format_datetime(utc(2026, 7, 1, 6, 5), Language::En),
            "1 July 2026, 08:05"
        );
        assert_eq!(
            format_datetime(utc(2026, 12, 31, 23, 30), Language::It),
            "1 gennaio 2027, 00:30"
        );
    }
}
