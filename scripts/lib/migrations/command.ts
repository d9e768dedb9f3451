// The command line shared by db:safe-migrate, db:migrate-deploy (never
// prompts) and db:migrate: options, the confirmation prompt, output, exit code.
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { defaultBackupDir } from "../backup/index.ts";
import { resolveLocation } from "../repository/index.ts";
import { createReporter, defineCommand, positiveInteger, runCli, type Reporter } from "../cli.ts";
import { requireDatabaseUrl } from "../config.ts";
import { loadPrismaProject } from "./prisma-project.ts";
import { safeMigrate, type SafeMigrateOptions } from "./safe-migrate.ts";

export const EXIT_CODES_HELP = `
Exit codes: 0 applied (or nothing pending, or a clean --dry-run); 1 blocked by data-loss findings,
refused (failed/edited/missing migration, lock held), backup failed, migration failed, or rows vanished;
2 usage or configuration error.`;

export interface RunCommandOptions {
  allowDataLoss?: boolean;
  skipLiveChecks?: boolean;
  liveCheckTimeout: number;
  backupDir?: string;
  config?: string;
  json?: boolean;
}

/** The options every migration run takes. */
export function withRunOptions(command: Command): Command {
  return command
    .option("--allow-data-loss", "apply even with unsuppressed data-loss findings (a pre-migration backup is taken first)")
    .option("--skip-live-checks", "analyse statically only (no queries on the tables' data)")
    .option("--live-check-timeout <seconds>", "statement_timeout of each live-data check", positiveInteger("--live-check-timeout"), 10)
    .option("--backup-dir <location>", "directory or s3://bucket/prefix for the pre-migration backup and the report (default: BACKUP_DIR or backups/)")
    .option("--config <file>", "the prisma.config.ts to use (default: the project's), passed on to Prisma")
    .option("--json", "print the run report as JSON on stdout");
}

/** Turns parsed options into the run's settings (reads DATABASE_URL and the Prisma config). */
export async function runSettings(command: string, options: RunCommandOptions, reporter: Reporter) {
  return {
    command,
    target: requireDatabaseUrl(),
    project: await loadPrismaProject(options.config),
    allowDataLoss: Boolean(options.allowDataLoss),
    skipLiveChecks: Boolean(options.skipLiveChecks),
    liveCheckTimeoutMs: options.liveCheckTimeout * 1000,
    backupDir: options.backupDir ? resolveLocation(options.backupDir) : defaultBackupDir(),
    log: (line: string) => reporter.info(line),
  } satisfies Partial<SafeMigrateOptions>;
}

export async function runSafeMigrateCommand(name: string, description: string, interactive: boolean): Promise<void> {
  const program = withRunOptions(defineCommand(name, description))
    .option("--dry-run", "lock, check the history, plan with live data, and stop: nothing is changed")
    .addHelpText("after", EXIT_CODES_HELP)
    .parse();

  await runCli(async () => {
    const options = program.opts<RunCommandOptions & { dryRun?: boolean }>();
    const reporter = createReporter(Boolean(options.json));
    const mayPrompt = interactive && !options.json && !process.env.CI && Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const result = await safeMigrate({
      ...(await runSettings(name, options, reporter)),
      dryRun: Boolean(options.dryRun),
      confirm: mayPrompt ? askYes : null,
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
