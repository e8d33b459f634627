//! The commands code lenses run that need the rest of `tok`: a short
//! simulation of a scenario, by the `tok` binary itself (the server links
//! no simulator), in a child process with a time limit.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Simulates `scenario` of the program `text` for one run with `tok` (the
/// binary at `tok`), killing it after `limit`: a summary of the final row,
/// or why it could not run.
pub fn simulate(tok: &Path, text: &str, scenario: &str, limit: Duration) -> Result<String, String> {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("tok-lsp-{}-{run}.tok", std::process::id()));
    std::fs::write(&file, text).map_err(|e| format!("cannot write a temporary file: {e}"))?;
    let outcome = run_with_limit(tok, &file, scenario, limit);
    let _ = std::fs::remove_file(&file);
    let (stdout, started) = outcome?;
    let lines: Vec<&str> = stdout.lines().collect();
    let (Some(header), Some(last)) = (lines.first(), lines.last()) else {
        return Err("the simulation recorded nothing".to_string());
    };
    let steps = lines.len().saturating_sub(2);
    let values: Vec<String> = (header.split(',').zip(last.split(',')))
        .skip(2)
        .map(|(column, value)| format!("{column} = {value}"))
        .collect();
    Ok(format!(
        "scenario `{scenario}`, 1 run, {steps} steps in {:.1} s; at the end: {}",
        started.elapsed().as_secs_f64(),
        values.join(", ")
    ))
}

/// Runs `tok sim` on `file`; its standard output, or why it failed.
fn run_with_limit(
    tok: &Path,
    file: &Path,
    scenario: &str,
    limit: Duration,
) -> Result<(String, Instant), String> {
    let started = Instant::now();
    let mut child = Command::new(tok)
        .arg("sim")
        .arg(file)
        .args(["--scenario", scenario, "--runs", "1", "--threads", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", tok.display()))?;
    // Read the output while the child runs, so a full pipe cannot stall it.
    let mut stdout = child.stdout.take().ok_or("no output")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let text = reader.join().unwrap_or_default();
                if status.success() {
                    return Ok((text, started));
                }
                let mut errors = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut errors);
                }
                let first = errors
                    .lines()
                    .find(|line| !line.trim().is_empty())
                    .unwrap_or("");
                return Err(format!("the simulation stopped: {first}"));
            }
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the simulation took longer than {} s and was stopped; run it with `tok sim`",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("the simulation failed: {error}")),
        }
    }
}
