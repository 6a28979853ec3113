//! Pages the Worker serves by filling pages that Zola built: a report's tracking page, the
//! report form with the citizen's input and errors (a form post without JavaScript), and
//! the tracking lookup with a "not found" message. Texts come from the site's translations
//! (data attributes in the pages); the Worker adds only data, escaped.

use crate::comune;
use crate::html_rewriter::{escape, Element, Rewriter};
use crate::tenant::Env;
use segnala_core::api::{tracking_path, PublicEvent, PublicTicketView};
use segnala_core::field_error::FieldErrors;
use segnala_core::italian_time::format_datetime;
use segnala_core::report::Language;
use segnala_core::store::TicketRecord;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Response, Result};

pub(crate) fn page_prefix(language: Language) -> &'static str {
    match language {
        Language::It => "",
        Language::En => "/en",
    }
}

pub(crate) use crate::assets::{asset, asset_html};

pub(crate) fn html_response(html: String, status: u16) -> Result<Response> {
    Ok(Response::from_html(html)?.with_status(status))
}

/// Marks a page that holds a tracking capability: never cached by others, never leaked
/// to other sites through the Referer header (the page's own forms still say their origin,
/// which the follow-up posts are checked by), never indexed.
fn private_page(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("Referrer-Policy", "same-origin")?;
    headers.set("X-Robots-Tag", "noindex")?;
    Ok(response)
}

/// The site's 404 page.
pub async fn not_found(env: &Env) -> Result<Response> {
    html_response(asset_html(env, "/404.html").await?, 404)
}

pub(crate) fn text_slot(slot: &str) -> String {
    format!("[data-slot=\"{slot}\"]")
}

/// A handler that unhides its element when `shown`.
pub(crate) fn reveal(shown: bool) -> impl FnMut(&Element) + 'static {
    move |e| {
        if shown {
            e.remove_attribute("hidden");
        }
    }
}

/// A note at the top of the tracking page.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackingNotice {
    None,
    /// The report was just sent from the form.
    JustSent,
    /// The citizen followed the confirmation link in the first e-mail.
    EmailConfirmed,
    /// One of the page's follow-up forms went through.
    Done(FollowUpForm),
    /// One of them was refused: why (a code the page explains), and what was typed.
    Refused {
        form: FollowUpForm,
        problem: String,
        typed: Vec<(String, String)>,
    },
}

/// The tracking page's follow-up forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpForm {
    Message,
    NotSolved,
    Rating,
}

impl FollowUpForm {
    /// Its slot on the page and the last segment of the address it posts to.
    fn slot(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::NotSolved => "not-solved",
            Self::Rating => "rating",
        }
    }

    fn segment(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Message, Language::It) => "messaggio",
            (Self::NotSolved, Language::It) => "non-risolta",
            (Self::Rating, Language::It) => "valutazione",
            (form, Language::En) => form.slot(),
        }
    }

    /// From the page's `?done=` after a successful post.
    pub fn of_done(text: &str) -> Option<Self> {
        match text {
            "message" => Some(Self::Message),
            "reopened" => Some(Self::NotSolved),
            "rated" => Some(Self::Rating),
            _ => None,
        }
    }
}

