//! What citizens must be told. Every public history event leaves, in the transaction that
//! appends it, one notification per citizen following the ticket: its reporter, and the
//! reporters of the tickets merged into it as duplicates (they follow the original from
//! then on). Citizens without an e-mail address have no one to write to and get none.
//! The e-mail outbox delivers pending notifications and marks them sent.

use super::{timestamp, SqlDatabase, StoreError};
use crate::ticket::TicketEvent;
use serde::Deserialize;

#[derive(Deserialize)]
struct LastId {
    id: i64,
}

/// Records the notifications of the event just appended (the last row inserted).
pub(super) fn record_for_last_event(
    db: &impl SqlDatabase,
    event: &TicketEvent,
) -> Result<(), StoreError> {
    let last: Vec<LastId> = db.query("SELECT last_insert_rowid() AS id", &[])?;
    let event_id = last
        .first()
        .map(|row| row.id)
        .ok_or_else(|| StoreError::Database("no event id".into()))?;
    db.execute(
        "INSERT INTO notifications (event_id, recipient_ticket_id, created_at)
         SELECT ?, id, ? FROM tickets
         WHERE reporter_email IS NOT NULL
           AND (id = ? OR duplicate_of = (SELECT public_number FROM tickets WHERE id = ?))
         ORDER BY created_at, id",
        &[
            event_id.into(),
            timestamp(event.at).into(),
            event.ticket_id.to_string().into(),
            event.ticket_id.to_string().into(),
        ],
    )
}

/// A notification waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PendingNotification {
    pub id: i64,
    pub event_id: i64,
    /// The ticket whose reporter is to be told.
    pub recipient_ticket_id: String,
    /// The ticket the event happened on (the original, for a duplicate's reporter).
    pub event_ticket_id: String,
    pub kind: String,
    pub attempts: i64,
}

/// The oldest undelivered notifications, at most `limit`.
pub fn pending(db: &impl SqlDatabase, limit: u32) -> Result<Vec<PendingNotification>, StoreError> {
    db.query(
        "SELECT n.id, n.event_id, n.recipient_ticket_id, e.ticket_id AS event_ticket_id,
                e.kind, n.attempts
         FROM notifications n JOIN ticket_events e ON e.id = n.event_id
         WHERE n.sent_at IS NULL ORDER BY n.id LIMIT ?",
        &[i64::from(limit).into()],
    )
}
