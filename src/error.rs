//! The shared error vocabulary: every parser names the [`Layer`] that failed and the precise cause.

use core::fmt;

/// The protocol layer an error is about. `#[repr(u8)]` so the C API can report it as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Layer {
    /// Ethernet II header.
    Ethernet = 1,
    /// 802.1Q / 802.1ad tag.
    Vlan = 2,
    /// ARP for Ethernet/IPv4.
    Arp = 3,
    /// IPv4 header and options.
    Ipv4 = 4,
    /// IPv6 fixed header.
    Ipv6 = 5,
    /// An IPv6 extension header (hop-by-hop, routing, fragment, destination options).
    Ipv6Ext = 6,
    /// ICMPv4.
    Icmpv4 = 7,
    /// ICMPv6, including Neighbor Discovery.
    Icmpv6 = 8,
    /// A Neighbor Discovery option.
    NdpOption = 9,
    /// TCP header and options.
    Tcp = 10,
    /// UDP header.
    Udp = 11,
    /// VXLAN header (RFC 7348).
    Vxlan = 12,
    /// GENEVE header and options (RFC 8926).
    Geneve = 13,
    /// GRE header (RFC 2784/2890).
    Gre = 14,
    /// DHCPv4 fixed header and options (RFC 2131/2132).
    Dhcpv4 = 15,
}

impl Layer {
    /// A short lowercase name, stable for logs and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Layer::Ethernet => "ethernet",
            Layer::Vlan => "vlan",
            Layer::Arp => "arp",
            Layer::Ipv4 => "ipv4",
            Layer::Ipv6 => "ipv6",
            Layer::Ipv6Ext => "ipv6-ext",
            Layer::Icmpv4 => "icmpv4",
            Layer::Icmpv6 => "icmpv6",
            Layer::NdpOption => "ndp-option",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
            Layer::Vxlan => "vxlan",
            Layer::Geneve => "geneve",
            Layer::Gre => "gre",
            Layer::Dhcpv4 => "dhcpv4",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a packet could not be parsed or emitted. Every variant names the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The buffer ends before the header (or the length a header field announces) does.
    #[error("{layer}: truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Layer being parsed.
        layer: Layer,
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A header-length field is below the protocol minimum or otherwise impossible
    /// (IPv4 IHL < 5, TCP data offset < 5, GENEVE opt_len beyond the packet, ...).
    #[error("{layer}: bad header length {value}")]
    BadHeaderLen {
        /// Layer being parsed.
        layer: Layer,
        /// The length in bytes the header announced.
        value: usize,
    },
    /// A total/payload length field disagrees with the header or the buffer
    /// (IPv4 total length < IHL, UDP length < 8, ...).
    #[error("{layer}: bad length field {value}")]
    BadLength {
        /// Layer being parsed.
        layer: Layer,
        /// The value of the length field.
        value: usize,
    },
    /// The version field is not the protocol's (IPv4 ≠ 4, IPv6 ≠ 6, GENEVE ≠ 0, GRE ≠ 0).
    #[error("{layer}: bad version {value}")]
    BadVersion {
        /// Layer being parsed.
        layer: Layer,
        /// The version found.
        value: u8,
    },
    /// A checksum did not verify.
    #[error("{layer}: bad checksum")]
    BadChecksum {
        /// Layer being parsed.
        layer: Layer,
    },
    /// An option (TLV) is malformed: zero or overlong length, truncated, or not allowed there.
    #[error("{layer}: malformed option at offset {offset}")]
    BadOption {
        /// Layer being parsed.
        layer: Layer,
        /// Offset of the option from the start of the layer's header.
        offset: usize,
    },
    /// A field holds a value the protocol forbids (reserved flags set, hardware type not Ethernet, ...).
    #[error("{layer}: bad field {field}")]
    BadField {
        /// Layer being parsed.
        layer: Layer,
        /// The field's name.
        field: &'static str,
    },
    /// More nested headers (VLAN tags, IPv6 extension headers) than the parser walks.
    #[error("{layer}: too many nested headers")]
    TooDeep {
        /// Layer being parsed.
        layer: Layer,
    },
    /// The output buffer is too small for what an emitter must write.
    #[error("{layer}: output buffer too small: need {need} bytes, have {have}")]
    BufferTooSmall {
        /// Layer being emitted.
        layer: Layer,
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
}

impl WireError {
    /// The layer the error is about.
    pub const fn layer(&self) -> Layer {
        match *self {
            WireError::Truncated { layer, .. }
            | WireError::BadHeaderLen { layer, .. }
            | WireError::BadLength { layer, .. }
            | WireError::BadVersion { layer, .. }
            | WireError::BadChecksum { layer }
            | WireError::BadOption { layer, .. }
            | WireError::BadField { layer, .. }
            | WireError::TooDeep { layer }
            | WireError::BufferTooSmall { layer, .. } => layer,
        }
    }

    /// A short, stable, lowercase name of the cause (for JSON, counters and C).
    pub const fn cause(&self) -> &'static str {
        match self {
            WireError::Truncated { .. } => "truncated",
            WireError::BadHeaderLen { .. } => "bad-header-len",
            WireError::BadLength { .. } => "bad-length",
            WireError::BadVersion { .. } => "bad-version",
            WireError::BadChecksum { .. } => "bad-checksum",
            WireError::BadOption { .. } => "bad-option",
            WireError::BadField { .. } => "bad-field",
            WireError::TooDeep { .. } => "too-deep",
            WireError::BufferTooSmall { .. } => "buffer-too-small",
        }
    }

    /// Shorthand used by every parser: `Truncated` unless `have >= need`.
    #[inline(always)]
    pub(crate) const fn check_len(layer: Layer, need: usize, have: usize) -> Result<(), WireError> {
        if have < need {
            Err(WireError::Truncated { layer, need, have })
        } else {
            Ok(())
        }
    }

    /// Shorthand used by every emitter: `BufferTooSmall` unless `have >= need`.
    #[inline(always)]
    pub(crate) const fn check_room(
        layer: Layer,
        need: usize,
        have: usize,
    ) -> Result<(), WireError> {
        if have < need {
            Err(WireError::BufferTooSmall { layer, need, have })
        } else {
            Ok(())
        }
    }
}

/// Why a [`crate::PacketBuf`] operation was refused. The buffer is unchanged on error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BufError {
    /// Not enough headroom to prepend.
    #[error("not enough headroom: need {need}, have {have}")]
    NoHeadroom {
        /// Bytes requested.
        need: usize,
        /// Headroom available.
        have: usize,
    },
    /// Not enough tailroom to append.
    #[error("not enough tailroom: need {need}, have {have}")]
    NoTailroom {
        /// Bytes requested.
        need: usize,
        /// Tailroom available.
        have: usize,
    },
    /// Trimming or truncating more than the data holds.
    #[error("data too short: need {need}, have {have}")]
    DataTooShort {
        /// Bytes requested.
        need: usize,
        /// Data length.
        have: usize,
    },
    /// `head`/`len` do not describe a range inside the buffer, or exceed the u16 of an mbuf.
    #[error("bad offsets: head {head} + len {len} > capacity {capacity}")]
    BadOffsets {
        /// Start of data.
        head: usize,
        /// Data length.
        len: usize,
        /// Buffer capacity.
        capacity: usize,
    },
}
