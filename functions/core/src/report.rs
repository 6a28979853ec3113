//! A citizen's report as it arrives, and its validation against the comune's configuration.

use crate::config::ComuneConfig;
use crate::email::Email;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::geo::Coordinates;
use crate::text;
use answers::{Answer, AnswerInput};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod answers;

pub const DESCRIPTION_MIN_CHARS: usize = 10;
/// Open311 GeoReport v2 allows descriptions of up to 4000 characters; so do we.
pub const DESCRIPTION_MAX_CHARS: usize = 4000;
pub const ADDRESS_MAX_CHARS: usize = 200;
pub const NAME_MAX_CHARS: usize = 100;

/// What kind of message the citizen sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Something is broken or wrong (segnalazione).
    Segnalazione,
    /// An idea to improve a service (suggerimento).
    Suggerimento,
    /// A complaint about a service (reclamo).
    Reclamo,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [Self::Segnalazione, Self::Suggerimento, Self::Reclamo];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Segnalazione => "segnalazione",
            Self::Suggerimento => "suggerimento",
            Self::Reclamo => "reclamo",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(&self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Segnalazione, Language::It) => "Segnalazione",
            (Self::Suggerimento, Language::It) => "Suggerimento",
            (Self::Reclamo, Language::It) => "Reclamo",
            (Self::Segnalazione, Language::En) => "Report",
            (Self::Suggerimento, Language::En) => "Suggestion",
            (Self::Reclamo, Language::En) => "Complaint",
        }
    }
}

/// Language of the citizen's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    It,
    En,
}

