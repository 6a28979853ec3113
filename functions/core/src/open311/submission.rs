//! `POST requests`: the spec's form fields turned into the same report the web form makes,
//! validated by the same rules ([`ReportRequest::validate`]), with every problem named by
//! its Open311 field. Personal data (`email`, `first_name`, `last_name`, `phone`) is kept
//! for staff and for the citizen's e-mails, never published.

use crate::config::ComuneConfig;
use crate::field_error::{ErrorCollector, FieldError, FieldErrors};
use crate::report::answers::AnswerInput;
use crate::report::{LocationInput, ReportRequest, ReporterInput, ValidReport};
use crate::text;
use std::collections::BTreeMap;

/// Longest `media_url` kept.
pub const MEDIA_URL_MAX_CHARS: usize = 2000;
/// Longest `address_id` kept.
const ADDRESS_ID_MAX_CHARS: usize = 100;

/// The fields of a `POST requests` that are not part of the report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Credentials {
    pub api_key: Option<String>,
    pub jurisdiction_id: Option<String>,
}

/// The first non-blank value of each field the spec defines, and the key and jurisdiction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Open311Post {
    pub credentials: Credentials,
    fields: Vec<(String, String)>,
    /// Every non-blank `attribute[...]` field, in order: a list attribute repeats its name.
    attributes: Vec<(String, String)>,
}

impl Open311Post {
    pub fn read<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut post = Self::default();
        for (name, value) in pairs {
            let value = Some(value.to_string()).filter(|v| !v.trim().is_empty());
            match name {
                "api_key" => post.credentials.api_key = post.credentials.api_key.or(value),
                "jurisdiction_id" => {
                    post.credentials.jurisdiction_id = post.credentials.jurisdiction_id.or(value)
                }
                _ if name.starts_with("attribute[") => {
                    if let Some(value) = value {
                        post.attributes.push((name.to_string(), value));
                    }
                }
                _ => {
                    if let Some(value) = value.filter(|_| post.get(name).is_none()) {
                        post.fields.push((name.to_string(), value));
                    }
                }
            }
        }
        post
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The attributes as answers by code: `attribute[code]=value` once is one answer,
    /// `attribute[code][]=key` (or the plain name repeated) a list.
    fn answers(&self, errors: &mut ErrorCollector) -> Option<BTreeMap<String, AnswerInput>> {
        let mut lists: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
        for (name, value) in &self.attributes {
            let (code, listed) = match name
                .strip_prefix("attribute[")
                .and_then(|rest| rest.strip_suffix("][]").map(|code| (code, true)))
                .or_else(|| {
                    let code = name.strip_prefix("attribute[")?.strip_suffix(']')?;
                    Some((code, false))
                }) {
                Some((code, listed)) if !code.is_empty() && !code.contains(['[', ']']) => {
                    (code, listed)
                }
                _ => {
                    if !errors.has_field("attribute") {
                        errors.push(
                            "attribute",
                            "invalid_attribute",
                            "attributes are sent as attribute[code] or attribute[code][]",
                        );
                    }
                    continue;
                }
            };
            let entry = lists.entry(code.to_string()).or_default();
            entry.0 |= listed;
            entry.1.push(value.clone());
        }
        (!lists.is_empty()).then(|| {
            lists
                .into_iter()
                .map(|(code, (listed, values))| (code, AnswerInput::from_values(values, listed)))
                .collect()
        })
    }

    /// The report, checked against the configuration exactly as a web form's is.
    pub fn validate(&self, config: &ComuneConfig) -> Result<ValidReport, FieldErrors> {
        let mut errors = ErrorCollector::default();

        let coordinate = |errors: &mut ErrorCollector, name: &str| {
            let text = self.get(name)?;
            match text.trim().parse::<f64>() {
                Ok(value) if value.is_finite() => Some(value),
                _ => {
                    errors.push(name, "not_a_number", "must be a decimal number of degrees");
                    None
                }
            }
        };
        let lat = coordinate(&mut errors, "lat");
        let lon = coordinate(&mut errors, "long");
        let location = match (self.get("lat"), self.get("long"), lat, lon) {
            (_, _, Some(lat), Some(lon)) => Some(LocationInput { lat, lon }),
            (Some(_), None, _, _) => {
                errors.push("long", "required", "lat and long go together");
                None
            }
            (None, Some(_), _, _) => {
                errors.push("lat", "required", "lat and long go together");
                None
            }
            _ => None,
        };

        // Without a registry of addresses here, an address id is kept as the address text
        // for staff to look up.
        let address = match (self.get("address_string"), self.get("address_id")) {
            (Some(address), _) => Some(address.to_string()),
            (None, Some(id)) => match text::clean(id) {
                Ok(id) if text::char_len(&id) <= ADDRESS_ID_MAX_CHARS && !id.contains('\n') => {
                    Some(format!("address_id {id}"))
                }
                _ => {
                    errors.push(
                        "address_id",
                        "invalid_address_id",
                        "one line of at most 100 characters",
                    );
                    None
                }
            },
            (None, None) => None,
        };

        let name = match (self.get("first_name"), self.get("last_name")) {
            (None, None) => None,
            (first, last) => Some(
                [first, last]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };

        let media_url = self.get("media_url").and_then(|url| match media_url(url) {
            Some(url) => Some(url),
            None => {
                errors.push(
                    "media_url",
                    "invalid_url",
                    "an http or https address of at most 2000 characters",
                );
                None
            }
        });

        let answers = self.answers(&mut errors);

        let request = ReportRequest {
            category: self.get("service_code").map(String::from),
            kind: None,
            description: self.get("description").map(String::from),
            location,
            address,
            reporter: Some(ReporterInput {
                name,
                email: self.get("email").map(String::from),
                phone: self.get("phone").map(String::from),
            }),
            language: None,
            // The client application shows the comune's privacy notice: a condition of its key.
            privacy_accepted: Some(true),
            answers,
            questions_on_page: None,
        };
        // Coordinates sent but unusable are already reported; "no place given" would be noise.
        let coordinates_sent = self.get("lat").is_some() || self.get("long").is_some();
        let validated = request.validate(config).map_err(|found| {
            for error in found.0 {
                if coordinates_sent && error.field == "location" && error.code == "required" {
                    continue;
                }
                let (field, message) = open311_terms(&error);
                errors.push(field, error.code, message);
            }
        });
        match validated {
            Ok(mut report) if errors.is_empty() => {
                report.media_url = media_url;
                Ok(report)
            }
            _ => Err(errors.into_errors()),
        }
    }
}

/// The Open311 name of a field the report's validation complains about, and its message
/// in Open311's terms where the web form's would not fit.
fn open311_terms(error: &FieldError) -> (String, String) {
    if error.field == "location" && error.code == "required" {
        return (
            "lat".into(),
            "give lat and long, address_string or address_id".into(),
        );
    }
    let field = match error.field.as_str() {
        "category" => "service_code",
        "location" | "location.lat" => "lat",
        "location.lon" => "long",
        "address" => "address_string",
        "reporter.name" => "first_name",
        "reporter.email" => "email",
        "reporter.phone" => "phone",
        "answers" => "attribute",
        other => match other.strip_prefix("answers.") {
            Some(code) => return (format!("attribute[{code}]"), error.message.clone()),
            None => other,
        },
    };
    (field.to_string(), error.message.clone())
}

/// An absolute http(s) address with a host, on one line.
fn media_url(text: &str) -> Option<String> {
    let url = text.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let acceptable = !host.is_empty()
        && text::char_len(url) <= MEDIA_URL_MAX_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    acceptable.then(|| url.to_string())
}
