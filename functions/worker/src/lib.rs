//! The Segnala Worker: a thin adapter from HTTP requests and Cloudflare bindings to the
//! domain core. Static pages are served by Workers Static Assets before this code runs;
//! requests that match no asset (the API) arrive here.

mod api_error;
mod comune;
mod html_rewriter;
mod pages;
mod photo_storage;
mod platform;
mod routes;
mod sso;
mod staff_api;
mod staff_pages;
mod staff_protocol;
mod staff_store;
mod store_client;
mod submission;
mod ticket_store;

use worker::{event, Context, Env, Request, Response, Result};

pub use ticket_store::ComuneStore;

#[event(fetch)]
async fn fetch(request: Request, env: Env, _context: Context) -> Result<Response> {
    comune::refresh(&env).await;
    routes::handle(request, env).await
}
