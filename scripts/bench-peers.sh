#!/usr/bin/env bash
# Measures aizone's two estate-wide commands against their peers, one run
# each on this machine, and prints the ratios with the machine they were
# measured on:
#   - storage simulate against DuckDB's scan of the same Parquet columns and
#     DuckDB's SQL answer to the same question (scripts/bench-duckdb.sh,
#     which also checks that the answers agree at every day);
#   - audit against a parallel JSON decode of the same export
#     (scripts/bench-audit.sh, when the repository has it).
# Environment: AIZONE_BENCH_ROWS (default 10,000,000) and AIZONE_BENCH_DIR
# (default /tmp/aizone-bench) as bench-duckdb.sh reads them. Not part of
# CI: it takes minutes and gigabytes of disk.
set -euo pipefail
cd "$(dirname "$0")/.."

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo

echo "## storage simulate"
status=0
bash scripts/bench-duckdb.sh || status=$?
echo

echo "## audit"
if [[ -f scripts/bench-audit.sh ]]; then
  bash scripts/bench-audit.sh || status=$?
else
  echo "scripts/bench-audit.sh is not in the repository yet: no audit figures"
fi
exit "$status"
