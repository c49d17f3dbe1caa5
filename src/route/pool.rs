//! [`PoolTable`]: the no-alloc routing table. Per-VRF IPv4 and IPv6 multibit tries (8-bit
//! strides, controlled prefix expansion) whose nodes come from one fixed pool in caller memory,
//! sized by [`PoolTable::mem_size`]. Works with `--no-default-features`.
//!
//! # Layout
//! A node is 256 expanded entries (`u32`, 1 KiB) readers walk, plus 16 bytes of writer-only
//! metadata. An entry is either a child pointer or a leaf holding a next-hop-group id and the
//! length (relative to the node) of the prefix that set it, so inserts and removals know which
//! entries a prefix owns. The routes themselves are kept in a rule store (12 bytes per route,
//! linked per node) so that removing a prefix restores the next-shorter one. A VRF costs nothing
//! until it has a route; then one root node per family (1 KiB + 16 B), so a VRF with routes of
//! both families within one 8-bit span costs about 2 KiB. IPv4 lookups read at most 4 entries,
//! IPv6 at most 16.
//!
//! # Readers and the writer
//! Entries and VRF roots are atomics in the shared region, so any number of [`PoolReader`]s
//! (obtained from [`PoolTable::reader`], `Copy + Send + Sync`) may look up concurrently with the
//! one writer (`&mut PoolTable`). Every update is a sequence of single-entry atomic stores that
//! each leave the trie consistent: a lookup running during an update returns either the result
//! before it or after it for its address (the rte_lpm guarantee). A new child node is filled
//! before the pointer to it is published (release/acquire). Removing routes can free nodes a
//! reader may still be walking: with [`Reclaim::Immediate`] (single-threaded use) they are reused
//! at once; with [`Reclaim::Deferred`] they wait in a retired list until the caller, knowing every
//! reader has finished the lookups it had started (a quiescent point, as with DPDK's RCU QSBR),
//! calls [`PoolTable::reclaim`].

use core::net::{Ipv4Addr, Ipv6Addr};
use core::sync::atomic::{AtomicU32, Ordering};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::{Address, Family, Key, Prefix, RouteError, MAX_BURST, MAX_GROUP_ID};

/// Entries per node (8-bit stride).
const FANOUT: usize = 256;
/// Bits per level.
const STRIDE: u32 = 8;
/// An entry that points to a child node (index in the low 31 bits).
const CHILD: u32 = 1 << 31;
/// Mask of a leaf's group id.
const NH_MASK: u32 = 0x00FF_FFFF;
/// A leaf's "no route" group id.
const NH_NONE: u32 = NH_MASK;
/// Root slot value: the VRF does not exist.
const ROOT_ABSENT: u32 = u32::MAX;
/// Root slot value: the VRF exists but has no route of this family.
const ROOT_EMPTY: u32 = u32::MAX - 1;
/// End of a linked list.
const NIL: u32 = u32::MAX;
/// Deepest trie (IPv6: 128 / 8).
const MAX_LEVELS: usize = 16;

#[inline(always)]
const fn leaf(nh: u32, rel: u32) -> u32 {
    (rel << 24) | (nh & NH_MASK)
}
#[inline(always)]
const fn leaf_rel(e: u32) -> u32 {
    (e >> 24) & 0xF
}

/// What happens to trie nodes freed by removals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reclaim {
    /// Reuse at once: right when nothing reads the table while it is written.
    Immediate,
    /// Keep them retired until [`PoolTable::reclaim`]: right with concurrent readers.
    Deferred,
}

/// Capacities of a [`PoolTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// VRF ids `0..max_vrfs` can be created.
    pub max_vrfs: u32,
    /// Trie nodes (1040 bytes each) shared by all VRFs and both families.
    pub max_nodes: u32,
    /// Routes (12 bytes each) shared by all VRFs and both families.
    pub max_routes: u32,
    /// Policy for nodes freed by removals.
    pub reclaim: Reclaim,
}

/// Writer-only metadata of a node.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
struct NodeMeta {
    /// Group id inherited from the longest prefix above the node (`NH_NONE`: none).
    inh_nh: u32,
    /// Length of that prefix (0 for the default route or none).
    inh_len: u32,
    /// First rule of the node (or next free node while free).
    head: u32,
    /// Rules (low 16 bits) and child nodes (high 16 bits).
    counts: u32,
}

