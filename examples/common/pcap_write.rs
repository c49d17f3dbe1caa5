//! A small writer for classic libpcap files (microsecond timestamps, little-endian, link type
//! Ethernet), the counterpart of `pcap.rs` for the examples that produce captures.

use std::io::{self, Write};

/// LINKTYPE_ETHERNET.
const LINKTYPE_ETHERNET: u32 = 1;
/// Largest snaplen written in the header.
const SNAPLEN: u32 = 262_144;

/// Writes records to `W` after a global header.
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte global header (magic 0xa1b2c3d4, version 2.4, Ethernet).
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        for v in [0u32, 0, SNAPLEN, LINKTYPE_ETHERNET] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        out.write_all(&h)?;
        Ok(PcapWriter { out })
    }

    /// Appends one record; `orig_len` is the frame's length on the wire.
    pub fn write(
        &mut self,
        ts_sec: u32,
        ts_nsec: u32,
        orig_len: u32,
        data: &[u8],
    ) -> io::Result<()> {
        let incl = u32::try_from(data.len())
            .ok()
            .filter(|n| *n <= SNAPLEN)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        h[4..8].copy_from_slice(&(ts_nsec / 1000).to_le_bytes());
        h[8..12].copy_from_slice(&incl.to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.max(incl).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
