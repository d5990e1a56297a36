// The DuckDB peer of `aizone storage simulate` (npm @duckdb/node-api), run
// by scripts/bench-duckdb.sh and scripts/bench-peers.sh. Two modes:
//
//   node bench-duckdb.mjs scan INVENTORY.parquet COLUMNS
//     DuckDB's plain scan of the named columns (comma separated): an
//     aggregate over every value of each, so that every value is decoded.
//     This is the floor a reader of those columns can reach.
//
//   node bench-duckdb.mjs answer INVENTORY.parquet START DAYS PRICES_JSON [AIZONE_RESULT.json]
//     The simulator's question in SQL for the benchmark policy
//     (simulation/bench_test.go benchPolicy: Cool, Cold, Archive at 30, 90,
//     180 days after the last write, delete at 730; versions and snapshots
//     deleted 90 days after they were made): each blob's tier changes and
//     deletion worked out from its times (the closed form the simulator
//     uses), then per-day deltas summed by day and tier. Sums are integers
//     in SQL; the per-day costs are then computed here from them with the
//     simulator's formula in the simulator's order, so that with the
//     simulator's result given, every day (bytes in each tier, cost) and
//     every total must agree exactly; the script exits 1 if not.
//     PRICES_JSON: {"hot": [usdPerGBMonth, writePer10K, minDays], "cool": ...,
//     "cold": ..., "archive": ..., "premium": ...}.
//
// Each prints one JSON line: {"seconds": ..., ...}.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, file, ...rest] = process.argv.slice(2);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

async function connect() {
  const inst = await DuckDBInstance.create(':memory:');
  return inst.connect();
}

