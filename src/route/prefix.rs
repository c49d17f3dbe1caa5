//! Addresses and prefixes: [`Address`] (implemented by [`Ipv4Addr`] and [`Ipv6Addr`]), the
//! integer [`Key`] the tries walk, and [`Prefix`], validated once at construction (host bits
//! must be clear unless the caller asks to truncate them, length within the family).

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::RouteError;

/// The address family of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Family {
    /// IPv4 (32-bit addresses).
    V4 = 4,
    /// IPv6 (128-bit addresses).
    V6 = 6,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u128 {}
    impl Sealed for core::net::Ipv4Addr {}
    impl Sealed for core::net::Ipv6Addr {}
}

/// An address as the unsigned integer the tries walk, most significant bit first
/// (`u32` for IPv4, `u128` for IPv6). Bits beyond the width read as zero.
pub trait Key: sealed::Sealed + Copy + Eq + Ord + fmt::Debug + Send + Sync + 'static {
    /// Address width in bits.
    const BITS: u8;
    /// The all-zero key.
    const ZERO: Self;
    /// `width` (1..=32) bits starting `offset` bits from the most significant one, as the low
    /// bits of the result; bits past the end of the key are zero.
    fn chunk(self, offset: u32, width: u32) -> u32;
    /// The key with only its first `len` bits kept (`len` ≥ `BITS` keeps all).
    fn truncate(self, len: u8) -> Self;
    /// The key with the `width` bits at `offset` replaced by `value` (within the key).
    fn with_chunk(self, offset: u32, width: u32, value: u32) -> Self;
    /// A key from raw bits, the low `BITS` bits of `v`.
    fn from_u128(v: u128) -> Self;
    /// The key as a `u128` (zero-extended).
    fn to_u128(self) -> u128;
}

impl Key for u32 {
    const BITS: u8 = 32;
    const ZERO: Self = 0;
    #[inline(always)]
    fn chunk(self, offset: u32, width: u32) -> u32 {
        // Work in 64 bits so that a chunk overhanging bit 32 reads zeros.
        let wide = (self as u64) << 32;
        let shifted = wide.checked_shl(offset).unwrap_or(0);
        (shifted >> (64 - width.clamp(1, 32))) as u32
    }
    #[inline]
    fn truncate(self, len: u8) -> Self {
        match len {
            0 => 0,
            l if l >= 32 => self,
            l => self & (u32::MAX << (32 - l)),
        }
    }
    fn with_chunk(self, offset: u32, width: u32, value: u32) -> Self {
        let w = (self as u64) << 32;
        let width = width.clamp(1, 32);
        let shift = 64u32.saturating_sub(offset.saturating_add(width));
        let mask = (u64::MAX >> (64 - width)).checked_shl(shift).unwrap_or(0);
        let v = ((value as u64) << shift) & mask;
        ((w & !mask | v) >> 32) as u32
    }
    fn from_u128(v: u128) -> Self {
        v as u32
    }
    fn to_u128(self) -> u128 {
        self as u128
    }
}

impl Key for u128 {
    const BITS: u8 = 128;
    const ZERO: Self = 0;
    #[inline(always)]
    fn chunk(self, offset: u32, width: u32) -> u32 {
        let shifted = self.checked_shl(offset).unwrap_or(0);
        (shifted >> (128 - width.clamp(1, 32))) as u32
    }
    #[inline]
    fn truncate(self, len: u8) -> Self {
        match len {
            0 => 0,
            l if l >= 128 => self,
            l => self & (u128::MAX << (128 - l)),
        }
    }
    fn with_chunk(self, offset: u32, width: u32, value: u32) -> Self {
        let width = width.clamp(1, 32);
        let end = offset.saturating_add(width);
        if end > 128 {
            // Only the part inside the key is kept.
            let keep = 128u32.saturating_sub(offset);
            if keep == 0 {
                return self;
            }
            return self.with_chunk(offset, keep, value >> (width - keep));
        }
        let shift = 128 - end;
        let mask = (u128::MAX >> (128 - width)) << shift;
        (self & !mask) | (((value as u128) << shift) & mask)
    }
    fn from_u128(v: u128) -> Self {
        v
    }
    fn to_u128(self) -> u128 {
        self
    }
}

