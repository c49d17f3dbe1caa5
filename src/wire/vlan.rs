//! IEEE 802.1Q VLAN tags and 802.1ad (QinQ) service tags.
//!
//! A tag sits between the source MAC and the EtherType: a TPID (0x8100 for C-tags, 0x88a8 for
//! S-tags, 0x9100 pre-standard) that the Ethernet parser sees as the EtherType, then the 16-bit
//! TCI (PCP:3, DEI:1, VID:12) and the next EtherType. [`VlanTag`] is those last four bytes.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{ethertype, Header, Layer, WireError};

/// Bytes a tag adds to a frame (TPID + TCI).
pub const TAG_LEN: usize = 4;
/// The deepest tag stack the parsers walk: one S-tag plus one C-tag.
pub const MAX_TAGS: usize = 2;
/// VID 0 means "priority tag only" and 0xfff is reserved (IEEE 802.1Q-2018 Table 9-2).
pub const VID_RESERVED: u16 = 0xfff;
/// Largest VID usable for a VLAN (1..=4094).
pub const VID_MAX: u16 = 4094;

/// True for the TPIDs that introduce a tag: 0x8100, 0x88a8, 0x9100.
#[inline(always)]
pub const fn is_tpid(ethertype: u16) -> bool {
    matches!(
        ethertype,
        ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_9100
    )
}

/// The TCI and inner EtherType that follow a TPID.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct VlanTag {
    /// Tag control information: PCP (3 bits), DEI (1 bit), VID (12 bits).
    pub tci: U16,
    /// EtherType of what follows the tag.
    pub ethertype: U16,
}

impl Header for VlanTag {
    const LAYER: Layer = Layer::Vlan;
}

impl VlanTag {
    /// VLAN identifier (12 bits).
    #[inline]
    pub fn vid(&self) -> u16 {
        self.tci.get() & 0x0fff
    }
    /// Priority code point (3 bits).
    #[inline]
    pub fn pcp(&self) -> u8 {
        (self.tci.get() >> 13) as u8
    }
    /// Drop eligible indicator.
    #[inline]
    pub fn dei(&self) -> bool {
        self.tci.get() & 0x1000 != 0
    }
    /// The next EtherType.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        self.ethertype.get()
    }
    /// Sets the VID, keeping PCP and DEI.
    #[inline]
    pub fn set_vid(&mut self, vid: u16) {
        self.tci.set((self.tci.get() & 0xf000) | (vid & 0x0fff))
    }
    /// Sets the PCP, keeping DEI and VID.
    #[inline]
    pub fn set_pcp(&mut self, pcp: u8) {
        self.tci
            .set((self.tci.get() & 0x1fff) | (u16::from(pcp & 7) << 13))
    }
    /// Sets the next EtherType.
    #[inline]
    pub fn set_ethertype(&mut self, value: u16) {
        self.ethertype.set(value)
    }
}

/// A tag as host values, for emitting; `tpid` is written by the layer before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanRepr {
    /// TPID that introduced this tag (0x8100 or 0x88a8).
    pub tpid: u16,
    /// VLAN identifier (0..=4095).
    pub vid: u16,
    /// Priority code point (0..=7).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// EtherType after the tag.
    pub ethertype: u16,
}

impl VlanRepr {
    /// Builds a repr from a parsed tag and the TPID that preceded it.
    pub fn from_tag(tpid: u16, tag: &VlanTag) -> Self {
        VlanRepr {
            tpid,
            vid: tag.vid(),
            pcp: tag.pcp(),
            dei: tag.dei(),
            ethertype: tag.ethertype(),
        }
    }

    /// The TCI this repr encodes.
    pub const fn tci(&self) -> u16 {
        ((self.pcp as u16 & 7) << 13) | ((self.dei as u16) << 12) | (self.vid & 0x0fff)
    }