/// The tracking page of a report, in the page's language.
pub async fn tracking(
    env: &Env,
    record: &TicketRecord,
    language: Language,
    notice: TrackingNotice,
) -> Result<Response> {
    let config = comune::config(env);
    let view = PublicTicketView::in_language(record, config, language);
    let template = asset(
        env,
        &format!("{}/internal/tracking/", page_prefix(language)),
    )
    .await?;
    let url = format!(
        "{}{}",
        config.public_url.trim_end_matches('/'),
        tracking_path(language, record.ticket.tracking_token.as_str())
    );
    let status_label = match language {
        Language::It => view.status_label.it,
        Language::En => view.status_label.en,
    };
    let number = view.public_number.to_string();
    let category = format!("{} — {}", view.theme.name, view.category.name);
    let place = match (&view.address, &view.location) {
        (Some(address), Some(point)) => {
            format!("{address} ({:.5}, {:.5})", point.lat(), point.lon())
        }
        (Some(address), None) => address.clone(),
        (None, Some(point)) => format!("{:.5}, {:.5}", point.lat(), point.lon()),
        (None, None) => String::new(),
    };
    let created = format_datetime(view.created_at, language);
    let code = record.ticket.tracking_token.to_string();
    let view = Rc::new(view);
    let history_view = view.clone();
    let photos_view = view.clone();
    let has_photos = !view.photos.is_empty();
    let kind = view.kind;
    let days = view.take_in_charge_days;
    let status = view.status.as_str();

    let html = Rewriter::new()
        .on(&text_slot("submitted"), {
            let shown = notice == TrackingNotice::JustSent;
            move |e| {
                if shown {
                    e.remove_attribute("hidden");
                }
            }
        })
        .on(&text_slot("email-confirmed"), {
            let shown = notice == TrackingNotice::EmailConfirmed;
            move |e| {
                if shown {
                    e.remove_attribute("hidden");
                }
            }
        })
        .on(&text_slot("public_number"), move |e| e.set_text(&number))
        .on(&text_slot("status"), move |e| {
            e.set_text(status_label);
            e.add_class(&format!("status-{status}"));
        })
        .on(&text_slot("tracking-url"), move |e| {
            e.set_attribute("value", &url)
        })
        .on(&text_slot("tracking-code"), move |e| e.set_text(&code))
        .on(&text_slot("category"), move |e| e.set_text(&category))
        .on(&text_slot("kind"), move |e| {
            let label = e.get_attribute(&format!("data-label-{}", kind.as_str()));
            e.set_text(&label.unwrap_or_else(|| kind.as_str().to_string()));
        })
        .on(&text_slot("place"), move |e| e.set_text(&place))
        .on(&text_slot("office"), {
            let office = view.office.name.clone();
            move |e| e.set_text(&office)
        })
        .on(&text_slot("created_at"), move |e| e.set_text(&created))
        .on(&text_slot("description"), {
            let description = view.description.clone();
            move |e| e.set_text(&description)
        })
        .on(&text_slot("next-steps"), move |e| {
            let text = match days {
                Some(days) => e
                    .get_attribute("data-with-days")
                    .unwrap_or_default()
                    .replace("{days}", &days.to_string()),
                None => e.get_attribute("data-without-days").unwrap_or_default(),
            };
            e.set_text(&text);
        })
        .on(&text_slot("photos-section"), move |e| {
            if has_photos {
                e.remove_attribute("hidden");
            }
        })
        .on(&text_slot("photos"), move |e| {
            e.set_html(&photos_html(e, &photos_view))
        })
        .on(&text_slot("history"), move |e| {
            e.set_html(&history_html(e, &history_view.history, language))
        })
        .on(&text_slot("joined-section"), {
            let joined = view.joined.is_some();
            move |e| {
                if joined {
                    e.remove_attribute("hidden");
                }
            }
        })
        .on(&text_slot("joined-number"), {
            let number = view.joined.as_ref().map(|j| j.public_number.to_string());
            move |e| e.set_text(number.as_deref().unwrap_or_default())
        })
        .on(&text_slot("joined-status"), {
            let joined = view.joined.as_ref().map(|j| {
                (
                    j.status.as_str(),
                    match language {
                        Language::It => j.status_label.it,
                        Language::En => j.status_label.en,
                    },
                )
            });
            move |e| {
                if let Some((status, label)) = joined {
                    e.set_text(label);
                    e.add_class(&format!("status-{status}"));
                }
            }
        })
        .on(&text_slot("joined-history"), {
            let view = view.clone();
            move |e| {
                if let Some(joined) = &view.joined {
                    e.set_html(&history_html(e, &joined.history, language));
                }
            }
        });
    let html = follow_up_forms(html, &view, &record.ticket, language, notice)
        .rewrite(template)
        .await?;
    private_page(html_response(html, 200)?)
}

