// `pnpm run db:migrate [-- prisma migrate dev options]`: the development path.
// Pre-migration backup, analysis of what is pending, `prisma migrate dev`
// (e.g. --name add_badges), the row-count integrity check, and the findings
// of any migration it wrote. Refuses production-looking databases.
import path from "node:path";
import { createReporter, defineCommand, positiveInteger, runCli } from "./lib/cli.ts";
import { PROJECT_ROOT, requireDatabaseUrl } from "./lib/config.ts";
import { devMigrate } from "./lib/migrations/dev-migrate.ts";
import { loadPrismaProject } from "./lib/migrations/prisma-project.ts";
import { formatAnalyses } from "./lib/migrations/report.ts";

const program = defineCommand("db:migrate", "Development: back up, analyse pending migrations, run prisma migrate dev, check row counts")
  .argument("[prismaArgs...]", "passed on to prisma migrate dev (e.g. --name add_badges, --create-only)")
  .allowUnknownOption()
  .option("--allow-data-loss", "apply even with unsuppressed data-loss findings in pending migrations")
  .option("--skip-live-checks", "analyse statically only")
  .option("--live-check-timeout <seconds>", "statement_timeout of each live-data check", positiveInteger("--live-check-timeout"), 10)
  .option("--backup-dir <dir>", "where the pre-migration backup and the report are written", path.join(PROJECT_ROOT, "backups"))
  .option("--config <file>", "the prisma.config.ts to use (default: the project's), passed on to Prisma")
  .option("--json", "print the run report as JSON on stdout")
  .addHelpText("after", `
Refused (exit 2) when NODE_ENV=production or DATABASE_URL's host is listed in PRODUCTION_DATABASE_HOSTS
(comma-separated): use pnpm run db:migrate-deploy there.
Exit codes: 0 migrated; 1 blocked, refused, backup or migration failed, rows vanished; 2 usage/configuration error.`)
  .parse();

await runCli(async () => {
  const options = program.opts<{ allowDataLoss?: boolean; skipLiveChecks?: boolean; liveCheckTimeout: number; backupDir: string; config?: string; json?: boolean }>();
  const reporter = createReporter(Boolean(options.json));
  const target = requireDatabaseUrl();
  const project = await loadPrismaProject(options.config);
  const result = await devMigrate(
    {
      command: "db:migrate",
      target,
      project,
      allowDataLoss: Boolean(options.allowDataLoss),
      skipLiveChecks: Boolean(options.skipLiveChecks),
      liveCheckTimeoutMs: options.liveCheckTimeout * 1000,
      backupDir: path.resolve(options.backupDir),
      confirm: null,
      log: (line) => reporter.info(line),
    },
    program.processedArgs[0] as string[],
    process.env,
  );
  if (result.created.length > 0) {
    reporter.info("New migration(s) written by prisma migrate dev — review these findings before committing:");
    for (const line of formatAnalyses(result.created)) reporter.info(`  ${line}`);
  }
  reporter.result({ ...result.report, created: result.created });
  return result.code;
});
