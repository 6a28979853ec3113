//! Open-data reads of the ticket store: pages of public records in filing order, the facts
//! and backlog steps statistics are computed from, and the data version cache tags use.

use super::{count, timestamp, SqlDatabase, SqlValue, StoreError};
use crate::config::ComuneConfig;
use crate::open_data::query::{Filter, OpenDataQuery};
use crate::open_data::record::{OpenReport, ReportRow, COLUMNS};
use crate::statistics::{self, BacklogStep, Period, Statistics};
use crate::working_days::{end_of_rome_day, start_of_rome_day};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CLOSED_STATUSES as CLOSED, OPEN_STATUSES as OPEN};

/// How far the store's data has come: the last history event (every change to a ticket is
/// one) and when it happened. With the configuration version and the day, it tells whether
/// a published answer is still fresh.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataVersion {
    pub events: i64,
    pub changed_at: Option<DateTime<Utc>>,
}

pub fn data_version(db: &impl SqlDatabase) -> Result<DataVersion, StoreError> {
    #[derive(Deserialize)]
    struct Last {
        id: Option<i64>,
        at: Option<String>,
    }
    let rows: Vec<Last> = db.query(
        "SELECT id, at FROM ticket_events WHERE id = (SELECT MAX(id) FROM ticket_events)",
        &[],
    )?;
    let Some(last) = rows.into_iter().next() else {
        return Ok(DataVersion::default());
    };
    Ok(DataVersion {
        events: last.id.unwrap_or(0),
        changed_at: last.at.as_deref().map(super::parse_timestamp).transpose()?,
    })
}

/// The condition [`conditions`] writes for a filter that keeps every ticket.
const NO_CONDITION: &str = "1";

/// The SQL condition of `filter` on the tickets table aliased `t`.
fn conditions(filter: &Filter, config: &ComuneConfig, dates: bool) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = vec![NO_CONDITION.into()];
    let mut params: Vec<SqlValue> = Vec::new();
    if dates {
        if let Some(from) = filter.from {
            clauses.push("t.created_at >= ?".into());
            params.push(timestamp(start_of_rome_day(from)).into());
        }
        if let Some(to) = filter.to {
            clauses.push("t.created_at < ?".into());
            params.push(timestamp(end_of_rome_day(to)).into());
        }
    }
    for (column, value) in [
        ("theme", filter.theme.as_deref()),
        ("category", filter.category.as_deref()),
        ("office", filter.office.as_deref()),
        ("kind", filter.kind.as_ref().map(|k| k.as_str())),
    ] {
        if let Some(value) = value {
            clauses.push(format!("t.{column} = ?"));
            params.push(value.into());
        }
    }
    if !filter.statuses.is_empty() {
        let marks = vec!["?"; filter.statuses.len()].join(", ");
        clauses.push(format!("t.status IN ({marks})"));
        params.extend(filter.statuses.iter().map(|s| s.as_str().into()));
    }
    if let Some(bbox) = filter.bbox {
        // On the published (rounded) point only, and never for a category whose location
        // is not published: an area filter must not reveal more than the records do.
        let decimals = i64::from(config.open_data.location_decimals);
        clauses.push(
            "t.lat IS NOT NULL AND ROUND(t.lat, ?) BETWEEN ? AND ? AND ROUND(t.lon, ?) BETWEEN ? AND ?"
                .into(),
        );
        params.extend([
            decimals.into(),
            bbox.south.into(),
            bbox.north.into(),
            decimals.into(),
            bbox.west.into(),
            bbox.east.into(),
        ]);
        let (clause, categories) = located_categories(config);
        clauses.push(clause);
        params.extend(categories);
    }
    (clauses.join(" AND "), params)
}

/// The condition keeping only categories whose location is published.
fn located_categories(config: &ComuneConfig) -> (String, Vec<SqlValue>) {
    let default = config.open_data.publish_locations;
    let exceptions: Vec<SqlValue> = config
        .themes
        .iter()
        .flat_map(|t| &t.categories)
        .filter(|c| c.publish_location.is_some_and(|own| own != default))
        .map(|c| c.id.as_str().into())
        .collect();
    let marks = vec!["?"; exceptions.len()].join(", ");
    match (default, exceptions.is_empty()) {
        (true, true) => ("1".into(), vec![]),
        (false, true) => ("0".into(), vec![]),
        (true, false) => (format!("t.category NOT IN ({marks})"), exceptions),
        (false, false) => (format!("t.category IN ({marks})"), exceptions),
    }
}

/// One page of public records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportsPage {
    pub reports: Vec<OpenReport>,
    /// Matching reports over all pages, when asked for.
    pub total: Option<u64>,
    /// The number to continue after, when there are more.
    pub next_after: Option<String>,
}

