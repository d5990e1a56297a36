// The DuckDB peer of `aizone storage simulate` for the benchmark policy
// (simulation/bench_test.go benchPolicy): one SQL query over the same
// Parquet inventory answers the same question — bytes in each tier on day
// N and the total cost over the period — so the two can be timed and
// checked against each other. Run by scripts/bench-duckdb.sh.
//
// Usage: node bench-duckdb.mjs INVENTORY.parquet START(YYYY-MM-DD) DAYS DAY_N PRICES_JSON
// PRICES_JSON: {"hot": [usdPerGBMonth, writePer10K, minDays], "cool": [...], "cold": [...], "archive": [...]}
import { DuckDBInstance } from '@duckdb/node-api';

const [file, start, daysArg, dayArg, pricesArg] = process.argv.slice(2);
const days = Number(daysArg), dayN = Number(dayArg);
const pr = JSON.parse(pricesArg);
// Tier codes: 1 hot, 2 cool, 3 cold, 4 archive. Per-day price per byte:
// USD per GB-month × 12 / 365 / 2^30, the simulator's cost model.
const daily = (t) => `(CASE ${t} WHEN 1 THEN ${pr.hot[0]} WHEN 2 THEN ${pr.cool[0]} WHEN 3 THEN ${pr.cold[0]} ELSE ${pr.archive[0]} END * 12.0 / 365 / 1073741824)`;
const write = (t) => `(CASE ${t} WHEN 1 THEN ${pr.hot[1]} WHEN 2 THEN ${pr.cool[1]} WHEN 3 THEN ${pr.cold[1]} ELSE ${pr.archive[1]} END / 10000.0)`;
const minDays = (t) => `(CASE ${t} WHEN 1 THEN ${pr.hot[2]} WHEN 2 THEN ${pr.cool[2]} WHEN 3 THEN ${pr.cold[2]} ELSE ${pr.archive[2]} END)`;
// First run day (0-based) at which "days since ref > n" holds; runs are at
// 00:00 UTC of each day from the start.
// A day past any simulation: "never".
const INF = 1099511627776;
const dayOf = (ref, n) => `greatest(0, CAST(ceil((${ref} + ${(n + 1) * 86400} - s) / 86400.0) AS BIGINT))`;

