//! The governance model: proposals to change a governed param, votes
//! weighed at the proposal's snapshot, the quorum and the timelock.

use tok_mir::*;
use tok_runtime::numeric;
use tok_runtime::{U256, WAD};

use crate::state::{Address, Proposal, Value};
use crate::{Exec, World, revert};

#[derive(Clone, Debug, Default)]
pub(crate) struct GovernorInfo {
    pub token: TokenId,
    pub voting_delay: u64,
    pub voting_period: u64,
    pub quorum: U256,
    pub threshold: U256,
    pub timelock: u64,
}

impl World<'_> {
    pub(crate) fn propose(
        &mut self,
        caller: Address,
        governor: GovernorId,
        param: ParamId,
        value: Value,
    ) -> Exec<()> {
        let info = self.governors[governor.index()].clone();
        let votes =
            self.state.ledgers[info.token.index()].past_votes(caller, self.now.saturating_sub(1));
        if votes < info.threshold {
            return revert("GovernorInsufficientProposerVotes");
        }
        let snapshot = self.now + info.voting_delay;
        let proposal = Proposal {
            param,
            value,
            snapshot,
            deadline: snapshot + info.voting_period,
            votes_for: U256::ZERO,
            votes_against: U256::ZERO,
            voters: Vec::new(),
            executed: false,
        };
        self.state.add_proposal(governor, proposal);
        Ok(())
    }

    pub(crate) fn proposal(&self, governor: GovernorId, id: U256) -> Exec<(usize, Proposal)> {
        let index = usize::try_from(id).unwrap_or(usize::MAX);
        match self.state.governors[governor.index()].proposals.get(index) {
            Some(proposal) => Ok((index, proposal.clone())),
            None => revert("GovernorNonexistentProposal"),
        }
    }

    pub(crate) fn vote(
        &mut self,
        caller: Address,
        governor: GovernorId,
        id: U256,
        support: bool,
    ) -> Exec<()> {
        let (index, proposal) = self.proposal(governor, id)?;
        if self.now <= proposal.snapshot || self.now > proposal.deadline {
            return revert("GovernorUnexpectedProposalState");
        }
        if proposal.voters.contains(&caller) {
            return revert("GovernorAlreadyCastVote");
        }
        let token = self.governors[governor.index()].token;
        let weight = self.state.ledgers[token.index()].past_votes(caller, proposal.snapshot);
        self.state.update_proposal(governor, index, |p| {
            p.voters.push(caller);
            if support {
                p.votes_for = p.votes_for.saturating_add(weight);
            } else {
                p.votes_against = p.votes_against.saturating_add(weight);
            }
        });
        Ok(())
    }

    /// Executes a succeeded proposal once its timelock has passed since the
    /// end of voting (queueing is implicit at the deadline).
    pub(crate) fn execute_proposal(&mut self, governor: GovernorId, id: U256) -> Exec<()> {
        let (index, proposal) = self.proposal(governor, id)?;
        let info = self.governors[governor.index()].clone();
        let supply = self.state.ledgers[info.token.index()].past_total_supply(proposal.snapshot);
        let quorum = numeric::mul_div(supply, info.quorum, WAD)?;
        let succeeded = proposal.votes_for > proposal.votes_against && proposal.votes_for >= quorum;
        if proposal.executed || !succeeded || self.now < proposal.deadline + info.timelock {
            return revert("GovernorUnexpectedProposalState");
        }
        self.state
            .update_proposal(governor, index, |p| p.executed = true);
        self.state.set_param(proposal.param, proposal.value);
        Ok(())
    }
}
