//! What is owed by e-mail. Every public history event leaves, in the transaction that
//! appends it, one row per citizen following the ticket: its reporter, and the reporters of
//! the tickets merged into it as duplicates (they follow the original from then on).
//! Citizens without an e-mail address get none; confirmed subscribers of the ticket (and
//! of its duplicates) hear of its changes of status. A new ticket, and a ticket passed to
//! another office, leave a row for the office that receives it; once a working day each
//! office with tickets about to miss (or past) their response target gets one list.
//!
//! Rows go on the outbox queue after the write that made them (`to_enqueue`, then
//! `mark_enqueued`); a periodic sweep puts back any whose queue message was lost. The
//! delivery itself is in `delivery`.

use super::inbox::overdue_clause;
use super::{count, timestamp, SqlDatabase, SqlValue, StoreError};
use crate::config::ComuneConfig;
use crate::status::Action;
use crate::ticket::{Actor, EventKind, TicketEvent, Visibility};
use crate::working_days::Calendar;
use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Who a row is for and about what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A public step, to a citizen following the ticket.
    Citizen,
    /// A new ticket, to the office it was routed to.
    OfficeNewTicket,
    /// A ticket passed to the office by another one.
    OfficeReassigned,
    /// The daily list of the office's tickets about to miss their target.
    OfficeDeadlines,
    /// A citizen wrote, said the problem is not solved, or rated the answer.
    OfficeCitizenUpdate,
    /// A change of status, to someone following the report by subscription.
    Subscriber,
    /// The link confirming a new subscription's address.
    SubscriptionConfirmation,
    /// A one-time link to sign in to "my reports".
    CitizenSignIn,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::OfficeNewTicket => "office_new_ticket",
            Self::OfficeReassigned => "office_reassigned",
            Self::OfficeDeadlines => "office_deadlines",
            Self::OfficeCitizenUpdate => "office_citizen_update",
            Self::Subscriber => "subscriber",
            Self::SubscriptionConfirmation => "subscription_confirmation",
            Self::CitizenSignIn => "citizen_sign_in",
        }
    }
}

/// A row without any queue message for this long (the longest retry delay is 6 hours)
/// has lost it, and goes on the queue again.
const STALE_AFTER_HOURS: i64 = 13;

/// The daily deadline lists are made from this hour, Rome time, on working days.
pub const DIGEST_HOUR: u32 = 7;

#[derive(Deserialize)]
struct LastId {
    id: i64,
}

/// The reporters of a ticket's duplicates, told of a step of the ticket.
pub(super) const TELL_DUPLICATES: &str =
    "INSERT INTO outbox (kind, event_id, recipient_ticket_id, created_at)
     SELECT 'citizen', ?, id, ? FROM tickets
     WHERE reporter_email IS NOT NULL
       AND duplicate_of = (SELECT public_number FROM tickets WHERE id = ?)
     ORDER BY created_at, id";

/// The ticket's own reporter and those of its duplicates, told of a public step.
pub(super) const TELL_REPORTERS: &str =
    "INSERT INTO outbox (kind, event_id, recipient_ticket_id, created_at)
     SELECT 'citizen', ?, id, ? FROM tickets
     WHERE reporter_email IS NOT NULL
       AND (id = ? OR duplicate_of = (SELECT public_number FROM tickets WHERE id = ?))
     ORDER BY created_at, id";

/// Records the rows owed for the event just appended (the last row inserted).
pub(super) fn record_for_last_event(
    db: &impl SqlDatabase,
    event: &TicketEvent,
) -> Result<(), StoreError> {
    let last: Vec<LastId> = db.query("SELECT last_insert_rowid() AS id", &[])?;
    let event_id = last
        .first()
        .map(|row| row.id)
        .ok_or_else(|| StoreError::Database("no event id".into()))?;
    let at = timestamp(event.at);
    let ticket = event.ticket_id.to_string();
    // What a citizen did after filing is for the office only: told back to nobody, and
    // never to the other citizens following the ticket (their words are theirs).
    let by_citizen = event.actor == Actor::Citizen && !matches!(event.kind, EventKind::Created(_));
    // A citizen's "not solved" reopens the report for everyone following it: the reporters
    // of its duplicates hear of the step (without the words); the citizen who said it does
    // not.
    if by_citizen && event.kind == EventKind::Action(Action::Reopen) {
        db.execute(
            TELL_DUPLICATES,
            &[event_id.into(), at.as_str().into(), ticket.as_str().into()],
        )?;
    }
    if event.visibility == Visibility::Public && !by_citizen {
        db.execute(
            TELL_REPORTERS,
            &[
                event_id.into(),
                at.as_str().into(),
                ticket.as_str().into(),
                ticket.as_str().into(),
            ],
        )?;
    }
    if tells_followers(event, by_citizen) {
        super::subscriptions::record_for_event(db, event_id, &ticket, &at)?;
    }
    let office_kind = match event.kind {
        EventKind::Created(_) => Some(OutboxKind::OfficeNewTicket),
        _ if by_citizen => Some(OutboxKind::OfficeCitizenUpdate),
        EventKind::Action(Action::Reassign) => Some(OutboxKind::OfficeReassigned),
        EventKind::Action(_) => None,
    };
    if let (Some(kind), Some(office)) = (office_kind, &event.office) {
        db.execute(
            "INSERT INTO outbox (kind, event_id, office_id, created_at) VALUES (?, ?, ?, ?)",
            &[
                kind.as_str().into(),
                event_id.into(),
                office.as_str().into(),
                at.into(),
            ],
        )?;
    }
    Ok(())
}

