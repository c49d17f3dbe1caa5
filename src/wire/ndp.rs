//! Neighbor Discovery options (RFC 4861 §4.6) for Ethernet links (RFC 2464 §6).
//!
//! This file owns the type-length-value options that follow the fixed part of the ND messages
//! (router/neighbor solicitation and advertisement, redirect), which [`super::icmpv6`] owns.
//! Each option is a type byte, a length byte in units of 8 octets covering the whole option,
//! and data. RFC 4861 §4.6 makes a length of 0 invalid (the message is discarded); an option
//! running past the end of the message is invalid too. Both are [`WireError::BadOption`] with
//! [`Layer::NdpOption`] and the option's offset from the start of the ICMPv6 header.
//!
//! Options this crate interprets must have their specified length: link-layer address options
//! 1 (an Ethernet MAC, RFC 2464 §6), Prefix Information 4 (RFC 4861 §4.6.2), MTU 1
//! (RFC 4861 §4.6.4); any other length is `BadOption`. Every other type is returned raw.

use super::{Layer, MacAddr, WireError};

/// Option type: Source Link-Layer Address (RFC 4861 §4.6.1).
pub const OPT_SOURCE_LL: u8 = 1;
/// Option type: Target Link-Layer Address (RFC 4861 §4.6.1).
pub const OPT_TARGET_LL: u8 = 2;
/// Option type: Prefix Information (RFC 4861 §4.6.2).
pub const OPT_PREFIX_INFO: u8 = 3;
/// Option type: Redirected Header (RFC 4861 §4.6.3).
pub const OPT_REDIRECTED_HEADER: u8 = 4;
/// Option type: MTU (RFC 4861 §4.6.4).
pub const OPT_MTU: u8 = 5;
/// Option type: Recursive DNS Server (RFC 8106 §5.1).
pub const OPT_RDNSS: u8 = 25;

/// The unit of the option length field, in bytes (RFC 4861 §4.6).
pub const UNIT: usize = 8;
/// Bytes of a link-layer address option carrying an Ethernet MAC (RFC 2464 §6).
pub const LL_OPT_LEN: usize = 8;
/// Bytes of a Prefix Information option (RFC 4861 §4.6.2).
pub const PREFIX_OPT_LEN: usize = 32;
/// Bytes of an MTU option (RFC 4861 §4.6.4).
pub const MTU_OPT_LEN: usize = 8;
/// The longest option the length byte can express: 255 × 8.
pub const MAX_OPT_LEN: usize = 255 * UNIT;

bitflags::bitflags! {
    /// Prefix Information flags (RFC 4861 §4.6.2); unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct PrefixFlags: u8 {
        /// L: the prefix is on-link.
        const ON_LINK = 0x80;
        /// A: the prefix may be used for stateless address autoconfiguration (RFC 4862).
        const AUTONOMOUS = 0x40;
    }
}

/// The contents of a Prefix Information option (RFC 4861 §4.6.2) as host values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixInfo {
    /// Number of leading bits of `prefix` that are valid (0..=128; not checked by the parser).
    pub prefix_len: u8,
    /// L and A flags.
    pub flags: PrefixFlags,
    /// Valid lifetime in seconds; 0xffffffff is infinity.
    pub valid_lifetime: u32,
    /// Preferred lifetime in seconds; 0xffffffff is infinity.
    pub preferred_lifetime: u32,
    /// The prefix.
    pub prefix: [u8; 16],
}

impl PrefixInfo {
    /// On-link (L) flag.
    pub fn on_link(&self) -> bool {
        self.flags.contains(PrefixFlags::ON_LINK)
    }
    /// Autonomous address-configuration (A) flag.
    pub fn autonomous(&self) -> bool {
        self.flags.contains(PrefixFlags::AUTONOMOUS)
    }
}

/// One ND option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdOption<'a> {
    /// Source Link-Layer Address (type 1).
    SourceLinkAddr(MacAddr),
    /// Target Link-Layer Address (type 2).
    TargetLinkAddr(MacAddr),
    /// Prefix Information (type 3).
    PrefixInfo(PrefixInfo),
    /// MTU (type 5).
    Mtu(u32),
    /// Any other option: its type and the bytes after the type and length bytes.
    Other {
        /// Option type.
        kind: u8,
        /// Option data (length × 8 − 2 bytes).
        data: &'a [u8],
    },
}

