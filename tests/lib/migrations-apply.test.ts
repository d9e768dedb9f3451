import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { runPrismaCliCaptured } from "../../scripts/lib/prisma-cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const MIGRATIONS = readdirSync(path.join(PROJECT_ROOT, "prisma", "migrations"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("the migration history", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ empty: true });
  });
  after(() => db.drop());

  it("has an initial migration and at least two later ones", () => {
    assert.ok(MIGRATIONS.length >= 3, `found ${MIGRATIONS.join(", ")}`);
    assert.match(MIGRATIONS[0]!, /_init$/);
  });

  it("applies cleanly to an empty database with prisma migrate deploy (offline Wasm engine)", async () => {
    const result = await runPrismaCliCaptured(["migrate", "deploy"], { env: { ...process.env, DATABASE_URL: db.url } });
    assert.equal(result.code, 0, result.output);
    const applied = await db.pool.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    assert.deepEqual(applied.rows.map((row) => row.migration_name), MIGRATIONS);
  });

  it("prisma migrate dev runs offline on the migrated database (shadow database created and dropped)", async () => {
    const result = await runPrismaCliCaptured(["migrate", "dev", "--skip-generate"], { env: { ...process.env, DATABASE_URL: db.url } });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Already in sync/);
  });

  it("builds exactly the schema in prisma/schema.prisma (no drift; exercises the shadow database)", async () => {
    // --from-url is refused by Prisma when an adapter is configured; replaying the
    // history into the adapter's shadow database compares the same thing.
    const result = await runPrismaCliCaptured(
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code"],
      { env: { ...process.env, DATABASE_URL: db.url } },
    );
    assert.equal(result.code, 0, `expected no difference, got:\n${result.output}`);
    const leftovers = await db.pool.query(`SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`);
    assert.deepEqual(leftovers.rows, [], "the shadow database is dropped afterwards");
  });
});
