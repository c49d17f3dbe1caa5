//! Lookup arrays in memory the kernel may back with transparent huge pages.
//!
//! A full table's lookup structure is 9–14 MiB read at random: with 4 KiB pages most reads
//! of a hit lookup also miss the TLB. [`rehome`] moves a built array into a fresh allocation
//! that is advised `MADV_HUGEPAGE` before it is written, so that on Linux (transparent huge
//! pages in `madvise` or `always` mode) its pages are faulted in as 2 MiB pages. The advice
//! only marks the address range as eligible: it changes no content and nothing of the
//! allocator's, and where it is refused or unsupported (other systems, `no_std`, THP off)
//! the array is an ordinary one. Only the whole huge pages inside an allocation are advised
//! (its first and last partial 2 MiB stay on small pages), so no memory is added: the full
//! IPv4 and IPv6 tables of the C bench got 10 MiB of huge pages. Measured there (3 pairs
//! interleaved with the build before, neutrino's rate): IPv6 hit 99.5 / 85.2 / 99.9 →
//! 104.4 / 102.4 / 103.5 M/s, IPv4 random 282 / 291 / 283 → 299 / 305 / 294 M/s, IPv4 hit
//! unchanged (≈ 210 M/s). DPDK in that bench runs `--no-huge`, as the issue prescribes: its
//! tables are on small pages there, while a production DPDK puts them on hugetlbfs pages.
//!
//! Whole coverage was measured and is not worth a type of its own: the C bench reports what
//! of each build the kernel put on huge pages (`AnonHugePages`), 4 MiB of the IPv4 table's
//! 14.7 MiB (6.1 MiB of lookup structure) and 8 MiB of the IPv6 one's 14.1 (8.7); with the
//! arrays copied into 2 MiB-aligned allocations rounded up to whole huge pages (a throwaway
//! build), 14 MiB each, and the lookup rates did not move (IPv4 hit 218 → 218 M/s, IPv6 hit
//! 98.8 → 96.9, random 289 → 280 and 659 → 593, one run each on an otherwise idle machine):
//! what is left of a hit's cost is the dependent cache misses, not the TLB.

use alloc::vec::Vec;

/// The huge page size this advice is for (x86-64 and aarch64 with 4 KiB base pages).
const HUGE: usize = 2 << 20;

/// `v` itself when it is smaller than a huge page; otherwise its elements in a new
/// allocation of the same length whose huge-page-aligned part was advised for huge pages
/// before anything was written to it (the old allocation is freed).
pub(crate) fn rehome<T: Copy>(v: Vec<T>) -> Vec<T> {
    if worth_it(&v) {
        copy_of(&v)
    } else {
        v
    }
}

/// A copy of `s` (a clone of a structure's array): in memory advised like [`rehome`]'s when
/// `s` is at least a huge page.
pub(crate) fn copy_of<T: Copy>(s: &[T]) -> Vec<T> {
    let mut n: Vec<T> = Vec::with_capacity(s.len());
    if worth_it(s) {
        advise(n.as_ptr() as usize, core::mem::size_of_val(s));
    }
    n.extend_from_slice(s);
    n
}

fn worth_it<T>(s: &[T]) -> bool {
    core::mem::size_of_val(s) >= HUGE && cfg!(all(feature = "std", target_os = "linux"))
}

/// Asks for huge pages on the whole huge pages inside `[start, start + len)`.
#[cfg(all(feature = "std", target_os = "linux"))]
#[allow(unsafe_code)]
fn advise(start: usize, len: usize) {
    let first = start.next_multiple_of(HUGE);
    let end = (start + len) / HUGE * HUGE;
    if end > first {
        // SAFETY: `madvise` with `MADV_HUGEPAGE` reads and writes no memory: it marks the
        // mapping of `[first, end)` as eligible for huge pages. The range is page aligned
        // (huge-page aligned) and lies inside the caller's live allocation of `len` bytes at
        // `start`. Its result is ignored: refused advice leaves ordinary pages.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(feature = "std", target_os = "linux")))]
fn advise(_start: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rehome_keeps_the_elements() {
        let small: Vec<u32> = (0..1000).collect();
        let p = small.as_ptr();
        let s = rehome(small);
        assert_eq!(s.as_ptr(), p, "small arrays stay where they are");
        assert!(s.iter().copied().eq(0..1000));
        let big: Vec<u32> = (0..3_000_000u32)
            .map(|i| i.wrapping_mul(2654435761))
            .collect();
        let b = rehome(big.clone());
        assert_eq!(b, big);
        assert_eq!(b.capacity(), b.len());
        assert_eq!(copy_of(&big), big);
    }

    /// On Linux with transparent huge pages, the mapping under the rehomed array's aligned
    /// part carries the huge-page advice (`hg` in the kernel's `VmFlags` of that mapping).
    #[cfg(all(feature = "std", target_os = "linux"))]
    #[test]
    fn rehomed_memory_is_advised_for_huge_pages() {
        use std::{eprintln, string::String};
        if std::fs::metadata("/sys/kernel/mm/transparent_hugepage/enabled").is_err() {
            eprintln!("SKIP: this kernel has no transparent huge pages");
            return;
        }
        if std::fs::metadata("/proc/self/smaps").is_err() {
            eprintln!("SKIP: /proc/self/smaps unreadable");
            return;
        }
        let v = rehome((0..(8u64 << 20) / 8).collect::<Vec<u64>>());
        let inner = (v.as_ptr() as usize).next_multiple_of(HUGE);
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut inside = false;
        let mut flags = None;
        for line in smaps.lines() {
            let range = line.split(' ').next().and_then(|r| r.split_once('-'));
            if let Some((a, b)) = range {
                if let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
                {
                    inside = a <= inner && inner < b;
                    continue;
                }
            }
            if inside {
                if let Some(f) = line.strip_prefix("VmFlags:") {
                    flags = Some(f.split_whitespace().map(String::from).collect::<Vec<_>>());
                }
            }
        }
        let flags = flags.expect("the array's mapping is listed in /proc/self/smaps");
        assert!(flags.iter().any(|f| f == "hg"), "VmFlags {flags:?}");
        assert!(v.iter().copied().eq(0..(8u64 << 20) / 8));
    }
}
