//! The forwarding database (FDB): (segment, MAC) → local port or remote VTEP, learned from
//! source MACs or programmed statically by L2 population, with aging, MAC-move detection and
//! dampening, per-segment limits and per-segment flood lists.
//!
//! # Behaviour (Linux bridge `net/bridge/br_fdb.c` and Neutron's L2 population as references)
//!
//! - **Learning** ([`Fdb::learn`]) on a frame's source MAC with the caller's time `now`.
//!   A group (multicast/broadcast) or all-zero source is never learned (Linux drops such
//!   frames in `br_handle_frame`, "!is_valid_ether_addr(h_source)"). A known MAC seen on the
//!   same destination is refreshed (`last_seen = now`); on another destination it *moves*
//!   (Linux `br_fdb_update` rewrites `fdb->dst`), reported as [`Learned::Moved`] with the old
//!   destination and counted.
//! - **Dampening**: a MAC that moved less than `move_hold` ticks ago does not move again
//!   ([`Learned::Dampened`], counted) — a looped or spoofed MAC flapping between two ports
//!   cannot thrash the table. OVS takes the same approach when it locks a MAC learned from a
//!   gratuitous ARP for a few seconds against "bond reflection".
//! - **Static entries** ([`Fdb::add_static`], L2 population's remote MACs, local VM ports) never
//!   age and are never overwritten by learning ([`Learned::StaticKept`], counted).
//! - **Aging**: a learned entry not seen for `age` ticks is dead: lookups already treat it as
//!   unknown (like Linux's `has_expired`), and [`Fdb::age`] reclaims such entries with an
//!   incremental sweep that visits at most `budget` slots per call, so there is never a
//!   per-packet pause. A full pass is [`Fdb::sweep_slots`] slots.
//! - **Limits**: each segment has a cap on learned MACs (`default_segment_limit`, or per
//!   segment with [`Fdb::set_segment_limit`]), like the Linux bridge's `fdb_max_learned`; and the table
//!   has its capacity. A learn beyond either is refused and counted, every existing entry is
//!   kept, and the frame still forwards (the caller floods it as an unknown destination).
//!   With `evict_when_full`, a learn into a full table instead replaces the least recently seen
//!   learned entry among those sharing the new MAC's buckets (never a static one).
//! - **Lookup** ([`Fdb::lookup`]) of a destination MAC: a group address floods (broadcast and
//!   multicast are counted apart); a known, live unicast MAC gives its [`Dest`]; anything else
//!   floods as unknown unicast. The flood list of a segment ([`Fdb::flood_add`]) holds its local
//!   ports and remote VTEPs (L2 population's flooding entries); split horizon — not sending a
//!   frame back where it came from, not flooding tunnel-received frames to other tunnels — is
//!   the caller's choice while iterating it.
//!
//! Memory: the MAC table, the IPv6-VTEP side table and the segment table are [`crate::table`]
//! tables; the flood lists are one array sorted by segment, so a segment's list is a contiguous
//! slice found by binary search. [`Fdb::mem_size`] covers all four; [`Fdb::new_in`] splits the
//! caller's memory.
//!
//! # The per-frame path
//!
//! A MAC entry is a 10-byte key (segment, MAC) and a 22-byte value: flags (static, moved),
//! the destination's kind, a 4-byte destination (the port id, or the IPv4 VTEP's address),
//! `last_seen` and `last_move` — both full 64-bit ticks, so aging, `age` and `move_hold` mean
//! exactly what they did. A slot is 32 bytes, half a cache line; the table aligns power-of-two
//! slots, so a slot never straddles two lines. An IPv6 VTEP does not fit in 4 bytes: its entry
//! has kind IPv6 and the address lives in a cold side table keyed like the MAC table, read only
//! when such an entry is looked up or changed and kept in step by every learn, move, static
//! entry, removal, eviction and aging sweep (the proptests check after every operation that it
//! holds exactly the IPv6 entries' addresses). Its capacity is one more than the MAC table's,
//! so it has room for every learn the MAC table accepts; should its buckets still refuse (the
//! table's "no cuckoo path", practically impossible below capacity) the learn or `add_static`
//! is refused as table-full and nothing changes.
//!
//! Memory for 100k MACs: 3.66 MB of slots and 229 KB of tag groups on the per-frame path
//! (7.31 MB of slots with the previous 64-byte entries), plus 3.2 MB of cold IPv6 side table:
//! 7.09 MB in all (7.54 MB before).
//!
//! The common cases are decided in place in the table's memory, without copying an entry:
//! - learning a known, live, learned MAC on the same port or IPv4 VTEP is a flags test, an age
//!   test and a 5-byte destination compare, and a store of `last_seen` (always: skipping it
//!   when unchanged was a branch that a millisecond clock made unpredictable, see
//!   `refresh_hot`);
//! - a lookup of a known destination reads the entry's flags, `last_seen` and destination.
//!
//! Everything else (IPv6 VTEPs, static entries, dead entries, moves, dampening, new MACs,
//! limits, full tables, eviction) takes out-of-line paths. [`Fdb::learn_lookup_burst`] runs the
//! table's pipeline stages itself over the 2×N MACs of up to 64 frames:
//! 1. it prefetches the frames' own cache lines (see below why);
//! 2. one loop hashes each key and matches its two tag groups
//!    on the table's `PipeView` (`PipeView::candidate`: the table's memory as raw addresses,
//!    bucket counts and hasher in locals, no bounds checks), storing the slot's address; a
//!    key with no tag match (absent) gets the address of a sentinel slot on the burst's
//!    stack, all zeros, whose kind 0 no common case accepts — so the loop is branch-free and
//!    the decision has no "absent" test. The source's key is the frame's first 8 bytes
//!    (`FrameAddr` is `repr(C)`: segment, then source MAC) read as one word. On a CPU with
//!    AVX2, BMI1 and BMI2 (runtime detection, under `std`) the loop is compiled for them:
//!    the tag broadcast in two instructions instead of three, the tag groups' loads folded
//!    into the compares, `mulx`. On a CPU with AVX-512 F, BW and VPOPCNTDQ (and the above) the
//!    stage runs eight frames at a time instead (`candidates_avx512`, `table::avx512`): the
//!    frames' first 16 bytes gathered, the 16 keys hashed, reduced to buckets, matched against
//!    gathered tag groups and turned into addresses in vector registers (≈ 25 instructions a
//!    frame against ≈ 78). The tag groups are not prefetched ahead: 256 prefetches back to
//!    back measured slower than the loop's own loads, which overlap out of order;
//! 3. when the table is not cache-resident (decided once per burst), the candidate slots are
//!    prefetched: by the scalar stages key after key; on AVX-512 from the decision loop, 16
//!    frames ahead of the frame it decides (the first 16 frames' by the stage, after their
//!    block) — issued by the vector stage, 16 a block back to back, they held the L1 fill
//!    buffers that its tag and frame reads need;
//! 4. a tight loop in its own function (`Cands::decide`, so the FDB's fields are not in its
//!    registers) decides each frame on the raw words of its two candidate slots while it is
//!    the common case, reading and writing them at those addresses (no bounds checks, no
//!    index arithmetic, no indexed addressing; `unsafe`, with the invariant that a candidate
//!    is a slot of the table's buckets, which `pipe_view` checked the memory covers, or the
//!    sentinel). The source slot's first word is the key's first 8 bytes and its second
//!    word is the key's last 2 bytes, flags (not static), kind and destination, so key, flags
//!    and destination are two 8-byte compares; liveness is one compare of `last_seen` with
//!    `now - age + 1` (computed once per burst), then `last_seen` is stored.
//!    The destination's common case is a learned entry on a port: key bytes 8..10, flags 0
//!    and kind are one 32-bit compare, then liveness, and the answer is two stores into `out`
//!    (a `Dest` merged from both kinds took five); a static or IPv4 destination takes a cold
//!    branch of the same loop (the static flag or liveness, a port or IPv4 kind). No
//!    address checks (a found key is unicast: only unicast MACs are stored); the `refreshed`
//!    and `hits` counters and the hit mask are set once after the loop (every frame it took
//!    is both).
//!
//! A tag that matched a different key fails the key compare like any uncommon frame. At the
//! first other frame the rest of the burst takes the general path, which confirms each
//! candidate by its key (the full two-bucket search after a tag collision); once a learn there
//! inserts or evicts, the remaining frames look their MACs up again, so the result is always
//! that of [`learn`](Fdb::learn) then [`lookup`](Fdb::lookup) frame after frame (a proptest
//! checks this, counters included, with ports, IPv4 and IPv6 VTEPs).
//!
//! Measured (`benches/l2.rs`, `fdb_100k`: 100k MACs over 100 segments, frames between random
//! MACs of a segment, all known; thread CPU time on a shared 2-core VM; ns per frame, medians
//! of 12 runs interleaved with the previous build's (4 for the burst-free row); ratio =
//! median of the per-run ratios to the hashbrown peer of the same run):
//!
//! | per frame | previous build | now | peer (previous's runs / now's) | previous / peer | now / peer |
//! |-----------|---------------:|----:|-------------------------------:|----------------:|-----------:|
//! | [`learn_lookup_burst`](Fdb::learn_lookup_burst) | 11.99 | 11.73 | 23.44 / 23.35 | 0.512× | 0.502× |
//! | [`learn`](Fdb::learn) + [`lookup`](Fdb::lookup) | 33.84¹ | 34.89¹ | 23.16 / 23.59 | 1.46× | 1.48× |
//!
//! ¹ 2 runs each (33.80 / 33.88 against 34.45 / 35.33); this code did not change.
//!
//! Per run, burst, in three sets of 4 (previous, now): 11.96 / 12.00 / 11.97 / 11.94 (0.530×
//! / 0.510× / 0.508× / 0.530×) against 11.59 / 11.68 / 11.58 / 11.90 (0.512× / 0.501× /
//! 0.490× / 0.505×); 12.12 / 12.05 / 12.05 / 11.95 (0.511× / 0.508× / 0.510× / 0.506×)
//! against 11.65 / 11.80 / 11.97 / 11.78 (0.498× / 0.510× / 0.511× / 0.510×); 12.05 / 11.84 /
//! 12.37 / 11.90 (0.516× / 0.512× / 0.542× / 0.524×) against 11.84 / 11.86 / 11.50 / 11.63
//! (0.501× / 0.494× / 0.502× / 0.502×). This build was faster in all 12 interleaved pairs
//! (−2.1 % in the medians) and its ratio lower in 9 of 12: a small gain, not the goal. (The
//! build before, session 5's: 14.67, 0.62×.) The peer is the same work on a `hashbrown::HashMap` (refresh or
//! insert the source, get the destination; no aging, moves, limits or counters). Callgrind
//! (`examples/fdb_prof.rs`, 100k MACs): 132.2 instructions per frame in the burst (144.5
//! before — 143 in the previous count, which left out the harness's call —, 163 in session
//! 5's second build, 272 in the 64-byte-entry build, ≈ 660 in the first design; 131.4 at 10k
//! MACs against 142.5); the portable stage, on a CPU without AVX2: 143.3. 272 for learn +
//! lookup (unchanged). [`learn`](Fdb::learn) and [`lookup`](Fdb::lookup) decide their common
//! case on the candidate slot's words the same way (through the table's bounds-checked slot
//! accessors).
//!
//! Where the 132 go: the candidate loop 78 per frame — per key ≈ 37: building the key 2–4,
//! the hash 5 (one keyed folded multiply over the 10 bytes, nothing left to cut there), the
//! two range reductions and the second bucket's skip 12, the tag 2 and its broadcast 2, the
//! two tag compares from memory and the mask 4, the candidate's slot and address 6, the
//! sentinel's select 2, the store 1 (and the slot prefetch when the table is not
//! cache-resident) — the decision 46 (the frame's kind of source and its hot word 8, the two
//! candidates 2, the two keys 5, source compares and the `last_seen` store 10, destination
//! compares 10, `learned` and `out` 4, the loop 7), and 7–8 per frame for the burst (the
//! candidates' 1 KB fill, the frames' prefetch, counters).
//!
//! Where the time goes: with the decision skipped (a measuring hack, not kept), the candidate
//! stage alone took 6.4–6.5 of the burst's 10.1 ns per frame at 10k MACs with every line in
//! cache (`fdb_prof burst 100 10000`, `FDB_PASSES=40`), 7.5–7.7 of 10.9 at 100k — ≈ 15 cycles
//! for ≈ 86 instructions (≈ 80 µops after fusion) at the VM's 2.3 GHz: the loops run at about
//! the core's rename width (6 µops a cycle), so what counts is µops, not instructions. Cuts
//! that only trade instructions for µops gain nothing (session 7: the core runs at ≈ 2.96
//! GHz, measured with a chain of dependent `imul`s, not the TSC's 2.3; so ≈ 19 cycles, about
//! 4.5 µops a cycle: near, not at, the rename width): a `vpcmpeqw` from an indexed address is
//! one instruction but two µops (unlaminated), as were the `movdqu` and `pcmpeqw` it replaces;
//! AVX-512's `vpbroadcastw` from a general register is two µops, as were `vmovd` +
//! `vpbroadcastw`. That is why the AVX2 stage gains ≈ 0.2–0.3 ns for 12 fewer instructions
//! (`fdb_prof`, everything in cache: 9.7–9.8 against 10.0 ns per frame at 10k MACs). In
//! `fdb_100k` the frames (9.4 MB, not in cache) and the slots beyond L2 add ≈ 2 ns on top,
//! mostly the frames': `fdb_prof` at 100k MACs, 4000 bursts streaming the frame array, takes
//! 12.8–13.2 ns per frame with frames between all 100k MACs and 12.3–12.5 with frames
//! between only 2000 of them (`FDB_HOT=2000`: their slots stay in cache), against 10.4–10.6
//! either way with 100 bursts whose frames stay in cache (3 interleaved runs each).
//!
//! Why the frames are prefetched: the bench's frame array (4096 bursts, 9.4 MB) is not in
//! cache, and once the candidate loop's slot prefetches hold the L1 fill buffers, each frame
//! line the loop misses waits for one. Without it, every cut in the candidate loop made the
//! burst *slower*: the same loop two stores tighter measured 29–31 ns against 18–19 ns per
//! frame (`fdb_prof`, `FDB_PASSES=2`, 4000 bursts, 3 interleaved runs; the previous build
//! 20–23), and with the frames prefetched 14.0 against 18.4. At 10k MACs (cache-resident, no
//! slot prefetches) it still helps: 12.0 → 11.1 ns per frame (same setup).
//!
//! (The figures above are session 6's, before the AVX-512 stage: its callgrind counts are
//! the AVX2 path's, which is what valgrind runs, as it has no AVX-512.)
//!
//! Session 7 — the AVX-512 candidate stage, the slot prefetches moved into the decision
//! loop (the first 16 frames' issued by the stage), and `last_seen` stored unconditionally.
//! `benches/l2.rs`, 6 runs interleaved with the session-6 build (same bench file), medians,
//! ns per frame:
//!
//! | per frame | session 6 | now | hashbrown peer (now's runs) | now / peer |
//! |-----------|----------:|----:|----------------------------:|-----------:|
//! | `fdb_100k` burst | 11.81 | 10.98 | 23.64 | 0.46× |
//! | `fdb_100k` burst, millisecond clock | 15.38 | 10.72 | — | — |
//! | `fdb_10k` burst | 10.59 | 9.30 | 13.13 | 0.71× |
//! | `fdb_10k` burst, millisecond clock | 12.03 | 9.17 | — | — |
//!
//! (Per run, `fdb_100k` burst: 11.52 / 11.13 / 11.11 / 10.58 / 10.88 / 10.78 ns; 10.5–10.7 in
//! earlier runs the same day.)
//! ("Millisecond clock": `now` advances every 1024 bursts instead of every burst, as a
//! datapath's clock does; session 6's conditional store mispredicted there.) Where the time
//! goes now, from the measuring hacks of this session (`fdb_prof` and a stage-timing test, not
//! kept; the machine's timings vary by ±10 % from minute to minute, so only interleaved
//! comparisons count):
//! - the vector candidate stage is bound by its dependency chain, not by µops: ≈ 4.8 ns per
//!   frame at 10k MACs (tag groups in L1) for ≈ 25 instructions, ≈ 5.7 at 100k (tag groups
//!   in L2), against ≈ 7 for the scalar stage; a zmm gather costs ≈ 4.6 cycles here even
//!   from L1 (`vpgatherqq`, measured in C), and a block's chain (frame gather, hash, bucket
//!   multiply, tag gathers, compares, mask assembly, address) is ≈ 100+ cycles;
//! - at 100k MACs the slots (3.66 MB) are beyond the 2 MB L2 and the frame array streams:
//!   the memory pattern alone — each frame's 36 bytes, both tag groups and the slot of its
//!   two keys, with a cheap hash and no compares (a C skeleton, not kept) — measured 8.3 ns
//!   per frame on a quiet minute, 6.6 at 10k. Random L2-missing lines arrive at ≈ 1.7 ns
//!   each here (independent loads over 3.6 MiB), L2 hits at ≈ 0.8. So at 100k ≈ 8 of the
//!   11 ns are the memory system's, and the 10 ns goal leaves ≈ 2 ns for everything the
//!   FDB does beyond touching its lines, unless that work overlaps the misses almost fully.
//!
//! The goal of 10 ns per frame at 100k MACs is not met: 10.5–11.0 ns in `fdb_100k`
//! (session 8: 0.717 µs per burst, 11.2 ns, median of 4 runs of 10.6–12.4); 9.1–9.3 at 10k.
//!
//! Session 8 measured what is left (`fdb_prof`, alternating builds, medians of 8 runs unless
//! said; per-phase times from `rdtsc` in a measuring build, not kept) and found no lever in
//! this design or beside it:
//! - the decision on AVX-512 again (session 5 had it at 22.9 against 18.6 ns): eight frames
//!   a block, the slots' three words gathered, in three passes (the frames' hot words, the
//!   blocks, then `learned` and `out`). 11.4–12.1 against 8.5–8.7 ns per frame at 10k MACs:
//!   the two scalar passes alone take ≈ 2.6 ns a frame (they must read `Dest` and write
//!   `Option<Dest>`, whose layouts are the compiler's), the blocks ≈ 2.7 (eight gathers
//!   each), where the scalar loop does all of it in ≈ 3.4. Two traps on the way, for whoever
//!   tries again: built lane by lane inside the blocks, both `Dest` kinds' address bytes were
//!   merged through the stack and reloaded across two stores (failed store forwards: 22 ns a
//!   frame); and stepping `at` by the lanes taken made each block's loads wait for the
//!   previous block's compares (the blocks must step by eight, the exit a predicted branch);
//! - the stage with each block's hashes taken one block ahead and its tag groups prefetched
//!   (`hash8` / `prefetch8` / `match8`): 10.9 against 10.7 ns at 100k; without the
//!   prefetches 10.7 against 10.5;
//! - the second tag group gathered only for the keys with no first-group match, at 100k this
//!   time: 11.5 against 10.9 (session 7: slower at 10k too);
//! - the caller prefetching the next burst's frames (as a DPDK loop does its next packets):
//!   the stage's time drops ≈ 12 %, the burst's does not;
//! - the footprint: 50k MACs (the slot bytes 16-byte slots would give 100k) run 10.1 against
//!   10.7 at 100k, 25k 10.0 (5 alternating runs). Shrinking the entry cannot reach 10 ns at
//!   100k here, with or without the change of tick semantics it needs;
//! - a table without a tag array (a probe outside the crate, not kept): buckets of one cache
//!   line holding two 32-byte entries, two choices, random-walk cuckoo insertion to 7/8
//!   load, a pipelined burst (hash and prefetch 16 keys ahead, first lines, then second lines
//!   for the misses, branch-free): 18–21 against 12.3–13.0 ns per frame for the FDB on the
//!   same frames in the same process. Only 54 % of the keys sit in their first bucket, so a
//!   key costs 1.46 lines from L3 where the tag design costs one slot line from L3 and two
//!   tag lines from L2 (its 229 KB of tags stay there): on this machine the small tag array
//!   is the right shape.
//!
//! Tried in this design and dropped:
//! - (session 7) the AVX-512 stage software-pipelined with the decision, block by block (the
//!   candidates, with their slot prefetches, of 1, 2, 4 or 8 blocks of eight frames ahead of
//!   the block decided): no faster, 1.07–1.12× session 6's time at 100k in `fdb_prof`;
//! - (session 7) with the prefetches in the decision loop, the stage's blocks computed
//!   between the decision's blocks (three blocks ahead, so the prefetches find their
//!   candidates): 0.714 against 0.709 µs per burst (5 interleaved runs) — the candidate
//!   stage's misses do not overlap better with the decision's work than before it;
//! - (session 7) the slot prefetches issued by the AVX-512 stage itself (16 back to back per
//!   block): 12.3 against 12.0 ns per frame at 100k (`fdb_100k`, 4 interleaved runs), as
//!   fast as session 6's scalar stage at best; in the decision loop, 16 frames ahead: 11.2
//!   (8 ahead 11.3, 24 11.5, 32 11.6, 3 runs each); `prefetcht1`/`t2`/`nta` for them: within
//!   the noise of `t0`;
//! - (session 7) the second bucket's tag group gathered only for the keys with no match in
//!   the first (a masked gather after the first's compare, a quarter of the second groups):
//!   fewer reads, longer chain, the stage 4.8 → 5.7 ns per frame at 10k;
//! - (session 7) the frames' 16 bytes by four masked 64-byte loads and byte permutes
//!   (`vpermt2b`) instead of two gathers: no change (4.6–4.9 against 4.8–4.9 for the stage);
//! - (session 7) the FDB's memory advised to transparent huge pages, again (with the new
//!   stage): 0.722 against 0.722 µs per burst (6 interleaved runs);
//! - (session 6) the slot prefetch into L2 only (`prefetcht1`), with the frames prefetched:
//!   slower, 770–777 against 732–737 ns per burst (3 interleaved runs);
//! - (session 6) the frames prefetched into L2 only (`prefetcht1`: fewer L1 fill buffers held
//!   while the candidate loop starts): `fdb_prof` 12.6–12.9 against 12.8–13.2 ns per frame
//!   (100k MACs, 4000 bursts), `fdb_100k` 729 / 748 / 752 against 731 / 750 / 762 ns per
//!   burst — ≈ 1 %, not resolved, not kept;
//! - (session 6) the decision loop unrolled by two (a step function called twice an
//!   iteration): 132.2 → 131.0 instructions per frame, not timed — not worth the code;
//! - (session 6) the candidate loop compiled for AVX-512BW/VL + BMI2 instead of AVX2 (one
//!   instruction less per key, `vpbroadcastw` from a register, the same µops): no faster in
//!   `fdb_100k` (12.4 against 12.1 ns per frame in one run) nor in cache (`fdb_prof` 10k,
//!   9.8–9.9 against 10.0–10.1); valgrind does not run AVX-512, so callgrind could not count
//!   it either;
//! - (session 5) the candidate stage over raw pointers measured 30–31 ns against 21 in
//!   `fdb_prof` and 1.83–1.93 µs against 1.00–1.15 per burst in `fdb_100k`: confounded by the
//!   frames' misses above; retried in session 6 with the frames prefetched, it is what the
//!   burst now does;
//! - one range reduction instead of two (the second bucket derived from the first and the
//!   hash's high bits, wrapped once into `0..n`): with no power-of-two bucket count the wrap is
//!   a subtract and a conditional move, 7–8 instructions against the present 8 — not worth
//!   changing the table's key → bucket mapping, not built.
//!
//! Tried before (sessions 4 and 5) and dropped, with the 64-byte-then-32-byte entry builds:
//! prefetching the tag groups ahead (slower, see above), no prefetch at all (slower), the FDB
//! in memory advised to transparent huge pages (no change in a short run), prefetching slots
//! into L2 only or non-temporally (`T1`, `NTA`: no faster), forcing [`learn`](Fdb::learn)
//! inline (more instructions, no faster), a branch-free candidate (bit 16 as "no match": 161 →
//! 160), the pipeline loop compiled with AVX2 + BMI2 behind runtime detection (`vpbroadcastw`,
//! `vpcmpeqw` from memory, `mulx`: 161 → 154.6 instructions, burst 15.0 against 14.8 ns, no
//! faster — confounded by the frames' misses then; with the frames prefetched it is what the
//! burst now does). A vector pipeline stage behind runtime detection (AVX-512F/BW/VL: the
//! keys' hash, tag and both buckets eight keys per 512-bit vector, the folded multiply's
//! 128-bit product exact from four `vpmuludq` partial products, Lemire's reduction a
//! `vpmuludq` and a shift, checked against the scalar stage by a proptest): slower,
//! `fdb_100k` burst 0.67–0.72× the peer (512-bit) and 0.73–0.77× (256-bit) against 0.63–0.65×
//! scalar — the scalar hash and reductions overlap out of order, the vector form adds lane
//! extracts and broadcasts. On top
//! of it, the decision eight frames at a time on gathered slot words (`vpgatherqq`, refreshes
//! scattered): 22.9 against 18.6 ns per frame. Passing the keys built in the candidate loop to
//! the decision loop: 165 → 170 instructions. The candidate stage and the decision fused into
//! one loop with the candidates 8 or 16 frames ahead: 190 and 198 instructions, no gain
//! resolved. The vector stage split in two loops: faster at 10k MACs, slower at 100k (the
//! second loop issued the slot prefetches back to back). 16-byte slots (100k MACs in 1.8 MB,
//! in L2; interned destinations and a 32-bit `last_seen`, a change of the documented tick
//! semantics) would gain at most the ≈ 2 ns between 10k and 100k.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Dest, SegmentId};
use crate::table::{
    prefetch, Inserted, PipeView, SlotIdx, Table, TableError, BURST_MAX, MAX_CAPACITY, NO_SLOT,
    PIPE_MAX,
};
use crate::wire::MacAddr;

