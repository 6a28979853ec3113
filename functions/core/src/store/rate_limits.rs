//! Counting submissions against their subjects' limits (`rate_limit`), in the store's
//! transaction: the check and the count happen together, so concurrent submissions cannot
//! both take the last place in a window.

use super::{SqlDatabase, StoreError};
use crate::ids::Entropy;
use crate::rate_limit::{retry_after, Charge, Refusal, LONGEST_WINDOW};
use chrono::{DateTime, Utc};
use data_encoding::HEXLOWER;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Salt {
    salt: String,
}

#[derive(Deserialize)]
struct At {
    at: i64,
}

fn salt(db: &impl SqlDatabase, entropy: &mut impl Entropy) -> Result<String, StoreError> {
    if let Some(row) = db
        .query::<Salt>("SELECT salt FROM rate_limit_salt WHERE id = 1", &[])?
        .into_iter()
        .next()
    {
        return Ok(row.salt);
    }
    let mut bytes = [0u8; 32];
    entropy.fill(&mut bytes);
    let salt = HEXLOWER.encode(&bytes);
    db.execute(
        "INSERT INTO rate_limit_salt (id, salt) VALUES (1, ?)",
        &[salt.as_str().into()],
    )?;
    Ok(salt)
}

fn subject_hash(salt: &str, charge: &Charge) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(charge.scope.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(charge.subject.as_bytes());
    HEXLOWER.encode(&hasher.finalize()[..16])
}

/// Whether a submission with these charges fits every limit; when `count` is set and it
/// does, it is counted. Call inside the transaction that stores the submission, so that a
/// refusal or a failure counts nothing.
pub fn admit(
    db: &impl SqlDatabase,
    charges: &[Charge],
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
    count: bool,
) -> Result<Result<(), Refusal>, StoreError> {
    if charges.is_empty() {
        return Ok(Ok(()));
    }
    let now = now.timestamp();
    db.execute(
        "DELETE FROM rate_events WHERE at <= ?",
        &[(now - LONGEST_WINDOW).into()],
    )?;
    let salt = salt(db, entropy)?;
    let hashes: Vec<String> = charges.iter().map(|c| subject_hash(&salt, c)).collect();
    let mut refusal: Option<Refusal> = None;
    for (charge, hash) in charges.iter().zip(&hashes) {
        let earlier: Vec<i64> = db
            .query::<At>(
                "SELECT at FROM rate_events WHERE subject_hash = ? AND at > ?",
                &[hash.as_str().into(), (now - LONGEST_WINDOW).into()],
            )?
            .into_iter()
            .map(|row| row.at)
            .collect();
        if let Some(wait) = retry_after(&earlier, &charge.limits, now) {
            if refusal.is_none_or(|r| wait > r.retry_after_seconds) {
                refusal = Some(Refusal {
                    scope: charge.scope,
                    retry_after_seconds: wait,
                });
            }
        }
    }
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    if count {
        for hash in &hashes {
            db.execute(
                "INSERT INTO rate_events (subject_hash, at) VALUES (?, ?)",
                &[hash.as_str().into(), now.into()],
            )?;
        }
    }
    Ok(Ok(()))
}
