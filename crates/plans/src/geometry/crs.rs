//! The coordinate reference systems accepted for plan areas and comment geometry, and their
//! conversion to WGS84 longitude/latitude with `proj4rs`.

use proj4rs::Proj;

use super::GeometryError;

/// A coordinate reference system accepted in input. Coordinates are always read in GeoJSON
/// order: easting/longitude first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Crs {
    /// Geographic longitude/latitude: EPSG:4326 (WGS84), also EPSG:4258 (ETRS89, within a
    /// metre of WGS84 in Norway) and OGC CRS84.
    Wgs84,
    /// EPSG:25832, ETRS89 / UTM zone 32N (also 5972 with NN2000 heights, 32632 WGS84 UTM).
    Utm32,
    /// EPSG:25833, ETRS89 / UTM zone 33N (also 5973, 32633), the national mapping zone.
    Utm33,
    /// EPSG:25835, ETRS89 / UTM zone 35N (also 5975, 32635).
    Utm35,
    /// EPSG:3857, WGS84 / Pseudo-Mercator (web maps).
    WebMercator,
}

/// What the error messages list as supported.
pub(crate) const SUPPORTED: &str = "EPSG:4326 (also EPSG:4258 and OGC CRS84), EPSG:25832, \
                                    EPSG:25833, EPSG:25835 and EPSG:3857";

impl Crs {
    /// Parses a CRS name: `"EPSG:25833"`, `"urn:ogc:def:crs:EPSG::25833"` (with or without a
    /// version), `"http://www.opengis.net/def/crs/EPSG/0/25833"`, `"urn:ogc:def:crs:OGC:1.3:CRS84"`
    /// or `"CRS84"`. `None` for anything else.
    pub fn parse(name: &str) -> Option<Crs> {
        let name = name.trim();
        let lower = name.to_ascii_lowercase();
        if lower == "crs84"
            || lower.starts_with("urn:ogc:def:crs:ogc:") && lower.ends_with(":crs84")
            || lower.starts_with("http://www.opengis.net/def/crs/ogc/") && lower.ends_with("/crs84")
            || lower.starts_with("https://www.opengis.net/def/crs/ogc/")
                && lower.ends_with("/crs84")
        {
            return Some(Crs::Wgs84);
        }
        let code = if let Some(rest) = lower.strip_prefix("epsg:") {
            rest
        } else if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
            // "urn:ogc:def:crs:EPSG::25833" or "urn:ogc:def:crs:EPSG:6.6:25833".
            rest.rsplit(':').next().unwrap_or_default()
        } else if let Some(rest) = lower
            .strip_prefix("http://www.opengis.net/def/crs/epsg/")
            .or_else(|| lower.strip_prefix("https://www.opengis.net/def/crs/epsg/"))
        {
            // ".../EPSG/0/25833".
            rest.rsplit('/').next().unwrap_or_default()
        } else {
            return None;
        };
        code.parse().ok().and_then(Crs::from_epsg)
    }

    /// The CRS of an EPSG code, `None` when not supported.
    pub fn from_epsg(code: u32) -> Option<Crs> {
        match code {
            4326 | 4258 => Some(Crs::Wgs84),
            25832 | 5972 | 32632 => Some(Crs::Utm32),
            25833 | 5973 | 32633 => Some(Crs::Utm33),
            25835 | 5975 | 32635 => Some(Crs::Utm35),
            3857 => Some(Crs::WebMercator),
            _ => None,
        }
    }

    /// The EPSG code: 4326, 25832, 25833, 25835 or 3857.
    pub fn epsg(self) -> u32 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Utm32 => 25832,
            Crs::Utm33 => 25833,
            Crs::Utm35 => 25835,
            Crs::WebMercator => 3857,
        }
    }

    /// Whether coordinates are degrees (longitude, latitude).
    pub fn is_geographic(self) -> bool {
        self == Crs::Wgs84
    }

    fn proj_string(self) -> Option<&'static str> {
        match self {
            Crs::Wgs84 => None,
            Crs::Utm32 => Some("+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0 +units=m +no_defs"),
            Crs::Utm33 => Some("+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0 +units=m +no_defs"),
            Crs::Utm35 => Some("+proj=utm +zone=35 +ellps=GRS80 +towgs84=0,0,0 +units=m +no_defs"),
            // The spherical Mercator on the WGS84 semi-major axis, with no datum shift.
            Crs::WebMercator => Some(
                "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 \
                 +units=m +no_defs",
            ),
        }
    }

    /// Converts `(x, y)` positions in place to WGS84 `(lon, lat)` degrees, rounded to 1e-8
    /// degrees (about a millimetre). Geographic input is left as it is.
    pub(crate) fn to_wgs84(self, points: &mut [(f64, f64)]) -> Result<(), GeometryError> {
        let Some(source) = self.proj_string() else {
            return Ok(());
        };
        let failed = |e: proj4rs::errors::Error| {
            GeometryError::new(
                "/coordinates",
                format!(
                    "cannot convert the coordinates from EPSG:{}: {e}",
                    self.epsg()
                ),
            )
        };
        let src = Proj::from_proj_string(source).map_err(failed)?;
        let dst = Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").map_err(failed)?;
        proj4rs::transform::transform(&src, &dst, points).map_err(failed)?;
        for (x, y) in points.iter_mut() {
            *x = round8(x.to_degrees());
            *y = round8(y.to_degrees());
        }
        Ok(())
    }
}