/// FDB sizing and policy, validated once by [`Fdb::new_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbConfig {
    /// Most (segment, MAC) entries, learned and static together.
    pub mac_capacity: usize,
    /// Most segments with state (limits, counts); a segment gets state on first use.
    pub segment_capacity: usize,
    /// Most flood-list members over all segments.
    pub flood_capacity: usize,
    /// A learned entry unseen for this many ticks is dead (0: never ages).
    pub age: u64,
    /// A MAC that moved less than this many ticks ago does not move again (0: no dampening).
    pub move_hold: u64,
    /// Learned MACs allowed per segment unless set with [`Fdb::set_segment_limit`].
    pub default_segment_limit: u32,
    /// Evict the least recently seen learned entry of the new MAC's buckets when the table is
    /// full, instead of refusing.
    pub evict_when_full: bool,
    /// Secret seed of the tables' keyed hash.
    pub seed: u64,
}

impl FdbConfig {
    /// A config with Linux bridge defaults: 300 s aging (at 1 tick = 1 ns), 1 s move hold, no
    /// per-segment limit beyond the table, refuse when full.
    pub const fn new(mac_capacity: usize, seed: u64) -> Self {
        FdbConfig {
            mac_capacity,
            segment_capacity: 4096,
            flood_capacity: 4096,
            age: 300_000_000_000,
            move_hold: 1_000_000_000,
            default_segment_limit: u32::MAX,
            evict_when_full: false,
            seed,
        }
    }
}

