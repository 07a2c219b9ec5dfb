//! Reads a point from Well-Known Binary (ISO WKB and PostGIS EWKB, either byte order, with or
//! without Z/M), the encoding of GeoParquet geometry columns.

/// Decodes a WKB point to `(x, y)` = (longitude, latitude).
///
/// `Ok(None)` for an empty point (NaN coordinates), `Err(())` for anything that is not a
/// well-formed point.
///
/// ```
/// use hotspots_core::ingest::wkb::read_point;
/// let mut wkb = vec![1u8, 1, 0, 0, 0];
/// wkb.extend(24.94f64.to_le_bytes());
/// wkb.extend(60.17f64.to_le_bytes());
/// assert_eq!(read_point(&wkb), Ok(Some((24.94, 60.17))));
/// ```
#[allow(clippy::result_unit_err)]
pub fn read_point(bytes: &[u8]) -> Result<Option<(f64, f64)>, ()> {
    let (&order, rest) = bytes.split_first().ok_or(())?;
    let little = match order {
        0 => false,
        1 => true,
        _ => return Err(()),
    };
    let u32_at = |b: &[u8], at: usize| -> Result<u32, ()> {
        let raw: [u8; 4] = b.get(at..at + 4).ok_or(())?.try_into().map_err(|_| ())?;
        Ok(if little { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) })
    };
    let f64_at = |b: &[u8], at: usize| -> Result<f64, ()> {
        let raw: [u8; 8] = b.get(at..at + 8).ok_or(())?.try_into().map_err(|_| ())?;
        Ok(if little { f64::from_le_bytes(raw) } else { f64::from_be_bytes(raw) })
    };
    let geometry_type = u32_at(rest, 0)?;
    let has_srid = geometry_type & 0x2000_0000 != 0;
    let base = (geometry_type & 0x0FFF_FFFF) % 1000;
    if base != 1 {
        return Err(());
    }
    let mut at = 4;
    if has_srid {
        at += 4;
    }
    let x = f64_at(rest, at)?;
    let y = f64_at(rest, at + 8)?;
    if x.is_nan() && y.is_nan() {
        return Ok(None);
    }
    Ok(Some((x, y)))
}

/// Decodes a WKB line or polygon (LineString, Polygon, MultiLineString, MultiPolygon; ISO WKB
/// or EWKB, either byte order, Z and M values dropped) to a `geo` geometry in (lon, lat).
/// `Err(())` for any other type or malformed bytes.
#[allow(clippy::result_unit_err)]
pub fn read_geometry(bytes: &[u8]) -> Result<geo::Geometry<f64>, ()> {
    let mut reader = WkbReader { bytes, at: 0, little: true };
    let g = reader.geometry(0)?;
    Ok(g)
}

