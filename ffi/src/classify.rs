//! The C face of [`neutrino::wire::classify_into`]: options, result structs, and the single
//! and burst calls. Packets are given the way an `rte_mbuf` holds them: a buffer, its length,
//! and `data_off`/`data_len`; offsets in the results are relative to `data_off`.
//!
//! This file only translates between core and C types; the classifier lives in the core.

use neutrino::wire::vlan::MAX_TAGS;
use neutrino::wire::{
    classify_into, ClassifyOpts, FrameFlags, FrameInfo, L3Kind, Layer, PacketInfo, TunnelKind,
};

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// Option flag: go through one VXLAN/GENEVE/GRE level into the inner frame.
pub const NEUTRINO_CLASSIFY_TUNNELS: u32 = 1 << 0;
/// Option flag: verify the IPv4 header and TCP/UDP/ICMP checksums; a bad one is
/// `NEUTRINO_BAD_CHECKSUM`.
pub const NEUTRINO_CLASSIFY_VERIFY_CSUM: u32 = 1 << 1;
const CLASSIFY_KNOWN_FLAGS: u32 = NEUTRINO_CLASSIFY_TUNNELS | NEUTRINO_CLASSIFY_VERIFY_CSUM;

/// Frame flag: an Ethernet header is present (absent for the inner packet of L3 tunnels).
pub const NEUTRINO_FRAME_L2: u32 = 1 << 0;
/// Frame flag: an IPv4 header was parsed.
pub const NEUTRINO_FRAME_IPV4: u32 = 1 << 1;
/// Frame flag: an IPv6 header was parsed.
pub const NEUTRINO_FRAME_IPV6: u32 = 1 << 2;
/// Frame flag: an ARP packet was parsed.
pub const NEUTRINO_FRAME_ARP: u32 = 1 << 3;
/// Frame flag: the IP packet is a fragment (IPv4 MF/offset, or an IPv6 Fragment header).
pub const NEUTRINO_FRAME_FRAGMENT: u32 = 1 << 4;
/// Frame flag: the fragment is not the first one, so there is no L4 header.
pub const NEUTRINO_FRAME_LATER_FRAGMENT: u32 = 1 << 5;
/// Frame flag: an L4 header (TCP, UDP, ICMP, ICMPv6) was parsed; `l4_off` is valid.
pub const NEUTRINO_FRAME_L4: u32 = 1 << 6;
/// Frame flag: `src_port`/`dst_port` are valid (TCP or UDP).
pub const NEUTRINO_FRAME_PORTS: u32 = 1 << 7;
/// Frame flag: `icmp_type`/`icmp_code` are valid.
pub const NEUTRINO_FRAME_ICMP: u32 = 1 << 8;
/// Frame flag: IPv4 options or IPv6 extension headers were present.
pub const NEUTRINO_FRAME_IP_OPTIONS: u32 = 1 << 9;
/// Frame flag: the IPv4 header checksum was verified good.
pub const NEUTRINO_FRAME_IP_CSUM_GOOD: u32 = 1 << 10;
/// Frame flag: the L4 checksum was verified good.
pub const NEUTRINO_FRAME_L4_CSUM_GOOD: u32 = 1 << 11;
/// Frame flag: the UDP checksum field was zero (IPv4: no checksum, RFC 768).
pub const NEUTRINO_FRAME_L4_CSUM_NONE: u32 = 1 << 12;

/// `neutrino_frame_info.l3`: no network layer recognised.
pub const NEUTRINO_L3_NONE: u8 = 0;
/// `neutrino_frame_info.l3`: IPv4.
pub const NEUTRINO_L3_IPV4: u8 = 4;
/// `neutrino_frame_info.l3`: IPv6.
pub const NEUTRINO_L3_IPV6: u8 = 6;
/// `neutrino_frame_info.l3`: ARP.
pub const NEUTRINO_L3_ARP: u8 = 8;

