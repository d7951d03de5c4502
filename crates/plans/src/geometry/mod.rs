//! Geometry of plans and comments: GeoJSON input in the CRSs Norwegian systems send
//! (WGS84, UTM 32/33/35, Web Mercator), converted to WGS84 longitude/latitude with `proj4rs`,
//! validated with `geo`, and the distance, bounding box and WKT the rest of MinSide needs.

mod crs;
mod read;
mod wkt;

use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{
    Coord, Distance, Euclidean, LineString, MapCoords, MultiPolygon, Point, Polygon, Validation,
};
use minside_store::BoundingBox;
use serde_json::{Value, json};

pub use crs::Crs;
pub use wkt::geojson_to_wkt;

use read::{Position, Reader, Rings};

/// A geometry that cannot be used, at a JSON pointer relative to the value given (e.g.
/// `"/coordinates/0/3"`, `"/crs"`, `"/geometry/type"` for a Feature).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct GeometryError {
    /// JSON pointer (RFC 6901) into the geometry value.
    pub pointer: String,
    /// What is wrong, in English.
    pub message: String,
}

impl GeometryError {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// A plan area: one or more polygons (with holes) in WGS84 longitude/latitude.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    shape: MultiPolygon<f64>,
    /// Given as a GeoJSON Polygon (written back as one).
    single: bool,
}

impl Area {
    /// The polygons, in longitude/latitude degrees.
    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.shape
    }

    /// The smallest rectangle holding the area.
    pub fn bbox(&self) -> BoundingBox {
        let mut b = BoundingBox {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        };
        for polygon in &self.shape {
            for c in &polygon.exterior().0 {
                b.min_lon = b.min_lon.min(c.x);
                b.max_lon = b.max_lon.max(c.x);
                b.min_lat = b.min_lat.min(c.y);
                b.max_lat = b.max_lat.max(c.y);
            }
        }
        b
    }

    /// The area as GeoJSON (a Polygon when given as one, else a MultiPolygon) in EPSG:4326,
    /// without a `crs` member.
    pub fn to_geojson(&self) -> Value {
        let polygon = |p: &Polygon<f64>| -> Value {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|ring| ring.0.iter().map(|c| json!([c.x, c.y])).collect::<Value>())
                .collect()
        };
        match self.shape.0.as_slice() {
            [only] if self.single => json!({"type": "Polygon", "coordinates": polygon(only)}),
            all => json!({
                "type": "MultiPolygon",
                "coordinates": all.iter().map(polygon).collect::<Vec<_>>(),
            }),
        }
    }

    /// The area as WKT (`POLYGON ((...))` or `MULTIPOLYGON (((...)))`), longitude first.
    pub fn to_wkt(&self) -> String {
        match self.shape.0.as_slice() {
            [only] if self.single => format!("POLYGON {}", wkt::polygon(only)),
            all => wkt::multi_polygon(all),
        }
    }

    /// Metres from the point (`lon`, `lat`) to the area; 0 when inside or on the edge. The
    /// area is projected onto a plane tangent at the point (equirectangular with the GRS80
    /// radii of curvature there), which is accurate to centimetres within a few kilometres.
    pub fn distance_m(&self, lon: f64, lat: f64) -> f64 {
        let (kx, ky) = metres_per_degree(lat);
        let local = self.shape.map_coords(|c| Coord {
            x: (c.x - lon) * kx,
            y: (c.y - lat) * ky,
        });
        Euclidean.distance(&Point::new(0.0, 0.0), &local)
    }

    /// Parses a stored (already valid, EPSG:4326) area: only the structure is checked.
    pub fn from_stored(v: &Value) -> Result<Area, GeometryError> {
        read_area(v, Crs::Wgs84, usize::MAX, false)
    }
}

/// Metres per degree of longitude and of latitude at `lat` on the GRS80 ellipsoid.
fn metres_per_degree(lat: f64) -> (f64, f64) {
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_222_101;
    let e2 = F * (2.0 - F);
    let phi = lat.to_radians();
    let w = 1.0 - e2 * phi.sin().powi(2);
    let n = A / w.sqrt();
    let m = A * (1.0 - e2) / w.powf(1.5);
    let per_radian_to_degree = std::f64::consts::PI / 180.0;
    (
        n * phi.cos() * per_radian_to_degree,
        m * per_radian_to_degree,
    )
}

/// Parses a GeoJSON Polygon or MultiPolygon (or a Feature holding one) in the CRS its `crs`
/// member names, else `default`, and converts it to WGS84. Refuses a wrong type, a ring with
/// fewer than 4 positions or not closed, an invalid polygon (self-intersection, a hole
/// outside its shell, overlapping polygons, …), more than `max_vertices` positions, an
/// unsupported CRS, non-numbers, and positions outside Norway after conversion.
pub fn parse_area(v: &Value, default: Crs, max_vertices: usize) -> Result<Area, GeometryError> {
    read_area(v, default, max_vertices, true)
}

