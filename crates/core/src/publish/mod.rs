//! Publishing: every file a run writes is one type behind the [`Output`] trait, the way
//! ripgrep's printers sit behind one sink. The run collects one [`JobResults`] per job, and
//! [`publish_job`] renders each registered output that applies into the run's [`OutputSet`], so
//! they appear together or not at all; the list of files written (on the terminal and in
//! `summary.json`) is read back from that set, never kept by hand.
//!
//! Every output is for one [`Audience`]: `public/` (what may leave the office) or `internal/`
//! (exact figures, rejects with ids). The publishing policy ([`disclosure`]) is built once from
//! the run's small-count rule and handed to every output through [`Published`] for its audience:
//! an output never builds its own, and a file reaches `public/` only through this path.
//!
//! **Adding a layer** takes two places: a new file here with a type that implements [`Output`],
//! and one line in [`ANALYSIS_OUTPUTS`] (or [`BACKTEST_OUTPUTS`]) registering it.
//!
//! The rejects file is the one output that is streamed while the inputs are read
//! ([`rejects::RejectWriter`]); it joins the same set before anything is rendered.

mod backtest_json;
mod blind_spots_layer;
pub mod changes;
mod clusters_layer;
mod cube_parquet;
pub mod disclosure;
mod districts_layer;
mod geojson;
pub mod guard;
mod hotspots_layer;
pub mod lang;
pub mod output_set;
mod patrol_layer;
pub mod public_summary;
pub(crate) mod qgis_style;
pub mod rejects;
pub mod report;
pub mod small_counts;
pub mod summary;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tempfile::NamedTempFile;

use crate::cube::JobCube;
use crate::error::Result;
use crate::plan::{Backtest, PatrolParams, Plan};
use crate::space::Districts;
use crate::stats::{JobStats, Scope};

pub use changes::{Changes, PreviousRun};
pub use disclosure::{Audience, Disclosure};
pub use lang::Lang;
pub use output_set::{OutputSet, write_atomically, write_bytes_atomically};
pub use small_counts::SmallCounts;
pub use summary::{DistrictSummary, RunParameters, Summary};

/// What an output's `render` may fail with (an encoder's or the file system's error).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The Parquet writer settings every Parquet file of the project is written with (the cube and
/// the synthetic exports): zstd level 3, row groups of at most 2²⁰ rows, and `created_by`.
pub fn parquet_properties(created_by: String) -> parquet::file::properties::WriterProperties {
    use parquet::basic::{Compression, ZstdLevel};
    parquet::file::properties::WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("valid level")))
        .set_max_row_group_row_count(Some(1 << 20))
        .set_created_by(created_by)
        .build()
}

/// Everything one job's outputs may draw on.
pub struct JobResults<'a> {
    /// The job's cube, district tallies and profiles.
    pub job: &'a JobCube,
    /// Its statistics.
    pub stats: &'a JobStats,
    /// The district of each cube cell (layer order).
    pub cell_districts: &'a [Option<usize>],
    /// The districts layer, when the run has one.
    pub districts: Option<&'a Districts>,
    /// District names (layer order); empty without a layer.
    pub district_names: &'a [String],
    /// Per-district figures (layer order, then `(none)`).
    pub district_summaries: &'a [DistrictSummary],
    /// Each cell's nearest service (name, metres) when it is hot; `None` without services.
    pub cell_services: Option<&'a [Option<(String, f64)>]>,
    /// The plan.
    pub plan: &'a Plan,
    /// The forecast of the next bin.
    pub forecast: &'a crate::stats::forecast::Forecast,
    /// The plan's parameters.
    pub patrol: &'a PatrolParams,
    /// City or district scope.
    pub scope: Scope,
    /// The backtest, when one was run.
    pub backtest: Option<&'a Backtest>,
    /// The space-time scan, when one was run.
    pub scan: Option<&'a crate::stats::scan::ScanResult>,
    /// The job's summary, without its output hashes.
    pub summary: &'a Summary,
    /// What changed since the previous run in the folder.
    pub changes: &'a Changes,
    /// The language of the report and the layers' `label` fields.
    pub lang: Lang,
    /// Landmarks for orientation on the report's maps, when the run has them.
    pub landmarks: Option<&'a crate::space::Landmarks>,
    /// What is known of patrol effort, with an effort log.
    pub effort: Option<&'a crate::plan::effort::EffortView>,
    /// The Poisson-exposure Gi* of the job's encounters, with an effort log.
    pub exposure: Option<&'a crate::stats::exposure::ExposureGi>,
    /// The effort cube with its accounting and rejected rows, with an effort log.
    pub effort_log: Option<&'a crate::cube::effort::EffortCube>,
}

