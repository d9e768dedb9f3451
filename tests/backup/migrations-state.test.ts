import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_MIGRATIONS_DIR, localMigrations, readMigrationState } from "../../scripts/lib/migrations-state.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const APPLIED = ["20250301120000_init", "20250415090000_points_system", "20250602180000_achievements_referrals"];

describe("readMigrationState", () => {
  let db: TestDatabase;
  let empty: TestDatabase;
  let migrationsDir: string;

  before(async () => {
    db = await createTestDatabase();
    empty = await createTestDatabase({ empty: true });
    migrationsDir = await mkdtemp(path.join(os.tmpdir(), "pdg-migrations-"));
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
  });
  after(async () => {
    await db.drop();
    await empty.drop();
    await rm(migrationsDir, { recursive: true, force: true });
  });

  it("lists migration directories (those with a migration.sql), sorted", async () => {
    assert.deepEqual(await localMigrations(), APPLIED);
    assert.deepEqual(await localMigrations(path.join(migrationsDir, "missing")), []);
  });

  it("reports a fully migrated database as applied with nothing pending", async () => {
    assert.deepEqual(await readMigrationState(db.pool), { applied: APPLIED, pending: [], failed: [], unknown: [] });
  });

  it("reports every migration as pending on a database without _prisma_migrations", async () => {
    assert.deepEqual(await readMigrationState(empty.pool), { applied: [], pending: APPLIED, failed: [], unknown: [] });
  });

  it("finds new directories pending, failed and rolled-back records, and applied migrations missing locally", async () => {
    await mkdir(path.join(migrationsDir, "20250701000000_add_badges"));
    await writeFile(path.join(migrationsDir, "20250701000000_add_badges", "migration.sql"), "SELECT 1;");
    await mkdir(path.join(migrationsDir, "20250702000000_not_a_migration"));
    await mkdir(path.join(migrationsDir, "20250703000000_broken"));
    await writeFile(path.join(migrationsDir, "20250703000000_broken", "migration.sql"), "SELECT 1;");
    await db.pool.query(`
      INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, rolled_back_at, applied_steps_count) VALUES
        ('f1', 'x', '20250703000000_broken', now(), NULL, NULL, 0),
        ('r1', 'x', '20250704000000_reverted', now(), NULL, now(), 0),
        ('u1', 'x', '20240101000000_from_another_branch', now(), now(), NULL, 1)`);
    const state = await readMigrationState(db.pool, migrationsDir);
    assert.deepEqual(state, {
      applied: ["20240101000000_from_another_branch", ...APPLIED],
      pending: ["20250701000000_add_badges", "20250703000000_broken"],
      failed: ["20250703000000_broken"],
      unknown: ["20240101000000_from_another_branch"],
    });
  });
});
