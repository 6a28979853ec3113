//! Following a public report by e-mail, with no account: anyone gives an address, confirms
//! it from the message sent there, and from then on hears of the report's public steps
//! (statuses only: the office's words are for the reporter). Every message carries a
//! one-click unsubscribe link; unsubscribing, or not confirming in time, erases the address.

use crate::email::Email;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::report::Language;
use crate::status::Status;
use serde::{Deserialize, Serialize};

/// Days the confirmation link works; an unconfirmed subscription then ends, address erased.
pub const CONFIRM_WITHIN_DAYS: i64 = 7;
/// Confirmation messages one address can be sent in a day, over all reports, so the form
/// cannot be used to flood someone else's mailbox.
pub const CONFIRMATIONS_PER_ADDRESS_PER_DAY: u64 = 5;
/// A pending subscription asked for again gets its confirmation again only after this long.
pub const RESEND_CONFIRMATION_AFTER_MINUTES: i64 = 10;

/// An address someone gives to be written to: to follow a report, or to sign in to their
/// reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRequest {
    /// Lowercased, so one mailbox follows a report once.
    pub email: Email,
    pub language: Language,
}

impl AddressRequest {
    /// From the fields of the API's JSON or of the page's form.
    pub fn parse(email: Option<&str>, language: Option<&str>) -> Result<Self, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            None => {
                errors.push("email", "required", "the e-mail address to write to");
                None
            }
            Some(text) => match Email::parse(&text.to_lowercase()) {
                Ok(email) => Some(email),
                Err(_) => {
                    errors.push("email", "invalid_email", "not a valid e-mail address");
                    None
                }
            },
        };
        let language = match language.map(str::trim).filter(|l| !l.is_empty()) {
            None => Language::It,
            Some(text) => Language::parse(text).unwrap_or_else(|| {
                errors.push("language", "invalid", "it or en");
                Language::It
            }),
        };
        let request = email.map(|email| Self { email, language });
        match (errors.finish(()), request) {
            (Ok(()), Some(request)) => Ok(request),
            (Err(errors), _) => Err(errors),
            (Ok(()), None) => unreachable!("a missing address is an error"),
        }
    }
}

/// Why a report cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "refused", rename_all = "snake_case")]
pub enum FollowRefused {
    #[error("no such report")]
    NotFound,
    /// Closed without a resolution: nothing more will happen to it.
    #[error("the report is closed: it was not accepted")]
    Closed,
    /// Merged into another report: that one is the one to follow.
    #[error("the report was merged into report {into}: follow that one")]
    Merged { into: String },
    #[error("this address was sent too many confirmation messages today; try again tomorrow")]
    TooManyToday,
}

impl FollowRefused {
    /// Stable code for clients and for the page's message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Closed => "closed",
            Self::Merged { .. } => "merged",
            Self::TooManyToday => "too_many_today",
        }
    }
}

/// Whether a report in this status can be followed: while open, and once resolved (the
/// reporter may still say it is not solved).
pub fn followable(status: Status) -> bool {
    status.is_open() || status == Status::Resolved
}

/// Where a subscription stands, as its own links show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Waiting for the address to be confirmed.
    Pending,
    Active,
    /// Unsubscribed, or not confirmed in time: the address is gone.
    Ended,
}

/// A subscription seen through its secret link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub number: String,
    pub language: Language,
    pub state: SubscriptionState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_kept_lowercased_and_the_language_defaults_to_italian() {
        let request = AddressRequest::parse(Some("  Mario.Rossi@Example.IT "), None).unwrap();
        assert_eq!(request.email.as_str(), "mario.rossi@example.it");
        assert_eq!(request.language, Language::It);
        let english = AddressRequest::parse(Some("a@example.org"), Some("en")).unwrap();
        assert_eq!(english.language, Language::En);
    }

    #[test]
    fn a_missing_or_malformed_address_and_an_unknown_language_are_named() {
        let missing = AddressRequest::parse(Some("  "), Some("fr")).unwrap_err();
        assert_eq!(missing.fields(), vec!["email", "language"]);
        assert_eq!(missing.0[0].code, "required");
        let malformed = AddressRequest::parse(Some("mario@gmail"), None).unwrap_err();
        assert_eq!(malformed.0[0].code, "invalid_email");
    }

    #[test]
    fn open_and_resolved_reports_can_be_followed_closed_ones_cannot() {
        for status in [
            Status::Received,
            Status::TakenInCharge,
            Status::InProgress,
            Status::Resolved,
        ] {
            assert!(followable(status), "{status:?}");
        }
        assert!(!followable(Status::Rejected));
        assert!(!followable(Status::Duplicate));
    }
}
