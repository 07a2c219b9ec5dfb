//! Space: which H3 cell an event is in (an exact, fast per-thread locator), the districts layer
//! (names places, and is the analysis mask), the study area's cells, and the service points.

pub(crate) mod cell_locator;
pub mod districts;
mod feature_layer;
pub mod landmarks;
pub mod services;
pub(crate) mod study_area;

pub use cell_locator::CellLocator;
pub use districts::{District, Districts};
pub use landmarks::Landmarks;
pub use services::{Service, Services};
