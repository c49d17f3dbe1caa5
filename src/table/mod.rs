//! A fixed-capacity, keyed-hash table over caller memory: the one table FDB, conntrack and NAT
//! share.
//!
//! # Design: bucketized cuckoo hashing with 16-bit tags
//!
//! Every key has two distinct candidate buckets of eight slots, chosen by a keyed hash
//! ([`KeyedHash`]); a bucket is a group of eight 16-bit tags (0 = empty) plus eight inline
//! `(key, value)` slots. The memory holds all tag groups first (16 bytes a bucket, dense enough
//! to stay in cache), then all slots. A lookup hashes once, matches the tag groups of *both*
//! buckets in one mask (exact, no false positives), takes the first matching slot (first bucket
//! before second) and compares its key bytes (a tag matches a wrong key with probability
//! 1/65535 per slot; the full two-bucket search runs only then). An insert that finds both
//! buckets full moves entries to their alternate buckets along a path found by a bounded
//! breadth-first search (MemC3, Fan et al., NSDI 2013; DPDK's `rte_hash` uses the same scheme)
//! — the path is found before anything moves, so a refused insert leaves the table unchanged.
//!
//! Why this rather than SwissTable-style open addressing, for this table's constraints:
//! - **No rehash, ever.** Open addressing needs tombstones on delete and must rehash when they
//!   pile up (hashbrown rehashes in place when they consume its growth budget); a fixed table
//!   with FDB aging or conntrack churn would slowly degrade into long probe sequences. Cuckoo
//!   deletes just clear the tag: nothing accumulates.
//! - **Bounded lookup cost.** A lookup reads at most two buckets (two tag groups, one key
//!   compare per match) whatever the load and whatever keys an attacker sends. With open
//!   addressing an aimed or unlucky cluster makes probe sequences long for *every* key hashing
//!   near it.
//! - **Burst-friendly.** Both candidate buckets are known right after hashing, so a burst
//!   lookup prefetches all of them for 64 keys, then resolves each with the lines already in
//!   flight; this is what makes it beat hashbrown at 1M entries (see `benches/table.rs`).
//! - **Dense.** At most 7/8 of the slots are used by `capacity` entries (the BFS finds a path
//!   far beyond that load, 8-slot 2-choice cuckoo reaches ≈ 98 %), and the bucket count is any
//!   integer (Lemire's multiply-shift range reduction), so memory is `≈ 1.14 × capacity × (key +
//!   value) + 2 bytes/slot`, not rounded up to a power of two: 1M entries of 16-byte keys and
//!   8-byte values take 30 MB, hashbrown 50 MB.
//!
//! While the table is in cache a lookup is bound by its instruction count, so the hit path is
//! kept short: the two tag groups are matched with SSE2 on x86-64 (two `pcmpeqw`, one
//! `packsswb`, one `pmovmskb`: one 16-bit mask, one `tzcnt` finds the candidate of both
//! buckets; portable SWAR elsewhere); the tag is the hash's low 16 bits with bit 0 set (0
//! marks an empty slot; the buckets come from the hash's high bits, so no third mix); a table
//! has at least two buckets, so the second bucket needs no clamp; a lookup checks once that
//! the memory still covers the layout, then reads the tag groups and the candidate slot without
//! further bounds checks (`unsafe`, with its `SAFETY` argument: the buckets of a probe are
//! below the bucket count by construction); and a key of up to 16 bytes is hashed with one
//! folded multiply (`hash.rs`). The choice between the two buckets is a conditional move, not
//! a branch (a quarter of the entries sit in their second bucket, an unpredictable coin), so
//! the only branches that wait on a cache miss are predictable and the CPU overlaps
//! consecutive lookups.
//!
//! The hot path works on the buckets *scaled* (`Hot`: `b1 * 8` and `(b2 - 1) * 8`, the same
//! mapping computed as `(P >> 29) & !7` instead of `P >> 32`): a tag group is then at `mem + 2
//! g` and the candidate slot index is `select(g1, g2 - 8) + i` for mask bit `i`, with no shift
//! or `i % 8`. A tag collision (the first candidate is not the key, once in 8000 hits) is
//! resolved by an inline loop over the other matches rather than a call: with a call in it, a
//! caller's loop of lookups (the bench's, a datapath's) reloaded the table's fields from memory
//! on every lookup, as the compiler could not prove the callee leaves them alone. Measured with
//! callgrind on the bench's own loop (`benches/table.rs`, 10k entries, single hit, including
//! the loop): 60.4 → 52.7 instructions per lookup, hashbrown 44.8 (`examples/table_prof.rs`
//! counted 52 before, as there the compiler could keep the fields in registers across the
//! call). The cache-resident burst, key by key, sets a hit's mask bit by index (`bts`, no shift
//! by a variable count): 74 → 54 per key.
//!
//! Tried and dropped: a *split probe* (match the first bucket's group alone, compute and match
//! the second only when the first has no match). It cuts a 10k hit to 42 instructions, fewer
//! than hashbrown's, but mispredicts for the keys in their second bucket (≈ 13 % of lookups in
//! callgrind's branch simulation) and measured no faster: 10k single hit 1.21× hashbrown's time
//! against 1.17× for the two-group match (medians of 6 interleaved runs), with a wider spread.
//! Also dropped (10k burst hit, ns per key, same runs as hashbrown's ≈ 4.4): the resident burst
//! in two passes (every candidate, then every key compare: fewer spills, 4.7–4.8 against 4.4
//! key by key); its hit mask in a second loop over `out` (4.8); keys last to first with the
//! mask built by shift-and-add (4.9); a running mask bit (58 instructions a key against 54 for
//! `bts`, one register more, no faster). Buckets scaled by 16 (the tag group's own offset) made
//! the slot offset `(g + 2 i) * 12`, which the compiler splits into a shift and an `lea` that
//! no longer fold into the address: no fewer instructions than scaling by 8.
//! The other `unsafe` are the SSE2 intrinsics (`group.rs`), the `_mm_prefetch` hint of the
//! burst path, `PipeView::candidate`'s tag reads, the tag gathers of its eight-key AVX-512 form
//! (`avx512.rs`, behind runtime detection), and the FDB's slot reads and writes at the
//! addresses they give (in `l2/fdb.rs`).
//!
//! Slots of 64 bytes (or a multiple) start on a cache line, and power-of-two slots below that
//! never straddle one ([`Table::mem_size`] adds the slack): a lookup then touches one line of
//! slot memory. The FDB's key + entry is 32 bytes for this.
//!
//! The burst path ([`Table::get_burst`]) runs three stages over all its keys: hash and
//! prefetch both tag groups; match the tags and prefetch the candidate slot; compare the keys —
//! dozens of cache misses in flight. Tables that fit in cache (≤ 1 MB) skip the prefetches and
//! are looked up key by key. The stages are also open to the crate one key at a time
//! (`pipe_candidate`: hash, tag match, slot prefetch; `pipe_confirm`: the key compare), and
//! through `PipeView` (`pipe_view`: the table's memory borrowed mutably as raw addresses,
//! with the bucket counts and hasher copied, once the memory was checked to cover the
//! layout): `PipeView::candidate` is stages 1 and 2 on those addresses — the same key →
//! bucket mapping and candidate, no bounds check, the candidate slot's *address* out, or a
//! caller's sentinel address when no tag matches (branch-free); `PipeView::candidates8`
//! (`avx512.rs`) is the same for eight keys in one AVX-512 vector each. So the FDB's 128-key burst
//! runs the stages itself (compiled for AVX2 where the CPU has it) and fuses the key compare
//! with its own per-frame decision on the slot's bytes, which it reads and changes at those
//! addresses with no bounds check or index arithmetic per slot.
//!
//! Measured against hashbrown (same 16-byte keys, `u64` values, `benches/table.rs`, thread CPU
//! time, medians of 4 runs interleaved with the previous build on a shared 2-core VM, ns per
//! lookup; in brackets the median of the per-run ratios to hashbrown's time in the same run,
//! then the previous build's):
//!
//! | entries | single hit | burst hit | hashbrown hit | single miss | burst miss | hashbrown miss |
//! |---------|-----------:|----------:|--------------:|------------:|-----------:|---------------:|
//! | 10k     | 4.30 (0.96× / 1.08×)¹ | 4.32 (0.97× / 1.13×) | 4.47 | 2.64 (0.61× / 0.67×) | 2.85 (0.66× / 0.85×) | 4.36 |
//! | 100k    | 8.27 (1.05× / 1.17×) | 6.98 (0.89× / 0.87×) | 7.93 | 2.75 (0.31× / 0.34×) | 4.43 (0.50× / 0.54×) | 8.99 |
//! | 1M      | 18.5 (1.12× / 0.92×)² | 14.7 (0.87× / 0.65×)² | 17.0 | 4.87 (0.63× / 0.73×) | 5.40 (0.69× / 0.81×) | 7.78 |
//!
//! ¹ Per-run ratios of a 10k single hit: 1.06, 0.95, 0.97, 0.95 (previous build 1.15, 1.10,
//! 1.05, 1.07); burst hit 0.97, 0.96, 0.97, 0.97 (1.13, 1.24, 1.12, 1.13). ² hashbrown's 1M hit
//! varies from process to process (13–33 ns in these 8 runs, 38.6 ns in an earlier session's),
//! and with it every 1M ratio; our absolute times are the stabler measure there: single hit
//! 21.2 → 18.5 ns, burst hit 14.8 → 14.7 ns (previous build → this one, medians). Compare only
//! within a run.
//!
//! So: misses are faster than hashbrown's at every size (dense tag groups, 2 bytes a slot); the
//! burst beats hashbrown for hits from 100k up (its pipeline keeps dozens of misses in flight,
//! and prefetches both lines of a slot that straddles two); cache-resident hits, single or
//! burst, are at parity with hashbrown or slightly faster (0.96–0.97×, with 52.7 and 54
//! instructions against 44.8 in the bench's loop: two tag groups and two range reductions
//! against one group and a mask); single hits of tables beyond L2 are ≈ 1.05–1.1×
//! hashbrown's time (use the burst there).
//!
//! # Memory, capacity and the full policy
//!
//! [`Table::mem_size`] gives the bytes for a capacity; [`Table::new_in`] builds over any
//! `AsMut<[u8]>` of at least that size (a `&mut [u8]` from the caller, hugepage memory through
//! the C API, or a `Box<[u8]>` from [`Table::with_capacity`] under `alloc`). Keys and values are
//! plain bytes ([`Pod`]: zerocopy `FromBytes + IntoBytes + Immutable`), compared and hashed as
//! bytes, read and written unaligned, so the memory needs no alignment. Nothing allocates or
//! rehashes after creation.
//!
//! A table holds at most `capacity` entries; an insert beyond that, or one whose two buckets
//! are full with no cuckoo path found (possible only above ≈ 95 % slot load, so practically
//! never below `capacity`), returns [`TableError::Full`] and changes nothing.
//! [`Table::insert_or_evict`] is the optional eviction hook: the caller ranks the up to 16
//! entries of the new key's two buckets (e.g. by last-seen time, `None` = pinned) and the lowest
//! is replaced — an approximate LRU over a random sample, as Redis and CLOCK-style caches do.
//!
//! Iteration order is bucket order; [`Table::sweep`] walks the table incrementally with a cursor
//! and a budget, for aging without a per-packet pause. An insert may move an entry from a bucket
//! the sweep has not reached to one it has passed, so such an entry is visited one pass later.