#[inline]
fn be32(b: &[u8], at: usize) -> Option<u32> {
    let w = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// Decodes the option at the start of `rest`, whose offset from the ICMPv6 header is `offset`;
/// `None` at the end. Returns the option and its length.
#[inline]
fn next_option(rest: &[u8], offset: usize) -> Result<Option<(NdOption<'_>, usize)>, WireError> {
    let bad = WireError::BadOption {
        layer: Layer::NdpOption,
        offset,
    };
    let Some(&kind) = rest.first() else {
        return Ok(None);
    };
    let len = usize::from(*rest.get(1).ok_or(bad)?) * UNIT;
    if len == 0 {
        return Err(bad);
    }
    let opt = rest.get(..len).ok_or(bad)?;
    let data = &opt[2..];
    let parsed = match kind {
        OPT_SOURCE_LL | OPT_TARGET_LL => {
            if len != LL_OPT_LEN {
                return Err(bad);
            }
            let mut mac = [0u8; 6];
            mac.copy_from_slice(data);
            if kind == OPT_SOURCE_LL {
                NdOption::SourceLinkAddr(MacAddr(mac))
            } else {
                NdOption::TargetLinkAddr(MacAddr(mac))
            }
        }
        OPT_PREFIX_INFO => {
            if len != PREFIX_OPT_LEN {
                return Err(bad);
            }
            // data: prefix length, flags, valid (4), preferred (4), reserved (4), prefix (16).
            let mut prefix = [0u8; 16];
            prefix.copy_from_slice(&data[14..30]);
            NdOption::PrefixInfo(PrefixInfo {
                prefix_len: data[0],
                flags: PrefixFlags::from_bits_retain(data[1]),
                valid_lifetime: be32(data, 2).ok_or(bad)?,
                preferred_lifetime: be32(data, 6).ok_or(bad)?,
                prefix,
            })
        }
        OPT_MTU => {
            if len != MTU_OPT_LEN {
                return Err(bad);
            }
            // data: reserved (2), MTU (4).
            NdOption::Mtu(be32(data, 2).ok_or(bad)?)
        }
        kind => NdOption::Other { kind, data },
    };
    Ok(Some((parsed, len)))
}

/// Iterator over the validated options of an ND message.
#[derive(Debug, Clone)]
pub struct NdOptions<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> NdOptions<'a> {
    /// Validates the option area `bytes`, which starts `offset` bytes after the ICMPv6 header
    /// (the offset only serves error reports).
    pub fn new(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        let mut rest = bytes;
        let mut at = offset;
        while let Some((_, used)) = next_option(rest, at)? {
            rest = &rest[used..];
            at = at.saturating_add(used);
        }
        Ok(NdOptions {
            rest: bytes,
            offset,
        })
    }

    /// Wraps option bytes that [`NdOptions::new`] has already accepted.
    #[inline]
    pub(crate) fn from_validated(bytes: &'a [u8], offset: usize) -> Self {
        NdOptions {
            rest: bytes,
            offset,
        }
    }

    /// The first Source Link-Layer Address option.
    pub fn source_ll(&self) -> Option<MacAddr> {
        self.clone().find_map(|o| match o {
            NdOption::SourceLinkAddr(m) => Some(m),
            _ => None,
        })
    }

    /// The first Target Link-Layer Address option.
    pub fn target_ll(&self) -> Option<MacAddr> {
        self.clone().find_map(|o| match o {
            NdOption::TargetLinkAddr(m) => Some(m),
            _ => None,
        })
    }

    /// The first MTU option.
    pub fn mtu(&self) -> Option<u32> {
        self.clone().find_map(|o| match o {
            NdOption::Mtu(m) => Some(m),
            _ => None,
        })
    }

    /// The Prefix Information options, in order.
    pub fn prefixes(&self) -> impl Iterator<Item = PrefixInfo> + 'a {
        self.clone().filter_map(|o| match o {
            NdOption::PrefixInfo(p) => Some(p),
            _ => None,
        })
    }
}

/// The Prefix Information options of a Router Advertisement, without copying: either a
/// caller's slice (to emit) or the option bytes of a parsed message (from
/// [`super::icmpv6::Icmpv6Repr::from_packet`]). Two lists are equal when they yield the same
/// prefixes in the same order.
#[derive(Clone, Copy)]
pub struct PrefixList<'a>(PrefixSource<'a>);

