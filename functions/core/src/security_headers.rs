//! The security headers every answer of a comune carries, decided in one place. A handler
//! that sets one of them itself (the staff pages' policy, a tracking page's stricter
//! referrer policy, a photo's sandbox) keeps its own; the rest are added here.

use crate::config::ComuneConfig;

/// HSTS for a year, only where the service is published over HTTPS (a browser ignores it
/// over HTTP, and a local stack must stay reachable).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// What an answer is, for the policy it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An HTML page: scripts, styles and data from the site only, the map's tiles.
    Page,
    /// Anything else (JSON, CSV, images...): nothing may run or load in it.
    Other,
}

impl Answer {
    pub fn of_content_type(content_type: Option<&str>) -> Self {
        match content_type {
            Some(t) if t.trim_start().to_ascii_lowercase().starts_with("text/html") => Self::Page,
            _ => Self::Other,
        }
    }
}

/// The page policy, with the human check's origin where the comune uses Turnstile: its
/// script draws the widget in a frame of its own.
fn page_policy(config: &ComuneConfig) -> String {
    let policy = crate::staff::pages::content_security_policy(&config.map.tile_url);
    let Some(origin) = config
        .abuse
        .turnstile
        .as_ref()
        .and_then(|t| crate::staff::pages::tile_source(&t.script_url))
    else {
        return policy;
    };
    policy.replacen(
        "script-src 'self';",
        &format!("script-src 'self' {origin}; frame-src {origin};"),
        1,
    )
}

/// The headers to add, as (name, value), to an answer that has none of that name.
pub fn headers(config: &ComuneConfig, answer: Answer) -> Vec<(&'static str, String)> {
    let policy = match answer {
        Answer::Page => page_policy(config),
        Answer::Other => NOTHING_MAY_LOAD.into(),
    };
    with_policy(policy, config.public_url.starts_with("https://"))
}

/// The headers of the answer to a host no comune is served at. There is no configuration
/// to build a policy from, and its short page needs nothing, so nothing may load at all.
pub fn without_comune(over_https: bool) -> Vec<(&'static str, String)> {
    with_policy(
        format!("{NOTHING_MAY_LOAD}; form-action 'none'"),
        over_https,
    )
}

const NOTHING_MAY_LOAD: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

fn with_policy(policy: String, over_https: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff".into()),
        ("X-Frame-Options", "DENY".into()),
        ("Referrer-Policy", "strict-origin-when-cross-origin".into()),
        // The form asks for the position; nothing asks for camera (photos are files) or more.
        (
            "Permissions-Policy",
            "geolocation=(self), camera=(), microphone=(), payment=(), usb=()".into(),
        ),
        ("Cross-Origin-Opener-Policy", "same-origin".into()),
    ];
    if over_https {
        headers.push(("Strict-Transport-Security", HSTS.into()));
    }
    headers
}

/// The files every comune shares, served by Workers Static Assets before the Worker runs
/// (`run_worker_first` in `wrangler.toml` leaves exactly these out).
pub const SHARED_FILES: [&str; 5] = ["/css/*", "/js/*", "/vendor/*", "/fonts/*", "/favicon.svg"];

