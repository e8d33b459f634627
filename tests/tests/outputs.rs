//! What every example produces, pinned as snapshots under
//! `tests/snapshots/outputs/`: its MIR, its generated Solidity project and
//! its simulated rows on both engines at small sizes. A change to lowering,
//! to either backend or to the simulator shows up here as a reviewed diff.
//!
//! Rows are pinned exactly without printing every one: each run's snapshot
//! holds a few sampled rows, the number of rows and an FNV-1a digest of the
//! whole CSV text, and likewise a digest of the final state.

use std::collections::BTreeSet;

use tok_tests::{Simulated, relative, root, tok_files};

/// Param settings that keep an example small enough for a test run.
fn small_settings(example: &str) -> &'static [(&'static str, &'static str)] {
    match example {
        "staking_economy" => &[("holders", "40"), ("days", "90")],
        _ => &[],
    }
}

/// Monte Carlo runs per sweep point in the row snapshots.
const RUNS: u64 = 2;

fn examples() -> Vec<(String, String)> {
    tok_files("examples")
        .iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (stem, std::fs::read_to_string(path).expect("UTF-8"))
        })
        .collect()
}

fn assert_output(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => root().join("tests/snapshots/outputs"), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

/// FNV-1a, 64 bits: a stable digest of a text, for pinning large outputs.
fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The rows of one run as CSV text (`step,column...`).
fn csv(rows: &[tok_world::Row]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let values = row
                .values
                .iter()
                .map(|value| tok_world::format_value(*value));
            std::iter::once(row.step.to_string())
                .chain(values)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// The printed rows: per run, the first two rows, one at each quarter and
/// the last, the row count, and digests of all rows and of the final state.
fn rows_text(simulated: &Simulated) -> String {
    let mut out = format!("columns: step,{}\n", simulated.columns.join(","));
    let mut finals = simulated.finals.iter();
    let mut stats = simulated.stats.iter();
    for (point, runs) in simulated.rows.iter().enumerate() {
        for (run, rows) in runs.iter().enumerate() {
            let lines = csv(rows);
            let last = lines.len().saturating_sub(1);
            let sampled: BTreeSet<usize> = [0, 1, last / 4, last / 2, 3 * last / 4, last]
                .into_iter()
                .filter(|index| *index < lines.len())
                .collect();
            out.push_str(&format!(
                "\n== point {point}, run {run}: {} rows, digest {}\n",
                lines.len(),
                digest(&lines.join("\n"))
            ));
            for index in sampled {
                out.push_str(&format!("{}\n", lines[index]));
            }
            if let Some(stats) = stats.next() {
                out.push_str(&format!("{stats:?}\n"));
            }
            if let Some(state) = finals.next() {
                out.push_str(&format!("final state digest {}\n", digest(state)));
            }
        }
    }
    out
}

/// Each example's rows: every engine agrees on every row, counter and final
/// state ([`tok_tests::simulate`] asserts it), and the rows are the pinned ones.
#[test]
fn every_example_simulates_to_its_snapshot() {
    let examples = examples();
    assert!(examples.len() >= 8, "found {} examples", examples.len());
    for (example, source) in &examples {
        let simulated = tok_tests::simulate(source, small_settings(example), Some(RUNS))
            .unwrap_or_else(|error| panic!("{example}: {error}"));
        assert_output(&format!("{example}__rows"), &rows_text(&simulated));
    }
}

/// Each example's MIR (`tok build --emit mir`) and generated Solidity
/// project, every file of it.
#[test]
fn every_example_lowers_to_its_snapshot() {
    for (example, source) in examples() {
        let db = tok_driver::Database::default();
        let file = tok_driver::SourceFile::new(&db, format!("{example}.tok"), source);
        assert!(tok_driver::diagnostics(&db, file).is_empty(), "{example}");
        let program = tok_driver::mir(&db, file)
            .as_ref()
            .unwrap_or_else(|errors| panic!("{example}: {errors:?}"));
        assert_output(&format!("{example}__mir"), &tok_mir::print(program));
        let project = tok_solidity::generate(program, &example, tok_driver::docs(&db, file))
            .unwrap_or_else(|errors| panic!("{example}: {errors:?}"));
        let files: String = (project.files.iter())
            .map(|(path, text)| format!("===== {path}\n{text}\n"))
            .collect();
        assert_output(&format!("{example}__solidity"), &files);
    }
}

/// Every snapshot under `tests/snapshots/outputs/` belongs to an example.
#[test]
fn no_orphan_output_snapshots() {
    let stems: BTreeSet<String> = examples().into_iter().map(|(stem, _)| stem).collect();
    let folder = root().join("tests/snapshots/outputs");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&folder)
        .expect("snapshot folder")
        .flatten()
    {
        let file = entry.file_name().to_string_lossy().into_owned();
        let example = file
            .strip_suffix(".snap")
            .and_then(|stem| stem.rsplit_once("__"))
            .map(|(example, _)| example.to_string());
        if !example.is_some_and(|example| stems.contains(&example)) {
            orphans.push(relative(&entry.path()));
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without an example: {orphans:?}"
    );
}