/// Why an FDB operation was refused. The FDB is unchanged whenever one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FdbError {
    /// A table could not be built (capacity out of range, memory too small).
    #[error("fdb table: {0}")]
    Table(#[from] TableError),
    /// The memory given is smaller than [`Fdb::mem_size`].
    #[error("memory too small: need {need} bytes, have {have}")]
    MemTooSmall {
        /// Bytes required.
        need: usize,
        /// Bytes given.
        have: usize,
    },
    /// The MAC table holds `mac_capacity` entries (or the key's buckets are full).
    #[error("MAC table full")]
    MacTableFull,
    /// The segment table holds `segment_capacity` segments.
    #[error("segment table full")]
    SegmentTableFull,
    /// The flood lists hold `flood_capacity` members.
    #[error("flood list storage full")]
    FloodFull,
    /// A static unicast entry must have a unicast, non-zero MAC.
    #[error("not a unicast MAC")]
    NotUnicast,
}

/// What [`Fdb::learn`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    /// A new entry.
    New,
    /// The MAC was known on this destination; `last_seen` updated.
    Refreshed,
    /// The MAC moved; this was its old destination.
    Moved {
        /// Destination before the move.
        from: Dest,
    },
    /// The MAC moved too recently to move again; it stays on this destination.
    Dampened {
        /// The destination the entry keeps.
        stays: Dest,
    },
    /// A static entry holds the MAC; learning does not touch it.
    StaticKept,
    /// Not learned.
    Refused(Refusal),
}

/// Why a MAC was not learned. The frame still forwards (as unknown unicast if it must).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Refusal {
    /// Group (multicast/broadcast) or all-zero source MAC.
    InvalidSource = 1,
    /// The segment's learned-MAC limit is reached.
    SegmentLimit = 2,
    /// The MAC table is full.
    TableFull = 3,
    /// The segment has no state yet and the segment table is full.
    SegmentTableFull = 4,
}

/// Why a frame floods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FloodReason {
    /// Destination ff:ff:ff:ff:ff:ff.
    Broadcast = 1,
    /// Another group address.
    Multicast = 2,
    /// Unicast destination not in the FDB (or aged out).
    Unknown = 3,
}

/// Where [`Fdb::lookup`] sends a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forward<'a> {
    /// To one known destination.
    Unicast(Dest),
    /// To the segment's flood list.
    Flood {
        /// Why.
        reason: FloodReason,
        /// The segment's local ports and remote VTEPs.
        list: FloodList<'a>,
    },
}

/// One frame's L2 addressing, for [`Fdb::learn_lookup_burst`].
///
/// (`repr(C)`: the segment and the source MAC are adjacent, so the first 8 bytes of the
/// source's key are one load.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct FrameAddr {
    /// The segment the frame is on.
    pub seg: SegmentId,
    /// Source MAC (learned).
    pub src: MacAddr,
    /// Destination MAC (looked up).
    pub dst: MacAddr,
    /// Where the frame came from.
    pub from: Dest,
}

/// One FDB entry as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbEntry {
    /// Where the MAC is.
    pub dest: Dest,
    /// Programmed by the control plane (never aged, never overwritten by learning).
    pub is_static: bool,
    /// When the MAC was last learned or refreshed (the insertion time for static entries).
    pub last_seen: u64,
}

/// Plain counters; the C API reads the same struct.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct FdbCounters {
    /// New entries learned.
    pub learned: u64,
    /// Learns that refreshed an entry on the same destination.
    pub refreshed: u64,
    /// MAC moves accepted.
    pub moved: u64,
    /// MAC moves refused by dampening.
    pub move_dampened: u64,
    /// Learns that found a static entry (kept).
    pub static_kept: u64,
    /// Learned entries reclaimed by aging.
    pub aged: u64,
    /// Learned entries evicted to make room (`evict_when_full`).
    pub evicted: u64,
    /// Unicast lookups that found a live entry.
    pub hits: u64,
    /// Unicast lookups that found nothing (the frame floods).
    pub misses: u64,
    /// Broadcast destinations.
    pub broadcast: u64,
    /// Other multicast destinations.
    pub multicast: u64,
    /// Learns refused: MAC table full.
    pub refused_full: u64,
    /// Learns refused: segment limit.
    pub refused_limit: u64,
    /// Learns refused: group or zero source MAC.
    pub refused_invalid_source: u64,
    /// Learns refused: segment table full.
    pub refused_segments: u64,
}

// ---- stored forms ----

/// (segment, MAC) as stored: 4 bytes of segment and the first 4 MAC bytes in one word, the
/// last 2 MAC bytes in a halfword, so building it takes two register stores that the table's
/// hash and compare read back as the same word and halfword. 10 bytes, so key + [`Entry`] is a
/// 32-byte slot.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned,
)]
#[repr(C)]
struct Key {
    lo: [u8; 8],
    hi: [u8; 2],
}

impl Key {
    const ZERO: Key = Key {
        lo: [0; 8],
        hi: [0; 2],
    };
    #[inline(always)]
    fn new(seg: SegmentId, mac: MacAddr) -> Key {
        let m = mac.0;
        let lo = u64::from(seg) | u64::from(u32::from_le_bytes([m[0], m[1], m[2], m[3]])) << 32;
        Key {
            lo: lo.to_le_bytes(),
            hi: [m[4], m[5]],
        }
    }
    /// The keys of a frame's source and destination MACs: the source's first word is the
    /// frame's first 8 bytes (segment, then the source MAC's first 4 bytes: `FrameAddr` is
    /// `repr(C)`) read as one load, where building it from the fields takes two loads, a
    /// shift and an or (the compiler does not merge them, the segment being used twice).
    #[inline(always)]
    fn of_frame(f: &FrameAddr) -> (Key, Key) {
        let p: *const FrameAddr = f;
        // SAFETY: `FrameAddr` is `repr(C)` with `seg: u32` at offset 0 and `src: [u8; 6]` at
        // 4 (asserted below), so its bytes 0..8 are initialized (no padding) and readable
        // through the live reference `f`; the read is unaligned.
        #[allow(unsafe_code)]
        let w = unsafe { p.cast::<[u8; 8]>().read_unaligned() };
        let (ks, kd) = (Key::new(f.seg, f.src), Key::new(f.seg, f.dst));
        debug_assert_eq!(w, ks.lo);
        (Key { lo: w, hi: ks.hi }, kd)
    }
    fn seg(&self) -> SegmentId {
        u32::from_le_bytes([self.lo[0], self.lo[1], self.lo[2], self.lo[3]])
    }
    fn mac(&self) -> MacAddr {
        let (l, h) = (self.lo, self.hi);
        MacAddr([l[4], l[5], l[6], l[7], h[0], h[1]])
    }
}

