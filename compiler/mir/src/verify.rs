//! The MIR verifier: structural invariants every executor relies on. It runs
//! after lowering in every test; a failure is a compiler bug, not a user
//! error, so it reports plain messages.

use crate::*;

/// Checks the program; returns every violation found.
pub fn verify(program: &Program) -> Result<(), Vec<String>> {
    let mut verifier = Verifier {
        program,
        errors: Vec::new(),
        context: String::new(),
        seen_bodies: vec![false; program.bodies],
    };
    verifier.program();
    if verifier.errors.is_empty() {
        Ok(())
    } else {
        Err(verifier.errors)
    }
}

struct Verifier<'p> {
    program: &'p Program,
    errors: Vec<String>,
    context: String,
    /// By body id: whether a body of that id was seen (ids are unique and
    /// below `Program::bodies`, so executors can index tables by them).
    seen_bodies: Vec<bool>,
}

/// What a body may do, for the checks that depend on it.
#[derive(Clone, Copy)]
struct Scope<'b> {
    body: &'b Body,
    /// `caller` is defined (actions).
    caller: bool,
    /// The return representation, for views.
    returns: Option<Repr>,
    /// Scenario code: randomness, agents and `as` allowed.
    scenario: bool,
    population: Option<PopulationId>,
    scenario_index: Option<usize>,
}

