#!/usr/bin/env bash
# Optional C bench: neutrino's routing C API against DPDK rte_fib / rte_fib6 on the real BGP
# table. Runs only when pkg-config finds libdpdk (Debian: apt-get install libdpdk-dev) and the
# table ../shared/data/bgp-rib.lpm.xz exists; otherwise prints SKIP and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
if ! pkg-config --exists libdpdk; then
  echo "SKIP: libdpdk not found by pkg-config"
  exit 0
fi
data=""
for d in ../shared/data ../../shared/data; do
  [ -f "$d/bgp-rib.lpm.xz" ] && data="$d/bgp-rib.lpm.xz" && break
done
if [ -z "$data" ]; then
  echo "SKIP: ../shared/data/bgp-rib.lpm.xz absent"
  exit 0
fi
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release -p neutrino-ffi
out="$target/release/c-bench"
mkdir -p "$out"
# Normalize the dump: host bits cleared (one entry has them), ids kept within 20 bits.
xz -dc "$data" | python3 -c '
import sys, ipaddress
for l in sys.stdin:
    p, a = l.split()
    print(ipaddress.ip_network(p, strict=False), int(a) & 0xFFFFF)
' > "$out/bgp.routes"
cc -O2 -std=gnu11 -Wall -Wextra -I "$root/include" benches/c/route_dpdk.c \
  $(pkg-config --cflags libdpdk) "$target/release/libneutrino_ffi.a" \
  $(pkg-config --libs libdpdk) -lpthread -ldl -lm -o "$out/route_dpdk"
"$out/route_dpdk" "$out/bgp.routes"
