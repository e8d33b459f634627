//! Completion and signature help: what may be typed at the cursor (names
//! in scope, members after `.`, units after a number, the settings of a
//! declaration block, item snippets, standard-library templates), and the
//! parameters of the call the cursor is in.
//!
//! The context is read from the text around the cursor and the syntax
//! tree, so a half-typed line still completes; what the names are comes
//! from the signatures and the checker's resolution records.

use tok_driver::{Db, SourceFile};
use tok_sema::hir::{BuiltinFunction, Definition};
use tok_sema::types::TimeUnit;
use tok_sema::{Signatures, Ty, vocabulary};
use tok_syntax::ast;
use tok_syntax::lexer::KEYWORDS;

/// What a completion inserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Snippet,
    Token,
    Unit,
    Mechanism,
    Template,
    Module,
    Param,
    Field,
    Action,
    View,
    Event,
    Local,
    Vesting,
    Governor,
    Function,
    Value,
    Setting,
    Population,
    Series,
}

/// One completion: its label, what it is, a short detail, and the text to
/// insert when it differs from the label (`insert`, a snippet with `$1`
/// placeholders when `snippet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub insert: Option<String>,
    pub snippet: bool,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: Option<String>) -> Completion {
        Completion {
            label: label.into(),
            kind,
            detail,
            insert: None,
            snippet: false,
        }
    }

    fn snippet(label: &str, kind: CompletionKind, detail: &str, body: &str) -> Completion {
        Completion {
            label: label.to_string(),
            kind,
            detail: Some(detail.to_string()),
            insert: Some(body.to_string()),
            snippet: true,
        }
    }
}

/// The word being typed before `offset`, and the text before it.
fn split_word(text: &str, offset: usize) -> (&str, &str) {
    let before = &text[..offset];
    let start = word_start(before, |c| c.is_ascii_alphanumeric() || c == '_');
    (&before[..start], &before[start..])
}

/// Where the run of characters `part_of` accepts that ends `text` starts
/// (a character boundary, whatever precedes the run).
fn word_start(text: &str, part_of: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| !part_of(*c))
        .map_or(0, |(index, c)| index + c.len_utf8())
}

/// The identifier that ends `text` (before a `.`), if any.
fn trailing_name(text: &str) -> &str {
    &text[word_start(text, |c| c.is_ascii_alphanumeric() || c == '_')..]
}

/// Completions at `offset`, filtered by the word being typed there.
pub fn completions(db: &dyn Db, file: SourceFile, offset: u32) -> Vec<Completion> {
    let text = file.text(db);
    let offset = (offset as usize).min(text.len());
    if !text.is_char_boundary(offset) {
        return Vec::new();
    }
    let (before, prefix) = split_word(text, offset);
    let sigs = tok_driver::signatures(db, file);
    let module = &tok_driver::parse(db, file).module;
    let mut found = if let Some(receiver_text) = before.strip_suffix('.') {
        members(sigs, module, trailing_name(receiver_text))
    } else if after_number(before) {
        units(sigs)
    } else {
        match enclosing_item(module, offset as u32) {
            None => top_level(),
            Some(item) => inside_item(db, file, sigs, item, text, offset, before),
        }
    };
    let lower = prefix.to_ascii_lowercase();
    found.retain(|c| c.label.to_ascii_lowercase().starts_with(&lower));
    found.sort_by(|a, b| a.label.cmp(&b.label));
    found.dedup_by(|a, b| a.label == b.label);
    found
}

/// Whether the cursor follows a number and a space: a unit goes there.
fn after_number(before: &str) -> bool {
    let trimmed = before.trim_end_matches([' ', '\t']);
    trimmed.len() < before.len() && trimmed.ends_with(|c: char| c.is_ascii_digit()) && {
        let word = trailing_name(trimmed);
        word.starts_with(|c: char| c.is_ascii_digit())
    }
}

