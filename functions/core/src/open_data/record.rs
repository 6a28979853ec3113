//! The public record of one report: the only shape in which a report leaves the service
//! as open data. It is built from the columns listed in [`COLUMNS`], which hold no name,
//! e-mail address, typed address, tracking token, assignee or note; the description and
//! the location pass only where the comune's policy publishes them, the location rounded.

use crate::config::ComuneConfig;
use crate::report::{Language, ReportKind};
use crate::statistics::TicketFacts;
use crate::status::Status;
use crate::store::{parse_timestamp, timestamp, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The ticket columns open data reads, for [`ReportRow`].
pub const COLUMNS: &str = "public_number, theme, category, kind, office, status, created_at,
    taken_in_charge_at, closed_at, respond_by, resolve_by, rejection_reason, duplicate_of,
    lat, lon, description, rating";

/// One ticket as the store gives it to open data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportRow {
    pub public_number: String,
    pub theme: String,
    pub category: String,
    pub kind: String,
    pub office: String,
    pub status: String,
    pub created_at: String,
    pub taken_in_charge_at: Option<String>,
    pub closed_at: Option<String>,
    pub respond_by: Option<String>,
    pub resolve_by: Option<String>,
    #[serde(default)]
    pub rejection_reason: Option<String>,
    #[serde(default)]
    pub duplicate_of: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub description: Option<String>,
    /// The citizen's stars, for the statistics only: no record carries them.
    #[serde(default)]
    pub rating: Option<i64>,
    /// When the report last changed in public (Open311's `updated_datetime`); only the
    /// Open311 queries read it.
    #[serde(default)]
    pub updated_at: Option<String>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::CorruptRow(format!("bad {what} {value:?}"))
}

impl ReportRow {
    pub fn facts(&self) -> Result<TicketFacts, StoreError> {
        FactColumns {
            theme: &self.theme,
            category: &self.category,
            kind: &self.kind,
            office: &self.office,
            status: &self.status,
            created_at: &self.created_at,
            taken_in_charge_at: self.taken_in_charge_at.as_deref(),
            closed_at: self.closed_at.as_deref(),
            respond_by: self.respond_by.as_deref(),
            resolve_by: self.resolve_by.as_deref(),
            rating: self.rating,
        }
        .facts()
    }
}

/// The columns statistics read of a ticket, as the store keeps them.
pub struct FactColumns<'a> {
    pub theme: &'a str,
    pub category: &'a str,
    pub kind: &'a str,
    pub office: &'a str,
    pub status: &'a str,
    pub created_at: &'a str,
    pub taken_in_charge_at: Option<&'a str>,
    pub closed_at: Option<&'a str>,
    pub respond_by: Option<&'a str>,
    pub resolve_by: Option<&'a str>,
    pub rating: Option<i64>,
}

impl FactColumns<'_> {
    pub fn facts(&self) -> Result<TicketFacts, StoreError> {
        let optional = |text: Option<&str>| text.map(parse_timestamp).transpose();
        let created_at = parse_timestamp(self.created_at)?;
        Ok(TicketFacts {
            theme: self.theme.to_string(),
            category: self.category.to_string(),
            kind: ReportKind::parse(self.kind).ok_or_else(|| corrupt("kind", self.kind))?,
            office: self.office.to_string(),
            status: Status::parse(self.status).ok_or_else(|| corrupt("status", self.status))?,
            created_at,
            taken_in_charge_at: optional(self.taken_in_charge_at)?,
            closed_at: optional(self.closed_at)?,
            respond_by: optional(self.respond_by)?.unwrap_or(created_at),
            resolve_by: optional(self.resolve_by)?,
            rating: self
                .rating
                .and_then(|r| u8::try_from(r).ok())
                .filter(|r| (1..=5).contains(r)),
        })
    }
}

/// A report as published. Field names are the CSV header and the GeoJSON properties too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenReport {
    pub number: String,
    pub theme: String,
    pub theme_name: String,
    pub category: String,
    pub category_name: String,
    pub kind: String,
    pub office: String,
    pub office_name: String,
    pub status: String,
    pub status_name: String,
    pub created_at: String,
    pub taken_in_charge_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// The deadline the office had to take it in charge.
    pub take_in_charge_due: String,
    pub taken_in_charge_on_time: Option<bool>,
    /// The resolution target, where the category has one.
    pub resolution_due: Option<String>,
    pub resolved_on_time: Option<bool>,
    pub rejection_reason: Option<String>,
    /// For a duplicate, the report it was merged into.
    pub duplicate_of: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub description: Option<String>,
}

/// What the comune publishes of a category's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    pub description: bool,
    pub location: bool,
}

impl Publication {
    pub fn of(config: &ComuneConfig, category: &str) -> Self {
        let policy = &config.open_data;
        let own = config.category(category).map(|(_, c)| c);
        Self {
            description: own
                .and_then(|c| c.publish_description)
                .unwrap_or(policy.publish_descriptions),
            location: own
                .and_then(|c| c.publish_location)
                .unwrap_or(policy.publish_locations),
        }
    }
}

/// `value` rounded to `decimals` places, half away from zero (as SQLite's `ROUND`).
pub fn round_to(value: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(i32::from(decimals));
    (value * scale).round() / scale
}

impl OpenReport {
    pub fn of(
        row: ReportRow,
        config: &ComuneConfig,
        language: Language,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let facts = row.facts()?;
        let publication = Publication::of(config, &row.category);
        let decimals = config.open_data.location_decimals;
        let (lat, lon) = match (row.lat, row.lon, publication.location) {
            (Some(lat), Some(lon), true) => {
                (Some(round_to(lat, decimals)), Some(round_to(lon, decimals)))
            }
            _ => (None, None),
        };
        Ok(Self {
            theme_name: config.theme_name(&row.theme, language),
            category_name: config.category_name(&row.category, language),
            office_name: config.office_name(&row.office, language),
            status_name: facts.status.label(language).to_string(),
            number: row.public_number,
            theme: row.theme,
            category: row.category,
            kind: row.kind,
            office: row.office,
            status: row.status,
            created_at: timestamp(facts.created_at),
            taken_in_charge_at: facts.taken_in_charge_at.map(timestamp),
            resolved_at: facts.resolved_at().map(timestamp),
            closed_at: facts.closed_at.map(timestamp),
            take_in_charge_due: timestamp(facts.respond_by),
            taken_in_charge_on_time: facts.taken_in_charge_on_time(now),
            resolution_due: facts.resolve_by.map(timestamp),
            resolved_on_time: facts.resolved_on_time(now),
            rejection_reason: row
                .rejection_reason
                .filter(|_| facts.status == Status::Rejected),
            duplicate_of: row
                .duplicate_of
                .filter(|_| facts.status == Status::Duplicate),
            lat,
            lon,
            description: row.description.filter(|_| publication.description),
        })
    }
}
