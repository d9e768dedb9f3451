// `pnpm run db:verify-backup [SUMMARY_FILE | latest]`: re-reads a backup set
// and checks every file against its summary; exit 0 only when all holds.
import { sendAlert } from "./lib/alerts.ts";
import { createReporter, defineCommand, EXIT_FAILED, runCli } from "./lib/cli.ts";
import { requireDatabaseUrl } from "./lib/config.ts";
import { encryptionKeyFromEnv } from "./lib/backup/command.ts";
import { defaultBackupDir, resolveSummaryPath, verifyBackupSet } from "./lib/backup/index.ts";
import { printVerifyReport } from "./lib/backup/verify-report.ts";

const program = defineCommand(
  "db:verify-backup",
  "Check a backup set: each file's size and SHA-256, decryption, every row parsed, row counts; --against-db compares counts with the live database.",
)
  .argument("[summary]", 'a backup-summary-<timestamp>.json file (a path or s3://bucket/prefix/…), "latest", or "latest~N" (N sets before the newest)', "latest")
  .option("--dir <location>", "where to look for the latest set: a directory or s3://bucket/prefix (default: $BACKUP_DIR or backups/)")
  .option("--against-db", "also compare row counts with the database in DATABASE_URL (drift)")
  .option("--json", "print the report as JSON on stdout (human output moves to stderr)")
  .parse();

await runCli(async () => {
  const options = program.opts<{ dir?: string; againstDb?: boolean; json?: boolean }>();
  const reporter = createReporter(options.json ?? false);
  const againstDb = options.againstDb ? requireDatabaseUrl() : undefined;
  const summaryPath = await resolveSummaryPath(program.args[0] ?? "latest", options.dir ?? defaultBackupDir());
  const report = await verifyBackupSet(summaryPath, { encryptionKey: encryptionKeyFromEnv(), againstDb });
  printVerifyReport(reporter, report);
  reporter.result(report);
  if (report.ok) return;
  await sendAlert({
    severity: "error",
    title: `Backup verification failed: ${summaryPath}`,
    details: [...report.problems.map((p) => `${p.file}: ${p.problem}`), "Do not rely on this set; take a new backup (pnpm run db:backup)."],
  });
  return EXIT_FAILED;
});
