//! Declarations: `use`, params, tokens, mechanisms and their members,
//! template instances, vesting schedules and governors.

use super::*;

impl Checker<'_> {
    pub(super) fn use_item(
        &mut self,
        path: &[ast::Name],
        known_modules: &[&str],
    ) -> Option<hir::Item> {
        let text: Vec<String> = path.iter().map(|name| name.text.clone()).collect();
        let joined = text.join(".");
        let span = path.first()?.span.to(path.last()?.span);
        if !known_modules.contains(&joined.as_str()) {
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_MODULE,
                span,
                format!("unknown module `{joined}`"),
            )
            .with_label("the standard library has no such module");
            diagnostic = match did_you_mean(&joined, known_modules.iter().copied()) {
                Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                None => {
                    diagnostic.with_help(format!("available modules: {}", known_modules.join(", ")))
                }
            };
            self.report(diagnostic);
            return None;
        }
        Some(hir::Item::Use(text))
    }

    pub(super) fn param(&mut self, param: &ast::Param) -> hir::ParamDef {
        // Params are shared by both worlds; a float param is usable only in scenarios.
        self.world = World::Scenario;
        let ty = self.resolve_type(&param.ty);
        self.world = World::Chain;
        let definition = hir::Definition::Param(param.name.text.clone());
        self.declares(param.name.span, definition, Some(&ty));
        if matches!(ty, Ty::Map(..) | Ty::List(_)) {
            self.report(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    param.ty.span,
                    "a param cannot be a map or a list",
                )
                .with_label("params are single values fixed at deployment")
                .with_help("declare collections as mechanism `state`"),
            );
        }
        let default = param.default.as_ref().map(|value| {
            self.world = if ty.is_scenario_only() {
                World::Scenario
            } else {
                World::Chain
            };
            let value = self.expr_expect(value, &ty);
            self.world = World::Chain;
            if !is_literal(&value) && !value.ty.is_error() {
                self.report(
                    Diagnostic::error(
                        Code::NOT_CONSTANT,
                        value.span,
                        "a param default must be a literal",
                    )
                    .with_label("not a literal")
                    .with_help("write the value itself, e.g. `5%` or `1_000 EMB`"),
                );
            }
            value
        });
        hir::ParamDef {
            name: param.name.text.clone(),
            ty,
            default,
        }
    }

    pub(super) fn token(&mut self, decl: &ast::Decl) -> hir::TokenDef {
        let token = decl.name.text.clone();
        self.declares(decl.name.span, hir::Definition::Token(token.clone()), None);
        let amount = Ty::Amount(token.clone());
        let mut settings = Settings::collect(self, decl, TOKEN_VALUES, TOKEN_FLAGS);
        let mut def = hir::TokenDef {
            name: token.clone(),
            display_name: token.clone(),
            symbol: token.clone(),
            decimals: self.sigs.tokens.get(&token).map_or(18, |sig| sig.decimals),
            cap: None,
            mints: Vec::new(),
            burnable: settings.flag("burnable"),
            pausable: settings.flag("pausable"),
            votes: settings.flag("votes"),
            permit: settings.flag("permit"),
            owner: None,
            minters: Vec::new(),
            transfer_fee: None,
            fee_to: None,
            fee_exempt: Vec::new(),
        };
        if let Some(value) = settings.take("name") {
            def.display_name = self.string_setting(value);
        }
        if let Some(value) = settings.take("symbol") {
            def.symbol = self.string_setting(value);
        }
        if let Some(value) = settings.take("decimals") {
            let checked = self.expr_expect(value, &Ty::Uint);
            match checked.kind {
                hir::ExprKind::Int(n) if n <= U256::from(MAX_DECIMALS) => {}
                hir::ExprKind::Error => {}
                _ => self.report(
                    Diagnostic::error(Code::INVALID_DECIMALS, value.span, "invalid `decimals`")
                        .with_label(format!("expected a whole number from 0 to {MAX_DECIMALS}"))
                        .with_note("Amounts are 256-bit integers in the token's smallest unit, so 10^decimals must fit.")
                        .with_help("most tokens use `decimals: 18`"),
                ),
            }
        }
        if let Some(value) = settings.take("cap") {
            def.cap = Some(self.constant_setting(value, &amount, "`cap`"));
        }
        if let Some(value) = settings.take("owner") {
            def.owner = Some(self.constant_setting(value, &Ty::Address, "`owner`"));
        }
        if let Some(value) = settings.take("minters") {
            def.minters = self.address_list(value);
        }
        if let Some(value) = settings.take("transfer_fee") {
            def.transfer_fee = Some(self.constant_setting(value, &Ty::Ratio, "`transfer_fee`"));
        }
        if let Some(value) = settings.take("fee_to") {
            def.fee_to = Some(self.constant_setting(value, &Ty::Address, "`fee_to`"));
        }
        if let Some(value) = settings.take("fee_exempt") {
            def.fee_exempt = self.address_list(value);
        }
        if def.pausable && def.owner.is_none() {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    decl.name.span,
                    format!("pausable token `{token}` has no `owner`"),
                )
                .with_label("someone must be allowed to pause")
                .with_help("add `owner: treasury` (an address param) or `owner: DAO`"),
            );
        }
        for (amount_expr, to) in std::mem::take(&mut settings.mints) {
            let amount_value = self.constant_setting(amount_expr, &amount, "a premint amount");
            let to = self.expr_expect(to, &Ty::Address);
            def.mints.push(hir::Mint {
                amount: amount_value,
                to,
            });
        }
        def
    }

    pub(super) fn string_setting(&mut self, value: &ast::Expr) -> String {
        let checked = self.expr_expect(value, &Ty::Str);
        match checked.kind {
            hir::ExprKind::Str(text) => text,
            _ => String::new(),
        }
    }

    pub(super) fn constant_setting(&mut self, value: &ast::Expr, ty: &Ty, what: &str) -> hir::Expr {
        let checked = self.expr_expect(value, ty);
        self.require_constant(&checked, what);
        checked
    }

    pub(super) fn address_list(&mut self, value: &ast::Expr) -> Vec<hir::Expr> {
        match &value.kind {
            ast::ExprKind::List(items) => items
                .iter()
                .map(|item| self.expr_expect(item, &Ty::Address))
                .collect(),
            _ => {
                self.report(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        value.span,
                        "expected a list of addresses",
                    )
                    .with_label("not a list")
                    .with_help("write `[treasury, Staking]`"),
                );
                Vec::new()
            }
        }
    }

    pub(super) fn mechanism(&mut self, mechanism: &ast::Mechanism) -> hir::MechanismDef {
        let name = mechanism.name.text.clone();
        self.declares(
            mechanism.name.span,
            hir::Definition::Mechanism(name.clone()),
            None,
        );
        self.mechanism = Some(name.clone());
        let mut def = hir::MechanismDef {
            name,
            span: mechanism.name.span,
            state: Vec::new(),
            events: Vec::new(),
            actions: Vec::new(),
            views: Vec::new(),
            hooks: Vec::new(),
            invariants: Vec::new(),
        };
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in &mechanism.members {
            match &member.kind {
                ast::MemberKind::State(fields) => {
                    for field in fields {
                        duplicate(&mut seen, &field.name, &mut self.diagnostics);
                    }
                }
                ast::MemberKind::Event { name, .. } => {
                    duplicate(&mut seen, name, &mut self.diagnostics)
                }
                ast::MemberKind::Action(function) | ast::MemberKind::View(function) => {
                    duplicate(&mut seen, &function.name, &mut self.diagnostics);
                }
                _ => {}
            }
        }
        for member in &mechanism.members {
            match &member.kind {
                ast::MemberKind::State(fields) => {
                    self.body = Body::StateInit;
                    for field in fields {
                        let (ty, bound) = self.resolve_type_with_bound(&field.ty);
                        let definition = hir::Definition::Field {
                            mechanism: def.name.clone(),
                            field: field.name.text.clone(),
                        };
                        self.declares(field.name.span, definition, Some(&ty));
                        let init = field.default.as_ref().map(|value| {
                            let value = self.expr_expect(value, &ty);
                            self.require_constant(&value, "a state initial value");
                            value
                        });
                        def.state.push(hir::StateField {
                            name: field.name.text.clone(),
                            ty,
                            init,
                            bound,
                        });
                    }
                }
                ast::MemberKind::Event { name, fields } => {
                    let fields = self.params(fields);
                    let definition = hir::Definition::Event {
                        mechanism: def.name.clone(),
                        event: name.text.clone(),
                    };
                    self.declares(name.span, definition, None);
                    def.events.push(hir::EventDef {
                        name: name.text.clone(),
                        fields,
                    });
                }
                ast::MemberKind::Action(function) => {
                    let definition = hir::Definition::Action {
                        mechanism: def.name.clone(),
                        action: function.name.text.clone(),
                    };
                    self.declares(function.name.span, definition, None);
                    def.actions.push(self.function(function, Body::Action));
                }
                ast::MemberKind::View(function) => {
                    let definition = hir::Definition::View {
                        mechanism: def.name.clone(),
                        view: function.name.text.clone(),
                    };
                    self.declares(function.name.span, definition, None);
                    def.views.push(self.function(function, Body::View));
                }
                ast::MemberKind::Every { period, body } => {
                    self.body = Body::Constant;
                    let period_value = self.expr_expect(period, &Ty::Duration);
                    self.require_constant(&period_value, "a hook period");
                    if let hir::ExprKind::Int(seconds) = period_value.kind
                        && seconds == U256::ZERO
                    {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                period.span,
                                "a hook period must be longer than zero",
                            )
                            .with_label("zero duration")
                            .with_help("write for example `every 1 day`"),
                        );
                    }
                    self.body = Body::Hook;
                    let body = self.block(body);
                    def.hooks.push(hir::Hook {
                        span: member.span,
                        period: period_value,
                        body,
                    });
                }
                ast::MemberKind::Invariant { condition, message } => {
                    self.body = Body::Invariant;
                    let condition = self.condition(condition);
                    let message = message.as_ref().and_then(|message| self.reason(message));
                    def.invariants.push(hir::Invariant { condition, message });
                }
                ast::MemberKind::Error => {}
            }
        }
        self.mechanism = None;
        def
    }

    /// Checks an instance's arguments against the template's parameters,
    /// then checks the expanded mechanism. Problems inside the expansion are
    /// reported at the instance.
    pub(super) fn instance(&mut self, instance: &ast::Instance) -> Option<hir::MechanismDef> {
        let template = match self.sigs.template(&instance.template) {
            Some(template) => template.clone(),
            None => {
                let path: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
                let path = path.join(".");
                let span = instance
                    .template
                    .first()?
                    .span
                    .to(instance.template.last()?.span);
                let mut candidates: Vec<String> = self.sigs.templates.keys().cloned().collect();
                for (alias, module) in &self.sigs.modules {
                    let prefix = format!("{}.", module.join("."));
                    candidates.extend(crate::template::stdlib_templates().keys().filter_map(
                        |full| {
                            full.strip_prefix(&prefix)
                                .map(|rest| format!("{alias}.{rest}"))
                        },
                    ));
                }
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_TEMPLATE,
                    span,
                    format!("unknown template `{path}`"),
                )
                .with_label("no mechanism template of this name");
                diagnostic = match did_you_mean(&path, candidates.iter().map(String::as_str)) {
                    Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                    None => diagnostic.with_help("import a standard-library module (`use std.amm`) and name its template: `amm.ConstantProduct`"),
                };
                self.report(diagnostic);
                return None;
            }
        };
        for token in &instance.tokens {
            if !self.sigs.tokens.contains_key(&token.text) {
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_NAME,
                    token.span,
                    format!("unknown token `{}`", token.text),
                )
                .with_label("template parameters in `[...]` are tokens");
                if let Some(suggestion) =
                    did_you_mean(&token.text, self.sigs.tokens.keys().map(String::as_str))
                {
                    diagnostic = diagnostic.with_did_you_mean(suggestion);
                }
                self.report(diagnostic);
                return None;
            }
        }
        let map = match crate::template::substitutions(&template, instance) {
            Ok(map) => map,
            Err(diagnostic) => {
                self.report(diagnostic);
                return None;
            }
        };
        // Each argument against its parameter's type, with the tokens filled in.
        self.body = Body::Constant;
        let mut position = 0;
        for arg in &instance.args {
            let index = match &arg.name {
                Some(name) => template.params.iter().position(|(p, _)| *p == name.text),
                None => {
                    position += 1;
                    Some(position - 1)
                }
            };
            let Some((_, ty_text)) = index.and_then(|i| template.params.get(i)) else {
                continue;
            };
            let ty_text = crate::template::substitute(ty_text, &map);
            let parsed = tok_syntax::parse(&format!("param p: {ty_text}"));
            let Some(ast::ItemKind::Param(param)) =
                parsed.module.items.first().map(|item| &item.kind)
            else {
                continue;
            };
            let ty = self.sigs.resolve_type(&param.ty, &mut Vec::new());
            let value = self.expr_expect(&arg.value, &ty);
            self.require_constant(&value, "a template argument");
        }
        let expanded = match crate::template::expand(&template, instance) {
            Ok(expanded) => expanded,
            Err(diagnostic) => {
                self.report(diagnostic);
                return None;
            }
        };
        let before = self.diagnostics.len();
        let recorded = self.resolutions.len();
        let mut def = self.mechanism(&expanded);
        // The expansion's names are in the template's text: of them only
        // the instance's own name stands, at the instance.
        self.resolutions.truncate(recorded);
        let definition = hir::Definition::Mechanism(instance.name.text.clone());
        self.declares(instance.name.span, definition, None);
        if let (Some(first), Some(last)) = (instance.template.first(), instance.template.last()) {
            let path = match instance.template.as_slice() {
                [_] => template.name.clone(),
                _ => full_template_path(self.sigs, &instance.template),
            };
            self.refers(
                first.span.to(last.span),
                hir::Definition::Template(path),
                None,
            );
        }
        for token in &instance.tokens {
            self.refers_to_token(token);
        }
        // The expansion's spans are in the template's text: its declarations
        // are shown at the instance's name.
        def.span = instance.name.span;
        for function in def.actions.iter_mut().chain(&mut def.views) {
            function.span = instance.name.span;
        }
        for hook in &mut def.hooks {
            hook.span = instance.name.span;
        }
        let shown: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
        let shown = shown.join(".");
        for diagnostic in &mut self.diagnostics[before..] {
            let original = std::mem::replace(
                diagnostic,
                Diagnostic::error(Code::TEMPLATE_EXPANSION, instance.name.span, ""),
            );
            *diagnostic = Diagnostic::error(
                Code::TEMPLATE_EXPANSION,
                instance.name.span,
                format!(
                    "`{}` does not check as an instance of `{shown}`",
                    instance.name.text
                ),
            )
            .with_label(format!(
                "in the expansion: [{}] {}",
                original.code.as_str(),
                original.message
            ))
            .with_help(original.help.unwrap_or_else(|| {
                "check the tokens and arguments against the template's parameters".to_string()
            }));
        }
        Some(def)
    }

    pub(super) fn params(&mut self, fields: &[ast::Field]) -> Vec<(String, Ty)> {
        let mut seen = BTreeMap::new();
        fields
            .iter()
            .map(|field| {
                duplicate(&mut seen, &field.name, &mut self.diagnostics);
                if let Some(default) = &field.default {
                    self.report(
                        Diagnostic::error(
                            Code::UNEXPECTED_TOKEN,
                            default.span,
                            "parameters cannot have defaults",
                        )
                        .with_label("remove this default")
                        .with_help("defaults belong to `param` declarations and `state` fields"),
                    );
                }
                let ty = self.resolve_type(&field.ty);
                let ty = self.single_value(ty, &field.ty, "a parameter or event field");
                (field.name.text.clone(), ty)
            })
            .collect()
    }

    /// Collections live in state; what crosses a call or an event is one value.
    pub(super) fn single_value(&mut self, ty: Ty, written: &ast::Type, what: &str) -> Ty {
        if !matches!(ty, Ty::Map(..) | Ty::List(_)) {
            return ty;
        }
        self.report(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                written.span,
                format!("{what} cannot be a map or a list"),
            )
            .with_label("only single values cross calls and events")
            .with_help("keep collections in mechanism `state` and pass keys or indices"),
        );
        Ty::Error
    }

    pub(super) fn function(&mut self, function: &ast::Function, body_kind: Body) -> hir::Function {
        self.body = body_kind;
        let params = self.params(&function.params);
        let access = function
            .access
            .iter()
            .filter_map(|name| self.access(name))
            .collect();
        let returns = function.returns.as_ref().map(|ty| {
            let resolved = self.resolve_type(ty);
            self.single_value(resolved, ty, "a return value")
        });
        self.locals.push(BTreeMap::new());
        for (field, (_, ty)) in function.params.iter().zip(&params) {
            self.declare_local(&field.name, ty.clone());
        }
        let returns_for_body = returns.clone();
        let body = self.block_with(&function.body, returns_for_body.as_ref());
        self.locals.pop();
        if let Some(ty) = &returns
            && !ty.is_error()
            && !always_returns(&body)
        {
            self.report(
                Diagnostic::error(
                    Code::MISSING_RETURN,
                    function.name.span,
                    format!("view `{}` may not return a value", function.name.text),
                )
                .with_label(format!("declared to return `{ty}`"))
                .with_help("end every path with `return <value>`"),
            );
        }
        hir::Function {
            name: function.name.text.clone(),
            span: function.name.span,
            params,
            access,
            returns,
            body,
        }
    }

    pub(super) fn access(&mut self, name: &ast::Name) -> Option<hir::Access> {
        let text = &name.text;
        if self.sigs.governors.contains_key(text) {
            self.refers(name.span, hir::Definition::Governor(text.clone()), None);
            return Some(hir::Access::Governor(text.clone()));
        }
        if self.sigs.mechanisms.contains_key(text) {
            self.refers(name.span, hir::Definition::Mechanism(text.clone()), None);
            return Some(hir::Access::Mechanism(text.clone()));
        }
        if self.sigs.params.get(text) == Some(&Ty::Address) {
            self.refers(
                name.span,
                hir::Definition::Param(text.clone()),
                Some(&Ty::Address),
            );
            return Some(hir::Access::Param(text.clone()));
        }
        let candidates: Vec<&str> = self
            .sigs
            .governors
            .keys()
            .chain(self.sigs.mechanisms.keys())
            .map(String::as_str)
            .chain(
                self.sigs
                    .params
                    .iter()
                    .filter(|(_, ty)| **ty == Ty::Address)
                    .map(|(n, _)| n.as_str()),
            )
            .collect();
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_ACCESS,
            name.span,
            format!("cannot restrict access to `{text}`"),
        )
        .with_label("not an address param, a governor or a mechanism");
        if let Some(suggestion) = did_you_mean(text, candidates.iter().copied()) {
            diagnostic = diagnostic.with_did_you_mean(suggestion);
        } else {
            diagnostic = diagnostic.with_help(
                "declare `param admin: address` or a `governor`, and write `only admin`",
            );
        }
        self.report(diagnostic);
        None
    }

    pub(super) fn vesting(&mut self, decl: &ast::Decl) -> Option<hir::VestingDef> {
        let definition = hir::Definition::Vesting(decl.name.text.clone());
        self.declares(decl.name.span, definition, None);
        let mut settings = Settings::collect(self, decl, VESTING_VALUES, &[]);
        let token = settings
            .take("token")
            .and_then(|value| self.token_name(value));
        let beneficiary = settings
            .take("beneficiary")
            .map(|v| self.constant_setting(v, &Ty::Address, "`beneficiary`"));
        let start = settings
            .take("start")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`start`"));
        let cliff = settings
            .take("cliff")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`cliff`"));
        let duration = settings
            .take("duration")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`duration`"));
        let tge = settings
            .take("tge")
            .map(|v| self.constant_setting(v, &Ty::Ratio, "`tge`"));
        let token = self.required(token, &settings, "token", decl, "token: EMB")?;
        let beneficiary = self.required(
            beneficiary,
            &settings,
            "beneficiary",
            decl,
            "beneficiary: team_wallet",
        )?;
        let duration = self.required(duration, &settings, "duration", decl, "duration: 4 years")?;
        Some(hir::VestingDef {
            name: decl.name.text.clone(),
            token,
            beneficiary,
            start,
            cliff,
            duration,
            tge,
        })
    }

    pub(super) fn governor(&mut self, decl: &ast::Decl) -> Option<hir::GovernorDef> {
        let definition = hir::Definition::Governor(decl.name.text.clone());
        self.declares(decl.name.span, definition, None);
        let mut settings = Settings::collect(self, decl, GOVERNOR_VALUES, &[]);
        let token = settings
            .take("token")
            .and_then(|value| self.token_name(value));
        if let Some(token) = &token
            && self.sigs.tokens.get(token).is_some_and(|sig| !sig.votes)
            && let Some(value) = settings.values.get("token")
        {
            let span = value.span;
            self.report(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    span,
                    format!("token `{token}` has no voting power"),
                )
                .with_label("a governor counts votes of a `votes` token")
                .with_help(format!("add the `votes` flag to `token {token}`")),
            );
        }
        let voting_delay = settings
            .take("voting_delay")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`voting_delay`"));
        let voting_period = settings
            .take("voting_period")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`voting_period`"));
        let quorum = settings
            .take("quorum")
            .map(|v| self.constant_setting(v, &Ty::Ratio, "`quorum`"));
        let timelock = settings
            .take("timelock")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`timelock`"));
        let proposal_threshold = match (settings.take("proposal_threshold"), &token) {
            (Some(value), Some(token)) => Some(self.constant_setting(
                value,
                &Ty::Amount(token.clone()),
                "`proposal_threshold`",
            )),
            _ => None,
        };
        let mut governs = Vec::new();
        if let Some(value) = settings.take("governs") {
            let items: Vec<&ast::Expr> = match &value.kind {
                ast::ExprKind::List(items) => items.iter().collect(),
                _ => vec![value],
            };
            for item in items {
                match &item.kind {
                    ast::ExprKind::Name(name) if self.sigs.params.contains_key(name) => {
                        let ty = self.sigs.params.get(name).cloned();
                        let definition = hir::Definition::Param(name.clone());
                        self.refers(item.span, definition, ty.as_ref());
                        governs.push(name.clone())
                    }
                    _ => {
                        let mut diagnostic = Diagnostic::error(
                            Code::NOT_GOVERNABLE,
                            item.span,
                            "a governor can govern only params",
                        )
                        .with_label("not a param");
                        if let ast::ExprKind::Name(name) = &item.kind
                            && let Some(suggestion) =
                                did_you_mean(name, self.sigs.params.keys().map(String::as_str))
                        {
                            diagnostic = diagnostic.with_did_you_mean(suggestion);
                        } else {
                            diagnostic =
                                diagnostic.with_help("list param names: `governs: [inflation]`");
                        }
                        self.report(diagnostic);
                    }
                }
            }
        }
        let token = self.required(token, &settings, "token", decl, "token: EMB")?;
        let voting_delay = self.required(
            voting_delay,
            &settings,
            "voting_delay",
            decl,
            "voting_delay: 1 day",
        )?;
        let voting_period = self.required(
            voting_period,
            &settings,
            "voting_period",
            decl,
            "voting_period: 1 week",
        )?;
        let quorum = self.required(quorum, &settings, "quorum", decl, "quorum: 4%")?;
        let timelock = self.required(timelock, &settings, "timelock", decl, "timelock: 2 days")?;
        Some(hir::GovernorDef {
            name: decl.name.text.clone(),
            token,
            voting_delay,
            voting_period,
            quorum,
            proposal_threshold,
            timelock,
            governs,
        })
    }

    /// Reports a required setting that is absent (one that is present but
    /// invalid was already reported).
    pub(super) fn required<T>(
        &mut self,
        value: Option<T>,
        settings: &Settings<'_>,
        setting: &str,
        decl: &ast::Decl,
        example: &str,
    ) -> Option<T> {
        if value.is_none() && !settings.values.contains_key(setting) {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    decl.name.span,
                    format!("`{}` has no `{setting}`", decl.name.text),
                )
                .with_label(format!("`{setting}` is required"))
                .with_help(format!("add `{example}`")),
            );
        }
        value
    }

    pub(super) fn token_name(&mut self, value: &ast::Expr) -> Option<String> {
        if let ast::ExprKind::Name(name) = &value.kind {
            if self.sigs.tokens.contains_key(name) {
                self.refers(value.span, hir::Definition::Token(name.clone()), None);
                return Some(name.clone());
            }
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_NAME,
                value.span,
                format!("unknown token `{name}`"),
            )
            .with_label("not a declared token");
            if let Some(suggestion) =
                did_you_mean(name, self.sigs.tokens.keys().map(String::as_str))
            {
                diagnostic = diagnostic.with_did_you_mean(suggestion);
            }
            self.report(diagnostic);
            return None;
        }
        self.report(
            Diagnostic::error(Code::TYPE_MISMATCH, value.span, "expected a token name")
                .with_label("not a token")
                .with_help("write the token's name, e.g. `token: EMB`"),
        );
        None
    }
}
