//! `tok sim` and `tok merge`: run every (sweep point, run) pair, in
//! parallel but written in a fixed order, stream CSV rows, and summarise
//! across runs.
//!
//! Work items are numbered `k = point * runs + run`. `--shard i/n` keeps the
//! items with `k % n == i`, so `n` machines running the `n` shards cover
//! everything exactly once, and `tok merge` interleaves their files back
//! into the order one machine would have written. Results do not depend on
//! the number of threads: each run is independent and deterministic, and
//! output is written in item order.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use tok_driver::{Database, SourceFile};
use tok_world::state::Value;
use tok_world::{Row, Simulation, SimulationError, format_value};

use crate::parquet_out::ParquetRows;
use crate::{EXIT_PROBLEMS, EXIT_USAGE, Engine, Format, checked, report};

/// Options of `tok sim` beyond the file.
pub struct SimOptions<'a> {
    pub engine: Engine,
    pub scenario: Option<&'a str>,
    pub runs: Option<u64>,
    pub params: &'a [String],
    pub out: Option<&'a Path>,
    pub threads: Option<usize>,
    pub shard: Option<&'a str>,
    pub summary: Option<&'a Path>,
    pub summary_steps: Option<&'a str>,
    pub plot: Option<&'a Path>,
    pub plot_column: Option<&'a str>,
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