#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod avx512;
mod group;
mod hash;

use core::marker::PhantomData;

use zerocopy::{FromBytes, Immutable, IntoBytes};

use group::{set_tag, Group, SLOTS, TAGS_LEN};
pub use hash::KeyedHash;

/// Keys and values: fixed-size plain bytes (no padding, any bit pattern valid).
pub trait Pod: FromBytes + IntoBytes + Immutable + Copy {}
impl<T: FromBytes + IntoBytes + Immutable + Copy> Pod for T {}

/// Most keys a burst lookup takes (a DPDK burst).
pub const BURST_MAX: usize = 64;

/// Entries per slot at the most: `capacity` entries occupy at most `LOAD_NUM / LOAD_DEN` of the
/// slots.
const LOAD_NUM: usize = 7;
const LOAD_DEN: usize = 8;
/// Largest capacity accepted (bucket indexes are 32-bit).
pub const MAX_CAPACITY: usize = 1 << 31;
/// Tables up to this many bytes are assumed cache-resident: bursts skip the prefetch pipeline
/// (measured: at 10k entries, 270 KB, the pipeline costs 3 ns per key and saves nothing).
/// (Unit tests always take the pipeline so it is what they check.)
const CACHE_RESIDENT: usize = 1 << 20;
/// Buckets the cuckoo breadth-first search may visit for one insert.
const BFS_NODES: usize = 128;

/// Why a table operation was refused. The table is unchanged whenever one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The table holds `capacity` entries, or the key's buckets are full and no entry could be
    /// moved aside.
    #[error("table full")]
    Full,
    /// The capacity is 0 or above [`MAX_CAPACITY`].
    #[error("capacity {capacity} out of range")]
    BadCapacity {
        /// The capacity asked for.
        capacity: usize,
    },
    /// The memory given is smaller than [`Table::mem_size`].
    #[error("memory too small: need {need} bytes, have {have}")]
    MemTooSmall {
        /// Bytes required.
        need: usize,
        /// Bytes given.
        have: usize,
    },
    /// A burst has more than [`BURST_MAX`] keys, or the output is shorter than the input.
    #[error("bad burst: {keys} keys, {out} output slots")]
    BadBurst {
        /// Keys given.
        keys: usize,
        /// Output slots given.
        out: usize,
    },
}

/// What [`Table::insert_or_evict`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted<K, V> {
    /// The key was new and found room.
    New,
    /// The key was present; this was its old value.
    Replaced(V),
    /// The key was new; this entry was evicted to make room.
    Evicted(K, V),
}

/// Where a key was found by [`Table::find_burst`]: valid until the next insert, and checked
/// on use anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(u32);

/// A slot index (`bucket * 8 + slot`) as the burst pipeline passes it around; [`NO_SLOT`] for
/// "not found". Bucket counts stay below `2^31 / 7` so every index fits.
pub(crate) type SlotIdx = u32;
/// The [`SlotIdx`] of a key that is absent.
pub(crate) const NO_SLOT: SlotIdx = u32::MAX;
/// Most keys of one internal pipelined lookup (a burst of 64 frames has 128 MACs).
pub(crate) const PIPE_MAX: usize = 2 * BURST_MAX;

/// A probe as the pipeline stores it (12 bytes, so 128 of them stay in a few lines; the tag
/// widened to 32 bits so an array of them has no padding and zero-fills as one `memset`).
#[derive(Clone, Copy, Debug, Default)]
struct SmallProbe {
    b1: u32,
    b2: u32,
    tag: u32,
}

impl Pos {
    #[inline(always)]
    fn idx(self) -> SlotIdx {
        (self.bucket * SLOTS + self.slot) as SlotIdx
    }
    #[inline(always)]
    fn from_idx(i: SlotIdx) -> Pos {
        let i = i as usize;
        Pos {
            bucket: i / SLOTS,
            slot: i % SLOTS,
        }
    }
}

/// The keyed hash of one key, resolved into its two buckets and its tag.
#[derive(Clone, Copy, Debug, Default)]
struct Probe {
    b1: usize,
    b2: usize,
    tag: u16,
}

/// A probe as the lookup's hot path uses it ([`Table::hot`]): both buckets as the index of
/// their first slot (`bucket * 8`), the second one less one bucket — so a tag group is
/// addressed (`mem + g * 2`) and the candidate slot index selected (`g + i`) with no shift of
/// a bucket index.
#[derive(Clone, Copy, Debug)]
struct Hot {
    /// `b1 * 8`.
    g1: usize,
    /// `(b2 - 1) * 8`, wrapping (to `-8` when `b2 == 0`).
    g2m: usize,
    tag: u16,
}

