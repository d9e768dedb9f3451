// Streams one table's rows from the backup into the database in batches.
// While PostgreSQL works on one batch the next is read from the file, so
// reading and loading overlap; memory holds at most two batches.
import type pg from "pg";
import { checkedInsertSql, needsChecks, plainInsertSql } from "./load-sql.ts";
import type { PlannedTable } from "./plan.ts";

/** A batch is sent once it holds this many characters of JSON (or BATCH_ROWS rows). */
const BATCH_CHARS = 4 * 1024 * 1024;
const BATCH_ROWS = 10_000;
/** Refused rows kept per table for the report; the count is always exact. */
export const REFUSED_ROWS_KEPT = 1000;

export interface RefusedRow {
  table: string;
  /** Primary-key values of the row, in key order. */
  key: unknown[];
  /** "unique:<index>" (clashes with a row already there) or "parent:<foreign key>" (parent row missing). */
  problems: string[];
}

export interface TableLoadResult {
  rows: number;
  inserted: number;
  skipped: number;
  refusedCount: number;
  /** The first REFUSED_ROWS_KEPT refused rows. */
  refused: RefusedRow[];
}

interface BatchResult {
  inserted: number;
  skipped: number;
  refused: RefusedRow[];
}

export async function loadTable(
  client: pg.PoolClient,
  planned: PlannedTable,
  rows: AsyncIterable<string>,
  onBatch?: (rowsDone: number) => void,
): Promise<TableLoadResult> {
  const checked = needsChecks(planned);
  const sql = checked ? checkedInsertSql(planned) : plainInsertSql(planned);
  const total: TableLoadResult = { rows: 0, inserted: 0, skipped: 0, refusedCount: 0, refused: [] };

  const send = async (batch: string[]): Promise<void> => {
    const payload = `[${batch.join(",")}]`;
    const result = checked ? await runChecked(client, sql, payload, planned.table.name) : await runPlain(client, sql, payload);
    total.rows += batch.length;
    total.inserted += result.inserted;
    total.skipped += result.skipped;
    total.refusedCount += result.refused.length;
    total.refused.push(...result.refused.slice(0, REFUSED_ROWS_KEPT - total.refused.length));
    onBatch?.(total.rows);
  };

  let inFlight: Promise<void> | null = null;
  let batch: string[] = [];
  let chars = 0;
  for await (const row of rows) {
    batch.push(row);
    chars += row.length;
    if (chars >= BATCH_CHARS || batch.length >= BATCH_ROWS) {
      await inFlight;
      inFlight = send(batch);
      // Observed by the next await; this keeps a failure from counting as unhandled meanwhile.
      inFlight.catch(() => {});
      batch = [];
      chars = 0;
    }
  }
  await inFlight;
  if (batch.length > 0) await send(batch);
  return total;
}

async function runPlain(client: pg.PoolClient, sql: string, payload: string): Promise<BatchResult> {
  const result = await client.query(sql, [payload]);
  return { inserted: result.rowCount ?? 0, skipped: 0, refused: [] };
}

async function runChecked(client: pg.PoolClient, sql: string, payload: string, table: string): Promise<BatchResult> {
  const result = await client.query<{ inserted: number; skipped: number; refused: { key: unknown[]; problems: string[] }[] | null }>(
    sql,
    [payload],
  );
  const row = result.rows[0]!;
  return {
    inserted: row.inserted,
    skipped: row.skipped,
    refused: (row.refused ?? []).map((refused) => ({ table, key: refused.key, problems: refused.problems })),
  };
}
