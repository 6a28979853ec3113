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
        #[derive(Deserialize)]
        struct Cursor {
            created_at: String,
        }
        let number = after.to_string();
        let cursor: Vec<Cursor> = db.query(
            "SELECT created_at FROM tickets WHERE public_number = ?",
            &[number.as_str().into()],
        )?;
        let Some(cursor) = cursor.into_iter().next() else {
            return Ok(None);
        };
        sql.push_str(" WHERE t.created_at > ? OR (t.created_at = ? AND t.public_number > ?)");
        params.extend([
            cursor.created_at.clone().into(),
            cursor.created_at.into(),
            number.into(),
        ]);
    }
    sql.push_str(" ORDER BY t.created_at, t.public_number LIMIT ?");
    params.push(i64::from(limit + 1).into());
    let mut rows: Vec<ExportRow> = db.query(&sql, &params)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);

    let mut tickets = Vec::with_capacity(rows.len());
    let mut extras = Vec::with_capacity(rows.len());
    for row in rows {
        extras.push(TicketExtras {
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
        });
        tickets.push(Ticket::try_from(row.ticket)?);
    }
    let ids = serde_json::to_string(&tickets.iter().map(|t| t.id).collect::<Vec<_>>())
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
    let next_after = more
        .then(|| tickets.last().map(|t| t.public_number))
        .flatten();
    let tickets = tickets
        .iter()
        .zip(&extras)
        .map(|(ticket, extras)| {
            let history = events.remove(&ticket.id).unwrap_or_default();
            Ok(ExportedTicket::of(
                ticket,
                &history,
                &photos(db, ticket.id)?,
                extras,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(ExportPage {
        tickets,
        next_after,
    }))
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// Tickets written now.
    pub imported: u32,
    /// Tickets already here from an earlier call (same id and number): a retried call
    /// imports nothing twice.
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

/// Writes a checked batch in one transaction: every ticket with its history and
/// milestones, the year's numbering moved past the imported numbers. A ticket that
/// collides with another one here (same id, number or tracking token) refuses the whole
/// batch, each collision named; nothing is written then. What was imported, and by whom,
/// goes to the audit log in the same transaction.
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
                list(
                    batch
                        .iter()
                        .map(|t| t.ticket.public_number.to_string())
                        .collect(),
                )
                .into(),
                list(
                    batch
                        .iter()
                        .map(|t| t.ticket.tracking_token.as_str().to_string())
                        .collect(),
                )
                .into(),
            ],
        )?;
        let mut errors = ErrorCollector::default();
        let mut fresh = Vec::new();
        let mut skipped = Vec::new();
        for imported in batch {
            let ticket = &imported.ticket;
            let (id, number) = (ticket.id.to_string(), ticket.public_number.to_string());
            let field = format!("tickets.{number}");
            match existing.iter().find(|e| e.id == id) {
                Some(here) if here.public_number == number => skipped.push(imported),
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
        let mut photos_missing = Vec::new();
        for imported in fresh.iter().chain(&skipped) {
            let stored = photos(db, imported.ticket.id)?;
            for &position in &imported.photo_positions {
                if !stored.iter().any(|p| p.position == position) {
                    photos_missing.push(MissingPhoto {
                        id: imported.ticket.id,
                        number: imported.ticket.public_number,
                        position,
                    });
                }
            }
        }
        let outcome = ImportOutcome {
            imported: u32::try_from(fresh.len()).unwrap_or(u32::MAX),
            skipped: u32::try_from(skipped.len()).unwrap_or(u32::MAX),
            photos_missing,
        };
        if outcome.imported > 0 {
            let numbers: Vec<PublicNumber> = fresh.iter().map(|t| t.ticket.public_number).collect();
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

fn write(db: &impl SqlDatabase, imported: &ImportedTicket) -> Result<(), StoreError> {
    let ticket = &imported.ticket;
    insert_ticket(db, ticket)?;
    db.execute(
        "UPDATE tickets SET duplicate_of = ?, rejection_reason = ?, email_confirmed_at = ?,
            taken_in_charge_at = ?, closed_at = ?
         WHERE id = ?",
        &[
            ticket.duplicate_of.map(|n| n.to_string()).into(),
            imported
                .extras
                .rejection_reason
                .map(RejectionReason::as_str)
                .into(),
            imported.extras.email_confirmed_at.map(timestamp).into(),
            imported.taken_in_charge_at.map(timestamp).into(),
            imported.closed_at.map(timestamp).into(),
            ticket.id.to_string().into(),
        ],
    )?;
    for event in &imported.events {
        insert_event(db, event)?;
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
    /// Another file holds the position.
    PositionTaken,
}

/// Records an uploaded photo at its position, unless the position holds another one.
/// With `write` false it only says what recording would do, so that the Worker stores a
/// file in R2 only for a free position and never overwrites a recorded one.
pub fn record_imported_photo(
    db: &impl SqlDatabase,
    id: TicketId,
    photo: &PhotoRecord,
    write: bool,
) -> Result<PhotoImport, StoreError> {
    db.transaction(|db| {
        let found: Vec<Existing> = db.query(
            "SELECT id, public_number, tracking_token FROM tickets WHERE id = ?",
            &[id.to_string().into()],
        )?;
        if found.is_empty() {
            return Ok(PhotoImport::NoSuchTicket);
        }
        match photos(db, id)?
            .into_iter()
            .find(|p| p.position == photo.position)
        {
            Some(here) if here == *photo => Ok(PhotoImport::AlreadyThere),
            Some(_) => Ok(PhotoImport::PositionTaken),
            None => {
                if write {
                    insert_photo(db, id, photo)?;
                }
                Ok(PhotoImport::Recorded)
            }
        }
    })
}