/// What an output renders from: the job's results, the publishing policy for the output's
/// audience, and the SHA-256 of every output already staged for this job (keyed by path under the
/// output folder).
pub struct Published<'a> {
    /// The job.
    pub results: &'a JobResults<'a>,
    /// The job's numbers under the policy of the output's audience, built once per audience.
    pub figures: &'a disclosure::Figures,
    /// Outputs staged before this one.
    pub staged: &'a BTreeMap<String, String>,
    /// Milliseconds spent writing so far (for `summary.json`'s timings).
    pub write_ms: u64,
}

/// One output file of a job.
pub trait Output: Sync {
    /// Its file name inside the job's folder.
    fn file_name(&self) -> &'static str;
    /// Who it is for: its folder (`public/` or `internal/`) and the policy it is rendered under.
    fn audience(&self) -> Audience;
    /// Whether the run produces it (e.g. `districts.geojson` needs a districts layer).
    fn applies(&self, _results: &JobResults<'_>) -> bool {
        true
    }
    /// Writes the whole file to `out`.
    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError>;
    /// Whether it reads [`Published::staged`] or [`Published::write_ms`] (the files written
    /// before it). Outputs that do not are rendered in parallel; these come after them, in order.
    fn reads_staged(&self) -> bool {
        false
    }
}

/// The outputs of `hotspots analyze`, in the order they are written: the internal `summary.json`
/// comes last, as it lists the SHA-256 of every other file; the public summary comes after the
/// public files it lists (the report builds the same public summary for itself).
pub static ANALYSIS_OUTPUTS: &[&dyn Output] = &[
    &cube_parquet::CubeParquet,
    &hotspots_layer::HotspotsLayer(Audience::Internal),
    &patrol_layer::PatrolLayer { gaps_only: false, audience: Audience::Internal },
    &patrol_layer::PatrolLayer { gaps_only: true, audience: Audience::Internal },
    &districts_layer::DistrictsLayer(Audience::Internal),
    &qgis_style::QgisStyle(qgis_style::Styled::Hotspots, Audience::Internal),
    &qgis_style::QgisStyle(qgis_style::Styled::PatrolAreas, Audience::Internal),
    &qgis_style::QgisStyle(qgis_style::Styled::Districts, Audience::Internal),
    &changes::ChangesLayer(Audience::Internal),
    &blind_spots_layer::BlindSpotsLayer(Audience::Internal),
    &blind_spots_layer::EffortRejects,
    &backtest_json::BacktestJson,
    &clusters_layer::ClustersLayer(Audience::Internal),
    &hotspots_layer::HotspotsLayer(Audience::Public),
    &patrol_layer::PatrolLayer { gaps_only: false, audience: Audience::Public },
    &patrol_layer::PatrolLayer { gaps_only: true, audience: Audience::Public },
    &qgis_style::QgisStyle(qgis_style::Styled::Hotspots, Audience::Public),
    &qgis_style::QgisStyle(qgis_style::Styled::PatrolAreas, Audience::Public),
    &qgis_style::QgisStyle(qgis_style::Styled::Districts, Audience::Public),
    &changes::ChangesLayer(Audience::Public),
    &blind_spots_layer::BlindSpotsLayer(Audience::Public),
    &districts_layer::DistrictsLayer(Audience::Public),
    &clusters_layer::ClustersLayer(Audience::Public),
    &report::ReportHtml,
    &public_summary::PublicSummaryJson,
    &summary::SummaryJson,
];

/// The outputs of `hotspots backtest`.
pub static BACKTEST_OUTPUTS: &[&dyn Output] = &[&backtest_json::BacktestJson];

