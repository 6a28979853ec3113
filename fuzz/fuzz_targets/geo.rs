//! Coordinates and the point-in-area test behind "outside the comune's boundary"
//! (`Coordinates::new`, `Area::contains`, `Area::problems`, the configuration's GeoJSON).
//! Input: `{"area": <GeoJSON Polygon or MultiPolygon>, "points": [[lat, lon], ...]}`; the
//! first 16 bytes are also read as two raw doubles, so NaN, infinities and subnormals
//! reach `Coordinates::new` too. Accepted coordinates are finite and in range; distances
//! are finite, symmetric and at most half the Earth's circumference; a polygon contains
//! what the same polygon as a MultiPolygon contains; a MultiPolygon contains what any of
//! its parts does; a point contained in a valid area lies within its outline's box.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::geo::{Area, Coordinates, CoordinatesError};
use segnala_fuzz::assert_same;

fn check_coordinates(lat: f64, lon: f64) -> Option<Coordinates> {
    let lat_ok = lat.is_finite() && (-90.0..=90.0).contains(&lat);
    let lon_ok = lon.is_finite() && (-180.0..=180.0).contains(&lon);
    match Coordinates::new(lat, lon) {
        Ok(point) => {
            assert!(lat_ok && lon_ok, "accepted {lat}, {lon}");
            assert_eq!(
                (point.lat().to_bits(), point.lon().to_bits()),
                (lat.to_bits(), lon.to_bits())
            );
            assert_eq!(point.metres_to(point), 0.0);
            Some(point)
        }
        Err(CoordinatesError::Latitude) => {
            assert!(!lat_ok, "refused latitude {lat}");
            None
        }
        Err(CoordinatesError::Longitude) => {
            assert!(lat_ok && !lon_ok, "refused longitude {lon}");
            None
        }
    }
}

fn check_distance(a: Coordinates, b: Coordinates) {
    const HALF_CIRCUMFERENCE: f64 = std::f64::consts::PI * 6_371_000.0;
    let there = a.metres_to(b);
    let back = b.metres_to(a);
    assert!(there.is_finite() && there >= 0.0, "distance {there}");
    assert!(there <= HALF_CIRCUMFERENCE + 1e-6, "distance {there}");
    assert!(
        (there - back).abs() <= 1e-6 * there.max(1.0),
        "{there} != {back}"
    );
}

fn polygons(area: &Area) -> Vec<Vec<Vec<[f64; 2]>>> {
    match area {
        Area::Polygon { coordinates } => vec![coordinates.clone()],
        Area::MultiPolygon { coordinates } => coordinates.clone(),
    }
}

fn check_area(area: &Area, point: Coordinates) {
    let inside = area.contains(point);
    let parts = polygons(area);
    let in_any_part = parts.iter().any(|rings| {
        Area::Polygon {
            coordinates: rings.clone(),
        }
        .contains(point)
    });
    assert_eq!(
        inside, in_any_part,
        "a MultiPolygon is the union of its parts"
    );
    if let Area::Polygon { coordinates } = area {
        let multi = Area::MultiPolygon {
            coordinates: vec![coordinates.clone()],
        };
        assert_eq!(
            multi.contains(point),
            inside,
            "Polygon and MultiPolygon agree"
        );
    }
    if inside && area.problems().is_empty() {
        let (lon, lat) = (point.lon(), point.lat());
        let in_some_box = parts.iter().any(|rings| {
            let outline = &rings[0];
            let (mut west, mut east) = (f64::INFINITY, f64::NEG_INFINITY);
            let (mut south, mut north) = (f64::INFINITY, f64::NEG_INFINITY);
            for [x, y] in outline {
                west = west.min(*x);
                east = east.max(*x);
                south = south.min(*y);
                north = north.max(*y);
            }
            let margin = 1e-9;
            (west - margin..=east + margin).contains(&lon)
                && (south - margin..=north + margin).contains(&lat)
        });
        assert!(in_some_box, "a contained point is inside its outline's box");
    }
}

fuzz_target!(|data: &[u8]| {
    if let (Some(lat), Some(lon)) = (data.get(0..8), data.get(8..16)) {
        let lat = f64::from_le_bytes(lat.try_into().unwrap());
        let lon = f64::from_le_bytes(lon.try_into().unwrap());
        check_coordinates(lat, lon);
    }
    let Ok(input) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let points: Vec<Coordinates> = input
        .get("points")
        .and_then(|p| p.as_array())
        .map(|points| {
            points
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .filter_map(|(lat, lon)| check_coordinates(lat, lon))
                .collect()
        })
        .unwrap_or_default();
    for pair in points.windows(2) {
        check_distance(pair[0], pair[1]);
    }
    // Coordinates are stored as JSON text (a report's location, an export's line).
    for point in &points {
        let json = serde_json::to_string(point).unwrap();
        let back: Coordinates = serde_json::from_str(&json).expect("valid coordinates read");
        assert_same(&back, point, "stored coordinates");
    }
    let Some(area) = input.get("area") else {
        return;
    };
    let Ok(area) = serde_json::from_value::<Area>(area.clone()) else {
        return;
    };
    let problems = area.problems();
    for (path, code, _) in &problems {
        assert!(path.starts_with("coordinates") && !code.is_empty());
    }
    for point in &points {
        check_area(&area, *point);
    }
});
