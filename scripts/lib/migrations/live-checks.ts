// Live-data evaluation: for each finding that carries a LiveCheck, ask the
// target database what is at stake (rows, non-null values, NULLs, duplicates,
// enum values in use, values a cast would change). Every query runs read-only,
// counts at most ROW_CAP matches and stops at a statement_timeout; a table the
// planner estimates above LARGE_TABLE_ROWS is named as a full scan up front.
import type pg from "pg";
import { quoteIdent, withTransaction } from "../db.ts";
import { describeDatabaseError } from "../errors.ts";
import type { Finding, LiveCheck, Severity } from "./findings.ts";

const ROW_CAP = 1_000_000;
const LARGE_TABLE_ROWS = 5_000_000;

export interface LiveCheckOptions {
  timeoutMs: number;
}

interface Outcome {
  summary: string;
  /** The severity the data justifies (undefined: keep the rule's). */
  severity?: Severity;
}

const count = (n: number) => (n >= ROW_CAP ? `at least ${ROW_CAP.toLocaleString("en-US")}` : n.toLocaleString("en-US"));

function split(table: string): { schema: string; name: string; sql: string } {
  const dot = table.indexOf(".");
  const schema = table.slice(0, dot);
  const name = table.slice(dot + 1);
  return { schema, name, sql: `${quoteIdent(schema)}.${quoteIdent(name)}` };
}

/** Runs one read-only query with a timeout on its own transaction. */
async function readOnly<T extends pg.QueryResultRow>(db: pg.Pool, timeoutMs: number, sql: string, params: unknown[] = []): Promise<T[]> {
  return withTransaction(db, async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    return (await client.query<T>(sql, params)).rows;
  }, "BEGIN READ ONLY");
}

async function estimatedRows(db: pg.Pool, table: string): Promise<number | null> {
  const { schema, name } = split(table);
  const result = await db.query<{ rows: string }>(
    `SELECT c.reltuples::bigint::text AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, name],
  );
  return result.rows[0] ? Number(result.rows[0].rows) : null;
}

async function columnType(db: pg.Pool, table: string, column: string): Promise<string | null> {
  const { sql } = split(table);
  const result = await db.query<{ type: string }>(
    `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attname = $2 AND attnum > 0 AND NOT attisdropped`,
    [sql, column],
  );
  return result.rows[0]?.type ?? null;
}

async function evaluate(db: pg.Pool, check: LiveCheck, timeoutMs: number): Promise<Outcome> {
  const { sql: table } = split(check.table);
  const single = async (query: string, params: unknown[] = []) =>
    Number((await readOnly<{ n: string }>(db, timeoutMs, query, params))[0]?.n ?? 0);
  switch (check.kind) {
    case "table-rows": {
      const rows = await single(`SELECT count(*)::text AS n FROM (SELECT 1 FROM ${table} LIMIT ${ROW_CAP}) s`);
      return rows === 0 ? { summary: `${check.table} is empty`, severity: "info" } : { summary: `${check.table} holds ${count(rows)} rows` };
    }
    case "column-values": {
      if ((await columnType(db, check.table, check.column)) === null) return { summary: `${check.table}.${check.column} does not exist in the target database` };
      const col = quoteIdent(check.column);
      const values = await single(`SELECT count(*)::text AS n FROM (SELECT 1 FROM ${table} WHERE ${col} IS NOT NULL LIMIT ${ROW_CAP}) s`);
      return values === 0
        ? { summary: `${check.table}.${check.column} holds no values (every row is NULL or the table is empty): nothing is lost`, severity: "info" }
        : { summary: `${count(values)} non-null values in ${check.table}.${check.column} would be lost` };
    }
    case "null-values": {
      const col = quoteIdent(check.column);
      const nulls = await single(`SELECT count(*)::text AS n FROM (SELECT 1 FROM ${table} WHERE ${col} IS NULL LIMIT ${ROW_CAP}) s`);
      return nulls === 0
        ? { summary: `no row of ${check.table} holds NULL in ${check.column}: SET NOT NULL will succeed (it still scans the table under lock)`, severity: "lock" }
        : { summary: `${count(nulls)} rows of ${check.table} hold NULL in ${check.column}: SET NOT NULL would fail` };
    }
    case "duplicates": {
      const cols = check.columns.map(quoteIdent);
      const rows = await readOnly<{ groups: string; rows: string }>(db, timeoutMs,
        `SELECT count(*)::text AS groups, coalesce(sum(n), 0)::text AS rows FROM (
           SELECT count(*) AS n FROM ${table} WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(" AND ")}
            GROUP BY ${cols.join(", ")} HAVING count(*) > 1 LIMIT ${ROW_CAP}) d`);
      const groups = Number(rows[0]?.groups ?? 0);
      return groups === 0
        ? { summary: `no duplicate (${check.columns.join(", ")}) in ${check.table}: the unique index will build`, severity: "lock" }
        : { summary: `${count(groups)} duplicated (${check.columns.join(", ")}) values in ${count(Number(rows[0]?.rows))} rows of ${check.table}: the unique index would fail` };
    }
    case "enum-values": {
      const col = quoteIdent(check.column);
      const used = await readOnly<{ value: string; n: string }>(db, timeoutMs,
        `SELECT ${col}::text AS value, count(*)::text AS n FROM ${table}
          WHERE ${col} IS NOT NULL AND NOT (${col}::text = ANY($1::text[])) GROUP BY 1 ORDER BY 1 LIMIT 20`, [check.keep]);
      return used.length === 0
        ? { summary: `no row of ${check.table} uses a removed value of ${check.column}`, severity: "lock" }
        : { summary: `rows of ${check.table} still use removed values: ${used.map((row) => `'${row.value}' (${Number(row.n).toLocaleString("en-US")} rows)`).join(", ")}: the migration would fail` };
    }
    case "cast":
      return evaluateCast(db, check, timeoutMs);
    case "timezone": {
      // The session settings Prisma's connection gets are the database's defaults, as for this pool.
      const zone = (await readOnly<{ zone: string }>(db, timeoutMs, "SELECT current_setting('TimeZone') AS zone"))[0]?.zone ?? "?";
      return ["utc", "etc/utc", "etc/universal", "universal", "zulu", "gmt", "etc/gmt"].includes(zone.toLowerCase())
        ? { summary: `the database's TimeZone is ${zone}: nothing is rewritten and every value keeps its instant`, severity: "info" }
        : { summary: `the database's TimeZone is ${zone}: every existing value is re-read as ${zone} local time (shifted by its offset from UTC) and the table is rewritten`, severity: "data-loss" };
    }
  }
}

