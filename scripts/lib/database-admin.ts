// Creating and dropping whole databases on a server: the demo, the test suite
// and the benchmarks all need a fresh, migrated database next to the one they
// connect to first.
import pg from "pg";
import { quoteIdent } from "./db.ts";
import { OperationError } from "./errors.ts";
import { runPrismaCliCaptured } from "./prisma-cli.ts";
import { redactCredentials } from "./redact.ts";

/** `serverUrl` with its database name replaced by `database`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** One statement on a short-lived connection (CREATE/DROP DATABASE cannot run inside a transaction block). */
export async function runAdminStatement(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function dropDatabase(serverUrl: string, name: string): Promise<void> {
  return runAdminStatement(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** CREATE DATABASE, optionally as a copy of `template`; returns its URL. */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  const templateClause = template ? ` TEMPLATE ${quoteIdent(template)}` : "";
  await runAdminStatement(serverUrl, `CREATE DATABASE ${quoteIdent(name)}${templateClause}`);
  return databaseUrl(serverUrl, name);
}

/** `prisma migrate deploy` of the project's history into the database at `url`. */
export async function applyMigrations(url: string): Promise<void> {
  const migrate = await runPrismaCliCaptured(["migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url } });
  if (migrate.code !== 0) throw new OperationError(`prisma migrate deploy failed:\n${redactCredentials(migrate.output)}`);
}

/** Drops `name` if it exists, creates it and applies the migrations; returns its URL. */
export async function recreateMigratedDatabase(serverUrl: string, name: string): Promise<string> {
  await dropDatabase(serverUrl, name);
  const url = await createDatabase(serverUrl, name);
  await applyMigrations(url);
  return url;
}
