//! Checking what C hands in, before any reference is made from it.
//!
//! Rules (DESIGN.md "C ABI"): a NULL pointer is `NEUTRINO_NULL_POINTER`, except that NULL with a
//! zero length is a valid empty array; a misaligned pointer or a length whose byte size
//! overflows `isize` is `NEUTRINO_INVALID_ARGUMENT`; an mbuf-style range
//! `[data_off, data_off + data_len)` outside `[0, buf_len)` is `NEUTRINO_BAD_OFFSETS`.
//! Slices are built only after these checks. Outputs are checked up front and written with
//! raw `write` at the end, so no Rust reference ever aliases caller memory being written.

use core::slice;

use neutrino::BufError;

use crate::status::neutrino_status::{self, *};

/// Checks a pointer to one `T` (in or out): not NULL, aligned.
#[inline]
pub fn check_ptr<T>(ptr: *const T) -> Result<(), neutrino_status> {
    if ptr.is_null() {
        Err(NEUTRINO_NULL_POINTER)
    } else if !ptr.is_aligned() {
        Err(NEUTRINO_INVALID_ARGUMENT)
    } else {
        Ok(())
    }
}

/// Checks a pointer to `len` consecutive `T`s: NULL only when `len == 0`, aligned, and
/// `len * size_of::<T>()` within `isize::MAX`.
#[inline]
pub fn check_array<T>(ptr: *const T, len: usize) -> Result<(), neutrino_status> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(())
        } else {
            Err(NEUTRINO_NULL_POINTER)
        };
    }
    let fits = len
        .checked_mul(size_of::<T>())
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !ptr.is_aligned() || !fits {
        return Err(NEUTRINO_INVALID_ARGUMENT);
    }
    Ok(())
}

/// Borrows `len` `T`s at `ptr` after [`check_array`]; NULL with `len == 0` is `&[]`.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` initialised `T`s that stay valid and are not
/// written (by anyone) for `'a`.
#[inline]
pub unsafe fn slice_from<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], neutrino_status> {
    check_array(ptr, len)?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: `ptr` is non-NULL and aligned and the byte size fits `isize` (checked above);
    // validity and immutability for `'a` are the caller's contract.
    Ok(unsafe { slice::from_raw_parts(ptr, len) })
}

/// The packet `buf[data_off .. data_off + data_len]` of an mbuf-style buffer, after checking
/// the pointer and that the range lies inside `buf_len`. Only the packet range is borrowed.
///
/// # Safety
/// When `buf` is not NULL, `buf_len` bytes at `buf` must be readable and not written for `'a`.
#[inline]
pub unsafe fn packet<'a>(
    buf: *const u8,
    buf_len: usize,
    data_off: u16,
    data_len: u16,
) -> Result<&'a [u8], neutrino_status> {
    check_array(buf, buf_len)?;
    let (off, len) = (usize::from(data_off), usize::from(data_len));
    // Cannot overflow: both are at most u16::MAX.
    if off + len > buf_len {
        return Err(BufError::BadOffsets {
            head: off,
            len,
            capacity: buf_len,
        }
        .into());
    }
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: `buf` is non-NULL (a NULL `buf` has `buf_len == 0`, so `len == 0` returned above)
    // and `off + len <= buf_len`, so `buf + off` and the `len` bytes after it are inside the
    // caller's `buf_len` bytes.
    unsafe { slice_from(buf.add(off), len) }
}

/// Reads a `T` the caller passed by pointer, or `default` when the pointer is NULL.
///
/// # Safety
/// When `ptr` is not NULL it must point to an initialised `T`. `T` must be valid for every bit
/// pattern (a struct of integers), since C may put anything there.
#[inline]
pub unsafe fn read_or<T: Copy>(ptr: *const T, default: T) -> Result<T, neutrino_status> {
    if ptr.is_null() {
        return Ok(default);
    }
    check_ptr(ptr)?;
    // SAFETY: non-NULL and aligned (checked), initialised (caller's contract).
    Ok(unsafe { ptr.read() })
}