impl Verifier<'_> {
    fn fail(&mut self, message: impl AsRef<str>) {
        self.errors
            .push(format!("{}: {}", self.context, message.as_ref()));
    }

    fn program(&mut self) {
        let empty = Body::default();
        let constant = Scope {
            body: &empty,
            caller: false,
            returns: None,
            scenario: false,
            population: None,
            scenario_index: None,
        };
        for param in &self.program.params {
            self.context = format!("param {}", param.name);
            if let Some(default) = &param.default {
                self.expect(default, param.repr, constant);
            }
        }
        for token in &self.program.tokens {
            self.context = format!("token {}", token.name);
            for (amount, to) in &token.mints {
                self.expect(amount, Repr::Int, constant);
                self.expect(to, Repr::Address, constant);
            }
            for expr in token
                .minters
                .iter()
                .chain(&token.fee_exempt)
                .chain(&token.owner)
                .chain(&token.fee_to)
            {
                self.expect(expr, Repr::Address, constant);
            }
            for expr in token.cap.iter().chain(&token.transfer_fee) {
                self.expect(expr, Repr::Int, constant);
            }
        }
        for (id, mechanism) in self.program.mechanisms.iter().enumerate() {
            for field in &mechanism.fields {
                self.context = format!("{}.{}", mechanism.name, field.name);
                if let (Some(init), Shape::Scalar(repr)) = (&field.init, &field.shape) {
                    self.expect(init, *repr, constant);
                }
            }
            for action in &mechanism.actions {
                self.context = format!("{}.{}", mechanism.name, action.name);
                let scope = Scope {
                    body: &action.body,
                    caller: true,
                    returns: None,
                    scenario: false,
                    population: None,
                    scenario_index: None,
                };
                self.body(scope);
            }
            for view in &mechanism.views {
                self.context = format!("{}.{}", mechanism.name, view.name);
                if view.returns.is_none() {
                    self.fail("a view without a return type");
                }
                let scope = Scope {
                    body: &view.body,
                    caller: false,
                    returns: view.returns,
                    scenario: false,
                    population: None,
                    scenario_index: None,
                };
                self.body(scope);
            }
            for (index, hook) in mechanism.hooks.iter().enumerate() {
                self.context = format!("{} hook {index}", mechanism.name);
                self.expect(&hook.period, Repr::Int, constant);
                self.body(Scope {
                    body: &hook.body,
                    caller: false,
                    returns: None,
                    scenario: false,
                    population: None,
                    scenario_index: None,
                });
            }
            for invariant in &mechanism.invariants {
                self.context = format!("{} invariant", mechanism.name);
                self.expect(&invariant.condition, Repr::Bool, constant);
            }
            let _ = id;
        }
        for (index, scenario) in self.program.scenarios.iter().enumerate() {
            self.context = format!("scenario {}", scenario.name);
            let base = Scope {
                body: &empty,
                caller: false,
                returns: None,
                scenario: true,
                population: None,
                scenario_index: Some(index),
            };
            for expr in [
                &scenario.steps,
                &scenario.period,
                &scenario.runs,
                &scenario.seed,
            ] {
                self.expect(expr, Repr::Int, base);
            }
            if let Some(setup) = &scenario.setup {
                self.body(Scope {
                    body: setup,
                    ..base
                });
            }
            if let Some(each) = &scenario.each_step {
                self.body(Scope { body: each, ..base });
            }
            for (population_id, population) in scenario.populations.iter().enumerate() {
                self.context = format!("scenario {} agents {}", scenario.name, population.name);
                let scope = Scope {
                    population: Some(PopulationId::new(population_id)),
                    ..base
                };
                self.expect(&population.count, Repr::Int, base);
                for body in population.start.iter().chain(&population.each_step) {
                    self.body(Scope { body, ..scope });
                }
            }
            for sweep in &scenario.sweeps {
                match self.program.params.get(sweep.param.index()) {
                    Some(param) => {
                        for value in &sweep.values {
                            self.expect(value, param.repr, base);
                        }
                    }
                    None => self.fail("sweep of an unknown param"),
                }
            }
            for record in &scenario.records {
                self.expr(&record.value, base);
            }
        }
    }

    fn body(&mut self, scope: Scope<'_>) {
        if scope.body.params as usize > scope.body.locals.len() {
            self.fail("more params than locals");
        }
        let id = scope.body.id;
        match self.seen_bodies.get_mut(id.index()) {
            Some(seen) if !*seen => *seen = true,
            Some(_) => self.fail(format!("body id {id} is used twice")),
            None => self.fail(format!(
                "body id {id} is not below the program's {} bodies",
                self.program.bodies
            )),
        }
        self.block(&scope.body.block, scope);
    }

    fn block(&mut self, block: &Block, scope: Scope<'_>) {
        for stmt in block {
            self.stmt(stmt, scope);
        }
    }

    fn local(&mut self, local: LocalId, scope: Scope<'_>) -> Option<Repr> {
        let found = scope.body.locals.get(local.index()).map(|(_, repr)| *repr);
        if found.is_none() {
            self.fail(format!("local l{local} out of range"));
        }
        found
    }

    fn field_shape(&mut self, mechanism: MechanismId, field: FieldId) -> Option<Shape> {
        let shape = self
            .program
            .mechanisms
            .get(mechanism.index())
            .and_then(|m| m.fields.get(field.index()))
            .map(|f| f.shape.clone());
        if shape.is_none() {
            self.fail(format!("field m{mechanism}.f{field} out of range"));
        }
        shape
    }

    fn keyed(
        &mut self,
        mechanism: MechanismId,
        field: FieldId,
        keys: &[Expr],
        scope: Scope<'_>,
    ) -> Option<Repr> {
        let shape = self.field_shape(mechanism, field)?;
        let mut current = &shape;
        for key in keys {
            match current {
                Shape::Map(key_repr, value) => {
                    self.expect(key, *key_repr, scope);
                    current = value;
                }
                Shape::List(_) => {
                    self.expect(key, Repr::Int, scope);
                    return shape.value_after(keys.len());
                }
                Shape::Scalar(_) => {
                    self.fail("a key into a scalar field");
                    return None;
                }
            }
        }
        match current {
            Shape::Scalar(repr) => Some(*repr),
            _ => None,
        }
    }

    fn stmt(&mut self, stmt: &Stmt, scope: Scope<'_>) {
        match stmt {
            Stmt::Set { local, value } => {
                if let Some(repr) = self.local(*local, scope) {
                    self.expect(value, repr, scope);
                }
            }
            Stmt::Store {
                mechanism,
                field,
                keys,
                value,
            } => {
                if scope.scenario {
                    self.fail("scenario code stores to mechanism state");
                }
                match self.keyed(*mechanism, *field, keys, scope) {
                    Some(repr) => self.expect(value, repr, scope),
                    None => self.fail("store to a whole map or list"),
                }
            }
            Stmt::StoreAgent {
                population,
                field,
                value,
            } => {
                if scope.population != Some(*population) {
                    self.fail("agent state stored outside its population");
                }
                let repr = self.agent_field(*population, *field, scope);
                if let Some(repr) = repr {
                    self.expect(value, repr, scope);
                }
            }
            Stmt::Push {
                mechanism,
                field,
                keys,
                value,
            } => match self.field_shape(*mechanism, *field) {
                Some(Shape::List(element)) if keys.is_empty() => self.expect(value, element, scope),
                _ => self.fail("push to something that is not a list field"),
            },
            Stmt::Require { condition, .. } => self.expect(condition, Repr::Bool, scope),
            Stmt::Revert { .. } => {}
            Stmt::Emit { args, .. } => {
                for arg in args {
                    self.expr(arg, scope);
                }
            }
            Stmt::If { arms, otherwise } => {
                for (condition, body) in arms {
                    self.expect(condition, Repr::Bool, scope);
                    self.block(body, scope);
                }
                self.block(otherwise, scope);
            }
            Stmt::ForRange {
                local,
                start,
                end,
                body,
            } => {
                self.local(*local, scope);
                self.expect(start, Repr::Int, scope);
                self.expect(end, Repr::Int, scope);
                self.block(body, scope);
            }
            Stmt::ForEach {
                local,
                mechanism,
                field,
                keys,
                body,
            } => {
                self.local(*local, scope);
                if !matches!(self.field_shape(*mechanism, *field), Some(Shape::List(_)))
                    || !keys.is_empty()
                {
                    self.fail("iteration over something that is not a list field");
                }
                self.block(body, scope);
            }
            Stmt::ForAgents { local, body, .. } => {
                self.local(*local, scope);
                if !scope.scenario {
                    self.fail("iteration over agents in chain code");
                }
                self.block(body, scope);
            }
            Stmt::Return(value) => match scope.returns {
                Some(repr) => self.expect(value, repr, scope),
                None => self.fail("return outside a view"),
            },
            Stmt::Call(call) => match call {
                Call::Action {
                    mechanism,
                    action,
                    args,
                } => {
                    let arity = self
                        .program
                        .mechanisms
                        .get(mechanism.index())
                        .and_then(|m| m.actions.get(action.index()))
                        .map(|a| a.body.params as usize);
                    if arity != Some(args.len()) {
                        self.fail("action call with the wrong arguments");
                    }
                    for arg in args {
                        self.expr(arg, scope);
                    }
                }
                Call::Token { token, op, args } => {
                    if token.index() >= self.program.tokens.len() || args.len() != op.arity() {
                        self.fail("token call with the wrong token or arguments");
                    }
                    for arg in args {
                        self.expr(arg, scope);
                    }
                }
                Call::VestingRelease { .. } => {}
                Call::Propose { value, .. } => self.expr(value, scope),
                Call::Vote {
                    proposal, support, ..
                } => {
                    self.expect(proposal, Repr::Int, scope);
                    self.expect(support, Repr::Bool, scope);
                }
                Call::Execute { proposal, .. } => self.expect(proposal, Repr::Int, scope),
            },
            Stmt::As { account, body } => {
                if !scope.scenario {
                    self.fail("`as` in chain code");
                }
                self.expect(account, Repr::Address, scope);
                self.block(body, scope);
            }
        }
    }

    fn agent_field(
        &mut self,
        population: PopulationId,
        field: FieldId,
        scope: Scope<'_>,
    ) -> Option<Repr> {
        let scenario = scope
            .scenario_index
            .and_then(|index| self.program.scenarios.get(index));
        let shape = scenario
            .and_then(|s| s.populations.get(population.index()))
            .and_then(|p| p.fields.get(field.index()))
            .map(|f| f.shape.clone());
        match shape {
            Some(Shape::Scalar(repr)) => Some(repr),
            _ => {
                self.fail(format!(
                    "agent field a{population}.f{field} unknown or not a scalar"
                ));
                None
            }
        }
    }

    fn expect(&mut self, expr: &Expr, repr: Repr, scope: Scope<'_>) {
        self.expr(expr, scope);
        if expr.repr != repr {
            self.fail(format!(
                "expected {repr:?}, found {:?} in {:?}",
                expr.repr, expr.kind
            ));
        }
    }

    fn expr(&mut self, expr: &Expr, scope: Scope<'_>) {
        let claimed = expr.repr;
        let actual = match &expr.kind {
            ExprKind::Int(_) => Some(Repr::Int),
            ExprKind::Float(_) => Some(Repr::Float),
            ExprKind::Bool(_) => Some(Repr::Bool),
            ExprKind::Str(_) => Some(Repr::Str),
            ExprKind::AddressLiteral(_) | ExprKind::Entity(_) => Some(Repr::Address),
            ExprKind::Param(id) => {
                let repr = self.program.params.get(id.index()).map(|p| p.repr);
                if repr.is_none() {
                    self.fail(format!("param p{id} out of range"));
                }
                repr
            }
            ExprKind::Local(id) => self.local(*id, scope),
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } => self.keyed(*mechanism, *field, keys, scope),
            ExprKind::AgentField { population, field } => {
                self.agent_field(*population, *field, scope)
            }
            ExprKind::Series(_) | ExprKind::Uniform => {
                if !scope.scenario {
                    self.fail("randomness in chain code");
                }
                Some(Repr::Float)
            }
            ExprKind::Env(env) => {
                match env {
                    Env::Caller if !scope.caller => self.fail("`caller` outside an action"),
                    Env::AgentIndex if scope.population.is_none() => {
                        self.fail("agent index outside agent code")
                    }
                    _ => {}
                }
                Some(match env {
                    Env::Now | Env::Deployed | Env::AgentIndex | Env::Step => Repr::Int,
                    Env::Caller | Env::This => Repr::Address,
                })
            }
            ExprKind::Agent { index, .. } => {
                self.expect(index, Repr::Int, scope);
                Some(Repr::Address)
            }
            ExprKind::PopulationSize(_) => Some(Repr::Int),
            ExprKind::Binary { op, lhs, rhs } => {
                self.expect(lhs, op.repr(), scope);
                self.expect(rhs, op.repr(), scope);
                if op.repr() == Repr::Float && !scope.scenario {
                    self.fail("float arithmetic in chain code");
                }
                Some(op.repr())
            }
            ExprKind::MulDiv(a, b, c) => {
                for operand in [a, b, c] {
                    self.expect(operand, Repr::Int, scope);
                }
                Some(Repr::Int)
            }
            ExprKind::Compare { lhs, rhs, .. } => {
                self.expr(lhs, scope);
                self.expr(rhs, scope);
                if lhs.repr != rhs.repr {
                    self.fail("comparison of different representations");
                }
                Some(Repr::Bool)
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items {
                    self.expect(item, Repr::Bool, scope);
                }
                Some(Repr::Bool)
            }
            ExprKind::Not(inner) => {
                self.expect(inner, Repr::Bool, scope);
                Some(Repr::Bool)
            }
            ExprKind::Neg(inner) => {
                self.expect(inner, Repr::Float, scope);
                Some(Repr::Float)
            }
            ExprKind::TokenRead { args, .. } | ExprKind::View { args, .. } => {
                for arg in args {
                    self.expr(arg, scope);
                }
                Some(claimed)
            }
            ExprKind::ListLength {
                mechanism, field, ..
            } => {
                if !matches!(self.field_shape(*mechanism, *field), Some(Shape::List(_))) {
                    self.fail("length of something that is not a list");
                }
                Some(Repr::Int)
            }
            ExprKind::ListContains { value, .. } => {
                self.expr(value, scope);
                Some(Repr::Bool)
            }
            ExprKind::VestingRead { .. } | ExprKind::ProposalCount(_) | ExprKind::Sum { .. } => {
                Some(Repr::Int)
            }
            ExprKind::Normal { mean, sd } => {
                self.expect(mean, Repr::Float, scope);
                self.expect(sd, Repr::Float, scope);
                if !scope.scenario {
                    self.fail("randomness in chain code");
                }
                Some(Repr::Float)
            }
            ExprKind::Bernoulli(p) => {
                self.expect(p, Repr::Float, scope);
                if !scope.scenario {
                    self.fail("randomness in chain code");
                }
                Some(Repr::Bool)
            }
            ExprKind::ToFloat { value, .. } => {
                self.expect(value, Repr::Int, scope);
                Some(Repr::Float)
            }
        };
        if let Some(actual) = actual
            && actual != claimed
        {
            self.fail(format!(
                "expression claims {claimed:?} but is {actual:?}: {:?}",
                expr.kind
            ));
        }
    }
}
