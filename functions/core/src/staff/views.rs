//! What the staff API answers: inbox pages and the full ticket, with personal data and the
//! internal history that the public views leave out. Names are in Italian, the office
//! language.

use crate::api::{named, office_ref, NamedRef, StatusLabel};
use crate::config::ComuneConfig;
use crate::geo::Coordinates;
use crate::public_number::PublicNumber;
use crate::report::answers::{described, DescribedAnswer};
use crate::report::{Language, ReportKind};
use crate::staff::access::Permission;
use crate::staff::{StaffId, StaffUser};
use crate::status::{Action, Status};
use crate::store::TicketRecord;
use crate::ticket::{Actor, Deadlines, EventKind, Priority, Ticket, Visibility};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

const EXCERPT_CHARS: usize = 140;

/// One line of an inbox.
#[derive(Debug, Serialize)]
pub struct TicketSummary {
    pub number: PublicNumber,
    pub status: Status,
    pub status_label: StatusLabel,
    pub priority: Priority,
    pub theme: NamedRef,
    pub category: NamedRef,
    pub kind: ReportKind,
    pub excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    pub office: NamedRef,
    pub assignee: Option<StaffId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due: Deadlines,
    pub overdue: bool,
    /// Send it back with an action: an action on an older version is refused.
    pub version: u32,
}

fn excerpt(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.chars().count() <= EXCERPT_CHARS && first_line.len() == text.len() {
        return text.to_string();
    }
    let cut: String = first_line.chars().take(EXCERPT_CHARS).collect();
    format!("{}…", cut.trim_end())
}

impl TicketSummary {
    pub fn of(ticket: &Ticket, config: &ComuneConfig, now: DateTime<Utc>) -> Self {
        let report = &ticket.report;
        Self {
            number: ticket.public_number,
            status: ticket.status,
            status_label: ticket.status.into(),
            priority: ticket.priority,
            theme: named(
                &report.theme,
                config.theme(&report.theme).map(|t| &t.name),
                Language::It,
            ),
            category: named(
                &report.category,
                config.category(&report.category).map(|(_, c)| &c.name),
                Language::It,
            ),
            kind: report.kind,
            excerpt: excerpt(&report.description),
            address: report.address.clone(),
            location: report.location,
            office: office_ref(config, &ticket.routing.office, Language::It),
            assignee: ticket.assignee.clone(),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            due: ticket.due,
            overdue: ticket.is_overdue(now),
            version: ticket.version,
        }
    }
}

/// How many tickets match the filters (other than status) in each status, and how many
/// of them are late.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct StatusCounts {
    pub received: u64,
    pub taken_in_charge: u64,
    pub in_progress: u64,
    pub resolved: u64,
    pub rejected: u64,
    pub duplicate: u64,
    pub overdue: u64,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status, n: u64) {
        let slot = match status {
            Status::Received => &mut self.received,
            Status::TakenInCharge => &mut self.taken_in_charge,
            Status::InProgress => &mut self.in_progress,
            Status::Resolved => &mut self.resolved,
            Status::Rejected => &mut self.rejected,
            Status::Duplicate => &mut self.duplicate,
        };
        *slot += n;
    }
}

#[derive(Debug, Serialize)]
pub struct InboxPage {
    pub tickets: Vec<TicketSummary>,
    pub page: u32,
    pub per_page: u32,
    /// Tickets matching every filter.
    pub total: u64,
    pub pages: u64,
    pub counts: StatusCounts,
}

#[derive(Debug, Serialize)]
pub struct PersonRef {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct StaffEvent {
    pub at: DateTime<Utc>,
    pub actor: PersonRef,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<Status>,
    pub to_status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<NamedRef>,
    pub visibility: Visibility,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For an assignment, the person it went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonRef>,
}

#[derive(Debug, Serialize)]
pub struct StaffPhoto {
    pub position: u8,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Serialize)]
pub struct ReporterView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The whole ticket for the staff who may work it.
#[derive(Debug, Serialize)]
pub struct StaffTicketView {
    #[serde(flatten)]
    pub summary: TicketSummary,
    pub description: String,
    pub reporter: ReporterView,
    pub language: Language,
    /// The application that filed it through Open311 (the name of its key).
    pub received_via: Option<String>,
    /// A photo the application hosts (Open311 `media_url`).
    pub media_url: Option<String>,
    /// The category's extra questions and the citizen's answers, in Italian.
    pub answers: Vec<DescribedAnswer>,
    /// The routing rule that chose the office, `None` when a person (or the default) did.
    pub routing_rule: Option<String>,
    pub duplicate_of: Option<PublicNumber>,
    /// Tickets merged into this one.
    pub duplicates: Vec<PublicNumber>,
    pub photos: Vec<StaffPhoto>,
    pub history: Vec<StaffEvent>,
    /// The actions the state machine and the viewer's role allow now.
    pub allowed_actions: Vec<Action>,
}

pub fn staff_photo_path(number: PublicNumber, position: u8, thumbnail: bool) -> String {
    let suffix = if thumbnail { "/thumbnail" } else { "" };
    format!("/api/v1/staff/tickets/{number}/photos/{position}{suffix}")
}

const ALL_ACTIONS: [Action; 11] = [
    Action::TakeInCharge,
    Action::StartWork,
    Action::SetPriority,
    Action::Assign,
    Action::PublicReply,
    Action::InternalNote,
    Action::Reassign,
    Action::Resolve,
    Action::Reject,
    Action::MarkDuplicate,
    Action::Reopen,
];

