//! Scenarios: their settings, series, setup, populations of agents,
//! sweeps and recorded columns.

use super::*;

impl Checker<'_> {
    pub(super) fn scenario(&mut self, scenario: &ast::Scenario) -> hir::ScenarioDef {
        self.world = World::Scenario;
        self.body = Body::ScenarioRead;
        // Names a scenario declares are visible throughout it.
        for entry in &scenario.entries {
            match &entry.kind {
                ast::ScenarioEntryKind::Series { name, .. } => {
                    self.scenario.series.insert(name.text.clone());
                }
                ast::ScenarioEntryKind::Agents(agents) => {
                    let mut state = BTreeMap::new();
                    let mut sink = Vec::new();
                    for member in &agents.members {
                        if let ast::AgentMemberKind::State(fields) = &member.kind {
                            for field in fields {
                                state.insert(
                                    field.name.text.clone(),
                                    self.sigs.resolve_type(&field.ty, &mut sink),
                                );
                            }
                        }
                    }
                    self.scenario
                        .populations
                        .insert(agents.name.text.clone(), state);
                }
                _ => {}
            }
        }
        let mut settings_values: BTreeMap<String, &ast::Expr> = BTreeMap::new();
        let mut setting_spans: BTreeMap<&str, Span> = BTreeMap::new();
        let definition = hir::Definition::Scenario(scenario.name.text.clone());
        self.declares(scenario.name.span, definition, None);
        let mut def = hir::ScenarioDef {
            name: scenario.name.text.clone(),
            span: scenario.name.span,
            steps: hir::Expr::error(scenario.name.span),
            period: int_expr(
                U256::from(TimeUnit::Day.seconds()),
                Ty::Duration,
                scenario.name.span,
            ),
            runs: int_expr(U256::ONE, Ty::Uint, scenario.name.span),
            seed: int_expr(U256::ZERO, Ty::Uint, scenario.name.span),
            order: hir::StepOrder::Simultaneous,
            series: Vec::new(),
            agents: Vec::new(),
            setup: None,
            each_step: None,
            sweeps: Vec::new(),
            records: Vec::new(),
        };
        let mut names: BTreeMap<&str, Span> = BTreeMap::new();
        let mut column_names: BTreeMap<&str, Span> = BTreeMap::new();
        for entry in &scenario.entries {
            match &entry.kind {
                ast::ScenarioEntryKind::Setting(setting) => match &setting.kind {
                    ast::SettingKind::Value { name, value } => {
                        if let Some(first) = setting_spans.get(name.text.as_str()) {
                            self.report(duplicate_setting(name, *first));
                            continue;
                        }
                        setting_spans.insert(&name.text, name.span);
                        if SCENARIO_VALUES.contains(&name.text.as_str()) {
                            settings_values.insert(name.text.clone(), value);
                        } else {
                            self.report(unknown_setting(name, SCENARIO_VALUES, "scenario"));
                        }
                    }
                    ast::SettingKind::Flag(name) => self.report(unknown_setting(name, SCENARIO_VALUES, "scenario")),
                    ast::SettingKind::Mint { .. } => self.report(
                        Diagnostic::error(Code::MISPLACED_ITEM, setting.span, "`mint` belongs in a token declaration")
                            .with_label("not allowed in a scenario")
                            .with_help("premint in the token, then move tokens in `setup` with `as treasury { ... }`"),
                    ),
                    ast::SettingKind::Error => {}
                },
                ast::ScenarioEntryKind::Agents(agents) => {
                    duplicate(&mut names, &agents.name, &mut self.diagnostics);
                    def.agents.push(self.agents(agents));
                }
                ast::ScenarioEntryKind::Series { name, ty, value } => {
                    duplicate(&mut names, name, &mut self.diagnostics);
                    let definition = hir::Definition::Series(name.text.clone());
                    self.declares(name.span, definition, Some(&Ty::Float));
                    let declared = ty.as_ref().map(|ty| self.resolve_type(ty));
                    let process = self.expr(value);
                    let is_process = matches!(
                        process.kind,
                        hir::ExprKind::Call { callee: Callee::Function(BuiltinFunction::Gbm | BuiltinFunction::RandomWalk), .. }
                    );
                    if !is_process && !process.ty.is_error() {
                        self.report(
                            Diagnostic::error(Code::TYPE_MISMATCH, value.span, "a series needs a random process")
                                .with_label("not a process")
                                .with_help("use `gbm(start: 1.0, drift: 0.05, volatility: 0.3)` or `random_walk(start: 1.0, step: 0.01)`"),
                        );
                    }
                    if let Some(declared) = declared
                        && declared != Ty::Float
                        && !declared.is_error()
                    {
                        self.report(
                            Diagnostic::error(Code::TYPE_MISMATCH, ty.as_ref().map_or(name.span, |t| t.span), "series are floats")
                                .with_label(format!("declared `{declared}`"))
                                .with_help("declare `series price: float = ...`"),
                        );
                    }
                    def.series.push(hir::SeriesDef {
                        name: name.text.clone(),
                        process,
                    });
                }
                ast::ScenarioEntryKind::Sweep { param, values } => {
                    if let Some(ty) = self.sigs.params.get(&param.text).cloned() {
                        let definition = hir::Definition::Param(param.text.clone());
                        self.refers(param.span, definition, Some(&ty));
                    }
                    let Some(ty) = self.sigs.params.get(&param.text).cloned() else {
                        let mut diagnostic = Diagnostic::error(Code::UNKNOWN_NAME, param.span, format!("cannot sweep `{}`: no such param", param.text))
                            .with_label("not a param");
                        if let Some(suggestion) = did_you_mean(&param.text, self.sigs.params.keys().map(String::as_str)) {
                            diagnostic = diagnostic.with_did_you_mean(suggestion);
                        }
                        self.report(diagnostic);
                        continue;
                    };
                    let saved = std::mem::replace(&mut self.body, Body::Constant);
                    let values = values
                        .iter()
                        .map(|value| {
                            let value = self.expr_expect(value, &ty);
                            if !is_literal(&value) && !value.ty.is_error() {
                                self.report(
                                    Diagnostic::error(Code::NOT_CONSTANT, value.span, "sweep values must be literals")
                                        .with_label("not a literal")
                                        .with_help("list the values to try, e.g. `[2%, 5%, 10%]`"),
                                );
                            }
                            value
                        })
                        .collect();
                    self.body = saved;
                    def.sweeps.push(hir::Sweep {
                        param: param.text.clone(),
                        values,
                    });
                }
                ast::ScenarioEntryKind::Record(columns) => {
                    for (name, value) in columns {
                        // Column names are output names, a namespace of their own.
                        duplicate(&mut column_names, name, &mut self.diagnostics);
                        let value = self.expr(value);
                        if !(value.ty.is_numeric() || value.ty == Ty::Bool || value.ty.is_error()) {
                            self.report(
                                Diagnostic::error(Code::TYPE_MISMATCH, value.span, "only numbers and bools can be recorded")
                                    .with_label(format!("this is `{}`", value.ty))
                                    .with_help("record an amount, a ratio, a count or a float"),
                            );
                        }
                        def.records.push((name.text.clone(), value));
                    }
                }
                ast::ScenarioEntryKind::Setup(body) => {
                    self.body = Body::Agent;
                    def.setup = Some(self.block(body));
                    self.body = Body::ScenarioRead;
                }
                ast::ScenarioEntryKind::EachStep(body) => {
                    self.body = Body::Agent;
                    def.each_step = Some(self.block(body));
                    self.body = Body::ScenarioRead;
                }
                ast::ScenarioEntryKind::Error => {}
            }
        }
        self.body = Body::Constant;
        for (name, value) in settings_values {
            match name.as_str() {
                "steps" => def.steps = self.constant_setting(value, &Ty::Uint, "`steps`"),
                "period" => def.period = self.constant_setting(value, &Ty::Duration, "`period`"),
                "runs" => def.runs = self.constant_setting(value, &Ty::Uint, "`runs`"),
                "seed" => def.seed = self.constant_setting(value, &Ty::Uint, "`seed`"),
                "order" => match &value.kind {
                    ast::ExprKind::Name(order) if order == "simultaneous" => def.order = hir::StepOrder::Simultaneous,
                    ast::ExprKind::Name(order) if order == "sequential" => def.order = hir::StepOrder::Sequential,
                    _ => self.report(
                        Diagnostic::error(Code::TYPE_MISMATCH, value.span, "unknown step order")
                            .with_label("expected `simultaneous` or `sequential`")
                            .with_help("`simultaneous`: agents decide from the start-of-step state; `sequential`: each sees the previous agents' effects"),
                    ),
                },
                _ => {}
            }
        }
        if !setting_spans.contains_key("steps") {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    scenario.name.span,
                    format!("scenario `{}` has no `steps`", scenario.name.text),
                )
                .with_label("`steps` is required")
                .with_help("add `steps: 365` (and `period: 1 day` for the step length)"),
            );
        }
        self.world = World::Chain;
        def
    }

    pub(super) fn agents(&mut self, agents: &ast::Agents) -> hir::AgentsDef {
        let definition = hir::Definition::Population(agents.name.text.clone());
        self.declares(agents.name.span, definition, None);
        self.body = Body::Constant;
        let count = self.constant_setting(&agents.count, &Ty::Uint, "an agent count");
        let mut def = hir::AgentsDef {
            name: agents.name.text.clone(),
            count,
            state: Vec::new(),
            start: None,
            each_step: None,
        };
        self.population = Some(agents.name.text.clone());
        for member in &agents.members {
            match &member.kind {
                ast::AgentMemberKind::State(fields) => {
                    self.body = Body::Constant;
                    for field in fields {
                        let ty = self.resolve_type(&field.ty);
                        let definition = hir::Definition::AgentField {
                            population: agents.name.text.clone(),
                            field: field.name.text.clone(),
                        };
                        self.declares(field.name.span, definition, Some(&ty));
                        let init = field
                            .default
                            .as_ref()
                            .map(|value| self.expr_expect(value, &ty));
                        def.state.push(hir::StateField {
                            name: field.name.text.clone(),
                            ty,
                            init,
                            bound: None,
                        });
                    }
                }
                ast::AgentMemberKind::Start(body) => {
                    self.body = Body::Agent;
                    def.start = Some(self.block(body));
                }
                ast::AgentMemberKind::EachStep(body) => {
                    self.body = Body::Agent;
                    def.each_step = Some(self.block(body));
                }
                ast::AgentMemberKind::Error => {}
            }
        }
        self.population = None;
        self.body = Body::ScenarioRead;
        def
    }
}
