//! `tok explain`: a checked program told back in plain English, as
//! Markdown. Tokens and their supply, who may mint, burn, pause or change
//! what, the allocations at deployment and each vesting timeline, what runs
//! by itself (emissions, burns), fees, every action with who may call it,
//! what it requires and what it moves, governance and what it governs,
//! invariants, the simulation scenarios, and the risks the compiler can
//! see. Everything comes from the typed program, so the explanation is
//! exactly as deterministic as the compiler: same program, same text.
//!
//! It is what a person reads to confirm that a drafted program says what
//! they meant, and what a reviewer reads first.

mod effects;
mod render;
mod risks;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ethnum::U256;
use tok_diagnostics::Diagnostic;
use tok_driver::{Db, SourceFile};
use tok_sema::Ty;
use tok_sema::hir::{
    self, Access, ExprKind, GovernorDef, Item, MechanismDef, ParamDef, ScenarioDef, TokenDef,
    VestingDef,
};
use tok_sema::signatures::Signatures;

pub use render::{decimal, duration, percent};

/// 10^18: 100% as a WAD ratio.
const WAD: u128 = 1_000_000_000_000_000_000;

/// The explanation of `file`, or its errors when it does not check.
pub fn explain(db: &dyn Db, file: SourceFile) -> Result<String, Vec<Diagnostic>> {
    let diagnostics = tok_driver::diagnostics(db, file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics.clone());
    }
    let program = tok_driver::program(db, file);
    let explainer = Explainer::new(
        program,
        tok_driver::signatures(db, file),
        tok_driver::docs(db, file),
    );
    Ok(explainer.write(file.path(db)))
}

/// The program's declarations by kind, in file order.
struct Explainer<'a> {
    sigs: &'a Signatures,
    docs: &'a BTreeMap<String, Vec<String>>,
    params: Vec<&'a ParamDef>,
    tokens: Vec<&'a TokenDef>,
    mechanisms: Vec<&'a MechanismDef>,
    vestings: Vec<&'a VestingDef>,
    governors: Vec<&'a GovernorDef>,
    scenarios: Vec<&'a ScenarioDef>,
}

/// What a declared name is, for sentences about it.
enum Kind {
    Param,
    Token,
    Mechanism,
    Vesting,
    Governor,
    Other,
}

impl<'a> Explainer<'a> {
    fn new(
        program: &'a hir::Program,
        sigs: &'a Signatures,
        docs: &'a BTreeMap<String, Vec<String>>,
    ) -> Self {
        let mut explainer = Explainer {
            sigs,
            docs,
            params: Vec::new(),
            tokens: Vec::new(),
            mechanisms: Vec::new(),
            vestings: Vec::new(),
            governors: Vec::new(),
            scenarios: Vec::new(),
        };
        for located in &program.items {
            match &*located.item {
                Item::Param(param) => explainer.params.push(param),
                Item::Token(token) => explainer.tokens.push(token),
                Item::Mechanism(mechanism) => explainer.mechanisms.push(mechanism),
                Item::Vesting(vesting) => explainer.vestings.push(vesting),
                Item::Governor(governor) => explainer.governors.push(governor),
                Item::Scenario(scenario) => explainer.scenarios.push(scenario),
                Item::Use(_) => {}
            }
        }
        explainer
    }

    fn kind(&self, name: &str) -> Kind {
        if self.params.iter().any(|p| p.name == name) {
            Kind::Param
        } else if self.tokens.iter().any(|t| t.name == name) {
            Kind::Token
        } else if self.mechanisms.iter().any(|m| m.name == name) {
            Kind::Mechanism
        } else if self.vestings.iter().any(|v| v.name == name) {
            Kind::Vesting
        } else if self.governors.iter().any(|g| g.name == name) {
            Kind::Governor
        } else {
            Kind::Other
        }
    }

    /// An expression in Tok notation, in backticks.
    fn code(&self, expr: &hir::Expr) -> String {
        format!("`{}`", render::expr(self.sigs, expr, None))
    }

    /// A value as prose: a literal plainly (`2,000,000,000 EMB`), anything
    /// else as code.
    fn text(&self, expr: &hir::Expr) -> String {
        match render::literal(expr) {
            Some(value) => render::value(self.sigs, value, &expr.ty),
            None => self.code(expr),
        }
    }

    /// An expression inside mechanism `mechanism`, in backticks.
    fn code_in(&self, expr: &hir::Expr, mechanism: &str) -> String {
        format!("`{}`", render::expr(self.sigs, expr, Some(mechanism)))
    }

