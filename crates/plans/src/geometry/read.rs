//! Reading GeoJSON geometry (RFC 7946, with the 2008 `crs` member) into plain coordinate
//! lists, with a JSON pointer for every problem.

use serde_json::{Map, Value};

use super::crs::SUPPORTED;
use super::{Crs, GeometryError};

/// A position: x (easting or longitude), y (northing or latitude).
pub(crate) type Position = (f64, f64);
/// A ring: closed, at least four positions.
pub(crate) type Ring = Vec<Position>;
/// A polygon: the shell, then its holes.
pub(crate) type Rings = Vec<Ring>;

/// The geometry object of a value (the value itself or a Feature's `geometry`), the pointer
/// prefix of that object and its CRS.
pub(crate) struct Source<'a> {
    pub(crate) object: &'a Map<String, Value>,
    pub(crate) prefix: &'static str,
    pub(crate) crs: Crs,
    pub(crate) kind: &'a str,
}

/// Finds the geometry of `v` (a geometry or a Feature holding one) and its CRS: the geometry's
/// `crs` member, else the Feature's, else `default`.
pub(crate) fn source(v: &Value, default: Crs) -> Result<Source<'_>, GeometryError> {
    let Some(top) = v.as_object() else {
        return Err(GeometryError::new("", "expected a GeoJSON geometry object"));
    };
    let top_crs = read_crs(top, "")?;
    let (object, prefix) = match top.get("type").and_then(Value::as_str) {
        Some("Feature") => match top.get("geometry") {
            Some(Value::Object(g)) => (g, "/geometry"),
            _ => {
                return Err(GeometryError::new(
                    "/geometry",
                    "the Feature has no geometry object",
                ));
            }
        },
        Some(_) => (top, ""),
        None => return Err(GeometryError::new("/type", "the GeoJSON type is missing")),
    };
    let inner_crs = if prefix.is_empty() {
        None
    } else {
        read_crs(object, prefix)?
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Source {
        object,
        prefix,
        crs: inner_crs.or(top_crs).unwrap_or(default),
        kind,
    })
}

