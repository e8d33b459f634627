//! The typed, name-resolved program (HIR).
//!
//! Every expression carries its [`Ty`]; names are resolved to what they
//! denote (a param, a state field, a local, a token operation); literals
//! are exact scaled integers (amounts in the token's smallest unit, ratios
//! in WAD, durations in seconds); arithmetic carries the exact operation
//! its units call for (`MulWad` for `amount * ratio`...). Later stages
//! never look at the AST.

use std::sync::Arc;

use ethnum::U256;
use tok_diagnostics::Span;

use crate::types::{TimeUnit, Ty};

pub use crate::print::print;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Program {
    pub items: Vec<Located>,
}

/// What a name refers to: the key its declaration and every use share, so
/// that going to a definition, finding references and renaming are
/// lookups of equal keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Definition {
    Param(String),
    Token(String),
    Mechanism(String),
    /// A mechanism template: its name, or a standard-library path
    /// (`std.amm.ConstantProduct`).
    Template(String),
    Vesting(String),
    Governor(String),
    Scenario(String),
    Field {
        mechanism: String,
        field: String,
    },
    Action {
        mechanism: String,
        action: String,
    },
    View {
        mechanism: String,
        view: String,
    },
    Event {
        mechanism: String,
        event: String,
    },
    /// A local or an argument, known by where it is declared (a span
    /// relative to its item, like every span of an item's results).
    Local {
        name: String,
        declared: Span,
    },
    Population(String),
    AgentField {
        population: String,
        field: String,
    },
    Series(String),
}

/// One name in an item's source and what it refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolution {
    /// The name itself.
    pub span: Span,
    pub definition: Definition,
    /// Whether this occurrence is the declaration.
    pub declaration: bool,
    /// The value's type, for the name of a value.
    pub ty: Option<Ty>,
}

impl Resolution {
    /// The same resolution `offset` bytes further into the text.
    pub fn shifted(mut self, offset: u32) -> Resolution {
        self.span = self.span.shifted(offset);
        if let Definition::Local { declared, .. } = &mut self.definition {
            *declared = declared.shifted(offset);
        }
        self
    }
}