/// Bytes [`place`] needs for a handle `H` followed by a `region`-byte memory region: the
/// handle, its worst-case alignment padding and the region. `NEUTRINO_BAD_CAPACITY` on
/// overflow.
pub(crate) fn placed_size<H>(region: usize) -> Result<usize, neutrino_status> {
    region
        .checked_add(size_of::<H>() + align_of::<H>())
        .ok_or(NEUTRINO_BAD_CAPACITY)
}

/// Splits the caller's memory `mem` of `mem_len` bytes into an aligned slot for a handle `H`
/// and, after it, a zeroed region of the rest (at least `region` bytes), for handles built in
/// caller memory (`neutrino_*_init`). Checks NULL, size (`NEUTRINO_MEM_TOO_SMALL`) and
/// overflow before touching anything; on success the region's bytes are initialised (zero)
/// and the handle slot is not (the caller writes it).
///
/// # Safety
/// `mem` must be NULL or point to `mem_len` writable bytes that nothing else reads or writes
/// while the returned region and handle are in use; the `'static` lifetime is that contract's.
pub(crate) unsafe fn place<H>(
    mem: *mut u8,
    mem_len: usize,
    region: usize,
) -> Result<(*mut H, &'static mut [u8]), neutrino_status> {
    if mem.is_null() {
        return Err(NEUTRINO_NULL_POINTER);
    }
    check_array(mem, mem_len)?;
    let pad = mem.align_offset(align_of::<H>());
    let head = pad
        .checked_add(size_of::<H>())
        .ok_or(NEUTRINO_MEM_TOO_SMALL)?;
    let need = region.checked_add(head).ok_or(NEUTRINO_BAD_CAPACITY)?;
    if mem_len < need {
        return Err(NEUTRINO_MEM_TOO_SMALL);
    }
    // SAFETY: `head <= need <= mem_len`, so the handle slot `[pad, head)` and the region
    // `[head, mem_len)` are inside the caller's `mem_len` writable bytes (contract) and do not
    // overlap; the region is zeroed before a `&mut [u8]` is formed over it, so every byte is
    // initialised; `mem + pad` is aligned for `H` (`align_offset`).
    unsafe {
        let r = mem.add(head);
        core::ptr::write_bytes(r, 0, mem_len - head);
        Ok((
            mem.add(pad).cast::<H>(),
            slice::from_raw_parts_mut(r, mem_len - head),
        ))
    }
}

/// Boxes `v` into the out-pointer `out` (a handle made by `neutrino_*_new`).
///
/// # Safety
/// `out` is NULL or writable for one pointer.
pub(crate) unsafe fn put_box<T>(out: *mut *mut T, v: T) -> Result<(), neutrino_status> {
    check_ptr(out)?;
    // SAFETY: non-NULL, aligned (checked), writable (contract).
    unsafe { out.write(Box::into_raw(Box::new(v))) };
    Ok(())
}

/// Frees a handle from [`put_box`] (NULL is fine).
///
/// # Safety
/// `p` is NULL or a handle from [`put_box`] not used afterwards.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: from `Box::into_raw` in `put_box`, freed once (contract).
        unsafe { release(p, Origin::Boxed) };
    }
}

/// Where a handle's memory came from, so that its `_free` releases exactly that.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// `Box`ed by `neutrino_*_new`; the structure owns whatever else it uses.
    Boxed,
    /// `Box`ed by `neutrino_*_new` over a [`HeapBlock`] the structure borrows.
    BoxedOver(HeapBlock),
    /// Written in caller memory by `neutrino_*_init` ([`place`]); the memory stays the caller's.
    Placed,
}

/// A zeroed heap block lent to a core structure as `&'static mut [u8]` (the structure is
/// generic over caller memory; a heap handle gives it library memory the same way). Freed by
/// [`release`] after the structure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeapBlock {
    ptr: *mut u8,
    len: usize,
}

