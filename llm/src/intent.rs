//! The intent path: the model fills a JSON schema of what the mechanism
//! is (token, supply, allocations, vesting, fees, emission, staking,
//! governance) through the provider's structured outputs, and this module
//! prints the Tok program, deterministically, on the standard library.
//! It works on every backend and on small models: the model never writes
//! Tok. Whatever the schema admits prints a program that checks (a
//! property test generates intents to hold it to that); what the schema
//! cannot rule out (allocations over 100%, a cap below the supply) is
//! resolved in the program and said in a comment.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What a mechanism is, as the model describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub token: Token,
    pub allocations: Vec<Allocation>,
    pub transfer_fee: Option<Fee>,
    pub emission: Option<Emission>,
    pub staking: Option<Staking>,
    pub governance: Option<Governance>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// The ticker, e.g. `EMB`.
    pub symbol: String,
    /// The display name, e.g. `Ember`.
    pub name: String,
    pub decimals: u32,
    /// Whole tokens minted at deployment.
    pub initial_supply: u64,
    /// Whole tokens the supply may never exceed.
    pub max_supply: Option<u64>,
    pub burnable: bool,
    pub pausable: bool,
    pub permit: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    /// Who receives it: `team`, `investors`, `treasury`...
    pub name: String,
    /// Percent of the initial supply.
    pub percent: f64,
    pub vesting: Option<Vesting>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vesting {
    pub start_days: u32,
    pub cliff_days: u32,
    pub duration_days: u32,
    pub tge_percent: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fee {
    pub percent: f64,
    /// `burn`, or the name of an allocation whose wallet receives fees.
    pub to: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmissionKind {
    Constant,
    Halving,
    Decaying,
    PercentOfSupply,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Emission {
    pub kind: EmissionKind,
    /// Whole tokens per day (constant, halving and decaying emission).
    pub tokens_per_day: Option<u64>,
    pub halving_days: Option<u32>,
    pub decay_percent_per_day: Option<f64>,
    pub percent_per_year: Option<f64>,
    /// The allocation whose wallet receives the emission.
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Staking {
    /// Whole reward tokens paid per day, shared by stakers.
    pub reward_tokens_per_day: u64,
    /// Whole reward tokens the staking contract starts with.
    pub reward_pool: u64,
    pub unbonding_days: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Governance {
    pub voting_delay_days: u32,
    pub voting_period_days: u32,
    pub quorum_percent: f64,
    pub timelock_days: u32,
    /// `transfer_fee` and `inflation` (a percent-of-supply emission).
    pub governs: Vec<String>,
}

/// The JSON schema the model fills (strict: every property required,
/// nothing else allowed; optional parts are `null`).
pub fn schema() -> Value {
    let object = |properties: Value| {
        let required: Vec<String> = properties
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
    };
    let nullable = |schema: Value| json!({ "anyOf": [schema, { "type": "null" }] });
    let integer =
        |description: &str| json!({ "type": "integer", "minimum": 0, "description": description });
    let percent = |description: &str| json!({ "type": "number", "minimum": 0, "maximum": 100, "description": description });
    let vesting = object(json!({
        "start_days": integer("days after deployment the schedule starts"),
        "cliff_days": integer("days after the start before anything more unlocks"),
        "duration_days": integer("days from the start until everything is unlocked"),
        "tge_percent": percent("percent unlocked at the start"),
    }));
    object(json!({
        "token": object(json!({
            "symbol": { "type": "string", "description": "ticker, letters only, e.g. EMB" },
            "name": { "type": "string", "description": "display name, e.g. Ember" },
            "decimals": { "type": "integer", "minimum": 0, "maximum": 18 },
            "initial_supply": integer("whole tokens minted at deployment"),
            "max_supply": nullable(integer("whole tokens the supply may never exceed")),
            "burnable": { "type": "boolean" },
            "pausable": { "type": "boolean", "description": "an owner can pause all transfers" },
            "permit": { "type": "boolean", "description": "EIP-2612 approvals by signature" },
        })),
        "allocations": {
            "type": "array",
            "description": "who receives the initial supply; the rest goes to the treasury",
            "items": object(json!({
                "name": { "type": "string", "description": "team, investors, treasury, community..." },
                "percent": percent("percent of the initial supply"),
                "vesting": nullable(vesting),
            })),
        },
        "transfer_fee": nullable(object(json!({
            "percent": percent("percent of every transfer"),
            "to": { "type": "string", "description": "burn, or the allocation whose wallet receives fees" },
        }))),
        "emission": nullable(object(json!({
            "kind": { "type": "string", "enum": ["constant", "halving", "decaying", "percent_of_supply"] },
            "tokens_per_day": nullable(integer("whole tokens per day (constant, halving, decaying)")),
            "halving_days": nullable(integer("days between halvings")),
            "decay_percent_per_day": nullable(percent("daily decay of the rate")),
            "percent_per_year": nullable(percent("yearly inflation, percent of supply")),
            "to": { "type": "string", "description": "the allocation whose wallet receives it" },
        }))),
        "staking": nullable(object(json!({
            "reward_tokens_per_day": integer("reward tokens paid per day, shared by stakers"),
            "reward_pool": integer("reward tokens the staking contract starts with"),
            "unbonding_days": integer("days a withdrawal waits"),
        }))),
        "governance": nullable(object(json!({
            "voting_delay_days": integer("days before voting opens"),
            "voting_period_days": integer("days voting lasts"),
            "quorum_percent": percent("percent of supply that must vote for"),
            "timelock_days": integer("days before a passed proposal takes effect"),
            "governs": { "type": "array", "items": { "type": "string", "enum": ["transfer_fee", "inflation"] } },
        }))),
    }))
}

/// Keywords and names the program declares itself, which an allocation
/// or the token may not take.
const TAKEN: &[&str] = &[
    "fee",
    "inflation",
    "guardian",
    "owner",
    "treasury_wallet",
    "Emission",
    "Staking",
    "DAO",
];

/// `text` as a Tok name: letters, digits and `_`, starting with a letter,
/// not a keyword; `fallback` when nothing is left.
fn identifier(text: &str, fallback: &str, upper: bool) -> String {
    let mut name: String = text
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    name = if upper {
        name.to_ascii_uppercase()
    } else {
        name.to_ascii_lowercase()
    };
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = fallback.to_string();
    }
    if tok_syntax::lexer::KEYWORDS.contains(&name.as_str()) || TAKEN.contains(&name.as_str()) {
        name.push_str(if upper { "_T" } else { "_wallet" });
    }
    name
}

/// A percentage as Tok writes a ratio, exact to 1/100 of a percent:
/// `12.5%`.
fn percent_literal(percent: f64) -> String {
    let hundredths = (percent.clamp(0.0, 100.0) * 100.0).round() as u64;
    let whole = hundredths / 100;
    match hundredths % 100 {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// A whole number with `_` between thousands: `1_000_000`.
fn grouped(value: u128) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

/// An amount given in hundredths of a token, as a literal: `1_500.25 EMB`.
fn amount(hundredths: u128, token: &str, decimals: u32) -> String {
    let (whole, cents) = (hundredths / 100, hundredths % 100);
    // Cents need two decimals of the token; fewer decimals round down.
    let cents = match decimals {
        0 => 0,
        1 => cents / 10 * 10,
        _ => cents,
    };
    match cents {
        0 => format!("{} {token}", grouped(whole)),
        c if c % 10 == 0 => format!("{}.{} {token}", grouped(whole), c / 10),
        c => format!("{}.{c:02} {token}", grouped(whole)),
    }
}

/// Days as a duration literal.
fn days(count: u32) -> String {
    match count {
        1 => "1 day".to_string(),
        n => format!("{} days", grouped(u128::from(n))),
    }
}

/// The Tok program `intent` describes.
pub fn print(intent: &Intent) -> String {
    let token = identifier(&intent.token.symbol, "TOKEN", true);
    let decimals = intent.token.decimals.min(18);
    let supply = u128::from(intent.token.initial_supply.max(1));
    let mut notes: Vec<String> = Vec::new();

    // Allocations: unique names, percentages that add up to at most 100.
    let mut seen: BTreeSet<String> = BTreeSet::from([token.clone()]);
    let mut allocations: Vec<(String, u128, Option<Vesting>)> = Vec::new();
    let total_percent: f64 = intent
        .allocations
        .iter()
        .map(|a| a.percent.clamp(0.0, 100.0))
        .sum();
    let scale = if total_percent > 100.0 {
        notes.push(format!(
            "the allocations added up to {total_percent:.2}%; they are scaled to 100%"
        ));
        100.0 / total_percent
    } else {
        1.0
    };
    for allocation in &intent.allocations {
        // A name and its wallet param (`team`, `team_wallet`) are both taken.
        let mut name = identifier(&allocation.name, "allocation", false);
        while seen.contains(&name) || seen.contains(&format!("{name}_wallet")) {
            name.push_str("_2");
        }
        seen.insert(name.clone());
        seen.insert(format!("{name}_wallet"));
        // Basis points of the supply, then hundredths of a token.
        let bps = (allocation.percent.clamp(0.0, 100.0) * scale * 100.0).floor() as u128;
        let hundredths = supply * 100 * bps / 10_000;
        allocations.push((name, hundredths, allocation.vesting.clone()));
    }
    let given: u128 = allocations.iter().map(|(_, h, _)| h).sum();
    let rest = (supply * 100).saturating_sub(given);
    let treasury = match allocations
        .iter()
        .position(|(name, _, vesting)| name == "treasury" && vesting.is_none())
    {
        Some(index) => {
            allocations[index].1 += rest;
            "treasury".to_string()
        }
        None => {
            let mut name = "treasury".to_string();
            while seen.contains(&name) {
                name.push_str("_2");
            }
            seen.insert(name.clone());
            allocations.push((name.clone(), rest, None));
            name
        }
    };
    // Who an allocation's tokens reach: its wallet param.
    let wallet = |name: &str, vesting: bool| {
        if vesting {
            format!("{name}_wallet")
        } else {
            name.to_string()
        }
    };
    let recipient = |target: &str| -> String {
        let wanted = identifier(target, "treasury", false);
        (allocations.iter())
            .find(|(name, _, _)| *name == wanted)
            .map_or(treasury.clone(), |(name, _, vesting)| {
                wallet(name, vesting.is_some())
            })
    };

    let emission = intent.emission.as_ref();
    let inflation = emission.filter(|e| e.kind == EmissionKind::PercentOfSupply);
    let fee = intent.transfer_fee.as_ref();
    let governance = intent.governance.as_ref();
    let governed: Vec<&str> = governance
        .map(|g| {
            (g.governs.iter())
                .filter_map(|p| match p.as_str() {
                    "transfer_fee" if fee.is_some() => Some("fee"),
                    "inflation" if inflation.is_some() => Some("inflation"),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let reward_token = format!("{token}R");

    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// {}, drafted from a structured description.",
        intent.token.name.replace('\n', " ").trim()
    );
    for note in &notes {
        let _ = writeln!(out, "/// Note: {note}.");
    }
    if emission.is_some_and(|e| e.kind != EmissionKind::PercentOfSupply) || inflation.is_some() {
        let _ = writeln!(out, "use std.emission");
    }
    if intent.staking.is_some() {
        let _ = writeln!(out, "use std.staking");
    }
    let _ = writeln!(out);
    for (name, _, vesting) in &allocations {
        let _ = writeln!(out, "param {}: address", wallet(name, vesting.is_some()));
    }
    if intent.token.pausable || intent.staking.is_some() {
        let _ = writeln!(
            out,
            "/// Can pause transfers and slash stakers: a multisig, ideally."
        );
        let _ = writeln!(out, "param guardian: address");
    }
    if let Some(fee) = fee {
        let _ = writeln!(
            out,
            "param fee: ratio = {}",
            percent_literal(fee.percent.min(99.0))
        );
    }
    if let Some(inflation) = inflation {
        let percent = inflation.percent_per_year.unwrap_or(2.0);
        let _ = writeln!(
            out,
            "param inflation: ratio per year = {} per year",
            percent_literal(percent)
        );
    }
    let _ = writeln!(out);

    // The token.
    let _ = writeln!(out, "token {token} {{");
    let _ = writeln!(
        out,
        "    name: \"{}\"",
        sanitize_text(&intent.token.name, &token)
    );
    let _ = writeln!(out, "    symbol: \"{token}\"");
    let _ = writeln!(out, "    decimals: {decimals}");
    if let Some(max) = intent.token.max_supply {
        let max = u128::from(max);
        if max < supply {
            let _ = writeln!(
                out,
                "    // The cap asked for ({}) was below the initial supply; it is raised to it.",
                grouped(max)
            );
        }
        let _ = writeln!(out, "    cap: {} {token}", grouped(max.max(supply)));
    }
    for flag in [
        (intent.token.burnable, "burnable"),
        (intent.token.permit, "permit"),
        (governance.is_some(), "votes"),
    ] {
        if flag.0 {
            let _ = writeln!(out, "    {}", flag.1);
        }
    }
    if intent.token.pausable {
        let _ = writeln!(out, "    pausable\n    owner: guardian");
    }
    if let Some(fee) = fee {
        let _ = writeln!(out, "    transfer_fee: fee");
        if !fee.to.trim().eq_ignore_ascii_case("burn") {
            let _ = writeln!(out, "    fee_to: {}", recipient(&fee.to));
        }
    }
    if emission.is_some() {
        let _ = writeln!(out, "    minters: [Emission]");
    }
    for (name, hundredths, _) in &allocations {
        if *hundredths > 0 {
            let _ = writeln!(
                out,
                "    mint {} to {name}",
                amount(*hundredths, &token, decimals)
            );
        }
    }
    let _ = writeln!(out, "}}\n");

    if let Some(staking) = &intent.staking {
        let _ = writeln!(
            out,
            "/// Staking rewards are paid in a token of their own: the standard"
        );
        let _ = writeln!(out, "/// library's staking pays a second token.");
        let _ = writeln!(out, "token {reward_token} {{");
        let _ = writeln!(
            out,
            "    name: \"{} Reward\"",
            sanitize_text(&intent.token.name, &token)
        );
        let _ = writeln!(out, "    decimals: 18");
        if staking.reward_pool > 0 {
            let _ = writeln!(
                out,
                "    mint {} {reward_token} to Staking",
                grouped(u128::from(staking.reward_pool))
            );
        }
        let _ = writeln!(out, "}}\n");
    }

    // Vesting wallets.
    for (name, _, vesting) in &allocations {
        let Some(vesting) = vesting else { continue };
        let _ = writeln!(out, "vesting {name} {{");
        let _ = writeln!(out, "    token: {token}");
        let _ = writeln!(out, "    beneficiary: {name}_wallet");
        if vesting.start_days > 0 {
            let _ = writeln!(out, "    start: {}", days(vesting.start_days));
        }
        let duration = vesting.duration_days.max(1);
        if vesting.cliff_days > 0 {
            let _ = writeln!(out, "    cliff: {}", days(vesting.cliff_days.min(duration)));
        }
        let _ = writeln!(out, "    duration: {}", days(duration));
        if vesting.tge_percent > 0.0 {
            let _ = writeln!(out, "    tge: {}", percent_literal(vesting.tge_percent));
        }
        let _ = writeln!(out, "}}\n");
    }

    if let Some(emission) = emission {
        let to = recipient(&emission.to);
        let per_day = |e: &Emission| u128::from(e.tokens_per_day.unwrap_or(1).max(1));
        let line = match emission.kind {
            EmissionKind::Constant => format!(
                "emission.ConstantEmission[{token}](recipient: {to}, amount: {} {token} per day)",
                grouped(per_day(emission))
            ),
            EmissionKind::Halving => format!(
                "emission.HalvingEmission[{token}](recipient: {to}, initial: {} {token} per day, halving_days: {})",
                grouped(per_day(emission)),
                emission.halving_days.unwrap_or(365).max(1)
            ),
            EmissionKind::Decaying => format!(
                "emission.DecayingEmission[{token}](recipient: {to}, initial: {} {token} per day, decay: {})",
                grouped(per_day(emission)),
                percent_literal(emission.decay_percent_per_day.unwrap_or(1.0))
            ),
            EmissionKind::PercentOfSupply => {
                format!("emission.PercentInflation[{token}](recipient: {to}, inflation: inflation)")
            }
        };
        let _ = writeln!(out, "mechanism Emission = {line}\n");
    }
    if let Some(staking) = &intent.staking {
        let _ = writeln!(
            out,
            "mechanism Staking = staking.RewardStaking[{token}, {reward_token}](rate: {} {reward_token} per day, unbonding: {}, slasher: guardian)\n",
            grouped(u128::from(staking.reward_tokens_per_day)),
            days(staking.unbonding_days)
        );
    }
    if let Some(governance) = governance {
        let _ = writeln!(out, "governor DAO {{");
        let _ = writeln!(out, "    token: {token}");
        let _ = writeln!(
            out,
            "    voting_delay: {}",
            days(governance.voting_delay_days)
        );
        let _ = writeln!(
            out,
            "    voting_period: {}",
            days(governance.voting_period_days.max(1))
        );
        let _ = writeln!(
            out,
            "    quorum: {}",
            percent_literal(governance.quorum_percent)
        );
        let _ = writeln!(out, "    timelock: {}", days(governance.timelock_days));
        let _ = writeln!(out, "    governs: [{}]", governed.join(", "));
        let _ = writeln!(out, "}}\n");
    }
    let text = out.trim_end().to_string() + "\n";
    tok_format::format(&text).unwrap_or(text)
}

/// Text for a string literal: printable, without quotes or backslashes.
fn sanitize_text(text: &str, fallback: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    match cleaned.trim() {
        "" => fallback.to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// Reads the model's JSON as an intent.
pub fn parse(text: &str) -> Result<Intent, String> {
    serde_json::from_str(text.trim()).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Intent {
        Intent {
            token: Token {
                symbol: "emb".into(),
                name: "Ember".into(),
                decimals: 18,
                initial_supply: 1_000_000_000,
                max_supply: Some(2_000_000_000),
                burnable: true,
                pausable: false,
                permit: true,
            },
            allocations: vec![
                Allocation {
                    name: "Team".into(),
                    percent: 20.0,
                    vesting: Some(Vesting {
                        start_days: 0,
                        cliff_days: 365,
                        duration_days: 1_460,
                        tge_percent: 0.0,
                    }),
                },
                Allocation {
                    name: "investors".into(),
                    percent: 15.0,
                    vesting: Some(Vesting {
                        start_days: 30,
                        cliff_days: 0,
                        duration_days: 730,
                        tge_percent: 10.0,
                    }),
                },
            ],
            transfer_fee: Some(Fee {
                percent: 2.0,
                to: "burn".into(),
            }),
            emission: None,
            staking: None,
            governance: None,
        }
    }

    #[test]
    fn an_intent_prints_a_program_that_checks() {
        let program = print(&example());
        assert!(
            tok_driver::check_text("intent.tok", &program).is_empty(),
            "{program}"
        );
        assert!(
            program.contains("mint 200_000_000 EMB to team"),
            "{program}"
        );
        assert!(
            program.contains("mint 650_000_000 EMB to treasury"),
            "{program}"
        );
        assert!(program.contains("cliff: 365 days"), "{program}");
        assert!(program.contains("tge: 10%"), "{program}");
        assert!(program.contains("transfer_fee: fee"), "{program}");
        assert_eq!(print(&example()), program, "deterministic");
    }

    #[test]
    fn names_never_collide() {
        let mut intent = example();
        intent.allocations.push(Allocation {
            name: "team_wallet".into(),
            percent: 1.0,
            vesting: None,
        });
        intent.allocations.push(Allocation {
            name: "team".into(),
            percent: 1.0,
            vesting: None,
        });
        let program = print(&intent);
        assert!(
            tok_driver::check_text("intent.tok", &program).is_empty(),
            "{program}"
        );
    }

    #[test]
    fn the_schema_is_strict() {
        let schema = schema();
        assert_eq!(schema["additionalProperties"], false);
        let token = &schema["properties"]["token"];
        assert_eq!(token["required"].as_array().map(Vec::len), Some(8));
        // The example round-trips through the JSON the schema describes.
        let text = serde_json::to_string(&example()).expect("JSON");
        assert_eq!(parse(&text), Ok(example()));
    }

    #[test]
    fn literals_are_exact() {
        assert_eq!(percent_literal(12.5), "12.5%");
        assert_eq!(percent_literal(0.25), "0.25%");
        assert_eq!(percent_literal(100.0), "100%");
        assert_eq!(amount(150_025, "EMB", 18), "1_500.25 EMB");
        assert_eq!(amount(150_025, "EMB", 0), "1_500 EMB");
        assert_eq!(identifier("Team Wallet!", "x", false), "team_wallet");
        assert_eq!(identifier("9lives", "x", false), "x");
        assert_eq!(identifier("token", "x", false), "token_wallet");
    }
}
