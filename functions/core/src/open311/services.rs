//! The comune's categories as Open311 services: one service per category (its id is the
//! `service_code`), grouped by theme. Reports are filed at once, so every service is
//! `realtime`.

use super::document::{Document, Value};
use crate::config::{Category, ComuneConfig, Theme};
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
        // No category asks for extra fields yet, so no service has a definition to read.
        ("metadata", Value::Bool(false)),
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
            ("attributes", Value::List("attribute", vec![])),
        ]),
    })
}