/// A route stored in a node: `key` is the relative length (bits 8..12) and the first slot.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
struct Rule {
    next: u32,
    nh: u32,
    key: u32,
}

const META_BYTES: usize = core::mem::size_of::<NodeMeta>();
const RULE_BYTES: usize = core::mem::size_of::<Rule>();

/// The read side of a [`PoolTable`]: lock-free lookups, concurrent with the writer.
#[derive(Debug, Clone, Copy)]
pub struct PoolReader<'a> {
    entries: &'a [AtomicU32],
    roots: &'a [AtomicU32],
}

/// Usage counters of a [`PoolTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// VRFs created.
    pub vrfs: u32,
    /// Routes held (both families, all VRFs).
    pub routes: u32,
    /// Nodes in use (including retired ones not yet reclaimed).
    pub nodes_used: u32,
    /// Nodes retired and waiting for [`PoolTable::reclaim`].
    pub nodes_retired: u32,
    /// Inserts refused because the node pool or route store was full.
    pub full_refusals: u64,
}

/// A no-alloc multi-VRF routing table over caller memory (see the module doc).
#[derive(Debug)]
pub struct PoolTable<'a> {
    shared: PoolReader<'a>,
    meta: &'a mut [NodeMeta],
    rules: &'a mut [Rule],
    cfg: PoolConfig,
    free_node: u32,
    retired: u32,
    free_rule: u32,
    nodes_free: u32,
    rules_free: u32,
    stats: PoolStats,
}

impl PoolConfig {
    fn shared_words(&self) -> Option<usize> {
        (self.max_nodes as usize)
            .checked_mul(FANOUT)?
            .checked_add((self.max_vrfs as usize).checked_mul(2)?)
    }
}

impl<'a> PoolTable<'a> {
    /// Bytes of caller memory a table of these capacities needs (4-byte aligned), or `None`
    /// if that overflows `usize`.
    pub fn mem_size(cfg: &PoolConfig) -> Option<usize> {
        let shared = cfg.shared_words()?.checked_mul(4)?;
        let meta = (cfg.max_nodes as usize).checked_mul(META_BYTES)?;
        let rules = (cfg.max_routes as usize).checked_mul(RULE_BYTES)?;
        shared.checked_add(meta)?.checked_add(rules)
    }

    /// Builds an empty table (no VRF) over `mem`, which must be 4-byte aligned and at least
    /// [`mem_size`](Self::mem_size) bytes. Capacities must be non-zero and `max_nodes` below
    /// 2^31.
    pub fn new_in(mem: &'a mut [u8], cfg: PoolConfig) -> Result<Self, RouteError> {
        for v in [cfg.max_vrfs, cfg.max_nodes, cfg.max_routes] {
            if v == 0 || v >= ROOT_EMPTY || v >= CHILD {
                return Err(RouteError::BadCapacity { value: v as usize });
            }
        }
        let bad = RouteError::BadCapacity {
            value: cfg.max_nodes as usize,
        };
        let need = Self::mem_size(&cfg).ok_or(bad)?;
        if mem.len() < need {
            return Err(RouteError::MemoryTooSmall {
                need,
                have: mem.len(),
            });
        }
        if mem.as_ptr().align_offset(4) != 0 {
            return Err(RouteError::Misaligned { align: 4 });
        }
        let shared_bytes = cfg.shared_words().ok_or(bad)? * 4;
        let meta_bytes = cfg.max_nodes as usize * META_BYTES;
        let rule_bytes = cfg.max_routes as usize * RULE_BYTES;
        let (shared, rest) = mem[..need].split_at_mut(shared_bytes);
        let (meta, rules) = rest.split_at_mut(meta_bytes);
        let shared = <[AtomicU32]>::mut_from_bytes(shared)
            .map_err(|_| RouteError::Misaligned { align: 4 })?;
        let meta =
            <[NodeMeta]>::mut_from_bytes(meta).map_err(|_| RouteError::Misaligned { align: 4 })?;
        let rules = <[Rule]>::mut_from_bytes(&mut rules[..rule_bytes])
            .map_err(|_| RouteError::Misaligned { align: 4 })?;
        let shared: &'a [AtomicU32] = shared;
        let (entries, roots) = shared.split_at(cfg.max_nodes as usize * FANOUT);
        for r in roots {
            r.store(ROOT_ABSENT, Ordering::Relaxed);
        }
        // Free lists: every node and every rule, in order.
        for (i, m) in meta.iter_mut().enumerate() {
            *m = NodeMeta {
                inh_nh: NH_NONE,
                inh_len: 0,
                head: if i + 1 < cfg.max_nodes as usize {
                    i as u32 + 1
                } else {
                    NIL
                },
                counts: 0,
            };
        }
        for (i, r) in rules.iter_mut().enumerate() {
            *r = Rule {
                next: if i + 1 < cfg.max_routes as usize {
                    i as u32 + 1
                } else {
                    NIL
                },
                nh: NH_NONE,
                key: 0,
            };
        }
        Ok(PoolTable {
            shared: PoolReader { entries, roots },
            meta,
            rules,
            cfg,
            free_node: 0,
            retired: NIL,
            free_rule: 0,
            nodes_free: cfg.max_nodes,
            rules_free: cfg.max_routes,
            stats: PoolStats::default(),
        })
    }

