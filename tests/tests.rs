//! End-to-end tests of the `hotspots` command line on real files. One test binary (each extra
//! one relinks the Parquet stack); the modules below group the tests by what they guard.

mod harness;

mod analyze_cube;
mod bad_inputs;
mod determinism;
mod disclosure;
mod effort;
mod fuzz_corpus;
mod input_formats;
mod layers;
mod nightly;
mod partial_cube;
mod patrol;
mod report;
mod statistics;
mod validate_and_synth;
