//! The spanned syntax tree.
//!
//! Chains of the same operator, postfix suffixes and `else if` arms are
//! stored flat (a `Vec`), so tree depth grows only with bracket nesting,
//! which the lexer bounds. Every pass may therefore recurse without fear
//! of the stack. `Error` variants mark where the parser recovered; later
//! passes skip them silently (the parser already reported the problem).

use tok_diagnostics::Span;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `use std.vesting`
    Use(Vec<Name>),
    /// `param inflation: ratio per year = 5%`
    Param(Param),
    /// `token EMB { ... }`
    Token(Decl),
    /// `mechanism Staking { ... }`, or a template
    /// `mechanism Pool[A, B](fee: ratio) { ... }`.
    Mechanism(Mechanism),
    /// `mechanism Pool = amm.ConstantProduct[EMB, USDC](fee_per_mille: 3)`
    Instance(Instance),
    /// `vesting team { ... }`
    Vesting(Decl),
    /// `governor DAO { ... }`
    Governor(Decl),
    /// `scenario baseline { ... }`
    Scenario(Scenario),
    Error,
}

impl ItemKind {
    /// The declared name, if the item declares one.
    pub fn name(&self) -> Option<&Name> {
        match self {
            ItemKind::Param(param) => Some(&param.name),
            ItemKind::Token(decl) | ItemKind::Vesting(decl) | ItemKind::Governor(decl) => {
                Some(&decl.name)
            }
            ItemKind::Mechanism(mechanism) => Some(&mechanism.name),
            ItemKind::Instance(instance) => Some(&instance.name),
            ItemKind::Scenario(scenario) => Some(&scenario.name),
            ItemKind::Use(_) | ItemKind::Error => None,
        }
    }

    /// The keyword that introduces the item.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Use(_) => "use",
            ItemKind::Param(_) => "param",
            ItemKind::Token(_) => "token",
            ItemKind::Mechanism(_) | ItemKind::Instance(_) => "mechanism",
            ItemKind::Vesting(_) => "vesting",
            ItemKind::Governor(_) => "governor",
            ItemKind::Scenario(_) => "scenario",
            ItemKind::Error => "item",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: Name,
    pub ty: Type,
    pub default: Option<Expr>,
}

