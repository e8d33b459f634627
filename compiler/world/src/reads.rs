//! What an invariant reads and what a transaction wrote, so that an
//! invariant is checked again only after a transaction that wrote something
//! it reads.
//!
//! Invariants hold after every transaction (a failing one stops the run), so
//! one whose inputs a transaction left alone still holds: its value is a
//! function of the state it reads. Anything this analysis does not model
//! (views, vesting and governance reads, the clock) makes the invariant read
//! everything, so it is checked after every transaction as before.

use tok_mir::*;

use crate::state::{Address, Undo};

/// A part of the chain state, as coarse as the analysis needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Resource {
    Field(MechanismId, FieldId),
    /// One account's balance; `None`: some account's, not known statically.
    Balance(TokenId, Option<Address>),
    Supply(TokenId),
    /// The rest of a token: allowances, votes and checkpoints, the pause.
    TokenOther(TokenId),
    Param(ParamId),
}

impl Resource {
    /// Whether writing `written` can change a read of `self`.
    fn touched_by(self, written: Resource) -> bool {
        match (self, written) {
            (Resource::Balance(token, read), Resource::Balance(other, write)) => {
                token == other && (read.is_none() || write.is_none() || read == write)
            }
            (read, write) => read == write,
        }
    }
}

/// What one invariant reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reads {
    All,
    Only(Vec<Resource>),
}

impl Reads {
    /// Whether a transaction that wrote `written` (`None`: anything) can
    /// have changed the invariant's value.
    pub(crate) fn touched_by(&self, written: Option<&[Resource]>) -> bool {
        match (self, written) {
            (Reads::All, _) | (_, None) => true,
            (Reads::Only(reads), Some(written)) => reads
                .iter()
                .any(|read| written.iter().any(|write| read.touched_by(*write))),
        }
    }

    /// What `self` reads of `token` (its balances, supply and the rest):
    /// for writes to that token only, as good a test and a shorter one.
    pub(crate) fn of_token(&self, token: TokenId) -> Reads {
        match self {
            Reads::All => Reads::All,
            Reads::Only(reads) => Reads::Only(
                reads
                    .iter()
                    .filter(|read| match read {
                        Resource::Balance(t, _) | Resource::Supply(t) | Resource::TokenOther(t) => {
                            *t == token
                        }
                        Resource::Field(..) | Resource::Param(_) => false,
                    })
                    .copied()
                    .collect(),
            ),
        }
    }

    /// What any of `reads` reads.
    pub(crate) fn union<'r>(reads: impl IntoIterator<Item = &'r Reads>) -> Reads {
        let mut all = Vec::new();
        for read in reads {
            match read {
                Reads::All => return Reads::All,
                Reads::Only(resources) => {
                    for resource in resources {
                        if !all.contains(resource) {
                            all.push(*resource);
                        }
                    }
                }
            }
        }
        Reads::Only(all)
    }

    /// Whether none of the journaled writes `journal` can have changed
    /// what `self` reads (a write the analysis does not model can).
    pub(crate) fn untouched(&self, journal: &[Undo]) -> bool {
        let Reads::Only(reads) = self else {
            return false;
        };
        journal.iter().all(|undo| match written_by(undo) {
            None => false,
            Some(None) => true,
            Some(Some(write)) => !reads.iter().any(|read| read.touched_by(write)),
        })
    }
}

/// What `condition`, an invariant of the mechanism at account `this`,
/// reads; `entity` gives a contract's account.
pub(crate) fn reads_of(
    condition: &Expr,
    this: Address,
    entity: &dyn Fn(Entity) -> Address,
) -> Reads {
    let mut reads = Vec::new();
    if collect(condition, this, entity, &mut reads) {
        Reads::Only(reads)
    } else {
        Reads::All
    }
}

