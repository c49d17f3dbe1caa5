#!/usr/bin/env bash
# Optional bench: DPDK rte_hash vs neutrino's table (C API) on the same keys. Runs only when
# pkg-config finds libdpdk (Debian: apt-get install libdpdk-dev); otherwise says so and exits 0.
#   bash benches/c/run_rte_hash.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! pkg-config --exists libdpdk 2>/dev/null; then
  echo "SKIPPED: pkg-config does not find libdpdk; install libdpdk-dev to run the rte_hash bench"
  exit 0
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build -p neutrino-ffi --release
out="$target/release/rte_hash_bench"
cc -O2 -march=native -std=gnu11 -Wall -Wextra $(pkg-config --cflags libdpdk) -I include \
  benches/c/rte_hash.c "$target/release/libneutrino_ffi.a" \
  $(pkg-config --libs libdpdk) -lpthread -ldl -lm -o "$out"
"$out"
