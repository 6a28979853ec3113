//! A comune's configuration file (`ComuneConfig::from_json`: strict parse, then the
//! consistency checks). A file that is accepted satisfies what the checks promise, and
//! saving it back (as the dashboard does) gives a file accepted as the same configuration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::branding::{Colour, MINIMUM_CONTRAST};
use segnala_core::config::ComuneConfig;
use segnala_core::text;
use segnala_fuzz::assert_same;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let config = match ComuneConfig::from_json(json) {
        Ok(config) => config,
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal names at least one problem");
            return;
        }
    };

    let identifier = |id: &str| {
        (1..=64).contains(&id.len())
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    assert!(identifier(&config.id), "id {:?}", config.id);
    assert!((1..=200).contains(&text::char_len(config.name.trim())));
    assert!(config.boundary.problems().is_empty(), "a valid boundary");
    assert!(config.boundary.contains(config.map.center), "centre inside");
    assert!((1..=19).contains(&config.map.zoom));
    assert!(config.photos.max_count <= 10);
    assert!(!config.themes.is_empty() && !config.offices.is_empty());
    for theme in &config.themes {
        assert!(identifier(&theme.id) && !theme.categories.is_empty());
        assert_eq!(config.theme(&theme.id).map(|t| &t.id), Some(&theme.id));
        for category in &theme.categories {
            assert!(identifier(&category.id));
            // Category ids are unique across themes: lookup finds this one.
            let (owner, found) = config.category(&category.id).expect("found");
            assert_eq!((&owner.id, &found.id), (&theme.id, &category.id));
            let targets = category.targets;
            assert!((1..=365).contains(&targets.take_in_charge_days));
            if let Some(days) = targets.resolution_days {
                assert!((targets.take_in_charge_days..=365).contains(&days));
            }
            assert!(category.fields.len() <= 10);
            for field in &category.fields {
                if let (Some(min), Some(max)) = (field.min, field.max) {
                    assert!(min <= max);
                }
            }
        }
    }
    for office in &config.offices {
        assert!(identifier(&office.id));
    }
    assert!(config.office(&config.routing.default_office).is_some());
    for rule in &config.routing.rules {
        assert!(config.office(&rule.office).is_some());
        assert!(rule.theme.is_some() || !rule.categories.is_empty() || rule.zone.is_some());
    }
    for zone in &config.zones {
        assert!(zone.area.problems().is_empty());
    }
    if let Some(colour) = &config.branding.primary_color {
        let colour = Colour::parse(colour).expect("a valid colour parses");
        assert!(colour.contrast_with_white() >= MINIMUM_CONTRAST);
    }
    assert!(config.follow_up.reopen_days <= 365);
    assert!((1..=100).contains(&config.follow_up.max_messages));
    assert!(config.follow_up.nearby_metres <= 2000);
    assert!((1..=5).contains(&config.open_data.location_decimals));

    // Saved and read again: the same configuration ($schema is not saved).
    let saved = serde_json::to_string(&config).expect("configurations serialise");
    let again = ComuneConfig::from_json(&saved)
        .unwrap_or_else(|errors| panic!("a saved configuration is refused: {errors}\n{saved}"));
    let mut expected = config;
    expected.schema = None;
    assert_same(&again, &expected, "configuration round trip");
});