impl Language {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::It => "it",
            Self::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "it" => Some(Self::It),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// The body of `POST /api/v1/reports` before validation. Fields are loosely typed so that
/// every problem can be reported against its field instead of failing at the first.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub category: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub location: Option<LocationInput>,
    pub address: Option<String>,
    pub reporter: Option<ReporterInput>,
    pub language: Option<String>,
    /// The citizen has read the privacy notice; required.
    pub privacy_accepted: Option<bool>,
    /// Answers to the category's extra questions, by question code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<BTreeMap<String, AnswerInput>>,
    /// The chosen category's questions a web form asks as the configuration now does
    /// (`answers::asked_on_page`, set by the Worker from the configuration the site was
    /// built with); `None` from any other client, which must answer every question.
    #[serde(skip)]
    pub questions_on_page: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A report that passed validation: every field is known to be acceptable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidReport {
    pub theme: String,
    pub category: String,
    pub kind: ReportKind,
    pub description: String,
    pub location: Option<Coordinates>,
    pub address: Option<String>,
    pub reporter: Reporter,
    pub language: Language,
    /// A photo hosted by the client application that filed the report (Open311
    /// `media_url`); shown to staff only, like photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Answers to the category's extra questions, in the questions' order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

/// Who sent the report; both parts are optional, and personal data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// A telephone number as people write it: digits with `+`, spaces and the usual
/// separators, 6 to 20 digits in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a telephone number has 6 to 20 digits, with +, spaces, dots, dashes, slashes or brackets")]
pub struct InvalidPhone;

impl Phone {
    pub fn parse(text: &str) -> Result<Self, InvalidPhone> {
        let text = text.trim();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let allowed = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '/' | '(' | ')'));
        if allowed && (6..=20).contains(&digits) && text.len() <= 30 {
            Ok(Self(text.to_string()))
        } else {
            Err(InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ReportRequest {
    /// Checks every field against the limits and the configuration, reporting all problems.
    pub fn validate(&self, config: &ComuneConfig) -> Result<ValidReport, FieldErrors> {
        let mut errors = ErrorCollector::default();

        let theme_and_category = match self.category.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("category", "required", "choose a category");
                None
            }
            Some(id) => match config.category(id) {
                Some((theme, category)) => Some((theme, category)),
                None => {
                    errors.push(
                        "category",
                        "unknown_category",
                        format!("no category has id `{id}`"),
                    );
                    None
                }
            },
        };

        let kind = match self.kind.as_deref() {
            None => Some(ReportKind::Segnalazione),
            Some(text) => {
                let kind = ReportKind::parse(text);
                if kind.is_none() {
                    errors.push(
                        "kind",
                        "invalid_kind",
                        "must be segnalazione, suggerimento or reclamo",
                    );
                }
                kind
            }
        };

        let description = clean_text(
            &mut errors,
            "description",
            self.description.as_deref(),
            DESCRIPTION_MAX_CHARS,
        );
        match &description {
            None if !errors_for(&errors, "description") => {
                errors.push("description", "required", "describe the problem");
            }
            Some(text) if text::char_len(text) < DESCRIPTION_MIN_CHARS => {
                errors.push(
                    "description",
                    "too_short",
                    format!("must be at least {DESCRIPTION_MIN_CHARS} characters"),
                );
            }
            _ => {}
        }

        // Asked on the page right after the description; unknown categories ask nothing.
        let answers = match theme_and_category {
            Some((_, category)) => answers::check(
                &mut errors,
                &category.fields,
                self.answers.as_ref(),
                self.questions_on_page.as_deref(),
            ),
            None => vec![],
        };

        let location =
            self.location
                .as_ref()
                .and_then(|input| match Coordinates::new(input.lat, input.lon) {
                    Err(error) => {
                        let field = match error {
                            crate::geo::CoordinatesError::Latitude => "location.lat",
                            crate::geo::CoordinatesError::Longitude => "location.lon",
                        };
                        errors.push(field, "out_of_range", error.to_string());
                        None
                    }
                    Ok(point) if !config.boundary.contains(point) => {
                        errors.push(
                            "location",
                            "outside_boundary",
                            format!("the point is outside the territory of {}", config.name),
                        );
                        None
                    }
                    Ok(point) => Some(point),
                });

        let address = clean_text(
            &mut errors,
            "address",
            self.address.as_deref(),
            ADDRESS_MAX_CHARS,
        );
        if self.location.is_none() && address.is_none() && !errors_for(&errors, "address") {
            errors.push(
                "location",
                "required",
                "mark the place on the map or write an address",
            );
        }

        let reporter_input = self.reporter.clone().unwrap_or_default();
        let name = clean_text(
            &mut errors,
            "reporter.name",
            reporter_input.name.as_deref(),
            NAME_MAX_CHARS,
        );
        let email = match reporter_input.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match Email::parse(text) {
                Ok(email) => Some(email),
                Err(error) => {
                    errors.push("reporter.email", "invalid_email", error.to_string());
                    None
                }
            },
        };

        let phone = match reporter_input.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match Phone::parse(text) {
                Ok(phone) => Some(phone),
                Err(error) => {
                    errors.push("reporter.phone", "invalid_phone", error.to_string());
                    None
                }
            },
        };

        if self.privacy_accepted != Some(true) {
            errors.push(
                "privacy_accepted",
                "privacy_required",
                "the privacy notice must be read and accepted",
            );
        }

        let language = match self.language.as_deref() {
            None => Some(Language::It),
            Some(text) => {
                let language = Language::parse(text);
                if language.is_none() {
                    errors.push("language", "invalid_language", "must be it or en");
                }
                language
            }
        };

        match (theme_and_category, kind, description, language) {
            (Some((theme, category)), Some(kind), Some(description), Some(language))
                if errors.is_empty() =>
            {
                Ok(ValidReport {
                    theme: theme.id.clone(),
                    category: category.id.clone(),
                    kind,
                    description,
                    location,
                    address,
                    reporter: Reporter { name, email, phone },
                    language,
                    media_url: None,
                    answers,
                })
            }
            _ => Err(errors.into_errors()),
        }
    }
}

