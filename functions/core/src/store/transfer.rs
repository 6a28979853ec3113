//! Export and import of the comune's tickets (`crate::transfer` for the format). Export
//! reads pages in filing order; import writes a checked batch in one transaction, refusing
//! it whole on any conflict, and sends no e-mail for steps that were told long ago.

use super::{
    insert_event, insert_photo, insert_ticket, photos, timestamp, EventRow, SqlDatabase,
    StoreError, TicketRow,
};
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::ids::TicketId;
use crate::public_number::PublicNumber;
use crate::staff::StaffId;
use crate::store::PhotoRecord;
use crate::ticket::{Ticket, TicketEvent};
use crate::transfer::{ExportedTicket, ImportedTicket, TicketExtras};
use crate::workflow::RejectionReason;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One page of the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPage {
    pub tickets: Vec<ExportedTicket>,
    /// The number to continue after, when there are more.
    pub next_after: Option<PublicNumber>,
}

#[derive(Deserialize)]
struct ExportRow {
    #[serde(flatten)]
    ticket: TicketRow,
    rejection_reason: Option<String>,
    email_confirmed_at: Option<String>,
    email_confirmation_code: Option<String>,
}

/// Up to `limit` tickets after `after`, in filing order, each with its whole history and
/// its photos; `None` when `after` names no ticket.
pub fn export_page(
    db: &impl SqlDatabase,
    after: Option<PublicNumber>,
    limit: u32,
) -> Result<Option<ExportPage>, StoreError> {
    let mut sql = String::from("SELECT * FROM tickets t");
    let mut params = Vec::new();
    if let Some(after) = after {
        let Some((clause, cursor)) = super::open_data::after_ticket(db, after)? else {
            return Ok(None);
        };
        sql.push_str(" WHERE ");
        sql.push_str(clause);
        params.extend(cursor);
    }
    sql.push_str(" ORDER BY t.created_at, t.public_number LIMIT ?");
    params.push(i64::from(limit + 1).into());
    let mut rows: Vec<ExportRow> = db.query(&sql, &params)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let tickets = exported(db, rows)?;
    let next_after = more.then(|| tickets.last().map(|t| t.number)).flatten();
    Ok(Some(ExportPage {
        tickets,
        next_after,
    }))
}

