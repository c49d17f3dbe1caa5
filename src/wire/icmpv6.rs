//! ICMPv6 (RFC 4443) and the Neighbor Discovery messages (RFC 4861 §4).
//!
//! This file owns the ICMPv6 message an IPv6 packet with next header 58 carries: the 4-byte
//! header (type, code, checksum), the type-specific fixed part and what follows (echo data, the
//! quoted packet of an error, or ND options, which [`super::ndp`] owns). ICMPv6 has no length
//! field: the message is the whole upper-layer payload, so the caller passes exactly that slice.
//!
//! [`Icmpv6Packet::parse`] checks the minimum length of each message type it knows (echo and
//! errors 8, router solicitation 8, router advertisement 16, neighbor solicitation and
//! advertisement 24, redirect 40) and validates the options of ND messages. It checks neither
//! the checksum, which covers the IPv6 pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1) and so needs
//! the addresses ([`Icmpv6Packet::verify_checksum`]), nor the ND receive rules that involve the
//! IPv6 header ([`Icmpv6Packet::validate_nd`]).
//!
//! Addresses are `[u8; 16]` in network order.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::ip_proto;
use super::ndp::{NdOption, NdOptions, PrefixList, LL_OPT_LEN, MTU_OPT_LEN, PREFIX_OPT_LEN};
use super::{Header, Layer, MacAddr, WireError};

/// Length of the ICMPv6 header: type, code, checksum (RFC 4443 §2.1).
pub const HEADER_LEN: usize = 4;
/// The IPv6 minimum link MTU (RFC 8200 §5).
pub const MIN_MTU: usize = 1280;
/// Most bytes of the offending packet an error message quotes so that the error does not exceed
/// the minimum MTU: 1280 − 40 (IPv6 header) − 8 (ICMPv6 error header) (RFC 4443 §2.4(c)).
pub const MAX_QUOTE: usize = MIN_MTU - 40 - 8;
/// The hop limit every ND message is sent with and must arrive with (RFC 4861 §6.1, §7.1).
pub const ND_HOP_LIMIT: u8 = 255;

/// ICMPv6 message types (IANA "ICMPv6 Parameters").
pub mod msg_type {
    /// Destination Unreachable (RFC 4443 §3.1).
    pub const DEST_UNREACHABLE: u8 = 1;
    /// Packet Too Big (RFC 4443 §3.2).
    pub const PACKET_TOO_BIG: u8 = 2;
    /// Time Exceeded (RFC 4443 §3.3).
    pub const TIME_EXCEEDED: u8 = 3;
    /// Parameter Problem (RFC 4443 §3.4).
    pub const PARAM_PROBLEM: u8 = 4;
    /// Echo Request (RFC 4443 §4.1).
    pub const ECHO_REQUEST: u8 = 128;
    /// Echo Reply (RFC 4443 §4.2).
    pub const ECHO_REPLY: u8 = 129;
    /// Router Solicitation (RFC 4861 §4.1).
    pub const ROUTER_SOLICIT: u8 = 133;
    /// Router Advertisement (RFC 4861 §4.2).
    pub const ROUTER_ADVERT: u8 = 134;
    /// Neighbor Solicitation (RFC 4861 §4.3).
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    /// Neighbor Advertisement (RFC 4861 §4.4).
    pub const NEIGHBOR_ADVERT: u8 = 136;
    /// Redirect (RFC 4861 §4.5).
    pub const REDIRECT: u8 = 137;
}

/// Destination Unreachable codes (RFC 4443 §3.1).
pub mod unreach {
    /// No route to destination.
    pub const NO_ROUTE: u8 = 0;
    /// Communication with destination administratively prohibited.
    pub const ADMIN_PROHIBITED: u8 = 1;
    /// Beyond scope of source address.
    pub const BEYOND_SCOPE: u8 = 2;
    /// Address unreachable.
    pub const ADDRESS: u8 = 3;
    /// Port unreachable.
    pub const PORT: u8 = 4;
    /// Source address failed ingress/egress policy.
    pub const SOURCE_POLICY: u8 = 5;
    /// Reject route to destination.
    pub const REJECT_ROUTE: u8 = 6;
}

/// Time Exceeded codes (RFC 4443 §3.3).
pub mod time_exceeded {
    /// Hop limit exceeded in transit.
    pub const HOP_LIMIT: u8 = 0;
    /// Fragment reassembly time exceeded.
    pub const REASSEMBLY: u8 = 1;
}

/// Parameter Problem codes (RFC 4443 §3.4).
pub mod param_problem {
    /// Erroneous header field encountered.
    pub const HEADER_FIELD: u8 = 0;
    /// Unrecognized Next Header type encountered.
    pub const NEXT_HEADER: u8 = 1;
    /// Unrecognized IPv6 option encountered.
    pub const OPTION: u8 = 2;
}

bitflags::bitflags! {
    /// Neighbor Advertisement flags (RFC 4861 §4.4); unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct NaFlags: u8 {
        /// R: the sender is a router.
        const ROUTER = 0x80;
        /// S: sent in response to a Neighbor Solicitation.
        const SOLICITED = 0x40;
        /// O: override an existing cache entry.
        const OVERRIDE = 0x20;
    }
}

bitflags::bitflags! {
    /// Router Advertisement flags (RFC 4861 §4.2); unknown bits (RFC 4191 preference,
    /// RFC 4389 proxy, ...) are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RaFlags: u8 {
        /// M: addresses are available via DHCPv6.
        const MANAGED = 0x80;
        /// O: other configuration is available via DHCPv6.
        const OTHER = 0x40;
    }
}

/// Default Router Preference "high" (RFC 4191 §2.2), see [`RaFlags::router_preference`].
pub const RA_PRF_HIGH: u8 = 0b01;
/// Default Router Preference "medium", the default (RFC 4191 §2.2).
pub const RA_PRF_MEDIUM: u8 = 0b00;
/// Default Router Preference "low" (RFC 4191 §2.2).
pub const RA_PRF_LOW: u8 = 0b11;

impl RaFlags {
    /// The 2-bit Default Router Preference (RFC 4191 §2.2): [`RA_PRF_HIGH`], [`RA_PRF_MEDIUM`],
    /// [`RA_PRF_LOW`], or 0b10 (reserved, to be treated as medium).
    #[inline]
    pub fn router_preference(self) -> u8 {
        (self.bits() >> 3) & 0b11
    }
}

/// The minimum length of a message of type `t` (RFC 4443 §3–4, RFC 4861 §4), which is also
/// where its payload or options start; 4 for types this file does not know.
#[inline]
pub const fn fixed_len(t: u8) -> usize {
    match t {
        msg_type::DEST_UNREACHABLE
        | msg_type::PACKET_TOO_BIG
        | msg_type::TIME_EXCEEDED
        | msg_type::PARAM_PROBLEM
        | msg_type::ECHO_REQUEST
        | msg_type::ECHO_REPLY
        | msg_type::ROUTER_SOLICIT => 8,
        msg_type::ROUTER_ADVERT => 16,
        msg_type::NEIGHBOR_SOLICIT | msg_type::NEIGHBOR_ADVERT => 24,
        msg_type::REDIRECT => 40,
        _ => HEADER_LEN,
    }
}

