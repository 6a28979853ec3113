//! Delivering one outbox row: the consumer claims it (the message rendered, a short
//! lease so a queue message delivered twice is sent once), sends it, and records how it
//! went: sent, retry after a delay that grows with each attempt, or failed for good.
//! Staff see every delivery of a ticket and can put a failed one back on the queue.

use super::inbox::{overdue_clause, visible_ticket};
use super::outbox::OutboxKind;
use super::staff::{audit, StaffError};
use super::{history_event, parse_timestamp, timestamp, SqlDatabase, StoreError, TicketRow};
use crate::config::ComuneConfig;
use crate::mail::follower::{self, Follower};
use crate::mail::provider::{Outcome, Sender};
use crate::mail::{citizen_message, office, Message, Notice};
use crate::public_number::PublicNumber;
use crate::staff::{Permission, StaffUser};
use crate::status::Action;
use crate::ticket::{EventKind, Ticket, TicketEvent};
use crate::workflow::RejectionReason;
use crate::working_days::Calendar;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Attempts before a delivery fails for good: with the default one-minute first delay,
/// doubling up to six hours, the last one is about a day after the first.
pub const MAX_ATTEMPTS: i64 = 13;
/// The longest wait between two attempts.
pub const MAX_RETRY_SECONDS: u32 = 6 * 3600;
/// How long a consumer holds a claimed row while it calls the provider.
pub const LEASE_SECONDS: i64 = 60;

/// One message ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub kind: OutboxKind,
    pub to: String,
    pub message: Message,
    /// Stable for the row, so the provider recognises a repeated request.
    pub idempotency_key: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// Sender and API from the same configuration the message was rendered with.
    pub sender: Sender,
}

/// What the consumer is to do with a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
pub enum Claim {
    Deliver(Box<Delivery>),
    /// Sent, failed for good, or gone: nothing to do.
    Done,
    /// Another consumer holds it: ask again after this many seconds.
    Busy {
        seconds: u32,
    },
    /// Waiting for the citizen to confirm the address; back on the queue when confirmed.
    Held,
}

/// How an attempt was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "recorded", rename_all = "snake_case")]
pub enum Recorded {
    Sent,
    RetryIn { seconds: u32 },
    Failed,
}

#[derive(Debug, Deserialize)]
struct Row {
    kind: OutboxKind,
    event_id: Option<i64>,
    recipient_ticket_id: Option<String>,
    office_id: Option<String>,
    #[serde(default)]
    subscription_id: Option<i64>,
    #[serde(default)]
    sign_in_id: Option<i64>,
    created_at: String,
    attempts: i64,
    leased_until: Option<String>,
    sent_at: Option<String>,
    failed_at: Option<String>,
    held_at: Option<String>,
}

fn row(db: &impl SqlDatabase, id: i64) -> Result<Option<Row>, StoreError> {
    Ok(db
        .query::<Row>("SELECT * FROM outbox WHERE id = ?", &[id.into()])?
        .into_iter()
        .next())
}

fn ticket(db: &impl SqlDatabase, id: &str) -> Result<Option<Ticket>, StoreError> {
    db.query::<TicketRow>("SELECT * FROM tickets WHERE id = ?", &[id.into()])?
        .into_iter()
        .next()
        .map(Ticket::try_from)
        .transpose()
}

enum Rendered {
    Message {
        to: String,
        message: Message,
    },
    Hold,
    /// Nothing can be sent any more, for this reason.
    Nothing(String),
}

