//! Open311 `POST requests` (form fields): `Open311Post::read` keeps the first non-blank
//! value of each field, the key and the jurisdiction, and `validate` checks the report
//! with the web form's rules. A report that passes satisfies every limit and its
//! `media_url` is one http(s) line; every problem is named in Open311's vocabulary
//! (`service_code`, `lat`, `long`, `attribute[...]`), never the web form's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::open311::submission::{Open311Post, MEDIA_URL_MAX_CHARS};
use segnala_core::text;
use segnala_fuzz::{assert_valid_report, borrowed, demo_config, query_pairs};

fuzz_target!(|data: &[u8]| {
    let config = demo_config();
    let pairs = query_pairs(data);
    let post = Open311Post::read(borrowed(&pairs));
    for value in [&post.credentials.api_key, &post.credentials.jurisdiction_id]
        .into_iter()
        .flatten()
    {
        assert!(
            !value.trim().is_empty(),
            "a blank credential is no credential"
        );
    }
    match post.validate(config) {
        Ok(report) => {
            assert_valid_report(&report, config);
            if let Some(url) = &report.media_url {
                assert!(url.starts_with("https://") || url.starts_with("http://"));
                assert!(text::char_len(url) <= MEDIA_URL_MAX_CHARS);
                assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()));
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty());
            for error in &errors.0 {
                let web_form_name = error.field.starts_with("reporter.")
                    || error.field.starts_with("location")
                    || error.field.starts_with("answers")
                    || matches!(
                        error.field.as_str(),
                        "category" | "address" | "privacy_accepted"
                    );
                assert!(!web_form_name, "not an Open311 field name: {error}");
            }
        }
    }
});
