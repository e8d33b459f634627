//! The registry of diagnostic codes.
//!
//! Codes are stable: once published a code keeps its meaning, and a retired
//! code is never reused. `tok codes` prints this table and
//! `docs/diagnostics.md` is generated from it (a test keeps them in sync).

use serde::{Serialize, Serializer};

/// A stable diagnostic code such as `E0201`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(&'static str);

impl Code {
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// One row of the registry.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub code: Code,
    pub name: &'static str,
    pub summary: &'static str,
}

macro_rules! codes {
    ($( $name:ident = $code:literal : $summary:literal ),* $(,)?) => {
        impl Code {
            $( pub const $name: Code = Code($code); )*
        }
        /// Every code, in registry order.
        pub const ALL_CODES: &[CodeInfo] = &[
            $( CodeInfo { code: Code::$name, name: stringify!($name), summary: $summary } ),*
        ];
    };
}

codes! {
    // Reading and parsing.
    INVALID_UTF8 = "E0001": "The file is not valid UTF-8.",
    UNKNOWN_CHARACTER = "E0002": "A character that cannot start any token.",
    UNTERMINATED_STRING = "E0003": "A string literal is not closed before the end of the line.",
    UNEXPECTED_TOKEN = "E0004": "The parser found a token that cannot appear here.",
    UNEXPECTED_END = "E0005": "The file ends in the middle of a construct (a truncated file).",
    NESTING_TOO_DEEP = "E0006": "Brackets or blocks are nested deeper than the compiler accepts.",
    MALFORMED_NUMBER = "E0007": "A numeric literal is malformed (misplaced `_` or `.`).",
    INVALID_ESCAPE = "E0008": "A string literal contains an unknown escape sequence.",
    FILE_TOO_LARGE = "E0009": "The file is larger than the compiler accepts (4 GiB).",
    EXPRESSION_TOO_LONG = "E0010": "One expression chains more operators than the compiler accepts.",

    // Names.
    UNKNOWN_NAME = "E0100": "A name that is not defined in scope.",
    DUPLICATE_DEFINITION = "E0101": "The same name is defined twice in one scope.",
    UNKNOWN_MEMBER = "E0102": "A token, mechanism or agent has no member of that name.",
    UNKNOWN_TYPE = "E0103": "A type name that is neither built in nor a declared token.",
    UNKNOWN_MODULE = "E0104": "A `use` names a module that the standard library does not have.",
    UNKNOWN_SETTING = "E0105": "A declaration block contains a setting it does not accept.",
    MISSING_SETTING = "E0106": "A declaration block lacks a setting it requires.",
    DUPLICATE_SETTING = "E0107": "A setting is given twice in one declaration block.",
    UNKNOWN_EVENT = "E0108": "`emit` names an event the mechanism does not declare.",
    NOT_CALLABLE = "E0109": "Something that is not an action, view or function is called.",
    WRONG_ARGUMENT_COUNT = "E0110": "A call passes more or fewer arguments than declared.",
    UNKNOWN_ARGUMENT = "E0111": "A named argument that the callee does not declare.",
    UNKNOWN_UNIT = "E0112": "A literal carries a unit that is not a token, a time unit or `%`.",
    MISPLACED_ITEM = "E0113": "A declaration appears where it is not allowed.",
    UNKNOWN_ACCESS = "E0114": "`only` names something that is not an address param or a governor.",
    UNKNOWN_TEMPLATE = "E0115": "An instance names a mechanism template that does not exist.",
    TEMPLATE_EXPANSION = "E0116": "A template's body does not check with the arguments an instance gives it.",

    // Types and units.
    TYPE_MISMATCH = "E0200": "A value of one type is used where another is expected.",
    INCOMPATIBLE_TOKENS = "E0201": "Amounts of two different tokens are combined without a price.",
    INVALID_OPERANDS = "E0202": "An operator is applied to operand types it does not accept.",
    NOT_A_CONDITION = "E0203": "A condition is not a `bool`.",
    MISSING_UNIT = "E0204": "A bare number is used where a quantity with a unit is expected.",
    RATE_PERIOD_MISMATCH = "E0205": "Two rates with different periods are combined.",
    NOT_ASSIGNABLE = "E0206": "The left side of an assignment is not a state field, map entry or local.",
    MISSING_RETURN = "E0207": "A view does not return a value on every path.",
    NOT_INDEXABLE = "E0208": "Indexing a value that is not a map or list.",
    UNSIGNED_NEGATION = "E0209": "Negating an unsigned chain value.",
    VOID_VALUE = "E0210": "A call that returns nothing is used as a value.",
    METHOD_NOT_CALLED = "E0211": "An action, view or function is named but not called.",
    USELESS_EXPRESSION = "E0212": "A statement computes a value and throws it away.",
    NOT_A_VALUE = "E0213": "A token, mechanism, population or module is used where a value is expected.",
    NESTED_LIST = "E0214": "A list is nested in a map or another list; a list is a state field of its own.",

    // Literals.
    LITERAL_OVERFLOW = "E0300": "A literal does not fit in 256 bits once its unit is applied.",
    TOO_MANY_DECIMALS = "E0301": "A literal has more fractional digits than its unit allows.",
    INVALID_DECIMALS = "E0302": "A token declares more decimals than 256-bit arithmetic can hold.",
    BAD_ADDRESS_CHECKSUM = "E0303": "An address literal in mixed case whose case is not its EIP-55 checksum.",

    // The two worlds and chain rules.
    FLOAT_IN_CHAIN = "E0400": "A float is used in chain code, which has exact EVM arithmetic only.",
    RANDOM_IN_CHAIN = "E0401": "Randomness is used in chain code.",
    SCENARIO_ONLY = "E0402": "A scenario-only construct is used in chain code.",
    CHAIN_ONLY = "E0403": "A chain-only construct is used outside a mechanism.",
    UNBOUNDED_LOOP = "E0404": "A loop bound is not a literal, a param or a bounded list.",
    INVARIANT_ONLY = "E0405": "`sum` over a map is available only in invariants.",
    WRITE_IN_VIEW = "E0406": "A view writes state or calls an action.",
    FOREIGN_STATE_WRITE = "E0407": "Code writes the state of another mechanism directly.",
    MISSING_REVERT_REASON = "E0408": "A `require` or `revert` has no reason string.",
    CALLER_OUTSIDE_ACTION = "E0409": "`caller` is used where no transaction sender exists.",
    NOT_GOVERNABLE = "E0410": "A governor governs something that is not a param.",
    NOT_A_MINTER = "E0411": "`mint` is called from code that the token does not list in `minters`.",
    NOT_BURNABLE = "E0412": "`burn` is called on a token that is not declared `burnable`.",
    NOT_CONSTANT = "E0413": "A setting needs a value known at deployment (a literal or a param).",

    // Lowering and the backends.
    UNSUPPORTED_IN_MIR = "E0500": "A construct that checks but that lowering to the MIR cannot express yet.",
    UNSUPPORTED_IN_SOLIDITY = "E0501": "A construct that the simulator runs but the Solidity backend cannot emit yet.",
    INTERNAL_ERROR = "E0502": "The compiler broke one of its own rules on a program that checked (a bug in the compiler).",

    // Settings given outside the program (`tok sim --param NAME=VALUE`).
    MALFORMED_SETTING = "E0600": "A param setting is not of the form `NAME=VALUE`.",
    UNKNOWN_PARAM = "E0601": "A param setting names a param the program does not declare.",

    // The English front-end (`tok draft`, `tok review`): the model provider.
    NO_API_KEY = "E0700": "The model provider needs an API key and none is configured.",
    PROVIDER_UNREACHABLE = "E0701": "The model provider's server cannot be reached.",
    PROVIDER_TIMEOUT = "E0702": "The model provider did not answer in time.",
    MODEL_NOT_FOUND = "E0703": "The model provider does not serve the model asked for.",
    RATE_LIMITED = "E0704": "The model provider kept refusing for too many requests, through every retry.",
    PROVIDER_ERROR = "E0705": "The model provider failed (a server error through every retry, or an error it explained).",
    MALFORMED_REPLY = "E0706": "The model provider's reply is not the JSON its API promises.",
    TRUNCATED_STREAM = "E0707": "The model provider's streamed reply ended before it was complete.",
    REFUSED = "E0708": "The model declined the request.",
    AUTH_FAILED = "E0709": "The model provider rejected the API key.",
    NO_PROGRAM = "E0710": "A drafted program does not check after every repair round (the best draft is kept).",
}

/// The registry as the Markdown page `docs/diagnostics.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\nGenerated from the compiler's registry (`tok codes` prints the same list);\na test fails when this page and the registry disagree. Codes are stable:\na published code keeps its meaning and a retired one is never reused.\n\n| code | name | meaning |\n|---|---|---|\n",
    );
    for info in ALL_CODES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            info.code.as_str(),
            info.name.to_lowercase(),
            info.summary
        ));
    }
    out
}