/// A slot position: bucket index and slot in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    bucket: usize,
    slot: usize,
}

/// A fixed-capacity hash map from `K` to `V` over the memory `M`. See the module doc.
pub struct Table<K, V, M> {
    mem: M,
    buckets: usize,
    /// `buckets - 1`, the range of the second bucket's draw (kept so a lookup loop need not
    /// recompute it).
    buckets_m1: usize,
    capacity: usize,
    len: usize,
    /// Offset of the first slot in `mem`: right after the tag groups, moved up to the slot
    /// alignment when the slot size asks for one (see [`Table::SLOT_ALIGN`]).
    base: usize,
    /// End of the last slot: `base + buckets * BUCKET`, at most the memory's length.
    end: usize,
    /// The table fits in cache (at most [`CACHE_RESIDENT`] bytes): bursts skip the prefetch
    /// pipeline.
    resident: bool,
    hasher: KeyedHash,
    _kv: PhantomData<fn() -> (K, V)>,
}

/// A table over borrowed caller memory.
pub type TableIn<'m, K, V> = Table<K, V, &'m mut [u8]>;
/// A table owning its memory (feature `alloc`).
#[cfg(feature = "alloc")]
pub type TableBox<K, V> = Table<K, V, alloc::boxed::Box<[u8]>>;

impl<K, V, M> core::fmt::Debug for Table<K, V, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Table")
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .field("buckets", &self.buckets)
            .finish_non_exhaustive()
    }
}

/// Byte equality in 8-byte words (then the tail): for keys assembled in registers and stored
/// as words, these loads are forwarded from the store buffer, where one 16-byte vector load
/// over two 8-byte stores would stall until they reach the cache.
#[inline(always)]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    let mut diff = 0u64;
    for (x, y) in (&mut ca).zip(&mut cb) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        diff |= u64::from_ne_bytes(wx) ^ u64::from_ne_bytes(wy);
    }
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut wx = [0u8; 8];
    let mut wy = [0u8; 8];
    wx[..ra.len()].copy_from_slice(ra);
    wy[..rb.len()].copy_from_slice(rb);
    diff |= u64::from_ne_bytes(wx) ^ u64::from_ne_bytes(wy);
    diff == 0
}

/// The [`Hot`] of the hash `h` in a table of `n` buckets (`2 <= n < 2^29`): `first_of` and
/// `second_of`'s buckets, times 8.
#[inline(always)]
fn hot_of_hash(h: u64, n: usize, n_m1: usize) -> Hot {
    const LOW: usize = !(SLOTS - 1);
    const _: () = assert!(SLOTS == 8 && TAGS_LEN == 2 * SLOTS);
    let n = n as u64;
    // The products stay below 2^61 (`n < 2^29`), so a signed shift is the unsigned one; signed,
    // the high bits are not known zero and the mask stays a sign-extended `-8` (unsigned, the
    // compiler narrows it to a 35-bit constant that takes a register).
    let g1 = ((u64::from(h as u32) * n) as i64 >> 29) as usize & LOW;
    let r = (((h >> 32) * n_m1 as u64) as i64 >> 29) as usize & LOW;
    Hot {
        g1,
        g2m: core::hint::select_unpredictable(r < g1, r.wrapping_sub(SLOTS), r),
        tag: h as u16 | 1,
    }
}

/// The tag-match mask of `h`'s two buckets (see [`Table::match_both`]), read from the tag
/// groups at `tags`.
///
/// # Safety
///
/// `tags` points to the tag groups of a table of `n` buckets (`n * TAGS_LEN` readable bytes)
/// and `h` is a probe of that table (`h.g1 < 8 n`, `h.g2m + 8 < 8 n`).
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn match_tags(tags: *const u8, h: Hot) -> u32 {
    // SAFETY: by the caller's contract, `2 g1` and `2 (g2m + 8)` are the offsets of two tag
    // groups of the table, each 16 readable bytes; `[u8; 16]` has alignment 1.
    let (g1, g2) = unsafe {
        (
            Group::new(&*tags.add(h.g1 * 2).cast::<[u8; TAGS_LEN]>()),
            Group::new(
                &*tags
                    .add(h.g2m.wrapping_add(SLOTS) * 2)
                    .cast::<[u8; TAGS_LEN]>(),
            ),
        )
    };
    group::match_pair(&g1, &g2, h.tag)
}

/// The slot index of bit `i < 16` of a [`match_tags`] mask of `h` (see [`Table::slot_of`]).
#[inline(always)]
fn slot_of(h: Hot, i: usize) -> usize {
    core::hint::select_unpredictable(i < SLOTS, h.g1, h.g2m).wrapping_add(i)
}

/// Multiply-shift range reduction of a 32-bit hash onto `0..n` (Lemire 2019).
#[inline(always)]
fn reduce(h: u32, n: usize) -> usize {
    ((u64::from(h) * n as u64) >> 32) as usize
}

impl<K: Pod, V: Pod, M> Table<K, V, M> {
    const KS: usize = core::mem::size_of::<K>();
    const VS: usize = core::mem::size_of::<V>();
    const SLOT: usize = Self::KS + Self::VS;
    /// Bytes of one bucket's slots.
    const BUCKET: usize = SLOTS * Self::SLOT;
    /// Alignment the slot region gets (relative to the memory's address at creation): a slot
    /// of 64 bytes (or a multiple) starts on a cache line and a power-of-two slot below that
    /// never straddles one, so a lookup touches one line of slot memory, not two. Other sizes
    /// get no alignment. It is a performance property only: if the memory moves (a table
    /// owning an array by value), offsets stay valid and only the alignment is lost.
    const SLOT_ALIGN: usize = if Self::SLOT % 64 == 0 {
        64
    } else if Self::SLOT.is_power_of_two() {
        Self::SLOT
    } else {
        1
    };

    /// Buckets needed for `capacity` entries: at least two, so a key's two buckets always
    /// differ and [`second_of`](Self::second_of) needs no clamp.
    const fn buckets_for(capacity: usize) -> usize {
        let slots = (capacity * LOAD_DEN).div_ceil(LOAD_NUM);
        let b = slots.div_ceil(SLOTS);
        if b < 2 {
            2
        } else {
            b
        }
    }

    /// Bytes of memory a table of `capacity` entries needs.
    pub const fn mem_size(capacity: usize) -> Result<usize, TableError> {
        if capacity == 0 || capacity > MAX_CAPACITY {
            return Err(TableError::BadCapacity { capacity });
        }
        match Self::buckets_for(capacity).checked_mul(TAGS_LEN + Self::BUCKET) {
            Some(n) => match n.checked_add(Self::SLOT_ALIGN - 1) {
                Some(n) => Ok(n),
                None => Err(TableError::BadCapacity { capacity }),
            },
            None => Err(TableError::BadCapacity { capacity }),
        }
    }

    /// Entries currently held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no entry is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Most entries the table holds.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of buckets (of eight slots each).
    #[inline]
    pub fn buckets(&self) -> usize {
        self.buckets
    }

    /// The first bucket and the tag of the hash `h`.
    #[inline(always)]
    fn first_of(&self, h: u64) -> (usize, u16) {
        // The tag is the hash's low 16 bits with bit 0 set (0 marks an empty slot): the first
        // bucket is decided by the high bits of the low word (multiply-shift), the second by
        // the high word, so the tag is (nearly) independent of both without a third mix.
        (reduce(h as u32, self.buckets), h as u16 | 1)
    }

    /// The second bucket of the hash `h` whose first bucket is `b1`.
    #[inline(always)]
    fn second_of(&self, h: u64, b1: usize) -> usize {
        let n = self.buckets;
        // The second bucket is drawn from the other `n - 1`, so the two never coincide: a key
        // whose two choices were one bucket could be refused with the rest of the table empty
        // (a two-bucket table would refuse the ninth such key). `n >= 2` (`buckets_for`), so
        // `r <= n - 2` and the result is at most `n - 1`.
        let r = reduce((h >> 32) as u32, n - 1);
        r + usize::from(r >= b1)
    }

