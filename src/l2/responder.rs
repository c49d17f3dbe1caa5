//! The ARP and Neighbor Discovery responder of L2 population: a table of (segment, IP) → MAC
//! filled by the control plane; an ARP request or IPv6 Neighbor Solicitation for a known address
//! is turned into the ARP reply / Neighbor Advertisement in place, so it never floods.
//!
//! Behaviour follows Linux, whose VXLAN device answers for L2 population in `proxy` mode
//! (`drivers/net/vxlan/vxlan_core.c`: `arp_reduce`, `neigh_reduce`, `vxlan_na_create`) and whose
//! bridge does the same with `neigh_suppress` (`net/bridge/br_arp_nd_proxy.c`:
//! `br_do_proxy_suppress_arp`, `br_do_suppress_nd`):
//!
//! - **ARP** (RFC 826): only requests for Ethernet/IPv4 are answered. The reply goes to the
//!   requester's sender hardware address, from the bound MAC, with sender and target swapped
//!   (`arp_create(ARPOP_REPLY, …, sip, dev, tip, sha, n->ha, sha)`); VLAN tags and Ethernet
//!   padding stay as they were, so the reply is the request's length. A target in 127/8 or
//!   224/4 is not answered (`ipv4_is_loopback(tip) || ipv4_is_multicast(tip)`).
//! - **Gratuitous ARP and probes** (RFC 5227): a request whose sender address is 0.0.0.0 (a probe)
//!   or equals the target (an announcement) is never answered — the bridge returns before the
//!   lookup (`ipv4_is_zeronet(sip) || sip == tip`) and only keeps it from flooding to
//!   suppressed ports. It passes with [`NoReply::Probe`] / [`NoReply::Gratuitous`] so the
//!   caller forwards it: other hosts must see announcements, and a probe for an address in use
//!   must reach its owner, which defends it (RFC 5227 §2.4).
//! - **Neighbor Solicitation** (RFC 4861 §4.3, §7.1.1 validity checks: hop limit 255, code 0,
//!   valid checksum, well-formed options, unicast target, no source link-layer option from ::)
//!   for a known target is answered with a solicited Neighbor Advertisement: Ethernet to the
//!   NS's source link-layer option (else its Ethernet source), from the bound MAC; IPv6 from
//!   the target to the NS's source, hop limit 255; flags S=1, O=1, R from the binding; a Target
//!   Link-Layer Address option with the bound MAC (`vxlan_na_create`). Other NS options (a
//!   nonce, …) are dropped, so the reply may be shorter than the request; it is never longer
//!   than the buffer — a unicast NS without options in a buffer with no tailroom gets an NA
//!   without the option (allowed for unicast solicitations, RFC 4861 §7.2.4).
//! - **DAD** (RFC 4862 §5.4): an NS from the unspecified address, or one whose source is its
//!   own target, is not answered ([`NoReply::Dad`] / [`NoReply::Gratuitous`]), as
//!   `br_do_suppress_nd` does (`ipv6_addr_any(saddr) || !ipv6_addr_cmp(saddr, &msg->target)`).
//! - Anything else (other EtherTypes, ARP replies, other ICMPv6) passes untouched. A frame that
//!   *is* ARP or an NS but is malformed is not answered and is counted ([`Verdict::Malformed`]).

use core::net::IpAddr;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::SegmentId;
use crate::table::{Table, TableError};
use crate::wire::arp::{self, OP_REQUEST};
use crate::wire::ethernet::{self, EthernetHeader};
use crate::wire::icmpv6::{self, msg_type, NaFlags, NeighborHeader};
use crate::wire::ipv6::{self, Ipv6Header};
use crate::wire::ndp::{LL_OPT_LEN, OPT_TARGET_LL};
use crate::wire::{ethertype, ip_proto, vlan, Header, Layer, MacAddr, WireError};