/// `neutrino_packet_info.tunnel`: no tunnel.
pub const NEUTRINO_TUNNEL_NONE: u8 = 0;
/// `neutrino_packet_info.tunnel`: VXLAN (RFC 7348); `tunnel_id` is the VNI.
pub const NEUTRINO_TUNNEL_VXLAN: u8 = 1;
/// `neutrino_packet_info.tunnel`: GENEVE (RFC 8926); `tunnel_id` is the VNI.
pub const NEUTRINO_TUNNEL_GENEVE: u8 = 2;
/// `neutrino_packet_info.tunnel`: GRE (RFC 2784/2890); `tunnel_id` is the key (0 if absent).
pub const NEUTRINO_TUNNEL_GRE: u8 = 3;

/// `neutrino_packet_info.error_layer`: no error, or an argument error.
pub const NEUTRINO_LAYER_NONE: u8 = 0;
/// Error layer: Ethernet II header.
pub const NEUTRINO_LAYER_ETHERNET: u8 = 1;
/// Error layer: 802.1Q / 802.1ad tag.
pub const NEUTRINO_LAYER_VLAN: u8 = 2;
/// Error layer: ARP.
pub const NEUTRINO_LAYER_ARP: u8 = 3;
/// Error layer: IPv4 header and options.
pub const NEUTRINO_LAYER_IPV4: u8 = 4;
/// Error layer: IPv6 fixed header.
pub const NEUTRINO_LAYER_IPV6: u8 = 5;
/// Error layer: an IPv6 extension header.
pub const NEUTRINO_LAYER_IPV6_EXT: u8 = 6;
/// Error layer: ICMPv4.
pub const NEUTRINO_LAYER_ICMPV4: u8 = 7;
/// Error layer: ICMPv6.
pub const NEUTRINO_LAYER_ICMPV6: u8 = 8;
/// Error layer: a Neighbor Discovery option.
pub const NEUTRINO_LAYER_NDP_OPTION: u8 = 9;
/// Error layer: TCP.
pub const NEUTRINO_LAYER_TCP: u8 = 10;
/// Error layer: UDP.
pub const NEUTRINO_LAYER_UDP: u8 = 11;
/// Error layer: VXLAN.
pub const NEUTRINO_LAYER_VXLAN: u8 = 12;
/// Error layer: GENEVE.
pub const NEUTRINO_LAYER_GENEVE: u8 = 13;
/// Error layer: GRE.
pub const NEUTRINO_LAYER_GRE: u8 = 14;
/// Error layer: DHCPv4.
pub const NEUTRINO_LAYER_DHCPV4: u8 = 15;

/// Number of VLAN tags a frame info holds (outer first).
pub const NEUTRINO_VLAN_MAX_TAGS: usize = 2;

