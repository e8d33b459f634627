//! What the model is told: a compact description of Tok generated from
//! the project's own sources (the language reference's tables, the
//! standard library's template signatures), and the bundled examples most
//! similar to the request, found by lexical retrieval over their text and
//! doc comments.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use tok_syntax::ast::{ItemKind, MemberKind};

/// A bundled example program.
pub struct Example {
    pub name: &'static str,
    pub source: &'static str,
}

/// Every program in `examples/` (a test keeps the list complete).
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "airdrop_claim",
        source: include_str!("../../examples/airdrop_claim.tok"),
    },
    Example {
        name: "amm_pool",
        source: include_str!("../../examples/amm_pool.tok"),
    },
    Example {
        name: "capped_vesting",
        source: include_str!("../../examples/capped_vesting.tok"),
    },
    Example {
        name: "dao_parameter",
        source: include_str!("../../examples/dao_parameter.tok"),
    },
    Example {
        name: "emission_halving",
        source: include_str!("../../examples/emission_halving.tok"),
    },
    Example {
        name: "staking_economy",
        source: include_str!("../../examples/staking_economy.tok"),
    },
    Example {
        name: "staking_rewards",
        source: include_str!("../../examples/staking_rewards.tok"),
    },
    Example {
        name: "transfer_tax",
        source: include_str!("../../examples/transfer_tax.tok"),
    },
];

const REFERENCE: &str = include_str!("../../docs/reference.md");

/// The language in brief: every table of the reference under its
/// heading (types, units and their algebra, each declaration's settings,
/// members, statements, expressions), then the standard library's
/// templates with their parameters and members.
pub fn language() -> &'static str {
    static LANGUAGE: OnceLock<String> = OnceLock::new();
    LANGUAGE.get_or_init(|| {
        let mut out = String::from("# The Tok language, in brief\n");
        let mut heading = "";
        let mut printed_heading = "";
        let mut in_code = false;
        for line in REFERENCE.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code {
                continue;
            }
            if line.starts_with("## ") || line.starts_with("### ") {
                heading = line;
            } else if line.starts_with('|') {
                if printed_heading != heading {
                    out.push('\n');
                    out.push_str(heading);
                    out.push('\n');
                    printed_heading = heading;
                }
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str("\n## Standard-library templates (`use std.MODULE`, then `mechanism Name = MODULE.Template[Tokens](args)`)\n");
        out.push_str(&templates());
        out
    })
}

/// Each standard-library template as its instance line would name it,
/// with its first doc sentence, actions and views.
fn templates() -> String {
    let mut out = String::new();
    for module in tok_stdlib::MODULES {
        let short = module.path.trim_start_matches("std.");
        let parsed = tok_syntax::parse(module.source);
        let docs = tok_syntax::docs::collect(module.source, &parsed);
        for item in &parsed.module.items {
            let ItemKind::Mechanism(mechanism) = &item.kind else {
                continue;
            };
            if !mechanism.is_template() {
                continue;
            }
            let generics: Vec<&str> = mechanism.generics.iter().map(|g| g.text.as_str()).collect();
            let params: Vec<String> = (mechanism.params.iter())
                .map(|p| format!("{}: {}", p.name.text, tok_format::ty(&p.ty)))
                .collect();
            out.push_str(&format!(
                "\n- `{short}.{}[{}]({})`",
                mechanism.name.text,
                generics.join(", "),
                params.join(", ")
            ));
            let doc = docs.get(&mechanism.name.text).or_else(|| docs.get(""));
            if let Some(first) = doc.and_then(|lines| first_sentence(lines)) {
                out.push_str(&format!(": {first}"));
            }
            let mut members = Vec::new();
            for member in &mechanism.members {
                let (kind, function) = match &member.kind {
                    MemberKind::Action(f) => ("action", f),
                    MemberKind::View(f) => ("view", f),
                    _ => continue,
                };
                let args: Vec<String> = (function.params.iter())
                    .map(|p| format!("{}: {}", p.name.text, tok_format::ty(&p.ty)))
                    .collect();
                members.push(format!(
                    "{kind} `{}({})`",
                    function.name.text,
                    args.join(", ")
                ));
            }
            if !members.is_empty() {
                out.push_str(&format!(". Members: {}", members.join(", ")));
            }
        }
    }
    out.push('\n');
    out
}

fn first_sentence(lines: &[String]) -> Option<String> {
    let text = lines.join(" ");
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text.to_string(),
    })
}