/// True for the ND messages of RFC 4861 (types 133..=137), which carry ND options.
#[inline]
pub const fn is_nd(t: u8) -> bool {
    matches!(t, msg_type::ROUTER_SOLICIT..=msg_type::REDIRECT)
}

/// True for error messages (types 0..=127, RFC 4443 §2.1).
#[inline]
pub const fn is_error(t: u8) -> bool {
    t < 128
}

/// Returns the leading part of `packet` (the IPv6 packet that caused an error) that an error
/// message quotes: all of it, up to [`MAX_QUOTE`] bytes (RFC 4443 §2.4(c)).
#[inline]
pub fn quote(packet: &[u8]) -> &[u8] {
    packet.get(..MAX_QUOTE).unwrap_or(packet)
}

/// The solicited-node multicast address of `addr`, ff02::1:ffXX:XXXX (RFC 4291 §2.7.1), where a
/// Neighbor Solicitation for `addr` is sent.
#[inline]
pub fn solicited_node(addr: &[u8; 16]) -> [u8; 16] {
    let mut a = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0];
    a[13..].copy_from_slice(&addr[13..]);
    a
}

#[inline]
fn is_multicast(a: &[u8; 16]) -> bool {
    a[0] == 0xff
}

#[inline]
fn is_link_local(a: &[u8; 16]) -> bool {
    a[0] == 0xfe && a[1] & 0xc0 == 0x80
}

#[inline]
fn is_solicited_node(a: &[u8; 16]) -> bool {
    a[..13] == [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff]
}

/// The ICMPv6 header as it lies in the packet.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Icmpv6Header {
    /// Message type.
    pub msg_type: u8,
    /// Code.
    pub code: u8,
    /// Checksum over the pseudo-header and the whole message.
    pub checksum: U16,
}

impl Header for Icmpv6Header {
    const LAYER: Layer = Layer::Icmpv6;
}

impl Icmpv6Header {
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.checksum.get()
    }
    /// Sets the message type.
    #[inline]
    pub fn set_msg_type(&mut self, v: u8) {
        self.msg_type = v
    }
    /// Sets the code.
    #[inline]
    pub fn set_code(&mut self, v: u8) {
        self.code = v
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.checksum.set(v)
    }

    /// Turns an echo request into an echo reply in place (type 128 → 129, RFC 4443 §4.2) and
    /// patches the checksum incrementally (RFC 1624). Valid when the reply's IPv6 addresses are
    /// the request's swapped (the pseudo-header sum is unchanged); otherwise use
    /// [`fill_checksum`].
    #[inline]
    pub fn make_echo_reply(&mut self) {
        let old = u16::from_be_bytes([self.msg_type, self.code]);
        self.msg_type = msg_type::ECHO_REPLY;
        let new = u16::from_be_bytes([self.msg_type, self.code]);
        self.set_checksum(checksum::update_u16(self.checksum(), old, new));
    }
}

/// The fixed part of a Neighbor Solicitation or Advertisement (RFC 4861 §4.3, §4.4), for
/// rewriting one into the other in place.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct NeighborHeader {
    /// Message type (135 or 136).
    pub msg_type: u8,
    /// Code (0).
    pub code: u8,
    /// Checksum.
    pub checksum: U16,
    /// NA flags (R, S, O); reserved in an NS.
    pub flags: u8,
    /// Reserved.
    pub reserved: [u8; 3],
    /// Target address.
    pub target: [u8; 16],
}

impl Header for NeighborHeader {
    const LAYER: Layer = Layer::Icmpv6;
}

impl NeighborHeader {
    /// NA flags.
    #[inline]
    pub fn na_flags(&self) -> NaFlags {
        NaFlags::from_bits_retain(self.flags)
    }
    /// Sets the NA flags.
    #[inline]
    pub fn set_na_flags(&mut self, f: NaFlags) {
        self.flags = f.bits()
    }
    /// Sets the target address.
    #[inline]
    pub fn set_target(&mut self, a: [u8; 16]) {
        self.target = a
    }
}

/// Checksum of `msg` under the IPv6 pseudo-header; `None` if the length exceeds 32 bits.
#[inline]
fn sum(src: &[u8; 16], dst: &[u8; 16], msg: &[u8]) -> Option<u16> {
    let len = u32::try_from(msg.len()).ok()?;
    let mut c = checksum::pseudo_header_v6(src, dst, ip_proto::ICMPV6, len);
    c.add_bytes(msg);
    Some(c.finish())
}

/// Computes and stores the checksum of the ICMPv6 message that is exactly `buf`, sent from
/// `src` to `dst` (RFC 4443 §2.3); returns it. Needs the 4-byte header.
pub fn fill_checksum(src: &[u8; 16], dst: &[u8; 16], buf: &mut [u8]) -> Result<u16, WireError> {
    let (h, _) = Icmpv6Header::split_from_mut(buf)?;
    h.set_checksum(0);
    let c = sum(src, dst, buf).ok_or(WireError::BadLength {
        layer: Layer::Icmpv6,
        value: buf.len(),
    })?;
    buf[2..4].copy_from_slice(&c.to_be_bytes());
    Ok(c)
}

/// A validated ICMPv6 message.
#[derive(Debug, Clone, Copy)]
pub struct Icmpv6Packet<'a> {
    header: &'a Icmpv6Header,
    buf: &'a [u8],
}

