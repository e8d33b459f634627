//! `tok`: the command-line interface. This is where files are read and
//! written; the compiler crates below it do no IO.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tok_diagnostics::Diagnostic;
use tok_driver::{Database, SourceFile, render};

mod bench;
mod english;
mod parquet_out;
mod plot;
mod sim;

/// The system allocator, asking for huge pages for large buffers: a
/// million holders' columns are visited out of order every step.
#[global_allocator]
static ALLOCATOR: tok_jit::LargePages = tok_jit::LargePages;

#[derive(Parser)]
#[command(
    name = "tok",
    version,
    about = "Tok: token mechanisms, checked, simulated and deployed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Ast,
    Hir,
    Mir,
}

#[derive(Subcommand)]
enum Command {
    /// Type-check programs and report problems.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format of diagnostics.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Format programs in the canonical style (in place, or check only).
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report files that are not formatted instead of rewriting them.
        #[arg(long)]
        check: bool,
    },
    /// Print an intermediate form of a program, or generate deployable code.
    Build {
        file: PathBuf,
        /// Print the syntax tree, the typed program or the MIR.
        #[arg(long, value_enum, conflicts_with = "target")]
        emit: Option<Emit>,
        /// Generate a project for a target (with `--out`).
        #[arg(long, value_enum, requires = "out")]
        target: Option<Target>,
        /// Where to write the generated project.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Simulate a scenario and write its recorded rows as CSV.
    Sim {
        file: PathBuf,
        /// The scenario to run (default: the first one).
        #[arg(long)]
        scenario: Option<String>,
        /// The executor.
        #[arg(long, value_enum, default_value = "jit")]
        engine: Engine,
        /// Override the scenario's number of runs.
        #[arg(long)]
        runs: Option<u64>,
        /// Set a param: `--param fee=3%` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Write the rows here instead of standard output: CSV, or Parquet
        /// when the name ends in `.parquet`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only the slice I of N of the (sweep point, run) pairs: `0/4`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Write statistics across runs (mean, min, p5, p50, p95, max) as JSON.
        #[arg(long)]
        summary: Option<PathBuf>,
        /// Steps to summarise: `all`, or a list like `0,365,3650`
        /// (default: every tenth of the run).
        #[arg(long, value_name = "STEPS")]
        summary_steps: Option<String>,
        /// Also chart a recorded column (SVG, or PNG by extension) from the
        /// CSV written with `--out`.
        #[arg(long, requires = "out")]
        plot: Option<PathBuf>,
        /// The column `--plot` charts (default: the first recorded one).
        #[arg(long, requires = "plot")]
        plot_column: Option<String>,
    },
    /// Time the JIT against a baseline command and the interpreter: CPU
    /// seconds, ratios, peak memory, JIT compile time, thread scaling.
    Bench {
        file: PathBuf,
        /// Set a param: `--param holders=1000` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Monte Carlo runs per measurement.
        #[arg(long, default_value_t = 10)]
        runs: u64,
        /// Repeats; the table shows medians.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// A command doing the same work, to compare against, e.g.
        /// `"staking-reference fixed 1000 3650 10"`.
        #[arg(long)]
        baseline: Option<String>,
        /// Leave the interpreter out.
        #[arg(long)]
        skip_interp: bool,
        /// Thread counts of the scaling line.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
    },
    /// Join the CSV files of `tok sim --shard` into one, in run order.
    Merge {
        /// The shard files.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// The merged CSV.
        #[arg(long)]
        out: PathBuf,
        /// Also write statistics across runs as JSON.
        #[arg(long)]
        summary: Option<PathBuf>,
        #[arg(long, value_name = "STEPS")]
        summary_steps: Option<String>,
    },
    /// Chart one recorded column of `tok sim` output as SVG or PNG (by the
    /// extension of `--out`): per sweep point, the median across runs and
    /// the p5–p95 band.
    Plot {
        /// Rows written by `tok sim` (CSV, or Parquet for a `.parquet`
        /// file) or `tok merge`.
        rows: PathBuf,
        /// The recorded column to chart.
        #[arg(long)]
        column: String,
        /// The SVG file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// List every diagnostic code with its meaning.
    Codes,
    /// Draft a program from an English description with a language model:
    /// the draft is checked, the compiler's diagnostics go back to the
    /// model for repair, and the best draft is written and explained.
    Draft {
        /// The mechanism in English; `-` reads it from standard input.
        description: Option<String>,
        /// Read the description from this file.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Where to write the draft (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Draft every case of a TOML file instead, and print parse@1,
        /// check@1, check after repair and facts matched.
        #[arg(long, conflicts_with_all = ["description", "from", "out"])]
        eval: Option<PathBuf>,
        /// At most this many model calls: one draft and its repairs.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// `tok`: the model writes Tok. `intent`: the model fills a JSON
        /// form (structured outputs) that is printed as Tok on the
        /// standard library; works with every backend and small models.
        #[arg(long, value_enum, default_value = "tok")]
        mode: DraftMode,
        /// Constrain the model's Tok with the GBNF grammar (`tok grammar
        /// --format gbnf`), sent as llama.cpp's `grammar` field.
        #[arg(long, conflicts_with = "mode")]
        grammar: bool,
        #[command(flatten)]
        provider: english::ProviderArgs,
    },
    /// Ask a language model for a risk review of a program, given its
    /// explanation and the compiler's findings (Markdown on stdout).
    Review {
        file: PathBuf,
        #[command(flatten)]
        provider: english::ProviderArgs,
    },
    /// Print Tok's grammar for other parsers and for constrained decoding:
    /// Lark (Python's lark, OpenAI's grammar tools) or GBNF (llama.cpp,
    /// vLLM), derived from the compiler's own grammar and lexer.
    Grammar {
        #[arg(long, value_enum)]
        format: GrammarFormat,
    },
    /// Explain a program in plain English (Markdown): its tokens and
    /// supply, who may do what, allocations and vesting, what runs by
    /// itself, governance, and the risks the compiler can see.
    Explain {
        file: PathBuf,
        /// Diagnostics' format, when the program does not check.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Serve the Language Server Protocol on standard input and output,
    /// for editors: diagnostics as you type, the outline, formatting.
    Lsp,
}

#[derive(Clone, Copy, ValueEnum)]
enum GrammarFormat {
    Lark,
    Gbnf,
}

#[derive(Clone, Copy, ValueEnum)]
enum DraftMode {
    Tok,
    Intent,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// A Foundry project: Solidity inheriting OpenZeppelin 5.
    Solidity,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Engine {
    /// Native code compiled by Cranelift (the default).
    Jit,
    /// The reference interpreter: the executable specification.
    Interp,
}

/// Exit statuses: 0 success, 1 problems in the programs, 2 usage errors
/// (clap exits with 2 for bad arguments itself).
pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, format } => check(&files, format),
        Command::Lsp => match tok_lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: the language server stopped: {error}");
                ExitCode::from(EXIT_PROBLEMS)
            }
        },
        Command::Fmt { files, check } => fmt(&files, check),
        Command::Build {
            file,
            emit,
            target,
            out,
            format,
        } => match (emit, target, out) {
            (Some(emit), None, _) => build(&file, emit, format),
            (None, Some(Target::Solidity), Some(out)) => solidity(&file, &out, format),
            _ => {
                eprintln!(
                    "error: `tok build` needs `--emit ast|hir|mir`, or `--target solidity --out DIR`"
                );
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Sim {
            file,
            scenario,
            engine,
            runs,
            params,
            out,
            threads,
            shard,
            summary,
            summary_steps,
            plot,
            plot_column,
        } => {
            let options = sim::SimOptions {
                engine,
                scenario: scenario.as_deref(),
                runs,
                params: &params,
                out: out.as_deref(),
                threads,
                shard: shard.as_deref(),
                summary: summary.as_deref(),
                summary_steps: summary_steps.as_deref(),
                plot: plot.as_deref(),
                plot_column: plot_column.as_deref(),
            };
            sim::run(&file, &options)
        }
        Command::Bench {
            file,
            params,
            runs,
            repeat,
            baseline,
            skip_interp,
            threads,
        } => bench::run(
            &file,
            &bench::BenchOptions {
                params: &params,
                runs,
                repeat,
                baseline: baseline.as_deref(),
                skip_interp,
                threads,
            },
        ),
        Command::Merge {
            shards,
            out,
            summary,
            summary_steps,
        } => sim::merge(&out, &shards, summary.as_deref(), summary_steps.as_deref()),
        Command::Plot { rows, column, out } => plot::plot(&rows, &column, &out),
        Command::Explain { file, format } => explain(&file, format),
        Command::Grammar { format } => match tok_syntax::export::Grammar::read() {
            Ok(grammar) => {
                print!(
                    "{}",
                    match format {
                        GrammarFormat::Lark => grammar.lark(),
                        GrammarFormat::Gbnf => grammar.gbnf(),
                    }
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("internal error: the grammar could not be read: {error}");
                ExitCode::from(EXIT_PROBLEMS)
            }
        },
        Command::Draft {
            description,
            from,
            out,
            eval,
            rounds,
            mode,
            grammar,
            provider,
        } => {
            let mode = match mode {
                DraftMode::Tok => tok_llm::Mode::Tok,
                DraftMode::Intent => tok_llm::Mode::Intent,
            };
            match eval {
                Some(cases) => english::evaluate(&cases, rounds, mode, &provider),
                None => english::draft(description, from, out, rounds, mode, grammar, &provider),
            }
        }
        Command::Review { file, provider } => english::review(&file, &provider),
        Command::Codes => {
            for info in tok_diagnostics::ALL_CODES {
                println!(
                    "{}  {:<24} {}",
                    info.code.as_str(),
                    info.name.to_lowercase(),
                    info.summary
                );
            }
            ExitCode::SUCCESS
        }
    }
}

/// Reads a file; `Err` carries the exit code after reporting.
fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|error| {
        eprintln!("error: cannot read `{}`: {error}", path.display());
        ExitCode::from(EXIT_USAGE)
    })
}

