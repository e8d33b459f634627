//! MIR: the mid-level IR every executor consumes.
//!
//! Compared with the HIR, names are gone (every param, token, mechanism,
//! field, event, local and population is a dense index), units are gone
//! (replaced by the exact operation: `amount * ratio` is
//! `MulDiv(a, b, 1e18)`, `rate * duration` is `MulDiv(a, b, seconds)`), and
//! storage is explicit (a load or store names its mechanism, field and map
//! keys). Control flow stays structured, which suits the interpreter, the
//! Solidity printer and Cranelift's frontend alike. [`verify`] checks the
//! invariants after lowering; [`print`] is `tok build --emit mir`.

mod ids;
mod lower;
mod print;
mod verify;
pub mod visit;

pub use lower::{lower, lower_constant};
pub use print::print;
pub use tok_diagnostics::Span;
pub use tok_runtime::U256;
pub use verify::verify;

pub use ids::{
    BodyId, EventId, FieldId, FunctionId, GovernorId, LocalId, MechanismId, ParamId, PopulationId,
    SeriesId, TokenId, VestingId,
};

/// How a value is represented at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Repr {
    /// A 256-bit unsigned integer: counts, amounts, WAD ratios, seconds.
    Int,
    /// IEEE-754 binary64 (scenario code only).
    Float,
    Bool,
    Address,
    Str,
}

/// The shape of a storage field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    Scalar(Repr),
    Map(Repr, Box<Shape>),
    List(Repr),
}

