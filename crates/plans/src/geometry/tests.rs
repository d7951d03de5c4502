use geo::{Destination, Distance, Geodesic, Point};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// Inverse transverse Mercator by Krüger's n-series to third order, as given by Karney,
/// "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85 (2011) 475–485,
/// and in the formulas of Wikipedia's "Universal Transverse Mercator coordinate system"
/// article (accurate to about a millimetre within 3000 km of the central meridian). Written
/// independently of proj4rs, on the GRS80 ellipsoid of ETRS89.
fn utm_to_lon_lat(zone: u32, easting: f64, northing: f64) -> (f64, f64) {
    let a = 6_378_137.0_f64;
    let f = 1.0 / 298.257_222_101;
    let n = f / (2.0 - f);
    let big_a = a / (1.0 + n) * (1.0 + n * n / 4.0 + n.powi(4) / 64.0);
    let beta = [
        n / 2.0 - 2.0 * n * n / 3.0 + 37.0 * n.powi(3) / 96.0,
        n * n / 48.0 + n.powi(3) / 15.0,
        17.0 * n.powi(3) / 480.0,
    ];
    let delta = [
        2.0 * n - 2.0 * n * n / 3.0 - 2.0 * n.powi(3),
        7.0 * n * n / 3.0 - 8.0 * n.powi(3) / 5.0,
        56.0 * n.powi(3) / 15.0,
    ];
    let k0 = 0.9996;
    let xi = northing / (k0 * big_a);
    let eta = (easting - 500_000.0) / (k0 * big_a);
    let (mut xi1, mut eta1) = (xi, eta);
    for (j, b) in beta.iter().enumerate() {
        let m = 2.0 * (j as f64 + 1.0);
        xi1 -= b * (m * xi).sin() * (m * eta).cosh();
        eta1 -= b * (m * xi).cos() * (m * eta).sinh();
    }
    let chi = (xi1.sin() / eta1.cosh()).asin();
    let mut phi = chi;
    for (j, d) in delta.iter().enumerate() {
        phi += d * (2.0 * (j as f64 + 1.0) * chi).sin();
    }
    let lambda0 = (f64::from(zone) * 6.0 - 183.0).to_radians();
    let lambda = lambda0 + (eta1.sinh() / xi1.cos()).atan();
    (lambda.to_degrees(), phi.to_degrees())
}

fn polygon(ring: &[(f64, f64)]) -> Value {
    let ring: Vec<Value> = ring.iter().map(|(x, y)| json!([x, y])).collect();
    json!({"type": "Polygon", "coordinates": [ring]})
}

fn with_crs(mut v: Value, name: &str) -> Value {
    v["crs"] = json!({"type": "name", "properties": {"name": name}});
    v
}

fn square_utm(e: f64, n: f64, half: f64) -> Vec<(f64, f64)> {
    vec![
        (e - half, n - half),
        (e + half, n - half),
        (e + half, n + half),
        (e - half, n + half),
        (e - half, n - half),
    ]
}

fn err(v: &Value) -> GeometryError {
    parse_area(v, Crs::Wgs84, 5000).expect_err("refused")
}

#[test]
fn utm33_converts_to_the_right_longitude_and_latitude() {
    // E 250000, N 6640000 in EPSG:25833: the Oslofjord by Asker and Nesodden.
    let ring = square_utm(250_000.0, 6_640_000.0, 100.0);
    let area =
        parse_area(&with_crs(polygon(&ring), "EPSG:25833"), Crs::Wgs84, 100).expect("valid area");
    let exterior = &area.shape().0[0].exterior().0;
    for (c, (e, n)) in exterior.iter().zip(&ring) {
        let (lon, lat) = utm_to_lon_lat(33, *e, *n);
        assert!((c.x - lon).abs() < 1e-7, "lon {} vs {lon}", c.x);
        assert!((c.y - lat).abs() < 1e-7, "lat {} vs {lat}", c.y);
    }
    // A sanity check on the map: about 10.54° E, 59.82° N.
    let b = area.bbox();
    assert!(
        (10.53..10.55).contains(&b.min_lon) && (59.81..59.83).contains(&b.min_lat),
        "{b:?}"
    );
}

