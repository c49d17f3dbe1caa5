//! [`PacketBuf`]: a headroom-aware view over a caller's buffer, with the offsets of a DPDK mbuf.
//!
//! The buffer is `[0, capacity)`; the packet is `[head, head + len)`. `head` is an mbuf's
//! `data_off`, `len` its `data_len`, so a C caller passes those two fields straight through.
//! Encapsulation grows into headroom with [`PacketBuf::prepend`]; decapsulation gives it back
//! with [`PacketBuf::trim_front`]. Every operation either succeeds or changes nothing.

use crate::error::BufError;

/// A packet inside a larger caller-owned buffer.
#[derive(Debug)]
pub struct PacketBuf<'a> {
    buf: &'a mut [u8],
    head: usize,
    len: usize,
}

impl<'a> PacketBuf<'a> {
    /// Wraps `buf` with the packet at `[head, head + len)`.
    ///
    /// Refused when the range does not fit, or when `head` or `len` exceed `u16::MAX` (an
    /// mbuf's fields are 16-bit; such a buffer could not be handed back to DPDK).
    pub fn new(buf: &'a mut [u8], head: usize, len: usize) -> Result<Self, BufError> {
        let capacity = buf.len();
        let fits = head.checked_add(len).is_some_and(|end| end <= capacity);
        if !fits || head > usize::from(u16::MAX) || len > usize::from(u16::MAX) {
            return Err(BufError::BadOffsets {
                head,
                len,
                capacity,
            });
        }
        Ok(PacketBuf { buf, head, len })
    }

    /// Wraps a buffer whose packet fills all of it (no headroom).
    pub fn full(buf: &'a mut [u8]) -> Result<Self, BufError> {
        let len = buf.len();
        Self::new(buf, 0, len)
    }

