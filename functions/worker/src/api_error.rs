//! Every failure of a request becomes one of these, and is turned into a response here
//! only: clients get a stable code and a readable message, never internal details.

use segnala_core::api::ErrorBody;
use segnala_core::field_error::{FieldError, FieldErrors};
use worker::{console_error, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is invalid")]
    Validation(FieldErrors),
    /// A query string parameter is unknown or has a bad value.
    #[error("the query is invalid")]
    BadQuery(FieldErrors),
    #[error("not found")]
    NotFound(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("unsupported content type")]
    UnsupportedMediaType(&'static str),
    #[error("request body too large")]
    PayloadTooLarge(usize),
    /// Photo storage failed; nothing was filed. The detail goes to the log only.
    #[error("storage unavailable: {0}")]
    StorageUnavailable(String),
    /// No valid staff session.
    #[error("not signed in")]
    Unauthorized(&'static str),
    /// Signed in, but not allowed (role, CSRF token, origin).
    #[error("forbidden: {0}")]
    Forbidden(&'static str, String),
    /// The request conflicts with the current state (stale version, refused transition).
    #[error("conflict: {0}")]
    Conflict(String, String),
    /// Too many failed logins; retry after the given seconds.
    #[error("too many attempts")]
    TooManyAttempts(i64),
    /// A limit on what one address or client may ask for in a day was reached.
    #[error("too many requests: {1}")]
    TooManyRequests(&'static str, String),
    /// A rate limit of the submission's address, e-mail, key or report is used up.
    #[error("rate limited")]
    RateLimited(segnala_core::rate_limit::Refusal),
    /// A service we depend on to accept the request (the human check) is not answering;
    /// the detail goes to the log only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything the client cannot fix; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError::Validation(errors)
    }
}

impl ApiError {
    pub fn into_response(self) -> worker::Result<Response> {
        let (status, code, message, fields): (u16, &str, String, Vec<FieldError>) = match self {
            ApiError::Validation(errors) => (
                if errors.0.iter().any(|e| e.code == "malformed_json") {
                    400
                } else {
                    422
                },
                "validation_failed",
                "Some fields are missing or invalid.".into(),
                errors.0,
            ),
            ApiError::BadQuery(errors) => (
                400,
                "invalid_query",
                "Some parameters are unknown or invalid.".into(),
                errors.0,
            ),
            ApiError::NotFound(what) => (404, "not_found", format!("{what} not found."), vec![]),
            ApiError::MethodNotAllowed => (
                405,
                "method_not_allowed",
                "This method is not allowed here.".into(),
                vec![],
            ),
            ApiError::UnsupportedMediaType(expected) => (
                415,
                "unsupported_media_type",
                format!("Send the body as {expected}."),
                vec![],
            ),
            ApiError::PayloadTooLarge(limit) => (
                413,
                "payload_too_large",
                format!("The request body exceeds {limit} bytes."),
                vec![],
            ),
            ApiError::StorageUnavailable(detail) => {
                console_error!("storage unavailable: {detail}");
                (
                    503,
                    "storage_unavailable",
                    "We could not save your photos, so the report was not filed. Please try again in a moment.".into(),
                    vec![],
                )
            }
            ApiError::Unauthorized(code) => (
                401,
                code,
                match code {
                    "invalid_credentials" => "Wrong e-mail address or password.".into(),
                    _ => "Sign in to continue; your session has ended or never started.".into(),
                },
                vec![],
            ),
            ApiError::Forbidden(code, message) => (403, code, message, vec![]),
            ApiError::Conflict(code, message) => {
                let mut response = Response::from_json(&ErrorBody {
                    error: &code,
                    message,
                    fields: &[],
                })?
                .with_status(409);
                response.headers_mut().set("Cache-Control", "no-store")?;
                return Ok(response);
            }
            ApiError::TooManyAttempts(seconds) => {
                let mut response = Response::from_json(&ErrorBody {
                    error: "too_many_attempts",
                    message: format!(
                        "Too many failed sign-ins. Try again in {} minutes.",
                        (seconds + 59) / 60
                    ),
                    fields: &[],
                })?
                .with_status(429);
                response
                    .headers_mut()
                    .set("Retry-After", &seconds.max(1).to_string())?;
                return Ok(response);
            }
            ApiError::TooManyRequests(code, message) => {
                let mut response = Response::from_json(&ErrorBody {
                    error: code,
                    message,
                    fields: &[],
                })?
                .with_status(429);
                response.headers_mut().set("Retry-After", "86400")?;
                return Ok(response);
            }
            ApiError::RateLimited(refusal) => {
                let mut response = Response::from_json(&serde_json::json!({
                    "error": "rate_limited",
                    "limit": refusal.scope.as_str(),
                    "retry_after_seconds": refusal.retry_after_seconds,
                    "message": refusal.scope.explanation(),
                }))?
                .with_status(429);
                let headers = response.headers_mut();
                headers.set(
                    "Retry-After",
                    &refusal.retry_after_seconds.max(1).to_string(),
                )?;
                headers.set("Cache-Control", "no-store")?;
                return Ok(response);
            }
            ApiError::Unavailable(detail) => {
                console_error!("unavailable: {detail}");
                (
                    503,
                    "verification_unavailable",
                    "The anti-spam check cannot be done right now, so the report was not sent. Please try again in a moment.".into(),
                    vec![],
                )
            }
            ApiError::Internal(detail) => {
                console_error!("internal error: {detail}");
                (
                    500,
                    "internal_error",
                    "Something went wrong on our side; please try again.".into(),
                    vec![],
                )
            }
        };
        let body = ErrorBody {
            error: code,
            message,
            fields: &fields,
        };
        Ok(Response::from_json(&body)?.with_status(status))
    }
}

/// Field error codes cross the internal protocol as text but are `&'static str` in
/// `FieldError`. They come from the core's small fixed set, so each distinct code is
/// interned once for the isolate's life; memory stays bounded whatever clients send.
pub(crate) fn intern_code(code: String) -> &'static str {
    use std::cell::RefCell;
    use std::collections::HashSet;
    thread_local! {
        static CODES: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
    }
    CODES.with(|codes| {
        let mut codes = codes.borrow_mut();
        if let Some(known) = codes.get(code.as_str()) {
            return *known;
        }
        let interned: &'static str = Box::leak(code.into_boxed_str());
        codes.insert(interned);
        interned
    })
}
