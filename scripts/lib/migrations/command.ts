// The command line shared by db:safe-migrate and db:migrate-deploy (the latter
// never prompts): options, the confirmation prompt, output and exit code.
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { createReporter, defineCommand, positiveInteger, runCli } from "../cli.ts";
import { PROJECT_ROOT, requireDatabaseUrl } from "../config.ts";
import { loadPrismaProject } from "./prisma-project.ts";
import { safeMigrate } from "./safe-migrate.ts";

export const EXIT_CODES_HELP = `
Exit codes: 0 applied (or nothing pending, or a clean --dry-run); 1 blocked by data-loss findings,
refused (failed/edited/missing migration, lock held), backup failed, migration failed, or rows vanished;
2 usage or configuration error.`;

interface Options {
  dryRun?: boolean;
  allowDataLoss?: boolean;
  skipLiveChecks?: boolean;
  liveCheckTimeout: number;
  backupDir: string;
  config?: string;
  json?: boolean;
}

export async function runSafeMigrateCommand(name: string, description: string, interactive: boolean): Promise<void> {
  const program = defineCommand(name, description)
    .option("--dry-run", "lock, check the history, plan with live data, and stop: nothing is changed")
    .option("--allow-data-loss", "apply even with unsuppressed data-loss findings (a pre-migration backup is taken first)")
    .option("--skip-live-checks", "analyse statically only (no queries on the tables' data)")
    .option("--live-check-timeout <seconds>", "statement_timeout of each live-data check", positiveInteger("--live-check-timeout"), 10)
    .option("--backup-dir <dir>", "where the pre-migration backup and the report are written", path.join(PROJECT_ROOT, "backups"))
    .option("--config <file>", "the prisma.config.ts to use (default: the project's), passed on to Prisma")
    .option("--json", "print the run report as JSON on stdout")
    .addHelpText("after", EXIT_CODES_HELP)
    .parse();

  await runCli(async () => {
    const options = program.opts<Options>();
    const reporter = createReporter(Boolean(options.json));
    const target = requireDatabaseUrl();
    const project = await loadPrismaProject(options.config);
    const mayPrompt = interactive && !options.json && !process.env.CI && Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const result = await safeMigrate({
      command: name,
      target,
      project,
      dryRun: Boolean(options.dryRun),
      allowDataLoss: Boolean(options.allowDataLoss),
      skipLiveChecks: Boolean(options.skipLiveChecks),
      liveCheckTimeoutMs: options.liveCheckTimeout * 1000,
      backupDir: path.resolve(options.backupDir),
      confirm: mayPrompt ? askYes : null,
      log: (line) => reporter.info(line),
    });
    reporter.result(result.report);
    return result.code;
  });
}

async function askYes(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await readline.question(question)).trim().toLowerCase() === "yes";
  } finally {
    readline.close();
  }
}
