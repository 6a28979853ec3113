//! Open311 GeoReport v2 (<https://wiki.open311.org/GeoReport_v2>): the comune's categories
//! as services, reports filed by client applications with an API key, and public reports
//! as service requests. What a service request shows passes through the open-data record
//! ([`crate::open_data::record::OpenReport`]), so Open311 never publishes more than the
//! open data: no names, addresses, contacts, photos or internal notes.

pub mod discovery;
pub mod document;
pub mod requests;
pub mod services;
pub mod submission;
#[cfg(test)]
mod tests;

use crate::field_error::FieldErrors;
use crate::italian_time::rome_offset_hours;
use crate::working_days::{end_of_rome_day, start_of_rome_day};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Utc};
use document::{Document, Value};

/// Where the specification lives, as discovery documents name it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this implementation of the API last changed, for discovery's `changeset`.
pub const CHANGESET: &str = "2026-11-25T00:00:00+01:00";
/// Most service requests in one answer, and the default window in days, as the spec says.
pub const MAX_RESULTS: u32 = 1000;
pub const DEFAULT_DAYS: i64 = 90;

/// A refusal in the spec's form: an array of `{code, description}` and an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {}", descriptions.join("; "))]
pub struct Open311Error {
    pub status: u16,
    pub descriptions: Vec<String>,
}

impl Open311Error {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Self {
            status,
            descriptions: vec![description.into()],
        }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(404, description)
    }

    /// One error per problem, each naming its field as Open311 calls it.
    pub fn from_fields(errors: &FieldErrors) -> Self {
        Self {
            status: 400,
            descriptions: errors
                .0
                .iter()
                .map(|e| {
                    if e.field.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}: {}", e.field, e.message)
                    }
                })
                .collect(),
        }
    }

    pub fn document(&self) -> Document {
        let code = i64::from(self.status);
        Document {
            root: "errors",
            body: Value::List(
                "error",
                self.descriptions
                    .iter()
                    .map(|description| {
                        Value::Record(vec![
                            ("code", Value::Integer(code)),
                            ("description", Value::text(description)),
                        ])
                    })
                    .collect(),
            ),
        }
    }
}

/// An instant as the spec writes it (W3C date-time with the offset), in Italian time.
pub fn w3c(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt((rome_offset_hours(at) * 3600) as i32)
        .expect("one or two hours is a valid offset");
    at.with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Which end of a day a bare date (`2026-11-24`) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEdge {
    Start,
    End,
}

/// Reads a W3C date-time (`2026-11-24T10:00:00+01:00`, `...Z`, without seconds) or a day
/// (`2026-11-24`: midnight in Rome at its start or its end). A `+` sent unencoded in a
/// query string arrives as a space, which is read as the `+` it was.
pub fn parse_w3c(text: &str, edge: DayEdge) -> Option<DateTime<Utc>> {
    // chrono's %Y also reads signed years up to its last day (+262142-12-31), where a day's
    // bounds or the 90-day window would overflow; W3C date-times have four-digit years.
    let four_digits = |year: i32| (0..=9999).contains(&year);
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if !four_digits(day.year()) {
            return None;
        }
        return Some(match edge {
            DayEdge::Start => start_of_rome_day(day),
            DayEdge::End => end_of_rome_day(day),
        });
    }
    let text = text.replace(' ', "+");
    if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
        return Some(at.with_timezone(&Utc));
    }
    DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M%:z")
        .ok()
        .map(|at| at.with_timezone(&Utc))
        .filter(|at| four_digits(at.year()))
}

/// The entity tag of an answer's body (strong: it names these exact bytes). Answers are
/// small, so hashing them is simpler than tracking everything they depend on.
pub fn body_tag(body: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", data_encoding::HEXLOWER.encode(&digest[..12]))
}

/// Whether a request's `jurisdiction_id`, when given, names this comune.
pub fn jurisdiction_matches(given: Option<&str>, comune_id: &str) -> Result<(), Open311Error> {
    match given.map(str::trim) {
        None | Some("") => Ok(()),
        Some(id) if id == comune_id => Ok(()),
        Some(_) => Err(Open311Error::not_found(
            "jurisdiction_id: this endpoint serves no such jurisdiction",
        )),
    }
}