// The C numbers are the core's; a change here is an ABI break and must fail the build.
const _: () = {
    assert!(NEUTRINO_VLAN_MAX_TAGS == MAX_TAGS);
    assert!(NEUTRINO_FRAME_L2 == FrameFlags::L2.bits());
    assert!(NEUTRINO_FRAME_IPV4 == FrameFlags::IPV4.bits());
    assert!(NEUTRINO_FRAME_IPV6 == FrameFlags::IPV6.bits());
    assert!(NEUTRINO_FRAME_ARP == FrameFlags::ARP.bits());
    assert!(NEUTRINO_FRAME_FRAGMENT == FrameFlags::FRAGMENT.bits());
    assert!(NEUTRINO_FRAME_LATER_FRAGMENT == FrameFlags::LATER_FRAGMENT.bits());
    assert!(NEUTRINO_FRAME_L4 == FrameFlags::L4.bits());
    assert!(NEUTRINO_FRAME_PORTS == FrameFlags::PORTS.bits());
    assert!(NEUTRINO_FRAME_ICMP == FrameFlags::ICMP.bits());
    assert!(NEUTRINO_FRAME_IP_OPTIONS == FrameFlags::IP_OPTIONS.bits());
    assert!(NEUTRINO_FRAME_IP_CSUM_GOOD == FrameFlags::IP_CSUM_GOOD.bits());
    assert!(NEUTRINO_FRAME_L4_CSUM_GOOD == FrameFlags::L4_CSUM_GOOD.bits());
    assert!(NEUTRINO_FRAME_L4_CSUM_NONE == FrameFlags::L4_CSUM_NONE.bits());
    assert!(NEUTRINO_L3_NONE == L3Kind::None as u8);
    assert!(NEUTRINO_L3_IPV4 == L3Kind::Ipv4 as u8);
    assert!(NEUTRINO_L3_IPV6 == L3Kind::Ipv6 as u8);
    assert!(NEUTRINO_L3_ARP == L3Kind::Arp as u8);
    assert!(NEUTRINO_TUNNEL_NONE == TunnelKind::None as u8);
    assert!(NEUTRINO_TUNNEL_VXLAN == TunnelKind::Vxlan as u8);
    assert!(NEUTRINO_TUNNEL_GENEVE == TunnelKind::Geneve as u8);
    assert!(NEUTRINO_TUNNEL_GRE == TunnelKind::Gre as u8);
    assert!(NEUTRINO_LAYER_ETHERNET == Layer::Ethernet as u8);
    assert!(NEUTRINO_LAYER_VLAN == Layer::Vlan as u8);
    assert!(NEUTRINO_LAYER_ARP == Layer::Arp as u8);
    assert!(NEUTRINO_LAYER_IPV4 == Layer::Ipv4 as u8);
    assert!(NEUTRINO_LAYER_IPV6 == Layer::Ipv6 as u8);
    assert!(NEUTRINO_LAYER_IPV6_EXT == Layer::Ipv6Ext as u8);
    assert!(NEUTRINO_LAYER_ICMPV4 == Layer::Icmpv4 as u8);
    assert!(NEUTRINO_LAYER_ICMPV6 == Layer::Icmpv6 as u8);
    assert!(NEUTRINO_LAYER_NDP_OPTION == Layer::NdpOption as u8);
    assert!(NEUTRINO_LAYER_TCP == Layer::Tcp as u8);
    assert!(NEUTRINO_LAYER_UDP == Layer::Udp as u8);
    assert!(NEUTRINO_LAYER_VXLAN == Layer::Vxlan as u8);
    assert!(NEUTRINO_LAYER_GENEVE == Layer::Geneve as u8);
    assert!(NEUTRINO_LAYER_GRE == Layer::Gre as u8);
    assert!(NEUTRINO_LAYER_DHCPV4 == Layer::Dhcpv4 as u8);
    // The C layouts below (checked again by the C tests with sizeof).
    assert!(size_of::<neutrino_frame_info>() == 92);
    assert!(size_of::<neutrino_packet_info>() == 196);
};

/// What `neutrino_classify` does beyond the mandatory L2→L4 walk.
/// Get the defaults from `neutrino_classify_opts_default`, or pass NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct neutrino_classify_opts {
    /// `NEUTRINO_CLASSIFY_*` bits; any other bit is `NEUTRINO_INVALID_ARGUMENT`.
    pub flags: u32,
    /// UDP destination port recognised as VXLAN; 0 means the IANA port 4789.
    pub vxlan_port: u16,
    /// UDP destination port recognised as GENEVE; 0 means the IANA port 6081.
    pub geneve_port: u16,
}

impl neutrino_classify_opts {
    /// The C view of core options.
    pub fn from_core(o: &ClassifyOpts) -> Self {
        let mut flags = 0;
        if o.tunnels {
            flags |= NEUTRINO_CLASSIFY_TUNNELS;
        }
        if o.verify_checksums {
            flags |= NEUTRINO_CLASSIFY_VERIFY_CSUM;
        }
        neutrino_classify_opts {
            flags,
            vxlan_port: o.vxlan_port,
            geneve_port: o.geneve_port,
        }
    }

