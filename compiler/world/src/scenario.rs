//! Running scenarios: the clock, agents, step orders, series, sweeps and
//! recording. The rules are those of `docs/semantics.md`.

use tok_mir::*;
use tok_runtime::U256;
use tok_runtime::random::{self, SplitMix64};

use crate::state::{Address, Value};
use crate::{Evaluator, Fault, Frame, GENESIS, Row, Stats, World};

/// Why a simulation could not run or stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum SimulationError {
    NoScenario(String),
    /// The run stopped: an invariant failed, a hook reverted, deployment failed.
    Stopped {
        run: u64,
        point: usize,
        message: String,
    },
}

impl std::fmt::Display for SimulationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulationError::NoScenario(message) => write!(f, "{message}"),
            SimulationError::Stopped {
                run,
                point,
                message,
            } => write!(f, "run {run} (sweep point {point}) stopped: {message}"),
        }
    }
}

/// A scenario ready to run: the program, param settings and sweep points.
pub struct Simulation<'p> {
    program: &'p Program,
    scenario: usize,
    settings: Vec<(ParamId, Expr)>,
    /// Every sweep point: the swept params and their values.
    points: Vec<Vec<(ParamId, Expr)>>,
    /// Record events (kept in memory; for tests and tools).
    pub record_events: bool,
    /// Compiled bodies (`None`: the evaluator runs everything).
    pub engine: Option<&'p dyn crate::Engine>,
    /// What runs every body no engine does.
    evaluator: &'p dyn Evaluator,
    /// Whether transfers and approvals made directly by scenario code
    /// settle in place where they can (`World::settle_in_place`; the
    /// default), or always take the token model's full path (to check
    /// the one against the other).
    pub settle_in_place: bool,
}

impl<'p> Simulation<'p> {
    /// Picks the scenario (`None`: the only one, or the first) and applies
    /// param settings (command-line overrides); `evaluator` runs what no
    /// engine does (set [`Simulation::engine`] for one).
    pub fn new(
        program: &'p Program,
        scenario: Option<&str>,
        settings: Vec<(ParamId, Expr)>,
        evaluator: &'p dyn Evaluator,
    ) -> Result<Self, SimulationError> {
        let index = match scenario {
            Some(name) => program
                .scenarios
                .iter()
                .position(|s| s.name == name)
                .ok_or_else(|| {
                    SimulationError::NoScenario(format!("no scenario named `{name}`"))
                })?,
            None if program.scenarios.is_empty() => {
                return Err(SimulationError::NoScenario(
                    "the program declares no scenario".to_string(),
                ));
            }
            None => 0,
        };
        let mut points: Vec<Vec<(ParamId, Expr)>> = vec![Vec::new()];
        for sweep in &program.scenarios[index].sweeps {
            points = points
                .into_iter()
                .flat_map(|point| {
                    sweep.values.iter().map(move |value| {
                        let mut next = point.clone();
                        next.push((sweep.param, value.clone()));
                        next
                    })
                })
                .collect();
        }
        Ok(Simulation {
            program,
            scenario: index,
            settings,
            points,
            record_events: false,
            engine: None,
            evaluator,
            settle_in_place: true,
        })
    }

