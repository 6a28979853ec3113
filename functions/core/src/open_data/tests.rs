use super::formats::{
    csv_head, csv_rows, geojson_features, CSV_COLUMNS, GEOJSON_HEAD, GEOJSON_TAIL,
};
use super::query::{Dataset, OpenDataQuery};
use super::record::{round_to, OpenReport, Publication, ReportRow};
use crate::config::tests_support::demo_config;
use crate::config::ComuneConfig;
use crate::field_error::FieldErrors;
use crate::report::Language;
use crate::status::Status;
use chrono::{TimeZone, Utc};

fn parse(query: &str, dataset: Dataset) -> Result<OpenDataQuery, FieldErrors> {
    OpenDataQuery::parse(&crate::filters::test_pairs(query), &demo_config(), dataset)
}

#[test]
fn every_filter_is_read_from_the_query_string() {
    let query = parse(
        "from=2026-01-01&to=2026-03-31&theme=strade-viabilita&category=buche-stradali&office=strade-mobilita&kind=reclamo&status=open,resolved&bbox=9.6,45.6,9.7,45.7&lang=en&limit=50&after=2026-000010",
        Dataset::Reports,
    )
    .unwrap();
    assert_eq!(query.filter.from.unwrap().to_string(), "2026-01-01");
    assert_eq!(query.filter.category.as_deref(), Some("buche-stradali"));
    assert_eq!(
        query.filter.statuses,
        [
            Status::Received,
            Status::TakenInCharge,
            Status::InProgress,
            Status::Resolved
        ]
    );
    assert_eq!(query.filter.bbox.unwrap().north, 45.7);
    assert_eq!(query.language, Language::En);
    assert_eq!(query.limit, Some(50));
    assert_eq!(query.after.unwrap().to_string(), "2026-000010");
}

#[test]
fn bad_values_are_all_reported_by_parameter_name() {
    let errors = parse(
        "from=yesterday&category=nope&office=nope&status=lost&bbox=1,2,3&limit=5000&after=12&lang=fr",
        Dataset::Reports,
    )
    .unwrap_err();
    assert_eq!(
        errors.fields(),
        ["from", "category", "office", "status", "bbox", "limit", "after", "lang"]
    );
}

#[test]
fn unknown_parameters_are_refused_so_that_typos_show() {
    let errors = parse("categroy=buche-stradali", Dataset::Reports).unwrap_err();
    assert_eq!(errors.0[0].code, "unknown_parameter");
    assert_eq!(errors.fields(), ["categroy"]);
}

#[test]
fn statistics_take_no_status_area_or_page() {
    for parameter in [
        "status=open",
        "bbox=9,45,10,46",
        "limit=10",
        "after=2026-000001",
    ] {
        let errors = parse(parameter, Dataset::Statistics).unwrap_err();
        assert_eq!(errors.0[0].code, "unknown_parameter", "{parameter}");
    }
    assert!(parse(
        "from=2026-01-01&office=tributi&lang=en",
        Dataset::Statistics
    )
    .is_ok());
}

#[test]
fn the_catalogue_takes_no_parameter() {
    for parameter in ["lang=en", "from=2026-01-01", "category=buche-stradali"] {
        let errors = parse(parameter, Dataset::Catalog).unwrap_err();
        assert_eq!(errors.0[0].code, "unknown_parameter", "{parameter}");
    }
    assert!(parse("", Dataset::Catalog).is_ok());
}

#[test]
fn an_end_date_before_the_start_date_is_refused() {
    let errors = parse("from=2026-02-01&to=2026-01-01", Dataset::Reports).unwrap_err();
    assert_eq!(errors.fields(), ["to"]);
}

#[test]
fn the_same_filters_in_another_order_make_the_same_canonical_query() {
    let one = parse("category=buche-stradali&from=2026-01-01", Dataset::Reports).unwrap();
    let two = parse("from=2026-01-01&category=buche-stradali", Dataset::Reports).unwrap();
    assert_eq!(one.canonical(), two.canonical());
    let three = parse("from=2026-01-02&category=buche-stradali", Dataset::Reports).unwrap();
    assert_ne!(one.canonical(), three.canonical());
}

pub(crate) fn row(category: &str, status: &str) -> ReportRow {
    ReportRow {
        public_number: "2026-000007".into(),
        theme: demo_config().category(category).unwrap().0.id.clone(),
        category: category.into(),
        kind: "segnalazione".into(),
        office: "strade-mobilita".into(),
        status: status.into(),
        created_at: "2026-03-02T09:15:00.000Z".into(),
        taken_in_charge_at: Some("2026-03-02T11:00:00.000Z".into()),
        closed_at: Some("2026-03-04T16:00:00.000Z".into()),
        respond_by: Some("2026-03-05T23:00:00.000Z".into()),
        resolve_by: None,
        rejection_reason: Some("not_competent".into()),
        duplicate_of: None,
        lat: Some(45.694_567),
        lon: Some(9.669_912),
        description: Some("Buca profonda, chiamatemi al 333 1234567 (Mario Rossi)".into()),
        rating: Some(2),
        updated_at: None,
    }
}

