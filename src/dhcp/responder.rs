//! The responder: request parsing, the reply decision, and the reply frame writer.

use core::net::Ipv4Addr;

use arrayvec::ArrayVec;

use crate::wire::checksum::{self, Checksum};
use crate::wire::dhcpv4::{self, msg_type, opt, DhcpPacket, DhcpRepr};
use crate::wire::ethernet::{self, EthernetFrame, EthernetRepr};
use crate::wire::ipv4::{self, Ipv4Packet, Ipv4Repr};
use crate::wire::udp::{self, UdpPacket, UdpRepr};
use crate::wire::{ip_proto, MacAddr, WireError};

use super::bindings::{BindingSlot, BindingTable};
use super::config::{DhcpSubnet, DhcpSubnetConfig, OPT_BLOCK_MAX};
use super::{Binding, DhcpError};

/// UDP port of DHCP servers (and relays) (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;
/// UDP port of DHCP clients.
pub const CLIENT_PORT: u16 = 68;
/// Option 56 text in NAKs.
const NAK_MESSAGE: &[u8] = b"address not assigned to this client";
const L2L3L4: usize = ethernet::HEADER_LEN + ipv4::HEADER_LEN + udp::HEADER_LEN;
/// The longest reply frame the responder writes; a buffer this long never gets
/// `BufferTooSmall`.
pub const MAX_REPLY_LEN: usize = L2L3L4 + dhcpv4::OPTIONS_OFFSET + 3 + OPT_BLOCK_MAX + 2 + 255 + 1;

/// REQUEST handling policy; see the table in the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum NakPolicy {
    /// RFC 2131 §4.3.2.
    #[default]
    Strict = 0,
    /// OVN native DHCP: the requested address (option 50, else `ciaddr`) decides, the server
    /// identifier is not checked.
    Ovn = 1,
}

/// Why a frame got no reply. `#[repr(u8)]` for counters and C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum DropReason {
    /// Ethernet header truncated or not Ethernet II.
    BadEthernet = 0,
    /// Not IPv4.
    NotIpv4 = 1,
    /// IPv4 header malformed.
    BadIpv4 = 2,
    /// IPv4 header checksum wrong.
    BadIpChecksum = 3,
    /// An IPv4 fragment (DHCP is never fragmented by clients).
    Fragment = 4,
    /// Not UDP.
    NotUdp = 5,
    /// UDP header malformed.
    BadUdp = 6,
    /// UDP checksum wrong.
    BadUdpChecksum = 7,
    /// UDP destination port is not 67.
    NotDhcpPort = 8,
    /// `op` is not BOOTREQUEST.
    BadOp = 9,
    /// `htype`/`hlen` not Ethernet (1/6).
    BadHardware = 10,
    /// DHCP message malformed (truncated, cookie, option lengths, overload).
    BadDhcp = 11,
    /// No option 53.
    NoMessageType = 12,
    /// Option 53 of a bad length, or a type a client does not send.
    BadMessageType = 13,
    /// No binding for (segment, chaddr).
    UnknownClient = 14,
    /// The binding's subnet is not configured.
    UnknownSubnet = 15,
    /// A REQUEST selecting another server (strict policy).
    OtherServer = 16,
    /// The output buffer cannot hold the reply.
    BufferTooSmall = 17,
}

