//! Where a run's cube comes from: the raw event exports ([`crate::cube::build`]), partial cubes
//! ([`crate::cube::partial`]), or the nightly store of partials ([`crate::cube::store`]). Each
//! gives the same cube, accounting and rejects for the same events.

use std::time::Instant;

use crate::cube::build::{CubeConfig, CubeRun, build_from_events};
use crate::cube::partial::cube_from_partials;
use crate::cube::store::sync_store;
use crate::error::{Error, Result};
use crate::ingest::RejectSink;
use crate::progress::Progress;

/// Builds the cube of `config`: from [`CubeConfig::partials`] when given, else through the store
/// of [`CubeConfig::store`] when given (the inputs whose partial is not stored yet are read and
/// stored, then the partials are merged), else from the raw inputs (ingest, indexing and
/// aggregation, streaming). Rejected rows go to `rejects`.
///
/// # Errors
///
/// [`Error::Parameter`] for both partials and inputs; read, format and data errors naming the
/// file, as each source gives them.
pub fn build_cube(config: &CubeConfig, progress: &dyn Progress, rejects: &mut dyn RejectSink) -> Result<CubeRun> {
    if !config.partials.is_empty() {
        if !config.inputs.is_empty() {
            return Err(Error::parameter(
                "cube",
                config.partials[0].display(),
                "give either event exports or partial cubes, not both",
            ));
        }
        return cube_from_partials(config, &config.partials, progress, rejects);
    }
    if let Some(dir) = &config.store {
        let started = Instant::now();
        let sync = sync_store(config, dir, progress)?;
        let store_ms = started.elapsed().as_millis() as u64;
        let mut run = cube_from_partials(config, &sync.partials, progress, rejects)?;
        run.timings_ms.insert(0, ("store".to_string(), store_ms));
        run.store = Some(sync);
        return Ok(run);
    }
    build_from_events(config, progress, rejects)
}