/// Selects, from a pair of per-family values, the one of an address family (see
/// [`Address::pick`]).
pub trait PerFamily {
    /// The per-family value type.
    type Of<A: Address>;
    /// The IPv4 value.
    fn v4(&self) -> &Self::Of<Ipv4Addr>;
    /// The IPv6 value.
    fn v6(&self) -> &Self::Of<Ipv6Addr>;
    /// The IPv4 value, mutably.
    fn v4_mut(&mut self) -> &mut Self::Of<Ipv4Addr>;
    /// The IPv6 value, mutably.
    fn v6_mut(&mut self) -> &mut Self::Of<Ipv6Addr>;
}

/// An IP address type a routing table is keyed by: [`Ipv4Addr`] or [`Ipv6Addr`].
pub trait Address:
    sealed::Sealed + Copy + Eq + Ord + fmt::Debug + fmt::Display + Send + Sync + 'static
{
    /// The integer the tries walk.
    type Key: Key;
    /// The alloc-mode lookup structure of the family ([`Fib`](super::Fib)).
    #[cfg(feature = "alloc")]
    type Fib: super::FibOps<Self>;
    /// The family.
    const FAMILY: Family;
    /// Longest prefix length.
    const MAX_LEN: u8 = <Self::Key as Key>::BITS;
    /// The address as its key.
    fn to_key(self) -> Self::Key;
    /// The address of a key.
    fn from_key(k: Self::Key) -> Self;
    /// This family's value of `p`.
    fn pick<P: PerFamily>(p: &P) -> &P::Of<Self>;
    /// This family's value of `p`, mutably.
    fn pick_mut<P: PerFamily>(p: &mut P) -> &mut P::Of<Self>;
}

impl Address for Ipv4Addr {
    type Key = u32;
    #[cfg(feature = "alloc")]
    type Fib = super::Poptrie<Ipv4Addr>;
    const FAMILY: Family = Family::V4;
    #[inline(always)]
    fn to_key(self) -> u32 {
        self.to_bits()
    }
    #[inline(always)]
    fn from_key(k: u32) -> Self {
        Ipv4Addr::from_bits(k)
    }
    fn pick<P: PerFamily>(p: &P) -> &P::Of<Self> {
        p.v4()
    }
    fn pick_mut<P: PerFamily>(p: &mut P) -> &mut P::Of<Self> {
        p.v4_mut()
    }
}

impl Address for Ipv6Addr {
    type Key = u128;
    #[cfg(feature = "alloc")]
    type Fib = super::LcTrie<Ipv6Addr>;
    const FAMILY: Family = Family::V6;
    #[inline(always)]
    fn to_key(self) -> u128 {
        self.to_bits()
    }
    #[inline(always)]
    fn from_key(k: u128) -> Self {
        Ipv6Addr::from_bits(k)
    }
    fn pick<P: PerFamily>(p: &P) -> &P::Of<Self> {
        p.v6()
    }
    fn pick_mut<P: PerFamily>(p: &mut P) -> &mut P::Of<Self> {
        p.v6_mut()
    }
}

/// A validated route prefix: an address whose bits beyond `len` are zero, and a length within
/// the family (`0..=32` for IPv4, `0..=128` for IPv6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix<A: Address> {
    addr: A,
    len: u8,
}

/// An IPv4 prefix.
pub type Ipv4Prefix = Prefix<Ipv4Addr>;
/// An IPv6 prefix.
pub type Ipv6Prefix = Prefix<Ipv6Addr>;

impl<A: Address> Prefix<A> {
    /// The prefix `addr/len`. Refuses a length beyond the family
    /// ([`RouteError::PrefixLenOutOfRange`]) and an address with bits set beyond `len`
    /// ([`RouteError::HostBitsSet`]); use [`Prefix::new_truncating`] to clear them instead.
    pub fn new(addr: A, len: u8) -> Result<Self, RouteError> {
        Self::check_len(len)?;
        let k = addr.to_key();
        if k.truncate(len) != k {
            return Err(RouteError::HostBitsSet { len });
        }
        Ok(Prefix { addr, len })
    }

