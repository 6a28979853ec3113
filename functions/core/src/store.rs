//! The ticket store's logic, written once against a small SQL interface. The Worker runs it
//! on the Durable Object's SQLite; native tests run the very same statements on SQLite
//! through rusqlite. Every change happens inside [`SqlDatabase::transaction`].

use crate::ids::{Entropy, TicketId, TrackingToken};
use crate::migrations::MIGRATIONS;
use crate::public_number::{italian_year, PublicNumber};
use crate::report::{Language, Phone, ReportKind, Reporter, ValidReport};
use crate::routing::RoutingDecision;
use crate::staff::StaffId;
use crate::status::Status;
use crate::ticket::{Actor, Deadlines, EventKind, Priority, Ticket, TicketEvent, Visibility};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The open and the closed states as SQL lists (`status IN ...`); a test holds them to
/// [`Status::is_open`].
pub(crate) const OPEN_STATUSES: &str = "('received', 'taken_in_charge', 'in_progress')";
pub(crate) const CLOSED_STATUSES: &str = "('resolved', 'rejected', 'duplicate')";

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

impl From<f64> for SqlValue {
    fn from(value: f64) -> Self {
        Self::Real(value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database refused a statement; the text is for logs, never for clients.
    #[error("database error: {0}")]
    Database(String),
    /// A stored row could not be read back into the domain types.
    #[error("corrupt row: {0}")]
    CorruptRow(String),
    /// An idempotency key came back with a different submission.
    #[error("idempotency key reused for a different submission")]
    IdempotencyKeyReused,
    /// The client application's key was revoked before its report was written.
    #[error("API key revoked")]
    ApiKeyRevoked,
    /// A rate limit of one of the submission's subjects is used up.
    #[error("rate limit reached ({})", .0.scope.as_str())]
    RateLimited(crate::rate_limit::Refusal),
}

/// The little a store needs from SQLite.
pub trait SqlDatabase {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<(), StoreError>;
    fn query<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[SqlValue],
    ) -> Result<Vec<T>, StoreError>;
    /// Runs `work` atomically: all of its writes are kept, or none when it fails.
    fn transaction<R>(
        &self,
        work: impl FnOnce(&Self) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;
}

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

#[derive(Deserialize)]
struct Version {
    version: i64,
}

/// Applies the migrations not applied yet, each in its own transaction. Returns how many ran.
pub fn migrate(db: &impl SqlDatabase, now: DateTime<Utc>) -> Result<usize, StoreError> {
    db.execute(CREATE_MIGRATIONS_TABLE, &[])?;
    let applied: Vec<Version> = db.query("SELECT version FROM schema_migrations", &[])?;
    let mut ran = 0;
    for migration in MIGRATIONS {
        if applied
            .iter()
            .any(|v| v.version == i64::from(migration.version))
        {
            continue;
        }
        db.transaction(|db| {
            for statement in split_statements(migration.sql) {
                db.execute(&statement, &[])?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                &[
                    i64::from(migration.version).into(),
                    migration.name.into(),
                    timestamp(now).into(),
                ],
            )
        })?;
        ran += 1;
    }
    Ok(ran)
}

/// Splits a migration file into statements: strips `--` comments, splits on `;` at the end
/// of a line, and keeps trigger bodies (`BEGIN ... END;`) whole.
fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut in_trigger_body = false;
    for line in sql.lines() {
        let code = line.split("--").next().unwrap_or("").trim_end();
        if code.trim().is_empty() {
            continue;
        }
        current.push_str(code);
        current.push('\n');
        let upper = code.trim().to_ascii_uppercase();
        if upper == "BEGIN" || upper.ends_with(" BEGIN") {
            in_trigger_body = true;
        }
        if code.ends_with(';') && (!in_trigger_body || upper == "END;") {
            in_trigger_body = false;
            statements.push(current.trim().trim_end_matches(';').to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        statements.push(current.trim().to_string());
    }
    statements
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    written_timestamp(text)
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
        .ok_or_else(|| StoreError::CorruptRow(format!("bad timestamp {text:?}")))
}

/// An instant in the one shape [`timestamp`] writes (`2026-03-01T08:00:00.000Z`), read
/// without a general parser: statistics read five per ticket, and chrono's RFC 3339
/// parser was a tenth of their time in a profile (docs/PERFORMANCE.md).
fn written_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if bytes.len() != 24 || &bytes[19..20] != b"." || bytes[23] != b'Z' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        bytes[from..to].iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    for (at, separator) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        if bytes[at] != separator {
            return None;
        }
    }
    let date =
        chrono::NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_milli_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        number(20, 23)?,
    )?;
    Some(date.and_time(time).and_utc())
}