/// The follow-up part of the tracking page: each form shown when the citizen can use it,
/// posting to the page's own address; a note after one went through; the reason and the
/// typed text after one was refused.
fn follow_up_forms(
    rewriter: Rewriter,
    view: &PublicTicketView,
    ticket: &segnala_core::ticket::Ticket,
    language: Language,
    notice: TrackingNotice,
) -> Rewriter {
    let offer = &view.follow_up;
    let base = tracking_path(language, ticket.tracking_token.as_str());
    let reopen_until = offer
        .not_solved_until
        .filter(|until| *until > crate::platform::now());
    // A refused form stays, with its reason and the citizen's text, even when it no longer
    // applies (the office resolved the report meanwhile, say).
    let refused = match &notice {
        TrackingNotice::Refused { form, .. } => Some(*form),
        _ => None,
    };
    let shown = [
        (FollowUpForm::Message, offer.can_write),
        (FollowUpForm::NotSolved, reopen_until.is_some()),
        (FollowUpForm::Rating, offer.can_rate),
    ]
    .map(|(form, applies)| (form, applies || refused == Some(form)));
    let noticed = matches!(
        notice,
        TrackingNotice::Done(_) | TrackingNotice::Refused { .. }
    );
    let mut rewriter = rewriter.on(&text_slot("follow-up"), {
        let any = shown.iter().any(|(_, shown)| *shown) || offer.rating.is_some() || noticed;
        move |e| {
            if !any {
                e.set_attribute("hidden", "");
            }
        }
    });
    for (form, visible) in shown {
        let action = format!("{base}/{}", form.segment(language));
        rewriter = rewriter.on(&text_slot(&format!("fu-{}", form.slot())), move |e| {
            if visible {
                e.remove_attribute("hidden");
                e.set_attribute("action", &action);
            } else {
                e.remove();
            }
        });
        let done = notice == TrackingNotice::Done(form);
        rewriter = rewriter.on(&text_slot(&format!("fu-done-{}", form.slot())), move |e| {
            if done {
                e.remove_attribute("hidden");
            }
        });
    }
    let left = offer.messages_left;
    let until = reopen_until.map(|at| format_datetime(at, language));
    let rating = offer.rating;
    rewriter = rewriter
        .on(&text_slot("fu-messages-left"), move |e| {
            let text = e.get_attribute("data-text").unwrap_or_default();
            e.set_text(&text.replace("{n}", &left.to_string()));
        })
        .on(&text_slot("fu-not-solved-until"), move |e| {
            let text = e.get_attribute("data-text").unwrap_or_default();
            e.set_text(&text.replace("{date}", until.as_deref().unwrap_or_default()));
        })
        .on(&text_slot("fu-rated"), move |e| match rating {
            Some(stars) => {
                let text = e.get_attribute("data-text").unwrap_or_default();
                e.set_text(&text.replace("{n}", &stars.to_string()));
                e.remove_attribute("hidden");
            }
            None => e.remove(),
        });
    if let TrackingNotice::Refused {
        form,
        problem,
        typed,
    } = notice
    {
        let slot = form.slot();
        rewriter = rewriter.on(&text_slot(&format!("fu-{slot}-error")), move |e| {
            let text = e
                .get_attribute(&format!("data-msg-{problem}"))
                .or_else(|| e.get_attribute("data-msg-invalid"))
                .unwrap_or_default();
            e.set_text(&text);
            e.remove_attribute("hidden");
        });
        // The field the problem is about says so, and what it is.
        let field = match form {
            FollowUpForm::Message => "#fu-text",
            FollowUpForm::NotSolved => "#fu-reason",
            FollowUpForm::Rating => "#fu-stars",
        };
        let error_id = format!("fu-{slot}-error");
        rewriter = rewriter.on(field, move |e| {
            e.set_attribute("aria-invalid", "true");
            let described = e.get_attribute("aria-describedby").unwrap_or_default();
            e.set_attribute("aria-describedby", format!("{error_id} {described}").trim());
        });
        // At the top of the page, where a reloaded page starts, a link to the problem.
        let target = format!("#fu-{slot}-error");
        rewriter = rewriter
            .on(&text_slot("fu-refused"), |e| e.remove_attribute("hidden"))
            .on(&text_slot("fu-refused-link"), move |e| {
                e.set_attribute("href", &target)
            });
        for (name, value) in typed {
            let selector = format!("[data-slot=\"fu-{slot}\"] [name=\"{name}\"]");
            rewriter = rewriter.on(&selector, move |e| {
                if e.get_attribute("type").as_deref() == Some("radio") {
                    if e.get_attribute("value").as_deref() == Some(value.as_str()) {
                        e.set_attribute("checked", "");
                    }
                } else {
                    e.set_text(&value);
                }
            });
        }
    }
    rewriter
}