pub fn run(path: &Path, options: &SimOptions<'_>) -> ExitCode {
    let (db, file) = match checked(path, Format::Text) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let program = match crate::lowered(&db, file, Format::Text) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let settings = match settings(&db, file, program, options.params) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let mut simulation = match Simulation::new(
        program,
        options.scenario,
        settings,
        &tok_interp::Interpreter,
    ) {
        Ok(simulation) => simulation,
        Err(error) => return fail(EXIT_USAGE, error),
    };
    let jit = match options.engine {
        Engine::Jit => match tok_jit::Jit::compile(program) {
            Ok(jit) => Some(jit),
            Err(error) => return fail(EXIT_PROBLEMS, error),
        },
        Engine::Interp => None,
    };
    simulation.engine = jit.as_ref().map(|jit| jit as &dyn tok_world::Engine);
    let runs = match options.runs.map_or_else(|| simulation.runs(), Ok) {
        Ok(runs) => runs,
        Err(error) => return fail(EXIT_PROBLEMS, error),
    };
    let shard = match options.shard.map(parse_shard).transpose() {
        Ok(shard) => shard,
        Err(message) => return fail(EXIT_USAGE, message),
    };
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(error) => return fail(EXIT_USAGE, error),
    };
    let parquet = options.out.is_some_and(crate::parquet_out::is_parquet);
    let file = match options.out.map(std::fs::File::create).transpose() {
        Ok(file) => file,
        Err(error) => {
            let out = options
                .out
                .map(|o| o.display().to_string())
                .unwrap_or_default();
            return fail(EXIT_USAGE, format!("cannot write `{out}`: {error}"));
        }
    };
    let swept = simulation.swept_params();
    // Parquet rows, or the CSV's destination.
    let (mut parquet_rows, sink): (Option<ParquetRows>, Box<dyn Write>) = match (parquet, file) {
        (true, Some(file)) => {
            let columns: Vec<(&str, tok_mir::Repr)> = simulation
                .scenario()
                .records
                .iter()
                .map(|r| (r.name.as_str(), r.value.repr))
                .collect();
            match ParquetRows::create(file, &swept, &columns) {
                Ok(rows) => (Some(rows), Box::new(std::io::sink())),
                Err(message) => return fail(EXIT_USAGE, message),
            }
        }
        (_, Some(file)) => (None, Box::new(file)),
        (_, None) => (None, Box::new(std::io::stdout().lock())),
    };
    let mut writer = BufWriter::new(sink);
    let mut header: Vec<String> = Vec::new();
    if !swept.is_empty() {
        header.push("point".to_string());
        header.extend(swept.iter().map(|name| name.to_string()));
    }
    header.extend(["run".to_string(), "step".to_string()]);
    let columns: Vec<String> = simulation
        .columns()
        .iter()
        .map(|name| name.to_string())
        .collect();
    header.extend(columns.iter().cloned());
    let mut failed = parquet_rows.is_none() && writeln!(writer, "{}", header.join(",")).is_err();

    let items: Vec<(usize, u64)> = (0..simulation.points())
        .flat_map(|point| (0..runs).map(move |run| (point, run)))
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|(i, n)| *k as u64 % n == i))
        .map(|(_, item)| item)
        .collect();
    let steps = simulation.steps().unwrap_or(0);
    let summary_steps = match options
        .summary_steps
        .map(|text| parse_steps(text, steps))
        .transpose()
    {
        Ok(chosen) => chosen.unwrap_or_else(|| default_summary_steps(steps)),
        Err(message) => return fail(EXIT_USAGE, message),
    };
    let mut summary = Summary::new(columns.clone(), summary_steps);
    let progress = progress_bar(items.len() as u64);
    // A few items per thread at a time: memory stays bounded by the chunk,
    // whatever the number of runs.
    for chunk in items.chunks(threads * 2) {
        let results: Vec<Result<Vec<Row>, SimulationError>> = pool.install(|| {
            chunk
                .par_iter()
                .map(|(point, run)| {
                    let mut rows = Vec::new();
                    simulation
                        .run(*point, *run, &mut |row| rows.push(row))
                        .map(|_| rows)
                })
                .collect()
        });
        for ((point, _), result) in chunk.iter().zip(results) {
            let rows = match result {
                Ok(rows) => rows,
                Err(error) => {
                    let _ = writer.flush();
                    progress.abandon();
                    return fail(EXIT_PROBLEMS, error);
                }
            };
            let prefix: Vec<String> = if swept.is_empty() {
                Vec::new()
            } else {
                std::iter::once(point.to_string())
                    .chain(simulation.point_values(*point))
                    .collect()
            };
            for row in rows {
                summary.add(*point, row.step, row.values.iter().map(|v| v.map(to_f64)));
                if let Some(parquet) = parquet_rows.as_mut() {
                    let swept_values = prefix.get(1..).unwrap_or_default();
                    let point = (!swept.is_empty()).then_some((*point, swept_values));
                    if let Err(message) = parquet.row(point, row.run, row.step, &row.values) {
                        return fail(EXIT_USAGE, message);
                    }
                    continue;
                }
                let mut fields = prefix.clone();
                fields.push(row.run.to_string());
                fields.push(row.step.to_string());
                fields.extend(row.values.into_iter().map(format_value));
                failed |= writeln!(writer, "{}", fields.join(",")).is_err();
            }
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    if failed || writer.flush().is_err() {
        return fail(EXIT_USAGE, "could not write the results");
    }
    if let Some(parquet) = parquet_rows
        && let Err(message) = parquet.finish()
    {
        return fail(EXIT_USAGE, message);
    }
    if let (Some(chart), Some(rows)) = (options.plot, options.out) {
        let column = options
            .plot_column
            .or_else(|| columns.first().map(String::as_str))
            .unwrap_or_default();
        let code = crate::plot::plot(rows, column, chart);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    if let Some(path) = options.summary {
        let point_params: Vec<BTreeMap<String, String>> = (0..simulation.points())
            .map(|point| {
                swept
                    .iter()
                    .map(|s| s.to_string())
                    .zip(simulation.point_values(point))
                    .collect()
            })
            .collect();
        let json = summary.to_json(&simulation.scenario().name, &point_params);
        if let Err(error) = std::fs::write(path, json) {
            return fail(
                EXIT_USAGE,
                format!("cannot write `{}`: {error}", path.display()),
            );
        }
    }
    ExitCode::SUCCESS
}

fn to_f64(value: Value) -> f64 {
    match value {
        Value::Int(v) => tok_world::to_f64(v),
        Value::Float(v) => v,
        Value::Bool(v) => f64::from(u8::from(v)),
        Value::Address(a) | Value::Str(a) => f64::from(a),
    }
}

fn progress_bar(items: u64) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(items);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} runs ({eta} left)",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// `i/n` with `i < n`.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((i, n)) if n > 0 && i < n => Ok((i, n)),
        _ => Err(format!(
            "`--shard {text}`: expected I/N with 0 <= I < N, e.g. `--shard 0/4`"
        )),
    }
}

/// `all`, or a comma-separated list of steps.
fn parse_steps(text: &str, steps: u64) -> Result<Vec<u64>, String> {
    if text.trim() == "all" {
        return Ok((0..=steps).collect());
    }
    let mut chosen: Vec<u64> = text
        .split(',')
        .map(|part| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| format!("`--summary-steps {text}`: `{part}` is not a step"))
        })
        .collect::<Result<_, _>>()?;
    chosen.sort_unstable();
    chosen.dedup();
    Ok(chosen)
}

