//! Service requests: which ones a `GET requests` asks for, and how one is written. The
//! record is made from the open-data record of the report, so it publishes exactly what
//! the open data does (description and rounded location only where the comune's policy
//! says so; never the typed address, the reporter, photos or notes).

use super::document::{Document, Value};
use super::{parse_w3c, w3c, DayEdge, Open311Error, DEFAULT_DAYS, MAX_RESULTS};
use crate::config::ComuneConfig;
use crate::open_data::record::{OpenReport, ReportRow};
use crate::report::Language;
use crate::status::Status;
use crate::store::{parse_timestamp, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Which requests: by number (which overrides every other parameter, as the spec says),
/// or by filters over a window of at most 90 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Selection {
    Numbers(Vec<String>),
    Filter {
        service_codes: Vec<String>,
        /// `Some(true)` for open only, `Some(false)` for closed only.
        open: Option<bool>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

/// Reads the query of `GET requests`. Parameters the spec does not define (an `api_key`
/// sent out of habit, paging extensions) are ignored, as clients differ.
pub fn selection(
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<Selection, Open311Error> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    };
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(String::from)
            .collect()
    };
    if let Some(ids) = get("service_request_id") {
        let numbers = list(ids);
        if numbers.len() > MAX_RESULTS as usize {
            return Err(Open311Error::bad_request(format!(
                "service_request_id: at most {MAX_RESULTS} ids at once"
            )));
        }
        return Ok(Selection::Numbers(numbers));
    }
    let mut problems = Vec::new();
    let mut date = |name: &str, edge: DayEdge| match get(name) {
        None => None,
        Some(text) => {
            let parsed = parse_w3c(text, edge);
            if parsed.is_none() {
                problems.push(format!(
                    "{name}: not a W3C date-time such as 2026-11-24T10:00:00+01:00"
                ));
            }
            parsed
        }
    };
    let (start, end) = (
        date("start_date", DayEdge::Start),
        date("end_date", DayEdge::End),
    );
    let open = match get("status").map(list) {
        None => None,
        Some(states) => {
            for state in states.iter().filter(|s| *s != "open" && *s != "closed") {
                problems.push(format!("status: {state:?} is neither open nor closed"));
            }
            let asked = |word: &str| states.iter().any(|s| s == word);
            match (asked("open"), asked("closed")) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            }
        }
    };
    let window = Duration::days(DEFAULT_DAYS);
    let (start, end) = match (start, end) {
        (None, None) => (now - window, now),
        (Some(start), None) => (start, start + window),
        (None, Some(end)) => (end - window, end),
        (Some(start), Some(end)) => (start, end),
    };
    if end < start {
        problems.push("end_date: before start_date".into());
    } else if end - start > window {
        problems.push(format!(
            "end_date: start_date and end_date may not span more than {DEFAULT_DAYS} days"
        ));
    }
    if !problems.is_empty() {
        return Err(Open311Error {
            status: 400,
            descriptions: problems,
        });
    }
    Ok(Selection::Filter {
        service_codes: get("service_code").map(list).unwrap_or_default(),
        open,
        start,
        end,
    })
}

/// "Presa in carico entro 3 giorni lavorativi; risoluzione entro 20 giorni lavorativi."
pub fn service_notice(config: &ComuneConfig, category: &str) -> Option<String> {
    let (_, category) = config.category(category)?;
    let days = |n: u16| {
        if n == 1 {
            "1 giorno lavorativo".to_string()
        } else {
            format!("{n} giorni lavorativi")
        }
    };
    let mut notice = format!(
        "Presa in carico entro {}",
        days(category.targets.take_in_charge_days)
    );
    if let Some(resolution) = category.targets.resolution_days {
        notice.push_str(&format!("; risoluzione entro {}", days(resolution)));
    }
    notice.push('.');
    Some(notice)
}

/// The status as a word, with the reason of a rejection and the original of a duplicate
/// (both published in the open data too).
fn status_notes(report: &OpenReport) -> String {
    let mut notes = report.status_name.clone();
    if let Some(reason) = &report.rejection_reason {
        notes.push_str(": ");
        notes.push_str(reason);
    }
    if let Some(original) = &report.duplicate_of {
        notes.push_str(&format!(": segue la segnalazione {original}"));
    }
    notes
}

/// One service request, from the store's row of the report and the time of its last
/// public step (`row.updated_at`).
pub fn service_request(
    row: ReportRow,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Value, StoreError> {
    let updated_at = row.updated_at.as_deref().map(parse_timestamp).transpose()?;
    let report = OpenReport::of(row, config, Language::It, now)?;
    let status = Status::parse(&report.status)
        .ok_or_else(|| StoreError::CorruptRow(format!("bad status {:?}", report.status)))?;
    let created = parse_timestamp(&report.created_at)?;
    let mut fields = vec![
        ("service_request_id", Value::text(&report.number)),
        (
            "status",
            Value::text(if status.is_open() { "open" } else { "closed" }),
        ),
        ("status_notes", Value::text(status_notes(&report))),
        ("service_name", Value::text(&report.category_name)),
        ("service_code", Value::text(&report.category)),
    ];
    if let Some(description) = &report.description {
        fields.push(("description", Value::text(description)));
    }
    fields.push(("agency_responsible", Value::text(&report.office_name)));
    if let Some(notice) = service_notice(config, &report.category) {
        fields.push(("service_notice", Value::text(notice)));
    }
    fields.push(("requested_datetime", Value::text(w3c(created))));
    fields.push((
        "updated_datetime",
        Value::text(w3c(updated_at.unwrap_or(created))),
    ));
    if let Some(due) = &report.resolution_due {
        fields.push(("expected_datetime", Value::text(w3c(parse_timestamp(due)?))));
    }
    if let (Some(lat), Some(lon)) = (report.lat, report.lon) {
        fields.push(("lat", Value::Number(lat)));
        fields.push(("long", Value::Number(lon)));
    }
    Ok(Value::Record(fields))
}

/// The answer of `GET requests` and `GET requests/{id}`.
pub fn requests_document(items: Vec<Value>) -> Document {
    Document {
        root: "service_requests",
        body: Value::List("request", items),
    }
}

/// The answer to a filed report: its number, and a token that `GET tokens/{token}` turns
/// back into the number.
pub fn created_document(number: &str, token: &str, notice: Option<String>) -> Document {
    let mut fields = vec![
        ("service_request_id", Value::text(number)),
        ("token", Value::text(token)),
    ];
    if let Some(notice) = notice {
        fields.push(("service_notice", Value::text(notice)));
    }
    requests_document(vec![Value::Record(fields)])
}

/// The answer of `GET tokens/{token}`.
pub fn token_document(number: &str, token: &str) -> Document {
    requests_document(vec![Value::Record(vec![
        ("service_request_id", Value::text(number)),
        ("token", Value::text(token)),
    ])])
}