fn photos_html(list: &Element, view: &PublicTicketView) -> String {
    let alt = list.get_attribute("data-alt").unwrap_or_default();
    view.photos
        .iter()
        .map(|photo| {
            let src = photo.thumbnail_url.as_deref().unwrap_or(&photo.url);
            format!(
                "<li><a href=\"{}\"><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\" loading=\"lazy\"></a></li>",
                escape(&photo.url),
                escape(src),
                escape(&alt.replace("{n}", &photo.position.to_string())),
                photo.width,
                photo.height
            )
        })
        .collect()
}

pub(crate) fn history_html(list: &Element, history: &[PublicEvent], language: Language) -> String {
    let office_label = list.get_attribute("data-label-office").unwrap_or_default();
    history
        .iter()
        .rev()
        .map(|event| {
            // The citizen's own steps read as theirs ("you wrote", "you said it is not solved").
            let key = if event.by_citizen {
                format!("data-label-citizen-{}", event.kind)
            } else {
                format!("data-label-{}", event.kind)
            };
            let label = list
                .get_attribute(&key)
                .unwrap_or_else(|| event.kind.clone());
            let note = match (event.kind.as_str(), event.note.as_deref()) {
                ("rate", Some(note)) => segnala_core::follow_up::parse_rating_note(note).map(|(stars, comment)| {
                    let stars = list
                        .get_attribute("data-stars")
                        .unwrap_or_default()
                        .replace("{n}", &stars.to_string());
                    comment.map_or(stars.clone(), |c| format!("{stars}\n{c}"))
                }),
                (_, note) => note.map(String::from),
            };
            let office = event
                .office
                .as_ref()
                .map(|o| format!("<span class=\"event-office\">{}: {}</span>", escape(&office_label), escape(&o.name)))
                .unwrap_or_default();
            let note = note
                .map(|n| format!("<p class=\"event-note\">{}</p>", escape(&n)))
                .unwrap_or_default();
            let by = if event.by_citizen { " event-by-citizen" } else { "" };
            format!(
                "<li class=\"event event-{}{by}\"><time datetime=\"{}\">{}</time> <strong>{}</strong> {office}{note}</li>",
                escape(&event.kind),
                event.at.to_rfc3339(),
                escape(&format_datetime(event.at, language)),
                escape(&label)
            )
        })
        .collect()
}

/// The lookup page with the code typed and a "no such report" message.
pub async fn lookup_not_found(env: &Env, language: Language, code: &str) -> Result<Response> {
    let page = asset(env, &format!("{}/", tracking_lookup_path(language))).await?;
    let code = code.to_string();
    let html = Rewriter::new()
        .on(&text_slot("not-found"), |e| e.remove_attribute("hidden"))
        .on(&text_slot("code"), move |e| e.set_attribute("value", &code))
        .rewrite(page)
        .await?;
    private_page(html_response(html, 404)?)
}

pub fn tracking_lookup_path(language: Language) -> &'static str {
    match language {
        Language::It => "/segnalazione",
        Language::En => "/en/reports",
    }
}

pub fn form_path(language: Language) -> &'static str {
    match language {
        Language::It => "/segnala/",
        Language::En => "/en/report/",
    }
}

/// What went wrong with a form post, to show on the form.
pub enum FormProblem {
    Fields(FieldErrors),
    /// Photos could not be stored; nothing was filed.
    Storage,
    /// A rate limit of the connection or the e-mail address is used up.
    RateLimited,
    /// The human check could not be done (Turnstile not answering).
    Verification,
}