#[derive(Deserialize)]
struct LastSequence {
    last_sequence: i64,
}

/// A photo already stored in object storage, recorded with its ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRecord {
    pub position: u8,
    pub object_key: String,
    pub thumbnail_key: Option<String>,
    pub content_type: String,
    pub bytes: u32,
    pub width: u32,
    pub height: u32,
}

/// What makes a retried submission return the ticket it already created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Idempotency {
    /// The client's Idempotency-Key or form nonce, or a content fingerprint.
    pub key: String,
    /// SHA-256 of the validated submission: the same key with another body is refused.
    pub fingerprint: String,
    /// How long the key holds; `None` for ever. Content fingerprints hold for minutes only,
    /// so that the same problem can be reported again later.
    pub valid_for_seconds: Option<i64>,
}

/// Everything needed to store a new ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTicket {
    pub id: TicketId,
    pub report: ValidReport,
    pub routing: RoutingDecision,
    pub photos: Vec<PhotoRecord>,
    pub idempotency: Option<Idempotency>,
    /// From the category's response targets, counted from the filing time.
    pub due: Deadlines,
    /// The key of the client application that files it (Open311); checked again here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The comune asks citizens to confirm their address before any message but the
    /// first: a secret code for the link is kept with the ticket.
    #[serde(default)]
    pub confirm_email: bool,
    /// What the report counts against (`rate_limit::charges_for_report`); a replay of an
    /// earlier submission counts nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<crate::rate_limit::Charge>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// A new ticket was stored.
    New(Ticket),
    /// The submission repeats an earlier one: this is the ticket it created.
    Replayed(Ticket),
}

#[derive(Deserialize)]
struct IdempotencyRow {
    fingerprint: String,
    ticket_id: String,
    created_at: String,
}