/// A local port: `Entry::dest` is the port id.
const KIND_PORT: u8 = 1;
/// An IPv4 VTEP: `Entry::dest` is its address.
const KIND_V4: u8 = 2;
/// An IPv6 VTEP: the address is in the cold side table (`Fdb::v6`), under the entry's key.
const KIND_V6: u8 = 3;
const FLAG_STATIC: u8 = 1;
const FLAG_MOVED: u8 = 2;

/// An entry as stored, read and changed in place in the table's memory (all fields bytes, so
/// no alignment is needed and no copy is made on the per-frame path). 22 bytes: with the
/// 10-byte key a slot is 32 bytes, half a cache line (the table aligns power-of-two slots, so a
/// slot never straddles two lines), and every field sits at its natural alignment in the slot
/// (flags at 10, kind 11, dest 12, `last_seen` 16, `last_move` 24).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
struct Entry {
    flags: u8,
    kind: u8,
    /// The port id (`KIND_PORT`), the IPv4 address (`KIND_V4`), or zero (`KIND_V6`).
    dest: [u8; 4],
    last_seen: [u8; 8],
    /// When the MAC last moved; meaningful only with `FLAG_MOVED`.
    last_move: [u8; 8],
}

// `Key::of_frame` reads a frame's segment and the source MAC's first 4 bytes as one word.
const _: () = {
    assert!(core::mem::offset_of!(FrameAddr, seg) == 0);
    assert!(core::mem::offset_of!(FrameAddr, src) == 4);
    assert!(core::mem::size_of::<SegmentId>() == 4 && core::mem::size_of::<MacAddr>() == 6);
};

// The burst's common case reads slots as words (`Fdb::learn_lookup_burst`): key bytes 0..10,
// flags 10, kind 11, destination 12..16, `last_seen` 16..24.
const _: () = {
    assert!(core::mem::size_of::<Key>() + core::mem::size_of::<Entry>() == 32);
    assert!(core::mem::size_of::<Key>() + core::mem::offset_of!(Entry, flags) == 10);
    assert!(core::mem::size_of::<Key>() + core::mem::offset_of!(Entry, kind) == 11);
    assert!(core::mem::size_of::<Key>() + core::mem::offset_of!(Entry, dest) == 12);
    assert!(core::mem::size_of::<Key>() + core::mem::offset_of!(Entry, last_seen) == 16);
};

/// A destination in its stored form, encoded once and compared field by field: the hot part
/// (kind, 4 bytes) and, for an IPv6 VTEP, the address kept in the side table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Enc {
    kind: u8,
    dest: [u8; 4],
    v6: [u8; 16],
}

impl Enc {
    #[inline(always)]
    fn new(d: Dest) -> Enc {
        match d {
            Dest::Port(p) => Enc {
                kind: KIND_PORT,
                dest: p.to_ne_bytes(),
                v6: [0; 16],
            },
            Dest::Vtep(IpAddr::V4(a)) => Enc {
                kind: KIND_V4,
                dest: a.octets(),
                v6: [0; 16],
            },
            Dest::Vtep(IpAddr::V6(a)) => Enc {
                kind: KIND_V6,
                dest: [0; 4],
                v6: a.octets(),
            },
        }
    }
}

/// The flood lists' stored form of a destination: (kind, port, address).
#[inline(always)]
fn encode(d: Dest) -> (u8, u32, [u8; 16]) {
    match d {
        Dest::Port(p) => (KIND_PORT, p, [0; 16]),
        Dest::Vtep(IpAddr::V4(a)) => {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&a.octets());
            (KIND_V4, 0, b)
        }
        Dest::Vtep(IpAddr::V6(a)) => (KIND_V6, 0, a.octets()),
    }
}

#[inline(always)]
fn decode(kind: u8, port: u32, addr: [u8; 16]) -> Dest {
    match kind {
        KIND_V4 => Dest::Vtep(IpAddr::V4(Ipv4Addr::new(
            addr[0], addr[1], addr[2], addr[3],
        ))),
        KIND_V6 => Dest::Vtep(IpAddr::V6(Ipv6Addr::from(addr))),
        _ => Dest::Port(port),
    }
}

impl Entry {
    #[inline(always)]
    fn new(e: &Enc, now: u64, flags: u8) -> Entry {
        Entry {
            flags,
            kind: e.kind,
            dest: e.dest,
            last_seen: now.to_le_bytes(),
            last_move: [0; 8],
        }
    }
    #[inline(always)]
    fn last_seen(&self) -> u64 {
        u64::from_le_bytes(self.last_seen)
    }
    #[inline(always)]
    fn last_move(&self) -> u64 {
        u64::from_le_bytes(self.last_move)
    }
    /// The destination of a port or IPv4 entry; `None` for an IPv6 VTEP (its address is in the
    /// side table: [`Fdb::dest_of`]).
    #[inline(always)]
    fn hot_dest(&self) -> Option<Dest> {
        match self.kind {
            KIND_PORT => Some(Dest::Port(u32::from_ne_bytes(self.dest))),
            KIND_V4 => Some(Dest::Vtep(IpAddr::V4(Ipv4Addr::from(self.dest)))),
            _ => None,
        }
    }
    #[inline(always)]
    fn is_static(&self) -> bool {
        self.flags & FLAG_STATIC != 0
    }
    /// True when the entry is on `d` and that is decided in place: a port or an IPv4 VTEP.
    /// False for an IPv6 VTEP either way (the general path compares it with the side table).
    #[inline(always)]
    fn is_hot_dest(&self, d: Dest) -> bool {
        match d {
            Dest::Port(p) => self.kind == KIND_PORT && self.dest == p.to_ne_bytes(),
            Dest::Vtep(IpAddr::V4(a)) => self.kind == KIND_V4 && self.dest == a.octets(),
            Dest::Vtep(IpAddr::V6(_)) => false,
        }
    }
    #[inline(always)]
    fn set_dest(&mut self, d: &Enc) {
        self.kind = d.kind;
        self.dest = d.dest;
    }
    /// A learned entry unseen for `age` ticks (never for static entries or `age == 0`).
    #[inline(always)]
    fn expired(&self, now: u64, age: u64) -> bool {
        !self.is_static() && age != 0 && now.saturating_sub(self.last_seen()) >= age
    }
}

#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct SegState {
    limit: u32,
    learned: u32,
}

/// A flood-list member as stored: sorted by (segment, kind, port, address).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned,
)]
#[repr(C)]
struct FloodRaw {
    seg: [u8; 4],
    kind: u8,
    pad: [u8; 3],
    port: [u8; 4],
    addr: [u8; 16],
}

const FLOOD_LEN: usize = core::mem::size_of::<FloodRaw>();

impl FloodRaw {
    fn new(seg: SegmentId, d: Dest) -> FloodRaw {
        let (kind, port, addr) = encode(d);
        FloodRaw {
            seg: seg.to_ne_bytes(),
            kind,
            pad: [0; 3],
            port: port.to_ne_bytes(),
            addr,
        }
    }
    fn seg(&self) -> SegmentId {
        u32::from_ne_bytes(self.seg)
    }
    fn dest(&self) -> Dest {
        decode(self.kind, u32::from_ne_bytes(self.port), self.addr)
    }
    fn order(&self) -> (SegmentId, Dest) {
        (self.seg(), self.dest())
    }
}

/// A segment's flood list: local ports and remote VTEPs, in a stable order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FloodList<'a> {
    members: &'a [FloodRaw],
}

impl core::fmt::Debug for FloodList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> FloodList<'a> {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }
    /// True when the segment has no flood members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
    /// The members.
    pub fn iter(&self) -> impl Iterator<Item = Dest> + 'a {
        self.members.iter().map(FloodRaw::dest)
    }
    /// The members except `from` (split horizon for the ingress port or VTEP).
    pub fn except(&self, from: Dest) -> impl Iterator<Item = Dest> + 'a {
        self.iter().filter(move |d| *d != from)
    }
}

/// The 8 bytes of a slot from `at` (0, 8, 16 or 24) as a little-endian word.
#[inline(always)]
fn word(s: &[u8; 32], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(b) = s.get(at..at + 8) {
        w.copy_from_slice(b);
    }
    u64::from_le_bytes(w)
}

/// The flags (0: learned), kind and destination of an entry on `from`, as they sit in the
/// second word of its slot (above the key's last 2 bytes); `None` for an IPv6 VTEP, whose
/// entry is not decided on the slot's words.
#[inline(always)]
fn hot_word(from: Dest) -> Option<u64> {
    match from {
        Dest::Port(p) => {
            Some(u64::from(KIND_PORT) << 24 | u64::from(u32_le(p.to_ne_bytes())) << 32)
        }
        Dest::Vtep(IpAddr::V4(a)) => {
            Some(u64::from(KIND_V4) << 24 | u64::from(u32_le(a.octets())) << 32)
        }
        Dest::Vtep(IpAddr::V6(_)) => None,
    }
}

/// The oldest `last_seen` of a live learned entry at `now`: `seen >= min_live(now, age)` is
/// `age == 0 || now.saturating_sub(seen) < age`, folded into one compare.
#[inline(always)]
fn min_live(now: u64, age: u64) -> u64 {
    if age == 0 || now < age {
        0
    } else {
        now - age + 1
    }
}

/// The byte range of slot `i` in `Table::slots_mut` (32-byte slots).
#[inline(always)]
fn slot_range(i: SlotIdx) -> Option<core::ops::Range<usize>> {
    let o = usize::try_from(i).ok()?.checked_mul(32)?;
    Some(o..o.checked_add(32)?)
}

/// Slot `i` of `slots` (`Table::slots`); `None` out of range (e.g. `NO_SLOT`).
#[inline(always)]
fn slot(slots: &[u8], i: SlotIdx) -> Option<&[u8; 32]> {
    slots.get(slot_range(i)?)?.try_into().ok()
}

/// Slot `i` of `slots` (`Table::slots_mut`); `None` out of range (e.g. `NO_SLOT`).
#[inline(always)]
fn slot_mut(slots: &mut [u8], i: SlotIdx) -> Option<&mut [u8; 32]> {
    slots.get_mut(slot_range(i)?)?.try_into().ok()
}

/// The common learn, decided on a candidate slot's raw words: the slot holds `key` as a live
/// (`last_seen >= min_live`) learned entry whose flags, kind and destination are `hot` (see
/// [`hot_word`]): its `last_seen` becomes `now` and the answer is true. False: the general
/// path decides.
///
/// The store is unconditional. Skipping it when `last_seen == now` (the line stays clean) was
/// a branch on the data: with a datapath's clock (a tick of a millisecond spans ≈ 1000
/// bursts), whether a MAC was already seen in this tick is a coin, and the mispredictions
/// cost 11.3 → 14.4 ns per frame (`fdb_prof`, 100k MACs, `FDB_TICK=1000`, 3 interleaved
/// runs); stored always, 11.3 either way.
#[inline(always)]
fn refresh_hot(s: &mut [u8; 32], key: &Key, hot: u64, min_live: u64, now: u64) -> bool {
    let seen = word(s, 16);
    if word(s, 0) != u64::from_le_bytes(key.lo)
        || word(s, 8) != u64::from(u16::from_le_bytes(key.hi)) | hot
        || seen < min_live
    {
        return false;
    }
    s[16..24].copy_from_slice(&now.to_le_bytes());
    true
}

