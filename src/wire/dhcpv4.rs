//! DHCPv4 messages (RFC 2131 §2): the 236-byte BOOTP fixed header, the magic cookie and the
//! options (RFC 2132), including option overload into `file` and `sname` (RFC 2132 §9.3) and
//! long options split across instances (RFC 3396).
//!
//! `parse` checks `op` (1 or 2), `htype`/`hlen` (Ethernet only: a Neutron responder serves
//! Ethernet ports), the magic cookie 99.130.83.99 (RFC 2131 §3, RFC 2132 §2) and walks every
//! option area: pad (0) and end (255) are single bytes, every other option has a length byte
//! and must fit in its area ([`WireError::BadOption`] with the offset from the start of the
//! message). When the options area carries option overload (52), the `file` field and then the
//! `sname` field are walked too, in that order (RFC 3396 §5 fixes the aggregate order options,
//! file, sname; RFC 2131 §4.1 requires 52 to sit in the options field). Option 52 must have
//! length 1 and value 1..=3 (RFC 2132 §9.3), else `BadOption`; the first instance counts, and a
//! 52 inside `file` or `sname` is an ordinary option.
//!
//! **Missing end option.** RFC 2131 §4.1 requires an end option (explicitly for every area
//! once option overload is in use) and RFC 2132 §3.2 says end "marks the end of valid
//! information". This parser nevertheless accepts an area whose last option ends exactly at
//! the end of the area (the end of the buffer for the options field, the end of the field for
//! `file` and `sname`), following the robustness principle (RFC 1122 §1.2.2): nothing is
//! ambiguous, since the area's end is known. An option that would cross the end of its area is
//! always an error. Bytes after an end option are padding and are ignored.
//!
//! **Emitting.** [`DhcpWriter`] writes the fixed header and cookie from a [`DhcpRepr`], then
//! options, then the end option, into the caller's buffer without allocating. Options longer
//! than 255 bytes are split into consecutive instances of the same code, as RFC 3396 §4
//! requires of an encoding agent ("the encoding agent MUST follow the algorithm specified
//! here"); [`DhcpPacket::option_concat`] joins them back. The writer never overloads `file` or
//! `sname`.

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Header, Layer, MacAddr, WireError};

/// Length of the BOOTP fixed header, up to and including `file` (RFC 2131 §2, Figure 1).
pub const HEADER_LEN: usize = 236;
/// The magic cookie that opens the options field (RFC 2131 §3, RFC 2132 §2).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Offset of the first option: after the fixed header and the cookie.
pub const OPTIONS_OFFSET: usize = HEADER_LEN + 4;
/// Smallest DHCP message: fixed header and cookie.
pub const MIN_LEN: usize = OPTIONS_OFFSET;
/// The minimal BOOTP message some relays and old clients insist on (RFC 1542 §2.1, 300 bytes);
/// see [`DhcpWriter::finish_padded`].
pub const BOOTP_MIN_LEN: usize = 300;
/// Offset of the `sname` field (RFC 2131 §2).
pub const SNAME_OFFSET: usize = 44;
/// Length of the `sname` field.
pub const SNAME_LEN: usize = 64;
/// Offset of the `file` field (RFC 2131 §2).
pub const FILE_OFFSET: usize = 108;
/// Length of the `file` field.
pub const FILE_LEN: usize = 128;
/// `op`: BOOTREQUEST (RFC 951, RFC 2131 §2).
pub const OP_REQUEST: u8 = 1;
/// `op`: BOOTREPLY.
pub const OP_REPLY: u8 = 2;
/// `htype` for Ethernet (IANA ARP hardware types, RFC 1700).
pub const HTYPE_ETHERNET: u8 = 1;
/// `hlen` for Ethernet.
pub const HLEN_ETHERNET: u8 = 6;
/// `flags`: the BROADCAST bit (RFC 2131 §2, Figure 2); the other 15 bits are reserved.
pub const FLAG_BROADCAST: u16 = 0x8000;
/// Option overload value: the `file` field holds options (RFC 2132 §9.3).
pub const OVERLOAD_FILE: u8 = 1;
/// Option overload value: the `sname` field holds options.
pub const OVERLOAD_SNAME: u8 = 2;
/// Option overload value: both fields hold options.
pub const OVERLOAD_BOTH: u8 = 3;

/// DHCP message types, the value of option 53 (RFC 2132 §9.6).
pub mod msg_type {
    /// DHCPDISCOVER.
    pub const DISCOVER: u8 = 1;
    /// DHCPOFFER.
    pub const OFFER: u8 = 2;
    /// DHCPREQUEST.
    pub const REQUEST: u8 = 3;
    /// DHCPDECLINE.
    pub const DECLINE: u8 = 4;
    /// DHCPACK.
    pub const ACK: u8 = 5;
    /// DHCPNAK.
    pub const NAK: u8 = 6;
    /// DHCPRELEASE.
    pub const RELEASE: u8 = 7;
    /// DHCPINFORM.
    pub const INFORM: u8 = 8;
}

