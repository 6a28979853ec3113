//! Open311 GeoReport v2 under `/open311/`: reads the request, asks the core and the store,
//! and answers in the format the path's extension names. Every failure is the spec's
//! error list, in that format, with its HTTP status. Reading needs no key; filing a report
//! needs an administrator's key and goes through the same validation, routing and store
//! as the web form.

use crate::api_error::ApiError;
use crate::comune;
use crate::platform::now;
use crate::routes::query_pairs;
use crate::store_client;
use crate::submission;
use crate::tenant::Env;
use segnala_core::api_keys::hash_of;
use segnala_core::config::ComuneConfig;
use segnala_core::idempotency;
use segnala_core::open311::discovery::discovery;
use segnala_core::open311::document::{Document, Format};
use segnala_core::open311::requests::{
    created_document, requests_document, selection, service_notice, service_request,
    token_document, Selection,
};
use segnala_core::open311::services::{definition, services};
use segnala_core::open311::submission::Open311Post;
use segnala_core::open311::{body_tag, jurisdiction_matches, Open311Error, MAX_RESULTS};
use segnala_core::open_data::matches_tag;
use segnala_core::open_data::record::ReportRow;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{js_sys, FormData, Headers, Method, Request, Response};

type Result<T> = std::result::Result<T, Open311Error>;

/// Largest form body of a report (the spec's fields; photos travel as `media_url`).
const MAX_FORM_BODY: usize = 64 * 1024;
const SERVICES_CACHE: &str = "public, max-age=300";
const REQUESTS_CACHE: &str = "public, max-age=60";

/// What the Worker asks the store for.
#[derive(Serialize, Deserialize)]
pub struct RequestsCall {
    pub selection: Selection,
    pub limit: u32,
}

/// The answer's body, format and caching.
struct Answer {
    document: Document,
    status: u16,
    cache: Option<&'static str>,
}

impl Answer {
    fn ok(document: Document, cache: &'static str) -> Self {
        Self {
            document,
            status: 200,
            cache: Some(cache),
        }
    }
}

/// `path` starts with `/open311/`.
pub async fn handle(request: Request, env: &Env, path: &str) -> worker::Result<Response> {
    let rest = &path["/open311/".len()..];
    // The format of an error follows the extension asked for, JSON when there is none.
    let format = rest
        .rsplit('/')
        .next()
        .and_then(Format::split)
        .map_or(Format::Json, |(_, format)| format);
    if request.method() == Method::Options {
        return preflight();
    }
    let if_none_match = request.headers().get("If-None-Match")?;
    let answer = match route(request, env, rest).await {
        Ok(answer) => answer,
        Err(error) => Answer {
            document: error.document(),
            status: error.status,
            cache: None,
        },
    };
    respond(answer, format, if_none_match.as_deref())
}

