//! Cloudflare Turnstile, the optional human check on the report form: what the Worker asks
//! the verification endpoint (siteverify) and what its answer means. The Worker does the
//! HTTP call; nothing here knows about it.

use serde::Deserialize;

/// The form field the widget fills, and the header API clients may use instead.
pub const FORM_FIELD: &str = "cf-turnstile-response";
pub const HEADER: &str = "CF-Turnstile-Response";
/// Turnstile's tokens are at most 2048 characters.
const MAX_TOKEN_CHARS: usize = 2048;

/// The token a submission carries, checked for shape before anything is sent out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnstileToken(String);

impl TurnstileToken {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let fits = !text.is_empty()
            && text.len() <= MAX_TOKEN_CHARS
            && text.bytes().all(|b| b.is_ascii_graphic());
        fits.then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The urlencoded body of a siteverify request.
pub fn verification_body(secret: &str, token: &TurnstileToken, address: Option<&str>) -> String {
    let mut pairs = vec![("secret", secret), ("response", token.as_str())];
    if let Some(address) = address {
        pairs.push(("remoteip", address));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the verification said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Human,
    /// Refused: expired, used before, forged. The citizen must do the check again.
    Refused(Vec<String>),
    /// The endpoint's answer makes no sense, or says our own request was wrong (a bad
    /// secret): not the citizen's fault.
    Unusable(String),
}

#[derive(Deserialize)]
struct Answer {
    success: bool,
    #[serde(default, rename = "error-codes")]
    error_codes: Vec<String>,
}

/// Reads siteverify's JSON answer (given a 2xx status).
pub fn verdict(body: &str) -> Verdict {
    let Ok(answer) = serde_json::from_str::<Answer>(body) else {
        return Verdict::Unusable("the verification answer is not the expected JSON".into());
    };
    if answer.success {
        return Verdict::Human;
    }
    // These name a fault of the deployment, not of the citizen's token.
    let ours = [
        "missing-input-secret",
        "invalid-input-secret",
        "bad-request",
        "internal-error",
    ];
    if answer
        .error_codes
        .iter()
        .any(|c| ours.contains(&c.as_str()))
    {
        return Verdict::Unusable(format!(
            "verification refused our request: {}",
            answer.error_codes.join(", ")
        ));
    }
    Verdict::Refused(answer.error_codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_must_be_printable_and_not_too_long() {
        assert!(TurnstileToken::parse("0.abc-DEF_123").is_some());
        assert!(TurnstileToken::parse("  ").is_none());
        assert!(TurnstileToken::parse("a b").is_none());
        assert!(TurnstileToken::parse("tok\u{0}en").is_none());
        assert!(TurnstileToken::parse(&"x".repeat(2049)).is_none());
    }

    #[test]
    fn the_verification_request_encodes_secret_token_and_address() {
        let token = TurnstileToken::parse("a+b/c=").unwrap();
        assert_eq!(
            verification_body("s&cret", &token, Some("2001:db8::1")),
            "secret=s%26cret&response=a%2Bb%2Fc%3D&remoteip=2001%3Adb8%3A%3A1"
        );
    }

    #[test]
    fn a_successful_answer_means_a_human() {
        assert_eq!(
            verdict(r#"{"success":true,"error-codes":[],"hostname":"x"}"#),
            Verdict::Human
        );
    }

    #[test]
    fn a_spent_or_forged_token_is_refused() {
        assert_eq!(
            verdict(r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#),
            Verdict::Refused(vec!["timeout-or-duplicate".into()])
        );
    }

    #[test]
    fn a_wrong_secret_or_garbage_is_not_blamed_on_the_citizen() {
        assert!(matches!(
            verdict(r#"{"success":false,"error-codes":["invalid-input-secret"]}"#),
            Verdict::Unusable(_)
        ));
        assert!(matches!(verdict("<html>"), Verdict::Unusable(_)));
    }
}
