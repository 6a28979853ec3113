//! Identifiers: ticket ids (UUID v7, sortable by creation time) and tracking tokens
//! (128 random bits, the citizen's capability to follow a report without an account).
//! Randomness comes from an [`Entropy`] passed in by the caller: the Worker uses the
//! platform's CSPRNG, tests use a deterministic one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A source of cryptographically secure random bytes.
pub trait Entropy {
    fn fill(&mut self, buffer: &mut [u8]);
}

/// A UUID v7: the creation time in milliseconds, then random bits, so ids sort by age.
pub fn uuid_v7(now: DateTime<Utc>, entropy: &mut impl Entropy) -> Uuid {
    let mut random = [0u8; 10];
    entropy.fill(&mut random);
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// Identifier of a ticket: a UUID v7 built from the creation time and random bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(Uuid);

impl TicketId {
    pub fn generate(now: DateTime<Utc>, entropy: &mut impl Entropy) -> Self {
        Self(uuid_v7(now, entropy))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TicketId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Secret token in a citizen's tracking link: 16 random bytes as 26 lowercase base32
/// characters (no padding), easy to copy and safe in a URL path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingToken(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tracking token")]
pub struct InvalidTrackingToken;

const TOKEN_BYTES: usize = 16;
const TOKEN_CHARS: usize = 26;

/// Lowercase base32 without padding: URL-safe and unambiguous to read aloud.
pub(crate) fn base32_lower() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("abcdefghijklmnopqrstuvwxyz234567");
    spec.encoding().expect("static base32 alphabet is valid")
}

impl TrackingToken {
    pub fn generate(entropy: &mut impl Entropy) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        entropy.fill(&mut bytes);
        Self(base32_lower().encode(&bytes))
    }

    pub fn parse(input: &str) -> Result<Self, InvalidTrackingToken> {
        let decoded = base32_lower()
            .decode(input.as_bytes())
            .map_err(|_| InvalidTrackingToken)?;
        if input.len() != TOKEN_CHARS || decoded.len() != TOKEN_BYTES {
            return Err(InvalidTrackingToken);
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TrackingToken {
    type Error = InvalidTrackingToken;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TrackingToken> for String {
    fn from(value: TrackingToken) -> Self {
        value.0
    }
}

impl fmt::Display for TrackingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deterministic entropy for tests: a xorshift sequence from a seed. Never for production.
#[derive(Debug, Clone)]
pub struct SeededEntropy(u64);

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buffer: &mut [u8]) {
        for byte in buffer {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *byte = (self.0 >> 24) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ticket_ids_are_version_7_and_sort_by_creation_time() {
        let mut entropy = SeededEntropy::new(7);
        let earlier = TicketId::generate(
            Utc.timestamp_millis_opt(1_790_000_000_000).unwrap(),
            &mut entropy,
        );
        let later = TicketId::generate(
            Utc.timestamp_millis_opt(1_790_000_000_001).unwrap(),
            &mut entropy,
        );
        assert_eq!(earlier.as_uuid().get_version_num(), 7);
        assert!(earlier.to_string() < later.to_string());
    }

    #[test]
    fn tracking_tokens_have_26_base32_characters_and_round_trip() {
        let token = TrackingToken::generate(&mut SeededEntropy::new(42));
        assert_eq!(token.as_str().len(), 26);
        assert_eq!(TrackingToken::parse(token.as_str()).unwrap(), token);
    }

    #[test]
    fn two_tokens_from_the_same_source_differ() {
        let mut entropy = SeededEntropy::new(42);
        assert_ne!(
            TrackingToken::generate(&mut entropy),
            TrackingToken::generate(&mut entropy)
        );
    }

    #[test]
    fn rejects_malformed_tracking_tokens() {
        for bad in [
            "",
            "abc",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "aaaaaaaaaaaaaaaaaaaaaaaaa1",
            "../../etc/passwd",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                TrackingToken::parse(bad),
                Err(InvalidTrackingToken),
                "{bad}"
            );
        }
    }
}