/// What the responder did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The buffer now holds the reply, `len` bytes long: send it back out of the port the
    /// request came from, and do not forward the request.
    Replied {
        /// Length of the reply frame.
        len: usize,
    },
    /// Not answered, buffer untouched: forward the frame as usual.
    Pass(NoReply),
    /// An ARP packet or Neighbor Solicitation that is malformed: not answered (counted).
    Malformed(WireError),
}

/// Why a well-formed frame was not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NoReply {
    /// Neither ARP nor an ICMPv6 Neighbor Solicitation.
    NotArpOrNs = 1,
    /// ARP but not a request (a reply, RARP, …).
    NotRequest = 2,
    /// No binding for the target address: the request floods.
    Unknown = 3,
    /// Gratuitous ARP (sender = target) or an NS whose source is its target.
    Gratuitous = 4,
    /// ARP probe (sender 0.0.0.0, RFC 5227 §2.1.1).
    Probe = 5,
    /// Duplicate Address Detection NS (source ::, RFC 4862 §5.4.2).
    Dad = 6,
    /// Target in 127/8 or 224/4.
    BadTarget = 7,
    /// The Neighbor Advertisement would not fit the buffer (a multicast NS without options
    /// and no tailroom).
    NoRoom = 8,
}

/// Plain counters; the C API reads the same struct.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ResponderCounters {
    /// ARP replies written.
    pub arp_replies: u64,
    /// Neighbor Advertisements written.
    pub na_replies: u64,
    /// Requests for unknown addresses (flooded).
    pub unknown: u64,
    /// Gratuitous ARPs and self-solicitations passed.
    pub gratuitous: u64,
    /// ARP probes passed.
    pub probes: u64,
    /// DAD solicitations passed.
    pub dad: u64,
    /// Malformed ARP / NS not answered.
    pub malformed: u64,
    /// Replies that did not fit the buffer.
    pub no_room: u64,
    /// Frames that were not requests for the responder (other traffic, ARP replies, bad
    /// targets).
    pub passed: u64,
}

/// Why a binding was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponderError {
    /// Table creation failed (capacity, memory).
    #[error("responder table: {0}")]
    Table(#[from] TableError),
    /// The table is full.
    #[error("responder table full")]
    Full,
    /// The MAC is not unicast, or the address is unspecified, multicast or loopback.
    #[error("bad binding")]
    BadBinding,
}

/// A bound address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The MAC the address resolves to.
    pub mac: MacAddr,
    /// The address belongs to a router (sets R in Neighbor Advertisements).
    pub router: bool,
}

/// (segment, address): 4 bytes of segment, the address as 16 bytes (IPv4 mapped).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned,
)]
#[repr(C)]
struct Key {
    seg: [u8; 4],
    addr: [u8; 16],
}

impl Key {
    fn new(seg: SegmentId, ip: IpAddr) -> Key {
        let addr = match ip {
            IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
            IpAddr::V6(a) => a.octets(),
        };
        Key {
            seg: seg.to_le_bytes(),
            addr,
        }
    }
    fn v4(seg: SegmentId, a: [u8; 4]) -> Key {
        Key::new(seg, IpAddr::from(a))
    }
    fn v6(seg: SegmentId, a: [u8; 16]) -> Key {
        Key {
            seg: seg.to_le_bytes(),
            addr: a,
        }
    }
}

const FLAG_ROUTER: u8 = 1;

#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
struct Val {
    mac: [u8; 6],
    flags: u8,
    pad: u8,
}

/// Length of a Neighbor Advertisement without options (RFC 4861 §4.4).
const NA_LEN: usize = 24;

/// The responder over memory `M`.
pub struct Responder<M> {
    table: Table<Key, Val, M>,
    counters: ResponderCounters,
}

impl<M> core::fmt::Debug for Responder<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Responder")
            .field("table", &self.table)
            .field("counters", &self.counters)
            .finish()
    }
}

impl Responder<&mut [u8]> {
    /// Bytes of memory a responder of `capacity` bindings needs.
    pub fn mem_size(capacity: usize) -> Result<usize, ResponderError> {
        Ok(Table::<Key, Val, &mut [u8]>::mem_size(capacity)?)
    }
}

