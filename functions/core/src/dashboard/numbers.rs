//! Numbers as each language writes them: `1.234` and `3,5` in Italian, `1,234` and `3.5` in
//! English; durations in hours or days with their unit; shares as whole percentages.

use crate::italian_time::month_name;
use crate::report::Language;

fn separators(language: Language) -> (char, char) {
    match language {
        Language::It => ('.', ','),
        Language::En => (',', '.'),
    }
}

/// What a cell shows when there is nothing to measure (no report was taken in charge).
pub fn not_available(language: Language) -> &'static str {
    match language {
        Language::It => "n.d.",
        Language::En => "n/a",
    }
}

/// `12.345` / `12,345`.
pub fn integer(value: u64, language: Language) -> String {
    let (thousands, _) = separators(language);
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(digit);
    }
    out
}

/// One decimal: `3,5` / `3.5`; whole numbers keep their `,0` so columns line up.
pub fn one_decimal(value: f64, language: Language) -> String {
    let (_, decimal) = separators(language);
    let tenths = (value * 10.0).round() as i64;
    let whole = integer(tenths.unsigned_abs() / 10, language);
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{whole}{decimal}{}", tenths.unsigned_abs() % 10)
}

/// Hours as days with one decimal, for tables whose header names the unit.
pub fn days(hours: Option<f64>, language: Language) -> String {
    match hours {
        Some(hours) => one_decimal(hours / 24.0, language),
        None => not_available(language).to_string(),
    }
}

/// A duration with its unit, for headline figures: hours under two days, else days.
pub fn duration(hours: Option<f64>, language: Language) -> String {
    let Some(hours) = hours else {
        return not_available(language).to_string();
    };
    // Decided on the rounded hours, so 47.96 hours is "2 giorni", never "48 ore".
    let hours = (hours * 10.0).round() / 10.0;
    let (value, one, many) = if hours < 48.0 {
        let unit = match language {
            Language::It => ("ora", "ore"),
            Language::En => ("hour", "hours"),
        };
        (hours, unit.0, unit.1)
    } else {
        let unit = match language {
            Language::It => ("giorno", "giorni"),
            Language::En => ("day", "days"),
        };
        (hours / 24.0, unit.0, unit.1)
    };
    let rounded = (value * 10.0).round() / 10.0;
    let unit = if rounded == 1.0 { one } else { many };
    if rounded.fract() == 0.0 {
        format!("{} {unit}", integer(rounded as u64, language))
    } else {
        format!("{} {unit}", one_decimal(rounded, language))
    }
}

/// A share of one as a whole percentage: `87%`.
pub fn percent(share: Option<f64>, language: Language) -> String {
    match share {
        Some(share) => format!("{}%", (share * 100.0).round() as u64),
        None => not_available(language).to_string(),
    }
}

/// `2026-03` as `mar 2026` / `Mar 2026` for axes and table rows.
pub fn month_short(month: &str, language: Language) -> String {
    let (year, number) = month.split_once('-').unwrap_or((month, "1"));
    let name: String = month_name(number.parse().unwrap_or(1), language)
        .chars()
        .take(3)
        .collect();
    format!("{name} {year}")
}

/// `2026-03` as `marzo 2026` / `March 2026`.
pub fn month_long(month: &str, language: Language) -> String {
    let (year, number) = month.split_once('-').unwrap_or((month, "1"));
    format!(
        "{} {year}",
        month_name(number.parse().unwrap_or(1), language)
    )
}
