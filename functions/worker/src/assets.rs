//! The site's pages, one tree per comune. `scripts/build` builds the Zola site once for
//! each comune into `site/public/_comuni/{id}/`; styles, scripts and fonts are shared at
//! the root and served by Workers Static Assets directly. Every page request reaches the
//! Worker, which answers it from the tree of the comune its host selected.

use crate::tenant::Env;
use worker::{Method, Request, RequestInit, RequestRedirect, Response, Result};

const BINDING: &str = "ASSETS";
/// Where the comuni's trees are in the assets directory.
const TREES: &str = "/_comuni";

fn tree(env: &Env) -> String {
    format!("{TREES}/{}", env.comune())
}

/// A file of the comune's tree, e.g. `/404.html` or a page model the Worker fills.
pub(crate) async fn asset(env: &Env, path: &str) -> Result<Response> {
    env.assets(BINDING)?
        .fetch(format!("https://assets.local{}{path}", tree(env)), None)
        .await
}

pub(crate) async fn asset_html(env: &Env, path: &str) -> Result<String> {
    asset(env, path).await?.text().await
}

/// Paths that are never pages: models the Worker fills (served only through their
/// handlers) and the trees themselves (a host sees only its own comune's, at its root).
fn is_hidden(path: &str) -> bool {
    path.starts_with("/internal/") || path.starts_with("/en/internal/") || path.starts_with(TREES)
}

/// A static page of the comune for a GET or HEAD, with the request's conditional headers
/// (so unchanged pages are a 304), or `None` where the tree has no such page.
pub(crate) async fn static_page(request: &Request, env: &Env) -> Result<Option<Response>> {
    let path = request.path();
    if is_hidden(&path) {
        return Ok(None);
    }
    let url = request.url()?;
    let mut target = format!("https://assets.local{}{path}", tree(env));
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut init = RequestInit::new();
    // Redirects (a trailing slash added, `index.html` dropped) go back to the browser, so
    // each page has one address.
    init.with_method(request.method())
        .with_headers(request.headers().clone())
        .with_redirect(RequestRedirect::Manual);
    let answer = env.assets(BINDING)?.fetch(target, Some(init)).await?;
    match answer.status_code() {
        404 => Ok(None),
        // The assets server adds or drops a trailing slash with a redirect inside the tree.
        301 | 302 | 303 | 307 | 308 => {
            let location = answer.headers().get("Location")?.unwrap_or_default();
            let inside = worker::Url::parse("https://assets.local/")?.join(&location)?;
            let prefix = tree(env);
            let own = inside.path().strip_prefix(&prefix).unwrap_or("/");
            let mut location = if own.is_empty() {
                "/".to_string()
            } else {
                own.to_string()
            };
            if let Some(query) = inside.query() {
                location.push('?');
                location.push_str(query);
            }
            let mut response = Response::empty()?.with_status(answer.status_code());
            response.headers_mut().set("Location", &location)?;
            Ok(Some(response))
        }
        _ => Ok(Some(answer)),
    }
}

/// Whether a method can read a static page.
pub(crate) fn reads(method: &Method) -> bool {
    matches!(method, Method::Get | Method::Head)
}