/// Up to `limit` records after `query.after`, in filing order; `None` when `after` names
/// no report.
pub fn reports_page(
    db: &impl SqlDatabase,
    query: &OpenDataQuery,
    limit: u32,
    with_total: bool,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Option<ReportsPage>, StoreError> {
    let (clause, params) = conditions(&query.filter, config, true);
    let total = if with_total {
        Some(count(
            db,
            &format!("SELECT COUNT(*) AS n FROM tickets t WHERE {clause}"),
            &params,
        )?)
    } else {
        None
    };
    let mut sql = format!("SELECT {COLUMNS} FROM tickets t WHERE {clause}");
    let mut all = params;
    if let Some(after) = query.after {
        let Some((clause, params)) = after_ticket(db, after)? else {
            return Ok(None);
        };
        sql.push_str(" AND ");
        sql.push_str(clause);
        all.extend(params);
    }
    sql.push_str(" ORDER BY t.created_at, t.public_number LIMIT ?");
    all.push(i64::from(limit + 1).into());
    let mut rows: Vec<ReportRow> = db.query(&sql, &all)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_after = more
        .then(|| rows.last().map(|r| r.public_number.clone()))
        .flatten();
    let reports = rows
        .into_iter()
        .map(|row| OpenReport::of(row, config, query.language, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ReportsPage {
        reports,
        total,
        next_after,
    }))
}

/// The condition on tickets `t` of coming after ticket `number` in filing order (the
/// keyset of pages: `created_at`, then `public_number`); `None` when there is no such
/// ticket.
pub(super) fn after_ticket(
    db: &impl SqlDatabase,
    number: crate::public_number::PublicNumber,
) -> Result<Option<(&'static str, Vec<SqlValue>)>, StoreError> {
    #[derive(Deserialize)]
    struct Cursor {
        created_at: String,
    }
    let number = number.to_string();
    let cursor: Vec<Cursor> = db.query(
        "SELECT created_at FROM tickets WHERE public_number = ?",
        &[number.as_str().into()],
    )?;
    Ok(cursor.into_iter().next().map(|cursor| {
        (
            "(t.created_at > ? OR (t.created_at = ? AND t.public_number > ?))",
            vec![
                cursor.created_at.clone().into(),
                cursor.created_at.into(),
                number.into(),
            ],
        )
    }))
}

/// Statistics of the filtered reports over the query's period (twelve months by default).
pub fn statistics(
    db: &impl SqlDatabase,
    query: &OpenDataQuery,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Statistics, StoreError> {
    let period = Period::resolve(query.filter.from, query.filter.to, now);
    let (start, end) = (timestamp(period.starts_at()), timestamp(period.ends_at()));
    let (clause, params) = conditions(&query.filter, config, false);

    let mut facts_params = params.clone();
    facts_params.extend([
        start.clone().into(),
        end.clone().into(),
        start.into(),
        end.clone().into(),
    ]);
    let facts = super::packed_facts::facts(
        db,
        &format!(
            "{clause} AND ((t.created_at >= ? AND t.created_at < ?) OR (t.closed_at >= ? AND t.closed_at < ?))"
        ),
        &facts_params,
        super::packed_facts::TICKETS_PER_TEXT,
    )?;

    let mut step_params = params;
    step_params.push(end.into());
    let steps: Vec<BacklogStep> = db
        .query::<StepRow>(&backlog_steps_sql(&clause), &step_params)?
        .into_iter()
        .map(|row| {
            Ok(BacklogStep {
                at: super::parse_timestamp(&row.at)?,
                delta: row.delta,
            })
        })
        .collect::<Result<_, StoreError>>()?;

    Ok(statistics::compute(
        &facts,
        &steps,
        period,
        config,
        query.language,
        now,
    ))
}

/// The backlog's steps of the tickets matching `clause`, summed per UTC hour: the backlog
/// is read at the ends of Rome days, which fall on whole UTC hours, so the sums give the
/// same figures as every event would, with one row per busy hour instead of one per event.
/// The condition on the events is that of the index `ticket_events_backlog`; without a
/// condition on the tickets the events are read alone.
pub(super) fn backlog_steps_sql(clause: &str) -> String {
    let tickets = if clause == NO_CONDITION {
        String::new()
    } else {
        format!("JOIN tickets t ON t.id = e.ticket_id AND {clause}")
    };
    format!(
        "SELECT substr(e.at, 1, 13) || ':00:00Z' AS at,
                SUM(CASE WHEN e.from_status IS NULL OR e.from_status IN {CLOSED} THEN 1 ELSE -1 END) AS delta
         FROM ticket_events e {tickets}
         WHERE e.at < ?
           AND (e.from_status IS NULL
                OR (e.from_status IN {OPEN} AND e.to_status IN {CLOSED})
                OR (e.from_status IN {CLOSED} AND e.to_status IN {OPEN}))
         GROUP BY substr(e.at, 1, 13)"
    )
}

#[derive(Deserialize)]
struct StepRow {
    at: String,
    delta: i64,
}