    pub fn scenario(&self) -> &'p Scenario {
        &self.program.scenarios[self.scenario]
    }

    /// Sweep points (1 when the scenario sweeps nothing).
    pub fn points(&self) -> usize {
        self.points.len()
    }

    /// The params a sweep varies, in column order.
    pub fn swept_params(&self) -> Vec<&'p str> {
        self.scenario()
            .sweeps
            .iter()
            .map(|s| self.program.params[s.param.index()].name.as_str())
            .collect()
    }

    /// The swept values of a point, printed.
    pub fn point_values(&self, point: usize) -> Vec<String> {
        self.points[point]
            .iter()
            .map(|(_, expr)| match &expr.kind {
                ExprKind::Int(v) => v.to_string(),
                ExprKind::Float(v) => format!("{v:?}"),
                ExprKind::Bool(v) => v.to_string(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    pub fn columns(&self) -> Vec<&'p str> {
        self.scenario()
            .records
            .iter()
            .map(|r| r.name.as_str())
            .collect()
    }

    fn settings_for(&self, point: usize) -> Vec<(ParamId, Expr)> {
        let mut settings = self.points[point].clone();
        // Command-line settings win over sweep values.
        settings.extend(self.settings.iter().cloned());
        settings
    }

    /// The number of runs the scenario asks for (at sweep point 0).
    pub fn runs(&self) -> Result<u64, SimulationError> {
        let mut world = self.deploy(0, 0)?;
        let runs = self.constant(&mut world, &self.scenario().runs, 0, 0)?;
        Ok(u64::try_from(runs.int()).unwrap_or(u64::MAX))
    }

    /// The number of steps of a run (at sweep point 0).
    pub fn steps(&self) -> Result<u64, SimulationError> {
        let mut world = self.deploy(0, 0)?;
        let steps = self.constant(&mut world, &self.scenario().steps, 0, 0)?;
        Ok(u64::try_from(steps.int()).unwrap_or(u64::MAX))
    }

    fn deploy(&self, point: usize, run: u64) -> Result<World<'p>, SimulationError> {
        let mut world = World::deploy(self.program, &self.settings_for(point), self.evaluator)
            .map_err(|fault| stopped(run, point, fault))?;
        world.engine = self.engine;
        if !self.settle_in_place {
            world.direct.clear();
        }
        Ok(world)
    }

    fn constant(
        &self,
        world: &mut World<'p>,
        expr: &Expr,
        run: u64,
        point: usize,
    ) -> Result<Value, SimulationError> {
        let body = Body::default();
        let mut frame = Frame::new(&body, 0);
        world
            .eval(expr, &mut frame)
            .map_err(|fault| stopped(run, point, fault))
    }

    /// Runs Monte Carlo run `run` at sweep point `point`, handing every
    /// recorded row to `sink` as it is produced.
    pub fn run(
        &self,
        point: usize,
        run: u64,
        sink: &mut dyn FnMut(Row),
    ) -> Result<Stats, SimulationError> {
        self.run_world(point, run, sink).map(|(stats, _)| stats)
    }

    /// [`Simulation::run`], also returning the world as the run left it.
    pub fn run_world(
        &self,
        point: usize,
        run: u64,
        sink: &mut dyn FnMut(Row),
    ) -> Result<(Stats, World<'p>), SimulationError> {
        let scenario = self.scenario();
        let mut world = self.deploy(point, run)?;
        world.record_events = self.record_events;
        let steps = u64::try_from(
            self.constant(&mut world, &scenario.steps, run, point)?
                .int(),
        )
        .unwrap_or(u64::MAX);
        let period = u64::try_from(
            self.constant(&mut world, &scenario.period, run, point)?
                .int(),
        )
        .unwrap_or(u64::MAX)
        .max(1);
        let seed = self.constant(&mut world, &scenario.seed, run, point)?.int();
        let seed = (seed & U256::from(u64::MAX)).as_u64();
        world.rng = SplitMix64::for_run(seed, run);

        // Exogenous series: their own streams, starting at `start`.
        let mut series = Vec::new();
        for (index, s) in scenario.series.iter().enumerate() {
            let (start, a, b) = match &s.process {
                Process::Gbm {
                    start,
                    drift,
                    volatility,
                } => (start, drift, volatility),
                Process::RandomWalk { start, step } => (start, step, step),
            };
            let start = self.constant(&mut world, start, run, point)?.float();
            let a = self.constant(&mut world, a, run, point)?.float();
            let b = self.constant(&mut world, b, run, point)?.float();
            world.series_values.push(start);
            series.push((
                SplitMix64::new(random::series_seed(seed, run, index as u64)),
                a,
                b,
            ));
        }

        // Agents get accounts after every deployment account.
        for population in &scenario.populations {
            let count = self
                .constant(&mut world, &population.count, run, point)?
                .int();
            let count = u32::try_from(count).map_err(|_| {
                stopped(
                    run,
                    point,
                    Fault::Stop(format!("population `{}` is too large", population.name)),
                )
            })?;
            let base = world.next_account;
            world.next_account += count;
            world.agent_base.push(base);
            world.agent_counts.push(count);
            world.population_names.push(population.name.clone());
            let mut initial = Vec::new();
            for field in &population.fields {
                let value = match (&field.init, &field.shape) {
                    (Some(init), _) => self.constant(&mut world, init, run, point)?,
                    (None, Shape::Scalar(repr)) => Value::zero(*repr),
                    (None, _) => Value::zero(Repr::Int),
                };
                initial.push(value);
            }
            world.agents.push(crate::world::AgentTable {
                fields: initial.len(),
                values: initial
                    .iter()
                    .copied()
                    .cycle()
                    .take(initial.len() * count as usize)
                    .collect(),
            });
        }
        let operator = world.new_account();

        if let Some(setup) = &scenario.setup {
            self.scenario_body(&mut world, setup, operator, run, point)?;
        }
        for (population_index, population) in scenario.populations.iter().enumerate() {
            if let Some(start) = &population.start {
                self.agents(
                    &mut world,
                    start,
                    PopulationId::new(population_index),
                    run,
                    point,
                )?;
            }
        }
        world.stats.agent_steps = 0;
        self.record(&mut world, run, 0, sink);

        for step in 0..steps {
            world.step = step;
            if step > 0 {
                let dt = period as f64 / 31_536_000.0;
                for (index, (rng, a, b)) in series.iter_mut().enumerate() {
                    let (a, b) = (*a, *b);
                    let z = rng.standard_normal();
                    let value = &mut world.series_values[index];
                    match &scenario.series[index].process {
                        Process::Gbm { .. } => {
                            *value *= ((a - b * b / 2.0) * dt + b * dt.sqrt() * z).exp()
                        }
                        Process::RandomWalk { .. } => *value += a * z,
                    }
                }
            }
            match scenario.order {
                StepOrder::Simultaneous => {
                    world.deferring = true;
                    for (population_index, population) in scenario.populations.iter().enumerate() {
                        if let Some(each) = &population.each_step {
                            self.agents(
                                &mut world,
                                each,
                                PopulationId::new(population_index),
                                run,
                                point,
                            )?;
                        }
                    }
                    world.deferring = false;
                    // The queue keeps its slots from step to step.
                    let mut queue = std::mem::take(&mut world.queue);
                    for (caller, call) in queue.calls() {
                        world
                            .transact(*caller, call)
                            .map_err(|fault| stopped(run, point, fault))?;
                    }
                    queue.clear();
                    world.queue = queue;
                }
                StepOrder::Sequential => {
                    for (population_index, population) in scenario.populations.iter().enumerate() {
                        if let Some(each) = &population.each_step {
                            self.agents(
                                &mut world,
                                each,
                                PopulationId::new(population_index),
                                run,
                                point,
                            )?;
                        }
                    }
                }
            }
            if let Some(each) = &scenario.each_step {
                self.scenario_body(&mut world, each, operator, run, point)?;
            }
            world
                .advance_to(GENESIS + (step + 1) * period)
                .map_err(|fault| stopped(run, point, fault))?;
            world.step = step + 1;
            self.record(&mut world, run, step + 1, sink);
        }
        world.stats.events = world.state.events_emitted;
        Ok((world.stats.clone(), world))
    }

    /// Runs a population's block for each of its agents in turn (through
    /// the engine's own loop when it has one).
    fn agents(
        &self,
        world: &mut World<'p>,
        body: &Body,
        population: PopulationId,
        run: u64,
        point: usize,
    ) -> Result<(), SimulationError> {
        let base = world.agent_base[population.index()];
        if let Some(engine) = world.engine {
            let mut frame = world.frame(body, base);
            frame.agent = Some((population, 0));
            let result = engine.run_agents(world, body, &mut frame);
            world.recycle(frame);
            if let Some(result) = result {
                return result.map_err(|fault| stopped(run, point, fault));
            }
        }
        for agent in 0..world.agent_counts[population.index()] {
            let mark = world.begin_agent();
            let mut frame = world.frame(body, base + agent);
            frame.agent = Some((population, agent));
            let result = world.run_body(body, &mut frame).map(|_| ());
            world.recycle(frame);
            world
                .end_agent(mark, result)
                .map_err(|fault| stopped(run, point, fault))?;
        }
        Ok(())
    }

    /// Runs scenario code that is not an agent's (`setup`, the scenario's
    /// own `each step`) as the operator account.
    fn scenario_body(
        &self,
        world: &mut World<'p>,
        body: &Body,
        this: Address,
        run: u64,
        point: usize,
    ) -> Result<(), SimulationError> {
        let mut frame = world.frame(body, this);
        let result = world.run_body(body, &mut frame);
        world.recycle(frame);
        if let Some(fault) = world.pending_stop.take() {
            return Err(stopped(run, point, fault));
        }
        match result {
            Ok(_) => Ok(()),
            Err(Fault::Stop(message)) => Err(stopped(run, point, Fault::Stop(message))),
            Err(Fault::Revert(_)) => {
                world.stats.failed_decisions += 1;
                Ok(())
            }
        }
    }

    fn record(&self, world: &mut World<'p>, run: u64, step: u64, sink: &mut dyn FnMut(Row)) {
        let values = self
            .scenario()
            .records
            .iter()
            .map(|record| {
                let mut frame = world.frame(&Body::default(), 0);
                let value = world.eval(&record.value, &mut frame).ok();
                world.recycle(frame);
                value
            })
            .collect();
        sink(Row { run, step, values });
    }
}

fn stopped(run: u64, point: usize, fault: Fault) -> SimulationError {
    let message = match fault {
        Fault::Revert(reason) => format!("reverted: {reason}"),
        Fault::Stop(message) => message,
    };
    SimulationError::Stopped {
        run,
        point,
        message,
    }
}