fn read_area(v: &Value, default: Crs, max: usize, strict: bool) -> Result<Area, GeometryError> {
    let src = read::source(v, default)?;
    let coordinates = coordinates_of(&src)?;
    let mut reader = Reader::new(src.prefix, max);
    let (mut polygons, single) = match src.kind {
        "Polygon" => (vec![reader.polygon(coordinates, "/coordinates")?], true),
        "MultiPolygon" => (reader.multi_polygon(coordinates, "/coordinates")?, false),
        other => {
            return Err(GeometryError::new(
                format!("{}/type", src.prefix),
                format!("expected a Polygon or a MultiPolygon, got {other:?}"),
            ));
        }
    };
    let original = strict.then(|| polygons.clone());
    read::polygons_to_wgs84(src.crs, &mut polygons).map_err(|e| e.under(src.prefix))?;
    let at = |p: usize, rest: String| {
        if single {
            format!("{}/coordinates{rest}", src.prefix)
        } else {
            format!("{}/coordinates/{p}{rest}", src.prefix)
        }
    };
    if let Some(original) = original {
        for (p, (before, after)) in original.iter().zip(&polygons).enumerate() {
            for (r, (ring_before, ring_after)) in before.iter().zip(after).enumerate() {
                for (i, (o, c)) in ring_before.iter().zip(ring_after).enumerate() {
                    read::check_in_norway(src.crs, *o, *c, at(p, format!("/{r}/{i}")))?;
                }
            }
        }
    }
    let shape = MultiPolygon::new(polygons.into_iter().map(to_polygon).collect());
    if strict && let Err(e) = shape.check_validation() {
        return Err(validation_error(&e, |p, r| at(p, format!("/{r}"))));
    }
    Ok(Area { shape, single })
}

fn coordinates_of<'a>(src: &read::Source<'a>) -> Result<&'a Value, GeometryError> {
    src.object.get("coordinates").ok_or_else(|| {
        GeometryError::new(
            format!("{}/coordinates", src.prefix),
            "the geometry has no coordinates",
        )
    })
}

fn to_polygon(rings: Rings) -> Polygon<f64> {
    let mut rings = rings.into_iter().map(LineString::from);
    let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
    Polygon::new(exterior, rings.collect())
}

/// Maps geo's validation error to the pointer of the ring (or polygon) at fault.
fn validation_error(
    e: &InvalidMultiPolygon,
    ring_pointer: impl Fn(usize, usize) -> String,
) -> GeometryError {
    let ring_index = |role: &RingRole| match role {
        RingRole::Exterior => 0,
        RingRole::Interior(i) => i + 1,
    };
    match e {
        InvalidMultiPolygon::InvalidPolygon(index, problem) => {
            let role = match problem {
                InvalidPolygon::TooFewPointsInRing(r)
                | InvalidPolygon::SelfIntersection(r)
                | InvalidPolygon::NonFiniteCoord(r, _)
                | InvalidPolygon::InteriorRingNotContainedInExteriorRing(r)
                | InvalidPolygon::IntersectingRingsOnALine(_, r)
                | InvalidPolygon::IntersectingRingsOnAnArea(_, r) => r,
            };
            GeometryError::new(
                ring_pointer(index.0, ring_index(role)),
                format!("the polygon is not valid: {problem}"),
            )
        }
        InvalidMultiPolygon::ElementsOverlaps(_, b)
        | InvalidMultiPolygon::ElementsTouchOnALine(_, b) => {
            let pointer = ring_pointer(b.0, 0);
            let pointer = pointer.strip_suffix("/0").unwrap_or(&pointer).to_owned();
            GeometryError::new(pointer, format!("the MultiPolygon is not valid: {e}"))
        }
    }
}

/// A comment's geometry: a GeoJSON Point or Polygon (or a Feature holding one), same rules as
/// [`parse_area`] with EPSG:4326 as the default CRS. Returns GeoJSON in EPSG:4326.
pub fn parse_comment_geometry(v: &Value, max_vertices: usize) -> Result<Value, GeometryError> {
    let src = read::source(v, Crs::Wgs84)?;
    match src.kind {
        "Point" => {
            let (original, converted) = read_point(&src)?;
            read::check_in_norway(
                src.crs,
                original,
                converted,
                format!("{}/coordinates", src.prefix),
            )?;
            Ok(point_json(converted))
        }
        "Polygon" => Ok(read_area(v, Crs::Wgs84, max_vertices, true)?.to_geojson()),
        other => Err(GeometryError::new(
            format!("{}/type", src.prefix),
            format!("expected a Point or a Polygon, got {other:?}"),
        )),
    }
}

/// The point as given and converted to WGS84.
fn read_point(src: &read::Source<'_>) -> Result<(Position, Position), GeometryError> {
    let original = Reader::new(src.prefix, 1).position(coordinates_of(src)?, "/coordinates")?;
    let mut converted = [original];
    src.crs
        .to_wgs84(&mut converted)
        .map_err(|e| e.under(src.prefix))?;
    Ok((original, converted[0]))
}

fn point_json((lon, lat): Position) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

/// A GeoJSON Point in any supported CRS (its `crs` member, else EPSG:4326) to EPSG:4326,
/// without the Norway check (processing events' `posisjon`, which Fiks examples give in
/// EPSG:3857).
pub fn point_to_wgs84(v: &Value) -> Result<Value, GeometryError> {
    let src = read::source(v, Crs::Wgs84)?;
    if src.kind != "Point" {
        return Err(GeometryError::new(
            format!("{}/type", src.prefix),
            format!("expected a Point, got {:?}", src.kind),
        ));
    }
    let (_, converted) = read_point(&src)?;
    Ok(point_json(converted))
}

/// The box that holds every point within `metres` of (`lon`, `lat`) (with a 0.1 % margin).
pub fn around(lon: f64, lat: f64, metres: f64) -> BoundingBox {
    let metres = metres.max(0.0) * 1.001;
    let dlat = metres / metres_per_degree(lat).1;
    let far_lat = (lat.abs() + dlat).min(89.999);
    let dlon = (metres / metres_per_degree(far_lat).0).min(180.0);
    BoundingBox {
        min_lon: lon - dlon,
        min_lat: (lat - dlat).max(-90.0),
        max_lon: lon + dlon,
        max_lat: (lat + dlat).min(90.0),
    }
}

#[cfg(test)]
mod tests;