/// A declaration made of settings: tokens, vesting schedules, governors.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decl {
    pub name: Name,
    pub settings: Vec<Setting>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SettingKind {
    /// `decimals: 18`
    Value {
        name: Name,
        value: Expr,
    },
    /// `burnable`
    Flag(Name),
    /// `mint 1_000 EMB to treasury`
    Mint {
        amount: Expr,
        to: Expr,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mechanism {
    pub name: Name,
    /// Token parameters of a template: `[Stake, Reward]`.
    pub generics: Vec<Name>,
    /// Value parameters of a template: `(rate: Reward per day)`.
    pub params: Vec<Field>,
    pub members: Vec<Member>,
}

impl Mechanism {
    /// A template is instantiated, never deployed as it is.
    pub fn is_template(&self) -> bool {
        !self.generics.is_empty() || !self.params.is_empty()
    }
}

/// A mechanism made from a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub name: Name,
    /// `Pool`, `amm.ConstantProduct` or `std.amm.ConstantProduct`.
    pub template: Vec<Name>,
    pub tokens: Vec<Name>,
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub kind: MemberKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MemberKind {
    State(Vec<Field>),
    Event {
        name: Name,
        fields: Vec<Field>,
    },
    Action(Function),
    View(Function),
    Every {
        period: Expr,
        body: Block,
    },
    Invariant {
        condition: Expr,
        message: Option<Expr>,
    },
    Error,
}

/// An action or a view.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Function {
    pub name: Name,
    pub params: Vec<Field>,
    /// `only treasury, DAO`
    pub access: Vec<Name>,
    pub returns: Option<Type>,
    pub body: Block,
}

/// `name: Type = default` in state blocks, parameter lists and events.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: Name,
    pub ty: Type,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    pub name: Name,
    pub entries: Vec<ScenarioEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScenarioEntry {
    pub kind: ScenarioEntryKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScenarioEntryKind {
    /// `runs: 100`
    Setting(Setting),
    /// `agents holder[1000] { ... }`
    Agents(Agents),
    /// `series price: float = gbm(...)`
    Series {
        name: Name,
        ty: Option<Type>,
        value: Expr,
    },
    /// `sweep inflation in [2%, 5%]`
    Sweep {
        param: Name,
        values: Vec<Expr>,
    },
    /// `record supply = EMB.total_supply, staked = Staking.total`
    Record(Vec<(Name, Expr)>),
    /// `setup { ... }` runs once before the first step.
    Setup(Block),
    /// `each step { ... }` at scenario level runs after the agents.
    EachStep(Block),
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Agents {
    pub name: Name,
    pub count: Expr,
    pub members: Vec<AgentMember>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AgentMember {
    pub kind: AgentMemberKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AgentMemberKind {
    State(Vec<Field>),
    Start(Block),
    EachStep(Block),
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Mul => "*=",
            AssignOp::Div => "/=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StmtKind {
    Let {
        name: Name,
        ty: Option<Type>,
        value: Expr,
    },
    Assign {
        target: Expr,
        op: AssignOp,
        value: Expr,
    },
    Expr(Expr),
    Require {
        condition: Expr,
        reason: Option<Expr>,
    },
    Revert {
        reason: Option<Expr>,
    },
    Emit {
        event: Name,
        args: Vec<Arg>,
    },
    /// `if a { } else if b { } else { }`, arms stored flat.
    If {
        arms: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    For {
        var: Name,
        iter: ForIter,
        body: Block,
    },
    Return(Option<Expr>),
    /// `as treasury { ... }`: scenario code acting as another account.
    As {
        account: Expr,
        body: Block,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ForIter {
    /// `for i in 0..n`
    Range(Expr, Expr),
    /// `for who in holders`
    Each(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
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

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

/// The unit written after a number literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnitSuffix {
    /// `EMB`, `days`; `None` for `%`.
    pub unit: Option<Name>,
    pub span: Span,
    /// `per year`, `per EMB`
    pub per: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// Digits as written, `_` included: `1_000`, `0.5`.
    Number(String),
    Hex(String),
    /// `100 EMB`, `5%`, `30 days`, `5% per year`, `2 USDC per EMB`
    Quantity {
        number: String,
        unit: UnitSuffix,
    },
    /// Raw text between the quotes.
    Str(String),
    Bool(bool),
    Name(String),
    List(Vec<Expr>),
    Paren(Box<Expr>),
    /// Prefix operators, outermost first: `not not x`, `-y`.
    Unary {
        ops: Vec<(UnaryOp, Span)>,
        operand: Box<Expr>,
    },
    /// A left-associative chain of operators of one precedence level.
    Binary {
        first: Box<Expr>,
        rest: Vec<(BinaryOp, Span, Expr)>,
    },
    Compare {
        left: Box<Expr>,
        op: CompareOp,
        op_span: Span,
        right: Box<Expr>,
    },
    Power {
        base: Box<Expr>,
        exponent: Box<Expr>,
    },
    /// A primary followed by member, call and index suffixes.
    Postfix {
        base: Box<Expr>,
        suffixes: Vec<Suffix>,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Suffix {
    pub kind: SuffixKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuffixKind {
    Member(Name),
    Call(Vec<Arg>),
    Index(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    pub name: Option<Name>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// `uint`, `address`, `EMB`...
    Named(Name),
    /// `map[address] EMB`
    Map(Box<Type>, Box<Type>),
    /// `list[address, 1000]`: a list with a bound on its length.
    List(Box<Type>, Box<Expr>),
    /// `ratio per year`, `EMB per day`, `USDC per EMB`
    Per(Box<Type>, Name),
    Error,
}
