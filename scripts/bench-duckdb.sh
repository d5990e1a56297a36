#!/usr/bin/env bash
# The simulator's peer benchmark. Over a synthetic inventory of
# AIZONE_BENCH_ROWS rows (default 10,000,000; kept in AIZONE_BENCH_DIR,
# default /tmp/aizone-bench, between runs), in CSV and Parquet:
#   - aizone storage simulate (365 days, the benchmark policy of
#     simulation/bench_test.go), wall and CPU time and peak RSS;
#   - DuckDB (npm @duckdb/node-api) scanning the Parquet columns the
#     simulation reads: the floor for reading those columns;
#   - DuckDB answering the same question in SQL (scripts/bench-duckdb.mjs),
#     checked against aizone's answer at every day (bytes in each tier and
#     cost) and in every total; a difference fails the script.
# Then the ratios. Each is one run, every process timed whole by
# /usr/bin/time (node's start included), on the same machine.
#
#   scripts/bench-duckdb.sh           the benchmark
#   scripts/bench-duckdb.sh install   only install DuckDB into .tools/duckdb
#
# Not part of CI: it takes minutes and about 2 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."

install_duckdb() {
  if [[ ! -d .tools/duckdb/node_modules/@duckdb/node-api ]]; then
    echo "== installing DuckDB for node into .tools/duckdb" >&2
    mkdir -p .tools/duckdb
    [[ -f .tools/duckdb/package.json ]] || echo '{"name":"aizone-tools-duckdb","private":true,"type":"module"}' >.tools/duckdb/package.json
    npm install --prefix .tools/duckdb --no-audit --no-fund --loglevel=error @duckdb/node-api@1.5.6-r.1 >&2
  fi
  cp scripts/bench-duckdb.mjs .tools/duckdb/bench-duckdb.mjs
}
install_duckdb
[[ "${1:-}" == install ]] && exit 0

rows="${AIZONE_BENCH_ROWS:-10000000}"
dir="${AIZONE_BENCH_DIR:-/tmp/aizone-bench}"
start=2026-01-01
days=365
# The columns the benchmark policy makes the simulator read
# (inventory.Projection; TestBenchColumns keeps this line in step).
columns="Name,Creation-Time,Last-Modified,AccessTierChangeTime,Content-Length,BlobType,AccessTier,Snapshot,VersionId,IsCurrentVersion,Deleted"
mkdir -p "$dir"

echo "== building aizone" >&2
go build -o "$dir/aizone" ./cmd/aizone

for format in csv parquet; do
  f="$dir/inventory-$rows.$format"
  if [[ ! -f "$f" ]]; then
    echo "== generating $f" >&2
    "$dir/aizone" storage inventory-gen --blobs "$rows" --out "$f.tmp" --format "$format" --seed 1 --as-of "$start"
    mv "$f.tmp" "$f"
  fi
done

# The policy of simulation/bench_test.go (benchPolicy).
cat >"$dir/policy.json" <<'EOF'
{"rules": [{"name": "tiering", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
  "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "tierToCold": {"daysAfterModificationGreaterThan": 90},
  "tierToArchive": {"daysAfterModificationGreaterThan": 180}, "delete": {"daysAfterModificationGreaterThan": 730}},
  "version": {"delete": {"daysAfterCreationGreaterThan": 90}}, "snapshot": {"delete": {"daysAfterCreationGreaterThan": 90}}}}}]}
EOF

# timed NAME CMD...: runs CMD with its stdout in $dir/NAME.out and records
# "wall user sys maxrss_kb" in $dir/NAME.time.
timed() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/$name.time" "$@" >"$dir/$name.out"
}

for format in parquet csv; do
  echo "== aizone storage simulate ($format)" >&2
  timed "aizone-$format" "$dir/aizone" storage simulate --inventory "$dir/inventory-$rows.$format" --policy "$dir/policy.json" \
    --start "$start" --days "$days" --format json
done

prices=$("$dir/aizone" catalog storage --format json | node -e '
  const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const out = {};
  for (const t of c.blob_tiers) out[t.name] = [t.usd_per_gb_month, t.write_usd_per_10k, t.minimum_days];
  console.log(JSON.stringify(out));')

echo "== DuckDB: scan of the $(tr ',' '\n' <<<"$columns" | wc -l) columns" >&2
timed duckdb-scan node .tools/duckdb/bench-duckdb.mjs scan "$dir/inventory-$rows.parquet" "$columns"
echo "== DuckDB: the same question in SQL, compared with aizone's answer" >&2
status=0
timed duckdb-answer node .tools/duckdb/bench-duckdb.mjs answer "$dir/inventory-$rows.parquet" "$start" "$days" "$prices" "$dir/aizone-parquet.out" || status=$?

node -e '
  const fs = require("fs");
  const [dir, rows] = process.argv.slice(1);
  const t = (n) => { const [wall, user, sys, kb] = fs.readFileSync(`${dir}/${n}.time`, "utf8").trim().split(/\s+/).map(Number); return { wall, cpu: user + sys, mb: kb / 1024 }; };
  const line = (label, x) => console.log(`${label.padEnd(34)} ${x.wall.toFixed(2).padStart(7)} s wall ${x.cpu.toFixed(2).padStart(7)} s CPU ${x.mb.toFixed(0).padStart(6)} MB`);
  const pq = t("aizone-parquet"), csv = t("aizone-csv"), scan = t("duckdb-scan"), sql = t("duckdb-answer");
  line(`aizone simulate, Parquet`, pq);
  line(`aizone simulate, CSV`, csv);
  line(`DuckDB scan of the columns`, scan);
  line(`DuckDB answer in SQL`, sql);
  const ans = JSON.parse(fs.readFileSync(`${dir}/duckdb-answer.out`, "utf8"));
  const r = (a, b) => `${(a.wall / b.wall).toFixed(2)}x wall, ${(a.cpu / b.cpu).toFixed(2)}x CPU`;
  console.log(`Parquet simulate / DuckDB scan:    ${r(pq, scan)}   (target: within 1.5x)`);
  console.log(`CSV simulate / Parquet simulate:   ${r(csv, pq)}   (target: within 2x)`);
  console.log(`Parquet simulate / DuckDB answer:  ${r(pq, sql)}`);
  console.log(`aizone Parquet: ${(Number(rows) / pq.wall / 1e6).toFixed(2)} M blobs/s`);
  const c = ans.compare;
  console.log(c.equal ? `DuckDB answer agrees with aizone on all ${c.days} days and every total`
    : `DuckDB answer DIFFERS from aizone (${c.count} differences):\n  ${c.differences.join("\n  ")}`);
' "$dir" "$rows"
exit "$status"
