//! How a test that needs an outside peer (tshark, scapy, a C compiler, namespaces, the BGP
//! data file) says it could not run: a `SKIPPED` line on stderr, or, when
//! `NEUTRINO_REQUIRE_PEERS=1` (set by `.ci/run`, which installs every peer), a failure, so that
//! CI can never pass with an oracle silently absent.
//!
//! Included with `#[path]` by each test crate that has something to skip.

/// Reports that a test part did not run because `why`.
#[allow(dead_code)]
pub fn skip(why: &str) {
    if std::env::var_os("NEUTRINO_REQUIRE_PEERS").is_some_and(|v| v == "1") {
        panic!("NEUTRINO_REQUIRE_PEERS=1 but this test could not run: {why}");
    }
    std::eprintln!("SKIPPED: {why}");
}
