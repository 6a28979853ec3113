//! Staff commands in the store: the ticket is read, the command decided by
//! [`crate::workflow::decide`], and the new state written with its event in one
//! transaction. The UPDATE repeats the version check, so two staff acting at once can
//! never both win: the second gets `Stale` and nothing of it is written.

use super::{append_event, timestamp, SqlDatabase, StoreError, TicketRow};
use crate::config::ComuneConfig;
use crate::ids::TicketId;
use crate::status::Status;
use crate::ticket::{Actor, Milestone, Ticket};
use crate::workflow::{self, Command, CommandError, Outcome, RejectionReason};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    #[error("no such ticket")]
    NotFound,
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Deserialize)]
struct Changes {
    changes: i64,
}

/// Applies a staff command to the ticket as loaded at `expected_version`.
pub fn apply_command(
    db: &impl SqlDatabase,
    id: TicketId,
    command: &Command,
    actor: Actor,
    expected_version: u32,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Outcome, ApplyError> {
    db.transaction(|db| {
        let rows: Vec<TicketRow> = db.query(
            "SELECT * FROM tickets WHERE id = ?",
            &[id.to_string().into()],
        )?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(Err(ApplyError::NotFound));
        };
        let ticket = Ticket::try_from(row)?;
        let outcome = match workflow::decide(&ticket, command, actor, expected_version, config, now)
        {
            Ok(outcome) => outcome,
            // Nothing was written: committing the empty transaction changes nothing.
            Err(refused) => return Ok(Err(refused.into())),
        };
        write(db, &outcome, ticket.version)?;
        Ok(Ok(outcome))
    })?
}

pub(super) fn write(
    db: &impl SqlDatabase,
    outcome: &Outcome,
    read_version: u32,
) -> Result<(), StoreError> {
    let ticket = &outcome.ticket;
    let (taken_in_charge, closed) = (outcome.event.taken_in_charge(), outcome.event.closed());
    let reopened =
        outcome.event.kind == crate::ticket::EventKind::Action(crate::status::Action::Reopen);
    let keeps = |m: Milestone| i64::from(m == Milestone::Keep);
    let value = |m: Milestone| match m {
        Milestone::Set(at) => Some(timestamp(at)),
        Milestone::Keep | Milestone::Clear => None,
    };
    // A new rejection sets the reason; a note on a rejected ticket keeps it; leaving the
    // rejected state (reopening) clears it.
    db.execute(
        "UPDATE tickets SET status = ?, priority = ?, office = ?, routing_rule = ?,
            rejection_reason = CASE WHEN ? THEN COALESCE(?, rejection_reason) END,
            assignee = ?, duplicate_of = ?, respond_by = ?, updated_at = ?, version = ?,
            taken_in_charge_at = CASE WHEN ? THEN taken_in_charge_at ELSE ? END,
            closed_at = CASE WHEN ? THEN closed_at ELSE ? END,
            rating = CASE WHEN ? THEN NULL ELSE rating END,
            rated_at = CASE WHEN ? THEN NULL ELSE rated_at END
         WHERE id = ? AND version = ?",
        &[
            ticket.status.as_str().into(),
            ticket.priority.as_str().into(),
            ticket.routing.office.as_str().into(),
            ticket.routing.rule.clone().into(),
            i64::from(ticket.status == Status::Rejected).into(),
            outcome.rejection.map(RejectionReason::as_str).into(),
            ticket.assignee.as_ref().map(ToString::to_string).into(),
            ticket.duplicate_of.map(|n| n.to_string()).into(),
            timestamp(ticket.due.respond_by).into(),
            timestamp(ticket.updated_at).into(),
            i64::from(ticket.version).into(),
            keeps(taken_in_charge).into(),
            value(taken_in_charge).into(),
            keeps(closed).into(),
            value(closed).into(),
            // The answer a rating was about is gone once the ticket is reopened.
            i64::from(reopened).into(),
            i64::from(reopened).into(),
            ticket.id.to_string().into(),
            i64::from(read_version).into(),
        ],
    )?;
    let changed: Vec<Changes> = db.query("SELECT changes() AS changes", &[])?;
    if changed.first().map(|c| c.changes) != Some(1) {
        // Unreachable inside one serialised transaction; refusing beats a lost update.
        return Err(StoreError::Database(
            "ticket changed during the transaction".into(),
        ));
    }
    append_event(db, &outcome.event)
}
