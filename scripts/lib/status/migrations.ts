// Migration state: the committed history (prisma/migrations/*/migration.sql)
// against what the database's _prisma_migrations says was applied or failed.
import { readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { PROJECT_ROOT } from "../config.ts";

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

export interface MigrationState {
  applied: string[];
  /** In prisma/migrations but not applied. */
  pending: string[];
  /** Started and never finished nor rolled back: `prisma migrate resolve` is needed. */
  failed: string[];
  /** Applied in the database but not in prisma/migrations (another branch, or a deleted file). */
  unknown: string[];
}

export async function committedMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
}

export async function migrationState(db: pg.Pool, dir = MIGRATIONS_DIR): Promise<MigrationState> {
  const committed = await committedMigrations(dir);
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`);
  const rows = exists.rows[0]?.present
    ? (
        await db.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
          `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
             FROM _prisma_migrations ORDER BY migration_name`,
        )
      ).rows
    : [];
  const applied = [...new Set(rows.filter((row) => row.finished && !row.rolled_back).map((row) => row.migration_name))];
  const failed = [...new Set(rows.filter((row) => !row.finished && !row.rolled_back).map((row) => row.migration_name))]
    .filter((name) => !applied.includes(name));
  return {
    applied,
    pending: committed.filter((name) => !applied.includes(name) && !failed.includes(name)),
    failed,
    unknown: applied.filter((name) => !committed.includes(name)),
  };
}