#[derive(Clone, Copy)]
enum PrefixSource<'a> {
    Slice(&'a [PrefixInfo]),
    /// Validated option bytes and their offset from the ICMPv6 header.
    Wire(&'a [u8], usize),
}

impl<'a> PrefixList<'a> {
    /// The prefixes of `slice`, in order.
    pub const fn from_slice(slice: &'a [PrefixInfo]) -> Self {
        PrefixList(PrefixSource::Slice(slice))
    }

    /// No prefixes.
    pub const fn empty() -> Self {
        Self::from_slice(&[])
    }

    /// The Prefix Information options among validated `options`.
    pub fn from_options(options: &NdOptions<'a>) -> Self {
        PrefixList(PrefixSource::Wire(options.rest, options.offset))
    }

    /// The prefixes, in order.
    pub fn iter(&self) -> impl Iterator<Item = PrefixInfo> + 'a {
        let (slice, wire): (&'a [PrefixInfo], NdOptions<'a>) = match self.0 {
            PrefixSource::Slice(s) => (
                s,
                NdOptions {
                    rest: &[],
                    offset: 0,
                },
            ),
            PrefixSource::Wire(rest, offset) => (&[], NdOptions { rest, offset }),
        };
        slice.iter().copied().chain(wire.prefixes())
    }

    /// Number of prefixes.
    pub fn len(&self) -> usize {
        match self.0 {
            PrefixSource::Slice(s) => s.len(),
            PrefixSource::Wire(..) => self.iter().count(),
        }
    }

    /// True if there are no prefixes.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl Default for PrefixList<'_> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<'a> From<&'a [PrefixInfo]> for PrefixList<'a> {
    fn from(s: &'a [PrefixInfo]) -> Self {
        Self::from_slice(s)
    }
}

impl PartialEq for PrefixList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for PrefixList<'_> {}

impl core::fmt::Debug for PrefixList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> Iterator for NdOptions<'a> {
    type Item = NdOption<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        match next_option(self.rest, self.offset) {
            Ok(Some((opt, used))) => {
                self.rest = self.rest.get(used..).unwrap_or(&[]);
                self.offset = self.offset.saturating_add(used);
                Some(opt)
            }
            _ => None,
        }
    }
}