    /// Writes TCI and EtherType (4 bytes) at the start of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        WireError::check_room(Layer::Vlan, TAG_LEN, buf.len())?;
        if self.vid > 0x0fff || self.pcp > 7 {
            return Err(WireError::BadField {
                layer: Layer::Vlan,
                field: "tci",
            });
        }
        let (t, _) = VlanTag::split_from_mut(buf)?;
        t.tci.set(self.tci());
        t.set_ethertype(self.ethertype);
        Ok(TAG_LEN)
    }
}

/// The VLAN tags of a frame, outer first, as the parsers found them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VlanStack {
    /// TCIs, outer first; only the first `depth` are meaningful.
    pub tci: [u16; MAX_TAGS],
    /// TPIDs, outer first.
    pub tpid: [u16; MAX_TAGS],
    /// Number of tags (0..=2).
    pub depth: u8,
}

impl VlanStack {
    /// VIDs, outer first.
    pub fn vids(&self) -> impl Iterator<Item = u16> + '_ {
        self.tci[..usize::from(self.depth)]
            .iter()
            .map(|t| t & 0x0fff)
    }
}

/// Walks up to [`MAX_TAGS`] tags starting at `buf` (the bytes after the Ethernet header) when
/// `ethertype` is a TPID. Returns the tags, the final EtherType and the offset past the tags.
/// A third tag is [`WireError::TooDeep`]. Unrolled for the two tags [`MAX_TAGS`] allows: this
/// is on every tagged packet's path.
#[inline]
pub fn walk_tags(ethertype: u16, buf: &[u8]) -> Result<(VlanStack, u16, usize), WireError> {
    let mut stack = VlanStack::default();
    if !is_tpid(ethertype) {
        return Ok((stack, ethertype, 0));
    }
    let (outer, rest) = VlanTag::split_from(buf)?;
    stack.tci[0] = outer.tci.get();
    stack.tpid[0] = ethertype;
    stack.depth = 1;
    let next = outer.ethertype();
    if !is_tpid(next) {
        return Ok((stack, next, TAG_LEN));
    }
    let (inner, _) = VlanTag::split_from(rest)?;
    stack.tci[1] = inner.tci.get();
    stack.tpid[1] = next;
    stack.depth = 2;
    let last = inner.ethertype();
    if is_tpid(last) {
        return Err(WireError::TooDeep { layer: Layer::Vlan });
    }
    Ok((stack, last, 2 * TAG_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qinq_walk() {
        // S-tag VID 100 (PCP 5) then C-tag VID 200, then IPv4.
        let bytes = [0xa0, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00, 0x45];
        let (stack, et, off) = walk_tags(ethertype::QINQ, &bytes).unwrap();
        assert_eq!(
            stack
                .vids()
                .collect::<arrayvec::ArrayVec<u16, 2>>()
                .as_slice(),
            &[100, 200]
        );
        assert_eq!(stack.tpid, [0x88a8, 0x8100]);
        assert_eq!((et, off), (0x0800, 8));
        let t = VlanTag::split_from(&bytes).unwrap().0;
        assert_eq!((t.pcp(), t.dei(), t.vid()), (5, false, 100));
    }

    #[test]
    fn too_deep_and_truncated() {
        let three = [0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 8, 0];
        assert_eq!(
            walk_tags(0x8100, &three),
            Err(WireError::TooDeep { layer: Layer::Vlan })
        );
        assert!(matches!(
            walk_tags(0x8100, &[0, 1, 0x81]),
            Err(WireError::Truncated { .. })
        ));
        assert!(matches!(
            walk_tags(0x8100, &[0, 1, 0x81, 0, 0]),
            Err(WireError::Truncated { .. })
        ));
    }

    #[test]
    fn emit_roundtrip() {
        let r = VlanRepr {
            tpid: 0x8100,
            vid: 4094,
            pcp: 3,
            dei: true,
            ethertype: 0x86dd,
        };
        let mut b = [0u8; 4];
        r.emit(&mut b).unwrap();
        assert_eq!(b, [0x7f, 0xfe, 0x86, 0xdd]);
        let t = VlanTag::split_from(&b).unwrap().0;
        assert_eq!(VlanRepr::from_tag(0x8100, t), r);
        assert!(VlanRepr { vid: 5000, ..r }.emit(&mut b).is_err());
    }
}
