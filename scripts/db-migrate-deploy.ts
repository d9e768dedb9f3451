// `pnpm run db:migrate-deploy`: the production path — db:safe-migrate that
// never prompts (data-loss findings block unless --allow-data-loss).
import { runSafeMigrateCommand } from "./lib/migrations/command.ts";

await runSafeMigrateCommand(
  "db:migrate-deploy",
  "Production deploy: db:safe-migrate non-interactively (blocks data loss unless --allow-data-loss)",
  false,
);
