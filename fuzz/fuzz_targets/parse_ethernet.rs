//! Ethernet + VLAN tag walk: total on any bytes; emit of the parsed fields reproduces the header.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::ethernet::{EthernetFrame, EthernetRepr, HEADER_LEN};
use neutrino::wire::vlan::{walk_tags, VlanRepr, VlanTag, TAG_LEN};
use neutrino::wire::Header;

fuzz_target!(|data: &[u8]| {
    let Ok(f) = EthernetFrame::parse(data) else {
        return;
    };
    let mut out = [0u8; HEADER_LEN];
    assert_eq!(EthernetRepr::from_frame(&f).emit(&mut out), Ok(HEADER_LEN));
    assert_eq!(&out[..], &data[..HEADER_LEN]);
    if let Ok((stack, _et, used)) = walk_tags(f.ethertype(), f.payload()) {
        assert!(used <= f.payload().len());
        assert_eq!(used, usize::from(stack.depth) * TAG_LEN);
        for i in 0..usize::from(stack.depth) {
            let bytes = &f.payload()[i * TAG_LEN..];
            let (tag, _) = VlanTag::split_from(bytes).unwrap();
            let mut t = [0u8; TAG_LEN];
            VlanRepr::from_tag(stack.tpid[i], tag).emit(&mut t).unwrap();
            assert_eq!(&t[..], &bytes[..TAG_LEN]);
        }
    }
});
