//! The dashboard's filter form: the choices come from the configuration as it is now (not
//! as it was when the site was built), with the reader's current choice selected.

use crate::config::ComuneConfig;
use crate::html::escape;
use crate::open_data::query::Filter;
use crate::report::{Language, ReportKind};
use std::fmt::Write;

fn option(out: &mut String, value: &str, name: &str, selected: bool) {
    let _ = write!(
        out,
        r#"<option value="{}"{}>{}</option>"#,
        escape(value),
        if selected {
            r#" selected="selected""#
        } else {
            ""
        },
        escape(name)
    );
}

/// The `<option>`s of each filter's `<select>`, after the page's own "all" option.
pub struct FilterOptions {
    pub themes: String,
    pub categories: String,
    pub offices: String,
    pub kinds: String,
}

impl FilterOptions {
    pub fn of(config: &ComuneConfig, filter: &Filter, language: Language) -> Self {
        let is = |chosen: &Option<String>, id: &str| chosen.as_deref() == Some(id);
        let mut themes = String::new();
        let mut categories = String::new();
        for theme in &config.themes {
            let name = theme.name.get(language);
            option(&mut themes, &theme.id, name, is(&filter.theme, &theme.id));
            let _ = write!(categories, r#"<optgroup label="{}">"#, escape(name));
            for category in &theme.categories {
                option(
                    &mut categories,
                    &category.id,
                    category.name.get(language),
                    is(&filter.category, &category.id),
                );
            }
            categories.push_str("</optgroup>");
        }
        let mut offices = String::new();
        for office in &config.offices {
            option(
                &mut offices,
                &office.id,
                office.name.get(language),
                is(&filter.office, &office.id),
            );
        }
        let mut kinds = String::new();
        for kind in ReportKind::ALL {
            option(
                &mut kinds,
                kind.as_str(),
                kind.label(language),
                filter.kind == Some(kind),
            );
        }
        Self {
            themes,
            categories,
            offices,
            kinds,
        }
    }
}

/// The filters as a query string (`?from=…&office=…`, or empty), for the download links
/// and the map, so they show the same reports as the page.
pub fn query_string(filter: &Filter, language: Language) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(from) = filter.from {
        pairs.push(("from", from.to_string()));
    }
    if let Some(to) = filter.to {
        pairs.push(("to", to.to_string()));
    }
    for (name, value) in [
        ("theme", &filter.theme),
        ("category", &filter.category),
        ("office", &filter.office),
    ] {
        if let Some(value) = value {
            pairs.push((name, value.clone()));
        }
    }
    if let Some(kind) = filter.kind {
        pairs.push(("kind", kind.as_str().to_string()));
    }
    if language == Language::En {
        pairs.push(("lang", "en".into()));
    }
    if pairs.is_empty() {
        return String::new();
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect();
    format!("?{}", encoded.join("&"))
}

/// Identifiers are validated against the configuration before they get here; this keeps
/// any character that is not plainly safe from changing the query's shape all the same.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}
