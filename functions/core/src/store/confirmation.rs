//! Confirming a citizen's address: the link in the first message carries a secret code
//! kept with the ticket (never shown anywhere else). Following it confirms the address
//! and puts the held messages back on their way.

use super::{timestamp, SqlDatabase, StoreError, TicketRow};
use crate::ids::TrackingToken;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};

/// The ticket a confirmation code belongs to, without confirming anything: what the link's
/// page shows before the citizen presses its button.
pub fn ticket_of_code(
    db: &impl SqlDatabase,
    code: &TrackingToken,
) -> Result<Option<Ticket>, StoreError> {
    let rows: Vec<TicketRow> = db.query(
        "SELECT * FROM tickets WHERE email_confirmation_code = ?",
        &[code.as_str().into()],
    )?;
    rows.into_iter().next().map(Ticket::try_from).transpose()
}

/// Confirms the address the code was sent to and releases its held messages; `None` for
/// an unknown code. Following the link again changes nothing.
pub fn confirm_email(
    db: &impl SqlDatabase,
    code: &TrackingToken,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>, StoreError> {
    db.transaction(|db| {
        let Some(ticket) = ticket_of_code(db, code)? else {
            return Ok(None);
        };
        let id = ticket.id.to_string();
        db.execute(
            "UPDATE tickets SET email_confirmed_at = COALESCE(email_confirmed_at, ?) WHERE id = ?",
            &[timestamp(now).into(), id.as_str().into()],
        )?;
        db.execute(
            "UPDATE outbox SET held_at = NULL WHERE recipient_ticket_id = ? AND held_at IS NOT NULL",
            &[id.into()],
        )?;
        Ok(Some(ticket))
    })
}
