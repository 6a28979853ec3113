//! Filing a report, whichever way it arrives: JSON, multipart from an API client or the
//! enhanced form, or a plain HTML form post without JavaScript. One path for all: read,
//! validate everything (fields and photos) reporting every problem, route, store photos,
//! store the ticket; undo the photos if the ticket is not created.

use crate::api_error::ApiError;
use crate::body;
use crate::comune;
use crate::photo_storage::{self, PhotoUpload};
use crate::platform::{now, CryptoEntropy};
use crate::store_client;
use crate::tenant::Env;
use segnala_core::config::ComuneConfig;
use segnala_core::field_error::{parse_json, ErrorCollector, FieldError, FieldErrors};
use segnala_core::idempotency;
use segnala_core::ids::TicketId;
use segnala_core::photo::{self, THUMBNAIL_MAX_BYTES};
use segnala_core::rate_limit::{charges_for_report, Charge};
use segnala_core::report::answers::asked_on_page;
use segnala_core::report::ValidReport;
use segnala_core::report::{check_photo_count, from_form_fields, ReportRequest};
use segnala_core::routing::route;
use segnala_core::store::{Idempotency, NewTicket};
use segnala_core::ticket::Ticket;
use segnala_core::turnstile::{self, TurnstileToken};
use worker::{FormEntry, Request};

/// Largest JSON body (photos travel as multipart).
pub const MAX_JSON_BODY: usize = 64 * 1024;
/// Room for the text fields of a multipart body, on top of the photos.
const MULTIPART_TEXT_ALLOWANCE: usize = 256 * 1024;

