//! Property tests (proptest) of invariants the nightly run relies on.

use proptest::prelude::*;

use crate::ingest::event::RejectReason;
use crate::ingest::{Categories, IngestOptions, InputSource, ValidBatch, read_input};

fn coordinate() -> impl Strategy<Value = String> {
    prop_oneof![
        (59.0f64..62.0).prop_map(|v| format!("{v:.5}")),
        Just(String::new()),
        Just("NaN".into()),
        Just("inf".into()),
        Just("95.5".into()),
        Just("-200".into()),
        Just("0".into()),
        Just("abc".into()),
    ]
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..28, 0u32..24).prop_map(|(d, h)| format!("2026-10-{d:02}T{h:02}:15:00Z")),
        (1u32..28).prop_map(|d| format!("2026-10-{d:02} 12:00")),
        Just(String::new()),
        Just("yesterday".into()),
        Just("2026-03-29T03:30:00".into()),
    ]
}

fn kind() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("encounter".to_string()),
        Just("concern".into()),
        Just(" Concern ".into()),
        Just("visit".into()),
        Just(String::new())
    ]
}

fn weight() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("1".into()),
        Just("0.5".into()),
        Just("-1".into()),
        Just("NaN".into()),
        Just("x".into())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every row is either valid or rejected with exactly one reason, and every reject points at a
    /// row of the file, for any mix of good and bad rows.
    #[test]
    fn every_row_is_accounted_for(rows in proptest::collection::vec((coordinate(), coordinate(), time(), kind(), weight()), 0..60)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let mut text = String::from("lat,lon,occurred_at,kind,weight\n");
        for (lat, lon, t, k, w) in &rows {
            text.push_str(&format!("{lat},{lon},{t},{k},{w}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let mut rejects = Vec::new();
        let mut valid = 0u64;
        let mut sink = |batch: ValidBatch, r: Vec<crate::ingest::event::Reject>, _: &Categories| {
            valid += batch.events.len() as u64;
            rejects.extend(r);
            Ok(())
        };
        let counts = read_input(
            &InputSource::File(path),
            &IngestOptions::new(chrono_tz::Europe::Helsinki),
            &mut Categories::default(),
            &mut crate::ingest::SeenIds::new(),
            &mut sink,
        )
        .unwrap();
        prop_assert_eq!(counts.read, rows.len() as u64);
        prop_assert_eq!(counts.valid + counts.rejected(), counts.read);
        prop_assert_eq!(counts.valid, valid);
        prop_assert_eq!(rejects.len() as u64, counts.rejected());
        for r in &rejects {
            prop_assert!(r.row >= 1 && r.row <= rows.len() as u64);
        }
        for reason in RejectReason::ALL {
            let n = rejects.iter().filter(|r| r.reason == reason).count() as u64;
            prop_assert_eq!(n, counts.rejected_by_reason[reason.index()]);
        }
    }
}