/// Turns the fields of an HTML form post (`application/x-www-form-urlencoded` or multipart)
/// into a request. Blank fields count as absent; coordinates must both be numbers.
/// Fields the form does not define are ignored, as browsers and extensions may add some.
pub fn from_form_fields<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<ReportRequest, FieldErrors> {
    let mut request = ReportRequest::default();
    let mut reporter = ReporterInput::default();
    let (mut lat, mut lon) = (None, None);
    // The form holds the questions of every category (`answers.{category}.{code}`); only
    // the chosen category's count.
    let mut answered: Vec<(&str, &str, &str)> = Vec::new();
    for (name, value) in fields {
        let present = (!value.trim().is_empty()).then(|| value.to_string());
        if let Some((category, code)) = name
            .strip_prefix("answers.")
            .and_then(|rest| rest.split_once('.'))
        {
            if present.is_some() {
                answered.push((category, code, value));
            }
            continue;
        }
        match name {
            "category" => request.category = present,
            "kind" => request.kind = present,
            "description" => request.description = present,
            "address" => request.address = present,
            "lat" => lat = present,
            "lon" => lon = present,
            "name" => reporter.name = present,
            "email" => reporter.email = present,
            "language" => request.language = present,
            "privacy_accepted" => {
                request.privacy_accepted = Some(matches!(value, "on" | "true" | "1" | "yes"))
            }
            _ => {}
        }
    }
    let mut errors = ErrorCollector::default();
    let number = |errors: &mut ErrorCollector, field: &str, text: Option<String>| {
        let parsed = text.as_deref().map(|t| t.trim().parse::<f64>());
        match parsed {
            Some(Ok(value)) if value.is_finite() => Some(value),
            Some(_) => {
                errors.push(field, "invalid_number", "must be a number");
                None
            }
            None => None,
        }
    };
    let (lat_text, lon_text) = (lat.clone(), lon.clone());
    let lat = number(&mut errors, "location.lat", lat);
    let lon = number(&mut errors, "location.lon", lon);
    match (lat, lon) {
        (Some(lat), Some(lon)) => request.location = Some(LocationInput { lat, lon }),
        _ if errors.is_empty() && (lat_text.is_some() != lon_text.is_some()) => {
            errors.push(
                "location",
                "incomplete",
                "both latitude and longitude are needed",
            );
        }
        _ => {}
    }
    if reporter.name.is_some() || reporter.email.is_some() {
        request.reporter = Some(reporter);
    }
    let chosen = request.category.as_deref().map(str::trim).unwrap_or("");
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (category, code, value) in answered {
        if category == chosen {
            answers
                .entry(code.to_string())
                .or_default()
                .push(value.to_string());
        }
    }
    if !answers.is_empty() {
        request.answers = Some(
            answers
                .into_iter()
                .map(|(code, values)| (code, AnswerInput::from_values(values, false)))
                .collect(),
        );
    }
    errors.finish(request)
}

/// Checks the number of photos against the comune's limit.
pub fn check_photo_count(count: usize, config: &ComuneConfig) -> Result<(), FieldErrors> {
    let mut errors = ErrorCollector::default();
    let limit = usize::from(config.photos.max_count);
    if count > limit {
        errors.push(
            "photos",
            "too_many_photos",
            format!("at most {limit} photos"),
        );
    }
    errors.finish(())
}

fn errors_for(errors: &ErrorCollector, field: &str) -> bool {
    errors.has_field(field)
}

/// Trims optional text; empty means absent. Pushes an error for control characters or excess length.
fn clean_text(
    errors: &mut ErrorCollector,
    field: &str,
    input: Option<&str>,
    max: usize,
) -> Option<String> {
    let cleaned = match text::clean(input?) {
        Ok(cleaned) => cleaned,
        Err(code) => {
            errors.push(field, code, "contains control characters");
            return None;
        }
    };
    if cleaned.is_empty() {
        return None;
    }
    if text::char_len(&cleaned) > max {
        errors.push(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
        return None;
    }
    Some(cleaned)
}

#[cfg(test)]
mod tests;
