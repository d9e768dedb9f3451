// `pnpm run db:safe-migrate`: prisma migrate deploy behind an analysis of the
// pending migrations against the live data, a pre-migration backup and a
// row-count integrity check. Asks before data loss on a terminal (never in CI).
import { runSafeMigrateCommand } from "./lib/migrations/command.ts";

await runSafeMigrateCommand(
  "db:safe-migrate",
  "Analyse pending migrations against the live data, back up, run prisma migrate deploy, check row counts",
  true,
);
