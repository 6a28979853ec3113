//! Checks a report's Turnstile token with the verification endpoint the configuration
//! names (tests point `TURNSTILE_VERIFY_URL` at a local server), with the secret
//! `TURNSTILE_SECRET` (one value, or `id=value` pairs for several comuni).

use crate::api_error::ApiError;
use crate::tenant::Env;
use segnala_core::config::TurnstileSettings;
use segnala_core::deployment::setting_for;
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::turnstile::{verdict, verification_body, TurnstileToken, Verdict};
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// siteverify answers in well under a second; a stalled one must not hold a citizen.
const TIMEOUT_MS: u32 = 8_000;

pub fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::Validation(FieldErrors(vec![FieldError::new(
        "turnstile",
        code,
        message,
    )]))
}

/// Whether the token shows a human, as the endpoint says. A refused token is the
/// citizen's to redo (422 on `turnstile`); an endpoint that cannot answer is ours (503).
pub async fn verify(
    env: &Env,
    settings: &TurnstileSettings,
    token: &TurnstileToken,
    address: Option<&str>,
) -> Result<(), ApiError> {
    let secret = crate::comune::non_empty_var(env, "TURNSTILE_SECRET")
        .and_then(|value| setting_for(&value, env.comune()))
        .ok_or_else(|| {
            ApiError::Unavailable("TURNSTILE_SECRET is not set for this comune".into())
        })?;
    let headers = Headers::new();
    headers.set("Content-Type", "application/x-www-form-urlencoded")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(verification_body(&secret, token, address).into()));
    let signal: worker::AbortSignal =
        worker::web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS).into();
    let answer: worker::Result<(u16, String)> = async {
        let mut response = Fetch::Request(Request::new_with_init(&settings.verify_url, &init)?)
            .send_with_signal(&signal)
            .await?;
        let status = response.status_code();
        let body = response.text().await?;
        Ok((status, body))
    }
    .await;
    let (status, body) =
        answer.map_err(|error| ApiError::Unavailable(format!("turnstile unreachable: {error}")))?;
    if !(200..300).contains(&status) {
        return Err(ApiError::Unavailable(format!(
            "turnstile answered {status}"
        )));
    }
    match verdict(&body) {
        Verdict::Human => Ok(()),
        Verdict::Refused(codes) => {
            worker::console_log!("turnstile refused a token: {}", codes.join(", "));
            Err(refused(
                "turnstile_failed",
                "the anti-spam check did not succeed; please do it again",
            ))
        }
        Verdict::Unusable(detail) => Err(ApiError::Unavailable(detail)),
    }
}
