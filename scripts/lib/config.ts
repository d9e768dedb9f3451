// Configuration shared by every script: DATABASE_URL from the environment or
// .env, validated up front so a missing or malformed value is one clear line.
import { existsSync } from "node:fs";
import path from "node:path";
import dotenv from "dotenv";
import { ConfigError } from "./errors.ts";
import { redactCredentials } from "./redact.ts";

/** The directory of package.json: two levels above scripts/lib/ in the sources, one above dist/<build>/ when built. */
export const PROJECT_ROOT = projectRootAbove(import.meta.dirname);

function projectRootAbove(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in ${start} or above it`);
  }
}

/** Loads PROJECT_ROOT/.env (or `file`) without overriding variables already set. */
export function loadEnvFile(file = path.join(PROJECT_ROOT, ".env")): void {
  if (existsSync(file)) dotenv.config({ path: file, quiet: true });
}

export interface DatabaseTarget {
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Validates a PostgreSQL URL; the message never contains the password. */
export function parseDatabaseUrl(url: string, variable = "DATABASE_URL"): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `${variable} is not a valid URL (${redactCredentials(url)}); expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE`,
    );
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new ConfigError(
      `${variable} must start with postgresql:// (got ${parsed.protocol}//…); expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  const socketHost = parsed.searchParams.get("host");
  const host = parsed.hostname || socketHost || "";
  if (!host) throw new ConfigError(`${variable} has no host; expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE`);
  if (!database) throw new ConfigError(`${variable} has no database name; expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE`);
  return {
    url,
    host,
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: decodeURIComponent(parsed.username),
  };
}

/** DATABASE_URL from the environment (after .env), or a ConfigError naming the variable. */
export function requireDatabaseUrl(env: NodeJS.ProcessEnv = process.env, variable = "DATABASE_URL"): DatabaseTarget {
  loadEnvFile();
  const url = env[variable]?.trim();
  if (!url) {
    throw new ConfigError(`${variable} is not set: export it or copy .env.example to .env and fill it in.`);
  }
  return parseDatabaseUrl(url, variable);
}

/** "host:port/database" — how reports name a database (never credentials). */
export function describeTarget(target: DatabaseTarget): string {
  return `${target.host}:${target.port}/${target.database}`;
}