fn publish(config: &mut ComuneConfig, descriptions: bool, locations: bool) {
    config.open_data.publish_descriptions = descriptions;
    config.open_data.publish_locations = locations;
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

#[test]
fn by_default_descriptions_stay_private_and_locations_are_rounded() {
    let report = OpenReport::of(
        row("buche-stradali", "resolved"),
        &demo_config(),
        Language::It,
        now(),
    )
    .unwrap();
    assert_eq!(report.description, None);
    assert_eq!((report.lat, report.lon), (Some(45.695), Some(9.670)));
    assert_eq!(report.status_name, "Risolta");
    assert_eq!(report.category_name, "Buche e dissesti stradali");
    assert_eq!(
        report.resolved_at.as_deref(),
        Some("2026-03-04T16:00:00.000Z")
    );
    assert_eq!(report.taken_in_charge_on_time, Some(true));
    // A reason is only shown for a rejected report.
    assert_eq!(report.rejection_reason, None);
}

#[test]
fn a_category_can_publish_or_hide_what_the_comune_does_not() {
    let mut config = demo_config();
    publish(&mut config, true, true);
    for theme in &mut config.themes {
        for category in &mut theme.categories {
            if category.id == "degrado-urbano" {
                category.publish_description = Some(false);
                category.publish_location = Some(false);
            }
        }
    }
    let open = OpenReport::of(
        row("buche-stradali", "received"),
        &config,
        Language::It,
        now(),
    )
    .unwrap();
    assert!(open.description.is_some());
    let hidden = OpenReport::of(
        row("degrado-urbano", "received"),
        &config,
        Language::It,
        now(),
    )
    .unwrap();
    assert_eq!(
        (hidden.description, hidden.lat, hidden.lon),
        (None, None, None)
    );
    assert_eq!(
        Publication::of(&config, "degrado-urbano"),
        Publication {
            description: false,
            location: false
        }
    );
}

#[test]
fn the_precision_of_locations_is_configurable() {
    let mut config = demo_config();
    config.open_data.location_decimals = 2;
    let report = OpenReport::of(
        row("buche-stradali", "received"),
        &config,
        Language::It,
        now(),
    )
    .unwrap();
    assert_eq!((report.lat, report.lon), (Some(45.69), Some(9.67)));
    assert_eq!(round_to(-9.125, 2), -9.13);
}

#[test]
fn names_follow_the_language_asked_for() {
    let report = OpenReport::of(
        row("buche-stradali", "in_progress"),
        &demo_config(),
        Language::En,
        now(),
    )
    .unwrap();
    assert_eq!(report.status_name, "In progress");
    assert_eq!(report.resolved_at, None);
}

#[test]
fn csv_has_one_column_per_field_and_defuses_formulas() {
    let mut config = demo_config();
    publish(&mut config, true, true);
    let mut source = row("buche-stradali", "rejected");
    source.description = Some("=HYPERLINK(\"http://x\")".into());
    let report = OpenReport::of(source, &config, Language::It, now()).unwrap();
    let head = csv_head();
    assert!(head.starts_with('\u{feff}'));
    assert_eq!(
        head.trim_start_matches('\u{feff}')
            .trim_end()
            .split(',')
            .count(),
        CSV_COLUMNS.len()
    );
    let rows = csv_rows(&[report]);
    assert!(rows.starts_with("2026-000007,strade-viabilita,"));
    assert!(rows.contains(",not_competent,"));
    assert!(rows.contains(",45.695,9.67,\"'=HYPERLINK"));
    assert!(rows.ends_with("\r\n"));
}

#[test]
fn geojson_features_carry_the_rounded_point_or_a_null_geometry() {
    let mut config = demo_config();
    let located = OpenReport::of(
        row("buche-stradali", "received"),
        &config,
        Language::It,
        now(),
    )
    .unwrap();
    publish(&mut config, false, false);
    let hidden = OpenReport::of(
        row("buche-stradali", "received"),
        &config,
        Language::It,
        now(),
    )
    .unwrap();
    let body = format!(
        "{GEOJSON_HEAD}{}{}{GEOJSON_TAIL}",
        geojson_features(&[located], true),
        geojson_features(&[hidden], false)
    );
    let collection: serde_json::Value = serde_json::from_str(&body).unwrap();
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(
        features[0]["geometry"]["coordinates"],
        serde_json::json!([9.67, 45.695])
    );
    assert_eq!(features[0]["id"], "2026-000007");
    assert!(features[0]["properties"].get("lat").is_none());
    assert!(features[1]["geometry"].is_null());
}

#[test]
fn the_entity_tag_changes_with_the_data_the_configuration_the_day_and_the_query() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    let query = parse("category=buche-stradali", Dataset::Reports).unwrap();
    let tag = super::entity_tag("csv", &query, 41, 2, day);
    assert_eq!(tag, super::entity_tag("csv", &query, 41, 2, day));
    assert_ne!(tag, super::entity_tag("json", &query, 41, 2, day));
    assert_ne!(tag, super::entity_tag("csv", &query, 42, 2, day));
    assert_ne!(tag, super::entity_tag("csv", &query, 41, 3, day));
    assert_ne!(
        tag,
        super::entity_tag("csv", &query, 41, 2, day.succ_opt().unwrap())
    );
    assert_ne!(
        tag,
        super::entity_tag("csv", &OpenDataQuery::default(), 41, 2, day)
    );
    assert!(super::matches_tag(&format!("W/{tag}, \"other\""), &tag));
    assert!(super::matches_tag("*", &tag));
    assert!(!super::matches_tag("\"other\"", &tag));
}

