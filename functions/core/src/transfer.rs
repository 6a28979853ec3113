//! A comune's tickets in an open format, to move them between deployments or out of the
//! product: JSON Lines, one ticket per line with its whole history and the list of its
//! photos (`schema/export/ticket.schema.json`, docs/DATA_TRANSFER.md). Export writes what
//! the store holds; import checks every line as strictly as the store's own writes are
//! checked — the history must follow the state machine and end where the ticket stands —
//! so an imported ticket is indistinguishable from one worked in this deployment.

use crate::config::ComuneConfig;
use crate::email::Email;
use crate::field_error::{parse_json, ErrorCollector, FieldErrors};
use crate::geo::Coordinates;
use crate::ids::{TicketId, TrackingToken};
use crate::public_number::{italian_year, PublicNumber};
use crate::report::answers::Answer;
use crate::report::{
    Language, Phone, ReportKind, Reporter, ValidReport, ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS,
    NAME_MAX_CHARS,
};
use crate::routing::RoutingDecision;
use crate::staff::StaffId;
use crate::status::{Action, Status};
use crate::store::PhotoRecord;
use crate::text;
use crate::ticket::{
    Actor, Deadlines, EventKind, Milestone, Priority, Ticket, TicketEvent, Visibility,
};
use crate::workflow::RejectionReason;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Tickets one import call may carry: a transaction of the comune's store stays short.
pub const MAX_LINES: usize = 500;
/// Events one ticket may carry; far more than any ticket is worked.
pub const MAX_HISTORY: usize = 500;
/// Problems reported at once; past that, the file is probably of another kind.
const MAX_ERRORS: usize = 100;
/// Longest staff text in a history event, as the dashboard allows.
const NOTE_MAX_CHARS: usize = 4000;
const MAX_PHOTOS: usize = 10;
const STAFF_ID_MAX_CHARS: usize = 100;
/// A yearly sequence no comune reaches; a bigger one would stop the numbering of new tickets.
const MAX_SEQUENCE: u32 = 999_999;
const MAX_ANSWERS: usize = 50;

/// The format's name and version, first field of every line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Format {
    #[default]
    #[serde(rename = "segnala-ticket/1")]
    V1,
}