/// Option codes (RFC 2132 unless noted).
pub mod opt {
    /// Pad: a single byte, no length (§3.1).
    pub const PAD: u8 = 0;
    /// Subnet mask (§3.3).
    pub const SUBNET_MASK: u8 = 1;
    /// Routers (§3.5).
    pub const ROUTER: u8 = 3;
    /// Domain name servers (§3.8).
    pub const DNS_SERVER: u8 = 6;
    /// Host name (§3.14).
    pub const HOST_NAME: u8 = 12;
    /// Domain name (§3.17).
    pub const DOMAIN_NAME: u8 = 15;
    /// Interface MTU (§5.1).
    pub const INTERFACE_MTU: u8 = 26;
    /// Broadcast address (§5.3).
    pub const BROADCAST_ADDR: u8 = 28;
    /// Requested IP address (§9.1).
    pub const REQUESTED_IP: u8 = 50;
    /// IP address lease time (§9.2).
    pub const LEASE_TIME: u8 = 51;
    /// Option overload (§9.3).
    pub const OVERLOAD: u8 = 52;
    /// DHCP message type (§9.6).
    pub const MESSAGE_TYPE: u8 = 53;
    /// Server identifier (§9.7).
    pub const SERVER_ID: u8 = 54;
    /// Parameter request list (§9.8).
    pub const PARAMETER_REQUEST_LIST: u8 = 55;
    /// Message (§9.9), e.g. the reason for a NAK.
    pub const MESSAGE: u8 = 56;
    /// Maximum DHCP message size (§9.10).
    pub const MAX_MESSAGE_SIZE: u8 = 57;
    /// Renewal (T1) time (§9.11).
    pub const RENEWAL_TIME: u8 = 58;
    /// Rebinding (T2) time (§9.12).
    pub const REBINDING_TIME: u8 = 59;
    /// Client identifier (§9.14).
    pub const CLIENT_ID: u8 = 61;
    /// Relay agent information (RFC 3046 §2.0).
    pub const RELAY_AGENT_INFO: u8 = 82;
    /// Domain search list (RFC 3397 §2).
    pub const DOMAIN_SEARCH: u8 = 119;
    /// Classless static routes (RFC 3442 §2).
    pub const CLASSLESS_STATIC_ROUTE: u8 = 121;
    /// End: a single byte, no length (§3.2).
    pub const END: u8 = 255;
}

/// The BOOTP fixed header (RFC 2131 §2, Figure 1), 236 bytes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct DhcpHeader {
    /// Message op code: 1 BOOTREQUEST, 2 BOOTREPLY.
    pub op: u8,
    /// Hardware address type (1 = Ethernet).
    pub htype: u8,
    /// Hardware address length (6 for Ethernet).
    pub hlen: u8,
    /// Relay hops.
    pub hops: u8,
    /// Transaction id.
    pub xid: U32,
    /// Seconds since the client began acquisition or renewal.
    pub secs: U16,
    /// Flags: BROADCAST and 15 reserved bits.
    pub flags: U16,
    /// Client IP address (set by a client in BOUND, RENEW, REBINDING).
    pub ciaddr: [u8; 4],
    /// "Your" (client) IP address.
    pub yiaddr: [u8; 4],
    /// Next server IP address.
    pub siaddr: [u8; 4],
    /// Relay agent IP address.
    pub giaddr: [u8; 4],
    /// Client hardware address (first `hlen` bytes used).
    pub chaddr: [u8; 16],
    /// Server host name, or options when overloaded.
    pub sname: [u8; 64],
    /// Boot file name, or options when overloaded.
    pub file: [u8; 128],
}

impl Header for DhcpHeader {
    const LAYER: Layer = Layer::Dhcpv4;
}

impl DhcpHeader {
    /// Transaction id.
    #[inline]
    pub fn xid(&self) -> u32 {
        self.xid.get()
    }
    /// Seconds elapsed.
    #[inline]
    pub fn secs(&self) -> u16 {
        self.secs.get()
    }
    /// The flags word.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.flags.get()
    }
    /// The BROADCAST flag.
    #[inline]
    pub fn broadcast(&self) -> bool {
        self.flags() & FLAG_BROADCAST != 0
    }
    /// The client MAC address (the first 6 bytes of `chaddr`).
    #[inline]
    pub fn chaddr_mac(&self) -> MacAddr {
        let c = &self.chaddr;
        MacAddr([c[0], c[1], c[2], c[3], c[4], c[5]])
    }
    /// Sets the transaction id.
    #[inline]
    pub fn set_xid(&mut self, v: u32) {
        self.xid.set(v)
    }
    /// Sets `secs`.
    #[inline]
    pub fn set_secs(&mut self, v: u16) {
        self.secs.set(v)
    }
    /// Sets the flags word.
    #[inline]
    pub fn set_flags(&mut self, v: u16) {
        self.flags.set(v)
    }
}

/// One DHCP option: its code and data (never pad or end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    /// Option code.
    pub code: u8,
    /// Option data (after the length byte).
    pub data: &'a [u8],
}

/// Decodes the option at `area[pos..]`. `Ok(None)` at end option or end of area; otherwise the
/// option (`None` for pad) and the position after it. `base` is the area's offset in the
/// message, for errors.
#[inline]
#[allow(clippy::type_complexity)]
fn step(
    area: &[u8],
    pos: usize,
    base: usize,
) -> Result<Option<(Option<DhcpOption<'_>>, usize)>, WireError> {
    let code = match area.get(pos) {
        None | Some(&opt::END) => return Ok(None),
        Some(&opt::PAD) => return Ok(Some((None, pos + 1))),
        Some(&c) => c,
    };
    let bad = WireError::BadOption {
        layer: Layer::Dhcpv4,
        offset: base + pos,
    };
    let len = usize::from(*area.get(pos + 1).ok_or(bad)?);
    let end = pos + 2 + len;
    let data = area.get(pos + 2..end).ok_or(bad)?;
    Ok(Some((Some(DhcpOption { code, data }), end)))
}

/// Walks one area, calling `f` on each option.
#[inline]
fn walk<'a>(
    area: &'a [u8],
    base: usize,
    mut f: impl FnMut(DhcpOption<'a>, usize) -> Result<(), WireError>,
) -> Result<(), WireError> {
    let mut pos = 0;
    while let Some((o, next)) = step(area, pos, base)? {
        if let Some(o) = o {
            f(o, base + pos)?;
        }
        pos = next;
    }
    Ok(())
}

