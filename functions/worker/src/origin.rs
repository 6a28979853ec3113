//! Where a change comes from. Browsers say it (`Sec-Fetch-Site`, `Origin`); a change from
//! another site is refused, on top of whatever key the request carries. Scripts, which
//! send neither header, pass.

use crate::comune;
use crate::tenant::Env;
use worker::{Request, Result};

/// Whether the request may come from where it says it comes from.
pub fn from_this_site(request: &Request, env: &Env) -> Result<bool> {
    let headers = request.headers();
    if headers.get("Sec-Fetch-Site")?.as_deref() == Some("cross-site") {
        return Ok(false);
    }
    let Some(origin) = headers.get("Origin")? else {
        return Ok(true);
    };
    let own = request.url()?.origin().ascii_serialization();
    let public = comune::config(env)
        .public_url
        .trim_end_matches('/')
        .to_string();
    Ok(origin == own || origin == public)
}
