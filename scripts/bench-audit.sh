#!/usr/bin/env bash
# Benchmarks `aizone audit` over a synthetic Resource Graph export of
# AIZONE_AUDIT_N resources (default 1,000,000) plus 20 subscriptions rows
# placing them under corp (1,000,020 rows), with the ALZ library and the
# built-in policies from ../shared/corpora, against the floor: the same
# export decoded into maps by encoding/json on every core. It prints, for
# each, wall and process (user+system) time and peak RSS, then the
# audit's ratio to the floor. scripts/bench-peers.sh calls it.
#
# Not part of CI: it takes minutes and about 400 MB of disk. The export
# is kept in AIZONE_BENCH_DIR (default /tmp/aizone-bench) between runs;
# AIZONE_AUDIT_FILE audits another export instead.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${AIZONE_AUDIT_N:-1000000}"
dir="${AIZONE_BENCH_DIR:-/tmp/aizone-bench}"
shared="${AIZONE_SHARED:-../shared}"
mkdir -p "$dir"

echo "== building aizone and auditbench" >&2
go build -o "$dir/aizone" ./cmd/aizone
go build -o "$dir/auditbench" ./scripts/auditbench

# AIZONE_AUDIT_KIND=varied audits resources far less alike
# (compliance.GenerateVariedEstate, with 200 subscriptions rows).
kind="${AIZONE_AUDIT_KIND:-alike}"
case "$kind" in
  alike) export_file="${AIZONE_AUDIT_FILE:-$dir/estate-$((n + 20)).json}"; gen=gen ;;
  varied) export_file="${AIZONE_AUDIT_FILE:-$dir/varied-$((n + 200)).json}"; gen=gen-varied ;;
  *) echo "AIZONE_AUDIT_KIND=$kind: want alike or varied" >&2; exit 2 ;;
esac
if [[ ! -f "$export_file" ]]; then
  echo "== generating $export_file" >&2
  "$dir/auditbench" "$gen" "$n" "$export_file.tmp"
  mv "$export_file.tmp" "$export_file"
fi

# measure NAME CMD...: runs CMD under /usr/bin/time -v; sets wall_NAME,
# cpu_NAME (user+system seconds) and rss_NAME (MB).
measure() {
  local name=$1
  shift
  local log="$dir/time-$name.log"
  /usr/bin/time -v "$@" >"$dir/out-$name.txt" 2>"$log" || {
    local rc=$?
    # aizone audit exits 1 when an enforced deny applies: a result, not a failure.
    if [[ $name != audit || $rc -ne 1 ]]; then
      cat "$log" >&2
      return "$rc"
    fi
  }
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  user=$(awk -F': ' '/User time/ {print $2}' "$log")
  sys=$(awk -F': ' '/System time/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  printf -v "wall_$name" '%s' "$wall"
  printf -v "cpu_$name" '%s' "$(echo "$user + $sys" | bc)"
  printf -v "rss_$name" '%s' "$rss"
}

echo "== aizone audit $(basename "$export_file")" >&2
measure audit "$dir/aizone" audit --resources "$export_file" \
  --library "$shared/corpora/alz-library/alz" --builtins "$shared/corpora/azure-policy" \
  --aliases "$shared/reference/policy-aliases/policy-aliases.csv.gz" --management-group landingzones
head -1 "$dir/out-audit.txt" >&2
echo "== encoding/json decode floor" >&2
measure floor "$dir/auditbench" floor "$export_file"
cat "$dir/out-floor.txt" >&2

cpus=$(nproc)
model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "machine: $cpus cores ($model), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %9s %9s %9s\n' "" "wall s" "cpu s" "peak MB"
printf '%-22s %9s %9s %9s\n' "aizone audit" "$wall_audit" "$cpu_audit" "$rss_audit"
printf '%-22s %9s %9s %9s\n' "encoding/json floor" "$wall_floor" "$cpu_floor" "$rss_floor"
printf 'audit / floor: %.2fx wall, %.2fx cpu (target: within 2.5x); audit peak RSS %s MB (target: under 400)\n' \
  "$(echo "$wall_audit / $wall_floor" | bc -l)" "$(echo "$cpu_audit / $cpu_floor" | bc -l)" "$rss_audit"
