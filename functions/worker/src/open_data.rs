//! Public open data under `/api/v1/open-data/`: the reports dataset as JSON pages, or CSV
//! and GeoJSON streamed whole page by page from the comune's store; the statistics, cached
//! in KV under their entity tag. Every answer is CORS-enabled and carries an entity tag,
//! so readers (and caches) revalidate for the price of one small store query.

use crate::api_error::ApiError;
use crate::comune;
use crate::platform::now;
use crate::routes::query_pairs;
use crate::store_client;
use crate::tenant::Env;
use futures_util::stream;
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::open_data::formats::{
    csv_head, csv_rows, geojson_features, ExportWriter, JsonPage, GEOJSON_HEAD, GEOJSON_TAIL,
};
use segnala_core::open_data::query::{Dataset, OpenDataQuery, DEFAULT_LIMIT, MAX_LIMIT};
use segnala_core::open_data::{entity_tag, matches_tag};
use segnala_core::public_number::PublicNumber;
use segnala_core::store::open_data::{DataVersion, ReportsPage};
use segnala_core::working_days::rome_date;
use serde::{Deserialize, Serialize};
use worker::{Headers, Method, Request, Response, Url};

type Result<T> = std::result::Result<T, ApiError>;

/// Fresh for five minutes in shared caches; then revalidated with the entity tag.
const CACHE_CONTROL: &str = "public, max-age=300, stale-while-revalidate=60";
/// Statistics kept in KV, keyed by entity tag; a changed tag simply misses.
const STATISTICS_TTL_SECONDS: u64 = 2 * 24 * 3600;

/// Reports per store call while streaming a whole export: `OPEN_DATA_PAGE_SIZE`, else the
/// largest page (a smaller one holds the store for less time per call, at more calls).
pub(crate) fn export_page_size(env: &Env) -> u32 {
    env.var("OPEN_DATA_PAGE_SIZE")
        .ok()
        .and_then(|v| v.to_string().parse::<u32>().ok())
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .unwrap_or(MAX_LIMIT)
}

/// What the Worker asks the store for: one page of records.
#[derive(Serialize, Deserialize)]
pub struct PageCall {
    pub query: OpenDataQuery,
    pub limit: u32,
    pub with_total: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Json,
    Csv,
    GeoJson,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::GeoJson => "geojson",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::GeoJson => "application/geo+json; charset=utf-8",
        }
    }
}

/// `file` is the last segment of the path, e.g. `reports.csv`.
pub async fn handle(request: Request, env: &Env, file: &str) -> Result<Response> {
    let response = match request.method() {
        Method::Options => preflight(),
        Method::Get => match file {
            "reports.json" => reports(&request, env, Form::Json).await,
            "reports.csv" => reports(&request, env, Form::Csv).await,
            "reports.geojson" => reports(&request, env, Form::GeoJson).await,
            "statistics.json" => statistics(&request, env).await,
            "catalog.jsonld" => catalog(&request, env).await,
            "snapshots.json" => crate::snapshots::list(&request, env).await,
            _ => match file.strip_prefix("snapshots/") {
                Some(rest) => crate::snapshots::download(&request, env, rest).await,
                None => Err(ApiError::NotFound("Dataset")),
            },
        },
        _ => Err(ApiError::MethodNotAllowed),
    };
    let mut response = match response {
        Ok(response) => response,
        Err(error) => error.into_response()?,
    };
    // Errors too, so that a page on another site can read what was wrong.
    cors(response.headers_mut())?;
    Ok(response)
}

fn cors(headers: &mut Headers) -> Result<()> {
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set(
        "Access-Control-Expose-Headers",
        "ETag, Link, Content-Disposition",
    )?;
    Ok(())
}

fn preflight() -> Result<Response> {
    let mut response = Response::empty()?.with_status(204);
    let headers = response.headers_mut();
    headers.set("Access-Control-Allow-Methods", "GET, OPTIONS")?;
    headers.set("Access-Control-Allow-Headers", "If-None-Match")?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(response)
}

fn parse(request: &Request, env: &Env, dataset: Dataset) -> Result<(Url, OpenDataQuery)> {
    let url = request.url()?;
    let query = OpenDataQuery::parse(&query_pairs(&url), comune::config(env), dataset)
        .map_err(ApiError::BadQuery)?;
    Ok((url, query))
}

