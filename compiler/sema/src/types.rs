//! Types with units.
//!
//! Token amounts carry their token, rates carry their period, prices carry
//! both tokens. The arithmetic rules between them live in `units.rs`.

use std::fmt;

/// Units of time usable in literals (`30 days`) and rates (`per year`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    /// 365 days, as on chain (no leap years).
    Year,
}

impl TimeUnit {
    /// Accepts singular and plural spellings.
    pub fn from_name(name: &str) -> Option<TimeUnit> {
        Some(match name {
            "second" | "seconds" => TimeUnit::Second,
            "minute" | "minutes" => TimeUnit::Minute,
            "hour" | "hours" => TimeUnit::Hour,
            "day" | "days" => TimeUnit::Day,
            "week" | "weeks" => TimeUnit::Week,
            "year" | "years" => TimeUnit::Year,
            _ => return None,
        })
    }

    pub fn seconds(self) -> u64 {
        match self {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3_600,
            TimeUnit::Day => 86_400,
            TimeUnit::Week => 604_800,
            TimeUnit::Year => 31_536_000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Second => "second",
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Year => "year",
        }
    }

    pub const ALL_NAMES: &'static [&'static str] = &[
        "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
        "year", "years",
    ];
}

/// The type of a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    /// Poison: a problem was already reported; every use is accepted silently.
    Error,
    /// The result of a call that returns nothing.
    Void,
    Bool,
    /// A 256-bit unsigned integer without unit.
    Uint,
    Address,
    /// Seconds.
    Duration,
    /// Seconds since the epoch (`now`).
    Timestamp,
    /// A WAD fixed-point fraction: 1e18 is 100%.
    Ratio,
    /// IEEE-754 binary64; scenario code only.
    Float,
    /// A string: revert reasons, names.
    Str,
    /// An amount of the named token, in its smallest unit.
    Amount(String),
    /// A quantity per period: `EMB per day`, `ratio per year`.
    Rate(Box<Ty>, TimeUnit),
    /// A WAD price of one token in another: `USDC per EMB`.
    Price {
        quote: String,
        base: String,
    },
    Map(Box<Ty>, Box<Ty>),
    List(Box<Ty>),
}

impl Ty {
    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    /// Whether the type exists only in scenario code.
    pub fn is_scenario_only(&self) -> bool {
        match self {
            Ty::Float => true,
            Ty::Rate(inner, _) | Ty::List(inner) => inner.is_scenario_only(),
            Ty::Map(key, value) => key.is_scenario_only() || value.is_scenario_only(),
            _ => false,
        }
    }

    /// Numeric quantities that support `+`, `-` and comparisons with each other.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Ty::Uint
                | Ty::Duration
                | Ty::Ratio
                | Ty::Float
                | Ty::Amount(_)
                | Ty::Rate(..)
                | Ty::Price { .. }
                | Ty::Timestamp
        )
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Error => write!(f, "{{unknown}}"),
            Ty::Void => write!(f, "nothing"),
            Ty::Bool => write!(f, "bool"),
            Ty::Uint => write!(f, "uint"),
            Ty::Address => write!(f, "address"),
            Ty::Duration => write!(f, "duration"),
            Ty::Timestamp => write!(f, "timestamp"),
            Ty::Ratio => write!(f, "ratio"),
            Ty::Float => write!(f, "float"),
            Ty::Str => write!(f, "string"),
            Ty::Amount(token) => write!(f, "{token}"),
            Ty::Rate(inner, unit) => write!(f, "{inner} per {}", unit.name()),
            Ty::Price { quote, base } => write!(f, "{quote} per {base}"),
            Ty::Map(key, value) => match **value {
                Ty::Rate(..) | Ty::Price { .. } => write!(f, "map[{key}] ({value})"),
                _ => write!(f, "map[{key}] {value}"),
            },
            Ty::List(element) => write!(f, "list[{element}]"),
        }
    }
}
