//! Well-known text (OGC WKT) of stored geometry, for exports.

use geo::{LineString, Polygon};
use serde_json::Value;

fn ring(r: &LineString<f64>) -> String {
    let positions: Vec<String> = r.0.iter().map(|c| format!("{} {}", c.x, c.y)).collect();
    format!("({})", positions.join(", "))
}

/// `((x y, ...), (...))` of a polygon, shell first.
pub(crate) fn polygon(p: &Polygon<f64>) -> String {
    let rings: Vec<String> = std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(ring)
        .collect();
    format!("({})", rings.join(", "))
}

/// `MULTIPOLYGON (((...)), ((...)))`.
pub(crate) fn multi_polygon(polygons: &[Polygon<f64>]) -> String {
    let parts: Vec<String> = polygons.iter().map(polygon).collect();
    format!("MULTIPOLYGON ({})", parts.join(", "))
}

fn position(v: &Value) -> Option<String> {
    let a = v.as_array()?;
    let x = a.first()?.as_f64()?;
    let y = a.get(1)?.as_f64()?;
    Some(format!("{x} {y}"))
}

/// `depth` 0: a position `x y`; 1: `(x y, ...)`; 2: `((...), ...)`; 3: `(((...)), ...)`.
fn nested(v: &Value, depth: usize) -> Option<String> {
    if depth == 0 {
        return position(v);
    }
    let items = v
        .as_array()?
        .iter()
        .map(|item| nested(item, depth - 1))
        .collect::<Option<Vec<_>>>()?;
    if items.is_empty() {
        return None;
    }
    Some(format!("({})", items.join(", ")))
}

/// A stored GeoJSON geometry (EPSG:4326; Point, MultiPoint, LineString, MultiLineString,
/// Polygon, MultiPolygon, or a Feature holding one) as WKT; `None` for anything else.
pub fn geojson_to_wkt(v: &Value) -> Option<String> {
    if v.get("type")?.as_str()? == "Feature" {
        return geojson_to_wkt(v.get("geometry")?);
    }
    let coordinates = v.get("coordinates")?;
    let (name, depth) = match v.get("type")?.as_str()? {
        "Point" => return Some(format!("POINT ({})", position(coordinates)?)),
        "MultiPoint" => ("MULTIPOINT", 1),
        "LineString" => ("LINESTRING", 1),
        "MultiLineString" => ("MULTILINESTRING", 2),
        "Polygon" => ("POLYGON", 2),
        "MultiPolygon" => ("MULTIPOLYGON", 3),
        _ => return None,
    };
    Some(format!("{name} {}", nested(coordinates, depth)?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn points_and_polygons() {
        assert_eq!(
            geojson_to_wkt(&json!({"type": "Point", "coordinates": [10.5, 59.75]})).as_deref(),
            Some("POINT (10.5 59.75)")
        );
        let square = json!([[[10, 59], [11, 59], [11, 60], [10, 59]]]);
        assert_eq!(
            geojson_to_wkt(&json!({"type": "Polygon", "coordinates": square})).as_deref(),
            Some("POLYGON ((10 59, 11 59, 11 60, 10 59))")
        );
        assert_eq!(
            geojson_to_wkt(&json!({"type": "MultiPolygon", "coordinates": [square, square]}))
                .as_deref(),
            Some("MULTIPOLYGON (((10 59, 11 59, 11 60, 10 59)), ((10 59, 11 59, 11 60, 10 59)))")
        );
        let feature = json!({"type": "Feature", "properties": {},
            "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}});
        assert_eq!(
            geojson_to_wkt(&feature).as_deref(),
            Some("LINESTRING (1 2, 3 4)")
        );
    }

    #[test]
    fn malformed_geometry_has_no_wkt() {
        assert_eq!(geojson_to_wkt(&json!(null)), None);
        assert_eq!(
            geojson_to_wkt(&json!({"type": "Point", "coordinates": ["a", 1]})),
            None
        );
        assert_eq!(
            geojson_to_wkt(&json!({"type": "Polygon", "coordinates": []})),
            None
        );
        assert_eq!(
            geojson_to_wkt(&json!({"type": "Circle", "coordinates": [1, 2]})),
            None
        );
    }
}