    /// Who an address expression is: `` `treasury` (an address given at
    /// deployment) ``, `` the vesting wallet `team` ``...
    fn who(&self, expr: &hir::Expr) -> String {
        match &expr.kind {
            ExprKind::Param(name) => format!("`{name}` (an address set at deployment)"),
            ExprKind::Contract(name) => match self.kind(name) {
                Kind::Vesting => format!("the vesting wallet `{name}`"),
                Kind::Mechanism => format!("the `{name}` contract"),
                Kind::Governor => format!("the governor `{name}` (its timelock)"),
                Kind::Token => format!("the `{name}` token contract"),
                _ => format!("`{name}`"),
            },
            _ => self.code(expr),
        }
    }

    /// A doc comment as one line per paragraph (a blank `///` line ends
    /// a paragraph), joined by `separator`.
    fn doc_with(&self, path: &str, separator: &str) -> Option<String> {
        let lines = self.docs.get(path)?;
        let paragraphs: Vec<String> = lines
            .split(|line| line.trim().is_empty())
            .map(|paragraph| {
                paragraph
                    .iter()
                    .map(|l| l.trim())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|paragraph| !paragraph.is_empty())
            .collect();
        (!paragraphs.is_empty()).then(|| paragraphs.join(separator))
    }

    fn doc(&self, path: &str) -> Option<String> {
        self.doc_with(path, " ")
    }

    /// The governors that govern `param`.
    fn governors_of(&self, param: &str) -> Vec<&str> {
        (self.governors.iter())
            .filter(|g| g.governs.iter().any(|p| p == param))
            .map(|g| g.name.as_str())
            .collect()
    }

    fn write(&self, path: &str) -> String {
        let mut out = String::new();
        let name = path.rsplit('/').next().unwrap_or(path);
        let _ = writeln!(out, "# What `{name}` does\n");
        if let Some(doc) = self.doc_with("", "\n>\n> ") {
            let _ = writeln!(out, "> {doc}\n");
        }
        self.summary(&mut out);
        self.tokens_section(&mut out);
        self.allocations(&mut out);
        self.vesting_section(&mut out);
        self.params_section(&mut out);
        self.powers(&mut out);
        self.mechanisms_section(&mut out);
        self.governance(&mut out);
        self.scenarios_section(&mut out);
        risks::write(self, &mut out);
        out
    }

    fn summary(&self, out: &mut String) {
        let count = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            count(self.tokens.len(), "token", "tokens"),
            count(self.vestings.len(), "vesting wallet", "vesting wallets"),
            count(self.mechanisms.len(), "mechanism", "mechanisms"),
            count(self.governors.len(), "governor", "governors"),
            count(self.params.len(), "param", "params"),
            count(
                self.scenarios.len(),
                "simulation scenario",
                "simulation scenarios",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let deployed =
            self.tokens.len() + self.vestings.len() + self.mechanisms.len() + self.governors.len();
        let _ = writeln!(
            out,
            "The program declares {}. Deploying it creates {deployed} contract{}.\n",
            if parts.is_empty() {
                "nothing".to_string()
            } else {
                join_and(&parts)
            },
            if deployed == 1 { "" } else { "s" }
        );
    }

    fn tokens_section(&self, out: &mut String) {
        if self.tokens.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Tokens\n");
        for token in &self.tokens {
            let _ = writeln!(
                out,
                "### `{}`: {} ({}, {} decimals)\n",
                token.name, token.display_name, token.symbol, token.decimals
            );
            if let Some(doc) = self.doc(&token.name) {
                let _ = writeln!(out, "{doc}\n");
            }
            let mut facts = Vec::new();
            match &token.cap {
                Some(cap) => {
                    facts.push(format!("Total supply can never exceed {}.", self.text(cap)))
                }
                None => facts.push("There is no supply cap.".to_string()),
            }
            if let Some(total) = self.minted_at_deployment(token) {
                facts.push(format!(
                    "{} are minted at deployment (see Allocations).",
                    render::value(self.sigs, total, &Ty::Amount(token.name.clone()))
                ));
            }
            if token.minters.is_empty() {
                facts.push("No one can mint after deployment.".to_string());
            } else {
                let minters: Vec<String> = token.minters.iter().map(|m| self.who(m)).collect();
                facts.push(format!(
                    "After deployment, only {} can mint more.",
                    join_and(&minters)
                ));
            }
            if token.burnable {
                facts.push("Every holder can burn their own tokens.".to_string());
            }
            if token.pausable {
                let owner = (token.owner.as_ref()).map_or("its owner".to_string(), |o| self.who(o));
                facts.push(format!(
                    "It is pausable: {owner} can stop and restart every transfer."
                ));
            }
            if let Some(fee) = &token.transfer_fee {
                let destination = match &token.fee_to {
                    Some(to) => format!("goes to {}", self.who(to)),
                    None => "is burned".to_string(),
                };
                let mut sentence = format!(
                    "Every transfer pays a fee of {} of the amount, which {destination}.",
                    self.text(fee)
                );
                if !token.fee_exempt.is_empty() {
                    let exempt: Vec<String> =
                        token.fee_exempt.iter().map(|e| self.who(e)).collect();
                    let _ = write!(
                        sentence,
                        " Transfers from or to {} pay no fee.",
                        join_and(&exempt)
                    );
                }
                facts.push(sentence);
            } else {
                facts.push("Transfers carry no fee.".to_string());
            }
            if token.votes {
                facts.push(
                    "Balances carry voting power once delegated (ERC20Votes, timestamp clock)."
                        .to_string(),
                );
            }
            if token.permit {
                facts.push("Holders can approve by signature (EIP-2612 permit).".to_string());
            }
            for fact in facts {
                let _ = writeln!(out, "- {fact}");
            }
            let _ = writeln!(out);
        }
    }

    /// The literal total minted at deployment, when every amount is one.
    fn minted_at_deployment(&self, token: &TokenDef) -> Option<U256> {
        if token.mints.is_empty() {
            return None;
        }
        token.mints.iter().try_fold(U256::ZERO, |total, mint| {
            total.checked_add(render::literal(&mint.amount)?)
        })
    }

    fn allocations(&self, out: &mut String) {
        let minting: Vec<&&TokenDef> = self.tokens.iter().filter(|t| !t.mints.is_empty()).collect();
        if minting.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Allocations at deployment\n");
        for token in minting {
            let total = self.minted_at_deployment(token);
            let cap = token.cap.as_ref().and_then(render::literal);
            let _ = writeln!(out, "`{}`:\n", token.name);
            let _ = writeln!(
                out,
                "| to | amount | share of the initial supply | share of the cap |"
            );
            let _ = writeln!(out, "|---|---:|---:|---:|");
            for mint in &token.mints {
                let share = |of: Option<U256>| match (render::literal(&mint.amount), of) {
                    (Some(amount), Some(of)) if of > U256::ZERO => {
                        ratio_of(amount, of).map_or("-".to_string(), percent_rounded)
                    }
                    _ => "-".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    self.who(&mint.to),
                    self.text(&mint.amount),
                    share(total),
                    share(cap)
                );
            }
            let _ = writeln!(out);
        }
    }

    /// What vesting wallet `vesting` receives at deployment, when known.
    fn vested_amount(&self, vesting: &VestingDef) -> Option<U256> {
        let token = self.tokens.iter().find(|t| t.name == vesting.token)?;
        let mut total = U256::ZERO;
        let mut found = false;
        for mint in &token.mints {
            if matches!(&mint.to.kind, ExprKind::Contract(name) if *name == vesting.name) {
                total = total.checked_add(render::literal(&mint.amount)?)?;
                found = true;
            }
        }
        found.then_some(total)
    }

    fn vesting_section(&self, out: &mut String) {
        if self.vestings.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Vesting\n");
        for vesting in &self.vestings {
            let amount = self.vested_amount(vesting);
            let token = Ty::Amount(vesting.token.clone());
            let held = amount.map_or(format!("the `{}` it holds", vesting.token), |a| {
                render::value(self.sigs, a, &token)
            });
            let _ = writeln!(
                out,
                "### `{}`: {held} for {}\n",
                vesting.name,
                self.who(&vesting.beneficiary)
            );
            if let Some(doc) = self.doc(&vesting.name) {
                let _ = writeln!(out, "{doc}\n");
            }
            let start = vesting
                .start
                .as_ref()
                .map_or("at deployment".to_string(), |s| {
                    format!("{} after deployment", self.text(s))
                });
            let mut sentences = vec![format!(
                "Vesting starts {start} and lasts {}.",
                self.text(&vesting.duration)
            )];
            if let Some(tge) = &vesting.tge {
                sentences.push(format!(
                    "{} unlocks at the start (the token generation event).",
                    self.text(tge)
                ));
            }
            match &vesting.cliff {
                Some(cliff) => sentences.push(format!(
                    "Nothing more unlocks before the cliff, {} after the start; then the rest unlocks linearly, as if from the start, until the end.",
                    self.text(cliff)
                )),
                None => sentences.push("The rest unlocks linearly until the end.".to_string()),
            }
            sentences
                .push("Anyone may call `release()`; the tokens go to the beneficiary.".to_string());
            let _ = writeln!(out, "{}\n", sentences.join(" "));
            self.timeline(out, vesting, amount);
        }
    }

    /// The vested share at the start, the cliff, each quarter of the
    /// duration and the end, when the schedule is made of literals.
    fn timeline(&self, out: &mut String, vesting: &VestingDef, amount: Option<U256>) {
        let literal = |e: &Option<hir::Expr>| match e {
            None => Some(U256::ZERO),
            Some(e) => render::literal(e),
        };
        let (Some(start), Some(cliff), Some(duration), Some(tge)) = (
            literal(&vesting.start),
            literal(&vesting.cliff),
            render::literal(&vesting.duration),
            literal(&vesting.tge),
        ) else {
            return;
        };
        if duration == U256::ZERO {
            return;
        }
        let wad = U256::from(WAD);
        let vested = |at: U256| -> U256 {
            if at < start {
                U256::ZERO
            } else if at < start + cliff {
                tge
            } else if at >= start + duration {
                wad
            } else {
                tge + (wad - tge) * (at - start) / duration
            }
        };
        let mut points: Vec<U256> = vec![start];
        if cliff > U256::ZERO {
            points.push(start + cliff);
        }
        for quarter in 1..=4u8 {
            points.push(start + duration * U256::from(quarter) / U256::from(4u8));
        }
        points.sort();
        points.dedup();
        let _ = writeln!(out, "| time after deployment | unlocked | amount |");
        let _ = writeln!(out, "|---|---:|---:|");
        for at in points {
            let share = vested(at);
            let unlocked = amount.map_or("-".to_string(), |a| {
                render::value(
                    self.sigs,
                    a * share / wad,
                    &Ty::Amount(vesting.token.clone()),
                )
            });
            let _ = writeln!(
                out,
                "| {} | {} | {unlocked} |",
                render::elapsed(at),
                percent_rounded(share)
            );
        }
        let _ = writeln!(out);
    }

    fn params_section(&self, out: &mut String) {
        if self.params.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Params\n");
        let _ = writeln!(out, "| param | type | value | who can change it |");
        let _ = writeln!(out, "|---|---|---|---|");
        for param in &self.params {
            let value = param
                .default
                .as_ref()
                .map_or("set at deployment".to_string(), |d| self.text(d));
            let governors = self.governors_of(&param.name);
            let change = if governors.is_empty() {
                "no one after deployment".to_string()
            } else {
                let governors: Vec<String> =
                    governors.iter().map(|g| format!("`{g}` by vote")).collect();
                join_and(&governors)
            };
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {value} | {change} |",
                param.name, param.ty
            );
        }
        let _ = writeln!(out);
        for param in &self.params {
            if let Some(doc) = self.doc(&param.name) {
                let _ = writeln!(out, "- `{}`: {doc}", param.name);
            }
        }
        if self.params.iter().any(|p| self.doc(&p.name).is_some()) {
            let _ = writeln!(out);
        }
    }

    /// Who may do what, across the program.
    fn powers(&self, out: &mut String) {
        let mut lines = Vec::new();
        for token in &self.tokens {
            if token.pausable {
                let owner = (token.owner.as_ref()).map_or("The owner".to_string(), |o| self.who(o));
                lines.push(format!(
                    "{owner} can pause and unpause `{}` transfers.",
                    token.name
                ));
            }
            for minter in &token.minters {
                lines.push(format!(
                    "{} can mint `{}`.",
                    capitalize(&self.who(minter)),
                    token.name
                ));
            }
        }
        for mechanism in &self.mechanisms {
            for action in &mechanism.actions {
                let name = format!("`{}.{}`", mechanism.name, action.name);
                if action.access.is_empty() {
                    continue;
                }
                let callers: Vec<String> = (action.access.iter())
                    .map(|access| match access {
                        Access::Param(p) => format!("`{p}`"),
                        Access::Governor(g) => {
                            format!("the governor `{g}` (after a vote and its timelock)")
                        }
                        Access::Mechanism(m) => format!("the `{m}` contract"),
                    })
                    .collect();
                lines.push(format!("Only {} can call {name}.", join_or(&callers)));
            }
        }
        for governor in &self.governors {
            if !governor.governs.is_empty() {
                let params: Vec<String> =
                    governor.governs.iter().map(|p| format!("`{p}`")).collect();
                lines.push(format!(
                    "`{}` can change {} by vote.",
                    governor.name,
                    join_and(&params)
                ));
            }
        }
        let open: Vec<String> = (self.mechanisms.iter())
            .flat_map(|m| {
                (m.actions.iter())
                    .filter(|a| a.access.is_empty())
                    .map(move |a| format!("`{}.{}`", m.name, a.name))
            })
            .collect();
        if !open.is_empty() {
            lines.push(format!("Anyone can call {}.", join_and(&open)));
        }
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Who can do what\n");
        for line in lines {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(out);
    }

    fn mechanisms_section(&self, out: &mut String) {
        if self.mechanisms.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Mechanisms\n");
        for mechanism in &self.mechanisms {
            effects::mechanism(self, mechanism, out);
        }
    }

    fn governance(&self, out: &mut String) {
        if self.governors.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Governance\n");
        for governor in &self.governors {
            let _ = writeln!(out, "### `{}`\n", governor.name);
            if let Some(doc) = self.doc(&governor.name) {
                let _ = writeln!(out, "{doc}\n");
            }
            let threshold = governor
                .proposal_threshold
                .as_ref()
                .map_or("Anyone with votes can propose".to_string(), |t| {
                    format!("Proposing needs {} of votes", self.text(t))
                });
            let _ = writeln!(
                out,
                "Holders of `{}` vote with their delegated votes. {threshold}; voting opens {} after a proposal and lasts {}. A proposal passes with more votes for than against and votes for reaching {} of the total supply; it takes effect {} after voting ends (the timelock).\n",
                governor.token,
                self.text(&governor.voting_delay),
                self.text(&governor.voting_period),
                self.text(&governor.quorum),
                self.text(&governor.timelock),
            );
            let governed: Vec<String> = governor.governs.iter().map(|p| format!("`{p}`")).collect();
            if !governed.is_empty() {
                let _ = writeln!(out, "It governs {}.", join_and(&governed));
            }
            let actions: Vec<String> = (self.mechanisms.iter())
                .flat_map(|m| {
                    (m.actions.iter())
                        .filter(|a| a.access.contains(&Access::Governor(governor.name.clone())))
                        .map(move |a| format!("`{}.{}`", m.name, a.name))
                })
                .collect();
            if !actions.is_empty() {
                let _ = writeln!(out, "It alone can call {}.", join_and(&actions));
            }
            let _ = writeln!(out);
        }
    }

    fn scenarios_section(&self, out: &mut String) {
        if self.scenarios.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Simulation scenarios\n");
        let _ = writeln!(out, "Scenarios are not deployed; `tok sim` runs them.\n");
        for scenario in &self.scenarios {
            let runs = match render::literal(&scenario.runs) {
                Some(runs) if runs == U256::ONE => "1 run".to_string(),
                _ => format!("{} runs", self.text(&scenario.runs)),
            };
            let mut sentence = format!(
                "- `{}`: {} steps of {}, {runs} (seed {})",
                scenario.name,
                self.text(&scenario.steps),
                self.text(&scenario.period),
                render::literal(&scenario.seed)
                    .map_or_else(|| self.code(&scenario.seed), |seed| seed.to_string())
            );
            let populations: Vec<String> = (scenario.agents.iter())
                .map(|agents| format!("{} `{}` agents", self.text(&agents.count), agents.name))
                .collect();
            if !populations.is_empty() {
                let _ = write!(sentence, "; {}", join_and(&populations));
            }
            for sweep in &scenario.sweeps {
                let values: Vec<String> = sweep.values.iter().map(|v| self.text(v)).collect();
                let _ = write!(
                    sentence,
                    "; sweeps `{}` over {}",
                    sweep.param,
                    values.join(", ")
                );
            }
            let records: Vec<String> = scenario
                .records
                .iter()
                .map(|(name, _)| format!("`{name}`"))
                .collect();
            if !records.is_empty() {
                let _ = write!(sentence, "; records {}", join_and(&records));
            }
            let _ = writeln!(out, "{sentence}.");
            if let Some(doc) = self.doc(&scenario.name) {
                let _ = writeln!(out, "  {doc}");
            }
        }
        let _ = writeln!(out);
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    join_with(items, "and")
}

fn join_or(items: &[String]) -> String {
    join_with(items, "or")
}

fn join_with(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `part / whole` as a WAD ratio.
fn ratio_of(part: U256, whole: U256) -> Option<U256> {
    Some(part.checked_mul(U256::from(WAD))? / whole)
}

/// A WAD ratio as a percentage with at most two decimals, rounded down:
/// `65%`, `33.33%`.
fn percent_rounded(wad: U256) -> String {
    let hundredths = wad / U256::from(WAD / 10_000);
    render::decimal(hundredths, 2) + "%"
}
