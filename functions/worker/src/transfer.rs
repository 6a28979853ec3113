//! HTTP side of moving a comune's tickets (docs/DATA_TRANSFER.md): the whole export as a
//! JSON Lines stream filled page by page from the store, the import of a checked batch of
//! lines, and the upload of an imported ticket's photos. Administrators only (the route
//! table's `TransferData`); the store checks the account again and audits both ways.

use crate::api_error::ApiError;
use crate::comune;
use crate::photo_storage;
use crate::platform::now;
use crate::staff_api::Staff;
use crate::staff_protocol::StaffOp;
use crate::submission::content_type;
use crate::tenant::Env;
use futures_util::stream;
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::ids::TicketId;
use segnala_core::photo;
use segnala_core::public_number::PublicNumber;
use segnala_core::staff::routes::Params;
use segnala_core::store::transfer::{ExportPage, ImportOutcome, PhotoImport};
use segnala_core::store::PhotoRecord;
use segnala_core::transfer::parse_lines;
use worker::{Request, Response};

type Result<T> = std::result::Result<T, ApiError>;

/// One import call: at most `transfer::MAX_LINES` tickets, each a few kilobytes.
const MAX_IMPORT_BODY: usize = 8 * 1024 * 1024;
const JSON_LINES: &str = "application/x-ndjson";

/// Tickets per store call while streaming: `EXPORT_PAGE_SIZE`, else 200 (each carries
/// its whole history).
fn page_size(env: &Env) -> u32 {
    env.var("EXPORT_PAGE_SIZE")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .filter(|&n: &u32| (1..=1000).contains(&n))
        .unwrap_or(200)
}

/// Every ticket, oldest first, one JSON line each; memory stays at one page.
pub async fn export(staff: &Staff<'_>) -> Result<Response> {
    let env = staff.env.clone();
    let size = page_size(&env);
    let first: ExportPage = staff
        .call(StaffOp::ExportTickets {
            after: None,
            limit: size,
        })
        .await?;
    let (token, identity) = (staff.token.clone(), staff.identity.clone());
    let chunks = stream::unfold(Some(first), move |state| {
        let (env, token, identity) = (env.clone(), token.clone(), identity.clone());
        async move {
            let page = state?;
            let lines: String = page.tickets.iter().map(|t| t.to_line() + "\n").collect();
            let next = match page.next_after {
                None => None,
                Some(after) => {
                    let staff = Staff {
                        env: &env,
                        token,
                        identity,
                    };
                    match next_page(&staff, after, size).await {
                        Ok(page) => Some(page),
                        Err(error) => {
                            // The status is sent; the reader sees a cut transfer.
                            worker::console_error!("export stopped: {error}");
                            return Some((Err(worker::Error::RustError(error.to_string())), None));
                        }
                    }
                }
            };
            Some((Ok(lines.into_bytes()), next))
        }
    });
    let mut response = Response::from_stream(chunks)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", &format!("{JSON_LINES}; charset=utf-8"))?;
    headers.set(
        "Content-Disposition",
        &format!(
            "attachment; filename=\"segnala-{}-{}.jsonl\"",
            comune::config(staff.env).id,
            now().format("%Y-%m-%d")
        ),
    )?;
    // Personal data: never kept by a shared office PC's cache.
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn next_page(staff: &Staff<'_>, after: PublicNumber, limit: u32) -> Result<ExportPage> {
    staff
        .call(StaffOp::ExportTickets {
            after: Some(after),
            limit,
        })
        .await
}

/// A batch of exported lines: every problem named by line and field, or all written.
pub async fn import_tickets(request: &mut Request, staff: &Staff<'_>) -> Result<Response> {
    let kind = content_type(request);
    if !kind.starts_with(JSON_LINES) && !kind.starts_with("application/jsonl") {
        return Err(ApiError::UnsupportedMediaType(JSON_LINES));
    }
    let text = crate::body::text(request, MAX_IMPORT_BODY)
        .await?
        .ok_or_else(|| invalid("lines", "not_utf8", "is not UTF-8 text"))?;
    let batch =
        parse_lines(&text, comune::config(staff.env), now()).map_err(ApiError::Validation)?;
    let outcome: ImportOutcome = staff.call(StaffOp::ImportTickets { batch }).await?;
    let status = if outcome.imported > 0 { 201 } else { 200 };
    Ok(Response::from_json(&outcome)?.with_status(status))
}

/// One photo of an imported ticket: cleaned like a citizen's (metadata removed), stored
/// in R2 under the ticket's id, then recorded with the ticket.
pub async fn import_photo(
    request: &mut Request,
    staff: &Staff<'_>,
    params: &Params,
) -> Result<Response> {
    let id: TicketId = params
        .get(0)
        .parse()
        .map_err(|_| ApiError::NotFound("Ticket"))?;
    let position = params
        .get(1)
        .parse::<u8>()
        .ok()
        .filter(|p| (1..=10).contains(p))
        .ok_or(ApiError::NotFound("Photo position"))?;
    let limit = comune::config(staff.env).photos.max_bytes;
    let bytes = crate::body::bytes(request, limit as usize).await?;
    let clean = photo::clean(&bytes, limit)
        .map_err(|problem| invalid("photo", problem.code(), &problem.to_string()))?;
    let record = PhotoRecord {
        position,
        object_key: photo::added_object_key(id, position, &clean, &[]),
        thumbnail_key: None,
        content_type: clean.format.content_type().to_string(),
        bytes: u32::try_from(clean.bytes.len()).unwrap_or(u32::MAX),
        width: clean.width,
        height: clean.height,
    };
    let ask = |write: bool| {
        staff.call::<PhotoImport>(StaffOp::ImportPhoto {
            id,
            photo: record.clone(),
            write,
        })
    };
    // R2 is written only for a photo that will be recorded, under a key named by its
    // content: a recorded file is never overwritten, nor deleted by a rival upload.
    match ask(false).await? {
        PhotoImport::Recorded => {}
        refused => return answer(refused, &record),
    }
    photo_storage::put_one(staff.env, &record.object_key, &clean).await?;
    match ask(true).await {
        Ok(PhotoImport::Recorded) => Ok(Response::from_json(&record)?.with_status(201)),
        Ok(refused) => {
            // Taken or gone between the two calls: the file just written is nobody's.
            if refused != PhotoImport::AlreadyThere {
                photo_storage::delete(staff.env, std::slice::from_ref(&record)).await;
            }
            answer(refused, &record)
        }
        // The store may have recorded it before failing to answer: the file stays.
        Err(error) => Err(error),
    }
}

fn answer(outcome: PhotoImport, record: &PhotoRecord) -> Result<Response> {
    match outcome {
        PhotoImport::Recorded => Ok(Response::from_json(record)?.with_status(201)),
        PhotoImport::AlreadyThere => Ok(Response::from_json(record)?),
        PhotoImport::NoSuchTicket => Err(ApiError::NotFound("Ticket")),
        PhotoImport::NotExpected => Err(ApiError::NotFound("Expected photo of an imported ticket")),
        PhotoImport::PositionTaken => Err(position_taken()),
    }
}

fn position_taken() -> ApiError {
    ApiError::Conflict(
        "photo_position_taken".into(),
        "Another photo is stored at this position of the ticket.".into(),
    )
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::Validation(FieldErrors(vec![FieldError::new(field, code, message)]))
}