impl<'m> Responder<&'m mut [u8]> {
    /// An empty responder over `mem`, with the table's keyed-hash `seed`.
    pub fn new_in(mem: &'m mut [u8], capacity: usize, seed: u64) -> Result<Self, ResponderError> {
        Ok(Responder {
            table: Table::new_in(mem, capacity, seed)?,
            counters: ResponderCounters::default(),
        })
    }
}

#[cfg(feature = "alloc")]
impl Responder<alloc::boxed::Box<[u8]>> {
    /// An empty responder owning its memory.
    pub fn with_capacity(capacity: usize, seed: u64) -> Result<Self, ResponderError> {
        Ok(Responder {
            table: Table::with_capacity(capacity, seed)?,
            counters: ResponderCounters::default(),
        })
    }
}

fn bad_binding(ip: IpAddr, mac: MacAddr) -> bool {
    let ip_bad = match ip {
        IpAddr::V4(a) => {
            a.is_unspecified() || a.is_multicast() || a.is_loopback() || a.is_broadcast()
        }
        IpAddr::V6(a) => a.is_unspecified() || a.is_multicast() || a.is_loopback(),
    };
    ip_bad || !mac.is_unicast()
}

impl<M: AsRef<[u8]> + AsMut<[u8]>> Responder<M> {
    /// The counters.
    pub fn counters(&self) -> &ResponderCounters {
        &self.counters
    }

    /// Bindings held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no binding is held.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Binds `ip` on `seg` to `mac` (adds or replaces).
    pub fn add(
        &mut self,
        seg: SegmentId,
        ip: IpAddr,
        mac: MacAddr,
        router: bool,
    ) -> Result<(), ResponderError> {
        if bad_binding(ip, mac) {
            return Err(ResponderError::BadBinding);
        }
        let v = Val {
            mac: mac.0,
            flags: if router { FLAG_ROUTER } else { 0 },
            pad: 0,
        };
        self.table
            .insert(Key::new(seg, ip), v)
            .map(|_| ())
            .map_err(|_| ResponderError::Full)
    }

    /// Removes a binding; true if it existed.
    pub fn remove(&mut self, seg: SegmentId, ip: IpAddr) -> bool {
        self.table.remove(&Key::new(seg, ip)).is_some()
    }

    /// The binding of `ip` on `seg`.
    pub fn get(&self, seg: SegmentId, ip: IpAddr) -> Option<Binding> {
        self.table.get(&Key::new(seg, ip)).map(|v| Binding {
            mac: MacAddr(v.mac),
            router: v.flags & FLAG_ROUTER != 0,
        })
    }

    fn pass(&mut self, why: NoReply) -> Verdict {
        match why {
            NoReply::Unknown => self.counters.unknown += 1,
            NoReply::Gratuitous => self.counters.gratuitous += 1,
            NoReply::Probe => self.counters.probes += 1,
            NoReply::Dad => self.counters.dad += 1,
            NoReply::NoRoom => self.counters.no_room += 1,
            NoReply::NotArpOrNs | NoReply::NotRequest | NoReply::BadTarget => {
                self.counters.passed += 1
            }
        }
        Verdict::Pass(why)
    }

    fn malformed(&mut self, e: WireError) -> Verdict {
        self.counters.malformed += 1;
        Verdict::Malformed(e)
    }