async fn route(request: Request, env: &Env, rest: &str) -> Result<Answer> {
    // HEAD is a GET whose body the runtime leaves out.
    let method = match request.method() {
        Method::Head => Method::Get,
        other => other,
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let Some((stem, _)) = segments.last().and_then(|name| Format::split(name)) else {
        return Err(not_found());
    };
    let config = comune::config(env);
    let get_only = |method: &Method| {
        if *method == Method::Get {
            Ok(())
        } else {
            Err(Open311Error::new(405, "method: only GET is possible here"))
        }
    };
    if method == Method::Get {
        let url = request.url().map_err(internal)?;
        let jurisdiction = query_pairs(&url)
            .into_iter()
            .find(|(k, _)| k == "jurisdiction_id")
            .map(|(_, v)| v);
        jurisdiction_matches(jurisdiction.as_deref(), &config.id)?;
    }
    match segments.as_slice() {
        [_] | ["v2", _] if stem == "discovery" => {
            get_only(&method)?;
            Ok(Answer::ok(
                discovery(config, &config.public_url),
                SERVICES_CACHE,
            ))
        }
        ["v2", _] if stem == "services" => {
            get_only(&method)?;
            Ok(Answer::ok(services(config), SERVICES_CACHE))
        }
        ["v2", "services", _] => {
            get_only(&method)?;
            let document = definition(config, stem).ok_or_else(|| {
                Open311Error::not_found(format!("service_code: no service has code {stem:?}"))
            })?;
            Ok(Answer::ok(document, SERVICES_CACHE))
        }
        ["v2", _] if stem == "requests" => match method {
            Method::Get => list(&request, env).await,
            Method::Post => file(request, env).await,
            _ => Err(Open311Error::new(
                405,
                "method: GET to read requests, POST to file one",
            )),
        },
        ["v2", "requests", _] => {
            get_only(&method)?;
            let rows = store_client::open311_rows(
                env,
                &RequestsCall {
                    selection: Selection::Numbers(vec![stem.to_string()]),
                    limit: 1,
                },
            )
            .await
            .map_err(internal)?;
            if rows.is_empty() {
                return Err(Open311Error::not_found(format!(
                    "service_request_id: no request has id {stem:?}"
                )));
            }
            Ok(Answer::ok(service_requests(rows, config)?, REQUESTS_CACHE))
        }
        ["v2", "tokens", _] => {
            get_only(&method)?;
            let number = store_client::open311_token(env, stem)
                .await
                .map_err(internal)?
                .ok_or_else(|| Open311Error::not_found(format!("token: no token {stem:?}")))?;
            Ok(Answer::ok(token_document(&number, stem), REQUESTS_CACHE))
        }
        _ => Err(not_found()),
    }
}

fn not_found() -> Open311Error {
    Open311Error::not_found(
        "no such endpoint: see /open311/discovery.json (services, requests, tokens under /open311/v2/, each .json or .xml)",
    )
}

/// A failure the client cannot fix: logged, answered without details.
fn internal(error: impl std::fmt::Display) -> Open311Error {
    worker::console_error!("open311: {error}");
    Open311Error::new(500, "the service could not answer; try again later")
}

/// The rows as the spec's list of service requests.
fn service_requests(rows: Vec<ReportRow>, config: &ComuneConfig) -> Result<Document> {
    let items = rows
        .into_iter()
        .map(|row| service_request(row, config, now()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(internal)?;
    Ok(requests_document(items))
}

async fn list(request: &Request, env: &Env) -> Result<Answer> {
    let url = request.url().map_err(internal)?;
    let selection = selection(&query_pairs(&url), now())?;
    let rows = store_client::open311_rows(
        env,
        &RequestsCall {
            selection,
            limit: MAX_RESULTS,
        },
    )
    .await
    .map_err(internal)?;
    Ok(Answer::ok(
        service_requests(rows, comune::config(env))?,
        REQUESTS_CACHE,
    ))
}

/// `POST requests`: the key first (nobody learns anything about validation without one),
/// then the report, filed like a web form's.
async fn file(mut request: Request, env: &Env) -> Result<Answer> {
    let kind = submission::content_type(&request);
    // As the spec says; multipart would also bring files, which GeoReport v2 has none of.
    if !kind.starts_with("application/x-www-form-urlencoded") {
        return Err(Open311Error::bad_request(
            "Content-Type: send the fields as application/x-www-form-urlencoded",
        ));
    }
    let form = match crate::body::form(&mut request, MAX_FORM_BODY).await {
        Ok(Some(form)) => form,
        Ok(None) => {
            return Err(Open311Error::bad_request(
                "the form fields could not be read",
            ))
        }
        Err(ApiError::PayloadTooLarge(_)) => return Err(too_large()),
        Err(error) => return Err(internal(error)),
    };
    let pairs = text_fields(form).map_err(internal)?;
    if pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() > MAX_FORM_BODY {
        return Err(too_large());
    }
    let post = Open311Post::read(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let config = comune::config(env);
    let Some(key) = post.credentials.api_key.as_deref() else {
        return Err(Open311Error::new(
            403,
            "api_key: filing a report needs the key the comune gave your application",
        ));
    };
    let key_id = store_client::open311_key(env, &hash_of(key))
        .await
        .map_err(internal)?
        .ok_or_else(|| Open311Error::new(403, "api_key: not a valid key"))?;
    jurisdiction_matches(post.credentials.jurisdiction_id.as_deref(), &config.id)?;
    let report = post
        .validate(config)
        .map_err(|errors| Open311Error::from_fields(&errors))?;
    // A client that retries after a lost answer gets the same ticket, as a web form does;
    // the key is part of it, so two applications never share a ticket by chance.
    let idempotency = idempotency::content_key(format!(
        "open311:{key_id}:{}",
        idempotency::fingerprint(&report, &[])
    ));
    let category = report.category.clone();
    let charges = segnala_core::rate_limit::charges_for_report(config, None, None, Some(&key_id));
    let filed = submission::store(
        env,
        report,
        vec![],
        Some(idempotency),
        Some(key_id),
        charges,
    )
    .await
    .map_err(|error| match error {
        ApiError::Forbidden(..) => Open311Error::new(403, "api_key: the key was revoked"),
        ApiError::RateLimited(refusal) => Open311Error::new(
            429,
            format!(
                "api_key: too many requests; {} Retry in {} seconds.",
                refusal.scope.explanation(),
                refusal.retry_after_seconds
            ),
        ),
        other => internal(other),
    })?;
    let ticket = filed.ticket;
    Ok(Answer {
        document: created_document(
            &ticket.public_number.to_string(),
            &ticket.id.to_string(),
            service_notice(config, &category),
        ),
        status: if filed.replayed { 200 } else { 201 },
        cache: None,
    })
}

/// Every field of the form, in order.
fn text_fields(form: FormData) -> worker::Result<Vec<(String, String)>> {
    let form: JsValue = form.into();
    let entries = js_sys::try_iter(&form)
        .map_err(|_| worker::Error::RustError("form data is not iterable".into()))?
        .ok_or_else(|| worker::Error::RustError("form data is not iterable".into()))?;
    let mut pairs = Vec::new();
    for entry in entries {
        let entry =
            js_sys::Array::from(&entry.map_err(|_| worker::Error::RustError("form entry".into()))?);
        if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((name, value));
        }
    }
    Ok(pairs)
}

fn too_large() -> Open311Error {
    Open311Error::new(
        413,
        "the request is larger than 64 KB; photos go by media_url",
    )
}

fn respond(
    answer: Answer,
    format: Format,
    if_none_match: Option<&str>,
) -> worker::Result<Response> {
    let body = answer.document.render(format);
    let mut headers = Headers::new();
    headers.set("Content-Type", format.content_type())?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    cors(&mut headers)?;
    match answer.cache {
        Some(cache) if answer.status == 200 => {
            let tag = body_tag(&body);
            headers.set("ETag", &tag)?;
            headers.set("Cache-Control", cache)?;
            if if_none_match.is_some_and(|held| matches_tag(held, &tag)) {
                return Ok(Response::empty()?.with_status(304).with_headers(headers));
            }
        }
        _ => headers.set("Cache-Control", "no-store")?,
    }
    Ok(Response::ok(body)?
        .with_status(answer.status)
        .with_headers(headers))
}

/// Readable from any web page: the data is public, and filing needs a key anyway.
fn cors(headers: &mut Headers) -> worker::Result<()> {
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set("Access-Control-Expose-Headers", "ETag")?;
    Ok(())
}

fn preflight() -> worker::Result<Response> {
    let mut headers = Headers::new();
    cors(&mut headers)?;
    headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")?;
    headers.set(
        "Access-Control-Allow-Headers",
        "Content-Type, If-None-Match",
    )?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}