/// Actions the state machine allows from `status` for this person. Operators may assign a
/// ticket only to themselves, which the store checks; the action stays offered.
pub fn allowed_actions(status: Status, viewer: &StaffUser) -> Vec<Action> {
    if !viewer.may(Permission::WorkTickets) {
        return vec![];
    }
    ALL_ACTIONS
        .into_iter()
        .filter(|action| status.after(*action).is_ok())
        .collect()
}

impl StaffTicketView {
    /// `people` names the staff ids that appear in the ticket (actors and assignees).
    pub fn of(
        record: &TicketRecord,
        duplicates: Vec<PublicNumber>,
        people: &BTreeMap<String, String>,
        viewer: &StaffUser,
        config: &ComuneConfig,
        now: DateTime<Utc>,
    ) -> Self {
        let ticket = &record.ticket;
        let person = |id: &str| PersonRef {
            kind: "staff",
            id: Some(id.to_string()),
            name: people
                .get(id)
                .cloned()
                .unwrap_or_else(|| "(account rimosso)".into()),
        };
        let history = record
            .events
            .iter()
            .map(|event| StaffEvent {
                at: event.at,
                actor: match &event.actor {
                    Actor::Citizen => PersonRef {
                        kind: "citizen",
                        id: None,
                        name: "Cittadino".into(),
                    },
                    Actor::System => PersonRef {
                        kind: "system",
                        id: None,
                        name: "Sistema".into(),
                    },
                    Actor::Staff(id) => person(id),
                },
                kind: EventKind::as_str(event.kind),
                from_status: event.from_status,
                to_status: event.to_status,
                office: event
                    .office
                    .as_deref()
                    .map(|id| office_ref(config, id, Language::It)),
                visibility: event.visibility,
                assignee: match event.kind {
                    EventKind::Action(Action::Assign) => event.note.as_deref().map(person),
                    _ => None,
                },
                note: match event.kind {
                    EventKind::Action(Action::Assign) => None,
                    _ => event.note.clone(),
                },
            })
            .collect();
        Self {
            summary: TicketSummary::of(ticket, config, now),
            description: ticket.report.description.clone(),
            reporter: ReporterView {
                name: ticket.report.reporter.name.clone(),
                email: ticket
                    .report
                    .reporter
                    .email
                    .as_ref()
                    .map(|e| e.as_str().to_string()),
                phone: ticket
                    .report
                    .reporter
                    .phone
                    .as_ref()
                    .map(|p| p.as_str().to_string()),
            },
            language: ticket.report.language,
            // Named by the store, which knows the keys.
            received_via: None,
            media_url: ticket.report.media_url.clone(),
            answers: described(
                &ticket.report.answers,
                config.category(&ticket.report.category).map(|(_, c)| c),
                Language::It,
            ),
            routing_rule: ticket.routing.rule.clone(),
            duplicate_of: ticket.duplicate_of,
            duplicates,
            photos: record
                .photos
                .iter()
                .map(|photo| StaffPhoto {
                    position: photo.position,
                    url: staff_photo_path(ticket.public_number, photo.position, false),
                    thumbnail_url: photo
                        .thumbnail_key
                        .as_ref()
                        .map(|_| staff_photo_path(ticket.public_number, photo.position, true)),
                    width: photo.width,
                    height: photo.height,
                })
                .collect(),
            history,
            allowed_actions: allowed_actions(ticket.status, viewer),
        }
    }
}

/// Tickets with a point as a GeoJSON FeatureCollection (RFC 7946: longitude first), with
/// what a map's popup shows.
pub fn map_features(
    tickets: &[Ticket],
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let features: Vec<serde_json::Value> = tickets
        .iter()
        .filter_map(|ticket| {
            let point = ticket.report.location?;
            let summary = TicketSummary::of(ticket, config, now);
            Some(serde_json::json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [point.lon(), point.lat()] },
                "properties": {
                    "number": summary.number,
                    "status": summary.status,
                    "status_label": summary.status_label.it,
                    "priority": summary.priority,
                    "category": summary.category.name,
                    "excerpt": summary.excerpt,
                    "overdue": summary.overdue,
                },
            }))
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}

/// The session's view of its own account.
#[derive(Debug, Serialize)]
pub struct SessionView<'a> {
    pub user: &'a StaffUser,
    pub office: Option<NamedRef>,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
    pub permissions: Vec<Permission>,
    /// Every office of the comune, for filters, reassignment and account forms.
    pub offices: Vec<NamedRef>,
}

impl<'a> SessionView<'a> {
    pub fn of(
        user: &'a StaffUser,
        csrf_token: &'a str,
        expires_at: DateTime<Utc>,
        config: &ComuneConfig,
    ) -> Self {
        Self {
            user,
            office: user
                .office
                .as_deref()
                .map(|id| office_ref(config, id, Language::It)),
            csrf_token,
            expires_at,
            permissions: Permission::ALL
                .into_iter()
                .filter(|p| user.may(*p))
                .collect(),
            offices: config
                .offices
                .iter()
                .map(|office| office_ref(config, &office.id, Language::It))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_keep_the_first_line_and_cut_long_text() {
        assert_eq!(excerpt("Buca"), "Buca");
        assert_eq!(excerpt("Buca\nprofonda"), "Buca…");
        let long = "a".repeat(200);
        assert_eq!(excerpt(&long).chars().count(), 141);
    }
}