/// One ticket, as one line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedTicket {
    pub format: Format,
    pub id: TicketId,
    pub number: PublicNumber,
    /// The citizen's tracking link keeps working after a move.
    pub tracking_token: TrackingToken,
    pub status: Status,
    pub priority: Priority,
    pub theme: String,
    pub category: String,
    pub kind: ReportKind,
    pub language: Language,
    pub description: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub location: Option<Coordinates>,
    /// Personal data: name, e-mail and phone as the citizen gave them.
    #[serde(default)]
    pub reporter: ExportedReporter,
    #[serde(default)]
    pub answers: Vec<Answer>,
    #[serde(default)]
    pub media_url: Option<String>,
    pub office: String,
    #[serde(default)]
    pub routing_rule: Option<String>,
    #[serde(default)]
    pub assignee: Option<StaffId>,
    pub respond_by: DateTime<Utc>,
    #[serde(default)]
    pub resolve_by: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duplicate_of: Option<PublicNumber>,
    #[serde(default)]
    pub rejection_reason: Option<RejectionReason>,
    /// When the citizen confirmed the address, where the comune asks for it.
    #[serde(default)]
    pub email_confirmed_at: Option<DateTime<Utc>>,
    /// The secret of the confirmation link the citizen was sent, while not confirmed: their
    /// later messages wait for it, as they would have.
    #[serde(default)]
    pub email_confirmation_code: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Every event, oldest first; the first is the filing.
    pub history: Vec<ExportedEvent>,
    /// The photos, whose files travel beside the lines (docs/DATA_TRANSFER.md).
    #[serde(default)]
    pub photos: Vec<ExportedPhoto>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedReporter {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedEvent {
    pub at: DateTime<Utc>,
    /// `{"kind": "citizen"}`, `{"kind": "system"}` or `{"kind": "staff", "id": UUID}`.
    pub actor: Actor,
    /// `created`, or the staff action (`take_in_charge`, `resolve`...).
    pub action: EventKind,
    #[serde(default)]
    pub from_status: Option<Status>,
    pub to_status: Status,
    /// The office holding the ticket after the event.
    #[serde(default)]
    pub office: Option<String>,
    pub visibility: Visibility,
    #[serde(default)]
    pub note: Option<String>,
}

impl ExportedEvent {
    /// The event as the store keeps it, for the ticket `id`.
    pub fn to_event(&self, id: TicketId) -> TicketEvent {
        TicketEvent {
            ticket_id: id,
            at: self.at,
            actor: self.actor.clone(),
            kind: self.action,
            from_status: self.from_status,
            to_status: self.to_status,
            office: self.office.clone(),
            visibility: self.visibility,
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedPhoto {
    pub position: u8,
    pub content_type: String,
    pub bytes: u32,
    pub width: u32,
    pub height: u32,
    /// Where the file is beside the lines: `photos/{number}/{position}.{extension}`.
    pub file: String,
}

impl ExportedPhoto {
    pub fn of(number: PublicNumber, photo: &PhotoRecord) -> Self {
        let extension = photo
            .object_key
            .rsplit_once('.')
            .map_or("jpg", |(_, extension)| extension);
        Self {
            position: photo.position,
            content_type: photo.content_type.clone(),
            bytes: photo.bytes,
            width: photo.width,
            height: photo.height,
            file: format!("photos/{number}/{}.{extension}", photo.position),
        }
    }
}

/// What the store keeps beside a ticket that the domain type does not carry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TicketExtras {
    pub rejection_reason: Option<RejectionReason>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub email_confirmation_code: Option<String>,
}

impl ExportedTicket {
    pub fn of(
        ticket: &Ticket,
        events: &[TicketEvent],
        photos: &[PhotoRecord],
        extras: &TicketExtras,
    ) -> Self {
        let report = &ticket.report;
        Self {
            format: Format::V1,
            id: ticket.id,
            number: ticket.public_number,
            tracking_token: ticket.tracking_token.clone(),
            status: ticket.status,
            priority: ticket.priority,
            theme: report.theme.clone(),
            category: report.category.clone(),
            kind: report.kind,
            language: report.language,
            description: report.description.clone(),
            address: report.address.clone(),
            location: report.location,
            reporter: ExportedReporter {
                name: report.reporter.name.clone(),
                email: report.reporter.email.clone(),
                phone: report
                    .reporter
                    .phone
                    .as_ref()
                    .map(|p| p.as_str().to_string()),
            },
            answers: report.answers.clone(),
            media_url: report.media_url.clone(),
            office: ticket.routing.office.clone(),
            routing_rule: ticket.routing.rule.clone(),
            assignee: ticket.assignee.clone(),
            respond_by: ticket.due.respond_by,
            resolve_by: ticket.due.resolve_by,
            duplicate_of: ticket.duplicate_of,
            rejection_reason: extras.rejection_reason,
            email_confirmed_at: extras.email_confirmed_at,
            // Once confirmed, the code has done its work.
            email_confirmation_code: extras
                .email_confirmation_code
                .clone()
                .filter(|_| extras.email_confirmed_at.is_none()),
            created_at: ticket.created_at,
            history: events
                .iter()
                .map(|event| ExportedEvent {
                    at: event.at,
                    actor: event.actor.clone(),
                    action: event.kind,
                    from_status: event.from_status,
                    to_status: event.to_status,
                    office: event.office.clone(),
                    visibility: event.visibility,
                    note: event.note.clone(),
                })
                .collect(),
            photos: photos
                .iter()
                .map(|photo| ExportedPhoto::of(ticket.public_number, photo))
                .collect(),
        }
    }

    /// The line of an export: compact JSON, no line break inside.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("tickets serialise")
    }
}

/// A checked ticket, ready for the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedTicket {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
    pub extras: TicketExtras,
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The citizen's stars and when they gave them.
    pub rating: Option<(u8, DateTime<Utc>)>,
    /// The photos the line lists (position, media type); each is recorded when its file
    /// is uploaded.
    pub photos: Vec<(u8, String)>,
}

/// Parses and checks a JSON Lines body. Blank lines are skipped; every problem is named
/// `lines[N].field`, N being the line's number in the body (from 1), and all come at once.
/// Nothing may have happened after `now`.
pub fn parse_lines(
    body: &str,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Vec<ImportedTicket>, FieldErrors> {
    let mut errors = ErrorCollector::default();
    let mut tickets = Vec::new();
    let lines: Vec<(usize, &str)> = body
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    if lines.is_empty() {
        errors.push("lines", "empty", "no ticket to import");
    }
    if lines.len() > MAX_LINES {
        errors.push(
            "lines",
            "too_many_lines",
            format!("at most {MAX_LINES} tickets per call; send the rest in further calls"),
        );
        return Err(errors.into_errors());
    }
    for (number, line) in lines {
        let prefix = format!("lines[{number}]");
        match parse_json::<ExportedTicket>(line) {
            Ok(exported) => {
                if let Some(ticket) = check(&exported, config, &mut errors, &prefix, now) {
                    tickets.push(ticket);
                }
            }
            Err(found) => {
                for error in found.0 {
                    let field = if error.field.is_empty() {
                        prefix.clone()
                    } else {
                        format!("{prefix}.{}", error.field)
                    };
                    errors.push(field, error.code, error.message);
                }
            }
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    repeated_within(&tickets, &mut errors);
    errors.finish(tickets)
}

/// The same ticket (by id, number or tracking token) twice in one body.
fn repeated_within(tickets: &[ImportedTicket], errors: &mut ErrorCollector) {
    let mut ids = std::collections::HashSet::new();
    let mut numbers = std::collections::HashSet::new();
    let mut tokens = std::collections::HashSet::new();
    for ticket in tickets {
        let t = &ticket.ticket;
        if !ids.insert(t.id)
            || !numbers.insert(t.public_number)
            || !tokens.insert(t.tracking_token.clone())
        {
            errors.push(
                format!("tickets.{}", t.public_number),
                "repeated",
                "the same ticket (id, number or tracking token) is twice in this body",
            );
        }
    }
}

fn clean_text(
    errors: &mut ErrorCollector,
    field: &str,
    value: &str,
    max: usize,
    one_line: bool,
) -> Option<String> {
    match text::clean(value) {
        Err(code) => {
            errors.push(field, code, "contains control characters");
            None
        }
        Ok(clean) if text::char_len(&clean) > max || (one_line && clean.contains('\n')) => {
            errors.push(field, "too_long", format!("at most {max} characters"));
            None
        }
        Ok(clean) => Some(clean),
    }
}

/// Checks one exported ticket against the configuration and the state machine.
pub fn check(
    exported: &ExportedTicket,
    config: &ComuneConfig,
    errors: &mut ErrorCollector,
    prefix: &str,
    now: DateTime<Utc>,
) -> Option<ImportedTicket> {
    let field = |name: &str| format!("{prefix}.{name}");
    let before = errors.len();

    // The numbering of the tickets still to come depends on these.
    let number = exported.number;
    if number.year() != italian_year(exported.created_at) {
        errors.push(
            field("number"),
            "wrong_year",
            "a ticket is numbered in the year it was filed (in Italy)",
        );
    }
    if number.sequence() > MAX_SEQUENCE {
        errors.push(
            field("number"),
            "out_of_range",
            format!("at most {MAX_SEQUENCE} tickets a year"),
        );
    }
    if exported.created_at > now {
        errors.push(field("created_at"), "in_the_future", "is later than now");
    }
    if let Some(code) = &exported.email_confirmation_code {
        if TrackingToken::parse(code).is_err() || exported.reporter.email.is_none() {
            errors.push(
                field("email_confirmation_code"),
                "invalid_code",
                "26 base32 characters, for a ticket with an e-mail address",
            );
        }
    }

    // Even a removed topic or office had a well-formed identifier; statistics rely on it.
    for (name, id) in [
        ("theme", &exported.theme),
        ("category", &exported.category),
        ("office", &exported.office),
    ] {
        if !crate::config::is_identifier(id) {
            errors.push(
                field(name),
                "invalid_identifier",
                crate::config::IDENTIFIER_RULE,
            );
        }
    }
    // Open tickets must be workable here; closed ones may name a topic or office removed
    // since, as the store itself keeps them.
    let open = exported.status.is_open();
    match config.category(&exported.category) {
        Some((theme, _)) if theme.id != exported.theme => errors.push(
            field("theme"),
            "wrong_theme",
            format!(
                "category `{}` belongs to theme `{}`",
                exported.category, theme.id
            ),
        ),
        None if open => errors.push(
            field("category"),
            "unknown_category",
            format!("no category has id `{}`", exported.category),
        ),
        _ => {}
    }
    if open && config.office(&exported.office).is_none() {
        errors.push(
            field("office"),
            "unknown_office",
            format!("no office has id `{}`", exported.office),
        );
    }
    let description = clean_text(
        errors,
        &field("description"),
        &exported.description,
        DESCRIPTION_MAX_CHARS,
        false,
    );
    if description.as_deref() == Some("") {
        errors.push(field("description"), "required", "is empty");
    }
    let address = exported.address.as_deref().and_then(|address| {
        clean_text(errors, &field("address"), address, ADDRESS_MAX_CHARS, true)
    });
    let name =
        exported.reporter.name.as_deref().and_then(|name| {
            clean_text(errors, &field("reporter.name"), name, NAME_MAX_CHARS, true)
        });
    let phone = match exported.reporter.phone.as_deref().map(Phone::parse) {
        Some(Err(error)) => {
            errors.push(field("reporter.phone"), "invalid_phone", error.to_string());
            None
        }
        Some(Ok(phone)) => Some(phone),
        None => None,
    };
    if exported.answers.len() > MAX_ANSWERS {
        errors.push(
            field("answers"),
            "too_many_answers",
            format!("at most {MAX_ANSWERS}"),
        );
    }
    if let Some(url) = &exported.media_url {
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !web || text::char_len(url) > crate::open311::submission::MEDIA_URL_MAX_CHARS {
            errors.push(
                field("media_url"),
                "invalid_url",
                "an http(s) address of at most 2000 characters",
            );
        }
    }
    match (exported.status, exported.duplicate_of) {
        (Status::Duplicate, None) => errors.push(
            field("duplicate_of"),
            "required",
            "a duplicate names the ticket it joined",
        ),
        (Status::Duplicate, Some(of)) if of == exported.number => errors.push(
            field("duplicate_of"),
            "same_ticket",
            "a ticket cannot duplicate itself",
        ),
        (status, Some(_)) if status != Status::Duplicate => errors.push(
            field("duplicate_of"),
            "not_a_duplicate",
            "only a duplicate names another ticket",
        ),
        _ => {}
    }
    match (exported.status, exported.rejection_reason) {
        (Status::Rejected, None) => errors.push(
            field("rejection_reason"),
            "required",
            "a rejected ticket says why",
        ),
        (status, Some(_)) if status != Status::Rejected => errors.push(
            field("rejection_reason"),
            "not_rejected",
            "only a rejected ticket has a rejection reason",
        ),
        _ => {}
    }
    if exported.respond_by < exported.created_at {
        errors.push(
            field("respond_by"),
            "before_filing",
            "is before the ticket was filed",
        );
    }
    photos(exported, errors, &field("photos"));
    let milestones = history(exported, errors, prefix, now);

    if errors.len() > before {
        return None;
    }
    let last_at = exported
        .history
        .last()
        .map_or(exported.created_at, |e| e.at);
    let ticket = Ticket {
        id: exported.id,
        public_number: exported.number,
        tracking_token: exported.tracking_token.clone(),
        status: exported.status,
        priority: exported.priority,
        report: ValidReport {
            theme: exported.theme.clone(),
            category: exported.category.clone(),
            kind: exported.kind,
            description: description.unwrap_or_default(),
            location: exported.location,
            address,
            reporter: Reporter {
                name,
                email: exported.reporter.email.clone(),
                phone,
            },
            language: exported.language,
            media_url: exported.media_url.clone(),
            answers: exported.answers.clone(),
        },
        routing: RoutingDecision {
            office: exported.office.clone(),
            rule: exported.routing_rule.clone(),
        },
        assignee: exported.assignee.clone(),
        due: Deadlines {
            respond_by: exported.respond_by,
            resolve_by: exported.resolve_by,
        },
        duplicate_of: exported.duplicate_of,
        api_key_id: None,
        created_at: exported.created_at,
        updated_at: last_at,
        // Every accepted step bumps the version, the filing being version 1.
        version: u32::try_from(exported.history.len()).unwrap_or(u32::MAX),
    };
    let events = exported
        .history
        .iter()
        .map(|event| event.to_event(exported.id))
        .collect();
    Some(ImportedTicket {
        ticket,
        events,
        extras: TicketExtras {
            rejection_reason: exported.rejection_reason,
            email_confirmed_at: exported.email_confirmed_at,
            email_confirmation_code: exported.email_confirmation_code.clone(),
        },
        taken_in_charge_at: milestones.taken_in_charge_at,
        closed_at: milestones.closed_at,
        rating: milestones.rating,
        photos: exported
            .photos
            .iter()
            .map(|p| (p.position, p.content_type.clone()))
            .collect(),
    })
}

fn photos(exported: &ExportedTicket, errors: &mut ErrorCollector, path: &str) {
    if exported.photos.len() > MAX_PHOTOS {
        errors.push(path, "too_many_photos", format!("at most {MAX_PHOTOS}"));
        return;
    }
    let mut positions = std::collections::HashSet::new();
    for (index, photo) in exported.photos.iter().enumerate() {
        let path = format!("{path}[{index}]");
        if photo.position == 0 || !positions.insert(photo.position) {
            errors.push(
                format!("{path}.position"),
                "invalid_position",
                "positions count from 1, each once",
            );
        }
        if !matches!(
            photo.content_type.as_str(),
            "image/jpeg" | "image/png" | "image/webp"
        ) {
            errors.push(
                format!("{path}.content_type"),
                "unsupported_type",
                "image/jpeg, image/png or image/webp",
            );
        }
    }
}

/// The ticket as its history leaves it, replayed event by event.
struct Replay {
    status: Option<Status>,
    office: Option<String>,
    assignee: Option<StaffId>,
    priority: Priority,
    duplicate_of: Option<PublicNumber>,
    last_reassign: Option<DateTime<Utc>>,
    rating: Option<(u8, DateTime<Utc>)>,
    at: DateTime<Utc>,
    taken: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
}

/// Checks the history step by step as `workflow::decide` writes it: it opens with the
/// filing; each event starts where the previous one left the ticket, is an action the
/// state machine allows from there and leads where that action leads, with the visibility
/// and the text the action has; only a reassignment changes the office; time never runs
/// backwards nor past `now`; and the ticket stands where the history leaves it (status,
/// office, assignee, priority, original, deadline after a reassignment). Returns the
/// milestones the history sets (taken in charge, closed).
fn history(
    exported: &ExportedTicket,
    errors: &mut ErrorCollector,
    prefix: &str,
    now: DateTime<Utc>,
) -> Milestones {
    let path = format!("{prefix}.history");
    let events = &exported.history;
    if events.is_empty() {
        errors.push(
            path,
            "required",
            "a ticket's history starts with its filing",
        );
        return Milestones::default();
    }
    if events.len() > MAX_HISTORY {
        errors.push(path, "too_long", format!("at most {MAX_HISTORY} events"));
        return Milestones::default();
    }
    let mut replay = Replay {
        status: None,
        office: None,
        assignee: None,
        priority: Priority::Normal,
        duplicate_of: None,
        last_reassign: None,
        rating: None,
        at: exported.created_at,
        taken: None,
        closed: None,
    };
    for (index, event) in events.iter().enumerate() {
        let at = |name: &str| format!("{path}[{index}].{name}");
        step(exported, event, index, &mut replay, errors, &at);
        if event.at > now {
            errors.push(at("at"), "in_the_future", "is later than now");
        }
        if let Actor::Staff(id) = &event.actor {
            // Staff ids are UUIDs here; another system's may be user names, kept as they are.
            let plain = clean_text(errors, &at("actor.id"), id, STAFF_ID_MAX_CHARS, true);
            if plain.is_some_and(|id| id.is_empty()) {
                errors.push(at("actor.id"), "required", "names the staff member");
            }
        }
        if let Some(note) = &event.note {
            clean_text(errors, &at("note"), note, NOTE_MAX_CHARS, false);
        }
        let moved = event.to_event(exported.id);
        for (milestone, value) in [
            (moved.taken_in_charge(), &mut replay.taken),
            (moved.closed(), &mut replay.closed),
        ] {
            match milestone {
                Milestone::Set(at) => *value = Some(at),
                Milestone::Clear => *value = None,
                Milestone::Keep => {}
            }
        }
        replay.status = Some(event.to_status);
        replay.at = replay.at.max(event.at);
    }
    ends_where_the_ticket_stands(exported, &replay, errors, prefix, &path);
    Milestones {
        taken_in_charge_at: replay.taken,
        closed_at: replay.closed,
        rating: replay.rating,
    }
}

/// What the history sets beside the ticket, as the store keeps it.
#[derive(Debug, Default)]
struct Milestones {
    taken_in_charge_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    rating: Option<(u8, DateTime<Utc>)>,
}

/// One event against the replayed ticket; moves the replay as `decide` would.
fn step(
    exported: &ExportedTicket,
    event: &ExportedEvent,
    index: usize,
    replay: &mut Replay,
    errors: &mut ErrorCollector,
    at: &dyn Fn(&str) -> String,
) {
    let office = event.office.as_deref().map(str::trim).unwrap_or_default();
    if office.is_empty() {
        errors.push(
            at("office"),
            "required",
            "names the office holding the ticket after it",
        );
    }
    let action = match event.action {
        EventKind::Created(_) if index == 0 => {
            let filing = event.from_status.is_none() && event.to_status == Status::Received;
            if !filing {
                errors.push(
                    at("to_status"),
                    "not_a_filing",
                    "the filing leads from no status to `received`",
                );
            }
            if event.at != exported.created_at {
                errors.push(
                    at("at"),
                    "not_created_at",
                    "the filing is at the ticket's created_at",
                );
            }
            if event.visibility != Visibility::Public {
                errors.push(at("visibility"), "wrong_visibility", "the filing is public");
            }
            replay.office = Some(office.to_string());
            return;
        }
        EventKind::Created(_) => {
            errors.push(
                at("action"),
                "filed_twice",
                "only the first event is the filing",
            );
            return;
        }
        EventKind::Action(_) if index == 0 => {
            errors.push(at("action"), "not_a_filing", "the first event is `created`");
            return;
        }
        EventKind::Action(action) => action,
    };
    let from = replay.status.unwrap_or(Status::Received);
    if event.from_status != Some(from) {
        errors.push(
            at("from_status"),
            "broken_chain",
            format!("the previous event left the ticket `{}`", from.as_str()),
        );
    }
    let name = event.action.as_str();
    match from.after(action) {
        Ok(next) if next == event.to_status => {}
        Ok(next) => errors.push(
            at("to_status"),
            "wrong_status",
            format!(
                "`{name}` from `{}` leads to `{}`",
                from.as_str(),
                next.as_str()
            ),
        ),
        Err(_) => errors.push(
            at("action"),
            "transition_refused",
            format!("`{name}` is not possible from `{}`", from.as_str()),
        ),
    }
    if event.at < replay.at {
        errors.push(at("at"), "out_of_order", "is before the previous event");
    }
    let internal = matches!(
        action,
        Action::InternalNote | Action::Assign | Action::SetPriority
    );
    let visibility = if internal {
        Visibility::Internal
    } else {
        Visibility::Public
    };
    if event.visibility != visibility {
        // A note shown to the public that was written for staff would be a leak.
        errors.push(
            at("visibility"),
            "wrong_visibility",
            format!(
                "`{name}` is {}",
                if internal { "internal" } else { "public" }
            ),
        );
    }
    let note = event
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let citizens_own = matches!(action, Action::CitizenMessage | Action::Rate);
    if citizens_own && event.actor != Actor::Citizen {
        // Shown as the office's step, a citizen's words would reach other citizens.
        errors.push(
            at("actor"),
            "not_the_citizen",
            format!("`{name}` is the citizen's own step"),
        );
    }
    let needs_text = matches!(
        action,
        Action::PublicReply
            | Action::InternalNote
            | Action::Resolve
            | Action::Reject
            | Action::Reopen
            | Action::Reassign
            | Action::MarkDuplicate
            | Action::SetPriority
            | Action::Rate
    );
    if needs_text && note.is_none() {
        errors.push(
            at("note"),
            "required",
            format!("`{name}` has its text in the note"),
        );
    }
    let same_office = replay.office.as_deref() == Some(office);
    match (action, same_office) {
        (Action::Reassign, true) => errors.push(
            at("office"),
            "same_office",
            "a reassignment moves the ticket to another office",
        ),
        (Action::Reassign, false) | (_, true) => {}
        (_, false) => errors.push(
            at("office"),
            "office_changed",
            "only a reassignment moves the ticket to another office",
        ),
    }
    match action {
        Action::Reassign => {
            replay.assignee = None;
            replay.last_reassign = Some(event.at);
        }
        Action::TakeInCharge | Action::StartWork => {
            if let (None, Actor::Staff(id)) = (&replay.assignee, &event.actor) {
                replay.assignee = StaffId::parse(id).ok();
            }
        }
        Action::Assign => match note.map(StaffId::parse) {
            None => replay.assignee = None,
            Some(Ok(id)) => replay.assignee = Some(id),
            Some(Err(_)) => errors.push(
                at("note"),
                "invalid_staff_id",
                "an assignment names the staff member's id",
            ),
        },
        Action::SetPriority => match note.and_then(Priority::parse) {
            Some(priority) => replay.priority = priority,
            None => errors.push(
                at("note"),
                "invalid_priority",
                "low, normal, high or urgent",
            ),
        },
        Action::MarkDuplicate => match note.map(PublicNumber::parse) {
            Some(Ok(of)) => replay.duplicate_of = Some(of),
            _ => errors.push(
                at("note"),
                "invalid_number",
                "a merge names the original's number",
            ),
        },
        Action::Reopen => {
            replay.duplicate_of = None;
            replay.rating = None;
        }
        Action::Rate => match note.and_then(crate::follow_up::parse_rating_note) {
            _ if replay.rating.is_some() => {
                errors.push(at("action"), "rated_twice", "an answer is rated once")
            }
            Some((stars, _)) => replay.rating = Some((stars, event.at)),
            None => errors.push(at("note"), "invalid_rating", "`N/5`, then the comment"),
        },
        _ => {}
    }
    replay.office = Some(office.to_string());
}

fn ends_where_the_ticket_stands(
    exported: &ExportedTicket,
    replay: &Replay,
    errors: &mut ErrorCollector,
    prefix: &str,
    path: &str,
) {
    let field = |name: &str| format!("{prefix}.{name}");
    let end = format!("{path}[{}]", exported.history.len() - 1);
    if replay
        .status
        .is_some_and(|status| status != exported.status)
    {
        errors.push(
            format!("{end}.to_status"),
            "not_the_status",
            format!(
                "the history ends `{}`, the ticket is `{}`",
                replay.status.map_or("", Status::as_str),
                exported.status.as_str()
            ),
        );
    }
    if replay
        .office
        .as_deref()
        .is_some_and(|office| office != exported.office)
    {
        errors.push(
            format!("{end}.office"),
            "not_the_office",
            "the history ends with another office than the ticket's",
        );
    }
    if replay.assignee != exported.assignee {
        errors.push(
            field("assignee"),
            "not_the_assignee",
            "is not who the history leaves holding the ticket",
        );
    }
    if replay.priority != exported.priority {
        errors.push(
            field("priority"),
            "not_the_priority",
            "is not the priority the history sets",
        );
    }
    if exported.duplicate_of.is_some() && replay.duplicate_of != exported.duplicate_of {
        errors.push(
            field("duplicate_of"),
            "not_the_original",
            "is not the ticket the history merges it into",
        );
    }
    if let Some(reassigned) = replay.last_reassign {
        if exported.routing_rule.is_some() {
            errors.push(
                field("routing_rule"),
                "placed_by_a_person",
                "a reassigned ticket was placed by a person, not a rule",
            );
        }
        if exported.respond_by < reassigned {
            errors.push(
                field("respond_by"),
                "before_reassignment",
                "the new office's time runs from the reassignment",
            );
        }
    }
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
