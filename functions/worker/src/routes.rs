//! Which handler answers which request of one comune: the API, the pages the Worker
//! fills, and the comune's static pages (`assets.rs`); shared styles and scripts never
//! get here (Workers Static Assets serves them first).

use crate::api_error::ApiError;
use crate::comune;
use crate::pages::{self, FormProblem};
use crate::photo_storage;
use crate::store_client;
use crate::submission::{self, Submission};
use crate::tenant::Env;
use segnala_core::api::{tracking_path, Health, PublicConfig, PublicTicketView, ReportCreated};
use segnala_core::ids::TrackingToken;
use segnala_core::report::Language;
use segnala_core::security_headers::{self, Answer};
use worker::{Headers, Method, Request, Response, Result, Url};

pub async fn handle(request: Request, env: Env) -> Result<Response> {
    let response = answer(request, env.clone()).await?;
    secured(response, comune::config(&env))
}

/// Adds the security headers the handler did not set itself (`security_headers`). The
/// headers of an answer from the assets server cannot be changed, so they are copied.
fn secured(response: Response, config: &segnala_core::config::ComuneConfig) -> Result<Response> {
    let own = response.headers();
    let kind = Answer::of_content_type(own.get("Content-Type")?.as_deref());
    let headers = Headers::new();
    for (name, value) in own.entries() {
        headers.append(&name, &value)?;
    }
    for (name, value) in security_headers::headers(config, kind) {
        if !headers.has(name)? {
            headers.set(name, &value)?;
        }
    }
    Ok(response.with_headers(headers))
}

async fn answer(request: Request, env: Env) -> Result<Response> {
    let path = request.path();
    if path == "/api" || path.starts_with("/api/") {
        let response = match api(request, &env, &path).await {
            Ok(response) => response,
            Err(error) => error.into_response()?,
        };
        return with_api_headers(response);
    }
    if path.starts_with("/open311/") {
        return crate::open311::handle(request, &env, &path).await;
    }
    if path == "/staff" || path.starts_with("/staff/") {
        return crate::staff_pages::handle(request, &env, &path).await;
    }
    match site(request, &env, &path).await {
        Ok(response) => Ok(response),
        Err(error) => {
            worker::console_error!("page {path}: {error}");
            let mut response = pages::not_found(&env).await?.with_status(500);
            response.headers_mut().set("Cache-Control", "no-store")?;
            Ok(response)
        }
    }
}

