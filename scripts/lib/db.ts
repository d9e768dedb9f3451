// node-postgres connections for bulk work. Kept free of the generated Prisma
// client so prisma.config.ts can import it before `prisma generate` has run.
import pg from "pg";
import { parse as parseConnectionString } from "pg-connection-string";
import type { DatabaseTarget } from "./config.ts";

/**
 * Discrete host/port/user/password/database fields. The Prisma adapter copies
 * this config for its shadow database and overrides `database`; a
 * `connectionString` would silently win over that override.
 */
export function poolConfigFromUrl(url: string): pg.PoolConfig {
  const parsed = parseConnectionString(url);
  const config: pg.PoolConfig = {
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database ?? undefined,
    application_name: "prisma-data-guard",
  };
  // pg-connection-string's ssl type is wider than PoolConfig's; both accept these shapes.
  if (parsed.ssl !== undefined) config.ssl = parsed.ssl as pg.PoolConfig["ssl"];
  return config;
}

export function createPool(target: DatabaseTarget, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ ...poolConfigFromUrl(target.url), ...options });
  // An idle client dying (server restart) must not crash the process with an unhandled 'error'.
  pool.on("error", () => {});
  return pool;
}

/** Quotes an identifier for SQL built from catalog names. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** schema-qualified, quoted name. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Runs `work` in one transaction on one checked-out client (BEGIN and COMMIT
 * through pool.query could run on different connections): committed when it
 * returns, rolled back when it throws; the client always goes back to the pool.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
