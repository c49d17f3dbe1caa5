//! VLAN push and pop in place: an IEEE 802.1Q C-tag (TPID 0x8100) or an 802.1ad S-tag (TPID
//! 0x88a8, the outer tag of QinQ) inserted after the source MAC, growing into headroom, or
//! removed, giving the 4 bytes back.
//!
//! Push moves the 12 MAC bytes 4 bytes forward and writes TPID and TCI; pop checks the tag and
//! moves them back. Pushing an S-tag on a C-tagged frame gives QinQ; pushing onto an already
//! double-tagged frame is allowed here (the wire parsers would then refuse the third tag).

use crate::buf::PacketBuf;
use crate::wire::ethernet::HEADER_LEN as ETH_LEN;
use crate::wire::vlan::{is_tpid, VlanRepr, VlanTag, TAG_LEN, VID_RESERVED};
use crate::wire::{ethertype, Header, Layer, WireError};

use super::error::{ConfigError, EncapError};

/// The two TPIDs a push may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u16)]
pub enum Tpid {
    /// IEEE 802.1Q customer tag.
    #[default]
    Dot1Q = ethertype::VLAN,
    /// IEEE 802.1ad service tag (QinQ outer).
    Dot1ad = ethertype::QINQ,
}

impl Tpid {
    /// The TPID for a number, if it is one of the two.
    pub fn from_u16(v: u16) -> Result<Self, ConfigError> {
        match v {
            ethertype::VLAN => Ok(Tpid::Dot1Q),
            ethertype::QINQ => Ok(Tpid::Dot1ad),
            other => Err(ConfigError::BadTpid(other)),
        }
    }
}

/// A validated tag to push: TPID, VID 0..=4094 (0 = priority tag), PCP 0..=7, DEI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTagSpec {
    tpid: Tpid,
    tci: u16,
}

impl VlanTagSpec {
    /// Validates: VID 4095 is reserved (IEEE 802.1Q Table 9-2), PCP is 3 bits.
    pub fn new(tpid: Tpid, vid: u16, pcp: u8, dei: bool) -> Result<Self, ConfigError> {
        if vid >= VID_RESERVED {
            return Err(ConfigError::VlanOutOfRange { vid });
        }
        if pcp > 7 {
            return Err(ConfigError::BadPcp(pcp));
        }
        let tci = VlanRepr {
            tpid: tpid as u16,
            vid,
            pcp,
            dei,
            ethertype: 0,
        }
        .tci();
        Ok(VlanTagSpec { tpid, tci })
    }

    /// The TPID.
    pub fn tpid(&self) -> Tpid {
        self.tpid
    }
    /// The VID.
    pub fn vid(&self) -> u16 {
        self.tci & 0x0fff
    }
    /// The TCI.
    pub fn tci(&self) -> u16 {
        self.tci
    }
}

/// Inserts `tag` as the outermost tag of the Ethernet frame in `buf`. On error (frame shorter
/// than an Ethernet header, no headroom) nothing changes.
#[inline]
pub fn push(buf: &mut PacketBuf<'_>, tag: VlanTagSpec) -> Result<(), EncapError> {
    WireError::check_len(Layer::Ethernet, ETH_LEN, buf.len())?;
    buf.prepend(TAG_LEN)?;
    let d = buf.data_mut();
    d.copy_within(TAG_LEN..TAG_LEN + 12, 0);
    d[12..14].copy_from_slice(&(tag.tpid as u16).to_be_bytes());
    d[14..16].copy_from_slice(&tag.tci.to_be_bytes());
    // d[16..18] still holds the original EtherType: now the tag's inner EtherType.
    Ok(())
}

/// Removes the outermost tag (any of 0x8100, 0x88a8, 0x9100); returns its TPID and TCI.
/// An untagged frame is [`EncapError::WrongProtocol`]; on error nothing changes.
#[inline]
pub fn pop(buf: &mut PacketBuf<'_>) -> Result<(u16, u16), EncapError> {
    let d = buf.data();
    WireError::check_len(Layer::Ethernet, ETH_LEN, d.len())?;
    let tpid = u16::from_be_bytes([d[12], d[13]]);
    if !is_tpid(tpid) {
        return Err(EncapError::WrongProtocol { found: tpid });
    }
    let (tag, _) = VlanTag::split_from(&d[ETH_LEN..])?;
    let tci = tag.tci.get();
    let d = buf.data_mut();
    d.copy_within(0..12, TAG_LEN);
    buf.trim_front(TAG_LEN)?;
    Ok((tpid, tci))
}

