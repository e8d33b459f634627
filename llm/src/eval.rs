//! `tok draft --eval CASES.toml`: drafts every case of a file and scores
//! the drafts the way the field does. parse@1 and check@1 judge the first
//! draft (it parses; it checks). Check after repair judges the best draft
//! after every repair round. Facts matched counts the values, durations
//! and percentages of the description that the best draft carries, read
//! from its typed program (exact literals, whatever their spelling), so a
//! draft that checks but says something else scores what it says.
//!
//! A case file:
//!
//! ```toml
//! [[case]]
//! name = "team-vesting"
//! description = "1B tokens; 20% to the team over 4 years with a 1-year cliff"
//! tokens = [1_000_000_000, 200_000_000]   # whole-token amounts
//! days = [365, 1_460]                     # durations
//! percent = [20]                          # ratios, rates' ratios
//! ```

use ethnum::U256;
use serde::Deserialize;
use tok_sema::Ty;
use tok_sema::hir::ExprKind;

use crate::LlmError;
use crate::draft::{Draft, Mode, Outcome, draft};
use crate::provider::Provider;

#[derive(Clone, Debug, Deserialize)]
pub struct Cases {
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Case {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub tokens: Vec<u64>,
    #[serde(default)]
    pub days: Vec<u64>,
    #[serde(default)]
    pub percent: Vec<f64>,
}

impl Case {
    fn fact_count(&self) -> usize {
        self.tokens.len() + self.days.len() + self.percent.len()
    }
}

/// Reads a case file.
pub fn parse(text: &str) -> Result<Cases, String> {
    let cases: Cases = toml::from_str(text).map_err(|error| error.to_string())?;
    if cases.cases.is_empty() {
        return Err("the file has no [[case]]".to_string());
    }
    Ok(cases)
}

/// The exact values a program states, as the facts compare them.
#[derive(Default, Debug)]
pub struct Stated {
    /// Whole tokens (amounts and rates of amounts that are whole).
    pub tokens: Vec<u128>,
    pub days: Vec<u128>,
    /// Percent in hundredths (ratios and rates of ratios).
    pub hundredths: Vec<u128>,
}

/// What `program` states, when it checks; nothing when it does not.
pub fn stated(program: &str) -> Stated {
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "draft.tok".to_string(), program.to_string());
    let mut found = Stated::default();
    if tok_driver::diagnostics(&db, file)
        .iter()
        .any(|d| d.is_error())
    {
        return found;
    }
    let sigs = tok_driver::signatures(&db, file);
    for located in &tok_driver::program(&db, file).items {
        tok_sema::walk::exprs(&located.item, &mut |expr| {
            let ExprKind::Int(value) = expr.kind else {
                return;
            };
            let ty = match &expr.ty {
                Ty::Rate(inner, _) => inner.as_ref(),
                other => other,
            };
            match ty {
                Ty::Amount(token) => {
                    let decimals = sigs.tokens.get(token).map_or(18, |sig| sig.decimals);
                    let unit = U256::from(10u8).pow(decimals);
                    if value % unit == U256::ZERO {
                        found.tokens.push((value / unit).as_u128());
                    }
                }
                Ty::Duration => {
                    let day = U256::from(86_400u32);
                    if value % day == U256::ZERO {
                        found.days.push((value / day).as_u128());
                    }
                }
                Ty::Ratio => {
                    let hundredth = U256::from(100_000_000_000_000u64);
                    if value % hundredth == U256::ZERO {
                        found.hundredths.push((value / hundredth).as_u128());
                    }
                }
                _ => {}
            }
        });
    }
    found
}