    /// The core options, or `NEUTRINO_INVALID_ARGUMENT` for unknown flag bits.
    pub fn to_core(&self) -> Result<ClassifyOpts, neutrino_status> {
        if self.flags & !CLASSIFY_KNOWN_FLAGS != 0 {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        let port = |p: u16, default: u16| if p == 0 { default } else { p };
        Ok(ClassifyOpts {
            tunnels: self.flags & NEUTRINO_CLASSIFY_TUNNELS != 0,
            verify_checksums: self.flags & NEUTRINO_CLASSIFY_VERIFY_CSUM != 0,
            vxlan_port: port(self.vxlan_port, ClassifyOpts::DEFAULT.vxlan_port),
            geneve_port: port(self.geneve_port, ClassifyOpts::DEFAULT.geneve_port),
        })
    }
}

/// One frame (the outer one, or the inner one of a tunnel), as the classifier found it.
/// Offsets are from the first packet byte (`data_off` in the buffer).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_frame_info {
    /// `NEUTRINO_FRAME_*` bits: what was found and checked.
    pub flags: u32,
    /// Start of the Ethernet header (for the inner frame of L3 tunnels: equals `l3_off`).
    pub l2_off: u16,
    /// Start of the network header (after VLAN tags).
    pub l3_off: u16,
    /// Start of the transport header (after IPv4 options / IPv6 extension headers).
    pub l4_off: u16,
    /// Start of the transport payload (or of the first byte not parsed).
    pub payload_off: u16,
    /// End of the L3 packet (IPv4 total length / IPv6 payload length); Ethernet padding is
    /// after it.
    pub l3_end: u16,
    /// EtherType after the VLAN tags.
    pub ethertype: u16,
    /// Destination MAC.
    pub eth_dst: [u8; 6],
    /// Source MAC.
    pub eth_src: [u8; 6],
    /// VLAN TCIs (PCP, DEI, VID), outer first; the first `vlan_depth` are meaningful.
    pub vlan_tci: [u16; NEUTRINO_VLAN_MAX_TAGS],
    /// VLAN TPIDs (0x8100, 0x88a8, ...), outer first.
    pub vlan_tpid: [u16; NEUTRINO_VLAN_MAX_TAGS],
    /// Number of VLAN tags (0 to `NEUTRINO_VLAN_MAX_TAGS`).
    pub vlan_depth: u8,
    /// `NEUTRINO_L3_*`: the network layer.
    pub l3: u8,
    /// IP protocol / IPv6 upper-layer next header (after extension headers).
    pub ip_proto: u8,
    /// TCP flags (FIN 0x01 ... CWR 0x80).
    pub tcp_flags: u8,
    /// Source address, network order; IPv4 in the first 4 bytes, the rest zero.
    pub src_ip: [u8; 16],
    /// Destination address, network order; IPv4 in the first 4 bytes, the rest zero.
    pub dst_ip: [u8; 16],
    /// TCP/UDP source port (host order).
    pub src_port: u16,
    /// TCP/UDP destination port (host order).
    pub dst_port: u16,
    /// ICMP/ICMPv6 type.
    pub icmp_type: u8,
    /// ICMP/ICMPv6 code.
    pub icmp_code: u8,
    /// IPv4 TTL / IPv6 hop limit.
    pub ttl: u8,
    /// DSCP and ECN (IPv4 TOS / IPv6 traffic class).
    pub tos: u8,
    /// IPv6 flow label (20 bits).
    pub flow_label: u32,
    /// Fragment identification (IPv4 16-bit, IPv6 32-bit).
    pub frag_ident: u32,
    /// Fragment offset in bytes.
    pub frag_offset: u16,
    /// Always zero (explicit padding).
    pub reserved: u16,
}