#[test]
fn the_default_crs_applies_without_a_crs_member_and_other_zones_convert() {
    // Oslo in UTM 32 (E 597000, N 6643000), given as the default CRS (`area_crs`).
    let ring = square_utm(597_000.0, 6_643_000.0, 50.0);
    let area = parse_area(&polygon(&ring), Crs::Utm32, 100).expect("valid area");
    let c = area.shape().0[0].exterior().0[0];
    let (lon, lat) = utm_to_lon_lat(32, ring[0].0, ring[0].1);
    assert!(
        (c.x - lon).abs() < 1e-7 && (c.y - lat).abs() < 1e-7,
        "{c:?}"
    );
    // Tromsø in UTM 35 named by an OGC URN.
    let ring = square_utm(420_000.0, 7_730_000.0, 50.0);
    let v = with_crs(polygon(&ring), "urn:ogc:def:crs:EPSG::25835");
    let area = parse_area(&v, Crs::Wgs84, 100).expect("valid area");
    let c = area.shape().0[0].exterior().0[2];
    let (lon, lat) = utm_to_lon_lat(35, ring[2].0, ring[2].1);
    assert!(
        (c.x - lon).abs() < 1e-7 && (c.y - lat).abs() < 1e-7,
        "{c:?}"
    );
}

#[test]
fn a_feature_is_read_and_pointers_lead_into_it() {
    let ring = [
        (10.0, 59.0),
        (10.1, 59.0),
        (10.1, 59.1),
        (10.0, 59.1),
        (10.0, 59.0),
    ];
    let feature =
        json!({"type": "Feature", "properties": {"navn": "x"}, "geometry": polygon(&ring)});
    let area = parse_area(&feature, Crs::Wgs84, 100).expect("valid");
    assert_eq!(area.to_geojson(), polygon(&ring));
    let mut bad = feature.clone();
    bad["geometry"]["coordinates"][0][4] = json!([10.0, 59.05]);
    assert_eq!(err(&bad).pointer, "/geometry/coordinates/0");
}

#[test]
fn rings_must_be_closed_and_long_enough() {
    let open = polygon(&[(10.0, 59.0), (10.1, 59.0), (10.1, 59.1), (10.0, 59.1)]);
    let e = err(&open);
    assert_eq!(e.pointer, "/coordinates/0");
    assert!(e.message.contains("not closed"), "{e}");
    let short = polygon(&[(10.0, 59.0), (10.1, 59.0), (10.0, 59.0)]);
    let e = err(&short);
    assert_eq!(e.pointer, "/coordinates/0");
    assert!(e.message.contains("at least 4 positions"), "{e}");
}

#[test]
fn a_bowtie_is_refused_as_self_intersecting() {
    let bowtie = polygon(&[
        (10.0, 59.0),
        (10.1, 59.1),
        (10.1, 59.0),
        (10.0, 59.1),
        (10.0, 59.0),
    ]);
    let e = err(&bowtie);
    assert_eq!(e.pointer, "/coordinates/0");
    assert!(e.message.contains("self-intersection"), "{e}");
}

#[test]
fn a_hole_outside_its_shell_is_refused() {
    let v = json!({"type": "Polygon", "coordinates": [
        [[10.0, 59.0], [10.1, 59.0], [10.1, 59.1], [10.0, 59.1], [10.0, 59.0]],
        [[11.0, 60.0], [11.01, 60.0], [11.01, 60.01], [11.0, 60.0]],
    ]});
    let e = err(&v);
    assert_eq!(e.pointer, "/coordinates/1");
    assert!(e.message.contains("not contained"), "{e}");
    // A hole inside is fine, and the distance from inside the hole is to the hole's edge.
    let v = json!({"type": "Polygon", "coordinates": [
        [[10.0, 59.0], [10.1, 59.0], [10.1, 59.1], [10.0, 59.1], [10.0, 59.0]],
        [[10.04, 59.04], [10.06, 59.04], [10.06, 59.06], [10.04, 59.06], [10.04, 59.04]],
    ]});
    let area = parse_area(&v, Crs::Wgs84, 100).expect("valid");
    assert!(area.distance_m(10.05, 59.05) > 500.0);
    assert_eq!(area.distance_m(10.02, 59.05), 0.0);
}

