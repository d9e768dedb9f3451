// `pnpm run db:status`: row counts now vs the newest backup, that backup's
// age/kind/verification, migrations and data health checks. With --max-age it
// is a monitor: exit 1 and an alert when the newest backup is too old.
import { encryptionKeyFromEnv } from "./lib/backup/command.ts";
import { defineCommand, runCli, EXIT_FAILED, EXIT_OK } from "./lib/cli.ts";
import { sendAlert } from "./lib/alerts.ts";
import { defaultBackupDir } from "./lib/backup/index.ts";
import { requireDatabaseUrl } from "./lib/config.ts";
import { createPool } from "./lib/db.ts";
import { UsageError } from "./lib/errors.ts";
import { redactForLog } from "./lib/redact.ts";
import { formatAge, painterFor, parseDuration } from "./lib/status/format.ts";
import { renderStatus } from "./lib/status/render.ts";
import { collectStatus } from "./lib/status/status.ts";

const program = defineCommand("db:status", "Row counts vs the latest backup, backup age and verification, migrations, data health")
  .option("--dir <location>", "backup location: a directory or s3://bucket/prefix (default: BACKUP_DIR or backups/)")
  .option("--max-age <duration>", "exit 1 and alert when the newest backup is older than this (e.g. 26h, 90m, 2d)")
  .option("--max-drill-age <duration>", "exit 1 and alert when no restore drill (db:restore-drill) passed more recently than this (e.g. 8d)")
  .option("--no-verify", "do not re-check the latest backup's files against their checksums")
  .option("--json", "print the report as JSON on stdout (human output moves to stderr)")
  .addHelpText(
    "after",
    "\nExit codes: 0 reported (health problems are shown, not fatal), 1 the newest backup is older than --max-age or there is none,\n" +
      "or the newest passed restore drill is older than --max-drill-age or there is none\n" +
      "(an alert is sent), 2 usage or configuration error. Encrypted sets are verified with BACKUP_ENCRYPTION_KEY.",
  );

await runCli(async () => {
  program.parse();
  const options = program.opts<{ dir?: string; maxAge?: string; maxDrillAge?: string; verify: boolean; json?: boolean }>();
  const maxAgeMs = options.maxAge === undefined ? undefined : parseDuration(options.maxAge);
  if (maxAgeMs === null) throw new UsageError(`--max-age must be a duration such as 26h, 90m or 2d (got "${options.maxAge}")`);
  const maxDrillAgeMs = options.maxDrillAge === undefined ? undefined : parseDuration(options.maxDrillAge);
  if (maxDrillAgeMs === null) throw new UsageError(`--max-drill-age must be a duration such as 8d or 200h (got "${options.maxDrillAge}")`);
  const target = requireDatabaseUrl();
  const pool = createPool(target);
  try {
    const report = await collectStatus(pool, target, {
      backupDir: options.dir ?? defaultBackupDir(),
      verifyBackup: options.verify,
      encryptionKey: encryptionKeyFromEnv(),
      maxAgeMs,
      maxDrillAgeMs,
    });
    const human = options.json ? process.stderr : process.stdout;
    const paint = painterFor(human);
    human.write(`${renderStatus(report, paint).map(redactForLog).join("\n")}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    let code = EXIT_OK;
    if (report.drillFreshness && !report.drillFreshness.ok) {
      const passed = report.drills.newestPassed;
      await sendAlert({
        severity: "error",
        title: passed
          ? `The newest passed restore drill is ${formatAge(Date.parse(report.checkedAt) - Date.parse(passed.finishedAt))} old (limit ${formatAge(report.drillFreshness.maxAgeMs)})`
          : `No restore drill has passed in ${report.backupDir} (limit ${formatAge(report.drillFreshness.maxAgeMs)})`,
        details: [
          `database ${report.database}`,
          report.drills.latestSet?.outcome === "failed" ? `the newest set's drill failed: ${report.drills.latestSet.failure}` : "no recent drill of the newest set",
          "Drill the newest set now: pnpm run db:restore-drill --from latest (the nightly workflow does it after each backup)",
        ],
      });
      code = EXIT_FAILED;
    }
    if (report.freshness && !report.freshness.ok) {
      const backup = report.latestBackup;
      await sendAlert({
        severity: "error",
        title: backup
          ? `The newest database backup is ${formatAge(backup.ageMs)} old (limit ${formatAge(report.freshness.maxAgeMs)})`
          : `No database backup found in ${report.backupDir} (limit ${formatAge(report.freshness.maxAgeMs)})`,
        details: [
          `database ${report.database}`,
          "Check the nightly database-backup workflow's recent runs, then take a backup now: pnpm run db:backup",
        ],
      });
      return EXIT_FAILED;
    }
    return code;
  } finally {
    await pool.end();
  }
});