/// The common lookup, decided on a candidate slot's raw words: the slot holds `key`, live
/// (static, or `last_seen >= min_live`), on a port or an IPv4 VTEP (an IPv6 VTEP's address is
/// in the side table; the burst's all-zero sentinel slot has kind 0). `None`: the general path
/// decides.
#[inline(always)]
fn hot_lookup(d: &[u8; 32], key: &Key, min_live: u64) -> Option<Dest> {
    let w1 = word(d, 8);
    let (flags, kind) = ((w1 >> 16) as u8, (w1 >> 24) as u8);
    if word(d, 0) != u64::from_le_bytes(key.lo)
        || w1 as u16 != u16::from_le_bytes(key.hi)
        || (flags & FLAG_STATIC == 0 && word(d, 16) < min_live)
        || (kind != KIND_PORT && kind != KIND_V4)
    {
        return None;
    }
    // The destination's stored bytes.
    let d4 = ((w1 >> 32) as u32).to_le_bytes();
    Some(if kind == KIND_PORT {
        Dest::Port(u32::from_ne_bytes(d4))
    } else {
        Dest::Vtep(IpAddr::V4(Ipv4Addr::from(d4)))
    })
}

/// Stages 1 and 2 of the table's pipeline for a burst's MACs (source of frame `i` at `2 i`,
/// destination at `2 i + 1`): hash, match the tags and prefetch (when `PF`) the candidate
/// slot, key after key; `cands` gets each candidate slot's address ([`PipeView::candidate`],
/// not yet confirmed by its key), or `none` when no tag matches (and then the key is
/// absent). At most [`BURST_MAX`] frames.
#[inline(always)]
fn candidates<const PF: bool>(
    view: &PipeView<'_, Key, Entry>,
    frames: &[FrameAddr],
    cands: &mut [*mut u8],
    none: *mut u8,
) {
    // (Every entry is written, branch-free: no fill before, no test of a match here.)
    for (f, c) in frames.iter().zip(cands.chunks_exact_mut(2)) {
        let (ks, kd) = Key::of_frame(f);
        c[0] = view.candidate::<PF>(&ks, none);
        c[1] = view.candidate::<PF>(&kd, none);
    }
}

/// [`candidates`] compiled for AVX2, BMI1 and BMI2 (the caller checked that the CPU has
/// them): the tag broadcast one instruction shorter, the tag groups' loads folded into the
/// compares, `mulx` for the hash, `tzcnt` without a preset (callgrind: 144.5 → 132.2
/// instructions per frame with the view, 143.3 without AVX2).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,bmi1,bmi2")]
fn candidates_avx2<const PF: bool>(
    view: &PipeView<'_, Key, Entry>,
    frames: &[FrameAddr],
    cands: &mut [*mut u8],
    none: *mut u8,
) {
    candidates::<PF>(view, frames, cands, none)
}

/// Frames whose slots the decision loop prefetches ahead.
const DECIDE_AHEAD: usize = 16;

/// Frames a block of [`candidates_avx512`] holds ([`PipeView::candidates8`]'s lanes).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const BLOCK: usize = 8;

/// [`candidates`] on AVX-512, eight frames at a time ([`block_avx512`]); the frames past the
/// last full eight go through [`candidates`]. With `PF`, the candidate slots of the first
/// [`DECIDE_AHEAD`] frames are prefetched as soon as their block is done, so they arrive while
/// the later blocks are computed (the decision loop prefetches the others): 0.711 → 0.680 µs
/// per `fdb_100k` burst against prefetching them all after the stage (4–5 interleaved runs;
/// 8 frames early 0.685, 24 0.708, 32 0.702). The caller checked that the CPU has the
/// features (`table::avx512::detected`, `avx2_detected`).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,avx2,bmi1,bmi2")]
fn candidates_avx512<const PF: bool>(
    view: &PipeView<'_, Key, Entry>,
    frames: &[FrameAddr],
    cands: &mut [*mut u8],
    none: *mut u8,
) {
    let frames = frames.get(..BURST_MAX).unwrap_or(frames);
    let (blocks, rest) = frames.as_chunks::<BLOCK>();
    let (head, tail) = cands.split_at_mut(2 * BLOCK * blocks.len());
    let (outs, _) = head.as_chunks_mut::<{ 2 * BLOCK }>();
    for (i, (f, c)) in blocks.iter().zip(outs).enumerate() {
        block_avx512(view, f, c, none);
        if PF && i * BLOCK < DECIDE_AHEAD {
            for &a in c.iter() {
                prefetch(a, 0);
            }
        }
    }
    // The frames past the blocks, prefetched here only among the first `DECIDE_AHEAD` (the
    // decision loop prefetches the others).
    if PF && blocks.len() * BLOCK < DECIDE_AHEAD {
        candidates::<true>(view, rest, tail, none);
    } else {
        candidates::<false>(view, rest, tail, none);
    }
}

/// [`candidates`] for eight frames on AVX-512 ([`PipeView::candidates8`]), their keys
/// gathered from the frames' first 16 bytes; `c` gets their 16 candidates (source, then
/// destination, frame after frame).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,avx2,bmi1,bmi2")]
fn block_avx512(
    view: &PipeView<'_, Key, Entry>,
    f: &[FrameAddr; BLOCK],
    c: &mut [*mut u8; 2 * BLOCK],
    none: *mut u8,
) {
    use crate::table::avx512::SELECT;
    use core::arch::x86_64::{
        _mm512_and_si512, _mm512_i64gather_epi64, _mm512_permutex2var_epi64, _mm512_set1_epi64,
        _mm512_setr_epi64, _mm512_slli_epi64, _mm512_srli_epi64, _mm512_storeu_si512,
        _mm512_ternarylogic_epi64,
    };
    const S: i64 = core::mem::size_of::<FrameAddr>() as i64;
    let at = _mm512_setr_epi64(0, S, 2 * S, 3 * S, 4 * S, 5 * S, 6 * S, 7 * S);
    let base = f.as_ptr().cast::<u8>();
    // SAFETY: each lane reads bytes 0..8 or 8..16 of one of the eight frames of `f` (offsets
    // `k * S`, `k < 8`): `FrameAddr` is `repr(C)` with `seg`, `src` and `dst` in its bytes
    // 0..16 (offsets asserted at `Key`), so they are initialized, and `f` is borrowed for the
    // reads; a gather needs no alignment.
    #[allow(unsafe_code)]
    let (w0, w1) = unsafe {
        (
            _mm512_i64gather_epi64::<1>(at, base.cast::<i64>()),
            _mm512_i64gather_epi64::<1>(at, base.wrapping_add(8).cast::<i64>()),
        )
    };
    // Bytes 0..8: segment, source MAC bytes 0..4 (the source key's first word); 8..16: source
    // MAC bytes 4..6, destination MAC.
    let src = view.candidates8(w0, _mm512_and_si512(w1, _mm512_set1_epi64(0xffff)), none);
    let dst_lo = _mm512_ternarylogic_epi64::<SELECT>(
        _mm512_set1_epi64(0xffff_ffff),
        w0,
        _mm512_slli_epi64::<16>(w1),
    );
    let dst = view.candidates8(dst_lo, _mm512_srli_epi64::<48>(w1), none);
    // Sources to even entries, destinations to odd ones.
    let first = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    let second = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    let p = c.as_mut_ptr();
    // SAFETY: `c` is 16 writable pointers (128 bytes), written unaligned.
    #[allow(unsafe_code)]
    unsafe {
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi64(src, first, dst));
        _mm512_storeu_si512(p.add(8).cast(), _mm512_permutex2var_epi64(src, second, dst));
    }
}

/// A candidate stage: [`candidates`] for some CPU's features, with or without slot
/// prefetches (`unsafe` to call: the CPU must have the features it was compiled for).
type Stage = unsafe fn(&PipeView<'_, Key, Entry>, &[FrameAddr], &mut [*mut u8], *mut u8);

/// The candidate stages this CPU runs, slowest first, each with whether the decision loop
/// prefetches the slots after it (`decide::<DECIDE_AHEAD>`): the portable stage; compiled for
/// AVX2 + BMI1/2; on AVX-512 (whose slot prefetches, but for the first frames', the decision
/// loop issues). `pf`: the table is not cache-resident (`Table::pipe_prefetches`). The scalar
/// stages prefetch every candidate themselves: the decision loop's prefetches, with theirs,
/// measured slower (0.809 against 0.753 µs per `fdb_100k` burst, 3 interleaved runs).
fn stages(pf: bool) -> [Option<(Stage, bool)>; 3] {
    let portable: Stage = if pf {
        candidates::<true>
    } else {
        candidates::<false>
    };
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        let x2 = avx2_detected();
        let x512 = x2 && crate::table::avx512::detected();
        let avx2: Stage = if pf {
            candidates_avx2::<true>
        } else {
            candidates_avx2::<false>
        };
        let avx512: Stage = if pf {
            candidates_avx512::<true>
        } else {
            candidates_avx512::<false>
        };
        [
            Some((portable, false)),
            x2.then_some((avx2, false)),
            x512.then_some((avx512, pf)),
        ]
    }
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    [Some((portable, false)), None, None]
}

/// Whether this CPU runs [`candidates_avx2`].
#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn avx2_detected() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
}

/// Prefetches every cache line of `v`.
#[inline(always)]
fn prefetch_bytes<T>(v: &[T]) {
    let (p, len) = (v.as_ptr().cast::<u8>(), core::mem::size_of_val(v));
    let mut o = 0;
    while o < len {
        prefetch(p, o);
        o += 64;
    }
}

/// A burst's frames with the candidate slots of their MACs ([`candidates`] on `view`), for
/// [`decide`](Cands::decide).
struct Cands<'a> {
    /// Candidate slot addresses of the view's table, or the sentinel slot (see
    /// [`Fdb::learn_lookup_burst`]).
    cands: &'a [*mut u8; PIPE_MAX],
    frames: &'a [FrameAddr],
    /// The view the candidates are addresses into, borrowed so that it outlives `self`.
    _view: core::marker::PhantomData<&'a PipeView<'a, Key, Entry>>,
}

