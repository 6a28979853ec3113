//! A ticket: a validated report with an identity, an office and a history.

use crate::config::ComuneConfig;
use crate::ids::{Entropy, TicketId, TrackingToken};
use crate::public_number::PublicNumber;
use crate::report::ValidReport;
use crate::routing::RoutingDecision;
use crate::staff::StaffId;
use crate::status::{Action, Status};
use crate::working_days::Calendar;
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
    /// The staff member working on it, if someone was assigned or took it.
    pub assignee: Option<StaffId>,
    pub due: Deadlines,
    /// For a duplicate, the ticket it was merged into.
    pub duplicate_of: Option<PublicNumber>,
    /// The key of the client application (Open311) that filed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
}

/// When the comune promised to act on a ticket, from its category's response targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Taken in charge by then.
    pub respond_by: DateTime<Utc>,
    /// Resolved by then, where the category has a resolution target.
    pub resolve_by: Option<DateTime<Utc>>,
}

impl Deadlines {
    /// The deadlines of a report of `category` filed at `filed_at`.
    pub fn for_report(config: &ComuneConfig, category: &str, filed_at: DateTime<Utc>) -> Self {
        let calendar = Calendar::new(&config.local_holidays);
        let targets = config.category(category).map(|(_, c)| c.targets);
        // Validated reports always have a category; the fallback keeps an old row readable.
        let respond_days = targets.map_or(3, |t| t.take_in_charge_days);
        Self {
            respond_by: calendar.deadline(filed_at, respond_days),
            resolve_by: targets
                .and_then(|t| t.resolution_days)
                .map(|days| calendar.deadline(filed_at, days)),
        }
    }
}

impl Ticket {
    /// Late against a target: not yet taken in charge, or open past its resolution date.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        (self.status == Status::Received && now > self.due.respond_by)
            || (self.status.is_open() && self.due.resolve_by.is_some_and(|by| now > by))
    }
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

/// How an event moves one of the milestones kept beside a ticket for statistics and open
/// data (`taken_in_charge_at`, `closed_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    Keep,
    Set(DateTime<Utc>),
    Clear,
}

impl TicketEvent {
    /// The office's first action: leaving `received` for anything but a reassignment.
    /// A reassignment clears it, since the ticket waits again, for the new office.
    pub fn taken_in_charge(&self) -> Milestone {
        match (self.from_status, self.to_status) {
            _ if self.kind == EventKind::Action(crate::status::Action::Reassign) => {
                Milestone::Clear
            }
            (Some(Status::Received), to) if to != Status::Received => Milestone::Set(self.at),
            _ => Milestone::Keep,
        }
    }

    /// Entering a closed state sets it; reopening clears it.
    pub fn closed(&self) -> Milestone {
        let was_open = self.from_status.is_none_or(Status::is_open);
        match (was_open, self.to_status.is_open()) {
            (true, false) => Milestone::Set(self.at),
            (false, true) => Milestone::Clear,
            _ => Milestone::Keep,
        }
    }
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
        due: Deadlines,
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
            assignee: None,
            due,
            duplicate_of: None,
            api_key_id: None,
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

/// Tickets for the tests of what comes after filing.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::config::tests_support::demo_config;
    use crate::ids::SeededEntropy;
    use crate::report::{LocationInput, ReportRequest};

    /// A pothole in Via Borgo Palazzo, filed at `at` and numbered `number`, as the store
    /// would open it.
    pub fn filed_pothole(number: PublicNumber, at: DateTime<Utc>) -> (Ticket, TicketEvent) {
        let config = demo_config();
        let report = ReportRequest {
            category: Some("buche-stradali".into()),
            description: Some("Buca profonda davanti al civico 12".into()),
            location: Some(LocationInput {
                lat: 45.695,
                lon: 9.67,
            }),
            privacy_accepted: Some(true),
            ..Default::default()
        }
        .validate(&config)
        .unwrap();
        let routing = crate::routing::route(&config, &report);
        Ticket::open(
            TicketId::generate(at, &mut SeededEntropy::new(1)),
            report,
            routing,
            number,
            Deadlines::for_report(&config, "buche-stradali", at),
            at,
            &mut SeededEntropy::new(2),
        )
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
