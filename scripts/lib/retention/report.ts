// Human-readable lines for a prune report, and the hook the backup CLI calls
// at the end of a backup when BACKUP_RETENTION is set.
import { sendAlert } from "../alerts.ts";
import { baseName } from "../repository/location.ts";
import type { Reporter } from "../cli.ts";
import { describePolicy, retentionPolicyFromEnv } from "./policy.ts";
import { pruneBackups, type PruneReport } from "./prune.ts";

export function printPruneReport(report: PruneReport, reporter: Reporter): void {
  const verb = report.dryRun ? "would delete" : "deleted";
  reporter.info(`retention (${describePolicy(report.policy)}) in ${report.backupDir}${report.dryRun ? " — dry run, nothing deleted" : ""}`);
  for (const set of report.kept) reporter.info(`  keep    ${baseName(set.summaryPath)}  ${set.kind}  (${set.reasons.join(", ")})`);
  for (const set of report.deleted) reporter.info(`  ${report.dryRun ? "delete?" : "deleted"} ${baseName(set.summaryPath)}  ${set.kind}  (${set.files.length} files)`);
  if (report.resumed.length > 0) reporter.info(`  ${verb} ${report.resumed.length} files left by an interrupted prune`);
  for (const set of report.incomplete) {
    reporter.info(
      set.removed
        ? `  ${report.dryRun ? "delete?" : "deleted"} incomplete set ${set.timestamp} (${set.files.length} files without a summary, last written ${set.lastModified})`
        : `  keep    incomplete set ${set.timestamp} (${set.files.length} files without a summary, written ${set.lastModified}: less than a day ago, a backup may still be writing it)`,
    );
  }
  if (report.refused.length > 0) {
    reporter.warn(
      `the storage refused to delete ${report.refused.length} file(s) — an object lock or retention policy (expected while it lasts), or missing delete permission: ` +
        report.refused.map((item) => `${baseName(item.file)} (${item.reason})`).join("; "),
    );
  }
  reporter.info(`${report.kept.length} sets kept, ${report.deleted.length} ${verb}`);
}

/**
 * For the end of the local backup flow: prunes `backupDir` with the policy in
 * BACKUP_RETENTION, or does nothing (returns null) when it is unset. Call
 * retentionPolicyFromEnv() before the backup to reject a malformed value early.
 * The backup has succeeded by then, so a failed prune is a warning alert, not
 * a failed command.
 */
export async function pruneAfterBackup(backupDir: string, reporter: Reporter, env: NodeJS.ProcessEnv = process.env): Promise<PruneReport | null> {
  const policy = retentionPolicyFromEnv(env);
  if (!policy) return null;
  try {
    const report = await pruneBackups(backupDir, policy);
    printPruneReport(report, reporter);
    return report;
  } catch (error) {
    await sendAlert(
      {
        severity: "warning",
        title: `The backup succeeded but pruning old sets (BACKUP_RETENTION) failed: ${error instanceof Error ? error.message : String(error)}`,
        details: [`Fix the cause, then run: pnpm run db:prune-backups --dir ${backupDir} --dry-run`],
      },
      env,
    );
    return null;
  }
}
