//! The comune's configuration: who it is, where its boundary runs, what can be reported,
//! which office handles what. Parsed strictly (unknown fields are errors, to catch typos)
//! and then checked for consistency; every problem names the field at fault.
//! `schema/comune-config.schema.json` describes the same format for editors and IT staff.

pub mod diff;
mod types;
mod validation;

pub use types::*;
pub use validation::{is_identifier, IDENTIFIER_RULE};

use crate::field_error::{parse_json, FieldErrors};
use crate::report::Language;

impl ComuneConfig {
    /// Parses and validates a configuration file, reporting every problem found.
    pub fn from_json(json: &str) -> Result<Self, FieldErrors> {
        let config: ComuneConfig = parse_json(json)?;
        validation::validate(&config)?;
        Ok(config)
    }

    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }

    /// The category with this id and the theme it belongs to.
    pub fn category(&self, id: &str) -> Option<(&Theme, &Category)> {
        self.themes
            .iter()
            .find_map(|t| t.categories.iter().find(|c| c.id == id).map(|c| (t, c)))
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }

    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// The theme's name in `language`; its identifier when no longer configured (the
    /// name of something removed since a report was filed).
    pub fn theme_name(&self, id: &str, language: Language) -> String {
        self.theme(id)
            .map_or_else(|| id.to_string(), |t| t.name.get(language).to_string())
    }

    pub fn category_name(&self, id: &str, language: Language) -> String {
        self.category(id)
            .map_or_else(|| id.to_string(), |(_, c)| c.name.get(language).to_string())
    }

    pub fn office_name(&self, id: &str, language: Language) -> String {
        self.office(id)
            .map_or_else(|| id.to_string(), |o| o.name.get(language).to_string())
    }

    /// Citizens confirm their address before any message but the first.
    pub fn confirms_addresses(&self) -> bool {
        self.mail.as_ref().is_some_and(|m| m.confirm_addresses)
    }
}

#[cfg(test)]
mod tests;

/// The demo comune shipped in `config/`, for tests across the crate.
#[cfg(test)]
pub(crate) mod tests_support {
    pub const DEMO_JSON: &str = include_str!("../../../../config/demo-bergamo.json");

    pub fn demo_config() -> super::ComuneConfig {
        super::ComuneConfig::from_json(DEMO_JSON).expect("the demo configuration is valid")
    }
}