pub(crate) fn report(path: &str, source: &str, diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Text => {
            let text =
                render::render_text(path, source, diagnostics, std::io::stderr().is_terminal());
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
        Format::Json => println!("{}", render::render_json(path, source, diagnostics)),
    }
}

/// Loads and decodes a file; invalid UTF-8 is reported as a diagnostic.
pub(crate) fn load(path: &Path, format: Format) -> Result<String, ExitCode> {
    let bytes = read(path)?;
    let shown = path.display().to_string();
    match tok_driver::decode_source(&bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(diagnostic) => {
            // Show the text up to the first invalid byte; the span points there.
            let valid = (diagnostic.primary.span.start as usize).min(bytes.len());
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            report(&shown, &prefix, &[*diagnostic], format);
            Err(ExitCode::from(EXIT_PROBLEMS))
        }
    }
}

fn check(files: &[PathBuf], format: Format) -> ExitCode {
    let db = Database::default();
    let mut status = ExitCode::SUCCESS;
    let mut all_json = Vec::new();
    for path in files {
        let text = match load(path, format) {
            Ok(text) => text,
            Err(code) => {
                status = code;
                continue;
            }
        };
        let shown = path.display().to_string();
        let file = SourceFile::new(&db, shown.clone(), text);
        let diagnostics = tok_driver::diagnostics(&db, file);
        if diagnostics.iter().any(Diagnostic::is_error) && status == ExitCode::SUCCESS {
            status = ExitCode::from(EXIT_PROBLEMS);
        }
        match format {
            Format::Text => report(&shown, file.text(&db), diagnostics, format),
            Format::Json => all_json.push(render::render_json(&shown, file.text(&db), diagnostics)),
        }
    }
    if format == Format::Json {
        // One JSON array per file keeps the output streamable.
        for json in all_json {
            println!("{json}");
        }
    }
    status
}