/// Adds what `expr` reads; `false` when it reads something not modelled.
fn collect(
    expr: &Expr,
    this: Address,
    entity: &dyn Fn(Entity) -> Address,
    reads: &mut Vec<Resource>,
) -> bool {
    let all = |exprs: &[&Expr], reads: &mut Vec<Resource>| {
        exprs.iter().all(|e| collect(e, this, entity, reads))
    };
    match &expr.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::AddressLiteral(_)
        | ExprKind::Local(_)
        | ExprKind::Entity(_)
        | ExprKind::Env(Env::This | Env::Caller | Env::Deployed) => true,
        ExprKind::Param(param) => {
            reads.push(Resource::Param(*param));
            true
        }
        ExprKind::Load {
            mechanism,
            field,
            keys,
        }
        | ExprKind::ListLength {
            mechanism,
            field,
            keys,
        } => {
            reads.push(Resource::Field(*mechanism, *field));
            all(&keys.iter().collect::<Vec<_>>(), reads)
        }
        ExprKind::ListContains {
            mechanism,
            field,
            keys,
            value,
        } => {
            reads.push(Resource::Field(*mechanism, *field));
            let mut operands: Vec<&Expr> = keys.iter().collect();
            operands.push(value);
            all(&operands, reads)
        }
        ExprKind::Sum { mechanism, field } => {
            reads.push(Resource::Field(*mechanism, *field));
            true
        }
        ExprKind::TokenRead { token, read, args } => {
            let resource = match read {
                TokenRead::TotalSupply => Resource::Supply(*token),
                TokenRead::Balance => {
                    let account = args.first().and_then(|arg| match &arg.kind {
                        ExprKind::Entity(e) => Some(entity(*e)),
                        ExprKind::Env(Env::This) => Some(this),
                        _ => None,
                    });
                    Resource::Balance(*token, account)
                }
                TokenRead::Allowance | TokenRead::Votes => Resource::TokenOther(*token),
            };
            reads.push(resource);
            all(&args.iter().collect::<Vec<_>>(), reads)
        }
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
            all(&[lhs, rhs], reads)
        }
        ExprKind::MulDiv(a, b, c) => all(&[a, b, c], reads),
        ExprKind::And(items) | ExprKind::Or(items) => all(&items.iter().collect::<Vec<_>>(), reads),
        ExprKind::Not(inner) | ExprKind::Neg(inner) => all(&[inner], reads),
        ExprKind::ToFloat { value, .. } => all(&[value], reads),
        ExprKind::Env(_)
        | ExprKind::AgentField { .. }
        | ExprKind::Series(_)
        | ExprKind::Agent { .. }
        | ExprKind::PopulationSize(_)
        | ExprKind::View { .. }
        | ExprKind::VestingRead { .. }
        | ExprKind::ProposalCount(_)
        | ExprKind::Uniform
        | ExprKind::Normal { .. }
        | ExprKind::Bernoulli(_) => false,
    }
}

/// What the journaled writes `journal` wrote, into `written` (cleared
/// first); `false` when one of them is not modelled (every invariant is
/// checked after it).
pub(crate) fn write_set(journal: &[Undo], written: &mut Vec<Resource>) -> bool {
    written.clear();
    journal.iter().all(|undo| match written_by(undo) {
        Some(resource) => {
            written.extend(resource);
            true
        }
        None => false,
    })
}

/// What action `action` of `mechanism` can write, with everything it
/// calls, as coarsely as a journal's writes are modelled: `None` when it
/// may do something not modelled (vesting, governance). A token operation
/// counts as writing every balance, the supply and the rest of its token.
pub(crate) fn action_writes(
    program: &Program,
    mechanism: MechanismId,
    action: FunctionId,
) -> Option<Vec<Resource>> {
    let mut writes = Vec::new();
    let mut modelled = true;
    // The actions reached so far; those after `next` are yet to be read.
    let mut reached = vec![(mechanism, action)];
    let mut next = 0;
    while let Some(&(mechanism, action)) = reached.get(next) {
        next += 1;
        let body = &program.mechanisms[mechanism.index()].actions[action.index()].body;
        visit::block_stmts(&body.block, &mut |stmt| {
            let written: &[Resource] = match stmt {
                Stmt::Store {
                    mechanism, field, ..
                }
                | Stmt::Push {
                    mechanism, field, ..
                } => &[Resource::Field(*mechanism, *field)],
                Stmt::Call(Call::Action {
                    mechanism, action, ..
                }) => {
                    if !reached.contains(&(*mechanism, *action)) {
                        reached.push((*mechanism, *action));
                    }
                    &[]
                }
                Stmt::Call(Call::Token { token, .. }) => &[
                    Resource::Balance(*token, None),
                    Resource::Supply(*token),
                    Resource::TokenOther(*token),
                ],
                Stmt::Call(
                    Call::VestingRelease { .. }
                    | Call::Propose { .. }
                    | Call::Vote { .. }
                    | Call::Execute { .. },
                ) => {
                    modelled = false;
                    &[]
                }
                _ => &[],
            };
            for write in written {
                if !writes.contains(write) {
                    writes.push(*write);
                }
            }
        });
    }
    modelled.then_some(writes)
}

/// Whether the writes `covered` include everything `journal` wrote (a
/// balance of any account covering each one): what [`action_writes`]
/// promises, checked against a transaction's journal.
pub(crate) fn covers(covered: &[Resource], journal: &[Undo]) -> bool {
    let mut written = Vec::new();
    write_set(journal, &mut written)
        && written
            .iter()
            .all(|write| covered.iter().any(|cover| write.touched_by(*cover)))
}

