//! Payloads of the public HTTP API, built from domain values. What leaves the service is
//! decided here, in one place: personal data (reporter name and e-mail) never appears in
//! these views, and `schema/api/*.schema.json` documents each of them.

use crate::config::{
    ComuneConfig, EmergencyNumber, ExtraField, LocalizedText, MapSettings, PhotoLimits,
};
use crate::geo::{Area, Coordinates};
use crate::public_number::PublicNumber;
use crate::report::{Language, ReportKind};
use crate::status::{PublicState, Status};
use crate::store::TicketRecord;
use crate::ticket::{EventKind, Ticket, Visibility};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub comune: String,
}

/// What the report form needs to know about the comune: no staff e-mails, no routing.
#[derive(Debug, Serialize)]
pub struct PublicConfig<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipa_code: Option<&'a str>,
    pub public_url: &'a str,
    pub contacts: PublicContacts<'a>,
    pub emergency_numbers: &'a [EmergencyNumber],
    pub boundary: &'a Area,
    pub map: &'a MapSettings,
    pub photos: &'a PhotoLimits,
    pub kinds: Vec<&'static str>,
    pub themes: Vec<PublicTheme<'a>>,
    /// The comune's colour, when it has its own (the site builds its stylesheet from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<&'a str>,
    /// The human check the report form must pass, when the comune asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnstile: Option<PublicTurnstile<'a>>,
}

/// What the form needs to draw the Turnstile widget (the verification URL stays private).
#[derive(Debug, Serialize)]
pub struct PublicTurnstile<'a> {
    pub site_key: &'a str,
    pub script_url: &'a str,
}

#[derive(Debug, Serialize)]
pub struct PublicContacts<'a> {
    pub email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pec: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct PublicTheme<'a> {
    pub id: &'a str,
    pub name: &'a LocalizedText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a LocalizedText>,
    pub categories: Vec<PublicCategory<'a>>,
}

#[derive(Debug, Serialize)]
pub struct PublicCategory<'a> {
    pub id: &'a str,
    pub name: &'a LocalizedText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a LocalizedText>,
    /// Working days within which the comune promises to take a report in charge.
    pub take_in_charge_days: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_days: Option<u16>,
    /// Extra questions a report of this category answers.
    pub fields: &'a [ExtraField],
}

