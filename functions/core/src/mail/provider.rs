//! HTTP mail APIs: the request each provider expects for one message, and what its answer
//! means for the outbox (sent, try again later, or give up). Pure functions, so the rules
//! are tested natively; the Worker only performs the request.
//!
//! Request shapes follow the providers' documentation: Resend `POST /emails` with a bearer
//! key and an `Idempotency-Key` header (repeats within 24 hours are not sent again);
//! Postmark `POST /email` with `X-Postmark-Server-Token`, open and link tracking off.

use super::layout::Message;
use crate::config::{ComuneConfig, MailProvider};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Who sends the comune's e-mail and through which API, as its configuration says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    pub provider: MailProvider,
    /// `"Comune di Bergamo" <segnalazioni@comune.bergamo.it>`
    pub from: String,
    pub reply_to: Option<String>,
    /// Postmark's message stream.
    pub message_stream: String,
}

impl Sender {
    /// Without mail settings, messages are only logged, from the comune's contact address.
    pub fn of(config: &ComuneConfig) -> Self {
        let mail = config.mail.as_ref();
        let contact = config.contacts.email.as_str();
        Sender {
            provider: mail.map_or(MailProvider::Log, |m| m.provider),
            // Always quoted: the name may hold commas or dots; quotes are refused in it.
            from: format!(
                "\"{}\" <{}>",
                mail.and_then(|m| m.from_name.as_deref())
                    .unwrap_or(&config.name)
                    .trim(),
                mail.map_or(contact, |m| m.from_address.as_str())
            ),
            reply_to: Some(
                mail.and_then(|m| m.reply_to.as_ref())
                    .map_or(contact, |address| address.as_str())
                    .to_string(),
            ),
            message_stream: mail
                .and_then(|m| m.message_stream.clone())
                .unwrap_or_else(|| "outbound".into()),
        }
    }
}

/// The provider's API for the sender, with the key from the Worker's secrets and an
/// optional base URL (a local mail sink in development). Refused when the key is missing.
pub fn provider_for(
    sender: &Sender,
    api_key: Option<String>,
    base_url: Option<String>,
) -> Result<Provider, &'static str> {
    let key = || {
        api_key
            .clone()
            .filter(|key| !key.trim().is_empty())
            .ok_or("the MAIL_API_KEY secret is not set")
    };
    let base = |default: &str| base_url.clone().unwrap_or_else(|| default.to_string());
    Ok(match sender.provider {
        MailProvider::Log => Provider::Log,
        MailProvider::Resend => Provider::Resend {
            api_key: key()?,
            base_url: base(RESEND_URL),
        },
        MailProvider::Postmark => Provider::Postmark {
            server_token: key()?,
            base_url: base(POSTMARK_URL),
            message_stream: sender.message_stream.clone(),
        },
    })
}

/// Which API sends the comune's e-mail; secrets come from Worker secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    Resend {
        api_key: String,
        base_url: String,
    },
    Postmark {
        server_token: String,
        base_url: String,
        message_stream: String,
    },
    /// Development: messages are only logged.
    Log,
}

pub const RESEND_URL: &str = "https://api.resend.com";
pub const POSTMARK_URL: &str = "https://api.postmarkapp.com";

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `Comune di Bergamo <segnalazioni@comune.bergamo.it>`
    pub from: &'a str,
    pub to: &'a str,
    pub reply_to: Option<&'a str>,
    /// Stable for the notification, so a repeated delivery is recognised.
    pub idempotency_key: &'a str,
    pub message: &'a Message,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// The List-Unsubscribe-Post value of RFC 8058: a POST to the List-Unsubscribe address
/// unsubscribes at once.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

