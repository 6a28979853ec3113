//! Staff accounts: who they are, their role and the office they work for.

use crate::config::ComuneConfig;
use crate::email::Email;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::ids::Entropy;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Every office, the configuration and the staff accounts.
    Administrator,
    /// The office's tickets; assigns them to colleagues; sees the office's statistics.
    Referent,
    /// The office's tickets.
    Operator,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Administrator, Self::Referent, Self::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Referent => "referent",
            Self::Operator => "operator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Identifier of a staff account (UUID v7), the `actor_id` of the events it causes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StaffId(Uuid);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a staff id")]
pub struct InvalidStaffId;

impl StaffId {
    pub fn generate(now: DateTime<Utc>, entropy: &mut impl Entropy) -> Self {
        Self(crate::ids::uuid_v7(now, entropy))
    }

    pub fn parse(text: &str) -> Result<Self, InvalidStaffId> {
        Uuid::parse_str(text).map(Self).map_err(|_| InvalidStaffId)
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<String> for StaffId {
    type Error = InvalidStaffId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StaffId> for String {
    fn from(id: StaffId) -> Self {
        id.to_string()
    }
}

/// A staff account as the dashboard sees it (the password hash never leaves the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffUser {
    pub id: StaffId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// The office worked for; `None` only for administrators.
    pub office: Option<String>,
    pub active: bool,
    /// Bumped whenever the account's sessions must end (disabled, role or password changed).
    pub session_generation: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Input for a new account, as an administrator (or the setup) sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaffUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub office: Option<String>,
    pub password: Option<String>,
}

/// A validated new account, with the password still in clear for the hasher.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNewStaffUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub office: Option<String>,
    pub password: String,
}

const MAX_NAME: usize = 120;

fn check_name(errors: &mut ErrorCollector, name: Option<&str>) -> Option<String> {
    text::required_line(errors, "name", name, MAX_NAME, "the name is required")
}

/// Administrators work for the whole comune; everyone else for one existing office.
fn check_office(
    errors: &mut ErrorCollector,
    role: Option<Role>,
    office: Option<&str>,
    config: &ComuneConfig,
) -> Option<String> {
    let office = office.map(str::trim).filter(|o| !o.is_empty());
    match (role, office) {
        (Some(Role::Administrator), None) | (None, _) => None,
        (Some(_), None) => {
            errors.push(
                "office",
                "required",
                "referents and operators belong to an office",
            );
            None
        }
        (Some(_), Some(id)) if config.office(id).is_none() => {
            errors.push(
                "office",
                "unknown_office",
                "is not an office of this comune",
            );
            None
        }
        (Some(_), Some(id)) => Some(id.to_string()),
    }
}

impl NewStaffUser {
    pub fn validate(&self, config: &ComuneConfig) -> Result<ValidNewStaffUser, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let email = match self.email.as_deref().map(Email::parse) {
            None => {
                errors.push("email", "required", "the e-mail address is required");
                None
            }
            Some(Err(_)) => {
                errors.push("email", "invalid_email", "is not a valid e-mail address");
                None
            }
            Some(Ok(email)) => Some(Email::parse(&email.as_str().to_lowercase()).unwrap_or(email)),
        };
        let name = check_name(&mut errors, self.name.as_deref());
        let role = match self.role.as_deref().map(Role::parse) {
            None => {
                errors.push("role", "required", "the role is required");
                None
            }
            Some(None) => {
                errors.push(
                    "role",
                    "unknown_role",
                    "is administrator, referent or operator",
                );
                None
            }
            Some(Some(role)) => Some(role),
        };
        let office = check_office(&mut errors, role, self.office.as_deref(), config);
        let password = match self.password.as_deref() {
            None => {
                errors.push("password", "required", "the password is required");
                None
            }
            Some(password) => match super::password::check_policy(password, email.as_ref()) {
                Ok(()) => Some(password.to_string()),
                Err(problem) => {
                    errors.push("password", problem.code(), problem.message());
                    None
                }
            },
        };
        match (email, name, role, password) {
            (Some(email), Some(name), Some(role), Some(password)) if errors.is_empty() => {
                Ok(ValidNewStaffUser {
                    email,
                    name,
                    role,
                    office: if role == Role::Administrator {
                        None
                    } else {
                        office
                    },
                    password,
                })
            }
            _ => Err(errors.into_errors()),
        }
    }
}

/// What an administrator changes in an account; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    pub name: Option<String>,
    pub role: Option<String>,
    /// `""` clears the office (administrators only).
    pub office: Option<String>,
    pub active: Option<bool>,
    /// A new password set by the administrator (a reset).
    pub password: Option<String>,
}

/// A validated change, applied by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidStaffChange {
    pub name: Option<String>,
    pub role: Role,
    pub office: Option<String>,
    pub active: bool,
    pub password: Option<String>,
    /// True when the account's open sessions must end.
    pub ends_sessions: bool,
}

impl StaffChange {
    /// Checks the change against the account as it is now.
    pub fn validate(
        &self,
        current: &StaffUser,
        config: &ComuneConfig,
    ) -> Result<ValidStaffChange, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let name = match &self.name {
            Some(name) => check_name(&mut errors, Some(name)),
            None => None,
        };
        let role = match self.role.as_deref() {
            None => current.role,
            Some(text) => Role::parse(text).unwrap_or_else(|| {
                errors.push(
                    "role",
                    "unknown_role",
                    "is administrator, referent or operator",
                );
                current.role
            }),
        };
        let office_input = match &self.office {
            Some(office) => Some(office.as_str()),
            None => current.office.as_deref(),
        };
        let office = check_office(&mut errors, Some(role), office_input, config);
        let password = match self.password.as_deref() {
            None => None,
            Some(password) => match super::password::check_policy(password, Some(&current.email)) {
                Ok(()) => Some(password.to_string()),
                Err(problem) => {
                    errors.push("password", problem.code(), problem.message());
                    None
                }
            },
        };
        let active = self.active.unwrap_or(current.active);
        let office = if role == Role::Administrator {
            None
        } else {
            office
        };
        let ends_sessions =
            !active || role != current.role || office != current.office || password.is_some();
        errors.finish(ValidStaffChange {
            name,
            role,
            office,
            active,
            password,
            ends_sessions,
        })
    }
}

#[cfg(test)]
mod tests;
