//! Idempotent submissions: the same report sent twice (a retry after a timeout, a double
//! click, a reloaded form) creates one ticket. Clients name a submission with an
//! `Idempotency-Key` header or a form nonce; plain HTML forms without JavaScript have
//! neither, so for them the content itself, fingerprinted, serves as the key for a while.

use crate::field_error::{FieldError, FieldErrors};
use crate::report::ValidReport;
use crate::store::Idempotency;
use sha2::{Digest, Sha256};

/// How long an identical form post counts as a repeat of the first one.
pub const CONTENT_FINGERPRINT_WINDOW_SECONDS: i64 = 10 * 60;

/// SHA-256 (hex) of a validated submission: its fields and the bytes of its photos.
pub fn fingerprint(report: &ValidReport, photos: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(report).expect("reports serialise"));
    for photo in photos {
        hasher.update(Sha256::digest(photo));
    }
    to_hex(&hasher.finalize())
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A client-chosen key: 8 to 200 visible ASCII characters (UUIDs, ULIDs, random strings).
pub fn client_key(
    input: &str,
    fingerprint: String,
    field: &str,
) -> Result<Idempotency, FieldErrors> {
    let key = input.trim();
    if !(8..=200).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldErrors(vec![FieldError::new(
            field,
            "invalid_idempotency_key",
            "must be 8 to 200 visible ASCII characters",
        )]));
    }
    Ok(Idempotency {
        key: format!("client:{key}"),
        fingerprint,
        valid_for_seconds: None,
    })
}

/// The key of a form post that carries no nonce: its own fingerprint, for a few minutes.
pub fn content_key(fingerprint: String) -> Idempotency {
    Idempotency {
        key: format!("content:{fingerprint}"),
        fingerprint,
        valid_for_seconds: Some(CONTENT_FINGERPRINT_WINDOW_SECONDS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests_support::demo_config;
    use crate::report::ReportRequest;

    fn report(description: &str) -> ValidReport {
        ReportRequest {
            category: Some("buche-stradali".into()),
            description: Some(description.into()),
            address: Some("Via Roma 1".into()),
            privacy_accepted: Some(true),
            ..Default::default()
        }
        .validate(&demo_config())
        .unwrap()
    }

    #[test]
    fn the_same_submission_has_the_same_fingerprint() {
        let a = fingerprint(&report("Buca profonda in via Roma"), &[b"photo"]);
        assert_eq!(
            a,
            fingerprint(&report("Buca profonda in via Roma"), &[b"photo"])
        );
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn a_different_text_or_photo_changes_the_fingerprint() {
        let a = fingerprint(&report("Buca profonda in via Roma"), &[b"photo"]);
        assert_ne!(
            a,
            fingerprint(&report("Buca profonda in via Verdi"), &[b"photo"])
        );
        assert_ne!(
            a,
            fingerprint(&report("Buca profonda in via Roma"), &[b"other photo"])
        );
    }

    #[test]
    fn client_keys_are_checked_and_never_expire() {
        let key = client_key(
            "5f0c2a4e-9a0b-4c1e-8f3d-2b7e6a1c9d00",
            "f".into(),
            "Idempotency-Key",
        )
        .unwrap();
        assert_eq!(key.valid_for_seconds, None);
        assert!(key.key.starts_with("client:"));
        for bad in [
            "short",
            "has space inside it",
            &"x".repeat(201),
            "accentàààààà",
        ] {
            assert!(
                client_key(bad, "f".into(), "Idempotency-Key").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn content_keys_hold_for_ten_minutes() {
        assert_eq!(content_key("abc".into()).valid_for_seconds, Some(600));
    }
}