    #[inline(always)]
    fn probe(&self, key: &K) -> Probe {
        let h = self.hasher.hash(key.as_bytes());
        let (b1, tag) = self.first_of(h);
        Probe {
            b1,
            b2: self.second_of(h, b1),
            tag,
        }
    }

    /// [`probe`](Self::probe) as a [`Hot`]: the same buckets and tag, computed scaled. `(P >>
    /// 32) * 8 == (P >> 29) & !7`, so each bucket's first slot index costs what its bucket
    /// index did, and `r < b1` is compared as `8 r < 8 b1`.
    #[inline(always)]
    fn hot(&self, key: &K) -> Hot {
        hot_of_hash(
            self.hasher.hash(key.as_bytes()),
            self.buckets,
            self.buckets_m1,
        )
    }

    /// A [`Probe`] as a [`Hot`].
    #[inline(always)]
    fn hot_of(p: Probe) -> Hot {
        Hot {
            g1: p.b1 * SLOTS,
            g2m: p.b2.wrapping_sub(1).wrapping_mul(SLOTS),
            tag: p.tag,
        }
    }

    /// Offset of a slot: the tag groups of all buckets come first, then the slots.
    #[inline(always)]
    fn slot_off(&self, pos: Pos) -> usize {
        self.base + (pos.bucket * SLOTS + pos.slot) * Self::SLOT
    }

    /// Offset of the slot with index `idx` (`bucket * 8 + slot`).
    #[inline(always)]
    fn idx_off(&self, idx: SlotIdx) -> usize {
        self.base + idx as usize * Self::SLOT
    }
}

impl<K: Pod, V: Pod, M: AsRef<[u8]>> Table<K, V, M> {
    #[inline(always)]
    fn mem(&self) -> &[u8] {
        self.mem.as_ref()
    }

    #[inline(always)]
    fn group(&self, bucket: usize) -> Group {
        match self.mem().as_chunks::<TAGS_LEN>().0.get(bucket) {
            Some(t) => Group::new(t),
            None => Group::EMPTY,
        }
    }

    /// The bytes of one slot (key then value); empty only if `pos` were out of range, which the
    /// bucket arithmetic rules out.
    #[inline(always)]
    fn slot_bytes(&self, pos: Pos) -> (&[u8], &[u8]) {
        let off = self.slot_off(pos);
        match self.mem().get(off..off + Self::SLOT) {
            // The slice is SLOT >= KS bytes long, so the split cannot fail (and the compiler
            // drops the check).
            Some(s) => s.split_at_checked(Self::KS).unwrap_or((&[], &[])),
            None => (&[], &[]),
        }
    }

    #[inline(always)]
    fn key_bytes_at(&self, pos: Pos) -> &[u8] {
        self.slot_bytes(pos).0
    }

    #[inline(always)]
    fn key_at(&self, pos: Pos) -> Option<K> {
        K::read_from_bytes(self.key_bytes_at(pos)).ok()
    }

    #[inline(always)]
    fn value_at(&self, pos: Pos) -> Option<V> {
        V::read_from_bytes(self.slot_bytes(pos).1).ok()
    }

    /// The slot holding `kb` in `bucket` (whose tags are `g`), if any.
    #[inline(always)]
    fn find_in(&self, bucket: usize, g: &Group, tag: u16, kb: &[u8]) -> Option<Pos> {
        for slot in g.matches(tag) {
            let pos = Pos { bucket, slot };
            if eq_bytes(self.key_bytes_at(pos), kb) {
                return Some(pos);
            }
        }
        None
    }

    #[inline(always)]
    fn find(&self, p: Probe, kb: &[u8]) -> Option<Pos> {
        let cand = Pos::from_idx(self.candidate(Self::hot_of(p))? as SlotIdx);
        // The only branch that waits for the slot's cache line is this comparison, which is
        // predictable (a tag match is the key 65535 times in 65536), so the CPU keeps issuing
        // the next lookups' loads while this one misses.
        if eq_bytes(self.key_bytes_at(cand), kb) {
            Some(cand)
        } else {
            self.find_slow(p, kb)
        }
    }

    /// The slots of both buckets whose tag matches: bit `i` (0–7) for slot `i` of the first
    /// bucket, bit `8 + i` for slot `i` of the second (see [`slot_of`](Self::slot_of)); 0 when
    /// none does, or when the memory no longer covers the layout. Decided from the two tag
    /// groups alone (loaded together, before either is used).
    #[inline(always)]
    #[allow(unsafe_code)]
    fn match_both(&self, h: Hot) -> u32 {
        let Some(mem) = self.mem_ok() else { return 0 };
        debug_assert!(h.g1 < self.buckets * SLOTS);
        debug_assert!(h.g2m.wrapping_add(SLOTS) < self.buckets * SLOTS);
        // SAFETY: every `Hot` comes from `hot` or `hot_of(probe)` on this table (directly or
        // through the burst's `SmallProbe` copy), whose buckets are below `self.buckets`
        // (multiply-shift of a 32-bit hash onto `0..n`, and the second bucket's skip over the
        // first within `0..n`); `g1` and `g2m + 8` are those buckets times 8, so `2 g1` and
        // `2 (g2m + 8)` are their tag groups' offsets, and the tag groups end at
        // `self.buckets * TAGS_LEN <= self.base <= self.end <= mem.len()` (`mem_ok`): both
        // 16-byte reads are inside `mem`, and `[u8; 16]` has alignment 1.
        unsafe { match_tags(mem.as_ptr(), h) }
    }

    /// The slot index (`bucket * 8 + slot`) of bit `i < 16` of a [`match_both`](Self::match_both)
    /// mask: below `self.buckets * 8` for a probe of this table.
    ///
    /// Whether the key sits in its first or second bucket is a coin the CPU cannot predict
    /// (about a quarter of the entries live in their second bucket at full load), so the choice
    /// is a conditional move, not a branch. Slot `i < 8` of the first bucket is `b1 * 8 + i`;
    /// slot `i - 8` of the second is `b2 * 8 + i - 8 = (b2 - 1) * 8 + i`: one selected base
    /// plus `i`, no `i % 8`. (`(b2 - 1) * 8` wraps when `b2 == 0`; the sum wraps back, as
    /// `i >= 8` then.)
    #[inline(always)]
    fn slot_of(h: Hot, i: usize) -> usize {
        slot_of(h, i)
    }

    /// The first slot whose tag matches, in the first bucket then the second: the only branch
    /// is "any match", which is predictable in a hit-heavy or a miss-heavy stream.
    #[inline(always)]
    fn candidate(&self, h: Hot) -> Option<usize> {
        let m = self.match_both(h);
        if m == 0 {
            return None;
        }
        Some(Self::slot_of(h, m.trailing_zeros() as usize))
    }

    /// The memory, when it still covers the layout (always, unless an `AsRef` implementation
    /// returned a shorter slice than at creation): the one bounds check of a lookup.
    #[inline(always)]
    fn mem_ok(&self) -> Option<&[u8]> {
        let mem = self.mem();
        (mem.len() >= self.end).then_some(mem)
    }

    /// Every tag match of both buckets, after the first candidate was a tag collision.
    #[cold]
    #[inline(never)]
    fn find_slow(&self, p: Probe, kb: &[u8]) -> Option<Pos> {
        let (g1, g2) = (self.group(p.b1), self.group(p.b2));
        match self.find_in(p.b1, &g1, p.tag, kb) {
            Some(pos) => Some(pos),
            None => self.find_in(p.b2, &g2, p.tag, kb),
        }
    }

    /// The value stored for `key`.
    #[inline(always)]
    pub fn get(&self, key: &K) -> Option<V> {
        let mem = self.mem_ok()?;
        let p = self.hot(key);
        let m = self.match_both(p);
        if m == 0 {
            return None;
        }
        let (k, v) = self.slot_in(mem, Self::slot_of(p, m.trailing_zeros() as usize));
        if eq_bytes(k, key.as_bytes()) {
            return V::read_from_bytes(v).ok();
        }
        // A tag collision (once in 8000 hits): every match of both buckets, inline rather than
        // a call, so a caller's loop of lookups has no call in it and keeps the table's fields
        // in registers.
        core::hint::cold_path();
        let mut m = m & (m - 1);
        while m != 0 {
            let (k, v) = self.slot_in(mem, Self::slot_of(p, m.trailing_zeros() as usize));
            if eq_bytes(k, key.as_bytes()) {
                return V::read_from_bytes(v).ok();
            }
            m &= m - 1;
        }
        None
    }

