//! [`FibOps`]: what an alloc-mode table ([`Lpm`](super::Lpm)) needs of its lookup structure,
//! so that each family has its own ([`Address::Fib`](super::Address::Fib), named
//! [`Fib<A>`](super::Fib)): IPv4 a [`Poptrie`] (18-bit direct pointing, two or three reads
//! for a full table), IPv6 an [`LcTrie`] (adaptive strides and path compression, where a
//! 6-bit Poptrie would take seven or eight reads to reach a /48).

use core::fmt;

use super::lctrie::LcTrie;
use super::poptrie::{Fib as Poptrie, FibStats};
use super::rib::{Rib, Route};
use super::{Address, RouteError};

mod sealed {
    use super::*;

    /// The building side: public only in name (this module is private), its methods take the
    /// crate's `Rib` and `Route`, hence the `allow`s.
    #[allow(private_interfaces)]
    pub trait Build<A: Address>: Sized {
        fn build(routes: &[Route<A::Key>], s: u32) -> Self;
        fn bits_for(routes: usize, cur: u32) -> u32;
        fn dir_len(&self) -> usize;
        fn dir_span(&self, key: A::Key, len: u8) -> (usize, usize);
        fn rebuild_range(&mut self, rib: &Rib<A::Key>, first: usize, count: usize);
        fn rebuild_prefix(&mut self, rib: &Rib<A::Key>, key: A::Key, len: u8);
        fn trim(&mut self);
        fn needs_compaction(&self) -> bool;
        #[cfg(test)]
        fn burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize;
        #[cfg(test)]
        fn lookup_portable(&self, addr: A) -> Option<u32>;
    }
}

pub(crate) use sealed::Build;

/// An immutable lookup structure of one family (see the module doc).
pub trait FibOps<A: Address>:
    sealed::Build<A> + Clone + fmt::Debug + Default + Send + Sync + 'static
{
    /// A structure with no route.
    fn empty() -> Self;
    /// Longest-prefix match: the group id of the longest route containing `addr`.
    fn lookup(&self, addr: A) -> Option<u32>;
    /// Longest-prefix match of up to [`MAX_BURST`](super::MAX_BURST) addresses into `out`
    /// (`out[i]` for `addrs[i]`); returns the number of matches.
    fn lookup_burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> Result<usize, RouteError>;
    /// As [`lookup_burst`](Self::lookup_burst), with `none` written where no route matches
    /// (the form of the C API: no `Option` to convert).
    fn lookup_burst_raw(
        &self,
        addrs: &[A],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError>;
    /// [`lookup_burst_raw`](Self::lookup_burst_raw) of the addresses `conv` makes of `raw`,
    /// each converted as the walk reads it (the C API's form: its byte arrays, no copy of the
    /// burst).
    fn lookup_burst_conv<S: Copy>(
        &self,
        raw: &[S],
        conv: impl Fn(S) -> A,
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError>;
    /// [`lookup_burst_raw`](Self::lookup_burst_raw) on keys (IPv4: the address in host
    /// order), without a conversion to addresses and back.
    fn lookup_burst_keys(
        &self,
        keys: &[A::Key],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError>;
    /// Sizes.
    fn stats(&self) -> FibStats;
    /// Bytes used by the lookup structure.
    fn memory_bytes(&self) -> usize;
    /// Bits resolved by the first array (the direct-pointing array or root).
    fn dir_bits(&self) -> u32;
}

macro_rules! impl_fib {
    ($t:ident) => {
        #[allow(private_interfaces)]
        impl<A: Address> sealed::Build<A> for $t<A> {
            fn build(routes: &[Route<A::Key>], s: u32) -> Self {
                $t::build(routes, s)
            }
            fn bits_for(routes: usize, cur: u32) -> u32 {
                $t::<A>::bits_for(routes, cur)
            }
            fn dir_len(&self) -> usize {
                $t::dir_len(self)
            }
            fn dir_span(&self, key: A::Key, len: u8) -> (usize, usize) {
                $t::dir_span(self, key, len)
            }
            fn rebuild_range(&mut self, rib: &Rib<A::Key>, first: usize, count: usize) {
                $t::rebuild_range(self, rib, first, count)
            }
            fn rebuild_prefix(&mut self, rib: &Rib<A::Key>, key: A::Key, len: u8) {
                $t::rebuild_prefix(self, rib, key, len)
            }
            fn trim(&mut self) {
                $t::trim(self)
            }
            fn needs_compaction(&self) -> bool {
                $t::needs_compaction(self)
            }
            #[cfg(test)]
            fn burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize {
                $t::burst(self, addrs, out)
            }
            #[cfg(test)]
            fn lookup_portable(&self, addr: A) -> Option<u32> {
                $t::lookup_portable(self, addr)
            }
        }

        impl<A: Address> FibOps<A> for $t<A> {
            fn empty() -> Self {
                $t::empty()
            }
            #[inline]
            fn lookup(&self, addr: A) -> Option<u32> {
                $t::lookup(self, addr)
            }
            #[inline]
            fn lookup_burst(
                &self,
                addrs: &[A],
                out: &mut [Option<u32>],
            ) -> Result<usize, RouteError> {
                $t::lookup_burst(self, addrs, out)
            }
            #[inline]
            fn lookup_burst_raw(
                &self,
                addrs: &[A],
                out: &mut [u32],
                none: u32,
            ) -> Result<usize, RouteError> {
                $t::lookup_burst_raw(self, addrs, out, none)
            }
            #[inline]
            fn lookup_burst_conv<S: Copy>(
                &self,
                raw: &[S],
                conv: impl Fn(S) -> A,
                out: &mut [u32],
                none: u32,
            ) -> Result<usize, RouteError> {
                $t::lookup_burst_conv(self, raw, conv, out, none)
            }
            #[inline]
            fn lookup_burst_keys(
                &self,
                keys: &[A::Key],
                out: &mut [u32],
                none: u32,
            ) -> Result<usize, RouteError> {
                $t::lookup_burst_keys(self, keys, out, none)
            }
            fn stats(&self) -> FibStats {
                $t::stats(self)
            }
            fn memory_bytes(&self) -> usize {
                $t::memory_bytes(self)
            }
            fn dir_bits(&self) -> u32 {
                $t::dir_bits(self)
            }
        }
    };
}

impl_fib!(Poptrie);
impl_fib!(LcTrie);
