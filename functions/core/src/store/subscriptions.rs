//! Subscriptions to a public report's steps (see `crate::subscription`): asking to follow
//! writes the subscription and its confirmation message in one transaction; the secret
//! link confirms or ends it; every public step the reporter hears of leaves one row per
//! confirmed subscriber (`record_for_event`); the sweep ends those never confirmed.

use super::{count, timestamp, SqlDatabase, StoreError};
use crate::ids::{Entropy, TrackingToken};
use crate::public_number::PublicNumber;
use crate::report::Language;
use crate::status::Status;
use crate::subscription::{
    followable, AddressRequest, FollowRefused, SubscriptionState, SubscriptionView,
    CONFIRMATIONS_PER_ADDRESS_PER_DAY, CONFIRM_WITHIN_DAYS, RESEND_CONFIRMATION_AFTER_MINUTES,
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
struct Followed {
    id: String,
    status: String,
    duplicate_of: Option<String>,
}

#[derive(Deserialize)]
struct Live {
    id: i64,
    confirmed_at: Option<String>,
}

/// Subscribes the address to the report, pending confirmation, and owes it the message
/// with the confirmation link. Asking again while pending sends the link again (not more
/// often than every few minutes); asking again once confirmed changes nothing. The answer
/// is the same in every case, so nobody learns who follows what.
pub fn follow(
    db: &impl SqlDatabase,
    number: PublicNumber,
    request: &AddressRequest,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<Result<(), FollowRefused>, StoreError> {
    db.transaction(|db| {
        let found: Vec<Followed> = db.query(
            "SELECT id, status, duplicate_of FROM tickets WHERE public_number = ?",
            &[number.to_string().into()],
        )?;
        let Some(ticket) = found.into_iter().next() else {
            return Ok(Err(FollowRefused::NotFound));
        };
        let status = Status::parse(&ticket.status)
            .ok_or_else(|| StoreError::CorruptRow(format!("bad status {:?}", ticket.status)))?;
        if status == Status::Duplicate {
            if let Some(into) = ticket.duplicate_of {
                return Ok(Err(FollowRefused::Merged { into }));
            }
        }
        if !followable(status) {
            return Ok(Err(FollowRefused::Closed));
        }
        let email = request.email.as_str();
        let at = timestamp(now);
        let live: Vec<Live> = db.query(
            "SELECT id, confirmed_at FROM subscriptions
             WHERE ticket_id = ? AND email = ? AND ended_at IS NULL",
            &[ticket.id.as_str().into(), email.into()],
        )?;
        let live = live.into_iter().next();
        // The daily limit comes first, for every address alike: an address at its limit is
        // refused whether or not it already follows, so a refusal tells nothing.
        let today = count(
            db,
            "SELECT COUNT(*) AS n FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id
             WHERE o.kind = 'subscription_confirmation' AND s.email = ? AND o.created_at > ?",
            &[email.into(), timestamp(now - Duration::days(1)).into()],
        )?;
        if today >= CONFIRMATIONS_PER_ADDRESS_PER_DAY {
            return Ok(Err(FollowRefused::TooManyToday));
        }
        if let Some(live) = &live {
            if live.confirmed_at.is_some() {
                return Ok(Ok(()));
            }
            let recent = count(
                db,
                "SELECT COUNT(*) AS n FROM outbox
                 WHERE kind = 'subscription_confirmation' AND subscription_id = ? AND created_at > ?",
                &[
                    live.id.into(),
                    timestamp(now - Duration::minutes(RESEND_CONFIRMATION_AFTER_MINUTES)).into(),
                ],
            )?;
            if recent > 0 {
                return Ok(Ok(()));
            }
        }
        let subscription = match live {
            Some(live) => live.id,
            None => {
                let secret = TrackingToken::generate(entropy);
                db.execute(
                    "INSERT INTO subscriptions (ticket_id, email, language, secret, created_at)
                     VALUES (?, ?, ?, ?, ?)",
                    &[
                        ticket.id.as_str().into(),
                        email.into(),
                        request.language.as_str().into(),
                        secret.as_str().into(),
                        at.as_str().into(),
                    ],
                )?;
                last_id(db)?
            }
        };
        db.execute(
            "INSERT INTO outbox (kind, subscription_id, created_at)
             VALUES ('subscription_confirmation', ?, ?)",
            &[subscription.into(), at.into()],
        )?;
        Ok(Ok(()))
    })
}

fn last_id(db: &impl SqlDatabase) -> Result<i64, StoreError> {
    #[derive(Deserialize)]
    struct LastId {
        id: i64,
    }
    db.query::<LastId>("SELECT last_insert_rowid() AS id", &[])?
        .into_iter()
        .next()
        .map(|row| row.id)
        .ok_or_else(|| StoreError::Database("no row id".into()))
}

#[derive(Deserialize)]
struct Secret {
    id: i64,
    number: String,
    language: String,
    created_at: String,
    confirmed_at: Option<String>,
    ended_at: Option<String>,
}

fn by_secret(db: &impl SqlDatabase, secret: &TrackingToken) -> Result<Option<Secret>, StoreError> {
    Ok(db
        .query::<Secret>(
            "SELECT s.id, t.public_number AS number, s.language, s.created_at, s.confirmed_at,
                    s.ended_at
             FROM subscriptions s JOIN tickets t ON t.id = s.ticket_id WHERE s.secret = ?",
            &[secret.as_str().into()],
        )?
        .into_iter()
        .next())
}

impl Secret {
    fn view(&self, state: SubscriptionState) -> SubscriptionView {
        SubscriptionView {
            number: self.number.clone(),
            language: Language::parse(&self.language).unwrap_or_default(),
            state,
        }
    }

    fn state(&self) -> SubscriptionState {
        match (&self.ended_at, &self.confirmed_at) {
            (Some(_), _) => SubscriptionState::Ended,
            (None, Some(_)) => SubscriptionState::Active,
            (None, None) => SubscriptionState::Pending,
        }
    }
}

/// Where the subscription of this secret stands; `None` for an unknown secret.
pub fn lookup(
    db: &impl SqlDatabase,
    secret: &TrackingToken,
) -> Result<Option<SubscriptionView>, StoreError> {
    Ok(by_secret(db, secret)?.map(|s| s.view(s.state())))
}

/// Confirms the address from the link in the confirmation message. A link followed too
/// late ends the subscription instead (the view says `ended`).
pub fn confirm(
    db: &impl SqlDatabase,
    secret: &TrackingToken,
    now: DateTime<Utc>,
) -> Result<Option<SubscriptionView>, StoreError> {
    db.transaction(|db| {
        let Some(found) = by_secret(db, secret)? else {
            return Ok(None);
        };
        if found.state() != SubscriptionState::Pending {
            return Ok(Some(found.view(found.state())));
        }
        if super::parse_timestamp(&found.created_at)? + Duration::days(CONFIRM_WITHIN_DAYS) < now {
            end(db, found.id, "not_confirmed", now)?;
            return Ok(Some(found.view(SubscriptionState::Ended)));
        }
        db.execute(
            "UPDATE subscriptions SET confirmed_at = ? WHERE id = ?",
            &[timestamp(now).into(), found.id.into()],
        )?;
        Ok(Some(found.view(SubscriptionState::Active)))
    })
}

/// Ends the subscription and erases its address; repeating it changes nothing.
pub fn unsubscribe(
    db: &impl SqlDatabase,
    secret: &TrackingToken,
    now: DateTime<Utc>,
) -> Result<Option<SubscriptionView>, StoreError> {
    db.transaction(|db| {
        let Some(found) = by_secret(db, secret)? else {
            return Ok(None);
        };
        if found.state() != SubscriptionState::Ended {
            end(db, found.id, "unsubscribed", now)?;
        }
        Ok(Some(found.view(SubscriptionState::Ended)))
    })
}

fn end(db: &impl SqlDatabase, id: i64, why: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    db.execute(
        "UPDATE subscriptions SET email = NULL, ended_at = ?, ended_because = ? WHERE id = ?",
        &[timestamp(now).into(), why.into(), id.into()],
    )
}

/// Ends the subscriptions whose confirmation link has expired, erasing their addresses.
pub fn end_unconfirmed(db: &impl SqlDatabase, now: DateTime<Utc>) -> Result<(), StoreError> {
    db.execute(
        "UPDATE subscriptions SET email = NULL, ended_at = ?, ended_because = 'not_confirmed'
         WHERE confirmed_at IS NULL AND ended_at IS NULL AND created_at < ?",
        &[
            timestamp(now).into(),
            timestamp(now - Duration::days(CONFIRM_WITHIN_DAYS)).into(),
        ],
    )
}

/// Confirmed subscribers of the report with this number and of the reports merged into
/// it, as their count.
pub fn followers(db: &impl SqlDatabase, number: &str) -> Result<u64, StoreError> {
    count(
        db,
        "SELECT COUNT(*) AS n FROM subscriptions
         WHERE confirmed_at IS NOT NULL AND ended_at IS NULL
           AND ticket_id IN (SELECT id FROM tickets WHERE public_number = ? OR duplicate_of = ?)",
        &[number.into(), number.into()],
    )
}

/// Owes the step `event_id` of ticket `ticket_id` to every confirmed subscriber of the
/// ticket and of the tickets merged into it.
pub(super) fn record_for_event(
    db: &impl SqlDatabase,
    event_id: i64,
    ticket_id: &str,
    at: &str,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO outbox (kind, event_id, subscription_id, created_at)
         SELECT 'subscriber', ?, id, ? FROM subscriptions
         WHERE confirmed_at IS NOT NULL AND ended_at IS NULL
           AND (ticket_id = ? OR ticket_id IN (SELECT id FROM tickets
                WHERE duplicate_of = (SELECT public_number FROM tickets WHERE id = ?)))
         ORDER BY id",
        &[
            event_id.into(),
            at.into(),
            ticket_id.into(),
            ticket_id.into(),
        ],
    )
}

/// A subscriber's address and language, read at delivery; `None` once it ended.
#[derive(Debug, Deserialize)]
pub(super) struct Recipient {
    pub ticket_id: String,
    pub email: Option<String>,
    pub language: String,
    pub secret: String,
    pub confirmed_at: Option<String>,
}

pub(super) fn recipient(db: &impl SqlDatabase, id: i64) -> Result<Option<Recipient>, StoreError> {
    Ok(db
        .query::<Recipient>(
            "SELECT ticket_id, email, language, secret, confirmed_at FROM subscriptions WHERE id = ?",
            &[id.into()],
        )?
        .into_iter()
        .next())
}
