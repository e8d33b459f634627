//! Param settings given outside the program (`tok sim --param NAME=VALUE`,
//! and later the language server and `tok draft`): each is parsed, its
//! param found by name, its value checked against the param's type with
//! the program's units, and lowered to the MIR constant executors take.
//!
//! A setting's problems are diagnostics whose spans point into the setting
//! itself (the whole `NAME=VALUE` text), so a tool renders them with that
//! text as the source.

use tok_diagnostics::{Code, Diagnostic, Span, did_you_mean};
use tok_mir::{Expr, ParamId};
use tok_sema::hir;

use crate::{Db, SourceFile, program, signatures};

/// A setting that could not be applied: its text and what is wrong with it
/// (spans into the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    pub setting: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl SettingProblem {
    /// The problems as terminal text, the setting shown as the source
    /// under the label `--param`.
    pub fn render_text(&self, color: bool) -> String {
        crate::render::render_text("--param", &self.setting, &self.diagnostics, color)
    }
}

/// Turns `NAME=VALUE` settings into the values of the params they name in
/// `lowered` (the file's MIR), checked and lowered, in the order given (a
/// later setting of the same param wins when applied). Every setting is
/// checked: the problems of all that fail come back together.
pub fn settings(
    db: &dyn Db,
    file: SourceFile,
    lowered: &tok_mir::Program,
    settings: &[impl AsRef<str>],
) -> Result<Vec<(ParamId, Expr)>, Vec<SettingProblem>> {
    let declared: Vec<&hir::ParamDef> = program(db, file)
        .items
        .iter()
        .filter_map(|located| match &*located.item {
            hir::Item::Param(param) => Some(param),
            _ => None,
        })
        .collect();
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for setting in settings {
        let setting = setting.as_ref();
        match setting_value(db, file, lowered, &declared, setting) {
            Ok(value) => values.push(value),
            Err(diagnostics) => problems.push(SettingProblem {
                setting: setting.to_string(),
                diagnostics,
            }),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

fn setting_value(
    db: &dyn Db,
    file: SourceFile,
    lowered: &tok_mir::Program,
    declared: &[&hir::ParamDef],
    setting: &str,
) -> Result<(ParamId, Expr), Vec<Diagnostic>> {
    let whole = Span::new(0, setting.len() as u32);
    let Some((name, value)) = setting.split_once('=') else {
        return Err(vec![
            Diagnostic::error(
                Code::MALFORMED_SETTING,
                whole,
                format!("`{setting}` is not a param setting"),
            )
            .with_label("expected `NAME=VALUE`")
            .with_help("write the param's name, `=`, then its value, e.g. `fee=3%`"),
        ]);
    };
    let trimmed = name.trim();
    let name_start = (name.len() - name.trim_start().len()) as u32;
    let name_span = Span::new(name_start, name_start + trimmed.len() as u32);
    let param = declared.iter().find(|param| param.name == trimmed);
    let id = lowered
        .params
        .iter()
        .position(|param| param.name == trimmed)
        .map(ParamId::new);
    let (Some(param), Some(id)) = (param, id) else {
        let names = declared.iter().map(|param| param.name.as_str());
        let diagnostic = Diagnostic::error(
            Code::UNKNOWN_PARAM,
            name_span,
            format!("the program has no param `{trimmed}`"),
        )
        .with_label("no param of this name");
        let diagnostic = match did_you_mean(trimmed, names.clone()) {
            Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
            None if declared.is_empty() => diagnostic.with_help("the program declares no params"),
            None => diagnostic.with_help(format!(
                "its params: {}",
                names.collect::<Vec<_>>().join(", ")
            )),
        };
        return Err(vec![diagnostic]);
    };
    // The value's spans, from the value's own text to the whole setting's.
    let value_start = (name.len() + 1) as u32;
    let leading = (value.len() - value.trim_start().len()) as u32;
    tok_sema::check_literal(signatures(db, file), value.trim(), &param.ty)
        .map(|checked| (id, tok_mir::lower_constant(&checked)))
        .map_err(|diagnostics| {
            diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.shifted(value_start + leading))
                .collect()
        })
}
