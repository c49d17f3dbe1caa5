//! The classifier: total on any bytes (with and without checksum verification and tunnels);
//! every offset it reports is ordered and inside the input; when it succeeds, the protocol
//! parsers accept the same layers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::{classify_into, ClassifyOpts, FrameFlags, PacketInfo};

fuzz_target!(|data: &[u8]| {
    let mut info = PacketInfo::default();
    let flags = data.first().copied().unwrap_or(0);
    let opts = ClassifyOpts {
        tunnels: flags & 1 == 0,
        verify_checksums: flags & 2 != 0,
        ..ClassifyOpts::DEFAULT
    };
    let data = data.get(1..).unwrap_or(&[]);
    let ok = classify_into(data, &opts, &mut info).is_ok();
    for f in [&info.outer, &info.inner] {
        if f.flags.is_empty() {
            continue;
        }
        assert!(usize::from(f.l3_end) <= data.len());
        if ok {
            assert!(f.l2_off <= f.l3_off && f.l3_off <= f.l4_off && f.l4_off <= f.payload_off);
            assert!(f.payload_off <= f.l3_end || !f.flags.contains(FrameFlags::L4));
            if f.flags.contains(FrameFlags::IPV4) {
                neutrino::wire::ipv4::Ipv4Packet::parse(&data[usize::from(f.l3_off)..]).unwrap();
            }
            if f.flags.contains(FrameFlags::IPV6) {
                neutrino::wire::ipv6::Ipv6Packet::parse(&data[usize::from(f.l3_off)..]).unwrap();
            }
        }
    }
});