/// How many of `case`'s facts `program` states.
pub fn facts_matched(case: &Case, program: &str) -> usize {
    let stated = stated(program);
    let tokens = case
        .tokens
        .iter()
        .filter(|t| stated.tokens.contains(&u128::from(**t)))
        .count();
    let days = case
        .days
        .iter()
        .filter(|d| stated.days.contains(&u128::from(**d)))
        .count();
    let percent = (case.percent.iter())
        .filter(|p| stated.hundredths.contains(&((**p * 100.0).round() as u128)))
        .count();
    tokens + days + percent
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct Scored {
    pub name: String,
    pub parsed_first: bool,
    pub checked_first: bool,
    pub checked_best: bool,
    pub rounds: usize,
    pub facts: usize,
    pub fact_count: usize,
    /// A provider failure that stopped the case before any draft.
    pub failure: Option<LlmError>,
}

/// Drafts every case and scores it. `system` gives the system prompt for
/// a description (it depends on the mode).
pub fn run(
    provider: &dyn Provider,
    cases: &Cases,
    mode: Mode,
    rounds: u32,
    system: &dyn Fn(&str) -> String,
    progress: &mut dyn FnMut(&Scored),
) -> Vec<Scored> {
    let mut scored = Vec::new();
    for case in &cases.cases {
        let task = Draft {
            description: case.description.clone(),
            mode,
            rounds,
            grammar: None,
            max_tokens: 4_000,
        };
        let outcome: Result<Outcome, LlmError> = draft(
            provider,
            &task,
            &system(&case.description),
            &mut |_| {},
            &mut |_, _| {},
        );
        let result = match outcome {
            Ok(outcome) => {
                let first = &outcome.rounds[0].program;
                Scored {
                    name: case.name.clone(),
                    parsed_first: tok_syntax::parse(first).diagnostics.is_empty(),
                    checked_first: outcome.rounds[0].errors == 0,
                    checked_best: outcome.errors == 0,
                    rounds: outcome.rounds.len(),
                    facts: facts_matched(case, &outcome.best),
                    fact_count: case.fact_count(),
                    failure: None,
                }
            }
            Err(error) => Scored {
                name: case.name.clone(),
                parsed_first: false,
                checked_first: false,
                checked_best: false,
                rounds: 0,
                facts: 0,
                fact_count: case.fact_count(),
                failure: Some(error),
            },
        };
        progress(&result);
        scored.push(result);
    }
    scored
}

/// The results as a Markdown report: one row per case, then the totals.
pub fn report(scored: &[Scored]) -> String {
    let mut out = String::from(
        "| case | parse@1 | check@1 | check after repair | rounds | facts |\n|---|:-:|:-:|:-:|---:|---:|\n",
    );
    let mark = |b: bool| if b { "yes" } else { "no" };
    for s in scored {
        match &s.failure {
            Some(error) => out.push_str(&format!(
                "| {} | failed: [{}] | | | | 0/{} |\n",
                s.name,
                error.code.as_str(),
                s.fact_count
            )),
            None => out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {}/{} |\n",
                s.name,
                mark(s.parsed_first),
                mark(s.checked_first),
                mark(s.checked_best),
                s.rounds,
                s.facts,
                s.fact_count
            )),
        }
    }
    let n = scored.len().max(1) as f64;
    let share = |count: usize| format!("{:.0}%", 100.0 * count as f64 / n);
    let facts: usize = scored.iter().map(|s| s.facts).sum();
    let fact_count: usize = scored.iter().map(|s| s.fact_count).sum();
    out.push_str(&format!(
        "\n{} cases: parse@1 {}, check@1 {}, check after repair {}, facts matched {facts}/{fact_count} ({:.0}%).\n",
        scored.len(),
        share(scored.iter().filter(|s| s.parsed_first).count()),
        share(scored.iter().filter(|s| s.checked_first).count()),
        share(scored.iter().filter(|s| s.checked_best).count()),
        100.0 * facts as f64 / fact_count.max(1) as f64,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_read_from_exact_values() {
        let program = "param treasury: address\nparam team_wallet: address\n\ntoken EMB {\n    decimals: 6\n    mint 800_000_000 EMB to treasury\n    mint 200_000_000 EMB to team\n    transfer_fee: 2.5%\n}\n\nvesting team {\n    token: EMB\n    beneficiary: team_wallet\n    cliff: 1 year\n    duration: 4 years\n}\n";
        let case = Case {
            name: "t".into(),
            description: String::new(),
            tokens: vec![200_000_000, 123],
            days: vec![365, 1_460],
            percent: vec![2.5, 20.0],
        };
        assert_eq!(facts_matched(&case, program), 4);
        // A program that does not check states nothing.
        assert_eq!(facts_matched(&case, "param x: uint = y\n"), 0);
    }

    #[test]
    fn case_files_read() {
        let cases = parse("[[case]]\nname = \"a\"\ndescription = \"d\"\ntokens = [1_000]\n")
            .expect("cases");
        assert_eq!(cases.cases[0].tokens, vec![1_000]);
        assert!(parse("").is_err());
    }
}