impl From<&FrameInfo> for neutrino_frame_info {
    fn from(f: &FrameInfo) -> Self {
        neutrino_frame_info {
            flags: f.flags.bits(),
            l2_off: f.l2_off,
            l3_off: f.l3_off,
            l4_off: f.l4_off,
            payload_off: f.payload_off,
            l3_end: f.l3_end,
            ethertype: f.ethertype,
            eth_dst: f.eth_dst.0,
            eth_src: f.eth_src.0,
            vlan_tci: f.vlan.tci,
            vlan_tpid: f.vlan.tpid,
            vlan_depth: f.vlan.depth,
            l3: f.l3 as u8,
            ip_proto: f.ip_proto,
            tcp_flags: f.tcp_flags,
            src_ip: f.src_ip,
            dst_ip: f.dst_ip,
            src_port: f.src_port,
            dst_port: f.dst_port,
            icmp_type: f.icmp_type,
            icmp_code: f.icmp_code,
            ttl: f.ttl,
            tos: f.tos,
            flow_label: f.flow_label,
            frag_ident: f.frag_ident,
            frag_offset: f.frag_offset,
            reserved: 0,
        }
    }
}

/// Everything the classifier learned about one packet.
///
/// When classification failed part way, the fields hold what was found up to the failure,
/// `error_status` the cause and `error_layer` the `NEUTRINO_LAYER_*` it was found in. When the
/// arguments for this packet were bad (NULL buffer, range outside the buffer, bad options),
/// everything is zero except `error_status`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_packet_info {
    /// The outer (or only) frame.
    pub outer: neutrino_frame_info,
    /// `NEUTRINO_TUNNEL_*`: the tunnel decoded, if any.
    pub tunnel: u8,
    /// `NEUTRINO_LAYER_*` of the error, `NEUTRINO_LAYER_NONE` on success.
    pub error_layer: u8,
    /// Start of the tunnel header (VXLAN/GENEVE header after UDP, or the GRE header).
    pub tunnel_off: u16,
    /// VNI (VXLAN, GENEVE) or GRE key.
    pub tunnel_id: u32,
    /// The `neutrino_status` of this packet, the value the call returned for it.
    pub error_status: u32,
    /// The inner frame; meaningful only when `tunnel` is not `NEUTRINO_TUNNEL_NONE`.
    pub inner: neutrino_frame_info,
}

impl neutrino_packet_info {
    /// The C view of a core result, with the status (and layer) of the call.
    fn new(p: &PacketInfo, status: neutrino_status, layer: Option<Layer>) -> Self {
        neutrino_packet_info {
            outer: (&p.outer).into(),
            tunnel: p.tunnel as u8,
            error_layer: layer.map_or(NEUTRINO_LAYER_NONE, |l| l as u8),
            tunnel_off: p.tunnel_off,
            tunnel_id: p.tunnel_id,
            error_status: status as u32,
            inner: (&p.inner).into(),
        }
    }
}

/// One packet of a burst, laid out like the fields of an `rte_mbuf`: the packet is
/// `buf[data_off .. data_off + data_len]`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct neutrino_pkt {
    /// Start of the buffer (mbuf `buf_addr`); may be NULL only when `buf_len` is 0.
    pub buf: *const u8,
    /// Size of the buffer (mbuf `buf_len`).
    pub buf_len: usize,
    /// Offset of the first packet byte (mbuf `data_off`).
    pub data_off: u16,
    /// Packet length (mbuf `data_len`).
    pub data_len: u16,
}

/// The options `opts` points to, or the defaults for NULL, checked.
///
/// # Safety
/// `opts` must be NULL or point to one initialised `neutrino_classify_opts`.
unsafe fn read_opts(opts: *const neutrino_classify_opts) -> Result<ClassifyOpts, neutrino_status> {
    let default = neutrino_classify_opts::from_core(&ClassifyOpts::DEFAULT);
    // SAFETY: forwarded contract; the struct is all integers, valid for any bit pattern.
    unsafe { args::read_or(opts, default) }?.to_core()
}