impl DropReason {
    /// Number of reasons (size of [`Counters::drops`]).
    pub const COUNT: usize = 18;
    /// Every reason, by number.
    pub const ALL: [DropReason; Self::COUNT] = [
        DropReason::BadEthernet,
        DropReason::NotIpv4,
        DropReason::BadIpv4,
        DropReason::BadIpChecksum,
        DropReason::Fragment,
        DropReason::NotUdp,
        DropReason::BadUdp,
        DropReason::BadUdpChecksum,
        DropReason::NotDhcpPort,
        DropReason::BadOp,
        DropReason::BadHardware,
        DropReason::BadDhcp,
        DropReason::NoMessageType,
        DropReason::BadMessageType,
        DropReason::UnknownClient,
        DropReason::UnknownSubnet,
        DropReason::OtherServer,
        DropReason::BufferTooSmall,
    ];
    /// A short, stable name.
    pub const fn name(self) -> &'static str {
        match self {
            DropReason::BadEthernet => "bad-ethernet",
            DropReason::NotIpv4 => "not-ipv4",
            DropReason::BadIpv4 => "bad-ipv4",
            DropReason::BadIpChecksum => "bad-ip-checksum",
            DropReason::Fragment => "fragment",
            DropReason::NotUdp => "not-udp",
            DropReason::BadUdp => "bad-udp",
            DropReason::BadUdpChecksum => "bad-udp-checksum",
            DropReason::NotDhcpPort => "not-dhcp-port",
            DropReason::BadOp => "bad-op",
            DropReason::BadHardware => "bad-hardware",
            DropReason::BadDhcp => "bad-dhcp",
            DropReason::NoMessageType => "no-message-type",
            DropReason::BadMessageType => "bad-message-type",
            DropReason::UnknownClient => "unknown-client",
            DropReason::UnknownSubnet => "unknown-subnet",
            DropReason::OtherServer => "other-server",
            DropReason::BufferTooSmall => "buffer-too-small",
        }
    }
}

/// What the responder did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A reply of `len` bytes is at the start of the output buffer; `msg_type` is OFFER, ACK
    /// or NAK.
    Reply {
        /// Frame length.
        len: usize,
        /// DHCP message type of the reply.
        msg_type: u8,
    },
    /// Accepted, nothing to send (RELEASE, DECLINE).
    NoReply,
    /// Dropped (counted).
    Drop(DropReason),
}

/// Plain counters (DESIGN principle 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C)]
pub struct Counters {
    /// Valid requests received, by message type (index = option 53 value, 1..=8).
    pub rx: [u64; 9],
    /// Replies sent, by message type (OFFER = 2, ACK = 5, NAK = 6).
    pub tx: [u64; 9],
    /// Frames dropped, by [`DropReason`] number.
    pub drops: [u64; DropReason::COUNT],
}

impl Counters {
    /// Drops for one reason.
    pub fn drops(&self, r: DropReason) -> u64 {
        self.drops[r as usize]
    }
}

/// The fields of a request the reply needs, copied out so the reply can be written over it.
#[derive(Debug)]
struct Req<'a> {
    eth_src: MacAddr,
    xid: u32,
    broadcast: bool,
    ciaddr: [u8; 4],
    giaddr: [u8; 4],
    chaddr: MacAddr,
    msg: u8,
    requested: Option<[u8; 4]>,
    server_id: Option<[u8; 4]>,
    client_id: Option<&'a [u8]>,
}

impl Req<'_> {
    /// The same request with the client identifier taken from elsewhere.
    fn with_client_id<'b>(&self, client_id: Option<&'b [u8]>) -> Req<'b> {
        Req {
            eth_src: self.eth_src,
            xid: self.xid,
            broadcast: self.broadcast,
            ciaddr: self.ciaddr,
            giaddr: self.giaddr,
            chaddr: self.chaddr,
            msg: self.msg,
            requested: self.requested,
            server_id: self.server_id,
            client_id,
        }
    }
}

