// The restore's report: what it did (or, in a dry run, would do) per table,
// what it refused and why, and how long it took. The CLI prints it as text
// or, with --json, as this object.
import type { RefusedRow } from "./load-table.ts";
import type { RestoreMode } from "./plan.ts";
import type { SchemaDifferences } from "./schema-check.ts";
import type { SequenceReset } from "./sequences.ts";
import type { DisabledTrigger } from "./triggers.ts";

export interface TableReport {
  /** Bare in the set's primary schema, else schema.table. */
  table: string;
  /** Rows in the backup file. */
  rows: number;
  inserted: number;
  /** skip-existing: rows whose primary key was already there. */
  skipped: number;
  /** replace: rows that were in the table before it was emptied. */
  replaced: number;
  /** Rows not restored because they clash with existing rows or lack a parent row. */
  refused: number;
}

export type RestoreOutcome = "restored" | "dry-run" | "refused";

export interface RestoreReport {
  outcome: RestoreOutcome;
  from: string;
  database: string;
  mode: RestoreMode;
  dryRun: boolean;
  tables: TableReport[];
  /** The first refused rows of each table (the per-table counts are exact). */
  refusedRows: RefusedRow[];
  /** Foreign keys made DEFERRABLE for the load and checked at its end (self-references, cycles). */
  deferredForeignKeys: string[];
  /** Dropped before the load and built again after it (empty and replace modes; see index-rebuild.ts). */
  rebuilt: { keysAndIndexes: number; foreignKeys: number; durationMs: number };
  /** Every sequence set (skip-existing: only those the backup moves forward). */
  sequences: SequenceReset[];
  /** User triggers of the restored tables, disabled for the load and put back in their state before commit. */
  triggers: DisabledTrigger[];
  /** replace mode: the backup taken of the tables before they were emptied. */
  preRestoreBackup: string | null;
  schemaDifferences: SchemaDifferences;
  warnings: string[];
  durationMs: number;
}

export function describeKey(key: unknown[]): string {
  return key.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(", ");
}

export function describeProblem(problem: string): string {
  const [kind, name] = problem.split(/:(.*)/s);
  return kind === "unique" ? `clashes with an existing row on unique key ${name}` : `its parent row is missing (${name})`;
}

/** Human-readable lines; rows are named by primary key only (no other column values are printed). */
export function formatReport(report: RestoreReport, refusedShown = 20): string[] {
  const lines: string[] = [];
  const verb = report.outcome === "restored" ? "restored" : report.outcome === "dry-run" ? "dry run (nothing changed)" : "refused (nothing changed)";
  lines.push(`${verb}: ${report.from} -> ${report.database}, mode ${report.mode}`);
  lines.push(`  ${"table".padEnd(20)} ${"backup".padStart(10)} ${"inserted".padStart(10)} ${"skipped".padStart(10)} ${"replaced".padStart(10)} ${"refused".padStart(8)}`);
  for (const t of report.tables) {
    lines.push(
      `  ${t.table.padEnd(20)} ${String(t.rows).padStart(10)} ${String(t.inserted).padStart(10)} ${String(t.skipped).padStart(10)} ` +
        `${String(t.replaced).padStart(10)} ${String(t.refused).padStart(8)}`,
    );
  }
  const refusedTotal = report.tables.reduce((sum, t) => sum + t.refused, 0);
  if (refusedTotal > 0) {
    lines.push(`${refusedTotal} row(s) refused:`);
    for (const row of report.refusedRows.slice(0, refusedShown)) {
      lines.push(`  ${row.table} (${describeKey(row.key)}): ${row.problems.map(describeProblem).join("; ")}`);
    }
    if (refusedTotal > refusedShown) lines.push(`  … ${refusedTotal - Math.min(refusedShown, report.refusedRows.length)} more (--json lists up to 1000 per table)`);
  }
  const { keysAndIndexes, foreignKeys, durationMs } = report.rebuilt;
  if (keysAndIndexes + foreignKeys > 0) {
    lines.push(`rebuilt after the load: ${keysAndIndexes} keys and indexes, ${foreignKeys} foreign keys (${(durationMs / 1000).toFixed(1)} s)`);
  }
  if (report.deferredForeignKeys.length > 0) lines.push(`deferred foreign keys (checked after the load): ${report.deferredForeignKeys.join(", ")}`);
  for (const s of report.sequences) {
    const used = s.usedBy.length > 0 ? `used by ${s.usedBy.join(", ")}` : "free-standing";
    lines.push(`sequence ${s.sequence} ${report.dryRun ? "would be set" : "set"} to ${s.value}${s.isCalled ? "" : " (not yet called)"}, was ${s.previous} (${used})`);
  }
  if (report.triggers.length > 0) {
    lines.push(
      `user triggers disabled for the load and re-enabled before commit (restored rows are the backup's, not rewritten): ` +
        report.triggers.map((t) => `${t.table}.${t.trigger}`).join(", "),
    );
  }
  if (report.preRestoreBackup) lines.push(`pre-restore backup of the replaced tables: ${report.preRestoreBackup}`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(`duration: ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines;
}