    /// Offset of the first packet byte (mbuf `data_off`).
    #[inline]
    pub fn head(&self) -> usize {
        self.head
    }
    /// Packet length (mbuf `data_len`).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when the packet has no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Size of the whole buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
    /// Free bytes before the packet.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.head
    }
    /// Free bytes after the packet.
    #[inline]
    pub fn tailroom(&self) -> usize {
        self.buf.len() - self.head - self.len
    }
    /// The packet bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.head..self.head + self.len]
    }
    /// The packet bytes, mutable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.head..self.head + self.len]
    }

    /// Grows the packet by `n` bytes at the front (into headroom); returns the new front bytes
    /// for the caller to fill. Their content is whatever the buffer held.
    #[inline]
    pub fn prepend(&mut self, n: usize) -> Result<&mut [u8], BufError> {
        if n > self.head {
            return Err(BufError::NoHeadroom {
                need: n,
                have: self.head,
            });
        }
        // len + n cannot exceed u16::MAX + ... check the mbuf limit.
        if self.len + n > usize::from(u16::MAX) {
            return Err(BufError::BadOffsets {
                head: self.head - n,
                len: self.len + n,
                capacity: self.buf.len(),
            });
        }
        self.head -= n;
        self.len += n;
        Ok(&mut self.buf[self.head..self.head + n])
    }

    /// Removes `n` bytes from the front (they become headroom).
    #[inline]
    pub fn trim_front(&mut self, n: usize) -> Result<(), BufError> {
        if n > self.len {
            return Err(BufError::DataTooShort {
                need: n,
                have: self.len,
            });
        }
        self.head += n;
        self.len -= n;
        Ok(())
    }

    /// Grows the packet by `n` bytes at the end (into tailroom); returns the new tail bytes.
    #[inline]
    pub fn append(&mut self, n: usize) -> Result<&mut [u8], BufError> {
        let have = self.tailroom();
        if n > have {
            return Err(BufError::NoTailroom { need: n, have });
        }
        if self.len + n > usize::from(u16::MAX) {
            return Err(BufError::BadOffsets {
                head: self.head,
                len: self.len + n,
                capacity: self.buf.len(),
            });
        }
        let end = self.head + self.len;
        self.len += n;
        Ok(&mut self.buf[end..end + n])
    }

    /// Shortens the packet to `new_len` bytes (the rest becomes tailroom).
    #[inline]
    pub fn truncate(&mut self, new_len: usize) -> Result<(), BufError> {
        if new_len > self.len {
            return Err(BufError::DataTooShort {
                need: new_len,
                have: self.len,
            });
        }
        self.len = new_len;
        Ok(())
    }

    /// The offsets to hand back to an mbuf: `(data_off, data_len)`.
    #[inline]
    pub fn offsets(&self) -> (u16, u16) {
        // Both fit: checked in `new` and in every operation that grows them.
        (self.head as u16, self.len as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mbuf_like_offsets() {
        let mut mem = [0u8; 256];
        mem[128..132].copy_from_slice(b"abcd");
        let mut b = PacketBuf::new(&mut mem, 128, 4).unwrap();
        assert_eq!((b.headroom(), b.tailroom()), (128, 124));
        b.prepend(2).unwrap().copy_from_slice(b"xy");
        assert_eq!(b.data(), b"xyabcd");
        assert_eq!(b.offsets(), (126, 6));
        b.trim_front(3).unwrap();
        assert_eq!(b.data(), b"bcd");
        b.append(1).unwrap()[0] = b'!';
        assert_eq!(b.data(), b"bcd!");
        b.truncate(2).unwrap();
        assert_eq!(b.data(), b"bc");
    }

    #[test]
    fn refusals_change_nothing() {
        let mut mem = [7u8; 64];
        assert!(PacketBuf::new(&mut mem, 60, 5).is_err());
        assert!(PacketBuf::new(&mut mem, usize::MAX, 2).is_err());
        let mut b = PacketBuf::new(&mut mem, 4, 50).unwrap();
        assert_eq!(
            b.prepend(5).unwrap_err(),
            BufError::NoHeadroom { need: 5, have: 4 }
        );
        assert_eq!(
            b.append(11).unwrap_err(),
            BufError::NoTailroom { need: 11, have: 10 }
        );
        assert!(b.trim_front(51).is_err());
        assert!(b.truncate(51).is_err());
        assert_eq!(b.offsets(), (4, 50));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Prepend(usize),
        Trim(usize),
        Append(usize),
        Truncate(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..80).prop_map(Op::Prepend),
            (0usize..80).prop_map(Op::Trim),
            (0usize..80).prop_map(Op::Append),
            (0usize..80).prop_map(Op::Truncate),
        ]
    }

    proptest! {
        /// Against a model of (head, len) with the obvious arithmetic.
        #[test]
        fn matches_model(head in 0usize..200, len in 0usize..200, ops in proptest::collection::vec(op(), 0..40)) {
            let cap = 256;
            let mut mem = std::vec![0u8; cap];
            let Ok(mut b) = PacketBuf::new(&mut mem, head, len) else {
                prop_assert!(head + len > cap);
                return Ok(());
            };
            let (mut h, mut l) = (head, len);
            for o in ops {
                let ok = match o {
                    Op::Prepend(n) => b.prepend(n).is_ok(),
                    Op::Trim(n) => b.trim_front(n).is_ok(),
                    Op::Append(n) => b.append(n).is_ok(),
                    Op::Truncate(n) => b.truncate(n).is_ok(),
                };
                let expect = match o {
                    Op::Prepend(n) => n <= h,
                    Op::Trim(n) => n <= l,
                    Op::Append(n) => h + l + n <= cap,
                    Op::Truncate(n) => n <= l,
                };
                prop_assert_eq!(ok, expect);
                if ok {
                    match o {
                        Op::Prepend(n) => { h -= n; l += n; }
                        Op::Trim(n) => { h += n; l -= n; }
                        Op::Append(n) => { l += n; }
                        Op::Truncate(n) => { l = n; }
                    }
                }
                prop_assert_eq!((b.head(), b.len()), (h, l));
                prop_assert_eq!(b.data().len(), l);
            }
        }
    }
}
