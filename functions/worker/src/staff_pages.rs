//! Dashboard pages under `/staff`. Each is a page Zola built, served only after the route
//! table's access rule passes: without a session, a redirect to the sign-in page (which
//! brings the user back); with a role that may not see it, an error page. The pages hold
//! no data; their scripts read it from the staff API, which checks every call again.

use crate::api_error::ApiError;
use crate::comune;
use crate::pages;
use crate::staff_api;
use crate::tenant::Env;
use segnala_core::public_number::PublicNumber;
use segnala_core::staff::pages::{content_security_policy, safe_return_path};
use segnala_core::staff::routes::{
    match_route, Access, Matched, RouteKind, RouteName, INBOX_PAGE, LOGIN_PAGE,
};
use segnala_core::staff::session::Session;
use worker::{Request, Response, Result, Url};

/// Built page served for each page route (the ticket page is one model for every ticket).
fn asset_for(name: RouteName) -> Option<&'static str> {
    match name {
        RouteName::LoginPage => Some("/staff/accesso/"),
        RouteName::InboxPage => Some("/staff/segnalazioni/"),
        RouteName::TicketPage => Some("/staff/scheda/"),
        RouteName::StaffUsersPage => Some("/staff/utenti/"),
        RouteName::AuditLogPage => Some("/staff/registro/"),
        RouteName::ApiKeysPage => Some("/staff/chiavi-api/"),
        RouteName::ConfigurationPage => Some("/staff/configurazione/"),
        _ => None,
    }
}

const FORBIDDEN_PAGE: &str = "/staff/non-consentito/";

pub async fn handle(request: Request, env: &Env, path: &str) -> Result<Response> {
    let method = request.method().to_string();
    let (route, params) = match match_route(&method, path) {
        Matched::Route(route, params) if route.kind == RouteKind::Page => (route, params),
        Matched::WrongMethod => {
            let mut response = Response::error("Method not allowed", 405)?;
            response.headers_mut().set("Allow", "GET")?;
            return Ok(response);
        }
        _ => return pages::not_found(env).await,
    };
    let url = request.url()?;
    if route.name == RouteName::SignedOutPage {
        // Behind Cloudflare Access its own session must end too, or the next page would
        // sign the user in again.
        return match crate::sso::settings(env) {
            Some(_) => redirect(&url, "/cdn-cgi/access/logout"),
            None => redirect(&url, LOGIN_PAGE),
        };
    }
    let session = signed_in(&request, env).await?;
    if session.is_none() {
        // Behind Cloudflare Access: its token signs the user in; the page is asked again
        // with the new session's cookie.
        let signed_in_by_access = staff_api::access_sign_in(&request, env)
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        if let Some(cookie) = signed_in_by_access {
            let mut response = see_other(url.as_str())?;
            response.headers_mut().set("Set-Cookie", &cookie)?;
            return Ok(response);
        }
    }
    let Access::Staff(permission) = route.access else {
        // The sign-in page: whoever is signed in already goes where they were headed.
        if session.is_some() {
            let next = url
                .query_pairs()
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v.into_owned());
            return redirect(&url, safe_return_path(next.as_deref()));
        }
        return page(env, LOGIN_PAGE, 200).await;
    };
    let Some(session) = session else {
        let here = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let mut login = url.join(LOGIN_PAGE)?;
        login.query_pairs_mut().append_pair("next", &here);
        return see_other(login.as_str());
    };
    if !session.role.allows(permission) {
        return page(env, FORBIDDEN_PAGE, 403).await;
    }
    match route.name {
        RouteName::DashboardHome => redirect(&url, INBOX_PAGE),
        RouteName::TicketPage if PublicNumber::parse(params.get(0)).is_err() => {
            pages::not_found(env).await.and_then(private)
        }
        name => match asset_for(name) {
            Some(asset) => page(env, asset, 200).await,
            None => pages::not_found(env).await,
        },
    }
}

/// The session, if the cookie names a live one; a KV failure is an error, not "signed out".
async fn signed_in(request: &Request, env: &Env) -> Result<Option<Session>> {
    match staff_api::current_session(request, env).await {
        Ok((_, session)) => Ok(Some(session)),
        Err(ApiError::Unauthorized(_)) => Ok(None),
        Err(error) => Err(worker::Error::RustError(error.to_string())),
    }
}

async fn page(env: &Env, asset: &str, status: u16) -> Result<Response> {
    let html = pages::asset_html(env, asset).await?;
    let mut response = pages::html_response(html, status)?;
    response.headers_mut().set(
        "Content-Security-Policy",
        &content_security_policy(&comune::config(env).map.tile_url),
    )?;
    private(response)
}

fn redirect(url: &Url, path: &str) -> Result<Response> {
    see_other(url.join(path)?.as_str())
}

/// A 303 whose headers can still be set (`Response::redirect` gives immutable ones).
fn see_other(location: &str) -> Result<Response> {
    let mut response = Response::empty()?.with_status(303);
    response.headers_mut().set("Location", location)?;
    private(response)
}

/// Office PCs are shared and pages show personal data once filled: nothing is cached, and
/// no other site may frame them.
fn private(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    headers.set("Cache-Control", "no-store")?;
    headers.set("Referrer-Policy", "same-origin")?;
    headers.set("X-Frame-Options", "DENY")?;
    headers.set("X-Robots-Tag", "noindex")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(response)
}