    /// The key and value bytes of the slot with index `idx` from [`slot_of`](Self::slot_of),
    /// in `mem` from [`mem_ok`](Self::mem_ok).
    #[inline(always)]
    #[allow(unsafe_code)]
    fn slot_in<'a>(&self, mem: &'a [u8], idx: usize) -> (&'a [u8], &'a [u8]) {
        let off = self.base + idx * Self::SLOT;
        debug_assert!(off + Self::SLOT <= self.end && self.end <= mem.len());
        // SAFETY: `slot_of` gives a slot index below `self.buckets * 8` (a bucket of a probe
        // of this table and a slot below 8), so the slot lies within `self.base +
        // self.buckets * BUCKET = self.end <= mem.len()` (`mem` passed `mem_ok`).
        unsafe { mem.get_unchecked(off..off + Self::SLOT) }.split_at(Self::KS)
    }

    /// True when `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        let p = self.probe(key);
        self.find(p, key.as_bytes()).is_some()
    }

    /// Looks up to [`BURST_MAX`] keys at once: hashes all of them and prefetches both candidate
    /// buckets of each, then resolves each key while the other lines are in flight. Writes
    /// `out[i]` for every `i < keys.len()` and returns the hit mask (bit `i` set when `keys[i]`
    /// was found).
    pub fn get_burst(&self, keys: &[K], out: &mut [Option<V>]) -> Result<u64, TableError> {
        if keys.len() > BURST_MAX || out.len() < keys.len() {
            return Err(TableError::BadBurst {
                keys: keys.len(),
                out: out.len(),
            });
        }
        let n = keys.len();
        let out = &mut out[..n];
        if !self.pipe_prefetches() {
            return Ok(self.get_each(keys, out));
        }
        let mut hits = 0u64;
        let mut idx = [NO_SLOT; BURST_MAX];
        self.find_idx(keys, &mut idx);
        for i in 0..n {
            out[i] = if idx[i] == NO_SLOT {
                None
            } else {
                self.value_bytes_idx(idx[i])
                    .and_then(|b| V::read_from_bytes(b).ok())
            };
            hits |= u64::from(out[i].is_some()) << i;
        }
        Ok(hits)
    }

    /// [`get_burst`](Self::get_burst) for a cache-resident table: single lookups, nothing to
    /// overlap. A hit sets its mask bit by index (one `bts`; no shift of the found flag by a
    /// variable count, no running bit taking a register).
    #[inline]
    fn get_each(&self, keys: &[K], out: &mut [Option<V>]) -> u64 {
        let mut hits = 0u64;
        for (i, (key, o)) in keys.iter().zip(out.iter_mut()).enumerate() {
            *o = self.get(key);
            if o.is_some() {
                hits |= 1u64.wrapping_shl(i as u32);
            }
        }
        hits
    }

    /// Like [`get_burst`](Self::get_burst) but returns where each key is: a [`Slot`] handle for
    /// [`get_at`](Self::get_at) / [`update_at`](Self::update_at), so a caller can look a burst
    /// up once and then read or change the entries with their cache lines already loaded.
    pub fn find_burst(&self, keys: &[K], out: &mut [Option<Slot>]) -> Result<u64, TableError> {
        let n = keys.len();
        if n > BURST_MAX || out.len() < n {
            return Err(TableError::BadBurst {
                keys: n,
                out: out.len(),
            });
        }
        let mut idx = [NO_SLOT; BURST_MAX];
        self.find_idx(keys, &mut idx);
        let mut hits = 0u64;
        for (i, (o, &x)) in out.iter_mut().zip(&idx).take(n).enumerate() {
            *o = (x != NO_SLOT).then_some(Slot(x));
            hits |= u64::from(x != NO_SLOT) << i;
        }
        Ok(hits)
    }

    /// The pipelined lookup behind every burst: `out[i]` gets the slot index of `keys[i]` or
    /// [`NO_SLOT`], for up to [`PIPE_MAX`] keys (more are ignored). Three stages over all keys:
    /// hash and prefetch both tag groups; match the tags and prefetch the candidate slot;
    /// compare the keys. A cache-resident table skips the prefetches.
    #[inline]
    pub(crate) fn find_idx(&self, keys: &[K], out: &mut [SlotIdx]) {
        let n = keys.len().min(out.len()).min(PIPE_MAX);
        let (keys, out) = (&keys[..n], &mut out[..n]);
        if !cfg!(test) && self.resident {
            // Prefetching a table that lives in cache only costs instructions.
            for (key, o) in keys.iter().zip(out.iter_mut()) {
                *o = self
                    .find(self.probe(key), key.as_bytes())
                    .map_or(NO_SLOT, Pos::idx);
            }
            return;
        }
        let Some(mem) = self.mem_ok() else {
            out.fill(NO_SLOT);
            return;
        };
        let base = mem.as_ptr();
        // Stage 1: hash every key and prefetch both tag groups.
        let mut probes = [SmallProbe::default(); PIPE_MAX];
        // (Index loops over arrays of `PIPE_MAX`: `n <= PIPE_MAX` lets the compiler drop the
        // bounds checks.)
        for i in 0..n {
            let q = self.probe(&keys[i]);
            prefetch(base, q.b1 * TAGS_LEN);
            prefetch(base, q.b2 * TAGS_LEN);
            probes[i] = SmallProbe {
                b1: q.b1 as u32,
                b2: q.b2 as u32,
                tag: u32::from(q.tag),
            };
        }
        // Stage 2: match the tags and prefetch the first candidate slot of each key.
        for i in 0..n {
            let pr = probes[i];
            let q = Probe {
                b1: pr.b1 as usize,
                b2: pr.b2 as usize,
                tag: pr.tag as u16,
            };
            out[i] = match self.candidate(Self::hot_of(q)) {
                Some(c) => {
                    let x = c as SlotIdx;
                    let off = self.base + c * Self::SLOT;
                    prefetch(base, off);
                    if 64 % Self::SLOT != 0 {
                        // A slot that does not divide a cache line may straddle two.
                        prefetch(base, off + Self::SLOT - 1);
                    }
                    x
                }
                None => NO_SLOT,
            };
        }
        // Stage 3: compare keys (the full two-bucket search only when the first candidate was
        // a tag collision, about once in 8000 lookups).
        for i in 0..n {
            let (x, key) = (out[i], &keys[i]);
            if x == NO_SLOT {
                continue;
            }
            let off = self.idx_off(x);
            debug_assert!(off + Self::SLOT <= self.end);
            // SAFETY: `x` comes from `candidate` (bucket below `self.buckets`, slot below 8),
            // so the slot lies within `self.end <= mem.len()` (`mem_ok` above).
            #[allow(unsafe_code)]
            let kb = unsafe { mem.get_unchecked(off..off + Self::KS) };
            if !eq_bytes(kb, key.as_bytes()) {
                let pr = probes[i];
                let q = Probe {
                    b1: pr.b1 as usize,
                    b2: pr.b2 as usize,
                    tag: pr.tag as u16,
                };
                out[i] = self.find_slow(q, key.as_bytes()).map_or(NO_SLOT, Pos::idx);
            }
        }
    }

    /// The value bytes of the entry at `idx` (a live slot index from [`find_idx`]); `None` when
    /// out of range.
    #[inline(always)]
    pub(crate) fn value_bytes_idx(&self, idx: SlotIdx) -> Option<&[u8]> {
        let off = self.idx_off(idx) + Self::KS;
        self.mem().get(off..off + Self::VS)
    }

    /// Whether a pipeline should prefetch (the table is not cache-resident; always in unit
    /// tests): the `PF` of [`pipe_candidate`](Self::pipe_candidate), decided once per burst.
    #[inline(always)]
    pub(crate) fn pipe_prefetches(&self) -> bool {
        cfg!(test) || !self.resident
    }

    /// Pipeline stages 1 and 2 for one key, for a caller running its own pipeline (the FDB's
    /// burst): hashes `key`, matches its two tag groups and returns the first slot whose tag
    /// matches (not yet confirmed by its key: [`pipe_confirm`](Self::pipe_confirm)), prefetched
    /// when `PF`; [`NO_SLOT`] when no tag matches, and then the key is certainly absent.
    ///
    /// Unlike [`find_idx`](Self::find_idx) it does not prefetch the tag groups ahead: in the
    /// FDB's 128-key burst, 256 tag prefetches issued back to back measured slower than the
    /// groups' own loads overlapping out of order (`fdb_prof`, warm, medians of 5 interleaved
    /// pairs: 16.6 against 18.6 ns per frame at 100k MACs, 35.7 against 54.5 at 1M).
    #[inline(always)]
    pub(crate) fn pipe_candidate<const PF: bool>(&self, key: &K) -> SlotIdx {
        // The probe is computed here, from this table, so `candidate`'s bucket bounds hold.
        match self.candidate(self.hot(key)) {
            Some(c) => {
                let x = c as SlotIdx;
                if PF {
                    // From the full index, not the 32-bit one: no truncation to undo.
                    let off = self.base + c * Self::SLOT;
                    let base = self.mem().as_ptr();
                    prefetch(base, off);
                    if 64 % Self::SLOT != 0 {
                        prefetch(base, off + Self::SLOT - 1);
                    }
                }
                x
            }
            None => NO_SLOT,
        }
    }

    /// The bucket pair and tag of `key`, for tests that need two keys indistinguishable before
    /// their key compare.
    #[cfg(test)]
    pub(crate) fn probe_fingerprint(&self, key: &K) -> (usize, usize, u16) {
        let p = self.probe(key);
        (p.b1, p.b2, p.tag)
    }

    /// Pipeline stage 3: `cand` (from [`pipe_candidate`](Self::pipe_candidate)) when it holds
    /// `key`, else the full two-bucket search (after a tag collision, about once in 8000).
    #[inline(always)]
    pub(crate) fn pipe_confirm(&self, key: &K, cand: SlotIdx) -> SlotIdx {
        if cand == NO_SLOT {
            return NO_SLOT;
        }
        match self.slot_bytes_idx(cand) {
            Some(s) if eq_bytes(s.get(..Self::KS).unwrap_or(&[]), key.as_bytes()) => cand,
            _ => self.confirm_slow(key),
        }
    }

    #[cold]
    #[inline(never)]
    fn confirm_slow(&self, key: &K) -> SlotIdx {
        self.find_slow(self.probe(key), key.as_bytes())
            .map_or(NO_SLOT, Pos::idx)
    }

    /// The bytes of the slot at `idx` (key then value); `None` when out of range (e.g.
    /// [`NO_SLOT`]). Whether it holds a live entry is the caller's business (a candidate's key
    /// must be compared).
    #[inline(always)]
    pub(crate) fn slot_bytes_idx(&self, idx: SlotIdx) -> Option<&[u8]> {
        let off = self.idx_off(idx);
        self.mem().get(off..off + Self::SLOT)
    }

    /// The slot index of `key`, or [`NO_SLOT`].
    #[inline(always)]
    pub(crate) fn find_key_idx(&self, key: &K) -> SlotIdx {
        self.find(self.probe(key), key.as_bytes())
            .map_or(NO_SLOT, Pos::idx)
    }

    /// Whether `slot` still holds `key` (it may not after an insert moved entries).
    #[inline(always)]
    fn holds(&self, slot: Slot, key: &K) -> bool {
        let pos = Pos::from_idx(slot.0);
        pos.bucket < self.buckets
            && self.group(pos.bucket).tag(pos.slot) != 0
            && eq_bytes(self.key_bytes_at(pos), key.as_bytes())
    }

    /// The value of `key`, read at `slot` from [`find_burst`](Self::find_burst) when it still
    /// holds `key`, else looked up again (a stale handle is never wrong, only slower).
    #[inline]
    pub fn get_at(&self, slot: Slot, key: &K) -> Option<V> {
        if self.holds(slot, key) {
            self.value_at(Pos::from_idx(slot.0))
        } else {
            self.get(key)
        }
    }

    /// Every entry, in bucket order.
    pub fn iter(&self) -> Iter<'_, K, V, M> {
        Iter {
            table: self,
            bucket: 0,
            mask: None,
        }
    }
}