/// What one journaled write wrote; `None` for writes the analysis does
/// not model.
fn written_by(undo: &Undo) -> Option<Option<Resource>> {
    Some(match undo {
        Undo::Field {
            mechanism, field, ..
        }
        | Undo::Push { mechanism, field } => Some(Resource::Field(*mechanism, *field)),
        Undo::Balance { token, account, .. } => Some(Resource::Balance(*token, Some(*account))),
        Undo::TotalSupply { token, .. } => Some(Resource::Supply(*token)),
        Undo::Allowance { token, .. }
        | Undo::Paused { token, .. }
        | Undo::Delegate { token, .. }
        | Undo::Checkpoint { token, .. }
        | Undo::SupplyCheckpoint { token, .. } => Some(Resource::TokenOther(*token)),
        Undo::Param { param, .. } => Some(Resource::Param(*param)),
        Undo::Events { .. } => None,
        Undo::Released { .. } | Undo::ProposalAdded { .. } | Undo::Proposal { .. } => {
            return None;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_balance_read_is_touched_only_by_that_account_or_an_unknown_one() {
        let read = Reads::Only(vec![Resource::Balance(TokenId::new(0), Some(7))]);
        assert!(!read.touched_by(Some(&[Resource::Balance(TokenId::new(0), Some(8))])));
        assert!(!read.touched_by(Some(&[Resource::Balance(TokenId::new(1), Some(7))])));
        assert!(read.touched_by(Some(&[Resource::Balance(TokenId::new(0), Some(7))])));
        let any = Reads::Only(vec![Resource::Balance(TokenId::new(0), None)]);
        assert!(any.touched_by(Some(&[Resource::Balance(TokenId::new(0), Some(8))])));
        assert!(!any.touched_by(Some(&[Resource::Supply(TokenId::new(0))])));
        assert!(read.touched_by(None));
        assert!(Reads::All.touched_by(Some(&[])));
    }

    /// What the invariants read of one token: its balances, supply and the
    /// rest, none of another token's or of any field or param.
    #[test]
    fn reads_of_a_token_keep_only_that_token() {
        let reads = Reads::Only(vec![
            Resource::Field(MechanismId::new(0), FieldId::new(1)),
            Resource::Balance(TokenId::new(1), Some(7)),
            Resource::Supply(TokenId::new(0)),
            Resource::Param(ParamId::new(2)),
            Resource::Balance(TokenId::new(0), None),
            Resource::TokenOther(TokenId::new(1)),
        ]);
        assert_eq!(
            reads.of_token(TokenId::new(0)),
            Reads::Only(vec![
                Resource::Supply(TokenId::new(0)),
                Resource::Balance(TokenId::new(0), None)
            ])
        );
        assert_eq!(
            reads.of_token(TokenId::new(1)),
            Reads::Only(vec![
                Resource::Balance(TokenId::new(1), Some(7)),
                Resource::TokenOther(TokenId::new(1))
            ])
        );
        assert_eq!(reads.of_token(TokenId::new(2)), Reads::Only(Vec::new()));
        assert_eq!(Reads::All.of_token(TokenId::new(0)), Reads::All);
    }

    /// A transaction is let off the invariant checks only when none of its
    /// writes touches what some invariant reads; an unmodelled write, or an
    /// invariant that reads everything, always checks.
    #[test]
    fn the_union_is_untouched_only_by_writes_outside_every_read() {
        let balance = Undo::Balance {
            token: TokenId::new(0),
            account: 8,
            old: [0; 4],
        };
        let supply = Undo::TotalSupply {
            token: TokenId::new(0),
            old: [0; 4],
        };
        let event = Undo::Events { len: 0, count: 0 };
        let released = Undo::Released {
            vesting: VestingId::new(0),
            old: U256::ZERO,
        };
        let watched = Reads::union(&[
            Reads::Only(vec![
                Resource::Balance(TokenId::new(0), Some(7)),
                Resource::Field(MechanismId::new(0), FieldId::new(1)),
            ]),
            Reads::Only(vec![
                Resource::Field(MechanismId::new(0), FieldId::new(1)),
                Resource::Supply(TokenId::new(1)),
            ]),
        ]);
        assert_eq!(
            watched,
            Reads::Only(vec![
                Resource::Balance(TokenId::new(0), Some(7)),
                Resource::Field(MechanismId::new(0), FieldId::new(1)),
                Resource::Supply(TokenId::new(1))
            ])
        );
        assert!(watched.untouched(&[balance, supply, event]));
        assert!(!watched.untouched(&[balance, released]));
        let own = Undo::Balance {
            token: TokenId::new(0),
            account: 7,
            old: [0; 4],
        };
        assert!(!watched.untouched(&[supply, own]));
        assert!(!Reads::union(&[Reads::All, watched.clone()]).untouched(&[event]));
        assert!(Reads::union(&[]).untouched(&[balance, supply]));
    }
}