/// The request for the provider, `None` for the log-only provider.
pub fn request(provider: &Provider, envelope: &Envelope) -> Option<HttpRequest> {
    let message = envelope.message;
    match provider {
        Provider::Resend { api_key, base_url } => {
            let mut body = json!({
                "from": envelope.from,
                "to": [envelope.to],
                "subject": message.subject,
                "html": message.html,
                "text": message.text,
            });
            if let Some(reply_to) = envelope.reply_to {
                body["reply_to"] = json!(reply_to);
            }
            if let Some(url) = &message.unsubscribe_url {
                body["headers"] = json!({
                    "List-Unsubscribe": format!("<{url}>"),
                    "List-Unsubscribe-Post": ONE_CLICK,
                });
            }
            Some(HttpRequest {
                url: format!("{}/emails", base_url.trim_end_matches('/')),
                headers: vec![
                    ("Authorization", format!("Bearer {api_key}")),
                    ("Content-Type", "application/json".into()),
                    ("Idempotency-Key", envelope.idempotency_key.to_string()),
                ],
                body: body.to_string(),
            })
        }
        Provider::Postmark {
            server_token,
            base_url,
            message_stream,
        } => {
            let mut body = json!({
                "From": envelope.from,
                "To": envelope.to,
                "Subject": message.subject,
                "HtmlBody": message.html,
                "TextBody": message.text,
                "MessageStream": message_stream,
                "TrackOpens": false,
                "TrackLinks": "None",
                "Metadata": { "idempotency_key": envelope.idempotency_key },
            });
            if let Some(reply_to) = envelope.reply_to {
                body["ReplyTo"] = json!(reply_to);
            }
            if let Some(url) = &message.unsubscribe_url {
                body["Headers"] = json!([
                    { "Name": "List-Unsubscribe", "Value": format!("<{url}>") },
                    { "Name": "List-Unsubscribe-Post", "Value": ONE_CLICK },
                ]);
            }
            Some(HttpRequest {
                url: format!("{}/email", base_url.trim_end_matches('/')),
                headers: vec![
                    ("Accept", "application/json".into()),
                    ("Content-Type", "application/json".into()),
                    ("X-Postmark-Server-Token", server_token.clone()),
                ],
                body: body.to_string(),
            })
        }
        Provider::Log => None,
    }
}

/// What to do with a message after an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Sent {
        provider_id: Option<String>,
    },
    /// Worth another attempt later (provider down, slow, rate-limited, misconfigured).
    Retry {
        reason: String,
        after_seconds: Option<u32>,
    },
    /// Another attempt would fail the same way (invalid or suppressed address).
    GiveUp {
        reason: String,
    },
}