impl<K: Pod, V: Pod, M: AsRef<[u8]> + AsMut<[u8]>> Table<K, V, M> {
    /// Builds an empty table of `capacity` entries over `mem` (at least
    /// [`mem_size`](Self::mem_size) bytes; the rest is unused), keyed by `seed` — use a secret
    /// random value so no peer can predict which keys share a bucket.
    pub fn new_in(mut mem: M, capacity: usize, seed: u64) -> Result<Self, TableError> {
        let need = Self::mem_size(capacity)?;
        let have = mem.as_ref().len();
        let tags = Self::buckets_for(capacity) * TAGS_LEN;
        // Only the tags need clearing: a slot is read only when its tag is set.
        match (need <= have, mem.as_mut().get_mut(..tags)) {
            (true, Some(m)) => m.fill(0),
            _ => return Err(TableError::MemTooSmall { need, have }),
        }
        let addr = mem.as_ref().as_ptr() as usize;
        let base = tags
            + (Self::SLOT_ALIGN - (addr.wrapping_add(tags) % Self::SLOT_ALIGN)) % Self::SLOT_ALIGN;
        Ok(Table {
            mem,
            buckets: Self::buckets_for(capacity),
            buckets_m1: Self::buckets_for(capacity) - 1,
            capacity,
            len: 0,
            base,
            end: base + Self::buckets_for(capacity) * Self::BUCKET,
            resident: base + Self::buckets_for(capacity) * Self::BUCKET <= CACHE_RESIDENT,
            hasher: KeyedHash::new(seed),
            _kv: PhantomData,
        })
    }

    #[inline(always)]
    fn mem_mut(&mut self) -> &mut [u8] {
        self.mem.as_mut()
    }

    #[inline(always)]
    fn write_slot(&mut self, pos: Pos, tag: u16, key: &K, val: &V) {
        let off = self.slot_off(pos);
        let mem = self.mem_mut();
        if let Some(s) = mem.get_mut(off..off + Self::KS) {
            s.copy_from_slice(key.as_bytes());
        }
        if let Some(s) = mem.get_mut(off + Self::KS..off + Self::SLOT) {
            s.copy_from_slice(val.as_bytes());
        }
        self.set_tag(pos, tag);
    }

    /// All slots, slot index `i` at `i * SLOT` (key then value).
    #[inline(always)]
    pub(crate) fn slots(&self) -> &[u8] {
        self.mem().get(self.base..self.end).unwrap_or(&[])
    }

    /// All slots, slot index `i` at `i * SLOT` (key then value), to change values in place
    /// over a whole burst with one borrow. The caller must not change key bytes.
    #[inline(always)]
    pub(crate) fn slots_mut(&mut self) -> &mut [u8] {
        let (base, end) = (self.base, self.end);
        self.mem_mut().get_mut(base..end).unwrap_or(&mut [])
    }