/// Stores a new ticket with the next public number of the year, its photos and its first
/// event, atomically; or returns the ticket an earlier identical submission created.
pub fn create_ticket(
    db: &impl SqlDatabase,
    new: NewTicket,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<Created, StoreError> {
    db.transaction(|db| {
        if let Some(key) = &new.api_key {
            if !api_keys::is_active(db, key)? {
                return Err(StoreError::ApiKeyRevoked);
            }
        }
        if let Some(idempotency) = &new.idempotency {
            if let Some(existing) = replayed_ticket(db, idempotency, now)? {
                return Ok(Created::Replayed(existing));
            }
        }
        rate_limits::admit(db, &new.charges, now, entropy, true)?
            .map_err(StoreError::RateLimited)?;
        let year = italian_year(now);
        let last: Vec<LastSequence> = db.query(
            "SELECT last_sequence FROM number_sequences WHERE year = ?",
            &[i64::from(year).into()],
        )?;
        let sequence = last.first().map_or(0, |row| row.last_sequence) + 1;
        db.execute(
            "INSERT INTO number_sequences (year, last_sequence) VALUES (?, ?)
             ON CONFLICT (year) DO UPDATE SET last_sequence = excluded.last_sequence",
            &[i64::from(year).into(), sequence.into()],
        )?;
        let sequence = u32::try_from(sequence)
            .map_err(|_| StoreError::Database("sequence overflow".into()))?;
        let (mut ticket, event) = Ticket::open(
            new.id,
            new.report,
            new.routing,
            PublicNumber::new(year, sequence),
            new.due,
            now,
            entropy,
        );
        ticket.api_key_id = new.api_key;
        insert_ticket(db, &ticket)?;
        if new.confirm_email && ticket.report.reporter.email.is_some() {
            // Same form as a tracking token: 128 random bits, URL-safe.
            let code = TrackingToken::generate(entropy);
            db.execute(
                "UPDATE tickets SET email_confirmation_code = ? WHERE id = ?",
                &[code.as_str().into(), ticket.id.to_string().into()],
            )?;
        }
        for photo in &new.photos {
            insert_photo(db, ticket.id, photo)?;
        }
        append_event(db, &event)?;
        if let Some(idempotency) = &new.idempotency {
            db.execute(
                "INSERT INTO idempotency_keys (key, fingerprint, ticket_id, created_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint,
                     ticket_id = excluded.ticket_id, created_at = excluded.created_at",
                &[
                    idempotency.key.as_str().into(),
                    idempotency.fingerprint.as_str().into(),
                    ticket.id.to_string().into(),
                    timestamp(now).into(),
                ],
            )?;
        }
        Ok(Created::New(ticket))
    })
}

/// The ticket created earlier under this key, if the key still holds. A key reused for a
/// different submission is an error, not a silent replay.
fn replayed_ticket(
    db: &impl SqlDatabase,
    idempotency: &Idempotency,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>, StoreError> {
    let rows: Vec<IdempotencyRow> = db.query(
        "SELECT fingerprint, ticket_id, created_at FROM idempotency_keys WHERE key = ?",
        &[idempotency.key.as_str().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    if let Some(seconds) = idempotency.valid_for_seconds {
        if parse_timestamp(&row.created_at)? + chrono::Duration::seconds(seconds) < now {
            return Ok(None);
        }
    }
    if row.fingerprint != idempotency.fingerprint {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let tickets: Vec<TicketRow> = db.query(
        "SELECT * FROM tickets WHERE id = ?",
        &[row.ticket_id.into()],
    )?;
    match tickets.into_iter().next() {
        Some(row) => Ok(Some(Ticket::try_from(row)?)),
        None => Err(StoreError::CorruptRow(
            "idempotency key of a missing ticket".into(),
        )),
    }
}

fn insert_photo(
    db: &impl SqlDatabase,
    ticket: TicketId,
    photo: &PhotoRecord,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO ticket_photos (ticket_id, position, object_key, thumbnail_key, content_type, bytes, width, height)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            ticket.to_string().into(),
            i64::from(photo.position).into(),
            photo.object_key.as_str().into(),
            photo.thumbnail_key.clone().into(),
            photo.content_type.as_str().into(),
            i64::from(photo.bytes).into(),
            i64::from(photo.width).into(),
            i64::from(photo.height).into(),
        ],
    )
}

#[derive(Deserialize)]
struct PhotoRow {
    position: i64,
    object_key: String,
    thumbnail_key: Option<String>,
    content_type: String,
    bytes: i64,
    width: i64,
    height: i64,
}

pub fn photos(db: &impl SqlDatabase, id: TicketId) -> Result<Vec<PhotoRecord>, StoreError> {
    let rows: Vec<PhotoRow> = db.query(
        "SELECT position, object_key, thumbnail_key, content_type, bytes, width, height
         FROM ticket_photos WHERE ticket_id = ? ORDER BY position",
        &[id.to_string().into()],
    )?;
    rows.into_iter()
        .map(|row| {
            let number = |value: i64| {
                u32::try_from(value).map_err(|_| corrupt("photo number", &value.to_string()))
            };
            Ok(PhotoRecord {
                position: u8::try_from(row.position)
                    .map_err(|_| corrupt("photo position", &row.position.to_string()))?,
                object_key: row.object_key,
                thumbnail_key: row.thumbnail_key,
                content_type: row.content_type,
                bytes: number(row.bytes)?,
                width: number(row.width)?,
                height: number(row.height)?,
            })
        })
        .collect()
}

fn insert_ticket(db: &impl SqlDatabase, ticket: &Ticket) -> Result<(), StoreError> {
    let report = &ticket.report;
    db.execute(
        "INSERT INTO tickets (id, public_number, year, sequence, tracking_token, status, priority,
            theme, category, kind, description, address, lat, lon, reporter_name, reporter_email,
            language, office, routing_rule, created_at, updated_at, version, assignee, respond_by,
            resolve_by, reporter_phone, media_url, api_key_id, answers)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            ticket.id.to_string().into(),
            ticket.public_number.to_string().into(),
            i64::from(ticket.public_number.year()).into(),
            i64::from(ticket.public_number.sequence()).into(),
            ticket.tracking_token.as_str().into(),
            ticket.status.as_str().into(),
            ticket.priority.as_str().into(),
            report.theme.as_str().into(),
            report.category.as_str().into(),
            report.kind.as_str().into(),
            report.description.as_str().into(),
            report.address.clone().into(),
            report.location.map(|p| p.lat()).into(),
            report.location.map(|p| p.lon()).into(),
            report.reporter.name.clone().into(),
            report
                .reporter
                .email
                .as_ref()
                .map(|e| e.as_str().to_string())
                .into(),
            report.language.as_str().into(),
            ticket.routing.office.as_str().into(),
            ticket.routing.rule.clone().into(),
            timestamp(ticket.created_at).into(),
            timestamp(ticket.updated_at).into(),
            i64::from(ticket.version).into(),
            ticket.assignee.as_ref().map(ToString::to_string).into(),
            timestamp(ticket.due.respond_by).into(),
            ticket.due.resolve_by.map(timestamp).into(),
            report
                .reporter
                .phone
                .as_ref()
                .map(|p| p.as_str().to_string())
                .into(),
            report.media_url.clone().into(),
            ticket.api_key_id.clone().into(),
            (!report.answers.is_empty())
                .then(|| serde_json::to_string(&report.answers).expect("answers serialise"))
                .into(),
        ],
    )
}

/// Appends one event to a ticket's history (the table refuses updates and deletes), with
/// what it owes by e-mail.
pub fn append_event(db: &impl SqlDatabase, event: &TicketEvent) -> Result<(), StoreError> {
    insert_event(db, event)?;
    // What is owed by e-mail is recorded atomically with the step.
    outbox::record_for_last_event(db, event)
}

/// Writes one history event and nothing else: imported history tells nobody again.
fn insert_event(db: &impl SqlDatabase, event: &TicketEvent) -> Result<(), StoreError> {
    let (actor_kind, actor_id) = match &event.actor {
        Actor::Citizen => ("citizen", None),
        Actor::Staff(id) => ("staff", Some(id.clone())),
        Actor::System => ("system", None),
    };
    let visibility = match event.visibility {
        Visibility::Public => "public",
        Visibility::Internal => "internal",
    };
    db.execute(
        "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, kind, from_status, to_status,
            office, visibility, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            event.ticket_id.to_string().into(),
            timestamp(event.at).into(),
            actor_kind.into(),
            actor_id.into(),
            event.kind.as_str().into(),
            event.from_status.map(Status::as_str).into(),
            event.to_status.as_str().into(),
            event.office.clone().into(),
            visibility.into(),
            event.note.clone().into(),
        ],
    )
}