#[derive(Deserialize, Default)]
struct ResendAnswer {
    id: Option<String>,
    name: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PostmarkAnswer {
    #[serde(rename = "MessageID")]
    message_id: Option<String>,
    error_code: Option<i64>,
    message: Option<String>,
}

fn retry_after(header: Option<&str>) -> Option<u32> {
    header
        .and_then(|h| h.trim().parse().ok())
        .map(|s: u32| s.min(3600))
}

/// Reads an answer: status, body and `Retry-After` header. `None` status means the request
/// failed before an answer (network error, timeout).
pub fn outcome(
    provider: &Provider,
    status: Option<u16>,
    body: &str,
    retry: Option<&str>,
) -> Outcome {
    let Some(status) = status else {
        return Outcome::Retry {
            reason: "no answer from the mail provider (network error or timeout)".into(),
            after_seconds: None,
        };
    };
    let later = |reason: String| Outcome::Retry {
        reason,
        after_seconds: retry_after(retry),
    };
    match provider {
        Provider::Log => Outcome::Sent { provider_id: None },
        Provider::Resend { .. } => {
            let answer: ResendAnswer = serde_json::from_str(body).unwrap_or_default();
            let detail = format!(
                "{} {}: {}",
                status,
                answer.name.as_deref().unwrap_or("error"),
                answer.message.as_deref().unwrap_or("")
            );
            match status {
                200..=299 => Outcome::Sent {
                    provider_id: answer.id,
                },
                429 | 500..=599 => later(detail),
                // Another request with the same key is still in flight: ask again later.
                409 => later(detail),
                400 | 422 if answer.name.as_deref() == Some("validation_error") => {
                    Outcome::GiveUp { reason: detail }
                }
                // Key missing or refused, domain not verified: fixable by the comune.
                _ => later(detail),
            }
        }
        Provider::Postmark { .. } => {
            let answer: PostmarkAnswer = serde_json::from_str(body).unwrap_or_default();
            let detail = format!(
                "{} ErrorCode {}: {}",
                status,
                answer.error_code.unwrap_or(-1),
                answer.message.as_deref().unwrap_or("")
            );
            match (status, answer.error_code) {
                (200..=299, None | Some(0)) => Outcome::Sent {
                    provider_id: answer.message_id,
                },
                // 406: inactive recipient (bounced, complained, suppressed); 300: invalid
                // address or message.
                (422, Some(406 | 300)) => Outcome::GiveUp { reason: detail },
                _ => later(detail),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            subject: "Segnalazione 2026-000017: risolta".into(),
            text: "Testo".into(),
            html: "<p>Testo</p>".into(),
            unsubscribe_url: None,
        }
    }

    fn envelope(message: &Message) -> Envelope<'_> {
        Envelope {
            from: "Comune di Prova <segnalazioni@comune.example.it>",
            to: "mario.rossi@example.it",
            reply_to: Some("urp@comune.example.it"),
            idempotency_key: "notification-42",
            message,
        }
    }

    fn resend() -> Provider {
        Provider::Resend {
            api_key: "re_test".into(),
            base_url: RESEND_URL.into(),
        }
    }

    fn postmark() -> Provider {
        Provider::Postmark {
            server_token: "server-token".into(),
            base_url: POSTMARK_URL.into(),
            message_stream: "outbound".into(),
        }
    }

    #[test]
    fn the_sender_comes_from_the_configuration_with_the_name_quoted() {
        let mut config = crate::config::tests_support::demo_config();
        config.mail = None;
        let log = Sender::of(&config);
        assert_eq!(log.provider, MailProvider::Log);
        assert!(log
            .from
            .ends_with(&format!("<{}>", config.contacts.email.as_str())));
        config.mail = Some(crate::config::MailSettings {
            provider: MailProvider::Postmark,
            from_address: crate::email::Email::parse("segnalazioni@comune.example.it").unwrap(),
            from_name: Some("Comune di Prova, Segnalazioni".into()),
            reply_to: None,
            message_stream: Some("notifiche".into()),
            confirm_addresses: false,
        });
        let sender = Sender::of(&config);
        assert_eq!(
            sender.from,
            "\"Comune di Prova, Segnalazioni\" <segnalazioni@comune.example.it>"
        );
        assert_eq!(
            sender.reply_to.as_deref(),
            Some(config.contacts.email.as_str())
        );
        assert_eq!(
            provider_for(&sender, Some("token".into()), None),
            Ok(Provider::Postmark {
                server_token: "token".into(),
                base_url: POSTMARK_URL.into(),
                message_stream: "notifiche".into()
            })
        );
        assert_eq!(
            provider_for(&sender, None, None),
            Err("the MAIL_API_KEY secret is not set")
        );
    }

    #[test]
    fn resend_gets_its_documented_request_with_the_idempotency_key() {
        let message = message();
        let request = request(&resend(), &envelope(&message)).unwrap();
        assert_eq!(request.url, "https://api.resend.com/emails");
        assert!(request
            .headers
            .contains(&("Authorization", "Bearer re_test".into())));
        assert!(request
            .headers
            .contains(&("Idempotency-Key", "notification-42".into())));
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["to"], json!(["mario.rossi@example.it"]));
        assert_eq!(body["subject"], "Segnalazione 2026-000017: risolta");
        assert_eq!(body["html"], "<p>Testo</p>");
        assert_eq!(body["text"], "Testo");
        assert_eq!(body["reply_to"], "urp@comune.example.it");
    }

