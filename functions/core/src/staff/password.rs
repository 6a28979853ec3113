//! Passwords: the policy a new password must meet, and the stored hash format. The hash is
//! PBKDF2-HMAC-SHA256 with a random 16-byte salt and 600,000 iterations (OWASP 2023), run by
//! the Worker through WebCrypto (native code: the same derivation in WebAssembly would cost
//! seconds of CPU). Stored as `pbkdf2-sha256$600000$<salt>$<hash>`, base64 without padding,
//! so that the iteration count can be raised later and old hashes still verify.

use crate::email::Email;
use crate::ids::Entropy;
use data_encoding::BASE64_NOPAD;
use std::fmt;

pub const ITERATIONS: u32 = 600_000;
pub const SALT_BYTES: usize = 16;
pub const HASH_BYTES: usize = 32;
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 200;
const SCHEME: &str = "pbkdf2-sha256";

/// Passwords attackers try first, long enough to pass the length rule.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "aaaaaaaaaaaa",
    "iloveyou1234",
    "segnala12345",
    "comune123456",
    "amministratore",
    "administrator",
    "passwordcomune",
    "benvenuto123",
    "cambiami1234",
    "changeme1234",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyProblem {
    TooShort,
    TooLong,
    TooCommon,
    SameAsEmail,
}

impl PolicyProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::TooCommon => "too_common",
            Self::SameAsEmail => "same_as_email",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::TooShort => "use at least 12 characters",
            Self::TooLong => "use at most 200 characters",
            Self::TooCommon => "is one of the first passwords attackers try",
            Self::SameAsEmail => "must not contain the e-mail address",
        }
    }
}

/// Length and a blocklist, as NIST SP 800-63B recommends; no composition rules.
pub fn check_policy(password: &str, email: Option<&Email>) -> Result<(), PolicyProblem> {
    let length = password.chars().count();
    if length < MIN_CHARS {
        return Err(PolicyProblem::TooShort);
    }
    if length > MAX_CHARS {
        return Err(PolicyProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let distinct = {
        let mut chars: Vec<char> = lower.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        chars.len()
    };
    if distinct < 4 || COMMON.contains(&lower.as_str()) {
        return Err(PolicyProblem::TooCommon);
    }
    if let Some(email) = email {
        let address = email.as_str().to_lowercase();
        let local = address.split('@').next().unwrap_or("");
        if lower.contains(&address) || (local.len() >= 4 && lower.contains(local)) {
            return Err(PolicyProblem::SameAsEmail);
        }
    }
    Ok(())
}

/// A stored password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

// Never print the hash, not even in debug logs.
impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasswordHash({SCHEME}, {} iterations)", self.iterations)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a password hash this service understands")]
pub struct UnknownHashFormat;

/// What the hasher must compute: PBKDF2-HMAC-SHA256(password, salt, iterations), 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    pub salt: Vec<u8>,
    pub iterations: u32,
}

impl Derivation {
    /// Parameters for a new password: a fresh salt, the current iteration count.
    pub fn fresh(entropy: &mut impl Entropy) -> Self {
        let mut salt = vec![0u8; SALT_BYTES];
        entropy.fill(&mut salt);
        Self {
            salt,
            iterations: ITERATIONS,
        }
    }

    pub fn into_hash(self, derived: Vec<u8>) -> PasswordHash {
        PasswordHash {
            iterations: self.iterations,
            salt: self.salt,
            hash: derived,
        }
    }
}

impl PasswordHash {
    pub fn parse(text: &str) -> Result<Self, UnknownHashFormat> {
        let mut parts = text.split('$');
        let (Some(SCHEME), Some(iterations), Some(salt), Some(hash), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(UnknownHashFormat);
        };
        let iterations: u32 = iterations.parse().map_err(|_| UnknownHashFormat)?;
        let salt = BASE64_NOPAD
            .decode(salt.as_bytes())
            .map_err(|_| UnknownHashFormat)?;
        let hash = BASE64_NOPAD
            .decode(hash.as_bytes())
            .map_err(|_| UnknownHashFormat)?;
        if iterations == 0 || salt.len() < SALT_BYTES || hash.len() != HASH_BYTES {
            return Err(UnknownHashFormat);
        }
        Ok(Self {
            iterations,
            salt,
            hash,
        })
    }

    /// The parameters to derive a candidate password with, for [`Self::matches`].
    pub fn derivation(&self) -> Derivation {
        Derivation {
            salt: self.salt.clone(),
            iterations: self.iterations,
        }
    }

    /// Compares a candidate's derived bytes in constant time.
    pub fn matches(&self, derived: &[u8]) -> bool {
        constant_time_eq(&self.hash, derived)
    }

    /// True when the hash was made with fewer iterations than new ones get.
    pub fn needs_rehash(&self) -> bool {
        self.iterations < ITERATIONS
    }
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME}${}${}${}",
            self.iterations,
            BASE64_NOPAD.encode(&self.salt),
            BASE64_NOPAD.encode(&self.hash)
        )
    }
}

/// Equality whose running time depends on the length only, not on where bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SeededEntropy;

    #[test]
    fn a_long_uncommon_password_passes_the_policy() {
        assert_eq!(check_policy("tram per Città Alta 7", None), Ok(()));
    }

    #[test]
    fn short_common_or_email_like_passwords_are_refused() {
        let email = Email::parse("mario.rossi@comune.example.it").unwrap();
        assert_eq!(check_policy("corta", None), Err(PolicyProblem::TooShort));
        assert_eq!(
            check_policy(&"x".repeat(201), None),
            Err(PolicyProblem::TooLong)
        );
        assert_eq!(
            check_policy("Password1234", None),
            Err(PolicyProblem::TooCommon)
        );
        assert_eq!(
            check_policy("abababababab", None),
            Err(PolicyProblem::TooCommon)
        );
        assert_eq!(
            check_policy("Mario.Rossi-2026!", Some(&email)),
            Err(PolicyProblem::SameAsEmail)
        );
    }

    #[test]
    fn the_length_rule_counts_characters_not_bytes() {
        assert_eq!(check_policy("àèìòùàèìòùàè", None), Ok(()));
    }

    #[test]
    fn a_hash_round_trips_through_its_stored_form() {
        let derivation = Derivation::fresh(&mut SeededEntropy::new(3));
        assert_eq!(derivation.iterations, 600_000);
        assert_eq!(derivation.salt.len(), 16);
        let hash = derivation.into_hash(vec![7u8; 32]);
        let text = hash.to_string();
        assert!(text.starts_with("pbkdf2-sha256$600000$"), "{text}");
        let parsed = PasswordHash::parse(&text).unwrap();
        assert_eq!(parsed, hash);
        assert!(parsed.matches(&[7u8; 32]));
        assert!(!parsed.matches(&[8u8; 32]));
        assert!(!parsed.matches(&[7u8; 31]));
        assert!(!parsed.needs_rehash());
    }

    #[test]
    fn unknown_or_damaged_hash_formats_are_refused() {
        for text in [
            "",
            "bcrypt$10$abc",
            "pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pbkdf2-sha256$600000$short$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$x",
        ] {
            assert_eq!(PasswordHash::parse(text), Err(UnknownHashFormat), "{text}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_hash() {
        let hash = Derivation::fresh(&mut SeededEntropy::new(3)).into_hash(vec![7u8; 32]);
        let shown = format!("{hash:?}");
        assert!(!shown.contains("BwcH"), "{shown}");
    }
}