/// The `_headers` file of the static assets: the shared files get a data answer's headers
/// (nothing may run in an SVG opened on its own, no file is framed or sniffed), with HSTS
/// only when every comune of the deployment is published over HTTPS.
pub fn shared_files_rules(comuni: &[ComuneConfig]) -> String {
    let every_one_https = !comuni.is_empty()
        && comuni
            .iter()
            .all(|config| config.public_url.starts_with("https://"));
    let lines: String = comuni
        .first()
        .map(|first| {
            let mut config = first.clone();
            if !every_one_https {
                config.public_url.clear();
            }
            headers(&config, Answer::Other)
        })
        .unwrap_or_default()
        .iter()
        .map(|(name, value)| format!("  {name}: {value}\n"))
        .collect();
    let mut rules = String::from(
        "# Written by `segnala static-headers` (scripts/build): the security headers of the\n\
         # files every comune shares, which are served before the Worker runs.\n",
    );
    for path in SHARED_FILES {
        rules.push_str(path);
        rules.push('\n');
        rules.push_str(&lines);
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests_support::demo_config;

    fn value<'a>(headers: &'a [(&str, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_comune_with_turnstile_lets_its_script_and_frame_load_and_nothing_more() {
        let mut config = demo_config();
        config.abuse.turnstile = Some(crate::config::TurnstileSettings {
            site_key: "0x4AAA".into(),
            script_url: crate::config::default_turnstile_script_url(),
            verify_url: crate::config::default_turnstile_verify_url(),
        });
        let headers = headers(&config, Answer::Page);
        let policy = value(&headers, "Content-Security-Policy").unwrap();
        assert!(
            policy.contains(
                "script-src 'self' https://challenges.cloudflare.com; frame-src https://challenges.cloudflare.com;"
            ),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let without = headers_of_demo();
        assert!(!without.contains("challenges.cloudflare.com"), "{without}");
    }

    fn headers_of_demo() -> String {
        value(
            &headers(&demo_config(), Answer::Page),
            "Content-Security-Policy",
        )
        .unwrap()
        .to_string()
    }

    #[test]
    fn a_page_may_load_only_the_site_and_the_configured_tile_server_and_never_be_framed() {
        let mut config = demo_config();
        config.map.tile_url = "https://{s}.tiles.example.it/{z}/{x}/{y}.png".into();
        let headers = headers(&config, Answer::Page);
        let policy = value(&headers, "Content-Security-Policy").unwrap();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(
            policy.contains("img-src 'self' data: blob: https://*.tiles.example.it;"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(value(&headers, "X-Frame-Options"), Some("DENY"));
        assert_eq!(value(&headers, "X-Content-Type-Options"), Some("nosniff"));
    }

    #[test]
    fn data_answers_may_run_and_load_nothing() {
        let headers = headers(&demo_config(), Answer::Other);
        assert_eq!(
            value(&headers, "Content-Security-Policy"),
            Some("default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
        );
    }

    #[test]
    fn hsts_is_sent_only_when_the_service_is_published_over_https() {
        let mut config = demo_config();
        config.public_url = "http://127.0.0.1:8787".into();
        assert_eq!(
            value(&headers(&config, Answer::Page), "Strict-Transport-Security"),
            None
        );
        config.public_url = "https://segnala.comune.example.it".into();
        assert_eq!(
            value(&headers(&config, Answer::Page), "Strict-Transport-Security"),
            Some("max-age=31536000; includeSubDomains")
        );
    }

    #[test]
    fn only_html_is_a_page() {
        assert_eq!(
            Answer::of_content_type(Some("text/html; charset=utf-8")),
            Answer::Page
        );
        assert_eq!(
            Answer::of_content_type(Some("application/json")),
            Answer::Other
        );
        assert_eq!(Answer::of_content_type(None), Answer::Other);
    }
    #[test]
    fn the_shared_files_get_the_headers_of_a_data_answer_under_every_path_the_worker_skips() {
        let rules = shared_files_rules(&[demo_config()]);
        for path in SHARED_FILES {
            let block = rules
                .split(&format!("\n{path}\n"))
                .nth(1)
                .unwrap_or_else(|| panic!("no rule for {path}:\n{rules}"));
            let first_line = block.lines().next().unwrap();
            assert_eq!(
                first_line,
                "  Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
            );
            assert!(
                block.contains("  X-Content-Type-Options: nosniff\n"),
                "{rules}"
            );
        }
        let wrangler = include_str!("../../../wrangler.toml");
        let run_worker_first = wrangler
            .lines()
            .find(|l| l.starts_with("run_worker_first"))
            .unwrap();
        for path in SHARED_FILES {
            assert!(
                run_worker_first.contains(&format!("\"!{path}\"")),
                "wrangler.toml must leave {path} to the static assets: {run_worker_first}"
            );
        }
    }

    #[test]
    fn the_shared_files_get_hsts_only_when_every_comune_is_published_over_https() {
        let mut secure = demo_config();
        secure.public_url = "https://segnala.comune.example.it".into();
        let mut plain = demo_config();
        plain.public_url = "http://127.0.0.1:8787".into();
        assert!(shared_files_rules(&[secure.clone()]).contains("Strict-Transport-Security"));
        assert!(!shared_files_rules(&[secure, plain]).contains("Strict-Transport-Security"));
    }

    #[test]
    fn a_host_without_a_comune_gets_every_header_and_a_policy_that_loads_nothing() {
        let plain = without_comune(false);
        let policy = value(&plain, "Content-Security-Policy").unwrap();
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("form-action 'none'"));
        for name in [
            "X-Content-Type-Options",
            "X-Frame-Options",
            "Referrer-Policy",
            "Permissions-Policy",
            "Cross-Origin-Opener-Policy",
        ] {
            assert!(value(&plain, name).is_some(), "{name}");
        }
        assert_eq!(value(&plain, "Strict-Transport-Security"), None);
        assert_eq!(
            value(&without_comune(true), "Strict-Transport-Security"),
            Some(HSTS)
        );
    }
}