/// Whether people following the report by subscription hear of the step: changes of its
/// status only (a reply or a note is written to the reporter, in words that are theirs).
fn tells_followers(event: &TicketEvent, by_citizen: bool) -> bool {
    let EventKind::Action(action) = event.kind else {
        return false;
    };
    let status_step = matches!(
        action,
        Action::TakeInCharge
            | Action::StartWork
            | Action::Reassign
            | Action::Resolve
            | Action::Reject
            | Action::MarkDuplicate
            | Action::Reopen
    );
    status_step
        && (event.visibility == Visibility::Public || (by_citizen && action == Action::Reopen))
}

/// A row to put on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Owed {
    pub id: i64,
    pub kind: OutboxKind,
}

/// Undelivered rows that are on no queue: never put there, or silent for so long that
/// their message was lost. Held rows wait for the citizen's confirmation instead.
pub fn to_enqueue(
    db: &impl SqlDatabase,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Owed>, StoreError> {
    to_enqueue_after(db, now, limit, Duration::hours(STALE_AFTER_HOURS))
}

/// [`to_enqueue`] with another silence after which a queue message counts as lost: the
/// local runtime keeps its queue in memory, so the fault tests lose it on purpose and
/// shorten the wait (`OUTBOX_STALE_SECONDS`).
pub fn to_enqueue_after(
    db: &impl SqlDatabase,
    now: DateTime<Utc>,
    limit: u32,
    stale_after: Duration,
) -> Result<Vec<Owed>, StoreError> {
    let stale = timestamp(now - stale_after);
    db.query(
        "SELECT id, kind FROM outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND held_at IS NULL
           AND (enqueued_at IS NULL OR COALESCE(last_attempt_at, enqueued_at) < ?)
           AND (leased_until IS NULL OR leased_until < ?)
         ORDER BY id LIMIT ?",
        &[stale.into(), timestamp(now).into(), i64::from(limit).into()],
    )
}

/// Notes that these rows are on the queue.
pub fn mark_enqueued(
    db: &impl SqlDatabase,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut params: Vec<SqlValue> = vec![timestamp(now).into()];
    params.extend(ids.iter().map(|&id| SqlValue::from(id)));
    db.execute(
        &format!(
            "UPDATE outbox SET enqueued_at = ? WHERE id IN ({})",
            vec!["?"; ids.len()].join(", ")
        ),
        &params,
    )
}

/// Rows not yet delivered (waiting, retrying or held), for health checks and tests.
pub fn undelivered(db: &impl SqlDatabase) -> Result<u64, StoreError> {
    count(
        db,
        "SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        &[],
    )
}

/// Releases every held row when the comune no longer asks for confirmation.
pub fn release_all_held(db: &impl SqlDatabase) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET held_at = NULL WHERE held_at IS NOT NULL",
        &[],
    )
}

#[derive(Deserialize)]
struct OfficeDue {
    office: String,
}

/// Makes today's deadline lists, once per office and Rome day, on working days from
/// [`DIGEST_HOUR`]: for each office with open tickets due by the end of the next working
/// day or already late. Returns how many lists were added.
pub fn schedule_digests(
    db: &impl SqlDatabase,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // Rome wall-clock time, kept in a UTC value only to read its day and hour.
    let local = now + Duration::hours(crate::italian_time::rome_offset_hours(now));
    let calendar = Calendar::new(&config.local_holidays);
    if local.hour() < DIGEST_HOUR || !calendar.is_working_day(local.date_naive()) {
        return Ok(0);
    }
    let day = local.date_naive().format("%Y-%m-%d").to_string();
    let (due, params) = overdue_clause(calendar.deadline(now, 1));
    let offices: Vec<OfficeDue> = db.query(
        &format!("SELECT DISTINCT office FROM tickets WHERE {due} ORDER BY office"),
        &params,
    )?;
    let mut added = 0;
    for office in offices {
        if config.office(&office.office).is_none() {
            continue;
        }
        let before = count(
            db,
            "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'office_deadlines' AND office_id = ? AND digest_day = ?",
            &[office.office.as_str().into(), day.as_str().into()],
        )?;
        if before == 0 {
            db.execute(
                "INSERT INTO outbox (kind, office_id, digest_day, created_at)
                 VALUES ('office_deadlines', ?, ?, ?)",
                &[
                    office.office.as_str().into(),
                    day.as_str().into(),
                    timestamp(now).into(),
                ],
            )?;
            added += 1;
        }
    }
    Ok(added)
}