fn fmt(files: &[PathBuf], check_only: bool) -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in files {
        let text = match load(path, Format::Text) {
            Ok(text) => text,
            Err(code) => {
                status = code;
                continue;
            }
        };
        let shown = path.display().to_string();
        match tok_format::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check_only => {
                eprintln!("{shown}: not formatted (run `tok fmt {shown}`)");
                status = ExitCode::from(EXIT_PROBLEMS);
            }
            Ok(formatted) => {
                if let Err(error) = std::fs::write(path, formatted) {
                    eprintln!("error: cannot write `{shown}`: {error}");
                    status = ExitCode::from(EXIT_USAGE);
                }
            }
            Err(diagnostics) => {
                eprintln!("{shown}: not formatted because it has syntax errors");
                report(&shown, &text, &diagnostics, Format::Text);
                status = ExitCode::from(EXIT_PROBLEMS);
            }
        }
    }
    status
}

/// Loads and checks a program; problems are reported and end the command.
pub(crate) fn checked(path: &Path, format: Format) -> Result<(Database, SourceFile), ExitCode> {
    let text = load(path, format)?;
    let shown = path.display().to_string();
    let db = Database::default();
    let file = SourceFile::new(&db, shown.clone(), text);
    let diagnostics = tok_driver::diagnostics(&db, file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        report(&shown, file.text(&db), diagnostics, format);
        return Err(ExitCode::from(EXIT_PROBLEMS));
    }
    Ok((db, file))
}

