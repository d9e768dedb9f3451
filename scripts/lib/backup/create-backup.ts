// createBackup: every selected table read in one snapshot and streamed to its
// own object in the backup repository (COPY text → JSON array → [gzip] →
// [AES-256-GCM] → a local 0600 temp file or a multipart upload), checksummed
// on the way; committed only when all are done; the summary written last, so
// its presence marks a complete set. Any failure removes what was written
// (as far as the storage allows) and alerts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { sendAlert } from "../alerts.ts";
import { PROJECT_ROOT, describeTarget, type DatabaseTarget } from "../config.ts";
import { ConfigError, describeDatabaseError, OperationError, UsageError } from "../errors.ts";
import { defaultSchemas } from "../schemas.ts";
import { tableKey, tableLabel, type TableInfo } from "../tables.ts";
import { newSetKey } from "./encryption.ts";
import { openRepository, writeObjectText, type PendingObject } from "../repository/index.ts";
import { authenticateSummary } from "./summary-auth.ts";
import { backupTimestamp, summaryFileName, tableFileName, tableFileStems } from "./naming.ts";
import { openSnapshot, type Snapshot } from "./snapshot.ts";
import { runTablesInParallel, type StartTableRows } from "./parallel-tables.ts";
import { openSpoolDirectory } from "./spool.ts";
import { backedUpColumns, writeTableFile, writeTablesInTurn, type TableFileOptions } from "./table-file.ts";
import { FORMAT_VERSION } from "./row-encoding.ts";
import { TOOL_NAME, type BackupKind, type BackupSummary, type BackupTableEntry } from "./summary.ts";

export type { BackupProgress } from "./table-file.ts";

export interface BackupOptions {
  target: DatabaseTarget;
  /** The backup location: a directory or s3://bucket/prefix. */
  outDir: string;
  kind: BackupKind;
  /** Schemas to cover (default: defaultSchemas() of the URL); the first is the primary one. */
  schemas?: string[];
  /** Table names: bare for the primary schema, else schema.table. */
  tables?: string[];
  excludeTables?: string[];
  gzip?: boolean;
  /** The secret (BACKUP_ENCRYPTION_KEY); files are encrypted when set. */
  encryptionKey?: string;
  onProgress?: TableFileOptions["onProgress"];
  /** Aborting (e.g. on SIGINT) stops the backup and removes everything it wrote. */
  signal?: AbortSignal;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
  /** Connections (and worker threads) reading the tables; 1 (the default) reads on this thread. */
  jobs?: number;
  /** With jobs > 1: the smallest ctid range a large table is cut into, in 8 kB blocks (tests cut small tables). */
  minRangeBlocks?: number;
}

