//! Staff accounts, failed-login records and the audit log in the comune's store. Every
//! staff request names its account and session generation; [`authenticate`] turns that
//! into the current account or refuses it, so a disabled account is locked out at once.

use super::{parse_timestamp, timestamp, SqlDatabase, StoreError};
use crate::email::Email;
use crate::field_error::{FieldError, FieldErrors};
use crate::ids::Entropy;
use crate::staff::account::{ValidNewStaffUser, ValidStaffChange};
use crate::staff::password::PasswordHash;
use crate::staff::throttle::{self, Failures};
use crate::staff::{Role, StaffId, StaffUser};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who is asking, as the Worker read it from the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: StaffId,
    pub generation: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffError {
    /// No such account, disabled, or the session's generation is over.
    #[error("the session is no longer valid")]
    SessionEnded,
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Command(#[from] crate::workflow::CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StaffError {
    pub fn field(field: &str, code: &'static str, message: &str) -> Self {
        Self::Invalid(FieldErrors(vec![FieldError::new(field, code, message)]))
    }
}

#[derive(Deserialize)]
pub(super) struct UserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    office: Option<String>,
    password_hash: String,
    active: i64,
    session_generation: i64,
    created_at: String,
    updated_at: String,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::CorruptRow(format!("bad staff {what} {value:?}"))
}

impl UserRow {
    fn into_user(self) -> Result<(StaffUser, String), StoreError> {
        let user = StaffUser {
            id: StaffId::parse(&self.id).map_err(|_| corrupt("id", &self.id))?,
            email: Email::parse(&self.email).map_err(|_| corrupt("email", &self.email))?,
            name: self.name,
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            office: self.office,
            active: self.active != 0,
            session_generation: u32::try_from(self.session_generation)
                .map_err(|_| corrupt("generation", &self.session_generation.to_string()))?,
            created_at: parse_timestamp(&self.created_at)?,
            updated_at: parse_timestamp(&self.updated_at)?,
        };
        Ok((user, self.password_hash))
    }
}

fn users_where(
    db: &impl SqlDatabase,
    condition: &str,
    params: &[super::SqlValue],
) -> Result<Vec<(StaffUser, String)>, StoreError> {
    let rows: Vec<UserRow> = db.query(
        &format!("SELECT * FROM staff_users WHERE {condition} ORDER BY name, email"),
        params,
    )?;
    rows.into_iter().map(UserRow::into_user).collect()
}

pub fn find_user(db: &impl SqlDatabase, id: &StaffId) -> Result<Option<StaffUser>, StoreError> {
    Ok(users_where(db, "id = ?", &[id.to_string().into()])?
        .into_iter()
        .next()
        .map(|(user, _)| user))
}

pub fn list_users(db: &impl SqlDatabase) -> Result<Vec<StaffUser>, StoreError> {
    Ok(users_where(db, "1 = 1", &[])?
        .into_iter()
        .map(|(user, _)| user)
        .collect())
}

/// Every account's name by id, for histories and exports.
pub fn staff_names(db: &impl SqlDatabase) -> Result<BTreeMap<String, String>, StoreError> {
    Ok(list_users(db)?
        .into_iter()
        .map(|user| (user.id.to_string(), user.name))
        .collect())
}

/// Active people who may hold tickets of the viewer's office (every office for
/// administrators), for the assignment menu.
pub fn colleagues(db: &impl SqlDatabase, viewer: &StaffUser) -> Result<Vec<StaffUser>, StoreError> {
    let scope = viewer.scope();
    Ok(list_users(db)?
        .into_iter()
        .filter(|user| {
            user.active
                && (user.role == Role::Administrator
                    || user.office.as_deref().is_some_and(|o| scope.includes(o)))
        })
        .collect())
}

/// The current account behind a session, or `SessionEnded`.
pub fn authenticate(db: &impl SqlDatabase, identity: &Identity) -> Result<StaffUser, StaffError> {
    match find_user(db, &identity.user_id)? {
        Some(user) if user.active && user.session_generation == identity.generation => Ok(user),
        _ => Err(StaffError::SessionEnded),
    }
}

pub fn count_users(db: &impl SqlDatabase) -> Result<u64, StoreError> {
    super::count(db, "SELECT COUNT(*) AS n FROM staff_users", &[])
}

fn insert_user(
    db: &impl SqlDatabase,
    user: &StaffUser,
    hash: &PasswordHash,
) -> Result<(), StaffError> {
    let taken = users_where(db, "email = ?", &[user.email.as_str().into()])?;
    if !taken.is_empty() {
        return Err(StaffError::field(
            "email",
            "email_taken",
            "another account already uses this e-mail address",
        ));
    }
    db.execute(
        "INSERT INTO staff_users (id, email, name, role, office, password_hash, active,
            session_generation, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
        &[
            user.id.to_string().into(),
            user.email.as_str().into(),
            user.name.as_str().into(),
            user.role.as_str().into(),
            user.office.clone().into(),
            hash.to_string().into(),
            timestamp(user.created_at).into(),
            timestamp(user.updated_at).into(),
        ],
    )?;
    Ok(())
}

