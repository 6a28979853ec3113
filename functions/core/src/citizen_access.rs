//! "My reports": a citizen signs in with no password, by a one-time link sent to the
//! address they left with their reports (short-lived, single use). Signed in, they see all
//! their reports, download everything the comune holds about them, and can erase their
//! personal data (the reports stay, anonymised). The session is a random token in an
//! HttpOnly cookie, kept in KV under its digest like staff sessions, under its own prefix.

use crate::email::Email;
use crate::report::Language;
use crate::staff::session::SessionToken;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a sign-in link works, unless the deployment says otherwise.
pub const LINK_SECONDS: i64 = 15 * 60;
/// Sign-in links one address can be sent in a day.
pub const LINKS_PER_ADDRESS_PER_DAY: u64 = 5;
/// A citizen's session ends this long after signing in.
pub const SESSION_HOURS: i64 = 12;
/// `__Host-`: Secure, Path=/, no Domain.
pub const COOKIE_NAME: &str = "__Host-segnala_citizen";
/// Prefix of citizens' sessions in KV.
pub const KV_PREFIX: &str = "citizen-session";

/// Why a sign-in link does not sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRefused {
    #[error("this sign-in link is not valid")]
    Unknown,
    #[error("this sign-in link was already used")]
    Used,
    #[error("this sign-in link has expired")]
    Expired,
}

impl LinkRefused {
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "unknown_link",
            Self::Used => "used_link",
            Self::Expired => "expired_link",
        }
    }
}

/// Asking for a link too often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("this address was sent too many sign-in links today; try again tomorrow")]
pub struct TooManyLinks;

/// Whom a redeemed link signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub email: Email,
    pub language: Language,
}

/// What KV keeps for a citizen's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenSession {
    pub email: Email,
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl CitizenSession {
    pub fn start(signed_in: SignedIn, now: DateTime<Utc>) -> Self {
        Self {
            email: signed_in.email,
            language: signed_in.language,
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
        }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Seconds KV should keep it (KV refuses less than 60).
    pub fn ttl_seconds(&self, now: DateTime<Utc>) -> u64 {
        (self.expires_at - now).num_seconds().max(60) as u64
    }
}

/// The KV key of a citizen's session token.
pub fn storage_key(token: &SessionToken) -> String {
    token.storage_key_in(KV_PREFIX)
}

/// The "my reports" page.
pub fn page_path(language: Language) -> &'static str {
    match language {
        Language::It => "/le-mie-segnalazioni/",
        Language::En => "/en/my-reports/",
    }
}

/// The page of a sign-in link (it shows a button: a link scanner's visit uses nothing).
pub fn link_path(language: Language, secret: &str) -> String {
    match language {
        Language::It => format!("/le-mie-segnalazioni/accesso/{secret}"),
        Language::En => format!("/en/my-reports/link/{secret}"),
    }
}

pub fn link_url(public_url: &str, language: Language, secret: &str) -> String {
    format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        link_path(language, secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_session_lasts_twelve_hours_and_never_opens_a_staff_session() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let session = CitizenSession::start(
            SignedIn {
                email: Email::parse("anna@example.it").unwrap(),
                language: Language::It,
            },
            now,
        );
        assert!(!session.is_expired(now + Duration::hours(11)));
        assert!(session.is_expired(now + Duration::hours(12)));
        let token = SessionToken::generate(&mut crate::ids::SeededEntropy::new(4));
        assert!(storage_key(&token).starts_with("citizen-session:"));
        assert_ne!(storage_key(&token), token.storage_key());
        assert!(!storage_key(&token).contains(token.as_str()));
    }
}
