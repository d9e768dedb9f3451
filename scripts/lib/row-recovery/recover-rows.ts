// recoverRows (db:restore --rows): put back chosen rows of a set and what
// depends on them, in ONE transaction. The set is searched first
// (collect.ts) while the app keeps running; then only the tables written are
// locked, their user triggers disabled (as every restore does), the found
// rows loaded table by table in foreign-key order through restore's checked
// load — a row present by then is skipped, a unique clash or a missing parent
// refused and listed, exactly as --mode skip-existing does — the links cut by
// ON DELETE SET NULL put back (--relink), and sequences moved forward, never
// back. A dry run does all of it and rolls back.
import { readSummary, resolveSummaryPath, type BackupSummary } from "../backup/index.ts";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { createPool, quoteIdent } from "../db.ts";
import { OperationError, UsageError } from "../errors.ts";
import { redactForLog } from "../redact.ts";
import { deferForeignKeys } from "../restore/constraints.ts";
import { encodeRows } from "../restore/copy-encoders.ts";
import { loadTable } from "../restore/load-table.ts";
import { selectEntries, type PlannedTable } from "../restore/plan.ts";
import { finishLoad, inLoadTransaction, lockTables } from "../restore/load-transaction.ts";
import { planAgainstDatabase } from "../restore/restore-backup.ts";
import { restoreSequences } from "../restore/sequences.ts";
import { disableUserTriggers } from "../restore/triggers.ts";
import { tableKey, tableRelation, type TableInfo } from "../tables.ts";
import type pg from "pg";
import { collectRows, type Link, type SeedFilter } from "./collect.ts";
import { matchesTuple } from "./live-rows.ts";
import type { RowRecoveryReport } from "./report.ts";
import type { RowSelector } from "./selector.ts";

/** Keys listed per table in the report (the counts are always exact). */
const KEYS_KEPT = 1000;
/** Found rows handed to the load per batch. */
const LOAD_BATCH = 1000;

export interface RowRecoveryOptions {
  target: DatabaseTarget;
  /** A backup-summary-<timestamp>.json path, or "latest" (newest set in backupDir). */
  from: string;
  backupDir: string;
  selectors: RowSelector[];
  /** Put back foreign keys that ON DELETE SET NULL cut (else they are only listed). */
  relink?: boolean;
  dryRun?: boolean;
  allowSchemaMismatch?: boolean;
  /** Put back the other rows when some clash or lack a parent. */
  continueOnConflict?: boolean;
  encryptionKey?: string;
  migrationsDir?: string;
  lockTimeoutMs?: number;
  onStep?: (message: string) => void;
}

/** Each --rows selector resolved to its planned table (named as --tables names it) and a column the restore loads. */
function seedFilters(tables: PlannedTable[], selectors: RowSelector[], summary: BackupSummary): SeedFilter[] {
  return selectors.map((selector) => {
    const [entry] = selectEntries(summary, [selector.table], "--rows");
    const planned = tables.find((candidate) => candidate.entry === entry);
    if (!planned) throw new UsageError(`--rows: the database has no table ${selector.table} to restore into`);
    if (!planned.columns.includes(selector.column)) {
      throw new UsageError(`--rows: ${planned.label} has no column "${selector.column}" in the backup; it has ${planned.columns.join(", ")}`);
    }
    return { planned, column: selector.column, values: selector.values };
  });
}

