// One table file of a backup set: the table's rows (from one connection, or
// from the workers of --jobs N) inside the JSON array, through the layers
// (→ [gzip] → [AES-256-GCM]) into the repository, checksummed on the way,
// and the summary's entry for it.
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeDatabaseError, OperationError } from "../errors.ts";
import type { PendingObject } from "../repository/index.ts";
import type { TableInfo } from "../tables.ts";
import { CopyRowsToJson, JsonArrayFile, OUTPUT_BATCH_BYTES } from "./copy-to-json.ts";
import { createEncryptStream, type SetKey } from "./encryption.ts";
import { Digest, gzipLayer } from "./layers.ts";
import type { StartTableRows, TableRows } from "./parallel-tables.ts";
import { createRowDigest } from "./row-digest.ts";
import type { ColumnType } from "./row-encoding.ts";
import type { Snapshot } from "./snapshot.ts";
import type { BackupTableEntry } from "./summary.ts";
import { convertCopy } from "./table-json.ts";

export interface BackupProgress {
  table: string;
  rows: number;
  /** The planner's estimate (pg_class.reltuples); 0 when the table was never analysed. */
  totalRows: number;
  /** The table's file is written: `rows` is its final count. */
  finished?: boolean;
}

export interface TableFileOptions {
  setKey: SetKey | null;
  gzip: boolean;
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
}

const PROGRESS_INTERVAL_MS = 200;

/** Generated columns are computed again on restore (and cannot be inserted or copied). */
export function backedUpColumns(table: TableInfo): ColumnType[] {
  return table.columns.filter((column) => !column.generated).map((column) => ({ name: column.name, type: column.type }));
}

/** A table's rows read over the snapshot's own connection, converted on this thread. */
async function oneConnectionRows(snapshot: Snapshot, table: TableInfo): Promise<StartTableRows> {
  const digest = await createRowDigest();
  const columns = backedUpColumns(table);
  return (receiver) => {
    const converter = new CopyRowsToJson(table.name, columns, digest);
    const start = (sink: Parameters<Snapshot["copyRows"]>[2]) => snapshot.copyRows(table, columns.map((column) => column.name), sink);
    const flow = convertCopy(start, converter, receiver, table.name);
    return { resume: flow.resume, done: flow.done.then((rows) => ({ rows, rowDigest: digest.value() })) };
  };
}

/**
 * One job: the tables one after another over the snapshot's connection, each
 * table's COPY starting as soon as the previous one has ended, while the
 * previous file is still being flushed (fsync) and closed. Resolves with the
 * entries in table order; the first failure rejects (after every file has
 * settled, so none is left being written).
 */
export async function writeTablesInTurn(
  snapshot: Snapshot,
  write: (table: TableInfo, rows: StartTableRows) => Promise<BackupTableEntry>,
): Promise<BackupTableEntry[]> {
  const files: Promise<BackupTableEntry>[] = [];
  try {
    for (const table of snapshot.tables) {
      const start = await oneConnectionRows(snapshot, table);
      let copied: Promise<unknown> = Promise.resolve();
      const file = write(table, (receiver) => {
        const flow = start(receiver);
        copied = flow.done;
        return flow;
      });
      files.push(file);
      file.catch(() => {});
      // The file may fail before its COPY ends (storage refused it); a failed COPY fails the file too,
      // which says which table it was: either way the file's failure is the one reported.
      await Promise.race([copied.catch(() => file), file]);
    }
  } finally {
    await Promise.allSettled(files);
  }
  return Promise.all(files);
}

export async function writeTableFile(
  table: TableInfo,
  startRows: StartTableRows,
  file: PendingObject,
  fileName: string,
  options: TableFileOptions,
): Promise<BackupTableEntry> {
  const totalRows = Math.max(0, table.estimatedRows);
  const columns = backedUpColumns(table);
  let lastReport = 0;
  options.onProgress?.({ table: table.name, rows: 0, totalRows });
  const array = new JsonArrayFile();
  let flow: TableRows | null = null;
  // Room for two batches: the COPY goes on converting the next one while the last is being written (the
  // default 16 kB would pause the socket for every write).
  const rows = new Readable({ highWaterMark: 2 * OUTPUT_BATCH_BYTES, read: () => flow?.resume() });
  flow = startRows({
    deliver: (batch) => rows.push(array.rows(batch)),
    onRows(done) {
      const now = performance.now();
      if (options.onProgress && now - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = now;
        options.onProgress({ table: table.name, rows: done, totalRows });
      }
    },
  });
  flow.done.then(
    () => {
      rows.push(array.close());
      rows.push(null);
    },
    (error: Error) => rows.destroy(error),
  );
  const plaintext = new Digest();
  const stored = new Digest();
  const layers: (Readable | Transform)[] = [rows];
  if (options.gzip) layers.push(gzipLayer());
  if (options.setKey) layers.push(plaintext, createEncryptStream(options.setKey, fileName));
  layers.push(stored);
  let result: { rows: number; rowDigest: string };
  try {
    await pipeline([...layers, file.writable], { signal: options.signal });
    result = await flow.done;
  } catch (error) {
    throw tableFailure(error, table.name);
  }
  options.onProgress?.({ table: table.name, rows: result.rows, totalRows, finished: true });
  const entry: BackupTableEntry = {
    name: table.name,
    schema: table.schema,
    model: table.model,
    file: fileName,
    rows: result.rows,
    bytes: stored.bytes,
    sha256: stored.sha256(),
    columns,
    generatedColumns: table.columns
      .filter((column) => column.generated)
      .map((column) => ({ name: column.name, type: column.type, expression: column.generationExpression ?? "" })),
    primaryKey: table.primaryKey,
    partitioning: table.partitioned ? { key: table.partitionKey ?? "", partitions: table.partitions } : null,
    inherits: table.inherits,
    rowDigest: result.rowDigest,
  };
  if (options.setKey) {
    entry.plaintextBytes = plaintext.bytes;
    entry.plaintextSha256 = plaintext.sha256();
  }
  return entry;
}

/** Storage failures arrive already described (the repository's streams say what failed and what to do). */
function tableFailure(error: unknown, table: string): Error {
  if (error instanceof OperationError) return error;
  if ((error as Error).name === "AbortError") return error as Error;
  return new OperationError(`reading table ${table} failed: ${describeDatabaseError(error)}`);
}