#[derive(Deserialize)]
pub(crate) struct TicketRow {
    id: String,
    public_number: String,
    tracking_token: String,
    status: String,
    priority: String,
    theme: String,
    category: String,
    kind: String,
    description: String,
    address: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
    language: String,
    office: String,
    routing_rule: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
    assignee: Option<String>,
    respond_by: Option<String>,
    resolve_by: Option<String>,
    duplicate_of: Option<String>,
    #[serde(default)]
    reporter_phone: Option<String>,
    #[serde(default)]
    media_url: Option<String>,
    #[serde(default)]
    api_key_id: Option<String>,
    #[serde(default)]
    answers: Option<String>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::CorruptRow(format!("bad {what} {value:?}"))
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;
    fn try_from(row: TicketRow) -> Result<Self, StoreError> {
        let location = match (row.lat, row.lon) {
            (Some(lat), Some(lon)) => Some(
                crate::geo::Coordinates::new(lat, lon)
                    .map_err(|_| corrupt("location", &format!("{lat},{lon}")))?,
            ),
            _ => None,
        };
        let email = match row.reporter_email.as_deref() {
            Some(text) => {
                Some(crate::email::Email::parse(text).map_err(|_| corrupt("e-mail", text))?)
            }
            None => None,
        };
        Ok(Ticket {
            id: row
                .id
                .parse::<TicketId>()
                .map_err(|_| corrupt("id", &row.id))?,
            public_number: PublicNumber::parse(&row.public_number)
                .map_err(|_| corrupt("number", &row.public_number))?,
            tracking_token: TrackingToken::parse(&row.tracking_token)
                .map_err(|_| corrupt("token", &row.tracking_token))?,
            status: Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            priority: Priority::parse(&row.priority)
                .ok_or_else(|| corrupt("priority", &row.priority))?,
            report: ValidReport {
                kind: ReportKind::parse(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?,
                language: Language::parse(&row.language)
                    .ok_or_else(|| corrupt("language", &row.language))?,
                theme: row.theme,
                category: row.category,
                description: row.description,
                location,
                address: row.address,
                reporter: Reporter {
                    name: row.reporter_name,
                    email,
                    phone: row
                        .reporter_phone
                        .as_deref()
                        .map(|p| Phone::parse(p).map_err(|_| corrupt("phone", p)))
                        .transpose()?,
                },
                media_url: row.media_url,
                answers: row
                    .answers
                    .as_deref()
                    .map(|json| serde_json::from_str(json).map_err(|_| corrupt("answers", json)))
                    .transpose()?
                    .unwrap_or_default(),
            },
            api_key_id: row.api_key_id,
            routing: RoutingDecision {
                office: row.office,
                rule: row.routing_rule,
            },
            assignee: row
                .assignee
                .as_deref()
                .map(|id| StaffId::parse(id).map_err(|_| corrupt("assignee", id)))
                .transpose()?,
            due: Deadlines {
                // Only rows from before deadlines existed lack one, until the store fills it.
                respond_by: parse_timestamp(row.respond_by.as_deref().unwrap_or(&row.created_at))?,
                resolve_by: row.resolve_by.as_deref().map(parse_timestamp).transpose()?,
            },
            duplicate_of: row
                .duplicate_of
                .as_deref()
                .map(|n| PublicNumber::parse(n).map_err(|_| corrupt("duplicate of", n)))
                .transpose()?,
            created_at: parse_timestamp(&row.created_at)?,
            updated_at: parse_timestamp(&row.updated_at)?,
            version: u32::try_from(row.version)
                .map_err(|_| corrupt("version", &row.version.to_string()))?,
        })
    }
}

#[derive(Deserialize)]
struct EventRow {
    ticket_id: String,
    at: String,
    actor_kind: String,
    actor_id: Option<String>,
    kind: String,
    from_status: Option<String>,
    to_status: String,
    office: Option<String>,
    visibility: String,
    note: Option<String>,
}

impl TryFrom<EventRow> for TicketEvent {
    type Error = StoreError;
    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        let status = |text: &str| Status::parse(text).ok_or_else(|| corrupt("status", text));
        Ok(TicketEvent {
            ticket_id: row
                .ticket_id
                .parse()
                .map_err(|_| corrupt("ticket id", &row.ticket_id))?,
            at: parse_timestamp(&row.at)?,
            actor: match (row.actor_kind.as_str(), row.actor_id) {
                ("citizen", _) => Actor::Citizen,
                ("system", _) => Actor::System,
                ("staff", Some(id)) => Actor::Staff(id),
                (kind, _) => return Err(corrupt("actor", kind)),
            },
            kind: EventKind::parse(&row.kind).ok_or_else(|| corrupt("event kind", &row.kind))?,
            from_status: row.from_status.as_deref().map(status).transpose()?,
            to_status: status(&row.to_status)?,
            office: row.office,
            visibility: match row.visibility.as_str() {
                "public" => Visibility::Public,
                "internal" => Visibility::Internal,
                other => return Err(corrupt("visibility", other)),
            },
            note: row.note,
        })
    }
}