fn units(sigs: &Signatures) -> Vec<Completion> {
    let tokens = (sigs.tokens.iter()).map(|(name, sig)| {
        Completion::new(
            name,
            CompletionKind::Unit,
            Some(format!("token, {} decimals", sig.decimals)),
        )
    });
    let times = (TimeUnit::ALL_NAMES.iter())
        .map(|name| Completion::new(*name, CompletionKind::Unit, Some("time".to_string())));
    tokens.chain(times).collect()
}

/// Members after `receiver.`.
fn members(sigs: &Signatures, module: &ast::Module, receiver: &str) -> Vec<Completion> {
    if let Some(_token) = sigs.tokens.get(receiver) {
        return (vocabulary::TOKEN_MEMBERS.iter())
            .map(|(name, method)| {
                let (params, returns) = vocabulary::token_method(*method, receiver);
                // `total_supply` is read as a value, without parentheses.
                if *method == tok_sema::hir::TokenMethod::TotalSupply {
                    return Completion::new(
                        *name,
                        CompletionKind::Value,
                        Some(returns.to_string()),
                    );
                }
                Completion::new(
                    *name,
                    CompletionKind::Function,
                    Some(signature(name, &params_of(&params), &returns)),
                )
            })
            .collect();
    }
    if let Some(mechanism) = sigs.mechanisms.get(receiver) {
        let fields = (mechanism.state.iter())
            .map(|(name, ty)| Completion::new(name, CompletionKind::Field, Some(ty.to_string())));
        let actions = (mechanism.actions.iter()).map(|(name, f)| {
            let params: Vec<(String, Ty)> = f.params.clone();
            Completion::new(
                name,
                CompletionKind::Action,
                Some(signature(name, &params, &Ty::Void)),
            )
        });
        let views = (mechanism.views.iter()).map(|(name, f)| {
            let returns = f.returns.clone().unwrap_or(Ty::Void);
            Completion::new(
                name,
                CompletionKind::View,
                Some(signature(name, &f.params, &returns)),
            )
        });
        return fields.chain(actions).chain(views).collect();
    }
    if sigs.vestings.contains_key(receiver) {
        return (vocabulary::VESTING_MEMBERS.iter())
            .map(|name| {
                Completion::new(*name, CompletionKind::Function, Some("vesting".to_string()))
            })
            .collect();
    }
    if sigs.governors.contains_key(receiver) {
        return (vocabulary::GOVERNOR_MEMBERS.iter())
            .map(|name| {
                Completion::new(
                    *name,
                    CompletionKind::Function,
                    Some("governor".to_string()),
                )
            })
            .collect();
    }
    if receiver == "std" {
        return (tok_stdlib::MODULES.iter())
            .map(|m| {
                let name = m.path.trim_start_matches("std.");
                Completion::new(name, CompletionKind::Module, Some(m.summary.to_string()))
            })
            .collect();
    }
    if let Some(path) = sigs.modules.get(receiver) {
        let prefix = format!("{}.", path.join("."));
        return (tok_sema::template::stdlib_templates().iter())
            .filter_map(|(full, template)| {
                let name = full.strip_prefix(&prefix)?;
                Some(template_completion(name, template))
            })
            .collect();
    }
    let population = module.items.iter().any(|item| match &item.kind {
        ast::ItemKind::Scenario(scenario) => scenario.entries.iter().any(|entry| {
            matches!(&entry.kind, ast::ScenarioEntryKind::Agents(agents) if agents.name.text == receiver)
        }),
        _ => false,
    });
    if population {
        return vec![Completion::new(
            "count",
            CompletionKind::Value,
            Some("uint".to_string()),
        )];
    }
    Vec::new()
}