impl Cands<'_> {
    /// The common case of [`Fdb::learn_lookup_burst`] from the first frame on, while it
    /// lasts; returns the number of frames decided (each a refreshed source and a found
    /// destination, with `learned` and `out` written).
    ///
    /// The common case, decided on the candidate slots' raw words: the source is found
    /// as a live learned entry on the frame's port or IPv4 VTEP, the destination is
    /// found live on a port or an IPv4 VTEP. A slot is the key's 10 bytes, then flags,
    /// kind, the 4-byte destination, `last_seen`: so the source's second key word,
    /// flags (not static), kind and destination are one 8-byte compare. A found key is
    /// unicast (only unicast MACs are ever stored), so neither needs the address
    /// checks. A key with no candidate is absent: its frame is not the common case.
    /// Anything else — a tag collision included — and every frame after it is left to the
    /// general path. (Not inlined: a loop of its own keeps the FDB's fields out of its
    /// registers.)
    #[inline(never)]
    fn decide<const AHEAD: usize>(
        &self,
        now: u64,
        min_live: u64,
        learned: &mut [Learned],
        out: &mut [Option<Dest>],
    ) -> usize {
        // (In locals: the loop's stores through slot addresses could otherwise be taken to
        // change `self`'s fields, reloaded after each.)
        let (frames, cands) = (self.frames, self.cands);
        let n = frames
            .len()
            .min(learned.len())
            .min(out.len())
            .min(BURST_MAX);
        let mut at = 0;
        while at < n {
            if AHEAD > 0 {
                if let (Some(&a), Some(&b)) =
                    (cands.get(2 * (at + AHEAD)), cands.get(2 * (at + AHEAD) + 1))
                {
                    prefetch(a, 0);
                    prefetch(b, 0);
                }
            }
            let f = &frames[at];
            // The entry's flags (0), kind and destination as they sit in the second word.
            let Some(hot) = hot_word(f.from) else {
                break;
            };
            let (Some(&ps), Some(&pd)) = (cands.get(2 * at), cands.get(2 * at + 1)) else {
                break;
            };
            let (ks, kd) = Key::of_frame(f);
            // SAFETY: `ps` and `pd` are from `candidates`: each a slot of the table, 32 bytes
            // readable and writable through the view, which outlives `self`
            // (`PipeView::candidate`), or the burst's sentinel slot, 32 bytes borrowed
            // mutably for as long (see `learn_lookup_burst`). Each reference ends before the
            // next is made (`pd` may be the same slot as `ps`).
            #[allow(unsafe_code)]
            if !refresh_hot(unsafe { &mut *ps.cast() }, &ks, hot, min_live, now) {
                break;
            }
            // SAFETY: as for `ps`.
            #[allow(unsafe_code)]
            let d: &[u8; 32] = unsafe { &*pd.cast() };
            let (d0, d1) = (word(d, 0), word(d, 8));
            if d0 != u64::from_le_bytes(kd.lo) {
                break;
            }
            // A learned entry on a port, the common kind: key bytes 8..10, flags 0 and the
            // kind are one 32-bit compare, and a port is two stores into `out` (a merged
            // `Dest` of both kinds takes five).
            let port = u32::from_le_bytes([kd.hi[0], kd.hi[1], 0, KIND_PORT]);
            learned[at] = Learned::Refreshed;
            if d1 as u32 == port && word(d, 16) >= min_live {
                out[at] = Some(Dest::Port(u32::from_ne_bytes(
                    ((d1 >> 32) as u32).to_le_bytes(),
                )));
            } else {
                core::hint::cold_path();
                // (The sentinel slot has kind 0: refused there.)
                let Some(x) = hot_lookup(d, &kd, min_live) else {
                    break;
                };
                out[at] = Some(x);
            }
            at += 1;
        }
        at
    }
}

/// Four stored bytes as a little-endian word (their place in a slot word).
#[inline(always)]
fn u32_le(b: [u8; 4]) -> u32 {
    u32::from_le_bytes(b)
}

/// Why a frame to `dst` floods (when it does).
#[inline(always)]
fn flood_reason(dst: MacAddr) -> FloodReason {
    if dst.is_broadcast() {
        FloodReason::Broadcast
    } else if dst.is_multicast() {
        FloodReason::Multicast
    } else {
        FloodReason::Unknown
    }
}

type Macs<M> = Table<Key, Entry, M>;
type V6s<M> = Table<Key, [u8; 16], M>;
type Segs<M> = Table<[u8; 4], SegState, M>;

/// The forwarding database over memory `M` (see the module doc).
pub struct Fdb<M> {
    macs: Macs<M>,
    /// The IPv6 VTEP address of every `KIND_V6` entry of `macs`, under the same key (and
    /// nothing else): cold, read only when such an entry is looked up or changed.
    v6: V6s<M>,
    segs: Segs<M>,
    flood: M,
    flood_len: usize,
    cfg: FdbConfig,
    cursor: usize,
    counters: FdbCounters,
}

impl<M> core::fmt::Debug for Fdb<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fdb")
            .field("macs", &self.macs)
            .field("segments", &self.segs)
            .field("flood_len", &self.flood_len)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// Capacity of the IPv6 VTEP side table: one more than the MAC table, so the side entry of a
/// new key can go in before the MAC table insert decides (and be taken out if it refuses).
fn v6_capacity(cfg: &FdbConfig) -> usize {
    cfg.mac_capacity.saturating_add(1).min(MAX_CAPACITY)
}

/// Byte sizes of the four regions.
fn layout(cfg: &FdbConfig) -> Result<[usize; 4], FdbError> {
    let macs = Table::<Key, Entry, &mut [u8]>::mem_size(cfg.mac_capacity)?;
    let v6 = Table::<Key, [u8; 16], &mut [u8]>::mem_size(v6_capacity(cfg))?;
    let segs = Table::<[u8; 4], SegState, &mut [u8]>::mem_size(cfg.segment_capacity)?;
    let flood = cfg
        .flood_capacity
        .checked_mul(FLOOD_LEN)
        .ok_or(TableError::BadCapacity {
            capacity: cfg.flood_capacity,
        })?;
    Ok([macs, v6, segs, flood])
}

impl Fdb<&mut [u8]> {
    /// Bytes of memory an FDB with `cfg` needs.
    pub fn mem_size(cfg: &FdbConfig) -> Result<usize, FdbError> {
        let [a, v, b, c] = layout(cfg)?;
        a.checked_add(v)
            .and_then(|s| s.checked_add(b))
            .and_then(|s| s.checked_add(c))
            .ok_or(FdbError::Table(TableError::BadCapacity {
                capacity: cfg.mac_capacity,
            }))
    }
}

impl<'m> Fdb<&'m mut [u8]> {
    /// Builds an empty FDB over `mem` (at least [`mem_size`](Fdb::mem_size) bytes).
    pub fn new_in(mem: &'m mut [u8], cfg: FdbConfig) -> Result<Self, FdbError> {
        let need = Fdb::mem_size(&cfg)?;
        let [a, v, b, _] = layout(&cfg)?;
        let have = mem.len();
        if have < need {
            return Err(FdbError::MemTooSmall { need, have });
        }
        let (ma, rest) = mem.split_at_mut(a);
        let (mv, rest) = rest.split_at_mut(v);
        let (mb, mc) = rest.split_at_mut(b);
        Self::from_parts(ma, mv, mb, mc, cfg)
    }
}

#[cfg(feature = "alloc")]
impl Fdb<alloc::boxed::Box<[u8]>> {
    /// An FDB owning its memory.
    pub fn with_config(cfg: FdbConfig) -> Result<Self, FdbError> {
        let [a, v, b, c] = layout(&cfg)?;
        let z = |n: usize| alloc::vec![0u8; n].into_boxed_slice();
        Self::from_parts(z(a), z(v), z(b), z(c), cfg)
    }
}

