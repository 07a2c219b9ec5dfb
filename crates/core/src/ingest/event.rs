//! The event model after ingest: what one validated row is, the two kinds of event, and the
//! reasons a row can be rejected (stable snake_case codes that scripts may depend on).

use std::fmt;

/// The two kinds of event the outreach register holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An outreach pair met a person (`encounter`).
    Encounter,
    /// A resident, business or partner reported a concern (`concern`).
    Concern,
}

impl Kind {
    /// Both kinds, in their stable order.
    pub const ALL: [Kind; 2] = [Kind::Encounter, Kind::Concern];

    /// The label used in files: `encounter` or `concern`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Encounter => "encounter",
            Kind::Concern => "concern",
        }
    }

    /// Labels read as each kind: the English codes and the Finnish and Swedish words for them
    /// (`kohtaaminen`, `möte`; `huoli-ilmoitus`, `orosanmälan`), as bilingual exports hold them.
    pub const LABELS: [(&'static str, Kind); 6] = [
        ("encounter", Kind::Encounter),
        ("kohtaaminen", Kind::Encounter),
        ("möte", Kind::Encounter),
        ("concern", Kind::Concern),
        ("huoli-ilmoitus", Kind::Concern),
        ("orosanmälan", Kind::Concern),
    ];

    /// Parses a kind label: one of [`Kind::LABELS`], with surrounding white space and case
    /// ignored; anything else is unknown (`None`).
    ///
    /// ```
    /// use hotspots_core::ingest::event::Kind;
    /// assert_eq!(Kind::parse(" Encounter "), Some(Kind::Encounter));
    /// assert_eq!(Kind::parse("Kohtaaminen"), Some(Kind::Encounter));
    /// assert_eq!(Kind::parse("MÖTE"), Some(Kind::Encounter));
    /// assert_eq!(Kind::parse("huoli-ilmoitus"), Some(Kind::Concern));
    /// assert_eq!(Kind::parse("orosanmälan"), Some(Kind::Concern));
    /// assert_eq!(Kind::parse("visit"), None);
    /// ```
    pub fn parse(label: &str) -> Option<Kind> {
        let label = label.trim();
        if label.is_ascii() {
            Kind::LABELS.iter().find(|(l, _)| l.eq_ignore_ascii_case(label)).map(|&(_, k)| k)
        } else {
            let lower = label.to_lowercase();
            Kind::LABELS.iter().find(|(l, _)| *l == lower).map(|&(_, k)| k)
        }
    }

    /// Position of the kind in [`Kind::ALL`], for per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an input row was rejected. The codes ([`RejectReason::code`]) are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// Latitude or longitude is null or empty (or the geometry is null or an empty point).
    MissingCoordinate,
    /// A coordinate in a text file is not a number.
    UnparsableCoordinate,
    /// A coordinate is NaN or infinite.
    NonFiniteCoordinate,
    /// Latitude outside −90…90.
    LatitudeOutOfRange,
    /// Longitude outside −180…180.
    LongitudeOutOfRange,
    /// The exact point (0, 0), a classic placeholder for "no location".
    NullIsland,
    /// The geometry is not a WKB / GeoJSON point.
    InvalidGeometry,
    /// The time is null or empty.
    MissingTime,
    /// The time is not ISO-8601 text or is out of the representable range.
    UnparsableTime,
    /// A local time without zone that does not exist in `--tz` (a daylight-saving gap).
    NonexistentLocalTime,
    /// The kind is missing or is neither `encounter` nor `concern`.
    UnknownKind,
    /// The weight in a text file is not a number.
    UnparsableWeight,
    /// The weight is negative.
    NegativeWeight,
    /// The weight is NaN or infinite.
    NonFiniteWeight,
    /// A valid row whose event id an earlier row (of this or an earlier input) already had: the
    /// event counts once.
    DuplicateId,
}

impl RejectReason {
    /// Every reason, in code order.
    pub const ALL: [RejectReason; 15] = [
        RejectReason::MissingCoordinate,
        RejectReason::UnparsableCoordinate,
        RejectReason::NonFiniteCoordinate,
        RejectReason::LatitudeOutOfRange,
        RejectReason::LongitudeOutOfRange,
        RejectReason::NullIsland,
        RejectReason::InvalidGeometry,
        RejectReason::MissingTime,
        RejectReason::UnparsableTime,
        RejectReason::NonexistentLocalTime,
        RejectReason::UnknownKind,
        RejectReason::UnparsableWeight,
        RejectReason::NegativeWeight,
        RejectReason::NonFiniteWeight,
        RejectReason::DuplicateId,
    ];

    /// The stable snake_case code written to the rejects file and `summary.json`.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::MissingCoordinate => "missing_coordinate",
            RejectReason::UnparsableCoordinate => "unparsable_coordinate",
            RejectReason::NonFiniteCoordinate => "non_finite_coordinate",
            RejectReason::LatitudeOutOfRange => "latitude_out_of_range",
            RejectReason::LongitudeOutOfRange => "longitude_out_of_range",
            RejectReason::NullIsland => "null_island",
            RejectReason::InvalidGeometry => "invalid_geometry",
            RejectReason::MissingTime => "missing_time",
            RejectReason::UnparsableTime => "unparsable_time",
            RejectReason::NonexistentLocalTime => "nonexistent_local_time",
            RejectReason::UnknownKind => "unknown_kind",
            RejectReason::UnparsableWeight => "unparsable_weight",
            RejectReason::NegativeWeight => "negative_weight",
            RejectReason::NonFiniteWeight => "non_finite_weight",
            RejectReason::DuplicateId => "duplicate_id",
        }
    }

    /// Position in [`RejectReason::ALL`], for per-reason counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One rejected input row: where it is and why it was rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    /// The file, as the user named it.
    pub file: String,
    /// Row number in the file, 1-based, counting data rows only (a CSV header is not a row;
    /// in GeoJSON the row is the feature's position).
    pub row: u64,
    /// The column (as named in the file) that failed.
    pub column: String,
    /// Why.
    pub reason: RejectReason,
    /// The row's `id` value, when the file has an id column; written to the rejects file only.
    pub id: Option<String>,
    /// The offending value as text (at most [`MAX_VALUE_CHARS`] characters), where the reader
    /// still has it; written to the rejects file only.
    pub value: Option<String>,
}

/// The longest offending value kept in a reject, in characters.
pub const MAX_VALUE_CHARS: usize = 100;

/// `text` cut to [`MAX_VALUE_CHARS`] characters (with `…` when cut).
pub fn truncated(text: &str) -> String {
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A validated event, the unit every later stage works on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// Longitude, WGS 84 degrees.
    pub lon: f64,
    /// The instant, microseconds since 1970-01-01T00:00:00Z.
    pub time_us: i64,
    /// Encounter or concern.
    pub kind: Kind,
    /// Category, as an index into the run's [`crate::ingest::Categories`]; `None` when absent.
    pub category: Option<u32>,
    /// Weight (default 1).
    pub weight: f64,
}
