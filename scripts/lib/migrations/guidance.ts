// Rollback guidance printed when a migration fails midway or rows vanish:
// the exact commands, with the pre-migration backup that was just taken.
import { prismaCommand, shellQuote, type PrismaProject } from "./prisma-project.ts";

export interface GuidanceInput {
  project: PrismaProject;
  /** The pre-migration backup's summary file (null: the database held no tables, so none was taken). */
  backupSummary: string | null;
  /** Migrations left failed in _prisma_migrations. */
  failed: string[];
  /** Tables ("schema.table") whose rows vanished: only these are restored. Empty: every backed-up table. */
  lostRowsIn: string[];
}

export function rollbackGuidance(input: GuidanceInput): string[] {
  const tables = input.lostRowsIn.map((table) => table.slice(table.indexOf(".") + 1));
  const only = tables.length > 0 ? ` --tables ${shellQuote(tables.join(","))}` : "";
  const lines = ["What to do now:", "  1. Stop the deploy pipeline and keep the app from writing more data to the affected tables."];
  if (input.backupSummary) {
    lines.push(
      `  2. Restore ${tables.length > 0 ? "the rows of the tables that lost them" : "the tables' rows"} as they were before the migration (--mode replace empties each restored table and reloads it from the pre-migration backup; --yes confirms):`,
      `       pnpm run db:restore --from ${shellQuote(input.backupSummary)} --mode replace --yes${only}`,
      "     db:restore compares the backup's migrations and columns with the database first; if it refuses because the database now has this",
      "     migration's changes, check the differences it lists and add --allow-schema-mismatch.",
    );
  } else {
    lines.push("  2. There is no pre-migration backup (the database held no tables): drop what the migration created, or recreate the empty database.");
  }
  if (input.failed.length > 0) {
    lines.push(
      ...(input.project.engine.engine === "adapter-pg"
        ? [
            "  3. The failed migration ran without a transaction (Prisma's pg adapter runs migration.sql statement by statement):",
            "     the statements before the failing one stay applied. Undo them or restore, fix the migration file, then mark it rolled back so the fixed version can be deployed:",
          ]
        : [
            "  3. The failed migration ran as one transaction (Prisma's native schema engine): PostgreSQL rolled all of it back, except statements",
            "     after an explicit COMMIT in the file. Fix the migration file, then mark it rolled back so the fixed version can be deployed:",
          ]),
      ...input.failed.map((name) => `       ${prismaCommand(input.project, ["migrate", "resolve", "--rolled-back", name])}`),
    );
  } else {
    lines.push(
      "  3. The migration is recorded as applied, so `prisma migrate resolve --rolled-back` does not apply to it:",
      "     after restoring, correct the schema with a new migration (and make the offending one safe for environments it has not reached yet).",
    );
  }
  return lines;
}