/// A validated DHCPv4 message.
#[derive(Debug, Clone, Copy)]
pub struct DhcpPacket<'a> {
    header: &'a DhcpHeader,
    options: &'a [u8],
    overload: u8,
}

impl<'a> DhcpPacket<'a> {
    /// Parses and validates the fixed header, the cookie and every option area (see the module
    /// documentation for the rules).
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        WireError::check_len(Layer::Dhcpv4, MIN_LEN, buf.len())?;
        let (header, rest) = DhcpHeader::split_from(buf)?;
        let bad = |field| WireError::BadField {
            layer: Layer::Dhcpv4,
            field,
        };
        if header.op != OP_REQUEST && header.op != OP_REPLY {
            return Err(bad("op"));
        }
        if header.htype != HTYPE_ETHERNET {
            return Err(bad("htype"));
        }
        if header.hlen != HLEN_ETHERNET {
            return Err(bad("hlen"));
        }
        let (cookie, options) = rest.split_at(4);
        if cookie != MAGIC_COOKIE {
            return Err(bad("cookie"));
        }
        let mut overload = 0u8;
        walk(options, OPTIONS_OFFSET, |o, offset| {
            if o.code == opt::OVERLOAD && overload == 0 {
                match o.data {
                    [v @ 1..=3] => overload = *v,
                    _ => {
                        return Err(WireError::BadOption {
                            layer: Layer::Dhcpv4,
                            offset,
                        })
                    }
                }
            }
            Ok(())
        })?;
        if overload & OVERLOAD_FILE != 0 {
            walk(&header.file, FILE_OFFSET, |_, _| Ok(()))?;
        }
        if overload & OVERLOAD_SNAME != 0 {
            walk(&header.sname, SNAME_OFFSET, |_, _| Ok(()))?;
        }
        Ok(DhcpPacket {
            header,
            options,
            overload,
        })
    }

    /// The fixed header.
    #[inline]
    pub fn header(&self) -> &'a DhcpHeader {
        self.header
    }
    /// `op`: [`OP_REQUEST`] or [`OP_REPLY`].
    #[inline]
    pub fn op(&self) -> u8 {
        self.header.op
    }
    /// Relay hops.
    #[inline]
    pub fn hops(&self) -> u8 {
        self.header.hops
    }
    /// Transaction id.
    #[inline]
    pub fn xid(&self) -> u32 {
        self.header.xid()
    }
    /// Seconds elapsed.
    #[inline]
    pub fn secs(&self) -> u16 {
        self.header.secs()
    }
    /// The flags word.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.header.flags()
    }
    /// The BROADCAST flag.
    #[inline]
    pub fn broadcast(&self) -> bool {
        self.header.broadcast()
    }
    /// Client IP address.
    #[inline]
    pub fn ciaddr(&self) -> [u8; 4] {
        self.header.ciaddr
    }
    /// "Your" IP address.
    #[inline]
    pub fn yiaddr(&self) -> [u8; 4] {
        self.header.yiaddr
    }
    /// Next server IP address.
    #[inline]
    pub fn siaddr(&self) -> [u8; 4] {
        self.header.siaddr
    }
    /// Relay agent IP address.
    #[inline]
    pub fn giaddr(&self) -> [u8; 4] {
        self.header.giaddr
    }
    /// Client MAC address.
    #[inline]
    pub fn chaddr(&self) -> MacAddr {
        self.header.chaddr_mac()
    }
    /// The raw `sname` field (options when [`Self::overload`] has bit 2).
    #[inline]
    pub fn sname(&self) -> &'a [u8] {
        &self.header.sname
    }
    /// The raw `file` field (options when [`Self::overload`] has bit 1).
    #[inline]
    pub fn file(&self) -> &'a [u8] {
        &self.header.file
    }
    /// The option overload value (0 when absent, else 1..=3).
    #[inline]
    pub fn overload(&self) -> u8 {
        self.overload
    }
    /// The raw options field after the cookie (to the end of the buffer).
    #[inline]
    pub fn options_bytes(&self) -> &'a [u8] {
        self.options
    }

    /// Every option, in aggregate order: options field, then `file`, then `sname` when
    /// overloaded. Pad and end are not yielded.
    #[inline]
    pub fn options(&self) -> DhcpOptions<'a> {
        let mut areas: [(&'a [u8], usize); 3] = [(&[], 0); 3];
        areas[0] = (self.options, OPTIONS_OFFSET);
        let mut n = 1;
        if self.overload & OVERLOAD_FILE != 0 {
            areas[n] = (&self.header.file, FILE_OFFSET);
            n += 1;
        }
        if self.overload & OVERLOAD_SNAME != 0 {
            areas[n] = (&self.header.sname, SNAME_OFFSET);
            n += 1;
        }
        DhcpOptions {
            areas,
            n_areas: n,
            area: 0,
            pos: 0,
        }
    }

    /// The data of the first instance of option `code`.
    #[inline]
    pub fn option(&self, code: u8) -> Option<&'a [u8]> {
        self.options().find(|o| o.code == code).map(|o| o.data)
    }

    /// Concatenates every instance of option `code` into `out` (RFC 3396 §5); returns the
    /// length, or `None` when the option is absent. `BufferTooSmall` when `out` is too short.
    pub fn option_concat(&self, code: u8, out: &mut [u8]) -> Result<Option<usize>, WireError> {
        let mut len = 0usize;
        let mut found = false;
        for o in self.options().filter(|o| o.code == code) {
            found = true;
            let end = len + o.data.len();
            let have = out.len();
            let dst = out.get_mut(len..end).ok_or(WireError::BufferTooSmall {
                layer: Layer::Dhcpv4,
                need: end,
                have,
            })?;
            dst.copy_from_slice(o.data);
            len = end;
        }
        Ok(found.then_some(len))
    }

    /// The DHCP message type (option 53), when present with length 1.
    #[inline]
    pub fn message_type(&self) -> Option<u8> {
        match self.option(opt::MESSAGE_TYPE)? {
            [t] => Some(*t),
            _ => None,
        }
    }
    /// Requested IP address (option 50), when present with length 4.
    #[inline]
    pub fn requested_ip(&self) -> Option<[u8; 4]> {
        self.option(opt::REQUESTED_IP)?.try_into().ok()
    }
    /// Server identifier (option 54), when present with length 4.
    #[inline]
    pub fn server_id(&self) -> Option<[u8; 4]> {
        self.option(opt::SERVER_ID)?.try_into().ok()
    }
    /// Client identifier (option 61): type byte then identifier.
    #[inline]
    pub fn client_id(&self) -> Option<&'a [u8]> {
        self.option(opt::CLIENT_ID)
    }
    /// Parameter request list (option 55): the option codes the client asks for.
    #[inline]
    pub fn parameter_request_list(&self) -> Option<&'a [u8]> {
        self.option(opt::PARAMETER_REQUEST_LIST)
    }
    /// Maximum DHCP message size (option 57), when present with length 2.
    #[inline]
    pub fn max_message_size(&self) -> Option<u16> {
        self.option(opt::MAX_MESSAGE_SIZE)?
            .try_into()
            .ok()
            .map(u16::from_be_bytes)
    }
}

