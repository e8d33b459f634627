//! The `tok` binary end to end: exit codes, output formats, `fmt`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tok(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tok"))
        .args(args)
        .output()
        .expect("tok runs")
}

/// Asserts that `tok` exited 0, showing what it printed to stderr if not.
fn succeeded(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh directory for one test's files, removed with everything in it
/// when the test is done with it (passed or failed).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("tok-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }

    /// The path of file `name` in the directory.
    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .display()
        .to_string()
}

/// A file `name` holding `contents`, in a directory of its own (kept
/// while the directory is).
fn scratch(name: &str, contents: &[u8]) -> (Scratch, String) {
    let dir = Scratch::new(&format!("cli-{name}"));
    let path = dir.file(name);
    std::fs::write(&path, contents).expect("write scratch file");
    (dir, path)
}

#[test]
fn check_succeeds_on_examples() {
    let output = tok(&[
        "check",
        &repo("examples/staking_economy.tok"),
        &repo("examples/amm_pool.tok"),
    ]);
    succeeded(&output);
}

#[test]
fn check_reports_problems_with_exit_1() {
    let (_dir, file) = scratch(
        "bad.tok",
        b"token EMB {\n    decimals: 18\n}\nparam fee: EMB = 5\n",
    );
    let output = tok(&["check", &file]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E0204"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour when not a terminal: {stderr}"
    );
}

