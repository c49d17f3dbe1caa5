//! PacketBuf: any sequence of operations matches a (head, len) model and never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::PacketBuf;

fuzz_target!(|input: (u16, u16, u16, Vec<(u8, u16)>)| {
    let (cap, head, len, ops) = input;
    let cap = usize::from(cap % 4096);
    let mut mem = vec![0u8; cap];
    let Ok(mut b) = PacketBuf::new(&mut mem, usize::from(head), usize::from(len)) else {
        assert!(usize::from(head) + usize::from(len) > cap);
        return;
    };
    let (mut h, mut l) = (usize::from(head), usize::from(len));
    for (op, n) in ops {
        let n = usize::from(n);
        let ok = match op % 4 {
            0 => b.prepend(n).map(|s| s.len() == n).unwrap_or(false),
            1 => b.trim_front(n).is_ok(),
            2 => b.append(n).map(|s| s.len() == n).unwrap_or(false),
            _ => b.truncate(n).is_ok(),
        };
        let expect = match op % 4 {
            0 => n <= h,
            1 => n <= l,
            2 => h + l + n <= cap && l + n <= 65535,
            _ => n <= l,
        };
        assert_eq!(ok, expect);
        if ok {
            match op % 4 {
                0 => {
                    h -= n;
                    l += n;
                }
                1 => {
                    h += n;
                    l -= n;
                }
                2 => l += n,
                _ => l = n,
            }
        }
        assert_eq!((b.head(), b.len(), b.data().len()), (h, l, l));
    }
});
