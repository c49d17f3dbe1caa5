//! The generic table for C: fixed-size byte keys (1–64 bytes, stored in an 8/16/32/64-byte
//! class, zero-padded) mapped to `uint64_t` values — what DPDK's `rte_hash` offers (a key of
//! `key_len` bytes to a position or a pointer-sized datum). Over heap memory
//! ([`neutrino_table_new`]) or the caller's ([`neutrino_table_init`], e.g. hugepages).

use core::mem::{align_of, size_of};

use neutrino::table::{Table, BURST_MAX};

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// Longest key the C table takes.
pub const NEUTRINO_TABLE_MAX_KEY: usize = 64;
/// Most keys of one burst lookup.
pub const NEUTRINO_TABLE_BURST_MAX: usize = 64;

/// Memory a handle's table lives in: the library's heap or the caller's.
#[derive(Debug)]
pub(crate) enum Mem {
    Owned(Box<[u8]>),
    Borrowed(&'static mut [u8]),
}

impl AsRef<[u8]> for Mem {
    fn as_ref(&self) -> &[u8] {
        match self {
            Mem::Owned(b) => b,
            Mem::Borrowed(b) => b,
        }
    }
}

impl AsMut<[u8]> for Mem {
    fn as_mut(&mut self) -> &mut [u8] {
        match self {
            Mem::Owned(b) => b,
            Mem::Borrowed(b) => b,
        }
    }
}

#[derive(Debug)]
enum AnyTable {
    K8(Table<[u8; 8], u64, Mem>),
    K16(Table<[u8; 16], u64, Mem>),
    K32(Table<[u8; 32], u64, Mem>),
    K64(Table<[u8; 64], u64, Mem>),
}

/// An opaque table handle.
#[derive(Debug)]
pub struct neutrino_table {
    inner: AnyTable,
    key_len: usize,
    /// Allocated by `neutrino_table_new` (freed by `_free`), or placed in caller memory.
    origin: args::Origin,
}

/// Runs `$body` with `$t` bound to the typed table and `$K` to its key array size.
macro_rules! dispatch {
    ($table:expr, |$t:ident, $n:ident| $body:expr) => {
        match $table {
            AnyTable::K8($t) => {
                const $n: usize = 8;
                $body
            }
            AnyTable::K16($t) => {
                const $n: usize = 16;
                $body
            }
            AnyTable::K32($t) => {
                const $n: usize = 32;
                $body
            }
            AnyTable::K64($t) => {
                const $n: usize = 64;
                $body
            }
        }
    };
}

fn class(key_len: usize) -> Result<usize, neutrino_status> {
    match key_len {
        1..=8 => Ok(8),
        9..=16 => Ok(16),
        17..=32 => Ok(32),
        33..=NEUTRINO_TABLE_MAX_KEY => Ok(64),
        _ => Err(NEUTRINO_BAD_CAPACITY),
    }
}

fn table_bytes(key_len: usize, capacity: usize) -> Result<usize, neutrino_status> {
    let r = match class(key_len)? {
        8 => Table::<[u8; 8], u64, Mem>::mem_size(capacity),
        16 => Table::<[u8; 16], u64, Mem>::mem_size(capacity),
        32 => Table::<[u8; 32], u64, Mem>::mem_size(capacity),
        _ => Table::<[u8; 64], u64, Mem>::mem_size(capacity),
    };
    Ok(r?)
}

fn build(
    key_len: usize,
    capacity: usize,
    seed: u64,
    mem: Mem,
) -> Result<AnyTable, neutrino_status> {
    Ok(match class(key_len)? {
        8 => AnyTable::K8(Table::new_in(mem, capacity, seed)?),
        16 => AnyTable::K16(Table::new_in(mem, capacity, seed)?),
        32 => AnyTable::K32(Table::new_in(mem, capacity, seed)?),
        _ => AnyTable::K64(Table::new_in(mem, capacity, seed)?),
    })
}

/// The key bytes zero-padded to the table's class.
fn padded<const N: usize>(key: &[u8]) -> [u8; N] {
    let mut k = [0u8; N];
    let n = key.len().min(N);
    k[..n].copy_from_slice(&key[..n]);
    k
}

/// Bytes of memory [`neutrino_table_init`] needs for a table of `capacity` entries with
/// `key_len`-byte keys (the table plus its handle and alignment slack).
///
/// `NEUTRINO_BAD_CAPACITY` for a `key_len` outside 1–64 or a capacity of 0 or above 2^31.
///
/// # Safety
/// `out` must be NULL or point to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_mem_size(
    key_len: usize,
    capacity: usize,
    out: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let n = table_bytes(key_len, capacity)?
            .checked_add(size_of::<neutrino_table>() + align_of::<neutrino_table>())
            .ok_or(NEUTRINO_BAD_CAPACITY)?;
        // SAFETY: `out` is non-NULL, aligned (checked) and writable (contract).
        unsafe { out.write(n) };
        Ok(())
    }
}

