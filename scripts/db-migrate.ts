// `pnpm run db:migrate [-- prisma migrate dev options]`: the development path.
// Pre-migration backup, analysis of what is pending, `prisma migrate dev`
// (e.g. -- --name add_badges), the row-count integrity check, and the
// findings of any migration it wrote. Refuses production-looking databases.
import { createReporter, defineCommand, runCli } from "./lib/cli.ts";
import { runSettings, withRunOptions, type RunCommandOptions } from "./lib/migrations/command.ts";
import { devMigrate } from "./lib/migrations/dev-migrate.ts";
import { formatAnalyses } from "./lib/migrations/report.ts";

const program = withRunOptions(
  defineCommand("db:migrate", "Development: back up, analyse pending migrations, run prisma migrate dev, check row counts"),
)
  .argument("[prismaArgs...]", "passed on to prisma migrate dev (e.g. -- --name add_badges, --create-only)")
  .allowUnknownOption()
  .addHelpText("after", `
Refused (exit 2) when NODE_ENV=production or DATABASE_URL's host is listed in PRODUCTION_DATABASE_HOSTS
(comma-separated): use pnpm run db:migrate-deploy there.
Exit codes: 0 migrated; 1 blocked, refused, backup or migration failed, rows vanished; 2 usage/configuration error.`)
  .parse();

await runCli(async () => {
  const options = program.opts<RunCommandOptions>();
  const reporter = createReporter(Boolean(options.json));
  const result = await devMigrate({ ...(await runSettings("db:migrate", options, reporter)), confirm: null }, program.processedArgs[0] as string[], process.env);
  if (result.created.length > 0) {
    reporter.info("New migration(s) written by prisma migrate dev — review these findings before committing:");
    for (const line of formatAnalyses(result.created)) reporter.info(`  ${line}`);
  }
  reporter.result({ ...result.report, created: result.created });
  return result.code;
});
