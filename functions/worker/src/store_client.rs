//! The Worker's side of the internal protocol with the comune's ticket store.

use crate::api_error::ApiError;
use crate::comune;
use crate::tenant::Env;
use crate::ticket_store::{
    self, CreateOutcome, StoreHealth, API_KEY_REVOKED, IDEMPOTENCY_CONFLICT, RATE_LIMITED,
};
use segnala_core::citizen_access::{LinkRefused, SignedIn, TooManyLinks};
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::ids::TrackingToken;
use segnala_core::nearby::{NearbyQuery, NearbyReport};
use segnala_core::open_data::query::OpenDataQuery;
use segnala_core::open_data::record::ReportRow;
use segnala_core::rate_limit::Charge;
use segnala_core::store::open_data::{DataVersion, ReportsPage};
use segnala_core::store::public_reports::PublicReport;
use segnala_core::store::{NewTicket, TicketRecord};
use segnala_core::subscription::{FollowRefused, SubscriptionView};
use worker::{Headers, Method, Request, RequestInit, Response, Result, Stub};

fn stub(env: &Env) -> std::result::Result<Stub, ApiError> {
    Ok(env
        .durable_object(ticket_store::BINDING)?
        .get_by_name(env.comune())?)
}

async fn call(env: &Env, method: Method, path: &str, body: Option<String>) -> Result<Response> {
    let stub = stub(env).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(method);
    let headers = Headers::new();
    headers.set(ticket_store::COMUNE_HEADER, env.comune())?;
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.with_body(Some(body.into()));
    }
    init.with_headers(headers);
    stub.fetch_with_request(Request::new_with_init(
        &format!("https://store{path}"),
        &init,
    )?)
    .await
}

pub async fn health(env: &Env) -> std::result::Result<StoreHealth, ApiError> {
    let mut answer = call(env, Method::Get, "/health", None).await?;
    if answer.status_code() != 200 {
        return Err(ApiError::Internal(format!(
            "store health answered {}",
            answer.status_code()
        )));
    }
    Ok(answer.json().await?)
}

