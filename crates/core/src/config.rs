//! The configuration of a run: one struct per stage, each with its defaults as named constants
//! and checked where it is built ([`crate::stats::StatsParams::new`],
//! [`crate::plan::PatrolParams::new`], [`crate::time::BinSpec::new`], …), gathered here with what
//! ties the stages together. The command line and the TOML reader build it; nothing else does.

use std::path::PathBuf;

use crate::cube::CubeConfig;
use crate::cube::jobs::check_jobs;
use crate::error::{Error, Result, check_share};
use crate::plan::PatrolParams;
use crate::publish::{Lang, SmallCounts};
use crate::space::{Landmarks, Services};
use crate::stats::{Scope, StatsParams};

/// What the run does after the cube.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// The whole product: statistics, plan, every layer, the report; with a backtest over the
    /// last `backtest_steps` bins when that is above 0.
    Analyze {
        /// Held-out bins of the backtest in the report and `backtest.json` (0: none).
        backtest_steps: usize,
    },
    /// Only the backtest of the plan over the last `holdout_steps` bins (`backtest.json`).
    Backtest {
        /// Held-out bins; `None`: 26 where the history allows, else as many as leave 8 bins.
        holdout_steps: Option<usize>,
    },
}

/// A services layer with the name it goes by in `summary.json`.
pub struct ServicesLayer {
    /// The services.
    pub services: Services,
    /// A path, or `<built-in services>`.
    pub name: String,
}

/// Everything a run needs.
pub struct RunConfig {
    /// Inputs, columns, zone, districts, resolution, bins and jobs: up to the cube.
    pub cube: CubeConfig,
    /// The statistics.
    pub stats: StatsParams,
    /// The patrol plan.
    pub patrol: PatrolParams,
    /// The small-count rule of every published number.
    pub small_counts: SmallCounts,
    /// Service points, when given.
    pub services: Option<ServicesLayer>,
    /// What to do after the cube.
    pub task: Task,
    /// The largest share of rejected rows the run accepts (1: no limit).
    pub max_reject_share: f64,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Publish even when the guard ([`crate::publish::guard`]) would refuse the run.
    pub accept_change: bool,
    /// The prospective space-time scan ([`crate::stats::scan`]) of every job, when asked for.
    pub scan: Option<crate::stats::scan::ScanParams>,
    /// The language of the report and of the layers' `label` fields.
    pub lang: Lang,
    /// Landmarks drawn on the report's maps and naming where patrol areas are, when any.
    pub landmarks: Option<Landmarks>,
    /// The output folder of the run to compare with (`None`: the previous run in `out_dir`).
    pub previous: Option<PathBuf>,
    /// The patrol-effort log, when given ([`crate::ingest::effort`]): rates, blind spots and a
    /// plan that explores.
    pub effort: Option<crate::ingest::effort::EffortOptions>,
}

impl RunConfig {
    /// The default largest share of rejected rows: no limit.
    pub const DEFAULT_MAX_REJECT_SHARE: f64 = 1.0;
    /// The default output folder.
    pub const DEFAULT_OUT_DIR: &str = "out";
    /// The default held-out bins of `analyze`'s backtest: none.
    pub const DEFAULT_BACKTEST_STEPS: usize = 0;

    /// Checks what ties the stages together: the jobs, a district scope's districts layer, the
    /// reject share, and (with an effort log) that the explore and watch shares leave room to
    /// serve.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] naming the parameter.
    pub fn check(&self) -> Result<()> {
        check_jobs(&self.cube.jobs)?;
        if self.stats.scope == Scope::District && self.cube.districts.is_none() {
            return Err(Error::parameter(
                "scope",
                "district",
                "needs a districts layer (--districts FILE or --districts builtin)",
            ));
        }
        check_share("max_reject_share", self.max_reject_share)?;
        let (explore, watch) = (self.patrol.explore_share, self.patrol.watch_share);
        if self.effort.is_some() && explore + watch > 1.0 {
            return Err(Error::parameter(
                "explore_share",
                explore,
                format!("with --watch-share {watch} it leaves nothing to serve; keep the two at most 1"),
            ));
        }
        if let Some(dir) = &self.previous
            && !dir.is_dir()
        {
            return Err(Error::parameter(
                "previous",
                dir.display(),
                "is not a folder (an output folder of an earlier run)",
            ));
        }
        if self.task == (Task::Backtest { holdout_steps: Some(0) }) {
            return Err(Error::parameter("holdout_steps", 0, "must be at least 1"));
        }
        Ok(())
    }

    /// Whether each job writes into its own sub-folder (several jobs).
    pub fn job_folders(&self) -> bool {
        self.cube.jobs.len() > 1
    }

    /// The folder of job `name`'s outputs under `public/` and `internal/` (empty with one job).
    pub fn job_folder(&self, name: &str) -> PathBuf {
        if self.job_folders() { PathBuf::from(name) } else { PathBuf::new() }
    }

    /// District names, in layer order (empty without a layer).
    pub fn district_names(&self) -> Vec<String> {
        self.cube.districts.as_ref().map(|d| d.all().iter().map(|d| d.name.clone()).collect()).unwrap_or_default()
    }
}