impl<'a> Icmpv6Packet<'a> {
    /// Parses the message that is exactly `buf` (the IPv6 upper-layer payload): checks the
    /// header, the minimum length of the type ([`fixed_len`]) and the options of ND messages.
    /// Does not verify the checksum.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = Icmpv6Header::split_from(buf)?;
        let t = header.msg_type;
        let fixed = fixed_len(t);
        WireError::check_len(Layer::Icmpv6, fixed, buf.len())?;
        if is_nd(t) {
            NdOptions::new(&buf[fixed..], fixed)?;
        }
        Ok(Icmpv6Packet { header, buf })
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &'a Icmpv6Header {
        self.header
    }
    /// Message type (see [`msg_type`]).
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.header.msg_type
    }
    /// Code.
    #[inline]
    pub fn code(&self) -> u8 {
        self.header.code
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.header.checksum()
    }
    /// The whole message.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
    /// The bytes after the type's fixed part: echo data, the quoted packet of an error, the
    /// options of an ND message, everything after the header for other types.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.buf.get(fixed_len(self.msg_type())..).unwrap_or(&[])
    }

    #[inline]
    fn is(&self, t: u8) -> bool {
        self.header.msg_type == t
    }
    #[inline]
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.buf.get(at..at + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }
    #[inline]
    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.buf.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    #[inline]
    fn addr_at(&self, at: usize) -> Option<[u8; 16]> {
        self.buf.get(at..at + 16)?.try_into().ok()
    }

    /// True for echo request and echo reply.
    #[inline]
    pub fn is_echo(&self) -> bool {
        self.is(msg_type::ECHO_REQUEST) || self.is(msg_type::ECHO_REPLY)
    }
    /// Echo identifier (echo request and reply only).
    #[inline]
    pub fn echo_ident(&self) -> Option<u16> {
        self.is_echo().then(|| self.u16_at(4)).flatten()
    }
    /// Echo sequence number (echo request and reply only).
    #[inline]
    pub fn echo_seq(&self) -> Option<u16> {
        self.is_echo().then(|| self.u16_at(6)).flatten()
    }
    /// The MTU of a Packet Too Big message (RFC 4443 §3.2).
    #[inline]
    pub fn mtu(&self) -> Option<u32> {
        self.is(msg_type::PACKET_TOO_BIG)
            .then(|| self.u32_at(4))
            .flatten()
    }
    /// The pointer of a Parameter Problem message (RFC 4443 §3.4).
    #[inline]
    pub fn param_pointer(&self) -> Option<u32> {
        self.is(msg_type::PARAM_PROBLEM)
            .then(|| self.u32_at(4))
            .flatten()
    }
    /// The target address of a Neighbor Solicitation, Neighbor Advertisement or Redirect.
    #[inline]
    pub fn target(&self) -> Option<[u8; 16]> {
        (self.is(msg_type::NEIGHBOR_SOLICIT)
            || self.is(msg_type::NEIGHBOR_ADVERT)
            || self.is(msg_type::REDIRECT))
        .then(|| self.addr_at(8))
        .flatten()
    }
    /// The destination address of a Redirect (RFC 4861 §4.5).
    #[inline]
    pub fn redirect_dest(&self) -> Option<[u8; 16]> {
        self.is(msg_type::REDIRECT)
            .then(|| self.addr_at(24))
            .flatten()
    }
    /// The R/S/O flags of a Neighbor Advertisement.
    #[inline]
    pub fn na_flags(&self) -> Option<NaFlags> {
        self.is(msg_type::NEIGHBOR_ADVERT)
            .then(|| self.buf.get(4).map(|&f| NaFlags::from_bits_retain(f)))
            .flatten()
    }
    /// Cur Hop Limit of a Router Advertisement (0: unspecified).
    #[inline]
    pub fn cur_hop_limit(&self) -> Option<u8> {
        self.is(msg_type::ROUTER_ADVERT)
            .then(|| self.buf.get(4).copied())
            .flatten()
    }
    /// M/O (and other) flags of a Router Advertisement.
    #[inline]
    pub fn ra_flags(&self) -> Option<RaFlags> {
        self.is(msg_type::ROUTER_ADVERT)
            .then(|| self.buf.get(5).map(|&f| RaFlags::from_bits_retain(f)))
            .flatten()
    }
    /// Router Lifetime of a Router Advertisement, in seconds (0: not a default router).
    #[inline]
    pub fn router_lifetime(&self) -> Option<u16> {
        self.is(msg_type::ROUTER_ADVERT)
            .then(|| self.u16_at(6))
            .flatten()
    }
    /// Reachable Time of a Router Advertisement, in milliseconds (0: unspecified).
    #[inline]
    pub fn reachable_time(&self) -> Option<u32> {
        self.is(msg_type::ROUTER_ADVERT)
            .then(|| self.u32_at(8))
            .flatten()
    }
    /// Retrans Timer of a Router Advertisement, in milliseconds (0: unspecified).
    #[inline]
    pub fn retrans_timer(&self) -> Option<u32> {
        self.is(msg_type::ROUTER_ADVERT)
            .then(|| self.u32_at(12))
            .flatten()
    }
    /// The (validated) options of an ND message; `None` for other types.
    #[inline]
    pub fn nd_options(&self) -> Option<NdOptions<'a>> {
        let t = self.msg_type();
        if !is_nd(t) {
            return None;
        }
        // `parse` validated the options of every ND message.
        Some(NdOptions::from_validated(self.payload(), fixed_len(t)))
    }
    /// The first Source Link-Layer Address option of an ND message.
    #[inline]
    pub fn source_ll(&self) -> Option<MacAddr> {
        self.nd_options()?.source_ll()
    }
    /// The first Target Link-Layer Address option of an ND message.
    #[inline]
    pub fn target_ll(&self) -> Option<MacAddr> {
        self.nd_options()?.target_ll()
    }

    /// True if the checksum verifies for a message sent from `src` to `dst` (RFC 4443 §2.3).
    #[inline]
    pub fn verify_checksum(&self, src: &[u8; 16], dst: &[u8; 16]) -> bool {
        sum(src, dst, self.buf) == Some(0)
    }

    /// Applies the receive checks of RFC 4861 that [`Icmpv6Packet::parse`] cannot, given the
    /// IPv6 source, destination and hop limit: hop limit 255 and code 0 for every ND message
    /// (§6.1, §7.1, §8.1); no source link-layer address from the unspecified address (RS §6.1.1,
    /// NS §7.1.1); a link-local source (RA §6.1.2, redirect §8.1); a unicast target (NS, NA
    /// §7.1); a solicited-node destination for an NS from the unspecified address (§7.1.1); no
    /// S flag on an NA to a multicast destination (§7.1.2); a unicast redirect destination
    /// (§8.1). Other message types pass. Errors are `BadField` naming the field.
    pub fn validate_nd(
        &self,
        src: &[u8; 16],
        dst: &[u8; 16],
        hop_limit: u8,
    ) -> Result<(), WireError> {
        let t = self.msg_type();
        if !is_nd(t) {
            return Ok(());
        }
        let bad = |field| {
            Err(WireError::BadField {
                layer: Layer::Icmpv6,
                field,
            })
        };
        if hop_limit != ND_HOP_LIMIT {
            return bad("hop_limit");
        }
        if self.code() != 0 {
            return bad("code");
        }
        let unspecified = *src == [0; 16];
        let target_multicast = self.target().is_some_and(|a| is_multicast(&a));
        match t {
            msg_type::ROUTER_SOLICIT if unspecified && self.source_ll().is_some() => {
                bad("source_ll")
            }
            msg_type::ROUTER_ADVERT | msg_type::REDIRECT if !is_link_local(src) => bad("src"),
            msg_type::NEIGHBOR_SOLICIT | msg_type::NEIGHBOR_ADVERT if target_multicast => {
                bad("target")
            }
            msg_type::NEIGHBOR_SOLICIT if unspecified && !is_solicited_node(dst) => bad("dst"),
            msg_type::NEIGHBOR_SOLICIT if unspecified && self.source_ll().is_some() => {
                bad("source_ll")
            }
            msg_type::NEIGHBOR_ADVERT
                if is_multicast(dst)
                    && self
                        .na_flags()
                        .is_some_and(|f| f.contains(NaFlags::SOLICITED)) =>
            {
                bad("flags")
            }
            msg_type::REDIRECT if self.redirect_dest().is_some_and(|a| is_multicast(&a)) => {
                bad("redirect_dest")
            }
            _ => Ok(()),
        }
    }
}

