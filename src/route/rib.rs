//! [`Rib`]: the control-plane copy of an alloc-mode table, a binary trie holding every route
//! exactly as inserted. It answers exact-match questions and is what [`Fib`](super::Fib)s are
//! built from; lookups never touch it.

use alloc::vec::Vec;

use super::{Key, RouteError};

/// No node / no route.
pub(crate) const NIL: u32 = u32::MAX;

/// One binary-trie node: children for bit 0 and bit 1, and the group id of the route ending
/// here (`NIL`: none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BNode {
    pub(crate) child: [u32; 2],
    pub(crate) nh: u32,
}

/// A binary trie of routes keyed by `K`. Node 0 is the root (depth 0, the default route).
#[derive(Debug, Clone)]
pub(crate) struct Rib<K: Key> {
    nodes: Vec<BNode>,
    free: Vec<u32>,
    routes: usize,
    _k: core::marker::PhantomData<K>,
}

impl<K: Key> Default for Rib<K> {
    fn default() -> Self {
        Rib {
            nodes: alloc::vec![BNode {
                child: [NIL; 2],
                nh: NIL,
            }],
            free: Vec::new(),
            routes: 0,
            _k: core::marker::PhantomData,
        }
    }
}

impl<K: Key> Rib<K> {
    #[inline(always)]
    pub(crate) fn node(&self, n: u32) -> Option<&BNode> {
        self.nodes.get(n as usize)
    }

    pub(crate) fn len(&self) -> usize {
        self.routes
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<BNode>() + self.free.capacity() * 4
    }

    fn bit(key: K, i: u32) -> usize {
        key.chunk(i, 1) as usize
    }

    /// Adds or replaces `key/len → nh`; returns the id replaced.
    pub(crate) fn insert(&mut self, key: K, len: u8, nh: u32) -> Option<u32> {
        let mut n = 0u32;
        for i in 0..len as u32 {
            let b = Self::bit(key, i);
            let c = self.nodes[n as usize].child[b];
            n = if c != NIL {
                c
            } else {
                let new = BNode {
                    child: [NIL; 2],
                    nh: NIL,
                };
                let idx = match self.free.pop() {
                    Some(f) => {
                        self.nodes[f as usize] = new;
                        f
                    }
                    None => {
                        self.nodes.push(new);
                        self.nodes.len() as u32 - 1
                    }
                };
                self.nodes[n as usize].child[b] = idx;
                idx
            };
        }
        let old = core::mem::replace(&mut self.nodes[n as usize].nh, nh);
        if old == NIL {
            self.routes += 1;
            None
        } else {
            Some(old)
        }
    }

    /// The node of `key/len`, if the trie has it.
    fn find(&self, key: K, len: u8) -> Option<u32> {
        let mut n = 0u32;
        for i in 0..len as u32 {
            n = self.node(n)?.child[Self::bit(key, i)];
            if n == NIL {
                return None;
            }
        }
        Some(n)
    }

    /// The id of exactly `key/len`.
    pub(crate) fn get(&self, key: K, len: u8) -> Option<u32> {
        let nh = self.node(self.find(key, len)?)?.nh;
        (nh != NIL).then_some(nh)
    }

    /// Removes `key/len`; prunes the nodes left without route or child.
    pub(crate) fn remove(&mut self, key: K, len: u8) -> Result<u32, RouteError> {
        let mut path = [0u32; 129];
        let mut n = 0u32;
        for i in 0..len as usize {
            n = self.nodes[n as usize].child[Self::bit(key, i as u32)];
            if n == NIL {
                return Err(RouteError::NotFound);
            }
            path[i + 1] = n;
        }
        let old = core::mem::replace(&mut self.nodes[n as usize].nh, NIL);
        if old == NIL {
            return Err(RouteError::NotFound);
        }
        self.routes -= 1;
        // Prune upwards (never the root).
        let mut i = len as usize;
        while i > 0 {
            let n = path[i] as usize;
            if self.nodes[n].nh != NIL || self.nodes[n].child != [NIL; 2] {
                break;
            }
            let parent = path[i - 1] as usize;
            self.nodes[parent].child[Self::bit(key, i as u32 - 1)] = NIL;
            self.free.push(n as u32);
            i -= 1;
        }
        Ok(old)
    }

    /// The node at depth `depth` on the path of `key` (or `NIL` if the trie stops earlier) and
    /// the id of the longest route on the path strictly above it, or at it.
    pub(crate) fn walk_to(&self, key: K, depth: u32) -> (u32, u32) {
        let mut n = 0u32;
        let mut best = NIL;
        for i in 0..depth {
            let Some(node) = self.node(n) else {
                return (NIL, best);
            };
            if node.nh != NIL {
                best = node.nh;
            }
            n = node.child[Self::bit(key, i)];
            if n == NIL {
                return (NIL, best);
            }
        }
        if let Some(node) = self.node(n) {
            if node.nh != NIL {
                best = node.nh;
            }
        }
        (n, best)
    }

    /// Whether every route strictly below `n` has group id `nh` (so that every address under
    /// `n` resolves to `nh` when `n` itself resolves to it).
    pub(crate) fn uniform_below(&self, n: u32, nh: u32) -> bool {
        let mut stack: [u32; 130] = [NIL; 130];
        let mut sp = 0usize;
        let Some(node) = self.node(n) else {
            return true;
        };
        for c in node.child {
            if c != NIL {
                stack[sp] = c;
                sp += 1;
            }
        }
        while sp > 0 {
            sp -= 1;
            let Some(node) = self.node(stack[sp]) else {
                continue;
            };
            if node.nh != NIL && node.nh != nh {
                return false;
            }
            for c in node.child {
                if c != NIL && sp < stack.len() {
                    stack[sp] = c;
                    sp += 1;
                }
            }
        }
        true
    }

    /// Every route, in no particular order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(K, u8, u32)) {
        let mut stack: Vec<(u32, K, u8)> = alloc::vec![(0, K::ZERO, 0)];
        while let Some((n, key, d)) = stack.pop() {
            let Some(node) = self.node(n) else { continue };
            if node.nh != NIL {
                f(key, d, node.nh);
            }
            for (b, c) in node.child.iter().enumerate() {
                if *c != NIL {
                    stack.push((*c, key.with_chunk(d as u32, 1, b as u32), d + 1));
                }
            }
        }
    }
}
