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
}