export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export async function createBackup(options: BackupOptions): Promise<{ summaryPath: string; summary: BackupSummary }> {
  const started = performance.now();
  const createdAt = new Date();
  const timestamp = backupTimestamp(createdAt);
  const pending: PendingObject[] = [];
  let snapshot: Snapshot | null = null;
  const onAbort = () => snapshot?.destroy();
  options.signal?.addEventListener("abort", onAbort);
  try {
    options.signal?.throwIfAborted();
    const repository = openRepository(options.outDir);
    await repository.prepareForWriting();
    const setKey = options.encryptionKey !== undefined ? await newSetKey(options.encryptionKey) : null;
    const schemas = options.schemas && options.schemas.length > 0 ? options.schemas : defaultSchemas(options.target.url);
    const selection = { schemas, tables: options.tables, excludeTables: options.excludeTables };
    snapshot = await openSnapshot(options.target, selection, { migrationsDir: options.migrationsDir, signal: options.signal });
    options.signal?.throwIfAborted();

    const primary = schemas[0]!;
    // Labels ("users", "auth.users") make file names unique across schemas: auth-users-backup-….json.
    const stems = tableFileStems(snapshot.tables.map((table) => tableLabel(table, primary)));
    const layers = { gzip: options.gzip ?? false, encrypted: setKey !== null };
    const fileOptions = { setKey, gzip: options.gzip ?? false, onProgress: options.onProgress, signal: options.signal };
    const writeTable = (table: TableInfo, rows: StartTableRows) => {
      const fileName = tableFileName(stems.get(tableLabel(table, primary))!, timestamp, layers);
      const file = repository.openWrite(fileName);
      pending.push(file);
      return writeTableFile(table, rows, file, fileName, fileOptions);
    };
    const jobs = options.jobs ?? 1;
    const entries: BackupTableEntry[] = [];
    if (jobs > 1) {
      entries.push(...(await readInParallel(snapshot, jobs, options, (index, rows) => writeTable(snapshot!.tables[index]!, rows))));
    } else {
      entries.push(...(await writeTablesInTurn(snapshot, writeTable)));
    }
    const { serverVersion, migrations, migrationsTable, sequences, tables } = snapshot;
    await snapshot.close();
    snapshot = null;

    const summary: BackupSummary = {
      formatVersion: FORMAT_VERSION,
      createdAt: createdAt.toISOString(),
      timestamp,
      kind: options.kind,
      database: { host: options.target.host, port: options.target.port, name: options.target.database, schema: primary, schemas, serverVersion },
      // No _prisma_migrations: the database is not managed by Prisma Migrate, so none of the project's migrations is pending there.
      migrations: { table: migrationsTable, applied: migrations.applied, pending: migrationsTable ? migrations.pending : [], failed: migrations.failed },
      selection: { schemas, tables: options.tables?.length ? [...options.tables] : null, excludeTables: [...(options.excludeTables ?? [])] },
      tables: entries,
      sequences: sequences.map(({ schema, name, lastValue, isCalled, increment, usedBy }) => ({ schema, name, lastValue, isCalled, increment, usedBy })),
      counts: Object.fromEntries(entries.map((entry) => [tableLabel(entry, primary), entry.rows])),
      warnings: foreignKeysLeaving(tables, schemas),
      durationMs: 0,
      tool: { name: TOOL_NAME, version: toolVersion() },
      compression: options.gzip ? "gzip" : null,
      encryption: setKey?.info ?? null,
    };

    // Table files first, the summary last: its presence marks the set complete.
    options.signal?.throwIfAborted();
    for (const file of pending) await file.commit();
    summary.durationMs = Math.round(performance.now() - started);
    if (setKey) summary.authentication = authenticateSummary(summary, setKey);
    const summaryPath = await writeObjectText(repository, summaryFileName(timestamp), `${JSON.stringify(summary, null, 2)}\n`);
    return { summaryPath, summary };
  } catch (error) {
    snapshot?.destroy();
    await Promise.all(pending.map((file) => file.discard()));
    const failure = backupFailure(error, options);
    await sendAlert({
      severity: "error",
      title: `Database backup (${options.kind}) of ${describeTarget(options.target)} failed`,
      details: [failure.message, `No backup set was written to ${options.outDir} (partial files removed).`],
    });
    throw failure;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** A foreign key into a schema the set does not cover: the set is then not self-contained. */
function foreignKeysLeaving(tables: TableInfo[], schemas: string[]): string[] {
  return tables.flatMap((table) =>
    table.foreignKeys
      .filter((fk) => !schemas.includes(fk.referencedSchema))
      .map(
        (fk) =>
          `${tableKey(table)} references ${tableKey({ schema: fk.referencedSchema, name: fk.referencedTable })} (foreign key ${fk.name}), ` +
          `outside the backed-up schemas (${schemas.join(", ")}): the set is not self-contained — restore it into a database that has those rows, or add --schemas ${[...schemas, fk.referencedSchema].join(",")}`,
      ),
  );
}

/**
 * `--jobs N`: the tables over N worker connections in this snapshot (exported,
 * and held open here until the last worker is done), converted off this thread.
 */
async function readInParallel(
  snapshot: Snapshot,
  jobs: number,
  options: BackupOptions,
  writeTable: (index: number, rows: StartTableRows) => Promise<BackupTableEntry>,
): Promise<BackupTableEntry[]> {
  const snapshotId = await snapshot.exportSnapshot();
  const blocks = await snapshot.relationBlocks(snapshot.tables);
  const plans = snapshot.tables.map((table, i) => ({ table, columns: backedUpColumns(table), blocks: blocks[i]! }));
  const { startCopyWorkers } = await import("./copy-workers.ts");
  const pool = await startCopyWorkers(options.target.url, snapshotId, jobs);
  const stop = () => void pool.destroy();
  options.signal?.addEventListener("abort", stop);
  const spools = await openSpoolDirectory();
  try {
    const entries = await runTablesInParallel(pool, plans, spools, writeTable, {
      minRangeBlocks: options.minRangeBlocks,
      // TID range scans came with PostgreSQL 14; before that a range would be a whole-table scan.
      tidRangeScans: Number.parseInt(snapshot.serverVersion, 10) >= 14,
    });
    await pool.close();
    return entries;
  } catch (error) {
    await pool.destroy();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
    await spools.remove();
  }
}

function backupFailure(error: unknown, options: BackupOptions): Error {
  if (error instanceof UsageError || error instanceof ConfigError) return error;
  if (options.signal?.aborted) return new OperationError("the backup was interrupted; no backup set was written");
  const reason = error instanceof OperationError ? error.message : describeDatabaseError(error);
  return new OperationError(`backup failed: ${reason}`);
}