export async function recoverRows(options: RowRecoveryOptions): Promise<RowRecoveryReport> {
  if (options.selectors.length === 0) throw new UsageError("--rows needs at least one TABLE:COLUMN=VALUE");
  const started = performance.now();
  const summaryPath = await resolveSummaryPath(options.from, options.backupDir);
  const summary = await readSummary(summaryPath);
  const pool = createPool(options.target, { max: 1, application_name: "prisma-data-guard restore --rows" });
  try {
    const client = await pool.connect();
    try {
      const plan = await planAgainstDatabase(client, summary, { ...options, mode: "skip-existing" });
      const seeds = seedFilters(plan.tables, options.selectors, summary);
      const report: RowRecoveryReport = {
        outcome: options.dryRun ? "dry-run" : "restored",
        from: summaryPath,
        database: describeTarget(options.target),
        dryRun: options.dryRun ?? false,
        relink: options.relink ?? false,
        passes: 0,
        tables: [],
        links: [],
        refusedRows: [],
        deferredForeignKeys: [],
        sequences: [],
        triggers: [],
        warnings: plan.warnings,
        durationMs: 0,
      };
      await inLoadTransaction(client, async (step) => {
        step("(searching the set)");
        options.onStep?.(`searching ${summaryPath} for the rows to put back …`);
        const found = await collectRows({ client, summaryPath, summary, tables: plan.tables, seeds, encryptionKey: options.encryptionKey });
        if (found.unmatched.length > 0) {
          throw new OperationError(
            `--rows: the set holds no row with ${found.unmatched.map(redactForLog).join(", ")} (check the values, or name an older set with --from)`,
          );
        }
        report.passes = found.passes;
        const loading = found.tables.filter((table) => table.rows.length > 0);
        const linked = options.relink ? found.links : [];
        const written = uniqueTables([...loading.map((table) => table.planned.table), ...linked.map((link) => link.child)]);
        step("(locking the tables)");
        await lockTables(client, written, options.lockTimeoutMs);
        step("(disabling user triggers)");
        report.triggers = await disableUserTriggers(client, written);
        const writtenKeys = new Set(written.map(tableKey));
        const deferred = plan.deferredForeignKeys.filter((fk) => writtenKeys.has(tableKey({ schema: fk.schema, name: fk.table })));
        report.deferredForeignKeys = deferred.map((fk) => fk.name);
        await deferForeignKeys(client, deferred);

        for (const table of found.tables) {
          if (table.rows.length === 0 && table.present === 0) continue;
          step(table.planned.label);
          const loaded = table.rows.length > 0 ? await loadTable(client, table.planned, encodeRows(table.planned, batches(table.rows), summary.formatVersion)) : null;
          report.tables.push({
            table: table.planned.label,
            restored: loaded?.inserted ?? 0,
            present: table.present + (loaded?.skipped ?? 0),
            refused: loaded?.refusedCount ?? 0,
            scans: table.scans,
            keys: table.planned.table.primaryKey.length > 0 ? table.keys.slice(0, KEYS_KEPT).map(maskTuple) : [],
          });
          report.refusedRows.push(...(loaded?.refused ?? []).map((row) => ({ ...row, key: row.key.map((value) => redactForLog(String(value))) })));
        }
        step("(relinking)");
        for (const link of found.links) {
          const relinked = options.relink ? await relink(client, link) : false;
          report.links.push({
            table: link.label,
            key: maskTuple(link.key),
            foreignKey: link.foreignKey.name,
            columns: link.foreignKey.columns,
            values: maskTuple(link.values),
            relinked,
          });
        }
        const restoredTables = loading.map((table) => table.planned.table);
        await finishLoad(client, step, report, {
          deferred,
          continueOnConflict: options.continueOnConflict,
          dryRun: options.dryRun,
          setSequences: () => restoreSequences(client, summary, restoredTables, { mode: "skip-existing", wholeSet: false, apply: !options.dryRun }),
        });
      });
      report.durationMs = Math.round(performance.now() - started);
      return report;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

async function* batches(rows: Buffer[]): AsyncGenerator<Buffer[]> {
  for (let from = 0; from < rows.length; from += LOAD_BATCH) yield rows.slice(from, from + LOAD_BATCH);
}

function maskTuple(tuple: (string | null)[]): (string | null)[] {
  return tuple.map((value) => (value === null ? null : redactForLog(value)));
}

function uniqueTables(tables: TableInfo[]): TableInfo[] {
  return [...new Map(tables.map((table) => [tableKey(table), table])).values()];
}

/**
 * Sets the link's columns back to the backup's values where they are still
 * all NULL and the row they name is there (it may have been refused).
 */
async function relink(client: pg.PoolClient, link: Link): Promise<boolean> {
  const { foreignKey: fk, child, parent } = link;
  const set = fk.columns.map((column, i) => `${quoteIdent(column)} = (${VALUES}->>${i})::${child.columns.find((c) => c.name === column)!.type}`);
  const result = await client.query(
    `UPDATE ${tableRelation(child)} t SET ${set.join(", ")}
      WHERE ${matchesTuple(child, child.primaryKey, "t", KEY)}
        AND ${fk.columns.map((column) => `t.${quoteIdent(column)} IS NULL`).join(" AND ")}
        AND EXISTS (SELECT 1 FROM ${tableRelation(parent)} p WHERE ${matchesTuple(parent, fk.referencedColumns, "p", VALUES)})`,
    [JSON.stringify(link.key), JSON.stringify(link.values)],
  );
  return (result.rowCount ?? 0) > 0;
}

const KEY = "$1::json";
const VALUES = "$2::json";
