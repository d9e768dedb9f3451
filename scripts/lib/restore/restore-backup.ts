// restoreBackup: verify the set, compare schemas, plan, then load every
// selected table in foreign-key order inside ONE transaction — either the
// whole restore lands or nothing changes. Each loaded file is read once and
// verified as it loads (single-pass.ts). User triggers are off for the load
// (triggers.ts). In empty and replace mode the tables' indexes and keys are
// dropped first and rebuilt after the load (index-rebuild.ts): each table's
// keys and indexes as soon as its rows are in, each foreign key as soon as
// both its tables are (rebuild-schedule.ts) — while the next file is read
// and converted ahead (read-ahead.ts). Sequences are set last
// (sequences.ts). A dry run does all of it and rolls back, so its counts are
// exactly what a real run would do.
import { createBackup, readSummary, readTableRowBatches, resolveSummaryPath, summarySchemas } from "../backup/index.ts";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { createPool } from "../db.ts";
import { OperationError, UsageError } from "../errors.ts";
import { readMigrationState } from "../migrations-state.ts";
import { prismaModelsByTable } from "../prisma-client.ts";
import { discoverTables, schemaFromUrl, tableRelation } from "../tables.ts";
import type pg from "pg";
import { foreignKeysInto, uniqueKeys } from "./catalog.ts";
import { deferForeignKeys } from "./constraints.ts";
import { CopyEncoderPool, encodeRows } from "./copy-encoders.ts";
import { dropForBulkLoad, rebuildAfterLoad, type DroppedDefinition } from "./index-rebuild.ts";
import { loadTable } from "./load-table.ts";
import { readAhead, type ReadAhead } from "./read-ahead.ts";
import { RebuildSchedule } from "./rebuild-schedule.ts";
import { planRestore, type PlannedTable, type RestoreMode, type RestorePlan } from "./plan.ts";
import type { RestoreReport, TableReport } from "./report.ts";
import type { BackupSummary } from "../backup/index.ts";
import { restoreSequences } from "./sequences.ts";
import { loadFailureCause, verifyBeforeLoad } from "./single-pass.ts";
import { disableUserTriggers } from "./triggers.ts";
import { finishLoad, inLoadTransaction, lockTables, REBUILDING } from "./load-transaction.ts";

/**
 * How much of the next table's COPY data is read and converted ahead while
 * the server builds the previous table's indexes (about 0.7 s of converting
 * here; most index builds of 100,000 users' tables take that long or more).
 */
const READ_AHEAD_BYTES = 48 * 1024 * 1024;

export interface RestoreProgress {
  table: string;
  rows: number;
  totalRows: number;
}

export interface RestoreOptions {
  target: DatabaseTarget;
  /** A backup-summary-<timestamp>.json path, or "latest" (newest set in backupDir). */
  from: string;
  backupDir: string;
  mode: RestoreMode;
  /** Table, model or file names; undefined = every table in the set. */
  tables?: string[];
  /** Required by --mode replace (except in a dry run). */
  yes?: boolean;
  dryRun?: boolean;
  allowSchemaMismatch?: boolean;
  /** skip-existing: restore the other rows even when some are refused. */
  continueOnConflict?: boolean;
  encryptionKey?: string;
  migrationsDir?: string;
  /**
   * CPU cores to use (default 1): jobs - 1 worker threads convert the rows
   * (copy-encoders.ts), and each index build may use jobs - 1 parallel server
   * workers. Everything still happens in the one transaction.
   */
  jobs?: number;
  /** How long to wait for the tables' locks before giving up. */
  lockTimeoutMs?: number;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called as each long step starts (verifying, rebuilding), with a line for the user. */
  onStep?: (message: string) => void;
  /** Called after each table is loaded (still inside the transaction). */
  onTableDone?: (table: TableReport) => void;
}

