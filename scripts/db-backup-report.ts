// `pnpm run db:backup-report`: what a backup set holds against the set before
// it (per-table counts and change, size, duration). The nightly workflow
// appends its --markdown output to the GitHub run summary.
import { defineCommand, runCli } from "./lib/cli.ts";
import { defaultBackupDir, listBackupSets, resolveSummaryPath } from "./lib/backup/index.ts";
import { backupRunMarkdown, backupRunReport, backupRunText, setListText } from "./lib/status/backup-report.ts";
import { painterFor } from "./lib/status/format.ts";
import { redactForLog } from "./lib/redact.ts";
import { UsageError } from "./lib/errors.ts";

const program = defineCommand("db:backup-report", "Summarise a backup set against the previous one (counts, change, size, duration)")
  .argument("[summary]", "a backup-summary-*.json file (a path or s3://bucket/prefix/…), or latest", "latest")
  .option("--dir <location>", "backup location: a directory or s3://bucket/prefix (default: BACKUP_DIR or backups/)")
  .option("--list", "list every set in the location instead, newest first (time, kind, rows, size)")
  .option("--markdown", "print GitHub-flavoured Markdown (for $GITHUB_STEP_SUMMARY)")
  .option("--json", "print the report as JSON on stdout")
  .addHelpText("after", "\nExit codes: 0 printed, 1 no such set or it cannot be read (or the location cannot be listed), 2 usage error.");

await runCli(async () => {
  program.parse();
  const options = program.opts<{ dir?: string; list?: boolean; markdown?: boolean; json?: boolean }>();
  if (options.markdown && options.json) throw new UsageError("choose one of --markdown and --json");
  const backupDir = options.dir ?? defaultBackupDir();
  if (options.list) {
    const sets = await listBackupSets(backupDir);
    if (options.json) process.stdout.write(`${JSON.stringify(sets, null, 2)}\n`);
    else process.stdout.write(`${setListText(backupDir, sets).map(redactForLog).join("\n")}\n`);
    return;
  }
  const report = await backupRunReport(await resolveSummaryPath(program.args[0] ?? "latest", backupDir), backupDir);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (options.markdown) {
    process.stdout.write(redactForLog(backupRunMarkdown(report)));
  } else {
    process.stdout.write(`${backupRunText(report, painterFor(process.stdout)).map(redactForLog).join("\n")}\n`);
  }
});