/// Claims a row for one attempt: renders its message with the configuration in force and
/// leases it for [`LEASE_SECONDS`].
pub fn claim(
    db: &impl SqlDatabase,
    id: i64,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    db.transaction(|db| {
        let Some(row) = row(db, id)? else {
            return Ok(Claim::Done);
        };
        if row.sent_at.is_some() || row.failed_at.is_some() {
            return Ok(Claim::Done);
        }
        if row.held_at.is_some() {
            return Ok(Claim::Held);
        }
        if let Some(until) = &row.leased_until {
            let until = parse_timestamp(until)?;
            if until > now {
                let seconds = (until - now).num_seconds().clamp(1, LEASE_SECONDS);
                return Ok(Claim::Busy {
                    seconds: seconds as u32,
                });
            }
        }
        match render(db, &row, config, now)? {
            Rendered::Message { to, message } => {
                db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, leased_until = ?
                     WHERE id = ?",
                    &[
                        timestamp(now).into(),
                        timestamp(now + Duration::seconds(LEASE_SECONDS)).into(),
                        id.into(),
                    ],
                )?;
                Ok(Claim::Deliver(Box::new(Delivery {
                    id,
                    kind: row.kind,
                    to,
                    message,
                    idempotency_key: format!(
                        "segnala-{}-{}-{}",
                        config.id,
                        id,
                        parse_timestamp(&row.created_at)?.timestamp_millis()
                    ),
                    attempt: row.attempts + 1,
                    sender: Sender::of(config),
                })))
            }
            Rendered::Hold => {
                db.execute(
                    "UPDATE outbox SET held_at = ?, enqueued_at = NULL WHERE id = ?",
                    &[timestamp(now).into(), id.into()],
                )?;
                Ok(Claim::Held)
            }
            Rendered::Nothing(reason) => {
                db.execute(
                    "UPDATE outbox SET failed_at = ?, last_error = ? WHERE id = ?",
                    &[timestamp(now).into(), reason.into(), id.into()],
                )?;
                Ok(Claim::Done)
            }
        }
    })
}

/// Columns of a ticket row that the `Ticket` type does not carry.
#[derive(Deserialize)]
struct ExtraColumns {
    email_confirmation_code: Option<String>,
    email_confirmed_at: Option<String>,
    rejection_reason: Option<String>,
}

fn extra_columns(db: &impl SqlDatabase, id: &str) -> Result<Option<ExtraColumns>, StoreError> {
    Ok(db
        .query::<ExtraColumns>(
            "SELECT email_confirmation_code, email_confirmed_at, rejection_reason
             FROM tickets WHERE id = ?",
            &[id.into()],
        )?
        .into_iter()
        .next())
}

