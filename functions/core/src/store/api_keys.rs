//! Client applications' keys in the comune's store: made and revoked by administrators
//! (each change in the audit log), checked on every report an application files.

use super::staff::{audit, StaffError};
use super::{parse_timestamp, timestamp, SqlDatabase, StoreError};
use crate::api_keys::{ApiKey, ValidNewApiKey};
use crate::ids::{uuid_v7, Entropy};
use crate::staff::StaffUser;
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
struct KeyRow {
    id: String,
    name: String,
    contact: Option<String>,
    key_prefix: String,
    created_at: String,
    created_by: String,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    last_used_at: Option<String>,
    reports: i64,
}

impl KeyRow {
    fn into_key(self) -> Result<ApiKey, StoreError> {
        let optional = |text: Option<String>| text.as_deref().map(parse_timestamp).transpose();
        Ok(ApiKey {
            id: self.id,
            name: self.name,
            contact: self.contact,
            key_prefix: self.key_prefix,
            created_at: parse_timestamp(&self.created_at)?,
            created_by: self.created_by,
            revoked_at: optional(self.revoked_at)?,
            revoked_by: self.revoked_by,
            last_used_at: optional(self.last_used_at)?,
            reports: u64::try_from(self.reports).unwrap_or(0),
        })
    }
}

fn keys_where(
    db: &impl SqlDatabase,
    condition: &str,
    params: &[super::SqlValue],
) -> Result<Vec<ApiKey>, StoreError> {
    let rows: Vec<KeyRow> = db.query(
        &format!(
            "SELECT k.*, (SELECT COUNT(*) FROM tickets t WHERE t.api_key_id = k.id) AS reports
             FROM api_keys k WHERE {condition}
             ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC"
        ),
        params,
    )?;
    rows.into_iter().map(KeyRow::into_key).collect()
}

/// Every key, active ones first, newest first.
pub fn list(db: &impl SqlDatabase) -> Result<Vec<ApiKey>, StoreError> {
    keys_where(db, "1 = 1", &[])
}

pub fn find(db: &impl SqlDatabase, id: &str) -> Result<Option<ApiKey>, StoreError> {
    Ok(keys_where(db, "k.id = ?", &[id.into()])?.into_iter().next())
}

/// Stores a key the Worker made (its hash and shown part only), with its audit entry.
pub fn create(
    db: &impl SqlDatabase,
    by: &StaffUser,
    valid: &ValidNewApiKey,
    key_hash: &str,
    key_prefix: &str,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<ApiKey, StaffError> {
    let id = uuid_v7(now, entropy).to_string();
    db.transaction(|db| {
        db.execute(
            "INSERT INTO api_keys (id, name, contact, key_hash, key_prefix, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                id.as_str().into(),
                valid.name.as_str().into(),
                valid
                    .contact
                    .as_ref()
                    .map(|c| c.as_str().to_string())
                    .into(),
                key_hash.into(),
                key_prefix.into(),
                timestamp(now).into(),
                by.id.to_string().into(),
            ],
        )?;
        audit(
            db,
            now,
            Some(&by.id),
            "create_api_key",
            &id,
            serde_json::json!({
                "name": valid.name,
                "contact": valid.contact.as_ref().map(|c| c.as_str()),
                "key_prefix": key_prefix,
            }),
        )
    })?;
    find(db, &id)?.ok_or(StaffError::NotFound("API key"))
}

/// Revokes a key at once: the next report sent with it is refused.
pub fn revoke(
    db: &impl SqlDatabase,
    by: &StaffUser,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ApiKey, StaffError> {
    db.transaction(|db| {
        let Some(key) = find(db, id)? else {
            return Ok(Err(StaffError::NotFound("API key")));
        };
        if !key.is_active() {
            return Ok(Err(StaffError::Conflict("already_revoked")));
        }
        db.execute(
            "UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            &[timestamp(now).into(), by.id.to_string().into(), id.into()],
        )?;
        audit(
            db,
            now,
            Some(&by.id),
            "revoke_api_key",
            id,
            serde_json::json!({ "name": key.name, "key_prefix": key.key_prefix }),
        )?;
        Ok(Ok(()))
    })??;
    find(db, id)?.ok_or(StaffError::NotFound("API key"))
}

#[derive(Deserialize)]
struct ActiveKey {
    id: String,
}

/// The id of the active key with this hash, noting that it was used; `None` for an
/// unknown or revoked key.
pub fn authenticate(
    db: &impl SqlDatabase,
    key_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let rows: Vec<ActiveKey> = db.query(
        "SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
        &[key_hash.into()],
    )?;
    let Some(key) = rows.into_iter().next() else {
        return Ok(None);
    };
    db.execute(
        "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
        &[timestamp(now).into(), key.id.as_str().into()],
    )?;
    Ok(Some(key.id))
}

/// Whether the key with this id may still file reports (checked again when the ticket is
/// written, so a key revoked in between files nothing).
pub fn is_active(db: &impl SqlDatabase, id: &str) -> Result<bool, StoreError> {
    super::count(
        db,
        "SELECT COUNT(*) AS n FROM api_keys WHERE id = ? AND revoked_at IS NULL",
        &[id.into()],
    )
    .map(|n| n > 0)
}

/// The name of the application that filed a ticket, for staff.
pub fn name_of(db: &impl SqlDatabase, id: &str) -> Result<Option<String>, StoreError> {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    let rows: Vec<Name> = db.query("SELECT name FROM api_keys WHERE id = ?", &[id.into()])?;
    Ok(rows.into_iter().next().map(|row| row.name))
}
