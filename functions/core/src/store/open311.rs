//! Open311 reads of the ticket store: service requests by number or by filters, newest
//! first, and the number behind a token.

use super::{timestamp, SqlDatabase, SqlValue, StoreError, OPEN_STATUSES as OPEN};
use crate::open311::requests::Selection;
use crate::open_data::record::{ReportRow, COLUMNS};
use serde::Deserialize;

/// The reports a selection names, newest first, `limit` at most, each with the time of its
/// last public step; `open311::requests::service_request` writes them.
pub fn rows(
    db: &impl SqlDatabase,
    selection: &Selection,
    limit: u32,
) -> Result<Vec<ReportRow>, StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    // A list travels as one JSON parameter: the Durable Object's SQLite binds at most 100.
    let list = |items: &[String]| SqlValue::from(serde_json::json!(items).to_string());
    match selection {
        Selection::Numbers(numbers) => {
            if numbers.is_empty() {
                return Ok(vec![]);
            }
            clauses.push("t.public_number IN (SELECT value FROM json_each(?))".into());
            params.push(list(numbers));
        }
        Selection::Filter {
            service_codes,
            open,
            start,
            end,
        } => {
            clauses.push("t.created_at >= ? AND t.created_at <= ?".into());
            params.extend([timestamp(*start).into(), timestamp(*end).into()]);
            if !service_codes.is_empty() {
                clauses.push("t.category IN (SELECT value FROM json_each(?))".into());
                params.push(list(service_codes));
            }
            match open {
                Some(true) => clauses.push(format!("t.status IN {OPEN}")),
                Some(false) => clauses.push(format!("t.status NOT IN {OPEN}")),
                None => {}
            }
        }
    }
    params.push(i64::from(limit).into());
    db.query(
        &format!(
            "SELECT {COLUMNS}, (SELECT MAX(e.at) FROM ticket_events e
                 WHERE e.ticket_id = t.id AND e.visibility = 'public'
                   AND NOT (e.actor_kind = 'citizen' AND e.kind <> 'created')) AS updated_at
             FROM tickets t WHERE {}
             ORDER BY t.created_at DESC, t.public_number DESC LIMIT ?",
            clauses.join(" AND ")
        ),
        &params,
    )
}

/// The public number of the ticket whose id is `token` (what `POST requests` answers).
pub fn number_of_token(db: &impl SqlDatabase, token: &str) -> Result<Option<String>, StoreError> {
    #[derive(Deserialize)]
    struct Number {
        public_number: String,
    }
    let rows: Vec<Number> = db.query(
        "SELECT public_number FROM tickets WHERE id = ?",
        &[token.into()],
    )?;
    Ok(rows.into_iter().next().map(|row| row.public_number))
}