    /// The prefix `addr/len` with the host bits of `addr` cleared (the explicit normalizing
    /// flag): `10.1.2.3/8` becomes `10.0.0.0/8`. The length is still checked.
    pub fn new_truncating(addr: A, len: u8) -> Result<Self, RouteError> {
        Self::check_len(len)?;
        Ok(Prefix {
            addr: A::from_key(addr.to_key().truncate(len)),
            len,
        })
    }

    /// The default route of the family (`0.0.0.0/0`, `::/0`).
    pub fn default_route() -> Self {
        Prefix {
            addr: A::from_key(<A::Key as Key>::ZERO),
            len: 0,
        }
    }

    /// The host route (`/32`, `/128`) of `addr`.
    pub fn host(addr: A) -> Self {
        Prefix {
            addr,
            len: A::MAX_LEN,
        }
    }

    fn check_len(len: u8) -> Result<(), RouteError> {
        if len > A::MAX_LEN {
            return Err(RouteError::PrefixLenOutOfRange {
                len,
                max: A::MAX_LEN,
            });
        }
        Ok(())
    }

    /// The network address.
    pub fn addr(&self) -> A {
        self.addr
    }

    /// The prefix length.
    pub fn len(&self) -> u8 {
        self.len
    }

    /// `true` for the default route (length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The network address as a key.
    pub fn key(&self) -> A::Key {
        self.addr.to_key()
    }

    /// Whether `addr` is inside the prefix.
    pub fn contains(&self, addr: A) -> bool {
        addr.to_key().truncate(self.len) == self.key()
    }

    /// Whether `other` is inside (or equal to) this prefix.
    pub fn covers(&self, other: &Prefix<A>) -> bool {
        other.len >= self.len && self.contains(other.addr)
    }
}

impl<A: Address> fmt::Debug for Prefix<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl<A: Address> fmt::Display for Prefix<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl TryFrom<ipnet::Ipv4Net> for Ipv4Prefix {
    type Error = RouteError;
    /// Refuses host bits, as [`Prefix::new`].
    fn try_from(n: ipnet::Ipv4Net) -> Result<Self, RouteError> {
        Prefix::new(n.addr(), n.prefix_len())
    }
}

impl TryFrom<ipnet::Ipv6Net> for Ipv6Prefix {
    type Error = RouteError;
    /// Refuses host bits, as [`Prefix::new`].
    fn try_from(n: ipnet::Ipv6Net) -> Result<Self, RouteError> {
        Prefix::new(n.addr(), n.prefix_len())
    }
}

/// A prefix of either family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpPrefix {
    /// IPv4.
    V4(Ipv4Prefix),
    /// IPv6.
    V6(Ipv6Prefix),
}

impl IpPrefix {
    /// `addr/len`, validated as [`Prefix::new`].
    pub fn new(addr: core::net::IpAddr, len: u8) -> Result<Self, RouteError> {
        Ok(match addr {
            core::net::IpAddr::V4(a) => IpPrefix::V4(Prefix::new(a, len)?),
            core::net::IpAddr::V6(a) => IpPrefix::V6(Prefix::new(a, len)?),
        })
    }

    /// Whether `addr` (of the same family) is inside the prefix.
    pub fn contains(&self, addr: core::net::IpAddr) -> bool {
        match (self, addr) {
            (IpPrefix::V4(p), core::net::IpAddr::V4(a)) => p.contains(a),
            (IpPrefix::V6(p), core::net::IpAddr::V6(a)) => p.contains(a),
            _ => false,
        }
    }

    /// The prefix length.
    pub fn len(&self) -> u8 {
        match self {
            IpPrefix::V4(p) => p.len(),
            IpPrefix::V6(p) => p.len(),
        }
    }

    /// `true` for a default route.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpPrefix::V4(p) => p.fmt(f),
            IpPrefix::V6(p) => p.fmt(f),
        }
    }
}

/// Why a prefix string did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrefixParseError {
    /// Not `address/length` with a valid address and a decimal length.
    #[error("not an address/length prefix")]
    Syntax,
    /// Parsed, but refused by [`Prefix::new`].
    #[error(transparent)]
    Invalid(#[from] RouteError),
}