/// The rows as export lines: their histories read in one query, their photos.
fn exported(
    db: &impl SqlDatabase,
    rows: Vec<ExportRow>,
) -> Result<Vec<ExportedTicket>, StoreError> {
    let mut tickets = Vec::with_capacity(rows.len());
    for row in rows {
        let extras = TicketExtras {
            rejection_reason: row
                .rejection_reason
                .as_deref()
                .map(|r| RejectionReason::parse(r).ok_or_else(|| super::corrupt("reason", r)))
                .transpose()?,
            email_confirmed_at: row
                .email_confirmed_at
                .as_deref()
                .map(super::parse_timestamp)
                .transpose()?,
            email_confirmation_code: row.email_confirmation_code,
        };
        tickets.push((Ticket::try_from(row.ticket)?, extras));
    }
    let ids = serde_json::to_string(&tickets.iter().map(|(t, _)| t.id).collect::<Vec<_>>())
        .expect("ids serialise");
    let mut events: HashMap<TicketId, Vec<TicketEvent>> = HashMap::new();
    let rows: Vec<EventRow> = db.query(
        "SELECT * FROM ticket_events WHERE ticket_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        &[ids.as_str().into()],
    )?;
    for row in rows {
        let event = TicketEvent::try_from(row)?;
        events.entry(event.ticket_id).or_default().push(event);
    }
    tickets
        .iter()
        .map(|(ticket, extras)| {
            let history = events.remove(&ticket.id).unwrap_or_default();
            Ok(ExportedTicket::of(
                ticket,
                &history,
                &photos(db, ticket.id)?,
                extras,
            ))
        })
        .collect()
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// Tickets written now.
    pub imported: u32,
    /// Tickets already here, the same, from an earlier call: a retried call imports
    /// nothing twice.
    pub skipped: u32,
    /// Photos the lines list that are not stored yet, to upload one by one.
    pub photos_missing: Vec<MissingPhoto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPhoto {
    pub id: TicketId,
    pub number: PublicNumber,
    pub position: u8,
}

#[derive(Deserialize)]
struct Existing {
    id: String,
    public_number: String,
    tracking_token: String,
}

/// A ticket as it would be exported, without its photos (which arrive separately).
fn comparable(mut line: ExportedTicket) -> ExportedTicket {
    line.photos.clear();
    line
}

/// Writes a checked batch in one transaction: every ticket with its history and
/// milestones, the year's numbering moved past the imported numbers, the photos it lists
/// expected. A ticket already here exactly as in the batch is skipped (a retried call);
/// one that collides with another ticket here (same number or tracking token under another
/// id), or is here with another history, refuses the whole batch, each named; nothing is
/// written then. What was imported, and by whom, goes to the audit log in the same
/// transaction.
pub fn import_tickets(
    db: &impl SqlDatabase,
    batch: &[ImportedTicket],
    by: &StaffId,
    now: DateTime<Utc>,
) -> Result<Result<ImportOutcome, FieldErrors>, StoreError> {
    db.transaction(|db| {
        let list = |values: Vec<String>| serde_json::to_string(&values).expect("strings serialise");
        let existing: Vec<Existing> = db.query(
            "SELECT id, public_number, tracking_token FROM tickets
             WHERE id IN (SELECT value FROM json_each(?))
                OR public_number IN (SELECT value FROM json_each(?))
                OR tracking_token IN (SELECT value FROM json_each(?))",
            &[
                list(batch.iter().map(|t| t.ticket.id.to_string()).collect()).into(),
                list(batch.iter().map(|t| t.ticket.public_number.to_string()).collect()).into(),
                list(batch.iter().map(|t| t.ticket.tracking_token.as_str().to_string()).collect())
                    .into(),
            ],
        )?;
        let here = here_already(db, &existing)?;
        let mut errors = ErrorCollector::default();
        let mut fresh = Vec::new();
        let mut skipped = Vec::new();
        for imported in batch {
            let ticket = &imported.ticket;
            let (id, number) = (ticket.id.to_string(), ticket.public_number.to_string());
            let field = format!("tickets.{number}");
            match existing.iter().find(|e| e.id == id) {
                Some(row) if row.public_number == number => {
                    let incoming = comparable(ExportedTicket::of(
                        ticket,
                        &imported.events,
                        &[],
                        &imported.extras,
                    ));
                    if here.get(&ticket.id) == Some(&incoming) {
                        skipped.push(imported);
                    } else {
                        errors.push(
                            field,
                            "changed",
                            "this ticket is here with another history: it changed in one of the two deployments after the export",
                        );
                    }
                }
                Some(_) => errors.push(
                    format!("{field}.id"),
                    "id_taken",
                    "another ticket here has this id",
                ),
                None if existing.iter().any(|e| e.public_number == number) => errors.push(
                    format!("{field}.number"),
                    "number_taken",
                    "a ticket here already has this number",
                ),
                None if existing
                    .iter()
                    .any(|e| e.tracking_token == ticket.tracking_token.as_str()) =>
                {
                    errors.push(
                        format!("{field}.tracking_token"),
                        "token_taken",
                        "a ticket here already has this tracking token",
                    )
                }
                None => fresh.push(imported),
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors.into_errors()));
        }
        let mut last_sequences: BTreeMap<i32, u32> = BTreeMap::new();
        for imported in &fresh {
            write(db, imported)?;
            let number = imported.ticket.public_number;
            let last = last_sequences.entry(number.year()).or_default();
            *last = (*last).max(number.sequence());
        }
        for (year, sequence) in last_sequences {
            db.execute(
                "INSERT INTO number_sequences (year, last_sequence) VALUES (?, ?)
                 ON CONFLICT (year) DO UPDATE
                 SET last_sequence = MAX(last_sequence, excluded.last_sequence)",
                &[i64::from(year).into(), i64::from(sequence).into()],
            )?;
        }
        let photos_missing = missing_photos(db, fresh.iter().chain(&skipped).map(|t| &t.ticket))?;
        let outcome = ImportOutcome {
            imported: u32::try_from(fresh.len()).unwrap_or(u32::MAX),
            skipped: u32::try_from(skipped.len()).unwrap_or(u32::MAX),
            photos_missing,
        };
        if outcome.imported > 0 {
            let numbers: Vec<PublicNumber> =
                fresh.iter().map(|t| t.ticket.public_number).collect();
            super::staff::audit(
                db,
                now,
                Some(by),
                "import_tickets",
                "tickets",
                serde_json::json!({
                    "imported": outcome.imported,
                    "skipped": outcome.skipped,
                    "first": numbers.iter().min(),
                    "last": numbers.iter().max(),
                }),
            )?;
        }
        Ok(Ok(outcome))
    })
}

/// The tickets here with the ids of `existing`, as export lines without photos.
fn here_already(
    db: &impl SqlDatabase,
    existing: &[Existing],
) -> Result<HashMap<TicketId, ExportedTicket>, StoreError> {
    if existing.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = serde_json::to_string(&existing.iter().map(|e| &e.id).collect::<Vec<_>>())
        .expect("ids serialise");
    let rows: Vec<ExportRow> = db.query(
        "SELECT * FROM tickets WHERE id IN (SELECT value FROM json_each(?))",
        &[ids.into()],
    )?;
    Ok(exported(db, rows)?
        .into_iter()
        .map(|line| (line.id, comparable(line)))
        .collect())
}