/// The checked program lowered to MIR; problems lowering it are reported
/// (as any diagnostics are) and end the command.
pub(crate) fn lowered(
    db: &Database,
    file: SourceFile,
    format: Format,
) -> Result<&tok_mir::Program, ExitCode> {
    tok_driver::mir(db, file).as_ref().map_err(|diagnostics| {
        report(file.path(db), file.text(db), diagnostics, format);
        ExitCode::from(EXIT_PROBLEMS)
    })
}

/// Generates the Foundry project of a program into `out`.
fn solidity(path: &Path, out: &Path, format: Format) -> ExitCode {
    let (db, file) = match checked(path, format) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let stem = path
        .file_stem()
        .map_or("program".to_string(), |s| s.to_string_lossy().into_owned());
    let program = match lowered(&db, file, format) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let project = match tok_solidity::generate(program, &stem, tok_driver::docs(&db, file)) {
        Ok(project) => project,
        Err(diagnostics) => {
            report(file.path(&db), file.text(&db), &diagnostics, format);
            return ExitCode::from(EXIT_PROBLEMS);
        }
    };
    for (relative, contents) in &project.files {
        let target = out.join(relative);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, contents));
        if let Err(error) = written {
            eprintln!("error: cannot write `{}`: {error}", target.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    ExitCode::SUCCESS
}

fn explain(path: &Path, format: Format) -> ExitCode {
    let (db, file) = match checked(path, format) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    match tok_explain::explain(&db, file) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            report(
                &path.display().to_string(),
                file.text(&db),
                &diagnostics,
                format,
            );
            ExitCode::from(EXIT_PROBLEMS)
        }
    }
}

fn build(path: &Path, emit: Emit, format: Format) -> ExitCode {
    let (db, file) = match checked(path, format) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    match emit {
        Emit::Ast => println!("{:#?}", tok_driver::parse(&db, file).module),
        Emit::Hir => print!("{}", tok_sema::hir::print(tok_driver::program(&db, file))),
        Emit::Mir => match lowered(&db, file, format) {
            Ok(program) => print!("{}", tok_mir::print(program)),
            Err(code) => return code,
        },
    }
    ExitCode::SUCCESS
}
