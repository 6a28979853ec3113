//! "My reports" over HTTP (see `segnala_core::citizen_access`): the page at
//! `/le-mie-segnalazioni/` (`/en/my-reports/`) with its plain forms (ask for a link, use it,
//! download the data, erase it, sign out), and the same for apps under `/api/v1/citizen/`.
//! The session cookie is HttpOnly and SameSite=Lax; every change also passes the origin
//! check, so another site can neither act for a citizen nor sign them in as someone else.

use crate::api_error::ApiError;
use crate::comune;
use crate::html_rewriter::{escape, Element, Rewriter};
use crate::pages::{asset, html_response, page_prefix, reveal, text_slot};
use crate::platform::{now, CryptoEntropy};
use crate::staff_api::kv;
use crate::store_client;
use crate::tenant::Env;
use crate::ticket_store::{CitizenCall, SignInCall};
use segnala_core::api::{tracking_path, PublicTicketView};
use segnala_core::citizen_access::{
    self, page_path, CitizenSession, LinkRefused, SignedIn, COOKIE_NAME, LINK_SECONDS,
};
use segnala_core::email::Email;
use segnala_core::field_error::FieldErrors;
use segnala_core::ids::TrackingToken;
use segnala_core::italian_time::format_datetime;
use segnala_core::report::Language;
use segnala_core::staff::session::{
    clear_named_cookie, named_token_from_cookies, set_named_cookie, SessionToken,
};
use segnala_core::store::TicketRecord;
use segnala_core::subscription::AddressRequest;
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Url};

type Result<T> = std::result::Result<T, ApiError>;