/// Builds a structure with `build` over a fresh zeroed heap block of `len` bytes; when `build`
/// fails, the block is freed again.
pub(crate) fn over_heap<T, E>(
    len: usize,
    build: impl FnOnce(&'static mut [u8]) -> Result<T, E>,
) -> Result<(T, HeapBlock), E> {
    let mem: &'static mut [u8] = Box::leak(vec![0u8; len].into_boxed_slice());
    let block = HeapBlock {
        ptr: mem.as_mut_ptr(),
        len: mem.len(),
    };
    match build(mem) {
        Ok(t) => Ok((t, block)),
        Err(e) => {
            // SAFETY: the block was leaked from a `Box<[u8]>` of `len` bytes just above; the
            // failed `build` has returned, and a core constructor's error holds no borrow of
            // the memory, so nothing refers to it any more.
            drop(unsafe {
                Box::from_raw(core::ptr::slice_from_raw_parts_mut(block.ptr, block.len))
            });
            Err(e)
        }
    }
}

/// Ends the handle `h` made as `origin` says: a `Box`ed handle is dropped and freed (then its
/// heap block, which it no longer borrows), a placed one is dropped in place.
///
/// # Safety
/// `h` is a live, aligned handle made as `origin` says and not used afterwards; for
/// `BoxedOver(b)`, `b` came from [`over_heap`] and only this handle's structure borrows it.
pub(crate) unsafe fn release<H>(h: *mut H, origin: Origin) {
    match origin {
        // SAFETY: from `Box::into_raw` (contract).
        Origin::Boxed => drop(unsafe { Box::from_raw(h) }),
        // SAFETY: from `Box::into_raw` (contract); once the handle is dropped nothing borrows
        // the block, leaked from a `Box<[u8]>` of `b.len` bytes at `b.ptr` by `over_heap`.
        Origin::BoxedOver(b) => unsafe {
            drop(Box::from_raw(h));
            drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(
                b.ptr, b.len,
            )));
        },
        // SAFETY: a live handle written in caller memory (contract); only its drop runs.
        Origin::Placed => unsafe { core::ptr::drop_in_place(h) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A structure built over a heap block sees it zeroed and whole; a failed build frees it;
    /// `release` ends each kind of handle (run under the C tests' LeakSanitizer too, through
    /// the FDB and responder handles).
    #[test]
    fn heap_blocks_and_release() {
        let (seen, block) = over_heap(1000, |m| -> Result<(usize, bool), ()> {
            Ok((m.len(), m.iter().all(|b| *b == 0)))
        })
        .unwrap();
        assert_eq!(seen, (1000, true));
        let failed = over_heap(64, |m| -> Result<(), usize> { Err(m.len()) });
        assert_eq!(failed.err(), Some(64));
        let boxed = Box::into_raw(Box::new(vec![1u8, 2, 3]));
        let over = Box::into_raw(Box::new(7u32));
        let mut slot = core::mem::MaybeUninit::new(vec![4u8]);
        // SAFETY: each handle is live, made as its origin says, and not used afterwards;
        // `block` came from `over_heap` and nothing borrows it any more.
        unsafe {
            release(boxed, Origin::Boxed);
            release(over, Origin::BoxedOver(block));
            release(slot.as_mut_ptr(), Origin::Placed);
        }
    }

    #[test]
    fn null_with_zero_length_is_empty() {
        // SAFETY: NULL pointers are never dereferenced.
        unsafe {
            assert_eq!(slice_from::<u8>(core::ptr::null(), 0), Ok(&[][..]));
            assert_eq!(packet(core::ptr::null(), 0, 0, 0), Ok(&[][..]));
        }
        assert_eq!(check_array::<u32>(core::ptr::null(), 0), Ok(()));
    }

    #[test]
    fn null_with_length_is_null_pointer() {
        // SAFETY: NULL pointers are never dereferenced.
        unsafe {
            assert_eq!(
                slice_from::<u8>(core::ptr::null(), 1),
                Err(NEUTRINO_NULL_POINTER)
            );
            assert_eq!(
                packet(core::ptr::null(), 64, 0, 0),
                Err(NEUTRINO_NULL_POINTER)
            );
        }
        assert_eq!(
            check_ptr::<u32>(core::ptr::null()),
            Err(NEUTRINO_NULL_POINTER)
        );
    }

    #[test]
    fn misaligned_and_oversized_are_invalid() {
        let words = [0u32; 4];
        let odd = words.as_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        assert_eq!(check_ptr(odd), Err(NEUTRINO_INVALID_ARGUMENT));
        assert_eq!(check_array(odd, 1), Err(NEUTRINO_INVALID_ARGUMENT));
        assert_eq!(
            check_array(words.as_ptr(), usize::MAX / 2),
            Err(NEUTRINO_INVALID_ARGUMENT)
        );
        assert_eq!(check_array(words.as_ptr(), 4), Ok(()));
    }

    #[test]
    fn slices_are_built_after_the_checks() {
        let buf = [1u8, 2, 3, 4, 5, 6];
        // SAFETY: `buf` is a live local array of 6 bytes.
        unsafe {
            assert_eq!(slice_from(buf.as_ptr(), 6), Ok(&buf[..]));
            assert_eq!(packet(buf.as_ptr(), 6, 2, 3), Ok(&buf[2..5]));
            assert_eq!(packet(buf.as_ptr(), 6, 6, 0), Ok(&[][..]));
            assert_eq!(packet(buf.as_ptr(), 6, 0, 6), Ok(&buf[..]));
        }
    }

    #[test]
    fn ranges_outside_the_buffer_are_bad_offsets() {
        let buf = [0u8; 6];
        // SAFETY: `buf` is a live local array of 6 bytes; no slice is built for a bad range.
        unsafe {
            assert_eq!(packet(buf.as_ptr(), 6, 4, 3), Err(NEUTRINO_BAD_OFFSETS));
            assert_eq!(packet(buf.as_ptr(), 6, 7, 0), Err(NEUTRINO_BAD_OFFSETS));
            assert_eq!(
                packet(buf.as_ptr(), 6, u16::MAX, u16::MAX),
                Err(NEUTRINO_BAD_OFFSETS)
            );
            // `buf_len` larger than the array is the caller's promise; a range inside it that
            // exceeds `buf_len` is still refused before anything is read.
            assert_eq!(packet(buf.as_ptr(), 0, 0, 1), Err(NEUTRINO_BAD_OFFSETS));
        }
    }

    #[test]
    fn read_or_defaults_on_null() {
        let x = 5u32;
        // SAFETY: `&x` is a live, aligned u32; NULL is never dereferenced.
        unsafe {
            assert_eq!(read_or(core::ptr::null(), 9u32), Ok(9));
            assert_eq!(read_or(&x, 9u32), Ok(5));
        }
        let words = [0u32; 2];
        let odd = words.as_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        // SAFETY: misaligned pointers are refused before any read.
        assert_eq!(unsafe { read_or(odd, 0) }, Err(NEUTRINO_INVALID_ARGUMENT));
    }

    /// `place` over every misalignment: the handle slot is aligned and before the region, the
    /// region is zeroed and inside the memory, and short or NULL memory is refused.
    #[test]
    fn place_splits_aligned_and_zeroed() {
        type H = [u64; 3];
        let need = placed_size::<H>(100).unwrap();
        let mut raw = vec![0xa5u8; need + 16];
        for shift in 0..8 {
            let base = raw[shift..].as_mut_ptr();
            // SAFETY: `need` bytes from `base` are inside `raw`, used by nothing else here.
            let (h, region) = unsafe { place::<H>(base, need, 100) }.unwrap();
            assert!(h.is_aligned());
            let (h, r) = (h as usize, region.as_ptr() as usize);
            assert!(h >= base as usize && h + size_of::<H>() <= r);
            assert!(region.len() >= 100 && r + region.len() == base as usize + need);
            assert!(region.iter().all(|&b| b == 0));
            // SAFETY: as above.
            let short = unsafe { place::<H>(base, 100, 100) };
            assert_eq!(short.err(), Some(NEUTRINO_MEM_TOO_SMALL));
        }
        // SAFETY: NULL is checked before any use.
        let null = unsafe { place::<H>(core::ptr::null_mut(), need, 100) };
        assert_eq!(null.err(), Some(NEUTRINO_NULL_POINTER));
        assert_eq!(
            placed_size::<H>(usize::MAX).err(),
            Some(NEUTRINO_BAD_CAPACITY)
        );
    }
}
