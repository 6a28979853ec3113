//! Every request body the Worker reads is held to a limit before it is read whole. A
//! declared `Content-Length` is checked up front, and the runtime delivers no more than it
//! declares. A body sent without one (chunked, or a streamed upload) is counted chunk by
//! chunk and refused as soon as it passes the limit, so no client can make the Worker hold
//! more than the limit in memory.

use crate::api_error::ApiError;
use worker::js_sys::{Array, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{web_sys, FormData, Request};

/// A page's plain form of a few text fields (an e-mail address, a language, a box ticked).
pub const PAGE_FORM_LIMIT: usize = 16 * 1024;

/// The length the client declares for the body, if it declares one.
fn declared_length(request: &Request) -> Option<usize> {
    request
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse::<usize>().ok())
}

/// The whole body, or 413 once it passes `limit` bytes.
pub async fn bytes(request: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let bytes = match declared(request, limit)? {
        Some(_) => request.bytes().await?,
        None => {
            let chunks = chunks(request, limit).await?;
            let mut bytes = Vec::new();
            for chunk in chunks.iter() {
                bytes.extend(chunk.unchecked_into::<Uint8Array>().to_vec());
            }
            bytes
        }
    };
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    Ok(bytes)
}

/// The body as UTF-8 text, held to `limit`; `None` when it is not UTF-8.
pub async fn text(request: &mut Request, limit: usize) -> Result<Option<String>, ApiError> {
    Ok(String::from_utf8(bytes(request, limit).await?).ok())
}

/// The body read as a form, held to `limit`: 413 past it, `Ok(None)` for a body that is not
/// a readable form of its declared type.
pub async fn form(request: &mut Request, limit: usize) -> Result<Option<FormData>, ApiError> {
    if declared(request, limit)?.is_none() && request.inner().body().is_some() {
        let chunks = chunks(request, limit).await?;
        *request = with_body(request, &chunks)?;
    }
    Ok(request.form_data().await.ok())
}

/// The declared length, or 413 when it is over `limit`.
fn declared(request: &Request, limit: usize) -> Result<Option<usize>, ApiError> {
    match declared_length(request) {
        Some(length) if length > limit => Err(ApiError::PayloadTooLarge(limit)),
        declared => Ok(declared),
    }
}

/// The body's chunks as they came, kept on the JavaScript side, until the stream ends or
/// passes `limit` (then the stream is cancelled and 413 returned).
async fn chunks(request: &Request, limit: usize) -> Result<Array, ApiError> {
    let chunks = Array::new();
    let Some(stream) = request.inner().body() else {
        return Ok(chunks);
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut total = 0usize;
    loop {
        let step = JsFuture::from(reader.read()).await.map_err(js_error)?;
        if Reflect::get(&step, &"done".into())
            .map_err(js_error)?
            .as_bool()
            .unwrap_or(true)
        {
            return Ok(chunks);
        }
        let chunk: Uint8Array = Reflect::get(&step, &"value".into())
            .map_err(js_error)?
            .unchecked_into();
        total += chunk.length() as usize;
        if total > limit {
            // Nothing more of this body is wanted; the answer goes back at once.
            let _ = reader.cancel();
            return Err(ApiError::PayloadTooLarge(limit));
        }
        chunks.push(&chunk);
    }
}

/// The same request with the body read so far, so the runtime's own parsers can read it.
fn with_body(request: &Request, chunks: &Array) -> Result<Request, ApiError> {
    let blob = web_sys::Blob::new_with_u8_array_sequence(chunks).map_err(js_error)?;
    let init = web_sys::RequestInit::new();
    init.set_method(&request.inner().method());
    init.set_headers(&request.inner().headers());
    init.set_body(&blob);
    let copy =
        web_sys::Request::new_with_str_and_init(&request.inner().url(), &init).map_err(js_error)?;
    Ok(Request::from(copy))
}

fn js_error(error: JsValue) -> ApiError {
    ApiError::from(worker::Error::from(error))
}
