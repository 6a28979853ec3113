//! The report form posted without JavaScript (`application/x-www-form-urlencoded` or
//! multipart): `report::from_form_fields` turns the fields into a request, which is
//! validated as the Worker does, with the questions the page asked. Coordinates that come
//! through are numbers; a report that passes satisfies every limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::report::answers::asked_on_page;
use segnala_core::report::from_form_fields;
use segnala_fuzz::{assert_valid_report, borrowed, demo_config, query_pairs};

fuzz_target!(|data: &[u8]| {
    let config = demo_config();
    let pairs = query_pairs(data);
    let mut request = match from_form_fields(borrowed(&pairs)) {
        Ok(request) => request,
        Err(errors) => {
            assert!(!errors.0.is_empty());
            for error in &errors.0 {
                assert!(
                    matches!(
                        error.field.as_str(),
                        "location" | "location.lat" | "location.lon"
                    ),
                    "only coordinates fail to read: {error}"
                );
            }
            return;
        }
    };
    if let Some(location) = &request.location {
        assert!(location.lat.is_finite() && location.lon.is_finite());
    }
    // The page was built with the configuration in force, so it asked every question.
    let chosen = request.category.as_deref().unwrap_or_default().trim();
    let fields = config
        .category(chosen)
        .map_or(vec![], |(_, category)| category.fields.clone());
    request.questions_on_page = Some(asked_on_page(&fields, &fields));
    match request.validate(config) {
        Ok(report) => assert_valid_report(&report, config),
        Err(errors) => assert!(!errors.0.is_empty()),
    }
});
