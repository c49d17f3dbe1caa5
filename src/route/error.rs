//! [`RouteError`]: every way a routing operation can be refused. A refused operation leaves the
//! table exactly as it was.

/// Why a route, VRF or next-hop-group operation was refused. The table is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The prefix has bits set beyond its length (`10.0.0.1/8`); normalize it explicitly with
    /// [`Prefix::new_truncating`](crate::route::Prefix::new_truncating) if that is meant.
    #[error("prefix has host bits set beyond /{len}")]
    HostBitsSet {
        /// The prefix length given.
        len: u8,
    },
    /// The prefix length is longer than the address (IPv4 > 32, IPv6 > 128).
    #[error("prefix length {len} out of range 0..={max}")]
    PrefixLenOutOfRange {
        /// The length given.
        len: u8,
        /// The longest length of the family.
        max: u8,
    },
    /// A next-hop-group id above [`MAX_GROUP_ID`](crate::route::MAX_GROUP_ID).
    #[error("next-hop-group id {id} above the maximum {max}")]
    GroupIdOutOfRange {
        /// The id given.
        id: u32,
        /// The largest id a route can carry.
        max: u32,
    },
    /// No VRF with this id exists in the table.
    #[error("unknown VRF {vrf}")]
    UnknownVrf {
        /// The VRF id given.
        vrf: u32,
    },
    /// The VRF id is beyond the table's capacity (no-alloc VRF tables index VRFs directly).
    #[error("VRF id {vrf} beyond capacity {capacity}")]
    VrfOutOfRange {
        /// The VRF id given.
        vrf: u32,
        /// The number of VRF ids the table was sized for.
        capacity: u32,
    },
    /// A VRF with this id already exists.
    #[error("VRF {vrf} already exists")]
    VrfExists {
        /// The VRF id given.
        vrf: u32,
    },
    /// The fixed node pool has no free trie node left.
    #[error("node pool full ({capacity} nodes)")]
    PoolFull {
        /// Nodes in the pool.
        capacity: u32,
    },
    /// The fixed rule store has no free route slot left.
    #[error("route store full ({capacity} routes)")]
    RulesFull {
        /// Routes the store holds.
        capacity: u32,
    },
    /// The route (or next-hop group, or next hop) to remove or change is not there.
    #[error("not found")]
    NotFound,
    /// The caller's memory is too small for the requested capacity.
    #[error("memory too small: need {need} bytes, have {have}")]
    MemoryTooSmall {
        /// Bytes required ([`mem_size`](crate::route::pool::PoolTable::mem_size)).
        need: usize,
        /// Bytes given.
        have: usize,
    },
    /// The caller's memory is not aligned to 4 bytes.
    #[error("memory not aligned to {align} bytes")]
    Misaligned {
        /// Alignment required.
        align: usize,
    },
    /// A capacity is zero or too large to index.
    #[error("capacity {value} out of range")]
    BadCapacity {
        /// The capacity given.
        value: usize,
    },
    /// A next-hop group would hold no next hop, or more than its capacity.
    #[error("next-hop group size {len} out of range 1..={max}")]
    GroupSize {
        /// Next hops given.
        len: usize,
        /// Most next hops a group holds.
        max: usize,
    },
    /// A next hop's weight is zero, or the group's weights add up beyond the limit.
    #[error("bad next-hop weight {weight}")]
    BadWeight {
        /// The offending weight (or total).
        weight: u32,
    },
    /// The next-hop-group table is full.
    #[error("next-hop-group table full ({capacity} groups)")]
    GroupsFull {
        /// Groups the table holds.
        capacity: u32,
    },
    /// The next-hop group is still used by routes (remove them first).
    #[error("next-hop group {id} in use by {refs} routes")]
    GroupInUse {
        /// The group id.
        id: u32,
        /// Routes referring to it.
        refs: u32,
    },
    /// The route (or interface subnet, or next hop) is already there.
    #[error("route already exists")]
    RouteExists,
    /// A subnet cannot be removed while routes use a next hop on it.
    #[error("{routes} next hops of routes or gateways go through this subnet")]
    NextHopInUse {
        /// Next hops on the subnet.
        routes: u32,
    },
    /// A gateway address is not inside any connected subnet of the router.
    #[error("gateway not on a connected subnet")]
    GatewayUnreachable,
    /// The output slice of a burst lookup is shorter than the input, or the burst is over
    /// [`MAX_BURST`](crate::route::MAX_BURST).
    #[error("burst of {len} (output {out}) out of range 0..={max}")]
    BadBurst {
        /// Addresses given.
        len: usize,
        /// Output slots given.
        out: usize,
        /// Largest burst.
        max: usize,
    },
}

impl RouteError {
    /// `Ok` for a burst of `len` addresses into `out` output slots, else
    /// [`BadBurst`](Self::BadBurst).
    #[inline(always)]
    pub(crate) fn check_burst(len: usize, out: usize) -> Result<(), RouteError> {
        if len > crate::route::MAX_BURST || out < len {
            return Err(RouteError::BadBurst {
                len,
                out,
                max: crate::route::MAX_BURST,
            });
        }
        Ok(())
    }
}
