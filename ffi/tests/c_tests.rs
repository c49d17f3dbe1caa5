//! Builds the C tests under `ffi/tests/c/` against the static and the shared library, as C11
//! (with AddressSanitizer and UBSan) and as C++17, runs them and asserts they exit 0.
//!
//! The libraries are the `staticlib`/`cdylib` outputs of this crate, found in this test's
//! profile directory by walking up from the test binary (so `CARGO_TARGET_DIR` and
//! `--release` are honoured); see [`libs`]. Without a C compiler (`cc`, `c++`) the tests print
//! a skip message and pass.
//!
//! Run: `cargo test -p neutrino-ffi --test c_tests -- --nocapture`.

#[path = "../../tests/common/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1"];
const CXX_FLAGS: &[&str] = &[
    "-x",
    "c++",
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
];
const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];
/// What a Rust staticlib needs from the system on Linux (std uses threads, dlsym, libm).
const SYS_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The profile directory (`target/debug`, `$CARGO_TARGET_DIR/release`, ...) this test runs
/// from: the test binary is `<profile>/deps/c_tests-<hash>`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test binary has a directory");
    deps.parent().expect("deps has a parent").to_path_buf()
}

struct Libs {
    dir: PathBuf,
    staticlib: PathBuf,
}

fn lib_names() -> (String, String) {
    let shared = format!(
        "{}neutrino_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    ("libneutrino_ffi.a".to_owned(), shared)
}

/// Locates the libraries. `cargo test` compiles the library unit with all its crate types
/// into `<profile>/deps/` (fresh for this run, but not copied up); `cargo build` puts them in
/// `<profile>/`. The first directory holding both wins; if neither does, the test runs
/// `cargo build -p neutrino-ffi` itself. (Building from inside every run would make cargo
/// recompile the library each time: `cargo build` and the test build are different units
/// that write the same unhashed `deps/libneutrino_ffi.a`.)
fn libs() -> &'static Libs {
    static LIBS: OnceLock<Libs> = OnceLock::new();
    LIBS.get_or_init(|| {
        let profile = profile_dir();
        let (a, so) = lib_names();
        let find = || {
            [profile.join("deps"), profile.clone()]
                .into_iter()
                .find(|d| d.join(&a).is_file() && d.join(&so).is_file())
        };
        let dir = find().unwrap_or_else(|| {
            eprintln!(
                "c_tests: no libneutrino_ffi in {}; running cargo build -p neutrino-ffi",
                profile.display()
            );
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args(["build", "-p", "neutrino-ffi", "--manifest-path"])
                .arg(crate_dir().join("Cargo.toml"));
            if let Some(target_dir) = profile.parent() {
                cmd.arg("--target-dir").arg(target_dir);
            }
            if profile.file_name().is_some_and(|p| p == "release") {
                cmd.arg("--release");
            }
            let status = cmd.status().expect("run cargo build");
            assert!(status.success(), "cargo build -p neutrino-ffi failed");
            find().expect("libneutrino_ffi.a/.so not found after cargo build")
        });
        Libs {
            staticlib: dir.join(&a),
            dir,
        }
    })
}

/// True when `compiler` runs; otherwise prints why the test is skipped.
fn have(compiler: &str) -> bool {
    let ok = Command::new(compiler)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip::skip(&format!(
            "no working `{compiler}` on PATH; the C tests were not built or run"
        ));
    }
    ok
}

/// True when `compiler` can build and link a program with ASan+UBSan.
fn sanitizers_work(compiler: &str, out_dir: &Path) -> bool {
    static CACHE: OnceLock<bool> = OnceLock::new();
    *CACHE.get_or_init(|| {
        let src = out_dir.join("probe.c");
        std::fs::write(&src, "int main(void) { return 0; }\n").unwrap();
        let ok = Command::new(compiler)
            .args(SANITIZE)
            .arg(&src)
            .arg("-o")
            .arg(out_dir.join("probe"))
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("NOTE: {compiler} cannot link -fsanitize=address,undefined here; building without sanitizers");
        }
        ok
    })
}

enum Link {
    Static,
    Shared,
}

/// Compiles `test` with `compiler` and `flags` against the library, runs it, asserts exit 0.
fn build_and_run(test: &str, compiler: &str, flags: &[&str], link: Link, tag: &str) {
    if !have(compiler) {
        return;
    }
    let libs = libs();
    let out_dir = profile_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let src = crate_dir().join("tests/c").join(format!("{test}.c"));
    let exe = out_dir.join(format!("{test}-{tag}"));
    let include = crate_dir().join("../include");

    let mut cmd = Command::new(compiler);
    cmd.args(flags);
    if sanitizers_work(compiler, &out_dir) {
        cmd.args(SANITIZE);
    }
    cmd.arg("-I")
        .arg(&include)
        .arg("-I")
        .arg(crate_dir().join("tests/c"))
        .arg(&src)
        // `-x c++` applies to every later input; the libraries are not C++ sources.
        .args(["-x", "none"]);
    match link {
        Link::Static => {
            cmd.arg(&libs.staticlib);
        }
        Link::Shared => {
            cmd.arg("-L")
                .arg(&libs.dir)
                .arg("-lneutrino_ffi")
                .arg(format!("-Wl,-rpath,{}", libs.dir.display()));
        }
    }
    cmd.args(SYS_LIBS).arg("-o").arg(&exe);
    let out = cmd.output().expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling {test} ({tag}) failed:\n{cmd:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let run = Command::new(&exe)
        // cargo puts target/<profile> on LD_LIBRARY_PATH, which outranks the rpath and could
        // load a stale uplifted libneutrino_ffi.so instead of the one linked here.
        .env_remove("LD_LIBRARY_PATH")
        // LeakSanitizer is kept on: it reports only unreachable blocks, and Rust's runtime
        // leaves none behind in these calls. abort_on_error makes a report fail the run.
        .env(
            "ASAN_OPTIONS",
            "abort_on_error=1:detect_stack_use_after_return=1",
        )
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .expect("run the C test");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "{test} ({tag}) failed with {}:\n{stdout}{stderr}",
        run.status
    );
    print!("{stdout}");
}

/// The C test programs under `ffi/tests/c/`.
const TESTS: &[&str] = &[
    "test_classify",
    "test_encap",
    "test_icmp",
    "test_ipam_dhcp",
    "test_route",
];

#[test]
fn c_static() {
    for t in TESTS {
        build_and_run(t, "cc", C_FLAGS, Link::Static, "c-static");
    }
}

#[test]
fn c_shared() {
    for t in TESTS {
        build_and_run(t, "cc", C_FLAGS, Link::Shared, "c-shared");
    }
}

#[test]
fn cxx_static() {
    for t in TESTS {
        build_and_run(t, "c++", CXX_FLAGS, Link::Static, "cxx-static");
    }
}

#[test]
fn l2_c_static() {
    build_and_run("test_l2", "cc", C_FLAGS, Link::Static, "c-static");
}

#[test]
fn l2_c_shared() {
    build_and_run("test_l2", "cc", C_FLAGS, Link::Shared, "c-shared");
}

#[test]
fn l2_cxx_static() {
    build_and_run("test_l2", "c++", CXX_FLAGS, Link::Static, "cxx-static");
}