/// Pops the outermost tag only if it has this TPID and VID ([`EncapError::WrongId`] for
/// another VID, [`EncapError::WrongProtocol`] for another TPID or none); returns the TCI.
#[inline]
pub fn pop_expect(buf: &mut PacketBuf<'_>, tpid: Tpid, vid: u16) -> Result<u16, EncapError> {
    let d = buf.data();
    WireError::check_len(Layer::Ethernet, ETH_LEN + TAG_LEN, d.len())?;
    let found = u16::from_be_bytes([d[12], d[13]]);
    if found != tpid as u16 {
        return Err(EncapError::WrongProtocol { found });
    }
    let tci = u16::from_be_bytes([d[14], d[15]]);
    if tci & 0x0fff != vid {
        return Err(EncapError::WrongId {
            expected: u32::from(vid),
            found: u32::from(tci & 0x0fff),
        });
    }
    pop(buf).map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // scapy: Ether(dst='fa:16:3e:00:00:02', src='fa:16:3e:00:00:01')/IP(src='10.0.0.1',
    //   dst='10.0.0.2')/UDP(sport=1, dport=2)/b'hi'
    const UNTAGGED: &str =
        "fa163e000002fa163e00000108004500001e00010000401166cc0a0000010a00000200010002000a836b6869";
    // The same with /Dot1Q(vlan=100, prio=5) after Ether.
    const TAGGED: &str = "fa163e000002fa163e0000018100a06408004500001e00010000401166cc0a0000010a00000200010002000a836b6869";
    // The same with /Dot1AD(vlan=200)/Dot1Q(vlan=100, prio=5) after Ether.
    const QINQ: &str = "fa163e000002fa163e00000188a800c88100a06408004500001e00010000401166cc0a0000010a00000200010002000a836b6869";

    #[test]
    fn push_matches_scapy_and_pop_restores() {
        let frame = hex(UNTAGGED);
        let mut mem = std::vec![0xeeu8; 32 + frame.len()];
        mem[32..].copy_from_slice(&frame);
        let mut b = PacketBuf::new(&mut mem, 32, frame.len()).unwrap();
        let c = VlanTagSpec::new(Tpid::Dot1Q, 100, 5, false).unwrap();
        let s = VlanTagSpec::new(Tpid::Dot1ad, 200, 0, false).unwrap();
        push(&mut b, c).unwrap();
        assert_eq!(b.data(), &hex(TAGGED)[..]);
        push(&mut b, s).unwrap();
        assert_eq!(b.data(), &hex(QINQ)[..]);
        assert_eq!(
            pop_expect(&mut b, Tpid::Dot1Q, 200),
            Err(EncapError::WrongProtocol { found: 0x88a8 })
        );
        assert_eq!(
            pop_expect(&mut b, Tpid::Dot1ad, 201),
            Err(EncapError::WrongId {
                expected: 201,
                found: 200
            })
        );
        assert_eq!((b.head(), b.len()), (24, frame.len() + 8));
        assert_eq!(pop_expect(&mut b, Tpid::Dot1ad, 200), Ok(200));
        assert_eq!(pop(&mut b), Ok((0x8100, 0xa064)));
        assert_eq!(b.data(), &frame[..]);
        assert_eq!(
            pop(&mut b),
            Err(EncapError::WrongProtocol { found: 0x0800 })
        );
    }

    #[test]
    fn refusals_leave_the_buffer_alone() {
        let frame = hex(UNTAGGED);
        let mut mem = std::vec![0u8; 3 + frame.len()];
        mem[3..].copy_from_slice(&frame);
        let before = mem.clone();
        let mut b = PacketBuf::new(&mut mem, 3, frame.len()).unwrap();
        let c = VlanTagSpec::new(Tpid::Dot1Q, 1, 0, false).unwrap();
        assert!(matches!(push(&mut b, c), Err(EncapError::Buf(_))));
        assert_eq!((b.head(), b.len()), (3, frame.len()));
        let mut short = [0u8; 20];
        let mut s = PacketBuf::new(&mut short, 10, 10).unwrap();
        assert!(matches!(push(&mut s, c), Err(EncapError::Wire(_))));
        assert_eq!(mem, before);
        assert_eq!(
            VlanTagSpec::new(Tpid::Dot1Q, 4095, 0, false),
            Err(ConfigError::VlanOutOfRange { vid: 4095 })
        );
        assert_eq!(
            VlanTagSpec::new(Tpid::Dot1Q, 1, 8, false),
            Err(ConfigError::BadPcp(8))
        );
        assert_eq!(Tpid::from_u16(0x9100), Err(ConfigError::BadTpid(0x9100)));
        // A tag truncated after the TPID.
        let mut t = hex("fa163e000002fa163e0000018100a0");
        let mut tb = PacketBuf::full(&mut t).unwrap();
        assert!(matches!(pop(&mut tb), Err(EncapError::Wire(_))));
    }
}
