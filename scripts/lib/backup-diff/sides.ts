// The two things a diff reads rows from, behind one shape (TableSide): a
// table file of a backup set — through readTableRowBatches, which checks it
// against its summary as verify does (the summary's HMAC before any row; the
// file's size, SHA-256, GCM tag and row count in the same pass, the diff
// reporting nothing until every read has ended without an error) — and a
// table of the live database, read in
// one REPEATABLE READ snapshot with the backup's own session settings and
// COPY statement and turned into the backup's row format by the backup's own
// converter, so a row that did not change reads back byte for byte as stored.
import { Readable } from "node:stream";
import pg from "pg";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { poolConfigFromUrl } from "../db.ts";
import { describeDatabaseError, OperationError } from "../errors.ts";
import { countTableRows, discoverTables, tableKey, type TableInfo } from "../tables.ts";
import { copyOut } from "../backup/copy-out.ts";
import { CopyRowsToJson, JsonArrayFile } from "../backup/copy-to-json.ts";
import { jsonArrayRowBatches } from "../backup/json-array.ts";
import { convertCopy } from "../backup/table-json.ts";
import { readTableRowBatches } from "../backup/read-rows.ts";
import { FORMAT_VERSION, type ColumnType } from "../backup/row-encoding.ts";
import { copyStatement, SESSION_SETTINGS } from "../backup/snapshot.ts";
import type { BackupSummary, BackupTableEntry } from "../backup/summary.ts";

export interface TableSide {
  /** What errors name: the table file, or the live table. */
  source: string;
  /** The columns this side holds (generated columns are never in a set, so not read here either). */
  columns: ColumnType[];
  /** null when the side does not record it (a set written before formatVersion 2). */
  primaryKey: string[] | null;
  formatVersion: number;
  /** How many rows it holds, known before reading (the summary's count, or count(*) in the snapshot). */
  rows: number;
  /**
   * Each row's JSON bytes in the backup's row format, in batches, holding
   * `columns` (the ones read: a set's file holds all of its columns, the live
   * table is read for the `wanted` ones only).
   */
  read(wanted: string[]): { columns: ColumnType[]; batches: AsyncIterable<Buffer[]> };
}

export function setTableSide(summaryPath: string, summary: BackupSummary, entry: BackupTableEntry, encryptionKey: string | undefined): TableSide {
  return {
    source: entry.file,
    columns: entry.columns,
    primaryKey: entry.primaryKey ?? null,
    formatVersion: summary.formatVersion,
    rows: entry.rows,
    read: () => ({ columns: entry.columns, batches: readTableRowBatches(summaryPath, entry, { encryptionKey, singlePass: true }) }),
  };
}

export interface LiveDatabase {
  description: string;
  /** The database's tables in the given schemas, by tableKey. */
  tables: Map<string, TableInfo>;
  side(table: TableInfo, label: string): Promise<TableSide>;
  close(): Promise<void>;
}

/** One read-only snapshot of the live database for the whole diff. */
export async function openLiveDatabase(target: DatabaseTarget, schemas: string[]): Promise<LiveDatabase> {
  const description = describeTarget(target);
  const failed = (error: unknown) =>
    error instanceof OperationError ? error : new OperationError(`reading the live database ${description} failed: ${describeDatabaseError(error)}`);
  const client = new pg.Client({ ...poolConfigFromUrl(target.url), application_name: "prisma-data-guard diff", connectionTimeoutMillis: 15_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(SESSION_SETTINGS);
    const tables = new Map((await discoverTables(client, schemas)).map((table) => [tableKey(table), table]));
    return {
      description,
      tables,
      async side(table, label) {
        const [rows] = await countTableRows(client, [table]).catch((error: unknown) => Promise.reject(failed(error)));
        return {
          source: `table ${label} of ${description}`,
          columns: table.columns.filter((column) => !column.generated).map(({ name, type }) => ({ name, type })),
          primaryKey: table.primaryKey,
          formatVersion: FORMAT_VERSION,
          rows: rows!,
          read(wanted) {
            const byName = new Map(table.columns.map((column) => [column.name, column]));
            const columns = wanted.map((name) => ({ name, type: byName.get(name)!.type }));
            return { columns, batches: liveRowBatches(client, table, label, columns, failed) };
          },
        };
      },
      close: () => client.end().catch(() => {}),
    };
  } catch (error) {
    await client.end().catch(() => {});
    throw failed(error);
  }
}

async function* liveRowBatches(
  client: pg.Client,
  table: TableInfo,
  label: string,
  columns: ColumnType[],
  failed: (error: unknown) => OperationError,
): AsyncGenerator<Buffer[]> {
  // The backup's own path: COPY off the socket, CopyRowsToJson, the array around the rows.
  const converter = new CopyRowsToJson(label, columns);
  const array = new JsonArrayFile();
  const statement = copyStatement(table, columns.map((column) => column.name));
  let flow: { resume(): void; done: Promise<number> } | null = null;
  const content = new Readable({ read: () => flow?.resume() });
  flow = convertCopy((sink) => copyOut(client, statement, sink), converter, { deliver: (batch) => content.push(array.rows(batch)) }, label);
  flow.done.then(
    () => {
      content.push(array.close());
      content.push(null);
    },
    (error: Error) => content.destroy(error),
  );
  try {
    yield* jsonArrayRowBatches(content, label);
  } catch (error) {
    throw failed(error);
  } finally {
    content.destroy();
  }
}
