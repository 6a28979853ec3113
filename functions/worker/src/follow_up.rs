//! The citizen's follow-up over HTTP, for the holder of a tracking link: a message (text
//! and photos), "not solved", a rating. As JSON (or multipart with photos) under
//! `/api/v1/reports/{token}/...`, and as the tracking page's own forms, which work without
//! JavaScript: a success goes back to the page with a note, a refusal shows the page with
//! the reason and what was typed.

use crate::api_error::{intern_code, ApiError};
use crate::comune;
use crate::pages::{self, FollowUpForm, TrackingNotice};
use crate::photo_storage;
use crate::store_client;
use crate::submission::content_type;
use crate::tenant::Env;
use crate::ticket_store::{FollowUpCall, FollowUpRefusal};
use segnala_core::api::PublicTicketView;
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::follow_up::CitizenCommand;
use segnala_core::ids::TrackingToken;
use segnala_core::photo::{self, CleanPhoto};
use segnala_core::report::Language;
use segnala_core::store::follow_up::MAX_PHOTOS;
use segnala_core::store::{PhotoRecord, TicketRecord};
use serde::Deserialize;
use worker::{FormEntry, Request, Response};

type Result<T> = std::result::Result<T, ApiError>;

/// Text fields of a follow-up are short; photos are counted on top.
const TEXT_ALLOWANCE: usize = 64 * 1024;

/// A post from another site is refused (the tracking link in the address is the real key).
pub(crate) fn same_origin(request: &Request, env: &Env) -> Result<()> {
    if crate::origin::from_this_site(request, env)? {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "cross_origin",
            "Send this from the report's own page.".into(),
        ))
    }
}

/// What is asked, by the last segment of its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Message,
    NotSolved,
    Rating,
}

impl What {
    pub fn of_api(segment: &str) -> Option<Self> {
        match segment {
            "messages" => Some(Self::Message),
            "not-solved" => Some(Self::NotSolved),
            "rating" => Some(Self::Rating),
            _ => None,
        }
    }

    /// The tracking page's form posts: `/segnalazione/{token}/messaggio` and the English ones.
    pub fn of_page(segment: &str) -> Option<Self> {
        match segment {
            "messaggio" | "message" => Some(Self::Message),
            "non-risolta" | "not-solved" => Some(Self::NotSolved),
            "valutazione" | "rating" => Some(Self::Rating),
            _ => None,
        }
    }

