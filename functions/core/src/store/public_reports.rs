//! One report as the public sees it (its page, where anyone can follow it), and the open
//! reports near a point that the form offers before a new report is sent. Both are built
//! from the open-data record only, so they show nothing open data would not.

use super::{SqlDatabase, StoreError};
use crate::config::ComuneConfig;
use crate::nearby::{rank, NearbyQuery, NearbyReport};
use crate::open_data::record::{OpenReport, ReportRow, COLUMNS};
use crate::public_number::PublicNumber;
use crate::report::Language;
use crate::status::Status;
use crate::subscription::followable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A report's public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicReport {
    pub report: OpenReport,
    /// Whether it can be followed now.
    pub followable: bool,
    /// People following it by e-mail (confirmed), with those following its duplicates.
    pub followers: u64,
}

/// The public record of the report with this number, `None` when there is none.
pub fn public_report(
    db: &impl SqlDatabase,
    number: PublicNumber,
    config: &ComuneConfig,
    language: Language,
    now: DateTime<Utc>,
) -> Result<Option<PublicReport>, StoreError> {
    let number = number.to_string();
    let rows: Vec<ReportRow> = db.query(
        &format!("SELECT {COLUMNS} FROM tickets t WHERE public_number = ?"),
        &[number.as_str().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let status = Status::parse(&row.status);
    let followers = super::subscriptions::followers(db, &number)?;
    Ok(Some(PublicReport {
        report: OpenReport::of(row, config, language, now)?,
        followable: status.is_some_and(followable),
        followers,
    }))
}

/// Open reports of the query's topic within the comune's radius of its point, nearest
/// first; none when suggestions are off or the topic's locations are not published.
pub fn nearby(
    db: &impl SqlDatabase,
    query: &NearbyQuery,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Vec<NearbyReport>, StoreError> {
    let Some(radius) = query.radius(config) else {
        return Ok(Vec::new());
    };
    let [south, west, north, east] = query.bounding_box(radius, config.open_data.location_decimals);
    let rows: Vec<ReportRow> = db.query(
        &format!(
            "SELECT {COLUMNS} FROM tickets t
             WHERE category = ? AND status IN ('received', 'taken_in_charge', 'in_progress')
               AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?
             ORDER BY created_at DESC LIMIT 200"
        ),
        &[
            query.category.as_str().into(),
            south.into(),
            north.into(),
            west.into(),
            east.into(),
        ],
    )?;
    let reports = rows
        .into_iter()
        .map(|row| OpenReport::of(row, config, query.language, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rank(query, radius, reports))
}
