//! `tok bench`: the JIT against a baseline command and the interpreter, in
//! one invocation, on one machine, with medians over repeats.
//!
//! Every measurement is a child process (`tok sim` itself, or the baseline
//! command), so all three are timed the same way: CPU seconds from the
//! kernel's accounting of waited-for children (`cutime + cstime` in
//! `/proc/self/stat`), wall seconds from the clock, and peak memory from
//! the child's `VmHWM`, sampled while it runs. On a system without `/proc`
//! CPU time falls back to wall time and memory is not reported.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::{EXIT_PROBLEMS, EXIT_USAGE, checked};

/// Options of `tok bench` beyond the file.
pub struct BenchOptions<'a> {
    pub params: &'a [String],
    pub runs: u64,
    pub repeat: usize,
    pub baseline: Option<&'a str>,
    pub skip_interp: bool,
    pub threads: Vec<usize>,
}

/// One timed child process.
#[derive(Clone, Copy, Debug)]
struct Sample {
    cpu: f64,
    wall: f64,
    peak_kb: Option<u64>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// CPU seconds of all waited-for children so far (user + system).
fn children_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; cutime and cstime are
    // fields 16 and 17 (1-based), in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    Some((ticks(16)? + ticks(17)?) / 100.0)
}

fn peak_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `command` to completion with its output discarded.
fn measure(program: &str, args: &[String]) -> Result<Sample, String> {
    let before = children_cpu();
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run `{program}`: {error}"))?;
    let mut peak = None;
    let status = loop {
        if let Some(kb) = peak_kb(child.id()) {
            peak = Some(peak.map_or(kb, |p: u64| p.max(kb)));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(error) => return Err(error.to_string()),
        }
    };
    let wall = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        return Err(format!("`{program} {}` failed: {stderr}", args.join(" ")));
    }
    let cpu = match (before, children_cpu()) {
        (Some(before), Some(after)) => after - before,
        _ => wall,
    };
    Ok(Sample {
        cpu,
        wall,
        peak_kb: peak,
    })
}

struct Line {
    name: String,
    samples: Vec<Sample>,
}

impl Line {
    fn cpu(&self) -> f64 {
        median(self.samples.iter().map(|s| s.cpu).collect())
    }

    fn wall(&self) -> f64 {
        median(self.samples.iter().map(|s| s.wall).collect())
    }

    fn peak(&self) -> String {
        match self.samples.iter().filter_map(|s| s.peak_kb).max() {
            Some(kb) => format!("{:.1}", kb as f64 / 1024.0),
            None => "n/a".to_string(),
        }
    }
}

pub fn run(path: &Path, options: &BenchOptions<'_>) -> ExitCode {
    let fail = |code: u8, message: String| {
        eprintln!("error: {message}");
        ExitCode::from(code)
    };
    // The program must check, lower and compile before anything is timed.
    let (db, file) = match checked(path, crate::Format::Text) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let program = match crate::lowered(&db, file, crate::Format::Text) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let mut compile_ms = Vec::new();
    let mut functions = 0;
    for _ in 0..options.repeat.max(1) {
        match tok_jit::Jit::compile(program) {
            Ok(jit) => {
                compile_ms.push(jit.compile_time().as_secs_f64() * 1000.0);
                functions = jit.functions();
            }
            Err(error) => return fail(EXIT_PROBLEMS, error.to_string()),
        }
    }
    let tok = match std::env::current_exe() {
        Ok(exe) => exe.to_string_lossy().into_owned(),
        Err(error) => return fail(EXIT_USAGE, error.to_string()),
    };
    let sim = |engine: &str, threads: usize| -> Vec<String> {
        let mut args = vec![
            "sim".to_string(),
            path.to_string_lossy().into_owned(),
            "--engine".to_string(),
            engine.to_string(),
            "--runs".to_string(),
            options.runs.to_string(),
            "--threads".to_string(),
            threads.to_string(),
            "--out".to_string(),
            "/dev/null".to_string(),
        ];
        for param in options.params {
            args.push("--param".to_string());
            args.push(param.clone());
        }
        args
    };
    let mut plan: Vec<(String, String, Vec<String>)> = Vec::new();
    if let Some(baseline) = options.baseline {
        let mut words = baseline.split_whitespace().map(str::to_string);
        let Some(program) = words.next() else {
            return fail(EXIT_USAGE, "the baseline command is empty".into());
        };
        plan.push(("baseline".into(), program, words.collect()));
    }
    plan.push(("jit".into(), tok.clone(), sim("jit", 1)));
    if !options.skip_interp {
        plan.push(("interp".into(), tok.clone(), sim("interp", 1)));
    }
    let mut lines: Vec<Line> = plan
        .iter()
        .map(|(name, _, _)| Line {
            name: name.clone(),
            samples: Vec::new(),
        })
        .collect();
    // Interleaved repeats, so a noisy neighbour hurts every line alike.
    for _ in 0..options.repeat.max(1) {
        for (line, (_, program, args)) in lines.iter_mut().zip(&plan) {
            match measure(program, args) {
                Ok(sample) => line.samples.push(sample),
                Err(message) => return fail(EXIT_PROBLEMS, message),
            }
        }
    }
    let params = if options.params.is_empty() {
        String::new()
    } else {
        format!(" {}", options.params.join(" "))
    };
    println!(
        "tok bench {}{params}: {} runs, single thread, median of {}",
        path.display(),
        options.runs,
        options.repeat.max(1)
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9}",
        "engine", "cpu s", "wall s", "ratio", "peak MB"
    );
    let base = lines
        .iter()
        .find(|line| line.name == "baseline")
        .map(Line::cpu);
    for line in &lines {
        let ratio = base.map_or("-".to_string(), |base| format!("{:.2}x", line.cpu() / base));
        println!(
            "{:<10} {:>9.3} {:>9.3} {:>9} {:>9}",
            line.name,
            line.cpu(),
            line.wall(),
            ratio,
            line.peak()
        );
    }
    println!(
        "JIT compile: {:.2} ms median ({functions} functions)",
        median(compile_ms)
    );
    // Scaling: wall time of the JIT by thread count.
    let mut scaling = Vec::new();
    for threads in &options.threads {
        let mut walls = Vec::new();
        for _ in 0..options.repeat.max(1) {
            match measure(&tok, &sim("jit", *threads)) {
                Ok(sample) => walls.push(sample.wall),
                Err(message) => return fail(EXIT_PROBLEMS, message),
            }
        }
        scaling.push((*threads, median(walls)));
    }
    if let Some((_, one)) = scaling.first().copied() {
        for (threads, wall) in &scaling {
            println!(
                "JIT scaling: {threads} thread(s) {wall:.3} s wall, speed-up {:.2}x",
                one / wall
            );
        }
    }
    ExitCode::SUCCESS
}
