// `pnpm run db:backup`: a consistent, checksummed backup set of every table.
import { defineCommand, runCli } from "./lib/cli.ts";
import { UsageError } from "./lib/errors.ts";
import { runBackupCommand, withBackupOptions } from "./lib/backup/command.ts";
import type { BackupKind } from "./lib/backup/index.ts";

const KINDS: BackupKind[] = ["manual", "scheduled"];

const program = withBackupOptions(
  defineCommand(
    "db:backup",
    "Back up every table and sequence of the app's schemas in one consistent snapshot: one JSON file per table, then a checksummed summary.",
  ),
)
  .option("--kind <kind>", `how the summary labels the set: ${KINDS.join(" or ")}`, "manual")
  .parse();

await runCli(async () => {
  const options = program.opts();
  if (!KINDS.includes(options.kind)) {
    throw new UsageError(`--kind must be ${KINDS.join(" or ")} (got "${options.kind}"); for a pre-migration set run db:pre-migration-backup`);
  }
  await runBackupCommand(options.kind, options);
});