/// Classifies one packet (or carries the refusal of its arguments) into a C result whose
/// `error_status` is the returned status.
fn classify_one(
    pkt: Result<&[u8], neutrino_status>,
    opts: Result<ClassifyOpts, neutrino_status>,
) -> (neutrino_packet_info, neutrino_status) {
    let mut info = PacketInfo::default();
    let (status, layer) = match pkt.and_then(|bytes| Ok((bytes, opts?))) {
        Err(status) => (status, None),
        Ok((bytes, opts)) => match classify_into(bytes, &opts, &mut info) {
            Ok(()) => (NEUTRINO_OK, None),
            Err(e) => (e.into(), Some(e.layer())),
        },
    };
    (neutrino_packet_info::new(&info, status, layer), status)
}

/// Writes the default options (tunnels on the IANA ports, checksums not verified) to `*out`.
///
/// # Safety
/// `out` must be NULL or point to writable memory for one `neutrino_classify_opts`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_classify_opts_default(
    out: *mut neutrino_classify_opts,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: `out` is non-NULL and aligned (checked); writable per the contract.
        unsafe { out.write(neutrino_classify_opts::from_core(&ClassifyOpts::DEFAULT)) };
        Ok(())
    }
}

/// Classifies the packet `buf[data_off .. data_off + data_len]`: walks L2 to L4 once (through
/// one tunnel level if asked) and writes offsets, tags, addresses, ports and flags to `*out`.
///
/// `opts` may be NULL for the defaults. Returns `NEUTRINO_OK`, the cause of a malformed packet
/// (`NEUTRINO_TRUNCATED`, `NEUTRINO_BAD_HEADER_LEN`, ...; `*out` then holds what was found
/// before the failure), `NEUTRINO_NULL_POINTER` (`out` NULL, or `buf` NULL with `buf_len` > 0),
/// `NEUTRINO_BAD_OFFSETS` (range outside `buf_len`) or `NEUTRINO_INVALID_ARGUMENT` (unknown
/// option flags, misaligned pointer). Whenever `out` is valid it is written, and
/// `out->error_status` equals the returned status.
///
/// # Safety
/// `buf` must be NULL or point to `buf_len` readable bytes; `opts` NULL or pointing to one
/// `neutrino_classify_opts`; `out` NULL or pointing to writable memory for one
/// `neutrino_packet_info` that does not overlap `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_classify(
    buf: *const u8,
    buf_len: usize,
    data_off: u16,
    data_len: u16,
    opts: *const neutrino_classify_opts,
    out: *mut neutrino_packet_info,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: `opts` is NULL or one initialised struct; `buf` is NULL or `buf_len`
        // readable bytes not written during the call (contract).
        let (result, status) = unsafe {
            classify_one(args::packet(buf, buf_len, data_off, data_len), read_opts(opts))
        };
        // SAFETY: `out` is non-NULL and aligned (checked), writable per the contract; the
        // packet slice is no longer live.
        unsafe { out.write(result) };
        status.result()
    }
}