#[test]
fn overlapping_polygons_of_a_multipolygon_are_refused() {
    let a = json!([[
        [10.0, 59.0],
        [10.1, 59.0],
        [10.1, 59.1],
        [10.0, 59.1],
        [10.0, 59.0]
    ]]);
    let b = json!([[
        [10.05, 59.05],
        [10.2, 59.05],
        [10.2, 59.2],
        [10.05, 59.2],
        [10.05, 59.05]
    ]]);
    let e = err(&json!({"type": "MultiPolygon", "coordinates": [a, b]}));
    assert_eq!(e.pointer, "/coordinates/1");
    assert!(e.message.contains("overlap"), "{e}");
}

#[test]
fn the_vertex_limit_counts_every_position() {
    // A ring of exactly `max` positions: a circle-ish polygon.
    let ring = |count: usize| -> Vec<(f64, f64)> {
        let mut r: Vec<(f64, f64)> = (0..count - 1)
            .map(|i| {
                let t = i as f64 / (count - 1) as f64 * std::f64::consts::TAU;
                (10.5 + 0.01 * t.cos(), 59.8 + 0.005 * t.sin())
            })
            .collect();
        r.push(r[0]);
        r
    };
    assert!(parse_area(&polygon(&ring(50)), Crs::Wgs84, 50).is_ok());
    let e = parse_area(&polygon(&ring(51)), Crs::Wgs84, 50).expect_err("one too many");
    assert_eq!(e.pointer, "/coordinates");
    assert!(e.message.contains("more than 50"), "{e}");
}

#[test]
fn an_unsupported_crs_names_the_supported_ones() {
    let v = with_crs(
        polygon(&square_utm(530_000.0, 180_000.0, 10.0)),
        "EPSG:27700",
    );
    let e = err(&v);
    assert_eq!(e.pointer, "/crs");
    assert!(
        e.message.contains("EPSG:27700") && e.message.contains("EPSG:25833"),
        "{e}"
    );
    let v = json!({"type": "Point", "coordinates": [1, 2],
        "crs": {"type": "name", "properties": {"name": "EPSG:27700"}}});
    assert_eq!(point_to_wgs84(&v).expect_err("refused").pointer, "/crs");
}

#[test]
fn utm_numbers_sent_as_wgs84_get_a_hint() {
    let v = polygon(&square_utm(250_000.0, 6_640_000.0, 100.0));
    let e = err(&v);
    assert_eq!(e.pointer, "/coordinates/0/0");
    assert!(
        e.message.contains("UTM coordinates sent as EPSG:4326?"),
        "{e}"
    );
    // Swapped axes.
    let swapped = polygon(&[
        (59.0, 10.0),
        (59.0, 10.1),
        (59.1, 10.1),
        (59.1, 10.0),
        (59.0, 10.0),
    ]);
    assert!(err(&swapped).message.contains("swapped"));
    // Degrees that are simply elsewhere.
    let paris = polygon(&[
        (2.3, 48.8),
        (2.4, 48.8),
        (2.4, 48.9),
        (2.3, 48.9),
        (2.3, 48.8),
    ]);
    assert!(err(&paris).message.contains("outside Norway"));
}

#[test]
fn wrong_types_and_non_numbers_are_refused_with_pointers() {
    let line = json!({"type": "LineString", "coordinates": [[10, 59], [11, 60]]});
    assert_eq!(err(&line).pointer, "/type");
    let v = json!({"type": "Polygon", "coordinates": [[[10, 59], [10.1, "59"], [10.1, 59.1], [10, 59]]]});
    assert_eq!(err(&v).pointer, "/coordinates/0/1/1");
    assert_eq!(err(&json!({"type": "Polygon"})).pointer, "/coordinates");
    assert_eq!(
        err(&json!({"type": "Polygon", "coordinates": []})).pointer,
        "/coordinates"
    );
    assert_eq!(err(&json!("POLYGON")).pointer, "");
}