function checkOptions(options: RestoreOptions): void {
  if (options.mode === "replace" && !options.yes && !options.dryRun) {
    throw new UsageError(
      "--mode replace empties the selected tables before loading them; add --yes to confirm (a pre-restore backup is taken first), or try --dry-run",
    );
  }
  if (options.continueOnConflict && options.mode !== "skip-existing") {
    throw new UsageError("--continue-on-conflict only applies to --mode skip-existing");
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  checkOptions(options);
  const started = performance.now();
  const summaryPath = await resolveSummaryPath(options.from, options.backupDir);
  const summary = await readSummary(summaryPath);
  options.onStep?.(`checking ${summaryPath} (each file is verified as it loads) …`);
  await verifyBeforeLoad(summaryPath, new Set(summary.tables.map((entry) => entry.file)), options.encryptionKey);

  const pool = createPool(options.target, { max: 1, application_name: "prisma-data-guard restore" });
  try {
    const client = await pool.connect();
    try {
      const plan = await planAgainstDatabase(client, summary, options);
      const loadedFiles = new Set(plan.tables.map((planned) => planned.entry.file));
      if (loadedFiles.size < summary.tables.length) await verifyBeforeLoad(summaryPath, loadedFiles, options.encryptionKey);

      const report: RestoreReport = {
        outcome: options.dryRun ? "dry-run" : "restored",
        from: summaryPath,
        database: describeTarget(options.target),
        mode: options.mode,
        dryRun: options.dryRun ?? false,
        tables: [],
        refusedRows: [],
        deferredForeignKeys: [],
        rebuilt: { keysAndIndexes: 0, foreignKeys: 0, durationMs: 0 },
        sequences: [],
        triggers: [],
        preRestoreBackup: null,
        schemaDifferences: plan.differences,
        warnings: plan.warnings,
        durationMs: 0,
      };

      const jobs = options.jobs ?? 1;
      let encoders: CopyEncoderPool | undefined;
      try {
        await inLoadTransaction(client, async (step) => {
          const tables = plan.tables.map((planned) => planned.table);
          await lockTables(client, tables, options.lockTimeoutMs);
          step("(disabling user triggers)");
          report.triggers = await disableUserTriggers(client, tables);
          step("(preparing)");
          const replaced = await prepareTables(client, summary, plan.tables, options, report);
          // skip-existing loads next to existing rows: its checks need the indexes.
          const dropped = options.mode === "skip-existing" ? [] : await dropForBulkLoad(client, tables);
          const rebuiltKeys = new Set(dropped.map((item) => `${item.schema}.${item.table}.${item.name}`));
          const deferred = plan.deferredForeignKeys.filter((fk) => !rebuiltKeys.has(`${fk.schema}.${fk.table}.${fk.name}`));
          report.deferredForeignKeys = deferred.map((fk) => fk.name);
          await deferForeignKeys(client, deferred);
          if (jobs > 1) encoders = new CopyEncoderPool(jobs - 1);
          const encoded = (planned: PlannedTable) =>
            encodeRows(planned, readTableRowBatches(summaryPath, planned.entry, { encryptionKey: options.encryptionKey, singlePass: true }), summary.formatVersion, encoders);
          const rebuildOptions = { parallelWorkers: options.jobs === undefined ? undefined : jobs - 1 };
          let rebuildMs = 0;
          const rebuild = async (items: DroppedDefinition[]) => {
            const started = performance.now();
            await rebuildAfterLoad(client, items, rebuildOptions);
            rebuildMs += performance.now() - started;
          };
          const schedule = new RebuildSchedule(dropped);
          let ahead: ReadAhead | null = null;
          try {
            for (const [index, planned] of plan.tables.entries()) {
              step(planned.label);
              const totalRows = planned.entry.rows;
              const onRows = (done: number) => options.onProgress?.({ table: planned.label, rows: done, totalRows });
              const loaded = await loadTable(client, planned, ahead ?? encoded(planned), onRows).catch(async (error: unknown) => {
                throw await loadFailureCause(error, summaryPath, planned.entry, options.encryptionKey);
              });
              ahead = null;
              const tableReport: TableReport = {
                table: planned.label,
                rows: loaded.rows,
                inserted: loaded.inserted,
                skipped: loaded.skipped,
                replaced: replaced.get(planned.label) ?? 0,
                refused: loaded.refusedCount,
              };
              report.tables.push(tableReport);
              report.refusedRows.push(...loaded.refused);
              options.onTableDone?.(tableReport);
              const now = schedule.afterLoad(planned.table);
              if (now.length === 0) continue;
              const following = plan.tables[index + 1];
              if (following) ahead = readAhead(encoded(following), READ_AHEAD_BYTES);
              step(REBUILDING);
              await rebuild(now);
            }
          } finally {
            await ahead?.cancel();
          }
          step(REBUILDING);
          const lastForeignKeys = schedule.remaining();
          if (lastForeignKeys.length > 0) options.onStep?.(`checking ${lastForeignKeys.length} foreign keys dropped for the load …`);
          await rebuild(lastForeignKeys);
          const foreignKeys = dropped.filter((item) => item.kind === "foreign key").length;
          report.rebuilt = {
            keysAndIndexes: dropped.length - foreignKeys,
            foreignKeys,
            durationMs: Math.round(rebuildMs),
          };
          await finishLoad(client, step, report, {
            deferred,
            continueOnConflict: options.continueOnConflict,
            dryRun: options.dryRun,
            setSequences: () => restoreSequences(client, summary, tables, { mode: options.mode, wholeSet: options.tables === undefined, apply: !options.dryRun }),
          });
        });
      } finally {
        await encoders?.close();
      }
      report.durationMs = Math.round(performance.now() - started);
      return report;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** The plan for restoring `summary` into the database `client` is connected to, from its catalog and migration history. */
export async function planAgainstDatabase(
  client: pg.PoolClient,
  summary: BackupSummary,
  options: Pick<RestoreOptions, "target" | "migrationsDir" | "mode" | "tables" | "allowSchemaMismatch">,
): Promise<RestorePlan> {
  const databaseTables = await discoverTables(client, summarySchemas(summary), await prismaModelsByTable());
  // Prisma keeps its history in the URL's schema.
  const migrations = await readMigrationState(client, options.migrationsDir, schemaFromUrl(options.target.url));
  return planRestore({
    summary,
    databaseMigrations: migrations.applied,
    databaseTables,
    foreignKeysInto: await foreignKeysInto(client, summary.tables),
    uniqueKeys: await uniqueKeys(client, summary.tables),
    mode: options.mode,
    requestedTables: options.tables,
    allowSchemaMismatch: options.allowSchemaMismatch ?? false,
  });
}

/** Mode-specific preparation inside the transaction; returns rows replaced per table label. */
async function prepareTables(
  client: pg.PoolClient,
  summary: BackupSummary,
  tables: PlannedTable[],
  options: RestoreOptions,
  report: RestoreReport,
): Promise<Map<string, number>> {
  const replaced = new Map<string, number>();
  if (options.mode === "empty") {
    const occupied: string[] = [];
    for (const { table, label } of tables) {
      const result = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${tableRelation(table)}) AS any`);
      if (result.rows[0]!.any) occupied.push(label);
    }
    if (occupied.length > 0) {
      throw new OperationError(
        `--mode empty restores only into empty tables, and ${occupied.join(", ")} ${occupied.length === 1 ? "has" : "have"} rows. ` +
          `Use --mode skip-existing to add the missing rows, or --mode replace --yes to overwrite (a pre-restore backup is taken first).`,
      );
    }
  }
  if (options.mode === "replace" && tables.length > 0) {
    for (const { table, label } of tables) {
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${tableRelation(table)}`);
      replaced.set(label, Number(result.rows[0]!.n));
    }
    if (!options.dryRun) {
      // Taken while this transaction holds the tables' EXCLUSIVE locks: nothing can change between it and the TRUNCATE.
      const schemas = summarySchemas(summary).filter((schema) => tables.some(({ table }) => table.schema === schema));
      const backup = await createBackup({
        target: options.target,
        outDir: options.backupDir,
        kind: "pre-restore",
        schemas,
        tables: tables.map(({ table }) => `${table.schema}.${table.name}`),
        encryptionKey: options.encryptionKey,
      });
      report.preRestoreBackup = backup.summaryPath;
    }
    // ONLY: an inheritance parent is emptied alone, its children (outside the restore or restored on their own) keep their rows.
    await client.query(`TRUNCATE ${tables.map(({ table }) => tableRelation(table)).join(", ")}`);
  }
  return replaced;
}
