//! What staff do to a ticket. A command is checked against the ticket as it is now (its
//! version, the state machine in [`Status::after`], the comune's offices) and, if accepted,
//! yields the changed ticket and the one history event that records who did what and when.
//! Storing both atomically, with the version check repeated in the same transaction, is the
//! store's job; deciding is this module's, so every rule is testable without a database.

use crate::config::ComuneConfig;
use crate::public_number::PublicNumber;
use crate::staff::StaffId;
use crate::status::{Action, Status, TransitionRefused};
use crate::text;
use crate::ticket::{Actor, EventKind, Priority, Ticket, TicketEvent, Visibility};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest text staff may write in a reply, answer, reason or note.
pub const MAX_STAFF_TEXT: usize = 4000;

/// Why a report is closed without being fixed; shown to the citizen with the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// Not a matter for the comune (another body is responsible).
    NotCompetent,
    /// Inspected, and there is nothing to fix.
    NotAProblem,
    /// Must go through a formal procedure (an application, an appeal...).
    NeedsOfficialChannel,
    /// Not enough information to act on.
    InsufficientInformation,
}

impl RejectionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotCompetent => "not_competent",
            Self::NotAProblem => "not_a_problem",
            Self::NeedsOfficialChannel => "needs_official_channel",
            Self::InsufficientInformation => "insufficient_information",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }
}

/// A staff command, with the text each one needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    TakeInCharge {
        #[serde(default)]
        reply: Option<String>,
    },
    StartWork {
        #[serde(default)]
        reply: Option<String>,
    },
    SetPriority {
        priority: Priority,
    },
    /// Gives the ticket to a colleague of its office (`null` leaves it unassigned).
    Assign {
        assignee: Option<StaffId>,
    },
    /// Closes the ticket as a repetition of another; its citizen then follows the original.
    MarkDuplicate {
        of: PublicNumber,
    },
    /// Hands the ticket to another office; the reason is told to the citizen.
    Reassign {
        office: String,
        reason: String,
    },
    PublicReply {
        text: String,
    },
    /// Never shown to the citizen or the public.
    InternalNote {
        text: String,
    },
    Resolve {
        answer: String,
    },
    Reject {
        reason: RejectionReason,
        explanation: String,
    },
    Reopen {
        reason: String,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Self::TakeInCharge { .. } => Action::TakeInCharge,
            Self::StartWork { .. } => Action::StartWork,
            Self::SetPriority { .. } => Action::SetPriority,
            Self::Assign { .. } => Action::Assign,
            Self::MarkDuplicate { .. } => Action::MarkDuplicate,
            Self::Reassign { .. } => Action::Reassign,
            Self::PublicReply { .. } => Action::PublicReply,
            Self::InternalNote { .. } => Action::InternalNote,
            Self::Resolve { .. } => Action::Resolve,
            Self::Reject { .. } => Action::Reject,
            Self::Reopen { .. } => Action::Reopen,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Someone else changed the ticket since the staff member loaded it.
    #[error("the ticket was changed by someone else (now at version {current}, the action was for version {expected}); reload it and try again")]
    Stale { current: u32, expected: u32 },
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: &'static str,
    },
}

fn invalid(field: &'static str, code: &'static str, message: &'static str) -> CommandError {
    CommandError::Invalid {
        field,
        code,
        message,
    }
}

/// Checks a staff text: present when required, clean, within the length limit.
fn staff_text(
    field: &'static str,
    value: Option<&str>,
    required: bool,
) -> Result<Option<String>, CommandError> {
    let cleaned = match value {
        None => None,
        Some(raw) => Some(
            text::clean(raw)
                .map_err(|_| invalid(field, "control_characters", "contains control characters"))?,
        ),
    }
    .filter(|t| !t.is_empty());
    match &cleaned {
        None if required => Err(invalid(field, "required", "is required for this action")),
        Some(t) if text::char_len(t) > MAX_STAFF_TEXT => {
            Err(invalid(field, "too_long", "is longer than 4000 characters"))
        }
        _ => Ok(cleaned),
    }
}

/// The ticket after an accepted command, and the event to append to its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ticket: Ticket,
    pub event: TicketEvent,
    /// For a rejection, the reason the store records on the ticket while it stays rejected.
    pub rejection: Option<RejectionReason>,
}