#[test]
fn an_area_writes_geojson_and_wkt_and_reads_back_from_storage() {
    let a = json!([[[10.0, 59.0], [10.1, 59.0], [10.1, 59.1], [10.0, 59.0]]]);
    let b = json!([[[10.2, 59.2], [10.3, 59.2], [10.3, 59.3], [10.2, 59.2]]]);
    let multi = json!({"type": "MultiPolygon", "coordinates": [a, b]});
    let area = parse_area(&multi, Crs::Wgs84, 100).expect("valid");
    assert_eq!(area.to_geojson(), multi);
    assert_eq!(Area::from_stored(&area.to_geojson()).expect("reads"), area);
    assert_eq!(
        area.to_wkt(),
        "MULTIPOLYGON (((10 59, 10.1 59, 10.1 59.1, 10 59)), ((10.2 59.2, 10.3 59.2, 10.3 59.3, 10.2 59.2)))"
    );
    assert_eq!(
        geojson_to_wkt(&area.to_geojson()).as_deref(),
        Some(area.to_wkt().as_str())
    );
    let b = area.bbox();
    assert_eq!(
        (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
        (10.0, 59.0, 10.3, 59.3)
    );
    // Converted input is stored without a crs member, rounded to 1e-8 degrees.
    let utm = with_crs(
        polygon(&square_utm(250_000.0, 6_640_000.0, 100.0)),
        "EPSG:25833",
    );
    let stored = parse_area(&utm, Crs::Wgs84, 100)
        .expect("valid")
        .to_geojson();
    assert!(stored.get("crs").is_none());
    let x = stored["coordinates"][0][0][0].as_f64().expect("number");
    assert_eq!((x * 1e8).round() / 1e8, x);
}

#[test]
fn comment_geometry_is_a_point_or_a_polygon_in_norway() {
    let p = parse_comment_geometry(&json!({"type": "Point", "coordinates": [10.75, 59.91]}), 10)
        .expect("point");
    assert_eq!(p, json!({"type": "Point", "coordinates": [10.75, 59.91]}));
    let utm = json!({"type": "Point", "coordinates": [250000.0, 6640000.0],
        "crs": {"type": "name", "properties": {"name": "EPSG:25833"}}});
    let p = parse_comment_geometry(&utm, 10).expect("converted point");
    let (lon, lat) = utm_to_lon_lat(33, 250_000.0, 6_640_000.0);
    assert!((p["coordinates"][0].as_f64().expect("lon") - lon).abs() < 1e-7);
    assert!((p["coordinates"][1].as_f64().expect("lat") - lat).abs() < 1e-7);
    let outside = json!({"type": "Point", "coordinates": [250000.0, 6640000.0]});
    let e = parse_comment_geometry(&outside, 10).expect_err("UTM as degrees");
    assert_eq!(e.pointer, "/coordinates");
    let square = polygon(&[(10.0, 59.0), (10.1, 59.0), (10.1, 59.1), (10.0, 59.0)]);
    assert_eq!(
        parse_comment_geometry(&square, 10).expect("polygon"),
        square
    );
    assert_eq!(
        parse_comment_geometry(&square, 3)
            .expect_err("limit")
            .pointer,
        "/coordinates"
    );
    let multi = json!({"type": "MultiPolygon", "coordinates": []});
    assert_eq!(
        parse_comment_geometry(&multi, 10)
            .expect_err("type")
            .pointer,
        "/type"
    );
}

#[test]
fn a_web_mercator_position_converts_without_the_norway_check() {
    let v = json!({"type": "Point", "coordinates": [1.02345, 2.33333],
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}});
    let p = point_to_wgs84(&v).expect("converts");
    let lon = p["coordinates"][0].as_f64().expect("lon");
    let lat = p["coordinates"][1].as_f64().expect("lat");
    // lon = x / R, lat = 2 atan(exp(y / R)) - pi/2 on the sphere R = 6378137 m.
    let r = 6_378_137.0_f64;
    let expected_lat =
        (2.0 * (2.33333 / r).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    assert!((lon - (1.02345 / r).to_degrees()).abs() < 1e-8, "{lon}");
    assert!((lat - expected_lat).abs() < 1e-8, "{lat}");
    assert_eq!(
        point_to_wgs84(&json!({"type": "Polygon", "coordinates": []}))
            .expect_err("type")
            .pointer,
        "/type"
    );
}

/// The square lon 10.70..10.72, lat 59.79..59.81.
fn square_at_59_8() -> Area {
    let ring = [
        (10.70, 59.79),
        (10.72, 59.79),
        (10.72, 59.81),
        (10.70, 59.81),
        (10.70, 59.79),
    ];
    parse_area(&polygon(&ring), Crs::Wgs84, 10).expect("valid")
}

#[test]
fn distance_at_the_edge_of_500_metres() {
    let area = square_at_59_8();
    // Points due east of the east edge, placed with the geodesic (Karney) on WGS84.
    let east = |metres: f64| Geodesic.destination(Point::new(10.72, 59.8), 90.0, metres);
    let inside = east(499.5);
    let outside = east(500.5);
    let d_in = area.distance_m(inside.x(), inside.y());
    let d_out = area.distance_m(outside.x(), outside.y());
    assert!(d_in < 500.0 && (d_in - 499.5).abs() < 0.1, "{d_in}");
    assert!(d_out > 500.0 && (d_out - 500.5).abs() < 0.1, "{d_out}");
    assert_eq!(area.distance_m(10.71, 59.8), 0.0);
    assert_eq!(area.distance_m(10.72, 59.8), 0.0, "on the edge");
    // The same 500 m box around each point reaches the area only from the inside one.
    assert!(around(inside.x(), inside.y(), 500.0).intersects(&area.bbox()));
    assert!(!around(outside.x(), outside.y(), 499.0).intersects(&area.bbox()));
}

proptest! {
    #[test]
    fn inside_is_zero(u in 0.0..=1.0f64, v in 0.0..=1.0f64) {
        let area = square_at_59_8();
        prop_assert_eq!(area.distance_m(10.70 + 0.02 * u, 59.79 + 0.02 * v), 0.0);
    }

    #[test]
    fn east_and_west_are_symmetric(dx in 0.0..0.2f64, lat in 59.6..60.0f64) {
        let area = square_at_59_8();
        let east = area.distance_m(10.71 + dx, lat);
        let west = area.distance_m(10.71 - dx, lat);
        prop_assert!((east - west).abs() < 1e-6, "{} vs {}", east, west);
    }

    #[test]
    fn distance_due_east_matches_the_geodesic(metres in 1.0..5000.0f64, lat in 59.79..59.81f64) {
        let area = square_at_59_8();
        let p = Geodesic.destination(Point::new(10.72, lat), 90.0, metres);
        let edge = Point::new(10.72, p.y());
        let expected = Geodesic.distance(edge, p);
        let d = area.distance_m(p.x(), p.y());
        prop_assert!((d - expected).abs() < 0.05, "{} vs {}", d, expected);
    }

    #[test]
    fn around_holds_every_point_within_reach(
        lon in 4.0..31.0f64, lat in 57.5..71.5f64, bearing in 0.0..360.0f64, metres in 0.0..20_000.0f64,
    ) {
        let b = around(lon, lat, metres);
        let p = Geodesic.destination(Point::new(lon, lat), bearing, metres);
        prop_assert!(b.min_lon <= p.x() && p.x() <= b.max_lon, "{:?} {:?}", b, p);
        prop_assert!(b.min_lat <= p.y() && p.y() <= b.max_lat, "{:?} {:?}", b, p);
    }
}