const sql = `
WITH p AS (SELECT epoch(TIMESTAMPTZ '${start} 00:00:00+00') AS s, ${days}::BIGINT AS days),
r AS (
  SELECT row_number() OVER () AS id, Name, "Content-Length" AS bytes, BlobType = 'BlockBlob' AS block,
    CASE AccessTier WHEN 'Cool' THEN 2 WHEN 'Cold' THEN 3 WHEN 'Archive' THEN 4 ELSE 1 END AS t0,
    CASE WHEN Snapshot IS NOT NULL THEN 1 WHEN VersionId IS NOT NULL AND NOT IsCurrentVersion THEN 2 ELSE 0 END AS target,
    epoch("Last-Modified") AS modified,
    -- a snapshot ages from its snapshot time, a previous version from its
    -- version id, a current version from its creation
    CASE WHEN Snapshot IS NOT NULL THEN epoch(CAST(Snapshot AS TIMESTAMPTZ))
         WHEN VersionId IS NOT NULL AND NOT IsCurrentVersion THEN epoch(CAST(VersionId AS TIMESTAMPTZ))
         ELSE epoch("Creation-Time") END AS created,
    epoch("AccessTierChangeTime") AS tierchanged
  FROM read_parquet('${file}') WHERE NOT Deleted
),
-- snapshots and versions (block blobs): deleted 90 days after creation
deps AS (
  SELECT r.*, s, days, CASE WHEN block THEN ${dayOf('created', 90)} ELSE ${INF} END AS ddel
  FROM r, p WHERE target > 0
),
depmax AS (SELECT Name, max(ddel) AS last FROM deps GROUP BY Name),
-- current versions: Cool, Cold, Archive at 30, 90, 180 days after the last
-- write, deleted at 730 once their snapshots and versions are gone
base AS (
  SELECT r.id, r.bytes, r.t0, s, days, coalesce(r.tierchanged, r.created) AS entered0,
    CASE WHEN block THEN ${dayOf('modified', 30)} ELSE ${INF} END AS b1,
    CASE WHEN block THEN ${dayOf('modified', 90)} ELSE ${INF} END AS b2,
    CASE WHEN block THEN ${dayOf('modified', 180)} ELSE ${INF} END AS b3,
    CASE WHEN NOT block THEN ${INF} ELSE greatest(${dayOf('modified', 730)}, coalesce(d.last + 1, 0)) END AS ddel
  FROM r CROSS JOIN p LEFT JOIN depmax d ON d.Name = r.Name WHERE target = 0
),
-- phase k (1..4) runs from b_{k-1} to b_k in tier greatest(t0, k); a
-- policy never warms a blob. Phase 0 is the empty start in t0, so that a
-- move on day 0 counts as a transition.
seg AS (
  SELECT id, bytes, t0, s, days, entered0, ddel, k, greatest(t0, k) AS tier,
    [0, b1, b2, b3][k] AS lo, least([b1, b2, b3, ${INF}][k], ddel, days) AS hi
  FROM base, range(1, 5) t(k)
  UNION ALL
  SELECT id, bytes, t0, s, days, entered0, ddel, 0, t0, 0, 0 FROM base
),
tiers AS (
  SELECT id, any_value(bytes) AS bytes, any_value(t0) AS t0, any_value(s) AS s, any_value(days) AS days,
    any_value(entered0) AS entered0, any_value(ddel) AS ddel, tier, min(lo) AS lo, max(hi) AS hi
  FROM seg WHERE hi > lo OR k = 0 GROUP BY id, tier
),
ordered AS (
  SELECT *, lag(tier) OVER w AS prev, lag(lo) OVER w AS prevlo, lead(tier) OVER w IS NULL AS last
  FROM tiers WINDOW w AS (PARTITION BY id ORDER BY tier)
),
-- days a blob spent in the tier it leaves at day d
costs AS (
  SELECT
    sum(bytes * (hi - lo) * ${daily('tier')}) AS storage,
    sum(CASE WHEN prev IS NOT NULL THEN ${write('tier')} ELSE 0 END) AS ops,
    sum(CASE WHEN prev IS NOT NULL AND ${minDays('prev')} > 0 THEN bytes * greatest(${minDays('prev')} -
        greatest(CASE WHEN prev = t0 THEN CAST(floor((s + lo * 86400 - entered0) / 86400.0) AS BIGINT) ELSE lo - prevlo END, 0), 0) * ${daily('prev')}
        ELSE 0 END)
    + sum(CASE WHEN last AND ddel < days AND ${minDays('tier')} > 0 THEN bytes * greatest(${minDays('tier')} -
        greatest(CASE WHEN tier = t0 THEN CAST(floor((s + ddel * 86400 - entered0) / 86400.0) AS BIGINT) ELSE ddel - lo END, 0), 0) * ${daily('tier')}
        ELSE 0 END) AS early
  FROM ordered
),
dep_cost AS (
  SELECT sum(bytes * least(ddel, days) * ${daily('t0')}) AS storage,
    sum(CASE WHEN ddel < days AND ${minDays('t0')} > 0 THEN bytes * greatest(${minDays('t0')} -
        greatest(CAST(floor((s + ddel * 86400 - coalesce(tierchanged, created)) / 86400.0) AS BIGINT), 0), 0) * ${daily('t0')}
        ELSE 0 END) AS early
  FROM deps
),
day_n AS (
  SELECT tier, sum(bytes) AS b FROM tiers WHERE lo <= ${dayN} AND ${dayN} < hi GROUP BY tier
  UNION ALL
  SELECT t0, sum(bytes) FROM deps WHERE ${dayN} < least(ddel, days) GROUP BY t0
)
SELECT c.storage + d.storage AS storage_usd, c.ops AS operations_usd, c.early + d.early AS early_deletion_usd,
  c.storage + d.storage + c.ops + c.early + d.early AS total_usd,
  (SELECT list({tier: tier, bytes: b} ORDER BY tier) FROM (SELECT tier, sum(b)::BIGINT AS b FROM day_n GROUP BY tier)) AS bytes_by_tier
FROM costs c, dep_cost d
`;

const t0 = performance.now();
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const res = await con.runAndReadAll(sql);
const ms = performance.now() - t0;
const row = res.getRowObjectsJson()[0];
console.log(JSON.stringify({ seconds: ms / 1000, result: row }));
