//! Rules for the dashboard pages that do not need the Worker: where to go after signing
//! in, and the security headers every page carries.

use super::routes::INBOX_PAGE;

/// The page to return to after signing in: only a dashboard path of this site, so a
/// crafted `?next=` link cannot send staff elsewhere (open redirect).
pub fn safe_return_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with("/staff/")
                && !path.starts_with("/staff/accesso")
                && path.len() <= 512
                && path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_.?=&%,+".contains(&b))
                && !path.contains("//")
                && !path.contains("..")
                // Encoded dots, slashes and backslashes would become `..` or `//` once
                // the browser or `Url::join` decodes them.
                && !["%2e", "%2f", "%5c"]
                    .iter()
                    .any(|encoded| path.to_ascii_lowercase().contains(encoded)) =>
        {
            path
        }
        _ => INBOX_PAGE,
    }
}

/// The Content-Security-Policy of dashboard pages: scripts, styles and data from this
/// site only, images also from the map's tile server; no framing, no plugins. A script
/// injected through a citizen's text could neither run inline nor send data elsewhere.
pub fn content_security_policy(tile_url: &str) -> String {
    let tiles = tile_source(tile_url)
        .map(|source| format!(" {source}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The scheme and host of a tile URL template such as
/// `https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png` (a `{s}` subdomain becomes `*`).
pub(crate) fn tile_source(tile_url: &str) -> Option<String> {
    let (scheme, rest) = tile_url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split('/').next()?;
    // A `{s}` subdomain (`{s}.tile.example`, `tile-{s}.example`) becomes the `*.` wildcard,
    // the only form CSP allows.
    let host = match host.split_once('.') {
        Some((first, rest)) if first.contains("{s}") => format!("*.{rest}"),
        _ => host.to_string(),
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-:*[]".contains(c);
    if host.is_empty() || !host.chars().all(allowed) {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_path_is_kept_as_the_place_to_return_to() {
        assert_eq!(
            safe_return_path(Some("/staff/segnalazioni/2026-000004")),
            "/staff/segnalazioni/2026-000004"
        );
        assert_eq!(
            safe_return_path(Some("/staff/segnalazioni/?status=open&q=via%20roma")),
            "/staff/segnalazioni/?status=open&q=via%20roma"
        );
    }

    #[test]
    fn other_sites_and_odd_paths_lead_to_the_inbox() {
        for next in [
            None,
            Some(""),
            Some("https://evil.example/staff/"),
            Some("//evil.example/staff/"),
            Some("/staff//evil.example"),
            Some("/\\evil.example"),
            Some("/staff/../api/v1/staff/users"),
            Some("/staff/%2e%2e/api/v1/staff/users"),
            Some("/staff/%2E%2E%2Fapi"),
            Some("/staff/%5c%5cevil.example"),
            Some("/segnala/"),
            Some("/staff/accesso/?next=/staff/"),
            Some("/staff/\"><script>"),
        ] {
            assert_eq!(safe_return_path(next), INBOX_PAGE, "{next:?}");
        }
    }

    #[test]
    fn the_policy_allows_images_from_the_tile_server_only_besides_this_site() {
        let policy = content_security_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png");
        assert!(policy.contains("img-src 'self' data: blob: https://*.tile.openstreetmap.org;"));
        assert!(policy.contains("script-src 'self';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        let dashed = content_security_policy("https://tile-{s}.example.org/{z}/{x}/{y}.png");
        assert!(dashed.contains("img-src 'self' data: blob: https://*.example.org;"));
        let local = content_security_policy("http://127.0.0.1:4321/tiles/{z}/{x}/{y}.png");
        assert!(local.contains("img-src 'self' data: blob: http://127.0.0.1:4321;"));
    }

    #[test]
    fn a_strange_tile_url_adds_no_source_to_the_policy() {
        for url in [
            "javascript:alert(1)",
            "https://a b/{z}",
            "https://x.org;script-src *",
        ] {
            assert!(
                content_security_policy(url).contains("img-src 'self' data: blob:;"),
                "{url}"
            );
        }
    }
}
