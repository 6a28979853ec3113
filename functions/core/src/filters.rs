//! Readers of the query-string filters shared by the staff inbox and the public open data
//! (office, theme, category, kind, status, dates, counts). Each one reports a bad value
//! under the parameter's name and answers `None`, so a parser can collect every problem.

use crate::config::ComuneConfig;
use crate::field_error::ErrorCollector;
use crate::report::ReportKind;
use crate::status::Status;
use chrono::{Datelike, NaiveDate};

pub fn office(errors: &mut ErrorCollector, config: &ComuneConfig, value: &str) -> Option<String> {
    if config.office(value).is_some() {
        return Some(value.to_string());
    }
    errors.push(
        "office",
        "unknown_office",
        "is not an office of this comune",
    );
    None
}

pub fn theme(errors: &mut ErrorCollector, config: &ComuneConfig, value: &str) -> Option<String> {
    if config.theme(value).is_some() {
        return Some(value.to_string());
    }
    errors.push("theme", "unknown_theme", "is not a theme of this comune");
    None
}

pub fn category(errors: &mut ErrorCollector, config: &ComuneConfig, value: &str) -> Option<String> {
    if config.category(value).is_some() {
        return Some(value.to_string());
    }
    errors.push(
        "category",
        "unknown_category",
        "is not a category of this comune",
    );
    None
}

pub fn kind(errors: &mut ErrorCollector, value: &str) -> Option<ReportKind> {
    let kind = ReportKind::parse(value);
    if kind.is_none() {
        errors.push(
            "kind",
            "unknown_kind",
            "is segnalazione, suggerimento or reclamo",
        );
    }
    kind
}

/// A comma-separated list of statuses, where `open`, `closed` and `all` stand for groups;
/// added to `into` in the state machine's order, without repeats.
pub fn statuses(errors: &mut ErrorCollector, value: &str, into: &mut Vec<Status>) {
    for name in value.split(',').map(str::trim) {
        match name {
            "open" => into.extend(Status::ALL.into_iter().filter(|s| s.is_open())),
            "closed" => into.extend(Status::ALL.into_iter().filter(|s| !s.is_open())),
            "all" => into.extend(Status::ALL),
            other => match Status::parse(other) {
                Some(status) => into.push(status),
                None => errors.push(
                    "status",
                    "unknown_status",
                    "is not a ticket status (or open, closed, all)",
                ),
            },
        }
    }
    into.sort_by_key(|s| Status::ALL.iter().position(|x| x == s));
    into.dedup();
}

pub fn date(errors: &mut ErrorCollector, field: &str, value: &str) -> Option<NaiveDate> {
    // chrono's %Y also reads signed years up to its last day (+262142-12-31), whose bounds
    // in Rome (`working_days::end_of_rome_day`) do not exist: four-digit years only.
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|day| (0..=9999).contains(&day.year()));
    if parsed.is_none() {
        errors.push(field, "invalid_date", "use the form YYYY-MM-DD");
    }
    parsed
}

/// Refuses a range whose end comes before its start.
pub fn date_range(errors: &mut ErrorCollector, from: Option<NaiveDate>, to: Option<NaiveDate>) {
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push(
                "to",
                "before_from",
                "the end date comes before the start date",
            );
        }
    }
}

pub fn number(errors: &mut ErrorCollector, field: &str, value: &str, max: u32) -> Option<u32> {
    match value.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Some(n),
        _ => {
            errors.push(
                field,
                "out_of_range",
                format!("a whole number from 1 to {max}"),
            );
            None
        }
    }
}

/// `a=1&b=x+y` as the Worker hands query strings over (a `+` is a space), for tests.
#[cfg(test)]
pub(crate) fn test_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.replace('+', " "))
        })
        .collect()
}