    /// The table's slots as a raw address for a caller running its own burst pipeline (the
    /// FDB's), or `None` when the memory no longer covers the layout: see [`PipeView`].
    #[inline(always)]
    pub(crate) fn pipe_view(&mut self) -> Option<PipeView<'_, K, V>> {
        let (base, end) = (self.base, self.end);
        let mem = self.mem_mut();
        if mem.len() < end {
            return None;
        }
        let tags = mem.as_mut_ptr();
        Some(PipeView {
            tags,
            slots: tags.wrapping_add(base),
            len: end - base,
            buckets: self.buckets,
            buckets_m1: self.buckets_m1,
            hasher: self.hasher,
            _t: PhantomData,
        })
    }

    /// The value bytes of the entry at `idx`, to change in place; `None` when out of range.
    /// (An `Option` rather than an empty slice, so the caller's size check folds away.)
    #[inline(always)]
    pub(crate) fn value_bytes_idx_mut(&mut self, idx: SlotIdx) -> Option<&mut [u8]> {
        let off = self.idx_off(idx) + Self::KS;
        self.mem_mut().get_mut(off..off + Self::VS)
    }

    #[inline(always)]
    fn write_value(&mut self, pos: Pos, val: &V) {
        let off = self.slot_off(pos) + Self::KS;
        if let Some(s) = self.mem_mut().get_mut(off..off + Self::VS) {
            s.copy_from_slice(val.as_bytes());
        }
    }

    #[inline(always)]
    fn set_tag(&mut self, pos: Pos, tag: u16) {
        if let Some(t) = self
            .mem_mut()
            .as_chunks_mut::<TAGS_LEN>()
            .0
            .get_mut(pos.bucket)
        {
            set_tag(t, pos.slot, tag);
        }
    }

    #[inline(always)]
    fn clear_slot(&mut self, pos: Pos) {
        self.set_tag(pos, 0);
    }

    /// Moves the entry at `from` into the empty slot `to`.
    fn move_entry(&mut self, from: Pos, to: Pos) {
        let tag = self.group(from.bucket).tag(from.slot);
        let (src, dst) = (self.slot_off(from), self.slot_off(to));
        let mem = self.mem_mut();
        if src + Self::SLOT <= mem.len() && dst + Self::SLOT <= mem.len() {
            mem.copy_within(src..src + Self::SLOT, dst);
        }
        self.set_tag(to, tag);
        self.clear_slot(from);
    }

    /// A free slot for a new key with probe `p`: in its first bucket, else its second, else
    /// made by moving entries along a cuckoo path. `None` leaves the table unchanged.
    fn make_room(&mut self, p: Probe) -> Option<Pos> {
        if let Some(slot) = self.group(p.b1).empty().first() {
            return Some(Pos { bucket: p.b1, slot });
        }
        if let Some(slot) = self.group(p.b2).empty().first() {
            return Some(Pos { bucket: p.b2, slot });
        }
        self.cuckoo(p)
    }

    /// Breadth-first search for a chain of moves ending in a free slot, from the two full
    /// buckets of `p`; executes it (leaf first) and returns the freed root slot.
    fn cuckoo(&mut self, p: Probe) -> Option<Pos> {
        let root = Node {
            bucket: 0,
            parent: usize::MAX,
            slot: 0,
        };
        let mut queue = [root; BFS_NODES];
        queue[0].bucket = p.b1;
        let mut tail = 1;
        if p.b2 != p.b1 {
            queue[1].bucket = p.b2;
            tail = 2;
        }
        let mut head = 0;
        while head < tail {
            let node = queue[head];
            for slot in 0..SLOTS {
                let from = Pos {
                    bucket: node.bucket,
                    slot,
                };
                let Some(k) = self.key_at(from) else { continue };
                let kp = self.probe(&k);
                let alt = if kp.b1 == node.bucket { kp.b2 } else { kp.b1 };
                if alt == node.bucket {
                    continue;
                }
                if let Some(free) = self.group(alt).empty().first() {
                    return Some(self.shift_path(
                        &queue,
                        head,
                        from,
                        Pos {
                            bucket: alt,
                            slot: free,
                        },
                    ));
                }
                if tail < BFS_NODES && !queue[..tail].iter().any(|n| n.bucket == alt) {
                    queue[tail] = Node {
                        bucket: alt,
                        parent: head,
                        slot,
                    };
                    tail += 1;
                }
            }
            head += 1;
        }
        None
    }

    /// Executes a cuckoo path found by [`cuckoo`](Self::cuckoo): `from` (in node `idx`'s bucket)
    /// moves to the free slot `to`, then each ancestor's entry moves into the slot just freed.
    fn shift_path(&mut self, queue: &[Node], mut idx: usize, mut from: Pos, mut to: Pos) -> Pos {
        loop {
            self.move_entry(from, to);
            to = from;
            let Some(n) = queue.get(idx) else { return to };
            let parent = n.parent;
            let Some(pn) = queue.get(parent) else {
                return to;
            };
            from = Pos {
                bucket: pn.bucket,
                slot: n.slot,
            };
            idx = parent;
        }
    }

    /// Inserts or replaces. Returns the old value when `key` was present. `Err(Full)` when the
    /// table holds `capacity` entries or no room can be made; the table is then unchanged.
    pub fn insert(&mut self, key: K, val: V) -> Result<Option<V>, TableError> {
        let p = self.probe(&key);
        if let Some(pos) = self.find(p, key.as_bytes()) {
            let old = self.value_at(pos);
            self.write_value(pos, &val);
            return Ok(old);
        }
        if self.len >= self.capacity {
            return Err(TableError::Full);
        }
        let pos = self.make_room(p).ok_or(TableError::Full)?;
        self.write_slot(pos, p.tag, &key, &val);
        self.len += 1;
        Ok(None)
    }

    /// Inserts or replaces like [`insert`](Self::insert), but when the table is full evicts one
    /// entry of the key's two buckets: `rank` scores each candidate (lower goes first, `None`
    /// means never evict this one) and the lowest-ranked one is removed and returned. `Err(Full)`
    /// only when every candidate is pinned.
    pub fn insert_or_evict<F>(
        &mut self,
        key: K,
        val: V,
        mut rank: F,
    ) -> Result<Inserted<K, V>, TableError>
    where
        F: FnMut(&K, &V) -> Option<u64>,
    {
        match self.insert(key, val) {
            Ok(Some(old)) => return Ok(Inserted::Replaced(old)),
            Ok(None) => return Ok(Inserted::New),
            Err(TableError::Full) => {}
            Err(e) => return Err(e),
        }
        let p = self.probe(&key);
        let mut best: Option<(u64, Pos, K, V)> = None;
        for bucket in [p.b1, p.b2] {
            for slot in self.group(bucket).full() {
                let pos = Pos { bucket, slot };
                let (Some(k), Some(v)) = (self.key_at(pos), self.value_at(pos)) else {
                    continue;
                };
                if let Some(r) = rank(&k, &v) {
                    if best.is_none_or(|b| r < b.0) {
                        best = Some((r, pos, k, v));
                    }
                }
            }
        }
        let (_, pos, k, v) = best.ok_or(TableError::Full)?;
        // The victim's slot is in one of the new key's buckets: reuse it in place.
        self.write_slot(pos, p.tag, &key, &val);
        Ok(Inserted::Evicted(k, v))
    }

    /// Applies `f` to the value of `key` in place; returns what `f` returned, or `None` when
    /// the key is absent.
    #[inline(always)]
    pub fn update<R>(&mut self, key: &K, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let p = self.probe(key);
        let pos = self.find(p, key.as_bytes())?;
        let mut v = self.value_at(pos)?;
        let r = f(&mut v);
        self.write_value(pos, &v);
        Some(r)
    }

    /// [`update`](Self::update) at a [`Slot`] from [`find_burst`](Self::find_burst), with the
    /// same staleness check as [`get_at`](Self::get_at).
    #[inline(always)]
    pub fn update_at<R>(&mut self, slot: Slot, key: &K, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        if !self.holds(slot, key) {
            return self.update(key, f);
        }
        let pos = Pos::from_idx(slot.0);
        let mut v = self.value_at(pos)?;
        let r = f(&mut v);
        self.write_value(pos, &v);
        Some(r)
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let p = self.probe(key);
        let pos = self.find(p, key.as_bytes())?;
        let v = self.value_at(pos);
        self.clear_slot(pos);
        self.len -= 1;
        v
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        for b in 0..self.buckets {
            let start = b * TAGS_LEN;
            if let Some(t) = self.mem_mut().get_mut(start..start + TAGS_LEN) {
                t.fill(0);
            }
        }
        self.len = 0;
    }

    /// Visits up to `budget` slots starting at `*cursor` (a slot index), calling `f` on each
    /// entry; `f` may change the value, and returning `false` removes the entry. Advances
    /// `*cursor`, stopping at the end of the table, where it resets to 0 (so a pass is complete
    /// when the cursor comes back to 0; a cursor past the end restarts at 0). Returns the number
    /// of entries removed.
    ///
    /// A full pass takes `buckets() * 8` slots of budget; the work per call is bounded by
    /// `budget`, so aging can run a little per packet burst.
    pub fn sweep<F>(&mut self, cursor: &mut usize, budget: usize, mut f: F) -> usize
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        let total = self.buckets * SLOTS;
        let start = if *cursor < total { *cursor } else { 0 };
        let end = start.saturating_add(budget).min(total);
        *cursor = if end >= total { 0 } else { end };
        let mut removed = 0;
        for idx in start..end {
            let pos = Pos {
                bucket: idx / SLOTS,
                slot: idx % SLOTS,
            };
            if self.group(pos.bucket).tag(pos.slot) == 0 {
                continue;
            }
            let (Some(k), Some(v)) = (self.key_at(pos), self.value_at(pos)) else {
                continue;
            };
            let mut nv = v;
            if f(&k, &mut nv) {
                if nv.as_bytes() != v.as_bytes() {
                    self.write_value(pos, &nv);
                }
            } else {
                self.clear_slot(pos);
                self.len -= 1;
                removed += 1;
            }
        }
        removed
    }
}

