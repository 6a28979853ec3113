//! The discovery document: where the API is, which formats it speaks, whom to ask for a key.

use super::document::{Document, Value};
use super::{CHANGESET, SPECIFICATION};
use crate::config::ComuneConfig;

/// Path of the endpoint under the service's public address.
pub const ENDPOINT_PATH: &str = "/open311/v2";

pub fn discovery(config: &ComuneConfig, public_url: &str) -> Document {
    let contacts = &config.contacts;
    let mut contact = format!("{} <{}>", config.name, contacts.email.as_str());
    if let Some(phone) = &contacts.phone {
        contact.push_str(&format!(", tel. {phone}"));
    }
    let key_service = format!(
        "API keys for filing reports are issued by the administrators of {}: write to {}. \
         Reading services and requests needs no key.",
        config.name,
        contacts.email.as_str()
    );
    let endpoint = Value::Record(vec![
        ("specification", Value::text(SPECIFICATION)),
        (
            "url",
            Value::text(format!(
                "{}{ENDPOINT_PATH}",
                public_url.trim_end_matches('/')
            )),
        ),
        ("changeset", Value::text(CHANGESET)),
        ("type", Value::text("production")),
        (
            "formats",
            Value::List(
                "format",
                vec![Value::text("application/json"), Value::text("text/xml")],
            ),
        ),
    ]);
    Document {
        root: "discovery",
        body: Value::Record(vec![
            ("changeset", Value::text(CHANGESET)),
            ("contact", Value::text(contact)),
            ("key_service", Value::text(key_service)),
            ("endpoints", Value::List("endpoint", vec![endpoint])),
        ]),
    }
}