/// Iterator over the options of a validated message, overloaded areas included.
#[derive(Debug, Clone)]
pub struct DhcpOptions<'a> {
    areas: [(&'a [u8], usize); 3],
    n_areas: usize,
    area: usize,
    pos: usize,
}

impl<'a> Iterator for DhcpOptions<'a> {
    type Item = DhcpOption<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        while self.area < self.n_areas {
            let (bytes, base) = *self.areas.get(self.area)?;
            match step(bytes, self.pos, base) {
                Ok(Some((o, next))) => {
                    self.pos = next;
                    if o.is_some() {
                        return o;
                    }
                }
                _ => {
                    self.area += 1;
                    self.pos = 0;
                }
            }
        }
        None
    }
}

/// The fixed-header fields of a message as host values (`htype`/`hlen` are Ethernet's; `sname`
/// and `file` are written as zeros).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpRepr {
    /// [`OP_REQUEST`] or [`OP_REPLY`].
    pub op: u8,
    /// Relay hops.
    pub hops: u8,
    /// Transaction id.
    pub xid: u32,
    /// Seconds elapsed.
    pub secs: u16,
    /// The BROADCAST flag (the reserved flag bits are written as zero).
    pub broadcast: bool,
    /// Client IP address.
    pub ciaddr: [u8; 4],
    /// "Your" IP address.
    pub yiaddr: [u8; 4],
    /// Next server IP address.
    pub siaddr: [u8; 4],
    /// Relay agent IP address.
    pub giaddr: [u8; 4],
    /// Client MAC address.
    pub chaddr: MacAddr,
}

impl DhcpRepr {
    /// The fixed-header fields of a parsed message.
    pub fn from_packet(p: &DhcpPacket<'_>) -> Self {
        DhcpRepr {
            op: p.op(),
            hops: p.hops(),
            xid: p.xid(),
            secs: p.secs(),
            broadcast: p.broadcast(),
            ciaddr: p.ciaddr(),
            yiaddr: p.yiaddr(),
            siaddr: p.siaddr(),
            giaddr: p.giaddr(),
            chaddr: p.chaddr(),
        }
    }

    /// Fixed header plus cookie: [`OPTIONS_OFFSET`].
    pub const fn header_len(&self) -> usize {
        OPTIONS_OFFSET
    }

    /// Writes the fixed header and the magic cookie at the start of `buf`; returns 240.
    /// Options follow through [`DhcpWriter`]. An `op` other than 1 or 2 is `BadField "op"`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        if self.op != OP_REQUEST && self.op != OP_REPLY {
            return Err(WireError::BadField {
                layer: Layer::Dhcpv4,
                field: "op",
            });
        }
        WireError::check_room(Layer::Dhcpv4, OPTIONS_OFFSET, buf.len())?;
        let (h, rest) = DhcpHeader::split_from_mut(buf)?;
        let mut chaddr = [0u8; 16];
        chaddr[..6].copy_from_slice(&self.chaddr.0);
        *h = DhcpHeader {
            op: self.op,
            htype: HTYPE_ETHERNET,
            hlen: HLEN_ETHERNET,
            hops: self.hops,
            xid: U32::new(self.xid),
            secs: U16::new(self.secs),
            flags: U16::new(if self.broadcast { FLAG_BROADCAST } else { 0 }),
            ciaddr: self.ciaddr,
            yiaddr: self.yiaddr,
            siaddr: self.siaddr,
            giaddr: self.giaddr,
            chaddr,
            sname: [0; 64],
            file: [0; 128],
        };
        rest[..4].copy_from_slice(&MAGIC_COOKIE);
        Ok(OPTIONS_OFFSET)
    }
}