impl<M: AsRef<[u8]> + AsMut<[u8]>> Fdb<M> {
    fn from_parts(ma: M, mv: M, mb: M, mc: M, cfg: FdbConfig) -> Result<Self, FdbError> {
        let macs = Table::new_in(ma, cfg.mac_capacity, cfg.seed)?;
        let v6 = Table::new_in(mv, v6_capacity(&cfg), cfg.seed ^ 0x0076_3600_7636)?;
        let segs = Table::new_in(mb, cfg.segment_capacity, cfg.seed.rotate_left(32) ^ 0x5e65)?;
        let need = cfg.flood_capacity * FLOOD_LEN;
        if mc.as_ref().len() < need {
            return Err(FdbError::MemTooSmall {
                need,
                have: mc.as_ref().len(),
            });
        }
        Ok(Fdb {
            macs,
            v6,
            segs,
            flood: mc,
            flood_len: 0,
            cfg,
            cursor: 0,
            counters: FdbCounters::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FdbConfig {
        &self.cfg
    }

    /// The counters.
    pub fn counters(&self) -> &FdbCounters {
        &self.counters
    }

    /// Entries held (learned and static, including dead ones not yet reclaimed).
    pub fn len(&self) -> usize {
        self.macs.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.macs.is_empty()
    }

    /// Slots one full aging pass visits (the sum of `budget`s that covers the table once).
    pub fn sweep_slots(&self) -> usize {
        self.macs.buckets() * 8
    }

    /// The entry at slot index `idx`, in place.
    #[inline(always)]
    fn entry(&self, idx: SlotIdx) -> Option<&Entry> {
        Entry::ref_from_bytes(self.macs.value_bytes_idx(idx)?).ok()
    }

    /// The entry at slot index `idx`, to change in place.
    #[inline(always)]
    fn entry_mut(&mut self, idx: SlotIdx) -> Option<&mut Entry> {
        Entry::mut_from_bytes(self.macs.value_bytes_idx_mut(idx)?).ok()
    }

    /// Segment state, creating it with the default limit on first use.
    fn seg_state(&mut self, seg: SegmentId) -> Result<SegState, FdbError> {
        let k = seg.to_ne_bytes();
        if let Some(s) = self.segs.get(&k) {
            return Ok(s);
        }
        let s = SegState {
            limit: self.cfg.default_segment_limit,
            learned: 0,
        };
        self.segs
            .insert(k, s)
            .map_err(|_| FdbError::SegmentTableFull)?;
        Ok(s)
    }

    fn seg_learned_add(&mut self, seg: SegmentId, delta: i32) {
        self.segs.update(&seg.to_ne_bytes(), |s| {
            s.learned = s.learned.saturating_add_signed(delta);
        });
    }

    /// Sets a segment's learned-MAC limit (creating its state). Entries above a lowered limit
    /// stay until they age; only new learning is refused.
    pub fn set_segment_limit(&mut self, seg: SegmentId, limit: u32) -> Result<(), FdbError> {
        self.seg_state(seg)?;
        self.segs.update(&seg.to_ne_bytes(), |s| s.limit = limit);
        Ok(())
    }

    /// A segment's `(limit, learned)`, if it has state.
    pub fn segment(&self, seg: SegmentId) -> Option<(u32, u32)> {
        self.segs
            .get(&seg.to_ne_bytes())
            .map(|s| (s.limit, s.learned))
    }

    /// Learns `src` on `seg` as reachable through `from` at time `now`.
    #[inline]
    pub fn learn(&mut self, seg: SegmentId, src: MacAddr, from: Dest, now: u64) -> Learned {
        if !src.is_unicast() {
            return self.refuse_source();
        }
        let key = Key::new(seg, src);
        let cand = self.macs.pipe_candidate::<false>(&key);
        // The common case on the candidate slot's raw words, as in the burst.
        if let Some(hot) = hot_word(from) {
            let min_live = min_live(now, self.cfg.age);
            if let Some(s) = slot_mut(self.macs.slots_mut(), cand) {
                if refresh_hot(s, &key, hot, min_live, now) {
                    self.counters.refreshed += 1;
                    return Learned::Refreshed;
                }
            }
        }
        let idx = self.macs.pipe_confirm(&key, cand);
        self.learn_idx(seg, key, from, now, idx)
    }

    #[cold]
    fn refuse_source(&mut self) -> Learned {
        self.counters.refused_invalid_source += 1;
        Learned::Refused(Refusal::InvalidSource)
    }

    /// Learning of a unicast `key` whose slot index is `idx` ([`NO_SLOT`]: known absent).
    ///
    /// The common case — a live learned MAC seen again on the same port or IPv4 VTEP — is
    /// decided in place in the table's memory: one flags test, one age test, one destination
    /// compare, and a store of `last_seen` (unconditional: see `refresh_hot`).
    #[inline(always)]
    fn learn_idx(
        &mut self,
        seg: SegmentId,
        key: Key,
        from: Dest,
        now: u64,
        idx: SlotIdx,
    ) -> Learned {
        if idx == NO_SLOT {
            return self.learn_new(seg, key, from, now);
        }
        let age = self.cfg.age;
        if let Some(e) = self.entry_mut(idx) {
            let seen = e.last_seen();
            let live = age == 0 || now.saturating_sub(seen) < age;
            if e.flags & FLAG_STATIC == 0 && live && e.is_hot_dest(from) {
                // (Unconditional: see `refresh_hot`.)
                e.last_seen = now.to_le_bytes();
                self.counters.refreshed += 1;
                return Learned::Refreshed;
            }
        }
        self.learn_other(idx, &key, from, now)
    }

    /// The destination of entry `e` stored under `key`.
    #[inline(always)]
    fn dest_of(&self, key: &Key, e: &Entry) -> Dest {
        match e.hot_dest() {
            Some(d) => d,
            None => self.v6_dest(key),
        }
    }

    /// The IPv6 VTEP of the `KIND_V6` entry under `key`, from the side table.
    #[cold]
    #[inline(never)]
    fn v6_dest(&self, key: &Key) -> Dest {
        // The side table holds the address of every `KIND_V6` entry; the unspecified address
        // would show only if that invariant were broken.
        Dest::Vtep(IpAddr::V6(Ipv6Addr::from(
            self.v6.get(key).unwrap_or([0; 16]),
        )))
    }

    /// True when entry `e` under `key` is on the destination encoded as `d`.
    fn same_dest(&self, key: &Key, e: &Entry, d: &Enc) -> bool {
        e.kind == d.kind
            && e.dest == d.dest
            && (d.kind != KIND_V6 || self.v6.get(key) == Some(d.v6))
    }

    fn public(&self, key: &Key, e: &Entry) -> FdbEntry {
        FdbEntry {
            dest: self.dest_of(key, e),
            is_static: e.is_static(),
            last_seen: e.last_seen(),
        }
    }

    /// Replaces the entry `old` at `idx` (under `key`) with `new`, whose destination is `d`,
    /// keeping the side table in step. False (nothing changed) when the side table refuses the
    /// address (possible only if its buckets cannot make room, which its spare capacity makes
    /// practically impossible).
    fn replace_entry(&mut self, idx: SlotIdx, key: &Key, old: &Entry, new: Entry, d: &Enc) -> bool {
        if d.kind == KIND_V6 {
            if self.v6.insert(*key, d.v6).is_err() {
                return false;
            }
        } else if old.kind == KIND_V6 {
            self.v6.remove(key);
        }
        if let Some(e) = self.entry_mut(idx) {
            *e = new;
        }
        true
    }

    /// Learning on a found entry that is static, dead, on another destination, or on an IPv6
    /// VTEP.
    #[inline(never)]
    fn learn_other(&mut self, idx: SlotIdx, key: &Key, from: Dest, now: u64) -> Learned {
        let (hold, age) = (self.cfg.move_hold, self.cfg.age);
        let Some(&e) = self.entry(idx) else {
            // A found index is always in range.
            return Learned::Refused(Refusal::TableFull);
        };
        let enc = Enc::new(from);
        let r = if e.is_static() {
            Learned::StaticKept
        } else if e.expired(now, age) {
            // Dead but not yet reclaimed: learn afresh in place (no move, no dampening).
            if self.replace_entry(idx, key, &e, Entry::new(&enc, now, 0), &enc) {
                Learned::New
            } else {
                Learned::Refused(Refusal::TableFull)
            }
        } else if self.same_dest(key, &e, &enc) {
            if let Some(m) = self.entry_mut(idx) {
                m.last_seen = now.to_le_bytes();
            }
            Learned::Refreshed
        } else {
            let old = self.dest_of(key, &e);
            if e.flags & FLAG_MOVED != 0 && hold != 0 && now.saturating_sub(e.last_move()) < hold {
                Learned::Dampened { stays: old }
            } else {
                let mut n = e;
                n.set_dest(&enc);
                n.last_seen = now.to_le_bytes();
                n.last_move = now.to_le_bytes();
                n.flags |= FLAG_MOVED;
                if self.replace_entry(idx, key, &e, n, &enc) {
                    Learned::Moved { from: old }
                } else {
                    Learned::Refused(Refusal::TableFull)
                }
            }
        };
        match r {
            Learned::Refreshed => self.counters.refreshed += 1,
            Learned::StaticKept => self.counters.static_kept += 1,
            Learned::Dampened { .. } => self.counters.move_dampened += 1,
            Learned::Moved { .. } => self.counters.moved += 1,
            Learned::New => self.counters.learned += 1,
            Learned::Refused(_) => self.counters.refused_full += 1,
        }
        r
    }

    #[cold]
    fn learn_new(&mut self, seg: SegmentId, key: Key, from: Dest, now: u64) -> Learned {
        let Ok(state) = self.seg_state(seg) else {
            self.counters.refused_segments += 1;
            return Learned::Refused(Refusal::SegmentTableFull);
        };
        if state.learned >= state.limit {
            self.counters.refused_limit += 1;
            return Learned::Refused(Refusal::SegmentLimit);
        }
        let enc = Enc::new(from);
        let entry = Entry::new(&enc, now, 0);
        // An IPv6 VTEP's address goes in first (the key is new to both tables), so a refusal
        // below can take it out again and leave everything as it was.
        if enc.kind == KIND_V6 && self.v6.insert(key, enc.v6).is_err() {
            self.counters.refused_full += 1;
            return Learned::Refused(Refusal::TableFull);
        }
        let age = self.cfg.age;
        let res = if self.cfg.evict_when_full {
            self.macs.insert_or_evict(key, entry, |_, e| {
                if e.is_static() {
                    None
                } else if e.expired(now, age) {
                    Some(0)
                } else {
                    Some(e.last_seen().saturating_add(1))
                }
            })
        } else {
            self.macs.insert(key, entry).map(|_| Inserted::New)
        };
        match res {
            Ok(Inserted::Evicted(k, e)) => {
                self.counters.evicted += 1;
                self.seg_learned_add(k.seg(), -1);
                if e.kind == KIND_V6 {
                    self.v6.remove(&k);
                }
            }
            Ok(_) => {}
            Err(_) => {
                if enc.kind == KIND_V6 {
                    self.v6.remove(&key);
                }
                self.counters.refused_full += 1;
                return Learned::Refused(Refusal::TableFull);
            }
        }
        self.seg_learned_add(seg, 1);
        self.counters.learned += 1;
        Learned::New
    }

    /// Adds or replaces a static entry (L2 population): never aged, never moved by learning.
    pub fn add_static(
        &mut self,
        seg: SegmentId,
        mac: MacAddr,
        dest: Dest,
        now: u64,
    ) -> Result<(), FdbError> {
        if !mac.is_unicast() {
            return Err(FdbError::NotUnicast);
        }
        let key = Key::new(seg, mac);
        let enc = Enc::new(dest);
        let old = self.macs.get(&key);
        let old_v6 = self.v6.get(&key);
        if enc.kind == KIND_V6 && self.v6.insert(key, enc.v6).is_err() {
            return Err(FdbError::MacTableFull);
        }
        match self.macs.insert(key, Entry::new(&enc, now, FLAG_STATIC)) {
            Ok(_) => {
                if enc.kind != KIND_V6 && old_v6.is_some() {
                    self.v6.remove(&key);
                }
                if matches!(old, Some(e) if !e.is_static()) {
                    self.seg_learned_add(seg, -1);
                }
                Ok(())
            }
            Err(_) => {
                // Only a new key is refused, so the side table had nothing under it before.
                if enc.kind == KIND_V6 {
                    match old_v6 {
                        Some(a) => {
                            let _ = self.v6.insert(key, a);
                        }
                        None => {
                            self.v6.remove(&key);
                        }
                    }
                }
                Err(FdbError::MacTableFull)
            }
        }
    }

    /// Removes an entry (static or learned); returns it.
    pub fn remove(&mut self, seg: SegmentId, mac: MacAddr) -> Option<FdbEntry> {
        let key = Key::new(seg, mac);
        let e = self.macs.remove(&key)?;
        let out = self.public(&key, &e);
        if e.kind == KIND_V6 {
            self.v6.remove(&key);
        }
        if !e.is_static() {
            self.seg_learned_add(seg, -1);
        }
        Some(out)
    }

    /// The entry for `(seg, mac)`, live or not (no counters).
    pub fn get(&self, seg: SegmentId, mac: MacAddr) -> Option<FdbEntry> {
        let key = Key::new(seg, mac);
        self.macs.get(&key).map(|e| self.public(&key, &e))
    }

    /// Where a frame to `dst` on `seg` goes at time `now`.
    #[inline]
    pub fn lookup(&mut self, seg: SegmentId, dst: MacAddr, now: u64) -> Forward<'_> {
        let key = Key::new(seg, dst);
        let idx = if dst.is_multicast() {
            NO_SLOT
        } else {
            let cand = self.macs.pipe_candidate::<false>(&key);
            // The common case on the candidate slot's raw words, as in the burst: the key,
            // live (static, or `last_seen` recent enough), on a port or an IPv4 VTEP.
            if let Some(d) = slot(self.macs.slots(), cand)
                .and_then(|d| hot_lookup(d, &key, min_live(now, self.cfg.age)))
            {
                self.counters.hits += 1;
                return Forward::Unicast(d);
            }
            self.macs.pipe_confirm(&key, cand)
        };
        match self.resolve(dst, &key, idx, now) {
            Some(d) => Forward::Unicast(d),
            None => Forward::Flood {
                reason: flood_reason(dst),
                list: self.flood_list(seg),
            },
        }
    }

    /// Counts and resolves a lookup of `key` whose table result is the slot index `idx`.
    #[inline(always)]
    fn resolve(&mut self, dst: MacAddr, key: &Key, idx: SlotIdx, now: u64) -> Option<Dest> {
        if dst.is_multicast() {
            if dst.is_broadcast() {
                self.counters.broadcast += 1;
            } else {
                self.counters.multicast += 1;
            }
            return None;
        }
        if idx != NO_SLOT {
            let age = self.cfg.age;
            let live = self
                .entry(idx)
                .filter(|e| !e.expired(now, age))
                .map(|e| self.dest_of(key, e));
            if live.is_some() {
                self.counters.hits += 1;
                return live;
            }
        }
        self.counters.misses += 1;
        None
    }

    /// Unicast lookups of up to 64 `(segment, MAC)` pairs at once (the table's prefetching
    /// burst): `out[i]` is the live destination of `keys[i]`, or `None` when the frame floods
    /// (group address, unknown or aged). Returns the hit mask.
    pub fn lookup_burst(
        &mut self,
        keys: &[(SegmentId, MacAddr)],
        now: u64,
        out: &mut [Option<Dest>],
    ) -> Result<u64, FdbError> {
        let n = keys.len();
        if n > BURST_MAX || out.len() < n {
            return Err(FdbError::Table(TableError::BadBurst {
                keys: n,
                out: out.len(),
            }));
        }
        let mut k = [Key::ZERO; BURST_MAX];
        for (dst, (seg, mac)) in k.iter_mut().zip(keys) {
            *dst = Key::new(*seg, *mac);
        }
        let mut idx = [NO_SLOT; BURST_MAX];
        self.macs.find_idx(&k[..n], &mut idx);
        let mut hits = 0u64;
        for (i, (((&x, key), (_, mac)), o)) in
            idx.iter().zip(&k).zip(keys).zip(out.iter_mut()).enumerate()
        {
            *o = self.resolve(*mac, key, x, now);
            hits |= u64::from(o.is_some()) << i;
        }
        Ok(hits)
    }

    /// The per-frame work of a bridge for up to 64 frames: learn each frame's source, then look
    /// up its destination, exactly as [`learn`](Self::learn) then [`lookup`](Self::lookup)
    /// frame after frame would, but with the table lookups of all the frames' 128 MACs issued
    /// as one prefetch pipeline so their cache misses overlap. `learned[i]` and `out[i]` get
    /// frame `i`'s results (`out[i] == None`: flood to [`flood_list`](Self::flood_list)).
    /// Returns the mask of frames with a unicast destination.
    pub fn learn_lookup_burst(
        &mut self,
        frames: &[FrameAddr],
        now: u64,
        learned: &mut [Learned],
        out: &mut [Option<Dest>],
    ) -> Result<u64, FdbError> {
        self.burst_via(frames, now, learned, out, None)
    }

    /// [`learn_lookup_burst`](Self::learn_lookup_burst) through candidate stage `way / 2`
    /// modulo the stages this CPU runs, slot prefetches when `way` is odd (the `fdb_ops` fuzz
    /// target runs every stage this way; the public burst runs only the best).
    #[cfg(feature = "fuzzing")]
    #[doc(hidden)]
    pub fn learn_lookup_burst_via(
        &mut self,
        frames: &[FrameAddr],
        now: u64,
        learned: &mut [Learned],
        out: &mut [Option<Dest>],
        way: u8,
    ) -> Result<u64, FdbError> {
        let ways = stages(false).into_iter().flatten().count().max(1);
        let via = (usize::from(way / 2) % ways, way % 2 == 1);
        self.burst_via(frames, now, learned, out, Some(via))
    }

    /// [`learn_lookup_burst`](Self::learn_lookup_burst) with its candidate stage and prefetch
    /// decision given (`via`: the index in [`stages`] and `pf`; tests) or this CPU's best and
    /// the table's own (`None`).
    fn burst_via(
        &mut self,
        frames: &[FrameAddr],
        now: u64,
        learned: &mut [Learned],
        out: &mut [Option<Dest>],
        via: Option<(usize, bool)>,
    ) -> Result<u64, FdbError> {
        let n = frames.len();
        if n > BURST_MAX || out.len() < n || learned.len() < n {
            return Err(FdbError::Table(TableError::BadBurst {
                keys: n,
                out: out.len().min(learned.len()),
            }));
        }
        let (learned, out) = (&mut learned[..n], &mut out[..n]);
        let min_live = min_live(now, self.cfg.age);
        let pf = via.map_or_else(|| self.macs.pipe_prefetches(), |(_, pf)| pf);
        // The frames decided by the common case below, from the first.
        let mut at = 0;
        // The table's pipeline over all 2n MACs (source 2i, destination 2i + 1): hash, match
        // the tags and prefetch the candidate slot, key after key (the tag groups' loads of
        // consecutive keys overlap out of order) or eight frames at a time (`stages`: on
        // AVX-512 the decision loop issues most prefetches). The keys are compared in
        // `decide`, together with the entries, once the slots have had the other keys' time
        // to arrive. (The prefetch decision is taken once, not per key; so is the table's
        // memory check, `pipe_view`. Without memory, every key is absent.)
        //
        // A key with no tag match gets the address of `sentinel`, a slot of kind 0 that no
        // common case accepts (its second word is 0, the source's has a kind; the destination
        // takes only a port or an IPv4 kind), so `decide` needs no test for it.
        let mut sentinel = [0u8; 32];
        let none = sentinel.as_mut_ptr();
        let mut cands = [none; PIPE_MAX];
        // The view's first slot and `none`, as addresses, to turn candidates into slot
        // indexes once the view is gone; `first` stays `none` without a view (every key is
        // then `none`: absent).
        let mut first = none as usize;
        if let Some(view) = self.macs.pipe_view() {
            first = view.first();
            // The frames' lines first: a caller's array that is not in cache is read in one
            // go, and once the slot prefetches hold the fill buffers, a frame that is not in
            // cache would wait for one (measured: see the module doc).
            prefetch_bytes(&frames[..n]);
            let frames = &frames[..n];
            let mut available = stages(pf).into_iter().flatten();
            let (stage, decide_prefetches) = match via {
                Some((i, _)) => available.nth(i),
                None => available.last(),
            }
            .unwrap_or((candidates::<false>, false));
            // SAFETY: `stages` lists only the stages whose CPU features were detected.
            #[allow(unsafe_code)]
            unsafe {
                stage(&view, frames, &mut cands, none)
            };
            // `cands` are slots of this table's buckets, which the view's memory covers, or
            // `none` (what `decide`'s reads and stores rely on).
            let c = Cands {
                cands: &cands,
                frames,
                _view: core::marker::PhantomData,
            };
            at = if decide_prefetches {
                c.decide::<DECIDE_AHEAD>(now, min_live, learned, out)
            } else {
                c.decide::<0>(now, min_live, learned, out)
            };
        }
        let idx = |p: *mut u8| PipeView::<Key, Entry>::idx_of(first, p as usize, none as usize);
        // Every frame so far was a refreshed source and a found destination.
        let found = at as u64;
        let mut hits = if at >= 64 { u64::MAX } else { (1u64 << at) - 1 };
        self.counters.refreshed += found;
        self.counters.hits += found;
        // The candidates of the frames left are confirmed by their keys here. Once a learn has
        // inserted (or evicted, or reused a dead entry), slot indexes found before may be stale
        // and keys found absent may exist: look up afresh from then on.
        let mut changed = false;
        while at < n {
            let f = &frames[at];
            let (ks, kd) = (Key::new(f.seg, f.src), Key::new(f.seg, f.dst));
            let r = if !f.src.is_unicast() {
                self.refuse_source()
            } else {
                let i = if changed {
                    self.macs.find_key_idx(&ks)
                } else {
                    self.macs.pipe_confirm(&ks, idx(cands[2 * at]))
                };
                self.learn_idx(f.seg, ks, f.from, now, i)
            };
            changed |= matches!(r, Learned::New);
            learned[at] = r;
            let di = if f.dst.is_multicast() {
                NO_SLOT
            } else if changed {
                self.macs.find_key_idx(&kd)
            } else {
                self.macs.pipe_confirm(&kd, idx(cands[2 * at + 1]))
            };
            let d = self.resolve(f.dst, &kd, di, now);
            hits |= u64::from(d.is_some()) << at;
            out[at] = d;
            at += 1;
        }
        Ok(hits)
    }

    /// The side table holds exactly the addresses of the `KIND_V6` entries (tests).
    #[cfg(test)]
    fn side_table_consistent(&self) -> bool {
        let mut n = 0;
        for (k, e) in self.macs.iter() {
            if e.kind == KIND_V6 {
                n += 1;
                if self.v6.get(&k).is_none() {
                    return false;
                }
            }
        }
        n == self.v6.len()
    }

    /// Reclaims dead learned entries, visiting at most `budget` slots from where the previous
    /// call stopped. Returns the number removed.
    pub fn age(&mut self, now: u64, budget: usize) -> usize {
        let age = self.cfg.age;
        if age == 0 {
            return 0;
        }
        let (segs, v6) = (&mut self.segs, &mut self.v6);
        let removed = self.macs.sweep(&mut self.cursor, budget, |k, e| {
            if e.expired(now, age) {
                if e.kind == KIND_V6 {
                    v6.remove(k);
                }
                segs.update(&k.seg().to_ne_bytes(), |s| {
                    s.learned = s.learned.saturating_sub(1)
                });
                false
            } else {
                true
            }
        });
        self.counters.aged += removed as u64;
        removed
    }

    /// Every entry as `(segment, MAC, entry)`, in table order.
    pub fn entries(&self) -> impl Iterator<Item = (SegmentId, MacAddr, FdbEntry)> + '_ {
        self.macs
            .iter()
            .map(|(k, e)| (k.seg(), k.mac(), self.public(&k, &e)))
    }

    fn flood_members(&self) -> &[FloodRaw] {
        match <[FloodRaw]>::ref_from_prefix_with_elems(self.flood.as_ref(), self.flood_len) {
            Ok((m, _)) => m,
            Err(_) => &[],
        }
    }

    /// Index range of `seg` in the sorted flood array.
    fn flood_range(&self, seg: SegmentId) -> (usize, usize) {
        let m = self.flood_members();
        let lo = m.partition_point(|f| f.seg() < seg);
        let hi = m.partition_point(|f| f.seg() <= seg);
        (lo, hi)
    }

    /// The flood list of `seg` (empty when it has none).
    pub fn flood_list(&self, seg: SegmentId) -> FloodList<'_> {
        let (lo, hi) = self.flood_range(seg);
        FloodList {
            members: self.flood_members().get(lo..hi).unwrap_or(&[]),
        }
    }

