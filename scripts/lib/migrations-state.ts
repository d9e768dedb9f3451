// Which migrations of prisma/migrations the database has applied, which are
// pending and which failed, read the way Prisma records them in
// _prisma_migrations. Used by backups (the summary lists them) and by the
// migration tooling.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { PROJECT_ROOT } from "./config.ts";
import { qualifiedName } from "./db.ts";

export const DEFAULT_MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");
/** Where Prisma records the migrations it ran. */
export const MIGRATIONS_TABLE = "_prisma_migrations";

export interface MigrationState {
  /** Finished and not rolled back, in name (= chronological) order. */
  applied: string[];
  /** In the migrations directory with no finished record: still to run (includes failed ones). */
  pending: string[];
  /** Started but neither finished nor rolled back: `prisma migrate resolve` is needed first. */
  failed: string[];
  /** Finished in the database but absent from the migrations directory. */
  unknown: string[];
  /** Applied, but the local migration.sql no longer matches the checksum Prisma recorded (edited after it ran). */
  edited: string[];
}

/** Migration directory names (those holding a migration.sql), sorted. */
export async function localMigrations(migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(path.join(migrationsDir, entry.name));
    if (files.includes("migration.sql")) names.push(entry.name);
  }
  return names.sort();
}

/** The qualified name of `schema`'s _prisma_migrations, or null when the database has none (not managed by Prisma Migrate). */
export async function migrationsTable(db: pg.Pool | pg.PoolClient | pg.Client, schema = "public"): Promise<string | null> {
  const table = qualifiedName(schema, MIGRATIONS_TABLE);
  const exists = await db.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [table]);
  return exists.rows[0]?.found ? table : null;
}

export async function readMigrationState(
  db: pg.Pool | pg.PoolClient | pg.Client,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
  schema = "public",
): Promise<MigrationState> {
  const local = await localMigrations(migrationsDir);
  const table = await migrationsTable(db, schema);
  const records = table
    ? (
        await db.query<{ migration_name: string; finished: boolean; rolled_back: boolean; checksum: string }>(
          `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, checksum
             FROM ${table}`,
        )
      ).rows
    : [];

  const applied = new Set(records.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
  const failed = new Set(records.filter((r) => !r.finished && !r.rolled_back).map((r) => r.migration_name));
  const localSet = new Set(local);
  return {
    applied: [...applied].sort(),
    pending: local.filter((name) => !applied.has(name)),
    failed: [...failed].sort(),
    unknown: [...applied].filter((name) => !localSet.has(name)).sort(),
    edited: await editedMigrations(migrationsDir, records.filter((r) => r.finished && !r.rolled_back && localSet.has(r.migration_name))),
  };
}

/** Prisma records the SHA-256 (hex) of migration.sql's bytes when it applies a migration. */
async function editedMigrations(migrationsDir: string, applied: Array<{ migration_name: string; checksum: string }>): Promise<string[]> {
  const edited: string[] = [];
  for (const record of applied) {
    const sql = await readFile(path.join(migrationsDir, record.migration_name, "migration.sql"));
    if (createHash("sha256").update(sql).digest("hex") !== record.checksum) edited.push(record.migration_name);
  }
  return edited.sort();
}