    /// The read handle: lookups that may run on other threads while this table is written.
    pub fn reader(&self) -> PoolReader<'a> {
        self.shared
    }

    /// The capacities the table was built with.
    pub fn config(&self) -> PoolConfig {
        self.cfg
    }

    /// Usage counters.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            nodes_used: self.cfg.max_nodes - self.nodes_free,
            ..self.stats
        }
    }

    fn root_slot(&self, vrf: u32, fam: Family) -> Result<&'a AtomicU32, RouteError> {
        let i = (vrf as usize)
            .checked_mul(2)
            .map(|i| i + (fam == Family::V6) as usize);
        match i.and_then(|i| self.shared.roots.get(i)) {
            Some(r) => Ok(r),
            None => Err(RouteError::VrfOutOfRange {
                vrf,
                capacity: self.cfg.max_vrfs,
            }),
        }
    }

    /// Whether VRF `vrf` exists.
    pub fn has_vrf(&self, vrf: u32) -> bool {
        self.root_slot(vrf, Family::V4)
            .is_ok_and(|r| r.load(Ordering::Relaxed) != ROOT_ABSENT)
    }

    /// Creates the empty VRF `vrf` (`0..max_vrfs`). It costs no node until it has a route.
    pub fn add_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
        let r4 = self.root_slot(vrf, Family::V4)?;
        let r6 = self.root_slot(vrf, Family::V6)?;
        if r4.load(Ordering::Relaxed) != ROOT_ABSENT {
            return Err(RouteError::VrfExists { vrf });
        }
        r6.store(ROOT_EMPTY, Ordering::Release);
        r4.store(ROOT_EMPTY, Ordering::Release);
        self.stats.vrfs += 1;
        Ok(())
    }

    /// Deletes VRF `vrf` and all its routes; its nodes are freed (or retired).
    pub fn remove_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
        let r4 = self.root_slot(vrf, Family::V4)?;
        let r6 = self.root_slot(vrf, Family::V6)?;
        let roots = [r4.load(Ordering::Relaxed), r6.load(Ordering::Relaxed)];
        if roots[0] == ROOT_ABSENT {
            return Err(RouteError::UnknownVrf { vrf });
        }
        r4.store(ROOT_ABSENT, Ordering::Release);
        r6.store(ROOT_ABSENT, Ordering::Release);
        for root in roots {
            if root < ROOT_EMPTY {
                if self.meta[root as usize].inh_nh != NH_NONE {
                    self.stats.routes -= 1; // the default route
                }
                self.free_subtree(root, 0);
            }
        }
        self.stats.vrfs -= 1;
        Ok(())
    }

    /// Returns to the free list every node retired since the last call. Call it only when no
    /// reader can still be in a lookup that started before those removals (see the module doc).
    pub fn reclaim(&mut self) {
        while self.retired != NIL {
            let n = self.retired;
            self.retired = self.meta[n as usize].head;
            self.meta[n as usize].head = self.free_node;
            self.free_node = n;
            self.nodes_free += 1;
            self.stats.nodes_retired -= 1;
        }
    }

    // ---- node and rule allocation -------------------------------------------------------

    fn alloc_node(&mut self, inh_nh: u32, inh_len: u32) -> Option<u32> {
        let n = self.free_node;
        let m = self.meta.get_mut(n as usize)?;
        self.free_node = m.head;
        *m = NodeMeta {
            inh_nh,
            inh_len,
            head: NIL,
            counts: 0,
        };
        self.nodes_free -= 1;
        let e = leaf(inh_nh, 0);
        for slot in self.node_entries(n) {
            slot.store(e, Ordering::Relaxed);
        }
        Some(n)
    }

    fn release_node(&mut self, n: u32) {
        let Some(m) = self.meta.get_mut(n as usize) else {
            return;
        };
        match self.cfg.reclaim {
            Reclaim::Immediate => {
                m.head = self.free_node;
                self.free_node = n;
                self.nodes_free += 1;
            }
            Reclaim::Deferred => {
                m.head = self.retired;
                self.retired = n;
                self.stats.nodes_retired += 1;
            }
        }
    }

    /// Frees `n`, its rules and its descendants (the VRF is already unreachable).
    fn free_subtree(&mut self, n: u32, depth: usize) {
        if depth >= MAX_LEVELS {
            return;
        }
        for slot in self.node_entries(n) {
            let e = slot.load(Ordering::Relaxed);
            if e & CHILD != 0 {
                self.free_subtree(e & !CHILD, depth + 1);
            }
        }
        let mut r = self.meta[n as usize].head;
        while let Some(rule) = self.rules.get_mut(r as usize) {
            let next = rule.next;
            rule.next = self.free_rule;
            self.free_rule = r;
            self.rules_free += 1;
            self.stats.routes -= 1;
            r = next;
        }
        self.release_node(n);
    }

    fn node_entries(&self, n: u32) -> &'a [AtomicU32] {
        let start = n as usize * FANOUT;
        self.shared
            .entries
            .get(start..start + FANOUT)
            .unwrap_or(&[])
    }

    fn entry(&self, n: u32, slot: u32) -> Option<&'a AtomicU32> {
        self.shared
            .entries
            .get(n as usize * FANOUT + (slot as usize & (FANOUT - 1)))
    }

    fn counts_add(&mut self, n: u32, rules: i32, children: i32) {
        if let Some(m) = self.meta.get_mut(n as usize) {
            let r = ((m.counts & 0xFFFF) as i32 + rules) as u32 & 0xFFFF;
            let c = ((m.counts >> 16) as i32 + children) as u32 & 0xFFFF;
            m.counts = r | (c << 16);
        }
    }

    // ---- routes ---------------------------------------------------------------------------

    fn check_vrf(&self, vrf: u32, fam: Family) -> Result<&'a AtomicU32, RouteError> {
        let r = self.root_slot(vrf, fam)?;
        if r.load(Ordering::Relaxed) == ROOT_ABSENT {
            return Err(RouteError::UnknownVrf { vrf });
        }
        Ok(r)
    }

    /// Adds the route `p → nh` to VRF `vrf`, or replaces its group id; returns the id it
    /// replaced. Refused, table unchanged: unknown VRF, `nh` above [`MAX_GROUP_ID`], node pool
    /// or route store full.
    pub fn insert<A: Address>(
        &mut self,
        vrf: u32,
        p: Prefix<A>,
        nh: u32,
    ) -> Result<Option<u32>, RouteError> {
        if nh > MAX_GROUP_ID {
            return Err(RouteError::GroupIdOutOfRange {
                id: nh,
                max: MAX_GROUP_ID,
            });
        }
        let root_slot = self.check_vrf(vrf, A::FAMILY)?;
        let key = p.key();
        let len = p.len() as u32;
        // Dry run: how many nodes and rules the insert needs, so a refusal changes nothing.
        let mut need_nodes = 0u32;
        let mut root = root_slot.load(Ordering::Relaxed);
        if root == ROOT_EMPTY {
            need_nodes += 1;
        } else {
            let (_, missing) = self.descend(root, key, len);
            need_nodes += missing;
        }
        if root == ROOT_EMPTY {
            need_nodes += len.saturating_sub(1) / STRIDE;
        }
        let need_rule = len > 0 && (root == ROOT_EMPTY || self.find_rule(root, key, len).is_none());
        if need_nodes > self.nodes_free {
            self.stats.full_refusals += 1;
            return Err(RouteError::PoolFull {
                capacity: self.cfg.max_nodes,
            });
        }
        if need_rule && self.rules_free == 0 {
            self.stats.full_refusals += 1;
            return Err(RouteError::RulesFull {
                capacity: self.cfg.max_routes,
            });
        }
        if root == ROOT_EMPTY {
            root = self.alloc_node(NH_NONE, 0).ok_or(RouteError::PoolFull {
                capacity: self.cfg.max_nodes,
            })?;
            root_slot.store(root, Ordering::Release);
        }
        if len == 0 {
            let m = self.meta[root as usize];
            let old = (m.inh_nh != NH_NONE).then_some(m.inh_nh);
            if old.is_none() {
                self.stats.routes += 1;
            }
            self.propagate(root, nh, 0, 0, 0);
            return Ok(old);
        }
        // Walk down, creating the missing nodes.
        let mut node = root;
        let mut base = 0u32;
        while len > base + STRIDE {
            let slot = key.chunk(base, STRIDE);
            let Some(ent) = self.entry(node, slot) else {
                break;
            };
            let e = ent.load(Ordering::Relaxed);
            node = if e & CHILD != 0 {
                e & !CHILD
            } else {
                let rel = leaf_rel(e);
                let inh_len = if rel > 0 {
                    base + rel
                } else {
                    self.meta[node as usize].inh_len
                };
                let child = self
                    .alloc_node(e & NH_MASK, inh_len)
                    .ok_or(RouteError::PoolFull {
                        capacity: self.cfg.max_nodes,
                    })?;
                // The child is complete: publish it.
                ent.store(CHILD | child, Ordering::Release);
                self.counts_add(node, 0, 1);
                child
            };
            base += STRIDE;
        }
        let rel = len - base;
        let first = key.chunk(base, STRIDE);
        let old = match self.find_rule_in(node, rel, first) {
            Some(r) => Some(core::mem::replace(&mut self.rules[r as usize].nh, nh)),
            None => {
                let r = self.free_rule;
                let Some(rule) = self.rules.get_mut(r as usize) else {
                    return Err(RouteError::RulesFull {
                        capacity: self.cfg.max_routes,
                    });
                };
                self.free_rule = rule.next;
                *rule = Rule {
                    next: self.meta[node as usize].head,
                    nh,
                    key: (rel << 8) | first,
                };
                self.meta[node as usize].head = r;
                self.rules_free -= 1;
                self.counts_add(node, 1, 0);
                self.stats.routes += 1;
                None
            }
        };
        let span = 1u32 << (STRIDE - rel);
        for slot in first..first + span {
            let Some(ent) = self.entry(node, slot) else {
                continue;
            };
            let e = ent.load(Ordering::Relaxed);
            if e & CHILD != 0 {
                let c = e & !CHILD;
                if self.meta[c as usize].inh_len <= len {
                    self.propagate(c, nh, len, base + STRIDE, 1);
                }
            } else if leaf_rel(e) <= rel {
                ent.store(leaf(nh, rel), Ordering::Release);
            }
        }
        Ok(old)
    }

    /// Walks from `root` towards the node holding prefixes of length `len`; returns the last
    /// node reached and how many nodes are missing below it.
    fn descend<K: Key>(&self, root: u32, key: K, len: u32) -> (u32, u32) {
        let mut node = root;
        let mut base = 0u32;
        while len > base + STRIDE {
            let e = match self.entry(node, key.chunk(base, STRIDE)) {
                Some(e) => e.load(Ordering::Relaxed),
                None => break,
            };
            if e & CHILD == 0 {
                return (node, (len - base - 1) / STRIDE);
            }
            node = e & !CHILD;
            base += STRIDE;
        }
        (node, 0)
    }

    /// The rule index of prefix `key/len` under `root`, if present.
    fn find_rule<K: Key>(&self, root: u32, key: K, len: u32) -> Option<u32> {
        let (node, missing) = self.descend(root, key, len);
        if missing > 0 || len == 0 {
            return None;
        }
        let base = (len - 1) / STRIDE * STRIDE;
        self.find_rule_in(node, len - base, key.chunk(base, STRIDE))
    }

    fn find_rule_in(&self, node: u32, rel: u32, first: u32) -> Option<u32> {
        let want = (rel << 8) | first;
        let mut r = self.meta.get(node as usize)?.head;
        let mut guard = 0u32;
        while let Some(rule) = self.rules.get(r as usize) {
            if rule.key == want {
                return Some(r);
            }
            r = rule.next;
            guard += 1;
            if guard > self.cfg.max_routes {
                break;
            }
        }
        None
    }

    /// Node `n` (whose prefixes start at bit `base`) now inherits `nh` from a prefix of length
    /// `len`: every entry that held the inherited value takes the new one, recursively.
    fn propagate(&mut self, n: u32, nh: u32, len: u32, base: u32, depth: usize) {
        if depth > MAX_LEVELS {
            return;
        }
        if let Some(m) = self.meta.get_mut(n as usize) {
            m.inh_nh = nh;
            m.inh_len = len;
        }
        let new = leaf(nh, 0);
        for ent in self.node_entries(n) {
            let e = ent.load(Ordering::Relaxed);
            if e & CHILD != 0 {
                let c = e & !CHILD;
                if self.meta.get(c as usize).is_some_and(|m| m.inh_len <= base) {
                    self.propagate(c, nh, len, base + STRIDE, depth + 1);
                }
            } else if leaf_rel(e) == 0 {
                ent.store(new, Ordering::Release);
            }
        }
    }

    /// Removes the route for exactly `p` from VRF `vrf`; returns its group id. `NotFound`
    /// (table unchanged) when there is no such route.
    pub fn remove<A: Address>(&mut self, vrf: u32, p: Prefix<A>) -> Result<u32, RouteError> {
        let root_slot = self.check_vrf(vrf, A::FAMILY)?;
        let root = root_slot.load(Ordering::Relaxed);
        if root == ROOT_EMPTY {
            return Err(RouteError::NotFound);
        }
        let key = p.key();
        let len = p.len() as u32;
        if len == 0 {
            let m = self.meta[root as usize];
            if m.inh_nh == NH_NONE {
                return Err(RouteError::NotFound);
            }
            self.propagate(root, NH_NONE, 0, 0, 0);
            self.stats.routes -= 1;
            self.prune(root_slot, &[root], 1);
            return Ok(m.inh_nh);
        }
        let mut path = [0u32; MAX_LEVELS];
        let mut depth = 0usize;
        let mut node = root;
        let mut base = 0u32;
        path[0] = root;
        while len > base + STRIDE {
            let e = match self.entry(node, key.chunk(base, STRIDE)) {
                Some(e) => e.load(Ordering::Relaxed),
                None => return Err(RouteError::NotFound),
            };
            if e & CHILD == 0 {
                return Err(RouteError::NotFound);
            }
            node = e & !CHILD;
            base += STRIDE;
            depth += 1;
            if let Some(p) = path.get_mut(depth) {
                *p = node;
            }
        }
        let rel = len - base;
        let first = key.chunk(base, STRIDE);
        let r = self
            .find_rule_in(node, rel, first)
            .ok_or(RouteError::NotFound)?;
        let old = self.rules[r as usize].nh;
        // Unlink and free the rule; find the longest shorter rule covering it.
        let mut repl: Option<(u32, u32)> = None; // (rel, nh)
        let mut prev = NIL;
        let mut cur = self.meta[node as usize].head;
        while let Some(rule) = self.rules.get(cur as usize).copied() {
            if cur == r {
                match self.rules.get_mut(prev as usize) {
                    Some(p) => p.next = rule.next,
                    None => self.meta[node as usize].head = rule.next,
                }
            } else {
                let (rr, rf) = (rule.key >> 8, rule.key & 0xFF);
                if rr < rel
                    && rf >> (STRIDE - rr) == first >> (STRIDE - rr)
                    && repl.is_none_or(|(best, _)| rr > best)
                {
                    repl = Some((rr, rule.nh));
                }
                prev = cur;
            }
            cur = rule.next;
        }
        self.rules[r as usize].next = self.free_rule;
        self.free_rule = r;
        self.rules_free += 1;
        self.counts_add(node, -1, 0);
        self.stats.routes -= 1;
        let m = self.meta[node as usize];
        let (rrel, rnh, rlen) = match repl {
            Some((rr, nh)) => (rr, nh, base + rr),
            None => (0, m.inh_nh, m.inh_len),
        };
        let span = 1u32 << (STRIDE - rel);
        for slot in first..first + span {
            let Some(ent) = self.entry(node, slot) else {
                continue;
            };
            let e = ent.load(Ordering::Relaxed);
            if e & CHILD != 0 {
                let c = e & !CHILD;
                if self.meta[c as usize].inh_len == len {
                    self.propagate(c, rnh, rlen, base + STRIDE, 1);
                }
            } else if leaf_rel(e) == rel {
                ent.store(leaf(rnh, rrel), Ordering::Release);
            }
        }
        self.prune(root_slot, &path, depth + 1);
        Ok(old)
    }

    /// Frees the empty nodes at the bottom of `path` (root first), replacing each by a leaf in
    /// its parent; an empty root empties the family of the VRF.
    fn prune(&mut self, root_slot: &AtomicU32, path: &[u32], len: usize) {
        let mut i = len.min(path.len());
        while i > 0 {
            i -= 1;
            let n = path[i];
            let m = self.meta[n as usize];
            if m.counts != 0 {
                return;
            }
            if i == 0 {
                if m.inh_nh != NH_NONE {
                    return;
                }
                root_slot.store(ROOT_EMPTY, Ordering::Release);
                self.release_node(n);
                return;
            }
            let parent = path[i - 1];
            let pbase = (i as u32 - 1) * STRIDE;
            // Which slot of the parent points at n.
            let Some(slot) = self
                .node_entries(parent)
                .iter()
                .position(|e| e.load(Ordering::Relaxed) == CHILD | n)
            else {
                return;
            };
            let rel = m.inh_len.saturating_sub(pbase).min(STRIDE);
            if let Some(ent) = self.entry(parent, slot as u32) {
                ent.store(leaf(m.inh_nh, rel), Ordering::Release);
            }
            self.counts_add(parent, 0, -1);
            self.release_node(n);
        }
    }

    /// The group id of exactly `p` in VRF `vrf` (not a longest-prefix match).
    pub fn get<A: Address>(&self, vrf: u32, p: Prefix<A>) -> Result<Option<u32>, RouteError> {
        let root = self.check_vrf(vrf, A::FAMILY)?.load(Ordering::Relaxed);
        if root == ROOT_EMPTY {
            return Ok(None);
        }
        if p.is_empty() {
            let nh = self.meta[root as usize].inh_nh;
            return Ok((nh != NH_NONE).then_some(nh));
        }
        Ok(self
            .find_rule(root, p.key(), p.len() as u32)
            .map(|r| self.rules[r as usize].nh))
    }

    /// Longest-prefix match of `addr` in VRF `vrf` (see [`PoolReader::lookup`]).
    #[inline]
    pub fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32> {
        self.shared.lookup(vrf, addr)
    }

    /// Burst longest-prefix match (see [`PoolReader::lookup_burst`]).
    pub fn lookup_burst<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [Option<u32>],
    ) -> Result<usize, RouteError> {
        self.shared.lookup_burst(vrf, addrs, out)
    }

    /// Visits every route of VRF `vrf` of family `A`, in trie order.
    pub fn for_each<A: Address>(
        &self,
        vrf: u32,
        mut f: impl FnMut(Prefix<A>, u32),
    ) -> Result<(), RouteError> {
        let root = self.check_vrf(vrf, A::FAMILY)?.load(Ordering::Relaxed);
        if root == ROOT_EMPTY {
            return Ok(());
        }
        let m = self.meta[root as usize];
        if m.inh_nh != NH_NONE {
            f(Prefix::default_route(), m.inh_nh);
        }
        self.walk(root, <A::Key as Key>::ZERO, 0, &mut f);
        Ok(())
    }

    fn walk<A: Address>(&self, n: u32, key: A::Key, base: u32, f: &mut impl FnMut(Prefix<A>, u32)) {
        if base >= A::MAX_LEN as u32 {
            return;
        }
        let mut r = self.meta[n as usize].head;
        while let Some(rule) = self.rules.get(r as usize) {
            let k = key.with_chunk(base, STRIDE, rule.key & 0xFF);
            let len = (base + (rule.key >> 8)) as u8;
            if let Ok(p) = Prefix::new(A::from_key(k), len) {
                f(p, rule.nh);
            }
            r = rule.next;
        }
        for (slot, ent) in self.node_entries(n).iter().enumerate() {
            let e = ent.load(Ordering::Relaxed);
            if e & CHILD != 0 {
                self.walk(
                    e & !CHILD,
                    key.with_chunk(base, STRIDE, slot as u32),
                    base + STRIDE,
                    f,
                );
            }
        }
    }
}