/// Stages every output of `outputs` that applies to `results` in `set`: each under
/// `out_root/<audience>/job_folder/`, rendered under `small` for its audience; the public ones
/// only when `public` (see [`public_jobs`]); `started` is when writing began. Returns what it
/// staged, keyed by path under `out_root`.
#[allow(clippy::too_many_arguments)]
pub fn publish_job(
    set: &mut OutputSet,
    outputs: &[&dyn Output],
    results: &JobResults<'_>,
    small: SmallCounts,
    job_folder: &Path,
    out_root: &Path,
    public: bool,
    started: std::time::Instant,
) -> Result<Staged> {
    let key = |path: &Path| path.strip_prefix(out_root).unwrap_or(path).display().to_string();
    let dirs: Vec<PathBuf> =
        [Audience::Public, Audience::Internal].iter().map(|&a| output_path(out_root, a, job_folder, "")).collect();
    let mut staged = BTreeMap::new();
    for path in set.paths().into_iter().filter(|p| {
        p.parent().is_some_and(|parent| {
            dirs.iter().any(|d| d == parent) || parent == output_path(out_root, Audience::Internal, Path::new(""), "")
        })
    }) {
        if let Some(sha) = set.sha256(path)? {
            staged.insert(key(path), sha);
        }
    }
    // Each audience's figures once, for every output of that audience.
    let figures_of = |audience| disclosure::Figures::of(results, Disclosure::new(audience, small));
    let public_figures = public.then(|| figures_of(Audience::Public));
    let internal_figures = figures_of(Audience::Internal);
    let mut written = Vec::new();
    let applicable: Vec<&dyn Output> = outputs
        .iter()
        .copied()
        .filter(|o| o.applies(results) && (public || o.audience() == Audience::Internal))
        .collect();
    // The outputs before the first one that lists what was written are rendered in parallel and
    // staged in their order; the rest (the report and the summaries) one by one after them, so
    // each sees every file before it, as in a sequential run.
    let parallel = applicable.iter().position(|o| o.reads_staged()).unwrap_or(applicable.len());
    let render = |output: &dyn Output, staged: &BTreeMap<String, String>| -> Result<(PathBuf, NamedTempFile)> {
        let audience = output.audience();
        let path = output_path(out_root, audience, job_folder, output.file_name());
        let figures = match audience {
            Audience::Public => public_figures.as_ref().expect("public outputs only when public"),
            Audience::Internal => &internal_figures,
        };
        let view = Published { results, figures, staged, write_ms: started.elapsed().as_millis() as u64 };
        let temp = OutputSet::write_beside(&path, |file| {
            let mut buffered = std::io::BufWriter::new(file);
            output.render(&view, &mut buffered)?;
            buffered.flush()?;
            Ok(())
        })?;
        Ok((path, temp))
    };
    let rendered: Vec<Result<(PathBuf, NamedTempFile)>> =
        applicable[..parallel].par_iter().map(|&output| render(output, &staged)).collect();
    let mut stage = |set: &mut OutputSet, staged: &mut BTreeMap<String, String>, path: PathBuf, temp| -> Result<()> {
        set.add(temp, path.clone())?;
        if let Some(sha) = set.sha256(&path)? {
            staged.insert(key(&path), sha);
        }
        written.push(key(&path));
        Ok(())
    };
    for result in rendered {
        let (path, temp) = result?;
        stage(set, &mut staged, path, temp)?;
    }
    for &output in &applicable[parallel..] {
        let (path, temp) = render(output, &staged)?;
        stage(set, &mut staged, path, temp)?;
    }
    Ok(Staged { written, hashes: staged })
}

/// Which jobs of a run may be published: not one whose selection another job's strictly
/// contains (concern reports beside all events, a category beside its kind), since subtracting
/// one job's published counts from the other's would give the counts of what the smaller leaves
/// out, small ones included. Such a job is written to `internal/` only, with the reason (a
/// warning per job, in job order).
pub fn public_jobs(jobs: &[crate::cube::JobSpec]) -> (Vec<bool>, Vec<String>) {
    let mut warnings = Vec::new();
    let public = jobs
        .iter()
        .map(|b| match jobs.iter().find(|a| a.contains_strictly(b)) {
            Some(a) => {
                warnings.push(format!(
                    "job {} ({}) is not published: job {} ({}) holds all its events, and subtracting one \
                     from the other would give counts under the small-count threshold back; its files are in \
                     internal/ only (publish nested selections from separate, unpublished runs)",
                    b.name,
                    b.describe(),
                    a.name,
                    a.describe()
                ));
                false
            }
            None => true,
        })
        .collect();
    (public, warnings)
}

