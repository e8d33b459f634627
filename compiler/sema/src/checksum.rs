//! EIP-55 mixed-case checksums. The checker rejects a mixed-case address
//! literal whose case is not its checksum (a typo, most likely); the
//! Solidity backend writes every address literal checksummed, the only
//! spelling solc accepts.

/// Keccak-256 (the original padding, as Ethereum uses it).
fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let permute = |state: &mut [u64; 25]| keccak::Keccak::new().with_f1600(|f| f(state));
    let absorb = |block: &[u8], state: &mut [u64; 25]| {
        for (lane, bytes) in state.iter_mut().zip(block.chunks(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *lane ^= u64::from_le_bytes(word);
        }
        permute(state);
    };
    let mut chunks = data.chunks_exact(RATE);
    for block in &mut chunks {
        absorb(block, &mut state);
    }
    let rest = chunks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&last, &mut state);
    let mut out = [0u8; 32];
    for (bytes, lane) in out.chunks_mut(8).zip(state) {
        bytes.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// `0x` and the 40 hex digits of `digits` (any case, without `0x`, at most
/// 40 digits, zero-padded on the left), in EIP-55 case.
pub fn checksummed(digits: &str) -> String {
    let lower = format!("{:0>40}", digits.to_ascii_lowercase());
    let hash = keccak256(lower.as_bytes());
    let mut out = String::from("0x");
    for (index, c) in lower.chars().enumerate() {
        let nibble = (hash[index / 2] >> (if index % 2 == 0 { 4 } else { 0 })) & 0xf;
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_matches_known_digests() {
        let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex(keccak256(b"transfer(address,uint256)"))[..8],
            *"a9059cbb"
        );
        // Longer than one block (digest from js-sha3).
        assert_eq!(
            hex(keccak256(&[b'a'; 200])),
            "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d"
        );
    }

    #[test]
    fn eip55_examples() {
        for address in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(checksummed(&address[2..]), address);
        }
        assert_eq!(
            checksummed("ff"),
            checksummed("00000000000000000000000000000000000000FF")
        );
    }
}