impl Shape {
    /// The representation of what a load with `keys` keys yields.
    pub fn value_after(&self, keys: usize) -> Option<Repr> {
        match (self, keys) {
            (Shape::Scalar(repr), 0) => Some(*repr),
            (Shape::Map(_, value), n) if n > 0 => value.value_after(n - 1),
            (Shape::List(element), 1) => Some(*element),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Program {
    pub params: Vec<Param>,
    pub tokens: Vec<Token>,
    pub mechanisms: Vec<Mechanism>,
    pub vestings: Vec<Vesting>,
    pub governors: Vec<Governor>,
    pub scenarios: Vec<Scenario>,
    /// How many bodies the program has: their ids are `0..bodies`.
    pub bodies: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub repr: Repr,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub name: String,
    pub display_name: String,
    pub symbol: String,
    pub decimals: u32,
    pub cap: Option<Expr>,
    pub mints: Vec<(Expr, Expr)>,
    pub burnable: bool,
    pub pausable: bool,
    pub votes: bool,
    pub permit: bool,
    pub owner: Option<Expr>,
    pub minters: Vec<Expr>,
    /// A WAD ratio of each transfer taken as a fee.
    pub transfer_fee: Option<Expr>,
    /// Where fees go; `None` burns them.
    pub fee_to: Option<Expr>,
    pub fee_exempt: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mechanism {
    pub name: String,
    /// Where the mechanism is declared (its name), for diagnostics.
    pub span: Span,
    pub fields: Vec<Field>,
    pub events: Vec<Event>,
    pub actions: Vec<Function>,
    pub views: Vec<Function>,
    pub hooks: Vec<Hook>,
    pub invariants: Vec<Invariant>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub shape: Shape,
    pub init: Option<Expr>,
    /// The maximum length of a list field; a push beyond it reverts.
    pub bound: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub fields: Vec<(String, Repr)>,
}

/// Locals of one body; the first `params` are the arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// Which of the program's bodies this is (see [`BodyId`]).
    pub id: BodyId,
    pub locals: Vec<(String, Repr)>,
    pub params: u32,
    pub block: Block,
}

impl Default for Body {
    /// An empty body that is not the program's.
    fn default() -> Body {
        Body {
            id: BodyId::DETACHED,
            locals: Vec::new(),
            params: 0,
            block: Block::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    /// Where the function is declared (its name), for diagnostics.
    pub span: Span,
    pub access: Vec<Access>,
    pub returns: Option<Repr>,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    Param(ParamId),
    Governor(GovernorId),
    Mechanism(MechanismId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    /// Where the hook is declared, for diagnostics.
    pub span: Span,
    /// Seconds; a constant expression.
    pub period: Expr,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Invariant {
    pub condition: Expr,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vesting {
    pub name: String,
    pub token: TokenId,
    pub beneficiary: Expr,
    pub start: Option<Expr>,
    pub cliff: Option<Expr>,
    pub duration: Expr,
    pub tge: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Governor {
    pub name: String,
    pub token: TokenId,
    pub voting_delay: Expr,
    pub voting_period: Expr,
    pub quorum: Expr,
    pub proposal_threshold: Option<Expr>,
    pub timelock: Expr,
    pub governs: Vec<ParamId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOrder {
    Simultaneous,
    Sequential,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// Where the scenario is declared (its name), for diagnostics.
    pub span: Span,
    pub steps: Expr,
    pub period: Expr,
    pub runs: Expr,
    pub seed: Expr,
    pub order: StepOrder,
    pub series: Vec<Series>,
    pub populations: Vec<Population>,
    pub setup: Option<Body>,
    pub each_step: Option<Body>,
    pub sweeps: Vec<Sweep>,
    pub records: Vec<Record>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub process: Process,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Process {
    /// Geometric Brownian motion; drift and volatility per year.
    Gbm {
        start: Expr,
        drift: Expr,
        volatility: Expr,
    },
    /// Gaussian random walk; `step` is the standard deviation per step.
    RandomWalk { start: Expr, step: Expr },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    pub name: String,
    pub count: Expr,
    pub fields: Vec<Field>,
    pub start: Option<Body>,
    pub each_step: Option<Body>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub param: ParamId,
    pub values: Vec<Expr>,
}

/// A recorded column; `kind` says how to print it.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub name: String,
    pub value: Expr,
}

pub type Block = Vec<Stmt>;

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// Sets a local.
    Set {
        local: LocalId,
        value: Expr,
    },
    Store {
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
        value: Expr,
    },
    StoreAgent {
        population: PopulationId,
        field: FieldId,
        value: Expr,
    },
    Push {
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
        value: Expr,
    },
    Require {
        condition: Expr,
        reason: String,
    },
    Revert {
        reason: String,
    },
    Emit {
        event: EventId,
        args: Vec<Expr>,
    },
    If {
        arms: Vec<(Expr, Block)>,
        otherwise: Block,
    },
    ForRange {
        local: LocalId,
        start: Expr,
        end: Expr,
        body: Block,
    },
    ForEach {
        local: LocalId,
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
        body: Block,
    },
    ForAgents {
        local: LocalId,
        population: PopulationId,
        body: Block,
    },
    Return(Expr),
    Call(Call),
    /// Scenario code making calls as another account.
    As {
        account: Expr,
        body: Block,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Action {
        mechanism: MechanismId,
        action: FunctionId,
        args: Vec<Expr>,
    },
    Token {
        token: TokenId,
        op: TokenOp,
        args: Vec<Expr>,
    },
    VestingRelease {
        vesting: VestingId,
    },
    Propose {
        governor: GovernorId,
        param: ParamId,
        value: Expr,
    },
    Vote {
        governor: GovernorId,
        proposal: Expr,
        support: Expr,
    },
    Execute {
        governor: GovernorId,
        proposal: Expr,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOp {
    Transfer,
    TransferFrom,
    Approve,
    Mint,
    Burn,
    Delegate,
    Pause,
    Unpause,
}

impl TokenOp {
    pub fn arity(self) -> usize {
        match self {
            TokenOp::Transfer | TokenOp::Approve | TokenOp::Mint => 2,
            TokenOp::TransferFrom => 3,
            TokenOp::Burn | TokenOp::Delegate => 1,
            TokenOp::Pause | TokenOp::Unpause => 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRead {
    TotalSupply,
    Balance,
    Allowance,
    Votes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VestingRead {
    Releasable,
    Released,
}

/// A contract's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Token(TokenId),
    Mechanism(MechanismId),
    Vesting(VestingId),
    Governor(GovernorId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// Checked integer operations (revert on overflow or division by zero).
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    /// A WAD ratio to an integer power.
    PowWad,
    Min,
    Max,
    FloatAdd,
    FloatSub,
    FloatMul,
    FloatDiv,
    FloatPow,
    FloatMin,
    FloatMax,
}

impl BinOp {
    /// The representation of both operands and of the result.
    pub fn repr(self) -> Repr {
        match self {
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Rem
            | BinOp::Pow
            | BinOp::PowWad
            | BinOp::Min
            | BinOp::Max => Repr::Int,
            BinOp::FloatAdd
            | BinOp::FloatSub
            | BinOp::FloatMul
            | BinOp::FloatDiv
            | BinOp::FloatPow
            | BinOp::FloatMin
            | BinOp::FloatMax => Repr::Float,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Now,
    /// The deployment time.
    Deployed,
    Caller,
    This,
    AgentIndex,
    Step,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub repr: Repr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(U256),
    Float(f64),
    Bool(bool),
    Str(String),
    /// A literal `0x…` address.
    AddressLiteral(String),
    Param(ParamId),
    Local(LocalId),
    Load {
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
    },
    AgentField {
        population: PopulationId,
        field: FieldId,
    },
    Series(SeriesId),
    Env(Env),
    Entity(Entity),
    Agent {
        population: PopulationId,
        index: Box<Expr>,
    },
    PopulationSize(PopulationId),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `floor(a * b / c)` at full width.
    MulDiv(Box<Expr>, Box<Expr>, Box<Expr>),
    Compare {
        op: CompareOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    TokenRead {
        token: TokenId,
        read: TokenRead,
        args: Vec<Expr>,
    },
    View {
        mechanism: MechanismId,
        view: FunctionId,
        args: Vec<Expr>,
    },
    ListLength {
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
    },
    ListContains {
        mechanism: MechanismId,
        field: FieldId,
        keys: Vec<Expr>,
        value: Box<Expr>,
    },
    VestingRead {
        vesting: VestingId,
        read: VestingRead,
    },
    ProposalCount(GovernorId),
    Uniform,
    Normal {
        mean: Box<Expr>,
        sd: Box<Expr>,
    },
    Bernoulli(Box<Expr>),
    /// An integer as a float divided by `scale` (`float(x)` in display units:
    /// tokens, fractions, seconds).
    ToFloat {
        value: Box<Expr>,
        scale: f64,
    },
    /// The sum of a map's values (invariants only).
    Sum {
        mechanism: MechanismId,
        field: FieldId,
    },
}

impl Expr {
    pub fn int(value: U256) -> Expr {
        Expr {
            kind: ExprKind::Int(value),
            repr: Repr::Int,
        }
    }
}