struct WkbReader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl WkbReader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ()> {
        let raw: [u8; N] = self.bytes.get(self.at..self.at + N).ok_or(())?.try_into().map_err(|_| ())?;
        self.at += N;
        Ok(raw)
    }

    fn u32(&mut self) -> Result<u32, ()> {
        let raw = self.take::<4>()?;
        Ok(if self.little { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) })
    }

    fn f64(&mut self) -> Result<f64, ()> {
        let raw = self.take::<8>()?;
        Ok(if self.little { f64::from_le_bytes(raw) } else { f64::from_be_bytes(raw) })
    }

    /// A count no larger than what the remaining bytes could hold (`min_bytes` each).
    fn count(&mut self, min_bytes: usize) -> Result<usize, ()> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_bytes) > self.bytes.len().saturating_sub(self.at) {
            return Err(());
        }
        Ok(n)
    }

    fn coords(&mut self, dims: usize) -> Result<Vec<geo::Coord<f64>>, ()> {
        let n = self.count(8 * dims)?;
        (0..n)
            .map(|_| {
                let x = self.f64()?;
                let y = self.f64()?;
                for _ in 2..dims {
                    self.f64()?;
                }
                Ok(geo::Coord { x, y })
            })
            .collect()
    }

    fn polygon(&mut self, dims: usize) -> Result<geo::Polygon<f64>, ()> {
        let rings = self.count(4)?;
        let mut rings: Vec<geo::LineString<f64>> =
            (0..rings).map(|_| self.coords(dims).map(geo::LineString::new)).collect::<Result<_, ()>>()?;
        if rings.is_empty() {
            return Err(());
        }
        let exterior = rings.remove(0);
        Ok(geo::Polygon::new(exterior, rings))
    }

    /// One geometry; `depth` 1 inside a multi-geometry (which holds only single parts).
    fn geometry(&mut self, depth: u8) -> Result<geo::Geometry<f64>, ()> {
        let [order] = self.take::<1>()?;
        self.little = match order {
            0 => false,
            1 => true,
            _ => return Err(()),
        };
        let code = self.u32()?;
        if code & 0x2000_0000 != 0 {
            self.u32()?; // EWKB SRID
        }
        let ewkb_dims = 2 + usize::from(code & 0x8000_0000 != 0) + usize::from(code & 0x4000_0000 != 0);
        let iso = code & 0x0FFF_FFFF;
        let (base, dims) = match iso / 1000 {
            0 => (iso, ewkb_dims),
            1 | 2 => (iso % 1000, 3),
            3 => (iso % 1000, 4),
            _ => return Err(()),
        };
        match (base, depth) {
            (2, _) => Ok(geo::Geometry::LineString(geo::LineString::new(self.coords(dims)?))),
            (3, _) => Ok(geo::Geometry::Polygon(self.polygon(dims)?)),
            (5, 0) => {
                let n = self.count(9)?;
                let mut lines = Vec::with_capacity(n);
                for _ in 0..n {
                    match self.geometry(1)? {
                        geo::Geometry::LineString(l) => lines.push(l),
                        _ => return Err(()),
                    }
                }
                Ok(geo::Geometry::MultiLineString(geo::MultiLineString::new(lines)))
            }
            (6, 0) => {
                let n = self.count(9)?;
                let mut polygons = Vec::with_capacity(n);
                for _ in 0..n {
                    match self.geometry(1)? {
                        geo::Geometry::Polygon(p) => polygons.push(p),
                        _ => return Err(()),
                    }
                }
                Ok(geo::Geometry::MultiPolygon(geo::MultiPolygon::new(polygons)))
            }
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(order: u8, ty: u32, coords: &[f64], srid: Option<u32>) -> Vec<u8> {
        let little = order == 1;
        let mut v = vec![order];
        v.extend(if little { ty.to_le_bytes() } else { ty.to_be_bytes() });
        if let Some(s) = srid {
            v.extend(if little { s.to_le_bytes() } else { s.to_be_bytes() });
        }
        for c in coords {
            v.extend(if little { c.to_le_bytes() } else { c.to_be_bytes() });
        }
        v
    }

    #[test]
    fn reads_iso_and_ewkb_points() {
        assert_eq!(read_point(&point(0, 1, &[24.9, 60.2], None)), Ok(Some((24.9, 60.2))));
        assert_eq!(read_point(&point(1, 1001, &[24.9, 60.2, 5.0], None)), Ok(Some((24.9, 60.2))));
        assert_eq!(read_point(&point(1, 0x8000_0001, &[24.9, 60.2, 5.0], None)), Ok(Some((24.9, 60.2))));
        assert_eq!(read_point(&point(1, 0x2000_0001, &[24.9, 60.2], Some(4326))), Ok(Some((24.9, 60.2))));
        assert_eq!(read_point(&point(1, 1, &[f64::NAN, f64::NAN], None)), Ok(None));
    }

    #[test]
    fn rejects_non_points_and_truncation() {
        assert_eq!(read_point(&point(1, 2, &[24.9, 60.2], None)), Err(()));
        assert_eq!(read_point(&point(1, 1, &[24.9], None)), Err(()));
        assert_eq!(read_point(&[]), Err(()));
        assert_eq!(read_point(&[7, 1, 0, 0, 0]), Err(()));
    }

    #[test]
    fn lines_and_polygons_read_in_either_byte_order_with_z_dropped() {
        // A LineString Z (ISO 1002), little-endian, two points.
        let mut wkb = vec![1u8];
        wkb.extend(1002u32.to_le_bytes());
        wkb.extend(2u32.to_le_bytes());
        for v in [24.93f64, 60.17, 5.0, 24.95, 60.18, 6.0] {
            wkb.extend(v.to_le_bytes());
        }
        let line = geo::LineString::from(vec![(24.93, 60.17), (24.95, 60.18)]);
        assert_eq!(read_geometry(&wkb), Ok(geo::Geometry::LineString(line)));
        // A polygon, big-endian, one ring of four points.
        let mut wkb = vec![0u8];
        wkb.extend(3u32.to_be_bytes());
        wkb.extend(1u32.to_be_bytes());
        wkb.extend(4u32.to_be_bytes());
        for v in [24.9f64, 60.1, 25.0, 60.1, 25.0, 60.2, 24.9, 60.1] {
            wkb.extend(v.to_be_bytes());
        }
        let ring = geo::LineString::from(vec![(24.9, 60.1), (25.0, 60.1), (25.0, 60.2), (24.9, 60.1)]);
        assert_eq!(read_geometry(&wkb), Ok(geo::Geometry::Polygon(geo::Polygon::new(ring, vec![]))));
        assert_eq!(read_geometry(&wkb[..20]), Err(()), "truncated");
        assert_eq!(read_geometry(&point(1, 1, &[24.9, 60.1], None)), Err(()), "a point covers nothing");
        let mut huge = vec![1u8];
        huge.extend(2u32.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        assert_eq!(read_geometry(&huge), Err(()), "a count past the bytes is refused before allocating");
    }
}