async fn api(request: Request, env: &Env, path: &str) -> std::result::Result<Response, ApiError> {
    if path.starts_with("/api/v1/staff/") {
        return crate::staff_api::handle(request, env, path).await;
    }
    if let Some(file) = path.strip_prefix("/api/v1/open-data/") {
        return crate::open_data::handle(request, env, file).await;
    }
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
            let submission = submission::read_api(request, env).await?;
            create_report(env, submission).await
        }
        ["v1", "citizen", segment] => crate::my_reports::api(request, env, segment).await,
        ["v1", "reports", "nearby"] => {
            only(&method, Method::Get)?;
            crate::following::nearby_api(&request, env).await
        }
        ["v1", "public-reports", number] => {
            only(&method, Method::Get)?;
            let english = request
                .url()?
                .query_pairs()
                .any(|(k, v)| k == "lang" && v == "en");
            let language = if english { Language::En } else { Language::It };
            crate::following::public_report_api(env, number, language).await
        }
        ["v1", "public-reports", number, "subscriptions"] => {
            only(&method, Method::Post)?;
            crate::following::follow_api(request, env, number).await
        }
        ["v1", "reports", token] => {
            only(&method, Method::Get)?;
            show_report(env, token).await
        }
        ["v1", "reports", token, action] if crate::follow_up::What::of_api(action).is_some() => {
            only(&method, Method::Post)?;
            let what = crate::follow_up::What::of_api(action).expect("checked");
            crate::follow_up::api(request, env, token, what).await
        }
        ["v1", "reports", token, "photos", position] => {
            only(&method, Method::Get)?;
            photo(env, token, position, false).await
        }
        ["v1", "reports", token, "photos", position, "thumbnail"] => {
            only(&method, Method::Get)?;
            photo(env, token, position, true).await
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

async fn health(env: &Env) -> std::result::Result<Response, ApiError> {
    store_client::health(env).await?;
    let health = Health {
        status: "ok",
        version: segnala_core::VERSION,
        comune: comune::config(env).id.clone(),
    };
    let mut response = Response::from_json(&health)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn create_report(
    env: &Env,
    submission: Submission,
) -> std::result::Result<Response, ApiError> {
    let filed = submission::file(env, submission).await?;
    let created = ReportCreated::of(&filed.ticket, comune::config(env));
    // 201 for a new ticket; 200 with the same body when a retry found the first one.
    let status = if filed.replayed { 200 } else { 201 };
    let mut response = Response::from_json(&created)?.with_status(status);
    let headers = response.headers_mut();
    headers.set(
        "Location",
        &format!("/api/v1/reports/{}", filed.ticket.tracking_token),
    )?;
    headers.set("Cache-Control", "no-store")?;
    if filed.replayed {
        headers.set("Idempotent-Replayed", "true")?;
    }
    Ok(response)
}

async fn find(
    env: &Env,
    token: &str,
) -> std::result::Result<segnala_core::store::TicketRecord, ApiError> {
    // A malformed token cannot open anything: same answer as an unknown one.
    let token = TrackingToken::parse(token).map_err(|_| ApiError::NotFound("Report"))?;
    store_client::find(env, &token)
        .await?
        .ok_or(ApiError::NotFound("Report"))
}

async fn show_report(env: &Env, token: &str) -> std::result::Result<Response, ApiError> {
    let record = find(env, token).await?;
    let view = PublicTicketView::of(&record, comune::config(env));
    let mut response = Response::from_json(&view)?;
    // The URL is a secret capability: keep it out of shared caches and referrers.
    response
        .headers_mut()
        .set("Cache-Control", "private, no-store")?;
    response
        .headers_mut()
        .set("Referrer-Policy", "same-origin")?;
    Ok(response)
}

async fn photo(
    env: &Env,
    token: &str,
    position: &str,
    thumbnail: bool,
) -> std::result::Result<Response, ApiError> {
    let record = find(env, token).await?;
    let photo = position
        .parse::<u8>()
        .ok()
        .and_then(|p| record.photos.iter().find(|photo| photo.position == p))
        .ok_or(ApiError::NotFound("Photo"))?;
    let key = if thumbnail {
        photo.thumbnail_key.as_deref()
    } else {
        Some(photo.object_key.as_str())
    };
    let key = key.ok_or(ApiError::NotFound("Photo"))?;
    let bytes = photo_storage::read(env, key)
        .await?
        .ok_or(ApiError::NotFound("Photo"))?;
    let format = segnala_core::photo::PhotoFormat::sniff(&bytes)
        .ok_or_else(|| ApiError::Internal(format!("stored object {key} is not an image")))?;
    let filename = format!(
        "segnalazione-{}-{}.{}",
        record.ticket.public_number,
        photo.position,
        format.extension()
    );
    let mut response = Response::from_bytes(bytes)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", format.content_type())?;
    headers.set("Cache-Control", "private, max-age=3600")?;
    headers.set("Content-Security-Policy", "default-src 'none'; sandbox")?;
    headers.set("Referrer-Policy", "same-origin")?;
    headers.set(
        "Content-Disposition",
        &format!("inline; filename=\"{filename}\""),
    )?;
    Ok(response)
}

/// The query string's pairs, decoded, in order.
pub(crate) fn query_pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn with_api_headers(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    if !headers.has("Cache-Control")? {
        headers.set("Cache-Control", "no-store")?;
    }
    Ok(response)
}

/// Pages: form posts without JavaScript, tracking pages, tracking lookup, the dashboard;
/// else 404.
async fn site(request: Request, env: &Env, path: &str) -> Result<Response> {
    let method = request.method();
    let trimmed = path.trim_end_matches('/');
    match (method, trimmed) {
        (Method::Post, "/segnala/invia") => form_post(request, env, Language::It).await,
        (Method::Post, "/en/report/send") => form_post(request, env, Language::En).await,
        (Method::Get, "/cruscotto") => crate::dashboard::page(request, env, Language::It).await,
        (Method::Get, "/en/dashboard") => crate::dashboard::page(request, env, Language::En).await,
        (Method::Get, "/segnalazione/cerca") => lookup(request, env, Language::It).await,
        (Method::Get, "/en/reports/find") => lookup(request, env, Language::En).await,
        (Method::Post, _) if follow_up_post(trimmed).is_some() => {
            let (language, token, what) = follow_up_post(trimmed).expect("checked");
            crate::follow_up::page(request, env, language, token, what).await
        }
        (Method::Get, _) if trimmed.starts_with("/segnalazione/") => {
            tracking(
                request,
                env,
                Language::It,
                &trimmed["/segnalazione/".len()..],
            )
            .await
        }
        (Method::Get, _) if trimmed.starts_with("/en/reports/") => {
            tracking(request, env, Language::En, &trimmed["/en/reports/".len()..]).await
        }
        (Method::Get, "/le-mie-segnalazioni") => {
            crate::my_reports::page(request, env, Language::It).await
        }
        (Method::Get, "/en/my-reports") => {
            crate::my_reports::page(request, env, Language::En).await
        }
        (
            Method::Post,
            "/le-mie-segnalazioni/accedi"
            | "/le-mie-segnalazioni/esci"
            | "/le-mie-segnalazioni/cancella",
        ) => {
            let action = &trimmed["/le-mie-segnalazioni/".len()..];
            crate::my_reports::form_post(request, env, action).await
        }
        (Method::Get | Method::Post, _) if trimmed.starts_with("/le-mie-segnalazioni/accesso/") => {
            let secret = &trimmed["/le-mie-segnalazioni/accesso/".len()..];
            crate::my_reports::link(request, env, Language::It, secret).await
        }
        (Method::Get | Method::Post, _) if trimmed.starts_with("/en/my-reports/link/") => {
            let secret = &trimmed["/en/my-reports/link/".len()..];
            crate::my_reports::link(request, env, Language::En, secret).await
        }
        (_, _) if public_report_path(trimmed).is_some() => {
            let (language, number, follow) = public_report_path(trimmed).expect("checked");
            match (request.method(), follow) {
                (Method::Get, false) => crate::following::page(env, language, number).await,
                (Method::Post, true) => {
                    crate::following::page_post(request, env, language, number).await
                }
                _ => pages::not_found(env).await,
            }
        }
        (method @ (Method::Get | Method::Post), _) if trimmed.starts_with("/segui/") => {
            match trimmed["/segui/".len()..].split_once('/') {
                Some((secret, what)) => {
                    crate::following::subscription_page(env, secret, what, method == Method::Post)
                        .await
                }
                None => pages::not_found(env).await,
            }
        }
        (Method::Get, _) if trimmed.starts_with("/conferma-email/") => {
            email_confirmation_page(env, &trimmed["/conferma-email/".len()..]).await
        }
        (Method::Post, _) if trimmed.starts_with("/conferma-email/") => {
            confirm_email(env, &trimmed["/conferma-email/".len()..]).await
        }
        (method, _) if crate::assets::reads(&method) => {
            match crate::assets::static_page(&request, env).await? {
                Some(page) => Ok(page),
                None => pages::not_found(env).await,
            }
        }
        _ => pages::not_found(env).await,
    }
}

/// A request for a host this deployment serves no comune at: nothing of any comune's is
/// shown (and the API says so in JSON), with every security header all the same.
pub fn no_comune_here(path: &str, over_https: bool) -> Result<Response> {
    let mut response = if path.starts_with("/api/") || path.starts_with("/open311/") {
        Response::from_json(&serde_json::json!({
            "error": "unknown_host",
            "message": "no comune is served at this address",
        }))?
    } else {
        Response::from_html(
            "<!doctype html><html lang=\"it\"><meta charset=\"utf-8\"><title>Indirizzo sconosciuto</title>\
             <p>Nessun comune è servito a questo indirizzo.</p>\
             <p lang=\"en\">No comune is served at this address.</p></html>",
        )?
    };
    response = response.with_status(404);
    let headers = response.headers_mut();
    headers.set("Cache-Control", "no-store")?;
    for (name, value) in security_headers::without_comune(over_https) {
        headers.set(name, &value)?;
    }
    Ok(response)
}

/// A report's public page (`/segnalazioni/{number}`, `/en/public-reports/{number}`) or its
/// follow form's address (`.../segui`, `.../follow`): the language, the number as written,
/// and whether it is the form's.
fn public_report_path(path: &str) -> Option<(Language, &str, bool)> {
    let (language, rest, follow) = if let Some(rest) = path.strip_prefix("/segnalazioni/") {
        (Language::It, rest, "/segui")
    } else {
        (
            Language::En,
            path.strip_prefix("/en/public-reports/")?,
            "/follow",
        )
    };
    match rest.strip_suffix(follow) {
        Some(number) if !number.contains('/') => Some((language, number, true)),
        _ if !rest.contains('/') && !rest.is_empty() => Some((language, rest, false)),
        _ => None,
    }
}

/// A tracking page's follow-up form post: `/segnalazione/{token}/messaggio`,
/// `/en/reports/{token}/message`...
fn follow_up_post(path: &str) -> Option<(Language, &str, crate::follow_up::What)> {
    let (language, rest) = path
        .strip_prefix("/segnalazione/")
        .map(|rest| (Language::It, rest))
        .or_else(|| {
            path.strip_prefix("/en/reports/")
                .map(|rest| (Language::En, rest))
        })?;
    let (token, action) = rest.split_once('/')?;
    Some((language, token, crate::follow_up::What::of_page(action)?))
}

async fn tracking(
    request: Request,
    env: &Env,
    language: Language,
    token: &str,
) -> Result<Response> {
    let Ok(token) = TrackingToken::parse(token) else {
        return pages::not_found(env).await;
    };
    let record = match store_client::find(env, &token).await {
        Ok(Some(record)) => record,
        Ok(None) => return pages::lookup_not_found(env, language, token.as_str()).await,
        Err(error) => return Err(worker::Error::RustError(error.to_string())),
    };
    let url = request.url()?;
    let notice = if url.query_pairs().any(|(k, v)| k == "new" && v == "1") {
        pages::TrackingNotice::JustSent
    } else if url
        .query_pairs()
        .any(|(k, v)| k == "email" && v == "confirmed")
    {
        pages::TrackingNotice::EmailConfirmed
    } else if let Some(form) = url
        .query_pairs()
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| pages::FollowUpForm::of_done(&v))
    {
        pages::TrackingNotice::Done(form)
    } else {
        pages::TrackingNotice::None
    };
    pages::tracking(env, &record, language, notice).await
}

/// The link in the first e-mail: a page whose button confirms. Opening the link changes
/// nothing, so a mail scanner that follows it confirms no address.
async fn email_confirmation_page(env: &Env, code: &str) -> Result<Response> {
    let Ok(code) = TrackingToken::parse(code) else {
        return pages::not_found(env).await;
    };
    let ticket = match store_client::email_confirmation(env, &code).await {
        Ok(Some(ticket)) => ticket,
        Ok(None) => return pages::not_found(env).await,
        Err(error) => return Err(worker::Error::RustError(error.to_string())),
    };
    let language = ticket.report.language;
    let template = pages::asset(
        env,
        &format!(
            "{}/internal/email-confirmation/",
            pages::page_prefix(language)
        ),
    )
    .await?;
    let number = ticket.public_number.to_string();
    let html = crate::html_rewriter::Rewriter::new()
        .on(&pages::text_slot("number"), move |e| e.set_text(&number))
        .rewrite(template)
        .await?;
    let mut response = pages::html_response(html, 200)?;
    let headers = response.headers_mut();
    // The address holds a secret: not cached, not sent on as a referrer, not indexed.
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set("X-Robots-Tag", "noindex")?;
    Ok(response)
}

/// The button of the confirmation page: confirms the address, then shows the report with
/// a note.
async fn confirm_email(env: &Env, code: &str) -> Result<Response> {
    let Ok(code) = TrackingToken::parse(code) else {
        return pages::not_found(env).await;
    };
    match store_client::confirm_email(env, &code).await {
        Ok(Some(ticket)) => {
            let config = comune::config(env);
            let target = format!(
                "{}{}?email=confirmed",
                config.public_url.trim_end_matches('/'),
                tracking_path(ticket.report.language, ticket.tracking_token.as_str())
            );
            // Built by hand: the headers of `Response.redirect()` cannot be changed.
            let mut response = Response::empty()?.with_status(303);
            let headers = response.headers_mut();
            headers.set("Location", &target)?;
            headers.set("Cache-Control", "no-store")?;
            Ok(response)
        }
        Ok(None) => pages::not_found(env).await,
        Err(error) => Err(worker::Error::RustError(error.to_string())),
    }
}

/// The lookup form: a pasted link or a code leads to the tracking page.
async fn lookup(request: Request, env: &Env, language: Language) -> Result<Response> {
    let url = request.url()?;
    let typed = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    // Accept a whole link: the token is its last path segment.
    let candidate = typed
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let candidate = candidate.split(['?', '#']).next().unwrap_or("");
    let token = TrackingToken::parse(candidate).ok();
    let found = match &token {
        Some(token) => store_client::find(env, token)
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?
            .is_some(),
        None => false,
    };
    match token {
        Some(token) if found => redirect(&url, &tracking_path(language, token.as_str())),
        _ => pages::lookup_not_found(env, language, typed.trim()).await,
    }
}

fn redirect(base: &Url, path: &str) -> Result<Response> {
    Response::redirect_with_status(base.join(path)?, 303)
}

/// A report sent by the form without JavaScript: on success, see the tracking page with the
/// confirmation; otherwise the form again, with the input kept and the errors shown.
async fn form_post(request: Request, env: &Env, language: Language) -> Result<Response> {
    let url = request.url()?;
    let submission = match submission::read_form(request, env, true).await {
        Ok(submission) => submission,
        Err(ApiError::Validation(errors)) => {
            return pages::form_with_problems(
                env,
                language,
                &[],
                false,
                FormProblem::Fields(errors),
            )
            .await
        }
        Err(ApiError::PayloadTooLarge(_)) => {
            let errors = segnala_core::field_error::FieldErrors(vec![
                segnala_core::field_error::FieldError::new(
                    "photos",
                    "file_too_large",
                    "the photos are too large",
                ),
            ]);
            return pages::form_with_problems(
                env,
                language,
                &[],
                false,
                FormProblem::Fields(errors),
            )
            .await;
        }
        Err(ApiError::UnsupportedMediaType(_)) => {
            let errors = segnala_core::field_error::FieldErrors(vec![
                segnala_core::field_error::FieldError::new(
                    "",
                    "unsupported_media_type",
                    "the form must be sent as multipart/form-data, as the report page does",
                ),
            ]);
            let mut page =
                pages::form_with_problems(env, language, &[], false, FormProblem::Fields(errors))
                    .await?;
            page = page.with_status(415);
            return Ok(page);
        }
        Err(error) => return Err(worker::Error::RustError(error.to_string())),
    };
    let values = submission.form_fields.clone();
    let had_photos = !submission.photos.is_empty();
    match submission::file(env, submission).await {
        Ok(filed) => {
            let path = format!(
                "{}?new=1",
                tracking_path(language, filed.ticket.tracking_token.as_str())
            );
            redirect(&url, &path)
        }
        Err(ApiError::Validation(errors)) => {
            pages::form_with_problems(
                env,
                language,
                &values,
                had_photos,
                FormProblem::Fields(errors),
            )
            .await
        }
        Err(ApiError::StorageUnavailable(detail)) => {
            worker::console_error!("form post: {detail}");
            pages::form_with_problems(env, language, &values, had_photos, FormProblem::Storage)
                .await
        }
        Err(ApiError::RateLimited(refusal)) => {
            let mut page = pages::form_with_problems(
                env,
                language,
                &values,
                had_photos,
                FormProblem::RateLimited,
            )
            .await?;
            page.headers_mut()
                .set("Retry-After", &refusal.retry_after_seconds.to_string())?;
            Ok(page)
        }
        Err(ApiError::Unavailable(detail)) => {
            worker::console_error!("form post: {detail}");
            pages::form_with_problems(
                env,
                language,
                &values,
                had_photos,
                FormProblem::Verification,
            )
            .await
        }
        Err(error) => Err(worker::Error::RustError(error.to_string())),
    }
}