/// Classifies `n` packets: `out[i]` and `statuses[i]` receive the result and status of
/// `pkts[i]`, exactly as `neutrino_classify` would give them.
///
/// Returns `NEUTRINO_OK` when the arguments were valid (whatever the packets' statuses);
/// otherwise nothing is written: `NEUTRINO_NULL_POINTER` when an array is NULL while `n > 0`,
/// `NEUTRINO_INVALID_ARGUMENT` for unknown option flags, a misaligned array or an `n` whose
/// byte size overflows. `opts` may be NULL for the defaults.
///
/// # Safety
/// `pkts` must point to `n` readable `neutrino_pkt` (each `buf` NULL or `buf_len` readable
/// bytes), `out` to `n` writable `neutrino_packet_info`, `statuses` to `n` writable `uint32_t`,
/// none of the written arrays overlapping any input; each may be NULL when `n` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_classify_burst(
    pkts: *const neutrino_pkt,
    n: usize,
    opts: *const neutrino_classify_opts,
    out: *mut neutrino_packet_info,
    statuses: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        args::check_array(pkts, n)?;
        args::check_array(out, n)?;
        args::check_array(statuses, n)?;
        // SAFETY: `opts` is NULL or one initialised struct (contract).
        let opts = unsafe { read_opts(opts) }?;
        for i in 0..n {
            // SAFETY: `i < n` and the three arrays were checked for `n` elements (non-NULL
            // since n > 0, aligned, size within isize); readable/writable per the contract.
            // Each element is copied in and written out with no reference held across.
            unsafe {
                let p = pkts.add(i).read();
                let pkt = args::packet(p.buf, p.buf_len, p.data_off, p.data_len);
                let (result, status) = classify_one(pkt, Ok(opts));
                out.add(i).write(result);
                statuses.add(i).write(status as u32);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use neutrino::wire::vlan::VlanStack;
    use neutrino::wire::MacAddr;

    #[test]
    fn opts_round_trip_and_defaults() {
        let d = neutrino_classify_opts::from_core(&ClassifyOpts::DEFAULT);
        assert_eq!(
            d,
            neutrino_classify_opts {
                flags: NEUTRINO_CLASSIFY_TUNNELS,
                vxlan_port: 4789,
                geneve_port: 6081,
            }
        );
        assert_eq!(d.to_core(), Ok(ClassifyOpts::DEFAULT));
        let c = neutrino_classify_opts {
            flags: NEUTRINO_CLASSIFY_VERIFY_CSUM,
            vxlan_port: 0,
            geneve_port: 7000,
        }
        .to_core()
        .unwrap();
        assert!(!c.tunnels && c.verify_checksums);
        assert_eq!((c.vxlan_port, c.geneve_port), (4789, 7000));
        for bad in [1 << 2, 1 << 31, u32::MAX] {
            let o = neutrino_classify_opts { flags: bad, ..d };
            assert_eq!(o.to_core(), Err(NEUTRINO_INVALID_ARGUMENT));
        }
        // SAFETY: NULL means defaults; `&d` is a live struct.
        unsafe {
            assert_eq!(read_opts(core::ptr::null()), Ok(ClassifyOpts::DEFAULT));
            assert_eq!(read_opts(&d), Ok(ClassifyOpts::DEFAULT));
        }
        let mut out = neutrino_classify_opts::default_for_test();
        // SAFETY: `out` is a live local.
        let s = unsafe { neutrino_classify_opts_default(&mut out) };
        assert_eq!(s, NEUTRINO_OK);
        assert_eq!(out, d);
    }

    impl neutrino_classify_opts {
        fn default_for_test() -> Self {
            neutrino_classify_opts {
                flags: 0xdead,
                vxlan_port: 1,
                geneve_port: 2,
            }
        }
    }

    /// Every field lands in its own C field (distinct values catch swaps).
    #[test]
    fn frame_info_conversion_copies_each_field() {
        let f = FrameInfo {
            flags: FrameFlags::L2 | FrameFlags::IPV6 | FrameFlags::L4_CSUM_NONE,
            l2_off: 1,
            l3_off: 2,
            l4_off: 3,
            payload_off: 4,
            l3_end: 5,
            eth_dst: MacAddr([1, 2, 3, 4, 5, 6]),
            eth_src: MacAddr([7, 8, 9, 10, 11, 12]),
            vlan: VlanStack {
                tci: [0x1234, 0x5678],
                tpid: [0x88a8, 0x8100],
                depth: 2,
            },
            ethertype: 0x86dd,
            l3: L3Kind::Ipv6,
            ip_proto: 58,
            src_ip: [0x11; 16],
            dst_ip: [0x22; 16],
            src_port: 6,
            dst_port: 7,
            tcp_flags: 8,
            icmp_type: 9,
            icmp_code: 10,
            ttl: 11,
            tos: 12,
            flow_label: 0xabcde,
            frag_offset: 13,
            frag_ident: 0x0102_0304,
        };
        let c = neutrino_frame_info::from(&f);
        let want = neutrino_frame_info {
            flags: NEUTRINO_FRAME_L2 | NEUTRINO_FRAME_IPV6 | NEUTRINO_FRAME_L4_CSUM_NONE,
            l2_off: 1,
            l3_off: 2,
            l4_off: 3,
            payload_off: 4,
            l3_end: 5,
            ethertype: 0x86dd,
            eth_dst: [1, 2, 3, 4, 5, 6],
            eth_src: [7, 8, 9, 10, 11, 12],
            vlan_tci: [0x1234, 0x5678],
            vlan_tpid: [0x88a8, 0x8100],
            vlan_depth: 2,
            l3: NEUTRINO_L3_IPV6,
            ip_proto: 58,
            tcp_flags: 8,
            src_ip: [0x11; 16],
            dst_ip: [0x22; 16],
            src_port: 6,
            dst_port: 7,
            icmp_type: 9,
            icmp_code: 10,
            ttl: 11,
            tos: 12,
            flow_label: 0xabcde,
            frag_ident: 0x0102_0304,
            frag_offset: 13,
            reserved: 0,
        };
        assert_eq!(c, want);

        let p = PacketInfo {
            outer: f,
            tunnel: TunnelKind::Geneve,
            tunnel_id: 0x00ab_cdef,
            tunnel_off: 42,
            inner: FrameInfo::default(),
        };
        let cp = neutrino_packet_info::new(&p, NEUTRINO_BAD_OPTION, Some(Layer::Geneve));
        assert_eq!(cp.outer, want);
        assert_eq!(cp.inner, neutrino_frame_info::default());
        assert_eq!(cp.tunnel, NEUTRINO_TUNNEL_GENEVE);
        assert_eq!(cp.tunnel_id, 0x00ab_cdef);
        assert_eq!(cp.tunnel_off, 42);
        assert_eq!(cp.error_status, NEUTRINO_BAD_OPTION as u32);
        assert_eq!(cp.error_layer, NEUTRINO_LAYER_GENEVE);
    }

    #[test]
    fn every_core_frame_flag_has_a_c_constant() {
        let c = NEUTRINO_FRAME_L2
            | NEUTRINO_FRAME_IPV4
            | NEUTRINO_FRAME_IPV6
            | NEUTRINO_FRAME_ARP
            | NEUTRINO_FRAME_FRAGMENT
            | NEUTRINO_FRAME_LATER_FRAGMENT
            | NEUTRINO_FRAME_L4
            | NEUTRINO_FRAME_PORTS
            | NEUTRINO_FRAME_ICMP
            | NEUTRINO_FRAME_IP_OPTIONS
            | NEUTRINO_FRAME_IP_CSUM_GOOD
            | NEUTRINO_FRAME_L4_CSUM_GOOD
            | NEUTRINO_FRAME_L4_CSUM_NONE;
        assert_eq!(FrameFlags::all().bits(), c);
    }

    #[test]
    fn misaligned_outputs_are_refused_without_writing() {
        let frame = [0u8; 64];
        // Room for one info at an odd address inside an aligned buffer.
        let mut words = [0u32; 64];
        let odd = words
            .as_mut_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<neutrino_packet_info>();
        // SAFETY: the misaligned `out` is refused before any write; `frame` is live.
        let s = unsafe { neutrino_classify(frame.as_ptr(), 64, 0, 64, core::ptr::null(), odd) };
        assert_eq!(s, NEUTRINO_INVALID_ARGUMENT);
        let pkt = neutrino_pkt {
            buf: frame.as_ptr(),
            buf_len: 64,
            data_off: 0,
            data_len: 64,
        };
        let mut st = [0xa5a5_a5a5u32; 1];
        // SAFETY: as above; `pkt` and `st` are live.
        let s =
            unsafe { neutrino_classify_burst(&pkt, 1, core::ptr::null(), odd, st.as_mut_ptr()) };
        assert_eq!(s, NEUTRINO_INVALID_ARGUMENT);
        assert_eq!(st[0], 0xa5a5_a5a5);
        assert!(words.iter().all(|w| *w == 0));
    }
}
