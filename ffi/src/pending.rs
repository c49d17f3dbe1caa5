//! TEMPORARY stand-in for `neutrino::wire::classify_into` until the core's classifier lands on
//! main; delete this file and import from `neutrino::wire` then.
use neutrino::wire::{ClassifyOpts, Layer, PacketInfo, WireError};

pub fn classify_into(
    buf: &[u8],
    _opts: &ClassifyOpts,
    _info: &mut PacketInfo,
) -> Result<(), WireError> {
    Err(WireError::Truncated {
        layer: Layer::Ethernet,
        need: 14,
        have: buf.len(),
    })
}
