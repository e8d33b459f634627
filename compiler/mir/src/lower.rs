//! HIR to MIR: names become indices, units become exact operations,
//! compound assignments become explicit load-compute-store.

use std::collections::BTreeMap;

use tok_diagnostics::{Code, Diagnostic};
use tok_runtime::{U256, WAD};
use tok_sema::Ty;
use tok_sema::hir::{
    self, ArithOp, Builtin, BuiltinFunction, Callee, GovernorMethod, TokenMethod, VestingMethod,
};

use crate::*;

/// Lowers a deployment-time constant (a literal given on the command line).
pub fn lower_constant(expr: &hir::Expr) -> Expr {
    Lowerer::default().expr(expr)
}

/// Lowers a checked program. A construct the MIR cannot express yet is
/// reported by name (`E0500`) instead of being lowered wrongly; a name the
/// checker resolved but lowering cannot is an internal error (`E0502`),
/// never quietly the first item of its table. Either way no program comes
/// back.
pub fn lower(program: &hir::Program) -> Result<Program, Vec<Diagnostic>> {
    let mut lowerer = Lowerer::default();
    lowerer.collect(program);
    let mut out = Program::default();
    for located in &program.items {
        lowerer.offset = located.offset;
        lowerer.at = Span::new(located.offset, located.offset);
        match &*located.item {
            hir::Item::Use(_) => {}
            hir::Item::Param(param) => {
                let default = param.default.as_ref().map(|value| lowerer.expr(value));
                out.params.push(Param {
                    name: param.name.clone(),
                    repr: repr(&param.ty),
                    default,
                });
            }
            hir::Item::Token(token) => out.tokens.push(lowerer.token(token)),
            hir::Item::Mechanism(mechanism) => out.mechanisms.push(lowerer.mechanism(mechanism)),
            hir::Item::Vesting(vesting) => {
                let token = lowerer.token_id(&vesting.token);
                out.vestings.push(Vesting {
                    name: vesting.name.clone(),
                    token,
                    beneficiary: lowerer.expr(&vesting.beneficiary),
                    start: vesting.start.as_ref().map(|e| lowerer.expr(e)),
                    cliff: vesting.cliff.as_ref().map(|e| lowerer.expr(e)),
                    duration: lowerer.expr(&vesting.duration),
                    tge: vesting.tge.as_ref().map(|e| lowerer.expr(e)),
                });
            }
            hir::Item::Governor(governor) => {
                let token = lowerer.token_id(&governor.token);
                out.governors.push(Governor {
                    name: governor.name.clone(),
                    token,
                    voting_delay: lowerer.expr(&governor.voting_delay),
                    voting_period: lowerer.expr(&governor.voting_period),
                    quorum: lowerer.expr(&governor.quorum),
                    proposal_threshold: governor
                        .proposal_threshold
                        .as_ref()
                        .map(|e| lowerer.expr(e)),
                    timelock: lowerer.expr(&governor.timelock),
                    governs: governor
                        .governs
                        .iter()
                        .map(|name| lowerer.param_id(name))
                        .collect(),
                });
            }
            hir::Item::Scenario(scenario) => out.scenarios.push(lowerer.scenario(scenario)),
        }
    }
    out.bodies = lowerer.bodies as usize;
    if lowerer.errors.is_empty() {
        Ok(out)
    } else {
        Err(lowerer.errors)
    }
}

/// What a mechanism's names map to.
#[derive(Default)]
struct MechanismNames {
    id: MechanismId,
    fields: BTreeMap<String, (FieldId, Shape)>,
    events: BTreeMap<String, EventId>,
    actions: BTreeMap<String, FunctionId>,
    views: BTreeMap<String, FunctionId>,
}

#[derive(Default)]
struct Lowerer {
    params: BTreeMap<String, ParamId>,
    /// Token name to (id, decimals).
    tokens: BTreeMap<String, (TokenId, u32)>,
    mechanisms: BTreeMap<String, MechanismNames>,
    vestings: BTreeMap<String, VestingId>,
    governors: BTreeMap<String, GovernorId>,
    /// Per scenario: population name to (id, field name to id).
    populations: BTreeMap<String, (PopulationId, BTreeMap<String, FieldId>)>,
    series: BTreeMap<String, SeriesId>,
    /// The body being lowered: its locals and the scopes naming them.
    locals: Vec<(String, Repr)>,
    scopes: Vec<BTreeMap<String, LocalId>>,
    /// The mechanism whose body is being lowered (for `emit`).
    current: Option<MechanismId>,
    /// The offset of the item being lowered (HIR spans are relative to it).
    offset: u32,
    /// The declaration being lowered (absolute), where its problems are
    /// reported: lowering sees no source, and an instance's expressions
    /// have spans in its template's text.
    at: Span,
    /// Bodies numbered so far (each body's [`BodyId`]).
    bodies: u32,
    errors: Vec<Diagnostic>,
}