fn parse_request(frame: &[u8], verify: bool) -> Result<Req<'_>, DropReason> {
    let eth = EthernetFrame::parse(frame).map_err(|_| DropReason::BadEthernet)?;
    if eth.ethertype() != 0x0800 {
        return Err(DropReason::NotIpv4);
    }
    let ip = Ipv4Packet::parse(eth.payload()).map_err(|_| DropReason::BadIpv4)?;
    if ip.protocol() != ip_proto::UDP {
        return Err(DropReason::NotUdp);
    }
    if ip.header().is_fragment() {
        return Err(DropReason::Fragment);
    }
    if verify && !ip.verify_checksum() {
        return Err(DropReason::BadIpChecksum);
    }
    let u = UdpPacket::parse(ip.payload()).map_err(|_| DropReason::BadUdp)?;
    if u.dst_port() != SERVER_PORT {
        return Err(DropReason::NotDhcpPort);
    }
    if verify && !u.verify_checksum_v4(ip.src(), ip.dst()) {
        return Err(DropReason::BadUdpChecksum);
    }
    let d = DhcpPacket::parse(u.payload()).map_err(|e| match e {
        WireError::BadField { field: "op", .. } => DropReason::BadOp,
        WireError::BadField {
            field: "htype" | "hlen",
            ..
        } => DropReason::BadHardware,
        _ => DropReason::BadDhcp,
    })?;
    if d.op() != dhcpv4::OP_REQUEST {
        return Err(DropReason::BadOp);
    }
    let mut msg = None;
    let mut requested = None;
    let mut server_id = None;
    let mut client_id = None;
    for o in d.options() {
        match o.code {
            opt::MESSAGE_TYPE if msg.is_none() => msg = Some(o.data),
            opt::REQUESTED_IP if requested.is_none() => requested = o.data.try_into().ok(),
            opt::SERVER_ID if server_id.is_none() => server_id = o.data.try_into().ok(),
            opt::CLIENT_ID if client_id.is_none() => client_id = Some(o.data),
            _ => {}
        }
    }
    let msg = match msg {
        None => return Err(DropReason::NoMessageType),
        Some([t]) => *t,
        Some(_) => return Err(DropReason::BadMessageType),
    };
    Ok(Req {
        eth_src: eth.src(),
        xid: d.xid(),
        broadcast: d.broadcast(),
        ciaddr: d.ciaddr(),
        giaddr: d.giaddr(),
        chaddr: d.chaddr(),
        msg,
        requested,
        server_id,
        client_id,
    })
}

/// The DHCPv4 responder over a binding table `B` and subnet slots `S`
/// (`&mut [Option<DhcpSubnet>]`, or `Vec<Option<DhcpSubnet>>` with `alloc`).
#[derive(Debug)]
pub struct Responder<B, S> {
    bindings: BindingTable<B>,
    subnets: S,
    policy: NakPolicy,
    verify_checksums: bool,
    counters: Counters,
}