/// An item with the file offset its spans are relative to. Spans are kept
/// item-relative so that an edit elsewhere leaves the item's HIR equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Located {
    pub offset: u32,
    /// Shared with the item's check result: building the program from
    /// checked items copies no HIR.
    pub item: Arc<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    Use(Vec<String>),
    Param(ParamDef),
    Token(TokenDef),
    Mechanism(MechanismDef),
    Vesting(VestingDef),
    Governor(GovernorDef),
    Scenario(ScenarioDef),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamDef {
    pub name: String,
    pub ty: Ty,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenDef {
    pub name: String,
    pub display_name: String,
    pub symbol: String,
    pub decimals: u32,
    pub cap: Option<Expr>,
    pub mints: Vec<Mint>,
    pub burnable: bool,
    pub pausable: bool,
    pub votes: bool,
    pub permit: bool,
    /// Who may pause: an address expression.
    pub owner: Option<Expr>,
    pub minters: Vec<Expr>,
    pub transfer_fee: Option<Expr>,
    /// Where fees go; `None` burns them.
    pub fee_to: Option<Expr>,
    pub fee_exempt: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mint {
    pub amount: Expr,
    pub to: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MechanismDef {
    pub name: String,
    /// The mechanism's name (an instance's, for an instance of a template).
    pub span: Span,
    pub state: Vec<StateField>,
    pub events: Vec<EventDef>,
    pub actions: Vec<Function>,
    pub views: Vec<Function>,
    pub hooks: Vec<Hook>,
    pub invariants: Vec<Invariant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StateField {
    pub name: String,
    pub ty: Ty,
    pub init: Option<Expr>,
    /// For `list[T, bound]` fields: the bound.
    pub bound: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventDef {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Function {
    pub name: String,
    /// The function's name (its instance's, in an instance of a template).
    pub span: Span,
    pub params: Vec<(String, Ty)>,
    pub access: Vec<Access>,
    pub returns: Option<Ty>,
    pub body: Block,
}

/// Who may call a restricted action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// An `address` param (`only treasury`).
    Param(String),
    /// A governor, through its timelock (`only DAO`).
    Governor(String),
    /// Another mechanism (`only Staking`).
    Mechanism(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hook {
    /// The hook's declaration (its instance's name, in an instance).
    pub span: Span,
    pub period: Expr,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Invariant {
    pub condition: Expr,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VestingDef {
    pub name: String,
    pub token: String,
    pub beneficiary: Expr,
    /// Offset from deployment.
    pub start: Option<Expr>,
    pub cliff: Option<Expr>,
    pub duration: Expr,
    /// Fraction released at the start (token generation event).
    pub tge: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GovernorDef {
    pub name: String,
    pub token: String,
    pub voting_delay: Expr,
    pub voting_period: Expr,
    pub quorum: Expr,
    pub proposal_threshold: Option<Expr>,
    pub timelock: Expr,
    pub governs: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepOrder {
    /// Every agent decides from the start-of-step snapshot, then actions
    /// apply in agent order (cadCAD policies).
    Simultaneous,
    /// Agents act one after the other on live state.
    Sequential,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScenarioDef {
    pub name: String,
    /// The scenario's name.
    pub span: Span,
    pub steps: Expr,
    pub period: Expr,
    pub runs: Expr,
    pub seed: Expr,
    pub order: StepOrder,
    pub series: Vec<SeriesDef>,
    pub agents: Vec<AgentsDef>,
    pub setup: Option<Block>,
    pub each_step: Option<Block>,
    pub sweeps: Vec<Sweep>,
    pub records: Vec<(String, Expr)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SeriesDef {
    pub name: String,
    pub process: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AgentsDef {
    pub name: String,
    pub count: Expr,
    pub state: Vec<StateField>,
    pub start: Option<Block>,
    pub each_step: Option<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sweep {
    pub param: String,
    pub values: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stmt {
    Let {
        name: String,
        value: Expr,
    },
    Assign {
        place: Expr,
        op: Option<ArithOp>,
        value: Expr,
    },
    Call(Expr),
    Require {
        condition: Expr,
        reason: String,
    },
    Revert {
        reason: String,
    },
    Emit {
        event: String,
        args: Vec<Expr>,
    },
    If {
        arms: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    ForRange {
        var: String,
        start: Expr,
        end: Expr,
        body: Block,
    },
    ForEach {
        var: String,
        collection: Expr,
        body: Block,
    },
    Return(Expr),
    As {
        account: Expr,
        body: Block,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

impl Expr {
    pub fn error(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            ty: Ty::Error,
            span,
        }
    }
}

/// The exact operation an arithmetic operator stands for, given its units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// Checked integer addition.
    Add,
    /// Checked integer subtraction (underflow reverts).
    Sub,
    /// Checked integer multiplication.
    Mul,
    /// Integer division rounding toward zero; division by zero reverts.
    Div,
    Rem,
    /// `a * b / 1e18` at full width, rounding down (`amount * ratio`).
    MulWad,
    /// `a * 1e18 / b` at full width, rounding down (`amount / amount`).
    DivWad,
    /// `rate * duration`: `a * b / seconds(period)` at full width.
    MulPer(TimeUnit),
    /// Checked exponentiation.
    Pow,
    /// A WAD ratio to an integer power, by squaring and multiplying with
    /// `mulDiv(a, b, 1e18)` at each product (rounding down each time).
    PowWad,
    FloatAdd,
    FloatSub,
    FloatMul,
    FloatDiv,
    FloatPow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Values the runtime provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `block.timestamp` on chain, the scenario clock in simulation.
    Now,
    /// The sender of the current action.
    Caller,
    /// The current mechanism's or agent's address.
    SelfAddress,
    /// The current agent's index in its population.
    AgentIndex,
    /// The current step number in a scenario (0-based).
    StepIndex,
    /// The deployment time (`block.timestamp` in the constructor).
    Deployed,
    /// The largest 256-bit value, typed by context.
    Max,
}

/// Operations on tokens, mechanisms and lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Callee {
    /// `EMB.transfer(...)` and friends.
    Token {
        token: String,
        method: TokenMethod,
    },
    Action {
        mechanism: String,
        action: String,
    },
    View {
        mechanism: String,
        view: String,
    },
    /// `min`, `max`, `mul_div`, `uniform`, ...
    Function(BuiltinFunction),
    /// `team.release()` and the vesting views.
    Vesting {
        vesting: String,
        method: VestingMethod,
    },
    /// `DAO.propose(param, value)` and the other governor operations.
    Governor {
        governor: String,
        method: GovernorMethod,
    },
    /// `list.push(x)`
    ListPush,
    /// `list.contains(x)`
    ListContains,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenMethod {
    TotalSupply,
    Balance,
    Allowance,
    Transfer,
    TransferFrom,
    Approve,
    Mint,
    Burn,
    /// Voting power of an account (`votes` tokens).
    Votes,
    Delegate,
    Pause,
    Unpause,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VestingMethod {
    /// Sends the vested, unreleased amount to the beneficiary.
    Release,
    /// Vested and not yet released.
    Releasable,
    /// Released so far.
    Released,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GovernorMethod {
    /// Proposes to set a governed param; the argument is the new value.
    Propose { param: String },
    /// `vote(proposal, support)`
    Vote,
    /// Executes a passed proposal after its timelock.
    Execute,
    /// How many proposals exist.
    ProposalCount,
}

impl TokenMethod {
    pub fn name(self) -> &'static str {
        match self {
            TokenMethod::TotalSupply => "total_supply",
            TokenMethod::Balance => "balance",
            TokenMethod::Allowance => "allowance",
            TokenMethod::Transfer => "transfer",
            TokenMethod::TransferFrom => "transfer_from",
            TokenMethod::Approve => "approve",
            TokenMethod::Mint => "mint",
            TokenMethod::Burn => "burn",
            TokenMethod::Votes => "votes",
            TokenMethod::Delegate => "delegate",
            TokenMethod::Pause => "pause",
            TokenMethod::Unpause => "unpause",
        }
    }

    /// Whether the method changes state (an action rather than a read).
    pub fn writes(self) -> bool {
        !matches!(
            self,
            TokenMethod::TotalSupply
                | TokenMethod::Balance
                | TokenMethod::Allowance
                | TokenMethod::Votes
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinFunction {
    Min,
    Max,
    MulDiv,
    /// `sum(map)`, invariants only.
    Sum,
    Uniform,
    Normal,
    Bernoulli,
    /// `float(x)`: a quantity in its display unit as a float (scenario only).
    ToFloat,
    /// `gbm(start, drift, volatility)`: geometric Brownian motion series.
    Gbm,
    /// `random_walk(start, step)`: Gaussian random walk series.
    RandomWalk,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// An exact scaled integer: wei, WAD, seconds, or a plain count.
    Int(U256),
    /// Float literal, stored as its bits so the tree stays `Eq`.
    Float(u64),
    Bool(bool),
    Str(String),
    Address(String),
    Param(String),
    Local(String),
    /// A state field of a mechanism.
    State {
        mechanism: String,
        field: String,
    },
    /// A state field of the current agent.
    AgentState {
        population: String,
        field: String,
    },
    /// The value of an exogenous series at the current step.
    Series(String),
    Builtin(Builtin),
    /// The address of a declared contract (token, mechanism, vesting, governor).
    Contract(String),
    /// The address of agent `index` of a population.
    Agent {
        population: String,
        index: Box<Expr>,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Length(Box<Expr>),
    List(Vec<Expr>),
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Compare {
        op: CompareOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Call {
        callee: Callee,
        args: Vec<Expr>,
    },
    Error,
}