fn repr(ty: &Ty) -> Repr {
    match ty {
        Ty::Float => Repr::Float,
        Ty::Bool => Repr::Bool,
        Ty::Address => Repr::Address,
        Ty::Str => Repr::Str,
        _ => Repr::Int,
    }
}

fn shape(ty: &Ty) -> Shape {
    match ty {
        Ty::Map(key, value) => Shape::Map(repr(key), Box::new(shape(value))),
        Ty::List(element) => Shape::List(repr(element)),
        other => Shape::Scalar(repr(other)),
    }
}

fn ten_pow(exponent: u32) -> f64 {
    10f64.powi(exponent as i32)
}

impl Lowerer {
    fn collect(&mut self, program: &hir::Program) {
        for located in &program.items {
            match &*located.item {
                hir::Item::Param(param) => {
                    let id = ParamId::new(self.params.len());
                    self.params.insert(param.name.clone(), id);
                }
                hir::Item::Token(token) => {
                    let id = TokenId::new(self.tokens.len());
                    self.tokens.insert(token.name.clone(), (id, token.decimals));
                }
                hir::Item::Mechanism(mechanism) => {
                    let mut names = MechanismNames {
                        id: MechanismId::new(self.mechanisms.len()),
                        ..MechanismNames::default()
                    };
                    for (index, field) in mechanism.state.iter().enumerate() {
                        names
                            .fields
                            .insert(field.name.clone(), (FieldId::new(index), shape(&field.ty)));
                    }
                    for (index, event) in mechanism.events.iter().enumerate() {
                        names.events.insert(event.name.clone(), EventId::new(index));
                    }
                    for (index, action) in mechanism.actions.iter().enumerate() {
                        names
                            .actions
                            .insert(action.name.clone(), FunctionId::new(index));
                    }
                    for (index, view) in mechanism.views.iter().enumerate() {
                        names
                            .views
                            .insert(view.name.clone(), FunctionId::new(index));
                    }
                    self.mechanisms.insert(mechanism.name.clone(), names);
                }
                hir::Item::Vesting(vesting) => {
                    let id = VestingId::new(self.vestings.len());
                    self.vestings.insert(vesting.name.clone(), id);
                }
                hir::Item::Governor(governor) => {
                    let id = GovernorId::new(self.governors.len());
                    self.governors.insert(governor.name.clone(), id);
                }
                hir::Item::Use(_) | hir::Item::Scenario(_) => {}
            }
        }
    }

    /// Reports a construct the MIR cannot express yet, at the declaration
    /// being lowered; returns a placeholder (the program is not returned).
    fn unsupported(&mut self, what: &str) -> Expr {
        let diagnostic = Diagnostic::error(
            Code::UNSUPPORTED_IN_MIR,
            self.at,
            format!("{what} cannot be lowered yet"),
        )
        .with_label("in this declaration")
        .with_note(
            "The checker accepts it, but the simulator and the Solidity backend cannot run it yet.",
        )
        .with_help("write it another way, for example with a state field that keeps the value");
        if !self.errors.contains(&diagnostic) {
            self.errors.push(diagnostic);
        }
        Expr {
            kind: ExprKind::Bool(false),
            repr: Repr::Bool,
        }
    }

    /// Reports a compiler bug found while lowering: something the checker
    /// guarantees does not hold (a name it resolved that lowering cannot).
    fn internal(&mut self, message: String) {
        self.errors.push(
            Diagnostic::error(
                Code::INTERNAL_ERROR,
                self.at,
                format!("internal compiler error: {message}"),
            )
            .with_label("while lowering this declaration")
            .with_note("The program checked, so this is a bug in the compiler, not in the program.")
            .with_help("please report it with the program that triggers it"),
        );
    }

    /// `found`, or an internal error naming `what`: never a silent
    /// placeholder (the default id is returned only with the error, and
    /// the program is then not returned).
    fn resolved<T: Default>(&mut self, found: Option<T>, what: &str, name: &str) -> T {
        found.unwrap_or_else(|| {
            self.internal(format!("{what} `{name}` does not resolve"));
            T::default()
        })
    }

    fn param_id(&mut self, name: &str) -> ParamId {
        let found = self.params.get(name).copied();
        self.resolved(found, "param", name)
    }

    fn token_id(&mut self, name: &str) -> TokenId {
        let found = self.tokens.get(name).map(|(id, _)| *id);
        self.resolved(found, "token", name)
    }

    fn mechanism_id(&mut self, name: &str) -> MechanismId {
        let found = self.mechanisms.get(name).map(|names| names.id);
        self.resolved(found, "mechanism", name)
    }

    fn vesting_id(&mut self, name: &str) -> VestingId {
        let found = self.vestings.get(name).copied();
        self.resolved(found, "vesting schedule", name)
    }

    fn governor_id(&mut self, name: &str) -> GovernorId {
        let found = self.governors.get(name).copied();
        self.resolved(found, "governor", name)
    }

