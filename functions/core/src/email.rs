//! E-mail addresses given by citizens and in the configuration.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid e-mail address (RFC 5322 addr-spec), at most 254 characters,
/// with a dot in the domain so that typos like `mario@gmail` are caught.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(input: &str) -> Result<Self, InvalidEmail> {
        let candidate = input.trim();
        if candidate.len() > 254 || candidate.chars().any(|c| c.is_whitespace()) {
            return Err(InvalidEmail);
        }
        let parsed = candidate
            .parse::<email_address::EmailAddress>()
            .map_err(|_| InvalidEmail)?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') {
            return Err(InvalidEmail);
        }
        Ok(Self(candidate.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_an_ordinary_address_and_trims_it() {
        assert_eq!(
            Email::parse(" mario.rossi@example.it ").unwrap().as_str(),
            "mario.rossi@example.it"
        );
    }

    #[test]
    fn rejects_addresses_without_a_dotted_domain_or_with_spaces() {
        for bad in [
            "mario",
            "mario@",
            "@example.it",
            "mario@gmail",
            "ma rio@example.it",
            "mario@[127.0.0.1]",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn rejects_addresses_longer_than_254_characters() {
        let long = format!("{}@example.it", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