    /// Answers the frame `buf[..len]` received on segment `seg` if it is an ARP request or a
    /// Neighbor Solicitation for a bound address, writing the reply in place (`buf` beyond
    /// `len` is tailroom the reply may use). See the module doc for the rules.
    pub fn respond(&mut self, seg: SegmentId, buf: &mut [u8], len: usize) -> Verdict {
        let Some(frame) = buf.get(..len) else {
            return self.malformed(WireError::Truncated {
                layer: Layer::Ethernet,
                need: len,
                have: buf.len(),
            });
        };
        let Ok((eth, rest)) = EthernetHeader::split_from(frame) else {
            return self.pass(NoReply::NotArpOrNs);
        };
        let Ok((_, et, tags)) = vlan::walk_tags(eth.ethertype(), rest) else {
            return self.pass(NoReply::NotArpOrNs);
        };
        let l3 = ethernet::HEADER_LEN + tags;
        match et {
            ethertype::ARP => self.arp(seg, buf, len, l3),
            ethertype::IPV6 => self.ns(seg, buf, len, l3),
            _ => self.pass(NoReply::NotArpOrNs),
        }
    }

    fn arp(&mut self, seg: SegmentId, buf: &mut [u8], len: usize, l3: usize) -> Verdict {
        let area = buf.get_mut(l3..len).unwrap_or(&mut []);
        let a = match arp::parse_mut(area) {
            Ok(a) => a,
            Err(e) => return self.malformed(e),
        };
        if a.oper() != OP_REQUEST {
            return self.pass(NoReply::NotRequest);
        }
        if !a.sha.is_unicast() {
            return self.malformed(WireError::BadField {
                layer: Layer::Arp,
                field: "sha",
            });
        }
        let (sip, tip) = (a.spa, a.tpa);
        if sip == [0; 4] {
            return self.pass(NoReply::Probe);
        }
        if sip == tip {
            return self.pass(NoReply::Gratuitous);
        }
        if tip[0] == 127 || tip[0] & 0xf0 == 0xe0 {
            return self.pass(NoReply::BadTarget);
        }
        let Some(v) = self.table.get(&Key::v4(seg, tip)) else {
            return self.pass(NoReply::Unknown);
        };
        let mac = MacAddr(v.mac);
        let requester = a.sha;
        a.make_reply(mac);
        if let Ok((eth, _)) = EthernetHeader::split_from_mut(buf) {
            eth.dst = requester;
            eth.src = mac;
        }
        self.counters.arp_replies += 1;
        Verdict::Replied { len }
    }

