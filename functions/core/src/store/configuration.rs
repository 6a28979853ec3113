//! The comune's configuration as administrators change it: versions kept forever, the
//! highest in force, each save validated like the build validates the file, checked
//! against the data it must keep serving (offices with staff or open tickets, categories
//! of open tickets), refused when based on an older version, and written to the audit log.

use super::staff::{audit, StaffError};
use super::{timestamp, SqlDatabase, StoreError};
use crate::config::diff::changed_paths;
use crate::config::ComuneConfig;
use crate::field_error::{FieldError, FieldErrors};
use crate::staff::StaffUser;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const MAX_NOTE_CHARS: usize = 500;

/// One saved version (without its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationVersion {
    pub version: u32,
    pub created_at: String,
    pub created_by: String,
    pub note: String,
    pub restored_from: Option<u32>,
}

#[derive(Deserialize)]
struct ContentRow {
    version: u32,
    config: String,
}

/// The version in force and its JSON, `None` while the built-in configuration applies.
pub fn current(db: &impl SqlDatabase) -> Result<Option<(u32, String)>, StoreError> {
    let rows: Vec<ContentRow> = db.query(
        "SELECT version, config FROM configuration_versions ORDER BY version DESC LIMIT 1",
        &[],
    )?;
    Ok(rows.into_iter().next().map(|row| (row.version, row.config)))
}

/// The JSON of one version.
pub fn content(db: &impl SqlDatabase, version: u32) -> Result<Option<String>, StoreError> {
    let rows: Vec<ContentRow> = db.query(
        "SELECT version, config FROM configuration_versions WHERE version = ?",
        &[i64::from(version).into()],
    )?;
    Ok(rows.into_iter().next().map(|row| row.config))
}

/// Every saved version, newest first.
pub fn versions(db: &impl SqlDatabase) -> Result<Vec<ConfigurationVersion>, StoreError> {
    db.query(
        "SELECT version, created_at, created_by, note, restored_from
         FROM configuration_versions ORDER BY version DESC",
        &[],
    )
}

/// A new configuration an administrator wants in force.
#[derive(Debug, Clone)]
pub struct ConfigurationChange<'a> {
    pub json: &'a str,
    pub note: &'a str,
    /// The version the administrator edited: saving over a newer one is refused.
    pub based_on: u32,
    /// For a rollback, the version whose content this is.
    pub restored_from: Option<u32>,
}

/// What a change would do: the configuration and the paths it changes, or every problem.
pub fn check(
    db: &impl SqlDatabase,
    in_force: &ComuneConfig,
    json: &str,
) -> Result<(ComuneConfig, Vec<String>), StaffError> {
    let candidate = ComuneConfig::from_json(json).map_err(StaffError::Invalid)?;
    let mut problems = Vec::new();
    if candidate.id != in_force.id {
        problems.push(FieldError::new(
            "id",
            "immutable",
            format!(
                "the comune's id names its ticket store and stays \"{}\"",
                in_force.id
            ),
        ));
    }
    for office in offices_in_use(db)? {
        if candidate.office(&office).is_none() {
            problems.push(FieldError::new(
                "offices",
                "office_in_use",
                format!(
                    "office \"{office}\" still has active staff or open tickets: move them first"
                ),
            ));
        }
    }
    for category in categories_in_use(db)? {
        if candidate.category(&category).is_none() {
            problems.push(FieldError::new(
                "themes",
                "category_in_use",
                format!("category \"{category}\" still has open tickets: close or move them first"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(StaffError::Invalid(FieldErrors(problems)));
    }
    let as_value = |config: &ComuneConfig| serde_json::to_value(config).unwrap_or_default();
    let changes = changed_paths(&as_value(in_force), &as_value(&candidate));
    Ok((candidate, changes))
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

fn offices_in_use(db: &impl SqlDatabase) -> Result<BTreeSet<String>, StoreError> {
    let rows: Vec<Name> = db.query(
        "SELECT office AS name FROM staff_users WHERE active = 1 AND office IS NOT NULL
         UNION SELECT office AS name FROM tickets
         WHERE status IN ('received', 'taken_in_charge', 'in_progress')",
        &[],
    )?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

fn categories_in_use(db: &impl SqlDatabase) -> Result<BTreeSet<String>, StoreError> {
    let rows: Vec<Name> = db.query(
        "SELECT DISTINCT category AS name FROM tickets
         WHERE status IN ('received', 'taken_in_charge', 'in_progress')",
        &[],
    )?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Saves a new version and puts it in force; returns its number and the changed paths.
pub fn save(
    db: &impl SqlDatabase,
    by: &StaffUser,
    in_force: &ComuneConfig,
    change: &ConfigurationChange,
    now: DateTime<Utc>,
) -> Result<(u32, Vec<String>), StaffError> {
    let note = match text::clean(change.note) {
        Ok(note) if note.trim().is_empty() => {
            return Err(invalid("note", "required", "say what the change is for"))
        }
        Ok(note) if text::char_len(&note) > MAX_NOTE_CHARS => {
            return Err(invalid("note", "too_long", "at most 500 characters"))
        }
        Ok(note) => note.trim().to_string(),
        Err(_) => {
            return Err(invalid(
                "note",
                "control_characters",
                "contains control characters",
            ))
        }
    };
    db.transaction(|db| {
        let latest = current(db)?.map_or(0, |(version, _)| version);
        if latest != change.based_on {
            return Ok(Err(StaffError::Conflict("stale_configuration")));
        }
        let changes = match check(db, in_force, change.json) {
            Ok((_, changes)) => changes,
            Err(error) => return Ok(Err(error)),
        };
        if changes.is_empty() && change.restored_from.is_none() {
            return Ok(Err(invalid(
                "config",
                "unchanged",
                "is the configuration already in force",
            )));
        }
        let version = latest + 1;
        db.execute(
            "INSERT INTO configuration_versions (version, config, created_at, created_by, note, restored_from)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                i64::from(version).into(),
                change.json.trim().into(),
                timestamp(now).into(),
                by.id.to_string().into(),
                note.as_str().into(),
                change.restored_from.map(i64::from).into(),
            ],
        )?;
        audit(
            db,
            now,
            Some(&by.id),
            "change_configuration",
            "configuration",
            serde_json::json!({
                "version": version,
                "note": note,
                "restored_from": change.restored_from,
                "changes": changes,
            }),
        )?;
        Ok(Ok((version, changes)))
    })?
}

fn invalid(field: &str, code: &'static str, message: &str) -> StaffError {
    StaffError::Invalid(FieldErrors(vec![FieldError::new(field, code, message)]))
}
