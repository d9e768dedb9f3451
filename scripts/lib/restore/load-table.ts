// Streams one table's rows from the backup into the database with COPY.
// A plain load copies straight into the table; a checked load (rows that may
// be skipped or refused) copies each batch into a temporary staging table and
// classifies it there in one statement. Memory holds one batch either way.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER } from "../backup/index.ts";
import { OperationError } from "../errors.ts";
import type { EncodedBatch } from "./copy-encoders.ts";
import { STAGING, checkedInsertSql, copyIntoSql, createStagingSql, needsChecks } from "./load-sql.ts";
import type { PlannedTable } from "./plan.ts";

/** Rows classified per statement in a checked load. */
const CHECKED_BATCH_ROWS = 10_000;
/** Batches of COPY text converted before the connection asks for them. */
const READ_AHEAD_BATCHES = 2;
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

/**
 * `encoded`: the table file's rows as COPY data (encodeRows in
 * copy-encoders.ts); `onRows` reports the rows sent so far.
 */
export async function loadTable(
  client: pg.PoolClient,
  planned: PlannedTable,
  encoded: AsyncIterable<EncodedBatch>,
  onRows?: (rowsDone: number) => void,
): Promise<TableLoadResult> {
  const load: TableLoad = { client, planned, encoded, onRows };
  return needsChecks(planned) ? loadChecked(load) : loadPlain(load);
}

interface TableLoad {
  client: pg.PoolClient;
  planned: PlannedTable;
  encoded: AsyncIterable<EncodedBatch>;
  onRows?: (rowsDone: number) => void;
}

/**
 * Streams COPY data (text, or binary between its header and trailer) into
 * `sql` and checks that PostgreSQL stored exactly the rows sent: a row the
 * text does not delimit as the encoder meant (a stray line break, an
 * end-of-data marker) fails the restore, which rolls back.
 */
async function copyData(
  client: pg.PoolClient,
  sql: string,
  text: AsyncIterable<Buffer> | Buffer[],
  rowsSent: () => number,
  planned: PlannedTable,
): Promise<void> {
  const copy = client.query(copyFrom(sql));
  async function* framed(): AsyncGenerator<Buffer> {
    if (planned.binaryTypes) yield BINARY_COPY_HEADER;
    yield* text;
    if (planned.binaryTypes) yield BINARY_COPY_TRAILER;
  }
  // Two batches converted ahead of what the socket takes (Readable.from's default is 16): enough to keep COPY fed, and memory stays at a few chunks.
  await pipeline(Readable.from(framed(), { highWaterMark: READ_AHEAD_BATCHES }), copy);
  if (copy.rowCount !== rowsSent()) {
    throw new OperationError(
      `${planned.entry.file}: PostgreSQL's COPY stored ${copy.rowCount} rows where ${rowsSent()} were sent — a bug in the row encoding: report it with this message`,
    );
  }
}

async function loadPlain({ client, planned, encoded, onRows }: TableLoad): Promise<TableLoadResult> {
  let rows = 0;
  async function* text(): AsyncGenerator<Buffer> {
    for await (const batch of encoded) {
      rows += batch.rows;
      yield batch.text;
      onRows?.(rows);
    }
  }
  await copyData(client, copyIntoSql(planned), text(), () => rows, planned);
  return { rows, inserted: rows, skipped: 0, refusedCount: 0, refused: [] };
}

async function loadChecked({ client, planned, encoded, onRows }: TableLoad): Promise<TableLoadResult> {
  const total: TableLoadResult = { rows: 0, inserted: 0, skipped: 0, refusedCount: 0, refused: [] };
  const sql = checkedInsertSql(planned);
  const table = planned.label;
  await client.query(createStagingSql(planned));

  let staged = 0;
  const stage = async (text: Buffer[], rows: number): Promise<void> => {
    await copyData(client, copyIntoSql(planned, { staging: true }), text, () => rows, planned);
    staged += rows;
  };
  const classify = async (): Promise<void> => {
    // Without statistics the planner guesses the staged rows from the table's pages and hashes the whole target
    // table for a handful of rows (--rows: ~100 ms a statement at 30,000 users); with them it probes the indexes.
    // For a full batch its guess is close enough, and ANALYZE took 13-17% of a whole-set skip-existing restore
    // (300,000 users, measured): analysed only below a full batch.
    if (staged < CHECKED_BATCH_ROWS) await client.query(`ANALYZE ${STAGING}`);
    const result = await client.query<{ inserted: number; skipped: number; refused: { key: unknown[]; problems: string[] }[] | null }>(sql);
    await client.query(`TRUNCATE ${STAGING}`);
    const row = result.rows[0]!;
    const refused = row.refused ?? [];
    total.rows += staged;
    staged = 0;
    total.inserted += row.inserted;
    total.skipped += row.skipped;
    total.refusedCount += refused.length;
    total.refused.push(
      ...refused.slice(0, REFUSED_ROWS_KEPT - total.refused.length).map(({ key, problems }) => ({ table, key, problems })),
    );
    onRows?.(total.rows);
  };

  let pending: Buffer[] = [];
  let pendingRows = 0;
  const flush = async () => {
    await stage(pending, pendingRows);
    pending = [];
    pendingRows = 0;
    // Rows matched as a multiset are compared with the whole table at once: classified after the whole file is staged.
    if (!planned.matchWholeRows) await classify();
  };
  for await (const batch of encoded) {
    pending.push(batch.text);
    pendingRows += batch.rows;
    if (pendingRows >= CHECKED_BATCH_ROWS) await flush();
  }
  if (pendingRows > 0) await flush();
  if (staged > 0) await classify();
  await client.query(`DROP TABLE ${STAGING}`);
  return total;
}