/// An ICMPv6 message as host values, for emitting.
///
/// [`Icmpv6Repr::from_packet`] gives a specific variant when the message has code 0 (echo and
/// ND messages) and zero unused bytes (destination unreachable, time exceeded); anything else
/// is [`Icmpv6Repr::Other`]. The ND variants keep the options they name and drop the others
/// and the reserved bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icmpv6Repr<'a> {
    /// Echo Request (type 128).
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Echo Reply (type 129).
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
        /// Data, as in the request.
        data: &'a [u8],
    },
    /// Destination Unreachable (type 1).
    DestUnreachable {
        /// Code (see [`unreach`]).
        code: u8,
        /// Leading bytes of the offending packet (see [`quote`]).
        quoted: &'a [u8],
    },
    /// Packet Too Big (type 2).
    PacketTooBig {
        /// MTU of the next-hop link.
        mtu: u32,
        /// Leading bytes of the offending packet (see [`quote`]).
        quoted: &'a [u8],
    },
    /// Time Exceeded (type 3).
    TimeExceeded {
        /// Code (see [`time_exceeded`]).
        code: u8,
        /// Leading bytes of the offending packet (see [`quote`]).
        quoted: &'a [u8],
    },
    /// Parameter Problem (type 4).
    ParamProblem {
        /// Code (see [`param_problem`]).
        code: u8,
        /// Offset of the error in the offending packet.
        pointer: u32,
        /// Leading bytes of the offending packet (see [`quote`]).
        quoted: &'a [u8],
    },
    /// Neighbor Solicitation (type 135).
    NeighborSolicit {
        /// Address whose link-layer address is wanted.
        target: [u8; 16],
        /// Source Link-Layer Address option (absent for DAD, RFC 4862 §5.4.2).
        source_ll: Option<MacAddr>,
    },
    /// Neighbor Advertisement (type 136).
    NeighborAdvert {
        /// R, S, O.
        flags: NaFlags,
        /// The advertised address.
        target: [u8; 16],
        /// Target Link-Layer Address option.
        target_ll: Option<MacAddr>,
    },
    /// Router Solicitation (type 133).
    RouterSolicit {
        /// Source Link-Layer Address option.
        source_ll: Option<MacAddr>,
    },
    /// Router Advertisement (type 134).
    RouterAdvert {
        /// Cur Hop Limit (0: unspecified).
        hop_limit: u8,
        /// M, O and other flags.
        flags: RaFlags,
        /// Router Lifetime in seconds.
        lifetime: u16,
        /// Reachable Time in milliseconds.
        reachable: u32,
        /// Retrans Timer in milliseconds.
        retrans: u32,
        /// Source Link-Layer Address option.
        source_ll: Option<MacAddr>,
        /// MTU option.
        mtu: Option<u32>,
        /// Prefix Information options, in order.
        prefixes: PrefixList<'a>,
    },
    /// Any other message: type, code and the bytes after the 4-byte header.
    Other {
        /// Message type.
        msg_type: u8,
        /// Code.
        code: u8,
        /// Everything after the checksum.
        body: &'a [u8],
    },
}

impl<'a> Icmpv6Repr<'a> {
    /// The message of a parsed packet (the checksum is neither checked nor kept).
    pub fn from_packet(p: &Icmpv6Packet<'a>) -> Self {
        let b = p.as_bytes();
        let (t, code) = (p.msg_type(), p.code());
        let word = p.u32_at(4);
        let zero_word = word == Some(0);
        let addr = p.addr_at(8);
        let payload = p.payload();
        let opts = p.nd_options();
        match (t, code) {
            (msg_type::ECHO_REQUEST, 0) | (msg_type::ECHO_REPLY, 0) => {
                let (ident, seq) = (p.u16_at(4).unwrap_or(0), p.u16_at(6).unwrap_or(0));
                if t == msg_type::ECHO_REQUEST {
                    Icmpv6Repr::EchoRequest {
                        ident,
                        seq,
                        data: payload,
                    }
                } else {
                    Icmpv6Repr::EchoReply {
                        ident,
                        seq,
                        data: payload,
                    }
                }
            }
            (msg_type::DEST_UNREACHABLE, code) if zero_word => Icmpv6Repr::DestUnreachable {
                code,
                quoted: payload,
            },
            (msg_type::TIME_EXCEEDED, code) if zero_word => Icmpv6Repr::TimeExceeded {
                code,
                quoted: payload,
            },
            (msg_type::PACKET_TOO_BIG, 0) => Icmpv6Repr::PacketTooBig {
                mtu: word.unwrap_or(0),
                quoted: payload,
            },
            (msg_type::PARAM_PROBLEM, code) => Icmpv6Repr::ParamProblem {
                code,
                pointer: word.unwrap_or(0),
                quoted: payload,
            },
            (msg_type::NEIGHBOR_SOLICIT, 0) => Icmpv6Repr::NeighborSolicit {
                target: addr.unwrap_or_default(),
                source_ll: opts.and_then(|o| o.source_ll()),
            },
            (msg_type::NEIGHBOR_ADVERT, 0) => Icmpv6Repr::NeighborAdvert {
                flags: p.na_flags().unwrap_or(NaFlags::empty()),
                target: addr.unwrap_or_default(),
                target_ll: opts.and_then(|o| o.target_ll()),
            },
            (msg_type::ROUTER_SOLICIT, 0) => Icmpv6Repr::RouterSolicit {
                source_ll: opts.and_then(|o| o.source_ll()),
            },
            (msg_type::ROUTER_ADVERT, 0) => {
                let (source_ll, mtu, prefixes) = match &opts {
                    Some(o) => (o.source_ll(), o.mtu(), PrefixList::from_options(o)),
                    None => (None, None, PrefixList::empty()),
                };
                Icmpv6Repr::RouterAdvert {
                    hop_limit: p.cur_hop_limit().unwrap_or(0),
                    flags: p.ra_flags().unwrap_or(RaFlags::empty()),
                    lifetime: p.router_lifetime().unwrap_or(0),
                    reachable: p.reachable_time().unwrap_or(0),
                    retrans: p.retrans_timer().unwrap_or(0),
                    source_ll,
                    mtu,
                    prefixes,
                }
            }
            (msg_type, code) => Icmpv6Repr::Other {
                msg_type,
                code,
                body: b.get(HEADER_LEN..).unwrap_or(&[]),
            },
        }
    }

    /// The message type this repr emits.
    pub fn msg_type(&self) -> u8 {
        match self {
            Icmpv6Repr::EchoRequest { .. } => msg_type::ECHO_REQUEST,
            Icmpv6Repr::EchoReply { .. } => msg_type::ECHO_REPLY,
            Icmpv6Repr::DestUnreachable { .. } => msg_type::DEST_UNREACHABLE,
            Icmpv6Repr::PacketTooBig { .. } => msg_type::PACKET_TOO_BIG,
            Icmpv6Repr::TimeExceeded { .. } => msg_type::TIME_EXCEEDED,
            Icmpv6Repr::ParamProblem { .. } => msg_type::PARAM_PROBLEM,
            Icmpv6Repr::NeighborSolicit { .. } => msg_type::NEIGHBOR_SOLICIT,
            Icmpv6Repr::NeighborAdvert { .. } => msg_type::NEIGHBOR_ADVERT,
            Icmpv6Repr::RouterSolicit { .. } => msg_type::ROUTER_SOLICIT,
            Icmpv6Repr::RouterAdvert { .. } => msg_type::ROUTER_ADVERT,
            Icmpv6Repr::Other { msg_type, .. } => *msg_type,
        }
    }