/// A template to instantiate: `Name[T](param: ...)`.
fn template_completion(name: &str, template: &tok_sema::template::Template) -> Completion {
    let generics = template.generics.join(", ");
    let params: Vec<String> = (template.params.iter())
        .map(|(p, ty)| format!("{p}: {ty}"))
        .collect();
    let mut body = name.to_string();
    let mut placeholder = 1;
    if !template.generics.is_empty() {
        let fields: Vec<String> = (template.generics.iter())
            .map(|g| {
                placeholder += 1;
                format!("${{{}:{g}}}", placeholder - 1)
            })
            .collect();
        body.push_str(&format!("[{}]", fields.join(", ")));
    }
    let args: Vec<String> = (template.params.iter())
        .map(|(p, _)| {
            placeholder += 1;
            format!("{p}: ${}", placeholder - 1)
        })
        .collect();
    body.push_str(&format!("({})", args.join(", ")));
    Completion {
        label: name.to_string(),
        kind: CompletionKind::Template,
        detail: Some(format!("[{generics}]({})", params.join(", "))),
        insert: Some(body),
        snippet: true,
    }
}

fn params_of(params: &[(&'static str, Ty)]) -> Vec<(String, Ty)> {
    params
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect()
}

/// `name(a: T, b: U) -> R`.
fn signature(name: &str, params: &[(String, Ty)], returns: &Ty) -> String {
    let params: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    match returns {
        Ty::Void => format!("{name}({})", params.join(", ")),
        returns => format!("{name}({}) -> {returns}", params.join(", ")),
    }
}

/// The item whose text holds `offset`.
fn enclosing_item(module: &ast::Module, offset: u32) -> Option<&ast::Item> {
    (module.items.iter()).find(|item| item.span.start < offset && offset <= item.span.end)
}

/// Item snippets, at the top level.
fn top_level() -> Vec<Completion> {
    use CompletionKind::Snippet;
    let mut items = vec![
        Completion::snippet(
            "token",
            Snippet,
            "a token",
            "token ${1:NAME} {\n    decimals: ${2:18}\n}",
        ),
        Completion::snippet(
            "param",
            Snippet,
            "a param",
            "param ${1:name}: ${2:type} = ${3:value}",
        ),
        Completion::snippet(
            "mechanism",
            Snippet,
            "a mechanism",
            "mechanism ${1:Name} {\n    state {\n        ${2:total}: ${3:uint}\n    }\n    action ${4:run}() {\n        $0\n    }\n}",
        ),
        Completion::snippet(
            "vesting",
            Snippet,
            "a vesting schedule",
            "vesting ${1:team} {\n    token: ${2:TOKEN}\n    beneficiary: ${3:wallet}\n    cliff: ${4:1 year}\n    duration: ${5:4 years}\n}",
        ),
        Completion::snippet(
            "governor",
            Snippet,
            "a governor",
            "governor ${1:DAO} {\n    token: ${2:TOKEN}\n    voting_delay: 1 day\n    voting_period: 1 week\n    quorum: 4%\n    timelock: 2 days\n    governs: [${3:param}]\n}",
        ),
        Completion::snippet(
            "scenario",
            Snippet,
            "a simulation scenario",
            "scenario ${1:baseline} {\n    steps: ${2:365}\n    period: ${3:1 day}\n    runs: ${4:10}\n    record ${5:supply} = ${6:TOKEN.total_supply}\n}",
        ),
    ];
    items.extend(tok_stdlib::MODULES.iter().map(|m| Completion {
        label: format!("use {}", m.path),
        kind: CompletionKind::Module,
        detail: Some(m.summary.to_string()),
        insert: None,
        snippet: false,
    }));
    items
}

/// How deep in braces `offset` is inside `item`.
fn depth(text: &str, item: &ast::Item, offset: usize) -> usize {
    let start = item.span.start as usize;
    let mut depth: usize = 0;
    for byte in text[start..offset].bytes() {
        match byte {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Whether only blanks precede the word on its line (a setting or member
/// starts there).
fn starts_line(before: &str) -> bool {
    before
        .rsplit('\n')
        .next()
        .is_some_and(|line| line.trim().is_empty())
}

fn settings(values: &[&str], flags: &[&str]) -> Vec<Completion> {
    let values = (values.iter()).map(|name| Completion {
        label: name.to_string(),
        kind: CompletionKind::Setting,
        detail: Some("setting".to_string()),
        insert: Some(format!("{name}: $1")),
        snippet: true,
    });
    let flags = (flags.iter())
        .map(|name| Completion::new(*name, CompletionKind::Setting, Some("flag".to_string())));
    values.chain(flags).collect()
}

fn inside_item(
    db: &dyn Db,
    file: SourceFile,
    sigs: &Signatures,
    item: &ast::Item,
    text: &str,
    offset: usize,
    before: &str,
) -> Vec<Completion> {
    use CompletionKind::Snippet;
    let depth = depth(text, item, offset);
    let line_start = starts_line(before);
    match &item.kind {
        ast::ItemKind::Token(_) if depth == 1 && line_start => {
            let mut all = settings(vocabulary::TOKEN_VALUES, vocabulary::TOKEN_FLAGS);
            all.push(Completion::snippet(
                "mint",
                Snippet,
                "a premint",
                "mint ${1:amount} to ${2:account}",
            ));
            all
        }
        ast::ItemKind::Vesting(_) if depth == 1 && line_start => {
            settings(vocabulary::VESTING_VALUES, &[])
        }
        ast::ItemKind::Governor(_) if depth == 1 && line_start => {
            settings(vocabulary::GOVERNOR_VALUES, &[])
        }
        ast::ItemKind::Scenario(_) if depth == 1 && line_start => {
            let mut all = settings(vocabulary::SCENARIO_VALUES, &[]);
            all.extend([
                Completion::snippet("agents", Snippet, "a population", "agents ${1:holder}[${2:100}] {\n    each step {\n        $0\n    }\n}"),
                Completion::snippet("series", Snippet, "an exogenous series", "series ${1:price}: float = gbm(start: ${2:1.0}, drift: ${3:0.0}, volatility: ${4:0.5})"),
                Completion::snippet("sweep", Snippet, "a param sweep", "sweep ${1:param} in [${2:values}]"),
                Completion::snippet("record", Snippet, "recorded columns", "record ${1:name} = ${2:value}"),
                Completion::snippet("setup", Snippet, "code before the first step", "setup {\n    $0\n}"),
            ]);
            all
        }
        ast::ItemKind::Mechanism(_) if depth == 1 && line_start => vec![
            Completion::snippet(
                "state",
                Snippet,
                "state fields",
                "state {\n    ${1:name}: ${2:uint}\n}",
            ),
            Completion::snippet(
                "event",
                Snippet,
                "an event",
                "event ${1:Name}(${2:who}: address)",
            ),
            Completion::snippet(
                "action",
                Snippet,
                "an action",
                "action ${1:name}(${2}) {\n    $0\n}",
            ),
            Completion::snippet(
                "view",
                Snippet,
                "a view",
                "view ${1:name}(${2}) -> ${3:uint} {\n    return $0\n}",
            ),
            Completion::snippet(
                "every",
                Snippet,
                "a periodic hook",
                "every ${1:1 day} {\n    $0\n}",
            ),
            Completion::snippet(
                "invariant",
                Snippet,
                "an invariant",
                "invariant ${1:condition} else \"${2:reason}\"",
            ),
        ],
        _ if depth == 0 => Vec::new(),
        _ => in_scope(db, file, sigs, item, offset as u32, line_start),
    }
}

/// Names in scope inside a body, and statement keywords at a line start.
fn in_scope(
    db: &dyn Db,
    file: SourceFile,
    sigs: &Signatures,
    item: &ast::Item,
    offset: u32,
    line_start: bool,
) -> Vec<Completion> {
    let mut all: Vec<Completion> = Vec::new();
    let scenario = matches!(item.kind, ast::ItemKind::Scenario(_));
    // Locals declared earlier in this item.
    for resolution in tok_driver::resolutions(db, file) {
        let inside = item.span.start <= resolution.span.start && resolution.span.end < offset;
        if !(resolution.declaration && inside) {
            continue;
        }
        let ty = resolution.ty.as_ref().map(Ty::to_string);
        match &resolution.definition {
            Definition::Local { name, .. } => {
                all.push(Completion::new(name, CompletionKind::Local, ty))
            }
            Definition::Population(name) if scenario => {
                all.push(Completion::new(name, CompletionKind::Population, None))
            }
            Definition::Series(name) if scenario => {
                all.push(Completion::new(name, CompletionKind::Series, ty))
            }
            _ => {}
        }
    }
    if let ast::ItemKind::Mechanism(mechanism) = &item.kind
        && let Some(sig) = sigs.mechanisms.get(&mechanism.name.text)
    {
        all.extend(
            (sig.state.iter())
                .map(|(n, t)| Completion::new(n, CompletionKind::Field, Some(t.to_string()))),
        );
        all.extend((sig.views.iter()).map(|(n, f)| {
            let returns = f.returns.clone().unwrap_or(Ty::Void);
            Completion::new(
                n,
                CompletionKind::View,
                Some(signature(n, &f.params, &returns)),
            )
        }));
    }
    all.extend(
        (sigs.params.iter())
            .map(|(n, t)| Completion::new(n, CompletionKind::Param, Some(t.to_string()))),
    );
    all.extend(
        (sigs.tokens.keys())
            .map(|n| Completion::new(n, CompletionKind::Token, Some("token".to_string()))),
    );
    all.extend(
        (sigs.mechanisms.keys())
            .map(|n| Completion::new(n, CompletionKind::Mechanism, Some("mechanism".to_string()))),
    );
    all.extend(
        (sigs.vestings.keys())
            .map(|n| Completion::new(n, CompletionKind::Vesting, Some("vesting".to_string()))),
    );
    all.extend(
        (sigs.governors.keys())
            .map(|n| Completion::new(n, CompletionKind::Governor, Some("governor".to_string()))),
    );
    for value in vocabulary::BUILTIN_VALUES {
        let scenario_only = matches!(*value, "index" | "current_step");
        if scenario_only == scenario || !scenario_only {
            all.push(Completion::new(
                *value,
                CompletionKind::Value,
                Some("builtin".to_string()),
            ));
        }
    }
    for (name, function) in vocabulary::BUILTIN_FUNCTIONS {
        // Randomness, floats and processes belong to scenarios.
        let scenario_only = matches!(
            function,
            BuiltinFunction::Uniform
                | BuiltinFunction::Normal
                | BuiltinFunction::Bernoulli
                | BuiltinFunction::ToFloat
                | BuiltinFunction::Gbm
                | BuiltinFunction::RandomWalk
        );
        if scenario_only && !scenario {
            continue;
        }
        let params = vocabulary::builtin_parameters(*function);
        all.push(Completion {
            label: name.to_string(),
            kind: CompletionKind::Function,
            detail: Some(format!("{name}({})", params.join(", "))),
            insert: Some(if params.is_empty() {
                format!("{name}()")
            } else {
                format!("{name}($1)")
            }),
            snippet: true,
        });
    }
    if line_start {
        let statements: &[&str] = if scenario {
            &["let", "if", "for", "as"]
        } else {
            &["let", "if", "for", "require", "revert", "emit", "return"]
        };
        all.extend(
            statements
                .iter()
                .filter(|k| KEYWORDS.contains(k))
                .map(|k| Completion::new(*k, CompletionKind::Keyword, None)),
        );
    }
    all
}

/// The call the cursor is in: its signature, parameters and the argument
/// being written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    pub label: String,
    pub parameters: Vec<String>,
    pub active: usize,
}

/// Signature help at `offset`: for an action or view, a token method, a
/// builtin function, an event being emitted, or a template instantiated.
pub fn signature_help(db: &dyn Db, file: SourceFile, offset: u32) -> Option<SignatureHelp> {
    let text = file.text(db);
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset)?;
    // The innermost unclosed `(` before the cursor, and the commas after it.
    let (mut depth, mut commas) = (0usize, 0usize);
    let mut open = None;
    for (index, c) in before.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '[' | '{' if depth > 0 => depth -= 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(index);
                break;
            }
            ',' if depth == 0 => commas += 1,
            '\n' if before[..index].trim_end().ends_with('{') => return None,
            _ => {}
        }
    }
    let callee_text = before[..open?].trim_end();
    let sigs = tok_driver::signatures(db, file);
    let (label, parameters) = callee(sigs, callee_text)?;
    Some(SignatureHelp {
        label,
        active: commas.min(parameters.len().saturating_sub(1)),
        parameters,
    })
}

/// The signature of the callee that `text` ends with.
fn callee(sigs: &Signatures, text: &str) -> Option<(String, Vec<String>)> {
    let described = |name: &str, params: Vec<(String, Ty)>, returns: &Ty| {
        let parameters: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        (signature(name, &params, returns), parameters)
    };
    // A template instance: `module.Template[T, U](`.
    if let Some(head) = text.strip_suffix(']') {
        let open = head.rfind('[')?;
        let path = trailing_path(&head[..open]);
        let names: Vec<&str> = path.split('.').collect();
        let template = match names.as_slice() {
            [name] => sigs.templates.get(*name)?,
            [alias, name] => {
                let module = sigs.modules.get(*alias)?;
                tok_sema::template::stdlib_templates()
                    .get(&format!("{}.{name}", module.join(".")))?
            }
            _ => tok_sema::template::stdlib_templates().get(&path)?,
        };
        let parameters: Vec<String> = (template.params.iter())
            .map(|(n, t)| format!("{n}: {t}"))
            .collect();
        return Some((format!("{path}({})", parameters.join(", ")), parameters));
    }
    let name = trailing_name(text);
    let before = &text[..text.len() - name.len()];
    if let Some(receiver) = before.strip_suffix('.').map(trailing_name) {
        if let Some((_, method)) = (sigs.tokens.contains_key(receiver))
            .then(|| vocabulary::TOKEN_MEMBERS.iter().find(|(n, _)| *n == name))
            .flatten()
        {
            let (params, returns) = vocabulary::token_method(*method, receiver);
            return Some(described(name, params_of(&params), &returns));
        }
        let mechanism = sigs.mechanisms.get(receiver)?;
        if let Some(f) = mechanism.actions.get(name) {
            return Some(described(name, f.params.clone(), &Ty::Void));
        }
        let f = mechanism.views.get(name)?;
        return Some(described(
            name,
            f.params.clone(),
            &f.returns.clone().unwrap_or(Ty::Void),
        ));
    }
    if before.trim_end().ends_with("emit") {
        let fields = (sigs.mechanisms.values()).find_map(|m| m.events.get(name))?;
        return Some(described(name, fields.clone(), &Ty::Void));
    }
    if let Some((_, function)) = vocabulary::BUILTIN_FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
    {
        let parameters: Vec<String> = (vocabulary::builtin_parameters(*function).iter())
            .map(|p| p.to_string())
            .collect();
        return Some((format!("{name}({})", parameters.join(", ")), parameters));
    }
    // A view of the mechanism the call is in, named without it.
    let f = (sigs.mechanisms.values()).find_map(|m| m.views.get(name))?;
    Some(described(
        name,
        f.params.clone(),
        &f.returns.clone().unwrap_or(Ty::Void),
    ))
}

/// The dotted path that ends `text`: `emission.ConstantEmission`.
fn trailing_path(text: &str) -> String {
    text[word_start(text, |c| c.is_ascii_alphanumeric() || c == '_' || c == '.')..].to_string()
}
