//! `tok sim`: check, lower, run every sweep point and run, stream CSV.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use tok_diagnostics::Diagnostic;
use tok_driver::{Database, SourceFile};
use tok_interp::{Simulation, format_value};
use tok_sema::hir;

use crate::{EXIT_PROBLEMS, EXIT_USAGE, Format, load, report};

pub fn run(
    path: &Path,
    scenario: Option<&str>,
    runs: Option<u64>,
    params: &[String],
    out: Option<&Path>,
) -> ExitCode {
    let text = match load(path, Format::Text) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let shown = path.display().to_string();
    let db = Database::default();
    let file = SourceFile::new(&db, shown.clone(), text);
    let diagnostics = tok_driver::diagnostics(&db, file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        report(&shown, file.text(&db), diagnostics, Format::Text);
        return ExitCode::from(EXIT_PROBLEMS);
    }
    let program = match tok_driver::mir(&db, file) {
        Ok(program) => program,
        Err(errors) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            return ExitCode::from(EXIT_PROBLEMS);
        }
    };
    let settings = match settings(&db, file, params) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let simulation = match Simulation::new(program, scenario, settings) {
        Ok(simulation) => simulation,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runs = match runs.map_or_else(|| simulation.runs(), Ok) {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_PROBLEMS);
        }
    };
    let sink: Box<dyn Write> = match out {
        Some(out) => match std::fs::File::create(out) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("error: cannot write `{}`: {error}", out.display());
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = BufWriter::new(sink);
    let swept = simulation.swept_params();
    let mut header: Vec<String> = Vec::new();
    if !swept.is_empty() {
        header.push("point".to_string());
        header.extend(swept.iter().map(|name| name.to_string()));
    }
    header.extend(["run".to_string(), "step".to_string()]);
    header.extend(simulation.columns().iter().map(|name| name.to_string()));
    let mut failed = writeln!(writer, "{}", header.join(",")).is_err();
    for point in 0..simulation.points() {
        let prefix: Vec<String> = if swept.is_empty() {
            Vec::new()
        } else {
            std::iter::once(point.to_string())
                .chain(simulation.point_values(point))
                .collect()
        };
        for run in 0..runs {
            let result = simulation.run(point, run, &mut |row| {
                let mut fields = prefix.clone();
                fields.push(row.run.to_string());
                fields.push(row.step.to_string());
                fields.extend(row.values.into_iter().map(format_value));
                failed |= writeln!(writer, "{}", fields.join(",")).is_err();
            });
            if let Err(error) = result {
                let _ = writer.flush();
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_PROBLEMS);
            }
        }
    }
    if failed || writer.flush().is_err() {
        eprintln!("error: could not write the results");
        return ExitCode::from(EXIT_USAGE);
    }
    ExitCode::SUCCESS
}

/// Parses `NAME=VALUE` settings, each value checked against the param's type.
fn settings(
    db: &Database,
    file: SourceFile,
    params: &[String],
) -> Result<Vec<(u32, tok_mir::Expr)>, ExitCode> {
    let program = tok_driver::program(db, file);
    let sigs = tok_driver::signatures(db, file);
    let declared: Vec<&hir::ParamDef> = program
        .items
        .iter()
        .filter_map(|located| match &located.item {
            hir::Item::Param(param) => Some(param),
            _ => None,
        })
        .collect();
    let mut settings = Vec::new();
    for setting in params {
        let Some((name, value)) = setting.split_once('=') else {
            eprintln!("error: `--param {setting}`: expected NAME=VALUE");
            return Err(ExitCode::from(EXIT_USAGE));
        };
        let name = name.trim();
        let Some(index) = declared.iter().position(|param| param.name == name) else {
            let names: Vec<&str> = declared.iter().map(|p| p.name.as_str()).collect();
            let hint = tok_diagnostics::did_you_mean(name, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: `--param {setting}`: no param named `{name}`{hint}");
            return Err(ExitCode::from(EXIT_USAGE));
        };
        match tok_sema::check_literal(sigs, value.trim(), &declared[index].ty) {
            Ok(checked) => settings.push((index as u32, tok_mir::lower_constant(&checked))),
            Err(diagnostics) => {
                let label = format!("--param {name}");
                report(&label, value.trim(), &diagnostics, Format::Text);
                return Err(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    Ok(settings)
}
