//! A small reader for classic libpcap files (not pcapng), shared by the examples.
//!
//! Format: a 24-byte global header (magic, version 2.4, thiszone, sigfigs, snaplen, linktype),
//! then records of a 16-byte header (ts_sec, ts_frac, incl_len, orig_len) followed by
//! `incl_len` bytes (draft-ietf-opsawg-pcap §4, §5). Both byte orders (the magic tells), with
//! microsecond (0xa1b2c3d4) or nanosecond (0xa1b23c4d) timestamps. The reader works over a byte
//! slice the caller loaded; every length is checked, and a record whose `incl_len` exceeds the
//! snaplen or runs past the end of the file is an error, never a panic or a silent clamp.

use std::fmt;

/// Global header length.
pub const FILE_HEADER_LEN: usize = 24;
/// Per-record header length.
pub const RECORD_HEADER_LEN: usize = 16;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;

const MAGIC_USEC: u32 = 0xa1b2_c3d4;
const MAGIC_NSEC: u32 = 0xa1b2_3c4d;
const MAGIC_PCAPNG: u32 = 0x0a0d_0d0a;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcapError {
    /// Shorter than the 24-byte global header.
    ShortFile {
        /// File length.
        len: usize,
    },
    /// The file is pcapng, which this reader does not handle.
    Pcapng,
    /// Not a classic pcap magic number.
    BadMagic(u32),
    /// The file's link type is not the one the caller needs.
    Linktype {
        /// Found in the header.
        found: u32,
        /// Required by the caller.
        want: u32,
    },
    /// The file ends inside a record header.
    TruncatedRecordHeader {
        /// 1-based record number.
        index: usize,
        /// File offset of the record header.
        offset: usize,
        /// Bytes left in the file.
        have: usize,
    },
    /// A record's captured length exceeds the file's snaplen.
    OverSnaplen {
        /// 1-based record number.
        index: usize,
        /// File offset of the record header.
        offset: usize,
        /// The record's incl_len.
        incl_len: u32,
        /// The file's snaplen.
        snaplen: u32,
    },
    /// A record's data runs past the end of the file.
    TruncatedRecord {
        /// 1-based record number.
        index: usize,
        /// File offset of the record header.
        offset: usize,
        /// The record's incl_len.
        incl_len: u32,
        /// Bytes left after the record header.
        have: usize,
    },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PcapError::ShortFile { len } => {
                write!(f, "not a pcap file: {len} bytes, the header alone is {FILE_HEADER_LEN}")
            }
            PcapError::Pcapng => write!(
                f,
                "pcapng is not supported; convert with `editcap -F pcap in.pcapng out.pcap`"
            ),
            PcapError::BadMagic(m) => write!(f, "not a classic pcap file (magic {m:#010x})"),
            PcapError::Linktype { found, want } => {
                write!(f, "unsupported link type {found} (need {want}, Ethernet)")
            }
            PcapError::TruncatedRecordHeader { index, offset, have } => write!(
                f,
                "record {index} at offset {offset}: file ends inside the record header \
                 ({have} of {RECORD_HEADER_LEN} bytes)"
            ),
            PcapError::OverSnaplen { index, offset, incl_len, snaplen } => write!(
                f,
                "record {index} at offset {offset}: captured length {incl_len} exceeds snaplen {snaplen}"
            ),
            PcapError::TruncatedRecord { index, offset, incl_len, have } => write!(
                f,
                "record {index} at offset {offset}: captured length {incl_len} runs past the end \
                 of the file ({have} bytes left)"
            ),
        }
    }
}

impl std::error::Error for PcapError {}

/// One record.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)] // not every example reads every field
pub struct Record<'a> {
    /// Seconds since the epoch.
    pub ts_sec: u32,
    /// Nanoseconds within the second (microsecond files are scaled).
    pub ts_nsec: u32,
    /// Length of the packet on the wire.
    pub orig_len: u32,
    /// The captured bytes (`incl_len` of them).
    pub data: &'a [u8],
}

