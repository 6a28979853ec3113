//! A ticket: a validated report with an identity, an office and a history.

use crate::ids::{Entropy, TicketId, TrackingToken};
use crate::public_number::PublicNumber;
use crate::report::ValidReport;
use crate::routing::RoutingDecision;
use crate::status::{Action, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub public_number: PublicNumber,
    pub tracking_token: TrackingToken,
    pub status: Status,
    pub priority: Priority,
    pub report: ValidReport,
    pub routing: RoutingDecision,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Citizen,
    Staff(String),
    System,
}

/// What happened in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", untagged)]
pub enum EventKind {
    Created(Created),
    Action(Action),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Created {
    Created,
}

impl EventKind {
    pub fn as_str(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => unreachable!("event kinds serialise to strings"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Shown to the citizen and, without personal data, to the public.
    Public,
    /// Seen by staff only.
    Internal,
}

/// One entry of a ticket's append-only history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub ticket_id: TicketId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: EventKind,
    pub from_status: Option<Status>,
    pub to_status: Status,
    /// Office holding the ticket after the event.
    pub office: Option<String>,
    pub visibility: Visibility,
    pub note: Option<String>,
}

impl Ticket {
    /// Opens a ticket for a validated, routed report, with its first history event.
    /// `number` is the next public number, assigned by the store in the same transaction;
    /// `id` is chosen beforehand so that photos can be stored under it first.
    pub fn open(
        id: TicketId,
        report: ValidReport,
        routing: RoutingDecision,
        number: PublicNumber,
        now: DateTime<Utc>,
        entropy: &mut impl Entropy,
    ) -> (Ticket, TicketEvent) {
        let ticket = Ticket {
            id,
            public_number: number,
            tracking_token: TrackingToken::generate(entropy),
            status: Status::Received,
            priority: Priority::Normal,
            report,
            routing,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = TicketEvent {
            ticket_id: ticket.id,
            at: now,
            actor: Actor::Citizen,
            kind: EventKind::Created(Created::Created),
            from_status: None,
            to_status: Status::Received,
            office: Some(ticket.routing.office.clone()),
            visibility: Visibility::Public,
            note: None,
        };
        (ticket, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_have_stable_names() {
        assert_eq!(EventKind::Created(Created::Created).as_str(), "created");
        assert_eq!(
            EventKind::Action(Action::TakeInCharge).as_str(),
            "take_in_charge"
        );
        assert_eq!(
            EventKind::parse("resolve"),
            Some(EventKind::Action(Action::Resolve))
        );
        assert_eq!(
            EventKind::parse("created"),
            Some(EventKind::Created(Created::Created))
        );
        assert_eq!(EventKind::parse("explode"), None);
    }
}
