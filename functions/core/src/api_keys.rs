//! Keys that client applications (Open311) file reports with. An administrator makes one
//! per application; the key is shown once and only its SHA-256 is stored, so a copy of the
//! store opens nothing. Keys are random (160 bits), which is why a fast hash is enough.

use crate::email::Email;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::ids::Entropy;
use crate::text;
use chrono::{DateTime, Utc};
use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Every key starts with this, so a leaked one is easy to recognise in logs and code.
pub const KEY_PREFIX: &str = "sgn_";
const KEY_BYTES: usize = 20;
/// Characters of the key kept in clear, to tell keys apart in the dashboard.
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 6;
const MAX_NAME: usize = 100;

/// The secret an application sends as `api_key`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeySecret(…)")
    }
}

impl ApiKeySecret {
    pub fn generate(entropy: &mut impl Entropy) -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        entropy.fill(&mut bytes);
        Self(format!(
            "{KEY_PREFIX}{}",
            crate::ids::base32_lower().encode(&bytes)
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the dashboard shows of the key: enough to recognise it, too little to use it.
    pub fn shown_part(&self) -> String {
        self.0.chars().take(SHOWN_CHARS).collect()
    }
}

/// The stored form of whatever a client presented: hex SHA-256. Anything that is not a
/// key hashes to something no stored key has.
pub fn hash_of(presented: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(presented.trim().as_bytes()))
}

/// What an administrator sends to make a key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub name: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidNewApiKey {
    pub name: String,
    pub contact: Option<Email>,
}

impl NewApiKey {
    pub fn validate(&self) -> Result<ValidNewApiKey, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let name = text::required_line(
            &mut errors,
            "name",
            self.name.as_deref(),
            MAX_NAME,
            "name the application that will use the key",
        );
        let contact = match self.contact.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match Email::parse(text) {
                Ok(email) => Some(email),
                Err(error) => {
                    errors.push("contact", "invalid_email", error.to_string());
                    None
                }
            },
        };
        match name {
            Some(name) if errors.is_empty() => Ok(ValidNewApiKey { name, contact }),
            _ => Err(errors.into_errors()),
        }
    }
}

/// A key as administrators see it: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub contact: Option<String>,
    /// The key's first characters, e.g. `sgn_k3v9q2`.
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Reports filed with the key.
    pub reports: u64,
}

impl ApiKey {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A key just made: the only time its secret leaves the service (no `Debug`, so it cannot
/// end up in a log by accident).
#[derive(Clone, Serialize)]
pub struct IssuedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SeededEntropy;

    #[test]
    fn a_key_is_long_random_and_recognisable() {
        let one = ApiKeySecret::generate(&mut SeededEntropy::new(1));
        let two = ApiKeySecret::generate(&mut SeededEntropy::new(2));
        assert_ne!(one, two);
        assert!(one.as_str().starts_with("sgn_"));
        assert_eq!(one.as_str().len(), 4 + 32);
        assert!(one.as_str()[4..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(one.shown_part(), one.as_str()[..10]);
        assert_eq!(format!("{one:?}"), "ApiKeySecret(…)");
    }

    #[test]
    fn the_stored_hash_is_the_sha256_of_the_key_and_ignores_surrounding_spaces() {
        let key = ApiKeySecret::generate(&mut SeededEntropy::new(3));
        assert_eq!(
            hash_of(key.as_str()),
            hash_of(&format!(" {} ", key.as_str()))
        );
        assert_eq!(hash_of(key.as_str()).len(), 64);
        assert_ne!(hash_of(key.as_str()), hash_of("sgn_"));
    }

    #[test]
    fn a_new_key_needs_a_one_line_name_and_a_valid_contact_if_any() {
        let valid = NewApiKey {
            name: Some("  App del Comune ".into()),
            contact: Some("sviluppo@example.org".into()),
        }
        .validate()
        .unwrap();
        assert_eq!(valid.name, "App del Comune");
        assert_eq!(valid.contact.unwrap().as_str(), "sviluppo@example.org");

        let errors = NewApiKey {
            name: Some(" ".into()),
            contact: Some("not an address".into()),
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.fields(), ["name", "contact"]);

        let errors = NewApiKey {
            name: Some("two\nlines".into()),
            contact: None,
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.0[0].code, "too_long");
        assert_eq!(
            NewApiKey::default().validate().unwrap_err().0[0].code,
            "required"
        );
    }
}
