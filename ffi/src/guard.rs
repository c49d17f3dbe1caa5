//! The panic boundary. Every export body runs inside [`guard`] (usually through
//! [`ffi_guard!`](crate::ffi_guard)) so that a panic — always a neutrino bug — becomes
//! [`neutrino_status::NEUTRINO_PANIC`] instead of unwinding into C, which would abort the host
//! process (or, before Rust 1.81, be undefined behaviour).
//!
//! This only works with `panic = "unwind"`; the crate refuses to build with `panic = "abort"`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::neutrino_status;

/// Runs `f`, mapping `Ok(())` to `NEUTRINO_OK`, `Err(status)` to `status` and a panic to
/// `NEUTRINO_PANIC`.
///
/// The closure is asserted unwind-safe: after a panic the call returns `NEUTRINO_PANIC` and the
/// caller must treat every output of that call as unspecified.
pub fn guard<F>(f: F) -> neutrino_status
where
    F: FnOnce() -> Result<(), neutrino_status>,
{
    guard_value(neutrino_status::NEUTRINO_PANIC, || match f() {
        Ok(()) => neutrino_status::NEUTRINO_OK,
        Err(status) => status,
    })
}

/// Runs `f` and returns its value, or `on_panic` if it panicked. For the few exports that
/// return something other than a status (a static string, a version number).
pub fn guard_value<T, F>(on_panic: T, f: F) -> T
where
    F: FnOnce() -> T,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            // Dropping the payload runs arbitrary Drop code, which could itself panic; keep
            // that second unwind inside the boundary too, and leak its payload.
            if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(again);
            }
            on_panic
        }
    }
}

/// Wraps an export body: `ffi_guard! { ...; Ok(()) }` evaluates to a
/// [`neutrino_status`]. Inside, `?` works on any `Result<_, neutrino_status>`.
#[macro_export]
macro_rules! ffi_guard {
    ($($body:tt)*) => {
        $crate::guard::guard(move || -> ::core::result::Result<(), $crate::status::neutrino_status> {
            $($body)*
        })
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use neutrino_status::*;

    /// Silences the default hook's message for the deliberate panics below.
    fn quietly<T>(f: impl FnOnce() -> T) -> T {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let v = f();
        std::panic::set_hook(prev);
        v
    }

    #[test]
    fn panicking_closure_returns_panic_status() {
        let s = quietly(|| guard(|| panic!("boom")));
        assert_eq!(s, NEUTRINO_PANIC);
        // An index panic, the kind the core must never have, is caught the same way.
        let v: Vec<u8> = Vec::new();
        let s = quietly(|| {
            guard(|| {
                let _ = v[usize::from(v.is_empty())];
                Ok(())
            })
        });
        assert_eq!(s, NEUTRINO_PANIC);
    }

    #[test]
    fn statuses_pass_through() {
        assert_eq!(guard(|| Ok(())), NEUTRINO_OK);
        assert_eq!(guard(|| Err(NEUTRINO_TRUNCATED)), NEUTRINO_TRUNCATED);
        let s = ffi_guard! {
            let r: Result<u8, neutrino_status> = Err(NEUTRINO_NULL_POINTER);
            r?;
            Ok(())
        };
        assert_eq!(s, NEUTRINO_NULL_POINTER);
    }

    #[test]
    fn guard_value_returns_default_on_panic() {
        assert_eq!(guard_value(7u32, || 3), 3);
        assert_eq!(quietly(|| guard_value(7u32, || panic!("x"))), 7);
    }

    #[test]
    fn payload_whose_drop_panics_is_contained() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("drop");
            }
        }
        let s = quietly(|| guard(|| std::panic::panic_any(Bomb)));
        assert_eq!(s, NEUTRINO_PANIC);
    }
}