    #[test]
    fn postmark_gets_its_documented_request_without_tracking() {
        let message = message();
        let request = request(&postmark(), &envelope(&message)).unwrap();
        assert_eq!(request.url, "https://api.postmarkapp.com/email");
        assert!(request
            .headers
            .contains(&("X-Postmark-Server-Token", "server-token".into())));
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["To"], "mario.rossi@example.it");
        assert_eq!(body["HtmlBody"], "<p>Testo</p>");
        assert_eq!(body["TextBody"], "Testo");
        assert_eq!(body["MessageStream"], "outbound");
        assert_eq!(body["TrackOpens"], false);
        assert_eq!(body["TrackLinks"], "None");
    }

    #[test]
    fn a_message_one_can_stop_carries_one_click_unsubscribe_headers_for_both_providers() {
        let mut message = message();
        message.unsubscribe_url = Some("https://example.it/segui/abc/disiscriviti".into());
        let by_resend: serde_json::Value =
            serde_json::from_str(&request(&resend(), &envelope(&message)).unwrap().body).unwrap();
        assert_eq!(
            by_resend["headers"],
            json!({
                "List-Unsubscribe": "<https://example.it/segui/abc/disiscriviti>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            })
        );
        let by_postmark: serde_json::Value =
            serde_json::from_str(&request(&postmark(), &envelope(&message)).unwrap().body).unwrap();
        assert_eq!(
            by_postmark["Headers"],
            json!([
                { "Name": "List-Unsubscribe", "Value": "<https://example.it/segui/abc/disiscriviti>" },
                { "Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click" },
            ])
        );
        // Other messages carry none.
        let plain: serde_json::Value = serde_json::from_str(
            &request(&resend(), &envelope(&self::message()))
                .unwrap()
                .body,
        )
        .unwrap();
        assert!(plain.get("headers").is_none());
    }

    #[test]
    fn the_log_provider_sends_no_request_and_counts_as_sent() {
        let message = message();
        assert_eq!(request(&Provider::Log, &envelope(&message)), None);
        assert_eq!(
            outcome(&Provider::Log, Some(200), "", None),
            Outcome::Sent { provider_id: None }
        );
    }

    #[test]
    fn accepted_messages_are_sent_with_the_provider_s_id() {
        assert_eq!(
            outcome(&resend(), Some(200), r#"{"id":"49a3999c"}"#, None),
            Outcome::Sent {
                provider_id: Some("49a3999c".into())
            }
        );
        assert_eq!(
            outcome(
                &postmark(),
                Some(200),
                r#"{"ErrorCode":0,"Message":"OK","MessageID":"b7bc2f4a"}"#,
                None
            ),
            Outcome::Sent {
                provider_id: Some("b7bc2f4a".into())
            }
        );
    }

    #[test]
    fn outages_timeouts_and_rate_limits_are_retried_honouring_retry_after() {
        for provider in [resend(), postmark()] {
            assert!(matches!(
                outcome(&provider, None, "", None),
                Outcome::Retry { .. }
            ));
            assert!(matches!(
                outcome(&provider, Some(500), "oops", None),
                Outcome::Retry { .. }
            ));
            assert!(matches!(
                outcome(&provider, Some(503), "", None),
                Outcome::Retry { .. }
            ));
            assert_eq!(
                outcome(&provider, Some(429), "{}", Some("30")),
                Outcome::Retry {
                    reason: outcome_reason(&provider, 429),
                    after_seconds: Some(30)
                }
            );
        }
    }

    fn outcome_reason(provider: &Provider, status: u16) -> String {
        match outcome(provider, Some(status), "{}", None) {
            Outcome::Retry { reason, .. } | Outcome::GiveUp { reason } => reason,
            Outcome::Sent { .. } => String::new(),
        }
    }

    #[test]
    fn invalid_or_suppressed_addresses_are_given_up() {
        let invalid =
            r#"{"statusCode":422,"name":"validation_error","message":"Invalid `to` field."}"#;
        assert!(matches!(
            outcome(&resend(), Some(422), invalid, None),
            Outcome::GiveUp { .. }
        ));
        let inactive = r#"{"ErrorCode":406,"Message":"You tried to send to recipient(s) that have been marked as inactive."}"#;
        assert!(matches!(
            outcome(&postmark(), Some(422), inactive, None),
            Outcome::GiveUp { .. }
        ));
        let malformed = r#"{"ErrorCode":300,"Message":"Invalid 'To' address"}"#;
        assert!(matches!(
            outcome(&postmark(), Some(422), malformed, None),
            Outcome::GiveUp { .. }
        ));
    }

    #[test]
    fn a_refused_key_or_unverified_sender_is_retried_until_the_comune_fixes_it() {
        let key = r#"{"statusCode":403,"name":"invalid_api_key","message":"API key is invalid"}"#;
        assert!(matches!(
            outcome(&resend(), Some(403), key, None),
            Outcome::Retry { .. }
        ));
        let signature = r#"{"ErrorCode":400,"Message":"The 'From' address you supplied is not a Sender Signature"}"#;
        assert!(matches!(
            outcome(&postmark(), Some(422), signature, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            outcome(&postmark(), Some(401), "{}", None),
            Outcome::Retry { .. }
        ));
    }
}