/** Casts every existing value to the new type and back: values that change are lost, an error means the ALTER fails. */
async function evaluateCast(db: pg.Pool, check: Extract<LiveCheck, { kind: "cast" }>, timeoutMs: number): Promise<Outcome> {
  const oldType = await columnType(db, check.table, check.column);
  if (oldType === null) return { summary: `${check.table}.${check.column} does not exist in the target database` };
  const { sql: table } = split(check.table);
  const col = quoteIdent(check.column);
  try {
    const rows = await readOnly<{ values: string; changed: string }>(db, timeoutMs,
      `SELECT count(*)::text AS values, count(*) FILTER (WHERE (${col}::${check.type})::${oldType} IS DISTINCT FROM ${col})::text AS changed
         FROM (SELECT ${col} FROM ${table} WHERE ${col} IS NOT NULL LIMIT ${ROW_CAP}) s`);
    const values = Number(rows[0]?.values ?? 0);
    const changed = Number(rows[0]?.changed ?? 0);
    if (values === 0) return { summary: `${check.table}.${check.column} holds no values: nothing to convert (the table is still rewritten)`, severity: "lock" };
    if (changed > 0) return { summary: `${count(changed)} of ${count(values)} values of ${check.table}.${check.column} (${oldType}) change when cast to ${check.type}: truncated, rounded or rejected`, severity: "data-loss" };
    return { summary: `all ${count(values)} values of ${check.table}.${check.column} (${oldType}) survive the cast to ${check.type} (the table is still rewritten)`, severity: "lock" };
  } catch (error) {
    if ((error as { code?: string }).code === "57014") throw error;
    return { summary: `casting the existing ${oldType} values to ${check.type} fails: ${describeDatabaseError(error)}` };
  }
}

/**
 * Returns the findings with `liveResult` filled in (and severity adjusted), plus
 * notes on what the checks could not do (large tables, timeouts).
 */
export async function evaluateFindings(db: pg.Pool, findings: Finding[], options: LiveCheckOptions): Promise<{ findings: Finding[]; notes: string[] }> {
  const notes: string[] = [];
  const announced = new Set<string>();
  const evaluated: Finding[] = [];
  for (const finding of findings) {
    if (!finding.live || (finding.severity !== "data-loss" && finding.severity !== "may-fail")) {
      evaluated.push(finding);
      continue;
    }
    const estimate = await estimatedRows(db, finding.live.table);
    if (estimate === null) {
      evaluated.push({ ...finding, liveResult: { summary: `${finding.live.table} does not exist in the target database (yet)` } });
      continue;
    }
    if (estimate > LARGE_TABLE_ROWS && !announced.has(finding.live.table)) {
      announced.add(finding.live.table);
      notes.push(`${finding.live.table} is large (~${estimate.toLocaleString("en-US")} rows estimated): its checks scan it, each bounded by a ${options.timeoutMs / 1000} s statement_timeout (--live-check-timeout, or --skip-live-checks).`);
    }
    try {
      const outcome = await evaluate(db, finding.live, options.timeoutMs);
      const severity = outcome.severity ?? finding.severity;
      evaluated.push({
        ...finding,
        severity,
        liveResult: { summary: outcome.summary, ...(severity !== finding.severity ? { originalSeverity: finding.severity } : {}) },
      });
    } catch (error) {
      const timedOut = (error as { code?: string }).code === "57014";
      const why = timedOut ? `stopped after ${options.timeoutMs / 1000} s (statement_timeout)` : `failed: ${describeDatabaseError(error)}`;
      notes.push(`live check of ${finding.rule} on ${finding.live.table} ${why}; the finding stands as written.`);
      evaluated.push({ ...finding, liveResult: { summary: `not evaluated: the check ${why}` } });
    }
  }
  return { findings: evaluated, notes };
}