/// A ticket with its whole history (oldest event first) and its photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
    pub photos: Vec<PhotoRecord>,
    /// For a duplicate, the ticket it joined with its history (no photos): its citizen
    /// follows that one from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Box<TicketRecord>>,
}

/// The ticket a tracking token opens.
pub fn find_by_tracking_token(
    db: &impl SqlDatabase,
    token: &TrackingToken,
) -> Result<Option<TicketRecord>, StoreError> {
    let rows: Vec<TicketRow> = db.query(
        "SELECT * FROM tickets WHERE tracking_token = ?",
        &[token.as_str().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let ticket = Ticket::try_from(row)?;
    let events = history(db, ticket.id)?;
    let photos = photos(db, ticket.id)?;
    let original = match (ticket.status, ticket.duplicate_of) {
        (Status::Duplicate, Some(number)) => original_of(db, number)?.map(Box::new),
        _ => None,
    };
    Ok(Some(TicketRecord {
        ticket,
        events,
        photos,
        original,
    }))
}

/// The ticket a duplicate joined, with its history.
fn original_of(
    db: &impl SqlDatabase,
    number: PublicNumber,
) -> Result<Option<TicketRecord>, StoreError> {
    let rows: Vec<TicketRow> = db.query(
        "SELECT * FROM tickets WHERE public_number = ?",
        &[number.to_string().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let ticket = Ticket::try_from(row)?;
    Ok(Some(TicketRecord {
        events: history(db, ticket.id)?,
        ticket,
        photos: vec![],
        original: None,
    }))
}

/// One history event by its row id.
pub(crate) fn history_event(
    db: &impl SqlDatabase,
    event_id: i64,
) -> Result<Option<TicketEvent>, StoreError> {
    let rows: Vec<EventRow> = db.query(
        "SELECT * FROM ticket_events WHERE id = ?",
        &[event_id.into()],
    )?;
    rows.into_iter()
        .next()
        .map(TicketEvent::try_from)
        .transpose()
}

pub fn history(db: &impl SqlDatabase, id: TicketId) -> Result<Vec<TicketEvent>, StoreError> {
    let rows: Vec<EventRow> = db.query(
        "SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id",
        &[id.to_string().into()],
    )?;
    rows.into_iter().map(TicketEvent::try_from).collect()
}

/// Runs a `SELECT COUNT(*) AS n ...` query.
pub(crate) fn count(
    db: &impl SqlDatabase,
    sql: &str,
    params: &[SqlValue],
) -> Result<u64, StoreError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let rows: Vec<Count> = db.query(sql, params)?;
    Ok(rows.first().map_or(0, |c| c.n.max(0) as u64))
}

pub fn count_tickets(db: &impl SqlDatabase) -> Result<u64, StoreError> {
    count(db, "SELECT COUNT(*) AS n FROM tickets", &[])
}

pub mod api_keys;
pub mod citizen_access;
mod commands;
pub mod configuration;
pub mod confirmation;
pub mod delivery;
pub mod follow_up;
pub mod inbox;
pub mod open311;
pub mod open_data;
pub mod outbox;
pub mod packed_facts;
pub mod public_reports;
pub mod rate_limits;
pub mod staff;
pub mod subscriptions;
pub mod transfer;
pub use commands::{apply_command, ApplyError};

#[cfg(test)]
mod citizen_access_tests;
#[cfg(test)]
mod follow_up_tests;
#[cfg(test)]
mod open311_tests;
#[cfg(test)]
mod open_data_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod rate_limits_tests;
#[cfg(test)]
mod staff_tests;
#[cfg(test)]
mod subscriptions_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;