/// A submission as read from the request, before validation.
pub struct Submission {
    pub request: Result<ReportRequest, FieldErrors>,
    /// Raw photo files, and the browser-made small variants by position.
    pub photos: Vec<Vec<u8>>,
    pub thumbnails: Vec<Vec<u8>>,
    pub idempotency_key: Option<(String, &'static str)>,
    /// A plain form post: without a nonce its content serves as idempotency key.
    pub from_html_form: bool,
    /// The text fields as sent, to put back into the form when something must be corrected.
    pub form_fields: Vec<(String, String)>,
    /// The client's network address as Cloudflare saw it, for the rate limits.
    pub address: Option<String>,
    /// The Turnstile widget's token, when the client sent one.
    pub turnstile: Option<String>,
}

pub struct Filed {
    pub ticket: Ticket,
    pub replayed: bool,
}

/// The request's media type, lowercase ("" when missing).
pub(crate) fn content_type(request: &Request) -> String {
    request
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The client's address: Cloudflare sets `CF-Connecting-IP` on every request and replaces
/// any a client sends.
pub(crate) fn client_address(request: &Request) -> Option<String> {
    request
        .headers()
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
}

fn turnstile_header(request: &Request) -> Option<String> {
    request.headers().get(turnstile::HEADER).ok().flatten()
}

fn multipart_limit(env: &Env) -> usize {
    let photos = &comune::config(env).photos;
    usize::from(photos.max_count) * (photos.max_bytes as usize + THUMBNAIL_MAX_BYTES as usize)
        + MULTIPART_TEXT_ALLOWANCE
}

fn header_key(request: &Request) -> Result<Option<(String, &'static str)>, ApiError> {
    Ok(request
        .headers()
        .get("Idempotency-Key")?
        .map(|key| (key, "Idempotency-Key")))
}

/// Reads an API submission: JSON, or multipart/form-data with photos.
pub async fn read_api(mut request: Request, env: &Env) -> Result<Submission, ApiError> {
    let kind = content_type(&request);
    if kind.starts_with("application/json") {
        let idempotency_key = header_key(&request)?;
        let address = client_address(&request);
        let turnstile = turnstile_header(&request);
        let request = match body::text(&mut request, MAX_JSON_BODY).await? {
            Some(text) => parse_json::<ReportRequest>(&text),
            None => Err(FieldErrors(vec![FieldError::new(
                "",
                "malformed_json",
                "the body is not UTF-8 text",
            )])),
        };
        Ok(Submission {
            request,
            photos: vec![],
            thumbnails: vec![],
            idempotency_key,
            from_html_form: false,
            form_fields: vec![],
            address,
            turnstile,
        })
    } else if kind.starts_with("multipart/form-data") {
        read_form(request, env, false).await
    } else {
        Err(ApiError::UnsupportedMediaType(
            "application/json or multipart/form-data",
        ))
    }
}

/// Reads a form post (multipart or urlencoded), from the API or from the HTML form.
pub async fn read_form(
    mut request: Request,
    env: &Env,
    from_html_form: bool,
) -> Result<Submission, ApiError> {
    let kind = content_type(&request);
    if !kind.starts_with("multipart/form-data")
        && !kind.starts_with("application/x-www-form-urlencoded")
    {
        return Err(ApiError::UnsupportedMediaType("multipart/form-data"));
    }
    let mut idempotency_key = header_key(&request)?;
    let address = client_address(&request);
    let mut turnstile = turnstile_header(&request);
    let form = body::form(&mut request, multipart_limit(env))
        .await?
        .ok_or_else(|| {
            ApiError::Validation(FieldErrors(vec![FieldError::new(
                "",
                "malformed_form",
                "the form data could not be read",
            )]))
        })?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut photos = Vec::new();
    let mut thumbnails = Vec::new();
    for name in [
        "category",
        "kind",
        "description",
        "address",
        "lat",
        "lon",
        "name",
        "email",
        "language",
        "privacy_accepted",
    ] {
        if let Some(FormEntry::Field(value)) = form.get(name) {
            fields.push((name.to_string(), value));
        }
    }
    // Every category's questions are on the page (the form has no way to list its fields,
    // so the configuration names them); the core keeps the chosen category's answers.
    let config = comune::config(env);
    for category in config.themes.iter().flat_map(|theme| &theme.categories) {
        for question in &category.fields {
            let name = format!("answers.{}.{}", category.id, question.code);
            for entry in form.get_all(&name).unwrap_or_default() {
                if let FormEntry::Field(value) = entry {
                    fields.push((name.clone(), value));
                }
            }
        }
    }
    if let Some(FormEntry::Field(token)) = form.get(turnstile::FORM_FIELD) {
        turnstile = Some(token);
    }
    if let Some(FormEntry::Field(nonce)) = form.get("nonce") {
        if !nonce.trim().is_empty() && idempotency_key.is_none() {
            idempotency_key = Some((nonce, "nonce"));
        }
    }
    for (name, target) in [("photos", &mut photos), ("thumbnails", &mut thumbnails)] {
        for entry in form.get_all(name).unwrap_or_default() {
            if let FormEntry::File(file) = entry {
                // A file input left empty is sent as a nameless empty file.
                if file.size() == 0 && file.name().is_empty() {
                    continue;
                }
                target.push(file.bytes().await?);
            }
        }
    }
    let request = from_form_fields(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .map(|request| asked_by_the_page(request, comune::built_in(env), config));
    Ok(Submission {
        request,
        photos,
        thumbnails,
        idempotency_key,
        from_html_form,
        form_fields: fields,
        address,
        turnstile,
    })
}

/// A form post answers the questions the page showed, and the page was built with the
/// built-in configuration: questions added or changed since are not held against it.
fn asked_by_the_page(
    mut request: ReportRequest,
    built_in: &ComuneConfig,
    live: &ComuneConfig,
) -> ReportRequest {
    let chosen = request.category.as_deref().unwrap_or_default().trim();
    let fields = |config: &ComuneConfig| {
        config
            .category(chosen)
            .map_or(vec![], |(_, category)| category.fields.clone())
    };
    let asked = asked_on_page(&fields(built_in), &fields(live));
    request.questions_on_page = Some(asked);
    request
}

/// Validates and stores a submission. Every problem with the fields and the photos comes
/// back at once as `ApiError::Validation`; the form values are never lost by the caller.
pub async fn file(env: &Env, submission: Submission) -> Result<Filed, ApiError> {
    let config = comune::config(env);
    let mut errors = ErrorCollector::default();
    let report = match submission.request {
        Ok(request) => match request.validate(config) {
            Ok(report) => Some(report),
            Err(found) => {
                found
                    .0
                    .into_iter()
                    .for_each(|e| errors.push(e.field, e.code, e.message));
                None
            }
        },
        Err(found) => {
            found
                .0
                .into_iter()
                .for_each(|e| errors.push(e.field, e.code, e.message));
            None
        }
    };
    if let Err(found) = check_photo_count(submission.photos.len(), config) {
        found
            .0
            .into_iter()
            .for_each(|e| errors.push(e.field, e.code, e.message));
    }
    let mut uploads = Vec::new();
    for (index, bytes) in submission.photos.iter().enumerate() {
        match photo::clean(bytes, config.photos.max_bytes) {
            Ok(clean) => {
                // A thumbnail that is not a valid small image is simply not kept.
                let thumbnail = submission
                    .thumbnails
                    .get(index)
                    .and_then(|t| photo::clean(t, THUMBNAIL_MAX_BYTES).ok());
                uploads.push(PhotoUpload {
                    photo: clean,
                    thumbnail,
                });
            }
            Err(error) => errors.push(format!("photos[{index}]"), error.code(), error.to_string()),
        }
    }
    let photo_bytes: Vec<&[u8]> = uploads.iter().map(|u| u.photo.bytes.as_slice()).collect();
    let idempotency = match (&report, submission.idempotency_key) {
        (Some(report), Some((key, field))) => {
            match idempotency::client_key(
                &key,
                idempotency::fingerprint(report, &photo_bytes),
                field,
            ) {
                Ok(idempotency) => Some(idempotency),
                Err(found) => {
                    found
                        .0
                        .into_iter()
                        .for_each(|e| errors.push(e.field, e.code, e.message));
                    None
                }
            }
        }
        (Some(report), None) if submission.from_html_form => Some(idempotency::content_key(
            idempotency::fingerprint(report, &photo_bytes),
        )),
        _ => None,
    };
    // The human check, when the comune asks for one: a missing token is one more field to
    // correct; a token is spent by checking it, so it is checked only once all else is right.
    let human_check = config.abuse.turnstile.as_ref().map(|settings| {
        let token = submission
            .turnstile
            .as_deref()
            .and_then(TurnstileToken::parse);
        if token.is_none() {
            errors.push(
                "turnstile",
                "required",
                "complete the anti-spam check (Cloudflare Turnstile) and send its token",
            );
        }
        (settings, token)
    });
    let report = match report {
        Some(report) if errors.is_empty() => report,
        _ => return Err(ApiError::Validation(errors.into_errors())),
    };
    let address = submission.address.as_deref();
    let charges = charges_for_report(config, address, report.reporter.email.as_ref(), None);
    // Refused before anything is stored: a flood costs no object writes.
    if !uploads.is_empty() {
        store_client::rate_check(env, &charges).await?;
    }
    if let Some((settings, Some(token))) = human_check {
        crate::turnstile::verify(env, settings, &token, address).await?;
    }

    store(env, report, uploads, idempotency, None, charges).await
}

/// Routes a validated report and stores it with its photos (which are removed again if
/// the ticket is not created, or if a retry found the ticket an earlier try created).
pub async fn store(
    env: &Env,
    report: ValidReport,
    uploads: Vec<PhotoUpload>,
    idempotency: Option<Idempotency>,
    api_key: Option<String>,
    charges: Vec<Charge>,
) -> Result<Filed, ApiError> {
    let config = comune::config(env);
    let routing = route(config, &report);
    let id = TicketId::generate(now(), &mut CryptoEntropy);
    let photos = photo_storage::store_all(env, id, &uploads).await?;
    let new = NewTicket {
        id,
        due: segnala_core::ticket::Deadlines::for_report(config, &report.category, now()),
        report,
        routing,
        photos: photos.clone(),
        idempotency,
        confirm_email: config.confirms_addresses(),
        api_key,
        charges,
    };
    match store_client::create(env, &new).await {
        Ok(outcome) => {
            if outcome.replayed {
                photo_storage::delete(env, &photos).await;
            }
            Ok(Filed {
                ticket: outcome.ticket,
                replayed: outcome.replayed,
            })
        }
        Err(error) => {
            photo_storage::delete(env, &photos).await;
            Err(error)
        }
    }
}