impl<'a> PublicConfig<'a> {
    pub fn of(config: &'a ComuneConfig) -> Self {
        Self {
            id: &config.id,
            name: &config.name,
            ipa_code: config.ipa_code.as_deref(),
            public_url: &config.public_url,
            contacts: PublicContacts {
                email: config.contacts.email.as_str(),
                pec: config.contacts.pec.as_ref().map(|e| e.as_str()),
                address: config.contacts.address.as_deref(),
                phone: config.contacts.phone.as_deref(),
                website: config.contacts.website.as_deref(),
            },
            emergency_numbers: &config.emergency_numbers,
            boundary: &config.boundary,
            map: &config.map,
            photos: &config.photos,
            kinds: ReportKind::ALL.iter().map(ReportKind::as_str).collect(),
            primary_color: config.branding.primary_color.as_deref(),
            turnstile: config.abuse.turnstile.as_ref().map(|t| PublicTurnstile {
                site_key: &t.site_key,
                script_url: &t.script_url,
            }),
            themes: config
                .themes
                .iter()
                .map(|theme| PublicTheme {
                    id: &theme.id,
                    name: &theme.name,
                    description: theme.description.as_ref(),
                    categories: theme
                        .categories
                        .iter()
                        .map(|category| PublicCategory {
                            id: &category.id,
                            name: &category.name,
                            description: category.description.as_ref(),
                            take_in_charge_days: category.targets.take_in_charge_days,
                            resolution_days: category.targets.resolution_days,
                            fields: &category.fields,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

pub(crate) fn named(id: &str, name: Option<&LocalizedText>, language: Language) -> NamedRef {
    NamedRef {
        id: id.to_string(),
        name: name.map_or_else(|| id.to_string(), |n| n.get(language).to_string()),
    }
}

/// Answer to a successful `POST /api/v1/reports`.
#[derive(Debug, Serialize)]
pub struct ReportCreated {
    pub id: String,
    pub public_number: PublicNumber,
    pub tracking_token: String,
    pub tracking_url: String,
    pub status: Status,
    pub office: NamedRef,
    pub created_at: DateTime<Utc>,
}

impl ReportCreated {
    pub fn of(ticket: &Ticket, config: &ComuneConfig) -> Self {
        let language = ticket.report.language;
        Self {
            id: ticket.id.to_string(),
            public_number: ticket.public_number,
            tracking_token: ticket.tracking_token.to_string(),
            tracking_url: tracking_url(config, ticket),
            status: ticket.status,
            office: office_ref(config, &ticket.routing.office, language),
            created_at: ticket.created_at,
        }
    }
}

pub(crate) fn office_ref(config: &ComuneConfig, id: &str, language: Language) -> NamedRef {
    named(id, config.office(id).map(|o| &o.name), language)
}

/// Path of the tracking page of a report, in the citizen's language.
pub fn tracking_path(language: Language, token: &str) -> String {
    match language {
        Language::It => format!("/segnalazione/{token}"),
        Language::En => format!("/en/reports/{token}"),
    }
}

/// Link the citizen keeps to follow the report.
pub fn tracking_url(config: &ComuneConfig, ticket: &Ticket) -> String {
    let base = config.public_url.trim_end_matches('/');
    format!(
        "{base}{}",
        tracking_path(ticket.report.language, ticket.tracking_token.as_str())
    )
}

/// What the holder of a tracking link sees: the report without the reporter's identity,
/// and the public part of its history.
#[derive(Debug, Serialize)]
pub struct PublicTicketView {
    pub public_number: PublicNumber,
    pub status: Status,
    pub status_label: StatusLabel,
    pub public_state: PublicState,
    pub theme: NamedRef,
    pub category: NamedRef,
    pub kind: ReportKind,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    pub office: NamedRef,
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub history: Vec<PublicEvent>,
    pub photos: Vec<PublicPhoto>,
    /// Working days within which the office promises to take the report in charge.
    pub take_in_charge_days: Option<u16>,
    /// For a duplicate, the report it joined, whose progress its citizen now follows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<JoinedReport>,
    /// What the citizen can do now with the report (add information, say it is not solved,
    /// rate the answer).
    pub follow_up: FollowUpOffer,
}

/// What the holder of the tracking link can do with the report.
#[derive(Debug, Serialize)]
pub struct FollowUpOffer {
    /// Add information, photos or an answer to the office (`POST .../messages`).
    pub can_write: bool,
    /// Messages still possible.
    pub messages_left: u16,
    /// Until when they can say that the problem is not solved (`POST .../not-solved`),
    /// for a resolved report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_solved_until: Option<DateTime<Utc>>,
    /// Rate the answer (`POST .../rating`): a closed report not rated yet.
    pub can_rate: bool,
    /// The stars they gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

impl FollowUpOffer {
    fn of(
        ticket: &crate::ticket::Ticket,
        events: &[crate::ticket::TicketEvent],
        config: &ComuneConfig,
    ) -> Self {
        use crate::status::Action;
        let known = crate::follow_up::circumstances(events);
        let rules = config.follow_up;
        let messages_left = rules
            .max_messages
            .saturating_sub(u16::try_from(known.messages).unwrap_or(u16::MAX));
        Self {
            can_write: ticket.status.after(Action::CitizenMessage).is_ok() && messages_left > 0,
            messages_left,
            not_solved_until: (ticket.status == Status::Resolved && rules.reopen_days > 0).then(
                || {
                    known.closed_at.unwrap_or(ticket.updated_at)
                        + chrono::Duration::days(i64::from(rules.reopen_days))
                },
            ),
            can_rate: ticket.status.after(Action::Rate).is_ok() && !known.rated,
            rating: known.rating,
        }
    }
}

/// The progress of the report a duplicate joined: its number, status, office and public
/// history, never its description, place, photos or reporter (another citizen's).
#[derive(Debug, Serialize)]
pub struct JoinedReport {
    pub public_number: PublicNumber,
    pub status: Status,
    pub status_label: StatusLabel,
    pub public_state: PublicState,
    pub office: NamedRef,
    pub updated_at: DateTime<Utc>,
    pub history: Vec<PublicEvent>,
}

/// The original's steps as a duplicate's citizen sees them: another citizen's messages and
/// ratings are theirs alone; their "not solved" shows only as the reopening it caused.
fn joined_history(
    events: &[crate::ticket::TicketEvent],
    config: &ComuneConfig,
    language: Language,
) -> Vec<PublicEvent> {
    let mut history = public_history(events, config, language);
    history.retain(|e| !e.by_citizen || e.kind == "reopen");
    for event in history.iter_mut().filter(|e| e.by_citizen) {
        event.by_citizen = false;
        event.note = None;
    }
    history
}

/// The last change the office made, for a reader who does not see the citizen's own steps.
fn last_office_step(
    events: &[crate::ticket::TicketEvent],
    fallback: DateTime<Utc>,
) -> DateTime<Utc> {
    events
        .iter()
        .filter(|e| e.visibility == Visibility::Public && !by_citizen(e))
        .map(|e| e.at)
        .max()
        .unwrap_or(fallback)
}

/// Written by the citizen after filing.
fn by_citizen(event: &crate::ticket::TicketEvent) -> bool {
    event.actor == crate::ticket::Actor::Citizen && !matches!(event.kind, EventKind::Created(_))
}

fn public_history<'a>(
    events: impl IntoIterator<Item = &'a crate::ticket::TicketEvent>,
    config: &ComuneConfig,
    language: Language,
) -> Vec<PublicEvent> {
    events
        .into_iter()
        .filter(|e| e.visibility == Visibility::Public)
        .map(|e| PublicEvent {
            at: e.at,
            kind: EventKind::as_str(e.kind),
            by_citizen: by_citizen(e),
            status: e.to_status,
            office: e
                .office
                .as_deref()
                .map(|id| office_ref(config, id, language)),
            note: e.note.clone(),
        })
        .collect()
}

/// A photo of a report, served through the Worker (R2 is private).
#[derive(Debug, Serialize)]
pub struct PublicPhoto {
    pub position: u8,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// Path of a report's photo, relative to the site.
pub fn photo_path(token: &str, position: u8, thumbnail: bool) -> String {
    let suffix = if thumbnail { "/thumbnail" } else { "" };
    format!("/api/v1/reports/{token}/photos/{position}{suffix}")
}

#[derive(Debug, Serialize)]
pub struct StatusLabel {
    pub it: &'static str,
    pub en: &'static str,
}

impl From<Status> for StatusLabel {
    fn from(status: Status) -> Self {
        Self {
            it: status.label_it(),
            en: status.label_en(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PublicEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    /// Written by the citizen (a message, "not solved", a rating), not by the office.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_citizen: bool,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<NamedRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PublicTicketView {
    /// The view in the language the citizen wrote in.
    pub fn of(record: &TicketRecord, config: &ComuneConfig) -> Self {
        Self::in_language(record, config, record.ticket.report.language)
    }

    /// The view with names (theme, category, office) in the given language.
    pub fn in_language(record: &TicketRecord, config: &ComuneConfig, language: Language) -> Self {
        let (ticket, events) = (&record.ticket, &record.events);
        let token = ticket.tracking_token.as_str();
        let category = config.category(&ticket.report.category);
        Self {
            public_number: ticket.public_number,
            status: ticket.status,
            status_label: ticket.status.into(),
            public_state: ticket.status.public_state(),
            theme: named(
                &ticket.report.theme,
                config.theme(&ticket.report.theme).map(|t| &t.name),
                language,
            ),
            category: named(
                &ticket.report.category,
                category.map(|(_, c)| &c.name),
                language,
            ),
            kind: ticket.report.kind,
            description: ticket.report.description.clone(),
            address: ticket.report.address.clone(),
            location: ticket.report.location,
            office: office_ref(config, &ticket.routing.office, language),
            language: ticket.report.language,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            history: public_history(events, config, language),
            joined: record.original.as_deref().map(|original| JoinedReport {
                public_number: original.ticket.public_number,
                status: original.ticket.status,
                status_label: original.ticket.status.into(),
                public_state: original.ticket.status.public_state(),
                office: office_ref(config, &original.ticket.routing.office, language),
                updated_at: last_office_step(&original.events, original.ticket.created_at),
                history: joined_history(&original.events, config, language),
            }),
            follow_up: FollowUpOffer::of(ticket, events, config),
            photos: record
                .photos
                .iter()
                .map(|photo| PublicPhoto {
                    position: photo.position,
                    url: photo_path(token, photo.position, false),
                    thumbnail_url: photo
                        .thumbnail_key
                        .as_ref()
                        .map(|_| photo_path(token, photo.position, true)),
                    width: photo.width,
                    height: photo.height,
                })
                .collect(),
            take_in_charge_days: category.map(|(_, c)| c.targets.take_in_charge_days),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;

/// Body of every error answer: a stable code, a message, and for validation the fields.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a str,
    pub message: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub fields: &'a [crate::field_error::FieldError],
}
