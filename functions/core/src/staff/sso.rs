//! Single sign-on behind Cloudflare Access. When a comune puts the dashboard behind
//! Access, every request carries a JWT (`Cf-Access-Jwt-Assertion`) signed with RS256 by the
//! team's keys. This module parses it and checks everything but the signature: algorithm,
//! key id, audience, issuer, expiry and the e-mail claim. The Worker verifies the signature
//! with WebCrypto against the team's published keys, then maps the e-mail to an account.

use crate::email::Email;
use chrono::{DateTime, Utc};
use data_encoding::BASE64URL_NOPAD;
use serde::Deserialize;

/// Clock difference tolerated between Cloudflare and this Worker.
const LEEWAY_SECONDS: i64 = 60;
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The Access application this deployment trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessSettings {
    /// `https://<team>.cloudflareaccess.com`, without a trailing slash: the tokens' issuer.
    team_domain: String,
    /// The application's audience (AUD) tag.
    audience: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token is not signed with RS256")]
    WrongAlgorithm,
    #[error("the token is for another application")]
    WrongAudience,
    #[error("the token was issued by another team")]
    WrongIssuer,
    #[error("the token has expired or is not valid yet")]
    Expired,
    #[error("the token names no valid e-mail address")]
    NoEmail,
    #[error("no key of the team has the token's key id")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
}

impl AccessSettings {
    /// Both values, or `None` when single sign-on is not configured (either is empty) or
    /// the team domain is not HTTPS.
    pub fn new(team_domain: &str, audience: &str) -> Option<Self> {
        let team_domain = team_domain.trim().trim_end_matches('/');
        let audience = audience.trim();
        if team_domain.is_empty() || audience.is_empty() {
            return None;
        }
        let team_domain = if team_domain.contains("://") {
            team_domain.to_string()
        } else {
            format!("https://{team_domain}")
        };
        // Keys fetched over plain HTTP could be swapped on the way; loopback is for tests.
        let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
            .iter()
            .any(|prefix| team_domain.starts_with(prefix));
        if !team_domain.starts_with("https://") && !loopback {
            return None;
        }
        Some(Self {
            team_domain,
            audience: audience.to_string(),
        })
    }

    /// Where the team publishes its signing keys (JWKS).
    pub fn certs_url(&self) -> String {
        format!("{}/cdn-cgi/access/certs", self.team_domain)
    }
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Claims {
    aud: Audience,
    iss: String,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    email: Option<String>,
}

/// A token whose claims passed every check; its signature still has to be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedToken {
    pub key_id: String,
    /// `header.payload`, the bytes the signature covers.
    pub signed_part: String,
    pub signature: Vec<u8>,
    pub email: Email,
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, AccessError> {
    let bytes = BASE64URL_NOPAD
        .decode(part.as_bytes())
        .map_err(|_| AccessError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AccessError::Malformed)
}

/// Parses an Access JWT and checks its claims against the settings at `now`.
pub fn check_token(
    token: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<CheckedToken, AccessError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AccessError::Malformed);
    }
    let mut parts = token.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AccessError::Malformed);
    };
    let parsed_header: Header = decode_json(header)?;
    // Only RS256: "none" or an HMAC algorithm keyed with the public key must never pass.
    if parsed_header.alg != "RS256" {
        return Err(AccessError::WrongAlgorithm);
    }
    let key_id = parsed_header.kid.ok_or(AccessError::Malformed)?;
    let claims: Claims = decode_json(payload)?;
    let audience_matches = match &claims.aud {
        Audience::One(aud) => *aud == settings.audience,
        Audience::Many(auds) => auds.contains(&settings.audience),
    };
    if !audience_matches {
        return Err(AccessError::WrongAudience);
    }
    if claims.iss.trim_end_matches('/') != settings.team_domain {
        return Err(AccessError::WrongIssuer);
    }
    let now = now.timestamp();
    if claims.exp + LEEWAY_SECONDS < now || claims.nbf.is_some_and(|nbf| nbf - LEEWAY_SECONDS > now)
    {
        return Err(AccessError::Expired);
    }
    let email = claims
        .email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
        .ok_or(AccessError::NoEmail)?;
    let signature = BASE64URL_NOPAD
        .decode(signature.as_bytes())
        .map_err(|_| AccessError::Malformed)?;
    Ok(CheckedToken {
        key_id,
        signed_part: format!("{header}.{payload}"),
        signature,
        email,
    })
}