/// What [`publish_job`] staged for one job.
pub struct Staged {
    /// The files written, as paths under the output folder (`public/…`, `internal/…`), in order.
    pub written: Vec<String>,
    /// SHA-256 of every staged file of the job and of the run's rejects file, keyed by path
    /// under the output folder.
    pub hashes: BTreeMap<String, String>,
}

/// Where output `name` of job folder `job_folder` (empty with one job) goes for `audience`:
/// `out_root/<public|internal>/job_folder/name`. The one place the audience folders are named.
pub fn output_path(out_root: &Path, audience: Audience, job_folder: &Path, name: &str) -> PathBuf {
    let dir = out_root.join(audience.folder()).join(job_folder);
    if name.is_empty() { dir } else { dir.join(name) }
}

/// Output files of earlier runs in `out_dir` that this run does not write: in `public/`,
/// `internal/` and the output folder itself (where earlier versions wrote), and in their
/// sub-folders that hold a `summary.json` (earlier jobs). They go in the same commit, so the
/// folder holds exactly one run.
pub fn stale_outputs(out_dir: &Path, set: &OutputSet) -> Vec<PathBuf> {
    let names = output_names();
    let dirs = output_dirs(out_dir);
    let staged: Vec<&Path> = set.paths();
    let mut stale: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .filter(|p| p.is_file() && !staged.contains(&p.as_path()))
        .collect();
    stale.dedup();
    stale
}

/// The names of every file a run may write.
fn output_names() -> Vec<&'static str> {
    ANALYSIS_OUTPUTS.iter().map(|o| o.file_name()).chain(["rejects.parquet"]).collect()
}

/// What a run killed while writing into `out_dir` left beside the outputs: its temporary files
/// (`.NAME.XXXXXX.tmp`) and the earlier outputs it had moved aside (`.NAME.previous-PID`). The
/// next run that commits removes them.
pub fn leftovers(out_dir: &Path) -> Vec<PathBuf> {
    let names = output_names();
    let mut found = Vec::new();
    for dir in output_dirs(out_dir) {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            let Some(file) = path.file_name().and_then(|n| n.to_str()) else { continue };
            let left = names.iter().any(|n| {
                file.strip_prefix('.').and_then(|f| f.strip_prefix(n)).is_some_and(|rest| {
                    (rest.starts_with('.') && rest.ends_with(".tmp")) || rest.starts_with(".previous-")
                })
            });
            if left && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The folders a run writes into under `out_dir`: the top, `public/` and `internal/`, and their
/// job folders (those holding a `summary.json`).
fn output_dirs(out_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for base in
        [out_dir.to_path_buf(), out_dir.join(Audience::Public.folder()), out_dir.join(Audience::Internal.folder())]
    {
        if let Ok(entries) = std::fs::read_dir(&base) {
            let mut subs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && p.join("summary.json").is_file())
                .collect();
            subs.sort();
            dirs.push(base);
            dirs.extend(subs);
        }
    }
    dirs
}

/// Serialises `value` as JSON (pretty or compact) with a final newline.
pub(crate) fn write_json(
    out: &mut (dyn Write + Send),
    value: &impl serde::Serialize,
    pretty: bool,
) -> Result<(), BoxError> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outputs rendered in parallel are a prefix of the list: every output that lists the
    /// files before it (the report through the public summary, and the summary) comes after all
    /// the others, so it sees them all staged, as a sequential run would.
    #[test]
    fn the_outputs_that_list_others_come_last() {
        let first = ANALYSIS_OUTPUTS.iter().position(|o| o.reads_staged()).expect("the summaries read what was staged");
        assert!(ANALYSIS_OUTPUTS[first..].iter().all(|o| o.reads_staged()));
        let listing: Vec<(&str, Audience)> =
            ANALYSIS_OUTPUTS[first..].iter().map(|o| (o.file_name(), o.audience())).collect();
        assert_eq!(
            listing,
            [
                ("report.html", Audience::Public),
                ("summary.json", Audience::Public),
                ("summary.json", Audience::Internal)
            ]
        );
        assert!(!BACKTEST_OUTPUTS.iter().any(|o| o.reads_staged()));
    }
}
