//! The facts statistics need of every ticket, read in a few large texts instead of one row
//! per ticket. On a Durable Object each result row becomes a JavaScript object that the
//! Worker then reads field by field; at 100,000 tickets that was four fifths of an uncached
//! statistics request (docs/PERFORMANCE.md). Here SQLite joins the facts of a block of
//! tickets into one text, and Rust splits it.

use super::{SqlDatabase, SqlValue, StoreError};
use crate::open_data::record::FactColumns;
use crate::statistics::TicketFacts;
use serde::Deserialize;

/// Tickets per text. A ticket's facts take at most about 360 bytes (three identifiers of
/// up to 64 characters, five instants), so a text stays under the 2 MB a Durable Object
/// allows for one value.
pub const TICKETS_PER_TEXT: i64 = 4_000;

// Control characters never occur in identifiers, states or instants.
const FIELD: char = '\u{1f}';
const TICKET: char = '\u{1e}';

/// The columns in the order of the packed fields.
const PACKED: &str = "printf(?, t.theme, t.category, t.kind, t.office, t.status, t.created_at,
    t.taken_in_charge_at, t.closed_at, t.respond_by, t.resolve_by, t.rating)";
const FIELDS: usize = 11;

/// The facts of the tickets `t` matching `condition` (with its `params`), read in texts
/// of `per_text` tickets by row id.
pub fn facts(
    db: &impl SqlDatabase,
    condition: &str,
    params: &[SqlValue],
    per_text: i64,
) -> Result<Vec<TicketFacts>, StoreError> {
    #[derive(Deserialize)]
    struct Bounds {
        first: Option<i64>,
        last: Option<i64>,
    }
    #[derive(Deserialize)]
    struct Packed {
        facts: Option<String>,
    }
    let bounds: Vec<Bounds> = db.query(
        "SELECT MIN(rowid) AS first, MAX(rowid) AS last FROM tickets",
        &[],
    )?;
    let Some(Bounds {
        first: Some(first),
        last: Some(last),
    }) = bounds.into_iter().next()
    else {
        return Ok(Vec::new());
    };
    let format = ["%s"; FIELDS].join(&FIELD.to_string());
    let sql = format!(
        "SELECT group_concat({PACKED}, ?) AS facts FROM tickets t
         WHERE t.rowid >= ? AND t.rowid < ? AND {condition}"
    );
    let mut facts = Vec::new();
    let mut start = first;
    while start <= last {
        let mut all: Vec<SqlValue> = vec![
            format.as_str().into(),
            TICKET.to_string().into(),
            start.into(),
            start.saturating_add(per_text).into(),
        ];
        all.extend_from_slice(params);
        let texts: Vec<Packed> = db.query(&sql, &all)?;
        for text in texts.iter().filter_map(|p| p.facts.as_deref()) {
            for ticket in text.split(TICKET) {
                facts.push(unpack(ticket)?);
            }
        }
        start = start.saturating_add(per_text);
    }
    Ok(facts)
}

fn unpack<'a>(ticket: &'a str) -> Result<TicketFacts, StoreError> {
    let fields: Vec<&str> = ticket.split(FIELD).collect();
    let [theme, category, kind, office, status, created_at, taken, closed, respond_by, resolve_by, rating] =
        fields[..]
    else {
        return Err(StoreError::CorruptRow(format!(
            "packed facts with {} fields",
            fields.len()
        )));
    };
    let optional = |text: &'a str| (!text.is_empty()).then_some(text);
    let rating = match rating {
        "" => None,
        stars => Some(
            stars
                .parse::<i64>()
                .map_err(|_| StoreError::CorruptRow(format!("bad rating {stars:?}")))?,
        ),
    };
    FactColumns {
        theme,
        category,
        kind,
        office,
        status,
        created_at,
        taken_in_charge_at: optional(taken),
        closed_at: optional(closed),
        respond_by: optional(respond_by),
        resolve_by: optional(resolve_by),
        rating,
    }
    .facts()
}