fn new_user(
    valid: &ValidNewStaffUser,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> StaffUser {
    StaffUser {
        id: StaffId::generate(now, entropy),
        email: valid.email.clone(),
        name: valid.name.clone(),
        role: valid.role,
        office: valid.office.clone(),
        active: true,
        session_generation: 1,
        created_at: now,
        updated_at: now,
    }
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

#[derive(Deserialize)]
struct AuditRow {
    id: i64,
    at: String,
    actor_id: Option<String>,
    action: String,
    subject: String,
    detail: String,
}

pub fn audit(
    db: &impl SqlDatabase,
    at: DateTime<Utc>,
    actor: Option<&StaffId>,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        &[
            timestamp(at).into(),
            actor.map(ToString::to_string).into(),
            action.into(),
            subject.into(),
            detail.to_string().into(),
        ],
    )
}

/// The newest entries first, `limit` at most, older than `before` when given.
pub fn audit_log(
    db: &impl SqlDatabase,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows: Vec<AuditRow> = db.query(
        "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
        &[before.unwrap_or(i64::MAX).into(), i64::from(limit).into()],
    )?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            action: row.action,
            subject: row.subject,
            detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

fn user_detail(user: &StaffUser) -> serde_json::Value {
    serde_json::json!({
        "email": user.email.as_str(),
        "name": user.name,
        "role": user.role.as_str(),
        "office": user.office,
        "active": user.active,
    })
}

/// Stores a new account and its audit entry, inside the caller's transaction.
fn insert_audited(
    db: &impl SqlDatabase,
    by: Option<&StaffId>,
    action: &str,
    user: &StaffUser,
    hash: &PasswordHash,
    now: DateTime<Utc>,
) -> Result<Result<(), StaffError>, StoreError> {
    if let Err(error) = insert_user(db, user, hash) {
        return Ok(Err(error));
    }
    audit(db, now, by, action, &user.id.to_string(), user_detail(user))?;
    Ok(Ok(()))
}

/// Creates the first administrator; refused once any account exists.
pub fn setup_first_administrator(
    db: &impl SqlDatabase,
    valid: &ValidNewStaffUser,
    hash: &PasswordHash,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<StaffUser, StaffError> {
    db.transaction(|db| {
        if count_users(db)? > 0 {
            return Ok(Err(StaffError::Conflict("already_set_up")));
        }
        let user = StaffUser {
            role: Role::Administrator,
            office: None,
            ..new_user(valid, now, entropy)
        };
        Ok(insert_audited(db, None, "setup", &user, hash, now)?.map(|()| user))
    })?
}

pub fn create_user(
    db: &impl SqlDatabase,
    by: &StaffUser,
    valid: &ValidNewStaffUser,
    hash: &PasswordHash,
    now: DateTime<Utc>,
    entropy: &mut impl Entropy,
) -> Result<StaffUser, StaffError> {
    db.transaction(|db| {
        let user = new_user(valid, now, entropy);
        Ok(insert_audited(db, Some(&by.id), "create_user", &user, hash, now)?.map(|()| user))
    })?
}

/// Applies an administrator's change. Nobody can disable or demote themselves, so a
/// comune never loses its last way in by accident.
pub fn change_user(
    db: &impl SqlDatabase,
    by: &StaffUser,
    current: &StaffUser,
    change: &ValidStaffChange,
    new_hash: Option<&PasswordHash>,
    now: DateTime<Utc>,
) -> Result<StaffUser, StaffError> {
    if by.id == current.id && (!change.active || change.role != Role::Administrator) {
        return Err(StaffError::field(
            if change.active { "role" } else { "active" },
            "would_lock_out",
            "you cannot disable or demote your own account",
        ));
    }
    db.transaction(|db| {
        let generation = current.session_generation + u32::from(change.ends_sessions);
        let updated = StaffUser {
            name: change.name.clone().unwrap_or_else(|| current.name.clone()),
            role: change.role,
            office: change.office.clone(),
            active: change.active,
            session_generation: generation,
            updated_at: now,
            ..current.clone()
        };
        db.execute(
            "UPDATE staff_users SET name = ?, role = ?, office = ?, active = ?,
                session_generation = ?, updated_at = ?,
                password_hash = COALESCE(?, password_hash)
             WHERE id = ?",
            &[
                updated.name.as_str().into(),
                updated.role.as_str().into(),
                updated.office.clone().into(),
                i64::from(updated.active).into(),
                i64::from(generation).into(),
                timestamp(now).into(),
                new_hash.map(ToString::to_string).into(),
                updated.id.to_string().into(),
            ],
        )?;
        let mut detail = user_detail(&updated);
        detail["password_reset"] = serde_json::Value::Bool(new_hash.is_some());
        detail["sessions_ended"] = serde_json::Value::Bool(change.ends_sessions);
        audit(
            db,
            now,
            Some(&by.id),
            "change_user",
            &updated.id.to_string(),
            detail,
        )?;
        Ok(updated)
    })
    .map_err(StaffError::from)
}

/// First step of a login: is the account or the address locked, and if not, the hash to
/// check the password against (when an active account has that e-mail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LoginStart {
    Locked {
        until: DateTime<Utc>,
    },
    /// No active account: the Worker still runs a hash so that timing reveals nothing.
    Unknown,
    Check {
        user_id: StaffId,
        password_hash: String,
    },
}

#[derive(Deserialize)]
struct FailureRow {
    count: i64,
    window_start: String,
    locked_until: Option<String>,
}

fn failures(db: &impl SqlDatabase, key: &str) -> Result<Option<Failures>, StoreError> {
    let rows: Vec<FailureRow> = db.query(
        "SELECT count, window_start, locked_until FROM login_failures WHERE key = ?",
        &[key.into()],
    )?;
    rows.into_iter()
        .next()
        .map(|row| {
            Ok(Failures {
                count: u32::try_from(row.count).unwrap_or(0),
                window_start: parse_timestamp(&row.window_start)?,
                locked_until: row
                    .locked_until
                    .as_deref()
                    .map(parse_timestamp)
                    .transpose()?,
            })
        })
        .transpose()
}

fn throttle_keys(typed_email: &str, address: &str) -> [(String, throttle::Policy); 3] {
    [
        (
            throttle::pair_key(typed_email, address),
            throttle::PER_ACCOUNT_AND_ADDRESS,
        ),
        (throttle::account_key(typed_email), throttle::PER_ACCOUNT),
        (throttle::address_key(address), throttle::PER_ADDRESS),
    ]
}

/// Starts a sign-in: refuses it while a key is locked, else counts it as a failure until
/// [`login_succeeded`] says otherwise, and returns what to check the password against.
pub fn login_start(
    db: &impl SqlDatabase,
    typed_email: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<LoginStart, StoreError> {
    db.transaction(|db| {
        // Forget finished windows, so the table holds only what still matters.
        db.execute(
            "DELETE FROM login_failures WHERE window_start < ?
               AND (locked_until IS NULL OR locked_until < ?)",
            &[
                timestamp(now - chrono::Duration::hours(1)).into(),
                timestamp(now).into(),
            ],
        )?;
        let keys = throttle_keys(typed_email, address);
        let mut locked = None;
        for (key, _) in &keys {
            if let Some(until) = failures(db, key)?.and_then(|f| f.locked_until(now)) {
                locked = locked.max(Some(until));
            }
        }
        if let Some(until) = locked {
            return Ok(LoginStart::Locked { until });
        }
        for (key, policy) in keys {
            let next = Failures::after_failure(failures(db, &key)?.as_ref(), policy, now);
            db.execute(
                "INSERT INTO login_failures (key, count, window_start, locked_until) VALUES (?, ?, ?, ?)
                 ON CONFLICT (key) DO UPDATE SET count = excluded.count,
                    window_start = excluded.window_start, locked_until = excluded.locked_until",
                &[
                    key.into(),
                    i64::from(next.count).into(),
                    timestamp(next.window_start).into(),
                    next.locked_until.map(timestamp).into(),
                ],
            )?;
        }
        let email = typed_email.trim().to_lowercase();
        let found = users_where(db, "email = ? AND active = 1", &[email.into()])?;
        Ok(match found.into_iter().next() {
            Some((user, hash)) => LoginStart::Check {
                user_id: user.id,
                password_hash: hash,
            },
            None => LoginStart::Unknown,
        })
    })
}

/// A sign-in through Cloudflare Access (single sign-on): the active account with the
/// e-mail address Access vouched for, recorded in the audit log; `None` if there is none.
pub fn login_with_access(
    db: &impl SqlDatabase,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<StaffUser>, StoreError> {
    let email = email.trim().to_lowercase();
    let found = users_where(db, "email = ? AND active = 1", &[email.into()])?;
    let user = found.into_iter().next().map(|(user, _)| user);
    record_login(
        db,
        user.as_ref(),
        serde_json::json!({ "method": "cloudflare_access" }),
        now,
    )?;
    Ok(user)
}

/// Writes a sign-in of an account to the audit log.
fn record_login(
    db: &impl SqlDatabase,
    user: Option<&StaffUser>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match user {
        Some(user) => audit(
            db,
            now,
            Some(&user.id),
            "login",
            &user.id.to_string(),
            detail,
        ),
        None => Ok(()),
    }
}

/// A successful sign-in clears the account's counts, takes its attempt off the address's
/// count, and returns the account, whose generation the new session carries.
pub fn login_succeeded(
    db: &impl SqlDatabase,
    user_id: &StaffId,
    typed_email: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Option<StaffUser>, StoreError> {
    db.execute(
        "DELETE FROM login_failures WHERE key IN (?, ?)",
        &[
            throttle::account_key(typed_email).into(),
            throttle::pair_key(typed_email, address).into(),
        ],
    )?;
    db.execute(
        "UPDATE login_failures SET count = MAX(count - 1, 0) WHERE key = ? AND locked_until IS NULL",
        &[throttle::address_key(address).into()],
    )?;
    let user = find_user(db, user_id)?.filter(|u| u.active);
    record_login(db, user.as_ref(), serde_json::json!({}), now)?;
    Ok(user)
}
