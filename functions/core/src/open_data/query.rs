//! The query string of an open-data request, e.g.
//! `?from=2026-01-01&to=2026-03-31&category=buche-stradali&status=open&limit=500`.
//! Unknown parameters are refused (a typo must not silently widen an export), and every
//! bad value is reported under its name.

use crate::config::ComuneConfig;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::filters;
use crate::public_number::PublicNumber;
use crate::report::{Language, ReportKind};
use crate::status::Status;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Reports in one JSON page when the reader does not say.
pub const DEFAULT_LIMIT: u32 = 100;
/// Most reports in one page; whole CSV and GeoJSON exports are streamed page by page.
pub const MAX_LIMIT: u32 = 1000;

/// Which dataset is asked for: statistics take no status, area or page; the catalogue
/// describes everything and takes no parameter at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Reports,
    Statistics,
    Catalog,
}

/// West, south, east, north in degrees (WGS 84), as in GeoJSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BoundingBox {
    fn parse(errors: &mut ErrorCollector, value: &str) -> Option<Self> {
        let numbers: Vec<f64> = value
            .split(',')
            .filter_map(|n| n.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite())
            .collect();
        match numbers.as_slice() {
            &[west, south, east, north]
                if (-180.0..=180.0).contains(&west)
                    && (-180.0..=180.0).contains(&east)
                    && (-90.0..=90.0).contains(&south)
                    && (-90.0..=90.0).contains(&north)
                    && west <= east
                    && south <= north =>
            {
                Some(Self {
                    west,
                    south,
                    east,
                    north,
                })
            }
            _ => {
                errors.push(
                    "bbox",
                    "invalid_bbox",
                    "west,south,east,north in degrees, west before east and south before north",
                );
                None
            }
        }
    }
}

/// Which reports: every filter is optional; dates are filing days in Rome, both included.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub theme: Option<String>,
    pub category: Option<String>,
    pub office: Option<String>,
    pub kind: Option<ReportKind>,
    /// Empty means every status.
    #[serde(default)]
    pub statuses: Vec<Status>,
    pub bbox: Option<BoundingBox>,
}

/// A whole open-data request: filters, language of names, and the page.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenDataQuery {
    pub filter: Filter,
    pub language: Language,
    /// Continue after this report (the `next` link of the previous page).
    pub after: Option<PublicNumber>,
    /// Reports in this page; `None` means the format's default.
    pub limit: Option<u32>,
}

impl OpenDataQuery {
    pub fn parse(
        pairs: &[(String, String)],
        config: &ComuneConfig,
        dataset: Dataset,
    ) -> Result<Self, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let mut query = OpenDataQuery::default();
        let filter = &mut query.filter;
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let for_reports = dataset == Dataset::Reports;
            let filtered = dataset != Dataset::Catalog;
            match key.as_str() {
                "from" if filtered => filter.from = filters::date(&mut errors, "from", value),
                "to" if filtered => filter.to = filters::date(&mut errors, "to", value),
                "theme" if filtered => filter.theme = filters::theme(&mut errors, config, value),
                "category" if filtered => {
                    filter.category = filters::category(&mut errors, config, value)
                }
                "office" if filtered => filter.office = filters::office(&mut errors, config, value),
                "kind" if filtered => filter.kind = filters::kind(&mut errors, value),
                "lang" if filtered => match Language::parse(value) {
                    Some(language) => query.language = language,
                    None => errors.push("lang", "unknown_language", "is it or en"),
                },
                "status" if for_reports => {
                    filters::statuses(&mut errors, value, &mut filter.statuses)
                }
                "bbox" if for_reports => filter.bbox = BoundingBox::parse(&mut errors, value),
                "limit" if for_reports => {
                    query.limit = filters::number(&mut errors, "limit", value, MAX_LIMIT)
                }
                "after" if for_reports => match PublicNumber::parse(value) {
                    Ok(number) => query.after = Some(number),
                    Err(_) => errors.push(
                        "after",
                        "invalid_number",
                        "is a report number such as 2026-000123",
                    ),
                },
                other => errors.push(
                    other,
                    "unknown_parameter",
                    "is not a parameter of this dataset",
                ),
            }
        }
        filters::date_range(&mut errors, query.filter.from, query.filter.to);
        errors.finish(query)
    }

    /// The same request written one way only, whatever the order of its parameters: what a
    /// cache tag is made of.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("queries serialise")
    }
}