    fn population_id(&mut self, name: &str) -> PopulationId {
        let found = self.populations.get(name).map(|(id, _)| *id);
        self.resolved(found, "population", name)
    }

    fn series_id(&mut self, name: &str) -> SeriesId {
        let found = self.series.get(name).copied();
        self.resolved(found, "series", name)
    }

    /// Action (`views` false) or view `function` of `mechanism`.
    fn function_id(
        &mut self,
        mechanism: &str,
        function: &str,
        views: bool,
    ) -> (MechanismId, FunctionId) {
        let found = self.mechanisms.get(mechanism).and_then(|names| {
            let table = if views { &names.views } else { &names.actions };
            Some((names.id, *table.get(function)?))
        });
        let what = if views { "view" } else { "action" };
        self.resolved(found, what, &format!("{mechanism}.{function}"))
    }

    // ---- Bodies and locals ------------------------------------------------------

    fn begin_body(&mut self, params: &[(String, Ty)]) {
        self.locals = params
            .iter()
            .map(|(name, ty)| (name.clone(), repr(ty)))
            .collect();
        self.scopes = vec![
            params
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (name.clone(), LocalId::new(i)))
                .collect(),
        ];
    }

    /// The body lowered since `begin_body`, numbered as the program's next.
    fn end_body(&mut self, params: usize, block: Block) -> Body {
        let id = BodyId::from_raw(self.bodies);
        self.bodies += 1;
        Body {
            id,
            locals: std::mem::take(&mut self.locals),
            params: params as u32,
            block,
        }
    }

    fn declare(&mut self, name: &str, repr: Repr) -> LocalId {
        let id = LocalId::new(self.locals.len());
        self.locals.push((name.to_string(), repr));
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        id
    }

    fn local(&mut self, name: &str) -> LocalId {
        let found = self
            .scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name))
            .copied();
        self.resolved(found, "local", name)
    }

    fn body(&mut self, params: &[(String, Ty)], block: &hir::Block) -> Body {
        self.begin_body(params);
        let block = self.block(block);
        self.end_body(params.len(), block)
    }

    // ---- Items ------------------------------------------------------------------

    fn token(&mut self, token: &hir::TokenDef) -> Token {
        self.begin_body(&[]);
        let out = Token {
            name: token.name.clone(),
            display_name: token.display_name.clone(),
            symbol: token.symbol.clone(),
            decimals: token.decimals,
            cap: token.cap.as_ref().map(|e| self.expr(e)),
            mints: token
                .mints
                .iter()
                .map(|mint| (self.expr(&mint.amount), self.expr(&mint.to)))
                .collect(),
            burnable: token.burnable,
            pausable: token.pausable,
            votes: token.votes,
            permit: token.permit,
            owner: token.owner.as_ref().map(|e| self.expr(e)),
            minters: token.minters.iter().map(|e| self.expr(e)).collect(),
            transfer_fee: token.transfer_fee.as_ref().map(|e| self.expr(e)),
            fee_to: token.fee_to.as_ref().map(|e| self.expr(e)),
            fee_exempt: token.fee_exempt.iter().map(|e| self.expr(e)).collect(),
        };
        self.locals.clear();
        out
    }

    fn mechanism(&mut self, mechanism: &hir::MechanismDef) -> Mechanism {
        self.current = Some(self.mechanism_id(&mechanism.name));
        let span = mechanism.span.shifted(self.offset);
        self.at = span;
        self.begin_body(&[]);
        let fields = mechanism
            .state
            .iter()
            .map(|field| Field {
                name: field.name.clone(),
                shape: shape(&field.ty),
                init: field.init.as_ref().map(|e| self.expr(e)),
                bound: field.bound.as_ref().map(|e| self.expr(e)),
            })
            .collect();
        let events = mechanism
            .events
            .iter()
            .map(|event| Event {
                name: event.name.clone(),
                fields: event
                    .fields
                    .iter()
                    .map(|(n, ty)| (n.clone(), repr(ty)))
                    .collect(),
            })
            .collect();
        let function = |this: &mut Self, function: &hir::Function| Function {
            name: function.name.clone(),
            span: {
                this.at = function.span.shifted(this.offset);
                this.at
            },
            access: function
                .access
                .iter()
                .map(|access| this.access(access))
                .collect(),
            returns: function.returns.as_ref().map(repr),
            body: this.body(&function.params, &function.body),
        };
        let actions = mechanism
            .actions
            .iter()
            .map(|f| function(self, f))
            .collect();
        let views = mechanism.views.iter().map(|f| function(self, f)).collect();
        let hooks = mechanism
            .hooks
            .iter()
            .map(|hook| {
                self.at = hook.span.shifted(self.offset);
                self.begin_body(&[]);
                let period = self.expr(&hook.period);
                Hook {
                    span: self.at,
                    period,
                    body: self.body(&[], &hook.body),
                }
            })
            .collect();
        self.at = span;
        self.begin_body(&[]);
        let invariants = mechanism
            .invariants
            .iter()
            .map(|invariant| Invariant {
                condition: self.expr(&invariant.condition),
                message: invariant.message.clone(),
            })
            .collect();
        self.current = None;
        Mechanism {
            name: mechanism.name.clone(),
            span,
            fields,
            events,
            actions,
            views,
            hooks,
            invariants,
        }
    }

    fn access(&mut self, access: &hir::Access) -> Access {
        match access {
            hir::Access::Param(name) => Access::Param(self.param_id(name)),
            hir::Access::Governor(name) => Access::Governor(self.governor_id(name)),
            hir::Access::Mechanism(name) => Access::Mechanism(self.mechanism_id(name)),
        }
    }

    fn scenario(&mut self, scenario: &hir::ScenarioDef) -> Scenario {
        self.populations.clear();
        self.series.clear();
        let span = scenario.span.shifted(self.offset);
        self.at = span;
        for (index, series) in scenario.series.iter().enumerate() {
            self.series
                .insert(series.name.clone(), SeriesId::new(index));
        }
        for (index, agents) in scenario.agents.iter().enumerate() {
            let fields = agents
                .state
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.clone(), FieldId::new(i)))
                .collect();
            self.populations
                .insert(agents.name.clone(), (PopulationId::new(index), fields));
        }
        self.begin_body(&[]);
        let steps = self.expr(&scenario.steps);
        let period = self.expr(&scenario.period);
        let runs = self.expr(&scenario.runs);
        let seed = self.expr(&scenario.seed);
        let series = scenario
            .series
            .iter()
            .map(|series| {
                let process = match &series.process.kind {
                    hir::ExprKind::Call {
                        callee: Callee::Function(BuiltinFunction::Gbm),
                        args,
                    } if args.len() == 3 => Process::Gbm {
                        start: self.expr(&args[0]),
                        drift: self.expr(&args[1]),
                        volatility: self.expr(&args[2]),
                    },
                    hir::ExprKind::Call {
                        callee: Callee::Function(BuiltinFunction::RandomWalk),
                        args,
                    } if args.len() == 2 => Process::RandomWalk {
                        start: self.expr(&args[0]),
                        step: self.expr(&args[1]),
                    },
                    _ => {
                        self.unsupported("a series that is not `gbm` or `random_walk`");
                        Process::RandomWalk {
                            start: Expr {
                                kind: ExprKind::Float(0.0),
                                repr: Repr::Float,
                            },
                            step: Expr {
                                kind: ExprKind::Float(0.0),
                                repr: Repr::Float,
                            },
                        }
                    }
                };
                Series {
                    name: series.name.clone(),
                    process,
                }
            })
            .collect();
        let populations = scenario
            .agents
            .iter()
            .map(|agents| {
                self.begin_body(&[]);
                let count = self.expr(&agents.count);
                let fields = agents
                    .state
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        shape: shape(&f.ty),
                        init: f.init.as_ref().map(|e| self.expr(e)),
                        bound: None,
                    })
                    .collect();
                Population {
                    name: agents.name.clone(),
                    count,
                    fields,
                    start: agents.start.as_ref().map(|b| self.body(&[], b)),
                    each_step: agents.each_step.as_ref().map(|b| self.body(&[], b)),
                }
            })
            .collect();
        let setup = scenario.setup.as_ref().map(|b| self.body(&[], b));
        let each_step = scenario.each_step.as_ref().map(|b| self.body(&[], b));
        self.begin_body(&[]);
        let sweeps = scenario
            .sweeps
            .iter()
            .map(|sweep| Sweep {
                param: self.param_id(&sweep.param),
                values: sweep.values.iter().map(|v| self.expr(v)).collect(),
            })
            .collect();
        let records = scenario
            .records
            .iter()
            .map(|(name, value)| Record {
                name: name.clone(),
                value: self.expr(value),
            })
            .collect();
        Scenario {
            name: scenario.name.clone(),
            span,
            steps,
            period,
            runs,
            seed,
            order: match scenario.order {
                hir::StepOrder::Simultaneous => StepOrder::Simultaneous,
                hir::StepOrder::Sequential => StepOrder::Sequential,
            },
            series,
            populations,
            setup,
            each_step,
            sweeps,
            records,
        }
    }

    // ---- Statements -------------------------------------------------------------

    fn block(&mut self, block: &hir::Block) -> Block {
        self.scopes.push(BTreeMap::new());
        let mut out = Vec::new();
        for stmt in &block.stmts {
            self.stmt(stmt, &mut out);
        }
        self.scopes.pop();
        out
    }

    fn stmt(&mut self, stmt: &hir::Stmt, out: &mut Block) {
        match stmt {
            hir::Stmt::Let { name, value } => {
                let value = self.expr(value);
                let local = self.declare(name, value.repr);
                out.push(Stmt::Set { local, value });
            }
            hir::Stmt::Assign { place, op, value } => {
                let value = match op {
                    None => self.expr(value),
                    Some(op) => {
                        let current = self.expr(place);
                        let operand = self.expr(value);
                        self.arith(*op, current, operand)
                    }
                };
                match &place.kind {
                    hir::ExprKind::Local(name) => {
                        let local = self.local(name);
                        out.push(Stmt::Set { local, value });
                    }
                    hir::ExprKind::AgentState { population, field } => {
                        let (population, field) = self.agent_field(population, field);
                        out.push(Stmt::StoreAgent {
                            population,
                            field,
                            value,
                        });
                    }
                    _ => match self.place(place) {
                        Some((mechanism, field, keys)) => out.push(Stmt::Store {
                            mechanism,
                            field,
                            keys,
                            value,
                        }),
                        None => {
                            self.unsupported("assignment to this place");
                        }
                    },
                }
            }
            hir::Stmt::Call(call) => self.call_stmt(call, out),
            hir::Stmt::Require { condition, reason } => {
                out.push(Stmt::Require {
                    condition: self.expr(condition),
                    reason: reason.clone(),
                });
            }
            hir::Stmt::Revert { reason } => out.push(Stmt::Revert {
                reason: reason.clone(),
            }),
            hir::Stmt::Emit { event, args } => {
                let found = self
                    .current
                    .and_then(|current| self.mechanisms.values().find(|m| m.id == current))
                    .and_then(|m| m.events.get(event).copied());
                let id = self.resolved(found, "event", event);
                let args = args.iter().map(|a| self.expr(a)).collect();
                out.push(Stmt::Emit { event: id, args });
            }
            hir::Stmt::If { arms, otherwise } => {
                let arms = arms
                    .iter()
                    .map(|(condition, body)| (self.expr(condition), self.block(body)))
                    .collect();
                let otherwise = otherwise
                    .as_ref()
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                out.push(Stmt::If { arms, otherwise });
            }
            hir::Stmt::ForRange {
                var,
                start,
                end,
                body,
            } => {
                let start = self.expr(start);
                let end = self.expr(end);
                self.scopes.push(BTreeMap::new());
                let local = self.declare(var, Repr::Int);
                let body = self.block(body);
                self.scopes.pop();
                out.push(Stmt::ForRange {
                    local,
                    start,
                    end,
                    body,
                });
            }
            hir::Stmt::ForEach {
                var,
                collection,
                body,
            } => {
                self.scopes.push(BTreeMap::new());
                let element = match &collection.ty {
                    Ty::List(element) => repr(element),
                    _ => Repr::Address,
                };
                let local = self.declare(var, element);
                let population = match &collection.kind {
                    hir::ExprKind::Contract(name) if self.populations.contains_key(name) => {
                        Some(self.population_id(name))
                    }
                    _ => None,
                };
                let stmt = match population {
                    Some(population) => Stmt::ForAgents {
                        local,
                        population,
                        body: self.block(body),
                    },
                    None => match self.place(collection) {
                        Some((mechanism, field, keys)) => Stmt::ForEach {
                            local,
                            mechanism,
                            field,
                            keys,
                            body: self.block(body),
                        },
                        None => {
                            self.unsupported("iteration over this collection");
                            self.scopes.pop();
                            return;
                        }
                    },
                };
                self.scopes.pop();
                out.push(stmt);
            }
            hir::Stmt::Return(value) => out.push(Stmt::Return(self.expr(value))),
            hir::Stmt::As { account, body } => {
                let account = self.expr(account);
                out.push(Stmt::As {
                    account,
                    body: self.block(body),
                });
            }
        }
    }

    fn call_stmt(&mut self, call: &hir::Expr, out: &mut Block) {
        let hir::ExprKind::Call { callee, args } = &call.kind else {
            return;
        };
        let stmt = match callee {
            Callee::Token { token, method } if method.writes() => {
                let op = match method {
                    TokenMethod::Transfer => TokenOp::Transfer,
                    TokenMethod::TransferFrom => TokenOp::TransferFrom,
                    TokenMethod::Approve => TokenOp::Approve,
                    TokenMethod::Mint => TokenOp::Mint,
                    TokenMethod::Burn => TokenOp::Burn,
                    TokenMethod::Delegate => TokenOp::Delegate,
                    TokenMethod::Pause => TokenOp::Pause,
                    _ => TokenOp::Unpause,
                };
                let token = self.token_id(token);
                Stmt::Call(Call::Token {
                    token,
                    op,
                    args: args.iter().map(|a| self.expr(a)).collect(),
                })
            }
            Callee::Action { mechanism, action } => {
                let (mechanism, action) = self.function_id(mechanism, action, false);
                Stmt::Call(Call::Action {
                    mechanism,
                    action,
                    args: args.iter().map(|a| self.expr(a)).collect(),
                })
            }
            Callee::Vesting {
                vesting,
                method: VestingMethod::Release,
            } => Stmt::Call(Call::VestingRelease {
                vesting: self.vesting_id(vesting),
            }),
            Callee::Governor { governor, method } => {
                let governor = self.governor_id(governor);
                let lowered: Vec<Expr> = args.iter().map(|a| self.expr(a)).collect();
                let mut args = lowered.into_iter();
                let mut next = || args.next().unwrap_or(Expr::int(U256::ZERO));
                match method {
                    GovernorMethod::Propose { param } => {
                        let param = self.param_id(param);
                        Stmt::Call(Call::Propose {
                            governor,
                            param,
                            value: next(),
                        })
                    }
                    GovernorMethod::Vote => Stmt::Call(Call::Vote {
                        governor,
                        proposal: next(),
                        support: next(),
                    }),
                    GovernorMethod::Execute => Stmt::Call(Call::Execute {
                        governor,
                        proposal: next(),
                    }),
                    GovernorMethod::ProposalCount => return,
                }
            }
            Callee::ListPush => {
                let [list, value] = args.as_slice() else {
                    self.internal(format!("`push` with {} arguments", args.len()));
                    return;
                };
                match self.place(list) {
                    Some((mechanism, field, keys)) => Stmt::Push {
                        mechanism,
                        field,
                        keys,
                        value: self.expr(value),
                    },
                    None => {
                        self.unsupported("`push` on this list");
                        return;
                    }
                }
            }
            _ => {
                // A read used as a statement still runs (it may revert).
                let value = self.expr(call);
                let local = self.declare("_", value.repr);
                Stmt::Set { local, value }
            }
        };
        out.push(stmt);
    }

    /// A storage place: a mechanism field and the map or list keys into it.
    /// `None` for an expression that is not a place (a field, or a map
    /// or list entry); a place whose names do not resolve is an internal
    /// error.
    fn place(&mut self, expr: &hir::Expr) -> Option<(MechanismId, FieldId, Vec<Expr>)> {
        match &expr.kind {
            hir::ExprKind::State { mechanism, field } => {
                let found = self
                    .mechanisms
                    .get(mechanism)
                    .and_then(|names| Some((names.id, names.fields.get(field)?.0)));
                let (mechanism, field) =
                    self.resolved(found, "field", &format!("{mechanism}.{field}"));
                Some((mechanism, field, Vec::new()))
            }
            hir::ExprKind::Index { base, index } => {
                let (mechanism, field, mut keys) = self.place(base)?;
                keys.push(self.expr(index));
                Some((mechanism, field, keys))
            }
            _ => None,
        }
    }

    fn agent_field(&mut self, population: &str, field: &str) -> (PopulationId, FieldId) {
        let found = self
            .populations
            .get(population)
            .and_then(|(id, fields)| Some((*id, *fields.get(field)?)));
        self.resolved(found, "agent field", &format!("{population}.{field}"))
    }

    // ---- Expressions ------------------------------------------------------------

    fn arith(&mut self, op: ArithOp, lhs: Expr, rhs: Expr) -> Expr {
        let binary = |op: BinOp, lhs: Expr, rhs: Expr| Expr {
            repr: op.repr(),
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        };
        let mul_div = |a: Expr, b: Expr, c: Expr| Expr {
            repr: Repr::Int,
            kind: ExprKind::MulDiv(Box::new(a), Box::new(b), Box::new(c)),
        };
        match op {
            ArithOp::Add => binary(BinOp::Add, lhs, rhs),
            ArithOp::Sub => binary(BinOp::Sub, lhs, rhs),
            ArithOp::Mul => binary(BinOp::Mul, lhs, rhs),
            ArithOp::Div => binary(BinOp::Div, lhs, rhs),
            ArithOp::Rem => binary(BinOp::Rem, lhs, rhs),
            ArithOp::Pow => binary(BinOp::Pow, lhs, rhs),
            ArithOp::PowWad => binary(BinOp::PowWad, lhs, rhs),
            ArithOp::MulWad => mul_div(lhs, rhs, Expr::int(WAD)),
            ArithOp::DivWad => mul_div(lhs, Expr::int(WAD), rhs),
            ArithOp::MulPer(unit) => mul_div(lhs, rhs, Expr::int(U256::from(unit.seconds()))),
            ArithOp::FloatAdd => binary(BinOp::FloatAdd, lhs, rhs),
            ArithOp::FloatSub => binary(BinOp::FloatSub, lhs, rhs),
            ArithOp::FloatMul => binary(BinOp::FloatMul, lhs, rhs),
            ArithOp::FloatDiv => binary(BinOp::FloatDiv, lhs, rhs),
            ArithOp::FloatPow => binary(BinOp::FloatPow, lhs, rhs),
        }
    }

    /// The divisor that turns a quantity into its display unit.
    fn display_scale(&mut self, ty: &Ty) -> f64 {
        let mut decimals = |token: &str| {
            let found = self.tokens.get(token).map(|(_, decimals)| *decimals);
            self.resolved(found, "token", token)
        };
        match ty {
            Ty::Amount(token) => ten_pow(decimals(token)),
            Ty::Ratio => 1e18,
            Ty::Rate(inner, _) => self.display_scale(inner),
            Ty::Price { quote, base } => 1e18 * ten_pow(decimals(quote)) / ten_pow(decimals(base)),
            _ => 1.0,
        }
    }

    fn exprs(&mut self, exprs: &[hir::Expr]) -> Vec<Expr> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn expr(&mut self, expr: &hir::Expr) -> Expr {
        let repr_of = repr(&expr.ty);
        let kind = match &expr.kind {
            hir::ExprKind::Int(value) => ExprKind::Int(*value),
            hir::ExprKind::Float(bits) => ExprKind::Float(f64::from_bits(*bits)),
            hir::ExprKind::Bool(value) => ExprKind::Bool(*value),
            hir::ExprKind::Str(text) => ExprKind::Str(text.clone()),
            hir::ExprKind::Address(text) => ExprKind::AddressLiteral(text.clone()),
            hir::ExprKind::Param(name) => ExprKind::Param(self.param_id(name)),
            hir::ExprKind::Local(name) => ExprKind::Local(self.local(name)),
            hir::ExprKind::State { .. } | hir::ExprKind::Index { .. } => match self.place(expr) {
                Some((mechanism, field, keys)) => ExprKind::Load {
                    mechanism,
                    field,
                    keys,
                },
                None => return self.unsupported("indexing this value"),
            },
            hir::ExprKind::AgentState { population, field } => {
                let (population, field) = self.agent_field(population, field);
                ExprKind::AgentField { population, field }
            }
            hir::ExprKind::Series(name) => ExprKind::Series(self.series_id(name)),
            hir::ExprKind::Builtin(builtin) => match builtin {
                Builtin::Now => ExprKind::Env(Env::Now),
                Builtin::Caller => ExprKind::Env(Env::Caller),
                Builtin::SelfAddress => ExprKind::Env(Env::This),
                Builtin::AgentIndex => ExprKind::Env(Env::AgentIndex),
                Builtin::StepIndex => ExprKind::Env(Env::Step),
                Builtin::Deployed => ExprKind::Env(Env::Deployed),
                Builtin::Max => ExprKind::Int(U256::MAX),
            },
            hir::ExprKind::Contract(name) => {
                if let Some((id, _)) = self.tokens.get(name) {
                    ExprKind::Entity(Entity::Token(*id))
                } else if let Some(names) = self.mechanisms.get(name) {
                    ExprKind::Entity(Entity::Mechanism(names.id))
                } else if let Some(id) = self.vestings.get(name) {
                    ExprKind::Entity(Entity::Vesting(*id))
                } else if let Some(id) = self.governors.get(name) {
                    ExprKind::Entity(Entity::Governor(*id))
                } else {
                    return self.unsupported("a population used as a value");
                }
            }
            hir::ExprKind::Agent { population, index } => {
                let population = self.population_id(population);
                ExprKind::Agent {
                    population,
                    index: Box::new(self.expr(index)),
                }
            }
            hir::ExprKind::Length(base) => match &base.kind {
                hir::ExprKind::Contract(name) if self.populations.contains_key(name) => {
                    ExprKind::PopulationSize(self.population_id(name))
                }
                _ => match self.place(base) {
                    Some((mechanism, field, keys)) => ExprKind::ListLength {
                        mechanism,
                        field,
                        keys,
                    },
                    None => return self.unsupported("`length` of this value"),
                },
            },
            hir::ExprKind::List(_) => return self.unsupported("a list value outside a setting"),
            hir::ExprKind::Arith { op, lhs, rhs } => {
                let lhs = self.expr(lhs);
                let rhs = self.expr(rhs);
                return self.arith(*op, lhs, rhs);
            }
            hir::ExprKind::Compare { op, lhs, rhs } => ExprKind::Compare {
                op: match op {
                    hir::CompareOp::Eq => CompareOp::Eq,
                    hir::CompareOp::Ne => CompareOp::Ne,
                    hir::CompareOp::Lt => CompareOp::Lt,
                    hir::CompareOp::Le => CompareOp::Le,
                    hir::CompareOp::Gt => CompareOp::Gt,
                    hir::CompareOp::Ge => CompareOp::Ge,
                },
                lhs: Box::new(self.expr(lhs)),
                rhs: Box::new(self.expr(rhs)),
            },
            hir::ExprKind::And(items) => ExprKind::And(self.exprs(items)),
            hir::ExprKind::Or(items) => ExprKind::Or(self.exprs(items)),
            hir::ExprKind::Not(inner) => ExprKind::Not(Box::new(self.expr(inner))),
            hir::ExprKind::Neg(inner) => ExprKind::Neg(Box::new(self.expr(inner))),
            hir::ExprKind::Call { callee, args } => return self.call_expr(callee, args, &expr.ty),
            hir::ExprKind::Error => return self.unsupported("an expression with an error"),
        };
        Expr {
            kind,
            repr: repr_of,
        }
    }

    fn call_expr(&mut self, callee: &Callee, args: &[hir::Expr], ty: &Ty) -> Expr {
        let repr_of = repr(ty);
        let kind = match callee {
            Callee::Token { token, method } => {
                let read = match method {
                    TokenMethod::TotalSupply => TokenRead::TotalSupply,
                    TokenMethod::Balance => TokenRead::Balance,
                    TokenMethod::Allowance => TokenRead::Allowance,
                    TokenMethod::Votes => TokenRead::Votes,
                    _ => return self.unsupported("a token action used as a value"),
                };
                let token = self.token_id(token);
                ExprKind::TokenRead {
                    token,
                    read,
                    args: self.exprs(args),
                }
            }
            Callee::View { mechanism, view } => {
                let (mechanism, view) = self.function_id(mechanism, view, true);
                ExprKind::View {
                    mechanism,
                    view,
                    args: self.exprs(args),
                }
            }
            Callee::Function(function) => match function {
                BuiltinFunction::Min | BuiltinFunction::Max => {
                    let float = repr_of == Repr::Float;
                    let op = match (function, float) {
                        (BuiltinFunction::Min, false) => BinOp::Min,
                        (BuiltinFunction::Max, false) => BinOp::Max,
                        (BuiltinFunction::Min, true) => BinOp::FloatMin,
                        _ => BinOp::FloatMax,
                    };
                    let mut values = self.exprs(args).into_iter();
                    let (Some(lhs), Some(rhs)) = (values.next(), values.next()) else {
                        return self.unsupported("`min`/`max` without two arguments");
                    };
                    ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    }
                }
                BuiltinFunction::MulDiv => {
                    let mut values = self.exprs(args).into_iter();
                    let (Some(a), Some(b), Some(c)) = (values.next(), values.next(), values.next())
                    else {
                        return self.unsupported("`mul_div` without three arguments");
                    };
                    ExprKind::MulDiv(Box::new(a), Box::new(b), Box::new(c))
                }
                BuiltinFunction::Sum => match args.first().and_then(|a| self.place(a)) {
                    Some((mechanism, field, keys)) if keys.is_empty() => {
                        ExprKind::Sum { mechanism, field }
                    }
                    _ => return self.unsupported("`sum` of this value"),
                },
                BuiltinFunction::Uniform => ExprKind::Uniform,
                BuiltinFunction::Normal => {
                    let mut values = self.exprs(args).into_iter();
                    let (Some(mean), Some(sd)) = (values.next(), values.next()) else {
                        return self.unsupported("`normal` without two arguments");
                    };
                    ExprKind::Normal {
                        mean: Box::new(mean),
                        sd: Box::new(sd),
                    }
                }
                BuiltinFunction::Bernoulli => match args.first() {
                    Some(p) => ExprKind::Bernoulli(Box::new(self.expr(p))),
                    None => return self.unsupported("`bernoulli` without an argument"),
                },
                BuiltinFunction::ToFloat => match args.first() {
                    Some(value) if value.ty == Ty::Float => return self.expr(value),
                    Some(value) => {
                        let scale = self.display_scale(&value.ty);
                        ExprKind::ToFloat {
                            value: Box::new(self.expr(value)),
                            scale,
                        }
                    }
                    None => return self.unsupported("`float` without an argument"),
                },
                BuiltinFunction::Gbm | BuiltinFunction::RandomWalk => {
                    return self.unsupported("a random process outside `series`");
                }
            },
            Callee::Vesting { vesting, method } => {
                let vesting = self.vesting_id(vesting);
                let read = match method {
                    VestingMethod::Releasable => VestingRead::Releasable,
                    VestingMethod::Released => VestingRead::Released,
                    VestingMethod::Release => return self.unsupported("`release` used as a value"),
                };
                ExprKind::VestingRead { vesting, read }
            }
            Callee::Governor {
                governor,
                method: GovernorMethod::ProposalCount,
            } => ExprKind::ProposalCount(self.governor_id(governor)),
            Callee::ListContains => {
                let [list, value] = args else {
                    return self.unsupported("`contains` without one argument");
                };
                match self.place(list) {
                    Some((mechanism, field, keys)) => ExprKind::ListContains {
                        mechanism,
                        field,
                        keys,
                        value: Box::new(self.expr(value)),
                    },
                    None => return self.unsupported("`contains` on this list"),
                }
            }
            _ => return self.unsupported("an action used as a value"),
        };
        Expr {
            kind,
            repr: repr_of,
        }
    }
}
