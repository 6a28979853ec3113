//! Sends one rendered message through the comune's HTTP mail API: the request comes from
//! the core (`mail::provider`), the API key from the `MAIL_API_KEY` secret, and the answer
//! is read by the core into sent, retry or give up. A request that takes longer than
//! [`TIMEOUT_MS`] is abandoned and retried later.

use crate::comune::non_empty_var;
use crate::tenant::Env;
use segnala_core::mail::provider::{self, Envelope, Outcome};
use segnala_core::store::delivery::Delivery;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// Providers answer in well under a second; ten seconds means trouble.
const TIMEOUT_MS: u32 = 10_000;

/// The secret, or a plain variable of the same name (the local stack passes it so).
fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .ok()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| non_empty_var(env, name))
}

pub async fn send(env: &Env, delivery: &Delivery) -> Outcome {
    let provider = match provider::provider_for(
        &delivery.sender,
        secret(env, "MAIL_API_KEY"),
        non_empty_var(env, "MAIL_API_URL"),
    ) {
        Ok(provider) => provider,
        Err(reason) => {
            return Outcome::Retry {
                reason: reason.into(),
                after_seconds: None,
            }
        }
    };
    let envelope = Envelope {
        from: &delivery.sender.from,
        to: &delivery.to,
        reply_to: delivery.sender.reply_to.as_deref(),
        idempotency_key: &delivery.idempotency_key,
        message: &delivery.message,
    };
    let Some(request) = provider::request(&provider, &envelope) else {
        worker::console_log!(
            "e-mail (log only) to {}: {}",
            delivery.to,
            delivery.message.subject
        );
        return Outcome::Sent { provider_id: None };
    };
    match call(&request).await {
        Ok((status, body, retry_after)) => {
            provider::outcome(&provider, Some(status), &body, retry_after.as_deref())
        }
        Err(error) => {
            worker::console_warn!("mail provider unreachable: {error}");
            provider::outcome(&provider, None, "", None)
        }
    }
}

async fn call(request: &provider::HttpRequest) -> worker::Result<(u16, String, Option<String>)> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(request.body.clone().into()));
    let signal: worker::AbortSignal =
        worker::web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS).into();
    let mut response = Fetch::Request(Request::new_with_init(&request.url, &init)?)
        .send_with_signal(&signal)
        .await?;
    let status = response.status_code();
    let retry_after = response.headers().get("Retry-After")?;
    // The body is read under the same deadline: a provider that stalls mid-answer times out.
    let body = response.text().await?;
    Ok((status, body, retry_after))
}