    /// Always [`HEADER_LEN`] (type, code, checksum).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The bytes [`Icmpv6Repr::emit`] writes: header, fixed part, options and payload.
    pub fn buffer_len(&self) -> usize {
        let ll = |o: &Option<MacAddr>| if o.is_some() { LL_OPT_LEN } else { 0 };
        match self {
            Icmpv6Repr::EchoRequest { data, .. } | Icmpv6Repr::EchoReply { data, .. } => {
                data.len().saturating_add(8)
            }
            Icmpv6Repr::DestUnreachable { quoted, .. }
            | Icmpv6Repr::PacketTooBig { quoted, .. }
            | Icmpv6Repr::TimeExceeded { quoted, .. }
            | Icmpv6Repr::ParamProblem { quoted, .. } => quoted.len().saturating_add(8),
            Icmpv6Repr::NeighborSolicit { source_ll, .. } => 24 + ll(source_ll),
            Icmpv6Repr::NeighborAdvert { target_ll, .. } => 24 + ll(target_ll),
            Icmpv6Repr::RouterSolicit { source_ll } => 8 + ll(source_ll),
            Icmpv6Repr::RouterAdvert {
                source_ll,
                mtu,
                prefixes,
                ..
            } => {
                16 + ll(source_ll)
                    + if mtu.is_some() { MTU_OPT_LEN } else { 0 }
                    + PREFIX_OPT_LEN.saturating_mul(prefixes.len())
            }
            Icmpv6Repr::Other { body, .. } => body.len().saturating_add(HEADER_LEN),
        }
    }

