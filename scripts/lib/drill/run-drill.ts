// runRestoreDrill: proves a backup set can become a working database again.
// On a throwaway PostgreSQL (scratch-server.ts) it rebuilds the set's schema
// from the project's migrations (the set's applied list, each file checked
// against the set's _prisma_migrations; migrations/set-migrations.ts), copies
// that freshly migrated database as the reference for the schema check,
// restores the set into it with db:restore's exact restore in --mode empty,
// then checks the result (checks.ts, schema-compare.ts), writes the report
// beside the set (report.ts) and removes everything it created — also when a
// step fails or the drill is interrupted.
import { rmSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { existingSetKey, readSummary, resolveSummaryPath, summarySchemas, type BackupSummary } from "../backup/index.ts";
import { keyForSet } from "../backup/read-rows.ts";
import { parseDatabaseUrl } from "../config.ts";
import { createPool } from "../db.ts";
import { ConfigError, describeDatabaseError, OperationError, UsageError } from "../errors.ts";
import { MIGRATIONS_TABLE } from "../migrations-state.ts";
import { buildDatabaseFromSet, SetMigrationsError, urlWithHistorySchema } from "../migrations/set-migrations.ts";
import type { PrismaProject } from "../migrations/prisma-project.ts";
import { restoreBackup, type RestoreProgress } from "../restore/index.ts";
import { selectEntries } from "../restore/plan.ts";
import { discoverTables, tableKey } from "../tables.ts";
import { entryLabel } from "../backup/summary.ts";
import { checkForeignKeys, checkRows, checkSequences, checkUniqueIndexes } from "./checks.ts";
import { DRILL_REPORT_VERSION, summaryFingerprint, writeDrillReport, type CheckName, type DrillReport } from "./report.ts";
import { schemaDifferences, schemaFingerprint } from "./schema-compare.ts";
import { openScratchServer, type ScratchServer } from "./scratch-server.ts";

export interface DrillOptions {
  /** A summary location or "latest". */
  from: string;
  /** Where "latest" is looked for. */
  backupDir: string;
  /** A PostgreSQL server URL to create the scratch databases on; default: the embedded PostgreSQL in a temporary directory. */
  serverUrl?: string;
  /** Tables of the set to leave out (names as db:restore --tables takes them). */
  excludeTables?: string[];
  encryptionKey?: string;
  project: PrismaProject;
  /** A line for the user as each step starts. */
  onStep?: (line: string) => void;
  onRestoreProgress?: (progress: RestoreProgress) => void;
  /** Aborting removes the throwaway server or databases at once; the drill then ends without a report. */
  signal?: AbortSignal;
}

export class DrillInterruptedError extends OperationError {
  override name = "DrillInterruptedError";
}

/** Stops the drill at a failed check; the report carries the reason. */
class DrillStopped extends Error {}

export async function runRestoreDrill(options: DrillOptions): Promise<DrillReport> {
  const started = performance.now();
  const summaryPath = await resolveSummaryPath(options.from, options.backupDir);
  const summary = await readSummary(summaryPath);
  if (summary.encryption && options.encryptionKey === undefined) {
    throw new ConfigError(`${summaryPath} is encrypted: set BACKUP_ENCRYPTION_KEY to the key the backup was made with.`);
  }
  const loadable = selectEntries(summary);
  const excluded = options.excludeTables?.length ? selectEntries(summary, options.excludeTables) : [];
  const restored = loadable.filter((entry) => !excluded.includes(entry));
  if (restored.length === 0) throw new UsageError("--exclude-tables leaves no table of the set to restore");

  const report: DrillReport = {
    kind: "restore-drill",
    version: DRILL_REPORT_VERSION,
    outcome: "passed",
    failure: null,
    set: {
      summaryPath,
      timestamp: summary.timestamp,
      createdAt: summary.createdAt,
      kind: summary.kind,
      encrypted: summary.encryption !== null,
      compression: summary.compression,
      summaryFingerprint: summaryFingerprint(summary),
    },
    startedAt: new Date().toISOString(),
    finishedAt: "",
    durationMs: 0,
    server: null,
    migrations: [],
    excludedTables: excluded.map((entry) => entryLabel(summary, entry)),
    checks: [],
    tables: [],
    steps: [],
    peakRssMb: 0,
    reportPath: null,
  };
  const record = (name: CheckName, outcome: "passed" | "failed" | "skipped", detail: string) => {
    report.checks.push({ name, outcome, detail });
    if (outcome !== "failed") return;
    report.outcome = "failed";
    report.failure ??= `${name}: ${detail}`;
  };
  const pass = (name: CheckName, detail: string) => record(name, "passed", detail);
  /** A failed check after which the drill cannot go on. */
  const stop = (name: CheckName, detail: string): never => {
    record(name, "failed", detail);
    throw new DrillStopped();
  };
  /** A check that fails without stopping the others. */
  const verdict = (name: CheckName, problems: string[], passed: string) => record(name, problems.length > 0 ? "failed" : "passed", problems.length > 0 ? problems.join("; ") : passed);
  const step = async <T>(name: string, line: string, work: () => Promise<T>): Promise<T> => {
    options.signal?.throwIfAborted();
    options.onStep?.(line);
    const stepStarted = performance.now();
    try {
      return await work();
    } finally {
      report.steps.push({ name, durationMs: Math.round(performance.now() - stepStarted) });
      // Interrupted while the step ran (a server may have come up meanwhile): stop here, the finally below removes it.
      options.signal?.throwIfAborted();
    }
  };

  let server: ScratchServer | null = null;
  let pool: pg.Pool | null = null;
  const teardown = async () => {
    const open = pool;
    pool = null;
    await open?.end().catch(() => {});
    await server?.close();
    // Again at the very end: a child still running at an interruption (prisma) may have written there since.
    if (server) rmSync(server.workDir, { recursive: true, force: true });
  };
  const onAbort = () => void teardown();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await step("summary", `checking ${summaryPath} …`, async () => {
      const problem = await summaryProblem(summaryPath, summary, options.encryptionKey);
      if (problem) stop("summary", problem);
      pass("summary", summary.encryption ? "authenticated: its HMAC holds under BACKUP_ENCRYPTION_KEY" : "unencrypted set: its summary cannot be authenticated (whoever can write the backup location could rewrite it)");
    });

    const opened = await step("server", options.serverUrl ? "creating scratch databases on --server …" : "starting a throwaway embedded PostgreSQL …", async () => {
      // Assigned at once, so that the cleanup below stops it even when the drill is interrupted right now.
      server = await openScratchServer(options.serverUrl);
      return server;
    });
    report.server = { kind: opened.kind, description: opened.description, version: opened.version };
    const url = urlWithHistorySchema(await opened.createDatabase("restore"), summary);
    const target = parseDatabaseUrl(url);

    const applied = summary.migrations.applied;
    await step("migrations", `rebuilding the set's schema: ${applied.length} migrations from ${options.project.migrationsDir} …`, async () => {
      const filesMatch = `${applied.length} migration files match the checksums in the set's ${MIGRATIONS_TABLE}`;
      try {
        report.migrations = await buildDatabaseFromSet(url, { summaryPath, summary, encryptionKey: options.encryptionKey }, options.project, opened.workDir);
      } catch (error) {
        if (!(error instanceof SetMigrationsError)) throw error;
        if (error.step === "migrations-applied") pass("migration-files", filesMatch);
        stop(error.step, error.message);
      }
      pass("migration-files", filesMatch);
      pass("migrations-applied", `${applied.length} migrations applied: ${applied.join(", ") || "(none)"}`);
    });
    // The reference for the schema check: the migrations' schema, copied before any row arrives.
    const referenceUrl = await opened.createDatabase("migrated", "restore");
    pool = createPool(target, { max: 1 });

    await step("tables", "checking that the migrations create every table of the set …", async () => {
      const created = new Set((await discoverTables(pool!, summarySchemas(summary))).map(tableKey));
      const missing = restored.filter((entry) => !created.has(tableKey(entry))).map((entry) => entryLabel(summary, entry));
      if (missing.length > 0) {
        stop(
          "tables-created",
          `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} in the set but no migration creates ${missing.length === 1 ? "it" : "them"} ` +
            `(made by hand, by an extension or by a script): the set cannot become a new database from the migrations alone. ` +
            `Create ${missing.length === 1 ? "it" : "them"} in a migration, or leave ${missing.length === 1 ? "it" : "them"} out with --exclude-tables ${missing.join(",")}`,
        );
      }
      pass("tables-created", `the migrations create all ${restored.length} tables of the set${excluded.length ? ` (${excluded.length} excluded)` : ""}`);
    });

    const restoreReport = await step("restore", "restoring the set (db:restore --mode empty) …", async () => {
      try {
        return await restoreBackup({
          target,
          from: summaryPath,
          backupDir: options.backupDir,
          mode: "empty",
          tables: excluded.length > 0 ? restored.map((entry) => `${entry.schema}.${entry.name}`) : undefined,
          encryptionKey: options.encryptionKey,
          migrationsDir: options.project.migrationsDir,
          onProgress: options.onRestoreProgress,
        });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return stop("restore", describeDatabaseError(error));
      }
    });
    const rows = restoreReport.tables.reduce((sum, table) => sum + table.rows, 0);
    pass("restore", `${restoreReport.tables.length} tables, ${rows} rows restored in ${(restoreReport.durationMs / 1000).toFixed(1)} s`);

    await step("rows", "reading every restored table back: counts and row digests …", async () => {
      report.tables = await checkRows(target, summary, restored);
      const wrongCounts = report.tables.filter((table) => table.restoredRows !== table.backupRows);
      verdict("row-counts", wrongCounts.map((t) => `${t.table}: ${t.restoredRows} rows restored, ${t.backupRows} in the set`), `${report.tables.length} tables hold the set's row counts`);
      const differing = report.tables.filter((table) => table.digest === "differs").map((table) => `${table.table}: the restored rows' digest differs from the one recorded at backup time`);
      const unrecorded = report.tables.filter((table) => table.digest === "not recorded").length;
      if (unrecorded === report.tables.length) {
        report.checks.push({ name: "row-digests", outcome: "skipped", detail: "the set was written before row digests were recorded: only the counts were compared" });
      } else {
        verdict(
          "row-digests",
          differing,
          `the rows of ${report.tables.length - unrecorded} tables equal the set's (order-independent digest of every row)` +
            (unrecorded > 0 ? `; ${unrecorded} without a recorded digest, compared by count only` : ""),
        );
      }
    });

    await step("keys", "checking foreign keys, unique indexes and sequences …", async () => {
      const schemas = summarySchemas(summary);
      const foreignKeys = await checkForeignKeys(pool!, schemas);
      verdict("foreign-keys", foreignKeys.problems, `all ${foreignKeys.checked} foreign keys hold (every referencing row has its parent)`);
      const unique = await checkUniqueIndexes(pool!, schemas);
      verdict("unique-indexes", unique.problems, `all ${unique.checked} unique indexes are valid`);
      const sequences = await checkSequences(pool!, summary, restored, excluded.length === 0);
      if (sequences === null) {
        report.checks.push({ name: "sequences", outcome: "skipped", detail: "a format 1 set records no sequence states" });
      } else {
        verdict("sequences", sequences.problems, `all ${sequences.checked} sequences are at their backed-up state`);
      }
    });

    await step("schema", "comparing the restored schema with the migrations' …", async () => {
      const reference = createPool(parseDatabaseUrl(referenceUrl), { max: 1 });
      try {
        const differences = schemaDifferences(await schemaFingerprint(pool!), await schemaFingerprint(reference));
        verdict("schema", differences, "the restored schema is exactly the one the set's migrations build (tables, columns, keys, indexes, triggers, sequences, types, functions)");
      } finally {
        await reference.end();
      }
    });
  } catch (error) {
    if (options.signal?.aborted) throw new DrillInterruptedError("the drill was interrupted: its throwaway database was removed and no report was written");
    if (error instanceof UsageError || error instanceof ConfigError) throw error;
    if (!(error instanceof DrillStopped)) {
      report.outcome = "failed";
      report.failure ??= `${report.steps.at(-1)?.name ?? "drill"}: ${describeDatabaseError(error)}`;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await teardown();
  }
  report.finishedAt = new Date().toISOString();
  report.durationMs = Math.round(performance.now() - started);
  report.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  // An encrypted set's report is authenticated under its key (a wrong key failed the drill's summary check: unauthenticated, status ignores it).
  const setKey = summary.encryption && options.encryptionKey !== undefined ? await existingSetKey(options.encryptionKey, summary.encryption, path.basename(summaryPath)).catch(() => null) : null;
  await writeDrillReport(report, setKey).catch((error: unknown) => {
    throw new OperationError(`the drill ${report.outcome}, but its report could not be written beside the set: ${describeDatabaseError(error)}`);
  });
  return report;
}

/** Why an encrypted set's summary cannot be trusted (keyForSet checks its HMAC), or null; an unencrypted one cannot be authenticated. */
async function summaryProblem(summaryPath: string, summary: BackupSummary, encryptionKey: string | undefined): Promise<string | null> {
  if (!summary.encryption) return null;
  try {
    await keyForSet(summaryPath, summary, encryptionKey, summaryPath);
    return null;
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    return error.message;
  }
}
