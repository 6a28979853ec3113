//! The three forms of the reports dataset. CSV and GeoJSON are written in pieces (a head,
//! the rows of each page, a tail) so that the Worker can stream a whole export page by
//! page without holding it.

use super::record::OpenReport;
use crate::config::Licence;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Column names of the CSV, in order: the record's field names.
pub const CSV_COLUMNS: [&str; 23] = [
    "number",
    "theme",
    "theme_name",
    "category",
    "category_name",
    "kind",
    "office",
    "office_name",
    "status",
    "status_name",
    "created_at",
    "taken_in_charge_at",
    "resolved_at",
    "closed_at",
    "take_in_charge_due",
    "taken_in_charge_on_time",
    "resolution_due",
    "resolved_on_time",
    "rejection_reason",
    "duplicate_of",
    "lat",
    "lon",
    "description",
];

/// The byte-order mark and the header row.
pub fn csv_head() -> String {
    let mut out = String::from(crate::csv::BOM);
    crate::csv::push_row(&mut out, &CSV_COLUMNS);
    out
}

pub fn csv_rows(reports: &[OpenReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let flag = |value: Option<bool>| value.map(|b| b.to_string()).unwrap_or_default();
        let number = |value: Option<f64>| value.map(|n| n.to_string()).unwrap_or_default();
        crate::csv::push_row(
            &mut out,
            &[
                report.number.clone(),
                report.theme.clone(),
                report.theme_name.clone(),
                report.category.clone(),
                report.category_name.clone(),
                report.kind.clone(),
                report.office.clone(),
                report.office_name.clone(),
                report.status.clone(),
                report.status_name.clone(),
                report.created_at.clone(),
                text(&report.taken_in_charge_at),
                text(&report.resolved_at),
                text(&report.closed_at),
                report.take_in_charge_due.clone(),
                flag(report.taken_in_charge_on_time),
                text(&report.resolution_due),
                flag(report.resolved_on_time),
                text(&report.rejection_reason),
                text(&report.duplicate_of),
                number(report.lat),
                number(report.lon),
                text(&report.description),
            ],
        );
    }
    out
}

pub const GEOJSON_HEAD: &str = "{\"type\":\"FeatureCollection\",\"features\":[\n";
pub const GEOJSON_TAIL: &str = "\n]}\n";

/// One feature per report (a null geometry where no location is published), each
/// preceded by a comma unless it opens the collection.
pub fn geojson_features(reports: &[OpenReport], opens_collection: bool) -> String {
    let mut out = String::new();
    for (index, report) in reports.iter().enumerate() {
        if index > 0 || !opens_collection {
            out.push_str(",\n");
        }
        out.push_str(&feature(report).to_string());
    }
    out
}

fn feature(report: &OpenReport) -> Value {
    let geometry = match (report.lon, report.lat) {
        (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
        _ => Value::Null,
    };
    let mut properties = match serde_json::to_value(report) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    properties.remove("lat");
    properties.remove("lon");
    json!({
        "type": "Feature",
        "id": report.number,
        "geometry": geometry,
        "properties": properties,
    })
}

/// One page of the JSON form.
#[derive(Debug, Serialize)]
pub struct JsonPage<'a> {
    pub reports: &'a [OpenReport],
    /// Reports matching the filters, over all pages.
    pub total: u64,
    /// The address of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub licence: &'a Licence,
}

/// A whole CSV or GeoJSON export written page by page: the head once, each page's rows,
/// then the tail. Holds nothing but two flags, so an export of any size costs one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportWriter {
    geojson: bool,
    started: bool,
    any_feature: bool,
}

impl ExportWriter {
    pub fn csv() -> Self {
        Self {
            geojson: false,
            started: false,
            any_feature: false,
        }
    }

    pub fn geojson() -> Self {
        Self {
            geojson: true,
            ..Self::csv()
        }
    }

    /// The text of one page (the head too, for the first).
    pub fn page(&mut self, reports: &[OpenReport]) -> String {
        let mut out = match (self.started, self.geojson) {
            (true, _) => String::new(),
            (false, false) => csv_head(),
            (false, true) => GEOJSON_HEAD.to_string(),
        };
        self.started = true;
        if self.geojson {
            out.push_str(&geojson_features(reports, !self.any_feature));
        } else {
            out.push_str(&csv_rows(reports));
        }
        self.any_feature |= !reports.is_empty();
        out
    }

    /// What ends the export (the head too, if no page was ever written).
    pub fn tail(&mut self) -> String {
        let mut out = self.page(&[]);
        if self.geojson {
            out.push_str(GEOJSON_TAIL);
        }
        out
    }
}
