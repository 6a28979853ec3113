//! Staff sessions. The browser holds a random token in an HttpOnly cookie; Workers KV holds
//! the session under the token's SHA-256, so a leaked KV listing opens nothing. A session
//! lasts one working day at most, and remembers the account's session generation: the store
//! refuses any request whose generation is no longer current, which ends every session of a
//! disabled account at once, wherever KV has cached it.

use super::account::{Role, StaffId};
use crate::ids::Entropy;
use chrono::{DateTime, Duration, Utc};
use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Name of the cookie: `__Host-` makes browsers insist on Secure, Path=/ and no Domain.
pub const COOKIE_NAME: &str = "__Host-segnala_staff";
/// A session ends this long after login, whatever happens.
pub const LIFETIME_HOURS: i64 = 10;
const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

/// The secret in the staff member's cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    pub fn generate(entropy: &mut impl Entropy) -> Self {
        Self(random_text(entropy))
    }

    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == TOKEN_CHARS && BASE64URL_NOPAD.decode(text.as_bytes()).is_ok();
        valid.then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Key of the session in KV: the token itself is never stored.
    pub fn storage_key(&self) -> String {
        self.storage_key_in("session")
    }

    /// The same under another prefix, so citizens' sessions never open staff ones.
    pub fn storage_key_in(&self, prefix: &str) -> String {
        format!(
            "{prefix}:{}",
            HEXLOWER.encode(&Sha256::digest(self.0.as_bytes()))
        )
    }
}

fn random_text(entropy: &mut impl Entropy) -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    entropy.fill(&mut bytes);
    BASE64URL_NOPAD.encode(&bytes)
}

/// What KV keeps for a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: StaffId,
    /// The account's session generation at login; the store checks it on every request.
    pub generation: u32,
    /// Role and office at login, for the Worker's first check of a route; the store decides
    /// with the current account.
    pub role: Role,
    pub office: Option<String>,
    /// Sent back by the dashboard on every change (header `X-CSRF-Token` or form field `csrf`).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    pub fn start(
        user_id: StaffId,
        generation: u32,
        role: Role,
        office: Option<String>,
        now: DateTime<Utc>,
        entropy: &mut impl Entropy,
    ) -> Self {
        Self {
            user_id,
            generation,
            role,
            office,
            csrf_token: random_text(entropy),
            created_at: now,
            expires_at: now + Duration::hours(LIFETIME_HOURS),
        }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Seconds KV should keep the session (KV refuses less than 60).
    pub fn ttl_seconds(&self, now: DateTime<Utc>) -> u64 {
        (self.expires_at - now).num_seconds().max(60) as u64
    }

    pub fn csrf_matches(&self, sent: Option<&str>) -> bool {
        sent.is_some_and(|sent| {
            super::password::constant_time_eq(sent.as_bytes(), self.csrf_token.as_bytes())
        })
    }
}

/// `Set-Cookie` for a new session. `SameSite=Lax`, not `Strict`: a link to a ticket opened from an e-mail or a chat must
/// find the session (Strict cookies are not sent on navigations from other sites). Changes
/// stay protected by the CSRF token and the same-origin check, which Lax cookies cannot pass.
pub fn set_cookie(token: &SessionToken, max_age_seconds: u64) -> String {
    set_named_cookie(COOKIE_NAME, token, max_age_seconds)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> String {
    clear_named_cookie(COOKIE_NAME)
}

/// The session token in a `Cookie` header, if there is a well-formed one.
pub fn token_from_cookies(header: &str) -> Option<SessionToken> {
    named_token_from_cookies(COOKIE_NAME, header)
}

/// The same three for another kind of session (citizens'), under its own cookie.
pub fn set_named_cookie(name: &str, token: &SessionToken, max_age_seconds: u64) -> String {
    format!(
        "{name}={}; Path=/; Max-Age={max_age_seconds}; HttpOnly; Secure; SameSite=Lax",
        token.as_str()
    )
}

pub fn clear_named_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

pub fn named_token_from_cookies(cookie: &str, header: &str) -> Option<SessionToken> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .and_then(|(_, value)| SessionToken::parse(value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SeededEntropy;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_stored_only_as_a_digest() {
        let token = SessionToken::generate(&mut SeededEntropy::new(9));
        assert_eq!(token.as_str().len(), 43);
        assert!(token
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let key = token.storage_key();
        assert!(key.starts_with("session:") && key.len() == 8 + 64);
        assert!(!key.contains(token.as_str()));
        assert_eq!(SessionToken::parse(token.as_str()), Some(token));
        assert_eq!(SessionToken::parse("short"), None);
        assert_eq!(SessionToken::parse(&"!".repeat(43)), None);
    }

    #[test]
    fn the_cookie_is_host_only_http_only_secure_and_strict() {
        let token = SessionToken::generate(&mut SeededEntropy::new(9));
        let cookie = set_cookie(&token, 36000);
        assert!(cookie.starts_with("__Host-segnala_staff="));
        for attribute in [
            "Path=/",
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Max-Age=36000",
        ] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.contains("Domain"));
        assert!(clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let token = SessionToken::generate(&mut SeededEntropy::new(9));
        let header = format!("lang=it; {COOKIE_NAME}={}; other=1", token.as_str());
        assert_eq!(token_from_cookies(&header), Some(token));
        assert_eq!(token_from_cookies("lang=it"), None);
        assert_eq!(token_from_cookies(&format!("{COOKIE_NAME}=forged")), None);
    }

    #[test]
    fn a_session_expires_after_a_working_day_and_checks_its_csrf_token() {
        let mut entropy = SeededEntropy::new(4);
        let id = StaffId::generate(now(), &mut entropy);
        let session = Session::start(
            id,
            1,
            Role::Operator,
            Some("urp".into()),
            now(),
            &mut entropy,
        );
        assert!(!session.is_expired(now() + Duration::hours(9)));
        assert!(session.is_expired(now() + Duration::hours(10)));
        assert_eq!(session.ttl_seconds(now()), 36000);
        assert_eq!(session.ttl_seconds(now() + Duration::hours(11)), 60);
        let csrf = session.csrf_token.clone();
        assert!(session.csrf_matches(Some(&csrf)));
        assert!(!session.csrf_matches(Some("guess")));
        assert!(!session.csrf_matches(None));
    }
}