impl<B, S> Responder<B, S>
where
    B: AsRef<[BindingSlot]> + AsMut<[BindingSlot]>,
    S: AsRef<[Option<DhcpSubnet>]> + AsMut<[Option<DhcpSubnet>]>,
{
    /// A responder over `bindings` and `subnets` (all slots are cleared), with `policy`.
    /// Checksums of requests are verified (see [`Self::set_verify_checksums`]).
    pub fn new(bindings: BindingTable<B>, mut subnets: S, policy: NakPolicy) -> Self {
        for s in subnets.as_mut() {
            *s = None;
        }
        Responder {
            bindings,
            subnets,
            policy,
            verify_checksums: true,
            counters: Counters::default(),
        }
    }

    /// Whether request IPv4/UDP checksums are verified (turn off when the NIC did it).
    pub fn set_verify_checksums(&mut self, on: bool) {
        self.verify_checksums = on;
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The REQUEST policy.
    pub fn policy(&self) -> NakPolicy {
        self.policy
    }

    /// Subnet `index`, if configured.
    pub fn subnet(&self, index: u16) -> Option<&DhcpSubnet> {
        self.subnets.as_ref().get(usize::from(index))?.as_ref()
    }

    /// The binding table.
    pub fn bindings(&self) -> &BindingTable<B> {
        &self.bindings
    }

    /// Validates `cfg` and installs it as subnet `index` (replacing any).
    pub fn set_subnet(&mut self, index: u16, cfg: &DhcpSubnetConfig<'_>) -> Result<(), DhcpError> {
        let s = DhcpSubnet::new(cfg)?;
        let slot = self
            .subnets
            .as_mut()
            .get_mut(usize::from(index))
            .ok_or(DhcpError::UnknownSubnet { index })?;
        *slot = Some(s);
        Ok(())
    }

    /// Removes subnet `index`; bindings pointing at it are then answered with no reply
    /// (`UnknownSubnet`).
    pub fn remove_subnet(&mut self, index: u16) -> Result<(), DhcpError> {
        let slot = self
            .subnets
            .as_mut()
            .get_mut(usize::from(index))
            .ok_or(DhcpError::UnknownSubnet { index })?;
        *slot = None;
        Ok(())
    }

    /// Binds `mac` on `segment` to `ip` in subnet `subnet` (which must be configured).
    /// Returns the previous binding.
    pub fn add_binding(
        &mut self,
        segment: u32,
        mac: MacAddr,
        ip: Ipv4Addr,
        subnet: u16,
    ) -> Result<Option<Binding>, DhcpError> {
        if !matches!(
            self.subnets.as_ref().get(usize::from(subnet)),
            Some(Some(_))
        ) {
            return Err(DhcpError::UnknownSubnet { index: subnet });
        }
        self.bindings.insert(segment, mac, Binding { ip, subnet })
    }

    /// Removes a binding.
    pub fn remove_binding(&mut self, segment: u32, mac: MacAddr) -> Option<Binding> {
        self.bindings.remove(segment, mac)
    }

    /// Answers the frame `frame` received on `segment`, writing a reply into `out`.
    pub fn handle(&mut self, segment: u32, frame: &[u8], out: &mut [u8]) -> Verdict {
        let v = match parse_request(frame, self.verify_checksums) {
            Ok(req) => self.respond(segment, &req, out),
            Err(r) => Verdict::Drop(r),
        };
        self.count(v)
    }

    /// Answers the frame in `buf[..len]`, writing the reply over it (the whole of `buf` may
    /// be used).
    pub fn handle_in_place(&mut self, segment: u32, buf: &mut [u8], len: usize) -> Verdict {
        let frame = buf.get(..len).unwrap_or_default();
        // The reply overwrites the request: copy the client identifier out first.
        let mut cid: ArrayVec<u8, 255> = ArrayVec::new();
        let v = match parse_request(frame, self.verify_checksums) {
            Ok(req) => {
                if let Some(c) = req.client_id {
                    // Option data is at most 255 bytes.
                    let _ = cid.try_extend_from_slice(c);
                }
                let req = req.with_client_id(req.client_id.map(|_| &cid[..]));
                self.respond(segment, &req, buf)
            }
            Err(r) => Verdict::Drop(r),
        };
        self.count(v)
    }

    fn count(&mut self, v: Verdict) -> Verdict {
        match v {
            Verdict::Reply { msg_type, .. } => {
                if let Some(c) = self.counters.tx.get_mut(usize::from(msg_type)) {
                    *c += 1;
                }
            }
            Verdict::Drop(r) => self.counters.drops[r as usize] += 1,
            Verdict::NoReply => {}
        }
        v
    }

    fn respond(&mut self, segment: u32, req: &Req<'_>, out: &mut [u8]) -> Verdict {
        match req.msg {
            msg_type::DISCOVER | msg_type::REQUEST | msg_type::INFORM => {}
            msg_type::RELEASE | msg_type::DECLINE => {
                self.counters.rx[usize::from(req.msg)] += 1;
                return Verdict::NoReply;
            }
            _ => return Verdict::Drop(DropReason::BadMessageType),
        }
        self.counters.rx[usize::from(req.msg)] += 1;
        let Some(b) = self.bindings.get(segment, req.chaddr) else {
            return Verdict::Drop(DropReason::UnknownClient);
        };
        let Some(Some(subnet)) = self.subnets.as_ref().get(usize::from(b.subnet)) else {
            return Verdict::Drop(DropReason::UnknownSubnet);
        };
        let bound = b.ip.octets();
        let (kind, yiaddr, ciaddr, lease) = match req.msg {
            msg_type::DISCOVER => (msg_type::OFFER, bound, [0; 4], true),
            msg_type::INFORM => (msg_type::ACK, [0; 4], req.ciaddr, false),
            _ => {
                let asked = match self.policy {
                    NakPolicy::Strict => {
                        if let Some(sid) = req.server_id {
                            if sid != subnet.server_ip.octets() {
                                return Verdict::Drop(DropReason::OtherServer);
                            }
                            req.requested
                        } else if req.requested.is_some() {
                            req.requested
                        } else if req.ciaddr != [0; 4] {
                            Some(req.ciaddr)
                        } else {
                            None
                        }
                    }
                    NakPolicy::Ovn => req
                        .requested
                        .or((req.ciaddr != [0; 4]).then_some(req.ciaddr)),
                };
                if asked == Some(bound) {
                    (msg_type::ACK, bound, req.ciaddr, true)
                } else {
                    (msg_type::NAK, [0; 4], [0; 4], false)
                }
            }
        };
        match write_reply(out, req, subnet, kind, yiaddr, ciaddr, lease) {
            Some(len) => Verdict::Reply {
                len,
                msg_type: kind,
            },
            None => Verdict::Drop(DropReason::BufferTooSmall),
        }
    }
}

#[cfg(feature = "alloc")]
impl Responder<alloc::vec::Vec<BindingSlot>, alloc::vec::Vec<Option<DhcpSubnet>>> {
    /// A responder owning its memory: `binding_slots` (a power of two) and `subnets` slots.
    pub fn with_capacity(
        binding_slots: usize,
        subnets: usize,
        seed: u64,
        policy: NakPolicy,
    ) -> Result<Self, DhcpError> {
        let t = BindingTable::new(alloc::vec![BindingSlot::default(); binding_slots], seed)?;
        Ok(Self::new(t, alloc::vec![None; subnets], policy))
    }
}

/// Writes the reply frame at the start of `out`; `None` if it does not fit.
fn write_reply(
    out: &mut [u8],
    req: &Req<'_>,
    s: &DhcpSubnet,
    kind: u8,
    yiaddr: [u8; 4],
    ciaddr: [u8; 4],
    lease: bool,
) -> Option<usize> {
    let nak = kind == msg_type::NAK;
    let block = s.block.as_slice();
    let (head, lease_opts, tail) = if nak {
        (block.get(..s.lease_start)?, &[][..], &[][..])
    } else {
        (
            block.get(..s.lease_start)?,
            if lease {
                block.get(s.lease_start..s.lease_end)?
            } else {
                &[][..]
            },
            block.get(s.lease_end..)?,
        )
    };
    let cid_len = req.client_id.as_ref().map_or(0, |c| 2 + c.len());
    let nak_len = if nak { 2 + NAK_MESSAGE.len() } else { 0 };
    let opts_len = 3 + head.len() + lease_opts.len() + tail.len() + nak_len + cid_len + 1;
    let dhcp_len = (dhcpv4::OPTIONS_OFFSET + opts_len).max(dhcpv4::BOOTP_MIN_LEN);
    let total = L2L3L4 + dhcp_len;
    let frame = out.get_mut(..total)?;

    let relayed = req.giaddr != [0; 4];
    let bcast_ip = [255u8; 4];
    let (ip_dst, eth_dst, dport) = if relayed {
        (req.giaddr, req.eth_src, SERVER_PORT)
    } else if nak {
        (bcast_ip, MacAddr::BROADCAST, CLIENT_PORT)
    } else if req.ciaddr != [0; 4] {
        (req.ciaddr, req.chaddr, CLIENT_PORT)
    } else if req.broadcast {
        (bcast_ip, MacAddr::BROADCAST, CLIENT_PORT)
    } else {
        (yiaddr, req.chaddr, CLIENT_PORT)
    };

    let (l2l4, dhcp) = frame.split_at_mut(L2L3L4);
    let repr = DhcpRepr {
        op: dhcpv4::OP_REPLY,
        hops: 0,
        xid: req.xid,
        secs: 0,
        broadcast: req.broadcast || (nak && relayed),
        ciaddr,
        yiaddr,
        siaddr: [0; 4],
        giaddr: req.giaddr,
        chaddr: req.chaddr,
    };
    repr.emit(dhcp).ok()?;
    // The UDP checksum is summed while writing: the fixed header's first 44 bytes (sname and
    // file are zero), the cookie, and each option piece, whose sum is precomputed for the
    // subnet's block and byte-swapped when the piece starts at an odd offset (RFC 1071 §2(B)).
    // Summed from the values, not read back from `dhcp`: loads straddling the stores just
    // made would stall on store forwarding.
    let mut sum = Checksum::new();
    let be32 = u32::from_be_bytes;
    let c = repr.chaddr.0;
    sum.add_u16(u16::from_be_bytes([repr.op, dhcpv4::HTYPE_ETHERNET]))
        .add_u16(u16::from_be_bytes([dhcpv4::HLEN_ETHERNET, repr.hops]))
        .add_u32(repr.xid)
        .add_u16(repr.secs)
        .add_u16(if repr.broadcast {
            dhcpv4::FLAG_BROADCAST
        } else {
            0
        })
        .add_u32(be32(repr.ciaddr))
        .add_u32(be32(repr.yiaddr))
        .add_u32(be32(repr.siaddr))
        .add_u32(be32(repr.giaddr))
        .add_u16(u16::from_be_bytes([c[0], c[1]]))
        .add_u16(u16::from_be_bytes([c[2], c[3]]))
        .add_u16(u16::from_be_bytes([c[4], c[5]]))
        .add_u32(be32(dhcpv4::MAGIC_COOKIE));
    let mut p = dhcpv4::OPTIONS_OFFSET;
    let mut put = |bytes: &[u8], pre: Option<u16>| -> Option<()> {
        dhcp.get_mut(p..p + bytes.len())?.copy_from_slice(bytes);
        let s = pre.unwrap_or_else(|| Checksum::new().add_bytes(bytes).sum());
        sum.add_u16(if p % 2 == 1 { s.swap_bytes() } else { s });
        p += bytes.len();
        Some(())
    };
    put(&[opt::MESSAGE_TYPE, 1, kind], None)?;
    put(head, Some(s.sums[0]))?;
    if !lease_opts.is_empty() {
        put(lease_opts, Some(s.sums[1]))?;
    }
    if !tail.is_empty() {
        put(tail, Some(s.sums[2]))?;
    }
    if nak {
        put(&[opt::MESSAGE, NAK_MESSAGE.len() as u8], None)?;
        put(NAK_MESSAGE, None)?;
    }
    if let Some(c) = &req.client_id {
        put(&[opt::CLIENT_ID, c.len() as u8], None)?;
        put(c, None)?;
    }
    put(&[opt::END], None)?;
    dhcp.get_mut(p..)?.fill(opt::PAD);

    let src_ip = s.server_ip.octets();
    EthernetRepr {
        dst: eth_dst,
        src: s.server_mac,
        ethertype: 0x0800,
    }
    .emit(l2l4)
    .ok()?;
    let udp_len = (udp::HEADER_LEN + dhcp_len) as u16;
    Ipv4Repr {
        src: src_ip,
        dst: ip_dst,
        protocol: ip_proto::UDP,
        payload_len: udp_len,
        ttl: 64,
        tos: 0,
        ident: 0,
        dont_frag: false,
    }
    .emit(l2l4.get_mut(ethernet::HEADER_LEN..)?)
    .ok()?;
    let udp_off = ethernet::HEADER_LEN + ipv4::HEADER_LEN;
    let uh = l2l4.get_mut(udp_off..)?;
    UdpRepr {
        src_port: SERVER_PORT,
        dst_port: dport,
        payload_len: dhcp_len as u16,
    }
    .emit(uh)
    .ok()?;
    let mut c = checksum::pseudo_header_v4(src_ip, ip_dst, ip_proto::UDP, udp_len);
    c.add_u16(SERVER_PORT)
        .add_u16(dport)
        .add_u16(udp_len)
        .add_u16(sum.sum());
    let ck = match c.finish() {
        0 => 0xffff,
        v => v,
    };
    uh.get_mut(6..8)?.copy_from_slice(&ck.to_be_bytes());
    Some(total)
}