async function scan(columns) {
  const t0 = performance.now();
  const con = await connect();
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT ${columns.map(ident).join(', ')} FROM read_parquet(${quote(file)})`)).getRowObjectsJson();
  const aggs = desc.map(({ column_name: c, column_type: t }) => {
    if (t === 'VARCHAR' || t === 'BLOB') return `sum(strlen(${ident(c)}))`;
    if (t === 'BOOLEAN') return `sum(${ident(c)}::INTEGER)`;
    if (t.startsWith('TIMESTAMP') || t === 'DATE') return `sum(epoch_ms(${ident(c)}))`;
    return `sum(${ident(c)})`;
  });
  const row = (await con.runAndReadAll(`SELECT count(*), ${aggs.join(', ')} FROM read_parquet(${quote(file)})`)).getRowsJson()[0];
  return { seconds: (performance.now() - t0) / 1000, columns: columns.length, rows: row[0] };
}

// Tier codes as the simulator numbers them: 1 hot, 2 cool, 3 cold,
// 4 archive, 5 premium (0, no tier, is billed as hot).
const TIERS = ['hot', 'cool', 'cold', 'archive', 'premium'];
const GiB = 1073741824;
const INF = 1099511627776; // a day past any simulation: never

async function answer(start, days, pr, aizonePath) {
  const t0 = performance.now();
  const con = await connect();
  const minDays = (t) => `(CASE ${t} WHEN 2 THEN ${pr.cool[2]} WHEN 3 THEN ${pr.cold[2]} WHEN 4 THEN ${pr.archive[2]} ELSE ${pr.hot[2]} END)`;
  // First run day (0-based) at which "days since ref > n" holds; runs are
  // at 00:00 UTC of each day from the start.
  const dayOf = (ref, n) => `greatest(0, CAST(ceil((${ref} + ${(n + 1) * 86400} - s) / 86400.0) AS BIGINT))`;
  // Byte-days charged when a blob leaves tier f on day d, having entered it
  // on day e (NULL: at entered0, before the period).
  const early = (f, d, e) => `(CASE WHEN ${minDays(f)} > 0 AND (${inDays(d, e)}) < ${minDays(f)}
      THEN bytes::HUGEINT * (${minDays(f)} - greatest(${inDays(d, e)}, 0)) ELSE 0 END)`;
  const inDays = (d, e) => `CASE WHEN ${e} IS NULL THEN CAST(floor((s + ${d} * 86400 - entered0) / 86400.0) AS BIGINT) ELSE ${d} - ${e} END`;
  const secs = (c) => `(epoch_ms(${c}) // 1000)`;
  // An event: on day `day`, `delta` bytes enter (+) or leave (-) `tier`;
  // a tier change (op = 1, from `src`) or a deletion (del = 1); early
  // deletion byte-days charged at `tier`'s price.
  const ev = (day, tier, delta, op, src, del, earlyBD) =>
    `{day: ${day}, tier: ${tier}, delta: ${delta}, op: ${op}, src: ${src}, del: ${del}, early: ${earlyBD}}`;
  await con.run(`
CREATE TEMP TABLE r AS
SELECT Name, "Content-Length" AS bytes, coalesce(BlobType, 'BlockBlob') = 'BlockBlob' AS block,
  CASE AccessTier WHEN 'Cool' THEN 2 WHEN 'Cold' THEN 3 WHEN 'Archive' THEN 4 ELSE 1 END AS t0,
  CASE WHEN Snapshot IS NOT NULL THEN 1 WHEN VersionId IS NOT NULL AND NOT coalesce(IsCurrentVersion, true) THEN 2 ELSE 0 END AS target,
  ${secs('"Last-Modified"')} AS modified,
  -- a snapshot ages from its snapshot time, a previous version from its
  -- version id (else its last write), a current version from its creation
  CASE WHEN Snapshot IS NOT NULL THEN coalesce(${secs('TRY_CAST(Snapshot AS TIMESTAMPTZ)')}, ${secs('"Creation-Time"')})
       WHEN VersionId IS NOT NULL AND NOT coalesce(IsCurrentVersion, true) THEN coalesce(${secs('TRY_CAST(VersionId AS TIMESTAMPTZ)')}, ${secs('"Last-Modified"')})
       ELSE ${secs('"Creation-Time"')} END AS created,
  ${secs('AccessTierChangeTime')} AS tierchanged,
  epoch(TIMESTAMPTZ '${start} 00:00:00+00')::BIGINT AS s
FROM read_parquet(${quote(file)}) WHERE NOT coalesce(Deleted, false)`);
  await con.run(`
CREATE TEMP TABLE ev AS
WITH deps AS (
  SELECT *, coalesce(tierchanged, created) AS entered0, CASE WHEN block THEN ${dayOf('created', 90)} ELSE ${INF} END AS dd
  FROM r WHERE target > 0
),
depmax AS (SELECT Name, max(dd) AS last FROM deps GROUP BY Name),
base AS (
  SELECT r.bytes, r.t0, r.s, r.block, coalesce(r.tierchanged, r.created) AS entered0,
    ${dayOf('modified', 30)} AS d1, ${dayOf('modified', 90)} AS d2, ${dayOf('modified', 180)} AS d3,
    -- the current version goes once its versions and snapshots are gone
    CASE WHEN r.block THEN greatest(${dayOf('modified', 730)}, coalesce(d.last + 1, 0)) ELSE ${INF} END AS dd
  FROM r LEFT JOIN depmax d ON d.Name = r.Name WHERE r.target = 0
),
-- a tier change into k happens on the day its condition holds if the blob
-- is warmer than k, no cooler move holds the same day, and it is not
-- deleted first (delete wins a tie, as the cheapest action)
v AS (
  SELECT *, block AND t0 < 2 AND d1 < d2 AND d1 < least(dd, ${days}) AS v2,
    block AND t0 < 3 AND d2 < d3 AND d2 < least(dd, ${days}) AS v3,
    block AND t0 < 4 AND d3 < least(dd, ${days}) AS v4
  FROM base
),
w AS (
  SELECT *, CASE WHEN v2 THEN 2 ELSE t0 END AS f3, CASE WHEN v2 THEN d1 END AS e3,
    CASE WHEN v3 THEN 3 WHEN v2 THEN 2 ELSE t0 END AS f4, CASE WHEN v3 THEN d2 WHEN v2 THEN d1 END AS e4,
    CASE WHEN v4 THEN 4 WHEN v3 THEN 3 WHEN v2 THEN 2 ELSE t0 END AS fd, CASE WHEN v4 THEN d3 WHEN v3 THEN d2 WHEN v2 THEN d1 END AS ed
  FROM v
),
events AS (
  SELECT unnest([
    ${ev('0', 't0', 'bytes', 0, 0, 0, 0)},
    CASE WHEN v2 THEN ${ev('d1', 't0', '-bytes', 0, 0, 0, early('t0', 'd1', 'NULL'))} END,
    CASE WHEN v2 THEN ${ev('d1', '2', 'bytes', 1, 't0', 0, 0)} END,
    CASE WHEN v3 THEN ${ev('d2', 'f3', '-bytes', 0, 0, 0, early('f3', 'd2', 'e3'))} END,
    CASE WHEN v3 THEN ${ev('d2', '3', 'bytes', 1, 'f3', 0, 0)} END,
    CASE WHEN v4 THEN ${ev('d3', 'f4', '-bytes', 0, 0, 0, early('f4', 'd3', 'e4'))} END,
    CASE WHEN v4 THEN ${ev('d3', '4', 'bytes', 1, 'f4', 0, 0)} END,
    CASE WHEN dd < ${days} THEN ${ev('dd', 'fd', '-bytes', 0, 0, 1, early('fd', 'dd', 'ed'))} END
  ]) AS e FROM w
  UNION ALL
  SELECT unnest([
    ${ev('0', 't0', 'bytes', 0, 0, 0, 0)},
    CASE WHEN dd < ${days} THEN ${ev('dd', 't0', '-bytes', 0, 0, 1, early('t0', 'dd', 'NULL'))} END
  ]) AS e FROM deps
)
SELECT e.day AS day, e.tier AS tier, e.src AS src, sum(e.delta::HUGEINT) AS delta, sum(e.op) AS ops, sum(e.del) AS dels,
  sum(CASE WHEN e.del = 1 THEN -e.delta ELSE 0 END::HUGEINT) AS del_bytes, sum(e.early::HUGEINT) AS early
FROM events WHERE e IS NOT NULL GROUP BY ALL`);
  const rows = (await con.runAndReadAll('SELECT day, tier, src, delta::VARCHAR, ops, dels, del_bytes::VARCHAR, early::VARCHAR FROM ev')).getRowsJson();
  const totals = (await con.runAndReadAll(`SELECT count(*), sum(bytes::HUGEINT)::VARCHAR, t0 FROM r GROUP BY t0 ORDER BY t0`)).getRowsJson();
  const seconds = (performance.now() - t0) / 1000;

  // The simulator's sums, then its result() in its order of operations.
  const N = 6;
  const diff = Array.from({ length: days + 1 }, () => Array(N).fill(0n));
  const ops = Array.from({ length: days }, () => Array(N).fill(0n));
  const earlyBD = Array.from({ length: days }, () => Array(N).fill(0n));
  const trans = {};
  let deletedCount = 0n, deletedBytes = 0n, blobs = 0n, bytes = 0n;
  const baseline = Array(N).fill(0n);
  for (const [n, b, t] of totals) {
    blobs += BigInt(n); bytes += BigInt(b); baseline[Number(t)] += BigInt(b);
  }
  for (const [dayS, tierS, srcS, delta, nOps, nDels, delBytes, e] of rows) {
    const day = Number(dayS), tier = Number(tierS);
    diff[day][tier] += BigInt(delta);
    if (day < days) {
      ops[day][tier] += BigInt(nOps);
      earlyBD[day][tier] += BigInt(e);
    }
    if (BigInt(nOps) > 0n) {
      const k = `${TIERS[Number(srcS) - 1]}->${TIERS[tier - 1]}`;
      trans[k] = (trans[k] || 0n) + BigInt(nOps);
    }
    deletedCount += BigInt(nDels); deletedBytes += BigInt(delBytes);
  }
  const price = (t) => pr[TIERS[Math.max(t, 1) - 1]];
  const daily = Array.from({ length: N }, (_, t) => price(t)[0] * 12 / 365 / GiB);
  const round = (v) => Math.round(v * 1e6) / 1e6;
  const cur = Array(N).fill(0n);
  const byDay = [];
  let storageUSD = 0, operationsUSD = 0, earlyUSD = 0;
  for (let d = 0; d < days; d++) {
    let storage = 0, op = 0, ea = 0;
    for (let t = 0; t < N; t++) {
      cur[t] += diff[d][t];
      storage += Number(cur[t]) * daily[t];
      op += Number(ops[d][t]) * price(t)[1] / 10000;
      ea += Number(earlyBD[d][t]) * daily[t];
    }
    storageUSD += storage; operationsUSD += op; earlyUSD += ea;
    byDay.push({ hot: cur[0] + cur[1], cool: cur[2], cold: cur[3], archive: cur[4], cost: round(storage + op + ea) });
  }
  let baselineUSD = 0;
  for (let t = 0; t < N; t++) baselineUSD += Number(baseline[t]) * daily[t] * days;
  const total = round(storageUSD + operationsUSD + earlyUSD);
  const result = {
    blobs, bytes, deleted: { count: deletedCount, bytes: deletedBytes }, transitions: trans,
    storage_usd: round(storageUSD), operations_usd: round(operationsUSD), early_deletion_usd: round(earlyUSD), total_usd: total,
    baseline_total_usd: round(baselineUSD), savings_usd: round(round(baselineUSD) - total),
  };
  const out = { seconds, days, result: JSON.parse(JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) };
  if (aizonePath) {
    out.compare = compare(readFileSync(aizonePath, 'utf8'), byDay, result);
  }
  return out;
}

// compare checks the simulator's JSON against the SQL answer: every day's
// bytes in each tier and cost, and every total. Integers of 16 digits or
// more are read as BigInt, past the 2^53 a double holds exactly.
function compare(text, byDay, want) {
  const a = JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
  const big = (v) => BigInt(v ?? 0);
  const diffs = [];
  if (a.by_day.length !== byDay.length) diffs.push(`${a.by_day.length} days, SQL ${byDay.length}`);
  for (let d = 0; d < Math.min(a.by_day.length, byDay.length); d++) {
    const g = a.by_day[d], w = byDay[d];
    for (const t of ['hot', 'cool', 'cold', 'archive']) {
      if (big(g.bytes_by_tier[t]) !== w[t]) diffs.push(`day ${d} ${t}: aizone ${g.bytes_by_tier[t] ?? 0}, SQL ${w[t]}`);
    }
    if (g.cost_usd !== w.cost) diffs.push(`day ${d} cost: aizone ${g.cost_usd}, SQL ${w.cost}`);
  }
  for (const k of ['blobs', 'bytes']) if (big(a[k]) !== want[k]) diffs.push(`${k}: aizone ${a[k]}, SQL ${want[k]}`);
  if (big(a.deleted.count) !== want.deleted.count || big(a.deleted.bytes) !== want.deleted.bytes) {
    diffs.push(`deleted: aizone ${JSON.stringify(a.deleted)}, SQL ${want.deleted.count} ${want.deleted.bytes}`);
  }
  const keys = new Set([...Object.keys(a.transitions), ...Object.keys(want.transitions)]);
  for (const k of keys) if (big(a.transitions[k]) !== (want.transitions[k] ?? 0n)) diffs.push(`transitions ${k}: aizone ${a.transitions[k]}, SQL ${want.transitions[k]}`);
  for (const k of ['storage_usd', 'operations_usd', 'early_deletion_usd', 'total_usd', 'baseline_total_usd', 'savings_usd']) {
    if (a[k] !== want[k]) diffs.push(`${k}: aizone ${a[k]}, SQL ${want[k]}`);
  }
  return { equal: diffs.length === 0, days: byDay.length, differences: diffs.slice(0, 20), count: diffs.length };
}

let out;
if (mode === 'scan') {
  out = await scan(rest[0].split(','));
} else if (mode === 'answer') {
  const [start, days, prices, aizone] = rest;
  out = await answer(start, Number(days), JSON.parse(prices), aizone);
} else {
  console.error('usage: bench-duckdb.mjs scan FILE COLUMNS | answer FILE START DAYS PRICES_JSON [AIZONE_RESULT.json]');
  process.exit(2);
}
console.log(JSON.stringify(out));
if (out.compare && !out.compare.equal) process.exit(1);
