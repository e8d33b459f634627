//! Shared helpers for the end-to-end test suites: locating case files and
//! examples, reading case headers, and rendering results as snapshot text.

pub mod evm;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.tok` file under `dir` (relative to the repository root), sorted.
pub fn tok_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "tok") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What a case file expects, from its `// kind = ...` and `// codes = [...]`
/// header, and the `// settings = ["NAME=VALUE", ...]` a `settings-fail`
/// case applies.
#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: String,
    pub codes: Vec<String>,
    pub settings: Vec<String>,
}

pub fn header(text: &str) -> Header {
    let mut kind = String::new();
    let mut codes = Vec::new();
    let mut settings = Vec::new();
    for line in text.lines().take_while(|line| line.starts_with("//")) {
        let line = line.trim_start_matches('/').trim();
        if let Some(value) = line.strip_prefix("kind =") {
            kind = value.trim().trim_matches('"').to_string();
        } else if let Some(value) = line.strip_prefix("codes =") {
            codes = quoted(value);
        } else if let Some(value) = line.strip_prefix("settings =") {
            settings = quoted(value);
        }
    }
    Header {
        kind,
        codes,
        settings,
    }
}

/// The double-quoted strings of a header value such as `["a", "b"]`.
fn quoted(value: &str) -> Vec<String> {
    value
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A path relative to the repository root, with `/` separators.
pub fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The syntax tree's debug text with every span removed, for comparing
/// trees of texts that differ only in layout.
pub fn tree_without_spans(source: &str) -> String {
    let debug = format!("{:?}", tok_syntax::parse(source).module);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(index) = rest.find("Span {") {
        out.push_str(&rest[..index]);
        match rest[index..].find('}') {
            Some(close) => rest = &rest[index + close + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The rows and counters of a simulation, for tests.
pub struct Simulated {
    pub columns: Vec<String>,
    /// `rows[point][run]` is the list of rows of that run.
    pub rows: Vec<Vec<Vec<tok_world::Row>>>,
    pub stats: Vec<tok_world::Stats>,
    /// [`final_state`] of every run, in the order of `stats`.
    pub finals: Vec<String>,
}

impl Simulated {
    /// The printed value of `column` at `step` of `run` (point 0).
    pub fn value(&self, run: usize, step: usize, column: &str) -> String {
        self.value_at(0, run, step, column)
    }

    pub fn value_at(&self, point: usize, run: usize, step: usize, column: &str) -> String {
        let index = self
            .columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column `{column}`"));
        let row = &self.rows[point][run][step];
        assert_eq!(row.step as usize, step);
        tok_world::format_value(row.values[index])
    }
}

/// Which executor runs a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Interp,
    Jit,
    /// The interpreter, with every transfer and approval made directly by
    /// scenario code through the token model's full path (none settled
    /// in place).
    InterpFullPath,
    /// The JIT with events counted but not kept, as `tok sim` runs it
    /// (compiled code then emits them itself).
    JitQuiet,
}

/// Checks, lowers and simulates a program with the reference interpreter,
/// and again with the JIT (keeping events, and not: [`Engine::JitQuiet`])
/// and with the interpreter on the token model's full path
/// ([`Engine::InterpFullPath`]), asserting that all four agree
/// on every recorded row, every counter and the final state of every run
/// (or fail with the same error). `settings` are `--param` style overrides; `runs`
/// overrides the run count.
pub fn simulate(
    source: &str,
    settings: &[(&str, &str)],
    runs: Option<u64>,
) -> Result<Simulated, String> {
    let interp = simulate_with(source, settings, runs, Engine::Interp);
    let jit = simulate_with(source, settings, runs, Engine::Jit);
    assert_engines_agree(&interp, &jit);
    let quiet = simulate_with(source, settings, runs, Engine::JitQuiet);
    assert_agree(
        ("interpreter", &without_event_lists(&interp)),
        ("JIT, events not kept", &without_event_lists(&quiet)),
    );
    let full_path = simulate_with(source, settings, runs, Engine::InterpFullPath);
    assert_agree(
        ("interpreter", &interp),
        ("interpreter on the token model's full path", &full_path),
    );
    interp
}

/// `result` with the events kept left out of its final states (their
/// count stays).
fn without_event_lists(result: &Result<Simulated, String>) -> Result<Simulated, String> {
    let simulated = result.as_ref().map_err(Clone::clone)?;
    let finals = (simulated.finals.iter())
        .map(|state| {
            state
                .lines()
                .map(|line| match line.strip_prefix("events ") {
                    Some(rest) => format!("events {}", rest.split(' ').next().unwrap_or("")),
                    None => line.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    Ok(Simulated {
        columns: simulated.columns.clone(),
        rows: simulated.rows.clone(),
        stats: simulated.stats.clone(),
        finals,
    })
}

/// The first line where two [`final_state`]s differ, side by side.
pub fn first_difference(interp: &str, jit: &str) -> Option<String> {
    difference(("interpreter", interp), ("JIT", jit))
}

/// The first line where two named final states differ, side by side.
fn difference((a_name, a): (&str, &str), (b_name, b): (&str, &str)) -> Option<String> {
    if a == b {
        return None;
    }
    let line = a
        .lines()
        .zip(b.lines())
        .find(|(x, y)| x != y)
        .map(|(x, y)| format!("{a_name}: {x}\n{b_name}: {y}"));
    Some(line.unwrap_or_else(|| "(one state has more lines)".into()))
}

/// Panics at the first difference between two engines' results.
pub fn assert_engines_agree(interp: &Result<Simulated, String>, jit: &Result<Simulated, String>) {
    assert_agree(("interpreter", interp), ("JIT", jit));
}

/// Panics at the first difference between two named results.
fn assert_agree(
    (a_name, a): (&str, &Result<Simulated, String>),
    (b_name, b): (&str, &Result<Simulated, String>),
) {
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(x), Err(y)) => {
            assert_eq!(x, y, "{a_name} and {b_name} fail differently");
            return;
        }
        (x, y) => panic!(
            "one failed: {a_name} {:?}, {b_name} {:?}",
            x.as_ref().err(),
            y.as_ref().err()
        ),
    };
    let versus = format!("{a_name} vs {b_name}");
    assert_eq!(a.columns, b.columns);
    assert_eq!(a.rows.len(), b.rows.len(), "sweep points");
    for (point, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
        assert_eq!(x.len(), y.len(), "runs at point {point}");
        for (run, (x, y)) in x.iter().zip(y).enumerate() {
            assert_eq!(x.len(), y.len(), "rows of run {run} at point {point}");
            for (row_a, row_b) in x.iter().zip(y) {
                assert_eq!(row_a, row_b, "point {point}, run {run}: {versus} row");
            }
        }
    }
    for (index, (x, y)) in a.stats.iter().zip(&b.stats).enumerate() {
        assert_eq!(x, y, "counters of run #{index}: {versus}");
    }
    for (index, (x, y)) in a.finals.iter().zip(&b.finals).enumerate() {
        if let Some(line) = difference((a_name, x), (b_name, y)) {
            panic!("final state of run #{index} differs:\n{line}");
        }
    }
}

/// Everything a run leaves behind, printed: every ledger, field, running
/// sum, vesting wallet, proposal, param value and event.
pub fn final_state(world: &tok_world::World<'_>) -> String {
    let state = &world.state;
    format!(
        "ledgers {:?}\nfields {:?}\nsums {:?}\nvestings {:?}\ngovernors {:?}\nparams {:?}\nevents {} {:?}\nnow {}",
        state.ledgers,
        state.fields,
        state.sums,
        state.vestings,
        state.governors,
        state.params,
        state.events_emitted,
        world.events,
        world.now,
    )
}

/// [`simulate`] on a chosen engine.
pub fn simulate_with(
    source: &str,
    settings: &[(&str, &str)],
    runs: Option<u64>,
    engine: Engine,
) -> Result<Simulated, String> {
    use tok_driver::{Database, SourceFile};
    let db = Database::default();
    let file = SourceFile::new(&db, "test.tok".to_string(), source.to_string());
    let diagnostics = tok_driver::diagnostics(&db, file);
    if !diagnostics.is_empty() {
        return Err(tok_driver::render::render_text(
            "test.tok",
            source,
            diagnostics,
            false,
        ));
    }
    let program = tok_driver::mir(&db, file).as_ref().map_err(|diagnostics| {
        tok_driver::render::render_text("test.tok", source, diagnostics, false)
    })?;
    let settings: Vec<String> = settings
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let lowered = tok_driver::settings(&db, file, program, &settings).map_err(|problems| {
        (problems.iter())
            .map(|problem| problem.render_text(false))
            .collect::<String>()
    })?;
    let mut simulation =
        tok_world::Simulation::new(program, None, lowered, &tok_interp::Interpreter)
            .map_err(|e| e.to_string())?;
    simulation.record_events = engine != Engine::JitQuiet;
    simulation.settle_in_place = !matches!(engine, Engine::InterpFullPath);
    let jit = match engine {
        Engine::Jit | Engine::JitQuiet => {
            Some(tok_jit::Jit::compile(program).map_err(|e| e.to_string())?)
        }
        Engine::Interp | Engine::InterpFullPath => None,
    };
    simulation.engine = jit.as_ref().map(|jit| jit as &dyn tok_world::Engine);
    let runs = match runs {
        Some(runs) => runs,
        None => simulation.runs().map_err(|e| e.to_string())?,
    };
    let mut all = Vec::new();
    let mut stats = Vec::new();
    let mut finals = Vec::new();
    for point in 0..simulation.points() {
        let mut point_rows = Vec::new();
        for run in 0..runs {
            let mut rows = Vec::new();
            let (run_stats, world) = simulation
                .run_world(point, run, &mut |row| rows.push(row))
                .map_err(|e| e.to_string())?;
            stats.push(run_stats);
            finals.push(final_state(&world));
            point_rows.push(rows);
        }
        all.push(point_rows);
    }
    Ok(Simulated {
        columns: simulation.columns().iter().map(|c| c.to_string()).collect(),
        rows: all,
        stats,
        finals,
    })
}

/// Compiles a generated Solidity project with the pinned solc-js. Returns
/// the standard-JSON output's `contracts` on success, or the errors and
/// warnings. Needs `scripts/setup-solidity.sh` (the test command runs it).
pub fn solc(project: &tok_solidity::Project) -> Result<serde_json::Value, Vec<String>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let toolchain = root().join("tools/solidity");
    assert!(
        toolchain.join("node_modules/solc").is_dir()
            && toolchain
                .join("node_modules/@openzeppelin/contracts")
                .is_dir(),
        "solc-js is not installed: run `bash scripts/setup-solidity.sh` (needs Node.js and npm)"
    );
    let sources: serde_json::Map<String, serde_json::Value> = project
        .files
        .iter()
        // Test contracts (forge compiles and runs those) embed every
        // contract's init code and may exceed the size limit.
        .filter(|(path, _)| path.starts_with("src/") && path.ends_with(".sol"))
        .map(|(path, content)| (path.clone(), serde_json::json!({ "content": content })))
        .collect();
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": tok_solidity::EVM_VERSION,
            "optimizer": { "enabled": true, "runs": 200 },
            "outputSelection": { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "userdoc"] } }
        }
    });
    let mut child = Command::new("node")
        .arg(toolchain.join("compile.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (install Node.js)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("input written");
    let output = child.wait_with_output().expect("solc finishes");
    let output: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("solc answers JSON");
    let problems: Vec<String> = output["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| e["severity"] != "info")
                // solc notes every use of EIP-1153 transient storage, here
                // OpenZeppelin's own `TransientSlot` behind the reentrancy
                // guard: the note itself says a guard cleared at the end of
                // the call is safe. Everything else is a problem.
                .filter(|e| {
                    e["sourceLocation"]["file"] != "@openzeppelin/contracts/utils/TransientSlot.sol"
                        || !e["message"]
                            .as_str()
                            .unwrap_or("")
                            .starts_with("Transient storage as defined by EIP-1153")
                })
                .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    if problems.is_empty() {
        Ok(output["contracts"].clone())
    } else {
        Err(problems)
    }
}
