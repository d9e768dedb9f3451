// createBackup: every selected table read in one snapshot and streamed to its
// own object in the backup repository (COPY text → JSON array → [gzip] →
// [AES-256-GCM] → a local 0600 temp file or a multipart upload), checksummed
// on the way; committed only when all are done; the summary written last, so
// its presence marks a complete set. Any failure removes what was written
// (as far as the storage allows) and alerts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sendAlert } from "../alerts.ts";
import { PROJECT_ROOT, describeTarget, type DatabaseTarget } from "../config.ts";
import { describeDatabaseError } from "../db.ts";
import { ConfigError, OperationError, UsageError } from "../errors.ts";
import { defaultSchemas } from "../schemas.ts";
import { tableKey, tableLabel, type TableInfo } from "../tables.ts";
import { createEncryptStream, newSetKey, type SetKey } from "./encryption.ts";
import { openRepository, writeObjectText, type PendingObject } from "../repository/index.ts";
import { Digest, gzipLayer } from "./layers.ts";
import { CopyRowsToJson, JsonArrayFile } from "./copy-to-json.ts";
import { convertCopy } from "./table-json.ts";
import { createRowDigest } from "./row-digest.ts";
import { authenticateSummary } from "./summary-auth.ts";
import { backupTimestamp, summaryFileName, tableFileName, tableFileStems } from "./naming.ts";
import { openSnapshot, type Snapshot } from "./snapshot.ts";
import { FORMAT_VERSION } from "./row-encoding.ts";
import { TOOL_NAME, type BackupKind, type BackupSummary, type BackupTableEntry } from "./summary.ts";

export interface BackupProgress {
  table: string;
  rows: number;
  /** The planner's estimate (pg_class.reltuples); 0 when the table was never analysed. */
  totalRows: number;
}

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
  onProgress?: (progress: BackupProgress) => void;
  /** Aborting (e.g. on SIGINT) stops the backup and removes everything it wrote. */
  signal?: AbortSignal;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
}

const PROGRESS_INTERVAL_MS = 200;

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
    const entries: BackupTableEntry[] = [];
    for (const table of snapshot.tables) {
      const fileName = tableFileName(stems.get(tableLabel(table, primary))!, timestamp, layers);
      const file = repository.openWrite(fileName);
      pending.push(file);
      entries.push(await writeTableFile(snapshot, table, file, fileName, setKey, options));
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

async function writeTableFile(
  snapshot: Snapshot,
  table: TableInfo,
  file: PendingObject,
  fileName: string,
  setKey: SetKey | null,
  options: BackupOptions,
): Promise<BackupTableEntry> {
  const totalRows = Math.max(0, table.estimatedRows);
  // Generated columns are computed again on restore (and cannot be inserted or copied).
  const columns = table.columns.filter((column) => !column.generated).map((column) => ({ name: column.name, type: column.type }));
  let lastReport = 0;
  options.onProgress?.({ table: table.name, rows: 0, totalRows });
  const digest = await createRowDigest();
  const converter = new CopyRowsToJson(table.name, columns, digest);
  const array = new JsonArrayFile();
  let flow: { resume(): void; done: Promise<number> } | null = null;
  const rows = new Readable({ read: () => flow?.resume() });
  flow = convertCopy(
    (sink) => snapshot.copyRows(table, columns.map((column) => column.name), sink),
    converter,
    {
      deliver: (batch) => rows.push(array.rows(batch)),
      onRows(done) {
        const now = performance.now();
        if (options.onProgress && now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          options.onProgress({ table: table.name, rows: done, totalRows });
        }
      },
    },
    table.name,
  );
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
  if (setKey) layers.push(plaintext, createEncryptStream(setKey, fileName));
  layers.push(stored);
  try {
    await pipeline([...layers, file.writable], { signal: options.signal });
    await flow.done;
  } catch (error) {
    throw tableFailure(error, table.name);
  }
  options.onProgress?.({ table: table.name, rows: converter.rows, totalRows });
  const entry: BackupTableEntry = {
    name: table.name,
    schema: table.schema,
    model: table.model,
    file: fileName,
    rows: converter.rows,
    bytes: stored.bytes,
    sha256: stored.sha256(),
    columns,
    generatedColumns: table.columns
      .filter((column) => column.generated)
      .map((column) => ({ name: column.name, type: column.type, expression: column.generationExpression ?? "" })),
    primaryKey: table.primaryKey,
    partitioning: table.partitioned ? { key: table.partitionKey ?? "", partitions: table.partitions } : null,
    inherits: table.inherits,
    rowDigest: digest.value(),
  };
  if (setKey) {
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

function backupFailure(error: unknown, options: BackupOptions): Error {
  if (error instanceof UsageError || error instanceof ConfigError) return error;
  if (options.signal?.aborted) return new OperationError("the backup was interrupted; no backup set was written");
  const reason = error instanceof OperationError ? error.message : describeDatabaseError(error);
  return new OperationError(`backup failed: ${reason}`);
}
