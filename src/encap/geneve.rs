//! GENEVE (RFC 8926): the base header and TLV options a tunnel endpoint puts after the outer UDP
//! header, and its receive rules.
//!
//! The options are fixed per context ([`GeneveOptions`], validated once, at most 252 bytes,
//! RFC 8926 §3.4) and copied into every packet with the rest of the outer headers. On receive,
//! the version must be 0 (§3.4), the protocol type Transparent Ethernet Bridging 0x6558 (a
//! Neutron network carries Ethernet), the options must parse (§3.5), and a packet with the
//! critical-options flag C is dropped unless the context says the caller processes options
//! (§3.4: "if a tunnel endpoint receives a Geneve packet with the C bit set and does not
//! process the critical options, it MUST drop"). The options are returned (their offset and
//! length), and stay readable in the headroom after the strip.

use crate::wire::ethertype;
use crate::wire::geneve::{
    emit_option, GenevePacket, GeneveRepr, HEADER_LEN, MAX_OPTIONS_LEN, VNI_MAX as WIRE_VNI_MAX,
};
use crate::wire::WireError;

use super::error::{ConfigError, EncapError};

/// The IANA UDP port for GENEVE (RFC 8926 §3.3).
pub const UDP_PORT: u16 = crate::wire::udp_port::GENEVE;
/// Outer bytes over an IPv4 underlay without options: Ethernet 14 + IPv4 20 + UDP 8 + GENEVE 8.
pub const OVERHEAD_V4: usize = 50;
/// Outer bytes over an IPv6 underlay without options.
pub const OVERHEAD_V6: usize = 70;
/// Largest VNI (24 bits).
pub const VNI_MAX: u32 = WIRE_VNI_MAX;

/// Validated GENEVE option bytes (a sequence of TLVs, RFC 8926 §3.5), at most 252 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GeneveOptions {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: u8,
}

impl core::fmt::Debug for GeneveOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("GeneveOptions")
            .field(&self.as_bytes())
            .finish()
    }
}

impl Default for GeneveOptions {
    fn default() -> Self {
        GeneveOptions::EMPTY
    }
}

impl GeneveOptions {
    /// No options.
    pub const EMPTY: GeneveOptions = GeneveOptions {
        bytes: [0; MAX_OPTIONS_LEN],
        len: 0,
    };

    /// Takes already-encoded options; refused unless they parse as TLVs and fit in 252 bytes.
    pub fn from_bytes(opts: &[u8]) -> Result<Self, ConfigError> {
        let repr = GeneveRepr {
            vni: 0,
            protocol_type: ethertype::TEB,
            oam: false,
            critical: false,
            options: opts,
        };
        // Emitting validates: multiple of 4, <= 252, each TLV within bounds.
        let mut scratch = [0u8; HEADER_LEN + MAX_OPTIONS_LEN];
        repr.emit(&mut scratch)
            .map_err(ConfigError::BadGeneveOptions)?;
        let mut o = GeneveOptions::EMPTY;
        o.bytes[..opts.len()].copy_from_slice(opts);
        o.len = opts.len() as u8;
        Ok(o)
    }

    /// Appends one option (class, type, data of a multiple of 4 bytes up to 124).
    pub fn push(&mut self, class: u16, opt_type: u8, data: &[u8]) -> Result<(), ConfigError> {
        let at = usize::from(self.len);
        let n = emit_option(&mut self.bytes[at..], class, opt_type, data)
            .map_err(ConfigError::BadGeneveOptions)?;
        self.len = (at + n) as u8;
        Ok(())
    }

    /// The encoded options.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Length in bytes (a multiple of 4).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when there are no options.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when any option has the critical bit set (RFC 8926 §3.5); the header's C flag is
    /// then set too (§3.4).
    pub fn has_critical(&self) -> bool {
        let mut buf = [0u8; HEADER_LEN + MAX_OPTIONS_LEN];
        let Ok(n) = self.header(0).emit(&mut buf) else {
            return false;
        };
        GenevePacket::parse(&buf[..n]).is_ok_and(|p| p.options().any(|o| o.is_critical()))
    }

    fn header(&self, vni: u32) -> GeneveRepr<'_> {
        GeneveRepr {
            vni,
            protocol_type: ethertype::TEB,
            oam: false,
            critical: false,
            options: self.as_bytes(),
        }
    }
}

/// Writes the GENEVE header with `opts` for `vni` at the start of `out`; returns its length.
pub(crate) fn write_header(
    vni: u32,
    opts: &GeneveOptions,
    out: &mut [u8],
) -> Result<usize, WireError> {
    let mut h = opts.header(vni);
    h.critical = opts.has_critical();
    h.emit(out)
}

/// What the GENEVE header of a received packet said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub vni: u32,
    pub header_len: usize,
    pub oam: bool,
}

/// Checks the GENEVE header at the start of a UDP payload (see the module doc).
#[inline]
pub(crate) fn parse(udp_payload: &[u8], accept_critical: bool) -> Result<Parsed, EncapError> {
    let p = GenevePacket::parse(udp_payload)?;
    if p.protocol_type() != ethertype::TEB {
        return Err(EncapError::WrongProtocol {
            found: p.protocol_type(),
        });
    }
    if p.critical() && !accept_critical {
        return Err(EncapError::CriticalOption);
    }
    Ok(Parsed {
        vni: p.vni(),
        header_len: p.header_len(),
        oam: p.oam(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_validated_once() {
        let mut o = GeneveOptions::EMPTY;
        o.push(0x0102, 0x80, &[1, 2, 3, 4]).unwrap();
        o.push(0xffff, 3, &[]).unwrap();
        assert_eq!(o.len(), 12);
        assert!(o.has_critical());
        assert_eq!(GeneveOptions::from_bytes(o.as_bytes()), Ok(o));
        // Length not a multiple of 4, a TLV running past the end, too long.
        assert!(GeneveOptions::from_bytes(&[0, 1, 2]).is_err());
        assert!(GeneveOptions::from_bytes(&[0, 1, 2, 3]).is_err());
        assert!(GeneveOptions::from_bytes(&[0u8; 256]).is_err());
        assert!(o.push(1, 1, &[0; 3]).is_err());
        let mut full = GeneveOptions::EMPTY;
        while full.push(1, 1, &[0; 124]).is_ok() {}
        assert_eq!(full.len(), 128);
        assert!(!GeneveOptions::from_bytes(&[0, 1, 2, 0])
            .unwrap()
            .has_critical());
    }

    #[test]
    fn receive_rules() {
        // Version 0, C flag, TEB.
        let mut h = [0x00, 0x40, 0x65, 0x58, 0, 0, 7, 0, 0xaa];
        assert_eq!(parse(&h, false), Err(EncapError::CriticalOption));
        assert_eq!(
            parse(&h, true),
            Ok(Parsed {
                vni: 7,
                header_len: 8,
                oam: false
            })
        );
        h[2..4].copy_from_slice(&[0x08, 0x00]);
        assert_eq!(
            parse(&h, true),
            Err(EncapError::WrongProtocol { found: 0x0800 })
        );
        h[0] = 0x40;
        assert!(matches!(
            parse(&h, true),
            Err(EncapError::Wire(WireError::BadVersion { .. }))
        ));
    }
}