/// The `crs` member of a GeoJSON object: `{"type":"name","properties":{"name":"EPSG:25833"}}`,
/// `{"type":"EPSG","properties":{"code":25833}}` or a plain name string.
fn read_crs(object: &Map<String, Value>, prefix: &str) -> Result<Option<Crs>, GeometryError> {
    let pointer = format!("{prefix}/crs");
    let crs = match object.get("crs") {
        None | Some(Value::Null) => return Ok(None),
        Some(crs) => crs,
    };
    let properties = crs.get("properties");
    let name = match crs {
        Value::String(s) => s.clone(),
        _ => match (
            properties.and_then(|p| p.get("name")),
            properties.and_then(|p| p.get("code")),
        ) {
            (Some(Value::String(name)), _) => name.clone(),
            (_, Some(Value::Number(code))) => format!("EPSG:{code}"),
            (_, Some(Value::String(code))) => format!("EPSG:{code}"),
            _ => {
                return Err(GeometryError::new(
                    pointer,
                    "the crs member names no coordinate reference system \
                     (expected {\"type\":\"name\",\"properties\":{\"name\":\"EPSG:25833\"}})",
                ));
            }
        },
    };
    match Crs::parse(&name) {
        Some(crs) => Ok(Some(crs)),
        None => Err(GeometryError::new(
            pointer,
            format!(
                "unsupported coordinate reference system {:?}; supported: {SUPPORTED}",
                truncate(&name, 100)
            ),
        )),
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Reads positions, rings and polygons, counting positions against a limit.
pub(crate) struct Reader {
    max: usize,
    used: usize,
    prefix: &'static str,
}

impl Reader {
    pub(crate) fn new(prefix: &'static str, max_positions: usize) -> Self {
        Self {
            max: max_positions,
            used: 0,
            prefix,
        }
    }

    fn err(&self, relative: &str, message: impl Into<String>) -> GeometryError {
        GeometryError::new(format!("{}{relative}", self.prefix), message)
    }

    /// A position: an array of two or three finite numbers (a height is ignored).
    pub(crate) fn position(&self, v: &Value, at: &str) -> Result<(f64, f64), GeometryError> {
        let numbers = v.as_array().filter(|a| (2..=3).contains(&a.len()));
        let Some(numbers) = numbers else {
            return Err(self.err(at, "a position is an array of two (or three) numbers"));
        };
        let mut xy = [0.0; 2];
        for (i, slot) in xy.iter_mut().enumerate() {
            match numbers[i].as_f64() {
                Some(n) if n.is_finite() => *slot = n,
                Some(_) => return Err(self.err(&format!("{at}/{i}"), "not a finite number")),
                None => return Err(self.err(&format!("{at}/{i}"), "not a number")),
            }
        }
        Ok((xy[0], xy[1]))
    }

    /// A linear ring: at least four positions, the last equal to the first.
    fn ring(&mut self, v: &Value, at: &str) -> Result<Ring, GeometryError> {
        let Some(positions) = v.as_array() else {
            return Err(self.err(at, "a ring is an array of positions"));
        };
        if self.used + positions.len() > self.max {
            return Err(self.err(
                "/coordinates",
                format!("the geometry has more than {} positions", self.max),
            ));
        }
        self.used += positions.len();
        let ring = positions
            .iter()
            .enumerate()
            .map(|(i, p)| self.position(p, &format!("{at}/{i}")))
            .collect::<Result<Ring, _>>()?;
        if ring.len() < 4 {
            return Err(self.err(
                at,
                format!(
                    "a ring needs at least 4 positions (the last repeating the first), got {}",
                    ring.len()
                ),
            ));
        }
        if ring.first() != ring.last() {
            return Err(self.err(
                at,
                "the ring is not closed: its last position must equal the first",
            ));
        }
        Ok(ring)
    }

    /// A polygon's coordinates: one or more rings.
    pub(crate) fn polygon(&mut self, v: &Value, at: &str) -> Result<Rings, GeometryError> {
        let rings = v.as_array().filter(|a| !a.is_empty());
        let Some(rings) = rings else {
            return Err(self.err(at, "a polygon is a non-empty array of rings"));
        };
        rings
            .iter()
            .enumerate()
            .map(|(i, r)| self.ring(r, &format!("{at}/{i}")))
            .collect()
    }

    /// A MultiPolygon's coordinates: one or more polygons.
    pub(crate) fn multi_polygon(
        &mut self,
        v: &Value,
        at: &str,
    ) -> Result<Vec<Rings>, GeometryError> {
        let polygons = v.as_array().filter(|a| !a.is_empty());
        let Some(polygons) = polygons else {
            return Err(self.err(at, "a MultiPolygon is a non-empty array of polygons"));
        };
        polygons
            .iter()
            .enumerate()
            .map(|(i, p)| self.polygon(p, &format!("{at}/{i}")))
            .collect()
    }
}

/// Converts every position of the polygons to WGS84 in one pass.
pub(crate) fn polygons_to_wgs84(crs: Crs, polygons: &mut [Rings]) -> Result<(), GeometryError> {
    let mut flat: Vec<(f64, f64)> = polygons.iter().flatten().flatten().copied().collect();
    crs.to_wgs84(&mut flat)?;
    let mut converted = flat.into_iter();
    for position in polygons.iter_mut().flatten().flatten() {
        if let Some(p) = converted.next() {
            *position = p;
        }
    }
    Ok(())
}

/// Norway's extent in WGS84 degrees, generous enough for Svalbard and Jan Mayen.
const LON: (f64, f64) = (-10.0, 35.0);
const LAT: (f64, f64) = (57.0, 82.0);

fn in_norway((lon, lat): (f64, f64)) -> bool {
    (LON.0..=LON.1).contains(&lon) && (LAT.0..=LAT.1).contains(&lat)
}

/// Refuses a converted position outside Norway, with a hint at the likely mistake.
pub(crate) fn check_in_norway(
    crs: Crs,
    original: (f64, f64),
    converted: (f64, f64),
    pointer: String,
) -> Result<(), GeometryError> {
    if in_norway(converted) {
        return Ok(());
    }
    let (x, y) = original;
    let message = if crs.is_geographic() && (x.abs() > 180.0 || y.abs() > 90.0) {
        format!(
            "({x}, {y}) is not longitude/latitude in degrees: UTM coordinates sent as EPSG:4326? \
             Name the coordinate reference system (e.g. EPSG:25833)"
        )
    } else if crs.is_geographic() && in_norway((y, x)) {
        format!(
            "({x}, {y}) lies outside Norway; latitude and longitude swapped? GeoJSON gives the \
             longitude first"
        )
    } else {
        let hint = if crs.is_geographic() {
            "UTM coordinates sent as EPSG:4326?"
        } else {
            "wrong coordinate reference system or UTM zone?"
        };
        format!(
            "the position lies outside Norway (longitude {}..{}, latitude {}..{}) after \
             conversion to EPSG:4326: ({}, {}); {hint}",
            LON.0, LON.1, LAT.0, LAT.1, converted.0, converted.1
        )
    };
    Err(GeometryError::new(pointer, message))
}
