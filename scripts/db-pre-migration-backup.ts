// `pnpm run db:pre-migration-backup`: the same backup, labelled pre-migration,
// listing the migrations still to run.
import { defineCommand, runCli } from "./lib/cli.ts";
import { runBackupCommand, withBackupOptions } from "./lib/backup/command.ts";

const program = withBackupOptions(
  defineCommand(
    "db:pre-migration-backup",
    "Back up every table before migrating: a pre-migration set whose summary lists the pending migrations of prisma/migrations.",
  ),
).parse();

await runCli(async () => {
  const { reporter, summary } = await runBackupCommand("pre-migration", program.opts());
  const { pending, failed, table } = summary.migrations;
  reporter.info(
    table === null
      ? "this database has no _prisma_migrations table (Prisma Migrate never ran here): no migrations are recorded or pending"
      : pending.length > 0
      ? `pending migrations (${pending.length}): ${pending.join(", ")}`
      : "no pending migrations: prisma/migrations is fully applied (the backup was taken anyway)",
  );
  if (failed.length > 0) reporter.warn(`failed migrations recorded in _prisma_migrations: ${failed.join(", ")}`);
});
