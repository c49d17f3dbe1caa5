//! The C ABI of neutrino: `include/neutrino.h` is generated from this crate by cbindgen.
//!
//! Conventions (DESIGN.md "C ABI", modelled on rustls-ffi and DPDK):
//! - every export is named `neutrino_<component>_<verb>`, returns a [`neutrino_status`] and
//!   writes results through out-pointers;
//! - every export body runs inside [`ffi_guard!`], so a panic becomes `NEUTRINO_PANIC` and
//!   never unwinds into C;
//! - pointers and lengths are checked ([`args`]) before any slice is built; NULL with a zero
//!   length is an empty array;
//! - packets are `(buf, buf_len, data_off, data_len)`, the fields of an `rte_mbuf`;
//! - this crate only translates between C and core types; all logic is in `neutrino`.
//!
//! Exports, by room:
//! - [`neutrino_version`], [`neutrino_abi_version`], [`neutrino_status_str`];
//! - classifier ([`classify`]): [`neutrino_classify_opts_default`], [`neutrino_classify`],
//!   [`neutrino_classify_burst`];
//! - encap/decap ([`encap`]): `neutrino_encap_*`, `neutrino_decap_*` (contexts, single and
//!   burst calls, counters); MTU errors ([`icmp`]): [`icmp::neutrino_icmp_frag_needed`],
//!   [`icmp::neutrino_icmp_packet_too_big`];
//! - L2: the table (`neutrino_table_*`), the FDB (`neutrino_fdb_*`), the ARP/ND responder
//!   (`neutrino_responder_*`) and port security (`neutrino_port_security_*`), each also over
//!   caller memory (`_mem_size` + `_init`);
//! - IPAM ([`ipam`]: `neutrino_subnet_*`, `neutrino_addr_*`, `neutrino_segment_*`,
//!   `neutrino_vlan_*`, `neutrino_mac_*`, `neutrino_subnet_pool_*`, `neutrino_ipam_*`) and the
//!   DHCP responder ([`dhcp`]: `neutrino_dhcp_*`);
//! - routing ([`route`]): `neutrino_vrf_table_*`, `neutrino_vrf_*`, `neutrino_route_*`,
//!   `neutrino_nhg_*`, [`neutrino_flow_hash_v4`].
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

// The panic guard needs unwinding; with `panic = "abort"` a core bug would kill the host.
#[cfg(panic = "abort")]
compile_error!("neutrino-ffi must be built with panic = \"unwind\" (see DESIGN.md, C ABI)");

use core::ffi::{c_char, CStr};

pub mod args;
pub mod classify;
pub mod dhcp;
pub mod encap;
pub mod fdb;
pub mod guard;
pub mod icmp;
pub mod ipam;
pub mod port_security;
pub mod responder;
pub mod route;
pub mod status;
pub mod table;

pub use classify::*;
pub use dhcp::*;
pub use encap::*;
pub use fdb::*;
pub use ipam::*;
pub use port_security::*;
pub use responder::*;
pub use route::*;
pub use status::{neutrino_status, neutrino_status_str};
pub use table::*;

use guard::guard_value;

/// Version of the binary interface described by `neutrino.h`. It changes whenever a struct
/// layout, a function signature or a constant's meaning changes incompatibly; compare it with
/// `neutrino_abi_version()` at start-up to detect a header/library mismatch.
pub const NEUTRINO_ABI_VERSION: u32 = 1;

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version string contains a NUL"),
    };

/// The library version (`"MAJOR.MINOR.PATCH"`) as a static NUL-terminated string. Never NULL;
/// must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_version() -> *const c_char {
    guard_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// The `NEUTRINO_ABI_VERSION` the library was built with.
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_abi_version() -> u32 {
    guard_value(NEUTRINO_ABI_VERSION, || NEUTRINO_ABI_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_strings() {
        // SAFETY: neutrino_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(neutrino_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(neutrino_abi_version(), NEUTRINO_ABI_VERSION);
    }
}