/// Creates a table of `capacity` entries with `key_len`-byte keys (1–64) over heap memory,
/// keyed by `seed` (use a secret random value). Release it with [`neutrino_table_free`].
///
/// # Safety
/// `out` must point to a writable `neutrino_table *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_new(
    key_len: usize,
    capacity: usize,
    seed: u64,
    out: *mut *mut neutrino_table,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let bytes = table_bytes(key_len, capacity)?;
        let inner = build(key_len, capacity, seed, Mem::Owned(vec![0u8; bytes].into_boxed_slice()))?;
        let h = neutrino_table { inner, key_len, origin: args::Origin::Boxed };
        // SAFETY: `out` is non-NULL, aligned and writable.
        unsafe { args::put_box(out, h) }
    }
}

/// Builds a table inside the caller's memory `mem` of `mem_len` bytes (at least
/// [`neutrino_table_mem_size`]; e.g. hugepage memory). The handle written to `*out` lives in
/// that memory: it stays valid while the memory does, must not be used after the memory is
/// reused, and [`neutrino_table_free`] releases nothing but may be called. The memory's
/// previous contents do not matter.
///
/// # Safety
/// `mem` must point to `mem_len` writable bytes that nothing else reads or writes until the
/// table is no longer used; `out` must point to a writable `neutrino_table *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_init(
    mem: *mut u8,
    mem_len: usize,
    key_len: usize,
    capacity: usize,
    seed: u64,
    out: *mut *mut neutrino_table,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        args::check_array(mem, mem_len)?;
        if mem.is_null() {
            return Err(NEUTRINO_NULL_POINTER);
        }
        let pad = mem.align_offset(align_of::<neutrino_table>());
        let head = pad.checked_add(size_of::<neutrino_table>()).ok_or(NEUTRINO_MEM_TOO_SMALL)?;
        let need = table_bytes(key_len, capacity)?.checked_add(head).ok_or(NEUTRINO_BAD_CAPACITY)?;
        if mem_len < need {
            return Err(NEUTRINO_MEM_TOO_SMALL);
        }
        // SAFETY: `head <= need <= mem_len`, so both regions are inside the caller's
        // `mem_len` writable bytes (contract); the table region is zeroed before a `&mut [u8]`
        // is formed over it, so every byte is initialised. The `'static` lifetime is the
        // contract's: the caller keeps the memory alive and untouched while the handle is used.
        let region: &'static mut [u8] = unsafe {
            let p = mem.add(head);
            core::ptr::write_bytes(p, 0, mem_len - head);
            core::slice::from_raw_parts_mut(p, mem_len - head)
        };
        let inner = build(key_len, capacity, seed, Mem::Borrowed(region))?;
        // SAFETY: `mem + pad` is aligned for the handle and `size_of` bytes fit before the
        // table region (checked above); nothing else aliases it.
        let h = unsafe {
            let h = mem.add(pad).cast::<neutrino_table>();
            h.write(neutrino_table { inner, key_len, origin: args::Origin::Placed });
            h
        };
        // SAFETY: `out` is non-NULL, aligned and writable.
        unsafe { out.write(h) };
        Ok(())
    }
}

/// Releases a table from [`neutrino_table_new`]; for one from [`neutrino_table_init`] only
/// ends its use (the memory stays the caller's). NULL is fine.
///
/// # Safety
/// `t` must be NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_free(t: *mut neutrino_table) -> neutrino_status {
    ffi_guard! {
        if t.is_null() {
            return Ok(());
        }
        args::check_ptr(t)?;
        // SAFETY: `t` is a live handle (contract), made as its `origin` says by
        // neutrino_table_new or neutrino_table_init, and not used afterwards.
        unsafe { args::release(t, (*t).origin) };
        Ok(())
    }
}

/// The handle and key as Rust values.
///
/// # Safety
/// `t` NULL or a live handle; `key` NULL or `key_len` readable bytes.
unsafe fn handle<'a>(
    t: *mut neutrino_table,
    key: *const u8,
    key_len: usize,
) -> Result<(&'a mut neutrino_table, &'a [u8]), neutrino_status> {
    args::check_ptr(t)?;
    // SAFETY: `t` is a live, exclusively used handle (contract).
    let h = unsafe { &mut *t };
    // SAFETY: forwarded contract.
    let k = unsafe { args::slice_from(key, key_len) }?;
    if key.is_null() {
        return Err(NEUTRINO_NULL_POINTER);
    }
    if key_len != h.key_len {
        return Err(NEUTRINO_INVALID_ARGUMENT);
    }
    Ok((h, k))
}

