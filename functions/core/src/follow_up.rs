//! What a citizen does with their report after sending it, from its tracking page (the
//! tracking link is their key): add information or photos and answer the office while it
//! works; once it is resolved, say that the problem is not solved, which reopens it within
//! the comune's window; rate the answer once it is closed. Each is one history event by the
//! citizen, decided here against the state machine like a staff command.

use crate::config::ComuneConfig;
use crate::status::{Action, Status, TransitionRefused};
use crate::text;
use crate::ticket::{Actor, EventKind, Ticket, TicketEvent, Visibility};
use crate::workflow::{record_step, Outcome, Step};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const MESSAGE_MAX_CHARS: usize = 2000;
pub const COMMENT_MAX_CHARS: usize = 1000;

/// What the citizen asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CitizenCommand {
    /// Information or an answer to the office, with `photos` new photos, while it is open.
    Message {
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        photos: u8,
    },
    /// The problem is still there: reopens a resolved report.
    NotSolved { reason: String },
    /// How the answer was, from 1 to 5 stars, once the report is closed.
    Rate {
        stars: u8,
        #[serde(default)]
        comment: Option<String>,
    },
}

/// What the ticket's history says beyond the `Ticket` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Circumstances {
    /// When it last closed, for a closed ticket.
    pub closed_at: Option<DateTime<Utc>>,
    pub rated: bool,
    /// The stars of the rating.
    pub rating: Option<u8>,
    /// Messages the citizen already added.
    pub messages: u32,
}

/// Reads the circumstances off the history (oldest event first).
pub fn circumstances(events: &[TicketEvent]) -> Circumstances {
    let mut known = Circumstances::default();
    for event in events {
        match event.closed() {
            crate::ticket::Milestone::Set(at) => known.closed_at = Some(at),
            crate::ticket::Milestone::Clear => known.closed_at = None,
            crate::ticket::Milestone::Keep => {}
        }
        match event.kind {
            EventKind::Action(Action::CitizenMessage) => known.messages += 1,
            // A reopened report will have a new answer, to rate afresh.
            EventKind::Action(Action::Reopen) => {
                known.rated = false;
                known.rating = None;
            }
            EventKind::Action(Action::Rate) => {
                known.rated = true;
                known.rating = event
                    .note
                    .as_deref()
                    .and_then(parse_rating_note)
                    .map(|(stars, _)| stars);
            }
            _ => {}
        }
    }
    known
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    #[error("the report was resolved more than {days} days ago: file a new report")]
    TooLate { days: u16 },
    #[error("reopening is not offered by this comune")]
    ReopeningOff,
    #[error("the answer has already been rated")]
    AlreadyRated,
    #[error("at most {max} messages per report")]
    TooManyMessages { max: u16 },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
}

fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> FollowUpError {
    FollowUpError::Invalid {
        field,
        code,
        message: message.into(),
    }
}

/// A citizen's text: trimmed, without control characters, within `max` characters.
fn words(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FollowUpError> {
    let Some(raw) = value else { return Ok(None) };
    let clean =
        text::clean(raw).map_err(|code| invalid(field, code, "contains control characters"))?;
    if text::char_len(&clean) > max {
        return Err(invalid(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(Some(clean).filter(|t| !t.is_empty()))
}

/// The note of a rating event: `4/5`, then the comment on the next lines.
pub fn rating_note(stars: u8, comment: Option<&str>) -> String {
    match comment {
        Some(comment) => format!("{stars}/5\n{comment}"),
        None => format!("{stars}/5"),
    }
}

/// The stars and the comment a rating event's note holds.
pub fn parse_rating_note(note: &str) -> Option<(u8, Option<String>)> {
    let (head, rest) = note.split_once('\n').unwrap_or((note, ""));
    let stars: u8 = head.strip_suffix("/5")?.parse().ok()?;
    (1..=5).contains(&stars).then(|| {
        let comment = rest.trim();
        (stars, (!comment.is_empty()).then(|| comment.to_string()))
    })
}

/// Decides a citizen's command on the ticket as it is now.
pub fn decide(
    ticket: &Ticket,
    command: &CitizenCommand,
    circumstances: Circumstances,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Outcome, FollowUpError> {
    let rules = config.follow_up;
    let (action, note) = match command {
        CitizenCommand::Message { text, photos } => {
            let text = words("text", text.as_deref(), MESSAGE_MAX_CHARS)?;
            if text.is_none() && *photos == 0 {
                return Err(invalid(
                    "text",
                    "required",
                    "write something or add a photo",
                ));
            }
            if circumstances.messages >= u32::from(rules.max_messages) {
                return Err(FollowUpError::TooManyMessages {
                    max: rules.max_messages,
                });
            }
            (Action::CitizenMessage, text)
        }
        CitizenCommand::NotSolved { reason } => {
            if ticket.status != Status::Resolved {
                // Only a resolution can be contested here; a rejection has its reasons.
                return Err(TransitionRefused {
                    from: ticket.status,
                    action: Action::Reopen,
                }
                .into());
            }
            if rules.reopen_days == 0 {
                return Err(FollowUpError::ReopeningOff);
            }
            let resolved = circumstances.closed_at.unwrap_or(ticket.updated_at);
            if now > resolved + Duration::days(i64::from(rules.reopen_days)) {
                return Err(FollowUpError::TooLate {
                    days: rules.reopen_days,
                });
            }
            let reason = words("reason", Some(reason), MESSAGE_MAX_CHARS)?
                .ok_or_else(|| invalid("reason", "required", "say what is still wrong"))?;
            (Action::Reopen, Some(reason))
        }
        CitizenCommand::Rate { stars, comment } => {
            if !(1..=5).contains(stars) {
                return Err(invalid("stars", "out_of_range", "from 1 to 5 stars"));
            }
            if circumstances.rated {
                return Err(FollowUpError::AlreadyRated);
            }
            let comment = words("comment", comment.as_deref(), COMMENT_MAX_CHARS)?;
            (Action::Rate, Some(rating_note(*stars, comment.as_deref())))
        }
    };
    let to_status = ticket.status.after(action)?;
    let mut next = ticket.clone();
    if action == Action::Reopen {
        next.duplicate_of = None;
    }
    let step = Step {
        action,
        to_status,
        actor: Actor::Citizen,
        // The citizen sees it on their page, the office in its history; it is told to no
        // other citizen (see `store::outbox`).
        visibility: Visibility::Public,
        note,
    };
    let (ticket, event) = record_step(ticket, next, step, now);
    Ok(Outcome {
        ticket,
        event,
        rejection: None,
    })
}

#[cfg(test)]
#[path = "follow_up_tests.rs"]
mod tests;