fn missing_photos<'a>(
    db: &impl SqlDatabase,
    tickets: impl Iterator<Item = &'a Ticket>,
) -> Result<Vec<MissingPhoto>, StoreError> {
    #[derive(Deserialize)]
    struct Expected {
        ticket_id: String,
        position: i64,
    }
    let tickets: HashMap<String, PublicNumber> = tickets
        .map(|t| (t.id.to_string(), t.public_number))
        .collect();
    let ids = serde_json::to_string(&tickets.keys().collect::<Vec<_>>()).expect("ids serialise");
    let rows: Vec<Expected> = db.query(
        "SELECT ticket_id, position FROM imported_photos_expected
         WHERE ticket_id IN (SELECT value FROM json_each(?)) ORDER BY ticket_id, position",
        &[ids.into()],
    )?;
    rows.into_iter()
        .map(|row| {
            Ok(MissingPhoto {
                id: row
                    .ticket_id
                    .parse()
                    .map_err(|_| super::corrupt("ticket id", &row.ticket_id))?,
                number: tickets[&row.ticket_id],
                position: u8::try_from(row.position)
                    .map_err(|_| super::corrupt("position", &row.position.to_string()))?,
            })
        })
        .collect()
}

fn write(db: &impl SqlDatabase, imported: &ImportedTicket) -> Result<(), StoreError> {
    let ticket = &imported.ticket;
    insert_ticket(db, ticket)?;
    db.execute(
        "UPDATE tickets SET duplicate_of = ?, rejection_reason = ?, email_confirmed_at = ?,
            email_confirmation_code = ?, taken_in_charge_at = ?, closed_at = ?, rating = ?,
            rated_at = ?
         WHERE id = ?",
        &[
            ticket.duplicate_of.map(|n| n.to_string()).into(),
            imported
                .extras
                .rejection_reason
                .map(RejectionReason::as_str)
                .into(),
            imported.extras.email_confirmed_at.map(timestamp).into(),
            imported.extras.email_confirmation_code.clone().into(),
            imported.taken_in_charge_at.map(timestamp).into(),
            imported.closed_at.map(timestamp).into(),
            imported.rating.map(|(stars, _)| i64::from(stars)).into(),
            imported.rating.map(|(_, at)| timestamp(at)).into(),
            ticket.id.to_string().into(),
        ],
    )?;
    for event in &imported.events {
        insert_event(db, event)?;
    }
    for (position, content_type) in &imported.photos {
        db.execute(
            "INSERT INTO imported_photos_expected (ticket_id, position, content_type) VALUES (?, ?, ?)",
            &[
                ticket.id.to_string().into(),
                i64::from(*position).into(),
                content_type.as_str().into(),
            ],
        )?;
    }
    Ok(())
}

/// How recording an uploaded photo of an imported ticket went (or would go).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoImport {
    Recorded,
    /// The same file was recorded by an earlier call.
    AlreadyThere,
    NoSuchTicket,
    /// The ticket's export listed no photo at this position.
    NotExpected,
    /// Another file holds the position.
    PositionTaken,
}

/// Records an uploaded photo at a position its import listed, unless another file holds
/// it. With `write` false it only says what recording would do, so that the Worker stores
/// a file in R2 only when it will be recorded.
pub fn record_imported_photo(
    db: &impl SqlDatabase,
    id: TicketId,
    photo: &PhotoRecord,
    write: bool,
    by: &StaffId,
    now: DateTime<Utc>,
) -> Result<PhotoImport, StoreError> {
    db.transaction(|db| {
        #[derive(Deserialize)]
        struct Found {
            public_number: String,
        }
        let found: Vec<Found> = db.query(
            "SELECT public_number FROM tickets WHERE id = ?",
            &[id.to_string().into()],
        )?;
        let Some(ticket) = found.into_iter().next() else {
            return Ok(PhotoImport::NoSuchTicket);
        };
        if let Some(here) = photos(db, id)?.into_iter().find(|p| p.position == photo.position) {
            return Ok(if here == *photo {
                PhotoImport::AlreadyThere
            } else {
                PhotoImport::PositionTaken
            });
        }
        let expected = super::count(
            db,
            "SELECT COUNT(*) AS n FROM imported_photos_expected WHERE ticket_id = ? AND position = ?",
            &[id.to_string().into(), i64::from(photo.position).into()],
        )?;
        if expected == 0 {
            return Ok(PhotoImport::NotExpected);
        }
        if write {
            insert_photo(db, id, photo)?;
            db.execute(
                "DELETE FROM imported_photos_expected WHERE ticket_id = ? AND position = ?",
                &[id.to_string().into(), i64::from(photo.position).into()],
            )?;
            super::staff::audit(
                db,
                now,
                Some(by),
                "import_photo",
                &ticket.public_number,
                serde_json::json!({ "position": photo.position, "bytes": photo.bytes }),
            )?;
        }
        Ok(PhotoImport::Recorded)
    })
}
