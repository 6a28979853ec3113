//! The HTTP API: matches a request to its handler and turns the outcome into a response.

use crate::api_error::ApiError;
use crate::comune;
use crate::ticket_store::{self, CreateTicket, StoreHealth, TicketWithHistory};
use segnala_core::api::{Health, PublicConfig, PublicTicketView, ReportCreated};
use segnala_core::field_error::parse_json;
use segnala_core::ids::TrackingToken;
use segnala_core::report::ReportRequest;
use segnala_core::routing::route;
use segnala_core::ticket::Ticket;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result, Stub};

/// Largest JSON report accepted (photos travel separately, as multipart).
const MAX_JSON_BODY: usize = 64 * 1024;

pub async fn handle(request: Request, env: Env) -> Result<Response> {
    let path = request.path();
    let outcome = if path == "/api" || path.starts_with("/api/") {
        api(request, &env, &path).await
    } else {
        return not_found_page(&env, request).await;
    };
    let response = match outcome {
        Ok(response) => response,
        Err(error) => error.into_response()?,
    };
    with_api_headers(response)
}

async fn api(request: Request, env: &Env, path: &str) -> std::result::Result<Response, ApiError> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(2).collect();
    let method = request.method();
    match segments.as_slice() {
        ["v1", "health"] => {
            only(&method, Method::Get)?;
            health(env).await
        }
        ["v1", "config"] => {
            only(&method, Method::Get)?;
            let mut response = Response::from_json(&PublicConfig::of(comune::config(env)))?;
            response
                .headers_mut()
                .set("Cache-Control", "public, max-age=300")?;
            Ok(response)
        }
        ["v1", "reports"] => {
            only(&method, Method::Post)?;
            create_report(request, env).await
        }
        ["v1", "reports", token] => {
            only(&method, Method::Get)?;
            show_report(env, token).await
        }
        _ => Err(ApiError::NotFound("API endpoint")),
    }
}

/// A 405 unless the method is the allowed one.
fn only(method: &Method, allowed: Method) -> std::result::Result<(), ApiError> {
    if *method == allowed {
        Ok(())
    } else {
        Err(ApiError::MethodNotAllowed)
    }
}

fn store(env: &Env) -> std::result::Result<Stub, ApiError> {
    let config = comune::config(env);
    Ok(env
        .durable_object(ticket_store::BINDING)?
        .get_by_name(&config.id)?)
}

async fn call_store(
    stub: &Stub,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        init.with_headers(headers).with_body(Some(body.into()));
    }
    stub.fetch_with_request(Request::new_with_init(
        &format!("https://store{path}"),
        &init,
    )?)
    .await
}

async fn health(env: &Env) -> std::result::Result<Response, ApiError> {
    let mut answer = call_store(&store(env)?, Method::Get, "/health", None).await?;
    if answer.status_code() != 200 {
        return Err(ApiError::Internal(format!(
            "store health answered {}",
            answer.status_code()
        )));
    }
    let _: StoreHealth = answer.json().await?;
    let health = Health {
        status: "ok",
        version: segnala_core::VERSION,
        comune: comune::config(env).id.clone(),
    };
    let mut response = Response::from_json(&health)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn create_report(mut request: Request, env: &Env) -> std::result::Result<Response, ApiError> {
    let content_type = request.headers().get("Content-Type")?.unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let declared = request
        .headers()
        .get("Content-Length")?
        .and_then(|length| length.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_JSON_BODY) {
        return Err(ApiError::PayloadTooLarge(MAX_JSON_BODY));
    }
    let bytes = request.bytes().await?;
    if bytes.len() > MAX_JSON_BODY {
        return Err(ApiError::PayloadTooLarge(MAX_JSON_BODY));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::Validation(segnala_core::field_error::FieldErrors(vec![
            segnala_core::field_error::FieldError::new(
                "",
                "malformed_json",
                "the body is not UTF-8 text",
            ),
        ]))
    })?;
    let config = comune::config(env);
    let report = parse_json::<ReportRequest>(&text)?.validate(config)?;
    let routing = route(config, &report);
    let command = serde_json::to_string(&CreateTicket { report, routing })
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut answer = call_store(&store(env)?, Method::Post, "/tickets", Some(command)).await?;
    if answer.status_code() != 201 {
        return Err(ApiError::Internal(format!(
            "store answered {}",
            answer.status_code()
        )));
    }
    let ticket: Ticket = answer.json().await?;
    let created = ReportCreated::of(&ticket, config);
    let mut response = Response::from_json(&created)?.with_status(201);
    response.headers_mut().set(
        "Location",
        &format!("/api/v1/reports/{}", ticket.tracking_token),
    )?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn show_report(env: &Env, token: &str) -> std::result::Result<Response, ApiError> {
    // A malformed token cannot open anything: same answer as an unknown one.
    let token = TrackingToken::parse(token).map_err(|_| ApiError::NotFound("Report"))?;
    let mut answer = call_store(
        &store(env)?,
        Method::Get,
        &format!("/tickets/by-token/{token}"),
        None,
    )
    .await?;
    match answer.status_code() {
        200 => {}
        404 => return Err(ApiError::NotFound("Report")),
        other => return Err(ApiError::Internal(format!("store answered {other}"))),
    }
    let found: TicketWithHistory = answer.json().await?;
    let view = PublicTicketView::of(&found.ticket, &found.events, comune::config(env));
    let mut response = Response::from_json(&view)?;
    // The URL is a secret capability: keep it out of shared caches and referrers.
    response
        .headers_mut()
        .set("Cache-Control", "private, no-store")?;
    response
        .headers_mut()
        .set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}

fn with_api_headers(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    headers.set("X-Content-Type-Options", "nosniff")?;
    if !headers.has("Cache-Control")? {
        headers.set("Cache-Control", "no-store")?;
    }
    Ok(response)
}

/// Paths that are neither assets nor API get the site's 404 page.
async fn not_found_page(env: &Env, request: Request) -> Result<Response> {
    let page = request.url()?.join("/404.html")?;
    let mut answer = env.assets("ASSETS")?.fetch(page.to_string(), None).await?;
    let body = answer.text().await?;
    let mut response = Response::from_html(body)?.with_status(404);
    response
        .headers_mut()
        .set("X-Content-Type-Options", "nosniff")?;
    Ok(response)
}
