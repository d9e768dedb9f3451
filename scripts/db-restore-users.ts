// `pnpm run db:restore-users [FILE]`: rebuild users from a Privy.io export.
import path from "node:path";
import { createReporter, defineCommand, EXIT_OK, positiveInteger, runCli } from "./lib/cli.ts";
import { describeTarget, PROJECT_ROOT, requireDatabaseUrl } from "./lib/config.ts";
import { createPool } from "./lib/db.ts";
import { resolveExportFile, readExportHeader } from "./lib/privy/export-format.ts";
import { restoreUsers } from "./lib/privy/import.ts";
import { summaryLines } from "./lib/privy/summary.ts";

const USERS_DIR = path.join(PROJECT_ROOT, "users");

const program = defineCommand("db:restore-users", "Rebuild users from a Privy.io CSV/TSV export (idempotent: existing users are skipped).")
  .argument("[file]", "the export; default: the newest *.csv or *.tsv in users/")
  .option("--dry-run", "read, check and classify every row, report what would be imported, change nothing")
  .option("--json", "print the summary as JSON on stdout (human output goes to stderr)")
  .option("--limit <n>", "read only the first N data rows", positiveInteger("--limit"))
  .option("--report <file>", "write every rejected, conflicting, duplicate or noted row to FILE (CSV, mode 0600)")
  .addHelpText(
    "after",
    `
Exit codes: 0 the import finished (rejected rows are counted and reported),
            1 fatal error (database unreachable, file unreadable or damaged; nothing imported),
            2 usage error (bad option, no export found, no ID column, DATABASE_URL missing).`,
  );

await runCli(async () => {
  program.parse();
  const [fileArgument] = program.args;
  const options = program.opts<{ dryRun?: boolean; json?: boolean; limit?: number; report?: string }>();
  const reporter = createReporter(options.json ?? false);

  const file = await resolveExportFile(fileArgument, USERS_DIR);
  // A file without an ID column is reported before DATABASE_URL is even needed.
  await readExportHeader(file);
  const target = requireDatabaseUrl();
  reporter.info(`restore-users: ${file} -> ${describeTarget(target)}${options.dryRun ? " (dry run: nothing is written)" : ""}`);
  const pool = createPool(target);
  try {
    const summary = await restoreUsers(pool, { file, dryRun: options.dryRun, limit: options.limit, reportFile: options.report });
    for (const line of summaryLines(summary)) reporter.info(line);
    reporter.result(summary);
  } finally {
    await pool.end();
  }
  return EXIT_OK;
});