/// Inserts or replaces `key` → `value`. `NEUTRINO_FULL` when the table holds `capacity`
/// entries (or no room can be made): nothing changes. `key_len` must be the table's.
///
/// # Safety
/// `t` a live handle; `key` `key_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_insert(
    t: *mut neutrino_table,
    key: *const u8,
    key_len: usize,
    value: u64,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contract.
        let (h, k) = unsafe { handle(t, key, key_len) }?;
        dispatch!(&mut h.inner, |tb, N| tb.insert(padded::<N>(k), value).map(|_| ()).map_err(Into::into))
    }
}

/// Looks `key` up: `NEUTRINO_OK` and `*value`, or `NEUTRINO_NOT_FOUND`.
///
/// # Safety
/// `t` a live handle; `key` `key_len` readable bytes; `value` a writable `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_lookup(
    t: *mut neutrino_table,
    key: *const u8,
    key_len: usize,
    value: *mut u64,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(value)?;
        // SAFETY: forwarded contract.
        let (h, k) = unsafe { handle(t, key, key_len) }?;
        let v = dispatch!(&h.inner, |tb, N| tb.get(&padded::<N>(k))).ok_or(NEUTRINO_NOT_FOUND)?;
        // SAFETY: `value` non-NULL, aligned, writable.
        unsafe { value.write(v) };
        Ok(())
    }
}

/// Removes `key`; its value goes to `*value` unless `value` is NULL. `NEUTRINO_NOT_FOUND` if
/// absent.
///
/// # Safety
/// `t` a live handle; `key` `key_len` readable bytes; `value` NULL or a writable `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_remove(
    t: *mut neutrino_table,
    key: *const u8,
    key_len: usize,
    value: *mut u64,
) -> neutrino_status {
    ffi_guard! {
        if !value.is_null() {
            args::check_ptr(value)?;
        }
        // SAFETY: forwarded contract.
        let (h, k) = unsafe { handle(t, key, key_len) }?;
        let v = dispatch!(&mut h.inner, |tb, N| tb.remove(&padded::<N>(k))).ok_or(NEUTRINO_NOT_FOUND)?;
        if !value.is_null() {
            // SAFETY: checked non-NULL and aligned; writable per contract.
            unsafe { value.write(v) };
        }
        Ok(())
    }
}

/// Looks up `n` (at most 64) keys stored back to back in `keys` (`n * key_len` bytes) with
/// the prefetching burst: `values[i]` gets the value of key `i` when bit `i` of `*hit_mask`
/// is set (and is left unchanged otherwise).
///
/// # Safety
/// `t` a live handle; `keys` `n * key_len` readable bytes; `values` `n` writable `uint64_t`;
/// `hit_mask` a writable `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_lookup_burst(
    t: *mut neutrino_table,
    keys: *const u8,
    n: usize,
    values: *mut u64,
    hit_mask: *mut u64,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(t)?;
        args::check_ptr(hit_mask)?;
        if n > BURST_MAX {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        // SAFETY: `t` is a live handle (contract).
        let h = unsafe { &mut *t };
        let bytes = n.checked_mul(h.key_len).ok_or(NEUTRINO_INVALID_ARGUMENT)?;
        // SAFETY: forwarded contract.
        let kb = unsafe { args::slice_from(keys, bytes) }?;
        args::check_array(values, n)?;
        let mut out = [None; BURST_MAX];
        let key_len = h.key_len;
        let mask = dispatch!(&h.inner, |tb, N| {
            let mut ks = [[0u8; N]; BURST_MAX];
            for (dst, src) in ks.iter_mut().zip(kb.chunks_exact(key_len.max(1))) {
                *dst = padded::<N>(src);
            }
            tb.get_burst(&ks[..n], &mut out[..n])?
        });
        for (i, v) in out.iter().take(n).enumerate() {
            if let Some(v) = v {
                // SAFETY: `values` holds `n` writable, aligned `uint64_t` (checked, contract).
                unsafe { values.add(i).write(*v) };
            }
        }
        // SAFETY: `hit_mask` non-NULL, aligned, writable.
        unsafe { hit_mask.write(mask) };
        Ok(())
    }
}

/// The number of entries held.
///
/// # Safety
/// `t` a live handle; `out` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_table_len(
    t: *const neutrino_table,
    out: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(t)?;
        args::check_ptr(out)?;
        // SAFETY: `t` is a live handle (contract).
        let h = unsafe { &*t };
        let n = dispatch!(&h.inner, |tb, N| {
            let _ = N;
            tb.len()
        });
        // SAFETY: `out` non-NULL, aligned, writable.
        unsafe { out.write(n) };
        Ok(())
    }
}