/// A classic pcap file over a byte slice; iterate it for records. After the first error the
/// iterator ends.
#[derive(Debug, Clone)]
pub struct Pcap<'a> {
    rest: &'a [u8],
    offset: usize,
    index: usize,
    big_endian: bool,
    nanos: bool,
    snaplen: u32,
    linktype: u32,
    failed: bool,
}

impl<'a> Pcap<'a> {
    /// Reads the global header.
    pub fn new(data: &'a [u8]) -> Result<Self, PcapError> {
        let Some((hdr, rest)) = data.split_first_chunk::<FILE_HEADER_LEN>() else {
            return Err(PcapError::ShortFile { len: data.len() });
        };
        let magic_le = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let (big_endian, nanos) = match (magic_le, magic_le.swap_bytes()) {
            (MAGIC_USEC, _) => (false, false),
            (MAGIC_NSEC, _) => (false, true),
            (_, MAGIC_USEC) => (true, false),
            (_, MAGIC_NSEC) => (true, true),
            (MAGIC_PCAPNG, _) => return Err(PcapError::Pcapng),
            _ => return Err(PcapError::BadMagic(magic_le.swap_bytes())),
        };
        let word = |i: usize| {
            let b = [hdr[i], hdr[i + 1], hdr[i + 2], hdr[i + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        Ok(Pcap {
            rest,
            offset: FILE_HEADER_LEN,
            index: 0,
            big_endian,
            nanos,
            snaplen: word(16),
            linktype: word(20),
            failed: false,
        })
    }

    /// The link type field of the global header.
    #[allow(dead_code)]
    pub fn linktype(&self) -> u32 {
        self.linktype
    }

    /// Fails unless the link type is `want`.
    pub fn require_linktype(&self, want: u32) -> Result<(), PcapError> {
        if self.linktype == want {
            Ok(())
        } else {
            Err(PcapError::Linktype {
                found: self.linktype,
                want,
            })
        }
    }

    /// The snaplen of the global header.
    #[allow(dead_code)]
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    fn u32_at(&self, b: &[u8; RECORD_HEADER_LEN], i: usize) -> u32 {
        let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        if self.big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    }

    fn next_record(&mut self) -> Result<Option<Record<'a>>, PcapError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let index = self.index + 1;
        let offset = self.offset;
        let Some((hdr, body)) = self.rest.split_first_chunk::<RECORD_HEADER_LEN>() else {
            return Err(PcapError::TruncatedRecordHeader {
                index,
                offset,
                have: self.rest.len(),
            });
        };
        let ts_sec = self.u32_at(hdr, 0);
        let ts_frac = self.u32_at(hdr, 4);
        let incl_len = self.u32_at(hdr, 8);
        let orig_len = self.u32_at(hdr, 12);
        if incl_len > self.snaplen {
            return Err(PcapError::OverSnaplen {
                index,
                offset,
                incl_len,
                snaplen: self.snaplen,
            });
        }
        let truncated = PcapError::TruncatedRecord {
            index,
            offset,
            incl_len,
            have: body.len(),
        };
        let n = usize::try_from(incl_len).map_err(|_| truncated.clone())?;
        let (data, rest) = body.split_at_checked(n).ok_or(truncated)?;
        self.rest = rest;
        self.offset = offset + RECORD_HEADER_LEN + n;
        self.index = index;
        let ts_nsec = if self.nanos {
            ts_frac
        } else {
            ts_frac.saturating_mul(1000)
        };
        Ok(Some(Record {
            ts_sec,
            ts_nsec,
            orig_len,
            data,
        }))
    }
}

impl<'a> Iterator for Pcap<'a> {
    type Item = Result<Record<'a>, PcapError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.next_record();
        if r.is_err() {
            self.failed = true;
        }
        r.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(magic: u32, be: bool, snaplen: u32, linktype: u32, recs: &[&[u8]]) -> Vec<u8> {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let h = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend(w(magic));
        f.extend(h(2));
        f.extend(h(4));
        f.extend(w(0));
        f.extend(w(0));
        f.extend(w(snaplen));
        f.extend(w(linktype));
        for (i, r) in recs.iter().enumerate() {
            f.extend(w(1000 + i as u32));
            f.extend(w(7));
            f.extend(w(r.len() as u32));
            f.extend(w(r.len() as u32 + 4));
            f.extend_from_slice(r);
        }
        f
    }

    #[test]
    fn both_orders_and_resolutions() {
        for (magic, be, nsec) in [
            (MAGIC_USEC, false, 7000),
            (MAGIC_USEC, true, 7000),
            (MAGIC_NSEC, false, 7),
            (MAGIC_NSEC, true, 7),
        ] {
            let f = file(magic, be, 65535, 1, &[b"abc", b"", b"defg"]);
            let p = Pcap::new(&f).unwrap();
            assert_eq!((p.linktype(), p.snaplen()), (1, 65535));
            let recs: Vec<_> = p.map(Result::unwrap).collect();
            assert_eq!(recs.len(), 3);
            assert_eq!(recs[0].data, b"abc");
            assert_eq!(recs[1].data, b"");
            assert_eq!(
                (recs[2].data, recs[2].ts_sec, recs[2].orig_len),
                (&b"defg"[..], 1002, 8)
            );
            assert_eq!(recs[0].ts_nsec, nsec);
        }
    }

    proptest::proptest! {
        /// Any bytes after a valid global header: records or one error, never a panic, and
        /// the records returned lie inside the file.
        #[test]
        fn never_panics(
            kind in 0..4usize,
            snaplen in proptest::num::u32::ANY,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        ) {
            let magic = [MAGIC_USEC, MAGIC_NSEC][kind % 2];
            let mut f = file(magic, kind >= 2, snaplen, 1, &[]);
            f.extend_from_slice(&body);
            let mut total = 0;
            let mut errors = 0;
            for r in Pcap::new(&f).unwrap() {
                match r {
                    Ok(rec) => total += RECORD_HEADER_LEN + rec.data.len(),
                    Err(_) => errors += 1,
                }
            }
            proptest::prop_assert!(errors <= 1);
            proptest::prop_assert!(total <= body.len());
            proptest::prop_assert!(errors == 1 || total == body.len());
        }
    }

    #[test]
    fn errors() {
        assert_eq!(
            Pcap::new(&[0; 23]).unwrap_err(),
            PcapError::ShortFile { len: 23 }
        );
        assert_eq!(Pcap::new(&[0; 24]).unwrap_err(), PcapError::BadMagic(0));
        let mut ng = file(MAGIC_PCAPNG, false, 0, 0, &[]);
        ng[..4].copy_from_slice(&MAGIC_PCAPNG.to_le_bytes());
        assert_eq!(Pcap::new(&ng).unwrap_err(), PcapError::Pcapng);
        let raw = file(MAGIC_USEC, false, 65535, 101, &[]);
        assert_eq!(
            Pcap::new(&raw).unwrap().require_linktype(1).unwrap_err(),
            PcapError::Linktype {
                found: 101,
                want: 1
            }
        );

        let f = file(MAGIC_USEC, false, 3, 1, &[b"abc", b"abcd"]);
        let r: Vec<_> = Pcap::new(&f).unwrap().collect();
        assert_eq!(r.len(), 2);
        assert!(r[0].is_ok());
        assert_eq!(
            r[1].clone().unwrap_err(),
            PcapError::OverSnaplen {
                index: 2,
                offset: 24 + 16 + 3,
                incl_len: 4,
                snaplen: 3
            }
        );

        let f = file(MAGIC_USEC, true, 65535, 1, &[b"abcdef"]);
        for cut in 1..f.len() - 24 {
            let short = &f[..f.len() - cut];
            let r: Vec<_> = Pcap::new(short).unwrap().collect();
            assert_eq!(r.len(), 1, "cut {cut}");
            match r[0].clone().unwrap_err() {
                PcapError::TruncatedRecord {
                    index: 1,
                    offset: 24,
                    incl_len: 6,
                    have,
                } => {
                    assert_eq!(have, 6 - cut)
                }
                PcapError::TruncatedRecordHeader {
                    index: 1,
                    offset: 24,
                    have,
                } => {
                    assert_eq!(have, 22 - cut)
                }
                e => panic!("cut {cut}: {e}"),
            }
        }
    }
}