    pub fn form(self) -> FollowUpForm {
        match self {
            Self::Message => FollowUpForm::Message,
            Self::NotSolved => FollowUpForm::NotSolved,
            Self::Rating => FollowUpForm::Rating,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotSolvedBody {
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    stars: u8,
    comment: Option<String>,
}

/// The command and its photos, as read from a request; the fields as typed, for a page.
struct Asked {
    command: CitizenCommand,
    photos: Vec<CleanPhoto>,
    typed: Vec<(String, String)>,
}

/// `POST /api/v1/reports/{token}/messages|not-solved|rating`: 201 with the report as the
/// citizen now sees it.
pub async fn api(mut request: Request, env: &Env, token: &str, what: What) -> Result<Response> {
    same_origin(&request, env)?;
    let token = TrackingToken::parse(token).map_err(|_| ApiError::NotFound("Report"))?;
    let asked = if content_type(&request).starts_with("application/json") {
        let text = read_text(&mut request).await?;
        let command = match what {
            What::Message => {
                let body: MessageBody = parse(&text)?;
                CitizenCommand::Message {
                    text: body.text,
                    photos: 0,
                }
            }
            What::NotSolved => {
                let body: NotSolvedBody = parse(&text)?;
                CitizenCommand::NotSolved {
                    reason: body.reason,
                }
            }
            What::Rating => {
                let body: RatingBody = parse(&text)?;
                CitizenCommand::Rate {
                    stars: body.stars,
                    comment: body.comment,
                }
            }
        };
        Asked {
            command,
            photos: vec![],
            typed: vec![],
        }
    } else {
        read_form(&mut request, env, what).await?
    };
    let record = act(env, &token, asked.command, asked.photos).await?;
    let view = PublicTicketView::of(&record, comune::config(env));
    let mut response = Response::from_json(&view)?.with_status(201);
    let headers = response.headers_mut();
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("Referrer-Policy", "same-origin")?;
    Ok(response)
}

/// A form of the tracking page, posted without JavaScript.
pub async fn page(
    mut request: Request,
    env: &Env,
    language: Language,
    token: &str,
    what: What,
) -> worker::Result<Response> {
    let Ok(token) = TrackingToken::parse(token) else {
        return pages::not_found(env).await;
    };
    let asked = match same_origin(&request, env) {
        Ok(()) => read_form(&mut request, env, what).await,
        Err(error) => Err(error),
    };
    let (typed, outcome) = match asked {
        Ok(asked) => (
            asked.typed,
            act(env, &token, asked.command, asked.photos).await,
        ),
        Err(error) => (vec![], Err(error)),
    };
    match outcome {
        Ok(record) => {
            let target = format!(
                "{}?done={}",
                segnala_core::api::tracking_path(language, record.ticket.tracking_token.as_str()),
                match what {
                    What::Message => "message",
                    What::NotSolved => "reopened",
                    What::Rating => "rated",
                }
            );
            let mut response = Response::empty()?.with_status(303);
            response.headers_mut().set("Location", &target)?;
            response.headers_mut().set("Cache-Control", "no-store")?;
            Ok(response)
        }
        Err(ApiError::NotFound(_)) => pages::not_found(env).await,
        Err(error) => {
            let Ok(Some(record)) = store_client::find(env, &token).await else {
                return pages::not_found(env).await;
            };
            let (status, problem) = problem_of(&error);
            let notice = TrackingNotice::Refused {
                form: what.form(),
                problem,
                typed,
            };
            let mut response = pages::tracking(env, &record, language, notice).await?;
            response = response.with_status(status);
            Ok(response)
        }
    }
}

/// The status and the code the page explains a refusal with.
fn problem_of(error: &ApiError) -> (u16, String) {
    match error {
        ApiError::Validation(errors) => (
            422,
            errors.0.first().map_or("invalid", |e| e.code).to_string(),
        ),
        ApiError::Conflict(code, _) => (409, code.clone()),
        ApiError::RateLimited(_) => (429, "rate_limited".into()),
        ApiError::PayloadTooLarge(_) => (413, "file_too_large".into()),
        ApiError::Forbidden(code, _) => (403, (*code).to_string()),
        ApiError::UnsupportedMediaType(_) => (415, "invalid".into()),
        _ => (500, "unavailable".into()),
    }
}

pub(crate) async fn read_text(request: &mut Request) -> Result<String> {
    crate::body::text(request, TEXT_ALLOWANCE)
        .await?
        .ok_or_else(|| invalid("", "malformed_json", "the body is not UTF-8 text"))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    segnala_core::field_error::parse_json(text).map_err(ApiError::Validation)
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::Validation(FieldErrors(vec![FieldError::new(field, code, message)]))
}

/// A form post (multipart with photos, or urlencoded): fields `text`, `photos`, `reason`,
/// `stars`, `comment`.
async fn read_form(request: &mut Request, env: &Env, what: What) -> Result<Asked> {
    let kind = content_type(request);
    if !kind.starts_with("multipart/form-data")
        && !kind.starts_with("application/x-www-form-urlencoded")
    {
        return Err(ApiError::UnsupportedMediaType(
            "application/json or multipart/form-data",
        ));
    }
    let limits = &comune::config(env).photos;
    let limit = usize::from(limits.max_count) * limits.max_bytes as usize + TEXT_ALLOWANCE;
    let form = crate::body::form(request, limit)
        .await?
        .ok_or_else(|| invalid("", "malformed_form", "the form data could not be read"))?;
    let field = |name: &str| match form.get(name) {
        Some(FormEntry::Field(value)) => Some(value),
        _ => None,
    };
    let mut typed = Vec::new();
    for name in ["text", "reason", "stars", "comment"] {
        if let Some(value) = field(name) {
            typed.push((name.to_string(), value));
        }
    }
    let mut photos = Vec::new();
    if what == What::Message {
        let files: Vec<_> = form
            .get_all("photos")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|entry| match entry {
                // A file input left empty is sent as a nameless empty file.
                FormEntry::File(file) if !(file.size() == 0 && file.name().is_empty()) => {
                    Some(file)
                }
                _ => None,
            })
            .collect();
        if files.len() > usize::from(limits.max_count) {
            return Err(invalid(
                "photos",
                "too_many_photos",
                &format!("at most {} photos at a time", limits.max_count),
            ));
        }
        for (index, file) in files.into_iter().enumerate() {
            let bytes = file.bytes().await?;
            let clean = photo::clean(&bytes, limits.max_bytes).map_err(|problem| {
                invalid(
                    &format!("photos[{index}]"),
                    problem.code(),
                    &problem.to_string(),
                )
            })?;
            photos.push(clean);
        }
    }
    let command = match what {
        What::Message => CitizenCommand::Message {
            text: field("text"),
            photos: u8::try_from(photos.len()).unwrap_or(u8::MAX),
        },
        What::NotSolved => CitizenCommand::NotSolved {
            reason: field("reason").unwrap_or_default(),
        },
        What::Rating => CitizenCommand::Rate {
            stars: field("stars")
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| invalid("stars", "required", "choose from 1 to 5 stars"))?,
            comment: field("comment"),
        },
    };
    Ok(Asked {
        command,
        photos,
        typed,
    })
}

/// Stores the photos at the ticket's next free positions, then has the store decide; the
/// photos are removed again if it refuses.
async fn act(
    env: &Env,
    token: &TrackingToken,
    command: CitizenCommand,
    photos: Vec<CleanPhoto>,
) -> Result<TicketRecord> {
    let mut records = Vec::new();
    if !photos.is_empty() {
        let record = store_client::find(env, token)
            .await?
            .ok_or(ApiError::NotFound("Report"))?;
        let mut free =
            (1..=MAX_PHOTOS).filter(|p| !record.photos.iter().any(|photo| photo.position == *p));
        for clean in &photos {
            let Some(position) = free.next() else {
                photo_storage::delete(env, &records).await;
                return Err(ApiError::Conflict(
                    "too_many_photos".into(),
                    format!("A report has at most {MAX_PHOTOS} photos."),
                ));
            };
            // A random part: the same photo sent twice (a double click) makes two objects,
            // so the refused one's removal never takes the recorded one's file.
            let mut salt = [0u8; 8];
            segnala_core::ids::Entropy::fill(&mut crate::platform::CryptoEntropy, &mut salt);
            let key = photo::added_object_key(record.ticket.id, position, clean, &salt);
            if let Err(error) = photo_storage::put_one(env, &key, clean).await {
                photo_storage::delete(env, &records).await;
                return Err(error);
            }
            records.push(PhotoRecord {
                position,
                object_key: key,
                thumbnail_key: None,
                content_type: clean.format.content_type().to_string(),
                bytes: u32::try_from(clean.bytes.len()).unwrap_or(u32::MAX),
                width: clean.width,
                height: clean.height,
            });
        }
    }
    let call = FollowUpCall {
        token: token.clone(),
        command,
        photos: records.clone(),
    };
    match store_client::follow_up(env, &call).await {
        Ok(Ok(record)) => Ok(record),
        Ok(Err(refusal)) => {
            photo_storage::delete(env, &records).await;
            Err(refused(refusal))
        }
        // The store may have recorded them before the answer was lost: they stay.
        Err(error) => Err(error),
    }
}

fn refused(refusal: FollowUpRefusal) -> ApiError {
    if let Some(limit) = refusal.rate_limit {
        return ApiError::RateLimited(limit);
    }
    match refusal.kind.as_str() {
        "not_found" => ApiError::NotFound("Report"),
        "invalid" => ApiError::Validation(FieldErrors(vec![FieldError::new(
            refusal.field.unwrap_or_default(),
            intern_code(refusal.code),
            refusal.message,
        )])),
        _ => ApiError::Conflict(refusal.code, refusal.message),
    }
}
