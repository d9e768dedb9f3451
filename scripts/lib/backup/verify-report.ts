// How db:verify-backup shows its report to a person.
import type { Reporter } from "../cli.ts";
import type { VerifyReport } from "./verify.ts";

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function printVerifyReport(reporter: Reporter, report: VerifyReport): void {
  reporter.info(`backup set ${report.summaryPath} (${report.kind}, ${report.timestamp})`);
  for (const table of report.tables) {
    const rows = table.rows === null ? "unreadable" : `${table.rows} rows`;
    reporter.info(`  ${table.ok ? "ok  " : "FAIL"} ${table.name.padEnd(22)} ${rows.padStart(12)}  ${table.file}`);
  }
  for (const problem of report.problems) reporter.info(`  problem: ${problem.file}: ${problem.problem}`);
  if (report.drift) {
    reporter.info(`drift since the backup (live database ${report.drift.database}):`);
    for (const table of report.drift.tables) {
      reporter.info(`  ${table.table.padEnd(22)} backup ${String(table.backupRows).padStart(10)}  now ${String(table.liveRows).padStart(10)}  ${signed(table.change)}`);
    }
    if (report.drift.onlyInDatabase.length > 0) reporter.info(`  tables not in the backup: ${report.drift.onlyInDatabase.join(", ")}`);
    if (report.drift.onlyInBackup.length > 0) reporter.info(`  tables no longer in the database: ${report.drift.onlyInBackup.join(", ")}`);
  }
  reporter.info(
    report.ok
      ? `verified: all ${report.tables.length} files match the summary`
      : `FAILED: ${report.problems.length} problem(s); do not rely on this backup set`,
  );
}