fn round8(v: f64) -> f64 {
    (v * 1e8).round() / 1e8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        for name in [
            "EPSG:25833",
            "epsg:25833",
            "urn:ogc:def:crs:EPSG::25833",
            "urn:ogc:def:crs:EPSG:6.6:25833",
            "http://www.opengis.net/def/crs/EPSG/0/25833",
            "https://www.opengis.net/def/crs/EPSG/0/25833",
        ] {
            assert_eq!(Crs::parse(name), Some(Crs::Utm33), "{name}");
        }
        for name in [
            "EPSG:4326",
            "EPSG:4258",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "urn:ogc:def:crs:OGC::CRS84",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "CRS84",
        ] {
            assert_eq!(Crs::parse(name), Some(Crs::Wgs84), "{name}");
        }
        assert_eq!(Crs::parse("EPSG:25832"), Some(Crs::Utm32));
        assert_eq!(Crs::parse("EPSG:25835"), Some(Crs::Utm35));
        assert_eq!(Crs::parse("EPSG:3857"), Some(Crs::WebMercator));
        assert_eq!(Crs::parse("EPSG:27700"), None);
        assert_eq!(Crs::parse("urn:ogc:def:crs:EPSG::27700"), None);
        assert_eq!(Crs::parse("25833"), None);
        assert_eq!(Crs::parse(""), None);
    }

    #[test]
    fn epsg_codes_round_trip() {
        for crs in [
            Crs::Wgs84,
            Crs::Utm32,
            Crs::Utm33,
            Crs::Utm35,
            Crs::WebMercator,
        ] {
            assert_eq!(Crs::from_epsg(crs.epsg()), Some(crs));
            assert_eq!(Crs::parse(&format!("EPSG:{}", crs.epsg())), Some(crs));
        }
    }

    #[test]
    fn web_mercator_matches_its_closed_form() {
        // EPSG:3857 is defined on a sphere of radius 6378137 m:
        // lon = x / R, lat = 2 atan(exp(y / R)) - pi/2.
        let (x, y) = (1_190_000.0, 8_380_000.0);
        let mut points = [(x, y)];
        Crs::WebMercator.to_wgs84(&mut points).expect("converts");
        let r = 6_378_137.0_f64;
        let lon = (x / r).to_degrees();
        let lat = (2.0 * (y / r).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
        assert!((points[0].0 - lon).abs() < 1e-7, "{points:?} vs {lon}");
        assert!((points[0].1 - lat).abs() < 1e-7, "{points:?} vs {lat}");
    }

    #[test]
    fn geographic_input_is_left_alone() {
        let mut points = [(10.123_456_789_01, 59.9)];
        Crs::Wgs84.to_wgs84(&mut points).expect("converts");
        assert_eq!(points, [(10.123_456_789_01, 59.9)]);
    }
}