fn render(
    db: &impl SqlDatabase,
    row: &Row,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Rendered, StoreError> {
    let event = match row.event_id {
        Some(event_id) => history_event(db, event_id)?,
        None => None,
    };
    let nothing = |reason: &str| Ok(Rendered::Nothing(reason.to_string()));
    match row.kind {
        OutboxKind::Citizen => {
            let (Some(event), Some(recipient_id)) = (event, &row.recipient_ticket_id) else {
                return nothing("the step or the ticket is missing");
            };
            let Some(recipient) = ticket(db, recipient_id)? else {
                return nothing("the ticket is missing");
            };
            let Some(email) = recipient.report.reporter.email.clone() else {
                return nothing("the citizen's address was erased");
            };
            let event_ticket = if event.ticket_id == recipient.id {
                recipient.clone()
            } else {
                match ticket(db, &event.ticket_id.to_string())? {
                    Some(ticket) => ticket,
                    None => return nothing("the ticket is missing"),
                }
            };
            // The address waits for confirmation only while the comune asks for it.
            let unconfirmed_code = if config.confirms_addresses() {
                extra_columns(db, recipient_id)?
                    .filter(|c| c.email_confirmed_at.is_none())
                    .and_then(|c| c.email_confirmation_code)
            } else {
                None
            };
            let first =
                matches!(event.kind, EventKind::Created(_)) && event.ticket_id == recipient.id;
            if unconfirmed_code.is_some() && !first {
                return Ok(Rendered::Hold);
            }
            let rejection = rejection_of(db, &event, &event_ticket)?;
            let notice = Notice {
                recipient: &recipient,
                event_ticket: &event_ticket,
                event: &event,
                rejection,
                confirmation_url: unconfirmed_code.map(|code| confirmation_url(config, &code)),
            };
            match citizen_message(&notice, config) {
                Some(message) => Ok(Rendered::Message {
                    to: email.as_str().to_string(),
                    message,
                }),
                None => nothing("an internal step tells the citizen nothing"),
            }
        }
        OutboxKind::OfficeNewTicket
        | OutboxKind::OfficeReassigned
        | OutboxKind::OfficeCitizenUpdate => {
            let Some(event) = event else {
                return nothing("the step is missing");
            };
            let Some(office) = row.office_id.as_deref().and_then(|id| config.office(id)) else {
                return nothing("the office is no longer in the configuration");
            };
            let Some(ticket) = ticket(db, &event.ticket_id.to_string())? else {
                return nothing("the ticket is missing");
            };
            let message = match row.kind {
                OutboxKind::OfficeNewTicket => office::new_ticket(office, &ticket, config),
                OutboxKind::OfficeCitizenUpdate => {
                    office::citizen_update(office, &ticket, &event, config)
                }
                _ => {
                    let from = previous_office(db, &event.ticket_id.to_string(), row.event_id)?;
                    office::reassigned_to_office(
                        office,
                        &ticket,
                        from.as_deref().unwrap_or(""),
                        event.note.as_deref().unwrap_or(""),
                        config,
                    )
                }
            };
            Ok(Rendered::Message {
                to: office.email.as_str().to_string(),
                message,
            })
        }
        OutboxKind::Subscriber | OutboxKind::SubscriptionConfirmation => {
            let Some(subscriber) = row
                .subscription_id
                .map(|id| super::subscriptions::recipient(db, id))
                .transpose()?
                .flatten()
            else {
                return nothing("the subscription is missing");
            };
            let Some(email) = subscriber.email.clone() else {
                return nothing("the subscription ended");
            };
            let Some(followed) = ticket(db, &subscriber.ticket_id)? else {
                return nothing("the ticket is missing");
            };
            let follower = Follower {
                language: crate::report::Language::parse(&subscriber.language).unwrap_or_default(),
                secret: &subscriber.secret,
            };
            let message = if row.kind == OutboxKind::SubscriptionConfirmation {
                if subscriber.confirmed_at.is_some() {
                    return nothing("the address was confirmed already");
                }
                Some(follower::confirmation(&follower, &followed, config))
            } else {
                let Some(event) = event else {
                    return nothing("the step is missing");
                };
                let event_ticket = if event.ticket_id == followed.id {
                    followed.clone()
                } else {
                    match ticket(db, &event.ticket_id.to_string())? {
                        Some(ticket) => ticket,
                        None => return nothing("the ticket is missing"),
                    }
                };
                let rejection = rejection_of(db, &event, &event_ticket)?;
                follower::step(
                    &follower,
                    &followed,
                    &event_ticket,
                    &event,
                    rejection,
                    config,
                )
            };
            match message {
                Some(message) => Ok(Rendered::Message { to: email, message }),
                None => nothing("followers do not hear of this step"),
            }
        }
        OutboxKind::CitizenSignIn => {
            let Some(link) = row
                .sign_in_id
                .map(|id| super::citizen_access::link(db, id))
                .transpose()?
                .flatten()
            else {
                return nothing("the sign-in link is missing");
            };
            let Some(email) = link.email else {
                return nothing("the citizen's address was erased");
            };
            let expires = parse_timestamp(&link.expires_at)?;
            if link.used_at.is_some() || expires <= now {
                return nothing("the sign-in link was used or expired before it was sent");
            }
            let language = crate::report::Language::parse(&link.language).unwrap_or_default();
            let url = crate::citizen_access::link_url(&config.public_url, language, &link.secret);
            let minutes = ((expires - now).num_seconds() + 59) / 60;
            let message = crate::mail::sign_in::sign_in_link(language, &url, minutes, config);
            Ok(Rendered::Message { to: email, message })
        }
        OutboxKind::OfficeDeadlines => {
            let Some(office) = row.office_id.as_deref().and_then(|id| config.office(id)) else {
                return nothing("the office is no longer in the configuration");
            };
            let (due, mut params) =
                overdue_clause(Calendar::new(&config.local_holidays).deadline(now, 1));
            params.insert(0, office.id.as_str().into());
            let rows: Vec<TicketRow> = db.query(
                &format!(
                    "SELECT * FROM tickets WHERE office = ? AND {due} ORDER BY respond_by, id LIMIT 200"
                ),
                &params,
            )?;
            let tickets = rows
                .into_iter()
                .map(Ticket::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&Ticket> = tickets.iter().collect();
            match office::deadline_digest(office, &refs, config, now) {
                Some(message) => Ok(Rendered::Message {
                    to: office.email.as_str().to_string(),
                    message,
                }),
                None => nothing("no ticket was left to list"),
            }
        }
    }
}

/// For a rejection, its reason (kept on the ticket, not in the event's note).
fn rejection_of(
    db: &impl SqlDatabase,
    event: &TicketEvent,
    ticket: &Ticket,
) -> Result<Option<RejectionReason>, StoreError> {
    if event.kind != EventKind::Action(Action::Reject) {
        return Ok(None);
    }
    Ok(extra_columns(db, &ticket.id.to_string())?
        .and_then(|c| c.rejection_reason)
        .and_then(|text| RejectionReason::parse(&text)))
}

/// The link in the first message that confirms the citizen's address.
pub fn confirmation_url(config: &ComuneConfig, code: &str) -> String {
    format!(
        "{}/conferma-email/{code}",
        config.public_url.trim_end_matches('/')
    )
}

#[derive(Deserialize)]
struct OfficeRow {
    office: Option<String>,
}

/// The office that held the ticket before the event.
fn previous_office(
    db: &impl SqlDatabase,
    ticket_id: &str,
    event_id: Option<i64>,
) -> Result<Option<String>, StoreError> {
    Ok(db
        .query::<OfficeRow>(
            "SELECT office FROM ticket_events WHERE ticket_id = ? AND id < ? AND office IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            &[ticket_id.into(), event_id.unwrap_or(i64::MAX).into()],
        )?
        .into_iter()
        .next()
        .and_then(|row| row.office))
}

/// The wait before attempt `attempts + 1`: the provider's Retry-After when it gave one,
/// else `base` doubled at each attempt, at most [`MAX_RETRY_SECONDS`].
pub fn retry_delay(attempts: i64, base: u32, retry_after: Option<u32>) -> u32 {
    let doubled = u64::from(base.max(1)) << attempts.clamp(1, 20).saturating_sub(1);
    retry_after
        .unwrap_or(doubled.min(u64::from(MAX_RETRY_SECONDS)) as u32)
        .clamp(1, MAX_RETRY_SECONDS)
}

/// Records the outcome of the attempt on a claimed row.
pub fn record(
    db: &impl SqlDatabase,
    id: i64,
    outcome: &Outcome,
    now: DateTime<Utc>,
    retry_base_seconds: u32,
) -> Result<Recorded, StoreError> {
    db.transaction(|db| {
        let Some(row) = row(db, id)? else {
            return Ok(Recorded::Failed);
        };
        if row.sent_at.is_some() {
            return Ok(Recorded::Sent);
        }
        if row.failed_at.is_some() {
            return Ok(Recorded::Failed);
        }
        let at = timestamp(now);
        match outcome {
            Outcome::Sent { provider_id } => {
                db.execute(
                    "UPDATE outbox SET sent_at = ?, provider_id = ?, leased_until = NULL, last_error = NULL
                     WHERE id = ?",
                    &[at.into(), provider_id.clone().into(), id.into()],
                )?;
                Ok(Recorded::Sent)
            }
            Outcome::Retry {
                reason,
                after_seconds,
            } if row.attempts < MAX_ATTEMPTS => {
                db.execute(
                    "UPDATE outbox SET last_error = ?, leased_until = NULL WHERE id = ?",
                    &[reason.as_str().into(), id.into()],
                )?;
                Ok(Recorded::RetryIn {
                    seconds: retry_delay(row.attempts, retry_base_seconds, *after_seconds),
                })
            }
            Outcome::Retry { reason, .. } => {
                fail(
                    db,
                    id,
                    &format!("gave up after {} attempts: {reason}", row.attempts),
                    now,
                )?;
                Ok(Recorded::Failed)
            }
            Outcome::GiveUp { reason } => {
                fail(db, id, reason, now)?;
                Ok(Recorded::Failed)
            }
        }
    })
}

fn fail(
    db: &impl SqlDatabase,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET failed_at = ?, last_error = ?, leased_until = NULL WHERE id = ?",
        &[timestamp(now).into(), reason.into(), id.into()],
    )
}

/// A row whose queue message went to the dead-letter queue: failed, keeping the last error.
pub fn dead_lettered(db: &impl SqlDatabase, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET failed_at = ?, leased_until = NULL,
             last_error = 'the outbox queue gave up on it' || COALESCE(' (last error: ' || last_error || ')', '')
         WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
        &[timestamp(now).into(), id.into()],
    )
}

