// `pnpm run db:prune-backups`: deletes old backup sets by a keep-last +
// daily/weekly/monthly (GFS) policy. Whole sets only, only files a summary
// lists, the newest set and the newest pre-migration and pre-restore sets always kept.
import { createReporter, defineCommand, runCli } from "./lib/cli.ts";
import { defaultBackupDir } from "./lib/backup/index.ts";
import { UsageError } from "./lib/errors.ts";
import { DEFAULT_RETENTION, type RetentionPolicy } from "./lib/retention/policy.ts";
import { pruneBackups } from "./lib/retention/prune.ts";
import { printPruneReport } from "./lib/retention/report.ts";

function count(option: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) throw new UsageError(`${option} must be a whole number ≥ 0 (got "${value}")`);
    return parsed;
  };
}

const program = defineCommand("db:prune-backups", "Delete old backup sets, keeping the newest and a daily/weekly/monthly history")
  .option("--dir <location>", "backup location: a directory or s3://bucket/prefix (default: BACKUP_DIR or backups/)")
  .option("--keep-last <n>", "keep the newest N sets", count("--keep-last"), DEFAULT_RETENTION.keepLast)
  .option("--keep-daily <n>", "keep the newest set of each of the last N days with a backup", count("--keep-daily"), DEFAULT_RETENTION.keepDaily)
  .option("--keep-weekly <n>", "keep the newest set of each of the last N ISO weeks with a backup", count("--keep-weekly"), DEFAULT_RETENTION.keepWeekly)
  .option("--keep-monthly <n>", "keep the newest set of each of the last N months with a backup", count("--keep-monthly"), DEFAULT_RETENTION.keepMonthly)
  .option("--dry-run", "list what would be deleted; delete nothing")
  .option("--json", "print the report as JSON on stdout (human output moves to stderr)")
  .addHelpText(
    "after",
    "\nAlways kept: the newest set and the newest pre-migration and pre-restore sets. Only files a set's summary lists are deleted.\n" +
      "Exit codes: 0 done (or dry run), 1 a file could not be deleted or a summary is inconsistent, 2 usage error.",
  );

await runCli(async () => {
  program.parse();
  const options = program.opts<{
    dir?: string; keepLast: number; keepDaily: number; keepWeekly: number; keepMonthly: number; dryRun?: boolean; json?: boolean;
  }>();
  const policy: RetentionPolicy = {
    keepLast: options.keepLast, keepDaily: options.keepDaily, keepWeekly: options.keepWeekly, keepMonthly: options.keepMonthly,
  };
  const reporter = createReporter(Boolean(options.json));
  const report = await pruneBackups(options.dir ?? defaultBackupDir(), policy, { dryRun: Boolean(options.dryRun) });
  printPruneReport(report, reporter);
  reporter.result(report);
});
