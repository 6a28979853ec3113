//! `POST /api/v1/reports` with a JSON body: the Worker parses it with `parse_json` into a
//! `ReportRequest` and validates it against the comune's configuration. A report that
//! passes satisfies every limit; a refusal names its fields; and the request written back
//! as JSON is judged the same way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::field_error::parse_json;
use segnala_core::report::ReportRequest;
use segnala_fuzz::{assert_same, assert_valid_report, demo_config};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let config = demo_config();
    let request = match parse_json::<ReportRequest>(body) {
        Ok(request) => request,
        Err(errors) => {
            assert_eq!(
                errors.0.len(),
                1,
                "a body that does not parse is one problem"
            );
            return;
        }
    };
    let verdict = request.validate(config);
    match &verdict {
        Ok(report) => assert_valid_report(report, config),
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal names at least one problem");
            for error in &errors.0 {
                assert!(!error.field.is_empty() && !error.code.is_empty(), "{error}");
            }
        }
    }

    // The same request as a client library would re-send it: the same verdict.
    let resent = serde_json::to_string(&request).expect("requests serialise");
    let again: ReportRequest = parse_json(&resent)
        .unwrap_or_else(|errors| panic!("a serialised request does not parse: {errors}"));
    match (again.validate(config), &verdict) {
        (Ok(again), Ok(first)) => assert_same(&again, first, "report after a round trip"),
        (Err(again), Err(first)) => assert_eq!(&again, first, "problems after a round trip"),
        (again, first) => panic!("another verdict after a round trip: {again:?} / {first:?}"),
    }
});
