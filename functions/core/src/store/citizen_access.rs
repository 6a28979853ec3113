//! The store's side of "my reports" (see `crate::citizen_access`): sign-in links written
//! with the message that carries them, redeemed once; a citizen's reports and data found
//! by the address they left (compared lowercased); and the erasure of their personal data.

use super::rate_limits::admit;
use super::{count, find_by_tracking_token, timestamp, SqlDatabase, StoreError, TicketRecord};
use crate::api::PublicTicketView;
use crate::citizen_access::{LinkRefused, SignedIn, TooManyLinks, LINKS_PER_ADDRESS_PER_DAY};
use crate::config::ComuneConfig;
use crate::email::Email;
use crate::ids::{Entropy, TrackingToken};
use crate::rate_limit::{Charge, Limit, Scope, DAY};
use crate::report::{Language, Reporter};
use crate::subscription::AddressRequest;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Reports shown and exported at most (a citizen with more is a very busy one).
const MAX_REPORTS: i64 = 500;

/// Owes the address a sign-in link valid for `link_seconds`, if it left any report. The
/// answer is the same whether it did or not, so nobody learns who reported.
pub fn request_link(
    db: &impl SqlDatabase,
    request: &AddressRequest,
    link_seconds: i64,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<Result<(), TooManyLinks>, StoreError> {
    db.transaction(|db| {
        let email = request.email.as_str();
        // Every request counts, for an address that reported or not: a refusal must not
        // tell which addresses have reported.
        let charge = Charge {
            scope: Scope::SignInLinksToEmail,
            subject: email.to_string(),
            limits: vec![Limit {
                max: LINKS_PER_ADDRESS_PER_DAY as u32,
                window_seconds: DAY,
            }],
        };
        if admit(db, &[charge], now, entropy, true)?.is_err() {
            return Ok(Err(TooManyLinks));
        }
        let reports = count(
            db,
            "SELECT COUNT(*) AS n FROM tickets WHERE lower(reporter_email) = ?",
            &[email.into()],
        )?;
        if reports == 0 {
            return Ok(Ok(()));
        }
        let secret = TrackingToken::generate(entropy);
        let at = timestamp(now);
        db.execute(
            "INSERT INTO sign_in_links (email, language, secret, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
            &[
                email.into(),
                request.language.as_str().into(),
                secret.as_str().into(),
                at.as_str().into(),
                timestamp(now + Duration::seconds(link_seconds)).into(),
            ],
        )?;
        db.execute(
            "INSERT INTO outbox (kind, sign_in_id, created_at)
             VALUES ('citizen_sign_in', last_insert_rowid(), ?)",
            &[at.into()],
        )?;
        Ok(Ok(()))
    })
}

/// A sign-in link as the store keeps it.
#[derive(Debug, Deserialize)]
pub(super) struct Link {
    pub id: i64,
    pub email: Option<String>,
    pub language: String,
    pub secret: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

pub(super) fn link(db: &impl SqlDatabase, id: i64) -> Result<Option<Link>, StoreError> {
    Ok(db
        .query::<Link>("SELECT * FROM sign_in_links WHERE id = ?", &[id.into()])?
        .into_iter()
        .next())
}

/// Uses the link: whom it signs in, or why not. A link works once, until it expires.
pub fn redeem(
    db: &impl SqlDatabase,
    secret: &TrackingToken,
    now: DateTime<Utc>,
) -> Result<Result<SignedIn, LinkRefused>, StoreError> {
    db.transaction(|db| {
        let found: Vec<Link> = db.query(
            "SELECT * FROM sign_in_links WHERE secret = ?",
            &[secret.as_str().into()],
        )?;
        let Some(link) = found.into_iter().next() else {
            return Ok(Err(LinkRefused::Unknown));
        };
        let Some(email) = link.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
            return Ok(Err(LinkRefused::Unknown));
        };
        if link.used_at.is_some() {
            return Ok(Err(LinkRefused::Used));
        }
        if super::parse_timestamp(&link.expires_at)? <= now {
            return Ok(Err(LinkRefused::Expired));
        }
        db.execute(
            "UPDATE sign_in_links SET used_at = ? WHERE id = ?",
            &[timestamp(now).into(), link.id.into()],
        )?;
        Ok(Ok(SignedIn {
            email,
            language: Language::parse(&link.language).unwrap_or_default(),
        }))
    })
}

#[derive(Deserialize)]
struct Token {
    tracking_token: String,
}

/// Every report the address left, newest first, with its history.
pub fn reports_of(db: &impl SqlDatabase, email: &Email) -> Result<Vec<TicketRecord>, StoreError> {
    let tokens: Vec<Token> = db.query(
        "SELECT tracking_token FROM tickets WHERE lower(reporter_email) = ?
         ORDER BY created_at DESC, public_number DESC LIMIT ?",
        &[email.as_str().to_lowercase().into(), MAX_REPORTS.into()],
    )?;
    let mut records = Vec::new();
    for token in tokens {
        let token = TrackingToken::parse(&token.tracking_token)
            .map_err(|_| StoreError::CorruptRow("bad tracking token".into()))?;
        if let Some(record) = find_by_tracking_token(db, &token)? {
            records.push(record);
        }
    }
    Ok(records)
}

/// Everything the comune holds about a citizen, for their right of access.
#[derive(Debug, Serialize)]
pub struct CitizenData {
    pub format: &'static str,
    pub email: String,
    pub exported_at: String,
    pub reports: Vec<ReportData>,
    pub subscriptions: Vec<SubscriptionData>,
}

#[derive(Debug, Serialize)]
pub struct ReportData {
    /// What the citizen gave about themselves.
    pub reporter: Reporter,
    /// The report as its tracking page shows it: content, place, photos, public steps.
    pub report: PublicTicketView,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionData {
    pub number: String,
    pub created_at: String,
    pub confirmed_at: Option<String>,
}

pub fn data_of(
    db: &impl SqlDatabase,
    email: &Email,
    config: &ComuneConfig,
    language: Language,
    now: DateTime<Utc>,
) -> Result<CitizenData, StoreError> {
    let reports = reports_of(db, email)?
        .into_iter()
        .map(|record| ReportData {
            reporter: record.ticket.report.reporter.clone(),
            report: PublicTicketView::in_language(&record, config, language),
        })
        .collect();
    let subscriptions = db.query(
        "SELECT t.public_number AS number, s.created_at, s.confirmed_at
         FROM subscriptions s JOIN tickets t ON t.id = s.ticket_id
         WHERE s.email = ? AND s.ended_at IS NULL ORDER BY s.id",
        &[email.as_str().to_lowercase().into()],
    )?;
    Ok(CitizenData {
        format: "segnala-citizen-data/1",
        email: email.as_str().to_string(),
        exported_at: timestamp(now),
        reports,
        subscriptions,
    })
}

/// Erases the citizen's personal data: name, address and phone from every report they
/// left (the reports stay, anonymised, with their history), their subscriptions and their
/// sign-in links. Messages still owed to them are then not sent. Returns how many reports
/// were anonymised.
pub fn erase(db: &impl SqlDatabase, email: &Email, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let email = email.as_str().to_lowercase();
    db.transaction(|db| {
        let reports = count(
            db,
            "SELECT COUNT(*) AS n FROM tickets WHERE lower(reporter_email) = ?",
            &[email.as_str().into()],
        )?;
        // A provider's error can quote the address ("invalid 'To' address: ..."): the
        // errors of the deliveries to this citizen go with it.
        db.execute(
            "UPDATE outbox SET last_error = NULL
             WHERE recipient_ticket_id IN (SELECT id FROM tickets WHERE lower(reporter_email) = ?)
                OR subscription_id IN (SELECT id FROM subscriptions WHERE email = ?)
                OR sign_in_id IN (SELECT id FROM sign_in_links WHERE email = ?)",
            &[
                email.as_str().into(),
                email.as_str().into(),
                email.as_str().into(),
            ],
        )?;
        db.execute(
            "UPDATE tickets SET reporter_name = NULL, reporter_email = NULL, reporter_phone = NULL,
                 email_confirmation_code = NULL
             WHERE lower(reporter_email) = ?",
            &[email.as_str().into()],
        )?;
        db.execute(
            "UPDATE subscriptions SET email = NULL, ended_at = ?, ended_because = 'erased'
             WHERE email = ? AND ended_at IS NULL",
            &[timestamp(now).into(), email.as_str().into()],
        )?;
        db.execute(
            "UPDATE sign_in_links SET email = NULL, used_at = COALESCE(used_at, ?) WHERE email = ?",
            &[timestamp(now).into(), email.as_str().into()],
        )?;
        Ok(reports)
    })
}