/// One RSA public key of the team, as the certs endpoint publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Jwk {
    pub kid: String,
    pub kty: String,
    /// Absent for keys of other types, which the set may also hold.
    #[serde(default)]
    pub n: String,
    #[serde(default)]
    pub e: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    pub fn key(&self, kid: &str) -> Option<&Jwk> {
        self.keys
            .iter()
            .find(|k| k.kid == kid && k.kty == "RSA" && !k.n.is_empty() && !k.e.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn settings() -> AccessSettings {
        AccessSettings::new("https://comune.cloudflareaccess.com/", "aud-123").unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
    }

    fn token(header: serde_json::Value, claims: serde_json::Value) -> String {
        let part = |v: serde_json::Value| BASE64URL_NOPAD.encode(v.to_string().as_bytes());
        format!(
            "{}.{}.{}",
            part(header),
            part(claims),
            BASE64URL_NOPAD.encode(b"sig")
        )
    }

    fn claims() -> serde_json::Value {
        json!({
            "aud": ["aud-123"], "iss": "https://comune.cloudflareaccess.com",
            "exp": now().timestamp() + 600, "nbf": now().timestamp() - 10,
            "email": "Operatore.Strade@Comune.example.it", "type": "app"
        })
    }

    fn rs256() -> serde_json::Value {
        json!({ "alg": "RS256", "kid": "key-1", "typ": "JWT" })
    }

    #[test]
    fn a_token_for_this_application_yields_its_e_mail_and_the_parts_to_verify() {
        let jwt = token(rs256(), claims());
        let checked = check_token(&jwt, &settings(), now()).unwrap();
        assert_eq!(checked.email.as_str(), "Operatore.Strade@Comune.example.it");
        assert_eq!(checked.key_id, "key-1");
        assert_eq!(checked.signature, b"sig");
        assert_eq!(
            checked.signed_part,
            jwt.rsplit_once('.').unwrap().0,
            "the signature covers header and payload"
        );
    }

    #[test]
    fn a_single_audience_string_is_accepted_too() {
        let mut claims = claims();
        claims["aud"] = json!("aud-123");
        assert!(check_token(&token(rs256(), claims), &settings(), now()).is_ok());
    }

    #[test]
    fn tokens_for_another_application_or_team_are_refused() {
        let mut other_app = claims();
        other_app["aud"] = json!(["aud-999"]);
        assert_eq!(
            check_token(&token(rs256(), other_app), &settings(), now()),
            Err(AccessError::WrongAudience)
        );
        let mut other_team = claims();
        other_team["iss"] = json!("https://attacker.cloudflareaccess.com");
        assert_eq!(
            check_token(&token(rs256(), other_team), &settings(), now()),
            Err(AccessError::WrongIssuer)
        );
    }

    #[test]
    fn expired_and_not_yet_valid_tokens_are_refused_beyond_a_minute_of_leeway() {
        let mut expired = claims();
        expired["exp"] = json!(now().timestamp() - 61);
        assert_eq!(
            check_token(&token(rs256(), expired), &settings(), now()),
            Err(AccessError::Expired)
        );
        let mut just_expired = claims();
        just_expired["exp"] = json!(now().timestamp() - 30);
        assert!(check_token(&token(rs256(), just_expired), &settings(), now()).is_ok());
        let mut future = claims();
        future["nbf"] = json!(now().timestamp() + 120);
        assert_eq!(
            check_token(&token(rs256(), future), &settings(), now()),
            Err(AccessError::Expired)
        );
    }

    #[test]
    fn only_rs256_with_a_key_id_is_accepted() {
        for alg in ["none", "HS256", "RS512", "ES256"] {
            let header = json!({ "alg": alg, "kid": "key-1" });
            assert_eq!(
                check_token(&token(header, claims()), &settings(), now()),
                Err(AccessError::WrongAlgorithm),
                "{alg}"
            );
        }
        assert_eq!(
            check_token(
                &token(json!({ "alg": "RS256" }), claims()),
                &settings(),
                now()
            ),
            Err(AccessError::Malformed)
        );
    }

    #[test]
    fn a_token_without_a_valid_e_mail_is_refused() {
        let mut service = claims();
        service.as_object_mut().unwrap().remove("email");
        assert_eq!(
            check_token(&token(rs256(), service), &settings(), now()),
            Err(AccessError::NoEmail)
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for jwt in ["", "a.b", "a.b.c.d", "!!.??.**", &"a".repeat(20_000)] {
            assert_eq!(
                check_token(jwt, &settings(), now()),
                Err(AccessError::Malformed),
                "{jwt:.20}"
            );
        }
    }

    #[test]
    fn settings_need_both_values_and_name_the_certs_url() {
        assert_eq!(AccessSettings::new("", "aud"), None);
        assert_eq!(AccessSettings::new("team.cloudflareaccess.com", " "), None);
        assert_eq!(
            AccessSettings::new("http://team.cloudflareaccess.com", "aud"),
            None,
            "keys only over HTTPS"
        );
        assert!(AccessSettings::new("http://127.0.0.1:9000", "aud").is_some());
        assert_eq!(
            AccessSettings::new("team.cloudflareaccess.com", "aud")
                .unwrap()
                .certs_url(),
            "https://team.cloudflareaccess.com/cdn-cgi/access/certs"
        );
    }

    #[test]
    fn keys_are_found_by_id_among_rsa_keys_only() {
        let jwks: Jwks = serde_json::from_value(json!({ "keys": [
            { "kid": "a", "kty": "RSA", "n": "nn", "e": "AQAB", "alg": "RS256" },
            { "kid": "b", "kty": "EC", "crv": "P-256", "x": "xx", "y": "yy" }
        ]}))
        .unwrap();
        assert_eq!(jwks.key("a").unwrap().n, "nn");
        assert!(jwks.key("b").is_none() && jwks.key("c").is_none());
    }
}