/// Builds a DHCP message in a caller buffer: fixed header and cookie, options, end.
///
/// Room for the end option is always kept, so [`DhcpWriter::finish`] cannot fail; an option
/// that does not fit is refused whole (`BufferTooSmall`) and the buffer is left as it was.
#[derive(Debug)]
pub struct DhcpWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> DhcpWriter<'b> {
    /// Writes `repr`'s fixed header and the cookie; `buf` must hold at least 241 bytes
    /// (header, cookie, end option).
    pub fn new(buf: &'b mut [u8], repr: &DhcpRepr) -> Result<Self, WireError> {
        WireError::check_room(Layer::Dhcpv4, OPTIONS_OFFSET + 1, buf.len())?;
        let len = repr.emit(buf)?;
        Ok(DhcpWriter { buf, len })
    }

    /// Bytes written so far (the end option not counted).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: the fixed header is written by [`DhcpWriter::new`].
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends option `code` with `data`. Data longer than 255 bytes is split into
    /// consecutive instances of `code`, 255 bytes each but the last (RFC 3396 §4).
    /// Pad and end codes are refused (`BadField "option code"`): the writer places end itself.
    pub fn push_option(&mut self, code: u8, data: &[u8]) -> Result<(), WireError> {
        if code == opt::PAD || code == opt::END {
            return Err(WireError::BadField {
                layer: Layer::Dhcpv4,
                field: "option code",
            });
        }
        let pieces = data.len().div_ceil(255).max(1);
        // data.len() is a slice length, so these sums cannot overflow.
        let need = self.len + data.len() + 2 * pieces + 1;
        WireError::check_room(Layer::Dhcpv4, need, self.buf.len())?;
        let mut chunks = data.chunks(255);
        for _ in 0..pieces {
            let chunk = chunks.next().unwrap_or(&[]);
            let end = self.len + 2 + chunk.len();
            self.buf[self.len] = code;
            self.buf[self.len + 1] = chunk.len() as u8;
            self.buf[self.len + 2..end].copy_from_slice(chunk);
            self.len = end;
        }
        Ok(())
    }

    /// Writes the end option and returns the message length.
    pub fn finish(self) -> usize {
        self.buf[self.len] = opt::END;
        self.len + 1
    }

    /// Writes the end option, then pad bytes up to `min_len` (e.g. [`BOOTP_MIN_LEN`]) if the
    /// message is shorter; returns the message length. `BufferTooSmall` if `buf` cannot hold
    /// `min_len` bytes (nothing is written then).
    pub fn finish_padded(self, min_len: usize) -> Result<usize, WireError> {
        let total = (self.len + 1).max(min_len);
        WireError::check_room(Layer::Dhcpv4, total, self.buf.len())?;
        let end = self.len + 1;
        let buf = self.buf;
        buf[end - 1] = opt::END;
        buf[end..total].fill(opt::PAD);
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;
    use std::vec::Vec;

    const MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56]);

    /// The 240 bytes of header and cookie followed by `opts` hex: scapy's BOOTP fills the
    /// zero fields, so the vectors below give the non-zero prefix, a zero run and the tail.
    fn message(prefix: &str, opts: &str) -> Vec<u8> {
        let mut v = hex(prefix);
        v.resize(HEADER_LEN, 0);
        v.extend(MAGIC_COOKIE);
        v.extend(hex(opts));
        v
    }

    // scapy: bytes(BOOTP(op=1, xid=0x3903f326, secs=3, flags=0x8000, chaddr=mac2str('fa:16:3e:12:34:56'))
    //   / DHCP(options=[("message-type","discover"), ("requested_addr","10.0.0.5"),
    //                   ("param_req_list",[1,3,6,15,26,121]),
    //                   ("client_id", b'\x01'+mac2str('fa:16:3e:12:34:56')), "end"]))
    // 267 bytes; bytes 34..236 are zero, 236..240 the cookie.
    const DISCOVER_PREFIX: &str =
        "010106003903f3260003800000000000000000000000000000000000fa163e123456";
    const DISCOVER_OPTS: &str = "350101 32040a000005 3706010306 0f1a79 3d0701fa163e123456 ff";
    // scapy: bytes(BOOTP(op=2, xid=0x3903f326, yiaddr='10.0.0.5', siaddr='10.0.0.2',
    //   chaddr=mac2str('fa:16:3e:12:34:56')) / DHCP(options=[("message-type","offer"),
    //   ("server_id","10.0.0.2"), ("lease_time",86400), ("renewal_time",43200),
    //   ("rebinding_time",75600), ("subnet_mask","255.255.255.0"),
    //   ("broadcast_address","10.0.0.255"), ("router","10.0.0.1"),
    //   ("name_server","10.0.0.2","8.8.8.8"), ("domain",b"openstacklocal"), ("interface-mtu",1450),
    //   ("classless_static_routes","169.254.169.254/32:10.0.0.2","0.0.0.0/0:10.0.0.1"), "end"]))
    // 332 bytes.
    const OFFER_PREFIX: &str =
        "020106003903f32600000000000000000a0000050a00000200000000fa163e123456";
    const OFFER_OPTS: &str = "350102 36040a000002 330400015180 3a040000a8c0 3b0400012750 \
        0104ffffff00 1c040a0000ff 03040a000001 06080a00000208080808 \
        0f0e6f70656e737461636b6c6f63616c 1a0205aa \
        790e20a9fea9fe0a000002000a000001 ff";

    #[test]
    fn scapy_discover() {
        let b = message(DISCOVER_PREFIX, DISCOVER_OPTS);
        assert_eq!(b.len(), 267);
        let p = DhcpPacket::parse(&b).unwrap();
        assert_eq!(p.op(), OP_REQUEST);
        assert_eq!(p.xid(), 0x3903_f326);
        assert_eq!(p.secs(), 3);
        assert!(p.broadcast());
        assert_eq!(p.chaddr(), MAC);
        assert_eq!(p.ciaddr(), [0; 4]);
        assert_eq!(p.message_type(), Some(msg_type::DISCOVER));
        assert_eq!(p.requested_ip(), Some([10, 0, 0, 5]));
        assert_eq!(
            p.parameter_request_list(),
            Some(&[1, 3, 6, 15, 26, 121][..])
        );
        assert_eq!(
            p.client_id(),
            Some(&[1, 0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56][..])
        );
        assert_eq!(p.server_id(), None);
        assert_eq!(p.overload(), 0);
        let codes: Vec<u8> = p.options().map(|o| o.code).collect();
        assert_eq!(codes, [53, 50, 55, 61]);
    }

    #[test]
    fn scapy_offer_and_emit() {
        let want = message(OFFER_PREFIX, OFFER_OPTS);
        assert_eq!(want.len(), 332);
        let p = DhcpPacket::parse(&want).unwrap();
        assert_eq!(p.op(), OP_REPLY);
        assert_eq!(p.yiaddr(), [10, 0, 0, 5]);
        assert_eq!(p.siaddr(), [10, 0, 0, 2]);
        assert_eq!(p.message_type(), Some(msg_type::OFFER));
        assert_eq!(p.server_id(), Some([10, 0, 0, 2]));
        assert_eq!(p.option(opt::INTERFACE_MTU), Some(&[0x05, 0xaa][..]));
        assert_eq!(p.option(opt::DOMAIN_NAME), Some(&b"openstacklocal"[..]));
        assert_eq!(
            p.option(opt::CLASSLESS_STATIC_ROUTE),
            Some(&[32, 169, 254, 169, 254, 10, 0, 0, 2, 0, 10, 0, 0, 1][..])
        );

        // The writer reproduces scapy's bytes exactly.
        let r = DhcpRepr::from_packet(&p);
        assert_eq!(
            r,
            DhcpRepr {
                op: OP_REPLY,
                hops: 0,
                xid: 0x3903_f326,
                secs: 0,
                broadcast: false,
                ciaddr: [0; 4],
                yiaddr: [10, 0, 0, 5],
                siaddr: [10, 0, 0, 2],
                giaddr: [0; 4],
                chaddr: MAC,
            }
        );
        let mut out = [0xeeu8; 400];
        let mut w = DhcpWriter::new(&mut out, &r).unwrap();
        for o in p.options() {
            w.push_option(o.code, o.data).unwrap();
        }
        let n = w.finish();
        assert_eq!(&out[..n], &want[..]);

        let mut out = [0xeeu8; 400];
        let mut w = DhcpWriter::new(&mut out, &r).unwrap();
        w.push_option(opt::MESSAGE_TYPE, &[msg_type::OFFER])
            .unwrap();
        assert_eq!(w.finish_padded(BOOTP_MIN_LEN), Ok(300));
        assert_eq!(out[243], 255);
        assert!(out[244..300].iter().all(|&b| b == 0));
        assert_eq!(out[300], 0xee);
        let p = DhcpPacket::parse(&out[..300]).unwrap();
        assert_eq!(p.message_type(), Some(msg_type::OFFER));
    }

    // scapy: bytes(BOOTP(op=2, xid=1, chaddr=mac2str('fa:16:3e:12:34:56'),
    //   file=bytes.fromhex('03040a00000133040000012cff'), sname=bytes.fromhex('0f03616263ff'))
    //   / DHCP(options=[("message-type","ack"), ("dhcp-option-overload",3), "end"]))
    // 247 bytes: file holds router 10.0.0.1 and lease time 300, sname holds domain "abc".
    const OVERLOADED: &str =
        "02010600000000010000000000000000000000000000000000000000fa163e12345600000000000000000000 \
        0f03616263ff0000000000000000000000000000000000000000000000000000000000000000000000000000 \
        000000000000000000000000000000000000000003040a00000133040000012cff0000000000000000000000 \
        0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 \
        0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 \
        0000000000000000000000000000000063825363350105340103ff";

    fn overloaded() -> Vec<u8> {
        let b = hex(OVERLOADED);
        assert_eq!(b.len(), 247);
        b
    }

    #[test]
    fn overload_walks_file_then_sname() {
        let b = overloaded();
        let p = DhcpPacket::parse(&b).unwrap();
        assert_eq!(p.overload(), OVERLOAD_BOTH);
        let got: Vec<(u8, Vec<u8>)> = p.options().map(|o| (o.code, o.data.to_vec())).collect();
        assert_eq!(
            got,
            [
                (53, std::vec![5]),
                (52, std::vec![3]),
                (3, std::vec![10, 0, 0, 1]),
                (51, std::vec![0, 0, 1, 0x2c]),
                (15, b"abc".to_vec()),
            ]
        );
        assert_eq!(p.message_type(), Some(msg_type::ACK));
        assert_eq!(p.option(opt::DOMAIN_NAME), Some(&b"abc"[..]));
        // Overload 1: sname is a plain host name, not walked.
        let mut b1 = b.clone();
        b1[OPTIONS_OFFSET + 5] = OVERLOAD_FILE;
        b1[SNAME_OFFSET + 1] = 0xff; // would be a bad option if walked
        let p = DhcpPacket::parse(&b1).unwrap();
        assert_eq!(p.options().count(), 4);
        assert_eq!(p.option(opt::DOMAIN_NAME), None);
        // No overload option: file and sname are not options.
        let mut b0 = b.clone();
        b0[OPTIONS_OFFSET + 3] = opt::PAD;
        b0[OPTIONS_OFFSET + 4] = opt::PAD;
        b0[OPTIONS_OFFSET + 5] = opt::PAD;
        b0[FILE_OFFSET + 1] = 0xff;
        let p = DhcpPacket::parse(&b0).unwrap();
        assert_eq!(p.options().count(), 1);
    }

    #[test]
    fn overload_errors() {
        // Bad file area: option 51 claims 200 bytes, past the end of `file`.
        let mut b = overloaded();
        b[FILE_OFFSET + 7] = 200;
        assert_eq!(
            DhcpPacket::parse(&b).unwrap_err(),
            WireError::BadOption {
                layer: Layer::Dhcpv4,
                offset: FILE_OFFSET + 6
            }
        );
        // Bad sname area: a length byte cut by the end of the field.
        let mut b = overloaded();
        b[SNAME_OFFSET..SNAME_OFFSET + SNAME_LEN].fill(0);
        b[SNAME_OFFSET + SNAME_LEN - 1] = 12;
        assert_eq!(
            DhcpPacket::parse(&b).unwrap_err(),
            WireError::BadOption {
                layer: Layer::Dhcpv4,
                offset: SNAME_OFFSET + SNAME_LEN - 1
            }
        );
        // An option filling `file` exactly with no end option is tolerated.
        let mut b = overloaded();
        b[FILE_OFFSET] = 43;
        b[FILE_OFFSET + 1] = (FILE_LEN - 2) as u8;
        let p = DhcpPacket::parse(&b).unwrap();
        assert_eq!(p.option(43).map(<[u8]>::len), Some(FILE_LEN - 2));
        // Overload values other than 1..=3 and lengths other than 1.
        for (len, v) in [(1u8, 0u8), (1, 4), (2, 1), (0, 0)] {
            let mut b = message(DISCOVER_PREFIX, "");
            b.extend([52, len]);
            b.extend(std::iter::repeat_n(v, usize::from(len)));
            b.push(255);
            assert_eq!(
                DhcpPacket::parse(&b).unwrap_err(),
                WireError::BadOption {
                    layer: Layer::Dhcpv4,
                    offset: OPTIONS_OFFSET
                },
                "len {len} value {v}"
            );
        }
    }

    #[test]
    fn header_errors() {
        let b = message(DISCOVER_PREFIX, DISCOVER_OPTS);
        for n in 0..MIN_LEN {
            assert_eq!(
                DhcpPacket::parse(&b[..n]).unwrap_err(),
                WireError::Truncated {
                    layer: Layer::Dhcpv4,
                    need: MIN_LEN,
                    have: n
                }
            );
        }
        let field = |f| WireError::BadField {
            layer: Layer::Dhcpv4,
            field: f,
        };
        for (i, v, f) in [
            (0, 0, "op"),
            (0, 3, "op"),
            (1, 6, "htype"),
            (2, 7, "hlen"),
            (236, 0x62, "cookie"),
            (239, 0x64, "cookie"),
        ] {
            let mut x = b.clone();
            x[i] = v;
            assert_eq!(
                DhcpPacket::parse(&x).unwrap_err(),
                field(f),
                "byte {i} = {v}"
            );
        }
    }

    #[test]
    fn option_walk_errors_and_end_rules() {
        let b = message(DISCOVER_PREFIX, DISCOVER_OPTS);
        // Cutting the message anywhere inside an option is BadOption at that option; cutting
        // right after an option (end option missing) is fine.
        let starts = [240usize, 243, 249, 257];
        let ends = [243usize, 249, 257, 266];
        for n in MIN_LEN..b.len() {
            let r = DhcpPacket::parse(&b[..n]);
            if n == MIN_LEN || ends.contains(&n) {
                assert!(r.is_ok(), "cut at {n}");
            } else {
                let start = *starts.iter().rev().find(|&&s| s < n).unwrap();
                assert_eq!(
                    r.unwrap_err(),
                    WireError::BadOption {
                        layer: Layer::Dhcpv4,
                        offset: start
                    },
                    "cut at {n}"
                );
            }
        }
        // Option length past the end.
        let mut x = b.clone();
        x[250] = 60; // parameter request list claims 60 bytes
        assert!(matches!(
            DhcpPacket::parse(&x),
            Err(WireError::BadOption { offset: 249, .. })
        ));
        // Pads are skipped; bytes after end are ignored.
        let x = message(DISCOVER_PREFIX, "00 00 350103 00 ff 99 01");
        let p = DhcpPacket::parse(&x).unwrap();
        assert_eq!(p.message_type(), Some(msg_type::REQUEST));
        assert_eq!(p.options().count(), 1);
        // Malformed helpers return None rather than junk.
        let x = message(DISCOVER_PREFIX, "35020101 3203010203 3600 ff");
        let p = DhcpPacket::parse(&x).unwrap();
        assert_eq!(
            (p.message_type(), p.requested_ip(), p.server_id()),
            (None, None, None)
        );
    }

    #[test]
    fn long_options_split_and_concat() {
        let r = DhcpRepr {
            op: OP_REPLY,
            hops: 1,
            xid: 9,
            secs: 0,
            broadcast: true,
            ciaddr: [0; 4],
            yiaddr: [10, 0, 0, 9],
            siaddr: [0; 4],
            giaddr: [10, 0, 0, 254],
            chaddr: MAC,
        };
        let long: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let mut out = [0u8; 1024];
        let mut w = DhcpWriter::new(&mut out, &r).unwrap();
        w.push_option(opt::CLASSLESS_STATIC_ROUTE, &long).unwrap();
        w.push_option(80, &[]).unwrap(); // rapid commit: zero length
        let n = w.finish();
        assert_eq!(n, 240 + 600 + 3 * 2 + 2 + 1);
        let p = DhcpPacket::parse(&out[..n]).unwrap();
        let lens: Vec<usize> = p
            .options()
            .filter(|o| o.code == opt::CLASSLESS_STATIC_ROUTE)
            .map(|o| o.data.len())
            .collect();
        assert_eq!(lens, [255, 255, 90]);
        let mut joined = [0u8; 600];
        assert_eq!(
            p.option_concat(opt::CLASSLESS_STATIC_ROUTE, &mut joined),
            Ok(Some(600))
        );
        assert_eq!(&joined[..], &long[..]);
        assert!(matches!(
            p.option_concat(opt::CLASSLESS_STATIC_ROUTE, &mut [0u8; 599]),
            Err(WireError::BufferTooSmall { need: 600, .. })
        ));
        assert_eq!(p.option_concat(7, &mut joined), Ok(None));
        assert_eq!(p.option_concat(80, &mut joined), Ok(Some(0)));
        assert_eq!(DhcpRepr::from_packet(&p), r);
    }

    #[test]
    fn writer_refusals() {
        let r = DhcpRepr {
            op: OP_REQUEST,
            hops: 0,
            xid: 1,
            secs: 0,
            broadcast: false,
            ciaddr: [0; 4],
            yiaddr: [0; 4],
            siaddr: [0; 4],
            giaddr: [0; 4],
            chaddr: MAC,
        };
        assert!(matches!(
            DhcpWriter::new(&mut [0u8; 240], &r),
            Err(WireError::BufferTooSmall { need: 241, .. })
        ));
        assert!(matches!(
            DhcpWriter::new(&mut [0u8; 300], &DhcpRepr { op: 0, ..r }),
            Err(WireError::BadField { field: "op", .. })
        ));
        let mut buf = [0u8; 250];
        let mut w = DhcpWriter::new(&mut buf, &r).unwrap();
        assert!(matches!(
            w.push_option(opt::PAD, &[]),
            Err(WireError::BadField {
                field: "option code",
                ..
            })
        ));
        assert!(w.push_option(opt::END, &[]).is_err());
        w.push_option(53, &[1]).unwrap(); // 243
                                          // 243 + 2 + 5 + 1 = 251 > 250: refused whole.
        assert!(matches!(
            w.push_option(12, b"hosts"),
            Err(WireError::BufferTooSmall { need: 251, .. })
        ));
        w.push_option(12, b"host").unwrap(); // exactly fills up to the end byte
        assert_eq!(w.len(), 249);
        assert!(w.push_option(80, &[]).is_err());
        assert!(matches!(
            DhcpWriter::new(&mut [0u8; 260], &r)
                .unwrap()
                .finish_padded(300),
            Err(WireError::BufferTooSmall { need: 300, .. })
        ));
        let n = w.finish();
        assert_eq!(n, 250);
        let p = DhcpPacket::parse(&buf).unwrap();
        assert_eq!(p.option(12), Some(&b"host"[..]));
    }

    #[test]
    fn setters_in_place() {
        let mut b = message(DISCOVER_PREFIX, DISCOVER_OPTS);
        let (h, _) = DhcpHeader::split_from_mut(&mut b).unwrap();
        h.op = OP_REPLY;
        h.yiaddr = [10, 0, 0, 5];
        h.set_xid(7);
        h.set_secs(0);
        h.set_flags(0);
        let p = DhcpPacket::parse(&b).unwrap();
        assert_eq!(
            (p.op(), p.yiaddr(), p.xid(), p.secs(), p.broadcast()),
            (2, [10, 0, 0, 5], 7, 0, false)
        );
    }

    fn arb_repr() -> impl Strategy<Value = DhcpRepr> {
        (
            1u8..=2,
            any::<u8>(),
            any::<u32>(),
            any::<u16>(),
            any::<bool>(),
            any::<[[u8; 4]; 4]>(),
            any::<[u8; 6]>(),
        )
            .prop_map(|(op, hops, xid, secs, broadcast, a, mac)| DhcpRepr {
                op,
                hops,
                xid,
                secs,
                broadcast,
                ciaddr: a[0],
                yiaddr: a[1],
                siaddr: a[2],
                giaddr: a[3],
                chaddr: MacAddr(mac),
            })
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            // Random bytes after a valid header, cookie and optional overload, so the walks
            // are exercised rather than the header checks.
            for overload in [None, Some(3u8)] {
                let mut b = message(DISCOVER_PREFIX, "");
                if let Some(v) = overload {
                    b.extend([52, 1, v]);
                }
                b.extend(&data);
                if overload.is_some() {
                    // Scribble the same bytes into file and sname.
                    let n = data.len().min(FILE_LEN);
                    b[FILE_OFFSET..FILE_OFFSET + n].copy_from_slice(&data[..n]);
                    let n = data.len().min(SNAME_LEN);
                    b[SNAME_OFFSET..SNAME_OFFSET + n].copy_from_slice(&data[..n]);
                }
                match DhcpPacket::parse(&b) {
                    Ok(p) => {
                        for o in p.options() {
                            prop_assert!(o.code != 0 && o.code != 255);
                        }
                        let _ = (p.message_type(), p.requested_ip(), p.server_id(),
                                 p.client_id(), p.max_message_size());
                        let mut out = [0u8; 256];
                        let _ = p.option_concat(1, &mut out);
                    }
                    Err(e) => prop_assert_eq!(e.layer(), Layer::Dhcpv4),
                }
            }
            let _ = DhcpPacket::parse(&data);
        }

        #[test]
        fn emit_parse_roundtrip(
            r in arb_repr(),
            opts in proptest::collection::vec(
                ((1u8..=254).prop_filter("overload", |c| *c != opt::OVERLOAD),
                 proptest::collection::vec(any::<u8>(), 0..300)), 0..5),
        ) {
            let mut buf = std::vec![0u8; 2048];
            let mut w = DhcpWriter::new(&mut buf, &r).unwrap();
            for (code, data) in &opts {
                w.push_option(*code, data).unwrap();
            }
            let n = w.finish();
            let p = DhcpPacket::parse(&buf[..n]).unwrap();
            prop_assert_eq!(DhcpRepr::from_packet(&p), r);
            // Each pushed option comes back, concatenated (RFC 3396), in order of first use.
            for (code, _) in &opts {
                let want: Vec<u8> = opts.iter().filter(|(c, _)| c == code)
                    .flat_map(|(_, d)| d.iter().copied()).collect();
                let mut out = std::vec![0u8; 2048];
                let len = p.option_concat(*code, &mut out).unwrap();
                prop_assert_eq!(len, Some(want.len()));
                prop_assert_eq!(&out[..want.len()], &want[..]);
            }
        }
    }
}