/// The field of the HTML form that an API field error belongs to. The form holds every
/// category's questions, named `answers.{category}.{code}`.
fn form_field(api_field: &str, category: &str) -> String {
    match api_field {
        "reporter.name" => "name".into(),
        "reporter.email" => "email".into(),
        "location" | "location.lat" | "location.lon" => "location".into(),
        field if field.starts_with("photos") => "photos".into(),
        field => match field.strip_prefix("answers.") {
            Some(code) => format!("answers.{category}.{code}"),
            None => field.into(),
        },
    }
}

/// The id of the control a summary link leads to.
fn control_id(field: &str) -> String {
    match field {
        "location" => "address".into(),
        field => match field.strip_prefix("answers.") {
            // The site names a question's control `answer_{category}_{code}` (identifiers
            // never hold an underscore, so no two questions share one).
            Some(rest) => format!("answer_{}", rest.replace('.', "_")),
            None => field.into(),
        },
    }
}

/// The report form again, with what the citizen typed and every error next to its field,
/// and a summary at the top linking to them (status 422, or 503 when storage failed).
pub async fn form_with_problems(
    env: &Env,
    language: Language,
    values: &[(String, String)],
    had_photos: bool,
    problem: FormProblem,
) -> Result<Response> {
    let page_html = asset_html(env, form_path(language)).await?;
    // Pass 1: the messages each field offers, keyed by field and code.
    let messages: Rc<RefCell<HashMap<String, HashMap<String, String>>>> = Rc::default();
    let collect = messages.clone();
    Rewriter::new()
        .on("[data-error-for]", move |e| {
            let field = e.get_attribute("data-error-for").unwrap_or_default();
            let mut map = HashMap::new();
            for code in [
                "required",
                "unknown_category",
                "invalid_kind",
                "too_short",
                "too_long",
                "control_characters",
                "outside_boundary",
                "out_of_range",
                "invalid_number",
                "incomplete",
                "invalid_email",
                "privacy_required",
                "too_many_photos",
                "unsupported_type",
                "file_too_large",
                "empty_file",
                "corrupt_image",
                "reselect",
                "invalid_date",
                "unknown_choice",
                "not_one_line",
                "not_a_list",
                "not_an_integer",
                "turnstile_failed",
            ] {
                if let Some(message) = e.get_attribute(&format!("data-msg-{code}")) {
                    map.insert(code.to_string(), message);
                }
            }
            collect.borrow_mut().insert(field, map);
        })
        .on("#error-summary", {
            let collect = messages.clone();
            move |e| {
                let mut map = HashMap::new();
                for name in [
                    "data-generic-storage",
                    "data-generic-network",
                    "data-generic-rate-limited",
                    "data-generic-verification",
                    "data-generic-unreadable",
                ] {
                    if let Some(message) = e.get_attribute(name) {
                        map.insert(name.to_string(), message);
                    }
                }
                collect.borrow_mut().insert("#summary".into(), map);
            }
        })
        .rewrite(Response::from_html(page_html.clone())?)
        .await?;
    let messages = messages.take();

    // Field -> message, in form order; the summary lists the same messages.
    let mut by_field: Vec<(String, String)> = Vec::new();
    let status = match &problem {
        FormProblem::Fields(errors) => {
            let category = values
                .iter()
                .find(|(name, _)| name == "category")
                .map_or("", |(_, value)| value.trim());
            for error in &errors.0 {
                let field = form_field(&error.field, category);
                if by_field.iter().any(|(f, _)| f == &field) {
                    continue;
                }
                let known = messages.get(&field);
                // A problem of the whole post (unreadable, of the wrong type) has no field;
                // the page explains it in its own language.
                let whole_post = error.field.is_empty().then(|| {
                    messages
                        .get("#summary")
                        .and_then(|m| m.get("data-generic-unreadable"))
                        .cloned()
                });
                let message = known
                    .and_then(|m| m.get(error.code))
                    .cloned()
                    .or(whole_post.flatten())
                    .unwrap_or_else(|| error.message.clone());
                let field = if known.is_some() {
                    field
                } else {
                    String::new()
                };
                by_field.push((field, message));
            }
            if had_photos && !by_field.iter().any(|(f, _)| f == "photos") {
                if let Some(message) = messages.get("photos").and_then(|m| m.get("reselect")) {
                    by_field.push(("photos".into(), message.clone()));
                }
            }
            422
        }
        FormProblem::Storage | FormProblem::RateLimited | FormProblem::Verification => {
            let (attribute, status) = match problem {
                FormProblem::Storage => ("data-generic-storage", 503),
                FormProblem::RateLimited => ("data-generic-rate-limited", 429),
                _ => ("data-generic-verification", 503),
            };
            let message = messages
                .get("#summary")
                .and_then(|m| m.get(attribute))
                .cloned()
                .unwrap_or_default();
            by_field.push((String::new(), message));
            status
        }
    };
    let summary_items: String = by_field
        .iter()
        .map(|(field, message)| {
            if field.is_empty() {
                format!("<li>{}</li>", escape(message))
            } else {
                format!(
                    "<li><a href=\"#{}\">{}</a></li>",
                    escape(&control_id(field)),
                    escape(message)
                )
            }
        })
        .collect();
    let first_error = by_field
        .iter()
        .map(|(f, _)| f.clone())
        .find(|f| !f.is_empty());
    let errors: Rc<HashMap<String, String>> = Rc::new(
        by_field
            .into_iter()
            .filter(|(f, _)| !f.is_empty())
            .collect(),
    );
    let all_values: Rc<Vec<(String, String)>> = Rc::new(values.to_vec());
    let values: Rc<HashMap<String, String>> = Rc::new(values.iter().cloned().collect());

    let (e1, e2) = (errors.clone(), errors.clone());
    let (v1, v2, v3) = (values.clone(), values.clone(), values.clone());
    let html = Rewriter::new()
        .on("#error-summary", |e| e.remove_attribute("hidden"))
        .on(&text_slot("error-list"), move |e| {
            e.set_html(&summary_items)
        })
        .on("[data-error-for]", move |e| {
            let field = e.get_attribute("data-error-for").unwrap_or_default();
            if let Some(message) = e1.get(&field) {
                e.remove_attribute("hidden");
                e.set_text(message);
            }
        })
        .on("input[name], select[name], textarea[name]", move |e| {
            let name = e.get_attribute("name").unwrap_or_default();
            let invalid =
                e2.contains_key(&name) || (name == "address" && e2.contains_key("location"));
            if invalid {
                e.add_class("is-invalid");
                e.set_attribute("aria-invalid", "true");
            }
        })
        .on("input[name]", move |e| {
            let name = e.get_attribute("name").unwrap_or_default();
            let kind = e.get_attribute("type").unwrap_or_default();
            match kind.as_str() {
                "radio" => {
                    let chosen = v1
                        .get(&name)
                        .is_some_and(|v| Some(v) == e.get_attribute("value").as_ref());
                    if v1.contains_key(&name) {
                        if chosen {
                            e.set_attribute("checked", "");
                        } else {
                            e.remove_attribute("checked");
                        }
                    }
                }
                // A group of checkboxes shares a name: each is ticked by its own value.
                "checkbox" => {
                    let own = e.get_attribute("value").unwrap_or_else(|| "on".into());
                    if all_values.iter().any(|(n, v)| n == &name && v == &own) {
                        e.set_attribute("checked", "");
                    }
                }
                "file" => {}
                // What the page itself says, never what a post claimed.
                _ if matches!(name.as_str(), "language" | "nonce") => {}
                _ => {
                    if let Some(value) = v1.get(&name) {
                        e.set_attribute("value", value);
                    }
                }
            }
        })
        .on("textarea[name]", move |e| {
            let name = e.get_attribute("name").unwrap_or_default();
            if let Some(value) = v2.get(&name) {
                e.set_text(value);
            }
        })
        .on("select[name=\"category\"] option", move |e| {
            let chosen = v3
                .get("category")
                .is_some_and(|v| Some(v) == e.get_attribute("value").as_ref());
            if chosen {
                e.set_attribute("selected", "");
            }
        })
        .on("#report-form", move |e| {
            // Tells the enhancing script which field to open first.
            if let Some(first) = &first_error {
                e.set_attribute("data-first-error", first);
            }
        })
        .rewrite(Response::from_html(page_html)?)
        .await?;
    private_page(html_response(html, status)?)
}
