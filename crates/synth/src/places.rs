//! Activity places of the synthetic city: stations, shopping centres and parks in Helsinki and
//! Vantaa where outreach teams meet people. Coordinates are the places' approximate centres
//! (WGS 84), rounded to about ten metres.

/// A place events gather around.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    /// Name.
    pub name: &'static str,
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub lon: f64,
    /// Relative background activity (events per week, in arbitrary units).
    pub weight: f64,
    /// Share of events that are residents' concern reports rather than encounters.
    pub concern_share: f64,
}

pub(crate) const fn place(name: &'static str, lat: f64, lon: f64, concern_share: f64) -> Place {
    Place { name, lat, lon, weight: 0.0, concern_share }
}

const fn bg(name: &'static str, lat: f64, lon: f64, weight: f64, concern_share: f64) -> Place {
    Place { name, lat, lon, weight, concern_share }
}

/// The steady background: where outreach activity is every week.
pub const BACKGROUND_PLACES: [Place; 12] = [
    bg("Rautatientori", 60.1710, 24.9414, 10.0, 0.25),
    bg("Kamppi", 60.1690, 24.9320, 6.0, 0.3),
    bg("Kallio / Harjutori", 60.1841, 24.9497, 8.0, 0.35),
    bg("Pasila station", 60.1989, 24.9336, 4.0, 0.3),
    bg("Itäkeskus", 60.2100, 25.0814, 6.0, 0.3),
    bg("Malmi station", 60.2509, 25.0107, 5.0, 0.3),
    bg("Myyrmäki station", 60.2612, 24.8544, 4.0, 0.3),
    bg("Tikkurila station", 60.2925, 25.0440, 5.0, 0.3),
    bg("Korso station", 60.3510, 25.0870, 2.0, 0.3),
    bg("Jakomäki", 60.2560, 25.0830, 2.0, 0.35),
    bg("Lauttasaari", 60.1590, 24.8760, 1.5, 0.3),
    bg("Kalasatama", 60.1870, 24.9770, 2.5, 0.3),
];

/// Haversine distance between two places, metres.
#[cfg(test)]
pub(crate) fn distance_m(a: &Place, b: &Place) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}
