//! What every API benchmark figure of Segnala is divided by: the same runtime, the same
//! `worker` crate and build, and no work at all between the request and the answer.

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(_request: Request, _env: Env, _context: Context) -> Result<Response> {
    let mut response = Response::ok(r#"{"status":"ok"}"#)?;
    response
        .headers_mut()
        .set("Content-Type", "application/json")?;
    Ok(response)
}
