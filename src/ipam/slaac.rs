//! SLAAC / DHCPv6-stateless addresses: the /64 prefix followed by the modified EUI-64
//! interface identifier of the port MAC (RFC 4291 §2.5.1 and Appendix A: insert ff:fe in the
//! middle and invert the universal/local bit). Neutron `ipv6_utils.get_ipv6_addr_by_EUI64`.
//!
//! Example (the research note): fa:16:3e:12:34:56 on 2001:db8::/64 →
//! 2001:db8::f816:3eff:fe12:3456.

use core::net::Ipv6Addr;

use ipnet::{IpNet, Ipv6Net};

use super::IpamError;
use crate::wire::MacAddr;

/// The modified EUI-64 interface identifier of `mac`.
pub const fn eui64_interface_id(mac: MacAddr) -> [u8; 8] {
    let m = mac.0;
    [m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]]
}

/// The SLAAC address of `mac` in `prefix`, which must be a /64 (`SlaacRequires64`) with host
/// bits zero (`CidrHostBits`).
pub fn eui64_address(prefix: Ipv6Net, mac: MacAddr) -> Result<Ipv6Addr, IpamError> {
    let cidr = IpNet::V6(prefix);
    if prefix.prefix_len() != 64 {
        return Err(IpamError::SlaacRequires64 { cidr });
    }
    if prefix.addr() != prefix.network() {
        return Err(IpamError::CidrHostBits {
            cidr,
            network: cidr.trunc(),
        });
    }
    let mut o = prefix.network().octets();
    o[8..].copy_from_slice(&eui64_interface_id(mac));
    Ok(Ipv6Addr::from(o))
}

/// The link-local address of `mac` (fe80::/64 + EUI-64), which port security lets a port use.
pub fn link_local(mac: MacAddr) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o[0] = 0xfe;
    o[1] = 0x80;
    o[8..].copy_from_slice(&eui64_interface_id(mac));
    Ipv6Addr::from(o)
}