#[test]
fn the_catalogue_describes_both_datasets_after_dcat_ap_it() {
    let mut config = demo_config();
    config.open_data.licence = crate::config::Licence {
        name: "Italian Open Data License v2.0".into(),
        url: "https://www.dati.gov.it/iodl/2.0/".into(),
    };
    let changed = Utc.with_ymd_and_hms(2026, 3, 9, 17, 0, 0).unwrap();
    let catalog = super::catalog::catalog(&config, Some(changed), now());
    assert_eq!(
        catalog["@context"]["dcatapit"],
        "http://dati.gov.it/onto/dcatapit#"
    );
    assert_eq!(catalog["dct:publisher"]["dct:identifier"], "c_a794");
    let datasets = catalog["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    let reports = &datasets[0];
    assert_eq!(reports["dct:identifier"], "c_a794:segnalazioni");
    assert_eq!(reports["dct:modified"]["@value"], "2026-03-09");
    assert_eq!(
        reports["dct:accrualPeriodicity"]["@id"],
        "http://publications.europa.eu/resource/authority/frequency/DAILY"
    );
    assert_eq!(reports["dct:rightsHolder"]["foaf:name"], config.name);
    assert_eq!(
        reports["dcat:contactPoint"]["vcard:hasEmail"]["@id"],
        format!("mailto:{}", config.contacts.email.as_str())
    );
    let formats: Vec<&str> = reports["dcat:distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["dct:format"]["@id"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    // Live CSV, GeoJSON and JSON, then the daily copies as files.
    assert_eq!(formats, ["CSV", "GEOJSON", "JSON", "CSV", "GEOJSON"]);
    assert!(reports["dcat:distribution"][3]["@id"]
        .as_str()
        .unwrap()
        .ends_with("/snapshots/latest/reports.csv"));
    for distribution in reports["dcat:distribution"].as_array().unwrap() {
        assert_eq!(
            distribution["dct:license"]["@id"],
            "https://www.dati.gov.it/iodl/2.0/"
        );
        assert!(distribution["dcat:downloadURL"]["@id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/api/v1/open-data/", config.public_url)));
    }
}

#[test]
fn an_export_written_page_by_page_is_one_valid_document_whatever_the_pages() {
    use super::formats::ExportWriter;
    let config = demo_config();
    let report = || {
        OpenReport::of(
            row("buche-stradali", "received"),
            &config,
            Language::It,
            now(),
        )
        .unwrap()
    };
    // Empty pages anywhere (the last page of a keyset walk is often empty).
    for pages in [
        vec![],
        vec![vec![]],
        vec![vec![report(), report()], vec![], vec![report()]],
        vec![vec![], vec![report()]],
    ] {
        let count: usize = pages.iter().map(Vec::len).sum();
        let mut geojson = ExportWriter::geojson();
        let mut csv = ExportWriter::csv();
        let (mut g, mut c) = (String::new(), String::new());
        for page in &pages {
            g.push_str(&geojson.page(page));
            c.push_str(&csv.page(page));
        }
        g.push_str(&geojson.tail());
        c.push_str(&csv.tail());
        let collection: serde_json::Value = serde_json::from_str(&g).unwrap();
        assert_eq!(collection["features"].as_array().unwrap().len(), count);
        assert_eq!(c.matches('\u{feff}').count(), 1, "one head");
        assert_eq!(c.lines().count(), count + 1);
    }
}