    fn ns(&mut self, seg: SegmentId, buf: &mut [u8], len: usize, l3: usize) -> Verdict {
        // Is it an NS at all? Anything that is not ICMPv6 type 135 right after the fixed
        // header passes untouched (as in Linux, extension headers are not walked).
        let frame = buf.get(..len).unwrap_or(&[]);
        let Some(ipb) = frame.get(l3..) else {
            return self.pass(NoReply::NotArpOrNs);
        };
        let Ok((ip, rest)) = Ipv6Header::split_from(ipb) else {
            return self.pass(NoReply::NotArpOrNs);
        };
        if ip.next_header != ip_proto::ICMPV6 || rest.first() != Some(&msg_type::NEIGHBOR_SOLICIT) {
            return self.pass(NoReply::NotArpOrNs);
        }
        // From here on it is an NS: every defect is counted as malformed.
        let plen = match ipv6::check_header(ip, rest.len()) {
            Ok(p) => p,
            Err(e) => return self.malformed(e),
        };
        let (src, dst, hop) = (ip.src, ip.dst, ip.hop_limit);
        let msg = rest.get(..plen).unwrap_or(&[]);
        let p = match icmpv6::Icmpv6Packet::parse(msg) {
            Ok(p) => p,
            Err(e) => return self.malformed(e),
        };
        if let Err(e) = p.validate_nd(&src, &dst, hop) {
            return self.malformed(e);
        }
        if !p.verify_checksum(&src, &dst) {
            return self.malformed(WireError::BadChecksum {
                layer: Layer::Icmpv6,
            });
        }
        let Some(target) = p.target() else {
            return self.malformed(WireError::Truncated {
                layer: Layer::Icmpv6,
                need: NA_LEN,
                have: msg.len(),
            });
        };
        let source_ll = p.source_ll();
        if let Some(m) = source_ll {
            if !m.is_unicast() {
                return self.malformed(WireError::BadField {
                    layer: Layer::NdpOption,
                    field: "source_ll",
                });
            }
        }
        if src[0] == 0xff {
            // A multicast source is never valid (RFC 4291 §2.7); an NA to it would be a
            // solicited advertisement to a group.
            return self.malformed(WireError::BadField {
                layer: Layer::Ipv6,
                field: "src",
            });
        }
        if src == [0; 16] {
            return self.pass(NoReply::Dad);
        }
        if src == target {
            return self.pass(NoReply::Gratuitous);
        }
        if target[0] == 0xff || target == core::net::Ipv6Addr::LOCALHOST.octets() {
            return self.pass(NoReply::BadTarget);
        }
        let Some(v) = self.table.get(&Key::v6(seg, target)) else {
            return self.pass(NoReply::Unknown);
        };
        let eth_src = match EthernetHeader::split_from(frame) {
            Ok((e, _)) => e.src,
            Err(e) => return self.malformed(e),
        };
        let reply_to = source_ll.unwrap_or(eth_src);
        if !reply_to.is_unicast() {
            return self.malformed(WireError::BadField {
                layer: Layer::Ethernet,
                field: "src",
            });
        }
        // Size of the NA: with the Target Link-Layer option if it fits the buffer; a multicast
        // NS must get it (RFC 4861 §7.2.4).
        let icmp_off = l3 + ipv6::HEADER_LEN;
        let with_opt = icmp_off + NA_LEN + LL_OPT_LEN <= buf.len();
        if !with_opt && dst[0] == 0xff {
            return self.pass(NoReply::NoRoom);
        }
        let na_len = if with_opt {
            NA_LEN + LL_OPT_LEN
        } else {
            NA_LEN
        };
        let mac = MacAddr(v.mac);
        let router = v.flags & FLAG_ROUTER != 0;
        match write_na(buf, l3, na_len, reply_to, mac, router, src, target) {
            Ok(n) => {
                self.counters.na_replies += 1;
                Verdict::Replied { len: n }
            }
            Err(e) => self.malformed(e),
        }
    }
}

/// Rewrites the validated NS at `l3` into the Neighbor Advertisement; returns the frame length.
#[allow(clippy::too_many_arguments)]
fn write_na(
    buf: &mut [u8],
    l3: usize,
    na_len: usize,
    to: MacAddr,
    mac: MacAddr,
    router: bool,
    ns_src: [u8; 16],
    target: [u8; 16],
) -> Result<usize, WireError> {
    let icmp_off = l3 + ipv6::HEADER_LEN;
    let end = icmp_off + na_len;
    WireError::check_room(Layer::Icmpv6, end, buf.len())?;
    let (eth, _) = EthernetHeader::split_from_mut(buf)?;
    eth.dst = to;
    eth.src = mac;
    let ipb = buf.get_mut(l3..).unwrap_or(&mut []);
    let (ip, _) = Ipv6Header::split_from_mut(ipb)?;
    ip.src = target;
    ip.dst = ns_src;
    ip.hop_limit = icmpv6::ND_HOP_LIMIT;
    // na_len is 24 or 32.
    ip.set_payload_len(na_len as u16);
    let msg = buf.get_mut(icmp_off..end).unwrap_or(&mut []);
    let (na, opts) = NeighborHeader::split_from_mut(msg)?;
    na.msg_type = msg_type::NEIGHBOR_ADVERT;
    na.code = 0;
    let mut flags = NaFlags::SOLICITED | NaFlags::OVERRIDE;
    if router {
        flags |= NaFlags::ROUTER;
    }
    na.set_na_flags(flags);
    na.reserved = [0; 3];
    if let Some(o) = opts.get_mut(..LL_OPT_LEN) {
        o[0] = OPT_TARGET_LL;
        o[1] = 1;
        o[2..].copy_from_slice(&mac.0);
    }
    icmpv6::fill_checksum(&target, &ns_src, msg)?;
    Ok(end)
}

#[cfg(test)]
mod tests;
