#!/usr/bin/env bash
# Benchmarks `aizone storage simulate` over a synthetic inventory of
# AIZONE_BENCH_ROWS rows (default 10,000,000), CSV and Parquet, and asks
# DuckDB (npm @duckdb/node-api) the same question over the same Parquet
# file: bytes in each tier on day N and the total cost of 365 days under the
# benchmark policy. It prints wall time, blobs/s and peak RSS for aizone,
# DuckDB's time, their ratio, and whether the two answers agree.
#
# Not part of CI: it takes minutes and gigabytes of disk. Inventories are
# kept in AIZONE_BENCH_DIR (default /tmp/aizone-bench) between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${AIZONE_BENCH_ROWS:-10000000}"
dir="${AIZONE_BENCH_DIR:-/tmp/aizone-bench}"
start=2026-01-01
days=365
day_n=$((days - 1))
mkdir -p "$dir"

echo "== building aizone" >&2
go build -o "$dir/aizone" ./cmd/aizone

echo "== installing DuckDB for node into .tools/duckdb" >&2
if [[ ! -d .tools/duckdb/node_modules/@duckdb/node-api ]]; then
  mkdir -p .tools/duckdb
  [[ -f .tools/duckdb/package.json ]] || echo '{"name":"aizone-tools-duckdb","private":true,"type":"module"}' >.tools/duckdb/package.json
  npm install --prefix .tools/duckdb --no-audit --no-fund --loglevel=error @duckdb/node-api@1.5.6-r.1 >&2
fi
cp scripts/bench-duckdb.mjs .tools/duckdb/bench-duckdb.mjs

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

declare -A wall
for format in csv parquet; do
  f="$dir/inventory-$rows.$format"
  echo "== aizone storage simulate ($format)" >&2
  /usr/bin/time -f "%e %M" -o "$dir/time-$format" \
    "$dir/aizone" storage simulate --inventory "$f" --policy "$dir/policy.json" --start "$start" --days "$days" --format json >"$dir/result-$format.json"
  read -r secs rss <"$dir/time-$format"
  wall[$format]=$secs
  echo "aizone $format: ${secs} s, $(awk -v n="$rows" -v s="$secs" 'BEGIN{printf "%.0f", n/s}') blobs/s, peak RSS $((rss / 1024)) MB"
done

prices=$("$dir/aizone" catalog storage --format json | node -e '
  const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const out = {};
  for (const t of c.blob_tiers) out[t.name] = [t.usd_per_gb_month, t.write_usd_per_10k, t.minimum_days];
  console.log(JSON.stringify(out));')

echo "== DuckDB over the same Parquet file" >&2
duck=$(node .tools/duckdb/bench-duckdb.mjs "$dir/inventory-$rows.parquet" "$start" "$days" "$day_n" "$prices")

node -e '
  const [duckJSON, resultPath, dayN, aizoneSecs] = process.argv.slice(1);
  const duck = JSON.parse(duckJSON);
  const a = JSON.parse(require("fs").readFileSync(resultPath, "utf8"));
  const names = {1: "hot", 2: "cool", 3: "cold", 4: "archive"};
  const byTier = {hot: 0, cool: 0, cold: 0, archive: 0};
  for (const x of duck.result.bytes_by_tier) byTier[names[x.tier]] = Number(x.bytes);
  const ours = a.by_day[Number(dayN)].bytes_by_tier;
  const sameBytes = ["hot", "cool", "cold", "archive"].every(t => byTier[t] === (ours[t] || 0));
  const sameCost = Math.abs(duck.result.total_usd - a.total_usd) < 0.01;
  console.log(`duckdb: ${duck.seconds.toFixed(2)} s; aizone parquet / duckdb = ${(Number(aizoneSecs) / duck.seconds).toFixed(2)}`);
  console.log(`day ${dayN} bytes by tier: ${sameBytes ? "agree" : "DIFFER"} ${JSON.stringify(byTier)}`);
  console.log(`total cost: ${sameCost ? "agree" : "DIFFER"} aizone ${a.total_usd} duckdb ${duck.result.total_usd.toFixed(6)}`);
  if (!sameBytes || !sameCost) process.exit(1);
' "$duck" "$dir/result-parquet.json" "$day_n" "${wall[parquet]}"