impl NdOption<'_> {
    /// Bytes [`NdOption::emit`] writes (a multiple of 8 for a valid option).
    pub fn buffer_len(&self) -> usize {
        match self {
            NdOption::SourceLinkAddr(_) | NdOption::TargetLinkAddr(_) => LL_OPT_LEN,
            NdOption::PrefixInfo(_) => PREFIX_OPT_LEN,
            NdOption::Mtu(_) => MTU_OPT_LEN,
            NdOption::Other { data, .. } => data.len().saturating_add(2),
        }
    }

    /// Writes the option at the start of `buf`; returns its length. An `Other` option whose
    /// data does not make a whole number (1..=255) of 8-byte units is `BadLength`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        if !len.is_multiple_of(UNIT) || len > MAX_OPT_LEN {
            return Err(WireError::BadLength {
                layer: Layer::NdpOption,
                value: len,
            });
        }
        WireError::check_room(Layer::NdpOption, len, buf.len())?;
        let out = &mut buf[..len];
        out[1] = (len / UNIT) as u8;
        match *self {
            NdOption::SourceLinkAddr(mac) | NdOption::TargetLinkAddr(mac) => {
                out[0] = if matches!(self, NdOption::SourceLinkAddr(_)) {
                    OPT_SOURCE_LL
                } else {
                    OPT_TARGET_LL
                };
                out[2..8].copy_from_slice(&mac.0);
            }
            NdOption::PrefixInfo(p) => {
                out[0] = OPT_PREFIX_INFO;
                out[2] = p.prefix_len;
                out[3] = p.flags.bits();
                out[4..8].copy_from_slice(&p.valid_lifetime.to_be_bytes());
                out[8..12].copy_from_slice(&p.preferred_lifetime.to_be_bytes());
                out[12..16].fill(0);
                out[16..32].copy_from_slice(&p.prefix);
            }
            NdOption::Mtu(mtu) => {
                out[0] = OPT_MTU;
                out[2..4].fill(0);
                out[4..8].copy_from_slice(&mtu.to_be_bytes());
            }
            NdOption::Other { kind, data } => {
                out[0] = kind;
                out[2..].copy_from_slice(data);
            }
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    // The options of the scapy RA in icmpv6's tests:
    // ICMPv6NDOptSrcLLAddr(lladdr='fa:16:3e:11:22:33')/ICMPv6NDOptMTU(mtu=1450)
    // /ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
    //                        preferredlifetime=14400, prefix='2001:db8:1::')
    const RA_OPTS: &str = "0101fa163e11223305010000000005aa030440c000015180000038400000000020010db8000100000000000000000000";

    #[test]
    fn parse_and_reemit() {
        let b = hex(RA_OPTS);
        let opts: std::vec::Vec<_> = NdOptions::new(&b, 16).unwrap().collect();
        let pi = PrefixInfo {
            prefix_len: 64,
            flags: PrefixFlags::ON_LINK | PrefixFlags::AUTONOMOUS,
            valid_lifetime: 86400,
            preferred_lifetime: 14400,
            prefix: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        assert_eq!(
            opts,
            [
                NdOption::SourceLinkAddr(MacAddr([0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33])),
                NdOption::Mtu(1450),
                NdOption::PrefixInfo(pi),
            ]
        );
        assert!(pi.on_link() && pi.autonomous());
        let mut out = std::vec![0xeeu8; b.len()];
        let mut at = 0;
        for o in &opts {
            at += o.emit(&mut out[at..]).unwrap();
        }
        assert_eq!(out, b);
        let o = NdOptions::new(&b, 16).unwrap();
        assert_eq!(o.mtu(), Some(1450));
        assert_eq!(o.target_ll(), None);
        assert_eq!(o.prefixes().collect::<std::vec::Vec<_>>(), [pi]);
    }

    #[test]
    fn malformed() {
        let b = hex(RA_OPTS);
        let bad = |offset| {
            Err(WireError::BadOption {
                layer: Layer::NdpOption,
                offset,
            })
        };
        // Length 0 (RFC 4861 §4.6), first and second option.
        for at in [0usize, 8] {
            let mut z = b.clone();
            z[at + 1] = 0;
            assert_eq!(NdOptions::new(&z, 16).map(|_| ()), bad(16 + at));
        }
        // Every truncation inside an option runs past the end.
        for n in 1..b.len() {
            let r = NdOptions::new(&b[..n], 16).map(|_| ());
            if n == 8 || n == 16 {
                assert_eq!(r, Ok(()), "n={n}");
            } else {
                assert_eq!(r, bad(16 + n.min(16) / 8 * 8), "n={n}");
            }
        }
        // Wrong lengths for the options we interpret.
        for (at, len) in [(1usize, 2u8), (9, 2), (17, 3)] {
            let mut w = hex(RA_OPTS);
            w.resize(64, 0);
            w[at] = len;
            assert_eq!(NdOptions::new(&w, 0).map(|_| ()), bad(at - 1));
        }
        // An unknown option with any nonzero length is fine.
        let raw = [99u8, 1, 1, 2, 3, 4, 5, 6];
        assert_eq!(
            NdOptions::new(&raw, 0).unwrap().next(),
            Some(NdOption::Other {
                kind: 99,
                data: &raw[2..]
            })
        );
        assert!(NdOption::Other {
            kind: 1,
            data: &[0; 5]
        }
        .emit(&mut [0; 64])
        .is_err());
        assert!(NdOption::Mtu(1).emit(&mut [0; 7]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..96)) {
            if let Ok(o) = NdOptions::new(&data, 0) {
                let mut out = std::vec![0u8; data.len()];
                let mut at = 0;
                for opt in o {
                    at += opt.emit(&mut out[at..]).unwrap();
                }
                prop_assert_eq!(at, data.len());
            }
        }

        #[test]
        fn emit_parse(mac in any::<[u8; 6]>(), mtu in any::<u32>(), plen in any::<u8>(),
                      fl in any::<u8>(), v in any::<u32>(), p in any::<u32>(),
                      prefix in any::<[u8; 16]>(), kind in 6u8.., data in any::<[u8; 6]>()) {
            let opts = [
                NdOption::SourceLinkAddr(MacAddr(mac)),
                NdOption::TargetLinkAddr(MacAddr(mac)),
                NdOption::Mtu(mtu),
                NdOption::PrefixInfo(PrefixInfo { prefix_len: plen, flags: PrefixFlags::from_bits_retain(fl),
                    valid_lifetime: v, preferred_lifetime: p, prefix }),
                NdOption::Other { kind, data: &data },
            ];
            let mut buf = [0u8; 64];
            let mut at = 0;
            for o in &opts {
                at += o.emit(&mut buf[at..]).unwrap();
            }
            prop_assert_eq!(at, 64);
            let back: std::vec::Vec<_> = NdOptions::new(&buf, 0).unwrap().collect();
            prop_assert_eq!(&back[..], &opts[..]);
        }
    }
}
