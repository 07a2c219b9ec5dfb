//! Turns Arrow columns of the types the engine accepts into the decoded cells validation reads.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::{DataType, TimeUnit};

use super::{Num, TimeCell};
use crate::time::local_time::DAY_US;

/// Is `t` a numeric type read as f64 (coordinates, weight)?
pub(crate) fn is_numeric(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Float64
            | DataType::Float32
            | DataType::Float16
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// Is `t` text (plain or dictionary-encoded)?
pub(crate) fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, value) => matches!(**value, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    }
}

/// Is `t` a type the time column may have?
pub(crate) fn is_time(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64) || is_text(t)
}

/// Is `t` a WKB geometry type?
pub(crate) fn is_binary(t: &DataType) -> bool {
    matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView)
}

/// Is `t` a type the id column may have (text or integer)?
pub(crate) fn is_id(t: &DataType) -> bool {
    is_text(t) || (is_numeric(t) && !matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64))
}

fn primitive<T: ArrowPrimitiveType>(a: &dyn Array, f: impl Fn(T::Native) -> f64) -> Vec<Num> {
    let a = a.as_primitive::<T>();
    (0..a.len()).map(|i| if a.is_null(i) { Num::Null } else { Num::Val(f(a.value(i))) }).collect()
}

/// Decodes a numeric column (checked with [`is_numeric`] beforehand).
pub(crate) fn numeric(a: &dyn Array) -> Vec<Num> {
    match a.data_type() {
        DataType::Float64 => primitive::<Float64Type>(a, |v| v),
        DataType::Float32 => primitive::<Float32Type>(a, f64::from),
        DataType::Float16 => primitive::<Float16Type>(a, f64::from),
        DataType::Int8 => primitive::<Int8Type>(a, f64::from),
        DataType::Int16 => primitive::<Int16Type>(a, f64::from),
        DataType::Int32 => primitive::<Int32Type>(a, f64::from),
        DataType::Int64 => primitive::<Int64Type>(a, |v| v as f64),
        DataType::UInt8 => primitive::<UInt8Type>(a, f64::from),
        DataType::UInt16 => primitive::<UInt16Type>(a, f64::from),
        DataType::UInt32 => primitive::<UInt32Type>(a, f64::from),
        DataType::UInt64 => primitive::<UInt64Type>(a, |v| v as f64),
        _ => vec![Num::Bad; a.len()],
    }
}

/// Decodes a text column (checked with [`is_text`] beforehand); nulls are `None`.
pub(crate) fn text(a: &dyn Array) -> Vec<Option<&str>> {
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => a.as_string::<i64>().iter().collect(),
        DataType::Utf8View => a.as_string_view().iter().collect(),
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = text(d.values().as_ref());
            let keys = d.normalized_keys();
            (0..a.len())
                .map(|i| if d.keys().is_null(i) { None } else { values.get(keys[i]).copied().flatten() })
                .collect()
        }
        _ => vec![None; a.len()],
    }
}

fn timestamps<T: ArrowPrimitiveType<Native = i64>>(
    a: &dyn Array,
    zoned: bool,
    to_us: impl Fn(i64) -> Option<i64>,
) -> Vec<TimeCell<'_>> {
    let a = a.as_primitive::<T>();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                return TimeCell::Null;
            }
            match to_us(a.value(i)) {
                Some(us) if zoned => TimeCell::Instant(us),
                Some(us) => TimeCell::Local(us),
                None => TimeCell::Bad,
            }
        })
        .collect()
}

/// Decodes a time column (checked with [`is_time`] beforehand). Timestamps with a zone are
/// instants; without a zone, and dates, are wall-clock times in `--tz`.
pub(crate) fn time(a: &dyn Array) -> Vec<TimeCell<'_>> {
    match a.data_type() {
        DataType::Timestamp(unit, zone) => {
            let zoned = zone.is_some();
            match unit {
                TimeUnit::Second => timestamps::<TimestampSecondType>(a, zoned, |v| v.checked_mul(1_000_000)),
                TimeUnit::Millisecond => timestamps::<TimestampMillisecondType>(a, zoned, |v| v.checked_mul(1_000)),
                TimeUnit::Microsecond => timestamps::<TimestampMicrosecondType>(a, zoned, Some),
                TimeUnit::Nanosecond => timestamps::<TimestampNanosecondType>(a, zoned, |v| Some(v.div_euclid(1_000))),
            }
        }
        DataType::Date32 => {
            let a = a.as_primitive::<Date32Type>();
            (0..a.len())
                .map(|i| if a.is_null(i) { TimeCell::Null } else { TimeCell::Local(i64::from(a.value(i)) * DAY_US) })
                .collect()
        }
        DataType::Date64 => {
            let a = a.as_primitive::<Date64Type>();
            (0..a.len())
                .map(|i| match a.is_null(i) {
                    true => TimeCell::Null,
                    false => a.value(i).checked_mul(1_000).map_or(TimeCell::Bad, TimeCell::Local),
                })
                .collect()
        }
        _ => text(a).into_iter().map(|t| t.map_or(TimeCell::Null, TimeCell::Text)).collect(),
    }
}

/// Decodes a WKB geometry column (checked with [`is_binary`] beforehand) to (lon, lat) points.
pub(crate) fn points(a: &dyn Array) -> Vec<Result<Option<(f64, f64)>, ()>> {
    let decode = |v: Option<&[u8]>| v.map_or(Ok(None), super::wkb::read_point);
    match a.data_type() {
        DataType::Binary => a.as_binary::<i32>().iter().map(decode).collect(),
        DataType::LargeBinary => a.as_binary::<i64>().iter().map(decode).collect(),
        DataType::BinaryView => a.as_binary_view().iter().map(decode).collect(),
        _ => vec![Err(()); a.len()],
    }
}

/// The duplicate-check keys of an id column (text or integer), decoded once per batch.
pub(crate) fn id_keys(a: &dyn Array) -> super::IdKeyFn<'_> {
    use super::IdKey;
    macro_rules! int {
        ($t:ty) => {{
            let v = a.as_primitive::<$t>();
            Box::new(move |i: usize| (!v.is_null(i)).then(|| IdKey::Int(v.value(i) as i64 as u64)))
        }};
    }
    match a.data_type() {
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => {
            let v = a.as_primitive::<UInt64Type>();
            Box::new(move |i: usize| (!v.is_null(i)).then(|| IdKey::Int(v.value(i))))
        }
        _ if is_text(a.data_type()) => {
            // The keys of the whole batch in one tight loop, remembering the last prefix.
            let mut cache = super::PrefixCache::default();
            let keys: Vec<Option<IdKey>> =
                text(a).into_iter().map(|t| t.map(|t| IdKey::of_text_with(t, &mut cache))).collect();
            Box::new(move |i: usize| keys[i])
        }
        _ => Box::new(move |i: usize| id_text(a, i).as_deref().map(IdKey::of_text)),
    }
}

/// Renders row `i` of an id column (text or integer) as text.
pub(crate) fn id_text(a: &dyn Array, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    macro_rules! int {
        ($t:ty) => {
            Some(a.as_primitive::<$t>().value(i).to_string())
        };
    }
    match a.data_type() {
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Utf8 => Some(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Some(a.as_string_view().value(i).to_string()),
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let key = *d.normalized_keys().get(i)?;
            id_text(d.values().as_ref(), key)
        }
        _ => None,
    }
}
