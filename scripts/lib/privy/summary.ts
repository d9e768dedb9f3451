// The human-readable end-of-run summary of db:restore-users.
import type { RestoreSummary } from "./import.ts";

function byReason(counts: Record<string, number>): string[] {
  return Object.entries(counts).map(([reason, rows]) => `      ${reason}: ${rows}`);
}

export function summaryLines(summary: RestoreSummary): string[] {
  const verb = summary.dryRun ? "would import" : "imported";
  const lines = [
    `read ${summary.format.delimiter}-separated export, ${summary.format.columns} columns` +
      (summary.format.missingOptionalColumns.length > 0 ? ` (no ${summary.format.missingOptionalColumns.join(", ")} column)` : ""),
    `  rows read            ${summary.rowsRead}`,
    `  ${verb.padEnd(20)} ${summary.imported}${summary.withNotes > 0 ? ` (${summary.withNotes} with notes in the report)` : ""}`,
    `  skipped, existing    ${summary.existing}`,
    `  duplicates in file   ${summary.duplicates}`,
    `  conflicts            ${summary.conflicts.total}`,
    ...byReason(summary.conflicts.byReason),
    `  rejected             ${summary.rejected.total}`,
    ...byReason(summary.rejected.byReason),
    `  duration             ${(summary.durationMs / 1000).toFixed(2)} s (${summary.rowsPerSecond} rows/s)`,
  ];
  if (summary.problems.length > 0) {
    const problemCount = summary.duplicates + summary.conflicts.total + summary.rejected.total;
    lines.push(`rows not imported${problemCount > summary.problems.length ? ` (first ${summary.problems.length} of ${problemCount})` : ""}:`);
    for (const row of summary.problems) {
      lines.push(`  line ${row.line}: ${row.outcome}, ${row.reason}${row.detail ? ` — ${row.detail}` : ""}`);
    }
  }
  if (summary.report) lines.push(`report: ${summary.report.file} (${summary.report.rows} rows, CSV)`);
  else if (summary.problems.length > 0 || summary.withNotes > 0) lines.push("run with --report FILE for every row with a problem or a note");
  if (summary.rejected.total + summary.conflicts.total > 0) {
    lines.push("fix the rejected and conflicting rows in the export (or the database) and run again: rows already imported are skipped");
  }
  return lines;
}
