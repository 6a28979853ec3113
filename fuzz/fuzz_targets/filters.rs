//! The filters of the open data (`OpenDataQuery::parse`, for each dataset) and of the
//! staff inbox (`InboxQuery::parse`), read through `filters.rs`. Accepted filters are in
//! range (dates in order, limits and pages within bounds, a box inside the globe,
//! statuses in the state machine's order without repeats); the canonical form of an
//! open-data query (its cache tag) does not depend on the order of distinct parameters
//! and reads back to the same query; the days become instants in Rome (as the store and
//! the statistics make them) in order, and so do the inbox's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::field_error::FieldErrors;
use segnala_core::open_data::query::{Dataset, OpenDataQuery, MAX_LIMIT};
use segnala_core::staff::inbox::{InboxQuery, MAX_PER_PAGE};
use segnala_core::statistics::Period;
use segnala_core::status::Status;
use segnala_core::working_days::{end_of_rome_day, start_of_rome_day};
use segnala_fuzz::{assert_same, demo_config, now, query_pairs};
use std::collections::HashSet;

fn assert_statuses(statuses: &[Status]) {
    let order: Vec<usize> = statuses
        .iter()
        .map(|s| Status::ALL.iter().position(|x| x == s).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{statuses:?}");
}

fn problems(errors: &FieldErrors) -> Vec<(String, &'static str)> {
    let mut all: Vec<_> = errors.0.iter().map(|e| (e.field.clone(), e.code)).collect();
    all.sort();
    all
}

fuzz_target!(|data: &[u8]| {
    let config = demo_config();
    let pairs = query_pairs(data);
    let distinct = pairs.iter().map(|(k, _)| k).collect::<HashSet<_>>().len() == pairs.len();
    let mut reversed = pairs.clone();
    reversed.reverse();

    for dataset in [Dataset::Reports, Dataset::Statistics, Dataset::Catalog] {
        let parsed = OpenDataQuery::parse(&pairs, config, dataset);
        if distinct {
            let other = OpenDataQuery::parse(&reversed, config, dataset);
            match (&parsed, &other) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "the order of the parameters matters"),
                (Err(a), Err(b)) => assert_eq!(problems(a), problems(b), "problems by order"),
                _ => panic!("accepted in one order only: {parsed:?} / {other:?}"),
            }
        }
        let Ok(query) = parsed else {
            continue;
        };
        let filter = &query.filter;
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            assert!(from <= to);
        }
        // What the store makes of the days: instants in Rome, and the statistics' period.
        let (from, to) = (
            filter.from.map(start_of_rome_day),
            filter.to.map(end_of_rome_day),
        );
        if let (Some(from), Some(to)) = (from, to) {
            assert!(from < to, "{from} not before {to}");
        }
        if dataset == Dataset::Statistics {
            let period = Period::resolve(filter.from, filter.to, now());
            assert!(period.from <= period.to && period.starts_at() < period.ends_at());
        }
        assert!(query.limit.is_none_or(|n| (1..=MAX_LIMIT).contains(&n)));
        assert_statuses(&filter.statuses);
        if let Some(bbox) = filter.bbox {
            assert!(bbox.west <= bbox.east && bbox.south <= bbox.north);
            assert!(bbox.west >= -180.0 && bbox.east <= 180.0);
            assert!(bbox.south >= -90.0 && bbox.north <= 90.0);
        }
        if dataset == Dataset::Catalog {
            assert_eq!(
                query,
                OpenDataQuery::default(),
                "the catalogue takes no parameter"
            );
        }
        let canonical = query.canonical();
        let back: OpenDataQuery = serde_json::from_str(&canonical).expect("canonical reads");
        assert_same(&back, &query, "canonical form round trip");
    }

    match InboxQuery::parse(&pairs, config) {
        Ok(query) => {
            assert!((1..=100_000).contains(&query.page));
            assert!((1..=MAX_PER_PAGE).contains(&query.per_page));
            assert_statuses(&query.statuses);
            if let (Some(from), Some(before)) = (query.filed_from, query.filed_before) {
                assert!(from < before, "{from} not before {before}");
            }
            if let Some(search) = &query.search {
                assert!(search.chars().count() <= 200);
            }
        }
        Err(errors) => assert!(!errors.0.is_empty()),
    }
});
