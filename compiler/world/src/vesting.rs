//! The vesting model: OpenZeppelin's VestingWallet, with a cliff and a
//! share released at the start (TGE).

use tok_mir::*;
use tok_runtime::numeric;
use tok_runtime::{U256, WAD};

use crate::state::Address;
use crate::{Exec, World};

#[derive(Clone, Debug, Default)]
pub(crate) struct VestingInfo {
    pub token: TokenId,
    pub beneficiary: Address,
    pub start: u64,
    pub cliff_end: u64,
    pub duration: u64,
    pub tge: U256,
}

impl World<'_> {
    /// Vested amount at `time` of `total` ever held.
    pub(crate) fn vested(&self, vesting: VestingId, total: U256, time: u64) -> Exec<U256> {
        let info = &self.vestings[vesting.index()];
        if time < info.start {
            return Ok(U256::ZERO);
        }
        let at_start = numeric::mul_div(total, info.tge, WAD)?;
        if time < info.cliff_end {
            return Ok(at_start);
        }
        let end = info.start.saturating_add(info.duration);
        if time >= end || info.duration == 0 {
            return Ok(total);
        }
        let linear = numeric::mul_div(
            total - at_start,
            U256::from(time - info.start),
            U256::from(info.duration),
        )?;
        Ok(at_start + linear)
    }

    pub fn releasable(&self, vesting: VestingId) -> Exec<U256> {
        let info = &self.vestings[vesting.index()];
        let address = self.entity_address(Entity::Vesting(vesting));
        let released = self.state.vestings[vesting.index()].released;
        let total = numeric::add(
            self.state.ledgers[info.token.index()].balance(address),
            released,
        )?;
        Ok(self.vested(vesting, total, self.now)? - released)
    }

    pub(crate) fn release(&mut self, vesting: VestingId) -> Exec<()> {
        let amount = self.releasable(vesting)?;
        let info = &self.vestings[vesting.index()];
        let (token, beneficiary) = (info.token, info.beneficiary);
        let released = numeric::add(self.state.vestings[vesting.index()].released, amount)?;
        self.state.set_released(vesting, released);
        let address = self.entity_address(Entity::Vesting(vesting));
        self.transfer(token, address, beneficiary, amount)
    }
}
