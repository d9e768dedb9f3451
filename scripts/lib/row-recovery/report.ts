// What a row-level recovery did (or, in a dry run, would do): per table the
// rows put back (keys listed, emails and wallets masked), the rows found
// present, the refused rows and why, and the links --relink puts back.
import { describeKey, describeProblem } from "../restore/report.ts";
import type { RefusedRow } from "../restore/load-table.ts";
import type { SequenceReset } from "../restore/sequences.ts";
import type { DisabledTrigger } from "../restore/triggers.ts";

export interface RecoveredTable {
  table: string;
  /** Rows inserted (a dry run: that would be). */
  restored: number;
  /** Rows of the selection the database holds already: left untouched. */
  present: number;
  /** Rows not put back: a unique clash with a newer row, or a missing parent. */
  refused: number;
  /** Times the table's file was read (a self-reference or a cycle needs more than one pass). */
  scans: number;
  /** Primary keys of the rows put back, masked (the first 1000; none for a table without one). */
  keys: (string | null)[][];
}

export interface LinkReport {
  table: string;
  key: (string | null)[];
  foreignKey: string;
  columns: string[];
  /** The values the backup holds (masked). */
  values: (string | null)[];
  /** Put back (--relink); false: only listed. */
  relinked: boolean;
}

export interface RowRecoveryReport {
  outcome: "restored" | "dry-run" | "refused";
  from: string;
  database: string;
  dryRun: boolean;
  relink: boolean;
  /** Passes over the set's files the search needed. */
  passes: number;
  tables: RecoveredTable[];
  /** Live rows whose foreign key to a restored row is NULL now and was set in the backup. */
  links: LinkReport[];
  refusedRows: RefusedRow[];
  deferredForeignKeys: string[];
  sequences: SequenceReset[];
  triggers: DisabledTrigger[];
  warnings: string[];
  durationMs: number;
}

const keyText = (key: (string | null)[]) => describeKey(key.map((value) => value ?? "NULL"));

export function formatRowRecovery(report: RowRecoveryReport, keysShown = 10): string[] {
  const verb = report.outcome === "restored" ? "rows put back" : report.outcome === "dry-run" ? "dry run (nothing changed)" : "refused (nothing changed)";
  const lines = [`${verb}: ${report.from} -> ${report.database}, ${report.passes} pass(es) over the set`];
  lines.push(`  ${"table".padEnd(20)} ${"restored".padStart(9)} ${"present".padStart(9)} ${"refused".padStart(8)} ${"reads".padStart(6)}`);
  for (const t of report.tables) {
    lines.push(`  ${t.table.padEnd(20)} ${String(t.restored).padStart(9)} ${String(t.present).padStart(9)} ${String(t.refused).padStart(8)} ${String(t.scans).padStart(6)}`);
  }
  for (const t of report.tables.filter((table) => table.keys.length > 0)) {
    const shown = t.keys.slice(0, keysShown).map(keyText);
    const more = t.keys.length > keysShown ? ` … ${t.keys.length - keysShown} more (--json lists up to 1000)` : "";
    lines.push(`  ${t.table} ${report.outcome === "restored" ? "put back" : "to put back"}: ${shown.join("; ")}${more}`);
  }
  const refused = report.tables.reduce((sum, t) => sum + t.refused, 0);
  if (refused > 0) {
    lines.push(`${refused} row(s) refused:`);
    for (const row of report.refusedRows.slice(0, 20)) lines.push(`  ${row.table} (${describeKey(row.key)}): ${row.problems.map(describeProblem).join("; ")}`);
  }
  if (report.links.length > 0) {
    const relinked = report.outcome === "restored" ? "links put back (--relink):" : "links --relink would put back:";
    lines.push(report.relink ? relinked : `links cut by ON DELETE SET NULL (rerun with --relink to put them back):`);
    for (const link of report.links) {
      const state = report.relink && !link.relinked ? " (not put back: set since, or its row was refused)" : "";
      lines.push(`  ${link.table} (${keyText(link.key)}).${link.columns.join(", ")} = ${keyText(link.values)} [${link.foreignKey}]${state}`);
    }
  }
  if (report.deferredForeignKeys.length > 0) lines.push(`deferred foreign keys (checked after the load): ${report.deferredForeignKeys.join(", ")}`);
  for (const s of report.sequences) lines.push(`sequence ${s.sequence} ${report.dryRun ? "would be moved" : "moved"} forward to ${s.value}, was ${s.previous}`);
  if (report.triggers.length > 0) {
    lines.push(`user triggers disabled for the load and re-enabled before commit: ${report.triggers.map((t) => `${t.table}.${t.trigger}`).join(", ")}`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(`duration: ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines;
}