/// The entity tag of this answer now, and a 304 if the reader already holds it.
async fn revalidate(
    request: &Request,
    env: &Env,
    form: &str,
    query: &OpenDataQuery,
) -> Result<(String, Option<Response>)> {
    let data = store_client::open_data_version(env).await?;
    revalidate_at(request, env, form, query, &data)
}

fn revalidate_at(
    request: &Request,
    env: &Env,
    form: &str,
    query: &OpenDataQuery,
    data: &DataVersion,
) -> Result<(String, Option<Response>)> {
    let tag = tag_of(env, form, query, data);
    let held = request.headers().get("If-None-Match")?;
    if held.is_some_and(|held| matches_tag(&held, &tag)) {
        let mut response = Response::empty()?.with_status(304);
        fresh(response.headers_mut(), &tag)?;
        return Ok((tag, Some(response)));
    }
    Ok((tag, None))
}

/// Changes with the data, the configuration (names, policy) and the day (default periods
/// and "overdue" move with it).
fn tag_of(env: &Env, form: &str, query: &OpenDataQuery, data: &DataVersion) -> String {
    entity_tag(
        form,
        query,
        data.events,
        comune::version(env),
        rome_date(now()),
    )
}

fn fresh(headers: &mut Headers, tag: &str) -> Result<()> {
    headers.set("ETag", tag)?;
    headers.set("Cache-Control", CACHE_CONTROL)?;
    Ok(())
}

/// The address of the page after `after`, keeping every other parameter.
fn next_url(url: &Url, after: &str) -> String {
    let mut next = url.clone();
    let kept: Vec<(String, String)> = query_pairs(url)
        .into_iter()
        .filter(|(k, _)| k != "after")
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("after", after);
    next.to_string()
}

fn unknown_cursor() -> ApiError {
    ApiError::BadQuery(FieldErrors(vec![FieldError::new(
        "after",
        "unknown_report",
        "is not the number of a published report",
    )]))
}

pub(crate) async fn page(
    env: &Env,
    query: &OpenDataQuery,
    limit: u32,
    with_total: bool,
) -> Result<ReportsPage> {
    let call = PageCall {
        query: query.clone(),
        limit,
        with_total,
    };
    store_client::open_data_page(env, &call)
        .await?
        .ok_or_else(unknown_cursor)
}

async fn reports(request: &Request, env: &Env, form: Form) -> Result<Response> {
    let (url, query) = parse(request, env, Dataset::Reports)?;
    let (tag, not_modified) = revalidate(request, env, form.name(), &query).await?;
    if let Some(response) = not_modified {
        return Ok(response);
    }
    let licence = &comune::config(env).open_data.licence;
    // JSON is read page by page; CSV and GeoJSON are whole files unless a limit is asked.
    let whole = form != Form::Json && query.limit.is_none();
    let limit = match query.limit {
        Some(limit) => limit,
        None if whole => export_page_size(env),
        None => DEFAULT_LIMIT,
    };
    let first = page(env, &query, limit, form == Form::Json).await?;
    let next = (!whole)
        .then(|| {
            first
                .next_after
                .as_deref()
                .map(|after| next_url(&url, after))
        })
        .flatten();

    let mut response = match form {
        Form::Json => Response::from_json(&JsonPage {
            reports: &first.reports,
            total: first.total.unwrap_or_default(),
            next: next.clone(),
            licence,
        })?,
        Form::Csv | Form::GeoJson if !whole => {
            let body = match form {
                Form::Csv => csv_head() + &csv_rows(&first.reports),
                _ => format!(
                    "{GEOJSON_HEAD}{}{GEOJSON_TAIL}",
                    geojson_features(&first.reports, true)
                ),
            };
            Response::ok(body)?
        }
        Form::Csv | Form::GeoJson => streamed(env.clone(), query, form, first, limit)?,
    };
    let headers = response.headers_mut();
    headers.set("Content-Type", form.content_type())?;
    fresh(headers, &tag)?;
    if let Some(next) = next {
        headers.set("Link", &format!("<{next}>; rel=\"next\""))?;
    }
    if form != Form::Json {
        let id = &comune::config(env).id;
        headers.set(
            "Content-Disposition",
            &format!("attachment; filename=\"segnalazioni-{id}.{}\"", form.name()),
        )?;
    }
    Ok(response)
}

