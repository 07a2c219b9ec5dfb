//! `hotspots validate`: reads and checks every row of the inputs and prints the row accounting,
//! writing the rejected rows when asked.

use anyhow::Result;
use hotspots_core::ingest::event::{Reject, RejectReason};
use hotspots_core::ingest::{Categories, DiscardRejects, InputSource, RejectSink, SeenIds, ValidBatch, read_input};
use hotspots_core::progress::Progress;
use hotspots_core::publish::rejects::RejectWriter;
use hotspots_core::space::Districts;

use crate::args::ValidateArgs;
use crate::config::ingest_options;
use crate::progress::TerminalProgress;

/// Runs `hotspots validate`.
pub fn validate(args: &ValidateArgs) -> Result<()> {
    let options = ingest_options(&args.columns, None, None)?;
    let progress = TerminalProgress::new(args.quiet);
    let mut writer = args.rejects.as_ref().map(RejectWriter::new);
    let (mut categories, mut ids, mut lines) = (Categories::default(), SeenIds::new(), Vec::new());
    let (mut read, mut valid) = (0u64, 0u64);
    let districts = match &args.districts {
        Some(p) if p.as_os_str() == "builtin" => Some(Districts::builtin()),
        Some(p) => Some(Districts::from_path(p)?),
        None => None,
    };
    for path in &args.inputs {
        let source = InputSource::File(path.clone());
        progress.begin(&source.name(), None);
        let target: &mut dyn RejectSink = match writer.as_mut() {
            Some(w) => w,
            None => &mut DiscardRejects,
        };
        let mut outside = 0u64;
        let mut sink = |valid: ValidBatch, rejected: Vec<Reject>, _: &Categories| {
            progress.advance((valid.events.len() + rejected.len()) as u64);
            if let Some(d) = &districts {
                outside += valid.events.iter().filter(|e| d.locate(e.lon, e.lat).is_none()).count() as u64;
            }
            target.push(rejected)
        };
        let counts = read_input(&source, &options, &mut categories, &mut ids, &mut sink);
        progress.end();
        let counts = counts?;
        read += counts.read;
        valid += counts.valid;
        let mut line = format!(
            "{}: read {} = accepted {} + rejected {}",
            source.name(),
            counts.read,
            counts.valid,
            counts.rejected()
        );
        let reasons: Vec<String> = RejectReason::ALL
            .iter()
            .filter(|r| counts.rejected_by_reason[r.index()] > 0)
            .map(|r| format!("{} {}", r.code(), counts.rejected_by_reason[r.index()]))
            .collect();
        if !reasons.is_empty() {
            line.push_str(&format!(" (rejected: {})", reasons.join(", ")));
        }
        if districts.is_some() {
            line.push_str(&format!("; of the accepted, {outside} outside the study area"));
        }
        lines.push(line);
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    for line in lines {
        println!("{line}");
    }
    if read > 0 && valid == 0 {
        anyhow::bail!("every row of the inputs was rejected ({read} rows; the reasons are above)");
    }
    Ok(())
}
