//! Points and areas on the map: validated coordinates and GeoJSON polygons with a
//! point-in-polygon test (ray casting; exact enough for city-sized areas, where the
//! curvature of the Earth is negligible). A dedicated geometry crate would add far more
//! code to the Worker than these few functions.

use serde::{Deserialize, Serialize};

/// A WGS84 point. Latitude in [-90, 90], longitude in [-180, 180], both finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoordinates {
    lat: f64,
    lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CoordinatesError {
    #[error("latitude must be a number between -90 and 90")]
    Latitude,
    #[error("longitude must be a number between -180 and 180")]
    Longitude,
}

impl Coordinates {
    pub fn new(lat: f64, lon: f64) -> Result<Self, CoordinatesError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(CoordinatesError::Latitude);
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(CoordinatesError::Longitude);
        }
        Ok(Self { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres (haversine on a 6,371 km sphere: within a comune the
    /// error is well under a metre).
    pub fn metres_to(&self, other: Coordinates) -> f64 {
        const EARTH_RADIUS_METRES: f64 = 6_371_000.0;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let half_dlat = (lat2 - lat1) / 2.0;
        let half_dlon = (other.lon - self.lon).to_radians() / 2.0;
        let a = half_dlat.sin().powi(2) + lat1.cos() * lat2.cos() * half_dlon.sin().powi(2);
        2.0 * EARTH_RADIUS_METRES * a.sqrt().min(1.0).asin()
    }
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = CoordinatesError;
    fn try_from(raw: RawCoordinates) -> Result<Self, Self::Error> {
        Self::new(raw.lat, raw.lon)
    }
}

/// A GeoJSON position: `[longitude, latitude]`, in that order as RFC 7946 says.
pub type Position = [f64; 2];

/// A GeoJSON Polygon or MultiPolygon geometry. Rings are closed (first position equals
/// the last); the first ring of a polygon is its outline, the others are holes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Area {
    Polygon {
        coordinates: Vec<Vec<Position>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<Position>>>,
    },
}

impl Area {
    fn polygons(&self) -> Vec<&Vec<Vec<Position>>> {
        match self {
            Area::Polygon { coordinates } => vec![coordinates],
            Area::MultiPolygon { coordinates } => coordinates.iter().collect(),
        }
    }

    /// Whether the point lies inside the area (inside an outline and outside its holes).
    pub fn contains(&self, point: Coordinates) -> bool {
        self.polygons().into_iter().any(|rings| {
            let mut rings = rings.iter();
            let Some(outline) = rings.next() else {
                return false;
            };
            ring_contains(outline, point) && !rings.any(|hole| ring_contains(hole, point))
        })
    }

    /// Structural problems of the geometry, each with the path of the offending part
    /// relative to the area (e.g. `coordinates[0]`).
    pub fn problems(&self) -> Vec<(String, &'static str, String)> {
        let mut problems = Vec::new();
        let multi = matches!(self, Area::MultiPolygon { .. });
        let polygons = self.polygons();
        if polygons.is_empty() {
            problems.push((
                "coordinates".into(),
                "empty_area",
                "the area has no polygon".into(),
            ));
        }
        for (p, rings) in polygons.iter().enumerate() {
            let prefix = if multi {
                format!("coordinates[{p}]")
            } else {
                "coordinates".to_string()
            };
            if rings.is_empty() {
                problems.push((
                    prefix.clone(),
                    "empty_polygon",
                    "the polygon has no ring".into(),
                ));
            }
            for (r, ring) in rings.iter().enumerate() {
                let path = format!("{prefix}[{r}]");
                if ring.len() < 4 {
                    problems.push((
                        path.clone(),
                        "ring_too_short",
                        "a ring needs at least 4 positions (a closed triangle)".into(),
                    ));
                } else if ring.first() != ring.last() {
                    problems.push((
                        path.clone(),
                        "ring_not_closed",
                        "the last position of a ring must repeat the first".into(),
                    ));
                }
                for (i, [lon, lat]) in ring.iter().enumerate() {
                    if Coordinates::new(*lat, *lon).is_err() {
                        problems.push((
                            format!("{path}[{i}]"),
                            "invalid_position",
                            "positions are [longitude, latitude] within the valid ranges".into(),
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// Even-odd ray casting towards increasing longitude.
fn ring_contains(ring: &[Position], point: Coordinates) -> bool {
    let (x, y) = (point.lon(), point.lat());
    let mut inside = false;
    let mut previous = match ring.last() {
        Some(p) => *p,
        None => return false,
    };
    for &current in ring {
        let ([x1, y1], [x2, y2]) = (previous, current);
        if (y1 > y) != (y2 > y) {
            let crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
            if x < crossing_x {
                inside = !inside;
            }
        }
        previous = current;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_short_distances_within_a_metre() {
        let piazza = Coordinates::new(45.6983, 9.6773).unwrap();
        // 0.001 degrees of latitude is 111.19 m on the sphere.
        let north = Coordinates::new(45.6993, 9.6773).unwrap();
        assert!((piazza.metres_to(north) - 111.19).abs() < 0.5);
        // A degree of longitude shrinks with the cosine of the latitude.
        let east = Coordinates::new(45.6983, 9.6783).unwrap();
        assert!((piazza.metres_to(east) - 111.19 * 45.6983_f64.to_radians().cos()).abs() < 0.5);
        assert_eq!(piazza.metres_to(piazza), 0.0);
    }

    fn square_with_hole() -> Area {
        Area::Polygon {
            coordinates: vec![
                vec![
                    [9.0, 45.0],
                    [10.0, 45.0],
                    [10.0, 46.0],
                    [9.0, 46.0],
                    [9.0, 45.0],
                ],
                vec![
                    [9.4, 45.4],
                    [9.6, 45.4],
                    [9.6, 45.6],
                    [9.4, 45.6],
                    [9.4, 45.4],
                ],
            ],
        }
    }

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap()
    }

    #[test]
    fn a_point_inside_the_outline_is_contained() {
        assert!(square_with_hole().contains(at(45.2, 9.2)));
    }

    #[test]
    fn a_point_outside_the_outline_is_not_contained() {
        assert!(!square_with_hole().contains(at(44.9, 9.2)));
        assert!(!square_with_hole().contains(at(45.5, 10.2)));
    }

    #[test]
    fn a_point_in_a_hole_is_not_contained() {
        assert!(!square_with_hole().contains(at(45.5, 9.5)));
    }

    #[test]
    fn a_multipolygon_contains_points_of_any_of_its_parts() {
        let area = Area::MultiPolygon {
            coordinates: vec![
                vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
                vec![vec![[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]],
            ],
        };
        assert!(area.contains(at(0.2, 0.8)));
        assert!(area.contains(at(5.2, 5.8)));
        assert!(!area.contains(at(3.0, 3.0)));
    }

    #[test]
    fn coordinates_out_of_range_or_not_finite_are_rejected() {
        assert_eq!(Coordinates::new(91.0, 9.0), Err(CoordinatesError::Latitude));
        assert_eq!(
            Coordinates::new(f64::NAN, 9.0),
            Err(CoordinatesError::Latitude)
        );
        assert_eq!(
            Coordinates::new(45.0, 181.0),
            Err(CoordinatesError::Longitude)
        );
    }

    #[test]
    fn open_or_short_rings_are_reported_with_their_path() {
        let area = Area::MultiPolygon {
            coordinates: vec![vec![
                vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]],
                vec![[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]],
            ]],
        };
        let problems = area.problems();
        assert_eq!(problems[0].0, "coordinates[0][0]");
        assert_eq!(problems[0].1, "ring_not_closed");
        assert_eq!(problems[1].0, "coordinates[0][1]");
        assert_eq!(problems[1].1, "ring_too_short");
    }

    #[test]
    fn coordinates_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat":45.7,"lon":9.67}"#).is_ok());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat":145.7,"lon":9.67}"#).is_err());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat":45.7,"lng":9.67}"#).is_err());
    }
}
