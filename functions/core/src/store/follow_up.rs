//! A citizen's follow-up in the store: the ticket their tracking link opens, the command
//! decided by `follow_up::decide` on it as it is, written with its event (and what it owes
//! the office by e-mail) and any photos in one transaction, the rating kept for statistics.

use super::commands::write;
use super::{
    find_by_tracking_token, insert_photo, timestamp, SqlDatabase, StoreError, TicketRecord,
};
use crate::config::ComuneConfig;
use crate::follow_up::{circumstances, decide, CitizenCommand, FollowUpError};
use crate::ids::{Entropy, TrackingToken};
use crate::rate_limit::{charges_for_action, Refusal};
use crate::store::PhotoRecord;
use chrono::{DateTime, Utc};

/// Photos one ticket may have in all, the citizen's first ones included.
pub const MAX_PHOTOS: u8 = 10;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CitizenActError {
    #[error("no such report")]
    NotFound,
    #[error(transparent)]
    FollowUp(#[from] FollowUpError),
    /// More photos than the report has room for, or not as many as the message announced.
    #[error("at most {MAX_PHOTOS} photos per report")]
    Photos,
    /// Too many follow-ups through this tracking link lately.
    #[error("{}", .0.scope.explanation())]
    RateLimited(Refusal),
}

/// Applies the citizen's command to the ticket `token` opens, with `photos` (already in
/// object storage); each is recorded at the ticket's next free position. The ticket as it
/// is afterwards.
pub fn act(
    db: &impl SqlDatabase,
    token: &TrackingToken,
    command: &CitizenCommand,
    photos: &[PhotoRecord],
    config: &ComuneConfig,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<Result<TicketRecord, CitizenActError>, StoreError> {
    db.transaction(|db| {
        let Some(record) = find_by_tracking_token(db, token)? else {
            return Ok(Err(CitizenActError::NotFound));
        };
        let known = circumstances(&record.events);
        let outcome = match decide(&record.ticket, command, known, config, now) {
            Ok(outcome) => outcome,
            Err(refused) => return Ok(Err(refused.into())),
        };
        let announced = match command {
            CitizenCommand::Message { photos, .. } => usize::from(*photos),
            _ => 0,
        };
        // Positions are settled here, in the transaction: two follow-ups whose photos were
        // stored at the same time may have aimed at the same free position, and the later
        // one takes the next free one instead of being refused.
        let taken: Vec<u8> = record.photos.iter().map(|p| p.position).collect();
        let free: Vec<u8> = (1..=MAX_PHOTOS).filter(|p| !taken.contains(p)).collect();
        if photos.len() > free.len() || announced != photos.len() {
            return Ok(Err(CitizenActError::Photos));
        }
        let photos: Vec<PhotoRecord> = photos
            .iter()
            .zip(free)
            .map(|(photo, position)| PhotoRecord {
                position,
                ..photo.clone()
            })
            .collect();
        let charges = charges_for_action(config, token);
        if let Err(refusal) = super::rate_limits::admit(db, &charges, now, entropy, true)? {
            return Ok(Err(CitizenActError::RateLimited(refusal)));
        }
        write(db, &outcome, record.ticket.version)?;
        for photo in &photos {
            insert_photo(db, record.ticket.id, photo)?;
        }
        if let CitizenCommand::Rate { stars, .. } = command {
            db.execute(
                "UPDATE tickets SET rating = ?, rated_at = ? WHERE id = ?",
                &[
                    i64::from(*stars).into(),
                    timestamp(now).into(),
                    record.ticket.id.to_string().into(),
                ],
            )?;
        }
        Ok(find_by_tracking_token(db, token)?.ok_or(CitizenActError::NotFound))
    })
}
