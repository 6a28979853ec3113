//! Before a new report is sent, the form offers open reports of the same topic close to
//! the chosen point, so the citizen can follow one instead of filing a duplicate. Only
//! what open data publishes is used: the rounded location (so distances reveal nothing
//! finer), and no topic whose location the comune keeps private.

use crate::config::ComuneConfig;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::filters;
use crate::geo::Coordinates;
use crate::open_data::record::{OpenReport, Publication};
use crate::report::Language;
use serde::{Deserialize, Serialize};

/// Suggestions shown at most.
pub const MAX_SUGGESTIONS: usize = 5;

/// Where and what the citizen is about to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyQuery {
    pub category: String,
    pub point: Coordinates,
    pub language: Language,
}

impl NearbyQuery {
    /// From the query string: `category`, `lat`, `lon`, optional `lang`.
    pub fn parse(pairs: &[(String, String)], config: &ComuneConfig) -> Result<Self, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let value = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let category = match value("category") {
            Some(text) => filters::category(&mut errors, config, text),
            None => {
                errors.push("category", "required", "the topic of the report");
                None
            }
        };
        let mut number = |key: &'static str, limit: f64| match value(key).map(str::parse::<f64>) {
            Some(Ok(n)) if n.is_finite() && n.abs() <= limit => Some(n),
            Some(Ok(_)) => {
                errors.push(key, "out_of_range", format!("between -{limit} and {limit}"));
                None
            }
            Some(Err(_)) => {
                errors.push(key, "not_a_number", "a decimal number");
                None
            }
            None => {
                errors.push(key, "required", "the position of the report");
                None
            }
        };
        let (lat, lon) = (number("lat", 90.0), number("lon", 180.0));
        let point = match (lat, lon) {
            (Some(lat), Some(lon)) => Coordinates::new(lat, lon).ok(),
            _ => None,
        };
        let language = match value("lang") {
            None => Language::It,
            Some(text) => Language::parse(text).unwrap_or_else(|| {
                errors.push("lang", "invalid", "it or en");
                Language::It
            }),
        };
        match (errors.finish(()), category, point) {
            (Ok(()), Some(category), Some(point)) => Ok(Self {
                category,
                point,
                language,
            }),
            (Err(errors), _, _) => Err(errors),
            _ => unreachable!("every missing part is an error"),
        }
    }

    /// The radius searched, in metres; `None` when the comune turned suggestions off or
    /// keeps this topic's locations private.
    pub fn radius(&self, config: &ComuneConfig) -> Option<f64> {
        let metres = config.follow_up.nearby_metres;
        (metres > 0 && Publication::of(config, &self.category).location)
            .then_some(f64::from(metres))
    }

    /// A box around the point that holds every published point within `radius`, for the
    /// store's first cut (the published points are rounded, hence the margin).
    pub fn bounding_box(&self, radius: f64, decimals: u8) -> [f64; 4] {
        let margin = 10f64.powi(-i32::from(decimals));
        let dlat = radius / 111_000.0 + margin;
        let dlon = radius / (111_000.0 * self.point.lat().to_radians().cos().max(0.01)) + margin;
        [
            self.point.lat() - dlat,
            self.point.lon() - dlon,
            self.point.lat() + dlat,
            self.point.lon() + dlon,
        ]
    }
}

/// An open report near the point, with its distance from it in metres (from the published
/// point, in steps of 10 m).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyReport {
    pub metres: u32,
    /// The report's public page, where it can be followed.
    pub path: String,
    #[serde(flatten)]
    pub report: OpenReport,
}

/// The published reports within `radius` of the point, nearest first, at most
/// [`MAX_SUGGESTIONS`]; reports without a published location are left out.
pub fn rank(query: &NearbyQuery, radius: f64, reports: Vec<OpenReport>) -> Vec<NearbyReport> {
    let mut near: Vec<(f64, OpenReport)> = reports
        .into_iter()
        .filter_map(|report| {
            let point = Coordinates::new(report.lat?, report.lon?).ok()?;
            let metres = query.point.metres_to(point);
            (metres <= radius).then_some((metres, report))
        })
        .collect();
    near.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then_with(|| b.1.created_at.cmp(&a.1.created_at))
    });
    near.into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(metres, report)| NearbyReport {
            metres: ((metres / 10.0).round() * 10.0) as u32,
            path: crate::mail::follower::report_path(query.language, &report.number),
            report,
        })
        .collect()
}
