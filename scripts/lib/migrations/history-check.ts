// Step 2 of a migration run: refuse to deploy on top of a history Prisma
// itself would trip over — a failed migration, an applied migration whose
// file was edited since (checksum mismatch) or removed — with the exact fix.
import path from "node:path";
import { OperationError } from "../errors.ts";
import type { MigrationState } from "../migrations-state.ts";
import { prismaCommand, type PrismaProject } from "./prisma-project.ts";

export function refuseUnhealthyHistory(state: MigrationState, project: PrismaProject): void {
  if (state.failed.length > 0) {
    const name = state.failed[0]!;
    throw new OperationError(
      `migration ${name} failed earlier and is still marked failed in _prisma_migrations; nothing was changed. ` +
        `Check what it applied (it ran without a transaction), undo or finish that by hand, then run ` +
        `\`${prismaCommand(project, ["migrate", "resolve", "--rolled-back", name])}\` (to deploy a fixed version) or ` +
        `\`${prismaCommand(project, ["migrate", "resolve", "--applied", name])}\` (if you completed it by hand), and run this command again.`,
    );
  }
  if (state.edited.length > 0) {
    const name = state.edited[0]!;
    const file = path.join(project.migrationsDir, name, "migration.sql");
    throw new OperationError(
      `applied migration ${name} was edited after it ran (its checksum differs from _prisma_migrations); nothing was changed. ` +
        `Restore the applied version with \`git checkout <the commit that was deployed> -- ${file}\` and put the change in a new migration.`,
    );
  }
  if (state.unknown.length > 0) {
    const name = state.unknown[0]!;
    throw new OperationError(
      `migration ${name} is recorded as applied but its directory is missing from ${project.migrationsDir}; nothing was changed. ` +
        `Restore it from version control (\`git log --all -- '*${name}*'\` finds it) before deploying.`,
    );
  }
}