/// Decides a command on the ticket as loaded at `expected_version`.
pub fn decide(
    ticket: &Ticket,
    command: &Command,
    actor: Actor,
    expected_version: u32,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Outcome, CommandError> {
    if ticket.version != expected_version {
        return Err(CommandError::Stale {
            current: ticket.version,
            expected: expected_version,
        });
    }
    let to_status: Status = ticket.status.after(command.action())?;
    let mut next = ticket.clone();
    let mut visibility = Visibility::Public;
    let mut rejection = None;
    let note = match command {
        Command::TakeInCharge { reply } | Command::StartWork { reply } => {
            // Whoever takes a ticket nobody holds becomes its assignee.
            if let (None, Actor::Staff(id)) = (&ticket.assignee, &actor) {
                next.assignee = StaffId::parse(id).ok();
            }
            staff_text("reply", reply.as_deref(), false)?
        }
        Command::Assign { assignee } => {
            if *assignee == ticket.assignee {
                return Err(invalid("assignee", "unchanged", "already holds the ticket"));
            }
            next.assignee = assignee.clone();
            visibility = Visibility::Internal;
            assignee.as_ref().map(ToString::to_string)
        }
        Command::MarkDuplicate { of } => {
            if *of == ticket.public_number {
                return Err(invalid(
                    "of",
                    "same_ticket",
                    "a ticket cannot duplicate itself",
                ));
            }
            next.duplicate_of = Some(*of);
            Some(of.to_string())
        }
        Command::SetPriority { priority } => {
            if *priority == ticket.priority {
                return Err(invalid(
                    "priority",
                    "unchanged",
                    "is already the ticket's priority",
                ));
            }
            next.priority = *priority;
            visibility = Visibility::Internal;
            Some(priority.as_str().to_string())
        }
        Command::Reassign { office, reason } => {
            if config.office(office).is_none() {
                return Err(invalid(
                    "office",
                    "unknown_office",
                    "is not an office of this comune",
                ));
            }
            if *office == ticket.routing.office {
                return Err(invalid("office", "same_office", "already holds the ticket"));
            }
            let reason = staff_text("reason", Some(reason), true)?;
            next.routing.office = office.clone();
            // Placed by a person now, not by a rule: the rule id would mislead auditors.
            next.routing.rule = None;
            // The new office starts afresh: nobody of it holds the ticket yet, and its
            // time to take it in charge runs from now (the resolution target does not move).
            next.assignee = None;
            next.due.respond_by =
                crate::ticket::Deadlines::for_report(config, &ticket.report.category, now)
                    .respond_by;
            reason
        }
        Command::PublicReply { text } => staff_text("text", Some(text), true)?,
        Command::InternalNote { text } => {
            visibility = Visibility::Internal;
            staff_text("text", Some(text), true)?
        }
        Command::Resolve { answer } => staff_text("answer", Some(answer), true)?,
        Command::Reject {
            reason,
            explanation,
        } => {
            rejection = Some(*reason);
            staff_text("explanation", Some(explanation), true)?
        }
        Command::Reopen { reason } => {
            next.duplicate_of = None;
            staff_text("reason", Some(reason), true)?
        }
    };
    let step = Step {
        action: command.action(),
        to_status,
        actor,
        visibility,
        note,
    };
    let (ticket, event) = record_step(ticket, next, step, now);
    Ok(Outcome {
        ticket,
        event,
        rejection,
    })
}

/// An accepted step, as its history event tells it.
pub(crate) struct Step {
    pub action: Action,
    pub to_status: Status,
    pub actor: Actor,
    pub visibility: Visibility,
    pub note: Option<String>,
}

/// The ticket after an accepted step (`next`, already changed by it) with its status,
/// version and time moved on, and the event that records it, naming the office that holds
/// the ticket afterwards. Staff commands and a citizen's follow-up both end here.
pub(crate) fn record_step(
    ticket: &Ticket,
    mut next: Ticket,
    step: Step,
    now: DateTime<Utc>,
) -> (Ticket, TicketEvent) {
    next.status = step.to_status;
    next.version = ticket.version + 1;
    next.updated_at = now;
    let event = TicketEvent {
        ticket_id: ticket.id,
        at: now,
        actor: step.actor,
        kind: EventKind::Action(step.action),
        from_status: Some(ticket.status),
        to_status: step.to_status,
        office: Some(next.routing.office.clone()),
        visibility: step.visibility,
        note: step.note,
    };
    (next, event)
}

#[cfg(test)]
mod tests;
