// Each test file gets its own database cloned from the migrated template that
// tests/run.ts prepared, on the suite's real PostgreSQL server.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { parseDatabaseUrl, type DatabaseTarget } from "../../scripts/lib/config.ts";
import { createDatabase, databaseUrl, dropDatabase } from "../../scripts/lib/database-admin.ts";
import { createPool } from "../../scripts/lib/db.ts";

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`pnpm test\` (tests/run.ts).`);
  return value;
}

export function adminUrl(): string {
  return requiredEnv("PDG_TEST_ADMIN_URL");
}

export function urlForDatabase(database: string): string {
  return databaseUrl(adminUrl(), database);
}

export interface TestDatabase {
  name: string;
  url: string;
  target: DatabaseTarget;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh database: migrated (cloned from the template) unless `empty`. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `pdg_test_${randomBytes(6).toString("hex")}`;
  const template = options.empty ? "template0" : requiredEnv("PDG_TEST_TEMPLATE");
  const url = await createDatabase(adminUrl(), name, template);
  const target = parseDatabaseUrl(url);
  const pool = createPool(target);
  return {
    name,
    url,
    target,
    pool,
    async drop() {
      await pool.end();
      await dropDatabase(adminUrl(), name);
    },
  };
}
