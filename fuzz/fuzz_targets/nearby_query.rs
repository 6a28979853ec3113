//! The query of `GET /api/v1/reports/nearby?category=&lat=&lon=&lang=`
//! (`NearbyQuery::parse`). An accepted query names a configured category and a finite
//! point in range; the searched box around it is finite, holds the point and is no
//! smaller than the radius; a refusal names its parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::nearby::NearbyQuery;
use segnala_fuzz::{assert_same, demo_config, query_pairs};

fuzz_target!(|data: &[u8]| {
    let config = demo_config();
    let pairs = query_pairs(data);
    let query = match NearbyQuery::parse(&pairs, config) {
        Ok(query) => query,
        Err(errors) => {
            assert!(!errors.0.is_empty());
            for error in &errors.0 {
                assert!(
                    matches!(error.field.as_str(), "category" | "lat" | "lon" | "lang"),
                    "{error}"
                );
            }
            return;
        }
    };
    assert!(config.category(&query.category).is_some());
    let (lat, lon) = (query.point.lat(), query.point.lon());
    assert!(lat.is_finite() && lat.abs() <= 90.0 && lon.is_finite() && lon.abs() <= 180.0);
    if let Some(radius) = query.radius(config) {
        assert!(radius > 0.0 && radius <= 2000.0);
        let decimals = config.open_data.location_decimals;
        let [south, west, north, east] = query.bounding_box(radius, decimals);
        assert!([south, west, north, east].iter().all(|v| v.is_finite()));
        assert!(south <= lat && lat <= north && west <= lon && lon <= east);
        // At least the radius in every direction (a degree of latitude is about 111 km).
        assert!(north - lat >= radius / 111_195.0 && lat - south >= radius / 111_195.0);
    }
    let stored = serde_json::to_string(&query).unwrap();
    let back: NearbyQuery = serde_json::from_str(&stored).unwrap();
    assert_same(&back, &query, "stored query");
});