/// Lowercase words of at least three letters, less the commonest.
fn words(text: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "that", "this", "from", "are", "its", "per", "each", "every",
        "into", "than", "then", "over", "all", "one", "two", "who", "what", "when", "can", "not",
        "out", "has", "have", "their", "they", "them", "our", "should", "would", "will",
    ];
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|w| {
            w.len() >= 3 && !STOP.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit())
        })
        .collect()
}

/// The `k` examples most similar to `description`: words the two share,
/// each weighted by its rarity across the examples, doc comments counting
/// three times. Ties go by name, so the choice is deterministic.
pub fn similar(description: &str, k: usize) -> Vec<&'static Example> {
    let query: BTreeSet<String> = words(description).into_iter().collect();
    let documents: Vec<BTreeMap<String, u32>> = (EXAMPLES.iter())
        .map(|example| {
            let mut counts = BTreeMap::new();
            for line in example.source.lines() {
                let weight = if line.trim_start().starts_with("///") {
                    3
                } else {
                    1
                };
                for word in words(line) {
                    *counts.entry(word).or_insert(0) += weight;
                }
            }
            counts
        })
        .collect();
    let total = EXAMPLES.len() as f64;
    let mut scored: Vec<(f64, &'static Example)> = (EXAMPLES.iter().zip(&documents))
        .map(|(example, counts)| {
            let score = (query.iter())
                .filter_map(|word| {
                    let count = *counts.get(word)?;
                    let containing =
                        documents.iter().filter(|d| d.contains_key(word)).count() as f64;
                    Some((1.0 + f64::from(count).ln()) * (1.0 + total / containing).ln())
                })
                .sum();
            (score, example)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(b.1.name)));
    scored
        .into_iter()
        .take(k)
        .map(|(_, example)| example)
        .collect()
}

/// The system prompt for drafting Tok text.
pub fn system_for_tok(description: &str) -> String {
    let mut out = String::from(
        "You write programs in Tok, a language for token mechanisms (supply, vesting, incentives, markets, governance). \
A Tok program is type-checked with units and compiled to Solidity and to a simulator.\n\
Rules: answer with exactly one complete program in a ```tok code block and nothing else; one statement per line; \
every number next to a quantity has its unit (`100 EMB`, `5%`, `30 days`, `2% per year`); every `require` has `else \"reason\"`; \
declare every name you use; prefer standard-library templates and token settings over hand-written code.\n\n",
    );
    out.push_str(language());
    out.push_str("\n# Examples of complete, correct programs\n");
    for example in similar(description, 3) {
        out.push_str(&format!(
            "\n## {}\n```tok\n{}```\n",
            example.name, example.source
        ));
    }
    out
}

/// The system prompt for the intent path: the model fills a JSON form;
/// it never writes Tok.
pub fn system_for_intent() -> String {
    "You turn descriptions of token mechanisms into a JSON form that a compiler prints as a program. \
Fill every field of the form; use null for parts the description does not mention and false for features it does not ask for. \
Amounts are whole tokens; percentages are numbers from 0 to 100; durations are days (a year is 365 days, a month 30). \
Allocations are shares of the initial supply; whatever they leave goes to the treasury. \
Name allocations briefly (team, investors, community, treasury). Answer with the JSON object only."
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_summary_has_the_tables_and_templates() {
        let language = language();
        assert!(language.contains("| `decimals: 18` |"), "{language}");
        assert!(language.contains("### The unit algebra"));
        assert!(
            language.contains("`amm.ConstantProduct[A, B](fee_per_mille: uint)`"),
            "{language}"
        );
        assert!(
            language.contains("`vesting.LinearVesting[T]("),
            "{language}"
        );
        // Prose and code blocks stay out: it is compact.
        assert!(!language.contains("```"));
        assert!(language.len() < 20_000, "{} bytes", language.len());
    }

    #[test]
    fn retrieval_finds_the_closest_examples() {
        let names = |d: &str| similar(d, 2).iter().map(|e| e.name).collect::<Vec<_>>();
        assert_eq!(
            names("team tokens vest with a one-year cliff and a TGE unlock")[0],
            "capped_vesting"
        );
        assert_eq!(
            names("a DAO votes on the inflation rate through a timelock")[0],
            "dao_parameter"
        );
        assert_eq!(
            names("3% tax on every transfer, half burned weekly by a buyback")[0],
            "transfer_tax"
        );
        assert_eq!(
            names("a Uniswap-style pool with liquidity and swaps, traders arbitrage")[0],
            "amm_pool"
        );
        // Deterministic, even with nothing in common.
        assert_eq!(names("zzz"), names("zzz"));
    }
}