    /// Adds `dest` to the flood list of `seg` (no-op if present). Control plane: O(members).
    pub fn flood_add(&mut self, seg: SegmentId, dest: Dest) -> Result<(), FdbError> {
        let new = FloodRaw::new(seg, dest);
        let at = match self
            .flood_members()
            .binary_search_by(|f| f.order().cmp(&new.order()))
        {
            Ok(_) => return Ok(()),
            Err(at) => at,
        };
        let len = self.flood_len;
        let (m, _) = <[FloodRaw]>::mut_from_prefix_with_elems(self.flood.as_mut(), len + 1)
            .map_err(|_| FdbError::FloodFull)?;
        m.copy_within(at..len, at + 1);
        if let Some(slot) = m.get_mut(at) {
            *slot = new;
        }
        self.flood_len += 1;
        Ok(())
    }

    /// Removes `dest` from the flood list of `seg`; true if it was there.
    pub fn flood_remove(&mut self, seg: SegmentId, dest: Dest) -> bool {
        let new = FloodRaw::new(seg, dest);
        let Ok(at) = self
            .flood_members()
            .binary_search_by(|f| f.order().cmp(&new.order()))
        else {
            return false;
        };
        let len = self.flood_len;
        if let Ok((m, _)) = <[FloodRaw]>::mut_from_prefix_with_elems(self.flood.as_mut(), len) {
            m.copy_within(at + 1..len, at);
        }
        self.flood_len -= 1;
        true
    }
}

#[cfg(all(feature = "alloc", any(test, feature = "fuzzing")))]
#[doc(hidden)]
pub mod model;
#[cfg(test)]
mod tests;