impl PoolReader<'_> {
    #[inline(always)]
    fn root(&self, vrf: u32, fam: Family) -> u32 {
        let i = (vrf as usize).wrapping_mul(2) | (fam == Family::V6) as usize;
        self.roots
            .get(i)
            .map_or(ROOT_ABSENT, |r| r.load(Ordering::Acquire))
    }

    #[inline(always)]
    fn walk<K: Key>(&self, mut node: u32, key: K) -> Option<u32> {
        let mut base = 0u32;
        for _ in 0..MAX_LEVELS {
            let i = node as usize * FANOUT + key.chunk(base, STRIDE) as usize;
            let e = self.entries.get(i)?.load(Ordering::Acquire);
            if e & CHILD == 0 {
                let nh = e & NH_MASK;
                return (nh != NH_NONE).then_some(nh);
            }
            node = e & !CHILD;
            base += STRIDE;
        }
        None
    }

    /// Longest-prefix match of `addr` in VRF `vrf`: the group id of the longest route
    /// containing it, `None` when no route does or the VRF does not exist.
    #[inline]
    pub fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32> {
        let root = self.root(vrf, A::FAMILY);
        if root >= ROOT_EMPTY {
            return None;
        }
        self.walk(root, addr.to_key())
    }

    /// Longest-prefix match of up to [`MAX_BURST`] addresses of VRF `vrf` into `out`
    /// (`out[i]` for `addrs[i]`), walking all of them level by level so their memory accesses
    /// overlap. Returns how many matched. `UnknownVrf` for a VRF that does not exist.
    pub fn lookup_burst<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [Option<u32>],
    ) -> Result<usize, RouteError> {
        RouteError::check_burst(addrs.len(), out.len())?;
        let root = self.root(vrf, A::FAMILY);
        if root == ROOT_ABSENT {
            return Err(RouteError::UnknownVrf { vrf });
        }
        if root == ROOT_EMPTY {
            out[..addrs.len()].fill(None);
            return Ok(0);
        }
        let mut cur = [root | CHILD; MAX_BURST];
        let cur = &mut cur[..addrs.len()];
        let mut base = 0u32;
        for _ in 0..MAX_LEVELS {
            let mut pending = false;
            for (c, a) in cur.iter_mut().zip(addrs) {
                if *c & CHILD != 0 {
                    let i =
                        (*c & !CHILD) as usize * FANOUT + a.to_key().chunk(base, STRIDE) as usize;
                    *c = self
                        .entries
                        .get(i)
                        .map_or(NH_NONE, |e| e.load(Ordering::Acquire));
                    pending |= *c & CHILD != 0;
                }
            }
            if !pending {
                break;
            }
            base += STRIDE;
        }
        let mut hits = 0;
        for (o, c) in out.iter_mut().zip(cur.iter()) {
            let nh = c & NH_MASK;
            *o = (c & CHILD == 0 && nh != NH_NONE).then_some(nh);
            hits += o.is_some() as usize;
        }
        Ok(hits)
    }

    /// [`lookup`](Self::lookup) for IPv4.
    #[inline]
    pub fn lookup_v4(&self, vrf: u32, addr: Ipv4Addr) -> Option<u32> {
        self.lookup(vrf, addr)
    }

    /// [`lookup`](Self::lookup) for IPv6.
    #[inline]
    pub fn lookup_v6(&self, vrf: u32, addr: Ipv6Addr) -> Option<u32> {
        self.lookup(vrf, addr)
    }
}