/// Step 0, every tenth of the run, and the last step.
fn default_summary_steps(steps: u64) -> Vec<u64> {
    let mut chosen: Vec<u64> = (0..=10).map(|tenth| steps * tenth / 10).collect();
    chosen.dedup();
    chosen
}

/// Statistics across runs at chosen steps, per sweep point and column.
pub struct Summary {
    columns: Vec<String>,
    steps: Vec<u64>,
    /// (point, step) -> per column, the values of every run.
    values: BTreeMap<(usize, u64), Vec<Vec<f64>>>,
}

impl Summary {
    pub fn new(columns: Vec<String>, steps: Vec<u64>) -> Summary {
        Summary {
            columns,
            steps,
            values: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, point: usize, step: u64, values: impl Iterator<Item = Option<f64>>) {
        if self.steps.binary_search(&step).is_err() {
            return;
        }
        let count = self.columns.len();
        let entry = self
            .values
            .entry((point, step))
            .or_insert_with(|| vec![Vec::new(); count]);
        for (column, value) in entry.iter_mut().zip(values) {
            if let Some(value) = value {
                column.push(value);
            }
        }
    }

    /// `{"scenario", "columns", "points": [{"point", "params", "steps": [{"step", "<column>": {"runs", "mean", "min", "p5", "p50", "p95", "max"}}]}]}`
    pub fn to_json(&self, scenario: &str, point_params: &[BTreeMap<String, String>]) -> String {
        let mut points: BTreeMap<usize, Vec<serde_json::Value>> = BTreeMap::new();
        for ((point, step), columns) in &self.values {
            let mut object = serde_json::Map::new();
            object.insert("step".to_string(), serde_json::json!(step));
            for (name, values) in self.columns.iter().zip(columns) {
                object.insert(name.clone(), statistics(values));
            }
            points
                .entry(*point)
                .or_default()
                .push(serde_json::Value::Object(object));
        }
        let points: Vec<serde_json::Value> = points
            .into_iter()
            .map(|(point, steps)| {
                serde_json::json!({
                    "point": point,
                    "params": point_params.get(point).cloned().unwrap_or_default(),
                    "steps": steps,
                })
            })
            .collect();
        let document =
            serde_json::json!({ "scenario": scenario, "columns": self.columns, "points": points });
        serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
    }
}

/// Mean, extremes and percentiles (linear interpolation between the
/// closest ranks, as NumPy's default).
fn statistics(values: &[f64]) -> serde_json::Value {
    if values.is_empty() {
        return serde_json::json!({ "runs": 0 });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        let rank = p * (sorted.len() - 1) as f64;
        let low = rank.floor() as usize;
        let high = rank.ceil() as usize;
        sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
    };
    serde_json::json!({
        "runs": sorted.len(),
        "mean": sorted.iter().sum::<f64>() / sorted.len() as f64,
        "min": sorted[0],
        "p5": percentile(0.05),
        "p50": percentile(0.5),
        "p95": percentile(0.95),
        "max": sorted[sorted.len() - 1],
    })
}

/// `tok merge`: interleaves shard CSVs back into item order (a streaming
/// k-way merge on `point, run, step`), optionally summarising.
pub fn merge(
    out: &Path,
    shards: &[PathBuf],
    summary: Option<&Path>,
    summary_steps: Option<&str>,
) -> ExitCode {
    let mut readers = Vec::new();
    let mut header: Option<String> = None;
    for path in shards {
        if crate::parquet_out::is_parquet(path) {
            return fail(
                EXIT_USAGE,
                format!(
                    "`{}` is Parquet: `tok merge` joins CSV shards (`--out shard-I.csv`); \
                     Parquet shards need no merge, their rows carry their sweep point and \
                     run, so a data frame library reads them as one table",
                    path.display()
                ),
            );
        }
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) => {
                return fail(
                    EXIT_USAGE,
                    format!("cannot read `{}`: {error}", path.display()),
                );
            }
        };
        let mut lines = BufReader::new(file).lines();
        let first = match lines.next() {
            Some(Ok(line)) => line,
            _ => return fail(EXIT_USAGE, format!("`{}` is empty", path.display())),
        };
        match &header {
            Some(existing) if *existing != first => {
                return fail(
                    EXIT_USAGE,
                    format!(
                        "`{}` has a different header: not a shard of the same simulation",
                        path.display()
                    ),
                );
            }
            _ => header = Some(first),
        }
        readers.push(lines);
    }
    let Some(header) = header else {
        return fail(EXIT_USAGE, "no shard files given");
    };
    let names: Vec<&str> = header.split(',').collect();
    let has_point = names.first() == Some(&"point");
    let (Some(run_index), Some(step_index)) = (
        names.iter().position(|n| *n == "run"),
        names.iter().position(|n| *n == "step"),
    ) else {
        return fail(
            EXIT_USAGE,
            "the files are not `tok sim` output (no run and step columns)",
        );
    };
    let columns: Vec<String> = names[step_index + 1..]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let key = |line: &str| -> Option<(u64, u64, u64)> {
        let fields: Vec<&str> = line.split(',').collect();
        let point = if has_point {
            fields.first()?.parse().ok()?
        } else {
            0
        };
        Some((
            point,
            fields.get(run_index)?.parse().ok()?,
            fields.get(step_index)?.parse().ok()?,
        ))
    };
    let mut heads: Vec<Option<(u64, u64, u64, String)>> = Vec::new();
    for reader in &mut readers {
        heads.push(next_line(reader, &key));
    }
    let file = match std::fs::File::create(out) {
        Ok(file) => file,
        Err(error) => {
            return fail(
                EXIT_USAGE,
                format!("cannot write `{}`: {error}", out.display()),
            );
        }
    };
    let mut writer = BufWriter::new(file);
    let mut failed = writeln!(writer, "{header}").is_err();
    let mut steps_seen = 0;
    let mut rows: Vec<(usize, u64, Vec<Option<f64>>)> = Vec::new();
    // The smallest head next: shards are each in item order.
    let smallest = |heads: &[Option<(u64, u64, u64, String)>]| {
        heads
            .iter()
            .enumerate()
            .filter_map(|(i, head)| head.as_ref().map(|(p, r, s, _)| ((*p, *r, *s), i)))
            .min()
            .map(|(_, i)| i)
    };
    while let Some(index) = smallest(&heads) {
        let Some((point, _, step, line)) = heads[index].take() else {
            break;
        };
        failed |= writeln!(writer, "{line}").is_err();
        if summary.is_some() {
            steps_seen = steps_seen.max(step);
            let values = line
                .split(',')
                .skip(step_index + 1)
                .map(|field| field.parse::<f64>().ok())
                .collect();
            rows.push((point as usize, step, values));
        }
        heads[index] = next_line(&mut readers[index], &key);
    }
    if failed || writer.flush().is_err() {
        return fail(EXIT_USAGE, "could not write the merged file");
    }
    if let Some(path) = summary {
        let chosen = match summary_steps
            .map(|text| parse_steps(text, steps_seen))
            .transpose()
        {
            Ok(chosen) => chosen.unwrap_or_else(|| default_summary_steps(steps_seen)),
            Err(message) => return fail(EXIT_USAGE, message),
        };
        let mut summary = Summary::new(columns, chosen);
        for (point, step, values) in rows {
            summary.add(point, step, values.into_iter());
        }
        if let Err(error) = std::fs::write(path, summary.to_json("merged", &[])) {
            return fail(
                EXIT_USAGE,
                format!("cannot write `{}`: {error}", path.display()),
            );
        }
    }
    ExitCode::SUCCESS
}

fn next_line(
    reader: &mut std::io::Lines<BufReader<std::fs::File>>,
    key: &impl Fn(&str) -> Option<(u64, u64, u64)>,
) -> Option<(u64, u64, u64, String)> {
    let line = reader.next()?.ok()?;
    let (point, run, step) = key(&line)?;
    Some((point, run, step, line))
}

/// The `--param NAME=VALUE` settings, checked and lowered by the driver;
/// every problem is reported, each against its setting's text.
fn settings(
    db: &Database,
    file: SourceFile,
    program: &tok_mir::Program,
    params: &[String],
) -> Result<Vec<(tok_mir::ParamId, tok_mir::Expr)>, ExitCode> {
    tok_driver::settings(db, file, program, params).map_err(|problems| {
        for problem in problems {
            report(
                "--param",
                &problem.setting,
                &problem.diagnostics,
                Format::Text,
            );
        }
        ExitCode::from(EXIT_USAGE)
    })
}
