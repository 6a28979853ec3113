//! Following a public report, over HTTP: the report's public page with its follow form,
//! the API for apps and for the report form's nearby suggestions, and the pages behind a
//! subscription's secret links (confirm, unsubscribe). The one-click unsubscribe POST
//! comes from mail clients, so it has no origin check: the secret is the capability and
//! ending a subscription twice changes nothing.

use crate::api_error::ApiError;
use crate::comune;
use crate::html_rewriter::Rewriter;
use crate::pages::{asset, html_response, page_prefix, reveal, text_slot};
use crate::store_client;
use crate::tenant::Env;
use crate::ticket_store::{FollowCall, PublicReportCall};
use segnala_core::field_error::FieldErrors;
use segnala_core::ids::TrackingToken;
use segnala_core::italian_time::format_datetime;
use segnala_core::mail::follower::report_path;
use segnala_core::nearby::NearbyQuery;
use segnala_core::public_number::PublicNumber;
use segnala_core::report::Language;
use segnala_core::store::public_reports::PublicReport;
use segnala_core::subscription::{AddressRequest, FollowRefused, SubscriptionState};
use serde::Deserialize;
use worker::{Request, Response};

type Result<T> = std::result::Result<T, ApiError>;

/// `GET /api/v1/reports/nearby?category=&lat=&lon=&lang=`: open reports to follow instead.
pub async fn nearby_api(request: &Request, env: &Env) -> Result<Response> {
    let url = request.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let query = NearbyQuery::parse(&pairs, comune::config(env)).map_err(ApiError::BadQuery)?;
    let reports = store_client::nearby(env, &query).await?;
    let mut response = Response::from_json(&serde_json::json!({ "reports": reports }))?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

fn number_of(text: &str) -> Result<PublicNumber> {
    PublicNumber::parse(text).map_err(|_| ApiError::NotFound("Report"))
}

/// `GET /api/v1/public-reports/{number}`: the report's public record and whether it can be
/// followed.
pub async fn public_report_api(env: &Env, number: &str, language: Language) -> Result<Response> {
    let number = number_of(number)?;
    let call = PublicReportCall { number, language };
    let Some(report) = store_client::public_report(env, &call).await? else {
        return Err(ApiError::NotFound("Report"));
    };
    let mut response = Response::from_json(&report)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// `POST /api/v1/public-reports/{number}/subscriptions` with `{email, language}`: 202, and
/// a confirmation message goes to the address (the same answer whoever already follows).
pub async fn follow_api(mut request: Request, env: &Env, number: &str) -> Result<Response> {
    crate::follow_up::same_origin(&request, env)?;
    let number = number_of(number)?;
    if !crate::submission::content_type(&request).starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let text = crate::follow_up::read_text(&mut request).await?;
    let body: FollowBody =
        segnala_core::field_error::parse_json(&text).map_err(ApiError::Validation)?;
    let asked = AddressRequest::parse(body.email.as_deref(), body.language.as_deref())?;
    match store_client::follow(
        env,
        &FollowCall {
            number,
            request: asked,
        },
    )
    .await?
    {
        Ok(()) => {
            let mut response = Response::from_json(&serde_json::json!({
                "status": "confirmation_sent",
                "message": "If the address can follow this report, a message with a confirmation link is on its way to it."
            }))?
            .with_status(202);
            response.headers_mut().set("Cache-Control", "no-store")?;
            Ok(response)
        }
        Err(refused) => Err(refusal(refused)),
    }
}

fn refusal(refused: FollowRefused) -> ApiError {
    match refused {
        FollowRefused::NotFound => ApiError::NotFound("Report"),
        FollowRefused::TooManyToday => {
            ApiError::TooManyRequests(refused.code(), refused.to_string())
        }
        other => ApiError::Conflict(other.code().into(), other.to_string()),
    }
}

/// What the public page says above the report.
enum Notice {
    None,
    Sent,
    /// The form was refused: the page's code for why, the field in error and what was typed.
    Refused {
        code: String,
        field_code: Option<String>,
        typed: String,
    },
}

/// `GET /segnalazioni/{number}`, `/en/public-reports/{number}`.
pub async fn page(env: &Env, language: Language, number: &str) -> worker::Result<Response> {
    let Ok(number) = PublicNumber::parse(number) else {
        return crate::pages::not_found(env).await;
    };
    render(env, language, number, Notice::None, 200).await
}

/// `POST /segnalazioni/{number}/segui`, `/en/public-reports/{number}/follow`: the page's
/// form, without JavaScript; the page comes back with the outcome.
pub async fn page_post(
    mut request: Request,
    env: &Env,
    language: Language,
    number: &str,
) -> worker::Result<Response> {
    let Ok(number) = PublicNumber::parse(number) else {
        return crate::pages::not_found(env).await;
    };
    let refused = |code: &str| Notice::Refused {
        code: code.into(),
        field_code: None,
        typed: String::new(),
    };
    if !crate::origin::from_this_site(&request, env)? {
        return render(env, language, number, refused("cross_site"), 403).await;
    }
    let form = match crate::body::form(&mut request, crate::body::PAGE_FORM_LIMIT).await {
        Ok(Some(form)) => form,
        Ok(None) => return render(env, language, number, refused("invalid"), 400).await,
        Err(ApiError::PayloadTooLarge(_)) => {
            return render(env, language, number, refused("too_large"), 413).await
        }
        Err(error) => return Err(worker::Error::RustError(error.to_string())),
    };
    let field = |name: &str| match form.get(name) {
        Some(worker::FormEntry::Field(value)) => Some(value),
        _ => None,
    };
    let typed = field("email").unwrap_or_default();
    let asked = match AddressRequest::parse(Some(&typed), Some(language.as_str())) {
        Ok(asked) => asked,
        Err(FieldErrors(errors)) => {
            let notice = Notice::Refused {
                code: "invalid".into(),
                field_code: errors.first().map(|e| e.code.to_string()),
                typed: typed.chars().take(254).collect(),
            };
            return render(env, language, number, notice, 400).await;
        }
    };
    let outcome = store_client::follow(
        env,
        &FollowCall {
            number,
            request: asked,
        },
    )
    .await
    .map_err(|e| worker::Error::RustError(e.to_string()))?;
    match outcome {
        Ok(()) => render(env, language, number, Notice::Sent, 200).await,
        Err(FollowRefused::NotFound) => crate::pages::not_found(env).await,
        Err(refused) => {
            let status = if refused == FollowRefused::TooManyToday {
                429
            } else {
                409
            };
            let notice = Notice::Refused {
                code: refused.code().into(),
                field_code: None,
                typed: typed.chars().take(254).collect(),
            };
            render(env, language, number, notice, status).await
        }
    }
}

fn date(text: &Option<String>, language: Language) -> Option<String> {
    text.as_deref()
        .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .map(|at| format_datetime(at, language))
}

async fn render(
    env: &Env,
    language: Language,
    number: PublicNumber,
    notice: Notice,
    status: u16,
) -> worker::Result<Response> {
    let call = PublicReportCall { number, language };
    let found = store_client::public_report(env, &call)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    let Some(PublicReport {
        report,
        followable,
        followers,
    }) = found
    else {
        return crate::pages::not_found(env).await;
    };
    let template = asset(
        env,
        &format!("{}/internal/public-report/", page_prefix(language)),
    )
    .await?;
    let action = format!(
        "{}/{}",
        report_path(language, &report.number),
        match language {
            Language::It => "segui",
            Language::En => "follow",
        }
    );
    let created = date(&Some(report.created_at.clone()), language).unwrap_or_default();
    let taken = date(&report.taken_in_charge_at, language);
    let closed = date(&report.closed_at, language);
    let place = match (report.lat, report.lon) {
        (Some(lat), Some(lon)) => Some(format!("{lat}, {lon}")),
        _ => None,
    };
    let merged = report.duplicate_of.clone();
    let (refused_code, field_code, typed) = match &notice {
        Notice::Refused {
            code,
            field_code,
            typed,
        } => (Some(code.clone()), field_code.clone(), typed.clone()),
        _ => (None, None, String::new()),
    };
    let sent = matches!(notice, Notice::Sent);
    let filled = |value: Option<String>| {
        move |e: &crate::html_rewriter::Element| match &value {
            Some(text) => e.set_text(text),
            None => e.set_text(&e.get_attribute("data-none").unwrap_or_default()),
        }
    };
    let html = Rewriter::new()
        .on(&text_slot("pr-sent"), reveal(sent))
        .on(&text_slot("pr-refused"), reveal(refused_code.is_some()))
        .on(&text_slot("pr-refused-text"), {
            let code = refused_code.clone();
            move |e| {
                if let Some(code) = &code {
                    let text = e
                        .get_attribute(&format!("data-msg-{code}"))
                        .unwrap_or_default();
                    e.set_text(&text);
                }
            }
        })
        .on(&text_slot("number"), {
            let number = report.number.clone();
            move |e| e.set_text(&number)
        })
        .on(&text_slot("status"), {
            let (label, code) = (report.status_name.clone(), report.status.clone());
            move |e| {
                e.set_text(&label);
                e.add_class(&format!("status-{code}"));
            }
        })
        .on(&text_slot("category"), {
            let topic = format!("{} — {}", report.theme_name, report.category_name);
            move |e| e.set_text(&topic)
        })
        .on(&text_slot("office"), {
            let office = report.office_name.clone();
            move |e| e.set_text(&office)
        })
        .on(&text_slot("created"), move |e| e.set_text(&created))
        .on(&text_slot("taken"), filled(taken))
        .on(&text_slot("closed"), filled(closed))
        .on(&text_slot("place"), filled(place))
        .on(&text_slot("followers"), move |e| {
            e.set_text(&followers.to_string())
        })
        .on(
            &text_slot("description-section"),
            reveal(report.description.is_some()),
        )
        .on(&text_slot("description"), {
            let text = report.description.clone().unwrap_or_default();
            move |e| e.set_text(&text)
        })
        .on(&text_slot("merged"), reveal(merged.is_some()))
        .on(&text_slot("merged-link"), {
            let merged = merged.clone();
            move |e| {
                if let Some(into) = &merged {
                    e.set_attribute("href", &report_path(language, into));
                    e.set_text(into);
                }
            }
        })
        .on(&text_slot("follow"), move |e| {
            if !followable && refused_code.is_none() {
                e.remove();
            }
        })
        .on(&text_slot("not-followable"), reveal(!followable))
        .on(&text_slot("follow-form"), move |e| {
            e.set_attribute("action", &action)
        })
        .on(&text_slot("follow-email"), {
            let in_error = field_code.is_some();
            move |e| {
                e.set_attribute("value", &typed);
                if in_error {
                    e.set_attribute("aria-invalid", "true");
                    e.set_attribute("aria-describedby", "follow-email-error follow-hint");
                }
            }
        })
        .on(&text_slot("follow-email-error"), move |e| {
            if let Some(code) = &field_code {
                let text = e
                    .get_attribute(&format!("data-msg-{code}"))
                    .unwrap_or_default();
                e.set_text(&text);
                e.remove_attribute("hidden");
            }
        })
        .rewrite(template)
        .await?;
    let mut response = html_response(html, status)?;
    // The record changes with every step: never kept stale by a cache.
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// What a subscription page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    AskConfirm,
    Confirmed,
    AskUnsubscribe,
    Ended,
    Expired,
}

/// `GET /segui/{secret}/conferma` asks, and its button (`POST`) confirms: opening a link
/// changes nothing, so a mail scanner that follows it subscribes nobody. `GET
/// .../disiscriviti` asks, and a `POST` there (the page's button or a mail client's
/// one-click request) ends the subscription.
pub async fn subscription_page(
    env: &Env,
    secret: &str,
    what: &str,
    post: bool,
) -> worker::Result<Response> {
    let Ok(secret) = TrackingToken::parse(secret) else {
        return crate::pages::not_found(env).await;
    };
    let operation = match (what, post) {
        ("conferma", true) => "confirm",
        ("conferma", false) | ("disiscriviti", false) => "lookup",
        ("disiscriviti", true) => "unsubscribe",
        _ => return crate::pages::not_found(env).await,
    };
    let view = store_client::subscription(env, operation, &secret)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    let Some(view) = view else {
        return crate::pages::not_found(env).await;
    };
    let asking_to_confirm = what == "conferma" && !post;
    let shown = match (operation, view.state) {
        ("confirm", SubscriptionState::Active) => Shown::Confirmed,
        ("confirm", _) => Shown::Expired,
        (_, SubscriptionState::Pending) if asking_to_confirm => Shown::AskConfirm,
        (_, SubscriptionState::Active) if asking_to_confirm => Shown::Confirmed,
        (_, SubscriptionState::Ended) if asking_to_confirm => Shown::Expired,
        (_, SubscriptionState::Ended) => Shown::Ended,
        _ => Shown::AskUnsubscribe,
    };
    let language = view.language;
    let template = asset(
        env,
        &format!("{}/internal/subscription/", page_prefix(language)),
    )
    .await?;
    let link = report_path(language, &view.number);
    let unsubscribe = format!("/segui/{}/disiscriviti", secret.as_str());
    let mut rewriter = Rewriter::new()
        .on(&text_slot("number"), {
            let number = view.number.clone();
            move |e| e.set_text(&number)
        })
        .on(&text_slot("report-link"), move |e| {
            e.set_attribute("href", &link)
        });
    for (slot, when) in [
        ("sub-confirm", Shown::AskConfirm),
        ("sub-confirmed", Shown::Confirmed),
        ("sub-ended", Shown::Ended),
        ("sub-expired", Shown::Expired),
    ] {
        rewriter = rewriter.on(&text_slot(slot), reveal(shown == when));
    }
    let html = rewriter
        .on(&text_slot("sub-unsubscribe"), move |e| {
            if matches!(shown, Shown::AskUnsubscribe | Shown::Confirmed) {
                e.remove_attribute("hidden");
                e.set_attribute("action", &unsubscribe);
            }
        })
        .rewrite(template)
        .await?;
    let mut response = html_response(html, 200)?;
    let headers = response.headers_mut();
    // The address holds a secret: not cached, not sent on as a referrer, not indexed.
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set("X-Robots-Tag", "noindex")?;
    Ok(response)
}
