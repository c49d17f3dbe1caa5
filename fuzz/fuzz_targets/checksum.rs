//! Checksums: the vectorized sum equals a word-by-word RFC 1071 sum; RFC 1624 updates of a
//! 16-bit word, a 32-bit address and a 16-byte address give the checksum a full recomputation
//! gives (up to the ±0 ambiguity of RFC 1624 §3: when every other covered word is zero, eqn. 3
//! yields 0x0000 where a recomputation yields 0xffff).
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::checksum::{internet_checksum, update_bytes, update_u16, update_u32};

fn naive(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from(c[0]) << 8
        };
        sum += u32::from(w);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The checksum the data would get from scratch (field at bytes 0..2 treated as zero) equals
/// `c`, with 0x0000 and 0xffff the same number in one's complement.
fn matches_recompute(data: &[u8], c: u16) -> bool {
    let mut d = data.to_vec();
    d[0] = 0;
    d[1] = 0;
    let r = internet_checksum(&d);
    r == c || (r == 0xffff && c == 0) || (r == 0 && c == 0xffff)
}

fuzz_target!(|input: (Vec<u8>, u8, [u8; 16])| {
    let (mut data, at, new) = input;
    assert_eq!(internet_checksum(&data), naive(&data));
    data.truncate(data.len() & !1);
    if data.len() < 24 {
        return;
    }
    data[0] = 0;
    data[1] = 0;
    let c = internet_checksum(&data);
    data[..2].copy_from_slice(&c.to_be_bytes());
    let off = 2 + 2 * (usize::from(at) % ((data.len() - 18) / 2));
    let old16 = u16::from_be_bytes([data[off], data[off + 1]]);
    let c = update_u16(c, old16, u16::from_be_bytes([new[0], new[1]]));
    data[off..off + 2].copy_from_slice(&new[..2]);
    data[..2].copy_from_slice(&c.to_be_bytes());
    assert!(matches_recompute(&data, c));
    let old4: [u8; 4] = data[off..off + 4].try_into().unwrap();
    let c = update_u32(c, old4, new[..4].try_into().unwrap());
    data[off..off + 4].copy_from_slice(&new[..4]);
    data[..2].copy_from_slice(&c.to_be_bytes());
    assert!(matches_recompute(&data, c));
    let old: Vec<u8> = data[off..off + 16].to_vec();
    let c = update_bytes(c, &old, &new).unwrap();
    data[off..off + 16].copy_from_slice(&new);
    data[..2].copy_from_slice(&c.to_be_bytes());
    assert!(matches_recompute(&data, c));
});
