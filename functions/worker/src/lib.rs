//! The Segnala Worker: a thin adapter from HTTP requests and Cloudflare bindings to the
//! domain core. Shared static files (styles, scripts, fonts) are served by Workers Static
//! Assets before this code runs; every other request arrives here, is matched to a comune
//! by its host, and is answered for that comune only (its pages, API and storage).

mod api_error;
mod assets;
mod body;
mod comune;
mod dashboard;
mod follow_up;
mod following;
mod html_rewriter;
mod mail_sender;
mod my_reports;
mod open311;
mod open_data;
mod origin;
mod outbox;
mod pages;
mod photo_storage;
mod platform;
mod routes;
mod snapshots;
mod sso;
mod staff_api;
mod staff_pages;
mod staff_protocol;
mod staff_store;
mod store_client;
mod submission;
mod tenant;
mod ticket_store;
mod transfer;
mod turnstile;

use worker::{
    event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent,
};

pub use ticket_store::ComuneStore;

#[event(fetch)]
async fn fetch(request: Request, env: Env, _context: Context) -> Result<Response> {
    let url = request.url()?;
    let host = url.host_str().unwrap_or_default().to_string();
    let Some(id) = comune::for_host(&host) else {
        return routes::no_comune_here(&request.path(), url.scheme() == "https");
    };
    let env = tenant::Env::new(env, id);
    comune::refresh(&env).await;
    routes::handle(request, env).await
}

/// The e-mail outbox and its dead-letter queue; each message names its comune.
#[event(queue)]
async fn queue(
    batch: MessageBatch<outbox::OutboxMessage>,
    env: Env,
    _context: Context,
) -> Result<()> {
    outbox::consume(batch, env).await
}

/// Every few minutes, for each comune: the daily deadline lists, outbox rows whose
/// message was lost, and the day's open-data snapshot.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _context: ScheduleContext) {
    for id in comune::all() {
        let env = tenant::Env::new(env.clone(), id);
        comune::refresh(&env).await;
        if let Err(error) = outbox::sweep(&env).await {
            worker::console_error!("{id}: outbox sweep: {error}");
        }
        // After the outbox: a long export must not hold up the e-mails.
        if let Err(error) = snapshots::take_if_due(&env).await {
            worker::console_error!("{id}: open-data snapshot: {error}");
        }
    }
}