impl core::str::FromStr for IpPrefix {
    type Err = PrefixParseError;
    /// `"10.0.0.0/8"`, `"2001:db8::/32"`; host bits refused.
    fn from_str(s: &str) -> Result<Self, PrefixParseError> {
        let (a, l) = s.split_once('/').ok_or(PrefixParseError::Syntax)?;
        let addr: core::net::IpAddr = a.parse().map_err(|_| PrefixParseError::Syntax)?;
        let len: u8 = l.parse().map_err(|_| PrefixParseError::Syntax)?;
        Ok(IpPrefix::new(addr, len)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn chunks_and_truncation() {
        let k: u32 = 0xC0A8_0102; // 192.168.1.2
        assert_eq!(k.chunk(0, 8), 0xC0);
        assert_eq!(k.chunk(0, 18), 0xC0A8_0102 >> 14);
        assert_eq!(k.chunk(24, 8), 0x02);
        assert_eq!(k.chunk(30, 6), 0b10_0000, "overhanging chunk reads zeros");
        assert_eq!(k.chunk(32, 6), 0);
        assert_eq!(k.chunk(200, 6), 0);
        assert_eq!(k.truncate(16), 0xC0A8_0000);
        assert_eq!(k.truncate(0), 0);
        assert_eq!(k.truncate(32), k);
        assert_eq!(0u32.with_chunk(8, 8, 0xAB), 0x00AB_0000);
        assert_eq!(u32::MAX.with_chunk(30, 6, 0), 0xFFFF_FFFC);
        let k6: u128 = 0x2001_0db8_0000_0000_0000_0000_0000_0001;
        assert_eq!(k6.chunk(0, 16), 0x2001);
        assert_eq!(k6.chunk(16, 16), 0x0db8);
        assert_eq!(k6.chunk(124, 6), 0b00_0100);
        assert_eq!(k6.chunk(128, 6), 0);
        assert_eq!(k6.truncate(32), 0x2001_0db8 << 96);
        assert_eq!(0u128.with_chunk(120, 8, 0xFF), 0xFF);
        assert_eq!(0u128.with_chunk(124, 8, 0xFF), 0xF);
    }

    #[test]
    fn prefix_validation() {
        let a = Ipv4Addr::new(10, 1, 2, 3);
        assert_eq!(
            Prefix::new(a, 8),
            Err(RouteError::HostBitsSet { len: 8 }),
            "host bits refused"
        );
        assert_eq!(
            Prefix::new(a, 33),
            Err(RouteError::PrefixLenOutOfRange { len: 33, max: 32 })
        );
        let p = Prefix::new_truncating(a, 8).unwrap();
        assert_eq!(p.addr(), Ipv4Addr::new(10, 0, 0, 0));
        assert_eq!(p.to_string(), "10.0.0.0/8");
        assert!(p.contains(a));
        assert!(!p.contains(Ipv4Addr::new(11, 0, 0, 0)));
        assert!(Prefix::new(a, 32).is_ok());
        assert_eq!(
            Prefix::new(Ipv6Addr::LOCALHOST, 129),
            Err(RouteError::PrefixLenOutOfRange { len: 129, max: 128 })
        );
        assert_eq!(
            Prefix::new(Ipv6Addr::LOCALHOST, 127),
            Err(RouteError::HostBitsSet { len: 127 })
        );
        let d = Prefix::<Ipv6Addr>::default_route();
        assert!(d.is_empty() && d.contains(Ipv6Addr::LOCALHOST));
        assert_eq!(
            "10.1.0.0/8".parse::<IpPrefix>(),
            Err(PrefixParseError::Invalid(RouteError::HostBitsSet {
                len: 8
            }))
        );
        assert_eq!(
            "10.0.0.0".parse::<IpPrefix>(),
            Err(PrefixParseError::Syntax)
        );
        assert_eq!("x/8".parse::<IpPrefix>(), Err(PrefixParseError::Syntax));
        assert_eq!(
            "::/0".parse::<IpPrefix>(),
            Ok(IpPrefix::V6(Prefix::default_route()))
        );
        let n: ipnet::Ipv4Net = "10.1.0.0/8".parse().unwrap();
        assert_eq!(
            Ipv4Prefix::try_from(n),
            Err(RouteError::HostBitsSet { len: 8 })
        );
    }
}
