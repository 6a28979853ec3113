//! The comune's categories as Open311 services: one service per category (its id is the
//! `service_code`), grouped by theme. Reports are filed at once, so every service is
//! `realtime`. A category's extra questions are the service's attributes.

use super::document::{Document, Value};
use crate::config::{Category, ComuneConfig, ExtraField, FieldKind, Theme};
use crate::report::answers::{format_number, LINE_MAX_CHARS, TEXT_MAX_CHARS};
use crate::report::Language;

fn service(theme: &Theme, category: &Category) -> Value {
    Value::Record(vec![
        ("service_code", Value::text(&category.id)),
        ("service_name", Value::text(category.name.get(Language::It))),
        (
            "description",
            Value::text(
                category
                    .description
                    .as_ref()
                    .map_or("", |d| d.get(Language::It)),
            ),
        ),
        ("metadata", Value::Bool(!category.fields.is_empty())),
        ("type", Value::text("realtime")),
        ("keywords", Value::text(category.keywords.join(", "))),
        ("group", Value::text(theme.name.get(Language::It))),
    ])
}

/// `GET services`: every category of every theme, in the configuration's order.
pub fn services(config: &ComuneConfig) -> Document {
    let items = config
        .themes
        .iter()
        .flat_map(|theme| theme.categories.iter().map(move |c| service(theme, c)))
        .collect();
    Document {
        root: "services",
        body: Value::List("service", items),
    }
}

/// `GET services/{service_code}`: the attributes a report of this service may carry;
/// `None` for an unknown code.
pub fn definition(config: &ComuneConfig, service_code: &str) -> Option<Document> {
    let (_, category) = config.category(service_code)?;
    Some(Document {
        root: "service_definition",
        body: Value::Record(vec![
            ("service_code", Value::text(&category.id)),
            (
                "attributes",
                Value::List(
                    "attribute",
                    category
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(index, field)| attribute(field, index + 1))
                        .collect(),
                ),
            ),
        ]),
    })
}

fn attribute(field: &ExtraField, order: usize) -> Value {
    let values = field
        .choices
        .iter()
        .map(|choice| {
            Value::Record(vec![
                ("key", Value::text(&choice.key)),
                ("name", Value::text(choice.label.get(Language::It))),
            ])
        })
        .collect();
    Value::Record(vec![
        // Every attribute is a question to the person reporting, none is informational.
        ("variable", Value::Bool(true)),
        ("code", Value::text(&field.code)),
        ("datatype", Value::text(datatype(field.kind))),
        ("required", Value::Bool(field.required)),
        (
            "datatype_description",
            Value::text(datatype_description(field)),
        ),
        ("order", Value::Integer(order as i64)),
        ("description", Value::text(field.label.get(Language::It))),
        ("values", Value::List("value", values)),
    ])
}

/// The spec's name for the kind of answer.
fn datatype(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Line => "string",
        FieldKind::Text => "text",
        FieldKind::Number => "number",
        FieldKind::Date => "datetime",
        FieldKind::Choice => "singlevaluelist",
        FieldKind::Choices => "multivaluelist",
    }
}

/// What to send, in words, followed by the question's hint.
fn datatype_description(field: &ExtraField) -> String {
    let number = |n: f64| format_number(n, Language::It);
    let format = match field.kind {
        FieldKind::Line => format!("Testo su una riga, al massimo {LINE_MAX_CHARS} caratteri."),
        FieldKind::Text => format!("Testo libero, al massimo {TEXT_MAX_CHARS} caratteri."),
        FieldKind::Number => {
            let kind = if field.integer {
                "Un numero intero"
            } else {
                "Un numero"
            };
            match (field.min, field.max) {
                (Some(min), Some(max)) => format!("{kind} tra {} e {}.", number(min), number(max)),
                (Some(min), None) => format!("{kind} non inferiore a {}.", number(min)),
                (None, Some(max)) => format!("{kind} non superiore a {}.", number(max)),
                (None, None) => format!("{kind}."),
            }
        }
        FieldKind::Date => {
            "Un giorno, AAAA-MM-GG (di una data e ora W3C vale il giorno in Italia).".to_string()
        }
        FieldKind::Choice => "La chiave di uno dei valori.".to_string(),
        FieldKind::Choices => {
            format!(
                "Le chiavi di uno o più valori, ciascuna in attribute[{}][].",
                field.code
            )
        }
    };
    match &field.hint {
        Some(hint) => format!("{format} {}", hint.get(Language::It)),
        None => format,
    }
}