/// The key and value types a [`PipeView`] reads (no ownership, no drop).
type KvMarker<K, V> = fn() -> (K, V);

/// The table as raw addresses, for a caller's own burst pipeline (the FDB's): stages 1 and 2
/// ([`candidate`](Self::candidate): hash, tag match, slot prefetch) with the table's fields
/// in locals and no bounds checks, giving each key's candidate slot as an address, which the
/// caller then reads and changes with no bounds check and no index arithmetic. Holds the
/// table's memory borrowed mutably ([`Table::pipe_view`], which checked that it covers the
/// layout), so a candidate's bytes may be changed through it; the caller must not change key
/// bytes.
pub(crate) struct PipeView<'a, K, V> {
    /// The table's memory: the tag groups of all buckets from here.
    tags: *mut u8,
    /// Slot index `i` at `slots + i * SLOT`.
    slots: *mut u8,
    /// `buckets * BUCKET`: the bytes of all slots (offsets are checked against it in debug
    /// builds).
    len: usize,
    /// The table's bucket count, its `buckets_m1` and its hasher (copies: a caller's loop
    /// keeps them in registers).
    buckets: usize,
    buckets_m1: usize,
    hasher: KeyedHash,
    _t: PhantomData<(&'a mut [u8], KvMarker<K, V>)>,
}

impl<K: Pod, V: Pod> PipeView<'_, K, V> {
    const SLOT: usize = core::mem::size_of::<K>() + core::mem::size_of::<V>();

    /// Pipeline stages 1 and 2 for one key, on the view (the FDB's burst): hashes `key`,
    /// matches its two tag groups and returns the address of the first slot whose tag
    /// matches, prefetched when `PF` (not yet confirmed by its key), or `none` when no tag
    /// matches — and then the key is certainly absent. Branch-free: the caller stores the
    /// answer whatever it is. Same key → bucket mapping and candidate as
    /// [`Table::pipe_candidate`].
    #[inline(always)]
    pub(crate) fn candidate<const PF: bool>(&self, key: &K, none: *mut u8) -> *mut u8 {
        let h = hot_of_hash(
            self.hasher.hash(key.as_bytes()),
            self.buckets,
            self.buckets_m1,
        );
        debug_assert!(h.g1 < self.buckets * SLOTS);
        debug_assert!(h.g2m.wrapping_add(SLOTS) < self.buckets * SLOTS);
        // SAFETY: `h` is a probe of a table of `self.buckets` buckets (`hot_of_hash` of that
        // count, as `Table::hot`), whose tag groups (`buckets * TAGS_LEN` bytes from `tags`)
        // the memory covers: `Table::pipe_view` checked that it reaches the slots' end, and
        // the slots come after the tag groups.
        #[allow(unsafe_code)]
        let m = unsafe { match_tags(self.tags, h) };
        // (With no match, `trailing_zeros` is 32 and the address is not a slot: not used.)
        let p = self
            .slots
            .wrapping_add(slot_of(h, m.trailing_zeros() as usize).wrapping_mul(Self::SLOT));
        // (Unconditional: a prefetch is a hint, the address need not be a slot.)
        if PF {
            prefetch(p, 0);
            if 64 % Self::SLOT != 0 {
                prefetch(p, Self::SLOT - 1);
            }
        }
        debug_assert!(m == 0 || (p as usize - self.slots as usize) + Self::SLOT <= self.len);
        core::hint::select_unpredictable(m != 0, p, none)
    }

    /// The slot index of an address from [`candidate`](Self::candidate) (as `usize`), given
    /// the view's [`first`](Self::first) slot's address; [`NO_SLOT`] for `none`.
    #[inline(always)]
    pub(crate) fn idx_of(first: usize, p: usize, none: usize) -> SlotIdx {
        if p == none {
            NO_SLOT
        } else {
            (p.wrapping_sub(first) / Self::SLOT) as SlotIdx
        }
    }

    /// The address of the first slot, as `usize` (for [`idx_of`](Self::idx_of)).
    #[inline(always)]
    pub(crate) fn first(&self) -> usize {
        self.slots as usize
    }
}

/// A bucket in the cuckoo breadth-first search.
#[derive(Clone, Copy)]
struct Node {
    bucket: usize,
    /// Index of the parent node (`usize::MAX` for a root).
    parent: usize,
    /// Slot in the parent's bucket whose entry would move into this bucket.
    slot: usize,
}

#[cfg(feature = "alloc")]
impl<K: Pod, V: Pod> Table<K, V, alloc::boxed::Box<[u8]>> {
    /// A table owning `mem_size(capacity)` bytes from the global allocator.
    pub fn with_capacity(capacity: usize, seed: u64) -> Result<Self, TableError> {
        let n = Self::mem_size(capacity)?;
        Self::new_in(alloc::vec![0u8; n].into_boxed_slice(), capacity, seed)
    }
}

/// Iterator over `(key, value)` copies; see [`Table::iter`].
pub struct Iter<'t, K, V, M> {
    table: &'t Table<K, V, M>,
    bucket: usize,
    mask: Option<group::SlotMask>,
}

impl<K, V, M> core::fmt::Debug for Iter<'_, K, V, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iter")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl<K: Pod, V: Pod, M: AsRef<[u8]>> Iterator for Iter<'_, K, V, M> {
    type Item = (K, V);
    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if self.bucket >= self.table.buckets {
                return None;
            }
            let mask = self
                .mask
                .get_or_insert_with(|| self.table.group(self.bucket).full());
            match mask.next() {
                Some(slot) => {
                    let pos = Pos {
                        bucket: self.bucket,
                        slot,
                    };
                    if let (Some(k), Some(v)) = (self.table.key_at(pos), self.table.value_at(pos)) {
                        return Some((k, v));
                    }
                }
                None => {
                    self.bucket += 1;
                    self.mask = None;
                }
            }
        }
    }
}

/// Prefetches the cache line holding `base + off` into all cache levels; a hint with no
/// architectural effect, so `off` needs no bounds check (the FDB's burst uses it too).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch(base: *const u8, off: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        // `wrapping_add`: no in-bounds requirement (the callers pass offsets inside the table's
        // memory anyway).
        let p = base.wrapping_add(off);
        // SAFETY: `_mm_prefetch` is a hint: it never faults, reads no value into the program
        // and writes nothing, whatever the address. SSE is part of the x86-64 baseline, so
        // the instruction exists on every x86-64 CPU.
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (base, off);
    }
}

#[cfg(all(feature = "alloc", any(test, feature = "fuzzing")))]
#[doc(hidden)]
pub mod model;
#[cfg(test)]
mod tests;