/// How long a sign-in link works: `SIGN_IN_LINK_SECONDS` (tests shorten it), else 15 minutes.
fn link_seconds(env: &Env) -> i64 {
    env.var("SIGN_IN_LINK_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(LINK_SECONDS)
        .clamp(1, 3600)
}

/// The signed-in citizen, if the request carries a live session.
async fn session(request: &Request, env: &Env) -> Result<Option<(SessionToken, CitizenSession)>> {
    let cookies = request.headers().get("Cookie")?.unwrap_or_default();
    let Some(token) = named_token_from_cookies(COOKIE_NAME, &cookies) else {
        return Ok(None);
    };
    let stored: Option<CitizenSession> = kv(env)?
        .get(&citizen_access::storage_key(&token))
        .json()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(stored
        .filter(|session| !session.is_expired(now()))
        .map(|session| (token, session)))
}

/// A new session in KV; its `Set-Cookie` value.
async fn start_session(env: &Env, signed_in: SignedIn) -> Result<String> {
    let now = now();
    let token = SessionToken::generate(&mut CryptoEntropy);
    let session = CitizenSession::start(signed_in, now);
    let ttl = session.ttl_seconds(now);
    kv(env)?
        .put(&citizen_access::storage_key(&token), &session)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .expiration_ttl(ttl)
        .execute()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(set_named_cookie(COOKIE_NAME, &token, ttl))
}

async fn end_session(env: &Env, token: &SessionToken) -> Result<()> {
    kv(env)?
        .delete(&citizen_access::storage_key(token))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn same_origin(request: &Request, env: &Env) -> Result<()> {
    crate::follow_up::same_origin(request, env)
}

async fn records(env: &Env, email: &Email) -> Result<Vec<TicketRecord>> {
    store_client::citizen(env, "/citizen/reports", email).await
}

/// One report in the API's list: as its tracking page shows it, with that page's address.
#[derive(Serialize)]
struct MyReport {
    tracking_path: String,
    #[serde(flatten)]
    report: PublicTicketView,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    link: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseBody {
    confirm: bool,
}

fn no_store(mut response: Response) -> Result<Response> {
    response
        .headers_mut()
        .set("Cache-Control", "private, no-store")?;
    Ok(response)
}

async fn json_body<T: serde::de::DeserializeOwned>(request: &mut Request) -> Result<T> {
    if !crate::submission::content_type(request).starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let text = crate::follow_up::read_text(request).await?;
    segnala_core::field_error::parse_json(&text).map_err(ApiError::Validation)
}

fn too_many() -> ApiError {
    ApiError::TooManyRequests(
        "too_many_today",
        "This address was sent too many sign-in links today; try again tomorrow.".into(),
    )
}

/// `/api/v1/citizen/...`.
pub async fn api(mut request: Request, env: &Env, segment: &str) -> Result<Response> {
    use worker::Method;
    match (request.method(), segment) {
        (Method::Post, "sign-in") => {
            same_origin(&request, env)?;
            let body: SignInBody = json_body(&mut request).await?;
            let asked = AddressRequest::parse(body.email.as_deref(), body.language.as_deref())?;
            let call = SignInCall {
                request: asked,
                link_seconds: link_seconds(env),
            };
            store_client::citizen_sign_in(env, &call)
                .await?
                .map_err(|_| too_many())?;
            no_store(
                Response::from_json(&serde_json::json!({
                    "status": "link_sent_if_known",
                    "message": "If this address left any report, a sign-in link is on its way to it."
                }))?
                .with_status(202),
            )
        }
        (Method::Post, "session") => {
            same_origin(&request, env)?;
            let body: SessionBody = json_body(&mut request).await?;
            let secret = TrackingToken::parse(&body.link)
                .map_err(|_| ApiError::Unauthorized(LinkRefused::Unknown.code()))?;
            let signed_in = store_client::citizen_redeem(env, &secret)
                .await?
                .map_err(|refused| ApiError::Unauthorized(refused.code()))?;
            let email = signed_in.email.as_str().to_string();
            let cookie = start_session(env, signed_in).await?;
            let mut response = Response::from_json(&serde_json::json!({ "email": email }))?;
            response.headers_mut().set("Set-Cookie", &cookie)?;
            no_store(response)
        }
        (Method::Get, "reports") => {
            let (_, session) = session(&request, env)
                .await?
                .ok_or(ApiError::Unauthorized("not_signed_in"))?;
            let config = comune::config(env);
            let language = language_of(&request)?.unwrap_or(session.language);
            let reports: Vec<MyReport> = records(env, &session.email)
                .await?
                .iter()
                .map(|record| MyReport {
                    tracking_path: tracking_path(language, record.ticket.tracking_token.as_str()),
                    report: PublicTicketView::in_language(record, config, language),
                })
                .collect();
            no_store(Response::from_json(&serde_json::json!({
                "email": session.email,
                "reports": reports,
            }))?)
        }
        (Method::Get, "data") => {
            let (_, session) = session(&request, env)
                .await?
                .ok_or(ApiError::Unauthorized("not_signed_in"))?;
            let language = language_of(&request)?.unwrap_or(session.language);
            let call = CitizenCall {
                email: session.email,
                language,
            };
            let data: serde_json::Value =
                store_client::citizen(env, "/citizen/data", &call).await?;
            let mut response = Response::from_json(&data)?;
            response.headers_mut().set(
                "Content-Disposition",
                "attachment; filename=\"segnala-i-miei-dati.json\"",
            )?;
            no_store(response)
        }
        (Method::Post, "erase") => {
            same_origin(&request, env)?;
            let (token, session) = session(&request, env)
                .await?
                .ok_or(ApiError::Unauthorized("not_signed_in"))?;
            let body: EraseBody = json_body(&mut request).await?;
            if !body.confirm {
                return Err(ApiError::Validation(FieldErrors(vec![
                    segnala_core::field_error::FieldError::new(
                        "confirm",
                        "required",
                        "must be true: erasing cannot be undone",
                    ),
                ])));
            }
            let erased: u64 = store_client::citizen(env, "/citizen/erase", &session.email).await?;
            end_session(env, &token).await?;
            let mut response =
                Response::from_json(&serde_json::json!({ "erased_reports": erased }))?;
            response
                .headers_mut()
                .set("Set-Cookie", &clear_named_cookie(COOKIE_NAME))?;
            no_store(response)
        }
        (Method::Post, "sign-out") => {
            same_origin(&request, env)?;
            if let Some((token, _)) = session(&request, env).await? {
                end_session(env, &token).await?;
            }
            let mut response = Response::empty()?.with_status(204);
            response
                .headers_mut()
                .set("Set-Cookie", &clear_named_cookie(COOKIE_NAME))?;
            Ok(response)
        }
        (_, "sign-in" | "session" | "reports" | "data" | "erase" | "sign-out") => {
            Err(ApiError::MethodNotAllowed)
        }
        _ => Err(ApiError::NotFound("API endpoint")),
    }
}

fn language_of(request: &Request) -> Result<Option<Language>> {
    Ok(request
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Language::parse(&v)))
}

/// What the page shows.
#[derive(Default)]
struct View {
    /// A notice at the top, by its slot's suffix (`link-sent`, `expired_link`...).
    notice: Option<&'static str>,
    /// The sign-in form's refused address: the error code and what was typed.
    field_error: Option<(String, String)>,
    /// The page behind a sign-in link: its address, for the button's form.
    link_action: Option<String>,
    signed_in: Option<(Email, Vec<TicketRecord>)>,
}

/// `GET /le-mie-segnalazioni/`, `/en/my-reports/`.
pub async fn page(request: Request, env: &Env, language: Language) -> worker::Result<Response> {
    let signed_in = match session(&request, env).await.map_err(internal)? {
        Some((_, session)) => {
            let list = records(env, &session.email).await.map_err(internal)?;
            Some((session.email, list))
        }
        None => None,
    };
    render(
        env,
        language,
        View {
            signed_in,
            ..View::default()
        },
        200,
    )
    .await
}

fn internal(error: ApiError) -> worker::Error {
    worker::Error::RustError(error.to_string())
}

/// A post from another site (or no longer from this page) is explained, never acted on.
async fn notice_page(
    env: &Env,
    language: Language,
    notice: &'static str,
    status: u16,
) -> worker::Result<Response> {
    let view = View {
        notice: Some(notice),
        ..View::default()
    };
    render(env, language, view, status).await
}

/// The language of a post whose form could not be read: the one its address is in.
fn language_of_path(request: &Request) -> Language {
    match request.path().starts_with("/en/") {
        true => Language::En,
        false => Language::It,
    }
}

fn field(form: &worker::FormData, name: &str) -> Option<String> {
    match form.get(name) {
        Some(worker::FormEntry::Field(value)) => Some(value),
        _ => None,
    }
}

/// The page's plain forms: `POST /le-mie-segnalazioni/accedi|esci|cancella`.
pub async fn form_post(mut request: Request, env: &Env, action: &str) -> worker::Result<Response> {
    let form = match crate::body::form(&mut request, crate::body::PAGE_FORM_LIMIT).await {
        Ok(form) => form,
        Err(ApiError::PayloadTooLarge(_)) => {
            return notice_page(env, language_of_path(&request), "too-large", 413).await
        }
        Err(error) => return Err(internal(error)),
    };
    let value = |name: &str| form.as_ref().and_then(|f| field(f, name));
    let language = value("language")
        .and_then(|l| Language::parse(&l))
        .unwrap_or_else(|| language_of_path(&request));
    if !crate::origin::from_this_site(&request, env)? {
        return notice_page(env, language, "cross-site", 403).await;
    }
    match action {
        "accedi" => {
            let typed = value("email").unwrap_or_default();
            let asked = match AddressRequest::parse(Some(&typed), Some(language.as_str())) {
                Ok(asked) => asked,
                Err(FieldErrors(errors)) => {
                    let code = errors
                        .first()
                        .map(|e| e.code.to_string())
                        .unwrap_or_default();
                    let view = View {
                        field_error: Some((code, typed.chars().take(254).collect())),
                        ..View::default()
                    };
                    return render(env, language, view, 400).await;
                }
            };
            let call = SignInCall {
                request: asked,
                link_seconds: link_seconds(env),
            };
            let (notice, status) = match store_client::citizen_sign_in(env, &call)
                .await
                .map_err(internal)?
            {
                Ok(()) => ("link-sent", 200),
                Err(_) => ("too-many", 429),
            };
            let view = View {
                notice: Some(notice),
                ..View::default()
            };
            render(env, language, view, status).await
        }
        "esci" => {
            if let Some((token, _)) = session(&request, env).await.map_err(internal)? {
                end_session(env, &token).await.map_err(internal)?;
            }
            let view = View {
                notice: Some("signed-out"),
                ..View::default()
            };
            with_cookie(
                render(env, language, view, 200).await?,
                &clear_named_cookie(COOKIE_NAME),
            )
        }
        "cancella" => {
            let Some((token, session)) = session(&request, env).await.map_err(internal)? else {
                return render(env, language, View::default(), 401).await;
            };
            if value("confirm").as_deref() != Some("yes") {
                let list = records(env, &session.email).await.map_err(internal)?;
                let view = View {
                    notice: Some("erase-unconfirmed"),
                    signed_in: Some((session.email, list)),
                    ..View::default()
                };
                return render(env, language, view, 400).await;
            }
            let _: u64 = store_client::citizen(env, "/citizen/erase", &session.email)
                .await
                .map_err(internal)?;
            end_session(env, &token).await.map_err(internal)?;
            let view = View {
                notice: Some("erased"),
                ..View::default()
            };
            with_cookie(
                render(env, language, view, 200).await?,
                &clear_named_cookie(COOKIE_NAME),
            )
        }
        _ => crate::pages::not_found(env).await,
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> worker::Result<Response> {
    response.headers_mut().set("Set-Cookie", cookie)?;
    Ok(response)
}

/// `GET` of a sign-in link shows a button; its `POST` signs in and goes to the list.
pub async fn link(
    request: Request,
    env: &Env,
    language: Language,
    secret: &str,
) -> worker::Result<Response> {
    let action = citizen_access::link_path(language, secret);
    if request.method() == worker::Method::Get {
        let view = View {
            link_action: Some(action),
            ..View::default()
        };
        return render(env, language, view, 200).await;
    }
    if !crate::origin::from_this_site(&request, env)? {
        return notice_page(env, language, "cross-site", 403).await;
    }
    let refused = match TrackingToken::parse(secret) {
        Err(_) => LinkRefused::Unknown,
        Ok(secret) => match store_client::citizen_redeem(env, &secret)
            .await
            .map_err(internal)?
        {
            Ok(signed_in) => {
                let language = signed_in.language;
                let cookie = start_session(env, signed_in).await.map_err(internal)?;
                let url = Url::parse(&request.url()?.origin().ascii_serialization())?
                    .join(page_path(language))?;
                // Built by hand: `Response.redirect` has immutable headers, and the cookie
                // must go with it.
                let mut response = Response::empty()?.with_status(303);
                response.headers_mut().set("Location", url.as_str())?;
                response.headers_mut().set("Cache-Control", "no-store")?;
                return with_cookie(response, &cookie);
            }
            Err(refused) => refused,
        },
    };
    let notice = match refused {
        LinkRefused::Unknown => "unknown_link",
        LinkRefused::Used => "used_link",
        LinkRefused::Expired => "expired_link",
    };
    let view = View {
        notice: Some(notice),
        ..View::default()
    };
    render(env, language, view, 400).await
}

async fn render(
    env: &Env,
    language: Language,
    view: View,
    status: u16,
) -> worker::Result<Response> {
    let template = asset(
        env,
        &format!("{}/internal/my-reports/", page_prefix(language)),
    )
    .await?;
    let config = comune::config(env);
    let signed_in = view.signed_in.is_some();
    let mut rewriter = Rewriter::new();
    for notice in [
        "link-sent",
        "too-many",
        "signed-out",
        "erased",
        "erase-unconfirmed",
        "unknown_link",
        "used_link",
        "expired_link",
    ] {
        rewriter = rewriter.on(
            &text_slot(&format!("notice-{notice}")),
            reveal(view.notice == Some(notice)),
        );
    }
    let (field_code, typed) = view.field_error.unwrap_or_default();
    let in_error = !field_code.is_empty();
    let link_action = view.link_action.clone();
    let list: Vec<(String, PublicTicketView)> = view
        .signed_in
        .as_ref()
        .map(|(_, records)| {
            records
                .iter()
                .map(|record| {
                    (
                        tracking_path(language, record.ticket.tracking_token.as_str()),
                        PublicTicketView::in_language(record, config, language),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let empty = list.is_empty();
    let me = view
        .signed_in
        .as_ref()
        .map(|(email, _)| email.as_str().to_string())
        .unwrap_or_default();
    let html = rewriter
        .on(
            &text_slot("sign-in"),
            reveal(!signed_in && link_action.is_none()),
        )
        .on(&text_slot("sign-in-email"), move |e| {
            e.set_attribute("value", &typed);
            if in_error {
                e.set_attribute("aria-invalid", "true");
                e.set_attribute("aria-describedby", "sign-in-email-error sign-in-hint");
            }
        })
        .on(&text_slot("sign-in-email-error"), move |e| {
            if in_error {
                let text = e
                    .get_attribute(&format!("data-msg-{field_code}"))
                    .unwrap_or_default();
                e.set_text(&text);
                e.remove_attribute("hidden");
            }
        })
        .on(&text_slot("link"), reveal(link_action.is_some()))
        .on(&text_slot("link-form"), move |e| {
            if let Some(action) = &link_action {
                e.set_attribute("action", action);
            }
        })
        .on(&text_slot("signed-in"), reveal(signed_in))
        .on(&text_slot("me"), move |e| e.set_text(&me))
        .on(&text_slot("my-none"), reveal(signed_in && empty))
        .on(&text_slot("my-list"), move |e| {
            e.set_html(&list_html(e, &list, language))
        })
        .rewrite(template)
        .await?;
    let mut response = html_response(html, status)?;
    let headers = response.headers_mut();
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("Referrer-Policy", "same-origin")?;
    headers.set("X-Robots-Tag", "noindex")?;
    Ok(response)
}

/// The citizen's reports, newest first: number (to its tracking page), topic, status,
/// date, and the public history with their own messages.
fn list_html(list: &Element, reports: &[(String, PublicTicketView)], language: Language) -> String {
    let history_label = list.get_attribute("data-history").unwrap_or_default();
    let filed_label = list.get_attribute("data-filed").unwrap_or_default();
    reports
        .iter()
        .map(|(path, view)| {
            let status = match language {
                Language::It => view.status_label.it,
                Language::En => view.status_label.en,
            };
            format!(
                "<li class=\"my-report\"><h3 class=\"h5\"><a href=\"{}\">{}</a> <span class=\"badge status-badge status-{}\">{}</span></h3>\
                 <p>{} — {}. {} {}</p>\
                 <details><summary>{}</summary><ol class=\"ticket-history\">{}</ol></details></li>",
                escape(path),
                escape(&view.public_number.to_string()),
                escape(view.status.as_str()),
                escape(status),
                escape(&view.theme.name),
                escape(&view.category.name),
                escape(&filed_label),
                escape(&format_datetime(view.created_at, language)),
                escape(&history_label),
                crate::pages::history_html(list, &view.history, language),
            )
        })
        .collect()
}