/// The whole export, written as the store hands over its pages: memory stays at one page
/// whatever the number of reports.
fn streamed(
    env: Env,
    query: OpenDataQuery,
    form: Form,
    first: ReportsPage,
    page_size: u32,
) -> Result<Response> {
    enum Next {
        Page(ReportsPage),
        Tail,
        Done,
    }
    let writer = std::rc::Rc::new(std::cell::RefCell::new(export_writer(form)));
    let chunks = stream::unfold(Next::Page(first), move |state| {
        let (env, query, writer) = (env.clone(), query.clone(), writer.clone());
        async move {
            match state {
                Next::Page(page) => {
                    let chunk = writer.borrow_mut().page(&page.reports);
                    let next = match next_page(&env, &query, &page, page_size).await {
                        Ok(Some(page)) => Next::Page(page),
                        Ok(None) => Next::Tail,
                        Err(error) => {
                            // The status is sent; the reader sees a cut transfer.
                            worker::console_error!("open-data export stopped: {error}");
                            return Some((
                                Err(worker::Error::RustError(error.to_string())),
                                Next::Done,
                            ));
                        }
                    };
                    Some((Ok(chunk.into_bytes()), next))
                }
                Next::Tail => Some((Ok(writer.borrow_mut().tail().into_bytes()), Next::Done)),
                Next::Done => None,
            }
        }
    });
    Ok(Response::from_stream(chunks)?)
}

fn export_writer(form: Form) -> ExportWriter {
    match form {
        Form::GeoJson => ExportWriter::geojson(),
        _ => ExportWriter::csv(),
    }
}

/// The page after `page` in a walk through the whole dataset, if there is one.
pub(crate) async fn next_page(
    env: &Env,
    query: &OpenDataQuery,
    page: &ReportsPage,
    page_size: u32,
) -> Result<Option<ReportsPage>> {
    let Some(after) = page.next_after.as_deref() else {
        return Ok(None);
    };
    let after = PublicNumber::parse(after)
        .map_err(|_| ApiError::Internal(format!("store cursor {after} is not a number")))?;
    let query = OpenDataQuery {
        after: Some(after),
        ..query.clone()
    };
    self::page(env, &query, page_size, false).await.map(Some)
}

async fn statistics(request: &Request, env: &Env) -> Result<Response> {
    let (_, query) = parse(request, env, Dataset::Statistics)?;
    let (tag, not_modified) = revalidate(request, env, STATISTICS_FORM, &query).await?;
    if let Some(response) = not_modified {
        return Ok(response);
    }
    let body = cached_statistics(env, &query, &tag).await?;
    let mut response = Response::ok(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", Form::Json.content_type())?;
    fresh(headers, &tag)?;
    Ok(response)
}

const STATISTICS_FORM: &str = "statistics";

/// The statistics as JSON, from KV when someone asked for the same ones since the last
/// change, else from the store (and then kept in KV). The dashboard page reads them here
/// too, so the page and the API share one computation.
pub(crate) async fn statistics_json(env: &Env, query: &OpenDataQuery) -> Result<String> {
    let data = store_client::open_data_version(env).await?;
    let tag = tag_of(env, STATISTICS_FORM, query, &data);
    cached_statistics(env, query, &tag).await
}

async fn cached_statistics(env: &Env, query: &OpenDataQuery, tag: &str) -> Result<String> {
    let kv = env.kv()?;
    let key = format!("open-data:statistics:{}", tag.trim_matches('"'));
    if let Some(cached) = kv.get(&key).text().await.ok().flatten() {
        return Ok(cached);
    }
    let body = store_client::open_data_statistics(env, query).await?;
    // A failed cache write only costs the next reader a computation.
    if let Ok(put) = kv.put(&key, body.as_str()) {
        if let Err(error) = put.expiration_ttl(STATISTICS_TTL_SECONDS).execute().await {
            worker::console_warn!("statistics not cached: {error}");
        }
    }
    Ok(body)
}

/// The DCAT-AP_IT catalogue (JSON-LD) of the comune's datasets.
async fn catalog(request: &Request, env: &Env) -> Result<Response> {
    let (_, query) = parse(request, env, Dataset::Catalog)?;
    let data = store_client::open_data_version(env).await?;
    let (tag, not_modified) = revalidate_at(request, env, "catalog", &query, &data)?;
    if let Some(response) = not_modified {
        return Ok(response);
    }
    let body =
        segnala_core::open_data::catalog::catalog(comune::config(env), data.changed_at, now());
    let mut response = Response::from_json(&body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/ld+json; charset=utf-8")?;
    fresh(headers, &tag)?;
    Ok(response)
}