    /// Writes the message at the start of `buf` with its checksum for a packet from `src` to
    /// `dst`; returns the bytes written ([`Icmpv6Repr::buffer_len`]).
    pub fn emit(&self, src: &[u8; 16], dst: &[u8; 16], buf: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        WireError::check_room(Layer::Icmpv6, len, buf.len())?;
        let out = &mut buf[..len];
        let code = match *self {
            Icmpv6Repr::DestUnreachable { code, .. }
            | Icmpv6Repr::TimeExceeded { code, .. }
            | Icmpv6Repr::ParamProblem { code, .. }
            | Icmpv6Repr::Other { code, .. } => code,
            _ => 0,
        };
        out[0] = self.msg_type();
        out[1] = code;
        out[2..4].fill(0);
        match self {
            Icmpv6Repr::EchoRequest { ident, seq, data }
            | Icmpv6Repr::EchoReply { ident, seq, data } => {
                out[4..6].copy_from_slice(&ident.to_be_bytes());
                out[6..8].copy_from_slice(&seq.to_be_bytes());
                out[8..].copy_from_slice(data);
            }
            Icmpv6Repr::DestUnreachable { quoted, .. }
            | Icmpv6Repr::TimeExceeded { quoted, .. } => {
                out[4..8].fill(0);
                out[8..].copy_from_slice(quoted);
            }
            Icmpv6Repr::PacketTooBig { mtu: word, quoted }
            | Icmpv6Repr::ParamProblem {
                pointer: word,
                quoted,
                ..
            } => {
                out[4..8].copy_from_slice(&word.to_be_bytes());
                out[8..].copy_from_slice(quoted);
            }
            Icmpv6Repr::NeighborSolicit { target, source_ll } => {
                out[4..8].fill(0);
                out[8..24].copy_from_slice(target);
                if let Some(m) = source_ll {
                    NdOption::SourceLinkAddr(*m).emit(&mut out[24..])?;
                }
            }
            Icmpv6Repr::NeighborAdvert {
                flags,
                target,
                target_ll,
            } => {
                out[4] = flags.bits();
                out[5..8].fill(0);
                out[8..24].copy_from_slice(target);
                if let Some(m) = target_ll {
                    NdOption::TargetLinkAddr(*m).emit(&mut out[24..])?;
                }
            }
            Icmpv6Repr::RouterSolicit { source_ll } => {
                out[4..8].fill(0);
                if let Some(m) = source_ll {
                    NdOption::SourceLinkAddr(*m).emit(&mut out[8..])?;
                }
            }
            Icmpv6Repr::RouterAdvert {
                hop_limit,
                flags,
                lifetime,
                reachable,
                retrans,
                source_ll,
                mtu,
                prefixes,
            } => {
                out[4] = *hop_limit;
                out[5] = flags.bits();
                out[6..8].copy_from_slice(&lifetime.to_be_bytes());
                out[8..12].copy_from_slice(&reachable.to_be_bytes());
                out[12..16].copy_from_slice(&retrans.to_be_bytes());
                let mut at = 16;
                let opts = source_ll
                    .map(NdOption::SourceLinkAddr)
                    .into_iter()
                    .chain(mtu.map(NdOption::Mtu))
                    .chain(prefixes.iter().map(NdOption::PrefixInfo));
                for o in opts {
                    at += o.emit(&mut out[at..])?;
                }
            }
            Icmpv6Repr::Other { body, .. } => out[4..].copy_from_slice(body),
        }
        fill_checksum(src, dst, out)?;
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ndp::{PrefixFlags, PrefixInfo};
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    fn ip6(s: &str) -> [u8; 16] {
        s.parse::<std::net::Ipv6Addr>().unwrap().octets()
    }

    /// A scapy vector: the ICMPv6 bytes of `bytes(IPv6(src, dst, hlim=255)/msg)[40:]`.
    struct Vector {
        src: &'static str,
        dst: &'static str,
        hex: &'static str,
    }

    // ICMPv6ND_NS(tgt='fe80::1')/ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01'),
    // src='fe80::2', dst='ff02::1:ff00:1'
    const NS: Vector = Vector {
        src: "fe80::2",
        dst: "ff02::1:ff00:1",
        hex: "87007a9800000000fe8000000000000000000000000000010101020000000001",
    };
    // ICMPv6ND_NS(tgt='fe80::1'), src='::', dst='ff02::1:ff00:1' (DAD)
    const NS_DAD: Vector = Vector {
        src: "::",
        dst: "ff02::1:ff00:1",
        hex: "87007c2500000000fe800000000000000000000000000001",
    };
    // ICMPv6ND_NA(tgt='fe80::1', R=0, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr='fa:16:3e:00:00:01'),
    // src='fe80::1', dst='fe80::2'
    const NA: Vector = Vector {
        src: "fe80::1",
        dst: "fe80::2",
        hex: "8800e20460000000fe8000000000000000000000000000010201fa163e000001",
    };
    // ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01'), src='fe80::2', dst='ff02::2'
    const RS: Vector = Vector {
        src: "fe80::2",
        dst: "ff02::2",
        hex: "85007a2b000000000101020000000001",
    };
    // ICMPv6ND_RA(chlim=64, M=1, O=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
    // /ICMPv6NDOptSrcLLAddr(lladdr='fa:16:3e:11:22:33')/ICMPv6NDOptMTU(mtu=1450)
    // /ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
    //                        preferredlifetime=14400, prefix='2001:db8:1::')
    // /ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=0, validlifetime=0xffffffff,
    //                        preferredlifetime=0xffffffff, prefix='2001:db8:2::'),
    // src='fe80::f816:3eff:fe11:2233', dst='ff02::1'
    const RA: Vector = Vector {
        src: "fe80::f816:3eff:fe11:2233",
        dst: "ff02::1",
        hex: "8600911540c8070800007530000003e80101fa163e11223305010000000005aa030440c00001518000003840000000002001\
              0db8000100000000000000000000030440 80ffffffffffffffff0000000020010db8000200000000000000000000",
    };
    // ICMPv6EchoRequest(id=0x4242, seq=3, data=b'ping6'), src='2001:db8::1', dst='2001:db8::2'
    const ECHO: Vector = Vector {
        src: "2001:db8::1",
        dst: "2001:db8::2",
        hex: "8000cd2c4242000370696e6736",
    };
    // ICMPv6EchoReply(id=0x4242, seq=3, data=b'ping6'), src='2001:db8::2', dst='2001:db8::1'
    const ECHO_REPLY: Vector = Vector {
        src: "2001:db8::2",
        dst: "2001:db8::1",
        hex: "8100cc2c4242000370696e6736",
    };
    // inner6 = bytes(IPv6(src='2001:db8::2', dst='2001:db8::99')/UDP(sport=1000, dport=53)/(b'y'*16))
    // ICMPv6PacketTooBig(mtu=1280)/inner6, src='2001:db8::1', dst='2001:db8::2'
    const PTB: Vector = Vector {
        src: "2001:db8::1",
        dst: "2001:db8::2",
        hex: "02002bd900000500600000000018114020010db800000000000000000000000220010db80000000000000000000000\
              9903e800350018d3c879797979797979797979797979797979",
    };
    // ICMPv6DestUnreach(code=4)/inner6
    const UNREACH: Vector = Vector {
        src: "2001:db8::1",
        dst: "2001:db8::2",
        hex: "010431d500000000600000000018114020010db800000000000000000000000220010db80000000000000000000000\
              9903e800350018d3c879797979797979797979797979797979",
    };
    // ICMPv6TimeExceeded(code=0)/inner6
    const TIME_EXCEEDED: Vector = Vector {
        src: "2001:db8::1",
        dst: "2001:db8::2",
        hex: "03002fd900000000600000000018114020010db800000000000000000000000220010db80000000000000000000000\
              9903e800350018d3c879797979797979797979797979797979",
    };

    const ALL: [Vector; 10] = [
        NS,
        NS_DAD,
        NA,
        RS,
        RA,
        ECHO,
        ECHO_REPLY,
        PTB,
        UNREACH,
        TIME_EXCEEDED,
    ];

    fn bytes(v: &Vector) -> std::vec::Vec<u8> {
        hex(&v.hex.replace(' ', ""))
    }

    /// Parses the vector `b` of `v`, checks its checksum, and checks that from_packet + emit
    /// reproduces scapy's bytes exactly.
    fn check<'a>(v: &Vector, b: &'a [u8]) -> Icmpv6Repr<'a> {
        let (s, d) = (ip6(v.src), ip6(v.dst));
        let p = Icmpv6Packet::parse(b).unwrap();
        assert!(p.verify_checksum(&s, &d), "{}", v.hex);
        let mut wrong = d;
        wrong[15] ^= 1;
        assert!(!p.verify_checksum(&s, &wrong));
        assert_eq!(p.validate_nd(&s, &d, 255), Ok(()));
        let r = Icmpv6Repr::from_packet(&p);
        let mut out = std::vec![0u8; r.buffer_len()];
        assert_eq!(r.emit(&s, &d, &mut out), Ok(b.len()));
        assert_eq!(out, b, "{r:?}");
        r
    }

    const MAC1: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);

    #[test]
    fn neighbor_solicit() {
        let b = bytes(&NS);
        let r = check(&NS, &b);
        let p = Icmpv6Packet::parse(&b).unwrap();
        assert_eq!(p.target(), Some(ip6("fe80::1")));
        assert_eq!(p.source_ll(), Some(MAC1));
        assert_eq!(p.target_ll(), None);
        assert_eq!((p.na_flags(), p.echo_ident(), p.mtu()), (None, None, None));
        assert_eq!(
            r,
            Icmpv6Repr::NeighborSolicit {
                target: ip6("fe80::1"),
                source_ll: Some(MAC1)
            }
        );
        let b = bytes(&NS_DAD);
        let r = check(&NS_DAD, &b);
        assert_eq!(
            r,
            Icmpv6Repr::NeighborSolicit {
                target: ip6("fe80::1"),
                source_ll: None
            }
        );
        assert_eq!(solicited_node(&ip6("fe80::1")), ip6("ff02::1:ff00:1"));
        assert_eq!(
            solicited_node(&ip6("2001:db8::abcd:ef12")),
            ip6("ff02::1:ffcd:ef12")
        );
    }

    #[test]
    fn neighbor_advert() {
        let b = bytes(&NA);
        let r = check(&NA, &b);
        let p = Icmpv6Packet::parse(&b).unwrap();
        assert_eq!(p.na_flags(), Some(NaFlags::SOLICITED | NaFlags::OVERRIDE));
        assert_eq!(p.target(), Some(ip6("fe80::1")));
        assert_eq!(p.target_ll(), Some(MacAddr([0xfa, 0x16, 0x3e, 0, 0, 1])));
        assert!(matches!(r, Icmpv6Repr::NeighborAdvert { .. }));
    }

    #[test]
    fn ns_to_na_in_place_matches_scapy() {
        // A responder owning fe80::1 at fa:16:3e:00:00:01 answers NS in place.
        let mut b = bytes(&NS);
        let asker = ip6(NS.src);
        let target = Icmpv6Packet::parse(&b).unwrap().target().unwrap();
        let (h, opts) = NeighborHeader::split_from_mut(&mut b).unwrap();
        h.msg_type = msg_type::NEIGHBOR_ADVERT;
        h.set_na_flags(NaFlags::SOLICITED | NaFlags::OVERRIDE);
        NdOption::TargetLinkAddr(MacAddr([0xfa, 0x16, 0x3e, 0, 0, 1]))
            .emit(opts)
            .unwrap();
        fill_checksum(&target, &asker, &mut b).unwrap();
        assert_eq!(b, bytes(&NA));
    }

    #[test]
    fn router_solicit_and_advert() {
        let b = bytes(&RS);
        let r = check(&RS, &b);
        assert_eq!(Icmpv6Packet::parse(&b).unwrap().source_ll(), Some(MAC1));
        assert_eq!(
            r,
            Icmpv6Repr::RouterSolicit {
                source_ll: Some(MAC1)
            }
        );

        let b = bytes(&RA);
        let r = check(&RA, &b);
        let p = Icmpv6Packet::parse(&b).unwrap();
        assert_eq!(p.cur_hop_limit(), Some(64));
        // scapy's default Prf is 1 (high, RFC 4191 §2.2), bits 0x18.
        let flags = p.ra_flags().unwrap();
        assert_eq!(
            flags,
            RaFlags::MANAGED | RaFlags::OTHER | RaFlags::from_bits_retain(0x08)
        );
        assert_eq!(flags.router_preference(), RA_PRF_HIGH);
        assert_eq!(p.router_lifetime(), Some(1800));
        assert_eq!(p.reachable_time(), Some(30000));
        assert_eq!(p.retrans_timer(), Some(1000));
        assert_eq!(p.target(), None);
        let prefixes = [
            PrefixInfo {
                prefix_len: 64,
                flags: PrefixFlags::ON_LINK | PrefixFlags::AUTONOMOUS,
                valid_lifetime: 86400,
                preferred_lifetime: 14400,
                prefix: ip6("2001:db8:1::"),
            },
            PrefixInfo {
                prefix_len: 64,
                flags: PrefixFlags::ON_LINK,
                valid_lifetime: u32::MAX,
                preferred_lifetime: u32::MAX,
                prefix: ip6("2001:db8:2::"),
            },
        ];
        assert_eq!(
            r,
            Icmpv6Repr::RouterAdvert {
                hop_limit: 64,
                flags,
                lifetime: 1800,
                reachable: 30000,
                retrans: 1000,
                source_ll: Some(MacAddr([0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33])),
                mtu: Some(1450),
                prefixes: PrefixList::from_slice(&prefixes),
            }
        );
        let Icmpv6Repr::RouterAdvert {
            prefixes: parsed, ..
        } = r
        else {
            unreachable!()
        };
        assert_eq!((parsed.len(), parsed.is_empty()), (2, false));
    }

    #[test]
    fn echo() {
        let b = bytes(&ECHO);
        let r = check(&ECHO, &b);
        let p = Icmpv6Packet::parse(&b).unwrap();
        assert_eq!((p.echo_ident(), p.echo_seq()), (Some(0x4242), Some(3)));
        assert_eq!(p.payload(), b"ping6");
        assert_eq!(
            r,
            Icmpv6Repr::EchoRequest {
                ident: 0x4242,
                seq: 3,
                data: b"ping6"
            }
        );
        check(&ECHO_REPLY, &bytes(&ECHO_REPLY));
        // In-place reply with swapped addresses gives scapy's reply.
        let mut b = bytes(&ECHO);
        Icmpv6Header::split_from_mut(&mut b)
            .unwrap()
            .0
            .make_echo_reply();
        assert_eq!(b, bytes(&ECHO_REPLY));
    }

    #[test]
    fn errors() {
        let b = bytes(&PTB);
        let r = check(&PTB, &b);
        let p = Icmpv6Packet::parse(&b).unwrap();
        assert_eq!(p.mtu(), Some(1280));
        assert_eq!(p.payload().len(), 64);
        assert!(is_error(p.msg_type()));
        assert!(matches!(r, Icmpv6Repr::PacketTooBig { mtu: 1280, quoted } if quoted.len() == 64));
        let b = bytes(&UNREACH);
        let r = check(&UNREACH, &b);
        assert!(matches!(
            r,
            Icmpv6Repr::DestUnreachable {
                code: unreach::PORT,
                ..
            }
        ));
        let b = bytes(&TIME_EXCEEDED);
        let r = check(&TIME_EXCEEDED, &b);
        assert!(matches!(
            r,
            Icmpv6Repr::TimeExceeded {
                code: time_exceeded::HOP_LIMIT,
                ..
            }
        ));
        assert_eq!(MAX_QUOTE, 1232);
        let big = [0u8; 2000];
        let r = Icmpv6Repr::PacketTooBig {
            mtu: 1280,
            quoted: quote(&big),
        };
        assert_eq!(40 + r.buffer_len(), MIN_MTU);
    }

    #[test]
    fn truncated_at_every_length() {
        for v in &ALL {
            let b = bytes(v);
            let t = b[0];
            let fixed = fixed_len(t);
            // Where the options of an ND message end, walking their length bytes.
            let mut ends = std::vec![fixed];
            while is_nd(t) && *ends.last().unwrap() < b.len() {
                let at = *ends.last().unwrap();
                ends.push(at + 8 * usize::from(b[at + 1]));
            }
            for n in 0..b.len() {
                let r = Icmpv6Packet::parse(&b[..n]).map(|_| ());
                if n < HEADER_LEN {
                    assert_eq!(
                        r,
                        Err(WireError::Truncated {
                            layer: Layer::Icmpv6,
                            need: 4,
                            have: n
                        })
                    );
                } else if n < fixed {
                    assert_eq!(
                        r,
                        Err(WireError::Truncated {
                            layer: Layer::Icmpv6,
                            need: fixed,
                            have: n
                        }),
                        "type {t} n {n}"
                    );
                } else if is_nd(t) && !ends.contains(&n) {
                    // Cut inside an option: it runs past the end.
                    let offset = *ends.iter().rev().find(|&&e| e < n).unwrap();
                    assert_eq!(
                        r,
                        Err(WireError::BadOption {
                            layer: Layer::NdpOption,
                            offset
                        }),
                        "type {t} n {n}"
                    );
                } else {
                    assert_eq!(r, Ok(()), "type {t} n {n}");
                }
            }
        }
    }

    #[test]
    fn bad_options() {
        // NS whose SLLA option has length 0 (RFC 4861 §4.6): offset 24 from the header.
        let mut b = bytes(&NS);
        b[25] = 0;
        assert_eq!(
            Icmpv6Packet::parse(&b).map(|_| ()),
            Err(WireError::BadOption {
                layer: Layer::NdpOption,
                offset: 24
            })
        );
        // Length 2: runs past the end.
        b[25] = 2;
        assert_eq!(
            Icmpv6Packet::parse(&b).map(|_| ()),
            Err(WireError::BadOption {
                layer: Layer::NdpOption,
                offset: 24
            })
        );
        // The RA's third option (first prefix, offset 32) claims 5 units.
        let mut b = bytes(&RA);
        b[33] = 5;
        assert_eq!(
            Icmpv6Packet::parse(&b).map(|_| ()),
            Err(WireError::BadOption {
                layer: Layer::NdpOption,
                offset: 32
            })
        );
        // Options of non-ND messages are not looked at: an echo may carry anything.
        let mut e = bytes(&ECHO);
        e.extend_from_slice(&[1, 0, 0]);
        assert!(Icmpv6Packet::parse(&e).is_ok());
    }

    #[test]
    fn many_prefixes_zero_copy() {
        // 40 prefixes: no fixed capacity limits what from_packet represents.
        let list: std::vec::Vec<PrefixInfo> = (0..40u8)
            .map(|i| PrefixInfo {
                prefix_len: 64,
                flags: PrefixFlags::ON_LINK,
                valid_lifetime: u32::from(i),
                preferred_lifetime: 1,
                prefix: [i; 16],
            })
            .collect();
        let r = Icmpv6Repr::RouterAdvert {
            hop_limit: 0,
            flags: RaFlags::empty(),
            lifetime: 0,
            reachable: 0,
            retrans: 0,
            source_ll: None,
            mtu: None,
            prefixes: PrefixList::from(&list[..]),
        };
        let (s, d) = (ip6("fe80::1"), ip6("ff02::1"));
        let mut out = std::vec![0u8; r.buffer_len()];
        assert_eq!(r.emit(&s, &d, &mut out), Ok(16 + 40 * 32));
        let p = Icmpv6Packet::parse(&out).unwrap();
        assert!(p.verify_checksum(&s, &d));
        assert_eq!(Icmpv6Repr::from_packet(&p), r);
        assert_eq!(PrefixList::default(), PrefixList::empty());
        assert!(PrefixList::empty().is_empty());
    }

    #[test]
    fn nd_receive_rules() {
        let ll = ip6("fe80::2");
        let (b, na, dad, ra) = (bytes(&NS), bytes(&NA), bytes(&NS_DAD), bytes(&RA));
        let ns = Icmpv6Packet::parse(&b).unwrap();
        let field = |f| {
            Err(WireError::BadField {
                layer: Layer::Icmpv6,
                field: f,
            })
        };
        let sn = ip6("ff02::1:ff00:1");
        assert_eq!(ns.validate_nd(&ll, &sn, 64), field("hop_limit"));
        // NS from :: must not carry an SLLA, and must go to a solicited-node group.
        assert_eq!(ns.validate_nd(&[0; 16], &sn, 255), field("source_ll"));
        let dad = Icmpv6Packet::parse(&dad).unwrap();
        assert_eq!(dad.validate_nd(&[0; 16], &sn, 255), Ok(()));
        assert_eq!(
            dad.validate_nd(&[0; 16], &ip6("ff02::1"), 255),
            field("dst")
        );
        // Solicited NA to a multicast group.
        let na = Icmpv6Packet::parse(&na).unwrap();
        assert_eq!(na.validate_nd(&ll, &ip6("ff02::1"), 255), field("flags"));
        // RA from a global address.
        let ra = Icmpv6Packet::parse(&ra).unwrap();
        assert_eq!(
            ra.validate_nd(&ip6("2001:db8::1"), &ip6("ff02::1"), 255),
            field("src")
        );
        // Multicast target, nonzero code.
        let mut m = bytes(&NS);
        m[8] = 0xff;
        let p = Icmpv6Packet::parse(&m).unwrap();
        assert_eq!(p.validate_nd(&ll, &sn, 255), field("target"));
        let mut c = bytes(&NS);
        c[1] = 1;
        let p = Icmpv6Packet::parse(&c).unwrap();
        assert_eq!(p.validate_nd(&ll, &sn, 255), field("code"));
        // A nonzero code makes it Other in the repr.
        assert!(matches!(
            Icmpv6Repr::from_packet(&p),
            Icmpv6Repr::Other {
                msg_type: 135,
                code: 1,
                ..
            }
        ));
        // Non-ND messages pass.
        let e = bytes(&ECHO);
        let p = Icmpv6Packet::parse(&e).unwrap();
        assert_eq!(p.validate_nd(&ll, &sn, 1), Ok(()));
    }

    #[test]
    fn emit_errors() {
        let r = Icmpv6Repr::NeighborSolicit {
            target: [1; 16],
            source_ll: Some(MAC1),
        };
        assert_eq!(
            r.emit(&[0; 16], &[0; 16], &mut [0u8; 31]),
            Err(WireError::BufferTooSmall {
                layer: Layer::Icmpv6,
                need: 32,
                have: 31
            })
        );
        assert!(fill_checksum(&[0; 16], &[0; 16], &mut [0u8; 3]).is_err());
    }

    fn arb_prefix() -> impl Strategy<Value = PrefixInfo> {
        (
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<[u8; 16]>(),
        )
            .prop_map(
                |(prefix_len, f, valid_lifetime, preferred_lifetime, prefix)| PrefixInfo {
                    prefix_len,
                    flags: PrefixFlags::from_bits_retain(f),
                    valid_lifetime,
                    preferred_lifetime,
                    prefix,
                },
            )
    }

    #[allow(clippy::type_complexity)]
    fn arb_fields() -> impl Strategy<
        Value = (
            (u8, u8, u16, u16, u32, [u8; 16]),
            (
                Option<[u8; 6]>,
                Option<u32>,
                std::vec::Vec<PrefixInfo>,
                std::vec::Vec<u8>,
            ),
        ),
    > {
        (
            (
                0u8..11,
                any::<u8>(),
                any::<u16>(),
                any::<u16>(),
                any::<u32>(),
                any::<[u8; 16]>(),
            ),
            (
                proptest::option::of(any::<[u8; 6]>()),
                proptest::option::of(any::<u32>()),
                proptest::collection::vec(arb_prefix(), 0..6),
                proptest::collection::vec(any::<u8>(), 0..64),
            ),
        )
    }

    proptest! {
        #[test]
        fn emit_parse_roundtrip(((kind, code, a, b, w, addr), (ll, mtu, pfx, data)) in arb_fields(),
                                src in any::<[u8; 16]>(), dst in any::<[u8; 16]>()) {
            let ll = ll.map(MacAddr);
            let r = match kind {
                0 => Icmpv6Repr::EchoRequest { ident: a, seq: b, data: &data },
                1 => Icmpv6Repr::EchoReply { ident: a, seq: b, data: &data },
                2 => Icmpv6Repr::DestUnreachable { code, quoted: &data },
                3 => Icmpv6Repr::PacketTooBig { mtu: w, quoted: &data },
                4 => Icmpv6Repr::TimeExceeded { code, quoted: &data },
                5 => Icmpv6Repr::ParamProblem { code, pointer: w, quoted: &data },
                6 => Icmpv6Repr::NeighborSolicit { target: addr, source_ll: ll },
                7 => Icmpv6Repr::NeighborAdvert { flags: NaFlags::from_bits_retain(code), target: addr, target_ll: ll },
                8 => Icmpv6Repr::RouterSolicit { source_ll: ll },
                9 => Icmpv6Repr::RouterAdvert {
                    hop_limit: code, flags: RaFlags::from_bits_retain(a as u8), lifetime: b,
                    reachable: w, retrans: w.rotate_left(7), source_ll: ll, mtu,
                    prefixes: PrefixList::from_slice(&pfx),
                },
                // MLD and private-use types are carried verbatim.
                _ => Icmpv6Repr::Other { msg_type: [130, 143, 200, 255][usize::from(code % 4)], code: a as u8, body: &data },
            };
            let mut buf = std::vec![0u8; r.buffer_len()];
            prop_assert_eq!(r.emit(&src, &dst, &mut buf), Ok(r.buffer_len()));
            let p = Icmpv6Packet::parse(&buf).unwrap();
            prop_assert!(p.verify_checksum(&src, &dst));
            prop_assert_eq!(Icmpv6Repr::from_packet(&p), r);
        }

        #[test]
        fn parse_never_panics(t in prop_oneof![Just(1u8), Just(2), Just(3), Just(4), Just(128), Just(129),
                                               133u8..=137, any::<u8>()],
                              code in prop_oneof![Just(0u8), any::<u8>()],
                              body in proptest::collection::vec(any::<u8>(), 0..96),
                              src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(), hl in any::<u8>()) {
            let mut data = std::vec![t, code, 0, 0];
            data.extend_from_slice(&body);
            if let Ok(p) = Icmpv6Packet::parse(&data) {
                let _ = (p.verify_checksum(&src, &dst), p.validate_nd(&src, &dst, hl), p.payload());
                let _ = (p.echo_ident(), p.echo_seq(), p.mtu(), p.param_pointer(), p.target(),
                         p.redirect_dest(), p.na_flags(), p.cur_hop_limit(), p.ra_flags(),
                         p.router_lifetime(), p.reachable_time(), p.retrans_timer(),
                         p.source_ll(), p.target_ll());
                if let Some(o) = p.nd_options() {
                    let _ = o.count();
                }
                let r = Icmpv6Repr::from_packet(&p);
                let mut out = std::vec![0u8; r.buffer_len()];
                prop_assert_eq!(r.emit(&src, &dst, &mut out), Ok(out.len()));
                let q = Icmpv6Packet::parse(&out).unwrap();
                prop_assert_eq!(Icmpv6Repr::from_packet(&q), r);
            }
        }
    }
}
