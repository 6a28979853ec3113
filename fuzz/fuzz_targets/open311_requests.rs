//! Open311 `GET requests` query (`open311::requests::selection`) and its W3C date-times
//! (`open311::parse_w3c`). A selection by numbers has at most 1000 trimmed, non-empty
//! numbers; a selection by filter has a window from start to end of at most 90 days; a
//! date-time that parses is written back (`w3c`) as text that parses to the same instant.
#![no_main]

use chrono::{Datelike, Duration, SubsecRound};
use libfuzzer_sys::fuzz_target;
use segnala_core::open311::requests::{selection, Selection};
use segnala_core::open311::{jurisdiction_matches, parse_w3c, w3c, DayEdge, MAX_RESULTS};
use segnala_fuzz::{now, query_pairs};

fuzz_target!(|data: &[u8]| {
    let pairs = query_pairs(data);
    for (_, value) in &pairs {
        for edge in [DayEdge::Start, DayEdge::End] {
            // RFC 3339 writes four-digit years: an instant pushed out of them by its offset
            // (`9999-12-31T23:00-05:00`) is read but cannot be written back as read.
            let parsed = parse_w3c(value, edge).filter(|at| (0..=9999).contains(&at.year()));
            if let Some(at) = parsed {
                let written = w3c(at);
                assert_eq!(
                    parse_w3c(&written, edge),
                    Some(at.trunc_subsecs(0)),
                    "{value:?} read as {at}, written {written:?}"
                );
            }
        }
    }
    let jurisdiction = pairs
        .iter()
        .find(|(k, _)| k == "jurisdiction_id")
        .map(|(_, v)| v.as_str());
    let _ = jurisdiction_matches(jurisdiction, "bergamo");

    match selection(&pairs, now()) {
        Ok(Selection::Numbers(numbers)) => {
            assert!(numbers.len() <= MAX_RESULTS as usize);
            for number in &numbers {
                assert!(!number.is_empty() && number.trim() == number && !number.contains(','));
            }
        }
        Ok(Selection::Filter {
            service_codes,
            start,
            end,
            ..
        }) => {
            assert!(start <= end, "{start} after {end}");
            assert!(end - start <= Duration::days(90), "{start} to {end}");
            assert!(service_codes.iter().all(|code| !code.is_empty()));
        }
        Err(error) => {
            assert_eq!(error.status, 400);
            assert!(!error.descriptions.is_empty());
        }
    }
});
