// Each test file gets its own database cloned from the migrated template that
// tests/run.ts prepared, on the suite's real PostgreSQL server.
import { randomBytes } from "node:crypto";
import pg from "pg";
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

/**
 * A fresh database: migrated (cloned from the template) unless `empty`, or a
 * copy of the database named `template` (which must have no open connection).
 */
export async function createTestDatabase(options: { empty?: boolean; template?: string } = {}): Promise<TestDatabase> {
  const name = `pdg_test_${randomBytes(6).toString("hex")}`;
  const template = options.template ?? (options.empty ? "template0" : requiredEnv("PDG_TEST_TEMPLATE"));
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

/** An empty database with `sql` applied and no connection left open: a template for identical copies. */
export async function createSchemaTemplate(sql: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `pdg_tpl_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: await createDatabase(adminUrl(), name, "template0") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return { name, drop: () => dropDatabase(adminUrl(), name) };
}
