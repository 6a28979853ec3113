//! The public dashboard page ("cruscotto", `/cruscotto/` and `/en/dashboard/`): the
//! statistics of the filters in its query string, drawn by the core into the page Zola
//! built. Complete without JavaScript; the page's script only adds the map. Bad filters get
//! the page back with a readable message and the unfiltered figures.

use crate::comune;
use crate::html_rewriter::Rewriter;
use crate::open_data;
use crate::pages::{asset, html_response, page_prefix, text_slot};
use crate::routes::query_pairs;
use crate::tenant::Env;
use segnala_core::dashboard::form::{query_string, FilterOptions};
use segnala_core::dashboard::DashboardView;
use segnala_core::field_error::FieldErrors;
use segnala_core::open_data::query::{Dataset, OpenDataQuery};
use segnala_core::report::Language;
use segnala_core::statistics::Statistics;
use worker::{Request, Response, Result};

/// The form's fields.
const FILTERS: [&str; 6] = ["from", "to", "theme", "category", "office", "kind"];

pub async fn page(request: Request, env: &Env, language: Language) -> Result<Response> {
    let url = request.url()?;
    let config = comune::config(env);
    // The page ignores what is not one of its filters (campaign tags in a shared link);
    // the API, which refuses unknown parameters, is for programs.
    let pairs: Vec<(String, String)> = query_pairs(&url)
        .into_iter()
        .filter(|(key, _)| FILTERS.contains(&key.as_str()))
        .collect();
    let (mut query, problems) = match OpenDataQuery::parse(&pairs, config, Dataset::Statistics) {
        Ok(query) => (query, None),
        Err(errors) => (OpenDataQuery::default(), Some(errors)),
    };
    // The page's language wins over a `lang` in the address.
    query.language = language;
    let json = open_data::statistics_json(env, &query)
        .await
        .map_err(|error| worker::Error::RustError(error.to_string()))?;
    let statistics: Statistics = serde_json::from_str(&json)?;
    let view = DashboardView::of(&statistics, language);
    let options = FilterOptions::of(config, &query.filter, language);
    // Downloads and the map cover the period the figures cover (by default the last
    // twelve months, not every report ever filed).
    let period = segnala_core::open_data::query::Filter {
        from: Some(statistics.period.from),
        to: Some(statistics.period.to),
        ..query.filter.clone()
    };
    let filters = query_string(&period, language);
    let filter = query.filter.clone();

    let mut rewriter = Rewriter::new();
    for (name, text) in view.figures {
        rewriter = rewriter.on(&text_slot(&format!("figure-{name}")), move |e| {
            e.set_text(&text)
        });
    }
    for (name, html) in view.fragments {
        rewriter = rewriter.on(&text_slot(name), move |e| e.set_html(&html));
    }
    for (name, html) in [
        ("filter-theme", options.themes),
        ("filter-category", options.categories),
        ("filter-office", options.offices),
        ("filter-kind", options.kinds),
    ] {
        rewriter = rewriter.on(&text_slot(name), move |e| e.append_html(&html));
    }
    for (name, date) in [("filter-from", filter.from), ("filter-to", filter.to)] {
        rewriter = rewriter.on(&text_slot(name), move |e| {
            if let Some(date) = date {
                e.set_attribute("value", &date.to_string());
            }
        });
    }
    // Downloads and the map show the reports the page counts.
    let filtered = filters.clone();
    rewriter = rewriter
        .on("[data-download]", move |e| {
            let base = e.get_attribute("data-download").unwrap_or_default();
            e.set_attribute("href", &format!("{base}{filtered}"));
        })
        .on(&text_slot("map"), move |e| {
            e.set_attribute(
                "data-geojson",
                &format!("/api/v1/open-data/reports.geojson{filters}"),
            );
        });
    if let Some(errors) = &problems {
        let items = error_items(errors);
        rewriter = rewriter
            .on(&text_slot("errors"), |e| e.remove_attribute("hidden"))
            .on(&text_slot("error-list"), move |e| {
                let invalid = e.get_attribute("data-invalid").unwrap_or_default();
                let mut html = String::new();
                for field in &items {
                    let label = e
                        .get_attribute(&format!("data-label-{field}"))
                        .unwrap_or_else(|| field.clone());
                    html.push_str(&format!(
                        "<li>{}</li>",
                        segnala_core::html::escape(&format!("{label}: {invalid}"))
                    ));
                }
                e.set_html(&html);
            });
    }
    let template = asset(
        env,
        &format!("{}/internal/cruscotto/", page_prefix(language)),
    )
    .await?;
    let html = rewriter.rewrite(template).await?;
    let status = if problems.is_some() { 400 } else { 200 };
    let mut response = html_response(html, status)?;
    let headers = response.headers_mut();
    // The statistics behind it are cached; five minutes of staleness is fine for a page
    // that says when its figures were computed.
    headers.set(
        "Cache-Control",
        if problems.is_some() {
            "no-store"
        } else {
            "public, max-age=300"
        },
    )?;
    Ok(response)
}

/// The names of the fields in error, each once, in the order they came.
fn error_items(errors: &FieldErrors) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for error in &errors.0 {
        let field = error.field.to_string();
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    fields
}
