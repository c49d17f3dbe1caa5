//! C ABI for neutrino (in progress).