/// How a delivery stands, for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// On the queue, or waiting for the next attempt.
    Pending,
    /// Waiting for the citizen to confirm the address.
    Held,
    Sent,
    Failed,
}

/// One e-mail owed about a ticket, as staff see it on the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    pub id: i64,
    pub kind: OutboxKind,
    /// The address written to; `None` once a citizen's address was erased.
    pub to: Option<String>,
    /// For a citizen: whose report (differs from the ticket for a duplicate's reporter).
    pub recipient_number: Option<String>,
    pub office: Option<String>,
    /// The step it tells of (`created`, `resolve`...).
    pub event: Option<String>,
    pub state: DeliveryState,
    pub created_at: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub failed_at: Option<String>,
}

#[derive(Deserialize)]
struct ViewRow {
    id: i64,
    kind: OutboxKind,
    office_id: Option<String>,
    event_kind: Option<String>,
    recipient_number: Option<String>,
    recipient_email: Option<String>,
    created_at: String,
    attempts: i64,
    last_error: Option<String>,
    sent_at: Option<String>,
    failed_at: Option<String>,
    held_at: Option<String>,
}

/// Every e-mail owed about the ticket: to its reporter, to the reporters of its
/// duplicates, and to the offices that received it. Oldest first.
pub fn deliveries(
    db: &impl SqlDatabase,
    ticket: &Ticket,
    config: &ComuneConfig,
) -> Result<Vec<DeliveryView>, StoreError> {
    let id = ticket.id.to_string();
    let rows: Vec<ViewRow> = db.query(
        "SELECT o.id, o.kind, o.office_id, e.kind AS event_kind, r.public_number AS recipient_number,
                r.reporter_email AS recipient_email, o.created_at, o.attempts, o.last_error,
                o.sent_at, o.failed_at, o.held_at
         FROM outbox o
         LEFT JOIN ticket_events e ON e.id = o.event_id
         LEFT JOIN tickets r ON r.id = o.recipient_ticket_id
         WHERE (o.recipient_ticket_id = ? OR e.ticket_id = ?)
           AND o.kind NOT IN ('subscriber', 'subscription_confirmation', 'citizen_sign_in')
         ORDER BY o.id",
        &[id.as_str().into(), id.as_str().into()],
    )?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let state = match (&row.sent_at, &row.failed_at, &row.held_at) {
                (Some(_), _, _) => DeliveryState::Sent,
                (_, Some(_), _) => DeliveryState::Failed,
                (_, _, Some(_)) => DeliveryState::Held,
                _ => DeliveryState::Pending,
            };
            let to = match row.kind {
                OutboxKind::Citizen => row.recipient_email,
                _ => row
                    .office_id
                    .as_deref()
                    .and_then(|office| config.office(office))
                    .map(|office| office.email.as_str().to_string()),
            };
            DeliveryView {
                id: row.id,
                kind: row.kind,
                to,
                recipient_number: row.recipient_number,
                office: row.office_id,
                event: row.event_kind,
                state,
                created_at: row.created_at,
                attempts: row.attempts,
                last_error: row.last_error,
                sent_at: row.sent_at,
                failed_at: row.failed_at,
            }
        })
        .collect())
}

/// Puts a failed delivery about the ticket back on the queue, with its attempts counted
/// afresh; recorded in the audit log.
pub fn resend(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    number: PublicNumber,
    delivery: i64,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Vec<DeliveryView>, StaffError> {
    if !viewer.may(Permission::WorkTickets) {
        return Err(StaffError::Forbidden);
    }
    let ticket = visible_ticket(db, viewer, number)?;
    let current = deliveries(db, &ticket, config)?;
    let Some(found) = current.iter().find(|d| d.id == delivery) else {
        return Err(StaffError::NotFound("delivery"));
    };
    if found.state != DeliveryState::Failed {
        return Err(StaffError::Conflict("delivery_not_failed"));
    }
    db.transaction(|db| {
        db.execute(
            "UPDATE outbox SET failed_at = NULL, attempts = 0, last_error = NULL, enqueued_at = NULL,
                 leased_until = NULL, last_attempt_at = NULL
             WHERE id = ?",
            &[delivery.into()],
        )?;
        audit(
            db,
            now,
            Some(&viewer.id),
            "resend_email",
            &number.to_string(),
            serde_json::json!({ "delivery": delivery, "kind": found.kind, "to": found.to }),
        )
    })?;
    Ok(deliveries(db, &ticket, config)?)
}