#[test]
fn json_diagnostics_are_machine_readable() {
    let (_dir, file) = scratch("json.tok", b"param x: unit = 1\n");
    let output = tok(&["check", "--format", "json", &file]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let first = &value[0];
    assert_eq!(first["code"], "E0103");
    assert_eq!(first["line"], 1);
    assert_eq!(first["column"], 10);
    assert_eq!(first["primary"]["span"]["start"], 9);
    assert_eq!(first["help"], "did you mean `uint`?");
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_a_crash() {
    let (_dir, file) = scratch("binary.tok", &[0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, 0x01]);
    let output = tok(&["check", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0001"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tok(&["check"]).status.code(), Some(2));
    assert_eq!(tok(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        tok(&["check", "/nonexistent/file.tok"]).status.code(),
        Some(2)
    );
}

#[test]
fn fmt_check_and_rewrite() {
    let (_messy_dir, messy) = scratch("messy.tok", b"param   x :uint=1\n");
    let check = tok(&["fmt", "--check", &messy]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&messy).expect("unchanged"),
        "param   x :uint=1\n"
    );
    assert_eq!(tok(&["fmt", &messy]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&messy).expect("rewritten"),
        "param x: uint = 1\n"
    );
    assert_eq!(tok(&["fmt", "--check", &messy]).status.code(), Some(0));
    let (_broken_dir, broken) = scratch("broken.tok", b"mechanism {\n");
    assert_eq!(tok(&["fmt", &broken]).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&broken).expect("untouched"),
        "mechanism {\n",
        "never rewrite a broken file"
    );
}

#[test]
fn build_emits_ast_and_hir() {
    let file = repo("examples/transfer_tax.tok");
    let ast = tok(&["build", &file, "--emit", "ast"]);
    assert_eq!(ast.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ast.stdout).contains("Mechanism("));
    let hir = tok(&["build", &file, "--emit", "hir"]);
    assert_eq!(hir.status.code(), Some(0));
    let text = String::from_utf8_lossy(&hir.stdout);
    // 3% as a WAD ratio, the fee going to the buyback contract.
    assert!(
        text.contains("transfer_fee param tax:ratio to address-of Buyback:address"),
        "{text}"
    );
    assert!(
        text.contains("param tax: ratio = 30000000000000000:ratio"),
        "{text}"
    );
}

#[test]
fn codes_lists_the_registry() {
    let output = tok(&["codes"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.lines().count() >= 50);
    assert!(text.contains("E0201"));
}

#[test]
fn sim_writes_csv_and_applies_settings() {
    let dir = Scratch::new("sim");
    let out = dir.join("rows.csv");
    let output = tok(&[
        "sim",
        &repo("examples/staking_economy.tok"),
        "--runs",
        "2",
        "--param",
        "holders=100",
        "--param",
        "days=100",
        "--out",
        &out.display().to_string(),
    ]);
    succeeded(&output);
    let csv = std::fs::read_to_string(&out).expect("CSV written");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "run,step,supply,staked,burned");
    assert_eq!(lines.len(), 1 + 2 * 101);
    // The reference binary's row for N=100, T=100, run 0.
    assert!(lines.contains(
        &"0,100,1009017618313607153661509654,351998209154368108273586705,982381686392846338486196"
    ));
}

#[test]
fn sim_rejects_bad_settings() {
    let file = repo("examples/staking_economy.tok");
    let unknown = tok(&["sim", &file, "--param", "holdres=5"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `holders`"));
    let mistyped = tok(&["sim", &file, "--param", "holders=5 STK"]);
    assert_eq!(mistyped.status.code(), Some(2));
    let scenario = tok(&["sim", &file, "--scenario", "nope"]);
    assert_eq!(scenario.status.code(), Some(2));
}

#[test]
fn sim_reports_a_stopped_run() {
    let (_dir, file) = scratch(
        "stops.tok",
        b"mechanism M {\n    state {\n        n: uint\n    }\n    action poke() {\n        n += 1\n    }\n    invariant n < 2 else \"too many\"\n}\n\nscenario s {\n    steps: 5\n    agents a[1] {\n        each step {\n            M.poke()\n        }\n    }\n    record n = M.n\n}\n",
    );
    let output = tok(&["sim", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("too many"));
}

#[test]
fn build_emits_mir() {
    let output = tok(&[
        "build",
        &repo("examples/staking_economy.tok"),
        "--emit",
        "mir",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("(MulDiv l0:emission load m0.f0:staked[l3:who] l1:before)"),
        "{text}"
    );
}

fn sim_to(dir: &Scratch, name: &str, extra: &[&str]) -> String {
    let path = dir.file(name);
    let mut args = vec![
        "sim",
        "examples/staking_economy.tok",
        "--runs",
        "5",
        "--param",
        "holders=40",
        "--param",
        "days=30",
        "--out",
        &path,
    ];
    args.extend_from_slice(extra);
    let repo_root = repo("");
    let output = Command::new(env!("CARGO_BIN_EXE_tok"))
        .current_dir(&repo_root)
        .args(&args)
        .output()
        .expect("tok runs");
    succeeded(&output);
    path
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = Scratch::new("threads");
    let one = sim_to(&dir, "one.csv", &["--threads", "1"]);
    let three = sim_to(&dir, "three.csv", &["--threads", "3"]);
    assert_eq!(
        std::fs::read(one).expect("written"),
        std::fs::read(three).expect("written")
    );
}

#[test]
fn shards_merge_back_into_the_whole() {
    let dir = Scratch::new("shards");
    let whole = sim_to(&dir, "whole.csv", &[]);
    let shards: Vec<String> = (0..3)
        .map(|i| {
            sim_to(
                &dir,
                &format!("part{i}.csv"),
                &["--shard", &format!("{i}/3")],
            )
        })
        .collect();
    let merged = dir.file("merged.csv");
    // Order of the shard files does not matter.
    let output = tok(&[
        "merge", &shards[2], &shards[0], &shards[1], "--out", &merged,
    ]);
    succeeded(&output);
    assert_eq!(
        std::fs::read_to_string(&merged).expect("merged"),
        std::fs::read_to_string(whole).expect("whole")
    );
    // A Parquet shard holds the CSV shard's runs, by their index in the
    // whole batch; `tok merge` refuses it, saying so.
    let table = sim_to(&dir, "part1.parquet", &["--shard", "1/3"]);
    let runs_of_csv: std::collections::BTreeSet<String> = std::fs::read_to_string(&shards[1])
        .expect("a shard")
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap_or_default().to_string())
        .collect();
    let runs_of_table: std::collections::BTreeSet<String> = {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::RowAccessor;
        let reader = SerializedFileReader::new(std::fs::File::open(&table).expect("written"))
            .expect("a Parquet file");
        reader
            .get_row_iter(None)
            .expect("rows")
            .map(|row| row.expect("a row").get_long(0).expect("run").to_string())
            .collect()
    };
    assert_eq!(runs_of_table, runs_of_csv);
    assert_eq!(runs_of_csv.len(), 2, "runs 1 and 4 of 5: {runs_of_csv:?}");
    let output = tok(&["merge", &table, &shards[0], "--out", &merged]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is Parquet"));
    assert_eq!(
        tok(&[
            "sim",
            &repo("examples/staking_economy.tok"),
            "--shard",
            "3/3"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn summary_statistics_across_runs() {
    let dir = Scratch::new("summary");
    let summary = dir.join("summary.json").display().to_string();
    let csv = sim_to(
        &dir,
        "rows.csv",
        &["--summary", &summary, "--summary-steps", "0,30"],
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(summary).expect("summary written"))
            .expect("JSON");
    let finals: Vec<f64> = std::fs::read_to_string(csv)
        .expect("rows")
        .lines()
        .filter(|line| line.split(',').nth(1) == Some("30"))
        .map(|line| {
            line.split(',')
                .nth(2)
                .expect("supply")
                .parse::<f64>()
                .expect("number")
        })
        .collect();
    assert_eq!(finals.len(), 5);
    let steps = &json["points"][0]["steps"];
    assert_eq!(steps.as_array().map(Vec::len), Some(2));
    let supply = &steps[1]["supply"];
    assert_eq!(steps[1]["step"], 30);
    assert_eq!(supply["runs"], 5);
    let mean = finals.iter().sum::<f64>() / 5.0;
    assert!((supply["mean"].as_f64().expect("mean") - mean).abs() <= mean * 1e-12);
    let mut sorted = finals.clone();
    sorted.sort_by(f64::total_cmp);
    // serde_json reads floats back to within an ulp.
    let close = |field: &str, expected: f64| {
        let found = supply[field].as_f64().expect("number");
        assert!(
            (found - expected).abs() <= expected * 1e-15,
            "{field}: {found} vs {expected}"
        );
    };
    close("min", sorted[0]);
    close("p50", sorted[2]);
    close("max", sorted[4]);
}

#[test]
fn plot_charts_bands_per_sweep_point() {
    let dir = Scratch::new("plot");
    let rows = dir.join("rows.csv").display().to_string();
    let output = tok(&[
        "sim",
        &repo("examples/transfer_tax.tok"),
        "--runs",
        "3",
        "--out",
        &rows,
    ]);
    succeeded(&output);
    let chart = dir.join("chart.svg").display().to_string();
    assert_eq!(plot(&rows, "burned", &chart), Some(0));
    let svg = std::fs::read_to_string(&chart).expect("chart written");
    assert!(svg.starts_with("<svg"));
    // Three sweep points: three bands, three medians, three legend entries.
    assert_eq!(svg.matches("<polygon").count(), 3);
    assert_eq!(svg.matches("<polyline").count(), 3);
    assert!(svg.contains("tax=50000000000000000"));
    // The same rows give the same bytes.
    let again = dir.join("again.svg").display().to_string();
    assert_eq!(plot(&rows, "burned", &again), Some(0));
    assert_eq!(std::fs::read(&again).expect("written"), svg.into_bytes());
    assert_eq!(plot(&rows, "nope", &again), Some(2));
}

/// The exit status of `tok plot` charting `column` of `rows` to `out`.
fn plot(rows: &str, column: &str, out: &str) -> Option<i32> {
    tok(&["plot", rows, "--column", column, "--out", out])
        .status
        .code()
}

/// Three runs of the transfer-tax example written to `rows`, with the
/// chart of their `burned` column drawn to `chart` by `tok sim --plot`.
fn simulate_and_plot(rows: &str, chart: &str) {
    let output = tok(&[
        "sim",
        &repo("examples/transfer_tax.tok"),
        "--runs",
        "3",
        "--out",
        rows,
        "--plot",
        chart,
        "--plot-column",
        "burned",
    ]);
    succeeded(&output);
}

/// A chart drawn from Parquet rows is the chart of the same rows as CSV,
/// byte for byte, and `tok sim --plot` draws one from its Parquet output.
#[test]
fn plot_reads_parquet_rows() {
    let dir = Scratch::new("plot-parquet");
    let mut charts = Vec::new();
    for rows in ["rows.csv", "rows.parquet"] {
        let rows = dir.join(rows).display().to_string();
        let chart = format!("{rows}.svg");
        simulate_and_plot(&rows, &chart);
        let again = format!("{rows}.again.svg");
        assert_eq!(plot(&rows, "burned", &again), Some(0));
        let svg = std::fs::read(&chart).expect("chart written");
        assert_eq!(std::fs::read(&again).expect("written"), svg);
        charts.push(svg);
    }
    assert_eq!(charts[0], charts[1]);
    let svg = String::from_utf8(charts.pop().expect("a chart")).expect("text");
    assert_eq!(svg.matches("<polyline").count(), 3);
    assert!(svg.contains("tax=50000000000000000"));
}

/// Parquet carries the CSV's rows: the same point, params, run and step,
/// the exact integers as text and their nearest doubles, across more than
/// one row group (9 sweep points x 2 runs x 3651 steps > 65,536 rows).
#[test]
fn parquet_rows_match_the_csv() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let dir = Scratch::new("parquet");
    let csv = dir.join("rows.csv").display().to_string();
    let table = dir.join("rows.parquet").display().to_string();
    for out in [&csv, &table] {
        let output = tok(&[
            "sim",
            &repo("examples/emission_halving.tok"),
            "--runs",
            "2",
            "--out",
            out,
        ]);
        succeeded(&output);
    }
    let text = std::fs::read_to_string(&csv).expect("written");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let reader = SerializedFileReader::new(std::fs::File::open(&table).expect("written"))
        .expect("a Parquet file");
    assert!(reader.metadata().num_row_groups() > 1);
    let mut count = 0;
    for (row, line) in reader.get_row_iter(None).expect("rows").zip(lines.by_ref()) {
        let row = row.expect("a row");
        let fields: std::collections::BTreeMap<&str, &Field> = row
            .get_column_iter()
            .map(|(name, field)| (name.as_str(), field))
            .collect();
        for (name, cell) in header.iter().zip(line.split(',')) {
            match (
                fields.get(name),
                fields.get(format!("{name}_exact").as_str()),
            ) {
                (Some(Field::Long(n)), None) => assert_eq!(n.to_string(), cell, "{name}"),
                (Some(Field::Str(s)), None) => assert_eq!(s, cell, "{name}"),
                (Some(Field::Double(d)), Some(Field::Str(exact))) => {
                    assert_eq!(exact, cell, "{name}");
                    let expected: f64 = cell.parse().expect("a number");
                    assert!((d - expected).abs() <= expected.abs() * 1e-15, "{name}");
                }
                other => panic!("column {name}: {other:?}"),
            }
        }
        count += 1;
    }
    assert_eq!(lines.next(), None, "the Parquet file has fewer rows");
    assert_eq!(count, 9 * 2 * 3651);
}

/// PNG charts: a real PNG of the chart's size, the same bytes for the same
/// rows, and `tok sim --plot` writes one next to its CSV.
#[test]
fn plot_writes_png() {
    let dir = Scratch::new("png");
    let rows = dir.join("rows.csv").display().to_string();
    let chart = dir.join("chart.png").display().to_string();
    simulate_and_plot(&rows, &chart);
    let png = std::fs::read(&chart).expect("chart written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(
        u32::from_be_bytes(png[16..20].try_into().expect("width")),
        900
    );
    assert_eq!(
        u32::from_be_bytes(png[20..24].try_into().expect("height")),
        520
    );
    let again = dir.join("again.png").display().to_string();
    assert_eq!(plot(&rows, "burned", &again), Some(0));
    assert_eq!(std::fs::read(&again).expect("written"), png);
    // A different column draws a different picture.
    assert_eq!(plot(&rows, "supply", &again), Some(0));
    assert_ne!(std::fs::read(&again).expect("written"), png);
}

#[test]
fn explain_prints_markdown_or_the_problems() {
    let output = tok(&["explain", &repo("examples/transfer_tax.tok")]);
    succeeded(&output);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("# What `transfer_tax.tok` does"), "{text}");
    assert!(text.contains("## Risks the compiler can see"), "{text}");
    let (_dir, bad) = scratch("explain-bad", b"param x: uint = y\n");
    let output = tok(&["explain", &bad]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0100"));
}