pub async fn create(env: &Env, new: &NewTicket) -> std::result::Result<CreateOutcome, ApiError> {
    if comune::Faults::from_env(env).ticket_store {
        return Err(ApiError::Internal(
            "simulated ticket store failure (FAULTS)".into(),
        ));
    }
    let body = serde_json::to_string(new).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call(env, Method::Post, "/tickets", Some(body)).await?;
    match answer.status_code() {
        200 | 201 => Ok(answer.json().await?),
        IDEMPOTENCY_CONFLICT => Err(ApiError::Validation(FieldErrors(vec![FieldError::new(
            "idempotency_key",
            "idempotency_key_reused",
            "this key was already used for a different report",
        )]))),
        API_KEY_REVOKED => Err(ApiError::Forbidden(
            "api_key_revoked",
            "the API key was revoked".into(),
        )),
        RATE_LIMITED => Err(ApiError::RateLimited(answer.json().await?)),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// Whether a submission with these charges would be admitted now, counting nothing:
/// asked before its photos are stored, so that a refused flood costs no object writes.
pub async fn rate_check(env: &Env, charges: &[Charge]) -> std::result::Result<(), ApiError> {
    if charges.is_empty() {
        return Ok(());
    }
    let body = serde_json::to_string(charges).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, "/rate-limits/check", body).await?;
    match answer.status_code() {
        200 => Ok(()),
        RATE_LIMITED => Err(ApiError::RateLimited(answer.json().await?)),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

pub async fn find(
    env: &Env,
    token: &TrackingToken,
) -> std::result::Result<Option<TicketRecord>, ApiError> {
    let answer = call(
        env,
        Method::Get,
        &format!("/tickets/by-token/{token}"),
        None,
    )
    .await?;
    found_or_none(answer).await
}

/// A staff operation: the value answered, or the store's refusal.
pub async fn staff(
    env: &Env,
    request: &crate::staff_protocol::StaffCall,
) -> std::result::Result<
    std::result::Result<serde_json::Value, crate::staff_protocol::StaffRefusal>,
    ApiError,
> {
    let body = serde_json::to_string(request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call(env, Method::Post, "/staff", Some(body)).await?;
    match answer.status_code() {
        200 => Ok(Ok(answer.json().await?)),
        crate::staff_protocol::REFUSED => Ok(Err(answer.json().await?)),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// An outbox operation on the comune's store (claim, record, dead letter, sweep).
pub async fn outbox<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    env: &Env,
    path: &str,
    body: &B,
) -> Result<T> {
    let body = serde_json::to_string(body)?;
    let mut answer = call(env, Method::Post, path, Some(body)).await?;
    match answer.status_code() {
        200 => answer.json().await,
        other => Err(worker::Error::RustError(format!(
            "store answered {other} to {path}"
        ))),
    }
}

/// The ticket a confirmation code belongs to, confirming nothing.
pub async fn email_confirmation(
    env: &Env,
    code: &TrackingToken,
) -> std::result::Result<Option<segnala_core::ticket::Ticket>, ApiError> {
    let answer = call(env, Method::Get, &format!("/conferma-email/{code}"), None).await?;
    found_or_none(answer).await
}

/// Confirms a citizen's address; the ticket whose code it was, if any.
pub async fn confirm_email(
    env: &Env,
    code: &TrackingToken,
) -> std::result::Result<Option<segnala_core::ticket::Ticket>, ApiError> {
    let answer = call(env, Method::Post, &format!("/conferma-email/{code}"), None).await?;
    found_or_none(answer).await
}

/// The store's data version (its last history event), for entity tags.
pub async fn open_data_version(env: &Env) -> std::result::Result<DataVersion, ApiError> {
    let mut answer = call(env, Method::Get, "/open-data/version", None).await?;
    match answer.status_code() {
        200 => Ok(answer.json().await?),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// One page of public records; `None` when the cursor names no report.
pub async fn open_data_page(
    env: &Env,
    call: &crate::open_data::PageCall,
) -> std::result::Result<Option<ReportsPage>, ApiError> {
    let body = serde_json::to_string(call).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = call_store(env, "/open-data/reports", body).await?;
    found_or_none(answer).await
}

/// The statistics as the store wrote them (JSON), passed on as they are.
pub async fn open_data_statistics(
    env: &Env,
    query: &OpenDataQuery,
) -> std::result::Result<String, ApiError> {
    let body = serde_json::to_string(query).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, "/open-data/statistics", body).await?;
    match answer.status_code() {
        200 => Ok(answer.text().await?),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// The store's answer to a lookup: the value found, or `None` for its 404.
async fn found_or_none<T: serde::de::DeserializeOwned>(
    mut answer: Response,
) -> std::result::Result<Option<T>, ApiError> {
    match answer.status_code() {
        200 => Ok(Some(answer.json().await?)),
        404 => Ok(None),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

async fn call_store(env: &Env, path: &str, body: String) -> Result<Response> {
    call(env, Method::Post, path, Some(body)).await
}

/// The id of the active client key with this hash, noting its use; `None` if there is none.
pub async fn open311_key(
    env: &Env,
    key_hash: &str,
) -> std::result::Result<Option<String>, ApiError> {
    let body = serde_json::to_string(key_hash).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = call_store(env, "/open311/key", body).await?;
    found_or_none(answer).await
}

/// The reports an Open311 selection names, as the store's rows.
pub async fn open311_rows(
    env: &Env,
    call: &crate::open311::RequestsCall,
) -> std::result::Result<Vec<ReportRow>, ApiError> {
    let body = serde_json::to_string(call).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, "/open311/requests", body).await?;
    match answer.status_code() {
        200 => Ok(answer.json().await?),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// The public number behind an Open311 token, if any.
pub async fn open311_token(
    env: &Env,
    token: &str,
) -> std::result::Result<Option<String>, ApiError> {
    let body = serde_json::to_string(token).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = call_store(env, "/open311/token", body).await?;
    found_or_none(answer).await
}

/// A citizen's follow-up: the ticket as it is afterwards, or why the store refused it.
pub async fn follow_up(
    env: &Env,
    request: &crate::ticket_store::FollowUpCall,
) -> std::result::Result<
    std::result::Result<TicketRecord, crate::ticket_store::FollowUpRefusal>,
    ApiError,
> {
    refusable(env, "/follow-up", request).await
}

/// A store operation that either succeeds with a value or is refused with a reason (its
/// `REFUSED` status); `()` reads the store's `null`.
async fn refusable<
    B: serde::Serialize,
    T: serde::de::DeserializeOwned,
    E: serde::de::DeserializeOwned,
>(
    env: &Env,
    path: &str,
    body: &B,
) -> std::result::Result<std::result::Result<T, E>, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, path, body).await?;
    match answer.status_code() {
        200 => Ok(Ok(answer.json().await?)),
        crate::ticket_store::REFUSED => Ok(Err(answer.json().await?)),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// Asks to follow a report: `Err` with the store's reason when it cannot be followed.
pub async fn follow(
    env: &Env,
    call: &crate::ticket_store::FollowCall,
) -> std::result::Result<std::result::Result<(), FollowRefused>, ApiError> {
    refusable(env, "/subscriptions/follow", call).await
}

/// What a subscription's secret link does: `lookup`, `confirm` or `unsubscribe`.
pub async fn subscription(
    env: &Env,
    operation: &str,
    secret: &TrackingToken,
) -> std::result::Result<Option<SubscriptionView>, ApiError> {
    let body = serde_json::to_string(secret).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = call_store(env, &format!("/subscriptions/{operation}"), body).await?;
    found_or_none(answer).await
}

/// A report's public page, if there is such a report.
pub async fn public_report(
    env: &Env,
    call: &crate::ticket_store::PublicReportCall,
) -> std::result::Result<Option<PublicReport>, ApiError> {
    let body = serde_json::to_string(call).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = call_store(env, "/public-report", body).await?;
    found_or_none(answer).await
}

/// Open reports near a point, to follow instead of filing another.
pub async fn nearby(
    env: &Env,
    query: &NearbyQuery,
) -> std::result::Result<Vec<NearbyReport>, ApiError> {
    let body = serde_json::to_string(query).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, "/nearby", body).await?;
    match answer.status_code() {
        200 => Ok(answer.json().await?),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}

/// Asks for a sign-in link: `Err` when the address had too many today.
pub async fn citizen_sign_in(
    env: &Env,
    call: &crate::ticket_store::SignInCall,
) -> std::result::Result<std::result::Result<(), TooManyLinks>, ApiError> {
    refusable(env, "/citizen/sign-in", call).await
}

/// Uses a sign-in link: whom it signs in, or why not.
pub async fn citizen_redeem(
    env: &Env,
    secret: &TrackingToken,
) -> std::result::Result<std::result::Result<SignedIn, LinkRefused>, ApiError> {
    refusable(env, "/citizen/redeem", secret).await
}

/// A store call about one citizen that answers JSON: their reports, data, or erasure.
pub async fn citizen<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    env: &Env,
    path: &str,
    body: &B,
) -> std::result::Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(env, path, body).await?;
    match answer.status_code() {
        200 => Ok(answer.json().await?),
        other => Err(ApiError::Internal(format!("store answered {other}"))),
    }
}
